"""Differential test: the Python step machine against the Solidity OneStepProver, on anvil, and
both against derivation.

hypothesis draws random L2 chains over the lending genesis (tests/unit/helpers.lending_document):
blocks with random time gaps (0 s to days) and L1 origin steps, transactions of every kind the
system contracts offer (ETH transfers, ERC-20, WETH, AMM, lending with oracle moves and stale
prices, leverage, oracle updates, bridge withdrawals, views and malformed calls) in valid and
failing variants, transactions that break an inclusion rule or do not recover, and L1 messages
(ETH and ERC-20 deposits, forced transactions, some malformed) queued on the real Bridge.

Each example executes its blocks with rollup.block.execute_block as a sequencer would and posts
them to the real BatchInbox as it goes, with L1 time following L2 time, and with stale, future,
garbage and wrong-parent batches between. Some examples break one derivation rule
(docs/SETTLEMENT.md §5) on purpose: a block far ahead of L1 time, a batch carried long after its
blocks, an origin after the L1 block carrying the batch, a corrupted or truncated batch tail, a
batch on another parent, a sequencer window that lapses before a batch or by the L1 clock. The
expected chain is rollup.derivation's over what anvil recorded (read back as a dispute player
does); up to the first broken rule it must be exactly the sequencer's chain. The step machine
replays it from genesis, its block ends must be the derived headers, and the deployed
OneStepProver must re-execute every step (eth_call) to the same post-state hash. The gas of
proveStep per step kind is collected and printed at the end (-s shows it; $PROVER_DIFF_REPORT
also receives it).
"""

from __future__ import annotations

import itertools
import os
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from eth_abi.abi import decode as abi_decode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from l1.inputs import L1InputReader
from l1.rpc import L1RpcError
from rollup import fastlz
from rollup.abi import compute_selector, encode_call
from rollup.addresses import AMM, FEE_VAULT, L2_BRIDGE, LENDING, LEVERAGE, ORACLE, PERPS, WETH
from rollup.batch import (
    BATCH_VERSION,
    MAX_BATCH_BLOCKS,
    MAX_BATCH_BYTES,
    MAX_BATCH_TRANSACTIONS,
    Batch,
    BatchBlock,
    InvalidBatch,
    decompress_batch,
    encode_batch,
    encode_payload,
    read_payload_header,
    read_transaction,
)
from rollup.block import BlockExecution, Header, SignedTransaction, execute_block
from rollup.crypto import SECP256K1_HALF_N, SECP256K1_N, keccak256
from rollup.deposit import (
    QueuedMessage,
    compute_bridged_token_address,
)
from rollup.derivation import Deriver, L1BlockData
from rollup.execution import compute_operation_gas
from rollup.gas import compute_intrinsic_gas
from rollup.genesis import build_genesis
from rollup.machine import Machine, make_genesis_step_state
from rollup.state import Overlay, pool_key
from rollup.stepstate import PHASE_BLOCK_START, PHASE_MESSAGES, PHASE_TXS, StepState
from rollup.transaction import (
    TX_TYPE_ACCESS_LIST,
    TX_TYPE_DYNAMIC_FEE,
    TX_TYPE_LEGACY,
    InvalidTransaction,
    Transaction,
    decode_and_recover,
    encode_transaction,
    sign_transaction,
)
from tests.e2e.prover_harness import (
    NONCANONICAL,
    ProverRig,
    encode_noncanonical,
    encode_varint,
    header_is_skipped,
)
from tests.unit.helpers import (
    ADDRESSES,
    ANVIL_KEYS,
    LENDING_DAI,
    LENDING_USDC,
    UINT256_MAX,
    Chain,
    hex_address,
    lending_document,
)
from tests.unit.perps_spec import PERPS_MARKET, spec_requirements

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = int(os.environ.get("PROVER_DIFF_EXAMPLES", "150"))
GAS_EXAMPLES = int(os.environ.get("PROVER_DIFF_GAS_EXAMPLES", "20"))
"""eth_estimateGas every step of the first GAS_EXAMPLES examples (it costs more than the proof
itself), then only steps of kinds with fewer than GAS_MIN_SAMPLES estimates."""
GAS_MIN_SAMPLES = 10
WAD = 10**18
FAR_DEADLINE = 2**40
DEFAULT_GAS = 1_000_000
NOT_A_TOKEN = bytes.fromhex("00000000000000000000000000000000000000aa")
FRESH = bytes.fromhex("1234567890abcdef1234567890abcdef12345678")
SENDER_KEYS = (0, 1, 2, 3, 4, 5, 8, 9)
"""Keys that send L2 transactions: 0-3 hold ETH, WETH, USDC and DAI, 3 supplies both markets,
8 provides the pool, 9 is the oracle; 4 and 5 start empty (deposits fund them)."""
FUNDED_KEYS = (0, 1, 2, 3)
L1_DEPOSITORS = (3, 4, 5, 6)
ERC20_DEPOSITORS = (5, 6)


PERCENT = range(100)
BLOCK_GAS_LIMIT = 2_500_000
SEQUENCER_WINDOW = 40
"""L1 blocks: small, so that an example lapses it by mining that many, and larger than the dozen L1
blocks the messages of a few L2 blocks take, so that it lapses only when an example means it to."""
ORIGIN_CATCH_UP = 8
"""A block's origin is at most this many L1 blocks behind the head (a sequencer keeps it fresh)."""
POST_BEFORE_SPAN = 3_000
"""Seconds of L2 time one batch spans at most when no rule is broken (maxLag is 3,600)."""
RULE_RATE = 0.12
"""The chance, at each block and each batch, that an example breaks its (first) rule there."""
BLOCK_RULES = ("ahead", "future origin")
BATCH_RULES = ("lag", "lapse", "corrupt tail", "truncated", "bad parent")
FAULT_RATE = 0.25
PRICE_MAX_AGE = 3_600  # lending_document's priceMaxAge
OPERATIONS = (
    ["eth"] * 3
    + ["token_transfer", "token_approve", "token_transfer_from", "weth_deposit", "weth_withdraw"]
    + ["pool_create", "liquidity_add", "liquidity_remove", "swap", "swap", "swap"]
    + ["lending_supply"] * 3
    + ["lending_withdraw", "lending_borrow", "lending_borrow", "lending_borrow", "lending_repay"]
    + ["lending_liquidate"] * 3
    + ["leverage_open"] * 3
    + ["leverage_close"] * 2
    + ["oracle_set_price"] * 3
    + ["perps_deposit", "perps_withdraw", "perps_modify", "perps_modify", "perps_modify"]
    + ["perps_close", "perps_liquidate", "perps_liquidate", "perps_view"]
    + ["bridge_withdraw_eth", "bridge_withdraw_token"]
    + ["view", "bad_calldata", "value_to_nonpayable", "round_trip"]
)
PERPS_POSITION = "getPosition(address,address)"
PERPS_POSITION_TYPES = (
    "int256", "uint256", "uint256", "int256", "int256", "uint256", "uint256", "uint256",
)  # fmt: skip
Call = tuple[str, bytes, bytes, int, int | None]
"""(label, to, calldata, value, signer key index or None for the acting user)."""


def make_document() -> dict[str, Any]:
    """The lending genesis with a block gas limit low enough that blocks move the base fee (and
    can fill up), and a base fee above the floor so that it can fall too; plus the WETH perps
    market of tests/unit/perps_spec.py, margined in the lending genesis's USDC."""
    document = lending_document(
        gasLimit=BLOCK_GAS_LIMIT, baseFee=5 * 10**6, sequencerWindow=SEQUENCER_WINDOW
    )
    document["perpsMarkets"] = [{"asset": hex_address(WETH), **PERPS_MARKET}]
    return document


# -- report -----------------------------------------------------------------------------------


@dataclass
class Report:
    gas: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    outcomes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    examples: int = 0
    steps: int = 0
    chains: set[bytes] = field(default_factory=set)
    messages: Counter[str] = field(default_factory=Counter)
    batches: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    """Examples by the derivation rule they broke first."""
    started: float = field(default_factory=time.monotonic)

    def count(self, label: str, outcome: str) -> None:
        """Outcomes by operation (healthy or faulty), or by envelope variant when the envelope
        was not a plain valid one."""
        forced = "forced " if label.startswith("forced ") else ""
        if " [" in label:
            label = f"{forced}envelope {label.split(' [')[1].rstrip(']')}"
        self.outcomes[label][outcome] += 1

    def lines(self) -> list[str]:
        elapsed = time.monotonic() - self.started
        lines = [
            f"prover differential: {self.examples} examples ({len(self.chains)} distinct chains), "
            f"{self.steps} steps proven ({elapsed:.1f} s)",
            f"{'step kind':<34}{'n':>6}{'median gas':>12}{'p90 gas':>11}{'max gas':>11}",
        ]
        for kind in sorted(self.gas, key=lambda k: -max(self.gas[k])):
            values = sorted(self.gas[kind])
            p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
            lines.append(
                f"{kind:<34}{len(values):>6}{int(statistics.median(values)):>12}{p90:>11}"
                f"{values[-1]:>11}"
            )
        lines.append(
            "L1 messages applied: "
            + ", ".join(f"{k} {n}" for k, n in sorted(self.messages.items()))
        )
        lines.append(
            "batches posted: " + ", ".join(f"{k} {n}" for k, n in sorted(self.batches.items()))
        )
        lines.append(
            "rules broken (examples): "
            + ", ".join(f"{k} {n}" for k, n in sorted(self.rules.items()))
        )
        lines.append(f"{'transaction outcomes':<34}{'ok':>6}{'reverted':>10}{'skipped':>9}")
        for label in sorted(self.outcomes):
            counts = self.outcomes[label]
            lines.append(
                f"  {label:<32}{counts['ok']:>6}{counts['reverted']:>10}{counts['skipped']:>9}"
            )
        return lines


