// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "./utils/Test.sol";

/// @notice Every contract the rollup deploys fits EIP-170's runtime code size limit (24,576
///         bytes), which L1 enforces on creation (forge's test EVM does not).
contract CodeSizeTest is Test {
    uint256 internal constant MAX_CODE_SIZE = 24_576;

    function _assertFits(string memory _artifact) internal view {
        uint256 size = vm.getDeployedCode(_artifact).length;
        assertTrue(size > 0 && size <= MAX_CODE_SIZE, _artifact);
    }

    function test_deployedContracts_fitTheCodeSizeLimit() public view {
        _assertFits("BatchInbox.sol:BatchInbox");
        _assertFits("Bridge.sol:Bridge");
        _assertFits("OutputOracle.sol:OutputOracle");
        _assertFits("DisputeGame.sol:DisputeGame");
        _assertFits("OneStepProver.sol:OneStepProver");
        _assertFits("TransactionRunner.sol:TransactionRunner");
        _assertFits("TokenModule.sol:TokenModule");
        _assertFits("AmmModule.sol:AmmModule");
        _assertFits("LendingModule.sol:LendingModule");
        _assertFits("LeverageModule.sol:LeverageModule");
        _assertFits("PerpsModule.sol:PerpsModule");
    }
}
