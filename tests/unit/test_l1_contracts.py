"""The L1 bindings: signatures agree with the forge ABIs; events decode exactly."""

from __future__ import annotations

from typing import Any

import pytest

from l1.artifacts import ArtifactError, build_artifacts, find_missing_artifacts, load_artifact
from l1.contracts import batch_inbox, bridge, dispute_game, erc20, output_oracle
from l1.contracts.abi import InvalidEventLog
from l1.contracts.batch_inbox import BATCH_APPENDED_TOPIC, BatchInbox, decode_batch_appended
from l1.contracts.bridge import (
    L2_TRANSACTION_QUEUED_TOPIC,
    WITHDRAWAL_FINALIZED_TOPIC,
    WITHDRAWAL_PROVEN_TOPIC,
    Bridge,
    OutputRootProof,
    Withdrawal,
    decode_l2_transaction_queued,
    decode_withdrawal_finalized,
    decode_withdrawal_proven,
)
from l1.contracts.dispute_game import (
    DEFENDED_TOPIC,
    GAME_CANCELLED_TOPIC,
    GAME_CREATED_TOPIC,
    RESOLVED_TOPIC,
    RESPONDED_TOPIC,
    TIMED_OUT_TOPIC,
    WITHDRAWAL_ROOT_DISPROVEN_TOPIC,
    Defended,
    DisputeGame,
    Game,
    GameCancelled,
    GameCreated,
    GameStatus,
    Party,
    Resolved,
    Responded,
    TimedOut,
    WithdrawalRootDisproven,
    decode_dispute_game_event,
    decode_game,
)
from l1.contracts.output_oracle import (
    OUTPUT_CHALLENGED_TOPIC,
    OUTPUT_PROPOSED_TOPIC,
    OUTPUTS_DELETED_TOPIC,
    OutputOracle,
    decode_output,
    decode_output_challenged,
    decode_output_proposed,
    decode_outputs_deleted,
)
from l1.rpc import L1Log
from rollup.abi import compute_selector, encode_arguments
from rollup.crypto import keccak256
from rollup.deposit import compute_message_hash
from rollup.stepstate import StepState


@pytest.fixture(scope="module")
def forge_artifacts() -> None:
    if find_missing_artifacts():
        build_artifacts()


def canonical_type(entry: dict[str, Any]) -> str:
    abi_type = str(entry["type"])
    if abi_type.startswith("tuple"):
        inner = ",".join(canonical_type(component) for component in entry["components"])
        return f"({inner})" + abi_type[len("tuple") :]
    return abi_type


def abi_signatures(name: str, kind: str) -> set[str]:
    return {
        f"{entry['name']}({','.join(canonical_type(arg) for arg in entry['inputs'])})"
        for entry in load_artifact(name).abi
        if entry["type"] == kind
    }


BINDINGS = {
    "BatchInbox": batch_inbox,
    "OutputOracle": output_oracle,
    "DisputeGame": dispute_game,
    "Bridge": bridge,
    "TestERC20": erc20,
}
"""The module of l1.contracts that binds each contract."""


@pytest.mark.parametrize("contract", sorted(BINDINGS))
def test_bound_functions_exist_in_the_forge_abi(forge_artifacts: None, contract: str) -> None:
    bound = {function.signature for function in BINDINGS[contract].FUNCTIONS}
    assert bound - abi_signatures(contract, "function") == set()


@pytest.mark.parametrize("contract", sorted(BINDINGS))
def test_bound_return_types_match_the_forge_abi(forge_artifacts: None, contract: str) -> None:
    outputs = {
        f"{entry['name']}({','.join(canonical_type(arg) for arg in entry['inputs'])})": tuple(
            canonical_type(out) for out in entry["outputs"]
        )
        for entry in load_artifact(contract).abi
        if entry["type"] == "function"
    }
    for function in BINDINGS[contract].FUNCTIONS:
        assert function.return_types == outputs[function.signature], function.signature


@pytest.mark.parametrize("contract", sorted(BINDINGS))
def test_bound_events_exist_in_the_forge_abi(forge_artifacts: None, contract: str) -> None:
    assert set(BINDINGS[contract].EVENTS) - abi_signatures(contract, "event") == set()


