"""The proposer builds its proposal from the block's final StepState (docs/FRAUD_PROOFS.md §3)."""

from __future__ import annotations

from typing import Any, cast

import pytest
from eth_abi.abi import encode as abi_encode

from l1.contracts.output_oracle import (
    BOND,
    CAN_PROPOSE,
    GET_OUTPUT,
    LATEST_BLOCK_NUMBER,
    NEXT_BLOCK_NUMBER,
    OUTPUT_COUNT,
    OUTPUT_TUPLE,
    PROPOSE_OUTPUT,
    step_state_tuple,
)
from l1.sender import L1Sender
from node.proposer import InconsistentStepState, NodeOutputs, Proposer, check_step_state
from node.storage import Storage
from rollup.block import Header
from rollup.crypto import keccak256
from rollup.output import compute_output_root
from rollup.stepstate import PHASE_TXS, StepState

ORACLE = b"\x0a" * 20
SENDER = b"\x5e" * 20
BOND_WEI = 10**17


def make_header(number: int) -> Header:
    return Header(
        parent_hash=keccak256(b"parent"),
        number=number,
        timestamp=1_700_000_000 + number,
        state_root=keccak256(b"state %d" % number),
        transactions_root=bytes(32),
        receipts_root=bytes(32),
        gas_limit=30_000_000,
        gas_used=42_000,
        base_fee=1_000_000,
        l1_origin_number=77,
        withdrawal_root=keccak256(b"withdrawals"),
    )


class FakeStorage:
    def __init__(self, headers: dict[int, Header]) -> None:
        self.headers = headers

    def get_header(self, number: int) -> Header | None:
        return self.headers.get(number)


class FakeClient:
    """The OutputOracle's views; `allowed` is what canPropose answers for the sender."""

    def __init__(
        self, next_block: int, allowed: bool = True, latest_root: bytes = bytes(32)
    ) -> None:
        self.next_block = next_block
        self.allowed = allowed
        self.latest_root = latest_root

    def call(self, to: bytes, data: bytes) -> bytes:
        assert to == ORACLE
        if data == CAN_PROPOSE.encode(SENDER):
            return int(self.allowed).to_bytes(32, "big")
        if data == NEXT_BLOCK_NUMBER.encode():
            return self.next_block.to_bytes(32, "big")
        if data == LATEST_BLOCK_NUMBER.encode():
            return (self.next_block - 10).to_bytes(32, "big")
        if data == BOND.encode():
            return BOND_WEI.to_bytes(32, "big")
        count = self.next_block // 10 - 1
        if data == OUTPUT_COUNT.encode():
            return count.to_bytes(32, "big")
        if data == GET_OUTPUT.encode(count - 1):
            output = (self.latest_root, 1, self.next_block - 10, ORACLE, 0, False, 0)
            return abi_encode([OUTPUT_TUPLE], [(*output, *(bytes(32),) * 3, 1)])
        raise AssertionError(f"unexpected call {data.hex()}")


class FakeSender:
    address = SENDER

    def __init__(self, client: FakeClient) -> None:
        self.client = client
        self.sent: list[tuple[bytes, bytes, int]] = []
        self.pending = False  # a transaction of this key waiting in L1's pool
        self.rewound = 0  # times the nonce was taken from L1

    def count_pending(self) -> int:
        return int(self.pending)

    def rewind_nonce(self) -> int:
        self.rewound += 1
        return 0

    def send(self, to: bytes, data: bytes, value: int = 0) -> bytes:
        self.sent.append((to, data, value))
        return b"\x99" * 32


def make_proposer(
    headers: dict[int, Header], compute: Any, allowed: bool = True
) -> tuple[Proposer, FakeSender]:
    sender = FakeSender(FakeClient(10, allowed))
    proposer = Proposer(
        cast(Storage, FakeStorage(headers)), cast(L1Sender, sender), ORACLE, NodeOutputs(compute)
    )
    return proposer, sender


def make_step_state(header: Header, **cursors: int) -> StepState:
    """A final step state of `header`'s block, with the machine's cursors given."""
    return StepState(
        state_root=header.state_root,
        block_hash=header.hash,
        block_number=header.number,
        timestamp=header.timestamp,
        l1_origin_number=header.l1_origin_number,
        base_fee=header.base_fee,
        gas_used=header.gas_used,
    )._replace(**cursors)


