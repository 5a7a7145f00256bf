"""Removed logs as a node serves them after a rewind (the sequencer's rewind onto L1, through
Node.rewind): the journal holds the removed block's log; a polling log filter and a WebSocket `logs`
subscription that reported it report it again with `removed: true`, then the replacing block's;
`newHeads` gets the new head only (docs/ARCHITECTURE.md §4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from node.rpc import RpcHandler
from node.rpc_format import data
from node.websocket import Connection, SubscriptionHub
from rollup.addresses import WETH
from rollup.block import SignedTransaction
from rollup.system.tokens import DEPOSIT_TOPIC
from sequencer.role import Sequencer
from tests.unit.helpers import ADDRESSES
from tests.unit.test_sequencer_rewind import (
    build_with,
    l1_block,
    open_sequencer,
    read_l1_block,
    signed_transfer,
)


def wrap_eth(key_index: int, nonce: int, value: int) -> SignedTransaction:
    """Send ETH to WETH: it wraps it and logs Transfer(0, sender, value), Deposit(sender, value)."""
    return signed_transfer(key_index, nonce, value, to=WETH, gas_limit=100_000)


def build_on_removed_origin(sequencer: Sequencer, *transactions: SignedTransaction) -> int:
    """A block on L1 origin 2, which reorg_l1 removes."""
    read_l1_block(sequencer, l1_block(2))
    read_l1_block(sequencer, l1_block(3))
    number = build_with(sequencer, *transactions)
    assert sequencer.node.head.l1_origin_number == 2
    return number


def reorg_l1(sequencer: Sequencer) -> None:
    """L1 blocks 2 and 3 are gone: the sequencer rewinds the blocks built on them (through
    Node.rewind); their transactions wait in the mempool for the next block."""
    follower: Any = sequencer.node.follower
    del follower.history[2], follower.history[3]
    follower.head_number = 1
    assert sequencer.rewind_onto_l1(1) > 0


DEPOSITS = {"address": data(WETH), "topics": [data(DEPOSIT_TOPIC)]}
"""WETH's Deposit logs: one per wrap_eth."""


def poll(handler: RpcHandler, filter_id: str) -> list[Any]:
    changes: list[Any] = handler.eth_get_filter_changes([filter_id])
    return changes


def brief(log: dict[str, Any]) -> tuple[int, str, bool]:
    return int(log["blockNumber"], 16), log["blockHash"], log["removed"]


def test_a_rewind_records_the_removed_blocks_logs_with_their_block(tmp_path: Path) -> None:
    sequencer = open_sequencer(tmp_path)
    build_with(sequencer, wrap_eth(1, 0, 5))  # block 1, origin 0: kept
    removed_number = build_on_removed_origin(sequencer, wrap_eth(1, 1, 7))
    removed_header = sequencer.node.head
    stored = sequencer.node.storage.get_logs(removed_number, removed_number, None, [])
    reorg_l1(sequencer)
    (rewind,) = sequencer.node.removed_logs.since(0) or []
    assert (rewind.sequence, rewind.to_block, rewind.logs_through) == (1, 1, removed_number)
    assert [entry.log for entry in rewind.logs] == stored
    assert [(entry.log.block_hash, entry.block_timestamp) for entry in rewind.logs] == [
        (removed_header.hash, removed_header.timestamp)
    ] * 2
    deposit = rewind.logs[1].log
    assert (deposit.address, deposit.topics[0], int.from_bytes(deposit.data, "big")) == (
        WETH,
        DEPOSIT_TOPIC,
        7,
    )


def test_a_rewind_that_removes_nothing_is_not_recorded(tmp_path: Path) -> None:
    sequencer = open_sequencer(tmp_path)
    build_with(sequencer, wrap_eth(1, 0, 5))  # origin 0
    assert sequencer.rewind_onto_l1(1) == 0
    assert sequencer.node.removed_logs.sequence == 0


def test_a_log_filter_reports_the_removed_log_then_the_replacing_blocks(tmp_path: Path) -> None:
    sequencer = open_sequencer(tmp_path)
    handler = RpcHandler(sequencer)
    filter_id = handler.eth_new_filter([DEPOSITS])
    build_with(sequencer, wrap_eth(1, 0, 5))
    kept_hash = data(sequencer.node.head.hash)
    number = build_on_removed_origin(sequencer, wrap_eth(1, 1, 7))
    old_hash = data(sequencer.node.head.hash)
    reported = poll(handler, filter_id)
    assert [brief(log) for log in reported] == [(1, kept_hash, False), (2, old_hash, False)]

    reorg_l1(sequencer)
    build_with(sequencer)  # the transaction again, in a new block 2
    new_hash = data(sequencer.node.head.hash)
    assert new_hash != old_hash
    changes = poll(handler, filter_id)
    assert [brief(log) for log in changes] == [(number, old_hash, True), (number, new_hash, False)]
    assert {**changes[0], "removed": False} == reported[1]  # otherwise the log as reported
    assert poll(handler, filter_id) == []


def test_a_filter_installed_after_the_rewind_gets_no_removed_logs(tmp_path: Path) -> None:
    sequencer = open_sequencer(tmp_path)
    handler = RpcHandler(sequencer)
    build_on_removed_origin(sequencer, wrap_eth(1, 0, 7))
    reorg_l1(sequencer)
    filter_id = handler.eth_new_filter([DEPOSITS])
    build_with(sequencer)
    assert [log["removed"] for log in poll(handler, filter_id)] == [False]


