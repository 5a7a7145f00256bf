"""Perpetual futures (contracts/src/interfaces/IPerps.sol), normative text in docs/PERPETUALS.md.

One market per asset, margined and settled in USDC, priced by the oracle (rollup.system.oracle).
The model is Synthetix v3's skew-based perp: a fill pays a premium proportional to the market's
skew, funding drifts with the skew (the rate's velocity, not the rate, follows the skew), maker and
taker fees depend on whether an order reduces or increases the skew, and margin requirements grow
with the position's size and the oracle's volatility. Each position is isolated (one margin per
account and market). A liquidation pays the keeper, gives what margin is left to the market's
insurance fund, and covers a shortfall from the fund first, then from the other side's open
positions through one bad-debt index per side, applied lazily like funding. A leaky bucket bounds
the size liquidated per block.

Every function touches a fixed list of leaves: the market, its configuration, one position, the
price, the System leaf, the settlement token's registry leaf and balances (and an allowance).

Arithmetic is integer-only and written the way the Solidity mirror writes it: uint256 with
rollup.fixedpoint's checked helpers, int256 with the signed ones (signed fields are two's
complement words in the leaves), every division's rounding stated and chosen against the trader.
Sizes are WAD units of the asset (1e18 = one whole token, whatever its decimals); prices and every
USD amount (margin, PnL, funding, fees, fund, cash) are WAD; USDC is valued at exactly 1 USD and
converted at `scale = 10**(18 - decimals)` base units per WAD unit, only when tokens move.
"""

from __future__ import annotations

from typing import NamedTuple

from rollup.abi import compute_event_topic, encode_address_topic, encode_arguments
from rollup.addresses import PERPS
from rollup.fixedpoint import (
    UINT256_MAX,
    WAD,
    add,
    from_word,
    mul,
    mul_div_down,
    mul_div_up,
    signed_add,
    signed_mul,
    signed_mul_div_ceil,
    signed_mul_div_floor,
    signed_sub,
    sub,
    to_int,
    to_word,
)
from rollup.state import (
    PerpsMarket,
    PerpsMarketConfig,
    PerpsPosition,
    Price,
    TokenBalance,
    balance_key,
    perps_market_config_key,
    perps_market_key,
    perps_position_key,
    token_key,
)
from rollup.system.context import CallContext, require
from rollup.system.oracle import get_price
from rollup.system.tokens import move_tokens, spend_allowance

SECONDS_PER_DAY = 86_400

MARGIN_DEPOSITED_TOPIC = compute_event_topic("MarginDeposited(address,address,uint256)")
MARGIN_WITHDRAWN_TOPIC = compute_event_topic("MarginWithdrawn(address,address,uint256)")
POSITION_MODIFIED_TOPIC = compute_event_topic(
    "PositionModified(address,address,int256,int256,uint256,uint256,int256)"
)
POSITION_LIQUIDATED_TOPIC = compute_event_topic(
    "PositionLiquidated(address,address,address,int256,uint256,uint256,uint256,uint256,uint256)"
)


class PositionValues(NamedTuple):
    """A position valued at a price (USD WAD; signed where noted)."""

    pnl: int  # signed: size * (price - entry), floor
    funding: int  # signed: funding accrued since the last realization, floor
    bad_debt: int  # bad debt charged since the last realization, ceil
    equity: int  # signed: margin + pnl + funding - bad_debt


class Requirements(NamedTuple):
    """What a position of some size needs at a price (USD WAD)."""

    initial_margin: int  # notional * IMR + min_margin (ceil)
    maintenance_margin: int  # notional * MMR + min_margin (ceil)
    keeper_reward: int  # clamp(rho * notional, min, max), floor, whole settlement-token units


# ---------------------------------------------------------------------------------------------
# Leaves


def get_market_config(ctx: CallContext, asset: bytes) -> PerpsMarketConfig:
    config: PerpsMarketConfig = ctx.state.get(perps_market_config_key(asset))
    require(config.listed == 1, "perps market not listed")
    return config


def get_margin_token(config: PerpsMarketConfig) -> bytes:
    return config.margin_token.to_bytes(20, "big")


