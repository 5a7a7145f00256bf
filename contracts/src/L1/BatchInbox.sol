// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title BatchInbox
/// @notice Where the sequencer posts L2 batches. The batch bytes stay in the calldata of the
///         transaction that posted them (derivation reads them from there); the contract records,
///         for each batch in order, keccak256(abi.encode(keccak256(batch), uint64 block.number,
///         uint64 block.timestamp)): which bytes the batch held, and where and when L1 took them,
///         which is all a dispute needs to prove about it (docs/SETTLEMENT.md §1, §5).
contract BatchInbox {
    /// @notice The only account allowed to append batches.
    address public immutable sequencer;

    /// @notice The record of every batch appended, in order: keccak256(abi.encode(batch hash,
    ///         uint64 L1 block number, uint64 L1 timestamp)).
    bytes32[] public batchRecords;

    /// @notice Emitted once per appended batch.
    /// @param index     The batch's position in `batchRecords`, counting from 0.
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

    /// @notice Appends a batch: records its hash with this L1 block's number and timestamp and
    ///         emits BatchAppended. Only the sequencer may call it, with a non-empty batch.
    /// @param _batch The batch bytes: version byte ‖ compressed payload (docs/SETTLEMENT.md §4).
    function appendBatch(bytes calldata _batch) external {
        if (msg.sender != sequencer) revert NotSequencer();
        if (_batch.length == 0) revert EmptyBatch();
        bytes32 batchHash = keccak256(_batch);
        emit BatchAppended(batchRecords.length, batchHash);
        // Block numbers and timestamps fit 64 bits for billions of years.
        // forge-lint: disable-next-line(unsafe-typecast)
        batchRecords.push(
            keccak256(abi.encode(batchHash, uint64(block.number), uint64(block.timestamp)))
        );
    }

    /// @notice The number of batches appended so far.
    /// @return The number of batches; the next batch gets this index.
    function batchCount() external view returns (uint256) {
        return batchRecords.length;
    }
}
