"""Lending markets (contracts/src/interfaces/ILending.sol).

One market per asset. Suppliers and borrowers hold *scaled* amounts; a market's supply and borrow
indexes (RAY) grow with interest, so interest accrues per second for everyone without touching their
leaves. Interest is accrued lazily: a market is brought up to date, and written, only when a
transaction acts on it; health checks value other markets at their accrued indexes without writing.

Rates follow a jump-rate model on utilization (Compound/Aave). Collateral factor and liquidation
threshold fall as the oracle reports more volatility, never below their floors (seed:
"collateral ratios that fluctuate based on asset volatility"). Debts round up, claims round down.
"""

from __future__ import annotations

from typing import NamedTuple

from rollup.abi import Revert, compute_event_topic, encode_address_topic, encode_arguments
from rollup.addresses import LENDING
from rollup.fixedpoint import (
    RAY,
    SECONDS_PER_YEAR,
    UINT256_MAX,
    WAD,
    add,
    mul,
    mul_div_down,
    mul_div_up,
    ray_div_down,
    ray_div_up,
    ray_mul_down,
    ray_mul_up,
    sub,
    wad_div_down,
    wad_div_up,
    wad_mul_down,
    wad_mul_up,
)
from rollup.state import (
    LendingAccount,
    Market,
    MarketConfig,
    Position,
    lending_account_key,
    market_config_key,
    market_key,
    position_key,
    price_key,
    token_key,
)
from rollup.system.context import CallContext, require
from rollup.system.oracle import get_price
from rollup.system.tokens import get_balance, move_tokens, spend_allowance

SUPPLY_TOPIC = compute_event_topic("Supply(address,address,uint256)")
WITHDRAW_TOPIC = compute_event_topic("Withdraw(address,address,uint256)")
BORROW_TOPIC = compute_event_topic("Borrow(address,address,uint256)")
REPAY_TOPIC = compute_event_topic("Repay(address,address,uint256)")
LIQUIDATION_TOPIC = compute_event_topic(
    "LiquidationCall(address,address,address,address,uint256,uint256)"
)


class AccountData(NamedTuple):
    """An account's lending position valued in USD (WAD)."""

    collateral_value: int
    debt_value: int
    borrow_limit: int
    liquidation_limit: int
    health_factor: int  # liquidation_limit / debt_value (WAD); 2**256-1 without debt


# ---------------------------------------------------------------------------------------------
# Rates and indexes


def compute_utilization(total_supplied: int, total_borrowed: int) -> int:
    """Borrowed share of supplied funds (WAD), capped at 100%."""
    if total_supplied == 0:
        return 0
    return min(wad_div_down(total_borrowed, total_supplied), WAD)


def compute_borrow_rate(config: MarketConfig, utilization: int) -> int:
    """Yearly borrow rate (WAD): base + slope1 up to the kink, then slope2 above it."""
    optimal = config.optimal_utilization
    if utilization <= optimal:
        return config.base_rate + mul_div_down(config.slope1, utilization, optimal)
    excess = utilization - optimal
    return config.base_rate + config.slope1 + mul_div_down(config.slope2, excess, WAD - optimal)


def compute_supply_rate(config: MarketConfig, utilization: int, borrow_rate: int) -> int:
    """Yearly supply rate (WAD): what borrowers pay, spread over suppliers, less the reserve cut."""
    return wad_mul_down(wad_mul_down(borrow_rate, utilization), WAD - config.reserve_factor)


def compute_total_supplied(market: Market) -> int:
    return ray_mul_down(market.total_supply_scaled, market.supply_index)


def compute_total_borrowed(market: Market) -> int:
    return ray_mul_up(market.total_borrow_scaled, market.borrow_index)


