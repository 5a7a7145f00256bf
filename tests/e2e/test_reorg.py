"""L1 reorgs: one that drops a batch (the verifier rolls back, the batcher posts again, both
agree), and deeper ones, of 3, 6 and 12 blocks, that also remove the L1 origins of the sequencer's
unsafe blocks and a deposit those blocks included (the sequencer rewinds onto the new L1 chain and
re-includes its users' transactions: docs/SETTLEMENT.md §5), and one that removes an L2 block with
a log a WebSocket `logs` subscription and a polling filter had reported (both get it again with
`removed: true`, then the log of the block that includes its transaction again).

Real processes end to end: anvil with the rollup's contracts (started here with the devnet's own
helpers), `rollup sequencer` with its batcher and proposer, and `rollup verifier`, all on
127.0.0.1 and stopped by pid. L1 interval mining is paused while the test looks for a head block
that carries a batch, so that block is still the head when `anvil_reorg` replaces it (anvil drops
the replaced block's transactions: the batch is gone from L1). The verifier, which derived L2
blocks from it, must undo them; the sequencer's batcher, which saw the batch mined, must post
those blocks again; and the verifier must then derive exactly the sequencer's chain.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from eth_account import Account
from web3 import AsyncWeb3, Web3, WebSocketProvider

from l1.contracts.batch_inbox import BATCH_APPENDED_TOPIC, decode_batch_calldata
from l1.contracts.bridge import Bridge
from l1.rpc import L1Log
from l1.sender import L1Sender
from rollup.batch import decode_batch
from tests.e2e.conftest import DEV_KEYS, WETH, send
from tests.e2e.l1_network import (
    L1_BLOCK_TIME,
    Network,
    rpc,
    run_network,
    wait_until_verifier_has,
)
from tests.e2e.test_websocket import take_notifications
from tests.polling import wait_for

pytestmark = pytest.mark.e2e

T = TypeVar("T")
L2_CHAIN_ID = 901
RECOVERY_TIMEOUT = 120.0
WALLET_KEY = DEV_KEYS[6]
RECIPIENT = Web3.to_checksum_address("0x00000000000000000000000000000000000e0e61")
DEPOSITOR_KEY = DEV_KEYS[7]
DEEP_WALLET_KEYS = {3: DEV_KEYS[3], 6: DEV_KEYS[4], 12: DEV_KEYS[5]}
WRAPPER_KEY = DEV_KEYS[8]
WETH_DEPOSIT_TOPIC = Web3.keccak(text="Deposit(address,uint256)").to_0x_hex()


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    with run_network(tmp_path_factory.mktemp("reorg")) as running:
        yield running


def last_l2_block_of(network: Network, batch_log: L1Log) -> int:
    """The last L2 block of the batch a BatchAppended log announced (read from its calldata)."""
    calldata = network.anvil.client.get_transaction_input(batch_log.tx_hash)
    batch = decode_batch(
        decode_batch_calldata(calldata), L2_CHAIN_ID, 0, 0
    )  # only the block numbers are needed
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
    wait_until_verifier_has(network, target, RECOVERY_TIMEOUT)
    converged = time.monotonic()
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


def l1_head_read_by(network: Network) -> int:
    status = rpc(network.sequencer.url, "rollup_syncStatus", [])
    return int((status.get("head_l1") or {}).get("number", 0))


def outputs_proposed(network: Network) -> int:
    status = rpc(network.sequencer.url, "rollup_syncStatus", [])
    return int(status["l1"]["outputs_proposed"])


@pytest.mark.parametrize("depth", [3, 6, 12])
def test_a_deep_l1_reorg_rewinds_the_sequencer_onto_the_new_l1_chain(
    network: Network, depth: int
) -> None:
    """L1 blocks up to the head are replaced, `depth` of them: H carried the batch of an L2
    transfer (replaced too from depth 4), H+1 a deposit, and the sequencer built blocks on origins
    up to the head but one, with the deposit and a second transfer. The deposit is gone with its L1
    transaction; both transfers are in both nodes' chains, which are identical, and the sequencer
    goes on posting batches and proposing outputs."""
    seq, ver = network.seq, network.ver
    client = network.anvil.client
    wallet = Account.from_key(DEEP_WALLET_KEYS[depth])
    beneficiary = Web3.to_checksum_address(f"0x{depth:040x}")
    depositor = L1Sender(client, bytes.fromhex(DEPOSITOR_KEY[2:]))
    wait_for(lambda: ver.eth.block_number >= 3, 90, "the verifier to derive blocks from L1")
    network.anvil.rpc("evm_setIntervalMining", [0])
    try:
        first = send(seq, wallet, to=beneficiary, value=1, gas=21_000)
        batch_block, batch_log, _ = mine_until_head_batch_covers(network, first["blockNumber"])
        deposit = depositor.send(
            network.deployment.bridge,
            Bridge.encode_deposit_eth(bytes.fromhex(beneficiary[2:])),
            value=10**18,
        )
        # Enough blocks that the sequencer (one confirmation deep, origins one behind that)
        # builds on H+1, and that the reorg reaches back to H from depth 4.
        for _ in range(max(depth - 1, 3)):
            network.anvil.mine(1)
            time.sleep(L1_BLOCK_TIME)  # one a second, as interval mining would
        head = client.block_number()
        common = head - depth  # the last L1 block the reorg keeps
        deposit_receipt = client.get_receipt(deposit)
        assert deposit_receipt is not None and deposit_receipt.block_number == batch_block + 1
        wait_for(
            lambda: seq.eth.get_balance(beneficiary) == 10**18 + 1,
            60,
            "the sequencer to include the deposit",
        )
        second = send(seq, wallet, to=beneficiary, value=2, gas=21_000)
        second_origin = rpc(
            network.sequencer.url, "eth_getBlockByNumber", [hex(second["blockNumber"]), False]
        )["l1OriginNumber"]
        assert int(second_origin, 16) > common  # built on an origin the reorg removes
        wait_for(lambda: l1_head_read_by(network) >= head - 1, 60, "the sequencer to read L1")
        proposed_before = outputs_proposed(network)
        network.anvil.reorg(depth)
        assert client.get_receipt(deposit) is None  # the deposit is gone from L1 ...
        if common < batch_block:
            assert client.get_receipt(batch_log.tx_hash) is None  # ... and so is the batch
    finally:
        network.anvil.rpc("evm_setIntervalMining", [L1_BLOCK_TIME])
    reorged_at = time.monotonic()

    rewind = wait_for(
        lambda: re.search(
            rf"L1 reorg to block {common} removed the origins of L2 blocks (\d+)-(\d+)",
            network.sequencer.log(),
        ),
        RECOVERY_TIMEOUT,
        "the sequencer to rewind",
    )
    assert int(rewind.group(1)) <= second["blockNumber"]
    second_hash = second["transactionHash"].to_0x_hex()
    wait_for(  # no receipt while it waits in the mempool again
        lambda: rpc(network.sequencer.url, "eth_getTransactionReceipt", [second_hash]),
        RECOVERY_TIMEOUT,
        "the second transfer to be included again",
    )
    send(seq, wallet, to=beneficiary, value=4, gas=21_000)  # the chain goes on after the reorg
    target = seq.eth.block_number
    wait_until_verifier_has(network, target, RECOVERY_TIMEOUT)
    converged = time.monotonic()
    for transfer in (first, second):
        mine = seq.eth.get_transaction_receipt(transfer["transactionHash"])
        theirs = ver.eth.get_transaction_receipt(transfer["transactionHash"])
        assert (theirs["blockHash"], theirs["status"]) == (mine["blockHash"], 1)
    assert seq.eth.get_balance(beneficiary) == ver.eth.get_balance(beneficiary) == 1 + 2 + 4
    wait_for(
        lambda: outputs_proposed(network) > proposed_before,
        RECOVERY_TIMEOUT,
        "an output proposed after the reorg",
    )
    assert "WRONG" not in network.verifier.log()
    print(
        f"reorg of depth {depth} back to L1 block {common}: sequencer rewound L2 blocks "
        f"{rewind.group(1)}-{rewind.group(2)}; reorg-to-converged "
        f"{converged - reorged_at:.1f} s at L2 block {target}"
    )


def test_logs_of_an_l2_block_a_reorg_removes_come_back_removed_to_subscribers_and_filters(
    network: Network,
) -> None:
    """An L2 transaction wraps ETH into WETH (a Deposit log) in a block built on an L1 origin that
    a reorg of depth 3 then replaces. A WebSocket `logs` subscription and a polling filter on the
    sequencer reported the log; after the sequencer's rewind each gets it again with `removed:
    true` and the removed block's hash, then the log of the block that includes the transaction
    again (docs/ARCHITECTURE.md §4)."""
    depth = 3
    url = network.sequencer.url
    client = network.anvil.client
    wallet = Account.from_key(WRAPPER_KEY)
    deposits = {
        "address": WETH,
        "topics": [WETH_DEPOSIT_TOPIC, "0x" + "00" * 12 + wallet.address[2:].lower()],
    }
    filter_id = rpc(url, "eth_newFilter", [deposits])
    polled: list[dict[str, Any]] = []

    def poll_filter_until(condition: Callable[[list[dict[str, Any]]], bool], what: str) -> None:
        def changed() -> bool:
            polled.extend(rpc(url, "eth_getFilterChanges", [filter_id]))
            return condition(polled)

        wait_for(changed, RECOVERY_TIMEOUT, what)

    def wrap_then_reorg() -> tuple[Any, int, re.Match[str]]:
        """The wrap in a block on an origin the reorg removes, reported to the filter; the
        reorg; the sequencer's rewind (its log line)."""
        network.anvil.rpc("evm_setIntervalMining", [0])
        try:
            for _ in range(3):  # the sequencer builds on H-2 once it has read H-1
                network.anvil.mine(1)
                time.sleep(L1_BLOCK_TIME)  # one a second, as interval mining would
            head = client.block_number()
            common = head - depth  # the last L1 block the reorg keeps
            wait_for(lambda: l1_head_read_by(network) >= head - 1, 60, "the sequencer to read L1")
            wrapped = send(network.seq, wallet, to=WETH, value=10**15, gas=100_000)
            block = rpc(url, "eth_getBlockByNumber", [hex(wrapped["blockNumber"]), False])
            assert int(block["l1OriginNumber"], 16) > common  # an origin the reorg removes
            poll_filter_until(lambda logs: len(logs) == 1, "the filter to report the log")
            network.anvil.reorg(depth)
        finally:
            network.anvil.rpc("evm_setIntervalMining", [L1_BLOCK_TIME])
        rewind = wait_for(
            lambda: re.search(
                rf"L1 reorg to block {common} removed the origins of L2 blocks (\d+)-(\d+)",
                network.sequencer.log(),
            ),
            RECOVERY_TIMEOUT,
            "the sequencer to rewind",
        )
        return wrapped, common, rewind

    async def run() -> tuple[Any, int, re.Match[str], list[Any]]:
        async with AsyncWeb3(WebSocketProvider(url.replace("http://", "ws://"))) as ws:
            await ws.eth.subscribe("logs", deposits)
            wrapped, common, rewind = await asyncio.to_thread(wrap_then_reorg)
            notified = await asyncio.wait_for(take_notifications(ws, 3), RECOVERY_TIMEOUT)
            return wrapped, common, rewind, notified

    wrapped, common, rewind, notified = asyncio.run(run())
    number, removed_hash = wrapped["blockNumber"], wrapped["blockHash"].to_0x_hex()
    assert int(rewind.group(1)) <= number <= int(rewind.group(2))
    poll_filter_until(lambda logs: len(logs) == 3, "the filter to report the removal")
    tx_hash = wrapped["transactionHash"].to_0x_hex()
    replacing = rpc(url, "eth_getTransactionReceipt", [tx_hash])
    assert replacing["blockHash"] != removed_hash
    original, removed, again = polled
    assert [(log["blockHash"], log["removed"]) for log in polled] == [
        (removed_hash, False),
        (removed_hash, True),
        (replacing["blockHash"], False),
    ]
    assert {**removed, "removed": False} == original  # the same log, marked removed
    assert again == {**replacing["logs"][1], "removed": False}  # Transfer, then Deposit
    assert [
        (log["blockNumber"], log["blockHash"].to_0x_hex(), log["removed"], log["transactionHash"])
        for log in notified
    ] == [
        (number, removed_hash, False, wrapped["transactionHash"]),
        (number, removed_hash, True, wrapped["transactionHash"]),
        (
            int(replacing["blockNumber"], 16),
            replacing["blockHash"],
            False,
            wrapped["transactionHash"],
        ),
    ]
    print(
        f"reorg back to L1 block {common} removed L2 blocks {rewind.group(1)}-{rewind.group(2)}; "
        f"the Deposit log of block {number} came back removed, then in block "
        f"{int(replacing['blockNumber'], 16)}"
    )


def test_a_reorg_below_l1_finality_halts_both_nodes_loudly(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """anvil calls the block 64 below its head finalized: a reorg of 70 replaces finalized blocks.
    Nothing derived from finalized L1 may change, so neither node follows it."""
    with run_network(tmp_path_factory.mktemp("past-finality")) as network:
        seq, ver = network.seq, network.ver
        client = network.anvil.client
        network.anvil.mine(80)
        head = client.block_number()
        wait_for(
            lambda: l1_head_read_by(network) >= head - 1 and ver.eth.block_number > 0,
            60,
            "both nodes to read the 80 blocks",
        )
        wait_for(lambda: ver.eth.block_number >= seq.eth.block_number - 20, 60, "the verifier")
        network.anvil.reorg(70)
        status = wait_for(
            lambda: rpc(network.sequencer.url, "rollup_syncStatus", []).get("halted"),
            RECOVERY_TIMEOUT,
            "the sequencer to halt",
        )
        assert "below its finalized block" in status
        wait_for(
            lambda: "derivation stopped" in network.verifier.log(),
            RECOVERY_TIMEOUT,
            "the verifier to stop deriving",
        )
        halted_at = seq.eth.block_number
        assert "block production halted" in network.sequencer.log()
        # Reads go on; blocks do not.
        wait_for(lambda: client.block_number() >= head + 3, 30, "three more L1 blocks")
        assert seq.eth.block_number == halted_at
