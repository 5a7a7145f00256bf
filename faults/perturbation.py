"""Deliberately wrong outputs, for tests and demos of the fraud proofs (`rollup sequencer --fault`).

A faulty sequencer replays an output range with the step machine and perturbs the state after one
step (docs/FRAUD_PROOFS.md §1), then continues from the perturbed state: the resulting trace ends
in a wrong state root, and the sequencer's own defender defends that trace move by move, so the
bisection really narrows down to the perturbed step and the one-step proof on L1 refutes it.

The kinds:

- wrong-balance: the sender of the first transaction gets 1 ETH more than it should.
- skipped-tx: the first transaction is not applied (the cursor moves past it, the state does not).
- wrong-interest: a lending market's borrow index is bumped.
- wrong-funding: a perps market's funding accrual is perturbed: its funding index drops by one
  USD per unit of size (longs are charged a dollar each they never owed) and its funding rate
  moves by 1% a day.
- forged-signature: 1 ETH moves from another funded account to the sender, as if that account
  had signed a transfer.
- invalid-liquidation: a healthy borrower's collateral position moves to the sequencer.
- wrong-withdrawal-root: the state is right but the output carries another withdrawal root (a
  direct disproof on L1, no bisection).
- wrong-block-hash: the state is right but the block holding the first transaction ends with
  another hash, and every later block's hash chains onto it (so the output's block hash is wrong).

The perturbed step is the first step that includes a sequenced transaction; for wrong-interest and
invalid-liquidation the first such step touching a lending market or position if there is one;
for wrong-funding the first such step touching a perps market (a trade, a liquidation or a
withdrawal with a position: the steps that accrue funding) if there is one;
for wrong-block-hash the step that ends that transaction's block.

faults.rules has the kinds whose sequencer breaks a derivation rule on L1 instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from eth_abi.abi import decode as abi_decode

from rollup.batch import (
    InvalidBatch,
    decompress_batch,
    read_payload_header,
    read_transaction,
)
from rollup.crypto import keccak256
from rollup.fixedpoint import from_word, to_word
from rollup.machine import Machine
from rollup.state import (
    KIND_ACCOUNT,
    KIND_MARKET,
    KIND_PERPS_MARKET,
    KIND_POSITION,
    Account,
    Market,
    PerpsMarket,
    Position,
    State,
    StateKey,
    account_key,
    compute_tree_key,
    position_key,
)
from rollup.stepstate import PHASE_BLOCK_START, PHASE_TXS, StepState
from rollup.transaction import InvalidTransaction, recover_sender
from rollup.witness import WITNESS_ABI_TYPE

log = logging.getLogger("rollup.faults")

WRONG_BALANCE = "wrong-balance"
SKIPPED_TX = "skipped-tx"
WRONG_INTEREST = "wrong-interest"
FORGED_SIGNATURE = "forged-signature"
INVALID_LIQUIDATION = "invalid-liquidation"
WRONG_WITHDRAWAL_ROOT = "wrong-withdrawal-root"
WRONG_BLOCK_HASH = "wrong-block-hash"
WRONG_FUNDING = "wrong-funding"

FAULT_KINDS = (
    WRONG_BALANCE,
    SKIPPED_TX,
    WRONG_INTEREST,
    FORGED_SIGNATURE,
    INVALID_LIQUIDATION,
    WRONG_WITHDRAWAL_ROOT,
    WRONG_BLOCK_HASH,
    WRONG_FUNDING,
)
LENDING_FAULTS = (WRONG_INTEREST, INVALID_LIQUIDATION)
PERPS_FAULTS = (WRONG_FUNDING,)

WAD = 10**18
FUNDING_RATE_SHIFT = WAD // 100  # 1% a day

ETHER = 10**18


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """Where and how a faulty trace departs from the honest one: the post-state of step `step`
    (trace[step] -> trace[step + 1]) is perturbed; `sender` is that step's transaction's sender,
    `touched` the lending (or, for perps faults, the perps market) leaves the step read or
    wrote."""

    kind: str
    step: int
    sender: bytes
    touched: tuple[StateKey, ...]
    beneficiary: bytes

    def describe(self) -> str:
        return f"{self.kind} at step {self.step} (sender 0x{self.sender.hex()})"


def wrong_withdrawal_root(root: bytes) -> bytes:
    """The withdrawal root a wrong-withdrawal-root output carries instead of `root`."""
    return keccak256(b"wrong-withdrawal-root" + root)


def wrong_block_hash(block_hash: bytes) -> bytes:
    """The hash a wrong-block-hash block ends with instead of `block_hash`."""
    return keccak256(b"wrong-block-hash" + block_hash)


def plan_fault(
    kind: str,
    machine: Machine,
    state: State,
    start: StepState,
    target_block: int,
    beneficiary: bytes,
) -> tuple[list[StepState], FaultPlan | None]:
    """Replay the range honestly (mutating `state`) and choose the step to perturb.

    Returns the honest trace and the plan; None when the range has no step to perturb (no
    sequenced transaction) or the kind perturbs no state (wrong-withdrawal-root).
    """
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(FAULT_KINDS)}")
    watched_kinds = (KIND_PERPS_MARKET,) if kind in PERPS_FAULTS else (KIND_MARKET, KIND_POSITION)
    watched = {compute_tree_key(key): key for key in state.leaves if key[0] in watched_kinds}
    trace = [start]
    step = start
    first_tx: int | None = None
    first_tx_block_end: int | None = None
    first_watched: int | None = None
    touched_at: dict[int, tuple[StateKey, ...]] = {}
    while not step.is_final(target_block):
        post, proof = machine.execute_step(state, step, target_block)
        index = len(trace) - 1
        if step.phase == PHASE_TXS and post.tx_count > step.tx_count:
            if first_tx is None:
                first_tx = index
            if kind in (*LENDING_FAULTS, *PERPS_FAULTS) and first_watched is None:
                touched = _touched_leaves(proof.witness, watched)
                touched_at[index] = touched
                if touched:
                    first_watched = index
        if first_tx is not None and first_tx_block_end is None and post.phase == PHASE_BLOCK_START:
            first_tx_block_end = index
        trace.append(post)
        step = post
    if kind == WRONG_WITHDRAWAL_ROOT or first_tx is None or first_tx_block_end is None:
        return trace, None
    if kind == WRONG_BLOCK_HASH:
        chosen = first_tx_block_end
    else:
        chosen = first_watched if first_watched is not None else first_tx
    sender = _transaction_sender(machine, trace[first_tx if kind == WRONG_BLOCK_HASH else chosen])
    return trace, FaultPlan(kind, chosen, sender, touched_at.get(chosen, ()), beneficiary)


def run_faulty(
    machine: Machine,
    state: State,
    start: StepState,
    target_block: int,
    plan: FaultPlan,
    honest: list[StepState],
    until: int | None = None,
) -> list[StepState]:
    """The faulty trace from `start` over `state` (mutated): honest up to step `plan.step`, whose
    post-state is perturbed, then steps of `machine` from the perturbed state (a machine that
    opens batches on their first block number alone, faults.rules.ParentlessMachine: after the
    perturbation its blocks' hashes are not those the sequencer's batches name as parents). With `until`, stop once the trace has position `until` (the state is then the one at
    that position)."""
    trace = [start]
    step = start
    while not step.is_final(target_block) and (until is None or len(trace) <= until):
        index = len(trace) - 1
        if index == plan.step and plan.kind == SKIPPED_TX:
            honest_post = honest[index + 1]
            post = honest_post._replace(
                state_root=step.state_root, gas_used=step.gas_used, tx_count=step.tx_count
            )
        else:
            post, _ = machine.execute_step(state, step, target_block)
            if index == plan.step and plan.kind == WRONG_BLOCK_HASH:
                post = post._replace(block_hash=wrong_block_hash(post.block_hash))
                log.warning("FAULT: block %d ends with a wrong hash", post.block_number)
            elif index == plan.step:
                perturb(state, plan)
                post = post._replace(state_root=state.root)
        trace.append(post)
        step = post
    return trace


def perturb(state: State, plan: FaultPlan) -> None:
    """Apply the fault's wrong writes to `state` (outside any block: one tree update)."""
    writes: dict[StateKey, tuple[int, ...]] = {}
    sender_key = account_key(plan.sender)
    sender: Account = state.get(sender_key)
    if plan.kind == WRONG_BALANCE:
        writes[sender_key] = sender._replace(balance=sender.balance + ETHER)
    elif plan.kind == FORGED_SIGNATURE:
        victim = _funded_account(state, exclude=plan.sender)
        if victim is None:  # nobody else to rob: mint instead
            writes[sender_key] = sender._replace(balance=sender.balance + ETHER)
        else:
            victim_account: Account = state.get(victim)
            writes[victim] = victim_account._replace(balance=victim_account.balance - ETHER)
            writes[sender_key] = sender._replace(balance=sender.balance + ETHER)
    elif plan.kind == WRONG_INTEREST:
        markets = [key for key in plan.touched if key[0] == KIND_MARKET] or sorted(
            key for key in state.leaves if key[0] == KIND_MARKET
        )
        if not markets:
            writes[sender_key] = sender._replace(balance=sender.balance + ETHER)
        else:
            market: Market = state.get(markets[0])
            bumped = market.borrow_index + market.borrow_index // 100 + 1
            writes[markets[0]] = market._replace(borrow_index=bumped)
    elif plan.kind == WRONG_FUNDING:
        perps_markets = [key for key in plan.touched if key[0] == KIND_PERPS_MARKET] or sorted(
            key for key in state.leaves if key[0] == KIND_PERPS_MARKET
        )
        if not perps_markets:
            writes[sender_key] = sender._replace(balance=sender.balance + ETHER)
        else:
            writes[perps_markets[0]] = perturb_funding(state.get(perps_markets[0]))
    elif plan.kind == INVALID_LIQUIDATION:
        collateral = _collateral_position(state, plan.touched)
        if collateral is None:  # no collateral anywhere: seize the sender's ether instead
            beneficiary_key = account_key(plan.beneficiary)
            beneficiary: Account = state.get(beneficiary_key)
            writes[sender_key] = sender._replace(balance=0)
            writes[beneficiary_key] = beneficiary._replace(
                balance=beneficiary.balance + sender.balance
            )
        else:
            position: Position = state.get(collateral)
            seized_key = position_key(plan.beneficiary, collateral[2])
            seized: Position = state.get(seized_key)
            writes[collateral] = position._replace(supply_scaled=0)
            writes[seized_key] = seized._replace(
                supply_scaled=seized.supply_scaled + position.supply_scaled
            )
    else:
        raise ValueError(f"fault {plan.kind} perturbs no state")
    state.apply_writes(writes)
    log.warning("FAULT: perturbed the state after step %d: %s", plan.step, plan.kind)


