"""Sequencers that break a derivation rule on L1 lose on L1 (docs/SETTLEMENT.md §5, faults.rules).

Real processes on 127.0.0.1 (tests/e2e/l1_network.py): anvil with the rollup's contracts,
`rollup sequencer --fault KIND` whose batcher really posts the rule-breaking blocks or batches and
whose proposer bonds the output of its own chain, defended by its own machine that ignores the
rule; and `rollup verifier --challenger-key --proposer-key`, whose derivation keeps the rule. The
verifier's challenger disputes the output unprompted and wins at the one step where the rule
applies; the output is deleted; the faulty proposer, caught, proposes nothing more, and once the
proposal timeout has passed the verifier proposes the right output for the same block itself.

The devnet genesis runs here with a sequencer window of 10 L1 blocks (10 s), a proposal timeout
of 20 s and games 2^6 positions deep, so that each story stays within a couple of minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from faults.rules import BAD_PARENT, FUTURE_JUMP, GARBAGE_TAIL, STALE_ORIGIN
from l1.contracts.bridge import Bridge
from l1.contracts.dispute_game import GAME_CREATED_TOPIC, RESOLVED_TOPIC, GameStatus
from l1.contracts.output_oracle import OUTPUT_PROPOSED_TOPIC, OUTPUTS_DELETED_TOPIC
from l1.sender import L1Sender
from tests.e2e.conftest import DEV_KEYS, LENDING, MAX_UINT, ORACLE, WBTC, WETH, load_abi
from tests.e2e.fraud_chain import (
    Chain,
    address_of,
    describe_proof,
    output_root_of,
    report,
    send_l2,
)
from tests.e2e.l1_network import Role, rpc, run_network
from tests.polling import wait_for

pytestmark = pytest.mark.e2e

GAME_DEPTH = 6
SEQUENCER_WINDOW = 10
PROPOSAL_TIMEOUT = 40
"""Long enough that the verifier's exit proposer never bonds the first output before the faulty
sequencer's proposer (counted from the deployment, which comes some seconds before the nodes)."""
FINALIZATION_PERIOD = 30
"""The shortest safe with this window (10 s of L1 time and 15 s to open a game), and a margin."""
CHALLENGER_KEY = DEV_KEYS[3]
EXIT_PROPOSER_KEY = DEV_KEYS[7]  # the verifier's key for outputs it proposes itself
USER_KEY = DEV_KEYS[4]
LIQUIDATOR_KEY = DEV_KEYS[5]
FORCER_KEY = DEV_KEYS[6]  # any L1 account may post a forced transaction
SINK = Web3.to_checksum_address("0x000000000000000000000000000000000000dead")
STORY_TIMEOUT = 150.0
TEN_YEARS = 10 * 365 * 86_400


@pytest.fixture
def chain_factory(tmp_path: Path) -> Iterator[Any]:
    stack: list[Any] = []

    def start(kind: str, **genesis: Any) -> Chain:
        context = run_network(
            tmp_path,
            # Batches within a second of each block, so the faulty output is bonded early.
            ["--fault", kind, "--batch-max-delay", "1"],
            ["--challenger-key", CHALLENGER_KEY, "--proposer-key", EXIT_PROPOSER_KEY],
            genesis_overrides={"sequencerWindow": SEQUENCER_WINDOW, **genesis},
            game_max_depth=GAME_DEPTH,
            proposal_timeout=PROPOSAL_TIMEOUT,
            finalization_period=FINALIZATION_PERIOD,
        )
        network = context.__enter__()
        stack.append(context)
        return Chain(network)

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


def receipt_on(role: Role, tx_hash: str) -> dict[str, Any] | None:
    result: dict[str, Any] | None = rpc(role.url, "eth_getTransactionReceipt", [tx_hash])
    return result


