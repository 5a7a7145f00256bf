// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IL2Bridge
/// @notice The L2 side of the bridge at SystemAddresses.L2_BRIDGE. A withdrawal burns the funds on
///         the L2 and appends its hash to the withdrawal tree; every output root commits to that
///         tree's root, so once an output is finalized on L1 the recipient proves the withdrawal
///         against it and finalizes it with the L1 Bridge. Deposits from L1 need no call here: the
///         node derives them from the L1 Bridge's logs.
interface IL2Bridge {
    /// @notice Emitted when a withdrawal to L1 is initiated.
    /// @param index          The withdrawal's position in the withdrawal tree, counting from 0.
    /// @param sender         The L2 account whose funds were burned.
    /// @param l1Recipient    The L1 account that may finalize the withdrawal.
    /// @param l1Token        The L1 ERC-20 paid out, or the zero address for ETH.
    /// @param amount         The amount withdrawn, in base units (wei for ETH).
    /// @param withdrawalHash The leaf hash appended to the withdrawal tree, which the L1 Bridge
    ///                       recomputes from the same fields.
    event WithdrawalInitiated(
        uint256 indexed index,
        address indexed sender,
        address indexed l1Recipient,
        address l1Token,
        uint256 amount,
        bytes32 withdrawalHash
    );

    /// @notice Withdraws the ETH sent with the call (`msg.value`) to `l1Recipient` on L1. Reverts if
    ///         `msg.value` is zero or `l1Recipient` is the zero address.
    /// @param l1Recipient The L1 account that may finalize the withdrawal.
    /// @return index The withdrawal's position in the withdrawal tree.
    function withdrawETH(address l1Recipient) external payable returns (uint256 index);

    /// @notice Burns `amount` of a bridged token from the caller and withdraws it to `l1Recipient`
    ///         as the L1 ERC-20 it was bridged from. Reverts if the token was not bridged from L1,
    ///         `amount` is zero or above the caller's balance, or `l1Recipient` is the zero address.
    /// @param token       The L2 token to withdraw.
    /// @param amount      The amount to withdraw, in base units.
    /// @param l1Recipient The L1 account that may finalize the withdrawal.
    /// @return index The withdrawal's position in the withdrawal tree.
    function withdrawToken(address token, uint256 amount, address l1Recipient)
        external
        returns (uint256 index);

    /// @notice The root of the withdrawal tree that output roots commit to; L1 withdrawal proofs are
    ///         checked against it.
    /// @return The withdrawal tree's root.
    function withdrawalRoot() external view returns (bytes32);

    /// @notice How many withdrawals have been initiated on the L2; the next one gets this index.
    /// @return The number of withdrawals.
    function withdrawalCount() external view returns (uint256);
}
