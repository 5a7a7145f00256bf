"""Perpetual futures against the real node with web3.py: a 10x WETH long, an oracle move, PnL and
funding read from the position view, a liquidation by a keeper; and bad input, each reverting with
its reason and changing nothing but the sender's gas.

Every expected figure is computed here from docs/PERPETUALS.md §4 (the devnet market's constants
read from the genesis document), from values the chain recorded: the market's funding rate, index
and skew right after a trade (a view at that block accrues nothing), the block timestamps, the
oracle's price. Views are read at a block behind the head, so they run in that block's environment.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

import httpx
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.logs import DISCARD
from web3.types import TxReceipt

from rollup.genesis import load_default_genesis_document
from tests.e2e.conftest import (
    FAR_DEADLINE,
    MAX_UINT,
    ORACLE,
    PERPS,
    USDC,
    WETH,
    NodeProcess,
    account,
    contract,
    send,
)
from tests.polling import wait_for
from tests.unit.perps_spec import (
    MarketConstants,
    SpecRequirements,
    ceil_div,
    spec_fee,
    spec_fill,
    spec_requirements,
)

WAD = 10**18
DAY = 86_400
SCALE = 10**12  # USD WAD per USDC base unit (6 decimals)
VOLATILITY = 6 * WAD // 10  # the devnet's WETH volatility
GAS = 400_000  # explicit gas: a reverting call cannot be estimated


def wad(text: str) -> int:
    return int(Decimal(text) * WAD)


MARKET = next(
    entry
    for entry in load_default_genesis_document()["perpsMarkets"]
    if Web3.to_checksum_address(entry["asset"]) == WETH
)
S = wad(MARKET["skewScale"])
MAX_VELOCITY = wad(MARKET["maxFundingVelocity"])
MAKER_FEE, TAKER_FEE = wad(MARKET["makerFee"]), wad(MARKET["takerFee"])
MIN_IMR, K = wad(MARKET["minInitialMarginRatio"]), wad(MARKET["initialMarginSlope"])
VOL_SENSITIVITY = wad(MARKET["volatilitySensitivity"])
MM_SCALAR = wad(MARKET["maintenanceMarginScalar"])
MIN_MARGIN = wad(MARKET["minMargin"])
RHO = wad(MARKET["keeperRewardRatio"])
REWARD_MIN, REWARD_MAX = wad(MARKET["keeperRewardMin"]), wad(MARKET["keeperRewardMax"])
DEVNET_MARKET = MarketConstants(
    S, MAKER_FEE, TAKER_FEE, MIN_IMR, K, VOL_SENSITIVITY, MM_SCALAR, MIN_MARGIN, RHO,
    REWARD_MIN, REWARD_MAX, SCALE,
)  # fmt: skip


# -- docs/PERPETUALS.md §4 -----------------------------------------------------------------------


def spec_accrue(rate: int, index: int, skew: int, price: int, elapsed: int) -> tuple[int, int]:
    """(funding rate, funding index) after `elapsed` seconds at `price` from (rate, index)."""
    if elapsed <= 0:
        return rate, index
    proportional = max(-WAD, min(WAD, skew * WAD // S))
    velocity = proportional * MAX_VELOCITY // WAD
    new_rate = rate + velocity * elapsed // DAY
    delta = -(rate + new_rate) * elapsed * price // (2 * DAY * WAD)
    return new_rate, index + delta


def spec_long_liquidation_price(
    size: int, entry: int, margin: int, funding: int, required: SpecRequirements
) -> int:
    base = margin + funding  # no bad debt here
    buffer = MIN_MARGIN + required.reward
    numerator = (buffer - base) * WAD * WAD + size * entry * WAD
    return ceil_div(numerator, size * (WAD - required.mmr)) if numerator > 0 else 0


# -- the chain -------------------------------------------------------------------------------------


class MarketState(NamedTuple):
    skew: int
    long_open_interest: int
    short_open_interest: int
    funding_rate: int
    funding_index: int
    insurance_fund: int
    cash: int


def perps(w3: Web3) -> Any:
    return contract(w3, PERPS, "IPerps")


def settled(w3: Web3, number: int) -> int:
    """`number`, once the head is past it (a view at it then runs in its own environment)."""
    wait_for(lambda: w3.eth.block_number > number, 30, f"a block after {number}")
    return number


def market_at(w3: Web3, number: int) -> MarketState:
    values = perps(w3).functions.getMarket(WETH).call(block_identifier=settled(w3, number))
    return MarketState(*values[:7])


def timestamp_of(w3: Web3, number: Any) -> int:
    return int(w3.eth.get_block(number)["timestamp"])


def set_weth_price(w3: Web3, price: int) -> TxReceipt:
    oracle = contract(w3, ORACLE, "IOracle")
    receipt = send(w3, account(9), oracle.functions.setPrice(WETH, price, VOLATILITY))
    assert receipt["status"] == 1
    return receipt


def usdc_balance(w3: Web3, owner: str) -> int:
    return int(contract(w3, USDC, "IERC20").functions.balanceOf(owner).call())


def fund_margin(w3: Web3, trader: LocalAccount, tokens: int) -> None:
    usdc = contract(w3, USDC, "IERC20")
    assert send(w3, trader, usdc.functions.approve(PERPS, MAX_UINT))["status"] == 1
    assert send(w3, trader, perps(w3).functions.depositMargin(WETH, tokens))["status"] == 1


def revert_reason(node: NodeProcess, receipt: TxReceipt) -> str:
    """The reason the explorer's replay of the mined transaction gives."""
    tx_hash = receipt["transactionHash"].to_0x_hex()
    page = httpx.get(f"{node.url}/explorer/api/tx/{tx_hash}", timeout=30).json()
    assert page["status"] == "reverted", page
    return str(page["revertReason"])


