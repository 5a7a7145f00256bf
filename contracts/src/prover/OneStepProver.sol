// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {StepState, StepStateLib} from "../libraries/StepStateLib.sol";
import {IOneStepProver} from "./IOneStepProver.sol";
import {L2State} from "./L2State.sol";
import {BatchReader} from "./BatchReader.sol";
import {DepositLib} from "./stf/DepositLib.sol";
import {Env} from "./stf/StfTypes.sol";
import {TransactionRunner, TxFields, TxOutcome} from "./TransactionRunner.sol";

/// @notice What the prover reads of the BatchInbox.
interface IBatchHashes {
    function batchHashes(uint256 _index) external view returns (bytes32);
    function batchCount() external view returns (uint256);
}

/// @notice What the prover reads of the Bridge's queue.
interface IMessageQueue {
    function queueLength() external view returns (uint256);
    function messageHashes(uint256 _queueIndex) external view returns (bytes32);
}

/// @title OneStepProver
/// @notice Executes one step of the step machine of docs/FRAUD_PROOFS.md §1 on L1 and returns
///         the hash of the state after it: opening a batch, starting a block, applying one
///         Bridge queue message, or running one sequenced transaction read from the batch bytes
///         the BatchInbox recorded (decompressed and decoded here, signer recovered with
///         ecrecover), over the leaves of a witness proven against the pre-state root. It is the
///         Solidity twin of rollup/machine.py; differential tests keep them equal.
contract OneStepProver is IOneStepProver {
    /// @notice Chain parameters the STF reads (rollup.config.ChainConfig).
    struct ChainParams {
        uint256 chainId;
        uint256 blockGasLimit;
        uint256 elasticityMultiplier;
        uint256 baseFeeMaxChangeDenominator;
        uint256 minBaseFee;
        uint256 maxTransactionsPerBlock;
    }

    uint256 internal constant KIND_FORCED_TRANSACTION = 3;
    uint256 internal constant TX_BASE_GAS = 21_000;

    IBatchHashes public immutable batchInbox;
    IMessageQueue public immutable bridge;
    TransactionRunner public immutable runner;
    uint256 public immutable chainId;
    uint256 public immutable blockGasLimit;
    uint256 public immutable elasticityMultiplier;
    uint256 public immutable baseFeeMaxChangeDenominator;
    uint256 public immutable minBaseFee;
    uint256 public immutable maxTransactionsPerBlock;

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
        IBatchHashes _batchInbox,
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
            if (state.blocksLeft == 0) _openBatch(state, _input);
            else _startBlock(state, _input);
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

    // ------------------------------------------------------------------------------------------
    // Phases

    function _openBatch(StepState memory _state, bytes calldata _input) internal view {
        bytes memory batch = _readBatch(_state.batchesOpened, _input);
        _state.batchesOpened += 1;
        _state.offset = 0;
        _state.blocksLeft = 0;
        (bool ok, bytes memory payload) = BatchReader.decompress(batch);
        if (!ok) return;
        (bool headerOk, BatchReader.PayloadHeader memory header) = BatchReader.readHeader(payload);
        if (!headerOk || header.firstBlockNumber != _state.blockNumber + 1) return;
        _state.offset = header.bodyOffset;
        _state.blocksLeft = header.blockCount;
    }

    function _startBlock(StepState memory _state, bytes calldata _input) internal view {
        if (_state.batchesOpened == 0) revert InvalidPreState();
        bytes memory payload = _readPayload(_state.batchesOpened - 1, _input);
        (bool ok, uint256 timeDelta, uint256 originDelta, uint256 txCount, uint256 next) =
            BatchReader.readBlockHeader(payload, _state.offset);
        if (!ok) revert InvalidPreState();
        _state.baseFee = computeBaseFee(_state.baseFee, _state.gasUsed);
        _state.blockNumber += 1;
        _state.timestamp += timeDelta;
        _state.l1OriginNumber += originDelta;
        _state.gasUsed = 0;
        _state.txCount = 0;
        _state.offset = next;
        _state.blocksLeft -= 1;
        _state.txsLeft = txCount;
        if (originDelta > 0) _state.phase = StepStateLib.PHASE_MESSAGES;
        else if (txCount > 0) _state.phase = StepStateLib.PHASE_TXS;
        else _state.phase = StepStateLib.PHASE_BLOCK_START;
    }

    function _applyMessage(StepState memory _state, bytes calldata _input, bytes calldata _witness)
        internal
        view
    {
        if (_state.queueIndex >= bridge.queueLength()) {
            if (_input.length != 0) revert InputMismatch();
            _endMessages(_state);
            return;
        }
        if (keccak256(_input) != bridge.messageHashes(_state.queueIndex)) revert InputMismatch();
        (uint8 kind, uint64 l1BlockNumber, bytes memory payload) =
            abi.decode(_input, (uint8, uint64, bytes));
        if (l1BlockNumber > _state.l1OriginNumber) {
            _endMessages(_state);
            return;
        }
        (L2State.Db memory db, L2State.Witness memory witness) =
            L2State.load(_witness, _state.stateRoot);
        if (kind == KIND_FORCED_TRANSACTION) {
            (bool ok, BatchReader.L2Tx memory l2tx) = BatchReader.decodeSignedTransaction(payload);
            address sender;
            if (ok) (ok, sender) = BatchReader.recoverSender(l2tx);
            if (ok) db = _runTransaction(_state, db, l2tx, sender);
        } else if (DepositLib.applyMessageDeposit(db, kind, payload, _state.queueIndex)) {
            _state.txCount += 1;
        }
        _state.stateRoot = L2State.commit(db, witness, _state.stateRoot);
        _state.queueIndex += 1;
    }

    function _endMessages(StepState memory _state) internal pure {
        _state.phase =
            _state.txsLeft > 0 ? StepStateLib.PHASE_TXS : StepStateLib.PHASE_BLOCK_START;
    }

    function _runBatchTransaction(
        StepState memory _state,
        bytes calldata _input,
        bytes calldata _witness
    ) internal view {
        if (_state.batchesOpened == 0 || _state.txsLeft == 0) revert InvalidPreState();
        BatchReader.L2Tx memory l2tx = _readBatchTransaction(_state, _input);
        (L2State.Db memory db, L2State.Witness memory witness) =
            L2State.load(_witness, _state.stateRoot);
        (bool recovered, address sender) = BatchReader.recoverSender(l2tx);
        if (recovered) db = _runTransaction(_state, db, l2tx, sender);
        _state.stateRoot = L2State.commit(db, witness, _state.stateRoot);
        _state.txsLeft -= 1;
        _state.phase =
            _state.txsLeft > 0 ? StepStateLib.PHASE_TXS : StepStateLib.PHASE_BLOCK_START;
    }

    /// @dev Decodes the transaction at the cursor and moves the cursor past it.
    function _readBatchTransaction(StepState memory _state, bytes calldata _input)
        internal
        view
        returns (BatchReader.L2Tx memory l2tx_)
    {
        bytes memory payload = _readPayload(_state.batchesOpened - 1, _input);
        (bool headerOk, BatchReader.PayloadHeader memory header) = BatchReader.readHeader(payload);
        if (!headerOk) revert InvalidPreState();
        bool ok;
        uint256 next;
        (ok, l2tx_, next) =
            BatchReader.readTransaction(payload, _state.offset, header.dictionary, chainId);
        if (!ok) revert InvalidPreState();
        _state.offset = next;
    }

    /// @dev rollup.machine.Machine._run_transaction: the block's transaction limit, then
    ///      process_transaction with the block's remaining gas; updates gas and count.
    function _runTransaction(
        StepState memory _state,
        L2State.Db memory _db,
        BatchReader.L2Tx memory _l2tx,
        address _sender
    ) internal view returns (L2State.Db memory) {
        if (_state.txCount >= maxTransactionsPerBlock) return _db;
        Env memory env = Env(_state.blockNumber, _state.timestamp, _state.baseFee, chainId);
        TxOutcome memory outcome;
        (_db, outcome) = runner.runTransaction(
            _db, env, _toFields(_l2tx), _sender, blockGasLimit - _state.gasUsed
        );
        if (outcome.included) {
            _state.gasUsed += outcome.gasUsed;
            _state.txCount += 1;
        }
        return _db;
    }

    // ------------------------------------------------------------------------------------------
    // Inputs

    function _readBatch(uint256 _index, bytes calldata _input)
        internal
        view
        returns (bytes memory batch_)
    {
        if (_index >= batchInbox.batchCount()) revert BatchMissing(_index);
        batch_ = abi.decode(_input, (bytes));
        if (keccak256(batch_) != batchInbox.batchHashes(_index)) revert InputMismatch();
    }

    function _readPayload(uint256 _index, bytes calldata _input)
        internal
        view
        returns (bytes memory payload_)
    {
        bool ok;
        (ok, payload_) = BatchReader.decompress(_readBatch(_index, _input));
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
