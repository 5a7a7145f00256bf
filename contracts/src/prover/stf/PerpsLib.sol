// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {L2State} from "../L2State.sol";
import {Env} from "./StfTypes.sol";
import {TokenLib} from "./TokenLib.sol";
import {FixedPointMath as FPM} from "../../libraries/FixedPointMath.sol";

/// @notice A log as rollup.system.context.CallContext.emit records it.
struct Log {
    address emitter;
    bytes32[] topics;
    bytes data;
}

/// @notice What a perps call returns besides the state: its ABI-encoded return data and its logs
///         (rollup.execution.CallResult.output and .logs). The prover ignores both (logs are not
///         part of the step machine); the vectors compare them with Python's.
struct Output {
    bytes returnData;
    Log[] logs;
    uint256 logCount;
}

/// @title PerpsMath
/// @notice rollup.fixedpoint's signed helpers: int256 checked arithmetic (Solidity 0.8's checked
///         int256 operators are Python's signed_add / signed_sub / signed_mul), and multiply-divide
///         with explicit floor (toward −∞) and ceiling (toward +∞): Solidity's `/` truncates.
///         Overflow is Panic(0x11) and a zero denominator Panic(0x12), which PerpsModule.run turns
///         into Python's reasons "arithmetic overflow" and "division by zero".
library PerpsMath {
    /// @notice rollup.fixedpoint.to_int (SafeCast.toInt256).
    function toInt(uint256 _x) internal pure returns (int256) {
        if (_x > uint256(type(int256).max)) _panic(0x11);
        return int256(_x);
    }

    /// @notice |x| as uint256 (|int256.min| = 2**255 fits).
    function abs(int256 _x) internal pure returns (uint256) {
        unchecked {
            return _x >= 0 ? uint256(_x) : uint256(-(_x + 1)) + 1;
        }
    }

    /// @notice signed_mul_div_floor(a, b, d): floor(a * b / d), the product checked against int256.
    function mulDivFloor(int256 _a, int256 _b, uint256 _d) internal pure returns (int256) {
        if (_d == 0) _panic(0x12);
        int256 product = _a * _b;
        if (product >= 0) return int256(uint256(product) / _d);
        uint256 magnitude = abs(product);
        uint256 quotient = magnitude / _d;
        if (quotient * _d != magnitude) quotient += 1;
        unchecked {
            return int256(0 - quotient); // quotient <= 2**255: its negation is an int256
        }
    }

    /// @notice signed_mul_div_ceil(a, b, d): ceil(a * b / d), the product checked against int256.
    function mulDivCeil(int256 _a, int256 _b, uint256 _d) internal pure returns (int256) {
        if (_d == 0) _panic(0x12);
        int256 product = _a * _b;
        if (product >= 0) {
            uint256 p = uint256(product);
            uint256 q = p / _d;
            if (q * _d != p) q += 1;
            return int256(q);
        }
        unchecked {
            return int256(0 - abs(product) / _d);
        }
    }

    function _panic(uint256 _code) private pure {
        assembly ("memory-safe") {
            mstore(0x00, 0x4e487b71)
            mstore(0x20, _code)
            revert(0x1c, 0x24)
        }
    }
}