@pytest.mark.parametrize("contract", sorted(BINDINGS))
def test_every_custom_error_of_the_contract_is_registered(
    forge_artifacts: None, contract: str
) -> None:
    assert abi_signatures(contract, "error") == set(BINDINGS[contract].ERRORS)


def test_missing_artifact_error_says_how_to_build(tmp_path: Any) -> None:
    with pytest.raises(ArtifactError, match="tools/forge build"):
        load_artifact("BatchInbox", tmp_path)


def make_log(topics: list[bytes], data: bytes = b"") -> L1Log:
    return L1Log(
        address=b"\x01" * 20,
        topics=tuple(topics),
        data=data,
        block_number=7,
        block_hash=b"\x07" * 32,
        tx_hash=b"\x08" * 32,
        log_index=2,
        tx_index=1,
    )


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def test_batch_appended_decodes_index_and_hash() -> None:
    event = decode_batch_appended(make_log([BATCH_APPENDED_TOPIC, word(3), b"\xab" * 32]))
    assert (event.index, event.batch_hash, event.log.block_number) == (3, b"\xab" * 32, 7)


def test_l2_transaction_queued_decodes_to_a_queued_message() -> None:
    payload = encode_arguments(["address", "address", "uint256"], [b"\x01" * 20, b"\x02" * 20, 5])
    log = make_log(
        [L2_TRANSACTION_QUEUED_TOPIC, word(4), word(1)], encode_arguments(["bytes"], [payload])
    )
    message = decode_l2_transaction_queued(log).to_message(1_700_000_084)
    assert (message.queue_index, message.kind, message.payload) == (4, 1, payload)
    assert (message.l1_block_number, message.l1_timestamp) == (7, 1_700_000_084)


def test_output_proposed_decodes_root_index_block_and_timestamp() -> None:
    log = make_log([OUTPUT_PROPOSED_TOPIC, b"\x0f" * 32, word(2), word(30)], word(1_700_000_000))
    event = decode_output_proposed(log)
    assert (event.output_root, event.output_index, event.l2_block_number, event.timestamp) == (
        b"\x0f" * 32,
        2,
        30,
        1_700_000_000,
    )


def test_outputs_deleted_decodes_both_indexes() -> None:
    event = decode_outputs_deleted(make_log([OUTPUTS_DELETED_TOPIC, word(5), word(3)]))
    assert (event.prev_next_index, event.new_next_index) == (5, 3)


def test_withdrawal_events_decode() -> None:
    proven = decode_withdrawal_proven(
        make_log([WITHDRAWAL_PROVEN_TOPIC, b"\x0a" * 32, word(1), bytes(12) + b"\x0b" * 20])
    )
    finalized = decode_withdrawal_finalized(make_log([WITHDRAWAL_FINALIZED_TOPIC, b"\x0a" * 32]))
    assert (proven.withdrawal_hash, proven.output_index, proven.l1_recipient) == (
        b"\x0a" * 32,
        1,
        b"\x0b" * 20,
    )
    assert finalized.withdrawal_hash == b"\x0a" * 32


def test_log_of_another_event_is_refused() -> None:
    with pytest.raises(InvalidEventLog):
        decode_batch_appended(make_log([OUTPUTS_DELETED_TOPIC, word(5), word(3)]))


def test_log_with_a_missing_topic_is_refused() -> None:
    with pytest.raises(InvalidEventLog):
        decode_batch_appended(make_log([BATCH_APPENDED_TOPIC, word(3)]))


def test_append_batch_calldata_round_trips() -> None:
    calldata = BatchInbox.encode_append_batch(b"\x01batch", 7, b"\x07" * 32)
    assert calldata[:4] == compute_selector("appendBatch(bytes,uint256,bytes32)")
    assert BatchInbox.decode_append_batch(calldata) == b"\x01batch"


def test_calldata_of_another_function_is_not_a_batch() -> None:
    with pytest.raises(ValueError, match="appendBatch"):
        BatchInbox.decode_append_batch(Bridge.encode_deposit_eth(b"\x01" * 20))


def test_withdrawal_hash_is_keccak_of_its_abi_encoding() -> None:
    withdrawal = Withdrawal(3, b"\x01" * 20, b"\x02" * 20, bytes(20), 10**18)
    expected = keccak256(
        encode_arguments(
            ["uint256", "address", "address", "address", "uint256"],
            [3, b"\x01" * 20, b"\x02" * 20, bytes(20), 10**18],
        )
    )
    assert withdrawal.hash == expected


