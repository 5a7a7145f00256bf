"""Deploying the rollup's L1 contracts and describing the result for the other roles.

`rollup devnet` (and the docker-compose deployer) deploys BatchInbox, OutputOracle, Bridge, the
DisputeGame (the OutputOracle's challenger), the OneStepProver with its modules when its artifact
exists (and an open-mint TestERC20 for devnet deposits) once, then writes a `Deployment` document
that the sequencer, the verifier and the CLI read: contract addresses, the L1 chain id, the roles'
addresses and the L1 block where the deployment finished, from which derivation reads L1 (no
rollup event can be older).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import Any

import rlp
from eth_abi.abi import encode as abi_encode

from l1.artifacts import Artifact, ArtifactError, load_artifact
from l1.contracts.output_oracle import OutputOracle
from l1.rpc import L1Client, L1Receipt
from l1.sender import L1Sender, L1TransactionFailed
from rollup.config import ChainConfig
from rollup.crypto import keccak256

log = logging.getLogger("rollup.deploy")

TEST_TOKEN_NAME = "Test Token"
TEST_TOKEN_SYMBOL = "TT"
TEST_TOKEN_DECIMALS = 18
DEPLOY_TIMEOUT = 120.0
DEFAULT_GAME_MAX_DEPTH = 24
"""Bisection depth: 2^24 steps per output range (submission interval x (steps per block))."""
DEFAULT_GAME_CLOCK_DURATION = 3600
"""Each party's chess clock in a dispute game, in seconds (devnet)."""
DEFAULT_PROPOSAL_TIMEOUT = 7 * 24 * 3600
"""Seconds without a new output after which anyone may propose one (exit without the operator)."""
ONE_STEP_PROVER = "OneStepProver"

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
    dispute_game: bytes = bytes(20)
    """The DisputeGame, the OutputOracle's challenger (`challenger` is the challenger role's
    account, which plays games). Zero in documents written before games existed."""
    one_step_prover: bytes = bytes(20)
    """The DisputeGame's one-step prover; zero when none was deployed (games then end only by
    timeout)."""
    proposal_timeout: int = DEFAULT_PROPOSAL_TIMEOUT
    """Seconds without a new output after which anyone may propose one."""

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
                if field.default is not MISSING:
                    continue  # a field added later; older documents lack it
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
    game_bond: int | None = None,
    game_max_depth: int = DEFAULT_GAME_MAX_DEPTH,
    game_clock_duration: int = DEFAULT_GAME_CLOCK_DURATION,
    proposal_timeout: int = DEFAULT_PROPOSAL_TIMEOUT,
    prover_address: bytes | None = None,
    chain_config: ChainConfig | None = None,
    genesis_machine_hash: bytes | Callable[[Deployment], bytes] | None = None,
    out_dir: Path | None = None,
    timeout: float = DEPLOY_TIMEOUT,
) -> Deployment:
    """Deploy BatchInbox, OutputOracle, Bridge, a devnet TestERC20, the one-step prover and the
    DisputeGame from `deployer_key`.

    The OutputOracle's challenger is the DisputeGame (`challenger_address` is only recorded: the
    account of the challenger role, which opens games like anyone). The game's bond is
    `game_bond` (default: the output bond), its depth `game_max_depth` and each party's clock
    `game_clock_duration` seconds. Anyone may propose an output once `proposal_timeout` seconds
    have passed without one.

    The prover is `prover_address` if given; otherwise, with a `chain_config` and a forge
    artifact OneStepProver, a new OneStepProver with the contracts its constructor takes
    (deploy_one_step_prover); otherwise none (zero: games end only by timeout).

    The oracle needs the genesis machine hash (keccak256(abi.encode(genesis StepState))): as
    bytes it goes into the constructor; as a callable it is computed from the Deployment once
    the contracts are mined (the genesis is anchored at `deploy_block_number`, so it can only be
    known then) and set with setGenesisMachineHash; None leaves it unset (no dispute over output
    0 can start).

    The creations are sent back to back (consecutive nonces) and then awaited, so they take one
    or two L1 blocks rather than one each. Constructors that need the address of a contract
    created later get it from the deployer's nonce (CREATE address). Raises L1TransactionFailed
    if a creation reverts.
    """
    sender = L1Sender(client, deployer_key)
    first_nonce = sender.next_nonce
    batch_inbox_address = compute_create_address(sender.address, first_nonce)
    output_oracle_address = compute_create_address(sender.address, first_nonce + 1)
    bridge_address = compute_create_address(sender.address, first_nonce + 2)
    creations: list[tuple[str, bytes]] = [
        ("BatchInbox", abi_encode(["address"], [sequencer_address])),
        ("OutputOracle", b""),  # its arguments need the DisputeGame's address, known below
        ("Bridge", abi_encode(["address"], [output_oracle_address])),
        (
            "TestERC20",
            abi_encode(
                ["string", "string", "uint8"],
                [TEST_TOKEN_NAME, TEST_TOKEN_SYMBOL, TEST_TOKEN_DECIMALS],
            ),
        ),
    ]
    if (
        prover_address is None
        and chain_config is not None
        and _has_artifact(ONE_STEP_PROVER, out_dir)
    ):
        prover_creations = plan_one_step_prover(
            ONE_STEP_PROVER,
            batch_inbox_address,
            bridge_address,
            chain_config,
            sender.address,
            first_nonce + len(creations),
            out_dir,
        )
        creations += prover_creations
        prover_address = compute_create_address(sender.address, first_nonce + len(creations) - 1)
    elif prover_address is None:
        log.warning("no one-step prover deployed: dispute games can end only by timeout")
    prover = prover_address if prover_address is not None else bytes(20)
    dispute_game_address = compute_create_address(sender.address, first_nonce + len(creations))
    creations.append(
        (
            "DisputeGame",
            abi_encode(
                ["address", "address", "uint256", "uint256", "uint256"],
                [
                    output_oracle_address,
                    prover,
                    bond if game_bond is None else game_bond,
                    game_max_depth,
                    game_clock_duration,
                ],
            ),
        )
    )
    creations[1] = (
        "OutputOracle",
        abi_encode(
            ["address", "address", "uint256", "uint256", "uint256", "bytes32", "uint256"],
            [
                proposer_address,
                dispute_game_address,
                submission_interval,
                finalization_period_seconds,
                bond,
                genesis_machine_hash if isinstance(genesis_machine_hash, bytes) else bytes(32),
                proposal_timeout,
            ],
        ),
    )
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
    for offset, ((name, _), receipt) in enumerate(zip(creations, receipts, strict=True)):
        if receipt.contract_address != compute_create_address(sender.address, first_nonce + offset):
            raise RuntimeError(
                f"{name} was deployed at an unexpected address; the deployer key was used "
                "concurrently (the other contracts point at the predicted address)"
            )
    last = max(receipts, key=lambda receipt: receipt.block_number)
    deployment = Deployment(
        l1_chain_id=sender.chain_id,
        batch_inbox=batch_inbox_address,
        output_oracle=output_oracle_address,
        bridge=bridge_address,
        test_token=compute_create_address(sender.address, first_nonce + 3),
        deployer=sender.address,
        sequencer=sequencer_address,
        proposer=proposer_address,
        challenger=challenger_address,
        submission_interval=submission_interval,
        finalization_period_seconds=finalization_period_seconds,
        bond=bond,
        deploy_block_number=last.block_number,
        deploy_block_hash=last.block_hash,
        dispute_game=dispute_game_address,
        one_step_prover=prover,
        proposal_timeout=proposal_timeout,
    )
    if callable(genesis_machine_hash):
        machine_hash = genesis_machine_hash(deployment)
        try:
            sender.send_and_wait(
                output_oracle_address,
                OutputOracle.encode_set_genesis_machine_hash(machine_hash),
                timeout=timeout,
            )
        except L1TransactionFailed as exc:
            raise L1TransactionFailed(
                exc.receipt, f"setting the genesis machine hash: {exc.reason}"
            ) from exc
    return deployment


