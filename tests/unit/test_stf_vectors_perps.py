"""The perps differential vectors (contracts/vectors/stf_perps.json) are current.

scripts/gen_stf_vectors_perps.py writes them; contracts/test/prover/StfPerpsVectors.t.sol replays
them against the Solidity PerpsModule (post root, return/revert data, logs, operation gas).
Regenerating them here and comparing with the committed file keeps the forge test from checking
stale vectors; the coverage checks keep the scenario from losing a function or a revert reason.
"""

from __future__ import annotations

from functools import cache

from eth_abi.abi import decode

from rollup.system.registry import PERPS_FUNCTIONS
from scripts import gen_stf_vectors_perps as gen

REASONS = {
    "perps market not listed",
    "deposit amount is zero",
    "insufficient allowance",
    "transfer amount exceeds balance",
    "withdraw amount is zero",
    "withdraw amount exceeds margin",
    "insufficient market liquidity",
    "withdrawal below initial margin",
    "size delta is zero",
    "deadline passed",
    "no price for asset",
    "stale price",
    "position is liquidatable",
    "position size below minimum",
    "fill price out of range",
    "fill price beyond acceptable price",
    "insufficient margin",
    "open interest cap exceeded",
    "no open position",
    "cannot liquidate yourself",
    "position is not liquidatable",
    "liquidation capacity exceeded",
    "arithmetic overflow",
    "division by zero",
    "calldata too short",
    "invalid address argument",
    "missing function selector",
    "function is not payable",
}


@cache
def world() -> gen.World:
    return gen.build_world()


def test_committed_vectors_are_current() -> None:
    assert gen.VECTORS_PATH.exists(), "run python -m scripts.gen_stf_vectors_perps"
    assert gen.VECTORS_PATH.read_text() == gen.build_vectors_json(), (
        "contracts/vectors/stf_perps.json is out of date: run python -m scripts.gen_stf_vectors_perps"
    )


def test_vectors_file_stays_small() -> None:
    assert gen.VECTORS_PATH.stat().st_size < 1_000_000


def test_every_function_succeeds_and_every_reason_is_reached() -> None:
    vectors = world().vectors
    succeeded = {v.data[:4] for v in vectors if v.success}
    assert {f.selector for f in PERPS_FUNCTIONS} <= succeeded
    reasons = {v.revert_reason for v in vectors if not v.success}
    assert reasons >= REASONS, REASONS - reasons


def test_liquidations_cover_no_shortfall_fund_socialized_and_deficit() -> None:
    kinds = set()
    for v in world().vectors:
        if v.success and v.data[:4] == gen.encode_call(gen.LIQUIDATE, gen.BOB, gen.WETH)[:4]:
            _size, _price, _paid, to_fund, fund_paid, socialized = decode(
                ["int256"] + ["uint256"] * 5, v.result.logs[-1].data
            )
            kinds.add((to_fund > 0, fund_paid > 0, socialized > 0))
    assert (True, False, False) in kinds  # the rest to the fund
    assert (False, True, False) in kinds  # the fund pays the shortfall
    assert (False, True, True) in kinds  # the fund drained, the rest socialized
