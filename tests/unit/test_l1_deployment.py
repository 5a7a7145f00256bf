"""The deployment document the devnet writes and the other roles read; CREATE addresses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import encode

from l1.artifacts import ArtifactError
from l1.deploy import Deployment, compute_create_address, plan_one_step_prover
from rollup.config import ChainConfig

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
    dispute_game=b"\x09" * 20,
    one_step_prover=b"\x0a" * 20,
)


def test_document_round_trips() -> None:
    assert Deployment.from_json(EXAMPLE.to_json()) == EXAMPLE


def test_document_writes_addresses_as_hex_and_numbers_as_numbers() -> None:
    document = json.loads(EXAMPLE.to_json())
    assert document["bridge"] == "0x" + "03" * 20
    assert document["bond"] == 10**18
    assert document["version"] == 1


def test_document_written_before_dispute_games_still_reads() -> None:
    document = json.loads(EXAMPLE.to_json())
    del document["dispute_game"]
    del document["one_step_prover"]
    deployment = Deployment.from_json(json.dumps(document))
    assert (deployment.dispute_game, deployment.one_step_prover) == (bytes(20), bytes(20))
    assert deployment.bridge == EXAMPLE.bridge


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


def test_prover_plan_fills_constructors_from_the_abi(tmp_path: Path) -> None:
    """OneStepProver(batchInbox, bridge, TransactionRunner runner, ChainParams params) with
    TransactionRunner(ISystemModule tokenModule): the module, the runner, then the prover."""

    def write(name: str, inputs: list[dict[str, Any]], bytecode: str = "0x6000") -> None:
        directory = tmp_path / f"{name}.sol"
        directory.mkdir()
        abi = [{"type": "constructor", "inputs": inputs}] if inputs else []
        document = {"abi": abi, "bytecode": {"object": bytecode}}
        (directory / f"{name}.json").write_text(json.dumps(document))

    address = {"type": "address"}
    write(
        "OneStepProver",
        [
            {**address, "name": "_batchInbox", "internalType": "contract IBatchHashes"},
            {**address, "name": "_bridge", "internalType": "contract IMessageQueue"},
            {**address, "name": "_runner", "internalType": "contract TransactionRunner"},
            {
                "name": "_params",
                "type": "tuple",
                "components": [
                    {"name": "chainId", "type": "uint256"},
                    {"name": "blockGasLimit", "type": "uint256"},
                ],
            },
        ],
    )
    write(
        "TransactionRunner",
        [{**address, "name": "_tokenModule", "internalType": "contract ISystemModule"}],
    )
    write("ISystemModule", [], bytecode="0x")
    write("TokenModule", [])
    deployer = b"\x01" * 20
    creations = plan_one_step_prover(
        "OneStepProver",
        b"\x0b" * 20,
        b"\x0c" * 20,
        ChainConfig(chain_id=42, block_gas_limit=30_000_000),
        deployer,
        5,
        tmp_path,
    )
    assert [name for name, _ in creations] == ["TokenModule", "TransactionRunner", "OneStepProver"]
    assert creations[1][1] == encode(["address"], [compute_create_address(deployer, 5)])
    assert creations[2][1] == encode(
        ["address", "address", "address", "(uint256,uint256)"],
        [b"\x0b" * 20, b"\x0c" * 20, compute_create_address(deployer, 6), (42, 30_000_000)],
    )


def test_prover_plan_refuses_an_argument_it_cannot_fill(tmp_path: Path) -> None:
    directory = tmp_path / "OneStepProver.sol"
    directory.mkdir()
    abi = [{"type": "constructor", "inputs": [{"name": "_mystery", "type": "uint256"}]}]
    (directory / "OneStepProver.json").write_text(
        json.dumps({"abi": abi, "bytecode": {"object": "0x6000"}})
    )
    with pytest.raises(ArtifactError, match="mystery"):
        plan_one_step_prover(
            "OneStepProver", bytes(20), bytes(20), ChainConfig(chain_id=1), bytes(20), 0, tmp_path
        )
