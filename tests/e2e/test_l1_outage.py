"""An L1 outage of a minute: the roles reach anvil through a TCP proxy the test cuts (connections
closed, new ones refused) and restores. Meanwhile the sequencer serves and builds blocks on its
last L1 origin (within the sequencer window); afterwards its batcher and proposer catch up, every
L2 block is on L1 exactly once, in order, and the verifier derives the sequencer's chain.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from eth_account import Account
from web3 import Web3

from tests.e2e.conftest import DEV_KEYS, send
from tests.e2e.l1_network import (
    Network,
    assert_batches_contiguous,
    rpc,
    run_network,
    wait_until_verifier_has,
)
from tests.polling import wait_for

pytestmark = pytest.mark.e2e

OUTAGE = 60.0
CATCH_UP_TIMEOUT = 120.0
L2_CHAIN_ID = 901
WALLET_KEY = DEV_KEYS[6]
RECIPIENT = Web3.to_checksum_address("0x000000000000000000000000000000000000a11e")


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    with run_network(tmp_path_factory.mktemp("outage"), l1_proxy=True) as running:
        yield running


def sync_status(network: Network) -> dict[str, object]:
    status: dict[str, object] = rpc(network.sequencer.url, "rollup_syncStatus", [])
    return status


def test_an_l1_outage_of_a_minute_is_ridden_out(network: Network) -> None:
    seq, ver = network.seq, network.ver
    proxy = network.proxy
    assert proxy is not None
    wallet = Account.from_key(WALLET_KEY)
    before = send(seq, wallet, to=RECIPIENT, value=1, gas=21_000)
    wait_for(lambda: ver.eth.block_number >= before["blockNumber"], 90, "the verifier to derive it")
    l1 = sync_status(network)["l1"]
    assert isinstance(l1, dict)
    proposed_before = int(l1["outputs_proposed"])

    proxy.cut()
    cut_at = time.monotonic()
    head_at_cut = seq.eth.block_number
    during = send(seq, wallet, to=RECIPIENT, value=2, gas=21_000)  # users are served
    while time.monotonic() - cut_at < OUTAGE:  # the outage lasts a minute; watch it
        assert network.sequencer.process.poll() is None
        assert network.verifier.process.poll() is None
        assert ver.eth.block_number >= before["blockNumber"]  # reads still answered
        time.sleep(1)
    built = seq.eth.block_number - head_at_cut
    l1 = sync_status(network)["l1"]
    assert isinstance(l1, dict)
    assert l1["last_error"], "the settlement worker did not notice the outage"
    proxy.restore()
    restored_at = time.monotonic()

    after = send(seq, wallet, to=RECIPIENT, value=4, gas=21_000)
    target = after["blockNumber"]
    wait_until_verifier_has(network, target, CATCH_UP_TIMEOUT)
    caught_up = time.monotonic() - restored_at
    for transfer in (before, during, after):
        receipt = ver.eth.get_transaction_receipt(transfer["transactionHash"])
        assert receipt["blockHash"] == transfer["blockHash"]
    batches = assert_batches_contiguous(network)
    wait_for(
        lambda: int(sync_status(network)["l1"]["outputs_proposed"]) > proposed_before,  # type: ignore[index]
        CATCH_UP_TIMEOUT,
        "an output proposed after the outage",
    )
    assert "WRONG" not in network.verifier.log()
    print(
        f"L1 cut for {OUTAGE:.0f} s: the sequencer built {built} blocks meanwhile; "
        f"the verifier had block {target} {caught_up:.1f} s after L1 came back; "
        f"{len(batches)} batches on L1, contiguous"
    )
