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
        vm.roll(1000);
    }

    /// @dev Appends `_batch` built on the previous L1 block (with its real hash).
    function _append(bytes memory _batch) internal {
        inbox.appendBatch(_batch, block.number - 1, blockhash(block.number - 1));
    }

    function test_constructor_setsSequencer_succeeds() public view {
        assertEq(inbox.sequencer(), SEQUENCER);
        assertEq(inbox.batchCount(), 0);
    }

    /// @dev What the inbox must record: the batch's hash with the L1 block's number and time.
    function _record(bytes memory _batch, uint256 _number, uint256 _timestamp)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            bytes.concat(keccak256(_batch), bytes32(_number), bytes32(_timestamp))
        );
    }

    function test_appendBatch_sequencer_succeeds() public {
        bytes memory batch = hex"01deadbeef";
        vm.roll(1234);
        vm.warp(1_700_000_000);
        vm.expectEmit(address(inbox));
        emit BatchAppended(0, keccak256(batch));
        vm.prank(SEQUENCER);
        _append(batch);
        assertEq(inbox.batchCount(), 1);
        assertEq(inbox.batchRecords(0), _record(hex"01deadbeef", 1234, 1_700_000_000));
    }

    function test_appendBatch_secondBatch_recordsItsOwnBlock_succeeds() public {
        vm.startPrank(SEQUENCER);
        vm.roll(10);
        vm.warp(100);
        _append(hex"01aa");
        vm.roll(11);
        vm.warp(112);
        vm.expectEmit(address(inbox));
        emit BatchAppended(1, keccak256(hex"01bb"));
        _append(hex"01bb");
        vm.stopPrank();
        assertEq(inbox.batchCount(), 2);
        assertEq(inbox.batchRecords(0), _record(hex"01aa", 10, 100));
        assertEq(inbox.batchRecords(1), _record(hex"01bb", 11, 112));
    }

    function test_appendBatch_anyBytes_succeeds(bytes calldata _batch) public {
        vm.assume(_batch.length > 0);
        vm.prank(SEQUENCER);
        _append(_batch);
        assertEq(inbox.batchRecords(0), _record(_batch, block.number, block.timestamp));
    }

    function test_appendBatch_notSequencer_reverts() public {
        vm.expectRevert(BatchInbox.NotSequencer.selector);
        vm.prank(address(0xBAD));
        _append(hex"01aa");
    }

    function test_appendBatch_emptyBatch_reverts() public {
        vm.expectRevert(BatchInbox.EmptyBatch.selector);
        vm.prank(SEQUENCER);
        _append("");
    }

    function test_appendBatch_blockHashOf256BlocksBack_succeeds() public {
        vm.roll(1000);
        vm.setBlockhash(744, keccak256("block 744"));
        vm.prank(SEQUENCER);
        inbox.appendBatch(hex"01aa", 744, keccak256("block 744"));
        assertEq(inbox.batchCount(), 1);
    }

    function test_appendBatch_replacedBlockHash_reverts() public {
        vm.setBlockhash(999, keccak256("block 999, new chain"));
        bytes32 seen = keccak256("block 999, replaced");
        vm.expectRevert(abi.encodeWithSelector(BatchInbox.L1BlockReplaced.selector, 999, seen));
        vm.prank(SEQUENCER);
        inbox.appendBatch(hex"01aa", 999, seen);
    }

    function test_appendBatch_blockMoreThan256Back_reverts() public {
        vm.setBlockhash(743, keccak256("block 743"));
        bytes32 seen = keccak256("block 743");
        vm.expectRevert(abi.encodeWithSelector(BatchInbox.L1BlockReplaced.selector, 743, seen));
        vm.prank(SEQUENCER);
        inbox.appendBatch(hex"01aa", 743, seen);
    }

    function test_appendBatch_currentBlockWithZeroHash_reverts() public {
        // blockhash(block.number) is 0: a zero hash must not pass for "unknown".
        vm.expectRevert(
            abi.encodeWithSelector(BatchInbox.L1BlockReplaced.selector, 1000, bytes32(0))
        );
        vm.prank(SEQUENCER);
        inbox.appendBatch(hex"01aa", 1000, bytes32(0));
    }

    function test_batchRecords_outOfRange_reverts() public {
        // A public array getter's bounds check reverts without data.
        vm.expectRevert();
        inbox.batchRecords(0);
    }
}
