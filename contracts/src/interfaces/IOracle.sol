// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IOracle
/// @notice The price and volatility oracle system contract at SystemAddresses.ORACLE. Only the
///         oracle key set in the genesis may write. The lending markets value positions with these
///         prices, lower collateral factors as volatility rises, and refuse to borrow against prices
///         older than the chain's staleness limit.
interface IOracle {
    /// @notice Emitted when the oracle key reports a price.
    /// @param asset      The token priced.
    /// @param price      The USD price of one whole token (10**decimals base units), WAD.
    /// @param volatility The asset's annualized volatility, WAD (0.8e18 = 80%).
    /// @param timestamp  The block timestamp of the report.
    event PriceUpdated(address indexed asset, uint256 price, uint256 volatility, uint256 timestamp);

    /// @notice Reports an asset's price and volatility, stamped with the block timestamp. Reverts if
    ///         the caller is not the oracle key, the asset is not a registered token, or the price
    ///         is zero.
    /// @param asset      The token priced.
    /// @param price      The USD price of one whole token (10**decimals base units), WAD.
    /// @param volatility The asset's annualized volatility, WAD (0.8e18 = 80%).
    function setPrice(address asset, uint256 price, uint256 volatility) external;

    /// @notice The latest report for an asset; all zero if it was never priced.
    /// @param asset The token to query.
    /// @return price      The USD price of one whole token (10**decimals base units), WAD.
    /// @return volatility The asset's annualized volatility, WAD.
    /// @return updatedAt  The block timestamp of the report.
    function getPrice(address asset)
        external
        view
        returns (uint256 price, uint256 volatility, uint256 updatedAt);
}
