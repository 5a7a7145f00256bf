"""Constant-product pools with Uniswap v2 math (contracts/src/interfaces/IAMM.sol).

One AMM contract holds every pool's tokens; a pool is identified by its sorted token pair. Fee 0.3%
stays in the pool (LPs earn it through k growing). The first deposit locks MINIMUM_LIQUIDITY shares
to the zero address so the share price can never be pushed to absurd values. Tokens are pulled from
the caller with ERC-20 allowances given to the AMM address, as a router would.
"""

from __future__ import annotations

from rollup.abi import Revert, compute_event_topic, encode_address_topic, encode_arguments
from rollup.addresses import AMM
from rollup.fixedpoint import add, isqrt, mul, sub
from rollup.state import Liquidity, Pool, liquidity_key, pool_key
from rollup.system.context import CallContext, require
from rollup.system.tokens import get_token, move_tokens, spend_allowance

MINIMUM_LIQUIDITY = 1_000
FEE_NUMERATOR = 997
FEE_DENOMINATOR = 1_000

POOL_CREATED_TOPIC = compute_event_topic("PoolCreated(address,address)")
LIQUIDITY_ADDED_TOPIC = compute_event_topic(
    "LiquidityAdded(address,address,address,uint256,uint256,uint256)"
)
LIQUIDITY_REMOVED_TOPIC = compute_event_topic(
    "LiquidityRemoved(address,address,address,uint256,uint256,uint256)"
)
SWAP_TOPIC = compute_event_topic("Swap(address,address,address,uint256,uint256,address)")
SYNC_TOPIC = compute_event_topic("Sync(address,address,uint256,uint256)")


def sort_tokens(token_a: bytes, token_b: bytes) -> tuple[bytes, bytes]:
    """The pool's (token0, token1): the lower address first."""
    require(token_a != token_b, "identical tokens")
    return (token_a, token_b) if token_a < token_b else (token_b, token_a)


def compute_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """Output of an exact-input swap after the 0.3% fee, rounded down (Uniswap v2 getAmountOut)."""
    require(amount_in > 0, "insufficient input amount")
    require(reserve_in > 0 and reserve_out > 0, "insufficient liquidity")
    amount_in_with_fee = mul(amount_in, FEE_NUMERATOR)
    numerator = mul(amount_in_with_fee, reserve_out)
    denominator = add(mul(reserve_in, FEE_DENOMINATOR), amount_in_with_fee)
    return numerator // denominator


def compute_amount_in(amount_out: int, reserve_in: int, reserve_out: int) -> int:
    """Least input that yields `amount_out`, rounded up (Uniswap v2 getAmountIn)."""
    require(amount_out > 0, "insufficient output amount")
    require(reserve_in > 0 and reserve_out > amount_out, "insufficient liquidity")
    numerator = mul(mul(reserve_in, amount_out), FEE_DENOMINATOR)
    denominator = mul(reserve_out - amount_out, FEE_NUMERATOR)
    return numerator // denominator + 1


def quote(amount_a: int, reserve_a: int, reserve_b: int) -> int:
    """Amount of B worth `amount_a` of A at the pool's current ratio, rounded down."""
    require(amount_a > 0, "insufficient amount")
    require(reserve_a > 0 and reserve_b > 0, "insufficient liquidity")
    return mul(amount_a, reserve_b) // reserve_a


def get_pool(ctx: CallContext, token0: bytes, token1: bytes) -> Pool:
    pool: Pool = ctx.state.get(pool_key(token0, token1))
    require(pool.created == 1, "pool does not exist")
    return pool


def get_reserves(ctx: CallContext, token_in: bytes, token_out: bytes) -> tuple[int, int]:
    """(reserve of token_in, reserve of token_out)."""
    token0, token1 = sort_tokens(token_in, token_out)
    pool = get_pool(ctx, token0, token1)
    if token_in == token0:
        return pool.reserve0, pool.reserve1
    return pool.reserve1, pool.reserve0


def emit_sync(ctx: CallContext, token0: bytes, token1: bytes, pool: Pool) -> None:
    ctx.emit(
        AMM,
        (SYNC_TOPIC, encode_address_topic(token0), encode_address_topic(token1)),
        encode_arguments(["uint256", "uint256"], [pool.reserve0, pool.reserve1]),
    )


def require_not_expired(ctx: CallContext, deadline: int) -> None:
    require(ctx.block.timestamp <= deadline, "transaction expired")


