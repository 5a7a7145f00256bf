"""One-transaction leverage on the lending world (tests/unit/helpers.lending_document).

Pool WETH/USDC: 1,000 WETH and 2,000,000 USDC (6 decimals). WETH: $2,000, CF 0.75, so the
maximum leverage is 1 / (1 - 0.75) = 4x; volatility sensitivity 0.25.
"""

from __future__ import annotations

from eth_abi import decode

from rollup.abi import compute_event_topic, encode_address_topic, encode_call
from rollup.addresses import AMM, LENDING, LEVERAGE, WETH
from rollup.fixedpoint import UINT256_MAX, WAD
from rollup.state import LendingAccount, lending_account_key
from tests.unit.helpers import (
    ADDRESSES,
    ANVIL_KEYS,
    FAR_DEADLINE,
    LENDING_USDC,
    Chain,
    lending_document,
)

USDC = LENDING_USDC
ALICE_KEY, ALICE = ANVIL_KEYS[0], ADDRESSES[0]
OPEN = "openPosition(address,address,uint256,uint256,uint256,uint256)"
CLOSE = "closePosition(address,address,uint256,uint256)"
POSITION = "getPosition(address,address)"
RESERVES = "getReserves(address,address)"

WETH_RESERVE = 1_000 * 10**18
USDC_RESERVE = 2_000_000 * 10**6


def get_amount_in(amount_out: int, reserve_in: int, reserve_out: int) -> int:
    """Uniswap v2 getAmountIn, written out."""
    return reserve_in * amount_out * 1000 // ((reserve_out - amount_out) * 997) + 1


def get_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """Uniswap v2 getAmountOut, written out."""
    return amount_in * 997 * reserve_out // (reserve_in * 1000 + amount_in * 997)


def world() -> Chain:
    chain = Chain(lending_document())
    chain.approve(ALICE_KEY, WETH, LEVERAGE)
    return chain


def test_max_leverage_is_one_over_one_minus_the_collateral_factor() -> None:
    chain = world()
    assert chain.call_one(LEVERAGE, "maxLeverage(address)", WETH) == WAD * WAD // (
        WAD - 75 * WAD // 100
    )
    assert chain.call_one(LEVERAGE, "maxLeverage(address)", WETH) == 4 * WAD


