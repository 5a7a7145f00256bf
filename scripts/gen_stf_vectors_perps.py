#!/usr/bin/env python3
"""Differential vectors of the perps STF: Python (rollup/system/perps.py) against PerpsModule.

Builds a genesis world with two perps markets (WETH margined in 6-decimal USDC, WBTC margined in
18-decimal DAI), then runs a scripted list of edge cases (every function and view, every revert
reason, funding over long gaps of both signs, flips, liquidations with and without shortfall, the
bad-debt index, the leaky bucket, market liquidity, int256 extremes) and a seeded random walk of
calls to IPerps (0x…0500). Every call runs through rollup.execution.execute_call under
rollup.witness.run_with_witness and becomes a vector: the witness, the roots before and after,
the block environment and the call, the success flag, the return (or revert) data, the logs and
the operation gas. contracts/test/prover/StfPerpsVectors.t.sol replays each one through
StfHarness (the TransactionRunner with PerpsModule) and PerpsModule.run and checks all of them
bit for bit; tests/unit/test_stf_vectors_perps.py regenerates them and checks the committed JSON
is current.

Setup between calls (prices, allowances, balances, a broken config) is written into the state
directly, as another module's transaction would have left it; only perps calls are vectors.

Usage (from the repository root): python -m scripts.gen_stf_vectors_perps [--check]
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eth_abi.abi import encode as abi_encode

from rollup.abi import encode_call
from rollup.addresses import PERPS, WETH
from rollup.execution import CallResult, execute_call
from rollup.fixedpoint import INT256_MAX, INT256_MIN, UINT256_MAX, WAD, from_word
from rollup.genesis import build_genesis
from rollup.state import (
    Allowance,
    Overlay,
    PerpsMarket,
    PerpsMarketConfig,
    PerpsPosition,
    Price,
    State,
    StateKey,
    TokenBalance,
    allowance_key,
    balance_key,
    perps_market_config_key,
    perps_market_key,
    perps_position_key,
    price_key,
)
from rollup.system import perps
from rollup.system.context import BlockEnvironment, CallContext
from scripts.gen_stf_vectors_lending import encode_with_dictionary
from scripts.vectors import CallVector, record_call, write_or_check

REPOSITORY = Path(__file__).resolve().parent.parent
VECTORS_PATH = REPOSITORY / "contracts" / "vectors" / "stf_perps.json"

CHAIN_ID = 901
GENESIS_TIME = 1_000_000
PRICE_MAX_AGE = 3_600
BASE_FEE = 1_000_000
SEED = 20_240_714
RANDOM_CALLS = 120
DAY = 86_400
FAR = 2**64
LOG_TUPLE = "(address,bytes32[],bytes)[]"


def _address(suffix: int) -> bytes:
    return bytes.fromhex("42" + "00" * 17) + suffix.to_bytes(2, "big")


def _user(index: int) -> bytes:
    return bytes.fromhex("b0" * 18) + index.to_bytes(2, "big")


USDC = _address(0x2001)  # 6 decimals: WETH market's margin
WBTC = _address(0x2002)  # 8 decimals: an asset
DAI = _address(0x2003)  # 18 decimals: WBTC market's margin (scale 1)
UNLISTED = _address(0x2020)  # priced, no perps market
BROKEN = _address(0x2021)  # priced; a config with skew scale 0 is poked in (division by zero)
ALICE, BOB, CAROL, DAVE, KEEPER, EVE = (_user(i) for i in range(1, 7))
USERS = (ALICE, BOB, CAROL, DAVE, EVE)
ORACLE_ADDRESS = _user(9)
NAMES = {
    USDC: "USDC",
    WBTC: "WBTC",
    DAI: "DAI",
    WETH: "WETH",
    UNLISTED: "UNL",
    BROKEN: "BRK",
    ALICE: "alice",
    BOB: "bob",
    CAROL: "carol",
    DAVE: "dave",
    KEEPER: "keeper",
    EVE: "eve",
}
MARGIN = {WETH: USDC, WBTC: DAI}
SCALE = {WETH: 10**12, WBTC: 1}
DECIMALS = {USDC: 6, WBTC: 8, DAI: 18, UNLISTED: 18, BROKEN: 18}

DEPOSIT = "depositMargin(address,uint256)"
WITHDRAW = "withdrawMargin(address,uint256)"
MODIFY = "modifyPosition(address,int256,uint256,uint256)"
CLOSE = "closePosition(address,uint256,uint256)"
LIQUIDATE = "liquidate(address,address)"
POSITION = "getPosition(address,address)"
MARKET = "getMarket(address)"
QUOTE = "quoteOrder(address,int256)"

WETH_MARKET = {
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
WBTC_MARKET = {
    "skewScale": "5000.0",
    "maxFundingVelocity": "9.0",
    "makerFee": "0.0002",
    "takerFee": "0.0006",
    "minInitialMarginRatio": "0.02",
    "initialMarginSlope": "1.0",
    "volatilitySensitivity": "0.05",
    "maintenanceMarginScalar": "0.5",
    "minMargin": "50.0",
    "keeperRewardRatio": "0.001",
    "keeperRewardMin": "5.0",
    "keeperRewardMax": "500.0",
    "maxOpenInterest": "1000.0",
    "minPositionSize": "0.001",
    "liquidationCapacity": "2.0",
    "insuranceFund": "50.0",
}


def _hex(address: bytes) -> str:
    return "0x" + address.hex()


def build_document() -> dict[str, Any]:
    holders = [*USERS, KEEPER]
    tokens = []
    for token, amount in ((USDC, 10_000_000), (WBTC, 1_000), (DAI, 10_000_000)):
        tokens.append(
            {
                "address": _hex(token),
                "name": NAMES[token],
                "symbol": NAMES[token],
                "decimals": DECIMALS[token],
                "balances": {_hex(h): str(amount * 10 ** DECIMALS[token]) for h in holders},
            }
        )
    tokens.append(
        {
            "address": _hex(WETH),
            "name": "Wrapped Ether",
            "symbol": "WETH",
            "decimals": 18,
            "balances": {},
        }
    )
    for token in (UNLISTED, BROKEN):
        tokens.append(
            {
                "address": _hex(token),
                "name": NAMES[token],
                "symbol": NAMES[token],
                "decimals": 18,
                "balances": {},
            }
        )
    return {
        "chainId": CHAIN_ID,
        "timestamp": GENESIS_TIME,
        "baseFee": BASE_FEE,
        "minBaseFee": BASE_FEE,
        "oracle": _hex(ORACLE_ADDRESS),
        "priceMaxAge": PRICE_MAX_AGE,
        "alloc": {_hex(h): {"balance": str(10**21)} for h in holders},
        "tokens": tokens,
        "prices": [
            {"asset": _hex(WETH), "price": "2000.0", "volatility": "0.0"},
            {"asset": _hex(WBTC), "price": "60000.0", "volatility": "0.5"},
            {"asset": _hex(USDC), "price": "1.0", "volatility": "0.0"},
            {"asset": _hex(DAI), "price": "1.0", "volatility": "0.0"},
            {"asset": _hex(UNLISTED), "price": "5.0", "volatility": "0.0"},
            {"asset": _hex(BROKEN), "price": "5.0", "volatility": "0.0"},
        ],
        "perpsMarkets": [
            {"asset": _hex(WETH), "marginToken": _hex(USDC), **WETH_MARKET},
            {"asset": _hex(WBTC), "marginToken": _hex(DAI), **WBTC_MARKET},
        ],
    }


def encode_logs(result: CallResult) -> bytes:
    """abi.encode(Log[]) of a call's logs (PerpsLib.Log: emitter, topics, data)."""
    return abi_encode(
        [LOG_TUPLE], [[(log.address, list(log.topics), log.data) for log in result.logs]]
    )


