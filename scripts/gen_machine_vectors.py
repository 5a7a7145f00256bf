"""Write the one-step-proof vectors under contracts/test/vectors/: every step of a chain, replayed
by the Python step machine, for the Solidity OneStepProver to re-execute (contracts/test/prover/
OneStepProverVectors.t.sol). tests/unit/test_machine_vectors.py checks the files are current.

- machine.json (tests/unit/test_machine.py build_scenario): batch opening (and a stale batch
  skipped), block starts with and without an origin step, ETH deposits, a forced transaction,
  transfers, a WETH wrap, a failing call, an invalid transaction;
- machine_defi.json (build_defi_scenario): every DeFi module in whole steps;
- machine_rules.json (tests/unit/test_derivation_rules.py build_rules_scenario): every derivation
  rule of docs/SETTLEMENT.md §5 broken once: timestamps clamped both ways, an origin after the
  carrying L1 block, a batch on another parent, an unreadable transaction, deposit-only blocks
  before a batch and by the L1 clock.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from eth_abi.abi import encode as abi_encode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rollup.deposit import KIND_FORCED_TRANSACTION  # noqa: E402
from rollup.genesis import build_genesis  # noqa: E402
from rollup.machine import Machine, make_genesis_step_state  # noqa: E402
from rollup.stepstate import HASH_FIELDS, StepState  # noqa: E402
from tests.unit.test_derivation_rules import build_rules_scenario  # noqa: E402
from tests.unit.test_machine import FakeL1, build_defi_scenario, build_scenario  # noqa: E402

VECTORS = ROOT / "contracts" / "test" / "vectors"
OUTPUT = VECTORS / "machine.json"
DEFI_OUTPUT = VECTORS / "machine_defi.json"
RULES_OUTPUT = VECTORS / "machine_rules.json"
STEP_TUPLE = (
    "("
    + ",".join("bytes32" if name in HASH_FIELDS else "uint256" for name in StepState._fields)
    + ")"
)
VECTORS_TYPES = [
    "uint256[10]",
    "(bytes,uint64,uint64)[]",
    "(uint8,uint64,uint64,bytes,address)[]",
    f"({STEP_TUPLE},uint256,bytes,bytes,bytes32)[]",
]


def build_vectors() -> str:
    scenario = build_scenario()
    return build_vectors_of(scenario.document, scenario.l1, len(scenario.blocks))


def build_defi_vectors() -> str:
    scenario = build_defi_scenario()
    return build_vectors_of(scenario.document, scenario.l1, len(scenario.blocks))


def build_rules_vectors() -> str:
    scenario = build_rules_scenario()
    return build_vectors_of(scenario.document, scenario.l1, len(scenario.headers))


def build_vectors_of(document: dict[str, object], l1: FakeL1, target: int) -> str:
    """Every step from genesis to the end of block `target`, with the chain parameters and the L1
    records the prover reads."""
    genesis = build_genesis(document)
    config = genesis.config
    machine = Machine(config, l1)
    state = genesis.state
    step = make_genesis_step_state(config, genesis.header)
    steps = []
    while True:
        post, proof = machine.execute_step(state, step, target)
        steps.append((tuple(step), target, proof.input, proof.witness, post.hash))
        if step.is_final(target):
            break
        step = post
    params = [
        config.chain_id,
        config.block_gas_limit,
        config.elasticity_multiplier,
        config.base_fee_max_change_denominator,
        config.min_base_fee,
        config.max_transactions_per_block,
        config.sequencer_window,
        config.max_drift,
        config.max_lag,
        l1.get_l1_clock(),
    ]
    batches = [(b.data, b.l1_block_number, b.l1_timestamp) for b in l1.batches]
    messages = []
    for message in l1.messages:
        # A deposit's payload starts with its sender (the Bridge records msg.sender there).
        forced = message.kind == KIND_FORCED_TRANSACTION
        sender = bytes(20) if forced else message.payload[12:32]
        messages.append(
            (message.kind, message.l1_block_number, message.l1_timestamp, message.payload, sender)
        )
    data = abi_encode(VECTORS_TYPES, [params, batches, messages, steps])
    return json.dumps({"steps": len(steps), "data": "0x" + data.hex()}, indent=1) + "\n"


def main() -> None:
    OUTPUT.write_text(build_vectors())
    DEFI_OUTPUT.write_text(build_defi_vectors())
    RULES_OUTPUT.write_text(build_rules_vectors())
    print(
        f"wrote {', '.join(str(p.relative_to(ROOT)) for p in (OUTPUT, DEFI_OUTPUT, RULES_OUTPUT))}"
    )


if __name__ == "__main__":
    main()
