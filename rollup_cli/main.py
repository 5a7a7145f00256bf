"""`rollup`: run and inspect the DeFi rollup.

rollup devnet      start a local L2 node with a ready genesis and funded dev accounts
rollup sequencer   start a sequencer from a genesis file and a data directory
rollup status      show a running node's chain, head, fees and mempool
rollup genesis     write the default devnet genesis document to a file
rollup bench       measure throughput, latency and memory against anvil and the machine
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import orjson
import typer
from rich.console import Console
from rich.table import Table

from rollup import addresses
from rollup.genesis import InvalidGenesis, build_genesis, load_default_genesis_document
from rollup_cli import bridge_commands, challenge_commands
from sequencer.posting import DEFAULT_MAX_DELAY, DEVNET_MAX_DELAY

if TYPE_CHECKING:  # imported where used: `rollup --help` stays fast
    from faults.plugin import Fault
    from l1.deploy import Deployment
    from node.chain import Node
    from node.explorer.settlement_view import SettlementView
    from sequencer.role import Sequencer

app = typer.Typer(
    help="Operate the DeFi optimistic rollup: devnet, sequencer, status, bench.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()

LOCALHOST = "127.0.0.1"


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per L1 request otherwise


def print_table(table: Table) -> None:
    """`table` as a table on a terminal wide enough for it; otherwise (a narrower terminal, a log
    file, a pipe) one line per row with every value whole, so keys and addresses can be copied."""
    if console.is_terminal and console.measure(table).maximum <= console.width:
        console.print(table)
        return
    if table.title:
        console.print(f"{table.title}:", soft_wrap=True)
    cells = [list(column.cells) for column in table.columns]
    for row in zip(*cells, strict=True):
        console.print("  " + "  ".join(str(cell) for cell in row if str(cell)), soft_wrap=True)


def fail(message: str) -> NoReturn:
    console.print(f"[red]error:[/red] {message}", soft_wrap=True)
    raise typer.Exit(code=2)


def open_node(
    data_dir: Path,
    db_url: str | None,
    genesis_document: dict[str, Any] | None,
    recovery_workers: int,
    startup_wait: float = 0.0,
) -> Any:
    from node.chain import Node
    from node.storage import DatabaseUnreachable
    from rollup_cli.startup import open_storage

    data_dir.mkdir(parents=True, exist_ok=True)
    url = db_url or f"sqlite:///{data_dir / 'node.db'}"
    try:
        storage = open_storage(url, startup_wait)
        return Node(storage, genesis_document, recovery_workers=recovery_workers)
    except (InvalidGenesis, ValueError, RuntimeError, DatabaseUnreachable) as exc:
        fail(str(exc))


def make_l1_view(l1_rpc: str, deployment: Deployment) -> SettlementView:
    """What the explorer reads of L1 for its settlement page and withdrawals."""
    from l1.rpc import L1Client
    from node.explorer.settlement_view import SettlementView

    return SettlementView(L1Client(l1_rpc), deployment)


def open_metrics_socket(name: str, host: str, port: int | None) -> socket.socket | None:
    """The socket the role's metrics are served on (node.server.serve), bound now so that a port
    in use fails the start with its reason; None when port is None."""
    if port is None:
        return None
    from node.server import bind_socket

    try:
        sock = bind_socket(host, port)
    except OSError as exc:
        fail(f"--metrics-port {port}: {exc}")
    console.print(f"{name} metrics http://{host}:{port}/metrics", soft_wrap=True)
    return sock


def check_l1(l1_rpc: str, deployment: Any, deployment_file: Path, startup_wait: float) -> None:
    """Fail unless the L1 answers (within `startup_wait`) as the deployment's chain."""
    from rollup_cli.startup import StartupFailed, check_l1_chain

    try:
        check_l1_chain(l1_rpc, deployment, deployment_file, startup_wait)
    except StartupFailed as exc:
        fail(str(exc))


def read_genesis_file(path: Path) -> dict[str, Any]:
    try:
        document = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        fail(f"genesis file {path} does not exist")
    except orjson.JSONDecodeError as exc:
        fail(f"genesis file {path} is not valid JSON: {exc}")
    if not isinstance(document, dict):
        fail(f"genesis file {path} must hold a JSON object")
    try:
        build_genesis(document)
    except InvalidGenesis as exc:
        fail(f"genesis file {path}: {exc}")
    return dict(document)


