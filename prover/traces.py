"""Traces of output ranges and the one-step proofs in them, from a node's storage and L1's inputs.

A dispute player's claims come from traces: the step states of an output range replayed with
rollup.machine (docs/FRAUD_PROOFS.md §1) from the state at the previous output's block; positions
past the last step hold the final state. That state is rebuilt from the node's storage (the
leaves now, undone block by block with the state history: Storage.load_state_at) and checked
against the header's state root; if it does not match, the machine replays the chain from genesis
instead (the reference). The same provider gives the proposer each output's boundary state.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import orjson

from l1.inputs import L1InputSource
from node.storage import Storage, StoredCursor
from rollup.block import Header
from rollup.config import ChainConfig
from rollup.crypto import keccak256
from rollup.genesis import build_genesis
from rollup.machine import (
    BatchCursor,
    BoundaryLocator,
    Machine,
    MachineError,
    StepProof,
    compute_boundary_state,
    make_genesis_step_state,
)
from rollup.output import OUTPUT_VERSION
from rollup.smt import encode_proof
from rollup.state import WITHDRAWALS_KEY, State, compute_tree_key
from rollup.stepstate import StepState

CURSORS_TRIED = 16
"""Kept cursors tried, newest first, before a locator walks from genesis (after a reorg)."""

log = logging.getLogger("rollup.traces")


@dataclass(frozen=True, slots=True)
class OwnOutput:
    """What this node computed for an L2 block: the output it would propose."""

    block_number: int
    step_state: StepState
    withdrawal_root: bytes
    block_hash: bytes

    @property
    def state_root(self) -> bytes:
        return self.step_state.state_root

    @property
    def machine_hash(self) -> bytes:
        return self.step_state.hash

    @property
    def output_root(self) -> bytes:
        return keccak256(OUTPUT_VERSION + self.state_root + self.withdrawal_root + self.block_hash)


@dataclass(slots=True)
class Trace:
    """The step states of a range, from the start state (position 0) to the final one; every
    position past the last step holds the final state."""

    start_block: int
    target_block: int
    states: list[StepState]
    hashes: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.hashes:
            self.hashes = [state.hash for state in self.states]

    @property
    def final(self) -> StepState:
        return self.states[-1]

    @property
    def steps(self) -> int:
        return len(self.states) - 1

    def state_at(self, position: int) -> StepState:
        return self.states[min(position, len(self.states) - 1)]

    def hash_at(self, position: int) -> bytes:
        return self.hashes[min(position, len(self.hashes) - 1)]


@dataclass(frozen=True, slots=True)
class OneStep:
    """A one-step proof from a trace position: the pre-state, its proof, the machine's post."""

    pre: StepState
    proof: StepProof
    post: StepState


class TraceProvider(ABC):
    """A node's view of the chain, as a dispute player needs it."""

    @abstractmethod
    def own_output(self, block_number: int) -> OwnOutput | None:
        """This node's output at `block_number`; None while it does not know that block (or its
        batch is not on L1 yet)."""

    @abstractmethod
    def trace(self, start_block: int, target_block: int, end_hash: bytes | None = None) -> Trace:
        """The trace of the range (start_block, target_block]: the node's own one, or with
        `end_hash` one that ends in it if this provider made such a one (else its own)."""

    @abstractmethod
    def one_step(self, trace: Trace, position: int) -> OneStep:
        """The proof of the step from `trace`'s state at `position`."""

    @abstractmethod
    def withdrawals_proof(self, block_number: int) -> tuple[tuple[int, int], bytes]:
        """The Withdrawals leaf's words at `block_number` and its proof against the state root."""


