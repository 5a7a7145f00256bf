"""Reads at a block other than the head, and the tags that name blocks (docs/ARCHITECTURE.md §4):
`safe` and `finalized` are the rollup's heads; state is served from the finalized head (and at
least RECENT_STATE_BLOCKS back) to the head, and an older block is refused by name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from node.recent_state import RECENT_STATE_BLOCKS, find_oldest_state_block
from node.rpc import RpcHandler
from node.rpc_params import RpcError
from sequencer.role import Sequencer
from tests.unit.helpers import ADDRESSES
from tests.unit.test_sequencer_rewind import (
    GENESIS_TIME,
    RECIPIENT,
    build_with,
    open_sequencer,
    signed_transfer,
)

SENDER = ADDRESSES[1]


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[tuple[Sequencer, RpcHandler]]:
    """Blocks 1-3 each send 1 wei from SENDER (nonces 0-2) to RECIPIENT."""
    sequencer = open_sequencer(tmp_path)
    for nonce in range(3):
        assert build_with(sequencer, signed_transfer(1, nonce)) == nonce + 1
    yield sequencer, RpcHandler(sequencer)
    sequencer.node.close()


def balance(handler: RpcHandler, block: object) -> int:
    return int(handler.eth_get_balance(["0x" + RECIPIENT.hex(), block]), 16)


def build_empty_blocks(sequencer: Sequencer, count: int) -> None:
    for offset in range(count):
        sequencer.build_block(GENESIS_TIME + 20 + offset)


def test_balance_at_each_block_is_the_balance_after_that_block(
    chain: tuple[Sequencer, RpcHandler],
) -> None:
    _, handler = chain
    assert [balance(handler, hex(number)) for number in range(4)] == [0, 1, 2, 3]
    assert balance(handler, "latest") == balance(handler, "pending") == 3
    assert balance(handler, "earliest") == 0


def test_nonce_at_each_block_counts_the_transactions_sent_by_then(
    chain: tuple[Sequencer, RpcHandler],
) -> None:
    _, handler = chain
    nonces = [
        int(handler.eth_get_transaction_count(["0x" + SENDER.hex(), hex(number)]), 16)
        for number in range(4)
    ]
    assert nonces == [0, 1, 2, 3]


def test_a_block_hash_object_reads_the_same_state_as_its_number(
    chain: tuple[Sequencer, RpcHandler],
) -> None:
    sequencer, handler = chain
    header = sequencer.node.get_stored_header(2)
    assert balance(handler, {"blockHash": "0x" + header.hash.hex()}) == 2
    with pytest.raises(RpcError, match="header for hash 0x" + "ab" * 32 + " not found"):
        balance(handler, {"blockHash": "0x" + "ab" * 32})


def test_a_block_hash_string_reads_the_same_state_as_its_number(
    chain: tuple[Sequencer, RpcHandler],
) -> None:
    """The specification's BlockNumberOrTagOrHash: a bare 32-byte hash names a block (as geth)."""
    sequencer, handler = chain
    assert balance(handler, "0x" + sequencer.node.get_stored_header(2).hash.hex()) == 2


def test_safe_and_finalized_name_the_rollups_heads(chain: tuple[Sequencer, RpcHandler]) -> None:
    sequencer, handler = chain
    sequencer.node.safe_number, sequencer.node.finalized_number = 2, 1
    assert int(handler.eth_get_block_by_number(["safe", False])["number"], 16) == 2
    assert int(handler.eth_get_block_by_number(["finalized", False])["number"], 16) == 1
    assert (balance(handler, "safe"), balance(handler, "finalized")) == (2, 1)


def test_a_proof_at_an_older_block_verifies_against_that_blocks_state_root(
    chain: tuple[Sequencer, RpcHandler],
) -> None:
    sequencer, handler = chain
    proof = handler.eth_get_proof(["0x" + RECIPIENT.hex(), [], "0x1"])
    assert proof["storageHash"] == "0x" + sequencer.node.get_stored_header(1).state_root.hex()
    assert int(proof["balance"], 16) == 1


def test_a_block_after_the_head_is_not_found(chain: tuple[Sequencer, RpcHandler]) -> None:
    _, handler = chain
    assert balance(handler, "0x3") == 3
    with pytest.raises(RpcError, match="block 4 not found; the head is 3"):
        balance(handler, "0x4")


@pytest.mark.parametrize(
    ("head", "finalized", "oldest"),
    [
        (3, 0, 0),
        (3, 3, 0),  # fewer than RECENT_STATE_BLOCKS blocks: all of them
        (RECENT_STATE_BLOCKS + 10, 4, 4),  # the finalized head is the older
        (RECENT_STATE_BLOCKS + 10, 50, 10),  # RECENT_STATE_BLOCKS back is the older
    ],
)
def test_oldest_state_block_is_the_older_of_finalized_and_the_recent_window(
    head: int, finalized: int, oldest: int
) -> None:
    assert find_oldest_state_block(head, finalized) == oldest


def test_state_older_than_the_window_is_refused_naming_the_oldest_block(
    chain: tuple[Sequencer, RpcHandler],
) -> None:
    sequencer, handler = chain
    build_empty_blocks(sequencer, RECENT_STATE_BLOCKS + 2)  # head 133: the window starts at 5
    sequencer.node.finalized_number = 6
    assert sequencer.node.head.number == RECENT_STATE_BLOCKS + 5
    assert balance(handler, "0x5") == 3
    with pytest.raises(
        RpcError, match="state of block 4 is not available: the oldest block with state is 5"
    ):
        balance(handler, "0x4")
    sequencer.node.finalized_number = 3
    assert balance(handler, "0x3") == 3
    with pytest.raises(RpcError, match="the oldest block with state is 3"):
        balance(handler, "0x2")
