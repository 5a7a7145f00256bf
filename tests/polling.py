"""Waiting in tests: poll a condition until it holds, never sleep as synchronisation."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

POLL_INTERVAL = 0.2


def wait_for(
    condition: Callable[[], T | None], timeout: float, what: str, interval: float = POLL_INTERVAL
) -> T:
    """The first truthy value `condition` returns within `timeout` seconds; AssertionError naming
    `what` if none does."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
