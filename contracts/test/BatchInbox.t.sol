// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "./utils/Test.sol";
import {BatchInbox} from "../src/L1/BatchInbox.sol";

contract BatchInboxTest is Test {
    event BatchAppended(uint256 indexed index, bytes32 indexed batchHash);

    address internal constant SEQUENCER = address(0x5E9);

    BatchInbox internal inbox;

    function setUp() public {
        inbox = new BatchInbox(SEQUENCER);
    }

    function test_constructor_setsSequencer_succeeds() public view {
        assertEq(inbox.sequencer(), SEQUENCER);
        assertEq(inbox.batchCount(), 0);
    }

    function test_appendBatch_sequencer_succeeds() public {
        bytes memory batch = hex"01deadbeef";
        vm.expectEmit(address(inbox));
        emit BatchAppended(0, keccak256(batch));
        vm.prank(SEQUENCER);
        inbox.appendBatch(batch);
        assertEq(inbox.batchCount(), 1);
        assertEq(inbox.batchHashes(0), keccak256(hex"01deadbeef"));
    }

    function test_appendBatch_secondBatch_succeeds() public {
        vm.startPrank(SEQUENCER);
        inbox.appendBatch(hex"01aa");
        vm.expectEmit(address(inbox));
        emit BatchAppended(1, keccak256(hex"01bb"));
        inbox.appendBatch(hex"01bb");
        vm.stopPrank();
        assertEq(inbox.batchCount(), 2);
        assertEq(inbox.batchHashes(0), keccak256(hex"01aa"));
        assertEq(inbox.batchHashes(1), keccak256(hex"01bb"));
    }

    function test_appendBatch_anyBytes_succeeds(bytes calldata _batch) public {
        vm.assume(_batch.length > 0);
        vm.prank(SEQUENCER);
        inbox.appendBatch(_batch);
        assertEq(inbox.batchHashes(0), keccak256(_batch));
    }

    function test_appendBatch_notSequencer_reverts() public {
        vm.expectRevert(BatchInbox.NotSequencer.selector);
        vm.prank(address(0xBAD));
        inbox.appendBatch(hex"01aa");
    }

    function test_appendBatch_emptyBatch_reverts() public {
        vm.expectRevert(BatchInbox.EmptyBatch.selector);
        vm.prank(SEQUENCER);
        inbox.appendBatch("");
    }

    function test_batchHashes_outOfRange_reverts() public {
        // A public array getter's bounds check reverts without data.
        vm.expectRevert();
        inbox.batchHashes(0);
    }
}