def test_max_leverage_follows_the_volatility_adjusted_collateral_factor() -> None:
    chain = world()
    chain.set_price(WETH, 2_000 * WAD, 80 * WAD // 100)  # CF 0.75 - 0.25 * 0.8 = 0.55
    assert chain.call_one(LEVERAGE, "maxLeverage(address)", WETH) == WAD * WAD // (45 * WAD // 100)
    assert chain.call_one(LEVERAGE, "maxLeverage(address)", WETH) == 2_222_222_222_222_222_222


def test_open_position_borrows_uniswap_amount_in_and_supplies_principal_times_leverage() -> None:
    chain = world()
    principal, leverage = 10 * 10**18, 25 * WAD // 10  # 10 WETH at 2.5x
    weth_before, usdc_before = chain.balance(WETH, ALICE), chain.balance(USDC, ALICE)
    sent = chain.ok(
        ALICE_KEY, LEVERAGE, OPEN, WETH, USDC, principal, leverage, UINT256_MAX, FAR_DEADLINE
    )
    target = principal * leverage // WAD  # 25 WETH
    extra = target - principal  # 15 WETH bought with borrowed USDC
    debt = get_amount_in(extra, USDC_RESERVE, WETH_RESERVE)
    assert debt == 2_000_000 * 10**6 * 15 * 10**18 * 1000 // ((985 * 10**18) * 997) + 1
    assert debt == 30_548_498_287
    bought = get_amount_out(debt, USDC_RESERVE, WETH_RESERVE)
    collateral = principal + bought
    assert collateral >= target  # reached exactly or exceeded by getAmountIn's rounding
    assert collateral - target == 126_530_637  # a 1.3e-10 WETH overshoot
    assert sent.returned("uint256", "uint256") == (collateral, debt)
    assert chain.call(LENDING, POSITION, ALICE, WETH) == (collateral, 0)
    assert chain.call(LENDING, POSITION, ALICE, USDC) == (0, debt)
    assert chain.balance(WETH, ALICE) == weth_before - principal
    assert chain.balance(USDC, ALICE) == usdc_before
    assert chain.call(AMM, RESERVES, USDC, WETH)[:2] == (USDC_RESERVE + debt, WETH_RESERVE - bought)
    # the leverage contract keeps nothing
    assert chain.balance(WETH, LEVERAGE) == chain.balance(USDC, LEVERAGE) == 0


def test_open_position_emits_leverage_opened() -> None:
    chain = world()
    sent = chain.ok(
        ALICE_KEY, LEVERAGE, OPEN, WETH, USDC, 10**18, 2 * WAD, UINT256_MAX, FAR_DEADLINE
    )
    collateral, debt = sent.returned("uint256", "uint256")
    log = sent.logs[-1]
    assert log.address == LEVERAGE
    assert log.topics == (
        compute_event_topic("LeverageOpened(address,address,address,uint256,uint256,uint256)"),
        encode_address_topic(ALICE),
        encode_address_topic(WETH),
        encode_address_topic(USDC),
    )
    assert decode(["uint256", "uint256", "uint256"], log.data) == (10**18, collateral, debt)


def test_open_position_above_max_leverage_reverts() -> None:
    chain = world()
    reason = chain.fails(
        ALICE_KEY, LEVERAGE, OPEN, WETH, USDC, 10**18, 4 * WAD + 1, UINT256_MAX, FAR_DEADLINE
    )
    assert reason == "leverage above maximum"


def test_open_position_at_max_leverage_exceeds_the_borrow_limit_by_the_swap_cost() -> None:
    chain = world()
    # 4x of 1 WETH: 3 WETH bought cost a bit over $6,000 (fee and price impact); the limit is
    # 4 WETH * $2,000 * 0.75 = $6,000 exactly.
    reason = chain.fails(
        ALICE_KEY, LEVERAGE, OPEN, WETH, USDC, 10**18, 4 * WAD, UINT256_MAX, FAR_DEADLINE
    )
    assert reason == "position would exceed borrow limit"


def test_open_position_at_one_x_reverts() -> None:
    chain = world()
    reason = chain.fails(
        ALICE_KEY, LEVERAGE, OPEN, WETH, USDC, 10**18, WAD, UINT256_MAX, FAR_DEADLINE
    )
    assert reason == "leverage must exceed 1x"


def test_open_position_with_debt_above_max_debt_reverts() -> None:
    chain = world()
    debt = get_amount_in(15 * 10**18, USDC_RESERVE, WETH_RESERVE)
    reason = chain.fails(
        ALICE_KEY, LEVERAGE, OPEN, WETH, USDC, 10 * 10**18, 25 * WAD // 10, debt - 1, FAR_DEADLINE
    )
    assert reason == "debt above maximum (slippage)"
    sent = chain.ok(
        ALICE_KEY, LEVERAGE, OPEN, WETH, USDC, 10 * 10**18, 25 * WAD // 10, debt, FAR_DEADLINE
    )
    assert sent.returned("uint256", "uint256")[1] == debt


def test_open_position_after_its_deadline_reverts() -> None:
    chain = world()
    reason = chain.fails(
        ALICE_KEY, LEVERAGE, OPEN, WETH, USDC, 10**18, 2 * WAD, UINT256_MAX, chain.time
    )
    assert reason == "transaction expired"


def test_open_position_with_the_same_asset_on_both_sides_reverts() -> None:
    chain = world()
    reason = chain.fails(
        ALICE_KEY, LEVERAGE, OPEN, WETH, WETH, 10**18, 2 * WAD, UINT256_MAX, FAR_DEADLINE
    )
    assert reason == "collateral and debt assets must differ"


def test_open_position_without_allowance_reverts() -> None:
    chain = Chain(lending_document())
    reason = chain.fails(
        ALICE_KEY, LEVERAGE, OPEN, WETH, USDC, 10**18, 2 * WAD, UINT256_MAX, FAR_DEADLINE
    )
    assert reason == "insufficient allowance"


def test_close_position_repays_the_debt_and_returns_the_rest_of_the_collateral() -> None:
    chain = world()
    principal = 10 * 10**18
    collateral, debt = chain.ok(
        ALICE_KEY,
        LEVERAGE,
        OPEN,
        WETH,
        USDC,
        principal,
        25 * WAD // 10,
        UINT256_MAX,
        FAR_DEADLINE,
        dt=0,
    ).returned("uint256", "uint256")
    reserve_usdc, reserve_weth, _ = chain.call(AMM, RESERVES, USDC, WETH)
    weth_before, usdc_before = chain.balance(WETH, ALICE), chain.balance(USDC, ALICE)
    sent = chain.ok(ALICE_KEY, LEVERAGE, CLOSE, WETH, USDC, 0, FAR_DEADLINE, dt=0)
    sold = get_amount_in(debt, reserve_weth, reserve_usdc)
    bought = get_amount_out(sold, reserve_weth, reserve_usdc)
    returned = collateral - sold
    assert sent.returned("uint256") == (returned,)
    assert chain.balance(WETH, ALICE) == weth_before + returned
    assert chain.balance(USDC, ALICE) == usdc_before + (bought - debt)  # getAmountIn's overshoot
    assert chain.call(LENDING, POSITION, ALICE, WETH) == (0, 0)
    assert chain.call(LENDING, POSITION, ALICE, USDC) == (0, 0)
    assert chain.leaf(lending_account_key(ALICE)) == LendingAccount()
    # a round trip through the pool costs the two fees: less than the principal comes back
    assert returned < principal
    assert chain.balance(WETH, LEVERAGE) == chain.balance(USDC, LEVERAGE) == 0


def test_close_position_emits_leverage_closed() -> None:
    chain = world()
    chain.ok(ALICE_KEY, LEVERAGE, OPEN, WETH, USDC, 10**18, 2 * WAD, UINT256_MAX, FAR_DEADLINE)
    sent = chain.ok(ALICE_KEY, LEVERAGE, CLOSE, WETH, USDC, 0, FAR_DEADLINE)
    (returned,) = sent.returned("uint256")
    log = sent.logs[-1]
    assert log.topics[0] == compute_event_topic(
        "LeverageClosed(address,address,address,uint256,uint256,uint256)"
    )
    assert decode(["uint256", "uint256", "uint256"], log.data)[2] == returned


def test_close_position_below_the_minimum_returned_reverts() -> None:
    chain = world()
    chain.ok(
        ALICE_KEY, LEVERAGE, OPEN, WETH, USDC, 10**18, 2 * WAD, UINT256_MAX, FAR_DEADLINE, dt=0
    )
    preview = chain.call_raw(
        LEVERAGE,
        encode_call(CLOSE, WETH, USDC, 0, FAR_DEADLINE),
        sender=ALICE,
    )
    (expected,) = decode(["uint256"], preview.output)
    reason = chain.fails(ALICE_KEY, LEVERAGE, CLOSE, WETH, USDC, expected + 1, FAR_DEADLINE, dt=0)
    assert reason == "returned collateral below minimum (slippage)"
    chain.ok(ALICE_KEY, LEVERAGE, CLOSE, WETH, USDC, expected, FAR_DEADLINE, dt=0)


def test_close_position_without_debt_reverts() -> None:
    chain = world()
    assert chain.fails(ALICE_KEY, LEVERAGE, CLOSE, WETH, USDC, 0, FAR_DEADLINE) == (
        "no debt to close"
    )


def test_close_position_pays_the_accrued_interest() -> None:
    chain = world()
    chain.ok(ALICE_KEY, LEVERAGE, OPEN, WETH, USDC, 10**18, 2 * WAD, UINT256_MAX, FAR_DEADLINE)
    later = chain.time + 7 * 24 * 60 * 60
    debt = chain.call(LENDING, POSITION, ALICE, USDC, timestamp=later)[1]
    sent = chain.ok(ALICE_KEY, LEVERAGE, CLOSE, WETH, USDC, 0, FAR_DEADLINE, timestamp=later)
    closed = decode(["uint256", "uint256", "uint256"], sent.logs[-1].data)
    assert closed[1] == debt
    assert chain.call(LENDING, POSITION, ALICE, USDC) == (0, 0)
