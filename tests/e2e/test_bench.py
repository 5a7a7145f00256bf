"""`rollup bench --quick`: one small run against the real node and anvil, every figure printed.

No figure is asserted (the machine may be shared): only that the run completes, includes what it
sent, prints every row and column, and writes its JSON.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.e2e.conftest import run_rollup

ROWS = (
    "accepted tx/s",
    "included tx/s (receipts)",
    "included / sent",
    "rejected / reverted",
    "latency to receipt p50 (burst)",
    "latency to receipt p99 (burst)",
    "latency p50 at",
    "latency p99 at",
    "node peak RSS",
    "CPU per included tx",
    "signature ceiling (all cores)",
    "included / ceiling",
    "L1 bytes per tx",
    "L1 gas per tx",
    "verifier replay tx/s",
)
COLUMNS = ("metric", "rollup node", "anvil", "node / anvil")


def test_quick_bench_prints_every_row_and_column_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    printed = run_rollup("bench", "--quick", "--json", str(out))
    for label in ROWS + COLUMNS:
        assert label in printed, label
    results = orjson.loads(out.read_bytes())
    burst = results["node"]["burst"]
    assert burst["included"] == burst["sent"] == 2_000
    assert results["node"]["steady"]["included"] > 0
    assert results["anvil"]["included"] == 2_000
    assert results["signature_ceiling_per_s"] > 0
