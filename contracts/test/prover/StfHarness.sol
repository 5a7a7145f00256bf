// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {L2State} from "../../src/prover/L2State.sol";
import {Env, Call, ISystemModule} from "../../src/prover/stf/StfTypes.sol";
import {TransactionRunner, TxFields, TxOutcome} from "../../src/prover/TransactionRunner.sol";
import {DepositLib} from "../../src/prover/stf/DepositLib.sol";
import {PerpsModule} from "../../src/prover/stf/PerpsModule.sol";
import {Log} from "../../src/prover/stf/PerpsLib.sol";

/// @notice Test harness: one call or one transaction of the Solidity STF from a witness to a
///         post-state root, to compare with rollup.witness.run_with_witness.
contract StfHarness {
    mapping(address => TransactionRunner) internal _runners;

    /// @notice Runs `_call` with `_module` serving every system contract it reaches.
    function runCall(
        address _module,
        bytes memory _witness,
        bytes32 _preRoot,
        Env memory _env,
        Call memory _call
    ) external returns (bool success_, bytes32 postRoot_) {
        TransactionRunner runner = _runnerFor(_module);
        (L2State.Db memory db, L2State.Witness memory witness) = L2State.load(_witness, _preRoot);
        (success_, db) = runner.runCall(db, _env, _call);
        postRoot_ = L2State.commit(db, witness, _preRoot);
    }

    /// @notice Runs `_call` with PerpsModule.run directly (no ETH transfer, no payable check):
    ///         success, post root, return data or revert data, and abi.encode(logs).
    function runPerps(
        PerpsModule _module,
        bytes memory _witness,
        bytes32 _preRoot,
        Env memory _env,
        Call memory _call
    )
        external
        view
        returns (bool success_, bytes32 postRoot_, bytes memory output_, bytes memory logs_)
    {
        (L2State.Db memory db, L2State.Witness memory witness) = L2State.load(_witness, _preRoot);
        try _module.run(db, _env, _call) returns (
            L2State.Db memory changed, bytes memory returnData, Log[] memory logs
        ) {
            success_ = true;
            db = changed;
            output_ = returnData;
            logs_ = abi.encode(logs);
        } catch (bytes memory reason) {
            output_ = reason;
            logs_ = abi.encode(new Log[](0));
        }
        postRoot_ = L2State.commit(db, witness, _preRoot);
    }

    /// @notice Runs a whole transaction through `_runner`.
    function runTransaction(
        TransactionRunner _runner,
        bytes memory _witness,
        bytes32 _preRoot,
        Env memory _env,
        TxFields memory _tx,
        address _sender,
        uint256 _gasAvailable
    ) external view returns (TxOutcome memory outcome_, bytes32 postRoot_) {
        (L2State.Db memory db, L2State.Witness memory witness) = L2State.load(_witness, _preRoot);
        (db, outcome_) = _runner.runTransaction(db, _env, _tx, _sender, _gasAvailable);
        postRoot_ = L2State.commit(db, witness, _preRoot);
    }

    function _runnerFor(address _module) internal returns (TransactionRunner runner_) {
        runner_ = _runners[_module];
        if (address(runner_) == address(0)) {
            ISystemModule m = ISystemModule(_module);
            runner_ = new TransactionRunner(m, m, m, m, m);
            _runners[_module] = runner_;
        }
    }

    /// @notice Applies L1 message `_queueIndex` (kind 1 ETH or 2 ERC-20 deposit) with DepositLib.
    /// @return applied_  Whether the deposit was applied (false: skipped, state unchanged).
    /// @return postRoot_ The state root after it.
    function runDeposit(
        bytes memory _witness,
        bytes32 _preRoot,
        uint8 _kind,
        bytes memory _payload,
        uint256 _queueIndex
    ) external pure returns (bool applied_, bytes32 postRoot_) {
        (L2State.Db memory db, L2State.Witness memory witness) = L2State.load(_witness, _preRoot);
        applied_ = DepositLib.applyMessageDeposit(db, _kind, _payload, _queueIndex);
        postRoot_ = L2State.commit(db, witness, _preRoot);
    }
}
