"""Derivation's lookahead: batches read and their senders recovered ahead of their turn.

Recovering the senders of a batch's transactions costs about as much as executing them (more for
plain transfers). `LookAhead` is a rollup.derivation.BatchOpener that, each time a batch's turn
comes, first reads the batches after it (in this L1 block and the next ones the history holds) and
starts recovering their senders (in the node's worker processes, node.recovery) until `lookahead`
transactions are read ahead. Reading a batch (rollup.batch.read_batch) depends on its bytes and
the chain id only, not on the chain it will extend, so what is read ahead is what its turn would
read; a batch that turns out not to apply only cost its recovery.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from rollup.batch import ReadBatch, read_batch
from rollup.derivation import (
    BatchOpener,
    L1BlockData,
    PendingRecovery,
    RecoverTransactions,
    list_batch_transactions,
)


@dataclass(frozen=True, slots=True)
class _Started:
    """A batch read ahead of its turn, its recovery under way; `batch` is None if it does not
    read."""

    position: tuple[int, int]  # (L1 block number, batch index in it)
    data: bytes
    batch: ReadBatch | None
    pending: PendingRecovery | None
    transactions: int


class LookAhead(BatchOpener):
    """Opens batches with up to `lookahead` transactions read and recovering ahead."""

    def __init__(self, chain_id: int, recover: RecoverTransactions, lookahead: int) -> None:
        self.chain_id = chain_id
        self.recover = recover
        self.lookahead = lookahead
        self._started: deque[_Started] = deque()
        self._started_transactions = 0  # in the started batches that read
        self._next: tuple[int, int] | None = None  # the next position to read ahead

    def open_batch(
        self,
        position: tuple[int, int],
        data: bytes,
        l1_block: L1BlockData,
        history: Mapping[int, L1BlockData],
    ) -> tuple[ReadBatch, PendingRecovery] | None:
        self._look_ahead(position, l1_block, history)
        started = self._started
        if started and started[0].position == position and started[0].data == data:
            entry = started.popleft()
            self._started_transactions -= entry.transactions
            if entry.batch is None or entry.pending is None:
                return None
            return entry.batch, entry.pending
        # Not read ahead (or the history changed under it): forget what was started and read
        # this one in its turn; the next look ahead starts after it.
        self._forget_started()
        batch = read_batch(data, self.chain_id)
        if batch is None:
            return None
        transactions = list_batch_transactions(batch)
        return batch, lambda: self.recover(transactions)()

    def _look_ahead(
        self, position: tuple[int, int], l1_block: L1BlockData, history: Mapping[int, L1BlockData]
    ) -> None:
        """Read batches from `position` on and start their recovery, up to `lookahead`."""
        if self.lookahead <= 0:
            return
        if self._next is None or self._next < position:
            self._forget_started()
            self._next = position
        while self._started_transactions < self.lookahead:
            number, index = self._next
            carrier = l1_block if number == l1_block.number else history.get(number)
            if carrier is None:
                return
            if index >= len(carrier.batches):
                self._next = (number + 1, 0)
                continue
            self._next = (number, index + 1)
            data = carrier.batches[index]
            batch = read_batch(data, self.chain_id)
            pending = None
            count = 0
            if batch is not None:
                transactions = list_batch_transactions(batch)
                count = len(transactions)
                pending = self.recover(transactions)
            self._started_transactions += count
            self._started.append(_Started((number, index), data, batch, pending, count))

    def _forget_started(self) -> None:
        self._started.clear()
        self._started_transactions = 0
        self._next = None
