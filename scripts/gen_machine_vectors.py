"""Write contracts/test/vectors/machine.json: every step of a small chain, replayed by the Python
step machine, for the Solidity OneStepProver to re-execute (contracts/test/prover/
OneStepProverVectors.t.sol). tests/unit/test_machine_vectors.py checks the file is current.

The scenario (tests/unit/test_machine.py build_scenario) covers every phase: batch opening (and a
stale batch skipped), block starts with and without an origin step, ETH deposits, a forced
transaction, transfers, a WETH wrap, a failing call, an invalid transaction.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from eth_abi.abi import encode as abi_encode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rollup.genesis import build_genesis  # noqa: E402
from rollup.machine import Machine, make_genesis_step_state  # noqa: E402
from tests.unit.test_machine import Scenario, build_defi_scenario, build_scenario  # noqa: E402

OUTPUT = ROOT / "contracts" / "test" / "vectors" / "machine.json"
DEFI_OUTPUT = ROOT / "contracts" / "test" / "vectors" / "machine_defi.json"
STEP_TUPLE = "(bytes32,uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256)"
VECTORS_TYPES = [
    "uint256[6]",
    "bytes[]",
    "(uint8,uint64,bytes,address)[]",
    f"({STEP_TUPLE},uint256,bytes,bytes,bytes32)[]",
]


def build_vectors() -> str:
    return build_vectors_of(build_scenario())


def build_defi_vectors() -> str:
    return build_vectors_of(build_defi_scenario())


def build_vectors_of(scenario: Scenario) -> str:
    config = scenario.chain.config
    machine = Machine(config, scenario.l1)
    state = build_genesis(scenario.document).state
    step = make_genesis_step_state(config, scenario.genesis_root)
    target = len(scenario.blocks)
    steps = []
    while True:
        post, proof = machine.execute_step(state, step, target)
        steps.append(((step.state_root, *step[1:]), target, proof.input, proof.witness, post.hash))
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
    ]
    messages = []
    for message in scenario.l1.messages:
        sender = message.payload[12:32] if message.kind != 3 else bytes(20)
        messages.append((message.kind, message.l1_block_number, message.payload, sender))
    data = abi_encode(VECTORS_TYPES, [params, scenario.l1.batches, messages, steps])
    return json.dumps({"steps": len(steps), "data": "0x" + data.hex()}, indent=1) + "\n"


def main() -> None:
    OUTPUT.write_text(build_vectors())
    DEFI_OUTPUT.write_text(build_defi_vectors())
    print(f"wrote {OUTPUT.relative_to(ROOT)} and {DEFI_OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
