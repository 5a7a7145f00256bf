"""The dispute player against an in-memory DisputeGame: bisection converges on the first wrong step,
the one-step proof decides, clocks end games, and a restarted player resumes from the chain."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from l1.contracts.dispute_game import Game, GameStatus, Party
from l1.games import GameChain, OutputInfo
from prover.dispute import DisputePlayer
from prover.traces import OneStep, OwnOutput, Trace, TraceProvider
from rollup.crypto import keccak256
from rollup.machine import EMPTY_WITNESS, StepProof
from rollup.stepstate import PHASE_BLOCK_START, PHASE_TXS, StepState

CHALLENGER = b"\xcc" * 20
DEFENDER = b"\xdd" * 20
MALLORY = b"\xee" * 20
BOND = 10**17
CLOCK = 100
TARGET = 10


def make_states(tag: bytes, count: int, target: int = TARGET) -> list[StepState]:
    """`count` distinct step states; the last one final for `target`."""
    states = [
        StepState(keccak256(tag + bytes([i])), block_number=1, phase=PHASE_TXS, offset=i)
        for i in range(count - 1)
    ]
    states.append(StepState(keccak256(tag + b"final"), block_number=target))
    return states


@dataclass
class Machine:
    """The step function the fake prover and the fake providers share: pre hash -> post state."""

    transitions: dict[bytes, StepState] = field(default_factory=dict)

    def add(self, states: list[StepState], skip: int | None = None) -> None:
        for index in range(len(states) - 1):
            if index != skip:
                self.transitions.setdefault(states[index].hash, states[index + 1])
        self.transitions[states[-1].hash] = states[-1]

    def step(self, pre: StepState) -> StepState:
        return self.transitions[pre.hash]


@dataclass
class FakeL1:
    """DisputeGame + OutputOracle rules, in memory."""

    machine: Machine
    max_depth: int = 4
    genesis_hash: bytes = b"\x01" * 32
    time: int = 1_000
    outputs: list[OutputInfo] = field(default_factory=list)
    games: list[Game] = field(default_factory=list)
    balances: dict[bytes, int] = field(default_factory=dict)
    proposals: int = 0
    calls: list[str] = field(default_factory=list)

    def propose(self, own: OwnOutput, withdrawal_root: bytes | None = None) -> OutputInfo:
        self.proposals += 1
        output = OutputInfo(
            index=len(self.outputs),
            output_root=keccak256(own.state_root + (withdrawal_root or own.withdrawal_root)),
            timestamp=self.time,
            l2_block_number=own.block_number,
            proposer=DEFENDER,
            bond=BOND,
            challenged=False,
            challenges=0,
            machine_hash=own.machine_hash,
            state_root=own.state_root,
            withdrawal_root=withdrawal_root or own.withdrawal_root,
            proposal_id=self.proposals,
        )
        self.outputs.append(output)
        return output

    def pay(self, to: bytes, amount: int) -> None:
        self.balances[to] = self.balances.get(to, 0) + amount

    def update(self, game: Game, **changes: object) -> Game:
        new = replace(game, **changes)  # type: ignore[arg-type]
        self.games[game.game_id] = new
        return new

    def spend(self, game: Game, party: Party) -> Game:
        used = game.clock_used(party, self.time)
        assert used <= CLOCK, "ClockExpired"
        field_name = "defender_clock_used" if party == Party.DEFENDER else "challenger_clock_used"
        return self.update(game, **{field_name: used, "last_move_at": self.time})

    def stored(self, game: Game) -> bool:
        return (
            game.output_index < len(self.outputs)
            and self.outputs[game.output_index].proposal_id == game.proposal_id
        )

    def set_challenges(self, index: int, delta: int) -> None:
        output = self.outputs[index]
        challenges = output.challenges + delta
        self.outputs[index] = replace(output, challenges=challenges, challenged=challenges > 0)

    def delete_from(self, index: int, recipient: bytes) -> None:
        deleted = self.outputs[index:]
        del self.outputs[index:]
        self.pay(recipient, BOND * len(deleted))

    def challenger_wins(self, game: Game) -> None:
        self.delete_from(game.output_index, game.challenger)
        self.pay(game.challenger, BOND)

    def defender_wins(self, game: Game) -> None:
        self.set_challenges(game.output_index, -1)
        self.pay(game.defender, BOND)


@dataclass
class Account(GameChain):
    """One player's view of the fake L1."""

    l1: FakeL1
    address: bytes
    pending: bool = False  # a move of this key waiting in L1's pool

    def has_pending_move(self) -> bool:
        return self.pending

    def now(self) -> int:
        return self.l1.time

    def clock_duration(self) -> int:
        return CLOCK

    def game_bond(self) -> int:
        return BOND

    def game_count(self) -> int:
        return len(self.l1.games)

    def get_game(self, game_id: int) -> Game:
        return self.l1.games[game_id]

    def output_count(self) -> int:
        return len(self.l1.outputs)

    def get_output(self, index: int) -> OutputInfo:
        return self.l1.outputs[index]

    def is_finalized(self, index: int) -> bool:
        return False

    def start_machine_hash(self, index: int) -> bytes:
        return self.l1.genesis_hash if index == 0 else self.l1.outputs[index - 1].machine_hash

    def is_output_stored(self, game: Game) -> bool:
        return self.l1.stored(game)

    def create_game(self, output_index: int) -> tuple[int, int]:
        l1 = self.l1
        l1.calls.append("createGame")
        output = l1.outputs[output_index]
        l1.set_challenges(output_index, 1)
        game = Game(
            game_id=len(l1.games),
            challenger=self.address,
            output_index=output_index,
            l2_block_number=output.l2_block_number,
            defender=output.proposer,
            proposal_id=output.proposal_id,
            lo=0,
            hi=1 << l1.max_depth,
            defender_clock_used=0,
            challenger_clock_used=0,
            last_move_at=l1.time,
            turn=Party.DEFENDER,
            status=GameStatus.OPEN,
            claim_lo=self.start_machine_hash(output_index),
            claim_hi=output.machine_hash,
            claim_mid=bytes(32),
        )
        l1.games.append(game)
        return game.game_id, 100_000

    def defend(self, game_id: int, claim: bytes) -> int:
        game = self.l1.games[game_id]
        assert game.is_open and self.address == game.defender
        assert game.turn == Party.DEFENDER and not game.bisection_done
        game = self.l1.spend(game, Party.DEFENDER)
        self.l1.update(game, claim_mid=claim, turn=Party.CHALLENGER)
        self.l1.calls.append("defend")
        return 50_000

    def respond(self, game_id: int, agree: bool) -> int:
        game = self.l1.games[game_id]
        assert game.is_open and self.address == game.challenger
        assert game.turn == Party.CHALLENGER and not game.bisection_done
        game = self.l1.spend(game, Party.CHALLENGER)
        if agree:
            game = self.l1.update(game, lo=game.mid, claim_lo=game.claim_mid)
        else:
            game = self.l1.update(game, hi=game.mid, claim_hi=game.claim_mid)
        if not game.bisection_done:
            self.l1.update(game, turn=Party.DEFENDER)
        self.l1.calls.append("respond")
        return 40_000

    def resolve_with_proof(self, game_id: int, pre: StepState, proof: StepProof) -> int:
        game = self.l1.games[game_id]
        assert game.is_open and game.bisection_done
        assert not game.is_expired(self.l1.time, CLOCK)
        assert pre.hash == game.claim_lo, "PreStateMismatch"
        post = self.l1.machine.step(pre)
        if post.hash == game.claim_hi:
            self.l1.update(game, status=GameStatus.DEFENDER_WON)
            self.l1.defender_wins(game)
        else:
            self.l1.update(game, status=GameStatus.CHALLENGER_WON)
            self.l1.challenger_wins(game)
        self.l1.calls.append(f"resolveWithProof@{game.lo}")
        return 300_000

    def claim_timeout(self, game_id: int) -> int:
        game = self.l1.games[game_id]
        assert game.is_expired(self.l1.time, CLOCK), "ClockNotExpired"
        if game.turn == Party.DEFENDER:
            self.l1.update(game, status=GameStatus.CHALLENGER_WON)
            self.l1.challenger_wins(game)
        else:
            self.l1.update(game, status=GameStatus.DEFENDER_WON)
            self.l1.defender_wins(game)
        self.l1.calls.append("claimTimeout")
        return 60_000

    def cancel_game(self, game_id: int) -> int:
        game = self.l1.games[game_id]
        assert not self.l1.stored(game)
        self.l1.update(game, status=GameStatus.CANCELLED)
        self.l1.pay(game.challenger, BOND)
        self.l1.calls.append("cancelGame")
        return 30_000

    def disprove_withdrawal_root(
        self, output_index: int, words: tuple[int, int], proof: bytes
    ) -> int:
        output = self.l1.outputs[output_index]
        assert words[1].to_bytes(32, "big") != output.withdrawal_root
        self.l1.delete_from(output_index, self.address)
        self.l1.calls.append("disproveWithdrawalRoot")
        return 80_000


