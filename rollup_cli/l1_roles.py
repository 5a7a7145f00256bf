"""Wiring the roles to an L1: the devnet's anvil and deployment, the sequencer's settlement and the
verifier's derivation, from command-line options."""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Any

from l1.anvil import Anvil
from l1.artifacts import build_artifacts, find_missing_artifacts
from l1.deploy import Deployment, deploy_rollup_contracts
from l1.follower import L1Follower
from l1.games import L1GameChain
from l1.inputs import L1InputReader
from l1.rpc import L1Client
from l1.sender import L1Sender
from node.chain import Node
from node.proposer import NodeOutputs, OutputSource, Proposer, ProposerWorker
from node.role import ReportingWorker
from prover.dispute import DisputePlayer
from prover.traces import NodeTraceProvider, TraceProvider
from prover.verifier import Verifier
from rollup.crypto import compute_private_key_address
from rollup.genesis import build_genesis, load_default_genesis_document
from rollup.machine import make_genesis_step_state
from sequencer.batcher import Batcher, OutputBlock, have_no_output_block
from sequencer.posting import DEVNET_MAX_DELAY, PostingPolicy
from sequencer.role import Sequencer
from sequencer.settlement import Settlement

if TYPE_CHECKING:
    from faults.plugin import Fault

# Roles of anvil's dev accounts on the devnet's L1 (the same mnemonic as the L2's dev accounts).
L1_DEPLOYER_KEY = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
L1_BATCHER_KEY = bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
L1_PROPOSER_KEY = bytes.fromhex("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
L1_CHALLENGER_KEY = bytes.fromhex(
    "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"
)
L1_EXIT_PROPOSER_KEY = bytes.fromhex(
    "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a"
)
"""The devnet verifier's key for outputs it proposes when the sequencer's proposer stops."""
DEVNET_SUBMISSION_INTERVAL = 10
DEVNET_FINALIZATION_PERIOD = 135
"""The devnet's challenge window: its sequencer window (120 L1 blocks of 1 s) and a margin."""
CHALLENGE_MARGIN = 15
"""Seconds a challenger needs, once derivation gives a block, to open a game over its output."""
DEVNET_BOND = 10**17
DEVNET_GAME_MAX_DEPTH = 24
DEVNET_GAME_CLOCK_DURATION = 3600
DEVNET_PROPOSAL_TIMEOUT = 60
"""On the devnet, a verifier proposes once the sequencer's proposer has been quiet a minute."""
SEQUENCER_L1_CONFIRMATIONS = 1


def start_devnet_l1(
    block_time: float,
    port: int | None = None,
    finalization_period: int = DEVNET_FINALIZATION_PERIOD,
    submission_interval: int = DEVNET_SUBMISSION_INTERVAL,
    game_max_depth: int = DEVNET_GAME_MAX_DEPTH,
    game_clock_duration: int = DEVNET_GAME_CLOCK_DURATION,
    proposal_timeout: int = DEVNET_PROPOSAL_TIMEOUT,
    genesis_overrides: dict[str, Any] | None = None,
) -> tuple[Anvil, Deployment]:
    """Start anvil in interval mining and deploy the rollup's contracts on it, for the default
    genesis with `genesis_overrides` (make_devnet_genesis must be given the same). Raises
    UnsafeFinalizationPeriod if the challenge window could close before a verifier knows what
    the blocks of an output are."""
    document = {**load_default_genesis_document(), **(genesis_overrides or {})}
    check_finalization_period(
        finalization_period, build_genesis(document).config.sequencer_window, block_time
    )
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
            proposal_timeout=proposal_timeout,
            chain_config=build_genesis(document).config,
            genesis_machine_hash=lambda deployment: compute_genesis_machine_hash(
                make_devnet_genesis(client, deployment, genesis_overrides)
            ),
        )
    except Exception:
        anvil.stop()
        raise
    return anvil, deployment


class UnsafeFinalizationPeriod(ValueError):
    """The challenge window is shorter than the time derivation may wait for the sequencer
    window: an output over blocks no verifier can derive yet would finalize unchallenged."""


def compute_minimum_finalization_period(sequencer_window: int, l1_block_time: float) -> int:
    """The shortest safe challenge window: the sequencer window in L1 time, plus a margin."""
    return math.ceil(sequencer_window * l1_block_time) + CHALLENGE_MARGIN


def check_finalization_period(
    finalization_period: int, sequencer_window: int, l1_block_time: float
) -> None:
    """Raise UnsafeFinalizationPeriod unless the challenge window outlasts the sequencer window
    (in L1 time) by CHALLENGE_MARGIN: a sequencer that breaks a derivation rule posts blocks that
    derivation replaces only once the window has lapsed, and until then a verifier has no output
    of its own to compare with (docs/SETTLEMENT.md §1)."""
    minimum = compute_minimum_finalization_period(sequencer_window, l1_block_time)
    if finalization_period < minimum:
        raise UnsafeFinalizationPeriod(
            f"a finalization period of {finalization_period} s is unsafe: the sequencer window "
            f"({sequencer_window} L1 blocks of {l1_block_time:g} s) and {CHALLENGE_MARGIN} s to "
            f"open a game need at least {minimum} s"
        )


