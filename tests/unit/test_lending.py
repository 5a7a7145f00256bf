"""Lending markets: supply, borrow, interest, risk, liquidation (helpers.lending_document).

World: WETH at $2,000 and USDC (6 decimals) at $1, no volatility; key 3 ("Dave") supplied
100,000 USDC and 100 WETH at genesis. USDC market: rate 2% + 10% * U / 0.8 below the kink, plus
100% * (U - 0.8) / 0.2 above it, reserve factor 10%, CF 0.8 / LT 0.85. WETH market: CF 0.75,
LT 0.8, bonus 5%, volatility sensitivity 0.25, floors 0.4 / 0.5. Close factor 50% everywhere.
"""

from __future__ import annotations

from eth_abi import decode
from hypothesis import given, settings
from hypothesis import strategies as st

from rollup.abi import compute_event_topic, encode_address_topic
from rollup.addresses import LENDING, WETH
from rollup.fixedpoint import RAY, SECONDS_PER_YEAR, UINT256_MAX, WAD
from rollup.state import (
    LendingAccount,
    Market,
    Position,
    lending_account_key,
    market_key,
    position_key,
)
from tests.unit.helpers import (
    ADDRESSES,
    ANVIL_KEYS,
    LENDING_DAI,
    LENDING_USDC,
    USDC_MARKET,
    Chain,
    base_document,
    hex_address,
    lending_document,
)

USDC = LENDING_USDC
ALICE_KEY, BOB_KEY, CAROL_KEY, DAVE_KEY = ANVIL_KEYS[0], ANVIL_KEYS[1], ANVIL_KEYS[2], ANVIL_KEYS[3]
ALICE, BOB, CAROL, DAVE = ADDRESSES[0], ADDRESSES[1], ADDRESSES[2], ADDRESSES[3]

SUPPLY = "supply(address,uint256)"
WITHDRAW = "withdraw(address,uint256)"
BORROW = "borrow(address,uint256)"
REPAY = "repay(address,uint256)"
LIQUIDATE = "liquidate(address,address,address,uint256)"
ACCOUNT_DATA = "getAccountData(address)"
POSITION = "getPosition(address,address)"
MARKET = "getMarket(address)"
RISK = "getRiskParameters(address)"

GENESIS_USDC_SUPPLY = 100_000 * 10**6
PERCENT = WAD // 100


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def world() -> Chain:
    chain = Chain(lending_document())
    for key in (ALICE_KEY, BOB_KEY, CAROL_KEY, DAVE_KEY):
        chain.approve(key, WETH, LENDING)
        chain.approve(key, USDC, LENDING)
    return chain


def borrower(chain: Chain, weth_collateral: int, usdc_debt: int, **options: int) -> None:
    """Bob supplies WETH and borrows USDC."""
    chain.ok(BOB_KEY, LENDING, SUPPLY, WETH, weth_collateral, **options)
    chain.ok(BOB_KEY, LENDING, BORROW, USDC, usdc_debt, **options)


# ---------------------------------------------------------------------------------------------
# Supply and withdraw


def test_supply_moves_tokens_to_the_lending_contract_and_credits_a_position() -> None:
    chain = world()
    sent = chain.ok(ALICE_KEY, LENDING, SUPPLY, USDC, 2_500 * 10**6)
    assert chain.balance(USDC, ALICE) == 100_000 * 10**6 - 2_500 * 10**6
    assert chain.balance(USDC, LENDING) == GENESIS_USDC_SUPPLY + 2_500 * 10**6
    assert chain.call(LENDING, POSITION, ALICE, USDC) == (2_500 * 10**6, 0)
    # index is still 1 RAY, so the scaled amount is the amount
    position: Position = chain.leaf(position_key(ALICE, USDC))
    assert position == Position(supply_scaled=2_500 * 10**6, borrow_scaled=0)
    supply_log = sent.logs[-1]
    assert supply_log.topics == (
        compute_event_topic("Supply(address,address,uint256)"),
        encode_address_topic(ALICE),
        encode_address_topic(USDC),
    )
    assert decode(["uint256"], supply_log.data) == (2_500 * 10**6,)