def disproven_and_replaced(chain: Chain, kind: str) -> int:
    """Wait for the faulty output's deletion and the verifier's right output for its block;
    check who did what; return that block number."""
    assert "BREAKS A DERIVATION RULE" in " ".join(chain.network.sequencer.log().split())
    deleted = wait_for(
        lambda: chain.events(OUTPUTS_DELETED_TOPIC), STORY_TIMEOUT, "the wrong output's deletion"
    )[0]
    index = deleted.new_next_index
    bad = next(p for p in chain.events(OUTPUT_PROPOSED_TOPIC) if p.output_index == index)
    block = bad.l2_block_number
    assert bad.output_root != output_root_of(chain, block)
    (created,) = chain.events(GAME_CREATED_TOPIC)
    assert created.challenger == address_of(CHALLENGER_KEY) and created.output_index == index
    (resolved,) = chain.events(RESOLVED_TOPIC)
    assert resolved.status == GameStatus.CHALLENGER_WON
    assert resolved.log.tx_hash == deleted.log.tx_hash
    step_kind, gas = describe_proof(chain, resolved.log)
    seconds = chain.timestamp(deleted.log) - chain.timestamp(bad.log)
    report(
        f"{kind}: one-step proof of a {step_kind} step, gas {gas}; {seconds} s from the bad "
        "proposal to its deletion"
    )

    def replaced() -> bool:
        if chain.oracle.output_count() <= index:
            return False
        output = chain.oracle.get_output(index)
        return output.output_root == output_root_of(chain, block)

    wait_for(replaced, STORY_TIMEOUT, "the verifier's output for the same block")
    output = chain.oracle.get_output(index)
    assert output.proposer == address_of(EXIT_PROPOSER_KEY)
    assert chain.games.game_count() == 1  # nobody disputes the right output
    assert "no output after it" in chain.network.sequencer.log()
    return block


@pytest.mark.parametrize("kind", [BAD_PARENT, GARBAGE_TAIL])
def test_a_broken_batch_is_disproven_and_the_verifier_proposes_the_right_output(
    chain_factory: Any, kind: str
) -> None:
    chain: Chain = chain_factory(kind)
    seq = chain.network.seq
    (tx_hash,) = send_l2(seq, USER_KEY, [{"to": SINK, "value": 10**18, "gas": 21_000}])
    disproven_and_replaced(chain, kind)
    on_sequencer = receipt_on(chain.network.sequencer, tx_hash)
    on_verifier = receipt_on(chain.network.verifier, tx_hash)
    assert on_sequencer is not None
    if kind == BAD_PARENT:
        # The batch holding it named another parent: derivation skipped it, and every later one.
        assert on_verifier is None
    else:
        # The batch's blocks up to the garbage are kept, and the garbage block is derived empty
        # (it may even equal the sequencer's next block, when that one is empty at the same
        # time and origin); the sequencer's next batch no longer follows and is skipped.
        assert on_verifier is not None and on_verifier["blockHash"] == on_sequencer["blockHash"]
        number = int(on_verifier["blockNumber"], 16)
        garbage = chain.network.ver.eth.get_block(number + 1)
        assert garbage["transactions"] == [] and garbage["gasUsed"] == 0


def test_a_stale_origin_keeps_out_a_forced_transaction_that_derivation_brings_in(
    chain_factory: Any,
) -> None:
    chain: Chain = chain_factory(STALE_ORIGIN)
    seq = chain.network.seq
    send_l2(seq, USER_KEY, [{"to": SINK, "value": 1, "gas": 21_000}])
    wait_for(lambda: "FAULT: the L1 origin stays" in chain.network.sequencer.log(), 30, "freeze")
    # A forced transfer through L1, after the sequencer stopped advancing its origin.
    user = Account.from_key(USER_KEY)
    signed = user.sign_transaction(
        {
            "to": SINK,
            "value": 12_345,
            "gas": 21_000,
            "maxFeePerGas": 10**10,
            "maxPriorityFeePerGas": 10**6,
            "nonce": seq.eth.get_transaction_count(user.address, "pending"),
            "chainId": seq.eth.chain_id,
        }
    )
    forcer = L1Sender(chain.l1, bytes.fromhex(FORCER_KEY[2:]))
    forced = forcer.send_and_wait(
        chain.network.deployment.bridge,
        Bridge.encode_force_transaction(bytes(signed.raw_transaction)),
        timeout=60,
    )
    assert forced.succeeded
    tx_hash = "0x" + bytes(signed.hash).hex()
    on_verifier = wait_for(
        lambda: receipt_on(chain.network.verifier, tx_hash), STORY_TIMEOUT, "forced inclusion"
    )
    assert on_verifier["status"] == "0x1"
    disproven_and_replaced(chain, STALE_ORIGIN)
    assert receipt_on(chain.network.sequencer, tx_hash) is None  # never in its chain
    block = chain.network.ver.eth.get_block(int(on_verifier["blockNumber"], 16))
    assert block["gasUsed"] == 21_000  # a deposit-only block: the forced transfer alone


