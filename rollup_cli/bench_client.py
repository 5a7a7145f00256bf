"""The benchmark's load: client processes that POST JSON-RPC batches, and the tracker that watches
blocks for the transactions they sent.

Clients are separate processes (spawned), as real users would be: the node under test shares the
machine with them but not an interpreter. A run is a list of batches; batch `b` goes to client
`b % clients`, so every client advances through the senders' nonces at the same pace. In a burst
every client sends its batches back to back; at a steady rate batch `b` leaves at
`start + b * batch_size / rate`. Each client reports every batch on a queue: when it left, how many
transactions were accepted, and a sample error message.

The tracker (in the parent process) polls the head, reads each new block's transaction hashes and
stamps every transaction with the moment its block was first seen, i.e. when its receipt could
first be read. Latency to receipt is that moment minus the moment the transaction's batch left.
It also samples the resident memory and CPU time of the target's process tree.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.context import SpawnProcess
from typing import Any

import httpx
import orjson

from l1.processes import measure_process_tree

POLL_INTERVAL = 0.02
STALL_SECONDS = 15.0  # after the last answer, stop waiting for blocks that add nothing


@dataclass(slots=True)
class BatchReport:
    """One batch as a client saw it."""

    batch: int
    sent: float
    answered: float
    accepted: int
    rejected: int
    error: str | None


@dataclass(slots=True)
class PhaseResult:
    """What the tracker measured for one phase of a run against one target."""

    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    included: int = 0
    started: float = 0.0
    last_answer: float = 0.0
    last_inclusion: float = 0.0
    latencies: list[float] = field(default_factory=list)
    # (sent time, latency) per transaction, for the soak's per-minute figures
    samples: list[tuple[float, float]] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    peak_rss_mib: float = 0.0
    cpu_seconds: float = 0.0
    blocks: list[int] = field(default_factory=list)
    block_counts: dict[int, int] = field(default_factory=dict)  # block -> transactions of ours
    schedule_lag: float = 0.0  # how late the last batch left (steady rate only)

    @property
    def accepted_tps(self) -> float:
        span = self.last_answer - self.started
        return self.accepted / span if span > 0 else 0.0

    @property
    def included_tps(self) -> float:
        span = self.last_inclusion - self.started
        return self.included / span if span > 0 else 0.0


# -------------------------------------------------------------------------------------------
# Client processes


def post_batch(
    client: httpx.Client, url: str, raws: Sequence[bytes]
) -> tuple[int, int, str | None]:
    """Send one eth_sendRawTransaction batch; return (accepted, rejected, an error message)."""
    body = orjson.dumps(
        [
            {
                "jsonrpc": "2.0",
                "id": i,
                "method": "eth_sendRawTransaction",
                "params": ["0x" + raw.hex()],
            }
            for i, raw in enumerate(raws)
        ]
    )
    answer = orjson.loads(
        client.post(url, content=body, headers={"content-type": "application/json"}).content
    )
    if isinstance(answer, dict):  # the whole request was refused
        return 0, len(raws), str(answer.get("error"))
    accepted = sum(1 for item in answer if "result" in item)
    error = next((str(item["error"].get("message")) for item in answer if "error" in item), None)
    return accepted, len(answer) - accepted, error


@dataclass(frozen=True, slots=True)
class ClientPlan:
    """What one client process sends, and when."""

    client: int
    url: str
    batch_ids: list[int]
    batches: list[list[bytes]]  # the pre-signed raw transactions of each of batch_ids
    interval: float  # seconds between batches of the run (0: a burst)
    duration: float  # stop sending this many seconds after the start


def run_client(plan: ClientPlan, reports: Any, go: Any, start_at: Any) -> None:
    """Client process: report ready, wait for the start, send every batch of the plan, report
    each on the queue, then None."""
    with httpx.Client(timeout=120) as client:
        reports.put("ready")
        go.wait()
        start = start_at.value
        delay = start - time.time()
        if delay > 0:
            time.sleep(delay)
        for batch_id, raws in zip(plan.batch_ids, plan.batches, strict=True):
            if plan.interval:
                delay = start + batch_id * plan.interval - time.time()
                if delay > 0:
                    time.sleep(delay)
            if time.time() > start + plan.duration:
                break
            sent = time.time()
            try:
                accepted, rejected, error = post_batch(client, plan.url, raws)
            except httpx.HTTPError as exc:
                accepted, rejected, error = 0, len(raws), f"{type(exc).__name__}: {exc}"
            reports.put(BatchReport(batch_id, sent, time.time(), accepted, rejected, error))
    reports.put(None)


# -------------------------------------------------------------------------------------------
# Process tree figures


# -------------------------------------------------------------------------------------------
# Tracker


def rpc_call(client: httpx.Client, url: str, method: str, params: list[Any]) -> Any:
    body = orjson.loads(
        client.post(
            url,
            content=orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}),
            headers={"content-type": "application/json"},
        ).content
    )
    if "error" in body:
        raise RuntimeError(f"{method}: {body['error']}")
    return body["result"]


@dataclass(slots=True)
class Phase:
    """One phase against one target: the plan and what to call while it runs."""

    url: str
    batches: list[list[tuple[bytes, bytes]]]  # pre-signed (raw, hash) per batch
    clients: int
    timeout: float
    interval: float = 0.0
    pid: int | None = None  # the target's process, for RSS and CPU
    count_root: bool = True  # False: only the pid's descendants (anvil's npm wrapper is not anvil)
    on_progress: Callable[[PhaseResult, int], None] | None = None
    on_minute: Callable[[int, PhaseResult], None] | None = None


def run_phase(phase: Phase) -> PhaseResult:
    """Run the clients of a phase and track inclusion until everything accepted is in a block."""
    context = multiprocessing.get_context("spawn")
    reports: Any = context.Queue()
    result = PhaseResult()
    with httpx.Client(timeout=30) as client:
        next_block = int(rpc_call(client, phase.url, "eth_blockNumber", []), 16) + 1
        go = context.Event()
        start_at = context.Value("d", 0.0)
        processes: list[SpawnProcess] = []
        for index in range(phase.clients):
            ids = list(range(index, len(phase.batches), phase.clients))
            plan = ClientPlan(
                client=index,
                url=phase.url,
                batch_ids=ids,
                batches=[[raw for raw, _hash in phase.batches[b]] for b in ids],
                interval=phase.interval,
                duration=phase.timeout,
            )
            process = context.Process(
                target=run_client, args=(plan, reports, go, start_at), daemon=True
            )
            process.start()
            processes.append(process)
        # The clock starts once every client has started (a spawned interpreter takes a while).
        ready = 0
        while ready < phase.clients:
            if reports.get(timeout=120) == "ready":
                ready += 1
        cpu_before = measure_process_tree(phase.pid, phase.count_root)[1] if phase.pid else 0.0
        start = time.time() + 0.05
        start_at.value = start
        go.set()
        deadline = start + phase.timeout
        result.started = start
        waiting: dict[bytes, float] = {}  # hash -> sent, for transactions not seen in a block
        seen_early: dict[bytes, float] = {}  # hash -> block seen, for blocks read before reports
        finished_clients = 0
        next_sample = 0.0
        next_minute = start + 60
        minute = 0
        try:
            while True:
                now = time.time()
                while True:
                    try:
                        report = reports.get_nowait()
                    except queue_module.Empty:
                        break
                    if report is None:
                        finished_clients += 1
                        continue
                    hashes = [tx_hash for _raw, tx_hash in phase.batches[report.batch]]
                    result.sent += len(hashes)
                    result.accepted += report.accepted
                    result.rejected += report.rejected
                    result.last_answer = max(result.last_answer, report.answered)
                    if phase.interval:
                        planned = start + report.batch * phase.interval
                        result.schedule_lag = max(result.schedule_lag, report.sent - planned)
                    if report.error is not None:
                        result.errors[report.error] = result.errors.get(report.error, 0) + 1
                    for tx_hash in hashes:
                        included_at = seen_early.pop(tx_hash, None)
                        if included_at is None:
                            waiting[tx_hash] = report.sent
                        else:
                            result.latencies.append(included_at - report.sent)
                            result.samples.append((report.sent, included_at - report.sent))
                head = int(rpc_call(client, phase.url, "eth_blockNumber", []), 16)
                while next_block <= head:
                    block = rpc_call(
                        client, phase.url, "eth_getBlockByNumber", [hex(next_block), False]
                    )
                    seen = time.time()
                    count = 0
                    for item in block["transactions"]:
                        tx_hash = bytes.fromhex(item[2:])
                        sent = waiting.pop(tx_hash, None)
                        if sent is None:
                            seen_early[tx_hash] = seen
                        else:
                            result.latencies.append(seen - sent)
                            result.samples.append((sent, seen - sent))
                        count += 1
                    if count:
                        result.included += count
                        result.last_inclusion = seen
                        result.blocks.append(next_block)
                        result.block_counts[next_block] = count
                    next_block += 1
                if phase.pid and now >= next_sample:
                    rss, _cpu = measure_process_tree(phase.pid, phase.count_root)
                    result.peak_rss_mib = max(result.peak_rss_mib, rss)
                    next_sample = now + 0.5
                if phase.on_progress is not None:
                    phase.on_progress(result, finished_clients)
                if phase.on_minute is not None and now >= next_minute:
                    minute += 1
                    phase.on_minute(minute, result)
                    next_minute += 60
                all_answered = finished_clients == phase.clients
                if all_answered and result.included >= result.accepted:
                    break
                if now > deadline + 5:
                    break
                if all_answered and now - max(result.last_answer, result.last_inclusion) > (
                    STALL_SECONDS
                ):
                    break
                time.sleep(POLL_INTERVAL)
        finally:
            for process in processes:
                process.join(timeout=5)
                if process.is_alive():
                    process.terminate()
                    process.join()
        if phase.pid:
            rss, cpu_after = measure_process_tree(phase.pid, phase.count_root)
            result.peak_rss_mib = max(result.peak_rss_mib, rss)
            result.cpu_seconds = cpu_after - cpu_before
    return result


def count_reverted(url: str, blocks: Sequence[int]) -> int:
    """Receipts with status 0 in the given blocks (read after the timed part)."""
    reverted = 0
    with httpx.Client(timeout=60) as client:
        for number in blocks:
            receipts = rpc_call(client, url, "eth_getBlockReceipts", [hex(number)]) or []
            reverted += sum(1 for receipt in receipts if receipt.get("status") == "0x0")
    return reverted
