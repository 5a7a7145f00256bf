"""The token-module differential vectors (contracts/vectors/stf_tokens.json) are current and cover
every function of IERC20, IWETH, IOracle and IL2Bridge and every deposit outcome.

scripts/gen_stf_vectors_tokens.py builds them from the Python STF; the forge test
contracts/test/prover/StfTokensVectors.t.sol replays them through the Solidity TokenModule and
DepositLib. Regenerate after changing the generator or the Python STF:

    python -m scripts.gen_stf_vectors_tokens
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from eth_abi.abi import decode

from rollup.system.registry import INTERFACES

REPO_ROOT = Path(__file__).resolve().parents[2]
GENERATOR_PATH = REPO_ROOT / "scripts" / "gen_stf_vectors_tokens.py"


def load_generator() -> ModuleType:
    """scripts/gen_stf_vectors_tokens.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("gen_stf_vectors_tokens", GENERATOR_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def fresh_text() -> str:
    generator = load_generator()
    text: str = generator.render(generator.build_vectors())
    return text


def committed() -> dict[str, Any]:
    generator = load_generator()
    path: Path = generator.VECTORS_PATH
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def test_committed_vectors_are_current() -> None:
    path: Path = load_generator().VECTORS_PATH
    assert path.exists(), "run python -m scripts.gen_stf_vectors_tokens"
    assert path.read_text() == fresh_text(), (
        f"{path} is stale: run python -m scripts.gen_stf_vectors_tokens"
    )


def test_generation_is_deterministic() -> None:
    generator = load_generator()
    assert generator.render(generator.build_vectors()) == fresh_text()


def test_vectors_stay_small() -> None:
    assert len(fresh_text()) < 1_100_000


def test_every_function_is_called_and_both_outcomes_occur() -> None:
    document = json.loads(fresh_text())
    calls = document["calls"]
    assert document["callCount"] == len(calls["labels"])
    outcomes: dict[bytes, set[bool]] = {}
    for encoded, success in zip(calls["calls"], calls["success"], strict=True):
        ((_sender, _to, _value, data),) = decode(
            ["(address,address,uint256,bytes)"], bytes.fromhex(encoded[2:])
        )
        outcomes.setdefault(bytes(data[:4]), set()).add(success)
    for interface in ("IWETH", "IOracle", "IL2Bridge"):
        for function in INTERFACES[interface]:
            seen = outcomes.get(function.selector)
            assert seen, f"{interface}.{function.signature} is never called"
            if not function.view or function.inputs:
                assert seen == {True, False}, f"{function.signature}: outcomes {seen}"
    assert outcomes[b""] == {True, False}  # WETH wraps; a plain token refuses empty calldata


def test_deposits_cover_both_kinds_and_outcomes() -> None:
    deposits = json.loads(fresh_text())["deposits"]
    outcomes: dict[int, set[bool]] = {}
    for kind, applied in zip(deposits["kinds"], deposits["applied"], strict=True):
        outcomes.setdefault(kind, set()).add(applied)
    assert outcomes[1] == {True, False}
    assert outcomes[2] == {True, False}
    assert {kind for kind in outcomes if kind not in (1, 2)}, "no unknown kind"


def test_committed_file_has_the_expected_shape() -> None:
    document = committed()
    for section, count_key in (("calls", "callCount"), ("deposits", "depositCount")):
        columns = document[section]
        assert {len(column) for column in columns.values()} == {document[count_key]}
