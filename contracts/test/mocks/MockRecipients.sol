// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Bridge} from "../../src/L1/Bridge.sol";

/// @notice An account that refuses ETH.
contract RejectingRecipient {
    receive() external payable {
        revert("no ETH");
    }
}

/// @notice A withdrawal recipient that, when paid, tries to finalize the same withdrawal again
///         and records what happened.
contract ReentrantRecipient {
    Bridge public bridge;
    Bridge.Withdrawal internal _withdrawal;
    bool public armed;
    uint256 public timesPaid;
    bool public reentryReverted;
    bytes public reentryRevertData;

    function arm(Bridge _bridge, Bridge.Withdrawal memory _w) external {
        bridge = _bridge;
        _withdrawal = _w;
        armed = true;
    }

    receive() external payable {
        timesPaid++;
        if (!armed) return;
        armed = false;
        try bridge.finalizeWithdrawal(_withdrawal) {
            reentryReverted = false;
        } catch (bytes memory reason) {
            reentryReverted = true;
            reentryRevertData = reason;
        }
    }
}