BlockTime = Annotated[
    float,
    typer.Option(min=0.05, max=60.0, help="Seconds between L2 blocks (0.1 to 60; default 1)."),
]
Port = Annotated[int, typer.Option(min=1, max=65535, help="JSON-RPC port on 127.0.0.1.")]
BatchMaxDelay = Annotated[
    float,
    typer.Option(
        min=0,
        max=3600,
        help="Seconds the oldest unposted block may wait for its batch on a quiet chain "
        "(batches also go when full, when an output needs them, or near the sequencer window).",
    ),
]
RecoveryWorkers = Annotated[
    int,
    typer.Option(min=0, max=64, help="Processes that recover signatures of batched transactions."),
]
VERIFIER_RECOVERY_WORKERS = min(os.cpu_count() or 1, 64)
MaxRequestBytes = Annotated[
    int,
    typer.Option(
        min=1_024, max=1_073_741_824, help="Largest JSON-RPC request body accepted (bytes)."
    ),
]
AllowOrigin = Annotated[
    list[str] | None,
    typer.Option(
        help="Origin whose web pages may call the JSON-RPC (CORS), repeatable; '*' for any. "
        "Default: none (devnet: any)."
    ),
]
MaxConnections = Annotated[
    int, typer.Option(min=1, max=100_000, help="JSON-RPC requests served at once (503 beyond).")
]
StartupWait = Annotated[
    float,
    typer.Option(
        min=0,
        max=3_600,
        help="Seconds to wait at start for the database and the L1 to answer (default 60).",
    ),
]
MetricsPort = Annotated[
    int | None,
    typer.Option(
        min=1, max=65535, help="Serve Prometheus metrics on this port at /metrics (default: off)."
    ),
]
ListenHost = Annotated[
    str, typer.Option(envvar="ROLLUP_HOST", help="Address to listen on (env ROLLUP_HOST).")
]


def make_http_limits(
    max_request_bytes: int, allow_origin: list[str] | None, max_connections: int
) -> Any:
    from node.rpc import HttpLimits

    origins = tuple(allow_origin or ())
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            fail(f"--allow-origin: {origin!r} is not '*' nor an http(s):// origin")
    return HttpLimits(max_request_bytes, origins, max_connections)


"""A verifier's default: one recovery process per core (replaying from L1 is its only work)."""


def parse_key(value: str, option: str) -> bytes:
    try:
        key = bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        fail(f"{option}: not a hex private key")
    if len(key) != 32:
        fail(f"{option}: a private key is 32 bytes")
    return key


def parse_address_option(value: str, option: str) -> bytes:
    try:
        address = bytes.fromhex(value.removeprefix("0x"))
    except ValueError:
        fail(f"{option}: not a hex address")
    if len(address) != 20:
        fail(f"{option}: an address is 20 bytes")
    return address


read_deployment = bridge_commands.read_deployment


def check_fault(fault: str, proposing: bool) -> Fault:
    """Validate --fault, print the loud warning it deserves, and load the plug-in."""
    from faults.plugin import UnknownFault, load_fault

    try:
        loaded = load_fault(fault)
    except UnknownFault as exc:
        fail(f"--fault: {exc}")
    if not proposing:
        fail("--fault needs a proposer (--l1-rpc, --deployment and --proposer-key)")
    doing = (
        "THIS SEQUENCER BREAKS A DERIVATION RULE ON L1 AND PROPOSES ITS OWN CHAIN"
        if loaded.breaks_a_rule
        else "THIS SEQUENCER WILL PROPOSE A WRONG OUTPUT"
    )
    lines = [
        f"TESTING ONLY: --fault {fault}",
        doing,
        "(its own defender defends it; a verifier's challenger will take the bond)",
    ]
    width = max(len(line) for line in lines) + 4
    for line in ["!" * width, *(f"!! {line.ljust(width - 6)} !!" for line in lines), "!" * width]:
        console.print(f"[bold white on red]{line}[/bold white on red]", soft_wrap=True)
    return loaded


