"""The node's durable store: blocks, transactions, receipts, logs and the state, on SQL.

SQLAlchemy 2 Core (no ORM: rows go in with one executemany per table), SQLite in WAL mode as the
embedded default (``sqlite:///path/to/node.db``) and PostgreSQL by URL
(``postgresql+psycopg2://user@host:port/db``).

What is stored and why:

- ``meta``: schema version, chain id, genesis hash and the genesis document, so a node refuses a
  database of another chain.
- ``blocks``: the header's RLP (the source of truth, decoded back with rollup.block.decode_header)
  plus the fields an RPC or a derivation rollback looks blocks up by.
- ``transactions`` (raw signed bytes, sender), ``receipts`` and ``logs``: what the JSON-RPC serves.
  All three are keyed by position ((block, tx index) or (block, log index)), so a block's rows are
  appended at the end of each B-tree; the transaction hash is a unique index, through which a
  receipt is found by hash. A receipt keeps the block-wide index of its first log, so its logs are
  one primary-key range. logs has the (address, block) and (topic0, block) indexes of eth_getLogs.
- ``state``: every leaf of the committed state under its packed typed key (rollup.state.encode_key)
  with its abi-encoded words (rollup.state.encode_leaf). It mirrors ``State.leaves`` exactly, so
  ``load_state`` rebuilds the same trees and the same root on restart.
- ``state_history``: for each block, the previous value of every leaf it changed (NULL where the
  leaf did not exist), so the last blocks can be rolled back (``rollback_to``) on an L1 reorg.
- ``boundary_cursors``: the machine's batch cursor at the end of each block an output was computed
  for, with the block's hash and the record of the batch last opened, so that the next output after
  a restart is located from the newest one still valid, not from genesis.
- ``l1_progress`` (a verifier's): for each L1 block derivation has processed, its number, hash,
  parent hash and timestamp, and the L2 head after it; a restarted verifier resumes after the
  newest one L1 still has, and an L1 reorg rolls L2 back to the head recorded at the common block.

A block is appended in one database transaction: either all of it is stored or none of it.

Speed: statements are SQLAlchemy Core, built once. A block's rows go in with one bulk operation per
table: on SQLite the compiled statement straight to the driver's executemany (SQLAlchemy's per-row
parameter processing costs more than SQLite's insert), on PostgreSQL a COPY (the state upsert
COPies into a temporary table, then one INSERT ... ON CONFLICT DO UPDATE). On SQLite, point reads
(the RPC's lookups) run the same compiled statements on per-thread read-only driver connections,
~10x cheaper than a trip through the engine's pool and result machinery.
"""

from __future__ import annotations

import io
import os
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql import Executable
from sqlalchemy.sql.dml import Insert

from l1.backoff import retry_for
from rollup.block import BlockExecution, Header, Receipt, decode_header
from rollup.genesis import Genesis
from rollup.state import (
    EMPTY_LEAVES,
    KIND_ACCOUNT,
    KIND_ALLOWANCE,
    KIND_LENDING_ACCOUNT,
    KIND_LIQUIDITY,
    KIND_MARKET,
    KIND_MARKET_CONFIG,
    KIND_PERPS_MARKET,
    KIND_PERPS_MARKET_CONFIG,
    KIND_PERPS_POSITION,
    KIND_POOL,
    KIND_POSITION,
    KIND_PRICE,
    KIND_SYSTEM,
    KIND_TOKEN,
    KIND_TOKEN_BALANCE,
    KIND_WITHDRAWAL,
    KIND_WITHDRAWALS,
    LEAF_TYPES,
    State,
    StateKey,
    decode_leaf,
    encode_key,
    encode_leaf,
)
from rollup.system.context import Log

SCHEMA_VERSION = 2
MAX_LOG_RESULTS = 10_000
"""Default bound of get_logs, as geth's: a wider query must be split by the caller."""
MAX_TOPICS = 4
KEY_LOOKUP_CHUNK = 2_000
"""Keys per `IN (...)` when reading the previous values of a block's writes."""

ADDRESS_SIZE = 20
HASH_SIZE = 32

KEY_FIELD_SIZES: dict[int, tuple[int, ...]] = {
    KIND_ACCOUNT: (ADDRESS_SIZE,),
    KIND_TOKEN: (ADDRESS_SIZE,),
    KIND_TOKEN_BALANCE: (ADDRESS_SIZE, ADDRESS_SIZE),
    KIND_ALLOWANCE: (ADDRESS_SIZE, ADDRESS_SIZE, ADDRESS_SIZE),
    KIND_POOL: (ADDRESS_SIZE, ADDRESS_SIZE),
    KIND_LIQUIDITY: (ADDRESS_SIZE, ADDRESS_SIZE, ADDRESS_SIZE),
    KIND_MARKET: (ADDRESS_SIZE,),
    KIND_MARKET_CONFIG: (ADDRESS_SIZE,),
    KIND_POSITION: (ADDRESS_SIZE, ADDRESS_SIZE),
    KIND_LENDING_ACCOUNT: (ADDRESS_SIZE,),
    KIND_PRICE: (ADDRESS_SIZE,),
    KIND_SYSTEM: (),
    KIND_WITHDRAWALS: (),
    KIND_WITHDRAWAL: (HASH_SIZE,),
    KIND_PERPS_MARKET: (ADDRESS_SIZE,),
    KIND_PERPS_MARKET_CONFIG: (ADDRESS_SIZE,),
    KIND_PERPS_POSITION: (ADDRESS_SIZE, ADDRESS_SIZE),
}
"""The byte width of each field of a typed state key, by kind (to unpack a stored key)."""

ALWAYS_STORED_KINDS = frozenset((KIND_WITHDRAWAL, KIND_WITHDRAWALS))
"""Kinds that State.apply_writes stores even when the leaf is empty (see mirror rule below)."""


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class StoredCursor:
    """The machine's batch cursor at the end of an L2 block (rollup.machine.BatchCursor), with
    what proves it still applies: the block's hash and the record of the batch last opened."""

    l2_number: int
    block_hash: bytes
    batches_opened: int
    offset: int
    blocks_left: int
    batch_record: bytes


@dataclass(frozen=True, slots=True)
class L1Progress:
    """An L1 block derivation has processed, and the L2 head once it had."""

    l1_number: int
    l1_hash: bytes
    l1_parent_hash: bytes
    l1_timestamp: int
    l2_head: int


@dataclass(frozen=True, slots=True)
class StoredTransaction:
    """An included transaction: its raw signed bytes and where it sits."""

    hash: bytes
    block_number: int
    tx_index: int
    sender: bytes
    raw: bytes


