"""Typed bindings for the rollup's L1 contracts (docs/SETTLEMENT.md §1).

The roles make few, fixed calls (the batcher appends batches, the proposer proposes outputs, the
verifier reads events and challenges, users deposit and withdraw), so each has a small typed
function here instead of a generic ABI engine: calldata encoders, view calls that return Python
values, and decoders that turn event logs into dataclasses.

Signatures are written out as SETTLEMENT.md fixes them, so a node that only reads L1 needs no
Foundry build; tests check each one against the ABI in the forge artifacts, so the two cannot drift
apart silently. Custom errors of the contracts are registered with `l1.revert`, so an L1 error names
them (`NotSequencer()`, not `custom error 0x...`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode

from l1.revert import register_errors
from l1.rpc import BlockId, L1Client, L1Log
from rollup.abi import compute_event_topic, compute_selector
from rollup.crypto import keccak256
from rollup.deposit import QueuedMessage
from rollup.stepstate import StepState
from rollup.system.bridge import compute_withdrawal_hash

WITHDRAWAL_TUPLE = "(uint256,address,address,address,uint256)"
OUTPUT_ROOT_PROOF_TUPLE = "(bytes32,bytes32,bytes32,bytes32)"
OUTPUT_TUPLE = (
    "(bytes32,uint128,uint128,address,uint256,bool,uint256,bytes32,bytes32,bytes32,uint256)"
)
STEP_STATE_TUPLE = "(bytes32," + ",".join(["uint256"] * 12) + ")"
"""StepState (docs/FRAUD_PROOFS.md §1): the state root, then 12 uint256 words."""
GAME_TUPLE = (
    "(address,uint48,uint48,address,uint64,uint64,uint64,uint32,uint32,uint40,uint8,uint8,"
    "bytes32,bytes32,bytes32)"
)


class InvalidEventLog(ValueError):
    """A log that does not have the shape of the event it was decoded as."""


@dataclass(frozen=True, slots=True)
class Function:
    """A contract function: canonical signature, argument types, return types."""

    signature: str
    argument_types: tuple[str, ...]
    return_types: tuple[str, ...] = ()

    @property
    def selector(self) -> bytes:
        return compute_selector(self.signature)

    def encode(self, *values: Any) -> bytes:
        """Calldata: selector ‖ ABI-encoded arguments."""
        return self.selector + abi_encode(list(self.argument_types), list(values))

    def decode_arguments(self, calldata: bytes) -> tuple[Any, ...]:
        """Arguments from calldata; raises ValueError if it is not a call of this function."""
        if calldata[:4] != self.selector:
            raise ValueError(f"calldata is not a call of {self.signature}")
        try:
            return tuple(abi_decode(list(self.argument_types), calldata[4:]))
        except Exception as exc:  # eth_abi raises several types on malformed data
            raise ValueError(f"malformed calldata for {self.signature}: {exc}") from exc

    def decode_result(self, data: bytes) -> tuple[Any, ...]:
        return tuple(abi_decode(list(self.return_types), data))


def _function(name: str, arguments: Sequence[str] = (), returns: Sequence[str] = ()) -> Function:
    return Function(f"{name}({','.join(arguments)})", tuple(arguments), tuple(returns))


# -- BatchInbox -----------------------------------------------------------------------------------

APPEND_BATCH = _function("appendBatch", ["bytes"])
BATCH_COUNT = _function("batchCount", returns=["uint256"])
BATCH_HASHES = _function("batchHashes", ["uint256"], ["bytes32"])
SEQUENCER = _function("sequencer", returns=["address"])

BATCH_INBOX_ERRORS = ("NotSequencer()", "EmptyBatch()")

# -- OutputOracle ---------------------------------------------------------------------------------

PROPOSE_OUTPUT = _function("proposeOutput", [STEP_STATE_TUPLE, "bytes32", "bytes32"])
GET_OUTPUT = _function("getOutput", ["uint256"], [OUTPUT_TUPLE])
GET_OUTPUT_ROOT = _function("getOutputRoot", ["uint256"], ["bytes32"])
START_MACHINE_HASH = _function("startMachineHash", ["uint256"], ["bytes32"])
PROPOSAL_ID_OF = _function("proposalIdOf", ["uint256"], ["uint256"])
GENESIS_MACHINE_HASH = _function("genesisMachineHash", returns=["bytes32"])
SET_GENESIS_MACHINE_HASH = _function("setGenesisMachineHash", ["bytes32"])
OUTPUT_COUNT = _function("outputCount", returns=["uint256"])
LATEST_OUTPUT_INDEX = _function("latestOutputIndex", returns=["uint256"])
LATEST_BLOCK_NUMBER = _function("latestBlockNumber", returns=["uint256"])
NEXT_BLOCK_NUMBER = _function("nextBlockNumber", returns=["uint256"])
IS_FINALIZED = _function("isFinalized", ["uint256"], ["bool"])
SET_CHALLENGED = _function("setChallenged", ["uint256", "bool"])
SET_CHALLENGER = _function("setChallenger", ["address"])
DELETE_OUTPUTS = _function("deleteOutputs", ["uint256", "address"])
RECLAIM_BOND = _function("reclaimBond", ["uint256"])
BOND = _function("bond", returns=["uint256"])
SUBMISSION_INTERVAL = _function("submissionInterval", returns=["uint256"])
FINALIZATION_PERIOD_SECONDS = _function("finalizationPeriodSeconds", returns=["uint256"])
PROPOSER = _function("proposer", returns=["address"])
CHALLENGER = _function("challenger", returns=["address"])

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

# -- DisputeGame ----------------------------------------------------------------------------------

CREATE_GAME = _function("createGame", ["uint256"], ["uint256"])
DEFEND = _function("defend", ["uint256", "bytes32"])
RESPOND = _function("respond", ["uint256", "bool"])
RESOLVE_WITH_PROOF = _function("resolveWithProof", ["uint256", STEP_STATE_TUPLE, "bytes", "bytes"])
CLAIM_TIMEOUT = _function("claimTimeout", ["uint256"])
CANCEL_GAME = _function("cancelGame", ["uint256"])
DISPROVE_WITHDRAWAL_ROOT = _function("disproveWithdrawalRoot", ["uint256", "uint256[2]", "bytes"])
GET_GAME = _function("getGame", ["uint256"], [GAME_TUPLE])
GET_CLOCKS_LEFT = _function("getClocksLeft", ["uint256"], ["uint256", "uint256"])
IS_OUTPUT_STORED = _function("isOutputStored", ["uint256"], ["bool"])
GAME_COUNT = _function("gameCount", returns=["uint256"])
GAME_BOND = _function("bond", returns=["uint256"])
MAX_DEPTH = _function("maxDepth", returns=["uint256"])
CLOCK_DURATION = _function("clockDuration", returns=["uint256"])
GAME_ORACLE = _function("oracle", returns=["address"])
GAME_PROVER = _function("prover", returns=["address"])
WITHDRAWALS_KEY = _function("WITHDRAWALS_KEY", returns=["bytes32"])

DISPUTE_GAME_ERRORS = (
    "ZeroAddress()",
    "InvalidMaxDepth()",
    "InvalidClockDuration()",
    "IncorrectBond()",
    "UnknownStartState()",
    "GameNotFound()",
    "GameNotOpen()",
    "NotDefender()",
    "NotChallenger()",
    "NotYourTurn()",
    "BisectionComplete()",
    "BisectionNotComplete()",
    "ClockExpired()",
    "ClockNotExpired()",
    "OutputDeleted()",
    "OutputNotDeleted()",
    "PreStateMismatch()",
    "NoProver()",
    "InvalidWithdrawalsProof()",
    "WithdrawalRootMatches()",
    "BondTransferFailed()",
)

# -- Bridge ---------------------------------------------------------------------------------------

DEPOSIT_ETH = _function("depositETH", ["address"])
DEPOSIT_ERC20 = _function("depositERC20", ["address", "address", "uint256"])
FORCE_TRANSACTION = _function("forceTransaction", ["bytes"])
PROVE_WITHDRAWAL = _function(
    "proveWithdrawal", [WITHDRAWAL_TUPLE, "uint256", OUTPUT_ROOT_PROOF_TUPLE, "bytes"]
)
FINALIZE_WITHDRAWAL = _function("finalizeWithdrawal", [WITHDRAWAL_TUPLE])
QUEUE_LENGTH = _function("queueLength", returns=["uint256"])
MESSAGE_HASHES = _function("messageHashes", ["uint256"], ["bytes32"])
FINALIZED_WITHDRAWALS = _function("finalizedWithdrawals", ["bytes32"], ["bool"])
PROVEN_WITHDRAWALS = _function("provenWithdrawals", ["bytes32"], ["bytes32", "uint128", "uint128"])
OUTPUT_ORACLE = _function("outputOracle", returns=["address"])

BRIDGE_ERRORS = (
    "ZeroAmount()",
    "ZeroRecipient()",
    "InvalidToken()",
    "TransferAmountMismatch()",
    "TokenTransferFailed()",
    "ETHTransferFailed()",
    "EmptyTransaction()",
    "TransactionTooLarge()",
    "OutputNotFound()",
    "InvalidOutputRootProof()",
    "InvalidWithdrawalProof()",
    "AlreadyProven()",
    "NotProven()",
    "AlreadyFinalized()",
    "OutputDeleted()",
    "NotFinalized()",
)

KIND_DEPOSIT_ETH = 1
KIND_DEPOSIT_ERC20 = 2
KIND_FORCED_TRANSACTION = 3

# -- TestERC20 ------------------------------------------------------------------------------------

MINT = _function("mint", ["address", "uint256"])
APPROVE = _function("approve", ["address", "uint256"], ["bool"])
TRANSFER = _function("transfer", ["address", "uint256"], ["bool"])
BALANCE_OF = _function("balanceOf", ["address"], ["uint256"])
ALLOWANCE = _function("allowance", ["address", "address"], ["uint256"])
NAME = _function("name", returns=["string"])
SYMBOL = _function("symbol", returns=["string"])
DECIMALS = _function("decimals", returns=["uint8"])

TEST_ERC20_ERRORS = ("InsufficientBalance()", "InsufficientAllowance()")

register_errors(
    BATCH_INBOX_ERRORS
    + OUTPUT_ORACLE_ERRORS
    + DISPUTE_GAME_ERRORS
    + BRIDGE_ERRORS
    + TEST_ERC20_ERRORS
)

# -- events ---------------------------------------------------------------------------------------

BATCH_APPENDED_SIGNATURE = "BatchAppended(uint256,bytes32)"
L2_TRANSACTION_QUEUED_SIGNATURE = "L2TransactionQueued(uint256,uint8,bytes)"
OUTPUT_PROPOSED_SIGNATURE = "OutputProposed(bytes32,uint256,uint256,uint256)"
OUTPUTS_DELETED_SIGNATURE = "OutputsDeleted(uint256,uint256)"
WITHDRAWAL_PROVEN_SIGNATURE = "WithdrawalProven(bytes32,uint256,address)"
WITHDRAWAL_FINALIZED_SIGNATURE = "WithdrawalFinalized(bytes32)"
OUTPUT_CHALLENGED_SIGNATURE = "OutputChallenged(uint256,bool,uint256)"
GAME_CREATED_SIGNATURE = (
    "GameCreated(uint256,uint256,address,address,uint256,uint256,bytes32,bytes32,uint256)"
)
DEFENDED_SIGNATURE = "Defended(uint256,uint256,bytes32,uint256)"
RESPONDED_SIGNATURE = "Responded(uint256,bool,uint256,uint256,uint256)"
RESOLVED_SIGNATURE = "Resolved(uint256,uint8,bytes32)"
TIMED_OUT_SIGNATURE = "TimedOut(uint256,uint8,uint8)"
GAME_CANCELLED_SIGNATURE = "GameCancelled(uint256)"
WITHDRAWAL_ROOT_DISPROVEN_SIGNATURE = "WithdrawalRootDisproven(uint256,address,bytes32)"

BATCH_APPENDED_TOPIC = compute_event_topic(BATCH_APPENDED_SIGNATURE)
L2_TRANSACTION_QUEUED_TOPIC = compute_event_topic(L2_TRANSACTION_QUEUED_SIGNATURE)
OUTPUT_PROPOSED_TOPIC = compute_event_topic(OUTPUT_PROPOSED_SIGNATURE)
OUTPUTS_DELETED_TOPIC = compute_event_topic(OUTPUTS_DELETED_SIGNATURE)
WITHDRAWAL_PROVEN_TOPIC = compute_event_topic(WITHDRAWAL_PROVEN_SIGNATURE)
WITHDRAWAL_FINALIZED_TOPIC = compute_event_topic(WITHDRAWAL_FINALIZED_SIGNATURE)
OUTPUT_CHALLENGED_TOPIC = compute_event_topic(OUTPUT_CHALLENGED_SIGNATURE)
GAME_CREATED_TOPIC = compute_event_topic(GAME_CREATED_SIGNATURE)
DEFENDED_TOPIC = compute_event_topic(DEFENDED_SIGNATURE)
RESPONDED_TOPIC = compute_event_topic(RESPONDED_SIGNATURE)
RESOLVED_TOPIC = compute_event_topic(RESOLVED_SIGNATURE)
TIMED_OUT_TOPIC = compute_event_topic(TIMED_OUT_SIGNATURE)
GAME_CANCELLED_TOPIC = compute_event_topic(GAME_CANCELLED_SIGNATURE)
WITHDRAWAL_ROOT_DISPROVEN_TOPIC = compute_event_topic(WITHDRAWAL_ROOT_DISPROVEN_SIGNATURE)


@dataclass(frozen=True, slots=True)
class BatchAppended:
    """A batch posted to the BatchInbox; its bytes are the calldata of `log.tx_hash`."""

    index: int
    batch_hash: bytes
    log: L1Log


@dataclass(frozen=True, slots=True)
class L2TransactionQueued:
    """An L1 -> L2 message of the Bridge queue (deposit or forced transaction)."""

    queue_index: int
    kind: int
    payload: bytes
    log: L1Log

    def to_message(self) -> QueuedMessage:
        """The message as derivation consumes it (rollup.deposit)."""
        return QueuedMessage(
            queue_index=self.queue_index,
            kind=self.kind,
            payload=self.payload,
            l1_block_number=self.log.block_number,
            l1_block_hash=self.log.block_hash,
        )


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
class WithdrawalProven:
    withdrawal_hash: bytes
    output_index: int
    l1_recipient: bytes
    log: L1Log


@dataclass(frozen=True, slots=True)
class WithdrawalFinalized:
    withdrawal_hash: bytes
    log: L1Log


@dataclass(frozen=True, slots=True)
class OutputChallenged:
    """The DisputeGame opened or closed a dispute over an output."""

    output_index: int
    challenged: bool
    challenges: int
    log: L1Log


class Party(IntEnum):
    """DisputeGame.Party; as a game's `turn`, the party to move."""

    DEFENDER = 0
    CHALLENGER = 1


