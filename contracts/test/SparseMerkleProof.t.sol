// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "./utils/Test.sol";
import {SmtBuilder} from "./utils/SmtBuilder.sol";
import {SparseMerkleProof} from "../src/libraries/SparseMerkleProof.sol";

/// @notice Hand-built proofs and fuzzed trees for SparseMerkleProof. The cross-check against
///         rollup/smt.py itself is SparseMerkleProofVectors.t.sol.
contract SparseMerkleProofTest is Test {
    bytes32 internal constant KEY_LEFT = bytes32(uint256(0x01));
    bytes32 internal constant KEY_RIGHT = bytes32(uint256(1) << 255 | 0x02);
    bytes32 internal constant VALUE_1 = bytes32(uint256(0x11));
    bytes32 internal constant VALUE_2 = bytes32(uint256(0x22));

    function _leaf(bytes32 _key, bytes32 _value) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(uint8(0), _key, _value));
    }

    function _node(bytes32 _left, bytes32 _right) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(uint8(1), _left, _right));
    }

    /// @dev The proof of KEY_LEFT in the tree {KEY_LEFT: VALUE_1, KEY_RIGHT: VALUE_2}: depth 1,
    ///      bitmap bit 0, the right leaf as sibling, the left leaf as terminal.
    function _twoLeafProof() internal pure returns (bytes memory) {
        return abi.encodePacked(
            uint8(1),
            bytes32(uint256(1) << 255),
            _leaf(KEY_RIGHT, VALUE_2),
            uint8(1),
            KEY_LEFT,
            VALUE_1
        );
    }

    function _twoLeafRoot() internal pure returns (bytes32) {
        return _node(_leaf(KEY_LEFT, VALUE_1), _leaf(KEY_RIGHT, VALUE_2));
    }

    // ------------------------------------------------------------------------------------------
    // Hashes

    function test_computeLeafHash_knownAnswer_succeeds() public pure {
        // The known answers of tests/unit/test_smt.py.
        assertEq(
            SparseMerkleProof.computeLeafHash(bytes32(0), bytes32(0)),
            0xae61b77b3e4cbac1353bfa4c59274e3ae531285c24e3cf57c11771ecbf72d9bf
        );
    }

    function test_computeInternalHash_knownAnswer_succeeds() public pure {
        assertEq(
            SparseMerkleProof.computeInternalHash(bytes32(0), bytes32(0)),
            0xc07a1e8b7e0057673fdc2affe190d8a960c5fe615663f27b7ce84f3d93ef92a6
        );
    }

    // ------------------------------------------------------------------------------------------
    // verifyInclusion

    function test_verifyInclusion_singleLeafTree_succeeds() public pure {
        bytes memory proof = abi.encodePacked(uint8(0), bytes32(0), uint8(1), KEY_LEFT, VALUE_1);
        assertTrue(
            SparseMerkleProof.verifyInclusion(_leaf(KEY_LEFT, VALUE_1), KEY_LEFT, VALUE_1, proof)
        );
    }

    function test_verifyInclusion_twoLeafTree_succeeds() public pure {
        assertTrue(
            SparseMerkleProof.verifyInclusion(_twoLeafRoot(), KEY_LEFT, VALUE_1, _twoLeafProof())
        );
    }

    function test_verifyInclusion_wrongValueHashIsRejected_succeeds() public pure {
        assertFalse(
            SparseMerkleProof.verifyInclusion(_twoLeafRoot(), KEY_LEFT, VALUE_2, _twoLeafProof())
        );
    }

    function test_verifyInclusion_wrongRootIsRejected_succeeds() public pure {
        assertFalse(
            SparseMerkleProof.verifyInclusion(
                _leaf(KEY_LEFT, VALUE_1), KEY_LEFT, VALUE_1, _twoLeafProof()
            )
        );
    }

    function test_verifyInclusion_sideFromKeyBit_succeeds() public pure {
        // KEY_RIGHT's bit 0 is 1, so its leaf is hashed as the right child: the proof verifies
        // against the real tree and not against one with the two leaves swapped.
        bytes memory proof = abi.encodePacked(
            uint8(1),
            bytes32(uint256(1) << 255),
            _leaf(KEY_LEFT, VALUE_1),
            uint8(1),
            KEY_RIGHT,
            VALUE_2
        );
        bytes32 swappedRoot = _node(_leaf(KEY_RIGHT, VALUE_2), _leaf(KEY_LEFT, VALUE_1));
        assertTrue(SparseMerkleProof.verifyInclusion(_twoLeafRoot(), KEY_RIGHT, VALUE_2, proof));
        assertFalse(SparseMerkleProof.verifyInclusion(swappedRoot, KEY_RIGHT, VALUE_2, proof));
    }

    function test_verifyInclusion_zeroSiblingListedIsRejected_succeeds() public pure {
        // Depth 2 with a zero sibling at depth 1 listed explicitly: the hashes match those of
        // the canonical proof with an unset bit, but only the canonical encoding is accepted.
        bytes32 key = KEY_LEFT;
        bytes32 sibling0 = keccak256("sibling");
        bytes32 root = _node(_node(_leaf(key, VALUE_1), bytes32(0)), sibling0);
        bytes memory canonical = abi.encodePacked(
            uint8(2), bytes32(uint256(1) << 255), sibling0, uint8(1), key, VALUE_1
        );
        bytes memory explicitZero = abi.encodePacked(
            uint8(2), bytes32(uint256(3) << 254), sibling0, bytes32(0), uint8(1), key, VALUE_1
        );
        assertTrue(SparseMerkleProof.verifyInclusion(root, key, VALUE_1, canonical));
        assertFalse(SparseMerkleProof.verifyInclusion(root, key, VALUE_1, explicitZero));
    }

    function test_verifyInclusion_bitmapBeyondDepthIsRejected_succeeds() public pure {
        bytes memory proof = abi.encodePacked(
            uint8(0), bytes32(uint256(1) << 255), keccak256("x"), uint8(1), KEY_LEFT, VALUE_1
        );
        assertFalse(
            SparseMerkleProof.verifyInclusion(_leaf(KEY_LEFT, VALUE_1), KEY_LEFT, VALUE_1, proof)
        );
    }

    function test_verifyInclusion_trailingByteIsRejected_succeeds() public pure {
        bytes memory proof = bytes.concat(_twoLeafProof(), bytes1(0));
        assertFalse(SparseMerkleProof.verifyInclusion(_twoLeafRoot(), KEY_LEFT, VALUE_1, proof));
    }

    function test_verifyInclusion_unknownTerminalKindIsRejected_succeeds() public pure {
        bytes memory proof = _twoLeafProof();
        proof[65] = 0x02;
        assertFalse(SparseMerkleProof.verifyInclusion(_twoLeafRoot(), KEY_LEFT, VALUE_1, proof));
    }

    function test_verifyInclusion_emptyTerminalIsRejected_succeeds() public pure {
        bytes memory proof = abi.encodePacked(uint8(0), bytes32(0), uint8(0));
        assertFalse(SparseMerkleProof.verifyInclusion(bytes32(0), KEY_LEFT, bytes32(0), proof));
    }

    function test_verifyInclusion_shortInputsAreRejected_succeeds() public pure {
        assertFalse(SparseMerkleProof.verifyInclusion(bytes32(0), KEY_LEFT, VALUE_1, ""));
        assertFalse(SparseMerkleProof.verifyInclusion(bytes32(0), KEY_LEFT, VALUE_1, new bytes(33)));
    }

    function test_verifyInclusion_builtTrees_succeeds(bytes32 _seed, uint8 _size) public pure {
        uint256 size = bound(_size, 1, 8);
        (bytes32[] memory keys, bytes32[] memory values) = _randomLeaves(_seed, size);
        bytes32 root = SmtBuilder.computeRoot(keys, values);
        for (uint256 i = 0; i < size; i++) {
            bytes memory proof = SmtBuilder.prove(keys, values, keys[i]);
            assertTrue(SparseMerkleProof.verifyInclusion(root, keys[i], values[i], proof));
            assertFalse(SparseMerkleProof.verifyInclusion(root, keys[i], ~values[i], proof));
            assertFalse(SparseMerkleProof.verifyExclusion(root, keys[i], proof));
        }
    }

    function test_verifyInclusion_arbitraryBytes_succeeds(bytes calldata _proof, bytes32 _key)
        public
        pure
    {
        // Never reverts; random bytes do not verify against a fixed root.
        assertFalse(SparseMerkleProof.verifyInclusion(keccak256("root"), _key, VALUE_1, _proof));
    }

    // ------------------------------------------------------------------------------------------
    // verifyExclusion

    function test_verifyExclusion_emptyTree_succeeds() public pure {
        bytes memory proof = abi.encodePacked(uint8(0), bytes32(0), uint8(0));
        assertTrue(SparseMerkleProof.verifyExclusion(bytes32(0), KEY_LEFT, proof));
    }

    function test_verifyExclusion_leafTerminalOnPath_succeeds() public pure {
        // Single-leaf tree {KEY_LEFT}: any other key's path ends at that leaf, at depth 0.
        bytes memory proof = abi.encodePacked(uint8(0), bytes32(0), uint8(1), KEY_LEFT, VALUE_1);
        assertTrue(SparseMerkleProof.verifyExclusion(_leaf(KEY_LEFT, VALUE_1), KEY_RIGHT, proof));
    }

    function test_verifyExclusion_presentKeyIsRejected_succeeds() public pure {
        assertFalse(SparseMerkleProof.verifyExclusion(_twoLeafRoot(), KEY_LEFT, _twoLeafProof()));
    }

    function test_verifyExclusion_leafTerminalOffPathIsRejected_succeeds() public pure {
        // KEY_RIGHT (bit 0 = 1) cannot end at a depth-1 terminal whose key has bit 0 = 0.
        bytes memory proof = abi.encodePacked(
            uint8(1),
            bytes32(uint256(1) << 255),
            _leaf(KEY_RIGHT, VALUE_2),
            uint8(1),
            KEY_LEFT,
            VALUE_1
        );
        bytes32 absent = bytes32(uint256(1) << 255 | 0x99);
        assertFalse(SparseMerkleProof.verifyExclusion(_twoLeafRoot(), absent, proof));
    }

    function test_verifyExclusion_builtTrees_succeeds(bytes32 _seed, uint8 _size, bytes32 _absent)
        public
    {
        uint256 size = bound(_size, 0, 8);
        (bytes32[] memory keys, bytes32[] memory values) = _randomLeaves(_seed, size);
        for (uint256 i = 0; i < size; i++) {
            vm.assume(keys[i] != _absent);
        }
        bytes32 root = SmtBuilder.computeRoot(keys, values);
        bytes memory proof = SmtBuilder.prove(keys, values, _absent);
        assertTrue(SparseMerkleProof.verifyExclusion(root, _absent, proof));
        assertFalse(SparseMerkleProof.verifyExclusion(~root, _absent, proof));
    }

    /// @dev `_size` distinct pseudo-random keys (half of them sharing a 64-bit prefix) and values.
    function _randomLeaves(bytes32 _seed, uint256 _size)
        internal
        pure
        returns (bytes32[] memory keys_, bytes32[] memory values_)
    {
        keys_ = new bytes32[](_size);
        values_ = new bytes32[](_size);
        for (uint256 i = 0; i < _size; i++) {
            bytes32 random = keccak256(abi.encode(_seed, i));
            if (i % 2 == 1) {
                uint256 prefix = uint256(_seed) & (type(uint256).max << 192);
                random = bytes32(prefix | (uint256(random) >> 64));
            }
            keys_[i] = random;
            values_[i] = keccak256(abi.encode(random));
        }
    }
}