def make_devnet_genesis(
    client: L1Client, deployment: Deployment, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The default genesis (with `overrides`) anchored at the deployment's L1 block."""
    origin = client.get_block(deployment.deploy_block_number)
    document = {**load_default_genesis_document(), **(overrides or {})}
    document["timestamp"] = origin.timestamp
    document["l1OriginNumber"] = origin.number
    document["l1OriginHash"] = "0x" + origin.hash.hex()
    return document


def compute_genesis_machine_hash(document: dict[str, Any]) -> bytes:
    """keccak256(abi.encode(genesis StepState)) of a genesis document: the agreed start of a
    dispute over output 0."""
    genesis = build_genesis(document)
    return make_genesis_step_state(genesis.config, genesis.header).hash


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


def make_trace_provider(node: Node, l1_url: str, deployment: Deployment) -> NodeTraceProvider:
    """The node's view for the proposer and a dispute player: its storage and L1's inputs."""
    return NodeTraceProvider(node.storage, node.config, make_input_reader(l1_url, deployment))


def make_dispute_player(
    l1_url: str,
    deployment: Deployment,
    sender: L1Sender,
    provider: TraceProvider,
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
    sequencer: Sequencer,
    l1_url: str,
    deployment: Deployment,
    batcher_key: bytes,
    proposer_key: bytes | None,
    batch_interval: float = 1.0,
    batch_max_delay: float = DEVNET_MAX_DELAY,
    *,
    defend: bool = True,
    fault: Fault | None = None,
) -> Settlement:
    """Give a sequencer its L1 origin source, batcher and proposer, and (with `defend`) the
    defender of the proposer's outputs. `fault` (TESTING ONLY, faults.plugin) gives the batcher
    and the proposer's outputs of a dishonest sequencer, whose defender defends them."""
    node = sequencer.node
    client = L1Client(l1_url)
    follower = make_follower(client, deployment, SEQUENCER_L1_CONFIRMATIONS)
    seed_follower_origin(follower, client, deployment)
    node.follower = follower
    proposer = None
    dispute = None
    if proposer_key is not None:
        # One sender for the proposer and the defender: they share the key's nonces.
        proposer_sender = L1Sender(L1Client(l1_url), proposer_key)
        provider = make_trace_provider(node, l1_url, deployment)
        outputs: OutputSource = NodeOutputs(provider.compute_step_state)
        traces: TraceProvider = provider
        if fault is not None:
            outputs, traces = fault.make_outputs(provider, proposer_sender.address)
        proposer = Proposer(node.storage, proposer_sender, deployment.output_oracle, outputs)
        if defend:
            dispute = make_dispute_player(l1_url, deployment, proposer_sender, traces, defend=True)
    output_block: OutputBlock = have_no_output_block
    if proposer is not None:
        output_block = proposer.get_next_output_block
    batcher_class = fault.batcher_class() if fault is not None else Batcher
    batcher = batcher_class(
        node.storage,
        L1Sender(L1Client(l1_url), batcher_key),
        follower,
        deployment.batch_inbox,
        node.config.chain_id,
        PostingPolicy(batch_max_delay, node.config.sequencer_window),
        interval=batch_interval,
        output_block=output_block,
    )
    settlement = Settlement(node, follower, batcher, proposer, threading.Event(), dispute=dispute)
    sequencer.attach_settlement(settlement)
    return settlement


def make_verifier(
    node: Node,
    l1_url: str,
    deployment: Deployment,
    challenger_key: bytes | None = None,
    proposer_key: bytes | None = None,
) -> Verifier:
    """A verifier role for `node`: derives its chain from L1; with `challenger_key` (paying the
    bonds) it disputes every output that differs from its own, if the deployment has a
    DisputeGame; with `proposer_key` it proposes (and defends) outputs once the proposer has gone
    quiet for the OutputOracle's proposal timeout, so that users can exit without the operator."""
    client = L1Client(l1_url)
    follower = make_follower(client, deployment, confirmations=0)
    seed_follower_origin(follower, client, deployment)
    provider = make_trace_provider(node, l1_url, deployment)
    challenger = None
    if challenger_key is not None:
        sender = L1Sender(L1Client(l1_url), challenger_key)
        challenger = make_dispute_player(l1_url, deployment, sender, provider, challenge=True)
    proposer: ReportingWorker | None = None
    defender: ReportingWorker | None = None
    if proposer_key is not None:
        # One sender for the proposals and their defence: they share the key's nonces.
        proposer_sender = L1Sender(L1Client(l1_url), proposer_key)

        def agrees(block_number: int, output_root: bytes) -> bool:
            own = provider.own_output(block_number)
            return own is not None and own.output_root == output_root

        exits = Proposer(
            node.storage,
            proposer_sender,
            deployment.output_oracle,
            NodeOutputs(provider.compute_step_state),
            agrees,
        )
        proposer = ProposerWorker(exits, lambda: node.safe_number)
        defender = make_dispute_player(l1_url, deployment, proposer_sender, provider, defend=True)
    return Verifier(node, follower, deployment.output_oracle, challenger, proposer, defender)
