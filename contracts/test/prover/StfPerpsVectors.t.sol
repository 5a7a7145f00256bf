// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "../utils/Test.sol";
import {Env, Call} from "../../src/prover/stf/StfTypes.sol";
import {PerpsModule} from "../../src/prover/stf/PerpsModule.sol";
import {StfHarness} from "./StfHarness.sol";

/// @notice Cheatcodes this test needs beyond test/utils/Test.sol's Vm (same address).
interface VmPerpsJsonArrays {
    function parseJsonUintArray(string calldata json, string calldata key)
        external
        pure
        returns (uint256[] memory);
}

/// @notice Replays the differential vectors of scripts/gen_stf_vectors_perps.py
///         (vectors/stf_perps.json): every perps call (depositMargin, withdrawMargin,
///         modifyPosition, closePosition, liquidate, the three views, bad calldata) through
///         StfHarness.runCall (the TransactionRunner with PerpsModule) must give Python's success
///         flag and post-state root; PerpsModule.run (calls without value) Python's return or
///         revert data and logs, bit for bit; the module Python's operation gas (no perps
///         function is payable). tests/unit/test_stf_vectors_perps.py keeps the file current.
///
///         Calls and witnesses are dictionary-encoded as in vectors/stf_lending.json.
contract StfPerpsVectorsTest is Test {
    string internal constant VECTORS = "vectors/stf_perps.json";
    address internal constant PERPS = 0x4200000000000000000000000000000000000500;
    VmPerpsJsonArrays internal constant vmArrays = VmPerpsJsonArrays(VM_ADDRESS);

    StfHarness internal harness;
    PerpsModule internal perps;

    struct Vectors {
        string[] labels;
        bytes32[] preRoots;
        bytes32[] postRoots;
        bool[] success;
        uint256[] operationGas;
        bytes[] outputs;
        bytes[] logs;
        bytes32[] words;
        bytes[] calls;
        bytes[] witnesses;
    }

    function setUp() public {
        harness = new StfHarness();
        perps = new PerpsModule();
    }

    function test_calls_pythonVectors_match() public {
        Vectors memory v = _load(vm.readFile(VECTORS));
        uint256 succeeded;
        uint256 compared;
        for (uint256 i = 0; i < v.labels.length; i++) {
            (Env memory env, Call memory call) =
                abi.decode(_expand(v.words, v.calls[i]), (Env, Call));
            string memory label = v.labels[i];
            assertEq(call.to, PERPS, label);
            bytes memory witness = _expand(v.words, v.witnesses[i]);
            (bool success, bytes32 postRoot) =
                harness.runCall(address(perps), witness, v.preRoots[i], env, call);
            assertEq(success, v.success[i], label);
            assertEq(postRoot, v.postRoots[i], label);
            if (!success) assertEq(postRoot, v.preRoots[i], label);
            assertEq(perps.operationGas(call.to, call.data), v.operationGas[i], label);
            assertFalse(perps.isPayable(call.to, call.data), label);
            if (success) succeeded++;
            if (call.value != 0) continue; // the runner refuses it before the module runs
            _compareOutputs(v, i, witness, env, call);
            compared++;
        }
        assertGt(succeeded, 100);
        assertLt(succeeded, v.labels.length);
        assertGt(compared, 300);
    }

    /// @dev PerpsModule.run against Python: success, root, return/revert data, logs.
    function _compareOutputs(
        Vectors memory _v,
        uint256 _i,
        bytes memory _witness,
        Env memory _env,
        Call memory _call
    ) internal view {
        (bool ok, bytes32 root, bytes memory output, bytes memory logs) =
            harness.runPerps(perps, _witness, _v.preRoots[_i], _env, _call);
        assertEq(ok, _v.success[_i], _v.labels[_i]);
        assertEq(root, _v.postRoots[_i], _v.labels[_i]);
        assertEq(keccak256(output), keccak256(_v.outputs[_i]), _v.labels[_i]);
        assertEq(keccak256(logs), keccak256(_v.logs[_i]), _v.labels[_i]);
    }

    /// @dev The bytes whose 32-byte words are `_words[ref]` for each 2-byte ref in `_refs`.
    function _expand(bytes32[] memory _words, bytes memory _refs)
        internal
        pure
        returns (bytes memory out_)
    {
        uint256 count = _refs.length / 2;
        out_ = new bytes(count * 32);
        for (uint256 i = 0; i < count; i++) {
            uint256 ref = (uint256(uint8(_refs[2 * i])) << 8) | uint8(_refs[2 * i + 1]);
            bytes32 word = _words[ref];
            assembly ("memory-safe") {
                mstore(add(add(out_, 0x20), mul(i, 0x20)), word)
            }
        }
    }

    function _load(string memory _json) internal pure returns (Vectors memory v_) {
        uint256 count = vm.parseJsonUint(_json, ".count");
        v_.labels = vm.parseJsonStringArray(_json, ".labels");
        v_.preRoots = vm.parseJsonBytes32Array(_json, ".preRoots");
        v_.postRoots = vm.parseJsonBytes32Array(_json, ".postRoots");
        v_.success = vm.parseJsonBoolArray(_json, ".success");
        v_.operationGas = vmArrays.parseJsonUintArray(_json, ".operationGas");
        v_.outputs = vm.parseJsonBytesArray(_json, ".outputs");
        v_.logs = vm.parseJsonBytesArray(_json, ".logs");
        v_.words = vm.parseJsonBytes32Array(_json, ".words");
        v_.calls = vm.parseJsonBytesArray(_json, ".calls");
        v_.witnesses = vm.parseJsonBytesArray(_json, ".witnesses");
        assertGt(count, 300);
        assertEq(v_.labels.length, count);
        assertEq(v_.postRoots.length, count);
        assertEq(v_.success.length, count);
        assertEq(v_.operationGas.length, count);
        assertEq(v_.outputs.length, count);
        assertEq(v_.logs.length, count);
        assertEq(v_.calls.length, count);
        assertEq(v_.witnesses.length, count);
    }
}