def test_supply_enters_the_market_in_the_first_free_slot() -> None:
    chain = world()
    chain.ok(ALICE_KEY, LENDING, SUPPLY, USDC, 10**6)
    chain.ok(ALICE_KEY, LENDING, SUPPLY, WETH, 10**18)
    entered: LendingAccount = chain.leaf(lending_account_key(ALICE))
    assert entered == LendingAccount(
        int.from_bytes(USDC, "big"), int.from_bytes(WETH, "big"), 0, 0, 0, 0, 0, 0
    )


def test_supply_to_an_unlisted_asset_reverts() -> None:
    chain = world()
    chain.approve(ALICE_KEY, LENDING_DAI, LENDING)
    assert chain.fails(ALICE_KEY, LENDING, SUPPLY, LENDING_DAI, 10**18) == "market not listed"


def test_supply_of_zero_reverts() -> None:
    chain = world()
    assert chain.fails(ALICE_KEY, LENDING, SUPPLY, USDC, 0) == "supply amount is zero"


def test_supply_without_allowance_reverts() -> None:
    chain = Chain(lending_document())
    assert chain.fails(ALICE_KEY, LENDING, SUPPLY, USDC, 1) == "insufficient allowance"


def test_withdraw_returns_tokens_and_reduces_the_position() -> None:
    chain = world()
    sent = chain.ok(DAVE_KEY, LENDING, WITHDRAW, USDC, 40_000 * 10**6)
    assert sent.returned("uint256") == (40_000 * 10**6,)
    assert chain.balance(USDC, DAVE) == 140_000 * 10**6
    assert chain.call(LENDING, POSITION, DAVE, USDC) == (60_000 * 10**6, 0)


def test_withdraw_max_takes_the_whole_supply_and_leaves_the_market() -> None:
    chain = world()
    sent = chain.ok(DAVE_KEY, LENDING, WITHDRAW, WETH, UINT256_MAX)
    assert sent.returned("uint256") == (100 * 10**18,)
    entered: LendingAccount = chain.leaf(lending_account_key(DAVE))
    assert entered == LendingAccount(int.from_bytes(USDC, "big"), 0, 0, 0, 0, 0, 0, 0)


def test_withdraw_of_more_than_supplied_reverts() -> None:
    chain = world()
    reason = chain.fails(DAVE_KEY, LENDING, WITHDRAW, USDC, GENESIS_USDC_SUPPLY + 1)
    assert reason == "withdraw amount exceeds supply"


def test_withdraw_of_cash_that_is_lent_out_reverts() -> None:
    chain = world()
    borrower(chain, 50 * 10**18, 60_000 * 10**6, dt=0)
    reason = chain.fails(DAVE_KEY, LENDING, WITHDRAW, USDC, 40_000 * 10**6 + 1, dt=0)
    assert reason == "insufficient liquidity in market"
    chain.ok(DAVE_KEY, LENDING, WITHDRAW, USDC, 40_000 * 10**6, dt=0)


def test_withdraw_that_would_exceed_the_borrow_limit_reverts() -> None:
    chain = world()
    # 10 WETH = $20,000 * 0.75 = $15,000 limit, fully used
    borrower(chain, 10 * 10**18, 15_000 * 10**6, dt=0)
    assert chain.fails(BOB_KEY, LENDING, WITHDRAW, WETH, 1, dt=0) == (
        "withdrawal would exceed borrow limit"
    )


# ---------------------------------------------------------------------------------------------
# Borrow, borrow limit, health factor


def test_borrow_pays_out_and_records_the_debt() -> None:
    chain = world()
    borrower(chain, 10 * 10**18, 5_000 * 10**6)
    assert chain.balance(USDC, BOB) == 105_000 * 10**6
    assert chain.call(LENDING, POSITION, BOB, USDC) == (0, 5_000 * 10**6)
    assert chain.balance(USDC, LENDING) == GENESIS_USDC_SUPPLY - 5_000 * 10**6


def test_health_factor_is_liquidation_limit_over_debt() -> None:
    chain = world()
    borrower(chain, 50 * 10**18, 60_000 * 10**6, dt=0)
    collateral = 50 * 2_000 * WAD  # 50 WETH at $2,000
    debt = 60_000 * WAD  # 60,000 USDC at $1
    borrow_limit = collateral * 75 // 100
    liquidation_limit = collateral * 80 // 100
    health_factor = liquidation_limit * WAD // debt
    assert health_factor == 1_333_333_333_333_333_333
    assert chain.call(LENDING, ACCOUNT_DATA, BOB) == (
        collateral,
        debt,
        borrow_limit,
        liquidation_limit,
        health_factor,
    )


