"""The rule-breaking faults of `rollup sequencer --fault` (faults.rules): each sequencer's chain is
one derivation does not give, the kind's machine replays it exactly, and the first step where the
two traces part is one the honest machine (the one-step prover's rules) refutes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from faults.rules import (
    BAD_PARENT,
    FUTURE_JUMP,
    FUTURE_TIMESTAMP,
    GARBAGE_TAIL,
    RULE_KINDS,
    STALE_ORIGIN,
    ParentForgingBatcher,
    RuleBreakingOutputs,
    StaleOriginSequencer,
    TailGarblingBatcher,
    TimeJumpingSequencer,
    append_unreadable_block,
    forge_parent,
)
from node.chain import Node
from node.storage import Storage
from prover.traces import NodeTraceProvider, Trace
from rollup.batch import Batch, BatchBlock, read_batch
from rollup.block import BlockExecution, SignedTransaction, execute_block
from rollup.deposit import QueuedMessage
from rollup.derivation import L1BlockData
from rollup.genesis import build_genesis
from rollup.machine import Machine, make_genesis_step_state
from rollup.stepstate import PHASE_BLOCK_START
from sequencer.posting import PostingPolicy
from sequencer.role import Sequencer
from tests.unit.helpers import ADDRESSES, ANVIL_KEYS, Chain, base_document
from tests.unit.test_dispute_faults import Inputs
from tests.unit.test_machine import FakeL1, deposit, derive, l1_time, make_batch

ALICE_KEY = ANVIL_KEYS[0]
BOB, CAROL = ADDRESSES[1], ADDRESSES[4]
WINDOW = 4
CLOCK = 20
"""L1 is read to block 20: the window has long lapsed after every batch, so derivation reaches
every block number the sequencer's chain has (with deposit-only blocks of its own)."""


@dataclass
class FaultyChain:
    """A sequencer's chain that breaks one rule, and what it posted to L1."""

    document: dict[str, Any]
    l1: FakeL1
    blocks: list[BlockExecution]

    @property
    def head(self) -> int:
        return len(self.blocks)


class Sequencing:
    def __init__(self) -> None:
        self.document = base_document(sequencerWindow=WINDOW)
        self.chain = Chain(self.document)
        self.genesis = build_genesis(self.document).header
        self.l1 = FakeL1()
        self.blocks: list[BlockExecution] = []

    def block(
        self,
        timestamp: int,
        origin: int,
        transfers: int = 1,
        messages: tuple[QueuedMessage, ...] = (),
    ) -> None:
        txs: list[SignedTransaction] = [
            self.chain.sign(ALICE_KEY, BOB, b"", 10**15) for _ in range(transfers)
        ]
        block = execute_block(
            self.chain.state,
            self.chain.config,
            self.chain.head,
            txs,
            timestamp,
            origin,
            list(messages),
        )
        assert not block.skipped
        self.chain.head = block.header
        self.chain._pending.clear()
        self.blocks.append(block)

    def batch(self, first: int, last: int) -> Batch:
        parent = self.genesis if first == 1 else self.blocks[first - 2].header
        return Batch(
            first,
            parent.hash,
            parent.timestamp,
            parent.l1_origin_number,
            tuple(
                BatchBlock(
                    self.blocks[n - 1].header.timestamp,
                    self.blocks[n - 1].header.l1_origin_number,
                    tuple(tx.tx for tx in self.blocks[n - 1].sequenced_transactions),
                )
                for n in range(first, last + 1)
            ),
        )

    def done(self) -> FaultyChain:
        self.l1.clock = CLOCK
        return FaultyChain(self.document, self.l1, self.blocks)


def build_faulty_chain(kind: str) -> FaultyChain:
    s = Sequencing()
    if kind == FUTURE_TIMESTAMP:
        # Block 2 a year after block 1; both carried in L1 block 3 (t = 1003).
        s.block(l1_time(1), 1)
        s.block(l1_time(1) + FUTURE_JUMP, 1)
        s.l1.carry(make_batch(s.genesis, s.blocks, 1, 2), 3)
    elif kind == STALE_ORIGIN:
        # A deposit in L1 block 2; the sequencer stays on origin 1 and posts block 2 in L1 block
        # 9, after the window (1 + 4 < 8) has lapsed.
        s.l1.messages = [deposit(0, CAROL, 10**18, 2)]
        s.block(l1_time(1), 1)
        s.l1.carry(make_batch(s.genesis, s.blocks, 1, 1), 2)
        s.block(l1_time(2), 1)
        s.l1.carry(make_batch(s.genesis, s.blocks, 2, 2), 9)
    elif kind == BAD_PARENT:
        s.block(l1_time(1), 1)
        s.l1.carry(make_batch(s.genesis, s.blocks, 1, 1), 2)
        s.block(l1_time(2), 2)
        s.l1.carry(forge_parent(s.batch(2, 2)), 3)
    elif kind == GARBAGE_TAIL:
        # Blocks 1 and 2, then a block whose transaction does not decode; block 3 after them.
        s.block(l1_time(1), 1)
        s.block(l1_time(1), 1, transfers=2)
        s.l1.carry(append_unreadable_block(s.batch(1, 2)), 2)
        s.block(l1_time(2), 2)
        s.l1.carry(make_batch(s.genesis, s.blocks, 3, 3), 3)
    else:
        raise ValueError(kind)
    return s.done()


