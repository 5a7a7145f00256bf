"""The L1 bindings: signatures agree with the forge ABIs; events decode exactly."""

from __future__ import annotations

from typing import Any

import pytest

from l1.artifacts import ArtifactError, build_artifacts, find_missing_artifacts, load_artifact
from l1.contracts import (
    ALL_ERRORS,
    ALL_EVENTS,
    ALL_FUNCTIONS,
    BATCH_APPENDED_TOPIC,
    L2_TRANSACTION_QUEUED_TOPIC,
    OUTPUT_PROPOSED_TOPIC,
    OUTPUTS_DELETED_TOPIC,
    WITHDRAWAL_FINALIZED_TOPIC,
    WITHDRAWAL_PROVEN_TOPIC,
    BatchInbox,
    Bridge,
    InvalidEventLog,
    OutputRootProof,
    Withdrawal,
    decode_batch_appended,
    decode_l2_transaction_queued,
    decode_output_proposed,
    decode_outputs_deleted,
    decode_withdrawal_finalized,
    decode_withdrawal_proven,
)
from l1.rpc import L1Log
from rollup.abi import compute_selector, encode_arguments
from rollup.crypto import keccak256


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


@pytest.mark.parametrize("contract", sorted(ALL_FUNCTIONS))
def test_bound_functions_exist_in_the_forge_abi(forge_artifacts: None, contract: str) -> None:
    bound = {function.signature for function in ALL_FUNCTIONS[contract]}
    assert bound - abi_signatures(contract, "function") == set()


@pytest.mark.parametrize("contract", sorted(ALL_FUNCTIONS))
def test_bound_return_types_match_the_forge_abi(forge_artifacts: None, contract: str) -> None:
    outputs = {
        f"{entry['name']}({','.join(canonical_type(arg) for arg in entry['inputs'])})": tuple(
            canonical_type(out) for out in entry["outputs"]
        )
        for entry in load_artifact(contract).abi
        if entry["type"] == "function"
    }
    for function in ALL_FUNCTIONS[contract]:
        assert function.return_types == outputs[function.signature], function.signature


@pytest.mark.parametrize("contract", sorted(ALL_EVENTS))
def test_bound_events_exist_in_the_forge_abi(forge_artifacts: None, contract: str) -> None:
    assert set(ALL_EVENTS[contract]) - abi_signatures(contract, "event") == set()


@pytest.mark.parametrize("contract", sorted(ALL_ERRORS))
def test_every_custom_error_of_the_contract_is_registered(
    forge_artifacts: None, contract: str
) -> None:
    assert abi_signatures(contract, "error") == set(ALL_ERRORS[contract])


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
    message = decode_l2_transaction_queued(log).to_message()
    assert (message.queue_index, message.kind, message.payload) == (4, 1, payload)
    assert (message.l1_block_number, message.l1_block_hash) == (7, b"\x07" * 32)


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
    calldata = BatchInbox.encode_append_batch(b"\x01batch")
    assert calldata[:4] == compute_selector("appendBatch(bytes)")
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
