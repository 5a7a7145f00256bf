"""A node's traces and one-step proofs from its storage, and the faulty traces of `--fault`: the
perturbed step is the first one a one-step proof refutes, every later step replays consistently."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from faults.outputs import FaultyOutputs, FaultyTrace
from faults.perturbation import (
    FAULT_KINDS,
    FUNDING_RATE_SHIFT,
    LENDING_FAULTS,
    PERPS_FAULTS,
    WRONG_FUNDING,
    WRONG_WITHDRAWAL_ROOT,
    plan_fault,
    run_faulty,
)
from l1.inputs import L1InputSource
from node.proposer import ProposedOutput
from node.storage import Storage
from prover.traces import NodeTraceProvider
from rollup.addresses import WETH
from rollup.crypto import keccak256
from rollup.deposit import QueuedMessage
from rollup.fixedpoint import from_word
from rollup.genesis import build_genesis
from rollup.machine import BatchRecord, Machine, make_genesis_step_state
from rollup.smt import decode_proof, verify_inclusion
from rollup.state import (
    KIND_PERPS_MARKET,
    WITHDRAWALS_KEY,
    PerpsMarket,
    compute_tree_key,
    encode_leaf,
    perps_market_key,
)
from rollup.stepstate import PHASE_TXS
from tests.unit.test_machine import (
    FakeL1,
    Scenario,
    build_defi_scenario,
    build_perps_scenario,
    build_scenario,
)

SEQUENCER = b"\x5e" * 20


@dataclass
class Inputs(L1InputSource):
    l1: FakeL1

    def get_batch(self, index: int) -> BatchRecord | None:
        return self.l1.get_batch(index)

    def get_message(self, queue_index: int) -> QueuedMessage | None:
        return self.l1.get_message(queue_index)

    def get_l1_clock(self) -> int:
        return self.l1.get_l1_clock()

    def count_messages_through(self, l1_block_number: int) -> int:
        return self.l1.count_messages_through(l1_block_number)


def store(tmp_path: Path, scenario: Scenario) -> Storage:
    storage = Storage(f"sqlite:///{tmp_path / 'node.db'}")
    storage.initialize_genesis(build_genesis(scenario.document), orjson.dumps(scenario.document))
    for block in scenario.blocks:
        storage.append_block(block)
    return storage


def provider_for(tmp_path: Path, scenario: Scenario) -> NodeTraceProvider:
    return NodeTraceProvider(store(tmp_path, scenario), scenario.chain.config, Inputs(scenario.l1))


def faulty_for(tmp_path: Path, scenario: Scenario, fault: str) -> FaultyOutputs:
    """A proposer's outputs and defender's traces with `fault` (the plug-in --fault wires in)."""
    return FaultyOutputs(provider_for(tmp_path, scenario), fault, SEQUENCER)


@pytest.fixture(scope="module")
def defi() -> Scenario:
    return build_defi_scenario()


@pytest.fixture(scope="module")
def perps() -> Scenario:
    return build_perps_scenario()


def test_the_state_at_any_block_is_rebuilt_from_storage(tmp_path: Path) -> None:
    scenario = build_scenario()
    storage = store(tmp_path, scenario)
    for block in scenario.blocks:
        number = block.header.number
        assert storage.load_state_at(number).root == block.header.state_root
    assert storage.load_state_at(0).root == scenario.genesis_root


def test_traces_run_between_boundary_states(tmp_path: Path) -> None:
    scenario = build_scenario()
    provider = provider_for(tmp_path, scenario)
    head = len(scenario.blocks)
    whole = provider.trace(0, head)
    assert whole.hash_at(0) == provider.genesis_step_state().hash
    own = provider.own_output(head)
    assert own is not None and whole.final.hash == own.machine_hash
    assert own.output_root == _output_root(scenario, head)
    second = provider.trace(2, head)
    start = provider.own_output(2)
    assert start is not None and second.states[0] == start.step_state
    assert second.final == whole.final
    # A one-step proof from any position reproduces the next state of the trace.
    for position in (0, 3, second.steps - 1, second.steps, second.steps + 5):
        step = provider.one_step(second, position)
        assert step.pre == second.state_at(position)
        assert step.post == second.state_at(position + 1)
    assert provider.own_output(head + 1) is None


def _output_root(scenario: Scenario, number: int) -> bytes:
    from rollup.output import compute_output_root

    return compute_output_root(scenario.blocks[number - 1].header)


@pytest.mark.parametrize("kind", [k for k in FAULT_KINDS if k != WRONG_WITHDRAWAL_ROOT])
def test_a_faulty_trace_departs_at_one_step_that_the_proof_refutes(
    tmp_path: Path, defi: Scenario, kind: str
) -> None:
    outputs = faulty_for(tmp_path, defi, kind)
    head = len(defi.blocks)
    header = defi.blocks[-1].header
    honest = outputs.trace(0, head)
    wrong = outputs.get_output(0, header)
    assert wrong.step_state.hash != honest.final.hash
    again = outputs.get_output(0, header)  # only one faulty output
    assert again.step_state.hash == honest.final.hash
    faulty = outputs.trace(0, head, end_hash=wrong.step_state.hash)
    assert isinstance(faulty, FaultyTrace)
    plan = faulty.plan
    assert plan is not None and faulty.final.hash == wrong.step_state.hash
    k = plan.step
    assert faulty.states[k].phase == PHASE_TXS
    assert faulty.hashes[: k + 1] == honest.hashes[: k + 1]
    assert faulty.hash_at(k + 1) != honest.hash_at(k + 1)
    if kind in LENDING_FAULTS:
        assert plan.touched  # the DeFi scenario touches a market early on
    if kind in PERPS_FAULTS:
        assert not plan.touched  # the DeFi scenario has no perps market: the sender gets 1 ETH
    # The one-step proof of the perturbed step gives the honest post-state: the defender's claim
    # at k + 1 is refuted there ...
    refuted = outputs.one_step(faulty, k)
    assert refuted.pre == faulty.states[k]
    assert refuted.post == honest.states[k + 1] != faulty.states[k + 1]
    # ... while every later step of the faulty trace is what the machine computes from the
    # perturbed state (so bisection cannot converge anywhere else).
    for position in range(k + 1, min(k + 4, faulty.steps)):
        assert outputs.one_step(faulty, position).post == faulty.states[position + 1]


def test_a_wrong_withdrawal_root_keeps_the_honest_state(tmp_path: Path, defi: Scenario) -> None:
    outputs = faulty_for(tmp_path, defi, WRONG_WITHDRAWAL_ROOT)
    head = len(defi.blocks)
    own = outputs.own_output(head)
    wrong = outputs.get_output(0, defi.blocks[-1].header)
    assert own is not None
    assert wrong.step_state.hash == own.machine_hash
    assert wrong.withdrawal_root != own.withdrawal_root
    (count, root), proof = outputs.withdrawals_proof(head)
    assert count >= 1 and root.to_bytes(32, "big") == own.withdrawal_root
    value_hash = keccak256(encode_leaf((count, root)))
    assert verify_inclusion(
        own.state_root, compute_tree_key(WITHDRAWALS_KEY), value_hash, decode_proof(proof)
    )


def test_without_a_transaction_the_fault_waits_for_the_next_output(tmp_path: Path) -> None:
    scenario = build_scenario()
    outputs = faulty_for(tmp_path, scenario, "wrong-balance")
    # Block 3 holds no sequenced transaction.
    own = outputs.own_output(3)
    assert own is not None
    assert outputs.get_output(2, scenario.blocks[2].header) == ProposedOutput(
        own.step_state, own.withdrawal_root
    )
    assert outputs.pending
    own = outputs.own_output(4)
    assert own is not None
    wrong = outputs.get_output(3, scenario.blocks[3].header)
    assert wrong != ProposedOutput(own.step_state, own.withdrawal_root)
    assert not outputs.pending


# -- wrong-funding over a chain that trades perpetuals ----------------------------------------


def test_wrong_funding_departs_at_the_first_trade_and_the_proof_refutes_it(
    tmp_path: Path, perps: Scenario
) -> None:
    outputs = faulty_for(tmp_path, perps, WRONG_FUNDING)
    head = len(perps.blocks)
    honest = outputs.trace(0, head)
    wrong = outputs.get_output(0, perps.blocks[-1].header)
    assert wrong.step_state.hash != honest.final.hash
    faulty = outputs.trace(0, head, end_hash=wrong.step_state.hash)
    assert isinstance(faulty, FaultyTrace) and faulty.plan is not None
    k = faulty.plan.step
    # Not the approvals nor the deposits (they accrue no funding): the long, the fifth
    # transaction, is the first step that reads and writes the WETH perps market.
    assert faulty.plan.touched == (perps_market_key(WETH),)
    assert faulty.states[k].phase == PHASE_TXS
    assert (faulty.states[k].block_number, faulty.states[k].tx_count) == (2, 2)
    assert faulty.hashes[: k + 1] == honest.hashes[: k + 1]
    refuted = outputs.one_step(faulty, k)
    assert refuted.post == honest.states[k + 1] != faulty.states[k + 1]
    for position in range(k + 1, min(k + 6, faulty.steps)):
        assert outputs.one_step(faulty, position).post == faulty.states[position + 1]


def market_after(scenario: Scenario, plan_kind: str, perturbed: bool) -> PerpsMarket:
    """The WETH perps market right after the step wrong-funding perturbs, honest or faulty."""
    machine = Machine(scenario.chain.config, scenario.l1)
    start = make_genesis_step_state(scenario.chain.config, scenario.genesis_header)
    target = len(scenario.blocks)
    honest, plan = plan_fault(
        plan_kind, machine, build_genesis(scenario.document).state, start, target, SEQUENCER
    )
    assert plan is not None
    state = build_genesis(scenario.document).state
    if perturbed:
        run_faulty(machine, state, start, target, plan, honest, until=plan.step + 1)
    else:
        for step in honest[: plan.step + 1]:
            machine.execute_step(state, step, target)
    market: PerpsMarket = state.get(perps_market_key(WETH))
    return market


def test_wrong_funding_lowers_the_funding_index_by_a_dollar_and_raises_the_rate(
    perps: Scenario,
) -> None:
    right = market_after(perps, WRONG_FUNDING, perturbed=False)
    wrong = market_after(perps, WRONG_FUNDING, perturbed=True)
    assert from_word(wrong.funding_index) == from_word(right.funding_index) - 10**18
    assert from_word(wrong.funding_rate) == from_word(right.funding_rate) + FUNDING_RATE_SHIFT
    assert wrong._replace(funding_index=0, funding_rate=0) == right._replace(
        funding_index=0, funding_rate=0
    )
    assert from_word(right.skew) == 10 * 10**18  # the long the step ran


def test_wrong_funding_without_a_perps_market_credits_the_sender(tmp_path: Path) -> None:
    scenario = build_scenario()
    assert not any(
        key[0] == KIND_PERPS_MARKET for key in build_genesis(scenario.document).state.leaves
    )
    outputs = faulty_for(tmp_path, scenario, WRONG_FUNDING)
    own = outputs.own_output(2)
    assert own is not None
    wrong = outputs.get_output(0, scenario.blocks[1].header)
    assert wrong.step_state.hash != own.machine_hash
