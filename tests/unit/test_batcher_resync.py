"""The batcher's resynchronisation with L1 (sequencer.batcher.Batcher.resync): at start and after a
send whose outcome is unknown, it posts nothing until no transaction of its key is pending and the
follower has read the L1 block that holds whatever of them was mined; then it re-reads progress."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from l1.rpc import L1BlockNotFound
from node.storage import L1Progress, Storage
from sequencer.batcher import Batcher
from sequencer.posting import PostingPolicy

SENDER = b"\x0b" * 20
POST_AT_ONCE = PostingPolicy(max_delay=0.0, sequencer_window=120)


class ScriptedL1:
    def __init__(self, mined: int, pending: int, head: int) -> None:
        self.mined, self.pending, self.head = mined, pending, head

    def get_transaction_count(self, address: bytes, tag: str) -> int:
        assert address == SENDER
        return self.mined if tag == "latest" else self.pending

    def block_number(self) -> int:
        return self.head


class ScriptedSender:
    def __init__(self, l1: ScriptedL1) -> None:
        self.client = l1
        self.address = SENDER
        self.next_nonce = 0

    def rewind_nonce(self) -> int:
        self.next_nonce = self.client.mined
        return self.next_nonce

    def count_pending(self) -> int:
        return self.client.pending - self.client.mined

    def send(self, *args: Any, **kwargs: Any) -> bytes:
        raise ConnectionError("L1 went away mid-request")


def make_batcher(l1: ScriptedL1, follower_head: int) -> Batcher:
    sender: Any = ScriptedSender(l1)
    follower: Any = SimpleNamespace(history={}, head_number=follower_head)
    storage: Any = SimpleNamespace(get_header=lambda number: None)
    return Batcher(storage, sender, follower, b"\x0c" * 20, 901, POST_AT_ONCE)


def test_a_new_batcher_resyncs_before_posting() -> None:
    assert make_batcher(ScriptedL1(3, 3, 10), follower_head=10).needs_resync


def test_resync_waits_while_a_transaction_of_ours_is_pending() -> None:
    l1 = ScriptedL1(mined=3, pending=4, head=10)
    batcher = make_batcher(l1, follower_head=10)

    assert not batcher.resync()

    assert batcher.needs_resync
    assert batcher.resync_at_l1_block is None


def test_resync_then_waits_for_the_follower_to_read_the_block_it_was_mined_in() -> None:
    l1 = ScriptedL1(mined=4, pending=4, head=12)
    batcher = make_batcher(l1, follower_head=11)

    assert not batcher.resync()
    assert batcher.resync_at_l1_block == 12

    batcher.follower.head_number = 12
    assert batcher.resync()
    assert not batcher.needs_resync
    assert batcher.sender.next_nonce == 4  # taken from L1's count of mined transactions


def test_a_send_that_fails_midway_makes_the_batcher_resync() -> None:
    batcher = make_batcher(ScriptedL1(0, 0, 5), follower_head=5)
    assert batcher.resync()
    # Something to post: the stored chain has block 1 on the genesis origin.
    headers = {0: _header(0), 1: _header(1)}
    batcher.storage = SimpleNamespace(
        get_header=headers.get, get_block_transactions=lambda number: []
    )
    batcher.follower.history = {0: SimpleNamespace(hash=b"\x01" * 32, messages=())}

    with pytest.raises(ConnectionError):
        batcher.tick(1)

    assert batcher.needs_resync
    assert batcher.in_flight is None
    assert batcher.posted_through == 0


def _header(number: int) -> Any:
    return SimpleNamespace(
        number=number, timestamp=1_000 + number, l1_origin_number=0, hash=bytes([number]) * 32
    )


class ChainOfBlocks:
    """L1 blocks 0..head whose hashes the test sets."""

    def __init__(self, head: int) -> None:
        self.hashes = {number: bytes([number]) * 32 for number in range(head + 1)}

    def get_block(self, number: int) -> Any:
        if number not in self.hashes:
            raise L1BlockNotFound(f"no L1 block {number}")
        return SimpleNamespace(hash=self.hashes[number])


def make_resuming_batcher(tmp_path: Path, l1: ChainOfBlocks) -> tuple[Batcher, list[Any]]:
    loads: list[Any] = []
    follower: Any = SimpleNamespace(
        client=l1, start_block=1, history={}, load=lambda first, last: loads.append((first, last))
    )
    storage = Storage.open(f"sqlite:///{tmp_path}/sequencer.db")
    sender: Any = ScriptedSender(ScriptedL1(0, 0, 0))
    return Batcher(storage, sender, follower, b"\x0c" * 20, 901, POST_AT_ONCE), loads


def test_a_restarted_batcher_reads_l1_from_its_newest_safe_batch_still_on_l1(
    tmp_path: Path,
) -> None:
    l1 = ChainOfBlocks(head=40)
    batcher, loads = make_resuming_batcher(tmp_path, l1)
    for l1_number, l2_head in ((20, 100), (30, 150)):
        batcher.storage.record_l1_progress(
            L1Progress(l1_number, l1.hashes[l1_number], bytes(32), 0, l2_head)
        )

    batcher.resume_from_storage(head_origin=35)

    assert loads == [(30, 30)]  # the origin of its head (35) comes later: read L1 from 30
    assert batcher.checkpoint is not None and batcher.checkpoint.l2_head == 150


def test_a_stored_batch_a_reorg_removed_while_stopped_is_not_resumed_from(tmp_path: Path) -> None:
    l1 = ChainOfBlocks(head=40)
    batcher, loads = make_resuming_batcher(tmp_path, l1)
    for l1_number, l2_head in ((20, 100), (30, 150)):
        batcher.storage.record_l1_progress(
            L1Progress(l1_number, l1.hashes[l1_number], bytes(32), 0, l2_head)
        )
    l1.hashes[30] = b"\xee" * 32  # replaced while the sequencer was stopped

    batcher.resume_from_storage(head_origin=35)

    assert loads == [(20, 20)]
    assert batcher.checkpoint is not None and batcher.checkpoint.l2_head == 100
    assert [row.l1_number for row in batcher.storage.get_l1_progress(10)] == [20]


def test_without_stored_batches_the_batcher_reads_l1_from_the_deployment(tmp_path: Path) -> None:
    batcher, loads = make_resuming_batcher(tmp_path, ChainOfBlocks(head=40))
    batcher.resume_from_storage(head_origin=35)
    assert loads == []
    assert batcher.checkpoint is None
