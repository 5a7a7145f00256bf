"""The proposer: bonds an output on L1 for every submission interval of safe L2 blocks.

A proposal carries the step machine's final StepState of the output's block (docs/FRAUD_PROOFS.md
§3), the withdrawal root and the block hash; the OutputOracle derives the output root from them and
stores the machine hash a dispute game bisects towards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from l1.contracts import (
    BOND,
    GET_OUTPUT,
    IS_FINALIZED,
    LATEST_BLOCK_NUMBER,
    NEXT_BLOCK_NUMBER,
    OUTPUT_COUNT,
    PROPOSE_OUTPUT,
    step_state_tuple,
)
from l1.sender import L1Sender
from rollup.block import Header
from rollup.crypto import keccak256
from rollup.output import OUTPUT_VERSION, compute_output_root
from rollup.stepstate import PHASE_BLOCK_START, StepState
from sequencer.storage import Storage

ComputeStepState = Callable[[int], StepState]
"""The final StepState of an L2 block (rollup.machine.compute_boundary_state's answer)."""

Tamper = Callable[[int, int], tuple[StepState, bytes] | None]
"""TESTING ONLY (`rollup sequencer --fault`, prover.faults): given the previous output's L2 block
and the block to propose, a wrong (step state, withdrawal root) to propose instead, or None."""


class InconsistentStepState(RuntimeError):
    """The step state computed for a block does not fit its header; proposing it would be a
    wrong output."""


def step_state_from_header(header: Header) -> StepState:
    """A StepState holding only what a header knows: the state root and the block's fields, with
    every cursor field (tx count, queue index, batch cursor) zero.

    A stand-in until the proposer is given the machine's boundary state
    (rollup.machine.compute_boundary_state): its machine hash is not the one the step machine
    reaches, so a dispute game over such an output cannot be defended.
    """
    return StepState(
        state_root=header.state_root,
        block_number=header.number,
        timestamp=header.timestamp,
        l1_origin_number=header.l1_origin_number,
        base_fee=header.base_fee,
        gas_used=header.gas_used,
    )


def make_header_step_state(storage: Storage) -> ComputeStepState:
    """compute_step_state from the stored headers (step_state_from_header); to be replaced by the
    machine's boundary state. Raises LookupError for a block the storage does not have."""

    def compute(block_number: int) -> StepState:
        header = storage.get_header(block_number)
        if header is None:
            raise LookupError(f"no header for L2 block {block_number}")
        return step_state_from_header(header)

    return compute


log = logging.getLogger("rollup.proposer")


class Proposer:
    """Proposes output roots for blocks whose batches are on L1, one at a time."""

    def __init__(
        self,
        storage: Storage,
        sender: L1Sender,
        output_oracle: bytes,
        compute_step_state: ComputeStepState,
        tamper: Tamper | None = None,
    ) -> None:
        self.storage = storage
        self.sender = sender
        self.output_oracle = output_oracle
        self.compute_step_state = compute_step_state
        self.tamper = tamper
        self.in_flight: bytes | None = None
        self.proposed = 0
        self.gas_used = 0
        self.finalized_block = 0

    def call(self, data: bytes) -> bytes:
        return self.sender.client.call(self.output_oracle, data)

    def next_block_number(self) -> int:
        (number,) = NEXT_BLOCK_NUMBER.decode_result(self.call(NEXT_BLOCK_NUMBER.encode()))
        return int(number)

    def latest_block_number(self) -> int:
        (number,) = LATEST_BLOCK_NUMBER.decode_result(self.call(LATEST_BLOCK_NUMBER.encode()))
        return int(number)

    def tick(self, safe_through: int) -> None:
        """Propose the next output if its block is safe and nothing is in flight."""
        if self.in_flight is not None:
            receipt = self.sender.client.get_receipt(self.in_flight)
            if receipt is None:
                self.in_flight = self.sender.resubmit_if_stuck(self.in_flight, 20.0)
                return
            self.in_flight = None
            if receipt.succeeded:
                self.proposed += 1
                self.gas_used += receipt.gas_used
            else:
                log.error("output proposal failed in L1 block %d", receipt.block_number)
            return
        number = self.next_block_number()
        if number > safe_through:
            return
        header = self.storage.get_header(number)
        if header is None:
            return
        state = self.compute_step_state(number)
        check_step_state(state, header)
        root = compute_output_root(header)
        withdrawal_root = header.withdrawal_root
        if self.tamper is not None:
            wrong = self.tamper(self.latest_block_number(), number)
            if wrong is not None:
                state, withdrawal_root = wrong
                root = keccak256(OUTPUT_VERSION + state.state_root + withdrawal_root + header.hash)
        (bond,) = BOND.decode_result(self.call(BOND.encode()))
        calldata = PROPOSE_OUTPUT.encode(step_state_tuple(state), withdrawal_root, header.hash)
        self.in_flight = self.sender.send(self.output_oracle, calldata, value=int(bond))
        log.info(
            "proposed output 0x%s (machine hash 0x%s) for L2 block %d",
            root.hex(),
            state.hash.hex(),
            number,
        )

    def update_finalized(self) -> int:
        """The L2 block of the newest finalized output (0 if none)."""
        (count,) = OUTPUT_COUNT.decode_result(self.call(OUTPUT_COUNT.encode()))
        for index in range(int(count) - 1, -1, -1):
            (finalized,) = IS_FINALIZED.decode_result(self.call(IS_FINALIZED.encode(index)))
            if finalized:
                (output,) = GET_OUTPUT.decode_result(self.call(GET_OUTPUT.encode(index)))
                self.finalized_block = int(output[2])
                break
        return self.finalized_block


def check_step_state(state: StepState, header: Header) -> None:
    """Raise InconsistentStepState unless `state` is a final state of `header`'s block with its
    state root (the oracle derives the output root from it)."""
    if state.block_number != header.number or state.phase != PHASE_BLOCK_START:
        raise InconsistentStepState(
            f"step state for L2 block {header.number} is at block {state.block_number}, "
            f"phase {state.phase}"
        )
    if state.state_root != header.state_root:
        raise InconsistentStepState(
            f"step state for L2 block {header.number} has state root 0x{state.state_root.hex()}, "
            f"the header 0x{header.state_root.hex()}"
        )
