"""The dispute game as a player sees it on L1: the OutputOracle's outputs and the DisputeGame
(docs/FRAUD_PROOFS.md §3).

`GameChain` is what a dispute player (prover.dispute) reads and does; `L1GameChain` does it on an
L1 node, each move signed and waited for until mined.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from l1.contracts.dispute_game import GAME_CREATED_TOPIC, DisputeGame, Game, decode_game_created
from l1.contracts.output_oracle import Output, OutputOracle
from l1.rpc import L1Client, L1Receipt
from l1.sender import L1Sender
from rollup.machine import StepProof
from rollup.stepstate import StepState


@dataclass(frozen=True, slots=True)
class OutputInfo:
    """OutputOracle.Output, with its index."""

    index: int
    output_root: bytes
    timestamp: int
    l2_block_number: int
    proposer: bytes
    bond: int
    challenged: bool
    challenges: int
    machine_hash: bytes
    state_root: bytes
    withdrawal_root: bytes
    proposal_id: int

    @classmethod
    def of(cls, index: int, output: Output) -> OutputInfo:
        return cls(
            index=index,
            output_root=output.output_root,
            timestamp=output.timestamp,
            l2_block_number=output.l2_block_number,
            proposer=output.proposer,
            bond=output.bond,
            challenged=output.challenged,
            challenges=output.challenges,
            machine_hash=output.machine_hash,
            state_root=output.state_root,
            withdrawal_root=output.withdrawal_root,
            proposal_id=output.proposal_id,
        )


class GameChain(ABC):
    """What a player reads and does on L1: the OutputOracle's outputs and the DisputeGame."""

    address: bytes
    """The player's L1 account."""

    @abstractmethod
    def now(self) -> int:
        """The latest L1 block's timestamp."""

    @abstractmethod
    def clock_duration(self) -> int: ...

    def has_pending_move(self) -> bool:
        """Whether a transaction of the player's key waits in L1's pool: a move sent before a
        restart, not mined yet (moving again now would only revert)."""
        return False

    @abstractmethod
    def game_bond(self) -> int: ...

    @abstractmethod
    def game_count(self) -> int: ...

    @abstractmethod
    def get_game(self, game_id: int) -> Game: ...

    @abstractmethod
    def output_count(self) -> int: ...

    @abstractmethod
    def get_output(self, index: int) -> OutputInfo: ...

    @abstractmethod
    def is_finalized(self, index: int) -> bool: ...

    @abstractmethod
    def start_machine_hash(self, index: int) -> bytes: ...

    @abstractmethod
    def is_output_stored(self, game: Game) -> bool: ...

    # Moves: each waits until mined and returns the gas it used; a failure raises.

    @abstractmethod
    def create_game(self, output_index: int) -> tuple[int, int]:
        """Open a game with the bond; return (game id, gas)."""

    @abstractmethod
    def defend(self, game_id: int, claim: bytes) -> int: ...

    @abstractmethod
    def respond(self, game_id: int, agree: bool) -> int: ...

    @abstractmethod
    def resolve_with_proof(self, game_id: int, pre: StepState, proof: StepProof) -> int: ...

    @abstractmethod
    def claim_timeout(self, game_id: int) -> int: ...

    @abstractmethod
    def cancel_game(self, game_id: int) -> int: ...

    @abstractmethod
    def disprove_withdrawal_root(
        self, output_index: int, words: tuple[int, int], proof: bytes
    ) -> int: ...


class L1GameChain(GameChain):
    """The DisputeGame and OutputOracle on an L1 node; moves signed by `sender` (None: read-only)."""

    def __init__(
        self,
        client: L1Client,
        dispute_game: bytes,
        output_oracle: bytes,
        sender: L1Sender | None = None,
        wait_timeout: float = 120.0,
    ) -> None:
        self.client = client
        self.game = DisputeGame(client, dispute_game)
        self.oracle = OutputOracle(client, output_oracle)
        self.sender = sender
        self.address = sender.address if sender is not None else bytes(20)
        self.wait_timeout = wait_timeout
        self._clock_duration: int | None = None
        self._bond: int | None = None

    def _send(self, data: bytes, value: int = 0) -> L1Receipt:
        if self.sender is None:
            raise RuntimeError("a read-only game client cannot move (no key)")
        return self.sender.send_and_wait(
            self.game.address, data, value=value, timeout=self.wait_timeout
        )

    # -- reads -------------------------------------------------------------------------------

    def has_pending_move(self) -> bool:
        return self.sender is not None and self.sender.count_pending() > 0

    def now(self) -> int:
        return self.client.get_block("latest").timestamp

    def clock_duration(self) -> int:
        if self._clock_duration is None:
            self._clock_duration = self.game.clock_duration()
        return self._clock_duration

    def game_bond(self) -> int:
        if self._bond is None:
            self._bond = self.game.bond()
        return self._bond

    def game_count(self) -> int:
        return self.game.game_count()

    def get_game(self, game_id: int) -> Game:
        return self.game.get_game(game_id)

    def output_count(self) -> int:
        return self.oracle.output_count()

    def get_output(self, index: int) -> OutputInfo:
        return OutputInfo.of(index, self.oracle.get_output(index))

    def is_finalized(self, index: int) -> bool:
        return self.oracle.is_finalized(index)

    def start_machine_hash(self, index: int) -> bytes:
        return self.oracle.start_machine_hash(index)

    def is_output_stored(self, game: Game) -> bool:
        return self.oracle.proposal_id_of(game.output_index) == game.proposal_id

    # -- moves -------------------------------------------------------------------------------

    def create_game(self, output_index: int) -> tuple[int, int]:
        receipt = self._send(DisputeGame.encode_create_game(output_index), self.game_bond())
        for entry in receipt.logs:
            if entry.address == self.game.address and entry.topics[:1] == (GAME_CREATED_TOPIC,):
                return decode_game_created(entry).game_id, receipt.gas_used
        raise RuntimeError("createGame was mined without a GameCreated event")

    def defend(self, game_id: int, claim: bytes) -> int:
        return self._send(DisputeGame.encode_defend(game_id, claim)).gas_used

    def respond(self, game_id: int, agree: bool) -> int:
        return self._send(DisputeGame.encode_respond(game_id, agree)).gas_used

    def resolve_with_proof(self, game_id: int, pre: StepState, proof: StepProof) -> int:
        data = DisputeGame.encode_resolve_with_proof(game_id, pre, proof.input, proof.witness)
        return self._send(data).gas_used

    def claim_timeout(self, game_id: int) -> int:
        return self._send(DisputeGame.encode_claim_timeout(game_id)).gas_used

    def cancel_game(self, game_id: int) -> int:
        return self._send(DisputeGame.encode_cancel_game(game_id)).gas_used

    def disprove_withdrawal_root(
        self, output_index: int, words: tuple[int, int], proof: bytes
    ) -> int:
        data = DisputeGame.encode_disprove_withdrawal_root(output_index, words, proof)
        return self._send(data).gas_used
