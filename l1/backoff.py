"""How long an L1 worker waits before trying again while L1 keeps failing (an outage, a
restarting node): the poll interval doubled per failure in a row, up to a cap, so that an outage
is not hammered four times a second and a recovered L1 is noticed within the cap. The same
backoff waits for a server that is still starting (retry_for)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

MAX_RETRY_INTERVAL = 5.0


def compute_retry_interval(
    failures: int, interval: float, cap: float = MAX_RETRY_INTERVAL
) -> float:
    """The wait after `failures` failed tries in a row (0: the normal `interval`)."""
    return min(interval * float(2 ** min(failures, 16)), cap)


STARTUP_RETRY_INTERVAL = 0.5


def retry_for(
    wait_seconds: float,
    attempt: Callable[[], T],
    retryable: type[Exception],
    on_retry: Callable[[Exception], None],
) -> T:
    """attempt() until it returns, trying again after each `retryable` failure (reported to
    `on_retry`) with the backed-off wait, for up to `wait_seconds`; then the last failure is
    raised. A server that is still starting (PostgreSQL, anvil) is waited for this way."""
    deadline = time.monotonic() + wait_seconds
    failures = 0
    while True:
        try:
            return attempt()
        except retryable as exc:
            left = deadline - time.monotonic()
            if left <= 0:
                raise
            on_retry(exc)
            time.sleep(min(compute_retry_interval(failures, STARTUP_RETRY_INTERVAL), left))
            failures += 1
