"""Hot-path behaviours the benchmark leans on: blocks that always fit in one L1 batch, signature
recovery answered by worker processes in a compact form, and light block summaries for pollers."""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import orjson
import pytest

from node.chain import Node
from node.recovery import expand_recovered, recover_compact, recover_raw_transactions
from node.role import TransactionRejected
from node.rpc import RpcHandler
from node.storage import Storage
from rollup.batch import (
    MAX_BATCH_BYTES,
    MAX_BATCH_TRANSACTIONS,
    Batch,
    BatchBlock,
    bound_transaction_bytes,
    encode_batch,
    encode_payload,
)
from rollup.block import SignedTransaction
from rollup.transaction import (
    TX_TYPE_DYNAMIC_FEE,
    Transaction,
    decode_transaction,
    encode_transaction,
    sign_transaction,
)
from rollup_cli.bench_workloads import make_sender_keys, sign_range, write_genesis
from sequencer.mempool import Mempool
from sequencer.role import Sequencer

CHAIN_ID = 901


def make_sequencer(tmp_path: Path, workload: str, senders: int) -> tuple[Sequencer, list[bytes]]:
    keys = make_sender_keys(senders, workload)
    document = orjson.loads(write_genesis(tmp_path, keys).read_bytes())
    return Sequencer(Node(Storage.open(f"sqlite:///{tmp_path}/node.db"), document)), keys


def admit_all(sequencer: Sequencer, raws: list[bytes]) -> None:
    for recovered in recover_raw_transactions(raws):
        assert recovered.signed is not None
        sequencer.submit_transaction(recovered.signed)


def make_one_block_batch(node: Node, parent_number: int, block_number: int) -> Batch:
    parent = node.storage.get_header(parent_number) or node.genesis.header
    header = node.storage.get_header(block_number)
    assert header is not None
    transactions = tuple(
        decode_transaction(raw)
        for _hash, _sender, raw in node.storage.get_block_transactions(block_number)
    )
    return Batch(
        block_number,
        parent.hash,
        parent.timestamp,
        parent.l1_origin_number,
        (BatchBlock(header.timestamp, header.l1_origin_number, transactions),),
    )


@pytest.mark.parametrize(("workload", "count"), [("transfers", 4_000), ("defi", 2_400)])
def test_a_full_mempool_is_cut_into_blocks_that_each_fit_in_one_batch(
    tmp_path: Path, workload: str, count: int
) -> None:
    sequencer, keys = make_sequencer(tmp_path, workload, 200)
    admit_all(sequencer, [raw for raw, _ in sign_range(workload, keys, CHAIN_ID, 0, count)])
    sizes = []
    while len(sequencer.mempool):
        execution = sequencer.build_block()
        assert execution.transactions
        batch = make_one_block_batch(
            sequencer.node, execution.header.number - 1, execution.header.number
        )
        assert len(batch.blocks[0].transactions) <= MAX_BATCH_TRANSACTIONS
        sizes.append(len(encode_batch(batch)))
    assert len(sizes) > 1  # the mempool held more than one batch's worth
    assert max(sizes) <= MAX_BATCH_BYTES
    assert max(sizes) > MAX_BATCH_BYTES // 3  # and blocks are not needlessly small
    sequencer.node.close()


def test_the_payload_bound_covers_extreme_field_values() -> None:
    key = make_sender_keys(1)[0]
    tx = sign_transaction(
        Transaction(
            tx_type=TX_TYPE_DYNAMIC_FEE,
            chain_id=CHAIN_ID,
            nonce=2**64 - 1,
            max_priority_fee_per_gas=2**256 - 1,
            max_fee_per_gas=2**256 - 1,
            gas_limit=2**64 - 1,
            to=bytes(range(20)),
            value=2**256 - 1,
            data=b"\xff" * 300,
            access_list=((bytes(20), (bytes(32), b"\x01" * 32)), (b"\x02" * 20, ())),
            y_parity=0,
            r=0,
            s=0,
        ),
        key,
    )
    batch = Batch(1, bytes(32), 0, 0, (BatchBlock(0, 0, (tx,)),))
    # first block number, parent hash, block count, dictionary size; the block's three varints
    empty_block_payload = 1 + 32 + 1 + 1 + 3
    dictionary = 20
    assert bound_transaction_bytes(tx) + dictionary >= len(encode_payload(batch)) - (
        empty_block_payload
    )
    assert len(encode_transaction(tx)) > 0


def test_worker_answers_rebuild_the_same_recovered_transactions() -> None:
    keys = make_sender_keys(5)
    raws = [raw for raw, _ in sign_range("tokens", keys, CHAIN_ID, 0, 20)]
    raws.append(b"\x02\xc0")  # not a transaction
    expected = recover_raw_transactions(raws)
    rebuilt = expand_recovered(raws, recover_compact(raws))
    assert rebuilt == expected
    assert rebuilt[-1].signed is None and rebuilt[-1].error
    assert all(isinstance(item.signed, SignedTransaction) for item in rebuilt[:-1])