class GameStatus(IntEnum):
    """DisputeGame.GameStatus."""

    NONE = 0
    OPEN = 1
    CHALLENGER_WON = 2
    DEFENDER_WON = 3
    CANCELLED = 4


@dataclass(frozen=True, slots=True)
class GameCreated:
    """A game opened against an output: the interval is (0, end_position) with these claims."""

    game_id: int
    output_index: int
    challenger: bytes
    defender: bytes
    l2_block_number: int
    proposal_id: int
    start_claim: bytes
    end_claim: bytes
    end_position: int
    log: L1Log


@dataclass(frozen=True, slots=True)
class Defended:
    """The defender posted `claim` at `position`, the midpoint of the interval."""

    game_id: int
    position: int
    claim: bytes
    clock_used: int
    log: L1Log


@dataclass(frozen=True, slots=True)
class Responded:
    """The challenger agreed (lo moved to the midpoint) or not (hi did); (lo, hi) is new."""

    game_id: int
    agree: bool
    lo: int
    hi: int
    clock_used: int
    log: L1Log


@dataclass(frozen=True, slots=True)
class Resolved:
    """A one-step proof ended the game."""

    game_id: int
    status: GameStatus
    post_hash: bytes
    log: L1Log


@dataclass(frozen=True, slots=True)
class TimedOut:
    """`loser`'s clock ran out while it was to move."""

    game_id: int
    loser: Party
    status: GameStatus
    log: L1Log