@dataclass(frozen=True, slots=True)
class StoredLog:
    """A log with its position: `log_index` counts logs within the block (as eth_getLogs)."""

    block_number: int
    tx_index: int
    log_index: int
    tx_hash: bytes
    address: bytes
    topics: tuple[bytes, ...]
    data: bytes
    block_hash: bytes

    def to_log(self) -> Log:
        return Log(self.address, self.topics, self.data)


@dataclass(frozen=True, slots=True)
class StoredReceipt:
    """A receipt (the fields of rollup.block.Receipt) with its block and positioned logs."""

    transaction_hash: bytes
    transaction_index: int
    sender: bytes
    to: bytes | None
    tx_type: int
    status: int
    gas_used: int
    cumulative_gas_used: int
    effective_gas_price: int
    logs: tuple[StoredLog, ...]
    block_number: int
    block_hash: bytes

    def to_receipt(self) -> Receipt:
        return Receipt(
            transaction_hash=self.transaction_hash,
            transaction_index=self.transaction_index,
            sender=self.sender,
            to=self.to,
            tx_type=self.tx_type,
            status=self.status,
            gas_used=self.gas_used,
            cumulative_gas_used=self.cumulative_gas_used,
            effective_gas_price=self.effective_gas_price,
            logs=tuple(log.to_log() for log in self.logs),
        )


# ---------------------------------------------------------------------------------------------
# Schema


def encode_uint(value: int) -> bytes:
    """A uint256 as minimal big-endian bytes (fees can exceed a 64-bit integer column)."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def decode_uint(data: bytes) -> int:
    return int.from_bytes(data, "big")


# A block number; INTEGER on SQLite so that blocks.number is the table's rowid.
BlockNumber = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

meta_table = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", LargeBinary, nullable=False),
)

blocks_table = Table(
    "blocks",
    metadata,
    Column("number", BlockNumber, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary, nullable=False),
    Column("parent_hash", LargeBinary, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("state_root", LargeBinary, nullable=False),
    Column("tx_count", Integer, nullable=False),
    Column("gas_used", BigInteger, nullable=False),
    Column("gas_limit", BigInteger, nullable=False),
    Column("base_fee", LargeBinary, nullable=False),  # encode_uint
    Column("l1_origin_number", BigInteger, nullable=False),
    Column("header", LargeBinary, nullable=False),
    Index("ix_blocks_hash", "hash", unique=True),
    Index("ix_blocks_l1_origin_number", "l1_origin_number"),
)

transactions_table = Table(
    "transactions",
    metadata,
    Column("block_number", BigInteger, ForeignKey("blocks.number"), nullable=False),
    Column("tx_index", Integer, nullable=False),
    Column("hash", LargeBinary, nullable=False),
    Column("sender", LargeBinary, nullable=False),
    Column("raw", LargeBinary, nullable=False),
    # Keyed by position, so a block's rows are appended in key order; the hash is a unique
    # index (a random-order key as the table's own key would cost a page split per few rows).
    PrimaryKeyConstraint("block_number", "tx_index"),
    Index("ix_transactions_hash", "hash", unique=True),
    Index("ix_transactions_sender", "sender"),
    sqlite_with_rowid=False,
)

receipts_table = Table(
    "receipts",
    metadata,
    Column("block_number", BigInteger, nullable=False),
    Column("tx_index", Integer, nullable=False),
    Column("to_address", LargeBinary, nullable=True),
    Column("tx_type", SmallInteger, nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("gas_used", BigInteger, nullable=False),
    Column("cumulative_gas_used", BigInteger, nullable=False),
    Column("effective_gas_price", LargeBinary, nullable=False),  # encode_uint
    Column("first_log_index", Integer, nullable=False),  # the block-wide index of its first log
    Column("log_count", Integer, nullable=False),
    # One receipt per transaction, found by hash through transactions.hash.
    PrimaryKeyConstraint("block_number", "tx_index"),
    ForeignKeyConstraint(
        ["block_number", "tx_index"], ["transactions.block_number", "transactions.tx_index"]
    ),
    sqlite_with_rowid=False,
)

logs_table = Table(
    "logs",
    metadata,
    Column("block_number", BigInteger, nullable=False),
    Column("log_index", Integer, nullable=False),  # within the block, as eth_getLogs numbers it
    Column("tx_index", Integer, nullable=False),
    Column("address", LargeBinary, nullable=False),
    Column("topic0", LargeBinary, nullable=True),
    Column("topic1", LargeBinary, nullable=True),
    Column("topic2", LargeBinary, nullable=True),
    Column("topic3", LargeBinary, nullable=True),
    Column("data", LargeBinary, nullable=False),
    # The primary key is also the block_number index of eth_getLogs block ranges.
    PrimaryKeyConstraint("block_number", "log_index"),
    ForeignKeyConstraint(
        ["block_number", "tx_index"], ["transactions.block_number", "transactions.tx_index"]
    ),
    Index("ix_logs_address_block", "address", "block_number"),
    Index("ix_logs_topic0_block", "topic0", "block_number"),
    sqlite_with_rowid=False,
)

state_table = Table(
    "state",
    metadata,
    Column("key", LargeBinary, primary_key=True),
    Column("kind", SmallInteger, nullable=False),
    Column("value", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)

state_history_table = Table(
    "state_history",
    metadata,
    Column("block_number", BigInteger, ForeignKey("blocks.number"), nullable=False),
    Column("key", LargeBinary, nullable=False),
    Column("old_value", LargeBinary, nullable=True),  # NULL: the leaf did not exist before
    PrimaryKeyConstraint("block_number", "key"),
    sqlite_with_rowid=False,
)

l1_progress_table = Table(
    "l1_progress",
    metadata,
    Column("l1_number", BigInteger, primary_key=True, autoincrement=False),
    Column("l1_hash", LargeBinary, nullable=False),
    Column("l1_parent_hash", LargeBinary, nullable=False),
    Column("l1_timestamp", BigInteger, nullable=False),
    Column("l2_head", BigInteger, nullable=False),
)

boundary_cursors_table = Table(
    "boundary_cursors",
    metadata,
    Column("l2_number", BigInteger, primary_key=True, autoincrement=False),
    Column("block_hash", LargeBinary, nullable=False),
    Column("batches_opened", BigInteger, nullable=False),
    Column("batch_offset", BigInteger, nullable=False),
    Column("blocks_left", BigInteger, nullable=False),
    Column("batch_record", LargeBinary, nullable=False),  # of batch batches_opened - 1, or b""
)

TRANSACTION_COLUMNS = ("block_number", "tx_index", "hash", "sender", "raw")
RECEIPT_COLUMNS = (
    "block_number",
    "tx_index",
    "to_address",
    "tx_type",
    "status",
    "gas_used",
    "cumulative_gas_used",
    "effective_gas_price",
    "first_log_index",
    "log_count",
)
LOG_COLUMNS = (
    "block_number",
    "log_index",
    "tx_index",
    "address",
    "topic0",
    "topic1",
    "topic2",
    "topic3",
    "data",
)
STATE_COLUMNS = ("key", "kind", "value")
HISTORY_COLUMNS = ("block_number", "key", "old_value")

# PostgreSQL: a block's leaves are COPied here, then upserted into state in one statement.
STATE_INCOMING_TABLE = Table(
    "state_incoming",
    MetaData(),  # a temporary table, never created by create_all
    Column("key", LargeBinary),
    Column("kind", SmallInteger),
    Column("value", LargeBinary),
)

LOG_TOPIC_COLUMNS = (
    logs_table.c.topic0,
    logs_table.c.topic1,
    logs_table.c.topic2,
    logs_table.c.topic3,
)


# ---------------------------------------------------------------------------------------------
# Keys


def decode_state_key(data: bytes) -> StateKey:
    """Inverse of rollup.state.encode_key: unpack a stored key into its typed tuple."""
    kind = data[0]
    sizes = KEY_FIELD_SIZES.get(kind)
    if sizes is None:
        raise ValueError(f"stored state key of unknown kind {kind}")
    if len(data) != 1 + sum(sizes):
        raise ValueError(f"stored state key of kind {kind} has {len(data)} bytes")
    fields: list[Any] = [kind]
    offset = 1
    for size in sizes:
        fields.append(data[offset : offset + size])
        offset += size
    return tuple(fields)


def encode_state_key(key: StateKey) -> bytes:
    """rollup.state.encode_key, checked against the key layout so that it decodes back."""
    data = encode_key(key)
    sizes = KEY_FIELD_SIZES.get(key[0])
    if sizes is None or len(data) != 1 + sum(sizes):
        raise ValueError(f"state key {key!r} does not match the layout of its kind")
    return data


def format_copy_row(row: tuple[Any, ...]) -> str:
    """A row in PostgreSQL COPY text format: NULL as \\N, bytea as \\\\x-hex, integers."""
    return (
        "\t".join(
            [
                "\\N"
                if value is None
                else "\\\\x" + value.hex()
                if type(value) is bytes
                else str(value)
                for value in row
            ]
        )
        + "\n"
    )


def _chunks(items: Sequence[bytes], size: int) -> Iterator[list[bytes]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# ---------------------------------------------------------------------------------------------
# Engine


def sqlite_file_path(url: str) -> str | None:
    """The database file of a sqlite:/// URL; None for other URLs and in-memory SQLite."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return os.path.abspath(database)


