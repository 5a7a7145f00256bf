"""Perpetual futures (docs/PERPETUALS.md): margin, fills, fees, funding, liquidation, bad debt.

World: tests/unit/perps_spec.py (WETH at $2,000, S = 1,000 WETH, maker 0.1%, taker 0.2%, IMR 10%
+ 0.5 |size| / S, MMR half of it, min margin $10, keeper reward 1% in [$1, $100], caps 100 WETH,
min size 0.1 WETH, liquidation capacity 20 WETH per block, fund $1,000). Every expected value is
computed here from the spec's formulas (perps_spec), never by calling rollup.system.perps. Setup
transactions use dt=0 (same timestamp), so no funding accrues unless a test lets time pass.
"""

from __future__ import annotations

from dataclasses import replace

from eth_abi import decode

from rollup.abi import compute_event_topic, encode_address_topic, encode_call
from rollup.addresses import PERPS, WETH
from rollup.execution import execute_call
from rollup.fixedpoint import from_word, to_word
from rollup.state import (
    Overlay,
    PerpsMarket,
    PerpsPosition,
    perps_market_key,
    perps_position_key,
)
from tests.unit.helpers import (
    ADDRESSES,
    ANVIL_KEYS,
    FAR_DEADLINE,
    UINT256_MAX,
    Chain,
    decode_revert_reason,
)
from tests.unit.perps_spec import (
    CAPACITY,
    DAY,
    FUND,
    GENESIS_TIME,
    MAX_OI,
    MIN_SIZE,
    PRICE,
    SCALE,
    USDC6,
    WAD,
    ceil_div,
    perps_document,
    spec_accrue,
    spec_bad_debt,
    spec_fee,
    spec_fill,
    spec_pnl,
    spec_position_funding,
    spec_requirements,
)

ALICE_KEY, BOB_KEY, CAROL_KEY, DAVE_KEY = ANVIL_KEYS[0], ANVIL_KEYS[1], ANVIL_KEYS[2], ANVIL_KEYS[3]
ALICE, BOB, CAROL, DAVE = ADDRESSES[0], ADDRESSES[1], ADDRESSES[2], ADDRESSES[3]

DEPOSIT = "depositMargin(address,uint256)"
WITHDRAW = "withdrawMargin(address,uint256)"
MODIFY = "modifyPosition(address,int256,uint256,uint256)"
CLOSE = "closePosition(address,uint256,uint256)"
LIQUIDATE = "liquidate(address,address)"
POSITION = "getPosition(address,address)"
MARKET = "getMarket(address)"
QUOTE = "quoteOrder(address,int256)"
USDC_HELD = 1_000_000 * 10**6
START = GENESIS_TIME + 4  # after the four approvals


def world(**overrides: str) -> Chain:
    chain = Chain(perps_document(**overrides))
    for key in (ALICE_KEY, BOB_KEY, CAROL_KEY, DAVE_KEY):
        chain.approve(key, USDC6, PERPS)
    return chain


def deposit(chain: Chain, key: bytes, tokens: int) -> None:
    chain.ok(key, PERPS, DEPOSIT, WETH, tokens, dt=0)


def trade(chain: Chain, key: bytes, delta: int) -> tuple[int, int]:
    acceptable = UINT256_MAX if delta > 0 else 0
    sent = chain.ok(key, PERPS, MODIFY, WETH, delta, acceptable, FAR_DEADLINE, dt=0)
    fill, fee = sent.returned("uint256", "uint256")
    return int(fill), int(fee)


def trade_fails(chain: Chain, key: bytes, delta: int, acceptable: int | None = None) -> str:
    if acceptable is None:
        acceptable = UINT256_MAX if delta > 0 else 0
    return chain.fails(key, PERPS, MODIFY, WETH, delta, acceptable, FAR_DEADLINE, dt=0)


def position(chain: Chain, account: bytes) -> PerpsPosition:
    leaf: PerpsPosition = chain.leaf(perps_position_key(account, WETH))
    return leaf


def market(chain: Chain) -> PerpsMarket:
    leaf: PerpsMarket = chain.leaf(perps_market_key(WETH))
    return leaf


def alice_long(chain: Chain, tokens: int = 2_400 * 10**6, size: int = 10 * WAD) -> int:
    """Alice deposits `tokens` and buys `size` at skew 0; returns her margin after the fee."""
    deposit(chain, ALICE_KEY, tokens)
    fill = spec_fill(PRICE, 0, size)
    assert trade(chain, ALICE_KEY, size) == (fill, spec_fee(0, size, fill))
    return tokens * SCALE - spec_fee(0, size, fill)