/// @title PerpsLib
/// @notice The perpetual futures of rollup/system/perps.py (normative text docs/PERPETUALS.md) on
///         a one-step proof's state: the same checks in the same order, the same rounding, the
///         same leaves read (never one Python did not read before it reverts) and written, the
///         same return data and logs. Every Python Revert / ArithmeticOverflow /
///         ZeroDivisionError is a revert here.
library PerpsLib {
    using PerpsMath for int256;
    using PerpsMath for uint256;

    /// @notice The perps system contract (rollup.addresses.PERPS), which holds every margin.
    address internal constant PERPS = 0x4200000000000000000000000000000000000500;
    uint256 internal constant WAD = 1e18;
    int256 internal constant IWAD = 1e18;
    uint256 internal constant DAY = 86_400;
    uint256 internal constant UINT256_MAX = type(uint256).max;

    bytes32 internal constant TRANSFER_TOPIC = keccak256("Transfer(address,address,uint256)");
    bytes32 internal constant MARGIN_DEPOSITED_TOPIC =
        keccak256("MarginDeposited(address,address,uint256)");
    bytes32 internal constant MARGIN_WITHDRAWN_TOPIC =
        keccak256("MarginWithdrawn(address,address,uint256)");
    bytes32 internal constant POSITION_MODIFIED_TOPIC =
        keccak256("PositionModified(address,address,int256,int256,uint256,uint256,int256)");
    bytes32 internal constant POSITION_LIQUIDATED_TOPIC = keccak256(
        "PositionLiquidated(address,address,address,int256,uint256,uint256,uint256,uint256,uint256)"
    );

    /// @notice perps.PositionValues (USD WAD).
    struct Values {
        int256 pnl;
        int256 funding;
        int256 badDebt;
        int256 equity;
    }

    /// @notice perps.Requirements (USD WAD).
    struct Requirements {
        uint256 initialMargin;
        uint256 maintenanceMargin;
        uint256 keeperReward;
    }

    /// @notice What every trade reads: the call's block, the asset, its configuration and price.
    struct Ctx {
        uint256 number;
        uint256 timestamp;
        address sender;
        address asset;
        L2State.PerpsMarketConfig config;
        uint256 price;
        uint256 volatility;
        uint256 scale;
    }

    /// @notice A trade's intermediate values (execute_order's locals).
    struct Order {
        int256 size;
        int256 delta;
        int256 newSize;
        int256 skew;
        uint256 fill;
        uint256 fee;
        int256 realized;
        int256 margin;
        uint256 longOi;
        uint256 shortOi;
    }

    // ------------------------------------------------------------------------------------------
    // Leaves

    function getMarketConfig(L2State.Db memory _db, address _asset)
        internal
        pure
        returns (L2State.PerpsMarketConfig memory config_)
    {
        config_ = L2State.getPerpsMarketConfig(_db, _asset);
        require(config_.listed == 1, "perps market not listed");
    }

    function marginToken(L2State.PerpsMarketConfig memory _config) internal pure returns (address) {
        return address(uint160(_config.marginToken));
    }

    /// @notice perps.get_margin_scale: 10**(18 - decimals).
    function marginScale(L2State.Db memory _db, L2State.PerpsMarketConfig memory _config)
        internal
        pure
        returns (uint256)
    {
        uint256 decimals = L2State.getToken(_db, marginToken(_config)).decimals;
        return 10 ** (18 - decimals);
    }

    /// @notice perps.get_price into `_c` (price and volatility).
    function loadPrice(L2State.Db memory _db, Ctx memory _c, bool _requireFresh) internal pure {
        L2State.Price memory report = L2State.getPrice(_db, _c.asset);
        require(report.price > 0, "no price for asset");
        if (_requireFresh) {
            uint256 maxAge = L2State.getSystem(_db).priceMaxAge;
            // timestamp <= updated_at + max_age, without bound as in Python.
            require(
                _c.timestamp <= report.updatedAt || _c.timestamp - report.updatedAt <= maxAge,
                "stale price"
            );
        }
        _c.price = report.price;
        _c.volatility = report.volatility;
    }

    /// @notice perps.require_market_liquidity: a payout never exceeds the contract's balance.
    function requireMarketLiquidity(
        L2State.Db memory _db,
        L2State.PerpsMarketConfig memory _config,
        uint256 _amount
    ) internal pure {
        uint256 held = L2State.getBalance(_db, marginToken(_config), PERPS);
        require(_amount <= held, "insufficient market liquidity");
    }

    // ------------------------------------------------------------------------------------------
    // Funding

    function computeFundingVelocity(int256 _skew, L2State.PerpsMarketConfig memory _config)
        internal
        pure
        returns (int256)
    {
        int256 proportional = _skew.mulDivFloor(IWAD, _config.skewScale);
        if (proportional > IWAD) proportional = IWAD;
        if (proportional < -IWAD) proportional = -IWAD;
        return proportional.mulDivFloor(_config.maxFundingVelocity.toInt(), WAD);
    }

    /// @notice perps.compute_accrued_market, in place. Timestamps are below 2**64 in the machine,
    ///         so the elapsed time is a valid int256.
    function accrue(
        L2State.PerpsMarket memory _market,
        L2State.PerpsMarketConfig memory _config,
        uint256 _price,
        uint256 _now
    ) internal pure {
        if (_now <= _market.lastFundingTime) return;
        int256 elapsed = int256(_now - _market.lastFundingTime);
        int256 lastRate = _market.fundingRate;
        int256 velocity = computeFundingVelocity(_market.skew, _config);
        int256 rate = lastRate + velocity.mulDivFloor(elapsed, DAY);
        int256 meanRateTimesTwo = lastRate + rate;
        int256 delta = ((0 - meanRateTimesTwo) * elapsed).mulDivFloor(_price.toInt(), 2 * DAY * WAD);
        _market.fundingRate = rate;
        _market.fundingIndex = _market.fundingIndex + delta;
        _market.lastFundingTime = _now;
    }

    /// @notice perps.accrue_funding: the market leaf with funding accrued to the block (unwritten).
    function accrueFunding(L2State.Db memory _db, Ctx memory _c)
        internal
        pure
        returns (L2State.PerpsMarket memory market_)
    {
        market_ = L2State.getPerpsMarket(_db, _c.asset);
        accrue(market_, _c.config, _c.price, _c.timestamp);
    }

    // ------------------------------------------------------------------------------------------
    // Fill price and fees

    function computeFillPrice(
        int256 _skew,
        int256 _delta,
        uint256 _price,
        L2State.PerpsMarketConfig memory _config
    ) internal pure returns (uint256) {
        int256 numerator = 2 * _skew + _delta;
        uint256 denominator = 2 * _config.skewScale;
        int256 premium = _delta > 0
            ? _price.toInt().mulDivCeil(numerator, denominator)
            : _price.toInt().mulDivFloor(numerator, denominator);
        int256 fill = _price.toInt() + premium;
        require(fill > 0, "fill price out of range");
        return uint256(fill);
    }

    function splitMakerTaker(int256 _skew, int256 _delta)
        internal
        pure
        returns (uint256 maker_, uint256 taker_)
    {
        uint256 size = _delta.abs();
        if (_skew == 0 || (_skew > 0) == (_delta > 0)) return (0, size);
        uint256 skewSize = _skew.abs();
        if (size <= skewSize) return (size, 0);
        return (skewSize, size - skewSize);
    }

    function computeOrderFee(
        int256 _skew,
        int256 _delta,
        uint256 _fill,
        L2State.PerpsMarketConfig memory _config
    ) internal pure returns (uint256) {
        (uint256 maker, uint256 taker) = splitMakerTaker(_skew, _delta);
        uint256 makerPart = maker * _config.makerFee;
        uint256 weighted = makerPart + taker * _config.takerFee;
        return FPM.mulDivUp(weighted, _fill, WAD * WAD);
    }

    // ------------------------------------------------------------------------------------------
    // Margin

    function computeInitialMarginRatio(
        L2State.PerpsMarketConfig memory _config,
        int256 _size,
        uint256 _volatility
    ) internal pure returns (uint256) {
        uint256 slope = FPM.mulDivUp(_size.abs(), _config.initialMarginSlope, _config.skewScale);
        uint256 ratio = _config.minInitialMarginRatio + slope;
        uint256 volatilityPart = FPM.mulDivUp(_config.volatilitySensitivity, _volatility, WAD);
        ratio = ratio + volatilityPart;
        return ratio < WAD ? ratio : WAD;
    }

    function computeMaintenanceMarginRatio(
        L2State.PerpsMarketConfig memory _config,
        uint256 _initialRatio
    ) internal pure returns (uint256) {
        return FPM.mulDivUp(_initialRatio, _config.maintenanceMarginScalar, WAD);
    }

    function computeKeeperReward(
        L2State.PerpsMarketConfig memory _config,
        int256 _size,
        uint256 _price,
        uint256 _scale
    ) internal pure returns (uint256) {
        uint256 notional = FPM.mulDivDown(_size.abs(), _price, WAD);
        uint256 reward = FPM.mulDivDown(notional, _config.keeperRewardRatio, WAD);
        if (reward < _config.keeperRewardMin) reward = _config.keeperRewardMin;
        if (reward > _config.keeperRewardMax) reward = _config.keeperRewardMax;
        return reward - reward % _scale;
    }

    function computeRequirements(Ctx memory _c, int256 _size)
        internal
        pure
        returns (Requirements memory r_)
    {
        if (_size == 0) return r_;
        uint256 notional = FPM.mulDivUp(_size.abs(), _c.price, WAD);
        uint256 initialRatio = computeInitialMarginRatio(_c.config, _size, _c.volatility);
        uint256 maintenanceRatio = computeMaintenanceMarginRatio(_c.config, initialRatio);
        r_.initialMargin = FPM.mulDivUp(notional, initialRatio, WAD) + _c.config.minMargin;
        r_.maintenanceMargin = FPM.mulDivUp(notional, maintenanceRatio, WAD) + _c.config.minMargin;
        r_.keeperReward = computeKeeperReward(_c.config, _size, _c.price, _c.scale);
    }

    function sideBadDebtIndex(L2State.PerpsMarket memory _market, int256 _size)
        internal
        pure
        returns (uint256)
    {
        if (_size > 0) return _market.longBadDebtIndex;
        if (_size < 0) return _market.shortBadDebtIndex;
        return 0;
    }

    function computePnl(int256 _size, uint256 _entry, uint256 _price)
        internal
        pure
        returns (int256)
    {
        return _size.mulDivFloor(_price.toInt() - _entry.toInt(), WAD);
    }

    function computePositionValues(
        L2State.PerpsPosition memory _position,
        L2State.PerpsMarket memory _market,
        uint256 _price
    ) internal pure returns (Values memory v_) {
        int256 size = _position.size;
        int256 margin = _position.margin.toInt();
        if (size == 0) {
            v_.equity = margin;
            return v_;
        }
        v_.pnl = computePnl(size, _position.entryPrice, _price);
        v_.funding = size.mulDivFloor(_market.fundingIndex - _position.fundingIndex, WAD);
        uint256 indexGrowth = sideBadDebtIndex(_market, size) - _position.badDebtIndex;
        v_.badDebt = FPM.mulDivUp(size.abs(), indexGrowth, WAD).toInt();
        v_.equity = margin + v_.pnl + v_.funding - v_.badDebt;
    }

    /// @notice equity < maintenance + reward (an unbounded comparison in Python).
    function isLiquidatable(Values memory _values, Requirements memory _r)
        internal
        pure
        returns (bool)
    {
        uint256 threshold = _r.maintenanceMargin + _r.keeperReward;
        return _values.equity < 0 || uint256(_values.equity) < threshold;
    }

    function computeOpenInterest(L2State.PerpsMarket memory _market, int256 _old, int256 _new)
        internal
        pure
        returns (uint256 long_, uint256 short_)
    {
        long_ = _market.longOpenInterest - (_old > 0 ? uint256(_old) : 0);
        long_ = long_ + (_new > 0 ? uint256(_new) : 0);
        short_ = _market.shortOpenInterest - (_old < 0 ? _old.abs() : 0);
        short_ = short_ + (_new < 0 ? _new.abs() : 0);
    }

    function computeDrainedBucket(
        L2State.PerpsMarket memory _market,
        L2State.PerpsMarketConfig memory _config,
        uint256 _number
    ) internal pure returns (uint256) {
        if (_number <= _market.liquidationBlock) {
            return _market.liquidationBucket;
        }
        uint256 drained = (_number - _market.liquidationBlock) * _config.liquidationCapacity;
        return _market.liquidationBucket > drained ? _market.liquidationBucket - drained : 0;
    }

    // ------------------------------------------------------------------------------------------
    // Logs and token movements

    function emitLog(
        Output memory _out,
        address _emitter,
        bytes32[] memory _topics,
        bytes memory _data
    ) internal pure {
        if (_out.logCount == _out.logs.length) {
            Log[] memory grown = new Log[](_out.logs.length + 4);
            for (uint256 i = 0; i < _out.logCount; i++) {
                grown[i] = _out.logs[i];
            }
            _out.logs = grown;
        }
        _out.logs[_out.logCount++] = Log(_emitter, _topics, _data);
    }

    function _addressTopics(bytes32 _a, address _b, address _c)
        private
        pure
        returns (bytes32[] memory t_)
    {
        t_ = new bytes32[](3);
        t_[0] = _a;
        t_[1] = bytes32(uint256(uint160(_b)));
        t_[2] = bytes32(uint256(uint160(_c)));
    }

    /// @notice rollup.system.tokens.move_tokens with its Transfer log.
    function moveTokens(
        L2State.Db memory _db,
        Output memory _out,
        address _token,
        address _source,
        address _destination,
        uint256 _amount
    ) internal pure {
        TokenLib.moveTokens(_db, _token, _source, _destination, _amount);
        emitLog(
            _out, _token, _addressTopics(TRANSFER_TOPIC, _source, _destination), abi.encode(_amount)
        );
    }

    function emitMarginEvent(
        Output memory _out,
        bytes32 _topic,
        address _account,
        address _asset,
        uint256 _amount
    ) internal pure {
        emitLog(_out, PERPS, _addressTopics(_topic, _account, _asset), abi.encode(_amount));
    }

    // ------------------------------------------------------------------------------------------
    // Public functions

    function newCtx(L2State.Db memory _db, Env memory _env, address _sender, address _asset)
        internal
        pure
        returns (Ctx memory c_)
    {
        c_.number = _env.number;
        c_.timestamp = _env.timestamp;
        c_.sender = _sender;
        c_.asset = _asset;
        c_.config = getMarketConfig(_db, _asset);
    }

    function depositMargin(
        L2State.Db memory _db,
        Env memory _env,
        Output memory _out,
        address _sender,
        address _asset,
        uint256 _amount
    ) internal pure {
        Ctx memory c = newCtx(_db, _env, _sender, _asset);
        require(_amount > 0, "deposit amount is zero");
        uint256 scale = marginScale(_db, c.config);
        address token = marginToken(c.config);
        TokenLib.spendAllowance(_db, token, _sender, PERPS, _amount);
        moveTokens(_db, _out, token, _sender, PERPS, _amount);
        L2State.PerpsPosition memory position = L2State.getPerpsPosition(_db, _sender, _asset);
        position.margin = position.margin + _amount * scale;
        L2State.setPerpsPosition(_db, _sender, _asset, position);
        emitMarginEvent(_out, MARGIN_DEPOSITED_TOPIC, _sender, _asset, _amount);
    }

    function withdrawMargin(
        L2State.Db memory _db,
        Env memory _env,
        Output memory _out,
        address _sender,
        address _asset,
        uint256 _amount
    ) internal pure {
        Ctx memory c = newCtx(_db, _env, _sender, _asset);
        c.scale = marginScale(_db, c.config);
        L2State.PerpsPosition memory position = L2State.getPerpsPosition(_db, _sender, _asset);
        if (_amount == UINT256_MAX) _amount = position.margin / c.scale;
        require(_amount > 0, "withdraw amount is zero");
        uint256 value = _amount * c.scale;
        require(value <= position.margin, "withdraw amount exceeds margin");
        requireMarketLiquidity(_db, c.config, _amount);
        position.margin = position.margin - value;
        if (position.size != 0) {
            loadPrice(_db, c, true);
            L2State.PerpsMarket memory market = accrueFunding(_db, c);
            L2State.setPerpsMarket(_db, _asset, market);
            Values memory values = computePositionValues(position, market, c.price);
            Requirements memory r = computeRequirements(c, position.size);
            uint256 required = r.initialMargin + r.keeperReward;
            require(values.equity >= required.toInt(), "withdrawal below initial margin");
        }
        L2State.setPerpsPosition(_db, _sender, _asset, position);
        moveTokens(_db, _out, marginToken(c.config), PERPS, _sender, _amount);
        emitMarginEvent(_out, MARGIN_WITHDRAWN_TOPIC, _sender, _asset, _amount);
        _out.returnData = abi.encode(_amount);
    }

    function modifyPosition(
        L2State.Db memory _db,
        Env memory _env,
        Output memory _out,
        address _sender,
        address _asset,
        int256 _delta,
        uint256 _acceptablePrice,
        uint256 _deadline
    ) internal pure {
        Ctx memory c = newCtx(_db, _env, _sender, _asset);
        require(_delta != 0, "size delta is zero");
        require(c.timestamp <= _deadline, "deadline passed");
        loadPrice(_db, c, true);
        (uint256 fill, uint256 fee) = executeOrder(_db, _out, c, _delta, _acceptablePrice);
        _out.returnData = abi.encode(fill, fee);
    }

    /// @notice perps.execute_order: the trade of `_delta` by `_c.sender` at a fresh price.
    function executeOrder(
        L2State.Db memory _db,
        Output memory _out,
        Ctx memory _c,
        int256 _delta,
        uint256 _acceptablePrice
    ) internal pure returns (uint256, uint256) {
        _c.scale = marginScale(_db, _c.config);
        L2State.PerpsMarket memory market = accrueFunding(_db, _c);
        L2State.PerpsPosition memory position = L2State.getPerpsPosition(_db, _c.sender, _c.asset);
        Order memory o;
        o.delta = _delta;
        o.size = position.size;
        if (o.size != 0) {
            Values memory current = computePositionValues(position, market, _c.price);
            Requirements memory r = computeRequirements(_c, o.size);
            require(!isLiquidatable(current, r), "position is liquidatable");
        }
        o.newSize = o.size + _delta;
        require(
            o.newSize == 0 || o.newSize.abs() >= _c.config.minPositionSize,
            "position size below minimum"
        );
        o.skew = market.skew;
        o.fill = computeFillPrice(o.skew, _delta, _c.price, _c.config);
        if (_delta > 0) {
            require(o.fill <= _acceptablePrice, "fill price beyond acceptable price");
        } else {
            require(o.fill >= _acceptablePrice, "fill price beyond acceptable price");
        }
        o.fee = computeOrderFee(o.skew, _delta, o.fill, _c.config);

        Values memory atFill = computePositionValues(position, market, o.fill);
        o.realized = atFill.equity - position.margin.toInt();
        o.margin = atFill.equity - o.fee.toInt();
        require(o.margin >= 0, "insufficient margin");

        (o.longOi, o.shortOi) = computeOpenInterest(market, o.size, o.newSize);
        if (o.longOi > market.longOpenInterest) {
            require(o.longOi <= _c.config.maxOpenInterest, "open interest cap exceeded");
        }
        if (o.shortOi > market.shortOpenInterest) {
            require(o.shortOi <= _c.config.maxOpenInterest, "open interest cap exceeded");
        }
        if (o.newSize != 0) _requireNewMargin(_c, o);

        market.skew = o.skew + _delta;
        market.longOpenInterest = o.longOi;
        market.shortOpenInterest = o.shortOi;
        market.insuranceFund = market.insuranceFund + o.fee;
        market.cash = market.cash - o.realized;
        L2State.setPerpsMarket(_db, _c.asset, market);
        bool open = o.newSize != 0;
        L2State.setPerpsPosition(
            _db,
            _c.sender,
            _c.asset,
            L2State.PerpsPosition(
                o.newSize,
                open ? o.fill : 0,
                uint256(o.margin),
                open ? market.fundingIndex : int256(0),
                sideBadDebtIndex(market, o.newSize)
            )
        );
        bytes32[] memory topics = new bytes32[](3);
        topics[0] = POSITION_MODIFIED_TOPIC;
        topics[1] = bytes32(uint256(uint160(_c.sender)));
        topics[2] = bytes32(uint256(uint160(_c.asset)));
        emitLog(_out, PERPS, topics, abi.encode(_delta, o.newSize, o.fill, o.fee, o.realized));
        return (o.fill, o.fee);
    }

    /// @dev Step 9: the new position's equity at the index covers initial (increase) or
    ///      maintenance (reduction) margin plus the keeper reward.
    function _requireNewMargin(Ctx memory _c, Order memory _o) private pure {
        int256 equity = _o.margin + computePnl(_o.newSize, _o.fill, _c.price);
        Requirements memory r = computeRequirements(_c, _o.newSize);
        bool increasing =
            _o.size == 0 || (_o.size > 0) != (_o.newSize > 0) || _o.newSize.abs() > _o.size.abs();
        uint256 required =
            increasing ? r.initialMargin + r.keeperReward : r.maintenanceMargin + r.keeperReward;
        require(equity >= required.toInt(), "insufficient margin");
    }

    function closePosition(
        L2State.Db memory _db,
        Env memory _env,
        Output memory _out,
        address _sender,
        address _asset,
        uint256 _acceptablePrice,
        uint256 _deadline
    ) internal pure {
        Ctx memory c = newCtx(_db, _env, _sender, _asset);
        int256 size = L2State.getPerpsPosition(_db, _sender, _asset).size;
        require(size != 0, "no open position");
        require(c.timestamp <= _deadline, "deadline passed");
        loadPrice(_db, c, true);
        (uint256 fill, uint256 fee) = executeOrder(_db, _out, c, 0 - size, _acceptablePrice);
        uint256 margin = L2State.getPerpsPosition(_db, _sender, _asset).margin;
        uint256 paid = margin / c.scale;
        uint256 dust = margin % c.scale;
        if (paid != 0) requireMarketLiquidity(_db, c.config, paid);
        L2State.setPerpsPosition(_db, _sender, _asset, L2State.PerpsPosition(0, 0, 0, 0, 0));
        if (dust != 0) {
            L2State.PerpsMarket memory market = L2State.getPerpsMarket(_db, _asset);
            market.insuranceFund = market.insuranceFund + dust;
            L2State.setPerpsMarket(_db, _asset, market);
        }
        if (paid != 0) moveTokens(_db, _out, marginToken(c.config), PERPS, _sender, paid);
        emitMarginEvent(_out, MARGIN_WITHDRAWN_TOPIC, _sender, _asset, paid);
        _out.returnData = abi.encode(fill, fee, paid);
    }

    /// @notice liquidate's settlement (step 5): amounts in USD WAD but `paid` (tokens).
    struct Settlement {
        int256 size;
        uint256 level;
        uint256 reward;
        uint256 paid;
        uint256 toFund;
        uint256 fundPaid;
        uint256 socialized;
        int256 cashIn;
    }

    function liquidate(
        L2State.Db memory _db,
        Env memory _env,
        Output memory _out,
        address _sender,
        address _account,
        address _asset
    ) internal pure {
        require(_account != _sender, "cannot liquidate yourself");
        Ctx memory c = newCtx(_db, _env, _sender, _asset);
        loadPrice(_db, c, true);
        c.scale = marginScale(_db, c.config);
        L2State.PerpsMarket memory market = accrueFunding(_db, c);
        L2State.PerpsPosition memory position = L2State.getPerpsPosition(_db, _account, _asset);
        Settlement memory s;
        s.size = position.size;
        require(s.size != 0, "no open position");
        Values memory values = computePositionValues(position, market, c.price);
        Requirements memory r = computeRequirements(c, s.size);
        require(isLiquidatable(values, r), "position is not liquidatable");

        s.level = computeDrainedBucket(market, c.config, c.number);
        require(
            s.level == 0 || s.level + s.size.abs() <= c.config.liquidationCapacity,
            "liquidation capacity exceeded"
        );
        s.reward = r.keeperReward;
        s.paid = s.reward / c.scale;
        if (s.paid != 0) requireMarketLiquidity(_db, c.config, s.paid);
        _settle(market, position, values, s);

        (uint256 longOi, uint256 shortOi) = computeOpenInterest(market, s.size, 0);
        if (s.socialized > 0) {
            if (s.size > 0 && shortOi > 0) {
                market.shortBadDebtIndex =
                    market.shortBadDebtIndex + FPM.mulDivUp(s.socialized, WAD, shortOi);
            } else if (s.size < 0 && longOi > 0) {
                market.longBadDebtIndex =
                    market.longBadDebtIndex + FPM.mulDivUp(s.socialized, WAD, longOi);
            }
        }
        market.skew = market.skew - s.size;
        market.longOpenInterest = longOi;
        market.shortOpenInterest = shortOi;
        market.cash = market.cash + s.cashIn;
        market.liquidationBucket = s.level + s.size.abs();
        market.liquidationBlock = c.number;
        L2State.setPerpsMarket(_db, _asset, market);
        L2State.setPerpsPosition(_db, _account, _asset, L2State.PerpsPosition(0, 0, 0, 0, 0));
        if (s.paid != 0) moveTokens(_db, _out, marginToken(c.config), PERPS, _sender, s.paid);
        bytes32[] memory topics = new bytes32[](4);
        topics[0] = POSITION_LIQUIDATED_TOPIC;
        topics[1] = bytes32(uint256(uint160(_sender)));
        topics[2] = bytes32(uint256(uint160(_account)));
        topics[3] = bytes32(uint256(uint160(_asset)));
        emitLog(
            _out,
            PERPS,
            topics,
            abi.encode(s.size, c.price, s.paid, s.toFund, s.fundPaid, s.socialized)
        );
        _out.returnData = abi.encode(s.paid);
    }

    /// @dev Step 5: the keeper's reward, the fund and the shortfall; sets the market's fund.
    function _settle(
        L2State.PerpsMarket memory _market,
        L2State.PerpsPosition memory _position,
        Values memory _values,
        Settlement memory _s
    ) private pure {
        int256 margin = _position.margin.toInt();
        int256 equity = _values.equity;
        uint256 fund = _market.insuranceFund;
        if (equity >= _s.reward.toInt()) {
            _s.toFund = uint256(equity - int256(_s.reward));
            fund = fund + _s.toFund;
            _s.cashIn = margin - equity;
        } else {
            uint256 shortfall;
            unchecked {
                // reward < 2**255 and equity >= -2**255: the difference fits a uint256
                shortfall =
                    equity >= 0 ? _s.reward - uint256(equity) : _s.reward + PerpsMath.abs(equity);
            }
            _s.fundPaid = shortfall < fund ? shortfall : fund;
            fund -= _s.fundPaid;
            _s.socialized = shortfall - _s.fundPaid;
            _s.cashIn = (margin + _s.fundPaid.toInt()) - _s.reward.toInt();
        }
        _market.insuranceFund = fund;
    }

    // ------------------------------------------------------------------------------------------
    // Views

    /// @notice perps.view_market: config, price (stale allowed) and the accrued market.
    function viewMarket(L2State.Db memory _db, Env memory _env, address _asset)
        internal
        pure
        returns (Ctx memory c_, L2State.PerpsMarket memory market_)
    {
        c_ = newCtx(_db, _env, address(0), _asset);
        loadPrice(_db, c_, false);
        market_ = accrueFunding(_db, c_);
    }

    function getPosition(
        L2State.Db memory _db,
        Env memory _env,
        Output memory _out,
        address _account,
        address _asset
    ) internal pure {
        (Ctx memory c, L2State.PerpsMarket memory market) = viewMarket(_db, _env, _asset);
        c.scale = marginScale(_db, c.config);
        L2State.PerpsPosition memory position = L2State.getPerpsPosition(_db, _account, _asset);
        int256 size = position.size;
        Values memory values = computePositionValues(position, market, c.price);
        Requirements memory r = computeRequirements(c, size);
        uint256 maintenanceRatio = computeMaintenanceMarginRatio(
            c.config, computeInitialMarginRatio(c.config, size, c.volatility)
        );
        uint256 health;
        if (size == 0) {
            health = UINT256_MAX;
        } else if (values.equity <= 0) {
            health = 0;
        } else {
            uint256 threshold = r.maintenanceMargin + r.keeperReward;
            health = FPM.mulDivDown(uint256(values.equity), WAD, threshold);
        }
        uint256 liquidationPrice =
            computeLiquidationPrice(position, values, r, maintenanceRatio, c.config.minMargin);
        _out.returnData = abi.encode(
            size,
            position.entryPrice,
            position.margin,
            values.pnl,
            values.funding,
            values.badDebt,
            liquidationPrice,
            health
        );
    }

    function computeLiquidationPrice(
        L2State.PerpsPosition memory _position,
        Values memory _values,
        Requirements memory _r,
        uint256 _maintenanceRatio,
        uint256 _minMargin
    ) internal pure returns (uint256) {
        int256 size = _position.size;
        if (size == 0) return 0;
        int256 base = _values.equity - _values.pnl;
        int256 buffer = (_minMargin + _r.keeperReward).toInt();
        int256 entryTerm = size.abs().toInt() * _position.entryPrice.toInt() * IWAD;
        if (size > 0) {
            int256 numerator = (buffer - base) * (IWAD * IWAD) + entryTerm;
            uint256 denominator = size.abs() * (WAD - _maintenanceRatio);
            if (numerator <= 0 || denominator == 0) return 0;
            return FPM.mulDivUp(uint256(numerator), 1, denominator);
        }
        int256 numeratorShort = (base - buffer) * (IWAD * IWAD) + entryTerm;
        uint256 denominatorShort = size.abs() * (WAD + _maintenanceRatio);
        if (numeratorShort <= 0) return 0;
        return uint256(numeratorShort) / denominatorShort;
    }

    function getMarketSummary(
        L2State.Db memory _db,
        Env memory _env,
        Output memory _out,
        address _asset
    ) internal pure {
        (Ctx memory c, L2State.PerpsMarket memory market) = viewMarket(_db, _env, _asset);
        uint256 level = computeDrainedBucket(market, c.config, c.number);
        uint256 capacity = c.config.liquidationCapacity;
        _out.returnData = abi.encode(
            market.skew,
            market.longOpenInterest,
            market.shortOpenInterest,
            market.fundingRate,
            market.fundingIndex,
            market.insuranceFund,
            market.cash,
            market.longBadDebtIndex,
            market.shortBadDebtIndex,
            level < capacity ? capacity - level : 0
        );
    }

    function quoteOrder(
        L2State.Db memory _db,
        Env memory _env,
        Output memory _out,
        address _asset,
        int256 _delta
    ) internal pure {
        (Ctx memory c, L2State.PerpsMarket memory market) = viewMarket(_db, _env, _asset);
        require(_delta != 0, "size delta is zero");
        uint256 fill = computeFillPrice(market.skew, _delta, c.price, c.config);
        _out.returnData = abi.encode(fill, computeOrderFee(market.skew, _delta, fill, c.config));
    }
}
