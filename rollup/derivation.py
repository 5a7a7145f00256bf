"""Derivation: the L2 chain as a pure function of L1 data (docs/SETTLEMENT.md §5).

A verifier feeds L1 blocks in order; each yields the L2 blocks that become safe with it. Batches are
checked by rule and skipped when they do not apply; deposits and forced transactions enter with the
first block that advances the L1 origin past them; if the sequencer lets the origin fall more than
SEQUENCER_WINDOW L1 blocks behind, derivation builds the missing blocks itself (L1 messages only),
so no one can keep a deposit or a forced transaction out of the chain.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
recovers them when asked; a verifier hands them to worker processes instead, so that the batches
after the one being executed are recovered meanwhile (Deriver's `lookahead`)."""


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


def recover_transaction_fields(rows: Sequence[tuple[Any, ...]]) -> list[TransactionRecovery]:
    """recover_transaction of each Transaction(*row) (what a worker process runs)."""
    return [recover_transaction(Transaction(*row)) for row in rows]


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


@dataclass(frozen=True, slots=True)
class _Started:
    """A batch decoded ahead of its turn on a predicted parent, its recovery under way.

    `batch` is None if the data does not decode on that parent; `pending` is None if the batch
    was predicted not to follow (its first block is not the predicted next one).
    """

    position: tuple[int, int]  # (L1 block number, batch index in it)
    key: tuple[bytes, int, int]  # decode_batch's inputs: data, parent timestamp and L1 origin
    batch: Batch | None
    pending: PendingRecovery | None


@dataclass(slots=True)
class _Scan:
    """Where looking ahead goes on: the next batch's position and the head predicted before it."""

    position: tuple[int, int]
    number: int
    timestamp: int
    l1_origin_number: int


class Deriver:
    """Applies L1 blocks to a replica of the L2 chain, one at a time.

    Recovering the senders of a batch's transactions costs about as much as executing them (more
    for plain transfers). `recover` starts that work (by default in this process, when the result is needed); with a `lookahead`
    of N transactions, the deriver decodes the batches after the one it applies, in this L1 block
    and the next ones `history` holds, on the head it predicts each extends (the last block of the
    batch before it, if that batch follows the head predicted for it), and starts recovering them
    until N transactions are decoded ahead. When a batch's turn comes, what was started for it is
    used only if it was decoded on the very parent timestamp and L1 origin the real head has
    (decode_batch's only other inputs: the data and the chain id); otherwise everything started is
    dropped and the batch is decoded and recovered then. Either way the blocks derived are those
    of decoding and recovering each batch in its turn.
    """

    def __init__(
        self,
        state: State,
        config: ChainConfig,
        safe_head: Header,
        recover: RecoverTransactions = recover_in_process,
        lookahead: int = 0,
    ) -> None:
        self.state = state
        self.config = config
        self.safe_head = safe_head
        self.recover = recover
        self.lookahead = lookahead
        self._started: deque[_Started] = deque()
        self._started_transactions = 0  # in the started batches that decoded
        self._scan: _Scan | None = None

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
            position = (l1_block.number, index)
            self._look_ahead(position, l1_block, history)
            head = self.safe_head
            decoded = self._decode(position, data, head)
            if decoded is None:
                continue
            batch, pending = decoded
            if batch.first_block_number != head.number + 1 or batch.parent_hash != head.hash:
                continue
            if pending is None:
                pending = self.recover(_batch_transactions(batch))
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

    def _decode(
        self, position: tuple[int, int], data: bytes, head: Header
    ) -> tuple[Batch, PendingRecovery | None] | None:
        """The batch `data` on top of `head` (None if it does not decode), with its recovery if
        that was started."""
        key = (data, head.timestamp, head.l1_origin_number)
        started = self._started
        if started and started[0].position == position and started[0].key == key:
            entry = started.popleft()
            if entry.batch is None:
                return None
            self._started_transactions -= entry.batch.transaction_count
            return entry.batch, entry.pending
        # Not decoded ahead, or on another parent than the real one: what was started ahead
        # followed a wrong prediction. Forget it; the next look ahead starts from the real head.
        self._forget_started()
        try:
            batch = decode_batch(data, self.config.chain_id, head.timestamp, head.l1_origin_number)
        except InvalidBatch:
            return None
        return batch, None

    def _look_ahead(
        self, position: tuple[int, int], l1_block: L1BlockData, history: Mapping[int, L1BlockData]
    ) -> None:
        """Decode batches from `position` on and start their recovery, up to `lookahead`."""
        if self.lookahead <= 0:
            return
        scan = self._scan
        if scan is None or scan.position < position:
            self._forget_started()
            head = self.safe_head
            scan = self._scan = _Scan(position, head.number, head.timestamp, head.l1_origin_number)
        while self._started_transactions < self.lookahead:
            number, index = scan.position
            carrier = l1_block if number == l1_block.number else history.get(number)
            if carrier is None:
                return
            if index >= len(carrier.batches):
                scan.position = (number + 1, 0)
                continue
            scan.position = (number, index + 1)
            data = carrier.batches[index]
            key = (data, scan.timestamp, scan.l1_origin_number)
            batch: Batch | None
            try:
                batch = decode_batch(
                    data, self.config.chain_id, scan.timestamp, scan.l1_origin_number
                )
            except InvalidBatch:
                batch = None
            pending = None
            if batch is not None:
                self._started_transactions += batch.transaction_count
                if batch.first_block_number == scan.number + 1:
                    pending = self.recover(_batch_transactions(batch))
                    last = batch.blocks[-1]
                    scan.number += len(batch.blocks)
                    scan.timestamp = last.timestamp
                    scan.l1_origin_number = last.l1_origin_number
            self._started.append(_Started((number, index), key, batch, pending))

    def _forget_started(self) -> None:
        self._started.clear()
        self._started_transactions = 0
        self._scan = None


def _batch_transactions(batch: Batch) -> list[Transaction]:
    """Every transaction of `batch`, block after block."""
    return [tx for block in batch.blocks for tx in block.transactions]
