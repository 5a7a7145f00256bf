"""A node's Prometheus metrics (prometheus-client), served on --metrics-port at /metrics by
node.server, on the node's event loop.

Measured as they happen: block build and commit times, transactions included, JSON-RPC time by
method (the node's own methods only, so clients cannot grow the label set). Read at each scrape
from the node and its role: the three L2 heads and the L1 head, the mempool, the L1 figures of
rollup_syncStatus (batches, their bytes and gas, outputs, the output lag, open dispute games) and
the signature-recovery workers' queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from node.role import Role

SECONDS_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class NodeMetrics:
    """The metrics of one node, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.block_build_seconds = Histogram(
            "rollup_block_build_seconds",
            "Time to execute a block the sequencer builds",
            buckets=SECONDS_BUCKETS,
            registry=self.registry,
        )
        self.block_commit_seconds = Histogram(
            "rollup_block_commit_seconds",
            "Time to store a block (built or derived) in the database",
            buckets=SECONDS_BUCKETS,
            registry=self.registry,
        )
        self.transactions_included = Counter(
            "rollup_transactions_included",
            "Transactions included in stored blocks (deposits and forced ones too)",
            registry=self.registry,
        )
        self.rpc_seconds = Histogram(
            "rollup_rpc_request_seconds",
            "Time to answer one JSON-RPC request, by method",
            ["method"],
            buckets=SECONDS_BUCKETS,
            registry=self.registry,
        )

    def observe_block(
        self, transactions: int, build_seconds: float | None, commit_seconds: float
    ) -> None:
        if build_seconds is not None:
            self.block_build_seconds.observe(build_seconds)
        self.block_commit_seconds.observe(commit_seconds)
        self.transactions_included.inc(transactions)

    def watch(self, role: Role) -> None:
        """Also report, at each scrape, what `role` and its node hold."""
        self.registry.register(RoleCollector(role))


class RoleCollector(Collector):
    """The figures read from a role and its node at scrape time."""

    def __init__(self, role: Role) -> None:
        self.role = role

    def collect(self) -> Iterator[Any]:
        node = self.role.node
        head = node.head.number
        heads = GaugeMetricFamily("rollup_l2_head", "Newest L2 block of each head", labels=["head"])
        heads.add_metric(["unsafe"], head)
        heads.add_metric(["safe"], min(node.safe_number, head))
        heads.add_metric(["finalized"], min(node.finalized_number, head))
        yield heads
        follower = node.follower
        if follower is not None:
            yield GaugeMetricFamily(
                "rollup_l1_head", "Newest L1 block the node has read", value=follower.head_number
            )
        pending, queued = self.role.count_waiting()
        mempool = GaugeMetricFamily(
            "rollup_mempool_transactions", "Transactions waiting in the mempool", labels=["state"]
        )
        mempool.add_metric(["pending"], pending)
        mempool.add_metric(["queued"], queued)
        yield mempool
        recovery = node.recovery
        yield GaugeMetricFamily(
            "rollup_recovery_queue_transactions",
            "Transactions sent to the signature-recovery workers and not yet recovered",
            value=recovery.queued if recovery is not None else 0,
        )
        yield from self.collect_l1(self.role.get_l1_stats() or {}, head)

    def collect_l1(self, stats: dict[str, Any], head: int) -> Iterator[Any]:
        for key, name, documentation in (
            ("batches_posted", "rollup_batches_posted", "Batches posted to L1"),
            ("batch_bytes", "rollup_batch_bytes", "Bytes of the batches posted to L1"),
            ("batch_gas", "rollup_batch_gas", "L1 gas paid for batches"),
            ("outputs_proposed", "rollup_outputs_proposed", "Output roots proposed on L1"),
            ("output_gas", "rollup_output_gas", "L1 gas paid for output proposals"),
        ):
            if stats.get(key) is not None:
                yield CounterMetricFamily(name, documentation, value=int(stats[key]))
        latest_output = stats.get("latest_output_block")
        if latest_output is not None:
            yield GaugeMetricFamily(
                "rollup_output_lag_blocks",
                "L2 blocks after the newest one our outputs on L1 cover",
                value=max(0, head - int(latest_output)),
            )
        disputes = stats.get("disputes")
        if disputes is not None:
            yield GaugeMetricFamily(
                "rollup_dispute_games_open",
                "Dispute games open that this node plays",
                value=len(disputes.get("open_games", [])),
            )
