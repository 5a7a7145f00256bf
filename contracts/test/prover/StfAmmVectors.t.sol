// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "../utils/Test.sol";
import {Env, Call} from "../../src/prover/stf/StfTypes.sol";
import {AmmModule} from "../../src/prover/stf/AmmModule.sol";
import {StfHarness} from "./StfHarness.sol";

/// @notice Cheatcodes this test needs beyond test/utils/Test.sol's Vm (same address).
interface VmAmmJsonArrays {
    function parseJsonUintArray(string calldata json, string calldata key)
        external
        pure
        returns (uint256[] memory);
}

/// @notice Replays the differential vectors of scripts/gen_stf_vectors_amm.py
///         (vectors/stf_amm.json): every AMM call (createPool, addLiquidity, removeLiquidity,
///         swapExactIn, the views, bad calldata) through StfHarness.runCall with AmmModule must
///         give Python's success flag and post-state root, and the module Python's operation gas
///         and payability. The vectors form one history from the devnet genesis.
///         tests/unit/test_stf_vectors_amm.py keeps the file current.
contract StfAmmVectorsTest is Test {
    string internal constant VECTORS = "vectors/stf_amm.json";
    VmAmmJsonArrays internal constant vmArrays = VmAmmJsonArrays(VM_ADDRESS);

    StfHarness internal harness;
    AmmModule internal module;

    struct Vectors {
        string[] labels;
        bytes32[] preRoots;
        bytes32[] postRoots;
        bool[] success;
        bytes[] witnesses;
        bytes32[] numbers;
        bytes32[] timestamps;
        bytes32[] senders;
        bytes32[] values;
        bytes[] data;
        uint256[] operationGas;
        bool[] payable_;
        address amm;
        uint256 baseFee;
        uint256 chainId;
    }

    function setUp() public {
        harness = new StfHarness();
        module = new AmmModule();
    }

    function test_calls_pythonVectors_match() public {
        Vectors memory v = _load(vm.readFile(VECTORS));
        uint256 succeeded;
        for (uint256 i = 0; i < v.labels.length; i++) {
            Env memory env =
                Env(uint256(v.numbers[i]), uint256(v.timestamps[i]), v.baseFee, v.chainId);
            Call memory call = Call(
                address(uint160(uint256(v.senders[i]))), v.amm, uint256(v.values[i]), v.data[i]
            );
            string memory label = v.labels[i];
            (bool success, bytes32 postRoot) =
                harness.runCall(address(module), v.witnesses[i], v.preRoots[i], env, call);
            assertEq(success, v.success[i], label);
            assertEq(postRoot, v.postRoots[i], label);
            assertEq(module.operationGas(call.to, call.data), v.operationGas[i], label);
            assertEq(module.isPayable(call.to, call.data), v.payable_[i], label);
            if (success) succeeded++;
        }
        assertGt(succeeded, 40);
        assertLt(succeeded, v.labels.length);
    }

    /// @notice The vectors chain: each starts from the state the previous one left.
    function test_vectors_formOneHistory_succeeds() public view {
        Vectors memory v = _load(vm.readFile(VECTORS));
        for (uint256 i = 1; i < v.labels.length; i++) {
            assertEq(v.preRoots[i], v.postRoots[i - 1], v.labels[i]);
        }
    }

    function _load(string memory _json) internal pure returns (Vectors memory v_) {
        uint256 count = vm.parseJsonUint(_json, ".count");
        v_.labels = vm.parseJsonStringArray(_json, ".labels");
        v_.preRoots = vm.parseJsonBytes32Array(_json, ".preRoots");
        v_.postRoots = vm.parseJsonBytes32Array(_json, ".postRoots");
        v_.success = vm.parseJsonBoolArray(_json, ".success");
        v_.witnesses = vm.parseJsonBytesArray(_json, ".witnesses");
        v_.numbers = vm.parseJsonBytes32Array(_json, ".numbers");
        v_.timestamps = vm.parseJsonBytes32Array(_json, ".timestamps");
        v_.senders = vm.parseJsonBytes32Array(_json, ".senders");
        v_.values = vm.parseJsonBytes32Array(_json, ".values");
        v_.data = vm.parseJsonBytesArray(_json, ".data");
        v_.operationGas = vmArrays.parseJsonUintArray(_json, ".operationGas");
        v_.payable_ = vm.parseJsonBoolArray(_json, ".payable");
        v_.amm = vm.parseJsonAddress(_json, ".amm");
        v_.baseFee = vm.parseJsonUint(_json, ".baseFee");
        v_.chainId = vm.parseJsonUint(_json, ".chainId");
        assertGt(count, 150);
        assertEq(v_.labels.length, count);
        assertEq(v_.preRoots.length, count);
        assertEq(v_.postRoots.length, count);
        assertEq(v_.success.length, count);
        assertEq(v_.witnesses.length, count);
        assertEq(v_.numbers.length, count);
        assertEq(v_.timestamps.length, count);
        assertEq(v_.senders.length, count);
        assertEq(v_.values.length, count);
        assertEq(v_.data.length, count);
        assertEq(v_.operationGas.length, count);
        assertEq(v_.payable_.length, count);
    }
}
