"""Calls and events of the system contracts, decoded through their ABI JSON (rollup/abi), as the
explorer shows them: contract and function or event name, and each argument by name.

Values are JSON-ready: addresses and bytes as 0x-hex, integers as decimal strings (a JavaScript
number cannot hold a uint256).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from eth_abi.abi import decode as abi_decode

from rollup import addresses
from rollup.abi import compute_event_topic, compute_selector

INTERFACE_OF: dict[bytes, str] = {
    addresses.AMM: "IAMM",
    addresses.LENDING: "ILending",
    addresses.LEVERAGE: "ILeverage",
    addresses.ORACLE: "IOracle",
    addresses.PERPS: "IPerps",
    addresses.L2_BRIDGE: "IL2Bridge",
    addresses.WETH: "IWETH",
}
"""The interface of each named system contract; any other token is an IERC20."""

CONTRACT_NAMES: dict[bytes, str] = {**addresses.NAMED_SYSTEM_CONTRACTS, addresses.WETH: "WETH"}


@dataclass(frozen=True, slots=True)
class AbiEntry:
    name: str
    inputs: tuple[tuple[str, str, bool], ...]
    """(name, type, indexed) of each input."""

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(kind for _, kind, _ in self.inputs)})"


@dataclass(frozen=True, slots=True)
class Interface:
    functions: dict[bytes, AbiEntry]
    """By selector."""
    events: dict[bytes, AbiEntry]
    """By topic0."""


@cache
def load_interface(name: str) -> Interface:
    """The functions and events of rollup/abi/<name>.json."""
    text = resources.files("rollup").joinpath("abi", f"{name}.json").read_text()
    functions: dict[bytes, AbiEntry] = {}
    events: dict[bytes, AbiEntry] = {}
    for item in json.loads(text):
        if item["type"] not in ("function", "event"):
            continue
        inputs = tuple(
            (str(arg["name"]), str(arg["type"]), bool(arg.get("indexed", False)))
            for arg in item["inputs"]
        )
        entry = AbiEntry(str(item["name"]), inputs)
        if item["type"] == "function":
            functions[compute_selector(entry.signature)] = entry
        else:
            events[compute_event_topic(entry.signature)] = entry
    return Interface(functions, events)


def find_interface(address: bytes, tokens: frozenset[bytes]) -> Interface | None:
    """The interface of the system contract at `address` (tokens: the registered tokens)."""
    name = INTERFACE_OF.get(address)
    if name is None and address in tokens:
        name = "IERC20"
    return load_interface(name) if name is not None else None


def to_json_value(abi_type: str, value: Any) -> Any:
    if abi_type == "address":
        return str(value).lower()
    if abi_type.startswith(("uint", "int")):
        return str(value)
    if abi_type.startswith("bytes"):
        return "0x" + bytes(value).hex()
    return value


def decode_call(to: bytes | None, data: bytes, tokens: frozenset[bytes]) -> dict[str, Any] | None:
    """{contract, function, signature, args: [{name, type, value}]} for a call of a system
    contract's function; None for any other call, or calldata that does not decode."""
    if to is None or len(data) < 4:
        return None
    interface = find_interface(to, tokens)
    entry = interface.functions.get(data[:4]) if interface is not None else None
    if entry is None:
        return None
    types = [kind for _, kind, _ in entry.inputs]
    try:
        values = abi_decode(types, data[4:])
    except Exception:  # eth_abi raises several unrelated types on malformed data
        return None
    return {
        "contract": name_contract(to),
        "function": entry.name,
        "signature": entry.signature,
        "args": [
            {"name": name, "type": kind, "value": to_json_value(kind, value)}
            for (name, kind, _), value in zip(entry.inputs, values, strict=True)
        ],
    }


def decode_event(
    address: bytes, topics: list[bytes], data: bytes, tokens: frozenset[bytes]
) -> dict[str, Any] | None:
    """{contract, event, signature, args: [{name, type, value, indexed}]} for a system
    contract's event; None for any other log, or one that does not decode."""
    if not topics:
        return None
    interface = find_interface(address, tokens)
    entry = interface.events.get(topics[0]) if interface is not None else None
    if entry is None:
        return None
    indexed = [(name, kind) for name, kind, is_indexed in entry.inputs if is_indexed]
    plain = [(name, kind) for name, kind, is_indexed in entry.inputs if not is_indexed]
    if len(topics) != 1 + len(indexed):
        return None
    try:
        indexed_values = [
            abi_decode([kind], topic)[0]
            for (_, kind), topic in zip(indexed, topics[1:], strict=True)
        ]
        plain_values = abi_decode([kind for _, kind in plain], data)
    except Exception:  # as in decode_call
        return None
    found = dict(zip([name for name, _ in indexed], indexed_values, strict=True))
    found.update(zip([name for name, _ in plain], plain_values, strict=True))
    return {
        "contract": name_contract(address),
        "event": entry.name,
        "signature": entry.signature,
        "args": [
            {
                "name": name,
                "type": kind,
                "value": to_json_value(kind, found[name]),
                "indexed": is_indexed,
            }
            for name, kind, is_indexed in entry.inputs
        ],
    }


def name_contract(address: bytes) -> str:
    """A system contract's name ('AMM', 'WETH'), or 'token' for another registered token."""
    return CONTRACT_NAMES.get(address, "token")
