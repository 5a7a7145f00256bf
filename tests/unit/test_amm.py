"""The constant-product AMM (Uniswap v2 math), driven by signed transactions on the devnet genesis.

Devnet pool WETH/USDC: 1,000 WETH (18 decimals) and 3,000,000 USDC (6 decimals); WETH's address
(0x42...06) sorts first, so WETH is token0.
"""

from __future__ import annotations

from eth_abi import decode
from hypothesis import given, settings
from hypothesis import strategies as st

from rollup.abi import compute_event_topic, encode_address_topic
from rollup.addresses import AMM, WETH
from rollup.fixedpoint import isqrt
from rollup.state import Pool, pool_key
from tests.unit.helpers import (
    ADDRESSES,
    ANVIL_KEYS,
    DAI,
    FAR_DEADLINE,
    USDC,
    WBTC,
    Chain,
)

ALICE_KEY, BOB_KEY = ANVIL_KEYS[0], ANVIL_KEYS[1]
ALICE, BOB = ADDRESSES[0], ADDRESSES[1]
WHALE_KEY, WHALE = ANVIL_KEYS[8], ADDRESSES[8]  # devnet pool provider

SWAP = "swapExactIn(address,address,uint256,uint256,address,uint256)"
ADD = "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)"
REMOVE = "removeLiquidity(address,address,uint256,uint256,uint256,address,uint256)"
RESERVES = "getReserves(address,address)"
LIQUIDITY_OF = "liquidityOf(address,address,address)"

WETH_RESERVE = 1_000 * 10**18
USDC_RESERVE = 3_000_000 * 10**6
POOL_LIQUIDITY = isqrt(WETH_RESERVE * USDC_RESERVE)  # 54,772,255,750,516,611


def approved_chain() -> Chain:
    chain = Chain()
    for key in (ALICE_KEY, BOB_KEY, WHALE_KEY):
        for token in (WETH, USDC, WBTC, DAI):
            chain.approve(key, token, AMM)
    return chain


def test_swap_output_matches_uniswap_v2_formula_for_known_reserves() -> None:
    chain = approved_chain()
    sent = chain.ok(ALICE_KEY, AMM, SWAP, WETH, USDC, 10**18, 0, ALICE, FAR_DEADLINE)
    expected = 10**18 * 997 * 3_000_000 * 10**6 // (1000 * 10**18 * 1000 + 10**18 * 997)
    assert expected == 2_988_020_943  # 2,988.020943 USDC for 1 WETH at 3,000
    assert sent.returned("uint256") == (expected,)
    assert chain.balance(USDC, ALICE) == 100_000 * 10**6 + expected
    assert chain.balance(WETH, ALICE) == 100 * 10**18 - 10**18


def test_swap_in_the_token1_to_token0_direction_uses_the_same_formula() -> None:
    chain = approved_chain()
    amount_in = 6_000 * 10**6
    sent = chain.ok(ALICE_KEY, AMM, SWAP, USDC, WETH, amount_in, 0, ALICE, FAR_DEADLINE)
    expected = amount_in * 997 * 1_000 * 10**18 // (3_000_000 * 10**6 * 1000 + amount_in * 997)
    assert sent.returned("uint256") == (expected,)
    assert chain.call(AMM, RESERVES, USDC, WETH) == (
        USDC_RESERVE + amount_in,
        WETH_RESERVE - expected,
        POOL_LIQUIDITY,
    )


def test_swap_fee_of_0_3_percent_stays_in_the_pool() -> None:
    chain = approved_chain()
    amount_in = 10 * 10**18
    chain.ok(ALICE_KEY, AMM, SWAP, WETH, USDC, amount_in, 0, ALICE, FAR_DEADLINE)
    # Without a fee the output would keep k exactly: out = r1 * in / (r0 + in).
    no_fee_out = USDC_RESERVE * amount_in // (WETH_RESERVE + amount_in)
    with_fee_out = amount_in * 997 * USDC_RESERVE // (WETH_RESERVE * 1000 + amount_in * 997)
    assert no_fee_out == 29_702_970_297
    assert with_fee_out == 29_614_741_031
    reserve0, reserve1, _ = chain.call(AMM, RESERVES, WETH, USDC)
    assert (reserve0, reserve1) == (WETH_RESERVE + amount_in, USDC_RESERVE - with_fee_out)
    # The 0.3% of the input that was not priced in is what grows k.
    assert reserve0 * reserve1 > WETH_RESERVE * USDC_RESERVE


