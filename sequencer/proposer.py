"""The proposer: bonds an output root on L1 for every submission interval of safe L2 blocks."""

from __future__ import annotations

import logging

from l1.contracts import (
    BOND,
    GET_OUTPUT,
    IS_FINALIZED,
    LATEST_BLOCK_NUMBER,
    NEXT_BLOCK_NUMBER,
    OUTPUT_COUNT,
    PROPOSE_OUTPUT,
)
from l1.sender import L1Sender
from rollup.output import compute_output_root
from sequencer.storage import Storage

log = logging.getLogger("rollup.proposer")


class Proposer:
    """Proposes output roots for blocks whose batches are on L1, one at a time."""

    def __init__(self, storage: Storage, sender: L1Sender, output_oracle: bytes) -> None:
        self.storage = storage
        self.sender = sender
        self.output_oracle = output_oracle
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
        root = compute_output_root(header)
        (bond,) = BOND.decode_result(self.call(BOND.encode()))
        self.in_flight = self.sender.send(
            self.output_oracle, PROPOSE_OUTPUT.encode(root, number), value=int(bond)
        )
        log.info("proposed output 0x%s for L2 block %d", root.hex(), number)

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
