"""Tests for node.storage: what a block stores reads back exactly, atomically, after restarts.

Blocks are real: signed transactions executed by rollup.block.execute_block on the devnet genesis.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import orjson
import pytest
from sqlalchemy.exc import IntegrityError

from l1.processes import find_free_port
from node.storage import (
    KEY_FIELD_SIZES,
    DatabaseUnreachable,
    Storage,
    StoredLog,
    StoredTransaction,
    format_copy_row,
    meta_table,
)
from rollup.abi import encode_address_topic, encode_call
from rollup.block import BlockExecution, SignedTransaction, execute_block
from rollup.crypto import compute_private_key_address
from rollup.genesis import Genesis, build_genesis, load_default_genesis_document
from rollup.state import LEAF_TYPES, State, TokenBalance, account_key, balance_key
from rollup.system.context import Log
from rollup.system.tokens import DEPOSIT_TOPIC, TRANSFER_TOPIC
from rollup.transaction import (
    TX_TYPE_DYNAMIC_FEE,
    Transaction,
    decode_and_recover,
    encode_transaction,
    sign_transaction,
)

PRIVATE_KEY = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
SENDER = compute_private_key_address(PRIVATE_KEY)
CHAIN_ID = 901
USDC = bytes.fromhex("4200000000000000000000000000000000001001")
WETH = bytes.fromhex("4200000000000000000000000000000000000006")
ALICE = bytes.fromhex("70997970c51812dc3a010c7d01b50e0d17dc79c8")
BOB = bytes.fromhex("3c44cdddb6a900fa2b585dd299e03d12fa4293bc")
FRESH = bytes.fromhex("d3" * 20)
USDC_UNIT = 10**6


# ---------------------------------------------------------------------------------------------
# Building real blocks


def sign(nonce: int, to: bytes, value: int = 0, data: bytes = b"") -> SignedTransaction:
    tx = Transaction(
        tx_type=TX_TYPE_DYNAMIC_FEE,
        chain_id=CHAIN_ID,
        nonce=nonce,
        max_priority_fee_per_gas=1_000_000,
        max_fee_per_gas=10**9,
        gas_limit=200_000,
        to=to,
        value=value,
        data=data,
        access_list=(),
    )
    raw = encode_transaction(sign_transaction(tx, PRIVATE_KEY))
    decoded, sender, tx_hash = decode_and_recover(raw)
    return SignedTransaction(decoded, sender, tx_hash, raw)


def usdc_transfer(nonce: int, to: bytes, amount: int) -> SignedTransaction:
    return sign(nonce, USDC, data=encode_call("transfer(address,uint256)", to, amount))


@dataclass
class Chain:
    """A genesis, the live state it was advanced to, and the blocks produced on it."""

    genesis: Genesis
    blocks: list[BlockExecution]

    @property
    def state(self) -> State:
        return self.genesis.state


def new_genesis(chain_id: int = CHAIN_ID) -> tuple[Genesis, bytes]:
    document = load_default_genesis_document()
    document["chainId"] = chain_id
    return build_genesis(document), orjson.dumps(document)


def produce(chain: Chain, candidates: list[SignedTransaction]) -> BlockExecution:
    parent = chain.blocks[-1].header if chain.blocks else chain.genesis.header
    execution = execute_block(
        chain.state, chain.genesis.config, parent, candidates, parent.timestamp + 2
    )
    assert not execution.skipped
    chain.blocks.append(execution)
    return execution


def produce_three_blocks(chain: Chain) -> None:
    """Three blocks and their logs, as (block, log index):

    1: an ETH transfer to ALICE (no log); a USDC transfer to ALICE (1:0 Transfer).
    2: a WETH deposit (2:0 WETH Transfer from 0x0, 2:1 Deposit with 2 topics); a USDC transfer to
       BOB (2:2 Transfer).
    3: a USDC transfer of more than the sender holds: reverted, status 0, no log.
    """
    produce(
        chain,
        [sign(0, ALICE, value=10**18), usdc_transfer(1, ALICE, 5 * USDC_UNIT)],
    )
    produce(
        chain,
        [sign(2, WETH, value=3 * 10**18, data=encode_call("deposit()")), usdc_transfer(3, BOB, 7)],
    )
    produce(chain, [usdc_transfer(4, FRESH, 10**30)])  # more than the sender holds: reverts


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'node.db'}"


@pytest.fixture
def chain() -> Chain:
    return Chain(new_genesis()[0], [])


@pytest.fixture
def storage(url: str, chain: Chain) -> Iterator[Storage]:
    """A store holding the genesis and the three blocks of produce_three_blocks."""
    store = Storage(url)
    store.initialize_genesis(chain.genesis, new_genesis()[1])
    produce_three_blocks(chain)
    for execution in chain.blocks:
        store.append_block(execution)
    yield store
    store.close()


def all_logs(chain: Chain) -> list[tuple[int, int, Log]]:
    """(block number, block log index, Log) of every log produced, in chain order."""
    result = []
    for execution in chain.blocks:
        log_index = 0
        for receipt in execution.receipts:
            for log in receipt.logs:
                result.append((execution.header.number, log_index, log))
                log_index += 1
    return result


def positions(logs: list[StoredLog]) -> list[tuple[int, int]]:
    return [(log.block_number, log.log_index) for log in logs]


# ---------------------------------------------------------------------------------------------
# Genesis


def test_genesis_is_stored_as_block_zero(url: str) -> None:
    genesis, document = new_genesis()
    store = Storage(url)
    store.initialize_genesis(genesis, document)
    assert store.get_head_number() == 0
    assert store.get_header(0) == genesis.header
    assert store.get_header_by_hash(genesis.header.hash) == genesis.header
    assert store.get_chain_id() == CHAIN_ID
    store.close()


def test_genesis_document_reads_back_byte_for_byte(url: str) -> None:
    genesis, document = new_genesis()
    store = Storage(url)
    assert store.get_genesis_document() is None
    store.initialize_genesis(genesis, document)
    assert store.get_genesis_document() == document
    store.close()


def test_genesis_leaves_load_to_the_genesis_root(url: str) -> None:
    genesis, document = new_genesis()
    store = Storage(url)
    store.initialize_genesis(genesis, document)
    state = State()
    assert store.load_state(state) == genesis.header.state_root
    assert state.leaves == genesis.state.leaves
    store.close()


def test_initializing_the_same_genesis_again_changes_nothing(url: str) -> None:
    genesis, document = new_genesis()
    store = Storage(url)
    store.initialize_genesis(genesis, document)
    store.initialize_genesis(new_genesis()[0], document)
    assert store.get_head_number() == 0
    assert store.count_state_leaves() == len(genesis.state)
    store.close()


def test_genesis_of_another_chain_id_is_refused(url: str) -> None:
    store = Storage(url)
    store.initialize_genesis(*new_genesis())
    with pytest.raises(ValueError, match="chain id 901, not 902"):
        store.initialize_genesis(*new_genesis(chain_id=902))
    assert store.get_chain_id() == CHAIN_ID
    store.close()


def test_genesis_of_another_chain_id_is_refused_after_reopening(url: str) -> None:
    Storage(url).initialize_genesis(*new_genesis())
    reopened = Storage.open(url)
    with pytest.raises(ValueError, match="chain id 901, not 902"):
        reopened.initialize_genesis(*new_genesis(chain_id=902))
    reopened.close()


def test_genesis_with_another_hash_is_refused(url: str) -> None:
    store = Storage(url)
    store.initialize_genesis(*new_genesis())
    document = load_default_genesis_document()
    document["timestamp"] = 1
    with pytest.raises(ValueError, match="holds genesis 0x"):
        store.initialize_genesis(build_genesis(document), orjson.dumps(document))
    store.close()


def test_genesis_state_that_moved_on_is_refused(url: str, chain: Chain) -> None:
    produce(chain, [sign(0, ALICE, value=1)])
    store = Storage(url)
    with pytest.raises(ValueError, match="moved past block 0"):
        store.initialize_genesis(chain.genesis, new_genesis()[1])
    store.close()


def test_every_state_kind_has_a_key_layout() -> None:
    assert set(KEY_FIELD_SIZES) == set(LEAF_TYPES)


# ---------------------------------------------------------------------------------------------
# Blocks and transactions


def test_head_is_the_last_appended_block(storage: Storage) -> None:
    assert storage.get_head_number() == 3


def test_headers_read_back_equal_by_number(storage: Storage, chain: Chain) -> None:
    for execution in chain.blocks:
        assert storage.get_header(execution.header.number) == execution.header


def test_headers_read_back_equal_by_hash(storage: Storage, chain: Chain) -> None:
    for execution in chain.blocks:
        assert storage.get_header_by_hash(execution.hash) == execution.header


def test_unknown_block_reads_as_none(storage: Storage) -> None:
    assert storage.get_header(4) is None
    assert storage.get_header_by_hash(bytes(32)) is None
    assert storage.get_block_transaction_hashes(4) == []
    assert storage.get_block_transactions(4) == []
    assert storage.get_block_receipts(4) == []


def test_block_transaction_hashes_in_index_order(storage: Storage, chain: Chain) -> None:
    block = chain.blocks[1]
    assert storage.get_block_transaction_hashes(2) == [tx.hash for tx in block.transactions]


def test_block_transactions_read_back_hash_sender_raw(storage: Storage, chain: Chain) -> None:
    block = chain.blocks[0]
    assert storage.get_block_transactions(1) == [
        (tx.hash, SENDER, tx.raw) for tx in block.transactions
    ]


def test_reads_from_other_threads_see_every_appended_block(storage: Storage, chain: Chain) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        headers = list(pool.map(storage.get_header, [1, 2, 3, 1, 2, 3]))
    assert headers == [execution.header for execution in chain.blocks] * 2


def test_transaction_reads_back_with_its_position(storage: Storage, chain: Chain) -> None:
    signed = chain.blocks[1].transactions[1]
    assert storage.get_transaction(signed.hash) == StoredTransaction(
        hash=signed.hash, block_number=2, tx_index=1, sender=SENDER, raw=signed.raw
    )


def test_unknown_transaction_reads_as_none(storage: Storage) -> None:
    assert storage.get_transaction(bytes(32)) is None
    assert storage.get_receipt(bytes(32)) is None


# ---------------------------------------------------------------------------------------------
# Receipts


def test_receipts_read_back_equal(storage: Storage, chain: Chain) -> None:
    for execution in chain.blocks:
        for receipt in execution.receipts:
            stored = storage.get_receipt(receipt.transaction_hash)
            assert stored is not None
            assert stored.to_receipt() == receipt


def test_receipt_names_its_block(storage: Storage, chain: Chain) -> None:
    receipt = chain.blocks[1].receipts[0]
    stored = storage.get_receipt(receipt.transaction_hash)
    assert stored is not None
    assert (stored.block_number, stored.block_hash) == (2, chain.blocks[1].hash)


def test_receipt_logs_carry_block_wide_log_indexes(storage: Storage, chain: Chain) -> None:
    receipt = chain.blocks[0].receipts[1]  # block 1: the ETH transfer has no log, USDC one has one
    stored = storage.get_receipt(receipt.transaction_hash)
    assert stored is not None
    assert [(log.log_index, log.tx_index, log.tx_hash) for log in stored.logs] == [
        (0, 1, receipt.transaction_hash)
    ]


def test_block_receipts_in_index_order(storage: Storage, chain: Chain) -> None:
    stored = storage.get_block_receipts(2)
    assert [receipt.to_receipt() for receipt in stored] == chain.blocks[1].receipts


def test_reverted_transaction_has_status_zero_and_no_logs(storage: Storage, chain: Chain) -> None:
    receipt = chain.blocks[2].receipts[0]
    stored = storage.get_receipt(receipt.transaction_hash)
    assert stored is not None
    assert (stored.status, stored.logs) == (0, ())


def test_large_effective_gas_price_reads_back_exactly(url: str, chain: Chain) -> None:
    store = Storage(url)
    store.initialize_genesis(chain.genesis, new_genesis()[1])
    execution = produce(chain, [sign(0, ALICE, value=1)])
    receipt = execution.receipts[0]
    huge = 2**200 + 12345
    execution.receipts[0] = replace(receipt, effective_gas_price=huge)
    store.append_block(execution)
    stored = store.get_receipt(receipt.transaction_hash)
    assert stored is not None
    assert stored.effective_gas_price == huge
    store.close()


# ---------------------------------------------------------------------------------------------
# Logs (eth_getLogs)


def test_get_logs_without_filter_returns_every_log_in_order(storage: Storage, chain: Chain) -> None:
    found = storage.get_logs(0, 3, None, [])
    expected = all_logs(chain)
    assert positions(found) == [(number, index) for number, index, _ in expected]
    assert [log.to_log() for log in found] == [log for _, _, log in expected]


def test_get_logs_carry_block_hash_and_transaction(storage: Storage, chain: Chain) -> None:
    (found,) = storage.get_logs(1, 1, None, [])
    assert (found.block_hash, found.tx_hash, found.tx_index) == (
        chain.blocks[0].hash,
        chain.blocks[0].transactions[1].hash,
        1,
    )


def test_get_logs_filters_by_address(storage: Storage) -> None:
    found = storage.get_logs(0, 3, [WETH], [])
    assert positions(found) == [(2, 0), (2, 1)]  # WETH's mint Transfer and its Deposit
    assert {log.address for log in found} == {WETH}


def test_get_logs_addresses_are_alternatives(storage: Storage) -> None:
    assert positions(storage.get_logs(0, 3, [WETH, USDC], [])) == [(1, 0), (2, 0), (2, 1), (2, 2)]


def test_get_logs_filters_by_topic0(storage: Storage) -> None:
    found = storage.get_logs(0, 3, None, [[DEPOSIT_TOPIC]])
    assert positions(found) == [(2, 1)]


def test_get_logs_filters_by_address_and_topic0(storage: Storage) -> None:
    found = storage.get_logs(0, 3, [USDC], [[TRANSFER_TOPIC]])
    assert positions(found) == [(1, 0), (2, 2)]


def test_get_logs_topic_alternatives_are_or_ed(storage: Storage) -> None:
    recipients = [encode_address_topic(ALICE), encode_address_topic(BOB)]
    found = storage.get_logs(0, 3, None, [None, None, recipients])
    assert positions(found) == [(1, 0), (2, 2)]


def test_get_logs_wildcard_position_matches_any_topic(storage: Storage) -> None:
    recipient = encode_address_topic(BOB)
    found = storage.get_logs(0, 3, None, [None, None, [recipient]])
    assert positions(found) == [(2, 2)]
    assert found[0].topics[2] == recipient


def test_get_logs_empty_alternatives_are_a_wildcard(storage: Storage) -> None:
    found = storage.get_logs(0, 3, None, [[], [encode_address_topic(SENDER)]])
    assert positions(found) == [(1, 0), (2, 1), (2, 2)]  # not the WETH mint (topic1 = 0x0)


def test_get_logs_trailing_wildcard_requires_that_many_topics(storage: Storage) -> None:
    # Deposit has 2 topics, Transfer 3: a 3-position filter only matches transfers (as geth).
    found = storage.get_logs(0, 3, None, [None, None, None])
    assert positions(found) == [(1, 0), (2, 0), (2, 2)]


def test_get_logs_block_range_is_inclusive(storage: Storage) -> None:
    assert positions(storage.get_logs(2, 2, None, [])) == [(2, 0), (2, 1), (2, 2)]
    assert positions(storage.get_logs(1, 2, None, [[DEPOSIT_TOPIC]])) == [(2, 1)]
    assert storage.get_logs(3, 3, None, []) == []


def test_get_logs_refuses_more_than_max_results(storage: Storage) -> None:
    with pytest.raises(ValueError, match="more than 3 results"):
        storage.get_logs(0, 3, None, [], max_results=3)
    assert len(storage.get_logs(0, 3, None, [], max_results=4)) == 4


def test_get_logs_refuses_a_reversed_range(storage: Storage) -> None:
    with pytest.raises(ValueError, match="invalid block range"):
        storage.get_logs(3, 1, None, [])


def test_get_logs_refuses_more_than_four_topic_positions(storage: Storage) -> None:
    with pytest.raises(ValueError, match="at most 4 topic positions"):
        storage.get_logs(0, 3, None, [None] * 5)


# ---------------------------------------------------------------------------------------------
# Restart and atomicity


def test_restart_loads_the_live_state_root(storage: Storage, chain: Chain, url: str) -> None:
    storage.close()
    reopened = Storage.open(url)
    state = State()
    assert reopened.load_state(state) == chain.state.root == chain.blocks[-1].header.state_root
    assert state.leaves == chain.state.leaves
    reopened.close()


def test_restart_reads_back_headers_receipts_and_logs(
    storage: Storage, chain: Chain, url: str
) -> None:
    storage.close()
    reopened = Storage.open(url)
    assert reopened.get_head_number() == 3
    for execution in chain.blocks:
        number = execution.header.number
        assert reopened.get_header(number) == execution.header
        stored = reopened.get_block_receipts(number)
        assert [receipt.to_receipt() for receipt in stored] == execution.receipts
    assert [log.to_log() for log in reopened.get_logs(0, 3, None, [])] == [
        log for _, _, log in all_logs(chain)
    ]
    reopened.close()


def test_empty_write_to_an_absent_leaf_stores_nothing(url: str, chain: Chain) -> None:
    # State.apply_writes creates no leaf for it; storage must not either, or the root differs.
    store = Storage(url)
    store.initialize_genesis(chain.genesis, new_genesis()[1])
    execution = produce(chain, [sign(0, ALICE, value=1)])
    execution.writes[balance_key(USDC, FRESH)] = TokenBalance(0)
    store.append_block(execution)
    state = State()
    assert store.load_state(state) == execution.header.state_root
    assert balance_key(USDC, FRESH) not in state
    store.close()


def with_duplicate_transaction(execution: BlockExecution) -> BlockExecution:
    """The block with its first transaction (and receipt) repeated at the end.

    Its rows pass every check made before the database; the transactions insert then fails on
    the unique hash, after the header, state and history rows of the block were written.
    """
    first_receipt = execution.receipts[0]
    return BlockExecution(
        header=execution.header,
        transactions=[*execution.transactions, execution.transactions[0]],
        receipts=[
            *execution.receipts,
            replace(first_receipt, transaction_index=len(execution.receipts)),
        ],
        writes=execution.writes,
    )


def test_failed_append_leaves_nothing_of_the_block(url: str, chain: Chain) -> None:
    store = Storage(url)
    store.initialize_genesis(chain.genesis, new_genesis()[1])
    first = produce(chain, [sign(0, ALICE, value=1)])
    store.append_block(first)
    second = produce(chain, [usdc_transfer(1, BOB, 9), sign(2, FRESH, value=5)])
    with pytest.raises(IntegrityError):
        store.append_block(with_duplicate_transaction(second))
    assert store.get_head_number() == 1
    assert store.get_header(2) is None
    assert store.get_header_by_hash(second.hash) is None
    assert [store.get_transaction(tx.hash) for tx in second.transactions] == [None, None]
    assert store.get_block_receipts(2) == []
    assert store.get_logs(2, 2, None, []) == []
    state = State()
    assert store.load_state(state) == first.header.state_root
    assert state.get(balance_key(USDC, BOB)) == TokenBalance(100_000 * USDC_UNIT)  # genesis
    assert account_key(FRESH) not in state  # block 2 would have created it
    store.close()


def test_block_can_be_appended_after_a_failed_append(url: str, chain: Chain) -> None:
    store = Storage(url)
    store.initialize_genesis(chain.genesis, new_genesis()[1])
    execution = produce(chain, [sign(0, ALICE, value=1), usdc_transfer(1, BOB, 2)])
    with pytest.raises(IntegrityError):
        store.append_block(with_duplicate_transaction(execution))
    store.append_block(execution)
    assert store.get_block_transaction_hashes(1) == [tx.hash for tx in execution.transactions]
    assert store.load_state(State()) == execution.header.state_root
    store.close()


def test_receipts_not_matching_transactions_are_refused(url: str, chain: Chain) -> None:
    store = Storage(url)
    store.initialize_genesis(chain.genesis, new_genesis()[1])
    execution = produce(chain, [sign(0, ALICE, value=1), sign(1, BOB, value=2)])
    swapped = BlockExecution(
        header=execution.header,
        transactions=execution.transactions,
        receipts=execution.receipts[::-1],
        writes=execution.writes,
    )
    with pytest.raises(ValueError, match="receipt 0 of block 1 is not its transaction's"):
        store.append_block(swapped)
    assert store.get_head_number() == 0
    store.close()


def test_block_that_does_not_extend_the_head_is_refused(storage: Storage, chain: Chain) -> None:
    with pytest.raises(ValueError, match="does not extend the stored head 3"):
        storage.append_block(chain.blocks[1])
    assert storage.get_head_number() == 3


def test_block_before_genesis_is_refused(url: str, chain: Chain) -> None:
    store = Storage(url)
    execution = produce(chain, [sign(0, ALICE, value=1)])
    with pytest.raises(ValueError, match="initialize_genesis first"):
        store.append_block(execution)
    store.close()


def test_rollback_restores_the_state_and_removes_later_blocks(
    storage: Storage, chain: Chain
) -> None:
    storage.rollback_to(1)
    assert storage.get_head_number() == 1
    assert storage.get_header(2) is None
    assert storage.get_transaction(chain.blocks[1].transactions[0].hash) is None
    assert storage.get_logs(0, 3, None, []) == storage.get_logs(1, 1, None, [])
    assert storage.load_state(State()) == chain.blocks[0].header.state_root


def test_rollback_removes_leaves_created_after_the_target(storage: Storage) -> None:
    storage.rollback_to(0)
    state = State()
    genesis = new_genesis()[0]
    assert storage.load_state(state) == genesis.header.state_root
    assert state.leaves == genesis.state.leaves


def test_chain_continues_after_a_rollback(url: str, storage: Storage) -> None:
    storage.rollback_to(1)
    replay = Chain(new_genesis()[0], [])
    produce(replay, [sign(0, ALICE, value=10**18), usdc_transfer(1, ALICE, 5 * USDC_UNIT)])
    other = produce(replay, [sign(2, FRESH, value=1)])
    storage.append_block(other)
    assert storage.get_header(2) == other.header
    assert storage.load_state(State()) == other.header.state_root


# ---------------------------------------------------------------------------------------------
# PostgreSQL


def find_postgres_bin() -> Path | None:
    initdb = shutil.which("initdb")
    if initdb is not None:
        return Path(os.path.realpath(initdb)).parent
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    return None


def postgres_user_prefix() -> list[str]:
    """The command prefix to run PostgreSQL's tools as a non-root user (initdb refuses root)."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as another user")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no postgres user to run PostgreSQL as")
    return [runuser, "-u", "postgres", "--"]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster in a temporary directory, on 127.0.0.1 and a free port."""
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    prefix = postgres_user_prefix()
    directory = tempfile.mkdtemp(prefix="storage-pg-")
    if prefix:
        user = pwd.getpwnam("postgres")
        os.chown(directory, user.pw_uid, user.pw_gid)
    data = os.path.join(directory, "data")
    pg_ctl = [*prefix, str(bin_dir / "pg_ctl"), "-D", data]
    port = find_free_port()
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
    started = False
    try:
        initdb = [str(bin_dir / "initdb"), "-D", data, "-U", "postgres", "-A", "trust"]
        subprocess.run([*prefix, *initdb], check=True, capture_output=True)
        log_file = os.path.join(directory, "log")
        subprocess.run(
            [*pg_ctl, "-o", options, "-l", log_file, "-w", "-t", "60", "start"],
            check=True,
            capture_output=True,
        )
        started = True
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run([*pg_ctl, "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


def test_postgresql_copy_row_escapes_null_bytea_and_integers() -> None:
    assert format_copy_row((None, b"\x01\xff", 7, b"")) == "\\N\t\\\\x01ff\t7\t\\\\x\n"


def test_postgresql_round_trip(postgres_url: str, chain: Chain) -> None:
    store = Storage(postgres_url)
    store.initialize_genesis(chain.genesis, new_genesis()[1])
    produce_three_blocks(chain)
    for execution in chain.blocks:
        store.append_block(execution)
    store.close()
    reopened = Storage.open(postgres_url)
    assert reopened.get_head_number() == 3
    for execution in chain.blocks:
        assert reopened.get_header(execution.header.number) == execution.header
        assert reopened.get_header_by_hash(execution.hash) == execution.header
        assert reopened.get_block_transactions(execution.header.number) == [
            (tx.hash, tx.sender, tx.raw) for tx in execution.transactions
        ]
        stored = reopened.get_block_receipts(execution.header.number)
        assert [receipt.to_receipt() for receipt in stored] == execution.receipts
    assert positions(reopened.get_logs(0, 3, [USDC], [[TRANSFER_TOPIC]])) == [(1, 0), (2, 2)]
    state = State()
    assert reopened.load_state(state) == chain.state.root
    with pytest.raises(ValueError, match="chain id 901, not 902"):
        reopened.initialize_genesis(*new_genesis(chain_id=902))
    reopened.close()


def test_database_of_another_schema_version_is_refused(url: str) -> None:
    store = Storage(url)
    with store.engine.begin() as conn:
        conn.execute(
            meta_table.update().where(meta_table.c.key == "schema_version"), {"value": b"0"}
        )
    store.close()
    with pytest.raises(ValueError, match="schema version 0 is not this node's"):
        Storage(url)


def test_in_memory_sqlite_keeps_one_database() -> None:
    store = Storage("sqlite://")
    genesis, document = new_genesis()
    store.initialize_genesis(genesis, document)
    assert store.get_header(0) == genesis.header
    assert store.load_state(State()) == genesis.header.state_root
    store.close()


def test_unsupported_url_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database URL"):
        Storage("mysql://localhost/db")


def test_sqlite_file_is_in_wal_mode(storage: Storage, url: str) -> None:
    with storage.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


# -- waiting for the database at start -----------------------------------------------------------


def refusing_postgres_url() -> str:
    """A PostgreSQL URL on 127.0.0.1 where nothing listens (connections are refused)."""
    return f"postgresql+psycopg2://rollup:secret@127.0.0.1:{find_free_port()}/rollup"


def test_open_without_a_wait_tries_once_and_names_the_database_without_its_password() -> None:
    url = refusing_postgres_url()
    retries: list[str] = []
    with pytest.raises(DatabaseUnreachable) as raised:
        Storage.open(url, wait_seconds=0, on_retry=retries.append)
    assert retries == []
    assert str(raised.value).startswith(
        f"cannot reach the database {url.replace('secret', '***')} (waited 0 s): "
    )
    assert "secret" not in str(raised.value)
    assert "refused" in raised.value.reason


def test_open_with_a_wait_reports_each_retry_then_gives_up() -> None:
    url = refusing_postgres_url()
    retries: list[str] = []
    with pytest.raises(DatabaseUnreachable):
        Storage.open(url, wait_seconds=1.2, on_retry=retries.append)
    assert len(retries) >= 2
    assert all(retry.endswith("; retrying") and "secret" not in retry for retry in retries)
