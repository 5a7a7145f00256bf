"""The L2 state: typed leaves, their keys, journaled overlays and the state commitment.

Every piece of state is a *leaf*: a small tuple of uint256 words stored under a typed key. The state
root is the root of a compact sparse Merkle tree (rollup.smt) whose keys are
`keccak256(kind ‖ packed key fields)` and whose values are `keccak256(abi.encode(words...))`, so a
Solidity contract recomputes either with one `keccak256(abi.encodePacked(...))`.

Withdrawals live in a second tree (the withdrawal tree) keyed by the withdrawal hash; its root and
the number of withdrawals are themselves a leaf of the state, written at the end of each block.

Execution never touches the committed state directly: each block runs in an Overlay over it, each
transaction in an Overlay over the block's, and each call in an Overlay over the transaction's, so a
revert drops exactly the writes of the reverted call (the fee and nonce stay), as on Ethereum.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from typing import Any, NamedTuple, TypeVar

from rollup.crypto import keccak256
from rollup.smt import SparseMerkleTree

# ---------------------------------------------------------------------------------------------
# Leaf kinds. The number is the first byte of the packed key; it never changes once assigned.
KIND_ACCOUNT = 1
KIND_TOKEN = 2
KIND_TOKEN_BALANCE = 3
KIND_ALLOWANCE = 4
KIND_POOL = 5
KIND_LIQUIDITY = 6
KIND_MARKET = 7
KIND_MARKET_CONFIG = 8
KIND_POSITION = 9
KIND_LENDING_ACCOUNT = 10
KIND_PRICE = 11
KIND_SYSTEM = 12
KIND_WITHDRAWALS = 13
KIND_WITHDRAWAL = 14  # a leaf of the withdrawal tree, not of the state tree
KIND_PERPS_MARKET = 15
KIND_PERPS_MARKET_CONFIG = 16
KIND_PERPS_POSITION = 17

# A key is the kind followed by its fields (20-byte addresses or 32-byte hashes), e.g.
# (KIND_TOKEN_BALANCE, token, owner).
StateKey = tuple[Any, ...]


class Account(NamedTuple):
    """An externally owned account: its nonce and native ETH balance (wei)."""

    nonce: int = 0
    balance: int = 0


class Token(NamedTuple):
    """An ERC-20 token registered at genesis or bridged from L1. `registered` is 1 once it exists."""

    registered: int = 0
    total_supply: int = 0
    decimals: int = 0
    l1_token: int = 0  # the L1 ERC-20 it is bridged from, as uint160; 0 = not withdrawable to L1
    name: int = 0  # bytes32 of the UTF-8 name, left-aligned, as uint256
    symbol: int = 0  # bytes32 of the UTF-8 symbol, left-aligned, as uint256


class TokenBalance(NamedTuple):
    """An owner's balance of one token."""

    amount: int = 0


class Allowance(NamedTuple):
    """How much `spender` may move of `owner`'s tokens."""

    amount: int = 0


class Pool(NamedTuple):
    """A constant-product pool of (token0, token1), token0 < token1 by address."""

    created: int = 0
    reserve0: int = 0
    reserve1: int = 0
    total_liquidity: int = 0


class Liquidity(NamedTuple):
    """An owner's LP shares in one pool."""

    amount: int = 0


class Market(NamedTuple):
    """The moving part of a lending market: scaled totals and indexes (RAY), accrued lazily."""

    total_supply_scaled: int = 0
    total_borrow_scaled: int = 0
    supply_index: int = 0
    borrow_index: int = 0
    reserves: int = 0
    last_update: int = 0


