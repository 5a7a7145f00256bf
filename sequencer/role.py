"""The sequencer role: admits transactions into its mempool and builds blocks from them.

The block builder runs on the node's event loop, on a timer: each tick it takes the ready
transactions from the mempool, executes them with the protocol's execute_block, stores the block,
then forgets what it included (and what the protocol refused, with the reason kept for the sender
to look up). A block is built between two requests, so RPC readers always see the state of a
whole block, never half of one. With an L1 it builds on L1 origins from the node's follower, and
its settlement worker (sequencer.settlement) posts batches and proposes outputs.

When an L1 reorg replaces L1 blocks that its blocks were built on, the settlement worker asks for a
rewind (request_rewind): before its next block the builder removes every block whose L1 origin is
gone, puts their transactions back at the front of the mempool and builds again on the new L1
chain (docs/SETTLEMENT.md §5). Blocks whose origins remain are kept, even if their batch was lost:
the batcher posts them again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

from node.chain import Node
from node.role import Background, Role, TransactionRejected
from rollup.batch import MAX_BATCH_TRANSACTIONS, count_fitting_transactions, fits_alone_in_batch
from rollup.block import BlockExecution, SignedTransaction, execute_block
from rollup.deposit import DEPOSIT_TX_TYPE, QueuedMessage
from rollup.derivation import L1BlockData, collect_messages
from rollup.execution import validate_transaction
from rollup.state import Overlay, account_key
from rollup.transaction import decode_transaction
from sequencer.mempool import Mempool, MempoolError
from sequencer.settlement import Settlement

log = logging.getLogger("rollup.sequencer")

ORIGIN_LAG = 1
"""L1 blocks between the newest the sequencer has read and the newest it builds on. It reads L1
one confirmation deep so that its batcher notices a lost batch soon; its blocks' origins stay one
block further back, so that a reorg of that depth (the batch's L1 block and the one confirming
it) never removes an origin its unsafe blocks were built on (OP's sequencer keeps 4)."""


class Sequencer(Role):
    """Orders transactions into blocks: mempool, admission, the block builder."""

    name = "sequencer"

    def __init__(
        self,
        node: Node,
        block_time: float | None = 1.0,
        rejected_cache_size: int = 10_000,
    ) -> None:
        self.node = node
        self.block_time = block_time  # None: blocks only when build_block is called
        self.mempool = Mempool()
        self.rejected: OrderedDict[bytes, str] = OrderedDict()
        self.rejected_cache_size = rejected_cache_size
        # Whether the last block executed was full and left ready transactions behind: the
        # builder then seals the next block at once instead of a block time later.
        self.more_ready = False
        self.settlement: Settlement | None = None
        # The oldest L1 block a reorg rewound to since the last rewind (set by the settlement
        # thread, applied by the builder).
        self.pending_rewind: int | None = None
        self.rewind_lock = threading.Lock()
        self.halted: str | None = None  # why the builder refuses to go on (a person must look)

    # ---------------------------------------------------------------------------------------
    # The role

    def attach_settlement(self, settlement: Settlement) -> None:
        """Settle on L1 with `settlement` (batcher, proposer, defender) while building."""
        self.settlement = settlement
        settlement.chain = self

    def workers(self) -> Sequence[Background]:
        return (self.settlement,) if self.settlement is not None else ()

    def get_l1_stats(self) -> dict[str, object] | None:
        return self.settlement.get_stats() if self.settlement is not None else None

    def get_sync_status(self) -> dict[str, object]:
        return {**super().get_sync_status(), "halted": self.halted}

    def get_pending_transaction(self, tx_hash: bytes) -> SignedTransaction | None:
        return self.mempool.get(tx_hash)

    def get_pending_nonce(self, address: bytes) -> int:
        return self.mempool.get_pending_nonce(address, self.node.get_state_nonce(address))

    def count_waiting(self) -> tuple[int, int]:
        ready = 0
        for sender, queue in self.mempool.by_sender.items():
            nonce = self.node.get_state_nonce(sender)
            while nonce in queue:
                ready += 1
                nonce += 1
        return ready, len(self.mempool) - ready

    async def run(self, stop: asyncio.Event) -> None:
        if self.block_time is None:
            await stop.wait()
        else:
            await self.run_block_builder(self.block_time, stop)

    # ---------------------------------------------------------------------------------------
    # Admitting transactions

    def submit_transaction(self, signed: SignedTransaction) -> bytes:
        """Check a recovered transaction against the head state and pool it; return its hash.

        The stateful checks are the protocol's own inclusion rules, applied with the nonce taken
        as the sender's next pending one, so a transaction the pool accepts can be included.
        """
        node = self.node
        tx = signed.tx
        if tx.to is None:
            raise TransactionRejected("contract creation is not supported on this chain")
        if tx.chain_id != node.config.chain_id:
            raise TransactionRejected(
                f"invalid chain id for signer: have {tx.chain_id} want {node.config.chain_id}"
            )
        if not fits_alone_in_batch(tx):
            # A block reaches L1 in one batch: this one could never be posted, even alone.
            raise TransactionRejected("oversized data: the transaction does not fit in a batch")
        # An included transaction fails the nonce check below; no database lookup per transaction.
        if signed.hash in self.mempool.by_hash:
            raise TransactionRejected("already known")
        account = node.get_account(signed.sender)
        state_nonce = account.nonce
        if tx.nonce < state_nonce:
            raise TransactionRejected(
                f"nonce too low: next nonce {state_nonce}, tx nonce {tx.nonce}"
            )
        environment = node.get_pending_environment()
        if tx.max_fee_per_gas < environment.base_fee:
            raise TransactionRejected(
                f"transaction underpriced: max fee per gas {tx.max_fee_per_gas} below base fee "
                f"{environment.base_fee}"
            )
        view = Overlay(node.state)
        view.set(account_key(signed.sender), account._replace(nonce=tx.nonce))
        try:
            validate_transaction(
                view, environment, node.config, tx, signed.sender, node.config.block_gas_limit
            )
        except Exception as exc:
            raise TransactionRejected(str(exc)) from exc
        try:
            self.mempool.add(signed)
        except MempoolError as exc:
            raise TransactionRejected(str(exc)) from exc
        self.rejected.pop(signed.hash, None)
        return signed.hash

    # ---------------------------------------------------------------------------------------
    # Producing blocks

    def build_block(self, timestamp: int | None = None) -> BlockExecution:
        """Produce, store and return the next block from the ready mempool transactions."""
        self.apply_pending_rewind()
        started = time.perf_counter()
        execution = self.execute_next_block(timestamp)
        executed = time.perf_counter()
        self.store_block(execution)
        self.node.metrics.observe_block(
            len(execution.transactions), executed - started, time.perf_counter() - executed
        )
        self.finish_block(execution)
        return execution

    def execute_next_block(self, timestamp: int | None = None) -> BlockExecution:
        """Execute the next block on the in-memory state; store_block and finish_block follow."""
        node = self.node
        if timestamp is None:
            timestamp = int(time.time())
        timestamp = max(timestamp, node.head.timestamp)
        with node.l1_lock:
            origin_number, messages = self.select_l1_origin(timestamp)
            history = node.follower.history if node.follower is not None else {}
            origin = history.get(origin_number)
        if origin is not None:
            timestamp = max(timestamp, origin.timestamp)  # never before its origin
        timestamp = self.bound_timestamp(timestamp, origin)
        limit = min(node.config.max_transactions_per_block, MAX_BATCH_TRANSACTIONS)
        ready = self.mempool.select(node.get_state_nonce, limit + 1)
        candidates = ready[:limit]
        candidates = candidates[: count_fitting_transactions([signed.tx for signed in candidates])]
        self.more_ready = len(candidates) < len(ready)
        return execute_block(
            node.state,
            node.config,
            node.head,
            candidates,
            timestamp,
            origin_number,
            messages,
        )

    def bound_timestamp(self, timestamp: int, origin: L1BlockData | None) -> int:
        """The timestamp of the next block, from the clock's `timestamp` and its L1 origin.

        Derivation clamps a block to max_drift after the L1 block that carries its batch, which
        comes after the origin: stay within max_drift of the origin, and so of it (never before
        the head, though: L2 time stands still while L1 does).
        """
        head = self.node.head.timestamp
        if origin is None:
            return max(timestamp, head)
        return max(min(timestamp, origin.timestamp + self.node.config.max_drift), head)

    def store_block(self, execution: BlockExecution) -> None:
        """Commit an executed block to storage."""
        try:
            self.node.storage.append_block(execution)
        except Exception as failure:
            # The in-memory state already moved on; only a restart from disk is consistent now.
            log.critical("could not store block %d; stopping: %s", execution.header.number, failure)
            raise

    def finish_block(self, execution: BlockExecution) -> None:
        """Make a stored block the head and forget what it included or refused."""
        self.node.head = execution.header
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
        self.mempool.drop_stale(
            self.node.get_state_nonce, {tx.sender for tx in execution.transactions}
        )

    def select_l1_origin(self, timestamp: int) -> tuple[int, list[QueuedMessage]]:
        """The newest L1 block known, ORIGIN_LAG blocks behind the newest, whose time is at most
        max_drift after `timestamp`, and its new messages.

        An L1 whose clock runs ahead of ours is followed (the block takes the origin's time:
        execute_next_block), up to max_drift: falling behind instead would let the origin lapse
        out of the sequencer window, and derivation would replace our blocks. Without an L1 (a
        standalone node) the origin stays genesis's.
        """
        head = self.node.head
        follower = self.node.follower
        head_origin = head.l1_origin_number
        if follower is None:
            return head_origin, []
        history = follower.history
        latest = timestamp + self.node.config.max_drift
        number = follower.head_number - ORIGIN_LAG
        while number > head_origin and (
            number not in history or history[number].timestamp > latest
        ):
            number -= 1
        if number <= head_origin or number not in history:
            return head_origin, []
        return number, collect_messages(history, head_origin, number)

    # ---------------------------------------------------------------------------------------
    # L1 reorgs

    def request_rewind(self, l1_block: int) -> None:
        """Rewind, before the next block, every block built on an L1 origin after `l1_block`
        (thread-safe: the settlement thread asks, the builder applies)."""
        with self.rewind_lock:
            if self.pending_rewind is None or l1_block < self.pending_rewind:
                self.pending_rewind = l1_block

    @property
    def rewind_pending(self) -> bool:
        return self.pending_rewind is not None

    def halt(self, reason: str) -> None:
        """Stop building blocks for good (reads go on being served): `reason` is what broke."""
        if self.halted is None:
            log.critical("block production halted: %s", reason)
        self.halted = reason

    def apply_pending_rewind(self) -> None:
        with self.rewind_lock:
            target = self.pending_rewind
        if target is None:
            return
        self.rewind_onto_l1(target)
        with self.rewind_lock:
            if self.pending_rewind == target:
                self.pending_rewind = None

    def rewind_onto_l1(self, l1_block: int) -> int:
        """Remove the blocks whose L1 origin is after `l1_block` and put their transactions back
        at the front of the mempool, in their order; return how many blocks were removed.

        Deposits are not put back: derivation brings in again those of the new L1 blocks.
        """
        node = self.node
        head = node.head.number
        keep = head
        while keep > 0 and node.get_stored_header(keep).l1_origin_number > l1_block:
            keep -= 1
        if keep == head:
            return 0
        dropped: list[SignedTransaction] = []
        for number in range(keep + 1, head + 1):
            for tx_hash, sender, raw in node.storage.get_block_transactions(number):
                if raw[0] != DEPOSIT_TX_TYPE:
                    dropped.append(SignedTransaction(decode_transaction(raw), sender, tx_hash, raw))
        settlement = self.settlement
        if settlement is not None:
            with settlement.batcher.lock:  # no batch is read from blocks being removed
                node.rewind(keep)
        else:
            node.rewind(keep)
        restored = self.mempool.restore(dropped)
        log.warning(
            "L1 reorg to block %d removed the origins of L2 blocks %d-%d: rewound to block %d, "
            "%d of their %d transactions back in the mempool",
            l1_block,
            keep + 1,
            head,
            keep,
            restored,
            len(dropped),
        )
        return head - keep

    def remember_rejection(self, tx_hash: bytes, reason: str) -> None:
        self.rejected[tx_hash] = reason
        while len(self.rejected) > self.rejected_cache_size:
            self.rejected.popitem(last=False)

    async def run_block_builder(self, block_time: float, stop: asyncio.Event) -> None:
        """Build a block every `block_time` seconds, or at once after a full one, until `stop`."""
        next_tick = time.monotonic() + block_time
        while not stop.is_set():
            delay = next_tick - time.monotonic()
            if delay > 0:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                    break
                except TimeoutError:
                    pass
            if self.halted is not None:
                await asyncio.sleep(0)
                next_tick = time.monotonic() + block_time
                continue
            started = time.monotonic()
            execution = self.build_block()
            elapsed = time.monotonic() - started
            if execution.transactions or execution.skipped:
                log.info(
                    "block %d: %d txs, %d refused, gas %d, %.0f ms",
                    execution.header.number,
                    len(execution.transactions),
                    len(execution.skipped),
                    execution.header.gas_used,
                    elapsed * 1000,
                )
            if self.more_ready:
                # A full block left ready transactions: seal the next one now. A block holds at
                # most one L1 batch (~490 DeFi calls), so waiting a block time would cap the chain
                # there.
                next_tick = time.monotonic()
            else:
                next_tick += block_time
                if next_tick < time.monotonic():  # fell behind: do not burst to catch up
                    next_tick = time.monotonic() + block_time
            await asyncio.sleep(0)  # requests waiting are served between two blocks either way
