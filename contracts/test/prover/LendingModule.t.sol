// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "../utils/Test.sol";
import {L2State} from "../../src/prover/L2State.sol";
import {Env, Call} from "../../src/prover/stf/StfTypes.sol";
import {LendingLib, LendingOps} from "../../src/prover/stf/LendingLib.sol";
import {LendingModule} from "../../src/prover/stf/LendingModule.sol";
import {ILending} from "../../src/interfaces/ILending.sol";

/// @notice A hand-built lending world as Dbs (rollup/system/lending.py's leaves): WETH (18
///         decimals) at $2,000 and USDC (6 decimals) at $1, no volatility, prices fresh for
///         3,600 s; dave supplied 100,000 USDC and 100 WETH; alice, bob and liq hold 100,000 USDC
///         and 100 WETH each with unlimited allowances to lending and leverage; a WETH/USDC pool of
///         1,000 WETH and 2,000,000 USDC. Markets as tests/unit/helpers.lending_document.
abstract contract LendingWorld is Test {
    address internal constant LENDING = 0x4200000000000000000000000000000000000200;
    address internal constant LEVERAGE = 0x4200000000000000000000000000000000000300;
    address internal constant AMM = 0x4200000000000000000000000000000000000100;
    address internal constant WETH = 0x4200000000000000000000000000000000000006;
    address internal constant USDC = 0x4200000000000000000000000000000000002001;
    address internal constant DAI = 0x4200000000000000000000000000000000002003; // no market
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant LIQ = address(0x11C);
    address internal constant DAVE = address(0xDA7E);
    uint256 internal constant NOW = 100_000_000;
    uint256 internal constant MAX = type(uint256).max;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant YEAR = 365 days;

    bytes32[] internal _keys;
    uint256[][] internal _words;

    uint256 internal _now = NOW;

    // ------------------------------------------------------------------------------------------
    // Leaves

    /// @dev Sets (or adds) the leaf under `_key`.
    function _set(bytes32 _key, uint256[] memory _w) internal {
        for (uint256 i = 0; i < _keys.length; i++) {
            if (_keys[i] == _key) {
                _words[i] = _w;
                return;
            }
        }
        _keys.push(_key);
        _words.push(_w);
    }

    /// @dev Drops the leaf under `_key` (a witness without it).
    function _drop(bytes32 _key) internal {
        for (uint256 i = 0; i < _keys.length; i++) {
            if (_keys[i] == _key) {
                _keys[i] = _keys[_keys.length - 1];
                _words[i] = _words[_words.length - 1];
                _keys.pop();
                _words.pop();
                return;
            }
        }
    }

    function _w1(uint256 _a) internal pure returns (uint256[] memory w_) {
        w_ = new uint256[](1);
        w_[0] = _a;
    }

    function _w2(uint256 _a, uint256 _b) internal pure returns (uint256[] memory w_) {
        w_ = new uint256[](2);
        w_[0] = _a;
        w_[1] = _b;
    }

    function _token(address _t, uint256 _decimals) internal {
        uint256[] memory w = new uint256[](6);
        w[0] = 1;
        w[1] = 10 ** 40;
        w[2] = _decimals;
        _set(L2State.tokenKey(_t), w);
    }

    function _balance(address _t, address _owner, uint256 _amount) internal {
        _set(L2State.balanceKey(_t, _owner), _w1(_amount));
    }

    function _allowance(address _t, address _owner, address _spender, uint256 _amount) internal {
        _set(L2State.allowanceKey(_t, _owner, _spender), _w1(_amount));
    }

    function _price(address _asset, uint256 _usd, uint256 _volatility, uint256 _at) internal {
        uint256[] memory w = new uint256[](3);
        w[0] = _usd;
        w[1] = _volatility;
        w[2] = _at;
        _set(L2State.priceKey(_asset), w);
    }

    function _system(uint256 _maxAge) internal {
        _set(L2State.systemKey(), _w2(uint256(uint160(address(0x0AC1E))), _maxAge));
    }

    function _market(address _asset, L2State.Market memory _m) internal {
        uint256[] memory w = new uint256[](6);
        w[0] = _m.totalSupplyScaled;
        w[1] = _m.totalBorrowScaled;
        w[2] = _m.supplyIndex;
        w[3] = _m.borrowIndex;
        w[4] = _m.reserves;
        w[5] = _m.lastUpdate;
        _set(L2State.marketKey(_asset), w);
    }

    function _config(address _asset, L2State.MarketConfig memory _c) internal {
        uint256[] memory w = new uint256[](13);
        w[0] = _c.listed;
        w[1] = _c.baseRate;
        w[2] = _c.slope1;
        w[3] = _c.slope2;
        w[4] = _c.optimalUtilization;
        w[5] = _c.reserveFactor;
        w[6] = _c.collateralFactor;
        w[7] = _c.liquidationThreshold;
        w[8] = _c.liquidationBonus;
        w[9] = _c.closeFactor;
        w[10] = _c.volatilitySensitivity;
        w[11] = _c.collateralFactorFloor;
        w[12] = _c.liquidationThresholdFloor;
        _set(L2State.marketConfigKey(_asset), w);
    }

    function _position(address _account, address _asset, uint256 _supply, uint256 _borrow)
        internal
    {
        _set(L2State.positionKey(_account, _asset), _w2(_supply, _borrow));
    }

    function _enter(address _account, address[] memory _assets) internal {
        uint256[] memory w = new uint256[](8);
        for (uint256 i = 0; i < _assets.length; i++) {
            w[i] = uint256(uint160(_assets[i]));
        }
        _set(L2State.lendingAccountKey(_account), w);
    }

    function _pool(uint256 _reserveWeth, uint256 _reserveUsdc) internal {
        uint256[] memory w = new uint256[](4);
        w[0] = 1;
        w[1] = _reserveWeth; // WETH (0x…06) is token0
        w[2] = _reserveUsdc;
        w[3] = 10 ** 24;
        _set(L2State.poolKey(WETH, USDC), w);
        _balance(WETH, AMM, _reserveWeth);
        _balance(USDC, AMM, _reserveUsdc);
    }

    function _usdcConfig() internal pure returns (L2State.MarketConfig memory c_) {
        c_ = L2State.MarketConfig({
            listed: 1,
            baseRate: 0.02e18,
            slope1: 0.1e18,
            slope2: 1e18,
            optimalUtilization: 0.8e18,
            reserveFactor: 0.1e18,
            collateralFactor: 0.8e18,
            liquidationThreshold: 0.85e18,
            liquidationBonus: 0.04e18,
            closeFactor: 0.5e18,
            volatilitySensitivity: 0.5e18,
            collateralFactorFloor: 0.5e18,
            liquidationThresholdFloor: 0.6e18
        });
    }

    function _wethConfig() internal pure returns (L2State.MarketConfig memory c_) {
        c_ = L2State.MarketConfig({
            listed: 1,
            baseRate: 0.01e18,
            slope1: 0.05e18,
            slope2: 0.8e18,
            optimalUtilization: 0.8e18,
            reserveFactor: 0.2e18,
            collateralFactor: 0.75e18,
            liquidationThreshold: 0.8e18,
            liquidationBonus: 0.05e18,
            closeFactor: 0.5e18,
            volatilitySensitivity: 0.25e18,
            collateralFactorFloor: 0.4e18,
            liquidationThresholdFloor: 0.5e18
        });
    }

    /// @dev The standard world (see the contract's notice).
    function _world() internal {
        _token(WETH, 18);
        _token(USDC, 6);
        _token(DAI, 18);
        _system(3_600);
        _config(USDC, _usdcConfig());
        _config(WETH, _wethConfig());
        _set(L2State.marketConfigKey(DAI), new uint256[](13));
        _market(USDC, L2State.Market(100_000e6, 0, RAY, RAY, 0, NOW));
        _market(WETH, L2State.Market(100e18, 0, RAY, RAY, 0, NOW));
        _price(USDC, 1e18, 0, NOW);
        _price(WETH, 2_000e18, 0, NOW);
        _price(DAI, 1e18, 0, NOW);
        _balance(USDC, LENDING, 100_000e6);
        _balance(WETH, LENDING, 100e18);
        _balance(USDC, LEVERAGE, 0);
        _balance(WETH, LEVERAGE, 0);
        _pool(1_000e18, 2_000_000e6);
        address[] memory both = new address[](2);
        both[0] = USDC;
        both[1] = WETH;
        _enter(DAVE, both);
        _position(DAVE, USDC, 100_000e6, 0);
        _position(DAVE, WETH, 100e18, 0);
        address[3] memory users = [ALICE, BOB, LIQ];
        for (uint256 i = 0; i < 3; i++) {
            _enter(users[i], new address[](0));
            _position(users[i], USDC, 0, 0);
            _position(users[i], WETH, 0, 0);
            _position(users[i], DAI, 0, 0);
            _balance(USDC, users[i], 100_000e6);
            _balance(WETH, users[i], 100e18);
            _balance(DAI, users[i], 100e18);
            _allowance(USDC, users[i], LENDING, MAX);
            _allowance(WETH, users[i], LENDING, MAX);
            _allowance(DAI, users[i], LENDING, MAX);
            _allowance(USDC, users[i], LEVERAGE, MAX);
            _allowance(WETH, users[i], LEVERAGE, MAX);
        }
    }

    function _db() internal view returns (L2State.Db memory db_) {
        db_.leaves = new L2State.Leaf[](_keys.length);
        for (uint256 i = 0; i < _keys.length; i++) {
            db_.leaves[i] = L2State.Leaf(_keys[i], _words[i], true, _words[i]);
        }
        db_.withdrawals = new bytes32[](L2State.MAX_WITHDRAWALS_PER_STEP);
    }

    /// @dev Makes the leaves of `_d` the world's (to chain calls).
    function _adopt(L2State.Db memory _d) internal {
        for (uint256 i = 0; i < _d.leaves.length; i++) {
            _set(_d.leaves[i].key, _d.leaves[i].words);
        }
    }

    function _env() internal view returns (Env memory) {
        return Env(7, _now, 1_000_000, 901);
    }

    function _expectRevert(string memory _reason) internal {
        vm.expectRevert(abi.encodeWithSignature("Error(string)", _reason));
    }

    function _expectPanic(uint256 _code) internal {
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", _code));
    }

    function _slots(L2State.Db memory _d, address _account)
        internal
        pure
        returns (uint256[] memory)
    {
        return L2State.getLendingAccount(_d, _account);
    }
}