@dataclass(frozen=True, slots=True)
class GameCancelled:
    """A game whose output was deleted otherwise ended; the challenger got its bond back."""

    game_id: int
    log: L1Log


@dataclass(frozen=True, slots=True)
class WithdrawalRootDisproven:
    """An output's withdrawal root was disproven; it and every later output were deleted."""

    output_index: int
    disprover: bytes
    withdrawal_root: bytes
    log: L1Log


DisputeGameEvent = (
    GameCreated
    | Defended
    | Responded
    | Resolved
    | TimedOut
    | GameCancelled
    | WithdrawalRootDisproven
)


def _check_log(log: L1Log, topic: bytes, topic_count: int, name: str) -> None:
    if not log.topics or log.topics[0] != topic:
        raise InvalidEventLog(f"log is not a {name} event")
    if len(log.topics) != topic_count:
        raise InvalidEventLog(f"{name} has {topic_count} topics, the log {len(log.topics)}")


def _word(topic: bytes) -> int:
    return int.from_bytes(topic, "big")


def _address_topic(topic: bytes) -> bytes:
    if topic[:12] != bytes(12):
        raise InvalidEventLog("address topic is not zero-padded")
    return topic[12:]


def decode_batch_appended(log: L1Log) -> BatchAppended:
    _check_log(log, BATCH_APPENDED_TOPIC, 3, "BatchAppended")
    return BatchAppended(index=_word(log.topics[1]), batch_hash=log.topics[2], log=log)