def test_health_factor_without_debt_is_uint256_max() -> None:
    chain = world()
    assert chain.call(LENDING, ACCOUNT_DATA, DAVE)[4] == UINT256_MAX


def test_borrow_up_to_exactly_the_borrow_limit_succeeds() -> None:
    chain = world()
    # 10 WETH * $2,000 * CF 0.75 = $15,000
    borrower(chain, 10 * 10**18, 15_000 * 10**6, dt=0)
    data = chain.call(LENDING, ACCOUNT_DATA, BOB)
    assert data[1] == data[2] == 15_000 * WAD


def test_borrow_one_unit_above_the_borrow_limit_reverts() -> None:
    chain = world()
    chain.ok(BOB_KEY, LENDING, SUPPLY, WETH, 10 * 10**18)
    assert chain.fails(BOB_KEY, LENDING, BORROW, USDC, 15_000 * 10**6 + 1) == (
        "borrow exceeds borrow limit"
    )
    assert chain.call(LENDING, POSITION, BOB, USDC) == (0, 0)


def test_borrow_without_collateral_reverts() -> None:
    chain = world()
    assert chain.fails(BOB_KEY, LENDING, BORROW, USDC, 1) == "borrow exceeds borrow limit"


def test_borrow_of_more_than_the_market_cash_reverts() -> None:
    chain = world()
    chain.ok(BOB_KEY, LENDING, SUPPLY, WETH, 100 * 10**18)
    assert chain.fails(BOB_KEY, LENDING, BORROW, USDC, GENESIS_USDC_SUPPLY + 1) == (
        "insufficient liquidity in market"
    )


def test_borrow_of_zero_reverts() -> None:
    chain = world()
    assert chain.fails(BOB_KEY, LENDING, BORROW, USDC, 0) == "borrow amount is zero"


def test_borrow_emits_a_borrow_log() -> None:
    chain = world()
    chain.ok(BOB_KEY, LENDING, SUPPLY, WETH, 10 * 10**18)
    sent = chain.ok(BOB_KEY, LENDING, BORROW, USDC, 1_000 * 10**6)
    borrow_log = next(log for log in sent.logs if log.address == LENDING)
    assert borrow_log.topics == (
        compute_event_topic("Borrow(address,address,uint256)"),
        encode_address_topic(BOB),
        encode_address_topic(USDC),
    )
    assert decode(["uint256"], borrow_log.data) == (1_000 * 10**6,)


# ---------------------------------------------------------------------------------------------
# Volatility-adjusted risk and stale prices


def test_collateral_factor_is_lowered_by_sensitivity_times_volatility() -> None:
    chain = world()
    chain.set_price(WETH, 2_000 * WAD, 80 * PERCENT)
    # penalty = 0.25 * 0.8 = 0.2: CF 0.75 - 0.2 = 0.55, LT 0.8 - 0.2 = 0.6
    assert chain.call(LENDING, RISK, WETH) == (
        55 * PERCENT,
        60 * PERCENT,
        5 * PERCENT,
        50 * PERCENT,
    )


def test_collateral_factor_is_clamped_at_its_floor() -> None:
    chain = world()
    chain.set_price(WETH, 2_000 * WAD, 2 * WAD)
    # penalty = 0.25 * 2 = 0.5: CF 0.25 -> floor 0.4, LT 0.3 -> floor 0.5
    assert chain.call(LENDING, RISK, WETH)[:2] == (40 * PERCENT, 50 * PERCENT)


def test_collateral_factor_is_the_floor_when_the_penalty_exceeds_the_factor() -> None:
    chain = world()
    chain.set_price(WETH, 2_000 * WAD, 4 * WAD)  # penalty 1.0 > CF 0.75 and LT 0.8
    assert chain.call(LENDING, RISK, WETH)[:2] == (40 * PERCENT, 50 * PERCENT)


