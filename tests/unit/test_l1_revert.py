"""Revert data made readable (rollup.abi.decode_revert_reason): Error(string), Panic(uint256),
custom errors registered by the L1 bindings (l1.revert)."""

from __future__ import annotations

from l1.revert import decode_l1_revert_reason, register_errors
from l1.rpc import L1RpcError
from rollup.abi import compute_selector, decode_revert_reason, encode_arguments


def test_error_string_decodes_to_its_message() -> None:
    data = compute_selector("Error(string)") + encode_arguments(["string"], ["not enough"])
    assert decode_revert_reason(data) == "not enough"


def test_panic_decodes_to_its_code_and_meaning() -> None:
    data = compute_selector("Panic(uint256)") + encode_arguments(["uint256"], [0x11])
    assert decode_revert_reason(data) == "Panic(0x11: arithmetic overflow or underflow)"


def test_registered_custom_error_of_the_contracts_decodes_to_its_name() -> None:
    import l1.contracts  # noqa: F401  (registers the contracts' errors)

    assert decode_l1_revert_reason(compute_selector("NotSequencer()")) == "NotSequencer()"


def test_custom_error_with_arguments_shows_them() -> None:
    register_errors(["TooLate(uint256,address)"])
    data = compute_selector("TooLate(uint256,address)") + encode_arguments(
        ["uint256", "address"], [7, b"\x11" * 20]
    )
    assert decode_l1_revert_reason(data) == "TooLate(7, 0x" + "11" * 20 + ")"


def test_unknown_selector_is_shown_in_hex() -> None:
    assert decode_revert_reason(bytes.fromhex("deadbeef01")) == "custom error 0xdeadbeef01"


def test_empty_revert_data_has_no_reason() -> None:
    assert decode_revert_reason(b"") == ""


def test_truncated_error_string_does_not_raise() -> None:
    data = compute_selector("Error(string)") + b"\x00" * 5
    assert decode_revert_reason(data) == "undecodable revert data 0x" + data.hex()


def test_rpc_error_carries_revert_data_and_reason() -> None:
    data = compute_selector("Error(string)") + encode_arguments(["string"], ["nope"])
    error = L1RpcError("eth_call", 3, "execution reverted", "0x" + data.hex())
    assert (error.revert_data, error.reason) == (data, "nope")
    assert str(error) == "eth_call: execution reverted (code 3): nope"


def test_rpc_error_reads_revert_data_nested_in_an_object() -> None:
    data = compute_selector("EmptyBatch()")
    import l1.contracts  # noqa: F401

    error = L1RpcError("eth_estimateGas", -32000, "reverted", {"data": "0x" + data.hex()})
    assert error.reason == "EmptyBatch()"
