"""DisputeGame bindings (docs/FRAUD_PROOFS.md §3): bisection games over the step machine, chess
clocks, bonds; the one-step proof ends a game."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from l1.contracts.abi import (
    STEP_STATE_TUPLE,
    Contract,
    InvalidEventLog,
    check_log,
    decode_log_data,
    function,
    read_address_topic,
    read_word,
    to_address,
)
from l1.contracts.output_oracle import step_state_tuple
from l1.revert import register_errors
from l1.rpc import BlockId, L1Log
from rollup.abi import compute_event_topic
from rollup.stepstate import StepState

GAME_TUPLE = (
    "(address,uint48,uint48,address,uint64,uint64,uint64,uint32,uint32,uint40,uint8,uint8,"
    "bytes32,bytes32,bytes32)"
)

CREATE_GAME = function("createGame", ["uint256"], ["uint256"])
DEFEND = function("defend", ["uint256", "bytes32"])
RESPOND = function("respond", ["uint256", "bool"])
RESOLVE_WITH_PROOF = function("resolveWithProof", ["uint256", STEP_STATE_TUPLE, "bytes", "bytes"])
CLAIM_TIMEOUT = function("claimTimeout", ["uint256"])
CANCEL_GAME = function("cancelGame", ["uint256"])
DISPROVE_WITHDRAWAL_ROOT = function("disproveWithdrawalRoot", ["uint256", "uint256[2]", "bytes"])
GET_GAME = function("getGame", ["uint256"], [GAME_TUPLE])
GET_CLOCKS_LEFT = function("getClocksLeft", ["uint256"], ["uint256", "uint256"])
IS_OUTPUT_STORED = function("isOutputStored", ["uint256"], ["bool"])
GAME_COUNT = function("gameCount", returns=["uint256"])
GAME_BOND = function("bond", returns=["uint256"])
MAX_DEPTH = function("maxDepth", returns=["uint256"])
CLOCK_DURATION = function("clockDuration", returns=["uint256"])
GAME_ORACLE = function("oracle", returns=["address"])
GAME_PROVER = function("prover", returns=["address"])
WITHDRAWALS_KEY = function("WITHDRAWALS_KEY", returns=["bytes32"])

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

register_errors(DISPUTE_GAME_ERRORS)

GAME_CREATED_SIGNATURE = (
    "GameCreated(uint256,uint256,address,address,uint256,uint256,bytes32,bytes32,uint256)"
)
DEFENDED_SIGNATURE = "Defended(uint256,uint256,bytes32,uint256)"
RESPONDED_SIGNATURE = "Responded(uint256,bool,uint256,uint256,uint256)"
RESOLVED_SIGNATURE = "Resolved(uint256,uint8,bytes32)"
TIMED_OUT_SIGNATURE = "TimedOut(uint256,uint8,uint8)"
GAME_CANCELLED_SIGNATURE = "GameCancelled(uint256)"
WITHDRAWAL_ROOT_DISPROVEN_SIGNATURE = "WithdrawalRootDisproven(uint256,address,bytes32)"

GAME_CREATED_TOPIC = compute_event_topic(GAME_CREATED_SIGNATURE)
DEFENDED_TOPIC = compute_event_topic(DEFENDED_SIGNATURE)
RESPONDED_TOPIC = compute_event_topic(RESPONDED_SIGNATURE)
RESOLVED_TOPIC = compute_event_topic(RESOLVED_SIGNATURE)
TIMED_OUT_TOPIC = compute_event_topic(TIMED_OUT_SIGNATURE)
GAME_CANCELLED_TOPIC = compute_event_topic(GAME_CANCELLED_SIGNATURE)
WITHDRAWAL_ROOT_DISPROVEN_TOPIC = compute_event_topic(WITHDRAWAL_ROOT_DISPROVEN_SIGNATURE)


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


def decode_game_created(log: L1Log) -> GameCreated:
    check_log(log, GAME_CREATED_TOPIC, 4, "GameCreated")
    defender, l2_block_number, proposal_id, start, end, end_position = decode_log_data(
        log, ["address", "uint256", "uint256", "bytes32", "bytes32", "uint256"], "GameCreated"
    )
    return GameCreated(
        game_id=read_word(log.topics[1]),
        output_index=read_word(log.topics[2]),
        challenger=read_address_topic(log.topics[3]),
        defender=to_address(defender),
        l2_block_number=int(l2_block_number),
        proposal_id=int(proposal_id),
        start_claim=bytes(start),
        end_claim=bytes(end),
        end_position=int(end_position),
        log=log,
    )


def decode_defended(log: L1Log) -> Defended:
    check_log(log, DEFENDED_TOPIC, 2, "Defended")
    position, claim, clock_used = decode_log_data(
        log, ["uint256", "bytes32", "uint256"], "Defended"
    )
    return Defended(read_word(log.topics[1]), int(position), bytes(claim), int(clock_used), log)


def decode_responded(log: L1Log) -> Responded:
    check_log(log, RESPONDED_TOPIC, 2, "Responded")
    agree, lo, hi, clock_used = decode_log_data(
        log, ["bool", "uint256", "uint256", "uint256"], "Responded"
    )
    return Responded(read_word(log.topics[1]), bool(agree), int(lo), int(hi), int(clock_used), log)


def decode_resolved(log: L1Log) -> Resolved:
    check_log(log, RESOLVED_TOPIC, 2, "Resolved")
    status, post_hash = decode_log_data(log, ["uint8", "bytes32"], "Resolved")
    return Resolved(read_word(log.topics[1]), GameStatus(status), bytes(post_hash), log)


def decode_timed_out(log: L1Log) -> TimedOut:
    check_log(log, TIMED_OUT_TOPIC, 2, "TimedOut")
    loser, status = decode_log_data(log, ["uint8", "uint8"], "TimedOut")
    return TimedOut(read_word(log.topics[1]), Party(loser), GameStatus(status), log)


def decode_game_cancelled(log: L1Log) -> GameCancelled:
    check_log(log, GAME_CANCELLED_TOPIC, 2, "GameCancelled")
    return GameCancelled(read_word(log.topics[1]), log)


def decode_withdrawal_root_disproven(log: L1Log) -> WithdrawalRootDisproven:
    check_log(log, WITHDRAWAL_ROOT_DISPROVEN_TOPIC, 3, "WithdrawalRootDisproven")
    if len(log.data) != 32:
        raise InvalidEventLog("WithdrawalRootDisproven data is one word (withdrawal root)")
    return WithdrawalRootDisproven(
        read_word(log.topics[1]), read_address_topic(log.topics[2]), log.data, log
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
        challenger=to_address(challenger),
        output_index=int(output_index),
        l2_block_number=int(l2_block_number),
        defender=to_address(defender),
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


class DisputeGame(Contract):
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
        return to_address(self._view(GAME_ORACLE))

    def prover(self) -> bytes:
        return to_address(self._view(GAME_PROVER))

    def withdrawals_key(self) -> bytes:
        return bytes(self._view(WITHDRAWALS_KEY))


FUNCTIONS = (
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
)
EVENTS = (
    GAME_CREATED_SIGNATURE,
    DEFENDED_SIGNATURE,
    RESPONDED_SIGNATURE,
    RESOLVED_SIGNATURE,
    TIMED_OUT_SIGNATURE,
    GAME_CANCELLED_SIGNATURE,
    WITHDRAWAL_ROOT_DISPROVEN_SIGNATURE,
)
ERRORS = DISPUTE_GAME_ERRORS
