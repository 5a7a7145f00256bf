// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {L2State} from "../L2State.sol";
import {Env} from "./StfTypes.sol";
import {TokenLib} from "./TokenLib.sol";
import {FixedPointMath as FPM} from "../../libraries/FixedPointMath.sol";

/// @title LendingLib
/// @notice The lending markets of rollup/system/lending.py on a one-step proof's state: the same
///         checks, the same rounding, the same leaves read and written (the witness holds exactly
///         the leaves Python touches, so reading any other leaf fails the proof). Every Python
///         Revert / ArithmeticOverflow / ZeroDivisionError is a revert here. Logs are not produced.
///
///         Where Python adds plain (unbounded) integers, this library either proves the sum fits
///         (and uses checked arithmetic, which then reverts exactly where Python's next checked
///         step would) or keeps the sum exact in two words (account valuations: up to eight
///         values, each below 2**256, whose sum Python compares without bound).
library LendingLib {
    /// @notice The lending system contract (rollup.addresses.LENDING), which holds every market's
    ///         cash.
    address internal constant LENDING = 0x4200000000000000000000000000000000000200;
    uint256 internal constant UINT256_MAX = type(uint256).max;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;

    /// @notice An account valued at oracle prices (lending.AccountData), each sum exact as
    ///         hi * 2**256 + lo (Python's integers are unbounded). The collateral value is kept
    ///         only by the getAccountData view, which never reverts on it.
    struct AccountData {
        uint256 collateralHi;
        uint256 collateralValue;
        uint256 debtHi;
        uint256 debtValue;
        uint256 borrowLimitHi;
        uint256 borrowLimit;
        uint256 liquidationLimitHi;
        uint256 liquidationLimit;
        uint256 healthFactor;
    }

    // ------------------------------------------------------------------------------------------
    // Rates and indexes

    /// @notice lending.compute_utilization: borrowed share of supplied funds (WAD), capped at 1.
    function computeUtilization(uint256 _supplied, uint256 _borrowed)
        internal
        pure
        returns (uint256)
    {
        if (_supplied == 0) return 0;
        uint256 utilization = FPM.wadDivDown(_borrowed, _supplied);
        return utilization < WAD ? utilization : WAD;
    }

    /// @notice lending.compute_borrow_rate: base + slope1 up to the kink, then slope2 above it.
    /// @dev Python's sums are unbounded, but a rate of 2**256 or more always fails Python's next
    ///      checked step (mul(rate, elapsed) with elapsed >= 1 when accruing; wad_mul_down(rate,
    ///      utilization) with utilization > 0 in the getMarket view; utilization 0 leaves the
    ///      rate at base_rate), so checked sums fail exactly when Python does.
    function computeBorrowRate(L2State.MarketConfig memory _config, uint256 _utilization)
        internal
        pure
        returns (uint256)
    {
        uint256 optimal = _config.optimalUtilization;
        if (_utilization <= optimal) {
            return _config.baseRate + FPM.mulDivDown(_config.slope1, _utilization, optimal);
        }
        uint256 excess = _utilization - optimal;
        return
            _config.baseRate + _config.slope1
                + FPM.mulDivDown(_config.slope2, excess, WAD - optimal);
    }

    /// @notice lending.compute_supply_rate.
    function computeSupplyRate(
        L2State.MarketConfig memory _config,
        uint256 _utilization,
        uint256 _borrowRate
    ) internal pure returns (uint256) {
        return FPM.wadMulDown(
            FPM.wadMulDown(_borrowRate, _utilization), _minus(WAD, _config.reserveFactor)
        );
    }

    /// @notice lending.compute_total_supplied.
    function computeTotalSupplied(L2State.Market memory _market) internal pure returns (uint256) {
        return FPM.rayMulDown(_market.totalSupplyScaled, _market.supplyIndex);
    }

    /// @notice lending.compute_total_borrowed.
    function computeTotalBorrowed(L2State.Market memory _market) internal pure returns (uint256) {
        return FPM.rayMulUp(_market.totalBorrowScaled, _market.borrowIndex);
    }

    /// @notice lending.compute_accrued_market: the market with interest accrued to `_now`. Returns
    ///         a new struct (never `_market` itself, which it leaves untouched).
    function computeAccruedMarket(
        L2State.Market memory _market,
        L2State.MarketConfig memory _config,
        uint256 _now
    ) internal pure returns (L2State.Market memory accrued_) {
        accrued_ = L2State.Market(
            _market.totalSupplyScaled,
            _market.totalBorrowScaled,
            _market.supplyIndex,
            _market.borrowIndex,
            _market.reserves,
            _market.lastUpdate
        );
        if (_now <= _market.lastUpdate) return accrued_;
        uint256 elapsed = _now - _market.lastUpdate;
        // Both totals are computed (and may overflow) before the no-borrow shortcut, as in Python.
        uint256 totalBorrowed = computeTotalBorrowed(_market);
        uint256 totalSupplied = computeTotalSupplied(_market);
        accrued_.lastUpdate = _now;
        if (_market.totalBorrowScaled == 0) return accrued_;
        uint256 rate = computeBorrowRate(_config, computeUtilization(totalSupplied, totalBorrowed));
        uint256 growth = FPM.mulDivUp(rate * elapsed, RAY / WAD, FPM.SECONDS_PER_YEAR);
        uint256 borrowIndex = FPM.rayMulUp(_market.borrowIndex, RAY + growth);
        uint256 interest = FPM.rayMulUp(_market.totalBorrowScaled, borrowIndex) - totalBorrowed;
        uint256 reserveShare = FPM.wadMulDown(interest, _config.reserveFactor);
        if (_market.totalSupplyScaled > 0) {
            accrued_.supplyIndex = _market.supplyIndex
                + FPM.mulDivDown(_minus(interest, reserveShare), RAY, _market.totalSupplyScaled);
        }
        accrued_.borrowIndex = borrowIndex;
        accrued_.reserves = _market.reserves + reserveShare;
    }

    /// @notice lending.get_market_config: reverts unless the asset has a market.
    function getMarketConfig(L2State.Db memory _db, address _asset)
        internal
        pure
        returns (L2State.MarketConfig memory config_)
    {
        config_ = L2State.getMarketConfig(_db, _asset);
        require(config_.listed == 1, "market not listed");
    }

    /// @notice lending.accrue_interest: brings a market up to the block's time and writes it.
    function accrueInterest(L2State.Db memory _db, Env memory _env, address _asset)
        internal
        pure
        returns (L2State.Market memory market_, L2State.MarketConfig memory config_)
    {
        (market_, config_) = viewMarket(_db, _env, _asset);
        // Python writes only when the market changed; an unchanged write changes no leaf.
        L2State.setMarket(_db, _asset, market_);
    }

    /// @notice lending.view_market: a market accrued to the block's time, not written.
    function viewMarket(L2State.Db memory _db, Env memory _env, address _asset)
        internal
        pure
        returns (L2State.Market memory market_, L2State.MarketConfig memory config_)
    {
        config_ = getMarketConfig(_db, _asset);
        market_ = computeAccruedMarket(L2State.getMarket(_db, _asset), config_, _env.timestamp);
    }

    // ------------------------------------------------------------------------------------------
    // Risk

    /// @notice lending.compute_collateral_factor: lowered by volatility, floor-bounded.
    function computeCollateralFactor(L2State.MarketConfig memory _config, uint256 _volatility)
        internal
        pure
        returns (uint256)
    {
        return _lowered(
            _config.collateralFactor,
            FPM.wadMulUp(_config.volatilitySensitivity, _volatility),
            _config.collateralFactorFloor
        );
    }

    /// @notice lending.compute_liquidation_threshold: lowered by volatility, floor-bounded.
    function computeLiquidationThreshold(L2State.MarketConfig memory _config, uint256 _volatility)
        internal
        pure
        returns (uint256)
    {
        return _lowered(
            _config.liquidationThreshold,
            FPM.wadMulUp(_config.volatilitySensitivity, _volatility),
            _config.liquidationThresholdFloor
        );
    }

    /// @notice lending.compute_max_leverage: 1 / (1 - CF) in WAD.
    function computeMaxLeverage(uint256 _collateralFactor) internal pure returns (uint256) {
        require(_collateralFactor < WAD, "collateral factor must be below 1");
        return FPM.wadDivDown(WAD, WAD - _collateralFactor);
    }

    /// @notice lending.get_price: the oracle report; reverts without a price, or (if
    ///         `_requireFresh`) when it is older than the System leaf's price_max_age.
    function getPrice(L2State.Db memory _db, Env memory _env, address _asset, bool _requireFresh)
        internal
        pure
        returns (L2State.Price memory price_)
    {
        price_ = L2State.getPrice(_db, _asset);
        require(price_.price > 0, "no price for asset");
        if (_requireFresh) {
            uint256 maxAge = L2State.getSystem(_db).priceMaxAge;
            // timestamp <= updated_at + max_age, without bound as in Python.
            require(
                _env.timestamp <= price_.updatedAt || _env.timestamp - price_.updatedAt <= maxAge,
                "stale price"
            );
        }
    }

    /// @notice lending.get_decimals_unit: 10**decimals of the asset's token leaf (registered or
    ///         not). Market assets are genesis tokens, whose decimals are at most 36.
    function getDecimalsUnit(L2State.Db memory _db, address _asset)
        internal
        pure
        returns (uint256)
    {
        return 10 ** L2State.getToken(_db, _asset).decimals;
    }

    // ------------------------------------------------------------------------------------------
    // Entered markets (LendingAccount leaf)

    /// @notice lending.enter_market: records `_asset` in the account's first free slot.
    function enterMarket(L2State.Db memory _db, address _account, address _asset) internal pure {
        uint256[] memory slots = L2State.getLendingAccount(_db, _account);
        uint256 word = uint256(uint160(_asset));
        for (uint256 i = 0; i < slots.length; i++) {
            if (slots[i] == word) return;
        }
        for (uint256 i = 0; i < slots.length; i++) {
            if (slots[i] == 0) {
                slots[i] = word;
                L2State.setLendingAccount(_db, _account, slots);
                return;
            }
        }
        revert("too many markets entered");
    }

    /// @notice lending.exit_market_if_empty: frees the slot once the position is empty.
    function exitMarketIfEmpty(L2State.Db memory _db, address _account, address _asset)
        internal
        pure
    {
        L2State.Position memory position = L2State.getPosition(_db, _account, _asset);
        if (position.supplyScaled != 0 || position.borrowScaled != 0) return;
        uint256[] memory slots = L2State.getLendingAccount(_db, _account);
        uint256 word = uint256(uint160(_asset));
        for (uint256 i = 0; i < slots.length; i++) {
            if (slots[i] == word) slots[i] = 0;
        }
        L2State.setLendingAccount(_db, _account, slots);
    }

    // ------------------------------------------------------------------------------------------
    // Valuation

    /// @notice lending.compute_account_data: every entered market valued at accrued indexes and
    ///         oracle prices, and the health factor (which may overflow, as in Python, on every
    ///         path that values an account).
    function computeAccountData(
        L2State.Db memory _db,
        Env memory _env,
        address _account,
        bool _requireFresh
    ) internal pure returns (AccountData memory data_) {
        uint256[] memory slots = L2State.getLendingAccount(_db, _account);
        for (uint256 i = 0; i < slots.length; i++) {
            if (slots[i] == 0) continue;
            _valueMarket(_db, _env, _account, address(uint160(slots[i])), _requireFresh, data_);
        }
        data_.healthFactor = computeHealthFactor(data_);
    }

    /// @notice The health factor of AccountData: liquidation_limit / debt_value (WAD), 2**256-1
    ///         without debt. Reverts where Python's wad_div_down overflows.
    function computeHealthFactor(AccountData memory _data) internal pure returns (uint256) {
        if (_data.debtHi == 0 && _data.debtValue == 0) return UINT256_MAX;
        // mul_div_down(limit, WAD, debt): the product must fit in uint256.
        require(_data.liquidationLimitHi == 0, "arithmetic overflow");
        uint256 product = _data.liquidationLimit * WAD;
        if (_data.debtHi != 0) return 0; // a debt of 2**256 or more exceeds any product
        return product / _data.debtValue;
    }

    /// @notice lending.has_debt: whether any entered market holds a debt (stops at the first).
    function hasDebt(L2State.Db memory _db, address _account) internal pure returns (bool) {
        uint256[] memory slots = L2State.getLendingAccount(_db, _account);
        for (uint256 i = 0; i < slots.length; i++) {
            if (slots[i] == 0) continue;
            address asset = address(uint160(slots[i]));
            if (L2State.getPosition(_db, _account, asset).borrowScaled > 0) return true;
        }
        return false;
    }

    /// @notice lending.require_within_borrow_limit (fresh prices).
    function requireWithinBorrowLimit(
        L2State.Db memory _db,
        Env memory _env,
        address _account,
        string memory _reason
    ) internal pure {
        AccountData memory data = computeAccountData(_db, _env, _account, true);
        bool within = data.debtHi < data.borrowLimitHi
            || (data.debtHi == data.borrowLimitHi && data.debtValue <= data.borrowLimit);
        require(within, _reason);
    }

    /// @notice lending.get_cash: tokens the lending contract holds for a market.
    function getCash(L2State.Db memory _db, address _asset) internal pure returns (uint256) {
        return L2State.getBalance(_db, _asset, LENDING);
    }

    // ------------------------------------------------------------------------------------------
    // Position changes

    /// @notice lending.credit_supply: adds `_amount` (already held by the lending contract) to the
    ///         account's supply; returns the scaled amount.
    function creditSupply(
        L2State.Db memory _db,
        Env memory _env,
        address _account,
        address _asset,
        uint256 _amount
    ) internal pure returns (uint256 scaled_) {
        (L2State.Market memory market,) = accrueInterest(_db, _env, _asset);
        scaled_ = FPM.rayDivDown(_amount, market.supplyIndex);
        require(scaled_ > 0, "supply amount too small");
        L2State.Position memory position = L2State.getPosition(_db, _account, _asset);
        position.supplyScaled += scaled_;
        L2State.setPosition(_db, _account, _asset, position);
        market.totalSupplyScaled += scaled_;
        L2State.setMarket(_db, _asset, market);
        enterMarket(_db, _account, _asset);
    }

    /// @notice lending.debit_supply: removes supply worth `_amount` (2**256-1: all of it);
    ///         returns the amount.
    function debitSupply(
        L2State.Db memory _db,
        Env memory _env,
        address _account,
        address _asset,
        uint256 _amount
    ) internal pure returns (uint256) {
        (L2State.Market memory market,) = accrueInterest(_db, _env, _asset);
        L2State.Position memory position = L2State.getPosition(_db, _account, _asset);
        uint256 balance = FPM.rayMulDown(position.supplyScaled, market.supplyIndex);
        if (_amount == UINT256_MAX) _amount = balance;
        require(_amount > 0, "nothing to withdraw");
        require(_amount <= balance, "withdraw amount exceeds supply");
        uint256 scaled =
            _amount == balance ? position.supplyScaled : FPM.rayDivUp(_amount, market.supplyIndex);
        if (scaled > position.supplyScaled) scaled = position.supplyScaled;
        require(_amount <= getCash(_db, _asset), "insufficient liquidity in market");
        position.supplyScaled -= scaled;
        L2State.setPosition(_db, _account, _asset, position);
        market.totalSupplyScaled -= scaled;
        L2State.setMarket(_db, _asset, market);
        exitMarketIfEmpty(_db, _account, _asset);
        return _amount;
    }

    /// @notice lending.add_debt: records a new borrow of `_amount` (paid out by the caller).
    function addDebt(
        L2State.Db memory _db,
        Env memory _env,
        address _account,
        address _asset,
        uint256 _amount
    ) internal pure {
        (L2State.Market memory market,) = accrueInterest(_db, _env, _asset);
        require(_amount > 0, "borrow amount is zero");
        require(_amount <= getCash(_db, _asset), "insufficient liquidity in market");
        uint256 scaled = FPM.rayDivUp(_amount, market.borrowIndex);
        L2State.Position memory position = L2State.getPosition(_db, _account, _asset);
        position.borrowScaled += scaled;
        L2State.setPosition(_db, _account, _asset, position);
        market.totalBorrowScaled += scaled;
        L2State.setMarket(_db, _asset, market);
        enterMarket(_db, _account, _asset);
    }

    /// @notice lending.get_debt: the account's debt in `_asset`, accrued, rounded up.
    function getDebt(L2State.Db memory _db, Env memory _env, address _account, address _asset)
        internal
        pure
        returns (uint256)
    {
        (L2State.Market memory market,) = viewMarket(_db, _env, _asset);
        L2State.Position memory position = L2State.getPosition(_db, _account, _asset);
        return FPM.rayMulUp(position.borrowScaled, market.borrowIndex);
    }

    /// @notice lending.reduce_debt: cancels up to `_amount` of debt (2**256-1: all); returns
    ///         what was cancelled.
    function reduceDebt(
        L2State.Db memory _db,
        Env memory _env,
        address _account,
        address _asset,
        uint256 _amount
    ) internal pure returns (uint256) {
        (L2State.Market memory market,) = accrueInterest(_db, _env, _asset);
        L2State.Position memory position = L2State.getPosition(_db, _account, _asset);
        uint256 debt = FPM.rayMulUp(position.borrowScaled, market.borrowIndex);
        require(debt > 0, "no debt to repay");
        uint256 scaled;
        if (_amount >= debt) {
            _amount = debt;
            scaled = position.borrowScaled;
        } else {
            scaled = FPM.rayDivDown(_amount, market.borrowIndex);
            if (scaled > position.borrowScaled) scaled = position.borrowScaled;
        }
        require(_amount > 0, "repay amount is zero");
        position.borrowScaled -= scaled;
        L2State.setPosition(_db, _account, _asset, position);
        market.totalBorrowScaled -= scaled;
        L2State.setMarket(_db, _asset, market);
        exitMarketIfEmpty(_db, _account, _asset);
        return _amount;
    }

    // ------------------------------------------------------------------------------------------
    // Internals

    /// @dev A risk factor lowered by a penalty, never below its floor.
    function _lowered(uint256 _factor, uint256 _penalty, uint256 _floor)
        private
        pure
        returns (uint256)
    {
        if (_factor <= _penalty) return _floor;
        uint256 lowered = _factor - _penalty;
        return lowered > _floor ? lowered : _floor;
    }

    /// @dev Adds one market of the account to `_data` (the loop body of compute_account_data).
    function _valueMarket(
        L2State.Db memory _db,
        Env memory _env,
        address _account,
        address _asset,
        bool _requireFresh,
        AccountData memory _data
    ) private pure {
        (L2State.Market memory market, L2State.MarketConfig memory config) =
            viewMarket(_db, _env, _asset);
        L2State.Position memory position = L2State.getPosition(_db, _account, _asset);
        L2State.Price memory price = getPrice(_db, _env, _asset, _requireFresh);
        uint256 unit = getDecimalsUnit(_db, _asset);
        if (position.supplyScaled != 0) {
            uint256 supplied = FPM.rayMulDown(position.supplyScaled, market.supplyIndex);
            uint256 value = FPM.mulDivDown(supplied, price.price, unit);
            (_data.collateralHi, _data.collateralValue) =
                _addWide(_data.collateralHi, _data.collateralValue, value);
            uint256 limit = FPM.wadMulDown(value, computeCollateralFactor(config, price.volatility));
            (_data.borrowLimitHi, _data.borrowLimit) =
                _addWide(_data.borrowLimitHi, _data.borrowLimit, limit);
            limit = FPM.wadMulDown(value, computeLiquidationThreshold(config, price.volatility));
            (_data.liquidationLimitHi, _data.liquidationLimit) =
                _addWide(_data.liquidationLimitHi, _data.liquidationLimit, limit);
        }
        if (position.borrowScaled != 0) {
            uint256 borrowed = FPM.rayMulUp(position.borrowScaled, market.borrowIndex);
            uint256 value = FPM.mulDivUp(borrowed, price.price, unit);
            (_data.debtHi, _data.debtValue) = _addWide(_data.debtHi, _data.debtValue, value);
        }
    }

    /// @dev (hi, lo) + x, exact: the unbounded sum as two words.
    function _addWide(uint256 _hi, uint256 _lo, uint256 _x)
        private
        pure
        returns (uint256 hi_, uint256 lo_)
    {
        unchecked {
            lo_ = _lo + _x;
            hi_ = lo_ < _lo ? _hi + 1 : _hi;
        }
    }

    /// @dev `_a - _b` where Python subtracts plain integers and passes the result to a checked
    ///      product: a negative result reverts there unless the product is zero. Callers only use
    ///      it where the genesis rules keep `_b <= _a` (reserve factor < 1, reserve share <=
    ///      interest), so the checked subtraction is equivalent.
    function _minus(uint256 _a, uint256 _b) private pure returns (uint256) {
        return _a - _b;
    }
}