L1Rpc = Annotated[str | None, typer.Option(help="L1 JSON-RPC URL; enables batches and outputs.")]
DeploymentFile = Annotated[
    Path | None,
    typer.Option(help="The L1 deployment JSON written by `rollup devnet` or a deployer."),
]


@app.command()
def sequencer(
    data_dir: Annotated[Path, typer.Option(help="Directory for the node database.")],
    genesis: Annotated[
        Path | None,
        typer.Option(help="Genesis JSON; required for a new data dir, checked against an old one."),
    ] = None,
    db_url: Annotated[
        str | None,
        typer.Option(
            help="SQLAlchemy URL (default: SQLite in the data dir; or postgresql+psycopg2://...)."
        ),
    ] = None,
    host: ListenHost = LOCALHOST,
    port: Port = 8545,
    block_time: BlockTime = 1.0,
    recovery_workers: RecoveryWorkers = 1,
    l1_rpc: L1Rpc = None,
    deployment: DeploymentFile = None,
    batcher_key: Annotated[
        str | None, typer.Option(help="L1 key that posts batches (the BatchInbox's sequencer).")
    ] = None,
    proposer_key: Annotated[
        str | None, typer.Option(help="L1 key that bonds output roots; omit to not propose.")
    ] = None,
    batch_interval: Annotated[
        float, typer.Option(min=0.1, max=3600, help="Least seconds between two batch postings.")
    ] = 1.0,
    batch_max_delay: BatchMaxDelay = DEFAULT_MAX_DELAY,
    censor: Annotated[
        list[str] | None,
        typer.Option(help="TESTING ONLY: silently ignore transactions from this L2 address."),
    ] = None,
    defend: Annotated[
        bool, typer.Option(help="Defend our outputs in dispute games (with --proposer-key).")
    ] = True,
    fault: Annotated[
        str | None,
        typer.Option(
            help="TESTING ONLY: propose one wrong output (wrong-balance, skipped-tx, "
            "wrong-interest, forged-signature, invalid-liquidation, wrong-withdrawal-root, "
            "wrong-block-hash, wrong-funding), or break a derivation rule on L1 and propose the "
            "chain that ignores it (future-timestamp, stale-origin, bad-parent, garbage-tail)."
        ),
    ] = None,
    max_request_bytes: MaxRequestBytes = 5 * 1024 * 1024,
    allow_origin: AllowOrigin = None,
    max_connections: MaxConnections = 1_000,
    startup_wait: StartupWait = 60.0,
    metrics_port: MetricsPort = None,
    verbose: Annotated[bool, typer.Option(help="Debug logging.")] = False,
) -> None:
    """Start a sequencer: JSON-RPC endpoint, mempool and block builder, resuming from disk.

    With --l1-rpc and --deployment it also follows L1 (origins, deposits, forced transactions),
    posts batches with --batcher-key and proposes outputs with --proposer-key.
    """
    configure_logging(verbose)
    limits = make_http_limits(max_request_bytes, allow_origin, max_connections)
    if (l1_rpc is None) != (deployment is None):
        fail("--l1-rpc and --deployment go together")
    if l1_rpc is not None and batcher_key is None:
        fail("--batcher-key is required with --l1-rpc")
    loaded = None
    if fault is not None:
        loaded = check_fault(fault, proposer_key is not None and l1_rpc is not None)
    censored = {parse_address_option(address, "--censor") for address in censor or []}
    if loaded is not None and censored:
        fail("--fault and --censor go separately")
    document = read_genesis_file(genesis) if genesis is not None else None
    contracts = None
    if l1_rpc is not None and deployment is not None:  # they go together (checked above)
        contracts = read_deployment(deployment)
        check_l1(l1_rpc, contracts, deployment, startup_wait)
    node = open_node(data_dir, db_url, document, recovery_workers, startup_wait)
    role = make_sequencer(node, block_time, censored, loaded)
    if l1_rpc is not None and contracts is not None and batcher_key is not None:
        from rollup_cli.l1_roles import attach_settlement

        attach_settlement(
            role,
            l1_rpc,
            contracts,
            parse_key(batcher_key, "--batcher-key"),
            parse_key(proposer_key, "--proposer-key") if proposer_key else None,
            batch_interval,
            batch_max_delay,
            defend=defend,
            fault=loaded,
        )
    from node.server import serve

    metrics_socket = open_metrics_socket("sequencer", host, metrics_port)
    console.print(
        f"sequencer: chain {node.config.chain_id}, head block {node.head.number}, "
        f"JSON-RPC http://{host}:{port}, explorer http://{host}:{port}/explorer/"
        + (f", L1 {l1_rpc}" if l1_rpc else "")
    )
    l1_view = make_l1_view(l1_rpc, contracts) if l1_rpc and contracts else None
    asyncio.run(serve(role, host, port, limits, metrics_socket, l1_view))


