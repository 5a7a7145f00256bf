"""The batcher: posts the sequencer's blocks to the L1 BatchInbox as compressed batches.

It posts every block once and in order. What is already on L1 is read back from L1 at start
(the batches the inbox holds whose blocks chain onto ours), so a restart neither posts a block
twice nor leaves a gap. A batch in flight is resubmitted with higher fees when it waits too long;
a block is *safe* once the batch holding it is mined in a block the L1 follower holds (past its
confirmations). A receipt alone is not enough: the head block that mined a batch can be reorged
away before the follower ever sees it, and then the batch must be posted again. Each batch names
the newest L1 origin of its blocks and that block's hash as the follower read it: the BatchInbox
refuses the batch if a reorg has replaced that block since (docs/SETTLEMENT.md §5).

Whenever it cannot know what L1 holds of its own (at start, after a crash with a batch in flight;
after a send whose outcome is unknown, as when L1 went away mid-request), it resynchronises before
posting again: it waits until no transaction of its key is pending on L1 and the follower has read
the block that mined the last one, then re-reads the posted batches. So a batch is neither posted
twice nor skipped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping

from l1.contracts.batch_inbox import APPEND_BATCH
from l1.follower import L1Follower, find_still_on_l1
from l1.sender import L1Sender, L1TransactionFailed
from node.storage import L1_PROGRESS_KEPT, L1Progress, Storage
from rollup.batch import Batch, BatchBlock, InvalidBatch, decode_batch, pack_batch
from rollup.block import Header
from rollup.crypto import keccak256
from rollup.deposit import DEPOSIT_TX_TYPE, KIND_FORCED_TRANSACTION
from rollup.derivation import L1BlockData
from rollup.transaction import Transaction, decode_transaction
from sequencer.posting import (
    Backlog,
    PostingPolicy,
    PostingReason,
    choose_urgent_reason,
    is_full,
)

log = logging.getLogger("rollup.batcher")

BATCH_EXECUTION_GAS = 80_000  # keccak of the batch, one storage slot, the event, with margin


def compute_batch_gas_limit(calldata: bytes) -> int:
    """Gas limit of an appendBatch transaction under Prague's calldata pricing.

    EIP-7623 charges at least 10 gas per calldata token (a zero byte is one token, any other byte
    four) when that exceeds the standard 4/16 per byte plus execution; a limit below that floor
    makes the transaction invalid, so the batch would never be mined.
    """
    zeros = calldata.count(0)
    nonzeros = len(calldata) - zeros
    standard = 4 * zeros + 16 * nonzeros + BATCH_EXECUTION_GAS
    floor = 10 * (zeros + 4 * nonzeros)
    return 21_000 + max(standard, floor) + 10_000 + (keccak_words(calldata) * 6)


def keccak_words(data: bytes) -> int:
    return (len(data) + 31) // 32


DESCRIBED_REASONS: dict[PostingReason, str] = {
    "window": "its oldest block nears the end of the sequencer window",
    "output": "the next output needs it",
    "delay": "its oldest block reached the maximum delay",
    "full": "a full batch",
}


def compute_forced_hashes(
    history: Mapping[int, L1BlockData], parent_origin: int, origin: int
) -> set[bytes]:
    """Hashes of the transactions forced through L1 into a block with this origin range."""
    hashes: set[bytes] = set()
    for number in range(parent_origin + 1, origin + 1):
        block = history.get(number)
        if block is None:
            continue
        for message in block.messages:
            if message.kind == KIND_FORCED_TRANSACTION:
                hashes.add(keccak256(message.payload))
    return hashes


def read_sequenced_transactions(
    storage: Storage, header: Header, parent: Header, history: Mapping[int, L1BlockData]
) -> tuple[Transaction, ...]:
    """A stored block's transactions that came from the mempool (not deposits, not forced)."""
    forced = (
        compute_forced_hashes(history, parent.l1_origin_number, header.l1_origin_number)
        if header.l1_origin_number > parent.l1_origin_number
        else set()
    )
    sequenced = []
    for tx_hash, _sender, raw in storage.get_block_transactions(header.number):
        if raw[0] == DEPOSIT_TX_TYPE or tx_hash in forced:
            continue
        sequenced.append(decode_transaction(raw))
    return tuple(sequenced)


