"""The L1 follower's reorg handling (l1.follower): it rewinds to the last common block, of any
depth short of L1's finalized block; a reorg below that is refused and nothing is forgotten."""

from __future__ import annotations

from typing import Any

import pytest

from l1.follower import L1Follower, L1ReorgPastFinality
from l1.rpc import L1Block, L1BlockNotFound, L1Log

INBOX = bytes.fromhex("00000000000000000000000000000000000b0b01")
BRIDGE = bytes.fromhex("00000000000000000000000000000000000b0b02")


class ScriptedL1:
    """An L1 whose blocks the test writes: block n's hash is (fork, n), chained by parent."""

    def __init__(self, length: int) -> None:
        self.blocks: list[L1Block] = []
        self.finalized = 0
        self.extend(length, fork=0)

    def extend(self, count: int, fork: int) -> None:
        for _ in range(count):
            number = len(self.blocks)
            parent = self.blocks[-1].hash if self.blocks else bytes(32)
            block_hash = bytes([fork]) + number.to_bytes(31, "big")
            self.blocks.append(L1Block(number, block_hash, parent, 1_000 + number, 0))

    def reorg(self, depth: int, fork: int) -> None:
        length = len(self.blocks)
        del self.blocks[length - depth :]
        self.extend(depth, fork)

    # -- what L1Follower calls -------------------------------------------------------------

    def block_number(self) -> int:
        return len(self.blocks) - 1

    def get_block(self, block: int | str) -> L1Block:
        number = self.finalized if block == "finalized" else block
        assert isinstance(number, int)
        if number >= len(self.blocks):
            raise L1BlockNotFound(f"no L1 block {number}")
        return self.blocks[number]

    def request_batch(self, calls: list[tuple[str, list[Any]]]) -> list[dict[str, str]]:
        replies = []
        for _method, (number, _full) in calls:
            block = self.blocks[int(number, 16)]
            replies.append(
                {
                    "number": hex(block.number),
                    "hash": "0x" + block.hash.hex(),
                    "parentHash": "0x" + block.parent_hash.hex(),
                    "timestamp": hex(block.timestamp),
                }
            )
        return replies

    def get_logs(self, *args: Any) -> list[L1Log]:
        return []


def follow(l1: ScriptedL1) -> L1Follower:
    client: Any = l1
    follower = L1Follower(client, INBOX, BRIDGE, start_block=1)
    while follower.poll().new_blocks:
        pass
    return follower


@pytest.mark.parametrize("depth", [1, 3, 6, 12])
def test_a_reorg_rewinds_to_the_last_common_block_and_reads_the_new_blocks(depth: int) -> None:
    l1 = ScriptedL1(40)
    follower = follow(l1)
    l1.reorg(depth, fork=1)

    result = follower.poll()

    assert result.reorged_to == 39 - depth
    assert [block.hash for block in result.new_blocks] == [b.hash for b in l1.blocks[40 - depth :]]
    assert follower.head_number == 39


def test_a_reorg_down_to_the_finalized_block_is_followed() -> None:
    l1 = ScriptedL1(40)
    follower = follow(l1)
    l1.finalized = 33
    l1.reorg(6, fork=1)  # replaces 34-39: the finalized block 33 stays

    assert follower.poll().reorged_to == 33


def test_a_reorg_below_the_finalized_block_is_refused_and_nothing_is_forgotten() -> None:
    l1 = ScriptedL1(40)
    follower = follow(l1)
    l1.finalized = 34
    known = dict(follower.history)
    l1.reorg(6, fork=1)  # replaces 34-39: L1 went back on its finalized block 34

    with pytest.raises(L1ReorgPastFinality, match="below its finalized block 34"):
        follower.poll()

    assert follower.history == known
    assert follower.head_number == 39
