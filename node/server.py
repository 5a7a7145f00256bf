"""Running a node: the JSON-RPC server, the role's task on the same event loop, and the role's
background workers.

A role's work on the loop (the sequencer's block builder) runs between two requests, so RPC
readers always see the state of a whole block, never half of one.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
from collections.abc import Generator

import uvicorn
from prometheus_client import make_asgi_app

from node.explorer.api import ExplorerApi
from node.explorer.routes import mount_explorer
from node.explorer.settlement_view import SettlementView
from node.role import Role
from node.rpc import HttpLimits, create_app


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


class MetricsServer(uvicorn.Server):
    """The /metrics endpoint (node.metrics), on the same event loop as the node: a scrape reads
    the mempool and the heads between two requests or blocks, as the JSON-RPC does, never while
    the builder changes them. It stops with the JSON-RPC server, whose signals stop both."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port, bound now so that a port in use is reported before
    the node starts. Raises OSError."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


async def serve(
    role: Role,
    host: str,
    port: int,
    limits: HttpLimits | None = None,
    metrics_socket: socket.socket | None = None,
    l1_view: SettlementView | None = None,
) -> None:
    """Serve the role's node over JSON-RPC on host:port, with the explorer at /explorer/ (its
    settlement page read from L1 through `l1_view`), and run the role (its task and workers)
    until interrupted; with `metrics_socket` (bind_socket), serve its metrics there too."""
    limits = limits if limits is not None else HttpLimits()
    app = create_app(role, limits)
    mount_explorer(app, ExplorerApi(app.state.handler), l1_view)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        limit_concurrency=limits.max_connections,
        ws_max_size=limits.max_body_bytes,
    )
    server = GracefulServer(config)
    stop = asyncio.Event()
    workers = role.workers()
    for worker in workers:
        worker.start()
    task = asyncio.create_task(role.run(stop))
    metrics: MetricsServer | None = None
    metrics_task: asyncio.Task[None] | None = None
    if metrics_socket is not None:
        role.node.metrics.watch(role)
        metrics = MetricsServer(
            uvicorn.Config(
                make_asgi_app(role.node.metrics.registry),
                log_level="warning",
                access_log=False,
                lifespan="off",
            )
        )
        metrics_task = asyncio.create_task(metrics.serve(sockets=[metrics_socket]))
    try:
        await server.serve()
    finally:
        if metrics is not None and metrics_task is not None:
            metrics.should_exit = True
            await metrics_task
        stop.set()
        await app.state.subscriptions.stop()
        await task
        for worker in workers:
            worker.stop()
        role.node.close()
