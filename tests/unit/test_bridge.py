"""Withdrawals to L1: burn on L2, append keccak(abi.encode(index, sender, l1Recipient, l1Token,
amount)) to the withdrawal tree, whose root the state commits to."""

from __future__ import annotations

from eth_abi import decode, encode

from rollup.abi import compute_event_topic, encode_address_topic, encode_call
from rollup.addresses import L2_BRIDGE
from rollup.crypto import keccak256
from rollup.state import (
    KIND_ACCOUNT,
    WITHDRAWALS_KEY,
    Token,
    WithdrawalLeaf,
    Withdrawals,
    token_key,
    withdrawal_key,
)
from tests.unit.helpers import ADDRESSES, ANVIL_KEYS, Chain, base_document, hex_address

ALICE_KEY, BOB_KEY = ANVIL_KEYS[0], ANVIL_KEYS[1]
ALICE, BOB = ADDRESSES[0], ADDRESSES[1]
L1_RECIPIENT = bytes.fromhex("1111111111111111111111111111111111111111")
BRIDGED = bytes.fromhex("4200000000000000000000000000000000004001")
L1_TOKEN = bytes.fromhex("abababababababababababababababababababab")
LOCAL = bytes.fromhex("4200000000000000000000000000000000004002")

WITHDRAW_ETH = "withdrawETH(address)"
WITHDRAW_TOKEN = "withdrawToken(address,uint256,address)"
PRESENT = (1).to_bytes(32, "big")  # the value hash of every withdrawal-tree leaf


def world() -> Chain:
    document = base_document()
    document["tokens"] += [
        {
            "address": hex_address(BRIDGED),
            "name": "Bridged Token",
            "symbol": "BRG",
            "decimals": 18,
            "l1Token": hex_address(L1_TOKEN),
            "balances": {hex_address(ALICE): "500.0"},
        },
        {
            "address": hex_address(LOCAL),
            "name": "Local Token",
            "symbol": "LOC",
            "decimals": 18,
            "balances": {hex_address(ALICE): "500.0"},
        },
    ]
    return Chain(document)


def total_eth(chain: Chain) -> int:
    return sum(leaf.balance for key, leaf in chain.state.items() if key[0] == KIND_ACCOUNT)


def leaf_hash(key: bytes) -> bytes:
    return keccak256(b"\x00" + key + PRESENT)


def root_of_two(key_a: bytes, key_b: bytes) -> bytes:
    """Compact sparse Merkle root of two leaves: an internal node where their keys first differ,
    under one internal node per shared leading bit with an empty (zero) sibling."""
    a, b = int.from_bytes(key_a, "big"), int.from_bytes(key_b, "big")
    depth = 256 - (a ^ b).bit_length()  # index of the first differing bit
    left, right = (key_a, key_b) if a < b else (key_b, key_a)
    node = keccak256(b"\x01" + leaf_hash(left) + leaf_hash(right))
    for level in reversed(range(depth)):
        bit = (a >> (255 - level)) & 1
        node = keccak256(b"\x01" + (bytes(32) + node if bit else node + bytes(32)))
    return node


def eth_withdrawal_hash(index: int, sender: bytes, recipient: bytes, amount: int) -> bytes:
    return keccak256(
        encode(
            ["uint256", "address", "address", "address", "uint256"],
            [index, sender, recipient, bytes(20), amount],
        )
    )


def test_eth_withdrawal_burns_the_value() -> None:
    chain = world()
    eth_before, total_before = chain.eth(ALICE), total_eth(chain)
    sent = chain.ok(ALICE_KEY, L2_BRIDGE, WITHDRAW_ETH, L1_RECIPIENT, value=3 * 10**18)
    assert chain.eth(ALICE) == eth_before - 3 * 10**18 - sent.fee
    assert chain.eth(L2_BRIDGE) == 0
    assert total_eth(chain) == total_before - 3 * 10**18  # fees moved to the vault, not burned


def test_eth_withdrawal_hash_is_keccak_of_the_abi_encoded_fields() -> None:
    chain = world()
    sent = chain.ok(ALICE_KEY, L2_BRIDGE, WITHDRAW_ETH, L1_RECIPIENT, value=3 * 10**18)
    assert sent.returned("uint256") == (0,)
    expected = keccak256(
        (0).to_bytes(32, "big")
        + bytes(12)
        + ALICE
        + bytes(12)
        + L1_RECIPIENT
        + bytes(32)  # l1Token 0 for ETH
        + (3 * 10**18).to_bytes(32, "big")
    )
    assert expected == eth_withdrawal_hash(0, ALICE, L1_RECIPIENT, 3 * 10**18)
    assert chain.leaf(withdrawal_key(expected)) == WithdrawalLeaf(present=1)
    (log,) = sent.logs
    assert log.address == L2_BRIDGE
    assert log.topics == (
        compute_event_topic("WithdrawalInitiated(uint256,address,address,address,uint256,bytes32)"),
        bytes(32),
        encode_address_topic(ALICE),
        encode_address_topic(L1_RECIPIENT),
    )
    assert decode(["address", "uint256", "bytes32"], log.data) == (
        hex_address(bytes(20)),
        3 * 10**18,
        expected,
    )


def test_the_withdrawal_root_in_the_state_is_the_tree_of_withdrawal_hashes() -> None:
    chain = world()
    chain.ok(ALICE_KEY, L2_BRIDGE, WITHDRAW_ETH, L1_RECIPIENT, value=10**18)
    first = eth_withdrawal_hash(0, ALICE, L1_RECIPIENT, 10**18)
    # one leaf: the root is that leaf's hash (compact tree)
    assert chain.leaf(WITHDRAWALS_KEY) == Withdrawals(
        count=1, root=int.from_bytes(leaf_hash(first), "big")
    )
    assert chain.call_one(L2_BRIDGE, "withdrawalRoot()") == leaf_hash(first)
    assert chain.call_one(L2_BRIDGE, "withdrawalCount()") == 1
    assert chain.state.withdrawal_tree.root == leaf_hash(first)


