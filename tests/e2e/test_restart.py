"""Stopping and restarting the node keeps every block, receipt and balance."""

from __future__ import annotations

import pytest
from web3 import Web3

from tests.e2e.conftest import USDC, account, contract, send, start_node

SINK = Web3.to_checksum_address("0x000000000000000000000000000000000000f00d")


def test_restart_keeps_blocks_receipts_and_balances(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    node = start_node(tmp_path_factory.mktemp("restart"))
    try:
        w3 = Web3(Web3.HTTPProvider(node.url))
        usdc = contract(w3, USDC, "IERC20")
        receipts = [
            send(w3, account(1), to=SINK, value=5, gas=21_000),
            send(w3, account(2), usdc.functions.transfer(SINK, 42)),
        ]
        head = w3.eth.block_number
        block = w3.eth.get_block(receipts[1]["blockNumber"], full_transactions=True)
        balance = w3.eth.get_balance(account(1).address)
        node.stop()
        node.start()
        w3 = Web3(Web3.HTTPProvider(node.url))
        assert w3.eth.block_number >= head
        assert w3.eth.get_block(receipts[1]["blockNumber"], full_transactions=True) == block
        for receipt in receipts:
            assert w3.eth.get_transaction_receipt(receipt["transactionHash"]) == receipt
        assert w3.eth.get_balance(account(1).address) == balance
        assert w3.eth.get_balance(SINK) == 5
        assert contract(w3, USDC, "IERC20").functions.balanceOf(SINK).call() == 42
        assert w3.eth.get_transaction_count(account(1).address) == 1
    finally:
        node.stop()
