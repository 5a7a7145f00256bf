"""Sequencers that break a derivation rule (docs/SETTLEMENT.md §5), and the step machines that
claim the rule does not exist (`rollup sequencer --fault KIND`).

Each kind has two halves. The faulty sequencer (or its batcher) really breaks the rule on L1: its
blocks or batches are ones derivation treats otherwise than the sequencer does. Its proposer and
defender then replay the range with a step machine that ignores the rule, which gives exactly the
sequencer's own chain; the honest verifier's machine keeps the rule, the two traces part at the
step where the rule applies, and the one-step proof on L1 sides with the rule.

- future-timestamp: every block holding a transaction is stamped FUTURE_JUMP (a year) after its
  parent, far past `maxDrift`; interest accrues for that year, and a borrower can be liquidated
  in a chain that derivation never gives. The machine does not clamp timestamps from above.
- stale-origin: from its first block holding a transaction, the sequencer never advances its L1
  origin, so deposits and forced transactions queued after that never enter its chain. The
  machine never appends deposit-only blocks when the sequencer window lapses.
- bad-parent: the first batch holding a transaction names another parent hash. The machine
  opens a batch on its first block number alone.
- garbage-tail: the first batch holding a transaction ends with a block whose transaction does
  not decode. Derivation keeps that block (empty: its transactions end at the unreadable one);
  the machine drops a block whose transactions do not all read.

A faulty chain is not the one derivation gives from the first broken rule on, so the first output
it covers is wrong and every later one would be too. The faulty proposer bonds that one, defends
it, loses, and proposes nothing more; the rollup goes on without it (an honest verifier proposes
once the proposal timeout has passed: docs/SETTLEMENT.md §1).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

from node.chain import Node
from node.proposer import OutputSource, ProposedOutput
from prover.traces import (
    NodeTraceProvider,
    OneStep,
    OwnOutput,
    Trace,
    TraceProvider,
    replay_one_step,
)
from rollup.batch import (
    BATCH_VERSION,
    Batch,
    BatchBlock,
    InvalidBatch,
    PayloadHeader,
    compress_payload,
    encode_payload,
    read_block_header,
    read_transaction,
)
from rollup.block import Header
from rollup.config import ChainConfig
from rollup.crypto import keccak256
from rollup.deposit import QueuedMessage
from rollup.derivation import L1BlockData, clamp_timestamp
from rollup.machine import (
    EMPTY_WITNESS,
    BatchRecord,
    L1Inputs,
    Machine,
    StepProof,
    encode_batch_input,
)
from rollup.state import WITHDRAWALS_KEY
from rollup.stepstate import StepState
from sequencer.batcher import Batcher
from sequencer.role import Sequencer

log = logging.getLogger("rollup.faults")

FUTURE_TIMESTAMP = "future-timestamp"
STALE_ORIGIN = "stale-origin"
BAD_PARENT = "bad-parent"
GARBAGE_TAIL = "garbage-tail"

RULE_KINDS = (FUTURE_TIMESTAMP, STALE_ORIGIN, BAD_PARENT, GARBAGE_TAIL)

FUTURE_JUMP = 365 * 86_400
"""How far past its parent a future-timestamp block is stamped: a year."""

UNREADABLE_TX_TYPE = 0x07
"""A transaction type byte no transaction has: the garbage-tail block's transaction."""


# -- the machines that claim a rule does not exist ---------------------------------------------


class RuleBreakingMachine(Machine):
    """A step machine that ignores one derivation rule; `deviations` counts the steps at which
    ignoring it changed the outcome (zero: the range is what the honest machine gives)."""

    def __init__(self, config: ChainConfig, inputs: L1Inputs) -> None:
        super().__init__(config, inputs)
        self.deviations = 0


class UnboundedTimeMachine(RuleBreakingMachine):
    """Block timestamps are not clamped to `maxDrift` after the L1 block carrying their batch."""

    def clamp_block_timestamp(self, timestamp: int, carrier_timestamp: int) -> int:
        honest = clamp_timestamp(timestamp, carrier_timestamp, self.config)
        claimed = max(timestamp, honest)  # the lower bound (maxLag) still holds
        if claimed != honest:
            self.deviations += 1
        return claimed


class WindowlessMachine(RuleBreakingMachine):
    """The sequencer window never lapses: no deposit-only blocks."""

    def is_deposit_only_block_due(self, step: StepState, batch: BatchRecord | None) -> bool:
        # Without a batch to open instead, this machine waits for the sequencer's next one.
        if batch is not None and super().is_deposit_only_block_due(step, batch):
            self.deviations += 1
        return False