def test_each_withdrawal_grows_the_tree_with_the_next_index() -> None:
    chain = world()
    chain.ok(ALICE_KEY, L2_BRIDGE, WITHDRAW_ETH, L1_RECIPIENT, value=10**18)
    sent = chain.ok(BOB_KEY, L2_BRIDGE, WITHDRAW_ETH, BOB, value=2)
    assert sent.returned("uint256") == (1,)
    first = eth_withdrawal_hash(0, ALICE, L1_RECIPIENT, 10**18)
    second = eth_withdrawal_hash(1, BOB, BOB, 2)
    expected_root = root_of_two(first, second)
    assert chain.leaf(WITHDRAWALS_KEY) == Withdrawals(
        count=2, root=int.from_bytes(expected_root, "big")
    )
    assert chain.call_one(L2_BRIDGE, "withdrawalRoot()") == expected_root


def test_withdrawals_in_one_block_get_consecutive_indexes_and_one_root() -> None:
    chain = world()
    block = chain.execute(
        [
            chain.sign(ALICE_KEY, L2_BRIDGE, encode_call(WITHDRAW_ETH, L1_RECIPIENT), 5),
            chain.sign(ALICE_KEY, L2_BRIDGE, encode_call(WITHDRAW_ETH, L1_RECIPIENT), 5),
        ]
    )
    assert [receipt.status for receipt in block.receipts] == [1, 1]
    first = eth_withdrawal_hash(0, ALICE, L1_RECIPIENT, 5)
    second = eth_withdrawal_hash(1, ALICE, L1_RECIPIENT, 5)
    assert chain.call_one(L2_BRIDGE, "withdrawalRoot()") == root_of_two(first, second)
    assert block.writes[WITHDRAWALS_KEY] == chain.leaf(WITHDRAWALS_KEY)


def test_the_state_root_commits_to_the_withdrawal_root() -> None:
    chain = world()
    other = world()
    chain.ok(ALICE_KEY, L2_BRIDGE, WITHDRAW_ETH, L1_RECIPIENT, value=10**18)
    other.ok(ALICE_KEY, L2_BRIDGE, WITHDRAW_ETH, BOB, value=10**18)
    # same balances everywhere, different withdrawal: different state roots
    assert chain.eth(ALICE) == other.eth(ALICE)
    assert chain.head.state_root != other.head.state_root


def test_eth_withdrawal_of_zero_reverts() -> None:
    chain = world()
    assert chain.fails(ALICE_KEY, L2_BRIDGE, WITHDRAW_ETH, L1_RECIPIENT) == (
        "withdrawal amount is zero"
    )


def test_eth_withdrawal_to_the_zero_address_reverts_and_keeps_the_eth() -> None:
    chain = world()
    eth_before = chain.eth(ALICE)
    sent = chain.transact(ALICE_KEY, L2_BRIDGE, WITHDRAW_ETH, bytes(20), value=10**18)
    assert sent.revert_reason == "withdrawal to the zero address"
    assert chain.eth(ALICE) == eth_before - sent.fee
    assert chain.leaf(WITHDRAWALS_KEY) == Withdrawals()


def test_token_withdrawal_burns_the_tokens_and_names_the_l1_token() -> None:
    chain = world()
    supply_before = chain.call_one(BRIDGED, "totalSupply()")
    sent = chain.ok(ALICE_KEY, L2_BRIDGE, WITHDRAW_TOKEN, BRIDGED, 40 * 10**18, L1_RECIPIENT)
    assert chain.balance(BRIDGED, ALICE) == 460 * 10**18
    assert chain.call_one(BRIDGED, "totalSupply()") == supply_before - 40 * 10**18
    token: Token = chain.leaf(token_key(BRIDGED))
    assert token.total_supply == 460 * 10**18
    expected = keccak256(
        encode(
            ["uint256", "address", "address", "address", "uint256"],
            [0, ALICE, L1_RECIPIENT, L1_TOKEN, 40 * 10**18],
        )
    )
    assert chain.leaf(withdrawal_key(expected)) == WithdrawalLeaf(present=1)
    burn, initiated = sent.logs
    assert burn.topics[2] == bytes(32)  # Transfer to the zero address
    assert decode(["address", "uint256", "bytes32"], initiated.data)[2] == expected


def test_token_withdrawal_of_a_token_not_bridged_from_l1_reverts() -> None:
    chain = world()
    assert chain.fails(ALICE_KEY, L2_BRIDGE, WITHDRAW_TOKEN, LOCAL, 1, L1_RECIPIENT) == (
        "token is not bridged from L1"
    )


def test_token_withdrawal_of_more_than_the_balance_reverts() -> None:
    chain = world()
    assert (
        chain.fails(ALICE_KEY, L2_BRIDGE, WITHDRAW_TOKEN, BRIDGED, 500 * 10**18 + 1, L1_RECIPIENT)
        == "burn amount exceeds balance"
    )


def test_token_withdrawal_of_zero_reverts() -> None:
    chain = world()
    assert chain.fails(ALICE_KEY, L2_BRIDGE, WITHDRAW_TOKEN, BRIDGED, 0, L1_RECIPIENT) == (
        "withdrawal amount is zero"
    )


def test_token_withdrawal_to_the_zero_address_reverts() -> None:
    chain = world()
    assert chain.fails(ALICE_KEY, L2_BRIDGE, WITHDRAW_TOKEN, BRIDGED, 1, bytes(20)) == (
        "withdrawal to the zero address"
    )
