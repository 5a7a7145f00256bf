"""kill -9 of the sequencer in the middle of its L1 work, again and again: each time just after it
sent a batch, or an output proposal, while the transaction waits in L1's pool (L1 mining is paused
from then until the restarted sequencer is up, so it finds the transaction still pending). After
every restart it carries on from what L1 holds: in the end every L2 block is on L1 exactly once
and in order, every output was proposed once, for successive blocks, and the verifier derives the
sequencer's chain."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from l1.contracts.output_oracle import OUTPUT_PROPOSED_TOPIC, decode_output_proposed
from tests.e2e.conftest import DEV_KEYS, send
from tests.e2e.l1_network import (
    L1_BLOCK_TIME,
    Network,
    assert_batches_contiguous,
    run_network,
    wait_until_up,
    wait_until_verifier_has,
)
from tests.polling import wait_for

pytestmark = pytest.mark.e2e

KILLS_PER_KIND = 10
L2_CHAIN_ID = 901
TIMEOUT = 120.0
WALLET_KEY = DEV_KEYS[6]
RECIPIENT = Web3.to_checksum_address("0x00000000000000000000000000000000000c4a54")
SENT = {"batch": r"batch of blocks \d+-\d+ .* sent in 0x", "output": r"proposed output 0x"}
WAITING = "waiting for 1 pending L1 transaction"
KEYS = {"batch": DEV_KEYS[1], "output": DEV_KEYS[2]}  # run_network's batcher and proposer


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    with run_network(tmp_path_factory.mktemp("crashes")) as running:
        yield running


def proposed_blocks(network: Network) -> list[int]:
    client = network.anvil.client
    logs = client.get_logs(
        [network.deployment.output_oracle],
        [[OUTPUT_PROPOSED_TOPIC]],
        network.deployment.deploy_block_number,
        client.block_number(),
    )
    return [decode_output_proposed(entry).l2_block_number for entry in logs]


def pending_count(network: Network, address: str) -> int:
    """Transactions of `address` waiting in anvil's pool."""
    client = network.anvil.client
    sender = bytes.fromhex(address[2:])
    pending = client.get_transaction_count(sender, "pending")
    return pending - client.get_transaction_count(sender, "latest")


def test_the_sequencer_killed_with_batches_and_outputs_in_flight_loses_and_repeats_nothing(
    network: Network,
) -> None:
    seq, ver = network.seq, network.ver
    wallet = Account.from_key(WALLET_KEY)
    sequencer = network.sequencer
    receipts = []
    started = time.monotonic()
    kinds = itertools.islice(itertools.cycle(SENT), 2 * KILLS_PER_KIND)
    for kill, kind in enumerate(kinds):
        address = Account.from_key(KEYS[kind]).address
        receipts.append(send(seq, wallet, to=RECIPIENT, value=kill + 1, gas=21_000))

        def caught_in_flight(kind: str = kind, address: str = address) -> bool:
            """Wait for the next send of this kind, then pause L1: True if it is still pending."""
            seen = len(re.findall(SENT[kind], sequencer.log()))
            wait_for(
                lambda: len(re.findall(SENT[kind], sequencer.log())) > seen,
                TIMEOUT,
                f"a {kind} sent",
            )
            network.anvil.rpc("evm_setIntervalMining", [0])
            if pending_count(network, address) > 0:
                return True
            network.anvil.rpc("evm_setIntervalMining", [L1_BLOCK_TIME])  # mined already: again
            return False

        wait_for(caught_in_flight, TIMEOUT, f"a {kind} caught pending (kill {kill + 1})")
        try:
            waiting = sequencer.log().count(WAITING)
            sequencer.kill()
            sequencer.restart()
            wait_until_up(sequencer)
            if kind == "batch":  # the restarted batcher waits for it instead of posting again
                wait_for(
                    lambda waiting=waiting: sequencer.log().count(WAITING) > waiting,  # type: ignore[misc]
                    TIMEOUT,
                    "the batcher to wait for its pending batch",
                )
            restarted_at = seq.eth.block_number
            # Two seconds of blocks: the settlement worker has ticked eight times since.
            wait_for(
                lambda restarted_at=restarted_at: seq.eth.block_number >= restarted_at + 4,  # type: ignore[misc]
                TIMEOUT,
                "blocks after the restart",
            )
            assert pending_count(network, address) == 1  # nothing sent again meanwhile
        finally:
            network.anvil.rpc("evm_setIntervalMining", [L1_BLOCK_TIME])
    killed = time.monotonic() - started

    last = send(seq, wallet, to=RECIPIENT, value=100, gas=21_000)
    receipts.append(last)
    target = last["blockNumber"]
    wait_until_verifier_has(network, target, TIMEOUT)
    for receipt in receipts:  # nothing a user was told is included went missing
        derived = ver.eth.get_transaction_receipt(receipt["transactionHash"])
        assert derived["blockHash"] == receipt["blockHash"]
    batches = assert_batches_contiguous(network)
    outputs = proposed_blocks(network)
    assert len(set(outputs)) == len(outputs), f"an output was proposed twice: {outputs}"
    assert outputs == sorted(outputs)
    assert "WRONG" not in network.verifier.log()
    print(
        f"{2 * KILLS_PER_KIND} kills ({KILLS_PER_KIND} with a batch in flight, "
        f"{KILLS_PER_KIND} with an output in flight) in {killed:.0f} s; {len(batches)} batches "
        f"contiguous up to block {batches[-1][1]}; outputs for blocks {outputs}"
    )


