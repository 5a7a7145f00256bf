// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "./utils/Test.sol";

/// @notice Exposes the base's assertions as external calls, so a test can expect their reverts.
contract AssertionHarness is Test {
    function eqUint(uint256 a, uint256 b) external pure {
        assertEq(a, b);
    }

    function eqUintMessage(uint256 a, uint256 b, string memory message) external pure {
        assertEq(a, b, message);
    }

    function eqInt(int256 a, int256 b) external pure {
        assertEq(a, b);
    }

    function eqAddress(address a, address b) external pure {
        assertEq(a, b);
    }

    function eqBytes32(bytes32 a, bytes32 b) external pure {
        assertEq(a, b);
    }

    function eqBool(bool a, bool b) external pure {
        assertEq(a, b);
    }

    function eqBytes(bytes memory a, bytes memory b) external pure {
        assertEq(a, b);
    }

    function eqString(string memory a, string memory b) external pure {
        assertEq(a, b);
    }

    function isTrue(bool condition) external pure {
        assertTrue(condition);
    }

    function gt(uint256 a, uint256 b) external pure {
        assertGt(a, b);
    }

    function le(uint256 a, uint256 b) external pure {
        assertLe(a, b);
    }

    function approxEqAbs(uint256 a, uint256 b, uint256 maxDelta) external pure {
        assertApproxEqAbs(a, b, maxDelta);
    }

    function boundValue(uint256 value, uint256 min, uint256 max) external pure returns (uint256) {
        return bound(value, min, max);
    }
}

/// @notice A contract that reports who calls it and emits an event, for the cheatcode tests.
contract CallRecorder {
    error Refused();

    event Called(address indexed caller, uint256 value);

    function whoCalls() external view returns (address sender, address origin) {
        return (msg.sender, tx.origin);
    }

    function emitCalled(uint256 value) external {
        emit Called(msg.sender, value);
    }

    function refuse() external pure {
        revert Refused();
    }
}

