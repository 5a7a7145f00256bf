"""`blockTimestamp` on transactions, receipts and logs, as the ethereum/execution-apis schema has it
(TransactionInfo, ReceiptInfo, Log): the timestamp of the block that holds them, so an indexer
need not fetch the block for it."""

from __future__ import annotations

from typing import Any

from web3 import Web3

from tests.e2e.conftest import MAX_UINT, WETH, NodeProcess, account, contract, send


def call(node: NodeProcess, method: str, params: list[Any]) -> Any:
    body = node.rpc(method, params)
    assert "error" not in body, body
    return body["result"]


def included_transfer(w3: Web3) -> tuple[dict[str, Any], str]:
    """A WETH approval (one Approval log), its receipt, and its block's timestamp as hex."""
    weth = contract(w3, WETH, "IWETH")
    receipt = send(w3, account(6), weth.functions.approve(account(7).address, MAX_UINT))
    assert receipt["status"] == 1 and len(receipt["logs"]) == 1
    block = w3.provider.make_request("eth_getBlockByNumber", [hex(receipt["blockNumber"]), False])  # type: ignore[arg-type]
    return dict(receipt), block["result"]["timestamp"]


def test_transaction_by_hash_carries_its_blocks_timestamp(node: NodeProcess, w3: Web3) -> None:
    receipt, timestamp = included_transfer(w3)
    tx = call(node, "eth_getTransactionByHash", [receipt["transactionHash"].to_0x_hex()])
    assert tx["blockTimestamp"] == timestamp


def test_receipt_and_its_logs_carry_the_blocks_timestamp(node: NodeProcess, w3: Web3) -> None:
    receipt, timestamp = included_transfer(w3)
    raw = call(node, "eth_getTransactionReceipt", [receipt["transactionHash"].to_0x_hex()])
    assert raw["blockTimestamp"] == timestamp
    assert [log["blockTimestamp"] for log in raw["logs"]] == [timestamp]


def test_get_logs_entries_carry_their_blocks_timestamp(node: NodeProcess, w3: Web3) -> None:
    receipt, timestamp = included_transfer(w3)
    number = hex(receipt["blockNumber"])
    logs = call(node, "eth_getLogs", [{"fromBlock": number, "toBlock": number, "address": WETH}])
    mine = [log for log in logs if log["transactionHash"] == receipt["transactionHash"].to_0x_hex()]
    assert [log["blockTimestamp"] for log in mine] == [timestamp]


def test_full_block_transactions_carry_the_blocks_timestamp(node: NodeProcess, w3: Web3) -> None:
    receipt, timestamp = included_transfer(w3)
    block = call(node, "eth_getBlockByNumber", [hex(receipt["blockNumber"]), True])
    assert block["transactions"]
    assert {tx["blockTimestamp"] for tx in block["transactions"]} == {timestamp}
