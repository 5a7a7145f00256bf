#!/usr/bin/env python3
"""Differential vectors of the AMM between the Python STF and the Solidity one-step prover.

Builds the devnet genesis state plus a few extra leaves (a token with a near-2**256 supply, pools
in states the chain cannot reach by itself: one-sided reserves, reserves without LP shares, LP
shares without reserves; approvals of every kind), then runs a fixed sequence of edge-case calls
and seeded random calls of every IAMM function through rollup.execution.execute_call under
rollup.witness.run_with_witness. Every call starts from the state the previous one left, so the
vectors form one history. contracts/test/prover/StfAmmVectors.t.sol replays each vector through
StfHarness.runCall with AmmModule and checks the call's success and the post-state root;
tests/unit/test_stf_vectors_amm.py checks the committed JSON is what this script generates.

The JSON is columnar (forge parses arrays of one type): labels, preRoots, postRoots, success,
witnesses (abi-encoded Witness, FRAUD_PROOFS.md §2), the Env's numbers and timestamps and the
Call's senders and values (as bytes32 words) and data, and the call's operation gas and
payability (rollup.execution.compute_operation_gas, the function table); baseFee, chainId and the
AMM address (the call's `to`) are the same for every vector.

Usage (from the repository root, with the venv active):
    python -m scripts.gen_stf_vectors_amm            # write contracts/vectors/stf_amm.json
    python -m scripts.gen_stf_vectors_amm --check    # exit 1 if the committed file is stale
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from rollup.abi import Revert, encode_call  # noqa: E402
from rollup.addresses import AMM, WETH  # noqa: E402
from rollup.fixedpoint import UINT256_MAX  # noqa: E402
from rollup.genesis import build_genesis, load_default_genesis_document  # noqa: E402
from rollup.state import (  # noqa: E402
    Allowance,
    Liquidity,
    Pool,
    State,
    StateKey,
    Token,
    TokenBalance,
    allowance_key,
    balance_key,
    liquidity_key,
    pool_key,
    token_key,
)
from rollup.system.context import BlockEnvironment  # noqa: E402
from rollup.system.registry import find_function  # noqa: E402
from scripts.vectors import encode_hex, encode_word, record_call, write_or_check  # noqa: E402

VECTORS_PATH = REPO_ROOT / "contracts" / "vectors" / "stf_amm.json"
SEED = 20_240_601
RANDOM_CALLS = 54

CREATE = "createPool(address,address)"
ADD = "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)"
REMOVE = "removeLiquidity(address,address,uint256,uint256,uint256,address,uint256)"
SWAP = "swapExactIn(address,address,uint256,uint256,address,uint256)"
RESERVES = "getReserves(address,address)"
LIQUIDITY_OF = "liquidityOf(address,address,address)"
AMOUNT_OUT = "getAmountOut(address,address,uint256)"


def _address(hex_string: str) -> bytes:
    return bytes.fromhex(hex_string.removeprefix("0x"))


USDC = _address("0x4200000000000000000000000000000000001001")
WBTC = _address("0x4200000000000000000000000000000000001002")
DAI = _address("0x4200000000000000000000000000000000001003")
HUGE = _address("0x4200000000000000000000000000000000001f00")  # extra: supply near 2**256
TINY = _address("0x4200000000000000000000000000000000001f01")  # extra: 0 decimals
NOT_A_TOKEN = _address("0x4200000000000000000000000000000000001f99")
TOKENS = (WETH, USDC, WBTC, DAI, HUGE, TINY)

ALICE = _address("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")  # approved everything, unlimited
BOB = _address("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")  # limited approvals
CAROL = _address("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")  # no approvals
WHALE = _address("0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f")  # devnet LP, approved unlimited
FRESH = _address("0x00000000000000000000000000000000000b0b0b")  # holds nothing
ZERO = bytes(20)
SENDERS = (ALICE, BOB, CAROL, WHALE)
RECIPIENTS = (ALICE, BOB, CAROL, WHALE, FRESH, AMM, ZERO)

CHAIN_ID = 901
BASE_FEE = 1_000_000
START_TIMESTAMP = 1_000
FAR = UINT256_MAX

# Pools created by the setup in states the chain cannot reach (token0 < token1).
ONE_SIDED = (DAI, HUGE)  # reserve0 > 0, reserve1 == 0
NO_SHARES = (WBTC, HUGE)  # reserves, no LP shares
NO_RESERVES = (USDC, HUGE)  # LP shares, no reserves


@dataclass
class Generator:
    state: State
    rng: random.Random
    number: int = 0
    columns: dict[str, list[Any]] = field(
        default_factory=lambda: {
            "labels": [],
            "preRoots": [],
            "postRoots": [],
            "success": [],
            "witnesses": [],
            "numbers": [],
            "timestamps": [],
            "senders": [],
            "values": [],
            "data": [],
            "operationGas": [],
            "payable": [],
        }
    )

    def env(self) -> BlockEnvironment:
        return BlockEnvironment(
            number=self.number,
            timestamp=START_TIMESTAMP + 12 * self.number,
            base_fee=BASE_FEE,
            chain_id=CHAIN_ID,
        )

    @property
    def next_timestamp(self) -> int:
        """The timestamp of the next vector's block (for deadlines)."""
        return START_TIMESTAMP + 12 * (self.number + 1)

    def call(self, label: str, sender: bytes, data: bytes, value: int = 0) -> bool:
        """Run one call as the next vector; return whether it succeeded."""
        self.number += 1
        vector = record_call(self.state, self.env(), sender, AMM, data, value, label)
        columns = self.columns
        columns["labels"].append(label)
        columns["preRoots"].append(encode_hex(vector.pre_root))
        columns["postRoots"].append(encode_hex(vector.post_root))
        columns["success"].append(vector.success)
        columns["witnesses"].append(encode_hex(vector.witness))
        columns["numbers"].append(encode_word(vector.environment.number))
        columns["timestamps"].append(encode_word(vector.environment.timestamp))
        columns["senders"].append(encode_word(int.from_bytes(sender, "big")))
        columns["values"].append(encode_word(value))
        columns["data"].append(encode_hex(data))
        columns["operationGas"].append(vector.operation_gas)
        try:
            payable = find_function("IAMM", data).payable
        except Revert:
            payable = False
        columns["payable"].append(payable)
        return vector.success

    # Reads of the current state (not vectors).
    def pool(self, token_a: bytes, token_b: bytes) -> Pool:
        token0, token1 = sorted((token_a, token_b))
        pool: Pool = self.state.get(pool_key(token0, token1))
        return pool

    def balance(self, token: bytes, owner: bytes) -> int:
        leaf: TokenBalance = self.state.get(balance_key(token, owner))
        return leaf.amount

    def shares(self, token_a: bytes, token_b: bytes, owner: bytes) -> int:
        token0, token1 = sorted((token_a, token_b))
        leaf: Liquidity = self.state.get(liquidity_key(token0, token1, owner))
        return leaf.amount


