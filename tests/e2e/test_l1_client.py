"""L1Client against a real anvil: chain data, calls, errors, logs, batches of requests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from l1.anvil import DEV_KEYS, Anvil
from l1.rpc import L1BlockNotFound, L1Client, L1ConnectionError, L1RpcError
from rollup.crypto import compute_private_key_address, keccak256
from rollup.transaction import (
    TX_TYPE_DYNAMIC_FEE,
    Transaction,
    encode_transaction,
    sign_transaction,
)

pytestmark = pytest.mark.e2e

ETHER = 10**18
GWEI = 10**9
DEV_ADDRESSES = [compute_private_key_address(key) for key in DEV_KEYS]


def push32_mstore(word: bytes, offset: int) -> bytes:
    """PUSH32 word, PUSH1 offset, MSTORE."""
    return b"\x7f" + word.ljust(32, b"\x00") + bytes((0x60, offset, 0x52))


# Runtime code that reverts every call with Error("nope"): the ABI encoding written to memory.
REVERT_RUNTIME = (
    push32_mstore(bytes.fromhex("08c379a0"), 0x00)
    + push32_mstore((0x20).to_bytes(32, "big"), 0x04)
    + push32_mstore((4).to_bytes(32, "big"), 0x24)
    + push32_mstore(b"nope", 0x44)
    + bytes.fromhex("60646000fd")  # revert(0, 100)
)


def creation_code(runtime: bytes) -> bytes:
    """Init code that returns `runtime` (codecopy the bytes after this 12-byte prefix)."""
    size = len(runtime)
    prefix = bytes.fromhex(f"61{size:04x}80600c6000396000f3")
    return prefix + runtime


@pytest.fixture
def anvil() -> Iterator[Anvil]:
    with Anvil(no_mining=True) as node:
        yield node


def send(anvil: Anvil, nonce: int, to: bytes | None, data: bytes = b"", value: int = 0) -> bytes:
    tx = Transaction(
        tx_type=TX_TYPE_DYNAMIC_FEE,
        chain_id=31337,
        nonce=nonce,
        max_priority_fee_per_gas=GWEI,
        max_fee_per_gas=10 * GWEI,
        gas_limit=200_000,
        to=to,
        value=value,
        data=data,
        access_list=(),
    )
    raw = encode_transaction(sign_transaction(tx, DEV_KEYS[0]))
    tx_hash = anvil.client.send_raw_transaction(raw)
    anvil.mine(1)
    return tx_hash


def test_chain_id_is_31337(anvil: Anvil) -> None:
    assert anvil.client.chain_id() == 31337


def test_every_dev_account_starts_with_10000_ether(anvil: Anvil) -> None:
    balances = [anvil.client.get_balance(address) for address in DEV_ADDRESSES]
    assert balances == [10_000 * ETHER] * 10


def test_genesis_block_has_no_parent_and_a_1_gwei_base_fee(anvil: Anvil) -> None:
    genesis = anvil.client.get_block(0)
    assert (genesis.number, genesis.parent_hash, genesis.base_fee) == (0, bytes(32), GWEI)
    assert anvil.client.get_block_by_hash(genesis.hash) == genesis


def test_block_beyond_the_head_is_not_found(anvil: Anvil) -> None:
    with pytest.raises(L1BlockNotFound):
        anvil.client.get_block(1)


def test_transfer_shows_in_balance_nonce_and_receipt(anvil: Anvil) -> None:
    recipient = bytes.fromhex("00000000000000000000000000000000000000aa")
    tx_hash = send(anvil, 0, recipient, value=12345)
    receipt = anvil.client.get_receipt(tx_hash)
    assert receipt is not None
    assert (receipt.status, receipt.gas_used, receipt.block_number) == (1, 21_000, 1)
    assert anvil.client.get_balance(recipient) == 12345
    assert anvil.client.get_transaction_count(DEV_ADDRESSES[0]) == 1


def test_receipt_of_an_unknown_transaction_is_none(anvil: Anvil) -> None:
    assert anvil.client.get_receipt(bytes(32)) is None


def test_transaction_input_is_the_calldata_sent(anvil: Anvil) -> None:
    tx_hash = send(anvil, 0, DEV_ADDRESSES[1], data=b"\x01\x02batch bytes")
    assert anvil.client.get_transaction_input(tx_hash) == b"\x01\x02batch bytes"


def test_reverting_call_raises_with_the_decoded_reason(anvil: Anvil) -> None:
    receipt = anvil.client.get_receipt(send(anvil, 0, None, creation_code(REVERT_RUNTIME)))
    assert receipt is not None and receipt.contract_address is not None
    with pytest.raises(L1RpcError) as error:
        anvil.client.call(receipt.contract_address, b"")
    assert error.value.reason == "nope"
    assert error.value.code == 3


def test_unknown_method_raises_method_not_found(anvil: Anvil) -> None:
    with pytest.raises(L1RpcError) as error:
        anvil.client.request("eth_noSuchMethod")
    assert error.value.code == -32601


def test_unreachable_node_raises_connection_error() -> None:
    with L1Client("http://127.0.0.1:9", timeout=1.0) as client, pytest.raises(L1ConnectionError):
        client.chain_id()


def test_logs_are_filtered_by_address_and_topic(anvil: Anvil) -> None:
    # A contract that emits LOG1(topic = calldata word 0) with empty data on every call.
    runtime = bytes.fromhex("60003560006000a100")
    receipt = anvil.client.get_receipt(send(anvil, 0, None, creation_code(runtime)))
    assert receipt is not None and receipt.contract_address is not None
    emitter = receipt.contract_address
    topic_a, topic_b = keccak256(b"a"), keccak256(b"b")
    send(anvil, 1, emitter, topic_a)
    tx_b = send(anvil, 2, emitter, topic_b)
    send(anvil, 3, emitter, topic_a)
    logs = anvil.client.get_logs([emitter], [topic_b], 0, "latest")
    assert [(log.topics, log.block_number, log.tx_hash) for log in logs] == [((topic_b,), 3, tx_b)]
    assert len(anvil.client.get_logs([emitter], [[topic_a, topic_b]], 0, "latest")) == 3
    assert anvil.client.get_logs([emitter], [topic_a], 3, 3) == []


def test_batch_request_returns_results_in_call_order(anvil: Anvil) -> None:
    anvil.mine(2)
    results = anvil.client.request_batch(
        [
            ("eth_blockNumber", []),
            ("eth_chainId", []),
            ("eth_getBalance", ["0x" + "00" * 20, "0x0"]),
        ]
    )
    assert results == ["0x2", "0x7a69", "0x0"]


def test_fee_history_predicts_the_next_base_fee(anvil: Anvil) -> None:
    anvil.mine(1)
    predicted = anvil.client.fee_history(1, "latest").next_base_fee
    anvil.mine(1)
    assert anvil.client.get_block("latest").base_fee == predicted
    assert predicted == GWEI * 7 // 8  # EIP-1559: an empty block lowers the base fee by 1/8
