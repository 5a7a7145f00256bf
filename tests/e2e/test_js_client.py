"""A dApp front end's live view with viem (from npm) against the node: blocks and events over
the WebSocket transport, an event filter and a block filter over HTTP (tests/e2e/js)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from web3 import Web3

from tests.e2e.conftest import MAX_UINT, REPO_ROOT, WETH, NodeProcess, account, contract, send

SCRIPT = Path(__file__).parent / "js" / "live_dapp.mjs"


def test_viem_sees_blocks_and_an_approval_over_websocket_and_filters(
    node: NodeProcess, w3: Web3
) -> None:
    owner, spender = account(9), account(3)
    process = subprocess.Popen(
        ["node", str(SCRIPT), node.url, node.url.replace("http://", "ws://"), WETH, owner.address],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline().strip()
        assert ready == "ready", ready
        weth = contract(w3, WETH, "IWETH")
        receipt = send(w3, owner, weth.functions.approve(spender.address, MAX_UINT - 3))
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    seen = json.loads(out.strip().splitlines()[-1])
    expected = {"tx": receipt["transactionHash"].to_0x_hex(), "value": str(MAX_UINT - 3)}
    assert seen["socketEvent"] == expected
    assert seen["filterEvent"] == expected
    assert seen["blocks"] == list(range(seen["blocks"][0], seen["blocks"][0] + len(seen["blocks"])))
    assert len(seen["blocks"]) >= 2  # at least the one before "ready" and one after
    assert seen["filterBlocks"] == [
        w3.eth.get_block(number)["hash"].to_0x_hex()
        for number in range(
            w3.eth.get_block(seen["filterBlocks"][0])["number"],
            w3.eth.get_block(seen["filterBlocks"][0])["number"] + len(seen["filterBlocks"]),
        )
    ]
    assert seen["uninstalled"] is True
