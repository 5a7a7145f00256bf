"""The proposer: bonds an output on L1 for every submission interval of safe L2 blocks.

A proposal carries the step machine's final StepState of the output's block (docs/FRAUD_PROOFS.md
§3), whose block hash is the block's, and the withdrawal root; the OutputOracle derives the output
root from them and stores the machine hash a dispute game bisects towards.

Both roles run one: the sequencer's, with the OutputOracle's proposer key; and a verifier's, with
any funded key, which proposes only once the proposer has gone quiet for the oracle's proposal
timeout (`canPropose`), so that users can exit without the operator (docs/SETTLEMENT.md §1).
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from l1.contracts.output_oracle import (
    BOND,
    CAN_PROPOSE,
    GET_OUTPUT,
    IS_FINALIZED,
    LATEST_BLOCK_NUMBER,
    NEXT_BLOCK_NUMBER,
    OUTPUT_COUNT,
    PROPOSE_OUTPUT,
    step_state_tuple,
)
from l1.sender import L1Sender
from node.storage import Storage
from rollup.block import Header
from rollup.crypto import keccak256
from rollup.output import OUTPUT_VERSION
from rollup.stepstate import PHASE_BLOCK_START, StepState

ComputeStepState = Callable[[int], StepState]
"""The final StepState of an L2 block (rollup.machine.compute_boundary_state's answer); raises
LookupError while it cannot be computed (the block's batch is not on L1 yet)."""


AgreesWith = Callable[[int, bytes], bool]
"""Whether this node's own output for an L2 block has this output root (False also while the node
has not derived the block)."""


class InconsistentStepState(RuntimeError):
    """The step state computed for a block does not fit its header; proposing it would be a
    wrong output."""


@dataclass(frozen=True, slots=True)
class ProposedOutput:
    """What a proposal bonds besides the block hash: the block's final StepState and the
    withdrawal root (the OutputOracle derives the output root from them)."""

    step_state: StepState
    withdrawal_root: bytes


class OutputSource(ABC):
    """Where the proposer's outputs come from."""

    @abstractmethod
    def get_output(self, start_block: int, header: Header) -> ProposedOutput | None:
        """The output to bond for `header`'s block, the previous output being at `start_block`;
        None to bond nothing for it; LookupError while it cannot be computed yet."""


class NodeOutputs(OutputSource):
    """The node's own outputs: the machine's boundary state of each block, checked against its
    header, and the header's withdrawal root."""

    def __init__(self, compute_step_state: ComputeStepState) -> None:
        self.compute_step_state = compute_step_state

    def get_output(self, start_block: int, header: Header) -> ProposedOutput:
        state = self.compute_step_state(header.number)
        check_step_state(state, header)
        return ProposedOutput(state, header.withdrawal_root)


log = logging.getLogger("rollup.proposer")


class Proposer:
    """Proposes output roots for blocks whose batches are on L1, one at a time."""

    def __init__(
        self,
        storage: Storage,
        sender: L1Sender,
        output_oracle: bytes,
        outputs: OutputSource,
        agrees: AgreesWith | None = None,
    ) -> None:
        self.storage = storage
        self.sender = sender
        self.output_oracle = output_oracle
        self.outputs = outputs
        self.agrees = agrees
        self.disagreeing_with: bytes | None = None  # the latest output's root, if it is not ours
        self.in_flight: bytes | None = None
        self.nonce_stale = False  # a reorg may have dropped our proposal: ask L1 first
        self.proposed = 0
        self.gas_used = 0
        self.finalized_block = 0
        self.in_flight_block = 0
        self.latest_output_block: int | None = None  # the L2 block of our last landed output
        self.next_output_block: int | None = None  # the oracle's next block, as last read

    def call(self, data: bytes) -> bytes:
        return self.sender.client.call(self.output_oracle, data)

    def next_block_number(self) -> int:
        (number,) = NEXT_BLOCK_NUMBER.decode_result(self.call(NEXT_BLOCK_NUMBER.encode()))
        return int(number)

    def get_next_output_block(self) -> int | None:
        """The L2 block of the next output, as last read from the oracle (None before)."""
        return self.next_output_block

    def latest_block_number(self) -> int:
        (number,) = LATEST_BLOCK_NUMBER.decode_result(self.call(LATEST_BLOCK_NUMBER.encode()))
        return int(number)

    def tick(self, safe_through: int) -> None:
        """Propose the next output if its block is safe and nothing is in flight."""
        if self.nonce_stale:
            self.sender.rewind_nonce()
            self.nonce_stale = False
        if self.in_flight is not None:
            receipt = self.sender.client.get_receipt(self.in_flight)
            if receipt is None:
                self.in_flight = self.sender.resubmit_if_stuck(self.in_flight, 20.0)
                return
            self.in_flight = None
            if receipt.succeeded:
                self.proposed += 1
                self.gas_used += receipt.gas_used
                self.latest_output_block = self.in_flight_block
            else:
                log.error("output proposal failed in L1 block %d", receipt.block_number)
            return
        number = self.next_block_number()
        self.next_output_block = number
        if number > safe_through:
            return
        if self.sender.count_pending():
            # A proposal we lost track of (sent before a restart, or cut midway) may be about to
            # land: proposing again now would only revert. Wait until L1 has mined it.
            return
        header = self.storage.get_header(number)
        if header is None:
            return
        (allowed,) = CAN_PROPOSE.decode_result(self.call(CAN_PROPOSE.encode(self.sender.address)))
        if not allowed:
            return  # not the proposer, and the proposer has not gone quiet for the timeout
        latest = self.latest_block_number()
        if self.agrees is not None and not self.agrees_with_latest(latest):
            return
        output = self.outputs.get_output(latest, header)
        if output is None:
            return
        state = output.step_state
        root = keccak256(
            OUTPUT_VERSION + state.state_root + output.withdrawal_root + state.block_hash
        )
        (bond,) = BOND.decode_result(self.call(BOND.encode()))
        calldata = PROPOSE_OUTPUT.encode(step_state_tuple(state), output.withdrawal_root)
        self.in_flight = self.sender.send(self.output_oracle, calldata, value=int(bond))
        self.in_flight_block = number
        log.info(
            "proposed output 0x%s (machine hash 0x%s) for L2 block %d",
            root.hex(),
            state.hash.hex(),
            number,
        )

    def agrees_with_latest(self, latest_block: int) -> bool:
        """Whether the newest output on L1 is ours (none counts as ours). An output on top of a
        wrong one would be deleted with it when a challenger wins: until then, wait."""
        if latest_block == 0:
            return True
        assert self.agrees is not None
        (count,) = OUTPUT_COUNT.decode_result(self.call(OUTPUT_COUNT.encode()))
        (output,) = GET_OUTPUT.decode_result(self.call(GET_OUTPUT.encode(int(count) - 1)))
        root = bytes(output[0])
        if self.agrees(latest_block, root):
            self.disagreeing_with = None
            return True
        if self.disagreeing_with != root:
            log.warning(
                "not proposing on top of output 0x%s for L2 block %d: it is not ours",
                root.hex(),
                latest_block,
            )
            self.disagreeing_with = root
        return False

    def restart_from_l1(self) -> None:
        """After an L1 reorg: forget the proposal in flight (it may be for a block the reorg
        removed; what L1 still holds says what comes next) and take the nonce from L1 before
        the next proposal (at the next tick, so that an L1 failure now cannot leave a stale
        nonce behind)."""
        self.in_flight = None
        self.nonce_stale = True

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
    state root and block hash (the oracle derives the output root from them)."""
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
    if state.block_hash != header.hash:
        raise InconsistentStepState(
            f"step state for L2 block {header.number} has block hash 0x{state.block_hash.hex()}, "
            f"the block 0x{header.hash.hex()}"
        )


class ProposerWorker:
    """A proposer on a thread of its own, following the node's safe head (a verifier's, which
    proposes only when the proposer has gone quiet: Proposer.tick asks canPropose)."""

    def __init__(self, proposer: Proposer, safe_number: Callable[[], int], interval: float = 1.0):
        self.proposer = proposer
        self.safe_number = safe_number
        self.interval = interval
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.last_error: str | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self.propose_forever, name="proposer", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=30)

    def propose_forever(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.proposer.tick(self.safe_number())
                self.last_error = None
            except Exception as exc:  # L1 hiccups must not stop the node; retry next tick
                if str(exc) != self.last_error:
                    log.warning("proposer: %s", exc)
                self.last_error = str(exc)
            self.stop_event.wait(self.interval)

    def get_stats(self) -> dict[str, Any]:
        return {
            "outputs_proposed": self.proposer.proposed,
            "output_gas": self.proposer.gas_used,
            "latest_output_block": self.proposer.latest_output_block,
            "last_error": self.last_error,
        }
