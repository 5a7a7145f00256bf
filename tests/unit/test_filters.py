"""Polling filters (node.filters): ids, expiry, bounds, what a poll reports, and the removed logs
a log filter reports again after a rewind."""

from __future__ import annotations

import re
from typing import Any

import pytest

from node.filters import (
    FILTER_TIMEOUT_SECONDS,
    MAX_BLOCKS_PER_POLL,
    MAX_FILTERS,
    MAX_PENDING_KEPT,
    Filter,
    FilterNotFound,
    FilterRegistry,
    draw_id,
)
from node.removed_logs import RemovedLog, Rewind
from node.rpc_params import LimitExceeded, LogCriteria
from node.storage import StoredLog

A, B = b"\xaa" * 20, b"\xbb" * 20
T1, T2 = b"\x01" * 32, b"\x02" * 32


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


# ---------------------------------------------------------------------------------------------
# Removed logs after a rewind


def removed(block: int, address: bytes = A, topics: tuple[bytes, ...] = (T1,)) -> RemovedLog:
    entry = StoredLog(block, 0, 0, bytes(32), address, topics, b"", bytes([block]) * 32)
    return RemovedLog(entry, 1_000 + block)


def log_filter(reported_through: int, **fields: Any) -> Filter:
    fields.setdefault("criteria", LogCriteria(None, []))
    return Filter("logs", reported_through, 0.0, **fields)


REWIND_TO_7 = [Rewind(4, 7, (removed(8), removed(9), removed(10)), 10)]


def test_a_log_filter_that_reported_through_exactly_the_rewind_point_gets_nothing_back() -> None:
    installed = log_filter(reported_through=7)
    assert installed.take_rewinds(REWIND_TO_7) == []
    assert installed.take_block_range(9) == (8, 9)


def test_a_log_filter_that_reported_one_block_more_gets_that_blocks_logs_back() -> None:
    installed = log_filter(reported_through=8)
    assert installed.take_rewinds(REWIND_TO_7) == [removed(8)]
    assert installed.take_block_range(9) == (8, 9)  # the replacing blocks


def test_removed_logs_come_back_only_if_they_match_the_address_and_topics() -> None:
    rewinds = [Rewind(1, 7, (removed(8, A, (T1,)), removed(8, B, (T1,)), removed(9, A, (T2,))), 9)]
    installed = log_filter(reported_through=9, criteria=LogCriteria([A], [[T1]]))
    assert installed.take_rewinds(rewinds) == [removed(8, A, (T1,))]


def test_removed_logs_outside_a_fixed_from_and_to_block_do_not_come_back() -> None:
    installed = log_filter(reported_through=10, from_value="0x9", to_value={"blockNumber": "0x9"})
    assert installed.take_rewinds(REWIND_TO_7) == [removed(9)]


def test_a_to_block_tag_does_not_narrow_the_removed_logs() -> None:
    """Under `latest` every block up to the head was in range when it was reported."""
    installed = log_filter(reported_through=10, from_value="earliest", to_value="latest")
    assert installed.take_rewinds(REWIND_TO_7) == [removed(8), removed(9), removed(10)]


def test_a_block_filter_gets_no_logs_back_and_reports_the_replacing_blocks() -> None:
    installed = Filter("blocks", reported_through=10, last_polled=0.0)
    assert installed.take_rewinds(REWIND_TO_7) == []
    assert installed.take_block_range(10) == (8, 10)


def test_taking_the_rewinds_marks_them_seen() -> None:
    installed = log_filter(reported_through=10)
    installed.take_rewinds(REWIND_TO_7)
    assert installed.rewinds_seen == 4
    assert installed.take_rewinds([]) == []
    assert installed.rewinds_seen == 4


def test_filter_ids_are_hex_quantities_of_128_bits() -> None:
    ids = [draw_id() for _ in range(2_000)]
    assert all(re.fullmatch(r"0x[89a-f][0-9a-f]{31}", filter_id) for filter_id in ids)
    assert len(set(ids)) == len(ids)