def outputs_for(tmp_path: Path, chain: FaultyChain, kind: str) -> RuleBreakingOutputs:
    """The faulty sequencer's proposer and defender over its own stored chain."""
    storage = Storage(f"sqlite:///{tmp_path / 'node.db'}")
    storage.initialize_genesis(build_genesis(chain.document), orjson.dumps(chain.document))
    for block in chain.blocks:
        storage.append_block(block)
    config = build_genesis(chain.document).config
    return RuleBreakingOutputs(NodeTraceProvider(storage, config, Inputs(chain.l1)), kind)


def honest_trace(chain: FaultyChain) -> Trace:
    genesis = build_genesis(chain.document)
    machine = Machine(genesis.config, chain.l1)
    start = make_genesis_step_state(genesis.config, genesis.header)
    return Trace(0, chain.head, machine.run_to(genesis.state, start, chain.head))


@pytest.mark.parametrize("kind", RULE_KINDS)
def test_derivation_does_not_give_the_faulty_sequencers_chain(kind: str) -> None:
    chain = build_faulty_chain(kind)
    derived = derive(chain.l1, chain.document)
    assert len(derived) >= chain.head
    assert derived[chain.head - 1].hash != chain.blocks[-1].header.hash


@pytest.mark.parametrize("kind", RULE_KINDS)
def test_the_kinds_machine_replays_the_sequencers_chain_and_proposes_it_once(
    tmp_path: Path, kind: str
) -> None:
    chain = build_faulty_chain(kind)
    outputs = outputs_for(tmp_path, chain, kind)
    header = chain.blocks[-1].header
    proposed = outputs.get_output(0, header)
    assert proposed is not None
    assert proposed.step_state.block_number == header.number
    assert proposed.step_state.block_hash == header.hash
    assert proposed.step_state.state_root == header.state_root
    assert proposed.withdrawal_root == header.withdrawal_root
    assert outputs.get_output(0, header) is None  # caught: it proposes nothing more


@pytest.mark.parametrize(
    ("kind", "where"),
    [
        (FUTURE_TIMESTAMP, "batch block"),
        (STALE_ORIGIN, "between batches"),
        (BAD_PARENT, "between batches"),
        (GARBAGE_TAIL, "batch block"),
    ],
)
def test_the_one_step_proof_at_the_first_difference_refutes_the_defender(
    tmp_path: Path, kind: str, where: str
) -> None:
    chain = build_faulty_chain(kind)
    outputs = outputs_for(tmp_path, chain, kind)
    faulty = outputs.trace(0, chain.head)
    honest = honest_trace(chain)
    k = next(i for i in range(faulty.steps) if faulty.hash_at(i + 1) != honest.hash_at(i + 1))
    pre = faulty.states[k]
    assert pre == honest.states[k]
    assert pre.phase == PHASE_BLOCK_START
    assert (pre.blocks_left == 0) == (where == "between batches")
    # The defender's own machine claims its post-state; the rules of the one-step prover (the
    # honest machine from the same pre-state) give another.
    defended = outputs.one_step(faulty, k)
    assert defended.pre == pre and defended.post == faulty.states[k + 1]
    genesis = build_genesis(chain.document)
    state = genesis.state
    machine = Machine(genesis.config, chain.l1)
    step = make_genesis_step_state(genesis.config, genesis.header)
    for _ in range(k):
        step, _ = machine.execute_step(state, step, chain.head)
    post, _ = machine.execute_step(state, step, chain.head)
    assert post == honest.states[k + 1] != faulty.states[k + 1]


def test_a_stale_origin_keeps_the_deposit_out_and_derivation_brings_it_in() -> None:
    chain = build_faulty_chain(STALE_ORIGIN)
    derived = derive(chain.l1, chain.document)
    # Deposit-only blocks for origins 2.. (the first holds the deposit of L1 block 2).
    assert [h.l1_origin_number for h in derived[1:4]] == [2, 3, 4]
    assert derived[1].timestamp == l1_time(2)
    assert chain.blocks[1].header.l1_origin_number == 1
    assert chain.blocks[1].l1_message_count == 0
    assert derived[1].gas_used == 0 and derived[1].transactions_root != bytes(32)


def test_a_garbage_tail_block_is_derived_empty_and_ends_the_batch() -> None:
    chain = build_faulty_chain(GARBAGE_TAIL)
    data = chain.l1.batches[0].data
    read = read_batch(data, build_genesis(chain.document).config.chain_id)
    assert read is not None
    assert [len(b.transactions) for b in read.blocks] == [1, 2, 0]
    derived = derive(chain.l1, chain.document)
    assert derived[2].gas_used == 0 and derived[2].l1_origin_number == 1
    assert derived[2].transactions_root == bytes(32)