# -- a 10x long, an oracle move, a liquidation -------------------------------------------------


def test_a_10x_long_marks_pnl_and_funding_and_is_liquidated_by_a_keeper(
    w3: Web3, node: NodeProcess
) -> None:
    trader, keeper = account(1), account(2)
    market = perps(w3)
    set_weth_price(w3, 3_000 * WAD)
    margin_tokens = 300 * 10**6
    usdc_before = usdc_balance(w3, trader.address)
    fund_margin(w3, trader, margin_tokens)
    assert usdc_balance(w3, trader.address) == usdc_before - margin_tokens
    assert market.functions.getPosition(trader.address, WETH).call()[2] == margin_tokens * SCALE

    # 1 WETH at $3,000 on $300 of margin: a 10x long.
    size = WAD
    opened = send(w3, trader, market.functions.modifyPosition(WETH, size, MAX_UINT, FAR_DEADLINE))
    assert opened["status"] == 1
    n_open = opened["blockNumber"]
    after_open = market_at(w3, n_open)
    skew_before = after_open.skew - size  # the block held no other perps trade
    fill = spec_fill(3_000 * WAD, skew_before, size, DEVNET_MARKET)
    fee = spec_fee(skew_before, size, fill, DEVNET_MARKET)
    (event,) = market.events.PositionModified().process_receipt(opened, errors=DISCARD)
    assert (event.args.sizeDelta, event.args.fillPrice, event.args.fee) == (size, fill, fee)
    margin = margin_tokens * SCALE - fee
    leverage = size * 3_000 * WAD // margin
    assert 10 * WAD <= leverage < 11 * WAD

    # The oracle moves WETH down to $2,800: the long loses $200 and pays funding (longs skew).
    t_open = timestamp_of(w3, n_open)
    wait_for(lambda: timestamp_of(w3, w3.eth.block_number) >= t_open + 3, 30, "3 s of chain time")
    moved = set_weth_price(w3, 2_800 * WAD)
    n_view = settled(w3, moved["blockNumber"])
    view = market.functions.getPosition(trader.address, WETH).call(block_identifier=n_view)
    _rate, index = spec_accrue(
        after_open.funding_rate,
        after_open.funding_index,
        after_open.skew,
        2_800 * WAD,
        timestamp_of(w3, n_view) - t_open,
    )
    pnl = size * (2_800 * WAD - fill) // WAD
    funding = size * (index - after_open.funding_index) // WAD
    assert funding < 0  # longs pay
    equity = margin + pnl + funding
    required = spec_requirements(size, 2_800 * WAD, VOLATILITY, DEVNET_MARKET)
    threshold = required.maintenance + required.reward
    assert equity < threshold  # liquidatable
    assert view == [
        size,
        fill,
        margin,
        pnl,
        funding,
        0,  # bad debt
        spec_long_liquidation_price(size, fill, margin, funding, required),
        equity * WAD // threshold,  # health
    ]

    # A second account liquidates it: the keeper gets the reward, the fund the rest of the equity.
    keeper_before = usdc_balance(w3, keeper.address)
    perps_before = usdc_balance(w3, PERPS)
    liquidated = send(w3, keeper, market.functions.liquidate(trader.address, WETH))
    assert liquidated["status"] == 1
    n_liq = liquidated["blockNumber"]
    fund_before = market_at(w3, n_liq - 1).insurance_fund
    _rate, index = spec_accrue(
        after_open.funding_rate,
        after_open.funding_index,
        after_open.skew,
        2_800 * WAD,
        timestamp_of(w3, n_liq) - t_open,
    )
    equity = margin + pnl + size * (index - after_open.funding_index) // WAD
    reward = required.reward
    assert reward <= equity < threshold
    (event,) = market.events.PositionLiquidated().process_receipt(liquidated, errors=DISCARD)
    assert dict(event.args) == {
        "keeper": keeper.address,
        "account": trader.address,
        "asset": WETH,
        "size": size,
        "price": 2_800 * WAD,
        "keeperReward": reward // SCALE,
        "toFund": equity - reward,
        "fundPaid": 0,
        "socialized": 0,
    }
    assert usdc_balance(w3, keeper.address) == keeper_before + reward // SCALE
    assert usdc_balance(w3, PERPS) == perps_before - reward // SCALE
    after = market_at(w3, n_liq)
    assert after.insurance_fund == fund_before + equity - reward
    assert after.skew == after_open.skew - size
    assert market.functions.getPosition(trader.address, WETH).call(block_identifier=n_liq) == [
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        MAX_UINT,  # health without a position
    ]
    set_weth_price(w3, 3_000 * WAD)


