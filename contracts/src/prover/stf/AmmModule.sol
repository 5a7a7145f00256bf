// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {L2State} from "../L2State.sol";
import {Env, Call, ISystemModule, CallData} from "./StfTypes.sol";
import {AmmLib} from "./AmmLib.sol";
import {IAMM} from "../../interfaces/IAMM.sol";

/// @title AmmModule
/// @notice Runs calls to the AMM system contract (AmmLib.AMM) on a one-step proof's state, as
///         rollup.execution.execute_call does after the ETH transfer and the payable check: find
///         the function (rollup.system.registry.AMM_FUNCTIONS), decode its static arguments,
///         run its handler (rollup/system/amm.py). Views change no state but revert exactly when
///         Python's would, so a call's success matches.
contract AmmModule is ISystemModule {
    /// @dev rollup.gas.OPERATION_GAS of the AMM's gas classes.
    uint256 internal constant GAS_READ = 2_600;
    uint256 internal constant GAS_POOL_CREATE = 60_000;
    uint256 internal constant GAS_LIQUIDITY_ADD = 90_000;
    uint256 internal constant GAS_LIQUIDITY_REMOVE = 80_000;
    uint256 internal constant GAS_SWAP = 70_000;

    /// @inheritdoc ISystemModule
    function execute(L2State.Db memory _db, Env memory _env, Call memory _call)
        external
        pure
        returns (L2State.Db memory)
    {
        bytes memory data = _call.data;
        require(data.length >= 4, "missing function selector");
        bytes4 sel = CallData.selector(data);
        if (sel == IAMM.createPool.selector) {
            CallData.requireArguments(data, 2);
            AmmLib.createPool(_db, CallData.addressAt(data, 0), CallData.addressAt(data, 1));
        } else if (sel == IAMM.addLiquidity.selector) {
            CallData.requireArguments(data, 8);
            AmmLib.addLiquidity(_db, _env, _call.sender, _decodeAdd(data));
        } else if (sel == IAMM.removeLiquidity.selector) {
            CallData.requireArguments(data, 7);
            AmmLib.removeLiquidity(_db, _env, _call.sender, _decodeRemove(data));
        } else if (sel == IAMM.swapExactIn.selector) {
            CallData.requireArguments(data, 6);
            _swap(_db, _env, _call.sender, data);
        } else if (sel == IAMM.getReserves.selector) {
            CallData.requireArguments(data, 2);
            AmmLib.getReservesView(_db, CallData.addressAt(data, 0), CallData.addressAt(data, 1));
        } else if (sel == IAMM.liquidityOf.selector) {
            CallData.requireArguments(data, 3);
            AmmLib.liquidityOf(
                _db,
                CallData.addressAt(data, 0),
                CallData.addressAt(data, 1),
                CallData.addressAt(data, 2)
            );
        } else if (sel == IAMM.getAmountOut.selector) {
            CallData.requireArguments(data, 3);
            address tokenIn = CallData.addressAt(data, 0);
            address tokenOut = CallData.addressAt(data, 1);
            uint256 amountIn = CallData.uintAt(data, 2);
            (uint256 reserveIn, uint256 reserveOut) = AmmLib.getReserves(_db, tokenIn, tokenOut);
            AmmLib.computeAmountOut(amountIn, reserveIn, reserveOut);
        } else {
            revert("unknown function selector");
        }
        return _db;
    }

    /// @inheritdoc ISystemModule
    function operationGas(address, bytes memory _data) external pure returns (uint256) {
        if (_data.length < 4) return GAS_READ;
        bytes4 sel = CallData.selector(_data);
        if (sel == IAMM.createPool.selector) return GAS_POOL_CREATE;
        if (sel == IAMM.addLiquidity.selector) return GAS_LIQUIDITY_ADD;
        if (sel == IAMM.removeLiquidity.selector) return GAS_LIQUIDITY_REMOVE;
        if (sel == IAMM.swapExactIn.selector) return GAS_SWAP;
        return GAS_READ; // the views, and unknown selectors
    }

    /// @inheritdoc ISystemModule
    function isPayable(address, bytes memory) external pure returns (bool) {
        return false; // no AMM function is payable
    }

    function _decodeAdd(bytes memory _data)
        private
        pure
        returns (AmmLib.AddLiquidityParams memory p_)
    {
        p_.tokenA = CallData.addressAt(_data, 0);
        p_.tokenB = CallData.addressAt(_data, 1);
        p_.amountADesired = CallData.uintAt(_data, 2);
        p_.amountBDesired = CallData.uintAt(_data, 3);
        p_.amountAMin = CallData.uintAt(_data, 4);
        p_.amountBMin = CallData.uintAt(_data, 5);
        p_.to = CallData.addressAt(_data, 6);
        p_.deadline = CallData.uintAt(_data, 7);
    }

    function _decodeRemove(bytes memory _data)
        private
        pure
        returns (AmmLib.RemoveLiquidityParams memory p_)
    {
        p_.tokenA = CallData.addressAt(_data, 0);
        p_.tokenB = CallData.addressAt(_data, 1);
        p_.liquidity = CallData.uintAt(_data, 2);
        p_.amountAMin = CallData.uintAt(_data, 3);
        p_.amountBMin = CallData.uintAt(_data, 4);
        p_.to = CallData.addressAt(_data, 5);
        p_.deadline = CallData.uintAt(_data, 6);
    }

    function _swap(L2State.Db memory _db, Env memory _env, address _sender, bytes memory _data)
        private
        pure
    {
        AmmLib.swapExactIn(
            _db,
            _env,
            _sender,
            CallData.addressAt(_data, 0),
            CallData.addressAt(_data, 1),
            CallData.uintAt(_data, 2),
            CallData.uintAt(_data, 3),
            CallData.addressAt(_data, 4),
            CallData.uintAt(_data, 5)
        );
    }
}
