"""ERC-20 tokens and wrapped ETH.

Every registered token is a system contract at its own address with the ERC-20 interface
(contracts/src/interfaces/IERC20.sol). Balances are leaves keyed by (token, owner), so a transfer
touches exactly two balance leaves. The AMM, lending and bridge move tokens with the same rules.
"""

from __future__ import annotations

from rollup.abi import Revert, compute_event_topic, encode_address_topic, encode_word
from rollup.fixedpoint import UINT256_MAX, add, sub
from rollup.state import (
    Account,
    Allowance,
    Overlay,
    Token,
    TokenBalance,
    account_key,
    allowance_key,
    balance_key,
    token_key,
)
from rollup.system.context import CallContext, require

TRANSFER_TOPIC = compute_event_topic("Transfer(address,address,uint256)")
APPROVAL_TOPIC = compute_event_topic("Approval(address,address,uint256)")
DEPOSIT_TOPIC = compute_event_topic("Deposit(address,uint256)")
WITHDRAWAL_TOPIC = compute_event_topic("Withdrawal(address,uint256)")


def get_token(state: Overlay, token: bytes) -> Token:
    """The token's registry leaf; reverts if no token is registered at that address."""
    leaf: Token = state.get(token_key(token))
    require(leaf.registered == 1, "not a registered token")
    return leaf


def is_token(state: Overlay, address: bytes) -> bool:
    leaf: Token = state.get(token_key(address))
    return leaf.registered == 1


def get_balance(state: Overlay, token: bytes, owner: bytes) -> int:
    leaf: TokenBalance = state.get(balance_key(token, owner))
    return leaf.amount


def emit_transfer(
    ctx: CallContext, token: bytes, source: bytes, destination: bytes, amount: int
) -> None:
    ctx.emit(
        token,
        (TRANSFER_TOPIC, encode_address_topic(source), encode_address_topic(destination)),
        encode_word(amount),
    )


def move_tokens(
    ctx: CallContext, token: bytes, source: bytes, destination: bytes, amount: int
) -> None:
    """Move `amount` of `token` between two holders, emitting Transfer; reverts if short."""
    state = ctx.state
    source_key = balance_key(token, source)
    source_balance = state.get(source_key).amount
    if source_balance < amount:
        raise Revert("transfer amount exceeds balance")
    if source != destination:
        destination_key = balance_key(token, destination)
        state.set(source_key, TokenBalance(source_balance - amount))
        state.set(destination_key, TokenBalance(add(state.get(destination_key).amount, amount)))
    emit_transfer(ctx, token, source, destination, amount)


def mint_tokens(ctx: CallContext, token: bytes, destination: bytes, amount: int) -> None:
    """Create tokens (bridge deposits, WETH wraps): supply and balance grow by `amount`."""
    state = ctx.state
    leaf = get_token(state, token)
    state.set(token_key(token), leaf._replace(total_supply=add(leaf.total_supply, amount)))
    key = balance_key(token, destination)
    state.set(key, TokenBalance(add(state.get(key).amount, amount)))
    emit_transfer(ctx, token, bytes(20), destination, amount)


def burn_tokens(ctx: CallContext, token: bytes, source: bytes, amount: int) -> None:
    """Destroy tokens (bridge withdrawals, WETH unwraps); reverts if the holder is short."""
    state = ctx.state
    leaf = get_token(state, token)
    key = balance_key(token, source)
    balance = state.get(key).amount
    if balance < amount:
        raise Revert("burn amount exceeds balance")
    state.set(key, TokenBalance(balance - amount))
    state.set(token_key(token), leaf._replace(total_supply=sub(leaf.total_supply, amount)))
    emit_transfer(ctx, token, source, bytes(20), amount)


def transfer(ctx: CallContext, token: bytes, destination: bytes, amount: int) -> bool:
    """ERC-20 transfer from the caller."""
    get_token(ctx.state, token)
    require(destination != bytes(20), "transfer to the zero address")
    move_tokens(ctx, token, ctx.sender, destination, amount)
    return True


def approve(ctx: CallContext, token: bytes, spender: bytes, amount: int) -> bool:
    """ERC-20 approve: set the caller's allowance for `spender`."""
    get_token(ctx.state, token)
    require(spender != bytes(20), "approve to the zero address")
    ctx.state.set(allowance_key(token, ctx.sender, spender), Allowance(amount))
    ctx.emit(
        token,
        (APPROVAL_TOPIC, encode_address_topic(ctx.sender), encode_address_topic(spender)),
        encode_word(amount),
    )
    return True


def spend_allowance(
    ctx: CallContext, token: bytes, owner: bytes, spender: bytes, amount: int
) -> None:
    """Use `amount` of an allowance; an allowance of 2**256-1 is unlimited and never decreases."""
    key = allowance_key(token, owner, spender)
    allowance = ctx.state.get(key).amount
    if allowance == UINT256_MAX:
        return
    if allowance < amount:
        raise Revert("insufficient allowance")
    ctx.state.set(key, Allowance(allowance - amount))


def transfer_from(
    ctx: CallContext, token: bytes, source: bytes, destination: bytes, amount: int
) -> bool:
    """ERC-20 transferFrom: the caller spends `source`'s allowance."""
    get_token(ctx.state, token)
    require(destination != bytes(20), "transfer to the zero address")
    spend_allowance(ctx, token, source, ctx.sender, amount)
    move_tokens(ctx, token, source, destination, amount)
    return True


def deposit_weth(ctx: CallContext, weth: bytes) -> None:
    """Wrap the ETH sent with the call into WETH 1:1 (the ETH stays with the WETH contract)."""
    mint_tokens(ctx, weth, ctx.sender, ctx.value)
    ctx.emit(weth, (DEPOSIT_TOPIC, encode_address_topic(ctx.sender)), encode_word(ctx.value))


def withdraw_weth(ctx: CallContext, weth: bytes, amount: int) -> None:
    """Unwrap WETH back into ETH sent to the caller."""
    burn_tokens(ctx, weth, ctx.sender, amount)
    state = ctx.state
    contract_key = account_key(weth)
    contract: Account = state.get(contract_key)
    state.set(contract_key, contract._replace(balance=sub(contract.balance, amount)))
    caller_key = account_key(ctx.sender)
    caller: Account = state.get(caller_key)
    state.set(caller_key, caller._replace(balance=add(caller.balance, amount)))
    ctx.emit(weth, (WITHDRAWAL_TOPIC, encode_address_topic(ctx.sender)), encode_word(amount))


def decode_short_string(word: int) -> str:
    """A bytes32 left-aligned UTF-8 string (token name or symbol) as text."""
    return word.to_bytes(32, "big").rstrip(b"\x00").decode("utf-8", errors="replace")


def encode_short_string(text: str) -> int:
    """Text of at most 32 UTF-8 bytes as a left-aligned bytes32 word."""
    data = text.encode("utf-8")
    if len(data) > 32:
        raise ValueError(f"{text!r} is longer than 32 bytes")
    return int.from_bytes(data.ljust(32, b"\x00"), "big")
