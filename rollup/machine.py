"""The step machine: an output range replayed one step at a time (docs/FRAUD_PROOFS.md §1).

This is the Python half of the fraud-proof contract. `execute_step` advances a StepState by one
step over a State, exactly as contracts/src/prover/OneStepProver.sol does on L1, and returns what
that contract needs to check it: the step's L1 input and its witness. A dispute player uses it to
compute the claims it bisects over and the one-step proof it finally submits.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi.abi import encode as abi_encode

from rollup.batch import (
    InvalidBatch,
    PayloadHeader,
    decompress_batch,
    read_block_header,
    read_payload_header,
    read_transaction,
)
from rollup.block import recover_forced_transaction
from rollup.config import ChainConfig
from rollup.deposit import InvalidMessage, QueuedMessage, apply_deposit, decode_message
from rollup.execution import InvalidBlockTransaction, TransactionOutcome, process_transaction
from rollup.fixedpoint import ArithmeticOverflow
from rollup.gas import compute_base_fee
from rollup.state import Overlay, State
from rollup.stepstate import PHASE_BLOCK_START, PHASE_MESSAGES, PHASE_TXS, StepState
from rollup.system.context import BlockEnvironment
from rollup.transaction import InvalidTransaction, Transaction, recover_sender
from rollup.witness import WITNESS_ABI_TYPE, run_with_witness

EMPTY_WITNESS = abi_encode([WITNESS_ABI_TYPE], [([], [], [])])


class L1Inputs(ABC):
    """What the machine reads from L1: BatchInbox batches and Bridge queue messages, by index."""

    @abstractmethod
    def get_batch(self, index: int) -> bytes | None:
        """Batch `index` as posted, or None if the BatchInbox has no such batch yet."""

    @abstractmethod
    def get_message(self, queue_index: int) -> QueuedMessage | None:
        """Queue message `queue_index`, or None if not queued yet."""


@dataclass(frozen=True, slots=True)
class StepProof:
    """What the one-step prover takes besides the pre-state: the L1 input and the witness."""

    input: bytes
    witness: bytes


class MachineError(RuntimeError):
    """The machine cannot step: an input it needs is not on L1."""


def make_genesis_step_state(config: ChainConfig, genesis_root: bytes) -> StepState:
    """The StepState of the genesis block (the start of output 0's range)."""
    return StepState(
        state_root=genesis_root,
        block_number=0,
        timestamp=config.genesis_timestamp,
        l1_origin_number=config.l1_origin_number,
        base_fee=config.genesis_base_fee,
    )


def encode_batch_input(batch: bytes) -> bytes:
    return abi_encode(["bytes"], [batch])


def encode_message_input(message: QueuedMessage | None) -> bytes:
    if message is None:
        return b""
    return abi_encode(
        ["uint8", "uint64", "bytes"], [message.kind, message.l1_block_number, message.payload]
    )


class Machine:
    """Steps a State through an output range; caches decoded batches."""

    def __init__(self, config: ChainConfig, inputs: L1Inputs) -> None:
        self.config = config
        self.inputs = inputs
        self._payloads: dict[int, tuple[bytes, PayloadHeader | None, bytes]] = {}

    def execute_step(
        self, state: State, step: StepState, target_block: int
    ) -> tuple[StepState, StepProof]:
        """Advance `step` by one step, mutating `state`; return the new StepState and the proof."""
        if step.state_root != state.root:
            raise MachineError("the state does not match the step state's root")
        if step.is_final(target_block):
            return step, StepProof(b"", EMPTY_WITNESS)
        if step.phase == PHASE_BLOCK_START and step.blocks_left == 0:
            return self._open_batch(step)
        if step.phase == PHASE_BLOCK_START:
            return self._start_block(step)
        if step.phase == PHASE_MESSAGES:
            return self._apply_message(state, step)
        if step.phase == PHASE_TXS:
            return self._run_batch_transaction(state, step)
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

    # -- phases ------------------------------------------------------------------------------

    def _load_batch(self, index: int) -> tuple[bytes, PayloadHeader | None, bytes]:
        cached = self._payloads.get(index)
        if cached is not None:
            return cached
        batch = self.inputs.get_batch(index)
        if batch is None:
            raise MachineError(f"batch {index} is not on L1")
        header: PayloadHeader | None
        try:
            payload = decompress_batch(batch)
            header = read_payload_header(payload)
        except InvalidBatch:
            payload, header = b"", None
        entry = (batch, header, payload)
        self._payloads[index] = entry
        return entry

    def _open_batch(self, step: StepState) -> tuple[StepState, StepProof]:
        batch, header, _ = self._load_batch(step.batches_opened)
        proof = StepProof(encode_batch_input(batch), EMPTY_WITNESS)
        opened = step.batches_opened + 1
        if header is None or header.first_block_number != step.block_number + 1:
            return step._replace(batches_opened=opened, offset=0, blocks_left=0), proof
        return (
            step._replace(
                batches_opened=opened, offset=header.body_offset, blocks_left=header.block_count
            ),
            proof,
        )

    def _start_block(self, step: StepState) -> tuple[StepState, StepProof]:
        batch, _, payload = self._load_batch(step.batches_opened - 1)
        time_delta, origin_delta, tx_count, offset = read_block_header(payload, step.offset)
        if origin_delta > 0:
            phase = PHASE_MESSAGES
        elif tx_count > 0:
            phase = PHASE_TXS
        else:
            phase = PHASE_BLOCK_START
        new = step._replace(
            block_number=step.block_number + 1,
            timestamp=step.timestamp + time_delta,
            l1_origin_number=step.l1_origin_number + origin_delta,
            base_fee=compute_base_fee(self.config, step.base_fee, step.gas_used),
            gas_used=0,
            tx_count=0,
            offset=offset,
            blocks_left=step.blocks_left - 1,
            txs_left=tx_count,
            phase=phase,
        )
        return new, StepProof(encode_batch_input(batch), EMPTY_WITNESS)

    def _environment(self, step: StepState) -> BlockEnvironment:
        return BlockEnvironment(
            number=step.block_number,
            timestamp=step.timestamp,
            base_fee=step.base_fee,
            chain_id=self.config.chain_id,
        )

    def _apply_message(self, state: State, step: StepState) -> tuple[StepState, StepProof]:
        message = self.inputs.get_message(step.queue_index)
        if message is None or message.l1_block_number > step.l1_origin_number:
            phase = PHASE_TXS if step.txs_left > 0 else PHASE_BLOCK_START
            return step._replace(phase=phase), StepProof(
                encode_message_input(message), EMPTY_WITNESS
            )
        environment = self._environment(step)
        gas_used, tx_count = step.gas_used, step.tx_count

        def run(overlay: Overlay) -> tuple[int, int]:
            try:
                decoded = decode_message(message)
            except InvalidMessage:
                return 0, 0
            if isinstance(decoded, bytes):
                signed = recover_forced_transaction(decoded)
                if signed is None:
                    return 0, 0
                outcome = self._run_transaction(overlay, step, signed.tx, signed.sender)
                return (0, 0) if outcome is None else (outcome.gas_used, 1)
            deposit_state = Overlay(overlay)
            try:
                apply_deposit(deposit_state, environment, decoded, message.queue_index)
            except ArithmeticOverflow:
                return 0, 0
            deposit_state.commit()
            return 0, 1

        witnessed = run_with_witness(state, run)
        gas, included = witnessed.result
        new = step._replace(
            state_root=witnessed.post_root,
            gas_used=gas_used + gas,
            tx_count=tx_count + included,
            queue_index=step.queue_index + 1,
        )
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

    def _run_batch_transaction(self, state: State, step: StepState) -> tuple[StepState, StepProof]:
        batch, header, payload = self._load_batch(step.batches_opened - 1)
        assert header is not None  # a batch whose header does not decode has no blocks
        tx, offset = read_transaction(payload, step.offset, header.dictionary, self.config.chain_id)
        txs_left = step.txs_left - 1
        phase = PHASE_TXS if txs_left > 0 else PHASE_BLOCK_START
        try:
            sender: bytes | None = recover_sender(tx)
        except InvalidTransaction:
            sender = None

        def run(overlay: Overlay) -> TransactionOutcome | None:
            if sender is None:
                return None
            return self._run_transaction(overlay, step, tx, sender)

        witnessed = run_with_witness(state, run)
        outcome = witnessed.result
        new = step._replace(
            state_root=witnessed.post_root,
            gas_used=step.gas_used + (0 if outcome is None else outcome.gas_used),
            tx_count=step.tx_count + (0 if outcome is None else 1),
            offset=offset,
            txs_left=txs_left,
            phase=phase,
        )
        return new, StepProof(encode_batch_input(batch), witnessed.witness)


def locate_block_end(payload: bytes, chain_id: int, block_number: int) -> tuple[int, int] | None:
    """In a decompressed batch payload: the offset just past block `block_number`'s last
    transaction and the number of the batch's blocks after it; None if the batch lacks it."""
    header = read_payload_header(payload)
    last = header.first_block_number + header.block_count - 1
    if not header.first_block_number <= block_number <= last:
        return None
    offset = header.body_offset
    for _ in range(header.first_block_number, block_number + 1):
        _, _, tx_count, offset = read_block_header(payload, offset)
        for _ in range(tx_count):
            _, offset = read_transaction(payload, offset, header.dictionary, chain_id)
    return offset, last - block_number


def compute_boundary_state(
    *,
    state_root: bytes,
    block_number: int,
    timestamp: int,
    l1_origin_number: int,
    base_fee: int,
    gas_used: int,
    tx_count: int,
    message_l1_blocks: Sequence[int],
    batches: Sequence[bytes],
    chain_id: int,
) -> StepState:
    """The StepState at the end of block `block_number`, as the machine reaches it.

    `message_l1_blocks[i]` is the L1 block of queue message i; the machine has consumed every
    message of L1 blocks up to the block's origin. `batches` are the BatchInbox batches in order;
    the cursor is in the batch the machine read the block from: the first one, in order, whose
    first block follows the blocks of the batches before it that it accepted.
    """
    queue_index = sum(1 for number in message_l1_blocks if number <= l1_origin_number)
    expected = 1
    for index, batch in enumerate(batches):
        try:
            payload = decompress_batch(batch)
            header = read_payload_header(payload)
        except InvalidBatch:
            continue
        if header.first_block_number != expected:
            continue
        located = locate_block_end(payload, chain_id, block_number)
        if located is not None:
            offset, blocks_left = located
            return StepState(
                state_root=state_root,
                block_number=block_number,
                timestamp=timestamp,
                l1_origin_number=l1_origin_number,
                base_fee=base_fee,
                gas_used=gas_used,
                tx_count=tx_count,
                queue_index=queue_index,
                batches_opened=index + 1,
                offset=offset,
                blocks_left=blocks_left,
                txs_left=0,
                phase=PHASE_BLOCK_START,
            )
        expected = header.first_block_number + header.block_count
    raise MachineError(f"block {block_number} is in no batch on L1")
