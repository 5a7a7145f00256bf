// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {L2State} from "../L2State.sol";
import {Env, Call, ISystemModule, CallData} from "./StfTypes.sol";
import {LendingLib, LendingOps} from "./LendingLib.sol";
import {ILending} from "../../interfaces/ILending.sol";

/// @title LendingModule
/// @notice Runs calls to the lending system contract (LendingLib.LENDING) on a one-step proof's
///         state, as rollup.execution.execute_call does after the ETH transfer and the payable
///         check: find the function (rollup.system.registry.LENDING_FUNCTIONS), decode its static
///         arguments, run its handler (rollup/system/lending.py). Views change no state but
///         revert exactly when Python's would, so a call's success matches.
contract LendingModule is ISystemModule {
    /// @dev rollup.gas.OPERATION_GAS of the lending gas classes.
    uint256 internal constant GAS_READ = 2_600;
    uint256 internal constant GAS_SUPPLY = 90_000;
    uint256 internal constant GAS_WITHDRAW = 120_000;
    uint256 internal constant GAS_BORROW = 140_000;
    uint256 internal constant GAS_REPAY = 90_000;
    uint256 internal constant GAS_LIQUIDATE = 180_000;

    /// @inheritdoc ISystemModule
    function execute(L2State.Db memory _db, Env memory _env, Call memory _call)
        external
        pure
        returns (L2State.Db memory)
    {
        bytes memory data = _call.data;
        require(data.length >= 4, "missing function selector");
        bytes4 sel = CallData.selector(data);
        if (sel == ILending.liquidate.selector) {
            CallData.requireArguments(data, 4);
            LendingOps.Liquidation memory l;
            l.borrower = CallData.addressAt(data, 0);
            l.debtAsset = CallData.addressAt(data, 1);
            l.collateralAsset = CallData.addressAt(data, 2);
            LendingOps.liquidate(_db, _env, _call.sender, l, CallData.uintAt(data, 3));
            return _db;
        }
        if (sel == ILending.getAccountData.selector) {
            CallData.requireArguments(data, 1);
            LendingOps.getAccountData(_db, _env, CallData.addressAt(data, 0));
            return _db;
        }
        if (sel == ILending.getMarket.selector) {
            CallData.requireArguments(data, 1);
            LendingOps.getMarketSummary(_db, _env, CallData.addressAt(data, 0));
            return _db;
        }
        if (sel == ILending.getRiskParameters.selector) {
            CallData.requireArguments(data, 1);
            LendingOps.getRiskParameters(_db, CallData.addressAt(data, 0));
            return _db;
        }
        _executePair(_db, _env, _call.sender, sel, data);
        return _db;
    }

    /// @inheritdoc ISystemModule
    function operationGas(address, bytes memory _data) external pure returns (uint256) {
        if (_data.length < 4) return GAS_READ;
        bytes4 sel = CallData.selector(_data);
        if (sel == ILending.supply.selector) return GAS_SUPPLY;
        if (sel == ILending.withdraw.selector) return GAS_WITHDRAW;
        if (sel == ILending.borrow.selector) return GAS_BORROW;
        if (sel == ILending.repay.selector) return GAS_REPAY;
        if (sel == ILending.liquidate.selector) return GAS_LIQUIDATE;
        return GAS_READ; // the views, and unknown selectors
    }

    /// @inheritdoc ISystemModule
    function isPayable(address, bytes memory) external pure returns (bool) {
        return false; // no lending function is payable
    }

    /// @dev The two-argument functions: supply, withdraw, borrow, repay, getPosition. An unknown
    ///      selector reverts (Python: "unknown function selector", before decoding).
    function _executePair(
        L2State.Db memory _db,
        Env memory _env,
        address _sender,
        bytes4 _sel,
        bytes memory _data
    ) private pure {
        bool known = _sel == ILending.supply.selector || _sel == ILending.withdraw.selector
            || _sel == ILending.borrow.selector || _sel == ILending.repay.selector
            || _sel == ILending.getPosition.selector;
        require(known, "unknown function selector");
        CallData.requireArguments(_data, 2);
        address first = CallData.addressAt(_data, 0);
        if (_sel == ILending.getPosition.selector) {
            LendingOps.getPosition(_db, _env, first, CallData.addressAt(_data, 1));
            return;
        }
        uint256 amount = CallData.uintAt(_data, 1);
        if (_sel == ILending.supply.selector) {
            LendingOps.supply(_db, _env, _sender, first, amount);
        } else if (_sel == ILending.withdraw.selector) {
            LendingOps.withdraw(_db, _env, _sender, first, amount);
        } else if (_sel == ILending.borrow.selector) {
            LendingOps.borrow(_db, _env, _sender, first, amount);
        } else {
            LendingOps.repay(_db, _env, _sender, first, amount);
        }
    }
}