class MarketConfig(NamedTuple):
    """A lending market's fixed risk and rate parameters (WAD unless noted), set at genesis."""

    listed: int = 0
    base_rate: int = 0  # yearly borrow rate at 0% utilization
    slope1: int = 0  # added yearly rate from 0% to optimal utilization
    slope2: int = 0  # added yearly rate from optimal to 100% utilization (the jump)
    optimal_utilization: int = 0
    reserve_factor: int = 0
    collateral_factor: int = 0
    liquidation_threshold: int = 0
    liquidation_bonus: int = 0  # e.g. 0.05e18: the liquidator receives 105% of what it repays
    close_factor: int = 0  # share of a debt one liquidation may repay
    volatility_sensitivity: int = 0  # factor lost per unit of oracle volatility
    collateral_factor_floor: int = 0
    liquidation_threshold_floor: int = 0


class Position(NamedTuple):
    """An account's scaled supply and scaled debt in one market."""

    supply_scaled: int = 0
    borrow_scaled: int = 0


class LendingAccount(NamedTuple):
    """The markets (asset addresses as uint160, 0 = free slot) an account has a position in.

    Bounding this list bounds every health-factor computation, and so the witness of any one-step
    proof: an account can be in at most MAX_MARKETS_PER_ACCOUNT markets at once.
    """

    market0: int = 0
    market1: int = 0
    market2: int = 0
    market3: int = 0
    market4: int = 0
    market5: int = 0
    market6: int = 0
    market7: int = 0


class Price(NamedTuple):
    """An oracle report: USD price of one whole token (WAD), yearly volatility (WAD), time."""

    price: int = 0
    volatility: int = 0
    updated_at: int = 0


class System(NamedTuple):
    """Chain-wide parameters that the state machine reads, set at genesis."""

    oracle: int = 0  # the only address allowed to write prices, as uint160
    price_max_age: int = 0  # seconds after which a price is stale


class Withdrawals(NamedTuple):
    """The withdrawal tree's root as of the end of the last block, and how many withdrawals exist."""

    count: int = 0  # type: ignore[assignment]  # the field shadows tuple.count, on purpose
    root: int = 0


class WithdrawalLeaf(NamedTuple):
    """Presence marker of a withdrawal hash in the withdrawal tree."""

    present: int = 0


class PerpsMarket(NamedTuple):
    """The moving part of a perpetual futures market (docs/PERPETUALS.md §3).

    Sizes are in WAD units of the asset (1e18 = one whole token), USD amounts in WAD. Fields
    marked signed hold an int256 as its two's complement uint256 word (rollup.fixedpoint.to_word).
    """

    skew: int = 0  # signed: sum of all position sizes (long_open_interest - short_open_interest)
    long_open_interest: int = 0  # sum of positive sizes
    short_open_interest: int = 0  # sum of |negative sizes|
    funding_rate: int = 0  # signed: funding rate per day (WAD) as of last_funding_time
    funding_index: int = 0  # signed: accumulated funding (USD WAD) per 1e18 of size
    last_funding_time: int = 0  # timestamp up to which funding is accrued
    insurance_fund: int = 0  # USD WAD: fees, liquidation remainders; pays shortfalls first
    cash: int = 0  # signed: USD WAD netted between traders (realized losses in, profits out)
    long_bad_debt_index: int = 0  # USD WAD charged per 1e18 of long size, accumulated
    short_bad_debt_index: int = 0  # USD WAD charged per 1e18 of short size, accumulated
    liquidation_bucket: int = 0  # size (WAD) liquidated and not yet drained from the bucket
    liquidation_block: int = 0  # block number at which the bucket was last drained