def perturb_funding(market: PerpsMarket) -> PerpsMarket:
    """A perps market whose funding accrual went wrong: the funding index one USD per unit of size
    lower (every long owes a dollar per token it never owed, every short gains one) and the daily
    funding rate 1% higher (signed fields are two's complement words, docs/PERPETUALS.md §3)."""
    index = from_word(market.funding_index) - WAD
    rate = from_word(market.funding_rate) + FUNDING_RATE_SHIFT
    return market._replace(funding_index=to_word(index), funding_rate=to_word(rate))


def _touched_leaves(witness: bytes, watched: dict[bytes, StateKey]) -> tuple[StateKey, ...]:
    """The watched leaves (by tree key) among those the step's witness holds."""
    (decoded,) = abi_decode([WITNESS_ABI_TYPE], witness)
    leaves = decoded[0]
    return tuple(watched[bytes(leaf[0])] for leaf in leaves if bytes(leaf[0]) in watched)


def _transaction_sender(machine: Machine, pre: StepState) -> bytes:
    """The signer of the sequenced transaction the step from `pre` (phase TXS) runs."""
    batch = machine.inputs.get_batch(pre.batches_opened - 1)
    if batch is None:
        raise ValueError(f"batch {pre.batches_opened - 1} is not on L1")
    try:
        payload = decompress_batch(batch.data)
        header = read_payload_header(payload)
        tx, _ = read_transaction(payload, pre.offset, header.dictionary, machine.config.chain_id)
        return recover_sender(tx)
    except (InvalidBatch, InvalidTransaction) as exc:
        raise ValueError(f"the step's transaction does not decode: {exc}") from exc


def _funded_account(state: State, exclude: bytes) -> StateKey | None:
    candidates = sorted(
        key
        for key, leaf in state.leaves.items()
        if key[0] == KIND_ACCOUNT and key[1] != exclude and leaf[1] >= ETHER
    )
    return candidates[0] if candidates else None


def _collateral_position(state: State, touched: tuple[StateKey, ...]) -> StateKey | None:
    """A position with collateral (supply) of an account that borrows: touched ones first, then
    any borrower's, then any supplier's."""
    positions = sorted(key for key in state.leaves if key[0] == KIND_POSITION)
    borrowers = {key[1] for key in positions if state.get(key).borrow_scaled > 0}

    def supplied(key: StateKey) -> bool:
        return bool(state.get(key).supply_scaled > 0)

    for group in (
        [key for key in touched if key[0] == KIND_POSITION and key[1] in borrowers],
        [key for key in positions if key[1] in borrowers],
        [key for key in touched if key[0] == KIND_POSITION],
        positions,
    ):
        for key in group:
            if supplied(key):
                return key
    return None
