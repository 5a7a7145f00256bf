"""ERC-20 tokens and WETH, driven by signed transactions on the devnet genesis."""

from __future__ import annotations

from eth_abi import decode

from rollup.abi import compute_event_topic, encode_address_topic, encode_call
from rollup.addresses import AMM, WETH
from rollup.state import Token, token_key
from tests.unit.helpers import ADDRESSES, ANVIL_KEYS, DAI, UINT256_MAX, USDC, Chain

ALICE_KEY, BOB_KEY, CAROL_KEY = ANVIL_KEYS[0], ANVIL_KEYS[1], ANVIL_KEYS[2]
ALICE, BOB, CAROL = ADDRESSES[0], ADDRESSES[1], ADDRESSES[2]
TRANSFER_TOPIC = compute_event_topic("Transfer(address,address,uint256)")
APPROVAL_TOPIC = compute_event_topic("Approval(address,address,uint256)")

USDC_GENESIS_BALANCE = 100_000 * 10**6  # devnet.json: "100000.0" USDC, 6 decimals
WETH_GENESIS_BALANCE = 100 * 10**18


def test_devnet_token_metadata_is_readable_through_erc20_views() -> None:
    chain = Chain()
    assert chain.call_one(USDC, "name()") == "USD Coin"
    assert chain.call_one(USDC, "symbol()") == "USDC"
    assert chain.call_one(USDC, "decimals()") == 6
    assert chain.call_one(DAI, "decimals()") == 18


def test_total_supply_is_the_sum_of_genesis_balances_pools_supplies_and_perps_funds() -> None:
    chain = Chain()
    # 8 accounts x 100,000 + whale 20,000,000 + pools 3,000,000 + 3,000,000 + 1,000,000
    # + lending supply 5,000,000 + perps insurance funds 2 x 100,000
    expected = (
        8 * 100_000 + 20_000_000 + 3_000_000 + 3_000_000 + 1_000_000 + 5_000_000 + 2 * 100_000
    ) * 10**6
    assert chain.call_one(USDC, "totalSupply()") == expected


def test_transfer_moves_the_exact_amount_between_the_two_holders() -> None:
    chain = Chain()
    chain.ok(ALICE_KEY, USDC, "transfer(address,uint256)", BOB, 1_234_567)
    assert chain.call_one(USDC, "balanceOf(address)", ALICE) == USDC_GENESIS_BALANCE - 1_234_567
    assert chain.call_one(USDC, "balanceOf(address)", BOB) == USDC_GENESIS_BALANCE + 1_234_567


def test_transfer_returns_true_and_emits_a_transfer_log() -> None:
    chain = Chain()
    sent = chain.ok(ALICE_KEY, USDC, "transfer(address,uint256)", BOB, 42)
    assert sent.returned("bool") == (True,)
    (log,) = sent.logs
    assert log.address == USDC
    assert log.topics == (TRANSFER_TOPIC, encode_address_topic(ALICE), encode_address_topic(BOB))
    assert decode(["uint256"], log.data) == (42,)


def test_transfer_of_more_than_the_balance_reverts() -> None:
    chain = Chain()
    reason = chain.fails(
        ALICE_KEY, USDC, "transfer(address,uint256)", BOB, USDC_GENESIS_BALANCE + 1
    )
    assert reason == "transfer amount exceeds balance"
    assert chain.balance(USDC, ALICE) == USDC_GENESIS_BALANCE
    assert chain.balance(USDC, BOB) == USDC_GENESIS_BALANCE


def test_transfer_of_the_whole_balance_succeeds() -> None:
    chain = Chain()
    chain.ok(ALICE_KEY, USDC, "transfer(address,uint256)", BOB, USDC_GENESIS_BALANCE)
    assert chain.balance(USDC, ALICE) == 0
    assert chain.balance(USDC, BOB) == 2 * USDC_GENESIS_BALANCE


def test_transfer_to_the_zero_address_reverts() -> None:
    chain = Chain()
    reason = chain.fails(ALICE_KEY, USDC, "transfer(address,uint256)", bytes(20), 1)
    assert reason == "transfer to the zero address"


def test_transfer_to_oneself_keeps_the_balance_and_still_logs() -> None:
    chain = Chain()
    sent = chain.ok(ALICE_KEY, USDC, "transfer(address,uint256)", ALICE, 5)
    assert chain.balance(USDC, ALICE) == USDC_GENESIS_BALANCE
    assert len(sent.logs) == 1