@dataclass
class World:
    """The state, the clock, and the vectors recorded so far."""

    state: State
    time: int = GENESIS_TIME
    number: int = 1
    vectors: list[CallVector] = field(default_factory=list)
    coverage: dict[str, int] = field(default_factory=dict)

    # -- setup (not vectors) ------------------------------------------------------------------

    def poke(self, key: StateKey, leaf: tuple[int, ...]) -> None:
        self.state.apply_writes({key: leaf})

    def set_price(self, asset: bytes, price: int, volatility: int | None = None) -> None:
        old: Price = self.state.get(price_key(asset))
        vol = old.volatility if volatility is None else volatility
        self.poke(price_key(asset), Price(price, vol, self.time))

    def refresh_prices(self) -> None:
        for asset in (WETH, WBTC, UNLISTED, BROKEN):
            self.set_price(asset, self.price(asset))

    def approve(self, owner: bytes, token: bytes, amount: int = UINT256_MAX) -> None:
        self.poke(allowance_key(token, owner, PERPS), Allowance(amount))

    def give(self, token: bytes, owner: bytes, amount: int) -> None:
        self.poke(balance_key(token, owner), TokenBalance(amount))

    def advance(self, seconds: int, blocks: int = 1) -> None:
        self.time += seconds
        self.number += blocks

    # -- reading ------------------------------------------------------------------------------

    def environment(self) -> BlockEnvironment:
        return BlockEnvironment(self.number, self.time, BASE_FEE, CHAIN_ID)

    def context(self) -> CallContext:
        return CallContext(Overlay(self.state), self.environment(), bytes(20), 0)

    def price(self, asset: bytes) -> int:
        leaf: Price = self.state.get(price_key(asset))
        return int(leaf.price)

    def size(self, account: bytes, asset: bytes) -> int:
        leaf: PerpsPosition = self.state.get(perps_position_key(account, asset))
        return from_word(leaf.size)

    def market(self, asset: bytes) -> PerpsMarket:
        leaf: PerpsMarket = self.state.get(perps_market_key(asset))
        return leaf

    def crash(self, account: bytes, asset: bytes, step: int = 1) -> None:
        """Move the price against `account` by `step` per mille until it is liquidatable."""
        for _ in range(400):
            if not self.size(account, asset) or self.health(account, asset) < WAD:
                return
            up = self.size(account, asset) < 0
            self.set_price(asset, self.price(asset) * (1000 + (step if up else -step)) // 1000)

    def health(self, account: bytes, asset: bytes) -> int:
        try:
            return int(perps.get_position(self.context(), account, asset)[7])
        except Exception:
            return UINT256_MAX

    # -- vectors ------------------------------------------------------------------------------

    def call(
        self,
        label: str,
        sender: bytes,
        data: bytes,
        *,
        expect: str | bool | None = None,
        value: int = 0,
    ) -> CallResult:
        """Run one perps call as a vector. `expect`: True (must succeed), a reason, or None."""
        vector = record_call(self.state, self.environment(), sender, PERPS, data, value, label)
        reason = vector.revert_reason
        if expect is True:
            assert vector.success, f"{label}: reverted with {reason!r}"
        elif isinstance(expect, str):
            assert not vector.success, f"{label}: succeeded, expected {expect!r}"
            assert reason == expect, f"{label}: reverted with {reason!r}, expected {expect!r}"
        outcome = "ok" if vector.success else f"revert: {reason}"
        self.coverage[outcome] = self.coverage.get(outcome, 0) + 1
        self.vectors.append(replace(vector, label=f"{len(self.vectors)}: {label} -> {outcome}"))
        return vector.result

    def perp(self, label: str, sender: bytes, signature: str, *args: Any, **kw: Any) -> CallResult:
        return self.call(label, sender, encode_call(signature, *args), **kw)

    def deposit(self, who: bytes, asset: bytes, tokens: int, **kw: Any) -> CallResult:
        return self.perp(f"{NAMES[who]} deposits {NAMES[asset]}", who, DEPOSIT, asset, tokens, **kw)

    def trade(self, who: bytes, asset: bytes, delta: int, **kw: Any) -> CallResult:
        acceptable = UINT256_MAX if delta > 0 else 0
        label = f"{NAMES[who]} trades {delta / WAD:+g} {NAMES[asset]}"
        return self.perp(label, who, MODIFY, asset, delta, acceptable, FAR, **kw)

    def close(self, who: bytes, asset: bytes, **kw: Any) -> CallResult:
        acceptable = UINT256_MAX if self.size(who, asset) < 0 else 0
        return self.perp(
            f"{NAMES[who]} closes {NAMES[asset]}", who, CLOSE, asset, acceptable, FAR, **kw
        )

    def liquidate(self, keeper: bytes, who: bytes, asset: bytes, **kw: Any) -> CallResult:
        label = f"{NAMES[keeper]} liquidates {NAMES[who]} {NAMES[asset]}"
        return self.perp(label, keeper, LIQUIDATE, who, asset, **kw)

    def views(self, label: str, asset: bytes, *accounts: bytes) -> None:
        self.perp(f"{label}: market {NAMES.get(asset, '?')}", ALICE, MARKET, asset)
        for account in accounts:
            self.perp(f"{label}: position {NAMES[account]}", ALICE, POSITION, account, asset)


# ---------------------------------------------------------------------------------------------
# Scripted edge cases


def _calldata_errors(w: World) -> None:
    deposit = encode_call(DEPOSIT, WETH, 1)
    w.call("empty calldata", ALICE, b"", expect="missing function selector")
    w.call("3-byte calldata", ALICE, deposit[:3], expect="missing function selector")
    w.call(
        "unknown selector",
        ALICE,
        b"\xde\xad\xbe\xef" + deposit[4:],
        expect="unknown function selector 0xdeadbeef",
    )
    for signature, args in (
        (DEPOSIT, (WETH, 1)),
        (WITHDRAW, (WETH, 1)),
        (MODIFY, (WETH, 1, 0, FAR)),
        (CLOSE, (WETH, 0, FAR)),
        (LIQUIDATE, (BOB, WETH)),
        (POSITION, (BOB, WETH)),
        (MARKET, (WETH,)),
        (QUOTE, (WETH, 1)),
    ):
        data = encode_call(signature, *args)
        name = signature.split("(")[0]
        w.call(f"{name} calldata too short", ALICE, data[:-1], expect="calldata too short")
        w.call(
            f"{name} dirty address",
            ALICE,
            data[:4] + b"\x01" + data[5:],
            expect="invalid address argument",
        )
        w.call(f"value sent to {name}", ALICE, data, value=1, expect="function is not payable")
    w.call(
        "liquidate dirty second address",
        ALICE,
        encode_call(LIQUIDATE, BOB, WETH)[:36] + b"\xff" * 12 + WETH,
        expect="invalid address argument",
    )
    w.call("trailing bytes ignored", ALICE, encode_call(MARKET, WETH) + b"\x01\x02", expect=True)


def _margin(w: World) -> None:
    w.deposit(ALICE, WETH, 1, expect="insufficient allowance")
    for user in USERS:
        for token in (USDC, DAI):
            w.approve(user, token)
    w.approve(EVE, USDC, 5 * 10**6)
    w.deposit(EVE, WETH, 3 * 10**6, expect=True)
    w.deposit(EVE, WETH, 3 * 10**6, expect="insufficient allowance")
    w.approve(EVE, USDC)
    w.deposit(ALICE, WETH, 0, expect="deposit amount is zero")
    w.deposit(ALICE, UNLISTED, 1, expect="perps market not listed")
    w.deposit(ALICE, WETH, 10_000_001 * 10**6, expect="transfer amount exceeds balance")
    w.deposit(ALICE, WETH, 5_000 * 10**6, expect=True)
    w.deposit(ALICE, WBTC, 100_000 * WAD, expect=True)
    w.perp("withdraw zero", ALICE, WITHDRAW, WETH, 0, expect="withdraw amount is zero")
    w.perp("withdraw unlisted", ALICE, WITHDRAW, UNLISTED, 1, expect="perps market not listed")
    w.perp(
        "withdraw above margin",
        ALICE,
        WITHDRAW,
        WETH,
        5_000 * 10**6 + 1,
        expect="withdraw amount exceeds margin",
    )
    w.perp("withdraw some", ALICE, WITHDRAW, WETH, 1_000 * 10**6, expect=True)
    w.perp("eve withdraws all (max)", EVE, WITHDRAW, WETH, UINT256_MAX, expect=True)
    w.perp(
        "eve withdraws max of nothing",
        EVE,
        WITHDRAW,
        WETH,
        UINT256_MAX,
        expect="withdraw amount is zero",
    )
    w.views("after deposits", WETH, ALICE, EVE)


def _trades(w: World) -> None:
    w.trade(ALICE, WETH, 0, expect="size delta is zero")
    w.perp(
        "deadline passed",
        ALICE,
        MODIFY,
        WETH,
        WAD,
        UINT256_MAX,
        w.time - 1,
        expect="deadline passed",
    )
    w.perp("deadline now", ALICE, MODIFY, WETH, WAD, UINT256_MAX, w.time, expect=True)
    w.trade(ALICE, UNLISTED, WAD, expect="perps market not listed")
    w.trade(ALICE, WETH, -WAD + 1, expect="position size below minimum")
    w.trade(ALICE, WETH, 9 * WAD, expect=True)
    w.perp("quote buy", BOB, QUOTE, WETH, 5 * WAD, expect=True)
    w.perp("quote sell", BOB, QUOTE, WETH, -5 * WAD, expect=True)
    w.perp("quote zero", BOB, QUOTE, WETH, 0, expect="size delta is zero")
    w.perp("quote unlisted", BOB, QUOTE, UNLISTED, 1, expect="perps market not listed")
    # acceptable price, both sides, to the wei
    fill, _fee = perps.quote_order(w.context(), WETH, WAD)
    w.perp(
        "buy one wei above acceptable",
        BOB,
        MODIFY,
        WETH,
        WAD,
        fill - 1,
        FAR,
        expect="fill price beyond acceptable price",
    )
    w.deposit(BOB, WETH, 50_000 * 10**6, expect=True)
    w.perp("buy at exactly acceptable", BOB, MODIFY, WETH, WAD, fill, FAR, expect=True)
    fill, _fee = perps.quote_order(w.context(), WETH, -3 * WAD)
    w.perp(
        "sell one wei below acceptable",
        BOB,
        MODIFY,
        WETH,
        -3 * WAD,
        fill + 1,
        FAR,
        expect="fill price beyond acceptable price",
    )
    w.perp("sell at exactly acceptable", BOB, MODIFY, WETH, -3 * WAD, fill, FAR, expect=True)
    # flips: bob from -2 to +4 (maker up to the skew, taker beyond), then back
    w.trade(BOB, WETH, 6 * WAD, expect=True)
    w.trade(BOB, WETH, -10 * WAD, expect=True)
    w.trade(CAROL, WETH, 5 * WAD, expect="insufficient margin")  # no margin at all
    w.deposit(CAROL, WETH, 100 * 10**6, expect=True)
    w.trade(CAROL, WETH, 5 * WAD, expect="insufficient margin")  # initial margin
    w.trade(CAROL, WETH, WAD // 5, expect=True)
    w.trade(CAROL, WETH, -WAD // 10, expect=True)  # a reduction (maintenance branch)
    w.trade(BOB, WETH, -2_100 * WAD, expect="fill price out of range")
    w.trade(DAVE, WETH, 95 * WAD, expect="insufficient margin")
    w.deposit(DAVE, WETH, 1_000_000 * 10**6, expect=True)
    w.trade(DAVE, WETH, 200 * WAD, expect="open interest cap exceeded")
    w.trade(DAVE, WETH, -200 * WAD, expect="open interest cap exceeded")
    w.views("after trades", WETH, ALICE, BOB, CAROL, DAVE)
    # int256 extremes
    for delta in (INT256_MIN, INT256_MAX, INT256_MIN + 1, -(2**200), 2**200):
        w.trade(DAVE, WETH, delta)
        w.perp(f"quote {delta}", DAVE, QUOTE, WETH, delta)
    # WBTC market: 18-decimal margin, volatility
    w.trade(ALICE, WBTC, WAD // 2, expect=True)
    w.deposit(BOB, WBTC, 10_000 * WAD, expect=True)
    w.trade(BOB, WBTC, -WAD // 10, expect=True)
    w.views("wbtc", WBTC, ALICE, BOB)
    # stale and missing prices
    w.advance(PRICE_MAX_AGE, 1)
    w.trade(CAROL, WETH, WAD // 10, expect=True)
    w.advance(1, 1)
    w.trade(CAROL, WETH, WAD // 10, expect="stale price")
    w.close(CAROL, WETH, expect="stale price")
    w.liquidate(KEEPER, CAROL, WETH, expect="stale price")
    w.perp("withdraw with a position, stale", CAROL, WITHDRAW, WETH, 1, expect="stale price")
    w.views("stale views", WETH, CAROL)
    w.perp("quote at a stale price", CAROL, QUOTE, WETH, WAD, expect=True)
    w.set_price(WETH, 0)
    w.trade(CAROL, WETH, WAD // 10, expect="no price for asset")
    w.views("no price", WETH)
    w.perp("position with no price", CAROL, POSITION, CAROL, WETH, expect="no price for asset")
    w.refresh_prices()
    w.set_price(WETH, 2_000 * WAD)
    w.perp(
        "withdraw below initial margin",
        CAROL,
        WITHDRAW,
        WETH,
        60 * 10**6,
        expect="withdrawal below initial margin",
    )
    w.perp("withdraw a little with a position", CAROL, WITHDRAW, WETH, 10**6, expect=True)
    w.close(EVE, WETH, expect="no open position")
    w.perp("close deadline passed", CAROL, CLOSE, WETH, 0, w.time - 1, expect="deadline passed")
    w.perp(
        "close beyond acceptable",
        CAROL,
        CLOSE,
        WETH,
        UINT256_MAX,
        FAR,
        expect="fill price beyond acceptable price",
    )
    w.close(CAROL, WETH, expect=True)
    w.close(CAROL, WBTC, expect="no open position")


def _funding(w: World) -> None:
    # long skew on WETH: a 30-day gap, then a short skew and another long gap
    w.views("before the gap", WETH, ALICE, BOB)
    w.advance(30 * DAY, 7)
    w.refresh_prices()
    w.views("30 days of long skew", WETH, ALICE, BOB)
    w.trade(ALICE, WETH, WAD, expect="position is liquidatable")  # funding ate the margin
    w.liquidate(KEEPER, ALICE, WETH, expect=None)
    w.trade(BOB, WETH, WAD // 2, expect=None)  # realizes funding
    w.trade(DAVE, WETH, -40 * WAD, expect=None)
    w.advance(45 * DAY + 17, 3)
    w.refresh_prices()
    w.views("45 days of short skew", WETH, ALICE, BOB, DAVE)
    w.trade(DAVE, WETH, 20 * WAD, expect=None)
    w.advance(400 * DAY + 1, 1)
    w.refresh_prices()
    w.views("400 days later", WETH, DAVE)
    w.advance(3_333, 1)
    w.refresh_prices()
    w.views("wbtc after long gaps", WBTC, ALICE, BOB)


def _liquidations(w: World) -> None:
    # fresh small world on WBTC and WETH: positions, then crashes
    w.give(USDC, PERPS, w.state.get(balance_key(USDC, PERPS)).amount + 10**13)
    w.give(DAI, PERPS, w.state.get(balance_key(DAI, PERPS)).amount + 10**25)
    w.refresh_prices()
    for user in USERS:
        for asset in (WETH, WBTC):
            if w.size(user, asset) and w.health(user, asset) < WAD:
                w.advance(12, 1)
                w.refresh_prices()
                w.liquidate(KEEPER, user, asset, expect=True)
            elif w.size(user, asset):
                w.close(user, asset, expect=True)
    w.advance(12, 10)
    w.set_price(WETH, 2_000 * WAD)
    w.set_price(WBTC, 60_000 * WAD)
    w.views("flat", WETH)
    w.deposit(ALICE, WETH, 2_400 * 10**6, expect=None)
    w.trade(ALICE, WETH, 10 * WAD, expect=None)
    w.liquidate(KEEPER, ALICE, WETH, expect=None)
    w.liquidate(ALICE, ALICE, WETH, expect=None)
    w.liquidate(KEEPER, EVE, WETH, expect=None)
    w.liquidate(KEEPER, ALICE, UNLISTED, expect=None)
    w.crash(ALICE, WETH)
    w.views("alice liquidatable", WETH, ALICE)
    w.trade(ALICE, WETH, WAD, expect=None)
    w.liquidate(KEEPER, ALICE, WETH, expect=None)  # no shortfall: the rest to the fund
    w.set_price(WETH, 2_000 * WAD)
    # shortfall paid by the fund: a long whose equity falls below the reward
    w.deposit(BOB, WETH, 0, expect=None)
    w.deposit(CAROL, WETH, 3_000 * 10**6, expect=None)
    w.trade(CAROL, WETH, 10 * WAD, expect=None)
    w.crash(CAROL, WETH)
    w.advance(12, 5)
    w.set_price(WETH, w.price(WETH) * 90 // 100)
    w.views("carol under water", WETH, CAROL)
    w.liquidate(KEEPER, CAROL, WETH, expect=None)
    # socialized: a short on the other side, the fund drained first
    w.set_price(WETH, 2_000 * WAD)
    m = w.market(WETH)
    w.poke(perps_market_key(WETH), m._replace(insurance_fund=10 * WAD))
    w.deposit(DAVE, WETH, 10_000 * 10**6, expect=None)
    w.trade(DAVE, WETH, -5 * WAD, expect=None)
    w.deposit(EVE, WETH, 2_400 * 10**6, expect=None)
    w.trade(EVE, WETH, 10 * WAD, expect=None)
    w.advance(12, 5)
    w.set_price(WETH, 1_600 * WAD)
    w.liquidate(KEEPER, EVE, WETH, expect=None)
    w.views("after socialization", WETH, DAVE)
    w.trade(DAVE, WETH, -WAD, expect=None)  # realizes the bad debt
    w.close(DAVE, WETH, expect=None)
    # socialized with no open interest on the other side: a deficit of cash
    w.set_price(WETH, 2_000 * WAD)
    m = w.market(WETH)
    w.poke(perps_market_key(WETH), m._replace(insurance_fund=0))
    w.deposit(EVE, WETH, 3_000 * 10**6, expect=None)
    w.trade(EVE, WETH, 10 * WAD, expect=None)
    w.advance(12, 5)
    w.set_price(WETH, 1_600 * WAD)
    w.liquidate(KEEPER, EVE, WETH, expect=None)
    w.views("deficit", WETH)
    # the leaky bucket (WBTC capacity 2 per block)
    w.set_price(WBTC, 60_000 * WAD)
    for who in (ALICE, BOB, CAROL):
        w.deposit(who, WBTC, 9_000 * WAD, expect=None)
        w.trade(who, WBTC, 3 * WAD // 2, expect=None)
    w.crash(ALICE, WBTC, 5)
    w.crash(BOB, WBTC, 5)
    w.crash(CAROL, WBTC, 5)
    w.views("wbtc crash", WBTC, ALICE, BOB, CAROL)
    w.liquidate(KEEPER, ALICE, WBTC, expect=None)  # empty bucket: one position, any size
    w.liquidate(KEEPER, BOB, WBTC, expect=None)
    w.views("bucket full", WBTC)
    w.advance(1, 1)
    w.refresh_prices()
    w.liquidate(KEEPER, BOB, WBTC, expect=None)  # 1.5 + 1.5 > 2
    w.advance(1, 1)
    w.refresh_prices()
    w.views("bucket drained", WBTC)
    w.liquidate(KEEPER, BOB, WBTC, expect=None)
    w.advance(0, 0)
    w.liquidate(KEEPER, CAROL, WBTC, expect=None)
    w.advance(12, 5)
    w.refresh_prices()
    w.liquidate(KEEPER, CAROL, WBTC, expect=None)


def _liquidity(w: World) -> None:
    # the net skew wins more than the contract holds: payouts refused, then exactly all passes
    w.advance(12, 10)
    w.set_price(WETH, 2_000 * WAD)
    for user in USERS:
        if w.size(user, WETH):
            w.close(user, WETH)
    w.deposit(ALICE, WETH, 2_400 * 10**6, expect=True)
    w.trade(ALICE, WETH, 10 * WAD, expect=True)
    w.give(USDC, PERPS, 3_400 * 10**6)  # what the margins and the fund would hold
    w.set_price(WETH, 2_500 * WAD)
    w.close(ALICE, WETH, expect="insufficient market liquidity")
    w.trade(ALICE, WETH, -10 * WAD, expect=True)
    held = w.state.get(balance_key(USDC, PERPS)).amount
    w.perp(
        "withdraw one unit more than held",
        ALICE,
        WITHDRAW,
        WETH,
        held + 1,
        expect="insufficient market liquidity",
    )
    w.perp("withdraw exactly all held", ALICE, WITHDRAW, WETH, held, expect=True)
    w.perp(
        "withdraw from an empty contract",
        ALICE,
        WITHDRAW,
        WETH,
        1,
        expect="insufficient market liquidity",
    )
    # a keeper reward the contract cannot pay (10 WETH: the reward is the $100 maximum)
    w.set_price(WETH, 2_000 * WAD)
    w.deposit(BOB, WETH, 2_400 * 10**6, expect=True)
    w.trade(BOB, WETH, 10 * WAD, expect=True)
    w.crash(BOB, WETH)
    w.give(USDC, PERPS, 100 * 10**6 - 1)
    w.liquidate(KEEPER, BOB, WETH, expect="insufficient market liquidity")
    w.give(USDC, PERPS, 100 * 10**6)
    w.liquidate(KEEPER, BOB, WETH, expect=True)
    # a close whose payout is exactly what the contract holds
    w.set_price(WETH, 2_000 * WAD)
    w.deposit(CAROL, WETH, 1_000 * 10**6, expect=True)
    w.trade(CAROL, WETH, WAD, expect=True)
    w.give(USDC, PERPS, 10**13)
    data = encode_call(CLOSE, WETH, 0, FAR)
    dry = execute_call(Overlay(w.state), w.environment(), CAROL, PERPS, 0, data)
    paid = int.from_bytes(dry.output[64:96], "big")
    w.give(USDC, PERPS, paid - 1)
    w.call(
        "close paying one unit more than held", CAROL, data, expect="insufficient market liquidity"
    )
    w.give(USDC, PERPS, paid)
    w.call("close paying exactly all held", CAROL, data, expect=True)
    w.give(USDC, PERPS, 10**13)  # a solvent contract for the random walk
    w.set_price(WETH, 2_000 * WAD)


def _broken(w: World) -> None:
    config = PerpsMarketConfig(listed=1, margin_token=int.from_bytes(USDC, "big"))
    w.poke(perps_market_config_key(BROKEN), config)
    w.perp("quote with skew scale 0", ALICE, QUOTE, BROKEN, WAD, expect="division by zero")
    w.deposit(ALICE, BROKEN, 10**6, expect=True)
    w.trade(ALICE, BROKEN, WAD, expect="division by zero")
    config = config._replace(skew_scale=1, max_funding_velocity=2**255)
    w.poke(perps_market_config_key(BROKEN), config)
    w.perp("market with velocity 2**255", ALICE, MARKET, BROKEN, expect="arithmetic overflow")
    w.advance(10, 1)
    w.refresh_prices()
    w.poke(perps_market_key(BROKEN), PerpsMarket(skew=1, last_funding_time=w.time - 5))
    w.perp("accrual with velocity 2**255", ALICE, MARKET, BROKEN, expect="arithmetic overflow")
    w.poke(perps_position_key(ALICE, BROKEN), PerpsPosition(margin=2**255))
    w.perp("margin of 2**255", ALICE, POSITION, ALICE, WETH, expect=True)
    w.perp("position with margin 2**255", ALICE, POSITION, ALICE, BROKEN)


def _random_walk(w: World, rng: random.Random, count: int) -> None:
    for i in range(count):
        if rng.random() < 0.3:
            w.advance(rng.choice([0, 1, 12, 600, 3_599, DAY]), rng.choice([0, 1, 1, 3]))
            w.refresh_prices()
        if rng.random() < 0.25:
            asset = rng.choice((WETH, WBTC))
            w.set_price(asset, w.price(asset) * rng.randint(85, 115) // 100, rng.randint(0, WAD))
        actor = rng.choice(USERS)
        asset = rng.choice((WETH, WETH, WBTC))
        unit = 10**6 if asset == WETH else WAD
        kind = rng.choice(
            ["deposit", "withdraw", "trade", "trade", "trade", "close", "liquidate", "view"]
        )
        label = f"random {i}"
        if kind == "deposit":
            w.perp(label, actor, DEPOSIT, asset, rng.randint(1, 20_000) * unit)
        elif kind == "withdraw":
            amount = rng.choice([UINT256_MAX, rng.randint(1, 5_000) * unit])
            w.perp(label, actor, WITHDRAW, asset, amount)
        elif kind == "trade":
            delta = rng.randint(-15, 15) * WAD // (4 if asset == WETH else 40)
            acceptable = UINT256_MAX if delta > 0 else 0
            w.perp(label, actor, MODIFY, asset, delta, acceptable, FAR)
        elif kind == "close":
            acceptable = UINT256_MAX if w.size(actor, asset) < 0 else 0
            w.perp(label, actor, CLOSE, asset, acceptable, FAR)
        elif kind == "liquidate":
            targets = [u for u in USERS if w.size(u, asset) and w.health(u, asset) < WAD]
            target = rng.choice(targets) if targets else rng.choice(USERS)
            w.perp(label, KEEPER, LIQUIDATE, target, asset)
        else:
            view = rng.choice([MARKET, POSITION, QUOTE])
            if view == MARKET:
                w.perp(label, actor, MARKET, asset)
            elif view == POSITION:
                w.perp(label, actor, POSITION, rng.choice(USERS), asset)
            else:
                w.perp(label, actor, QUOTE, asset, rng.randint(-10, 10) * WAD)


# ---------------------------------------------------------------------------------------------


def build_world() -> World:
    world = World(build_genesis(build_document()).state)
    _calldata_errors(world)
    _margin(world)
    _trades(world)
    _funding(world)
    _liquidations(world)
    _liquidity(world)
    _broken(world)
    _random_walk(world, random.Random(SEED), RANDOM_CALLS)
    return world


def build_vectors_json() -> str:
    """The vectors file's exact text.

    `calls[i]` is abi.encode(Env, Call) and `witnesses[i]` the witness of vector i, both
    dictionary-encoded (as stf_lending.json); `outputs[i]` the return data (success) or revert
    data, `logs[i]` abi.encode(Log[]) of the call's logs (none when it reverted).
    """
    vectors = build_world().vectors
    dictionary, encoded = encode_with_dictionary(
        [v.encode_environment_and_call() for v in vectors] + [v.witness for v in vectors]
    )
    document = {
        "count": len(vectors),
        "labels": [v.label for v in vectors],
        "preRoots": ["0x" + v.pre_root.hex() for v in vectors],
        "postRoots": ["0x" + v.post_root.hex() for v in vectors],
        "success": [v.success for v in vectors],
        "operationGas": [v.operation_gas for v in vectors],
        "outputs": ["0x" + v.result.output.hex() for v in vectors],
        "logs": ["0x" + encode_logs(v.result).hex() for v in vectors],
        "words": ["0x" + word.hex() for word in dictionary],
        "calls": ["0x" + refs.hex() for refs in encoded[: len(vectors)]],
        "witnesses": ["0x" + refs.hex() for refs in encoded[len(vectors) :]],
    }
    return json.dumps(document, indent=0) + "\n"


def main(argv: list[str]) -> int:
    text = build_vectors_json()
    return write_or_check(VECTORS_PATH, text, "gen_stf_vectors_perps", "--check" in argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
