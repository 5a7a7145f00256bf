"""How long an L1 worker waits before trying again while L1 keeps failing (an outage, a
restarting node): the poll interval doubled per failure in a row, up to a cap, so that an outage
is not hammered four times a second and a recovered L1 is noticed within the cap."""

from __future__ import annotations

MAX_RETRY_INTERVAL = 5.0


def compute_retry_interval(
    failures: int, interval: float, cap: float = MAX_RETRY_INTERVAL
) -> float:
    """The wait after `failures` failed tries in a row (0: the normal `interval`)."""
    return min(interval * float(2 ** min(failures, 16)), cap)