def test_swap_emits_swap_and_sync_logs() -> None:
    chain = approved_chain()
    sent = chain.ok(ALICE_KEY, AMM, SWAP, WETH, USDC, 10**18, 0, BOB, FAR_DEADLINE)
    out = 2_988_020_943
    transfer_in, transfer_out, swap, sync = sent.logs
    assert transfer_in.address == WETH and transfer_out.address == USDC
    assert swap.address == AMM
    assert swap.topics == (
        compute_event_topic("Swap(address,address,address,uint256,uint256,address)"),
        encode_address_topic(ALICE),
        encode_address_topic(WETH),
        encode_address_topic(USDC),
    )
    assert decode(["uint256", "uint256", "address"], swap.data) == (
        10**18,
        out,
        "0x" + BOB.hex(),
    )
    assert sync.topics[0] == compute_event_topic("Sync(address,address,uint256,uint256)")
    assert decode(["uint256", "uint256"], sync.data) == (WETH_RESERVE + 10**18, USDC_RESERVE - out)


def test_swap_pays_the_recipient_not_the_sender() -> None:
    chain = approved_chain()
    chain.ok(ALICE_KEY, AMM, SWAP, WETH, USDC, 10**18, 0, BOB, FAR_DEADLINE)
    assert chain.balance(USDC, BOB) == 100_000 * 10**6 + 2_988_020_943
    assert chain.balance(USDC, ALICE) == 100_000 * 10**6


def test_swap_with_exactly_the_expected_minimum_output_succeeds() -> None:
    chain = approved_chain()
    sent = chain.ok(ALICE_KEY, AMM, SWAP, WETH, USDC, 10**18, 2_988_020_943, ALICE, FAR_DEADLINE)
    assert sent.returned("uint256") == (2_988_020_943,)


def test_swap_below_the_minimum_output_reverts_and_changes_no_reserve() -> None:
    chain = approved_chain()
    reason = chain.fails(
        ALICE_KEY, AMM, SWAP, WETH, USDC, 10**18, 2_988_020_944, ALICE, FAR_DEADLINE
    )
    assert reason == "insufficient output amount"
    assert chain.call(AMM, RESERVES, WETH, USDC) == (WETH_RESERVE, USDC_RESERVE, POOL_LIQUIDITY)
    assert chain.balance(WETH, ALICE) == 100 * 10**18


def test_swap_after_its_deadline_reverts() -> None:
    chain = approved_chain()
    next_time = chain.time + 1
    reason = chain.fails(ALICE_KEY, AMM, SWAP, WETH, USDC, 10**18, 0, ALICE, next_time - 1)
    assert reason == "transaction expired"


def test_swap_in_the_block_of_its_deadline_succeeds() -> None:
    chain = approved_chain()
    next_time = chain.time + 1
    chain.ok(ALICE_KEY, AMM, SWAP, WETH, USDC, 10**18, 0, ALICE, next_time)


def test_swap_without_allowance_reverts() -> None:
    chain = Chain()
    reason = chain.fails(ALICE_KEY, AMM, SWAP, WETH, USDC, 10**18, 0, ALICE, FAR_DEADLINE)
    assert reason == "insufficient allowance"


def test_swap_of_more_than_the_balance_reverts() -> None:
    chain = approved_chain()
    reason = chain.fails(ALICE_KEY, AMM, SWAP, WETH, USDC, 101 * 10**18, 0, ALICE, FAR_DEADLINE)
    assert reason == "transfer amount exceeds balance"


def test_swap_to_the_zero_address_reverts() -> None:
    chain = approved_chain()
    reason = chain.fails(ALICE_KEY, AMM, SWAP, WETH, USDC, 10**18, 0, bytes(20), FAR_DEADLINE)
    assert reason == "swap to the zero address"


def test_swap_of_zero_reverts() -> None:
    chain = approved_chain()
    assert chain.fails(ALICE_KEY, AMM, SWAP, WETH, USDC, 0, 0, ALICE, FAR_DEADLINE) == (
        "insufficient input amount"
    )


def test_swap_too_small_to_buy_anything_reverts() -> None:
    chain = approved_chain()
    # 1 USDC unit buys 1 * 997 * 1e21 // (3e12 * 1000 + 997) = 332,333 wei of WETH, but
    # 1 wei of WETH buys 1 * 997 * 3e12 // (1e21 * 1000 + 997) = 0 USDC units.
    reason = chain.fails(ALICE_KEY, AMM, SWAP, WETH, USDC, 1, 0, ALICE, FAR_DEADLINE)
    assert reason == "insufficient output amount"


