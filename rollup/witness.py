"""Witnesses of one step: the leaves it touches, proven against the state root before it, and the
proofs that fold its writes into the root after it (docs/FRAUD_PROOFS.md §2).

`run_with_witness` is how a dispute player turns a step of the Python STF into what the Solidity
one-step prover takes: it runs the step on an access-tracking overlay, then applies the writes to
the state one tree update at a time, keeping the proof of each update against the root before it.
The resulting root equals State.apply_writes on the same writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from eth_abi.abi import encode as abi_encode

from rollup.crypto import keccak256
from rollup.smt import encode_proof
from rollup.state import (
    KIND_WITHDRAWAL,
    WITHDRAWAL_PRESENT_VALUE_HASH,
    WITHDRAWALS_KEY,
    Overlay,
    State,
    StateKey,
    Withdrawals,
    compute_tree_key,
    encode_leaf,
    get_empty_leaf,
)

T = TypeVar("T")

WITNESS_ABI_TYPE = "((bytes32,uint256[],bool,bytes)[],bytes[],bytes[])"


@dataclass(frozen=True, slots=True)
class WitnessedRun(Generic[T]):
    """What a step did, its witness (abi-encoded), and the roots around it."""

    result: T
    witness: bytes
    pre_root: bytes
    post_root: bytes
    writes: dict[StateKey, tuple[int, ...]]


def run_with_witness(state: State, run: Callable[[Overlay], T]) -> WitnessedRun[T]:
    """Run `run` on an overlay over `state`, build the witness, and apply the writes to `state`."""
    overlay = Overlay(state)
    overlay.accessed = set()
    result = run(overlay)
    pre_root = state.root
    accessed = [key for key in overlay.accessed if key[0] != KIND_WITHDRAWAL]
    if any(key[0] == KIND_WITHDRAWAL for key in overlay.writes) and WITHDRAWALS_KEY not in accessed:
        accessed.append(WITHDRAWALS_KEY)
    entries = sorted(((compute_tree_key(key), key) for key in accessed), key=lambda e: e[0])
    leaves = []
    for tree_key, key in entries:
        present = key in state
        words = list(state.get(key))
        proof = encode_proof(state.tree.prove(tree_key))
        leaves.append((tree_key, words, present, proof))
    writes = dict(overlay.writes)
    withdrawal_proofs = _insert_withdrawals(state, writes)
    update_proofs = _apply_updates(state, entries, writes)
    witness = abi_encode([WITNESS_ABI_TYPE], [(leaves, update_proofs, withdrawal_proofs)])
    return WitnessedRun(result, witness, pre_root, state.root, writes)


def _insert_withdrawals(state: State, writes: dict[StateKey, tuple[int, ...]]) -> list[bytes]:
    """Insert the step's new withdrawal hashes in order; set the Withdrawals leaf's new root."""
    proofs: list[bytes] = []
    hashes = [bytes(key[1]) for key in writes if key[0] == KIND_WITHDRAWAL]
    for withdrawal_hash in hashes:
        proofs.append(encode_proof(state.withdrawal_tree.prove(withdrawal_hash)))
        state.withdrawal_tree.update({withdrawal_hash: WITHDRAWAL_PRESENT_VALUE_HASH})
    for key in writes:
        if key[0] == KIND_WITHDRAWAL:
            state.leaves[key] = writes[key]
    if hashes:
        count = writes.get(WITHDRAWALS_KEY, state.get(WITHDRAWALS_KEY))[0]
        root = int.from_bytes(state.withdrawal_tree.root, "big")
        writes[WITHDRAWALS_KEY] = Withdrawals(count=count, root=root)
    return proofs


def _apply_updates(
    state: State,
    entries: list[tuple[bytes, StateKey]],
    writes: dict[StateKey, tuple[int, ...]],
) -> list[bytes]:
    """Fold the writes into the state tree in tree-key order, one proven update at a time."""
    proofs: list[bytes] = []
    for tree_key, key in entries:
        if key not in writes:
            continue
        new = writes[key]
        present = key in state
        if present and tuple(state.get(key)) == tuple(new):
            continue
        if not present and tuple(new) == tuple(get_empty_leaf(key)):
            continue
        proofs.append(encode_proof(state.tree.prove(tree_key)))
        state.tree.update({tree_key: keccak256(encode_leaf(new))})
        state.leaves[key] = new
    return proofs
