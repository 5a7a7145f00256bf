// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "./IERC20.sol";

/// @title IWETH
/// @notice Wrapped native ETH on the L2, at SystemAddresses.WETH: an ERC-20 backed one to one by
///         the native ETH it holds, so the AMM and the lending markets treat ETH like any token.
interface IWETH is IERC20 {
    /// @notice Emitted when native ETH is wrapped.
    /// @param account The account credited with WETH.
    /// @param amount  The amount wrapped, in wei.
    event Deposit(address indexed account, uint256 amount);

    /// @notice Emitted when WETH is unwrapped back into native ETH.
    /// @param account The account whose WETH was burned and which received the ETH.
    /// @param amount  The amount unwrapped, in wei.
    event Withdrawal(address indexed account, uint256 amount);

    /// @notice Wraps the ETH sent with the call: credits the caller with `msg.value` WETH.
    function deposit() external payable;

    /// @notice Unwraps WETH: burns `amount` of the caller's WETH and sends the caller as much native
    ///         ETH. Reverts if the caller's WETH balance is short.
    /// @param amount The amount to unwrap, in wei.
    function withdraw(uint256 amount) external;
}
