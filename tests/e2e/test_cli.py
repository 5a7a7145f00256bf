"""The `rollup` command as an operator uses it: help, bad flags, devnet, status, bench."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from prometheus_client.parser import text_string_to_metric_families

from l1.anvil import Anvil
from l1.deploy import Deployment
from l1.processes import find_free_port
from tests.e2e.conftest import DEV_KEYS, REPO_ROOT
from tests.polling import wait_for

ROLLUP = [sys.executable, "-m", "rollup_cli.main"]


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ROLLUP, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO_ROOT,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )


def test_help_lists_every_command() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("devnet", "sequencer", "status", "genesis", "bench"):
        assert command in result.stdout


@pytest.mark.parametrize("command", ["devnet", "sequencer", "status", "genesis", "bench"])
def test_each_command_explains_itself(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert "--" in result.stdout


def test_block_time_out_of_range_is_refused(tmp_path: Path) -> None:
    result = run_cli("sequencer", "--data-dir", str(tmp_path), "--block-time", "0")
    assert result.returncode == 2
    assert "block-time" in result.stderr
    assert not (tmp_path / "node.db").exists()


def test_sequencer_without_genesis_on_empty_data_dir_is_refused(tmp_path: Path) -> None:
    result = run_cli("sequencer", "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 2
    assert "no genesis document given" in result.stdout


def test_malformed_genesis_file_is_refused(tmp_path: Path) -> None:
    genesis = tmp_path / "genesis.json"
    genesis.write_text("{not json")
    result = run_cli("sequencer", "--data-dir", str(tmp_path / "data"), "--genesis", str(genesis))
    assert result.returncode == 2
    assert "is not valid JSON" in result.stdout


def test_invalid_genesis_rule_is_named(tmp_path: Path) -> None:
    genesis = tmp_path / "genesis.json"
    written = run_cli("genesis", "--out", str(genesis))
    assert written.returncode == 0
    text = genesis.read_text().replace('"collateralFactor": "0.8"', '"collateralFactor": "0.9"')
    genesis.write_text(text)
    result = run_cli("sequencer", "--data-dir", str(tmp_path / "data"), "--genesis", str(genesis))
    assert result.returncode == 2
    assert "need collateralFactor < liquidationThreshold < 1" in result.stdout


def test_devnet_prints_dev_accounts_and_status_reads_it(tmp_path: Path) -> None:
    # Every port given: the defaults (8545-8547) belong to the compose test's network.
    port, verifier_port, l1_port, metrics_port, verifier_metrics_port = (
        find_free_port() for _ in range(5)
    )
    log_path = tmp_path / "devnet.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                *ROLLUP,
                "devnet",
                "--data-dir",
                str(tmp_path / "devnet"),
                "--port",
                str(port),
                "--verifier-port",
                str(verifier_port),
                "--l1-port",
                str(l1_port),
                "--metrics-port",
                str(metrics_port),
                "--verifier-metrics-port",
                str(verifier_metrics_port),
                "--block-time",
                "0.2",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
            # A log file, 80 columns: what an operator who redirects the output gets.
            env={**os.environ, "COLUMNS": "80", "NO_COLOR": "1"},
        )
    try:
        url = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            assert process.poll() is None, log_path.read_text()
            try:
                httpx.post(
                    url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}, timeout=5
                )
            except httpx.HTTPError:
                return False
            return True

        wait_for(answers, 60, "the devnet to answer")
        printed = log_path.read_text()
        assert "…" not in printed
        for key in DEV_KEYS:
            assert key in printed
            assert Account.from_key(key).address in printed
        deployment = Deployment.read(tmp_path / "devnet" / "deployment.json")
        for contract_address in (
            deployment.batch_inbox,
            deployment.output_oracle,
            deployment.bridge,
        ):
            assert "0x" + contract_address.hex() in printed
        assert "0x4200000000000000000000000000000000000200" in printed
        for endpoint in (port, verifier_port, l1_port):
            assert f"http://127.0.0.1:{endpoint}" in printed
        for endpoint in (metrics_port, verifier_metrics_port):
            assert f"http://127.0.0.1:{endpoint}/metrics" in printed

        def scraped_heads(endpoint: int) -> dict[str, float]:
            try:
                text = httpx.get(f"http://127.0.0.1:{endpoint}/metrics", timeout=5).text
            except httpx.HTTPError:
                return {}  # the role is still starting
            return {
                sample.labels["head"]: sample.value
                for family in text_string_to_metric_families(text)
                for sample in family.samples
                if sample.name == "rollup_l2_head"
            }

        def rpc_head() -> int:
            body = {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}
            return int(httpx.post(url, json=body, timeout=5).json()["result"], 16)

        # Each role reports its own heads; the sequencer's unsafe head is at or behind the RPC's.
        def sequencer_heads_past_genesis() -> dict[str, float] | None:
            heads = scraped_heads(metrics_port)
            return heads if heads.get("unsafe", 0) > 0 else None

        heads = wait_for(sequencer_heads_past_genesis, 30, "the sequencer's metrics past genesis")
        assert heads["unsafe"] <= rpc_head()
        verifier_heads = wait_for(
            lambda: scraped_heads(verifier_metrics_port), 60, "the verifier's metrics"
        )
        assert set(verifier_heads) == {"unsafe", "safe", "finalized"}
        from_a_dapp = httpx.post(
            url,
            json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
            headers={"origin": "http://localhost:5173"},  # any dApp page, as anvil allows
            timeout=5,
        )
        assert from_a_dapp.headers["access-control-allow-origin"] == "*"
        status = run_cli("status", "--rpc-url", url)
        assert status.returncode == 0, status.stdout + status.stderr
        assert "chain id" in status.stdout and "901" in status.stdout
        assert "head block" in status.stdout
        as_json = run_cli("status", "--rpc-url", url, "--json")
        assert as_json.returncode == 0, as_json.stdout + as_json.stderr
        report = json.loads(as_json.stdout)
        assert (report["url"], report["chainId"]) == (url, 901)
        assert report["syncStatus"]["role"] == "sequencer"
        assert report["head"]["number"] >= report["syncStatus"]["safe_l2"]["number"]
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_status_against_nothing_fails_clearly() -> None:
    result = run_cli("status", "--rpc-url", f"http://127.0.0.1:{find_free_port()}")
    assert result.returncode == 2
    assert "cannot reach" in result.stdout


def test_quick_bench_runs_and_prints_every_column(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = run_cli("bench", "--quick", "--json-out", str(out), timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    for column in (
        "accepted tx/s",
        "included tx/s",
        "latency to receipt p50",
        "latency to receipt p99",
        "node peak RSS",
        "signature ceiling",
        "included / ceiling",
    ):
        assert column in result.stdout
    assert '"included": 2000' in out.read_text()


# -- start-up checks: the L1 and the database ----------------------------------------------------

BATCHER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"


def write_deployment(directory: Path, l1_chain_id: int) -> Path:
    from dataclasses import replace

    from tests.unit.test_l1_deployment import EXAMPLE

    path = directory / "deployment.json"
    replace(EXAMPLE, l1_chain_id=l1_chain_id).write(path)
    return path


def write_devnet_genesis(directory: Path) -> Path:
    genesis = directory / "genesis.json"
    assert run_cli("genesis", "--out", str(genesis)).returncode == 0
    return genesis


def test_sequencer_refuses_an_l1_of_another_chain_before_touching_its_data(
    tmp_path: Path,
) -> None:
    deployment = write_deployment(tmp_path, l1_chain_id=31337)
    with Anvil(chain_id=1) as anvil:
        result = run_cli(
            "sequencer", "--data-dir", str(tmp_path / "data"),
            "--genesis", str(write_devnet_genesis(tmp_path)),
            "--l1-rpc", anvil.url, "--deployment", str(deployment), "--batcher-key", BATCHER_KEY,
        )  # fmt: skip
    assert result.returncode == 2
    assert (
        f"the L1 at {anvil.url} is chain 1, but the deployment {deployment} was made on chain 31337"
    ) in " ".join(result.stdout.split())
    assert not (tmp_path / "data").exists()


def test_verifier_gives_up_on_an_unreachable_l1_after_its_startup_wait(tmp_path: Path) -> None:
    deployment = write_deployment(tmp_path, l1_chain_id=31337)
    l1 = f"http://127.0.0.1:{find_free_port()}"
    result = run_cli(
        "verifier", "--data-dir", str(tmp_path / "data"),
        "--genesis", str(write_devnet_genesis(tmp_path)),
        "--l1-rpc", l1, "--deployment", str(deployment), "--startup-wait", "1",
    )  # fmt: skip
    assert result.returncode == 2
    assert f"cannot reach the L1 at {l1} (waited 1 s)" in " ".join(result.stdout.split())
    assert result.stderr.count("not ready") >= 1  # the retries are logged


def test_sequencer_names_an_unreachable_database_without_its_password(tmp_path: Path) -> None:
    port = find_free_port()
    result = run_cli(
        "sequencer", "--data-dir", str(tmp_path / "data"),
        "--genesis", str(write_devnet_genesis(tmp_path)),
        "--db-url", f"postgresql+psycopg2://rollup:secret@127.0.0.1:{port}/rollup",
        "--startup-wait", "0",
    )  # fmt: skip
    assert result.returncode == 2
    output = " ".join(result.stdout.split())
    assert (
        f"cannot reach the database postgresql+psycopg2://rollup:***@127.0.0.1:{port}/rollup "
        "(waited 0 s)"
    ) in output
    assert "secret" not in output
