"""Playing the dispute game (docs/FRAUD_PROOFS.md §3): challenger and defender.

A `DisputePlayer` is driven by `tick()` from a background thread, like the verifier and the
settlement loops. Each tick reads everything it acts on back from L1 (the DisputeGame's games and
the OutputOracle's outputs, through l1.games.GameChain), so a restarted player resumes any game
where it stands; only caches (traces, cursors) live in memory.

- As challenger (beside a verifier), it compares every output not yet finalized with its own:
  the output root of its derived header and the machine hash of its boundary state (its trace
  provider's own output). At the first output that differs it disproves the withdrawal root
  directly if that alone is wrong, and otherwise opens a game with the bond. In its games it
  answers each midpoint claim (agree when the claim equals its own step state hash at that
  position), and once the disputed interval is one step wide it submits the one-step proof.
- As defender (beside a sequencer, with the proposer's key), it posts the claim at each midpoint
  of the games against its outputs, from the trace that ends in the output's machine hash, and
  submits the one-step proof itself when the step proves its claim.
- Either side claims the win when the other side's chess clock has run out, and a challenger
  cancels its games whose output was deleted otherwise (refunding its bond).

Claims and proofs come from a prover.traces.TraceProvider.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from l1.contracts.dispute_game import Game, Party
from l1.games import GameChain, OutputInfo
from prover.traces import OwnOutput, Trace, TraceProvider
from rollup.machine import MachineError

log = logging.getLogger("rollup.dispute")

POLL_INTERVAL = 0.5


@dataclass(slots=True)
class MoveRecord:
    game_id: int | None
    kind: str
    gas: int
    detail: str = ""
    at: float = field(default_factory=time.time)


class DisputePlayer:
    """Challenger and/or defender, over one L1 account."""

    def __init__(
        self,
        chain: GameChain,
        provider: TraceProvider,
        *,
        challenge: bool = False,
        defend: bool = False,
        poll_interval: float = POLL_INTERVAL,
        name: str = "dispute",
    ) -> None:
        self.chain = chain
        self.provider = provider
        self.challenge = challenge
        self.defend = defend
        self.poll_interval = poll_interval
        self.name = name
        self.moves: list[MoveRecord] = []
        self.games: dict[int, Game] = {}  # last seen state of every game since first_open
        self.first_open = 0  # every game below it has ended (a cursor, recomputed on restart)
        self.first_unfinalized = 0  # every output below it is finalized
        self._traces: dict[int, Trace] = {}  # game id -> the trace it is played with
        self._duration: int | None = None
        self._now = 0
        self._matched: set[tuple[int, int]] = set()  # (output index, proposal id) found right
        self._errors: dict[str, str] = {}
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None

    @property
    def address(self) -> bytes:
        return self.chain.address

    # -- the loop ----------------------------------------------------------------------------

    def start(self) -> None:
        self.thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=30)

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.tick()
                self._errors.pop("tick", None)
            except Exception as exc:  # keep playing through L1 hiccups
                self._report("tick", exc)
            self.stop_event.wait(self.poll_interval)

    def tick(self) -> None:
        """One round: read the games, move in each where it is our turn, then (challenger) check
        the outputs."""
        if self._duration is None:
            self._duration = self.chain.clock_duration()
        if self.chain.has_pending_move():
            return  # a move of ours (sent before a restart) is about to land: wait for it
        now = self._now = self.chain.now()
        for game in self.refresh_games():
            try:
                self.play(game, now)
                self._errors.pop(f"game {game.game_id}", None)
            except Exception as exc:
                if not self.chain.get_game(game.game_id).is_open:
                    # The other party ended it first (a proof or a timeout): nothing went wrong.
                    log.info("%s: game %d ended before our move", self.name, game.game_id)
                    continue
                self._report(f"game {game.game_id}", exc)
        if self.challenge:
            self.check_outputs()

    def _report(self, where: str, exc: Exception) -> None:
        message = f"{type(exc).__name__}: {exc}"
        if self._errors.get(where) != message:
            log.warning("%s: %s: %s", self.name, where, message)
        self._errors[where] = message

    def refresh_games(self) -> list[Game]:
        """Read every game from the first one that may be open; return the open ones."""
        count = self.chain.game_count()
        open_games: list[Game] = []
        advancing = True
        for game_id in range(self.first_open, count):
            game = self.chain.get_game(game_id)
            self.games[game_id] = game
            if game.is_open:
                advancing = False
                open_games.append(game)
            elif advancing:
                self.first_open = game_id + 1
                self._traces.pop(game_id, None)
        return open_games

    # -- outputs (challenger) ----------------------------------------------------------------

    def check_outputs(self) -> None:
        """Dispute the first output not finalized that differs from our own."""
        count = self.chain.output_count()
        self.first_unfinalized = min(self.first_unfinalized, count)
        for index in range(self.first_unfinalized, count):
            output = self.chain.get_output(index)
            if self.chain.is_finalized(index):
                if index == self.first_unfinalized:
                    self.first_unfinalized = index + 1
                continue
            if (index, output.proposal_id) in self._matched:
                continue
            own = self.provider.own_output(output.l2_block_number)
            if own is None:
                return  # not derived yet: later outputs are not either
            if own.output_root == output.output_root:
                self._matched.add((index, output.proposal_id))
                continue
            self.dispute_output(output, own)
            return

    def our_game_against(self, output: OutputInfo) -> Game | None:
        """Our game over this very output (this proposal): an open one first, else any."""
        found = None
        for game in self.games.values():
            if (
                game.challenger == self.address
                and game.output_index == output.index
                and game.proposal_id == output.proposal_id
            ):
                if game.is_open:
                    return game
                found = game
        return found

    def dispute_output(self, output: OutputInfo, own: OwnOutput) -> None:
        """Disprove a wrong output: withdrawal root directly, anything else by a game."""
        game = self.our_game_against(output)
        if game is not None:
            if not game.is_open and self._errors.get(f"output {output.index}") != "lost":
                # A game we did not win over an output we still find wrong: a bug on one side.
                # Never open another (each would cost a bond); an operator has to look.
                log.error(
                    "output %d: our game %d over it ended %s; not disputing it again",
                    output.index,
                    game.game_id,
                    game.status.name,
                )
                self._errors[f"output {output.index}"] = "lost"
            return
        withdrawal_only = (
            own.machine_hash == output.machine_hash
            and own.state_root == output.state_root
            and own.withdrawal_root != output.withdrawal_root
        )
        if withdrawal_only:
            words, proof = self.provider.withdrawals_proof(output.l2_block_number)
            log.warning(
                "output %d (block %d) has a wrong withdrawal root 0x%s: disproving",
                output.index,
                output.l2_block_number,
                output.withdrawal_root.hex(),
            )
            gas = self.chain.disprove_withdrawal_root(output.index, words, proof)
            self.record(None, "disproveWithdrawalRoot", gas, f"output {output.index}")
            return
        if own.machine_hash == output.machine_hash:
            key = f"output {output.index}"
            if self._errors.get(key) != "block hash":
                log.error(
                    "output %d differs only in its block hash: not provable on L1", output.index
                )
                self._errors[key] = "block hash"
            return
        start_block = self.start_block(output.index)
        start_hash = self.chain.start_machine_hash(output.index)
        trace = self.provider.trace(start_block, output.l2_block_number)
        if trace.hash_at(0) != start_hash:
            key = f"output {output.index}"
            if self._errors.get(key) != "start":
                log.error(
                    "output %d: the agreed start state on L1 is not ours; cannot dispute it",
                    output.index,
                )
                self._errors[key] = "start"
            return
        if trace.final.hash != own.machine_hash:
            raise MachineError(
                f"our trace of blocks {start_block + 1}..{output.l2_block_number} does not end "
                "in our boundary state"
            )
        log.warning(
            "output %d (block %d) is WRONG: machine hash 0x%s, ours 0x%s: opening a game",
            output.index,
            output.l2_block_number,
            output.machine_hash.hex(),
            own.machine_hash.hex(),
        )
        game_id, gas = self.chain.create_game(output.index)
        self._traces[game_id] = trace
        self.record(game_id, "createGame", gas, f"output {output.index}")

    def start_block(self, output_index: int) -> int:
        if output_index == 0:
            return 0
        return self.chain.get_output(output_index - 1).l2_block_number

    # -- games -------------------------------------------------------------------------------

    def trace_for(self, game: Game, as_defender: bool) -> Trace:
        trace = self._traces.get(game.game_id)
        if trace is None:
            start_block = self.start_block(game.output_index)
            end_hash = None
            if as_defender:
                end_hash = self.chain.get_output(game.output_index).machine_hash
            trace = self.provider.trace(start_block, game.l2_block_number, end_hash)
            self._traces[game.game_id] = trace
        return trace

    def play(self, game: Game, now: int) -> None:
        """Make our move in `game`, if any."""
        if not game.is_open:
            return
        as_challenger = self.challenge and game.challenger == self.address
        as_defender = self.defend and game.defender == self.address
        if not (as_challenger or as_defender):
            return
        if not self.chain.is_output_stored(game):
            if as_challenger:
                gas = self.chain.cancel_game(game.game_id)
                self.record(game.game_id, "cancelGame", gas)
            return
        duration = self._duration if self._duration is not None else self.chain.clock_duration()
        mover_is_us = (game.turn == Party.DEFENDER and as_defender) or (
            game.turn == Party.CHALLENGER and as_challenger
        )
        if game.is_expired(now, duration):
            if not mover_is_us:
                gas = self.chain.claim_timeout(game.game_id)
                self.record(game.game_id, "claimTimeout", gas, f"{game.turn.name.lower()} ran out")
            return
        trace = self.trace_for(game, as_defender and not as_challenger)
        if game.bisection_done:
            self.try_prove(game, trace, as_defender and not as_challenger)
            return
        if game.turn == Party.DEFENDER and as_defender:
            claim = trace.hash_at(game.mid)
            gas = self.chain.defend(game.game_id, claim)
            self.record(game.game_id, "defend", gas, f"position {game.mid}")
        elif game.turn == Party.CHALLENGER and as_challenger:
            agree = trace.hash_at(game.mid) == game.claim_mid
            gas = self.chain.respond(game.game_id, agree)
            self.record(
                game.game_id,
                "respond",
                gas,
                f"{'agree' if agree else 'disagree'} at {game.mid}",
            )

    def try_prove(self, game: Game, trace: Trace, as_defender: bool) -> None:
        """Submit the one-step proof if it makes us win."""
        if trace.hash_at(game.lo) != game.claim_lo:
            key = f"proof {game.game_id}"
            if self._errors.get(key) is None:
                log.warning(
                    "game %d: the agreed state at %d is not ours; cannot prove",
                    game.game_id,
                    game.lo,
                )
                self._errors[key] = "pre"
            return
        step = self.provider.one_step(trace, game.lo)
        defender_wins = step.post.hash == game.claim_hi
        if defender_wins != as_defender:
            return
        gas = self.chain.resolve_with_proof(game.game_id, step.pre, step.proof)
        self.record(game.game_id, "resolveWithProof", gas, f"step {game.lo}")

    def record(self, game_id: int | None, kind: str, gas: int, detail: str = "") -> None:
        self.moves.append(MoveRecord(game_id, kind, gas, detail))
        where = "" if game_id is None else f"game {game_id}: "
        log.info("%s: %s%s %s (gas %d)", self.name, where, kind, detail, gas)

    # -- reporting ---------------------------------------------------------------------------

    def get_stats(self) -> dict[str, Any]:
        """Open games and move costs, for rollup_syncStatus / `rollup status`."""
        duration = self._duration or 0
        now = self._now
        open_games = []
        for game in sorted(self.games.values(), key=lambda g: g.game_id):
            if not game.is_open:
                continue
            defender_left, challenger_left = game.clocks_left(now, duration)
            open_games.append(
                {
                    "id": game.game_id,
                    "output": game.output_index,
                    "lo": game.lo,
                    "hi": game.hi,
                    "turn": game.turn.name.lower(),
                    "defender_clock_left": defender_left,
                    "challenger_clock_left": challenger_left,
                }
            )
        gas: dict[str, list[int]] = {}
        for move in self.moves:
            gas.setdefault(move.kind, []).append(move.gas)
        return {
            "open_games": open_games,
            "moves": {kind: len(values) for kind, values in gas.items()},
            "move_gas": {kind: sum(values) // len(values) for kind, values in gas.items()},
        }
