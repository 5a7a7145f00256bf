// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {L2State} from "../L2State.sol";

/// @title TokenLib
/// @notice ERC-20 bookkeeping of rollup/system/tokens.py on a one-step proof's state: the same
///         checks in the same order, the same leaves read and written. Logs are not part of the
///         step machine and are not produced.
library TokenLib {
    uint256 internal constant UINT256_MAX = type(uint256).max;

    /// @notice The token's registry leaf; reverts if no token is registered there.
    function getToken(L2State.Db memory _db, address _token)
        internal
        pure
        returns (L2State.Token memory leaf_)
    {
        leaf_ = L2State.getToken(_db, _token);
        require(leaf_.registered == 1, "not a registered token");
    }

    function isToken(L2State.Db memory _db, address _address) internal pure returns (bool) {
        return L2State.getToken(_db, _address).registered == 1;
    }

    /// @notice rollup.system.tokens.move_tokens.
    function moveTokens(
        L2State.Db memory _db,
        address _token,
        address _source,
        address _destination,
        uint256 _amount
    ) internal pure {
        uint256 sourceBalance = L2State.getBalance(_db, _token, _source);
        require(sourceBalance >= _amount, "transfer amount exceeds balance");
        if (_source != _destination) {
            L2State.setBalance(_db, _token, _source, sourceBalance - _amount);
            uint256 destinationBalance = L2State.getBalance(_db, _token, _destination);
            L2State.setBalance(_db, _token, _destination, destinationBalance + _amount);
        }
    }

    /// @notice rollup.system.tokens.mint_tokens.
    function mintTokens(L2State.Db memory _db, address _token, address _destination, uint256 _amount)
        internal
        pure
    {
        L2State.Token memory leaf = getToken(_db, _token);
        leaf.totalSupply = leaf.totalSupply + _amount;
        L2State.setToken(_db, _token, leaf);
        uint256 balance = L2State.getBalance(_db, _token, _destination);
        L2State.setBalance(_db, _token, _destination, balance + _amount);
    }

    /// @notice rollup.system.tokens.burn_tokens.
    function burnTokens(L2State.Db memory _db, address _token, address _source, uint256 _amount)
        internal
        pure
    {
        L2State.Token memory leaf = getToken(_db, _token);
        uint256 balance = L2State.getBalance(_db, _token, _source);
        require(balance >= _amount, "burn amount exceeds balance");
        L2State.setBalance(_db, _token, _source, balance - _amount);
        leaf.totalSupply = leaf.totalSupply - _amount;
        L2State.setToken(_db, _token, leaf);
    }

    /// @notice rollup.system.tokens.spend_allowance: 2**256-1 is unlimited.
    function spendAllowance(
        L2State.Db memory _db,
        address _token,
        address _owner,
        address _spender,
        uint256 _amount
    ) internal pure {
        uint256 allowance = L2State.getAllowance(_db, _token, _owner, _spender);
        if (allowance == UINT256_MAX) return;
        require(allowance >= _amount, "insufficient allowance");
        L2State.setAllowance(_db, _token, _owner, _spender, allowance - _amount);
    }
}
