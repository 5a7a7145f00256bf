// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "../utils/Test.sol";
import {Env, Call} from "../../src/prover/stf/StfTypes.sol";
import {LendingModule} from "../../src/prover/stf/LendingModule.sol";
import {LeverageModule} from "../../src/prover/stf/LeverageModule.sol";
import {StfHarness} from "./StfHarness.sol";

/// @notice Cheatcodes this test needs beyond test/utils/Test.sol's Vm (same address).
interface VmLendingJsonArrays {
    function parseJsonUintArray(string calldata json, string calldata key)
        external
        pure
        returns (uint256[] memory);
}

/// @notice Replays the differential vectors of scripts/gen_stf_vectors_lending.py
///         (vectors/stf_lending.json): every lending call (supply, withdraw, borrow, repay,
///         liquidate, the views, bad calldata) and every leverage call (openPosition,
///         closePosition, maxLeverage) through StfHarness.runCall with LendingModule or
///         LeverageModule must give Python's success flag and post-state root, and the module
///         Python's operation gas (no lending or leverage function is payable).
///         tests/unit/test_stf_vectors_lending.py keeps the file current.
///
///         The file stores each vector's abi.encode(Env, Call) and witness dictionary-encoded
///         (consecutive witnesses share most 32-byte words): the concatenation of words[ref] over
///         its big-endian uint16 refs.
contract StfLendingVectorsTest is Test {
    string internal constant VECTORS = "vectors/stf_lending.json";
    address internal constant LENDING = 0x4200000000000000000000000000000000000200;
    address internal constant LEVERAGE = 0x4200000000000000000000000000000000000300;
    VmLendingJsonArrays internal constant vmArrays = VmLendingJsonArrays(VM_ADDRESS);

    StfHarness internal harness;
    LendingModule internal lending;
    LeverageModule internal leverage;

    struct Vectors {
        string[] labels;
        bytes32[] preRoots;
        bytes32[] postRoots;
        bool[] success;
        uint256[] operationGas;
        bytes32[] words;
        bytes[] calls;
        bytes[] witnesses;
    }

    function setUp() public {
        harness = new StfHarness();
        lending = new LendingModule();
        leverage = new LeverageModule();
    }

    function test_calls_pythonVectors_match() public {
        Vectors memory v = _load(vm.readFile(VECTORS));
        uint256 succeeded;
        uint256 toLeverage;
        for (uint256 i = 0; i < v.labels.length; i++) {
            (Env memory env, Call memory call) =
                abi.decode(_expand(v.words, v.calls[i]), (Env, Call));
            string memory label = v.labels[i];
            address module;
            if (call.to == LENDING) {
                module = address(lending);
            } else {
                assertEq(call.to, LEVERAGE, label);
                module = address(leverage);
                toLeverage++;
            }
            (bool success, bytes32 postRoot) =
                harness.runCall(module, _expand(v.words, v.witnesses[i]), v.preRoots[i], env, call);
            assertEq(success, v.success[i], label);
            assertEq(postRoot, v.postRoots[i], label);
            if (!success) assertEq(postRoot, v.preRoots[i], label);
            LendingModule m = LendingModule(module);
            assertEq(m.operationGas(call.to, call.data), v.operationGas[i], label);
            assertFalse(m.isPayable(call.to, call.data), label);
            if (success) succeeded++;
        }
        assertGt(succeeded, 80);
        assertLt(succeeded, v.labels.length);
        assertGt(toLeverage, 40);
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
        v_.words = vm.parseJsonBytes32Array(_json, ".words");
        v_.calls = vm.parseJsonBytesArray(_json, ".calls");
        v_.witnesses = vm.parseJsonBytesArray(_json, ".witnesses");
        assertGt(count, 200);
        assertEq(v_.labels.length, count);
        assertEq(v_.preRoots.length, count);
        assertEq(v_.postRoots.length, count);
        assertEq(v_.success.length, count);
        assertEq(v_.operationGas.length, count);
        assertEq(v_.calls.length, count);
        assertEq(v_.witnesses.length, count);
    }
}
