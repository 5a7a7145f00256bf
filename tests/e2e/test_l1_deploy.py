"""Deploying the rollup's L1 contracts on anvil and using them through the bindings: deposits
queue L1 -> L2 messages, batches are readable from calldata, outputs are proposed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from l1.anvil import DEV_KEYS, Anvil
from l1.artifacts import build_artifacts, find_missing_artifacts
from l1.contracts import (
    BATCH_APPENDED_TOPIC,
    L2_TRANSACTION_QUEUED_TOPIC,
    OUTPUT_PROPOSED_TOPIC,
    BatchInbox,
    Bridge,
    OutputOracle,
    TestERC20,
    decode_batch_appended,
    decode_l2_transaction_queued,
    decode_output_proposed,
)
from l1.deploy import Deployment, deploy_rollup_contracts
from l1.sender import L1Sender, L1TransactionFailed
from rollup.abi import encode_arguments
from rollup.crypto import compute_private_key_address, keccak256
from rollup.deposit import EthDeposit, TokenDeposit, decode_message

pytestmark = pytest.mark.e2e

ETHER = 10**18
DEPLOYER, SEQUENCER, PROPOSER, CHALLENGER, USER = (
    compute_private_key_address(key) for key in DEV_KEYS[:5]
)
L2_RECIPIENT = bytes.fromhex("00000000000000000000000000000000000000cc")


@pytest.fixture(scope="session", autouse=True)
def forge_artifacts() -> None:
    if find_missing_artifacts():
        build_artifacts()


@pytest.fixture
def anvil() -> Iterator[Anvil]:
    with Anvil(block_time=0.25) as node:
        yield node


@pytest.fixture
def deployment(anvil: Anvil) -> Deployment:
    return deploy_rollup_contracts(
        anvil.client,
        DEV_KEYS[0],
        sequencer_address=SEQUENCER,
        proposer_address=PROPOSER,
        challenger_address=CHALLENGER,
        submission_interval=10,
        finalization_period_seconds=60,
        bond=ETHER,
    )


def test_deployment_configures_every_contract(anvil: Anvil, deployment: Deployment) -> None:
    client = anvil.client
    oracle = OutputOracle(client, deployment.output_oracle)
    token = TestERC20(client, deployment.test_token)
    assert BatchInbox(client, deployment.batch_inbox).sequencer() == SEQUENCER
    assert (oracle.proposer(), oracle.challenger()) == (PROPOSER, CHALLENGER)
    assert (oracle.submission_interval(), oracle.finalization_period_seconds()) == (10, 60)
    assert oracle.bond() == ETHER
    assert Bridge(client, deployment.bridge).output_oracle() == deployment.output_oracle
    assert (token.name(), token.symbol(), token.decimals()) == ("Test Token", "TT", 18)
    assert (deployment.l1_chain_id, deployment.deployer) == (31337, DEPLOYER)


def test_deployment_block_holds_the_last_creation(anvil: Anvil, deployment: Deployment) -> None:
    client = anvil.client
    number = deployment.deploy_block_number
    assert client.get_block(number).hash == deployment.deploy_block_hash
    contracts = [deployment.batch_inbox, deployment.output_oracle, deployment.bridge]
    assert all(client.get_code(address, number) != b"" for address in contracts)
    assert client.get_code(deployment.test_token, number) != b""
    assert client.get_code(deployment.test_token, number - 1) == b""


def test_deployment_document_round_trips_through_a_file(
    deployment: Deployment, tmp_path: Path
) -> None:
    path = tmp_path / "deployment.json"
    deployment.write(path)
    assert Deployment.read(path) == deployment


def test_eth_deposit_queues_its_exact_payload(anvil: Anvil, deployment: Deployment) -> None:
    user = L1Sender(anvil.client, DEV_KEYS[4])
    receipt = user.send_and_wait(
        deployment.bridge, Bridge.encode_deposit_eth(L2_RECIPIENT), value=2 * ETHER, timeout=30
    )
    (log,) = anvil.client.get_logs(
        [deployment.bridge], [L2_TRANSACTION_QUEUED_TOPIC], deployment.deploy_block_number, "latest"
    )
    event = decode_l2_transaction_queued(log)
    assert (event.queue_index, event.kind) == (0, 1)
    assert event.payload == encode_arguments(
        ["address", "address", "uint256"], [USER, L2_RECIPIENT, 2 * ETHER]
    )
    assert (log.block_number, log.tx_hash) == (receipt.block_number, receipt.tx_hash)
    message = event.to_message()
    assert (message.l1_block_number, message.l1_block_hash) == (
        receipt.block_number,
        receipt.block_hash,
    )
    assert decode_message(message) == EthDeposit(USER, L2_RECIPIENT, 2 * ETHER)
    assert anvil.client.get_balance(deployment.bridge) == 2 * ETHER


def test_erc20_deposit_queues_the_token_metadata(anvil: Anvil, deployment: Deployment) -> None:
    user = L1Sender(anvil.client, DEV_KEYS[4])
    token = deployment.test_token
    user.send_and_wait(token, TestERC20.encode_mint(USER, 1000), timeout=30)
    user.send_and_wait(token, TestERC20.encode_approve(deployment.bridge, 400), timeout=30)
    receipt = user.send_and_wait(
        deployment.bridge, Bridge.encode_deposit_erc20(token, L2_RECIPIENT, 400), timeout=30
    )
    (event,) = [
        decode_l2_transaction_queued(log)
        for log in receipt.logs
        if log.topics[0] == (L2_TRANSACTION_QUEUED_TOPIC)
    ]
    assert (event.queue_index, event.kind) == (0, 2)
    assert decode_message(event.to_message()) == TokenDeposit(
        USER, L2_RECIPIENT, token, 400, "Test Token", "TT", 18
    )
    assert TestERC20(anvil.client, token).balance_of(deployment.bridge) == 400


def test_forced_transaction_is_queued_as_given(anvil: Anvil, deployment: Deployment) -> None:
    user = L1Sender(anvil.client, DEV_KEYS[4])
    raw = b"\x02" + b"signed L2 transaction bytes"
    receipt = user.send_and_wait(
        deployment.bridge, Bridge.encode_force_transaction(raw), timeout=30
    )
    event = decode_l2_transaction_queued(receipt.logs[0])
    assert (event.queue_index, event.kind, event.payload) == (0, 3, raw)


def test_deposits_take_consecutive_queue_indexes(anvil: Anvil, deployment: Deployment) -> None:
    user = L1Sender(anvil.client, DEV_KEYS[4])
    for amount in (1, 2, 3):
        user.send(deployment.bridge, Bridge.encode_deposit_eth(L2_RECIPIENT), value=amount)
    anvil.mine(1)
    logs = anvil.client.get_logs(
        [deployment.bridge], [L2_TRANSACTION_QUEUED_TOPIC], deployment.deploy_block_number, "latest"
    )
    assert [decode_l2_transaction_queued(log).queue_index for log in logs] == [0, 1, 2]
    assert Bridge(anvil.client, deployment.bridge).queue_length() == 3


def test_batch_bytes_are_read_back_from_the_calldata(anvil: Anvil, deployment: Deployment) -> None:
    sequencer = L1Sender(anvil.client, DEV_KEYS[1])
    batch = b"\x01" + bytes(range(200))
    sequencer.send_and_wait(
        deployment.batch_inbox, BatchInbox.encode_append_batch(batch), timeout=30
    )
    (log,) = anvil.client.get_logs(
        [deployment.batch_inbox], [BATCH_APPENDED_TOPIC], deployment.deploy_block_number, "latest"
    )
    event = decode_batch_appended(log)
    calldata = anvil.client.get_transaction_input(log.tx_hash)
    assert BatchInbox.decode_append_batch(calldata) == batch
    assert (event.index, event.batch_hash) == (0, keccak256(batch))
    assert BatchInbox(anvil.client, deployment.batch_inbox).batch_hash(0) == keccak256(batch)


def test_proposed_output_is_stored_and_announced(anvil: Anvil, deployment: Deployment) -> None:
    proposer = L1Sender(anvil.client, DEV_KEYS[2])
    oracle = OutputOracle(anvil.client, deployment.output_oracle)
    root = keccak256(b"output 10")
    receipt = proposer.send_and_wait(
        deployment.output_oracle,
        OutputOracle.encode_propose_output(root, oracle.next_block_number()),
        value=ETHER,
        timeout=30,
    )
    block = anvil.client.get_block(receipt.block_number)
    (event,) = [
        decode_output_proposed(log)
        for log in receipt.logs
        if log.topics[0] == (OUTPUT_PROPOSED_TOPIC)
    ]
    assert (event.output_root, event.output_index, event.l2_block_number) == (root, 0, 10)
    assert event.timestamp == block.timestamp
    output = oracle.get_output(0)
    assert (output.output_root, output.l2_block_number, output.proposer) == (root, 10, PROPOSER)
    assert (output.bond, output.challenged, output.timestamp) == (ETHER, False, block.timestamp)
    assert (oracle.output_count(), oracle.latest_block_number(), oracle.next_block_number()) == (
        1,
        10,
        20,
    )
    assert oracle.is_finalized(0) is False


def test_proposal_with_a_wrong_bond_fails_with_incorrect_bond(
    anvil: Anvil, deployment: Deployment
) -> None:
    proposer = L1Sender(anvil.client, DEV_KEYS[2])
    with pytest.raises(L1TransactionFailed) as failure:
        proposer.send_and_wait(
            deployment.output_oracle,
            OutputOracle.encode_propose_output(keccak256(b"x"), 10),
            value=ETHER - 1,
            gas=200_000,
            timeout=30,
        )
    assert failure.value.reason == "IncorrectBond()"