def test_swap_on_a_pair_without_pool_reverts() -> None:
    chain = approved_chain()
    assert chain.fails(ALICE_KEY, AMM, SWAP, WBTC, DAI, 10**8, 0, ALICE, FAR_DEADLINE) == (
        "pool does not exist"
    )


def test_get_amount_out_view_quotes_the_swap() -> None:
    chain = Chain()
    expected = 10**18 * 997 * 3_000_000 * 10**6 // (1000 * 10**18 * 1000 + 10**18 * 997)
    assert chain.call_one(AMM, "getAmountOut(address,address,uint256)", WETH, USDC, 10**18) == (
        expected
    )


def test_devnet_pool_locks_minimum_liquidity_with_the_zero_address() -> None:
    chain = Chain()
    assert chain.call(AMM, RESERVES, WETH, USDC) == (WETH_RESERVE, USDC_RESERVE, POOL_LIQUIDITY)
    assert chain.call_one(AMM, LIQUIDITY_OF, WETH, USDC, bytes(20)) == 1_000
    assert chain.call_one(AMM, LIQUIDITY_OF, USDC, WETH, WHALE) == POOL_LIQUIDITY - 1_000


def test_first_deposit_mints_sqrt_of_the_product_minus_1000_locked_to_zero_address() -> None:
    chain = approved_chain()
    chain.ok(ALICE_KEY, AMM, "createPool(address,address)", WBTC, DAI)
    amount_wbtc, amount_dai = 10**8, 60_000 * 10**18
    sent = chain.ok(
        ALICE_KEY, AMM, ADD, WBTC, DAI, amount_wbtc, amount_dai, 0, 0, ALICE, FAR_DEADLINE
    )
    root = isqrt(10**8 * 60_000 * 10**18)
    assert root == 2_449_489_742_783_178
    assert sent.returned("uint256", "uint256", "uint256") == (amount_wbtc, amount_dai, root - 1_000)
    assert chain.call_one(AMM, LIQUIDITY_OF, WBTC, DAI, ALICE) == root - 1_000
    assert chain.call_one(AMM, LIQUIDITY_OF, WBTC, DAI, bytes(20)) == 1_000
    assert chain.call(AMM, RESERVES, WBTC, DAI) == (amount_wbtc, amount_dai, root)
    assert chain.balance(WBTC, ALICE) == 10 * 10**8 - amount_wbtc


def test_first_deposit_of_at_most_minimum_liquidity_reverts() -> None:
    chain = approved_chain()
    chain.ok(ALICE_KEY, AMM, "createPool(address,address)", WBTC, DAI)
    # isqrt(1000 * 1000) = 1000, which would leave nothing once 1000 are locked
    assert chain.fails(ALICE_KEY, AMM, ADD, WBTC, DAI, 1_000, 1_000, 0, 0, ALICE, FAR_DEADLINE) == (
        "insufficient liquidity minted"
    )
    sent = chain.ok(ALICE_KEY, AMM, ADD, WBTC, DAI, 1_001, 1_001, 0, 0, ALICE, FAR_DEADLINE)
    assert sent.returned("uint256", "uint256", "uint256") == (1_001, 1_001, 1)


def test_create_pool_emits_pool_created_with_sorted_tokens() -> None:
    chain = approved_chain()
    sent = chain.ok(ALICE_KEY, AMM, "createPool(address,address)", DAI, WBTC)
    (log,) = sent.logs
    assert log.topics == (
        compute_event_topic("PoolCreated(address,address)"),
        encode_address_topic(WBTC),
        encode_address_topic(DAI),
    )
    pool: Pool = chain.leaf(pool_key(WBTC, DAI))
    assert pool == Pool(created=1)


def test_create_pool_twice_reverts() -> None:
    chain = Chain()
    assert chain.fails(ALICE_KEY, AMM, "createPool(address,address)", USDC, WETH) == "pool exists"


def test_create_pool_of_identical_tokens_reverts() -> None:
    chain = Chain()
    assert chain.fails(ALICE_KEY, AMM, "createPool(address,address)", DAI, DAI) == (
        "identical tokens"
    )


def test_create_pool_with_an_unregistered_token_reverts() -> None:
    chain = Chain()
    assert chain.fails(ALICE_KEY, AMM, "createPool(address,address)", DAI, b"\x77" * 20) == (
        "not a registered token"
    )


