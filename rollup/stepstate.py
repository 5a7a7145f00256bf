"""The step machine's state between two steps of a dispute (docs/FRAUD_PROOFS.md §1).

L1 commits to it as keccak256(abi.encode(13 words)); the OutputOracle stores that hash for every
output, and the dispute game bisects over the hashes of consecutive step states.
"""

from __future__ import annotations

from typing import NamedTuple

from rollup.crypto import keccak256

PHASE_BLOCK_START = 0
PHASE_MESSAGES = 1
PHASE_TXS = 2

STEP_STATE_WORDS = 13


class StepState(NamedTuple):
    """Where the replay of an output range stands: the state root, the block in progress, the
    cursor into L1's inputs (Bridge queue and BatchInbox batches), and the phase."""

    state_root: bytes
    block_number: int = 0
    timestamp: int = 0
    l1_origin_number: int = 0
    base_fee: int = 0
    gas_used: int = 0
    tx_count: int = 0
    queue_index: int = 0
    batches_opened: int = 0
    offset: int = 0
    blocks_left: int = 0
    txs_left: int = 0
    phase: int = PHASE_BLOCK_START

    def encode(self) -> bytes:
        """abi.encode(StepState): 13 words, the state root first."""
        if len(self.state_root) != 32:
            raise ValueError("state root must be 32 bytes")
        return self.state_root + b"".join(word.to_bytes(32, "big") for word in self[1:])

    @property
    def hash(self) -> bytes:
        return keccak256(self.encode())

    def is_final(self, target_block: int) -> bool:
        """Whether the replay of a range ending at `target_block` has finished."""
        return self.phase == PHASE_BLOCK_START and self.block_number == target_block

    def to_words(self) -> list[int]:
        """The 13 words, as eth-abi encodes a `uint256[13]`-shaped tuple."""
        return [int.from_bytes(self.state_root, "big"), *self[1:]]


def decode_step_state(data: bytes) -> StepState:
    """Inverse of StepState.encode."""
    if len(data) != 32 * STEP_STATE_WORDS:
        raise ValueError(f"a step state is {32 * STEP_STATE_WORDS} bytes, got {len(data)}")
    words = [int.from_bytes(data[i * 32 : (i + 1) * 32], "big") for i in range(1, STEP_STATE_WORDS)]
    return StepState(data[:32], *words)
