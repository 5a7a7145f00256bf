"""Following L1: the ordered L1 blocks since the rollup's start, with their batches and messages.

Both roles use it: the sequencer for L1 origins and deposits, the verifier for derivation. Each
poll checks that the newest known block is still canonical; if a reorg replaced it, the follower
walks back to the last common block, forgets everything after it and reports that block, so the
caller can roll back what it derived from the removed blocks. A reorg that would remove a block
L1 had declared finalized is refused (L1ReorgPastFinality): nothing derived from L1 may then be
trusted, and a person must look (docs/SETTLEMENT.md §5).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from l1.contracts.batch_inbox import (
    BATCH_APPENDED_TOPIC,
    decode_batch_appended,
    decode_batch_calldata,
)
from l1.contracts.bridge import L2_TRANSACTION_QUEUED_TOPIC, decode_l2_transaction_queued
from l1.rpc import L1Block, L1BlockNotFound, L1Client, L1Log, L1RpcError, _parse_block
from rollup.crypto import keccak256
from rollup.deposit import QueuedMessage
from rollup.derivation import L1BlockData

log = logging.getLogger("rollup.l1")

MAX_BLOCKS_PER_POLL = 500
REORG_DEPTH_KEPT = 256
"""L1 blocks a role keeps in memory below what it still needs, so that a reorg that deep is still
followed (L1 finality comes first: 64 blocks on Ethereum)."""
FINALITY_REFRESH = 2.0
"""Seconds between two reads of L1's finalized block (it moves once per epoch on Ethereum)."""


class L1ReorgPastFinality(RuntimeError):
    """L1 replaced a block it had declared finalized: the follower refuses to rewind past it."""


class L1Position(Protocol):
    """A stored record of some L1 block (its number and hash)."""

    @property
    def l1_number(self) -> int: ...

    @property
    def l1_hash(self) -> bytes: ...


P = TypeVar("P", bound=L1Position)


def find_still_on_l1(client: L1Client, positions: Iterable[P]) -> P | None:
    """The first of `positions` (newest first) whose L1 block L1 still has: where a restarted
    role resumes (a reorg while it was stopped replaced the ones before it)."""
    for position in positions:
        try:
            if client.get_block(position.l1_number).hash == position.l1_hash:
                return position
        except L1BlockNotFound:
            continue
    return None


@dataclass(slots=True)
class PollResult:
    """What a poll found: new canonical blocks, and the block a reorg rewound to (if any)."""

    new_blocks: list[L1BlockData] = field(default_factory=list)
    reorged_to: int | None = None


