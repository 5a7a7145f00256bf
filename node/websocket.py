"""JSON-RPC over WebSocket on the HTTP port, with subscriptions (as geth and anvil serve them).

Every HTTP method is answered over the socket too; `eth_subscribe` / `eth_unsubscribe` add, per
connection, subscriptions to `newHeads` (each new block's header), `logs` (each new log matching
an address / topics filter) and `newPendingTransactions` (the hash of each transaction admitted
here). Notifications are `eth_subscription` messages.

One watcher per node follows the head (polling it every HEAD_POLL_SECONDS on the event loop) and
fans each new block out. After a rewind below what it announced (an L1 reorg, node.removed_logs)
it first sends each `logs` subscription again, with `removed: true`, the logs it had sent from the
removed blocks, then announces the replacing blocks (heads and logs). Every connection has a
bounded queue of outgoing messages: a client that does not read them fast enough is disconnected
(close code 1008, "slow reader") instead of growing the node's memory, and at most
MAX_SUBSCRIPTIONS_PER_CONNECTION subscriptions exist per connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from node import rpc_format as fmt
from node.filters import draw_id, take_block_span
from node.removed_logs import RemovedLog, Rewind, take_removed_logs
from node.rpc import RpcHandler, format_removed_log, format_stored_log
from node.rpc_params import (
    InvalidParams,
    LimitExceeded,
    LogCriteria,
    matches,
    parse_bool,
    parse_log_criteria,
    parse_params,
)
from node.storage import StoredLog
from rollup.block import Header

log = logging.getLogger("rollup.websocket")

HEAD_POLL_SECONDS = 0.05
MAX_SUBSCRIPTIONS_PER_CONNECTION = 1_000
MAX_QUEUED_MESSAGES = 5_000
MAX_BLOCKS_PER_ANNOUNCEMENT = 1_000
MAX_LOGS_PER_ANNOUNCEMENT = 1_000_000
SUBSCRIPTION_KINDS = ("newHeads", "logs", "newPendingTransactions")
CLOSE_POLICY_VIOLATION = 1008


@dataclass(slots=True)
class Subscription:
    kind: str
    criteria: LogCriteria | None = None
    announced_from: int = 0
    """The block after which blocks were announced to it: the hub's newest announced block when
    it subscribed, lowered by rewinds below it."""
    full: bool = False
    """newPendingTransactions with geth's `true` option: whole transactions, not hashes."""


class Connection:
    """One WebSocket client: its subscriptions and its bounded queue of outgoing messages."""

    def __init__(self, websocket: WebSocket, hub: SubscriptionHub) -> None:
        self.websocket = websocket
        self.hub = hub
        self.subscriptions: dict[str, Subscription] = {}
        self.outgoing: asyncio.Queue[bytes] = asyncio.Queue(MAX_QUEUED_MESSAGES)
        self.overflowed = False
        self.writer: asyncio.Task[None] | None = None
        self.local = {"eth_subscribe": self.subscribe, "eth_unsubscribe": self.unsubscribe}

    def push(self, message: bytes) -> None:
        """Queue a message; a full queue marks the connection to be closed (a slow reader)."""
        if self.overflowed:
            return
        try:
            self.outgoing.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed = True
            log.warning(
                "closing a WebSocket client that left %d messages unread", MAX_QUEUED_MESSAGES
            )
            # Nothing more is sent: the close frame follows what the client has not read yet.
            if self.writer is not None:
                self.writer.cancel()
            asyncio.get_running_loop().create_task(
                self.close(
                    CLOSE_POLICY_VIOLATION, f"slow reader: {MAX_QUEUED_MESSAGES} messages unread"
                )
            )

    def notify(self, subscription_id: str, result: Any) -> None:
        self.push(
            orjson.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "eth_subscription",
                    "params": {"subscription": subscription_id, "result": result},
                }
            )
        )

    async def close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close(code, reason)

    async def write(self) -> None:
        while True:
            message = await self.outgoing.get()
            await self.websocket.send_text(message.decode())

    def subscribe(self, params: Any) -> str:
        params = parse_params(params, 1, 2)
        kind = params[0]
        if kind not in SUBSCRIPTION_KINDS:
            raise InvalidParams(
                f"unknown subscription kind {kind!r}: one of {', '.join(SUBSCRIPTION_KINDS)}"
            )
        criteria = None
        full = False
        if kind == "logs":
            query = params[1] if len(params) > 1 else {}
            if not isinstance(query, dict):
                raise InvalidParams("logs: the filter must be an object")
            criteria = parse_log_criteria(query)
        elif kind == "newPendingTransactions" and len(params) > 1 and params[1] is not None:
            full = parse_bool(params[1], "fullTransactions")
        elif len(params) > 1 and params[1] not in (None, False):
            raise InvalidParams(f"{kind} takes no options")
        if len(self.subscriptions) >= MAX_SUBSCRIPTIONS_PER_CONNECTION:
            raise LimitExceeded(
                f"too many subscriptions on this connection: at most "
                f"{MAX_SUBSCRIPTIONS_PER_CONNECTION}"
            )
        subscription_id = draw_id()
        self.subscriptions[subscription_id] = Subscription(
            kind, criteria, self.hub.announced_through, full
        )
        return subscription_id

    def unsubscribe(self, params: Any) -> bool:
        params = parse_params(params, 1, 1)
        return (
            self.subscriptions.pop(params[0], None) is not None
            if isinstance(params[0], str)
            else False
        )


