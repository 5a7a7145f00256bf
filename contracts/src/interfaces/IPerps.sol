// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IPerps
/// @notice The perpetual futures system contract at SystemAddresses.PERPS (docs/PERPETUALS.md):
///         one skew-based market per listed asset, margined and settled in USDC, priced by the
///         oracle. A fill pays a premium proportional to the market's skew; funding accrues per
///         second with a rate whose velocity follows the skew; maker and taker fees depend on
///         whether an order reduces or increases the skew. Margin is isolated per account and
///         market; initial and maintenance margin grow with the position's size and the oracle's
///         volatility. Anyone may liquidate a position whose equity falls below maintenance margin
///         plus the keeper reward; what is left goes to the market's insurance fund, and a
///         shortfall is paid by the fund first, then by the other side's open positions through a
///         bad-debt index. Sizes are WAD units of the asset (1e18 = one whole token), prices and
///         USD amounts WAD; token amounts are USDC base units. Roundings go against the trader.
interface IPerps {
    /// @notice Emitted when an account deposits margin into a market.
    /// @param account The account.
    /// @param asset   The market's asset.
    /// @param amount  The USDC deposited, in base units.
    event MarginDeposited(address indexed account, address indexed asset, uint256 amount);

    /// @notice Emitted when margin is paid out to an account (withdrawal or close).
    /// @param account The account.
    /// @param asset   The market's asset.
    /// @param amount  The USDC paid out, in base units.
    event MarginWithdrawn(address indexed account, address indexed asset, uint256 amount);

    /// @notice Emitted when a position is opened, changed or closed.
    /// @param account   The account.
    /// @param asset     The market's asset.
    /// @param sizeDelta The size traded (WAD units of the asset; negative sells).
    /// @param size      The position's size afterwards.
    /// @param fillPrice The fill price, USD WAD.
    /// @param fee       The fee paid to the insurance fund, USD WAD.
    /// @param realized  PnL, funding and bad debt realized into the margin, USD WAD.
    event PositionModified(
        address indexed account,
        address indexed asset,
        int256 sizeDelta,
        int256 size,
        uint256 fillPrice,
        uint256 fee,
        int256 realized
    );

    /// @notice Emitted when a position is liquidated.
    /// @param keeper       The caller, paid the keeper reward.
    /// @param account      The liquidated account.
    /// @param asset        The market's asset.
    /// @param size         The size liquidated.
    /// @param price        The oracle price used, USD WAD.
    /// @param keeperReward The reward paid to the keeper, USDC base units.
    /// @param toFund       The equity left after the reward, added to the insurance fund, USD WAD.
    /// @param fundPaid     The part of a shortfall paid by the insurance fund, USD WAD.
    /// @param socialized   The part of a shortfall charged to the other side, USD WAD.
    event PositionLiquidated(
        address indexed keeper,
        address indexed account,
        address indexed asset,
        int256 size,
        uint256 price,
        uint256 keeperReward,
        uint256 toFund,
        uint256 fundPaid,
        uint256 socialized
    );

    /// @notice Moves `amount` USDC from the caller (allowance to this contract) into the margin of
    ///         its position in `asset`'s market. Reverts if the market is not listed or `amount`
    ///         is zero or above the caller's balance or allowance.
    /// @param asset  The market's asset.
    /// @param amount The USDC to deposit, in base units.
    function depositMargin(address asset, uint256 amount) external;

    /// @notice Pays `amount` USDC of the caller's margin back to it. With an open position the
    ///         equity left must cover the initial margin plus the keeper reward at a fresh price.
    /// @param asset  The market's asset.
    /// @param amount The USDC to withdraw, in base units; type(uint256).max withdraws all margin.
    /// @return withdrawn The USDC paid to the caller, in base units.
    function withdrawMargin(address asset, uint256 amount) external returns (uint256 withdrawn);

    /// @notice Changes the caller's position by `sizeDelta` at the fill price. Reverts if the
    ///         delta is zero, the deadline passed, the price is missing or stale, the position is
    ///         liquidatable, the new size is below the minimum, the fill price is beyond
    ///         `acceptablePrice`, an open interest cap is exceeded, or the margin is insufficient.
    /// @param asset           The market's asset.
    /// @param sizeDelta       The size to buy (positive) or sell (negative), WAD units of the asset.
    /// @param acceptablePrice The highest fill price for a buy, the lowest for a sell, USD WAD.
    /// @param deadline        The last block timestamp at which the order may execute.
    /// @return fillPrice The fill price, USD WAD.
    /// @return fee       The fee charged to the margin, USD WAD.
    function modifyPosition(address asset, int256 sizeDelta, uint256 acceptablePrice, uint256 deadline)
        external
        returns (uint256 fillPrice, uint256 fee);

