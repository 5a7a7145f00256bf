// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {LibZip} from "solady/utils/LibZip.sol";

import {Test} from "./utils/Test.sol";

/// @notice The cheatcodes this test reads its vectors with (declared here, at forge's standard
///         cheatcode address, so the test depends on no more of the shared test base than its
///         assertions).
interface VectorFiles {
    function readFile(string calldata path) external view returns (string memory data);

    function parseJsonBytesArray(string calldata json, string calldata key)
        external
        pure
        returns (bytes[] memory values);
}

/// @notice Checks rollup/fastlz.py against Solady's LibZip, on the vectors that
///         tests/unit/test_fastlz.py writes to test/vectors/fastlz.json: the one-step proof
///         decompresses batches with LibZip.flzDecompress, so it must give back exactly what the
///         Python batcher compressed. LibZip.flzCompress must also give exactly the Python bytes.
contract FastLZTest is Test {
    VectorFiles private constant FILES =
        VectorFiles(address(uint160(uint256(keccak256("hevm cheat code")))));
    string private constant VECTORS = "test/vectors/fastlz.json";

    function _vectors() private view returns (bytes[] memory inputs, bytes[] memory compressed) {
        string memory json = FILES.readFile(VECTORS);
        inputs = FILES.parseJsonBytesArray(json, ".inputs");
        compressed = FILES.parseJsonBytesArray(json, ".compressed");
        assertEq(inputs.length, compressed.length, "one compressed form per input");
        assertTrue(inputs.length >= 40, "the vectors file is complete");
    }

    /// @notice flzDecompress(python_compress(x)) == x for every vector.
    function test_FlzDecompressGivesBackPythonInputs() public view {
        (bytes[] memory inputs, bytes[] memory compressed) = _vectors();
        for (uint256 i = 0; i < inputs.length; i++) {
            assertEq(LibZip.flzDecompress(compressed[i]), inputs[i]);
        }
    }

    /// @notice flzCompress(x) == python_compress(x) byte for byte for every vector.
    function test_FlzCompressMatchesPythonBytes() public view {
        (bytes[] memory inputs, bytes[] memory compressed) = _vectors();
        for (uint256 i = 0; i < inputs.length; i++) {
            assertEq(LibZip.flzCompress(inputs[i]), compressed[i]);
        }
    }

    /// @notice The vectors include the corner cases the format has: empty input, runs longer than
    ///         one token, and data that does not compress.
    function test_VectorsCoverCorners() public view {
        (bytes[] memory inputs, bytes[] memory compressed) = _vectors();
        assertEq(inputs[0].length, 0);
        assertEq(compressed[0].length, 0);
        bool longRun;
        bool expanded;
        for (uint256 i = 0; i < inputs.length; i++) {
            if (inputs[i].length >= 1000 && compressed[i].length * 50 < inputs[i].length) {
                longRun = true;
            }
            if (compressed[i].length > inputs[i].length) expanded = true;
        }
        assertTrue(longRun, "a long run");
        assertTrue(expanded, "incompressible data");
    }
}