def compute_accrued_market(market: Market, config: MarketConfig, now: int) -> Market:
    """The market with interest accrued from its last update to `now` (linear per period).

    borrow_index grows by rate * dt / year (rounded up); of the interest borrowers now owe, the
    reserve factor goes to reserves and the rest raises supply_index (rounded down).
    """
    elapsed = now - market.last_update
    if elapsed <= 0:
        return market
    total_borrowed = compute_total_borrowed(market)
    total_supplied = compute_total_supplied(market)
    if market.total_borrow_scaled == 0:
        return market._replace(last_update=now)
    rate = compute_borrow_rate(config, compute_utilization(total_supplied, total_borrowed))
    growth = mul_div_up(mul(rate, elapsed), RAY // WAD, SECONDS_PER_YEAR)
    borrow_index = ray_mul_up(market.borrow_index, add(RAY, growth))
    interest = sub(ray_mul_up(market.total_borrow_scaled, borrow_index), total_borrowed)
    reserve_share = wad_mul_down(interest, config.reserve_factor)
    supply_index = market.supply_index
    if market.total_supply_scaled > 0:
        supply_index = add(
            supply_index, mul_div_down(interest - reserve_share, RAY, market.total_supply_scaled)
        )
    return Market(
        total_supply_scaled=market.total_supply_scaled,
        total_borrow_scaled=market.total_borrow_scaled,
        supply_index=supply_index,
        borrow_index=borrow_index,
        reserves=add(market.reserves, reserve_share),
        last_update=now,
    )


def get_market_config(ctx: CallContext, asset: bytes) -> MarketConfig:
    config: MarketConfig = ctx.state.get(market_config_key(asset))
    require(config.listed == 1, "market not listed")
    return config


def accrue_interest(ctx: CallContext, asset: bytes) -> tuple[Market, MarketConfig]:
    """Bring a market up to the block's time and write it."""
    config = get_market_config(ctx, asset)
    market: Market = ctx.state.get(market_key(asset))
    accrued = compute_accrued_market(market, config, ctx.block.timestamp)
    if accrued != market:
        ctx.state.set(market_key(asset), accrued)
    return accrued, config


def view_market(ctx: CallContext, asset: bytes) -> tuple[Market, MarketConfig]:
    """A market accrued to the block's time without writing it (valuations, views)."""
    config = get_market_config(ctx, asset)
    market: Market = ctx.state.get(market_key(asset))
    return compute_accrued_market(market, config, ctx.block.timestamp), config


# ---------------------------------------------------------------------------------------------
# Risk


def compute_volatility_penalty(config: MarketConfig, volatility: int) -> int:
    return wad_mul_up(config.volatility_sensitivity, volatility)


def compute_collateral_factor(config: MarketConfig, volatility: int) -> int:
    """Collateral factor lowered by volatility, floor-bounded."""
    penalty = compute_volatility_penalty(config, volatility)
    if config.collateral_factor <= penalty:
        return config.collateral_factor_floor
    return max(config.collateral_factor - penalty, config.collateral_factor_floor)


def compute_liquidation_threshold(config: MarketConfig, volatility: int) -> int:
    """Liquidation threshold lowered by volatility, floor-bounded."""
    penalty = compute_volatility_penalty(config, volatility)
    if config.liquidation_threshold <= penalty:
        return config.liquidation_threshold_floor
    return max(config.liquidation_threshold - penalty, config.liquidation_threshold_floor)


def compute_max_leverage(collateral_factor: int) -> int:
    """1 / (1 - CF) in WAD: the geometric limit of supply -> borrow -> supply loops."""
    require(collateral_factor < WAD, "collateral factor must be below 1")
    return wad_div_down(WAD, WAD - collateral_factor)


def get_decimals_unit(ctx: CallContext, asset: bytes) -> int:
    decimals: int = ctx.state.get(token_key(asset)).decimals
    unit: int = 10**decimals
    return unit


def compute_value_down(amount: int, price: int, unit: int) -> int:
    return mul_div_down(amount, price, unit)


def compute_value_up(amount: int, price: int, unit: int) -> int:
    return mul_div_up(amount, price, unit)


def get_entered_markets(ctx: CallContext, account: bytes) -> list[bytes]:
    leaf: LendingAccount = ctx.state.get(lending_account_key(account))
    return [slot.to_bytes(20, "big") for slot in leaf if slot != 0]


def enter_market(ctx: CallContext, account: bytes, asset: bytes) -> None:
    """Record that `account` has a position in `asset`'s market (first free slot)."""
    key = lending_account_key(account)
    leaf: LendingAccount = ctx.state.get(key)
    asset_word = int.from_bytes(asset, "big")
    if asset_word in leaf:
        return
    slots = list(leaf)
    for index, slot in enumerate(slots):
        if slot == 0:
            slots[index] = asset_word
            ctx.state.set(key, LendingAccount(*slots))
            return
    raise Revert("too many markets entered")


def exit_market_if_empty(ctx: CallContext, account: bytes, asset: bytes) -> None:
    """Free the account's slot for `asset` once it neither supplies nor borrows it."""
    position: Position = ctx.state.get(position_key(account, asset))
    if position.supply_scaled != 0 or position.borrow_scaled != 0:
        return
    key = lending_account_key(account)
    leaf: LendingAccount = ctx.state.get(key)
    asset_word = int.from_bytes(asset, "big")
    ctx.state.set(key, LendingAccount(*(0 if slot == asset_word else slot for slot in leaf)))


def compute_account_data(ctx: CallContext, account: bytes, require_fresh: bool) -> AccountData:
    """Value every market the account is in, at accrued indexes and oracle prices."""
    collateral_value = debt_value = borrow_limit = liquidation_limit = 0
    for asset in get_entered_markets(ctx, account):
        market, config = view_market(ctx, asset)
        position: Position = ctx.state.get(position_key(account, asset))
        price = get_price(ctx, asset, require_fresh)
        unit = get_decimals_unit(ctx, asset)
        if position.supply_scaled:
            supplied = ray_mul_down(position.supply_scaled, market.supply_index)
            value = compute_value_down(supplied, price.price, unit)
            collateral_value += value
            borrow_limit += wad_mul_down(value, compute_collateral_factor(config, price.volatility))
            liquidation_limit += wad_mul_down(
                value, compute_liquidation_threshold(config, price.volatility)
            )
        if position.borrow_scaled:
            borrowed = ray_mul_up(position.borrow_scaled, market.borrow_index)
            debt_value += compute_value_up(borrowed, price.price, unit)
    health_factor = UINT256_MAX if debt_value == 0 else wad_div_down(liquidation_limit, debt_value)
    return AccountData(collateral_value, debt_value, borrow_limit, liquidation_limit, health_factor)


def has_debt(ctx: CallContext, account: bytes) -> bool:
    """Whether the account owes anything in any market (no prices needed)."""
    return any(
        ctx.state.get(position_key(account, asset)).borrow_scaled > 0
        for asset in get_entered_markets(ctx, account)
    )


def require_within_borrow_limit(ctx: CallContext, account: bytes, reason: str) -> None:
    """Revert unless the account's debt is covered by its volatility-adjusted borrow limit."""
    data = compute_account_data(ctx, account, require_fresh=True)
    require(data.debt_value <= data.borrow_limit, reason)


def get_cash(ctx: CallContext, asset: bytes) -> int:
    """Tokens the lending contract holds for a market: what can be borrowed or withdrawn now."""
    return get_balance(ctx.state, asset, LENDING)


def emit_lending_event(
    ctx: CallContext, topic: bytes, account: bytes, asset: bytes, amount: int
) -> None:
    ctx.emit(
        LENDING,
        (topic, encode_address_topic(account), encode_address_topic(asset)),
        encode_arguments(["uint256"], [amount]),
    )


# ---------------------------------------------------------------------------------------------
# Position changes, shared by the public functions, leverage and liquidation


def credit_supply(ctx: CallContext, account: bytes, asset: bytes, amount: int) -> int:
    """Add `amount` (already held by the lending contract) to the account's supply; return scaled."""
    market, _config = accrue_interest(ctx, asset)
    scaled = ray_div_down(amount, market.supply_index)
    require(scaled > 0, "supply amount too small")
    key = position_key(account, asset)
    position: Position = ctx.state.get(key)
    ctx.state.set(key, position._replace(supply_scaled=add(position.supply_scaled, scaled)))
    ctx.state.set(
        market_key(asset),
        market._replace(total_supply_scaled=add(market.total_supply_scaled, scaled)),
    )
    enter_market(ctx, account, asset)
    emit_lending_event(ctx, SUPPLY_TOPIC, account, asset, amount)
    return scaled


def debit_supply(ctx: CallContext, account: bytes, asset: bytes, amount: int) -> int:
    """Remove supply worth `amount` (2**256-1: all of it) from the account; return the amount."""
    market, _config = accrue_interest(ctx, asset)
    key = position_key(account, asset)
    position: Position = ctx.state.get(key)
    balance = ray_mul_down(position.supply_scaled, market.supply_index)
    if amount == UINT256_MAX:
        amount = balance
    require(amount > 0, "nothing to withdraw")
    require(amount <= balance, "withdraw amount exceeds supply")
    scaled = (
        position.supply_scaled if amount == balance else ray_div_up(amount, market.supply_index)
    )
    scaled = min(scaled, position.supply_scaled)
    require(amount <= get_cash(ctx, asset), "insufficient liquidity in market")
    ctx.state.set(key, position._replace(supply_scaled=position.supply_scaled - scaled))
    ctx.state.set(
        market_key(asset),
        market._replace(total_supply_scaled=sub(market.total_supply_scaled, scaled)),
    )
    exit_market_if_empty(ctx, account, asset)
    emit_lending_event(ctx, WITHDRAW_TOPIC, account, asset, amount)
    return amount


def add_debt(ctx: CallContext, account: bytes, asset: bytes, amount: int) -> None:
    """Record a new borrow of `amount` (the caller pays it out of the market's cash)."""
    market, _config = accrue_interest(ctx, asset)
    require(amount > 0, "borrow amount is zero")
    require(amount <= get_cash(ctx, asset), "insufficient liquidity in market")
    scaled = ray_div_up(amount, market.borrow_index)
    key = position_key(account, asset)
    position: Position = ctx.state.get(key)
    ctx.state.set(key, position._replace(borrow_scaled=add(position.borrow_scaled, scaled)))
    ctx.state.set(
        market_key(asset),
        market._replace(total_borrow_scaled=add(market.total_borrow_scaled, scaled)),
    )
    enter_market(ctx, account, asset)
    emit_lending_event(ctx, BORROW_TOPIC, account, asset, amount)


def get_debt(ctx: CallContext, account: bytes, asset: bytes) -> int:
    """The account's current debt in `asset`, accrued and rounded up."""
    market, _config = view_market(ctx, asset)
    position: Position = ctx.state.get(position_key(account, asset))
    return ray_mul_up(position.borrow_scaled, market.borrow_index)


def reduce_debt(ctx: CallContext, account: bytes, asset: bytes, amount: int) -> int:
    """Cancel up to `amount` of debt (2**256-1: all); return what was cancelled (to be paid in)."""
    market, _config = accrue_interest(ctx, asset)
    key = position_key(account, asset)
    position: Position = ctx.state.get(key)
    debt = ray_mul_up(position.borrow_scaled, market.borrow_index)
    require(debt > 0, "no debt to repay")
    if amount >= debt:
        amount, scaled = debt, position.borrow_scaled
    else:
        scaled = min(ray_div_down(amount, market.borrow_index), position.borrow_scaled)
    require(amount > 0, "repay amount is zero")
    ctx.state.set(key, position._replace(borrow_scaled=position.borrow_scaled - scaled))
    ctx.state.set(
        market_key(asset),
        market._replace(total_borrow_scaled=sub(market.total_borrow_scaled, scaled)),
    )
    exit_market_if_empty(ctx, account, asset)
    emit_lending_event(ctx, REPAY_TOPIC, account, asset, amount)
    return amount


# ---------------------------------------------------------------------------------------------
# Public functions


def supply(ctx: CallContext, asset: bytes, amount: int) -> None:
    """Deposit `amount` of `asset` (allowance to the lending contract) and earn supply interest."""
    get_market_config(ctx, asset)
    require(amount > 0, "supply amount is zero")
    spend_allowance(ctx, asset, ctx.sender, LENDING, amount)
    move_tokens(ctx, asset, ctx.sender, LENDING, amount)
    credit_supply(ctx, ctx.sender, asset, amount)


def withdraw(ctx: CallContext, asset: bytes, amount: int) -> int:
    """Take supplied funds back; reverts if the remaining collateral would not cover the debt."""
    withdrawn = debit_supply(ctx, ctx.sender, asset, amount)
    if has_debt(ctx, ctx.sender):
        require_within_borrow_limit(ctx, ctx.sender, "withdrawal would exceed borrow limit")
    move_tokens(ctx, asset, LENDING, ctx.sender, withdrawn)
    return withdrawn


def borrow(ctx: CallContext, asset: bytes, amount: int) -> None:
    """Borrow against supplied collateral, within the volatility-adjusted borrow limit."""
    add_debt(ctx, ctx.sender, asset, amount)
    require_within_borrow_limit(ctx, ctx.sender, "borrow exceeds borrow limit")
    move_tokens(ctx, asset, LENDING, ctx.sender, amount)


def repay(ctx: CallContext, asset: bytes, amount: int) -> int:
    """Repay the caller's own debt (2**256-1: all of it); a larger amount is capped at the debt."""
    repaid = reduce_debt(ctx, ctx.sender, asset, amount)
    spend_allowance(ctx, asset, ctx.sender, LENDING, repaid)
    move_tokens(ctx, asset, ctx.sender, LENDING, repaid)
    return repaid


def compute_seized_collateral(
    repaid: int,
    debt_price: int,
    debt_unit: int,
    collateral_price: int,
    collateral_unit: int,
    bonus: int,
) -> int:
    """Collateral worth `repaid` of debt plus the liquidation bonus, rounded down."""
    repaid_value = mul_div_down(repaid, debt_price, debt_unit)
    return mul_div_down(wad_mul_down(repaid_value, WAD + bonus), collateral_unit, collateral_price)


def compute_repay_for_collateral(
    seized: int,
    debt_price: int,
    debt_unit: int,
    collateral_price: int,
    collateral_unit: int,
    bonus: int,
) -> int:
    """Debt a liquidator must repay to take `seized` collateral, rounded up."""
    seized_value = mul_div_up(seized, collateral_price, collateral_unit)
    return mul_div_up(wad_div_up(seized_value, WAD + bonus), debt_unit, debt_price)


def liquidate(
    ctx: CallContext, borrower: bytes, debt_asset: bytes, collateral_asset: bytes, repay_amount: int
) -> tuple[int, int]:
    """Repay part of an unhealthy borrower's debt and receive its collateral plus the bonus.

    The borrower's health factor must be below 1; at most close_factor of the debt goes in one
    call; if the borrower's collateral is short, the repayment shrinks to match it.
    """
    require(borrower != ctx.sender, "cannot liquidate yourself")
    debt_market, debt_config = accrue_interest(ctx, debt_asset)
    collateral_market, collateral_config = accrue_interest(ctx, collateral_asset)
    data = compute_account_data(ctx, borrower, require_fresh=True)
    require(data.health_factor < WAD, "health factor is not below 1")

    debt = ray_mul_up(
        ctx.state.get(position_key(borrower, debt_asset)).borrow_scaled, debt_market.borrow_index
    )
    require(debt > 0, "borrower has no such debt")
    collateral_position: Position = ctx.state.get(position_key(borrower, collateral_asset))
    collateral = ray_mul_down(collateral_position.supply_scaled, collateral_market.supply_index)
    require(collateral > 0, "borrower has no such collateral")

    repaid = min(repay_amount, wad_mul_down(debt, debt_config.close_factor))
    require(repaid > 0, "repay amount is zero")
    debt_price = get_price(ctx, debt_asset, require_fresh=True).price
    collateral_price = get_price(ctx, collateral_asset, require_fresh=True).price
    debt_unit = get_decimals_unit(ctx, debt_asset)
    collateral_unit = get_decimals_unit(ctx, collateral_asset)
    bonus = collateral_config.liquidation_bonus
    seized = compute_seized_collateral(
        repaid, debt_price, debt_unit, collateral_price, collateral_unit, bonus
    )
    if seized > collateral:
        seized = collateral
        repaid = min(
            repaid,
            compute_repay_for_collateral(
                seized, debt_price, debt_unit, collateral_price, collateral_unit, bonus
            ),
        )
    require(seized > 0, "nothing to seize")

    reduce_debt(ctx, borrower, debt_asset, repaid)
    spend_allowance(ctx, debt_asset, ctx.sender, LENDING, repaid)
    move_tokens(ctx, debt_asset, ctx.sender, LENDING, repaid)
    debit_supply(ctx, borrower, collateral_asset, seized)
    move_tokens(ctx, collateral_asset, LENDING, ctx.sender, seized)
    ctx.emit(
        LENDING,
        (
            LIQUIDATION_TOPIC,
            encode_address_topic(ctx.sender),
            encode_address_topic(borrower),
            encode_address_topic(debt_asset),
        ),
        encode_arguments(["address", "uint256", "uint256"], [collateral_asset, repaid, seized]),
    )
    return repaid, seized


# ---------------------------------------------------------------------------------------------
# Views


def get_position(ctx: CallContext, account: bytes, asset: bytes) -> tuple[int, int]:
    market, _config = view_market(ctx, asset)
    position: Position = ctx.state.get(position_key(account, asset))
    return (
        ray_mul_down(position.supply_scaled, market.supply_index),
        ray_mul_up(position.borrow_scaled, market.borrow_index),
    )


def get_market_summary(ctx: CallContext, asset: bytes) -> tuple[int, ...]:
    market, config = view_market(ctx, asset)
    supplied = compute_total_supplied(market)
    borrowed = compute_total_borrowed(market)
    utilization = compute_utilization(supplied, borrowed)
    borrow_rate = compute_borrow_rate(config, utilization)
    supply_rate = compute_supply_rate(config, utilization, borrow_rate)
    return (
        supplied,
        borrowed,
        market.reserves,
        market.supply_index,
        market.borrow_index,
        utilization,
        borrow_rate,
        supply_rate,
        market.last_update,
    )


def get_risk_parameters(ctx: CallContext, asset: bytes) -> tuple[int, int, int, int]:
    config = get_market_config(ctx, asset)
    volatility = ctx.state.get(price_key(asset)).volatility
    return (
        compute_collateral_factor(config, volatility),
        compute_liquidation_threshold(config, volatility),
        config.liquidation_bonus,
        config.close_factor,
    )