L1_PROGRESS_KEPT = 1_000
"""Rows of l1_progress a role keeps below its newest (a restart looks among them for the newest
L1 block L1 still has)."""

WRITE_OPTION = "rollup_writes"
"""The execution option of Storage's writing transactions (BEGIN IMMEDIATE on SQLite)."""


def create_storage_engine(url: str) -> Engine:
    """An engine for a SQLite file (WAL), in-memory SQLite, or PostgreSQL URL."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = sqlite_file_path(url)
        if path is not None:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            engine = create_engine(url, connect_args={"check_same_thread": False})
        else:  # one shared in-memory database
            engine = create_engine(
                url, connect_args={"check_same_thread": False}, poolclass=StaticPool
            )
        _configure_sqlite(engine)
        return engine
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql+psycopg2://")


def _configure_sqlite(engine: Engine) -> None:
    """WAL, synchronous=NORMAL (durable across process crashes), foreign keys, real BEGIN.

    pysqlite only opens a transaction before a write; SQLAlchemy's documented recipe turns that
    off and emits BEGIN itself, so reads inside a transaction see one snapshot.
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA cache_size=-32768")  # 32 MiB: random hash-index inserts
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        # A writing transaction takes the write lock at BEGIN: one that read first and then
        # wrote would fail at once (SQLITE_BUSY, no waiting) if another thread had written
        # since its read (the builder's blocks and the settlement worker's records).
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# ---------------------------------------------------------------------------------------------
# Queries, built once (building a statement costs more than running it on SQLite)

_blocks = blocks_table.c
_transactions = transactions_table.c
_receipts = receipts_table.c
_logs = logs_table.c

SELECT_META = select(meta_table.c.value).where(meta_table.c.key == bindparam("key"))
SELECT_HEAD_NUMBER = select(func.max(_blocks.number))
SELECT_HEAD = select(_blocks.number, _blocks.hash).order_by(_blocks.number.desc()).limit(1)
SELECT_HEADER_BY_NUMBER = select(_blocks.header).where(_blocks.number == bindparam("number"))
SELECT_HEADER_BY_HASH = select(_blocks.header).where(_blocks.hash == bindparam("hash"))
SELECT_NUMBER_BY_HASH = select(_blocks.number).where(_blocks.hash == bindparam("hash"))
SELECT_BLOCK_TX_HASHES = (
    select(_transactions.hash)
    .where(_transactions.block_number == bindparam("number"))
    .order_by(_transactions.tx_index)
)
SELECT_BLOCK_TRANSACTIONS = (
    select(_transactions.hash, _transactions.sender, _transactions.raw)
    .where(_transactions.block_number == bindparam("number"))
    .order_by(_transactions.tx_index)
)
SELECT_BLOCK_TX_SIZES = (
    select(_transactions.hash, func.length(_transactions.raw))
    .where(_transactions.block_number == bindparam("number"))
    .order_by(_transactions.tx_index)
)
SELECT_BLOCK_LOG_TOPICS = (
    select(_logs.address, _logs.topic0, _logs.topic1, _logs.topic2, _logs.topic3)
    .where(_logs.block_number == bindparam("number"))
    .order_by(_logs.log_index)
)
SELECT_TRANSACTION = select(
    _transactions.hash,
    _transactions.block_number,
    _transactions.tx_index,
    _transactions.sender,
    _transactions.raw,
).where(_transactions.hash == bindparam("hash"))

SELECT_LATEST_TRANSACTIONS = (
    select(
        _transactions.hash,
        _transactions.block_number,
        _transactions.tx_index,
        _transactions.sender,
        _transactions.raw,
    )
    .order_by(_transactions.block_number.desc(), _transactions.tx_index.desc())
    .limit(bindparam("limit"))
)
SELECT_LATEST_SENDER_TRANSACTIONS = SELECT_LATEST_TRANSACTIONS.where(
    _transactions.sender == bindparam("sender")
)