def set_price(chain: Chain, price: int, volatility: int = 0) -> None:
    chain.set_price(WETH, price, volatility, dt=0)


# ---------------------------------------------------------------------------------------------
# Margin


def test_deposit_credits_the_margin_ledger_and_moves_usdc_to_the_perps_contract() -> None:
    chain = world()
    sent = chain.ok(ALICE_KEY, PERPS, DEPOSIT, WETH, 1_234_567, dt=0)
    assert position(chain, ALICE) == PerpsPosition(margin=1_234_567 * SCALE)
    assert chain.balance(USDC6, ALICE) == USDC_HELD - 1_234_567
    assert chain.balance(USDC6, PERPS) == FUND // SCALE + 1_234_567
    log = sent.logs[-1]
    assert log.topics == (
        compute_event_topic("MarginDeposited(address,address,uint256)"),
        encode_address_topic(ALICE),
        encode_address_topic(WETH),
    )
    assert decode(["uint256"], log.data) == (1_234_567,)


def test_deposit_of_zero_reverts() -> None:
    assert world().fails(ALICE_KEY, PERPS, DEPOSIT, WETH, 0) == "deposit amount is zero"


def test_deposit_to_an_asset_without_a_perps_market_reverts() -> None:
    assert world().fails(ALICE_KEY, PERPS, DEPOSIT, USDC6, 1) == "perps market not listed"


def test_deposit_without_allowance_reverts() -> None:
    chain = Chain(perps_document())
    assert chain.fails(ALICE_KEY, PERPS, DEPOSIT, WETH, 1) == "insufficient allowance"


def test_withdrawing_exactly_the_margin_passes_and_one_unit_more_reverts() -> None:
    chain = world()
    deposit(chain, ALICE_KEY, 500)
    reason = chain.fails(ALICE_KEY, PERPS, WITHDRAW, WETH, 501)
    assert reason == "withdraw amount exceeds margin"
    assert chain.ok(ALICE_KEY, PERPS, WITHDRAW, WETH, 500).returned("uint256") == (500,)
    assert chain.balance(USDC6, ALICE) == USDC_HELD
    assert position(chain, ALICE) == PerpsPosition()


def test_withdraw_max_without_a_position_pays_all_the_margin() -> None:
    chain = world()
    deposit(chain, ALICE_KEY, 777)
    assert chain.ok(ALICE_KEY, PERPS, WITHDRAW, WETH, UINT256_MAX).returned("uint256") == (777,)


def test_withdraw_of_zero_reverts() -> None:
    chain = world()
    deposit(chain, ALICE_KEY, 777)
    assert chain.fails(ALICE_KEY, PERPS, WITHDRAW, WETH, 0) == "withdraw amount is zero"


def test_withdrawal_with_a_position_must_leave_initial_margin_plus_keeper_reward() -> None:
    chain = world()
    margin = alice_long(chain, tokens=5_000 * 10**6)
    fill = spec_fill(PRICE, 0, 10 * WAD)
    required = spec_requirements(10 * WAD, PRICE)
    equity = margin + spec_pnl(10 * WAD, fill, PRICE)
    free_tokens = (equity - required.initial - required.reward) // SCALE
    reason = chain.fails(ALICE_KEY, PERPS, WITHDRAW, WETH, free_tokens + 1, dt=0)
    assert reason == "withdrawal below initial margin"
    chain.ok(ALICE_KEY, PERPS, WITHDRAW, WETH, free_tokens, dt=0)
    assert position(chain, ALICE).margin == margin - free_tokens * SCALE


# ---------------------------------------------------------------------------------------------
# Fills and fees


