"""Deploying the rollup's L1 contracts and describing the result for the other roles.

`rollup devnet` (and the docker-compose deployer) deploys BatchInbox, OutputOracle and Bridge (and
an open-mint TestERC20 for devnet deposits) once, then writes a `Deployment` document that the
sequencer, the verifier and the CLI read: contract addresses, the L1 chain id, the roles' addresses
and the L1 block where the deployment finished, from which derivation reads L1 (no rollup event
can be older).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import rlp
from eth_abi.abi import encode as abi_encode

from l1.artifacts import load_artifact
from l1.rpc import L1Client, L1Receipt
from l1.sender import L1Sender, L1TransactionFailed
from rollup.crypto import keccak256

TEST_TOKEN_NAME = "Test Token"
TEST_TOKEN_SYMBOL = "TT"
TEST_TOKEN_DECIMALS = 18
DEPLOY_TIMEOUT = 120.0

DEPLOYMENT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Deployment:
    """Where the rollup lives on L1 and how it was configured there."""

    l1_chain_id: int
    batch_inbox: bytes
    output_oracle: bytes
    bridge: bytes
    test_token: bytes
    deployer: bytes
    sequencer: bytes
    proposer: bytes
    challenger: bytes
    submission_interval: int
    finalization_period_seconds: int
    bond: int
    deploy_block_number: int
    """The L1 block the last deployment transaction was mined in; derivation starts here."""
    deploy_block_hash: bytes

    def to_json(self) -> str:
        """A JSON document: addresses and hashes as 0x-hex, numbers as JSON numbers."""
        document: dict[str, Any] = {"version": DEPLOYMENT_VERSION}
        for key, value in asdict(self).items():
            document[key] = "0x" + value.hex() if isinstance(value, bytes) else value
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Deployment:
        """Inverse of to_json; raises ValueError naming the field that is missing or malformed."""
        document = json.loads(text)
        if not isinstance(document, dict):
            raise ValueError("a deployment document is a JSON object")
        if document.get("version", DEPLOYMENT_VERSION) != DEPLOYMENT_VERSION:
            raise ValueError(f"unsupported deployment document version {document.get('version')}")
        values: dict[str, Any] = {}
        for field in fields(cls):
            if field.name not in document:
                raise ValueError(f"deployment document lacks {field.name}")
            raw = document[field.name]
            expects_bytes = field.type in ("bytes", bytes)
            if expects_bytes:
                if not isinstance(raw, str) or not raw.startswith("0x"):
                    raise ValueError(f"deployment {field.name} must be 0x-hex, got {raw!r}")
                values[field.name] = bytes.fromhex(raw[2:])
            else:
                if not isinstance(raw, int) or isinstance(raw, bool):
                    raise ValueError(f"deployment {field.name} must be an integer, got {raw!r}")
                values[field.name] = raw
        return cls(**values)

    def write(self, path: Path) -> None:
        """Write atomically, so a role starting concurrently never reads half a document."""
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(self.to_json())
        temporary.replace(path)

    @classmethod
    def read(cls, path: Path) -> Deployment:
        return cls.from_json(path.read_text())


def deploy_rollup_contracts(
    client: L1Client,
    deployer_key: bytes,
    sequencer_address: bytes,
    proposer_address: bytes,
    challenger_address: bytes,
    submission_interval: int,
    finalization_period_seconds: int,
    bond: int,
    *,
    out_dir: Path | None = None,
    timeout: float = DEPLOY_TIMEOUT,
) -> Deployment:
    """Deploy BatchInbox, OutputOracle, Bridge and a devnet TestERC20 from `deployer_key`.

    The four creations are sent back to back (consecutive nonces) and then awaited, so they take
    one or two L1 blocks rather than four. The Bridge's constructor needs the OutputOracle's
    address before it is mined, which the deployer's nonce determines (CREATE address).
    Raises L1TransactionFailed if a creation reverts.
    """
    sender = L1Sender(client, deployer_key)
    first_nonce = sender.next_nonce
    output_oracle_address = compute_create_address(sender.address, first_nonce + 1)
    creations = [
        ("BatchInbox", abi_encode(["address"], [sequencer_address])),
        (
            "OutputOracle",
            abi_encode(
                ["address", "address", "uint256", "uint256", "uint256"],
                [
                    proposer_address,
                    challenger_address,
                    submission_interval,
                    finalization_period_seconds,
                    bond,
                ],
            ),
        ),
        ("Bridge", abi_encode(["address"], [output_oracle_address])),
        (
            "TestERC20",
            abi_encode(
                ["string", "string", "uint8"],
                [TEST_TOKEN_NAME, TEST_TOKEN_SYMBOL, TEST_TOKEN_DECIMALS],
            ),
        ),
    ]
    tx_hashes = []
    for name, constructor_arguments in creations:
        init_code = load_artifact(name, out_dir).bytecode + constructor_arguments
        tx_hashes.append(sender.send(None, init_code))
    receipts: list[L1Receipt] = []
    for (name, _), tx_hash in zip(creations, tx_hashes, strict=True):
        try:
            receipts.append(sender.wait_for_receipt(tx_hash, timeout=timeout))
        except L1TransactionFailed as exc:
            raise L1TransactionFailed(exc.receipt, f"deploying {name}: {exc.reason}") from exc
    addresses = [receipt.contract_address for receipt in receipts]
    if any(address is None for address in addresses):
        raise RuntimeError("a creation receipt has no contract address")
    batch_inbox, output_oracle, bridge, test_token = (a for a in addresses if a is not None)
    if output_oracle != output_oracle_address:
        raise RuntimeError(
            "OutputOracle was deployed at an unexpected address; the deployer key was used "
            "concurrently (the Bridge points at the predicted address)"
        )
    last = max(receipts, key=lambda receipt: receipt.block_number)
    return Deployment(
        l1_chain_id=sender.chain_id,
        batch_inbox=batch_inbox,
        output_oracle=output_oracle,
        bridge=bridge,
        test_token=test_token,
        deployer=sender.address,
        sequencer=sequencer_address,
        proposer=proposer_address,
        challenger=challenger_address,
        submission_interval=submission_interval,
        finalization_period_seconds=finalization_period_seconds,
        bond=bond,
        deploy_block_number=last.block_number,
        deploy_block_hash=last.block_hash,
    )


def compute_create_address(deployer: bytes, nonce: int) -> bytes:
    """The address of the contract `deployer` creates with `nonce` (CREATE):
    keccak256(rlp([deployer, nonce]))[12:]."""
    return keccak256(rlp.encode([deployer, nonce]))[12:]