def test_approve_sets_the_allowance_and_emits_an_approval_log() -> None:
    chain = Chain()
    sent = chain.ok(ALICE_KEY, USDC, "approve(address,uint256)", BOB, 777)
    assert sent.returned("bool") == (True,)
    assert chain.call_one(USDC, "allowance(address,address)", ALICE, BOB) == 777
    (log,) = sent.logs
    assert log.topics == (APPROVAL_TOPIC, encode_address_topic(ALICE), encode_address_topic(BOB))
    assert decode(["uint256"], log.data) == (777,)


def test_approve_overwrites_the_previous_allowance() -> None:
    chain = Chain()
    chain.ok(ALICE_KEY, USDC, "approve(address,uint256)", BOB, 777)
    chain.ok(ALICE_KEY, USDC, "approve(address,uint256)", BOB, 5)
    assert chain.call_one(USDC, "allowance(address,address)", ALICE, BOB) == 5


def test_approve_of_the_zero_address_reverts() -> None:
    chain = Chain()
    assert chain.fails(ALICE_KEY, USDC, "approve(address,uint256)", bytes(20), 1) == (
        "approve to the zero address"
    )


def test_transfer_from_moves_tokens_and_spends_exactly_that_much_allowance() -> None:
    chain = Chain()
    chain.ok(ALICE_KEY, USDC, "approve(address,uint256)", BOB, 1_000)
    sent = chain.ok(BOB_KEY, USDC, "transferFrom(address,address,uint256)", ALICE, CAROL, 600)
    assert sent.returned("bool") == (True,)
    assert chain.call_one(USDC, "allowance(address,address)", ALICE, BOB) == 1_000 - 600
    assert chain.balance(USDC, ALICE) == USDC_GENESIS_BALANCE - 600
    assert chain.balance(USDC, CAROL) == USDC_GENESIS_BALANCE + 600
    assert chain.balance(USDC, BOB) == USDC_GENESIS_BALANCE


def test_transfer_from_above_the_allowance_reverts() -> None:
    chain = Chain()
    chain.ok(ALICE_KEY, USDC, "approve(address,uint256)", BOB, 1_000)
    reason = chain.fails(BOB_KEY, USDC, "transferFrom(address,address,uint256)", ALICE, BOB, 1_001)
    assert reason == "insufficient allowance"
    assert chain.call_one(USDC, "allowance(address,address)", ALICE, BOB) == 1_000


def test_transfer_from_above_the_owner_balance_reverts_even_with_allowance() -> None:
    chain = Chain()
    chain.approve(ALICE_KEY, USDC, BOB)
    reason = chain.fails(
        BOB_KEY, USDC, "transferFrom(address,address,uint256)", ALICE, BOB, USDC_GENESIS_BALANCE + 1
    )
    assert reason == "transfer amount exceeds balance"


def test_an_unlimited_allowance_never_decreases() -> None:
    chain = Chain()
    chain.ok(ALICE_KEY, USDC, "approve(address,uint256)", BOB, UINT256_MAX)
    chain.ok(BOB_KEY, USDC, "transferFrom(address,address,uint256)", ALICE, CAROL, 10**9)
    assert chain.call_one(USDC, "allowance(address,address)", ALICE, BOB) == UINT256_MAX


def test_an_allowance_one_below_unlimited_does_decrease() -> None:
    chain = Chain()
    chain.ok(ALICE_KEY, USDC, "approve(address,uint256)", BOB, UINT256_MAX - 1)
    chain.ok(BOB_KEY, USDC, "transferFrom(address,address,uint256)", ALICE, CAROL, 10)
    assert chain.call_one(USDC, "allowance(address,address)", ALICE, BOB) == UINT256_MAX - 11


def test_weth_deposit_mints_the_sent_eth_and_keeps_it_with_the_weth_contract() -> None:
    chain = Chain()
    supply_before = chain.call_one(WETH, "totalSupply()")
    eth_before = chain.eth(ALICE)
    backing_before = chain.eth(WETH)
    sent = chain.ok(ALICE_KEY, WETH, "deposit()", value=3 * 10**18)
    assert chain.balance(WETH, ALICE) == WETH_GENESIS_BALANCE + 3 * 10**18
    assert chain.call_one(WETH, "totalSupply()") == supply_before + 3 * 10**18
    assert chain.eth(WETH) == backing_before + 3 * 10**18
    assert chain.eth(ALICE) == eth_before - 3 * 10**18 - sent.fee


