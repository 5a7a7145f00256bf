"""Running a sequencer: the JSON-RPC server and the block builder on one event loop.

Block production is deliberately on the event loop: a block is built between two requests, so RPC
readers always see the state of a whole block, never half of one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from collections.abc import Generator, Sequence
from typing import Protocol

import uvicorn

from sequencer.node import Node
from sequencer.rpc import create_app

log = logging.getLogger("rollup.sequencer")


async def run_block_builder(node: Node, block_time: float, stop: asyncio.Event) -> None:
    """Build a block every `block_time` seconds, or at once after a full one, until `stop`."""
    next_tick = time.monotonic() + block_time
    while not stop.is_set():
        delay = next_tick - time.monotonic()
        if delay > 0:
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
                break
            except TimeoutError:
                pass
        started = time.monotonic()
        execution = node.build_block()
        elapsed = time.monotonic() - started
        if execution.transactions or execution.skipped:
            log.info(
                "block %d: %d txs, %d refused, gas %d, %.0f ms",
                execution.header.number,
                len(execution.transactions),
                len(execution.skipped),
                execution.header.gas_used,
                elapsed * 1000,
            )
        if node.more_ready:
            # A full block left ready transactions: seal the next one now. A block holds at most
            # one L1 batch (~490 DeFi calls), so waiting a block time would cap the chain there.
            next_tick = time.monotonic()
        else:
            next_tick += block_time
            if next_tick < time.monotonic():  # fell behind: do not try to catch up in a burst
                next_tick = time.monotonic() + block_time
        await asyncio.sleep(0)  # requests waiting are served between two blocks either way


class GracefulServer(uvicorn.Server):
    """uvicorn's server, minus re-raising the stop signal after serving.

    uvicorn re-raises a captured SIGTERM/SIGINT once serve() returns, which kills the process
    before our own shutdown (stopping the builder, the L1 workers and the signature-recovery
    processes, closing the database) can run. Here the signal only asks the server to stop.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Background(Protocol):
    """A role's background worker (settlement, verifier): started before serving, stopped after."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


async def serve(
    node: Node,
    host: str,
    port: int,
    block_time: float | None,
    workers: Sequence[Background] = (),
) -> None:
    """Serve JSON-RPC on host:port, produce blocks (unless block_time is None), until interrupted."""
    app = create_app(node)
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, lifespan="off"
    )
    server = GracefulServer(config)
    stop = asyncio.Event()
    for worker in workers:
        worker.start()
    builder = (
        asyncio.create_task(run_block_builder(node, block_time, stop))
        if block_time is not None
        else None
    )
    try:
        await server.serve()
    finally:
        stop.set()
        if builder is not None:
            await builder
        for worker in workers:
            worker.stop()
        node.close()
