"""The AMM differential vectors (contracts/vectors/stf_amm.json) are current and cover every IAMM
function, its revert paths and its boundaries.

scripts/gen_stf_vectors_amm.py builds them from the Python STF; the forge test
contracts/test/prover/StfAmmVectors.t.sol replays them through the Solidity AmmModule. Regenerate
after changing the generator or the Python STF:

    python -m scripts.gen_stf_vectors_amm
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from rollup.system.registry import AMM_FUNCTIONS, SystemFunction

REPO_ROOT = Path(__file__).resolve().parents[2]
GENERATOR_PATH = REPO_ROOT / "scripts" / "gen_stf_vectors_amm.py"
MAX_BYTES = 1_000_000


@cache
def load_generator() -> ModuleType:
    """scripts/gen_stf_vectors_amm.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("gen_stf_vectors_amm", GENERATOR_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@cache
def fresh_vectors() -> dict[str, Any]:
    vectors: dict[str, Any] = load_generator().build_vectors()
    return vectors


@cache
def fresh_text() -> str:
    text: str = load_generator().render(fresh_vectors())
    return text


def test_committed_vectors_are_current() -> None:
    path: Path = load_generator().VECTORS_PATH
    assert path.exists(), "run python -m scripts.gen_stf_vectors_amm"
    assert path.read_text() == fresh_text(), (
        f"{path} is stale: run python -m scripts.gen_stf_vectors_amm"
    )


def test_generation_is_deterministic() -> None:
    generator = load_generator()
    assert generator.render(generator.build_vectors()) == fresh_text()


def test_vectors_stay_small() -> None:
    assert len(fresh_text().encode()) < MAX_BYTES


def test_vectors_form_one_history() -> None:
    vectors = fresh_vectors()
    count = vectors["count"]
    for column in (
        "labels",
        "preRoots",
        "postRoots",
        "success",
        "witnesses",
        "numbers",
        "timestamps",
        "senders",
        "values",
        "data",
        "operationGas",
        "payable",
    ):
        assert len(vectors[column]) == count, column
    assert vectors["preRoots"][1:] == vectors["postRoots"][:-1]
    assert len(set(vectors["labels"])) == count


def _selector_counts() -> tuple[Counter[bytes], Counter[bytes]]:
    vectors = fresh_vectors()
    successes: Counter[bytes] = Counter()
    failures: Counter[bytes] = Counter()
    for data, success in zip(vectors["data"], vectors["success"], strict=True):
        selector = bytes.fromhex(data[2:10])
        (successes if success else failures)[selector] += 1
    return successes, failures


def test_every_function_succeeds_and_fails() -> None:
    successes, failures = _selector_counts()
    function: SystemFunction
    for function in AMM_FUNCTIONS:
        assert successes[function.selector] >= 1, function.signature
        assert failures[function.selector] >= 1, function.signature
    assert successes[_selector("swapExactIn")] >= 15
    assert successes[_selector("addLiquidity")] >= 10
    assert successes[_selector("removeLiquidity")] >= 5


def _selector(name: str) -> bytes:
    return next(f.selector for f in AMM_FUNCTIONS if f.signature.startswith(name + "("))


def test_edge_cases_are_present() -> None:
    labels = set(fresh_vectors()["labels"])
    outcome = dict(zip(fresh_vectors()["labels"], fresh_vectors()["success"], strict=True))
    expected = {
        "create: pool exists": False,
        "create: tokenA not registered": False,
        "add: first deposit too small (root 1000)": False,
        "add: first deposit DAI/WBTC minimum + 1 to the zero address": True,
        "add: first deposit, deadline == timestamp": True,
        "add: expired": False,
        "add: optimal B < min B": False,
        "add: optimal A below min A": False,
        "add: limited allowance, short": False,
        "add: shares without reserves (division by zero)": False,
        "add: first deposit product overflows": False,
        "remove: exact minimums, to BOB": True,
        "remove: min A not met (reversed order)": False,
        "remove: more than owned": False,
        "remove: rounds to zero": False,
        "swap: min out exact, deadline == timestamp": True,
        "swap: min out + 1": False,
        "swap: output rounds to zero": False,
        "swap: amount * 997 overflows": False,
        "swap: created pool without liquidity": False,
        "swap: no allowance": False,
        "getAmountOut: no pool": False,
        "getReserves: no pool": True,
        "value to a non-payable function": False,
    }
    for label, success in expected.items():
        assert label in labels, label
        assert outcome[label] is success, label