def test_opening_a_long_fills_at_the_skew_premium_and_charges_the_taker_fee() -> None:
    chain = world()
    deposit(chain, ALICE_KEY, 3_000 * 10**6)
    sent = chain.ok(ALICE_KEY, PERPS, MODIFY, WETH, 10 * WAD, UINT256_MAX, FAR_DEADLINE, dt=0)
    fill = PRICE + PRICE * 10 * WAD // (2 * 1_000 * WAD)  # 2,010: mean of 1 and 1.01 times p
    fee = 10 * fill * 2 // 1_000  # taker 0.2%: $40.20
    assert fill == 2_010 * WAD and fee == 40_200_000_000_000_000_000
    assert sent.returned("uint256", "uint256") == (fill, fee)
    assert position(chain, ALICE) == PerpsPosition(
        size=10 * WAD,
        entry_price=fill,
        margin=3_000 * WAD - fee,
        funding_index=0,
        bad_debt_index=0,
    )
    assert chain.call(PERPS, MARKET, WETH) == (
        10 * WAD,
        10 * WAD,
        0,
        0,
        0,
        FUND + fee,
        0,
        0,
        0,
        CAPACITY,
    )
    log = sent.logs[-1]
    assert log.topics[0] == compute_event_topic(
        "PositionModified(address,address,int256,int256,uint256,uint256,int256)"
    )
    assert decode(["int256", "int256", "uint256", "uint256", "int256"], log.data) == (
        10 * WAD,
        10 * WAD,
        fill,
        fee,
        0,
    )


def test_a_buy_rounds_the_premium_up_and_a_sell_rounds_it_down() -> None:
    chain = world()
    set_price(chain, 2_001 * WAD)
    delta = WAD + 1  # 2,001 * (1e18 + 1) / 2,000e18 leaves a remainder
    exact_premium_times_2s = 2_001 * WAD * delta
    buy_fill, _ = chain.call(PERPS, QUOTE, WETH, delta)
    sell_fill, _ = chain.call(PERPS, QUOTE, WETH, -delta)
    assert exact_premium_times_2s % (2_000 * WAD) != 0
    assert buy_fill == 2_001 * WAD + ceil_div(exact_premium_times_2s, 2_000 * WAD)
    assert sell_fill == 2_001 * WAD - ceil_div(exact_premium_times_2s, 2_000 * WAD)


def test_a_short_fills_below_the_index_price() -> None:
    chain = world()
    deposit(chain, BOB_KEY, 3_000 * 10**6)
    fill, fee = trade(chain, BOB_KEY, -10 * WAD)
    assert fill == 1_990 * WAD == spec_fill(PRICE, 0, -10 * WAD)
    assert fee == spec_fee(0, -10 * WAD, fill)
    assert from_word(position(chain, BOB).size) == -10 * WAD
    assert position(chain, BOB).size == to_word(-10 * WAD)