def make_sequencer(
    node: Node, block_time: float, censored: set[bytes], fault: Fault | None = None
) -> Sequencer:
    """The sequencer role for `node`; with `censored` senders (TESTING ONLY, --censor) one that
    drops their transactions; with `fault` (TESTING ONLY, --fault) the fault's sequencer."""
    if fault is not None:
        return fault.sequencer_class()(node, block_time)
    if not censored:
        from sequencer.role import Sequencer

        return Sequencer(node, block_time)
    from faults.censorship import CensoringSequencer

    for address in censored:
        console.print(f"[bold red]TESTING FLAG: censoring 0x{address.hex()}[/bold red]")
    return CensoringSequencer(node, censored, block_time)


@app.command()
def verifier(
    data_dir: Annotated[Path, typer.Option(help="Directory for the verifier's database.")],
    genesis: Annotated[Path, typer.Option(help="The chain's genesis JSON.")],
    l1_rpc: Annotated[str, typer.Option(help="L1 JSON-RPC URL.")],
    deployment: Annotated[Path, typer.Option(help="The L1 deployment JSON.")],
    db_url: Annotated[str | None, typer.Option(help="SQLAlchemy URL (default: SQLite).")] = None,
    host: ListenHost = LOCALHOST,
    port: Port = 8546,
    challenger_key: Annotated[
        str | None,
        typer.Option(
            help="L1 key that disputes wrong outputs (pays game bonds); omit to only watch."
        ),
    ] = None,
    challenge: Annotated[
        bool, typer.Option(help="Dispute outputs that differ from ours (with --challenger-key).")
    ] = True,
    proposer_key: Annotated[
        str | None,
        typer.Option(
            help="L1 key that proposes (and defends) outputs once the proposer has gone quiet "
            "for the OutputOracle's proposal timeout, so users can exit without the operator."
        ),
    ] = None,
    recovery_workers: RecoveryWorkers = VERIFIER_RECOVERY_WORKERS,
    max_request_bytes: MaxRequestBytes = 5 * 1024 * 1024,
    allow_origin: AllowOrigin = None,
    max_connections: MaxConnections = 1_000,
    startup_wait: StartupWait = 60.0,
    metrics_port: MetricsPort = None,
    verbose: Annotated[bool, typer.Option(help="Debug logging.")] = False,
) -> None:
    """Start a verifier: derive the L2 chain from L1 alone, check output roots, serve reads; with
    --challenger-key, dispute every wrong output on L1 (open a game, bisect, prove the step); with
    --proposer-key, propose outputs when the operator's proposer stops.
    Senders are recovered in --recovery-workers processes (default: one per core; 0: none)."""
    configure_logging(verbose)
    limits = make_http_limits(max_request_bytes, allow_origin, max_connections)
    document = read_genesis_file(genesis)
    contracts = read_deployment(deployment)
    key = parse_key(challenger_key, "--challenger-key") if challenger_key is not None else None
    exit_key = parse_key(proposer_key, "--proposer-key") if proposer_key is not None else None
    check_l1(l1_rpc, contracts, deployment, startup_wait)
    node = open_node(data_dir, db_url, document, recovery_workers, startup_wait)
    from node.server import serve
    from rollup_cli.l1_roles import make_verifier

    role = make_verifier(node, l1_rpc, contracts, key if challenge else None, exit_key)
    metrics_socket = open_metrics_socket("verifier", host, metrics_port)
    if key is not None and challenge and role.challenger is None:
        console.print("[yellow]the deployment has no DisputeGame: not challenging[/yellow]")
    console.print(
        f"verifier: chain {node.config.chain_id}, JSON-RPC http://{host}:{port}, "
        f"explorer http://{host}:{port}/explorer/, L1 {l1_rpc}"
        + (", challenging wrong outputs" if role.challenger is not None else "")
        + (", proposing when the proposer stops" if role.proposer is not None else "")
    )
    asyncio.run(serve(role, host, port, limits, metrics_socket, make_l1_view(l1_rpc, contracts)))