def decode_l2_transaction_queued(log: L1Log) -> L2TransactionQueued:
    _check_log(log, L2_TRANSACTION_QUEUED_TOPIC, 3, "L2TransactionQueued")
    try:
        (payload,) = abi_decode(["bytes"], log.data)
    except Exception as exc:
        raise InvalidEventLog(f"L2TransactionQueued data does not decode: {exc}") from exc
    return L2TransactionQueued(
        queue_index=_word(log.topics[1]), kind=_word(log.topics[2]), payload=payload, log=log
    )


def decode_output_proposed(log: L1Log) -> OutputProposed:
    _check_log(log, OUTPUT_PROPOSED_TOPIC, 4, "OutputProposed")
    if len(log.data) != 32:
        raise InvalidEventLog("OutputProposed data is one word (timestamp)")
    return OutputProposed(
        output_root=log.topics[1],
        output_index=_word(log.topics[2]),
        l2_block_number=_word(log.topics[3]),
        timestamp=_word(log.data),
        log=log,
    )


def decode_outputs_deleted(log: L1Log) -> OutputsDeleted:
    _check_log(log, OUTPUTS_DELETED_TOPIC, 3, "OutputsDeleted")
    return OutputsDeleted(
        prev_next_index=_word(log.topics[1]), new_next_index=_word(log.topics[2]), log=log
    )


def decode_withdrawal_proven(log: L1Log) -> WithdrawalProven:
    _check_log(log, WITHDRAWAL_PROVEN_TOPIC, 4, "WithdrawalProven")
    return WithdrawalProven(
        withdrawal_hash=log.topics[1],
        output_index=_word(log.topics[2]),
        l1_recipient=_address_topic(log.topics[3]),
        log=log,
    )


def decode_withdrawal_finalized(log: L1Log) -> WithdrawalFinalized:
    _check_log(log, WITHDRAWAL_FINALIZED_TOPIC, 2, "WithdrawalFinalized")
    return WithdrawalFinalized(withdrawal_hash=log.topics[1], log=log)


def _decode_data(log: L1Log, types: list[str], name: str) -> tuple[Any, ...]:
    try:
        return tuple(abi_decode(types, log.data))
    except Exception as exc:
        raise InvalidEventLog(f"{name} data does not decode: {exc}") from exc


