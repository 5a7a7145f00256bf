"""Recording STF vectors for the forge replay tests: one recorder for every generator.

A vector is one system-contract call run by the Python STF on an evolving state, with the witness
the Solidity STF needs to replay it (docs/FRAUD_PROOFS.md §2): the roots before and after, the
outcome, the call's block environment and arguments, and its operation gas. The generators
(scripts/gen_stf_vectors_*.py) choose the calls and lay the vectors out in the JSON their forge
tests read (contracts/test/prover/Stf*Vectors.t.sol); they all record them here.

Run a generator from the repository root: `python -m scripts.gen_stf_vectors_amm` (`--check`
fails if the committed file is stale).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from eth_abi.abi import encode as abi_encode

from rollup.abi import decode_revert_reason
from rollup.execution import CallResult, compute_operation_gas, execute_call
from rollup.state import Overlay, State
from rollup.system.context import BlockEnvironment
from rollup.witness import run_with_witness

ENVIRONMENT_TUPLE = "(uint256,uint256,uint256,uint256)"
"""Env{number, timestamp, baseFee, chainId} of the forge tests."""
CALL_TUPLE = "(address,address,uint256,bytes)"
"""Call{sender, to, value, data} of the forge tests."""


@dataclass(frozen=True, slots=True)
class CallVector:
    """One call run on the state, as the Solidity STF replays it."""

    label: str
    environment: BlockEnvironment
    sender: bytes
    to: bytes
    value: int
    data: bytes
    pre_root: bytes
    post_root: bytes
    result: CallResult
    witness: bytes
    operation_gas: int

    @property
    def success(self) -> bool:
        return self.result.success

    @property
    def revert_reason(self) -> str:
        """'' for a call that succeeded."""
        return "" if self.success else decode_revert_reason(self.result.output)

    def encode_environment(self) -> bytes:
        env = self.environment
        return abi_encode(
            [ENVIRONMENT_TUPLE], [(env.number, env.timestamp, env.base_fee, env.chain_id)]
        )

    def encode_call(self) -> bytes:
        return abi_encode([CALL_TUPLE], [(self.sender, self.to, self.value, self.data)])

    def encode_environment_and_call(self) -> bytes:
        """abi.encode(Env, Call) in one encoding (the lending vectors' layout)."""
        env = self.environment
        return abi_encode(
            [ENVIRONMENT_TUPLE, CALL_TUPLE],
            [
                (env.number, env.timestamp, env.base_fee, env.chain_id),
                (self.sender, self.to, self.value, self.data),
            ],
        )


def record_call(
    state: State,
    environment: BlockEnvironment,
    sender: bytes,
    to: bytes,
    data: bytes,
    value: int = 0,
    label: str = "",
) -> CallVector:
    """Run a call on `state` (which it changes, as a block would) and record it as a vector."""
    operation_gas = compute_operation_gas(Overlay(state), to, data)
    run = run_with_witness(
        state, lambda overlay: execute_call(overlay, environment, sender, to, value, data)
    )
    return CallVector(
        label=label,
        environment=environment,
        sender=sender,
        to=to,
        value=value,
        data=data,
        pre_root=run.pre_root,
        post_root=run.post_root,
        result=run.result,
        witness=run.witness,
        operation_gas=operation_gas,
    )


def encode_hex(data: bytes) -> str:
    return "0x" + data.hex()


def encode_word(value: int) -> str:
    """A uint256 as a bytes32 hex string (forge parses bytes32 arrays)."""
    return "0x" + value.to_bytes(32, "big").hex()


def write_or_check(path: Path, text: str, generator: str, check: bool) -> int:
    """Write the vectors file, or with `check` exit status 1 if the committed one differs."""
    if check:
        if not path.exists() or path.read_text() != text:
            print(f"{path} is stale: run python -m scripts.{generator}", file=sys.stderr)
            return 1
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"wrote {path} ({len(text):,} bytes)")
    return 0