def get_margin_scale(ctx: CallContext, config: PerpsMarketConfig) -> int:
    """USD WAD per base unit of the settlement token: 10**(18 - decimals) (genesis: decimals <= 18)."""
    decimals: int = ctx.state.get(token_key(get_margin_token(config))).decimals
    scale: int = 10 ** (18 - decimals)
    return scale


def require_market_liquidity(ctx: CallContext, config: PerpsMarketConfig, amount: int) -> None:
    """A payout of `amount` tokens must not exceed what the perps contract holds.

    The net skew's profit is not backed (docs/PERPETUALS.md §5, "Market liquidity"): when winners
    have realized more than the losers' margins, the fund and the cash hold, the payout is refused
    with its own reason, before the function's own writes and before any token moves.
    """
    held: TokenBalance = ctx.state.get(balance_key(get_margin_token(config), PERPS))
    require(amount <= held.amount, "insufficient market liquidity")


# ---------------------------------------------------------------------------------------------
# Funding


def compute_proportional_skew(skew: int, config: PerpsMarketConfig) -> int:
    """clamp(skew / skew_scale, -1, 1) in WAD, floor."""
    proportional = signed_mul_div_floor(skew, WAD, config.skew_scale)
    return max(-WAD, min(WAD, proportional))


def compute_funding_velocity(skew: int, config: PerpsMarketConfig) -> int:
    """Change of the daily funding rate per day (WAD): proportional skew * max velocity, floor."""
    return signed_mul_div_floor(
        compute_proportional_skew(skew, config), to_int(config.max_funding_velocity), WAD
    )


def compute_accrued_market(
    market: PerpsMarket, config: PerpsMarketConfig, price: int, now: int
) -> PerpsMarket:
    """The market with funding accrued from last_funding_time to `now` at `price`.

    r = r_last + floor(v * dt / day); the index moves by floor(-(r_last + r) * dt * price /
    (2 * day * WAD)): the mean rate over the interval, paid by longs when positive.
    """
    elapsed = now - market.last_funding_time
    if elapsed <= 0:
        return market
    last_rate = from_word(market.funding_rate)
    velocity = compute_funding_velocity(from_word(market.skew), config)
    rate = signed_add(last_rate, signed_mul_div_floor(velocity, elapsed, SECONDS_PER_DAY))
    mean_rate_times_two = signed_add(last_rate, rate)
    delta = signed_mul_div_floor(
        signed_mul(signed_sub(0, mean_rate_times_two), elapsed),
        to_int(price),
        2 * SECONDS_PER_DAY * WAD,
    )
    return market._replace(
        funding_rate=to_word(rate),
        funding_index=to_word(signed_add(from_word(market.funding_index), delta)),
        last_funding_time=now,
    )


def accrue_funding(
    ctx: CallContext, asset: bytes, config: PerpsMarketConfig, price: int
) -> PerpsMarket:
    """Bring the market's funding up to the block's time (the caller writes the market)."""
    market: PerpsMarket = ctx.state.get(perps_market_key(asset))
    return compute_accrued_market(market, config, price, ctx.block.timestamp)


# ---------------------------------------------------------------------------------------------
# Trades: fill price and fees


def compute_fill_price(skew: int, delta: int, price: int, config: PerpsMarketConfig) -> int:
    """The mean of p(1 + skew/S) and p(1 + (skew + delta)/S): p + p(2 skew + delta) / (2 S).

    The premium rounds against the trader: up for a buy (delta > 0), down for a sell.
    """
    numerator = signed_add(signed_mul(2, skew), delta)
    denominator = mul(2, config.skew_scale)
    if delta > 0:
        premium = signed_mul_div_ceil(to_int(price), numerator, denominator)
    else:
        premium = signed_mul_div_floor(to_int(price), numerator, denominator)
    fill = signed_add(to_int(price), premium)
    require(fill > 0, "fill price out of range")
    return fill


def split_maker_taker(skew: int, delta: int) -> tuple[int, int]:
    """(maker size, taker size) of an order: maker where it reduces |skew|, taker where it grows it."""
    size = abs(delta)
    if skew == 0 or (skew > 0) == (delta > 0):
        return 0, size
    if size <= abs(skew):
        return size, 0
    return abs(skew), size - abs(skew)