class PerpsMarketConfig(NamedTuple):
    """A perpetual futures market's fixed parameters, set at genesis (WAD unless noted)."""

    listed: int = 0
    margin_token: int = 0  # the settlement token (USDC), as uint160
    skew_scale: int = 0  # size (WAD) at which the skew premium is 100%
    max_funding_velocity: int = 0  # funding-rate change per day per day at |skew| >= skew_scale
    maker_fee: int = 0  # fee on the part of an order that reduces |skew|
    taker_fee: int = 0  # fee on the part of an order that increases |skew|
    min_initial_margin_ratio: int = 0
    initial_margin_slope: int = 0  # k: IMR grows by k * |size| / skew_scale
    volatility_sensitivity: int = 0  # IMR grows by sensitivity * oracle volatility
    maintenance_margin_scalar: int = 0  # MMR = IMR * scalar
    min_margin: int = 0  # USD WAD added to both margin requirements
    keeper_reward_ratio: int = 0  # rho: keeper reward = rho * notional, clamped
    keeper_reward_min: int = 0  # USD WAD
    keeper_reward_max: int = 0  # USD WAD
    max_open_interest: int = 0  # size (WAD) cap on each side's open interest
    min_position_size: int = 0  # size (WAD): a non-zero position is at least this large
    liquidation_capacity: int = 0  # size (WAD) the liquidation bucket drains per block


class PerpsPosition(NamedTuple):
    """An account's isolated position in one perpetual futures market."""

    size: int = 0  # signed: WAD units of the asset, > 0 long, < 0 short
    entry_price: int = 0  # USD WAD: fill price of the last modification (0 without a position)
    margin: int = 0  # USD WAD: the account's margin ledger (the USDC is held by the contract)
    funding_index: int = 0  # signed: market funding_index when last realized
    bad_debt_index: int = 0  # the side's bad-debt index when last realized


LEAF_TYPES: dict[int, type[tuple[int, ...]]] = {
    KIND_ACCOUNT: Account,
    KIND_TOKEN: Token,
    KIND_TOKEN_BALANCE: TokenBalance,
    KIND_ALLOWANCE: Allowance,
    KIND_POOL: Pool,
    KIND_LIQUIDITY: Liquidity,
    KIND_MARKET: Market,
    KIND_MARKET_CONFIG: MarketConfig,
    KIND_POSITION: Position,
    KIND_LENDING_ACCOUNT: LendingAccount,
    KIND_PRICE: Price,
    KIND_SYSTEM: System,
    KIND_WITHDRAWALS: Withdrawals,
    KIND_WITHDRAWAL: WithdrawalLeaf,
    KIND_PERPS_MARKET: PerpsMarket,
    KIND_PERPS_MARKET_CONFIG: PerpsMarketConfig,
    KIND_PERPS_POSITION: PerpsPosition,
}

EMPTY_LEAVES: dict[int, tuple[int, ...]] = {kind: cls() for kind, cls in LEAF_TYPES.items()}

MAX_MARKETS_PER_ACCOUNT = 8
WITHDRAWAL_PRESENT_VALUE_HASH = (1).to_bytes(32, "big")

# ---------------------------------------------------------------------------------------------
# Keys


def account_key(address: bytes) -> StateKey:
    return (KIND_ACCOUNT, address)


def token_key(token: bytes) -> StateKey:
    return (KIND_TOKEN, token)


def balance_key(token: bytes, owner: bytes) -> StateKey:
    return (KIND_TOKEN_BALANCE, token, owner)


def allowance_key(token: bytes, owner: bytes, spender: bytes) -> StateKey:
    return (KIND_ALLOWANCE, token, owner, spender)


def pool_key(token0: bytes, token1: bytes) -> StateKey:
    return (KIND_POOL, token0, token1)


def liquidity_key(token0: bytes, token1: bytes, owner: bytes) -> StateKey:
    return (KIND_LIQUIDITY, token0, token1, owner)


def market_key(asset: bytes) -> StateKey:
    return (KIND_MARKET, asset)


def market_config_key(asset: bytes) -> StateKey:
    return (KIND_MARKET_CONFIG, asset)


def position_key(account: bytes, asset: bytes) -> StateKey:
    return (KIND_POSITION, account, asset)


def lending_account_key(account: bytes) -> StateKey:
    return (KIND_LENDING_ACCOUNT, account)


def price_key(asset: bytes) -> StateKey:
    return (KIND_PRICE, asset)


SYSTEM_KEY: StateKey = (KIND_SYSTEM,)
WITHDRAWALS_KEY: StateKey = (KIND_WITHDRAWALS,)


