"""OutputOracle bindings (docs/SETTLEMENT.md §1): bonded output proposals, each the final
StepState of its block; deletion by the DisputeGame; finalization after the challenge window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from l1.contracts.abi import (
    STEP_STATE_TUPLE,
    Contract,
    InvalidEventLog,
    check_log,
    decode_log_data,
    function,
    read_word,
    to_address,
)
from l1.revert import register_errors
from l1.rpc import BlockId, L1Log
from rollup.abi import compute_event_topic
from rollup.stepstate import StepState

OUTPUT_TUPLE = (
    "(bytes32,uint128,uint128,address,uint256,bool,uint256,bytes32,bytes32,bytes32,uint256)"
)

PROPOSE_OUTPUT = function("proposeOutput", [STEP_STATE_TUPLE, "bytes32"])
CAN_PROPOSE = function("canPropose", ["address"], ["bool"])
PROPOSAL_TIMEOUT = function("proposalTimeout", returns=["uint256"])
GET_OUTPUT = function("getOutput", ["uint256"], [OUTPUT_TUPLE])
GET_OUTPUT_ROOT = function("getOutputRoot", ["uint256"], ["bytes32"])
START_MACHINE_HASH = function("startMachineHash", ["uint256"], ["bytes32"])
PROPOSAL_ID_OF = function("proposalIdOf", ["uint256"], ["uint256"])
GENESIS_MACHINE_HASH = function("genesisMachineHash", returns=["bytes32"])
SET_GENESIS_MACHINE_HASH = function("setGenesisMachineHash", ["bytes32"])
OUTPUT_COUNT = function("outputCount", returns=["uint256"])
LATEST_OUTPUT_INDEX = function("latestOutputIndex", returns=["uint256"])
LATEST_BLOCK_NUMBER = function("latestBlockNumber", returns=["uint256"])
NEXT_BLOCK_NUMBER = function("nextBlockNumber", returns=["uint256"])
IS_FINALIZED = function("isFinalized", ["uint256"], ["bool"])
SET_CHALLENGED = function("setChallenged", ["uint256", "bool"])
SET_CHALLENGER = function("setChallenger", ["address"])
DELETE_OUTPUTS = function("deleteOutputs", ["uint256", "address"])
RECLAIM_BOND = function("reclaimBond", ["uint256"])
BOND = function("bond", returns=["uint256"])
SUBMISSION_INTERVAL = function("submissionInterval", returns=["uint256"])
FINALIZATION_PERIOD_SECONDS = function("finalizationPeriodSeconds", returns=["uint256"])
PROPOSER = function("proposer", returns=["address"])
CHALLENGER = function("challenger", returns=["address"])

OUTPUT_ORACLE_ERRORS = (
    "NotProposer()",
    "NotChallenger()",
    "NotDeployer()",
    "ChallengerAlreadySet()",
    "GenesisMachineHashAlreadySet()",
    "ZeroAddress()",
    "ZeroMachineHash()",
    "ZeroSubmissionInterval()",
    "IncorrectBond()",
    "UnexpectedBlockNumber()",
    "NotBlockStart()",
    "OutputNotFound()",
    "NoOutputs()",
    "OutputAlreadyFinalized()",
    "OutputNotChallenged()",
    "OutputNotFinalized()",
    "BondAlreadyReclaimed()",
    "BondTransferFailed()",
)

register_errors(OUTPUT_ORACLE_ERRORS)

OUTPUT_PROPOSED_SIGNATURE = "OutputProposed(bytes32,uint256,uint256,uint256)"
OUTPUTS_DELETED_SIGNATURE = "OutputsDeleted(uint256,uint256)"
OUTPUT_CHALLENGED_SIGNATURE = "OutputChallenged(uint256,bool,uint256)"
OUTPUT_PROPOSED_TOPIC = compute_event_topic(OUTPUT_PROPOSED_SIGNATURE)
OUTPUTS_DELETED_TOPIC = compute_event_topic(OUTPUTS_DELETED_SIGNATURE)
OUTPUT_CHALLENGED_TOPIC = compute_event_topic(OUTPUT_CHALLENGED_SIGNATURE)


@dataclass(frozen=True, slots=True)
class OutputProposed:
    output_root: bytes
    output_index: int
    l2_block_number: int
    timestamp: int
    log: L1Log


@dataclass(frozen=True, slots=True)
class OutputsDeleted:
    """Outputs [new_next_index, prev_next_index) were deleted by the challenger."""

    prev_next_index: int
    new_next_index: int
    log: L1Log


@dataclass(frozen=True, slots=True)
class OutputChallenged:
    """The DisputeGame opened or closed a dispute over an output."""

    output_index: int
    challenged: bool
    challenges: int
    log: L1Log


def decode_output_proposed(log: L1Log) -> OutputProposed:
    check_log(log, OUTPUT_PROPOSED_TOPIC, 4, "OutputProposed")
    if len(log.data) != 32:
        raise InvalidEventLog("OutputProposed data is one word (timestamp)")
    return OutputProposed(
        output_root=log.topics[1],
        output_index=read_word(log.topics[2]),
        l2_block_number=read_word(log.topics[3]),
        timestamp=read_word(log.data),
        log=log,
    )


def decode_outputs_deleted(log: L1Log) -> OutputsDeleted:
    check_log(log, OUTPUTS_DELETED_TOPIC, 3, "OutputsDeleted")
    return OutputsDeleted(
        prev_next_index=read_word(log.topics[1]), new_next_index=read_word(log.topics[2]), log=log
    )


def decode_output_challenged(log: L1Log) -> OutputChallenged:
    check_log(log, OUTPUT_CHALLENGED_TOPIC, 2, "OutputChallenged")
    challenged, challenges = decode_log_data(log, ["bool", "uint256"], "OutputChallenged")
    return OutputChallenged(read_word(log.topics[1]), bool(challenged), int(challenges), log)


@dataclass(frozen=True, slots=True)
class Output:
    """OutputOracle.Output."""

    output_root: bytes
    timestamp: int
    l2_block_number: int
    proposer: bytes
    bond: int
    challenged: bool
    challenges: int = 0
    """Disputes open over it."""
    machine_hash: bytes = bytes(32)
    """keccak256(abi.encode(StepState)) of the proposed final step state."""
    state_root: bytes = bytes(32)
    withdrawal_root: bytes = bytes(32)
    proposal_id: int = 0
    """Unique per proposal: tells a replacement at the same index from the original."""


def step_state_tuple(state: StepState) -> tuple[Any, ...]:
    """A StepState as eth-abi encodes the Solidity struct (STEP_STATE_TUPLE)."""
    return tuple(state)


def decode_output(value: tuple[Any, ...]) -> Output:
    """An Output from the decoded OUTPUT_TUPLE."""
    (
        root,
        timestamp,
        l2_block_number,
        proposer,
        bond,
        challenged,
        challenges,
        machine_hash,
        state_root,
        withdrawal_root,
        proposal_id,
    ) = value
    return Output(
        output_root=bytes(root),
        timestamp=int(timestamp),
        l2_block_number=int(l2_block_number),
        proposer=to_address(proposer),
        bond=int(bond),
        challenged=bool(challenged),
        challenges=int(challenges),
        machine_hash=bytes(machine_hash),
        state_root=bytes(state_root),
        withdrawal_root=bytes(withdrawal_root),
        proposal_id=int(proposal_id),
    )


class OutputOracle(Contract):
    @staticmethod
    def encode_propose_output(state: StepState, withdrawal_root: bytes) -> bytes:
        """Calldata of proposeOutput for the final step state of block `state.block_number`
        (which must be nextBlockNumber(), phase BLOCK_START); send it with value = bond()."""
        return PROPOSE_OUTPUT.encode(step_state_tuple(state), withdrawal_root)

    @staticmethod
    def encode_set_genesis_machine_hash(genesis_machine_hash: bytes) -> bytes:
        return SET_GENESIS_MACHINE_HASH.encode(genesis_machine_hash)

    @staticmethod
    def encode_set_challenged(output_index: int, challenged: bool) -> bytes:
        return SET_CHALLENGED.encode(output_index, challenged)

    @staticmethod
    def encode_delete_outputs(output_index: int, bond_recipient: bytes) -> bytes:
        return DELETE_OUTPUTS.encode(output_index, bond_recipient)

    @staticmethod
    def encode_reclaim_bond(output_index: int) -> bytes:
        return RECLAIM_BOND.encode(output_index)

    @staticmethod
    def encode_set_challenger(challenger: bytes) -> bytes:
        return SET_CHALLENGER.encode(challenger)

    def get_output(self, index: int, block: BlockId = "latest") -> Output:
        return decode_output(self._view(GET_OUTPUT, index, block=block))

    def get_output_root(self, index: int, block: BlockId = "latest") -> bytes:
        return bytes(self._view(GET_OUTPUT_ROOT, index, block=block))

    def start_machine_hash(self, index: int, block: BlockId = "latest") -> bytes:
        """The agreed claim at position 0 of a game over output `index`."""
        return bytes(self._view(START_MACHINE_HASH, index, block=block))

    def proposal_id_of(self, index: int, block: BlockId = "latest") -> int:
        """The proposal id of the output stored at `index`, 0 if none."""
        return int(self._view(PROPOSAL_ID_OF, index, block=block))

    def genesis_machine_hash(self, block: BlockId = "latest") -> bytes:
        return bytes(self._view(GENESIS_MACHINE_HASH, block=block))

    def output_count(self, block: BlockId = "latest") -> int:
        return int(self._view(OUTPUT_COUNT, block=block))

    def latest_output_index(self, block: BlockId = "latest") -> int:
        """Reverts (L1RpcError, reason NoOutputs()) when there is no output."""
        return int(self._view(LATEST_OUTPUT_INDEX, block=block))

    def latest_block_number(self, block: BlockId = "latest") -> int:
        return int(self._view(LATEST_BLOCK_NUMBER, block=block))

    def next_block_number(self, block: BlockId = "latest") -> int:
        return int(self._view(NEXT_BLOCK_NUMBER, block=block))

    def is_finalized(self, index: int, block: BlockId = "latest") -> bool:
        return bool(self._view(IS_FINALIZED, index, block=block))

    def bond(self) -> int:
        return int(self._view(BOND))

    def can_propose(self, proposer: bytes, block: BlockId = "latest") -> bool:
        """Whether `proposer` may propose now: the proposer always, anyone once proposalTimeout
        seconds have passed since the latest output."""
        return bool(self._view(CAN_PROPOSE, proposer, block=block))

    def proposal_timeout(self) -> int:
        return int(self._view(PROPOSAL_TIMEOUT))

    def submission_interval(self) -> int:
        return int(self._view(SUBMISSION_INTERVAL))

    def finalization_period_seconds(self) -> int:
        return int(self._view(FINALIZATION_PERIOD_SECONDS))

    def proposer(self) -> bytes:
        return to_address(self._view(PROPOSER))

    def challenger(self) -> bytes:
        return to_address(self._view(CHALLENGER))


FUNCTIONS = (
    PROPOSE_OUTPUT,
    CAN_PROPOSE,
    PROPOSAL_TIMEOUT,
    GET_OUTPUT,
    GET_OUTPUT_ROOT,
    START_MACHINE_HASH,
    PROPOSAL_ID_OF,
    GENESIS_MACHINE_HASH,
    SET_GENESIS_MACHINE_HASH,
    OUTPUT_COUNT,
    LATEST_OUTPUT_INDEX,
    LATEST_BLOCK_NUMBER,
    NEXT_BLOCK_NUMBER,
    IS_FINALIZED,
    SET_CHALLENGED,
    SET_CHALLENGER,
    DELETE_OUTPUTS,
    RECLAIM_BOND,
    BOND,
    SUBMISSION_INTERVAL,
    FINALIZATION_PERIOD_SECONDS,
    PROPOSER,
    CHALLENGER,
)
EVENTS = (OUTPUT_PROPOSED_SIGNATURE, OUTPUTS_DELETED_SIGNATURE, OUTPUT_CHALLENGED_SIGNATURE)
ERRORS = OUTPUT_ORACLE_ERRORS
