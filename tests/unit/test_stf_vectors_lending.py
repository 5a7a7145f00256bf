"""The lending/leverage differential vectors (contracts/vectors/stf_lending.json) are current.

scripts/gen_stf_vectors_lending.py writes them; contracts/test/prover/StfLendingVectors.t.sol
replays them against the Solidity LendingModule and LeverageModule. Regenerating them here and
comparing with the committed file keeps the forge test from checking stale vectors; the coverage
checks keep the scenario from silently losing a function or a revert path.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

from eth_abi.abi import decode

from rollup.addresses import LENDING, LEVERAGE
from rollup.system.registry import LENDING_FUNCTIONS, LEVERAGE_FUNCTIONS

REPOSITORY = Path(__file__).resolve().parents[2]


@cache
def generator() -> ModuleType:
    """scripts/gen_stf_vectors_lending.py as a module (scripts/ is not a package)."""
    path = REPOSITORY / "scripts" / "gen_stf_vectors_lending.py"
    spec = importlib.util.spec_from_file_location("gen_stf_vectors_lending", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@cache
def world() -> object:
    return generator().build_world()


def test_committed_vectors_are_current() -> None:
    gen = generator()
    assert gen.VECTORS_PATH.exists(), "run python -m scripts.gen_stf_vectors_lending"
    assert gen.VECTORS_PATH.read_text() == gen.build_vectors_json(), (
        "contracts/vectors/stf_lending.json is out of date: run python -m scripts.gen_stf_vectors_lending"
    )


def test_vectors_file_stays_small() -> None:
    assert generator().VECTORS_PATH.stat().st_size < 1_000_000


def test_dictionary_encoding_round_trips() -> None:
    gen = generator()
    blobs = [bytes(range(32)) * 3, bytes(64), bytes(range(32)) + bytes(32)]
    dictionary, encoded = gen.encode_with_dictionary(blobs)
    assert len(dictionary) == 2
    for blob, refs in zip(blobs, encoded, strict=True):
        indices = [int.from_bytes(refs[i : i + 2], "big") for i in range(0, len(refs), 2)]
        assert b"".join(dictionary[i] for i in indices) == blob


def _calls() -> list[tuple[bytes, bytes, bool]]:
    """(to, calldata, success) of every vector."""
    result = []
    for vector in world().vectors:  # type: ignore[attr-defined]
        _env, call = decode(
            ["(uint256,uint256,uint256,uint256)", "(address,address,uint256,bytes)"],
            vector.encode_environment_and_call(),
        )
        result.append((bytes.fromhex(call[1][2:]), call[3], vector.success))
    return result


def test_every_function_succeeds_and_fails_in_some_vector() -> None:
    calls = _calls()
    for to, functions in ((LENDING, LENDING_FUNCTIONS), (LEVERAGE, LEVERAGE_FUNCTIONS)):
        for function in functions:
            outcomes = {
                success
                for target, data, success in calls
                if target == to and data[:4] == function.selector and len(data) >= 4
            }
            assert outcomes == {True, False}, f"{function.signature}: outcomes {outcomes}"


def test_scenario_reaches_every_revert_reason() -> None:
    coverage = world().coverage  # type: ignore[attr-defined]
    reasons = {outcome.removeprefix("revert: ") for outcome in coverage if outcome != "ok"}
    expected = {
        # lending
        "market not listed",
        "supply amount is zero",
        "supply amount too small",
        "too many markets entered",
        "nothing to withdraw",
        "withdraw amount exceeds supply",
        "insufficient liquidity in market",
        "withdrawal would exceed borrow limit",
        "borrow amount is zero",
        "borrow exceeds borrow limit",
        "no debt to repay",
        "repay amount is zero",
        "cannot liquidate yourself",
        "health factor is not below 1",
        "borrower has no such debt",
        "borrower has no such collateral",
        "nothing to seize",
        "stale price",
        "no price for asset",
        # leverage
        "transaction expired",
        "collateral and debt assets must differ",
        "principal is zero",
        "leverage must exceed 1x",
        "leverage above maximum",
        "leverage too small for principal",
        "debt above maximum (slippage)",
        "position would exceed borrow limit",
        "no debt to close",
        "collateral cannot cover the debt",
        "returned collateral below minimum (slippage)",
        "closing would exceed borrow limit",
        "pool does not exist",
        "insufficient liquidity",
        # tokens, arithmetic, calldata
        "insufficient allowance",
        "transfer amount exceeds balance",
        "arithmetic overflow",
        "calldata too short",
        "invalid address argument",
        "missing function selector",
        "function is not payable",
    }
    assert expected <= reasons, f"missing: {sorted(expected - reasons)}"
