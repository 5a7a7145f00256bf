"""An L1 reorg that drops a batch: the verifier rolls back, the batcher posts again, both agree.

Real processes end to end: anvil with the rollup's contracts (started here with the devnet's own
helpers), `rollup sequencer` with its batcher and proposer, and `rollup verifier`, all on
127.0.0.1 and stopped by pid. L1 interval mining is paused while the test looks for a head block
that carries a batch, so that block is still the head when `anvil_reorg` replaces it (anvil drops
the replaced block's transactions: the batch is gone from L1). The verifier, which derived L2
blocks from it, must undo them; the sequencer's batcher, which saw the batch mined, must post
those blocks again; and the verifier must then derive exactly the sequencer's chain.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import TypeVar

import pytest
from eth_account import Account
from web3 import Web3

from l1.contracts.batch_inbox import APPEND_BATCH, BATCH_APPENDED_TOPIC
from l1.rpc import L1Log
from rollup.batch import decode_batch
from tests.e2e.conftest import DEV_KEYS, send
from tests.e2e.l1_network import L1_BLOCK_TIME, Network, rpc, run_network
from tests.polling import wait_for

pytestmark = pytest.mark.e2e

T = TypeVar("T")
L2_CHAIN_ID = 901
RECOVERY_TIMEOUT = 120.0
WALLET_KEY = DEV_KEYS[6]
RECIPIENT = Web3.to_checksum_address("0x00000000000000000000000000000000000e0e61")


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    with run_network(tmp_path_factory.mktemp("reorg")) as running:
        yield running


def last_l2_block_of(network: Network, batch_log: L1Log) -> int:
    """The last L2 block of the batch a BatchAppended log announced (read from its calldata)."""
    calldata = network.anvil.client.get_transaction_input(batch_log.tx_hash)
    (data,) = APPEND_BATCH.decode_arguments(calldata)
    batch = decode_batch(bytes(data), L2_CHAIN_ID, 0, 0)  # only the block numbers are needed
    return batch.first_block_number + len(batch.blocks) - 1


def mine_until_head_batch_covers(network: Network, l2_block: int) -> tuple[int, L1Log, int]:
    """With interval mining paused, mine L1 blocks one at a time until the head carries the
    batch holding `l2_block`: (L1 head, its BatchAppended log, the batch's last L2 block).

    Every block mined here is inspected, and batches are consecutive, so the first batch that
    reaches `l2_block` is the one holding it.
    """
    client = network.anvil.client

    def mined_batch() -> tuple[int, L1Log, int] | None:
        network.anvil.mine(1)
        head = client.block_number()
        logs = client.get_logs(
            [network.deployment.batch_inbox], [[BATCH_APPENDED_TOPIC]], head, head
        )
        for entry in logs:
            last = last_l2_block_of(network, entry)
            if last >= l2_block:
                return head, entry, last
        time.sleep(L1_BLOCK_TIME)  # no faster than interval mining: L1 time stays near real time
        return None

    return wait_for(mined_batch, 60, f"an L1 block carrying the batch of L2 block {l2_block}")


def test_l1_reorg_dropping_a_batch_is_rolled_back_and_reposted(network: Network) -> None:
    seq, ver = network.seq, network.ver
    client = network.anvil.client
    wallet = Account.from_key(WALLET_KEY)
    # Some transactions on L2 so the batches carry state changes, not only empty blocks.
    for value in (1, 2, 3):
        assert send(seq, wallet, to=RECIPIENT, value=value, gas=21_000)["status"] == 1
    wait_for(lambda: ver.eth.block_number >= 5, 90, "the verifier to derive blocks from L1")
    started = time.monotonic()
    network.anvil.rpc("evm_setIntervalMining", [0])
    try:
        doomed = send(seq, wallet, to=RECIPIENT, value=4, gas=21_000)
        head, batch_log, last = mine_until_head_batch_covers(network, doomed["blockNumber"])
        # The verifier derives from the L1 head (no confirmations): it has the batch's blocks.
        wait_for(lambda: ver.eth.block_number >= last, 60, f"the verifier to derive block {last}")
        assert ver.eth.get_block(last)["hash"] == seq.eth.get_block(last)["hash"]
        # The sequencer reads L1 one confirmation behind: one block more, and wait until it has
        # read the batch's block too, so that both nodes must notice the reorg (not a race).
        network.anvil.mine(1)
        wait_for(
            lambda: (
                (rpc(network.sequencer.url, "rollup_syncStatus", []).get("head_l1") or {}).get(
                    "number", 0
                )
                >= head
            ),
            60,
            f"the sequencer to read L1 block {head}",
        )
        network.anvil.reorg(2)
        assert client.block_number() == head + 1
        assert client.get_block(head).hash != batch_log.block_hash
        assert client.get_receipt(batch_log.tx_hash) is None  # the batch is gone from L1
    finally:
        network.anvil.rpc("evm_setIntervalMining", [L1_BLOCK_TIME])
    reorged_at = time.monotonic()

    rollback = wait_for(
        lambda: re.search(r"rolling L2 back to block (\d+)", network.verifier.log()),
        RECOVERY_TIMEOUT,
        "the verifier to roll back",
    )
    assert int(rollback.group(1)) < last
    wait_for(
        lambda: "re-reading posted batches" in network.sequencer.log(),
        RECOVERY_TIMEOUT,
        "the batcher to notice the lost batch",
    )
    send(seq, wallet, to=RECIPIENT, value=5, gas=21_000)  # the chain goes on after the reorg
    target = seq.eth.block_number
    wait_for(
        lambda: ver.eth.block_number >= target, RECOVERY_TIMEOUT, f"the verifier to reach {target}"
    )
    converged = time.monotonic()
    for number in range(1, target + 1):
        ours, theirs = seq.eth.get_block(number), ver.eth.get_block(number)
        assert (theirs["hash"], theirs["stateRoot"]) == (ours["hash"], ours["stateRoot"]), number
    assert client.get_receipt(batch_log.tx_hash) is None  # re-posted, not re-included
    receipt = rpc(
        network.verifier.url, "eth_getTransactionReceipt", [doomed["transactionHash"].to_0x_hex()]
    )
    assert receipt["blockHash"] == doomed["blockHash"].to_0x_hex()
    assert ver.eth.get_balance(RECIPIENT) == seq.eth.get_balance(RECIPIENT) == 15
    print(
        f"reorg of L1 block {head} (L2 blocks up to {last}); verifier rolled back to "
        f"{rollback.group(1)}; setup-to-reorg {reorged_at - started:.1f} s, reorg-to-converged "
        f"{converged - reorged_at:.1f} s at L2 block {target}"
    )