@dataclass
class FakeProvider(TraceProvider):
    """A node whose trace of the one range (0, TARGET] is `states` (and maybe a faulty one)."""

    machine: Machine
    states: list[StepState]
    faulty: list[StepState] | None = None
    withdrawal_root: bytes = b"\x77" * 32
    proofs: int = 0

    def own_output(self, block_number: int) -> OwnOutput | None:
        return OwnOutput(block_number, self.states[-1], self.withdrawal_root, b"\x00" * 32)

    def trace(self, start_block: int, target_block: int, end_hash: bytes | None = None) -> Trace:
        if end_hash is not None and self.faulty is not None and self.faulty[-1].hash == end_hash:
            return Trace(start_block, target_block, self.faulty)
        return Trace(start_block, target_block, self.states)

    def one_step(self, trace: Trace, position: int) -> OneStep:
        self.proofs += 1
        pre = trace.state_at(position)
        return OneStep(pre, StepProof(b"", EMPTY_WITNESS), self.machine.step(pre))

    def withdrawals_proof(self, block_number: int) -> tuple[tuple[int, int], bytes]:
        return (1, int.from_bytes(self.withdrawal_root, "big")), b"proof"


@dataclass
class Setup:
    l1: FakeL1
    honest: list[StepState]
    faulty: list[StepState] | None
    challenger: DisputePlayer
    defender: DisputePlayer


