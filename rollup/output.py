"""Output roots: the commitment to an L2 block that the proposer bonds on L1 (SETTLEMENT.md §2)."""

from __future__ import annotations

from dataclasses import dataclass

from rollup.block import Header
from rollup.crypto import keccak256

OUTPUT_VERSION = bytes(32)


@dataclass(frozen=True, slots=True)
class OutputRootProof:
    """The preimage of an output root, as the L1 Bridge takes it when proving a withdrawal."""

    version: bytes
    state_root: bytes
    withdrawal_root: bytes
    block_hash: bytes

    @property
    def root(self) -> bytes:
        return keccak256(self.version + self.state_root + self.withdrawal_root + self.block_hash)


def compute_output_root_proof(header: Header) -> OutputRootProof:
    return OutputRootProof(OUTPUT_VERSION, header.state_root, header.withdrawal_root, header.hash)


def compute_output_root(header: Header) -> bytes:
    """keccak256(version ‖ state_root ‖ withdrawal_root ‖ l2_block_hash)."""
    return compute_output_root_proof(header).root