def decode_output_challenged(log: L1Log) -> OutputChallenged:
    _check_log(log, OUTPUT_CHALLENGED_TOPIC, 2, "OutputChallenged")
    challenged, challenges = _decode_data(log, ["bool", "uint256"], "OutputChallenged")
    return OutputChallenged(_word(log.topics[1]), bool(challenged), int(challenges), log)


def decode_game_created(log: L1Log) -> GameCreated:
    _check_log(log, GAME_CREATED_TOPIC, 4, "GameCreated")
    defender, l2_block_number, proposal_id, start, end, end_position = _decode_data(
        log, ["address", "uint256", "uint256", "bytes32", "bytes32", "uint256"], "GameCreated"
    )
    return GameCreated(
        game_id=_word(log.topics[1]),
        output_index=_word(log.topics[2]),
        challenger=_address_topic(log.topics[3]),
        defender=_address(defender),
        l2_block_number=int(l2_block_number),
        proposal_id=int(proposal_id),
        start_claim=bytes(start),
        end_claim=bytes(end),
        end_position=int(end_position),
        log=log,
    )


def decode_defended(log: L1Log) -> Defended:
    _check_log(log, DEFENDED_TOPIC, 2, "Defended")
    position, claim, clock_used = _decode_data(log, ["uint256", "bytes32", "uint256"], "Defended")
    return Defended(_word(log.topics[1]), int(position), bytes(claim), int(clock_used), log)


def decode_responded(log: L1Log) -> Responded:
    _check_log(log, RESPONDED_TOPIC, 2, "Responded")
    agree, lo, hi, clock_used = _decode_data(
        log, ["bool", "uint256", "uint256", "uint256"], "Responded"
    )
    return Responded(_word(log.topics[1]), bool(agree), int(lo), int(hi), int(clock_used), log)


def decode_resolved(log: L1Log) -> Resolved:
    _check_log(log, RESOLVED_TOPIC, 2, "Resolved")
    status, post_hash = _decode_data(log, ["uint8", "bytes32"], "Resolved")
    return Resolved(_word(log.topics[1]), GameStatus(status), bytes(post_hash), log)


def decode_timed_out(log: L1Log) -> TimedOut:
    _check_log(log, TIMED_OUT_TOPIC, 2, "TimedOut")
    loser, status = _decode_data(log, ["uint8", "uint8"], "TimedOut")
    return TimedOut(_word(log.topics[1]), Party(loser), GameStatus(status), log)


def decode_game_cancelled(log: L1Log) -> GameCancelled:
    _check_log(log, GAME_CANCELLED_TOPIC, 2, "GameCancelled")
    return GameCancelled(_word(log.topics[1]), log)


def decode_withdrawal_root_disproven(log: L1Log) -> WithdrawalRootDisproven:
    _check_log(log, WITHDRAWAL_ROOT_DISPROVEN_TOPIC, 3, "WithdrawalRootDisproven")
    if len(log.data) != 32:
        raise InvalidEventLog("WithdrawalRootDisproven data is one word (withdrawal root)")
    return WithdrawalRootDisproven(
        _word(log.topics[1]), _address_topic(log.topics[2]), log.data, log
    )


_DISPUTE_GAME_DECODERS: dict[bytes, Callable[[L1Log], DisputeGameEvent]] = {
    GAME_CREATED_TOPIC: decode_game_created,
    DEFENDED_TOPIC: decode_defended,
    RESPONDED_TOPIC: decode_responded,
    RESOLVED_TOPIC: decode_resolved,
    TIMED_OUT_TOPIC: decode_timed_out,
    GAME_CANCELLED_TOPIC: decode_game_cancelled,
    WITHDRAWAL_ROOT_DISPROVEN_TOPIC: decode_withdrawal_root_disproven,
}

DISPUTE_GAME_TOPICS = tuple(_DISPUTE_GAME_DECODERS)
"""Topics of every DisputeGame event (for eth_getLogs)."""


def decode_dispute_game_event(log: L1Log) -> DisputeGameEvent:
    """Any DisputeGame event; InvalidEventLog for a log that is none of them."""
    decoder = _DISPUTE_GAME_DECODERS.get(log.topics[0] if log.topics else b"")
    if decoder is None:
        raise InvalidEventLog("log is not a DisputeGame event")
    return decoder(log)


# -- value types ----------------------------------------------------------------------------------


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


