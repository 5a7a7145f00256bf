// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title ILeverage
/// @notice One-transaction leverage at SystemAddresses.LEVERAGE, on top of the lending markets and
///         the AMM. Opening supplies the caller's principal, borrows the debt asset, swaps it for
///         more collateral and supplies that too; the amounts are solved in closed form (no loop),
///         so the position lands at the requested leverage in one step. The position is the
///         caller's own lending position: getAccountData and getPosition of ILending show it.
interface ILeverage {
    /// @notice Emitted when a leveraged position is opened (or increased).
    /// @param account         The caller, owner of the position.
    /// @param collateralAsset The asset supplied as collateral.
    /// @param debtAsset       The asset borrowed and sold for collateral.
    /// @param principal       The caller's own `collateralAsset` put in, in base units.
    /// @param collateral      The total `collateralAsset` supplied (principal plus swap output).
    /// @param debt            The amount of `debtAsset` borrowed, in base units.
    event LeverageOpened(
        address indexed account,
        address indexed collateralAsset,
        address indexed debtAsset,
        uint256 principal,
        uint256 collateral,
        uint256 debt
    );

    /// @notice Emitted when a leveraged position is closed.
    /// @param account         The caller, owner of the position.
    /// @param collateralAsset The asset that was supplied as collateral.
    /// @param debtAsset       The asset that was owed.
    /// @param collateralSold  The `collateralAsset` sold on the AMM to repay the debt.
    /// @param debtRepaid      The `debtAsset` debt repaid.
    /// @param returned        The `collateralAsset` paid back to the caller.
    event LeverageClosed(
        address indexed account,
        address indexed collateralAsset,
        address indexed debtAsset,
        uint256 collateralSold,
        uint256 debtRepaid,
        uint256 returned
    );

    /// @notice Opens a leveraged position: supplies `principal` of `collateralAsset` from the caller,
    ///         borrows `debtAsset` and swaps it on the AMM so the supplied collateral reaches
    ///         principal * leverage / 1e18. Reverts if `leverage` is below 1e18 or above
    ///         maxLeverage(collateralAsset), the debt needed exceeds `maxDebt` (slippage bound), the
    ///         resulting position would exceed the borrow limit, a price is missing or stale, or
    ///         block.timestamp is past `deadline`.
    /// @param collateralAsset The asset to go long, supplied as collateral.
    /// @param debtAsset       The asset to borrow and sell.
    /// @param principal       The caller's own `collateralAsset` to put in, in base units.
    /// @param leverage        The target leverage, WAD (3e18 = 3x).
    /// @param maxDebt         The most `debtAsset` the caller accepts to borrow.
    /// @param deadline        The last block timestamp at which the call may execute.
    /// @return collateral The total `collateralAsset` supplied, in base units.
    /// @return debt       The amount of `debtAsset` borrowed, in base units.
    function openPosition(
        address collateralAsset,
        address debtAsset,
        uint256 principal,
        uint256 leverage,
        uint256 maxDebt,
        uint256 deadline
    ) external returns (uint256 collateral, uint256 debt);

    /// @notice Closes the caller's leveraged position: sells just enough supplied `collateralAsset`
    ///         on the AMM to repay the whole `debtAsset` debt, repays it, and pays the remaining
    ///         `collateralAsset` supply to the caller. Reverts if the caller has no such debt, the
    ///         amount returned is below `minReturned` (slippage bound), the caller's remaining
    ///         position would exceed the borrow limit, or block.timestamp is past `deadline`.
    /// @param collateralAsset The asset supplied as collateral.
    /// @param debtAsset       The asset owed.
    /// @param minReturned     The least `collateralAsset` the caller accepts to get back.
    /// @param deadline        The last block timestamp at which the call may execute.
    /// @return returned The `collateralAsset` paid to the caller, in base units.
    function closePosition(
        address collateralAsset,
        address debtAsset,
        uint256 minReturned,
        uint256 deadline
    ) external returns (uint256 returned);

    /// @notice The highest leverage openPosition accepts for a collateral asset now:
    ///         1 / (1 - collateralFactor) with the current volatility-adjusted collateral factor.
    /// @param collateralAsset The asset supplied as collateral.
    /// @return The maximum leverage, WAD (rounded down).
    function maxLeverage(address collateralAsset) external view returns (uint256);
}
