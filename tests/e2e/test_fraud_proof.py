"""Fraud proofs end to end: wrong outputs are disproven on L1, honest ones survive.

Real processes on 127.0.0.1 (tests/e2e/l1_network.py): anvil with the rollup's contracts (the
DisputeGame and the OneStepProver included), `rollup sequencer --fault KIND` whose proposer bonds
one wrong output and whose defender defends it move by move from the same faulty trace, and
`rollup verifier --challenger-key` whose challenger notices the wrong output unprompted, opens a
game, bisects down to the perturbed step and submits its one-step proof. The output (and every
later one) is deleted, the challenger is paid, and the sequencer proposes the right output again.
An honest output survives a challenger who disagrees with everything; a party that stops
answering loses on time; a withdrawal proven against a deleted output cannot be finalized.

The games here are 2^GAME_DEPTH positions deep (an output range of 10 blocks is a few dozen
steps), so that each test stays under a minute with 1 s L1 blocks; the devnet's depth is 24.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_typing import HexStr
from web3 import Web3
from web3.logs import DISCARD

from faults.perturbation import FAULT_KINDS, LENDING_FAULTS, PERPS_FAULTS, WRONG_WITHDRAWAL_ROOT
from l1.contracts.bridge import Bridge, OutputRootProof, Withdrawal
from l1.contracts.dispute_game import (
    DEFENDED_TOPIC,
    GAME_CREATED_TOPIC,
    RESOLVED_TOPIC,
    RESPONDED_TOPIC,
    TIMED_OUT_TOPIC,
    WITHDRAWAL_ROOT_DISPROVEN_TOPIC,
    Game,
    GameStatus,
    Party,
)
from l1.contracts.output_oracle import (
    OUTPUT_PROPOSED_TOPIC,
    OUTPUTS_DELETED_TOPIC,
    PROPOSE_OUTPUT,
)
from l1.games import L1GameChain
from l1.rpc import L1RpcError
from tests.e2e.conftest import (
    DEV_KEYS,
    FAR_DEADLINE,
    L2_BRIDGE,
    LENDING,
    MAX_UINT,
    PERPS,
    REPO_ROOT,
    USDC,
    WETH,
    contract,
    load_abi,
    run_rollup,
)
from tests.e2e.fraud_chain import (
    Chain,
    address_of,
    cli_l1,
    describe_proof,
    early_in_a_range,
    output_root_of,
    report,
    send_l2,
)
from tests.e2e.l1_network import rpc, run_network
from tests.polling import wait_for

pytestmark = pytest.mark.e2e

GAME_DEPTH = 6
CHALLENGER_KEY = DEV_KEYS[3]  # the devnet's challenger (the verifier plays with it)
MALLORY_KEY = DEV_KEYS[5]  # a challenger who disputes an honest output
USER_KEY = DEV_KEYS[4]  # an L2 user whose transactions fill the disputed range
SINK = Web3.to_checksum_address("0x000000000000000000000000000000000000dead")
STORY_TIMEOUT = 75.0


@pytest.fixture
def chain_factory(tmp_path: Path) -> Iterator[Any]:
    stack: list[Any] = []

    def start(sequencer_args: list[str], challenger: bool = True) -> Chain:
        verifier_args = ["--challenger-key", CHALLENGER_KEY] if challenger else []
        context = run_network(tmp_path, sequencer_args, verifier_args, game_max_depth=GAME_DEPTH)
        network = context.__enter__()
        stack.append(context)
        return Chain(network)

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


def fault_transactions(w3: Web3, kind: str) -> list[Any]:
    """For lending faults: approve, supply WETH and borrow USDC (the second and third touch a
    lending market); for perps faults: approve USDC, deposit margin and open a 1 WETH long (the
    trade is the first to accrue funding on the WETH perps market); otherwise one ETH transfer."""
    if kind not in LENDING_FAULTS and kind not in PERPS_FAULTS:
        return [{"to": SINK, "value": 10**18, "gas": 21_000}]
    user = Account.from_key(USER_KEY).address
    fields: Any = {
        "from": user,
        "gas": 1_000_000,
        "nonce": 0,
        "chainId": w3.eth.chain_id,
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 10**6,
    }
    if kind in PERPS_FAULTS:
        usdc = w3.eth.contract(address=USDC, abi=load_abi("IERC20"))
        perps = w3.eth.contract(address=PERPS, abi=load_abi("IPerps"))
        return [
            usdc.functions.approve(PERPS, MAX_UINT).build_transaction(fields),
            perps.functions.depositMargin(WETH, 1_000 * 10**6).build_transaction(fields),
            perps.functions.modifyPosition(WETH, 10**18, MAX_UINT, FAR_DEADLINE).build_transaction(
                fields
            ),
        ]
    weth = w3.eth.contract(address=WETH, abi=load_abi("IWETH"))
    lending = w3.eth.contract(address=LENDING, abi=load_abi("ILending"))
    return [
        weth.functions.approve(LENDING, MAX_UINT).build_transaction(fields),
        lending.functions.supply(WETH, 10 * 10**18).build_transaction(fields),
        lending.functions.borrow(USDC, 1_000 * 10**6).build_transaction(fields),
    ]


# -- every kind of fault is disproven ---------------------------------------------------------


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_a_wrong_output_is_disproven_and_proposed_again_correctly(
    chain_factory: Any, kind: str
) -> None:
    chain: Chain = chain_factory(["--fault", kind])
    seq = chain.network.seq
    assert "THIS SEQUENCER WILL PROPOSE A WRONG OUTPUT" in " ".join(
        chain.network.sequencer.log().split()
    )
    challenger = address_of(CHALLENGER_KEY)
    early_in_a_range(seq)
    send_l2(seq, USER_KEY, fault_transactions(seq, kind))

    deleted = wait_for(
        lambda: chain.events(OUTPUTS_DELETED_TOPIC), STORY_TIMEOUT, "the wrong output's deletion"
    )[0]
    index = deleted.new_next_index
    bad = next(p for p in chain.events(OUTPUT_PROPOSED_TOPIC) if p.output_index == index)
    l2_block = bad.l2_block_number
    assert bad.output_root != output_root_of(chain, l2_block)
    seconds = chain.timestamp(deleted.log) - chain.timestamp(bad.log)
    bond = chain.oracle.bond()
    payout = bond * (deleted.prev_next_index - deleted.new_next_index)

    if kind == WRONG_WITHDRAWAL_ROOT:
        (disproof,) = chain.events(WITHDRAWAL_ROOT_DISPROVEN_TOPIC)
        assert disproof.output_index == index and disproof.disprover == challenger
        assert disproof.log.tx_hash == deleted.log.tx_hash
        assert chain.games.game_count() == 0
        report(
            f"{kind}: disproveWithdrawalRoot gas {chain.gas_of(disproof.log)}; "
            f"{seconds} s from the bad proposal to its deletion"
        )
        first_move = disproof.log
        moves = [disproof.log]
    else:
        (created,) = chain.events(GAME_CREATED_TOPIC)
        assert created.challenger == challenger and created.output_index == index
        (resolved,) = chain.events(RESOLVED_TOPIC)
        assert resolved.status == GameStatus.CHALLENGER_WON
        assert resolved.log.tx_hash == deleted.log.tx_hash
        game = chain.games.get_game(created.game_id)
        assert game.bisection_done and game.status == GameStatus.CHALLENGER_WON
        defended = chain.events(DEFENDED_TOPIC)
        responded = chain.events(RESPONDED_TOPIC)
        assert len(defended) == len(responded) == GAME_DEPTH  # a full bisection
        step_kind, proof_gas = describe_proof(chain, resolved.log)
        if kind == "skipped-tx" or kind not in LENDING_FAULTS:
            assert step_kind == "transaction"
        report(
            f"{kind}: bisection moves gas defend avg "
            f"{sum(chain.gas_of(e.log) for e in defended) // len(defended)}, respond avg "
            f"{sum(chain.gas_of(e.log) for e in responded) // len(responded)}; createGame "
            f"{chain.gas_of(created.log)}; one-step proof of a {step_kind} step at position "
            f"{game.lo}: gas {proof_gas}; {seconds} s from the bad proposal to its deletion"
        )
        first_move = created.log
        moves = [created.log, *(event.log for event in responded), resolved.log]
    # The challenger was paid the deleted outputs' bonds, and paid only gas for its moves.
    fees = sum(chain.fee_of(entry) for entry in {m.tx_hash: m for m in moves}.values())
    before = chain.l1.get_balance(challenger, first_move.block_number - 1)
    after = chain.l1.get_balance(challenger, deleted.log.block_number)
    assert after == before + payout - fees

    # The sequencer proposes the same block again, right this time, and nobody disputes it.
    def replaced() -> bool:
        if chain.oracle.output_count() <= index:
            return False
        return chain.oracle.get_output(index).output_root == output_root_of(chain, l2_block)

    wait_for(replaced, 30, "the right output for the same block")
    games = chain.games.game_count()
    time.sleep(2)
    assert chain.games.game_count() == games
    assert "FAULT: proposing" in chain.network.sequencer.log()


# -- honest outputs survive --------------------------------------------------------------------


def open_game_on_first_output(chain: Chain) -> int:
    wait_for(lambda: chain.oracle.output_count() >= 1, 60, "the first output")
    out = run_rollup("challenge", "open", "0", *cli_l1(chain), "--key", MALLORY_KEY)
    assert "opened game 0 against output 0" in out
    return 0


def test_an_honest_output_survives_a_challenger_who_disagrees_with_everything(
    chain_factory: Any,
) -> None:
    chain: Chain = chain_factory([])
    mallory = L1GameChain(
        chain.l1,
        chain.network.deployment.dispute_game,
        chain.network.deployment.output_oracle,
        chain.l1_sender(MALLORY_KEY),
    )
    game_id = open_game_on_first_output(chain)
    defender = chain.network.deployment.proposer

    def waiting_for_mallory() -> Game | None:
        game = chain.games.get_game(game_id)
        if not game.is_open or (game.turn == Party.CHALLENGER and not game.bisection_done):
            return game
        return None

    first = True
    while True:
        game = wait_for(waiting_for_mallory, 30, "the defender's claim")
        if not game.is_open:
            break
        if first:  # the first answer with the CLI, the others straight to L1
            out = run_rollup("challenge", "respond", str(game_id), *cli_l1(chain), "--key",
                             MALLORY_KEY, "--disagree")  # fmt: skip
            assert f"disagreed with the claim at {game.mid}" in out
            first = False
        else:
            mallory.respond(game_id, False)
    # Mallory disagreed down to (0, 1): the defender proved step 0 itself and won.
    assert game.status == GameStatus.DEFENDER_WON and (game.lo, game.hi) == (0, 1)
    (resolved,) = chain.events(RESOLVED_TOPIC)
    assert resolved.status == GameStatus.DEFENDER_WON
    step_kind, gas = describe_proof(chain, resolved.log)
    report(f"honest output vs lying challenger: defender proved the {step_kind} step 0, gas {gas}")
    assert chain.events(OUTPUTS_DELETED_TOPIC) == []
    output = chain.oracle.get_output(0)
    assert not output.challenged and output.output_root == output_root_of(chain, 10)
    # Mallory's bond went to the defender (the proposer).
    block = resolved.log.block_number
    delta = chain.l1.get_balance(defender, block) - chain.l1.get_balance(defender, block - 1)
    assert delta == chain.games.bond() - chain.spent_in_block(defender, block)
    listing = run_rollup("challenge", "list", *cli_l1(chain))
    assert "defender won" in listing
    # The explorer's settlement page shows the game and each of its moves, read from L1.
    page = httpx.get(f"{chain.network.verifier.url}/explorer/api/settlement", timeout=30).json()
    (shown,) = page["games"]
    defends = len(chain.events(DEFENDED_TOPIC))
    assert (shown["id"], shown["outputIndex"], shown["status"]) == (game_id, 0, "defender_won")
    assert [move["kind"] for move in shown["moves"]] == [
        *(["defend", "respond"] * defends),
        "one-step proof",
    ]
    assert shown["moves"][-1]["l1TransactionHash"] == "0x" + resolved.log.tx_hash.hex()


def test_a_challenger_who_stops_answering_loses_on_time(chain_factory: Any) -> None:
    chain: Chain = chain_factory([], challenger=False)
    game_id = open_game_on_first_output(chain)
    wait_for(lambda: chain.games.get_game(game_id).turn == Party.CHALLENGER, 30, "the first claim")
    status = run_rollup("status", "--rpc-url", chain.network.sequencer.url)
    assert "open dispute games" in status and "challenger to move" in status, status
    shown = run_rollup("challenge", "show", str(game_id), *cli_l1(chain))
    assert "challenger" in shown and f"(0, {1 << GAME_DEPTH})" in shown, shown
    # Mallory never answers. Her clock runs out (L1 time jumps past it).
    chain.increase_time(chain.games.clock_duration() + 1)

    def ended() -> Game | None:
        game = chain.games.get_game(game_id)
        return None if game.is_open else game

    game = wait_for(ended, 30, "the defender to claim the timeout")
    assert game.status == GameStatus.DEFENDER_WON
    (timed_out,) = chain.events(TIMED_OUT_TOPIC)
    assert timed_out.loser == Party.CHALLENGER
    report(f"claimTimeout (challenger ran out) gas {chain.gas_of(timed_out.log)}")
    assert chain.events(OUTPUTS_DELETED_TOPIC) == []
    assert chain.oracle.output_count() >= 1 and not chain.oracle.get_output(0).challenged


def test_a_defender_who_stops_answering_loses_on_time(chain_factory: Any) -> None:
    """A wrong output whose proposer does not defend it, disputed by hand with the CLI."""
    chain: Chain = chain_factory(["--fault", "wrong-balance", "--no-defend"], challenger=False)
    seq = chain.network.seq
    early_in_a_range(seq)
    send_l2(seq, USER_KEY, fault_transactions(seq, "wrong-balance"))

    def wrong_output() -> int | None:
        for index in range(chain.oracle.output_count()):
            output = chain.oracle.get_output(index)
            if output.output_root != output_root_of(chain, output.l2_block_number):
                return index + 1  # truthy
        return None

    index = wait_for(wrong_output, STORY_TIMEOUT, "the wrong output") - 1
    out = run_rollup("challenge", "open", str(index), *cli_l1(chain), "--key", MALLORY_KEY)
    assert f"opened game 0 against output {index}" in out
    time.sleep(3)  # nobody defends
    game = chain.games.get_game(0)
    assert game.is_open and game.turn == Party.DEFENDER and game.hi == 1 << GAME_DEPTH
    chain.increase_time(chain.games.clock_duration() + 1)
    duration = chain.games.clock_duration()
    wait_for(
        lambda: chain.games.get_game(0).is_expired(chain.l1_now(), duration), 10, "a later block"
    )
    out = run_rollup("challenge", "timeout", "0", *cli_l1(chain), "--key", MALLORY_KEY)
    assert "the defender ran out of time: the challenger wins" in out
    (deleted,) = chain.events(OUTPUTS_DELETED_TOPIC)
    assert deleted.new_next_index == index
    (timed_out,) = chain.events(TIMED_OUT_TOPIC)
    assert timed_out.loser == Party.DEFENDER and timed_out.status == GameStatus.CHALLENGER_WON
    report(f"claimTimeout (defender ran out) gas {chain.gas_of(timed_out.log)}")


# -- withdrawals against a deleted output --------------------------------------------------------


def test_a_withdrawal_proven_against_a_deleted_output_cannot_be_finalized(
    chain_factory: Any,
) -> None:
    chain: Chain = chain_factory(["--fault", "wrong-balance"])
    seq = chain.network.seq
    user = Account.from_key(USER_KEY)
    l1_recipient = bytes.fromhex("00000000000000000000000000000000000b0b00")
    bridge_l2 = contract(seq, L2_BRIDGE, "IL2Bridge")
    early_in_a_range(seq)
    call = bridge_l2.functions.withdrawETH(Web3.to_checksum_address(l1_recipient))
    tx = call.build_transaction(
        {"from": user.address, "value": 5 * 10**17, "gas": 300_000, "nonce": 0,
         "chainId": seq.eth.chain_id, "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 10**6}
    )  # fmt: skip
    (tx_hash,) = send_l2(seq, USER_KEY, [tx])
    receipt = seq.eth.wait_for_transaction_receipt(HexStr(tx_hash), timeout=30, poll_latency=0.1)
    event = bridge_l2.events.WithdrawalInitiated().process_receipt(receipt, errors=DISCARD)[0].args
    withdrawal = Withdrawal(
        event.index, bytes.fromhex(user.address[2:]), l1_recipient, bytes(20), 5 * 10**17
    )

    # The (wrong) output covering it: prove the withdrawal against it, with its own roots.
    oracle = chain.oracle
    wait_for(lambda: oracle.output_count() >= 1, 60, "the first output")
    output = oracle.get_output(0)
    assert output.l2_block_number >= receipt["blockNumber"]
    proof = rpc(
        chain.network.sequencer.url,
        "rollup_getWithdrawalProof",
        ["0x" + withdrawal.hash.hex(), hex(output.l2_block_number)],
    )
    assert proof["outputRoot"] != "0x" + output.output_root.hex()  # the output is wrong
    assert output.withdrawal_root.hex() == proof["outputRootProof"]["withdrawalRoot"][2:]
    # The wrong output's block hash is in its proposal (the oracle stores its two roots only).
    (proposed,) = [
        p for p in chain.events(OUTPUT_PROPOSED_TOPIC) if p.output_root == output.output_root
    ]
    state, _ = PROPOSE_OUTPUT.decode_arguments(chain.l1.get_transaction_input(proposed.log.tx_hash))
    block_hash = bytes(state[1])
    wrong_proof = OutputRootProof(bytes(32), output.state_root, output.withdrawal_root, block_hash)
    sender = chain.l1_sender(DEV_KEYS[6])
    bridge = chain.network.deployment.bridge
    prove = Bridge.encode_prove_withdrawal(
        withdrawal, 0, wrong_proof, bytes.fromhex(proof["proof"][2:])
    )
    assert sender.send_and_wait(bridge, prove).succeeded

    wait_for(lambda: chain.events(OUTPUTS_DELETED_TOPIC), STORY_TIMEOUT, "the deletion")
    finalize = Bridge.encode_finalize_withdrawal(withdrawal)
    with pytest.raises(L1RpcError, match="OutputDeleted"):
        sender.estimate_gas(bridge, finalize)
    # Not even once the right output for that block is back at the same index and final.
    wait_for(
        lambda: (
            oracle.output_count() >= 1
            and oracle.get_output(0).output_root == output_root_of(chain, output.l2_block_number)
        ),
        30,
        "the right output",
    )
    chain.increase_time(chain.network.deployment.finalization_period_seconds + 1)
    wait_for(lambda: oracle.is_finalized(0), 30, "the right output to finalize")
    with pytest.raises(L1RpcError, match="OutputDeleted"):
        sender.estimate_gas(bridge, finalize)
    assert chain.l1.get_balance(l1_recipient) == 0


# -- restarts ------------------------------------------------------------------------------------


def test_a_restarted_challenger_resumes_its_game_from_l1(chain_factory: Any) -> None:
    chain: Chain = chain_factory(["--fault", "wrong-balance"])
    seq = chain.network.seq
    early_in_a_range(seq)
    send_l2(seq, USER_KEY, fault_transactions(seq, "wrong-balance"))
    wait_for(lambda: len(chain.events(RESPONDED_TOPIC)) >= 2, STORY_TIMEOUT, "two responses")
    verifier = chain.network.verifier
    args = [str(arg) for arg in verifier.process.args]  # type: ignore[union-attr]
    verifier.stop()
    (created,) = chain.events(GAME_CREATED_TOPIC)
    stalled = chain.games.get_game(created.game_id)
    assert stalled.is_open
    time.sleep(3)  # the defender moves at most once more, then waits for the challenger
    waiting = chain.games.get_game(created.game_id)
    assert waiting.is_open and waiting.turn == Party.CHALLENGER
    with (verifier.log_path.parent / "verifier-restarted.log").open("wb") as log:
        restarted = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
    try:
        deleted = wait_for(
            lambda: chain.events(OUTPUTS_DELETED_TOPIC), STORY_TIMEOUT, "the restarted challenger"
        )[0]
        assert deleted.new_next_index == created.output_index
        game = chain.games.get_game(created.game_id)
        assert game.status == GameStatus.CHALLENGER_WON and game.bisection_done
        assert chain.games.game_count() == 1  # it resumed its game rather than opening another
    finally:
        restarted.terminate()
        restarted.wait(timeout=30)
