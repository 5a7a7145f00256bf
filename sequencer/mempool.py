"""The mempool: pending transactions per sender in nonce order.

Rules, as wallets expect from geth:
- a transaction whose sender already has one with the same nonce replaces it only if it raises
  both the max fee and the priority fee by at least PRICE_BUMP_PERCENT ("replacement transaction
  underpriced" otherwise);
- the pool is bounded in total and per sender ("txpool is full");
- a transaction already in the pool is refused ("already known");
- nonces may arrive out of order; only the run of consecutive nonces from the sender's state nonce
  is ready for a block, in arrival order across senders.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rollup.block import SignedTransaction

PRICE_BUMP_PERCENT = 10


class MempoolError(Exception):
    """A transaction the pool refuses; the message is what eth_sendRawTransaction answers."""


@dataclass(slots=True)
class PooledTransaction:
    signed: SignedTransaction
    arrival: int


@dataclass(slots=True)
class Mempool:
    max_size: int = 200_000
    max_per_sender: int = 5_000
    by_sender: dict[bytes, dict[int, PooledTransaction]] = field(default_factory=dict)
    by_hash: dict[bytes, PooledTransaction] = field(default_factory=dict)
    _arrivals: Iterable[int] = field(default_factory=itertools.count)
    _first_arrival: int = 0  # the lowest arrival given (restored transactions go before it)

    def __len__(self) -> int:
        return len(self.by_hash)

    def get(self, tx_hash: bytes) -> SignedTransaction | None:
        pooled = self.by_hash.get(tx_hash)
        return pooled.signed if pooled else None

    def add(self, signed: SignedTransaction) -> None:
        """Admit a transaction (its stateful checks were made by the caller)."""
        if signed.hash in self.by_hash:
            raise MempoolError("already known")
        queue = self.by_sender.get(signed.sender)
        nonce = signed.tx.nonce
        existing = queue.get(nonce) if queue else None
        if existing is not None:
            old, new = existing.signed.tx, signed.tx
            bump = 100 + PRICE_BUMP_PERCENT
            if (
                new.max_fee_per_gas * 100 < old.max_fee_per_gas * bump
                or new.max_priority_fee_per_gas * 100 < old.max_priority_fee_per_gas * bump
            ):
                raise MempoolError("replacement transaction underpriced")
            del self.by_hash[existing.signed.hash]
        else:
            if len(self.by_hash) >= self.max_size:
                raise MempoolError("txpool is full")
            if queue is not None and len(queue) >= self.max_per_sender:
                raise MempoolError("txpool is full: too many pending transactions from sender")
        pooled = PooledTransaction(signed, next(self._arrivals))  # type: ignore[call-overload]
        if queue is None:
            queue = self.by_sender[signed.sender] = {}
        queue[nonce] = pooled
        self.by_hash[signed.hash] = pooled

    def restore(self, transactions: Sequence[SignedTransaction]) -> int:
        """Put back transactions a rewound chain had included, ahead of everything pooled and in
        their order; return how many. One whose sender already pools its nonce again is not
        restored (the newer one stays), nor are those past the pool's bounds."""
        first = self._first_arrival - len(transactions)
        restored = 0
        for position, signed in enumerate(transactions):
            queue = self.by_sender.get(signed.sender)
            if signed.hash in self.by_hash or (queue is not None and signed.tx.nonce in queue):
                continue
            if len(self.by_hash) >= self.max_size:
                break
            if queue is not None and len(queue) >= self.max_per_sender:
                continue
            pooled = PooledTransaction(signed, first + position)
            if queue is None:
                queue = self.by_sender[signed.sender] = {}
            queue[signed.tx.nonce] = pooled
            self.by_hash[signed.hash] = pooled
            restored += 1
        self._first_arrival = first
        return restored

    def get_pending_nonce(self, sender: bytes, state_nonce: int) -> int:
        """The nonce of a sender's next transaction (eth_getTransactionCount 'pending')."""
        queue = self.by_sender.get(sender)
        nonce = state_nonce
        if queue:
            while nonce in queue:
                nonce += 1
        return nonce

    def select(
        self, get_state_nonce: Callable[[bytes], int], limit: int
    ) -> list[SignedTransaction]:
        """Ready transactions for the next block, at most `limit`, each sender's in nonce order.

        Across senders the order is arrival order, except that a transaction never goes before a
        lower nonce of the same sender (its key is at least that of its predecessor).
        """
        # A k-way merge of the senders' ready runs (each already in key order): it reads only
        # the `limit` transactions it returns plus one per sender, not the whole pool.
        heap: list[tuple[int, int, int, dict[int, PooledTransaction]]] = []
        for position, (sender, queue) in enumerate(self.by_sender.items()):
            nonce = get_state_nonce(sender)
            pooled = queue.get(nonce)
            if pooled is not None:
                heap.append((pooled.arrival, nonce, position, queue))
        heapq.heapify(heap)
        selected: list[SignedTransaction] = []
        while heap and len(selected) < limit:
            key, nonce, position, queue = heap[0]
            selected.append(queue[nonce].signed)
            following = queue.get(nonce + 1)
            if following is None:
                heapq.heappop(heap)
            else:
                heapq.heapreplace(heap, (max(key, following.arrival), nonce + 1, position, queue))
        return selected

    def remove(self, transactions: Iterable[SignedTransaction]) -> None:
        """Forget transactions (included in a block, or refused by the block builder)."""
        for signed in transactions:
            pooled = self.by_hash.pop(signed.hash, None)
            if pooled is None:
                continue
            queue = self.by_sender.get(signed.sender)
            if queue is not None and queue.get(signed.tx.nonce) is pooled:
                del queue[signed.tx.nonce]
                if not queue:
                    del self.by_sender[signed.sender]

    def drop_stale(
        self, get_state_nonce: Callable[[bytes], int], senders: Iterable[bytes] | None = None
    ) -> int:
        """Remove transactions whose nonce the chain has passed; return how many.

        Only nonces that moved can have passed a pooled transaction: `senders`, if given, are the
        accounts whose nonce may have moved (those of a new block's transactions).
        """
        queues = (
            self.by_sender.items()
            if senders is None
            else [
                (sender, self.by_sender[sender]) for sender in senders if sender in self.by_sender
            ]
        )
        stale = []
        for sender, queue in queues:
            state_nonce = get_state_nonce(sender)
            stale += [pooled.signed for nonce, pooled in queue.items() if nonce < state_nonce]
        self.remove(stale)
        return len(stale)
