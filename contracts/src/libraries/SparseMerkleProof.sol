// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title SparseMerkleProof
/// @notice Verifies proofs of the compact sparse Merkle tree of rollup/smt.py, bit for bit:
///         - keys are 32 bytes, read most significant bit first; bit d chooses the child taken at
///           depth d (0 = left, 1 = right);
///         - leaf hash = keccak256(0x00 ‖ key ‖ valueHash), internal hash = keccak256(0x01 ‖ left ‖
///           right), an empty subtree hashes to zero, and a subtree holding one leaf is that leaf;
///         - a proof lists the siblings on a key's path from the root down to the terminal node
///           (the first node that is not internal: an empty subtree or a leaf).
///         Proof bytes are `rollup.smt.encode_proof`'s: depth (1 byte) ‖ bitmap (32 bytes, bit i
///         most significant first set iff the sibling at depth i is non-zero) ‖ the non-zero
///         siblings, root first (32 bytes each) ‖ terminal kind (1 byte: 0 empty, 1 leaf) ‖ for a
///         leaf, terminal key (32) ‖ terminal value hash (32).
///         Only the canonical encoding verifies, as only it decodes with `rollup.smt.decode_proof`:
///         a bitmap bit at or below the depth, a zero sibling listed explicitly, an unknown terminal
///         kind, a missing byte or a trailing byte makes the proof fail (return false, no revert).
library SparseMerkleProof {
    /// @notice The deepest terminal an encoded proof can express (its depth is one byte).
    uint256 internal constant MAX_DEPTH = 255;

    /// @notice Terminal kind byte of a proof that ends in an empty subtree.
    uint256 internal constant TERMINAL_EMPTY = 0;

    /// @notice Terminal kind byte of a proof that ends in a leaf.
    uint256 internal constant TERMINAL_LEAF = 1;

    /// @dev depth (1) ‖ bitmap (32).
    uint256 private constant HEADER_SIZE = 33;

    /// @dev terminal key (32) ‖ terminal value hash (32).
    uint256 private constant LEAF_SIZE = 64;

    /// @dev A proof decoded in place: `siblingsEnd` is the memory address just past the last
    ///      listed sibling, which the path walk reads backwards from the terminal up to the root.
    struct Decoded {
        uint256 depth;
        uint256 bitmap;
        uint256 siblingsEnd;
        bool isLeaf;
        bytes32 terminalKey;
        bytes32 terminalValueHash;
    }

    /// @notice Returns whether `_proof` shows that the tree with root `_root` maps `_key` to
    ///         `_valueHash`: the proof's terminal is the leaf (`_key`, `_valueHash`) and hashing it
    ///         up through the siblings, on the side given by the key's bits, gives `_root`.
    ///         Mirrors `rollup.smt.verify_inclusion(root, key, valueHash, decode_proof(proof))`,
    ///         with a proof that does not decode giving false.
    /// @param _root      The tree's root.
    /// @param _key       The leaf's key.
    /// @param _valueHash The value hash the leaf must hold.
    /// @param _proof     The encoded proof.
    /// @return Whether the proof verifies.
    function verifyInclusion(bytes32 _root, bytes32 _key, bytes32 _valueHash, bytes memory _proof)
        internal
        pure
        returns (bool)
    {
        (bool ok, Decoded memory proof) = _decode(_proof);
        if (!ok || !proof.isLeaf) return false;
        if (proof.terminalKey != _key || proof.terminalValueHash != _valueHash) return false;
        (bool walked, bytes32 root) = _computePathRoot(_leafHash(_key, _valueHash), _key, proof);
        return walked && root == _root;
    }

    /// @notice Returns whether `_proof` shows that `_key` has no leaf in the tree with root
    ///         `_root`: the terminal on the key's path is an empty subtree, or the leaf of another
    ///         key that shares the key's first `depth` bits, and hashing it up through the
    ///         siblings gives `_root`. Mirrors `rollup.smt.verify_exclusion`.
    /// @param _root  The tree's root.
    /// @param _key   The key shown absent.
    /// @param _proof The encoded proof.
    /// @return Whether the proof verifies.
    function verifyExclusion(bytes32 _root, bytes32 _key, bytes memory _proof)
        internal
        pure
        returns (bool)
    {
        (bool ok, Decoded memory proof) = _decode(_proof);
        if (!ok) return false;
        bytes32 terminalHash;
        if (proof.isLeaf) {
            if (proof.terminalKey == _key) return false;
            // The terminal leaf must lie on the key's path: no differing bit among the first
            // `depth` bits (for depth 0, shr by 256 gives 0: the root position is on every path).
            uint256 differing = uint256(proof.terminalKey ^ _key);
            uint256 depth = proof.depth;
            uint256 prefix;
            assembly ("memory-safe") {
                prefix := shr(sub(256, depth), differing)
            }
            if (prefix != 0) return false;
            terminalHash = _leafHash(proof.terminalKey, proof.terminalValueHash);
        }
        (bool walked, bytes32 root) = _computePathRoot(terminalHash, _key, proof);
        return walked && root == _root;
    }

    /// @notice Returns the root after setting `_key` to `_newValueHash`, given `_proof` of the
    ///         key's position (inclusion or exclusion) against the current root, which the caller
    ///         must have verified. Mirrors `rollup.smt.compute_root_after_update`: when the
    ///         terminal is another key's leaf, both leaves move below their first differing bit.
    /// @param _key          The key written.
    /// @param _newValueHash Its new value hash.
    /// @param _proof        The encoded proof of the key's position.
    /// @return ok_   False for a proof that does not decode or whose terminal leaf is off the path.
    /// @return root_ The new root.
    function computeRootAfterUpdate(bytes32 _key, bytes32 _newValueHash, bytes memory _proof)
        internal
        pure
        returns (bool ok_, bytes32 root_)
    {
        (bool decoded, Decoded memory proof) = _decode(_proof);
        if (!decoded) return (false, bytes32(0));
        bytes32 node = _leafHash(_key, _newValueHash);
        if (proof.isLeaf && proof.terminalKey != _key) {
            uint256 differing = uint256(proof.terminalKey ^ _key);
            uint256 split = 255 - _log2(differing); // first differing bit, most significant first
            if (split < proof.depth) return (false, bytes32(0));
            bytes32 other = _leafHash(proof.terminalKey, proof.terminalValueHash);
            if ((uint256(_key) >> (255 - split)) & 1 == 1) {
                node = computeInternalHash(other, node);
            } else {
                node = computeInternalHash(node, other);
            }
            for (uint256 level = split; level > proof.depth;) {
                level -= 1;
                if ((uint256(_key) >> (255 - level)) & 1 == 1) {
                    node = computeInternalHash(bytes32(0), node);
                } else {
                    node = computeInternalHash(node, bytes32(0));
                }
            }
        }
        return _computePathRoot(node, _key, proof);
    }

    /// @dev Index of the most significant set bit of `_x` (> 0).
    function _log2(uint256 _x) private pure returns (uint256 r_) {
        for (uint256 shift = 128; shift > 0; shift >>= 1) {
            if (_x >> shift != 0) {
                _x >>= shift;
                r_ += shift;
            }
        }
    }

    /// @notice Returns keccak256(0x00 ‖ `_key` ‖ `_valueHash`), the hash of a leaf.
    /// @param _key       The leaf's key.
    /// @param _valueHash The leaf's value hash.
    /// @return The leaf hash.
    function computeLeafHash(bytes32 _key, bytes32 _valueHash) internal pure returns (bytes32) {
        return _leafHash(_key, _valueHash);
    }

    /// @notice Returns keccak256(0x01 ‖ `_left` ‖ `_right`), the hash of an internal node.
    /// @param _left  The left child's hash (zero if empty).
    /// @param _right The right child's hash (zero if empty).
    /// @return The internal node's hash.
    function computeInternalHash(bytes32 _left, bytes32 _right) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(uint8(1), _left, _right));
    }

    /// @dev Decodes the header and terminal of `_proof`, checking everything `decode_proof` checks
    ///      except zero explicit siblings, which the path walk checks as it reads them.
    function _decode(bytes memory _proof) private pure returns (bool ok_, Decoded memory proof_) {
        uint256 length = _proof.length;
        if (length < HEADER_SIZE + 1) return (false, proof_);
        uint256 depth;
        uint256 bitmap;
        assembly ("memory-safe") {
            let data := add(_proof, 0x20)
            depth := byte(0, mload(data))
            bitmap := mload(add(data, 1))
        }
        // No sibling may be marked at depth >= `depth`: the low 256 - depth bits must be clear
        // (for depth 0, shl(256, 1) is 0 and the mask is every bit).
        uint256 beyond;
        assembly ("memory-safe") {
            beyond := and(bitmap, sub(shl(sub(256, depth), 1), 1))
        }
        if (beyond != 0) return (false, proof_);
        uint256 kindOffset = HEADER_SIZE + 32 * _popCount(bitmap);
        if (length < kindOffset + 1) return (false, proof_);
        uint256 kind;
        uint256 siblingsEnd;
        assembly ("memory-safe") {
            siblingsEnd := add(add(_proof, 0x20), kindOffset)
            kind := byte(0, mload(siblingsEnd))
        }
        proof_.depth = depth;
        proof_.bitmap = bitmap;
        proof_.siblingsEnd = siblingsEnd;
        if (kind == TERMINAL_EMPTY) {
            if (length != kindOffset + 1) return (false, proof_);
        } else if (kind == TERMINAL_LEAF) {
            if (length != kindOffset + 1 + LEAF_SIZE) return (false, proof_);
            bytes32 terminalKey;
            bytes32 terminalValueHash;
            assembly ("memory-safe") {
                terminalKey := mload(add(siblingsEnd, 1))
                terminalValueHash := mload(add(siblingsEnd, 33))
            }
            proof_.isLeaf = true;
            proof_.terminalKey = terminalKey;
            proof_.terminalValueHash = terminalValueHash;
        } else {
            return (false, proof_);
        }
        return (true, proof_);
    }

    /// @dev Hashes `_node`, the node at depth `depth` on `_key`'s path, up to the root. The sibling
    ///      at depth d is zero unless bitmap bit d is set, in which case it is the next listed
    ///      sibling counted from the end; a listed sibling that is zero fails the walk.
    function _computePathRoot(bytes32 _node, bytes32 _key, Decoded memory _proof)
        private
        pure
        returns (bool ok_, bytes32 root_)
    {
        uint256 depth = _proof.depth;
        uint256 bitmap = _proof.bitmap;
        uint256 pointer = _proof.siblingsEnd;
        assembly ("memory-safe") {
            ok_ := 1
            // Scratch space past the free memory pointer: 0x01 ‖ left (32) ‖ right (32).
            let scratch := mload(0x40)
            mstore8(scratch, 1)
            let node := _node
            for { let level := depth } gt(level, 0) {} {
                level := sub(level, 1)
                let sibling := 0
                if and(shr(sub(255, level), bitmap), 1) {
                    pointer := sub(pointer, 32)
                    sibling := mload(pointer)
                    if iszero(sibling) {
                        ok_ := 0
                        level := 0
                    }
                }
                switch and(shr(sub(255, level), _key), 1)
                case 0 {
                    mstore(add(scratch, 1), node)
                    mstore(add(scratch, 33), sibling)
                }
                default {
                    mstore(add(scratch, 1), sibling)
                    mstore(add(scratch, 33), node)
                }
                node := keccak256(scratch, 65)
            }
            root_ := node
        }
        // A zero sibling stops the walk early (ok_ = 0); its root is meaningless.
        if (!ok_) root_ = bytes32(0);
    }

    /// @dev keccak256(0x00 ‖ key ‖ valueHash).
    function _leafHash(bytes32 _key, bytes32 _valueHash) private pure returns (bytes32 hash_) {
        assembly ("memory-safe") {
            let scratch := mload(0x40)
            mstore8(scratch, 0)
            mstore(add(scratch, 1), _key)
            mstore(add(scratch, 33), _valueHash)
            hash_ := keccak256(scratch, 65)
        }
    }

    /// @dev The number of set bits of `_x`, which must be at most 255 (true for a bitmap whose
    ///      bits at depth >= 255 are clear): the byte sums of the final multiply then never carry.
    function _popCount(uint256 _x) private pure returns (uint256 count_) {
        assembly ("memory-safe") {
            let m1 := 0x5555555555555555555555555555555555555555555555555555555555555555
            let m2 := 0x3333333333333333333333333333333333333333333333333333333333333333
            let m4 := 0x0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f
            let h := 0x0101010101010101010101010101010101010101010101010101010101010101
            let x := sub(_x, and(shr(1, _x), m1))
            x := add(and(x, m2), and(shr(2, x), m2))
            x := and(add(x, shr(4, x)), m4)
            count_ := shr(248, mul(x, h))
        }
    }
}