_SELECT_RECEIPTS = (
    select(
        _transactions.hash,
        _receipts.tx_index,
        _transactions.sender,
        _receipts.to_address,
        _receipts.tx_type,
        _receipts.status,
        _receipts.gas_used,
        _receipts.cumulative_gas_used,
        _receipts.effective_gas_price,
        _receipts.block_number,
        _blocks.hash,
        _receipts.first_log_index,
        _receipts.log_count,
    )
    .join_from(
        receipts_table,
        transactions_table,
        (_transactions.block_number == _receipts.block_number)
        & (_transactions.tx_index == _receipts.tx_index),
    )
    .join(blocks_table, _blocks.number == _receipts.block_number)
)
SELECT_RECEIPT = _SELECT_RECEIPTS.where(_transactions.hash == bindparam("hash"))
SELECT_BLOCK_RECEIPTS = _SELECT_RECEIPTS.where(
    _receipts.block_number == bindparam("number")
).order_by(_receipts.tx_index)

SELECT_LOGS = (
    select(
        _logs.block_number,
        _logs.tx_index,
        _logs.log_index,
        _transactions.hash,
        _logs.address,
        _logs.topic0,
        _logs.topic1,
        _logs.topic2,
        _logs.topic3,
        _logs.data,
        _blocks.hash,
    )
    .join_from(
        logs_table,
        transactions_table,
        (_transactions.block_number == _logs.block_number)
        & (_transactions.tx_index == _logs.tx_index),
    )
    .join(blocks_table, _blocks.number == _logs.block_number)
)
SELECT_LOG_RANGE = SELECT_LOGS.where(
    _logs.block_number == bindparam("number"),
    _logs.log_index >= bindparam("first"),
    _logs.log_index < bindparam("end"),
).order_by(_logs.log_index)
SELECT_BLOCK_LOGS = SELECT_LOGS.where(_logs.block_number == bindparam("number")).order_by(
    _logs.log_index
)
SELECT_STATE_VALUES = select(state_table.c.key, state_table.c.value).where(
    state_table.c.key.in_(bindparam("keys", expanding=True))
)
SELECT_ALL_LEAVES = select(state_table.c.key, state_table.c.kind, state_table.c.value)


def _log_from_row(row: Any) -> StoredLog:
    return StoredLog(
        block_number=row[0],
        tx_index=row[1],
        log_index=row[2],
        tx_hash=row[3],
        address=row[4],
        topics=tuple(topic for topic in row[5:9] if topic is not None),
        data=row[9],
        block_hash=row[10],
    )


def _receipt_from_row(row: Any, logs: tuple[StoredLog, ...]) -> StoredReceipt:
    return StoredReceipt(
        transaction_hash=row[0],
        transaction_index=row[1],
        sender=row[2],
        to=row[3],
        tx_type=row[4],
        status=row[5],
        gas_used=row[6],
        cumulative_gas_used=row[7],
        effective_gas_price=decode_uint(row[8]),
        logs=logs,
        block_number=row[9],
        block_hash=row[10],
    )


# ---------------------------------------------------------------------------------------------
# Reading


