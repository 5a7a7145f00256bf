// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IAMM
/// @notice The constant-product AMM system contract at SystemAddresses.AMM, with Uniswap v2 math:
///         reserves satisfy x * y = k, every swap pays a 0.3% fee to the pool, and the first
///         deposit into a pool locks a minimum liquidity forever. A pool is identified by its token
///         pair, in either order; internally and in events the pair is sorted (token0 < token1 by
///         address). Function arguments and results follow the caller's order (tokenA, tokenB).
///         Native ETH trades as WETH (SystemAddresses.WETH).
interface IAMM {
    /// @notice Emitted when a pool is created.
    /// @param token0 The pair's token with the lower address.
    /// @param token1 The pair's token with the higher address.
    event PoolCreated(address indexed token0, address indexed token1);

    /// @notice Emitted when liquidity is added to a pool.
    /// @param provider  The account credited with the LP shares (the `to` of addLiquidity).
    /// @param token0    The pair's token with the lower address.
    /// @param token1    The pair's token with the higher address.
    /// @param amount0   The amount of token0 deposited.
    /// @param amount1   The amount of token1 deposited.
    /// @param liquidity The LP shares minted to `provider`.
    event LiquidityAdded(
        address indexed provider,
        address indexed token0,
        address indexed token1,
        uint256 amount0,
        uint256 amount1,
        uint256 liquidity
    );

    /// @notice Emitted when liquidity is removed from a pool.
    /// @param provider  The account whose LP shares were burned (the caller of removeLiquidity).
    /// @param token0    The pair's token with the lower address.
    /// @param token1    The pair's token with the higher address.
    /// @param amount0   The amount of token0 paid out.
    /// @param amount1   The amount of token1 paid out.
    /// @param liquidity The LP shares burned.
    event LiquidityRemoved(
        address indexed provider,
        address indexed token0,
        address indexed token1,
        uint256 amount0,
        uint256 amount1,
        uint256 liquidity
    );

    /// @notice Emitted on every swap.
    /// @param sender    The caller, who paid `amountIn`.
    /// @param tokenIn   The token sold to the pool.
    /// @param tokenOut  The token bought from the pool.
    /// @param amountIn  The amount of `tokenIn` paid, fee included.
    /// @param amountOut The amount of `tokenOut` paid out.
    /// @param to        The recipient of `amountOut`.
    event Swap(
        address indexed sender,
        address indexed tokenIn,
        address indexed tokenOut,
        uint256 amountIn,
        uint256 amountOut,
        address to
    );

    /// @notice Emitted whenever a pool's reserves change, with the new reserves.
    /// @param token0   The pair's token with the lower address.
    /// @param token1   The pair's token with the higher address.
    /// @param reserve0 The pool's new reserve of token0.
    /// @param reserve1 The pool's new reserve of token1.
    event Sync(address indexed token0, address indexed token1, uint256 reserve0, uint256 reserve1);

    /// @notice Creates the empty pool of a token pair. Reverts if the tokens are equal, either is
    ///         not a registered token, or the pool already exists.
    /// @param tokenA One token of the pair.
    /// @param tokenB The other token of the pair.
    function createPool(address tokenA, address tokenB) external;

    /// @notice Deposits both tokens of a pool from the caller and mints LP shares to `to`. The first
    ///         deposit sets the price and mints sqrt(amountA * amountB) shares minus the minimum
    ///         liquidity, which stays locked; later deposits use the largest amounts at the pool's
    ///         current ratio that do not exceed the desired ones and mint shares in proportion.
    ///         Reverts if the pool does not exist, an amount falls below its minimum, no share would
    ///         be minted, or block.timestamp is past `deadline`.
    /// @param tokenA         One token of the pair.
    /// @param tokenB         The other token of the pair.
    /// @param amountADesired The most of `tokenA` the caller is willing to deposit.
    /// @param amountBDesired The most of `tokenB` the caller is willing to deposit.
    /// @param amountAMin     The least of `tokenA` that must be deposited (slippage bound).
    /// @param amountBMin     The least of `tokenB` that must be deposited (slippage bound).
    /// @param to             The account credited with the LP shares.
    /// @param deadline       The last block timestamp at which the call may execute.
    /// @return amountA   The amount of `tokenA` deposited.
    /// @return amountB   The amount of `tokenB` deposited.
    /// @return liquidity The LP shares minted to `to`.
    function addLiquidity(
        address tokenA,
        address tokenB,
        uint256 amountADesired,
        uint256 amountBDesired,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline
    ) external returns (uint256 amountA, uint256 amountB, uint256 liquidity);