def build(
    steps: int = 10, fault_at: int | None = 3, max_depth: int = 4, malicious: bool = False
) -> Setup:
    """Output 0 proposed by DEFENDER over `steps` steps, wrong from step `fault_at` on (None:
    honest); an honest challenger (or, `malicious`, one that disagrees with everything)."""
    honest = make_states(b"h", steps + 1)
    honest[0] = honest[0]._replace(state_root=b"\x01" * 32)
    machine = Machine()
    machine.add(honest)
    faulty = None
    l1 = FakeL1(machine, max_depth=max_depth, genesis_hash=honest[0].hash)
    if fault_at is not None:
        wrong = make_states(b"f", steps + 1)
        faulty = honest[: fault_at + 1] + wrong[fault_at + 1 :]
        machine.add(faulty, skip=fault_at)
    defender_view = FakeProvider(machine, honest, faulty)
    l1.propose(
        OwnOutput(TARGET, (faulty or honest)[-1], defender_view.withdrawal_root, b"\x00" * 32)
    )
    challenger_view: TraceProvider = FakeProvider(machine, honest)
    if malicious:
        lies = make_states(b"m", steps + 1)
        challenger_view = FakeProvider(machine, [honest[0], *lies[1:]])
    return Setup(
        l1,
        honest,
        faulty,
        DisputePlayer(
            Account(l1, MALLORY if malicious else CHALLENGER), challenger_view, challenge=True
        ),
        DisputePlayer(Account(l1, DEFENDER), defender_view, defend=True),
    )


