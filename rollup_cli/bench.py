"""`rollup bench`: signed ETH transfers through JSON-RPC batches against a fresh local node.

The node runs as its own process (as in production), fed by separate client processes. Figures:
accepted tx/s (eth_sendRawTransaction answered), included tx/s (in blocks), latency from a batch's
submission to its transactions' block being visible (the moment a receipt can be read), the node's
peak RSS, and the machine's ceiling: secp256k1 public-key recoveries per second on all cores, the
one cost no node can avoid per transaction.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from rollup.crypto import compute_private_key_address, keccak256, recover_address, sign_message_hash
from rollup.genesis import load_default_genesis_document
from rollup.transaction import (
    TX_TYPE_DYNAMIC_FEE,
    Transaction,
    encode_transaction,
    sign_transaction,
)

WORKLOADS = ("transfers", "tokens", "swaps")
USDC = bytes.fromhex("4200000000000000000000000000000000001001")


@dataclass(frozen=True, slots=True)
class BenchSettings:
    count: int
    senders: int
    batch_size: int
    clients: int
    block_time: float
    recovery_workers: int
    timeout: float
    workload: str = "transfers"
    l1: bool = False


def find_free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def measure_signature_ceiling() -> tuple[float, int]:
    """Recoveries per second on all cores at once, and the core count."""
    cores = os.cpu_count() or 1
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        rates = pool.map(measure_recoveries_per_second, [1.5] * cores)
    return sum(rates), cores


def make_sender_keys(count: int) -> list[bytes]:
    return [keccak256(b"bench sender %d" % index) for index in range(count)]


def write_genesis(
    directory: Path, keys: list[bytes], document: dict[str, Any] | None = None
) -> Path:
    """Genesis with every sender funded with ETH, USDC (tokens workload) and WETH (swaps)."""
    if document is None:
        document = load_default_genesis_document()
        document["timestamp"] = int(time.time())
    alloc = document.setdefault("alloc", {})
    for key in keys:
        alloc["0x" + compute_private_key_address(key).hex()] = {"balance": str(10**24)}
    for token in document["tokens"]:
        if token["symbol"] in ("USDC", "WETH"):
            for key in keys:
                token["balances"]["0x" + compute_private_key_address(key).hex()] = "1000000.0"
    path = directory / "genesis.json"
    path.write_bytes(orjson.dumps(document))
    return path


def sign_transfers(
    keys: list[bytes], count: int, chain_id: int, workload: str = "transfers"
) -> list[tuple[str, bytes]]:
    """Round-robin transactions from every sender with consecutive nonces: (raw hex, tx hash).

    transfers: ETH to 64 recipients; tokens: USDC transfers; swaps: each sender approves the AMM
    once, then swaps small WETH amounts for USDC.
    """
    from rollup.abi import encode_call
    from rollup.addresses import AMM, WETH

    nonces = [0] * len(keys)
    recipients = [keccak256(b"recipient %d" % i)[:20] for i in range(64)]
    signed: list[tuple[str, bytes]] = []
    for index in range(count):
        sender = index % len(keys)
        recipient = recipients[index % len(recipients)]
        if workload == "transfers":
            to, value, data, gas = recipient, 1 + index, b"", 21_000
        elif workload == "tokens":
            data = encode_call("transfer(address,uint256)", recipient, 1_000 + index)
            to, value, gas = USDC, 0, 80_000
        elif nonces[sender] == 0:
            data = encode_call("approve(address,uint256)", AMM, 2**256 - 1)
            to, value, gas = WETH, 0, 80_000
        else:
            data = encode_call(
                "swapExactIn(address,address,uint256,uint256,address,uint256)",
                WETH,
                USDC,
                10**15 + index,
                0,
                compute_private_key_address(keys[sender]),
                2**40,
            )
            to, value, gas = AMM, 0, 120_000
        tx = Transaction(
            tx_type=TX_TYPE_DYNAMIC_FEE,
            chain_id=chain_id,
            nonce=nonces[sender],
            max_priority_fee_per_gas=1_000_000,
            max_fee_per_gas=10**10,
            gas_limit=gas,
            to=to,
            value=value,
            data=data,
            access_list=(),
            y_parity=0,
            r=0,
            s=0,
        )
        nonces[sender] += 1
        raw = encode_transaction(sign_transaction(tx, keys[sender]))
        signed.append(("0x" + raw.hex(), keccak256(raw)))
    return signed


def send_batches(args: tuple[str, list[list[str]]]) -> list[tuple[float, int, int]]:
    """Client process: POST each batch; return (submit time, accepted, rejected) per batch."""
    url, batches = args
    results: list[tuple[float, int, int]] = []
    with httpx.Client(timeout=120) as client:
        for batch in batches:
            body = [
                {"jsonrpc": "2.0", "id": i, "method": "eth_sendRawTransaction", "params": [raw]}
                for i, raw in enumerate(batch)
            ]
            submitted = time.time()
            answer = orjson.loads(client.post(url, content=orjson.dumps(body)).content)
            accepted = sum(1 for item in answer if "result" in item)
            results.append((submitted, accepted, len(answer) - accepted))
    return results


def read_peak_rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def rpc(client: httpx.Client, url: str, method: str, params: list[Any]) -> Any:
    body = client.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
    ).json()
    if "error" in body:
        raise RuntimeError(f"{method}: {body['error']}")
    return body["result"]


def wait_for_node(
    client: httpx.Client, url: str, process: subprocess.Popen[bytes], timeout: float
) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"node exited with code {process.returncode}")
        try:
            rpc(client, url, "eth_chainId", [])
            return
        except (httpx.HTTPError, RuntimeError):
            time.sleep(0.2)
    raise RuntimeError("node did not answer in time")


def wait_for_batches(
    client: httpx.Client, url: str, last_block: int, timeout: float
) -> dict[str, Any] | None:
    """The batcher's figures once every block up to `last_block` is in a mined batch.

    Empty blocks keep coming, so a batch is nearly always in flight: wait only until the run's
    blocks are safe (or the timeout passes, then report what was settled by then).
    """
    deadline = time.time() + timeout
    latest: dict[str, Any] | None = None
    while True:
        stats = rpc(client, url, "rollup_syncStatus", [])
        latest = dict(stats["l1"]) if stats.get("l1") else latest
        if latest is not None and stats["safe_l2"]["number"] >= last_block:
            latest["complete"] = True
            return latest
        if time.time() > deadline:
            return latest
        time.sleep(0.5)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run_bench(settings: BenchSettings, console: Console) -> dict[str, Any]:
    ceiling, cores = measure_signature_ceiling()
    console.print(f"signature ceiling: {ceiling:,.0f} recoveries/s on {cores} cores")
    keys = make_sender_keys(settings.senders)
    workdir = Path(tempfile.mkdtemp(prefix="rollup-bench-"))
    port = find_free_port()
    url = f"http://127.0.0.1:{port}"
    anvil = None
    l1_flags: list[str] = []
    base_document = None
    if settings.l1:
        from rollup_cli.l1_roles import (
            L1_BATCHER_KEY,
            L1_PROPOSER_KEY,
            make_devnet_genesis,
            start_devnet_l1,
        )

        anvil, deployment = start_devnet_l1(block_time=1.0)
        deployment.write(workdir / "deployment.json")
        base_document = make_devnet_genesis(anvil.client, deployment)
        l1_flags = [
            "--l1-rpc",
            anvil.url,
            "--deployment",
            str(workdir / "deployment.json"),
            "--batcher-key",
            L1_BATCHER_KEY.hex(),
            "--proposer-key",
            L1_PROPOSER_KEY.hex(),
        ]
    genesis_path = write_genesis(workdir, keys, base_document)
    chain_id = int(orjson.loads(genesis_path.read_bytes())["chainId"])
    started = time.perf_counter()
    signed = sign_transfers(keys, settings.count, chain_id, settings.workload)
    console.print(
        f"signed {len(signed):,} {settings.workload} in {time.perf_counter() - started:.1f} s"
    )
    command = [
        sys.executable,
        "-m",
        "rollup_cli.main",
        "sequencer",
        "--data-dir",
        str(workdir / "data"),
        "--genesis",
        str(genesis_path),
        "--port",
        str(port),
        "--block-time",
        str(settings.block_time),
        "--recovery-workers",
        str(settings.recovery_workers),
        *l1_flags,
    ]
    log_file = (workdir / "node.log").open("wb")
    process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        with httpx.Client(timeout=30) as client:
            wait_for_node(client, url, process, 60)
            start_block = int(rpc(client, url, "eth_blockNumber", []), 16)
            raws = [raw for raw, _hash in signed]
            batches = [
                raws[i : i + settings.batch_size] for i in range(0, len(raws), settings.batch_size)
            ]
            # Each client gets every n-th batch, so all senders' nonces advance together.
            shares = [batches[i :: settings.clients] for i in range(settings.clients)]
            submit_started = time.time()
            with multiprocessing.get_context("spawn").Pool(settings.clients) as pool:
                pending = pool.map_async(send_batches, [(url, share) for share in shares])
                inclusion: dict[bytes, float] = {}
                wanted = {tx_hash for _raw, tx_hash in signed}
                next_block = start_block + 1
                deadline = time.time() + settings.timeout
                with Progress(console=console, transient=True) as progress:
                    task = progress.add_task("included", total=len(wanted))
                    while len(inclusion) < len(wanted) and time.time() < deadline:
                        head = int(rpc(client, url, "eth_blockNumber", []), 16)
                        while next_block <= head:
                            block = rpc(
                                client, url, "eth_getBlockByNumber", [hex(next_block), False]
                            )
                            seen = time.time()
                            for tx_hash in block["transactions"]:
                                inclusion.setdefault(bytes.fromhex(tx_hash[2:]), seen)
                            next_block += 1
                        progress.update(task, completed=len(inclusion))
                        if pending.ready() and not pending.successful():
                            pending.get()
                        time.sleep(0.05)
                client_results = pending.get(timeout=settings.timeout)
            submit_times: dict[bytes, float] = {}
            position = 0
            for client_index, share in enumerate(shares):
                for batch, (submitted, _accepted, _rejected) in zip(
                    share, client_results[client_index], strict=True
                ):
                    for raw in batch:
                        submit_times[keccak256(bytes.fromhex(raw[2:]))] = submitted
                        position += 1
            accepted = sum(a for result in client_results for _t, a, _r in result)
            rejected = sum(r for result in client_results for _t, _a, r in result)
            last_answer = max(t for result in client_results for t, _a, _r in result)
            latencies = [inclusion[h] - submit_times[h] for h in inclusion if h in submit_times]
            included_span = (
                (max(inclusion.values()) - submit_started) if inclusion else float("nan")
            )
            peak_rss = read_peak_rss_mib(process.pid)
            l1_stats = (
                wait_for_batches(client, url, next_block - 1, min(settings.timeout, 120))
                if anvil is not None
                else None
            )
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log_file.close()
        if anvil is not None:
            anvil.stop()
    send_span = max(last_answer - submit_started, 1e-9)
    included_rate = len(inclusion) / included_span if inclusion else 0.0
    results = {
        "settings": asdict(settings),
        "transactions": settings.count,
        "accepted": accepted,
        "rejected": rejected,
        "included": len(inclusion),
        "accepted_tps": accepted / send_span,
        "included_tps": included_rate,
        "latency_p50_ms": percentile(latencies, 0.5) * 1000,
        "latency_p99_ms": percentile(latencies, 0.99) * 1000,
        "latency_mean_ms": (statistics.fmean(latencies) * 1000) if latencies else float("nan"),
        "node_peak_rss_mib": peak_rss,
        "signature_ceiling_per_s": ceiling,
        "cores": cores,
        "fraction_of_ceiling": included_rate / ceiling if ceiling else 0.0,
        "l1": l1_stats,
    }
    table = Table(
        title=f"rollup bench: {settings.count:,} {settings.workload}, {settings.senders} senders, "
        f"batches of {settings.batch_size}, {settings.clients} clients, "
        f"block time {settings.block_time}s"
    )
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("accepted tx/s", f"{results['accepted_tps']:,.0f}")
    table.add_row("included tx/s", f"{results['included_tps']:,.0f}")
    table.add_row("included / sent", f"{len(inclusion):,} / {settings.count:,}")
    table.add_row("rejected", f"{rejected:,}")
    table.add_row("latency to receipt p50", f"{results['latency_p50_ms']:,.0f} ms")
    table.add_row("latency to receipt p99", f"{results['latency_p99_ms']:,.0f} ms")
    table.add_row("node peak RSS", f"{peak_rss:,.0f} MiB")
    table.add_row("signature ceiling (all cores)", f"{ceiling:,.0f} /s")
    table.add_row("included / ceiling", f"{results['fraction_of_ceiling']:.1%}")
    if l1_stats:
        # Per transaction of the workload; the batches also carry the run's empty blocks.
        table.add_row(
            "L1 batches / bytes", f"{l1_stats['batches_posted']} / {l1_stats['batch_bytes']:,}"
        )
        table.add_row("L1 bytes per tx", f"{l1_stats['batch_bytes'] / max(len(inclusion), 1):.1f}")
        table.add_row(
            "L1 batch gas per tx", f"{l1_stats['batch_gas'] / max(len(inclusion), 1):,.0f}"
        )
    console.print(table)
    shutil.rmtree(workdir, ignore_errors=True)
    if len(inclusion) < settings.count:
        console.print(
            f"[yellow]only {len(inclusion)} of {settings.count} transactions were included[/yellow]"
        )
    return results