def test_a_time_jump_is_clamped_to_max_drift_after_its_l1_block() -> None:
    chain = build_faulty_chain(FUTURE_TIMESTAMP)
    derived = derive(chain.l1, chain.document)
    config = build_genesis(chain.document).config
    assert derived[1].timestamp == l1_time(3) + config.max_drift
    assert chain.blocks[1].header.timestamp == l1_time(1) + FUTURE_JUMP


# -- the sequencers and batchers -----------------------------------------------------------------


def open_sequencer(tmp_path: Path, cls: type[Sequencer]) -> Sequencer:
    document = base_document()
    return cls(Node(Storage.open(f"sqlite:///{tmp_path}/node.db"), document), block_time=None)


def submit_transfer(sequencer: Sequencer, nonce: int) -> None:
    chain = Chain(base_document())
    sequencer.submit_transaction(chain.sign(ALICE_KEY, BOB, b"", 1, nonce=nonce))


def test_the_time_jumping_sequencer_stamps_a_block_with_a_transaction_a_year_ahead(
    tmp_path: Path,
) -> None:
    sequencer = open_sequencer(tmp_path, TimeJumpingSequencer)
    genesis = sequencer.node.head
    empty = sequencer.build_block(genesis.timestamp + 5)
    assert empty.header.timestamp == genesis.timestamp + 5
    submit_transfer(sequencer, 0)
    jumped = sequencer.build_block(genesis.timestamp + 6)
    assert len(jumped.transactions) == 1
    assert jumped.header.timestamp == empty.header.timestamp + FUTURE_JUMP
    after = sequencer.build_block(genesis.timestamp + 7)  # time does not go back
    assert after.header.timestamp == jumped.header.timestamp


def history_to(number: int) -> dict[int, L1BlockData]:
    return {n: L1BlockData(n, bytes(32), bytes(32), l1_time(n), (), ()) for n in range(number + 1)}


def test_the_stale_origin_sequencer_stops_advancing_at_its_first_transaction(
    tmp_path: Path,
) -> None:
    sequencer = open_sequencer(tmp_path, StaleOriginSequencer)
    follower: Any = SimpleNamespace(history=history_to(5), head_number=5)
    sequencer.node.follower = follower
    first = sequencer.build_block(l1_time(5))
    assert first.header.l1_origin_number == 4  # one behind the newest read (ORIGIN_LAG)
    submit_transfer(sequencer, 0)
    follower.history, follower.head_number = history_to(9), 9
    frozen = sequencer.build_block(l1_time(9))
    assert len(frozen.transactions) == 1
    assert frozen.header.l1_origin_number == 4
    follower.history, follower.head_number = history_to(30), 30
    assert sequencer.build_block(l1_time(30)).header.l1_origin_number == 4


def make_batch_of(transfers: list[int]) -> Batch:
    """A batch of blocks holding `transfers[i]` transfers each."""
    chain = Chain(base_document())
    genesis = build_genesis(base_document()).header
    nonce = 0
    blocks = []
    for count in transfers:
        txs = []
        for _ in range(count):
            txs.append(chain.sign(ALICE_KEY, BOB, b"", 1, nonce=nonce).tx)
            nonce += 1
        blocks.append(BatchBlock(genesis.timestamp + 1, 0, tuple(txs)))
    return Batch(1, genesis.hash, genesis.timestamp, 0, tuple(blocks))


@pytest.mark.parametrize("cls", [ParentForgingBatcher, TailGarblingBatcher])
def test_a_faulty_batcher_breaks_only_its_first_batch_holding_a_transaction(cls: Any) -> None:
    config = build_genesis(base_document()).config
    batcher = cls(
        None, None, None, b"", config.chain_id, PostingPolicy(0.0, config.sequencer_window)
    )
    chain_id = batcher.chain_id
    empty = make_batch_of([0])
    _, data = batcher.pack(empty)
    assert read_batch(data, chain_id) is not None and not batcher.broken
    full = make_batch_of([1, 2])
    _, broken = batcher.pack(full)
    read = read_batch(broken, chain_id)
    assert read is not None
    if cls is ParentForgingBatcher:
        assert read.header.parent_hash != full.parent_hash
    else:
        assert [len(b.transactions) for b in read.blocks] == [1, 2, 0]
    _, later = batcher.pack(full)
    again = read_batch(later, chain_id)
    assert again is not None and again.header.parent_hash == full.parent_hash
    assert [len(b.transactions) for b in again.blocks] == [1, 2]


def test_a_block_whose_origin_lags_is_not_a_fault_before_the_window() -> None:
    """The stale-origin sequencer's batches apply while the window holds (the first one does)."""
    chain = build_faulty_chain(STALE_ORIGIN)
    derived = derive(chain.l1, chain.document)
    assert derived[0].hash == chain.blocks[0].header.hash