def withdrawal_key(withdrawal_hash: bytes) -> StateKey:
    return (KIND_WITHDRAWAL, withdrawal_hash)


def perps_market_key(asset: bytes) -> StateKey:
    return (KIND_PERPS_MARKET, asset)


def perps_market_config_key(asset: bytes) -> StateKey:
    return (KIND_PERPS_MARKET_CONFIG, asset)


def perps_position_key(account: bytes, asset: bytes) -> StateKey:
    return (KIND_PERPS_POSITION, account, asset)


def encode_key(key: StateKey) -> bytes:
    """Pack a typed key as Solidity's abi.encodePacked(uint8 kind, fields...) does."""
    return bytes((key[0],)) + b"".join(key[1:])


def compute_tree_key(key: StateKey) -> bytes:
    """The sparse-Merkle-tree key of a typed key.

    State leaves: keccak256(encodePacked(kind, fields)). Withdrawal-tree leaves: the withdrawal hash
    itself, so L1 proves a withdrawal with the hash it already has.
    """
    if key[0] == KIND_WITHDRAWAL:
        return bytes(key[1])
    return keccak256(encode_key(key))


def encode_leaf(leaf: Iterable[int]) -> bytes:
    """abi.encode of the leaf's words (each a uint256)."""
    return b"".join(word.to_bytes(32, "big") for word in leaf)


def compute_leaf_value_hash(key: StateKey, leaf: tuple[int, ...]) -> bytes:
    """The value hash stored in the tree for a leaf."""
    if key[0] == KIND_WITHDRAWAL:
        return WITHDRAWAL_PRESENT_VALUE_HASH
    return keccak256(encode_leaf(leaf))


def decode_leaf(kind: int, data: bytes) -> tuple[int, ...]:
    """Inverse of encode_leaf for a leaf of `kind` (used by storage)."""
    cls = LEAF_TYPES[kind]
    count = len(cls._fields)  # type: ignore[attr-defined]
    if len(data) != 32 * count:
        raise ValueError(f"leaf of kind {kind} must be {32 * count} bytes, got {len(data)}")
    words = [int.from_bytes(data[i * 32 : (i + 1) * 32], "big") for i in range(count)]
    return cls._make(words)  # type: ignore[attr-defined, no-any-return]


def get_empty_leaf(key: StateKey) -> tuple[int, ...]:
    return EMPTY_LEAVES[key[0]]


LeafT = TypeVar("LeafT", bound=tuple[int, ...])


# ---------------------------------------------------------------------------------------------
# Views


class StateReader(ABC):
    """Anything leaves can be read from: the committed state or an overlay over it."""

    @abstractmethod
    def get(self, key: StateKey) -> Any:
        """The leaf under `key` (the kind's empty leaf when absent)."""


class Overlay(StateReader):
    """Writes on top of a parent view; `commit` folds them into the parent, dropping it reverts.

    `accessed` records every key read or written through this overlay (the one-step prover's
    witness set for a transaction).
    """

    __slots__ = ("accessed", "parent", "writes")

    def __init__(self, parent: StateReader) -> None:
        self.parent = parent
        self.writes: dict[StateKey, Any] = {}
        # Shared with the parent overlay, so that the reads of a call that reverts stay recorded:
        # a one-step proof re-runs that call and needs them in its witness.
        self.accessed: set[StateKey] | None = parent.accessed if type(parent) is Overlay else None

    def get(self, key: StateKey) -> Any:
        if self.accessed is not None:
            self.accessed.add(key)
        value = self.writes.get(key)
        if value is not None:
            return value
        return self.parent.get(key)

    def set(self, key: StateKey, leaf: tuple[int, ...]) -> None:
        if self.accessed is not None:
            self.accessed.add(key)
        self.writes[key] = leaf

    def commit(self) -> None:
        """Fold this overlay's writes into its parent overlay."""
        parent = self.parent
        if not isinstance(parent, Overlay):
            raise TypeError("only an overlay over another overlay can be committed this way")
        parent.writes.update(self.writes)
        if parent.accessed is not None and self.accessed is not None:
            parent.accessed.update(self.accessed)  # a no-op when shared; kept for set by hand