def test_a_filter_installed_after_a_block_gets_no_removed_log_of_it(tmp_path: Path) -> None:
    sequencer = open_sequencer(tmp_path)
    handler = RpcHandler(sequencer)
    build_on_removed_origin(sequencer, wrap_eth(1, 0, 7))
    filter_id = handler.eth_new_filter([DEPOSITS])
    reorg_l1(sequencer)
    build_with(sequencer)
    assert [log["removed"] for log in poll(handler, filter_id)] == [False]


def test_a_filter_whose_criteria_miss_the_removed_log_gets_nothing_back(tmp_path: Path) -> None:
    sequencer = open_sequencer(tmp_path)
    handler = RpcHandler(sequencer)
    other_sender = "0x" + "00" * 12 + ADDRESSES[2].hex()
    filter_id = handler.eth_new_filter([{"topics": [data(DEPOSIT_TOPIC), other_sender]}])
    build_on_removed_origin(sequencer, wrap_eth(1, 0, 7))
    assert poll(handler, filter_id) == []
    reorg_l1(sequencer)
    build_with(sequencer)
    assert poll(handler, filter_id) == []


def test_a_block_filter_reports_the_replacing_block(tmp_path: Path) -> None:
    sequencer = open_sequencer(tmp_path)
    handler = RpcHandler(sequencer)
    filter_id = handler.eth_new_block_filter([])
    build_on_removed_origin(sequencer, wrap_eth(1, 0, 7))
    assert poll(handler, filter_id) == [data(sequencer.node.head.hash)]
    reorg_l1(sequencer)
    build_with(sequencer)
    assert poll(handler, filter_id) == [data(sequencer.node.head.hash)]


def test_while_a_rewind_is_under_way_a_poll_reports_nothing_and_the_next_one_all(
    tmp_path: Path,
) -> None:
    sequencer = open_sequencer(tmp_path)
    handler = RpcHandler(sequencer)
    filter_id = handler.eth_new_filter([DEPOSITS])
    build_with(sequencer, wrap_eth(1, 0, 7))
    journal = sequencer.node.removed_logs
    rewind = journal.begin(1, [], 1)  # as the verifier's thread does, on its own
    assert poll(handler, filter_id) == []
    journal.finish(rewind)
    assert [brief(log)[0] for log in poll(handler, filter_id)] == [1]


def test_blocks_read_while_a_rewind_began_are_reported_at_the_next_poll(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sequencer = open_sequencer(tmp_path)
    handler = RpcHandler(sequencer)
    filter_id = handler.eth_new_filter([DEPOSITS])
    build_with(sequencer, wrap_eth(1, 0, 7))
    storage, journal = sequencer.node.storage, sequencer.node.removed_logs
    read_logs = storage.get_logs

    def read_while_a_rewind_begins(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(storage, "get_logs", read_logs)
        journal.finish(journal.begin(1, [], 1))
        return read_logs(*args, **kwargs)

    monkeypatch.setattr(storage, "get_logs", read_while_a_rewind_begins)
    assert poll(handler, filter_id) == []
    assert [brief(log)[0] for log in poll(handler, filter_id)] == [1]


def take_messages(connection: Connection) -> list[tuple[str, Any]]:
    messages = []
    while not connection.outgoing.empty():
        params = orjson.loads(connection.outgoing.get_nowait())["params"]
        messages.append((params["subscription"], params["result"]))
    return messages


def test_a_logs_subscription_gets_the_removed_log_then_the_replacing_blocks_log(
    tmp_path: Path,
) -> None:
    sequencer = open_sequencer(tmp_path)
    hub = SubscriptionHub(RpcHandler(sequencer))
    connection = Connection(websocket=None, hub=hub)  # type: ignore[arg-type]
    hub.connections.add(connection)
    logs = connection.subscribe(["logs", DEPOSITS])
    heads = connection.subscribe(["newHeads"])
    number = build_on_removed_origin(sequencer, wrap_eth(1, 0, 7))
    old_hash = data(sequencer.node.head.hash)
    hub.announce_new_blocks()
    announced = take_messages(connection)
    assert [(sub, result["hash"]) for sub, result in announced if sub == heads] == [
        (heads, old_hash)
    ]
    ((_, first_log),) = [(sub, result) for sub, result in announced if sub == logs]
    assert brief(first_log) == (number, old_hash, False)

    reorg_l1(sequencer)
    build_with(sequencer)
    new_hash = data(sequencer.node.head.hash)
    hub.announce_new_blocks()
    messages = take_messages(connection)
    assert [
        (sub, result["removed"] if sub == logs else result["hash"]) for sub, result in messages
    ] == [
        (logs, True),  # first what is gone, then the replacing block: its head and its log
        (heads, new_hash),
        (logs, False),
    ]
    log_messages = [result for sub, result in messages if sub == logs]
    assert [brief(log) for log in log_messages] == [
        (number, old_hash, True),
        (number, new_hash, False),
    ]
    assert {**log_messages[0], "removed": False} == first_log


def test_a_logs_subscription_made_after_a_block_gets_no_removed_log_of_it(
    tmp_path: Path,
) -> None:
    sequencer = open_sequencer(tmp_path)
    hub = SubscriptionHub(RpcHandler(sequencer))
    connection = Connection(websocket=None, hub=hub)  # type: ignore[arg-type]
    hub.connections.add(connection)
    build_on_removed_origin(sequencer, wrap_eth(1, 0, 7))
    hub.announce_new_blocks()
    connection.subscribe(["logs", DEPOSITS])
    reorg_l1(sequencer)
    build_with(sequencer)
    hub.announce_new_blocks()
    assert [result["removed"] for _, result in take_messages(connection)] == [False]
