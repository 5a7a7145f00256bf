"""A restarted verifier resumes from its stored L1 progress (prover.verifier.Verifier.resume): after
the newest L1 block it processed that L1 still has, reading only the L1 blocks its safe head's
origin needs; a reorg while it was stopped, or a stop half-way through an L1 block, rolls L2 back
to the head recorded at the block it resumes after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from l1.follower import PollResult
from l1.rpc import L1Block, L1BlockNotFound
from node.chain import Node
from node.storage import L1Progress, Storage
from prover.verifier import Verifier
from rollup.derivation import L1BlockData
from tests.unit.helpers import Chain
from tests.unit.test_verifier_recovery import build_chain, one_batch_per_l1_block


class ScriptedL1:
    """The L1 chain as `history` says, whose blocks the test may replace."""

    def __init__(self, history: dict[int, L1BlockData]) -> None:
        self.history = dict(history)

    def get_block(self, number: int) -> L1Block:
        block = self.history.get(number)
        if block is None:
            raise L1BlockNotFound(f"no L1 block {number}")
        return L1Block(block.number, block.hash, block.parent_hash, block.timestamp, 0)

    def get_logs(self, *_args: Any) -> list[Any]:
        return []


class Follower:
    """Reads the scripted L1: everything at the first poll; `load` as the real one."""

    def __init__(self, l1: ScriptedL1) -> None:
        self.client = l1
        self.history: dict[int, L1BlockData] = {0: l1.history[0]}
        self.start_block = 1
        self.head_number = 0
        self.loads: list[tuple[int, int]] = []

    def poll(self) -> PollResult:
        last = max(self.client.history)
        new = [self.client.history[n] for n in range(self.head_number + 1, last + 1)]
        for block in new:
            self.history[block.number] = block
        self.head_number = last
        return PollResult(new_blocks=new)

    def load(self, first: int, last: int) -> None:
        self.loads.append((first, last))
        for number in range(first, last + 1):
            self.history[number] = self.client.history[number]
        self.head_number = last

    def prune(self, keep_from: int) -> None:
        pass


@pytest.fixture
def chain_and_l1() -> tuple[Chain, ScriptedL1]:
    chain, blocks = build_chain(6)
    return chain, ScriptedL1(one_batch_per_l1_block(chain, blocks))  # L2 1-2, 3-4, 5-6


@pytest.fixture
def storage_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path}/verifier.db"


def run_verifier(
    chain: Chain, l1: ScriptedL1, url: str, stored: list[int] | None = None
) -> tuple[Verifier, Follower]:
    """A verifier process: open the storage, step once (resuming first); the numbers of the
    blocks it stores go to `stored`."""
    node = Node(Storage.open(url), chain.document)
    if stored is not None:
        append_block = node.storage.append_block

        def append_and_note(execution: Any) -> None:
            stored.append(execution.header.number)
            append_block(execution)

        node.storage.append_block = append_and_note  # type: ignore[method-assign]
    follower = Follower(l1)
    follower_any: Any = follower
    verifier = Verifier(node, follower_any, bytes(20))
    verifier.step()
    return verifier, follower


def test_each_l1_block_processed_is_recorded_with_the_l2_head_after_it(
    chain_and_l1: tuple[Chain, ScriptedL1], storage_url: str
) -> None:
    chain, l1 = chain_and_l1
    verifier, _ = run_verifier(chain, l1, storage_url)
    rows = verifier.node.storage.get_l1_progress(10)
    assert [(row.l1_number, row.l2_head) for row in rows] == [(3, 6), (2, 4), (1, 2)]
    assert rows[0] == L1Progress(3, l1.history[3].hash, l1.history[2].hash, 1_000 + 36, 6)
    verifier.node.close()


def test_a_restarted_verifier_resumes_after_its_last_l1_block(
    chain_and_l1: tuple[Chain, ScriptedL1], storage_url: str
) -> None:
    chain, l1 = chain_and_l1
    run_verifier(chain, l1, storage_url)[0].node.close()

    stored: list[int] = []
    verifier, follower = run_verifier(chain, l1, storage_url, stored)

    # Its head's origin is L1 block 0: it reads L1 from there to block 3, and derives nothing
    # again.
    assert follower.loads == [(1, 3)]
    assert stored == []
    assert verifier.derived_through == 3
    assert verifier.node.head == chain.head
    verifier.node.close()


def test_a_reorg_while_stopped_rolls_l2_back_to_the_common_l1_block(
    chain_and_l1: tuple[Chain, ScriptedL1], storage_url: str
) -> None:
    chain, l1 = chain_and_l1
    run_verifier(chain, l1, storage_url)[0].node.close()
    replaced = l1.history[3]
    l1.history[3] = L1BlockData(3, b"\x33" * 32, replaced.parent_hash, replaced.timestamp, (), ())

    stored: list[int] = []
    verifier, follower = run_verifier(chain, l1, storage_url, stored)

    assert follower.loads == [(1, 2)]
    assert stored == []  # the new L1 block 3 carries no batch
    assert verifier.node.head == chain.blocks[3].header  # L2 block 4: L1 block 3's are gone
    assert [row.l1_number for row in verifier.node.storage.get_l1_progress(10)] == [3, 2, 1]
    verifier.node.close()


def test_a_stop_half_way_through_an_l1_block_derives_it_again(
    chain_and_l1: tuple[Chain, ScriptedL1], storage_url: str
) -> None:
    chain, l1 = chain_and_l1
    verifier, _ = run_verifier(chain, l1, storage_url)
    # Stopped after storing L2 blocks 5-6 of L1 block 3, before recording L1 block 3.
    verifier.node.storage.forget_l1_progress_after(2)
    verifier.node.close()

    stored: list[int] = []
    verifier, follower = run_verifier(chain, l1, storage_url, stored)

    assert follower.loads == [(1, 2)]
    assert stored == [5, 6]  # derived again from L1 block 3
    assert verifier.node.head == chain.head
    assert verifier.node.storage.get_l1_progress(1)[0].l2_head == 6
    verifier.node.close()
