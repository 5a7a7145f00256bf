"""What a node does besides holding and serving its chain: its role.

The node (node.chain.Node), its storage and its JSON-RPC are the same on every node. A role object
supplies what differs: where blocks come from (the sequencer's mempool and builder, or a
verifier's derivation from L1), what happens to a transaction sent to it, and the background
workers it runs against L1 (batcher, proposer, defender; or derivation and challenger). The server
(node.server) starts the role's workers and task, and answers JSON-RPC through it.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Protocol

from node.chain import Node
from rollup.block import SignedTransaction


class TransactionRejected(Exception):
    """eth_sendRawTransaction refuses a transaction; the message follows geth's wording."""


class Background(Protocol):
    """A worker on its own thread (settlement, derivation, a dispute player): started before the
    node serves, stopped after."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class ReportingWorker(Background, Protocol):
    """A worker whose figures rollup_syncStatus shows (a dispute player's games and moves)."""

    def get_stats(self) -> dict[str, Any]: ...


class Role(ABC):
    """The part of a node that is not its chain. `name` is what rollup_syncStatus reports."""

    name: str
    node: Node

    @abstractmethod
    def submit_transaction(self, signed: SignedTransaction) -> bytes:
        """Take a recovered transaction (eth_sendRawTransaction); return its hash or raise
        TransactionRejected."""

    def get_pending_transaction(self, tx_hash: bytes) -> SignedTransaction | None:
        """A transaction waiting for a block, by hash."""
        return None

    def get_pending_nonce(self, address: bytes) -> int:
        """The nonce of `address`'s next transaction, counting those waiting for a block."""
        return self.node.get_state_nonce(address)

    def count_waiting(self) -> tuple[int, int]:
        """(ready, nonce-gapped) transactions waiting for a block (txpool_status)."""
        return 0, 0

    def get_l1_stats(self) -> dict[str, object] | None:
        """What the role's L1 work has done and cost (rollup_syncStatus's `l1`)."""
        return None

    def workers(self) -> Sequence[Background]:
        """Background workers to start before serving and stop after."""
        return ()

    async def run(self, stop: asyncio.Event) -> None:
        """The role's work on the event loop, between requests, until `stop` is set."""
        await stop.wait()

    def get_sync_status(self) -> dict[str, object]:
        """rollup_syncStatus: the role, the heads, and the L1 figures."""
        return {"role": self.name, **self.node.get_heads(), "l1": self.get_l1_stats()}


class Replica(Role):
    """A role that builds no blocks of its own: transactions go to the sequencer."""

    def submit_transaction(self, signed: SignedTransaction) -> bytes:
        raise TransactionRejected(f"this node is a {self.name}: send transactions to the sequencer")
