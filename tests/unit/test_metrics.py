"""The node's Prometheus metrics (node.metrics), read back through prometheus-client's own
exposition format and parser, as Prometheus would scrape them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from node.rpc import RpcHandler
from sequencer.role import Sequencer
from tests.unit.test_sequencer_rewind import build_with, open_sequencer, signed_transfer


@pytest.fixture
def sequencer(tmp_path: Path) -> Iterator[Sequencer]:
    """Blocks 1-3, one transfer each; the role's figures watched."""
    running = open_sequencer(tmp_path)
    for nonce in range(3):
        build_with(running, signed_transfer(1, nonce))
    running.node.metrics.watch(running)
    yield running
    running.node.close()


def scrape(sequencer: Sequencer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(sequencer.node.metrics.registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_each_stored_block_counts_its_transactions_and_times(sequencer: Sequencer) -> None:
    samples = scrape(sequencer)
    assert samples[("rollup_transactions_included_total", ())] == 3
    assert samples[("rollup_block_build_seconds_count", ())] == 3
    assert samples[("rollup_block_commit_seconds_count", ())] == 3


def test_the_three_heads_are_the_nodes(sequencer: Sequencer) -> None:
    sequencer.node.safe_number, sequencer.node.finalized_number = 2, 1
    samples = scrape(sequencer)
    assert [
        samples[("rollup_l2_head", (("head", head),))] for head in ("unsafe", "safe", "finalized")
    ] == [3, 2, 1]
    assert samples[("rollup_l1_head", ())] == 1  # the follower's newest L1 block


def test_the_mempool_counts_ready_and_nonce_gapped_transactions(sequencer: Sequencer) -> None:
    sequencer.submit_transaction(signed_transfer(1, 3))  # ready
    sequencer.submit_transaction(signed_transfer(1, 5))  # waits for nonce 4
    samples = scrape(sequencer)
    assert samples[("rollup_mempool_transactions", (("state", "pending"),))] == 1
    assert samples[("rollup_mempool_transactions", (("state", "queued"),))] == 1


def test_rpc_time_is_recorded_by_method_for_the_nodes_methods_only(sequencer: Sequencer) -> None:
    handler = RpcHandler(sequencer)
    for method in ("eth_blockNumber", "eth_blockNumber", "no_suchMethod"):
        body = b'{"jsonrpc":"2.0","id":1,"method":"%s","params":[]}' % method.encode()
        asyncio.run(handler.handle_body(body))
    samples = scrape(sequencer)
    assert samples[("rollup_rpc_request_seconds_count", (("method", "eth_blockNumber"),))] == 2
    assert not [key for key in samples if ("method", "no_suchMethod") in key[1]]