def test_volatility_lowers_the_borrow_limit_of_existing_collateral() -> None:
    chain = world()
    chain.ok(BOB_KEY, LENDING, SUPPLY, WETH, 10 * 10**18)
    chain.set_price(WETH, 2_000 * WAD, 80 * PERCENT)
    # $20,000 * 0.55 = $11,000
    assert chain.call(LENDING, ACCOUNT_DATA, BOB)[2] == 11_000 * WAD
    assert chain.fails(BOB_KEY, LENDING, BORROW, USDC, 11_000 * 10**6 + 1) == (
        "borrow exceeds borrow limit"
    )
    chain.ok(BOB_KEY, LENDING, BORROW, USDC, 11_000 * 10**6)


def test_a_stale_price_blocks_borrowing() -> None:
    chain = world()
    chain.ok(BOB_KEY, LENDING, SUPPLY, WETH, 10 * 10**18)
    # genesis prices were written at 1,000 and live 3,600 s
    assert chain.fails(BOB_KEY, LENDING, BORROW, USDC, 10**6, timestamp=1_000 + 3_601) == (
        "stale price"
    )


def test_a_price_exactly_max_age_old_is_still_fresh() -> None:
    chain = world()
    chain.ok(BOB_KEY, LENDING, SUPPLY, WETH, 10 * 10**18)
    chain.ok(BOB_KEY, LENDING, BORROW, USDC, 10**6, timestamp=1_000 + 3_600)


def test_refreshed_prices_unblock_borrowing() -> None:
    chain = world()
    chain.ok(BOB_KEY, LENDING, SUPPLY, WETH, 10 * 10**18)
    chain.set_price(WETH, 2_000 * WAD, 0, timestamp=10_000)
    # USDC's price is stale too, and Bob enters the USDC market by borrowing it
    assert chain.fails(BOB_KEY, LENDING, BORROW, USDC, 10**6, dt=0) == "stale price"
    chain.set_price(USDC, WAD, 0, dt=0)
    chain.ok(BOB_KEY, LENDING, BORROW, USDC, 10**6, dt=0)


def test_a_stale_price_blocks_withdrawing_against_debt_but_not_without_debt() -> None:
    chain = world()
    borrower(chain, 10 * 10**18, 1_000 * 10**6)
    later = 1_000 + 10_000
    assert chain.fails(BOB_KEY, LENDING, WITHDRAW, WETH, 10**18, timestamp=later) == "stale price"
    chain.ok(DAVE_KEY, LENDING, WITHDRAW, WETH, 10**18, timestamp=later)


# ---------------------------------------------------------------------------------------------
# Interest


