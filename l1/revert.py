"""Revert data to readable reasons.

A failed call or transaction on L1 carries the raw revert data: `Error(string)` from `require` and
`revert("...")`, `Panic(uint256)` from checked arithmetic and asserts, or a custom error selector
(our contracts revert only with custom errors, e.g. `NotSequencer()`). Operators read logs and
exceptions, not hex, so revert data is turned into a reason like `NotSequencer()` or
`insufficient balance` in one place.

Custom errors are known by their canonical signature. The bindings in `l1.contracts` register the
errors of the rollup's contracts at import; other code may register more with `register_errors`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eth_abi.abi import decode as abi_decode

from rollup.abi import compute_selector, parse_argument_types

ERROR_STRING_SELECTOR = compute_selector("Error(string)")
PANIC_SELECTOR = compute_selector("Panic(uint256)")

PANIC_CODES = {
    0x00: "generic compiler panic",
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "invalid enum value",
    0x22: "invalid storage byte array encoding",
    0x31: "pop on empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to an uninitialized function pointer",
}
"""Solidity's panic codes (docs.soliditylang.org, 'Panic via assert and Error via require')."""

_custom_errors: dict[bytes, str] = {}


def register_errors(signatures: Iterable[str]) -> None:
    """Make custom errors decodable by canonical signature, e.g. 'IncorrectBond()'.

    Two signatures with the same selector would be ambiguous; the later one wins, which is
    harmless for a reason meant for humans.
    """
    for signature in signatures:
        _custom_errors[compute_selector(signature)] = signature


def decode_revert_reason(data: bytes) -> str:
    """A readable reason for revert `data`; never raises.

    Returns '' for empty data (a bare `revert()` or out-of-gas), the message itself for
    Error(string), 'Panic(0x11: arithmetic overflow or underflow)' for panics,
    'Name(arg, ...)' for a registered custom error, and 'custom error 0x<selector>' (with the
    data's hex) for one that is not registered.
    """
    if not data:
        return ""
    selector, body = data[:4], data[4:]
    try:
        if selector == ERROR_STRING_SELECTOR:
            (message,) = abi_decode(["string"], body)
            return str(message)
        if selector == PANIC_SELECTOR:
            (code,) = abi_decode(["uint256"], body)
            return f"Panic(0x{code:02x}: {PANIC_CODES.get(code, 'unknown panic code')})"
        signature = _custom_errors.get(selector)
        if signature is not None:
            return _format_custom_error(signature, body)
    except Exception:  # eth_abi raises several unrelated types on malformed data
        return f"undecodable revert data 0x{data.hex()}"
    return f"custom error 0x{data.hex()}"


def _format_custom_error(signature: str, body: bytes) -> str:
    types = parse_argument_types(signature)
    if not types:
        return signature
    values = abi_decode(list(types), body)
    name = signature[: signature.index("(")]
    return f"{name}({', '.join(_format_value(value) for value in values)})"


def _format_value(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)
