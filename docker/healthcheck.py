#!/usr/bin/env python3
"""Container health check: POST eth_chainId to a JSON-RPC endpoint, using the standard library only.

usage: healthcheck.py [URL] [EXPECTED_CHAIN_ID]

Exits 0 when URL (default http://127.0.0.1:8545) answers eth_chainId with a chain id, equal to
EXPECTED_CHAIN_ID when one is given; exits 1 otherwise. Proxy variables are ignored: the endpoint is
always inside the container.
"""

from __future__ import annotations

import json
import sys
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8545"
TIMEOUT_SECONDS = 4.0


def fetch_chain_id(url: str) -> int:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
        reply = json.load(response)
    return int(reply["result"], 16)


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    expected = int(argv[2]) if len(argv) > 2 else None
    try:
        chain_id = fetch_chain_id(url)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"unhealthy: {url}: {exc!r}", file=sys.stderr)
        return 1
    if expected is not None and chain_id != expected:
        print(f"unhealthy: {url}: chain id {chain_id}, expected {expected}", file=sys.stderr)
        return 1
    print(f"healthy: {url}: chain id {chain_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
