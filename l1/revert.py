"""The custom errors of the rollup's L1 contracts, so that an L1 error names them.

A failed call or transaction on L1 carries the raw revert data; operators read logs and
exceptions, not hex, so l1.rpc turns it into a reason (rollup.abi.decode_revert_reason) like
`NotSequencer()` instead of `custom error 0x...`. Custom errors are known by their canonical
signature: the bindings in `l1.contracts` register their contracts' errors at import; other code
may register more with `register_errors`.
"""

from __future__ import annotations

from collections.abc import Iterable

from rollup.abi import compute_selector, decode_revert_reason

CONTRACT_ERRORS: dict[bytes, str] = {}
"""Selector -> canonical signature of every registered custom error."""


def register_errors(signatures: Iterable[str]) -> None:
    """Make custom errors decodable by canonical signature, e.g. 'IncorrectBond()'.

    Two signatures with the same selector would be ambiguous; the later one wins, which is
    harmless for a reason meant for humans.
    """
    for signature in signatures:
        CONTRACT_ERRORS[compute_selector(signature)] = signature


def decode_l1_revert_reason(data: bytes) -> str:
    """decode_revert_reason with every registered custom error."""
    return decode_revert_reason(data, CONTRACT_ERRORS)