@dataclass(frozen=True, slots=True)
class Game:
    """DisputeGame.Game, with its id."""

    game_id: int
    challenger: bytes
    output_index: int
    l2_block_number: int
    defender: bytes
    proposal_id: int
    lo: int
    hi: int
    defender_clock_used: int
    challenger_clock_used: int
    last_move_at: int
    turn: Party
    status: GameStatus
    claim_lo: bytes
    claim_hi: bytes
    claim_mid: bytes
    """The defender's last midpoint claim (pending while the challenger is to respond)."""

    @property
    def mid(self) -> int:
        return (self.lo + self.hi) >> 1

    @property
    def is_open(self) -> bool:
        return self.status == GameStatus.OPEN

    @property
    def bisection_done(self) -> bool:
        """The interval is one step wide: the one-step proof is due (on the challenger's clock)."""
        return self.hi - self.lo == 1

    def clock_used(self, party: Party, now: int) -> int:
        """`party`'s clock at L1 time `now`, counting the running clock of the party to move."""
        used = self.defender_clock_used if party == Party.DEFENDER else self.challenger_clock_used
        if self.is_open and self.turn == party:
            used += max(0, now - self.last_move_at)
        return used

    def clocks_left(self, now: int, duration: int) -> tuple[int, int]:
        """(defender, challenger) seconds left, as DisputeGame.getClocksLeft."""
        return (
            max(0, duration - self.clock_used(Party.DEFENDER, now)),
            max(0, duration - self.clock_used(Party.CHALLENGER, now)),
        )

    def is_expired(self, now: int, duration: int) -> bool:
        """The clock of the party to move has run out (claimTimeout would succeed at `now`)."""
        return self.is_open and self.clock_used(self.turn, now) > duration


def step_state_tuple(state: StepState) -> tuple[Any, ...]:
    """A StepState as eth-abi encodes the Solidity struct (STEP_STATE_TUPLE)."""
    return (state.state_root, *state[1:])


def compute_message_hash(kind: int, l1_block_number: int, payload: bytes) -> bytes:
    """Bridge.messageHashes(i): keccak256(abi.encode(uint8 kind, uint64 l1BlockNumber, bytes
    payload)) of a queued message."""
    return keccak256(abi_encode(["uint8", "uint64", "bytes"], [kind, l1_block_number, payload]))


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
        proposer=_address(proposer),
        bond=int(bond),
        challenged=bool(challenged),
        challenges=int(challenges),
        machine_hash=bytes(machine_hash),
        state_root=bytes(state_root),
        withdrawal_root=bytes(withdrawal_root),
        proposal_id=int(proposal_id),
    )


def decode_game(game_id: int, value: tuple[Any, ...]) -> Game:
    """A Game from the decoded GAME_TUPLE."""
    (
        challenger,
        output_index,
        l2_block_number,
        defender,
        proposal_id,
        lo,
        hi,
        defender_clock_used,
        challenger_clock_used,
        last_move_at,
        turn,
        status,
        claim_lo,
        claim_hi,
        claim_mid,
    ) = value
    return Game(
        game_id=game_id,
        challenger=_address(challenger),
        output_index=int(output_index),
        l2_block_number=int(l2_block_number),
        defender=_address(defender),
        proposal_id=int(proposal_id),
        lo=int(lo),
        hi=int(hi),
        defender_clock_used=int(defender_clock_used),
        challenger_clock_used=int(challenger_clock_used),
        last_move_at=int(last_move_at),
        turn=Party(int(turn)),
        status=GameStatus(int(status)),
        claim_lo=bytes(claim_lo),
        claim_hi=bytes(claim_hi),
        claim_mid=bytes(claim_mid),
    )


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """Bridge.Withdrawal: an L2 withdrawal as the L2 bridge recorded it."""

    index: int
    sender: bytes
    l1_recipient: bytes
    l1_token: bytes
    amount: int

    @property
    def hash(self) -> bytes:
        """Its key in the L2 withdrawal tree; the Bridge computes the same."""
        return compute_withdrawal_hash(
            self.index, self.sender, self.l1_recipient, self.l1_token, self.amount
        )

    def as_tuple(self) -> tuple[int, bytes, bytes, bytes, int]:
        return (self.index, self.sender, self.l1_recipient, self.l1_token, self.amount)


@dataclass(frozen=True, slots=True)
class OutputRootProof:
    """Bridge.OutputRootProof: the preimage of an output root (SETTLEMENT.md §2)."""

    version: bytes
    state_root: bytes
    withdrawal_root: bytes
    block_hash: bytes

    def as_tuple(self) -> tuple[bytes, bytes, bytes, bytes]:
        return (self.version, self.state_root, self.withdrawal_root, self.block_hash)


# -- bindings -------------------------------------------------------------------------------------


class _Contract:
    """A deployed contract: its address and a client for view calls."""

    def __init__(self, client: L1Client, address: bytes) -> None:
        self.client = client
        self.address = address

    def _view(self, function: Function, *values: Any, block: BlockId = "latest") -> Any:
        result = function.decode_result(
            self.client.call(self.address, function.encode(*values), block)
        )
        return result[0] if len(result) == 1 else result


class BatchInbox(_Contract):
    @staticmethod
    def encode_append_batch(batch: bytes) -> bytes:
        return APPEND_BATCH.encode(batch)

    @staticmethod
    def decode_append_batch(calldata: bytes) -> bytes:
        """The batch bytes from the calldata of an appendBatch transaction (derivation)."""
        (batch,) = APPEND_BATCH.decode_arguments(calldata)
        return bytes(batch)

    def batch_count(self, block: BlockId = "latest") -> int:
        return int(self._view(BATCH_COUNT, block=block))

    def batch_hash(self, index: int, block: BlockId = "latest") -> bytes:
        return bytes(self._view(BATCH_HASHES, index, block=block))

    def sequencer(self) -> bytes:
        return _address(self._view(SEQUENCER))


