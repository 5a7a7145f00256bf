// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
import {BridgeInvariantTest, BridgeHandler} from "./Bridge.invariants.t.sol";
contract ProbeTest is BridgeInvariantTest {
    function test_probe() public {
        handler.depositETH(5 ether);
        handler.initiateWithdrawal(1 ether, false, 1);
        handler.initiateWithdrawal(1 ether, false, 2);
        handler.propose();
        handler.prove(0, 0);
        handler.prove(1, 0);
        handler.warp(2 days);
        handler.finalize(0);
        handler.finalize(2);
        assertEq(handler.ghostFinalizedCount(), 2);
    }
}
