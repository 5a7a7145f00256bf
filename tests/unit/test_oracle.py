"""The price oracle: only the genesis oracle key writes; reports carry price, volatility, time."""

from __future__ import annotations

from eth_abi import decode

from rollup.abi import compute_event_topic, encode_address_topic
from rollup.addresses import FEE_VAULT, ORACLE, WETH
from rollup.fixedpoint import WAD
from rollup.state import Price, account_key, price_key
from tests.unit.helpers import ADDRESSES, ANVIL_KEYS, ORACLE_KEY, USDC, Chain, state_leaves

SET_PRICE = "setPrice(address,uint256,uint256)"
GET_PRICE = "getPrice(address)"


def test_devnet_genesis_prices_are_readable() -> None:
    chain = Chain()
    # devnet.json: WETH "3000.0" with volatility "0.6", written at the genesis time 0
    assert chain.call(ORACLE, GET_PRICE, WETH) == (3_000 * WAD, 6 * WAD // 10, 0)


def test_the_oracle_key_writes_price_volatility_and_block_time() -> None:
    chain = Chain()
    chain.ok(ORACLE_KEY, ORACLE, SET_PRICE, WETH, 2_500 * WAD, 7 * WAD // 10, dt=12)
    assert chain.call(ORACLE, GET_PRICE, WETH) == (2_500 * WAD, 7 * WAD // 10, 12)
    assert chain.leaf(price_key(WETH)) == Price(2_500 * WAD, 7 * WAD // 10, 12)


def test_a_price_update_emits_price_updated() -> None:
    chain = Chain()
    sent = chain.ok(ORACLE_KEY, ORACLE, SET_PRICE, USDC, 999 * WAD // 1000, WAD // 100)
    (log,) = sent.logs
    assert log.address == ORACLE
    assert log.topics == (
        compute_event_topic("PriceUpdated(address,uint256,uint256,uint256)"),
        encode_address_topic(USDC),
    )
    assert decode(["uint256", "uint256", "uint256"], log.data) == (
        999 * WAD // 1000,
        WAD // 100,
        chain.time,
    )


def test_any_other_key_cannot_write_a_price_and_nothing_but_its_fee_changes() -> None:
    chain = Chain()
    before = state_leaves(chain.state)
    sent = chain.transact(ANVIL_KEYS[0], ORACLE, SET_PRICE, WETH, 1, 0)
    assert sent.status == 0
    assert sent.revert_reason == "caller is not the oracle"
    assert chain.call(ORACLE, GET_PRICE, WETH) == (3_000 * WAD, 6 * WAD // 10, 0)
    after = state_leaves(chain.state)
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    assert changed == {account_key(ADDRESSES[0]), account_key(FEE_VAULT)}


def test_a_zero_price_is_refused() -> None:
    chain = Chain()
    assert chain.fails(ORACLE_KEY, ORACLE, SET_PRICE, WETH, 0, 0) == "price is zero"


def test_volatility_above_1000_percent_is_refused() -> None:
    chain = Chain()
    chain.ok(ORACLE_KEY, ORACLE, SET_PRICE, WETH, WAD, 10 * WAD)
    assert chain.fails(ORACLE_KEY, ORACLE, SET_PRICE, WETH, WAD, 10 * WAD + 1) == (
        "volatility out of range"
    )


def test_a_price_for_an_unregistered_token_is_refused() -> None:
    chain = Chain()
    assert chain.fails(ORACLE_KEY, ORACLE, SET_PRICE, b"\x99" * 20, WAD, 0) == (
        "not a registered token"
    )


def test_an_unpriced_token_reads_as_zero() -> None:
    chain = Chain()
    assert chain.call(ORACLE, GET_PRICE, b"\x99" * 20) == (0, 0, 0)