# -- bad input: a revert with its reason, nothing else changed ------------------------------------


def snapshot(w3: Web3, owner: str) -> tuple[Any, ...]:
    """Everything a perps call of `owner` could change, except the gas it pays in ETH."""
    position = perps(w3).functions.getPosition(owner, WETH).call()
    market = perps(w3).functions.getMarket(WETH).call()
    return (
        position[:3],  # size, entry, margin (the marked values move with time)
        market[:3],  # skew, open interest
        market[5],  # insurance fund
        market[6],  # cash
        usdc_balance(w3, owner),
        usdc_balance(w3, PERPS),
    )


def reverts_with(
    w3: Web3, node: NodeProcess, sender: LocalAccount, call: Any, reason: str, watched: str
) -> None:
    before = snapshot(w3, watched)
    eth_before = w3.eth.get_balance(sender.address)
    receipt = send(w3, sender, call, gas=GAS)
    assert receipt["status"] == 0
    assert receipt["logs"] == []
    assert revert_reason(node, receipt) == reason
    assert snapshot(w3, watched) == before
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert w3.eth.get_balance(sender.address) == eth_before - fee


def test_bad_orders_withdrawals_and_liquidations_revert_with_their_reason(
    w3: Web3, node: NodeProcess
) -> None:
    trader, other = account(3), account(4)
    market = perps(w3)
    set_weth_price(w3, 3_000 * WAD)
    fund_margin(w3, trader, 1_000 * 10**6)
    opened = send(w3, trader, market.functions.modifyPosition(WETH, WAD, MAX_UINT, FAR_DEADLINE))
    assert opened["status"] == 1

    reverts_with(
        w3,
        node,
        trader,
        market.functions.modifyPosition(WETH, 0, MAX_UINT, FAR_DEADLINE),
        "size delta is zero",
        trader.address,
    )
    fill, _fee = market.functions.quoteOrder(WETH, WAD).call()
    reverts_with(
        w3,
        node,
        trader,
        market.functions.modifyPosition(WETH, WAD, fill - 1, FAR_DEADLINE),
        "fill price beyond acceptable price",
        trader.address,
    )
    reverts_with(
        w3,
        node,
        trader,
        market.functions.modifyPosition(WETH, WAD, MAX_UINT, timestamp_of(w3, "latest") - 1),
        "deadline passed",
        trader.address,
    )
    # $1,000 of margin holds 1 WETH; $100 left would not cover the initial margin (~$205).
    reverts_with(
        w3,
        node,
        trader,
        market.functions.withdrawMargin(WETH, 900 * 10**6),
        "withdrawal below initial margin",
        trader.address,
    )
    reverts_with(
        w3,
        node,
        other,
        market.functions.liquidate(trader.address, WETH),
        "position is not liquidatable",
        trader.address,
    )
    # The healthy position is still whole; closing it pays its margin back.
    closed = send(w3, trader, market.functions.closePosition(WETH, 0, FAR_DEADLINE))
    assert closed["status"] == 1
    assert market.functions.getPosition(trader.address, WETH).call()[:3] == [0, 0, 0]
