"""Withdrawals to L1 (contracts/src/interfaces/IL2Bridge.sol).

A withdrawal burns the ETH or tokens on L2 and adds its hash to the withdrawal tree, whose root is
committed in the state and in every output root; on L1 the user proves the hash against a finalized
output and the L1 bridge releases the funds.

withdrawal_hash = keccak256(abi.encode(index, sender, l1Recipient, l1Token, amount)), l1Token = 0
for ETH.
"""

from __future__ import annotations

from rollup.abi import compute_event_topic, encode_address_topic, encode_arguments, encode_word
from rollup.addresses import L2_BRIDGE
from rollup.crypto import keccak256
from rollup.fixedpoint import add, sub
from rollup.state import (
    WITHDRAWALS_KEY,
    Account,
    Token,
    WithdrawalLeaf,
    Withdrawals,
    account_key,
    withdrawal_key,
)
from rollup.system.context import CallContext, require
from rollup.system.tokens import burn_tokens, get_token

WITHDRAWAL_INITIATED_TOPIC = compute_event_topic(
    "WithdrawalInitiated(uint256,address,address,address,uint256,bytes32)"
)


def compute_withdrawal_hash(
    index: int, sender: bytes, l1_recipient: bytes, l1_token: bytes, amount: int
) -> bytes:
    return keccak256(
        encode_arguments(
            ["uint256", "address", "address", "address", "uint256"],
            [index, sender, l1_recipient, l1_token, amount],
        )
    )


def record_withdrawal(ctx: CallContext, l1_recipient: bytes, l1_token: bytes, amount: int) -> int:
    """Append a withdrawal to the tree and emit WithdrawalInitiated; return its index."""
    summary: Withdrawals = ctx.state.get(WITHDRAWALS_KEY)
    index = summary.count
    withdrawal_hash = compute_withdrawal_hash(index, ctx.sender, l1_recipient, l1_token, amount)
    ctx.state.set(withdrawal_key(withdrawal_hash), WithdrawalLeaf(present=1))
    ctx.state.set(WITHDRAWALS_KEY, summary._replace(count=add(index, 1)))
    ctx.emit(
        L2_BRIDGE,
        (
            WITHDRAWAL_INITIATED_TOPIC,
            encode_word(index),
            encode_address_topic(ctx.sender),
            encode_address_topic(l1_recipient),
        ),
        encode_arguments(["address", "uint256", "bytes32"], [l1_token, amount, withdrawal_hash]),
    )
    return index


def withdraw_eth(ctx: CallContext, l1_recipient: bytes) -> int:
    """Burn the ETH sent with the call and queue its release on L1."""
    require(ctx.value > 0, "withdrawal amount is zero")
    require(l1_recipient != bytes(20), "withdrawal to the zero address")
    bridge_key = account_key(L2_BRIDGE)
    bridge: Account = ctx.state.get(bridge_key)
    ctx.state.set(bridge_key, bridge._replace(balance=sub(bridge.balance, ctx.value)))
    return record_withdrawal(ctx, l1_recipient, bytes(20), ctx.value)


def withdraw_token(ctx: CallContext, token: bytes, amount: int, l1_recipient: bytes) -> int:
    """Burn bridged tokens and queue their release on L1."""
    leaf: Token = get_token(ctx.state, token)
    require(leaf.l1_token != 0, "token is not bridged from L1")
    require(amount > 0, "withdrawal amount is zero")
    require(l1_recipient != bytes(20), "withdrawal to the zero address")
    burn_tokens(ctx, token, ctx.sender, amount)
    return record_withdrawal(ctx, l1_recipient, leaf.l1_token.to_bytes(20, "big"), amount)


def get_withdrawal_root(ctx: CallContext) -> bytes:
    summary: Withdrawals = ctx.state.get(WITHDRAWALS_KEY)
    return summary.root.to_bytes(32, "big")


def get_withdrawal_count(ctx: CallContext) -> int:
    summary: Withdrawals = ctx.state.get(WITHDRAWALS_KEY)
    return summary.count
