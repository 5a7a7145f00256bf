// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {L2State} from "../../src/prover/L2State.sol";
import {Call} from "../../src/prover/stf/StfTypes.sol";
import {LeverageModule} from "../../src/prover/stf/LeverageModule.sol";
import {ILeverage} from "../../src/interfaces/ILeverage.sol";
import {LendingWorld} from "./LendingModule.t.sol";

/// @notice Behaviour and every revert path of LeverageModule (rollup/system/leverage.py) on the
///         hand-built lending world of LendingModule.t.sol; the numbers are those of
///         tests/unit/test_leverage.py (pool 1,000 WETH / 2,000,000 USDC, WETH CF 0.75).
contract LeverageModuleTest is LendingWorld {
    uint256 internal constant FAR = 2 ** 64;

    LeverageModule internal module;

    function setUp() public {
        module = new LeverageModule();
        _world();
    }

    function _run(address _sender, bytes memory _data) internal view returns (L2State.Db memory) {
        return module.execute(_db(), _env(), Call(_sender, LEVERAGE, 0, _data));
    }

    function _open(uint256 _principal, uint256 _leverage, uint256 _maxDebt)
        internal
        view
        returns (L2State.Db memory)
    {
        return _run(
            ALICE,
            abi.encodeCall(
                ILeverage.openPosition, (WETH, USDC, _principal, _leverage, _maxDebt, FAR)
            )
        );
    }

    function _close(uint256 _minReturned) internal view returns (L2State.Db memory) {
        return _run(ALICE, abi.encodeCall(ILeverage.closePosition, (WETH, USDC, _minReturned, FAR)));
    }

    function _getAmountIn(uint256 _out, uint256 _rIn, uint256 _rOut)
        internal
        pure
        returns (uint256)
    {
        return _rIn * _out * 1000 / ((_rOut - _out) * 997) + 1;
    }

    function _getAmountOut(uint256 _in, uint256 _rIn, uint256 _rOut)
        internal
        pure
        returns (uint256)
    {
        return _in * 997 * _rOut / (_rIn * 1000 + _in * 997);
    }

    // ------------------------------------------------------------------------------------------
    // maxLeverage, dispatch

    function test_maxLeverage_view_succeeds() public {
        _run(BOB, abi.encodeCall(ILeverage.maxLeverage, (WETH)));
        _now = NOW + 10 ** 6; // a stale price is fine
        _run(BOB, abi.encodeCall(ILeverage.maxLeverage, (WETH)));
        _expectRevert("market not listed");
        _run(BOB, abi.encodeCall(ILeverage.maxLeverage, (DAI)));
        _price(WETH, 0, 0, NOW);
        _expectRevert("no price for asset");
        _run(BOB, abi.encodeCall(ILeverage.maxLeverage, (WETH)));
    }

    function test_execute_badCalldata_reverts() public {
        _expectRevert("missing function selector");
        _run(ALICE, hex"");
        _expectRevert("unknown function selector");
        _run(ALICE, abi.encodeWithSignature("supply(address,uint256)", WETH, 1));
        _expectRevert("calldata too short");
        _run(ALICE, abi.encodePacked(ILeverage.openPosition.selector, uint256(1)));
        _expectRevert("calldata too short");
        _run(ALICE, abi.encodePacked(ILeverage.closePosition.selector));
        _expectRevert("invalid address argument");
        _run(ALICE, abi.encodePacked(ILeverage.maxLeverage.selector, MAX));
    }

    function test_operationGas_perFunction_succeeds() public view {
        bytes memory open = abi.encodeCall(ILeverage.openPosition, (WETH, USDC, 1, 2, 3, 4));
        assertEq(module.operationGas(LEVERAGE, open), 260_000);
        bytes memory close = abi.encodeCall(ILeverage.closePosition, (WETH, USDC, 1, 2));
        assertEq(module.operationGas(LEVERAGE, close), 260_000);
        assertEq(
            module.operationGas(LEVERAGE, abi.encodeCall(ILeverage.maxLeverage, (WETH))), 2_600
        );
        assertEq(module.operationGas(LEVERAGE, hex"01"), 2_600);
        assertFalse(module.isPayable(LEVERAGE, open));
    }

    // ------------------------------------------------------------------------------------------
    // openPosition

    function test_open_borrowsAmountInAndSuppliesTheLot_succeeds() public view {
        L2State.Db memory d = _open(10e18, 2.5e18, MAX);
        uint256 debt = _getAmountIn(15e18, 2_000_000e6, 1_000e18);
        assertEq(debt, 30_548_498_287);
        uint256 bought = _getAmountOut(debt, 2_000_000e6, 1_000e18);
        uint256 collateral = 10e18 + bought;
        assertEq(collateral - 25e18, 126_530_637); // getAmountIn's rounding overshoots a little
        assertEq(L2State.getPosition(d, ALICE, WETH).supplyScaled, collateral);
        assertEq(L2State.getPosition(d, ALICE, USDC).borrowScaled, debt);
        assertEq(L2State.getBalance(d, WETH, ALICE), 90e18);
        assertEq(L2State.getBalance(d, USDC, ALICE), 100_000e6);
        assertEq(L2State.getBalance(d, WETH, LEVERAGE), 0);
        assertEq(L2State.getBalance(d, USDC, LEVERAGE), 0);
        assertEq(L2State.getBalance(d, WETH, LENDING), 100e18 + collateral);
        assertEq(L2State.getBalance(d, USDC, LENDING), 100_000e6 - debt);
        L2State.Pool memory pool = L2State.getPool(d, WETH, USDC);
        assertEq(pool.reserve0, 1_000e18 - bought);
        assertEq(pool.reserve1, 2_000_000e6 + debt);
        uint256[] memory slots = _slots(d, ALICE);
        assertEq(slots[0], uint256(uint160(USDC))); // the debt market is entered first
        assertEq(slots[1], uint256(uint160(WETH)));
    }

    function test_open_slippageBound_reverts() public {
        uint256 debt = _getAmountIn(15e18, 2_000_000e6, 1_000e18);
        _expectRevert("debt above maximum (slippage)");
        _open(10e18, 2.5e18, debt - 1);
        _open(10e18, 2.5e18, debt);
    }

    function test_open_atMaxLeverage_failsTheHealthCheck() public {
        // 4x of 1 WETH: 3 WETH bought cost more than $6,000, the limit of 4 WETH at CF 0.75
        _expectRevert("position would exceed borrow limit");
        _open(1e18, 4e18, MAX);
        _open(1e18, 3.9e18, MAX);
    }

    function test_open_reverts() public {
        _expectRevert("transaction expired");
        _run(ALICE, abi.encodeCall(ILeverage.openPosition, (WETH, USDC, 1e18, 2e18, MAX, NOW - 1)));
        _run(ALICE, abi.encodeCall(ILeverage.openPosition, (WETH, USDC, 1e18, 2e18, MAX, NOW)));
        _expectRevert("collateral and debt assets must differ");
        _run(ALICE, abi.encodeCall(ILeverage.openPosition, (WETH, WETH, 1e18, 2e18, MAX, FAR)));
        _expectRevert("principal is zero");
        _open(0, 2e18, MAX);
        _expectRevert("leverage must exceed 1x");
        _open(1e18, WAD, MAX);
        _expectRevert("leverage above maximum");
        _open(1e18, 4e18 + 1, MAX);
        _expectRevert("leverage too small for principal");
        _open(1, WAD + 1, MAX);
        _expectRevert("market not listed");
        _run(ALICE, abi.encodeCall(ILeverage.openPosition, (DAI, USDC, 1e18, 2e18, MAX, FAR)));
        _expectRevert("market not listed");
        _run(ALICE, abi.encodeCall(ILeverage.openPosition, (WETH, DAI, 1e18, 2e18, MAX, FAR)));
        _expectRevert("insufficient liquidity");
        _open(500e18, 3e18, MAX); // 1,000 WETH to buy from a pool of 1,000
        _allowance(WETH, ALICE, LEVERAGE, 1e18 - 1);
        _expectRevert("insufficient allowance");
        _open(1e18, 2e18, MAX);
    }

    function test_open_volatilityLowersMaxLeverage_reverts() public {
        // WETH volatility 0.8: CF 0.75 - 0.2 = 0.55, max leverage 1 / 0.45 = 2.22x
        _price(WETH, 2_000e18, 0.8e18, NOW);
        _expectRevert("leverage above maximum");
        _open(1e18, 2.3e18, MAX);
        _open(1e18, 2.2e18, MAX);
    }

    function test_open_stalePrice_reverts() public {
        _now = NOW + 3_601;
        _expectRevert("stale price");
        _open(1e18, 2e18, MAX);
    }

    function test_open_noPool_reverts() public {
        uint256[] memory none = new uint256[](4);
        _set(L2State.poolKey(WETH, USDC), none);
        _expectRevert("pool does not exist");
        _open(1e18, 2e18, MAX);
    }

    // ------------------------------------------------------------------------------------------
    // closePosition

    function test_close_repaysAndReturnsTheRest_succeeds() public {
        L2State.Db memory opened = _open(10e18, 2.5e18, MAX);
        uint256 collateral = L2State.getPosition(opened, ALICE, WETH).supplyScaled;
        uint256 debt = L2State.getPosition(opened, ALICE, USDC).borrowScaled;
        L2State.Pool memory pool = L2State.getPool(opened, WETH, USDC);
        _adopt(opened);
        L2State.Db memory d = _close(0);
        uint256 sold = _getAmountIn(debt, pool.reserve0, pool.reserve1);
        uint256 bought = _getAmountOut(sold, pool.reserve0, pool.reserve1);
        uint256 returned = collateral - sold;
        assertLt(returned, 10e18); // two fees on the round trip
        assertEq(L2State.getBalance(d, WETH, ALICE), 90e18 + returned);
        assertEq(L2State.getBalance(d, USDC, ALICE), 100_000e6 + bought - debt);
        assertEq(L2State.getPosition(d, ALICE, WETH).supplyScaled, 0);
        assertEq(L2State.getPosition(d, ALICE, USDC).borrowScaled, 0);
        assertEq(_slots(d, ALICE)[0], 0);
        assertEq(_slots(d, ALICE)[1], 0);
        assertEq(L2State.getBalance(d, WETH, LEVERAGE), 0);
        assertEq(L2State.getBalance(d, USDC, LEVERAGE), 0);
        assertEq(L2State.getBalance(d, USDC, LENDING), 100_000e6);
    }

    function test_close_afterInterest_repaysTheAccruedDebt() public {
        _adopt(_open(10e18, 2.5e18, MAX));
        _now = NOW + 365 days;
        _price(WETH, 2_000e18, 0, _now);
        _price(USDC, 1e18, 0, _now);
        L2State.Db memory d = _close(0);
        assertEq(L2State.getPosition(d, ALICE, USDC).borrowScaled, 0);
        assertEq(L2State.getMarket(d, USDC).totalBorrowScaled, 0);
        assertGt(L2State.getMarket(d, USDC).reserves, 0);
    }

    function test_close_reverts() public {
        _expectRevert("no debt to close");
        _close(0);
        _adopt(_open(10e18, 2.5e18, MAX));
        _expectRevert("transaction expired");
        _run(ALICE, abi.encodeCall(ILeverage.closePosition, (WETH, USDC, 0, NOW - 1)));
        _expectRevert("collateral and debt assets must differ");
        _run(ALICE, abi.encodeCall(ILeverage.closePosition, (USDC, USDC, 0, FAR)));
        _expectRevert("returned collateral below minimum (slippage)");
        _close(10e18);
        _expectRevert("market not listed");
        _run(ALICE, abi.encodeCall(ILeverage.closePosition, (DAI, USDC, 0, FAR)));
        // the pool moved: selling all collateral no longer buys the debt
        L2State.Pool memory pool = L2State.getPool(_db(), WETH, USDC);
        _pool(pool.reserve0 * 4, pool.reserve1 / 4);
        _expectRevert("collateral cannot cover the debt");
        _close(0);
    }

    function test_close_withOtherDebt_checksTheLimit() public {
        _adopt(_open(10e18, 2.5e18, MAX));
        // alice also supplied 100 DAI and borrowed 0.1 WETH ($200): without the WETH collateral
        // the DAI's $80 of limit does not cover it
        _adopt(_enterAlsoDai());
        _expectRevert("closing would exceed borrow limit");
        _close(0);
        _price(DAI, 10e18, 0, NOW); // DAI collateral worth 10x: healthy again
        _close(0);
    }

    /// @dev Alice supplied 100 DAI (DAI listed like USDC) and borrowed 0.1 WETH.
    function _enterAlsoDai() internal returns (L2State.Db memory d_) {
        _config(DAI, _usdcConfig());
        _market(DAI, L2State.Market(100e18, 0, RAY, RAY, 0, NOW));
        uint256[] memory slots = L2State.getLendingAccount(_db(), ALICE);
        slots[2] = uint256(uint160(DAI));
        _set(L2State.lendingAccountKey(ALICE), slots);
        _position(ALICE, DAI, 100e18, 0);
        L2State.Position memory weth = L2State.getPosition(_db(), ALICE, WETH);
        _position(ALICE, WETH, weth.supplyScaled, 0.1e18);
        _market(WETH, L2State.Market(100e18 + weth.supplyScaled, 0.1e18, RAY, RAY, 0, NOW));
        d_ = _db();
    }
}
