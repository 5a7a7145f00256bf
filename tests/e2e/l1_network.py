"""A settlement network for e2e tests: anvil with the rollup's contracts (deployed with the
devnet's own helpers), a `rollup sequencer` with batcher and proposer, and a `rollup verifier`,
all real processes on 127.0.0.1, stopped by pid."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson
from web3 import Web3

from l1.anvil import Anvil
from l1.contracts.batch_inbox import BATCH_APPENDED_TOPIC, decode_batch_calldata
from l1.deploy import Deployment
from l1.processes import find_free_port
from rollup.batch import decode_batch
from rollup_cli.l1_roles import make_devnet_genesis, start_devnet_l1
from tests.e2e.conftest import DEV_KEYS, REPO_ROOT
from tests.e2e.tcp_proxy import TcpProxy
from tests.polling import wait_for

T = TypeVar("T")
L1_BLOCK_TIME = 1
L2_CHAIN_ID = 901
STARTUP_TIMEOUT = 120.0


def rpc(url: str, method: str, params: list[Any]) -> Any:
    body = httpx.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=30
    ).json()
    assert "error" not in body, body
    return body["result"]


@dataclass
class Role:
    """A `rollup` subprocess (sequencer or verifier) and its log."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    command: list[str]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """kill -9, as a crash would."""
        self.process.kill()
        self.process.wait()

    def restart(self) -> None:
        """Start the same command again (same data dir and port), appending to the log."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT
            )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Network:
    anvil: Anvil
    deployment: Deployment
    sequencer: Role
    verifier: Role
    proxy: TcpProxy | None = None  # between the roles and anvil, if asked for

    @property
    def seq(self) -> Web3:
        return Web3(Web3.HTTPProvider(self.sequencer.url, request_kwargs={"timeout": 30}))

    @property
    def ver(self) -> Web3:
        return Web3(Web3.HTTPProvider(self.verifier.url, request_kwargs={"timeout": 30}))


def start_role(role: str, directory: Path, args: list[str]) -> Role:
    port = find_free_port()
    log_path = directory / f"{role}.log"
    command = [sys.executable, "-m", "rollup_cli.main", role, *args, "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
    return Role(f"http://127.0.0.1:{port}", process, log_path, command)


def wait_until_up(role: Role) -> None:
    def up() -> bool:
        assert role.process.poll() is None, role.log()[-4000:]
        try:
            body = httpx.post(role.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"})
            return "result" in body.json()
        except httpx.HTTPError:
            return False

    wait_for(up, STARTUP_TIMEOUT, f"{role.log_path.stem} to answer")


@contextmanager
def run_network(
    directory: Path,
    sequencer_args: Sequence[str] = (),
    verifier_args: Sequence[str] = (),
    genesis_overrides: dict[str, Any] | None = None,
    l1_proxy: bool = False,
    **devnet_options: Any,
) -> Iterator[Network]:
    """Start anvil + contracts + sequencer (0.5 s blocks) + verifier; stop them all afterwards.
    `devnet_options` go to start_devnet_l1 (e.g. game_max_depth); `genesis_overrides` change
    the devnet genesis (e.g. sequencerWindow) for the contracts and the nodes alike; with
    `l1_proxy` the roles reach anvil through a TcpProxy the test can cut."""
    anvil, deployment = start_devnet_l1(
        L1_BLOCK_TIME, genesis_overrides=genesis_overrides, **devnet_options
    )
    roles: list[Role] = []
    proxy = TcpProxy(anvil.port).__enter__() if l1_proxy else None
    try:
        deployment_path = directory / "deployment.json"
        deployment.write(deployment_path)
        genesis_path = directory / "genesis.json"
        document = make_devnet_genesis(anvil.client, deployment, genesis_overrides)
        genesis_path.write_bytes(orjson.dumps(document))
        l1_url = proxy.url if proxy is not None else anvil.url
        common = ["--genesis", str(genesis_path), "--l1-rpc", l1_url]
        common += ["--deployment", str(deployment_path)]
        roles.append(
            start_role(
                "sequencer",
                directory,
                [
                    "--data-dir",
                    str(directory / "sequencer"),
                    *common,
                    "--batcher-key",
                    DEV_KEYS[1],
                    "--proposer-key",
                    DEV_KEYS[2],
                    "--block-time",
                    "0.5",
                    *sequencer_args,
                ],
            )
        )
        roles.append(
            start_role(
                "verifier",
                directory,
                ["--data-dir", str(directory / "verifier"), *common, *verifier_args],
            )
        )
        for role in roles:
            wait_until_up(role)
        yield Network(anvil, deployment, roles[0], roles[1], proxy)
    finally:
        for role in roles:
            role.stop()
        if proxy is not None:
            proxy.cut()
        anvil.stop()


def posted_batches(network: Network) -> list[tuple[int, int]]:
    """(first, last) L2 block of every batch in the BatchInbox, in L1 order (read from the
    calldata of the transactions that appended them)."""
    client = network.anvil.client
    logs = client.get_logs(
        [network.deployment.batch_inbox],
        [[BATCH_APPENDED_TOPIC]],
        network.deployment.deploy_block_number,
        client.block_number(),
    )
    ranges = []
    for entry in logs:
        data = decode_batch_calldata(client.get_transaction_input(entry.tx_hash))
        batch = decode_batch(data, L2_CHAIN_ID, 0, 0)  # only the block numbers are needed
        ranges.append((batch.first_block_number, batch.first_block_number + len(batch.blocks) - 1))
    return ranges


def assert_batches_contiguous(network: Network) -> list[tuple[int, int]]:
    """Every L2 block is on L1 once and in order, from block 1; returns the batches."""
    batches = posted_batches(network)
    assert batches[0][0] == 1
    for (_, end), (first, _) in itertools.pairwise(batches):
        assert first == end + 1, f"a batch repeated or skipped blocks: {batches}"
    return batches


def wait_until_verifier_has(network: Network, target: int, timeout: float) -> None:
    """Wait until the verifier has derived L2 block `target`, then check that its blocks 1 to
    `target` are the sequencer's (hash and state root)."""
    seq, ver = network.seq, network.ver
    wait_for(lambda: ver.eth.block_number >= target, timeout, f"the verifier to reach {target}")
    for number in range(1, target + 1):
        ours, theirs = seq.eth.get_block(number), ver.eth.get_block(number)
        assert (theirs["hash"], theirs["stateRoot"]) == (ours["hash"], ours["stateRoot"]), number
