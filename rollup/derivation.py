"""Derivation: the L2 chain as a pure function of L1 data (docs/SETTLEMENT.md §5).

A verifier feeds L1 blocks in order; each yields the L2 blocks that become safe with it. Batches are
checked by rule and skipped when they do not apply; deposits and forced transactions enter with the
first block that advances the L1 origin past them; if the sequencer lets the origin fall more than
SEQUENCER_WINDOW L1 blocks behind, derivation builds the missing blocks itself (L1 messages only),
so no one can keep a deposit or a forced transaction out of the chain.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rollup.batch import Batch, BatchBlock, InvalidBatch, decode_batch
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

SEQUENCER_WINDOW = 120  # L1 blocks
MAX_DRIFT = 600  # seconds an L2 block may run ahead of its L1 origin


@dataclass(frozen=True, slots=True)
class L1BlockData:
    """What derivation needs of one L1 block."""

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


def check_batch_block(
    parent: Header, block: BatchBlock, carrier: L1BlockData, history: Mapping[int, L1BlockData]
) -> str | None:
    """Why a batch block may not follow `parent`, or None if it may."""
    if block.timestamp < parent.timestamp:
        return "timestamp before the parent's"
    if block.l1_origin_number < parent.l1_origin_number:
        return "L1 origin moves backwards"
    if block.l1_origin_number > carrier.number:
        return "L1 origin after the L1 block carrying the batch"
    origin = history.get(block.l1_origin_number)
    if origin is None:
        return "L1 origin unknown (before the rollup's start)"
    if block.timestamp < origin.timestamp:
        return "timestamp before its L1 origin's"
    if block.timestamp > origin.timestamp + MAX_DRIFT:
        return "timestamp too far ahead of its L1 origin"
    return None


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

    Encoding errors propagate (a decoded batch's transactions always encode, rollup.batch).
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
    """The signed transactions of `transactions` whose signature recovered, in order."""
    return [
        SignedTransaction(tx, *recovery)
        for tx, recovery in zip(transactions, recovered, strict=True)
        if recovery is not None
    ]


def recover_batch_transactions(block: BatchBlock) -> list[SignedTransaction]:
    """Signed transactions of a batch block with their senders.

    A transaction whose signature does not recover is left out, like any other transaction that
    breaks an inclusion rule: the one-step prover, which reads one transaction at a time, can only
    skip that transaction, so derivation does exactly the same (docs/FRAUD_PROOFS.md §1).
    """
    return attach_recovery(block.transactions, recover_in_process(block.transactions)())


class BatchOpener(ABC):
    """How a deriver turns a batch's bytes into blocks to apply: decode it on the safe head and
    start recovering its senders.

    The rules are decode_batch's and recover_transaction's whatever the opener; an opener only
    chooses when the work is done (a verifier decodes and recovers batches ahead of their turn in
    worker processes: prover.lookahead).
    """

    @abstractmethod
    def open_batch(
        self,
        position: tuple[int, int],
        data: bytes,
        head: Header,
        l1_block: L1BlockData,
        history: Mapping[int, L1BlockData],
    ) -> tuple[Batch, PendingRecovery] | None:
        """Batch `data`, found at `position` (L1 block number, index among its batches), decoded
        on top of `head`, with its senders' recovery; None if it does not decode on `head`."""


@dataclass(frozen=True, slots=True)
class DecodeInTurn(BatchOpener):
    """Decode each batch in its turn; recover its senders with `recover` (in this process by
    default) once the batch is known to follow the safe head."""

    chain_id: int
    recover: RecoverTransactions = recover_in_process

    def open_batch(
        self,
        position: tuple[int, int],
        data: bytes,
        head: Header,
        l1_block: L1BlockData,
        history: Mapping[int, L1BlockData],
    ) -> tuple[Batch, PendingRecovery] | None:
        try:
            batch = decode_batch(data, self.chain_id, head.timestamp, head.l1_origin_number)
        except InvalidBatch:
            return None
        transactions = list_batch_transactions(batch)
        return batch, lambda: self.recover(transactions)()


class Deriver:
    """Applies L1 blocks to a replica of the L2 chain, one at a time.

    `opener` decodes each batch and recovers its senders (DecodeInTurn by default); the blocks
    derived are those of decoding and recovering each batch in its turn, whatever the opener.
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
        block: BatchBlock,
        transactions: Sequence[SignedTransaction],
        history: Mapping[int, L1BlockData],
    ) -> BlockExecution:
        parent = self.safe_head
        messages: list[QueuedMessage] = []
        if block.l1_origin_number > parent.l1_origin_number:
            messages = collect_messages(history, parent.l1_origin_number, block.l1_origin_number)
        execution = execute_block(
            self.state,
            self.config,
            parent,
            transactions,
            block.timestamp,
            block.l1_origin_number,
            history[block.l1_origin_number].hash,
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
            opened = self.opener.open_batch((l1_block.number, index), data, head, l1_block, history)
            if opened is None:
                continue
            batch, pending = opened
            if batch.first_block_number != head.number + 1 or batch.parent_hash != head.hash:
                continue
            recovered = pending()
            offset = 0
            for block in batch.blocks:
                if check_batch_block(self.safe_head, block, l1_block, history) is not None:
                    break
                count = len(block.transactions)
                transactions = attach_recovery(
                    block.transactions, recovered[offset : offset + count]
                )
                offset += count
                emit(self.apply_block(block, transactions, history))
        while self.safe_head.l1_origin_number + SEQUENCER_WINDOW < l1_block.number:
            origin = history[self.safe_head.l1_origin_number + 1]
            forced = BatchBlock(
                timestamp=max(origin.timestamp, self.safe_head.timestamp),
                l1_origin_number=origin.number,
                transactions=(),
            )
            emit(self.apply_block(forced, [], history))
        return derived


def list_batch_transactions(batch: Batch) -> list[Transaction]:
    """Every transaction of `batch`, block after block."""
    return [tx for block in batch.blocks for tx in block.transactions]
