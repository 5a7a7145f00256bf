// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "./utils/Test.sol";
import {SmtBuilder} from "./utils/SmtBuilder.sol";
import {SparseMerkleProof} from "../src/libraries/SparseMerkleProof.sol";
import {Bridge} from "../src/L1/Bridge.sol";
import {OutputOracle} from "../src/L1/OutputOracle.sol";
import {StepState} from "../src/libraries/StepStateLib.sol";

/// @notice Checks SparseMerkleProof against rollup/smt.py on the vectors that
///         tests/unit/test_smt_solidity.py writes to test/vectors/smt_vectors.json: every proof
///         gets the verdict rollup.smt gives it (decode_proof + verify_inclusion/verify_exclusion).
///         Also checks the test SMT builder against the Python trees, and the Bridge against the
///         Python withdrawal hash, output root and proof of a known withdrawal.
contract SparseMerkleProofVectorsTest is Test {
    string internal constant VECTORS = "test/vectors/smt_vectors.json";
    string internal constant TREES = "test/vectors/smt_trees.json";

    /// @dev The known vector's values, computed by tests/unit/test_smt_solidity.py, which pins the
    ///      same literals.
    bytes32 internal constant KNOWN_WITHDRAWAL_HASH =
        0xa84717d69135db9e4c34959704772d6f5e57a1416c98f742c65d3b0c5d9bd03d;
    bytes32 internal constant KNOWN_OUTPUT_ROOT =
        0x488ef6296d0fbeedf668d35cb227f6df4c90d873141691e52ae9ef17cbfef074;

    function test_verifyInclusion_pythonVectors_succeeds() public view {
        _checkInclusion(vm.readFile(VECTORS));
    }

    function test_verifyExclusion_pythonVectors_succeeds() public view {
        _checkExclusion(vm.readFile(VECTORS));
    }

    function test_smtBuilder_pythonTrees_succeeds() public view {
        _checkBuilder(vm.readFile(TREES));
    }

    function test_proveWithdrawal_pythonVector_succeeds() public {
        _checkWithdrawal(vm.readFile(TREES));
    }

    function _checkInclusion(string memory json) internal pure {
        string[] memory labels = vm.parseJsonStringArray(json, ".inclusion.labels");
        bytes32[] memory roots = vm.parseJsonBytes32Array(json, ".inclusion.roots");
        bytes32[] memory keys = vm.parseJsonBytes32Array(json, ".inclusion.keys");
        bytes32[] memory values = vm.parseJsonBytes32Array(json, ".inclusion.valueHashes");
        bytes[] memory proofs = vm.parseJsonBytesArray(json, ".inclusion.proofs");
        bool[] memory expected = vm.parseJsonBoolArray(json, ".inclusion.expected");
        uint256 count = vm.parseJsonUint(json, ".inclusionCount");
        assertEq(labels.length, count);
        assertEq(proofs.length, count);
        assertEq(expected.length, count);
        uint256 valid;
        for (uint256 i = 0; i < count; i++) {
            bool verdict =
                SparseMerkleProof.verifyInclusion(roots[i], keys[i], values[i], proofs[i]);
            assertEq(verdict, expected[i], labels[i]);
            if (verdict) valid++;
        }
        assertGt(valid, 0);
        assertLt(valid, count);
    }

    function _checkExclusion(string memory json) internal pure {
        string[] memory labels = vm.parseJsonStringArray(json, ".exclusion.labels");
        bytes32[] memory roots = vm.parseJsonBytes32Array(json, ".exclusion.roots");
        bytes32[] memory keys = vm.parseJsonBytes32Array(json, ".exclusion.keys");
        bytes[] memory proofs = vm.parseJsonBytesArray(json, ".exclusion.proofs");
        bool[] memory expected = vm.parseJsonBoolArray(json, ".exclusion.expected");
        uint256 count = vm.parseJsonUint(json, ".exclusionCount");
        assertEq(labels.length, count);
        assertEq(proofs.length, count);
        assertEq(expected.length, count);
        uint256 valid;
        for (uint256 i = 0; i < count; i++) {
            bool verdict = SparseMerkleProof.verifyExclusion(roots[i], keys[i], proofs[i]);
            assertEq(verdict, expected[i], labels[i]);
            if (verdict) valid++;
        }
        assertGt(valid, 0);
        assertLt(valid, count);
    }

    function _checkBuilder(string memory json) internal pure {
        uint256 count = vm.parseJsonUint(json, ".treeCount");
        assertGt(count, 0);
        for (uint256 t = 0; t < count; t++) {
            string memory tree = string.concat(".trees[", _toString(t), "]");
            string memory name = vm.parseJsonString(json, string.concat(tree, ".name"));
            bytes32[] memory keys = vm.parseJsonBytes32Array(json, string.concat(tree, ".keys"));
            bytes32[] memory values = vm.parseJsonBytes32Array(json, string.concat(tree, ".values"));
            bytes32 root = vm.parseJsonBytes32(json, string.concat(tree, ".root"));
            assertEq(SmtBuilder.computeRoot(keys, values), root, name);
            bytes32[] memory proofKeys =
                vm.parseJsonBytes32Array(json, string.concat(tree, ".proofKeys"));
            bytes[] memory proofs = vm.parseJsonBytesArray(json, string.concat(tree, ".proofs"));
            for (uint256 i = 0; i < proofKeys.length; i++) {
                assertEq(SmtBuilder.prove(keys, values, proofKeys[i]), proofs[i]);
            }
        }
    }

    function _checkWithdrawal(string memory json) internal {
        Bridge.Withdrawal memory w = Bridge.Withdrawal({
            index: vm.parseJsonUint(json, ".withdrawal.index"),
            sender: vm.parseJsonAddress(json, ".withdrawal.sender"),
            l1Recipient: vm.parseJsonAddress(json, ".withdrawal.l1Recipient"),
            l1Token: vm.parseJsonAddress(json, ".withdrawal.l1Token"),
            amount: vm.parseJsonUint(json, ".withdrawal.amount")
        });
        Bridge.OutputRootProof memory p = Bridge.OutputRootProof({
            version: bytes32(0),
            stateRoot: vm.parseJsonBytes32(json, ".withdrawal.stateRoot"),
            withdrawalRoot: vm.parseJsonBytes32(json, ".withdrawal.withdrawalRoot"),
            blockHash: vm.parseJsonBytes32(json, ".withdrawal.blockHash")
        });
        bytes memory proof = vm.parseJsonBytes(json, ".withdrawal.proof");

        vm.warp(1_700_000_000);
        address proposer = address(0xB0B);
        OutputOracle oracle =
            new OutputOracle(proposer, address(0xC4A1), 10, 7 days, 1 ether, bytes32(0), 7 days);
        Bridge bridge = new Bridge(address(oracle));

        bytes32 withdrawalHash = bridge.hashWithdrawal(w);
        bytes32 outputRoot = bridge.hashOutputRootProof(p);
        assertEq(withdrawalHash, vm.parseJsonBytes32(json, ".withdrawal.withdrawalHash"));
        assertEq(withdrawalHash, KNOWN_WITHDRAWAL_HASH);
        assertEq(outputRoot, vm.parseJsonBytes32(json, ".withdrawal.outputRoot"));
        assertEq(outputRoot, KNOWN_OUTPUT_ROOT);

        vm.deal(proposer, 1 ether);
        vm.prank(proposer);
        StepState memory state;
        state.stateRoot = p.stateRoot;
        state.blockNumber = 10;
        state.blockHash = p.blockHash;
        oracle.proposeOutput{value: 1 ether}(state, p.withdrawalRoot);
        assertEq(oracle.getOutput(0).outputRoot, KNOWN_OUTPUT_ROOT);
        vm.deal(address(this), w.amount);
        bridge.depositETH{value: w.amount}(address(this));

        bridge.proveWithdrawal(w, 0, p, proof);
        vm.warp(1_700_000_000 + 7 days);
        bridge.finalizeWithdrawal(w);
        assertEq(w.l1Recipient.balance, 2 ether);
        assertTrue(bridge.finalizedWithdrawals(KNOWN_WITHDRAWAL_HASH));
    }
}