@app.command()
def devnet(
    data_dir: Annotated[Path, typer.Option(help="Directory for the devnet's data.")] = Path(
        ".devnet"
    ),
    port: Port = 8545,
    verifier_port: Annotated[
        int, typer.Option(min=1, max=65535, help="Verifier JSON-RPC port.")
    ] = 8546,
    l1_port: Annotated[int, typer.Option(min=1, max=65535, help="Anvil (L1) port.")] = 8547,
    metrics_port: Annotated[
        int, typer.Option(min=1, max=65535, help="Sequencer's Prometheus metrics port.")
    ] = 9545,
    verifier_metrics_port: Annotated[
        int, typer.Option(min=1, max=65535, help="Verifier's Prometheus metrics port.")
    ] = 9546,
    block_time: BlockTime = 1.0,
    l1_block_time: Annotated[int, typer.Option(min=1, max=60, help="Anvil block time (s).")] = 1,
    finalization_period: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=604_800,
            help="Output challenge window (s); default and minimum: the sequencer window in L1 "
            "time plus 15 s (135 s with 1 s L1 blocks).",
        ),
    ] = None,
    submission_interval: Annotated[
        int, typer.Option(min=1, max=100_000, help="L2 blocks between output proposals.")
    ] = 10,
    batch_max_delay: BatchMaxDelay = DEVNET_MAX_DELAY,
    standalone: Annotated[
        bool, typer.Option(help="Only the L2 node: no anvil, batches or verifier.")
    ] = False,
    recovery_workers: RecoveryWorkers = 1,
    fault: Annotated[
        str | None,
        typer.Option(help="TESTING ONLY: the sequencer proposes one wrong output (see sequencer)."),
    ] = None,
    allow_origin: AllowOrigin = None,
    verbose: Annotated[bool, typer.Option(help="Debug logging.")] = False,
) -> None:
    """Start the local network: anvil (L1) with the rollup's contracts, the sequencer with its
    batcher, proposer and defender, and a verifier that challenges wrong outputs; print endpoints
    and the funded dev accounts.

    Every run starts a fresh chain (anvil keeps no state) in --data-dir.
    """
    import shutil
    import subprocess
    import sys

    from rollup_cli.devkeys import LIQUIDITY_ACCOUNT_INDEX, ORACLE_ACCOUNT_INDEX, derive_dev_keys

    configure_logging(verbose)
    origins = allow_origin if allow_origin else ["*"]  # a devnet serves any dApp page, as anvil
    limits = make_http_limits(5 * 1024 * 1024, origins, 1_000)
    loaded = check_fault(fault, not standalone) if fault is not None else None
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    genesis_path = data_dir / "genesis.json"
    deployment_path = data_dir / "deployment.json"
    anvil = None
    verifier_process = None
    if standalone:
        document = load_default_genesis_document()
        document["timestamp"] = int(time.time())
    else:
        from rollup_cli.l1_roles import (
            L1_BATCHER_KEY,
            L1_CHALLENGER_KEY,
            L1_EXIT_PROPOSER_KEY,
            L1_PROPOSER_KEY,
            UnsafeFinalizationPeriod,
            check_finalization_period,
            compute_minimum_finalization_period,
            make_devnet_genesis,
            start_devnet_l1,
        )

        console.print("starting anvil and deploying the rollup contracts...")
        window = build_genesis(load_default_genesis_document()).config.sequencer_window
        if finalization_period is None:
            finalization_period = compute_minimum_finalization_period(window, l1_block_time)
        try:
            check_finalization_period(finalization_period, window, l1_block_time)
        except UnsafeFinalizationPeriod as exc:
            fail(f"--finalization-period: {exc}")
        anvil, deployment = start_devnet_l1(
            l1_block_time, l1_port, finalization_period, submission_interval
        )
        deployment.write(deployment_path)
        document = make_devnet_genesis(anvil.client, deployment)
    genesis_path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    try:
        node = open_node(data_dir / "sequencer", None, document, recovery_workers)
        sequencer_role = make_sequencer(node, block_time, set(), loaded)
        if anvil is not None:
            from rollup_cli.l1_roles import attach_settlement

            attach_settlement(
                sequencer_role,
                anvil.url,
                deployment,
                L1_BATCHER_KEY,
                L1_PROPOSER_KEY,
                batch_max_delay=batch_max_delay,
                fault=loaded,
            )
            verifier_log = (data_dir / "verifier.log").open("wb")
            verifier_process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "rollup_cli.main",
                    "verifier",
                    "--data-dir",
                    str(data_dir / "verifier"),
                    "--genesis",
                    str(genesis_path),
                    "--l1-rpc",
                    anvil.url,
                    "--deployment",
                    str(deployment_path),
                    "--port",
                    str(verifier_port),
                    "--metrics-port",
                    str(verifier_metrics_port),
                    "--challenger-key",
                    "0x" + L1_CHALLENGER_KEY.hex(),
                    "--proposer-key",
                    "0x" + L1_EXIT_PROPOSER_KEY.hex(),
                    "--recovery-workers",
                    str(recovery_workers),
                    *(arg for origin in origins for arg in ("--allow-origin", origin)),
                ],
                stdout=verifier_log,
                stderr=subprocess.STDOUT,
            )
        table = Table(
            title="Dev accounts (10,000 ETH each on L1 and L2; mnemonic: test test ... junk)"
        )
        table.add_column("#")
        table.add_column("address")
        table.add_column("private key")
        table.add_column("role")
        l1_roles = {
            0: "L1 deployer",
            1: "L1 batcher",
            2: "L1 proposer",
            3: "L1 challenger",
            4: "L1 exit proposer (verifier)",
        }
        for index, (address, key) in enumerate(derive_dev_keys()):
            role = {
                ORACLE_ACCOUNT_INDEX: "L2 oracle",
                LIQUIDITY_ACCOUNT_INDEX: "L2 liquidity provider",
            }.get(index, "")
            if not standalone and index in l1_roles:
                role = ", ".join(filter(None, [role, l1_roles[index]]))
            table.add_row(str(index), address, "0x" + key.hex(), role)
        print_table(table)
        contracts = Table(title="Contracts")
        contracts.add_column("name")
        contracts.add_column("address")
        for token in document.get("tokens", []):
            contracts.add_row(f"L2 {token['symbol']} (ERC-20)", token["address"])
        for contract_address, name in addresses.NAMED_SYSTEM_CONTRACTS.items():
            contracts.add_row(f"L2 {name}", "0x" + contract_address.hex())
        if not standalone:
            for name, value in (
                ("L1 BatchInbox", deployment.batch_inbox),
                ("L1 OutputOracle", deployment.output_oracle),
                ("L1 Bridge", deployment.bridge),
                ("L1 TestERC20 (TT)", deployment.test_token),
            ):
                contracts.add_row(name, "0x" + value.hex())
        print_table(contracts)
        chain = node.config.chain_id
        metrics_socket = open_metrics_socket("sequencer", LOCALHOST, metrics_port)
        lines = [f"L2 sequencer JSON-RPC [bold]http://{LOCALHOST}:{port}[/bold] (chain {chain})"]
        lines.append(f"L2 explorer [bold]http://{LOCALHOST}:{port}/explorer/[/bold]")
        if anvil is not None:
            lines.append(f"L2 verifier JSON-RPC http://{LOCALHOST}:{verifier_port}")
            lines.append(f"L2 verifier explorer http://{LOCALHOST}:{verifier_port}/explorer/")
            lines.append(f"L2 verifier metrics http://{LOCALHOST}:{verifier_metrics_port}/metrics")
            lines.append(f"L1 anvil JSON-RPC http://{LOCALHOST}:{anvil.port} (chain 31337)")
            lines.append(f"deployment {deployment_path} | genesis {genesis_path}")
        for line in lines:
            console.print(line, soft_wrap=True)
        from node.server import serve

        l1_view = make_l1_view(anvil.url, deployment) if anvil is not None else None
        asyncio.run(serve(sequencer_role, LOCALHOST, port, limits, metrics_socket, l1_view))
    finally:
        if verifier_process is not None:
            verifier_process.terminate()
            try:
                verifier_process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                verifier_process.kill()
        if anvil is not None:
            anvil.stop()