def test_a_block_a_year_ahead_liquidates_a_healthy_borrower_only_in_the_sequencers_chain(
    chain_factory: Any,
) -> None:
    """Theft through time: a year of interest in one block makes a healthy borrower
    liquidatable. (Prices stay valid for ten years here, so that time moves only interest.)"""
    chain: Chain = chain_factory("future-timestamp", priceMaxAge=TEN_YEARS)
    seq, ver = chain.network.seq, chain.network.ver
    lending = seq.eth.contract(address=LENDING, abi=load_abi("ILending"))
    weth = seq.eth.contract(address=WETH, abi=load_abi("IWETH"))
    wbtc = seq.eth.contract(address=WBTC, abi=load_abi("IERC20"))
    bob = Account.from_key(USER_KEY).address
    carol = Account.from_key(LIQUIDATOR_KEY).address

    def call(contract: Any, name: str, *args: Any, value: int = 0) -> dict[str, Any]:
        return {"to": contract.address, "data": contract.encode_abi(name, list(args)),
                "value": value, "gas": 2_000_000}  # fmt: skip

    # Bob borrows most of the WBTC market against 2,500 WETH: close to his limit, healthy.
    hashes = send_l2(
        seq,
        USER_KEY,
        [
            call(weth, "deposit", value=2_400 * 10**18),
            call(weth, "approve", LENDING, MAX_UINT),
            call(lending, "supply", WETH, 2_500 * 10**18),
        ],
    )
    wait_for(lambda: receipt_on(chain.network.sequencer, hashes[-1]), 30, "Bob's supply")
    _, _, limit, _, _ = lending.functions.getAccountData(bob).call()
    oracle = seq.eth.contract(address=ORACLE, abi=load_abi("IOracle"))
    price = oracle.functions.getPrice(WBTC).call()[0]  # USD per WBTC, 18 decimals
    amount = min(limit * 97 // 100 * 10**8 // price, 90 * 10**8)  # WBTC has 8 decimals
    (borrow,) = send_l2(seq, USER_KEY, [call(lending, "borrow", WBTC, amount)])
    borrowed = wait_for(lambda: receipt_on(chain.network.sequencer, borrow), 30, "Bob's borrow")
    assert borrowed["status"] == "0x1"
    at_borrow = int(borrowed["blockNumber"], 16)
    # Healthy at the head (blocks without transactions keep the borrow's timestamp).
    assert lending.functions.getAccountData(bob).call()[4] > 10**18
    weth_before = weth.functions.balanceOf(carol).call()
    # Carol liquidates him a (sequencer's) year later, and it works there.
    liquidation = send_l2(
        seq,
        LIQUIDATOR_KEY,
        [
            call(wbtc, "approve", LENDING, MAX_UINT),
            call(lending, "liquidate", bob, WBTC, WETH, 10**8),
        ],
    )[-1]
    done = wait_for(lambda: receipt_on(chain.network.sequencer, liquidation), 30, "liquidation")
    assert done["status"] == "0x1"
    at_liquidation = int(done["blockNumber"], 16)
    assert (
        seq.eth.get_block(at_liquidation)["timestamp"]
        >= seq.eth.get_block(at_borrow)["timestamp"] + FUTURE_JUMP
    )
    assert weth.functions.balanceOf(carol).call() > weth_before  # Bob's collateral, seized

    first = seq.eth.get_transaction_receipt(hashes[0])["blockNumber"]
    disproven_and_replaced(chain, "future-timestamp")
    # In the derived chain the first block stamped a year ahead is clamped near L1 time, and
    # nothing of this sequencer's after its batch is derived (the next batch no longer chains
    # on). A liquidation in that same batch runs near L1 time, where Bob is healthy: it reverts.
    # Either way no liquidation ever happened.
    ours, theirs = seq.eth.get_block(first), ver.eth.get_block(first)
    assert ours["timestamp"] - seq.eth.get_block(first - 1)["timestamp"] >= FUTURE_JUMP
    assert theirs["timestamp"] < ours["timestamp"] - FUTURE_JUMP + 3_600
    derived_liquidation = receipt_on(chain.network.verifier, liquidation)
    assert derived_liquidation is None or derived_liquidation["status"] == "0x0"
    derived_lending = ver.eth.contract(address=LENDING, abi=load_abi("ILending"))
    assert derived_lending.functions.getPosition(bob, WETH).call()[0] >= 2_500 * 10**18
    # The borrow is derived only if it rode in the same batch as the first block (the next
    # batch no longer chains on): then in a block stamped near L1 time, not a year ahead.
    derived_borrow = receipt_on(chain.network.verifier, borrow)
    if derived_borrow is not None:
        stamped = ver.eth.get_block(int(derived_borrow["blockNumber"], 16))["timestamp"]
        assert stamped < ours["timestamp"] - FUTURE_JUMP + 3_600
