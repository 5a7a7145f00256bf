// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IERC20
/// @notice The ERC-20 token interface of the L2's native token system contracts (genesis tokens and
///         tokens bridged from L1 ERC-20s). Balances are uint256 base units; `decimals` only tells
///         wallets how to display them.
interface IERC20 {
    /// @notice Emitted when tokens move from one account to another, including mints (`from` is the
    ///         zero address) and burns (`to` is the zero address).
    /// @param from  The account the tokens left.
    /// @param to    The account the tokens reached.
    /// @param value The amount moved, in base units.
    event Transfer(address indexed from, address indexed to, uint256 value);

    /// @notice Emitted when an owner sets a spender's allowance, by `approve` or by `transferFrom`
    ///         spending part of it.
    /// @param owner   The account whose tokens may be spent.
    /// @param spender The account allowed to spend them.
    /// @param value   The new allowance, in base units.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice The token's name, for display.
    /// @return The name, e.g. "Wrapped Ether".
    function name() external view returns (string memory);

    /// @notice The token's ticker symbol, for display.
    /// @return The symbol, e.g. "WETH".
    function symbol() external view returns (string memory);

    /// @notice The number of decimals wallets use to display amounts.
    /// @return The number of decimals, e.g. 18.
    function decimals() external view returns (uint8);

    /// @notice The total amount of the token in existence on the L2.
    /// @return The total supply, in base units.
    function totalSupply() external view returns (uint256);

    /// @notice The token balance of an account.
    /// @param account The account to query.
    /// @return The balance of `account`, in base units.
    function balanceOf(address account) external view returns (uint256);

    /// @notice Moves tokens from the caller to `to`. Reverts if the caller's balance is short.
    /// @param to    The recipient.
    /// @param value The amount to move, in base units.
    /// @return Always true; failures revert.
    function transfer(address to, uint256 value) external returns (bool);

    /// @notice The amount `spender` may still move out of `owner`'s balance with `transferFrom`.
    /// @param owner   The account whose tokens may be spent.
    /// @param spender The account allowed to spend them.
    /// @return The remaining allowance, in base units (type(uint256).max means unlimited).
    function allowance(address owner, address spender) external view returns (uint256);

    /// @notice Sets the caller's allowance for `spender` to exactly `value`, replacing any previous
    ///         allowance.
    /// @param spender The account allowed to spend the caller's tokens.
    /// @param value   The new allowance, in base units; type(uint256).max is never decreased.
    /// @return Always true; failures revert.
    function approve(address spender, uint256 value) external returns (bool);

    /// @notice Moves tokens from `from` to `to` using the caller's allowance, which decreases by
    ///         `value` unless it is type(uint256).max. Reverts if the allowance or the balance is
    ///         short.
    /// @param from  The account the tokens leave.
    /// @param to    The recipient.
    /// @param value The amount to move, in base units.
    /// @return Always true; failures revert.
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}
