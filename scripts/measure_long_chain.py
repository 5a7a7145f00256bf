"""Restart and output costs at growing chain lengths (issue: constant costs over chain length).

Starts anvil with the rollup's contracts, a sequencer making a block every 0.05 s and a verifier,
all on 127.0.0.1, and at each target L2 length measures:
- the verifier's restart after kill -9: seconds until it has resumed derivation and until it
  serves its head again;
- the sequencer's restart (SIGTERM, then start): seconds until it answers JSON-RPC;
- an output's boundary state computed cold, as the proposer does after a restart, on a copy of the
  sequencer's database: from its kept cursors, and (what it cost before they were kept) with the
  cursors removed, walking from genesis.

    .venv/bin/python -m scripts.measure_long_chain --blocks 1000 --blocks 20000
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import httpx
import orjson
import typer

from l1.anvil import Anvil
from l1.deploy import Deployment
from l1.inputs import L1InputReader
from l1.processes import find_free_port
from node.storage import Storage
from prover.traces import NodeTraceProvider
from rollup.genesis import build_genesis
from rollup_cli.l1_roles import (
    L1_BATCHER_KEY,
    L1_PROPOSER_KEY,
    make_devnet_genesis,
    start_devnet_l1,
)

T = TypeVar("T")
REPO = Path(__file__).resolve().parent.parent
SUBMISSION_INTERVAL = 100


def wait_for(condition: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except httpx.HTTPError:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def rpc(url: str, method: str, params: list[Any] | None = None) -> Any:
    body = httpx.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}, timeout=60
    ).json()
    return body["result"]


class Process:
    def __init__(self, name: str, args: list[str], directory: Path) -> None:
        self.port = find_free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = directory / f"{name}.log"
        self.command = [sys.executable, "-m", "rollup_cli.main", *args, "--port", str(self.port)]
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, kill: bool = False) -> None:
        assert self.process is not None
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        self.process.wait(timeout=60)


def measure_boundary_state(
    data_dir: Path,
    document: dict[str, Any],
    anvil: Anvil,
    deployment: Deployment,
    block: int,
    keep_cursors: bool,
) -> float:
    """Seconds to compute block `block`'s boundary state with a fresh provider on a copy of the
    sequencer's database (with its kept cursors, or without any)."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "node"
        shutil.copytree(data_dir, copy)
        storage = Storage.open(f"sqlite:///{copy / 'node.db'}")
        if not keep_cursors:
            with storage.engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM boundary_cursors")
        inputs = L1InputReader(
            anvil.client, deployment.batch_inbox, deployment.bridge, deployment.deploy_block_number
        )
        inputs.refresh()  # reading L1's logs is not what is measured
        provider = NodeTraceProvider(storage, build_genesis(document).config, inputs)
        started = time.perf_counter()
        provider.compute_step_state(block)
        elapsed = time.perf_counter() - started
        storage.close()
    return elapsed


def main(blocks: Annotated[list[int], typer.Option(help="L2 lengths to measure at.")]) -> None:
    directory = Path(tempfile.mkdtemp(prefix="long-chain-"))
    anvil, deployment = start_devnet_l1(1, submission_interval=SUBMISSION_INTERVAL)
    processes: list[Process] = []
    try:
        deployment_path = directory / "deployment.json"
        deployment.write(deployment_path)
        document = make_devnet_genesis(anvil.client, deployment)
        genesis_path = directory / "genesis.json"
        genesis_path.write_bytes(orjson.dumps(document))
        common = ["--genesis", str(genesis_path), "--l1-rpc", anvil.url]
        common += ["--deployment", str(deployment_path)]
        sequencer = Process(
            "sequencer",
            [
                "sequencer",
                "--data-dir",
                str(directory / "sequencer"),
                *common,
                "--batcher-key",
                "0x" + L1_BATCHER_KEY.hex(),
                "--proposer-key",
                "0x" + L1_PROPOSER_KEY.hex(),
                "--block-time",
                "0.05",
            ],
            directory,
        )
        verifier = Process(
            "verifier", ["verifier", "--data-dir", str(directory / "verifier"), *common], directory
        )
        processes += [sequencer, verifier]
        rows = []
        for target in sorted(blocks):
            started = time.monotonic()
            wait_for(
                lambda target=target: int(rpc(verifier.url, "eth_blockNumber"), 16) >= target,
                target * 0.2 + 300,
                f"the verifier at block {target}",
            )
            grown = time.monotonic() - started
            # The verifier: kill -9 and start again.
            head = int(rpc(verifier.url, "eth_blockNumber"), 16)
            resumed_before = verifier.text().count("resumed after L1 block")
            verifier.stop(kill=True)
            t0 = time.monotonic()
            verifier.start()
            wait_for(
                lambda before=resumed_before: (
                    verifier.text().count("resumed after L1 block") > before
                ),
                600,
                "the verifier to resume",
            )
            resumed = time.monotonic() - t0
            wait_for(
                lambda head=head: int(rpc(verifier.url, "eth_blockNumber"), 16) >= head,
                600,
                "the verifier to serve its head",
            )
            serving = time.monotonic() - t0
            # The sequencer: stop, copy its database, start again.
            status = rpc(sequencer.url, "rollup_syncStatus")
            safe = int(status["safe_l2"]["number"])
            output_block = safe // SUBMISSION_INTERVAL * SUBMISSION_INTERVAL
            sequencer.stop()
            snapshot = directory / f"sequencer-at-{target}"
            shutil.copytree(directory / "sequencer", snapshot)
            t0 = time.monotonic()
            sequencer.start()
            wait_for(lambda: rpc(sequencer.url, "eth_chainId"), 600, "the sequencer to answer")
            sequencer_up = time.monotonic() - t0
            kept = measure_boundary_state(snapshot, document, anvil, deployment, output_block, True)
            walked = measure_boundary_state(
                snapshot, document, anvil, deployment, output_block, False
            )
            shutil.rmtree(snapshot)
            rows.append(
                (target, head, grown, resumed, serving, sequencer_up, output_block, kept, walked)
            )
            print(
                f"at {head} L2 blocks: verifier resumed in {resumed:.2f} s, served its head in "
                f"{serving:.2f} s; sequencer answered in {sequencer_up:.2f} s; boundary state of "
                f"output block {output_block}: {kept * 1000:.1f} ms from kept cursors, "
                f"{walked * 1000:.1f} ms walking from genesis",
                flush=True,
            )
        print(
            "| L2 blocks | verifier resumed | verifier serving its head | sequencer answering | "
            "output boundary state (kept cursors) | same, from genesis |"
        )
        print("|---|---|---|---|---|---|")
        for _target, head, _grown, resumed, serving, sequencer_up, block, kept, walked in rows:
            print(
                f"| {head:,} | {resumed:.2f} s | {serving:.2f} s | {sequencer_up:.2f} s | "
                f"{kept * 1000:.1f} ms (block {block:,}) | {walked * 1000:.1f} ms |"
            )
    finally:
        for process in processes:
            if process.process is not None and process.process.poll() is None:
                process.stop()
        anvil.stop()
        print(f"logs in {directory}")


if __name__ == "__main__":
    typer.run(main)
