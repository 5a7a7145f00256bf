// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "../utils/Test.sol";
import {Env, Call} from "../../src/prover/stf/StfTypes.sol";
import {TokenModule} from "../../src/prover/stf/TokenModule.sol";
import {StfHarness} from "./StfHarness.sol";

/// @notice Cheatcodes this test needs beyond test/utils/Test.sol's Vm (same address).
interface VmJsonArrays {
    function parseJsonUintArray(string calldata json, string calldata key)
        external
        pure
        returns (uint256[] memory);
}

/// @notice Replays the differential vectors of scripts/gen_stf_vectors_tokens.py
///         (vectors/stf_tokens.json): every ERC-20 / WETH / L2 bridge / oracle call through
///         StfHarness.runCall with TokenModule must give Python's success flag and post-state root
///         (and the module Python's operation gas and payability); every L1 deposit through
///         StfHarness.runDeposit (DepositLib) Python's applied flag and post-state root.
///         tests/unit/test_stf_vectors_tokens.py keeps the file current.
contract StfTokensVectorsTest is Test {
    string internal constant VECTORS = "vectors/stf_tokens.json";
    VmJsonArrays internal constant vmArrays = VmJsonArrays(VM_ADDRESS);

    StfHarness internal harness;
    TokenModule internal module;

    struct CallVectors {
        string[] labels;
        bytes32[] preRoots;
        bytes[] witnesses;
        bytes[] envs;
        bytes[] calls;
        bool[] success;
        bytes32[] postRoots;
        uint256[] operationGas;
        bool[] payable_;
    }

    struct DepositVectors {
        string[] labels;
        bytes32[] preRoots;
        bytes[] witnesses;
        uint256[] kinds;
        bytes[] payloads;
        uint256[] queueIndexes;
        bool[] applied;
        bytes32[] postRoots;
    }

    function setUp() public {
        harness = new StfHarness();
        module = new TokenModule();
    }

    function test_calls_pythonVectors_match() public {
        CallVectors memory v = _loadCalls(vm.readFile(VECTORS));
        uint256 succeeded;
        for (uint256 i = 0; i < v.labels.length; i++) {
            Env memory env = abi.decode(v.envs[i], (Env));
            Call memory call = abi.decode(v.calls[i], (Call));
            string memory label = v.labels[i];
            (bool success, bytes32 postRoot) =
                harness.runCall(address(module), v.witnesses[i], v.preRoots[i], env, call);
            assertEq(success, v.success[i], label);
            assertEq(postRoot, v.postRoots[i], label);
            assertEq(module.operationGas(call.to, call.data), v.operationGas[i], label);
            assertEq(module.isPayable(call.to, call.data), v.payable_[i], label);
            if (success) succeeded++;
        }
        assertGt(succeeded, 0);
        assertLt(succeeded, v.labels.length);
    }

    function test_deposits_pythonVectors_match() public view {
        DepositVectors memory v = _loadDeposits(vm.readFile(VECTORS));
        uint256 applied;
        for (uint256 i = 0; i < v.labels.length; i++) {
            (bool ok, bytes32 postRoot) = harness.runDeposit(
                v.witnesses[i], v.preRoots[i], uint8(v.kinds[i]), v.payloads[i], v.queueIndexes[i]
            );
            assertEq(ok, v.applied[i], v.labels[i]);
            assertEq(postRoot, v.postRoots[i], v.labels[i]);
            if (ok) applied++;
        }
        assertGt(applied, 0);
        assertLt(applied, v.labels.length);
    }

    function _loadCalls(string memory _json) internal pure returns (CallVectors memory v_) {
        uint256 count = vm.parseJsonUint(_json, ".callCount");
        v_.labels = vm.parseJsonStringArray(_json, ".calls.labels");
        v_.preRoots = vm.parseJsonBytes32Array(_json, ".calls.preRoots");
        v_.witnesses = vm.parseJsonBytesArray(_json, ".calls.witnesses");
        v_.envs = vm.parseJsonBytesArray(_json, ".calls.envs");
        v_.calls = vm.parseJsonBytesArray(_json, ".calls.calls");
        v_.success = vm.parseJsonBoolArray(_json, ".calls.success");
        v_.postRoots = vm.parseJsonBytes32Array(_json, ".calls.postRoots");
        v_.operationGas = vmArrays.parseJsonUintArray(_json, ".calls.operationGas");
        v_.payable_ = vm.parseJsonBoolArray(_json, ".calls.payable");
        assertGt(count, 100);
        assertEq(v_.labels.length, count);
        assertEq(v_.preRoots.length, count);
        assertEq(v_.witnesses.length, count);
        assertEq(v_.envs.length, count);
        assertEq(v_.calls.length, count);
        assertEq(v_.success.length, count);
        assertEq(v_.postRoots.length, count);
        assertEq(v_.operationGas.length, count);
        assertEq(v_.payable_.length, count);
    }

    function _loadDeposits(string memory _json) internal pure returns (DepositVectors memory v_) {
        uint256 count = vm.parseJsonUint(_json, ".depositCount");
        v_.labels = vm.parseJsonStringArray(_json, ".deposits.labels");
        v_.preRoots = vm.parseJsonBytes32Array(_json, ".deposits.preRoots");
        v_.witnesses = vm.parseJsonBytesArray(_json, ".deposits.witnesses");
        v_.kinds = vmArrays.parseJsonUintArray(_json, ".deposits.kinds");
        v_.payloads = vm.parseJsonBytesArray(_json, ".deposits.payloads");
        v_.queueIndexes = vmArrays.parseJsonUintArray(_json, ".deposits.queueIndexes");
        v_.applied = vm.parseJsonBoolArray(_json, ".deposits.applied");
        v_.postRoots = vm.parseJsonBytes32Array(_json, ".deposits.postRoots");
        assertGt(count, 50);
        assertEq(v_.labels.length, count);
        assertEq(v_.preRoots.length, count);
        assertEq(v_.witnesses.length, count);
        assertEq(v_.kinds.length, count);
        assertEq(v_.payloads.length, count);
        assertEq(v_.queueIndexes.length, count);
        assertEq(v_.applied.length, count);
        assertEq(v_.postRoots.length, count);
    }
}