def plan_one_step_prover(
    name: str,
    batch_inbox: bytes,
    bridge: bytes,
    chain_config: ChainConfig,
    deployer: bytes,
    first_nonce: int,
    out_dir: Path | None = None,
) -> list[tuple[str, bytes]]:
    """The creations (artifact name, encoded constructor arguments) that deploy contract `name`
    (the OneStepProver) from `deployer` starting at `first_nonce`, `name` last.

    Constructor arguments are filled from the artifact's ABI, by parameter name: `batchInbox` and
    `bridge` are those addresses; a uint (or a struct of uints) is the ChainConfig field of the
    same name in snake_case (`blockGasLimit` -> block_gas_limit); any other contract parameter is
    a contract deployed first, the artifact of its type (`TransactionRunner _runner`) or, for an
    interface type, of its name (`ISystemModule _tokenModule` -> TokenModule). Raises
    ArtifactError when an argument cannot be filled.
    """
    creations: list[tuple[str, bytes]] = []
    known = {"batchinbox": batch_inbox, "bridge": bridge}
    deployed: dict[str, bytes] = {}

    def deploy(contract: str) -> bytes:
        if contract in deployed:
            return deployed[contract]
        artifact = load_artifact(contract, out_dir)
        inputs: list[dict[str, Any]] = next(
            (entry["inputs"] for entry in artifact.abi if entry["type"] == "constructor"), []
        )
        types = [_canonical_type(entry) for entry in inputs]
        values = [
            _constructor_value(contract, entry, known, chain_config, deploy, out_dir)
            for entry in inputs
        ]
        creations.append((contract, abi_encode(types, values)))
        address = compute_create_address(deployer, first_nonce + len(creations) - 1)
        deployed[contract] = address
        return address

    deploy(name)
    return creations


