"""A dApp reading at a block other than the head, with web3.py: at the block of an event it just
saw, the block before it, and the `safe` / `finalized` tags (docs/ARCHITECTURE.md §4)."""

from __future__ import annotations

from web3 import Web3

from tests.e2e.conftest import WETH, account, contract, send


def test_a_call_at_the_block_before_an_approval_sees_the_old_allowance(w3: Web3) -> None:
    owner, spender = account(4), account(5)
    weth = contract(w3, WETH, "IWETH")
    before = weth.functions.allowance(owner.address, spender.address).call()
    receipt = send(w3, owner, weth.functions.approve(spender.address, before + 12345))
    block = receipt["blockNumber"]
    allowance = weth.functions.allowance(owner.address, spender.address)
    assert allowance.call(block_identifier=block - 1) == before
    assert allowance.call(block_identifier=block) == before + 12345
    assert allowance.call(block_identifier=receipt["blockHash"]) == before + 12345


def test_balances_at_the_blocks_around_a_transfer(w3: Web3) -> None:
    recipient = Web3.to_checksum_address("0x00000000000000000000000000000000000a6e1d")
    receipt = send(w3, account(4), to=recipient, value=777, gas=21_000)
    block = receipt["blockNumber"]
    assert w3.eth.get_balance(recipient, block_identifier=block - 1) == 0
    assert w3.eth.get_balance(recipient, block_identifier=block) == 777


def test_finalized_on_a_node_without_l1_is_genesis(w3: Web3) -> None:
    # Nothing is final without L1: the finalized head stays at genesis, whose state is served.
    assert w3.eth.get_block("finalized")["number"] == 0
    assert w3.eth.get_block("safe")["number"] == 0
    genesis_balance = w3.eth.get_balance(account(0).address, block_identifier=0)
    assert w3.eth.get_balance(account(0).address, block_identifier="finalized") == genesis_balance
