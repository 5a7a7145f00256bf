// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IOneStepProver} from "../../src/prover/IOneStepProver.sol";
import {StepState} from "../../src/libraries/StepStateLib.sol";

/// @notice Test-only one-step prover: returns the post hash the test configured, after checking
///         the target block and input it was told to expect; reverts when told to (an invalid
///         witness).
contract MockOneStepProver is IOneStepProver {
    /// @notice The proof is invalid.
    error InvalidProof();

    /// @notice The game passed another target block than expected.
    error UnexpectedTargetBlock(uint256 targetBlock);

    bytes32 public postHash;
    uint256 public expectedTargetBlock;
    bool public reverts;

    function setPostHash(bytes32 _postHash) external {
        postHash = _postHash;
    }

    function setExpectedTargetBlock(uint256 _targetBlock) external {
        expectedTargetBlock = _targetBlock;
    }

    function setReverts(bool _reverts) external {
        reverts = _reverts;
    }

    /// @inheritdoc IOneStepProver
    function proveStep(StepState calldata, uint256 _targetBlock, bytes calldata, bytes calldata)
        external
        view
        returns (bytes32)
    {
        if (reverts) revert InvalidProof();
        if (expectedTargetBlock != 0 && _targetBlock != expectedTargetBlock) {
            revert UnexpectedTargetBlock(_targetBlock);
        }
        return postHash;
    }
}