class OutputOracle(_Contract):
    @staticmethod
    def encode_propose_output(
        state: StepState, withdrawal_root: bytes, l2_block_hash: bytes
    ) -> bytes:
        """Calldata of proposeOutput for the final step state of block `state.block_number`
        (which must be nextBlockNumber(), phase BLOCK_START); send it with value = bond()."""
        return PROPOSE_OUTPUT.encode(step_state_tuple(state), withdrawal_root, l2_block_hash)

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

    def submission_interval(self) -> int:
        return int(self._view(SUBMISSION_INTERVAL))

    def finalization_period_seconds(self) -> int:
        return int(self._view(FINALIZATION_PERIOD_SECONDS))

    def proposer(self) -> bytes:
        return _address(self._view(PROPOSER))

    def challenger(self) -> bytes:
        return _address(self._view(CHALLENGER))


class Bridge(_Contract):
    @staticmethod
    def encode_deposit_eth(l2_recipient: bytes) -> bytes:
        """Calldata of depositETH; the amount is the transaction's value."""
        return DEPOSIT_ETH.encode(l2_recipient)

    @staticmethod
    def encode_deposit_erc20(l1_token: bytes, l2_recipient: bytes, amount: int) -> bytes:
        """Calldata of depositERC20; approve the Bridge for `amount` first."""
        return DEPOSIT_ERC20.encode(l1_token, l2_recipient, amount)

    @staticmethod
    def encode_force_transaction(signed_transaction: bytes) -> bytes:
        return FORCE_TRANSACTION.encode(signed_transaction)

    @staticmethod
    def encode_prove_withdrawal(
        withdrawal: Withdrawal, output_index: int, proof: OutputRootProof, smt_proof: bytes
    ) -> bytes:
        return PROVE_WITHDRAWAL.encode(
            withdrawal.as_tuple(), output_index, proof.as_tuple(), smt_proof
        )

    @staticmethod
    def encode_finalize_withdrawal(withdrawal: Withdrawal) -> bytes:
        return FINALIZE_WITHDRAWAL.encode(withdrawal.as_tuple())

    def queue_length(self, block: BlockId = "latest") -> int:
        return int(self._view(QUEUE_LENGTH, block=block))

    def message_hash(self, queue_index: int, block: BlockId = "latest") -> bytes:
        """compute_message_hash of queue message `queue_index` (zero if not queued)."""
        return bytes(self._view(MESSAGE_HASHES, queue_index, block=block))

    def is_withdrawal_finalized(self, withdrawal_hash: bytes, block: BlockId = "latest") -> bool:
        return bool(self._view(FINALIZED_WITHDRAWALS, withdrawal_hash, block=block))

    def proven_withdrawal(
        self, withdrawal_hash: bytes, block: BlockId = "latest"
    ) -> tuple[bytes, int, int]:
        """(output root, output index, timestamp) it was proven against; a zero root if not."""
        root, index, timestamp = self._view(PROVEN_WITHDRAWALS, withdrawal_hash, block=block)
        return bytes(root), int(index), int(timestamp)

    def output_oracle(self) -> bytes:
        return _address(self._view(OUTPUT_ORACLE))


class DisputeGame(_Contract):
    """The OutputOracle's challenger: bisection games over the step machine."""

    @staticmethod
    def encode_create_game(output_index: int) -> bytes:
        """Calldata of createGame; send it with value = bond()."""
        return CREATE_GAME.encode(output_index)

    @staticmethod
    def encode_defend(game_id: int, claim: bytes) -> bytes:
        return DEFEND.encode(game_id, claim)

    @staticmethod
    def encode_respond(game_id: int, agree: bool) -> bytes:
        return RESPOND.encode(game_id, agree)

    @staticmethod
    def encode_resolve_with_proof(
        game_id: int, pre: StepState, step_input: bytes, witness: bytes
    ) -> bytes:
        return RESOLVE_WITH_PROOF.encode(game_id, step_state_tuple(pre), step_input, witness)

    @staticmethod
    def encode_claim_timeout(game_id: int) -> bytes:
        return CLAIM_TIMEOUT.encode(game_id)

    @staticmethod
    def encode_cancel_game(game_id: int) -> bytes:
        return CANCEL_GAME.encode(game_id)

    @staticmethod
    def encode_disprove_withdrawal_root(
        output_index: int, withdrawals_leaf_words: tuple[int, int], proof: bytes
    ) -> bytes:
        """`withdrawals_leaf_words` = (count, root) of the Withdrawals leaf; (0, 0) with an
        exclusion proof when the leaf is absent."""
        return DISPROVE_WITHDRAWAL_ROOT.encode(output_index, list(withdrawals_leaf_words), proof)

    def get_game(self, game_id: int, block: BlockId = "latest") -> Game:
        return decode_game(game_id, self._view(GET_GAME, game_id, block=block))

    def clocks_left(self, game_id: int, block: BlockId = "latest") -> tuple[int, int]:
        """(defender, challenger) seconds left at `block`."""
        defender, challenger = self._view(GET_CLOCKS_LEFT, game_id, block=block)
        return int(defender), int(challenger)

    def is_output_stored(self, game_id: int, block: BlockId = "latest") -> bool:
        return bool(self._view(IS_OUTPUT_STORED, game_id, block=block))

    def game_count(self, block: BlockId = "latest") -> int:
        return int(self._view(GAME_COUNT, block=block))

    def bond(self) -> int:
        return int(self._view(GAME_BOND))

    def max_depth(self) -> int:
        return int(self._view(MAX_DEPTH))

    def clock_duration(self) -> int:
        return int(self._view(CLOCK_DURATION))

    def oracle(self) -> bytes:
        return _address(self._view(GAME_ORACLE))

    def prover(self) -> bytes:
        return _address(self._view(GAME_PROVER))

    def withdrawals_key(self) -> bytes:
        return bytes(self._view(WITHDRAWALS_KEY))


