"""`rollup challenge`: inspect and play dispute games by hand (docs/FRAUD_PROOFS.md §3).

The verifier (challenger) and the sequencer (defender) play their games by themselves; these
commands show the games and let an operator (or a test) make any move: open a game against an
output, post a claim, agree or disagree, submit the one-step proof, claim a timeout. Claims and
proofs are computed from a node's own view: its database (--data-dir, a verifier's or a
sequencer's, read while the node runs) and the L1 inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from l1.contracts.dispute_game import Game, GameStatus, Party
from l1.deploy import Deployment
from l1.games import L1GameChain
from l1.rpc import L1Client
from l1.sender import L1Sender, L1TransactionFailed
from prover.dispute import DisputePlayer
from prover.traces import NodeTraceProvider

T = TypeVar("T")
console = Console()
challenge_app = typer.Typer(
    help="Dispute games over outputs: list, show, open, defend, respond, prove, timeout.",
    no_args_is_help=True,
)

L1RpcOption = Annotated[str, typer.Option(help="L1 JSON-RPC URL.")]
DeploymentOption = Annotated[Path, typer.Option(help="The L1 deployment JSON.")]
KeyOption = Annotated[
    str, typer.Option("--key", "--private-key", help="L1 private key that moves (hex).")
]
DataDirOption = Annotated[
    Path,
    typer.Option(help="A node's data directory (verifier or sequencer): its view of the chain."),
]
DbUrlOption = Annotated[
    str | None, typer.Option(help="The node's SQLAlchemy URL (default: SQLite in --data-dir).")
]


def fail(message: str) -> NoReturn:
    console.print(f"[red]error:[/red] {message}", soft_wrap=True)
    raise typer.Exit(code=2)


def read_deployment(path: Path) -> Deployment:
    from rollup_cli.bridge_commands import read_deployment as read

    return read(path)


def parse_key(value: str) -> bytes:
    try:
        key = bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        fail("--key: not hex")
    if len(key) != 32:
        fail("--key: a private key is 32 bytes")
    return key


def make_chain(l1_rpc: str, deployment: Deployment, key: str | None = None) -> L1GameChain:
    client = L1Client(l1_rpc)
    sender = L1Sender(client, parse_key(key)) if key is not None else None
    return L1GameChain(client, deployment.dispute_game, deployment.output_oracle, sender)


def make_provider(
    data_dir: Path, db_url: str | None, l1_rpc: str, deployment: Deployment
) -> NodeTraceProvider:
    """A node's view from its database (opened alongside the running node) and L1."""
    import orjson

    from l1.inputs import L1InputReader
    from node.storage import Storage
    from rollup.genesis import build_genesis

    url = db_url or f"sqlite:///{data_dir / 'node.db'}"
    if db_url is None and not (data_dir / "node.db").exists():
        fail(f"{data_dir} holds no node database")
    storage = Storage.open(url)
    document = storage.get_genesis_document()
    if document is None:
        fail(f"{url} holds no genesis")
    config = build_genesis(orjson.loads(document)).config
    inputs = L1InputReader(
        L1Client(l1_rpc),
        deployment.batch_inbox,
        deployment.bridge,
        deployment.deploy_block_number + 1,
    )
    return NodeTraceProvider(storage, config, inputs)


def load_game(chain: L1GameChain, game_id: int) -> Game:
    if not 0 <= game_id < chain.game_count():
        fail(f"no game {game_id}")
    return chain.get_game(game_id)


def move(action: str, run: Callable[[], T]) -> T:
    try:
        result = run()
    except L1TransactionFailed as exc:
        fail(f"{action} reverted: {exc.reason}")
    except Exception as exc:
        fail(f"{action} failed: {exc}")
    return result


def describe_turn(game: Game) -> str:
    if not game.is_open:
        return "-"
    if game.bisection_done:
        return "proof due"
    return game.turn.name.lower()


