"""Genesis: the chain configuration and the initial state, from a JSON document.

The document (see rollup/genesis/devnet.json) names the chain id, gas parameters, the oracle key,
funded accounts, tokens with their initial holders, lending markets with their risk parameters,
initial prices and volatilities, AMM pools with their initial liquidity, initial market supply, and
perpetual futures markets with their constants and insurance funds (docs/PERPETUALS.md §2).
Fractions (rates, factors) may be written as decimal strings ("0.75") and are converted exactly to
WAD; amounts are integers (or decimal strings of integers) in the token's smallest unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import orjson

from rollup.addresses import AMM, LENDING, NAMED_SYSTEM_CONTRACTS, PERPS, WETH, ZERO_ADDRESS
from rollup.block import Header, build_genesis_header
from rollup.config import ChainConfig
from rollup.fixedpoint import RAY, UINT256_MAX, WAD, isqrt, wad_mul_up
from rollup.gas import TX_BASE_GAS
from rollup.state import (
    SYSTEM_KEY,
    Account,
    Liquidity,
    Market,
    MarketConfig,
    Overlay,
    PerpsMarket,
    PerpsMarketConfig,
    Pool,
    Position,
    Price,
    State,
    System,
    Token,
    TokenBalance,
    account_key,
    balance_key,
    lending_account_key,
    liquidity_key,
    market_config_key,
    market_key,
    perps_market_config_key,
    perps_market_key,
    pool_key,
    position_key,
    price_key,
    token_key,
)
from rollup.system.amm import MINIMUM_LIQUIDITY
from rollup.system.tokens import encode_short_string


class InvalidGenesis(ValueError):
    """The genesis document breaks a rule; the message says which."""


@dataclass(frozen=True, slots=True)
class Genesis:
    config: ChainConfig
    state: State
    header: Header


def parse_address(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x") or len(value) != 42:
        raise InvalidGenesis(f"{what}: {value!r} is not a 0x-prefixed 20-byte address")
    try:
        return bytes.fromhex(value[2:])
    except ValueError as exc:
        raise InvalidGenesis(f"{what}: {value!r} is not hex") from exc


def parse_hash(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x") or len(value) != 66:
        raise InvalidGenesis(f"{what}: {value!r} is not a 0x-prefixed 32-byte hash")
    try:
        return bytes.fromhex(value[2:])
    except ValueError as exc:
        raise InvalidGenesis(f"{what}: {value!r} is not hex") from exc


def parse_integer(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise InvalidGenesis(f"{what}: {value!r} is not an integer")
    if isinstance(value, int):
        result = value
    elif isinstance(value, str):
        try:
            result = int(value, 16) if value.startswith("0x") else int(value)
        except ValueError as exc:
            raise InvalidGenesis(f"{what}: {value!r} is not an integer") from exc
    else:
        raise InvalidGenesis(f"{what}: {value!r} is not an integer")
    if result < 0 or result >= 2**256:
        raise InvalidGenesis(f"{what}: {value!r} is out of the uint256 range")
    return result


DECIMAL_PATTERN = re.compile(r"(-?)([0-9]*)\.([0-9]*)")


def parse_decimal(value: str, places: int, what: str, inexact: str) -> int:
    """A decimal string times 10**places, exactly (no floating or context rounding) and in range.

    `inexact` is the message for a negative value or one with more than `places` decimals.
    """
    match = DECIMAL_PATTERN.fullmatch(value)
    if match is None or not match.group(2) + match.group(3):
        raise InvalidGenesis(f"{what}: {value!r} is not a decimal number")
    sign, whole, fraction = match.groups()
    if len(fraction.rstrip("0")) > places or (sign and (whole + fraction).strip("0")):
        raise InvalidGenesis(f"{what}: {value!r} {inexact}")
    scale: int = 10**places
    result = int(whole or "0") * scale + int(fraction[:places].ljust(places, "0") or "0")
    if result > UINT256_MAX:
        raise InvalidGenesis(f"{what}: {value!r} is out of the uint256 range")
    return result


def parse_wad(value: Any, what: str) -> int:
    """'0.75' -> 0.75e18 exactly; an integer is taken as already in WAD."""
    if isinstance(value, str) and "." in value:
        return parse_decimal(value, 18, what, "has more than 18 decimals or is negative")
    return parse_integer(value, what)


def parse_amount(value: Any, decimals: int, what: str) -> int:
    """An amount in whole tokens as a decimal string ('1.5') or an integer of base units."""
    if isinstance(value, str) and "." in value:
        return parse_decimal(value, decimals, what, "has too many decimals")
    return parse_integer(value, what)


def load_default_genesis_document() -> dict[str, Any]:
    """The devnet genesis shipped with the package."""
    data = resources.files("rollup.genesis").joinpath("devnet.json").read_bytes()
    document: dict[str, Any] = orjson.loads(data)
    return document


def build_genesis(document: dict[str, Any]) -> Genesis:
    """Validate a genesis document and build its configuration, state and block 0."""
    try:
        return _build_genesis(document)
    except InvalidGenesis:
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise InvalidGenesis(f"malformed genesis document: {exc!r}") from exc


def _build_genesis(document: dict[str, Any]) -> Genesis:
    config = ChainConfig(
        chain_id=parse_integer(document["chainId"], "chainId"),
        block_gas_limit=parse_integer(document.get("gasLimit", 2_000_000_000), "gasLimit"),
        min_base_fee=parse_integer(document.get("minBaseFee", 1_000_000), "minBaseFee"),
        genesis_base_fee=parse_integer(document.get("baseFee", 1_000_000), "baseFee"),
        genesis_timestamp=parse_integer(document.get("timestamp", 0), "timestamp"),
        l1_origin_number=parse_integer(document.get("l1OriginNumber", 0), "l1OriginNumber"),
        l1_origin_hash=parse_hash(document.get("l1OriginHash", "0x" + "00" * 32), "l1OriginHash"),
        sequencer_window=parse_integer(document.get("sequencerWindow", 120), "sequencerWindow"),
        max_drift=parse_integer(document.get("maxDrift", 600), "maxDrift"),
        max_lag=parse_integer(document.get("maxLag", 3_600), "maxLag"),
    )
    if config.chain_id == 0:
        raise InvalidGenesis("chainId must not be zero")
    if config.sequencer_window == 0:
        raise InvalidGenesis("sequencerWindow must be at least one L1 block")
    if config.block_gas_limit < TX_BASE_GAS:  # also keeps the EIP-1559 gas target above zero
        raise InvalidGenesis(f"gasLimit must be at least {TX_BASE_GAS}")
    now = config.genesis_timestamp
    state = State()
    writes = Overlay(state)

    def credit_eth(address: bytes, amount: int) -> None:
        account: Account = writes.get(account_key(address))
        if account.balance + amount > UINT256_MAX:
            raise InvalidGenesis(f"ETH balance of 0x{address.hex()} is out of the uint256 range")
        writes.set(account_key(address), account._replace(balance=account.balance + amount))

    def credit_token(token: bytes, owner: bytes, amount: int) -> None:
        leaf: Token = writes.get(token_key(token))
        if leaf.total_supply + amount > UINT256_MAX:  # bounds every balance of the token too
            raise InvalidGenesis(
                f"total supply of token 0x{token.hex()} is out of the uint256 range"
            )
        balance: TokenBalance = writes.get(balance_key(token, owner))
        writes.set(balance_key(token, owner), TokenBalance(balance.amount + amount))
        writes.set(token_key(token), leaf._replace(total_supply=leaf.total_supply + amount))
        if token == WETH:  # WETH is always backed 1:1 by ETH held by the WETH contract
            credit_eth(WETH, amount)

    writes.set(
        SYSTEM_KEY,
        System(
            oracle=int.from_bytes(parse_address(document["oracle"], "oracle"), "big"),
            price_max_age=parse_integer(document.get("priceMaxAge", 3600), "priceMaxAge"),
        ),
    )
    for address, entry in document.get("alloc", {}).items():
        credit_eth(parse_address(address, "alloc"), parse_integer(entry["balance"], "balance"))

    decimals_of: dict[bytes, int] = {}
    for entry in document.get("tokens", []):
        token = parse_address(entry["address"], "token address")
        if token in decimals_of:
            raise InvalidGenesis(f"token {entry['address']} is listed twice")
        if token in NAMED_SYSTEM_CONTRACTS or token == ZERO_ADDRESS:
            raise InvalidGenesis(f"token {entry['address']}: address taken by a system contract")
        decimals = parse_integer(entry["decimals"], "decimals")
        if decimals > 36:
            raise InvalidGenesis(f"token {entry['address']}: decimals {decimals} above 36")
        decimals_of[token] = decimals
        l1_token = entry.get("l1Token")
        if l1_token and token == WETH:  # burning bridged WETH would strand the ETH backing it
            raise InvalidGenesis("WETH is backed by L2 ETH and cannot be bridged from an L1 token")
        writes.set(
            token_key(token),
            Token(
                registered=1,
                total_supply=0,
                decimals=decimals,
                l1_token=int.from_bytes(parse_address(l1_token, "l1Token"), "big")
                if l1_token
                else 0,
                name=encode_short_string(entry["name"]),
                symbol=encode_short_string(entry["symbol"]),
            ),
        )
        for owner, amount in entry.get("balances", {}).items():
            credit_token(
                token, parse_address(owner, "holder"), parse_amount(amount, decimals, "balance")
            )
    if WETH not in decimals_of:
        raise InvalidGenesis(f"WETH must be registered at 0x{WETH.hex()}")

    def require_token(value: Any, what: str) -> bytes:
        token = parse_address(value, what)
        if token not in decimals_of:
            raise InvalidGenesis(f"{what}: {value} is not a registered token")
        return token

    for entry in document.get("prices", []):
        asset = require_token(entry["asset"], "price asset")
        writes.set(
            price_key(asset),
            Price(
                price=parse_wad(entry["price"], "price"),
                volatility=parse_wad(entry.get("volatility", "0"), "volatility"),
                updated_at=now,
            ),
        )

    for entry in document.get("markets", []):
        asset = require_token(entry["asset"], "market asset")
        market_config = MarketConfig(
            listed=1,
            base_rate=parse_wad(entry["baseRate"], "baseRate"),
            slope1=parse_wad(entry["slope1"], "slope1"),
            slope2=parse_wad(entry["slope2"], "slope2"),
            optimal_utilization=parse_wad(entry["optimalUtilization"], "optimalUtilization"),
            reserve_factor=parse_wad(entry["reserveFactor"], "reserveFactor"),
            collateral_factor=parse_wad(entry["collateralFactor"], "collateralFactor"),
            liquidation_threshold=parse_wad(entry["liquidationThreshold"], "liquidationThreshold"),
            liquidation_bonus=parse_wad(entry["liquidationBonus"], "liquidationBonus"),
            close_factor=parse_wad(entry["closeFactor"], "closeFactor"),
            volatility_sensitivity=parse_wad(
                entry["volatilitySensitivity"], "volatilitySensitivity"
            ),
            collateral_factor_floor=parse_wad(
                entry["collateralFactorFloor"], "collateralFactorFloor"
            ),
            liquidation_threshold_floor=parse_wad(
                entry["liquidationThresholdFloor"], "liquidationThresholdFloor"
            ),
        )
        validate_market_config(entry["asset"], market_config)
        if writes.get(market_config_key(asset)).listed:
            raise InvalidGenesis(f"market {entry['asset']} is listed twice")
        if writes.get(price_key(asset)).price == 0:
            raise InvalidGenesis(f"market {entry['asset']} has no genesis price")
        writes.set(market_config_key(asset), market_config)
        writes.set(
            market_key(asset),
            Market(supply_index=RAY, borrow_index=RAY, last_update=now),
        )

    for entry in document.get("pools", []):
        token_a = require_token(entry["tokenA"], "pool tokenA")
        token_b = require_token(entry["tokenB"], "pool tokenB")
        if token_a == token_b:
            raise InvalidGenesis("a pool needs two different tokens")
        amount_a = parse_amount(entry["amountA"], decimals_of[token_a], "amountA")
        amount_b = parse_amount(entry["amountB"], decimals_of[token_b], "amountB")
        provider = parse_address(entry["provider"], "pool provider")
        if provider == ZERO_ADDRESS:  # its shares would overwrite the locked minimum liquidity
            raise InvalidGenesis("pool provider: the zero address holds the locked liquidity")
        token0, token1 = (token_a, token_b) if token_a < token_b else (token_b, token_a)
        amount0, amount1 = (amount_a, amount_b) if token_a == token0 else (amount_b, amount_a)
        if writes.get(pool_key(token0, token1)).created:
            raise InvalidGenesis("a pool is listed twice")
        if amount0 * amount1 > UINT256_MAX:  # the AMM's checked math could never price it
            raise InvalidGenesis("pool amounts too large: amountA * amountB must fit in uint256")
        root = isqrt(amount0 * amount1)
        if root <= MINIMUM_LIQUIDITY:
            raise InvalidGenesis("pool liquidity too small")
        credit_token(token0, AMM, amount0)
        credit_token(token1, AMM, amount1)
        writes.set(pool_key(token0, token1), Pool(1, amount0, amount1, root))
        writes.set(liquidity_key(token0, token1, bytes(20)), Liquidity(MINIMUM_LIQUIDITY))
        writes.set(liquidity_key(token0, token1, provider), Liquidity(root - MINIMUM_LIQUIDITY))

    for entry in document.get("supplies", []):
        asset = require_token(entry["asset"], "supply asset")
        if writes.get(market_config_key(asset)).listed != 1:
            raise InvalidGenesis(f"supply asset {entry['asset']} has no market")
        account = parse_address(entry["account"], "supply account")
        amount = parse_amount(entry["amount"], decimals_of[asset], "supply amount")
        credit_token(asset, LENDING, amount)
        market: Market = writes.get(market_key(asset))
        writes.set(
            market_key(asset),
            market._replace(total_supply_scaled=market.total_supply_scaled + amount),
        )
        position: Position = writes.get(position_key(account, asset))
        writes.set(
            position_key(account, asset),
            position._replace(supply_scaled=position.supply_scaled + amount),
        )
        lending_account = writes.get(lending_account_key(account))
        asset_word = int.from_bytes(asset, "big")
        if asset_word not in lending_account:
            slots = list(lending_account)
            if 0 not in slots:
                raise InvalidGenesis("too many genesis markets for one account")
            slots[slots.index(0)] = asset_word
            writes.set(lending_account_key(account), type(lending_account)(*slots))

    for entry in document.get("perpsMarkets", []):
        asset = require_token(entry["asset"], "perps market asset")
        margin_token = require_token(entry["marginToken"], "perps marginToken")
        if decimals_of[margin_token] > 18:
            raise InvalidGenesis(
                f"perps market {entry['asset']}: marginToken has above 18 decimals"
            )
        perps_config = PerpsMarketConfig(
            listed=1,
            margin_token=int.from_bytes(margin_token, "big"),
            skew_scale=parse_wad(entry["skewScale"], "skewScale"),
            max_funding_velocity=parse_wad(entry["maxFundingVelocity"], "maxFundingVelocity"),
            maker_fee=parse_wad(entry["makerFee"], "makerFee"),
            taker_fee=parse_wad(entry["takerFee"], "takerFee"),
            min_initial_margin_ratio=parse_wad(
                entry["minInitialMarginRatio"], "minInitialMarginRatio"
            ),
            initial_margin_slope=parse_wad(entry["initialMarginSlope"], "initialMarginSlope"),
            volatility_sensitivity=parse_wad(
                entry["volatilitySensitivity"], "volatilitySensitivity"
            ),
            maintenance_margin_scalar=parse_wad(
                entry["maintenanceMarginScalar"], "maintenanceMarginScalar"
            ),
            min_margin=parse_wad(entry["minMargin"], "minMargin"),
            keeper_reward_ratio=parse_wad(entry["keeperRewardRatio"], "keeperRewardRatio"),
            keeper_reward_min=parse_wad(entry["keeperRewardMin"], "keeperRewardMin"),
            keeper_reward_max=parse_wad(entry["keeperRewardMax"], "keeperRewardMax"),
            max_open_interest=parse_wad(entry["maxOpenInterest"], "maxOpenInterest"),
            min_position_size=parse_wad(entry["minPositionSize"], "minPositionSize"),
            liquidation_capacity=parse_wad(entry["liquidationCapacity"], "liquidationCapacity"),
        )
        validate_perps_market_config(entry["asset"], perps_config)
        if writes.get(perps_market_config_key(asset)).listed:
            raise InvalidGenesis(f"perps market {entry['asset']} is listed twice")
        if writes.get(price_key(asset)).price == 0:
            raise InvalidGenesis(f"perps market {entry['asset']} has no genesis price")
        fund = parse_amount(
            entry.get("insuranceFund", "0"), decimals_of[margin_token], "insuranceFund"
        )
        credit_token(margin_token, PERPS, fund)
        writes.set(perps_market_config_key(asset), perps_config)
        writes.set(
            perps_market_key(asset),
            PerpsMarket(
                insurance_fund=fund * 10 ** (18 - decimals_of[margin_token]),
                last_funding_time=now,
            ),
        )

    state_root = state.apply_writes(writes.writes)
    return Genesis(config=config, state=state, header=build_genesis_header(config, state_root))


def validate_market_config(asset: str, config: MarketConfig) -> None:
    """Risk parameters that keep borrowing below liquidation at every volatility."""
    if not 0 < config.optimal_utilization < WAD:
        raise InvalidGenesis(f"market {asset}: optimalUtilization must be in (0, 1)")
    if config.reserve_factor >= WAD or config.close_factor == 0 or config.close_factor > WAD:
        raise InvalidGenesis(f"market {asset}: reserveFactor must be < 1, closeFactor in (0, 1]")
    if not config.collateral_factor < config.liquidation_threshold < WAD:
        raise InvalidGenesis(f"market {asset}: need collateralFactor < liquidationThreshold < 1")
    if not config.collateral_factor_floor < config.liquidation_threshold_floor:
        raise InvalidGenesis(
            f"market {asset}: need collateralFactorFloor < liquidationThresholdFloor"
        )
    if config.collateral_factor_floor > config.collateral_factor:
        raise InvalidGenesis(f"market {asset}: collateralFactorFloor above collateralFactor")
    if config.liquidation_threshold_floor > config.liquidation_threshold:
        raise InvalidGenesis(
            f"market {asset}: liquidationThresholdFloor above liquidationThreshold"
        )
    if config.liquidation_bonus >= WAD // 2:
        raise InvalidGenesis(f"market {asset}: liquidationBonus must be below 0.5")
    if wad_mul_up(config.liquidation_threshold, WAD + config.liquidation_bonus) >= WAD:
        # Otherwise seizing collateral with the bonus leaves the borrower less healthy (Aave's rule).
        raise InvalidGenesis(
            f"market {asset}: liquidationThreshold × (1 + liquidationBonus) must be below 1"
        )


PERPS_SIZE_LIMIT = 2**128
"""Bound of skewScale, maxOpenInterest, minPositionSize and liquidationCapacity (sizes, WAD), so
that products of sizes, prices and rates stay far inside int256 (docs/PERPETUALS.md §2)."""


def validate_perps_market_config(asset: str, config: PerpsMarketConfig) -> None:
    """Constants that keep every perps formula defined (docs/PERPETUALS.md §2)."""
    sizes = (
        config.skew_scale,
        config.max_open_interest,
        config.min_position_size,
        config.liquidation_capacity,
    )
    if not all(0 < size < PERPS_SIZE_LIMIT for size in sizes):
        raise InvalidGenesis(
            f"perps market {asset}: skewScale, maxOpenInterest, minPositionSize and "
            "liquidationCapacity must be in (0, 2**128)"
        )
    if config.max_funding_velocity >= PERPS_SIZE_LIMIT:
        raise InvalidGenesis(f"perps market {asset}: maxFundingVelocity must be below 2**128")
    if config.maker_fee >= WAD // 10 or config.taker_fee >= WAD // 10:
        raise InvalidGenesis(f"perps market {asset}: makerFee and takerFee must be below 0.1")
    if not 0 < config.min_initial_margin_ratio < WAD:
        raise InvalidGenesis(f"perps market {asset}: minInitialMarginRatio must be in (0, 1)")
    if config.initial_margin_slope >= PERPS_SIZE_LIMIT:
        raise InvalidGenesis(f"perps market {asset}: initialMarginSlope must be below 2**128")
    if config.volatility_sensitivity >= PERPS_SIZE_LIMIT:
        raise InvalidGenesis(f"perps market {asset}: volatilitySensitivity must be below 2**128")
    if not 0 < config.maintenance_margin_scalar < WAD:
        raise InvalidGenesis(f"perps market {asset}: maintenanceMarginScalar must be in (0, 1)")
    if config.keeper_reward_ratio >= WAD:
        raise InvalidGenesis(f"perps market {asset}: keeperRewardRatio must be below 1")
    if not config.keeper_reward_min <= config.keeper_reward_max < PERPS_SIZE_LIMIT:
        raise InvalidGenesis(
            f"perps market {asset}: need keeperRewardMin <= keeperRewardMax < 2**128"
        )
    if config.min_margin >= PERPS_SIZE_LIMIT:
        raise InvalidGenesis(f"perps market {asset}: minMargin must be below 2**128")
