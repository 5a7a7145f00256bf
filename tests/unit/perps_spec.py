"""The formulas of docs/PERPETUALS.md §4, written again from the text (plain Python integers, no
import of rollup.system.perps), as the tests' oracle; and the small perps world they run in.

World (perps_document): WETH at $2,000 (volatility 0) and USDC (6 decimals); one WETH perps
market margined in USDC: S = 1,000 WETH, max funding velocity 1/day/day, maker 0.1%, taker 0.2%,
minIMR 10%, k 0.5, volatility sensitivity 0.1, mm scalar 0.5, min margin $10, keeper reward 1% of
notional in [$1, $100], open interest cap 100 WETH per side, min size 0.1 WETH, liquidation
capacity 20 WETH per block, insurance fund 1,000 USDC. Keys 0-3 hold 1,000,000 USDC each.
Genesis time 1,000; prices go stale after 3,600 s.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from rollup.addresses import WETH
from scripts.gen_stf_vectors_perps import WETH_MARKET
from tests.unit.helpers import ADDRESSES, base_document, hex_address

WAD = 10**18
DAY = 86_400
USDC6 = bytes.fromhex("4200000000000000000000000000000000002001")
SCALE = 10**12  # USD WAD per USDC base unit

S = 1_000 * WAD
MAX_VELOCITY = 1 * WAD
MAKER_FEE = WAD // 1_000
TAKER_FEE = 2 * WAD // 1_000
MIN_IMR = WAD // 10
K = WAD // 2
VOL_SENSITIVITY = WAD // 10
MM_SCALAR = WAD // 2
MIN_MARGIN = 10 * WAD
RHO = WAD // 100
REWARD_MIN = 1 * WAD
REWARD_MAX = 100 * WAD
MAX_OI = 100 * WAD
MIN_SIZE = WAD // 10
CAPACITY = 20 * WAD
FUND = 1_000 * WAD
GENESIS_TIME = 1_000
PRICE = 2_000 * WAD

PERPS_MARKET: dict[str, str] = {"marginToken": hex_address(USDC6), **WETH_MARKET}
"""The small world's WETH market: the constants above, as the perps vectors use them."""


def perps_document(**market_overrides: str) -> dict[str, Any]:
    holders = [hex_address(ADDRESSES[i]) for i in (0, 1, 2, 3)]
    document = base_document()
    document["tokens"].append(
        {
            "address": hex_address(USDC6),
            "name": "USD Coin",
            "symbol": "USDC",
            "decimals": 6,
            "balances": {holder: "1000000.0" for holder in holders},
        }
    )
    document["prices"] = [
        {"asset": hex_address(WETH), "price": "2000.0", "volatility": "0.0"},
        {"asset": hex_address(USDC6), "price": "1.0", "volatility": "0.0"},
    ]
    document["perpsMarkets"] = [{"asset": hex_address(WETH), **PERPS_MARKET, **market_overrides}]
    return document


# ---------------------------------------------------------------------------------------------
# §4, from the text


def floor_div(a: int, b: int) -> int:
    return a // b  # Python floors toward -infinity, as the spec's floor


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


class MarketConstants(NamedTuple):
    """The constants §4's formulas read (WAD), and the margin token's USD WAD per base unit."""

    skew_scale: int
    maker_fee: int
    taker_fee: int
    min_imr: int
    imr_slope: int
    volatility_sensitivity: int
    mm_scalar: int
    min_margin: int
    keeper_ratio: int
    reward_min: int
    reward_max: int
    scale: int


SPEC_MARKET = MarketConstants(
    S, MAKER_FEE, TAKER_FEE, MIN_IMR, K, VOL_SENSITIVITY, MM_SCALAR, MIN_MARGIN, RHO,
    REWARD_MIN, REWARD_MAX, SCALE,
)  # fmt: skip


def spec_fill(price: int, skew: int, delta: int, market: MarketConstants = SPEC_MARKET) -> int:
    numerator = price * (2 * skew + delta)
    scale = 2 * market.skew_scale
    premium = ceil_div(numerator, scale) if delta > 0 else floor_div(numerator, scale)
    return price + premium


def spec_fee(skew: int, delta: int, fill: int, market: MarketConstants = SPEC_MARKET) -> int:
    if skew == 0 or (skew > 0) == (delta > 0):
        maker, taker = 0, abs(delta)
    elif abs(delta) <= abs(skew):
        maker, taker = abs(delta), 0
    else:
        maker, taker = abs(skew), abs(delta) - abs(skew)
    return ceil_div((maker * market.maker_fee + taker * market.taker_fee) * fill, WAD * WAD)


class SpecRequirements(NamedTuple):
    initial: int
    maintenance: int
    reward: int
    mmr: int


def spec_requirements(
    size: int, price: int, volatility: int = 0, market: MarketConstants = SPEC_MARKET
) -> SpecRequirements:
    m = market
    imr = min(
        m.min_imr
        + ceil_div(abs(size) * m.imr_slope, m.skew_scale)
        + ceil_div(m.volatility_sensitivity * volatility, WAD),
        WAD,
    )
    mmr = ceil_div(imr * m.mm_scalar, WAD)
    notional = ceil_div(abs(size) * price, WAD)
    reward = min(
        max(floor_div(floor_div(abs(size) * price, WAD) * m.keeper_ratio, WAD), m.reward_min),
        m.reward_max,
    )
    reward -= reward % m.scale
    return SpecRequirements(
        ceil_div(notional * imr, WAD) + m.min_margin,
        ceil_div(notional * mmr, WAD) + m.min_margin,
        reward,
        mmr,
    )


def spec_pnl(size: int, entry: int, price: int) -> int:
    return floor_div(size * (price - entry), WAD)


class SpecFunding(NamedTuple):
    rate: int
    index: int


def spec_accrue(rate: int, index: int, skew: int, dt: int, price: int) -> SpecFunding:
    if dt <= 0:
        return SpecFunding(rate, index)
    proportional = max(-WAD, min(WAD, floor_div(skew * WAD, S)))
    velocity = floor_div(proportional * MAX_VELOCITY, WAD)
    new_rate = rate + floor_div(velocity * dt, DAY)
    delta = floor_div(-(rate + new_rate) * dt * price, 2 * DAY * WAD)
    return SpecFunding(new_rate, index + delta)


def spec_position_funding(size: int, index_now: int, index_then: int) -> int:
    return floor_div(size * (index_now - index_then), WAD)


def spec_bad_debt(size: int, index_now: int, index_then: int) -> int:
    return ceil_div(abs(size) * (index_now - index_then), WAD)