def _constructor_value(
    contract: str,
    entry: dict[str, Any],
    known: dict[str, bytes],
    chain_config: ChainConfig,
    deploy: Callable[[str], bytes],
    out_dir: Path | None,
) -> Any:
    """The value of constructor parameter `entry` (see plan_one_step_prover)."""
    name = str(entry["name"]).lstrip("_")
    abi_type = str(entry["type"])
    if abi_type == "tuple":
        return tuple(
            _constructor_value(contract, component, known, chain_config, deploy, out_dir)
            for component in entry["components"]
        )
    if abi_type == "address":
        if name.lower() in known:
            return known[name.lower()]
        internal = str(entry.get("internalType", "")).removeprefix("contract ")
        for candidate in (internal, name[:1].upper() + name[1:]):
            if candidate and _has_artifact(candidate, out_dir):
                return deploy(candidate)
        raise ArtifactError(f"{contract}: no contract to deploy for constructor argument {name}")
    if abi_type.startswith("uint"):
        field = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        if hasattr(chain_config, field):
            return int(getattr(chain_config, field))
    raise ArtifactError(f"{contract}: cannot fill constructor argument {name} ({abi_type})")


def _canonical_type(entry: dict[str, Any]) -> str:
    abi_type = str(entry["type"])
    if abi_type.startswith("tuple"):
        inner = ",".join(_canonical_type(component) for component in entry["components"])
        return f"({inner})" + abi_type[len("tuple") :]
    return abi_type


def _has_artifact(name: str, out_dir: Path | None = None) -> bool:
    """Whether a deployable (non-abstract, non-interface) artifact `name` exists."""
    try:
        artifact: Artifact = load_artifact(name, out_dir)
    except ArtifactError:
        return False
    return bool(artifact.bytecode)


def compute_create_address(deployer: bytes, nonce: int) -> bytes:
    """The address of the contract `deployer` creates with `nonce` (CREATE):
    keccak256(rlp([deployer, nonce]))[12:]."""
    return keccak256(rlp.encode([deployer, nonce]))[12:]