def compute_order_fee(skew: int, delta: int, fill: int, config: PerpsMarketConfig) -> int:
    """(maker * maker_fee + taker * taker_fee) * fill / WAD^2, rounded up."""
    maker, taker = split_maker_taker(skew, delta)
    weighted = add(mul(maker, config.maker_fee), mul(taker, config.taker_fee))
    return mul_div_up(weighted, fill, WAD * WAD)


# ---------------------------------------------------------------------------------------------
# Margin


def compute_initial_margin_ratio(config: PerpsMarketConfig, size: int, volatility: int) -> int:
    """min(minIMR + ceil(|size| k / S) + ceil(sensitivity * volatility), 1) in WAD."""
    ratio = add(
        add(
            config.min_initial_margin_ratio,
            mul_div_up(abs(size), config.initial_margin_slope, config.skew_scale),
        ),
        mul_div_up(config.volatility_sensitivity, volatility, WAD),
    )
    return min(ratio, WAD)


def compute_maintenance_margin_ratio(config: PerpsMarketConfig, initial_ratio: int) -> int:
    """IMR * mm_scalar, rounded up."""
    return mul_div_up(initial_ratio, config.maintenance_margin_scalar, WAD)


def compute_keeper_reward(config: PerpsMarketConfig, size: int, price: int, scale: int) -> int:
    """clamp(floor(rho * floor(notional)), min, max), rounded down to whole token units."""
    notional = mul_div_down(abs(size), price, WAD)
    reward = mul_div_down(notional, config.keeper_reward_ratio, WAD)
    reward = min(max(reward, config.keeper_reward_min), config.keeper_reward_max)
    return reward - reward % scale


def compute_requirements(
    config: PerpsMarketConfig, size: int, price: int, volatility: int, scale: int
) -> Requirements:
    """Initial and maintenance margin (notional rounded up) and the keeper reward of `size`."""
    if size == 0:
        return Requirements(0, 0, 0)
    notional = mul_div_up(abs(size), price, WAD)
    initial_ratio = compute_initial_margin_ratio(config, size, volatility)
    maintenance_ratio = compute_maintenance_margin_ratio(config, initial_ratio)
    return Requirements(
        initial_margin=add(mul_div_up(notional, initial_ratio, WAD), config.min_margin),
        maintenance_margin=add(mul_div_up(notional, maintenance_ratio, WAD), config.min_margin),
        keeper_reward=compute_keeper_reward(config, size, price, scale),
    )


def get_side_bad_debt_index(market: PerpsMarket, size: int) -> int:
    """The bad-debt index of the side `size` is on (0 for no position)."""
    if size > 0:
        return market.long_bad_debt_index
    if size < 0:
        return market.short_bad_debt_index
    return 0


def compute_pnl(size: int, entry_price: int, price: int) -> int:
    """size * (price - entry) / WAD, floor (against the trader)."""
    return signed_mul_div_floor(size, signed_sub(to_int(price), to_int(entry_price)), WAD)


def compute_position_values(
    position: PerpsPosition, market: PerpsMarket, price: int
) -> PositionValues:
    """PnL at `price`, funding and bad debt since the last realization, and the equity."""
    size = from_word(position.size)
    margin = to_int(position.margin)
    if size == 0:
        return PositionValues(0, 0, 0, margin)
    pnl = compute_pnl(size, position.entry_price, price)
    funding = signed_mul_div_floor(
        size,
        signed_sub(from_word(market.funding_index), from_word(position.funding_index)),
        WAD,
    )
    bad_debt = to_int(
        mul_div_up(
            abs(size), sub(get_side_bad_debt_index(market, size), position.bad_debt_index), WAD
        )
    )
    equity = signed_sub(signed_add(signed_add(margin, pnl), funding), bad_debt)
    return PositionValues(pnl, funding, bad_debt, equity)


def is_liquidatable(values: PositionValues, requirements: Requirements) -> bool:
    """equity < maintenance margin + keeper reward."""
    return values.equity < add(requirements.maintenance_margin, requirements.keeper_reward)


