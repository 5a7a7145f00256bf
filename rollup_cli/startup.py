"""What a node checks before it serves: its database and its L1 answer, waiting a bounded time for
servers that are still starting (PostgreSQL and anvil under docker compose), and the L1 is the
chain its deployment was made on. Each failure is one clear line for `docker compose logs`."""

from __future__ import annotations

import logging
from pathlib import Path

from l1.backoff import retry_for
from l1.deploy import Deployment
from l1.rpc import L1Client, L1Error
from node.storage import Storage

STARTUP_WAIT_SECONDS = 60.0
"""How long a starting node waits for its database and its L1 by default."""

log = logging.getLogger("rollup.startup")


class StartupFailed(Exception):
    """The node cannot start: the message says what is wrong and with what."""


def open_storage(url: str, wait_seconds: float) -> Storage:
    """The node's database, waiting up to `wait_seconds` for its server to accept connections."""
    return Storage.open(url, wait_seconds, on_retry=log.warning)


def read_l1_chain_id(l1_rpc: str, wait_seconds: float) -> int:
    """The chain id the L1 at `l1_rpc` answers, asking again for up to `wait_seconds` while it
    does not answer at all. Raises StartupFailed once the wait is over."""

    def report(exc: Exception) -> None:
        log.warning("L1 at %s not ready (%s); retrying", l1_rpc, exc)

    with L1Client(l1_rpc, timeout=5.0) as client:
        try:
            return retry_for(wait_seconds, client.chain_id, L1Error, report)
        except L1Error as exc:
            raise StartupFailed(
                f"cannot reach the L1 at {l1_rpc} (waited {wait_seconds:g} s): {exc}"
            ) from exc


def check_l1_chain(
    l1_rpc: str, deployment: Deployment, deployment_file: Path, wait_seconds: float
) -> None:
    """Raise StartupFailed unless the L1 at `l1_rpc` is the chain `deployment` was made on: a
    node pointed at another chain would read no batches and post to contracts that are not
    there."""
    chain_id = read_l1_chain_id(l1_rpc, wait_seconds)
    if chain_id != deployment.l1_chain_id:
        raise StartupFailed(
            f"the L1 at {l1_rpc} is chain {chain_id}, but the deployment {deployment_file} "
            f"was made on chain {deployment.l1_chain_id}"
        )