def create_pool(ctx: CallContext, token_a: bytes, token_b: bytes) -> None:
    """Open an empty pool for a pair of registered tokens."""
    token0, token1 = sort_tokens(token_a, token_b)
    get_token(ctx.state, token0)
    get_token(ctx.state, token1)
    key = pool_key(token0, token1)
    require(ctx.state.get(key).created == 0, "pool exists")
    ctx.state.set(key, Pool(created=1))
    ctx.emit(
        AMM,
        (POOL_CREATED_TOPIC, encode_address_topic(token0), encode_address_topic(token1)),
        b"",
    )


def add_liquidity(
    ctx: CallContext,
    token_a: bytes,
    token_b: bytes,
    amount_a_desired: int,
    amount_b_desired: int,
    amount_a_min: int,
    amount_b_min: int,
    recipient: bytes,
    deadline: int,
) -> tuple[int, int, int]:
    """Deposit both tokens at the pool's ratio and mint LP shares to `recipient`."""
    require_not_expired(ctx, deadline)
    token0, token1 = sort_tokens(token_a, token_b)
    pool = get_pool(ctx, token0, token1)
    reserve_a, reserve_b = (
        (pool.reserve0, pool.reserve1) if token_a == token0 else (pool.reserve1, pool.reserve0)
    )
    if reserve_a == 0 and reserve_b == 0:
        amount_a, amount_b = amount_a_desired, amount_b_desired
    else:
        amount_b_optimal = quote(amount_a_desired, reserve_a, reserve_b)
        if amount_b_optimal <= amount_b_desired:
            require(amount_b_optimal >= amount_b_min, "insufficient B amount")
            amount_a, amount_b = amount_a_desired, amount_b_optimal
        else:
            amount_a_optimal = quote(amount_b_desired, reserve_b, reserve_a)
            require(amount_a_optimal <= amount_a_desired, "insufficient A amount")
            require(amount_a_optimal >= amount_a_min, "insufficient A amount")
            amount_a, amount_b = amount_a_optimal, amount_b_desired
    amount0, amount1 = (amount_a, amount_b) if token_a == token0 else (amount_b, amount_a)

    state = ctx.state
    if pool.total_liquidity == 0:
        root = isqrt(mul(amount0, amount1))
        require(root > MINIMUM_LIQUIDITY, "insufficient liquidity minted")
        liquidity = root - MINIMUM_LIQUIDITY
        locked_key = liquidity_key(token0, token1, bytes(20))
        state.set(locked_key, Liquidity(MINIMUM_LIQUIDITY))
        total = MINIMUM_LIQUIDITY
    else:
        liquidity = min(
            mul(amount0, pool.total_liquidity) // pool.reserve0,
            mul(amount1, pool.total_liquidity) // pool.reserve1,
        )
        require(liquidity > 0, "insufficient liquidity minted")
        total = pool.total_liquidity

    spend_allowance(ctx, token0, ctx.sender, AMM, amount0)
    move_tokens(ctx, token0, ctx.sender, AMM, amount0)
    spend_allowance(ctx, token1, ctx.sender, AMM, amount1)
    move_tokens(ctx, token1, ctx.sender, AMM, amount1)

    recipient_key = liquidity_key(token0, token1, recipient)
    state.set(recipient_key, Liquidity(add(state.get(recipient_key).amount, liquidity)))
    pool = Pool(
        created=1,
        reserve0=add(pool.reserve0, amount0),
        reserve1=add(pool.reserve1, amount1),
        total_liquidity=add(total, liquidity),
    )
    state.set(pool_key(token0, token1), pool)
    ctx.emit(
        AMM,
        (
            LIQUIDITY_ADDED_TOPIC,
            encode_address_topic(recipient),
            encode_address_topic(token0),
            encode_address_topic(token1),
        ),
        encode_arguments(["uint256", "uint256", "uint256"], [amount0, amount1, liquidity]),
    )
    emit_sync(ctx, token0, token1, pool)
    return amount_a, amount_b, liquidity


