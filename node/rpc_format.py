"""Responses shaped as ethereum/execution-apis specifies: hex quantities, 0x data, null."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rollup.addresses import FEE_VAULT, L2_BRIDGE
from rollup.block import Header
from rollup.crypto import keccak256
from rollup.deposit import DEPOSIT_TX_TYPE, decode_deposit
from rollup.transaction import TX_TYPE_LEGACY, Transaction, decode_transaction

EMPTY_UNCLES_HASH = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"
ZERO_NONCE = "0x0000000000000000"
ZERO_HASH_HEX = "0x" + "00" * 32


def quantity(value: int) -> str:
    return hex(value)


def data(value: bytes) -> str:
    return "0x" + value.hex()


def compute_logs_bloom(entries: Iterable[tuple[bytes, Sequence[bytes]]]) -> bytes:
    """The 2048-bit Ethereum bloom of (address, topics) pairs."""
    # A block's logs repeat a few addresses and event topics thousands of times: hash each
    # distinct item once.
    items: set[bytes] = set()
    for address, topics in entries:
        items.add(address)
        items.update(topics)
    bloom = 0
    for item in items:
        digest = keccak256(item)
        for i in (0, 2, 4):
            bloom |= 1 << (((digest[i] << 8) | digest[i + 1]) & 2047)
    return bloom.to_bytes(256, "big")


def format_log(
    address: bytes,
    topics: Sequence[bytes],
    log_data: bytes,
    block_number: int,
    block_hash: bytes,
    tx_hash: bytes,
    tx_index: int,
    log_index: int,
    block_timestamp: int,
    removed: bool = False,
) -> dict[str, Any]:
    """A log as eth_getLogs shows it; `removed` marks one of a block a rewind removed (a reorg)."""
    return {
        "address": data(address),
        "topics": [data(topic) for topic in topics],
        "data": data(log_data),
        "blockNumber": quantity(block_number),
        "blockHash": data(block_hash),
        "blockTimestamp": quantity(block_timestamp),
        "transactionHash": data(tx_hash),
        "transactionIndex": quantity(tx_index),
        "logIndex": quantity(log_index),
        "removed": removed,
    }


def format_transaction(
    tx: Transaction,
    sender: bytes,
    tx_hash: bytes,
    block_hash: bytes | None,
    block_number: int | None,
    index: int | None,
    base_fee: int | None,
    block_timestamp: int | None = None,
) -> dict[str, Any]:
    """`block_*`, `index`, `base_fee` and `block_timestamp` are None for a pending transaction."""
    # Legacy transactions report EIP-155's v; typed ones report the y parity.
    v = tx.chain_id * 2 + 35 + tx.y_parity if tx.tx_type == TX_TYPE_LEGACY else tx.y_parity
    if base_fee is not None and tx.tx_type == 2:
        gas_price = min(tx.max_fee_per_gas, base_fee + tx.max_priority_fee_per_gas)
    else:
        gas_price = tx.max_fee_per_gas
    result: dict[str, Any] = {
        "type": quantity(tx.tx_type),
        "hash": data(tx_hash),
        "nonce": quantity(tx.nonce),
        "blockHash": data(block_hash) if block_hash is not None else None,
        "blockNumber": quantity(block_number) if block_number is not None else None,
        "blockTimestamp": quantity(block_timestamp) if block_timestamp is not None else None,
        "transactionIndex": quantity(index) if index is not None else None,
        "from": data(sender),
        "to": data(tx.to) if tx.to is not None else None,
        "value": quantity(tx.value),
        "gas": quantity(tx.gas_limit),
        "gasPrice": quantity(gas_price),
        "input": data(tx.data),
        "chainId": quantity(tx.chain_id),
        "v": quantity(v),
        "r": quantity(tx.r),
        "s": quantity(tx.s),
    }
    if tx.tx_type != TX_TYPE_LEGACY:
        result["yParity"] = quantity(tx.y_parity)
        result["accessList"] = [
            {"address": data(address), "storageKeys": [data(key) for key in keys]}
            for address, keys in tx.access_list
        ]
    if tx.tx_type == 2:
        result["maxFeePerGas"] = quantity(tx.max_fee_per_gas)
        result["maxPriorityFeePerGas"] = quantity(tx.max_priority_fee_per_gas)
    return result


def format_deposit(
    raw: bytes,
    sender: bytes,
    tx_hash: bytes,
    block_hash: bytes,
    block_number: int,
    index: int,
    block_timestamp: int,
) -> dict[str, Any]:
    """A deposit (type 0x7e) as OP Stack nodes show theirs: no signature, no fee."""
    message = decode_deposit(raw)
    return {
        "type": quantity(DEPOSIT_TX_TYPE),
        "hash": data(tx_hash),
        "nonce": "0x0",
        "blockHash": data(block_hash),
        "blockNumber": quantity(block_number),
        "blockTimestamp": quantity(block_timestamp),
        "transactionIndex": quantity(index),
        "from": data(sender),
        "to": data(L2_BRIDGE),
        "value": "0x0",
        "gas": "0x0",
        "gasPrice": "0x0",
        "input": data(message.payload),
        "sourceHash": data(message.hash),
        "queueIndex": quantity(message.queue_index),
        "l1BlockNumber": quantity(message.l1_block_number),
        "v": "0x0",
        "r": "0x0",
        "s": "0x0",
    }


def format_any_transaction(
    raw: bytes,
    sender: bytes,
    tx_hash: bytes,
    block_hash: bytes,
    block_number: int,
    index: int,
    base_fee: int,
    block_timestamp: int,
) -> dict[str, Any]:
    """A stored transaction of any type, as included in a block."""
    if raw and raw[0] == DEPOSIT_TX_TYPE:
        return format_deposit(
            raw, sender, tx_hash, block_hash, block_number, index, block_timestamp
        )
    return format_transaction(
        decode_transaction(raw),
        sender,
        tx_hash,
        block_hash,
        block_number,
        index,
        base_fee,
        block_timestamp,
    )


def format_header(header: Header, logs_bloom: bytes, size: int) -> dict[str, Any]:
    return {
        "number": quantity(header.number),
        "hash": data(header.hash),
        "parentHash": data(header.parent_hash),
        "nonce": ZERO_NONCE,
        "sha3Uncles": EMPTY_UNCLES_HASH,
        "logsBloom": data(logs_bloom),
        "transactionsRoot": data(header.transactions_root),
        "stateRoot": data(header.state_root),
        "receiptsRoot": data(header.receipts_root),
        "miner": data(FEE_VAULT),
        "difficulty": "0x0",
        "totalDifficulty": "0x0",
        "extraData": "0x",
        "size": quantity(size),
        "gasLimit": quantity(header.gas_limit),
        "gasUsed": quantity(header.gas_used),
        "timestamp": quantity(header.timestamp),
        "mixHash": ZERO_HASH_HEX,
        "baseFeePerGas": quantity(header.base_fee),
        "uncles": [],
        "l1OriginNumber": quantity(header.l1_origin_number),
    }