class TestERC20(_Contract):
    __test__ = False  # not a pytest test class despite the name

    @staticmethod
    def encode_mint(to: bytes, amount: int) -> bytes:
        return MINT.encode(to, amount)

    @staticmethod
    def encode_approve(spender: bytes, amount: int) -> bytes:
        return APPROVE.encode(spender, amount)

    @staticmethod
    def encode_transfer(to: bytes, amount: int) -> bytes:
        return TRANSFER.encode(to, amount)

    def balance_of(self, owner: bytes, block: BlockId = "latest") -> int:
        return int(self._view(BALANCE_OF, owner, block=block))

    def allowance(self, owner: bytes, spender: bytes, block: BlockId = "latest") -> int:
        return int(self._view(ALLOWANCE, owner, spender, block=block))

    def name(self) -> str:
        return str(self._view(NAME))

    def symbol(self) -> str:
        return str(self._view(SYMBOL))

    def decimals(self) -> int:
        return int(self._view(DECIMALS))


def _address(value: str) -> bytes:
    """eth_abi returns addresses as checksummed hex strings; ours are 20 raw bytes."""
    return bytes.fromhex(value.removeprefix("0x"))


ALL_FUNCTIONS: dict[str, tuple[Function, ...]] = {
    "BatchInbox": (APPEND_BATCH, BATCH_COUNT, BATCH_HASHES, SEQUENCER),
    "OutputOracle": (
        PROPOSE_OUTPUT,
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
    ),
    "DisputeGame": (
        CREATE_GAME,
        DEFEND,
        RESPOND,
        RESOLVE_WITH_PROOF,
        CLAIM_TIMEOUT,
        CANCEL_GAME,
        DISPROVE_WITHDRAWAL_ROOT,
        GET_GAME,
        GET_CLOCKS_LEFT,
        IS_OUTPUT_STORED,
        GAME_COUNT,
        GAME_BOND,
        MAX_DEPTH,
        CLOCK_DURATION,
        GAME_ORACLE,
        GAME_PROVER,
        WITHDRAWALS_KEY,
    ),
    "Bridge": (
        DEPOSIT_ETH,
        DEPOSIT_ERC20,
        FORCE_TRANSACTION,
        PROVE_WITHDRAWAL,
        FINALIZE_WITHDRAWAL,
        QUEUE_LENGTH,
        MESSAGE_HASHES,
        FINALIZED_WITHDRAWALS,
        PROVEN_WITHDRAWALS,
        OUTPUT_ORACLE,
    ),
    "TestERC20": (MINT, APPROVE, TRANSFER, BALANCE_OF, ALLOWANCE, NAME, SYMBOL, DECIMALS),
}
"""The functions bound here, by contract (tests check them against the forge ABIs)."""

ALL_EVENTS: dict[str, tuple[str, ...]] = {
    "BatchInbox": (BATCH_APPENDED_SIGNATURE,),
    "OutputOracle": (
        OUTPUT_PROPOSED_SIGNATURE,
        OUTPUTS_DELETED_SIGNATURE,
        OUTPUT_CHALLENGED_SIGNATURE,
    ),
    "DisputeGame": (
        GAME_CREATED_SIGNATURE,
        DEFENDED_SIGNATURE,
        RESPONDED_SIGNATURE,
        RESOLVED_SIGNATURE,
        TIMED_OUT_SIGNATURE,
        GAME_CANCELLED_SIGNATURE,
        WITHDRAWAL_ROOT_DISPROVEN_SIGNATURE,
    ),
    "Bridge": (
        L2_TRANSACTION_QUEUED_SIGNATURE,
        WITHDRAWAL_PROVEN_SIGNATURE,
        WITHDRAWAL_FINALIZED_SIGNATURE,
    ),
}

ALL_ERRORS: dict[str, tuple[str, ...]] = {
    "BatchInbox": BATCH_INBOX_ERRORS,
    "OutputOracle": OUTPUT_ORACLE_ERRORS,
    "DisputeGame": DISPUTE_GAME_ERRORS,
    "Bridge": BRIDGE_ERRORS,
    "TestERC20": TEST_ERC20_ERRORS,
}