def play_out(setup: Setup, rounds: int = 200) -> Game:
    for _ in range(rounds):
        setup.challenger.tick()
        setup.defender.tick()
        setup.l1.time += 1
        if setup.l1.games and not setup.l1.games[0].is_open:
            return setup.l1.games[0]
    raise AssertionError("the game did not end")


@pytest.mark.parametrize("fault_at", [0, 1, 3, 7, 9])
def test_bisection_converges_on_the_faulty_step_and_the_challenger_proves_it(
    fault_at: int,
) -> None:
    setup = build(fault_at=fault_at)
    game = play_out(setup)
    assert game.status == GameStatus.CHALLENGER_WON
    assert (game.lo, game.hi) == (fault_at, fault_at + 1)
    assert setup.l1.calls[-1] == f"resolveWithProof@{fault_at}"
    assert setup.l1.outputs == []  # deleted
    assert setup.l1.balances[CHALLENGER] == 2 * BOND  # its bond back and the output's
    assert setup.l1.calls.count("defend") == 4 == setup.l1.calls.count("respond")


def test_positions_past_the_last_step_hold_the_final_state() -> None:
    states = make_states(b"x", 5)
    trace = Trace(0, TARGET, states)
    assert trace.hash_at(4) == trace.hash_at(1000) == states[-1].hash
    assert trace.state_at(99) == states[-1]


def test_a_fault_in_a_longer_trace_than_the_positions_is_found_with_deeper_games() -> None:
    setup = build(steps=100, fault_at=77, max_depth=8)
    game = play_out(setup, rounds=400)
    assert game.status == GameStatus.CHALLENGER_WON
    assert game.lo == 77


def test_a_challenger_that_disagrees_with_everything_loses_its_bond() -> None:
    setup = build(fault_at=None, malicious=True)
    # Mallory's "own" output differs, so it opens a game by itself.
    game = play_out(setup)
    assert game.status == GameStatus.DEFENDER_WON
    assert (game.lo, game.hi) == (0, 1)
    assert setup.l1.calls[-1] == "resolveWithProof@0"  # the defender proved step 0
    assert setup.l1.balances[DEFENDER] == BOND
    assert len(setup.l1.outputs) == 1 and not setup.l1.outputs[0].challenged


def test_an_honest_challenger_leaves_a_right_output_alone() -> None:
    setup = build(fault_at=None)
    for _ in range(5):
        setup.challenger.tick()
    assert setup.l1.games == []


def test_a_defender_that_stops_answering_loses_on_time() -> None:
    setup = build(fault_at=5)
    setup.challenger.tick()  # opens the game
    setup.defender.tick()  # first claim
    setup.challenger.tick()  # responds
    setup.l1.time += CLOCK  # the defender is silent for its whole clock
    setup.challenger.tick()
    assert setup.l1.calls[-1] == "respond"  # not expired yet: exactly the clock is allowed
    setup.l1.time += 1
    setup.challenger.tick()
    game = setup.l1.games[0]
    assert game.status == GameStatus.CHALLENGER_WON
    assert setup.l1.calls[-1] == "claimTimeout"
    assert setup.l1.outputs == []


def test_a_challenger_that_stops_answering_loses_on_time() -> None:
    setup = build(fault_at=None, malicious=True)
    setup.challenger.tick()  # Mallory opens
    setup.defender.tick()  # claim at the midpoint; Mallory goes silent
    setup.l1.time += CLOCK + 1
    setup.defender.tick()
    assert setup.l1.games[0].status == GameStatus.DEFENDER_WON
    assert setup.l1.calls[-1] == "claimTimeout"
    assert setup.l1.balances[DEFENDER] == BOND