/// @notice Behaviour and every revert path of LendingModule / LendingLib (rollup/system/lending.py)
///         on hand-built Dbs; the differential vectors (StfLendingVectors.t.sol) check bit-for-bit
///         equality with Python.
contract LendingModuleTest is LendingWorld {
    LendingModule internal module;

    function setUp() public {
        module = new LendingModule();
        _world();
    }

    function _run(address _sender, bytes memory _data) internal view returns (L2State.Db memory) {
        return module.execute(_db(), _env(), Call(_sender, LENDING, 0, _data));
    }

    function _supply(address _sender, address _asset, uint256 _amount)
        internal
        view
        returns (L2State.Db memory)
    {
        return _run(_sender, abi.encodeCall(ILending.supply, (_asset, _amount)));
    }

    function _borrow(address _sender, address _asset, uint256 _amount)
        internal
        view
        returns (L2State.Db memory)
    {
        return _run(_sender, abi.encodeCall(ILending.borrow, (_asset, _amount)));
    }

    /// @dev Alice supplied 10,000 USDC and borrowed `_weth` WETH (state written directly).
    function _aliceBorrowed(uint256 _weth) internal {
        address[] memory both = new address[](2);
        both[0] = USDC;
        both[1] = WETH;
        _enter(ALICE, both);
        _position(ALICE, USDC, 10_000e6, 0);
        _position(ALICE, WETH, 0, _weth);
        _market(USDC, L2State.Market(110_000e6, 0, RAY, RAY, 0, NOW));
        _market(WETH, L2State.Market(100e18, _weth, RAY, RAY, 0, NOW));
        _balance(USDC, LENDING, 110_000e6);
        _balance(WETH, LENDING, 100e18 - _weth);
    }

    // ------------------------------------------------------------------------------------------
    // Rates and indexes (pure)

    function test_computeUtilization_capsAtOne_succeeds() public pure {
        assertEq(LendingLib.computeUtilization(0, 5), 0);
        assertEq(LendingLib.computeUtilization(100, 25), 0.25e18);
        assertEq(LendingLib.computeUtilization(100, 300), WAD);
        assertEq(LendingLib.computeUtilization(3, 1), 333_333_333_333_333_333);
    }

    function test_computeBorrowRate_jumpAboveOptimal_succeeds() public pure {
        L2State.MarketConfig memory c = _usdcConfig();
        assertEq(LendingLib.computeBorrowRate(c, 0), 0.02e18);
        assertEq(LendingLib.computeBorrowRate(c, 0.4e18), 0.02e18 + 0.05e18);
        assertEq(LendingLib.computeBorrowRate(c, 0.8e18), 0.12e18); // the kink
        assertEq(LendingLib.computeBorrowRate(c, 0.9e18), 0.12e18 + 0.5e18); // the jump
        assertEq(LendingLib.computeBorrowRate(c, WAD), 1.12e18);
    }

    function test_computeSupplyRate_lessTheReserveCut_succeeds() public pure {
        // 12% borrow rate at 80% utilization, 10% to reserves: 8.64%
        assertEq(LendingLib.computeSupplyRate(_usdcConfig(), 0.8e18, 0.12e18), 0.0864e18);
    }

    function test_computeAccruedMarket_noTimeOrClockAhead_unchanged() public pure {
        L2State.Market memory m = L2State.Market(1e6, 5e5, 2 * RAY, 3 * RAY, 7, NOW);
        L2State.Market memory same = LendingLib.computeAccruedMarket(m, _usdcConfig(), NOW);
        assertEq(same.lastUpdate, NOW);
        assertEq(same.borrowIndex, 3 * RAY);
        same = LendingLib.computeAccruedMarket(m, _usdcConfig(), NOW - 1);
        assertEq(same.lastUpdate, NOW); // Python keeps the market as it is
        assertEq(same.supplyIndex, 2 * RAY);
    }

    function test_computeAccruedMarket_noBorrows_onlyClockMoves() public pure {
        L2State.Market memory m = L2State.Market(1e6, 0, RAY, RAY, 0, NOW);
        L2State.Market memory a = LendingLib.computeAccruedMarket(m, _usdcConfig(), NOW + YEAR);
        assertEq(a.lastUpdate, NOW + YEAR);
        assertEq(a.supplyIndex, RAY);
        assertEq(a.borrowIndex, RAY);
        assertEq(a.reserves, 0);
        assertEq(m.lastUpdate, NOW); // the input is untouched
    }

    function test_computeAccruedMarket_yearAtKink_succeeds() public pure {
        // 80% utilization: 12% a year. Borrow index 1.12; interest 0.12 * 800 = 96 USDC, 9.6 to
        // reserves, 86.4 to 1,000 USDC of suppliers.
        L2State.Market memory m = L2State.Market(1_000e6, 800e6, RAY, RAY, 0, NOW);
        L2State.Market memory a = LendingLib.computeAccruedMarket(m, _usdcConfig(), NOW + YEAR);
        assertEq(a.borrowIndex, 1.12e27);
        assertEq(a.reserves, 9.6e6);
        assertEq(a.supplyIndex, RAY + 86.4e6 * RAY / 1_000e6);
        assertEq(a.lastUpdate, NOW + YEAR);
    }

    function test_computeAccruedMarket_aboveOptimal_jumpRate() public pure {
        // 90% utilization: 2% + 10% + 100% * 0.1 / 0.2 = 62% a year; one day of it, rounded up
        L2State.Market memory m = L2State.Market(1_000e6, 900e6, RAY, RAY, 0, NOW);
        L2State.Market memory a = LendingLib.computeAccruedMarket(m, _usdcConfig(), NOW + 1 days);
        uint256 growth = (0.62e18 * 1 days * 1e9 + YEAR - 1) / YEAR;
        assertEq(a.borrowIndex, RAY + growth);
    }

    function test_computeAccruedMarket_totalsOverflow_reverts() public {
        // the supply total is computed (and overflows) even without borrows, as in Python
        _expectPanic(0x11);
        this.accrue(L2State.Market(MAX / RAY + 1, 0, RAY, RAY, 0, NOW), NOW + 1);
        // rate * elapsed overflows
        L2State.MarketConfig memory c = _usdcConfig();
        c.baseRate = MAX / 2;
        _expectPanic(0x11);
        this.accrueWith(L2State.Market(1e6, 1e5, RAY, RAY, 0, NOW), c, NOW + 3);
    }

    function accrue(L2State.Market memory _m, uint256 _t)
        external
        pure
        returns (L2State.Market memory)
    {
        return LendingLib.computeAccruedMarket(_m, _usdcConfig(), _t);
    }

    function accrueWith(L2State.Market memory _m, L2State.MarketConfig memory _c, uint256 _t)
        external
        pure
        returns (L2State.Market memory)
    {
        return LendingLib.computeAccruedMarket(_m, _c, _t);
    }

    // ------------------------------------------------------------------------------------------
    // Risk (pure)

    function test_collateralFactor_volatilityAndFloors_succeeds() public pure {
        L2State.MarketConfig memory c = _wethConfig(); // CF 0.75, LT 0.8, sensitivity 0.25
        assertEq(LendingLib.computeCollateralFactor(c, 0), 0.75e18);
        assertEq(LendingLib.computeCollateralFactor(c, 0.4e18), 0.65e18);
        assertEq(LendingLib.computeLiquidationThreshold(c, 0.4e18), 0.7e18);
        assertEq(LendingLib.computeCollateralFactor(c, 1.6e18), 0.4e18); // 0.35 < floor 0.4
        assertEq(LendingLib.computeLiquidationThreshold(c, 1.6e18), 0.5e18); // 0.4 < floor
        assertEq(LendingLib.computeCollateralFactor(c, 3e18), 0.4e18); // penalty >= factor
        assertEq(LendingLib.computeLiquidationThreshold(c, 3.2e18), 0.5e18); // penalty == LT
        // the penalty rounds up: 1 wei of volatility costs 1 wei of factor
        assertEq(LendingLib.computeCollateralFactor(c, 1), 0.75e18 - 1);
    }

    function test_computeMaxLeverage_succeeds() public {
        assertEq(LendingLib.computeMaxLeverage(0.75e18), 4e18);
        assertEq(LendingLib.computeMaxLeverage(0), WAD);
        _expectRevert("collateral factor must be below 1");
        this.maxLeverage(WAD);
    }

    function maxLeverage(uint256 _cf) external pure returns (uint256) {
        return LendingLib.computeMaxLeverage(_cf);
    }

    function test_computeHealthFactor_wideSums_succeeds() public {
        LendingLib.AccountData memory d;
        assertEq(LendingLib.computeHealthFactor(d), MAX); // no debt
        d.liquidationLimit = 3e18;
        d.debtValue = 2e18;
        assertEq(LendingLib.computeHealthFactor(d), 1.5e18);
        d.debtHi = 1; // a debt of 2**256 or more: Python's quotient is 0
        assertEq(LendingLib.computeHealthFactor(d), 0);
        d.liquidationLimit = MAX / WAD + 1; // limit * WAD overflows
        _expectPanic(0x11);
        this.healthFactor(d);
        d.liquidationLimit = 1;
        d.liquidationLimitHi = 1; // a limit of 2**256 or more
        _expectRevert("arithmetic overflow");
        this.healthFactor(d);
    }

    function healthFactor(LendingLib.AccountData memory _d) external pure returns (uint256) {
        return LendingLib.computeHealthFactor(_d);
    }

    // ------------------------------------------------------------------------------------------
    // Dispatch

    function test_execute_badCalldata_reverts() public {
        _expectRevert("missing function selector");
        _run(ALICE, hex"aabbcc");
        _expectRevert("unknown function selector");
        _run(ALICE, abi.encodeWithSignature("nope(address,uint256)", USDC, 1));
        bytes memory data = abi.encodeCall(ILending.supply, (USDC, 1));
        _expectRevert("calldata too short");
        _run(ALICE, _truncate(data, 1));
        data[4] = 0x01;
        _expectRevert("invalid address argument");
        _run(ALICE, data);
        _expectRevert("calldata too short");
        _run(ALICE, _truncate(abi.encodeCall(ILending.liquidate, (BOB, USDC, WETH, 1)), 32));
        _expectRevert("calldata too short");
        _run(ALICE, _truncate(abi.encodeCall(ILending.getAccountData, (BOB)), 1));
    }

    function _truncate(bytes memory _data, uint256 _by) internal pure returns (bytes memory out_) {
        out_ = new bytes(_data.length - _by);
        for (uint256 i = 0; i < out_.length; i++) {
            out_[i] = _data[i];
        }
    }

    function test_operationGas_perFunction_succeeds() public view {
        assertEq(module.operationGas(LENDING, abi.encodeCall(ILending.supply, (USDC, 1))), 90_000);
        assertEq(
            module.operationGas(LENDING, abi.encodeCall(ILending.withdraw, (USDC, 1))), 120_000
        );
        assertEq(module.operationGas(LENDING, abi.encodeCall(ILending.borrow, (USDC, 1))), 140_000);
        assertEq(module.operationGas(LENDING, abi.encodeCall(ILending.repay, (USDC, 1))), 90_000);
        assertEq(
            module.operationGas(LENDING, abi.encodeCall(ILending.liquidate, (BOB, USDC, WETH, 1))),
            180_000
        );
        assertEq(module.operationGas(LENDING, abi.encodeCall(ILending.getMarket, (USDC))), 2_600);
        assertEq(module.operationGas(LENDING, hex"12345678"), 2_600);
        assertEq(module.operationGas(LENDING, hex""), 2_600);
        // the selector alone prices the call, even with short arguments
        assertEq(module.operationGas(LENDING, abi.encodePacked(ILending.supply.selector)), 90_000);
        assertFalse(module.isPayable(LENDING, abi.encodeCall(ILending.supply, (USDC, 1))));
    }

    // ------------------------------------------------------------------------------------------
    // supply

    function test_supply_movesTokensAndEntersMarket_succeeds() public view {
        L2State.Db memory d = _supply(ALICE, USDC, 1_000e6);
        assertEq(L2State.getBalance(d, USDC, ALICE), 99_000e6);
        assertEq(L2State.getBalance(d, USDC, LENDING), 101_000e6);
        assertEq(L2State.getPosition(d, ALICE, USDC).supplyScaled, 1_000e6);
        assertEq(L2State.getMarket(d, USDC).totalSupplyScaled, 101_000e6);
        assertEq(_slots(d, ALICE)[0], uint256(uint160(USDC)));
        assertEq(L2State.getAllowance(d, USDC, ALICE, LENDING), MAX); // unlimited stays
    }

    function test_supply_limitedAllowance_decreases() public {
        _allowance(USDC, ALICE, LENDING, 1_500e6);
        L2State.Db memory d = _supply(ALICE, USDC, 1_000e6);
        assertEq(L2State.getAllowance(d, USDC, ALICE, LENDING), 500e6);
        _allowance(USDC, ALICE, LENDING, 999e6);
        _expectRevert("insufficient allowance");
        _supply(ALICE, USDC, 1_000e6);
    }

    function test_supply_accruesInterestFirst_scalesDown() public {
        // 50,000 USDC borrowed of 100,000 for a year: 2% + 10% * 0.5 / 0.8 = 8.25%
        _market(USDC, L2State.Market(100_000e6, 50_000e6, RAY, RAY, 0, NOW - YEAR));
        L2State.Db memory d = _supply(ALICE, USDC, 1_000e6);
        L2State.Market memory m = L2State.getMarket(d, USDC);
        assertEq(m.borrowIndex, 1.0825e27);
        assertEq(m.lastUpdate, NOW);
        // interest 4,125 USDC: 412.5 to reserves, 3,712.5 to 100,000 USDC of suppliers
        assertEq(m.reserves, 412.5e6);
        assertEq(m.supplyIndex, RAY + 3_712.5e6 * RAY / 100_000e6);
        uint256 scaled = 1_000e6 * RAY / m.supplyIndex;
        assertEq(L2State.getPosition(d, ALICE, USDC).supplyScaled, scaled);
        assertEq(m.totalSupplyScaled, 100_000e6 + scaled);
    }

    function test_supply_reverts() public {
        _expectRevert("supply amount is zero");
        _supply(ALICE, USDC, 0);
        _expectRevert("market not listed");
        _supply(ALICE, DAI, 1);
        _expectRevert("transfer amount exceeds balance");
        _supply(ALICE, USDC, 100_001e6);
        _market(USDC, L2State.Market(100_000e6, 0, 2 * RAY, RAY, 0, NOW));
        _expectRevert("supply amount too small");
        _supply(ALICE, USDC, 1);
    }

    function test_supply_ninthMarket_reverts() public {
        address[] memory eight = new address[](8);
        for (uint256 i = 0; i < 8; i++) {
            // forge-lint: disable-next-line(unsafe-typecast)
            eight[i] = address(uint160(0x5000 + i));
        }
        _enter(ALICE, eight);
        _expectRevert("too many markets entered");
        _supply(ALICE, USDC, 1e6);
        // already entered: no new slot needed
        eight[5] = USDC;
        _enter(ALICE, eight);
        L2State.Db memory d = _supply(ALICE, USDC, 1e6);
        assertEq(_slots(d, ALICE)[5], uint256(uint160(USDC)));
    }

    function test_supply_freeSlotInTheMiddle_isReused() public {
        address[] memory three = new address[](3);
        three[0] = address(0x5000);
        three[1] = address(0);
        three[2] = address(0x5002);
        _enter(ALICE, three);
        L2State.Db memory d = _supply(ALICE, USDC, 1e6);
        assertEq(_slots(d, ALICE)[1], uint256(uint160(USDC)));
    }

    function test_supply_missingWitnessLeaf_reverts() public {
        _drop(L2State.lendingAccountKey(ALICE));
        vm.expectRevert(
            abi.encodeWithSelector(
                L2State.MissingWitness.selector, L2State.lendingAccountKey(ALICE)
            )
        );
        _supply(ALICE, USDC, 1e6);
    }

    function test_supply_readsNoPriceNorSystem_succeeds() public {
        _drop(L2State.priceKey(USDC));
        _drop(L2State.systemKey());
        _supply(ALICE, USDC, 1e6);
    }

    // ------------------------------------------------------------------------------------------
    // borrow

    function test_borrow_withinLimit_succeeds() public {
        _adopt(_supply(ALICE, USDC, 10_000e6));
        // limit 8,000 USDC = 4 WETH
        L2State.Db memory d = _borrow(ALICE, WETH, 4e18);
        assertEq(L2State.getBalance(d, WETH, ALICE), 104e18);
        assertEq(L2State.getPosition(d, ALICE, WETH).borrowScaled, 4e18);
        assertEq(L2State.getMarket(d, WETH).totalBorrowScaled, 4e18);
        assertEq(_slots(d, ALICE)[1], uint256(uint160(WETH)));
    }

    function test_borrow_reverts() public {
        _adopt(_supply(ALICE, USDC, 10_000e6));
        _expectRevert("borrow exceeds borrow limit");
        _borrow(ALICE, WETH, 4e18 + 1);
        _expectRevert("borrow amount is zero");
        _borrow(ALICE, WETH, 0);
        _expectRevert("insufficient liquidity in market");
        _borrow(ALICE, WETH, 100e18 + 1);
        _expectRevert("market not listed");
        _borrow(ALICE, DAI, 1);
        _expectRevert("borrow exceeds borrow limit");
        _borrow(BOB, USDC, 1); // no collateral at all
    }

    function test_borrow_stalePrice_reverts() public {
        _adopt(_supply(ALICE, USDC, 10_000e6));
        _now = NOW + 3_600; // the last fresh second
        _borrow(ALICE, WETH, 1e18);
        _now = NOW + 3_601;
        _expectRevert("stale price");
        _borrow(ALICE, WETH, 1e18);
        // a price from the future is fresh; a huge max age never overflows
        _price(USDC, 1e18, 0, NOW + 10 ** 9);
        _price(WETH, 2_000e18, 0, NOW + 10 ** 9);
        _borrow(ALICE, WETH, 1e18);
        _price(USDC, 1e18, 0, 0);
        _price(WETH, 2_000e18, 0, 0);
        _system(MAX);
        _borrow(ALICE, WETH, 1e18);
    }

    function test_borrow_noPrice_reverts() public {
        _adopt(_supply(ALICE, USDC, 10_000e6));
        _price(WETH, 0, 0, NOW);
        _expectRevert("no price for asset");
        _borrow(ALICE, WETH, 1e18);
    }

    function test_borrow_volatilityLowersTheLimit_reverts() public {
        _adopt(_supply(ALICE, USDC, 10_000e6));
        // USDC volatility 0.2: CF 0.8 - 0.5 * 0.2 = 0.7, limit 7,000 USDC = 3.5 WETH
        _price(USDC, 1e18, 0.2e18, NOW);
        _borrow(ALICE, WETH, 3.5e18);
        _expectRevert("borrow exceeds borrow limit");
        _borrow(ALICE, WETH, 3.5e18 + 1);
        // a huge volatility overflows the penalty
        _price(USDC, 1e18, MAX / 0.5e18 + 1, NOW);
        _expectPanic(0x11);
        _borrow(ALICE, WETH, 1);
    }

    // ------------------------------------------------------------------------------------------
    // withdraw

    function test_withdraw_partialAndAll_succeeds() public {
        _adopt(_supply(ALICE, USDC, 10_000e6));
        L2State.Db memory d = _run(ALICE, abi.encodeCall(ILending.withdraw, (USDC, 4_000e6)));
        assertEq(L2State.getPosition(d, ALICE, USDC).supplyScaled, 6_000e6);
        assertEq(L2State.getBalance(d, USDC, ALICE), 94_000e6);
        assertEq(_slots(d, ALICE)[0], uint256(uint160(USDC)));
        d = _run(ALICE, abi.encodeCall(ILending.withdraw, (USDC, MAX)));
        assertEq(L2State.getPosition(d, ALICE, USDC).supplyScaled, 0);
        assertEq(L2State.getBalance(d, USDC, ALICE), 100_000e6);
        assertEq(L2State.getMarket(d, USDC).totalSupplyScaled, 100_000e6);
        assertEq(_slots(d, ALICE)[0], 0); // the market is left
    }

    function test_withdraw_withDebt_checksTheLimit() public {
        _aliceBorrowed(3e18); // 6,000 USDC of debt against 10,000 USDC: limit 8,000
        _run(ALICE, abi.encodeCall(ILending.withdraw, (USDC, 2_500e6))); // limit 6,000: ok
        _expectRevert("withdrawal would exceed borrow limit");
        _run(ALICE, abi.encodeCall(ILending.withdraw, (USDC, 2_500e6 + 1)));
        _now = NOW + 3_601;
        _expectRevert("stale price");
        _run(ALICE, abi.encodeCall(ILending.withdraw, (USDC, 1)));
    }

    function test_withdraw_withoutDebt_needsNoPrice() public {
        _adopt(_supply(ALICE, USDC, 10_000e6));
        _now = NOW + 10_000; // stale, but no debt: no valuation
        _run(ALICE, abi.encodeCall(ILending.withdraw, (USDC, MAX)));
    }

    function test_withdraw_reverts() public {
        _adopt(_supply(ALICE, USDC, 10_000e6));
        _expectRevert("nothing to withdraw");
        _run(ALICE, abi.encodeCall(ILending.withdraw, (USDC, 0)));
        _expectRevert("nothing to withdraw");
        _run(BOB, abi.encodeCall(ILending.withdraw, (USDC, MAX)));
        _expectRevert("withdraw amount exceeds supply");
        _run(ALICE, abi.encodeCall(ILending.withdraw, (USDC, 10_000e6 + 1)));
        _expectRevert("market not listed");
        _run(ALICE, abi.encodeCall(ILending.withdraw, (DAI, 1)));
        _balance(USDC, LENDING, 9_999e6); // cash lent out
        _expectRevert("insufficient liquidity in market");
        _run(ALICE, abi.encodeCall(ILending.withdraw, (USDC, 10_000e6)));
    }

    // ------------------------------------------------------------------------------------------
    // repay

    function test_repay_partialCappedAndAll_succeeds() public {
        _aliceBorrowed(3e18);
        L2State.Db memory d = _run(ALICE, abi.encodeCall(ILending.repay, (WETH, 1e18)));
        assertEq(L2State.getPosition(d, ALICE, WETH).borrowScaled, 2e18);
        assertEq(L2State.getBalance(d, WETH, ALICE), 99e18);
        assertEq(L2State.getMarket(d, WETH).totalBorrowScaled, 2e18);
        d = _run(ALICE, abi.encodeCall(ILending.repay, (WETH, 50e18))); // capped at the debt
        assertEq(L2State.getPosition(d, ALICE, WETH).borrowScaled, 0);
        assertEq(L2State.getBalance(d, WETH, ALICE), 97e18);
        assertEq(_slots(d, ALICE)[1], 0); // left the WETH market
        assertEq(_slots(d, ALICE)[0], uint256(uint160(USDC)));
    }

    function test_repay_afterInterest_roundsDebtUp() public {
        _aliceBorrowed(3e18);
        _now = NOW + 30 days;
        L2State.Db memory d = _run(ALICE, abi.encodeCall(ILending.repay, (WETH, MAX)));
        L2State.Market memory m = L2State.getMarket(d, WETH);
        uint256 debt = (3e18 * m.borrowIndex + RAY - 1) / RAY;
        assertGt(debt, 3e18);
        assertEq(L2State.getBalance(d, WETH, ALICE), 100e18 - debt);
        assertEq(m.totalBorrowScaled, 0);
    }

    function test_repay_reverts() public {
        _aliceBorrowed(3e18);
        _expectRevert("no debt to repay");
        _run(BOB, abi.encodeCall(ILending.repay, (WETH, 1)));
        _expectRevert("repay amount is zero");
        _run(ALICE, abi.encodeCall(ILending.repay, (WETH, 0)));
        _expectRevert("market not listed");
        _run(ALICE, abi.encodeCall(ILending.repay, (DAI, 1)));
        _allowance(WETH, ALICE, LENDING, 1e18 - 1);
        _expectRevert("insufficient allowance");
        _run(ALICE, abi.encodeCall(ILending.repay, (WETH, 1e18)));
        _allowance(WETH, ALICE, LENDING, MAX);
        _balance(WETH, ALICE, 1);
        _expectRevert("transfer amount exceeds balance");
        _run(ALICE, abi.encodeCall(ILending.repay, (WETH, 2)));
    }

    // ------------------------------------------------------------------------------------------
    // liquidate

    function _liquidate(address _borrower, address _debt, address _collateral, uint256 _amount)
        internal
        view
        returns (L2State.Db memory)
    {
        return
            _run(LIQ, abi.encodeCall(ILending.liquidate, (_borrower, _debt, _collateral, _amount)));
    }

    function test_liquidate_healthy_reverts() public {
        _aliceBorrowed(4e18); // 8,000 of debt, liquidation limit 8,500
        _expectRevert("health factor is not below 1");
        _liquidate(ALICE, WETH, USDC, MAX);
    }

    function test_liquidate_closeFactorAndBonus_succeeds() public {
        _aliceBorrowed(4e18);
        _price(WETH, 2_200e18, 0, NOW); // debt 8,800 > 8,500: health factor 0.966
        L2State.Db memory d = _liquidate(ALICE, WETH, USDC, MAX);
        // close factor 0.5: 2 WETH repaid ($4,400), seized 4,400 * 1.04 = 4,576 USDC
        assertEq(L2State.getPosition(d, ALICE, WETH).borrowScaled, 2e18);
        assertEq(L2State.getPosition(d, ALICE, USDC).supplyScaled, 10_000e6 - 4_576e6);
        assertEq(L2State.getBalance(d, WETH, LIQ), 98e18);
        assertEq(L2State.getBalance(d, USDC, LIQ), 100_000e6 + 4_576e6);
        assertEq(L2State.getBalance(d, USDC, LENDING), 110_000e6 - 4_576e6);
        // a smaller request is taken as is
        d = _liquidate(ALICE, WETH, USDC, 1e18);
        assertEq(L2State.getPosition(d, ALICE, WETH).borrowScaled, 3e18);
        assertEq(L2State.getBalance(d, USDC, LIQ), 100_000e6 + 2_288e6);
    }

    function test_liquidate_shortCollateral_shrinksTheRepayment() public {
        _aliceBorrowed(4e18);
        _price(WETH, 4_000e18, 0, NOW); // debt $16,000 against $10,000
        // 2 WETH ($8,000) would seize 8,320 USDC; all 10,000 are worth 10,000 / 1.04 of debt
        _market(WETH, L2State.Market(100e18, 4e18, RAY, RAY, 0, NOW));
        _config(USDC, _usdcConfig());
        L2State.MarketConfig memory w = _wethConfig();
        w.closeFactor = WAD;
        _config(WETH, w);
        L2State.Db memory d = _liquidate(ALICE, WETH, USDC, MAX);
        assertEq(L2State.getPosition(d, ALICE, USDC).supplyScaled, 0);
        uint256 repaid =
            ((10_000e18 * WAD + 1.04e18 - 1) / 1.04e18 * 1e18 + 4_000e18 - 1) / 4_000e18;
        assertEq(L2State.getBalance(d, WETH, LIQ), 100e18 - repaid);
        assertEq(L2State.getBalance(d, USDC, LIQ), 110_000e6);
        assertEq(_slots(d, ALICE)[0], 0); // the collateral market is left
    }

    function test_liquidate_reverts() public {
        _aliceBorrowed(4e18);
        _price(WETH, 2_200e18, 0, NOW);
        _expectRevert("cannot liquidate yourself");
        _run(ALICE, abi.encodeCall(ILending.liquidate, (ALICE, WETH, USDC, MAX)));
        _expectRevert("borrower has no such debt");
        _liquidate(ALICE, USDC, USDC, MAX);
        _expectRevert("borrower has no such collateral");
        _liquidate(ALICE, WETH, WETH, MAX);
        _expectRevert("repay amount is zero");
        _liquidate(ALICE, WETH, USDC, 0);
        _expectRevert("market not listed");
        _liquidate(ALICE, DAI, USDC, 1);
        _expectRevert("nothing to seize");
        _liquidate(ALICE, WETH, USDC, 1); // 1 wei of WETH is worth no USDC unit
        _now = NOW + 3_601;
        _expectRevert("stale price");
        _liquidate(ALICE, WETH, USDC, MAX);
        _now = NOW;
        _allowance(WETH, LIQ, LENDING, 1);
        _expectRevert("insufficient allowance");
        _liquidate(ALICE, WETH, USDC, MAX);
    }

    // ------------------------------------------------------------------------------------------
    // views

    function test_views_changeNothing_succeeds() public {
        _aliceBorrowed(3e18);
        _now = NOW + 30 days; // they accrue without writing
        bytes[] memory calls = new bytes[](4);
        calls[0] = abi.encodeCall(ILending.getAccountData, (ALICE));
        calls[1] = abi.encodeCall(ILending.getPosition, (ALICE, WETH));
        calls[2] = abi.encodeCall(ILending.getMarket, (WETH));
        calls[3] = abi.encodeCall(ILending.getRiskParameters, (WETH));
        for (uint256 i = 0; i < calls.length; i++) {
            L2State.Db memory d = _run(BOB, calls[i]);
            for (uint256 j = 0; j < d.leaves.length; j++) {
                assertEq(keccak256(abi.encode(d.leaves[j].words)), keccak256(abi.encode(_words[j])));
            }
        }
    }

    function test_views_failLikePython_reverts() public {
        _expectRevert("market not listed");
        _run(BOB, abi.encodeCall(ILending.getMarket, (DAI)));
        _expectRevert("market not listed");
        _run(BOB, abi.encodeCall(ILending.getPosition, (ALICE, DAI)));
        _expectRevert("market not listed");
        _run(BOB, abi.encodeCall(ILending.getRiskParameters, (DAI)));
        _aliceBorrowed(3e18);
        _price(WETH, 0, 0, NOW);
        _expectRevert("no price for asset");
        _run(BOB, abi.encodeCall(ILending.getAccountData, (ALICE)));
        _run(BOB, abi.encodeCall(ILending.getRiskParameters, (WETH))); // reads no price check
    }

    function test_getAccountData_values_succeeds() public {
        _aliceBorrowed(3e18);
        LendingLib.AccountData memory a = this.accountData(_db(), ALICE);
        assertEq(a.collateralValue, 10_000e18);
        assertEq(a.debtValue, 6_000e18);
        assertEq(a.borrowLimit, 8_000e18);
        assertEq(a.liquidationLimit, 8_500e18);
        assertEq(a.healthFactor, 8_500e18 * WAD / 6_000e18);
    }

    function accountData(L2State.Db memory _d, address _account)
        external
        view
        returns (LendingLib.AccountData memory)
    {
        return LendingOps.getAccountData(_d, _env(), _account);
    }
}
