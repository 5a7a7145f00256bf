"""The committed one-step-proof vectors are what the Python step machine produces today."""

from __future__ import annotations

from pathlib import Path

from scripts.gen_machine_vectors import (
    DEFI_OUTPUT,
    OUTPUT,
    RULES_OUTPUT,
    build_defi_vectors,
    build_rules_vectors,
    build_vectors,
)


def test_committed_machine_vectors_equal_a_fresh_generation() -> None:
    assert Path(OUTPUT).read_text() == build_vectors(), (
        "contracts/test/vectors/machine.json is stale: run python scripts/gen_machine_vectors.py"
    )


def test_committed_defi_machine_vectors_equal_a_fresh_generation() -> None:
    assert Path(DEFI_OUTPUT).read_text() == build_defi_vectors(), (
        "contracts/test/vectors/machine_defi.json is stale: run python scripts/gen_machine_vectors.py"
    )


def test_committed_rules_machine_vectors_equal_a_fresh_generation() -> None:
    assert Path(RULES_OUTPUT).read_text() == build_rules_vectors(), (
        "contracts/test/vectors/machine_rules.json is stale: run python scripts/gen_machine_vectors.py"
    )
