#!/usr/bin/env python3
"""Differential vectors of the lending and leverage STF: Python against the Solidity modules.

Builds a genesis world with nine lending markets and three AMM pools, then runs a scripted list of
edge cases and a seeded random walk of calls to ILending (0x…0200) and ILeverage (0x…0300). Every
call runs through rollup.execution.execute_call under rollup.witness.run_with_witness, and becomes
a vector: the witness, the state roots before and after, the block environment and the call, and
whether it succeeded. contracts/test/prover/StfLendingVectors.t.sol replays each one through
StfHarness.runCall with LendingModule or LeverageModule and checks the same success and post root;
tests/unit/test_stf_vectors_lending.py regenerates them and checks the committed JSON is current.

Setup between calls (prices, allowances, balances) is written into the state directly, as another
module's transaction would have left it; only lending and leverage calls are vectors.

Usage (from the repository root): python -m scripts.gen_stf_vectors_lending [--check]
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rollup.abi import encode_call
from rollup.addresses import LENDING, LEVERAGE, WETH
from rollup.execution import CallResult
from rollup.fixedpoint import RAY, UINT256_MAX, WAD
from rollup.genesis import build_genesis
from rollup.state import (
    Allowance,
    Market,
    Overlay,
    Price,
    State,
    StateKey,
    TokenBalance,
    allowance_key,
    balance_key,
    market_key,
    price_key,
)
from rollup.system import lending
from rollup.system.context import BlockEnvironment, CallContext
from scripts.vectors import CallVector, record_call, write_or_check

REPOSITORY = Path(__file__).resolve().parent.parent
VECTORS_PATH = REPOSITORY / "contracts" / "vectors" / "stf_lending.json"

CHAIN_ID = 901
GENESIS_TIME = 1_000_000
PRICE_MAX_AGE = 3_600
BASE_FEE = 1_000_000
SEED = 20_240_601
RANDOM_CALLS = 70


def _address(suffix: int) -> bytes:
    return bytes.fromhex("42" + "00" * 17) + suffix.to_bytes(2, "big")


def _user(index: int) -> bytes:
    return bytes.fromhex("a0" * 18) + index.to_bytes(2, "big")


USDC = _address(0x2001)  # 6 decimals, token0 of its pool with WBTC, token1 with WETH
WBTC = _address(0x2002)  # 8 decimals
DAI = _address(0x2003)  # 18 decimals
EXTRA = tuple(_address(0x2010 + i) for i in range(5))  # X0..X4, 18 decimals, $1 each
UNLISTED = _address(0x2020)  # a registered token with a price but no market
MARKET_ASSETS = (USDC, WETH, WBTC, DAI, *EXTRA)

ALICE, BOB, CAROL, DAVE, LIQUIDATOR, MAXI, BANK, EVE, FRANK = (_user(i) for i in range(1, 10))
USERS = (ALICE, BOB, CAROL, DAVE, LIQUIDATOR, MAXI, EVE, FRANK)
ORACLE_ADDRESS = _user(9)

NAMES = {USDC: "USDC", WETH: "WETH", WBTC: "WBTC", DAI: "DAI", UNLISTED: "UNL"}
NAMES.update({asset: f"X{i}" for i, asset in enumerate(EXTRA)})
NAMES.update({ALICE: "alice", BOB: "bob", CAROL: "carol", DAVE: "dave"})
NAMES.update(
    {
        LIQUIDATOR: "liq",
        MAXI: "maxi",
        BANK: "bank",
        EVE: "eve",
        FRANK: "frank",
        LENDING: "lending",
        LEVERAGE: "leverage",
    }
)

DECIMALS = {USDC: 6, WETH: 18, WBTC: 8, DAI: 18, UNLISTED: 18}
DECIMALS.update({asset: 18 for asset in EXTRA})

SUPPLY = "supply(address,uint256)"
WITHDRAW = "withdraw(address,uint256)"
BORROW = "borrow(address,uint256)"
REPAY = "repay(address,uint256)"
LIQUIDATE = "liquidate(address,address,address,uint256)"
ACCOUNT_DATA = "getAccountData(address)"
POSITION = "getPosition(address,address)"
MARKET = "getMarket(address)"
RISK = "getRiskParameters(address)"
OPEN = "openPosition(address,address,uint256,uint256,uint256,uint256)"
CLOSE = "closePosition(address,address,uint256,uint256)"
MAX_LEVERAGE = "maxLeverage(address)"

FAR = 2**64


def _hex(address: bytes) -> str:
    return "0x" + address.hex()


def _units(asset: bytes, amount: float | int) -> int:
    return int(amount * 10 ** DECIMALS[asset])


def _market(**overrides: str) -> dict[str, str]:
    config = {
        "baseRate": "0.02",
        "slope1": "0.1",
        "slope2": "1.0",
        "optimalUtilization": "0.8",
        "reserveFactor": "0.1",
        "collateralFactor": "0.75",
        "liquidationThreshold": "0.8",
        "liquidationBonus": "0.05",
        "closeFactor": "0.5",
        "volatilitySensitivity": "0.25",
        "collateralFactorFloor": "0.4",
        "liquidationThresholdFloor": "0.5",
    }
    config.update(overrides)
    return config


def build_document() -> dict[str, Any]:
    """Nine markets, one priced unlisted token, three pools; dave supplies every market."""
    holders = [ALICE, BOB, CAROL, DAVE, LIQUIDATOR, MAXI, BANK, EVE, FRANK]
    amounts = {USDC: 1_000_000, WETH: 500, WBTC: 20, DAI: 1_000_000, UNLISTED: 1_000}
    amounts.update({asset: 1_000 for asset in EXTRA})
    tokens = []
    for asset in (USDC, WETH, WBTC, DAI, *EXTRA, UNLISTED):
        tokens.append(
            {
                "address": _hex(asset),
                "name": NAMES[asset],
                "symbol": NAMES[asset],
                "decimals": DECIMALS[asset],
                "balances": {
                    _hex(holder): str(_units(asset, amounts[asset])) for holder in holders
                },
            }
        )
    prices = {USDC: "1.0", WETH: "2000.0", WBTC: "60000.0", DAI: "1.0", UNLISTED: "5.0"}
    prices.update({asset: "1.0" for asset in EXTRA})
    markets = [
        {
            "asset": _hex(USDC),
            **_market(
                collateralFactor="0.8",
                liquidationThreshold="0.85",
                liquidationBonus="0.04",
                volatilitySensitivity="0.5",
                collateralFactorFloor="0.5",
                liquidationThresholdFloor="0.6",
            ),
        },
        {
            "asset": _hex(WETH),
            **_market(baseRate="0.01", slope1="0.05", slope2="0.8", reserveFactor="0.2"),
        },
        {"asset": _hex(WBTC), **_market(closeFactor="1.0", liquidationBonus="0.1")},
        {"asset": _hex(DAI), **_market(optimalUtilization="0.9", slope2="3.0")},
        *({"asset": _hex(asset), **_market()} for asset in EXTRA),
    ]
    return {
        "chainId": CHAIN_ID,
        "timestamp": GENESIS_TIME,
        "baseFee": BASE_FEE,
        "minBaseFee": BASE_FEE,
        "oracle": _hex(ORACLE_ADDRESS),
        "priceMaxAge": PRICE_MAX_AGE,
        "alloc": {_hex(holder): {"balance": str(10**21)} for holder in holders},
        "tokens": tokens,
        "prices": [
            {"asset": _hex(asset), "price": price, "volatility": "0.0"}
            for asset, price in prices.items()
        ],
        "markets": markets,
        "pools": [
            {
                "tokenA": _hex(WETH),
                "tokenB": _hex(USDC),
                "amountA": str(_units(WETH, 1_000)),
                "amountB": str(_units(USDC, 2_000_000)),
                "provider": _hex(DAVE),
            },
            {
                "tokenA": _hex(WBTC),
                "tokenB": _hex(USDC),
                "amountA": str(_units(WBTC, 50)),
                "amountB": str(_units(USDC, 3_000_000)),
                "provider": _hex(DAVE),
            },
            {
                "tokenA": _hex(DAI),
                "tokenB": _hex(WETH),
                "amountA": str(_units(DAI, 1_000_000)),
                "amountB": str(_units(WETH, 500)),
                "provider": _hex(DAVE),
            },
        ],
        "supplies": [
            {"account": _hex(DAVE), "asset": _hex(asset), "amount": str(_units(asset, amount))}
            for asset, amount in ((USDC, 500_000), (WETH, 200), (WBTC, 10), (DAI, 500_000))
        ]
        + [
            {"account": _hex(BANK), "asset": _hex(asset), "amount": str(_units(asset, 500))}
            for asset in EXTRA
        ],
    }


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

    def set_price(
        self, asset: bytes, price: int, volatility: int = 0, at: int | None = None
    ) -> None:
        self.poke(price_key(asset), Price(price, volatility, self.time if at is None else at))

    def refresh_prices(self) -> None:
        for asset in (*MARKET_ASSETS, UNLISTED):
            leaf: Price = self.state.get(price_key(asset))
            self.set_price(asset, leaf.price, leaf.volatility)

    def approve(
        self, owner: bytes, token: bytes, spender: bytes, amount: int = UINT256_MAX
    ) -> None:
        self.poke(allowance_key(token, owner, spender), Allowance(amount))

    def give(self, token: bytes, owner: bytes, amount: int) -> None:
        self.poke(balance_key(token, owner), TokenBalance(amount))

    def advance(self, seconds: int) -> None:
        self.time += seconds
        self.number += 1

    # -- reading ------------------------------------------------------------------------------

    def environment(self) -> BlockEnvironment:
        return BlockEnvironment(self.number, self.time, BASE_FEE, CHAIN_ID)

    def context(self) -> CallContext:
        return CallContext(Overlay(self.state), self.environment(), bytes(20), 0)

    def balance(self, token: bytes, owner: bytes) -> int:
        return int(self.state.get(balance_key(token, owner)).amount)

    def position(self, account: bytes, asset: bytes) -> tuple[int, int]:
        return lending.get_position(self.context(), account, asset)

    def account_data(self, account: bytes) -> lending.AccountData:
        return lending.compute_account_data(self.context(), account, require_fresh=False)

    # -- vectors ------------------------------------------------------------------------------

    def call(
        self,
        label: str,
        sender: bytes,
        to: bytes,
        data: bytes,
        *,
        expect: str | bool | None = None,
        value: int = 0,
    ) -> CallResult:
        """Run one call as a vector. `expect`: True (must succeed), a revert reason, or None."""
        vector = record_call(self.state, self.environment(), sender, to, data, value, label)
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

    def lend(self, label: str, sender: bytes, signature: str, *args: Any, **kw: Any) -> CallResult:
        return self.call(label, sender, LENDING, encode_call(signature, *args), **kw)

    def lever(self, label: str, sender: bytes, signature: str, *args: Any, **kw: Any) -> CallResult:
        return self.call(label, sender, LEVERAGE, encode_call(signature, *args), **kw)


# ---------------------------------------------------------------------------------------------
# Scripted edge cases


def _calldata_errors(w: World) -> None:
    supply = encode_call(SUPPLY, USDC, 1)
    w.call("lending: empty calldata", ALICE, LENDING, b"", expect="missing function selector")
    w.call(
        "lending: 3-byte calldata", ALICE, LENDING, supply[:3], expect="missing function selector"
    )
    w.call(
        "lending: unknown selector",
        ALICE,
        LENDING,
        b"\xde\xad\xbe\xef" + supply[4:],
        expect="unknown function selector 0xdeadbeef",
    )
    w.call(
        "lending: supply calldata too short",
        ALICE,
        LENDING,
        supply[:-1],
        expect="calldata too short",
    )
    dirty = supply[:4] + b"\x01" + supply[5:]
    w.call(
        "lending: supply dirty address", ALICE, LENDING, dirty, expect="invalid address argument"
    )
    w.call(
        "lending: liquidate calldata too short",
        ALICE,
        LENDING,
        encode_call(LIQUIDATE, BOB, USDC, WETH, 1)[:-32],
        expect="calldata too short",
    )
    w.call(
        "lending: value sent to supply",
        ALICE,
        LENDING,
        supply,
        value=1,
        expect="function is not payable",
    )
    w.call(
        "lending: getPosition too short",
        ALICE,
        LENDING,
        encode_call(POSITION, ALICE, USDC)[:36],
        expect="calldata too short",
    )
    w.call(
        "lending: getAccountData dirty address",
        ALICE,
        LENDING,
        encode_call(ACCOUNT_DATA, ALICE)[:4] + b"\xff" * 32,
        expect="invalid address argument",
    )
    opening = encode_call(OPEN, WETH, USDC, 1, 2 * WAD, UINT256_MAX, FAR)
    w.call("leverage: empty calldata", ALICE, LEVERAGE, b"", expect="missing function selector")
    w.call(
        "leverage: unknown selector",
        ALICE,
        LEVERAGE,
        encode_call(SUPPLY, USDC, 1),
        expect=f"unknown function selector 0x{encode_call(SUPPLY, USDC, 1)[:4].hex()}",
    )
    w.call(
        "leverage: open calldata too short",
        ALICE,
        LEVERAGE,
        opening[:-32],
        expect="calldata too short",
    )
    w.call(
        "leverage: open dirty address",
        ALICE,
        LEVERAGE,
        opening[: 4 + 32] + b"\x00" * 11 + b"\x01" + opening[4 + 44 :],
        expect="invalid address argument",
    )
    w.call(
        "leverage: close calldata too short",
        ALICE,
        LEVERAGE,
        encode_call(CLOSE, WETH, USDC, 0, FAR)[:-1],
        expect="calldata too short",
    )
    w.call(
        "leverage: value sent to open",
        ALICE,
        LEVERAGE,
        opening,
        value=5,
        expect="function is not payable",
    )
    w.call(
        "leverage: maxLeverage too short",
        ALICE,
        LEVERAGE,
        encode_call(MAX_LEVERAGE, WETH)[:20],
        expect="calldata too short",
    )


def _supplies(w: World) -> None:
    for user in USERS:
        for asset in (*MARKET_ASSETS, UNLISTED):
            w.approve(user, asset, LENDING)
    w.lend("supply USDC", ALICE, SUPPLY, USDC, _units(USDC, 50_000), expect=True)
    w.lend("supply WETH", BOB, SUPPLY, WETH, _units(WETH, 10), expect=True)
    w.lend("supply zero", ALICE, SUPPLY, USDC, 0, expect="supply amount is zero")
    w.lend("supply unlisted", ALICE, SUPPLY, UNLISTED, 10, expect="market not listed")
    w.lend(
        "supply more than balance",
        ALICE,
        SUPPLY,
        WETH,
        _units(WETH, 501),
        expect="transfer amount exceeds balance",
    )
    w.approve(CAROL, USDC, LENDING, _units(USDC, 100))
    w.lend("supply within limited allowance", CAROL, SUPPLY, USDC, _units(USDC, 60), expect=True)
    w.lend(
        "supply beyond limited allowance",
        CAROL,
        SUPPLY,
        USDC,
        _units(USDC, 60),
        expect="insufficient allowance",
    )
    w.approve(CAROL, USDC, LENDING)
    w.lend("supply again, same market", ALICE, SUPPLY, USDC, 1, expect=True)
    w.lend("supply WBTC (8 decimals)", CAROL, SUPPLY, WBTC, _units(WBTC, 1), expect=True)
    # max markets: maxi enters eight markets, the ninth is refused
    for asset in MARKET_ASSETS[:8]:
        w.lend(
            f"maxi supplies {NAMES[asset]}", MAXI, SUPPLY, asset, 10 ** DECIMALS[asset], expect=True
        )
    w.lend(
        "maxi supplies a ninth market",
        MAXI,
        SUPPLY,
        MARKET_ASSETS[8],
        10**18,
        expect="too many markets entered",
    )
    w.lend(
        "maxi borrows a ninth market",
        MAXI,
        BORROW,
        MARKET_ASSETS[8],
        10**16,
        expect="too many markets entered",
    )
    w.lend("maxi account data (eight markets)", MAXI, ACCOUNT_DATA, MAXI, expect=True)
    w.lend("maxi borrows in an entered market", MAXI, BORROW, USDC, _units(USDC, 100), expect=True)
    w.lend(
        "maxi withdraws all X3 (frees a slot)", MAXI, WITHDRAW, EXTRA[3], UINT256_MAX, expect=True
    )
    w.lend(
        "maxi supplies the ninth market now", MAXI, SUPPLY, MARKET_ASSETS[8], 10**18, expect=True
    )


def _borrows(w: World) -> None:
    w.lend("borrow WETH against USDC", ALICE, BORROW, WETH, _units(WETH, 5), expect=True)
    w.lend("borrow zero", ALICE, BORROW, WETH, 0, expect="borrow amount is zero")
    w.lend("borrow unlisted", ALICE, BORROW, UNLISTED, 1, expect="market not listed")
    w.lend(
        "borrow above limit",
        ALICE,
        BORROW,
        WETH,
        _units(WETH, 20),
        expect="borrow exceeds borrow limit",
    )
    w.lend(
        "borrow more than cash",
        ALICE,
        BORROW,
        WBTC,
        _units(WBTC, 1_000),
        expect="insufficient liquidity in market",
    )
    w.lend(
        "borrow without collateral",
        CAROL,
        BORROW,
        DAI,
        _units(DAI, 100_000),
        expect="borrow exceeds borrow limit",
    )
    w.lend("borrow USDC against WETH", BOB, BORROW, USDC, _units(USDC, 10_000), expect=True)
    # exactly at the limit: 0.75 * 10 WETH * $2,000 = $15,000 → 5,000 more USDC is the limit
    w.lend("borrow to exactly the limit", BOB, BORROW, USDC, _units(USDC, 5_000), expect=True)
    w.lend(
        "borrow one unit above the limit",
        BOB,
        BORROW,
        USDC,
        1,
        expect="borrow exceeds borrow limit",
    )
    # stale prices: the health check needs fresh prices of every entered market
    w.advance(PRICE_MAX_AGE)
    w.lend(
        "borrow at the last fresh second", ALICE, BORROW, WETH, _units(WETH, 1) // 10, expect=True
    )
    w.advance(1)
    w.lend(
        "borrow with stale prices", ALICE, BORROW, WETH, _units(WETH, 1) // 10, expect="stale price"
    )
    w.lend("withdraw with debt and stale prices", ALICE, WITHDRAW, USDC, 1, expect="stale price")
    w.lend("account data ignores staleness", ALICE, ACCOUNT_DATA, ALICE, expect=True)
    w.lend("supply needs no price", ALICE, SUPPLY, USDC, _units(USDC, 1), expect=True)
    w.lend("repay needs no price", ALICE, REPAY, WETH, _units(WETH, 1) // 100, expect=True)
    w.refresh_prices()
    # a price of zero
    w.set_price(DAI, 0)
    w.lend("supply DAI with no price", CAROL, SUPPLY, DAI, _units(DAI, 1_000), expect=True)
    w.lend("borrow against an unpriced market", CAROL, BORROW, USDC, 1, expect="no price for asset")
    w.lend("account data with no price", CAROL, ACCOUNT_DATA, CAROL, expect="no price for asset")
    w.lend("risk parameters with no price", CAROL, RISK, DAI, expect=True)
    w.set_price(DAI, WAD)
    w.lend("borrow against DAI", CAROL, BORROW, USDC, _units(USDC, 500), expect=True)


def _volatility(w: World) -> None:
    # bob: 10 WETH supplied, 15,000 USDC borrowed, at the limit. Volatility lowers the limit.
    w.lend("risk parameters WETH, calm", ALICE, RISK, WETH, expect=True)
    w.set_price(WETH, 2_000 * WAD, 10 * WAD // 100)  # CF 0.75 - 0.025 = 0.725, LT 0.775
    w.lend("risk parameters WETH, volatile", ALICE, RISK, WETH, expect=True)
    w.lend(
        "withdraw above the volatile limit",
        BOB,
        WITHDRAW,
        WETH,
        _units(WETH, 1) // 10,
        expect="withdrawal would exceed borrow limit",
    )
    w.lend(
        "borrow above the volatile limit",
        BOB,
        BORROW,
        USDC,
        1,
        expect="borrow exceeds borrow limit",
    )
    w.lend(
        "healthy bob is not liquidated",
        LIQUIDATOR,
        LIQUIDATE,
        BOB,
        USDC,
        WETH,
        UINT256_MAX,
        expect="health factor is not below 1",
    )
    w.set_price(WETH, 2_000 * WAD, 10 * WAD)  # penalties above the factors: the floors
    w.lend("risk parameters WETH at the floors", ALICE, RISK, WETH, expect=True)
    w.lever("max leverage at the floor", ALICE, MAX_LEVERAGE, WETH, expect=True)
    w.set_price(WETH, 2_000 * WAD, UINT256_MAX // 10**17)  # sensitivity * volatility overflows
    w.lend("risk parameters, volatility overflow", ALICE, RISK, WETH, expect="arithmetic overflow")
    w.lend("borrow, volatility overflow", BOB, BORROW, USDC, 1, expect="arithmetic overflow")
    w.lever(
        "max leverage, volatility overflow", ALICE, MAX_LEVERAGE, WETH, expect="arithmetic overflow"
    )
    w.set_price(WETH, 2_000 * WAD, 0)


def _interest(w: World) -> None:
    w.lend("market USDC", ALICE, MARKET, USDC, expect=True)
    w.advance(30 * 86_400)
    w.refresh_prices()
    w.lend("market USDC after 30 days (view accrues)", ALICE, MARKET, USDC, expect=True)
    w.lend("position after 30 days", ALICE, POSITION, BOB, USDC, expect=True)
    w.lend("supply accrues USDC after 30 days", ALICE, SUPPLY, USDC, _units(USDC, 10), expect=True)
    w.lend("same block: no more interest", ALICE, SUPPLY, USDC, _units(USDC, 10), expect=True)
    # push DAI above its optimal utilization (0.9): the jump slope applies
    cash = w.balance(DAI, LENDING)
    w.lend("supply WBTC as collateral", LIQUIDATOR, SUPPLY, WBTC, _units(WBTC, 15), expect=True)
    w.lend("borrow 95% of DAI cash", LIQUIDATOR, BORROW, DAI, cash * 95 // 100, expect=True)
    w.lend("market DAI above optimal", ALICE, MARKET, DAI, expect=True)
    w.advance(365 * 86_400)
    w.refresh_prices()
    w.lend("market DAI a year later", ALICE, MARKET, DAI, expect=True)
    w.lend(
        "repay some DAI a year later (accrues)",
        LIQUIDATOR,
        REPAY,
        DAI,
        _units(DAI, 1_000),
        expect=True,
    )
    w.lend(
        "withdraw DAI beyond cash",
        DAVE,
        WITHDRAW,
        DAI,
        UINT256_MAX,
        expect="insufficient liquidity in market",
    )
    w.lend("account data after a year", LIQUIDATOR, ACCOUNT_DATA, LIQUIDATOR, expect=True)
    # a market whose clock is ahead of the block (elapsed <= 0: nothing accrues)
    market: Market = w.state.get(market_key(WBTC))
    w.poke(market_key(WBTC), market._replace(last_update=w.time + 100))
    w.lend("supply WBTC, market clock ahead", CAROL, SUPPLY, WBTC, _units(WBTC, 1), expect=True)
    w.poke(market_key(WBTC), market._replace(last_update=w.time))
    # a supply too small for the grown index
    w.lend(
        "supply 1 unit of DAI at a grown index",
        CAROL,
        SUPPLY,
        DAI,
        1,
        expect="supply amount too small",
    )


def _withdrawals(w: World) -> None:
    w.lend("withdraw part", DAVE, WITHDRAW, USDC, _units(USDC, 1_000), expect=True)
    w.lend("withdraw zero", DAVE, WITHDRAW, USDC, 0, expect="nothing to withdraw")
    w.lend(
        "withdraw from an empty position",
        CAROL,
        WITHDRAW,
        WETH,
        UINT256_MAX,
        expect="nothing to withdraw",
    )
    w.lend(
        "withdraw more than supplied",
        CAROL,
        WITHDRAW,
        WBTC,
        _units(WBTC, 100),
        expect="withdraw amount exceeds supply",
    )
    w.lend("withdraw unlisted", CAROL, WITHDRAW, UNLISTED, 1, expect="market not listed")
    w.lend("withdraw all WBTC (no debt)", CAROL, WITHDRAW, WBTC, UINT256_MAX, expect=True)
    w.lend(
        "withdraw with debt, within limit", ALICE, WITHDRAW, USDC, _units(USDC, 1_000), expect=True
    )
    w.lend(
        "withdraw all with debt",
        ALICE,
        WITHDRAW,
        USDC,
        UINT256_MAX,
        expect="withdrawal would exceed borrow limit",
    )
    # a market whose cash is lent out
    w.lend("borrow most of X0", DAVE, BORROW, EXTRA[0], _units(EXTRA[0], 400), expect=True)
    w.lend(
        "withdraw X0 beyond cash",
        BANK,
        WITHDRAW,
        EXTRA[0],
        UINT256_MAX,
        expect="insufficient liquidity in market",
    )
    w.lend("withdraw X0 within cash", BANK, WITHDRAW, EXTRA[0], _units(EXTRA[0], 100), expect=True)


def _repayments(w: World) -> None:
    w.lend("repay part", BOB, REPAY, USDC, _units(USDC, 1_000), expect=True)
    w.lend("repay with no debt", CAROL, REPAY, WETH, 1, expect="no debt to repay")
    w.lend("repay zero", BOB, REPAY, USDC, 0, expect="repay amount is zero")
    w.lend("repay unlisted", BOB, REPAY, UNLISTED, 1, expect="market not listed")
    w.approve(BOB, USDC, LENDING, 10)
    w.lend("repay beyond allowance", BOB, REPAY, USDC, 11, expect="insufficient allowance")
    w.approve(BOB, USDC, LENDING)
    poor = w.balance(USDC, BOB)
    w.give(USDC, BOB, 5)
    w.lend("repay beyond balance", BOB, REPAY, USDC, 6, expect="transfer amount exceeds balance")
    w.give(USDC, BOB, poor)
    w.lend(
        "repay more than the debt (capped)", MAXI, REPAY, USDC, _units(USDC, 1_000_000), expect=True
    )
    w.lend("maxi position after full repay", MAXI, POSITION, MAXI, USDC, expect=True)
    w.lend("repay all (max)", CAROL, REPAY, USDC, UINT256_MAX, expect=True)


def _liquidations(w: World) -> None:
    # carol: WETH collateral, USDC debt; a price drop makes her unhealthy
    w.lend("carol supplies WETH", CAROL, SUPPLY, WETH, _units(WETH, 5), expect=True)
    w.lend("carol borrows USDC", CAROL, BORROW, USDC, _units(USDC, 7_400), expect=True)
    for user in USERS:
        w.approve(user, USDC, LENDING)
    w.lend(
        "liquidate a healthy account",
        LIQUIDATOR,
        LIQUIDATE,
        CAROL,
        USDC,
        WETH,
        UINT256_MAX,
        expect="health factor is not below 1",
    )
    w.set_price(WETH, 1_200 * WAD)
    w.lend("carol account data, unhealthy", ALICE, ACCOUNT_DATA, CAROL, expect=True)
    w.lend(
        "liquidate yourself",
        CAROL,
        LIQUIDATE,
        CAROL,
        USDC,
        WETH,
        UINT256_MAX,
        expect="cannot liquidate yourself",
    )
    w.lend(
        "liquidate: no such debt",
        LIQUIDATOR,
        LIQUIDATE,
        CAROL,
        DAI,
        WETH,
        UINT256_MAX,
        expect="borrower has no such debt",
    )
    w.lend(
        "liquidate: no such collateral",
        LIQUIDATOR,
        LIQUIDATE,
        CAROL,
        USDC,
        WBTC,
        UINT256_MAX,
        expect="borrower has no such collateral",
    )
    w.lend(
        "liquidate: repay zero",
        LIQUIDATOR,
        LIQUIDATE,
        CAROL,
        USDC,
        WETH,
        0,
        expect="repay amount is zero",
    )
    w.lend(
        "liquidate: unlisted debt",
        LIQUIDATOR,
        LIQUIDATE,
        CAROL,
        UNLISTED,
        WETH,
        1,
        expect="market not listed",
    )
    w.advance(PRICE_MAX_AGE + 1)
    w.lend(
        "liquidate with stale prices",
        LIQUIDATOR,
        LIQUIDATE,
        CAROL,
        USDC,
        WETH,
        UINT256_MAX,
        expect="stale price",
    )
    w.refresh_prices()
    w.approve(LIQUIDATOR, USDC, LENDING, 5)
    w.lend(
        "liquidate beyond allowance",
        LIQUIDATOR,
        LIQUIDATE,
        CAROL,
        USDC,
        WETH,
        1_000,
        expect="insufficient allowance",
    )
    w.approve(LIQUIDATOR, USDC, LENDING)
    w.lend(
        "liquidate a little",
        LIQUIDATOR,
        LIQUIDATE,
        CAROL,
        USDC,
        WETH,
        _units(USDC, 100),
        expect=True,
    )
    w.lend(
        "liquidate up to the close factor",
        LIQUIDATOR,
        LIQUIDATE,
        CAROL,
        USDC,
        WETH,
        UINT256_MAX,
        expect=True,
    )
    w.lend("carol after liquidations", ALICE, ACCOUNT_DATA, CAROL, expect=True)
    # collateral short: the repayment shrinks to what the collateral covers (WBTC close factor 1)
    w.lend("eve supplies a little USDC", EVE, SUPPLY, USDC, _units(USDC, 100), expect=True)
    w.lend("eve borrows WBTC", EVE, BORROW, WBTC, 110_000, expect=True)
    w.set_price(WBTC, 100_000 * WAD)
    w.lend(
        "liquidate WBTC debt against short USDC collateral",
        LIQUIDATOR,
        LIQUIDATE,
        EVE,
        WBTC,
        USDC,
        UINT256_MAX,
        expect=True,
    )
    w.lend("eve after the liquidation", ALICE, ACCOUNT_DATA, EVE, expect=True)
    w.lend(
        "liquidate eve again: no collateral left",
        LIQUIDATOR,
        LIQUIDATE,
        EVE,
        WBTC,
        USDC,
        UINT256_MAX,
        expect="borrower has no such collateral",
    )
    w.set_price(WBTC, 60_000 * WAD)
    # bob (WETH collateral, USDC debt) is unhealthy at $1,200 WETH
    w.lend("bob supplies a little USDC", BOB, SUPPLY, USDC, _units(USDC, 100), expect=True)
    w.lend("bob supplies 1 unit of WBTC", BOB, SUPPLY, WBTC, 1, expect=True)
    w.lend(
        "liquidate 1 unit of USDC for WBTC dust",
        LIQUIDATOR,
        LIQUIDATE,
        BOB,
        USDC,
        WBTC,
        1,
        expect="nothing to seize",
    )
    w.lend(
        "liquidate bob with the same debt and collateral asset",
        LIQUIDATOR,
        LIQUIDATE,
        BOB,
        USDC,
        USDC,
        UINT256_MAX,
        expect=True,
    )
    w.lend(
        "liquidate bob's USDC debt against WETH",
        LIQUIDATOR,
        LIQUIDATE,
        BOB,
        USDC,
        WETH,
        UINT256_MAX,
        expect=True,
    )
    w.lend("bob after liquidations", ALICE, ACCOUNT_DATA, BOB, expect=True)
    # eve's bad debt (WBTC) against a collateral of 1 unit of WBTC: a tiny repay seizes nothing
    w.lend("eve supplies 1 unit of WBTC", EVE, SUPPLY, WBTC, 1, expect=True)
    w.lend(
        "liquidate eve's last unit of WBTC",
        LIQUIDATOR,
        LIQUIDATE,
        EVE,
        WBTC,
        WBTC,
        UINT256_MAX,
        expect=True,
    )
    w.set_price(USDC, WAD)
    w.set_price(WETH, 2_000 * WAD)


def _leverage(w: World) -> None:
    for user in USERS:
        for asset in (WETH, USDC, WBTC, DAI):
            w.approve(user, asset, LEVERAGE)
    w.lever("max leverage WETH", ALICE, MAX_LEVERAGE, WETH, expect=True)
    w.lever("max leverage unlisted", ALICE, MAX_LEVERAGE, UNLISTED, expect="market not listed")
    w.set_price(DAI, 0)
    w.lever("max leverage without a price", ALICE, MAX_LEVERAGE, DAI, expect="no price for asset")
    w.set_price(DAI, WAD)
    p = _units(WETH, 2)
    w.lever(
        "open: expired",
        DAVE,
        OPEN,
        WETH,
        USDC,
        p,
        2 * WAD,
        UINT256_MAX,
        w.time - 1,
        expect="transaction expired",
    )
    w.lever(
        "open: same assets",
        DAVE,
        OPEN,
        WETH,
        WETH,
        p,
        2 * WAD,
        UINT256_MAX,
        FAR,
        expect="collateral and debt assets must differ",
    )
    w.lever(
        "open: zero principal",
        DAVE,
        OPEN,
        WETH,
        USDC,
        0,
        2 * WAD,
        UINT256_MAX,
        FAR,
        expect="principal is zero",
    )
    w.lever(
        "open: leverage 1x",
        DAVE,
        OPEN,
        WETH,
        USDC,
        p,
        WAD,
        UINT256_MAX,
        FAR,
        expect="leverage must exceed 1x",
    )
    w.lever(
        "open: above max leverage",
        DAVE,
        OPEN,
        WETH,
        USDC,
        p,
        4 * WAD + 1,
        UINT256_MAX,
        FAR,
        expect="leverage above maximum",
    )
    w.lever(
        "open: leverage too small for principal",
        DAVE,
        OPEN,
        WETH,
        USDC,
        1,
        WAD + 1,
        UINT256_MAX,
        FAR,
        expect="leverage too small for principal",
    )
    w.lever(
        "open: no pool",
        DAVE,
        OPEN,
        WBTC,
        DAI,
        p,
        2 * WAD,
        UINT256_MAX,
        FAR,
        expect="pool does not exist",
    )
    w.lever(
        "open: debt above max (slippage)",
        DAVE,
        OPEN,
        WETH,
        USDC,
        p,
        2 * WAD,
        _units(USDC, 4_000),
        FAR,
        expect="debt above maximum (slippage)",
    )
    w.lever(
        "open: at max leverage exceeds the limit",
        FRANK,
        OPEN,
        WETH,
        USDC,
        p,
        4 * WAD,
        UINT256_MAX,
        FAR,
        expect="position would exceed borrow limit",
    )
    w.lever(
        "open: unlisted debt market",
        DAVE,
        OPEN,
        WETH,
        UNLISTED,
        p,
        2 * WAD,
        UINT256_MAX,
        FAR,
        expect="market not listed",
    )
    w.lever(
        "open: pool too shallow",
        DAVE,
        OPEN,
        WETH,
        USDC,
        _units(WETH, 500),
        3 * WAD,
        UINT256_MAX,
        FAR,
        expect="insufficient liquidity",
    )
    w.lever(
        "open WETH 2.5x on USDC",
        ALICE,
        OPEN,
        WETH,
        USDC,
        p,
        25 * WAD // 10,
        UINT256_MAX,
        FAR,
        expect=True,
    )
    w.lever(
        "open WBTC 2x on USDC (other pool side)",
        BOB,
        OPEN,
        WBTC,
        USDC,
        _units(WBTC, 1) // 10,
        2 * WAD,
        UINT256_MAX,
        FAR,
        expect=True,
    )
    w.lever(
        "open DAI 3x on WETH",
        FRANK,
        OPEN,
        DAI,
        WETH,
        _units(DAI, 1_000),
        3 * WAD,
        UINT256_MAX,
        FAR,
        expect=True,
    )
    w.lend("alice account data after leverage", ALICE, ACCOUNT_DATA, ALICE, expect=True)
    w.advance(7 * 86_400)
    w.refresh_prices()
    w.lever("close: expired", FRANK, CLOSE, DAI, WETH, 0, w.time - 1, expect="transaction expired")
    w.lever(
        "close: same assets",
        FRANK,
        CLOSE,
        DAI,
        DAI,
        0,
        FAR,
        expect="collateral and debt assets must differ",
    )
    w.lever("close: no debt", DAVE, CLOSE, USDC, WETH, 0, FAR, expect="no debt to close")
    w.lever(
        "close: min returned too high",
        FRANK,
        CLOSE,
        DAI,
        WETH,
        UINT256_MAX,
        FAR,
        expect="returned collateral below minimum (slippage)",
    )
    w.lever("close DAI on WETH", FRANK, CLOSE, DAI, WETH, 0, FAR, expect=True)
    w.lend("carol supplies DAI", CAROL, SUPPLY, DAI, _units(DAI, 1_000), expect=True)
    w.lend("carol borrows WETH", CAROL, BORROW, WETH, _units(WETH, 1) // 10)
    w.lever("carol closes DAI on WETH, other debt unhealthy", CAROL, CLOSE, DAI, WETH, 0, FAR)
    w.lever("close: collateral cannot cover the debt", ALICE, CLOSE, DAI, WETH, 0, FAR)
    # bob: WBTC collateral, USDC debt from leverage and from his own borrow: closing leaves debt
    w.lever("close WBTC on USDC with other debt", BOB, CLOSE, WBTC, USDC, 0, FAR)
    w.lend("bob supplies WETH", BOB, SUPPLY, WETH, _units(WETH, 1), expect=True)
    w.lend("bob borrows DAI", BOB, BORROW, DAI, _units(DAI, 100), expect=True)
    w.lever(
        "bob opens WETH on USDC", BOB, OPEN, WETH, USDC, _units(WETH, 1), 2 * WAD, UINT256_MAX, FAR
    )
    w.lever("bob closes WETH on USDC keeping DAI debt", BOB, CLOSE, WETH, USDC, 0, FAR)
    w.set_price(WETH, 2_000 * WAD, 0, at=w.time - PRICE_MAX_AGE - 1)
    w.lever(
        "open with a stale price",
        ALICE,
        OPEN,
        WETH,
        USDC,
        p,
        2 * WAD,
        UINT256_MAX,
        FAR,
        expect="stale price",
    )
    w.lever("max leverage ignores staleness", ALICE, MAX_LEVERAGE, WETH, expect=True)
    w.refresh_prices()
    w.set_price(WETH, 2_000 * WAD, 8 * WAD // 10)
    w.lever("max leverage, volatile WETH", ALICE, MAX_LEVERAGE, WETH, expect=True)
    w.lever(
        "open at 3x, above the volatile max",
        ALICE,
        OPEN,
        WETH,
        USDC,
        p,
        3 * WAD,
        UINT256_MAX,
        FAR,
        expect="leverage above maximum",
    )
    w.set_price(WETH, 2_000 * WAD, 0)
    w.lever("close WETH on USDC", ALICE, CLOSE, WETH, USDC, 0, FAR, expect=True)
    w.lever("close again: no debt", ALICE, CLOSE, WETH, USDC, 0, FAR, expect="no debt to close")


def _overflows(w: World) -> None:
    """Checked arithmetic: a market whose totals overflow when accrued or valued."""
    saved: Market = w.state.get(market_key(EXTRA[2]))
    w.poke(market_key(EXTRA[2]), saved._replace(total_supply_scaled=UINT256_MAX // RAY + 1))
    w.advance(10)
    w.refresh_prices()
    w.lend(
        "accrue with overflowing supply total",
        ALICE,
        SUPPLY,
        EXTRA[2],
        10**18,
        expect="arithmetic overflow",
    )
    w.lend(
        "market view with overflowing supply total",
        ALICE,
        MARKET,
        EXTRA[2],
        expect="arithmetic overflow",
    )
    w.lend(
        "maxi account data with an overflowing market",
        ALICE,
        ACCOUNT_DATA,
        MAXI,
        expect="arithmetic overflow",
    )
    w.poke(market_key(EXTRA[2]), saved)
    # a health factor whose liquidation limit * WAD overflows
    w.give(EXTRA[4], ALICE, 10**60)
    w.set_price(EXTRA[4], 10**30)
    w.lend("supply a huge amount", ALICE, SUPPLY, EXTRA[4], 10**48, expect=True)
    w.lend(
        "account data, health factor overflow",
        ALICE,
        ACCOUNT_DATA,
        ALICE,
        expect="arithmetic overflow",
    )
    w.lend(
        "borrow, health factor overflow",
        ALICE,
        BORROW,
        EXTRA[4],
        10**18,
        expect="arithmetic overflow",
    )
    w.set_price(EXTRA[4], WAD)
    w.lend("withdraw the huge amount", ALICE, WITHDRAW, EXTRA[4], UINT256_MAX, expect=True)


# ---------------------------------------------------------------------------------------------
# Random walk


POOL_PAIRS = ((WETH, USDC), (USDC, WETH), (WBTC, USDC), (USDC, WBTC), (DAI, WETH), (WETH, DAI))


def _random_walk(w: World, rng: random.Random, count: int) -> None:
    """Seeded random calls, biased towards ones that do something: assets the actor holds,
    borrowers that are unhealthy, pairs that have a pool; time gaps and price moves between."""
    actors = (ALICE, BOB, CAROL, DAVE, LIQUIDATOR, FRANK)
    assets = (USDC, WETH, WBTC, DAI)
    fractions = (0, 1, 10, 250, 500, 900, 1_000, 1_100)  # per mille; 1,000 means "all" (max)
    kinds = ("supply", "withdraw", "borrow", "repay", "liquidate", "view", "open", "close")
    for step in range(count):
        gap = rng.choice((0, 0, 1, 60, 3_600, 86_400, 30 * 86_400))
        w.advance(gap)
        if gap >= PRICE_MAX_AGE and rng.random() < 0.85:
            w.refresh_prices()
        if rng.random() < 0.25:
            moved = rng.choice(assets)
            leaf: Price = w.state.get(price_key(moved))
            move = rng.choice((70, 85, 95, 105, 115, 130))
            volatility = rng.choice((0, 0, WAD // 10, WAD // 2, 2 * WAD))
            w.set_price(moved, max(leaf.price * move // 100, 1), volatility)
        actor = rng.choice(actors)
        kind = rng.choice(kinds)
        fraction = rng.choice(fractions)
        label = f"random {step}: {NAMES[actor]} {kind}"
        supplied = [a for a in assets if w.position(actor, a)[0] > 0]
        owed = [a for a in assets if w.position(actor, a)[1] > 0]
        if kind == "supply":
            asset = rng.choice(assets)
            amount = w.balance(asset, actor) * fraction // 1_000 // 4
            w.lend(f"{label} {NAMES[asset]}", actor, SUPPLY, asset, amount)
        elif kind == "withdraw":
            asset = rng.choice(supplied or assets)
            amount = (
                UINT256_MAX
                if fraction == 1_000
                else w.position(actor, asset)[0] * fraction // 1_000
            )
            w.lend(f"{label} {NAMES[asset]}", actor, WITHDRAW, asset, amount)
        elif kind == "borrow":
            asset = rng.choice(assets)
            data = w.account_data(actor)
            room = max(data.borrow_limit - data.debt_value, 0)
            price: Price = w.state.get(price_key(asset))
            amount = room * 10 ** DECIMALS[asset] // max(price.price, 1) * fraction // 1_000
            w.lend(f"{label} {NAMES[asset]}", actor, BORROW, asset, amount)
        elif kind == "repay":
            asset = rng.choice(owed or assets)
            amount = (
                UINT256_MAX
                if fraction == 1_000
                else w.position(actor, asset)[1] * fraction // 1_000
            )
            w.lend(f"{label} {NAMES[asset]}", actor, REPAY, asset, amount)
        elif kind == "liquidate":
            others = [a for a in (*actors, EVE, MAXI, BOB) if a != actor]
            unhealthy = [a for a in others if _health(w, a) < WAD]
            borrower = rng.choice(unhealthy if unhealthy and rng.random() < 0.7 else others)
            debts = [a for a in assets if w.position(borrower, a)[1] > 0]
            collaterals = [a for a in assets if w.position(borrower, a)[0] > 0]
            asset = rng.choice(debts or assets)
            collateral = rng.choice(collaterals or assets)
            amount = rng.choice((UINT256_MAX, 10 ** DECIMALS[asset], 1))
            w.lend(
                f"{label} {NAMES[borrower]} {NAMES[asset]}/{NAMES[collateral]}",
                actor,
                LIQUIDATE,
                borrower,
                asset,
                collateral,
                amount,
            )
        elif kind == "view":
            asset = rng.choice(assets)
            signature, args = rng.choice(
                (
                    (ACCOUNT_DATA, (actor,)),
                    (POSITION, (actor, asset)),
                    (MARKET, (asset,)),
                    (RISK, (asset,)),
                )
            )
            w.lend(f"{label} {signature.split('(')[0]}", actor, signature, *args)
        elif kind == "open":
            asset, debt_asset = rng.choice(POOL_PAIRS)
            principal = w.balance(asset, actor) * max(fraction, 1) // 1_000 // 40
            leverage = rng.choice((WAD + WAD // 10, 15 * WAD // 10, 2 * WAD, 3 * WAD))
            w.lever(
                f"{label} {NAMES[asset]}/{NAMES[debt_asset]}",
                actor,
                OPEN,
                asset,
                debt_asset,
                principal,
                leverage,
                UINT256_MAX,
                FAR,
            )
        else:
            pairs = [pair for pair in POOL_PAIRS if pair[1] in owed] or list(POOL_PAIRS)
            asset, debt_asset = rng.choice(pairs)
            w.lever(
                f"{label} {NAMES[asset]}/{NAMES[debt_asset]}",
                actor,
                CLOSE,
                asset,
                debt_asset,
                0,
                FAR,
            )


def _health(w: World, account: bytes) -> int:
    try:
        return w.account_data(account).health_factor
    except Exception:  # an account whose valuation fails is no liquidation target
        return UINT256_MAX


# ---------------------------------------------------------------------------------------------


def build_world() -> World:
    genesis = build_genesis(build_document())
    world = World(genesis.state)
    _calldata_errors(world)
    _supplies(world)
    _borrows(world)
    _volatility(world)
    _interest(world)
    _withdrawals(world)
    _repayments(world)
    _liquidations(world)
    _leverage(world)
    _overflows(world)
    _random_walk(world, random.Random(SEED), RANDOM_CALLS)
    return world


def encode_with_dictionary(blobs: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """Split blobs (ABI encodings: whole 32-byte words) into a dictionary of distinct words and,
    per blob, its words as big-endian uint16 indices into it. Consecutive witnesses share most
    words (leaf values, deep proof siblings, ABI offsets), which keeps the file small."""
    index: dict[bytes, int] = {}
    dictionary: list[bytes] = []
    encoded: list[bytes] = []
    for blob in blobs:
        assert len(blob) % 32 == 0
        refs = bytearray()
        for offset in range(0, len(blob), 32):
            word = blob[offset : offset + 32]
            position = index.get(word)
            if position is None:
                position = index[word] = len(dictionary)
                dictionary.append(word)
            refs += position.to_bytes(2, "big")
        encoded.append(bytes(refs))
    assert len(dictionary) <= 2**16
    return dictionary, encoded


def build_vectors_json() -> str:
    """The vectors file's exact text.

    `calls[i]` is abi.encode(Env, Call) and `witnesses[i]` the witness (FRAUD_PROOFS.md §2) of
    vector i, both dictionary-encoded: concatenating words[ref] for each 2-byte ref gives them back.
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
        "words": ["0x" + word.hex() for word in dictionary],
        "calls": ["0x" + refs.hex() for refs in encoded[: len(vectors)]],
        "witnesses": ["0x" + refs.hex() for refs in encoded[len(vectors) :]],
    }
    return json.dumps(document, indent=0) + "\n"


def main(argv: list[str]) -> int:
    text = build_vectors_json()
    return write_or_check(VECTORS_PATH, text, "gen_stf_vectors_lending", "--check" in argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
