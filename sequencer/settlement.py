"""The sequencer's L1 side: follow L1, post batches, propose outputs — on one background thread;
the defender of its outputs (a dispute player, given by whoever wires the node) on another.

Block production stays on the event loop; this thread only reads what the loop has stored and
shares the L1 history under `node.l1_lock`, so a block is never built from a half-updated history.

An L1 reorg (docs/SETTLEMENT.md §5): the chain is asked to rewind the blocks built on removed L1
origins, the batcher re-reads what L1 still holds and the proposer forgets a proposal the reorg
dropped; batches and outputs wait until the rewind is done, so none is made from removed blocks.
A reorg below L1's finalized block halts the chain instead.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from l1.backoff import compute_retry_interval
from l1.follower import REORG_DEPTH_KEPT, L1Follower, L1ReorgPastFinality
from node.chain import Node
from node.proposer import Proposer
from node.role import ReportingWorker
from sequencer.batcher import Batcher

log = logging.getLogger("rollup.settlement")

POLL_INTERVAL = 0.25
FINALITY_CHECK_INTERVAL = 5.0


class RewindableChain(Protocol):
    """What settlement needs of the chain it settles (the sequencer role)."""

    def request_rewind(self, l1_block: int) -> None: ...

    @property
    def rewind_pending(self) -> bool: ...

    def halt(self, reason: str) -> None: ...


@dataclass(slots=True)
class Settlement:
    """Everything the sequencer runs against L1."""

    node: Node
    follower: L1Follower
    batcher: Batcher
    proposer: Proposer | None
    stop_event: threading.Event
    thread: threading.Thread | None = None
    last_error: str | None = None
    dispute: ReportingWorker | None = None  # the defender of the proposer's outputs
    chain: RewindableChain | None = None  # the chain to rewind on a reorg
    pruned_at: int = 0  # the follower's head when its history was last pruned

    def get_stats(self) -> dict[str, object]:
        """What settling has cost so far (rollup_syncStatus reports it; `rollup status` shows it)."""
        batcher = self.batcher
        transactions = batcher.transactions_posted
        return {
            "batches_posted": batcher.batches_posted,
            "batch_bytes": batcher.bytes_posted,
            "batch_gas": batcher.gas_used,
            "transactions_batched": transactions,
            "bytes_per_transaction": batcher.bytes_posted / transactions if transactions else None,
            "gas_per_transaction": batcher.gas_used / transactions if transactions else None,
            "posted_through": batcher.posted_through,
            "batch_in_flight": batcher.in_flight is not None,
            "outputs_proposed": self.proposer.proposed if self.proposer is not None else 0,
            "output_gas": self.proposer.gas_used if self.proposer is not None else 0,
            "last_error": self.last_error,
            "disputes": self.dispute.get_stats() if self.dispute is not None else None,
        }

    def start(self) -> None:
        with self.node.l1_lock:
            self.batcher.resume_from_storage(self.node.head.l1_origin_number)
            while self.follower.poll().new_blocks:
                pass
        self.batcher.recover_progress()
        self.node.safe_number = self.batcher.safe_through
        self.thread = threading.Thread(target=self.run, name="settlement", daemon=True)
        self.thread.start()
        if self.dispute is not None:
            self.dispute.start()

    def stop(self) -> None:
        self.stop_event.set()
        if self.dispute is not None:
            self.dispute.stop()
        if self.thread is not None:
            self.thread.join(timeout=30)

    def run(self) -> None:
        last_finality_check = 0.0
        failures = 0
        while not self.stop_event.is_set():
            try:
                with self.node.l1_lock:
                    result = self.follower.poll()
                if result.reorged_to is not None:
                    self.handle_reorg(result.reorged_to)
                self.prune()
                if self.chain is None or not self.chain.rewind_pending:
                    self.batcher.tick(self.node.head.number)
                    self.node.safe_number = self.batcher.safe_through
                    if self.proposer is not None:
                        self.proposer.tick(self.batcher.safe_through)
                        if time.monotonic() - last_finality_check > FINALITY_CHECK_INTERVAL:
                            self.node.finalized_number = self.proposer.update_finalized()
                            last_finality_check = time.monotonic()
                self.last_error = None
                failures = 0
            except L1ReorgPastFinality as exc:
                self.last_error = str(exc)
                if self.chain is not None:
                    self.chain.halt(str(exc))
                log.critical("settlement stopped: %s", exc)
                return
            except Exception as exc:  # L1 hiccups must not stop the sequencer: retry, backing off
                if str(exc) != self.last_error:
                    log.warning("settlement: %s", exc)
                self.last_error = str(exc)
                failures += 1
            self.stop_event.wait(compute_retry_interval(failures, POLL_INTERVAL))

    def prune(self) -> None:
        """Forget the L1 blocks neither the batcher (after its newest safe batch) nor the builder
        (after its head's origin) needs, but the last REORG_DEPTH_KEPT."""
        head = self.follower.head_number
        checkpoint = self.batcher.checkpoint
        if checkpoint is None or head < self.pruned_at + 100:
            return
        needed = min(checkpoint.l1_number, self.node.head.l1_origin_number, head - REORG_DEPTH_KEPT)
        with self.node.l1_lock:
            self.follower.prune(needed)
        self.pruned_at = head

    def handle_reorg(self, l1_block: int) -> None:
        """L1 blocks after `l1_block` were replaced: rewind the chain's blocks built on them, and
        make the batcher and the proposer start again from what L1 holds now."""
        log.warning("L1 reorg back to block %d: re-reading posted batches", l1_block)
        if self.chain is not None:
            self.chain.request_rewind(l1_block)
        with self.batcher.lock:
            self.batcher.forget_progress_after(l1_block)
            self.batcher.restart_from_l1()
        self.node.safe_number = min(self.node.safe_number, self.batcher.safe_through)
        if self.proposer is not None:
            self.proposer.restart_from_l1()
