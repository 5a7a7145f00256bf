"""The sequencer's rewind after an L1 reorg (sequencer.role.rewind_onto_l1, docs/SETTLEMENT.md §5):
the blocks built on removed L1 origins go, their transactions return to the front of the mempool
in their order, deposits do not, and the blocks on remaining origins stay."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from eth_abi import encode as abi_encode

from node.chain import Node
from node.storage import Storage
from rollup.block import SignedTransaction
from rollup.deposit import KIND_ETH_DEPOSIT, QueuedMessage
from rollup.derivation import L1BlockData
from rollup.transaction import (
    TX_TYPE_DYNAMIC_FEE,
    Transaction,
    decode_and_recover,
    encode_transaction,
    sign_transaction,
)
from sequencer.mempool import Mempool
from sequencer.role import Sequencer
from tests.unit.helpers import ADDRESSES, ANVIL_KEYS, DEFAULT_MAX_FEE, base_document

GENESIS_TIME = 1_000  # base_document's
RECIPIENT = bytes.fromhex("00000000000000000000000000000000000e0e61")
CHAIN_ID = 901


def signed_transfer(
    key_index: int, nonce: int, value: int = 1, to: bytes = RECIPIENT, gas_limit: int = 21_000
) -> SignedTransaction:
    tx = Transaction(
        tx_type=TX_TYPE_DYNAMIC_FEE,
        chain_id=CHAIN_ID,
        nonce=nonce,
        max_priority_fee_per_gas=0,
        max_fee_per_gas=DEFAULT_MAX_FEE,
        gas_limit=gas_limit,
        to=to,
        value=value,
        data=b"",
        access_list=(),
    )
    raw = encode_transaction(sign_transaction(tx, ANVIL_KEYS[key_index]))
    decoded, sender, tx_hash = decode_and_recover(raw)
    return SignedTransaction(decoded, sender, tx_hash, raw)


def l1_block(number: int, messages: tuple[QueuedMessage, ...] = ()) -> L1BlockData:
    return L1BlockData(number, bytes(32), bytes(32), GENESIS_TIME + number, (), messages)


def open_sequencer(tmp_path: Path) -> Sequencer:
    """A sequencer without L1 settlement whose follower holds L1 blocks 0-1 (origin: block 0)."""
    document = base_document(chainId=CHAIN_ID)
    sequencer = Sequencer(
        Node(Storage.open(f"sqlite:///{tmp_path}/node.db"), document), block_time=None
    )
    follower: Any = SimpleNamespace(history={n: l1_block(n) for n in (0, 1)}, head_number=1)
    sequencer.node.follower = follower
    return sequencer


def read_l1_block(sequencer: Sequencer, block: L1BlockData) -> None:
    follower: Any = sequencer.node.follower
    follower.history[block.number] = block
    follower.head_number = block.number


def deposit(queue_index: int, amount: int, l1_number: int) -> QueuedMessage:
    payload = abi_encode(["address", "address", "uint256"], [ADDRESSES[0], RECIPIENT, amount])
    return QueuedMessage(
        queue_index, KIND_ETH_DEPOSIT, payload, l1_number, GENESIS_TIME + l1_number
    )


def build_with(sequencer: Sequencer, *transactions: SignedTransaction) -> int:
    for signed in transactions:
        sequencer.submit_transaction(signed)
    return sequencer.build_block(GENESIS_TIME + 10).header.number


def test_blocks_on_removed_origins_are_rewound_and_the_rest_kept(tmp_path: Path) -> None:
    sequencer = open_sequencer(tmp_path)
    kept = build_with(sequencer, signed_transfer(1, 0))  # origin 0
    kept_header = sequencer.node.head
    read_l1_block(sequencer, l1_block(2))
    read_l1_block(sequencer, l1_block(3))
    build_with(sequencer, signed_transfer(1, 1))  # origin 2
    assert sequencer.node.head.l1_origin_number == 2

    assert sequencer.rewind_onto_l1(1) == 1

    assert sequencer.node.head == kept_header
    assert sequencer.node.head.number == kept
    assert sequencer.node.storage.get_header(kept + 1) is None
    assert sequencer.node.get_state_nonce(ADDRESSES[1]) == 1


def test_a_reorg_that_leaves_every_origin_removes_nothing(tmp_path: Path) -> None:
    sequencer = open_sequencer(tmp_path)
    build_with(sequencer, signed_transfer(1, 0))
    head = sequencer.node.head

    assert sequencer.rewind_onto_l1(0) == 0  # every block is built on origin 0

    assert sequencer.node.head == head


def test_rewound_transactions_return_ahead_of_pooled_ones_in_their_order(
    tmp_path: Path,
) -> None:
    sequencer = open_sequencer(tmp_path)
    read_l1_block(sequencer, l1_block(2))
    first, second = signed_transfer(1, 0), signed_transfer(2, 0)
    build_with(sequencer, first, second)  # origin 1
    waiting = signed_transfer(3, 0)
    sequencer.submit_transaction(waiting)  # pooled before the rewind, not yet in a block

    sequencer.rewind_onto_l1(0)

    assert sequencer.node.head.number == 0
    rebuilt = sequencer.build_block(GENESIS_TIME + 11)
    assert [signed.hash for signed in rebuilt.sequenced_transactions] == [
        first.hash,
        second.hash,
        waiting.hash,
    ]


def test_deposits_of_removed_origins_are_not_put_back(tmp_path: Path) -> None:
    sequencer = open_sequencer(tmp_path)
    read_l1_block(sequencer, l1_block(2, (deposit(0, 5, 2),)))
    read_l1_block(sequencer, l1_block(3))
    block = sequencer.build_block(GENESIS_TIME + 10)  # origin 2 brings the deposit in
    assert len(block.transactions) == 1
    assert sequencer.node.get_account(RECIPIENT).balance == 5

    sequencer.rewind_onto_l1(1)

    assert len(sequencer.mempool) == 0
    assert sequencer.node.get_account(RECIPIENT).balance == 0


def test_a_requested_rewind_is_applied_before_the_next_block(tmp_path: Path) -> None:
    sequencer = open_sequencer(tmp_path)
    read_l1_block(sequencer, l1_block(2))
    build_with(sequencer, signed_transfer(1, 0))  # origin 1
    follower: Any = sequencer.node.follower
    del follower.history[2], follower.history[1]  # L1 replaced blocks 1 and 2 ...
    follower.head_number = 0
    sequencer.request_rewind(0)
    assert sequencer.rewind_pending

    block = sequencer.build_block(GENESIS_TIME + 11)  # ... before L1 blocks after 0 are read

    assert not sequencer.rewind_pending
    assert (block.header.number, block.header.l1_origin_number) == (1, 0)
    assert len(block.transactions) == 1


def test_of_two_requested_rewinds_the_deeper_one_is_applied(tmp_path: Path) -> None:
    sequencer = open_sequencer(tmp_path)
    sequencer.request_rewind(5)
    sequencer.request_rewind(3)
    sequencer.request_rewind(4)
    assert sequencer.pending_rewind == 3


def test_a_halted_sequencer_reports_why(tmp_path: Path) -> None:
    sequencer = open_sequencer(tmp_path)
    sequencer.node.follower = None  # a standalone node's status
    sequencer.halt("L1 replaced a finalized block")
    assert sequencer.get_sync_status()["halted"] == "L1 replaced a finalized block"


def test_restore_skips_a_nonce_its_sender_pooled_again() -> None:
    pool = Mempool()
    newer = signed_transfer(1, 0, value=2)
    pool.add(newer)
    older = signed_transfer(1, 0, value=1)

    assert pool.restore([older, signed_transfer(2, 0)]) == 1

    assert pool.get(newer.hash) is newer
    assert pool.get(older.hash) is None
