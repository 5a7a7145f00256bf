"""Polling filters (node.filters): ids, expiry, bounds, and what a poll reports."""

from __future__ import annotations

import pytest

from node.filters import (
    FILTER_TIMEOUT_SECONDS,
    MAX_BLOCKS_PER_POLL,
    MAX_FILTERS,
    MAX_PENDING_KEPT,
    Filter,
    FilterNotFound,
    FilterRegistry,
)
from node.rpc_params import LimitExceeded


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_an_unknown_id_is_not_found() -> None:
    registry = FilterRegistry()
    with pytest.raises(FilterNotFound, match="filter not found"):
        registry.poll("0x" + "00" * 16)
    with pytest.raises(FilterNotFound):
        registry.poll(7)


def test_uninstall_answers_whether_the_filter_existed() -> None:
    registry = FilterRegistry()
    filter_id = registry.install("blocks", head=3)
    assert registry.uninstall(filter_id) is True
    assert registry.uninstall(filter_id) is False
    with pytest.raises(FilterNotFound):
        registry.poll(filter_id)


def test_a_filter_polled_within_the_timeout_stays_and_one_past_it_expires() -> None:
    clock = Clock()
    registry = FilterRegistry(clock)
    kept, expired = registry.install("blocks", head=0), registry.install("blocks", head=0)
    clock.now += FILTER_TIMEOUT_SECONDS
    registry.poll(kept)  # exactly the timeout unpolled: still there
    clock.now += 0.001
    with pytest.raises(FilterNotFound):
        registry.poll(expired)
    assert registry.poll(kept).kind == "blocks"


def test_installing_beyond_the_bound_is_refused_until_one_is_removed() -> None:
    registry = FilterRegistry()
    ids = [registry.install("blocks", head=0) for _ in range(MAX_FILTERS)]
    with pytest.raises(LimitExceeded, match=f"too many filters: at most {MAX_FILTERS}"):
        registry.install("blocks", head=0)
    registry.uninstall(ids[0])
    registry.install("blocks", head=0)


def test_pending_hashes_go_to_pending_filters_only_and_the_oldest_are_dropped() -> None:
    registry = FilterRegistry()
    pending, blocks = registry.install("pending", head=0), registry.install("blocks", head=0)
    for index in range(MAX_PENDING_KEPT + 1):
        registry.record_pending(index.to_bytes(32, "big"))
    kept = registry.poll(pending).pending
    assert (len(kept), kept[0], kept[-1]) == (
        MAX_PENDING_KEPT,
        (1).to_bytes(32, "big"),
        MAX_PENDING_KEPT.to_bytes(32, "big"),
    )
    assert not registry.poll(blocks).pending


def test_a_poll_reports_the_blocks_after_the_last_one_reported() -> None:
    installed = Filter("blocks", reported_through=5, last_polled=0.0)
    assert installed.take_block_range(5) is None
    assert installed.take_block_range(8) == (6, 8)
    assert installed.take_block_range(8) is None


def test_a_poll_reports_at_most_the_per_poll_bound_and_the_rest_next_time() -> None:
    installed = Filter("blocks", reported_through=0, last_polled=0.0)
    head = 2 * MAX_BLOCKS_PER_POLL + 5
    assert installed.take_block_range(head) == (1, MAX_BLOCKS_PER_POLL)
    assert installed.take_block_range(head) == (MAX_BLOCKS_PER_POLL + 1, 2 * MAX_BLOCKS_PER_POLL)
    assert installed.take_block_range(head) == (2 * MAX_BLOCKS_PER_POLL + 1, head)


def test_after_a_rewind_the_replacing_blocks_are_reported_again() -> None:
    installed = Filter("blocks", reported_through=10, last_polled=0.0)
    assert installed.take_block_range(7) is None  # rewound to 7
    assert installed.take_block_range(9) == (8, 9)
