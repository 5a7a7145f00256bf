"""Exit without the operator (docs/SETTLEMENT.md §1, §5): with the sequencer and its proposer
gone, a user still gets their funds out to L1, with the CLI a user has and a verifier anyone runs.

Real processes on 127.0.0.1: anvil with the rollup's contracts, `rollup sequencer` (batcher and
proposer) and `rollup verifier --proposer-key`. The sequencer is stopped (its process, by pid).
The user then forces a withdrawal through L1 (`rollup withdraw force`: Bridge.forceTransaction);
once the sequencer window has lapsed, the verifier's derivation appends deposit-only blocks, one of
them running the withdrawal; once the proposal timeout has passed since the last output, the
verifier proposes outputs itself; the user proves the withdrawal against the verifier's output
(`rollup withdraw prove`, proof from the verifier's JSON-RPC) and finalizes it after the challenge
window (`rollup withdraw finalize`). Window here: 10 L1 blocks of 1 s; proposal timeout 20 s.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from eth_account import Account

from l1.contracts.output_oracle import OUTPUT_PROPOSED_TOPIC
from tests.e2e.conftest import DEV_KEYS, run_rollup
from tests.e2e.fraud_chain import Chain, address_of, cli_l1
from tests.e2e.l1_network import rpc, run_network
from tests.polling import wait_for

pytestmark = pytest.mark.e2e

SEQUENCER_WINDOW = 10
PROPOSAL_TIMEOUT = 20
FINALIZATION_PERIOD = 30
"""The shortest safe with this window (10 s of L1 time and 15 s to open a game), and a margin."""
EXIT_PROPOSER_KEY = DEV_KEYS[7]
USER_KEY = DEV_KEYS[4]
L1_RECIPIENT = "0x00000000000000000000000000000000000e0170"
AMOUNT = 3 * 10**17


def test_a_user_exits_to_l1_after_the_sequencer_and_its_proposer_are_gone(
    tmp_path: Path,
) -> None:
    with run_network(
        tmp_path,
        [],
        ["--proposer-key", EXIT_PROPOSER_KEY],
        genesis_overrides={"sequencerWindow": SEQUENCER_WINDOW},
        proposal_timeout=PROPOSAL_TIMEOUT,
        finalization_period=FINALIZATION_PERIOD,
    ) as network:
        chain = Chain(network)
        oracle = chain.oracle
        user = Account.from_key(USER_KEY)
        verifier_url = network.verifier.url

        def l2_balance() -> int:
            return int(rpc(verifier_url, "eth_getBalance", [user.address, "latest"]), 16)

        # The user's L2 ether came from L1 (the Bridge holds what withdrawals pay out).
        funded = l2_balance()
        run_rollup("deposit", *cli_l1(chain), "--private-key", USER_KEY, "--amount", "1")
        wait_for(lambda: l2_balance() == funded + 10**18, 60, "the deposit on L2")
        wait_for(lambda: oracle.output_count() >= 1, 90, "the sequencer's first output")
        network.sequencer.stop()  # the operator is gone: no more blocks, batches or outputs
        sequencer_outputs = oracle.output_count()
        stopped_at = chain.l1.block_number()
        l2_before = l2_balance()

        out = run_rollup(
            "withdraw", "force", "--rpc-url", verifier_url, *cli_l1(chain),
            "--private-key", USER_KEY, "--amount", f"{AMOUNT}wei", "--to", L1_RECIPIENT,
            "--wait", "120",
        )  # fmt: skip
        match = re.search(r"forced through L1 block (\d+): L2 tx (0x[0-9a-f]{64})", out)
        assert match is not None, out
        forced_in, tx_hash = int(match.group(1)), match.group(2)
        assert forced_in > stopped_at
        receipt = rpc(verifier_url, "eth_getTransactionReceipt", [tx_hash])
        assert receipt["status"] == "0x1"
        block = rpc(verifier_url, "eth_getBlockByNumber", [receipt["blockNumber"], False])
        # A deposit-only block: derivation appended it, with the forcing L1 block as its origin
        # (after the sequencer stopped), holding the forced withdrawal alone.
        assert block["transactions"] == [tx_hash]
        assert int(block["l1OriginNumber"], 16) == forced_in
        assert l2_before - l2_balance() >= AMOUNT

        out = run_rollup(
            "withdraw", "prove", "--rpc-url", verifier_url, *cli_l1(chain),
            "--private-key", USER_KEY, "--tx-hash", tx_hash, "--wait", "180",
        )  # fmt: skip
        proven = re.search(r"proven against output (\d+) \(L2 block (\d+)\)", out)
        assert proven is not None, out
        index, l2_block = int(proven.group(1)), int(proven.group(2))
        assert index >= sequencer_outputs  # an output the sequencer never proposed
        assert l2_block >= int(receipt["blockNumber"], 16)
        output = oracle.get_output(index)
        assert output.proposer == address_of(EXIT_PROPOSER_KEY)
        (proposal,) = [p for p in chain.events(OUTPUT_PROPOSED_TOPIC) if p.output_index == index]
        last_before = next(
            p for p in chain.events(OUTPUT_PROPOSED_TOPIC) if p.output_index == index - 1
        )
        assert chain.timestamp(proposal.log) >= chain.timestamp(last_before.log) + PROPOSAL_TIMEOUT

        chain.increase_time(network.deployment.finalization_period_seconds + 1)
        wait_for(lambda: oracle.is_finalized(index), 30, "the output to finalize")
        recipient = bytes.fromhex(L1_RECIPIENT[2:])
        assert chain.l1.get_balance(recipient) == 0
        out = run_rollup(
            "withdraw", "finalize", "--rpc-url", verifier_url, *cli_l1(chain),
            "--private-key", USER_KEY, "--tx-hash", tx_hash,
        )  # fmt: skip
        assert f"finalized: {AMOUNT} to {L1_RECIPIENT}" in out
        assert chain.l1.get_balance(recipient) == AMOUNT