def compute_open_interest(market: PerpsMarket, old_size: int, new_size: int) -> tuple[int, int]:
    """(long, short) open interest after a position goes from `old_size` to `new_size`."""
    long_oi = add(sub(market.long_open_interest, max(old_size, 0)), max(new_size, 0))
    short_oi = add(sub(market.short_open_interest, max(-old_size, 0)), max(-new_size, 0))
    return long_oi, short_oi


# ---------------------------------------------------------------------------------------------
# Liquidation bucket


def compute_drained_bucket(market: PerpsMarket, config: PerpsMarketConfig, number: int) -> int:
    """The bucket's level at block `number`: capacity drains per block since the last drain."""
    blocks = number - market.liquidation_block
    if blocks <= 0:
        return market.liquidation_bucket
    drained = mul(blocks, config.liquidation_capacity)
    return market.liquidation_bucket - drained if market.liquidation_bucket > drained else 0


# ---------------------------------------------------------------------------------------------
# Events


def emit_margin_event(
    ctx: CallContext, topic: bytes, account: bytes, asset: bytes, amount: int
) -> None:
    ctx.emit(
        PERPS,
        (topic, encode_address_topic(account), encode_address_topic(asset)),
        encode_arguments(["uint256"], [amount]),
    )


# ---------------------------------------------------------------------------------------------
# Public functions


def deposit_margin(ctx: CallContext, asset: bytes, amount: int) -> None:
    """Move `amount` of the settlement token from the caller (allowance) into its margin."""
    config = get_market_config(ctx, asset)
    require(amount > 0, "deposit amount is zero")
    scale = get_margin_scale(ctx, config)
    token = get_margin_token(config)
    spend_allowance(ctx, token, ctx.sender, PERPS, amount)
    move_tokens(ctx, token, ctx.sender, PERPS, amount)
    key = perps_position_key(ctx.sender, asset)
    position: PerpsPosition = ctx.state.get(key)
    ctx.state.set(key, position._replace(margin=add(position.margin, mul(amount, scale))))
    emit_margin_event(ctx, MARGIN_DEPOSITED_TOPIC, ctx.sender, asset, amount)


def withdraw_margin(ctx: CallContext, asset: bytes, amount: int) -> int:
    """Pay margin back in tokens (2**256-1: all of it, in whole token units).

    With an open position, the equity left must cover the initial margin plus the keeper reward at
    a fresh price; funding is accrued and the market written first.
    """
    config = get_market_config(ctx, asset)
    scale = get_margin_scale(ctx, config)
    key = perps_position_key(ctx.sender, asset)
    position: PerpsPosition = ctx.state.get(key)
    if amount == UINT256_MAX:
        amount = position.margin // scale
    require(amount > 0, "withdraw amount is zero")
    value = mul(amount, scale)
    require(value <= position.margin, "withdraw amount exceeds margin")
    require_market_liquidity(ctx, config, amount)
    position = position._replace(margin=position.margin - value)
    size = from_word(position.size)
    if size != 0:
        report = get_price(ctx, asset, require_fresh=True)
        market = accrue_funding(ctx, asset, config, report.price)
        ctx.state.set(perps_market_key(asset), market)
        values = compute_position_values(position, market, report.price)
        requirements = compute_requirements(config, size, report.price, report.volatility, scale)
        required = add(requirements.initial_margin, requirements.keeper_reward)
        require(values.equity >= to_int(required), "withdrawal below initial margin")
    ctx.state.set(key, position)
    move_tokens(ctx, get_margin_token(config), PERPS, ctx.sender, amount)
    emit_margin_event(ctx, MARGIN_WITHDRAWN_TOPIC, ctx.sender, asset, amount)
    return amount


def modify_position(
    ctx: CallContext, asset: bytes, size_delta: int, acceptable_price: int, deadline: int
) -> tuple[int, int]:
    """Change the caller's position by `size_delta` at the fill price; return (fill, fee)."""
    config = get_market_config(ctx, asset)
    require(size_delta != 0, "size delta is zero")
    require(ctx.block.timestamp <= deadline, "deadline passed")
    report = get_price(ctx, asset, require_fresh=True)
    return execute_order(ctx, asset, config, report, size_delta, acceptable_price)


