"""The explorer's HTTP routes on the node's JSON-RPC port: the page (one HTML file whose script
draws every view: /explorer/, /explorer/block/N, /explorer/tx/H, /explorer/address/A,
/explorer/settlement), its static files, and the JSON it reads under /explorer/api/.

An unknown block, transaction or address answers 404 with {"error": ...}; an L1 that cannot be
read answers 503 for the settlement view (the rest of the explorer does not need L1).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from node.explorer.api import ExplorerApi, NotFound, parse_hash
from node.explorer.settlement_view import SettlementView
from node.rpc_params import RpcError

log = logging.getLogger("rollup.explorer")

STATIC_DIRECTORY = Path(str(resources.files("node.explorer").joinpath("static")))
SETTLEMENT_ITEMS = 20
"""Batches, outputs and games the settlement view lists."""


def answer(build: Callable[[], Any]) -> Response:
    """The JSON `build` returns, or 404 with the reason when it names nothing that exists."""
    try:
        return JSONResponse(build())
    except (NotFound, RpcError) as exc:
        return JSONResponse({"error": str(exc)}, status_code=404)


def mount_explorer(app: FastAPI, api: ExplorerApi, l1_view: SettlementView | None) -> None:
    """Add the explorer to the node's app; `l1_view` (None without L1) feeds the settlement page
    and the withdrawals' status on L1."""

    @app.get("/explorer")
    async def explorer_root() -> Response:
        return RedirectResponse("/explorer/")

    @app.get("/explorer/api/overview")
    async def overview() -> Response:
        return answer(api.get_overview)

    @app.get("/explorer/api/block/{ident}")
    async def block(ident: str) -> Response:
        return answer(lambda: api.get_block(ident))

    @app.get("/explorer/api/tx/{tx_hash}")
    async def transaction(tx_hash: str) -> Response:
        return answer(lambda: api.get_transaction(tx_hash))

    @app.get("/explorer/api/search")
    async def search(q: str = "") -> Response:
        return answer(lambda: {"path": api.search(q)})

    @app.get("/explorer/api/address/{address}")
    async def account(address: str) -> Response:
        try:
            page = api.get_account(address)
        except (NotFound, RpcError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        if l1_view is not None and page["withdrawals"]:
            hashes = [parse_hash(item["withdrawalHash"]) for item in page["withdrawals"]]
            try:
                statuses = await asyncio.to_thread(
                    lambda: [l1_view.read_withdrawal_status(h) for h in hashes]
                )
            except Exception as exc:  # L1 unreachable: the L2 side of the page still stands
                log.warning("explorer: cannot read withdrawals on L1: %s", exc)
                statuses = [f"unknown (L1 unreachable: {exc})"] * len(hashes)
            for item, status in zip(page["withdrawals"], statuses, strict=True):
                item["l1Status"] = status
        return JSONResponse(page)

    @app.get("/explorer/api/settlement")
    async def settlement() -> Response:
        status = api.rpc("rollup_syncStatus")
        heads = {
            "unsafe": status["unsafe_l2"],
            "safe": status["safe_l2"],
            "finalized": status["finalized_l2"],
        }
        if l1_view is None:
            return JSONResponse({"heads": heads, "l1": None, "batcher": status.get("l1")})
        try:
            on_l1 = await asyncio.to_thread(l1_view.read_settlement, SETTLEMENT_ITEMS)
        except Exception as exc:
            return JSONResponse(
                {"heads": heads, "error": f"cannot read L1: {exc}"}, status_code=503
            )
        return JSONResponse({"heads": heads, "batcher": status.get("l1"), **on_l1})

    app.mount("/explorer/static", StaticFiles(directory=STATIC_DIRECTORY), name="explorer-static")

    @app.get("/explorer/{page:path}")
    async def page(page: str) -> Response:
        if page.startswith("api/"):
            return JSONResponse({"error": f"no explorer API /explorer/{page}"}, status_code=404)
        # Every view is drawn by the one page's script from the path (a link can be shared).
        return FileResponse(STATIC_DIRECTORY / "index.html", media_type="text/html")
