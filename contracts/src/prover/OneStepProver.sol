// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {StepState, StepStateLib} from "../libraries/StepStateLib.sol";
import {IOneStepProver} from "./IOneStepProver.sol";
import {L2State} from "./L2State.sol";
import {BatchReader} from "./BatchReader.sol";
import {Env} from "./stf/StfTypes.sol";
import {TransactionRunner, TxFields, TxOutcome} from "./TransactionRunner.sol";

/// @notice What the prover reads of the BatchInbox.
interface IBatchRecords {
    function batchRecords(uint256 _index) external view returns (bytes32);
    function batchCount() external view returns (uint256);
}

/// @notice What the prover reads of the Bridge's queue.
interface IMessageQueue {
    function queueLength() external view returns (uint256);
    function messageHashes(uint256 _queueIndex) external view returns (bytes32);
}

/// @title OneStepProver
/// @notice Executes one step of the step machine of docs/FRAUD_PROOFS.md §1 on L1 and returns
///         the hash of the state after it: a deposit-only block or a batch opened between
///         batches, a block of the batch started, one Bridge queue message applied, or one
///         sequenced transaction run, read from the batch bytes the BatchInbox recorded
///         (decompressed and decoded here, signer recovered with ecrecover), over the leaves of a
///         witness proven against the pre-state root. The derivation rules of
///         docs/SETTLEMENT.md §5 are checked here against what L1 recorded of each batch and
///         message: where and when L1 took it. It is the Solidity twin of rollup/machine.py;
///         differential tests keep them equal.
contract OneStepProver is IOneStepProver {
    /// @notice Chain parameters the steps read (rollup.config.ChainConfig).
    struct ChainParams {
        uint256 chainId;
        uint256 blockGasLimit;
        uint256 elasticityMultiplier;
        uint256 baseFeeMaxChangeDenominator;
        uint256 minBaseFee;
        uint256 maxTransactionsPerBlock;
        uint256 sequencerWindow;
        uint256 maxDrift;
        uint256 maxLag;
    }

    /// @dev A batch as the BatchInbox recorded it.
    struct BatchRecord {
        bytes data;
        uint256 l1BlockNumber;
        uint256 l1Timestamp;
    }

    /// @dev A queue message as the Bridge recorded it.
    struct Message {
        uint8 kind;
        uint256 l1BlockNumber;
        uint256 l1Timestamp;
        bytes payload;
    }

    uint256 internal constant KIND_FORCED_TRANSACTION = 3;
    uint256 internal constant TX_BASE_GAS = 21_000;
    bytes1 internal constant DEPOSIT_TX_TYPE = 0x7e;

    IBatchRecords public immutable batchInbox;
    IMessageQueue public immutable bridge;
    TransactionRunner public immutable runner;
    uint256 public immutable chainId;
    uint256 public immutable blockGasLimit;
    uint256 public immutable elasticityMultiplier;
    uint256 public immutable baseFeeMaxChangeDenominator;
    uint256 public immutable minBaseFee;
    uint256 public immutable maxTransactionsPerBlock;
    uint256 public immutable sequencerWindow;
    uint256 public immutable maxDrift;
    uint256 public immutable maxLag;

    /// @notice The input does not hash to what L1 recorded for it.
    error InputMismatch();
    /// @notice The step needs a batch the BatchInbox does not have.
    error BatchMissing(uint256 index);
    /// @notice The pre-state is not one the machine can reach (corrupt cursor or phase).
    error InvalidPreState();

    /// @param _batchInbox The BatchInbox.
    /// @param _bridge     The L1 Bridge (queue of deposits and forced transactions).
    /// @param _runner     The transaction runner with its system modules.
    /// @param _params     The L2 chain parameters.
    constructor(
        IBatchRecords _batchInbox,
        IMessageQueue _bridge,
        TransactionRunner _runner,
        ChainParams memory _params
    ) {
        batchInbox = _batchInbox;
        bridge = _bridge;
        runner = _runner;
        chainId = _params.chainId;
        blockGasLimit = _params.blockGasLimit;
        elasticityMultiplier = _params.elasticityMultiplier;
        baseFeeMaxChangeDenominator = _params.baseFeeMaxChangeDenominator;
        minBaseFee = _params.minBaseFee;
        maxTransactionsPerBlock = _params.maxTransactionsPerBlock;
        sequencerWindow = _params.sequencerWindow;
        maxDrift = _params.maxDrift;
        maxLag = _params.maxLag;
    }

    /// @inheritdoc IOneStepProver
    function proveStep(
        StepState calldata _pre,
        uint256 _targetBlock,
        bytes calldata _input,
        bytes calldata _witness
    ) external view returns (bytes32 postHash_) {
        StepState memory state = _pre;
        if (state.phase == StepStateLib.PHASE_BLOCK_START && state.blockNumber == _targetBlock) {
            return StepStateLib.hash(state);
        }
        if (state.phase == StepStateLib.PHASE_BLOCK_START) {
            if (state.blocksLeft == 0) _betweenBatches(state, _input);
            else _batchBlock(state, _input);
        } else if (state.phase == StepStateLib.PHASE_MESSAGES) {
            _applyMessage(state, _input, _witness);
        } else if (state.phase == StepStateLib.PHASE_TXS) {
            _runBatchTransaction(state, _input, _witness);
        } else {
            revert InvalidPreState();
        }
        return StepStateLib.hash(state);
    }

    /// @notice rollup.gas.compute_base_fee with this chain's parameters.
    function computeBaseFee(uint256 _parentBaseFee, uint256 _parentGasUsed)
        public
        view
        returns (uint256 baseFee_)
    {
        uint256 target = blockGasLimit / elasticityMultiplier;
        if (_parentGasUsed == target) {
            baseFee_ = _parentBaseFee;
        } else if (_parentGasUsed > target) {
            uint256 delta =
                _parentBaseFee * (_parentGasUsed - target) / target / baseFeeMaxChangeDenominator;
            baseFee_ = _parentBaseFee + (delta > 1 ? delta : 1);
        } else {
            uint256 delta =
                _parentBaseFee * (target - _parentGasUsed) / target / baseFeeMaxChangeDenominator;
            baseFee_ = _parentBaseFee - delta;
        }
        if (baseFee_ < minBaseFee) baseFee_ = minBaseFee;
    }

    /// @notice rollup.derivation.clamp_timestamp: a batch block's timestamp, at most maxDrift
    ///         seconds after the L1 block that carries the batch and at least maxLag before it.
    function clampTimestamp(uint256 _timestamp, uint256 _carrierTimestamp)
        public
        view
        returns (uint256)
    {
        uint256 upper = _carrierTimestamp + maxDrift;
        if (_timestamp > upper) _timestamp = upper;
        uint256 lower = _carrierTimestamp > maxLag ? _carrierTimestamp - maxLag : 0;
        return _timestamp < lower ? lower : _timestamp;
    }

    /// @notice rollup.block.compute_block_hash of the block the state finished (docs/SETTLEMENT.md
    ///         §2), its parent's hash being the state's blockHash.
    function computeBlockHash(StepState memory _state) public view returns (bytes32) {
        return keccak256(
            abi.encode(
                _state.blockHash,
                _state.blockNumber,
                _state.timestamp,
                _state.l1OriginNumber,
                _state.stateRoot,
                _state.transactionsRoot,
                blockGasLimit,
                _state.gasUsed,
                _state.baseFee
            )
        );
    }

    // ------------------------------------------------------------------------------------------
    // Blocks

    /// @dev The next block starts on top of the one `_state` finished.
    function _startBlock(StepState memory _state, uint256 _timestamp, uint256 _origin)
        internal
        view
    {
        _state.baseFee = computeBaseFee(_state.baseFee, _state.gasUsed);
        _state.blockNumber += 1;
        _state.timestamp = _timestamp;
        _state.l1OriginNumber = _origin;
        _state.gasUsed = 0;
        _state.txCount = 0;
        _state.transactionsRoot = bytes32(0);
    }

    /// @dev The block in progress ends: its hash becomes blockHash.
    function _endBlock(StepState memory _state) internal view {
        _state.blockHash = computeBlockHash(_state);
        _state.phase = StepStateLib.PHASE_BLOCK_START;
    }

    /// @dev Counts an included transaction into the block in progress.
    function _include(
        StepState memory _state,
        bytes32 _txHash,
        bool _success,
        uint256 _gasUsed
    ) internal pure {
        _state.gasUsed += _gasUsed;
        _state.txCount += 1;
        _state.transactionsRoot =
            keccak256(abi.encode(_state.transactionsRoot, _txHash, _success ? 1 : 0, _gasUsed));
    }

    // ------------------------------------------------------------------------------------------
    // Steps

    /// @dev Step 1: a deposit-only block if the sequencer window lapsed before the next batch
    ///      (or, with none, by the L1 clock), else that batch opened.
    function _betweenBatches(StepState memory _state, bytes calldata _input) internal view {
        (bytes memory data, uint64 number, uint64 timestamp, bytes memory encodedMessage) =
            abi.decode(_input, (bytes, uint64, uint64, bytes));
        uint256 index = _state.batchesOpened;
        bool hasBatch = index < batchInbox.batchCount();
        if (hasBatch) {
            _checkBatchRecord(index, data, number, timestamp);
        } else if (data.length != 0 || number != 0 || timestamp != 0) {
            revert InputMismatch();
        }
        // With no batch, every L1 block before this one is complete.
        uint256 bound = hasBatch ? uint256(number) - 1 : block.number - 1;
        if (_state.l1OriginNumber + sequencerWindow < bound) {
            _startDepositOnlyBlock(_state, encodedMessage);
        } else {
            if (!hasBatch) revert BatchMissing(index);
            _openBatch(_state, data);
        }
    }

    /// @dev A block derivation appends itself: origin + 1, with that origin's messages only.
    function _startDepositOnlyBlock(StepState memory _state, bytes memory _encodedMessage)
        internal
        view
    {
        (bool hasMessage, Message memory message) = _readMessage(_state.queueIndex, _encodedMessage);
        uint256 origin = _state.l1OriginNumber + 1;
        uint256 timestamp = _state.timestamp;
        if (hasMessage && message.l1BlockNumber == origin && message.l1Timestamp > timestamp) {
            timestamp = message.l1Timestamp;
        }
        _startBlock(_state, timestamp, origin);
        _state.txsLeft = 0;
        _state.blocksLeft = 0;
        _state.offset = 0;
        _state.phase = StepStateLib.PHASE_MESSAGES;
    }

    /// @dev Opens batch batchesOpened: its blocks are read if it follows the last block.
    function _openBatch(StepState memory _state, bytes memory _data) internal pure {
        _state.batchesOpened += 1;
        _state.offset = 0;
        _state.blocksLeft = 0;
        (bool ok, bytes memory payload) = BatchReader.decompress(_data);
        if (!ok) return;
        (bool headerOk, BatchReader.PayloadHeader memory header) = BatchReader.readHeader(payload);
        if (
            !headerOk || header.firstBlockNumber != _state.blockNumber + 1
                || header.parentHash != _state.blockHash
        ) return;
        _state.offset = header.bodyOffset;
        _state.blocksLeft = header.blockCount;
    }

    /// @dev Step 2: the next block of the batch starts, or the batch ends (a block header that
    ///      does not read, or an origin after the L1 block that carried the batch).
    function _batchBlock(StepState memory _state, bytes calldata _input) internal view {
        if (_state.batchesOpened == 0) revert InvalidPreState();
        BatchRecord memory batch = _readBatch(_state.batchesOpened - 1, _input);
        bytes memory payload = _decompress(batch.data);
        (bool ok, uint256 timeDelta, uint256 originDelta, uint256 txCount, uint256 next) =
            BatchReader.readBlockHeader(payload, _state.offset);
        uint256 origin = _state.l1OriginNumber + originDelta;
        if (!ok || origin > batch.l1BlockNumber) {
            _state.blocksLeft = 0;
            return;
        }
        _startBlock(
            _state, clampTimestamp(_state.timestamp + timeDelta, batch.l1Timestamp), origin
        );
        _state.offset = next;
        _state.blocksLeft -= 1;
        _state.txsLeft = txCount;
        if (originDelta > 0) _state.phase = StepStateLib.PHASE_MESSAGES;
        else if (txCount > 0) _state.phase = StepStateLib.PHASE_TXS;
        else _endBlock(_state);
    }

    /// @dev Step 3: queue message queueIndex applied, or the block's messages end.
    function _applyMessage(StepState memory _state, bytes calldata _input, bytes calldata _witness)
        internal
        view
    {
        (bool hasMessage, Message memory message) = _readMessage(_state.queueIndex, _input);
        if (!hasMessage || message.l1BlockNumber > _state.l1OriginNumber) {
            _endMessages(_state);
            return;
        }
        (L2State.Db memory db, L2State.Witness memory witness) =
            L2State.load(_witness, _state.stateRoot);
        if (message.kind == KIND_FORCED_TRANSACTION) {
            (bool ok, BatchReader.L2Tx memory l2tx) =
                BatchReader.decodeSignedTransaction(message.payload);
            address sender;
            if (ok) (ok, sender) = BatchReader.recoverSender(l2tx);
            if (ok) db = _runTransaction(_state, db, l2tx, sender, keccak256(message.payload));
        } else {
            bool applied;
            (db, applied) =
                runner.applyDeposit(db, message.kind, message.payload, _state.queueIndex);
            if (applied) _includeDeposit(_state, _input);
        }
        _state.stateRoot = L2State.commit(db, witness, _state.stateRoot);
        _state.queueIndex += 1;
    }

    /// @dev A deposit is included with the hash keccak(0x7e ‖ queueIndex ‖ messageHash).
    function _includeDeposit(StepState memory _state, bytes calldata _input) internal view {
        bytes32 depositHash =
            keccak256(abi.encodePacked(DEPOSIT_TX_TYPE, _state.queueIndex, keccak256(_input)));
        _include(_state, depositHash, true, 0);
    }

    function _endMessages(StepState memory _state) internal view {
        if (_state.txsLeft > 0) _state.phase = StepStateLib.PHASE_TXS;
        else _endBlock(_state);
    }

    /// @dev Step 4: the transaction at the cursor runs, or (if it does not read) the block and
    ///      the batch end.
    function _runBatchTransaction(
        StepState memory _state,
        bytes calldata _input,
        bytes calldata _witness
    ) internal view {
        if (_state.batchesOpened == 0 || _state.txsLeft == 0) revert InvalidPreState();
        (bool ok, BatchReader.L2Tx memory l2tx) = _readBatchTransaction(_state, _input);
        if (!ok) {
            _state.txsLeft = 0;
            _state.blocksLeft = 0;
            _endBlock(_state);
            return;
        }
        (L2State.Db memory db, L2State.Witness memory witness) =
            L2State.load(_witness, _state.stateRoot);
        (bool recovered, address sender) = BatchReader.recoverSender(l2tx);
        if (recovered) {
            db = _runTransaction(_state, db, l2tx, sender, BatchReader.transactionHash(l2tx));
        }
        _state.stateRoot = L2State.commit(db, witness, _state.stateRoot);
        _state.txsLeft -= 1;
        if (_state.txsLeft > 0) _state.phase = StepStateLib.PHASE_TXS;
        else _endBlock(_state);
    }

    /// @dev Reads the transaction at the cursor and moves the cursor past it; ok = false (the
    ///      cursor unmoved) if it does not read.
    function _readBatchTransaction(StepState memory _state, bytes calldata _input)
        internal
        view
        returns (bool ok_, BatchReader.L2Tx memory l2tx_)
    {
        BatchRecord memory batch = _readBatch(_state.batchesOpened - 1, _input);
        bytes memory payload = _decompress(batch.data);
        (bool headerOk, BatchReader.PayloadHeader memory header) = BatchReader.readHeader(payload);
        if (!headerOk) revert InvalidPreState();
        uint256 next;
        (ok_, l2tx_, next) =
            BatchReader.readTransaction(payload, _state.offset, header.dictionary, chainId);
        if (ok_) _state.offset = next;
    }

    /// @dev rollup.machine.Machine._run_transaction: the block's transaction limit, then
    ///      process_transaction with the block's remaining gas; counts an included one.
    function _runTransaction(
        StepState memory _state,
        L2State.Db memory _db,
        BatchReader.L2Tx memory _l2tx,
        address _sender,
        bytes32 _txHash
    ) internal view returns (L2State.Db memory) {
        if (_state.txCount >= maxTransactionsPerBlock) return _db;
        Env memory env = Env(_state.blockNumber, _state.timestamp, _state.baseFee, chainId);
        TxOutcome memory outcome;
        (_db, outcome) = runner.runTransaction(
            _db, env, _toFields(_l2tx), _sender, blockGasLimit - _state.gasUsed
        );
        if (outcome.included) _include(_state, _txHash, outcome.success, outcome.gasUsed);
        return _db;
    }

    // ------------------------------------------------------------------------------------------
    // Inputs

    /// @dev Reverts unless (`_data`, `_number`, `_timestamp`) is what the BatchInbox recorded as
    ///      batch `_index`.
    function _checkBatchRecord(
        uint256 _index,
        bytes memory _data,
        uint256 _number,
        uint256 _timestamp
    ) internal view {
        bytes32 record = keccak256(abi.encode(keccak256(_data), _number, _timestamp));
        if (record != batchInbox.batchRecords(_index)) revert InputMismatch();
    }

    /// @dev Batch `_index` from `_input` = abi.encode(bytes batch, uint64 N, uint64 T).
    function _readBatch(uint256 _index, bytes calldata _input)
        internal
        view
        returns (BatchRecord memory batch_)
    {
        if (_index >= batchInbox.batchCount()) revert BatchMissing(_index);
        (bytes memory data, uint64 number, uint64 timestamp) =
            abi.decode(_input, (bytes, uint64, uint64));
        _checkBatchRecord(_index, data, number, timestamp);
        batch_ = BatchRecord(data, number, timestamp);
    }

    /// @dev Message `_queueIndex` from `_encoded` = abi.encode(uint8 kind, uint64 n, uint64 t,
    ///      bytes payload), or none (empty bytes) when the queue does not hold it.
    function _readMessage(uint256 _queueIndex, bytes memory _encoded)
        internal
        view
        returns (bool exists_, Message memory message_)
    {
        if (_queueIndex >= bridge.queueLength()) {
            if (_encoded.length != 0) revert InputMismatch();
            return (false, message_);
        }
        if (keccak256(_encoded) != bridge.messageHashes(_queueIndex)) revert InputMismatch();
        (uint8 kind, uint64 number, uint64 timestamp, bytes memory payload) =
            abi.decode(_encoded, (uint8, uint64, uint64, bytes));
        return (true, Message(kind, number, timestamp, payload));
    }

    function _decompress(bytes memory _batch) internal pure returns (bytes memory payload_) {
        bool ok;
        (ok, payload_) = BatchReader.decompress(_batch);
        if (!ok) revert InvalidPreState();
    }

    /// @dev The execution fields of a decoded transaction, with rollup.gas.compute_intrinsic_gas.
    function _toFields(BatchReader.L2Tx memory _l2tx) internal pure returns (TxFields memory f_) {
        f_.chainId = _l2tx.chainId;
        f_.nonce = _l2tx.nonce;
        f_.maxPriorityFeePerGas = _l2tx.maxPriorityFeePerGas;
        f_.maxFeePerGas = _l2tx.maxFeePerGas;
        f_.gasLimit = _l2tx.gasLimit;
        f_.to = _l2tx.to;
        f_.isCreate = _l2tx.isCreate;
        f_.value = _l2tx.value;
        f_.data = _l2tx.data;
        f_.intrinsicGas = _intrinsicGas(_l2tx);
    }

    function _intrinsicGas(BatchReader.L2Tx memory _l2tx) internal pure returns (uint256 gas_) {
        gas_ = TX_BASE_GAS;
        bytes memory data = _l2tx.data;
        for (uint256 i = 0; i < data.length; i++) {
            gas_ += data[i] == 0 ? 4 : 16;
        }
        for (uint256 i = 0; i < _l2tx.accessList.length; i++) {
            gas_ += 2_400 + 1_900 * _l2tx.accessList[i].keys.length;
        }
    }
}
