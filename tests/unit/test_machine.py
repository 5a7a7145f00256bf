"""The step machine replays a chain from its batches and queue exactly as blocks executed it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest
from eth_abi.abi import encode as abi_encode

from rollup.abi import encode_call
from rollup.addresses import AMM, L2_BRIDGE, LENDING, LEVERAGE, ORACLE, PERPS
from rollup.batch import Batch, BatchBlock, encode_batch
from rollup.block import BlockExecution, Header, SignedTransaction, execute_block
from rollup.crypto import keccak256
from rollup.deposit import KIND_ETH_DEPOSIT, KIND_FORCED_TRANSACTION, QueuedMessage
from rollup.derivation import Deriver, L1BlockData
from rollup.genesis import build_genesis
from rollup.machine import (
    BatchCursor,
    BatchRecord,
    BoundaryLocator,
    L1Inputs,
    Machine,
    MachineError,
    compute_boundary_state,
    make_genesis_step_state,
)
from rollup.stepstate import PHASE_BLOCK_START, PHASE_MESSAGES, PHASE_TXS, StepState
from tests.unit.helpers import (
    ADDRESSES,
    ANVIL_KEYS,
    FAR_DEADLINE,
    LENDING_USDC,
    ORACLE_KEY,
    UINT256_MAX,
    WETH,
    Chain,
    base_document,
    lending_document,
)
from tests.unit.perps_spec import USDC6, perps_document

ALICE_KEY, BOB_KEY = ANVIL_KEYS[0], ANVIL_KEYS[1]
ALICE, BOB, CAROL = ADDRESSES[0], ADDRESSES[1], ADDRESSES[4]


def l1_time(number: int) -> int:
    """The timestamp of L1 block `number` in these scenarios: one block a second from genesis."""
    return 1_000 + number


@dataclass
class FakeL1(L1Inputs):
    """What L1 recorded: batches and queue messages with their L1 blocks, and how far it is read."""

    batches: list[BatchRecord] = field(default_factory=list)
    messages: list[QueuedMessage] = field(default_factory=list)
    clock: int = 0
    time_of: Callable[[int], int] = l1_time
    """The timestamp of each L1 block."""

    def get_batch(self, index: int) -> BatchRecord | None:
        return self.batches[index] if index < len(self.batches) else None

    def get_message(self, queue_index: int) -> QueuedMessage | None:
        return self.messages[queue_index] if queue_index < len(self.messages) else None

    def get_l1_clock(self) -> int:
        return self.clock

    def count_messages_through(self, l1_block_number: int) -> int:
        return sum(1 for message in self.messages if message.l1_block_number <= l1_block_number)

    def carry(self, data: bytes, l1_block_number: int) -> None:
        """Append batch `data` in L1 block `l1_block_number`."""
        self.batches.append(BatchRecord(data, l1_block_number, self.time_of(l1_block_number)))
        self.clock = max(self.clock, l1_block_number)

    def history(self) -> dict[int, L1BlockData]:
        """Every L1 block from 0 to the clock, as a follower would hold them."""
        history: dict[int, L1BlockData] = {}
        for number in range(self.clock + 1):
            assert all(
                record.l1_timestamp == self.time_of(number)
                for record in (*self.batches, *self.messages)
                if record.l1_block_number == number
            )
            history[number] = L1BlockData(
                number,
                keccak256(b"l1 block %d" % number),
                keccak256(b"l1 block %d" % (number - 1)),
                self.time_of(number),
                tuple(batch.data for batch in self.batches if batch.l1_block_number == number),
                tuple(message for message in self.messages if message.l1_block_number == number),
            )
        return history


def deposit(
    queue_index: int,
    recipient: bytes,
    amount: int,
    l1_block: int,
    time_of: Callable[[int], int] = l1_time,
) -> QueuedMessage:
    payload = abi_encode(["address", "address", "uint256"], [ALICE, recipient, amount])
    return QueuedMessage(queue_index, KIND_ETH_DEPOSIT, payload, l1_block, time_of(l1_block))


def forced(
    queue_index: int, raw: bytes, l1_block: int, time_of: Callable[[int], int] = l1_time
) -> QueuedMessage:
    return QueuedMessage(queue_index, KIND_FORCED_TRANSACTION, raw, l1_block, time_of(l1_block))


@dataclass
class Scenario:
    chain: Chain
    l1: FakeL1
    blocks: list[BlockExecution]
    document: dict[str, object]
    genesis_root: bytes

    @property
    def genesis_header(self) -> Header:
        return build_genesis(self.document).header


def build_scenario() -> Scenario:
    """Four blocks in two batches: transfers, a WETH wrap, a failing call, deposits and a forced
    transaction arriving with an L1 origin step, an invalid (nonce too high) transaction; a stale
    duplicate of the first batch between the two."""
    document = base_document()
    chain = Chain(document)
    l1 = FakeL1()
    forced_tx = chain.sign(BOB_KEY, CAROL, b"", 7, nonce=0)
    l1.messages = [
        deposit(0, CAROL, 5 * 10**18, 3),
        forced(1, forced_tx.raw, 3),
        deposit(2, BOB, 10**18, 4),
        deposit(3, CAROL, 1, 9),  # after every origin below: never consumed
    ]
    chain._pending.clear()
    blocks: list[BlockExecution] = []
    _run_blocks(chain, blocks, l1)
    genesis = build_genesis(document)
    first, second = (
        make_batch(genesis.header, blocks, 1, 2),
        make_batch(genesis.header, blocks, 3, 4),
    )
    l1.carry(first, 5)
    l1.carry(first, 5)  # a stale duplicate: the machine must skip it
    l1.carry(second, 10)
    l1.clock = 12
    return Scenario(chain, l1, blocks, document, genesis.header.state_root)


def _run_blocks(chain: Chain, blocks: list[BlockExecution], l1: FakeL1) -> None:
    def run(
        candidates: list[SignedTransaction], dt: int, origin: int, messages: list[QueuedMessage]
    ) -> None:
        block = execute_block(
            chain.state,
            chain.config,
            chain.head,
            candidates,
            chain.head.timestamp + dt,
            origin,
            messages,
        )
        chain.head = block.header
        chain._pending.clear()
        blocks.append(block)

    run([chain.sign(ALICE_KEY, BOB, b"", 10**18), chain.sign(ALICE_KEY, CAROL, b"", 3)], 1, 0, [])
    wrap = chain.sign(ALICE_KEY, WETH, b"", 2 * 10**18)
    bad = chain.sign(ALICE_KEY, WETH, encode_call("withdraw(uint256)", 10**30))
    too_high = chain.sign(BOB_KEY, ALICE, b"", 1, nonce=99)
    run([wrap, bad, too_high], 2, 3, l1.messages[:2])
    run([], 1, 4, l1.messages[2:3])
    run([chain.sign(BOB_KEY, ALICE, b"", 5)], 3, 4, [])


def make_batch(
    genesis_header: Header, blocks: list[BlockExecution], first: int, last: int
) -> bytes:
    """The batch of blocks first..last of `blocks` (block n at index n - 1), as a sequencer
    posts them."""
    parent: Header = genesis_header if first == 1 else blocks[first - 2].header
    return encode_batch(
        Batch(
            first_block_number=first,
            parent_hash=parent.hash,
            parent_timestamp=parent.timestamp,
            parent_l1_origin_number=parent.l1_origin_number,
            blocks=tuple(
                BatchBlock(
                    blocks[n - 1].header.timestamp,
                    blocks[n - 1].header.l1_origin_number,
                    tuple(tx.tx for tx in blocks[n - 1].sequenced_transactions),
                )
                for n in range(first, last + 1)
            ),
        )
    )


def build_defi_scenario() -> Scenario:
    """Lending, leverage, a swap, an oracle move, interest over a day, a liquidation, a
    withdrawal to L1, a revert in each module: every DeFi module in whole steps."""
    # No L2 block for a day between the second and third: a window that never lapses over it.
    document = lending_document(sequencerWindow=1_000_000)
    chain = Chain(document)
    usdc, lending, leverage, amm = LENDING_USDC, LENDING, LEVERAGE, AMM
    bob_key, carol_key = ANVIL_KEYS[1], ANVIL_KEYS[2]
    carol = ADDRESSES[2]
    blocks: list[BlockExecution] = []

    def run(txs: list[SignedTransaction], dt: int) -> None:
        block = execute_block(
            chain.state, chain.config, chain.head, txs, chain.head.timestamp + dt, 0
        )
        assert not block.skipped, block.skipped
        chain.head = block.header
        chain._pending.clear()
        blocks.append(block)

    def call(
        key: bytes, to: bytes, signature: str, *args: object, value: int = 0
    ) -> SignedTransaction:
        return chain.sign(key, to, encode_call(signature, *args), value)

    run(
        [
            call(bob_key, usdc, "approve(address,uint256)", lending, UINT256_MAX),
            call(bob_key, WETH, "approve(address,uint256)", lending, UINT256_MAX),
            call(carol_key, usdc, "approve(address,uint256)", lending, UINT256_MAX),
            call(ALICE_KEY, WETH, "approve(address,uint256)", leverage, UINT256_MAX),
            call(carol_key, usdc, "approve(address,uint256)", amm, UINT256_MAX),
        ],
        1,
    )
    run(
        [
            call(bob_key, lending, "supply(address,uint256)", WETH, 10 * 10**18),
            call(bob_key, lending, "borrow(address,uint256)", usdc, 14_000 * 10**6),
            call(bob_key, lending, "borrow(address,uint256)", usdc, 10**15),  # over the limit
            call(
                ALICE_KEY,
                leverage,
                "openPosition(address,address,uint256,uint256,uint256,uint256)",
                WETH,
                usdc,
                10**18,
                2 * 10**18,
                UINT256_MAX,
                FAR_DEADLINE,
            ),
            call(
                carol_key,
                amm,
                "swapExactIn(address,address,uint256,uint256,address,uint256)",
                usdc,
                WETH,
                5_000 * 10**6,
                1,
                carol,
                FAR_DEADLINE,
            ),
            call(
                carol_key,
                amm,
                "swapExactIn(address,address,uint256,uint256,address,uint256)",
                usdc,
                WETH,
                10**6,
                10**30,
                carol,
                FAR_DEADLINE,
            ),  # below min out: reverts
        ],
        1,
    )
    run(
        [
            call(ORACLE_KEY, ORACLE, "setPrice(address,uint256,uint256)", WETH, 1_500 * 10**18, 0),
            call(ORACLE_KEY, ORACLE, "setPrice(address,uint256,uint256)", usdc, 10**18, 0),
            call(
                carol_key,
                lending,
                "liquidate(address,address,address,uint256)",
                BOB,
                usdc,
                WETH,
                5_000 * 10**6,
            ),
            call(BOB_KEY, L2_BRIDGE, "withdrawETH(address)", BOB, value=10**17),
        ],
        86_400,
    )
    run(
        [
            call(
                ALICE_KEY,
                leverage,
                "closePosition(address,address,uint256,uint256)",
                WETH,
                usdc,
                0,
                FAR_DEADLINE,
            ),
            call(bob_key, lending, "repay(address,uint256)", usdc, 1_000 * 10**6),
        ],
        600,
    )
    genesis = build_genesis(document)
    l1 = FakeL1()
    # Each batch a few seconds after its blocks: blocks 3 and 4 come a day after block 2.
    l1.carry(make_batch(genesis.header, blocks, 1, 2), 5)
    l1.carry(make_batch(genesis.header, blocks, 3, 4), blocks[3].header.timestamp - 1_000 + 5)
    l1.clock += 1
    return Scenario(chain, l1, blocks, document, genesis.header.state_root)


def build_perps_scenario() -> Scenario:
    """Perpetuals in whole steps: approvals and margin deposits (no funding accrual), a 10 WETH
    long, a short five minutes later (funding accrues over a skewed market), a margin
    withdrawal with a position, an oracle move, a close, and a reverted trade."""
    document = perps_document()
    document["sequencerWindow"] = 1_000_000
    chain = Chain(document)
    bob_key = ANVIL_KEYS[1]
    blocks: list[BlockExecution] = []

    def run(txs: list[SignedTransaction], dt: int) -> None:
        block = execute_block(
            chain.state, chain.config, chain.head, txs, chain.head.timestamp + dt, 0
        )
        assert not block.skipped, block.skipped
        chain.head = block.header
        chain._pending.clear()
        blocks.append(block)

    def call(key: bytes, to: bytes, signature: str, *args: object) -> SignedTransaction:
        return chain.sign(key, to, encode_call(signature, *args))

    modify = "modifyPosition(address,int256,uint256,uint256)"
    run(
        [
            call(ALICE_KEY, USDC6, "approve(address,uint256)", PERPS, UINT256_MAX),
            call(bob_key, USDC6, "approve(address,uint256)", PERPS, UINT256_MAX),
        ],
        1,
    )
    run(
        [
            call(ALICE_KEY, PERPS, "depositMargin(address,uint256)", WETH, 10_000 * 10**6),
            call(bob_key, PERPS, "depositMargin(address,uint256)", WETH, 10_000 * 10**6),
            call(ALICE_KEY, PERPS, modify, WETH, 10 * 10**18, UINT256_MAX, FAR_DEADLINE),
        ],
        1,
    )
    run(
        [
            call(bob_key, PERPS, modify, WETH, -4 * 10**18, 0, FAR_DEADLINE),
            call(ALICE_KEY, PERPS, "withdrawMargin(address,uint256)", WETH, 100 * 10**6),
            call(bob_key, PERPS, modify, WETH, 0, 0, FAR_DEADLINE),  # zero size: reverts
        ],
        300,
    )
    run(
        [
            call(ORACLE_KEY, ORACLE, "setPrice(address,uint256,uint256)", WETH, 2_100 * 10**18, 0),
            call(ALICE_KEY, PERPS, "closePosition(address,uint256,uint256)", WETH, 0, FAR_DEADLINE),
        ],
        200,
    )
    genesis = build_genesis(document)
    l1 = FakeL1()
    l1.carry(make_batch(genesis.header, blocks, 1, 2), 5)
    l1.carry(make_batch(genesis.header, blocks, 3, 4), blocks[3].header.timestamp - 1_000 + 5)
    l1.clock += 1
    return Scenario(chain, l1, blocks, document, genesis.header.state_root)


def replay(scenario: Scenario, target: int) -> list[StepState]:
    machine = Machine(scenario.chain.config, scenario.l1)
    start = make_genesis_step_state(scenario.chain.config, scenario.genesis_header)
    return machine.run_to(build_genesis(scenario.document).state, start, target)


def derive(l1: FakeL1, document: dict[str, object]) -> list[Header]:
    """Every block derivation gives from `l1`, from genesis."""
    genesis = build_genesis(document)
    deriver = Deriver(genesis.state, genesis.config, genesis.header)
    history = l1.history()
    headers: list[Header] = []
    for number in sorted(history):
        if number > genesis.config.l1_origin_number:
            headers += [e.header for e in deriver.process_l1_block(history[number], history)]
    return headers


def block_ends(trace: list[StepState]) -> list[StepState]:
    """The states at which each block of a trace has ended (the final state included)."""
    ends = [
        step
        for index, step in enumerate(trace)
        if step.phase == PHASE_BLOCK_START
        and step.block_number > 0
        and index + 1 < len(trace)
        and trace[index + 1].block_number == step.block_number + 1
    ]
    return [*ends, trace[-1]]


def test_the_final_step_state_has_the_head_block_state_root_and_hash() -> None:
    scenario = build_scenario()
    trace = replay(scenario, 4)
    assert trace[-1].state_root == scenario.chain.head.state_root
    assert trace[-1].block_hash == scenario.chain.head.hash
    assert trace[-1].block_number == 4


def test_every_block_end_matches_the_header_executed_by_the_node() -> None:
    scenario = build_scenario()
    ends = block_ends(replay(scenario, 4))
    assert [step.block_number for step in ends] == [1, 2, 3, 4]
    for step, block in zip(ends, scenario.blocks, strict=True):
        header = block.header
        assert (step.state_root, step.timestamp, step.l1_origin_number) == (
            header.state_root,
            header.timestamp,
            header.l1_origin_number,
        )
        assert (step.base_fee, step.gas_used, step.tx_count) == (
            header.base_fee,
            header.gas_used,
            len(block.transactions),
        )
        assert (step.transactions_root, step.block_hash) == (header.transactions_root, header.hash)


def test_derivation_gives_the_blocks_the_node_executed() -> None:
    scenario = build_scenario()
    assert derive(scenario.l1, scenario.document) == [block.header for block in scenario.blocks]


def test_the_machine_walks_every_phase_and_skips_the_stale_batch() -> None:
    scenario = build_scenario()
    trace = replay(scenario, 4)
    phases = {step.phase for step in trace}
    assert phases == {PHASE_BLOCK_START, PHASE_MESSAGES, PHASE_TXS}
    assert trace[-1].batches_opened == 3
    assert trace[-1].queue_index == 3  # the message of L1 block 9 is past every origin


def test_the_boundary_state_equals_the_machine_state_at_each_block_end() -> None:
    scenario = build_scenario()
    headers = {0: scenario.genesis_header} | {b.header.number: b.header for b in scenario.blocks}
    locator = BoundaryLocator(scenario.chain.config, scenario.genesis_header)
    for target in range(1, 5):
        trace = replay(scenario, target)
        header = headers[target]
        cursor = locator.locate(target, scenario.l1, headers.get)
        boundary = compute_boundary_state(
            header,
            len(scenario.blocks[target - 1].transactions),
            cursor,
            scenario.l1.count_messages_through(header.l1_origin_number),
        )
        assert boundary == trace[-1]


@pytest.mark.parametrize("resume_from", [1, 2, 3])
def test_a_locator_resumed_at_a_located_cursor_locates_the_next_blocks_as_from_genesis(
    resume_from: int,
) -> None:
    scenario = build_scenario()
    headers = {0: scenario.genesis_header} | {b.header.number: b.header for b in scenario.blocks}
    from_genesis = BoundaryLocator(scenario.chain.config, scenario.genesis_header)
    expected = {n: from_genesis.locate(n, scenario.l1, headers.get) for n in range(1, 5)}
    resumed = BoundaryLocator(scenario.chain.config, scenario.genesis_header)

    assert resumed.resume_at(headers[resume_from], expected[resume_from], scenario.l1)

    for number in range(resume_from + 1, 5):
        assert resumed.locate(number, scenario.l1, headers.get) == expected[number]


def test_a_locator_is_not_resumed_mid_batch_when_l1_lost_that_batch() -> None:
    scenario = build_scenario()
    headers = {0: scenario.genesis_header} | {b.header.number: b.header for b in scenario.blocks}
    located = BoundaryLocator(scenario.chain.config, scenario.genesis_header)
    mid_batch = next(
        (number, cursor)
        for number in range(1, 5)
        if (cursor := located.locate(number, scenario.l1, headers.get)).blocks_left > 0
    )
    number, cursor = mid_batch
    lost = BatchCursor(cursor.batches_opened + 100, cursor.offset, cursor.blocks_left)
    resumed = BoundaryLocator(scenario.chain.config, scenario.genesis_header)

    assert not resumed.resume_at(headers[number], lost, scenario.l1)


def test_the_locator_refuses_a_stored_block_that_l1_does_not_derive() -> None:
    scenario = build_scenario()
    headers = {0: scenario.genesis_header} | {b.header.number: b.header for b in scenario.blocks}
    headers[2] = replace(headers[2], l1_origin_number=headers[2].l1_origin_number + 1)
    locator = BoundaryLocator(scenario.chain.config, scenario.genesis_header)
    with pytest.raises(MachineError, match="not the block L1 derives"):
        locator.locate(2, scenario.l1, headers.get)


def test_the_defi_scenario_replays_to_the_head_state_root_with_every_call_included() -> None:
    scenario = build_defi_scenario()
    statuses = [receipt.status for block in scenario.blocks for receipt in block.receipts]
    assert statuses == [1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1]
    trace = replay(scenario, len(scenario.blocks))
    assert trace[-1].state_root == scenario.chain.head.state_root
    assert trace[-1].block_hash == scenario.chain.head.hash
    assert derive(scenario.l1, scenario.document) == [b.header for b in scenario.blocks]


def test_the_perps_scenario_replays_to_the_head_state_root_with_every_call_included() -> None:
    scenario = build_perps_scenario()
    statuses = [receipt.status for block in scenario.blocks for receipt in block.receipts]
    assert statuses == [1, 1, 1, 1, 1, 1, 1, 0, 1, 1]
    trace = replay(scenario, len(scenario.blocks))
    assert trace[-1].state_root == scenario.chain.head.state_root
    assert trace[-1].block_hash == scenario.chain.head.hash
    assert derive(scenario.l1, scenario.document) == [b.header for b in scenario.blocks]


def test_a_step_from_the_final_state_changes_nothing() -> None:
    scenario = build_scenario()
    trace = replay(scenario, 1)
    machine = Machine(scenario.chain.config, scenario.l1)
    state = build_genesis(base_document()).state
    for step in trace[:-1]:
        machine.execute_step(state, step, 1)
    after, proof = machine.execute_step(state, trace[-1], 1)
    assert after == trace[-1]
    assert proof.input == b""
