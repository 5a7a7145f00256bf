// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @notice The step machine's state between two steps (docs/FRAUD_PROOFS.md §1): 15 words, in
///         this order. L1 commits to it as keccak256(abi.encode(state)) (StepStateLib.hash);
///         rollup/stepstate.py is the Python twin.
/// @custom:field stateRoot        State root after every step so far.
/// @custom:field blockHash        Hash of the last block finished (in a block: of its parent).
/// @custom:field blockNumber      The L2 block in progress, or the last one finished.
/// @custom:field timestamp        Its timestamp.
/// @custom:field l1OriginNumber   Its L1 origin.
/// @custom:field baseFee          Its base fee.
/// @custom:field gasUsed          Gas used in it so far.
/// @custom:field txCount          Transactions (deposits included) included in it so far.
/// @custom:field transactionsRoot Running commitment to them (docs/SETTLEMENT.md §2).
/// @custom:field queueIndex       The next Bridge queue message to apply.
/// @custom:field batchesOpened    BatchInbox batches opened so far.
/// @custom:field offset           Byte offset in the current batch's payload.
/// @custom:field blocksLeft       Blocks of the current batch not started yet.
/// @custom:field txsLeft          Transactions of the current block not read yet.
/// @custom:field phase            0 BLOCK_START, 1 MESSAGES, 2 TXS.
struct StepState {
    bytes32 stateRoot;
    bytes32 blockHash;
    uint256 blockNumber;
    uint256 timestamp;
    uint256 l1OriginNumber;
    uint256 baseFee;
    uint256 gasUsed;
    uint256 txCount;
    bytes32 transactionsRoot;
    uint256 queueIndex;
    uint256 batchesOpened;
    uint256 offset;
    uint256 blocksLeft;
    uint256 txsLeft;
    uint256 phase;
}

/// @title StepStateLib
/// @notice Phases and the commitment of a StepState.
library StepStateLib {
    /// @notice Phase of a state between blocks (a final state has it).
    uint256 internal constant PHASE_BLOCK_START = 0;

    /// @notice Phase of a state applying the L1 -> L2 messages of a block.
    uint256 internal constant PHASE_MESSAGES = 1;

    /// @notice Phase of a state applying the sequenced transactions of a block.
    uint256 internal constant PHASE_TXS = 2;

    /// @notice The size of abi.encode(StepState): 15 words.
    uint256 internal constant ENCODED_SIZE = 15 * 32;

    /// @notice keccak256(abi.encode(`_state`)), the state's commitment on L1.
    /// @param _state The state.
    /// @return The hash.
    function hash(StepState memory _state) internal pure returns (bytes32) {
        return keccak256(abi.encode(_state));
    }

    /// @notice keccak256(abi.encode(`_state`)) of a state in calldata, hashed in place (no
    ///         memory copy of the struct).
    /// @param _state The state.
    /// @return hash_ The hash.
    function hashCalldata(StepState calldata _state) internal pure returns (bytes32 hash_) {
        assembly ("memory-safe") {
            let pointer := mload(0x40)
            calldatacopy(pointer, _state, 480)
            hash_ := keccak256(pointer, 480)
        }
    }
}
