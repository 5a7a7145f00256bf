"""The logs of the blocks that rewinds (L1 reorgs) removed, kept a while so that polling log filters
(node.filters) and WebSocket `logs` subscriptions (node.websocket) can tell their clients, as geth
does, that logs they were given are gone: the same logs again, with `removed: true`
(docs/ARCHITECTURE.md §4).

Node.rewind records every rewind here before it removes anything (the block it rewinds to, and the
removed blocks' logs read from storage) and marks it finished once the head has moved back. Every
rewind gets the next sequence number; a reader keeps the number of the last rewind it has
accounted for and asks for the finished rewinds after it (none while one is under way: the
verifier rewinds on its own thread), then reads the head.

Bounds: the journal holds the last MAX_REWINDS_KEPT rewinds and at most MAX_LOGS_KEPT logs in all.
A rewind that removes more logs keeps those of its oldest blocks (read_logs; `logs_through` says up
to which block its logs are whole); when the rewinds held have more logs than the bound, the oldest
rewinds lose their logs first (the rewinds themselves stay). A reader told of a rewind whose logs
are gone, or whose rewinds are older than the journal holds, is told of the removed logs that are
still held, no more.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from node.storage import StoredLog
from rollup.block import Header

MAX_REWINDS_KEPT = 64
MAX_LOGS_KEPT = 10_000


@dataclass(frozen=True, slots=True)
class RemovedLog:
    """A log of a removed block, with that block's timestamp (its hash is the log's)."""

    log: StoredLog
    block_timestamp: int


@dataclass(frozen=True, slots=True)
class Rewind:
    """One rewind: block `to_block` became the head; `logs` are the removed blocks' logs in order
    (block, log index), whole for the blocks up to `logs_through` and none after it."""

    sequence: int
    to_block: int
    logs: tuple[RemovedLog, ...]
    logs_through: int


class LogSource(Protocol):
    """What the journal reads the removed logs from (node.storage.Storage)."""

    def get_logs(
        self,
        from_block: int,
        to_block: int,
        addresses: Sequence[bytes] | None,
        topics: Sequence[Sequence[bytes] | None],
        max_results: int = ...,
    ) -> list[StoredLog]: ...

    def get_header(self, number: int) -> Header | None: ...


def read_logs(
    source: LogSource, first: int, last: int, limit: int = MAX_LOGS_KEPT
) -> tuple[list[RemovedLog], int]:
    """The logs of blocks first..last, at most `limit`, and the last block whose logs they hold
    whole (first - 1 if none). Beyond `limit`, the range is halved, keeping its oldest blocks,
    until their logs fit."""
    through = last
    while through >= first:
        try:
            found = source.get_logs(first, through, None, [], limit)
        except ValueError:  # more than `limit`: try the older half
            through = first + (through - first) // 2 if through > first else first - 1
            continue
        timestamps: dict[int, int] = {}
        for entry in found:
            if entry.block_number not in timestamps:
                header = source.get_header(entry.block_number)
                assert header is not None, f"block {entry.block_number} has logs but no header"
                timestamps[entry.block_number] = header.timestamp
        return [RemovedLog(entry, timestamps[entry.block_number]) for entry in found], through
    return [], first - 1


class RemovedLogJournal:
    """The last rewinds and their removed logs, bounded (the module's docstring). Written by the
    thread that rewinds the chain, read on the event loop: every access takes the lock."""

    def __init__(self, max_rewinds: int = MAX_REWINDS_KEPT, max_logs: int = MAX_LOGS_KEPT) -> None:
        self.max_logs = max_logs
        self._rewinds: deque[Rewind] = deque(maxlen=max_rewinds)
        self._begun = 0
        self._finished = 0
        self._lock = threading.Lock()

    @property
    def sequence(self) -> int:
        """The sequence number of the last rewind begun (0: none yet)."""
        return self._begun

    @property
    def finished(self) -> int:
        """The sequence number of the last rewind finished: where a new reader starts."""
        return self._finished

    def begin(self, to_block: int, logs: Sequence[RemovedLog], logs_through: int) -> Rewind:
        """Record a rewind to block `to_block` that removes `logs` (whole up to `logs_through`),
        before it changes anything; `finish` it once the head has moved back."""
        with self._lock:
            self._begun += 1
            if len(logs) > self.max_logs:  # whole blocks only
                cut = logs[self.max_logs].log.block_number
                logs = [entry for entry in logs if entry.log.block_number < cut]
                logs_through = min(logs_through, cut - 1)
            rewind = Rewind(self._begun, to_block, tuple(logs), logs_through)
            self._rewinds.append(rewind)
            held = sum(len(kept.logs) for kept in self._rewinds)
            for index in range(len(self._rewinds)):
                if held <= self.max_logs:
                    break
                kept = self._rewinds[index]
                held -= len(kept.logs)
                self._rewinds[index] = replace(kept, logs=(), logs_through=kept.to_block)
            return rewind

    def finish(self, rewind: Rewind) -> None:
        with self._lock:
            self._finished = max(self._finished, rewind.sequence)

    def since(self, sequence: int) -> list[Rewind] | None:
        """The rewinds held that came after rewind `sequence`, oldest first; None while one is
        under way (the head and storage may be half-way: ask again later)."""
        with self._lock:
            if self._finished != self._begun:
                return None
            return [rewind for rewind in self._rewinds if rewind.sequence > sequence]


def take_removed_logs(
    reported_from: int, reported_through: int, rewinds: Sequence[Rewind]
) -> tuple[int, int, list[RemovedLog]]:
    """For a reader that has reported the blocks after `reported_from` up to `reported_through`:
    the logs among them that `rewinds` removed (oldest rewind first), and what it has reported
    once they are taken back: each rewind below `reported_through` cuts both to its block."""
    removed: list[RemovedLog] = []
    for rewind in rewinds:
        if rewind.to_block >= reported_through:
            continue
        low = max(rewind.to_block, reported_from)
        removed.extend(
            entry for entry in rewind.logs if low < entry.log.block_number <= reported_through
        )
        reported_through = rewind.to_block
        reported_from = min(reported_from, rewind.to_block)
    return reported_from, reported_through, removed