def test_a_killed_verifier_resumes_from_its_stored_l1_position(network: Network) -> None:
    seq, ver = network.seq, network.ver
    verifier = network.verifier
    wallet = Account.from_key(WALLET_KEY)
    resumes = []
    for kill in range(3):
        receipt = send(seq, wallet, to=RECIPIENT, value=1_000 + kill, gas=21_000)
        wait_for(
            lambda receipt=receipt: ver.eth.block_number >= receipt["blockNumber"],  # type: ignore[misc]
            TIMEOUT,
            "the verifier to derive the transfer",
        )
        resumed = verifier.log().count("resumed after L1 block")
        verifier.kill()
        restarted = time.monotonic()
        verifier.restart()
        wait_until_up(verifier)
        line = wait_for(
            lambda resumed=resumed: (  # type: ignore[misc]
                verifier.log().count("resumed after L1 block") > resumed
                and re.findall(r"resumed after L1 block (\d+) at L2 block (\d+)", verifier.log())
            ),
            TIMEOUT,
            "the verifier to resume",
        )[-1]
        resumes.append((int(line[0]), int(line[1]), time.monotonic() - restarted))
        assert int(line[1]) >= receipt["blockNumber"]  # nothing derived before is derived again
        derived = ver.eth.get_transaction_receipt(receipt["transactionHash"])
        assert derived["blockHash"] == receipt["blockHash"]
    target = seq.eth.block_number
    wait_for(lambda: ver.eth.block_number >= target, TIMEOUT, f"the verifier to reach {target}")
    assert ver.eth.get_block(target)["hash"] == seq.eth.get_block(target)["hash"]
    print(
        "verifier restarts (L1 block, L2 block resumed at, seconds to resume): "
        + ", ".join(f"({l1}, {l2}, {seconds:.1f})" for l1, l2, seconds in resumes)
    )


DISPUTE_GAME_DEPTH = 10  # a dozen challenger moves: createGame, ten responses, the proof
CHALLENGER_KEY = DEV_KEYS[3]


def test_a_challenger_killed_with_each_move_in_flight_still_wins_the_game(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from l1.contracts.dispute_game import RESOLVED_TOPIC, GameStatus, decode_resolved

    directory = tmp_path_factory.mktemp("dispute-crashes")
    with run_network(
        directory,
        ["--fault", "wrong-balance"],
        ["--challenger-key", CHALLENGER_KEY],
        game_max_depth=DISPUTE_GAME_DEPTH,
    ) as network:
        seq = network.seq
        verifier = network.verifier
        challenger = Account.from_key(CHALLENGER_KEY).address
        client = network.anvil.client
        send(seq, Account.from_key(WALLET_KEY), to=RECIPIENT, value=1, gas=21_000)

        def resolutions() -> list[Any]:
            logs = client.get_logs(
                [network.deployment.dispute_game],
                [[RESOLVED_TOPIC]],
                network.deployment.deploy_block_number,
                client.block_number(),
            )
            return [decode_resolved(entry) for entry in logs]

        def move_pending() -> bool:
            """Catch a move of the challenger in L1's pool and hold mining there."""
            if pending_count(network, challenger) == 0:
                return False
            network.anvil.rpc("evm_setIntervalMining", [0])
            if pending_count(network, challenger) > 0:
                return True
            network.anvil.rpc("evm_setIntervalMining", [L1_BLOCK_TIME])
            return False

        kills = 0
        while kills < KILLS_PER_KIND and not resolutions():
            wait_for(lambda: move_pending() or resolutions(), TIMEOUT, "a challenger move", 0.02)
            if resolutions():
                break
            try:
                verifier.kill()
                verifier.restart()
                wait_until_up(verifier)
                # Watch it play for three seconds (a dozen ticks): no second move may appear.
                watched = time.monotonic()
                wait_for(
                    lambda watched=watched: (
                        time.monotonic() - watched > 3 or pending_count(network, challenger) > 1
                    ),
                    TIMEOUT,
                    "the restarted challenger to play a while",
                )
                assert pending_count(network, challenger) == 1  # it waits for its own move
                kills += 1
            finally:
                network.anvil.rpc("evm_setIntervalMining", [L1_BLOCK_TIME])
        (resolved,) = wait_for(resolutions, TIMEOUT, "the game to end")
        assert resolved.status == GameStatus.CHALLENGER_WON
        assert kills == KILLS_PER_KIND
        print(f"the challenger was killed {kills} times with a move in flight and won")
