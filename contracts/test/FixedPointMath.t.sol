// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "./utils/Test.sol";
import {FixedPointMath} from "../src/libraries/FixedPointMath.sol";

/// @notice Exposes the internal library functions as external calls, so expectRevert sees the
///         revert one call level below the test.
contract FixedPointMathHarness {
    function mulDivDown(uint256 a, uint256 b, uint256 d) external pure returns (uint256) {
        return FixedPointMath.mulDivDown(a, b, d);
    }

    function mulDivUp(uint256 a, uint256 b, uint256 d) external pure returns (uint256) {
        return FixedPointMath.mulDivUp(a, b, d);
    }

    function wadMulDown(uint256 a, uint256 b) external pure returns (uint256) {
        return FixedPointMath.wadMulDown(a, b);
    }

    function wadMulUp(uint256 a, uint256 b) external pure returns (uint256) {
        return FixedPointMath.wadMulUp(a, b);
    }

    function wadDivDown(uint256 a, uint256 b) external pure returns (uint256) {
        return FixedPointMath.wadDivDown(a, b);
    }

    function wadDivUp(uint256 a, uint256 b) external pure returns (uint256) {
        return FixedPointMath.wadDivUp(a, b);
    }

    function rayMulDown(uint256 a, uint256 b) external pure returns (uint256) {
        return FixedPointMath.rayMulDown(a, b);
    }

    function rayMulUp(uint256 a, uint256 b) external pure returns (uint256) {
        return FixedPointMath.rayMulUp(a, b);
    }

    function rayDivDown(uint256 a, uint256 b) external pure returns (uint256) {
        return FixedPointMath.rayDivDown(a, b);
    }

    function rayDivUp(uint256 a, uint256 b) external pure returns (uint256) {
        return FixedPointMath.rayDivUp(a, b);
    }

    function sqrt(uint256 x) external pure returns (uint256) {
        return FixedPointMath.sqrt(x);
    }
}

