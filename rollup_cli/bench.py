"""`rollup bench`: one command that measures the node against anvil and against the machine.

In one run it
1. measures the machine's ceiling: secp256k1 public-key recoveries per second on all cores at
   once (coincurve, the call the node makes per transaction and the one cost no node avoids);
2. pre-signs the workload (rollup_cli.bench_workloads) once, on all cores;
3. runs the peer: anvil from npm in interval mining, the same signed bytes as a burst
   (rollup_cli.bench_anvil), then stops it by pid;
4. runs our node as its own process (as in production) and sends it the same burst, then a
   steady load at half the burst's included rate (or --rate) for --duration seconds, for latency
   under a load the node can carry;
5. with --l1: the node settles on an anvil L1 (batches, outputs); once every block of the run is
   in a batch on L1 it reports L1 bytes and gas per transaction, then starts a verifier that
   derives the chain from L1 alone and times its replay.

Load comes from separate client processes posting JSON-RPC batches (rollup_cli.bench_client).
Every figure is wall-clock on a machine that may be shared, so the table also gives the CPU time
each node spent per transaction, which load from other processes barely changes.

`--soak` runs only the steady load (for --duration seconds at --rate) and prints, per minute, the
node's resident memory and the latency percentiles: memory should stay flat and latency should not
drift.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from l1.anvil import AnvilError
from l1.processes import find_free_port, measure_process_tree
from rollup.crypto import keccak256, recover_address, sign_message_hash
from rollup.genesis import load_default_genesis_document
from rollup_cli.bench_anvil import PeerUnavailable, fund_senders, start_peer
from rollup_cli.bench_client import (
    Phase,
    PhaseResult,
    count_reverted,
    rpc_call,
    run_phase,
)
from rollup_cli.bench_profile import start_profiler, stop_profiler, summarize_profile
from rollup_cli.bench_workloads import WORKLOADS, make_sender_keys, sign_workload, write_genesis

__all__ = ["WORKLOADS", "BenchSettings", "run_bench", "run_soak"]

MAX_SIGNED = 2_000_000  # transactions one run may pre-sign (~250 bytes each in memory)


@dataclass(frozen=True, slots=True)
class BenchSettings:
    count: int = 20_000
    senders: int = 200
    batch_size: int = 500
    clients: int = 2
    block_time: float = 0.25
    recovery_workers: int = 1
    timeout: float = 300.0
    workload: str = "transfers"
    l1: bool = False
    peer: bool = True
    duration: float = 10.0  # the steady phase (the whole run with --soak)
    rate: float | None = None  # the steady phase's tx/s; default half the burst's included rate
    soak: bool = False
    profile: Path | None = None
    ceiling_seconds: float = 1.5


# -------------------------------------------------------------------------------------------
# The machine's ceiling


def measure_recoveries_per_second(seconds: float = 1.0) -> float:
    """One core's secp256k1 recoveries per second (the same call the node makes per tx)."""
    key = keccak256(b"bench key")
    digest = keccak256(b"bench message")
    parity, r, s = sign_message_hash(key, digest)
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(200):
            recover_address(digest, parity, r, s)
        done += 200
    return done / (time.perf_counter() - started)


def measure_signature_ceiling(seconds: float = 1.5) -> tuple[float, int]:
    """Recoveries per second on all cores at once, and the core count."""
    cores = os.cpu_count() or 1
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        rates = pool.map(measure_recoveries_per_second, [seconds] * cores)
    return sum(rates), cores


def read_load_average() -> float:
    return float(psutil.getloadavg()[0])


# -------------------------------------------------------------------------------------------
# Figures


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summarize(result: PhaseResult, reverted: int | None = None) -> dict[str, Any]:
    """The JSON figures of one phase."""
    return {
        "sent": result.sent,
        "accepted": result.accepted,
        "rejected": result.rejected,
        "included": result.included,
        "reverted": reverted,
        "accepted_tps": result.accepted_tps,
        "included_tps": result.included_tps,
        "latency_p50_ms": percentile(result.latencies, 0.5) * 1000,
        "latency_p99_ms": percentile(result.latencies, 0.99) * 1000,
        "latency_mean_ms": (statistics.fmean(result.latencies) * 1000)
        if result.latencies
        else float("nan"),
        "peak_rss_mib": result.peak_rss_mib,
        "cpu_seconds": result.cpu_seconds,
        "cpu_us_per_tx": result.cpu_seconds / result.included * 1e6 if result.included else None,
        "schedule_lag_ms": result.schedule_lag * 1000,
        "errors": dict(sorted(result.errors.items(), key=lambda item: -item[1])[:5]),
    }


