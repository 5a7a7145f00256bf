"""Executing one transaction: the inclusion rules, fees, value transfer and the call.

A transaction that breaks an inclusion rule (wrong chain, bad nonce, cannot pay) is not part of the
chain at all: the block builder leaves it out and derivation skips it. Every other transaction is
included and produces a receipt: status 1 if its call succeeded, status 0 if the call reverted or
ran out of gas, in which case only the fee and the nonce change — as on Ethereum.
"""

from __future__ import annotations

from dataclasses import dataclass

from rollup.abi import Revert, decode_static_arguments, encode_arguments
from rollup.addresses import FEE_VAULT
from rollup.config import ChainConfig
from rollup.fixedpoint import ArithmeticOverflow
from rollup.gas import OPERATION_GAS, compute_intrinsic_gas
from rollup.state import Account, Overlay, account_key
from rollup.system.context import BlockEnvironment, CallContext, Log
from rollup.system.registry import find_function, get_interface
from rollup.transaction import Transaction


class InvalidBlockTransaction(Exception):
    """A transaction that may not be included in a block; the message names the broken rule."""


@dataclass(frozen=True, slots=True)
class CallResult:
    """What a call did: success, return or revert data, gas of its operation, and its logs."""

    success: bool
    output: bytes
    operation_gas: int
    logs: tuple[Log, ...]


@dataclass(frozen=True, slots=True)
class TransactionOutcome:
    """The effect of an included transaction, before block-level numbering."""

    status: int
    gas_used: int
    effective_gas_price: int
    logs: tuple[Log, ...]
    output: bytes


def compute_operation_gas(state: Overlay, to: bytes, data: bytes) -> int:
    """The fixed gas of the operation a call performs (0 for a plain ETH transfer)."""
    interface = get_interface(state, to)
    if interface is None:
        return OPERATION_GAS["transfer_eth"]
    if not data and interface == "IWETH":
        return OPERATION_GAS["weth_deposit"]
    try:
        return OPERATION_GAS[find_function(interface, data).gas]
    except Revert:
        return OPERATION_GAS["read"]


def transfer_eth(state: Overlay, source: bytes, destination: bytes, amount: int) -> None:
    """Move native ETH; reverts when the source is short."""
    if amount == 0 or source == destination:
        if amount:
            balance = state.get(account_key(source)).balance
            if balance < amount:
                raise Revert("insufficient balance for transfer")
        return
    source_key = account_key(source)
    source_account: Account = state.get(source_key)
    if source_account.balance < amount:
        raise Revert("insufficient balance for transfer")
    destination_key = account_key(destination)
    destination_account: Account = state.get(destination_key)
    state.set(source_key, source_account._replace(balance=source_account.balance - amount))
    state.set(
        destination_key, destination_account._replace(balance=destination_account.balance + amount)
    )


def execute_call(
    parent: Overlay,
    block: BlockEnvironment,
    sender: bytes,
    to: bytes,
    value: int,
    data: bytes,
    operation_gas: int | None = None,
) -> CallResult:
    """Run one call in its own overlay; commit it into `parent` only if it succeeds.

    A call to an ordinary account moves ETH (its data is ignored, as an EOA would). A call to a
    system contract moves ETH first (only payable functions accept it), then dispatches on the
    4-byte selector and ABI-encodes the return values.
    """
    state = Overlay(parent)
    context = CallContext(state=state, block=block, sender=sender, value=value)
    if operation_gas is None:  # a transaction has already priced its call
        operation_gas = compute_operation_gas(parent, to, data)
    try:
        transfer_eth(state, sender, to, value)
        interface = get_interface(state, to)
        if interface is None:
            output = b""
        elif not data and interface == "IWETH":
            from rollup.system.tokens import deposit_weth

            deposit_weth(context, to)
            output = b""
        else:
            function = find_function(interface, data)
            if value and not function.payable:
                raise Revert("function is not payable")
            arguments = decode_static_arguments(function.inputs, data)
            results = function.handler(context, to, arguments)
            output = encode_arguments(function.outputs, results or ()) if function.outputs else b""
    except Revert as revert:
        return CallResult(False, revert.encode(), operation_gas, ())
    except ArithmeticOverflow:
        return CallResult(False, Revert("arithmetic overflow").encode(), operation_gas, ())
    except ZeroDivisionError:
        return CallResult(False, Revert("division by zero").encode(), operation_gas, ())
    state.commit()
    return CallResult(True, output, operation_gas, tuple(context.logs))


