"""Polling filters as a dApp uses them through web3.py: a log filter on a token, a block filter,
a pending-transaction filter (eth_newFilter, eth_newBlockFilter, eth_newPendingTransactionFilter,
eth_getFilterChanges, eth_getFilterLogs, eth_uninstallFilter)."""

from __future__ import annotations

from web3 import Web3

from tests.e2e.conftest import MAX_UINT, WETH, NodeProcess, account, contract, send
from tests.polling import wait_for


def test_a_log_filter_reports_each_new_matching_log_once(w3: Web3) -> None:
    weth = contract(w3, WETH, "IWETH")
    owner = account(6)
    approval = weth.events.Approval()
    log_filter = approval.create_filter(
        from_block="latest", argument_filters={"owner": owner.address}
    )
    receipt = send(w3, owner, weth.functions.approve(account(7).address, MAX_UINT - 1))
    changes = wait_for(log_filter.get_new_entries, 10, "the approval in the filter's changes")
    assert [(c.transactionHash, c.args.spender, c.args.value) for c in changes] == [
        (receipt["transactionHash"], account(7).address, MAX_UINT - 1)
    ]
    assert log_filter.get_new_entries() == []
    assert [entry.transactionHash for entry in log_filter.get_all_entries()] == [
        receipt["transactionHash"]
    ]


def test_a_block_filter_reports_the_new_blocks_hashes_in_order(w3: Web3) -> None:
    block_filter = w3.eth.filter("latest")
    start = w3.eth.block_number
    wait_for(lambda: w3.eth.block_number >= start + 3, 10, "three more blocks")
    hashes = block_filter.get_new_entries()
    assert len(hashes) >= 3
    first = w3.eth.get_block(hashes[0])["number"]
    assert [w3.eth.get_block(first + i)["hash"] for i in range(len(hashes))] == hashes


def test_a_pending_filter_reports_a_sent_transaction(w3: Web3) -> None:
    pending_filter = w3.eth.filter("pending")
    receipt = send(w3, account(6), to=account(7).address, value=1, gas=21_000)
    assert receipt["transactionHash"] in pending_filter.get_new_entries()


def test_a_full_pending_filter_reports_the_whole_sent_transaction(
    node: NodeProcess, w3: Web3
) -> None:
    filter_id = node.rpc("eth_newPendingTransactionFilter", [True])["result"]
    receipt = send(w3, account(6), to=account(7).address, value=3, gas=21_000)
    (tx,) = node.rpc("eth_getFilterChanges", [filter_id])["result"]
    assert (
        tx
        == node.rpc("eth_getTransactionByHash", [receipt["transactionHash"].to_0x_hex()])["result"]
    )
    assert (tx["from"], tx["to"], tx["value"]) == (
        account(6).address.lower(),
        account(7).address.lower(),
        "0x3",
    )


def test_a_pending_filter_with_a_non_boolean_option_is_refused(node: NodeProcess) -> None:
    answer = node.rpc("eth_newPendingTransactionFilter", ["yes"])
    assert answer["error"]["code"] == -32602


def test_an_uninstalled_filter_is_gone(node: NodeProcess, w3: Web3) -> None:
    block_filter = w3.eth.filter("latest")
    assert w3.eth.uninstall_filter(block_filter.filter_id) is True
    answer = node.rpc("eth_getFilterChanges", [block_filter.filter_id])
    assert answer["error"] == {"code": -32000, "message": "filter not found"}


def test_a_filter_with_a_malformed_block_is_refused_at_install(node: NodeProcess) -> None:
    answer = node.rpc("eth_newFilter", [{"fromBlock": "yesterday"}])
    assert answer["error"]["code"] == -32602
    assert answer["error"]["message"] == "fromBlock: expected a hex quantity like 0x1a"


def test_a_filter_by_block_hash_is_refused(node: NodeProcess) -> None:
    answer = node.rpc("eth_newFilter", [{"blockHash": "0x" + "11" * 32}])
    assert answer["error"]["code"] == -32602
    assert "blockHash is for eth_getLogs" in answer["error"]["message"]