    /// @notice Burns `liquidity` of the caller's LP shares and pays the pro-rata part of both
    ///         reserves (rounded down) to `to`. Reverts if the caller holds fewer shares, an amount
    ///         falls below its minimum, or block.timestamp is past `deadline`.
    /// @param tokenA     One token of the pair.
    /// @param tokenB     The other token of the pair.
    /// @param liquidity  The LP shares to burn.
    /// @param amountAMin The least of `tokenA` that must be paid out (slippage bound).
    /// @param amountBMin The least of `tokenB` that must be paid out (slippage bound).
    /// @param to         The recipient of both tokens.
    /// @param deadline   The last block timestamp at which the call may execute.
    /// @return amountA The amount of `tokenA` paid out.
    /// @return amountB The amount of `tokenB` paid out.
    function removeLiquidity(
        address tokenA,
        address tokenB,
        uint256 liquidity,
        uint256 amountAMin,
        uint256 amountBMin,
        address to,
        uint256 deadline
    ) external returns (uint256 amountA, uint256 amountB);

    /// @notice Sells exactly `amountIn` of `tokenIn` from the caller to the pool of the pair and
    ///         pays the output, as getAmountOut computes it, to `to`. Reverts if the pool does not
    ///         exist or has no liquidity, the output is below `amountOutMin`, or block.timestamp is
    ///         past `deadline`.
    /// @param tokenIn      The token sold.
    /// @param tokenOut     The token bought.
    /// @param amountIn     The exact amount of `tokenIn` sold, fee included.
    /// @param amountOutMin The least amount of `tokenOut` accepted (slippage bound).
    /// @param to           The recipient of `tokenOut`.
    /// @param deadline     The last block timestamp at which the call may execute.
    /// @return amountOut The amount of `tokenOut` paid to `to`.
    function swapExactIn(
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        uint256 amountOutMin,
        address to,
        uint256 deadline
    ) external returns (uint256 amountOut);

    /// @notice A pool's reserves and LP share supply, in the caller's token order.
    /// @param tokenA One token of the pair.
    /// @param tokenB The other token of the pair.
    /// @return reserveA       The pool's reserve of `tokenA` (0 if the pool does not exist).
    /// @return reserveB       The pool's reserve of `tokenB` (0 if the pool does not exist).
    /// @return totalLiquidity The total LP shares, including the locked minimum liquidity.
    function getReserves(address tokenA, address tokenB)
        external
        view
        returns (uint256 reserveA, uint256 reserveB, uint256 totalLiquidity);

    /// @notice The LP shares an account holds in the pool of a pair.
    /// @param tokenA One token of the pair.
    /// @param tokenB The other token of the pair.
    /// @param owner  The account to query.
    /// @return The LP shares of `owner` (0 if the pool does not exist).
    function liquidityOf(address tokenA, address tokenB, address owner)
        external
        view
        returns (uint256);

    /// @notice What swapExactIn would pay for `amountIn` at the pool's current reserves:
    ///         amountIn * 997 * reserveOut / (reserveIn * 1000 + amountIn * 997), rounded down.
    ///         Reverts if the pool does not exist or has no liquidity.
    /// @param tokenIn  The token sold.
    /// @param tokenOut The token bought.
    /// @param amountIn The amount of `tokenIn` sold, fee included.
    /// @return amountOut The amount of `tokenOut` the swap would pay.
    function getAmountOut(address tokenIn, address tokenOut, uint256 amountIn)
        external
        view
        returns (uint256 amountOut);
}
