"""The derivation rules of docs/SETTLEMENT.md §5 on batches that break them, and the step machine
reaching exactly the blocks derivation gives (docs/FRAUD_PROOFS.md §1).

One L1 history holds a batch for every rule, in order, each built on the chain derivation gave so
far: blocks ahead of the L1 block carrying them (clamped to max_drift), a block whose origin is
after that L1 block (the batch ends), a batch on another parent (skipped), a transaction that does
not read (its block and batch end there), a lapsed sequencer window before a batch and by the L1
clock (deposit-only blocks, one with a message, at its L1 time), a batch carried long after its
blocks (clamped up to max_lag before it). scripts/gen_machine_vectors.py writes its steps for the
forge replay (contracts/test/prover/OneStepProverVectors.t.sol).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rollup import fastlz
from rollup.batch import BATCH_VERSION, Batch, BatchBlock, encode_batch, encode_payload
from rollup.block import Header
from rollup.config import ChainConfig
from rollup.crypto import keccak256
from rollup.derivation import clamp_timestamp
from rollup.genesis import build_genesis
from rollup.machine import Machine, make_genesis_step_state
from rollup.stepstate import StepState
from rollup.transaction import Transaction
from tests.unit.helpers import ADDRESSES, ANVIL_KEYS, Chain, base_document
from tests.unit.test_machine import FakeL1, block_ends, deposit, derive, forced

ALICE_KEY, BOB_KEY = ANVIL_KEYS[0], ANVIL_KEYS[1]
ALICE, BOB, CAROL = ADDRESSES[0], ADDRESSES[1], ADDRESSES[4]
WINDOW = 10
DRIFT = 600
LAG = 3_600
JUMP_AT = 30
JUMP = 10_000
"""L1 time runs a second a block, then jumps 10,000 s at block 30 (an L1 halt)."""


def rules_time(number: int) -> int:
    return 1_000 + number + (JUMP if number >= JUMP_AT else 0)


@dataclass
class RulesScenario:
    document: dict[str, object]
    l1: FakeL1
    headers: list[Header]
    """Every block derivation gives, block 1 first."""
    carriers: dict[str, int]
    """The L1 block each named batch was carried in."""

    @property
    def config(self) -> ChainConfig:
        return build_genesis(self.document).config

    def header(self, number: int) -> Header:
        return self.headers[number - 1]


class Builder:
    """Posts batches on the chain derivation has given so far."""

    def __init__(self) -> None:
        self.document = base_document(sequencerWindow=WINDOW, maxDrift=DRIFT, maxLag=LAG)
        self.chain = Chain(self.document)
        self.genesis = build_genesis(self.document).header
        self.l1 = FakeL1(time_of=rules_time)
        self.nonces = {ALICE_KEY: 0, BOB_KEY: 0}
        self.carriers: dict[str, int] = {}

    def head(self) -> Header:
        headers = derive(self.l1, self.document)
        return headers[-1] if headers else self.genesis

    def transfer(self, key: bytes, to: bytes, value: int) -> Transaction:
        nonce = self.nonces[key]
        self.nonces[key] = nonce + 1
        return self.chain.sign(key, to, b"", value, nonce=nonce).tx

    def batch(
        self, blocks: list[BatchBlock], *, parent: Header | None = None, first: int | None = None
    ) -> Batch:
        head = self.head() if parent is None else parent
        return Batch(
            first if first is not None else head.number + 1,
            head.hash,
            head.timestamp,
            head.l1_origin_number,
            tuple(blocks),
        )

    def carry(self, name: str, data: bytes, l1_block: int) -> None:
        self.l1.clock = max(self.l1.clock, l1_block - 1)
        self.l1.carry(data, l1_block)
        self.carriers[name] = l1_block


def garble_last_transaction(batch: Batch, block_index: int) -> bytes:
    """The L1 bytes of `batch` with the type byte of block `block_index`'s last transaction made
    unknown (0x07): that transaction does not read."""
    payload = bytearray(encode_payload(batch))
    block = batch.blocks[block_index]
    last = block.transactions[-1]
    # Blocks and transactions are encoded in order after the dictionary, so the transaction starts
    # where the payload of everything before it ends. The dictionary is the same when `last.to` is
    # already in it, and the block's tx count takes one byte either way.
    before = Batch(
        batch.first_block_number,
        batch.parent_hash,
        batch.parent_timestamp,
        batch.parent_l1_origin_number,
        (
            *batch.blocks[:block_index],
            BatchBlock(block.timestamp, block.l1_origin_number, block.transactions[:-1]),
        ),
    )
    assert last.to in {tx.to for b in before.blocks for tx in b.transactions}
    start = len(encode_payload(before))
    assert payload[start] == last.tx_type
    payload[start] = 0x07
    return bytes((BATCH_VERSION,)) + fastlz.compress(bytes(payload))


@cache
def build_rules_scenario() -> RulesScenario:
    b = Builder()
    b.l1.messages = [deposit(0, CAROL, 10**18, 1, rules_time)]
    # 1. An honest batch in L1 block 2: block 1 takes origin 1 (its deposit).
    b.carry(
        "honest",
        encode_batch(b.batch([BatchBlock(1_001, 1, (b.transfer(ALICE_KEY, BOB, 1),))])),
        2,
    )
    # 2. Blocks ahead of their L1 block (T = 1004): T + 599 and T + 600 stay, T + 601 and
    #    T + 10,000 become T + 600.
    t = rules_time(4)
    b.carry(
        "ahead",
        encode_batch(
            b.batch(
                [
                    BatchBlock(t + DRIFT - 1, 1, (b.transfer(ALICE_KEY, BOB, 2),)),
                    BatchBlock(t + DRIFT, 1, ()),
                    BatchBlock(t + DRIFT + 1, 1, (b.transfer(ALICE_KEY, BOB, 3),)),
                    BatchBlock(t + 10_000, 2, ()),
                ]
            )
        ),
        4,
    )
    # 3. Origins bounded by the L1 block carrying the batch (6): origin 6 passes, 7 ends it.
    b.carry(
        "late origin",
        encode_batch(
            b.batch(
                [
                    BatchBlock(rules_time(6) + DRIFT, 6, (b.transfer(BOB_KEY, ALICE, 4),)),
                    BatchBlock(rules_time(6) + DRIFT, 7, (b.transfer(BOB_KEY, ALICE, 5),)),
                ]
            )
        ),
        6,
    )
    b.nonces[BOB_KEY] -= 1  # the second transfer was never derived
    # 4. A batch on another parent (the right number, a wrong hash): skipped.
    head = b.head()
    wrong_parent = Header(
        keccak256(b"elsewhere"),
        head.number,
        head.timestamp,
        head.l1_origin_number,
        head.state_root,
        head.transactions_root,
        head.gas_limit,
        head.gas_used,
        head.base_fee,
    )
    b.carry(
        "bad parent",
        encode_batch(
            b.batch(
                [BatchBlock(head.timestamp, 7, (b.transfer(ALICE_KEY, CAROL, 6),))],
                parent=wrong_parent,
                first=head.number + 1,
            )
        ),
        7,
    )
    b.nonces[ALICE_KEY] -= 1
    # 5. A transaction that does not read ends its block (which keeps the one before it) and the
    #    batch (whose next block is never derived).
    head = b.head()
    first = b.transfer(ALICE_KEY, CAROL, 7)
    garbled = b.transfer(ALICE_KEY, CAROL, 8)
    b.carry(
        "garbage tail",
        garble_last_transaction(
            b.batch(
                [
                    BatchBlock(head.timestamp, 8, (first, garbled)),
                    BatchBlock(head.timestamp + 1, 8, ()),
                ]
            ),
            0,
        ),
        8,
    )
    b.nonces[ALICE_KEY] -= 1
    # 6. A deposit in L1 block 9, and no batch until L1 block 25: the window lapses, derivation
    #    appends deposit-only blocks (origins 9..14) before the batch; origin 9's carries the
    #    deposit at L1 block 9's time.
    b.l1.messages.append(deposit(1, BOB, 2 * 10**18, 9, rules_time))
    b.l1.clock = 24
    head = b.head()
    b.carry(
        "after the window",
        encode_batch(
            b.batch([BatchBlock(head.timestamp + 1, 15, (b.transfer(BOB_KEY, CAROL, 9),))])
        ),
        25,
    )
    # 7. A batch carried at L1 block 30, after L1 time jumped 10,000 s: its block is clamped up to
    #    T - max_lag; a forced transaction queued at L1 block 33 waits in the window.
    forced_tx = b.chain.sign(ALICE_KEY, BOB, b"", 10, nonce=b.nonces[ALICE_KEY])
    b.nonces[ALICE_KEY] += 1
    b.l1.clock = 29
    head = b.head()
    b.carry(
        "lagging",
        encode_batch(b.batch([BatchBlock(head.timestamp + 1, 30, ())])),
        JUMP_AT,
    )
    b.l1.messages.append(forced(2, forced_tx.raw, 33, rules_time))
    # 8. No batch after it, L1 read up to block 45: deposit-only blocks by the L1 clock, origins
    #    31..35; origin 33's runs the forced transaction at L1 block 33's time.
    b.l1.clock = 45
    return RulesScenario(b.document, b.l1, derive(b.l1, b.document), b.carriers)


def by_origin(scenario: RulesScenario) -> dict[int, Header]:
    return {header.l1_origin_number: header for header in scenario.headers}


def test_clamp_keeps_the_bounds_and_moves_one_second_past_them() -> None:
    config = build_genesis(base_document(maxDrift=DRIFT, maxLag=LAG)).config
    t = 10_000
    assert clamp_timestamp(t + DRIFT, t, config) == t + DRIFT
    assert clamp_timestamp(t + DRIFT + 1, t, config) == t + DRIFT
    assert clamp_timestamp(t - LAG, t, config) == t - LAG
    assert clamp_timestamp(t - LAG - 1, t, config) == t - LAG


def test_blocks_ahead_of_their_l1_block_stay_up_to_max_drift_and_are_clamped_past_it() -> None:
    scenario = build_rules_scenario()
    t = rules_time(scenario.carriers["ahead"])
    assert [scenario.header(n).timestamp for n in (2, 3, 4, 5)] == [
        t + DRIFT - 1,
        t + DRIFT,
        t + DRIFT,
        t + DRIFT,
    ]
    assert [scenario.header(n).l1_origin_number for n in (2, 3, 4, 5)] == [1, 1, 1, 2]


def test_a_block_whose_origin_is_after_its_l1_block_ends_the_batch() -> None:
    scenario = build_rules_scenario()
    carrier = scenario.carriers["late origin"]
    assert scenario.header(6).l1_origin_number == carrier
    assert scenario.header(7).l1_origin_number != carrier + 1
    assert scenario.header(7).l1_origin_number == 8  # the garbage-tail batch's block


def test_a_batch_on_another_parent_is_skipped_and_its_block_never_derived() -> None:
    scenario = build_rules_scenario()
    assert all(header.l1_origin_number != 7 for header in scenario.headers)


def test_a_transaction_that_does_not_read_ends_its_block_and_the_batch() -> None:
    scenario = build_rules_scenario()
    block = scenario.header(7)
    assert block.l1_origin_number == 8
    # The transaction before the unreadable one was included: the block's gas is one transfer's.
    assert block.gas_used == 21_000
    # The batch's second block (origin 8) is not derived: next comes a deposit-only block.
    assert scenario.header(8).l1_origin_number == 9


def test_a_lapsed_window_before_a_batch_gives_deposit_only_blocks_one_l1_block_each() -> None:
    scenario = build_rules_scenario()
    origins = [header.l1_origin_number for header in scenario.headers]
    # After the garbage-tail block (origin 8), the batch in L1 block 25 comes only after
    # origins 9..14: 14 + WINDOW = 24 = 25 - 1.
    start = origins.index(9)
    assert origins[start : start + 7] == [9, 10, 11, 12, 13, 14, 15]
    deposit_block = by_origin(scenario)[9]
    parent = scenario.header(deposit_block.number - 1)
    assert deposit_block.timestamp == max(parent.timestamp, rules_time(9))
    assert deposit_block.gas_used == 0 and deposit_block.transactions_root != bytes(32)
    empty = by_origin(scenario)[10]
    assert (empty.timestamp, empty.transactions_root) == (deposit_block.timestamp, bytes(32))


def test_a_block_carried_long_after_its_time_is_clamped_up_to_max_lag_before_it() -> None:
    scenario = build_rules_scenario()
    lagging = by_origin(scenario)[30]
    assert lagging.timestamp == rules_time(JUMP_AT) - LAG


def test_the_l1_clock_alone_gives_deposit_only_blocks_after_the_last_batch() -> None:
    scenario = build_rules_scenario()
    origins = [header.l1_origin_number for header in scenario.headers]
    # Deposit-only blocks while origin + WINDOW < 45 (the clock): the last has origin 35.
    assert origins[-5:] == [31, 32, 33, 34, 35]
    forced_block = by_origin(scenario)[33]
    assert forced_block.timestamp == rules_time(33)
    assert forced_block.gas_used == 21_000  # the forced transfer ran


def test_the_machine_reaches_every_block_derivation_gives() -> None:
    scenario = build_rules_scenario()
    config = scenario.config
    genesis = build_genesis(scenario.document)
    machine = Machine(config, scenario.l1)
    start: StepState = make_genesis_step_state(config, genesis.header)
    trace = machine.run_to(genesis.state, start, len(scenario.headers))
    ends = block_ends(trace)
    assert [end.block_number for end in ends] == [h.number for h in scenario.headers]
    for end, header in zip(ends, scenario.headers, strict=True):
        assert (end.block_hash, end.state_root, end.timestamp) == (
            header.hash,
            header.state_root,
            header.timestamp,
        )