class ParentlessMachine(RuleBreakingMachine):
    """A batch is opened on its first block number alone, whatever parent hash it names."""

    def batch_follows(self, header: PayloadHeader, step: StepState) -> bool:
        follows = header.first_block_number == step.block_number + 1
        if follows and header.parent_hash != step.block_hash:
            self.deviations += 1
        return follows


class WholeBlocksMachine(RuleBreakingMachine):
    """A block whose transactions do not all read is not derived: the batch ends before it."""

    def step_batch_block(self, step: StepState) -> tuple[StepState, StepProof]:
        batch, header, payload = self.load_batch(step.batches_opened - 1)
        if header is not None and not reads_whole_block(payload, step.offset, header, self.config):
            self.deviations += 1
            return step._replace(blocks_left=0), StepProof(encode_batch_input(batch), EMPTY_WITNESS)
        return super().step_batch_block(step)


def reads_whole_block(
    payload: bytes, offset: int, header: PayloadHeader, config: ChainConfig
) -> bool:
    """Whether the block at `offset` reads, header and every transaction (a block header that
    does not read counts as whole: the batch ends there for both machines)."""
    try:
        _, _, count, offset = read_block_header(payload, offset)
    except InvalidBatch:
        return True
    try:
        for _ in range(count):
            _, offset = read_transaction(payload, offset, header.dictionary, config.chain_id)
    except InvalidBatch:
        return False
    return True


RULE_MACHINES: dict[str, type[RuleBreakingMachine]] = {
    FUTURE_TIMESTAMP: UnboundedTimeMachine,
    STALE_ORIGIN: WindowlessMachine,
    BAD_PARENT: ParentlessMachine,
    GARBAGE_TAIL: WholeBlocksMachine,
}


# -- the sequencers and batchers that break it on L1 -------------------------------------------


class TimeJumpingSequencer(Sequencer):
    """Stamps every block holding a transaction FUTURE_JUMP seconds after its parent."""

    def bound_timestamp(self, timestamp: int, origin: L1BlockData | None) -> int:
        if self.mempool.select(self.node.get_state_nonce, 1):
            jumped = self.node.head.timestamp + FUTURE_JUMP
            log.warning("FAULT: stamping block %d at %d", self.node.head.number + 1, jumped)
            return jumped
        return super().bound_timestamp(timestamp, origin)


class StaleOriginSequencer(Sequencer):
    """From its first block holding a transaction, never advances its L1 origin."""

    def __init__(self, node: Node, block_time: float | None = 1.0) -> None:
        super().__init__(node, block_time)
        self.frozen = False

    def select_l1_origin(self, timestamp: int) -> tuple[int, list[QueuedMessage]]:
        if not self.frozen and self.mempool.select(self.node.get_state_nonce, 1):
            self.frozen = True
            log.warning(
                "FAULT: the L1 origin stays at %d from block %d on",
                self.node.head.l1_origin_number,
                self.node.head.number + 1,
            )
        if self.frozen:
            return self.node.head.l1_origin_number, []
        return super().select_l1_origin(timestamp)


class OnceFaultyBatcher(Batcher):
    """Posts the first batch holding a transaction broken by `break_batch` (which `breakage`
    describes), the rest as is."""

    broken = False
    breakage = ""

    def pack(self, batch: Batch) -> tuple[Batch, bytes]:
        packed, data = super().pack(batch)
        if self.broken or packed.transaction_count == 0:
            return packed, data
        self.broken = True
        log.warning(
            "FAULT: posting blocks %d-%d %s",
            packed.first_block_number,
            packed.first_block_number + len(packed.blocks) - 1,
            self.breakage,
        )
        return packed, self.break_batch(packed)

    def break_batch(self, batch: Batch) -> bytes:
        raise NotImplementedError


class ParentForgingBatcher(OnceFaultyBatcher):
    """The broken batch names a parent hash that is not its first block's parent's."""

    breakage = "with another parent hash"

    def break_batch(self, batch: Batch) -> bytes:
        return forge_parent(batch)


def forge_parent(batch: Batch) -> bytes:
    """The L1 bytes of `batch` naming another parent hash."""
    forged = keccak256(b"bad-parent" + batch.parent_hash)
    return compress_payload(encode_payload(replace(batch, parent_hash=forged)))


