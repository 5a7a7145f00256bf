"""The benchmark's workloads: deterministic, sliceable, and doing the work they claim to do."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest

from node.chain import Node
from node.recovery import recover_raw_transactions
from node.storage import Storage
from rollup.crypto import compute_private_key_address
from rollup.transaction import decode_and_recover
from rollup_cli.bench_profile import summarize_profile
from rollup_cli.bench_workloads import (
    ORACLE_KEY,
    build_call,
    make_sender_keys,
    sign_range,
    write_genesis,
)
from sequencer.role import Sequencer

CHAIN_ID = 901


def test_transaction_i_is_sent_by_sender_i_mod_s_with_nonce_i_div_s() -> None:
    keys = make_sender_keys(7)
    for index, (raw, _hash) in enumerate(sign_range("transfers", keys, CHAIN_ID, 0, 30)):
        tx, sender, _ = decode_and_recover(raw)
        assert sender == compute_private_key_address(keys[index % 7])
        assert tx.nonce == index // 7


@pytest.mark.parametrize("workload", ["transfers", "tokens", "swaps", "defi", "perps"])
def test_a_slice_signs_the_same_bytes_as_the_whole_run(workload: str) -> None:
    keys = make_sender_keys(12, workload)
    whole = sign_range(workload, keys, CHAIN_ID, 0, 60)
    assert (
        sign_range(workload, keys, CHAIN_ID, 0, 25) + sign_range(workload, keys, CHAIN_ID, 25, 60)
        == whole
    )


def test_the_defi_mix_oracle_is_the_genesis_oracle() -> None:
    assert make_sender_keys(10, "defi")[0] == ORACLE_KEY
    assert make_sender_keys(10, "transfers")[0] != ORACLE_KEY


def run_in_node(tmp_path: Path, workload: str, senders: int, count: int) -> list[tuple[str, int]]:
    """Admit and build a whole run in process; (operation, receipt status) per transaction."""
    keys = make_sender_keys(senders, workload)
    document = orjson.loads(write_genesis(tmp_path, keys).read_bytes())
    signed = sign_range(workload, keys, int(document["chainId"]), 0, count)
    addresses = [compute_private_key_address(key) for key in keys]
    operations = {
        tx_hash: build_call(workload, index, senders, addresses)[3] or "transfer_eth"
        for index, (_raw, tx_hash) in enumerate(signed)
    }
    sequencer = Sequencer(Node(Storage.open(f"sqlite:///{tmp_path}/node.db"), document))
    for recovered in recover_raw_transactions([raw for raw, _hash in signed]):
        assert recovered.signed is not None
        sequencer.submit_transaction(recovered.signed)
    outcomes: list[tuple[str, int]] = []
    while len(sequencer.mempool):
        execution = sequencer.build_block()
        assert execution.transactions, "a block with ready transactions included none"
        outcomes += [
            (operations[signed_tx.hash], receipt.status)
            for signed_tx, receipt in zip(execution.transactions, execution.receipts, strict=True)
        ]
    sequencer.node.close()
    return outcomes


def test_the_defi_mix_succeeds_when_sent_in_order(tmp_path: Path) -> None:
    # two cycles: the second starts from what the first left (repaid debt, topped-up collateral)
    outcomes = run_in_node(tmp_path, "defi", senders=40, count=40 * 46)
    assert len(outcomes) == 40 * 46
    failed = Counter(operation for operation, status in outcomes if status != 1)
    assert not failed, f"reverted: {failed}"
    done = Counter(operation for operation, _status in outcomes)
    for operation in (
        "swap",
        "lending_supply",
        "lending_borrow",
        "lending_repay",
        "lending_liquidate",
        "leverage_open",
        "leverage_close",
        "oracle_set_price",
        "token_transfer",
        "perps_deposit",
        "perps_modify",
        "perps_liquidate",
    ):
        assert done[operation] > 0, operation
    # 8 perps traders (4 groups of 10, two each) liquidate their pair once a cycle, two cycles.
    assert done["perps_liquidate"] == 8 * 2
    assert done["perps_deposit"] == 8 * 2


def test_the_perps_workload_trades_and_every_trade_succeeds(tmp_path: Path) -> None:
    outcomes = run_in_node(tmp_path, "perps", senders=10, count=10 * 12)
    assert [status for _operation, status in outcomes] == [1] * 120
    done = Counter(operation for operation, _status in outcomes)
    assert done == {"token_approve": 10, "perps_deposit": 10, "perps_modify": 100}


def test_the_profile_summary_counts_own_and_inclusive_samples(tmp_path: Path) -> None:
    folded = tmp_path / "profile.txt"
    folded.write_text(
        'process 1:"python -m rollup_cli.main sequencer";<module> (rollup_cli/main.py:1);'
        "build_block (/work/main/sequencer/role.py:300);execute_block (/x/rollup/block.py:9) 6\n"
        'process 1:"python -m rollup_cli.main sequencer";<module> (rollup_cli/main.py:1);'
        "build_block (/work/main/sequencer/role.py:300) 2\n"
        'process 1:"python";process 2:"python -c from multiprocessing.spawn import spawn_main;'
        ' spawn_main(tracker_fd=13, pipe_handle=17)";_process_worker '
        "(concurrent/futures/process.py:1);recover_compact (/w/node/recovery.py:70) 4\n"
        'process 1:"python";EpollSelector.select (selectors.py:415) 50\n'
    )
    summary = summarize_profile(folded)
    assert (summary.samples, summary.main_samples, summary.worker_samples) == (12, 8, 4)
    assert summary.top_self[0] == ("execute_block (rollup/block.py)", 6)
    assert dict(summary.top_inclusive)["build_block (sequencer/role.py)"] == 8
