// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title ILending
/// @notice The lending system contract at SystemAddresses.LENDING: one market per listed asset, in
///         the style of Compound and Aave. Supplies and debts are stored scaled by per-market
///         indexes (RAY) that accrue interest per second, lazily, whenever the market is touched.
///         The borrow rate follows utilization on a jump-rate curve (a gentle slope up to the
///         optimal utilization, a steep one above it); suppliers earn the borrow interest minus
///         the reserve factor, which accrues to the market's reserves. Every supplied asset is
///         collateral: its collateral factor and liquidation threshold are lowered as the oracle's
///         reported volatility rises, never below per-asset floors. Values are USD, WAD, at oracle
///         prices. Roundings favour the protocol: claims round down, debts round up.
interface ILending {
    /// @notice Emitted when an account supplies an asset.
    /// @param account The supplier.
    /// @param asset   The asset supplied.
    /// @param amount  The amount supplied, in base units.
    event Supply(address indexed account, address indexed asset, uint256 amount);

    /// @notice Emitted when an account withdraws supplied assets.
    /// @param account The supplier.
    /// @param asset   The asset withdrawn.
    /// @param amount  The amount withdrawn, in base units.
    event Withdraw(address indexed account, address indexed asset, uint256 amount);

    /// @notice Emitted when an account borrows.
    /// @param account The borrower.
    /// @param asset   The asset borrowed.
    /// @param amount  The amount borrowed, in base units.
    event Borrow(address indexed account, address indexed asset, uint256 amount);

    /// @notice Emitted when a debt is repaid by its borrower.
    /// @param account The borrower.
    /// @param asset   The asset repaid.
    /// @param amount  The amount repaid, in base units.
    event Repay(address indexed account, address indexed asset, uint256 amount);

    /// @notice Emitted when an unhealthy account is liquidated.
    /// @param liquidator      The caller, who repaid part of the debt and received the collateral.
    /// @param borrower        The liquidated account.
    /// @param debtAsset       The asset of the debt repaid.
    /// @param collateralAsset The asset of the collateral seized.
    /// @param repaid          The amount of `debtAsset` repaid, in base units.
    /// @param seized          The amount of `collateralAsset` moved to the liquidator, in base units.
    event LiquidationCall(
        address indexed liquidator,
        address indexed borrower,
        address indexed debtAsset,
        address collateralAsset,
        uint256 repaid,
        uint256 seized
    );

    /// @notice Moves `amount` of `asset` from the caller into the asset's market and credits the
    ///         caller's supply, which earns interest and counts as collateral. Reverts if the asset
    ///         has no market, `amount` is zero or above the caller's balance, or the caller already
    ///         has positions in the maximum number of markets.
    /// @param asset  The asset to supply.
    /// @param amount The amount to supply, in base units.
    function supply(address asset, uint256 amount) external;

    /// @notice Withdraws supplied `asset` to the caller. Reverts if `amount` exceeds the caller's
    ///         supply, the market lacks the cash, or the caller's debt would exceed the borrow limit
    ///         afterwards.
    /// @param asset  The asset to withdraw.
    /// @param amount The amount to withdraw, in base units; type(uint256).max withdraws everything.
    /// @return withdrawn The amount paid to the caller, in base units.
    function withdraw(address asset, uint256 amount) external returns (uint256 withdrawn);

    /// @notice Borrows `amount` of `asset` to the caller. Reverts if the market lacks the cash, a
    ///         price the check needs is missing or stale, or the caller's debt would exceed the
    ///         borrow limit afterwards.
    /// @param asset  The asset to borrow.
    /// @param amount The amount to borrow, in base units.
    function borrow(address asset, uint256 amount) external;

    /// @notice Repays the caller's debt in `asset` from the caller's balance. Reverts if the caller
    ///         has no debt in `asset` or its balance is short.
    /// @param asset  The asset to repay.
    /// @param amount The amount to repay, in base units; type(uint256).max repays the whole debt.
    /// @return repaid The amount taken from the caller, in base units.
    function repay(address asset, uint256 amount) external returns (uint256 repaid);

