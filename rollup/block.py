"""Blocks: headers, receipts, their hashes, and executing a block's transactions.

A header carries what Ethereum's carry that matters here (parent, number, time, state and
transactions roots, gas, base fee) plus the L1 origin the block was built on. The block hash
commits to exactly what the fraud-proof step machine computes, so that an output's block hash is
proven on L1 like its state root (docs/SETTLEMENT.md §2): keccak256 of the ABI encoding of the nine
committed fields, in the order declared below. The transactions root is a running commitment to the
included transactions with their status and gas. The receipts root and the withdrawal root are
derived values a header also carries (the JSON-RPC serves them) but does not commit to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import rlp

from rollup.config import ChainConfig
from rollup.crypto import keccak256
from rollup.deposit import (
    DEPOSIT_TX_TYPE,
    DepositTransaction,
    InvalidMessage,
    QueuedMessage,
    apply_deposit,
    compute_deposit_hash,
    decode_message,
    encode_deposit,
)
from rollup.execution import InvalidBlockTransaction, process_transaction
from rollup.fixedpoint import ArithmeticOverflow
from rollup.gas import compute_base_fee
from rollup.state import EMPTY_LEAVES, WITHDRAWALS_KEY, Overlay, State, StateKey
from rollup.system.context import BlockEnvironment, Log
from rollup.transaction import InvalidTransaction, Transaction, decode_and_recover

ZERO_HASH = bytes(32)


@dataclass(frozen=True, slots=True)
class Header:
    """An L2 block header: nine committed fields, then two derived ones."""

    parent_hash: bytes
    number: int
    timestamp: int
    l1_origin_number: int
    state_root: bytes
    transactions_root: bytes
    gas_limit: int
    gas_used: int
    base_fee: int
    receipts_root: bytes = ZERO_HASH  # derived: logs are a function of transactions and state
    withdrawal_root: bytes = ZERO_HASH  # derived: the withdrawal tree's root after this block

    @property
    def hash(self) -> bytes:
        """keccak256(abi.encode(the nine committed fields))."""
        return compute_block_hash(
            self.parent_hash,
            self.number,
            self.timestamp,
            self.l1_origin_number,
            self.state_root,
            self.transactions_root,
            self.gas_limit,
            self.gas_used,
            self.base_fee,
        )

    def encode(self) -> bytes:
        """The RLP list of every field, committed and derived (storage)."""
        encoded: bytes = rlp.encode(
            [
                self.parent_hash,
                self.number,
                self.timestamp,
                self.l1_origin_number,
                self.state_root,
                self.transactions_root,
                self.gas_limit,
                self.gas_used,
                self.base_fee,
                self.receipts_root,
                self.withdrawal_root,
            ]
        )
        return encoded


HEADER_FIELDS = 11


def compute_block_hash(
    parent_hash: bytes,
    number: int,
    timestamp: int,
    l1_origin_number: int,
    state_root: bytes,
    transactions_root: bytes,
    gas_limit: int,
    gas_used: int,
    base_fee: int,
) -> bytes:
    """docs/SETTLEMENT.md §2: keccak256(abi.encode(parent hash, number, timestamp, L1 origin,
    state root, transactions root, gas limit, gas used, base fee)), all static words."""
    return keccak256(
        parent_hash
        + number.to_bytes(32, "big")
        + timestamp.to_bytes(32, "big")
        + l1_origin_number.to_bytes(32, "big")
        + state_root
        + transactions_root
        + gas_limit.to_bytes(32, "big")
        + gas_used.to_bytes(32, "big")
        + base_fee.to_bytes(32, "big")
    )


def extend_transactions_root(root: bytes, tx_hash: bytes, status: int, gas_used: int) -> bytes:
    """The running transactions root after one more included transaction:
    keccak256(abi.encode(root, tx hash, status, gas used))."""
    return keccak256(root + tx_hash + status.to_bytes(32, "big") + gas_used.to_bytes(32, "big"))


def decode_header(data: bytes) -> Header:
    """Inverse of Header.encode (storage)."""
    fields = rlp.decode(data)
    if not isinstance(fields, list) or len(fields) != HEADER_FIELDS:
        raise ValueError(f"a header is an RLP list of {HEADER_FIELDS} fields")

    def as_int(value: bytes) -> int:
        return int.from_bytes(value, "big")

    return Header(
        parent_hash=fields[0],
        number=as_int(fields[1]),
        timestamp=as_int(fields[2]),
        l1_origin_number=as_int(fields[3]),
        state_root=fields[4],
        transactions_root=fields[5],
        gas_limit=as_int(fields[6]),
        gas_used=as_int(fields[7]),
        base_fee=as_int(fields[8]),
        receipts_root=fields[9],
        withdrawal_root=fields[10],
    )


@dataclass(frozen=True, slots=True)
class Receipt:
    """The result of an included transaction."""

    transaction_hash: bytes
    transaction_index: int
    sender: bytes
    to: bytes | None
    tx_type: int
    status: int
    gas_used: int
    cumulative_gas_used: int
    effective_gas_price: int
    logs: tuple[Log, ...]

    def encode(self) -> bytes:
        """abi.encodePacked(txHash, uint8 status, uint64 cumulativeGas, uint32 logCount, logs...)
        with each log packed as (address, uint8 topicCount, topics..., uint32 dataLength, data).

        Packed rather than RLP: it is what the L1 contracts would hash, and cheap to build here.
        """
        parts = [
            self.transaction_hash,
            self.status.to_bytes(1, "big"),
            self.cumulative_gas_used.to_bytes(8, "big"),
            len(self.logs).to_bytes(4, "big"),
        ]
        for log in self.logs:
            parts.append(log.address)
            parts.append(len(log.topics).to_bytes(1, "big"))
            parts.extend(log.topics)
            parts.append(len(log.data).to_bytes(4, "big"))
            parts.append(log.data)
        return b"".join(parts)


@dataclass(frozen=True, slots=True)
class SignedTransaction:
    """A decoded transaction with what recovery gave: sender and hash, and its raw bytes."""

    tx: Transaction
    sender: bytes
    hash: bytes
    raw: bytes


BlockTransaction = SignedTransaction | DepositTransaction


@dataclass(slots=True)
class BlockExecution:
    """A block built from candidate transactions: what went in, what was left out and why.

    The first `l1_message_count` transactions came from L1 (deposits and forced transactions);
    only the rest are sequenced, and only those go into batches.
    """

    header: Header
    transactions: list[BlockTransaction]
    receipts: list[Receipt]
    writes: dict[StateKey, tuple[int, ...]]
    skipped: list[tuple[SignedTransaction, str]] = field(default_factory=list)
    l1_message_count: int = 0

    @property
    def sequenced_transactions(self) -> list[SignedTransaction]:
        return [
            tx
            for tx in self.transactions[self.l1_message_count :]
            if isinstance(tx, SignedTransaction)
        ]

    @property
    def hash(self) -> bytes:
        return self.header.hash


def compute_ordered_root(items: Sequence[bytes]) -> bytes:
    """Binary Merkle root of 32-byte items in order (an odd node is carried up unchanged)."""
    if not items:
        return ZERO_HASH
    level = list(items)
    while len(level) > 1:
        next_level = [keccak256(level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            next_level.append(level[-1])
        level = next_level
    return level[0]


def compute_receipts_root(receipts: Sequence[Receipt]) -> bytes:
    return compute_ordered_root([keccak256(receipt.encode()) for receipt in receipts])


def compute_next_base_fee(config: ChainConfig, parent: Header) -> int:
    return compute_base_fee(config, parent.base_fee, parent.gas_used)


def build_genesis_header(config: ChainConfig, state_root: bytes) -> Header:
    return Header(
        parent_hash=ZERO_HASH,
        number=0,
        timestamp=config.genesis_timestamp,
        l1_origin_number=config.l1_origin_number,
        state_root=state_root,
        transactions_root=ZERO_HASH,
        gas_limit=config.block_gas_limit,
        gas_used=0,
        base_fee=config.genesis_base_fee,
    )


def recover_forced_transaction(raw: bytes) -> SignedTransaction | None:
    """The signed transaction a forced message carries, or None if it does not decode."""
    try:
        tx, sender, tx_hash = decode_and_recover(raw)
    except InvalidTransaction:
        return None
    return SignedTransaction(tx, sender, tx_hash, raw)


def execute_block(
    state: State,
    config: ChainConfig,
    parent: Header,
    candidates: Sequence[SignedTransaction],
    timestamp: int,
    l1_origin_number: int = 0,
    messages: Sequence[QueuedMessage] = (),
) -> BlockExecution:
    """Execute L1 messages, then candidates, in order on top of `state` (at `parent`); commit.

    Deposits always apply (an undecodable message is skipped); forced and sequenced transactions
    that break an inclusion rule are skipped and reported, never included; the block holds every
    other one. The state is advanced to the new block's state root.
    """
    if timestamp < parent.timestamp:
        raise ValueError("block timestamp before its parent's")
    base_fee = compute_next_base_fee(config, parent)
    environment = BlockEnvironment(
        number=parent.number + 1, timestamp=timestamp, base_fee=base_fee, chain_id=config.chain_id
    )
    block_state = Overlay(state)
    included: list[BlockTransaction] = []
    receipts: list[Receipt] = []
    skipped: list[tuple[SignedTransaction, str]] = []
    cumulative_gas = 0
    transactions_root = ZERO_HASH
    materialized: set[StateKey] = set()

    def run_transaction(candidate: SignedTransaction) -> None:
        nonlocal cumulative_gas, transactions_root
        if len(included) >= config.max_transactions_per_block:
            skipped.append((candidate, "block transaction limit reached"))
            return
        tx_state = Overlay(block_state)
        try:
            outcome = process_transaction(
                tx_state,
                environment,
                config,
                candidate.tx,
                candidate.sender,
                config.block_gas_limit - cumulative_gas,
            )
        except InvalidBlockTransaction as reason:
            skipped.append((candidate, str(reason)))
            return
        _note_materialized(state, tx_state, materialized)
        tx_state.commit()
        cumulative_gas += outcome.gas_used
        transactions_root = extend_transactions_root(
            transactions_root, candidate.hash, outcome.status, outcome.gas_used
        )
        receipts.append(
            Receipt(
                transaction_hash=candidate.hash,
                transaction_index=len(included),
                sender=candidate.sender,
                to=candidate.tx.to,
                tx_type=candidate.tx.tx_type,
                status=outcome.status,
                gas_used=outcome.gas_used,
                cumulative_gas_used=cumulative_gas,
                effective_gas_price=outcome.effective_gas_price,
                logs=outcome.logs,
            )
        )
        included.append(candidate)

    # L1 messages in queue order (deposits and forced transactions interleaved as queued), as the
    # one-step prover's MESSAGES phase applies them (docs/FRAUD_PROOFS.md §1).
    for message in messages:
        try:
            decoded = decode_message(message)
        except InvalidMessage:
            continue
        if isinstance(decoded, bytes):
            signed = recover_forced_transaction(decoded)
            if signed is not None:
                run_transaction(signed)
            continue
        deposit_state = Overlay(block_state)
        try:
            logs = apply_deposit(deposit_state, environment, decoded, message.queue_index)
        except ArithmeticOverflow:
            continue
        _note_materialized(state, deposit_state, materialized)
        deposit_state.commit()
        deposit = DepositTransaction(
            message=message,
            sender=decoded.sender,
            hash=compute_deposit_hash(message.queue_index, message.hash),
            raw=encode_deposit(message),
        )
        transactions_root = extend_transactions_root(transactions_root, deposit.hash, 1, 0)
        receipts.append(
            Receipt(
                transaction_hash=deposit.hash,
                transaction_index=len(included),
                sender=deposit.sender,
                to=decoded.recipient,
                tx_type=DEPOSIT_TX_TYPE,
                status=1,
                gas_used=0,
                cumulative_gas_used=cumulative_gas,
                effective_gas_price=0,
                logs=logs,
            )
        )
        included.append(deposit)
    l1_message_count = len(included)
    for candidate in candidates:
        run_transaction(candidate)
    writes = block_state.writes
    state_root = state.apply_writes(writes, materialized)
    header = Header(
        parent_hash=parent.hash,
        number=parent.number + 1,
        timestamp=timestamp,
        l1_origin_number=l1_origin_number,
        state_root=state_root,
        transactions_root=transactions_root,
        gas_limit=config.block_gas_limit,
        gas_used=cumulative_gas,
        base_fee=base_fee,
        receipts_root=compute_receipts_root(receipts),
        withdrawal_root=state.withdrawal_tree.root,
    )
    committed = dict(writes)
    if WITHDRAWALS_KEY in committed:  # its root is only known once the block's writes are in
        committed[WITHDRAWALS_KEY] = state.get(WITHDRAWALS_KEY)
    return BlockExecution(header, included, receipts, committed, skipped, l1_message_count)


def _note_materialized(state: State, overlay: Overlay, materialized: set[StateKey]) -> None:
    """Record leaves absent from `state` that this transaction leaves non-empty.

    Such a leaf exists in the tree from then on even if a later transaction of the block empties
    it, exactly as when the block's writes are applied one transaction at a time (the one-step
    prover's view), so that both give the same state root.
    """
    leaves = state.leaves
    for key, leaf in overlay.writes.items():
        if key not in leaves and leaf != EMPTY_LEAVES[key[0]]:
            materialized.add(key)
