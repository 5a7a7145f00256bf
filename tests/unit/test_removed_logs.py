"""The journal of logs that rewinds removed (node.removed_logs): sequence numbers, its bounds, how
the removed logs are read, and which of them a reader gets back (take_removed_logs)."""

from __future__ import annotations

from collections.abc import Sequence

from node.removed_logs import (
    MAX_REWINDS_KEPT,
    RemovedLog,
    RemovedLogJournal,
    Rewind,
    read_logs,
    take_removed_logs,
)
from node.storage import StoredLog
from rollup.block import Header

ADDRESS = b"\xaa" * 20
TOPIC = b"\x01" * 32


def stored_log(block: int, log_index: int = 0) -> StoredLog:
    return StoredLog(
        block_number=block,
        tx_index=0,
        log_index=log_index,
        tx_hash=bytes([log_index]) * 32,
        address=ADDRESS,
        topics=(TOPIC,),
        data=b"",
        block_hash=bytes([block]) * 32,
    )


def removed(block: int, log_index: int = 0) -> RemovedLog:
    return RemovedLog(stored_log(block, log_index), 1_000 + block)


def positions(logs: Sequence[RemovedLog]) -> list[tuple[int, int]]:
    return [(entry.log.block_number, entry.log.log_index) for entry in logs]


def record(
    journal: RemovedLogJournal, to_block: int, logs: Sequence[RemovedLog], logs_through: int
) -> Rewind:
    """A whole rewind: begun, then finished."""
    rewind = journal.begin(to_block, logs, logs_through)
    journal.finish(rewind)
    return rewind


# ---------------------------------------------------------------------------------------------
# The journal


def test_each_rewind_gets_the_next_sequence_number() -> None:
    journal = RemovedLogJournal()
    assert journal.sequence == 0
    assert [record(journal, to_block, [], to_block).sequence for to_block in (9, 7, 8)] == [1, 2, 3]
    assert journal.sequence == 3


def test_while_a_rewind_is_under_way_since_answers_none_and_new_readers_start_before_it() -> None:
    journal = RemovedLogJournal()
    record(journal, 9, [], 9)
    rewind = journal.begin(7, [removed(8)], 8)
    assert (journal.since(0), journal.sequence, journal.finished) == (None, 2, 1)
    journal.finish(rewind)
    assert ([r.sequence for r in journal.since(0) or []], journal.finished) == ([1, 2], 2)


def test_since_returns_the_rewinds_after_the_given_one_oldest_first() -> None:
    journal = RemovedLogJournal()
    for to_block in (9, 7, 8):
        record(journal, to_block, [], to_block)
    assert [(r.sequence, r.to_block) for r in journal.since(1) or []] == [(2, 7), (3, 8)]
    assert journal.since(3) == []


def test_the_journal_holds_the_last_rewinds_only() -> None:
    journal = RemovedLogJournal()
    for to_block in range(MAX_REWINDS_KEPT + 1):
        record(journal, to_block, [], to_block)
    held = journal.since(0) or []
    assert (len(held), held[0].sequence, held[-1].sequence) == (
        MAX_REWINDS_KEPT,
        2,
        MAX_REWINDS_KEPT + 1,
    )


def test_logs_up_to_the_bound_are_all_kept() -> None:
    journal = RemovedLogJournal(max_logs=5)
    record(journal, 4, [removed(5), removed(5, 1)], 6)
    record(journal, 4, [removed(5), removed(6), removed(7)], 7)
    assert [positions(rewind.logs) for rewind in journal.since(0) or []] == [
        [(5, 0), (5, 1)],
        [(5, 0), (6, 0), (7, 0)],
    ]


def test_beyond_the_bound_the_oldest_rewinds_lose_their_logs_first() -> None:
    journal = RemovedLogJournal(max_logs=5)
    record(journal, 4, [removed(5), removed(6), removed(6, 1)], 6)
    record(journal, 2, [removed(3)], 3)
    record(journal, 1, [removed(2), removed(3)], 3)
    first, second, third = journal.since(0) or []
    assert (first.to_block, first.logs, first.logs_through) == (4, (), 4)
    assert positions(second.logs) == [(3, 0)]
    assert positions(third.logs) == [(2, 0), (3, 0)]


def test_a_rewind_removing_more_logs_than_the_bound_keeps_its_oldest_whole_blocks() -> None:
    journal = RemovedLogJournal(max_logs=3)
    rewind = record(journal, 4, [removed(5), removed(5, 1), removed(6), removed(6, 1)], 6)
    assert (positions(rewind.logs), rewind.logs_through) == ([(5, 0), (5, 1)], 5)