def test_prove_withdrawal_calldata_encodes_structs_as_tuples() -> None:
    withdrawal = Withdrawal(3, b"\x01" * 20, b"\x02" * 20, bytes(20), 9)
    proof = OutputRootProof(bytes(32), b"\x11" * 32, b"\x22" * 32, b"\x33" * 32)
    calldata = Bridge.encode_prove_withdrawal(withdrawal, 4, proof, b"\x99")
    selector = compute_selector(
        "proveWithdrawal((uint256,address,address,address,uint256),uint256,"
        "(bytes32,bytes32,bytes32,bytes32),bytes)"
    )
    body = encode_arguments(
        [
            "(uint256,address,address,address,uint256)",
            "uint256",
            "(bytes32,bytes32,bytes32,bytes32)",
            "bytes",
        ],
        [withdrawal.as_tuple(), 4, proof.as_tuple(), b"\x99"],
    )
    assert calldata == selector + body


STEP_STATE = StepState(
    b"\x5a" * 32,
    b"\x5b" * 32,
    10,
    1_700_000_000,
    7,
    1_000_000,
    21_000,
    1,
    b"\x5c" * 32,
    2,
    3,
    4,
    5,
    6,
    0,
)
STEP_STATE_TYPE = (
    "(bytes32,bytes32,uint256,uint256,uint256,uint256,uint256,uint256,bytes32,"
    "uint256,uint256,uint256,uint256,uint256,uint256)"
)


def test_propose_output_calldata_carries_the_step_state_as_a_struct() -> None:
    calldata = OutputOracle.encode_propose_output(STEP_STATE, b"\x01" * 32)
    assert calldata[:4] == compute_selector(f"proposeOutput({STEP_STATE_TYPE},bytes32)")
    # A static struct is encoded in place: its 15 words are abi.encode(StepState).
    assert calldata[4 : 4 + 15 * 32] == STEP_STATE.encode()
    assert calldata[4 + 15 * 32 :] == b"\x01" * 32


def test_resolve_with_proof_calldata_encodes_the_pre_state() -> None:
    calldata = DisputeGame.encode_resolve_with_proof(3, STEP_STATE, b"input", b"witness")
    expected = encode_arguments(
        ["uint256", STEP_STATE_TYPE, "bytes", "bytes"],
        [3, tuple(STEP_STATE), b"input", b"witness"],
    )
    assert (
        calldata
        == compute_selector(f"resolveWithProof(uint256,{STEP_STATE_TYPE},bytes,bytes)") + expected
    )
    assert calldata[4 + 32 : 4 + 16 * 32] == STEP_STATE.encode()


def test_disprove_withdrawal_root_calldata_has_a_fixed_array() -> None:
    calldata = DisputeGame.encode_disprove_withdrawal_root(2, (5, 9), b"\xaa")
    assert calldata[:4] == compute_selector("disproveWithdrawalRoot(uint256,uint256[2],bytes)")
    assert calldata[4:] == encode_arguments(
        ["uint256", "uint256[2]", "bytes"], [2, [5, 9], b"\xaa"]
    )


def test_message_hash_is_keccak_of_kind_block_timestamp_and_payload() -> None:
    expected = keccak256(
        word(3) + word(1234) + word(1_700_000_000) + word(128) + word(2) + b"\xc0\xff" + bytes(30)
    )
    assert compute_message_hash(3, 1234, 1_700_000_000, b"\xc0\xff") == expected


def test_output_decodes_every_field() -> None:
    output = decode_output(
        (
            b"\x01" * 32,
            5,
            10,
            "0x" + "0b" * 20,
            10**17,
            True,
            2,
            b"\x02" * 32,
            b"\x03" * 32,
            b"\x04" * 32,
            7,
        )
    )
    assert (output.proposer, output.challenged, output.challenges) == (b"\x0b" * 20, True, 2)
    assert (output.machine_hash, output.state_root, output.withdrawal_root) == (
        b"\x02" * 32,
        b"\x03" * 32,
        b"\x04" * 32,
    )
    assert output.proposal_id == 7


