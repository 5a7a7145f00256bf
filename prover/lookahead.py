"""Derivation's lookahead: batches decoded and their senders recovered ahead of their turn.

Recovering the senders of a batch's transactions costs about as much as executing them (more for
plain transfers). `LookAhead` is a rollup.derivation.BatchOpener that, each time a batch's turn
comes, first decodes the batches after it (in this L1 block and the next ones the history holds)
on the head it predicts each extends (the last block of the batch before it, if that batch
follows the head predicted for it), and starts recovering their senders (in the node's worker
processes, node.recovery) until `lookahead` transactions are decoded ahead.

When a batch's turn comes, what was started for it is used only if it was decoded on the very
parent timestamp and L1 origin the real head has (decode_batch's only other inputs: the data and
the chain id); otherwise everything started is dropped and the batch is decoded and recovered
then. Either way the blocks derived are those of decoding and recovering each batch in its turn.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from rollup.batch import Batch, InvalidBatch, decode_batch
from rollup.block import Header
from rollup.derivation import (
    BatchOpener,
    L1BlockData,
    PendingRecovery,
    RecoverTransactions,
    list_batch_transactions,
)


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


class LookAhead(BatchOpener):
    """Opens batches with up to `lookahead` transactions decoded and recovering ahead."""

    def __init__(self, chain_id: int, recover: RecoverTransactions, lookahead: int) -> None:
        self.chain_id = chain_id
        self.recover = recover
        self.lookahead = lookahead
        self._started: deque[_Started] = deque()
        self._started_transactions = 0  # in the started batches that decoded
        self._scan: _Scan | None = None

    def open_batch(
        self,
        position: tuple[int, int],
        data: bytes,
        head: Header,
        l1_block: L1BlockData,
        history: Mapping[int, L1BlockData],
    ) -> tuple[Batch, PendingRecovery] | None:
        self._look_ahead(position, head, l1_block, history)
        key = (data, head.timestamp, head.l1_origin_number)
        started = self._started
        if started and started[0].position == position and started[0].key == key:
            entry = started.popleft()
            if entry.batch is None:
                return None
            self._started_transactions -= entry.batch.transaction_count
            if entry.pending is not None:
                return entry.batch, entry.pending
            return entry.batch, self._recover_when_asked(entry.batch)
        # Not decoded ahead, or on another parent than the real one: what was started ahead
        # followed a wrong prediction. Forget it; the next look ahead starts from the real head.
        self._forget_started()
        try:
            batch = decode_batch(data, self.chain_id, head.timestamp, head.l1_origin_number)
        except InvalidBatch:
            return None
        return batch, self._recover_when_asked(batch)

    def _recover_when_asked(self, batch: Batch) -> PendingRecovery:
        """Recovery started only when the deriver asks: a batch that turns out not to follow
        the head costs nothing."""
        transactions = list_batch_transactions(batch)
        return lambda: self.recover(transactions)()

    def _look_ahead(
        self,
        position: tuple[int, int],
        head: Header,
        l1_block: L1BlockData,
        history: Mapping[int, L1BlockData],
    ) -> None:
        """Decode batches from `position` on and start their recovery, up to `lookahead`."""
        if self.lookahead <= 0:
            return
        scan = self._scan
        if scan is None or scan.position < position:
            self._forget_started()
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
                batch = decode_batch(data, self.chain_id, scan.timestamp, scan.l1_origin_number)
            except InvalidBatch:
                batch = None
            pending = None
            if batch is not None:
                self._started_transactions += batch.transaction_count
                if batch.first_block_number == scan.number + 1:
                    pending = self.recover(list_batch_transactions(batch))
                    last = batch.blocks[-1]
                    scan.number += len(batch.blocks)
                    scan.timestamp = last.timestamp
                    scan.l1_origin_number = last.l1_origin_number
            self._started.append(_Started((number, index), key, batch, pending))

    def _forget_started(self) -> None:
        self._started.clear()
        self._started_transactions = 0
        self._scan = None
