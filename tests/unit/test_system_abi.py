"""The state machine implements exactly the ABI published in contracts/src/interfaces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rollup.system.registry import INTERFACES, SystemFunction

ABI_DIR = Path(__file__).resolve().parents[2] / "rollup" / "abi"


def load_functions(name: str) -> dict[str, dict[str, Any]]:
    abi = json.loads((ABI_DIR / f"{name}.json").read_text())
    return {
        f"{entry['name']}({','.join(i['type'] for i in entry['inputs'])})": entry
        for entry in abi
        if entry["type"] == "function"
    }


@pytest.mark.parametrize("interface", sorted(INTERFACES))
def test_every_abi_function_has_a_handler_and_no_handler_is_unpublished(interface: str) -> None:
    published = set(load_functions(interface))
    implemented = {function.signature for function in INTERFACES[interface]}
    assert implemented == published


@pytest.mark.parametrize(
    ("interface", "function"),
    [(name, function) for name, functions in sorted(INTERFACES.items()) for function in functions],
    ids=lambda value: value if isinstance(value, str) else value.signature,
)
def test_handler_outputs_and_mutability_match_the_abi(
    interface: str, function: SystemFunction
) -> None:
    entry = load_functions(interface)[function.signature]
    assert tuple(output["type"] for output in entry["outputs"]) == function.outputs
    expected = "view" if function.view else ("payable" if function.payable else "nonpayable")
    assert entry["stateMutability"] == expected
