"""Genesis: building the devnet and custom documents, and refusing invalid ones."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from rollup.addresses import AMM, LENDING, WETH
from rollup.fixedpoint import RAY, WAD, isqrt
from rollup.genesis import InvalidGenesis, build_genesis, load_default_genesis_document
from rollup.state import (
    KIND_TOKEN_BALANCE,
    SYSTEM_KEY,
    Liquidity,
    Market,
    MarketConfig,
    Pool,
    Position,
    Price,
    System,
    Token,
    account_key,
    balance_key,
    liquidity_key,
    market_config_key,
    market_key,
    pool_key,
    position_key,
    price_key,
    token_key,
)
from tests.unit.helpers import (
    ADDRESSES,
    DAI,
    DEVNET_WHALE,
    ORACLE_ADDRESS,
    USDC,
    USDC_MARKET,
    WBTC,
    base_document,
    hex_address,
    lending_document,
)


def devnet() -> dict[str, Any]:
    return load_default_genesis_document()


def refused(document: dict[str, Any]) -> str:
    with pytest.raises(InvalidGenesis) as info:
        build_genesis(document)
    return str(info.value)


# ---------------------------------------------------------------------------------------------
# The devnet


def test_devnet_config_comes_from_the_document() -> None:
    genesis = build_genesis(devnet())
    config = genesis.config
    assert (config.chain_id, config.block_gas_limit, config.genesis_base_fee) == (
        901,
        2_000_000_000,
        1_000_000,
    )
    assert (config.min_base_fee, config.genesis_timestamp) == (1_000_000, 0)


def test_devnet_system_leaf_names_the_oracle_and_price_max_age() -> None:
    state = build_genesis(devnet()).state
    assert state.get(SYSTEM_KEY) == System(int.from_bytes(ORACLE_ADDRESS, "big"), 86_400)


def test_devnet_funds_the_ten_dev_accounts() -> None:
    state = build_genesis(devnet()).state
    for address in ADDRESSES:
        assert state.get(account_key(address)).balance == 10_000 * 10**18


def test_devnet_token_supplies_equal_their_balances() -> None:
    state = build_genesis(devnet()).state
    for token in (WETH, USDC, WBTC, DAI):
        held = sum(
            leaf.amount
            for key, leaf in state.items()
            if key[0] == KIND_TOKEN_BALANCE and key[1] == token
        )
        assert state.get(token_key(token)).total_supply == held


def test_devnet_weth_is_backed_by_eth_held_by_the_weth_contract() -> None:
    state = build_genesis(devnet()).state
    # 8 x 100 + whale 5,000 + pools 1,000 + 1,000 + lending 2,000
    expected = (8 * 100 + 5_000 + 1_000 + 1_000 + 2_000) * 10**18
    assert state.get(token_key(WETH)).total_supply == expected
    assert state.get(account_key(WETH)).balance == expected


def test_devnet_token_registry_leaf() -> None:
    token: Token = build_genesis(devnet()).state.get(token_key(USDC))
    assert (token.registered, token.decimals, token.l1_token) == (1, 6, 0)
    assert token.symbol == int.from_bytes(b"USDC".ljust(32, b"\x00"), "big")


def test_devnet_pool_mints_sqrt_liquidity_with_1000_locked() -> None:
    state = build_genesis(devnet()).state
    root = isqrt(1_000 * 10**18 * 3_000_000 * 10**6)
    assert state.get(pool_key(WETH, USDC)) == Pool(1, 1_000 * 10**18, 3_000_000 * 10**6, root)
    assert state.get(liquidity_key(WETH, USDC, bytes(20))) == Liquidity(1_000)
    assert state.get(liquidity_key(WETH, USDC, DEVNET_WHALE)) == Liquidity(root - 1_000)
    assert state.get(balance_key(WETH, AMM)).amount == 2_000 * 10**18  # two WETH pools


def test_devnet_pool_tokens_are_sorted_by_address() -> None:
    state = build_genesis(devnet()).state
    # the document lists WBTC first, but USDC (0x...1001) sorts below WBTC (0x...1002)
    assert state.get(pool_key(USDC, WBTC)) == Pool(
        1, 3_000_000 * 10**6, 50 * 10**8, isqrt(3_000_000 * 10**6 * 50 * 10**8)
    )
    assert state.get(pool_key(WBTC, USDC)) == Pool()


def test_devnet_markets_start_at_unit_indexes_and_the_genesis_time() -> None:
    state = build_genesis(devnet()).state
    assert state.get(market_key(USDC)) == Market(
        total_supply_scaled=5_000_000 * 10**6,
        total_borrow_scaled=0,
        supply_index=RAY,
        borrow_index=RAY,
        reserves=0,
        last_update=0,
    )
    assert state.get(position_key(DEVNET_WHALE, USDC)) == Position(5_000_000 * 10**6, 0)
    assert state.get(balance_key(USDC, LENDING)).amount == 5_000_000 * 10**6


def test_decimal_fractions_become_exact_wads() -> None:
    config: MarketConfig = build_genesis(devnet()).state.get(market_config_key(WETH))
    assert config == MarketConfig(
        listed=1,
        base_rate=WAD // 100,
        slope1=4 * WAD // 100,
        slope2=8 * WAD // 10,
        optimal_utilization=8 * WAD // 10,
        reserve_factor=WAD // 10,
        collateral_factor=8 * WAD // 10,
        liquidation_threshold=85 * WAD // 100,
        liquidation_bonus=5 * WAD // 100,
        close_factor=WAD // 2,
        volatility_sensitivity=WAD // 10,
        collateral_factor_floor=WAD // 2,
        liquidation_threshold_floor=6 * WAD // 10,
    )
    assert build_genesis(devnet()).state.get(price_key(WBTC)) == Price(60_000 * WAD, WAD // 2, 0)


def test_the_same_document_always_gives_the_same_genesis() -> None:
    first, second = build_genesis(devnet()), build_genesis(devnet())
    assert first.header == second.header
    assert first.header.state_root == first.state.root != bytes(32)


def test_any_change_to_the_document_changes_the_state_root() -> None:
    document = devnet()
    document["alloc"]["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"]["balance"] = "1"
    assert build_genesis(document).header.state_root != build_genesis(devnet()).header.state_root


def test_amounts_may_be_integers_of_base_units_or_hex() -> None:
    document = base_document()
    document["tokens"][0]["balances"] = {
        hex_address(ADDRESSES[0]): 5,
        hex_address(ADDRESSES[1]): "0x10",
    }
    state = build_genesis(document).state
    assert state.get(balance_key(WETH, ADDRESSES[0])).amount == 5
    assert state.get(balance_key(WETH, ADDRESSES[1])).amount == 16


def test_decimal_amounts_keep_every_digit() -> None:
    document = base_document()
    # 31 significant digits: more than Python's default decimal precision of 28
    document["tokens"][0]["balances"] = {
        hex_address(ADDRESSES[0]): "1000000000000.000000000000000001"
    }
    state = build_genesis(document).state
    assert state.get(balance_key(WETH, ADDRESSES[0])).amount == 10**30 + 1


def test_a_minimal_document_builds() -> None:
    genesis = build_genesis(base_document())
    assert genesis.config.chain_id == 901
    assert genesis.header.timestamp == 1_000


def test_the_lending_test_world_builds() -> None:
    build_genesis(lending_document())


# ---------------------------------------------------------------------------------------------
# Refusals


def test_chain_id_zero_is_refused() -> None:
    assert refused(base_document(chainId=0)) == "chainId must not be zero"


def test_a_missing_field_is_a_malformed_document() -> None:
    document = base_document()
    del document["oracle"]
    assert refused(document).startswith("malformed genesis document: KeyError('oracle')")


def test_a_document_without_weth_is_refused() -> None:
    assert refused(base_document(tokens=[])) == f"WETH must be registered at 0x{WETH.hex()}"


def test_a_bad_address_is_refused() -> None:
    assert refused(base_document(oracle="0x1234")) == (
        "oracle: '0x1234' is not a 0x-prefixed 20-byte address"
    )
    assert refused(base_document(oracle="0x" + "zz" * 20)) == f"oracle: '0x{'zz' * 20}' is not hex"


def test_integers_outside_uint256_are_refused() -> None:
    document = base_document()
    document["alloc"][hex_address(ADDRESSES[0])]["balance"] = str(2**256)
    assert refused(document) == f"balance: '{2**256}' is out of the uint256 range"
    document["alloc"][hex_address(ADDRESSES[0])]["balance"] = -1
    assert refused(document) == "balance: -1 is out of the uint256 range"


def test_booleans_and_garbage_are_not_integers() -> None:
    assert refused(base_document(chainId=True)) == "chainId: True is not an integer"
    assert refused(base_document(chainId="ninety")) == "chainId: 'ninety' is not an integer"


def test_a_token_listed_twice_is_refused() -> None:
    document = base_document()
    document["tokens"].append(copy.deepcopy(document["tokens"][0]))
    assert refused(document) == f"token {hex_address(WETH)} is listed twice"


def test_token_decimals_above_36_are_refused() -> None:
    document = base_document()
    document["tokens"][0]["decimals"] = 37
    assert refused(document) == f"token {hex_address(WETH)}: decimals 37 above 36"


def test_an_amount_with_more_decimals_than_the_token_is_refused() -> None:
    document = lending_document()
    document["tokens"][1]["balances"] = {hex_address(ADDRESSES[0]): "1.0000001"}  # USDC: 6
    assert refused(document) == "balance: '1.0000001' has too many decimals"


def test_a_wad_with_more_than_18_decimals_is_refused() -> None:
    document = lending_document()
    document["prices"][0]["price"] = "1.0000000000000000001"
    assert (
        refused(document)
        == "price: '1.0000000000000000001' has more than 18 decimals or is negative"
    )


def test_a_negative_decimal_is_refused() -> None:
    document = lending_document()
    document["prices"][0]["volatility"] = "-0.5"
    assert "volatility: '-0.5'" in refused(document)


def test_a_decimal_amount_outside_uint256_is_refused() -> None:
    document = base_document()
    document["tokens"][0]["balances"] = {hex_address(ADDRESSES[0]): "1" + "0" * 70 + ".0"}
    assert refused(document) == f"balance: '{'1' + '0' * 70 + '.0'}' is out of the uint256 range"


def test_a_malformed_decimal_is_refused() -> None:
    document = base_document()
    document["tokens"][0]["balances"] = {hex_address(ADDRESSES[0]): "1.2.3"}
    assert refused(document) == "balance: '1.2.3' is not a decimal number"


def test_balances_summing_past_uint256_are_refused() -> None:
    document = base_document()
    document["tokens"][0]["balances"] = {
        hex_address(ADDRESSES[0]): str(2**255),
        hex_address(ADDRESSES[1]): str(2**255),
    }
    assert (
        refused(document)
        == f"total supply of token {hex_address(WETH)} is out of the uint256 range"
    )


def test_a_price_for_an_unregistered_token_is_refused() -> None:
    document = base_document(prices=[{"asset": "0x" + "99" * 20, "price": "1.0"}])
    assert refused(document) == f"price asset: 0x{'99' * 20} is not a registered token"


def test_a_market_without_a_price_is_refused() -> None:
    document = lending_document()
    document["prices"] = document["prices"][1:]  # drop WETH's
    assert refused(document) == f"market {hex_address(WETH)} has no genesis price"


def test_a_market_listed_twice_is_refused() -> None:
    document = lending_document()
    document["markets"].append(copy.deepcopy(document["markets"][0]))
    assert refused(document) == f"market {document['markets'][0]['asset']} is listed twice"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("optimalUtilization", "0.0", "optimalUtilization must be in (0, 1)"),
        ("optimalUtilization", "1.0", "optimalUtilization must be in (0, 1)"),
        ("reserveFactor", "1.0", "reserveFactor must be < 1, closeFactor in (0, 1]"),
        ("closeFactor", "0.0", "reserveFactor must be < 1, closeFactor in (0, 1]"),
        ("closeFactor", "1.1", "reserveFactor must be < 1, closeFactor in (0, 1]"),
        ("collateralFactor", "0.85", "need collateralFactor < liquidationThreshold < 1"),
        ("liquidationThreshold", "1.0", "need collateralFactor < liquidationThreshold < 1"),
        ("collateralFactorFloor", "0.6", "need collateralFactorFloor < liquidationThresholdFloor"),
        ("liquidationBonus", "0.5", "liquidationBonus must be below 0.5"),
    ],
)
def test_unsafe_market_parameters_are_refused(field: str, value: str, message: str) -> None:
    document = lending_document()
    document["markets"][0] = {**document["markets"][0], field: value}
    assert refused(document) == f"market {document['markets'][0]['asset']}: {message}"


def test_a_collateral_factor_floor_above_the_factor_is_refused() -> None:
    document = lending_document()
    document["markets"][0] = {
        **document["markets"][0],
        "collateralFactor": "0.45",
        "collateralFactorFloor": "0.5",
        "liquidationThresholdFloor": "0.55",
    }
    assert refused(document) == (
        f"market {document['markets'][0]['asset']}: collateralFactorFloor above collateralFactor"
    )


def test_a_liquidation_threshold_floor_above_the_threshold_is_refused() -> None:
    document = lending_document()
    document["markets"][0] = {
        **USDC_MARKET,
        "asset": document["markets"][0]["asset"],
        "liquidationThresholdFloor": "0.9",
    }
    assert refused(document) == (
        f"market {document['markets'][0]['asset']}: "
        "liquidationThresholdFloor above liquidationThreshold"
    )


def test_a_pool_of_one_token_is_refused() -> None:
    document = lending_document()
    document["pools"][0]["tokenB"] = hex_address(WETH)
    assert refused(document) == "a pool needs two different tokens"


def test_a_pool_listed_twice_is_refused() -> None:
    document = lending_document()
    document["pools"].append(copy.deepcopy(document["pools"][0]))
    assert refused(document) == "a pool is listed twice"


def test_a_pool_with_at_most_minimum_liquidity_is_refused() -> None:
    document = lending_document()
    document["pools"][0].update(amountA=1_000, amountB=1_000)
    assert refused(document) == "pool liquidity too small"


def test_a_pool_whose_product_overflows_uint256_is_refused() -> None:
    document = lending_document()
    document["pools"][0].update(amountA=str(2**130), amountB=str(2**130))
    assert refused(document) == "pool amounts too large: amountA * amountB must fit in uint256"


def test_a_pool_provided_by_the_zero_address_is_refused() -> None:
    document = lending_document()
    document["pools"][0]["provider"] = hex_address(bytes(20))
    assert refused(document) == "pool provider: the zero address holds the locked liquidity"


def test_a_supply_to_an_asset_without_market_is_refused() -> None:
    document = lending_document()
    document["supplies"][0]["asset"] = document["tokens"][2]["address"]  # DAI: no market
    assert refused(document) == f"supply asset {document['tokens'][2]['address']} has no market"


def test_a_token_at_a_system_contract_address_is_refused() -> None:
    document = base_document()
    document["tokens"].append(
        {"address": hex_address(AMM), "name": "X", "symbol": "X", "decimals": 18}
    )
    assert refused(document) == f"token {hex_address(AMM)}: address taken by a system contract"


def test_a_token_at_the_zero_address_is_refused() -> None:
    document = base_document()
    document["tokens"].append(
        {"address": hex_address(bytes(20)), "name": "X", "symbol": "X", "decimals": 18}
    )
    assert (
        refused(document) == f"token {hex_address(bytes(20))}: address taken by a system contract"
    )


def test_weth_bridged_from_an_l1_token_is_refused() -> None:
    document = base_document()
    document["tokens"][0]["l1Token"] = "0x" + "ab" * 20
    assert refused(document) == "WETH is backed by L2 ETH and cannot be bridged from an L1 token"


def test_a_token_name_longer_than_32_bytes_is_refused() -> None:
    document = base_document()
    document["tokens"][0]["name"] = "W" * 33
    assert "longer than 32 bytes" in refused(document)


def test_a_gas_limit_below_one_transfer_is_refused() -> None:
    assert refused(base_document(gasLimit=20_999)) == "gasLimit must be at least 21000"


def test_liquidation_threshold_times_bonus_must_stay_below_one() -> None:
    from rollup.genesis import InvalidGenesis, build_genesis, load_default_genesis_document

    document = load_default_genesis_document()
    weth = document["markets"][0]
    # 0.96 * (1 + 0.05) = 1.008: a liquidation would leave the borrower less healthy.
    weth["liquidationThreshold"], weth["collateralFactor"] = "0.96", "0.9"
    with pytest.raises(InvalidGenesis, match=r"liquidationThreshold × \(1 \+ liquidationBonus\)"):
        build_genesis(document)
