"""Polling filters, as geth serves them: eth_newFilter (logs), eth_newBlockFilter,
eth_newPendingTransactionFilter, then eth_getFilterChanges / eth_getFilterLogs /
eth_uninstallFilter by id.

A filter remembers the newest block it has reported; a poll reports what came after, up to the
head (at most MAX_BLOCKS_PER_POLL blocks at a time: the rest at the next poll). After a rewind
below it (an L1 reorg, node.removed_logs) a log filter first reports again, with `removed: true`,
the logs it had reported from the removed blocks, then both kinds report the replacing blocks.
A pending-transaction filter keeps
the hashes admitted since its last poll, at most MAX_PENDING_KEPT (the oldest dropped). Filters
unpolled for FILTER_TIMEOUT_SECONDS are removed, and at most MAX_FILTERS exist at once.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from node.removed_logs import RemovedLog, Rewind, take_removed_logs
from node.rpc_params import (
    BLOCK_TAGS,
    InvalidParams,
    LimitExceeded,
    LogCriteria,
    RpcError,
    matches,
    parse_quantity,
)

FILTER_TIMEOUT_SECONDS = 300.0
MAX_FILTERS = 10_000
MAX_BLOCKS_PER_POLL = 10_000
MAX_PENDING_KEPT = 10_000

FilterKind = Literal["logs", "blocks", "pending"]


class FilterNotFound(RpcError):
    """An id that names no filter (never installed, uninstalled, or expired)."""

    def __init__(self) -> None:
        super().__init__("filter not found", code=-32000)


@dataclass
class Filter:
    kind: FilterKind
    reported_through: int
    """The newest block this filter has reported (for logs and blocks)."""
    last_polled: float
    criteria: LogCriteria | None = None
    from_value: Any = None
    to_value: Any = None
    """A log filter's fromBlock and toBlock as given (tags resolve at each use)."""
    pending: deque[bytes] = field(default_factory=lambda: deque(maxlen=MAX_PENDING_KEPT))
    full: bool = False
    """A pending-transaction filter reporting whole transactions (geth's fullTransactions)."""
    reported_from: int = 0
    """The block after which this filter started reporting (the head when it was installed,
    lowered by rewinds below it)."""
    rewinds_seen: int = 0
    """The sequence number of the last rewind this filter has accounted for (node.removed_logs)."""

    def take_block_range(self, head: int) -> tuple[int, int] | None:
        """The blocks to report now (first, last), and mark them reported; None if none."""
        self.reported_through, span = take_block_span(
            self.reported_through, head, MAX_BLOCKS_PER_POLL
        )
        return span

    def take_rewinds(self, rewinds: Sequence[Rewind]) -> list[RemovedLog]:
        """Account for `rewinds`, those after the last one it accounted for: the logs it had
        reported that they removed (for a log filter: matching its address and topics, and
        within its fromBlock / toBlock where they name fixed blocks); it then reports the
        replacing blocks."""
        if not rewinds:
            return []
        self.reported_from, self.reported_through, removed = take_removed_logs(
            self.reported_from, self.reported_through, rewinds
        )
        self.rewinds_seen = rewinds[-1].sequence
        if self.kind != "logs" or self.criteria is None:
            return []
        low, high = fixed_block(self.from_value), fixed_block(self.to_value)
        return [
            entry
            for entry in removed
            if matches(self.criteria, entry.log.address, entry.log.topics)
            and (low is None or entry.log.block_number >= low)
            and (high is None or entry.log.block_number <= high)
        ]


def take_block_span(
    reported_through: int, head: int, limit: int
) -> tuple[int, tuple[int, int] | None]:
    """For a reader that has reported the blocks up to `reported_through`: what it reports now
    (first, last; at most `limit` blocks, or None), and what it has then reported. After a
    rewind below what it reported, the replacing blocks are new. Filters and WebSocket
    subscriptions (node.websocket) follow the head this way."""
    if head < reported_through:
        reported_through = head
    if head == reported_through:
        return reported_through, None
    last = min(head, reported_through + limit)
    return last, (reported_through + 1, last)


def fixed_block(value: Any) -> int | None:
    """A filter's fromBlock or toBlock if it names one block for good (a number, `earliest`);
    None for none, or a tag that moves with the heads (a log reported under it was within it)."""
    if isinstance(value, dict):  # EIP-1898: only {"blockNumber": ...} is fixed here
        value = value.get("blockNumber")
    if value == "earliest":
        return 0
    if value is None or (isinstance(value, str) and value in BLOCK_TAGS):
        return None
    try:
        return parse_quantity(value, "block")
    except InvalidParams:
        return None


def draw_id() -> str:
    """A fresh filter or subscription id: 128 random bits as a hex quantity (no leading zero
    digits, as the execution-apis schema and geth have it)."""
    return hex(secrets.randbits(128) | 1 << 127)


class FilterRegistry:
    """The installed filters of one node, by id. Used from the event loop's thread only."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.filters: dict[str, Filter] = {}

    def install(self, kind: FilterKind, head: int, **fields: Any) -> str:
        self.remove_expired()
        if len(self.filters) >= MAX_FILTERS:
            raise LimitExceeded(
                f"too many filters: at most {MAX_FILTERS}; uninstall unused ones or let them "
                f"expire ({FILTER_TIMEOUT_SECONDS:g} s unpolled)"
            )
        filter_id = draw_id()
        self.filters[filter_id] = Filter(kind, head, self.clock(), reported_from=head, **fields)
        return filter_id

    def poll(self, filter_id: Any) -> Filter:
        """The filter `filter_id` names, marked as used now."""
        self.remove_expired()
        found = self.filters.get(filter_id) if isinstance(filter_id, str) else None
        if found is None:
            raise FilterNotFound()
        found.last_polled = self.clock()
        return found

    def uninstall(self, filter_id: Any) -> bool:
        return isinstance(filter_id, str) and self.filters.pop(filter_id, None) is not None

    def record_pending(self, tx_hash: bytes) -> None:
        for installed in self.filters.values():
            if installed.kind == "pending":
                installed.pending.append(tx_hash)

    def remove_expired(self) -> None:
        deadline = self.clock() - FILTER_TIMEOUT_SECONDS
        for filter_id in [key for key, f in self.filters.items() if f.last_polled < deadline]:
            del self.filters[filter_id]
