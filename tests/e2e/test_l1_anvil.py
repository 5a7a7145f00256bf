"""The anvil devnet L1: startup, mining modes, clean stop by pid, snapshots and reorgs.

Every test starts its own anvil on 127.0.0.1 (a free port) and stops it by pid.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest

from l1.anvil import DEV_KEYS, Anvil, AnvilError
from l1.processes import find_descendants, is_process_alive
from l1.rpc import L1BlockNotFound, L1Client, L1ConnectionError
from rollup.crypto import compute_private_key_address, keccak256
from rollup.transaction import (
    TX_TYPE_DYNAMIC_FEE,
    Transaction,
    encode_transaction,
    sign_transaction,
)

pytestmark = pytest.mark.e2e

RECIPIENT = bytes.fromhex("70997970c51812dc3a010c7d01b50e0d17dc79c8")
GWEI = 10**9


@pytest.fixture
def no_mining_anvil() -> Iterator[Anvil]:
    with Anvil(no_mining=True) as anvil:
        yield anvil


def sign_transfer(nonce: int, value: int = 1) -> bytes:
    tx = Transaction(
        tx_type=TX_TYPE_DYNAMIC_FEE,
        chain_id=31337,
        nonce=nonce,
        max_priority_fee_per_gas=GWEI,
        max_fee_per_gas=10 * GWEI,
        gas_limit=21_000,
        to=RECIPIENT,
        value=value,
        data=b"",
        access_list=(),
    )
    return encode_transaction(sign_transaction(tx, DEV_KEYS[0]))


def test_anvil_answers_with_its_chain_id() -> None:
    with Anvil(chain_id=901) as anvil:
        assert anvil.client.chain_id() == 901


def test_interval_mining_produces_linked_blocks_one_second_apart() -> None:
    with Anvil(block_time=1) as anvil:
        deadline = time.monotonic() + 10
        while anvil.client.block_number() < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        second, third = anvil.client.get_block(2), anvil.client.get_block(3)
    assert third.parent_hash == second.hash
    assert third.timestamp - second.timestamp == 1


def test_no_mining_mode_mines_only_when_asked(no_mining_anvil: Anvil) -> None:
    time.sleep(1.5)
    assert no_mining_anvil.client.block_number() == 0
    no_mining_anvil.mine(3)
    assert no_mining_anvil.client.block_number() == 3


def test_stop_leaves_no_anvil_process_behind() -> None:
    anvil = Anvil(block_time=1).start()
    pids = [anvil.pid, *find_descendants(anvil.pid)]
    assert len(pids) == 2  # the npm node wrapper and the native anvil it spawned
    anvil.stop()
    assert [pid for pid in pids if is_process_alive(pid)] == []


def test_stop_kills_the_native_anvil_after_its_wrapper_was_killed() -> None:
    anvil = Anvil(block_time=1).start()
    (native,) = find_descendants(anvil.pid)
    os.kill(anvil.pid, signal.SIGKILL)  # the wrapper cannot forward SIGKILL: native survives
    time.sleep(0.2)
    assert is_process_alive(native)
    anvil.stop(grace=0.5)
    assert not is_process_alive(native)


def test_revert_to_snapshot_restores_head(no_mining_anvil: Anvil) -> None:
    no_mining_anvil.mine(2)
    head = no_mining_anvil.client.get_block("latest")
    snapshot = no_mining_anvil.snapshot()
    no_mining_anvil.mine(3)
    no_mining_anvil.revert(snapshot)
    assert no_mining_anvil.client.get_block("latest") == head


def test_reorg_replaces_the_last_blocks_at_the_same_height(no_mining_anvil: Anvil) -> None:
    no_mining_anvil.mine(5)
    before = [no_mining_anvil.client.get_block(n) for n in range(6)]
    no_mining_anvil.reorg(2)
    after = [no_mining_anvil.client.get_block(n) for n in range(6)]
    assert no_mining_anvil.client.block_number() == 5
    assert after[:4] == before[:4]
    assert [after[4].hash == before[4].hash, after[5].hash == before[5].hash] == [False, False]
    assert after[4].parent_hash == before[3].hash
    assert after[5].parent_hash == after[4].hash


def test_reorg_drops_the_transactions_of_replaced_blocks(no_mining_anvil: Anvil) -> None:
    client = no_mining_anvil.client
    tx_hash = client.send_raw_transaction(sign_transfer(nonce=0, value=7))
    no_mining_anvil.mine(1)
    assert client.get_receipt(tx_hash) is not None
    no_mining_anvil.reorg(1)
    assert client.get_receipt(tx_hash) is None
    assert client.get_balance(RECIPIENT) == 10_000 * 10**18
    assert client.get_transaction_count(compute_private_key_address(DEV_KEYS[0]), "pending") == 0


def test_reorg_puts_given_transactions_into_the_new_blocks(no_mining_anvil: Anvil) -> None:
    client = no_mining_anvil.client
    no_mining_anvil.mine(3)
    raw = sign_transfer(nonce=0, value=9)
    no_mining_anvil.reorg(2, [(raw, 1)])
    receipt = client.get_receipt(keccak256(raw))
    assert receipt is not None
    assert receipt.block_number == 3
    assert client.get_balance(RECIPIENT) == 10_000 * 10**18 + 9


def test_rollback_removes_the_last_blocks(no_mining_anvil: Anvil) -> None:
    no_mining_anvil.mine(4)
    no_mining_anvil.rollback(2)
    assert no_mining_anvil.client.block_number() == 2
    with pytest.raises(L1BlockNotFound):
        no_mining_anvil.client.get_block(3)


def test_failed_start_reports_anvils_error() -> None:
    with pytest.raises(AnvilError, match="no-such-flag"):
        Anvil(extra_args=["--no-such-flag"]).start()


def test_stop_kills_the_anvil_that_is_listening(no_mining_anvil: Anvil) -> None:
    no_mining_anvil.stop()
    with pytest.raises(L1ConnectionError):
        L1Client(no_mining_anvil.url, timeout=1.0).chain_id()
