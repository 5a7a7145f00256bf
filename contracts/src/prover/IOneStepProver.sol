// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {StepState} from "../libraries/StepStateLib.sol";

/// @title IOneStepProver
/// @notice Executes one step of the step machine on L1 (docs/FRAUD_PROOFS.md §2). The dispute
///         game calls it once a bisection has narrowed a dispute down to a single step.
interface IOneStepProver {
    /// @notice Runs the step from `_pre` and returns the hash of the state after it. Reverts if
    ///         `_input` or `_witness` does not prove what the step reads (an incomplete or wrong
    ///         witness proves nothing).
    /// @param _pre         The state before the step.
    /// @param _targetBlock The L2 block of the disputed output: a BLOCK_START state at this block
    ///                     is final, and a step from it changes nothing.
    /// @param _input       What the step reads from L1 (docs/FRAUD_PROOFS.md §2): batch and
    ///                     message records, each checked against what the BatchInbox and the
    ///                     Bridge recorded.
    /// @param _witness     abi.encode(Witness): the leaves the step reads or writes, with proofs.
    /// @return postHash_ keccak256(abi.encode(post state)).
    function proveStep(
        StepState calldata _pre,
        uint256 _targetBlock,
        bytes calldata _input,
        bytes calldata _witness
    ) external view returns (bytes32 postHash_);
}
