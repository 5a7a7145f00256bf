"""The deployment document the devnet writes and the other roles read; CREATE addresses."""

from __future__ import annotations

import json

import pytest

from l1.deploy import Deployment, compute_create_address

EXAMPLE = Deployment(
    l1_chain_id=31337,
    batch_inbox=b"\x01" * 20,
    output_oracle=b"\x02" * 20,
    bridge=b"\x03" * 20,
    test_token=b"\x04" * 20,
    deployer=b"\x05" * 20,
    sequencer=b"\x06" * 20,
    proposer=b"\x07" * 20,
    challenger=b"\x08" * 20,
    submission_interval=10,
    finalization_period_seconds=60,
    bond=10**18,
    deploy_block_number=4,
    deploy_block_hash=b"\xaa" * 32,
)


def test_document_round_trips() -> None:
    assert Deployment.from_json(EXAMPLE.to_json()) == EXAMPLE


def test_document_writes_addresses_as_hex_and_numbers_as_numbers() -> None:
    document = json.loads(EXAMPLE.to_json())
    assert document["bridge"] == "0x" + "03" * 20
    assert document["bond"] == 10**18
    assert document["version"] == 1


def test_document_without_a_field_is_refused_naming_it() -> None:
    document = json.loads(EXAMPLE.to_json())
    del document["bridge"]
    with pytest.raises(ValueError, match="lacks bridge"):
        Deployment.from_json(json.dumps(document))


def test_document_with_a_malformed_address_is_refused() -> None:
    document = json.loads(EXAMPLE.to_json())
    document["bridge"] = 5
    with pytest.raises(ValueError, match="bridge must be 0x-hex"):
        Deployment.from_json(json.dumps(document))


def test_create_address_of_the_first_anvil_deployment() -> None:
    deployer = bytes.fromhex("f39fd6e51aad88f6f4ce6ab8827279cfffb92266")
    assert compute_create_address(deployer, 0).hex() == "5fbdb2315678afecb367f032d93f642f64180aa3"
    assert compute_create_address(deployer, 1).hex() == "e7f1725e7734ce288f8367e1bb143e90bb3f0512"