def make_batches(
    signed: Sequence[tuple[bytes, bytes]], size: int
) -> list[list[tuple[bytes, bytes]]]:
    return [list(signed[i : i + size]) for i in range(0, len(signed), size)]


@dataclass(slots=True)
class Reporter:
    """Progress bars while phases run."""

    console: Console
    progress: Progress = field(init=False)

    def __post_init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,.0f}/{task.total:,.0f}"),
            TextColumn("{task.fields[rates]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )

    def tracker(self, label: str, total: int) -> Callable[[PhaseResult, int], None]:
        task = self.progress.add_task(label, total=total, rates="")

        def update(result: PhaseResult, _finished: int) -> None:
            elapsed = max(time.time() - result.started, 1e-9)
            self.progress.update(
                task,
                completed=result.included,
                rates=f"accepted {result.accepted:,} ({result.accepted / elapsed:,.0f}/s), "
                f"included {result.included / elapsed:,.0f}/s",
            )

        return update


# -------------------------------------------------------------------------------------------
# Our node


@dataclass(slots=True)
class NodeUnderTest:
    """Our sequencer (and with --l1 its anvil L1) as processes of this run."""

    settings: BenchSettings
    workdir: Path
    keys: list[bytes]
    process: subprocess.Popen[bytes] | None = None
    l1: Any = None  # l1.anvil.Anvil
    genesis_path: Path | None = None
    deployment_path: Path | None = None
    url: str = ""
    log_file: Any = None

    def start(self) -> None:
        settings = self.settings
        flags: list[str] = []
        document = None
        if settings.l1:
            from rollup_cli.l1_roles import (
                L1_BATCHER_KEY,
                L1_PROPOSER_KEY,
                make_devnet_genesis,
                start_devnet_l1,
            )

            self.l1, deployment = start_devnet_l1(block_time=1.0)
            self.deployment_path = self.workdir / "deployment.json"
            deployment.write(self.deployment_path)
            document = make_devnet_genesis(self.l1.client, deployment)
            flags = [
                "--l1-rpc",
                self.l1.url,
                "--deployment",
                str(self.deployment_path),
                "--batcher-key",
                L1_BATCHER_KEY.hex(),
                "--proposer-key",
                L1_PROPOSER_KEY.hex(),
            ]
        self.genesis_path = write_genesis(self.workdir, self.keys, document)
        port = find_free_port()
        self.url = f"http://127.0.0.1:{port}"
        command = [
            sys.executable,
            "-m",
            "rollup_cli.main",
            "sequencer",
            "--data-dir",
            str(self.workdir / "data"),
            "--genesis",
            str(self.genesis_path),
            "--port",
            str(port),
            "--block-time",
            str(settings.block_time),
            "--recovery-workers",
            str(settings.recovery_workers),
            *flags,
        ]
        self.log_file = (self.workdir / "node.log").open("wb")
        self.process = subprocess.Popen(command, stdout=self.log_file, stderr=subprocess.STDOUT)
        wait_for_rpc(self.url, self.process, 120)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log_file is not None:
            self.log_file.close()
        if self.l1 is not None:
            self.l1.stop()

    def tail_log(self, lines: int = 20) -> str:
        try:
            return "\n".join(
                (self.workdir / "node.log").read_text(errors="replace").splitlines()[-lines:]
            )
        except OSError:
            return ""


def wait_for_rpc(url: str, process: subprocess.Popen[bytes] | None, timeout: float) -> None:
    deadline = time.time() + timeout
    with httpx.Client(timeout=5) as client:
        while time.time() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{url}: the process exited with code {process.returncode}")
            try:
                rpc_call(client, url, "eth_chainId", [])
                return
            except (httpx.HTTPError, RuntimeError, ValueError):
                time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def wait_for_settlement(url: str, last_block: int, timeout: float) -> dict[str, Any] | None:
    """The batcher's figures once every block up to `last_block` is in a batch on L1.

    Empty blocks keep coming, so a batch is nearly always in flight: wait only until the run's
    blocks are safe (or the timeout passes, then report what was settled by then).
    """
    deadline = time.time() + timeout
    latest: dict[str, Any] | None = None
    with httpx.Client(timeout=30) as client:
        while True:
            stats = rpc_call(client, url, "rollup_syncStatus", [])
            latest = dict(stats["l1"]) if stats.get("l1") else latest
            if latest is not None and stats["safe_l2"]["number"] >= last_block:
                latest["complete"] = True
                latest["safe_through"] = stats["safe_l2"]["number"]
                return latest
            if time.time() > deadline:
                return latest
            time.sleep(0.5)


def measure_verifier_replay(
    node: NodeUnderTest, last_block: int, block_counts: dict[int, int], timeout: float
) -> dict[str, Any]:
    """Start a verifier on the same L1 and time its derivation of blocks 1..last_block."""
    assert node.genesis_path is not None and node.deployment_path is not None
    port = find_free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "rollup_cli.main",
        "verifier",
        "--data-dir",
        str(node.workdir / "verifier"),
        "--genesis",
        str(node.genesis_path),
        "--l1-rpc",
        node.l1.url,
        "--deployment",
        str(node.deployment_path),
        "--port",
        str(port),
    ]
    with (node.workdir / "verifier.log").open("wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            wait_for_rpc(url, process, 120)
            first: tuple[float, int] | None = None
            done: float | None = None
            deadline = time.time() + timeout
            with httpx.Client(timeout=30) as client:
                while time.time() < deadline:
                    head = int(rpc_call(client, url, "eth_blockNumber", []), 16)
                    now = time.time()
                    if first is None and head > 0:
                        first = (now, head)
                    if head >= last_block:
                        done = now
                        break
                    time.sleep(0.02)
                # A replay counts only if it derived the sequencer's own chain.
                ours = rpc_call(client, url, "eth_getBlockByNumber", [hex(last_block), False])
                theirs = rpc_call(
                    client, node.url, "eth_getBlockByNumber", [hex(last_block), False]
                )
                agrees = ours is not None and theirs is not None and ours["hash"] == theirs["hash"]
            _rss, cpu = measure_process_tree(process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    if first is None or done is None:
        return {"complete": False}
    if not agrees:
        return {"complete": True, "agrees": False, "blocks": last_block}
    replayed = sum(count for number, count in block_counts.items() if number > first[1])
    span = done - first[0]
    total = sum(block_counts.values())
    return {
        "complete": True,
        "agrees": True,
        "blocks": last_block,
        "transactions": total,
        "timed_transactions": replayed,
        "seconds": span,
        "replay_tps": replayed / span if span > 0 and replayed else None,
        "cpu_seconds": cpu,
        "cpu_us_per_tx": cpu / total * 1e6 if total else None,
    }


# -------------------------------------------------------------------------------------------
# The run


def run_peer(
    settings: BenchSettings,
    keys: list[bytes],
    chain_id: int,
    signed: Sequence[tuple[bytes, bytes]],
    reporter: Reporter,
) -> dict[str, Any]:
    """The burst against anvil; {"unavailable": reason} if anvil cannot run the workload."""
    try:
        anvil = start_peer(chain_id, settings.block_time)
    except AnvilError as exc:
        return {"unavailable": f"anvil did not start: {exc}"}
    try:
        try:
            fund_senders(anvil, keys, settings.workload)
        except PeerUnavailable as exc:
            return {"unavailable": str(exc)}
        with reporter.progress:
            result = run_phase(
                Phase(
                    url=anvil.url,
                    batches=make_batches(signed, settings.batch_size),
                    clients=settings.clients,
                    timeout=settings.timeout,
                    pid=anvil.pid,
                    count_root=False,
                    on_progress=reporter.tracker("anvil: burst", len(signed)),
                )
            )
        reverted = count_reverted(anvil.url, result.blocks)
    finally:
        anvil.stop()
    figures = summarize(result, reverted)
    figures["mode"] = f"interval mining, block time {settings.block_time} s, gas limit 2e9"
    return figures


def run_bench(settings: BenchSettings, console: Console) -> dict[str, Any]:
    if settings.soak:
        return run_soak(settings, console)
    load_before = read_load_average()
    ceiling, cores = measure_signature_ceiling(settings.ceiling_seconds)
    console.print(
        f"signature ceiling: {ceiling:,.0f} recoveries/s on {cores} cores "
        f"(load average {load_before:.1f})"
    )
    keys = make_sender_keys(settings.senders, settings.workload)
    chain_id = int(load_default_genesis_document()["chainId"])
    started = time.perf_counter()
    signed = sign_workload(settings.workload, keys, chain_id, 0, settings.count)
    console.print(
        f"signed {len(signed):,} {settings.workload} transactions from {len(keys)} senders "
        f"in {time.perf_counter() - started:.1f} s"
    )
    reporter = Reporter(console)
    peer: dict[str, Any] = {"unavailable": "--no-peer"}
    if settings.peer:
        peer = run_peer(settings, keys, chain_id, signed, reporter)
        if "unavailable" not in peer:
            console.print(
                f"anvil: {peer['included']:,} included at {peer['included_tps']:,.0f} tx/s"
            )
    workdir = Path(tempfile.mkdtemp(prefix="rollup-bench-"))
    node = NodeUnderTest(settings, workdir, keys)
    results: dict[str, Any] = {"settings": asdict(settings) | {"profile": str(settings.profile)}}
    block_counts: dict[int, int] = {}
    try:
        node.start()
        assert node.process is not None
        burst_batches = make_batches(signed, settings.batch_size)
        profiler = (
            start_profiler(node.process.pid, settings.profile)
            if settings.profile is not None
            else None
        )
        with reporter.progress:
            burst = run_phase(
                Phase(
                    url=node.url,
                    batches=burst_batches,
                    clients=settings.clients,
                    timeout=settings.timeout,
                    pid=node.process.pid,
                    on_progress=reporter.tracker("node: burst", len(signed)),
                )
            )
        if profiler is not None:
            stop_profiler(profiler)
        console.print(
            f"node: {burst.included:,} included at {burst.included_tps:,.0f} tx/s "
            f"(accepted {burst.accepted_tps:,.0f} tx/s)"
        )
        rate = settings.rate or max(burst.included_tps / 2, 10.0)
        steady_count = min(int(rate * settings.duration), MAX_SIGNED)
        steady_signed = sign_workload(
            settings.workload, keys, chain_id, settings.count, steady_count
        )
        steady_batch = max(1, min(settings.batch_size, round(rate / 20)))
        steady_batches = make_batches(steady_signed, steady_batch)
        with reporter.progress:
            steady = run_phase(
                Phase(
                    url=node.url,
                    batches=steady_batches,
                    clients=settings.clients,
                    timeout=settings.duration + settings.timeout,
                    interval=steady_batch / rate,
                    pid=node.process.pid,
                    on_progress=reporter.tracker(f"node: {rate:,.0f} tx/s", steady_count),
                )
            )
        reverted = count_reverted(node.url, burst.blocks)
        for phase in (burst, steady):
            block_counts.update(phase.block_counts)
        last_block = max(block_counts, default=0)
        l1_stats = None
        replay = None
        if settings.l1:
            console.print("waiting for every block of the run to be in a batch on L1 ...")
            l1_stats = wait_for_settlement(node.url, last_block, min(settings.timeout, 300))
            if l1_stats is not None and l1_stats.get("complete"):
                console.print("timing a verifier's replay from L1 ...")
                replay = measure_verifier_replay(
                    node, last_block, block_counts, min(settings.timeout, 300)
                )
    except Exception:
        console.print(node.tail_log())
        raise
    finally:
        node.stop()
    load_after = read_load_average()
    results.update(
        {
            "machine": {
                "cores": cores,
                "load_average_before": load_before,
                "load_average_after": load_after,
            },
            "signature_ceiling_per_s": ceiling,
            "node": {
                "burst": summarize(burst, reverted),
                "steady": summarize(steady) | {"rate": rate, "batch_size": steady_batch},
            },
            "anvil": peer,
            "l1": l1_stats,
            "verifier": replay,
        }
    )
    burst_figures = results["node"]["burst"]
    results["ratio_to_anvil"] = (
        burst_figures["included_tps"] / peer["included_tps"] if peer.get("included_tps") else None
    )
    results["fraction_of_ceiling"] = burst_figures["included_tps"] / ceiling if ceiling else None
    if settings.profile is not None:
        summary = summarize_profile(settings.profile)
        results["profile"] = {
            "path": str(settings.profile),
            "samples": summary.samples,
            "main_samples": summary.main_samples,
            "worker_samples": summary.worker_samples,
            "top_self": summary.top_self,
            "top_inclusive": summary.top_inclusive,
        }
    print_table(settings, results, console)
    shutil.rmtree(workdir, ignore_errors=True)
    return results


def format_ms(value: float | None) -> str:
    return "–" if value is None or value != value else f"{value:,.0f} ms"


def print_table(settings: BenchSettings, results: dict[str, Any], console: Console) -> None:
    burst = results["node"]["burst"]
    steady = results["node"]["steady"]
    peer = results["anvil"]
    peer_na = "unavailable" in peer
    na = "n/a"

    def peer_value(key: str, formatter: Callable[[Any], str]) -> str:
        if peer_na:
            return na
        value = peer.get(key)
        return "–" if value is None else formatter(value)

    def ratio(key: str) -> str:
        if peer_na or not peer.get(key) or burst.get(key) is None:
            return "–"
        return f"{burst[key] / peer[key]:.2f}x"

    table = Table(
        title=f"rollup bench: {settings.count:,} {settings.workload} from {settings.senders} "
        f"senders, batches of {settings.batch_size}, {settings.clients} client processes, "
        f"block time {settings.block_time} s",
        title_justify="left",
    )
    table.add_column("metric")
    table.add_column("rollup node", justify="right")
    table.add_column("anvil", justify="right")
    table.add_column("node / anvil", justify="right")
    tps = "{:,.0f}".format
    table.add_row(
        "accepted tx/s",
        tps(burst["accepted_tps"]),
        peer_value("accepted_tps", tps),
        ratio("accepted_tps"),
    )
    table.add_row(
        "included tx/s (receipts)",
        tps(burst["included_tps"]),
        peer_value("included_tps", tps),
        ratio("included_tps"),
    )
    table.add_row(
        "included / sent",
        f"{burst['included']:,} / {burst['sent']:,}",
        peer_value("included", lambda v: f"{v:,} / {peer['sent']:,}"),
        "",
    )
    table.add_row(
        "rejected / reverted",
        f"{burst['rejected']:,} / "
        + ("–" if burst["reverted"] is None else f"{burst['reverted']:,}"),
        peer_value("rejected", lambda v: f"{v:,} / {peer.get('reverted', 0):,}"),
        "",
    )
    table.add_row(
        "latency to receipt p50 (burst)",
        format_ms(burst["latency_p50_ms"]),
        peer_value("latency_p50_ms", format_ms),
        "",
    )
    table.add_row(
        "latency to receipt p99 (burst)",
        format_ms(burst["latency_p99_ms"]),
        peer_value("latency_p99_ms", format_ms),
        "",
    )
    table.add_row(
        f"latency p50 at {steady['rate']:,.0f} tx/s (steady)",
        format_ms(steady["latency_p50_ms"]),
        "",
        "",
    )
    table.add_row(
        f"latency p99 at {steady['rate']:,.0f} tx/s (steady)",
        format_ms(steady["latency_p99_ms"]),
        "",
        "",
    )
    table.add_row(
        "node peak RSS",
        f"{max(burst['peak_rss_mib'], steady['peak_rss_mib']):,.0f} MiB",
        peer_value("peak_rss_mib", lambda v: f"{v:,.0f} MiB"),
        "",
    )
    table.add_row(
        "CPU per included tx",
        "–" if burst["cpu_us_per_tx"] is None else f"{burst['cpu_us_per_tx']:,.0f} µs",
        peer_value("cpu_us_per_tx", lambda v: f"{v:,.0f} µs"),
        "",
    )
    ceiling = results["signature_ceiling_per_s"]
    table.add_row(
        "signature ceiling (all cores)",
        f"{ceiling:,.0f} /s",
        "",
        "",
    )
    table.add_row(
        "included / ceiling",
        f"{results['fraction_of_ceiling']:.1%}",
        peer_value("included_tps", lambda v: f"{v / ceiling:.1%}"),
        "",
    )
    l1 = results.get("l1")
    replay = results.get("verifier")
    if l1:
        table.add_row(
            "L1 bytes per tx",
            "–"
            if l1.get("bytes_per_transaction") is None
            else f"{l1['bytes_per_transaction']:.1f}",
            "",
            "",
        )
        table.add_row(
            "L1 gas per tx",
            "–" if l1.get("gas_per_transaction") is None else f"{l1['gas_per_transaction']:,.0f}",
            "",
            "",
        )
    else:
        table.add_row("L1 bytes per tx", "– (run with --l1)", "", "")
        table.add_row("L1 gas per tx", "– (run with --l1)", "", "")
    if replay and replay.get("replay_tps"):
        table.add_row(
            "verifier replay tx/s",
            tps(replay["replay_tps"]),
            "",
            f"{replay['replay_tps'] / burst['included_tps']:.2f}x sequencer"
            if burst["included_tps"]
            else "",
        )
    elif replay and replay.get("agrees") is False:
        table.add_row(
            "verifier replay tx/s",
            f"– (it derived another block {replay['blocks']} than the sequencer)",
            "",
            "",
        )
    else:
        table.add_row(
            "verifier replay tx/s", "– (run with --l1)" if not l1 else "– (not complete)", "", ""
        )
    console.print(table)
    machine = results["machine"]
    console.print(
        f"machine: {machine['cores']} cores, load average {machine['load_average_before']:.1f} "
        f"before / {machine['load_average_after']:.1f} after (this run's own processes included)"
    )
    if peer_na:
        console.print(f"anvil: n/a — {peer['unavailable']}")
    for label, figures in (("node", burst), ("anvil", peer)):
        for message, count in (figures.get("errors") or {}).items():
            console.print(f"[yellow]{label}: {count} batches had errors, e.g. {message}[/yellow]")
    if burst["included"] < burst["sent"]:
        console.print(
            f"[yellow]only {burst['included']:,} of {burst['sent']:,} transactions were "
            "included[/yellow]"
        )
    profile = results.get("profile")
    if profile:
        print_profile(profile, console)


def print_profile(profile: dict[str, Any], console: Console) -> None:
    total = max(profile["samples"], 1)
    console.print(
        f"profile of the burst (py-spy, {profile['samples']:,} samples of busy threads: "
        f"{profile['main_samples'] / total:.0%} node process, "
        f"{profile['worker_samples'] / total:.0%} recovery workers; folded stacks in "
        f"{profile['path']})"
    )
    table = Table(title_justify="left")
    table.add_column("own time", justify="right")
    table.add_column("function (top of the stack)")
    table.add_column("inclusive", justify="right")
    table.add_column("project function (anywhere on the stack)")
    rows = max(len(profile["top_self"]), len(profile["top_inclusive"]))
    for index in range(rows):
        own = profile["top_self"][index] if index < len(profile["top_self"]) else ("", 0)
        inclusive = (
            profile["top_inclusive"][index] if index < len(profile["top_inclusive"]) else ("", 0)
        )
        table.add_row(
            f"{own[1] / total:.1%}" if own[0] else "",
            own[0],
            f"{inclusive[1] / total:.1%}" if inclusive[0] else "",
            inclusive[0],
        )
    console.print(table)


# -------------------------------------------------------------------------------------------
# Soak


def run_soak(settings: BenchSettings, console: Console) -> dict[str, Any]:
    """A steady load for settings.duration seconds; RSS and latency per minute."""
    rate = settings.rate or 1_000.0
    count = min(int(rate * settings.duration), MAX_SIGNED)
    keys = make_sender_keys(settings.senders, settings.workload)
    chain_id = int(load_default_genesis_document()["chainId"])
    started = time.perf_counter()
    signed = sign_workload(settings.workload, keys, chain_id, 0, count)
    console.print(
        f"signed {len(signed):,} {settings.workload} transactions in "
        f"{time.perf_counter() - started:.1f} s; soak at {rate:,.0f} tx/s for "
        f"{settings.duration:,.0f} s (load average {read_load_average():.1f})"
    )
    batch = max(1, min(settings.batch_size, round(rate / 20)))
    batches = make_batches(signed, batch)
    del signed
    workdir = Path(tempfile.mkdtemp(prefix="rollup-soak-"))
    node = NodeUnderTest(settings, workdir, keys)
    minutes: list[dict[str, Any]] = []
    reporter = Reporter(console)
    counted = {"samples": 0, "included": 0}

    def on_minute(minute: int, result: PhaseResult) -> None:
        assert node.process is not None
        rss, cpu = measure_process_tree(node.process.pid)
        window = [latency for sent, latency in result.samples[counted["samples"] :]]
        counted["samples"] = len(result.samples)
        included = result.included - counted["included"]
        counted["included"] = result.included
        row = {
            "minute": minute,
            "rss_mib": rss,
            "cpu_seconds": cpu,
            "included": included,
            "included_tps": included / 60,
            "latency_p50_ms": percentile(window, 0.5) * 1000,
            "latency_p99_ms": percentile(window, 0.99) * 1000,
            "load_average": read_load_average(),
        }
        minutes.append(row)
        reporter.progress.console.print(
            f"minute {minute:3d}: RSS {rss:7.1f} MiB, p50 {row['latency_p50_ms']:6.0f} ms, "
            f"p99 {row['latency_p99_ms']:6.0f} ms, included {row['included_tps']:7,.0f} tx/s, "
            f"load {row['load_average']:.1f}"
        )

    try:
        node.start()
        assert node.process is not None
        with reporter.progress:
            result = run_phase(
                Phase(
                    url=node.url,
                    batches=batches,
                    clients=settings.clients,
                    timeout=settings.duration + settings.timeout,
                    interval=batch / rate,
                    pid=node.process.pid,
                    on_progress=reporter.tracker(f"soak at {rate:,.0f} tx/s", count),
                    on_minute=on_minute,
                )
            )
    except Exception:
        console.print(node.tail_log())
        raise
    finally:
        node.stop()
    figures = summarize(result) | {"rate": rate, "batch_size": batch}
    table = Table(
        title=f"rollup bench --soak: {settings.workload} at {rate:,.0f} tx/s for "
        f"{settings.duration:,.0f} s, block time {settings.block_time} s",
        title_justify="left",
    )
    for column in ("minute", "RSS", "p50", "p99", "included tx/s", "load"):
        table.add_column(column, justify="right")
    for row in minutes:
        table.add_row(
            str(row["minute"]),
            f"{row['rss_mib']:,.1f} MiB",
            format_ms(row["latency_p50_ms"]),
            format_ms(row["latency_p99_ms"]),
            f"{row['included_tps']:,.0f}",
            f"{row['load_average']:.1f}",
        )
    table.add_row(
        "all",
        f"peak {figures['peak_rss_mib']:,.1f} MiB",
        format_ms(figures["latency_p50_ms"]),
        format_ms(figures["latency_p99_ms"]),
        f"{figures['included_tps']:,.0f}",
        "",
    )
    console.print(table)
    console.print(
        f"sent {figures['sent']:,}, accepted {figures['accepted']:,}, included "
        f"{figures['included']:,}; the clients ran at most {figures['schedule_lag_ms']:,.0f} ms "
        "behind schedule"
    )
    shutil.rmtree(workdir, ignore_errors=True)
    return {
        "settings": asdict(settings) | {"profile": str(settings.profile)},
        "soak": figures,
        "minutes": minutes,
    }
