"""The step machine's state between two steps of a dispute (docs/FRAUD_PROOFS.md §1).

L1 commits to it as keccak256(abi.encode(15 words)); the OutputOracle stores that hash for every
output, and the dispute game bisects over the hashes of consecutive step states.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from rollup.crypto import keccak256

PHASE_BLOCK_START = 0
PHASE_MESSAGES = 1
PHASE_TXS = 2

STEP_STATE_WORDS = 15


class StepState(NamedTuple):
    """Where the replay of an output range stands: the state root, the last finished block's hash,
    the block in progress, the cursor into L1's inputs (Bridge queue and BatchInbox batches), and
    the phase."""

    state_root: bytes
    block_hash: bytes = bytes(32)
    block_number: int = 0
    timestamp: int = 0
    l1_origin_number: int = 0
    base_fee: int = 0
    gas_used: int = 0
    tx_count: int = 0
    transactions_root: bytes = bytes(32)
    queue_index: int = 0
    batches_opened: int = 0
    offset: int = 0
    blocks_left: int = 0
    txs_left: int = 0
    phase: int = PHASE_BLOCK_START

    def encode(self) -> bytes:
        """abi.encode(StepState): 15 words in field order."""
        words: list[bytes | int] = list(self)
        return b"".join(
            _encode_word(value, name) for name, value in zip(self._fields, words, strict=True)
        )

    @property
    def hash(self) -> bytes:
        return keccak256(self.encode())

    def is_final(self, target_block: int) -> bool:
        """Whether the replay of a range ending at `target_block` has finished."""
        return self.phase == PHASE_BLOCK_START and self.block_number == target_block


HASH_FIELDS = frozenset(("state_root", "block_hash", "transactions_root"))
"""The bytes32 fields; every other field is a uint256."""


def _encode_word(value: bytes | int, name: str) -> bytes:
    if name in HASH_FIELDS:
        if not isinstance(value, bytes) or len(value) != 32:
            raise ValueError(f"{name} must be 32 bytes")
        return value
    if not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    return value.to_bytes(32, "big")


def decode_step_state(data: bytes) -> StepState:
    """Inverse of StepState.encode."""
    if len(data) != 32 * STEP_STATE_WORDS:
        raise ValueError(f"a step state is {32 * STEP_STATE_WORDS} bytes, got {len(data)}")
    words = [data[i * 32 : (i + 1) * 32] for i in range(STEP_STATE_WORDS)]
    values: list[Any] = [
        word if name in HASH_FIELDS else int.from_bytes(word, "big")
        for name, word in zip(StepState._fields, words, strict=True)
    ]
    return StepState(*values)
