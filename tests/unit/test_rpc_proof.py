"""eth_getProof's storageProof entries as ethereum/execution-apis' StorageProof has them: `value`
is a uint256 quantity (no leading zeros; 0x0 for an absent leaf), not 32 bytes of data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from node.rpc import RpcHandler
from rollup.state import account_key, compute_tree_key
from sequencer.role import Sequencer
from tests.unit.test_sequencer_rewind import RECIPIENT, build_with, open_sequencer, signed_transfer


@pytest.fixture
def handler(tmp_path: Path) -> Iterator[RpcHandler]:
    """Block 1 sends 1 wei to RECIPIENT, so RECIPIENT's account leaf exists."""
    sequencer: Sequencer = open_sequencer(tmp_path)
    assert build_with(sequencer, signed_transfer(1, 0)) == 1
    yield RpcHandler(sequencer)
    sequencer.node.close()


def storage_proof(handler: RpcHandler, key: bytes) -> dict[str, object]:
    proof = handler.eth_get_proof(["0x" + RECIPIENT.hex(), ["0x" + key.hex()], "latest"])
    entry: dict[str, object] = proof["storageProof"][0]
    return entry


def test_a_present_leafs_value_is_its_value_hash_as_a_quantity(handler: RpcHandler) -> None:
    key = compute_tree_key(account_key(RECIPIENT))
    value_hash = handler.node.state.tree.get(key)
    assert value_hash is not None
    assert storage_proof(handler, key)["value"] == hex(int.from_bytes(value_hash, "big"))


def test_an_absent_leafs_value_is_zero(handler: RpcHandler) -> None:
    assert storage_proof(handler, bytes.fromhex("ab" * 32))["value"] == "0x0"
