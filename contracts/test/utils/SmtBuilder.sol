// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title SmtBuilder
/// @notice Test helper: builds the compact sparse Merkle tree of rollup/smt.py over a small set of
///         distinct keys, straight from the rules (an empty subtree is zero, a subtree with one leaf
///         is that leaf, a subtree with more is an internal node split on the next key bit), and
///         encodes proofs as rollup.smt.encode_proof. Quadratic; for a few dozen leaves at most.
///         SparseMerkleProofVectors.t.sol checks it against trees built by rollup.smt in Python.
library SmtBuilder {
    /// @notice The root of the tree mapping `_keys[i]` to `_values[i]`.
    /// @param _keys   Distinct keys.
    /// @param _values Their value hashes.
    /// @return The root (zero for no keys).
    function computeRoot(bytes32[] memory _keys, bytes32[] memory _values)
        internal
        pure
        returns (bytes32)
    {
        return _subtree(_keys, _values, _allIndexes(_keys.length), 0);
    }

    /// @notice The encoded proof of `_key`'s path in the tree mapping `_keys[i]` to `_values[i]`:
    ///         an inclusion proof if `_key` is one of the keys, an exclusion proof otherwise.
    /// @param _keys   Distinct keys.
    /// @param _values Their value hashes.
    /// @param _key    The key whose path is proven.
    /// @return proof_ The proof bytes.
    function prove(bytes32[] memory _keys, bytes32[] memory _values, bytes32 _key)
        internal
        pure
        returns (bytes memory proof_)
    {
        uint256[] memory indexes = _allIndexes(_keys.length);
        uint256 depth = 0;
        uint256 bitmap = 0;
        bytes memory siblings = "";
        while (indexes.length >= 2) {
            (uint256[] memory left, uint256[] memory right) = _split(_keys, indexes, depth);
            bytes32 sibling;
            if (_bit(_key, depth) == 1) {
                sibling = _subtree(_keys, _values, left, depth + 1);
                indexes = right;
            } else {
                sibling = _subtree(_keys, _values, right, depth + 1);
                indexes = left;
            }
            if (sibling != bytes32(0)) {
                // forge-lint: disable-next-line(incorrect-shift)
                bitmap |= 1 << (255 - depth);
                siblings = bytes.concat(siblings, sibling);
            }
            depth++;
        }
        require(depth <= 255, "SmtBuilder: depth 256 is not encodable");
        // forge-lint: disable-next-line(unsafe-typecast)
        proof_ = bytes.concat(bytes1(uint8(depth)), bytes32(bitmap), siblings);
        if (indexes.length == 0) {
            proof_ = bytes.concat(proof_, bytes1(0));
        } else {
            proof_ = bytes.concat(proof_, bytes1(0x01), _keys[indexes[0]], _values[indexes[0]]);
        }
    }

    /// @notice keccak256(0x00 ‖ key ‖ valueHash).
    /// @param _key       The key.
    /// @param _valueHash The value hash.
    /// @return The leaf hash.
    function leafHash(bytes32 _key, bytes32 _valueHash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(bytes1(0x00), _key, _valueHash));
    }

    /// @notice keccak256(0x01 ‖ left ‖ right).
    /// @param _left  The left child.
    /// @param _right The right child.
    /// @return The internal node hash.
    function internalHash(bytes32 _left, bytes32 _right) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(bytes1(0x01), _left, _right));
    }

    /// @dev The hash of the subtree at `_depth` holding the leaves `_indexes`. Recurses only where
    ///      the leaves split (at most once per leaf), walking shared prefixes in a loop, so long
    ///      common prefixes do not overflow the EVM stack.
    function _subtree(
        bytes32[] memory _keys,
        bytes32[] memory _values,
        uint256[] memory _indexes,
        uint256 _depth
    ) private pure returns (bytes32) {
        if (_indexes.length == 0) return bytes32(0);
        bytes32 first = _keys[_indexes[0]];
        if (_indexes.length == 1) return leafHash(first, _values[_indexes[0]]);
        uint256 differing = 0;
        for (uint256 i = 1; i < _indexes.length; i++) {
            differing |= uint256(first ^ _keys[_indexes[i]]);
        }
        require(differing != 0, "SmtBuilder: duplicate keys");
        uint256 split = 255 - _log2(differing); // the first bit on which the leaves differ
        (uint256[] memory left, uint256[] memory right) = _split(_keys, _indexes, split);
        bytes32 node = internalHash(
            _subtree(_keys, _values, left, split + 1), _subtree(_keys, _values, right, split + 1)
        );
        for (uint256 level = split; level > _depth; level--) {
            node = _bit(first, level - 1) == 1
                ? internalHash(bytes32(0), node)
                : internalHash(node, bytes32(0));
        }
        return node;
    }

    /// @dev floor(log2(_x)) for a non-zero `_x`.
    function _log2(uint256 _x) private pure returns (uint256 result_) {
        while (_x > 1) {
            _x >>= 1;
            result_++;
        }
    }

    /// @dev Splits `_indexes` by bit `_depth` of their keys (0 left, 1 right), keeping order.
    function _split(bytes32[] memory _keys, uint256[] memory _indexes, uint256 _depth)
        private
        pure
        returns (uint256[] memory left_, uint256[] memory right_)
    {
        uint256 rightCount = 0;
        for (uint256 i = 0; i < _indexes.length; i++) {
            rightCount += _bit(_keys[_indexes[i]], _depth);
        }
        left_ = new uint256[](_indexes.length - rightCount);
        right_ = new uint256[](rightCount);
        uint256 l = 0;
        uint256 r = 0;
        for (uint256 i = 0; i < _indexes.length; i++) {
            if (_bit(_keys[_indexes[i]], _depth) == 1) right_[r++] = _indexes[i];
            else left_[l++] = _indexes[i];
        }
    }

    /// @dev Bit `_index` of `_key`, most significant first.
    function _bit(bytes32 _key, uint256 _index) private pure returns (uint256) {
        return (uint256(_key) >> (255 - _index)) & 1;
    }

    /// @dev [0, 1, ..., _count - 1].
    function _allIndexes(uint256 _count) private pure returns (uint256[] memory indexes_) {
        indexes_ = new uint256[](_count);
        for (uint256 i = 0; i < _count; i++) {
            indexes_[i] = i;
        }
    }
}
