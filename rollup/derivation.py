"""Derivation: the L2 chain as a pure function of what L1 records (docs/SETTLEMENT.md §5).

A verifier feeds L1 blocks in order; each yields the L2 blocks that become safe with it. Batches are
opened on the safe head and read piece by piece, exactly as the fraud-proof step machine reads
them (rollup.machine): a batch whose header does not follow the safe head is skipped, a piece that
does not read ends the batch (its prefix is kept), a block whose origin is after the L1 block that
carried the batch ends it, and block timestamps are clamped around that L1 block's time. Deposits
and forced transactions enter with the first block that advances the L1 origin past them; if the
sequencer lets the origin fall `sequencer_window` L1 blocks behind, derivation appends
deposit-only blocks itself, one L1 block at a time, so no one can keep a deposit or a forced
transaction out of the chain.

Derivation reads only what the BatchInbox and the Bridge record: each batch's bytes and the number
and timestamp of the L1 block that appended it, each queue message with the number and timestamp
of the L1 block that queued it. No L1 block hash or timestamp beyond those is needed, so every rule
here is a rule the one-step prover can check on L1.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rollup.batch import ReadBatch, read_batch
from rollup.block import BlockExecution, Header, SignedTransaction, execute_block
from rollup.config import ChainConfig
from rollup.crypto import keccak256
from rollup.deposit import QueuedMessage
from rollup.state import State
from rollup.transaction import (
    InvalidTransaction,
    Transaction,
    encode_with_signing_hash,
    recover_signer,
)


@dataclass(frozen=True, slots=True)
class L1BlockData:
    """What derivation needs of one L1 block: its number and timestamp (recorded with every batch
    and message it holds), its batches in log order and its queue messages in queue order. The
    hashes serve the follower's reorg detection, not derivation."""

    number: int
    hash: bytes
    parent_hash: bytes
    timestamp: int
    batches: tuple[bytes, ...]  # BatchInbox batches, in log order
    messages: tuple[QueuedMessage, ...]  # Bridge queue events, in queue order


def collect_messages(
    history: Mapping[int, L1BlockData], after_origin: int, up_to_origin: int
) -> list[QueuedMessage]:
    """Every queued message of L1 blocks (after_origin, up_to_origin], in queue order."""
    messages: list[QueuedMessage] = []
    for number in range(after_origin + 1, up_to_origin + 1):
        messages.extend(history[number].messages)
    return messages


def clamp_timestamp(timestamp: int, carrier_timestamp: int, config: ChainConfig) -> int:
    """A batch block's timestamp: at most `max_drift` seconds after the L1 block carrying the
    batch, at least `max_lag` seconds before it (docs/SETTLEMENT.md §5)."""
    return max(
        min(timestamp, carrier_timestamp + config.max_drift), carrier_timestamp - config.max_lag
    )


def compute_deposit_only_timestamp(parent: Header, origin: L1BlockData) -> int:
    """A deposit-only block's timestamp: its origin's if that L1 block queued messages (they are
    the block's content), else its parent's (no L2 time passes in an empty block)."""
    if origin.messages:
        return max(parent.timestamp, origin.timestamp)
    return parent.timestamp


TransactionRecovery = tuple[bytes, bytes, bytes] | None
"""A batch transaction's (sender, hash, raw bytes), or None if its signature does not recover."""

PendingRecovery = Callable[[], Sequence[TransactionRecovery]]
"""Waits for the recovery of transactions handed over earlier; returns it in their order. Called
once."""

RecoverTransactions = Callable[[Sequence[Transaction]], PendingRecovery]
"""Starts recovering transactions (recover_transaction of each). The default, recover_in_process,
recovers them when asked; a verifier hands them to worker processes instead (node.recovery)."""


def recover_transaction(tx: Transaction) -> TransactionRecovery:
    """(sender, hash, raw) of a batch transaction, or None if its signature does not recover.

    Encoding errors propagate (a transaction read from a batch always encodes, rollup.batch).
    """
    raw, signing_hash = encode_with_signing_hash(tx)
    try:
        sender = recover_signer(tx, signing_hash)
    except InvalidTransaction:
        return None
    return sender, keccak256(raw), raw


def recover_in_process(transactions: Sequence[Transaction]) -> PendingRecovery:
    """Recover `transactions` in this process, when the result is asked for."""
    return lambda: [recover_transaction(tx) for tx in transactions]


def attach_recovery(
    transactions: Sequence[Transaction], recovered: Sequence[TransactionRecovery]
) -> list[SignedTransaction]:
    """The signed transactions of `transactions` whose signature recovered, in order.

    A transaction whose signature does not recover is left out, like any other transaction that
    breaks an inclusion rule: the one-step prover, which reads one transaction at a time, can only
    skip that transaction, so derivation does exactly the same (docs/FRAUD_PROOFS.md §1).
    """
    return [
        SignedTransaction(tx, *recovery)
        for tx, recovery in zip(transactions, recovered, strict=True)
        if recovery is not None
    ]