def build_state() -> State:
    """The devnet genesis plus the extra leaves the vectors need."""
    state = build_genesis(load_default_genesis_document()).state
    writes: dict[StateKey, tuple[int, ...]] = {}
    half = 2**255
    writes[token_key(HUGE)] = Token(
        registered=1, total_supply=UINT256_MAX, decimals=0, name=1, symbol=2
    )
    writes[balance_key(HUGE, ALICE)] = TokenBalance(half)
    writes[balance_key(HUGE, BOB)] = TokenBalance(half // 2)
    writes[balance_key(HUGE, WHALE)] = TokenBalance(half // 2 - 10**30)
    writes[balance_key(HUGE, AMM)] = TokenBalance(10**30 - 1)
    for token in TOKENS:
        writes[allowance_key(token, ALICE, AMM)] = Allowance(UINT256_MAX)
        writes[allowance_key(token, WHALE, AMM)] = Allowance(UINT256_MAX)
    writes[allowance_key(WETH, BOB, AMM)] = Allowance(5 * 10**18)
    writes[allowance_key(USDC, BOB, AMM)] = Allowance(20_000 * 10**6)
    writes[allowance_key(WBTC, BOB, AMM)] = Allowance(10**8)
    writes[allowance_key(DAI, BOB, AMM)] = Allowance(UINT256_MAX - 1)
    writes[allowance_key(HUGE, BOB, AMM)] = Allowance(2**200)
    writes[token_key(TINY)] = Token(registered=1, total_supply=3 * 10**12, name=3, symbol=4)
    for holder in (ALICE, BOB, WHALE):
        writes[balance_key(TINY, holder)] = TokenBalance(10**12)
    writes[pool_key(*ONE_SIDED)] = Pool(
        created=1, reserve0=10**18, reserve1=0, total_liquidity=10**9
    )
    writes[pool_key(*NO_SHARES)] = Pool(created=1, reserve0=10**8, reserve1=10**18)
    writes[pool_key(*NO_RESERVES)] = Pool(created=1, total_liquidity=5_000)
    state.apply_writes(writes)
    return state


def with_bad_address(data: bytes, index: int) -> bytes:
    """`data` with a non-zero high byte in argument word `index` (an invalid address)."""
    position = 4 + 32 * index
    return data[:position] + b"\x01" + data[position + 1 :]


def edge_cases(g: Generator) -> None:
    """The named cases: every revert path and boundary of every function."""
    # ---- createPool
    g.call("create: identical tokens", ALICE, encode_call(CREATE, WETH, WETH))
    g.call("create: tokenA not registered", ALICE, encode_call(CREATE, NOT_A_TOKEN, WETH))
    g.call("create: tokenB not registered", ALICE, encode_call(CREATE, WBTC, NOT_A_TOKEN))
    g.call("create: pool exists", CAROL, encode_call(CREATE, USDC, WETH))
    g.call("create: WBTC/WETH", CAROL, encode_call(CREATE, WBTC, WETH))
    g.call("create: WETH/WBTC exists now", CAROL, encode_call(CREATE, WETH, WBTC))
    g.call("create: DAI/WBTC", BOB, encode_call(CREATE, DAI, WBTC))
    g.call("create: WETH/HUGE", ALICE, encode_call(CREATE, HUGE, WETH))
    g.call("create: TINY/WETH", FRESH, encode_call(CREATE, TINY, WETH))
    g.call("create: short calldata", ALICE, encode_call(CREATE, WETH, WBTC)[:-1])
    g.call("create: invalid address", ALICE, with_bad_address(encode_call(CREATE, WETH, DAI), 1))
    g.call(
        "create: trailing bytes ignored (exists)", ALICE, encode_call(CREATE, WETH, DAI) + b"\x07"
    )

    # ---- addLiquidity: first deposits
    g.call(
        "add: first deposit too small (root 1000)",
        ALICE,
        encode_call(ADD, WETH, TINY, 1_000, 1_000, 0, 0, ALICE, FAR),
    )
    g.call(
        "add: first deposit too small (1000 x 1001)",
        ALICE,
        encode_call(ADD, TINY, WETH, 1_000, 1_001_999 // 1_000, 0, 0, ALICE, FAR),
    )
    g.call(
        "add: first deposit of zero",
        ALICE,
        encode_call(ADD, WETH, TINY, 0, 10**8, 0, 0, ALICE, FAR),
    )
    g.call(
        "add: first deposit product overflows",
        ALICE,
        encode_call(ADD, HUGE, WETH, 2**200, 10**18, 0, 0, ALICE, FAR),
    )
    g.call(
        "add: first deposit root 1001",
        CAROL,  # no allowance: reverts after the minimum-liquidity write
        encode_call(ADD, WETH, TINY, 1_001, 1_001, 0, 0, CAROL, FAR),
    )
    g.call(
        "add: first deposit, deadline == timestamp",
        ALICE,
        encode_call(ADD, WBTC, WETH, 2 * 10**8, 30 * 10**18, 0, 0, BOB, g.next_timestamp),
    )
    g.call(
        "add: first deposit WETH/HUGE",
        ALICE,
        encode_call(ADD, WETH, HUGE, 10**18, 10**30, 10**18, 10**30, ALICE, FAR),
    )
    g.call(
        "add: first deposit DAI/WBTC minimum + 1 to the zero address",
        WHALE,
        encode_call(ADD, DAI, WBTC, 1_001, 1_001, 0, 0, ZERO, FAR),
    )
    # ---- addLiquidity: later deposits
    g.call(
        "add: expired", ALICE, encode_call(ADD, WETH, USDC, 1, 1, 0, 0, ALICE, g.next_timestamp - 1)
    )
    g.call(
        "add: pool does not exist",
        ALICE,
        encode_call(ADD, HUGE, NOT_A_TOKEN, 10, 10, 0, 0, ALICE, FAR),
    )
    g.call("add: identical tokens", ALICE, encode_call(ADD, USDC, USDC, 10, 10, 0, 0, ALICE, FAR))
    g.call(
        "add: optimal B (WETH/USDC)",
        ALICE,
        encode_call(ADD, WETH, USDC, 10**18, 10_000 * 10**6, 0, 0, ALICE, FAR),
    )
    pool = g.pool(WETH, USDC)
    b_optimal = 10**18 * pool.reserve1 // pool.reserve0
    g.call(
        "add: optimal B == min B",
        ALICE,
        encode_call(ADD, WETH, USDC, 10**18, 10_000 * 10**6, 0, b_optimal, CAROL, FAR),
    )
    pool = g.pool(WETH, USDC)
    b_optimal = 10**18 * pool.reserve1 // pool.reserve0
    g.call(
        "add: optimal B < min B",
        ALICE,
        encode_call(ADD, WETH, USDC, 10**18, 10_000 * 10**6, 0, b_optimal + 1, CAROL, FAR),
    )
    g.call(
        "add: optimal A, reversed order",
        ALICE,
        encode_call(ADD, USDC, WETH, 3_000 * 10**6, 5 * 10**18, 0, 0, ALICE, FAR),
    )
    g.call(
        "add: optimal A below min A",
        ALICE,
        encode_call(ADD, WETH, USDC, 5 * 10**18, 3_000 * 10**6, 2 * 10**18, 0, ALICE, FAR),
    )
    g.call(
        "add: zero desired amount",
        ALICE,
        encode_call(ADD, WETH, USDC, 0, 3_000 * 10**6, 0, 0, ALICE, FAR),
    )
    g.call(
        "add: nothing minted (dust)",
        ALICE,
        encode_call(ADD, WETH, USDC, 1, 1, 0, 0, ALICE, FAR),
    )
    g.call(
        "add: limited allowance, enough",
        BOB,
        encode_call(ADD, WETH, USDC, 2 * 10**18, 20_000 * 10**6, 0, 0, BOB, FAR),
    )
    g.call(
        "add: limited allowance, short",
        BOB,
        encode_call(ADD, WETH, USDC, 4 * 10**18, 20_000 * 10**6, 0, 0, BOB, FAR),
    )
    g.call(
        "add: no allowance",
        CAROL,
        encode_call(ADD, WETH, DAI, 10**18, 10_000 * 10**18, 0, 0, CAROL, FAR),
    )
    g.call(
        "add: balance short",
        ALICE,
        encode_call(ADD, WETH, DAI, 10**22, 10**30, 0, 0, ALICE, FAR),
    )
    g.call(
        "add: one-sided reserves",
        ALICE,
        encode_call(ADD, HUGE, DAI, 10**18, 10**18, 0, 0, ALICE, FAR),
    )
    g.call(
        "add: reserves without shares",
        ALICE,
        encode_call(ADD, WBTC, HUGE, 10**8, 10**18, 0, 0, ALICE, FAR),
    )
    g.call(
        "add: shares without reserves (division by zero)",
        ALICE,
        encode_call(ADD, USDC, HUGE, 10**6, 10**18, 0, 0, ALICE, FAR),
    )
    g.call(
        "add: quote overflows",
        ALICE,
        encode_call(ADD, HUGE, WETH, 2**250, 10**18, 0, 0, ALICE, FAR),
    )
    g.call(
        "add: reserve overflow (HUGE)",
        BOB,
        encode_call(ADD, WETH, HUGE, 10**40, 2**254, 0, 0, BOB, FAR),
    )
    g.call(
        "add: short calldata",
        ALICE,
        encode_call(ADD, WETH, USDC, 1, 1, 0, 0, ALICE, FAR)[:-32],
    )
    g.call(
        "add: invalid recipient address",
        ALICE,
        with_bad_address(encode_call(ADD, WETH, USDC, 10**18, 10**10, 0, 0, ALICE, FAR), 6),
    )
    g.call(
        "add: to the AMM itself",
        WHALE,
        encode_call(ADD, USDC, DAI, 10**6, 10**18, 0, 0, AMM, FAR),
    )

    # ---- removeLiquidity
    whale_shares = g.shares(WETH, USDC, WHALE)
    g.call(
        "remove: expired",
        WHALE,
        encode_call(REMOVE, WETH, USDC, 1, 0, 0, WHALE, g.next_timestamp - 1),
    )
    g.call("remove: zero", WHALE, encode_call(REMOVE, WETH, USDC, 0, 0, 0, WHALE, FAR))
    g.call(
        "remove: more than owned",
        WHALE,
        encode_call(REMOVE, WETH, USDC, whale_shares + 1, 0, 0, WHALE, FAR),
    )
    g.call("remove: no shares", FRESH, encode_call(REMOVE, WETH, USDC, 1, 0, 0, FRESH, FAR))
    g.call("remove: rounds to zero", WHALE, encode_call(REMOVE, WETH, USDC, 1, 0, 0, WHALE, FAR))
    g.call(
        "remove: pool does not exist",
        WHALE,
        encode_call(REMOVE, HUGE, NOT_A_TOKEN, 1, 0, 0, WHALE, FAR),
    )
    g.call("remove: identical", WHALE, encode_call(REMOVE, DAI, DAI, 1, 0, 0, WHALE, FAR))
    pool = g.pool(WETH, USDC)
    part = whale_shares // 10
    amount0 = part * pool.reserve0 // pool.total_liquidity
    amount1 = part * pool.reserve1 // pool.total_liquidity
    g.call(
        "remove: min A not met (reversed order)",
        WHALE,
        encode_call(REMOVE, USDC, WETH, part, amount1 + 1, 0, WHALE, FAR),
    )
    g.call(
        "remove: min B not met",
        WHALE,
        encode_call(REMOVE, WETH, USDC, part, amount0, amount1 + 1, WHALE, FAR),
    )
    g.call(
        "remove: exact minimums, to BOB",
        WHALE,
        encode_call(REMOVE, WETH, USDC, part, amount0, amount1, BOB, FAR),
    )
    g.call(
        "remove: all of BOB's WBTC/WETH shares, to the zero address",
        BOB,
        encode_call(REMOVE, WBTC, WETH, g.shares(WBTC, WETH, BOB), 0, 0, ZERO, FAR),
    )
    g.call(
        "remove: locked minimum cannot be burned by others",
        ALICE,
        encode_call(REMOVE, WBTC, WETH, 1_000, 0, 0, ALICE, FAR),
    )
    g.call(
        "remove: all shares of a pool with one whole deposit",
        ALICE,
        encode_call(REMOVE, WETH, HUGE, g.shares(WETH, HUGE, ALICE), 0, 0, ALICE, FAR),
    )
    g.call(
        "remove: shares without reserves",
        ALICE,
        encode_call(REMOVE, USDC, HUGE, 1, 0, 0, ALICE, FAR),
    )
    g.call(
        "remove: short calldata",
        WHALE,
        encode_call(REMOVE, WETH, USDC, 1, 0, 0, WHALE, FAR)[:100],
    )
    g.call(
        "remove: invalid token address",
        WHALE,
        with_bad_address(encode_call(REMOVE, WETH, USDC, 10**9, 0, 0, WHALE, FAR), 0),
    )

    # ---- swapExactIn
    quoted = (
        10**18
        * 997
        * g.pool(WETH, USDC).reserve1
        // (g.pool(WETH, USDC).reserve0 * 1000 + 10**18 * 997)
    )
    g.call(
        "swap: min out + 1",
        ALICE,
        encode_call(SWAP, WETH, USDC, 10**18, quoted + 1, ALICE, FAR),
    )
    g.call(
        "swap: min out exact, deadline == timestamp",
        ALICE,
        encode_call(SWAP, WETH, USDC, 10**18, quoted, ALICE, g.next_timestamp),
    )
    g.call(
        "swap: expired",
        ALICE,
        encode_call(SWAP, WETH, USDC, 10**18, 0, ALICE, g.next_timestamp - 1),
    )
    g.call("swap: to the zero address", ALICE, encode_call(SWAP, WETH, USDC, 10**18, 0, ZERO, FAR))
    g.call("swap: zero amount", ALICE, encode_call(SWAP, USDC, WETH, 0, 0, ALICE, FAR))
    g.call("swap: output rounds to zero", ALICE, encode_call(SWAP, WETH, USDC, 1, 0, ALICE, FAR))
    g.call("swap: smallest USDC in", ALICE, encode_call(SWAP, USDC, WETH, 1, 0, ALICE, FAR))
    g.call(
        "swap: token1 -> token0", BOB, encode_call(SWAP, USDC, WETH, 3_000 * 10**6, 0, CAROL, FAR)
    )
    g.call(
        "swap: limited allowance short",
        BOB,
        encode_call(SWAP, WETH, USDC, 10**19, 0, BOB, FAR),
    )
    g.call(
        "swap: allowance one below unlimited",
        BOB,
        encode_call(SWAP, DAI, USDC, 100 * 10**18, 0, BOB, FAR),
    )
    g.call("swap: no allowance", CAROL, encode_call(SWAP, WETH, DAI, 10**18, 0, CAROL, FAR))
    g.call("swap: identical tokens", ALICE, encode_call(SWAP, WETH, WETH, 10**18, 0, ALICE, FAR))
    g.call("swap: no pool", ALICE, encode_call(SWAP, HUGE, NOT_A_TOKEN, 10**18, 0, ALICE, FAR))
    g.call("swap: one-sided pool", ALICE, encode_call(SWAP, DAI, HUGE, 10**18, 0, ALICE, FAR))
    g.call(
        "swap: pool back at the locked minimum (WETH/HUGE)",
        ALICE,
        encode_call(SWAP, WETH, HUGE, 10**18, 0, ALICE, FAR),
    )
    g.call(
        "swap: created pool without liquidity",
        ALICE,
        encode_call(SWAP, TINY, WETH, 9, 0, ALICE, FAR),
    )
    g.call("swap: pool of 1001 shares", ALICE, encode_call(SWAP, WBTC, DAI, 10**8, 0, ALICE, FAR))
    g.call(
        "swap: balance short",
        ALICE,
        encode_call(SWAP, WBTC, USDC, 10**12, 0, ALICE, FAR),
    )
    g.call(
        "swap: amount * 997 overflows",
        ALICE,
        encode_call(SWAP, HUGE, WBTC, 2**250, 0, ALICE, FAR),
    )
    g.call(
        "swap: numerator overflows",
        ALICE,
        encode_call(SWAP, HUGE, WBTC, 2**240, 0, ALICE, FAR),
    )
    g.call(
        "swap: HUGE into a pool with reserves and no shares",
        ALICE,
        encode_call(SWAP, HUGE, WBTC, 10**18, 0, ALICE, FAR),
    )
    g.call("swap: to the AMM itself", ALICE, encode_call(SWAP, WETH, DAI, 10**17, 0, AMM, FAR))
    g.call("swap: to the sender", WHALE, encode_call(SWAP, DAI, WETH, 10**20, 0, WHALE, FAR))
    g.call(
        "swap: fresh recipient",
        WHALE,
        encode_call(SWAP, WBTC, USDC, 10**6, 0, FRESH, FAR),
    )
    g.call("swap: short calldata", ALICE, encode_call(SWAP, WETH, USDC, 1, 0, ALICE, FAR)[:-1])
    g.call(
        "swap: invalid recipient",
        ALICE,
        with_bad_address(encode_call(SWAP, WETH, USDC, 10**18, 0, ALICE, FAR), 4),
    )
    g.call("swap: from the AMM", AMM, encode_call(SWAP, WETH, USDC, 10**18, 0, ALICE, FAR))

    # ---- views (no state change; success must still match)
    g.call("getReserves", CAROL, encode_call(RESERVES, USDC, WETH))
    g.call("getReserves: no pool", CAROL, encode_call(RESERVES, HUGE, NOT_A_TOKEN))
    g.call("getReserves: identical", CAROL, encode_call(RESERVES, USDC, USDC))
    g.call("getReserves: short", CAROL, encode_call(RESERVES, USDC, WETH)[:40])
    g.call("liquidityOf", CAROL, encode_call(LIQUIDITY_OF, USDC, WETH, WHALE))
    g.call("liquidityOf: identical", CAROL, encode_call(LIQUIDITY_OF, WETH, WETH, WHALE))
    g.call(
        "liquidityOf: invalid owner",
        CAROL,
        with_bad_address(encode_call(LIQUIDITY_OF, USDC, WETH, WHALE), 2),
    )
    g.call("getAmountOut", CAROL, encode_call(AMOUNT_OUT, USDC, WETH, 10**9))
    g.call("getAmountOut: zero", CAROL, encode_call(AMOUNT_OUT, USDC, WETH, 0))
    g.call("getAmountOut: no pool", CAROL, encode_call(AMOUNT_OUT, HUGE, NOT_A_TOKEN, 1))
    g.call("getAmountOut: empty pool", CAROL, encode_call(AMOUNT_OUT, WETH, TINY, 10**8))
    g.call("getAmountOut: 1001-share pool", CAROL, encode_call(AMOUNT_OUT, DAI, WBTC, 10**8))
    g.call("getAmountOut: overflow", CAROL, encode_call(AMOUNT_OUT, WETH, USDC, 2**250))

    # ---- dispatch and value
    g.call("unknown selector", ALICE, bytes.fromhex("deadbeef") + bytes(64))
    g.call("no selector", ALICE, b"")
    g.call("three bytes", ALICE, bytes.fromhex("abcdef"))
    g.call("ERC-20 selector on the AMM", ALICE, encode_call("transfer(address,uint256)", BOB, 1))
    g.call("value to a non-payable function", ALICE, encode_call(CREATE, WETH, WBTC), value=1)
    g.call("value with an unknown selector", ALICE, bytes.fromhex("deadbeef"), value=10**18)
    g.call("value beyond the balance", FRESH, encode_call(RESERVES, USDC, WETH), value=1)


def random_calls(g: Generator, count: int) -> None:
    """Seeded random calls around the current reserves and holdings."""
    rng = g.rng
    pairs = [(a, b) for i, a in enumerate(TOKENS) for b in TOKENS[i + 1 :]]

    def amount(scale: int) -> int:
        choice = rng.random()
        if choice < 0.04:
            return 0
        if choice < 0.08:
            return rng.randrange(1, 1_000)
        if choice < 0.1:
            return 1 << rng.randrange(200, 256)
        return max(1, int(scale * rng.uniform(0.0001, 0.05)))

    def deadline() -> int:
        next_timestamp = g.next_timestamp
        return rng.choices(
            (FAR, next_timestamp, next_timestamp - 1, next_timestamp + 3_600), (12, 3, 2, 3)
        )[0]

    for index in range(count):
        token_a, token_b = rng.choice(pairs)
        if rng.random() < 0.5:
            token_a, token_b = token_b, token_a
        sender = rng.choices(SENDERS, (4, 2, 1, 3))[0]
        recipient = rng.choices(RECIPIENTS, (3, 3, 2, 2, 2, 1, 1))[0]
        pool = g.pool(token_a, token_b)
        reserve_a = pool.reserve0 if token_a < token_b else pool.reserve1
        reserve_b = pool.reserve1 if token_a < token_b else pool.reserve0
        scale_a = max(min(reserve_a, g.balance(token_a, sender)), 10**3)
        scale_b = max(min(reserve_b, g.balance(token_b, sender)), 10**3)
        kind = rng.choices(("swap", "add", "remove", "create", "view"), (6, 3, 3, 1, 1))[0]
        label = f"random {index}: {kind}"
        if kind == "swap":
            amount_in = amount(scale_a)
            minimum = 0
            if rng.random() < 0.3 and reserve_a and reserve_b and amount_in < 2**200:
                quoted = amount_in * 997 * reserve_b // (reserve_a * 1000 + amount_in * 997)
                minimum = quoted + rng.choice((-1, 0, 0, 1))
            data = encode_call(
                SWAP, token_a, token_b, amount_in, max(minimum, 0), recipient, deadline()
            )
        elif kind == "add":
            minimum_a = amount(scale_a) // 2 if rng.random() < 0.2 else 0
            minimum_b = amount(scale_b) // 2 if rng.random() < 0.2 else 0
            data = encode_call(
                ADD,
                token_a,
                token_b,
                amount(scale_a),
                amount(scale_b),
                minimum_a,
                minimum_b,
                recipient,
                deadline(),
            )
        elif kind == "remove":
            if g.shares(token_a, token_b, sender) == 0 and rng.random() < 0.8:
                sender = WHALE
                token_a, token_b = rng.choice(((WETH, USDC), (DAI, USDC), (WBTC, USDC)))
            owned = g.shares(token_a, token_b, sender)
            shares = rng.choices(
                (owned, owned // 2, owned // 50, owned + 1, 1, rng.randrange(0, 10**20)),
                (1, 2, 6, 1, 1, 1),
            )[0]
            data = encode_call(REMOVE, token_a, token_b, shares, 0, 0, recipient, deadline())
        elif kind == "create":
            data = encode_call(CREATE, token_a, token_b)
        else:
            data = rng.choice(
                (
                    encode_call(RESERVES, token_a, token_b),
                    encode_call(LIQUIDITY_OF, token_a, token_b, sender),
                    encode_call(AMOUNT_OUT, token_a, token_b, amount(scale_a)),
                )
            )
        g.call(label, sender, data)


def build_vectors() -> dict[str, Any]:
    """Every vector, from a fresh state (deterministic)."""
    g = Generator(state=build_state(), rng=random.Random(SEED))
    edge_cases(g)
    random_calls(g, RANDOM_CALLS)
    columns = g.columns
    return {
        "count": len(columns["labels"]),
        "amm": "0x" + AMM.hex(),
        "baseFee": BASE_FEE,
        "chainId": CHAIN_ID,
        **columns,
    }


def render(vectors: dict[str, Any]) -> str:
    return json.dumps(vectors, indent=0, separators=(",", ":")) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    arguments = parser.parse_args()
    text = render(build_vectors())
    return write_or_check(VECTORS_PATH, text, "gen_stf_vectors_amm", arguments.check)


if __name__ == "__main__":
    raise SystemExit(main())
