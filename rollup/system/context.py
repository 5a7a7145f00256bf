"""What a system-contract call sees: the state overlay, the block, the caller, and its logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from rollup.abi import Revert
from rollup.state import Overlay


class Log(NamedTuple):
    """An Ethereum log: emitting address, up to four topics, data."""

    address: bytes
    topics: tuple[bytes, ...]
    data: bytes


@dataclass(frozen=True, slots=True)
class BlockEnvironment:
    """The block a transaction executes in."""

    number: int
    timestamp: int
    base_fee: int
    chain_id: int


@dataclass(slots=True)
class CallContext:
    """One call into a system contract."""

    state: Overlay
    block: BlockEnvironment
    sender: bytes
    value: int
    logs: list[Log] = field(default_factory=list)

    def emit(self, address: bytes, topics: tuple[bytes, ...], data: bytes) -> None:
        self.logs.append(Log(address, topics, data))


def require(condition: bool, reason: str) -> None:
    """Revert the call with `reason` unless `condition` holds (Solidity's require)."""
    if not condition:
        raise Revert(reason)