class State(StateReader):
    """The committed state at the end of a block: all leaves and both trees."""

    def __init__(self) -> None:
        self.leaves: dict[StateKey, tuple[int, ...]] = {}
        self.tree = SparseMerkleTree()
        self.withdrawal_tree = SparseMerkleTree()

    def get(self, key: StateKey) -> Any:
        leaf = self.leaves.get(key)
        if leaf is None:
            return EMPTY_LEAVES[key[0]]
        return leaf

    def __contains__(self, key: StateKey) -> bool:
        return key in self.leaves

    def __len__(self) -> int:
        return len(self.leaves)

    def items(self) -> Iterator[tuple[StateKey, tuple[int, ...]]]:
        return iter(self.leaves.items())

    @property
    def root(self) -> bytes:
        return self.tree.root

    def apply_writes(
        self,
        writes: Mapping[StateKey, tuple[int, ...]],
        materialized: AbstractSet[StateKey] = frozenset(),
    ) -> bytes:
        """Commit a block's writes and return the new state root.

        `materialized` lists leaves that some transaction of the block made non-empty, so they
        exist even if the block leaves them empty (rollup.block._note_materialized).

        The withdrawal tree is updated first and its root written into the Withdrawals leaf, so the
        state root commits to every withdrawal. A write that leaves an absent leaf empty creates
        nothing (reads of absent and empty leaves are indistinguishable, and the tree stays small).
        """
        state_changes: dict[bytes, bytes] = {}
        withdrawal_changes: dict[bytes, bytes] = {}
        leaves = self.leaves
        for key, leaf in writes.items():
            if key[0] == KIND_WITHDRAWAL:
                withdrawal_changes[bytes(key[1])] = WITHDRAWAL_PRESENT_VALUE_HASH
                leaves[key] = leaf
                continue
            if key[0] == KIND_WITHDRAWALS:
                continue  # written below, after the withdrawal tree
            if key not in leaves and leaf == EMPTY_LEAVES[key[0]] and key not in materialized:
                continue
            if leaves.get(key) == leaf:
                continue
            leaves[key] = leaf
            state_changes[compute_tree_key(key)] = keccak256(encode_leaf(leaf))
        if withdrawal_changes or WITHDRAWALS_KEY in writes:
            withdrawal_root = self.withdrawal_tree.update(withdrawal_changes)
            count = writes.get(WITHDRAWALS_KEY, self.get(WITHDRAWALS_KEY))[0]
            summary = Withdrawals(count=count, root=int.from_bytes(withdrawal_root, "big"))
            if leaves.get(WITHDRAWALS_KEY) != summary:
                leaves[WITHDRAWALS_KEY] = summary
                state_changes[compute_tree_key(WITHDRAWALS_KEY)] = keccak256(encode_leaf(summary))
        if state_changes:
            return self.tree.update(state_changes)
        return self.tree.root

    def load_leaves(self, leaves: Iterable[tuple[StateKey, tuple[int, ...]]]) -> bytes:
        """Rebuild both trees from stored leaves (node restart); return the state root."""
        state_changes: dict[bytes, bytes] = {}
        withdrawal_changes: dict[bytes, bytes] = {}
        for key, leaf in leaves:
            self.leaves[key] = leaf
            if key[0] == KIND_WITHDRAWAL:
                withdrawal_changes[bytes(key[1])] = WITHDRAWAL_PRESENT_VALUE_HASH
            else:
                state_changes[compute_tree_key(key)] = keccak256(encode_leaf(leaf))
        self.withdrawal_tree.update(withdrawal_changes)
        return self.tree.update(state_changes)