/// @notice The test base itself: failed assertions revert with the values, and every declared
///         cheatcode exists with the declared signature (a wrong one reverts as unknown).
contract TestBaseTest is Test {
    event Called(address indexed caller, uint256 value);

    AssertionHarness internal harness;
    CallRecorder internal recorder;

    function setUp() public {
        harness = new AssertionHarness();
        recorder = new CallRecorder();
    }

    function _expectReason(string memory reason) internal {
        vm.expectRevert(abi.encodeWithSignature("Error(string)", reason));
    }

    // ------------------------------------------------------------------------------------------
    // Assertions

    function test_assertEq_equalValues_succeeds() public view {
        harness.eqUint(7, 7);
        harness.eqInt(-7, -7);
        harness.eqAddress(address(this), address(this));
        harness.eqBytes32(keccak256("a"), keccak256("a"));
        harness.eqBool(true, true);
        harness.eqBytes(hex"01ff", hex"01ff");
        harness.eqString("abc", "abc");
    }

    function test_assertEq_unequalUints_reverts() public {
        _expectReason("assertEq(uint256): 3 != 4");
        harness.eqUint(3, 4);
    }

    function test_assertEq_unequalUintsWithMessage_reverts() public {
        _expectReason(
            "reserve0: 0 != 115792089237316195423570985008687907853269984665640564039457584007913129639935"
        );
        harness.eqUintMessage(0, type(uint256).max, "reserve0");
    }

    function test_assertEq_unequalInts_reverts() public {
        _expectReason(
            "assertEq(int256): -57896044618658097711785492504343953926634992332820282019728792003956564819968 != 7"
        );
        harness.eqInt(type(int256).min, 7);
    }

    function test_assertEq_unequalAddresses_reverts() public {
        _expectReason(
            "assertEq(address): 0x4200000000000000000000000000000000000006 != 0x0000000000000000000000000000000000000000"
        );
        harness.eqAddress(0x4200000000000000000000000000000000000006, address(0));
    }

    function test_assertEq_unequalBytes32_reverts() public {
        _expectReason(
            "assertEq(bytes32): 0x00000000000000000000000000000000000000000000000000000000000000ab != 0x0000000000000000000000000000000000000000000000000000000000000000"
        );
        harness.eqBytes32(bytes32(uint256(0xab)), bytes32(0));
    }

    function test_assertEq_unequalBools_reverts() public {
        _expectReason("assertEq(bool): true != false");
        harness.eqBool(true, false);
    }

    function test_assertEq_unequalBytes_reverts() public {
        _expectReason("assertEq(bytes): 0x01ff != 0x");
        harness.eqBytes(hex"01ff", "");
    }

    function test_assertEq_unequalStrings_reverts() public {
        _expectReason("assertEq(string): \"abc\" != \"abd\"");
        harness.eqString("abc", "abd");
    }

    function test_assertTrue_false_reverts() public {
        _expectReason("assertTrue: false");
        harness.isTrue(false);
    }

    function test_assertGt_equalValues_reverts() public {
        _expectReason("assertGt(uint256): 5 <= 5");
        harness.gt(5, 5);
    }

    function test_assertLe_greaterValue_reverts() public {
        _expectReason("assertLe(uint256): 6 > 5");
        harness.le(6, 5);
    }

    function test_assertApproxEqAbs_withinDelta_succeeds() public view {
        harness.approxEqAbs(100, 102, 2);
        harness.approxEqAbs(102, 100, 2);
    }

    function test_assertApproxEqAbs_beyondDelta_reverts() public {
        _expectReason("assertApproxEqAbs(uint256) max delta 2: 100 !~ 103");
        harness.approxEqAbs(100, 103, 2);
    }

    function test_bound_values_succeeds() public view {
        assertEq(harness.boundValue(5, 1, 10), 5);
        assertEq(harness.boundValue(11, 1, 10), 2);
        assertEq(harness.boundValue(0, 1, 10), 1);
        assertEq(harness.boundValue(type(uint256).max, 0, type(uint256).max), type(uint256).max);
    }

    function test_bound_minAboveMax_reverts() public {
        _expectReason("bound: min > max");
        harness.boundValue(1, 2, 1);
    }

    // ------------------------------------------------------------------------------------------
    // Cheatcodes

    function test_warp_setsTimestamp_succeeds() public {
        vm.warp(1_700_000_000);
        assertEq(block.timestamp, 1_700_000_000);
    }

    function test_roll_setsBlockNumber_succeeds() public {
        vm.roll(12_345);
        assertEq(block.number, 12_345);
    }

    function test_prank_nextCallOnly_succeeds() public {
        address alice = address(0xA11CE);
        vm.label(alice, "alice");
        vm.prank(alice);
        (address sender,) = recorder.whoCalls();
        assertEq(sender, alice);
        (sender,) = recorder.whoCalls();
        assertEq(sender, address(this));
    }

    function test_prank_withOrigin_succeeds() public {
        vm.prank(address(0xA11CE), address(0xB0B));
        (address sender, address origin) = recorder.whoCalls();
        assertEq(sender, address(0xA11CE));
        assertEq(origin, address(0xB0B));
    }

    function test_startPrank_untilStopPrank_succeeds() public {
        vm.startPrank(address(0xA11CE));
        (address first,) = recorder.whoCalls();
        (address second,) = recorder.whoCalls();
        vm.stopPrank();
        (address third,) = recorder.whoCalls();
        assertEq(first, address(0xA11CE));
        assertEq(second, address(0xA11CE));
        assertEq(third, address(this));
    }

    function test_deal_setsBalance_succeeds() public {
        vm.deal(address(0xA11CE), 3 ether);
        assertEq(address(0xA11CE).balance, 3 ether);
    }

    function test_expectRevert_anyData_succeeds() public {
        vm.expectRevert();
        recorder.refuse();
    }

    function test_expectRevert_selector_succeeds() public {
        vm.expectRevert(CallRecorder.Refused.selector);
        recorder.refuse();
    }

    function test_expectEmit_allParts_succeeds() public {
        vm.expectEmit();
        emit Called(address(this), 42);
        recorder.emitCalled(42);
    }

    function test_expectEmit_fromEmitter_succeeds() public {
        vm.expectEmit(address(recorder));
        emit Called(address(this), 42);
        recorder.emitCalled(42);
    }

    function test_expectEmit_selectedParts_succeeds() public {
        vm.expectEmit(true, false, false, false);
        emit Called(address(this), 0); // data not compared
        recorder.emitCalled(42);
    }

    function test_expectEmit_selectedPartsFromEmitter_succeeds() public {
        vm.expectEmit(true, true, true, true, address(recorder));
        emit Called(address(this), 42);
        recorder.emitCalled(42);
    }

    function test_assume_fuzzedInput_succeeds(uint256 _value) public {
        vm.assume(_value % 2 == 0);
        assertEq(_value % 2, 0);
    }
}