def test_a_block_summary_shows_what_the_full_block_shows(tmp_path: Path) -> None:
    sequencer, keys = make_sequencer(tmp_path, "defi", 20)
    admit_all(sequencer, [raw for raw, _ in sign_range("defi", keys, CHAIN_ID, 0, 200)])
    header = sequencer.build_block().header
    handler = RpcHandler(sequencer)
    light = handler.format_block(header, False)
    full = handler.format_block(header, True)
    assert light["transactions"] == [tx["hash"] for tx in full["transactions"]]
    assert {k: v for k, v in light.items() if k != "transactions"} == {
        k: v for k, v in full.items() if k != "transactions"
    }
    assert int(light["logsBloom"], 16) != 0
    sequencer.node.close()


def select_by_sorting(
    mempool: Mempool, state_nonces: dict[bytes, int], limit: int
) -> list[SignedTransaction]:
    """The pool's ordering rule written plainly: every ready transaction, sorted."""
    ready = []
    for sender, queue in mempool.by_sender.items():
        nonce, key = state_nonces.get(sender, 0), -1
        while nonce in queue:
            key = max(key, queue[nonce].arrival)
            ready.append((key, nonce, queue[nonce].signed))
            nonce += 1
    ready.sort(key=lambda item: (item[0], item[1]))
    return [signed for _key, _nonce, signed in ready[:limit]]


def test_selection_merges_senders_in_arrival_order_as_a_full_sort_would() -> None:
    rng = random.Random(7)
    senders = [bytes([i]) * 20 for i in range(30)]
    state_nonces = {sender: rng.randrange(3) for sender in senders}
    mempool = Mempool()
    arrivals = [(sender, nonce) for sender in senders for nonce in range(12)]
    rng.shuffle(arrivals)  # nonces arrive out of order, with gaps until the missing ones come
    for number, (sender, nonce) in enumerate(arrivals):
        tx = Transaction(
            TX_TYPE_DYNAMIC_FEE, CHAIN_ID, nonce, 1, 2, 21_000, sender, 0, b"", (), 0, 1, 1
        )
        mempool.add(SignedTransaction(tx, sender, number.to_bytes(32, "big"), b""))
        if number % 37 == 0:
            for limit in (1, 10, 100, 1_000):
                assert mempool.select(lambda s: state_nonces[s], limit) == select_by_sorting(
                    mempool, state_nonces, limit
                )


def test_only_the_given_senders_are_checked_for_stale_transactions() -> None:
    mempool = Mempool()
    alice, bob = b"\xaa" * 20, b"\xbb" * 20
    for number, (sender, nonce) in enumerate([(alice, 0), (alice, 1), (bob, 0), (bob, 1)]):
        tx = Transaction(
            TX_TYPE_DYNAMIC_FEE, CHAIN_ID, nonce, 1, 2, 21_000, sender, 0, b"", (), 0, 1, 1
        )
        mempool.add(SignedTransaction(tx, sender, number.to_bytes(32, "big"), b""))
    assert mempool.drop_stale(lambda sender: 1, [alice]) == 1
    assert sorted(mempool.by_sender[alice]) == [1]
    assert sorted(mempool.by_sender[bob]) == [0, 1]
    assert mempool.drop_stale(lambda sender: 2) == 3


def test_a_transaction_too_large_for_any_batch_is_refused(tmp_path: Path) -> None:
    sequencer, keys = make_sequencer(tmp_path, "transfers", 1)
    tx = sign_transaction(
        Transaction(
            TX_TYPE_DYNAMIC_FEE,
            CHAIN_ID,
            0,
            10**6,
            10**10,
            30_000_000,
            bytes(20),
            0,
            b"\x01" * 120_000,
            (),
            0,
            0,
            0,
        ),
        keys[0],
    )
    (recovered,) = recover_raw_transactions([encode_transaction(tx)])
    assert recovered.signed is not None
    with pytest.raises(TransactionRejected, match="oversized data"):
        sequencer.submit_transaction(recovered.signed)
    assert len(sequencer.mempool) == 0
    sequencer.node.close()


def test_a_block_cut_by_the_batch_limit_says_more_transactions_are_ready(tmp_path: Path) -> None:
    sequencer, keys = make_sequencer(tmp_path, "defi", 200)
    admit_all(sequencer, [raw for raw, _ in sign_range("defi", keys, CHAIN_ID, 0, 2_000)])
    full_flags = []
    while len(sequencer.mempool):
        sequencer.build_block()
        full_flags.append(sequencer.more_ready)
    assert full_flags == [True, True, True, False]
    sequencer.node.close()


def test_the_builder_seals_the_next_block_at_once_after_a_full_one(tmp_path: Path) -> None:
    sequencer, keys = make_sequencer(tmp_path, "defi", 200)
    admit_all(sequencer, [raw for raw, _ in sign_range("defi", keys, CHAIN_ID, 0, 2_000)])
    block_time = 5.0

    async def build_until_empty() -> float:
        stop = asyncio.Event()
        builder = asyncio.create_task(sequencer.run_block_builder(block_time, stop))
        started = time.monotonic()
        while len(sequencer.mempool) and time.monotonic() - started < 4 * block_time:
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        stop.set()
        await builder
        return elapsed

    elapsed = asyncio.run(build_until_empty())
    assert sequencer.node.head.number == 4
    assert elapsed < 2 * block_time  # one block time to the first block, none between the four
    sequencer.node.close()
