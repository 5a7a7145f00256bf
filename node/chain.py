"""The chain a node holds: genesis, the state in memory, the heads, and the store behind them.

Both roles run one: the sequencer's blocks come from its mempool (sequencer.role), the verifier's
from L1 (prover.verifier); what differs is the role object the node is served with (node.role).
The node keeps the whole state in memory (rollup.state.State) and every block durably in storage;
on restart the state is rebuilt from storage and checked against the stored head's state root.

Heads, as OP Stack names them: `head` is the newest block (unsafe on a sequencer), `safe_number`
the newest whose batch is on L1, `finalized_number` the newest covered by a finalized output. The
role's workers move them; the JSON-RPC reads them.
"""

from __future__ import annotations

import gc
import logging
import threading
import time

import orjson

from l1.follower import L1Follower
from node.metrics import NodeMetrics
from node.recovery import RecoveryPool
from node.removed_logs import RemovedLogJournal, read_logs
from node.storage import Storage
from rollup.block import Header, compute_next_base_fee
from rollup.config import ChainConfig
from rollup.genesis import Genesis, build_genesis
from rollup.state import Account, State, account_key
from rollup.system.context import BlockEnvironment

log = logging.getLogger("rollup.node")


class Node:
    """One L2 chain: genesis, the in-memory state at `head`, the heads, storage and the
    signature-recovery workers."""

    def __init__(
        self,
        storage: Storage,
        genesis_document: dict[str, object] | None = None,
        recovery_workers: int = 0,
    ) -> None:
        self.storage = storage
        self.genesis: Genesis = open_genesis(storage, genesis_document)
        self.config: ChainConfig = self.genesis.config
        self.state, self.head = self._load_state(self.genesis)
        # The state's millions of long-lived tree nodes never form cycles: keep them out of the
        # cyclic garbage collector's scans, which otherwise dominate block building.
        gc.freeze()
        self.recovery = RecoveryPool(recovery_workers) if recovery_workers > 0 else None
        self.metrics = NodeMetrics()
        self._pending_environment: tuple[Header, BlockEnvironment] | None = None
        self.started_at = time.time()
        # The L1 chain the role follows (origins, batches, deposits); None on a standalone node.
        self.follower: L1Follower | None = None
        self.l1_lock = threading.Lock()
        self.safe_number = 0  # highest block whose batch is on L1
        self.finalized_number = 0  # highest block of a finalized output
        # The logs of blocks rewinds removed, for the filters and subscriptions that reported them.
        self.removed_logs = RemovedLogJournal()

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

    def rewind(self, number: int) -> None:
        """Remove the blocks after `number` from storage and make block `number` the head, with
        its state reloaded from storage (an L1 reorg removed what they were built or derived on).
        The caller holds back everything that reads the head meanwhile (builder, deriver).

        The removed blocks' logs go to `removed_logs` first; readers see the rewind there once the
        head has moved back (node.removed_logs)."""
        if number >= self.head.number:
            self._roll_back_to(number)
            return
        try:
            logs, logs_through = read_logs(self.storage, number + 1, self.head.number)
        except Exception as failure:  # the rewind matters more than telling readers
            log.error("could not read the logs of blocks rewound past %d: %s", number, failure)
            logs, logs_through = [], number
        rewind = self.removed_logs.begin(number, logs, logs_through)
        try:
            self._roll_back_to(number)
        finally:
            self.removed_logs.finish(rewind)

    def _roll_back_to(self, number: int) -> None:
        """The rewind itself: storage, the state in memory, the heads."""
        self.storage.rollback_to(number)
        state = State()
        root = self.storage.load_state(state)
        header = self.get_stored_header(number)
        if root != header.state_root:
            raise RuntimeError(
                f"state after rewinding to block {number} has root 0x{root.hex()}, the block "
                f"0x{header.state_root.hex()}"
            )
        self.state = state
        self.head = header
        self._pending_environment = None
        self.safe_number = min(self.safe_number, number)
        self.finalized_number = min(self.finalized_number, number)

    def get_stored_header(self, number: int) -> Header:
        header = self.genesis.header if number == 0 else self.storage.get_header(number)
        if header is None:
            raise RuntimeError(f"storage lost the header of block {number}")
        return header

    def close(self) -> None:
        if self.recovery is not None:
            self.recovery.close()
        self.storage.close()

    # ---------------------------------------------------------------------------------------
    # Reading

    def get_account(self, address: bytes) -> Account:
        account: Account = self.state.get(account_key(address))
        return account

    def get_state_nonce(self, address: bytes) -> int:
        return self.get_account(address).nonce

    def get_next_base_fee(self) -> int:
        return compute_next_base_fee(self.config, self.head)

    def get_header(self, number: int) -> Header | None:
        """Block `number`'s header if the node has it (the head and genesis without a read)."""
        if number == self.head.number:
            return self.head
        if number == 0:
            return self.genesis.header
        if number > self.head.number:
            return None
        return self.storage.get_header(number)

    def get_header_by_hash(self, block_hash: bytes) -> Header | None:
        """The header of the block with `block_hash` if the node has it (genesis included)."""
        if block_hash == self.genesis.header.hash:
            return self.genesis.header
        return self.storage.get_header_by_hash(block_hash)

    def get_l1_origin(self, number: int) -> dict[str, object]:
        """An L1 origin as rollup_syncStatus shows it: its number, and its hash if the node's L1
        follower knows that block (blocks commit to the origin's number only)."""
        follower = self.follower
        block = follower.history.get(number) if follower is not None else None
        return {"number": number, "hash": "0x" + block.hash.hex() if block is not None else None}

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

    def get_block_environment(self, number: int) -> BlockEnvironment:
        """The environment stored block `number` executed in (a call or a replay at it)."""
        header = self.get_stored_header(number)
        return BlockEnvironment(
            number=number,
            timestamp=header.timestamp,
            base_fee=header.base_fee,
            chain_id=self.config.chain_id,
        )

    def get_heads(self) -> dict[str, object]:
        """The L1 head and the three L2 heads, as rollup_syncStatus reports them (OP Stack's
        names)."""
        follower = self.follower
        l1_head = follower.head if follower is not None else None

        def block_ref(number: int) -> dict[str, object]:
            header = self.get_header(number) or self.genesis.header
            return {
                "number": header.number,
                "hash": "0x" + header.hash.hex(),
                "timestamp": header.timestamp,
                "l1origin": self.get_l1_origin(header.l1_origin_number),
            }

        return {
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
        }


def open_genesis(storage: Storage, genesis_document: dict[str, object] | None) -> Genesis:
    """The chain's genesis: written to an empty store from `genesis_document`, or read from the
    store (and checked against `genesis_document` if one is given)."""
    stored = storage.get_genesis_document()
    if stored is None:
        if genesis_document is None:
            raise ValueError("empty database and no genesis document given")
        genesis = build_genesis(genesis_document)
        storage.initialize_genesis(genesis, orjson.dumps(genesis_document))
        return genesis
    existing = build_genesis(orjson.loads(stored))
    if genesis_document is not None:
        given = build_genesis(genesis_document)
        if given.header.hash != existing.header.hash:
            raise ValueError(
                "the database holds a different chain: genesis "
                f"0x{existing.header.hash.hex()} != given 0x{given.header.hash.hex()}"
            )
    return existing