    /// @notice Closes the caller's whole position and pays out all of its margin (margin below one
    ///         USDC base unit goes to the insurance fund). Reverts as modifyPosition does, or if
    ///         there is no open position.
    /// @param asset           The market's asset.
    /// @param acceptablePrice The highest fill price closing a short, the lowest closing a long.
    /// @param deadline        The last block timestamp at which the order may execute.
    /// @return fillPrice The fill price, USD WAD.
    /// @return fee       The fee charged to the margin, USD WAD.
    /// @return withdrawn The USDC paid to the caller, in base units.
    function closePosition(address asset, uint256 acceptablePrice, uint256 deadline)
        external
        returns (uint256 fillPrice, uint256 fee, uint256 withdrawn);

    /// @notice Liquidates `account`'s whole position in `asset`'s market and pays the caller the
    ///         keeper reward. Reverts if the caller is `account`, there is no position, the price
    ///         is missing or stale, the position is not liquidatable, or the block's liquidation
    ///         capacity is used up.
    /// @param account The account to liquidate.
    /// @param asset   The market's asset.
    /// @return keeperReward The USDC paid to the caller, in base units.
    function liquidate(address account, address asset) external returns (uint256 keeperReward);

    /// @notice A position valued at the oracle price, funding accrued to the current block.
    /// @param account The account.
    /// @param asset   The market's asset.
    /// @return size             The size, WAD units of the asset (negative: short).
    /// @return entryPrice       The fill price of the last modification, USD WAD.
    /// @return margin           The margin ledger, USD WAD.
    /// @return pnl              size × (price − entryPrice), USD WAD.
    /// @return accruedFunding   Funding accrued since the last modification, USD WAD.
    /// @return badDebt          Bad debt charged since the last modification, USD WAD.
    /// @return liquidationPrice The price at which the position becomes liquidatable, USD WAD
    ///                          (0: none).
    /// @return health           equity / (maintenance margin + keeper reward), WAD; below 1e18 is
    ///                          liquidatable; type(uint256).max without a position.
    function getPosition(address account, address asset)
        external
        view
        returns (
            int256 size,
            uint256 entryPrice,
            uint256 margin,
            int256 pnl,
            int256 accruedFunding,
            uint256 badDebt,
            uint256 liquidationPrice,
            uint256 health
        );

    /// @notice A market's state, funding accrued to the current block.
    /// @param asset The market's asset.
    /// @return skew                  Long minus short open interest, WAD units of the asset.
    /// @return longOpenInterest      The sum of long sizes.
    /// @return shortOpenInterest     The sum of short sizes.
    /// @return fundingRate           The funding rate per day, WAD (positive: longs pay).
    /// @return fundingIndex          The accumulated funding per unit of size, USD WAD.
    /// @return insuranceFund         The insurance fund, USD WAD.
    /// @return cash                  The USD netted between traders, USD WAD.
    /// @return longBadDebtIndex      The bad debt charged per unit of long size, USD WAD.
    /// @return shortBadDebtIndex     The bad debt charged per unit of short size, USD WAD.
    /// @return liquidationCapacity   The size still liquidatable in this block.
    function getMarket(address asset)
        external
        view
        returns (
            int256 skew,
            uint256 longOpenInterest,
            uint256 shortOpenInterest,
            int256 fundingRate,
            int256 fundingIndex,
            uint256 insuranceFund,
            int256 cash,
            uint256 longBadDebtIndex,
            uint256 shortBadDebtIndex,
            uint256 liquidationCapacity
        );

    /// @notice The fill price and fee an order of `sizeDelta` would get now.
    /// @param asset     The market's asset.
    /// @param sizeDelta The size to buy (positive) or sell (negative).
    /// @return fillPrice The fill price, USD WAD.
    /// @return fee       The fee, USD WAD.
    function quoteOrder(address asset, int256 sizeDelta)
        external
        view
        returns (uint256 fillPrice, uint256 fee);
}