def test_later_deposit_takes_the_pool_ratio_and_mints_the_pro_rata_minimum() -> None:
    chain = approved_chain()
    # Make the reserves uneven first, so that the two pro-rata shares differ.
    chain.ok(BOB_KEY, AMM, SWAP, WETH, USDC, 7 * 10**18, 0, BOB, FAR_DEADLINE)
    reserve0, reserve1, total = chain.call(AMM, RESERVES, WETH, USDC)
    desired_weth, desired_usdc = 10 * 10**18, 50_000 * 10**6
    usdc_optimal = desired_weth * reserve1 // reserve0  # quote(): A's worth of B, rounded down
    assert usdc_optimal <= desired_usdc
    expected_liquidity = min(desired_weth * total // reserve0, usdc_optimal * total // reserve1)
    assert desired_weth * total // reserve0 != usdc_optimal * total // reserve1
    sent = chain.ok(
        ALICE_KEY, AMM, ADD, WETH, USDC, desired_weth, desired_usdc, 0, 0, ALICE, FAR_DEADLINE
    )
    assert sent.returned("uint256", "uint256", "uint256") == (
        desired_weth,
        usdc_optimal,
        expected_liquidity,
    )
    assert chain.call(AMM, RESERVES, WETH, USDC) == (
        reserve0 + desired_weth,
        reserve1 + usdc_optimal,
        total + expected_liquidity,
    )
    assert chain.call_one(AMM, LIQUIDITY_OF, WETH, USDC, ALICE) == expected_liquidity


def test_later_deposit_limited_by_token_b_takes_less_of_token_a() -> None:
    chain = approved_chain()
    desired_weth, desired_usdc = 10 * 10**18, 20_000 * 10**6
    # 10 WETH would need 30,000 USDC: too much, so A is quoted from B instead.
    weth_optimal = desired_usdc * WETH_RESERVE // USDC_RESERVE
    assert weth_optimal == 6_666_666_666_666_666_666
    liquidity = min(
        weth_optimal * POOL_LIQUIDITY // WETH_RESERVE, desired_usdc * POOL_LIQUIDITY // USDC_RESERVE
    )
    sent = chain.ok(
        ALICE_KEY, AMM, ADD, WETH, USDC, desired_weth, desired_usdc, 0, 0, ALICE, FAR_DEADLINE
    )
    assert sent.returned("uint256", "uint256", "uint256") == (weth_optimal, desired_usdc, liquidity)


def test_later_deposit_below_the_b_minimum_reverts() -> None:
    chain = approved_chain()
    # 10 WETH is worth 30,000 USDC at the pool ratio; asking for at least 30,001 fails.
    reason = chain.fails(
        ALICE_KEY,
        AMM,
        ADD,
        WETH,
        USDC,
        10 * 10**18,
        40_000 * 10**6,
        0,
        30_001 * 10**6,
        ALICE,
        FAR_DEADLINE,
    )
    assert reason == "insufficient B amount"


def test_later_deposit_below_the_a_minimum_reverts() -> None:
    chain = approved_chain()
    reason = chain.fails(
        ALICE_KEY,
        AMM,
        ADD,
        WETH,
        USDC,
        10 * 10**18,
        20_000 * 10**6,
        7 * 10**18,
        0,
        ALICE,
        FAR_DEADLINE,
    )
    assert reason == "insufficient A amount"


def test_add_liquidity_after_its_deadline_reverts() -> None:
    chain = approved_chain()
    reason = chain.fails(
        ALICE_KEY, AMM, ADD, WETH, USDC, 10**18, 3_000 * 10**6, 0, 0, ALICE, chain.time
    )
    assert reason == "transaction expired"


def test_remove_liquidity_pays_the_pro_rata_share_rounded_down() -> None:
    chain = approved_chain()
    shares = (POOL_LIQUIDITY - 1_000) // 10
    weth_before, usdc_before = chain.balance(WETH, WHALE), chain.balance(USDC, WHALE)
    sent = chain.ok(WHALE_KEY, AMM, REMOVE, WETH, USDC, shares, 0, 0, WHALE, FAR_DEADLINE)
    amount_weth = shares * WETH_RESERVE // POOL_LIQUIDITY
    amount_usdc = shares * USDC_RESERVE // POOL_LIQUIDITY
    assert sent.returned("uint256", "uint256") == (amount_weth, amount_usdc)
    assert chain.balance(WETH, WHALE) == weth_before + amount_weth
    assert chain.balance(USDC, WHALE) == usdc_before + amount_usdc
    assert chain.call(AMM, RESERVES, WETH, USDC) == (
        WETH_RESERVE - amount_weth,
        USDC_RESERVE - amount_usdc,
        POOL_LIQUIDITY - shares,
    )
    assert chain.call_one(AMM, LIQUIDITY_OF, WETH, USDC, WHALE) == POOL_LIQUIDITY - 1_000 - shares


def test_remove_liquidity_returns_amounts_in_the_callers_token_order() -> None:
    chain = approved_chain()
    shares = 10**12
    sent = chain.ok(WHALE_KEY, AMM, REMOVE, USDC, WETH, shares, 0, 0, WHALE, FAR_DEADLINE)
    assert sent.returned("uint256", "uint256") == (
        shares * USDC_RESERVE // POOL_LIQUIDITY,
        shares * WETH_RESERVE // POOL_LIQUIDITY,
    )


def test_removing_all_shares_leaves_the_locked_minimum_in_the_pool() -> None:
    chain = approved_chain()
    shares = POOL_LIQUIDITY - 1_000
    chain.ok(WHALE_KEY, AMM, REMOVE, WETH, USDC, shares, 0, 0, WHALE, FAR_DEADLINE)
    reserve0, reserve1, total = chain.call(AMM, RESERVES, WETH, USDC)
    assert total == 1_000
    assert reserve0 == WETH_RESERVE - shares * WETH_RESERVE // POOL_LIQUIDITY
    assert reserve1 == USDC_RESERVE - shares * USDC_RESERVE // POOL_LIQUIDITY
    assert reserve0 > 0 and reserve1 > 0


def test_remove_liquidity_beyond_the_owned_shares_reverts() -> None:
    chain = approved_chain()
    reason = chain.fails(ALICE_KEY, AMM, REMOVE, WETH, USDC, 1, 0, 0, ALICE, FAR_DEADLINE)
    assert reason == "burn amount exceeds liquidity"


def test_remove_liquidity_below_the_minimum_amount_reverts() -> None:
    chain = approved_chain()
    shares = 10**15
    amount_usdc = shares * USDC_RESERVE // POOL_LIQUIDITY
    reason = chain.fails(
        WHALE_KEY, AMM, REMOVE, WETH, USDC, shares, 0, amount_usdc + 1, WHALE, FAR_DEADLINE
    )
    assert reason == "insufficient B amount"


def test_remove_liquidity_after_its_deadline_reverts() -> None:
    chain = approved_chain()
    reason = chain.fails(WHALE_KEY, AMM, REMOVE, WETH, USDC, 10**12, 0, 0, WHALE, 0)
    assert reason == "transaction expired"


def test_deposit_then_withdraw_never_returns_more_than_was_deposited() -> None:
    chain = approved_chain()
    chain.ok(BOB_KEY, AMM, SWAP, USDC, WETH, 12_345 * 10**6, 0, BOB, FAR_DEADLINE)
    weth_before, usdc_before = chain.balance(WETH, ALICE), chain.balance(USDC, ALICE)
    sent = chain.ok(
        ALICE_KEY, AMM, ADD, WETH, USDC, 3 * 10**18, 10_000 * 10**6, 0, 0, ALICE, FAR_DEADLINE
    )
    _, _, minted = sent.returned("uint256", "uint256", "uint256")
    chain.ok(ALICE_KEY, AMM, REMOVE, WETH, USDC, minted, 0, 0, ALICE, FAR_DEADLINE)
    assert chain.balance(WETH, ALICE) <= weth_before
    assert chain.balance(USDC, ALICE) <= usdc_before


@settings(max_examples=30, deadline=None)
@given(
    amount_in=st.integers(min_value=10**9, max_value=100 * 10**18),
    weth_to_usdc=st.booleans(),
)
def test_any_swap_pays_get_amount_out_and_never_decreases_k(
    amount_in: int, weth_to_usdc: bool
) -> None:
    chain = approved_chain()
    token_in, token_out = (WETH, USDC) if weth_to_usdc else (USDC, WETH)
    reserve_in, reserve_out = (
        (WETH_RESERVE, USDC_RESERVE) if weth_to_usdc else (USDC_RESERVE, WETH_RESERVE)
    )
    amount_in = amount_in if weth_to_usdc else amount_in * 3_000 // 10**12 + 1  # in USDC
    expected = amount_in * 997 * reserve_out // (reserve_in * 1000 + amount_in * 997)
    sent = chain.transact(
        WHALE_KEY, AMM, SWAP, token_in, token_out, amount_in, 0, WHALE, FAR_DEADLINE
    )
    if expected == 0:
        assert sent.revert_reason == "insufficient output amount"
        return
    assert sent.returned("uint256") == (expected,)
    new_in, new_out, _ = chain.call(AMM, RESERVES, token_in, token_out)
    assert (new_in, new_out) == (reserve_in + amount_in, reserve_out - expected)
    assert new_in * new_out >= reserve_in * reserve_out
