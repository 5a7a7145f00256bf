"""When the batcher posts (sequencer.posting, docs/SETTLEMENT.md §6): near the end of the
sequencer window, when the next output needs the blocks, after the maximum delay, or when the
blocks fill a batch; otherwise it waits, and an idle chain pays L1 nothing between those."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

from sequencer.batcher import Batcher
from sequencer.posting import (
    FULL_BATCH_BYTES,
    Backlog,
    PostingPolicy,
    choose_urgent_reason,
    is_full,
)

POLICY = PostingPolicy(max_delay=60.0, sequencer_window=120)


def backlog(first: int = 11, head: int = 15, first_origin: int = 100, waited: float = 0.0) -> Any:
    return Backlog(first, head, first_origin, waited)


def test_a_fresh_backlog_far_from_the_window_without_an_output_waits() -> None:
    assert choose_urgent_reason(POLICY, backlog(), l1_head=159, output_block=None) is None


def test_the_oldest_origin_half_a_window_behind_l1_posts() -> None:
    assert choose_urgent_reason(POLICY, backlog(), l1_head=160, output_block=None) == "window"


def test_the_window_rule_is_checked_before_the_others() -> None:
    reason = choose_urgent_reason(POLICY, backlog(waited=60.0), l1_head=160, output_block=11)
    assert reason == "window"


def test_an_output_for_the_oldest_unposted_block_posts() -> None:
    assert choose_urgent_reason(POLICY, backlog(), l1_head=100, output_block=11) == "output"


def test_an_output_for_the_head_posts() -> None:
    assert choose_urgent_reason(POLICY, backlog(), l1_head=100, output_block=15) == "output"


def test_an_output_after_the_head_does_not_post() -> None:
    assert choose_urgent_reason(POLICY, backlog(), l1_head=100, output_block=16) is None


def test_an_output_for_a_block_already_posted_does_not_post() -> None:
    assert choose_urgent_reason(POLICY, backlog(), l1_head=100, output_block=10) is None


def test_a_backlog_that_waited_the_maximum_delay_posts() -> None:
    assert choose_urgent_reason(POLICY, backlog(waited=60.0), 100, None) == "delay"


def test_a_backlog_just_under_the_maximum_delay_waits() -> None:
    assert choose_urgent_reason(POLICY, backlog(waited=59.999), 100, None) is None


def test_a_zero_maximum_delay_posts_every_block_at_once() -> None:
    policy = PostingPolicy(max_delay=0.0, sequencer_window=120)
    assert choose_urgent_reason(policy, backlog(waited=0.0), 100, None) == "delay"


def test_a_batch_that_cannot_take_every_pending_block_is_full() -> None:
    assert is_full(blocks_packed=9, blocks_pending=10, batch_bytes=1_000)


def test_a_batch_of_full_batch_bytes_is_full() -> None:
    assert is_full(blocks_packed=10, blocks_pending=10, batch_bytes=FULL_BATCH_BYTES)


def test_a_batch_one_byte_under_full_batch_bytes_taking_every_block_is_not_full() -> None:
    assert not is_full(blocks_packed=10, blocks_pending=10, batch_bytes=FULL_BATCH_BYTES - 1)


# The batcher applying the policy to its stored blocks -------------------------------------------


class CountingStorage:
    """Empty L2 blocks 0..head on L1 origin 100, counting how often block bodies are read."""

    def __init__(self, head: int) -> None:
        self.head = head
        self.body_reads = 0

    def get_header(self, number: int) -> Any:
        if number > self.head:
            return None
        return SimpleNamespace(
            number=number,
            timestamp=1_000 + number,
            l1_origin_number=100,
            hash=number.to_bytes(32, "big"),
        )

    def get_block_transactions(self, number: int) -> list[Any]:
        self.body_reads += 1
        return []


def make_batcher(head: int, output_block: int | None = None) -> Batcher:
    storage: Any = CountingStorage(head)
    follower: Any = SimpleNamespace(history={}, head_number=100)
    sender: Any = SimpleNamespace()
    return Batcher(
        storage,
        sender,
        follower,
        b"\x0c" * 20,
        901,
        POLICY,
        output_block=lambda: output_block,
    )


def test_the_batcher_waits_with_a_few_empty_blocks() -> None:
    assert make_batcher(head=5).choose_posting_reason(5) is None


def test_the_batcher_posts_once_the_oldest_block_waited_the_maximum_delay() -> None:
    batcher = make_batcher(head=5)
    assert batcher.choose_posting_reason(5) is None
    assert batcher.backlog_since is not None
    batcher.backlog_since -= 60.0
    assert batcher.choose_posting_reason(5) == "delay"


def test_the_batcher_posts_for_the_proposers_next_output() -> None:
    assert make_batcher(head=10, output_block=10).choose_posting_reason(10) == "output"


def test_the_batcher_posts_blocks_that_fill_a_batch() -> None:
    # build_next_batch takes at most 1,000 blocks: 1,001 pending ones cannot go in one batch.
    assert make_batcher(head=1_001).choose_posting_reason(1_001) == "full"


def test_the_batcher_with_nothing_unposted_has_no_backlog() -> None:
    batcher = make_batcher(head=0)
    assert batcher.choose_posting_reason(0) is None
    assert batcher.backlog_since is None


def test_an_unchanged_backlog_is_not_packed_again() -> None:
    batcher = make_batcher(head=5)
    batcher.choose_posting_reason(5)
    reads = batcher.storage.body_reads  # type: ignore[attr-defined]
    assert reads == 5

    batcher.choose_posting_reason(5)

    assert batcher.storage.body_reads == reads  # type: ignore[attr-defined]


def test_a_new_block_makes_the_backlog_packed_again() -> None:
    batcher = make_batcher(head=6)
    batcher.choose_posting_reason(5)

    batcher.choose_posting_reason(6)

    assert batcher.storage.body_reads == 5 + 6  # type: ignore[attr-defined]


def test_the_wait_is_measured_from_when_the_backlog_began() -> None:
    batcher = make_batcher(head=5)
    before = time.monotonic()
    batcher.choose_posting_reason(5)
    assert batcher.backlog_since is not None
    assert before <= batcher.backlog_since <= time.monotonic()