def test_interest_below_the_kink_accrues_the_jump_rate_formula_exactly() -> None:
    chain = world()
    borrower(chain, 50 * 10**18, 50_000 * 10**6)
    start, dt = chain.time, 30 * 24 * 60 * 60
    # utilization 50,000 / 100,000 = 0.5 <= 0.8: rate = 0.02 + 0.1 * 0.5 / 0.8 = 0.0825 a year
    rate = 2 * PERCENT + 10 * PERCENT * (50 * PERCENT) // (80 * PERCENT)
    assert rate == 82_500_000_000_000_000
    growth = ceil_div(rate * dt * (RAY // WAD), SECONDS_PER_YEAR)  # linear, rounded up
    borrow_index = RAY + growth
    assert borrow_index == 1_006_780_821_917_808_219_178_082_192
    total_borrowed = ceil_div(50_000 * 10**6 * borrow_index, RAY)
    interest = total_borrowed - 50_000 * 10**6
    assert interest == 339_041_096  # 339.04 USDC in 30 days
    reserves = interest * 10 * PERCENT // WAD
    supply_index = RAY + (interest - reserves) * RAY // GENESIS_USDC_SUPPLY
    supplied = GENESIS_USDC_SUPPLY * supply_index // RAY
    utilization = total_borrowed * WAD // supplied
    new_rate = 2 * PERCENT + 10 * PERCENT * utilization // (80 * PERCENT)
    supply_rate = (new_rate * utilization // WAD) * (WAD - 10 * PERCENT) // WAD
    assert chain.call(LENDING, MARKET, USDC, timestamp=start + dt) == (
        supplied,
        total_borrowed,
        reserves,
        supply_index,
        borrow_index,
        utilization,
        new_rate,
        supply_rate,
        start + dt,
    )
    # Dave's claim and Bob's debt grew by the same indexes.
    assert chain.call(LENDING, POSITION, DAVE, USDC, timestamp=start + dt)[0] == supplied
    assert chain.call(LENDING, POSITION, BOB, USDC, timestamp=start + dt)[1] == total_borrowed


def test_interest_above_the_kink_adds_the_jump_slope() -> None:
    chain = world()
    borrower(chain, 70 * 10**18, 90_000 * 10**6)
    start, dt = chain.time, SECONDS_PER_YEAR // 4
    # utilization 0.9 > 0.8: rate = 0.02 + 0.1 + 1.0 * (0.9 - 0.8) / (1 - 0.8) = 0.62 a year
    rate = 2 * PERCENT + 10 * PERCENT + WAD * (10 * PERCENT) // (20 * PERCENT)
    assert rate == 620_000_000_000_000_000
    borrow_index = RAY + ceil_div(rate * dt * (RAY // WAD), SECONDS_PER_YEAR)
    assert borrow_index == 1_155 * RAY // 1_000  # 0.62 / 4 = 15.5% in a quarter, exactly
    total_borrowed = ceil_div(90_000 * 10**6 * borrow_index, RAY)
    interest = total_borrowed - 90_000 * 10**6
    assert interest == 13_950 * 10**6
    reserves = interest * 10 * PERCENT // WAD
    supply_index = RAY + (interest - reserves) * RAY // GENESIS_USDC_SUPPLY
    assert (reserves, supply_index) == (1_395 * 10**6, 1_125_550 * RAY // 1_000_000)
    summary = chain.call(LENDING, MARKET, USDC, timestamp=start + dt)
    assert summary[:5] == (
        GENESIS_USDC_SUPPLY * supply_index // RAY,
        total_borrowed,
        reserves,
        supply_index,
        borrow_index,
    )


def test_interest_is_written_to_the_market_when_a_transaction_touches_it() -> None:
    chain = world()
    borrower(chain, 50 * 10**18, 50_000 * 10**6)
    start, dt = chain.time, 30 * 24 * 60 * 60
    expected = chain.call(LENDING, MARKET, USDC, timestamp=start + dt)
    market_before: Market = chain.leaf(market_key(USDC))
    assert market_before.last_update == start
    chain.ok(BOB_KEY, LENDING, REPAY, USDC, 10**6, timestamp=start + dt)
    market: Market = chain.leaf(market_key(USDC))
    assert (market.reserves, market.supply_index, market.borrow_index, market.last_update) == (
        expected[2],
        expected[3],
        expected[4],
        start + dt,
    )


def test_a_market_without_borrows_accrues_nothing() -> None:
    chain = world()
    chain.ok(ALICE_KEY, LENDING, SUPPLY, USDC, 10**6, timestamp=1_000 + SECONDS_PER_YEAR)
    market: Market = chain.leaf(market_key(USDC))
    assert (market.supply_index, market.borrow_index, market.reserves) == (RAY, RAY, 0)
    assert market.last_update == 1_000 + SECONDS_PER_YEAR


def test_supplier_withdraws_principal_plus_interest_rounded_down() -> None:
    chain = world()
    borrower(chain, 70 * 10**18, 90_000 * 10**6)
    start = chain.time
    chain.ok(BOB_KEY, LENDING, REPAY, USDC, UINT256_MAX, timestamp=start + SECONDS_PER_YEAR // 4)
    supply_index = 1_125_550 * RAY // 1_000_000  # from the test above
    sent = chain.ok(DAVE_KEY, LENDING, WITHDRAW, USDC, 110_000 * 10**6)
    assert sent.returned("uint256") == (110_000 * 10**6,)
    remaining = GENESIS_USDC_SUPPLY - ceil_div(110_000 * 10**6 * RAY, supply_index)
    assert chain.call(LENDING, POSITION, DAVE, USDC)[0] == remaining * supply_index // RAY


def test_lending_contract_holds_at_least_supplied_plus_reserves_after_full_repayment() -> None:
    chain = world()
    borrower(chain, 70 * 10**18, 90_000 * 10**6)
    start = chain.time
    chain.ok(BOB_KEY, LENDING, REPAY, USDC, UINT256_MAX, timestamp=start + SECONDS_PER_YEAR // 4)
    supplied, borrowed, reserves = chain.call(LENDING, MARKET, USDC)[:3]
    assert borrowed == 0
    assert chain.balance(USDC, LENDING) >= supplied + reserves


# ---------------------------------------------------------------------------------------------
# Repay


def test_repay_reduces_the_debt_by_the_amount() -> None:
    chain = world()
    borrower(chain, 10 * 10**18, 10_000 * 10**6, dt=0)
    sent = chain.ok(BOB_KEY, LENDING, REPAY, USDC, 4_000 * 10**6, dt=0)
    assert sent.returned("uint256") == (4_000 * 10**6,)
    assert chain.call(LENDING, POSITION, BOB, USDC) == (0, 6_000 * 10**6)
    assert chain.balance(USDC, BOB) == 106_000 * 10**6


def test_repay_of_more_than_the_debt_is_capped_at_the_debt() -> None:
    chain = world()
    borrower(chain, 10 * 10**18, 10_000 * 10**6, dt=0)
    sent = chain.ok(BOB_KEY, LENDING, REPAY, USDC, 50_000 * 10**6, dt=0)
    assert sent.returned("uint256") == (10_000 * 10**6,)
    assert chain.balance(USDC, BOB) == 100_000 * 10**6


def test_full_repayment_leaves_the_debt_market() -> None:
    chain = world()
    borrower(chain, 10 * 10**18, 10_000 * 10**6)
    chain.ok(BOB_KEY, LENDING, REPAY, USDC, UINT256_MAX)
    entered: LendingAccount = chain.leaf(lending_account_key(BOB))
    assert entered == LendingAccount(int.from_bytes(WETH, "big"), 0, 0, 0, 0, 0, 0, 0)
    assert chain.call(LENDING, POSITION, BOB, USDC) == (0, 0)


def test_repay_after_interest_rounds_the_debt_up() -> None:
    chain = world()
    borrower(chain, 50 * 10**18, 50_000 * 10**6)
    start, dt = chain.time, 30 * 24 * 60 * 60
    debt = chain.call(LENDING, POSITION, BOB, USDC, timestamp=start + dt)[1]
    assert debt == 50_339_041_096  # principal + the interest computed above
    sent = chain.ok(BOB_KEY, LENDING, REPAY, USDC, UINT256_MAX, timestamp=start + dt)
    assert sent.returned("uint256") == (debt,)


def test_repay_without_debt_reverts() -> None:
    chain = world()
    assert chain.fails(BOB_KEY, LENDING, REPAY, USDC, 1) == "no debt to repay"


# ---------------------------------------------------------------------------------------------
# Liquidation


def test_liquidation_of_a_healthy_account_reverts() -> None:
    chain = world()
    borrower(chain, 10 * 10**18, 15_000 * 10**6, dt=0)
    assert chain.fails(CAROL_KEY, LENDING, LIQUIDATE, BOB, USDC, WETH, 10**6, dt=0) == (
        "health factor is not below 1"
    )


def test_liquidation_at_a_health_factor_of_exactly_one_reverts() -> None:
    chain = world()
    borrower(chain, 10 * 10**18, 15_000 * 10**6, dt=0)
    # 10 WETH * $1,875 * LT 0.8 = $15,000 = debt
    chain.set_price(WETH, 1_875 * WAD, 0, dt=0)
    assert chain.call(LENDING, ACCOUNT_DATA, BOB)[4] == WAD
    assert chain.fails(CAROL_KEY, LENDING, LIQUIDATE, BOB, USDC, WETH, 10**6, dt=0) == (
        "health factor is not below 1"
    )


def test_liquidation_repays_at_most_the_close_factor_and_seizes_collateral_plus_bonus() -> None:
    chain = world()
    borrower(chain, 10 * 10**18, 15_000 * 10**6, dt=0)
    chain.set_price(WETH, 1_850 * WAD, 0, dt=0)
    # liquidation limit 10 * 1,850 * 0.8 = 14,800 < 15,000: HF = 0.98666...
    assert chain.call(LENDING, ACCOUNT_DATA, BOB)[4] == 14_800 * WAD * WAD // (15_000 * WAD)
    weth_before, usdc_before = chain.balance(WETH, CAROL), chain.balance(USDC, CAROL)
    sent = chain.ok(CAROL_KEY, LENDING, LIQUIDATE, BOB, USDC, WETH, 10_000 * 10**6, dt=0)
    repaid = 15_000 * 10**6 * 50 // 100  # close factor 50% caps the 10,000 asked for
    # $7,500 of debt, plus the 5% bonus, in WETH at $1,850, rounded down
    seized = (7_500 * WAD) * (WAD + 5 * PERCENT) // WAD * 10**18 // (1_850 * WAD)
    assert seized == 4_256_756_756_756_756_756
    assert sent.returned("uint256", "uint256") == (repaid, seized)
    assert chain.balance(WETH, CAROL) == weth_before + seized
    assert chain.balance(USDC, CAROL) == usdc_before - repaid
    assert chain.call(LENDING, POSITION, BOB, WETH) == (10 * 10**18 - seized, 0)
    assert chain.call(LENDING, POSITION, BOB, USDC) == (0, 15_000 * 10**6 - repaid)


def test_liquidation_of_less_than_the_close_factor_repays_what_was_asked() -> None:
    chain = world()
    borrower(chain, 10 * 10**18, 15_000 * 10**6, dt=0)
    chain.set_price(WETH, 1_850 * WAD, 0, dt=0)
    sent = chain.ok(CAROL_KEY, LENDING, LIQUIDATE, BOB, USDC, WETH, 1_000 * 10**6, dt=0)
    seized = 1_000 * WAD * 105 // 100 * 10**18 // (1_850 * WAD)
    assert sent.returned("uint256", "uint256") == (1_000 * 10**6, seized)


def test_liquidation_with_short_collateral_seizes_all_of_it_and_repays_its_worth() -> None:
    chain = world()
    borrower(chain, 10**18, 1_500 * 10**6, dt=0)
    chain.set_price(WETH, 500 * WAD, 0, dt=0)
    # close factor allows 750 USDC, worth 750 * 1.05 / 500 = 1.575 WETH > the 1 WETH there is
    sent = chain.ok(CAROL_KEY, LENDING, LIQUIDATE, BOB, USDC, WETH, UINT256_MAX, dt=0)
    seized = 10**18
    seized_value = ceil_div(seized * 500 * WAD, 10**18)  # $500, rounded up
    repaid = ceil_div(ceil_div(seized_value * WAD, WAD + 5 * PERCENT) * 10**6, WAD)
    assert repaid == 476_190_477  # $500 / 1.05 = 476.190476... USDC, rounded up
    assert sent.returned("uint256", "uint256") == (repaid, seized)
    assert chain.call(LENDING, POSITION, BOB, WETH) == (0, 0)
    assert chain.call(LENDING, POSITION, BOB, USDC) == (0, 1_500 * 10**6 - repaid)
    # WETH's slot (the first) is freed; USDC keeps its slot
    entered: LendingAccount = chain.leaf(lending_account_key(BOB))
    assert entered == LendingAccount(0, int.from_bytes(USDC, "big"), 0, 0, 0, 0, 0, 0)


def test_liquidation_emits_a_liquidation_call_log() -> None:
    chain = world()
    borrower(chain, 10 * 10**18, 15_000 * 10**6, dt=0)
    chain.set_price(WETH, 1_850 * WAD, 0, dt=0)
    sent = chain.ok(CAROL_KEY, LENDING, LIQUIDATE, BOB, USDC, WETH, 1_000 * 10**6, dt=0)
    log = sent.logs[-1]
    assert log.topics == (
        compute_event_topic("LiquidationCall(address,address,address,address,uint256,uint256)"),
        encode_address_topic(CAROL),
        encode_address_topic(BOB),
        encode_address_topic(USDC),
    )
    seized = 1_000 * WAD * 105 // 100 * 10**18 // (1_850 * WAD)
    assert decode(["address", "uint256", "uint256"], log.data) == (
        hex_address(WETH),
        1_000 * 10**6,
        seized,
    )


def test_liquidating_oneself_reverts() -> None:
    chain = world()
    borrower(chain, 10 * 10**18, 15_000 * 10**6, dt=0)
    chain.set_price(WETH, 1_850 * WAD, 0, dt=0)
    assert chain.fails(BOB_KEY, LENDING, LIQUIDATE, BOB, USDC, WETH, 10**6, dt=0) == (
        "cannot liquidate yourself"
    )


def test_liquidation_against_collateral_the_borrower_lacks_reverts() -> None:
    chain = world()
    borrower(chain, 10 * 10**18, 15_000 * 10**6, dt=0)
    chain.set_price(WETH, 1_850 * WAD, 0, dt=0)
    assert chain.fails(CAROL_KEY, LENDING, LIQUIDATE, BOB, WETH, USDC, 10**6, dt=0) == (
        "borrower has no such debt"
    )


def test_liquidation_with_a_stale_price_reverts() -> None:
    chain = world()
    borrower(chain, 10 * 10**18, 15_000 * 10**6, dt=0)
    chain.set_price(WETH, 1_850 * WAD, 0, dt=0)
    assert (
        chain.fails(CAROL_KEY, LENDING, LIQUIDATE, BOB, USDC, WETH, 10**6, timestamp=1_000 + 3_601)
        == "stale price"
    )


# ---------------------------------------------------------------------------------------------
# Bounded market list


def test_an_account_can_be_in_at_most_eight_markets() -> None:
    tokens = [bytes.fromhex(f"42000000000000000000000000000000000030{i:02x}") for i in range(9)]
    document = base_document()
    for index, token in enumerate(tokens):
        document["tokens"].append(
            {
                "address": hex_address(token),
                "name": f"Token {index}",
                "symbol": f"T{index}",
                "decimals": 18,
                "balances": {hex_address(ALICE): "10.0"},
            }
        )
    document["prices"] = [{"asset": hex_address(token), "price": "1.0"} for token in tokens]
    document["markets"] = [{"asset": hex_address(token), **USDC_MARKET} for token in tokens]
    chain = Chain(document)
    for token in tokens:
        chain.approve(ALICE_KEY, token, LENDING)
    for token in tokens[:8]:
        chain.ok(ALICE_KEY, LENDING, SUPPLY, token, 10**18)
    assert chain.fails(ALICE_KEY, LENDING, SUPPLY, tokens[8], 10**18) == "too many markets entered"
    # leaving one market frees its slot
    chain.ok(ALICE_KEY, LENDING, WITHDRAW, tokens[3], UINT256_MAX)
    chain.ok(ALICE_KEY, LENDING, SUPPLY, tokens[8], 10**18)
    entered: LendingAccount = chain.leaf(lending_account_key(ALICE))
    assert entered[3] == int.from_bytes(tokens[8], "big")


def test_account_data_of_an_account_without_positions_is_zero() -> None:
    chain = world()
    assert chain.call(LENDING, ACCOUNT_DATA, CAROL) == (0, 0, 0, 0, UINT256_MAX)


@settings(max_examples=25, deadline=None)
@given(
    borrowed=st.integers(min_value=1, max_value=99_000),
    dt=st.integers(min_value=1, max_value=2 * SECONDS_PER_YEAR),
)
def test_interest_at_any_utilization_and_time_follows_the_jump_rate_model(
    borrowed: int, dt: int
) -> None:
    chain = world()
    borrower(chain, 100 * 10**18, borrowed * 10**6)  # $200,000 of WETH covers any borrow here
    start = chain.time
    utilization = borrowed * 10**6 * WAD // GENESIS_USDC_SUPPLY
    if utilization <= 80 * PERCENT:
        rate = 2 * PERCENT + 10 * PERCENT * utilization // (80 * PERCENT)
    else:
        rate = 12 * PERCENT + WAD * (utilization - 80 * PERCENT) // (20 * PERCENT)
    borrow_index = RAY + ceil_div(rate * dt * 10**9, SECONDS_PER_YEAR)
    total_borrowed = ceil_div(borrowed * 10**6 * borrow_index, RAY)
    interest = total_borrowed - borrowed * 10**6
    reserves = interest // 10
    supply_index = RAY + (interest - reserves) * RAY // GENESIS_USDC_SUPPLY
    summary = chain.call(LENDING, MARKET, USDC, timestamp=start + dt)
    assert summary[1:5] == (total_borrowed, reserves, supply_index, borrow_index)
    supplied = summary[0]
    assert chain.balance(USDC, LENDING) + total_borrowed >= supplied + reserves
