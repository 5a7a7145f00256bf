"""Which logs a `logs` subscription delivers: eth_getLogs' rules (node.rpc_params.matches)."""

from __future__ import annotations

from node.rpc_params import LogCriteria, matches

A, B = b"\xaa" * 20, b"\xbb" * 20
T1, T2, T3 = b"\x01" * 32, b"\x02" * 32, b"\x03" * 32


def test_no_criteria_match_every_log() -> None:
    assert matches(LogCriteria(None, []), A, ())


def test_addresses_are_alternatives() -> None:
    criteria = LogCriteria([A, B], [])
    assert matches(criteria, A, (T1,)) and matches(criteria, B, (T1,))
    assert not matches(LogCriteria([A], []), B, (T1,))


def test_topics_are_positional_with_alternatives_and_wildcards() -> None:
    criteria = LogCriteria(None, [[T1], None, [T2, T3]])
    assert matches(criteria, A, (T1, T3, T3))
    assert matches(criteria, A, (T1, T1, T2, T3))
    assert not matches(criteria, A, (T2, T3, T3))
    assert not matches(criteria, A, (T1, T3, T1))


def test_a_log_with_fewer_topics_than_the_filter_positions_does_not_match() -> None:
    assert matches(LogCriteria(None, [None, None]), A, (T1, T2))
    assert not matches(LogCriteria(None, [None, None]), A, (T1,))