class L1Follower:
    """Keeps `history` (number -> L1BlockData) canonical from `start_block` to the L1 head."""

    def __init__(
        self,
        client: L1Client,
        batch_inbox: bytes,
        bridge: bytes,
        start_block: int,
        confirmations: int = 0,
    ) -> None:
        self.client = client
        self.batch_inbox = batch_inbox
        self.bridge = bridge
        self.start_block = start_block
        self.confirmations = confirmations
        self.history: dict[int, L1BlockData] = {}
        self.head_number = start_block - 1
        self.finalized_number: int | None = None  # L1's finalized block, None if L1 has no tag
        self._finality_read_at = -FINALITY_REFRESH

    @property
    def head(self) -> L1BlockData | None:
        return self.history.get(self.head_number)

    def poll(self) -> PollResult:
        """Catch up with L1 (at most MAX_BLOCKS_PER_POLL blocks), handling a reorg first."""
        result = PollResult()
        self.refresh_finalized()
        reorged_to = self.detect_reorg()
        if reorged_to is not None:
            result.reorged_to = reorged_to
        target = self.client.block_number() - self.confirmations
        if target <= self.head_number:
            return result
        last = min(target, self.head_number + MAX_BLOCKS_PER_POLL)
        first = self.head_number + 1
        previous = self.history.get(first - 1)
        for data in self.read_blocks(first, last, previous.hash if previous else None):
            self.history[data.number] = data
            self.head_number = data.number
            result.new_blocks.append(data)
        return result

    def load(self, first: int, last: int) -> None:
        """Read L1 blocks [first, last] into history and make `last` the head (a verifier
        resuming after `last`: derivation needs the blocks from its safe head's origin on).
        Raises RuntimeError if L1 changed under the read (the caller tries again)."""
        parent: bytes | None = None
        for start in range(first, last + 1, MAX_BLOCKS_PER_POLL):
            end = min(last, start + MAX_BLOCKS_PER_POLL - 1)
            blocks = self.read_blocks(start, end, parent)
            if len(blocks) != end - start + 1:
                raise RuntimeError(f"L1 changed while reading blocks {start}-{end}")
            for data in blocks:
                self.history[data.number] = data
            parent = blocks[-1].hash
        self.head_number = last

    def read_blocks(self, first: int, last: int, parent_hash: bytes | None) -> list[L1BlockData]:
        """L1 blocks [first, last] with their batches and messages, up to the first that does not
        chain onto the one before (a reorg while reading: the next poll rewinds)."""
        kept: list[L1Block] = []
        for block in self.fetch_blocks(first, last):
            if parent_hash is not None and block.parent_hash != parent_hash:
                break
            kept.append(block)
            parent_hash = block.hash
        if not kept:
            return []
        logs = self.client.get_logs(
            [self.batch_inbox, self.bridge],
            [[BATCH_APPENDED_TOPIC, L2_TRANSACTION_QUEUED_TOPIC]],
            kept[0].number,
            kept[-1].number,
        )
        canonical = {block.number: block.hash for block in kept}
        logs = [entry for entry in logs if canonical.get(entry.block_number) == entry.block_hash]
        batches = self.read_batches(logs)
        return [
            L1BlockData(
                number=block.number,
                hash=block.hash,
                parent_hash=block.parent_hash,
                timestamp=block.timestamp,
                batches=tuple(batches.get(block.number, [])),
                messages=tuple(self.read_messages(logs, block.number, block.timestamp)),
            )
            for block in kept
        ]

    def fetch_blocks(self, first: int, last: int) -> list[L1Block]:
        replies = self.client.request_batch(
            [("eth_getBlockByNumber", [hex(number), False]) for number in range(first, last + 1)]
        )
        return [_parse_block(reply) for reply in replies if reply is not None]

    def read_batches(self, logs: list[L1Log]) -> dict[int, list[bytes]]:
        """Batch bytes per L1 block, from the calldata of each BatchAppended transaction."""
        appended = [
            decode_batch_appended(entry)
            for entry in logs
            if entry.address == self.batch_inbox and entry.topics[0] == BATCH_APPENDED_TOPIC
        ]
        if not appended:
            return {}
        inputs = self.client.request_batch(
            [("eth_getTransactionByHash", ["0x" + event.log.tx_hash.hex()]) for event in appended]
        )
        batches: dict[int, list[bytes]] = {}
        for event, transaction in zip(appended, inputs, strict=True):
            if transaction is None:
                continue
            calldata = bytes.fromhex(transaction.get("input", "0x")[2:])
            try:
                batch = decode_batch_calldata(calldata)
            except ValueError:
                continue  # not a direct appendBatch call; its bytes are not in this calldata
            if keccak256(batch) != event.batch_hash:
                continue
            batches.setdefault(event.log.block_number, []).append(bytes(batch))
        return batches

    def read_messages(
        self, logs: list[L1Log], block_number: int, timestamp: int
    ) -> list[QueuedMessage]:
        messages = [
            decode_l2_transaction_queued(entry).to_message(timestamp)
            for entry in logs
            if entry.block_number == block_number
            and entry.address == self.bridge
            and entry.topics[0] == L2_TRANSACTION_QUEUED_TOPIC
        ]
        messages.sort(key=lambda message: message.queue_index)
        return messages

    def refresh_finalized(self, force: bool = False) -> None:
        """Read L1's finalized block number (at most every FINALITY_REFRESH seconds, unless
        `force`: a reorg is being judged against it)."""
        now = time.monotonic()
        if now - self._finality_read_at < FINALITY_REFRESH and not force:
            return
        self._finality_read_at = now
        try:
            finalized = self.client.get_block("finalized").number
        except (L1RpcError, L1BlockNotFound):  # an L1 without the tag: no finality guard
            return
        self.finalized_number = max(finalized, self.finalized_number or 0)

    def detect_reorg(self) -> int | None:
        """If our head is no longer canonical, rewind to the last common block and return it.

        Raises L1ReorgPastFinality, forgetting nothing, if that block is below L1's finalized one.
        """
        number = self.head_number
        while number >= self.start_block:
            known = self.history.get(number)
            if known is None:
                raise L1ReorgPastFinality(
                    f"L1 replaced every block back to {number + 1}, older than the blocks kept"
                )
            try:
                canonical = self.client.get_block(number)
            except L1BlockNotFound:  # the block may not exist any more after a deep reorg
                canonical = None
            if canonical is not None and canonical.hash == known.hash:
                break
            number -= 1
        if number == self.head_number:
            return None
        self.refresh_finalized(force=True)
        finalized = self.finalized_number
        if finalized is not None and number < finalized:
            raise L1ReorgPastFinality(
                f"L1 replaced block {number + 1}, below its finalized block {finalized}: "
                "refusing to follow (what was derived from finalized L1 blocks cannot change)"
            )
        for removed in range(number + 1, self.head_number + 1):
            del self.history[removed]
        log.warning("L1 reorg of depth %d: rewound to block %d", self.head_number - number, number)
        self.head_number = number
        return number

    def prune(self, keep_from: int) -> None:
        """Forget blocks below `keep_from` (never needed again by derivation)."""
        for number in [n for n in self.history if n < keep_from]:
            del self.history[number]
