"""What every binding of l1.contracts shares: functions by signature, event-log checks, the
base of a deployed contract."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode

from l1.rpc import BlockId, L1Client, L1Log
from rollup.abi import compute_selector

STEP_STATE_TUPLE = (
    "(bytes32,bytes32,uint256,uint256,uint256,uint256,uint256,uint256,bytes32,"
    "uint256,uint256,uint256,uint256,uint256,uint256)"
)
"""StepState (docs/FRAUD_PROOFS.md §1): 15 words, three of them bytes32."""


class InvalidEventLog(ValueError):
    """A log that does not have the shape of the event it was decoded as."""


@dataclass(frozen=True, slots=True)
class Function:
    """A contract function: canonical signature, argument types, return types."""

    signature: str
    argument_types: tuple[str, ...]
    return_types: tuple[str, ...] = ()

    @property
    def selector(self) -> bytes:
        return compute_selector(self.signature)

    def encode(self, *values: Any) -> bytes:
        """Calldata: selector ‖ ABI-encoded arguments."""
        return self.selector + abi_encode(list(self.argument_types), list(values))

    def decode_arguments(self, calldata: bytes) -> tuple[Any, ...]:
        """Arguments from calldata; raises ValueError if it is not a call of this function."""
        if calldata[:4] != self.selector:
            raise ValueError(f"calldata is not a call of {self.signature}")
        try:
            return tuple(abi_decode(list(self.argument_types), calldata[4:]))
        except Exception as exc:  # eth_abi raises several types on malformed data
            raise ValueError(f"malformed calldata for {self.signature}: {exc}") from exc

    def decode_result(self, data: bytes) -> tuple[Any, ...]:
        return tuple(abi_decode(list(self.return_types), data))


def function(name: str, arguments: Sequence[str] = (), returns: Sequence[str] = ()) -> Function:
    return Function(f"{name}({','.join(arguments)})", tuple(arguments), tuple(returns))


def check_log(log: L1Log, topic: bytes, topic_count: int, name: str) -> None:
    """Raise InvalidEventLog unless `log` is event `name` (topic0 `topic`) with its topic count."""
    if not log.topics or log.topics[0] != topic:
        raise InvalidEventLog(f"log is not a {name} event")
    if len(log.topics) != topic_count:
        raise InvalidEventLog(f"{name} has {topic_count} topics, the log {len(log.topics)}")


def read_word(topic: bytes) -> int:
    return int.from_bytes(topic, "big")


def read_address_topic(topic: bytes) -> bytes:
    if topic[:12] != bytes(12):
        raise InvalidEventLog("address topic is not zero-padded")
    return topic[12:]


def decode_log_data(log: L1Log, types: list[str], name: str) -> tuple[Any, ...]:
    try:
        return tuple(abi_decode(types, log.data))
    except Exception as exc:
        raise InvalidEventLog(f"{name} data does not decode: {exc}") from exc


def to_address(value: str) -> bytes:
    """eth_abi returns addresses as checksummed hex strings; ours are 20 raw bytes."""
    return bytes.fromhex(value.removeprefix("0x"))


class Contract:
    """A deployed contract: its address and a client for view calls."""

    def __init__(self, client: L1Client, address: bytes) -> None:
        self.client = client
        self.address = address

    def _view(self, function: Function, *values: Any, block: BlockId = "latest") -> Any:
        result = function.decode_result(
            self.client.call(self.address, function.encode(*values), block)
        )
        return result[0] if len(result) == 1 else result