# ---------------------------------------------------------------------------------------------
# Reading the removed logs (Node.rewind, from storage)


class Source:
    """Stored logs by block, refusing a range with more than `max_results` (as Storage)."""

    def __init__(self, logs_per_block: dict[int, int]) -> None:
        self.logs = [
            stored_log(block, index)
            for block, count in sorted(logs_per_block.items())
            for index in range(count)
        ]
        self.queries: list[tuple[int, int]] = []

    def get_logs(
        self,
        from_block: int,
        to_block: int,
        addresses: Sequence[bytes] | None,
        topics: Sequence[Sequence[bytes] | None],
        max_results: int = 10_000,
    ) -> list[StoredLog]:
        self.queries.append((from_block, to_block))
        found = [entry for entry in self.logs if from_block <= entry.block_number <= to_block]
        if len(found) > max_results:
            raise ValueError(f"query returned more than {max_results} results")
        return found

    def get_header(self, number: int) -> Header | None:
        return Header(
            parent_hash=bytes(32),
            number=number,
            timestamp=1_000 + number,
            l1_origin_number=0,
            state_root=bytes(32),
            transactions_root=bytes(32),
            gas_limit=30_000_000,
            gas_used=0,
            base_fee=0,
        )


def test_read_logs_reads_every_log_of_the_removed_blocks_with_their_timestamps() -> None:
    logs, through = read_logs(Source({5: 2, 7: 1}), 5, 8)
    assert positions(logs) == [(5, 0), (5, 1), (7, 0)]
    assert [entry.block_timestamp for entry in logs] == [1_005, 1_005, 1_007]
    assert through == 8


def test_read_logs_beyond_the_limit_halves_the_range_keeping_the_oldest_blocks() -> None:
    source = Source({block: 1 for block in range(1, 9)})
    logs, through = read_logs(source, 1, 8, limit=3)
    assert source.queries == [(1, 8), (1, 4), (1, 2)]
    assert (positions(logs), through) == ([(1, 0), (2, 0)], 2)


def test_read_logs_keeps_nothing_when_the_first_block_alone_is_over_the_limit() -> None:
    assert read_logs(Source({5: 4, 6: 1}), 5, 6, limit=3) == ([], 4)


# ---------------------------------------------------------------------------------------------
# Which removed logs a reader gets back


def rewind(sequence: int, to_block: int, *logs: RemovedLog) -> Rewind:
    through = max((entry.log.block_number for entry in logs), default=to_block)
    return Rewind(sequence, to_block, logs, through)


def test_a_reader_that_reported_through_exactly_the_rewind_point_gets_nothing_removed() -> None:
    rewinds = [rewind(1, 8, removed(9), removed(10))]
    assert take_removed_logs(0, 8, rewinds) == (0, 8, [])


def test_a_reader_that_reported_one_block_past_the_rewind_point_gets_that_blocks_logs() -> None:
    rewinds = [rewind(1, 8, removed(9), removed(9, 1), removed(10))]
    reported_from, reported_through, logs = take_removed_logs(0, 9, rewinds)
    assert (reported_from, reported_through, positions(logs)) == (0, 8, [(9, 0), (9, 1)])


def test_a_reader_gets_no_removed_logs_of_blocks_from_before_it_started() -> None:
    rewinds = [rewind(1, 6, removed(7), removed(8), removed(9))]
    reported_from, reported_through, logs = take_removed_logs(7, 9, rewinds)
    assert (reported_from, reported_through, positions(logs)) == (6, 6, [(8, 0), (9, 0)])


def test_a_second_rewind_removes_nothing_the_reader_got_after_the_first() -> None:
    """Reported through 10; rewound to 8 (the old 9 and 10 removed), 9-11 built again but not
    reported yet, rewound to 9 (the new 10 and 11 removed): only the old 9 and 10 come back."""
    first = rewind(1, 8, removed(9), removed(10))
    second = rewind(2, 9, removed(10, 5), removed(11, 5))
    assert take_removed_logs(0, 10, [first, second]) == (0, 8, [removed(9), removed(10)])


def test_a_rewind_above_what_the_reader_reported_changes_nothing() -> None:
    assert take_removed_logs(3, 5, [rewind(1, 7, removed(8))]) == (3, 5, [])