class NodeTraceProvider(TraceProvider):
    """Traces and proofs from a node's storage (derived or sequenced blocks) and L1's inputs."""

    def __init__(self, storage: Storage, config: ChainConfig, inputs: L1InputSource) -> None:
        self.storage = storage
        self.config = config
        self.inputs = inputs
        self.machine = Machine(config, inputs)
        self.lock = threading.RLock()
        self._traces: dict[tuple[int, int], Trace] = {}
        self._genesis: StepState | None = None
        self._locator: BoundaryLocator | None = None
        self._own: dict[int, OwnOutput] = {}
        self._generation = 0  # of the L1 inputs the caches above were computed from

    # -- own outputs -------------------------------------------------------------------------

    def genesis_step_state(self) -> StepState:
        if self._genesis is None:
            header = self.storage.get_header(0)
            if header is None:
                raise RuntimeError("storage holds no genesis block")
            self._genesis = make_genesis_step_state(self.config, header)
        return self._genesis

    def step_state_at(self, block_number: int) -> StepState | None:
        """The machine's StepState at the end of `block_number` (None while the block is not
        stored, or its batch not on L1, yet)."""
        if block_number == 0:
            return self.genesis_step_state()
        header = self.storage.get_header(block_number)
        if header is None:
            return None
        if self._locator is None:
            self._locator = self.make_locator(block_number)
        try:
            cursor = self._locator.locate(block_number, self.inputs, self.storage.get_header)
        except MachineError:
            return None  # its batch is not on L1 (yet), or L1 derives another chain
        self.keep_cursor(header, cursor)
        tx_count = len(self.storage.get_block_transaction_hashes(block_number))
        queue_index = self.inputs.count_messages_through(header.l1_origin_number)
        return compute_boundary_state(header, tx_count, cursor, queue_index)

    def forget_if_l1_changed(self) -> None:
        """Drop every boundary state and trace if an L1 reorg changed the inputs since: a block
        kept through a reorg can sit in another batch, at another cursor, than before."""
        generation = self.inputs.get_generation()
        if generation != self._generation:
            self._generation = generation
            self._own.clear()
            self._traces.clear()
            self._locator = None  # seeded again from the cursors still valid

    def make_locator(self, block_number: int) -> BoundaryLocator:
        """A locator walking on from the newest kept cursor at or below `block_number` that
        still holds (its block stored, its last opened batch on L1 unchanged), else from
        genesis: locating an output costs what the blocks since the last one cost."""
        genesis = self.storage.get_header(0)
        if genesis is None:
            raise RuntimeError("storage holds no genesis block")
        locator = BoundaryLocator(self.config, genesis)
        for kept in self.storage.get_boundary_cursors(block_number, CURSORS_TRIED):
            header = self.storage.get_header(kept.l2_number)
            if header is None or header.hash != kept.block_hash:
                continue
            if kept.batches_opened > 0:
                batch = self.inputs.get_batch(kept.batches_opened - 1)
                if batch is None or batch.record != kept.batch_record:
                    continue
            cursor = BatchCursor(kept.batches_opened, kept.offset, kept.blocks_left)
            if locator.resume_at(header, cursor, self.inputs):
                break
        return locator

    def keep_cursor(self, header: Header, cursor: BatchCursor) -> None:
        """Store a located cursor with what proves it still applies later (make_locator)."""
        record = b""
        if cursor.batches_opened > 0:
            batch = self.inputs.get_batch(cursor.batches_opened - 1)
            if batch is None:
                return
            record = batch.record
        self.storage.record_boundary_cursor(
            StoredCursor(
                header.number,
                header.hash,
                cursor.batches_opened,
                cursor.offset,
                cursor.blocks_left,
                record,
            )
        )

    def own_output(self, block_number: int) -> OwnOutput | None:
        with self.lock:
            self.forget_if_l1_changed()
            header = self.storage.get_header(block_number)
            if header is None:
                return None
            cached = self._own.get(block_number)
            if cached is not None and cached.block_hash == header.hash:
                return cached  # the same block (no reorg since): the same batch on L1
            step = self.step_state_at(block_number)
            if step is None:
                return None
            own = OwnOutput(block_number, step, header.withdrawal_root, header.hash)
            self._own[block_number] = own
            return own

    def compute_step_state(self, block_number: int) -> StepState:
        """The boundary state of a block the node stores whose batch is on L1 (the proposer's
        node.proposer.ComputeStepState); LookupError otherwise."""
        own = self.own_output(block_number)
        if own is None:
            raise LookupError(f"no boundary state for L2 block {block_number} (not on L1 yet?)")
        return own.step_state

    # -- states ------------------------------------------------------------------------------

    def state_at(self, block_number: int) -> State:
        """A fresh State at the end of `block_number`, checked against its header."""
        header = self.storage.get_header(block_number)
        if header is None:
            raise MachineError(f"block {block_number} is not stored")
        if block_number == 0:
            return self.genesis_state()
        for _ in range(3):
            state = self.storage.load_state_at(block_number)
            if state.root == header.state_root:
                return state
        log.warning(
            "state at block %d from storage does not match its header: replaying", block_number
        )
        return self._replay_state(block_number, header.state_root)

    def genesis_state(self) -> State:
        document = self.storage.get_genesis_document()
        if document is None:
            raise RuntimeError("storage holds no genesis document")
        return build_genesis(orjson.loads(document)).state

    def _replay_state(self, block_number: int, expected_root: bytes) -> State:
        """The reference: the machine's replay of every block from genesis."""
        state = self.genesis_state()
        self.machine.run_to(state, self.genesis_step_state(), block_number)
        if state.root != expected_root:
            raise MachineError(
                f"replaying to block {block_number} gives root 0x{state.root.hex()}, the header "
                f"0x{expected_root.hex()}"
            )
        return state

    def start_of(self, start_block: int) -> tuple[State, StepState]:
        """A fresh State and the StepState at the start of a range (the end of `start_block`)."""
        if start_block == 0:
            return self.state_at(0), self.genesis_step_state()
        own = self.own_output(start_block)
        if own is None:
            raise MachineError(f"no boundary state at block {start_block} yet")
        return self.state_at(start_block), own.step_state

    # -- traces ------------------------------------------------------------------------------

    def honest_trace(self, start_block: int, target_block: int) -> Trace:
        """The node's own trace of the range (cached)."""
        with self.lock:
            self.forget_if_l1_changed()
            key = (start_block, target_block)
            cached = self._traces.get(key)
            if cached is not None:
                return cached
            state, start = self.start_of(start_block)
            started = time.monotonic()
            states = self.machine.run_to(state, start, target_block)
            trace = Trace(start_block, target_block, states)
            log.info(
                "trace of blocks %d..%d: %d steps in %.2f s",
                start_block + 1,
                target_block,
                trace.steps,
                time.monotonic() - started,
            )
            self._traces[key] = trace
            return trace

    def remember_trace(self, trace: Trace) -> None:
        """Keep `trace` as the node's own trace of its range (computed elsewhere)."""
        with self.lock:
            self._traces.setdefault((trace.start_block, trace.target_block), trace)

    def trace(self, start_block: int, target_block: int, end_hash: bytes | None = None) -> Trace:
        return self.honest_trace(start_block, target_block)

    def one_step(self, trace: Trace, position: int) -> OneStep:
        with self.lock:
            state, start = self.start_of(trace.start_block)
            return replay_one_step(self.machine, state, start, trace, position)

    def withdrawals_proof(self, block_number: int) -> tuple[tuple[int, int], bytes]:
        with self.lock:
            state = self.state_at(block_number)
            count, root = state.get(WITHDRAWALS_KEY)
            proof = encode_proof(state.tree.prove(compute_tree_key(WITHDRAWALS_KEY)))
            return (int(count), int(root)), proof


def replay_one_step(
    machine: Machine, state: State, start: StepState, trace: Trace, position: int
) -> OneStep:
    """The step at `position` of `trace` (past its end: the final no-op), replayed by `machine`
    from the range's start (`state`, mutated, and `start`); raises MachineError unless the replay
    reaches the trace's own state there."""
    position = min(position, trace.steps)
    pre = start
    for _ in range(position):
        pre, _ = machine.execute_step(state, pre, trace.target_block)
    if pre != trace.state_at(position):
        raise MachineError(f"replay does not reach the trace's state at {position}")
    post, proof = machine.execute_step(state, pre, trace.target_block)
    return OneStep(pre, proof, post)
