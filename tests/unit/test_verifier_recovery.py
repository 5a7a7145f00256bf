"""The verifier's replay: senders recovered by worker processes and ahead of execution, one
encoding per transaction for its raw bytes and signing hash, blocks stored before they become the head.
None of it may change what derivation gives (docs/SETTLEMENT.md §5)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from l1.follower import PollResult
from node.chain import Node
from node.recovery import RecoveryPool
from node.storage import Storage
from prover.lookahead import LookAhead
from prover.verifier import Verifier
from rollup.batch import Batch, BatchBlock, encode_batch
from rollup.block import BlockExecution, Header
from rollup.derivation import (
    DecodeInTurn,
    Deriver,
    L1BlockData,
    PendingRecovery,
    attach_recovery,
    recover_batch_transactions,
    recover_in_process,
    recover_transaction,
)
from rollup.genesis import build_genesis
from rollup.transaction import (
    InvalidTransaction,
    Transaction,
    compute_signing_hash,
    compute_transaction_hash,
    encode_transaction,
    encode_with_signing_hash,
    recover_sender,
    sign_transaction,
)
from tests.unit.helpers import ADDRESSES, ANVIL_KEYS, Chain, base_document
from tests.unit.test_transaction import PRIVATE_KEY, transactions

SENDER_KEYS = ANVIL_KEYS[:4]
RECIPIENT = ADDRESSES[4]
CHAIN_ID = 901
TRANSACTIONS_PER_BLOCK = 20  # two blocks: 40, above the pool's inline threshold of 32


def forge(chain: Chain) -> Transaction:
    """A transaction whose signature does not recover (r = 0)."""
    return replace(chain.sign(SENDER_KEYS[0], RECIPIENT, b"", 7).tx, r=0)


def build_chain(block_count: int) -> tuple[Chain, list[BatchBlock]]:
    """`block_count` blocks of transfers as the sequencer executed them, and as batches carry
    them: block 2 also holds a forged transaction (third), which derivation leaves out."""
    chain = Chain(base_document())
    blocks: list[BatchBlock] = []
    for number in range(1, block_count + 1):
        signed = [
            chain.sign(SENDER_KEYS[index % 4], RECIPIENT, b"", number * 100 + index)
            for index in range(TRANSACTIONS_PER_BLOCK)
        ]
        carried = [entry.tx for entry in signed]
        if number == 2:
            carried.insert(2, forge(chain))
        execution = chain.execute(signed)
        blocks.append(BatchBlock(execution.header.timestamp, 0, tuple(carried)))
    return chain, blocks


def encode_blocks(chain: Chain, first: int, count: int, blocks: list[BatchBlock]) -> bytes:
    """The batch of blocks first..first+count-1 on top of block first-1."""
    parent = chain.genesis_header if first == 1 else chain.blocks[first - 2].header
    return encode_batch(
        Batch(
            first,
            parent.hash,
            parent.timestamp,
            parent.l1_origin_number,
            tuple(blocks[first - 1 : first - 1 + count]),
        )
    )


def make_history(chain: Chain, carried: list[tuple[bytes, ...]]) -> dict[int, L1BlockData]:
    """L1 block 0 (the origin of every L2 block), then one L1 block per entry of `carried`."""
    start = chain.genesis_header.timestamp
    history = {0: L1BlockData(0, bytes(32), bytes(32), start, (), ())}
    for number, batches in enumerate(carried, start=1):
        parent = history[number - 1].hash
        timestamp = start + 12 * number
        history[number] = L1BlockData(
            number, number.to_bytes(32, "big"), parent, timestamp, batches, ()
        )
    return history


def one_batch_per_l1_block(chain: Chain, blocks: list[BatchBlock]) -> dict[int, L1BlockData]:
    """Blocks 1-2, 3-4, 5-6 in L1 blocks 1, 2, 3."""
    return make_history(chain, [(encode_blocks(chain, first, 2, blocks),) for first in (1, 3, 5)])


def derive_headers(deriver: Deriver, history: dict[int, L1BlockData]) -> list[Header]:
    headers: list[Header] = []
    for number in range(1, max(history) + 1):
        headers.extend(e.header for e in deriver.process_l1_block(history[number], history))
    return headers


@pytest.fixture(scope="module")
def six_blocks() -> tuple[Chain, list[BatchBlock]]:
    return build_chain(6)


@pytest.fixture(scope="module")
def pool() -> Iterator[RecoveryPool]:
    recovery = RecoveryPool(2)
    yield recovery
    recovery.close()


# --- one encoding -------------------------------------------------------------------------------


@given(transactions())
def test_encode_with_signing_hash_equals_encode_and_compute_signing_hash(tx: Transaction) -> None:
    assert encode_with_signing_hash(tx) == (encode_transaction(tx), compute_signing_hash(tx))


@pytest.mark.parametrize(
    "change",
    [
        {"y_parity": 2},
        {"r": -1},
        {"s": 2**256},
        {"chain_id": -1},
        {"tx_type": 3},
        {"to": b"\x01" * 19},
        {"max_priority_fee_per_gas": 1},
    ],
    ids=["y_parity", "r", "s", "chain_id", "type", "to", "legacy_fees"],
)
def test_encode_with_signing_hash_raises_what_encode_transaction_raises(
    change: dict[str, Any],
) -> None:
    tx = replace(Transaction(0, 5, 1, 2, 2, 21_000, RECIPIENT, 3, b"", (), 1, 4, 5), **change)
    with pytest.raises(InvalidTransaction) as expected:
        encode_transaction(tx)
    with pytest.raises(InvalidTransaction, match=f"^{re.escape(str(expected.value))}$"):
        encode_with_signing_hash(tx)


@settings(max_examples=50)
@given(transactions())
def test_recover_transaction_gives_sender_hash_and_raw_of_a_signed_transaction(
    tx: Transaction,
) -> None:
    signed = sign_transaction(tx, PRIVATE_KEY)
    raw = encode_transaction(signed)
    assert recover_transaction(signed) == (
        recover_sender(signed),
        compute_transaction_hash(raw),
        raw,
    )


@given(transactions())
def test_recover_transaction_gives_none_exactly_when_recover_sender_refuses(
    tx: Transaction,
) -> None:
    try:
        recover_sender(tx)
    except InvalidTransaction:
        assert recover_transaction(tx) is None
    else:
        assert recover_transaction(tx) is not None


# --- recovery in worker processes ---------------------------------------------------------------


def test_pool_recovery_gives_the_signed_transactions_of_in_process_recovery(
    six_blocks: tuple[Chain, list[BatchBlock]], pool: RecoveryPool
) -> None:
    _, blocks = six_blocks
    block = BatchBlock(blocks[1].timestamp, 0, blocks[0].transactions + blocks[1].transactions)
    recovered = attach_recovery(block.transactions, pool.start_recovering(block.transactions)())
    assert recovered == recover_batch_transactions(block.transactions)


def test_pool_recovery_leaves_out_the_transaction_with_a_bad_signature(
    six_blocks: tuple[Chain, list[BatchBlock]], pool: RecoveryPool
) -> None:
    _, blocks = six_blocks
    block = BatchBlock(blocks[1].timestamp, 0, blocks[0].transactions + blocks[1].transactions)
    recovered = attach_recovery(block.transactions, pool.start_recovering(block.transactions)())
    forged = blocks[1].transactions[2]
    assert [signed.tx for signed in recovered] == [
        tx for tx in block.transactions if tx is not forged
    ]


# --- recovering ahead ---------------------------------------------------------------------------


def test_lookahead_starts_recovering_later_batches_before_the_first_block_executes(
    six_blocks: tuple[Chain, list[BatchBlock]],
) -> None:
    chain, blocks = six_blocks
    history = one_batch_per_l1_block(chain, blocks)
    started: list[int] = []
    started_when_block_1_executed: list[list[int]] = []

    def recover(batch_transactions: Any) -> PendingRecovery:
        started.append(len(batch_transactions))
        return recover_in_process(batch_transactions)

    def on_block(execution: BlockExecution) -> None:
        if execution.header.number == 1:
            started_when_block_1_executed.append(list(started))

    genesis = build_genesis(chain.document)
    deriver = Deriver(
        genesis.state, genesis.config, genesis.header, LookAhead(CHAIN_ID, recover, 1_000)
    )
    deriver.process_l1_block(history[1], history, on_block)
    assert started_when_block_1_executed == [[41, 40, 40]]


def test_without_lookahead_only_the_batch_being_applied_is_recovered(
    six_blocks: tuple[Chain, list[BatchBlock]],
) -> None:
    chain, blocks = six_blocks
    history = one_batch_per_l1_block(chain, blocks)
    started: list[int] = []

    def recover(batch_transactions: Any) -> PendingRecovery:
        started.append(len(batch_transactions))
        return recover_in_process(batch_transactions)

    genesis = build_genesis(chain.document)
    deriver = Deriver(
        genesis.state, genesis.config, genesis.header, DecodeInTurn(CHAIN_ID, recover)
    )
    deriver.process_l1_block(history[1], history)
    assert started == [41]


def tangled_history(chain: Chain, blocks: list[BatchBlock]) -> dict[int, L1BlockData]:
    """Batches that do not apply among those that do, so that looking ahead predicts wrong:
    garbage; a batch for blocks 3-4 on a wrong parent hash whose blocks are 5 s later (the blocks
    after it are predicted on those timestamps); the real 3-4; an empty L1 block; 3-4 again (no
    longer applies) and 5-6."""
    wrong_blocks = [replace(block, timestamp=block.timestamp + 5) for block in blocks]
    parent = chain.blocks[1].header
    wrong = encode_batch(
        Batch(3, bytes(32), parent.timestamp, 0, (wrong_blocks[2], wrong_blocks[3]))
    )
    first, second, third = (encode_blocks(chain, first, 2, blocks) for first in (1, 3, 5))
    return make_history(chain, [(first, b"\x01junk", wrong, second), (), (second, third)])


@pytest.mark.parametrize("lookahead", [0, 1, 45, 1_000])
def test_lookahead_derives_the_blocks_of_deriving_each_batch_in_its_turn(
    six_blocks: tuple[Chain, list[BatchBlock]], lookahead: int
) -> None:
    chain, blocks = six_blocks
    genesis = build_genesis(chain.document)
    opener = LookAhead(CHAIN_ID, recover_in_process, lookahead)
    deriver = Deriver(genesis.state, genesis.config, genesis.header, opener)
    headers = derive_headers(deriver, tangled_history(chain, blocks))
    assert headers == [block.header for block in chain.blocks]


def test_lookahead_in_worker_processes_derives_the_sequencer_blocks(
    six_blocks: tuple[Chain, list[BatchBlock]], pool: RecoveryPool
) -> None:
    chain, blocks = six_blocks
    genesis = build_genesis(chain.document)
    opener = LookAhead(CHAIN_ID, pool.start_recovering, 1_000)
    deriver = Deriver(genesis.state, genesis.config, genesis.header, opener)
    headers = derive_headers(deriver, tangled_history(chain, blocks))
    assert headers == [block.header for block in chain.blocks]


# --- storing off the critical path --------------------------------------------------------------


class Client:
    def get_logs(self, *_args: Any) -> list[Any]:
        return []


class Follower:
    """Every L1 block of `history` at the first poll, none after."""

    def __init__(self, history: dict[int, L1BlockData]) -> None:
        self.history = history
        self.start_block = 1
        self.head_number = 0
        self.client = Client()

    def poll(self) -> PollResult:
        last = max(self.history)
        if self.head_number == last:
            return PollResult()
        self.head_number = last
        return PollResult(new_blocks=[self.history[n] for n in range(1, last + 1)])


@pytest.fixture
def replay(
    six_blocks: tuple[Chain, list[BatchBlock]], tmp_path: Path
) -> Iterator[tuple[Chain, Verifier]]:
    chain, blocks = six_blocks
    node = Node(Storage.open(f"sqlite:///{tmp_path}/node.db"), chain.document)
    follower: Any = Follower(one_batch_per_l1_block(chain, blocks))
    verifier = Verifier(node, follower, bytes(20))
    yield chain, verifier
    verifier.stop()
    node.close()


def test_the_head_stays_behind_a_derived_block_until_it_is_stored(
    replay: tuple[Chain, Verifier],
) -> None:
    _, verifier = replay
    node = verifier.node
    storing, release = threading.Event(), threading.Event()
    append_block = node.storage.append_block

    def append_when_released(execution: BlockExecution) -> None:
        storing.set()
        assert release.wait(30)
        append_block(execution)

    node.storage.append_block = append_when_released  # type: ignore[method-assign]
    step = threading.Thread(target=verifier.step)
    step.start()
    try:
        assert storing.wait(30)
        heads = (node.head.number, node.storage.get_head_number())
    finally:
        release.set()
        step.join(30)
    assert heads == (0, 0)


def test_a_step_ends_with_every_derived_block_stored_and_the_head_on_the_last(
    replay: tuple[Chain, Verifier],
) -> None:
    chain, verifier = replay
    verifier.step()
    storage = verifier.node.storage
    stored = [storage.get_header(number) for number in range(1, 7)]
    assert (verifier.node.head, storage.get_head_number()) == (chain.head, 6)
    assert stored == [block.header for block in chain.blocks]


def test_a_block_that_could_not_be_stored_is_derived_again_by_the_next_step(
    replay: tuple[Chain, Verifier],
) -> None:
    chain, verifier = replay
    storage = verifier.node.storage
    append_block = storage.append_block

    def fail_block_3_once(execution: BlockExecution) -> None:
        if execution.header.number == 3:
            storage.append_block = append_block  # type: ignore[method-assign]
            raise RuntimeError("disk full")
        append_block(execution)

    storage.append_block = fail_block_3_once  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match=r"^disk full$"):
        verifier.step()
    verifier.step()
    stored = [storage.get_header(number) for number in range(1, 7)]
    assert (verifier.node.head, stored) == (chain.head, [block.header for block in chain.blocks])
