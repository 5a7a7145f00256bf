// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "./utils/Test.sol";
import {TestERC20} from "../src/L1/TestERC20.sol";

contract TestERC20Test is Test {
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);

    TestERC20 internal token;

    function setUp() public {
        token = new TestERC20("Test USD", "TUSD", 6);
    }

    function test_constructor_metadata_succeeds() public view {
        assertEq(token.name(), "Test USD");
        assertEq(token.symbol(), "TUSD");
        assertEq(uint256(token.decimals()), 6);
        assertEq(token.totalSupply(), 0);
    }

    function test_mint_anyone_succeeds() public {
        vm.expectEmit(address(token));
        emit Transfer(address(0), ALICE, 500);
        vm.prank(BOB);
        token.mint(ALICE, 500);
        assertEq(token.balanceOf(ALICE), 500);
        assertEq(token.totalSupply(), 500);
    }

    function test_transfer_balance_succeeds() public {
        token.mint(ALICE, 500);
        vm.expectEmit(address(token));
        emit Transfer(ALICE, BOB, 200);
        vm.prank(ALICE);
        assertTrue(token.transfer(BOB, 200));
        assertEq(token.balanceOf(ALICE), 300);
        assertEq(token.balanceOf(BOB), 200);
    }

    function test_transfer_insufficientBalance_reverts() public {
        token.mint(ALICE, 500);
        vm.expectRevert(TestERC20.InsufficientBalance.selector);
        vm.prank(ALICE);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        token.transfer(BOB, 501);
    }

    function test_approve_setsAllowance_succeeds() public {
        vm.expectEmit(address(token));
        emit Approval(ALICE, BOB, 7);
        vm.prank(ALICE);
        assertTrue(token.approve(BOB, 7));
        assertEq(token.allowance(ALICE, BOB), 7);
    }

    function test_transferFrom_allowance_succeeds() public {
        token.mint(ALICE, 500);
        vm.prank(ALICE);
        token.approve(BOB, 300);
        vm.prank(BOB);
        assertTrue(token.transferFrom(ALICE, BOB, 200));
        assertEq(token.allowance(ALICE, BOB), 100);
        assertEq(token.balanceOf(ALICE), 300);
        assertEq(token.balanceOf(BOB), 200);
    }

    function test_transferFrom_infiniteAllowance_succeeds() public {
        token.mint(ALICE, 500);
        vm.prank(ALICE);
        token.approve(BOB, type(uint256).max);
        vm.prank(BOB);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        token.transferFrom(ALICE, BOB, 500);
        assertEq(token.allowance(ALICE, BOB), type(uint256).max);
    }

    function test_transferFrom_insufficientAllowance_reverts() public {
        token.mint(ALICE, 500);
        vm.prank(ALICE);
        token.approve(BOB, 199);
        vm.expectRevert(TestERC20.InsufficientAllowance.selector);
        vm.prank(BOB);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        token.transferFrom(ALICE, BOB, 200);
    }

    function test_transferFrom_insufficientBalance_reverts() public {
        token.mint(ALICE, 100);
        vm.prank(ALICE);
        token.approve(BOB, 200);
        vm.expectRevert(TestERC20.InsufficientBalance.selector);
        vm.prank(BOB);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        token.transferFrom(ALICE, BOB, 200);
    }
}