OutputBlock = Callable[[], int | None]
"""The L2 block of the proposer's next output, or None (no proposer, or not known yet)."""


def have_no_output_block() -> int | None:
    """The OutputBlock of a batcher without a proposer."""
    return None


class Batcher:
    """Posts blocks (posted_through, head] in batches, one transaction in flight at a time, when
    its posting policy (sequencer.posting) says posting buys something."""

    def __init__(
        self,
        storage: Storage,
        sender: L1Sender,
        follower: L1Follower,
        batch_inbox: bytes,
        chain_id: int,
        policy: PostingPolicy,
        interval: float = 1.0,
        bump_after: float = 20.0,
        output_block: OutputBlock = have_no_output_block,
    ) -> None:
        self.storage = storage
        self.sender = sender
        self.follower = follower
        self.batch_inbox = batch_inbox
        self.chain_id = chain_id
        self.policy = policy
        self.interval = interval  # the least time between two batches
        self.bump_after = bump_after
        self.output_block = output_block
        self.backlog_since: float | None = None  # when the unposted blocks began to wait
        self.checked_not_full: tuple[int, int] | None = None  # (first, head) found not full
        self.posted_by_reason: Counter[PostingReason] = Counter()
        self.safe_through = 0  # blocks whose batch is mined on L1
        self.posted_through = 0  # blocks sent (mined or in flight)
        self.in_flight: tuple[bytes, int] | None = None  # (tx hash, last block of the batch)
        self.in_flight_mined_in: int | None = None  # L1 block whose receipt we saw for it
        # What L1 holds of ours is unknown until resync() (a restart, a send that failed midway).
        self.needs_resync = True
        self.resync_at_l1_block: int | None = None
        self.waiting_logged = False
        self.last_post = 0.0
        self.batches_posted = 0
        self.bytes_posted = 0
        self.gas_used = 0
        self.transactions_posted = 0
        self.lock = threading.Lock()
        # The newest batch known safe from storage: what is on L1 up to it needs no reading.
        self.checkpoint: L1Progress | None = None

    def resume_from_storage(self, head_origin: int) -> None:
        """Before the follower first polls: start reading L1 at the newest batch of ours stored
        as safe that L1 still has (or at the origin of our head, if older), not at the
        deployment. Reading from there costs what was posted since, not the whole chain."""
        rows = self.storage.get_l1_progress(L1_PROGRESS_KEPT)
        row = find_still_on_l1(self.follower.client, rows)
        if row is None:
            return
        self.storage.forget_l1_progress_after(row.l1_number)
        first = max(min(row.l1_number, head_origin), self.follower.start_block)
        self.follower.load(first, row.l1_number)
        self.checkpoint = row
        log.info(
            "batcher: L2 blocks up to %d are on L1 by block %d; reading L1 from block %d",
            row.l2_head,
            row.l1_number,
            first,
        )

    def forget_progress_after(self, l1_block: int) -> None:
        """An L1 reorg back to `l1_block`: batches recorded in later L1 blocks are gone."""
        self.storage.forget_l1_progress_after(l1_block)
        if self.checkpoint is not None and self.checkpoint.l1_number > l1_block:
            newest = self.storage.get_l1_progress(1)
            self.checkpoint = newest[0] if newest else None

    def recover_progress(self) -> None:
        """Find the last of our blocks already on L1 by reading back the inbox's batches (those
        after the checkpoint, if any)."""
        checkpoint = self.checkpoint
        through = checkpoint.l2_head if checkpoint is not None else 0
        after = checkpoint.l1_number if checkpoint is not None else -1
        for number in sorted(n for n in self.follower.history if n > after):
            for data in self.follower.history[number].batches:
                parent = self.storage.get_header(through)
                if parent is None:
                    continue
                try:
                    batch = decode_batch(
                        data, self.chain_id, parent.timestamp, parent.l1_origin_number
                    )
                except InvalidBatch:
                    continue
                if batch.first_block_number == through + 1 and batch.parent_hash == parent.hash:
                    through += len(batch.blocks)
        self.safe_through = self.posted_through = through
        if through:
            log.info("batcher: L1 already holds L2 blocks up to %d", through)

    def collect_next_batch(self, head_number: int) -> Batch | None:
        """The blocks from posted_through + 1 to the head (at most 1,000), as one unpacked batch."""
        first = self.posted_through + 1
        if first > head_number:
            return None
        parent = self.storage.get_header(first - 1)
        assert parent is not None
        blocks: list[BatchBlock] = []
        previous = parent
        history = self.follower.history
        for number in range(first, head_number + 1):
            header = self.storage.get_header(number)
            if header is None:
                break
            transactions = read_sequenced_transactions(self.storage, header, previous, history)
            blocks.append(BatchBlock(header.timestamp, header.l1_origin_number, transactions))
            previous = header
            if len(blocks) >= 1_000:
                break
        return Batch(first, parent.hash, parent.timestamp, parent.l1_origin_number, tuple(blocks))

    def build_next_batch(self, head_number: int) -> tuple[Batch, bytes] | None:
        """The next batch from posted_through + 1, as full as the size cap allows."""
        batch = self.collect_next_batch(head_number)
        return None if batch is None else self.pack(batch)

    def choose_posting_reason(self, head_number: int) -> PostingReason | None:
        """Why the unposted blocks up to `head_number` should be posted now, or None to wait
        (sequencer.posting). Whether they fill a batch is only known by packing them: that is
        done once for each head, and only when no other reason holds."""
        first = self.posted_through + 1
        if first > head_number:
            self.backlog_since = None
            return None
        now = time.monotonic()
        if self.backlog_since is None:
            self.backlog_since = now
        oldest = self.storage.get_header(first)
        if oldest is None:
            return None
        backlog = Backlog(first, head_number, oldest.l1_origin_number, now - self.backlog_since)
        reason = choose_urgent_reason(
            self.policy, backlog, self.follower.head_number, self.output_block()
        )
        if reason is not None or self.checked_not_full == (first, head_number):
            return reason
        batch = self.collect_next_batch(head_number)
        if batch is None:
            return None
        # The honest packing: a faulty batcher's pack (faults.rules) breaks only what it posts.
        packed, data = pack_batch(batch)
        if is_full(len(packed.blocks), head_number - first + 1, len(data)):
            return "full"
        self.checked_not_full = (first, head_number)
        return None

    def pack(self, batch: Batch) -> tuple[Batch, bytes]:
        """As many of `batch`'s blocks as one batch holds, and their L1 bytes (pack_batch)."""
        return pack_batch(batch)

    def resync(self) -> bool:
        """Catch up with what L1 holds of ours; True once done (the caller holds `lock`).

        Waits while a transaction of our key is pending, then until the follower has read the L1
        block the chain was at when nothing was pending any more (which holds whatever of ours
        was mined), then re-reads the posted batches and takes the nonce from L1.
        """
        if self.resync_at_l1_block is None:
            pending = self.sender.count_pending()
            if pending:
                if not self.waiting_logged:
                    log.info("batcher: waiting for %d pending L1 transaction(s)", pending)
                    self.waiting_logged = True
                return False
            self.resync_at_l1_block = self.sender.client.block_number()
        if self.follower.head_number < self.resync_at_l1_block:
            return False
        self.in_flight = None
        self.in_flight_mined_in = None
        self.recover_progress()
        self.sender.rewind_nonce()
        self.needs_resync = False
        self.resync_at_l1_block = None
        self.waiting_logged = False
        return True

    def tick(self, head_number: int) -> None:
        """Advance: confirm the batch in flight, or post the next one when it is time."""
        with self.lock:
            if self.needs_resync and not self.resync():
                return
            if self.in_flight is not None:
                self.check_in_flight()
                return
            if time.monotonic() - self.last_post < self.interval:
                return
            reason = self.choose_posting_reason(head_number)
            if reason is None:
                return
            built = self.build_next_batch(head_number)
            if built is None:
                return
            batch, data = built
            origin = batch.blocks[-1].l1_origin_number
            built_on = self.follower.history.get(origin)
            if built_on is None:
                log.warning("batcher: L1 origin %d of the next batch is not known", origin)
                return
            # The append reverts if a reorg replaced the origin meanwhile (docs/SETTLEMENT.md §5).
            calldata = APPEND_BATCH.encode(data, origin, built_on.hash)
            gas = compute_batch_gas_limit(calldata)
            try:
                tx_hash = self.sender.send(self.batch_inbox, calldata, gas=gas)
            except Exception:
                self.needs_resync = True  # it may have reached L1 all the same
                raise
            last = batch.first_block_number + len(batch.blocks) - 1
            self.in_flight = (tx_hash, last)
            self.posted_through = last
            self.last_post = time.monotonic()
            self.backlog_since = None
            self.posted_by_reason[reason] += 1
            self.bytes_posted += len(data)
            self.transactions_posted += batch.transaction_count
            log.info(
                "batch of blocks %d-%d (%d txs, %d bytes) sent in 0x%s (%s)",
                batch.first_block_number,
                last,
                batch.transaction_count,
                len(data),
                tx_hash.hex(),
                DESCRIBED_REASONS[reason],
            )

    def check_in_flight(self) -> None:
        assert self.in_flight is not None
        tx_hash, last = self.in_flight
        try:
            receipt = self.sender.client.get_receipt(tx_hash)
        except Exception as exc:  # L1 unreachable: try again next tick
            log.warning("batcher: cannot read receipt: %s", exc)
            return
        if receipt is None:
            if self.in_flight_mined_in is not None:
                # Mined before, unknown now: a reorg removed the block, within the follower's
                # confirmations (so the follower reports no reorg). The transaction is dropped.
                log.warning(
                    "batch transaction 0x%s was mined in L1 block %d, which a reorg removed: "
                    "re-reading posted batches",
                    tx_hash.hex(),
                    self.in_flight_mined_in,
                )
                self.restart_from_l1()
                return
            self.in_flight = (self.sender.resubmit_if_stuck(tx_hash, self.bump_after), last)
            return
        if receipt.succeeded:
            self.in_flight_mined_in = receipt.block_number
            followed = self.follower.history.get(receipt.block_number)
            if followed is None or followed.hash != receipt.block_hash:
                return  # not yet in the followed L1 chain: wait (and see if a reorg drops it)
        self.in_flight = None
        self.in_flight_mined_in = None
        if not receipt.succeeded:
            log.error(
                "batch transaction 0x%s failed; reposting from block %d",
                tx_hash.hex(),
                self.safe_through + 1,
            )
            self.posted_through = self.safe_through
            return
        self.safe_through = last
        self.batches_posted += 1
        self.gas_used += receipt.gas_used
        followed = self.follower.history[receipt.block_number]
        self.checkpoint = L1Progress(
            followed.number, followed.hash, followed.parent_hash, followed.timestamp, last
        )
        self.storage.record_l1_progress(self.checkpoint)

    def restart_from_l1(self) -> None:
        """After an L1 reorg: forget the batch in flight and post again from what L1 still holds.

        The caller holds `lock`. Nothing here talks to L1 (so nothing can fail half-way); the
        nonce is rewound before the next batch is sent.
        """
        self.in_flight = None
        self.in_flight_mined_in = None
        self.needs_resync = True  # takes the nonce from L1; a dropped transaction may come back
        self.recover_progress()
        log.info("batcher: posting again from L2 block %d", self.posted_through + 1)

    def wait_until_safe(self, number: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.safe_through < number:
            if time.monotonic() > deadline:
                raise TimeoutError(f"block {number} not safe after {timeout} s")
            time.sleep(0.05)


__all__ = ["Batcher", "L1TransactionFailed", "compute_forced_hashes", "read_sequenced_transactions"]