def recover_batch_transactions(transactions: Sequence[Transaction]) -> list[SignedTransaction]:
    """The signed transactions of a batch block with their senders, in this process."""
    return attach_recovery(transactions, recover_in_process(transactions)())


def list_batch_transactions(batch: ReadBatch) -> list[Transaction]:
    """Every transaction read from `batch`, block after block."""
    return [tx for block in batch.blocks for tx in block.transactions]


class BatchOpener(ABC):
    """How a deriver reads a batch's bytes (rollup.batch.read_batch) and recovers its senders.

    The rules are read_batch's and recover_transaction's whatever the opener; an opener only
    chooses when the work is done (a verifier reads and recovers batches ahead of their turn in
    worker processes: prover.lookahead).
    """

    @abstractmethod
    def open_batch(
        self,
        position: tuple[int, int],
        data: bytes,
        l1_block: L1BlockData,
        history: Mapping[int, L1BlockData],
    ) -> tuple[ReadBatch, PendingRecovery] | None:
        """Batch `data`, found at `position` (L1 block number, index among its batches), read,
        with its senders' recovery; None if it does not decompress or its header does not read."""


@dataclass(frozen=True, slots=True)
class DecodeInTurn(BatchOpener):
    """Read each batch in its turn; recover its senders with `recover` (in this process by
    default) once the batch is known to follow the safe head."""

    chain_id: int
    recover: RecoverTransactions = recover_in_process

    def open_batch(
        self,
        position: tuple[int, int],
        data: bytes,
        l1_block: L1BlockData,
        history: Mapping[int, L1BlockData],
    ) -> tuple[ReadBatch, PendingRecovery] | None:
        batch = read_batch(data, self.chain_id)
        if batch is None:
            return None
        transactions = list_batch_transactions(batch)
        return batch, lambda: self.recover(transactions)()


class Deriver:
    """Applies L1 blocks to a replica of the L2 chain, one at a time.

    `opener` reads each batch and recovers its senders (DecodeInTurn by default); the blocks
    derived are those of reading and recovering each batch in its turn, whatever the opener.
    """

    def __init__(
        self,
        state: State,
        config: ChainConfig,
        safe_head: Header,
        opener: BatchOpener | None = None,
    ) -> None:
        self.state = state
        self.config = config
        self.safe_head = safe_head
        self.opener = opener if opener is not None else DecodeInTurn(config.chain_id)

    def apply_block(
        self,
        timestamp: int,
        l1_origin_number: int,
        transactions: Sequence[SignedTransaction],
        history: Mapping[int, L1BlockData],
    ) -> BlockExecution:
        """Execute the next block on the safe head, with the messages its origin brings in."""
        parent = self.safe_head
        messages: list[QueuedMessage] = []
        if l1_origin_number > parent.l1_origin_number:
            messages = collect_messages(history, parent.l1_origin_number, l1_origin_number)
        execution = execute_block(
            self.state,
            self.config,
            parent,
            transactions,
            timestamp,
            l1_origin_number,
            messages,
        )
        self.safe_head = execution.header
        return execution

    def process_l1_block(
        self,
        l1_block: L1BlockData,
        history: Mapping[int, L1BlockData],
        on_block: Callable[[BlockExecution], None] | None = None,
    ) -> list[BlockExecution]:
        """Derive what `l1_block` makes safe; `history` must hold every L1 block since the start."""
        derived: list[BlockExecution] = []

        def emit(execution: BlockExecution) -> None:
            derived.append(execution)
            if on_block is not None:
                on_block(execution)

        for index, data in enumerate(l1_block.batches):
            head = self.safe_head
            opened = self.opener.open_batch((l1_block.number, index), data, l1_block, history)
            if opened is None:
                continue
            batch, pending = opened
            header = batch.header
            if header.first_block_number != head.number + 1 or header.parent_hash != head.hash:
                continue
            recovered = pending()
            offset = 0
            for block in batch.blocks:
                parent = self.safe_head
                origin = parent.l1_origin_number + block.origin_delta
                if origin > l1_block.number:
                    break  # the batch ends: this block and the rest are not derived
                timestamp = clamp_timestamp(
                    parent.timestamp + block.timestamp_delta, l1_block.timestamp, self.config
                )
                count = len(block.transactions)
                transactions = attach_recovery(
                    block.transactions, recovered[offset : offset + count]
                )
                offset += count
                emit(self.apply_block(timestamp, origin, transactions, history))
        window = self.config.sequencer_window
        while self.safe_head.l1_origin_number + window < l1_block.number:
            origin_block = history[self.safe_head.l1_origin_number + 1]
            timestamp = compute_deposit_only_timestamp(self.safe_head, origin_block)
            emit(self.apply_block(timestamp, origin_block.number, [], history))
        return derived