REPORT = Report()


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rig() -> Iterator[ProverRig]:
    config = build_genesis(make_document()).config
    started = ProverRig.start(
        config, erc20_depositors=tuple(ADDRESSES[i] for i in ERC20_DEPOSITORS)
    )
    yield started
    started.stop()
    lines = REPORT.lines()
    print("\n" + "\n".join(lines))
    path = os.environ.get("PROVER_DIFF_REPORT")
    if path:
        with open(path, "a") as out:
            out.write("\n".join(lines) + "\n")


# -- the random chain ---------------------------------------------------------------------------


@dataclass
class Labelled:
    """A transaction of a batch or a forced message with what it was meant to do."""

    label: str
    signed: SignedTransaction | None
    """What execute_block runs (None: its signature does not recover)."""
    tx: Transaction
    raw: bytes


class World:
    """Draws and executes a random chain; L1 messages go to the real Bridge on anvil."""

    def __init__(self, draw: Callable[[Any], Any], rig: ProverRig, genesis_origin: int) -> None:
        self.draw = draw
        self.rig = rig
        document = make_document()
        document["l1OriginNumber"] = genesis_origin
        document["timestamp"] = rig.l1_timestamp()  # L2 time starts with L1's
        self.document = document
        self.chain = Chain(document)
        self.config = self.chain.config
        self.genesis_header: Header = self.chain.head
        self.reader = rig.input_reader()
        self.tokens = (WETH, LENDING_USDC, LENDING_DAI)
        self.bridged = compute_bridged_token_address(rig.deployment.test_token)
        self.nonces: dict[bytes, int] = {}
        self.blocks: list[BlockExecution] = []
        self.batch_blocks: list[BatchBlock] = []
        self.batch_labels: list[list[str]] = []
        self.message_labels: list[str] = []
        self.consumed = 0
        self.origin = genesis_origin
        self.labels_by_hash: dict[bytes, str] = {}
        self.faulty = False
        self.warmed_up = False
        self.batch_kinds: list[str] = []
        self.padded: dict[bytes, str] = {}
        """The real batches given kilobytes of trailing bytes, with a description for the gas
        report."""
        self.messages: list[Labelled | None] = []
        self.pending_first = 1
        """The first block not posted yet."""
        self.posted: list[bytes] = []
        self.broken: tuple[str, int] | None = None
        """The first rule broken (if any) and the first block it may change."""

    # -- helpers ---------------------------------------------------------------------------------

    def pick(self, options: Sequence[Any]) -> Any:
        return self.draw(st.sampled_from(list(options)))

    def integer(self, low: int, high: int) -> int:
        return int(self.draw(st.integers(low, high)))

    def binary(self, min_size: int = 0, max_size: int = 64) -> bytes:
        return bytes(self.draw(st.binary(min_size=min_size, max_size=max_size)))

    def chance(self, p: float) -> bool:
        # sampled_from draws close to uniformly; integers() favours its bounds.
        return bool(self.draw(st.sampled_from(PERCENT)) < round(p * 100))

    def key(self, index: int) -> bytes:
        return ANVIL_KEYS[index]

    def nonce(self, address: bytes) -> int:
        if address not in self.nonces:
            self.nonces[address] = self.chain.nonce(address)
        return self.nonces[address]

    def all_tokens(self) -> list[bytes]:
        return [*self.tokens, self.bridged]

    def other(self, me: bytes) -> bytes:
        return bytes(
            self.pick([a for a in (ADDRESSES[i] for i in SENDER_KEYS) if a != me] + [FRESH])
        )

    def balance(self, token: bytes, owner: bytes) -> int:
        return self.chain.balance(token, owner)

    def view(
        self, to: bytes, signature: str, *args: Any, types: tuple[str, ...]
    ) -> tuple[Any, ...] | None:
        result = self.chain.call_raw(to, encode_call(signature, *args))
        if not result.success or len(result.output) < 32 * len(types):
            return None  # a revert, or an address that is not a system contract (yet)
        return tuple(abi_decode(list(types), result.output))

    # -- transactions ----------------------------------------------------------------------------

    def sign(
        self,
        key: bytes,
        to: bytes | None,
        data: bytes,
        value: int,
        label: str,
        *,
        forced: bool = False,
    ) -> Labelled:
        """Sign a call in a random envelope (type, fees, gas), usually a valid one; some
        envelopes break an inclusion rule or the signature on purpose."""
        sender = ADDRESSES[ANVIL_KEYS.index(key)]
        base_fee = self.base_fee()
        tx_type = self.pick([TX_TYPE_DYNAMIC_FEE] * 4 + [TX_TYPE_LEGACY, TX_TYPE_ACCESS_LIST])
        max_fee = self.pick([10**9, 10**9, base_fee, 2 * base_fee + 7])
        tip = self.pick([0, 0, 1, 10**6, max_fee])
        gas_limit = DEFAULT_GAS
        access_list: tuple[tuple[bytes, tuple[bytes, ...]], ...] = ()
        if tx_type == TX_TYPE_ACCESS_LIST or (tx_type == TX_TYPE_DYNAMIC_FEE and self.chance(0.1)):
            access_list = tuple(
                (
                    self.pick([to or FRESH, sender, LENDING]),
                    tuple(bytes([i]) * 32 for i in range(n)),
                )
                for n in self.draw(st.lists(st.integers(0, 2), max_size=2))
            )
        chain_id = self.config.chain_id
        nonce = self.nonce(sender)
        variants = ["ok"] * 60 + [
            "nonce_high",
            "nonce_low",
            "fee_below_base",
            "tip_above_max",
            "gas_below_intrinsic",
            "gas_exact",
            "out_of_gas",
            "gas_whole_block",
            "gas_above_block",
            "no_funds",
            "exact_funds",
            "bad_signature",
        ]
        if forced:
            variants += ["wrong_chain", "create", "garbage", "truncated", "high_s"]
            variants += ["noncanonical"] * 3
        variant = self.pick(variants)
        intrinsic = compute_intrinsic_gas(data, access_list if tx_type != TX_TYPE_LEGACY else ())
        operation_gas = compute_operation_gas(Overlay(self.chain.state), to or FRESH, data)
        if variant == "nonce_high":
            nonce += self.integer(1, 3)
        elif variant == "nonce_low":
            nonce = max(0, nonce - 1) if nonce else nonce + 5
        elif variant == "fee_below_base":
            max_fee, tip = base_fee - 1, 0
        elif variant == "tip_above_max":
            tip = max_fee + 1
        elif variant == "gas_below_intrinsic":
            gas_limit = intrinsic - self.integer(1, 100)
        elif variant == "gas_exact":  # just enough for the operation
            gas_limit = intrinsic + operation_gas
        elif variant == "out_of_gas":  # included, but the call runs out of gas
            gas_limit = intrinsic + max(0, operation_gas - self.integer(1, 3_000))
        elif variant == "gas_whole_block":  # valid as the block's first transaction only
            gas_limit = self.config.block_gas_limit
        elif variant == "gas_above_block":
            gas_limit = self.config.block_gas_limit + 1
        elif variant == "no_funds":
            value = self.chain.eth(sender) + self.integer(0, 10**18)
        elif variant == "exact_funds":  # gas_limit * max fee + value is the whole balance
            value = max(0, self.chain.eth(sender) - gas_limit * max_fee)
        elif variant == "wrong_chain":
            chain_id = self.pick([1, chain_id + 1, 0])
        elif variant == "create":
            to = None
        if tx_type != TX_TYPE_DYNAMIC_FEE:
            tip = max_fee  # one gas price
        tx = Transaction(
            tx_type=tx_type,
            chain_id=chain_id,
            nonce=nonce,
            max_priority_fee_per_gas=tip,
            max_fee_per_gas=max_fee,
            gas_limit=gas_limit,
            to=to,
            value=value,
            data=data,
            access_list=access_list if tx_type != TX_TYPE_LEGACY else (),
        )
        if variant == "tip_above_max" and tx_type != TX_TYPE_DYNAMIC_FEE:
            variant = "ok"
        signed_tx = sign_transaction(tx, key)
        if variant in ("ok", "gas_exact", "out_of_gas", "gas_whole_block", "exact_funds"):
            self.nonces[sender] = nonce + 1
        full_label = label if variant == "ok" else f"{label} [{variant}]"
        if variant == "bad_signature":
            signed_tx = self.corrupt_signature(signed_tx)
        elif variant == "high_s":
            signed_tx = replace(
                signed_tx, s=SECP256K1_N - signed_tx.s, y_parity=1 - signed_tx.y_parity
            )
        raw = encode_transaction(signed_tx)
        if variant == "garbage":
            raw = self.binary(min_size=1, max_size=80)
        elif variant == "truncated":
            raw = raw[: self.integer(1, len(raw) - 1)]
        elif variant == "noncanonical":
            how = self.pick(NONCANONICAL)
            full_label = f"{label} [noncanonical {how}]"
            raw = encode_noncanonical(replace(tx, tx_type=TX_TYPE_DYNAMIC_FEE), key, how)
        try:
            decoded, recovered, tx_hash = decode_and_recover(raw)
            signed: SignedTransaction | None = SignedTransaction(decoded, recovered, tx_hash, raw)
        except InvalidTransaction:
            signed = None
        return Labelled(full_label, signed, signed_tx, raw)

    def sign_call(self, call: Call, acting: int, *, forced: bool = False) -> Labelled:
        label, to, data, value, signer = call
        key = self.key(acting if signer is None else signer)
        return self.sign(key, to, data, value, label, forced=forced)

    def corrupt_signature(self, tx: Transaction) -> Transaction:
        how = self.pick(["r0", "rN", "rN-1", "r+1", "s_half", "s_half+1", "s0", "parity", "random"])
        if how == "r0":
            return replace(tx, r=0)
        if how == "rN":
            return replace(tx, r=SECP256K1_N)
        if how == "rN-1":
            return replace(tx, r=SECP256K1_N - 1)
        if how == "r+1":
            return replace(tx, r=tx.r + 1)
        if how == "s_half":
            return replace(tx, s=SECP256K1_HALF_N)
        if how == "s_half+1":
            return replace(tx, s=SECP256K1_HALF_N + 1)
        if how == "s0":
            return replace(tx, s=0)
        if how == "parity":
            return replace(tx, y_parity=1 - tx.y_parity)
        return replace(tx, r=self.integer(1, 2**256 - 1), s=self.integer(1, 2**255 - 1))

    def base_fee(self) -> int:
        from rollup.block import compute_next_base_fee

        return compute_next_base_fee(self.config, self.chain.head)

    # -- operations ------------------------------------------------------------------------------
    #
    # Each operation is drawn "healthy" (parameters that should work given the state) or, with
    # FAULT_RATE, "faulty": then each parameter may take one of its failing values (deadline
    # passed, min-out too high, no allowance, zero recipient, amount above the balance...).

    def either(self, good: list[Any], bad: list[Any]) -> Any:
        if self.faulty and bad and self.chance(0.5):
            return self.pick(bad)
        return self.pick(good)

    def amount(self, available: int, unit: int = WAD) -> int:
        """Healthy: a part of what is available (or all of it); faulty: more, zero, absurd."""
        good: list[Any] = ["part", "part", "part", "all"] if available > 0 else ["unit", "dust"]
        kind = self.either(good, ["more", "zero", "max", "huge"])
        if kind == "part":
            return max(1, available * self.integer(1, 99) // 100)
        if kind == "all":
            return available
        if kind == "more":
            return available + self.integer(1, unit)
        if kind == "zero":
            return 0
        if kind == "unit":
            return unit * int(self.pick([1, 10, 1000]))
        if kind == "dust":
            return self.integer(1, 1000)
        if kind == "max":
            return UINT256_MAX
        return 2**255 + self.integer(0, 1000)

    def deadline(self, timestamp: int) -> int:
        return int(self.either([FAR_DEADLINE, FAR_DEADLINE, timestamp], [timestamp - 1, 0]))

    def recipient(self, me: bytes) -> bytes:
        return bytes(self.either([me, me, self.other(me)], [bytes(20)]))

    def allowance(self, token: bytes, owner: bytes, spender: bytes) -> int:
        result = self.view(token, "allowance(address,address)", owner, spender, types=("uint256",))
        return int(result[0]) if result else 0

    def approve_first(self, token: bytes, spender: bytes, me: bytes, needed: int) -> list[Call]:
        """An approval before a call that pulls `needed` tokens, unless one is in place (or the
        operation is faulty and forgets it)."""
        if self.allowance(token, me, spender) >= needed and not self.chance(0.1):
            return []
        if self.faulty and self.chance(0.5):
            return []
        amount = self.pick([UINT256_MAX, UINT256_MAX, needed])
        data = encode_call("approve(address,uint256)", spender, amount)
        return [("token_approve", token, data, 0, None)]

    def unit(self, asset: bytes) -> int:
        return 10**6 if asset == LENDING_USDC else WAD

    def position(self, who: bytes, asset: bytes) -> tuple[int, int]:
        """(supplied, borrowed) of `who` in `asset`'s market, accrued."""
        result = self.view(
            LENDING, "getPosition(address,address)", who, asset, types=("uint256", "uint256")
        )
        return (int(result[0]), int(result[1])) if result else (0, 0)

    def account_data(self, who: bytes) -> tuple[int, ...] | None:
        """(collateral, debt, borrow limit, liquidation limit, health factor) in USD."""
        return self.view(LENDING, "getAccountData(address)", who, types=("uint256",) * 5)

    def price(self, asset: bytes) -> int:
        result = self.view(ORACLE, "getPrice(address)", asset, types=("uint256",) * 3)
        return int(result[0]) if result else 0

    def pools(self) -> tuple[list[tuple[bytes, bytes]], list[tuple[bytes, bytes]]]:
        """Token pairs (both directions) that have a pool with liquidity, and those whose pool
        was created but holds nothing."""
        tokens = self.all_tokens()
        funded, empty = [], []
        for i, a in enumerate(tokens):
            for b in tokens[i + 1 :]:
                pool = self.chain.state.get(pool_key(*sorted((a, b))))
                if pool.created and pool.reserve0 and pool.reserve1:
                    funded += [(a, b), (b, a)]
                elif pool.created:
                    empty += [(a, b), (b, a)]
        return funded, empty

    def lp_shares(self, who: bytes) -> int:
        total = 0
        for a, b in self.pools()[0][::2]:
            owned = self.view(
                AMM, "liquidityOf(address,address,address)", a, b, who, types=("uint256",)
            )
            total += int(owned[0]) if owned else 0
        return total

    def price_age(self, asset: bytes, timestamp: int) -> int:
        result = self.view(ORACLE, "getPrice(address)", asset, types=("uint256",) * 3)
        return timestamp - int(result[2]) if result else 0

    def holder(self, me: bytes, holds: Callable[[bytes], bool]) -> tuple[bytes, int | None]:
        """The acting user, or (if it holds nothing the operation needs and the operation is
        healthy) another sender that does, as (address, signer key index or None)."""
        if self.faulty or holds(me):
            return me, None
        holders = [i for i in SENDER_KEYS if holds(ADDRESSES[i])]
        if not holders:
            return me, None
        index = self.pick(holders)
        return ADDRESSES[index], index

    def operation(self, me: bytes, timestamp: int) -> list[Call]:
        """One user action as calls (label, to, calldata, value, signer key index or None for
        the acting user); approvals may come first."""
        kind = self.pick(OPERATIONS)
        self.faulty = self.chance(FAULT_RATE)
        calls: list[Call] = getattr(self, f"op_{kind}")(me, timestamp)
        if self.faulty:
            calls = [
                (f"{label} (faulty)", to, data, value, signer)
                for label, to, data, value, signer in calls
            ]
        return calls

    def op_eth(self, me: bytes, timestamp: int) -> list[Call]:
        to = self.either(
            [self.other(me), self.other(me), FRESH, FEE_VAULT, me, WETH],
            [AMM, LENDING, LEVERAGE, ORACLE, L2_BRIDGE, LENDING_USDC, bytes(20)],
        )
        value = self.pick([0, 1, 10**15, 10**18, self.chain.eth(me) // 3])
        data = b"" if self.chance(0.8) or to == WETH else self.binary(max_size=40)
        system = (WETH, LENDING_USDC, AMM, LENDING, LEVERAGE, ORACLE, L2_BRIDGE)
        return [("eth_to_system" if to in system else "eth_transfer", to, data, value, None)]

    def op_token_transfer(self, me: bytes, timestamp: int) -> list[Call]:
        token = self.either(self.all_tokens(), [NOT_A_TOKEN])
        to = self.either([self.other(me), self.other(me), me, AMM], [bytes(20)])
        amount = self.amount(self.balance(token, me), self.unit(token))
        data = encode_call("transfer(address,uint256)", to, amount)
        return [("token_transfer", token, data, 0, None)]

    def op_token_approve(self, me: bytes, timestamp: int) -> list[Call]:
        token = self.either(self.all_tokens(), [NOT_A_TOKEN])
        spender = self.either([AMM, LENDING, LEVERAGE, self.other(me)], [bytes(20)])
        amount = self.pick([0, UINT256_MAX, UINT256_MAX, self.balance(token, me) // 2])
        data = encode_call("approve(address,uint256)", spender, amount)
        return [("token_approve", token, data, 0, None)]

    def op_token_transfer_from(self, me: bytes, timestamp: int) -> list[Call]:
        token = self.either(self.all_tokens(), [NOT_A_TOKEN])
        owner_index = self.pick([i for i in FUNDED_KEYS if ADDRESSES[i] != me])
        owner = ADDRESSES[owner_index]
        amount = self.amount(self.balance(token, owner), self.unit(token))
        calls: list[Call] = []
        if self.allowance(token, owner, me) < amount and not (self.faulty and self.chance(0.5)):
            approve = encode_call("approve(address,uint256)", me, self.pick([amount, UINT256_MAX]))
            calls.append(("token_approve", token, approve, 0, owner_index))
        to = self.either([me, self.other(me), owner], [bytes(20)])
        data = encode_call("transferFrom(address,address,uint256)", owner, to, amount)
        return [*calls, ("token_transfer_from", token, data, 0, None)]

    def op_weth_deposit(self, me: bytes, timestamp: int) -> list[Call]:
        value = self.pick([0, 1, 10**17, 10**18, self.chain.eth(me) // 4])
        data = self.pick([b"", compute_selector("deposit()")])
        return [("weth_deposit", WETH, data, value, None)]

    def op_weth_withdraw(self, me: bytes, timestamp: int) -> list[Call]:
        amount = self.amount(self.balance(WETH, me))
        return [("weth_withdraw", WETH, encode_call("withdraw(uint256)", amount), 0, None)]

    def op_pool_create(self, me: bytes, timestamp: int) -> list[Call]:
        bridged = self.bridged
        a, b = self.either(
            [
                (bridged, WETH),
                (LENDING_DAI, LENDING_USDC),
                (LENDING_DAI, WETH),
                (bridged, LENDING_USDC),
            ],
            [(WETH, WETH), (NOT_A_TOKEN, WETH), (WETH, LENDING_USDC)],
        )
        return [("pool_create", AMM, encode_call("createPool(address,address)", a, b), 0, None)]

    def op_liquidity_add(self, me: bytes, timestamp: int) -> list[Call]:
        pools, empty = self.pools()
        a, b = self.either(
            pools + empty, [(WETH, WETH), (NOT_A_TOKEN, WETH), (self.bridged, LENDING_DAI)]
        )
        amount_a = self.amount(self.balance(a, me) // 2, self.unit(a))
        amount_b = self.amount(self.balance(b, me) // 2, self.unit(b))
        calls = self.approve_first(a, AMM, me, amount_a) + self.approve_first(b, AMM, me, amount_b)
        min_a = self.either([0, 0, 1], [amount_a, UINT256_MAX])
        min_b = self.either([0, 0, 1], [amount_b, UINT256_MAX])
        data = encode_call(
            "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)",
            a, b, amount_a, amount_b, min_a, min_b, self.recipient(me), self.deadline(timestamp),
        )  # fmt: skip
        return [*calls, ("liquidity_add", AMM, data, 0, None)]

    def op_liquidity_remove(self, me: bytes, timestamp: int) -> list[Call]:
        me, signer = self.holder(me, lambda who: bool(self.lp_shares(who)))
        held = []
        for a, b in self.pools()[0]:
            owned = self.view(
                AMM, "liquidityOf(address,address,address)", a, b, me, types=("uint256",)
            )
            if owned and owned[0]:
                held.append((a, b, int(owned[0])))
        if held:
            a, b, shares = self.pick(held)
        else:
            (a, b), shares = self.pick(self.pools()[0] or [(WETH, LENDING_USDC)]), 0
        liquidity = self.either(
            [shares // 2 or 1, shares, max(1, shares // 10)], [shares + 1, 0, UINT256_MAX]
        )
        data = encode_call(
            "removeLiquidity(address,address,uint256,uint256,uint256,address,uint256)",
            a, b, liquidity, self.either([0, 1], [UINT256_MAX]), self.either([0], [UINT256_MAX]),
            self.recipient(me), self.deadline(timestamp),
        )  # fmt: skip
        return [("liquidity_remove", AMM, data, 0, signer)]

    def op_swap(self, me: bytes, timestamp: int) -> list[Call]:
        pools = self.pools()[0]
        token_in, token_out = self.either(
            pools or [(WETH, LENDING_USDC)],
            [(WETH, WETH), (NOT_A_TOKEN, WETH), (LENDING_DAI, self.bridged)],
        )
        balance = self.balance(token_in, me)
        amount_in = self.either(
            [max(1, balance * self.integer(1, 30) // 100)] if balance else [10**6],
            [0, balance + 1, UINT256_MAX],
        )
        calls = self.approve_first(token_in, AMM, me, amount_in)
        data = encode_call(
            "swapExactIn(address,address,uint256,uint256,address,uint256)",
            token_in, token_out, amount_in, self.either([0, 1], [10**30, UINT256_MAX]),
            self.recipient(me), self.deadline(timestamp),
        )  # fmt: skip
        return [*calls, ("swap", AMM, data, 0, None)]

    def op_lending_supply(self, me: bytes, timestamp: int) -> list[Call]:
        asset = self.either([WETH, WETH, LENDING_USDC], [LENDING_DAI, self.bridged, NOT_A_TOKEN])
        amount = self.amount(self.balance(asset, me) // 2, self.unit(asset))
        calls = self.approve_first(asset, LENDING, me, amount)
        data = encode_call("supply(address,uint256)", asset, amount)
        return [*calls, ("lending_supply", LENDING, data, 0, None)]

    def op_lending_withdraw(self, me: bytes, timestamp: int) -> list[Call]:
        me, signer = self.holder(
            me, lambda who: any(self.position(who, a)[0] for a in (WETH, LENDING_USDC))
        )
        supplied = [a for a in (WETH, LENDING_USDC) if self.position(me, a)[0]]
        asset = self.either(supplied or [WETH], [LENDING_DAI, NOT_A_TOKEN, LENDING_USDC])
        amount_supplied = self.position(me, asset)[0]
        amount = self.either(
            [UINT256_MAX, amount_supplied // 2 or 1, amount_supplied // 10 or 1],
            [amount_supplied + 1, 0, 2**255],
        )
        data = encode_call("withdraw(address,uint256)", asset, amount)
        return [("lending_withdraw", LENDING, data, 0, signer)]

    def op_lending_borrow(self, me: bytes, timestamp: int) -> list[Call]:
        asset = self.either([LENDING_USDC, LENDING_USDC, WETH], [LENDING_DAI, NOT_A_TOKEN])
        calls: list[Call] = []
        data = self.account_data(me)
        price = self.price(asset)
        room = 0
        if data and price:
            room = max(0, data[2] - data[1]) * self.unit(asset) // price
        if room == 0 and not self.faulty:  # collateral first
            collateral = WETH if asset != WETH else LENDING_USDC
            amount = self.balance(collateral, me) // 3
            if amount:
                calls += self.approve_first(collateral, LENDING, me, amount)
                supply = encode_call("supply(address,uint256)", collateral, amount)
                calls.append(("lending_supply", LENDING, supply, 0, None))
                cf = 75 if collateral == WETH else 80
                room = amount * self.price(collateral) // self.unit(collateral) * cf // 100
                room = room * self.unit(asset) // (price or 1)
        amount = self.either(
            [room * 99 // 100 or 1, room // 2 or 1, room * 9 // 10 or 1],
            [room + self.unit(asset), 0, UINT256_MAX],
        )
        borrow = encode_call("borrow(address,uint256)", asset, amount)
        return [*calls, ("lending_borrow", LENDING, borrow, 0, None)]

    def op_lending_repay(self, me: bytes, timestamp: int) -> list[Call]:
        me, signer = self.holder(
            me, lambda who: any(self.position(who, a)[1] for a in (WETH, LENDING_USDC))
        )
        owed = [a for a in (WETH, LENDING_USDC) if self.position(me, a)[1]]
        asset = self.either(owed or [LENDING_USDC], [LENDING_DAI, NOT_A_TOKEN])
        debt = self.position(me, asset)[1]
        amount = self.either([UINT256_MAX, debt // 2 or 1, debt], [0])
        calls = self.approve_first(asset, LENDING, me, debt + 10**6)
        data = encode_call("repay(address,uint256)", asset, amount)
        calls = [(label, to, cd, value, signer) for label, to, cd, value, _ in calls]
        return [*calls, ("lending_repay", LENDING, data, 0, signer)]

    def op_lending_liquidate(self, me: bytes, timestamp: int) -> list[Call]:
        unhealthy, borrowers = [], []
        for index in SENDER_KEYS:
            who = ADDRESSES[index]
            if who == me:
                continue
            account = self.account_data(who)
            if account and account[1]:
                borrowers.append(who)
                if account[4] < WAD:
                    unhealthy.append(who)
        crash: list[Call] = []
        if not unhealthy and not self.faulty and self.chance(0.5):
            crash = self.crash()
        warmed_up = [ADDRESSES[2], ADDRESSES[1]] if self.warmed_up else []  # maybe this block
        candidates = unhealthy or borrowers or [a for a in warmed_up if a != me] or [FRESH]
        borrower = self.either(candidates, [me, FRESH])
        debts = [a for a in (LENDING_USDC, WETH) if self.position(borrower, a)[1]]
        collaterals = [a for a in (WETH, LENDING_USDC) if self.position(borrower, a)[0]]
        debt_asset = self.either(debts or [LENDING_USDC], [LENDING_DAI, NOT_A_TOKEN])
        collateral = self.either(collaterals or [WETH], [LENDING_DAI])
        debt = self.position(borrower, debt_asset)[1]
        good = [UINT256_MAX, debt // 2, debt // 10] if debt else [UINT256_MAX, 10**9]
        amount = self.either(good, [0])
        calls = self.approve_first(debt_asset, LENDING, me, debt or 10**30)
        data = encode_call(
            "liquidate(address,address,address,uint256)", borrower, debt_asset, collateral, amount
        )
        return [*crash, *calls, ("lending_liquidate", LENDING, data, 0, None)]

    def op_leverage_open(self, me: bytes, timestamp: int) -> list[Call]:
        collateral, debt = self.either(
            [(WETH, LENDING_USDC), (WETH, LENDING_USDC), (LENDING_USDC, WETH)],
            [(WETH, WETH), (LENDING_DAI, WETH), (self.bridged, WETH)],
        )
        principal = self.amount(self.balance(collateral, me) // 10, self.unit(collateral))
        calls = self.approve_first(collateral, LEVERAGE, me, principal)
        leverage = self.either(
            [3 * WAD // 2, 2 * WAD, 5 * WAD // 2, 3 * WAD], [WAD, WAD + 1, 4 * WAD, 10 * WAD]
        )
        max_debt = self.either([UINT256_MAX], [0, 1])
        data = encode_call(
            "openPosition(address,address,uint256,uint256,uint256,uint256)",
            collateral, debt, principal, leverage, max_debt, self.deadline(timestamp),
        )  # fmt: skip
        return [*calls, ("leverage_open", LEVERAGE, data, 0, None)]

    def op_leverage_close(self, me: bytes, timestamp: int) -> list[Call]:
        me, signer = self.holder(me, lambda who: bool(self.position(who, LENDING_USDC)[1]))
        pairs = [
            (c, d)
            for c, d in ((WETH, LENDING_USDC), (LENDING_USDC, WETH))
            if self.position(me, d)[1] and self.position(me, c)[0]
        ]
        collateral, debt = self.either(
            pairs or [(WETH, LENDING_USDC)], [(WETH, WETH), (LENDING_USDC, WETH)]
        )
        data = encode_call(
            "closePosition(address,address,uint256,uint256)",
            collateral, debt, self.either([0, 0, 1], [UINT256_MAX]), self.deadline(timestamp),
        )  # fmt: skip
        return [("leverage_close", LEVERAGE, data, 0, signer)]

    def set_price_call(self, asset: bytes) -> Call:
        price = self.price(asset) or 1_000 * WAD
        factor = self.pick([100, 100, 98, 90, 70, 50, 30, 105, 150, 300])
        new_price = self.either([price * factor // 100 or 1], [0])
        volatility = self.either([0, 0, WAD // 10, WAD // 2, WAD, 10 * WAD], [10 * WAD + 1])
        data = encode_call("setPrice(address,uint256,uint256)", asset, new_price, volatility)
        signer = self.either([9], [None])
        return ("oracle_set_price", ORACLE, data, 0, signer)

    def op_oracle_set_price(self, me: bytes, timestamp: int) -> list[Call]:
        asset = self.either([WETH, WETH, LENDING_USDC, LENDING_DAI, self.bridged], [NOT_A_TOKEN])
        if not self.faulty and self.chance(0.3):
            return self.crash()
        calls = [self.set_price_call(asset)]
        if self.chance(0.4):
            calls.append(self.set_price_call(LENDING_USDC if asset == WETH else WETH))
        return calls

    def warm_up(self) -> list[Call]:
        """Positions for later blocks to close, repay and liquidate: key 1 opens a leveraged
        WETH/USDC position, key 2 borrows USDC close to its limit against WETH."""
        principal = self.pick([1, 5, 10]) * WAD
        leverage = self.pick([2 * WAD, 5 * WAD // 2, 3 * WAD])
        supplied = self.pick([10, 30]) * WAD
        borrowed = supplied * 2_000 * self.pick([60, 70, 74]) // 100 // WAD * 10**6
        approve = "approve(address,uint256)"
        open_position = encode_call(
            "openPosition(address,address,uint256,uint256,uint256,uint256)",
            WETH, LENDING_USDC, principal, leverage, UINT256_MAX, FAR_DEADLINE,
        )  # fmt: skip
        return [
            ("token_approve", WETH, encode_call(approve, LEVERAGE, UINT256_MAX), 0, 1),
            ("leverage_open", LEVERAGE, open_position, 0, 1),
            ("token_approve", WETH, encode_call(approve, LENDING, UINT256_MAX), 0, 2),
            (
                "lending_supply",
                LENDING,
                encode_call("supply(address,uint256)", WETH, supplied),
                0,
                2,
            ),
            (
                "lending_borrow",
                LENDING,
                encode_call("borrow(address,uint256)", LENDING_USDC, borrowed),
                0,
                2,
            ),
        ]

    def crash(self) -> list[Call]:
        """The oracle marks down the collateral of some borrower (WETH if none yet)."""
        collaterals = [
            a
            for a in (WETH, LENDING_USDC)
            for i in SENDER_KEYS
            if self.position(ADDRESSES[i], a)[0]
            and any(self.position(ADDRESSES[i], d)[1] for d in (WETH, LENDING_USDC) if d != a)
        ]
        asset = self.pick(collaterals) if collaterals else WETH
        price = self.price(asset) * self.pick([40, 50, 60, 70, 85]) // 100
        data = encode_call("setPrice(address,uint256,uint256)", asset, price or 1, 0)
        return [("oracle_crash", ORACLE, data, 0, 9)]

    # -- perps --------------------------------------------------------------------------------

    def perps_position(self, who: bytes) -> tuple[Any, ...] | None:
        return self.view(PERPS, PERPS_POSITION, who, WETH, types=PERPS_POSITION_TYPES)

    def perps_size(self, who: bytes) -> int:
        position = self.perps_position(who)
        return int(position[0]) if position else 0

    def perps_deposit_calls(self, me: bytes, asset: bytes, amount: int) -> list[Call]:
        calls = self.approve_first(LENDING_USDC, PERPS, me, amount)
        data = encode_call("depositMargin(address,uint256)", asset, amount)
        return [*calls, ("perps_deposit", PERPS, data, 0, None)]

    def perps_trader(self, me: bytes) -> tuple[bytes, int | None]:
        """The acting user, or (healthy operations) a sender holding USDC to margin with."""
        return self.holder(me, lambda who: self.balance(LENDING_USDC, who) >= 5_000 * 10**6)

    @staticmethod
    def signed_by(calls: list[Call], signer: int | None) -> list[Call]:
        return [(label, to, data, value, signer) for label, to, data, value, _ in calls]

    def perps_fresh_price(self, timestamp: int) -> list[Call]:
        """Healthy trades, closes, liquidations and withdrawals beside a position need a fresh
        WETH price: the oracle first refreshes it, unchanged, when the block would find it
        stale (the generator reads the state of the block start, before the per-block refresh
        that happens by chance; a faulty operation may meet a stale price)."""
        if self.faulty or self.price_age(WETH, timestamp) <= PRICE_MAX_AGE - 60:
            return []
        data = encode_call("setPrice(address,uint256,uint256)", WETH, *self.perps_price())
        return [("oracle_set_price", ORACLE, data, 0, 9)]

    def perps_open_calls(self, me: bytes, size: int, margin: int) -> list[Call]:
        """Margin then a market order of `size` by `me` (the acting user's key unless signed
        otherwise), for an operation that needs a position no sender holds yet."""
        data = encode_call(
            "modifyPosition(address,int256,uint256,uint256)",
            WETH, size, UINT256_MAX if size > 0 else 0, FAR_DEADLINE,
        )  # fmt: skip
        return [*self.perps_deposit_calls(me, WETH, margin), ("perps_modify", PERPS, data, 0, None)]

    def perps_price(self) -> tuple[int, int]:
        """The oracle's WETH (price, volatility)."""
        report = self.view(ORACLE, "getPrice(address)", WETH, types=("uint256",) * 3)
        return (int(report[0]), int(report[1])) if report else (2_000 * WAD, 0)

    def perps_equity(self, who: bytes) -> int:
        """USD (WAD): margin + PnL + funding - bad debt, at the current price."""
        position = self.perps_position(who)
        if not position:
            return 0
        _, _, margin, pnl, funding, bad_debt = (int(v) for v in position[:6])
        return margin + pnl + funding - bad_debt

    def perps_free_margin(self, who: bytes) -> int:
        """USD (WAD) `who` may withdraw: its equity above initial margin plus keeper reward with
        a position (as at the block start, at the current price), all its margin without."""
        size = self.perps_size(who)
        if not size:
            position = self.perps_position(who)
            return int(position[2]) if position else 0
        required = spec_requirements(size, *self.perps_price())
        return self.perps_equity(who) - required.initial - required.reward

    def op_perps_deposit(self, me: bytes, timestamp: int) -> list[Call]:
        me, signer = self.perps_trader(me)
        asset = self.either([WETH], [LENDING_DAI, NOT_A_TOKEN])
        amount = self.either([self.pick([100, 1_000, 5_000]) * 10**6], [0, 10**30])
        return self.signed_by(self.perps_deposit_calls(me, asset, amount), signer)

    def op_perps_withdraw(self, me: bytes, timestamp: int) -> list[Call]:
        def has_margin(who: bytes) -> bool:
            position = self.perps_position(who)
            return bool(position and position[2])

        me, signer = self.holder(me, has_margin)
        calls: list[Call] = []
        position = self.perps_position(me)
        free = self.perps_free_margin(me) // 10**12  # USDC units
        if not self.faulty and not has_margin(me):  # nobody has margin yet: deposit first
            me, signer = self.perps_trader(me)
            deposited = self.pick([100, 1_000]) * 10**6
            calls = self.signed_by(self.perps_deposit_calls(me, WETH, deposited), signer)
            position, free = None, deposited
        good = [UINT256_MAX, self.pick([1, 50, 500]) * 10**6]
        if position and position[0]:  # beside a position: part of the free margin only
            calls = self.perps_fresh_price(timestamp)
            good = [max(1, free * self.pick([1, 10, 50, 90]) // 100)]
        else:
            good = [amount for amount in good if amount == UINT256_MAX or amount <= free] or good
        amount = self.either(good, [0, 10**30])
        data = encode_call("withdrawMargin(address,uint256)", WETH, amount)
        return [*calls, ("perps_withdraw", PERPS, data, 0, signer)]

    def op_perps_modify(self, me: bytes, timestamp: int) -> list[Call]:
        me, signer = self.perps_trader(me)
        size = self.perps_size(me)
        good = [self.pick([1, 2, 5, 10, -1, -4, -10]) * WAD // 2]
        if size:
            good.append(-size)
        delta = self.either(good, [0, WAD // 100, 10**40, -(2**255), 2**255 - 1])
        calls: list[Call] = []
        position = self.perps_position(me)
        if not self.faulty:  # enough margin for the new size at the current volatility
            price, volatility = self.perps_price()
            required = spec_requirements(size + delta, price, volatility)
            needed = required.initial + required.reward + abs(delta) * price // 100 // WAD
            missing = max(0, needed - self.perps_equity(me))
            if not position or missing or position[2] < 2_000 * WAD or self.chance(0.3):
                amount = max(self.pick([1_000, 3_000]) * 10**6, missing // 10**12 + 10**6)
                calls = self.perps_deposit_calls(me, WETH, amount)
        acceptable = self.either(
            [UINT256_MAX if delta > 0 else 0], [1 if delta > 0 else UINT256_MAX]
        )
        data = encode_call(
            "modifyPosition(address,int256,uint256,uint256)",
            WETH, delta, acceptable, self.deadline(timestamp),
        )  # fmt: skip
        calls = self.signed_by([*calls, ("perps_modify", PERPS, data, 0, None)], signer)
        return [*self.perps_fresh_price(timestamp), *calls]

    def op_perps_close(self, me: bytes, timestamp: int) -> list[Call]:
        me, signer = self.holder(me, lambda who: bool(self.perps_size(who)))
        size = self.perps_size(me)
        calls = self.perps_fresh_price(timestamp)
        if not size and not self.faulty:  # nobody holds a position yet: open one first
            me, signer = self.perps_trader(me)
            size = self.pick([1, -1, 4, -4]) * WAD // 2
            price, volatility = self.perps_price()
            required = spec_requirements(size, price, volatility)
            margin = max(2_000 * WAD, (required.initial + required.reward) * 11 // 10)
            opened = self.perps_open_calls(me, size, margin // 10**12)
            calls += self.signed_by(opened, signer)
        acceptable = self.either([UINT256_MAX if size < 0 else 0], [1 if size < 0 else UINT256_MAX])
        data = encode_call(
            "closePosition(address,uint256,uint256)", WETH, acceptable, self.deadline(timestamp)
        )
        return [*calls, ("perps_close", PERPS, data, 0, signer)]

    def op_perps_liquidate(self, me: bytes, timestamp: int) -> list[Call]:
        """Healthy: a position already liquidatable, or one the oracle then moves the price
        through (past its liquidation price), or (no position yet) a highly leveraged one that
        another sender opens first; the keeper never liquidates itself."""
        traders, unhealthy = [], []
        for index in SENDER_KEYS:
            who = ADDRESSES[index]
            position = self.perps_position(who)
            if who == me or not position or not position[0]:
                continue
            traders.append((who, int(position[0]), int(position[6])))
            if position[7] < WAD:
                unhealthy.append(who)
        calls: list[Call] = []
        crashable = [(who, size, liquidation) for who, size, liquidation in traders if liquidation]
        target = self.either(unhealthy or [who for who, *_ in traders] or [FRESH], [me, FRESH])
        if not self.faulty and not unhealthy and crashable:
            target, size, liquidation = self.pick(crashable)
            factor = self.pick([97, 90, 70]) if size > 0 else self.pick([103, 110, 130])
            price = liquidation * factor // 100  # at the volatility its liquidation price assumes
            data = encode_call(
                "setPrice(address,uint256,uint256)", WETH, price or 1, self.perps_price()[1]
            )
            calls = [("oracle_crash", ORACLE, data, 0, 9)]
        elif not self.faulty and not unhealthy:  # open a position at ~8x, then crash through it
            others = [i for i in FUNDED_KEYS if ADDRESSES[i] != me]
            index = self.pick([i for i in others if not self.perps_size(ADDRESSES[i])] or others)
            target, size = ADDRESSES[index], self.pick([4, -4]) * WAD
            price = self.price(WETH) or 2_000 * WAD
            margin = 4 * price // 8 // 10**12  # 1/8 of the notional, in USDC
            opened = self.perps_open_calls(target, size, margin)
            calm = encode_call("setPrice(address,uint256,uint256)", WETH, price, 0)
            factor = self.pick([90, 85, 60]) if size > 0 else self.pick([110, 115, 140])
            crash = encode_call("setPrice(address,uint256,uint256)", WETH, price * factor // 100, 0)
            calls = [  # a fresh price without volatility: the margin suffices for ~8x
                ("oracle_set_price", ORACLE, calm, 0, 9),
                *self.signed_by(opened, index),
                ("oracle_crash", ORACLE, crash, 0, 9),
            ]
        elif not self.faulty:
            calls = self.perps_fresh_price(timestamp)
        asset = self.either([WETH], [LENDING_DAI])
        data = encode_call("liquidate(address,address)", target, asset)
        return [*calls, ("perps_liquidate", PERPS, data, 0, None)]

    def op_perps_view(self, me: bytes, timestamp: int) -> list[Call]:
        data = self.pick(
            [
                encode_call(PERPS_POSITION, self.other(me), WETH),
                encode_call("getMarket(address)", self.either([WETH], [LENDING_DAI])),
                encode_call("quoteOrder(address,int256)", WETH, self.either([WAD, -WAD], [0])),
            ]
        )
        return [("perps_view", PERPS, data, 0, None)]

    def op_bridge_withdraw_eth(self, me: bytes, timestamp: int) -> list[Call]:
        value = self.either([1, 10**17, 10**18], [0])
        to = self.either([me, self.other(me)], [bytes(20)])
        data = encode_call("withdrawETH(address)", to)
        return [("bridge_withdraw_eth", L2_BRIDGE, data, value, None)]

    def op_bridge_withdraw_token(self, me: bytes, timestamp: int) -> list[Call]:
        token = self.either([self.bridged], [WETH, NOT_A_TOKEN])
        amount = self.amount(self.balance(token, me))
        to = self.either([me, self.other(me)], [bytes(20)])
        data = encode_call("withdrawToken(address,uint256,address)", token, amount, to)
        return [("bridge_withdraw_token", L2_BRIDGE, data, 0, None)]

    def op_view(self, me: bytes, timestamp: int) -> list[Call]:
        to, data = self.pick(
            [
                (WETH, encode_call("balanceOf(address)", me)),
                (LENDING_USDC, encode_call("allowance(address,address)", me, AMM)),
                (LENDING_USDC, encode_call("totalSupply()")),
                (AMM, encode_call("getReserves(address,address)", WETH, LENDING_USDC)),
                (
                    AMM,
                    encode_call("getAmountOut(address,address,uint256)", WETH, LENDING_USDC, WAD),
                ),
                (LENDING, encode_call("getAccountData(address)", me)),
                (LENDING, encode_call("getMarket(address)", WETH)),
                (LENDING, encode_call("getRiskParameters(address)", LENDING_USDC)),
                (LEVERAGE, encode_call("maxLeverage(address)", WETH)),
                (ORACLE, encode_call("getPrice(address)", LENDING_USDC)),
                (L2_BRIDGE, encode_call("withdrawalRoot()")),
                (L2_BRIDGE, encode_call("withdrawalCount()")),
            ]
        )
        return [("view", to, data, 0, None)]

    def op_bad_calldata(self, me: bytes, timestamp: int) -> list[Call]:
        to = self.pick([WETH, LENDING_USDC, AMM, LENDING, LEVERAGE, ORACLE, L2_BRIDGE])
        good = encode_call("transfer(address,uint256)", self.other(me), 1)
        if to == AMM:
            good = encode_call(
                "swapExactIn(address,address,uint256,uint256,address,uint256)",
                WETH, LENDING_USDC, 10**15, 0, me, FAR_DEADLINE,
            )  # fmt: skip
        elif to == LENDING:
            good = encode_call("supply(address,uint256)", WETH, 10**15)
        elif to == LEVERAGE:
            good = encode_call(
                "closePosition(address,address,uint256,uint256)",
                WETH,
                LENDING_USDC,
                0,
                FAR_DEADLINE,
            )
        elif to == ORACLE:
            good = encode_call("setPrice(address,uint256,uint256)", WETH, 2_000 * WAD, 0)
        elif to == L2_BRIDGE:
            good = encode_call("withdrawToken(address,uint256,address)", self.bridged, 1, me)
        how = self.pick(["short", "selector", "truncated", "dirty_address", "trailing", "empty"])
        if how == "short":
            data = self.binary(min_size=1, max_size=3)
        elif how == "selector":
            data = self.binary(min_size=4, max_size=4) + good[4:]
        elif how == "truncated":
            data = good[: self.integer(4, len(good) - 1)]
        elif how == "dirty_address":
            data = good[:4] + bytes([self.integer(1, 255)]) + good[5:]
        elif how == "trailing":
            data = good + self.binary(min_size=1, max_size=40)
        else:
            data = b""
        return [(f"bad_calldata_{how}", to, data, 0, None)]

    def op_round_trip(self, me: bytes, timestamp: int) -> list[Call]:
        """A leaf created and emptied again in one block (it stays in the tree, empty): an
        allowance set and cleared, or tokens sent to an account without that token (key 9) and
        sent back."""
        token = self.pick(self.tokens)
        if self.chance(0.5) or me == ADDRESSES[9]:
            spender = self.pick([FRESH, ADDRESSES[4], LEVERAGE])
            return [
                ("round_trip", token, encode_call("approve(address,uint256)", spender, 7), 0, None),
                ("round_trip", token, encode_call("approve(address,uint256)", spender, 0), 0, None),
            ]
        amount = self.balance(token, me) // 7 or 1
        there = encode_call("transfer(address,uint256)", ADDRESSES[9], amount)
        back = encode_call("transfer(address,uint256)", me, amount)
        return [("round_trip", token, there, 0, None), ("round_trip", token, back, 0, 9)]

    def op_value_to_nonpayable(self, me: bytes, timestamp: int) -> list[Call]:
        to, data = self.pick(
            [
                (WETH, encode_call("approve(address,uint256)", AMM, 1)),
                (WETH, encode_call("withdraw(uint256)", 1)),
                (LENDING_USDC, encode_call("transfer(address,uint256)", self.other(me), 1)),
                (LENDING, encode_call("supply(address,uint256)", WETH, 10**15)),
                (ORACLE, encode_call("getPrice(address)", WETH)),
                (
                    L2_BRIDGE,
                    encode_call("withdrawToken(address,uint256,address)", self.bridged, 1, me),
                ),
            ]
        )
        return [("value_to_nonpayable", to, data, self.pick([1, 10**15]), None)]

    # -- blocks ----------------------------------------------------------------------------------

    def queue_messages(self) -> None:
        """0-3 L1 messages on the real Bridge, with L1 blocks mined between."""
        for _ in range(self.integer(0, 3)):
            kind = self.pick(["eth", "eth", "erc20", "forced", "forced"])
            depositor = ADDRESSES[self.pick(L1_DEPOSITORS)]
            recipient = self.pick(
                [ADDRESSES[i] for i in SENDER_KEYS]
                + [FRESH, ADDRESSES[5], ADDRESSES[4], WETH, FEE_VAULT, LENDING]
            )
            if kind == "eth":
                amount = self.pick([1, 10**15, 10**18, 50 * 10**18])
                self.rig.deposit_eth(depositor, recipient, amount)
                self.messages.append(None)
                self.message_labels.append("deposit_eth")
            elif kind == "erc20":
                amount = self.pick([1, 10**18, 10**24])
                index = self.pick([0, 0, 0, *range(len(self.rig.l1_tokens))])
                token = self.rig.l1_tokens[index]
                depositor = ADDRESSES[self.pick(ERC20_DEPOSITORS)]
                self.rig.deposit_erc20(depositor, recipient, amount, token)
                self.messages.append(None)
                self.message_labels.append("deposit_erc20" if index == 0 else "deposit_erc20 odd")
            else:
                key_index = self.pick(SENDER_KEYS)
                me = ADDRESSES[key_index]
                call = self.operation(me, self.chain.head.timestamp)[-1]
                forced = self.sign_call(call, key_index, forced=True)
                self.rig.force_transaction(depositor, forced.raw)
                self.messages.append(forced)
                self.message_labels.append(f"forced {forced.label}")
                if forced.signed is not None:
                    self.labels_by_hash[forced.signed.hash] = f"forced {forced.label}"
            self.rig.mine(self.pick([0, 0, 1, 3]))

    def run_block(self) -> None:
        """Queue L1 messages, pick the block's L1 origin (consuming the messages up to it), time
        and transactions, and execute it as the sequencer would; the batch gets every drawn
        transaction, those execute_block skipped included (the machine must skip them too). The
        pending blocks are posted before it if it would make their batch span too long, and
        with it by chance (or at once, after a block that breaks a rule)."""
        self.queue_messages()
        head = self.rig.head()
        origin = self.origin
        if head > origin and self.chance(0.6):
            origin = self.integer(origin + 1, head)
        if head - origin > ORIGIN_CATCH_UP:
            origin = head - self.integer(0, 1)
        rule = None
        if self.broken is None and self.chance(RULE_RATE):
            rule = self.pick(BLOCK_RULES)
        if rule == "future origin":  # after the L1 block that will carry the batch
            origin = head + self.integer(2, 4)
        messages: list[QueuedMessage] = []
        if origin > self.origin:
            while True:
                message = self.reader.get_message(self.consumed + len(messages))
                if message is None or message.l1_block_number > origin:
                    break
                messages.append(message)
        dt = self.draw(
            st.one_of(
                st.just(0),
                st.integers(1, 12),
                st.integers(1, 12),
                st.integers(13, 3_600),
                st.integers(3_601, 3 * 86_400),
            )
        )
        if rule == "ahead":  # far past maxDrift after the L1 time it will be carried at
            dt = self.config.max_drift + self.pick([200, 3_600, 30 * 86_400, 365 * 86_400])
            self.post(may_break=False)  # the blocks before it go as usual
        timestamp = self.chain.head.timestamp + dt
        if self.pending_first <= len(self.blocks):
            first_timestamp = self.blocks[self.pending_first - 1].header.timestamp
            if timestamp - first_timestamp > POST_BEFORE_SPAN:
                self.post()
        transactions: list[Labelled] = []
        self.faulty = False
        for asset in (WETH, LENDING_USDC):  # prices about to go stale: the oracle refreshes them
            if self.price_age(asset, timestamp) > PRICE_MAX_AGE - 600 and self.chance(0.75):
                transactions.append(self.sign_call(self.set_price_call(asset), 9))
        if not self.blocks and self.chance(0.7):
            self.warmed_up = True
            for call in self.warm_up():
                transactions.append(self.sign_call(call, 0))
        for _ in range(self.integer(0, 7)):
            funded = [i for i in SENDER_KEYS if self.chain.eth(ADDRESSES[i]) > 10**16]
            if self.chance(0.6):
                key_index = self.pick(FUNDED_KEYS)
            elif funded and self.chance(0.8):
                key_index = self.pick(funded)
            else:
                key_index = self.pick(SENDER_KEYS)
            for call in self.operation(ADDRESSES[key_index], timestamp):
                transactions.append(self.sign_call(call, key_index))
        candidates = [t.signed for t in transactions if t.signed is not None]
        for t in transactions:
            if t.signed is not None:
                self.labels_by_hash[t.signed.hash] = t.label
        block = execute_block(
            self.chain.state, self.config, self.chain.head, candidates, timestamp, origin, messages
        )
        self.chain.head = block.header
        self.blocks.append(block)
        self.batch_blocks.append(BatchBlock(timestamp, origin, tuple(t.tx for t in transactions)))
        self.batch_labels.append([t.label for t in transactions])
        self.consumed += len(messages)
        self.origin = origin
        self.nonces.clear()
        for receipt in block.receipts:
            label = self.labels_by_hash.get(receipt.transaction_hash)
            if label is not None:
                REPORT.count(label, "ok" if receipt.status else "reverted")
        for skipped, _ in block.skipped:
            REPORT.count(self.labels_by_hash.get(skipped.hash, "?"), "skipped")
        if rule is not None:
            self.break_rule(rule, block.header.number)
            self.post(rule)
        elif self.chance(0.3):
            self.post()

    def break_rule(self, rule: str, first_block: int) -> None:
        """Note the first rule broken: derivation may differ from the sequencer's chain from
        block `first_block` on."""
        if self.broken is None:
            self.broken = (rule, first_block)

    # -- batches ---------------------------------------------------------------------------------

    def post(self, rule: str | None = None, may_break: bool = True) -> None:
        """Post the pending blocks as one batch (a junk batch before it by chance), at an L1 time
        just after its last block's, or breaking `rule` (or, if `may_break`, a rule drawn)."""
        first, last = self.pending_first, len(self.blocks)
        if first > last:
            return
        self.pending_first = last + 1
        if rule is None and may_break and self.broken is None and self.chance(RULE_RATE):
            rule = self.pick(BATCH_RULES)
            self.break_rule(rule, first)
        batch = self.batch_of(first, last)
        data = encode_batch(batch)
        self.batch_kinds.append("real" if rule is None else f"real, {rule}")
        if rule is None and self.chance(0.1):  # bytes after the last block: never read
            self.batch_kinds.append("real with trailing bytes")
            payload = decompress_batch(data)
            padding = self.pick(
                [self.binary(min_size=1, max_size=64), bytes(20_000), b"\xff" * 3_000]
            )
            data = bytes([BATCH_VERSION]) + fastlz.compress(payload + padding)
            if len(padding) > 64:
                self.padded[data] = (
                    f"any step, batch + {len(padding):,} bytes of 0x{padding[0]:02x}"
                )
        elif rule == "corrupt tail":
            data = self.corrupt_tail(batch)
        elif rule == "truncated":
            payload = decompress_batch(data)
            cut = self.integer(read_payload_header(payload).body_offset, len(payload) - 1)
            data = bytes([BATCH_VERSION]) + fastlz.compress(payload[:cut])
        elif rule == "bad parent":
            data = encode_batch(replace(batch, parent_hash=keccak256(batch.parent_hash)))
        last_timestamp = self.blocks[last - 1].header.timestamp
        l1_timestamp = self.rig.l1_timestamp()
        if rule == "lag":  # carried after maxLag has passed
            lag = self.config.max_lag + self.pick([1, 600, 86_400])
            self.rig.anvil.set_next_block_timestamp(max(l1_timestamp + 1, last_timestamp + lag))
        elif rule != "ahead":  # L1 time follows L2 time
            lag = self.pick([0, 1, 12, 60])
            self.rig.anvil.set_next_block_timestamp(max(l1_timestamp + 1, last_timestamp + lag))
        if rule == "lapse":
            if self.chance(0.5):  # a deposit-only block then carries a deposit
                self.rig.deposit_eth(ADDRESSES[3], ADDRESSES[4], 10**15)
                self.messages.append(None)
                self.message_labels.append("deposit_eth")
            self.rig.mine(self.config.sequencer_window + self.integer(1, 4))
        if self.chance(0.25):
            kind, junk = self.junk(data, batch)
            if junk is not None:
                self.rig.append_batch(junk)
                self.posted.append(junk)
                self.batch_kinds.append(kind)
        carrier = self.rig.head() + 1
        parent_origin = (
            self.blocks[first - 2].header.l1_origin_number
            if first > 1
            else (self.genesis_header.l1_origin_number)
        )
        if parent_origin + self.config.sequencer_window < carrier - 1:
            self.break_rule("lapse", first)  # the sequencer was too slow
        self.rig.append_batch(data)
        self.posted.append(data)

    def finish(self) -> None:
        """Post what is pending; by chance let the sequencer window lapse by the L1 clock."""
        self.post()
        if self.chance(RULE_RATE):
            self.batch_kinds.append("none, the window lapses")
            self.rig.mine(self.config.sequencer_window + self.integer(1, 5))

    def corrupt_tail(self, batch: Batch) -> bytes:
        """The batch's L1 bytes with its last transaction's type byte made unknown, or (with no
        transaction) its last byte cut."""
        payload = encode_payload(batch)
        last = next(
            (i for i in range(len(batch.blocks) - 1, -1, -1) if batch.blocks[i].transactions), None
        )
        if last is None:
            return bytes([BATCH_VERSION]) + fastlz.compress(payload[:-1])
        block = batch.blocks[last]
        before = replace(
            batch,
            blocks=(*batch.blocks[:last], replace(block, transactions=block.transactions[:-1])),
        )
        start = len(encode_payload(before))
        # With the same dictionary, the last transaction starts at `start` and only its block
        # changes; if it brought a new address, `start` is inside the dictionary, and the
        # corrupted address may change any block of the batch.
        if block.transactions[-1].to in {tx.to for b in before.blocks for tx in b.transactions}:
            self.broken = ("corrupt tail", batch.first_block_number + last)
        garbled = bytearray(payload)
        garbled[start] = 0x07
        return bytes([BATCH_VERSION]) + fastlz.compress(bytes(garbled))

    def junk(self, real: bytes, batch: Batch) -> tuple[str, bytes | None]:
        """A batch the machine must skip before the real one: undecodable, or whose header
        breaks a rule while naming the expected first block, or stale, or from the future, or
        on another parent."""
        kind = self.pick(
            ["garbage", "version", "fastlz", "oversized", "stale", "future", "parent"]
            + ["header"] * 4
        )
        if kind == "garbage":
            return kind, self.binary(min_size=1, max_size=64)
        if kind == "version":
            return kind, bytes([self.pick([0, 2, 0xFF])]) + real[1:]
        if kind == "fastlz":
            return kind, b"\x01" + self.binary(min_size=1, max_size=48)
        if kind == "oversized":  # one byte over MAX_BATCH_BYTES
            return kind, real + bytes(MAX_BATCH_BYTES + 1 - len(real))
        if kind == "stale":
            return kind, self.posted[-1] if self.posted else None
        if kind == "future":  # the next block, on a parent nobody has yet
            future = replace(batch, first_block_number=batch.first_block_number + 1)
            return kind, encode_batch(future)
        if kind == "parent":
            return kind, encode_batch(replace(batch, parent_hash=keccak256(batch.parent_hash)))
        payload = decompress_batch(real)
        header = read_payload_header(payload)
        first = encode_varint(header.first_block_number)
        count = encode_varint(header.block_count)
        dictionary = b"".join(header.dictionary)
        entries = encode_varint(len(header.dictionary))
        rule = self.pick(
            ["noncanonical", "overlong", "no_blocks", "too_many_blocks", "duplicate", "huge_dict",
             "truncated"]
        )  # fmt: skip
        if rule == "noncanonical":  # the first block number with a redundant final 0x00 group
            first = first[:-1] + bytes([first[-1] | 0x80, 0x00])
        elif rule == "overlong":  # the first block number plus 2^64
            first = bytes(b | 0x80 for b in first) + bytes([0x80] * (9 - len(first)) + [0x02])
        elif rule == "no_blocks":
            count = encode_varint(0)
        elif rule == "too_many_blocks":
            count = encode_varint(MAX_BATCH_BLOCKS + 1)
        elif rule == "duplicate":
            dictionary += dictionary[:20] or bytes(20) * 2
            entries = encode_varint(len(dictionary) // 20)
        elif rule == "huge_dict":
            entries = encode_varint(MAX_BATCH_TRANSACTIONS + 1)
        mutated = first + header.parent_hash + count + entries + dictionary
        mutated += payload[header.body_offset :]
        if rule == "truncated":
            mutated = mutated[: self.integer(1, header.body_offset - 1)]
        junk = bytes([BATCH_VERSION]) + fastlz.compress(mutated)
        skipped = header_is_skipped(junk, header.first_block_number)
        return f"header {rule}", junk if skipped else None

    def batch_of(self, first: int, last: int) -> Batch:
        parent = self.genesis_header if first == 1 else self.blocks[first - 2].header
        return Batch(
            first_block_number=first,
            parent_hash=parent.hash,
            parent_timestamp=parent.timestamp,
            parent_l1_origin_number=parent.l1_origin_number,
            blocks=tuple(self.batch_blocks[first - 1 : last]),
        )

    def transaction_label(self, pre: StepState, step_input: bytes) -> str:
        """The label of the batch transaction a TXS step from `pre` reads."""
        (data, _, _) = abi_decode(["bytes", "uint64", "uint64"], step_input)
        payload = decompress_batch(data)
        header = read_payload_header(payload)
        try:
            tx, _ = read_transaction(payload, pre.offset, header.dictionary, self.config.chain_id)
        except InvalidBatch:
            return "(unreadable)"
        return self.labels_by_hash.get(keccak256(encode_transaction(tx)), "(not recovered)")


def derive_expected(world: World, reader: L1InputReader) -> list[Header]:
    """The chain derivation gives from what L1 recorded, up to the reader's L1 clock."""
    genesis = build_genesis(world.document)
    clock = reader.get_l1_clock()
    batches: dict[int, list[bytes]] = defaultdict(list)
    messages: dict[int, list[QueuedMessage]] = defaultdict(list)
    timestamps: dict[int, int] = {}
    index = 0
    while (record := reader.get_batch(index)) is not None:
        batches[record.l1_block_number].append(record.data)
        timestamps[record.l1_block_number] = record.l1_timestamp
        index += 1
    queue_index = 0
    while (message := reader.get_message(queue_index)) is not None:
        messages[message.l1_block_number].append(message)
        timestamps[message.l1_block_number] = message.l1_timestamp
        queue_index += 1
    history: dict[int, L1BlockData] = {}
    deriver = Deriver(genesis.state, genesis.config, genesis.header)
    headers: list[Header] = []
    for number in range(genesis.config.l1_origin_number + 1, clock + 1):
        # Derivation reads an L1 block's time only through the batches and messages it holds.
        history[number] = L1BlockData(
            number,
            bytes(32),
            bytes(32),
            timestamps.get(number, 0),
            tuple(batches[number]),
            tuple(messages[number]),
        )
        headers += [e.header for e in deriver.process_l1_block(history[number], history)]
    return headers


# -- the test ---------------------------------------------------------------------------------


def step_kind(pre: StepState, post: StepState, target: int, world: World, step_input: bytes) -> str:
    """What a step does, for the gas report."""
    if pre.is_final(target):
        return "final (no-op)"
    if pre.phase == PHASE_BLOCK_START:
        if pre.blocks_left == 0:
            if post.block_number > pre.block_number:
                return "deposit-only block"
            return "open batch" if post.blocks_left else "open batch (skipped)"
        if post.block_number == pre.block_number:
            return "batch ends (origin after its L1 block, or unreadable)"
        return "start block"
    included = post.tx_count > pre.tx_count
    if pre.phase == PHASE_MESSAGES:
        if post.queue_index == pre.queue_index:
            return "messages end"
        label = world.message_labels[pre.queue_index]
        if label.startswith("forced"):
            return base_label(label) if included else "forced (skipped)"
        return label
    if post.offset == pre.offset:
        return "tx unreadable (block and batch end)"
    label = world.transaction_label(pre, step_input)
    return f"tx {base_label(label)}" if included else "tx (skipped)"


def describe_mismatch(
    world: World,
    steps: list[tuple[StepState, int, bytes, bytes]],
    posts: list[StepState],
    index: int,
    kinds: list[str],
    result: bytes | L1RpcError,
) -> str:
    """A disagreement: the step, what it ran, both answers, and a guess when the Solidity hash is
    that of a post-state the Python machine would have reached by skipping the transaction."""
    pre, post = steps[index][0], posts[index]
    lines = [
        f"step {index} of {len(steps)} ({kinds[index]}): OneStepProver returned "
        f"{result if isinstance(result, L1RpcError) else '0x' + result.hex()}, "
        f"the Python machine 0x{post.hash.hex()}",
        f"pre  {pre}",
        f"post {post}",
    ]
    skipped = post._replace(state_root=pre.state_root, gas_used=pre.gas_used, tx_count=pre.tx_count)
    if result == skipped.hash:
        lines.append("Solidity skipped the transaction (no state change) where Python ran it")
    if pre.phase == PHASE_TXS:
        lines.append(f"transaction {world.transaction_label(pre, steps[index][2])}")
    elif pre.phase == PHASE_MESSAGES and pre.queue_index < len(world.messages):
        message = world.messages[pre.queue_index]
        lines.append(f"message {world.message_labels[pre.queue_index]}: {message}")
    lines.append(f"rule broken: {world.broken}")
    lines.append(f"batches: {world.batch_kinds}")
    lines.append(f"blocks: {world.batch_labels}")
    lines.append(f"messages: {world.message_labels}")
    return "\n".join(lines)


def read_step_batch(pre: StepState, step_input: bytes) -> bytes:
    """The batch bytes a step inside a batch reads (empty for other steps)."""
    inside = pre.phase == PHASE_TXS or (pre.phase == PHASE_BLOCK_START and pre.blocks_left > 0)
    if not inside or not step_input:
        return b""
    (data, _, _) = abi_decode(["bytes", "uint64", "uint64"], step_input)
    return bytes(data)


def base_label(label: str) -> str:
    """The operation of a label, without its faulty flag and envelope variant."""
    return label.split(" [")[0].removesuffix(" (faulty)")


def list_block_ends(
    steps: list[tuple[StepState, int, bytes, bytes]], final: StepState
) -> list[StepState]:
    """The state at which each block of a replay ends (the next block starts after it)."""
    states = [pre for pre, *_ in steps] + [final]
    ends = [
        state
        for state, after in itertools.pairwise(states)
        if state.phase == PHASE_BLOCK_START
        and state.block_number > 0
        and after.block_number == state.block_number + 1
    ]
    return [*ends, final] if final.block_number > 0 else ends


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_every_step_of_a_random_chain_proves_the_same_post_state_on_l1(
    rig: ProverRig, data: st.DataObject
) -> None:
    snapshot = rig.snapshot()
    try:
        world = World(data.draw, rig, rig.head())
        for _ in range(data.draw(st.integers(1, 6), label="blocks")):
            world.run_block()
        world.finish()
        reader = rig.input_reader()
        recorded = [reader.get_batch(i) for i in range(len(world.posted) + 1)]
        assert [r.data if r else None for r in recorded] == [*world.posted, None]
        derived = derive_expected(world, reader)
        # Up to the first rule broken, derivation gives exactly the sequencer's chain.
        honest_through = world.broken[1] - 1 if world.broken else len(world.blocks)
        assert [h.hash for h in derived[:honest_through]] == [
            b.header.hash for b in world.blocks[:honest_through]
        ], f"derivation departs from the sequencer's chain before {world.broken}"
        config = world.config
        genesis = build_genesis(world.document)
        machine = Machine(config, reader)
        state = genesis.state
        step = make_genesis_step_state(config, genesis.header)
        target = len(derived)
        steps: list[tuple[StepState, int, bytes, bytes]] = []
        posts: list[StepState] = []
        while True:
            post, proof = machine.execute_step(state, step, target)
            steps.append((step, target, proof.input, proof.witness))
            posts.append(post)
            if step.is_final(target):
                break
            step = post
        final = posts[-1]
        ends = list_block_ends(steps, final)
        assert [(e.block_number, e.block_hash, e.state_root) for e in ends] == [
            (h.number, h.hash, h.state_root) for h in derived
        ]
        # The proofs run in later L1 blocks, as a game's would: the clock has not gone back.
        rig.mine(1)
        results = rig.prove_steps(steps)
        kinds = [
            step_kind(pre, post, target, world, step_input)
            for (pre, _, step_input, _), post in zip(steps, posts, strict=True)
        ]
        # Gas grows with the batch each step decompresses: steps over a padded batch apart.
        gas_kinds = [
            world.padded.get(read_step_batch(pre, step_input), kind)
            for kind, (pre, _, step_input, _) in zip(kinds, steps, strict=True)
        ]
        for index, (result, post) in enumerate(zip(results, posts, strict=True)):
            if result != post.hash:
                raise AssertionError(describe_mismatch(world, steps, posts, index, kinds, result))
        # Gas: every step of the first examples, then only steps of kinds seen rarely so far.
        measured = [
            index
            for index in range(len(steps) - 1)
            if REPORT.examples < GAS_EXAMPLES or len(REPORT.gas[gas_kinds[index]]) < GAS_MIN_SAMPLES
        ]
        gas = rig.estimate_steps([steps[index] for index in measured])
        for index, used in zip(measured, gas, strict=True):
            REPORT.gas[gas_kinds[index]].append(used)
        REPORT.messages.update(
            f"forced ({label.split(' [')[1].rstrip(']') if ' [' in label else 'plain'})"
            if label.startswith("forced")
            else label
            for label in world.message_labels[: final.queue_index]
        )
        REPORT.batches.update(world.batch_kinds)
        REPORT.rules[world.broken[0] if world.broken else "none"] += 1
        REPORT.examples += 1
        REPORT.chains.add(keccak256(b"".join(keccak256(batch) for batch in world.posted)))
        REPORT.steps += len(steps)
    finally:
        rig.revert(snapshot)