class _Reader(ABC):
    """Runs prepared read statements inside one read transaction (one consistent snapshot)."""

    @abstractmethod
    def rows(self, statement: Executable, params: Mapping[str, Any] | None = None) -> list[Any]:
        """All rows of `statement`."""

    def scalar(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Any:
        rows = self.rows(statement, params)
        return rows[0][0] if rows else None


class _EngineReader(_Reader):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def rows(self, statement: Executable, params: Mapping[str, Any] | None = None) -> list[Any]:
        return list(self.conn.execute(statement, params or {}).all())


class _SqliteReader(_Reader):
    def __init__(self, conn: sqlite3.Connection, readers: _SqliteReaders) -> None:
        self.conn = conn
        self.readers = readers

    def rows(self, statement: Executable, params: Mapping[str, Any] | None = None) -> list[Any]:
        sql, names, defaults = self.readers.compile(statement)
        given = params or {}
        arguments = tuple(given[name] if name in given else defaults[name] for name in names)
        return self.conn.execute(sql, arguments).fetchall()


class _SqliteReaders:
    """Per-thread read-only driver connections to a SQLite file, for the RPC's point lookups.

    A lookup through SQLAlchemy's engine (pool checkout, events, result objects) costs ~10x the
    indexed query itself; the node looks up a transaction for every one it admits. The statements
    are the same SQLAlchemy statements, compiled once for SQLite.
    """

    def __init__(self, path: str, dialect: Any) -> None:
        self.path = path
        self.dialect = dialect
        self.local = threading.local()
        self.lock = threading.Lock()
        self.connections: list[sqlite3.Connection] = []
        self.compiled: dict[int, tuple[str, tuple[str, ...], dict[str, Any]]] = {}

    def compile(self, statement: Executable) -> tuple[str, tuple[str, ...], dict[str, Any]]:
        entry = self.compiled.get(id(statement))
        if entry is None:
            compiled = statement.compile(dialect=self.dialect)  # type: ignore[attr-defined]
            entry = (compiled.string, tuple(compiled.positiontup or ()), dict(compiled.params))
            self.compiled[id(statement)] = entry
        return entry

    def connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self.local, "connection", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA query_only=ON")
            conn.execute("PRAGMA busy_timeout=10000")
            self.local.connection = conn
            with self.lock:
                self.connections.append(conn)
        return conn

    def close(self) -> None:
        with self.lock:
            for conn in self.connections:
                conn.close()
            self.connections.clear()
            self.local = threading.local()


# ---------------------------------------------------------------------------------------------
# Storage


class DatabaseUnreachable(Exception):
    """The database server did not accept a connection within the start-up wait."""

    def __init__(self, url: str, waited: float, reason: str) -> None:
        super().__init__(f"cannot reach the database {url} (waited {waited:g} s): {reason}")
        self.url = url
        self.reason = reason


def redact_url(url: str) -> str:
    """`url` with its password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def describe_connection_error(exc: OperationalError) -> str:
    """The driver's own first line (e.g. 'connection refused'), without SQLAlchemy's trailer."""
    lines = str(exc.orig).strip().splitlines() if exc.orig is not None else []
    return lines[0].strip() if lines else str(exc).splitlines()[0]


class Storage:
    """The node's database. Every method is one database transaction."""

    def __init__(self, url: str) -> None:
        """Open (creating tables if missing) the database at `url`.

        Raises ValueError for an unsupported URL or a database of another schema version.
        """
        self.url = url
        self.engine = create_storage_engine(url)
        self._writer = self.engine.execution_options(**{WRITE_OPTION: True})
        self.dialect = self.engine.dialect.name
        try:
            self._check_schema_version()
            metadata.create_all(self.engine)
            with self._writer.begin() as conn:
                if self._get_meta(conn, "schema_version") is None:
                    row = {"key": "schema_version", "value": b"%d" % SCHEMA_VERSION}
                    conn.execute(insert(meta_table), row)
        except Exception:
            self.engine.dispose()
            raise
        self._state_upsert = self._build_state_upsert()
        self._inserts = {table.name: insert(table) for table in metadata.sorted_tables}
        self._compiled: dict[int, str] = {}
        path = sqlite_file_path(url)
        self._sqlite_readers = None if path is None else _SqliteReaders(path, self.engine.dialect)

    def _check_schema_version(self) -> None:
        with self.engine.connect() as conn:
            if not inspect(conn).has_table(meta_table.name):
                return
            stored = self._get_meta(conn, "schema_version")
        if stored is not None and int(stored) != SCHEMA_VERSION:
            raise ValueError(
                f"database schema version {int(stored)} is not this node's {SCHEMA_VERSION}"
            )

    @classmethod
    def open(
        cls,
        url: str,
        wait_seconds: float = 0.0,
        on_retry: Callable[[str], None] | None = None,
    ) -> Storage:
        """Open the database at `url`, trying again for up to `wait_seconds` while the server
        cannot be reached (a PostgreSQL that is still starting); each failed try is reported to
        `on_retry` with its reason. Raises DatabaseUnreachable once the wait is over."""

        def report(exc: Exception) -> None:
            if on_retry is not None and isinstance(exc, OperationalError):
                reason = describe_connection_error(exc)
                on_retry(f"database {redact_url(url)} not ready ({reason}); retrying")

        try:
            return retry_for(wait_seconds, lambda: cls(url), OperationalError, report)
        except OperationalError as exc:
            reason = describe_connection_error(exc)
            raise DatabaseUnreachable(redact_url(url), wait_seconds, reason) from exc

    def close(self) -> None:
        if self._sqlite_readers is not None:
            self._sqlite_readers.close()
        self.engine.dispose()

    @contextmanager
    def _reading(self) -> Iterator[_Reader]:
        """A read transaction: every statement run in it sees the same committed blocks."""
        readers = self._sqlite_readers
        if readers is None:
            with self.engine.connect() as conn:
                yield _EngineReader(conn)
            return
        driver = readers.connection()
        driver.execute("BEGIN")
        try:
            yield _SqliteReader(driver, readers)
        finally:
            driver.execute("ROLLBACK")

    def _build_state_upsert(self) -> Insert:
        """INSERT INTO state ... ON CONFLICT (key) DO UPDATE, in the engine's dialect.

        On PostgreSQL the rows come from a temporary table filled by COPY (see _upsert_state).
        """
        update = ("kind", "value")
        if self.dialect == "postgresql":
            incoming = select(*(STATE_INCOMING_TABLE.c[column] for column in STATE_COLUMNS))
            pg_statement = postgresql.insert(state_table).from_select(list(STATE_COLUMNS), incoming)
            return pg_statement.on_conflict_do_update(
                index_elements=["key"],
                set_={column: pg_statement.excluded[column] for column in update},
            )
        lite_statement = sqlite.insert(state_table)
        return lite_statement.on_conflict_do_update(
            index_elements=["key"],
            set_={column: lite_statement.excluded[column] for column in update},
        )

    # -----------------------------------------------------------------------------------------
    # Bulk writes: one round trip per table and block

    def _insert_rows(
        self, conn: Connection, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        """Insert rows (tuples of values in `columns` order) into `table` in one bulk operation."""
        if not rows:
            return
        if self.dialect == "postgresql":
            self._copy_rows(conn, table.name, columns, rows)
        else:
            self._execute_many(conn, self._inserts[table.name], columns, rows)

    def _upsert_state(self, conn: Connection, rows: list[tuple[Any, ...]]) -> None:
        """Insert or replace state leaves: rows of (key, kind, value)."""
        if not rows:
            return
        if self.dialect == "postgresql":
            conn.exec_driver_sql(
                f"CREATE TEMPORARY TABLE {STATE_INCOMING_TABLE.name} (LIKE state) ON COMMIT DROP"
            )
            self._copy_rows(conn, STATE_INCOMING_TABLE.name, STATE_COLUMNS, rows)
            conn.execute(self._state_upsert)
            conn.exec_driver_sql(f"DROP TABLE {STATE_INCOMING_TABLE.name}")
        else:
            self._execute_many(conn, self._state_upsert, STATE_COLUMNS, rows)

    def _execute_many(
        self, conn: Connection, statement: Insert, columns: tuple[str, ...], rows: list[Any]
    ) -> None:
        """SQLite: the statement, compiled once, straight to the driver's executemany.

        Per row, SQLAlchemy's parameter processing would cost more than SQLite's insert itself.
        """
        sql = self._compiled.get(id(statement))
        if sql is None:
            compiled = statement.compile(dialect=self.engine.dialect, column_keys=list(columns))
            if tuple(compiled.positiontup or ()) != columns:
                raise RuntimeError(f"unexpected parameter order in {compiled.string}")
            sql = self._compiled[id(statement)] = compiled.string
        conn.exec_driver_sql(sql, rows)

    @staticmethod
    def _copy_rows(
        conn: Connection, table_name: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        """PostgreSQL: COPY rows in text format, in the connection's transaction.

        An executemany of INSERTs costs a round trip per row (or, batched, server-side parsing of
        hex literals); COPY streams the rows, ~10x faster for a block's thousands of rows.
        """
        text = "".join([format_copy_row(row) for row in rows])
        column_list = ", ".join(f'"{column}"' for column in columns)
        cursor: Any = conn.connection.cursor()
        try:
            cursor.copy_expert(f"COPY {table_name} ({column_list}) FROM STDIN", io.StringIO(text))
        finally:
            cursor.close()

    # -----------------------------------------------------------------------------------------
    # Genesis

    @staticmethod
    def _get_meta(conn: Connection, key: str) -> bytes | None:
        value: bytes | None = conn.execute(SELECT_META, {"key": key}).scalar()
        return value

    def initialize_genesis(self, genesis: Genesis, genesis_document_json: bytes) -> None:
        """Store the chain id, the genesis document, block 0 and every genesis leaf.

        Does nothing if this same genesis is already stored; raises ValueError if the database
        holds another chain (another chain id, genesis hash or genesis document).
        """
        genesis_hash = genesis.header.hash
        chain_id = genesis.config.chain_id
        if genesis.header.number != 0:
            raise ValueError("a genesis header must be block 0")
        if genesis.state.root != genesis.header.state_root:
            raise ValueError("the genesis state has moved past block 0 (it was executed on)")
        with self._writer.begin() as conn:
            stored_hash = self._get_meta(conn, "genesis_hash")
            if stored_hash is not None:
                self._check_same_genesis(conn, chain_id, genesis_hash, genesis_document_json)
                return
            if conn.execute(select(func.count()).select_from(blocks_table)).scalar():
                raise ValueError("the database holds blocks but no genesis")
            conn.execute(
                insert(meta_table),
                [
                    {"key": "chain_id", "value": b"%d" % chain_id},
                    {"key": "genesis_hash", "value": genesis_hash},
                    {"key": "genesis_document", "value": bytes(genesis_document_json)},
                ],
            )
            conn.execute(insert(blocks_table), [self._block_row(genesis.header, 0)])
            rows = [
                {"key": encode_state_key(key), "kind": key[0], "value": encode_leaf(leaf)}
                for key, leaf in genesis.state.items()
            ]
            if rows:
                conn.execute(insert(state_table), rows)

    def _check_same_genesis(
        self, conn: Connection, chain_id: int, genesis_hash: bytes, document: bytes
    ) -> None:
        stored_chain_id = int(self._get_meta(conn, "chain_id") or b"0")
        if stored_chain_id != chain_id:
            raise ValueError(
                f"the database belongs to chain id {stored_chain_id}, not {chain_id}: "
                "use another database for another chain"
            )
        stored_hash = self._get_meta(conn, "genesis_hash") or b""
        if stored_hash != genesis_hash:
            raise ValueError(
                f"the database holds genesis 0x{stored_hash.hex()}, not 0x{genesis_hash.hex()}"
            )
        stored_document = self._get_meta(conn, "genesis_document") or b"null"
        if orjson.loads(stored_document) != orjson.loads(document):
            raise ValueError("the database holds another genesis document for this genesis hash")

    # -----------------------------------------------------------------------------------------
    # Boundary cursors

    def record_boundary_cursor(self, cursor: StoredCursor) -> None:
        row = {
            "l2_number": cursor.l2_number,
            "block_hash": cursor.block_hash,
            "batches_opened": cursor.batches_opened,
            "batch_offset": cursor.offset,
            "blocks_left": cursor.blocks_left,
            "batch_record": cursor.batch_record,
        }
        table = boundary_cursors_table
        with self._writer.begin() as conn:
            conn.execute(delete(table).where(table.c.l2_number == cursor.l2_number))
            conn.execute(insert(table), row)

    def get_boundary_cursors(self, up_to: int, limit: int) -> list[StoredCursor]:
        """The newest `limit` cursors at or below L2 block `up_to`, newest first."""
        table = boundary_cursors_table.c
        query = (
            select(boundary_cursors_table)
            .where(table.l2_number <= up_to)
            .order_by(table.l2_number.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [StoredCursor(*row) for row in conn.execute(query)]

    # -----------------------------------------------------------------------------------------
    # A verifier's L1 progress

    def record_l1_progress(self, progress: L1Progress) -> None:
        row = {
            "l1_number": progress.l1_number,
            "l1_hash": progress.l1_hash,
            "l1_parent_hash": progress.l1_parent_hash,
            "l1_timestamp": progress.l1_timestamp,
            "l2_head": progress.l2_head,
        }
        table = l1_progress_table
        with self._writer.begin() as conn:
            conn.execute(delete(table).where(table.c.l1_number == progress.l1_number))
            conn.execute(insert(table), row)

    def get_l1_progress(self, limit: int) -> list[L1Progress]:
        """The newest `limit` L1 blocks processed, newest first."""
        table = l1_progress_table.c
        query = select(l1_progress_table).order_by(table.l1_number.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [L1Progress(*row) for row in conn.execute(query)]

    def get_l2_head_through_l1(self, l1_number: int) -> int | None:
        """The L2 head once L1 block `l1_number` (or the newest before it) was processed; None if
        no L1 block up to it was."""
        table = l1_progress_table.c
        query = (
            select(table.l2_head)
            .where(table.l1_number <= l1_number)
            .order_by(table.l1_number.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            head: int | None = conn.execute(query).scalar()
        return head

    def forget_l1_progress_after(self, l1_number: int) -> None:
        with self._writer.begin() as conn:
            conn.execute(delete(l1_progress_table).where(l1_progress_table.c.l1_number > l1_number))

    def forget_l1_progress_before(self, l1_number: int) -> None:
        with self._writer.begin() as conn:
            conn.execute(delete(l1_progress_table).where(l1_progress_table.c.l1_number < l1_number))

    def get_genesis_document(self) -> bytes | None:
        with self._reading() as read:
            document: bytes | None = read.scalar(SELECT_META, {"key": "genesis_document"})
        return document

    def get_chain_id(self) -> int | None:
        with self._reading() as read:
            value = read.scalar(SELECT_META, {"key": "chain_id"})
        return None if value is None else int(value)

    # -----------------------------------------------------------------------------------------
    # Appending blocks

    @staticmethod
    def _block_row(header: Header, tx_count: int) -> dict[str, Any]:
        encoded = header.encode()
        return {
            "number": header.number,
            "hash": header.hash,
            "parent_hash": header.parent_hash,
            "timestamp": header.timestamp,
            "state_root": header.state_root,
            "tx_count": tx_count,
            "gas_used": header.gas_used,
            "gas_limit": header.gas_limit,
            "base_fee": encode_uint(header.base_fee),
            "l1_origin_number": header.l1_origin_number,
            "header": encoded,
        }

    def append_block(self, execution: BlockExecution) -> None:
        """Store a block on top of the head: header, transactions, receipts, logs, state changes
        and their undo history, in one database transaction (all of it or nothing)."""
        header = execution.header
        transactions = execution.transactions
        receipts = execution.receipts
        number = header.number
        if len(receipts) != len(transactions):
            raise ValueError(
                f"block {number} has {len(transactions)} transactions but {len(receipts)} receipts"
            )
        block_row = self._block_row(header, len(transactions))
        transaction_rows: list[tuple[Any, ...]] = []
        receipt_rows: list[tuple[Any, ...]] = []
        log_rows: list[tuple[Any, ...]] = []
        log_index = 0
        for index, (signed, receipt) in enumerate(zip(transactions, receipts, strict=True)):
            tx_hash = signed.hash
            if receipt.transaction_hash != tx_hash or receipt.transaction_index != index:
                raise ValueError(f"receipt {index} of block {number} is not its transaction's")
            transaction_rows.append((number, index, tx_hash, signed.sender, signed.raw))
            logs = receipt.logs
            receipt_rows.append(
                (
                    number,
                    index,
                    receipt.to,
                    receipt.tx_type,
                    receipt.status,
                    receipt.gas_used,
                    receipt.cumulative_gas_used,
                    encode_uint(receipt.effective_gas_price),
                    log_index,
                    len(logs),
                )
            )
            for log in logs:
                topics = log.topics
                if len(topics) > MAX_TOPICS:
                    raise ValueError(f"a log has {len(topics)} topics; at most {MAX_TOPICS}")
                padded = (*topics, None, None, None, None)
                log_rows.append(
                    (
                        number,
                        log_index,
                        index,
                        log.address,
                        padded[0],
                        padded[1],
                        padded[2],
                        padded[3],
                        log.data,
                    )
                )
                log_index += 1
        writes = [
            (encode_state_key(key), key[0], leaf, encode_leaf(leaf))
            for key, leaf in execution.writes.items()
        ]

        with self._writer.begin() as conn:
            head = conn.execute(SELECT_HEAD).first()
            if head is None:
                raise ValueError("the database holds no genesis: initialize_genesis first")
            if number != head.number + 1 or header.parent_hash != head.hash:
                raise ValueError(
                    f"block {number} (parent 0x{header.parent_hash.hex()}) does not extend the "
                    f"stored head {head.number} (0x{head.hash.hex()})"
                )
            conn.execute(insert(blocks_table), [block_row])
            state_rows, history_rows = self._compute_state_changes(conn, number, writes)
            self._upsert_state(conn, state_rows)
            self._insert_rows(conn, state_history_table, HISTORY_COLUMNS, history_rows)
            self._insert_rows(conn, transactions_table, TRANSACTION_COLUMNS, transaction_rows)
            self._insert_rows(conn, receipts_table, RECEIPT_COLUMNS, receipt_rows)
            self._insert_rows(conn, logs_table, LOG_COLUMNS, log_rows)

    def _select_state_values(self, conn: Connection, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """The stored values of those of `keys` that have a leaf."""
        found: dict[bytes, bytes] = {}
        for chunk in _chunks(keys, KEY_LOOKUP_CHUNK):
            if self.dialect == "sqlite":
                placeholders = ",".join("?" * len(chunk))
                rows: Any = conn.exec_driver_sql(
                    f'SELECT "key", value FROM state WHERE "key" IN ({placeholders})', tuple(chunk)
                )
            else:
                rows = conn.execute(SELECT_STATE_VALUES, {"keys": chunk})
            for key, value in rows:
                found[key] = value
        return found

    def _compute_state_changes(
        self,
        conn: Connection,
        number: int,
        writes: list[tuple[bytes, int, tuple[int, ...], bytes]],
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The rows that make the stored leaves follow State.apply_writes, and their undo rows.

        Mirror rule (State.apply_writes): a write of an empty leaf to an absent key creates
        nothing, except for the withdrawal kinds, which are always stored; an unchanged leaf is
        not rewritten.
        """
        old_values = self._select_state_values(conn, sorted(key for key, _, _, _ in writes))
        state_rows: list[tuple[Any, ...]] = []
        history_rows: list[tuple[Any, ...]] = []
        for key, kind, leaf, value in writes:
            old = old_values.get(key)
            if old == value:
                continue
            if old is None and kind not in ALWAYS_STORED_KINDS and leaf == EMPTY_LEAVES[kind]:
                continue
            state_rows.append((key, kind, value))
            history_rows.append((number, key, old))
        # In key order, each B-tree is walked once from left to right.
        state_rows.sort()
        history_rows.sort()
        return state_rows, history_rows

    def rollback_to(self, number: int) -> None:
        """Remove every block above `number` and restore the stored state as of block `number`.

        One database transaction. The caller reloads its in-memory State (load_state) afterwards.
        """
        with self._writer.begin() as conn:
            head = conn.execute(select(func.max(blocks_table.c.number))).scalar()
            if head is None or not 0 <= number <= head:
                raise ValueError(f"cannot roll back to block {number}: the head is {head}")
            history = state_history_table.c
            for block in range(head, number, -1):
                restores: list[tuple[Any, ...]] = []
                removals: list[bytes] = []
                for key, old_value in conn.execute(
                    select(history.key, history.old_value).where(history.block_number == block)
                ):
                    if old_value is None:
                        removals.append(key)
                    else:
                        restores.append((key, key[0], old_value))
                self._upsert_state(conn, restores)
                for chunk in _chunks(removals, KEY_LOOKUP_CHUNK):
                    conn.execute(delete(state_table).where(state_table.c.key.in_(chunk)))
            conn.execute(delete(logs_table).where(logs_table.c.block_number > number))
            conn.execute(delete(receipts_table).where(receipts_table.c.block_number > number))
            conn.execute(
                delete(transactions_table).where(transactions_table.c.block_number > number)
            )
            conn.execute(delete(state_history_table).where(history.block_number > number))
            conn.execute(delete(blocks_table).where(blocks_table.c.number > number))

    # -----------------------------------------------------------------------------------------
    # Blocks and transactions (read statements are built once: see the Queries section)

    def get_head_number(self) -> int | None:
        with self._reading() as read:
            head: int | None = read.scalar(SELECT_HEAD_NUMBER)
        return head

    def get_header(self, number: int) -> Header | None:
        with self._reading() as read:
            encoded = read.scalar(SELECT_HEADER_BY_NUMBER, {"number": number})
        return None if encoded is None else decode_header(encoded)

    def get_header_by_hash(self, block_hash: bytes) -> Header | None:
        with self._reading() as read:
            encoded = read.scalar(SELECT_HEADER_BY_HASH, {"hash": block_hash})
        return None if encoded is None else decode_header(encoded)

    def get_block_number_by_hash(self, block_hash: bytes) -> int | None:
        with self._reading() as read:
            number: int | None = read.scalar(SELECT_NUMBER_BY_HASH, {"hash": block_hash})
        return number

    def get_block_transaction_hashes(self, number: int) -> list[bytes]:
        with self._reading() as read:
            return [row[0] for row in read.rows(SELECT_BLOCK_TX_HASHES, {"number": number})]

    def get_block_transactions(self, number: int) -> list[tuple[bytes, bytes, bytes]]:
        """(hash, sender, raw) of each transaction of block `number`, in index order."""
        with self._reading() as read:
            rows = read.rows(SELECT_BLOCK_TRANSACTIONS, {"number": number})
        return [(row[0], row[1], row[2]) for row in rows]

    def get_block_summary(
        self, number: int
    ) -> tuple[list[bytes], int, list[tuple[bytes, tuple[bytes, ...]]]]:
        """What a block without its transaction bodies shows: the transaction hashes in order,
        the total size of the raw transactions, and every log's (address, topics) for the bloom.

        Two narrow index scans instead of every raw transaction and receipt of the block.
        """
        with self._reading() as read:
            transactions = read.rows(SELECT_BLOCK_TX_SIZES, {"number": number})
            logs = read.rows(SELECT_BLOCK_LOG_TOPICS, {"number": number}) if transactions else []
        return (
            [row[0] for row in transactions],
            sum(row[1] for row in transactions),
            [(row[0], tuple(topic for topic in row[1:] if topic is not None)) for row in logs],
        )

    def get_transaction(self, tx_hash: bytes) -> StoredTransaction | None:
        with self._reading() as read:
            rows = read.rows(SELECT_TRANSACTION, {"hash": tx_hash})
        if not rows:
            return None
        row = rows[0]
        return StoredTransaction(row[0], row[1], row[2], row[3], row[4])

    def get_latest_transactions(
        self, limit: int, sender: bytes | None = None
    ) -> list[StoredTransaction]:
        """The newest `limit` included transactions (of `sender`, if given), newest first: a walk
        down the (block, index) key, or the sender index."""
        with self._reading() as read:
            if sender is None:
                rows = read.rows(SELECT_LATEST_TRANSACTIONS, {"limit": limit})
            else:
                rows = read.rows(
                    SELECT_LATEST_SENDER_TRANSACTIONS, {"limit": limit, "sender": sender}
                )
        return [StoredTransaction(row[0], row[1], row[2], row[3], row[4]) for row in rows]

    # -----------------------------------------------------------------------------------------
    # Receipts and logs

    def get_receipt(self, tx_hash: bytes) -> StoredReceipt | None:
        with self._reading() as read:
            rows = read.rows(SELECT_RECEIPT, {"hash": tx_hash})
            if not rows:
                return None
            row = rows[0]
            logs: tuple[StoredLog, ...] = ()
            first_log_index, log_count = row[11], row[12]
            if log_count:
                log_rows = read.rows(
                    SELECT_LOG_RANGE,
                    {
                        "number": row[9],
                        "first": first_log_index,
                        "end": first_log_index + log_count,
                    },
                )
                logs = tuple(_log_from_row(log_row) for log_row in log_rows)
        return _receipt_from_row(row, logs)

    def get_block_receipts(self, number: int) -> list[StoredReceipt]:
        with self._reading() as read:
            rows = read.rows(SELECT_BLOCK_RECEIPTS, {"number": number})
            logs_by_tx: dict[int, list[StoredLog]] = {}
            for log_row in read.rows(SELECT_BLOCK_LOGS, {"number": number}):
                log = _log_from_row(log_row)
                logs_by_tx.setdefault(log.tx_index, []).append(log)
        return [_receipt_from_row(row, tuple(logs_by_tx.get(row[1], ()))) for row in rows]

    def get_logs(
        self,
        from_block: int,
        to_block: int,
        addresses: Sequence[bytes] | None,
        topics: Sequence[Sequence[bytes] | None],
        max_results: int = MAX_LOG_RESULTS,
    ) -> list[StoredLog]:
        """eth_getLogs: logs of blocks from_block..to_block (inclusive) matching the filter.

        Addresses are alternatives (None or empty: any). Topics are positional; each position is
        None or empty (any topic) or a list of alternatives. As in geth, a filter with N topic
        positions only matches logs with at least N topics. Ordered by (block, log index).
        Raises ValueError if more than `max_results` logs match.
        """
        if from_block > to_block:
            raise ValueError(f"invalid block range: from {from_block} is after to {to_block}")
        if len(topics) > MAX_TOPICS:
            raise ValueError(f"a log filter has at most {MAX_TOPICS} topic positions")
        table = logs_table.c
        query = SELECT_LOGS.where(table.block_number >= from_block, table.block_number <= to_block)
        if addresses:
            query = query.where(table.address.in_([bytes(address) for address in addresses]))
        for position, alternatives in enumerate(topics):
            if alternatives:
                column = LOG_TOPIC_COLUMNS[position]
                query = query.where(column.in_([bytes(topic) for topic in alternatives]))
        if topics:
            query = query.where(LOG_TOPIC_COLUMNS[len(topics) - 1].is_not(None))
        query = query.order_by(table.block_number, table.log_index).limit(max_results + 1)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        if len(rows) > max_results:
            raise ValueError(
                f"query returned more than {max_results} results; narrow the block range"
            )
        return [_log_from_row(row) for row in rows]

    # -----------------------------------------------------------------------------------------
    # State

    def load_state(self, state: State) -> bytes:
        """Load every stored leaf into a fresh State and return its state root (restart)."""

        def leaves(conn: Connection) -> Iterator[tuple[StateKey, tuple[int, ...]]]:
            rows = conn.execution_options(yield_per=50_000).execute(SELECT_ALL_LEAVES)
            for key, kind, value in rows:
                yield decode_state_key(key), decode_leaf(kind, value)

        with self.engine.connect() as conn:
            return state.load_leaves(leaves(conn))

    def load_state_at(self, number: int) -> State:
        """The state at the end of block `number`: the stored leaves with every later block's
        changes undone (from the state history), read in one database transaction."""
        leaves: dict[bytes, tuple[int, bytes]] = {}
        with self._snapshot() as conn:
            for key, kind, value in conn.execute(SELECT_ALL_LEAVES):
                leaves[bytes(key)] = (kind, bytes(value))
            history = state_history_table.c
            rows = conn.execute(
                select(history.block_number, history.key, history.old_value)
                .where(history.block_number > number)
                .order_by(history.block_number.desc())
            )
            for _, key, old_value in rows:
                key = bytes(key)
                if old_value is None:
                    leaves.pop(key, None)
                else:
                    leaves[key] = (key[0], bytes(old_value))
        state = State()
        state.load_leaves(
            (decode_state_key(key), decode_leaf(kind, value))
            for key, (kind, value) in leaves.items()
        )
        return state

    def get_leaf_at(self, key: bytes, number: int) -> bytes | None:
        """The encoded leaf at `key` at the end of block `number` (None: no such leaf then):
        the value before the first later block that changed it, else the current value. Both
        reads see one snapshot, so a block committed meanwhile cannot be half seen."""
        history = state_history_table.c
        with self._snapshot() as conn:
            changed = conn.execute(
                select(history.old_value)
                .where(history.key == key, history.block_number > number)
                .order_by(history.block_number)
                .limit(1)
            ).first()
            if changed is not None:
                return None if changed[0] is None else bytes(changed[0])
            current = conn.execute(
                select(state_table.c.value).where(state_table.c.key == key)
            ).first()
        return None if current is None else bytes(current[0])

    def _snapshot(self) -> Connection:
        """A connection whose reads all see one snapshot (PostgreSQL's default, read committed,
        gives each statement its own; SQLite's transaction is one snapshot already)."""
        if self.dialect == "postgresql":
            return self.engine.connect().execution_options(isolation_level="REPEATABLE READ")
        return self.engine.connect()

    def count_state_leaves(self) -> int:
        with self.engine.connect() as conn:
            count: int = conn.execute(select(func.count()).select_from(state_table)).scalar_one()
        return count


if set(KEY_FIELD_SIZES) != set(LEAF_TYPES):  # pragma: no cover - guards a new leaf kind
    raise RuntimeError("node.storage.KEY_FIELD_SIZES must list every kind of rollup.state")
