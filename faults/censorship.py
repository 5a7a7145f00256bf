"""A sequencer that censors (`rollup sequencer --censor ADDRESS`), to show that forced
transactions through L1 get in regardless (docs/SETTLEMENT.md §3).

It accepts the censored senders' transactions at the RPC, as a censoring operator would (the
wallet sees a hash), and never pools them.
"""

from __future__ import annotations

import logging

from node.chain import Node
from rollup.block import SignedTransaction
from sequencer.role import Sequencer

log = logging.getLogger("rollup.faults")


class CensoringSequencer(Sequencer):
    """A Sequencer that silently drops every transaction from `censored` senders."""

    def __init__(self, node: Node, censored: set[bytes], block_time: float | None = 1.0) -> None:
        super().__init__(node, block_time)
        self.censored = censored

    def submit_transaction(self, signed: SignedTransaction) -> bytes:
        if signed.sender in self.censored:
            log.warning("censoring 0x%s (testing flag --censor)", signed.sender.hex())
            return signed.hash
        return super().submit_transaction(signed)
