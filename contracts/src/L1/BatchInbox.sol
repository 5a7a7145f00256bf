// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title BatchInbox
/// @notice Where the sequencer posts L2 batches. The batch bytes stay in the calldata of the
///         transaction that posted them (derivation reads them from there); the contract records,
///         for each batch in order, keccak256(abi.encode(keccak256(batch), uint64 block.number,
///         uint64 block.timestamp)): which bytes the batch held, and where and when L1 took them,
///         which is all a dispute needs to prove about it (docs/SETTLEMENT.md §1, §5).
///         The sequencer names an L1 block and its hash with each batch (the newest L1 origin
///         of its blocks) and the append reverts unless L1 still has that block: a batch built
///         on L1 blocks that a reorg replaced never lands (docs/SETTLEMENT.md §5). This guards
///         the honest sequencer against a race with its own rewind; derivation does not read it.
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

    /// @notice L1 does not have block `number` with hash `blockHash` among its last 256 blocks:
    ///         a reorg replaced the L1 chain the batch was built on.
    /// @param number    The L1 block the batch was built on.
    /// @param blockHash Its hash as the sequencer saw it.
    error L1BlockReplaced(uint256 number, bytes32 blockHash);

    /// @param _sequencer The only account allowed to append batches.
    constructor(address _sequencer) {
        sequencer = _sequencer;
    }

    /// @notice Appends a batch: records its hash with this L1 block's number and timestamp and
    ///         emits BatchAppended. Only the sequencer may call it, with a non-empty batch, and
    ///         only while L1 block `_l1BlockNumber` (one of the last 256) has hash `_l1BlockHash`.
    /// @param _batch         The batch bytes: version byte ‖ compressed payload
    ///                       (docs/SETTLEMENT.md §4).
    /// @param _l1BlockNumber The newest L1 origin of the batch's blocks.
    /// @param _l1BlockHash   That block's hash, as the sequencer built on it.
    function appendBatch(bytes calldata _batch, uint256 _l1BlockNumber, bytes32 _l1BlockHash)
        external
    {
        if (msg.sender != sequencer) revert NotSequencer();
        if (_batch.length == 0) revert EmptyBatch();
        // blockhash is 0 for this block, later ones and those more than 256 back.
        if (_l1BlockHash == bytes32(0) || blockhash(_l1BlockNumber) != _l1BlockHash) {
            revert L1BlockReplaced(_l1BlockNumber, _l1BlockHash);
        }
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
