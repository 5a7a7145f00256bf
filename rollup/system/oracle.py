"""The price oracle (contracts/src/interfaces/IOracle.sol).

Only the oracle key named at genesis may write. A price is the USD value of one whole token (WAD);
volatility is yearly (WAD, 0.8e18 = 80%) and lowers collateral factors. Lending refuses to borrow,
withdraw against debt, or liquidate with a price older than the genesis `price_max_age`.
"""

from __future__ import annotations

from rollup.abi import compute_event_topic, encode_address_topic, encode_arguments
from rollup.addresses import ORACLE
from rollup.state import SYSTEM_KEY, Price, System, price_key
from rollup.system.context import CallContext, require
from rollup.system.tokens import get_token

PRICE_UPDATED_TOPIC = compute_event_topic("PriceUpdated(address,uint256,uint256,uint256)")
MAX_VOLATILITY = 10 * 10**18  # 1000% a year: beyond this a report is surely an error


def set_price(ctx: CallContext, asset: bytes, price: int, volatility: int) -> None:
    """Record a price and volatility report for a registered token."""
    system: System = ctx.state.get(SYSTEM_KEY)
    require(int.from_bytes(ctx.sender, "big") == system.oracle, "caller is not the oracle")
    get_token(ctx.state, asset)
    require(price > 0, "price is zero")
    require(volatility <= MAX_VOLATILITY, "volatility out of range")
    timestamp = ctx.block.timestamp
    ctx.state.set(price_key(asset), Price(price=price, volatility=volatility, updated_at=timestamp))
    ctx.emit(
        ORACLE,
        (PRICE_UPDATED_TOPIC, encode_address_topic(asset)),
        encode_arguments(["uint256", "uint256", "uint256"], [price, volatility, timestamp]),
    )


def get_price(ctx: CallContext, asset: bytes, require_fresh: bool) -> Price:
    """The oracle report lending and perps read: refuses a missing price, and a stale one (older
    than the chain's price_max_age) if asked."""
    price: Price = ctx.state.get(price_key(asset))
    require(price.price > 0, "no price for asset")
    if require_fresh:
        system: System = ctx.state.get(SYSTEM_KEY)
        require(ctx.block.timestamp <= price.updated_at + system.price_max_age, "stale price")
    return price


def get_price_report(ctx: CallContext, asset: bytes) -> tuple[int, int, int]:
    report: Price = ctx.state.get(price_key(asset))
    return report.price, report.volatility, report.updated_at