def test_plain_eth_sent_to_weth_wraps_it() -> None:
    chain = Chain()
    sent = chain.send(ALICE_KEY, WETH, b"", 10**18)
    assert sent.status == 1
    assert chain.balance(WETH, ALICE) == WETH_GENESIS_BALANCE + 10**18
    assert [log.topics[0] for log in sent.logs] == [
        TRANSFER_TOPIC,
        compute_event_topic("Deposit(address,uint256)"),
    ]


def test_weth_withdraw_burns_and_returns_the_eth() -> None:
    chain = Chain()
    supply_before = chain.call_one(WETH, "totalSupply()")
    eth_before = chain.eth(ALICE)
    backing_before = chain.eth(WETH)
    sent = chain.ok(ALICE_KEY, WETH, "withdraw(uint256)", 40 * 10**18)
    assert chain.balance(WETH, ALICE) == WETH_GENESIS_BALANCE - 40 * 10**18
    assert chain.call_one(WETH, "totalSupply()") == supply_before - 40 * 10**18
    assert chain.eth(WETH) == backing_before - 40 * 10**18
    assert chain.eth(ALICE) == eth_before + 40 * 10**18 - sent.fee


def test_weth_withdraw_of_more_than_the_balance_reverts() -> None:
    chain = Chain()
    reason = chain.fails(ALICE_KEY, WETH, "withdraw(uint256)", WETH_GENESIS_BALANCE + 1)
    assert reason == "burn amount exceeds balance"


def test_weth_supply_stays_equal_to_the_eth_held_by_the_weth_contract() -> None:
    chain = Chain()
    assert chain.eth(WETH) == chain.call_one(WETH, "totalSupply()")
    chain.ok(ALICE_KEY, WETH, "deposit()", value=7 * 10**18)
    chain.ok(BOB_KEY, WETH, "withdraw(uint256)", 3 * 10**18)
    chain.send(CAROL_KEY, WETH, b"", 1)
    assert chain.eth(WETH) == chain.call_one(WETH, "totalSupply()")
    token: Token = chain.leaf(token_key(WETH))
    assert token.total_supply == chain.eth(WETH)


def test_value_sent_to_a_non_payable_token_function_reverts() -> None:
    chain = Chain()
    eth_before = chain.eth(ALICE)
    sent = chain.send(ALICE_KEY, USDC, encode_call("transfer(address,uint256)", BOB, 1), 5)
    assert sent.status == 0
    assert sent.revert_reason == "function is not payable"
    assert chain.eth(ALICE) == eth_before - sent.fee
    assert chain.balance(USDC, BOB) == USDC_GENESIS_BALANCE


def test_an_unknown_selector_reverts_with_the_selector() -> None:
    chain = Chain()
    sent = chain.send(ALICE_KEY, USDC, bytes.fromhex("deadbeef"))
    assert sent.status == 0
    assert sent.revert_reason == "unknown function selector 0xdeadbeef"


def test_a_call_to_a_token_without_data_reverts() -> None:
    chain = Chain()
    sent = chain.send(ALICE_KEY, USDC, b"")
    assert sent.revert_reason == "missing function selector"


def test_a_dirty_address_argument_reverts() -> None:
    chain = Chain()
    data = bytearray(encode_call("transfer(address,uint256)", BOB, 1))
    data[4] = 0xFF  # a high byte of the address word
    sent = chain.send(ALICE_KEY, USDC, bytes(data))
    assert sent.revert_reason == "invalid address argument"


def test_short_calldata_reverts() -> None:
    chain = Chain()
    data = encode_call("transfer(address,uint256)", BOB, 1)[:-1]
    sent = chain.send(ALICE_KEY, USDC, data)
    assert sent.revert_reason == "calldata too short"


def test_tokens_held_by_the_amm_are_ordinary_balances() -> None:
    chain = Chain()
    # devnet pools: WETH/USDC 3,000,000 + WBTC/USDC 3,000,000 + USDC/DAI 1,000,000 USDC
    assert chain.call_one(USDC, "balanceOf(address)", AMM) == 7_000_000 * 10**6
