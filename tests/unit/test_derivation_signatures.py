"""Derivation leaves out a batch transaction whose signature does not recover, and keeps the rest
of its block, as the one-step prover does (docs/FRAUD_PROOFS.md §1)."""

from __future__ import annotations

from dataclasses import replace

from rollup.batch import Batch, BatchBlock, encode_batch
from rollup.derivation import Deriver, L1BlockData, recover_batch_transactions
from rollup.genesis import build_genesis
from tests.unit.helpers import ADDRESSES, ANVIL_KEYS, Chain, base_document

ALICE_KEY = ANVIL_KEYS[0]
ALICE, BOB, CAROL = ADDRESSES[0], ADDRESSES[1], ADDRESSES[4]


def signed_pair() -> tuple[Chain, list[BatchBlock]]:
    chain = Chain(base_document())
    good = chain.sign(ALICE_KEY, BOB, b"", 5)
    forged = replace(chain.sign(ALICE_KEY, CAROL, b"", 7).tx, r=0)  # r = 0 never recovers
    block = BatchBlock(chain.head.timestamp + 1, 0, (forged, good.tx))
    return chain, [block]


def test_recovery_leaves_out_only_the_transaction_with_a_bad_signature() -> None:
    _, blocks = signed_pair()
    recovered = recover_batch_transactions(blocks[0].transactions)
    assert [signed.tx for signed in recovered] == [blocks[0].transactions[1]]
    assert recovered[0].sender == ALICE


def test_derivation_includes_the_rest_of_a_block_holding_a_bad_signature() -> None:
    chain, blocks = signed_pair()
    genesis = build_genesis(chain.document)
    batch = encode_batch(Batch(1, genesis.header.hash, genesis.header.timestamp, 0, tuple(blocks)))
    origin = L1BlockData(0, bytes(32), bytes(32), genesis.header.timestamp, (), ())
    carrier = L1BlockData(1, b"\x01" * 32, bytes(32), genesis.header.timestamp + 12, (batch,), ())
    history = {0: origin, 1: carrier}
    deriver = Deriver(genesis.state, genesis.config, genesis.header)
    derived = deriver.process_l1_block(carrier, history)
    assert len(derived) == 1
    assert [signed.sender for signed in derived[0].transactions] == [ALICE]
    assert derived[0].receipts[0].status == 1