@app.command()
def status(
    rpc_url: Annotated[
        str, typer.Option(help="The node's JSON-RPC URL.")
    ] = f"http://{LOCALHOST}:8545",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object (for scripts) instead of a table.")
    ] = False,
) -> None:
    """Show a running node's chain id, head block, base fee, mempool, heads and L1 figures."""
    import httpx

    def call(method: str, params: list[Any]) -> Any:
        response = httpx.post(
            rpc_url,
            json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
            timeout=10,
        )
        body = response.json()
        if "error" in body:
            fail(f"{method}: {body['error']['message']}")
        return body["result"]

    try:
        chain_id = int(call("eth_chainId", []), 16)
        block = call("eth_getBlockByNumber", ["latest", False])
        pool = call("txpool_status", [])
        version = call("web3_clientVersion", [])
        sync = call("rollup_syncStatus", [])
    except httpx.HTTPError as exc:
        fail(f"cannot reach {rpc_url}: {exc}")
    if as_json:
        report = {
            "url": rpc_url,
            "client": version,
            "chainId": chain_id,
            "head": {
                "number": int(block["number"], 16),
                "hash": block["hash"],
                "stateRoot": block["stateRoot"],
                "timestamp": int(block["timestamp"], 16),
                "transactions": len(block["transactions"]),
                "baseFeePerGas": int(block["baseFeePerGas"], 16),
            },
            "mempool": {"pending": int(pool["pending"], 16), "queued": int(pool["queued"], 16)},
            "syncStatus": sync,
        }
        print(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
        return
    table = Table(title=f"{rpc_url}")
    table.add_column("field")
    table.add_column("value")
    table.add_row("client", version)
    table.add_row("chain id", str(chain_id))
    table.add_row("head block", str(int(block["number"], 16)))
    table.add_row("head hash", block["hash"])
    table.add_row("state root", block["stateRoot"])
    table.add_row("head age", f"{int(time.time()) - int(block['timestamp'], 16)} s")
    table.add_row("txs in head", str(len(block["transactions"])))
    table.add_row("base fee", f"{int(block['baseFeePerGas'], 16)} wei")
    table.add_row(
        "mempool pending / queued", f"{int(pool['pending'], 16)} / {int(pool['queued'], 16)}"
    )
    table.add_row("role", str(sync["role"]))
    for label in ("unsafe_l2", "safe_l2", "finalized_l2"):
        table.add_row(f"{label.replace('_l2', '')} L2 head", str(sync[label]["number"]))
    if sync.get("head_l1"):
        table.add_row("L1 head", str(sync["head_l1"]["number"]))
    stats = sync.get("l1") or {}
    if stats.get("batches_posted") is not None:
        table.add_row(
            "batches posted / bytes / gas",
            f"{stats['batches_posted']} / {stats['batch_bytes']} / {stats['batch_gas']}",
        )
        if stats.get("bytes_per_transaction"):
            table.add_row(
                "L1 bytes / gas per transaction",
                f"{stats['bytes_per_transaction']:.1f} / {stats['gas_per_transaction']:.0f}",
            )
        pending = int(block["number"], 16) - int(stats["posted_through"])
        table.add_row("L2 blocks not yet on L1", str(pending))
        table.add_row(
            "outputs proposed / gas", f"{stats['outputs_proposed']} / {stats['output_gas']}"
        )
    disputes = stats.get("disputes")
    if disputes is not None:
        games = disputes.get("open_games", [])
        table.add_row("open dispute games", str(len(games)))
        for game in games:
            table.add_row(
                f"  game {game['id']}",
                f"output {game['output']}, positions {game['lo']}..{game['hi']}, "
                f"{game['turn']} to move, clocks D {game['defender_clock_left']} s / "
                f"C {game['challenger_clock_left']} s",
            )
        for kind, count in sorted(disputes.get("moves", {}).items()):
            table.add_row(f"  {kind} moves / avg gas", f"{count} / {disputes['move_gas'][kind]}")
    print_table(table)


@app.command()
def genesis(
    out: Annotated[Path, typer.Option(help="Where to write the genesis JSON.")],
    chain_id: Annotated[int, typer.Option(min=1, help="Chain id of the new chain.")] = 901,
) -> None:
    """Write the default devnet genesis (tokens, pools, markets, dev accounts) to a file."""
    document = load_default_genesis_document()
    document["chainId"] = chain_id
    document["timestamp"] = int(time.time())
    out.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    console.print(f"wrote {out}")


@app.command()
def bench(
    count: Annotated[
        int, typer.Option(min=100, max=200_000, help="Transactions in the burst.")
    ] = 20_000,
    senders: Annotated[
        int, typer.Option(min=10, max=10_000, help="Distinct sending accounts.")
    ] = 200,
    batch_size: Annotated[
        int, typer.Option(min=1, max=1_000, help="Transactions per JSON-RPC batch.")
    ] = 500,
    clients: Annotated[
        int, typer.Option(min=1, max=16, help="Client processes sending batches.")
    ] = 2,
    block_time: Annotated[
        float,
        typer.Option(
            min=0.05,
            max=60.0,
            help="Seconds between blocks, ours and anvil's (default 0.25: a block holds at most "
            "one L1 batch, ~1,370 transfers, so 1 s blocks would cap the chain near 1,370 tx/s).",
        ),
    ] = 0.25,
    recovery_workers: RecoveryWorkers = 1,
    timeout: Annotated[
        float, typer.Option(min=5, max=3_600, help="Give up on a phase after this many seconds.")
    ] = 300,
    duration: Annotated[
        float | None,
        typer.Option(
            min=1,
            max=3_600,
            help="Seconds of steady load after the burst (default 10), or of the whole --soak "
            "(default 600).",
        ),
    ] = None,
    rate: Annotated[
        float | None,
        typer.Option(
            min=1,
            max=100_000,
            help="Steady load in tx/s (default: half the burst's included rate; 1,000 for --soak).",
        ),
    ] = None,
    soak: Annotated[
        bool, typer.Option(help="Only a steady load: print RSS and latency every minute.")
    ] = False,
    json_out: Annotated[
        Path | None, typer.Option("--json", "--json-out", help="Also write the results as JSON.")
    ] = None,
    quick: Annotated[
        bool, typer.Option(help="A small run (2,000 transactions, 3 s steady) to check the setup.")
    ] = False,
    workload: Annotated[
        str,
        typer.Option(
            help="transfers (ETH), tokens (USDC transfers), swaps (WETH->USDC), defi (swaps, "
            "lending, leverage, perps trades, oracle moves and liquidations) or perps (perps "
            "trades alone)."
        ),
    ] = "transfers",
    l1: Annotated[
        bool,
        typer.Option(
            help="Settle on an anvil L1: L1 bytes and gas per tx, and a verifier's replay rate."
        ),
    ] = False,
    peer: Annotated[
        bool, typer.Option(help="Also send the same transactions to anvil and compare.")
    ] = True,
    profile: Annotated[
        Path | None,
        typer.Option(help="Sample the node with py-spy during the burst; folded stacks go here."),
    ] = None,
) -> None:
    """Measure the node: tx/s accepted and included against anvil and the signature ceiling,
    latency to receipt, memory; with --l1 L1 cost and verifier replay; --soak for stability."""
    from rollup_cli.bench import WORKLOADS, BenchSettings, run_bench

    if workload not in WORKLOADS:
        fail(f"--workload must be one of {', '.join(WORKLOADS)}")
    settings = BenchSettings(
        count=2_000 if quick else count,
        senders=min(senders, 50) if quick else senders,
        batch_size=batch_size,
        clients=clients,
        block_time=block_time,
        recovery_workers=recovery_workers,
        timeout=timeout,
        workload=workload,
        l1=l1,
        peer=peer,
        duration=duration or (3.0 if quick else 600.0 if soak else 10.0),
        rate=rate,
        soak=soak,
        profile=profile,
        ceiling_seconds=0.5 if quick else 1.5,
    )
    results = run_bench(settings, console)
    if json_out is not None:
        json_out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))


app.command()(bridge_commands.deploy)
app.command()(bridge_commands.deposit)
app.add_typer(bridge_commands.withdraw_app, name="withdraw")
app.add_typer(challenge_commands.challenge_app, name="challenge")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
