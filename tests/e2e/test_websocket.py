"""JSON-RPC over WebSocket on the node's HTTP port: web3.py's WebSocket provider subscribing to new
heads, logs and pending transactions as a live dApp does, and the bounds that keep one client from
hurting the others (node.websocket)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest
from web3 import AsyncWeb3, Web3, WebSocketProvider
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from node.websocket import MAX_QUEUED_MESSAGES, MAX_SUBSCRIPTIONS_PER_CONNECTION
from tests.e2e.conftest import MAX_UINT, WETH, NodeProcess, account, contract, send

TIMEOUT = 20.0
SLOW_READER_PAUSE = 8.0


def ws_url(node: NodeProcess) -> str:
    return node.url.replace("http://", "ws://")


async def request(socket: ClientConnection, method: str, params: list[Any], ident: int = 1) -> Any:
    await socket.send(
        orjson.dumps({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
    )
    while True:  # notifications may come first
        message = orjson.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
        if message.get("id") == ident:
            return message


async def take_notifications(w3: AsyncWeb3[Any], count: int) -> list[Any]:
    received = []
    async for message in w3.socket.process_subscriptions():
        received.append(message["result"])
        if len(received) == count:
            return received
    raise AssertionError("the subscription ended")


def test_new_heads_are_the_blocks_http_serves_in_order(node: NodeProcess, w3: Web3) -> None:
    async def run() -> list[Any]:
        async with AsyncWeb3(WebSocketProvider(ws_url(node))) as ws:
            await ws.eth.subscribe("newHeads")
            return await asyncio.wait_for(take_notifications(ws, 3), TIMEOUT)

    heads = asyncio.run(run())
    numbers = [head["number"] for head in heads]
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    for head in heads:
        block = w3.eth.get_block(head["number"])
        assert (head["hash"], head["parentHash"], head["stateRoot"], head["timestamp"]) == (
            block["hash"], block["parentHash"], block["stateRoot"], block["timestamp"]
        )  # fmt: skip


def test_a_logs_subscription_delivers_the_matching_log_of_a_new_transaction(
    node: NodeProcess, w3: Web3
) -> None:
    owner, spender = account(8), account(7)
    weth = contract(w3, WETH, "IWETH")
    approval_topic = Web3.keccak(text="Approval(address,address,uint256)")
    owner_topic = "0x" + "00" * 12 + owner.address[2:].lower()

    async def run() -> tuple[Any, Any]:
        async with AsyncWeb3(WebSocketProvider(ws_url(node))) as ws:
            await ws.eth.subscribe(
                "logs", {"address": WETH, "topics": [approval_topic.to_0x_hex(), owner_topic]}
            )
            receipt = await asyncio.to_thread(
                send, w3, owner, weth.functions.approve(spender.address, MAX_UINT - 7)
            )
            (entry,) = await asyncio.wait_for(take_notifications(ws, 1), TIMEOUT)
            return entry, receipt

    entry, receipt = asyncio.run(run())
    assert entry["transactionHash"] == receipt["transactionHash"]
    assert entry["address"] == WETH
    assert entry["topics"][0] == approval_topic
    assert int(entry["data"].hex(), 16) == MAX_UINT - 7


def test_a_pending_transactions_subscription_delivers_a_sent_hash(
    node: NodeProcess, w3: Web3
) -> None:
    async def run() -> tuple[Any, Any]:
        async with AsyncWeb3(WebSocketProvider(ws_url(node))) as ws:
            await ws.eth.subscribe("newPendingTransactions")
            receipt = await asyncio.to_thread(
                send, w3, account(8), to=account(7).address, value=1, gas=21_000
            )
            (tx_hash,) = await asyncio.wait_for(take_notifications(ws, 1), TIMEOUT)
            return tx_hash, receipt

    tx_hash, receipt = asyncio.run(run())
    assert tx_hash == receipt["transactionHash"]


def test_a_full_pending_transactions_subscription_delivers_the_whole_transaction(
    node: NodeProcess, w3: Web3
) -> None:
    async def run() -> tuple[Any, Any]:
        async with connect(ws_url(node)) as socket:
            answer = await request(socket, "eth_subscribe", ["newPendingTransactions", True])
            assert "result" in answer, answer
            receipt = await asyncio.to_thread(
                send, w3, account(8), to=account(7).address, value=5, gas=21_000
            )
            message = orjson.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
            return message["params"]["result"], receipt

    tx, receipt = asyncio.run(run())
    assert tx["hash"] == receipt["transactionHash"].to_0x_hex()
    assert (tx["from"], tx["to"], tx["value"], tx["blockNumber"]) == (
        account(8).address.lower(),
        account(7).address.lower(),
        "0x5",
        None,  # as it was when admitted: pending
    )


def test_every_http_method_is_served_over_the_socket(node: NodeProcess) -> None:
    async def run() -> Any:
        async with connect(ws_url(node)) as socket:
            return await request(socket, "eth_chainId", [])

    assert asyncio.run(run())["result"] == node.rpc("eth_chainId", [])["result"]


def test_a_malformed_frame_gets_a_parse_error_and_the_connection_goes_on(
    node: NodeProcess,
) -> None:
    async def run() -> tuple[Any, Any]:
        async with connect(ws_url(node)) as socket:
            await socket.send("{not json")
            error = orjson.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
            return error, await request(socket, "eth_blockNumber", [])

    error, after = asyncio.run(run())
    assert error["error"]["code"] == -32700
    assert after["result"].startswith("0x")


def test_an_unknown_subscription_kind_is_named_in_the_error(node: NodeProcess) -> None:
    async def run() -> Any:
        async with connect(ws_url(node)) as socket:
            return await request(socket, "eth_subscribe", ["syncing"])

    error = asyncio.run(run())["error"]
    assert error["code"] == -32602
    assert error["message"] == (
        "unknown subscription kind 'syncing': one of newHeads, logs, newPendingTransactions"
    )


def test_subscriptions_beyond_the_bound_are_refused_and_unsubscribe_frees_one(
    node: NodeProcess,
) -> None:
    async def run() -> tuple[Any, Any, Any, Any]:
        async with connect(ws_url(node), max_queue=None) as socket:
            batch = [
                {
                    "jsonrpc": "2.0",
                    "id": i,
                    "method": "eth_subscribe",
                    "params": ["newPendingTransactions"],
                }
                for i in range(MAX_SUBSCRIPTIONS_PER_CONNECTION)
            ]
            await socket.send(orjson.dumps(batch))
            while True:
                answers = orjson.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
                if isinstance(answers, list):
                    break
            refused = await request(socket, "eth_subscribe", ["newHeads"], ident=10_001)
            freed = await request(socket, "eth_unsubscribe", [answers[0]["result"]], ident=10_002)
            again = await request(socket, "eth_unsubscribe", [answers[0]["result"]], ident=10_003)
            accepted = await request(socket, "eth_subscribe", ["newHeads"], ident=10_004)
            return refused, freed, again, accepted

    refused, freed, again, accepted = asyncio.run(run())
    assert refused["error"]["message"] == (
        f"too many subscriptions on this connection: at most {MAX_SUBSCRIPTIONS_PER_CONNECTION}"
    )
    assert (freed["result"], again["result"]) == (True, False)
    assert accepted["result"].startswith("0x")


def test_a_client_that_does_not_read_is_dropped_and_others_are_served(
    node: NodeProcess,
) -> None:
    """1,000 newHeads subscriptions and a client that stops reading for a while: the node's
    queue for it fills within a few blocks and the node closes the connection (1008) rather
    than hold the messages; the client sees the close once it reads again."""

    async def run() -> tuple[int | None, str, int]:
        # No compression: 1,000 identical heads a block deflate to almost nothing, and the
        # socket buffers would hold minutes of them before the node's queue saw any pressure.
        async with connect(ws_url(node), max_queue=1, close_timeout=30, compression=None) as socket:
            batch = [
                {"jsonrpc": "2.0", "id": i, "method": "eth_subscribe", "params": ["newHeads"]}
                for i in range(MAX_SUBSCRIPTIONS_PER_CONNECTION)
            ]
            await socket.send(orjson.dumps(batch))
            await asyncio.sleep(SLOW_READER_PAUSE)  # the slow reader's pause is what is tested
            drained = 0
            try:
                while True:
                    await asyncio.wait_for(socket.recv(), TIMEOUT)
                    drained += 1
            except ConnectionClosed:
                pass
            return socket.close_code, socket.close_reason or "", drained

    code, reason, drained = asyncio.run(run())
    assert (code, reason) == (1008, f"slow reader: {MAX_QUEUED_MESSAGES} messages unread")
    assert drained < 3 * MAX_QUEUED_MESSAGES  # what was queued and in flight, not every block
    answer = httpx.post(node.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber"})
    assert answer.json()["result"].startswith("0x")


def test_a_browser_page_from_an_origin_not_allowed_is_refused(node: NodeProcess) -> None:
    async def run() -> None:
        async with connect(ws_url(node), origin="http://evil.example"):  # type: ignore[arg-type]
            pass

    with pytest.raises(Exception, match="403"):
        asyncio.run(run())
