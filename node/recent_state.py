"""The state at a recent block, for JSON-RPC reads at a block other than the head.

The node holds only the head's state in memory; storage keeps, for every block, the previous value
of each leaf the block changed (node.storage's state history). A leaf at the end of block N is the
value before the first later block that changed it, or the current one: one indexed read per leaf,
so a balance, a nonce or an eth_call at block N costs the leaves it reads, not the state's size.

Which blocks are served (docs/ARCHITECTURE.md §4): every block from the finalized head, and at
least the last RECENT_STATE_BLOCKS, up to the head. Older ones are refused by name.
"""

from __future__ import annotations

from typing import Any

from node.storage import Storage
from rollup.state import EMPTY_LEAVES, StateKey, StateReader, decode_leaf, encode_key

RECENT_STATE_BLOCKS = 128
"""Blocks behind the head whose state is served even when the finalized head is further back."""


class StateNotAvailable(Exception):
    """A state read asked for a block older than the oldest whose state the node serves."""


def find_oldest_state_block(head: int, finalized: int) -> int:
    """The oldest block whose state is served: the finalized head or RECENT_STATE_BLOCKS back,
    whichever is older."""
    return max(0, min(finalized, head - RECENT_STATE_BLOCKS))


class StoredState(StateReader):
    """The leaves at the end of block `number`, read from storage as they are asked for."""

    accessed = None  # a view to read through, never a witness recorder

    def __init__(self, storage: Storage, number: int) -> None:
        self.storage = storage
        self.number = number
        self.read: dict[StateKey, Any] = {}

    def get(self, key: StateKey) -> Any:
        leaf = self.read.get(key)
        if leaf is None:
            raw = self.storage.get_leaf_at(encode_key(key), self.number)
            leaf = EMPTY_LEAVES[key[0]] if raw is None else decode_leaf(key[0], raw)
            self.read[key] = leaf
        return leaf