class SubscriptionHub:
    """The node's WebSocket connections and the watcher that announces new blocks to them."""

    def __init__(self, handler: RpcHandler) -> None:
        self.handler = handler
        self.node = handler.node
        self.connections: set[Connection] = set()
        self.rewinds_seen = self.node.removed_logs.finished  # before the head, as filters
        self.announced_through = self.node.head.number
        self.watcher: asyncio.Task[None] | None = None
        handler.pending_listeners.append(self.announce_pending)

    def add(self, connection: Connection) -> None:
        if self.watcher is None or self.watcher.done():
            self.rewinds_seen = self.node.removed_logs.finished
            self.announced_through = self.node.head.number
            self.watcher = asyncio.get_running_loop().create_task(self.watch())
        self.connections.add(connection)

    def remove(self, connection: Connection) -> None:
        self.connections.discard(connection)

    async def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.watcher

    async def watch(self) -> None:
        while True:
            try:
                self.announce_new_blocks()
            except Exception:
                log.exception("announcing new blocks to WebSocket subscribers failed")
            await asyncio.sleep(HEAD_POLL_SECONDS)

    def announce_new_blocks(self) -> None:
        """Send what changed since the last call: the logs rewinds removed, then the new blocks.
        As eth_getFilterChanges (node.rpc): nothing while a rewind is under way (the verifier's
        thread), the head read after the rewinds, and nothing read while a rewind began is sent
        (it is read again next time)."""
        journal = self.node.removed_logs
        rewinds = journal.since(self.rewinds_seen)
        if rewinds is None:
            return
        subscribers = [
            (connection, subscription_id, subscription)
            for connection in list(self.connections)
            for subscription_id, subscription in connection.subscriptions.items()
        ]
        if rewinds:
            self.rewinds_seen = rewinds[-1].sequence
            self.announce_removed_logs(rewinds, subscribers)
        head = self.node.head.number
        if not self.connections:
            self.announced_through = head
            return
        before = self.announced_through
        self.announced_through, span = take_block_span(
            self.announced_through, head, MAX_BLOCKS_PER_ANNOUNCEMENT
        )
        if span is None:
            return
        first, last = span
        headers = {
            number: header
            for number in range(first, last + 1)
            if (header := self.handler.get_header(number)) is not None
        }
        log_subscribers = [item for item in subscribers if item[2].kind == "logs"]
        found = (
            self.node.storage.get_logs(first, last, None, [], MAX_LOGS_PER_ANNOUNCEMENT)
            if log_subscribers
            else []
        )
        if journal.sequence != self.rewinds_seen:  # a rewind began while reading: next time
            self.announced_through = before
            return
        if any(subscription.kind == "newHeads" for _, _, subscription in subscribers):
            for header in headers.values():
                block = self.handler.format_block(header, False)
                del block["transactions"]
                for connection, subscription_id, subscription in subscribers:
                    if subscription.kind == "newHeads":
                        connection.notify(subscription_id, block)
        self.announce_logs(found, headers, log_subscribers)

    def announce_removed_logs(
        self, rewinds: list[Rewind], subscribers: list[tuple[Connection, str, Subscription]]
    ) -> None:
        """Send every `logs` subscription the logs it was sent that `rewinds` removed, with
        `removed: true`; then the blocks after the lowest rewind are announced again."""
        formatted: dict[tuple[bytes, int], dict[str, Any]] = {}  # by (block hash, log index)
        for connection, subscription_id, subscription in subscribers:
            removed: list[RemovedLog]
            subscription.announced_from, _, removed = take_removed_logs(
                subscription.announced_from, self.announced_through, rewinds
            )
            if subscription.kind != "logs":
                continue
            assert subscription.criteria is not None
            for entry in removed:
                if matches(subscription.criteria, entry.log.address, entry.log.topics):
                    key = (entry.log.block_hash, entry.log.log_index)
                    if key not in formatted:
                        formatted[key] = format_removed_log(entry)
                    connection.notify(subscription_id, formatted[key])
        self.announced_through = min([self.announced_through, *(r.to_block for r in rewinds)])

    def announce_logs(
        self,
        found: list[StoredLog],
        headers: dict[int, Header],
        log_subscribers: list[tuple[Connection, str, Subscription]],
    ) -> None:
        for entry in found:
            formatted: dict[str, Any] | None = None
            for connection, subscription_id, subscription in log_subscribers:
                assert subscription.criteria is not None
                if not matches(subscription.criteria, entry.address, entry.topics):
                    continue
                if formatted is None:
                    formatted = format_stored_log(entry, headers[entry.block_number])
                connection.notify(subscription_id, formatted)

    def announce_pending(self, tx_hash: bytes) -> None:
        whole: dict[str, Any] | None = None  # formatted once, for the first subscriber wanting it
        for connection in list(self.connections):
            for subscription_id, subscription in connection.subscriptions.items():
                if subscription.kind != "newPendingTransactions":
                    continue
                if not subscription.full:
                    connection.notify(subscription_id, fmt.data(tx_hash))
                    continue
                if whole is None:
                    whole = self.handler.eth_get_transaction_by_hash([fmt.data(tx_hash)])
                if whole is not None:
                    connection.notify(subscription_id, whole)


