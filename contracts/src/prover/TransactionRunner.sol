// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {L2State} from "./L2State.sol";
import {Env, Call, ISystemModule} from "./stf/StfTypes.sol";
import {DepositLib} from "./stf/DepositLib.sol";

/// @notice The fields of a signed L2 transaction that execution reads, with its intrinsic gas.
struct TxFields {
    uint256 chainId;
    uint256 nonce;
    uint256 maxPriorityFeePerGas;
    uint256 maxFeePerGas;
    uint256 gasLimit;
    address to;
    bool isCreate;
    uint256 value;
    bytes data;
    uint256 intrinsicGas;
}

/// @notice What running a transaction did.
struct TxOutcome {
    bool included;
    bool success;
    uint256 gasUsed;
}

/// @title TransactionRunner
/// @notice rollup.execution.process_transaction on a one-step proof's state: the inclusion rules,
///         the fee (charged up front, unused gas refunded, all of it to the fee vault), the nonce,
///         and the call in its own frame, whose failure drops only the call's writes; and
///         rollup.deposit.apply_message for the ETH and ERC-20 deposits of the Bridge queue. It is
///         the OneStepProver's executor, a separate contract so that each stays under EIP-170's
///         code size limit.
contract TransactionRunner {
    address internal constant FEE_VAULT = 0x4200000000000000000000000000000000000011;
    address internal constant WETH = 0x4200000000000000000000000000000000000006;
    address internal constant L2_BRIDGE = 0x4200000000000000000000000000000000000016;
    address internal constant AMM = 0x4200000000000000000000000000000000000100;
    address internal constant LENDING = 0x4200000000000000000000000000000000000200;
    address internal constant LEVERAGE = 0x4200000000000000000000000000000000000300;
    address internal constant ORACLE = 0x4200000000000000000000000000000000000400;
    address internal constant PERPS = 0x4200000000000000000000000000000000000500;

    /// @notice The module running ERC-20, WETH, L2 bridge and oracle calls.
    ISystemModule public immutable tokenModule;
    /// @notice The module running AMM calls.
    ISystemModule public immutable ammModule;
    /// @notice The module running lending calls.
    ISystemModule public immutable lendingModule;
    /// @notice The module running leverage calls.
    ISystemModule public immutable leverageModule;
    /// @notice The module running perps calls.
    ISystemModule public immutable perpsModule;

    /// @notice Only the runner itself may enter a call frame.
    error OnlySelf();

    /// @param _tokenModule    ERC-20 / WETH / bridge / oracle module.
    /// @param _ammModule      AMM module.
    /// @param _lendingModule  Lending module.
    /// @param _leverageModule Leverage module.
    /// @param _perpsModule    Perps module.
    constructor(
        ISystemModule _tokenModule,
        ISystemModule _ammModule,
        ISystemModule _lendingModule,
        ISystemModule _leverageModule,
        ISystemModule _perpsModule
    ) {
        tokenModule = _tokenModule;
        ammModule = _ammModule;
        lendingModule = _lendingModule;
        leverageModule = _leverageModule;
        perpsModule = _perpsModule;
    }

    /// @notice Runs `_tx` from `_sender` with `_gasAvailable` gas left in the block. A transaction
    ///         that breaks an inclusion rule is not included and changes nothing.
    /// @return db_      The Db after the transaction.
    /// @return outcome_ Whether it was included, whether its call succeeded, its gas used.
    function runTransaction(
        L2State.Db memory _db,
        Env memory _env,
        TxFields memory _tx,
        address _sender,
        uint256 _gasAvailable
    ) external view returns (L2State.Db memory db_, TxOutcome memory outcome_) {
        if (!_isIncludable(_db, _env, _tx, _sender, _gasAvailable)) return (_db, outcome_);
        outcome_.included = true;
        uint256 price = _min(_tx.maxFeePerGas, _env.baseFee + _tx.maxPriorityFeePerGas);
        L2State.Account memory account = L2State.getAccount(_db, _sender);
        account.nonce += 1;
        account.balance -= _tx.gasLimit * price;
        L2State.setAccount(_db, _sender, account);
        uint256 operationGas = _operationGas(_db, _tx.to, _tx.data);
        if (_tx.intrinsicGas + operationGas > _tx.gasLimit) {
            outcome_.gasUsed = _tx.gasLimit;
        } else {
            Call memory call = Call(_sender, _tx.to, _tx.value, _tx.data);
            try this.enterCallFrame(_db, _env, call) returns (L2State.Db memory changed) {
                _db = changed;
                outcome_.success = true;
            } catch (bytes memory reason) {
                _rethrowWitnessErrors(reason);
            }
            outcome_.gasUsed = _tx.intrinsicGas + operationGas;
        }
        uint256 refund = (_tx.gasLimit - outcome_.gasUsed) * price;
        account = L2State.getAccount(_db, _sender);
        account.balance += refund;
        L2State.setAccount(_db, _sender, account);
        L2State.Account memory vault = L2State.getAccount(_db, FEE_VAULT);
        vault.balance += outcome_.gasUsed * price;
        L2State.setAccount(_db, FEE_VAULT, vault);
        return (_db, outcome_);
    }

    /// @notice Applies deposit message `_queueIndex` of kind `_kind` (1 ETH, 2 ERC-20) to `_db`
    ///         (DepositLib.applyMessageDeposit).
    /// @return db_      The Db after the deposit.
    /// @return applied_ Whether it was applied (false: the payload does not decode, or the kind
    ///                  is not a deposit; the Db is unchanged).
    function applyDeposit(
        L2State.Db memory _db,
        uint8 _kind,
        bytes memory _payload,
        uint256 _queueIndex
    ) external pure returns (L2State.Db memory db_, bool applied_) {
        applied_ = DepositLib.applyMessageDeposit(_db, _kind, _payload, _queueIndex);
        db_ = _db;
    }

    /// @notice rollup.execution.execute_call's frame: move the ETH, then run the system call.
    ///         Reverts when the call fails; only this contract may call it.
    /// @return The Db after the call.
    function enterCallFrame(L2State.Db memory _db, Env memory _env, Call memory _call)
        external
        view
        returns (L2State.Db memory)
    {
        if (msg.sender != address(this)) revert OnlySelf();
        _transferEth(_db, _call.sender, _call.to, _call.value);
        ISystemModule module = _moduleOf(_db, _call.to);
        if (address(module) == address(0)) return _db;
        bool weth = _call.to == WETH && _call.data.length == 0;
        if (_call.value != 0 && !weth) {
            require(module.isPayable(_call.to, _call.data), "function is not payable");
        }
        return module.execute(_db, _env, _call);
    }

    /// @notice Runs one call on its own (eth_call-like), for differential tests.
    /// @return success_ Whether the call succeeded.
    /// @return db_      The Db after it (unchanged on failure).
    function runCall(L2State.Db memory _db, Env memory _env, Call memory _call)
        external
        view
        returns (bool success_, L2State.Db memory db_)
    {
        try this.enterCallFrame(_db, _env, _call) returns (L2State.Db memory changed) {
            return (true, changed);
        } catch (bytes memory reason) {
            _rethrowWitnessErrors(reason);
            return (false, _db);
        }
    }

    /// @dev rollup.execution.validate_transaction.
    function _isIncludable(
        L2State.Db memory _db,
        Env memory _env,
        TxFields memory _tx,
        address _sender,
        uint256 _gasAvailable
    ) internal pure returns (bool) {
        if (_tx.chainId != _env.chainId || _tx.isCreate) return false;
        if (_tx.maxPriorityFeePerGas > _tx.maxFeePerGas) return false;
        if (_tx.maxFeePerGas < _env.baseFee) return false;
        if (_tx.gasLimit < _tx.intrinsicGas || _tx.gasLimit > _gasAvailable) return false;
        L2State.Account memory account = L2State.getAccount(_db, _sender);
        if (_tx.nonce != account.nonce) return false;
        // gas_limit × max_fee + value, unbounded in Python: an overflow means it is unaffordable.
        (bool fits, uint256 fee) = _tryMul(_tx.gasLimit, _tx.maxFeePerGas);
        if (!fits || fee > type(uint256).max - _tx.value) return false;
        return account.balance >= fee + _tx.value;
    }

    /// @dev rollup.execution.compute_operation_gas: 0 for a plain account.
    function _operationGas(L2State.Db memory _db, address _to, bytes memory _data)
        internal
        view
        returns (uint256)
    {
        ISystemModule module = _moduleOf(_db, _to);
        if (address(module) == address(0)) return 0;
        return module.operationGas(_to, _data);
    }

    /// @dev rollup.system.registry.get_interface, resolved to the module that runs it.
    function _moduleOf(L2State.Db memory _db, address _to) internal view returns (ISystemModule) {
        if (_to == AMM) return ammModule;
        if (_to == LENDING) return lendingModule;
        if (_to == LEVERAGE) return leverageModule;
        if (_to == PERPS) return perpsModule;
        if (_to == ORACLE || _to == L2_BRIDGE) return tokenModule;
        if (L2State.getToken(_db, _to).registered == 1) return tokenModule;
        return ISystemModule(address(0));
    }

    /// @dev rollup.execution.transfer_eth.
    function _transferEth(
        L2State.Db memory _db,
        address _source,
        address _destination,
        uint256 _amount
    ) internal pure {
        if (_amount == 0 || _source == _destination) {
            if (_amount != 0) {
                require(
                    L2State.getAccount(_db, _source).balance >= _amount,
                    "insufficient balance for transfer"
                );
            }
            return;
        }
        L2State.Account memory source = L2State.getAccount(_db, _source);
        require(source.balance >= _amount, "insufficient balance for transfer");
        L2State.Account memory destination = L2State.getAccount(_db, _destination);
        source.balance -= _amount;
        destination.balance += _amount;
        L2State.setAccount(_db, _source, source);
        L2State.setAccount(_db, _destination, destination);
    }

    /// @dev A call that failed because the witness lacks a leaf or holds a malformed one did not
    ///      fail on L2: the proof is incomplete, and must not pass as a reverted call.
    function _rethrowWitnessErrors(bytes memory _reason) internal pure {
        if (_reason.length < 4) return;
        bytes4 selector = bytes4(_reason);
        if (
            selector == L2State.MissingWitness.selector
                || selector == L2State.MalformedWitnessLeaf.selector
        ) {
            assembly ("memory-safe") {
                revert(add(_reason, 0x20), mload(_reason))
            }
        }
    }

    function _tryMul(uint256 _a, uint256 _b) internal pure returns (bool, uint256) {
        unchecked {
            if (_a == 0) return (true, 0);
            uint256 c = _a * _b;
            if (c / _a != _b) return (false, 0);
            return (true, c);
        }
    }

    function _min(uint256 _a, uint256 _b) internal pure returns (uint256) {
        return _a < _b ? _a : _b;
    }
}