def execute_order(
    ctx: CallContext,
    asset: bytes,
    config: PerpsMarketConfig,
    report: Price,
    delta: int,
    acceptable_price: int,
) -> tuple[int, int]:
    """The trade: checks, realization of PnL, funding and bad debt at the fill, the new position."""
    price = report.price
    scale = get_margin_scale(ctx, config)
    market = accrue_funding(ctx, asset, config, price)
    key = perps_position_key(ctx.sender, asset)
    position: PerpsPosition = ctx.state.get(key)
    size = from_word(position.size)
    if size != 0:
        values = compute_position_values(position, market, price)
        requirements = compute_requirements(config, size, price, report.volatility, scale)
        require(not is_liquidatable(values, requirements), "position is liquidatable")
    new_size = signed_add(size, delta)
    require(
        new_size == 0 or abs(new_size) >= config.min_position_size, "position size below minimum"
    )
    skew = from_word(market.skew)
    fill = compute_fill_price(skew, delta, price, config)
    if delta > 0:
        require(fill <= acceptable_price, "fill price beyond acceptable price")
    else:
        require(fill >= acceptable_price, "fill price beyond acceptable price")
    fee = compute_order_fee(skew, delta, fill, config)

    # Realize everything at the fill price: the position reopens at `fill` with `new_size`.
    at_fill = compute_position_values(position, market, fill)
    realized = signed_sub(at_fill.equity, to_int(position.margin))  # pnl + funding - bad debt
    margin = signed_sub(at_fill.equity, to_int(fee))
    require(margin >= 0, "insufficient margin")

    long_oi, short_oi = compute_open_interest(market, size, new_size)
    if long_oi > market.long_open_interest:
        require(long_oi <= config.max_open_interest, "open interest cap exceeded")
    if short_oi > market.short_open_interest:
        require(short_oi <= config.max_open_interest, "open interest cap exceeded")

    if new_size != 0:
        equity = signed_add(margin, compute_pnl(new_size, fill, price))
        requirements = compute_requirements(config, new_size, price, report.volatility, scale)
        increasing = size == 0 or (size > 0) != (new_size > 0) or abs(new_size) > abs(size)
        if increasing:
            required = add(requirements.initial_margin, requirements.keeper_reward)
        else:
            required = add(requirements.maintenance_margin, requirements.keeper_reward)
        require(equity >= to_int(required), "insufficient margin")

    market = market._replace(
        skew=to_word(signed_add(skew, delta)),
        long_open_interest=long_oi,
        short_open_interest=short_oi,
        insurance_fund=add(market.insurance_fund, fee),
        cash=to_word(signed_sub(from_word(market.cash), realized)),
    )
    ctx.state.set(perps_market_key(asset), market)
    ctx.state.set(
        key,
        PerpsPosition(
            size=to_word(new_size),
            entry_price=fill if new_size != 0 else 0,
            margin=margin,
            funding_index=market.funding_index if new_size != 0 else 0,
            bad_debt_index=get_side_bad_debt_index(market, new_size),
        ),
    )
    ctx.emit(
        PERPS,
        (
            POSITION_MODIFIED_TOPIC,
            encode_address_topic(ctx.sender),
            encode_address_topic(asset),
        ),
        encode_arguments(
            ["int256", "int256", "uint256", "uint256", "int256"],
            [delta, new_size, fill, fee, realized],
        ),
    )
    return fill, fee


def close_position(
    ctx: CallContext, asset: bytes, acceptable_price: int, deadline: int
) -> tuple[int, int, int]:
    """Close the caller's whole position and pay out all its margin; return (fill, fee, paid).

    Margin below one token unit (dust) goes to the insurance fund, so the position leaf empties.
    """
    config = get_market_config(ctx, asset)
    position: PerpsPosition = ctx.state.get(perps_position_key(ctx.sender, asset))
    size = from_word(position.size)
    require(size != 0, "no open position")
    require(ctx.block.timestamp <= deadline, "deadline passed")
    report = get_price(ctx, asset, require_fresh=True)
    fill, fee = execute_order(ctx, asset, config, report, signed_sub(0, size), acceptable_price)
    scale = get_margin_scale(ctx, config)
    key = perps_position_key(ctx.sender, asset)
    margin = ctx.state.get(key).margin
    paid, dust = margin // scale, margin % scale
    if paid:
        require_market_liquidity(ctx, config, paid)
    ctx.state.set(key, PerpsPosition())
    if dust:
        market: PerpsMarket = ctx.state.get(perps_market_key(asset))
        ctx.state.set(
            perps_market_key(asset),
            market._replace(insurance_fund=add(market.insurance_fund, dust)),
        )
    if paid:
        move_tokens(ctx, get_margin_token(config), PERPS, ctx.sender, paid)
    emit_margin_event(ctx, MARGIN_WITHDRAWN_TOPIC, ctx.sender, asset, paid)
    return fill, fee, paid