@challenge_app.command("list")
def list_games(
    l1_rpc: L1RpcOption,
    deployment: DeploymentOption,
    recent: Annotated[int, typer.Option(min=0, help="Also show this many ended games.")] = 10,
) -> None:
    """Open games and the most recent ended ones."""
    chain = make_chain(l1_rpc, read_deployment(deployment))
    now, duration = chain.now(), chain.clock_duration()
    games = [chain.get_game(game_id) for game_id in range(chain.game_count())]
    ended = [game for game in games if not game.is_open][-recent:] if recent else []
    shown = sorted([game for game in games if game.is_open] + ended, key=lambda g: g.game_id)
    table = Table(title=f"dispute games ({len(games)} in all; clocks of {duration} s)")
    for column in ("id", "output", "L2 block", "lo", "hi", "turn", "clocks D / C", "status"):
        table.add_column(column)
    for game in shown:
        defender_left, challenger_left = game.clocks_left(now, duration)
        table.add_row(
            str(game.game_id),
            str(game.output_index),
            str(game.l2_block_number),
            str(game.lo),
            str(game.hi),
            describe_turn(game),
            f"{defender_left} / {challenger_left} s",
            game.status.name.lower().replace("_", " "),
        )
    console.print(table)


@challenge_app.command("show")
def show(
    game_id: Annotated[int, typer.Argument(help="The game's id.")],
    l1_rpc: L1RpcOption,
    deployment: DeploymentOption,
) -> None:
    """Everything about one game."""
    chain = make_chain(l1_rpc, read_deployment(deployment))
    game = load_game(chain, game_id)
    now, duration = chain.now(), chain.clock_duration()
    defender_left, challenger_left = game.clocks_left(now, duration)
    table = Table(title=f"game {game_id}")
    table.add_column("field")
    table.add_column("value")
    rows = [
        ("status", game.status.name.lower().replace("_", " ")),
        (
            "output",
            f"{game.output_index} (L2 block {game.l2_block_number}, proposal {game.proposal_id})",
        ),
        ("challenger", "0x" + game.challenger.hex()),
        ("defender", "0x" + game.defender.hex()),
        ("interval", f"({game.lo}, {game.hi}) — {game.hi - game.lo} positions wide"),
        ("claim at lo (agreed)", "0x" + game.claim_lo.hex()),
        ("claim at hi (disputed)", "0x" + game.claim_hi.hex()),
        ("midpoint", str(game.mid)),
        ("last midpoint claim", "0x" + game.claim_mid.hex()),
        ("to move", describe_turn(game)),
        ("defender clock left", f"{defender_left} s"),
        ("challenger clock left", f"{challenger_left} s"),
        ("expired", str(game.is_expired(now, duration))),
    ]
    if game.is_open:
        rows.append(("output still stored", str(chain.is_output_stored(game))))
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


@challenge_app.command("open")
def open_game(
    output_index: Annotated[int, typer.Argument(help="The output to dispute.")],
    l1_rpc: L1RpcOption,
    deployment: DeploymentOption,
    key: KeyOption,
) -> None:
    """Open a game against an output, posting the game bond (you become its challenger)."""
    chain = make_chain(l1_rpc, read_deployment(deployment), key)
    if not 0 <= output_index < chain.output_count():
        fail(f"no output {output_index}")
    game_id, gas = move("createGame", lambda: chain.create_game(output_index))
    console.print(
        f"opened game {game_id} against output {output_index} (bond {chain.game_bond()} wei, "
        f"gas {gas}); the defender posts the first claim"
    )


@challenge_app.command("defend")
def defend(
    game_id: Annotated[int, typer.Argument(help="The game's id.")],
    l1_rpc: L1RpcOption,
    deployment: DeploymentOption,
    key: KeyOption,
    data_dir: DataDirOption,
    db_url: DbUrlOption = None,
) -> None:
    """Post the defender's claim at the midpoint, from the node's trace."""
    contracts = read_deployment(deployment)
    chain = make_chain(l1_rpc, contracts, key)
    game = load_game(chain, game_id)
    if not game.is_open or game.turn != Party.DEFENDER or game.bisection_done:
        fail(f"game {game_id} does not wait for a claim ({describe_turn(game)})")
    player = DisputePlayer(chain, make_provider(data_dir, db_url, l1_rpc, contracts), defend=True)
    claim = player.trace_for(game, as_defender=True).hash_at(game.mid)
    gas = move("defend", lambda: chain.defend(game_id, claim))
    console.print(f"claimed 0x{claim.hex()} at position {game.mid} (gas {gas})")


