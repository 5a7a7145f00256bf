"""Recovering transaction senders in worker processes, off the node's thread.

Signature recovery is the largest single cost of a transaction (~35 us with coincurve). A node
hands it to a pool of worker processes in two places: JSON-RPC batches of raw transactions (the
sequencer's admission) and the transactions of batches read from L1 (a verifier's derivation, a
batch or two ahead of the one executing: prover.lookahead).

Workers answer with plain tuples, not dataclasses: pickling a Transaction and its
SignedTransaction both ways costs ~50 us per transaction, more than a third of the recovery
itself; tuples of ints and bytes cost ~2 us, and rebuilding the objects here ~6 us.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from rollup.block import SignedTransaction
from rollup.derivation import (
    PendingRecovery,
    TransactionRecovery,
    recover_in_process,
    recover_transaction,
)
from rollup.transaction import (
    InvalidTransaction,
    Transaction,
    decode_and_recover,
    get_transaction_fields,
)

POOL_RECOVERY_THRESHOLD = 32
"""Below this many transactions at once, recovering inline beats the round trip to the pool."""


@dataclass(frozen=True, slots=True)
class Recovered:
    """A raw transaction after decoding and signature recovery, or why that failed."""

    signed: SignedTransaction | None
    error: str | None


def recover_raw_transactions(raws: Sequence[bytes]) -> list[Recovered]:
    """Decode and recover many raw transactions in this process."""
    results: list[Recovered] = []
    for raw in raws:
        try:
            tx, sender, tx_hash = decode_and_recover(raw)
        except InvalidTransaction as exc:
            results.append(Recovered(None, str(exc)))
            continue
        results.append(Recovered(SignedTransaction(tx, sender, tx_hash, raw), None))
    return results


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


def recover_transaction_fields(rows: Sequence[tuple[Any, ...]]) -> list[TransactionRecovery]:
    """recover_transaction of each Transaction(*row) (what a worker process runs)."""
    return [recover_transaction(Transaction(*row)) for row in rows]


class RecoveryPool:
    """A pool of `workers` processes recovering senders, started and warmed up at once.

    Workers are spawned, not forked: a fresh interpreter keeps the default SIGTERM behaviour, so
    no worker outlives the node, whatever signal handlers the server installed.
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError("a recovery pool needs at least one worker")
        self.workers = workers
        self.queued = 0  # transactions sent to the workers and not yet back (metrics)
        self.executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        )
        # Start the workers before serving: a spawned interpreter re-imports the main module and
        # the codec, a second or more of CPU that would otherwise compete with the first requests
        # and land on their latency.
        for future in [self.executor.submit(recover_compact, []) for _ in range(workers)]:
            future.result()

    def _chunk_size(self, count: int) -> int:
        return -(-count // self.workers)

    async def recover_raw(self, raws: Sequence[bytes]) -> list[Recovered]:
        """Decode and recover raw transactions, one chunk per worker, without blocking the
        event loop (inline when there are few)."""
        if len(raws) < POOL_RECOVERY_THRESHOLD:
            return recover_raw_transactions(raws)
        size = self._chunk_size(len(raws))
        loop = asyncio.get_running_loop()
        self.queued += len(raws)
        try:
            parts = await asyncio.gather(
                *(
                    loop.run_in_executor(self.executor, recover_compact, raws[start : start + size])
                    for start in range(0, len(raws), size)
                )
            )
        finally:
            self.queued -= len(raws)
        return expand_recovered(raws, [result for part in parts for result in part])

    def start_recovering(self, transactions: Sequence[Transaction]) -> PendingRecovery:
        """rollup.derivation's RecoverTransactions in the workers: one chunk per worker.

        The workers are sent each transaction's fields and answer (sender, hash, raw) tuples.
        """
        if len(transactions) < POOL_RECOVERY_THRESHOLD:
            return recover_in_process(transactions)
        rows = [get_transaction_fields(tx) for tx in transactions]
        size = self._chunk_size(len(rows))
        futures = [
            self.executor.submit(recover_transaction_fields, rows[start : start + size])
            for start in range(0, len(rows), size)
        ]
        self.queued += len(rows)

        def wait() -> list[TransactionRecovery]:
            recovered: list[TransactionRecovery] = []
            try:
                for future in futures:
                    recovered.extend(future.result())
            finally:
                self.queued -= len(rows)
            return recovered

        return wait

    def close(self) -> None:
        self.executor.shutdown(cancel_futures=True)
