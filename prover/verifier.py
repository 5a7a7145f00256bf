"""The verifier role: L1 only -> derivation -> the same STF -> its own blocks and roots.

It follows the L1 BatchInbox and Bridge, derives every L2 block with rollup.derivation, stores them
like a sequencer would (so the same JSON-RPC serves reads), and compares every output root the
proposer bonded on L1 with its own. An L1 reorg rolls back the L2 blocks derived from the removed
L1 blocks; derivation then continues on the new L1 chain. With a challenger (prover.dispute) it
disputes the outputs that differ; with a proposer (node.proposer) it proposes outputs itself once
the sequencer's proposer has gone quiet, so that users can exit without the operator.

Replaying is kept ahead of the sequencer by recovering senders in the node's worker processes
(node.recovery), a batch or two ahead of the one executing (prover.lookahead), while this thread
executes and stores blocks. Storing in a writer thread instead was measured slower (GIL handoffs;
3,188-3,341 against 3,533-3,748 DeFi calls/s replayed). The head moves only once a block is
stored, so every block up to it can be read back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from l1.backoff import compute_retry_interval
from l1.contracts.output_oracle import (
    IS_FINALIZED,
    OUTPUT_PROPOSED_TOPIC,
    OUTPUTS_DELETED_TOPIC,
    decode_output_proposed,
    decode_outputs_deleted,
)
from l1.follower import REORG_DEPTH_KEPT, L1Follower, L1ReorgPastFinality, find_still_on_l1
from l1.rpc import L1RpcError
from node.chain import Node
from node.role import Background, Replica, ReportingWorker
from node.storage import L1_PROGRESS_KEPT, L1Progress
from prover.lookahead import LookAhead
from rollup.batch import MAX_BATCH_TRANSACTIONS
from rollup.block import BlockExecution, Header
from rollup.derivation import BatchOpener, DecodeInTurn, Deriver
from rollup.output import compute_output_root
from rollup.state import State

log = logging.getLogger("rollup.verifier")

POLL_INTERVAL = 0.25
RECOVERY_LOOKAHEAD = 2 * MAX_BATCH_TRANSACTIONS
"""Transactions decoded and handed to the recovery workers ahead of the batch being executed:
a full batch or two, enough to keep every worker busy while this thread executes."""


@dataclass(slots=True)
class OutputCheck:
    """An output proposed on L1 and what this verifier computed for the same block."""

    output_index: int
    l2_block_number: int
    proposed_root: bytes
    computed_root: bytes | None  # None while the verifier has not derived that block yet

    @property
    def matches(self) -> bool | None:
        return None if self.computed_root is None else self.computed_root == self.proposed_root


class Verifier(Replica):
    """Derives the chain from L1 into `node` on a thread of its own; serves it read-only."""

    name = "verifier"

    def __init__(
        self,
        node: Node,
        follower: L1Follower,
        output_oracle: bytes,
        challenger: ReportingWorker | None = None,
        proposer: ReportingWorker | None = None,
        defender: ReportingWorker | None = None,
    ) -> None:
        self.node = node
        self.follower = follower
        node.follower = follower
        self.output_oracle = output_oracle
        self.challenger = challenger
        self.proposer = proposer  # exit proposals (--proposer-key) ...
        self.defender = defender  # ... and their defence
        self.derived_through = follower.start_block - 1  # last L1 block processed
        self.resumed = False  # from the L1 progress in storage (done by the first step)
        self.pruned_at = 0  # derived_through when the L1 history was last pruned
        self.outputs: dict[int, OutputCheck] = {}
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.deriver = self.make_deriver(node.state, node.head)

    def workers(self) -> Sequence[Background]:
        others = (self.challenger, self.proposer, self.defender)
        return (self, *(worker for worker in others if worker is not None))

    def get_l1_stats(self) -> dict[str, object] | None:
        if self.challenger is None and self.proposer is None:
            return None
        stats: dict[str, object] = {}
        if self.proposer is not None:
            stats.update(self.proposer.get_stats())
        if self.challenger is not None:
            stats["disputes"] = self.challenger.get_stats()
        if self.defender is not None:
            stats["defence"] = self.defender.get_stats()
        return stats

    def make_deriver(self, state: State, head: Header) -> Deriver:
        recovery = self.node.recovery
        opener: BatchOpener = (
            DecodeInTurn(self.node.config.chain_id)
            if recovery is None
            else LookAhead(self.node.config.chain_id, recovery.start_recovering, RECOVERY_LOOKAHEAD)
        )
        return Deriver(state, self.node.config, head, opener)

    def store(self, execution: BlockExecution) -> None:
        """Store a derived block and make it the head (the deriver's on_block).

        If it cannot be stored, the blocks derived from the same L1 block are undone, stored or
        not, so that the next step derives them again on a state that matches storage.
        """
        started = time.perf_counter()
        try:
            self.node.storage.append_block(execution)
        except Exception as failure:
            log.error("could not store L2 block %d: %s", execution.header.number, failure)
            self.undo(self.derived_through, f"block {execution.header.number} not stored")
            raise
        self.node.metrics.observe_block(
            len(execution.transactions), None, time.perf_counter() - started
        )
        self.node.head = execution.header

    def step(self) -> int:
        """Poll L1 once and derive what it brought; return the number of L2 blocks derived."""
        with self.node.l1_lock:
            if not self.resumed:
                self.resume()
            result = self.follower.poll()
            if result.reorged_to is not None:
                self.roll_back(result.reorged_to)
            derived = 0
            history = self.follower.history
            storage = self.node.storage
            while self.derived_through < self.follower.head_number:
                l1_block = history[self.derived_through + 1]
                executions = self.deriver.process_l1_block(l1_block, history, on_block=self.store)
                derived += len(executions)
                storage.record_l1_progress(
                    L1Progress(
                        l1_block.number,
                        l1_block.hash,
                        l1_block.parent_hash,
                        l1_block.timestamp,
                        self.node.head.number,
                    )
                )
                self.derived_through = l1_block.number
            self.prune()
        head = self.node.head.number
        self.node.safe_number = head
        self.check_outputs(result.new_blocks[0].number if result.new_blocks else None)
        self.update_finalized()
        return derived

    def resume(self) -> None:
        """Carry on after the newest L1 block in storage's l1_progress that L1 still has (none:
        from the deployment). A reorg while stopped rolls L2 back to that block's head."""
        rows = self.node.storage.get_l1_progress(L1_PROGRESS_KEPT)
        common = find_still_on_l1(self.follower.client, rows)
        if rows and common is None:
            raise L1ReorgPastFinality(
                f"none of the last {len(rows)} L1 blocks derived from is on L1 any more"
            )
        if common is not None:
            if common is not rows[0]:
                log.warning("L1 reorg while stopped: resuming after L1 block %d", common.l1_number)
            storage = self.node.storage
            storage.forget_l1_progress_after(common.l1_number)
            if self.node.head.number != common.l2_head:  # stopped half-way through an L1 block
                self.node.rewind(common.l2_head)
            self.deriver = self.make_deriver(self.node.state, self.node.head)
            first = max(self.node.head.l1_origin_number, self.follower.start_block)
            self.follower.load(first, common.l1_number)
            if self.follower.history[common.l1_number].hash != common.l1_hash:
                raise RuntimeError(f"L1 block {common.l1_number} changed while resuming")
            self.derived_through = common.l1_number
            self.check_outputs(self.follower.start_block)
            log.info(
                "resumed after L1 block %d at L2 block %d (read L1 from block %d)",
                common.l1_number,
                self.node.head.number,
                first,
            )
        self.resumed = True

    def prune(self) -> None:
        """Forget the L1 blocks and progress rows derivation and reorgs no longer need."""
        keep_from = min(
            self.deriver.safe_head.l1_origin_number, self.derived_through - REORG_DEPTH_KEPT
        )
        if keep_from > self.follower.start_block and self.derived_through >= self.pruned_at + 100:
            self.follower.prune(keep_from)
            self.node.storage.forget_l1_progress_before(self.derived_through - L1_PROGRESS_KEPT)
            self.pruned_at = self.derived_through

    def update_finalized(self) -> None:
        """Finalized = the newest output that matches our own root and is past its window."""
        candidates = sorted(
            (check for check in self.outputs.values() if check.matches),
            key=lambda check: check.l2_block_number,
            reverse=True,
        )
        for check in candidates:
            if check.l2_block_number <= self.node.finalized_number:
                return
            try:
                (finalized,) = IS_FINALIZED.decode_result(
                    self.follower.client.call(
                        self.output_oracle, IS_FINALIZED.encode(check.output_index)
                    )
                )
            except L1RpcError:  # deleted since we saw it: the next poll reads the deletion
                return
            if finalized:
                self.node.finalized_number = check.l2_block_number
                return

    def roll_back(self, l1_block: int) -> None:
        """Undo every L2 block derived from L1 blocks after `l1_block` (an L1 reorg)."""
        self.undo(l1_block, f"L1 reorg to block {l1_block}")

    def undo(self, l1_block: int, reason: str) -> None:
        """Undo every L2 block derived from L1 blocks after `l1_block`, stored or only executed."""
        keep = self.node.storage.get_l2_head_through_l1(l1_block) or 0
        self.node.storage.forget_l1_progress_after(l1_block)
        self.derived_through = min(self.derived_through, l1_block)
        if keep >= self.deriver.safe_head.number:
            return
        log.warning("%s: rolling L2 back to block %d", reason, keep)
        self.node.rewind(keep)
        self.deriver = self.make_deriver(self.node.state, self.node.head)

    def check_outputs(self, from_l1_block: int | None) -> None:
        """Compare newly seen OutputProposed events, and pending ones, with our own roots; forget
        outputs the OutputOracle deleted (a lost dispute), which are proposed again later."""
        if from_l1_block is not None:
            logs = self.follower.client.get_logs(
                [self.output_oracle],
                [[OUTPUT_PROPOSED_TOPIC, OUTPUTS_DELETED_TOPIC]],
                from_l1_block,
                self.follower.head_number,
            )
            for entry in logs:
                if entry.topics[0] == OUTPUTS_DELETED_TOPIC:
                    deleted = decode_outputs_deleted(entry)
                    for index in [i for i in self.outputs if i >= deleted.new_next_index]:
                        del self.outputs[index]
                    log.warning("outputs %d and later were deleted on L1", deleted.new_next_index)
                    continue
                event = decode_output_proposed(entry)
                self.outputs[event.output_index] = OutputCheck(
                    event.output_index, event.l2_block_number, event.output_root, None
                )
        for check in self.outputs.values():
            if check.computed_root is None and check.l2_block_number <= self.node.head.number:
                header = self.node.storage.get_header(check.l2_block_number)
                if header is not None:
                    check.computed_root = compute_output_root(header)
                    if not check.matches:
                        log.error(
                            "output %d for L2 block %d is WRONG: proposed 0x%s, derived 0x%s",
                            check.output_index,
                            check.l2_block_number,
                            check.proposed_root.hex(),
                            check.computed_root.hex(),
                        )

    def start(self) -> None:
        self.thread = threading.Thread(target=self.derive_forever, name="verifier", daemon=True)
        self.thread.start()

    def derive_forever(self) -> None:
        """Poll L1 and derive until stopped (the verifier's thread)."""
        last_error = None
        failures = 0
        while not self.stop_event.is_set():
            try:
                self.step()
                last_error = None
                failures = 0
            except L1ReorgPastFinality as exc:
                if str(exc) != last_error:
                    log.critical("derivation stopped: %s", exc)
                last_error = str(exc)
                failures += 1
            except Exception as exc:  # keep following L1 through outages, backing off
                if str(exc) != last_error:
                    log.exception("verifier step failed")
                last_error = str(exc)
                failures += 1
            self.stop_event.wait(compute_retry_interval(failures, POLL_INTERVAL))

    def stop(self) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=30)
