"""Several threads write one SQLite store (the builder's blocks, the settlement worker's records):
every writing transaction takes the write lock at BEGIN, so a second writer waits (busy_timeout)
instead of failing at once when it writes after reading (SQLITE_BUSY on a stale snapshot)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from node.storage import Storage


def test_a_writing_transaction_holds_the_write_lock_from_its_start(tmp_path: Path) -> None:
    storage = Storage.open(f"sqlite:///{tmp_path}/node.db")
    other = sqlite3.connect(tmp_path / "node.db", timeout=0, isolation_level=None)
    try:
        with (
            storage._writer.begin(),
            pytest.raises(sqlite3.OperationalError, match="locked"),
        ):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released at commit
        other.execute("ROLLBACK")
    finally:
        other.close()
        storage.close()