/// @notice FixedPointMath against the exact values of rollup/fixedpoint.py.
contract FixedPointMathTest is Test {
    uint256 internal constant MAX = type(uint256).max;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;

    bytes internal constant OVERFLOW = abi.encodeWithSignature("Panic(uint256)", 0x11);
    bytes internal constant DIVISION_BY_ZERO = abi.encodeWithSignature("Panic(uint256)", 0x12);

    FixedPointMathHarness internal math;

    function setUp() public {
        math = new FixedPointMathHarness();
    }

    // ------------------------------------------------------------------------------------------
    // Constants

    function test_constants_matchPython_succeeds() public pure {
        assertEq(FixedPointMath.WAD, 10 ** 18);
        assertEq(FixedPointMath.RAY, 10 ** 27);
        assertEq(FixedPointMath.HALF_WAD, 5 * 10 ** 17);
        assertEq(FixedPointMath.SECONDS_PER_YEAR, 31_536_000);
    }

    // ------------------------------------------------------------------------------------------
    // mulDivDown / mulDivUp

    function test_mulDivDown_inexact_succeeds() public view {
        assertEq(math.mulDivDown(3, 5, 2), 7);
    }

    function test_mulDivDown_exact_succeeds() public view {
        assertEq(math.mulDivDown(6, 4, 3), 8);
    }

    function test_mulDivDown_productIsMax_succeeds() public view {
        assertEq(math.mulDivDown(MAX, 1, 1), MAX);
    }

    function test_mulDivDown_productOverflows_reverts() public {
        vm.expectRevert(OVERFLOW);
        math.mulDivDown(2 ** 128, 2 ** 128, 1);
    }

    function test_mulDivDown_zeroDenominator_reverts() public {
        vm.expectRevert(DIVISION_BY_ZERO);
        math.mulDivDown(3, 5, 0);
    }

    function test_mulDivDown_zeroDenominatorAndOverflow_reverts() public {
        // As in Python, the zero denominator is reported before the overflow.
        vm.expectRevert(DIVISION_BY_ZERO);
        math.mulDivDown(2 ** 128, 2 ** 128, 0);
    }

    function test_mulDivUp_inexact_succeeds() public view {
        assertEq(math.mulDivUp(3, 5, 2), 8);
    }

    function test_mulDivUp_exact_succeeds() public view {
        assertEq(math.mulDivUp(6, 4, 3), 8);
    }

    function test_mulDivUp_zeroProduct_succeeds() public view {
        assertEq(math.mulDivUp(0, 5, 3), 0);
    }

    function test_mulDivUp_productIsMax_succeeds() public view {
        assertEq(math.mulDivUp(MAX, 1, 2), 2 ** 255);
        assertEq(math.mulDivUp(MAX, 1, 1), MAX);
    }

    function test_mulDivUp_productOverflows_reverts() public {
        vm.expectRevert(OVERFLOW);
        math.mulDivUp(2 ** 128, 2 ** 128, 3);
    }

    function test_mulDivUp_zeroDenominator_reverts() public {
        vm.expectRevert(DIVISION_BY_ZERO);
        math.mulDivUp(3, 5, 0);
    }

    // ------------------------------------------------------------------------------------------
    // WAD

    function test_wadMulDown_fractions_succeeds() public view {
        assertEq(math.wadMulDown(1.5e18, 2.5e18), 3.75e18);
    }

    function test_wadMulDown_belowOneUnit_succeeds() public view {
        assertEq(math.wadMulDown(1, 1), 0);
    }

    function test_wadMulDown_overflow_reverts() public {
        vm.expectRevert(OVERFLOW);
        math.wadMulDown(MAX, 2);
    }

    function test_wadMulUp_exact_succeeds() public view {
        assertEq(math.wadMulUp(1.5e18, 2.5e18), 3.75e18);
    }

    function test_wadMulUp_belowOneUnit_succeeds() public view {
        assertEq(math.wadMulUp(1, 1), 1);
    }

    function test_wadMulUp_overflow_reverts() public {
        vm.expectRevert(OVERFLOW);
        math.wadMulUp(MAX, 2);
    }

    function test_wadDivDown_oneThird_succeeds() public view {
        assertEq(math.wadDivDown(1e18, 3e18), 333_333_333_333_333_333);
        assertEq(math.wadDivDown(2e18, 3e18), 666_666_666_666_666_666);
    }

    function test_wadDivDown_largestDividend_succeeds() public view {
        assertEq(math.wadDivDown(MAX / WAD, WAD), MAX / WAD);
    }

    function test_wadDivDown_dividendTooLarge_reverts() public {
        vm.expectRevert(OVERFLOW);
        math.wadDivDown(MAX / WAD + 1, 1);
    }

    function test_wadDivDown_zeroDivisor_reverts() public {
        vm.expectRevert(DIVISION_BY_ZERO);
        math.wadDivDown(1e18, 0);
    }

    function test_wadDivUp_oneThird_succeeds() public view {
        assertEq(math.wadDivUp(1e18, 3e18), 333_333_333_333_333_334);
        assertEq(math.wadDivUp(2e18, 3e18), 666_666_666_666_666_667);
    }

    function test_wadDivUp_zeroDivisor_reverts() public {
        vm.expectRevert(DIVISION_BY_ZERO);
        math.wadDivUp(1e18, 0);
    }

    // ------------------------------------------------------------------------------------------
    // RAY

    function test_rayMulDown_wholeNumbers_succeeds() public view {
        assertEq(math.rayMulDown(2e27, 3e27), 6e27);
    }

    function test_rayMulDown_inexact_succeeds() public view {
        assertEq(math.rayMulDown(1.1e27, 3), 3);
        assertEq(math.rayMulDown(1, 1), 0);
    }

    function test_rayMulDown_overflow_reverts() public {
        vm.expectRevert(OVERFLOW);
        math.rayMulDown(MAX, 2);
    }

    function test_rayMulUp_inexact_succeeds() public view {
        assertEq(math.rayMulUp(1.1e27, 3), 4);
        assertEq(math.rayMulUp(1, 1), 1);
    }

    function test_rayMulUp_overflow_reverts() public {
        vm.expectRevert(OVERFLOW);
        math.rayMulUp(MAX, 2);
    }

    function test_rayDivDown_oneThird_succeeds() public view {
        assertEq(math.rayDivDown(1, 3), 333_333_333_333_333_333_333_333_333);
    }

    function test_rayDivDown_zeroDivisor_reverts() public {
        vm.expectRevert(DIVISION_BY_ZERO);
        math.rayDivDown(1, 0);
    }

    function test_rayDivDown_dividendTooLarge_reverts() public {
        vm.expectRevert(OVERFLOW);
        math.rayDivDown(MAX / RAY + 1, 1);
    }

    function test_rayDivUp_oneThird_succeeds() public view {
        assertEq(math.rayDivUp(1, 3), 333_333_333_333_333_333_333_333_334);
    }

    function test_rayDivUp_zeroDivisor_reverts() public {
        vm.expectRevert(DIVISION_BY_ZERO);
        math.rayDivUp(2, 0);
    }

    // ------------------------------------------------------------------------------------------
    // sqrt

    function test_sqrt_smallValues_succeeds() public view {
        assertEq(math.sqrt(0), 0);
        assertEq(math.sqrt(1), 1);
        assertEq(math.sqrt(3), 1);
        assertEq(math.sqrt(4), 2);
        assertEq(math.sqrt(15), 3);
        assertEq(math.sqrt(16), 4);
    }

    function test_sqrt_max_succeeds() public view {
        assertEq(math.sqrt(MAX), 2 ** 128 - 1);
        assertEq(math.sqrt(2 ** 254), 2 ** 127);
    }

    // ------------------------------------------------------------------------------------------
    // Fuzz

    /// @notice mulDivUp is mulDivDown, plus one exactly when the division is inexact.
    function test_mulDivUp_fuzzedInputs_succeeds(uint256 _a, uint256 _b, uint256 _d) public view {
        if (_b != 0) _a = bound(_a, 0, MAX / _b);
        _d = bound(_d, 1, MAX);
        uint256 down = math.mulDivDown(_a, _b, _d);
        uint256 up = math.mulDivUp(_a, _b, _d);
        assertTrue(up == down || up == down + 1, "up is down or down + 1");
        assertEq(up == down, (_a * _b) % _d == 0);
        assertEq(down, (_a * _b) / _d);
    }

    /// @notice Every product beyond uint256 reverts with Panic(0x11), as Python's ArithmeticOverflow.
    function test_mulDivDown_fuzzedOverflow_reverts(uint256 _a, uint256 _b, uint256 _d) public {
        _a = bound(_a, 2, MAX);
        _b = bound(_b, MAX / _a + 1, MAX);
        _d = bound(_d, 1, MAX);
        vm.expectRevert(OVERFLOW);
        math.mulDivDown(_a, _b, _d);
    }

    /// @notice sqrt is the floor of the square root.
    function test_sqrt_fuzzedInput_succeeds(uint256 _x) public view {
        uint256 root = math.sqrt(_x);
        assertLe(root, 2 ** 128 - 1);
        assertLe(root * root, _x);
        if (root < 2 ** 128 - 1) assertGt((root + 1) * (root + 1), _x);
    }
}
