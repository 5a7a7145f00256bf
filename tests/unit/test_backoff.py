"""The wait of an L1 worker between tries while L1 fails (l1.backoff)."""

from __future__ import annotations

from l1.backoff import MAX_RETRY_INTERVAL, compute_retry_interval


def test_without_failures_the_worker_polls_at_its_interval() -> None:
    assert compute_retry_interval(0, 0.25) == 0.25


def test_each_failure_in_a_row_doubles_the_wait() -> None:
    assert [compute_retry_interval(n, 0.25) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]


def test_the_wait_never_exceeds_the_cap() -> None:
    assert compute_retry_interval(5, 0.25) == MAX_RETRY_INTERVAL == 5.0
    assert compute_retry_interval(10_000, 0.25) == MAX_RETRY_INTERVAL
