"""A censoring sequencer cannot keep a user out: the user forces the transaction through L1.

Real processes end to end: anvil with the rollup's contracts (started here with the devnet's own
helpers), `rollup sequencer --censor <user>` with its batcher and proposer, and `rollup verifier`,
all on 127.0.0.1 and stopped by pid. The censored user's eth_sendRawTransaction is accepted and
then ignored; the same kind of L2 transaction posted on L1 with Bridge.forceTransaction is included
by the sequencer (every L2 block that advances its L1 origin starts with the L1 messages) and by
the verifier's derivation, with identical blocks.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson
import pytest
from eth_account import Account
from eth_typing import ChecksumAddress
from web3 import Web3

from l1.anvil import Anvil
from l1.contracts import Bridge
from l1.deploy import Deployment
from l1.sender import L1Sender
from rollup_cli.l1_roles import make_devnet_genesis, start_devnet_l1
from tests.e2e.conftest import DEV_KEYS, REPO_ROOT, find_free_port

pytestmark = pytest.mark.e2e

T = TypeVar("T")
L2_CHAIN_ID = 901
L1_BLOCK_TIME = 1
STARTUP_TIMEOUT = 120.0
INCLUSION_TIMEOUT = 90.0
USER_KEY = DEV_KEYS[4]  # the censored L2 user
L1_FORCER_KEY = DEV_KEYS[5]  # any L1 account may post a forced transaction
RECIPIENT = Web3.to_checksum_address("0x00000000000000000000000000000000c3450bad")


def wait_for(condition: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


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

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

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
    censored: ChecksumAddress

    @property
    def seq(self) -> Web3:
        return Web3(Web3.HTTPProvider(self.sequencer.url, request_kwargs={"timeout": 30}))

    @property
    def ver(self) -> Web3:
        return Web3(Web3.HTTPProvider(self.verifier.url, request_kwargs={"timeout": 30}))


def start_role(role: str, directory: Path, args: list[str]) -> Role:
    port = find_free_port()
    log_path = directory / f"{role}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "rollup_cli.main", role, *args, "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
    return Role(f"http://127.0.0.1:{port}", process, log_path)


def wait_until_up(role: Role) -> None:
    def up() -> bool:
        assert role.process.poll() is None, role.log()[-4000:]
        try:
            return (
                "result"
                in httpx.post(
                    role.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}
                ).json()
            )
        except httpx.HTTPError:
            return False

    wait_for(up, STARTUP_TIMEOUT, f"{role.log_path.stem} to answer")


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    directory = tmp_path_factory.mktemp("censorship")
    censored = Account.from_key(USER_KEY).address
    anvil, deployment = start_devnet_l1(L1_BLOCK_TIME)
    roles: list[Role] = []
    try:
        deployment_path = directory / "deployment.json"
        deployment.write(deployment_path)
        genesis_path = directory / "genesis.json"
        genesis_path.write_bytes(orjson.dumps(make_devnet_genesis(anvil.client, deployment)))
        common = ["--genesis", str(genesis_path), "--l1-rpc", anvil.url]
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
                    "--censor",
                    censored,
                    "--block-time",
                    "0.5",
                ],
            )
        )
        roles.append(
            start_role("verifier", directory, ["--data-dir", str(directory / "verifier"), *common])
        )
        for role in roles:
            wait_until_up(role)
        yield Network(anvil, deployment, roles[0], roles[1], censored)
    finally:
        for role in roles:
            role.stop()
        anvil.stop()


def sign_transfer(nonce: int, value: int) -> tuple[bytes, str]:
    """An ETH transfer on L2 signed by the censored user: (raw bytes, 0x-hash)."""
    signed = Account.from_key(USER_KEY).sign_transaction(
        {
            "to": RECIPIENT,
            "value": value,
            "gas": 21_000,
            "maxFeePerGas": 10**10,
            "maxPriorityFeePerGas": 10**6,
            "nonce": nonce,
            "chainId": L2_CHAIN_ID,
        }
    )
    return bytes(signed.raw_transaction), "0x" + bytes(signed.hash).hex()


def test_censored_users_transactions_never_land(network: Network) -> None:
    w3 = network.seq
    nonce = w3.eth.get_transaction_count(network.censored)
    assert w3.eth.get_balance(network.censored) > 10**18  # funded: only censorship stops it
    raw, tx_hash = sign_transfer(nonce, 1)
    # Accepted without complaint (a censor does not say so) ...
    assert w3.eth.send_raw_transaction(raw).to_0x_hex() == tx_hash
    start = w3.eth.block_number
    wait_for(lambda: w3.eth.block_number >= start + 8, 60, "eight more L2 blocks")
    # ... and never included.
    assert rpc(network.sequencer.url, "eth_getTransactionReceipt", [tx_hash]) is None
    assert w3.eth.get_transaction_count(network.censored) == nonce
    assert w3.eth.get_transaction_count(network.censored, "pending") == nonce
    assert "censoring 0x" + network.censored[2:].lower() in network.sequencer.log()


def test_forced_transaction_through_l1_is_included_despite_the_censor(network: Network) -> None:
    seq, ver = network.seq, network.ver
    nonce = seq.eth.get_transaction_count(network.censored)
    before = seq.eth.get_balance(RECIPIENT)
    raw, tx_hash = sign_transfer(nonce, 12_345)
    forcer = L1Sender(network.anvil.client, bytes.fromhex(L1_FORCER_KEY[2:]))
    receipt = forcer.send_and_wait(
        network.deployment.bridge, Bridge.encode_force_transaction(raw), timeout=60
    )
    assert receipt.succeeded

    def included(role: Role) -> Callable[[], dict[str, Any] | None]:
        return lambda: rpc(role.url, "eth_getTransactionReceipt", [tx_hash])

    on_sequencer = wait_for(included(network.sequencer), INCLUSION_TIMEOUT, "the sequencer")
    on_verifier = wait_for(included(network.verifier), INCLUSION_TIMEOUT, "the verifier")
    assert on_sequencer["status"] == on_verifier["status"] == "0x1"
    height = int(on_sequencer["blockNumber"], 16)
    assert on_verifier["blockNumber"] == on_sequencer["blockNumber"]
    assert on_verifier["blockHash"] == on_sequencer["blockHash"]
    ours, theirs = seq.eth.get_block(height), ver.eth.get_block(height)
    assert (theirs["hash"], theirs["stateRoot"]) == (ours["hash"], ours["stateRoot"])
    for w3 in (seq, ver):  # nobody else touches these accounts: the latest state shows the tx
        assert w3.eth.get_balance(RECIPIENT) == before + 12_345
        assert w3.eth.get_transaction_count(network.censored) == nonce + 1