/// @title LendingOps
/// @notice The public functions of rollup/system/lending.py (supply, withdraw, borrow, repay,
///         liquidate) and its views, on top of LendingLib.
library LendingOps {
    address internal constant LENDING = LendingLib.LENDING;
    uint256 internal constant WAD = 1e18;

    /// @notice What a liquidation works with (locals of lending.liquidate).
    struct Liquidation {
        address borrower;
        address debtAsset;
        address collateralAsset;
        uint256 repaid;
        uint256 seized;
        uint256 debtPrice;
        uint256 debtUnit;
        uint256 collateralPrice;
        uint256 collateralUnit;
        uint256 bonus;
        uint256 closeFactor;
        uint256 debt;
        uint256 collateral;
    }

    /// @notice lending.supply.
    function supply(
        L2State.Db memory _db,
        Env memory _env,
        address _sender,
        address _asset,
        uint256 _amount
    ) internal pure {
        LendingLib.getMarketConfig(_db, _asset);
        require(_amount > 0, "supply amount is zero");
        TokenLib.spendAllowance(_db, _asset, _sender, LENDING, _amount);
        TokenLib.moveTokens(_db, _asset, _sender, LENDING, _amount);
        LendingLib.creditSupply(_db, _env, _sender, _asset, _amount);
    }

    /// @notice lending.withdraw.
    function withdraw(
        L2State.Db memory _db,
        Env memory _env,
        address _sender,
        address _asset,
        uint256 _amount
    ) internal pure returns (uint256 withdrawn_) {
        withdrawn_ = LendingLib.debitSupply(_db, _env, _sender, _asset, _amount);
        if (LendingLib.hasDebt(_db, _sender)) {
            LendingLib.requireWithinBorrowLimit(
                _db, _env, _sender, "withdrawal would exceed borrow limit"
            );
        }
        TokenLib.moveTokens(_db, _asset, LENDING, _sender, withdrawn_);
    }

    /// @notice lending.borrow.
    function borrow(
        L2State.Db memory _db,
        Env memory _env,
        address _sender,
        address _asset,
        uint256 _amount
    ) internal pure {
        LendingLib.addDebt(_db, _env, _sender, _asset, _amount);
        LendingLib.requireWithinBorrowLimit(_db, _env, _sender, "borrow exceeds borrow limit");
        TokenLib.moveTokens(_db, _asset, LENDING, _sender, _amount);
    }

    /// @notice lending.repay.
    function repay(
        L2State.Db memory _db,
        Env memory _env,
        address _sender,
        address _asset,
        uint256 _amount
    ) internal pure returns (uint256 repaid_) {
        repaid_ = LendingLib.reduceDebt(_db, _env, _sender, _asset, _amount);
        TokenLib.spendAllowance(_db, _asset, _sender, LENDING, repaid_);
        TokenLib.moveTokens(_db, _asset, _sender, LENDING, repaid_);
    }

    /// @notice lending.compute_seized_collateral: collateral worth `repaid` plus the bonus.
    function computeSeizedCollateral(Liquidation memory _l) internal pure returns (uint256) {
        uint256 repaidValue = FPM.mulDivDown(_l.repaid, _l.debtPrice, _l.debtUnit);
        return FPM.mulDivDown(
            FPM.wadMulDown(repaidValue, WAD + _l.bonus), _l.collateralUnit, _l.collateralPrice
        );
    }

    /// @notice lending.compute_repay_for_collateral: debt to repay to take `seized`, rounded up.
    function computeRepayForCollateral(Liquidation memory _l) internal pure returns (uint256) {
        uint256 seizedValue = FPM.mulDivUp(_l.seized, _l.collateralPrice, _l.collateralUnit);
        return FPM.mulDivUp(FPM.wadDivUp(seizedValue, WAD + _l.bonus), _l.debtUnit, _l.debtPrice);
    }

    /// @notice lending.liquidate: repays part of an unhealthy borrower's debt and takes its
    ///         collateral plus the bonus. Returns (repaid, seized).
    function liquidate(
        L2State.Db memory _db,
        Env memory _env,
        address _sender,
        Liquidation memory _l,
        uint256 _repayAmount
    ) internal pure returns (uint256, uint256) {
        require(_l.borrower != _sender, "cannot liquidate yourself");
        _checkLiquidatable(_db, _env, _l);
        _computeLiquidationAmounts(_db, _env, _l, _repayAmount);
        LendingLib.reduceDebt(_db, _env, _l.borrower, _l.debtAsset, _l.repaid);
        TokenLib.spendAllowance(_db, _l.debtAsset, _sender, LENDING, _l.repaid);
        TokenLib.moveTokens(_db, _l.debtAsset, _sender, LENDING, _l.repaid);
        LendingLib.debitSupply(_db, _env, _l.borrower, _l.collateralAsset, _l.seized);
        TokenLib.moveTokens(_db, _l.collateralAsset, LENDING, _sender, _l.seized);
        return (_l.repaid, _l.seized);
    }

    /// @dev The first part of lending.liquidate: accrue both markets, require a health factor
    ///      below 1, a debt and a collateral.
    function _checkLiquidatable(L2State.Db memory _db, Env memory _env, Liquidation memory _l)
        private
        pure
    {
        (L2State.Market memory debtMarket, L2State.MarketConfig memory debtConfig) =
            LendingLib.accrueInterest(_db, _env, _l.debtAsset);
        _l.closeFactor = debtConfig.closeFactor;
        (L2State.Market memory collateralMarket, L2State.MarketConfig memory collateralConfig) =
            LendingLib.accrueInterest(_db, _env, _l.collateralAsset);
        _l.bonus = collateralConfig.liquidationBonus;
        require(
            LendingLib.computeAccountData(_db, _env, _l.borrower, true).healthFactor < WAD,
            "health factor is not below 1"
        );
        _l.debt = FPM.rayMulUp(
            L2State.getPosition(_db, _l.borrower, _l.debtAsset).borrowScaled, debtMarket.borrowIndex
        );
        require(_l.debt > 0, "borrower has no such debt");
        _l.collateral = FPM.rayMulDown(
            L2State.getPosition(_db, _l.borrower, _l.collateralAsset).supplyScaled,
            collateralMarket.supplyIndex
        );
        require(_l.collateral > 0, "borrower has no such collateral");
    }

    /// @dev The second part of lending.liquidate: the close factor, prices and the bonus give
    ///      what is repaid and seized.
    function _computeLiquidationAmounts(
        L2State.Db memory _db,
        Env memory _env,
        Liquidation memory _l,
        uint256 _repayAmount
    ) private pure {
        uint256 closeLimit = FPM.wadMulDown(_l.debt, _l.closeFactor);
        _l.repaid = _repayAmount < closeLimit ? _repayAmount : closeLimit;
        require(_l.repaid > 0, "repay amount is zero");
        _l.debtPrice = LendingLib.getPrice(_db, _env, _l.debtAsset, true).price;
        _l.collateralPrice = LendingLib.getPrice(_db, _env, _l.collateralAsset, true).price;
        _l.debtUnit = LendingLib.getDecimalsUnit(_db, _l.debtAsset);
        _l.collateralUnit = LendingLib.getDecimalsUnit(_db, _l.collateralAsset);
        _l.seized = computeSeizedCollateral(_l);
        if (_l.seized > _l.collateral) {
            _l.seized = _l.collateral;
            uint256 needed = computeRepayForCollateral(_l);
            if (needed < _l.repaid) _l.repaid = needed;
        }
        require(_l.seized > 0, "nothing to seize");
    }

    // ------------------------------------------------------------------------------------------
    // Views (they change nothing, but fail exactly when Python's do)

    /// @notice The getAccountData view: compute_account_data without freshness.
    function getAccountData(L2State.Db memory _db, Env memory _env, address _account)
        internal
        pure
        returns (LendingLib.AccountData memory data_)
    {
        data_ = LendingLib.computeAccountData(_db, _env, _account, false);
    }

    /// @notice lending.get_position: (supplied, borrowed) at accrued indexes.
    function getPosition(L2State.Db memory _db, Env memory _env, address _account, address _asset)
        internal
        pure
        returns (uint256 supplied_, uint256 borrowed_)
    {
        (L2State.Market memory market,) = LendingLib.viewMarket(_db, _env, _asset);
        L2State.Position memory position = L2State.getPosition(_db, _account, _asset);
        supplied_ = FPM.rayMulDown(position.supplyScaled, market.supplyIndex);
        borrowed_ = FPM.rayMulUp(position.borrowScaled, market.borrowIndex);
    }

    /// @notice lending.get_market_summary: (utilization, borrow rate, supply rate); the other
    ///         outputs are read without failing.
    function getMarketSummary(L2State.Db memory _db, Env memory _env, address _asset)
        internal
        pure
        returns (uint256 utilization_, uint256 borrowRate_, uint256 supplyRate_)
    {
        (L2State.Market memory market, L2State.MarketConfig memory config) =
            LendingLib.viewMarket(_db, _env, _asset);
        uint256 supplied = LendingLib.computeTotalSupplied(market);
        uint256 borrowed = LendingLib.computeTotalBorrowed(market);
        utilization_ = LendingLib.computeUtilization(supplied, borrowed);
        borrowRate_ = LendingLib.computeBorrowRate(config, utilization_);
        supplyRate_ = LendingLib.computeSupplyRate(config, utilization_, borrowRate_);
    }

    /// @notice lending.get_risk_parameters: (collateral factor, liquidation threshold).
    function getRiskParameters(L2State.Db memory _db, address _asset)
        internal
        pure
        returns (uint256 collateralFactor_, uint256 liquidationThreshold_)
    {
        L2State.MarketConfig memory config = LendingLib.getMarketConfig(_db, _asset);
        uint256 volatility = L2State.getPrice(_db, _asset).volatility;
        collateralFactor_ = LendingLib.computeCollateralFactor(config, volatility);
        liquidationThreshold_ = LendingLib.computeLiquidationThreshold(config, volatility);
    }
}
