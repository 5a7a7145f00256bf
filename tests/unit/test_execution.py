"""Executing transactions: inclusion rules, gas and fees, reverts, out-of-gas (devnet genesis)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rollup.abi import encode_call
from rollup.addresses import AMM, FEE_VAULT, WETH
from rollup.crypto import compute_private_key_address
from rollup.execution import compute_operation_gas
from rollup.gas import OPERATION_GAS, compute_intrinsic_gas
from rollup.state import Overlay, account_key
from rollup.transaction import TX_TYPE_ACCESS_LIST, TX_TYPE_LEGACY
from tests.unit.helpers import ADDRESSES, ANVIL_KEYS, USDC, Chain, state_leaves

ALICE_KEY, BOB_KEY = ANVIL_KEYS[0], ANVIL_KEYS[1]
ALICE, BOB = ADDRESSES[0], ADDRESSES[1]
PAUPER_KEY = bytes.fromhex("01" * 32)  # an account with no ETH
PAUPER = compute_private_key_address(PAUPER_KEY)
BASE_FEE = 1_000_000  # devnet genesis base fee, also its floor
TRANSFER = "transfer(address,uint256)"
USDC_BALANCE = 100_000 * 10**6


def changed_keys(before: dict[Any, Any], after: dict[Any, Any]) -> set[Any]:
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}


def skipped_reason(chain: Chain, **options: Any) -> str:
    """Put one transaction in a block; it must be left out; return why."""
    root_before = chain.head.state_root
    key = options.pop("key", ALICE_KEY)
    to = options.pop("to", BOB)
    signed = chain.sign(key, to, **options)
    block = chain.execute([signed])
    assert block.transactions == [] and block.receipts == []
    assert block.header.state_root == root_before
    ((skipped, reason),) = block.skipped
    assert skipped == signed
    return reason


# ---------------------------------------------------------------------------------------------
# Gas and fees


def test_intrinsic_gas_is_21000_plus_16_per_nonzero_and_4_per_zero_byte() -> None:
    data = encode_call(TRANSFER, BOB, 1)
    zero_bytes = data.count(0)
    assert (len(data), zero_bytes) == (68, 43)  # 12 + 31 zero bytes of padding
    assert compute_intrinsic_gas(data, ()) == 21_000 + 16 * (68 - 43) + 4 * 43


def test_intrinsic_gas_charges_access_list_entries() -> None:
    access_list = ((BOB, (bytes(32), bytes(31) + b"\x01")),)
    assert compute_intrinsic_gas(b"", access_list) == 21_000 + 2_400 + 2 * 1_900


def test_gas_used_is_intrinsic_plus_the_operation_schedule() -> None:
    chain = Chain()
    data = encode_call(TRANSFER, BOB, 1)
    sent = chain.send(ALICE_KEY, USDC, data)
    assert sent.receipt.gas_used == compute_intrinsic_gas(data, ()) + 30_000
    assert OPERATION_GAS["token_transfer"] == 30_000


def test_a_plain_eth_transfer_costs_21000_gas() -> None:
    chain = Chain()
    sent = chain.send(ALICE_KEY, BOB, b"", 10**18)
    assert sent.receipt.gas_used == 21_000


def test_the_fee_is_gas_used_times_base_fee_plus_tip_and_goes_to_the_fee_vault() -> None:
    chain = Chain()
    alice_before, bob_before, vault_before = chain.eth(ALICE), chain.eth(BOB), chain.eth(FEE_VAULT)
    sent = chain.send(ALICE_KEY, BOB, b"", 5 * 10**18, tip=7, max_fee=10**9)
    assert sent.receipt.effective_gas_price == BASE_FEE + 7
    fee = 21_000 * (BASE_FEE + 7)
    assert chain.eth(ALICE) == alice_before - 5 * 10**18 - fee
    assert chain.eth(BOB) == bob_before + 5 * 10**18
    assert chain.eth(FEE_VAULT) == vault_before + fee


def test_the_effective_gas_price_is_capped_by_the_max_fee() -> None:
    chain = Chain()
    sent = chain.send(ALICE_KEY, BOB, b"", 1, tip=BASE_FEE + 3, max_fee=BASE_FEE + 3)
    assert sent.receipt.effective_gas_price == BASE_FEE + 3


def test_unused_gas_is_refunded() -> None:
    chain = Chain()
    before = chain.eth(ALICE)
    sent = chain.send(ALICE_KEY, BOB, b"", 0, gas_limit=5_000_000)
    assert chain.eth(ALICE) == before - 21_000 * BASE_FEE
    assert sent.fee == 21_000 * BASE_FEE


def test_legacy_transactions_pay_their_gas_price() -> None:
    chain = Chain()
    sent = chain.send(ALICE_KEY, BOB, b"", 1, tx_type=TX_TYPE_LEGACY, max_fee=2 * BASE_FEE)
    assert sent.status == 1
    assert sent.receipt.tx_type == TX_TYPE_LEGACY
    assert sent.receipt.effective_gas_price == 2 * BASE_FEE


def test_access_list_transactions_are_executed() -> None:
    chain = Chain()
    sent = chain.send(ALICE_KEY, USDC, encode_call(TRANSFER, BOB, 9), tx_type=TX_TYPE_ACCESS_LIST)
    assert sent.status == 1
    assert chain.balance(USDC, BOB) == USDC_BALANCE + 9


def test_data_sent_to_an_ordinary_account_is_ignored() -> None:
    chain = Chain()
    sent = chain.send(ALICE_KEY, BOB, b"\x12\x34\x56\x78", 10)
    assert sent.status == 1
    assert sent.logs == ()
    assert sent.receipt.gas_used == 21_000 + 4 * 16


def test_the_fee_vault_is_an_ordinary_account() -> None:
    chain = Chain()
    before = chain.eth(FEE_VAULT)
    sent = chain.send(ALICE_KEY, FEE_VAULT, b"", 10**18)
    assert chain.eth(FEE_VAULT) == before + 10**18 + sent.fee


def test_calls_to_views_from_a_transaction_cost_the_read_price() -> None:
    chain = Chain()
    data = encode_call("balanceOf(address)", ALICE)
    assert compute_operation_gas(Overlay(chain.state), USDC, data) == OPERATION_GAS["read"]
    sent = chain.send(ALICE_KEY, USDC, data)
    assert sent.status == 1
    assert sent.receipt.gas_used == compute_intrinsic_gas(data, ()) + 2_600


# ---------------------------------------------------------------------------------------------
# Reverts and out-of-gas


def test_a_reverted_call_charges_the_fee_bumps_the_nonce_and_changes_nothing_else() -> None:
    chain = Chain()
    before = state_leaves(chain.state)
    alice_before, vault_before = chain.eth(ALICE), chain.eth(FEE_VAULT)
    data = encode_call(TRANSFER, BOB, USDC_BALANCE + 1)
    sent = chain.send(ALICE_KEY, USDC, data)
    assert sent.status == 0
    assert sent.revert_reason == "transfer amount exceeds balance"
    assert sent.logs == ()
    gas_used = compute_intrinsic_gas(data, ()) + OPERATION_GAS["token_transfer"]
    assert sent.receipt.gas_used == gas_used
    after = state_leaves(chain.state)
    assert changed_keys(before, after) == {account_key(ALICE), account_key(FEE_VAULT)}
    assert chain.nonce(ALICE) == 1
    assert chain.eth(ALICE) == alice_before - gas_used * BASE_FEE
    assert chain.eth(FEE_VAULT) == vault_before + gas_used * BASE_FEE


def test_a_reverted_call_keeps_the_value_with_the_sender() -> None:
    chain = Chain()
    before = chain.eth(ALICE)
    sent = chain.send(ALICE_KEY, AMM, encode_call("createPool(address,address)", USDC, WETH), 10)
    assert sent.revert_reason == "function is not payable"
    assert chain.eth(ALICE) == before - sent.fee
    assert chain.eth(AMM) == 0


def test_a_call_with_a_gas_limit_below_its_schedule_runs_out_of_gas() -> None:
    chain = Chain()
    before = state_leaves(chain.state)
    data = encode_call(TRANSFER, BOB, 1)
    limit = compute_intrinsic_gas(data, ()) + OPERATION_GAS["token_transfer"] - 1
    alice_before = chain.eth(ALICE)
    sent = chain.send(ALICE_KEY, USDC, data, gas_limit=limit)
    assert sent.status == 0
    assert sent.revert_reason == "out of gas"
    assert sent.receipt.gas_used == limit  # the whole limit is charged
    assert chain.eth(ALICE) == alice_before - limit * BASE_FEE
    assert changed_keys(before, state_leaves(chain.state)) == {
        account_key(ALICE),
        account_key(FEE_VAULT),
    }
    assert chain.nonce(ALICE) == 1


def test_a_gas_limit_of_exactly_the_schedule_is_enough() -> None:
    chain = Chain()
    data = encode_call(TRANSFER, BOB, 1)
    limit = compute_intrinsic_gas(data, ()) + OPERATION_GAS["token_transfer"]
    sent = chain.send(ALICE_KEY, USDC, data, gas_limit=limit)
    assert sent.status == 1
    assert sent.receipt.gas_used == limit


def test_an_out_of_gas_value_transfer_keeps_the_value() -> None:
    chain = Chain()
    bob_before = chain.eth(BOB)
    sent = chain.send(ALICE_KEY, WETH, b"", 10**18, gas_limit=21_000 + 27_999)
    assert sent.revert_reason == "out of gas"
    assert chain.eth(BOB) == bob_before
    assert chain.balance(WETH, ALICE) == 100 * 10**18


def test_the_nonce_after_a_revert_is_the_next_one() -> None:
    chain = Chain()
    chain.send(ALICE_KEY, USDC, encode_call(TRANSFER, BOB, USDC_BALANCE + 1))
    sent = chain.send(ALICE_KEY, USDC, encode_call(TRANSFER, BOB, 1))
    assert sent.status == 1
    assert chain.nonce(ALICE) == 2


# ---------------------------------------------------------------------------------------------
# Inclusion rules


def test_a_transaction_for_another_chain_is_skipped() -> None:
    assert skipped_reason(Chain(), chain_id=902) == "invalid chain id: have 902, want 901"


def test_a_transaction_with_a_used_nonce_is_skipped() -> None:
    chain = Chain()
    chain.send(ALICE_KEY, BOB, b"", 1)
    assert skipped_reason(chain, nonce=0) == "nonce too low: next nonce 1, tx nonce 0"


def test_a_transaction_with_a_future_nonce_is_skipped() -> None:
    assert skipped_reason(Chain(), nonce=5) == "nonce too high: next nonce 0, tx nonce 5"


def test_a_transaction_below_the_base_fee_is_skipped() -> None:
    reason = skipped_reason(Chain(), max_fee=BASE_FEE - 1)
    assert (
        reason == "max fee per gas less than block base fee: maxFeePerGas: 999999, baseFee: 1000000"
    )


def test_a_transaction_with_a_tip_above_its_max_fee_is_skipped() -> None:
    reason = skipped_reason(Chain(), max_fee=2 * BASE_FEE, tip=2 * BASE_FEE + 1)
    assert reason == "max priority fee per gas higher than max fee per gas"


def test_a_transaction_the_sender_cannot_pay_for_is_skipped() -> None:
    reason = skipped_reason(Chain(), key=PAUPER_KEY, gas_limit=21_000, max_fee=BASE_FEE, value=1)
    assert reason == (
        f"insufficient funds for gas * price + value: balance 0, tx cost {21_000 * BASE_FEE + 1}"
    )


def test_the_balance_check_uses_the_max_fee_not_the_effective_price() -> None:
    chain = Chain()
    cost = 21_000 * 10**9  # gas limit * max fee, although only base fee would be paid
    chain.send(ALICE_KEY, PAUPER, b"", cost - 1)
    reason = skipped_reason(chain, key=PAUPER_KEY, gas_limit=21_000, max_fee=10**9)
    assert (
        reason == f"insufficient funds for gas * price + value: balance {cost - 1}, tx cost {cost}"
    )


def test_a_sender_with_exactly_enough_is_included() -> None:
    chain = Chain()
    cost = 21_000 * BASE_FEE + 5
    chain.send(ALICE_KEY, PAUPER, b"", cost)
    sent = chain.send(PAUPER_KEY, BOB, b"", 5, gas_limit=21_000, max_fee=BASE_FEE)
    assert sent.status == 1
    assert chain.eth(PAUPER) == 0


def test_contract_creation_is_skipped() -> None:
    reason = skipped_reason(Chain(), to=None, data=b"\x60\x00")
    assert reason == "contract creation is not supported"


def test_a_gas_limit_below_intrinsic_gas_is_skipped() -> None:
    reason = skipped_reason(Chain(), gas_limit=20_999)
    assert reason == "intrinsic gas too low: have 20999, want 21000"


def test_a_gas_limit_above_the_gas_left_in_the_block_is_skipped() -> None:
    chain = Chain()
    reason = skipped_reason(chain, gas_limit=chain.config.block_gas_limit + 1)
    assert reason == "gas limit reached"


def test_a_skipped_transaction_does_not_stop_the_next_ones() -> None:
    chain = Chain()
    good = chain.sign(ALICE_KEY, BOB, b"", 1)
    bad = chain.sign(BOB_KEY, ALICE, b"", 1, chain_id=1)
    also_good = chain.sign(ALICE_KEY, BOB, b"", 2)
    block = chain.execute([good, bad, also_good])
    assert block.transactions == [good, also_good]
    assert [receipt.transaction_index for receipt in block.receipts] == [0, 1]
    assert block.skipped == [(bad, "invalid chain id: have 1, want 901")]
    assert chain.nonce(BOB) == 0


def test_a_nonce_gap_inside_a_block_skips_only_the_gapped_transaction() -> None:
    chain = Chain()
    first = chain.sign(ALICE_KEY, BOB, b"", 1, nonce=0)
    gapped = chain.sign(ALICE_KEY, BOB, b"", 1, nonce=2)
    second = chain.sign(ALICE_KEY, BOB, b"", 1, nonce=1)
    block = chain.execute([first, gapped, second])
    assert block.transactions == [first, second]
    assert block.skipped == [(gapped, "nonce too high: next nonce 1, tx nonce 2")]


def test_a_signature_over_other_fields_recovers_another_sender() -> None:
    chain = Chain()
    signed = chain.sign(ALICE_KEY, BOB, b"", 1)
    tampered = replace(signed.tx, value=2)  # not re-signed: the recovered sender changes
    from rollup.transaction import encode_transaction, recover_sender

    assert recover_sender(tampered) != ALICE
    assert encode_transaction(tampered) != signed.raw
