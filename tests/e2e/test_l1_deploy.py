"""Deploying the rollup's L1 contracts on anvil and using them through the bindings: deposits
queue L1 -> L2 messages, batches are readable from calldata, outputs are proposed and disputed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from l1.anvil import DEV_KEYS, Anvil
from l1.artifacts import build_artifacts, find_missing_artifacts
from l1.contracts.batch_inbox import BATCH_APPENDED_TOPIC, BatchInbox, decode_batch_appended
from l1.contracts.bridge import (
    L2_TRANSACTION_QUEUED_TOPIC,
    Bridge,
    decode_l2_transaction_queued,
)
from l1.contracts.dispute_game import (
    DISPUTE_GAME_TOPICS,
    Defended,
    DisputeGame,
    GameCreated,
    GameStatus,
    Party,
    Responded,
    TimedOut,
    decode_dispute_game_event,
)
from l1.contracts.erc20 import TestERC20
from l1.contracts.output_oracle import OUTPUT_PROPOSED_TOPIC, OutputOracle, decode_output_proposed
from l1.deploy import (
    DEFAULT_GAME_CLOCK_DURATION,
    DEFAULT_GAME_MAX_DEPTH,
    Deployment,
    deploy_rollup_contracts,
)
from l1.rpc import L1RpcError
from l1.sender import L1Sender, L1TransactionFailed
from rollup.abi import encode_arguments
from rollup.config import ChainConfig
from rollup.crypto import compute_private_key_address, keccak256
from rollup.deposit import EthDeposit, TokenDeposit, compute_message_hash, decode_message
from rollup.machine import compute_batch_record
from rollup.output import OUTPUT_VERSION
from rollup.stepstate import StepState

pytestmark = pytest.mark.e2e

ETHER = 10**18
DEPLOYER, SEQUENCER, PROPOSER, CHALLENGER, USER = (
    compute_private_key_address(key) for key in DEV_KEYS[:5]
)
L2_RECIPIENT = bytes.fromhex("00000000000000000000000000000000000000cc")
GENESIS_MACHINE_HASH = StepState(keccak256(b"genesis state")).hash


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
        game_bond=ETHER // 4,
        genesis_machine_hash=GENESIS_MACHINE_HASH,
    )


def test_deployment_configures_every_contract(anvil: Anvil, deployment: Deployment) -> None:
    client = anvil.client
    oracle = OutputOracle(client, deployment.output_oracle)
    token = TestERC20(client, deployment.test_token)
    game = DisputeGame(client, deployment.dispute_game)
    assert BatchInbox(client, deployment.batch_inbox).sequencer() == SEQUENCER
    # The oracle's challenger is the dispute game; the challenger role's account is recorded.
    assert (oracle.proposer(), oracle.challenger()) == (PROPOSER, deployment.dispute_game)
    assert deployment.challenger == CHALLENGER
    assert (oracle.submission_interval(), oracle.finalization_period_seconds()) == (10, 60)
    assert oracle.bond() == ETHER
    assert oracle.genesis_machine_hash() == GENESIS_MACHINE_HASH
    assert (game.oracle(), game.bond(), game.game_count()) == (
        deployment.output_oracle,
        ETHER // 4,
        0,
    )
    assert (game.max_depth(), game.clock_duration()) == (
        DEFAULT_GAME_MAX_DEPTH,
        DEFAULT_GAME_CLOCK_DURATION,
    )
    # Without a chain config no prover is deployed: games end by timeout only.
    assert game.prover() == deployment.one_step_prover == bytes(20)
    assert Bridge(client, deployment.bridge).output_oracle() == deployment.output_oracle
    assert (token.name(), token.symbol(), token.decimals()) == ("Test Token", "TT", 18)
    assert (deployment.l1_chain_id, deployment.deployer) == (31337, DEPLOYER)


def test_deployment_block_holds_the_last_creation(anvil: Anvil, deployment: Deployment) -> None:
    client = anvil.client
    number = deployment.deploy_block_number
    assert client.get_block(number).hash == deployment.deploy_block_hash
    contracts = [
        deployment.batch_inbox,
        deployment.output_oracle,
        deployment.bridge,
        deployment.dispute_game,
    ]
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
    carrier = anvil.client.get_block(receipt.block_number)
    message = event.to_message(carrier.timestamp)
    assert (message.l1_block_number, message.l1_timestamp) == (carrier.number, carrier.timestamp)
    assert decode_message(message) == EthDeposit(USER, L2_RECIPIENT, 2 * ETHER)
    assert anvil.client.get_balance(deployment.bridge) == 2 * ETHER
    assert Bridge(anvil.client, deployment.bridge).message_hash(0) == compute_message_hash(
        1, carrier.number, carrier.timestamp, event.payload
    )
    assert message.hash == compute_message_hash(1, carrier.number, carrier.timestamp, event.payload)


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
    assert decode_message(event.to_message(0)) == TokenDeposit(
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
    origin = anvil.client.get_block("latest")
    sequencer.send_and_wait(
        deployment.batch_inbox,
        BatchInbox.encode_append_batch(batch, origin.number, origin.hash),
        timeout=30,
    )
    (log,) = anvil.client.get_logs(
        [deployment.batch_inbox], [BATCH_APPENDED_TOPIC], deployment.deploy_block_number, "latest"
    )
    event = decode_batch_appended(log)
    calldata = anvil.client.get_transaction_input(log.tx_hash)
    assert BatchInbox.decode_append_batch(calldata) == batch
    assert (event.index, event.batch_hash) == (0, keccak256(batch))
    carrier = anvil.client.get_block(log.block_number)
    assert BatchInbox(anvil.client, deployment.batch_inbox).batch_record(0) == (
        compute_batch_record(keccak256(batch), carrier.number, carrier.timestamp)
    )


def final_state(l2_block_number: int, salt: bytes = b"") -> StepState:
    return StepState(
        keccak256(b"state %d" % l2_block_number + salt),
        keccak256(b"block %d" % l2_block_number + salt),
        l2_block_number,
        1_000,
    )


def propose(
    anvil: Anvil, deployment: Deployment, state: StepState, value: int = ETHER
) -> tuple[L1Sender, bytes]:
    proposer = L1Sender(anvil.client, DEV_KEYS[2])
    receipt = proposer.send_and_wait(
        deployment.output_oracle,
        OutputOracle.encode_propose_output(state, keccak256(b"withdrawals")),
        value=value,
        timeout=30,
    )
    return proposer, receipt.tx_hash


def test_proposed_output_is_stored_and_announced(anvil: Anvil, deployment: Deployment) -> None:
    oracle = OutputOracle(anvil.client, deployment.output_oracle)
    state = final_state(oracle.next_block_number())
    _, tx_hash = propose(anvil, deployment, state)
    receipt = anvil.client.get_receipt(tx_hash)
    assert receipt is not None
    root = keccak256(
        OUTPUT_VERSION + state.state_root + keccak256(b"withdrawals") + state.block_hash
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
    assert (output.machine_hash, output.state_root) == (state.hash, state.state_root)
    assert (output.withdrawal_root, output.proposal_id) == (keccak256(b"withdrawals"), 1)
    assert oracle.get_output_root(0) == root
    assert oracle.start_machine_hash(0) == GENESIS_MACHINE_HASH
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
            OutputOracle.encode_propose_output(final_state(10), bytes(32)),
            value=ETHER - 1,
            gas=200_000,
            timeout=30,
        )
    assert failure.value.reason == "IncorrectBond()"


def test_dispute_game_moves_are_followed_from_the_logs(
    anvil: Anvil, deployment: Deployment
) -> None:
    """A game over output 0 at the devnet depth: created, two rounds of bisection, then the
    defender's clock runs out and the challenger wins; every move is in the logs."""
    client = anvil.client
    oracle = OutputOracle(client, deployment.output_oracle)
    game = DisputeGame(client, deployment.dispute_game)
    state = final_state(10)
    defender, _ = propose(anvil, deployment, state)
    challenger = L1Sender(client, DEV_KEYS[3])
    receipts = [
        challenger.send_and_wait(
            deployment.dispute_game, DisputeGame.encode_create_game(0), value=ETHER // 4, timeout=30
        )
    ]
    end = 1 << DEFAULT_GAME_MAX_DEPTH
    claims = [keccak256(b"claim at %d" % (end // 2)), keccak256(b"claim at %d" % (end // 4))]
    receipts.append(
        defender.send_and_wait(
            deployment.dispute_game, DisputeGame.encode_defend(0, claims[0]), timeout=30
        )
    )
    receipts.append(
        challenger.send_and_wait(
            deployment.dispute_game, DisputeGame.encode_respond(0, False), timeout=30
        )
    )
    receipts.append(
        defender.send_and_wait(
            deployment.dispute_game, DisputeGame.encode_defend(0, claims[1]), timeout=30
        )
    )
    receipts.append(
        challenger.send_and_wait(
            deployment.dispute_game, DisputeGame.encode_respond(0, True), timeout=30
        )
    )
    current = game.get_game(0)
    assert (current.lo, current.hi, current.turn) == (end // 4, end // 2, Party.DEFENDER)
    assert (current.claim_lo, current.claim_hi) == (claims[1], claims[0])
    assert oracle.get_output(0).challenges == 1
    anvil.increase_time(DEFAULT_GAME_CLOCK_DURATION + 1)
    receipts.append(
        challenger.send_and_wait(
            deployment.dispute_game, DisputeGame.encode_claim_timeout(0), timeout=30
        )
    )
    events = [
        decode_dispute_game_event(log)
        for log in client.get_logs(
            [deployment.dispute_game],
            [list(DISPUTE_GAME_TOPICS)],
            deployment.deploy_block_number,
            "latest",
        )
    ]
    created, defended, responded, _, responded_again, timed_out = events
    assert isinstance(created, GameCreated)
    assert (created.game_id, created.output_index, created.challenger, created.defender) == (
        0,
        0,
        challenger.address,
        PROPOSER,
    )
    assert (created.start_claim, created.end_claim, created.end_position) == (
        GENESIS_MACHINE_HASH,
        state.hash,
        end,
    )
    assert isinstance(defended, Defended) and (defended.position, defended.claim) == (
        end // 2,
        claims[0],
    )
    assert isinstance(responded, Responded) and (responded.lo, responded.hi) == (0, end // 2)
    assert isinstance(responded_again, Responded) and responded_again.agree
    assert isinstance(timed_out, TimedOut)
    assert (timed_out.loser, timed_out.status) == (Party.DEFENDER, GameStatus.CHALLENGER_WON)
    assert oracle.output_count() == 0
    assert game.get_game(0).status == GameStatus.CHALLENGER_WON
    assert client.get_balance(deployment.dispute_game) == 0
    assert client.get_balance(deployment.output_oracle) == 0
    gas = [receipt.gas_used for receipt in receipts]
    names = ["createGame", "defend", "respond", "defend", "respond", "claimTimeout"]
    print(", ".join(f"{name} {used}" for name, used in zip(names, gas, strict=True)))
    assert gas[0] < 250_000 and max(gas[1:5]) < 80_000


def test_one_step_prover_is_deployed_from_its_artifact(anvil: Anvil) -> None:
    """With a chain config, the OneStepProver and the contracts its constructor takes."""
    deployment = deploy_rollup_contracts(
        anvil.client,
        DEV_KEYS[0],
        sequencer_address=SEQUENCER,
        proposer_address=PROPOSER,
        challenger_address=CHALLENGER,
        submission_interval=10,
        finalization_period_seconds=60,
        bond=ETHER,
        chain_config=ChainConfig(chain_id=901),
        genesis_machine_hash=lambda deployed: keccak256(deployed.deploy_block_hash),
    )
    client = anvil.client
    game = DisputeGame(client, deployment.dispute_game)
    assert deployment.one_step_prover != bytes(20)
    assert game.prover() == deployment.one_step_prover
    assert client.get_code(deployment.one_step_prover) != b""
    oracle = OutputOracle(client, deployment.output_oracle)
    assert oracle.genesis_machine_hash() == keccak256(deployment.deploy_block_hash)


def test_a_batch_built_on_a_replaced_l1_block_is_refused(
    anvil: Anvil, deployment: Deployment
) -> None:
    sequencer = L1Sender(anvil.client, DEV_KEYS[1])
    origin = anvil.client.get_block("latest")
    replaced = bytes(a ^ 0xFF for a in origin.hash)
    with pytest.raises(L1RpcError) as refused:
        sequencer.send(
            deployment.batch_inbox,
            BatchInbox.encode_append_batch(b"\x01batch", origin.number, replaced),
        )
    assert refused.value.reason == f"L1BlockReplaced({origin.number}, 0x{replaced.hex()})"
