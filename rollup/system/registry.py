"""The function table of every system contract: selector -> signature, outputs, gas, handler.

This table is the ABI the chain implements; tests/unit/test_abi.py checks it against the ABI JSON
generated from the Solidity interfaces in contracts/src/interfaces, so wallets and the state machine
can never disagree on a selector or a return type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rollup import addresses
from rollup.abi import Revert, compute_selector, parse_argument_types
from rollup.state import (
    Overlay,
    Pool,
    Token,
    allowance_key,
    balance_key,
    pool_key,
    token_key,
)
from rollup.system import amm, bridge, lending, leverage, oracle, perps, tokens
from rollup.system.context import CallContext

# A handler returns its outputs as a tuple, or None for a function without outputs.
Handler = Callable[[CallContext, bytes, list[Any]], tuple[Any, ...] | None]


@dataclass(frozen=True, slots=True)
class SystemFunction:
    """One external function of a system contract."""

    signature: str
    outputs: tuple[str, ...]
    gas: str  # key into rollup.gas.OPERATION_GAS
    handler: Handler
    payable: bool = False
    view: bool = False

    @property
    def selector(self) -> bytes:
        return compute_selector(self.signature)

    @property
    def inputs(self) -> tuple[str, ...]:
        return parse_argument_types(self.signature)


def _token_view(ctx: CallContext, token: bytes) -> Token:
    return tokens.get_token(ctx.state, token)


ERC20_FUNCTIONS: tuple[SystemFunction, ...] = (
    SystemFunction(
        "name()",
        ("string",),
        "read",
        lambda c, t, a: (tokens.decode_short_string(_token_view(c, t).name),),
        view=True,
    ),
    SystemFunction(
        "symbol()",
        ("string",),
        "read",
        lambda c, t, a: (tokens.decode_short_string(_token_view(c, t).symbol),),
        view=True,
    ),
    SystemFunction(
        "decimals()", ("uint8",), "read", lambda c, t, a: (_token_view(c, t).decimals,), view=True
    ),
    SystemFunction(
        "totalSupply()",
        ("uint256",),
        "read",
        lambda c, t, a: (_token_view(c, t).total_supply,),
        view=True,
    ),
    SystemFunction(
        "balanceOf(address)",
        ("uint256",),
        "read",
        lambda c, t, a: (c.state.get(balance_key(t, a[0])).amount,),
        view=True,
    ),
    SystemFunction(
        "allowance(address,address)",
        ("uint256",),
        "read",
        lambda c, t, a: (c.state.get(allowance_key(t, a[0], a[1])).amount,),
        view=True,
    ),
    SystemFunction(
        "transfer(address,uint256)",
        ("bool",),
        "token_transfer",
        lambda c, t, a: (tokens.transfer(c, t, a[0], a[1]),),
    ),
    SystemFunction(
        "approve(address,uint256)",
        ("bool",),
        "token_approve",
        lambda c, t, a: (tokens.approve(c, t, a[0], a[1]),),
    ),
    SystemFunction(
        "transferFrom(address,address,uint256)",
        ("bool",),
        "token_transfer_from",
        lambda c, t, a: (tokens.transfer_from(c, t, a[0], a[1], a[2]),),
    ),
)

WETH_FUNCTIONS: tuple[SystemFunction, ...] = (
    SystemFunction(
        "deposit()", (), "weth_deposit", lambda c, t, a: tokens.deposit_weth(c, t), payable=True
    ),
    SystemFunction(
        "withdraw(uint256)", (), "weth_withdraw", lambda c, t, a: tokens.withdraw_weth(c, t, a[0])
    ),
)

AMM_FUNCTIONS: tuple[SystemFunction, ...] = (
    SystemFunction(
        "createPool(address,address)",
        (),
        "pool_create",
        lambda c, t, a: amm.create_pool(c, a[0], a[1]),
    ),
    SystemFunction(
        "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)",
        ("uint256", "uint256", "uint256"),
        "liquidity_add",
        lambda c, t, a: amm.add_liquidity(c, *a),
    ),
    SystemFunction(
        "removeLiquidity(address,address,uint256,uint256,uint256,address,uint256)",
        ("uint256", "uint256"),
        "liquidity_remove",
        lambda c, t, a: amm.remove_liquidity(c, *a),
    ),
    SystemFunction(
        "swapExactIn(address,address,uint256,uint256,address,uint256)",
        ("uint256",),
        "swap",
        lambda c, t, a: (amm.swap_exact_in(c, *a),),
    ),
    SystemFunction(
        "getReserves(address,address)",
        ("uint256", "uint256", "uint256"),
        "read",
        lambda c, t, a: _get_reserves_view(c, a[0], a[1]),
        view=True,
    ),
    SystemFunction(
        "liquidityOf(address,address,address)",
        ("uint256",),
        "read",
        lambda c, t, a: (amm.get_liquidity_of(c, a[0], a[1], a[2]),),
        view=True,
    ),
    SystemFunction(
        "getAmountOut(address,address,uint256)",
        ("uint256",),
        "read",
        lambda c, t, a: (amm.compute_amount_out(a[2], *amm.get_reserves(c, a[0], a[1])),),
        view=True,
    ),
)


def _get_reserves_view(ctx: CallContext, token_a: bytes, token_b: bytes) -> tuple[int, int, int]:
    token0, token1 = amm.sort_tokens(token_a, token_b)
    pool: Pool = ctx.state.get(pool_key(token0, token1))  # zeros for a pool that does not exist
    if token_a == token0:
        return pool.reserve0, pool.reserve1, pool.total_liquidity
    return pool.reserve1, pool.reserve0, pool.total_liquidity


LENDING_FUNCTIONS: tuple[SystemFunction, ...] = (
    SystemFunction(
        "supply(address,uint256)",
        (),
        "lending_supply",
        lambda c, t, a: lending.supply(c, a[0], a[1]),
    ),
    SystemFunction(
        "withdraw(address,uint256)",
        ("uint256",),
        "lending_withdraw",
        lambda c, t, a: (lending.withdraw(c, a[0], a[1]),),
    ),
    SystemFunction(
        "borrow(address,uint256)",
        (),
        "lending_borrow",
        lambda c, t, a: lending.borrow(c, a[0], a[1]),
    ),
    SystemFunction(
        "repay(address,uint256)",
        ("uint256",),
        "lending_repay",
        lambda c, t, a: (lending.repay(c, a[0], a[1]),),
    ),
    SystemFunction(
        "liquidate(address,address,address,uint256)",
        ("uint256", "uint256"),
        "lending_liquidate",
        lambda c, t, a: lending.liquidate(c, *a),
    ),
    SystemFunction(
        "getAccountData(address)",
        ("uint256",) * 5,
        "read",
        lambda c, t, a: tuple(lending.compute_account_data(c, a[0], require_fresh=False)),
        view=True,
    ),
    SystemFunction(
        "getPosition(address,address)",
        ("uint256", "uint256"),
        "read",
        lambda c, t, a: lending.get_position(c, a[0], a[1]),
        view=True,
    ),
    SystemFunction(
        "getMarket(address)",
        ("uint256",) * 9,
        "read",
        lambda c, t, a: lending.get_market_summary(c, a[0]),
        view=True,
    ),
    SystemFunction(
        "getRiskParameters(address)",
        ("uint256",) * 4,
        "read",
        lambda c, t, a: lending.get_risk_parameters(c, a[0]),
        view=True,
    ),
)

LEVERAGE_FUNCTIONS: tuple[SystemFunction, ...] = (
    SystemFunction(
        "openPosition(address,address,uint256,uint256,uint256,uint256)",
        ("uint256", "uint256"),
        "leverage_open",
        lambda c, t, a: leverage.open_position(c, *a),
    ),
    SystemFunction(
        "closePosition(address,address,uint256,uint256)",
        ("uint256",),
        "leverage_close",
        lambda c, t, a: (leverage.close_position(c, *a),),
    ),
    SystemFunction(
        "maxLeverage(address)",
        ("uint256",),
        "read",
        lambda c, t, a: (leverage.get_max_leverage(c, a[0]),),
        view=True,
    ),
)

ORACLE_FUNCTIONS: tuple[SystemFunction, ...] = (
    SystemFunction(
        "setPrice(address,uint256,uint256)",
        (),
        "oracle_set_price",
        lambda c, t, a: oracle.set_price(c, a[0], a[1], a[2]),
    ),
    SystemFunction(
        "getPrice(address)",
        ("uint256", "uint256", "uint256"),
        "read",
        lambda c, t, a: oracle.get_price_report(c, a[0]),
        view=True,
    ),
)

PERPS_FUNCTIONS: tuple[SystemFunction, ...] = (
    SystemFunction(
        "depositMargin(address,uint256)",
        (),
        "perps_deposit",
        lambda c, t, a: perps.deposit_margin(c, a[0], a[1]),
    ),
    SystemFunction(
        "withdrawMargin(address,uint256)",
        ("uint256",),
        "perps_withdraw",
        lambda c, t, a: (perps.withdraw_margin(c, a[0], a[1]),),
    ),
    SystemFunction(
        "modifyPosition(address,int256,uint256,uint256)",
        ("uint256", "uint256"),
        "perps_modify",
        lambda c, t, a: perps.modify_position(c, *a),
    ),
    SystemFunction(
        "closePosition(address,uint256,uint256)",
        ("uint256", "uint256", "uint256"),
        "perps_close",
        lambda c, t, a: perps.close_position(c, *a),
    ),
    SystemFunction(
        "liquidate(address,address)",
        ("uint256",),
        "perps_liquidate",
        lambda c, t, a: (perps.liquidate(c, a[0], a[1]),),
    ),
    SystemFunction(
        "getPosition(address,address)",
        ("int256", "uint256", "uint256", "int256", "int256", "uint256", "uint256", "uint256"),
        "read",
        lambda c, t, a: perps.get_position(c, a[0], a[1]),
        view=True,
    ),
    SystemFunction(
        "getMarket(address)",
        (
            "int256",
            "uint256",
            "uint256",
            "int256",
            "int256",
            "uint256",
            "int256",
            "uint256",
            "uint256",
            "uint256",
        ),
        "read",
        lambda c, t, a: perps.get_market_summary(c, a[0]),
        view=True,
    ),
    SystemFunction(
        "quoteOrder(address,int256)",
        ("uint256", "uint256"),
        "read",
        lambda c, t, a: perps.quote_order(c, a[0], a[1]),
        view=True,
    ),
)

BRIDGE_FUNCTIONS: tuple[SystemFunction, ...] = (
    SystemFunction(
        "withdrawETH(address)",
        ("uint256",),
        "bridge_withdraw",
        lambda c, t, a: (bridge.withdraw_eth(c, a[0]),),
        payable=True,
    ),
    SystemFunction(
        "withdrawToken(address,uint256,address)",
        ("uint256",),
        "bridge_withdraw",
        lambda c, t, a: (bridge.withdraw_token(c, a[0], a[1], a[2]),),
    ),
    SystemFunction(
        "withdrawalRoot()",
        ("bytes32",),
        "read",
        lambda c, t, a: (bridge.get_withdrawal_root(c),),
        view=True,
    ),
    SystemFunction(
        "withdrawalCount()",
        ("uint256",),
        "read",
        lambda c, t, a: (bridge.get_withdrawal_count(c),),
        view=True,
    ),
)


def _index(functions: tuple[SystemFunction, ...]) -> dict[bytes, SystemFunction]:
    table = {function.selector: function for function in functions}
    assert len(table) == len(functions), "selector collision"
    return table


# Interface name (as in contracts/src/interfaces) -> functions.
INTERFACES: dict[str, tuple[SystemFunction, ...]] = {
    "IERC20": ERC20_FUNCTIONS,
    "IWETH": ERC20_FUNCTIONS + WETH_FUNCTIONS,
    "IAMM": AMM_FUNCTIONS,
    "ILending": LENDING_FUNCTIONS,
    "ILeverage": LEVERAGE_FUNCTIONS,
    "IOracle": ORACLE_FUNCTIONS,
    "IPerps": PERPS_FUNCTIONS,
    "IL2Bridge": BRIDGE_FUNCTIONS,
}

_TABLES: dict[str, dict[bytes, SystemFunction]] = {
    name: _index(functions) for name, functions in INTERFACES.items()
}

_NAMED_INTERFACES: dict[bytes, str] = {
    addresses.AMM: "IAMM",
    addresses.LENDING: "ILending",
    addresses.LEVERAGE: "ILeverage",
    addresses.ORACLE: "IOracle",
    addresses.PERPS: "IPerps",
    addresses.L2_BRIDGE: "IL2Bridge",
}


def get_interface(state: Overlay, address: bytes) -> str | None:
    """The interface of the system contract at `address`, or None for an ordinary account.

    The fee vault is a plain account (it only receives fees), so it has no interface.
    """
    name = _NAMED_INTERFACES.get(address)
    if name is not None:
        return name
    leaf: Token = state.get(token_key(address))
    if leaf.registered == 1:
        return "IWETH" if address == addresses.WETH else "IERC20"
    return None


def is_system_contract(state: Overlay, address: bytes) -> bool:
    return get_interface(state, address) is not None or address == addresses.FEE_VAULT


def find_function(interface: str, calldata: bytes) -> SystemFunction:
    """The function `calldata` selects; reverts on empty or unknown selectors."""
    if len(calldata) < 4:
        raise Revert("missing function selector")
    function = _TABLES[interface].get(calldata[:4])
    if function is None:
        raise Revert(f"unknown function selector 0x{calldata[:4].hex()}")
    return function