def validate_transaction(
    state: Overlay,
    block: BlockEnvironment,
    config: ChainConfig,
    tx: Transaction,
    sender: bytes,
    gas_available: int,
) -> int:
    """Check the inclusion rules; return the intrinsic gas. Raises InvalidBlockTransaction."""
    if tx.chain_id != config.chain_id:
        raise InvalidBlockTransaction(
            f"invalid chain id: have {tx.chain_id}, want {config.chain_id}"
        )
    if tx.to is None:
        raise InvalidBlockTransaction("contract creation is not supported")
    if tx.max_priority_fee_per_gas > tx.max_fee_per_gas:
        raise InvalidBlockTransaction("max priority fee per gas higher than max fee per gas")
    if tx.max_fee_per_gas < block.base_fee:
        raise InvalidBlockTransaction(
            f"max fee per gas less than block base fee: maxFeePerGas: {tx.max_fee_per_gas}, "
            f"baseFee: {block.base_fee}"
        )
    intrinsic_gas = compute_intrinsic_gas(tx.data, tx.access_list)
    if tx.gas_limit < intrinsic_gas:
        raise InvalidBlockTransaction(
            f"intrinsic gas too low: have {tx.gas_limit}, want {intrinsic_gas}"
        )
    if tx.gas_limit > gas_available:
        raise InvalidBlockTransaction("gas limit reached")
    account: Account = state.get(account_key(sender))
    if tx.nonce < account.nonce:
        raise InvalidBlockTransaction(
            f"nonce too low: next nonce {account.nonce}, tx nonce {tx.nonce}"
        )
    if tx.nonce > account.nonce:
        raise InvalidBlockTransaction(
            f"nonce too high: next nonce {account.nonce}, tx nonce {tx.nonce}"
        )
    cost = tx.gas_limit * tx.max_fee_per_gas + tx.value
    if account.balance < cost:
        raise InvalidBlockTransaction(
            f"insufficient funds for gas * price + value: balance {account.balance}, tx cost {cost}"
        )
    return intrinsic_gas


def process_transaction(
    block_state: Overlay,
    block: BlockEnvironment,
    config: ChainConfig,
    tx: Transaction,
    sender: bytes,
    gas_available: int,
) -> TransactionOutcome:
    """Include `tx`: charge its gas, bump the nonce, run the call, refund unused gas.

    The fee (gas used times the effective gas price, base fee and tip alike) goes to the fee vault:
    ETH is never burned on L2, so total ETH changes only by deposits and withdrawals.
    """
    intrinsic_gas = validate_transaction(block_state, block, config, tx, sender, gas_available)
    assert tx.to is not None
    state = Overlay(block_state)
    price = min(tx.max_fee_per_gas, block.base_fee + tx.max_priority_fee_per_gas)
    sender_key = account_key(sender)
    account: Account = state.get(sender_key)
    state.set(
        sender_key,
        Account(nonce=account.nonce + 1, balance=account.balance - tx.gas_limit * price),
    )
    operation_gas = compute_operation_gas(state, tx.to, tx.data)
    logs: tuple[Log, ...]
    if intrinsic_gas + operation_gas > tx.gas_limit:
        status, gas_used, logs = 0, tx.gas_limit, ()
        output = Revert("out of gas").encode()
    else:
        result = execute_call(state, block, sender, tx.to, tx.value, tx.data, operation_gas)
        status = 1 if result.success else 0
        gas_used = intrinsic_gas + result.operation_gas
        logs, output = result.logs, result.output
    refund = (tx.gas_limit - gas_used) * price
    account = state.get(sender_key)
    state.set(sender_key, account._replace(balance=account.balance + refund))
    vault: Account = state.get(account_key(FEE_VAULT))
    state.set(account_key(FEE_VAULT), vault._replace(balance=vault.balance + gas_used * price))
    state.commit()
    return TransactionOutcome(status, gas_used, price, logs, output)
