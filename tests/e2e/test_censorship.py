"""A censoring sequencer cannot keep a user out: the user forces the transaction through L1.

Real processes end to end: anvil with the rollup's contracts (started here with the devnet's own
helpers), `rollup sequencer --censor <user>` with its batcher and proposer, and `rollup verifier`,
all on 127.0.0.1 and stopped by pid. The censored user's eth_sendRawTransaction is accepted and
then ignored; the same kind of L2 transaction posted on L1 with Bridge.forceTransaction is included
by the sequencer (every L2 block that advances its L1 origin starts with the L1 messages) and by
the verifier's derivation, with identical blocks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from eth_account import Account
from eth_typing import ChecksumAddress
from web3 import Web3

from l1.anvil import Anvil
from l1.contracts.bridge import Bridge
from l1.deploy import Deployment
from l1.sender import L1Sender
from tests.e2e.conftest import DEV_KEYS
from tests.e2e.l1_network import Network, Role, rpc, run_network
from tests.polling import wait_for

pytestmark = pytest.mark.e2e

T = TypeVar("T")
L2_CHAIN_ID = 901
INCLUSION_TIMEOUT = 90.0
USER_KEY = DEV_KEYS[4]  # the censored L2 user
L1_FORCER_KEY = DEV_KEYS[5]  # any L1 account may post a forced transaction
RECIPIENT = Web3.to_checksum_address("0x00000000000000000000000000000000c3450bad")


@dataclass
class CensoredNetwork:
    network: Network
    censored: ChecksumAddress

    @property
    def seq(self) -> Web3:
        return self.network.seq

    @property
    def ver(self) -> Web3:
        return self.network.ver

    @property
    def sequencer(self) -> Role:
        return self.network.sequencer

    @property
    def verifier(self) -> Role:
        return self.network.verifier

    @property
    def anvil(self) -> Anvil:
        return self.network.anvil

    @property
    def deployment(self) -> Deployment:
        return self.network.deployment


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CensoredNetwork]:
    censored = Account.from_key(USER_KEY).address
    directory = tmp_path_factory.mktemp("censorship")
    with run_network(directory, ["--censor", censored]) as running:
        yield CensoredNetwork(running, censored)


def sign_transfer(nonce: int, value: int) -> tuple[bytes, str]:
    """An ETH transfer on L2 signed by the censored user: (raw bytes, 0x-hash)."""
    signed = Account.from_key(USER_KEY).sign_transaction(
        {
            "to": RECIPIENT,
            "value": value,
            "gas": 21_000,
            "maxFeePerGas": 10**10,
            "maxPriorityFeePerGas": 10**6,
            "nonce": nonce,
            "chainId": L2_CHAIN_ID,
        }
    )
    return bytes(signed.raw_transaction), "0x" + bytes(signed.hash).hex()


def test_censored_users_transactions_never_land(network: CensoredNetwork) -> None:
    w3 = network.seq
    nonce = w3.eth.get_transaction_count(network.censored)
    assert w3.eth.get_balance(network.censored) > 10**18  # funded: only censorship stops it
    raw, tx_hash = sign_transfer(nonce, 1)
    # Accepted without complaint (a censor does not say so) ...
    assert w3.eth.send_raw_transaction(raw).to_0x_hex() == tx_hash
    start = w3.eth.block_number
    wait_for(lambda: w3.eth.block_number >= start + 8, 60, "eight more L2 blocks")
    # ... and never included.
    assert rpc(network.sequencer.url, "eth_getTransactionReceipt", [tx_hash]) is None
    assert w3.eth.get_transaction_count(network.censored) == nonce
    assert w3.eth.get_transaction_count(network.censored, "pending") == nonce
    assert "censoring 0x" + network.censored[2:].lower() in network.sequencer.log()


def test_forced_transaction_through_l1_is_included_despite_the_censor(
    network: CensoredNetwork,
) -> None:
    seq, ver = network.seq, network.ver
    nonce = seq.eth.get_transaction_count(network.censored)
    before = seq.eth.get_balance(RECIPIENT)
    raw, tx_hash = sign_transfer(nonce, 12_345)
    forcer = L1Sender(network.anvil.client, bytes.fromhex(L1_FORCER_KEY[2:]))
    receipt = forcer.send_and_wait(
        network.deployment.bridge, Bridge.encode_force_transaction(raw), timeout=60
    )
    assert receipt.succeeded

    def included(role: Role) -> Callable[[], dict[str, Any] | None]:
        return lambda: rpc(role.url, "eth_getTransactionReceipt", [tx_hash])

    on_sequencer = wait_for(included(network.sequencer), INCLUSION_TIMEOUT, "the sequencer")
    on_verifier = wait_for(included(network.verifier), INCLUSION_TIMEOUT, "the verifier")
    assert on_sequencer["status"] == on_verifier["status"] == "0x1"
    height = int(on_sequencer["blockNumber"], 16)
    assert on_verifier["blockNumber"] == on_sequencer["blockNumber"]
    assert on_verifier["blockHash"] == on_sequencer["blockHash"]
    ours, theirs = seq.eth.get_block(height), ver.eth.get_block(height)
    assert (theirs["hash"], theirs["stateRoot"]) == (ours["hash"], ours["stateRoot"])
    for w3 in (seq, ver):  # nobody else touches these accounts: the latest state shows the tx
        assert w3.eth.get_balance(RECIPIENT) == before + 12_345
        assert w3.eth.get_transaction_count(network.censored) == nonce + 1
