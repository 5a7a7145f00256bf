// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {L2State} from "../L2State.sol";
import {Env} from "./StfTypes.sol";
import {TokenLib} from "./TokenLib.sol";
import {FixedPointMath} from "../../libraries/FixedPointMath.sol";

/// @title AmmLib
/// @notice The constant-product AMM of rollup/system/amm.py on a one-step proof's state: the same
///         checks in the same order, the same rounding, the same leaves read and written (the
///         witness holds exactly the leaves Python touches, so reading any other leaf fails the
///         proof). Every Python Revert / ArithmeticOverflow / ZeroDivisionError is a revert here.
///         Logs are not produced.
///
/// API (internal; for AmmModule and for other modules, e.g. leverage):
///   sortTokens(address tokenA, address tokenB) -> (address token0, address token1)
///   computeAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) -> uint256
///   computeAmountIn(uint256 amountOut, uint256 reserveIn, uint256 reserveOut) -> uint256
///   quote(uint256 amountA, uint256 reserveA, uint256 reserveB) -> uint256
///   getPool(L2State.Db db, address token0, address token1) -> L2State.Pool   (requires created)
///   getReserves(L2State.Db db, address tokenIn, address tokenOut)
///       -> (uint256 reserveIn, uint256 reserveOut)                            (amm.get_reserves)
///   requireNotExpired(Env env, uint256 deadline)                        (amm.require_not_expired)
///   createPool(L2State.Db db, address tokenA, address tokenB)
///   addLiquidity(L2State.Db db, Env env, address sender, AddLiquidityParams p)
///       -> (uint256 amountA, uint256 amountB, uint256 liquidity)
///   removeLiquidity(L2State.Db db, Env env, address sender, RemoveLiquidityParams p)
///       -> (uint256 amountA, uint256 amountB)
///   executeSwap(L2State.Db db, address tokenIn, address tokenOut, uint256 amountIn,
///       address source, address recipient) -> uint256 amountOut            (amm.execute_swap)
///   swapExactIn(L2State.Db db, Env env, address sender, address tokenIn, address tokenOut,
///       uint256 amountIn, uint256 amountOutMin, address recipient, uint256 deadline)
///       -> uint256 amountOut
///   getReservesView(L2State.Db db, address tokenA, address tokenB)
///       -> (uint256 reserveA, uint256 reserveB, uint256 totalLiquidity)
///   liquidityOf(L2State.Db db, address tokenA, address tokenB, address owner) -> uint256
library AmmLib {
    /// @notice The AMM system contract (rollup.addresses.AMM), which holds every pool's tokens.
    address internal constant AMM = 0x4200000000000000000000000000000000000100;
    uint256 internal constant MINIMUM_LIQUIDITY = 1_000;
    uint256 internal constant FEE_NUMERATOR = 997;
    uint256 internal constant FEE_DENOMINATOR = 1_000;

    /// @notice Arguments of addLiquidity, in IAMM order.
    struct AddLiquidityParams {
        address tokenA;
        address tokenB;
        uint256 amountADesired;
        uint256 amountBDesired;
        uint256 amountAMin;
        uint256 amountBMin;
        address to;
        uint256 deadline;
    }

    /// @notice Arguments of removeLiquidity, in IAMM order.
    struct RemoveLiquidityParams {
        address tokenA;
        address tokenB;
        uint256 liquidity;
        uint256 amountAMin;
        uint256 amountBMin;
        address to;
        uint256 deadline;
    }

    // ------------------------------------------------------------------------------------------
    // Math

    /// @notice amm.sort_tokens: the pool's (token0, token1), the lower address first.
    function sortTokens(address _tokenA, address _tokenB)
        internal
        pure
        returns (address token0_, address token1_)
    {
        require(_tokenA != _tokenB, "identical tokens");
        (token0_, token1_) = _tokenA < _tokenB ? (_tokenA, _tokenB) : (_tokenB, _tokenA);
    }

    /// @notice amm.compute_amount_out (Uniswap v2 getAmountOut, rounded down).
    function computeAmountOut(uint256 _amountIn, uint256 _reserveIn, uint256 _reserveOut)
        internal
        pure
        returns (uint256)
    {
        require(_amountIn > 0, "insufficient input amount");
        require(_reserveIn > 0 && _reserveOut > 0, "insufficient liquidity");
        uint256 amountInWithFee = _amountIn * FEE_NUMERATOR;
        uint256 numerator = amountInWithFee * _reserveOut;
        uint256 denominator = _reserveIn * FEE_DENOMINATOR + amountInWithFee;
        return numerator / denominator;
    }

    /// @notice amm.compute_amount_in (Uniswap v2 getAmountIn, rounded up).
    function computeAmountIn(uint256 _amountOut, uint256 _reserveIn, uint256 _reserveOut)
        internal
        pure
        returns (uint256)
    {
        require(_amountOut > 0, "insufficient output amount");
        require(_reserveIn > 0 && _reserveOut > _amountOut, "insufficient liquidity");
        uint256 numerator = _reserveIn * _amountOut * FEE_DENOMINATOR;
        uint256 denominator = (_reserveOut - _amountOut) * FEE_NUMERATOR;
        return numerator / denominator + 1;
    }

    /// @notice amm.quote: `_amountA` of A in B at the pool's ratio, rounded down.
    function quote(uint256 _amountA, uint256 _reserveA, uint256 _reserveB)
        internal
        pure
        returns (uint256)
    {
        require(_amountA > 0, "insufficient amount");
        require(_reserveA > 0 && _reserveB > 0, "insufficient liquidity");
        return _amountA * _reserveB / _reserveA;
    }

    // ------------------------------------------------------------------------------------------
    // Reads

    /// @notice amm.get_pool: the pool leaf of a sorted pair; reverts unless it was created.
    function getPool(L2State.Db memory _db, address _token0, address _token1)
        internal
        pure
        returns (L2State.Pool memory pool_)
    {
        pool_ = L2State.getPool(_db, _token0, _token1);
        require(pool_.created == 1, "pool does not exist");
    }

    /// @notice amm.get_reserves: (reserve of tokenIn, reserve of tokenOut); reverts if the tokens
    ///         are equal or the pool does not exist.
    function getReserves(L2State.Db memory _db, address _tokenIn, address _tokenOut)
        internal
        pure
        returns (uint256 reserveIn_, uint256 reserveOut_)
    {
        (address token0, address token1) = sortTokens(_tokenIn, _tokenOut);
        L2State.Pool memory pool = getPool(_db, token0, token1);
        (reserveIn_, reserveOut_) =
            _tokenIn == token0 ? (pool.reserve0, pool.reserve1) : (pool.reserve1, pool.reserve0);
    }

    /// @notice The getReserves view (registry._get_reserves_view): zeros for a missing pool.
    function getReservesView(L2State.Db memory _db, address _tokenA, address _tokenB)
        internal
        pure
        returns (uint256 reserveA_, uint256 reserveB_, uint256 totalLiquidity_)
    {
        (address token0, address token1) = sortTokens(_tokenA, _tokenB);
        L2State.Pool memory pool = L2State.getPool(_db, token0, token1);
        (reserveA_, reserveB_) =
            _tokenA == token0 ? (pool.reserve0, pool.reserve1) : (pool.reserve1, pool.reserve0);
        totalLiquidity_ = pool.totalLiquidity;
    }

    /// @notice amm.get_liquidity_of: LP shares of `_owner` in the pair's pool.
    function liquidityOf(L2State.Db memory _db, address _tokenA, address _tokenB, address _owner)
        internal
        pure
        returns (uint256)
    {
        (address token0, address token1) = sortTokens(_tokenA, _tokenB);
        return L2State.getLiquidity(_db, token0, token1, _owner);
    }

    /// @notice amm.require_not_expired.
    function requireNotExpired(Env memory _env, uint256 _deadline) internal pure {
        require(_env.timestamp <= _deadline, "transaction expired");
    }

    // ------------------------------------------------------------------------------------------
    // State changes

    /// @notice amm.create_pool: opens the empty pool of two registered tokens.
    function createPool(L2State.Db memory _db, address _tokenA, address _tokenB) internal pure {
        (address token0, address token1) = sortTokens(_tokenA, _tokenB);
        TokenLib.getToken(_db, token0);
        TokenLib.getToken(_db, token1);
        require(L2State.getPool(_db, token0, token1).created == 0, "pool exists");
        L2State.setPool(_db, token0, token1, L2State.Pool(1, 0, 0, 0));
    }

    /// @notice amm.add_liquidity: deposits both tokens from `_sender` at the pool's ratio and
    ///         mints LP shares to `_p.to`.
    function addLiquidity(
        L2State.Db memory _db,
        Env memory _env,
        address _sender,
        AddLiquidityParams memory _p
    ) internal pure returns (uint256 amountA_, uint256 amountB_, uint256 liquidity_) {
        requireNotExpired(_env, _p.deadline);
        (address token0, address token1) = sortTokens(_p.tokenA, _p.tokenB);
        L2State.Pool memory pool = getPool(_db, token0, token1);
        bool aIsToken0 = _p.tokenA == token0;
        (amountA_, amountB_) = _depositAmounts(
            _p, aIsToken0 ? pool.reserve0 : pool.reserve1, aIsToken0 ? pool.reserve1 : pool.reserve0
        );
        (uint256 amount0, uint256 amount1) = aIsToken0 ? (amountA_, amountB_) : (amountB_, amountA_);

        uint256 total;
        (liquidity_, total) = _mintedLiquidity(_db, token0, token1, pool, amount0, amount1);

        TokenLib.spendAllowance(_db, token0, _sender, AMM, amount0);
        TokenLib.moveTokens(_db, token0, _sender, AMM, amount0);
        TokenLib.spendAllowance(_db, token1, _sender, AMM, amount1);
        TokenLib.moveTokens(_db, token1, _sender, AMM, amount1);

        uint256 owned = L2State.getLiquidity(_db, token0, token1, _p.to);
        L2State.setLiquidity(_db, token0, token1, _p.to, owned + liquidity_);
        L2State.setPool(
            _db,
            token0,
            token1,
            L2State.Pool(1, pool.reserve0 + amount0, pool.reserve1 + amount1, total + liquidity_)
        );
    }

    /// @notice amm.remove_liquidity: burns `_sender`'s LP shares for its pro-rata part of both
    ///         reserves, paid to `_p.to`.
    function removeLiquidity(
        L2State.Db memory _db,
        Env memory _env,
        address _sender,
        RemoveLiquidityParams memory _p
    ) internal pure returns (uint256 amountA_, uint256 amountB_) {
        requireNotExpired(_env, _p.deadline);
        (address token0, address token1) = sortTokens(_p.tokenA, _p.tokenB);
        L2State.Pool memory pool = getPool(_db, token0, token1);
        uint256 owned = L2State.getLiquidity(_db, token0, token1, _sender);
        require(_p.liquidity > 0, "insufficient liquidity burned");
        require(owned >= _p.liquidity, "burn amount exceeds liquidity");
        uint256 amount0 = _p.liquidity * pool.reserve0 / pool.totalLiquidity;
        uint256 amount1 = _p.liquidity * pool.reserve1 / pool.totalLiquidity;
        require(amount0 > 0 && amount1 > 0, "insufficient liquidity burned");
        (amountA_, amountB_) = _p.tokenA == token0 ? (amount0, amount1) : (amount1, amount0);
        require(amountA_ >= _p.amountAMin, "insufficient A amount");
        require(amountB_ >= _p.amountBMin, "insufficient B amount");

        L2State.setLiquidity(_db, token0, token1, _sender, owned - _p.liquidity);
        L2State.setPool(
            _db,
            token0,
            token1,
            L2State.Pool(
                1,
                pool.reserve0 - amount0,
                pool.reserve1 - amount1,
                pool.totalLiquidity - _p.liquidity
            )
        );
        TokenLib.moveTokens(_db, token0, AMM, _p.to, amount0);
        TokenLib.moveTokens(_db, token1, AMM, _p.to, amount1);
    }

    /// @notice amm.execute_swap: swaps `_amountIn` of `_tokenIn` held by `_source` (already
    ///         authorised) and pays the output to `_recipient`.
    function executeSwap(
        L2State.Db memory _db,
        address _tokenIn,
        address _tokenOut,
        uint256 _amountIn,
        address _source,
        address _recipient
    ) internal pure returns (uint256 amountOut_) {
        (address token0, address token1) = sortTokens(_tokenIn, _tokenOut);
        L2State.Pool memory pool = getPool(_db, token0, token1);
        bool zeroForOne = _tokenIn == token0;
        (uint256 reserveIn, uint256 reserveOut) =
            zeroForOne ? (pool.reserve0, pool.reserve1) : (pool.reserve1, pool.reserve0);
        amountOut_ = computeAmountOut(_amountIn, reserveIn, reserveOut);
        require(amountOut_ > 0, "insufficient output amount");
        TokenLib.moveTokens(_db, _tokenIn, _source, AMM, _amountIn);
        TokenLib.moveTokens(_db, _tokenOut, AMM, _recipient, amountOut_);
        uint256 newIn = reserveIn + _amountIn;
        uint256 newOut = reserveOut - amountOut_;
        (pool.reserve0, pool.reserve1) = zeroForOne ? (newIn, newOut) : (newOut, newIn);
        L2State.setPool(_db, token0, token1, pool);
    }

    /// @notice amm.swap_exact_in: sells exactly `_amountIn` of `_tokenIn` from `_sender`.
    function swapExactIn(
        L2State.Db memory _db,
        Env memory _env,
        address _sender,
        address _tokenIn,
        address _tokenOut,
        uint256 _amountIn,
        uint256 _amountOutMin,
        address _recipient,
        uint256 _deadline
    ) internal pure returns (uint256 amountOut_) {
        requireNotExpired(_env, _deadline);
        require(_recipient != address(0), "swap to the zero address");
        TokenLib.spendAllowance(_db, _tokenIn, _sender, AMM, _amountIn);
        amountOut_ = executeSwap(_db, _tokenIn, _tokenOut, _amountIn, _sender, _recipient);
        require(amountOut_ >= _amountOutMin, "insufficient output amount");
    }

    // ------------------------------------------------------------------------------------------
    // Helpers of addLiquidity

    /// @dev The (amountA, amountB) deposited, from the desired amounts and the reserves.
    function _depositAmounts(AddLiquidityParams memory _p, uint256 _reserveA, uint256 _reserveB)
        private
        pure
        returns (uint256 amountA_, uint256 amountB_)
    {
        if (_reserveA == 0 && _reserveB == 0) {
            return (_p.amountADesired, _p.amountBDesired);
        }
        uint256 amountBOptimal = quote(_p.amountADesired, _reserveA, _reserveB);
        if (amountBOptimal <= _p.amountBDesired) {
            require(amountBOptimal >= _p.amountBMin, "insufficient B amount");
            return (_p.amountADesired, amountBOptimal);
        }
        uint256 amountAOptimal = quote(_p.amountBDesired, _reserveB, _reserveA);
        require(amountAOptimal <= _p.amountADesired, "insufficient A amount");
        require(amountAOptimal >= _p.amountAMin, "insufficient A amount");
        return (amountAOptimal, _p.amountBDesired);
    }

    /// @dev The LP shares minted and the supply they add to; the first deposit locks
    ///      MINIMUM_LIQUIDITY to the zero address.
    function _mintedLiquidity(
        L2State.Db memory _db,
        address _token0,
        address _token1,
        L2State.Pool memory _pool,
        uint256 _amount0,
        uint256 _amount1
    ) private pure returns (uint256 liquidity_, uint256 total_) {
        if (_pool.totalLiquidity == 0) {
            uint256 root = FixedPointMath.sqrt(_amount0 * _amount1);
            require(root > MINIMUM_LIQUIDITY, "insufficient liquidity minted");
            L2State.setLiquidity(_db, _token0, _token1, address(0), MINIMUM_LIQUIDITY);
            return (root - MINIMUM_LIQUIDITY, MINIMUM_LIQUIDITY);
        }
        uint256 liquidity0 = _amount0 * _pool.totalLiquidity / _pool.reserve0;
        uint256 liquidity1 = _amount1 * _pool.totalLiquidity / _pool.reserve1;
        liquidity_ = liquidity0 < liquidity1 ? liquidity0 : liquidity1;
        require(liquidity_ > 0, "insufficient liquidity minted");
        total_ = _pool.totalLiquidity;
    }
}
