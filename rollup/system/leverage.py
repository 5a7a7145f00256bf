"""One-transaction leverage (contracts/src/interfaces/ILeverage.sol).

Opening a position of principal P at leverage L does, in closed form rather than a loop: take P of
the collateral asset, borrow exactly the debt D that the AMM needs to return (L - 1) * P of collateral
(Uniswap v2's getAmountIn), swap it, and supply all L * P as the caller's collateral. The caller
bounds D (slippage) and the account must end within its volatility-adjusted borrow limit; L may not
exceed 1 / (1 - CF). Closing sells just enough collateral to repay the whole debt and returns the
rest of the collateral to the caller.
"""

from __future__ import annotations

from rollup.abi import compute_event_topic, encode_address_topic, encode_arguments
from rollup.addresses import LENDING, LEVERAGE
from rollup.fixedpoint import WAD, sub, wad_mul_down
from rollup.system.amm import compute_amount_in, execute_swap, get_reserves, require_not_expired
from rollup.system.context import CallContext, require
from rollup.system.lending import (
    accrue_interest,
    add_debt,
    compute_collateral_factor,
    compute_max_leverage,
    credit_supply,
    debit_supply,
    get_debt,
    get_market_config,
    has_debt,
    reduce_debt,
    require_within_borrow_limit,
)
from rollup.system.oracle import get_price
from rollup.system.tokens import move_tokens, spend_allowance

LEVERAGE_OPENED_TOPIC = compute_event_topic(
    "LeverageOpened(address,address,address,uint256,uint256,uint256)"
)
LEVERAGE_CLOSED_TOPIC = compute_event_topic(
    "LeverageClosed(address,address,address,uint256,uint256,uint256)"
)


def get_max_leverage(ctx: CallContext, collateral_asset: bytes) -> int:
    """1 / (1 - CF) with the collateral's current volatility-adjusted collateral factor."""
    config = get_market_config(ctx, collateral_asset)
    volatility = get_price(ctx, collateral_asset, require_fresh=False).volatility
    return compute_max_leverage(compute_collateral_factor(config, volatility))


def open_position(
    ctx: CallContext,
    collateral_asset: bytes,
    debt_asset: bytes,
    principal: int,
    leverage: int,
    max_debt: int,
    deadline: int,
) -> tuple[int, int]:
    """Supply principal * leverage of collateral, financed by one borrow and one swap."""
    require_not_expired(ctx, deadline)
    require(collateral_asset != debt_asset, "collateral and debt assets must differ")
    require(principal > 0, "principal is zero")
    require(leverage > WAD, "leverage must exceed 1x")
    require(leverage <= get_max_leverage(ctx, collateral_asset), "leverage above maximum")
    accrue_interest(ctx, collateral_asset)
    accrue_interest(ctx, debt_asset)

    target_collateral = wad_mul_down(principal, leverage)
    extra_collateral = sub(target_collateral, principal)
    require(extra_collateral > 0, "leverage too small for principal")
    reserve_debt, reserve_collateral = get_reserves(ctx, debt_asset, collateral_asset)
    debt = compute_amount_in(extra_collateral, reserve_debt, reserve_collateral)
    require(debt <= max_debt, "debt above maximum (slippage)")

    account = ctx.sender
    spend_allowance(ctx, collateral_asset, account, LEVERAGE, principal)
    move_tokens(ctx, collateral_asset, account, LEVERAGE, principal)
    add_debt(ctx, account, debt_asset, debt)
    move_tokens(ctx, debt_asset, LENDING, LEVERAGE, debt)
    bought = execute_swap(ctx, debt_asset, collateral_asset, debt, LEVERAGE, LEVERAGE)
    collateral = principal + bought
    move_tokens(ctx, collateral_asset, LEVERAGE, LENDING, collateral)
    credit_supply(ctx, account, collateral_asset, collateral)
    require_within_borrow_limit(ctx, account, "position would exceed borrow limit")
    ctx.emit(
        LEVERAGE,
        (
            LEVERAGE_OPENED_TOPIC,
            encode_address_topic(account),
            encode_address_topic(collateral_asset),
            encode_address_topic(debt_asset),
        ),
        encode_arguments(["uint256", "uint256", "uint256"], [principal, collateral, debt]),
    )
    return collateral, debt


def close_position(
    ctx: CallContext,
    collateral_asset: bytes,
    debt_asset: bytes,
    min_returned: int,
    deadline: int,
) -> int:
    """Repay the whole debt by selling collateral; return the remaining collateral to the caller."""
    require_not_expired(ctx, deadline)
    require(collateral_asset != debt_asset, "collateral and debt assets must differ")
    accrue_interest(ctx, collateral_asset)
    accrue_interest(ctx, debt_asset)
    account = ctx.sender
    debt = get_debt(ctx, account, debt_asset)
    require(debt > 0, "no debt to close")
    reserve_collateral, reserve_debt = get_reserves(ctx, collateral_asset, debt_asset)
    collateral_sold = compute_amount_in(debt, reserve_collateral, reserve_debt)

    collateral = debit_supply(ctx, account, collateral_asset, 2**256 - 1)
    require(collateral >= collateral_sold, "collateral cannot cover the debt")
    move_tokens(ctx, collateral_asset, LENDING, LEVERAGE, collateral)
    bought = execute_swap(ctx, collateral_asset, debt_asset, collateral_sold, LEVERAGE, LEVERAGE)
    repaid = reduce_debt(ctx, account, debt_asset, debt)
    move_tokens(ctx, debt_asset, LEVERAGE, LENDING, repaid)
    if bought > repaid:
        move_tokens(ctx, debt_asset, LEVERAGE, account, bought - repaid)
    returned = collateral - collateral_sold
    require(returned >= min_returned, "returned collateral below minimum (slippage)")
    if returned > 0:
        move_tokens(ctx, collateral_asset, LEVERAGE, account, returned)
    if has_debt(ctx, account):
        require_within_borrow_limit(ctx, account, "closing would exceed borrow limit")
    ctx.emit(
        LEVERAGE,
        (
            LEVERAGE_CLOSED_TOPIC,
            encode_address_topic(account),
            encode_address_topic(collateral_asset),
            encode_address_topic(debt_asset),
        ),
        encode_arguments(["uint256", "uint256", "uint256"], [collateral_sold, repaid, returned]),
    )
    return returned