def liquidate(ctx: CallContext, account: bytes, asset: bytes) -> int:
    """Liquidate `account`'s position in `asset` whole; return the keeper reward in token units.

    The keeper (caller) is paid the keeper reward; the equity left after it goes to the insurance
    fund; a shortfall is paid by the fund first, then charged to the other side's open interest
    through its bad-debt index.
    """
    require(account != ctx.sender, "cannot liquidate yourself")
    config = get_market_config(ctx, asset)
    report = get_price(ctx, asset, require_fresh=True)
    price = report.price
    scale = get_margin_scale(ctx, config)
    market = accrue_funding(ctx, asset, config, price)
    key = perps_position_key(account, asset)
    position: PerpsPosition = ctx.state.get(key)
    size = from_word(position.size)
    require(size != 0, "no open position")
    values = compute_position_values(position, market, price)
    requirements = compute_requirements(config, size, price, report.volatility, scale)
    require(is_liquidatable(values, requirements), "position is not liquidatable")

    level = compute_drained_bucket(market, config, ctx.block.number)
    liquidated = abs(size)
    require(
        level == 0 or add(level, liquidated) <= config.liquidation_capacity,
        "liquidation capacity exceeded",
    )

    reward = requirements.keeper_reward
    paid = reward // scale
    if paid:
        require_market_liquidity(ctx, config, paid)
    margin = to_int(position.margin)
    equity = values.equity
    fund = market.insurance_fund
    to_fund = fund_paid = socialized = shortfall = 0
    if equity >= to_int(reward):
        to_fund = equity - reward
        fund = add(fund, to_fund)
        cash_in = signed_sub(margin, equity)  # the trader's realized loss (negative: its gain)
    else:
        shortfall = reward - equity
        fund_paid = min(shortfall, fund)
        fund -= fund_paid
        socialized = shortfall - fund_paid
        cash_in = signed_sub(signed_add(margin, fund_paid), to_int(reward))
    long_oi, short_oi = compute_open_interest(market, size, 0)
    long_index, short_index = market.long_bad_debt_index, market.short_bad_debt_index
    if socialized > 0:
        if size > 0 and short_oi > 0:
            short_index = add(short_index, mul_div_up(socialized, WAD, short_oi))
        elif size < 0 and long_oi > 0:
            long_index = add(long_index, mul_div_up(socialized, WAD, long_oi))
    market = market._replace(
        skew=to_word(signed_sub(from_word(market.skew), size)),
        long_open_interest=long_oi,
        short_open_interest=short_oi,
        insurance_fund=fund,
        cash=to_word(signed_add(from_word(market.cash), cash_in)),
        long_bad_debt_index=long_index,
        short_bad_debt_index=short_index,
        liquidation_bucket=add(level, liquidated),
        liquidation_block=ctx.block.number,
    )
    ctx.state.set(perps_market_key(asset), market)
    ctx.state.set(key, PerpsPosition())
    if paid:
        move_tokens(ctx, get_margin_token(config), PERPS, ctx.sender, paid)
    ctx.emit(
        PERPS,
        (
            POSITION_LIQUIDATED_TOPIC,
            encode_address_topic(ctx.sender),
            encode_address_topic(account),
            encode_address_topic(asset),
        ),
        encode_arguments(
            ["int256", "uint256", "uint256", "uint256", "uint256", "uint256"],
            [size, price, paid, to_fund, fund_paid, socialized],
        ),
    )
    return paid


# ---------------------------------------------------------------------------------------------
# Views