def test_restarted_players_resume_from_the_chain() -> None:
    setup = build(fault_at=6)
    for _ in range(3):
        setup.challenger.tick()
        setup.defender.tick()
    game = setup.l1.games[0]
    assert game.is_open and game.hi - game.lo < 16
    # New players: nothing in memory but what they read back from L1.
    challenger = DisputePlayer(setup.challenger.chain, setup.challenger.provider, challenge=True)
    defender = DisputePlayer(setup.defender.chain, setup.defender.provider, defend=True)
    setup = Setup(setup.l1, setup.honest, setup.faulty, challenger, defender)
    game = play_out(setup)
    assert game.status == GameStatus.CHALLENGER_WON and game.lo == 6


def test_a_wrong_withdrawal_root_alone_is_disproven_directly() -> None:
    honest = make_states(b"h", 6)
    machine = Machine()
    machine.add(honest)
    l1 = FakeL1(machine, genesis_hash=honest[0].hash)
    provider = FakeProvider(machine, honest)
    l1.propose(
        OwnOutput(TARGET, honest[-1], provider.withdrawal_root, bytes(32)),
        withdrawal_root=b"\x99" * 32,
    )
    DisputePlayer(Account(l1, CHALLENGER), provider, challenge=True).tick()
    assert l1.calls == ["disproveWithdrawalRoot"]
    assert l1.outputs == [] and l1.games == []


def test_a_game_whose_output_was_deleted_otherwise_is_cancelled() -> None:
    setup = build(fault_at=2)
    setup.challenger.tick()  # opens game 0
    setup.l1.delete_from(0, MALLORY)  # e.g. another game won first
    setup.challenger.tick()
    assert setup.l1.games[0].status == GameStatus.CANCELLED
    assert setup.l1.balances[CHALLENGER] == BOND


def test_only_the_first_wrong_output_is_disputed() -> None:
    setup = build(fault_at=2)
    first = setup.l1.outputs[0]
    # A second (also wrong) output after it.
    setup.l1.outputs.append(replace(first, index=1, proposal_id=99, l2_block_number=20))
    setup.challenger.tick()
    setup.challenger.tick()
    assert [game.output_index for game in setup.l1.games] == [0]


def test_game_clocks() -> None:
    game = Game(
        0, CHALLENGER, 0, 10, DEFENDER, 1, 0, 16, 10, 20, 1_000, Party.DEFENDER,
        GameStatus.OPEN, bytes(32), bytes(32), bytes(32),
    )  # fmt: skip
    assert game.clocks_left(1_030, CLOCK) == (60, 80)
    assert not game.is_expired(1_090, CLOCK)
    assert game.is_expired(1_091, CLOCK)
    assert game.mid == 8 and not game.bisection_done
    done = replace(game, lo=7, hi=8, status=GameStatus.DEFENDER_WON)
    assert done.bisection_done and not done.is_expired(10**9, CLOCK)
    assert PHASE_BLOCK_START == 0


def test_a_lost_game_is_not_opened_again() -> None:
    setup = build(fault_at=4)
    setup.challenger.tick()  # opens game 0
    game = setup.l1.games[0]
    # The game ends in the defender's favour (say the challenger's machine had a bug); the
    # output is still wrong by the challenger's view and not finalized.
    setup.l1.update(game, status=GameStatus.DEFENDER_WON)
    setup.l1.set_challenges(0, -1)
    for _ in range(3):
        setup.challenger.tick()
    assert len(setup.l1.games) == 1


def test_a_player_with_a_move_pending_on_l1_waits_for_it() -> None:
    honest = make_states(b"h", 6)
    machine = Machine()
    machine.add(honest)
    l1 = FakeL1(machine, genesis_hash=honest[0].hash)
    provider = FakeProvider(machine, honest)
    l1.propose(
        OwnOutput(TARGET, honest[-1], provider.withdrawal_root, bytes(32)),
        withdrawal_root=b"\x99" * 32,
    )
    account = Account(l1, CHALLENGER, pending=True)  # restarted with its disproof in flight

    DisputePlayer(account, provider, challenge=True).tick()
    assert l1.calls == []

    account.pending = False  # mined: the output is disputed once, by what L1 now holds
    DisputePlayer(account, provider, challenge=True).tick()
    assert l1.calls == ["disproveWithdrawalRoot"]