def remove_liquidity(
    ctx: CallContext,
    token_a: bytes,
    token_b: bytes,
    liquidity: int,
    amount_a_min: int,
    amount_b_min: int,
    recipient: bytes,
    deadline: int,
) -> tuple[int, int]:
    """Burn the caller's LP shares for its pro-rata part of both reserves, rounded down."""
    require_not_expired(ctx, deadline)
    token0, token1 = sort_tokens(token_a, token_b)
    pool = get_pool(ctx, token0, token1)
    state = ctx.state
    owner_key = liquidity_key(token0, token1, ctx.sender)
    owned = state.get(owner_key).amount
    require(liquidity > 0, "insufficient liquidity burned")
    require(owned >= liquidity, "burn amount exceeds liquidity")
    amount0 = mul(liquidity, pool.reserve0) // pool.total_liquidity
    amount1 = mul(liquidity, pool.reserve1) // pool.total_liquidity
    require(amount0 > 0 and amount1 > 0, "insufficient liquidity burned")
    amount_a, amount_b = (amount0, amount1) if token_a == token0 else (amount1, amount0)
    require(amount_a >= amount_a_min, "insufficient A amount")
    require(amount_b >= amount_b_min, "insufficient B amount")

    state.set(owner_key, Liquidity(owned - liquidity))
    pool = Pool(
        created=1,
        reserve0=sub(pool.reserve0, amount0),
        reserve1=sub(pool.reserve1, amount1),
        total_liquidity=sub(pool.total_liquidity, liquidity),
    )
    state.set(pool_key(token0, token1), pool)
    move_tokens(ctx, token0, AMM, recipient, amount0)
    move_tokens(ctx, token1, AMM, recipient, amount1)
    ctx.emit(
        AMM,
        (
            LIQUIDITY_REMOVED_TOPIC,
            encode_address_topic(ctx.sender),
            encode_address_topic(token0),
            encode_address_topic(token1),
        ),
        encode_arguments(["uint256", "uint256", "uint256"], [amount0, amount1, liquidity]),
    )
    emit_sync(ctx, token0, token1, pool)
    return amount_a, amount_b


def execute_swap(
    ctx: CallContext,
    token_in: bytes,
    token_out: bytes,
    amount_in: int,
    source: bytes,
    recipient: bytes,
) -> int:
    """Swap `amount_in` held by `source` (already authorised) and pay the output to `recipient`."""
    token0, token1 = sort_tokens(token_in, token_out)
    pool = get_pool(ctx, token0, token1)
    zero_for_one = token_in == token0
    reserve_in, reserve_out = (
        (pool.reserve0, pool.reserve1) if zero_for_one else (pool.reserve1, pool.reserve0)
    )
    amount_out = compute_amount_out(amount_in, reserve_in, reserve_out)
    require(amount_out > 0, "insufficient output amount")
    move_tokens(ctx, token_in, source, AMM, amount_in)
    move_tokens(ctx, token_out, AMM, recipient, amount_out)
    new_in, new_out = add(reserve_in, amount_in), sub(reserve_out, amount_out)
    pool = Pool(
        created=1,
        reserve0=new_in if zero_for_one else new_out,
        reserve1=new_out if zero_for_one else new_in,
        total_liquidity=pool.total_liquidity,
    )
    ctx.state.set(pool_key(token0, token1), pool)
    ctx.emit(
        AMM,
        (
            SWAP_TOPIC,
            encode_address_topic(source),
            encode_address_topic(token_in),
            encode_address_topic(token_out),
        ),
        encode_arguments(["uint256", "uint256", "address"], [amount_in, amount_out, recipient]),
    )
    emit_sync(ctx, token0, token1, pool)
    return amount_out


def swap_exact_in(
    ctx: CallContext,
    token_in: bytes,
    token_out: bytes,
    amount_in: int,
    amount_out_min: int,
    recipient: bytes,
    deadline: int,
) -> int:
    """Sell exactly `amount_in` of token_in for at least `amount_out_min` of token_out."""
    require_not_expired(ctx, deadline)
    require(recipient != bytes(20), "swap to the zero address")
    spend_allowance(ctx, token_in, ctx.sender, AMM, amount_in)
    amount_out = execute_swap(ctx, token_in, token_out, amount_in, ctx.sender, recipient)
    if amount_out < amount_out_min:
        raise Revert("insufficient output amount")
    return amount_out


def get_liquidity_of(ctx: CallContext, token_a: bytes, token_b: bytes, owner: bytes) -> int:
    token0, token1 = sort_tokens(token_a, token_b)
    leaf: Liquidity = ctx.state.get(liquidity_key(token0, token1, owner))
    return leaf.amount
