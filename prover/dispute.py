"""Playing the dispute game (docs/FRAUD_PROOFS.md §3): challenger and defender.

A `DisputePlayer` is driven by `tick()` from a background thread, like the verifier and the
settlement loops. Each tick reads everything it acts on back from L1 (the DisputeGame's games and
the OutputOracle's outputs), so a restarted player resumes any game where it stands; only caches
(traces, cursors) live in memory.

- As challenger (inside the verifier), it compares every output not yet finalized with its own:
  the output root of its derived header and the machine hash of its boundary state
  (rollup.machine.compute_boundary_state). At the first output that differs it disproves the
  withdrawal root directly if that alone is wrong, and otherwise opens a game with the bond. In
  its games it answers each midpoint claim (agree when the claim equals its own step state hash at
  that position), and once the disputed interval is one step wide it submits the one-step proof.
- As defender (inside the sequencer, with the proposer's key), it posts the claim at each midpoint
  of the games against its outputs, from the trace that ends in the output's machine hash (its
  honest trace, or the faulty one a `--fault` sequencer proposed), and submits the one-step proof
  itself when the step proves its claim.
- Either side claims the win when the other side's chess clock has run out, and a challenger
  cancels its games whose output was deleted otherwise (refunding its bond).

Claims come from traces: the step states of the range replayed with rollup.machine from the state
at the previous output's block (positions past the last step hold the final state). That state is
rebuilt from the node's storage (leaves now, undone block by block with the state history) and
checked against the header's state root; if it does not match, the machine replays the chain from
genesis instead (the reference).
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import select

from l1.contracts import (
    GAME_CREATED_TOPIC,
    DisputeGame,
    Game,
    Output,
    OutputOracle,
    Party,
    decode_game_created,
)
from l1.rpc import L1Client, L1Receipt
from l1.sender import L1Sender
from prover.faults import (
    WRONG_WITHDRAWAL_ROOT,
    FaultPlan,
    plan_fault,
    run_faulty,
    wrong_withdrawal_root,
)
from prover.inputs import L1InputSource
from rollup.config import ChainConfig
from rollup.crypto import keccak256
from rollup.genesis import build_genesis
from rollup.machine import (
    Machine,
    MachineError,
    StepProof,
    compute_boundary_state,
    make_genesis_step_state,
)
from rollup.output import OUTPUT_VERSION
from rollup.smt import encode_proof
from rollup.state import WITHDRAWALS_KEY, State, compute_tree_key, decode_leaf
from rollup.stepstate import StepState
from sequencer.storage import Storage, decode_state_key, state_history_table, state_table

log = logging.getLogger("rollup.dispute")

POLL_INTERVAL = 0.5


# -- the game (l1.contracts.Game mirrors DisputeGame.Game) --------------------------------------


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


# -- traces -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OwnOutput:
    """What this node computed for an L2 block: the output it would propose."""

    block_number: int
    step_state: StepState
    withdrawal_root: bytes
    block_hash: bytes

    @property
    def state_root(self) -> bytes:
        return self.step_state.state_root

    @property
    def machine_hash(self) -> bytes:
        return self.step_state.hash

    @property
    def output_root(self) -> bytes:
        return keccak256(OUTPUT_VERSION + self.state_root + self.withdrawal_root + self.block_hash)


@dataclass(slots=True)
class Trace:
    """The step states of a range, from the start state (position 0) to the final one; every
    position past the last step holds the final state."""

    start_block: int
    target_block: int
    states: list[StepState]
    fault: FaultPlan | None = None
    hashes: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.hashes:
            self.hashes = [state.hash for state in self.states]

    @property
    def final(self) -> StepState:
        return self.states[-1]

    @property
    def steps(self) -> int:
        return len(self.states) - 1

    def state_at(self, position: int) -> StepState:
        return self.states[min(position, len(self.states) - 1)]

    def hash_at(self, position: int) -> bytes:
        return self.hashes[min(position, len(self.hashes) - 1)]


@dataclass(frozen=True, slots=True)
class OneStep:
    """A one-step proof from a trace position: the pre-state, its proof, the machine's post."""

    pre: StepState
    proof: StepProof
    post: StepState


