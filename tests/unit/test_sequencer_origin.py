"""The sequencer's L1 origin and block time (sequencer.role): the newest L1 block read, one behind
the head, followed even when L1's clock runs ahead of ours (up to max_drift), with the block never
before its origin nor more than max_drift after it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from node.chain import Node
from node.storage import Storage
from rollup.derivation import L1BlockData
from rollup.genesis import build_genesis
from sequencer.role import Sequencer
from tests.unit.helpers import base_document

GENESIS_TIME = 1_000  # base_document's


def open_sequencer(tmp_path: Path, l1_times: list[int]) -> Sequencer:
    """A sequencer whose follower has read L1 blocks 0.. with these timestamps."""
    sequencer = Sequencer(
        Node(Storage.open(f"sqlite:///{tmp_path}/node.db"), base_document()), block_time=None
    )
    history = {n: L1BlockData(n, bytes(32), bytes(32), t, (), ()) for n, t in enumerate(l1_times)}
    follower: Any = SimpleNamespace(history=history, head_number=len(l1_times) - 1)
    sequencer.node.follower = follower
    return sequencer


def max_drift() -> int:
    return build_genesis(base_document()).config.max_drift


def test_the_origin_is_the_newest_l1_block_but_one(tmp_path: Path) -> None:
    sequencer = open_sequencer(tmp_path, [GENESIS_TIME + n for n in range(6)])
    block = sequencer.build_block(GENESIS_TIME + 10)
    assert (block.header.l1_origin_number, block.header.timestamp) == (4, GENESIS_TIME + 10)


def test_an_l1_ahead_of_our_clock_is_followed_and_the_block_takes_its_time(
    tmp_path: Path,
) -> None:
    ahead = GENESIS_TIME + 10 + max_drift()  # exactly max_drift past our clock
    sequencer = open_sequencer(tmp_path, [GENESIS_TIME, GENESIS_TIME + 1, ahead, ahead + 1])
    block = sequencer.build_block(GENESIS_TIME + 10)
    assert (block.header.l1_origin_number, block.header.timestamp) == (2, ahead)


def test_an_l1_block_more_than_max_drift_ahead_waits(tmp_path: Path) -> None:
    ahead = GENESIS_TIME + 10 + max_drift() + 1
    sequencer = open_sequencer(tmp_path, [GENESIS_TIME, GENESIS_TIME + 1, ahead, ahead + 1])
    block = sequencer.build_block(GENESIS_TIME + 10)
    assert (block.header.l1_origin_number, block.header.timestamp) == (1, GENESIS_TIME + 10)


def test_a_block_stays_within_max_drift_of_an_old_origin(tmp_path: Path) -> None:
    # L1 stalled: its newest block (but one) is old; L2 time stops max_drift after it.
    sequencer = open_sequencer(tmp_path, [GENESIS_TIME, GENESIS_TIME + 1, GENESIS_TIME + 2])
    block = sequencer.build_block(GENESIS_TIME + 5_000)
    assert (block.header.l1_origin_number, block.header.timestamp) == (
        1,
        GENESIS_TIME + 1 + max_drift(),
    )