@challenge_app.command("respond")
def respond(
    game_id: Annotated[int, typer.Argument(help="The game's id.")],
    l1_rpc: L1RpcOption,
    deployment: DeploymentOption,
    key: KeyOption,
    agree: Annotated[
        bool | None,
        typer.Option(
            "--agree/--disagree",
            help="Answer the midpoint claim; without it, compare with --data-dir's trace.",
        ),
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="A node's data directory.")] = None,
    db_url: DbUrlOption = None,
) -> None:
    """Agree or disagree with the defender's midpoint claim."""
    contracts = read_deployment(deployment)
    chain = make_chain(l1_rpc, contracts, key)
    game = load_game(chain, game_id)
    if not game.is_open or game.turn != Party.CHALLENGER or game.bisection_done:
        fail(f"game {game_id} does not wait for a response ({describe_turn(game)})")
    if agree is None:
        if data_dir is None:
            fail("give --agree, --disagree or --data-dir")
        provider = make_provider(data_dir, db_url, l1_rpc, contracts)
        trace = DisputePlayer(chain, provider, challenge=True).trace_for(game, as_defender=False)
        agree = trace.hash_at(game.mid) == game.claim_mid
    answer = bool(agree)
    gas = move("respond", lambda: chain.respond(game_id, answer))
    console.print(
        f"{'agreed with' if answer else 'disagreed with'} the claim at {game.mid} (gas {gas})"
    )


@challenge_app.command("prove")
def prove(
    game_id: Annotated[int, typer.Argument(help="The game's id.")],
    l1_rpc: L1RpcOption,
    deployment: DeploymentOption,
    key: KeyOption,
    data_dir: DataDirOption,
    db_url: DbUrlOption = None,
    as_defender: Annotated[
        bool, typer.Option(help="Use the trace ending in the output's machine hash.")
    ] = False,
) -> None:
    """Submit the one-step proof of the disputed step, computed from the node's view."""
    contracts = read_deployment(deployment)
    chain = make_chain(l1_rpc, contracts, key)
    game = load_game(chain, game_id)
    if not game.is_open or not game.bisection_done:
        fail(f"game {game_id} is not down to one step ({game.hi - game.lo} wide)")
    provider = make_provider(data_dir, db_url, l1_rpc, contracts)
    player = DisputePlayer(chain, provider)
    trace = player.trace_for(game, as_defender=as_defender)
    if trace.hash_at(game.lo) != game.claim_lo:
        fail(f"the agreed state at {game.lo} is not this node's: it cannot prove this step")
    step = provider.one_step(trace, game.lo)
    winner = "defender" if step.post.hash == game.claim_hi else "challenger"
    gas = move("resolveWithProof", lambda: chain.resolve_with_proof(game_id, step.pre, step.proof))
    console.print(
        f"proved step {game.lo} (post 0x{step.post.hash.hex()}): the {winner} wins (gas {gas})"
    )


@challenge_app.command("timeout")
def timeout(
    game_id: Annotated[int, typer.Argument(help="The game's id.")],
    l1_rpc: L1RpcOption,
    deployment: DeploymentOption,
    key: KeyOption,
) -> None:
    """End a game whose party to move has run out of clock (that party loses)."""
    chain = make_chain(l1_rpc, read_deployment(deployment), key)
    game = load_game(chain, game_id)
    if not game.is_open:
        fail(f"game {game_id} has ended ({game.status.name.lower()})")
    if not game.is_expired(chain.now(), chain.clock_duration()):
        defender_left, challenger_left = game.clocks_left(chain.now(), chain.clock_duration())
        left = defender_left if game.turn == Party.DEFENDER else challenger_left
        fail(f"the {game.turn.name.lower()}'s clock has {left} s left")
    gas = move("claimTimeout", lambda: chain.claim_timeout(game_id))
    status = chain.get_game(game_id).status
    winner = "challenger" if status == GameStatus.CHALLENGER_WON else "defender"
    console.print(f"the {game.turn.name.lower()} ran out of time: the {winner} wins (gas {gas})")