def view_market(ctx: CallContext, asset: bytes) -> tuple[PerpsMarket, PerpsMarketConfig, Price]:
    """The market accrued to the block's time at the current (possibly stale) price, unwritten."""
    config = get_market_config(ctx, asset)
    report = get_price(ctx, asset, require_fresh=False)
    return accrue_funding(ctx, asset, config, report.price), config, report


def compute_liquidation_price(
    position: PerpsPosition,
    values: PositionValues,
    requirements: Requirements,
    maintenance_ratio: int,
    min_margin: int,
) -> int:
    """The index price at which equity meets maintenance margin + keeper reward (0: none).

    With K = margin + funding - bad debt, B = min_margin + keeper reward (at today's price),
    a long liquidates at ceil(((B - K) WAD^2 + s e WAD) / (s (WAD - MMR))), a short at
    floor(((K - B) WAD^2 + |s| e WAD) / (|s| (WAD + MMR))); 0 when that is not positive.
    """
    size = from_word(position.size)
    if size == 0:
        return 0
    base = signed_sub(values.equity, values.pnl)  # margin + funding - bad debt
    buffer = to_int(add(min_margin, requirements.keeper_reward))
    entry_term = signed_mul(signed_mul(to_int(abs(size)), to_int(position.entry_price)), WAD)
    if size > 0:
        numerator = signed_add(signed_mul(signed_sub(buffer, base), WAD * WAD), entry_term)
        denominator = mul(abs(size), WAD - maintenance_ratio)
        if numerator <= 0 or denominator == 0:
            return 0
        return mul_div_up(numerator, 1, denominator)
    numerator = signed_add(signed_mul(signed_sub(base, buffer), WAD * WAD), entry_term)
    denominator = mul(abs(size), add(WAD, maintenance_ratio))
    if numerator <= 0:
        return 0
    return numerator // denominator


def get_position(ctx: CallContext, account: bytes, asset: bytes) -> tuple[int, ...]:
    """(size, entry, margin, pnl, funding, bad debt, liquidation price, health) at the index."""
    market, config, report = view_market(ctx, asset)
    scale = get_margin_scale(ctx, config)
    position: PerpsPosition = ctx.state.get(perps_position_key(account, asset))
    size = from_word(position.size)
    values = compute_position_values(position, market, report.price)
    requirements = compute_requirements(config, size, report.price, report.volatility, scale)
    maintenance_ratio = compute_maintenance_margin_ratio(
        config, compute_initial_margin_ratio(config, size, report.volatility)
    )
    if size == 0:
        health = UINT256_MAX
    elif values.equity <= 0:
        health = 0
    else:
        threshold = add(requirements.maintenance_margin, requirements.keeper_reward)
        health = mul_div_down(values.equity, WAD, threshold)
    return (
        size,
        position.entry_price,
        position.margin,
        values.pnl,
        values.funding,
        values.bad_debt,
        compute_liquidation_price(
            position, values, requirements, maintenance_ratio, config.min_margin
        ),
        health,
    )


def get_market_summary(ctx: CallContext, asset: bytes) -> tuple[int, ...]:
    """(skew, long OI, short OI, funding rate, funding index, fund, cash, long and short bad-debt
    indexes, liquidation capacity left in this block), accrued to the block."""
    market, config, _report = view_market(ctx, asset)
    level = compute_drained_bucket(market, config, ctx.block.number)
    return (
        from_word(market.skew),
        market.long_open_interest,
        market.short_open_interest,
        from_word(market.funding_rate),
        from_word(market.funding_index),
        market.insurance_fund,
        from_word(market.cash),
        market.long_bad_debt_index,
        market.short_bad_debt_index,
        config.liquidation_capacity - level if level < config.liquidation_capacity else 0,
    )


def quote_order(ctx: CallContext, asset: bytes, size_delta: int) -> tuple[int, int]:
    """(fill price, fee) of an order of `size_delta` now, at the current (possibly stale) price."""
    market, config, report = view_market(ctx, asset)
    require(size_delta != 0, "size delta is zero")
    skew = from_word(market.skew)
    fill = compute_fill_price(skew, size_delta, report.price, config)
    return fill, compute_order_fee(skew, size_delta, fill, config)
