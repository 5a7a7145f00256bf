// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {L2State} from "../L2State.sol";
import {Env, Call, ISystemModule, CallData} from "./StfTypes.sol";
import {PerpsLib, Output, Log} from "./PerpsLib.sol";
import {IPerps} from "../../interfaces/IPerps.sol";

/// @title PerpsModule
/// @notice Runs calls to the perps system contract (PerpsLib.PERPS) on a one-step proof's state,
///         as rollup.execution.execute_call does after the ETH transfer and the payable check:
///         find the function (rollup.system.registry.PERPS_FUNCTIONS), decode its static
///         arguments (int256 as two's complement words), run its handler (rollup/system/perps.py).
///         `execute` is the prover's entry; `run` also returns the call's return data and logs,
///         and reverts with Python's reasons (an overflow "arithmetic overflow", a zero divisor
///         "division by zero"), for the differential vectors.
contract PerpsModule is ISystemModule {
    /// @dev rollup.gas.OPERATION_GAS of the perps gas classes.
    uint256 internal constant GAS_READ = 2_600;
    uint256 internal constant GAS_DEPOSIT = 90_000;
    uint256 internal constant GAS_WITHDRAW = 120_000;
    uint256 internal constant GAS_MODIFY = 170_000;
    uint256 internal constant GAS_CLOSE = 200_000;
    uint256 internal constant GAS_LIQUIDATE = 190_000;

    /// @inheritdoc ISystemModule
    function execute(L2State.Db memory _db, Env memory _env, Call memory _call)
        external
        pure
        returns (L2State.Db memory)
    {
        Output memory out;
        _dispatch(_db, _env, _call, out);
        return _db;
    }

    /// @notice `execute` with the call's outputs: the Db after it, its ABI-encoded return data
    ///         and its logs (rollup.execution.CallResult). Reverts as Python's call does, with
    ///         Python's revert data.
    function run(L2State.Db memory _db, Env memory _env, Call memory _call)
        external
        view
        returns (L2State.Db memory db_, bytes memory returnData_, Log[] memory logs_)
    {
        try this.runRaw(_db, _env, _call) returns (
            L2State.Db memory db, bytes memory returnData, Log[] memory logs
        ) {
            return (db, returnData, logs);
        } catch Panic(uint256 code) {
            if (code == 0x12) revert("division by zero");
            if (code == 0x11) revert("arithmetic overflow");
            assembly ("memory-safe") {
                mstore(0x00, 0x4e487b71)
                mstore(0x20, code)
                revert(0x1c, 0x24)
            }
        } catch (bytes memory reason) {
            assembly ("memory-safe") {
                revert(add(reason, 0x20), mload(reason))
            }
        }
    }

    /// @notice `run` without the translation of panics.
    function runRaw(L2State.Db memory _db, Env memory _env, Call memory _call)
        external
        pure
        returns (L2State.Db memory, bytes memory, Log[] memory logs_)
    {
        Output memory out;
        _dispatch(_db, _env, _call, out);
        logs_ = new Log[](out.logCount);
        for (uint256 i = 0; i < out.logCount; i++) {
            logs_[i] = out.logs[i];
        }
        return (_db, out.returnData, logs_);
    }

    /// @inheritdoc ISystemModule
    function operationGas(address, bytes memory _data) external pure returns (uint256) {
        if (_data.length < 4) return GAS_READ;
        bytes4 sel = CallData.selector(_data);
        if (sel == IPerps.depositMargin.selector) return GAS_DEPOSIT;
        if (sel == IPerps.withdrawMargin.selector) return GAS_WITHDRAW;
        if (sel == IPerps.modifyPosition.selector) return GAS_MODIFY;
        if (sel == IPerps.closePosition.selector) return GAS_CLOSE;
        if (sel == IPerps.liquidate.selector) return GAS_LIQUIDATE;
        return GAS_READ; // the views, and unknown selectors
    }

    /// @inheritdoc ISystemModule
    function isPayable(address, bytes memory) external pure returns (bool) {
        return false; // no perps function is payable
    }

    function _dispatch(
        L2State.Db memory _db,
        Env memory _env,
        Call memory _call,
        Output memory _out
    ) private pure {
        bytes memory data = _call.data;
        require(data.length >= 4, "missing function selector");
        bytes4 sel = CallData.selector(data);
        address sender = _call.sender;
        if (sel == IPerps.modifyPosition.selector) {
            CallData.requireArguments(data, 4);
            address asset = CallData.addressAt(data, 0);
            PerpsLib.modifyPosition(
                _db,
                _env,
                _out,
                sender,
                asset,
                CallData.intAt(data, 1),
                CallData.uintAt(data, 2),
                CallData.uintAt(data, 3)
            );
        } else if (sel == IPerps.closePosition.selector) {
            CallData.requireArguments(data, 3);
            address asset = CallData.addressAt(data, 0);
            PerpsLib.closePosition(
                _db, _env, _out, sender, asset, CallData.uintAt(data, 1), CallData.uintAt(data, 2)
            );
        } else if (sel == IPerps.getMarket.selector) {
            CallData.requireArguments(data, 1);
            PerpsLib.getMarketSummary(_db, _env, _out, CallData.addressAt(data, 0));
        } else if (sel == IPerps.liquidate.selector || sel == IPerps.getPosition.selector) {
            CallData.requireArguments(data, 2);
            address first = CallData.addressAt(data, 0);
            address second = CallData.addressAt(data, 1);
            if (sel == IPerps.liquidate.selector) {
                PerpsLib.liquidate(_db, _env, _out, sender, first, second);
            } else {
                PerpsLib.getPosition(_db, _env, _out, first, second);
            }
        } else if (
            sel == IPerps.depositMargin.selector || sel == IPerps.withdrawMargin.selector
                || sel == IPerps.quoteOrder.selector
        ) {
            CallData.requireArguments(data, 2);
            address asset = CallData.addressAt(data, 0);
            if (sel == IPerps.depositMargin.selector) {
                PerpsLib.depositMargin(_db, _env, _out, sender, asset, CallData.uintAt(data, 1));
            } else if (sel == IPerps.withdrawMargin.selector) {
                PerpsLib.withdrawMargin(_db, _env, _out, sender, asset, CallData.uintAt(data, 1));
            } else {
                PerpsLib.quoteOrder(_db, _env, _out, asset, CallData.intAt(data, 1));
            }
        } else {
            revert(string.concat("unknown function selector 0x", _hex(sel)));
        }
    }

    /// @dev The 8 lowercase hex digits of a selector (Python: calldata[:4].hex()).
    function _hex(bytes4 _sel) private pure returns (string memory) {
        bytes memory digits = "0123456789abcdef";
        bytes memory out = new bytes(8);
        for (uint256 i = 0; i < 4; i++) {
            out[2 * i] = digits[uint8(_sel[i]) >> 4];
            out[2 * i + 1] = digits[uint8(_sel[i]) & 0x0f];
        }
        return string(out);
    }
}