def make_game(**changes: Any) -> Game:
    values: dict[str, Any] = {
        "challenger": "0x" + "0c" * 20,
        "output_index": 1,
        "l2_block_number": 20,
        "defender": "0x" + "0d" * 20,
        "proposal_id": 2,
        "lo": 4,
        "hi": 8,
        "defender_clock_used": 100,
        "challenger_clock_used": 50,
        "last_move_at": 1_000,
        "turn": 0,
        "status": 1,
        "claim_lo": b"\x01" * 32,
        "claim_hi": b"\x02" * 32,
        "claim_mid": bytes(32),
    }
    values.update(changes)
    return decode_game(9, tuple(values.values()))


def test_game_decodes_and_knows_its_clocks() -> None:
    game = make_game()
    assert (game.game_id, game.challenger, game.defender) == (9, b"\x0c" * 20, b"\x0d" * 20)
    assert (game.turn, game.status, game.mid, game.bisection_done) == (
        Party.DEFENDER,
        GameStatus.OPEN,
        6,
        False,
    )
    # The defender is to move: its clock runs from the last move.
    assert game.clocks_left(1_300, 3600) == (3600 - 400, 3600 - 50)
    assert not game.is_expired(1_000 + 3500, 3600)
    assert game.is_expired(1_000 + 3501, 3600)
    ended = make_game(status=3, hi=5)
    assert ended.bisection_done and not ended.is_open and not ended.is_expired(10**9, 3600)


def test_dispute_game_events_decode() -> None:
    created = decode_dispute_game_event(
        make_log(
            [GAME_CREATED_TOPIC, word(4), word(1), bytes(12) + b"\x0c" * 20],
            encode_arguments(
                ["address", "uint256", "uint256", "bytes32", "bytes32", "uint256"],
                [b"\x0d" * 20, 20, 2, b"\x01" * 32, b"\x02" * 32, 1 << 24],
            ),
        )
    )
    assert created == GameCreated(
        4, 1, b"\x0c" * 20, b"\x0d" * 20, 20, 2, b"\x01" * 32, b"\x02" * 32, 1 << 24, created.log
    )
    defended = decode_dispute_game_event(
        make_log([DEFENDED_TOPIC, word(4)], word(1 << 23) + b"\x03" * 32 + word(60))
    )
    assert defended == Defended(4, 1 << 23, b"\x03" * 32, 60, defended.log)
    responded = decode_dispute_game_event(
        make_log([RESPONDED_TOPIC, word(4)], word(1) + word(1 << 23) + word(1 << 24) + word(9))
    )
    assert responded == Responded(4, True, 1 << 23, 1 << 24, 9, responded.log)
    resolved = decode_dispute_game_event(
        make_log([RESOLVED_TOPIC, word(4)], word(2) + b"\x04" * 32)
    )
    assert resolved == Resolved(4, GameStatus.CHALLENGER_WON, b"\x04" * 32, resolved.log)
    timed_out = decode_dispute_game_event(make_log([TIMED_OUT_TOPIC, word(4)], word(1) + word(3)))
    assert timed_out == TimedOut(4, Party.CHALLENGER, GameStatus.DEFENDER_WON, timed_out.log)
    cancelled = decode_dispute_game_event(make_log([GAME_CANCELLED_TOPIC, word(4)]))
    assert cancelled == GameCancelled(4, cancelled.log)
    disproven = decode_dispute_game_event(
        make_log([WITHDRAWAL_ROOT_DISPROVEN_TOPIC, word(1), bytes(12) + b"\x0e" * 20], b"\x05" * 32)
    )
    assert disproven == WithdrawalRootDisproven(1, b"\x0e" * 20, b"\x05" * 32, disproven.log)


def test_output_challenged_decodes_the_count() -> None:
    event = decode_output_challenged(
        make_log([OUTPUT_CHALLENGED_TOPIC, word(3)], word(1) + word(2))
    )
    assert (event.output_index, event.challenged, event.challenges) == (3, True, 2)


def test_log_of_no_dispute_game_event_is_refused() -> None:
    with pytest.raises(InvalidEventLog):
        decode_dispute_game_event(make_log([OUTPUTS_DELETED_TOPIC, word(5), word(3)]))
    with pytest.raises(InvalidEventLog):
        decode_dispute_game_event(make_log([DEFENDED_TOPIC, word(4)], b"\x01"))
