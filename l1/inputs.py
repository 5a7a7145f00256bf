"""The step machine's L1 inputs read from an L1 node: BatchInbox batches and Bridge messages.

A dispute player replays an output range with rollup.machine, which asks for batch `i` and queue
message `j` by index (docs/FRAUD_PROOFS.md §1). This reader finds them the way derivation does
(l1/follower.py): the batch bytes are the calldata of the transaction that emitted
`BatchAppended(i, hash)` (checked against the hash), a message is the `L2TransactionQueued` event
of queue index `j` with the number of the L1 block that queued it.

Logs are scanned once, incrementally from the deployment block, and cached; if the last scanned L1
block is no longer canonical (a reorg) the cache is dropped and L1 scanned again.
"""

from __future__ import annotations

import logging
import threading
from abc import abstractmethod

from l1.contracts.batch_inbox import APPEND_BATCH, BATCH_APPENDED_TOPIC, decode_batch_appended
from l1.contracts.bridge import L2_TRANSACTION_QUEUED_TOPIC, decode_l2_transaction_queued
from l1.rpc import L1BlockNotFound, L1Client, L1Log
from rollup.crypto import keccak256
from rollup.deposit import QueuedMessage
from rollup.machine import L1Inputs

log = logging.getLogger("rollup.inputs")

LOG_RANGE = 5_000
"""L1 blocks per eth_getLogs request."""


class L1InputSource(L1Inputs):
    """The machine's inputs plus the whole lists a boundary state is computed from."""

    @abstractmethod
    def batches(self) -> list[bytes]:
        """Every batch appended so far, in index order."""

    @abstractmethod
    def message_l1_blocks(self) -> list[int]:
        """The L1 block number of each queued message, by queue index."""


class L1InputReader(L1InputSource):
    """Batches and queue messages by index, read from L1 and cached (thread-safe)."""

    def __init__(
        self, client: L1Client, batch_inbox: bytes, bridge: bytes, start_block: int
    ) -> None:
        self.client = client
        self.batch_inbox = batch_inbox
        self.bridge = bridge
        self.start_block = start_block
        self._lock = threading.RLock()
        self._reset()

    def _reset(self) -> None:
        self._batches: dict[int, bytes | None] = {}  # None: appended, bytes not in calldata
        self._batch_blocks: dict[int, int] = {}
        self._messages: dict[int, QueuedMessage] = {}
        self._scanned = self.start_block - 1
        self._scanned_hash: bytes | None = None

    # -- L1Inputs -----------------------------------------------------------------------------

    def get_batch(self, index: int) -> bytes | None:
        with self._lock:
            if index not in self._batches:
                self.refresh()
            return self._batches.get(index)

    def get_message(self, queue_index: int) -> QueuedMessage | None:
        with self._lock:
            if queue_index not in self._messages:
                self.refresh()
            return self._messages.get(queue_index)

    # -- whole views (boundary states) ---------------------------------------------------------

    def batches(self) -> list[bytes]:
        """Every batch appended so far, in index order, up to the first one not readable."""
        with self._lock:
            self.refresh()
            result: list[bytes] = []
            for index in range(len(self._batches)):
                batch = self._batches.get(index)
                if batch is None:
                    break
                result.append(batch)
            return result

    def message_l1_blocks(self) -> list[int]:
        """The L1 block number of each queued message, by queue index."""
        with self._lock:
            self.refresh()
            result: list[int] = []
            for index in range(len(self._messages)):
                message = self._messages.get(index)
                if message is None:
                    break
                result.append(message.l1_block_number)
            return result

    def batch_count(self) -> int:
        with self._lock:
            self.refresh()
            return len(self._batches)

    # -- scanning ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the logs of the L1 blocks after the last scanned one, up to the head."""
        with self._lock:
            if self._scanned_hash is not None and not self._still_canonical():
                log.warning(
                    "L1 reorg below block %d: re-reading batches and messages", self._scanned
                )
                self._reset()
            head = self.client.block_number()
            while self._scanned < head:
                first = self._scanned + 1
                last = min(head, first + LOG_RANGE - 1)
                logs = self.client.get_logs(
                    [self.batch_inbox, self.bridge],
                    [[BATCH_APPENDED_TOPIC, L2_TRANSACTION_QUEUED_TOPIC]],
                    first,
                    last,
                )
                block = self.client.get_block(last)
                self._ingest(logs)
                self._scanned = last
                self._scanned_hash = block.hash

    def _still_canonical(self) -> bool:
        try:
            return self.client.get_block(self._scanned).hash == self._scanned_hash
        except L1BlockNotFound:
            return False

    def _ingest(self, logs: list[L1Log]) -> None:
        appended = [
            decode_batch_appended(entry)
            for entry in logs
            if entry.address == self.batch_inbox and entry.topics[0] == BATCH_APPENDED_TOPIC
        ]
        if appended:
            transactions = self.client.request_batch(
                [
                    ("eth_getTransactionByHash", ["0x" + event.log.tx_hash.hex()])
                    for event in appended
                ]
            )
            for event, transaction in zip(appended, transactions, strict=True):
                batch: bytes | None = None
                if transaction is not None:
                    calldata = bytes.fromhex(transaction.get("input", "0x")[2:])
                    try:
                        (decoded,) = APPEND_BATCH.decode_arguments(calldata)
                        if keccak256(decoded) == event.batch_hash:
                            batch = bytes(decoded)
                    except ValueError:
                        pass  # not a direct appendBatch call: its bytes are not in this calldata
                if batch is None:
                    log.warning(
                        "batch %d: bytes not found in its transaction's calldata", event.index
                    )
                self._batches[event.index] = batch
                self._batch_blocks[event.index] = event.log.block_number
        for entry in logs:
            if entry.address == self.bridge and entry.topics[0] == L2_TRANSACTION_QUEUED_TOPIC:
                message = decode_l2_transaction_queued(entry).to_message()
                self._messages[message.queue_index] = message
