// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {L2State} from "../L2State.sol";
import {Env, Call, ISystemModule, CallData} from "./StfTypes.sol";
import {LendingLib} from "./LendingLib.sol";
import {AmmLib} from "./AmmLib.sol";
import {TokenLib} from "./TokenLib.sol";
import {FixedPointMath as FPM} from "../../libraries/FixedPointMath.sol";
import {ILeverage} from "../../interfaces/ILeverage.sol";

/// @title LeverageLib
/// @notice rollup/system/leverage.py on a one-step proof's state: a leveraged position opened or
///         closed in one transaction, in closed form (one borrow, one swap), on top of LendingLib
///         and AmmLib, with the same checks, leaves and rounding as Python.
library LeverageLib {
    /// @notice The leverage system contract (rollup.addresses.LEVERAGE).
    address internal constant LEVERAGE = 0x4200000000000000000000000000000000000300;
    address internal constant LENDING = LendingLib.LENDING;
    uint256 internal constant WAD = 1e18;

    /// @notice Arguments of openPosition, in ILeverage order.
    struct OpenParams {
        address collateralAsset;
        address debtAsset;
        uint256 principal;
        uint256 leverage;
        uint256 maxDebt;
        uint256 deadline;
    }

    /// @notice leverage.get_max_leverage: 1 / (1 - CF) at the collateral's current volatility.
    function getMaxLeverage(L2State.Db memory _db, Env memory _env, address _collateralAsset)
        internal
        pure
        returns (uint256)
    {
        L2State.MarketConfig memory config = LendingLib.getMarketConfig(_db, _collateralAsset);
        uint256 volatility = LendingLib.getPrice(_db, _env, _collateralAsset, false).volatility;
        return LendingLib.computeMaxLeverage(LendingLib.computeCollateralFactor(config, volatility));
    }

    /// @notice leverage.open_position: supplies principal * leverage of collateral, financed by
    ///         one borrow and one swap. Returns (collateral, debt).
    function openPosition(
        L2State.Db memory _db,
        Env memory _env,
        address _account,
        OpenParams memory _p
    ) internal pure returns (uint256 collateral_, uint256 debt_) {
        AmmLib.requireNotExpired(_env, _p.deadline);
        require(_p.collateralAsset != _p.debtAsset, "collateral and debt assets must differ");
        require(_p.principal > 0, "principal is zero");
        require(_p.leverage > WAD, "leverage must exceed 1x");
        require(
            _p.leverage <= getMaxLeverage(_db, _env, _p.collateralAsset), "leverage above maximum"
        );
        LendingLib.accrueInterest(_db, _env, _p.collateralAsset);
        LendingLib.accrueInterest(_db, _env, _p.debtAsset);

        uint256 extraCollateral = FPM.wadMulDown(_p.principal, _p.leverage) - _p.principal;
        require(extraCollateral > 0, "leverage too small for principal");
        (uint256 reserveDebt, uint256 reserveCollateral) =
            AmmLib.getReserves(_db, _p.debtAsset, _p.collateralAsset);
        debt_ = AmmLib.computeAmountIn(extraCollateral, reserveDebt, reserveCollateral);
        require(debt_ <= _p.maxDebt, "debt above maximum (slippage)");

        TokenLib.spendAllowance(_db, _p.collateralAsset, _account, LEVERAGE, _p.principal);
        TokenLib.moveTokens(_db, _p.collateralAsset, _account, LEVERAGE, _p.principal);
        LendingLib.addDebt(_db, _env, _account, _p.debtAsset, debt_);
        TokenLib.moveTokens(_db, _p.debtAsset, LENDING, LEVERAGE, debt_);
        uint256 bought =
            AmmLib.executeSwap(_db, _p.debtAsset, _p.collateralAsset, debt_, LEVERAGE, LEVERAGE);
        // Fits: LEVERAGE's balance already holds principal + bought (a checked sum).
        collateral_ = _p.principal + bought;
        TokenLib.moveTokens(_db, _p.collateralAsset, LEVERAGE, LENDING, collateral_);
        LendingLib.creditSupply(_db, _env, _account, _p.collateralAsset, collateral_);
        LendingLib.requireWithinBorrowLimit(
            _db, _env, _account, "position would exceed borrow limit"
        );
    }

    /// @notice leverage.close_position: repays the whole debt by selling collateral and returns
    ///         the remaining collateral to the caller.
    function closePosition(
        L2State.Db memory _db,
        Env memory _env,
        address _account,
        address _collateralAsset,
        address _debtAsset,
        uint256 _minReturned,
        uint256 _deadline
    ) internal pure returns (uint256 returned_) {
        AmmLib.requireNotExpired(_env, _deadline);
        require(_collateralAsset != _debtAsset, "collateral and debt assets must differ");
        LendingLib.accrueInterest(_db, _env, _collateralAsset);
        LendingLib.accrueInterest(_db, _env, _debtAsset);
        uint256 debt = LendingLib.getDebt(_db, _env, _account, _debtAsset);
        require(debt > 0, "no debt to close");
        uint256 collateralSold = _collateralToSell(_db, _collateralAsset, _debtAsset, debt);

        uint256 collateral =
            LendingLib.debitSupply(_db, _env, _account, _collateralAsset, type(uint256).max);
        require(collateral >= collateralSold, "collateral cannot cover the debt");
        TokenLib.moveTokens(_db, _collateralAsset, LENDING, LEVERAGE, collateral);
        _repayFromSwap(_db, _env, _account, _collateralAsset, _debtAsset, collateralSold, debt);
        returned_ = collateral - collateralSold;
        require(returned_ >= _minReturned, "returned collateral below minimum (slippage)");
        if (returned_ > 0) {
            TokenLib.moveTokens(_db, _collateralAsset, LEVERAGE, _account, returned_);
        }
        if (LendingLib.hasDebt(_db, _account)) {
            LendingLib.requireWithinBorrowLimit(
                _db, _env, _account, "closing would exceed borrow limit"
            );
        }
    }

    /// @dev The collateral to sell for exactly `_debt` (Uniswap v2 getAmountIn).
    function _collateralToSell(
        L2State.Db memory _db,
        address _collateralAsset,
        address _debtAsset,
        uint256 _debt
    ) private pure returns (uint256) {
        (uint256 reserveCollateral, uint256 reserveDebt) =
            AmmLib.getReserves(_db, _collateralAsset, _debtAsset);
        return AmmLib.computeAmountIn(_debt, reserveCollateral, reserveDebt);
    }

    /// @dev Sells `_sold` collateral, repays the debt, and pays any excess debt asset to the
    ///      account.
    function _repayFromSwap(
        L2State.Db memory _db,
        Env memory _env,
        address _account,
        address _collateralAsset,
        address _debtAsset,
        uint256 _sold,
        uint256 _debt
    ) private pure {
        uint256 bought = AmmLib.executeSwap(
            _db, _collateralAsset, _debtAsset, _sold, LEVERAGE, LEVERAGE
        );
        uint256 repaid = LendingLib.reduceDebt(_db, _env, _account, _debtAsset, _debt);
        TokenLib.moveTokens(_db, _debtAsset, LEVERAGE, LENDING, repaid);
        if (bought > repaid) {
            TokenLib.moveTokens(_db, _debtAsset, LEVERAGE, _account, bought - repaid);
        }
    }
}

