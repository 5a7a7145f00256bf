"""The committed one-step-proof vectors are what the Python step machine produces today."""

from __future__ import annotations

from pathlib import Path

from scripts.gen_machine_vectors import OUTPUT, build_vectors


def test_committed_machine_vectors_equal_a_fresh_generation() -> None:
    assert Path(OUTPUT).read_text() == build_vectors(), (
        "contracts/test/vectors/machine.json is stale: run python scripts/gen_machine_vectors.py"
    )
