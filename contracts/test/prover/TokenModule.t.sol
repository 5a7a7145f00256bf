// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "../utils/Test.sol";
import {L2State} from "../../src/prover/L2State.sol";
import {Env, Call} from "../../src/prover/stf/StfTypes.sol";
import {TokenModule, BridgeOracleLib} from "../../src/prover/stf/TokenModule.sol";
import {IERC20} from "../../src/interfaces/IERC20.sol";
import {IWETH} from "../../src/interfaces/IWETH.sol";
import {IOracle} from "../../src/interfaces/IOracle.sol";
import {IL2Bridge} from "../../src/interfaces/IL2Bridge.sol";

/// @notice Behaviour and every revert path of TokenModule (rollup/system/tokens.py, bridge.py,
///         oracle.py) on hand-built Dbs holding exactly the leaves the Python handler touches;
///         StfTokensVectors.t.sol checks bit-for-bit equality with Python on real witnesses.
contract TokenModuleTest is Test {
    address internal constant WETH = 0x4200000000000000000000000000000000000006;
    address internal constant BRIDGE = 0x4200000000000000000000000000000000000016;
    address internal constant ORACLE = 0x4200000000000000000000000000000000000400;
    address internal constant TOKEN = 0x4200000000000000000000000000000000001001;
    address internal constant OTHER = 0x4200000000000000000000000000000000001009;
    address internal constant L1_TOKEN = address(0x1B);
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant ORACLE_KEY = address(0x0AC1E);
    uint256 internal constant NOW = 5_000;
    uint256 internal constant MAX = type(uint256).max;

    TokenModule internal module;

    bytes32[] internal _keys;
    uint256[][] internal _words;

    function setUp() public {
        module = new TokenModule();
    }

    // ------------------------------------------------------------------------------------------
    // Db building

    function _leaf(bytes32 _key, uint256[] memory _w) internal {
        _keys.push(_key);
        _words.push(_w);
    }

    function _one(uint256 _a) internal pure returns (uint256[] memory w_) {
        w_ = new uint256[](1);
        w_[0] = _a;
    }

    function _two(uint256 _a, uint256 _b) internal pure returns (uint256[] memory w_) {
        w_ = new uint256[](2);
        w_[0] = _a;
        w_[1] = _b;
    }

    function _token(address _t, uint256 _registered, uint256 _supply, uint256 _l1) internal {
        uint256[] memory w = new uint256[](6);
        w[0] = _registered;
        w[1] = _supply;
        w[2] = 18;
        w[3] = _l1;
        _leaf(L2State.tokenKey(_t), w);
    }

    function _balance(address _t, address _owner, uint256 _amount) internal {
        _leaf(L2State.balanceKey(_t, _owner), _one(_amount));
    }

    function _allowance(address _t, address _owner, address _spender, uint256 _amount) internal {
        _leaf(L2State.allowanceKey(_t, _owner, _spender), _one(_amount));
    }

    function _account(address _a, uint256 _balance_) internal {
        _leaf(L2State.accountKey(_a), _two(3, _balance_));
    }

    function _db() internal view returns (L2State.Db memory db_) {
        db_.leaves = new L2State.Leaf[](_keys.length);
        for (uint256 i = 0; i < _keys.length; i++) {
            db_.leaves[i] = L2State.Leaf(_keys[i], _words[i], true, _words[i]);
        }
        db_.withdrawals = new bytes32[](L2State.MAX_WITHDRAWALS_PER_STEP);
    }

    function _env() internal pure returns (Env memory) {
        return Env(7, NOW, 1_000_000, 901);
    }

    function _run(address _sender, address _to, uint256 _value, bytes memory _data)
        internal
        view
        returns (L2State.Db memory)
    {
        return module.execute(_db(), _env(), Call(_sender, _to, _value, _data));
    }

    function _expectRevert(string memory _reason) internal {
        vm.expectRevert(abi.encodeWithSignature("Error(string)", _reason));
    }

    function _expectOverflow() internal {
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x11));
    }

    // ------------------------------------------------------------------------------------------
    // transfer

    function _transferLeaves(uint256 _aliceBalance, uint256 _bobBalance) internal {
        _token(TOKEN, 1, MAX, 0);
        _balance(TOKEN, ALICE, _aliceBalance);
        _balance(TOKEN, BOB, _bobBalance);
    }

    function test_transfer_movesTokens_succeeds() public {
        _transferLeaves(100, 5);
        L2State.Db memory db = _run(ALICE, TOKEN, 0, abi.encodeCall(IERC20.transfer, (BOB, 60)));
        assertEq(L2State.getBalance(db, TOKEN, ALICE), 40);
        assertEq(L2State.getBalance(db, TOKEN, BOB), 65);
    }

    function test_transfer_wholeBalanceAndTrailingBytes_succeeds() public {
        _transferLeaves(100, 0);
        bytes memory data = abi.encodePacked(abi.encodeCall(IERC20.transfer, (BOB, 100)), hex"ff");
        L2State.Db memory db = _run(ALICE, TOKEN, 0, data);
        assertEq(L2State.getBalance(db, TOKEN, ALICE), 0);
        assertEq(L2State.getBalance(db, TOKEN, BOB), 100);
    }

    function test_transfer_toSelf_onlyChecksBalance_succeeds() public {
        _token(TOKEN, 1, MAX, 0);
        _balance(TOKEN, ALICE, 10);
        L2State.Db memory db = _run(ALICE, TOKEN, 0, abi.encodeCall(IERC20.transfer, (ALICE, 10)));
        assertEq(L2State.getBalance(db, TOKEN, ALICE), 10);
        _expectRevert("transfer amount exceeds balance");
        _run(ALICE, TOKEN, 0, abi.encodeCall(IERC20.transfer, (ALICE, 11)));
    }

    function test_transfer_exceedsBalance_reverts() public {
        _transferLeaves(100, 0);
        _expectRevert("transfer amount exceeds balance");
        _run(ALICE, TOKEN, 0, abi.encodeCall(IERC20.transfer, (BOB, 101)));
    }

    function test_transfer_toZeroAddress_reverts() public {
        _transferLeaves(100, 0);
        _expectRevert("transfer to the zero address");
        _run(ALICE, TOKEN, 0, abi.encodeCall(IERC20.transfer, (address(0), 1)));
    }

    function test_transfer_destinationOverflow_reverts() public {
        _transferLeaves(100, MAX);
        _expectOverflow();
        _run(ALICE, TOKEN, 0, abi.encodeCall(IERC20.transfer, (BOB, 1)));
    }

    function test_transfer_unregisteredToken_reverts() public {
        _token(TOKEN, 0, 0, 0);
        _expectRevert("not a registered token");
        _run(ALICE, TOKEN, 0, abi.encodeCall(IERC20.transfer, (BOB, 1)));
    }

    function test_transfer_badCalldata_reverts() public {
        _transferLeaves(100, 0);
        bytes memory data = abi.encodeCall(IERC20.transfer, (BOB, 1));
        bytes memory short = new bytes(67);
        for (uint256 i = 0; i < 67; i++) {
            short[i] = data[i];
        }
        _expectRevert("calldata too short");
        _run(ALICE, TOKEN, 0, short);
        data[4] = 0x01; // a non-zero high byte in the address word
        _expectRevert("invalid address argument");
        _run(ALICE, TOKEN, 0, data);
    }

    function test_transfer_withValue_reverts() public {
        _transferLeaves(100, 0);
        _expectRevert("function is not payable");
        _run(ALICE, TOKEN, 1, abi.encodeCall(IERC20.transfer, (BOB, 1)));
    }

    // ------------------------------------------------------------------------------------------
    // approve, transferFrom

    function test_approve_setsAllowance_succeeds() public {
        _token(TOKEN, 1, 0, 0);
        _allowance(TOKEN, ALICE, BOB, 7);
        L2State.Db memory db = _run(ALICE, TOKEN, 0, abi.encodeCall(IERC20.approve, (BOB, 42)));
        assertEq(L2State.getAllowance(db, TOKEN, ALICE, BOB), 42);
    }

    function test_approve_zeroSpender_reverts() public {
        _token(TOKEN, 1, 0, 0);
        _expectRevert("approve to the zero address");
        _run(ALICE, TOKEN, 0, abi.encodeCall(IERC20.approve, (address(0), 1)));
    }

    function _transferFromLeaves(uint256 _allowed) internal {
        _transferLeaves(100, 0);
        _allowance(TOKEN, ALICE, BOB, _allowed);
    }

    function test_transferFrom_spendsAllowance_succeeds() public {
        _transferFromLeaves(50);
        L2State.Db memory db =
            _run(BOB, TOKEN, 0, abi.encodeCall(IERC20.transferFrom, (ALICE, BOB, 30)));
        assertEq(L2State.getAllowance(db, TOKEN, ALICE, BOB), 20);
        assertEq(L2State.getBalance(db, TOKEN, ALICE), 70);
        assertEq(L2State.getBalance(db, TOKEN, BOB), 30);
    }

    function test_transferFrom_unlimitedAllowance_staysUnlimited_succeeds() public {
        _transferFromLeaves(MAX);
        L2State.Db memory db =
            _run(BOB, TOKEN, 0, abi.encodeCall(IERC20.transferFrom, (ALICE, BOB, 100)));
        assertEq(L2State.getAllowance(db, TOKEN, ALICE, BOB), MAX);
        assertEq(L2State.getBalance(db, TOKEN, BOB), 100);
    }

    function test_transferFrom_insufficientAllowance_reverts() public {
        _transferFromLeaves(29);
        _expectRevert("insufficient allowance");
        _run(BOB, TOKEN, 0, abi.encodeCall(IERC20.transferFrom, (ALICE, BOB, 30)));
    }

    function test_transferFrom_exceedsBalance_reverts() public {
        _transferFromLeaves(MAX);
        _expectRevert("transfer amount exceeds balance");
        _run(BOB, TOKEN, 0, abi.encodeCall(IERC20.transferFrom, (ALICE, BOB, 101)));
    }

    function test_transferFrom_toZeroAddress_reverts() public {
        _transferFromLeaves(MAX);
        _expectRevert("transfer to the zero address");
        _run(BOB, TOKEN, 0, abi.encodeCall(IERC20.transferFrom, (ALICE, address(0), 1)));
    }

    // ------------------------------------------------------------------------------------------
    // Views

    function test_views_changeNothing_succeeds() public {
        _token(TOKEN, 1, 10, 0);
        bytes[6] memory calls = [
            abi.encodeCall(IERC20.name, ()),
            abi.encodeCall(IERC20.symbol, ()),
            abi.encodeCall(IERC20.decimals, ()),
            abi.encodeCall(IERC20.totalSupply, ()),
            abi.encodeCall(IERC20.balanceOf, (ALICE)),
            abi.encodeCall(IERC20.allowance, (ALICE, BOB))
        ];
        for (uint256 i = 0; i < calls.length; i++) {
            L2State.Db memory db = _run(ALICE, TOKEN, 0, calls[i]);
            assertEq(L2State.getToken(db, TOKEN).totalSupply, 10);
        }
    }

    function test_views_revertLikePython_reverts() public {
        _token(TOKEN, 0, 0, 0);
        _expectRevert("not a registered token");
        _run(ALICE, TOKEN, 0, abi.encodeCall(IERC20.decimals, ()));
        _expectRevert("calldata too short");
        _run(ALICE, TOKEN, 0, abi.encodePacked(IERC20.balanceOf.selector));
        bytes memory data = abi.encodeCall(IERC20.allowance, (ALICE, BOB));
        data[36] = 0x01; // dirty spender word
        _expectRevert("invalid address argument");
        _run(ALICE, TOKEN, 0, data);
        _expectRevert("function is not payable");
        _run(ALICE, TOKEN, 1, abi.encodeCall(IERC20.totalSupply, ()));
    }

    function test_selectors_missingOrUnknown_reverts() public {
        _token(TOKEN, 1, 0, 0);
        _expectRevert("missing function selector");
        _run(ALICE, TOKEN, 0, "");
        _expectRevert("missing function selector");
        _run(ALICE, WETH, 0, hex"d0e30d");
        _expectRevert("unknown function selector");
        _run(ALICE, TOKEN, 0, abi.encodeCall(IWETH.deposit, ()));
        _expectRevert("unknown function selector");
        _run(ALICE, TOKEN, 0, abi.encodeCall(IWETH.withdraw, (1)));
        _expectRevert("unknown function selector");
        _run(ALICE, ORACLE, 0, abi.encodeCall(IERC20.totalSupply, ()));
        _expectRevert("unknown function selector");
        _run(ALICE, BRIDGE, 0, abi.encodeCall(IWETH.deposit, ()));
    }

    // ------------------------------------------------------------------------------------------
    // WETH

    function test_wethDeposit_emptyCalldataAndDeposit_mint_succeeds() public {
        _token(WETH, 1, 1_000, 0);
        _balance(WETH, ALICE, 1);
        L2State.Db memory db = _run(ALICE, WETH, 99, "");
        assertEq(L2State.getBalance(db, WETH, ALICE), 100);
        assertEq(L2State.getToken(db, WETH).totalSupply, 1_099);
        db = _run(ALICE, WETH, 9, abi.encodeCall(IWETH.deposit, ()));
        assertEq(L2State.getBalance(db, WETH, ALICE), 10);
        assertEq(L2State.getToken(db, WETH).totalSupply, 1_009);
    }

    function test_wethDeposit_supplyOverflow_reverts() public {
        _token(WETH, 1, MAX, 0);
        _balance(WETH, ALICE, 0);
        _expectOverflow();
        _run(ALICE, WETH, 1, "");
    }

    function _withdrawLeaves(uint256 _held, uint256 _wethEth) internal {
        _token(WETH, 1, 1_000, 0);
        _balance(WETH, ALICE, _held);
        _account(WETH, _wethEth);
        _account(ALICE, 5);
    }

    function test_wethWithdraw_unwraps_succeeds() public {
        _withdrawLeaves(300, 1_000);
        L2State.Db memory db = _run(ALICE, WETH, 0, abi.encodeCall(IWETH.withdraw, (200)));
        assertEq(L2State.getBalance(db, WETH, ALICE), 100);
        assertEq(L2State.getToken(db, WETH).totalSupply, 800);
        assertEq(L2State.getAccount(db, WETH).balance, 800);
        assertEq(L2State.getAccount(db, ALICE).balance, 205);
        assertEq(L2State.getAccount(db, ALICE).nonce, 3);
    }

    function test_wethWithdraw_exceedsBalance_reverts() public {
        _withdrawLeaves(300, 1_000);
        _expectRevert("burn amount exceeds balance");
        _run(ALICE, WETH, 0, abi.encodeCall(IWETH.withdraw, (301)));
    }

    function test_wethWithdraw_contractShortOfEth_reverts() public {
        _withdrawLeaves(300, 10);
        _expectOverflow();
        _run(ALICE, WETH, 0, abi.encodeCall(IWETH.withdraw, (11)));
    }

    function test_wethWithdraw_badCalldataOrValue_reverts() public {
        _withdrawLeaves(300, 1_000);
        _expectRevert("calldata too short");
        _run(ALICE, WETH, 0, abi.encodePacked(IWETH.withdraw.selector, bytes31(0)));
        _expectRevert("function is not payable");
        _run(ALICE, WETH, 1, abi.encodeCall(IWETH.withdraw, (1)));
    }

    // ------------------------------------------------------------------------------------------
    // Oracle

    function _oracleLeaves(uint256 _registered) internal {
        _leaf(L2State.systemKey(), _two(uint256(uint160(ORACLE_KEY)), 3_600));
        _token(TOKEN, _registered, 0, 0);
        uint256[] memory price = new uint256[](3);
        _leaf(L2State.priceKey(TOKEN), price);
    }

    function _setPrice(address _sender, uint256 _price, uint256 _volatility)
        internal
        view
        returns (L2State.Db memory)
    {
        return _run(
            _sender, ORACLE, 0, abi.encodeCall(IOracle.setPrice, (TOKEN, _price, _volatility))
        );
    }

    function test_setPrice_recordsReport_succeeds() public {
        _oracleLeaves(1);
        L2State.Db memory db = _setPrice(ORACLE_KEY, 2e18, 10e18);
        L2State.Price memory price = L2State.getPrice(db, TOKEN);
        assertEq(price.price, 2e18);
        assertEq(price.volatility, 10e18);
        assertEq(price.updatedAt, NOW);
    }

    function test_setPrice_reverts() public {
        _oracleLeaves(1);
        _expectRevert("caller is not the oracle");
        _setPrice(ALICE, 1, 0);
        _expectRevert("price is zero");
        _setPrice(ORACLE_KEY, 0, 0);
        _expectRevert("volatility out of range");
        _setPrice(ORACLE_KEY, 1, 10e18 + 1);
        _expectRevert("calldata too short");
        _run(ORACLE_KEY, ORACLE, 0, abi.encodePacked(IOracle.setPrice.selector, TOKEN));
        _expectRevert("function is not payable");
        _run(ORACLE_KEY, ORACLE, 1, abi.encodeCall(IOracle.setPrice, (TOKEN, 1, 0)));
    }

    function test_setPrice_unregisteredAsset_reverts() public {
        _oracleLeaves(0);
        _expectRevert("not a registered token");
        _setPrice(ORACLE_KEY, 1, 0);
    }

    function test_getPrice_view_succeeds() public {
        L2State.Db memory db = _run(ALICE, ORACLE, 0, abi.encodeCall(IOracle.getPrice, (OTHER)));
        assertEq(db.leaves.length, 0);
        _expectRevert("calldata too short");
        _run(ALICE, ORACLE, 0, abi.encodePacked(IOracle.getPrice.selector));
    }

    // ------------------------------------------------------------------------------------------
    // L2 bridge

    function test_withdrawEth_burnsAndRecords_succeeds() public {
        _account(BRIDGE, 500);
        _leaf(L2State.withdrawalsKey(), _two(4, 0xabc));
        L2State.Db memory db =
            _run(ALICE, BRIDGE, 200, abi.encodeCall(IL2Bridge.withdrawETH, (BOB)));
        assertEq(L2State.getAccount(db, BRIDGE).balance, 300);
        L2State.Withdrawals memory summary = L2State.getWithdrawals(db);
        assertEq(summary.count, 5);
        assertEq(summary.root, 0xabc);
        assertEq(db.withdrawalCount, 1);
        assertEq(
            db.withdrawals[0],
            keccak256(abi.encode(uint256(4), ALICE, BOB, address(0), uint256(200)))
        );
        assertEq(
            db.withdrawals[0], BridgeOracleLib.computeWithdrawalHash(4, ALICE, BOB, address(0), 200)
        );
    }

    function test_withdrawEth_reverts() public {
        _account(BRIDGE, 500);
        _leaf(L2State.withdrawalsKey(), _two(0, 0));
        _expectRevert("withdrawal amount is zero");
        _run(ALICE, BRIDGE, 0, abi.encodeCall(IL2Bridge.withdrawETH, (BOB)));
        _expectRevert("withdrawal to the zero address");
        _run(ALICE, BRIDGE, 1, abi.encodeCall(IL2Bridge.withdrawETH, (address(0))));
        _expectRevert("calldata too short");
        _run(ALICE, BRIDGE, 1, abi.encodePacked(IL2Bridge.withdrawETH.selector));
        _expectOverflow(); // the bridge account must hold the value the runner moved to it
        _run(ALICE, BRIDGE, 501, abi.encodeCall(IL2Bridge.withdrawETH, (BOB)));
    }

    function _withdrawTokenLeaves(uint256 _l1) internal {
        _token(TOKEN, 1, 1_000, _l1);
        _balance(TOKEN, ALICE, 100);
        _leaf(L2State.withdrawalsKey(), _two(9, 0));
    }

    function test_withdrawToken_burnsAndRecords_succeeds() public {
        _withdrawTokenLeaves(uint256(uint160(L1_TOKEN)));
        L2State.Db memory db =
            _run(ALICE, BRIDGE, 0, abi.encodeCall(IL2Bridge.withdrawToken, (TOKEN, 60, BOB)));
        assertEq(L2State.getBalance(db, TOKEN, ALICE), 40);
        assertEq(L2State.getToken(db, TOKEN).totalSupply, 940);
        assertEq(L2State.getWithdrawals(db).count, 10);
        assertEq(db.withdrawalCount, 1);
        assertEq(
            db.withdrawals[0], BridgeOracleLib.computeWithdrawalHash(9, ALICE, BOB, L1_TOKEN, 60)
        );
    }

    function test_withdrawToken_reverts() public {
        _withdrawTokenLeaves(uint256(uint160(L1_TOKEN)));
        _expectRevert("withdrawal amount is zero");
        _run(ALICE, BRIDGE, 0, abi.encodeCall(IL2Bridge.withdrawToken, (TOKEN, 0, BOB)));
        _expectRevert("withdrawal to the zero address");
        _run(ALICE, BRIDGE, 0, abi.encodeCall(IL2Bridge.withdrawToken, (TOKEN, 1, address(0))));
        _expectRevert("burn amount exceeds balance");
        _run(ALICE, BRIDGE, 0, abi.encodeCall(IL2Bridge.withdrawToken, (TOKEN, 101, BOB)));
        _expectRevert("function is not payable");
        _run(ALICE, BRIDGE, 1, abi.encodeCall(IL2Bridge.withdrawToken, (TOKEN, 1, BOB)));
    }

    function test_withdrawToken_notBridged_reverts() public {
        _withdrawTokenLeaves(0);
        _expectRevert("token is not bridged from L1");
        _run(ALICE, BRIDGE, 0, abi.encodeCall(IL2Bridge.withdrawToken, (TOKEN, 1, BOB)));
    }

    function test_withdrawToken_unregistered_reverts() public {
        _token(OTHER, 0, 0, 0);
        _expectRevert("not a registered token");
        _run(ALICE, BRIDGE, 0, abi.encodeCall(IL2Bridge.withdrawToken, (OTHER, 1, BOB)));
    }

    function test_bridgeViews_changeNothing_succeeds() public view {
        L2State.Db memory db = _run(ALICE, BRIDGE, 0, abi.encodeCall(IL2Bridge.withdrawalRoot, ()));
        assertEq(db.withdrawalCount, 0);
        db = _run(ALICE, BRIDGE, 0, abi.encodeCall(IL2Bridge.withdrawalCount, ()));
        assertEq(db.withdrawalCount, 0);
    }

    // ------------------------------------------------------------------------------------------
    // operationGas, isPayable (rollup.execution.compute_operation_gas, registry)

    function test_operationGas_matchesSchedule_succeeds() public view {
        assertEq(module.operationGas(TOKEN, abi.encodeCall(IERC20.transfer, (BOB, 1))), 30_000);
        assertEq(module.operationGas(TOKEN, abi.encodeCall(IERC20.approve, (BOB, 1))), 24_000);
        assertEq(
            module.operationGas(TOKEN, abi.encodeCall(IERC20.transferFrom, (ALICE, BOB, 1))), 36_000
        );
        assertEq(module.operationGas(TOKEN, abi.encodeCall(IERC20.name, ())), 2_600);
        assertEq(module.operationGas(TOKEN, abi.encodeCall(IERC20.balanceOf, (BOB))), 2_600);
        assertEq(module.operationGas(WETH, ""), 28_000);
        assertEq(module.operationGas(WETH, abi.encodeCall(IWETH.deposit, ())), 28_000);
        assertEq(module.operationGas(WETH, abi.encodeCall(IWETH.withdraw, (1))), 30_000);
        assertEq(module.operationGas(WETH, abi.encodeCall(IERC20.transfer, (BOB, 1))), 30_000);
        assertEq(module.operationGas(TOKEN, ""), 2_600);
        assertEq(module.operationGas(TOKEN, abi.encodeCall(IWETH.deposit, ())), 2_600);
        assertEq(module.operationGas(TOKEN, abi.encodeCall(IWETH.withdraw, (1))), 2_600);
        assertEq(module.operationGas(WETH, hex"d0e30d"), 2_600);
        assertEq(module.operationGas(TOKEN, hex"12345678"), 2_600);
        assertEq(
            module.operationGas(ORACLE, abi.encodeCall(IOracle.setPrice, (TOKEN, 1, 1))), 30_000
        );
        assertEq(module.operationGas(ORACLE, abi.encodeCall(IOracle.getPrice, (TOKEN))), 2_600);
        assertEq(module.operationGas(ORACLE, ""), 2_600);
        assertEq(module.operationGas(BRIDGE, abi.encodeCall(IL2Bridge.withdrawETH, (BOB))), 60_000);
        assertEq(
            module.operationGas(BRIDGE, abi.encodeCall(IL2Bridge.withdrawToken, (TOKEN, 1, BOB))),
            60_000
        );
        assertEq(module.operationGas(BRIDGE, abi.encodeCall(IL2Bridge.withdrawalRoot, ())), 2_600);
        assertEq(module.operationGas(BRIDGE, abi.encodeCall(IL2Bridge.withdrawalCount, ())), 2_600);
        assertEq(module.operationGas(BRIDGE, abi.encodeCall(IERC20.transfer, (BOB, 1))), 2_600);
    }

    function test_isPayable_matchesRegistry_succeeds() public view {
        assertTrue(module.isPayable(WETH, ""));
        assertTrue(module.isPayable(WETH, abi.encodeCall(IWETH.deposit, ())));
        assertTrue(module.isPayable(BRIDGE, abi.encodeCall(IL2Bridge.withdrawETH, (BOB))));
        assertFalse(module.isPayable(TOKEN, ""));
        assertFalse(module.isPayable(TOKEN, abi.encodeCall(IWETH.deposit, ())));
        assertFalse(module.isPayable(WETH, abi.encodeCall(IWETH.withdraw, (1))));
        assertFalse(module.isPayable(WETH, hex"d0e30d"));
        assertFalse(module.isPayable(TOKEN, abi.encodeCall(IERC20.transfer, (BOB, 1))));
        assertFalse(module.isPayable(ORACLE, abi.encodeCall(IOracle.setPrice, (TOKEN, 1, 1))));
        assertFalse(
            module.isPayable(BRIDGE, abi.encodeCall(IL2Bridge.withdrawToken, (TOKEN, 1, BOB)))
        );
        assertFalse(module.isPayable(BRIDGE, abi.encodeCall(IL2Bridge.withdrawalCount, ())));
    }
}
