// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title BatchInbox
/// @notice Where the sequencer posts L2 batches. The batch bytes stay in the calldata of the
///         transaction that posted them (derivation reads them from there); the contract records
///         only their keccak256, in order, so a dispute can prove which bytes a batch held.
contract BatchInbox {
    /// @notice The only account allowed to append batches.
    address public immutable sequencer;

    /// @notice keccak256 of every batch appended, in order.
    bytes32[] public batchHashes;

    /// @notice Emitted once per appended batch.
    /// @param index     The batch's position in `batchHashes`, counting from 0.
    /// @param batchHash keccak256 of the batch bytes.
    event BatchAppended(uint256 indexed index, bytes32 indexed batchHash);

    /// @notice The caller is not the sequencer.
    error NotSequencer();

    /// @notice The batch has no bytes.
    error EmptyBatch();

    /// @param _sequencer The only account allowed to append batches.
    constructor(address _sequencer) {
        sequencer = _sequencer;
    }

    /// @notice Appends a batch: records keccak256(`_batch`) and emits BatchAppended. Only the
    ///         sequencer may call it, with a non-empty batch.
    /// @param _batch The batch bytes: version byte ‖ compressed payload (docs/SETTLEMENT.md §4).
    function appendBatch(bytes calldata _batch) external {
        if (msg.sender != sequencer) revert NotSequencer();
        if (_batch.length == 0) revert EmptyBatch();
        bytes32 batchHash = keccak256(_batch);
        emit BatchAppended(batchHashes.length, batchHash);
        batchHashes.push(batchHash);
    }

    /// @notice The number of batches appended so far.
    /// @return The number of batches; the next batch gets this index.
    function batchCount() external view returns (uint256) {
        return batchHashes.length;
    }
}
