"""Validation of JSON-RPC parameters: every bad value becomes InvalidParams with a clear message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class RpcError(Exception):
    """An error answered in the JSON-RPC error object."""

    code = -32603

    def __init__(self, message: str, data: str | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data
        if code is not None:
            self.code = code


class InvalidParams(RpcError):
    code = -32602


class MethodNotFound(RpcError):
    code = -32601


class InvalidRequest(RpcError):
    code = -32600


class ParseError(RpcError):
    code = -32700


class TransactionError(RpcError):
    """A refused transaction; -32000 is what geth and anvil answer for these."""

    code = -32000


class ExecutionReverted(RpcError):
    """eth_call / eth_estimateGas on a reverting call: code 3 with the revert data."""

    code = 3


class ResourceNotFound(RpcError):
    code = -32001


class LimitExceeded(RpcError):
    code = -32005


BLOCK_TAGS = ("latest", "pending", "safe", "finalized", "earliest")


def get_param(params: list[Any], index: int, name: str, required: bool = True) -> Any:
    if index < len(params):
        return params[index]
    if required:
        raise InvalidParams(f"missing value for required argument {index} ({name})")
    return None


def parse_params(raw: Any, minimum: int, maximum: int) -> list[Any]:
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise InvalidParams("params must be an array")
    if len(raw) < minimum:
        raise InvalidParams(f"missing value for required argument {len(raw)}")
    if len(raw) > maximum:
        raise InvalidParams(f"too many arguments, want at most {maximum}")
    return raw


def parse_hex_bytes(value: Any, name: str) -> bytes:
    if not isinstance(value, str) or not value.startswith(("0x", "0X")):
        raise InvalidParams(f"{name}: expected 0x-prefixed hex string")
    body = value[2:]
    if len(body) % 2:
        raise InvalidParams(f"{name}: hex string has odd length")
    try:
        return bytes.fromhex(body)
    except ValueError:
        raise InvalidParams(f"{name}: invalid hex string") from None


def parse_address(value: Any, name: str = "address") -> bytes:
    data = parse_hex_bytes(value, name)
    if len(data) != 20:
        raise InvalidParams(f"{name}: expected a 20-byte address, got {len(data)} bytes")
    return data


def parse_hash(value: Any, name: str = "hash") -> bytes:
    data = parse_hex_bytes(value, name)
    if len(data) != 32:
        raise InvalidParams(f"{name}: expected a 32-byte hash, got {len(data)} bytes")
    return data


def parse_quantity(value: Any, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if not isinstance(value, str) or not value.startswith(("0x", "0X")) or len(value) < 3:
        raise InvalidParams(f"{name}: expected a hex quantity like 0x1a")
    body = value[2:]
    if len(body) > 64:
        raise InvalidParams(f"{name}: quantity larger than 256 bits")
    try:
        return int(body, 16)
    except ValueError:
        raise InvalidParams(f"{name}: invalid hex quantity") from None


@dataclass(frozen=True, slots=True)
class Heads:
    """The block numbers the tags name: `latest` (and `pending`), `safe` and `finalized`."""

    latest: int
    safe: int
    finalized: int


def parse_block_tag(value: Any, heads: Heads, name: str = "block") -> int:
    """A block number, or a tag resolved against `heads` (`earliest` is 0)."""
    if value is None:
        return heads.latest
    if isinstance(value, dict):  # EIP-1898
        if "blockNumber" in value:
            return parse_block_tag(value["blockNumber"], heads, name)
        raise InvalidParams(f"{name}: block hash objects are resolved by the caller")
    if isinstance(value, str) and value in BLOCK_TAGS:
        if value == "earliest":
            return 0
        if value == "safe":
            return heads.safe
        if value == "finalized":
            return heads.finalized
        return heads.latest
    return parse_quantity(value, name)


def parse_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidParams(f"{name}: expected a boolean")
    return value


@dataclass(frozen=True, slots=True)
class LogCriteria:
    """Which logs a filter matches: addresses are alternatives (None: any); topics are
    positional, each None (any) or a list of alternatives."""

    addresses: list[bytes] | None
    topics: list[list[bytes] | None]


def matches(criteria: LogCriteria, address: bytes, topics: tuple[bytes, ...]) -> bool:
    """Whether a log matches a filter, by eth_getLogs' rules (node.storage.Storage.get_logs)."""
    if criteria.addresses and address not in criteria.addresses:
        return False
    if len(topics) < len(criteria.topics):
        return False
    return all(
        wanted is None or topic in wanted
        for wanted, topic in zip(criteria.topics, topics, strict=False)
    )


def parse_log_criteria(query: dict[str, Any]) -> LogCriteria:
    """The `address` and `topics` of an eth_getLogs / eth_newFilter / logs subscription object."""
    address_filter = query.get("address")
    addresses: list[bytes] | None
    if address_filter is None:
        addresses = None
    elif isinstance(address_filter, list):
        addresses = [parse_address(item, "address") for item in address_filter]
    else:
        addresses = [parse_address(address_filter, "address")]
    topics_filter = query.get("topics") or []
    if not isinstance(topics_filter, list) or len(topics_filter) > 4:
        raise InvalidParams("topics must be an array of at most 4 entries")
    topics: list[list[bytes] | None] = []
    for position, entry in enumerate(topics_filter):
        if entry is None:
            topics.append(None)
        elif isinstance(entry, list):
            topics.append([parse_hash(item, f"topics[{position}]") for item in entry] or None)
        else:
            topics.append([parse_hash(entry, f"topics[{position}]")])
    return LogCriteria(addresses, topics)
