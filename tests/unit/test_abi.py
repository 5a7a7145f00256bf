"""The published ABI of the system contracts: rollup/abi/*.json, generated from the Solidity
interfaces in contracts/src/interfaces/ by scripts/gen_abi.py."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import pytest
from eth_typing import ABIEvent, ABIFunction
from eth_utils.abi import event_abi_to_log_topic, function_abi_to_4byte_selector

from rollup import addresses

REPO_ROOT = Path(__file__).resolve().parents[2]
ABI_DIR = REPO_ROOT / "rollup" / "abi"
SOLCJS = REPO_ROOT / "node_modules" / ".bin" / "solcjs"
SYSTEM_ADDRESSES_SOL = REPO_ROOT / "contracts" / "src" / "interfaces" / "SystemAddresses.sol"

requires_solcjs = pytest.mark.skipif(
    not SOLCJS.exists(),
    reason=f"{SOLCJS.relative_to(REPO_ROOT)} is missing (run `npm ci`): cannot compile interfaces",
)

ERC20_FUNCTIONS = {
    "allowance(address,address) view returns (uint256)",
    "approve(address,uint256) nonpayable returns (bool)",
    "balanceOf(address) view returns (uint256)",
    "decimals() view returns (uint8)",
    "name() view returns (string)",
    "symbol() view returns (string)",
    "totalSupply() view returns (uint256)",
    "transfer(address,uint256) nonpayable returns (bool)",
    "transferFrom(address,address,uint256) nonpayable returns (bool)",
}
ERC20_EVENTS = {
    "Approval(address indexed,address indexed,uint256)",
    "Transfer(address indexed,address indexed,uint256)",
}

# The interface of every system contract, as written in the specification of the system contracts.
EXPECTED_INTERFACES: dict[str, tuple[set[str], set[str]]] = {
    "IERC20": (ERC20_FUNCTIONS, ERC20_EVENTS),
    "IWETH": (
        ERC20_FUNCTIONS
        | {"deposit() payable returns ()", "withdraw(uint256) nonpayable returns ()"},
        ERC20_EVENTS | {"Deposit(address indexed,uint256)", "Withdrawal(address indexed,uint256)"},
    ),
    "IAMM": (
        {
            "createPool(address,address) nonpayable returns ()",
            "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)"
            " nonpayable returns (uint256,uint256,uint256)",
            "removeLiquidity(address,address,uint256,uint256,uint256,address,uint256)"
            " nonpayable returns (uint256,uint256)",
            "swapExactIn(address,address,uint256,uint256,address,uint256)"
            " nonpayable returns (uint256)",
            "getReserves(address,address) view returns (uint256,uint256,uint256)",
            "liquidityOf(address,address,address) view returns (uint256)",
            "getAmountOut(address,address,uint256) view returns (uint256)",
        },
        {
            "PoolCreated(address indexed,address indexed)",
            "LiquidityAdded(address indexed,address indexed,address indexed,"
            "uint256,uint256,uint256)",
            "LiquidityRemoved(address indexed,address indexed,address indexed,"
            "uint256,uint256,uint256)",
            "Swap(address indexed,address indexed,address indexed,uint256,uint256,address)",
            "Sync(address indexed,address indexed,uint256,uint256)",
        },
    ),
    "ILending": (
        {
            "supply(address,uint256) nonpayable returns ()",
            "withdraw(address,uint256) nonpayable returns (uint256)",
            "borrow(address,uint256) nonpayable returns ()",
            "repay(address,uint256) nonpayable returns (uint256)",
            "liquidate(address,address,address,uint256) nonpayable returns (uint256,uint256)",
            "getAccountData(address) view returns (uint256,uint256,uint256,uint256,uint256)",
            "getPosition(address,address) view returns (uint256,uint256)",
            "getMarket(address) view returns"
            " (uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256)",
            "getRiskParameters(address) view returns (uint256,uint256,uint256,uint256)",
        },
        {
            "Supply(address indexed,address indexed,uint256)",
            "Withdraw(address indexed,address indexed,uint256)",
            "Borrow(address indexed,address indexed,uint256)",
            "Repay(address indexed,address indexed,uint256)",
            "LiquidationCall(address indexed,address indexed,address indexed,"
            "address,uint256,uint256)",
        },
    ),
    "ILeverage": (
        {
            "openPosition(address,address,uint256,uint256,uint256,uint256)"
            " nonpayable returns (uint256,uint256)",
            "closePosition(address,address,uint256,uint256) nonpayable returns (uint256)",
            "maxLeverage(address) view returns (uint256)",
        },
        {
            "LeverageOpened(address indexed,address indexed,address indexed,"
            "uint256,uint256,uint256)",
            "LeverageClosed(address indexed,address indexed,address indexed,"
            "uint256,uint256,uint256)",
        },
    ),
    "IOracle": (
        {
            "setPrice(address,uint256,uint256) nonpayable returns ()",
            "getPrice(address) view returns (uint256,uint256,uint256)",
        },
        {"PriceUpdated(address indexed,uint256,uint256,uint256)"},
    ),
    "IPerps": (
        {
            "depositMargin(address,uint256) nonpayable returns ()",
            "withdrawMargin(address,uint256) nonpayable returns (uint256)",
            "modifyPosition(address,int256,uint256,uint256) nonpayable returns (uint256,uint256)",
            "closePosition(address,uint256,uint256) nonpayable returns (uint256,uint256,uint256)",
            "liquidate(address,address) nonpayable returns (uint256)",
            "getPosition(address,address) view returns"
            " (int256,uint256,uint256,int256,int256,uint256,uint256,uint256)",
            "getMarket(address) view returns"
            " (int256,uint256,uint256,int256,int256,uint256,int256,uint256,uint256,uint256)",
            "quoteOrder(address,int256) view returns (uint256,uint256)",
        },
        {
            "MarginDeposited(address indexed,address indexed,uint256)",
            "MarginWithdrawn(address indexed,address indexed,uint256)",
            "PositionModified(address indexed,address indexed,int256,int256,uint256,uint256,"
            "int256)",
            "PositionLiquidated(address indexed,address indexed,address indexed,int256,uint256,"
            "uint256,uint256,uint256,uint256)",
        },
    ),
    "IL2Bridge": (
        {
            "withdrawETH(address) payable returns (uint256)",
            "withdrawToken(address,uint256,address) nonpayable returns (uint256)",
            "withdrawalRoot() view returns (bytes32)",
            "withdrawalCount() view returns (uint256)",
        },
        {
            "WithdrawalInitiated(uint256 indexed,address indexed,address indexed,"
            "address,uint256,bytes32)"
        },
    ),
}


def load_gen_abi() -> ModuleType:
    """scripts/gen_abi.py as a module (scripts/ is not a package)."""
    path = REPO_ROOT / "scripts" / "gen_abi.py"
    spec = importlib.util.spec_from_file_location("gen_abi", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def load_abi(name: str) -> list[dict[str, Any]]:
    abi: list[dict[str, Any]] = json.loads((ABI_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return abi


def describe_function(entry: dict[str, Any]) -> str:
    inputs = ",".join(parameter["type"] for parameter in entry["inputs"])
    outputs = ",".join(parameter["type"] for parameter in entry["outputs"])
    return f"{entry['name']}({inputs}) {entry['stateMutability']} returns ({outputs})"


def describe_event(entry: dict[str, Any]) -> str:
    inputs = ",".join(
        parameter["type"] + (" indexed" if parameter["indexed"] else "")
        for parameter in entry["inputs"]
    )
    return f"{entry['name']}({inputs})"


def functions_of(name: str) -> list[dict[str, Any]]:
    return [entry for entry in load_abi(name) if entry["type"] == "function"]


def selector_of(name: str, signature: str) -> str:
    """0x-hex selector of the function `signature` (e.g. 'transfer(address,uint256)') in `name`."""
    for entry in functions_of(name):
        if f"{entry['name']}({','.join(p['type'] for p in entry['inputs'])})" == signature:
            return "0x" + function_abi_to_4byte_selector(cast(ABIFunction, entry)).hex()
    raise AssertionError(f"{name} has no function {signature}")


def topic_of(name: str, signature: str) -> str:
    """0x-hex topic0 of the event `signature` (e.g. 'Approval(address,address,uint256)')."""
    for entry in load_abi(name):
        if entry["type"] != "event":
            continue
        if f"{entry['name']}({','.join(p['type'] for p in entry['inputs'])})" == signature:
            return "0x" + event_abi_to_log_topic(cast(ABIEvent, entry)).hex()
    raise AssertionError(f"{name} has no event {signature}")


@pytest.fixture(scope="module")
def gen_abi() -> ModuleType:
    return load_gen_abi()


@pytest.fixture(scope="module")
def fresh_generation(gen_abi: ModuleType) -> dict[str, str]:
    """File name -> text of every ABI file, compiled now from the Solidity interfaces."""
    if not SOLCJS.exists():
        pytest.skip(f"{SOLCJS.relative_to(REPO_ROOT)} is missing (run `npm ci`)")
    files: dict[str, str] = gen_abi.generate()
    return files


# ----------------------------------------------------------------------------------------------
# The committed files are the compiler's output


@requires_solcjs
def test_committed_abi_files_equal_a_fresh_generation(fresh_generation: dict[str, str]) -> None:
    for file_name, text in fresh_generation.items():
        path = ABI_DIR / file_name
        assert path.exists(), f"rollup/abi/{file_name} is missing: run scripts/gen_abi.py"
        assert path.read_text(encoding="utf-8") == text, (
            f"rollup/abi/{file_name} is out of date: run scripts/gen_abi.py"
        )


@requires_solcjs
def test_generation_covers_exactly_the_specified_interfaces(
    fresh_generation: dict[str, str],
) -> None:
    assert set(fresh_generation) == {f"{name}.json" for name in EXPECTED_INTERFACES}


@requires_solcjs
def test_generation_refuses_missing_natspec(gen_abi: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "IUndocumented.sol").write_text(
        "// SPDX-License-Identifier: MIT\n"
        "pragma solidity ^0.8.20;\n"
        "interface IUndocumented {\n"
        "    /// @notice Documented.\n"
        "    /// @param a The input.\n"
        "    function half(uint256 a) external returns (uint256);\n"
        "    event Ping(address indexed who);\n"
        "}\n",
        encoding="utf-8",
    )
    with pytest.raises(gen_abi.GenerationError) as caught:
        gen_abi.generate(tmp_path)
    message = str(caught.value)
    assert "IUndocumented.half(uint256): no @return for output 0 (_0)" in message
    assert "IUndocumented.Ping(address): no @notice" in message
    assert "IUndocumented.Ping(address): no @param who" in message


# ----------------------------------------------------------------------------------------------
# The committed files (no compiler needed)


def test_every_specified_interface_has_an_abi_file() -> None:
    for name in EXPECTED_INTERFACES:
        assert (ABI_DIR / f"{name}.json").is_file(), f"rollup/abi/{name}.json is missing"


@pytest.mark.parametrize("name", sorted(EXPECTED_INTERFACES))
def test_abi_file_is_canonically_formatted(gen_abi: ModuleType, name: str) -> None:
    text = (ABI_DIR / f"{name}.json").read_text(encoding="utf-8")
    assert text == gen_abi.render_abi(json.loads(text))


@pytest.mark.parametrize("name", sorted(EXPECTED_INTERFACES))
def test_abi_matches_the_specified_functions_and_events(name: str) -> None:
    expected_functions, expected_events = EXPECTED_INTERFACES[name]
    abi = load_abi(name)
    assert {describe_function(e) for e in abi if e["type"] == "function"} == expected_functions
    assert {describe_event(e) for e in abi if e["type"] == "event"} == expected_events
    assert {e["type"] for e in abi} <= {"function", "event"}


@pytest.mark.parametrize("name", sorted(EXPECTED_INTERFACES))
def test_function_selectors_are_unique_within_each_interface(name: str) -> None:
    selectors = Counter(
        function_abi_to_4byte_selector(cast(ABIFunction, entry)) for entry in functions_of(name)
    )
    assert [selector.hex() for selector, count in selectors.items() if count > 1] == []


@pytest.mark.parametrize("name", sorted(EXPECTED_INTERFACES))
def test_every_parameter_is_named(name: str) -> None:
    for entry in load_abi(name):
        for parameter in entry["inputs"]:
            assert parameter["name"], f"{name}.{entry['name']} has an unnamed parameter"


@pytest.mark.parametrize(
    ("name", "signature", "selector"),
    [
        ("IERC20", "transfer(address,uint256)", "0xa9059cbb"),
        ("IERC20", "approve(address,uint256)", "0x095ea7b3"),
        ("IERC20", "balanceOf(address)", "0x70a08231"),
        ("IERC20", "transferFrom(address,address,uint256)", "0x23b872dd"),
        ("IERC20", "allowance(address,address)", "0xdd62ed3e"),
        ("IERC20", "totalSupply()", "0x18160ddd"),
        ("IERC20", "decimals()", "0x313ce567"),
        ("IWETH", "transfer(address,uint256)", "0xa9059cbb"),
        ("IWETH", "deposit()", "0xd0e30db0"),
        ("IWETH", "withdraw(uint256)", "0x2e1a7d4d"),
        # Same signatures as Uniswap v2's router, so existing tooling recognizes them.
        (
            "IAMM",
            "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)",
            "0xe8e33700",
        ),
        (
            "IAMM",
            "removeLiquidity(address,address,uint256,uint256,uint256,address,uint256)",
            "0xbaa2abde",
        ),
    ],
)
def test_well_known_selectors_have_their_standard_values(
    name: str, signature: str, selector: str
) -> None:
    assert selector_of(name, signature) == selector


@pytest.mark.parametrize(
    ("name", "signature", "topic"),
    [
        (
            "IERC20",
            "Transfer(address,address,uint256)",
            "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
        ),
        (
            "IERC20",
            "Approval(address,address,uint256)",
            "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925",
        ),
        (
            "IWETH",
            "Deposit(address,uint256)",
            "0xe1fffcc4923d04b559f4d29a8bfc6cda04eb5b0d3c460751c2402c5c5cc9109c",
        ),
        (
            "IWETH",
            "Withdrawal(address,uint256)",
            "0x7fcf532c15f0a6db0bd6d0e038bea71d30d808c7d98cb3bf7268a95bf5081b65",
        ),
    ],
)
def test_well_known_event_topics_have_their_standard_values(
    name: str, signature: str, topic: str
) -> None:
    assert topic_of(name, signature) == topic


# ----------------------------------------------------------------------------------------------
# The Solidity addresses and the Python ones are the same


def test_system_addresses_match_the_python_constants() -> None:
    source = SYSTEM_ADDRESSES_SOL.read_text(encoding="utf-8")
    declared = {
        name: bytes.fromhex(value)
        for name, value in re.findall(
            r"address\s+internal\s+constant\s+(\w+)\s*=\s*0x([0-9a-fA-F]{40})\s*;", source
        )
    }
    assert set(declared) == {
        "WETH",
        "FEE_VAULT",
        "L2_BRIDGE",
        "AMM",
        "LENDING",
        "LEVERAGE",
        "ORACLE",
        "PERPS",
    }
    for name, value in declared.items():
        assert getattr(addresses, name) == value, (
            f"SystemAddresses.{name} differs from rollup.addresses"
        )
