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

PERPS_MARKET: dict[str, str] = {
    "marginToken": hex_address(USDC6),
    "skewScale": "1000.0",
    "maxFundingVelocity": "1.0",
    "makerFee": "0.001",
    "takerFee": "0.002",
    "minInitialMarginRatio": "0.1",
    "initialMarginSlope": "0.5",
    "volatilitySensitivity": "0.1",
    "maintenanceMarginScalar": "0.5",
    "minMargin": "10.0",
    "keeperRewardRatio": "0.01",
    "keeperRewardMin": "1.0",
    "keeperRewardMax": "100.0",
    "maxOpenInterest": "100.0",
    "minPositionSize": "0.1",
    "liquidationCapacity": "20.0",
    "insuranceFund": "1000.0",
}


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


def spec_fill(price: int, skew: int, delta: int) -> int:
    numerator = price * (2 * skew + delta)
    premium = ceil_div(numerator, 2 * S) if delta > 0 else floor_div(numerator, 2 * S)
    return price + premium


def spec_fee(skew: int, delta: int, fill: int) -> int:
    if skew == 0 or (skew > 0) == (delta > 0):
        maker, taker = 0, abs(delta)
    elif abs(delta) <= abs(skew):
        maker, taker = abs(delta), 0
    else:
        maker, taker = abs(skew), abs(delta) - abs(skew)
    return ceil_div((maker * MAKER_FEE + taker * TAKER_FEE) * fill, WAD * WAD)


class SpecRequirements(NamedTuple):
    initial: int
    maintenance: int
    reward: int
    mmr: int


def spec_requirements(size: int, price: int, volatility: int = 0) -> SpecRequirements:
    imr = min(
        MIN_IMR + ceil_div(abs(size) * K, S) + ceil_div(VOL_SENSITIVITY * volatility, WAD), WAD
    )
    mmr = ceil_div(imr * MM_SCALAR, WAD)
    notional = ceil_div(abs(size) * price, WAD)
    reward = min(
        max(floor_div(floor_div(abs(size) * price, WAD) * RHO, WAD), REWARD_MIN), REWARD_MAX
    )
    reward -= reward % SCALE
    return SpecRequirements(
        ceil_div(notional * imr, WAD) + MIN_MARGIN,
        ceil_div(notional * mmr, WAD) + MIN_MARGIN,
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