class TraceProvider(ABC):
    """A node's view of the chain, as a dispute player needs it."""

    @abstractmethod
    def own_output(self, block_number: int) -> OwnOutput | None:
        """This node's output at `block_number`; None while it does not know that block (or its
        batch is not on L1 yet)."""

    @abstractmethod
    def trace(self, start_block: int, target_block: int, end_hash: bytes | None = None) -> Trace:
        """The trace of the range (start_block, target_block]: the honest one, or with `end_hash`
        one that ends in it if this node made such a (faulty) one."""

    @abstractmethod
    def one_step(self, trace: Trace, position: int) -> OneStep:
        """The proof of the step from `trace`'s state at `position`."""

    @abstractmethod
    def withdrawals_proof(self, block_number: int) -> tuple[tuple[int, int], bytes]:
        """The Withdrawals leaf's words at `block_number` and its proof against the state root."""


# -- the node's trace provider ----------------------------------------------------------------


def load_state_at(storage: Storage, number: int) -> State:
    """The state at the end of block `number`: the stored leaves with every later block's changes
    undone (from the state history), read in one snapshot."""
    leaves: dict[bytes, tuple[int, bytes]] = {}
    with storage.engine.connect() as conn:
        for key, kind, value in conn.execute(
            select(state_table.c.key, state_table.c.kind, state_table.c.value)
        ):
            leaves[bytes(key)] = (kind, bytes(value))
        history = state_history_table.c
        rows = conn.execute(
            select(history.block_number, history.key, history.old_value)
            .where(history.block_number > number)
            .order_by(history.block_number.desc())
        )
        for _, key, old_value in rows:
            key = bytes(key)
            if old_value is None:
                leaves.pop(key, None)
            else:
                leaves[key] = (key[0], bytes(old_value))
    state = State()
    state.load_leaves(
        (decode_state_key(key), decode_leaf(kind, value)) for key, (kind, value) in leaves.items()
    )
    return state


