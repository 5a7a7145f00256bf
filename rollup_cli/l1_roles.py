"""Wiring the roles to an L1: the devnet's anvil and deployment, the sequencer's settlement and the
verifier's derivation, from command-line options."""

from __future__ import annotations

import threading
from typing import Any

from l1.anvil import Anvil
from l1.artifacts import build_artifacts, find_missing_artifacts
from l1.deploy import Deployment, deploy_rollup_contracts
from l1.follower import L1Follower
from l1.rpc import L1Client
from l1.sender import L1Sender
from prover.dispute import DisputePlayer, L1GameChain, NodeTraceProvider
from prover.inputs import L1InputReader
from prover.verifier import Verifier
from rollup.crypto import compute_private_key_address
from rollup.genesis import build_genesis, load_default_genesis_document
from rollup.machine import make_genesis_step_state
from sequencer.batcher import Batcher
from sequencer.node import Node
from sequencer.proposer import Proposer
from sequencer.settlement import Settlement

# Roles of anvil's dev accounts on the devnet's L1 (the same mnemonic as the L2's dev accounts).
L1_DEPLOYER_KEY = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
L1_BATCHER_KEY = bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
L1_PROPOSER_KEY = bytes.fromhex("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
L1_CHALLENGER_KEY = bytes.fromhex(
    "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"
)
DEVNET_SUBMISSION_INTERVAL = 10
DEVNET_FINALIZATION_PERIOD = 12
DEVNET_BOND = 10**17
DEVNET_GAME_MAX_DEPTH = 24
DEVNET_GAME_CLOCK_DURATION = 3600
SEQUENCER_L1_CONFIRMATIONS = 1


def start_devnet_l1(
    block_time: float,
    port: int | None = None,
    finalization_period: int = DEVNET_FINALIZATION_PERIOD,
    submission_interval: int = DEVNET_SUBMISSION_INTERVAL,
    game_max_depth: int = DEVNET_GAME_MAX_DEPTH,
    game_clock_duration: int = DEVNET_GAME_CLOCK_DURATION,
) -> tuple[Anvil, Deployment]:
    """Start anvil in interval mining and deploy the rollup's contracts on it."""
    if find_missing_artifacts():
        build_artifacts()
    anvil = Anvil(block_time=block_time, port=port)
    anvil.start()
    client = anvil.client
    try:
        deployment = deploy_rollup_contracts(
            client,
            L1_DEPLOYER_KEY,
            sequencer_address=compute_private_key_address(L1_BATCHER_KEY),
            proposer_address=compute_private_key_address(L1_PROPOSER_KEY),
            challenger_address=compute_private_key_address(L1_CHALLENGER_KEY),
            submission_interval=submission_interval,
            finalization_period_seconds=finalization_period,
            bond=DEVNET_BOND,
            game_max_depth=game_max_depth,
            game_clock_duration=game_clock_duration,
            chain_config=build_genesis(load_default_genesis_document()).config,
            genesis_machine_hash=lambda deployment: compute_genesis_machine_hash(
                make_devnet_genesis(client, deployment)
            ),
        )
    except Exception:
        anvil.stop()
        raise
    return anvil, deployment


def make_devnet_genesis(client: L1Client, deployment: Deployment) -> dict[str, Any]:
    """The default genesis anchored at the deployment's L1 block."""
    origin = client.get_block(deployment.deploy_block_number)
    document = load_default_genesis_document()
    document["timestamp"] = origin.timestamp
    document["l1OriginNumber"] = origin.number
    document["l1OriginHash"] = "0x" + origin.hash.hex()
    return document


def compute_genesis_machine_hash(document: dict[str, Any]) -> bytes:
    """keccak256(abi.encode(genesis StepState)) of a genesis document: the agreed start of a
    dispute over output 0."""
    genesis = build_genesis(document)
    return make_genesis_step_state(genesis.config, genesis.state.root).hash


def make_follower(client: L1Client, deployment: Deployment, confirmations: int) -> L1Follower:
    return L1Follower(
        client,
        deployment.batch_inbox,
        deployment.bridge,
        start_block=deployment.deploy_block_number + 1,
        confirmations=confirmations,
    )


def seed_follower_origin(follower: L1Follower, client: L1Client, deployment: Deployment) -> None:
    """Put the deployment block itself into history: it is genesis's L1 origin."""
    from rollup.derivation import L1BlockData

    block = client.get_block(deployment.deploy_block_number)
    follower.history[block.number] = L1BlockData(
        block.number, block.hash, block.parent_hash, block.timestamp, (), ()
    )
    follower.head_number = block.number


def make_input_reader(l1_url: str, deployment: Deployment) -> L1InputReader:
    """The step machine's L1 inputs (batches, queue messages) of this deployment."""
    return L1InputReader(
        L1Client(l1_url), deployment.batch_inbox, deployment.bridge, deployment.deploy_block_number
    )


def make_trace_provider(
    node: Node,
    l1_url: str,
    deployment: Deployment,
    fault: str | None = None,
    beneficiary: bytes = bytes(20),
) -> NodeTraceProvider:
    """The node's view for the proposer and a dispute player: its storage and L1's inputs."""
    return NodeTraceProvider(
        node.storage,
        node.config,
        make_input_reader(l1_url, deployment),
        fault=fault,
        beneficiary=beneficiary,
    )


def make_dispute_player(
    l1_url: str,
    deployment: Deployment,
    sender: L1Sender,
    provider: NodeTraceProvider,
    *,
    challenge: bool = False,
    defend: bool = False,
) -> DisputePlayer | None:
    """A player of the deployment's dispute games; None if the deployment has no DisputeGame."""
    if deployment.dispute_game == bytes(20):
        return None
    chain = L1GameChain(L1Client(l1_url), deployment.dispute_game, deployment.output_oracle, sender)
    name = "challenger" if challenge else "defender"
    return DisputePlayer(chain, provider, challenge=challenge, defend=defend, name=name)


def attach_settlement(
    node: Node,
    l1_url: str,
    deployment: Deployment,
    batcher_key: bytes,
    proposer_key: bytes | None,
    batch_interval: float = 1.0,
    *,
    defend: bool = True,
    fault: str | None = None,
) -> Settlement:
    """Give a sequencer node its L1 origin source, batcher and proposer, and (with `defend`) the
    defender of the proposer's outputs. `fault` (TESTING ONLY, prover.faults) makes the proposer
    bond one wrong output, which the defender then defends."""
    client = L1Client(l1_url)
    follower = make_follower(client, deployment, SEQUENCER_L1_CONFIRMATIONS)
    seed_follower_origin(follower, client, deployment)
    node.follower = follower
    batcher = Batcher(
        node.storage,
        L1Sender(L1Client(l1_url), batcher_key),
        follower,
        deployment.batch_inbox,
        node.config.chain_id,
        interval=batch_interval,
    )
    if proposer_key is None:
        return Settlement(node, follower, batcher, None, threading.Event())
    # One sender for the proposer and the defender: they share the key's nonces.
    proposer_sender = L1Sender(L1Client(l1_url), proposer_key)
    provider = make_trace_provider(
        node, l1_url, deployment, fault=fault, beneficiary=proposer_sender.address
    )
    proposer = Proposer(
        node.storage,
        proposer_sender,
        deployment.output_oracle,
        compute_step_state=provider.compute_step_state,
        tamper=provider.tamper if fault is not None else None,
    )
    dispute = (
        make_dispute_player(l1_url, deployment, proposer_sender, provider, defend=True)
        if defend
        else None
    )
    return Settlement(node, follower, batcher, proposer, threading.Event(), dispute=dispute)


def attach_verifier(node: Node, l1_url: str, deployment: Deployment) -> Verifier:
    """Make a node a verifier that derives its chain from L1."""
    client = L1Client(l1_url)
    follower = make_follower(client, deployment, confirmations=0)
    seed_follower_origin(follower, client, deployment)
    node.follower = follower
    return Verifier(node, follower, deployment.output_oracle)


def attach_challenger(
    node: Node, l1_url: str, deployment: Deployment, challenger_key: bytes
) -> DisputePlayer | None:
    """The verifier's challenger: disputes every output that differs from the node's own, with
    `challenger_key` paying the bonds. None if the deployment has no DisputeGame."""
    provider = make_trace_provider(node, l1_url, deployment)
    sender = L1Sender(L1Client(l1_url), challenger_key)
    player = make_dispute_player(l1_url, deployment, sender, provider, challenge=True)
    if player is not None:
        node.l1_stats = lambda: {"disputes": player.get_stats()}
    return player
