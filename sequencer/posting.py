"""When the batcher posts: not on a clock, but when posting buys something (docs/SETTLEMENT.md §6).

Every batch pays L1's fixed cost (21,000 gas, the inbox's storage slot and event) whatever it
holds, so a batch of empty blocks every second is money for nothing. The batcher posts the blocks
it has not posted yet when one of these holds, checked in this order:

- `window`: the oldest of them has an L1 origin `sequencerWindow / 2` L1 blocks behind L1's head.
  Past the full window derivation would replace them with deposit-only blocks, so this one is
  never traded for cost;
- `output`: the proposer's next output is for one of them: it can only be bonded once its block
  is safe, that is, once its batch is on L1;
- `delay`: the oldest has waited `max_delay` seconds since the batcher first saw it (how stale
  the safe head may get on a quiet chain);
- `full`: they fill a batch (the packed batch could not hold them all, or its bytes reach
  FULL_BATCH_BYTES), so waiting longer would not make the batch cheaper per byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rollup.batch import MAX_BATCH_BYTES

PostingReason = Literal["window", "output", "delay", "full"]

DEFAULT_MAX_DELAY = 60.0
"""`rollup sequencer`'s max_delay: a quiet chain's safe head is at most about a minute old."""
DEVNET_MAX_DELAY = 5.0
"""`rollup devnet`'s: a developer waits seconds, not a minute, to see a block safe."""

FULL_BATCH_BYTES = MAX_BATCH_BYTES * 3 // 4
"""Compressed bytes at which a batch is worth posting at once (a quarter below the cap, so the
next block rarely has to wait for the next batch)."""


@dataclass(frozen=True, slots=True)
class PostingPolicy:
    max_delay: float
    """Seconds the oldest unposted block may wait (0: post as soon as a block is built)."""
    sequencer_window: int
    """The chain's sequencerWindow, in L1 blocks."""


@dataclass(frozen=True, slots=True)
class Backlog:
    """The blocks the batcher has not posted yet, as the policy sees them."""

    first: int
    """The oldest unposted L2 block."""
    head: int
    """The newest L2 block."""
    first_origin: int
    """The L1 origin of the oldest unposted block."""
    waited: float
    """Seconds since the batcher first saw the oldest unposted block."""


def choose_urgent_reason(
    policy: PostingPolicy, backlog: Backlog, l1_head: int, output_block: int | None
) -> PostingReason | None:
    """The reason to post the backlog now that needs no batch built to know, or None.

    `output_block` is the L2 block of the proposer's next output (None without a proposer).
    """
    if backlog.first_origin + policy.sequencer_window // 2 <= l1_head:
        return "window"
    if output_block is not None and backlog.first <= output_block <= backlog.head:
        return "output"
    if backlog.waited >= policy.max_delay:
        return "delay"
    return None


def is_full(blocks_packed: int, blocks_pending: int, batch_bytes: int) -> bool:
    """Whether a packed batch is worth posting for its size alone: it could not take every pending
    block, or it reaches FULL_BATCH_BYTES."""
    return blocks_packed < blocks_pending or batch_bytes >= FULL_BATCH_BYTES