def test_proposal_carries_the_step_state_withdrawal_root_and_block_hash() -> None:
    header = make_header(10)
    state = make_step_state(header, queue_index=3, batches_opened=2, offset=99)
    proposer, sender = make_proposer({10: header}, lambda number: state)
    proposer.tick(safe_through=10)
    ((to, data, value),) = sender.sent
    assert (to, value) == (ORACLE, BOND_WEI)
    assert data == PROPOSE_OUTPUT.encode(step_state_tuple(state), header.withdrawal_root)
    # The oracle derives the header's output root from it.
    assert keccak256(bytes(32) + state.state_root + header.withdrawal_root + header.hash) == (
        compute_output_root(header)
    )


def test_nothing_is_proposed_while_the_oracle_does_not_let_the_sender_propose() -> None:
    header = make_header(10)
    proposer, sender = make_proposer({10: header}, lambda number: pytest.fail(), allowed=False)
    proposer.tick(safe_through=10)
    assert sender.sent == []


def test_a_step_state_of_another_block_hash_is_never_proposed() -> None:
    header = make_header(10)
    wrong = make_step_state(header)._replace(block_hash=keccak256(b"other"))
    proposer, sender = make_proposer({10: header}, lambda number: wrong)
    with pytest.raises(InconsistentStepState, match="block hash"):
        proposer.tick(safe_through=10)
    assert sender.sent == []


def test_nothing_is_proposed_before_the_block_is_safe() -> None:
    proposer, sender = make_proposer({10: make_header(10)}, lambda number: pytest.fail())
    proposer.tick(safe_through=9)
    assert sender.sent == []


def test_a_step_state_of_another_root_is_never_proposed() -> None:
    header = make_header(10)
    wrong = make_step_state(header)._replace(state_root=keccak256(b"other"))
    proposer, sender = make_proposer({10: header}, lambda number: wrong)
    with pytest.raises(InconsistentStepState, match="state root"):
        proposer.tick(safe_through=10)
    assert sender.sent == []


@pytest.mark.parametrize(
    "change", [{"block_number": 9}, {"phase": PHASE_TXS}], ids=["other block", "mid-block"]
)
def test_a_step_state_that_is_not_the_block_end_is_refused(change: dict[str, int]) -> None:
    header = make_header(10)
    with pytest.raises(InconsistentStepState):
        check_step_state(make_step_state(header)._replace(**change), header)


def make_exit_proposer(
    headers: dict[int, Header], compute: Any, latest_root: bytes, ours: bytes
) -> tuple[Proposer, FakeSender]:
    """A verifier's proposer whose own output for block 10 has root `ours`, the oracle's newest
    output (block 10) root `latest_root`, block 20 next."""
    sender = FakeSender(FakeClient(20, True, latest_root))
    proposer = Proposer(
        cast(Storage, FakeStorage(headers)),
        cast(L1Sender, sender),
        ORACLE,
        NodeOutputs(compute),
        lambda number, root: number == 10 and root == ours,
    )
    return proposer, sender


def test_a_verifier_proposes_on_top_of_an_output_it_agrees_with() -> None:
    header = make_header(20)
    ours = keccak256(b"our output 10")
    proposer, sender = make_exit_proposer(
        {20: header}, lambda number: make_step_state(header), ours, ours
    )
    proposer.tick(safe_through=20)
    assert len(sender.sent) == 1


def test_a_verifier_never_proposes_on_top_of_an_output_it_finds_wrong() -> None:
    header = make_header(20)
    proposer, sender = make_exit_proposer(
        {20: header}, lambda number: pytest.fail(), keccak256(b"theirs"), keccak256(b"ours")
    )
    proposer.tick(safe_through=20)
    assert sender.sent == []


def test_nothing_is_proposed_while_a_transaction_of_the_key_is_pending() -> None:
    header = make_header(10)
    proposer, sender = make_proposer({10: header}, lambda number: make_step_state(header))
    sender.pending = True  # a proposal sent before a restart, not mined yet

    proposer.tick(safe_through=10)

    assert sender.sent == []


def test_after_a_reorg_the_nonce_is_taken_from_l1_before_the_next_proposal() -> None:
    header = make_header(10)
    proposer, sender = make_proposer({10: header}, lambda number: make_step_state(header))
    proposer.in_flight = b"\x77" * 32  # dropped by the reorg

    proposer.restart_from_l1()
    assert (proposer.in_flight, sender.rewound) == (None, 0)  # nothing asked of L1 yet

    proposer.tick(safe_through=10)
    assert sender.rewound == 1
    assert len(sender.sent) == 1