def test_an_order_against_the_skew_pays_only_the_maker_fee() -> None:
    chain = world()
    alice_long(chain)
    deposit(chain, BOB_KEY, 3_000 * 10**6)
    fill, fee = trade(chain, BOB_KEY, -4 * WAD)
    assert fill == spec_fill(PRICE, 10 * WAD, -4 * WAD)  # 2,000 + 2,000 * 16 / 2,000 = 2,016
    assert fee == ceil_div(4 * WAD * (WAD // 1_000) * fill, WAD * WAD)


def test_an_order_that_flips_the_skew_pays_maker_fee_up_to_the_skew_and_taker_fee_beyond() -> None:
    chain = world()
    alice_long(chain)
    deposit(chain, BOB_KEY, 5_000 * 10**6)
    fill, fee = trade(chain, BOB_KEY, -15 * WAD)
    assert fill == spec_fill(PRICE, 10 * WAD, -15 * WAD)
    maker_part = 10 * WAD * (WAD // 1_000)
    taker_part = 5 * WAD * (2 * WAD // 1_000)
    assert fee == ceil_div((maker_part + taker_part) * fill, WAD * WAD)
    assert from_word(market(chain).skew) == -5 * WAD


def test_a_buy_fills_at_exactly_the_acceptable_price_and_reverts_one_wei_below_it() -> None:
    chain = world()
    deposit(chain, ALICE_KEY, 3_000 * 10**6)
    fill = spec_fill(PRICE, 0, 10 * WAD)
    assert trade_fails(chain, ALICE_KEY, 10 * WAD, fill - 1) == "fill price beyond acceptable price"
    chain.ok(ALICE_KEY, PERPS, MODIFY, WETH, 10 * WAD, fill, FAR_DEADLINE, dt=0)


def test_a_sell_fills_at_exactly_the_acceptable_price_and_reverts_one_wei_above_it() -> None:
    chain = world()
    deposit(chain, BOB_KEY, 3_000 * 10**6)
    fill = spec_fill(PRICE, 0, -10 * WAD)
    assert trade_fails(chain, BOB_KEY, -10 * WAD, fill + 1) == "fill price beyond acceptable price"
    chain.ok(BOB_KEY, PERPS, MODIFY, WETH, -10 * WAD, fill, FAR_DEADLINE, dt=0)


def test_an_order_at_its_deadline_executes_and_one_second_later_reverts() -> None:
    chain = world()
    deposit(chain, ALICE_KEY, 3_000 * 10**6)
    deadline = chain.time + 1
    late = chain.fails(ALICE_KEY, PERPS, MODIFY, WETH, WAD, UINT256_MAX, deadline, dt=2)
    assert late == "deadline passed"
    chain.ok(ALICE_KEY, PERPS, MODIFY, WETH, WAD, UINT256_MAX, chain.time, dt=0)


def test_a_zero_size_delta_reverts() -> None:
    chain = world()
    deposit(chain, ALICE_KEY, 3_000 * 10**6)
    assert trade_fails(chain, ALICE_KEY, 0) == "size delta is zero"


def test_a_position_below_the_minimum_size_reverts_and_exactly_the_minimum_opens() -> None:
    chain = world()
    deposit(chain, ALICE_KEY, 3_000 * 10**6)
    assert trade_fails(chain, ALICE_KEY, MIN_SIZE - 1) == "position size below minimum"
    trade(chain, ALICE_KEY, MIN_SIZE)
    assert trade_fails(chain, ALICE_KEY, -1) == "position size below minimum"


def test_open_interest_up_to_the_cap_opens_and_one_wei_more_reverts() -> None:
    chain = world()
    deposit(chain, ALICE_KEY, 100_000 * 10**6)
    trade(chain, ALICE_KEY, MAX_OI - WAD)
    assert trade_fails(chain, ALICE_KEY, WAD + 1) == "open interest cap exceeded"
    trade(chain, ALICE_KEY, WAD)
    assert market(chain).long_open_interest == MAX_OI


def test_opening_needs_initial_margin_plus_keeper_reward_to_the_token_unit() -> None:
    chain = world()
    size = 10 * WAD
    fill = spec_fill(PRICE, 0, size)
    fee = spec_fee(0, size, fill)
    required = spec_requirements(size, PRICE)
    # margin - fee + size * (p - fill) >= initial + reward
    needed = required.initial + required.reward + fee - spec_pnl(size, fill, PRICE)
    tokens = ceil_div(needed, SCALE)
    deposit(chain, ALICE_KEY, tokens - 1)
    assert trade_fails(chain, ALICE_KEY, size) == "insufficient margin"
    deposit(chain, ALICE_KEY, 1)
    trade(chain, ALICE_KEY, size)


def test_volatility_raises_the_initial_margin() -> None:
    chain = world()
    size = 10 * WAD
    fill = spec_fill(PRICE, 0, size)
    calm = spec_requirements(size, PRICE)
    needed = calm.initial + calm.reward + spec_fee(0, size, fill) - spec_pnl(size, fill, PRICE)
    deposit(chain, ALICE_KEY, ceil_div(needed, SCALE))
    set_price(chain, PRICE, WAD // 2)  # IMR + 0.1 * 0.5
    assert spec_requirements(size, PRICE, WAD // 2).initial == calm.initial + 1_000 * WAD
    assert trade_fails(chain, ALICE_KEY, size) == "insufficient margin"


def test_a_stale_price_refuses_opening_and_a_price_exactly_max_age_old_does_not() -> None:
    chain = world()
    deposit(chain, ALICE_KEY, 3_000 * 10**6)
    fresh = GENESIS_TIME + 3_600
    chain.ok(ALICE_KEY, PERPS, MODIFY, WETH, WAD, UINT256_MAX, FAR_DEADLINE, timestamp=fresh)
    stale = GENESIS_TIME + 3_601
    assert (
        chain.fails(ALICE_KEY, PERPS, MODIFY, WETH, WAD, UINT256_MAX, FAR_DEADLINE, timestamp=stale)
        == "stale price"
    )


def test_a_stale_price_refuses_closing() -> None:
    chain = world()
    alice_long(chain)
    reason = chain.fails(
        ALICE_KEY, PERPS, CLOSE, WETH, 0, FAR_DEADLINE, timestamp=GENESIS_TIME + 3_601
    )
    assert reason == "stale price"


def test_extreme_size_deltas_revert_with_arithmetic_overflow() -> None:
    chain = world()
    deposit(chain, ALICE_KEY, 3_000 * 10**6)
    assert trade_fails(chain, ALICE_KEY, 2**255 - 1) == "arithmetic overflow"
    assert trade_fails(chain, ALICE_KEY, -(2**255)) == "arithmetic overflow"


# ---------------------------------------------------------------------------------------------
# Funding


def test_funding_rate_and_index_follow_the_skew_over_a_thirty_day_gap() -> None:
    chain = world()
    alice_long(chain)
    dt = 30 * DAY
    expected = spec_accrue(0, 0, 10 * WAD, dt, PRICE)
    # velocity 0.01/day: after 30 days the rate is 0.3/day; the index fell by 0.15 * 30 * 2,000
    assert expected.rate == 3 * WAD // 10
    assert expected.index == -9_000 * WAD
    summary = chain.call(PERPS, MARKET, WETH, timestamp=START + dt)
    assert (summary[3], summary[4]) == (expected.rate, expected.index)
    view = chain.call(PERPS, POSITION, ALICE, WETH, timestamp=START + dt)
    assert view[4] == spec_position_funding(10 * WAD, expected.index, 0) == -90_000 * WAD


def test_a_short_skew_makes_shorts_pay_funding() -> None:
    chain = world()
    deposit(chain, BOB_KEY, 3_000 * 10**6)
    trade(chain, BOB_KEY, -10 * WAD)
    dt = 7 * DAY + 13
    expected = spec_accrue(0, 0, -10 * WAD, dt, PRICE)
    assert expected.rate < 0 < expected.index
    view = chain.call(PERPS, POSITION, BOB, WETH, timestamp=START + dt)
    assert view[4] == spec_position_funding(-10 * WAD, expected.index, 0) < 0


def test_funding_rounds_against_both_sides_of_a_fractional_index() -> None:
    chain = world()
    alice_long(chain)
    deposit(chain, BOB_KEY, 3_000 * 10**6)
    trade(chain, BOB_KEY, -3 * WAD)
    dt = 12_345
    index = spec_accrue(0, 0, 7 * WAD, dt, PRICE).index
    alice = chain.call(PERPS, POSITION, ALICE, WETH, timestamp=START + dt)[4]
    bob = chain.call(PERPS, POSITION, BOB, WETH, timestamp=START + dt)[4]
    assert alice == (10 * WAD * index) // WAD
    assert bob == (-3 * WAD * index) // WAD
    assert alice + bob <= (7 * WAD * index) // WAD


def test_funding_is_realized_into_the_margin_when_the_position_changes() -> None:
    chain = world()
    margin = alice_long(chain)
    dt = 2 * 3_600
    chain.set_price(WETH, PRICE, 0, timestamp=START + dt)
    funding = spec_accrue(0, 0, 10 * WAD, dt, PRICE)
    fill = spec_fill(PRICE, 10 * WAD, -5 * WAD)
    fee = spec_fee(10 * WAD, -5 * WAD, fill)
    sent = chain.ok(ALICE_KEY, PERPS, MODIFY, WETH, -5 * WAD, 0, FAR_DEADLINE, dt=0)
    realized = spec_pnl(10 * WAD, spec_fill(PRICE, 0, 10 * WAD), fill) + spec_position_funding(
        10 * WAD, funding.index, 0
    )
    assert decode(["int256", "int256", "uint256", "uint256", "int256"], sent.logs[-1].data) == (
        -5 * WAD,
        5 * WAD,
        fill,
        fee,
        realized,
    )
    assert position(chain, ALICE) == PerpsPosition(
        size=5 * WAD,
        entry_price=fill,
        margin=margin + realized - fee,
        funding_index=to_word(funding.index),
        bad_debt_index=0,
    )
    assert from_word(market(chain).cash) == -realized


# ---------------------------------------------------------------------------------------------
# Closing


def test_closing_realizes_pnl_pays_out_the_margin_and_sweeps_dust_to_the_fund() -> None:
    chain = world()
    margin = alice_long(chain)
    set_price(chain, 2_100 * WAD + 123)
    fill = spec_fill(2_100 * WAD + 123, 10 * WAD, -10 * WAD)
    fee = spec_fee(10 * WAD, -10 * WAD, fill)
    final = margin + spec_pnl(10 * WAD, spec_fill(PRICE, 0, 10 * WAD), fill) - fee
    sent = chain.ok(ALICE_KEY, PERPS, CLOSE, WETH, 0, FAR_DEADLINE, dt=0)
    assert sent.returned("uint256", "uint256", "uint256") == (fill, fee, final // SCALE)
    assert chain.balance(USDC6, ALICE) == USDC_HELD - 2_400 * 10**6 + final // SCALE
    assert position(chain, ALICE) == PerpsPosition()
    fees = spec_fee(0, 10 * WAD, spec_fill(PRICE, 0, 10 * WAD)) + fee
    assert market(chain).insurance_fund == FUND + fees + final % SCALE


def test_closing_without_a_position_reverts() -> None:
    chain = world()
    assert chain.fails(ALICE_KEY, PERPS, CLOSE, WETH, 0, FAR_DEADLINE) == "no open position"


# ---------------------------------------------------------------------------------------------
# Liquidation


def is_liquidatable(margin: int, entry: int, size: int, price: int) -> bool:
    required = spec_requirements(size, price)
    return margin + spec_pnl(size, entry, price) < required.maintenance + required.reward


def test_liquidating_a_healthy_position_reverts() -> None:
    chain = world()
    alice_long(chain)
    reason = chain.fails(CAROL_KEY, PERPS, LIQUIDATE, ALICE, WETH, dt=0)
    assert reason == "position is not liquidatable"


def test_liquidation_starts_one_wei_below_maintenance_margin_plus_keeper_reward() -> None:
    chain = world()
    margin = alice_long(chain)
    entry = spec_fill(PRICE, 0, 10 * WAD)
    low, high = 1, PRICE  # liquidatable at low, not at high: find the lowest safe price
    while high - low > 1:
        middle = (low + high) // 2
        if is_liquidatable(margin, entry, 10 * WAD, middle):
            low = middle
        else:
            high = middle
    set_price(chain, high)
    assert chain.fails(CAROL_KEY, PERPS, LIQUIDATE, ALICE, WETH, dt=0) == (
        "position is not liquidatable"
    )
    assert chain.call(PERPS, POSITION, ALICE, WETH)[7] >= WAD
    set_price(chain, high - 1)
    assert chain.call(PERPS, POSITION, ALICE, WETH)[7] < WAD
    chain.ok(CAROL_KEY, PERPS, LIQUIDATE, ALICE, WETH, dt=0)


def test_liquidation_pays_the_keeper_and_gives_the_rest_to_the_fund() -> None:
    chain = world()
    margin = alice_long(chain)
    entry = spec_fill(PRICE, 0, 10 * WAD)
    price = 1_850 * WAD
    set_price(chain, price)
    equity = margin + spec_pnl(10 * WAD, entry, price)
    reward = spec_requirements(10 * WAD, price).reward
    assert reward == 100 * WAD and equity > reward
    fund_before = market(chain).insurance_fund
    sent = chain.ok(CAROL_KEY, PERPS, LIQUIDATE, ALICE, WETH, dt=0)
    assert sent.returned("uint256") == (100 * 10**6,)
    assert chain.balance(USDC6, CAROL) == USDC_HELD + 100 * 10**6
    assert position(chain, ALICE) == PerpsPosition()
    after = market(chain)
    assert after.insurance_fund == fund_before + equity - reward
    assert from_word(after.cash) == margin - equity
    assert (after.skew, after.long_open_interest) == (0, 0)
    log = sent.logs[-1]
    assert log.topics == (
        compute_event_topic(
            "PositionLiquidated(address,address,address,int256,uint256,uint256,uint256,uint256,"
            "uint256)"
        ),
        encode_address_topic(CAROL),
        encode_address_topic(ALICE),
        encode_address_topic(WETH),
    )
    assert decode(["int256"] + ["uint256"] * 5, log.data) == (
        10 * WAD,
        price,
        100 * 10**6,
        equity - reward,
        0,
        0,
    )


def test_a_shortfall_is_paid_by_the_insurance_fund_first() -> None:
    chain = world()
    margin = alice_long(chain)
    price = 1_750 * WAD
    set_price(chain, price)
    equity = margin + spec_pnl(10 * WAD, spec_fill(PRICE, 0, 10 * WAD), price)
    shortfall = 100 * WAD - equity
    fund_before = market(chain).insurance_fund
    assert 0 < shortfall < fund_before
    sent = chain.ok(CAROL_KEY, PERPS, LIQUIDATE, ALICE, WETH, dt=0)
    after = market(chain)
    assert after.insurance_fund == fund_before - shortfall
    assert (after.long_bad_debt_index, after.short_bad_debt_index) == (0, 0)
    assert from_word(after.cash) == margin + shortfall - 100 * WAD
    assert decode(["int256"] + ["uint256"] * 5, sent.logs[-1].data)[3:] == (0, shortfall, 0)


def crash_with_a_short_on_the_other_side(chain: Chain) -> tuple[int, int, int]:
    """Alice long 10, Bob short 5, price to $1,500, Alice liquidated; (socialized, Bob's fill,
    Bob's margin)."""
    margin = alice_long(chain)
    deposit(chain, BOB_KEY, 10_000 * 10**6)
    bob_fill, bob_fee = trade(chain, BOB_KEY, -5 * WAD)
    price = 1_500 * WAD
    set_price(chain, price)
    equity = margin + spec_pnl(10 * WAD, spec_fill(PRICE, 0, 10 * WAD), price)
    fund = market(chain).insurance_fund
    socialized = 100 * WAD - equity - fund
    assert socialized > 0
    chain.ok(CAROL_KEY, PERPS, LIQUIDATE, ALICE, WETH, dt=0)
    return socialized, bob_fill, 10_000 * WAD - bob_fee


def test_a_shortfall_beyond_the_fund_is_charged_to_the_other_side_through_its_bad_debt_index() -> (
    None
):
    chain = world()
    socialized, _fill, _margin = crash_with_a_short_on_the_other_side(chain)
    after = market(chain)
    assert after.insurance_fund == 0
    assert after.short_bad_debt_index == ceil_div(socialized * WAD, 5 * WAD)
    assert after.long_bad_debt_index == 0
    view = chain.call(PERPS, POSITION, BOB, WETH)
    assert view[5] == spec_bad_debt(-5 * WAD, after.short_bad_debt_index, 0) >= socialized


def test_bad_debt_is_realized_into_the_margin_at_the_next_modification() -> None:
    chain = world()
    _socialized, bob_fill, bob_margin = crash_with_a_short_on_the_other_side(chain)
    index = market(chain).short_bad_debt_index
    skew = from_word(market(chain).skew)
    assert skew == -5 * WAD
    fill = spec_fill(1_500 * WAD, skew, 5 * WAD)
    fee = spec_fee(skew, 5 * WAD, fill)
    cash_before = from_word(market(chain).cash)
    sent = chain.ok(BOB_KEY, PERPS, CLOSE, WETH, UINT256_MAX, FAR_DEADLINE, dt=0)
    realized = spec_pnl(-5 * WAD, bob_fill, fill) - spec_bad_debt(-5 * WAD, index, 0)
    final = bob_margin + realized - fee
    assert sent.returned("uint256", "uint256", "uint256") == (fill, fee, final // SCALE)
    assert from_word(market(chain).cash) == cash_before - realized


def test_liquidating_oneself_reverts() -> None:
    chain = world()
    alice_long(chain)
    set_price(chain, 1_000 * WAD)
    reason = chain.fails(ALICE_KEY, PERPS, LIQUIDATE, ALICE, WETH, dt=0)
    assert reason == "cannot liquidate yourself"


def test_liquidating_an_account_without_a_position_reverts() -> None:
    chain = world()
    assert chain.fails(CAROL_KEY, PERPS, LIQUIDATE, BOB, WETH) == "no open position"


def test_a_stale_price_refuses_liquidation() -> None:
    chain = world()
    alice_long(chain)
    reason = chain.fails(CAROL_KEY, PERPS, LIQUIDATE, ALICE, WETH, timestamp=GENESIS_TIME + 3_601)
    assert reason == "stale price"


def two_longs_then_a_crash(chain: Chain) -> None:
    alice_long(chain, size=15 * WAD, tokens=4_000 * 10**6)
    deposit(chain, BOB_KEY, 3_000 * 10**6)
    trade(chain, BOB_KEY, 10 * WAD)
    set_price(chain, 1_000 * WAD)


def test_liquidation_capacity_bounds_the_size_liquidated_in_one_block() -> None:
    chain = world()
    two_longs_then_a_crash(chain)
    first = chain.sign(CAROL_KEY, PERPS, encode_call(LIQUIDATE, ALICE, WETH))
    second_data = encode_call(LIQUIDATE, BOB, WETH)
    second = chain.sign(CAROL_KEY, PERPS, second_data)
    block = chain.execute([first, second], dt=0)
    assert [receipt.status for receipt in block.receipts] == [1, 0]
    assert market(chain).liquidation_bucket == 15 * WAD
    assert market(chain).liquidation_block == chain.head.number
    same_block = replace(chain.environment(), number=chain.head.number)
    result = execute_call(Overlay(chain.state), same_block, CAROL, PERPS, 0, second_data)
    assert decode_revert_reason(result.output) == "liquidation capacity exceeded"
    assert 15 * WAD + 10 * WAD > CAPACITY


def test_the_liquidation_bucket_drains_its_capacity_every_block() -> None:
    chain = world()
    two_longs_then_a_crash(chain)
    chain.ok(CAROL_KEY, PERPS, LIQUIDATE, ALICE, WETH, dt=0)
    assert chain.call(PERPS, MARKET, WETH)[9] == CAPACITY  # the next block: 15 - 20 drains to 0
    chain.ok(CAROL_KEY, PERPS, LIQUIDATE, BOB, WETH, dt=0)
    assert market(chain).liquidation_bucket == 10 * WAD


def test_an_empty_bucket_takes_one_position_larger_than_the_capacity() -> None:
    chain = world()
    alice_long(chain, size=30 * WAD, tokens=12_000 * 10**6)
    assert 30 * WAD > CAPACITY
    set_price(chain, 1_000 * WAD)
    chain.ok(CAROL_KEY, PERPS, LIQUIDATE, ALICE, WETH, dt=0)
    assert market(chain).liquidation_bucket == 30 * WAD


def test_a_liquidatable_position_cannot_be_traded() -> None:
    chain = world()
    alice_long(chain)
    set_price(chain, 1_000 * WAD)
    assert trade_fails(chain, ALICE_KEY, -5 * WAD) == "position is liquidatable"


# ---------------------------------------------------------------------------------------------
# Market liquidity: a payout never exceeds what the perps contract holds


def alice_wins_big(chain: Chain) -> int:
    """Alice's 10 WETH long gains $500 a WETH; returns her margin after closing at the fill."""
    margin = alice_long(chain)
    set_price(chain, 2_500 * WAD)
    fill = spec_fill(2_500 * WAD, 10 * WAD, -10 * WAD)
    fee = spec_fee(10 * WAD, -10 * WAD, fill)
    return margin + spec_pnl(10 * WAD, spec_fill(PRICE, 0, 10 * WAD), fill) - fee


def test_a_close_paying_one_unit_more_than_the_contract_holds_reverts_and_exactly_all_passes() -> (
    None
):
    chain = world()
    paid = alice_wins_big(chain) // SCALE
    held = chain.balance(USDC6, PERPS)
    assert paid > held  # the skew's profit is larger than the margins and the fund
    deposit(chain, BOB_KEY, paid - held - 1)
    reason = chain.fails(ALICE_KEY, PERPS, CLOSE, WETH, 0, FAR_DEADLINE, dt=0)
    assert reason == "insufficient market liquidity"
    assert position(chain, ALICE).size == to_word(10 * WAD)
    deposit(chain, BOB_KEY, 1)
    sent = chain.ok(ALICE_KEY, PERPS, CLOSE, WETH, 0, FAR_DEADLINE, dt=0)
    assert sent.returned("uint256", "uint256", "uint256")[2] == paid
    assert chain.balance(USDC6, PERPS) == 0


def test_a_withdrawal_of_one_unit_more_than_the_contract_holds_reverts_and_exactly_all_passes() -> (
    None
):
    chain = world()
    margin = alice_wins_big(chain)
    trade(chain, ALICE_KEY, -10 * WAD)  # realized into the margin, no token moves
    assert position(chain, ALICE).margin == margin
    held = chain.balance(USDC6, PERPS)
    assert margin // SCALE > held
    reason = chain.fails(ALICE_KEY, PERPS, WITHDRAW, WETH, held + 1, dt=0)
    assert reason == "insufficient market liquidity"
    chain.ok(ALICE_KEY, PERPS, WITHDRAW, WETH, held, dt=0)
    assert position(chain, ALICE).margin == margin - held * SCALE
    assert chain.balance(USDC6, PERPS) == 0
    assert chain.fails(ALICE_KEY, PERPS, WITHDRAW, WETH, 1, dt=0) == "insufficient market liquidity"