def is_origin_allowed(origin: str | None, allowed: tuple[str, ...], host: str | None) -> bool:
    """A browser page's WebSocket is let in only from the origins CORS lets call over HTTP
    (--allow-origin), or from the node's own pages (the explorer: the origin is the host the
    page was loaded from); clients that send no Origin (libraries, scripts) always are."""
    if origin is None or "*" in allowed or origin in allowed:
        return True
    return host is not None and origin in (f"http://{host}", f"https://{host}")


async def serve_connection(
    websocket: WebSocket, hub: SubscriptionHub, allowed: tuple[str, ...]
) -> None:
    """Answer one client's frames until it goes, or is closed for reading too slowly. (A frame
    above the request body limit never gets here: node.server sets it as uvicorn's ws_max_size,
    which closes the connection with 1009.)"""
    headers = websocket.headers
    if not is_origin_allowed(headers.get("origin"), allowed, headers.get("host")):
        await websocket.close(CLOSE_POLICY_VIOLATION)  # before accepting: HTTP 403
        return
    await websocket.accept()
    connection = Connection(websocket, hub)
    hub.add(connection)
    writer = connection.writer = asyncio.create_task(connection.write())
    try:
        while not connection.overflowed:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            body = text.encode() if text is not None else message.get("bytes") or b""
            answer = await hub.handler.handle_body(body, connection.local)
            if answer is not None:
                connection.push(answer)
    except WebSocketDisconnect:
        pass
    finally:
        hub.remove(connection)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await writer