class NodeTraceProvider(TraceProvider):
    """Traces and proofs from a node's storage (derived or sequenced blocks) and L1's inputs.

    With `fault` (a sequencer run with --fault), `propose` returns one wrong output, and `trace`
    returns the faulty trace for a range whose output ends in its hash.
    """

    def __init__(
        self,
        storage: Storage,
        config: ChainConfig,
        inputs: L1InputSource,
        fault: str | None = None,
        beneficiary: bytes = bytes(20),
    ) -> None:
        self.storage = storage
        self.config = config
        self.inputs = inputs
        self.fault = fault
        self.fault_pending = fault is not None
        self.beneficiary = beneficiary
        self.machine = Machine(config, inputs)
        self.lock = threading.RLock()
        self._traces: dict[tuple[int, int, bool], Trace] = {}
        self._genesis_root: bytes | None = None
        self._faulty_withdrawal_roots: dict[tuple[int, int], bytes] = {}
        self._own: dict[int, OwnOutput] = {}

    # -- own outputs -------------------------------------------------------------------------

    def genesis_step_state(self) -> StepState:
        if self._genesis_root is None:
            header = self.storage.get_header(0)
            if header is None:
                raise RuntimeError("storage holds no genesis block")
            self._genesis_root = header.state_root
        return make_genesis_step_state(self.config, self._genesis_root)

    def step_state_at(self, block_number: int) -> StepState | None:
        """The machine's StepState at the end of `block_number` (None if unknown yet)."""
        if block_number == 0:
            return self.genesis_step_state()
        header = self.storage.get_header(block_number)
        if header is None:
            return None
        tx_count = len(self.storage.get_block_transaction_hashes(block_number))
        try:
            return compute_boundary_state(
                state_root=header.state_root,
                block_number=header.number,
                timestamp=header.timestamp,
                l1_origin_number=header.l1_origin_number,
                base_fee=header.base_fee,
                gas_used=header.gas_used,
                tx_count=tx_count,
                message_l1_blocks=self.inputs.message_l1_blocks(),
                batches=self.inputs.batches(),
                chain_id=self.config.chain_id,
            )
        except MachineError:
            return None  # its batch is not on L1 (yet)

    def own_output(self, block_number: int) -> OwnOutput | None:
        with self.lock:
            header = self.storage.get_header(block_number)
            if header is None:
                return None
            cached = self._own.get(block_number)
            if cached is not None and cached.block_hash == header.hash:
                return cached  # the same block (no reorg since): the same batch on L1
            step = self.step_state_at(block_number)
            if step is None:
                return None
            own = OwnOutput(block_number, step, header.withdrawal_root, header.hash)
            self._own[block_number] = own
            return own

    def compute_step_state(self, block_number: int) -> StepState:
        """The proposer's compute_step_state: the boundary state of a block it stores whose
        batch is on L1; LookupError otherwise."""
        own = self.own_output(block_number)
        if own is None:
            raise LookupError(f"no boundary state for L2 block {block_number} (not on L1 yet?)")
        return own.step_state

    def tamper(self, start_block: int, block_number: int) -> tuple[StepState, bytes] | None:
        """The proposer's tamper hook (--fault): the wrong output once, else None."""
        with self.lock:
            if not self.fault_pending:
                return None
            own = self.own_output(block_number)
            wrong = self.propose(start_block, block_number)
            if own is None or wrong is None or wrong == own:
                return None
            return wrong.step_state, wrong.withdrawal_root

    def propose(self, start_block: int, block_number: int) -> OwnOutput | None:
        """The output the proposer bonds for `block_number`: this node's, except once with a
        fault, whose wrong trace is kept for the defender."""
        with self.lock:
            own = self.own_output(block_number)
            if own is None or not self.fault_pending or self.fault is None:
                return own
            if self.fault == WRONG_WITHDRAWAL_ROOT:
                self.fault_pending = False
                wrong = OwnOutput(
                    block_number,
                    own.step_state,
                    wrong_withdrawal_root(own.withdrawal_root),
                    own.block_hash,
                )
                log.warning("FAULT: proposing a wrong withdrawal root for block %d", block_number)
                return wrong
            faulty = self._faulty_trace(start_block, block_number)
            if faulty is None:
                log.warning(
                    "FAULT: no transaction in blocks up to %d; honest for now", block_number
                )
                return own
            self.fault_pending = False
            final = faulty.final
            log.warning(
                "FAULT: proposing a wrong state for block %d (%s): root 0x%s instead of 0x%s",
                block_number,
                faulty.fault.describe() if faulty.fault else self.fault,
                final.state_root.hex(),
                own.state_root.hex(),
            )
            withdrawal_root = self._faulty_withdrawal_roots[(start_block, block_number)]
            return OwnOutput(block_number, final, withdrawal_root, own.block_hash)

    # -- states ------------------------------------------------------------------------------

    def state_at(self, block_number: int) -> State:
        """A fresh State at the end of `block_number`, checked against its header."""
        header = self.storage.get_header(block_number)
        if header is None:
            raise MachineError(f"block {block_number} is not stored")
        if block_number == 0:
            return self._genesis_state()
        for _ in range(3):
            state = load_state_at(self.storage, block_number)
            if state.root == header.state_root:
                return state
        log.warning(
            "state at block %d from storage does not match its header: replaying", block_number
        )
        return self._replay_state(block_number, header.state_root)

    def _genesis_state(self) -> State:
        document = self.storage.get_genesis_document()
        if document is None:
            raise RuntimeError("storage holds no genesis document")
        return build_genesis(orjson.loads(document)).state

    def _replay_state(self, block_number: int, expected_root: bytes) -> State:
        """The reference: the machine's replay of every block from genesis."""
        state = self._genesis_state()
        self.machine.run_to(state, self.genesis_step_state(), block_number)
        if state.root != expected_root:
            raise MachineError(
                f"replaying to block {block_number} gives root 0x{state.root.hex()}, the header "
                f"0x{expected_root.hex()}"
            )
        return state

    def _start(self, start_block: int) -> tuple[State, StepState]:
        """A fresh State and the StepState at the start of a range (the end of `start_block`)."""
        if start_block == 0:
            return self.state_at(0), self.genesis_step_state()
        own = self.own_output(start_block)
        if own is None:
            raise MachineError(f"no boundary state at block {start_block} yet")
        return self.state_at(start_block), own.step_state

    # -- traces ------------------------------------------------------------------------------

    def honest_trace(self, start_block: int, target_block: int) -> Trace:
        with self.lock:
            key = (start_block, target_block, False)
            cached = self._traces.get(key)
            if cached is not None:
                return cached
            state, start = self._start(start_block)
            started = time.monotonic()
            states = self.machine.run_to(state, start, target_block)
            trace = Trace(start_block, target_block, states)
            log.info(
                "trace of blocks %d..%d: %d steps in %.2f s",
                start_block + 1,
                target_block,
                trace.steps,
                time.monotonic() - started,
            )
            self._traces[key] = trace
            return trace

    def _faulty_trace(self, start_block: int, target_block: int) -> Trace | None:
        if self.fault is None or self.fault == WRONG_WITHDRAWAL_ROOT:
            return None
        key = (start_block, target_block, True)
        cached = self._traces.get(key)
        if cached is not None:
            return cached
        state, start = self._start(start_block)
        honest, plan = plan_fault(
            self.fault, self.machine, state, start, target_block, self.beneficiary
        )
        self._traces.setdefault(
            (start_block, target_block, False), Trace(start_block, target_block, honest)
        )
        if plan is None:
            return None
        state, start = self._start(start_block)
        states = run_faulty(self.machine, state, start, target_block, plan, honest)
        trace = Trace(start_block, target_block, states, fault=plan)
        self._traces[key] = trace
        self._faulty_withdrawal_roots[(start_block, target_block)] = state.get(
            WITHDRAWALS_KEY
        ).root.to_bytes(32, "big")
        return trace

    def trace(self, start_block: int, target_block: int, end_hash: bytes | None = None) -> Trace:
        with self.lock:
            honest = self.honest_trace(start_block, target_block)
            if end_hash is None or honest.final.hash == end_hash:
                return honest
            faulty = self._faulty_trace(start_block, target_block)
            if faulty is not None and faulty.final.hash == end_hash:
                return faulty
            return honest

    def one_step(self, trace: Trace, position: int) -> OneStep:
        with self.lock:
            state, start = self._start(trace.start_block)
            position = min(position, trace.steps)
            if trace.fault is not None:
                honest = self.honest_trace(trace.start_block, trace.target_block)
                states = run_faulty(
                    self.machine,
                    state,
                    start,
                    trace.target_block,
                    trace.fault,
                    honest.states,
                    until=position,
                )
                pre = states[position]
            else:
                pre = start
                for _ in range(position):
                    pre, _ = self.machine.execute_step(state, pre, trace.target_block)
            if pre != trace.state_at(position):
                raise MachineError(f"replay does not reach the trace's state at {position}")
            post, proof = self.machine.execute_step(state, pre, trace.target_block)
            return OneStep(pre, proof, post)

    def withdrawals_proof(self, block_number: int) -> tuple[tuple[int, int], bytes]:
        with self.lock:
            state = self.state_at(block_number)
            count, root = state.get(WITHDRAWALS_KEY)
            proof = encode_proof(state.tree.prove(compute_tree_key(WITHDRAWALS_KEY)))
            return (int(count), int(root)), proof


# -- the player ---------------------------------------------------------------------------------


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
        now = self._now = self.chain.now()
        for game in self.refresh_games():
            try:
                self.play(game, now)
                self._errors.pop(f"game {game.game_id}", None)
            except Exception as exc:
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


# -- the game on L1 -------------------------------------------------------------------------------


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
