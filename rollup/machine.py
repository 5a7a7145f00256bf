"""The step machine: an output range replayed one step at a time (docs/FRAUD_PROOFS.md §1).

This is the Python half of the fraud-proof contract. `execute_step` advances a StepState by one
step over a State, exactly as contracts/src/prover/OneStepProver.sol does on L1, and returns what
that contract needs to check it: the step's L1 input and its witness. A dispute player uses it to
compute the claims it bisects over and the one-step proof it finally submits.

The steps are derivation (rollup.derivation) and execution together, read one piece at a time:
opening a batch on the chain's last block, or appending a deposit-only block when the sequencer
window has lapsed; starting a block of the batch (its origin bounded by the L1 block that carried
the batch, its timestamp clamped around that block's time); applying one queue message; running
one transaction. Whatever derivation derives, the machine reaches, step by step.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from eth_abi.abi import encode as abi_encode

from rollup.batch import (
    InvalidBatch,
    PayloadHeader,
    ReadBatch,
    decompress_batch,
    read_batch,
    read_block_header,
    read_payload_header,
    read_transaction,
)
from rollup.block import (
    Header,
    compute_block_hash,
    extend_transactions_root,
    recover_forced_transaction,
)
from rollup.config import ChainConfig
from rollup.crypto import keccak256
from rollup.deposit import (
    InvalidMessage,
    QueuedMessage,
    apply_deposit,
    compute_deposit_hash,
    decode_message,
)
from rollup.derivation import clamp_timestamp, recover_transaction
from rollup.execution import InvalidBlockTransaction, TransactionOutcome, process_transaction
from rollup.fixedpoint import ArithmeticOverflow
from rollup.gas import compute_base_fee
from rollup.state import Overlay, State
from rollup.stepstate import PHASE_BLOCK_START, PHASE_MESSAGES, PHASE_TXS, StepState
from rollup.system.context import BlockEnvironment
from rollup.transaction import Transaction
from rollup.witness import WITNESS_ABI_TYPE, run_with_witness

EMPTY_WITNESS = abi_encode([WITNESS_ABI_TYPE], [([], [], [])])
ZERO_HASH = bytes(32)


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """A batch as the BatchInbox records it: its bytes, and the number and timestamp of the L1
    block that appended it."""

    data: bytes
    l1_block_number: int
    l1_timestamp: int

    @property
    def record(self) -> bytes:
        """BatchInbox.batchRecords(i): keccak256(abi.encode(keccak256(data), uint64 number,
        uint64 timestamp))."""
        return compute_batch_record(keccak256(self.data), self.l1_block_number, self.l1_timestamp)


def compute_batch_record(batch_hash: bytes, l1_block_number: int, l1_timestamp: int) -> bytes:
    return keccak256(
        batch_hash + l1_block_number.to_bytes(32, "big") + l1_timestamp.to_bytes(32, "big")
    )


class L1Inputs(ABC):
    """What the machine reads from L1: batch records and queue messages by index, and the L1
    clock."""

    @abstractmethod
    def get_batch(self, index: int) -> BatchRecord | None:
        """Batch `index` as recorded, or None if the BatchInbox has no such batch yet."""

    @abstractmethod
    def get_message(self, queue_index: int) -> QueuedMessage | None:
        """Queue message `queue_index`, or None if not queued yet."""

    @abstractmethod
    def get_l1_clock(self) -> int:
        """The newest complete L1 block (the bound of deposit-only blocks past the last batch)."""


@dataclass(frozen=True, slots=True)
class StepProof:
    """What the one-step prover takes besides the pre-state: the L1 input and the witness."""

    input: bytes
    witness: bytes


class MachineError(RuntimeError):
    """The machine cannot step: an input it needs is not on L1."""


def make_genesis_step_state(config: ChainConfig, genesis_header: Header) -> StepState:
    """The StepState of the genesis block (the start of output 0's range)."""
    return StepState(
        state_root=genesis_header.state_root,
        block_hash=genesis_header.hash,
        block_number=0,
        timestamp=config.genesis_timestamp,
        l1_origin_number=config.l1_origin_number,
        base_fee=config.genesis_base_fee,
    )


def encode_batch_input(batch: BatchRecord) -> bytes:
    """abi.encode(bytes batch, uint64 N, uint64 T): the input of a step inside a batch."""
    return abi_encode(
        ["bytes", "uint64", "uint64"], [batch.data, batch.l1_block_number, batch.l1_timestamp]
    )


def encode_message_input(message: QueuedMessage | None) -> bytes:
    """The message's abi.encode(kind, n, t, payload), or empty bytes when there is none."""
    return b"" if message is None else message.encode()


def encode_between_input(batch: BatchRecord | None, message: QueuedMessage | None) -> bytes:
    """abi.encode(bytes batch, uint64 N, uint64 T, bytes message): the input of a step between
    batches, with empty bytes and zeros for what does not exist."""
    data, number, timestamp = (
        (b"", 0, 0) if batch is None else (batch.data, batch.l1_block_number, batch.l1_timestamp)
    )
    return abi_encode(
        ["bytes", "uint64", "uint64", "bytes"],
        [data, number, timestamp, encode_message_input(message)],
    )


def end_block(step: StepState, config: ChainConfig) -> StepState:
    """The block in progress ends: its hash becomes `block_hash`, the phase BLOCK_START."""
    return step._replace(
        block_hash=compute_block_hash(
            step.block_hash,
            step.block_number,
            step.timestamp,
            step.l1_origin_number,
            step.state_root,
            step.transactions_root,
            config.block_gas_limit,
            step.gas_used,
            step.base_fee,
        ),
        phase=PHASE_BLOCK_START,
    )


def start_block(step: StepState, config: ChainConfig, timestamp: int, origin: int) -> StepState:
    """The next block starts on top of the one `step` finished."""
    return step._replace(
        base_fee=compute_base_fee(config, step.base_fee, step.gas_used),
        block_number=step.block_number + 1,
        timestamp=timestamp,
        l1_origin_number=origin,
        gas_used=0,
        tx_count=0,
        transactions_root=ZERO_HASH,
    )


class Machine:
    """Steps a State through an output range; caches read batches."""

    def __init__(self, config: ChainConfig, inputs: L1Inputs) -> None:
        self.config = config
        self.inputs = inputs
        self._payloads: dict[int, tuple[BatchRecord, PayloadHeader | None, bytes]] = {}

    def execute_step(
        self, state: State, step: StepState, target_block: int
    ) -> tuple[StepState, StepProof]:
        """Advance `step` by one step, mutating `state`; return the new StepState and the proof."""
        if step.state_root != state.root:
            raise MachineError("the state does not match the step state's root")
        if step.is_final(target_block):
            return step, StepProof(b"", EMPTY_WITNESS)
        if step.phase == PHASE_BLOCK_START and step.blocks_left == 0:
            return self.step_between_batches(step)
        if step.phase == PHASE_BLOCK_START:
            return self.step_batch_block(step)
        if step.phase == PHASE_MESSAGES:
            return self.step_message(state, step)
        if step.phase == PHASE_TXS:
            return self.step_batch_transaction(state, step)
        raise MachineError(f"unknown phase {step.phase}")

    def run_to(
        self, state: State, step: StepState, target_block: int, max_steps: int = 10_000_000
    ) -> list[StepState]:
        """Every StepState from `step` (included) to the final one of `target_block`."""
        trace = [step]
        while not step.is_final(target_block):
            if len(trace) > max_steps:
                raise MachineError("range longer than max_steps")
            step, _ = self.execute_step(state, step, target_block)
            trace.append(step)
        return trace

    # -- inputs ------------------------------------------------------------------------------

    def load_batch(self, index: int) -> tuple[BatchRecord, PayloadHeader | None, bytes]:
        """Batch `index` with its payload header and payload (None and empty if they do not
        read)."""
        cached = self._payloads.get(index)
        if cached is not None:
            return cached
        batch = self.inputs.get_batch(index)
        if batch is None:
            raise MachineError(f"batch {index} is not on L1")
        header: PayloadHeader | None
        try:
            payload = decompress_batch(batch.data)
            header = read_payload_header(payload)
        except InvalidBatch:
            payload, header = b"", None
        entry = (batch, header, payload)
        self._payloads[index] = entry
        return entry

    # -- steps -------------------------------------------------------------------------------

    def is_deposit_only_block_due(self, step: StepState, batch: BatchRecord | None) -> bool:
        """Whether the sequencer window has lapsed before batch `batch` (or, with none, by the L1
        clock): the next block is then one derivation appends itself."""
        bound = batch.l1_block_number - 1 if batch is not None else self.inputs.get_l1_clock()
        return step.l1_origin_number + self.config.sequencer_window < bound

    def step_between_batches(self, step: StepState) -> tuple[StepState, StepProof]:
        """Step 1: a deposit-only block starts, or batch `batches_opened` is opened."""
        index = step.batches_opened
        batch = self.inputs.get_batch(index)
        message = self.inputs.get_message(step.queue_index)
        proof = StepProof(encode_between_input(batch, message), EMPTY_WITNESS)
        if self.is_deposit_only_block_due(step, batch):
            origin = step.l1_origin_number + 1
            timestamp = step.timestamp
            if message is not None and message.l1_block_number == origin:
                timestamp = max(timestamp, message.l1_timestamp)
            new = start_block(step, self.config, timestamp, origin)._replace(
                txs_left=0, blocks_left=0, offset=0, phase=PHASE_MESSAGES
            )
            return new, proof
        if batch is None:
            raise MachineError(f"batch {index} is not on L1")
        _, header, _ = self.load_batch(index)
        opened = step._replace(batches_opened=index + 1, offset=0, blocks_left=0)
        if header is not None and self.batch_follows(header, step):
            opened = opened._replace(offset=header.body_offset, blocks_left=header.block_count)
        return opened, proof

    def batch_follows(self, header: PayloadHeader, step: StepState) -> bool:
        """Whether a batch with this payload header extends the block `step` has finished: its
        first block is the next one and its parent hash that block's hash."""
        return (
            header.first_block_number == step.block_number + 1
            and header.parent_hash == step.block_hash
        )

    def clamp_block_timestamp(self, timestamp: int, carrier_timestamp: int) -> int:
        """A batch block's timestamp, bounded around the L1 block carrying its batch."""
        return clamp_timestamp(timestamp, carrier_timestamp, self.config)

    def step_batch_block(self, step: StepState) -> tuple[StepState, StepProof]:
        """Step 2: the next block of the batch starts (or the batch ends)."""
        batch, _, payload = self.load_batch(step.batches_opened - 1)
        proof = StepProof(encode_batch_input(batch), EMPTY_WITNESS)
        try:
            time_delta, origin_delta, tx_count, offset = read_block_header(payload, step.offset)
        except InvalidBatch:
            return step._replace(blocks_left=0), proof
        origin = step.l1_origin_number + origin_delta
        if origin > batch.l1_block_number:
            return step._replace(blocks_left=0), proof
        timestamp = self.clamp_block_timestamp(step.timestamp + time_delta, batch.l1_timestamp)
        new = start_block(step, self.config, timestamp, origin)._replace(
            offset=offset, blocks_left=step.blocks_left - 1, txs_left=tx_count
        )
        if origin_delta > 0:
            return new._replace(phase=PHASE_MESSAGES), proof
        if tx_count > 0:
            return new._replace(phase=PHASE_TXS), proof
        return end_block(new, self.config), proof

    def _environment(self, step: StepState) -> BlockEnvironment:
        return BlockEnvironment(
            number=step.block_number,
            timestamp=step.timestamp,
            base_fee=step.base_fee,
            chain_id=self.config.chain_id,
        )

    def _end_phase(self, step: StepState) -> StepState:
        if step.txs_left > 0:
            return step._replace(phase=PHASE_TXS)
        return end_block(step, self.config)

    def step_message(self, state: State, step: StepState) -> tuple[StepState, StepProof]:
        """Step 3: queue message `queue_index` is applied, or the messages of the block end."""
        message = self.inputs.get_message(step.queue_index)
        if message is None or message.l1_block_number > step.l1_origin_number:
            proof = StepProof(encode_message_input(message), EMPTY_WITNESS)
            return self._end_phase(step), proof
        environment = self._environment(step)

        def run(overlay: Overlay) -> tuple[bytes, int, int] | None:
            """(hash, status, gas) of the message's transaction if it is included."""
            try:
                decoded = decode_message(message)
            except InvalidMessage:
                return None
            if isinstance(decoded, bytes):
                signed = recover_forced_transaction(decoded)
                if signed is None:
                    return None
                outcome = self._run_transaction(overlay, step, signed.tx, signed.sender)
                if outcome is None:
                    return None
                return signed.hash, outcome.status, outcome.gas_used
            deposit_state = Overlay(overlay)
            try:
                apply_deposit(deposit_state, environment, decoded, message.queue_index)
            except ArithmeticOverflow:
                return None
            deposit_state.commit()
            return compute_deposit_hash(message.queue_index, message.hash), 1, 0

        witnessed = run_with_witness(state, run)
        new = step._replace(state_root=witnessed.post_root, queue_index=step.queue_index + 1)
        new = include_transaction(new, witnessed.result)
        return new, StepProof(encode_message_input(message), witnessed.witness)

    def _run_transaction(
        self, overlay: Overlay, step: StepState, tx: Transaction, sender: bytes
    ) -> TransactionOutcome | None:
        if step.tx_count >= self.config.max_transactions_per_block:
            return None
        try:
            return process_transaction(
                overlay,
                self._environment(step),
                self.config,
                tx,
                sender,
                self.config.block_gas_limit - step.gas_used,
            )
        except InvalidBlockTransaction:
            return None

    def step_batch_transaction(self, state: State, step: StepState) -> tuple[StepState, StepProof]:
        """Step 4: the transaction at the cursor runs (or, if it does not read, the block and the
        batch end)."""
        batch, header, payload = self.load_batch(step.batches_opened - 1)
        assert header is not None  # a batch whose header does not read has no blocks
        proof_input = encode_batch_input(batch)
        try:
            tx, offset = read_transaction(
                payload, step.offset, header.dictionary, self.config.chain_id
            )
        except InvalidBatch:
            ended = step._replace(txs_left=0, blocks_left=0)
            return end_block(ended, self.config), StepProof(proof_input, EMPTY_WITNESS)
        recovered = recover_transaction(tx)

        def run(overlay: Overlay) -> tuple[bytes, int, int] | None:
            if recovered is None:
                return None
            sender, tx_hash, _ = recovered
            outcome = self._run_transaction(overlay, step, tx, sender)
            if outcome is None:
                return None
            return tx_hash, outcome.status, outcome.gas_used

        witnessed = run_with_witness(state, run)
        new = step._replace(
            state_root=witnessed.post_root, offset=offset, txs_left=step.txs_left - 1
        )
        new = include_transaction(new, witnessed.result)
        new = new._replace(phase=PHASE_TXS) if new.txs_left > 0 else end_block(new, self.config)
        return new, StepProof(proof_input, witnessed.witness)


def include_transaction(step: StepState, included: tuple[bytes, int, int] | None) -> StepState:
    """Count an included transaction (hash, status, gas) into the block in progress."""
    if included is None:
        return step
    tx_hash, status, gas_used = included
    return step._replace(
        gas_used=step.gas_used + gas_used,
        tx_count=step.tx_count + 1,
        transactions_root=extend_transactions_root(
            step.transactions_root, tx_hash, status, gas_used
        ),
    )


# -- boundary states ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BatchCursor:
    """Where the machine's batch cursor stands at the end of a block."""

    batches_opened: int
    offset: int
    blocks_left: int


@dataclass(slots=True)
class _Position:
    """How far a BoundaryLocator has walked: the last block located, the next batch to open, and
    the batch being read (with the index of its next block), if any."""

    head: Header
    next_batch: int = 0
    reading: ReadBatch | None = None
    carrier: int = 0
    next_block: int = 0


class BoundaryLocator:
    """The machine's batch cursor at the end of each block of a chain, without executing it.

    It walks batches and deposit-only blocks exactly as the steps do (open, start, end), checking
    each block it passes against the chain's stored header (`get_header`): the same origin, and a
    parent hash that opens the batch. It resumes from where it stopped (after checking that block
    is still the stored one), so locating the blocks of successive outputs costs what the new
    blocks and batches cost, not the whole chain again.
    """

    def __init__(self, config: ChainConfig, genesis: Header, keep: int = 100_000) -> None:
        self.config = config
        self.genesis = genesis
        self.keep = keep
        self.located: dict[int, BatchCursor] = {0: BatchCursor(0, 0, 0)}
        self.position = _Position(genesis)

    def reset(self) -> None:
        self.located = {0: BatchCursor(0, 0, 0)}
        self.position = _Position(self.genesis)

    def resume_at(self, header: Header, cursor: BatchCursor, inputs: L1Inputs) -> bool:
        """Walk on from block `header`, whose cursor was located before (and kept by the node),
        instead of from genesis; False, changing nothing, if L1 no longer has the batch that
        cursor was reading. The caller vouches that `header` and `cursor` belong together."""
        position = _Position(header, next_batch=cursor.batches_opened)
        if cursor.blocks_left > 0:
            batch = inputs.get_batch(cursor.batches_opened - 1)
            read = read_batch(batch.data, self.config.chain_id) if batch is not None else None
            if batch is None or read is None or read.header.block_count < cursor.blocks_left:
                return False
            position.reading = read
            position.carrier = batch.l1_block_number
            position.next_block = read.header.block_count - cursor.blocks_left
        self.position = position
        self.located = {header.number: cursor}
        return True

    def locate(
        self, number: int, inputs: L1Inputs, get_header: Callable[[int], Header | None]
    ) -> BatchCursor:
        """The cursor at the end of block `number`; MachineError if the chain's stored blocks
        are not what L1 derives, or L1 does not reach it yet."""
        if number in self.located:
            return self.located[number]
        head = self.position.head
        if get_header(head.number) != head:
            self.reset()  # the stored chain changed under us (an L1 reorg): walk again
        if number < self.position.head.number:
            self.reset()
        while self.position.head.number < number:
            self._advance(inputs, get_header)
        return self.located[number]

    def _record(self, header: Header, cursor: BatchCursor) -> None:
        self.position.head = header
        self.located[header.number] = cursor
        if len(self.located) > self.keep:
            for old in sorted(self.located)[: len(self.located) - self.keep]:
                del self.located[old]

    def _next_header(self, get_header: Callable[[int], Header | None], origin: int) -> Header:
        head = self.position.head
        header = get_header(head.number + 1)
        if header is None:
            raise MachineError(f"block {head.number + 1} is not stored yet")
        if header.parent_hash != head.hash or header.l1_origin_number != origin:
            raise MachineError(
                f"stored block {header.number} is not the block L1 derives (origin "
                f"{header.l1_origin_number}, expected {origin})"
            )
        return header

    def _advance(self, inputs: L1Inputs, get_header: Callable[[int], Header | None]) -> None:
        """Pass one step of the walk: a block, or a batch opened or skipped."""
        position = self.position
        head = position.head
        reading = position.reading
        if reading is not None:
            index = position.next_block
            if index < len(reading.blocks):
                block = reading.blocks[index]
                origin = head.l1_origin_number + block.origin_delta
                if origin <= position.carrier:
                    header = self._next_header(get_header, origin)
                    position.next_block = index + 1
                    ended = not block.complete
                    blocks_left = 0 if ended else reading.header.block_count - (index + 1)
                    self._record(
                        header, BatchCursor(position.next_batch, block.end_offset, blocks_left)
                    )
                    if ended:
                        position.reading = None
                    return
            position.reading = None  # the batch ends: its next block does not read or is late
            return
        batch = inputs.get_batch(position.next_batch)
        bound = batch.l1_block_number - 1 if batch is not None else inputs.get_l1_clock()
        if head.l1_origin_number + self.config.sequencer_window < bound:
            header = self._next_header(get_header, head.l1_origin_number + 1)
            self._record(header, BatchCursor(position.next_batch, 0, 0))
            return
        if batch is None:
            raise MachineError(f"block {head.number + 1} is in no batch on L1 yet")
        position.next_batch += 1
        read = read_batch(batch.data, self.config.chain_id)
        if (
            read is not None
            and read.header.first_block_number == head.number + 1
            and read.header.parent_hash == head.hash
        ):
            position.reading = read
            position.carrier = batch.l1_block_number
            position.next_block = 0


def compute_boundary_state(
    header: Header,
    tx_count: int,
    cursor: BatchCursor,
    queue_index: int,
) -> StepState:
    """The StepState at the end of block `header` (docs/FRAUD_PROOFS.md §1), from its header,
    its number of included transactions, the batch cursor there (BoundaryLocator) and the number
    of queue messages its origin has brought in (those queued at or before it)."""
    return StepState(
        state_root=header.state_root,
        block_hash=header.hash,
        block_number=header.number,
        timestamp=header.timestamp,
        l1_origin_number=header.l1_origin_number,
        base_fee=header.base_fee,
        gas_used=header.gas_used,
        tx_count=tx_count,
        transactions_root=header.transactions_root,
        queue_index=queue_index,
        batches_opened=cursor.batches_opened,
        offset=cursor.offset,
        blocks_left=cursor.blocks_left,
        txs_left=0,
        phase=PHASE_BLOCK_START,
    )
