"""L1Sender against a real anvil: transfers, contract calls, nonces across restarts, recovery
from a stale nonce, reverts with reasons, fee suggestion and fee bumping."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from l1.anvil import DEV_KEYS, Anvil
from l1.artifacts import build_artifacts, find_missing_artifacts, load_artifact
from l1.contracts.batch_inbox import BatchInbox
from l1.contracts.erc20 import TestERC20
from l1.rpc import L1Client, L1RpcError, decode_quantity, encode_hex
from l1.sender import Fees, L1Sender, L1TransactionFailed
from rollup.abi import encode_arguments
from rollup.crypto import compute_private_key_address

pytestmark = pytest.mark.e2e

GWEI = 10**9
ETHER = 10**18
RECIPIENT = bytes.fromhex("00000000000000000000000000000000000000bb")


@pytest.fixture(scope="session", autouse=True)
def forge_artifacts() -> None:
    if find_missing_artifacts(("BatchInbox", "TestERC20")):
        build_artifacts()


@pytest.fixture
def automine_anvil() -> Iterator[Anvil]:
    with Anvil() as anvil:
        yield anvil


@pytest.fixture
def no_mining_anvil() -> Iterator[Anvil]:
    with Anvil(no_mining=True) as anvil:
        yield anvil


def transaction_nonce(anvil: Anvil, tx_hash: bytes) -> int:
    return decode_quantity(anvil.rpc("eth_getTransactionByHash", [encode_hex(tx_hash)])["nonce"])


def deploy(sender: L1Sender, name: str, types: list[str], values: list[object]) -> bytes:
    init_code = load_artifact(name).bytecode + encode_arguments(types, values)
    receipt = sender.send_and_wait(None, init_code, timeout=30)
    assert receipt.contract_address is not None
    return receipt.contract_address


def test_send_and_wait_transfers_ether_and_charges_gas(automine_anvil: Anvil) -> None:
    client = automine_anvil.client
    sender = L1Sender(client, DEV_KEYS[0], 31337)
    receipt = sender.send_and_wait(RECIPIENT, value=3 * ETHER, timeout=30)
    assert (receipt.status, receipt.gas_used) == (1, 21_000)
    assert client.get_balance(RECIPIENT) == 3 * ETHER
    fee = receipt.gas_used * receipt.effective_gas_price
    assert client.get_balance(sender.address) == 10_000 * ETHER - 3 * ETHER - fee


def test_send_and_wait_calls_a_contract(automine_anvil: Anvil) -> None:
    sender = L1Sender(automine_anvil.client, DEV_KEYS[0], 31337)
    token = TestERC20(
        automine_anvil.client,
        deploy(sender, "TestERC20", ["string", "string", "uint8"], ["Test Token", "TT", 18]),
    )
    sender.send_and_wait(token.address, TestERC20.encode_mint(RECIPIENT, 777), timeout=30)
    assert token.balance_of(RECIPIENT) == 777


def test_nonces_continue_across_restarts_of_two_senders(no_mining_anvil: Anvil) -> None:
    client = no_mining_anvil.client
    first, second = L1Sender(client, DEV_KEYS[0], 31337), L1Sender(client, DEV_KEYS[1], 31337)
    hashes = [first.send(RECIPIENT, value=1), first.send(RECIPIENT, value=1)]
    hashes.append(second.send(RECIPIENT, value=1))
    # Both processes restart while their transactions are still in the pool.
    first, second = L1Sender(client, DEV_KEYS[0], 31337), L1Sender(client, DEV_KEYS[1], 31337)
    assert (first.next_nonce, second.next_nonce) == (2, 1)
    hashes += [first.send(RECIPIENT, value=1), second.send(RECIPIENT, value=1)]
    no_mining_anvil.mine(1)
    assert [transaction_nonce(no_mining_anvil, h) for h in hashes] == [0, 1, 0, 2, 1]
    assert all(client.get_receipt(h) is not None for h in hashes)
    assert client.get_transaction_count(first.address) == 3
    assert client.get_transaction_count(second.address) == 2


def test_pending_nonce_counts_transactions_in_the_pool(no_mining_anvil: Anvil) -> None:
    sender = L1Sender(no_mining_anvil.client, DEV_KEYS[0], 31337)
    sender.send(RECIPIENT, value=1)
    sender.send(RECIPIENT, value=1)
    assert sender.pending_nonce() == 2
    assert no_mining_anvil.client.get_transaction_count(sender.address, "latest") == 0


def test_stale_local_nonce_recovers_from_nonce_too_low(automine_anvil: Anvil) -> None:
    stale = L1Sender(automine_anvil.client, DEV_KEYS[0], 31337)
    other = L1Sender(automine_anvil.client, DEV_KEYS[0], 31337)  # same key, another process
    other.send_and_wait(RECIPIENT, value=1, timeout=30)
    assert stale.next_nonce == 0
    receipt = stale.send_and_wait(RECIPIENT, value=1, timeout=30)
    assert transaction_nonce(automine_anvil, receipt.tx_hash) == 1
    assert stale.next_nonce == 2


def test_reverted_transaction_raises_with_the_replayed_reason(automine_anvil: Anvil) -> None:
    deployer = L1Sender(automine_anvil.client, DEV_KEYS[0], 31337)
    inbox = deploy(deployer, "BatchInbox", ["address"], [deployer.address])
    outsider = L1Sender(automine_anvil.client, DEV_KEYS[1], 31337)
    with pytest.raises(L1TransactionFailed) as failure:
        outsider.send_and_wait(
            inbox, BatchInbox.encode_append_batch(b"\x01", 0, bytes(32)), gas=100_000
        )
    assert failure.value.reason == "NotSequencer()"
    assert failure.value.receipt.status == 0


def test_a_call_that_would_revert_is_refused_before_using_a_nonce(automine_anvil: Anvil) -> None:
    deployer = L1Sender(automine_anvil.client, DEV_KEYS[0], 31337)
    inbox = deploy(deployer, "BatchInbox", ["address"], [deployer.address])
    with pytest.raises(L1RpcError) as error:
        deployer.send(inbox, BatchInbox.encode_append_batch(b"", 0, bytes(32)))
    assert error.value.reason == "EmptyBatch()"
    assert deployer.next_nonce == deployer.pending_nonce() == 1


def test_fees_are_twice_the_next_base_fee_plus_the_tip(no_mining_anvil: Anvil) -> None:
    no_mining_anvil.mine(1)
    fees = L1Sender(no_mining_anvil.client, DEV_KEYS[0], 31337).suggest_fees()
    assert fees.max_priority_fee_per_gas == GWEI
    assert fees.max_fee_per_gas == 2 * (GWEI * 7 // 8) + GWEI


def test_stuck_transaction_is_replaced_with_fees_raised_by_an_eighth(
    no_mining_anvil: Anvil,
) -> None:
    client = no_mining_anvil.client
    sender = L1Sender(client, DEV_KEYS[0], 31337)
    original = sender.send(RECIPIENT, value=5, fees=Fees(8 * GWEI, 2 * GWEI))
    replacement = sender.resubmit_if_stuck(original, after_seconds=0)
    new = no_mining_anvil.rpc("eth_getTransactionByHash", [encode_hex(replacement)])
    assert no_mining_anvil.rpc("eth_getTransactionByHash", [encode_hex(original)]) is None
    assert decode_quantity(new["nonce"]) == 0
    assert decode_quantity(new["maxFeePerGas"]) == 9 * GWEI
    assert decode_quantity(new["maxPriorityFeePerGas"]) == 2_250_000_000
    no_mining_anvil.mine(1)
    receipt = sender.wait_for_receipt(original, timeout=10)  # follows the replacement
    assert receipt.tx_hash == replacement
    assert client.get_receipt(original) is None
    assert client.get_balance(RECIPIENT) == 5


def test_transaction_younger_than_the_wait_is_not_replaced(no_mining_anvil: Anvil) -> None:
    sender = L1Sender(no_mining_anvil.client, DEV_KEYS[0], 31337)
    tx_hash = sender.send(RECIPIENT, value=5)
    assert sender.resubmit_if_stuck(tx_hash, after_seconds=60) == tx_hash


def test_sender_address_is_the_key_address(automine_anvil: Anvil) -> None:
    sender = L1Sender(automine_anvil.client, DEV_KEYS[3])
    assert sender.address == compute_private_key_address(DEV_KEYS[3])
    assert sender.chain_id == 31337


def test_waiting_with_bump_after_replaces_until_mined(no_mining_anvil: Anvil) -> None:
    sender = L1Sender(no_mining_anvil.client, DEV_KEYS[0], 31337)
    original = sender.send(RECIPIENT, value=5, fees=Fees(8 * GWEI, 2 * GWEI))
    miner = threading.Timer(1.0, lambda: L1Client(no_mining_anvil.url).request("evm_mine"))
    miner.start()
    try:
        receipt = sender.wait_for_receipt(original, timeout=10, bump_after=0.3)
    finally:
        miner.join()
    mined = no_mining_anvil.rpc("eth_getTransactionByHash", [encode_hex(receipt.tx_hash)])
    assert receipt.tx_hash != original
    assert decode_quantity(mined["maxFeePerGas"]) >= 9 * GWEI
    assert decode_quantity(mined["nonce"]) == 0