class TailGarblingBatcher(OnceFaultyBatcher):
    """The broken batch ends with one more block, whose single transaction does not decode."""

    breakage = "followed by a block that does not decode"

    def break_batch(self, batch: Batch) -> bytes:
        return append_unreadable_block(batch)


def append_unreadable_block(batch: Batch) -> bytes:
    """The L1 bytes of `batch` with one more block (the last one's timestamp and origin) holding
    one transaction whose type byte is UNREADABLE_TX_TYPE.

    The transaction is a copy of the batch's last one, so the dictionary does not change; it is
    encoded after everything else, so it starts where the payload of the batch with an empty
    extra block ends (the block's transaction count takes one byte either way).
    """
    last_block = batch.blocks[-1]
    copied = next(tx for block in reversed(batch.blocks) for tx in reversed(block.transactions))
    empty = BatchBlock(last_block.timestamp, last_block.l1_origin_number, ())
    start = len(encode_payload(replace(batch, blocks=(*batch.blocks, empty))))
    garbled = bytearray(
        encode_payload(
            replace(batch, blocks=(*batch.blocks, replace(empty, transactions=(copied,))))
        )
    )
    garbled[start] = UNREADABLE_TX_TYPE
    data = compress_payload(bytes(garbled))
    assert data[0] == BATCH_VERSION
    return data


RULE_SEQUENCERS: dict[str, type[Sequencer]] = {
    FUTURE_TIMESTAMP: TimeJumpingSequencer,
    STALE_ORIGIN: StaleOriginSequencer,
}
RULE_BATCHERS: dict[str, type[Batcher]] = {
    BAD_PARENT: ParentForgingBatcher,
    GARBAGE_TAIL: TailGarblingBatcher,
}


# -- the proposer's outputs and the defender's traces -------------------------------------------


class RuleBreakingOutputs(OutputSource, TraceProvider):
    """Outputs and traces of the faulty chain: ranges replayed by the kind's rule-breaking
    machine from the node's own states. Proposes until it has proposed the first range in which
    the rule made a difference, then nothing."""

    def __init__(self, honest: NodeTraceProvider, kind: str) -> None:
        self.honest = honest
        self.kind = kind
        self.machine = RULE_MACHINES[kind](honest.config, honest.inputs)
        self.lock = threading.RLock()
        self.retired = False
        self._traces: dict[tuple[int, int], tuple[Trace, bytes, bool]] = {}

    def faulty_trace(self, start_block: int, target_block: int) -> tuple[Trace, bytes, bool]:
        """The range's trace by the rule-breaking machine, its final withdrawal root, and whether
        the broken rule changed it (cached)."""
        with self.lock:
            key = (start_block, target_block)
            cached = self._traces.get(key)
            if cached is not None:
                return cached
            state, start = self.honest.start_of(start_block)
            before = self.machine.deviations
            states = self.machine.run_to(state, start, target_block)
            root = state.get(WITHDRAWALS_KEY).root.to_bytes(32, "big")
            entry = (
                Trace(start_block, target_block, states),
                root,
                self.machine.deviations > before,
            )
            self._traces[key] = entry
            return entry

    # -- OutputSource (the proposer) ---------------------------------------------------------

    def get_output(self, start_block: int, header: Header) -> ProposedOutput | None:
        with self.lock:
            if self.retired:
                return None
            trace, withdrawal_root, broken = self.faulty_trace(start_block, header.number)
            if broken:
                self.retired = True
                log.warning(
                    "FAULT: proposing block %d as the %s sequencer's chain has it (state root "
                    "0x%s), ignoring the rule; no output after it",
                    header.number,
                    self.kind,
                    trace.final.state_root.hex(),
                )
            return ProposedOutput(trace.final, withdrawal_root)

    # -- TraceProvider (the defender) --------------------------------------------------------

    def own_output(self, block_number: int) -> OwnOutput | None:
        return self.honest.own_output(block_number)

    def trace(self, start_block: int, target_block: int, end_hash: bytes | None = None) -> Trace:
        trace, _, _ = self.faulty_trace(start_block, target_block)
        return trace

    def one_step(self, trace: Trace, position: int) -> OneStep:
        with self.lock:
            state, start = self.honest.start_of(trace.start_block)
            return replay_one_step(self.machine, state, start, trace, position)

    def withdrawals_proof(self, block_number: int) -> tuple[tuple[int, int], bytes]:
        return self.honest.withdrawals_proof(block_number)