    /// @notice Liquidates an account whose health factor is below 1: the caller repays up to the
    ///         close factor of the borrower's `debtAsset` debt and receives `collateralAsset` worth
    ///         the repaid value plus the liquidation bonus, taken from the borrower's supply. If the
    ///         borrower's collateral cannot cover that, the repayment is reduced to match. Reverts if
    ///         the borrower is healthy, has no such debt or collateral, or a needed price is missing.
    /// @param borrower        The account to liquidate.
    /// @param debtAsset       The asset of the debt to repay.
    /// @param collateralAsset The asset of the collateral to seize.
    /// @param repayAmount     The most of `debtAsset` the caller is willing to repay, in base units.
    /// @return repaid The amount of `debtAsset` taken from the caller, in base units.
    /// @return seized The amount of `collateralAsset` moved to the caller, in base units.
    function liquidate(
        address borrower,
        address debtAsset,
        address collateralAsset,
        uint256 repayAmount
    ) external returns (uint256 repaid, uint256 seized);

    /// @notice An account's totals over all its markets, accrued to the current block, at current
    ///         oracle prices and volatility-adjusted risk parameters.
    /// @param account The account to query.
    /// @return collateralValue  The USD value of everything it supplied, WAD.
    /// @return debtValue        The USD value of everything it owes, WAD.
    /// @return borrowLimit      The sum of supplied value times collateral factor, WAD; debt may
    ///                          not exceed it after a borrow or withdrawal.
    /// @return liquidationLimit The sum of supplied value times liquidation threshold, WAD.
    /// @return healthFactor     liquidationLimit / debtValue, WAD (below 1e18 is liquidatable);
    ///                          type(uint256).max when there is no debt.
    function getAccountData(address account)
        external
        view
        returns (
            uint256 collateralValue,
            uint256 debtValue,
            uint256 borrowLimit,
            uint256 liquidationLimit,
            uint256 healthFactor
        );

    /// @notice An account's position in one market, accrued to the current block.
    /// @param account The account to query.
    /// @param asset   The market's asset.
    /// @return supplied The amount supplied with its interest (rounded down), in base units.
    /// @return borrowed The amount owed with its interest (rounded up), in base units.
    function getPosition(address account, address asset)
        external
        view
        returns (uint256 supplied, uint256 borrowed);

    /// @notice A market's state, accrued to the current block. Reverts if the asset has no market.
    /// @param asset The market's asset.
    /// @return totalSupplied The total supplied with interest, in base units.
    /// @return totalBorrowed The total borrowed with interest, in base units.
    /// @return reserves      The protocol's reserves, in base units.
    /// @return supplyIndex   The supply index, RAY (starts at 1e27).
    /// @return borrowIndex   The borrow index, RAY (starts at 1e27).
    /// @return utilization   totalBorrowed / totalSupplied, WAD.
    /// @return borrowRate    The yearly borrow rate at the current utilization, WAD.
    /// @return supplyRate    The yearly supply rate at the current utilization, WAD.
    /// @return lastUpdate    The timestamp up to which interest is accrued.
    function getMarket(address asset)
        external
        view
        returns (
            uint256 totalSupplied,
            uint256 totalBorrowed,
            uint256 reserves,
            uint256 supplyIndex,
            uint256 borrowIndex,
            uint256 utilization,
            uint256 borrowRate,
            uint256 supplyRate,
            uint256 lastUpdate
        );

    /// @notice An asset's risk parameters as they apply now, after the volatility adjustment.
    ///         Reverts if the asset has no market.
    /// @param asset The market's asset.
    /// @return collateralFactor     The share of supplied value that may be borrowed against, WAD.
    /// @return liquidationThreshold The share of supplied value below which debt is liquidatable,
    ///                              WAD.
    /// @return liquidationBonus     The liquidator's premium on seized collateral, WAD (0.05e18 =
    ///                              5%).
    /// @return closeFactor          The share of a debt one liquidation may repay, WAD.
    function getRiskParameters(address asset)
        external
        view
        returns (
            uint256 collateralFactor,
            uint256 liquidationThreshold,
            uint256 liquidationBonus,
            uint256 closeFactor
        );
}
