"""Settlement on L1, end to end: `rollup devnet` (anvil + contracts + sequencer + batcher +
proposer + verifier, all real processes), driven by an L1 user and an L2 wallet."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from eth_account import Account
from web3 import Web3
from web3.logs import DISCARD

from l1.contracts.bridge import Bridge, OutputRootProof, Withdrawal
from l1.contracts.erc20 import TestERC20
from l1.contracts.output_oracle import OutputOracle
from l1.deploy import Deployment
from l1.processes import find_free_port
from l1.rpc import L1Client
from l1.sender import L1Sender, L1TransactionFailed
from rollup.deposit import compute_bridged_token_address
from tests.e2e.conftest import DEV_KEYS, L2_BRIDGE, REPO_ROOT, contract, run_rollup, send
from tests.polling import wait_for

T = TypeVar("T")
FINALIZATION_PERIOD = 135
"""The devnet's (its 120-block sequencer window of 1 s L1 blocks, and 15 s to open a game); tests
move L1 time past it rather than wait."""
SUBMISSION_INTERVAL = 4


@dataclass
class Network:
    sequencer: Web3
    verifier: Web3
    l1: L1Client
    deployment: Deployment
    data_dir: Path

    def l1_sender(self, index: int) -> L1Sender:
        return L1Sender(self.l1, bytes.fromhex(DEV_KEYS[index][2:]))

    def pass_challenge_window(self) -> None:
        """Move L1 time past the challenge window of everything proposed so far, and wait for an
        L1 block that has it."""
        target = self.l1.get_block("latest").timestamp + FINALIZATION_PERIOD + 1
        self.l1.request("evm_increaseTime", [FINALIZATION_PERIOD + 1])
        wait_for(lambda: self.l1.get_block("latest").timestamp >= target, 10, "a later L1 block")


def rpc(url: str, method: str, params: list[Any]) -> Any:
    body = httpx.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=30
    ).json()
    assert "error" not in body, body
    return body["result"]


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    data_dir = tmp_path_factory.mktemp("devnet") / "devnet"
    ports = [find_free_port() for _ in range(5)]
    log_path = data_dir.parent / "devnet.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rollup_cli.main",
                "devnet",
                "--data-dir",
                str(data_dir),
                "--port",
                str(ports[0]),
                "--verifier-port",
                str(ports[1]),
                "--l1-port",
                str(ports[2]),
                "--metrics-port",
                str(ports[3]),
                "--verifier-metrics-port",
                str(ports[4]),
                "--block-time",
                "0.5",
                "--finalization-period",
                str(FINALIZATION_PERIOD),
                "--submission-interval",
                str(SUBMISSION_INTERVAL),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
            env={**os.environ, "COLUMNS": "200"},
        )
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports[:3]]

        def up() -> bool:
            assert process.poll() is None, log_path.read_text()[-4000:]
            try:
                return all(
                    "result"
                    in httpx.post(
                        url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}
                    ).json()
                    for url in urls
                )
            except httpx.HTTPError:
                return False

        wait_for(up, 120, "the devnet to answer")
        yield Network(
            sequencer=Web3(Web3.HTTPProvider(urls[0])),
            verifier=Web3(Web3.HTTPProvider(urls[1])),
            l1=L1Client(urls[2]),
            deployment=Deployment.read(data_dir / "deployment.json"),
            data_dir=data_dir,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def test_eth_deposit_on_l1_appears_on_l2(network: Network) -> None:
    user = network.l1_sender(5)
    recipient = Web3.to_checksum_address("0x00000000000000000000000000000000000d3905")
    receipt = user.send_and_wait(
        network.deployment.bridge,
        Bridge.encode_deposit_eth(bytes.fromhex(recipient[2:])),
        value=3 * 10**18,
    )
    assert receipt.succeeded
    balance = wait_for(
        lambda: network.sequencer.eth.get_balance(recipient), 30, "the deposit on L2"
    )
    assert balance == 3 * 10**18


def test_erc20_deposit_mints_the_bridged_token_on_l2(network: Network) -> None:
    user = network.l1_sender(6)
    token = network.deployment.test_token
    recipient = bytes.fromhex("00000000000000000000000000000000000e2c20")
    user.send_and_wait(token, TestERC20.encode_mint(user.address, 500 * 10**18))
    user.send_and_wait(token, TestERC20.encode_approve(network.deployment.bridge, 500 * 10**18))
    user.send_and_wait(
        network.deployment.bridge, Bridge.encode_deposit_erc20(token, recipient, 120 * 10**18)
    )
    l2_token = Web3.to_checksum_address(compute_bridged_token_address(token))
    erc20 = contract(network.sequencer, l2_token, "IERC20")

    def minted() -> int | None:
        try:
            return int(erc20.functions.balanceOf(Web3.to_checksum_address(recipient)).call())
        except Exception:
            return None

    assert wait_for(minted, 30, "the bridged token balance") == 120 * 10**18
    assert erc20.functions.symbol().call() == "TT"
    assert erc20.functions.decimals().call() == 18
    assert TestERC20(network.l1, token).balance_of(network.deployment.bridge) >= 120 * 10**18


def test_verifier_derives_the_same_blocks_from_l1(network: Network) -> None:
    w3 = network.sequencer
    wallet = Account.from_key(DEV_KEYS[1])
    usdc = contract(w3, "0x4200000000000000000000000000000000001001", "IERC20")
    receipts = [
        send(w3, wallet, to="0x000000000000000000000000000000000000bEEF", value=7, gas=21_000),
        send(w3, wallet, usdc.functions.transfer("0x000000000000000000000000000000000000bEEF", 99)),
    ]
    target = max(receipt["blockNumber"] for receipt in receipts)

    def verifier_reached() -> bool:
        return network.verifier.eth.block_number >= target

    wait_for(verifier_reached, 60, "the verifier to derive the block")
    for number in range(max(target - 5, 1), target + 1):
        ours = w3.eth.get_block(number)
        theirs = network.verifier.eth.get_block(number)
        assert (theirs["hash"], theirs["stateRoot"]) == (ours["hash"], ours["stateRoot"])
    assert (
        network.verifier.eth.get_transaction_receipt(receipts[1]["transactionHash"])["status"] == 1
    )
    status = rpc(network.verifier.provider.endpoint_uri, "rollup_syncStatus", [])  # type: ignore[attr-defined]
    assert status["role"] == "verifier"
    assert status["safe_l2"]["number"] >= target


def test_verifier_refuses_transactions(network: Network) -> None:
    wallet = Account.from_key(DEV_KEYS[2])
    tx = {
        "to": "0x000000000000000000000000000000000000bEEF",
        "value": 1,
        "gas": 21_000,
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 10**6,
        "nonce": 0,
        "chainId": 901,
    }
    raw = "0x" + bytes(wallet.sign_transaction(tx).raw_transaction).hex()
    body = httpx.post(
        network.verifier.provider.endpoint_uri,
        json={"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": [raw]},
    ).json()  # type: ignore[attr-defined]
    assert body["error"]["message"] == "this node is a verifier: send transactions to the sequencer"


def test_withdrawal_is_proven_and_finalized_once_after_the_window(network: Network) -> None:
    w3 = network.sequencer
    wallet = Account.from_key(DEV_KEYS[3])
    l1_recipient = bytes.fromhex("00000000000000000000000000000000000a11ce")
    # The Bridge pays withdrawals from what deposits locked: lock at least this one's amount,
    # whatever other tests of this network ran before (the wallet's L2 ether is genesis's).
    locked = network.l1_sender(9).send_and_wait(
        network.deployment.bridge,
        Bridge.encode_deposit_eth(bytes.fromhex("00000000000000000000000000000000000d3906")),
        value=10**18,
    )
    assert locked.succeeded
    bridge_l2 = contract(w3, L2_BRIDGE, "IL2Bridge")
    receipt = send(
        w3,
        wallet,
        bridge_l2.functions.withdrawETH(Web3.to_checksum_address(l1_recipient)),
        value=5 * 10**17,
    )
    assert receipt["status"] == 1
    event = bridge_l2.events.WithdrawalInitiated().process_receipt(receipt, errors=DISCARD)[0].args
    withdrawal = Withdrawal(
        event.index, bytes.fromhex(wallet.address[2:]), l1_recipient, bytes(20), 5 * 10**17
    )
    assert withdrawal.hash == bytes(event.withdrawalHash)

    oracle = OutputOracle(network.l1, network.deployment.output_oracle)

    def covering_output() -> tuple[int, int] | None:
        for index in range(oracle.output_count()):
            output = oracle.get_output(index)
            if output.l2_block_number >= receipt["blockNumber"]:
                return index, output.l2_block_number
        return None

    output_index, l2_block = wait_for(covering_output, 90, "an output covering the withdrawal")
    proof = rpc(
        w3.provider.endpoint_uri,
        "rollup_getWithdrawalProof",
        ["0x" + withdrawal.hash.hex(), hex(l2_block)],
    )  # type: ignore[attr-defined]
    assert proof["outputRoot"] == "0x" + oracle.get_output(output_index).output_root.hex()
    root_proof = OutputRootProof(
        *(
            bytes.fromhex(proof["outputRootProof"][k][2:])
            for k in ("version", "stateRoot", "withdrawalRoot", "blockHash")
        )
    )
    user = network.l1_sender(7)
    user.send_and_wait(
        network.deployment.bridge,
        Bridge.encode_prove_withdrawal(
            withdrawal, output_index, root_proof, bytes.fromhex(proof["proof"][2:])
        ),
    )
    finalize = Bridge.encode_finalize_withdrawal(withdrawal)
    if not oracle.is_finalized(output_index):
        with pytest.raises(L1TransactionFailed, match="NotFinalized"):
            user.send_and_wait(network.deployment.bridge, finalize, gas=200_000)
    network.pass_challenge_window()
    wait_for(lambda: oracle.is_finalized(output_index), 10, "the output to finalize")
    before = network.l1.get_balance(l1_recipient)
    assert user.send_and_wait(network.deployment.bridge, finalize, gas=200_000).succeeded
    assert network.l1.get_balance(l1_recipient) == before + 5 * 10**17
    with pytest.raises(L1TransactionFailed, match="AlreadyFinalized"):
        user.send_and_wait(network.deployment.bridge, finalize, gas=200_000)


def test_user_round_trip_with_the_cli_deposit_then_withdraw(network: Network) -> None:
    """The README's deposit -> use -> withdraw path, with the `rollup` commands a user runs."""
    key = DEV_KEYS[8]
    user = Account.from_key(key)
    l1_url = network.l1.url
    l2_url = network.sequencer.provider.endpoint_uri  # type: ignore[attr-defined]
    deployment = str(network.data_dir / "deployment.json")
    l2_before = network.sequencer.eth.get_balance(user.address)
    run_rollup(
        "deposit",
        "--l1-rpc",
        l1_url,
        "--deployment",
        deployment,
        "--private-key",
        key,
        "--amount",
        "2",
    )
    wait_for(
        lambda: network.sequencer.eth.get_balance(user.address) == l2_before + 2 * 10**18,
        30,
        "the CLI deposit on L2",
    )
    output = run_rollup(
        "withdraw", "initiate", "--rpc-url", l2_url, "--private-key", key, "--amount", "1.25"
    )
    tx_hash = output.split("tx ")[1].split()[0]
    run_rollup(
        "withdraw",
        "prove",
        "--rpc-url",
        l2_url,
        "--l1-rpc",
        l1_url,
        "--deployment",
        deployment,
        "--private-key",
        key,
        "--tx-hash",
        tx_hash,
    )
    l1_before = network.l1.get_balance(bytes.fromhex(user.address[2:]))
    network.pass_challenge_window()
    finalized = run_rollup(
        "withdraw",
        "finalize",
        "--rpc-url",
        l2_url,
        "--l1-rpc",
        l1_url,
        "--deployment",
        deployment,
        "--private-key",
        key,
        "--tx-hash",
        tx_hash,
    )
    assert "finalized: 1250000000000000000" in finalized
    l1_after = network.l1.get_balance(bytes.fromhex(user.address[2:]))
    # The L1 balance grows by the withdrawal less the finalize transaction's gas.
    assert 1.24 * 10**18 < l1_after - l1_before <= 1.25 * 10**18


def test_a_verifier_started_later_with_an_empty_database_reaches_the_same_head(
    network: Network, tmp_path: Path
) -> None:
    port = find_free_port()
    log_path = tmp_path / "late-verifier.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rollup_cli.main",
                "verifier",
                "--data-dir",
                str(tmp_path / "late"),
                "--genesis",
                str(network.data_dir / "genesis.json"),
                "--l1-rpc",
                network.l1.url,
                "--deployment",
                str(network.data_dir / "deployment.json"),
                "--port",
                str(port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
    try:
        late = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}"))
        target = rpc(network.sequencer.provider.endpoint_uri, "rollup_syncStatus", [])["safe_l2"]  # type: ignore[attr-defined]

        def caught_up() -> bool:
            assert process.poll() is None, log_path.read_text()[-3000:]
            try:
                return late.eth.block_number >= target["number"]
            except Exception:
                return False

        wait_for(caught_up, 120, "the late verifier to derive the safe head")
        block = late.eth.get_block(target["number"])
        assert "0x" + bytes(block["hash"]).hex() == target["hash"]
        assert block["stateRoot"] == network.sequencer.eth.get_block(target["number"])["stateRoot"]
    finally:
        process.terminate()
        process.wait(timeout=30)
