"""The sequencer node: chain head, state, mempool, block production and persistence.

The node keeps the whole state in memory (rollup.state.State) and every block durably in storage;
a block's header, transactions, receipts, logs and state changes commit in one database
transaction, and on restart the state is rebuilt from storage and checked against the stored head's
state root. The block builder runs on a timer: each tick it takes the ready transactions from the
mempool, executes them with the protocol's execute_block, stores the block, then forgets what it
included (and what the protocol refused, with the reason kept for the sender to look up).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson

from l1.follower import L1Follower
from rollup.batch import MAX_BATCH_BYTES, MAX_BATCH_TRANSACTIONS, MAX_PAYLOAD_BYTES
from rollup.block import (
    BlockExecution,
    Header,
    SignedTransaction,
    compute_next_base_fee,
    execute_block,
)
from rollup.config import ChainConfig
from rollup.deposit import QueuedMessage
from rollup.derivation import MAX_DRIFT, collect_messages
from rollup.execution import validate_transaction
from rollup.genesis import Genesis, build_genesis
from rollup.state import Account, Overlay, State, account_key
from rollup.system.context import BlockEnvironment
from rollup.transaction import (
    InvalidTransaction,
    Transaction,
    decode_and_recover,
    get_transaction_fields,
)
from sequencer.mempool import Mempool, MempoolError
from sequencer.storage import Storage

log = logging.getLogger("rollup.sequencer")

# Below this many raw transactions in one request, recovering signatures inline beats the
# round trip to the process pool.
POOL_RECOVERY_THRESHOLD = 32
SUGGESTED_PRIORITY_FEE = 1_000_000  # 0.001 gwei: the tip wallets are told to add
ORIGIN_LAG = 1
"""L1 blocks between the newest the sequencer has read and the newest it builds on. It reads L1
one confirmation deep so that its batcher notices a lost batch soon; its blocks' origins stay one
block further back, so that a reorg of that depth (the batch's L1 block and the one confirming
it) never removes an origin its unsafe blocks were built on (OP's sequencer keeps 4)."""


class TransactionRejected(Exception):
    """eth_sendRawTransaction refuses a transaction; the message follows geth's wording."""


@dataclass(frozen=True, slots=True)
class Recovered:
    """A raw transaction after decoding and signature recovery, or why that failed."""

    signed: SignedTransaction | None
    error: str | None


def recover_raw_transactions(raws: Sequence[bytes]) -> list[Recovered]:
    """Decode and recover many raw transactions (runs in worker processes)."""
    results: list[Recovered] = []
    for raw in raws:
        try:
            tx, sender, tx_hash = decode_and_recover(raw)
        except InvalidTransaction as exc:
            results.append(Recovered(None, str(exc)))
            continue
        results.append(Recovered(SignedTransaction(tx, sender, tx_hash, raw), None))
    return results


# A worker process answers with plain tuples, not the dataclasses: pickling a Transaction and its
# SignedTransaction both ways costs ~50 us per transaction, more than a third of the recovery
# itself; tuples of ints and bytes cost ~2 us, and rebuilding the objects here ~6 us.
CompactRecovered = tuple[tuple[Any, ...], bytes, bytes] | str
"""(Transaction fields in order, sender, hash) or the reason the transaction is invalid."""


def recover_compact(raws: Sequence[bytes]) -> list[CompactRecovered]:
    """Decode and recover many raw transactions in a worker process; see expand_recovered."""
    results: list[CompactRecovered] = []
    for raw in raws:
        try:
            tx, sender, tx_hash = decode_and_recover(raw)
        except InvalidTransaction as exc:
            results.append(str(exc))
            continue
        results.append((get_transaction_fields(tx), sender, tx_hash))
    return results


def expand_recovered(raws: Sequence[bytes], compact: Sequence[CompactRecovered]) -> list[Recovered]:
    """The Recovered objects of recover_compact's answer for the same raw transactions."""
    results: list[Recovered] = []
    for raw, item in zip(raws, compact, strict=True):
        if isinstance(item, str):
            results.append(Recovered(None, item))
        else:
            tx_fields, sender, tx_hash = item
            results.append(
                Recovered(SignedTransaction(Transaction(*tx_fields), sender, tx_hash, raw), None)
            )
    return results


# A block reaches L1 whole, in one batch (rollup.batch): at most MAX_BATCH_TRANSACTIONS
# transactions, MAX_PAYLOAD_BYTES before compression and MAX_BATCH_BYTES after. A block over a
# limit could never be posted, so the builder takes no more of the mempool than one batch holds.
# Compressing to find out costs ~100 ms per full block in Python; a bound on the payload, from
# each transaction's fields, costs a few microseconds per transaction and loses little: FastLZ
# never expands data by more than one byte in 32 (plus its version byte).
BATCH_HEADER_BYTES = 128  # block number, parent hash, counts, one block header: far less
ADDRESS_ENTRY_BYTES = 20  # a `to` address the batch's dictionary holds once
FITTING_PAYLOAD_BYTES = min(
    MAX_PAYLOAD_BYTES, (MAX_BATCH_BYTES - 8) * 32 // 33 - BATCH_HEADER_BYTES
)


def measure_varint(value: int) -> int:
    """Bytes of `value` as the batch's LEB128 varint."""
    return max(1, -(-value.bit_length() // 7))


def bound_batch_payload(tx: Transaction) -> int:
    """At least the bytes `tx` takes in a batch payload, its `to` dictionary entry excluded."""
    size = 1 + 3 + 64  # type, to index (varint of a dictionary rank < 2**21), r and s (parity)
    for value in (tx.nonce, tx.max_priority_fee_per_gas, tx.max_fee_per_gas, tx.gas_limit):
        size += measure_varint(value)
    size += measure_varint(tx.value) + measure_varint(len(tx.data)) + len(tx.data)
    size += measure_varint(len(tx.access_list))
    for _address, keys in tx.access_list:
        size += 20 + measure_varint(len(keys)) + 32 * len(keys)
    return size


def fit_block_in_batch(candidates: list[SignedTransaction]) -> list[SignedTransaction]:
    """The longest prefix of `candidates` that surely fits in one batch (as its only block)."""
    total = 0
    addresses: set[bytes | None] = set()
    for count, signed in enumerate(candidates):
        tx = signed.tx
        total += bound_batch_payload(tx)
        if tx.to not in addresses:
            addresses.add(tx.to)
            total += ADDRESS_ENTRY_BYTES
        if total > FITTING_PAYLOAD_BYTES or count >= MAX_BATCH_TRANSACTIONS:
            return candidates[:count]
    return candidates


class Node:
    """One sequencer: owns the chain head, the in-memory state, the mempool and the storage."""

    def __init__(
        self,
        storage: Storage,
        genesis_document: dict[str, object] | None = None,
        recovery_workers: int = 0,
        rejected_cache_size: int = 10_000,
    ) -> None:
        self.storage = storage
        stored = storage.get_genesis_document()
        if stored is None:
            if genesis_document is None:
                raise ValueError("empty database and no genesis document given")
            document_bytes = orjson.dumps(genesis_document)
            genesis = build_genesis(genesis_document)
            storage.initialize_genesis(genesis, document_bytes)
        else:
            if genesis_document is not None:
                given = build_genesis(genesis_document)
                existing = build_genesis(orjson.loads(stored))
                if given.header.hash != existing.header.hash:
                    raise ValueError(
                        "the database holds a different chain: genesis "
                        f"0x{existing.header.hash.hex()} != given 0x{given.header.hash.hex()}"
                    )
            genesis = build_genesis(orjson.loads(stored))
        self.genesis: Genesis = genesis
        self.config: ChainConfig = genesis.config
        self.state, self.head = self._load_state(genesis)
        # The state's millions of long-lived tree nodes never form cycles: keep them out of the
        # cyclic garbage collector's scans, which otherwise dominate block building.
        gc.freeze()
        self.mempool = Mempool()
        self.rejected: OrderedDict[bytes, str] = OrderedDict()
        self.rejected_cache_size = rejected_cache_size
        self.recovery_workers = recovery_workers
        # Spawned (not forked) workers: a fresh interpreter keeps the default SIGTERM behaviour,
        # so no worker outlives the node, whatever signal handlers the server installed.
        self.recovery_pool = (
            ProcessPoolExecutor(
                max_workers=recovery_workers, mp_context=multiprocessing.get_context("spawn")
            )
            if recovery_workers > 0
            else None
        )
        if self.recovery_pool is not None:
            # Start the workers before serving: a spawned interpreter re-imports the main module
            # and the codec, a second or more of CPU that would otherwise compete with the first
            # requests and land on their latency.
            warm_up = [
                self.recovery_pool.submit(recover_compact, []) for _ in range(recovery_workers)
            ]
            for future in warm_up:
                future.result()
        self._pending_environment: tuple[Header, BlockEnvironment] | None = None
        # Whether the last block executed was full and left ready transactions behind: the
        # builder then seals the next block at once instead of a block time later.
        self.more_ready = False
        self.started_at = time.time()
        self.follower: L1Follower | None = None
        self.l1_lock = threading.Lock()
        self.safe_number = 0  # highest block whose batch is on L1
        self.finalized_number = 0  # highest block of a finalized output
        self.role = "sequencer"
        # Set by the role's L1 worker: a function returning its figures (batches, outputs, gas).
        self.l1_stats: Callable[[], dict[str, object]] | None = None
        # Testing only (`--censor`): senders whose transactions are accepted and then ignored, to
        # show that forced transactions through L1 get in regardless.
        self.censored: set[bytes] = set()

    def _load_state(self, genesis: Genesis) -> tuple[State, Header]:
        head_number = self.storage.get_head_number()
        if head_number is None or head_number == 0:
            return genesis.state, genesis.header
        state = State()
        root = self.storage.load_state(state)
        head = self.storage.get_header(head_number)
        if head is None:
            raise RuntimeError(f"storage lost the header of its head block {head_number}")
        if root != head.state_root:
            raise RuntimeError(
                f"state in storage has root 0x{root.hex()} but head block {head_number} "
                f"commits to 0x{head.state_root.hex()}"
            )
        log.info("resumed at block %d (state root 0x%s)", head_number, root.hex())
        return state, head

    def close(self) -> None:
        if self.recovery_pool is not None:
            self.recovery_pool.shutdown(cancel_futures=True)
        self.storage.close()

    # ---------------------------------------------------------------------------------------
    # Reading

    def get_account(self, address: bytes) -> Account:
        account: Account = self.state.get(account_key(address))
        return account

    def get_state_nonce(self, address: bytes) -> int:
        return self.get_account(address).nonce

    def get_pending_nonce(self, address: bytes) -> int:
        return self.mempool.get_pending_nonce(address, self.get_state_nonce(address))

    def get_next_base_fee(self) -> int:
        return compute_next_base_fee(self.config, self.head)

    def get_pending_environment(self) -> BlockEnvironment:
        """The block a transaction sent now would land in (for eth_call and eth_estimateGas)."""
        head = self.head
        timestamp = max(int(time.time()), head.timestamp)
        cached = self._pending_environment
        # One per head and second: admitting a batch of 500 asks 500 times.
        if cached is None or cached[0] is not head or cached[1].timestamp != timestamp:
            environment = BlockEnvironment(
                number=head.number + 1,
                timestamp=timestamp,
                base_fee=compute_next_base_fee(self.config, head),
                chain_id=self.config.chain_id,
            )
            cached = self._pending_environment = (head, environment)
        return cached[1]

    # ---------------------------------------------------------------------------------------
    # Admitting transactions

    def admit(self, signed: SignedTransaction) -> bytes:
        """Check a recovered transaction against the head state and pool it; return its hash.

        The stateful checks are the protocol's own inclusion rules, applied with the nonce taken
        as the sender's next pending one, so a transaction the pool accepts can be included.
        """
        if self.role != "sequencer":
            raise TransactionRejected(
                f"this node is a {self.role}: send transactions to the sequencer"
            )
        tx = signed.tx
        if tx.to is None:
            raise TransactionRejected("contract creation is not supported on this chain")
        if tx.chain_id != self.config.chain_id:
            raise TransactionRejected(
                f"invalid chain id for signer: have {tx.chain_id} want {self.config.chain_id}"
            )
        if bound_batch_payload(tx) + ADDRESS_ENTRY_BYTES > FITTING_PAYLOAD_BYTES:
            # A block reaches L1 in one batch: this one could never be posted, even alone.
            raise TransactionRejected("oversized data: the transaction does not fit in a batch")
        if signed.sender in self.censored:
            log.warning("censoring 0x%s (testing flag --censor)", signed.sender.hex())
            return signed.hash
        # An included transaction fails the nonce check below; no database lookup per transaction.
        if signed.hash in self.mempool.by_hash:
            raise TransactionRejected("already known")
        account = self.get_account(signed.sender)
        state_nonce = account.nonce
        if tx.nonce < state_nonce:
            raise TransactionRejected(
                f"nonce too low: next nonce {state_nonce}, tx nonce {tx.nonce}"
            )
        environment = self.get_pending_environment()
        if tx.max_fee_per_gas < environment.base_fee:
            raise TransactionRejected(
                f"transaction underpriced: max fee per gas {tx.max_fee_per_gas} below base fee "
                f"{environment.base_fee}"
            )
        view = Overlay(self.state)
        view.set(account_key(signed.sender), account._replace(nonce=tx.nonce))
        try:
            validate_transaction(
                view, environment, self.config, tx, signed.sender, self.config.block_gas_limit
            )
        except Exception as exc:
            raise TransactionRejected(str(exc)) from exc
        try:
            self.mempool.add(signed)
        except MempoolError as exc:
            raise TransactionRejected(str(exc)) from exc
        self.rejected.pop(signed.hash, None)
        return signed.hash

    def submit_raw(self, raw: bytes) -> bytes:
        """Decode, recover and admit one raw transaction (eth_sendRawTransaction)."""
        recovered = recover_raw_transactions([raw])[0]
        if recovered.signed is None:
            raise TransactionRejected(recovered.error or "invalid transaction")
        return self.admit(recovered.signed)

    # ---------------------------------------------------------------------------------------
    # Producing blocks

    def build_block(self, timestamp: int | None = None) -> BlockExecution:
        """Produce, store and return the next block from the ready mempool transactions."""
        execution = self.execute_next_block(timestamp)
        self.store_block(execution)
        self.finish_block(execution)
        return execution

    def execute_next_block(self, timestamp: int | None = None) -> BlockExecution:
        """Execute the next block on the in-memory state; store_block and finish_block follow."""
        if timestamp is None:
            timestamp = int(time.time())
        timestamp = max(timestamp, self.head.timestamp)
        with self.l1_lock:
            origin_number, origin_hash, messages = self.select_l1_origin(timestamp)
            history = self.follower.history if self.follower is not None else {}
            origin = history.get(origin_number)
        if origin is not None:
            # Derivation refuses blocks too far ahead of their origin: wait for L1 instead.
            timestamp = max(min(timestamp, origin.timestamp + MAX_DRIFT), self.head.timestamp)
        limit = min(self.config.max_transactions_per_block, MAX_BATCH_TRANSACTIONS)
        ready = self.mempool.select(self.get_state_nonce, limit + 1)
        candidates = fit_block_in_batch(ready[:limit])
        self.more_ready = len(candidates) < len(ready)
        return execute_block(
            self.state,
            self.config,
            self.head,
            candidates,
            timestamp,
            origin_number,
            origin_hash,
            messages,
        )

    def store_block(self, execution: BlockExecution) -> None:
        """Commit an executed block to storage."""
        try:
            self.storage.append_block(execution)
        except Exception:
            # The in-memory state already moved on; only a restart from disk is consistent now.
            log.critical("could not store block %d; stopping", execution.header.number)
            raise

    def finish_block(self, execution: BlockExecution) -> None:
        """Make a stored block the head and forget what it included or refused."""
        self.head = execution.header
        self.mempool.remove(execution.sequenced_transactions)
        refused = [
            signed
            for signed, reason in execution.skipped
            if not reason.startswith("nonce too high")
        ]
        for signed, reason in execution.skipped:
            if not reason.startswith("nonce too high"):
                self.remember_rejection(signed.hash, reason)
        self.mempool.remove(refused)
        self.mempool.drop_stale(self.get_state_nonce, {tx.sender for tx in execution.transactions})

    def get_sync_status(self) -> dict[str, object]:
        """Heads as rollup_syncStatus reports them (OP Stack's names)."""
        follower = self.follower
        l1_head = follower.head if follower is not None else None

        def block_ref(number: int) -> dict[str, object] | None:
            header = self.head if number >= self.head.number else self.storage.get_header(number)
            if header is None:
                header = self.genesis.header
            return {
                "number": header.number,
                "hash": "0x" + header.hash.hex(),
                "timestamp": header.timestamp,
                "l1origin": {
                    "number": header.l1_origin_number,
                    "hash": "0x" + header.l1_origin_hash.hex(),
                },
            }

        return {
            "role": self.role,
            "head_l1": (
                {
                    "number": l1_head.number,
                    "hash": "0x" + l1_head.hash.hex(),
                    "timestamp": l1_head.timestamp,
                }
                if l1_head is not None
                else None
            ),
            "unsafe_l2": block_ref(self.head.number),
            "safe_l2": block_ref(min(self.safe_number, self.head.number)),
            "finalized_l2": block_ref(min(self.finalized_number, self.head.number)),
            "l1": self.l1_stats() if self.l1_stats is not None else None,
        }

    def select_l1_origin(self, timestamp: int) -> tuple[int, bytes, list[QueuedMessage]]:
        """The newest L1 block known, ORIGIN_LAG blocks behind the newest, that is not later than
        `timestamp`, and its new messages.

        Without an L1 (a standalone node) the origin stays genesis's.
        """
        head_origin = self.head.l1_origin_number
        if self.follower is None:
            return head_origin, self.head.l1_origin_hash, []
        history = self.follower.history
        number = self.follower.head_number - ORIGIN_LAG
        while number > head_origin and (
            number not in history or history[number].timestamp > timestamp
        ):
            number -= 1
        if number <= head_origin or number not in history:
            return head_origin, self.head.l1_origin_hash, []
        return number, history[number].hash, collect_messages(history, head_origin, number)

    def remember_rejection(self, tx_hash: bytes, reason: str) -> None:
        self.rejected[tx_hash] = reason
        while len(self.rejected) > self.rejected_cache_size:
            self.rejected.popitem(last=False)
