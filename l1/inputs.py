"""The step machine's L1 inputs read from an L1 node: BatchInbox batch records, Bridge messages, and
the L1 clock.

A dispute player replays an output range with rollup.machine, which asks for batch `i` and queue
message `j` by index (docs/FRAUD_PROOFS.md §1). This reader finds them the way derivation does
(l1/follower.py): the batch bytes are the calldata of the transaction that emitted
`BatchAppended(i, hash)` (checked against the hash), with the number and timestamp of its L1
block; a message is the `L2TransactionQueued` event of queue index `j` with the number and
timestamp of the L1 block that queued it.

Logs are scanned once, incrementally from the deployment block, and cached; if the last scanned L1
block is no longer canonical (a reorg) the cache is dropped and L1 scanned again.
"""

from __future__ import annotations

import bisect
import logging
import threading
from abc import abstractmethod

from l1.contracts.batch_inbox import (
    BATCH_APPENDED_TOPIC,
    decode_batch_appended,
    decode_batch_calldata,
)
from l1.contracts.bridge import L2_TRANSACTION_QUEUED_TOPIC, decode_l2_transaction_queued
from l1.rpc import L1BlockNotFound, L1Client, L1Log, parse_block
from rollup.crypto import keccak256
from rollup.deposit import QueuedMessage
from rollup.machine import BatchRecord, L1Inputs

log = logging.getLogger("rollup.inputs")

LOG_RANGE = 5_000
"""L1 blocks per eth_getLogs request."""


class L1InputSource(L1Inputs):
    """The machine's inputs plus what boundary states need."""

    @abstractmethod
    def count_messages_through(self, l1_block_number: int) -> int:
        """How many queue messages L1 blocks up to `l1_block_number` queued (the queue index of
        the first one after them)."""

    def get_generation(self) -> int:
        """Catch up with L1 and return how many times an L1 reorg has changed what this source
        had read: boundary states and traces computed under another generation may be stale."""
        return 0


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
        self._generation = 0
        self._reset()

    def _reset(self) -> None:
        self._batches: dict[int, BatchRecord | None] = {}  # None: bytes not in its calldata
        self._messages: dict[int, QueuedMessage] = {}
        self._message_blocks: list[int] = []  # L1 block of each message, by queue index
        self._scanned = self.start_block - 1
        self._scanned_hash: bytes | None = None

    # -- L1Inputs -----------------------------------------------------------------------------

    def get_batch(self, index: int) -> BatchRecord | None:
        with self._lock:
            if index not in self._batches:
                self.refresh()
            return self._batches.get(index)

    def get_message(self, queue_index: int) -> QueuedMessage | None:
        with self._lock:
            if queue_index not in self._messages:
                self.refresh()
            return self._messages.get(queue_index)

    def get_l1_clock(self) -> int:
        with self._lock:
            self.refresh()
            return self._scanned

    def count_messages_through(self, l1_block_number: int) -> int:
        with self._lock:
            self.refresh()
            return bisect.bisect_right(self._message_blocks, l1_block_number)

    def get_generation(self) -> int:
        with self._lock:
            self.refresh()
            return self._generation

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
                self._generation += 1
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

    def _read_timestamps(self, logs: list[L1Log]) -> dict[int, int]:
        """The timestamp of every L1 block that holds one of `logs`."""
        numbers = sorted({entry.block_number for entry in logs})
        if not numbers:
            return {}
        replies = self.client.request_batch(
            [("eth_getBlockByNumber", [hex(number), False]) for number in numbers]
        )
        timestamps: dict[int, int] = {}
        for number, reply in zip(numbers, replies, strict=True):
            if reply is None:
                raise L1BlockNotFound(f"L1 block {number} vanished while reading its logs")
            timestamps[number] = parse_block(reply).timestamp
        return timestamps

    def _ingest(self, logs: list[L1Log]) -> None:
        timestamps = self._read_timestamps(logs)
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
                batch: BatchRecord | None = None
                if transaction is not None:
                    calldata = bytes.fromhex(transaction.get("input", "0x")[2:])
                    try:
                        decoded = decode_batch_calldata(calldata)
                        if keccak256(decoded) == event.batch_hash:
                            number = event.log.block_number
                            batch = BatchRecord(bytes(decoded), number, timestamps[number])
                    except ValueError:
                        pass  # not a direct appendBatch call: its bytes are not in this calldata
                if batch is None:
                    log.warning(
                        "batch %d: bytes not found in its transaction's calldata", event.index
                    )
                self._batches[event.index] = batch
        for entry in logs:
            if entry.address == self.bridge and entry.topics[0] == L2_TRANSACTION_QUEUED_TOPIC:
                message = decode_l2_transaction_queued(entry).to_message(
                    timestamps[entry.block_number]
                )
                self._messages[message.queue_index] = message
                if message.queue_index == len(self._message_blocks):
                    self._message_blocks.append(message.l1_block_number)
