"""A proposer that bonds one wrong output, and a defender that defends it (`--fault`).

`FaultyOutputs` wraps a node's honest trace provider (for the kinds of faults.perturbation: the
sequencer's chain is right, its output is not). As the proposer's output source it returns
the node's own outputs, except once: the first output whose range has a step to perturb
(faults.perturbation) is replaced by the final state of the faulty trace (or, for
wrong-withdrawal-root, by the honest state with another withdrawal root). As the defender's trace
provider it returns that faulty trace for the game over the wrong output, so the bisection really
narrows down to the perturbed step and the one-step proof on L1 refutes it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from faults.perturbation import (
    WRONG_WITHDRAWAL_ROOT,
    FaultPlan,
    plan_fault,
    run_faulty,
    wrong_withdrawal_root,
)
from faults.rules import ParentlessMachine
from node.proposer import NodeOutputs, OutputSource, ProposedOutput
from prover.traces import NodeTraceProvider, OneStep, OwnOutput, Trace, TraceProvider
from rollup.block import Header
from rollup.machine import MachineError
from rollup.state import WITHDRAWALS_KEY

log = logging.getLogger("rollup.faults")


@dataclass(slots=True)
class FaultyTrace(Trace):
    """A trace that departs from the honest one after the step `plan` perturbs."""

    plan: FaultPlan | None = None
    withdrawal_root: bytes = bytes(32)
    """The withdrawal root of its final state."""


class FaultyOutputs(OutputSource, TraceProvider):
    """The node's outputs and traces, with one wrong output of kind `fault`."""

    def __init__(self, honest: NodeTraceProvider, fault: str, beneficiary: bytes) -> None:
        self.honest = honest
        # After its perturbed step, the faulty trace's block hashes are not those the batches
        # name as parents: it opens batches on their first block number alone.
        self.machine = ParentlessMachine(honest.config, honest.inputs)
        self.fault = fault
        self.beneficiary = beneficiary
        self.pending = True  # the wrong output is still to be proposed
        self.lock = threading.RLock()
        self._faulty: dict[tuple[int, int], FaultyTrace | None] = {}

    # -- OutputSource (the proposer) ---------------------------------------------------------

    def get_output(self, start_block: int, header: Header) -> ProposedOutput:
        output = NodeOutputs(self.honest.compute_step_state).get_output(start_block, header)
        with self.lock:
            if not self.pending:
                return output
            wrong = self.make_wrong_output(start_block, header.number)
            if wrong is None:
                return output
            self.pending = False
            return ProposedOutput(wrong.step_state, wrong.withdrawal_root)

    def make_wrong_output(self, start_block: int, block_number: int) -> OwnOutput | None:
        """The wrong output for `block_number`, or None if its range has nothing to perturb."""
        own = self.honest.own_output(block_number)
        if own is None:
            return None
        if self.fault == WRONG_WITHDRAWAL_ROOT:
            log.warning("FAULT: proposing a wrong withdrawal root for block %d", block_number)
            return OwnOutput(
                block_number,
                own.step_state,
                wrong_withdrawal_root(own.withdrawal_root),
                own.block_hash,
            )
        faulty = self.faulty_trace(start_block, block_number)
        if faulty is None or faulty.plan is None:
            log.warning("FAULT: no transaction in blocks up to %d; honest for now", block_number)
            return None
        final = faulty.final
        log.warning(
            "FAULT: proposing a wrong state for block %d (%s): root 0x%s instead of 0x%s",
            block_number,
            faulty.plan.describe(),
            final.state_root.hex(),
            own.state_root.hex(),
        )
        return OwnOutput(block_number, final, faulty.withdrawal_root, final.block_hash)

    def faulty_trace(self, start_block: int, target_block: int) -> FaultyTrace | None:
        """The faulty trace of a range (cached), None if the kind perturbs no state or the range
        has no step to perturb."""
        key = (start_block, target_block)
        if key in self._faulty:
            return self._faulty[key]
        faulty: FaultyTrace | None = None
        if self.fault != WRONG_WITHDRAWAL_ROOT:
            state, start = self.honest.start_of(start_block)
            honest, plan = plan_fault(
                self.fault, self.honest.machine, state, start, target_block, self.beneficiary
            )
            self.honest.remember_trace(Trace(start_block, target_block, honest))
            if plan is not None:
                state, start = self.honest.start_of(start_block)
                states = run_faulty(self.machine, state, start, target_block, plan, honest)
                root = state.get(WITHDRAWALS_KEY).root.to_bytes(32, "big")
                faulty = FaultyTrace(start_block, target_block, states, plan=plan)
                faulty.withdrawal_root = root
        self._faulty[key] = faulty
        return faulty

    # -- TraceProvider (the defender) --------------------------------------------------------

    def own_output(self, block_number: int) -> OwnOutput | None:
        return self.honest.own_output(block_number)

    def trace(self, start_block: int, target_block: int, end_hash: bytes | None = None) -> Trace:
        with self.lock:
            honest = self.honest.honest_trace(start_block, target_block)
            if end_hash is None or honest.final.hash == end_hash:
                return honest
            faulty = self.faulty_trace(start_block, target_block)
            if faulty is not None and faulty.final.hash == end_hash:
                return faulty
            return honest

    def one_step(self, trace: Trace, position: int) -> OneStep:
        if not isinstance(trace, FaultyTrace) or trace.plan is None:
            return self.honest.one_step(trace, position)
        with self.lock:
            machine = self.machine
            state, start = self.honest.start_of(trace.start_block)
            position = min(position, trace.steps)
            honest = self.honest.honest_trace(trace.start_block, trace.target_block)
            states = run_faulty(
                machine, state, start, trace.target_block, trace.plan, honest.states, until=position
            )
            pre = states[position]
            if pre != trace.state_at(position):
                raise MachineError(f"replay does not reach the trace's state at {position}")
            post, proof = machine.execute_step(state, pre, trace.target_block)
            return OneStep(pre, proof, post)

    def withdrawals_proof(self, block_number: int) -> tuple[tuple[int, int], bytes]:
        return self.honest.withdrawals_proof(block_number)