/// @title LeverageModule
/// @notice Runs calls to the leverage system contract (LeverageLib.LEVERAGE) on a one-step
///         proof's state, as rollup.execution.execute_call does after the ETH transfer and the
///         payable check (rollup.system.registry.LEVERAGE_FUNCTIONS). The maxLeverage view
///         changes no state but reverts exactly when Python's would.
contract LeverageModule is ISystemModule {
    /// @dev rollup.gas.OPERATION_GAS of the leverage gas classes.
    uint256 internal constant GAS_READ = 2_600;
    uint256 internal constant GAS_LEVERAGE_OPEN = 260_000;
    uint256 internal constant GAS_LEVERAGE_CLOSE = 260_000;

    /// @inheritdoc ISystemModule
    function execute(L2State.Db memory _db, Env memory _env, Call memory _call)
        external
        pure
        returns (L2State.Db memory)
    {
        bytes memory data = _call.data;
        require(data.length >= 4, "missing function selector");
        bytes4 sel = CallData.selector(data);
        if (sel == ILeverage.openPosition.selector) {
            CallData.requireArguments(data, 6);
            LeverageLib.openPosition(_db, _env, _call.sender, _decodeOpen(data));
        } else if (sel == ILeverage.closePosition.selector) {
            CallData.requireArguments(data, 4);
            LeverageLib.closePosition(
                _db,
                _env,
                _call.sender,
                CallData.addressAt(data, 0),
                CallData.addressAt(data, 1),
                CallData.uintAt(data, 2),
                CallData.uintAt(data, 3)
            );
        } else if (sel == ILeverage.maxLeverage.selector) {
            CallData.requireArguments(data, 1);
            LeverageLib.getMaxLeverage(_db, _env, CallData.addressAt(data, 0));
        } else {
            revert("unknown function selector");
        }
        return _db;
    }

    /// @inheritdoc ISystemModule
    function operationGas(address, bytes memory _data) external pure returns (uint256) {
        if (_data.length < 4) return GAS_READ;
        bytes4 sel = CallData.selector(_data);
        if (sel == ILeverage.openPosition.selector) return GAS_LEVERAGE_OPEN;
        if (sel == ILeverage.closePosition.selector) return GAS_LEVERAGE_CLOSE;
        return GAS_READ; // maxLeverage, and unknown selectors
    }

    /// @inheritdoc ISystemModule
    function isPayable(address, bytes memory) external pure returns (bool) {
        return false; // no leverage function is payable
    }

    function _decodeOpen(bytes memory _data)
        private
        pure
        returns (LeverageLib.OpenParams memory p_)
    {
        p_.collateralAsset = CallData.addressAt(_data, 0);
        p_.debtAsset = CallData.addressAt(_data, 1);
        p_.principal = CallData.uintAt(_data, 2);
        p_.leverage = CallData.uintAt(_data, 3);
        p_.maxDebt = CallData.uintAt(_data, 4);
        p_.deadline = CallData.uintAt(_data, 5);
    }
}
