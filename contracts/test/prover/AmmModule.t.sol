// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "../utils/Test.sol";
import {L2State} from "../../src/prover/L2State.sol";
import {Env, Call} from "../../src/prover/stf/StfTypes.sol";
import {AmmLib} from "../../src/prover/stf/AmmLib.sol";
import {AmmModule} from "../../src/prover/stf/AmmModule.sol";
import {IAMM} from "../../src/interfaces/IAMM.sol";

/// @notice Behaviour and every revert path of AmmModule / AmmLib (rollup/system/amm.py) on
///         hand-built Dbs that hold exactly the leaves the Python handler touches; the
///         differential vectors (StfAmmVectors.t.sol) check bit-for-bit equality with Python.
contract AmmModuleTest is Test {
    address internal constant AMM = 0x4200000000000000000000000000000000000100;
    address internal constant TOKEN0 = 0x4200000000000000000000000000000000001001;
    address internal constant TOKEN1 = 0x4200000000000000000000000000000000001002;
    address internal constant OTHER = 0x4200000000000000000000000000000000001003;
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    uint256 internal constant NOW = 1_000;
    uint256 internal constant MAX = type(uint256).max;

    AmmModule internal module;

    bytes32[] internal _keys;
    uint256[][] internal _words;

    function setUp() public {
        module = new AmmModule();
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

    function _token(address _t) internal {
        uint256[] memory w = new uint256[](6);
        w[0] = 1;
        w[2] = 18;
        _leaf(L2State.tokenKey(_t), w);
    }

    function _balance(address _t, address _owner, uint256 _amount) internal {
        _leaf(L2State.balanceKey(_t, _owner), _one(_amount));
    }

    function _allowance(address _t, address _owner, uint256 _amount) internal {
        _leaf(L2State.allowanceKey(_t, _owner, AMM), _one(_amount));
    }

    function _pool(uint256 _created, uint256 _r0, uint256 _r1, uint256 _total) internal {
        uint256[] memory w = new uint256[](4);
        w[0] = _created;
        w[1] = _r0;
        w[2] = _r1;
        w[3] = _total;
        _leaf(L2State.poolKey(TOKEN0, TOKEN1), w);
    }

    function _liquidity(address _owner, uint256 _amount) internal {
        _leaf(L2State.liquidityKey(TOKEN0, TOKEN1, _owner), _one(_amount));
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

    function _run(address _sender, bytes memory _data) internal view returns (L2State.Db memory) {
        return module.execute(_db(), _env(), Call(_sender, AMM, 0, _data));
    }

    function _expectRevert(string memory _reason) internal {
        vm.expectRevert(abi.encodeWithSignature("Error(string)", _reason));
    }

    function _pool(L2State.Db memory _d) internal pure returns (L2State.Pool memory) {
        return L2State.getPool(_d, TOKEN0, TOKEN1);
    }

    // Leaves of an addLiquidity by ALICE for BOB on a pool (token0, token1).
    function _addLeaves(uint256 _r0, uint256 _r1, uint256 _total) internal {
        _pool(1, _r0, _r1, _total);
        _allowance(TOKEN0, ALICE, MAX);
        _allowance(TOKEN1, ALICE, 10 ** 30);
        _balance(TOKEN0, ALICE, 10 ** 30);
        _balance(TOKEN0, AMM, _r0);
        _balance(TOKEN1, ALICE, 10 ** 30);
        _balance(TOKEN1, AMM, _r1);
        _liquidity(BOB, 0);
    }

    function _add(address _a, address _b, uint256 _da, uint256 _db_, uint256 _ma, uint256 _mb)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeCall(IAMM.addLiquidity, (_a, _b, _da, _db_, _ma, _mb, BOB, NOW));
    }

    // ------------------------------------------------------------------------------------------
    // Math

    function test_computeAmountOut_uniswapFormula_succeeds() public pure {
        uint256 out = AmmLib.computeAmountOut(1e18, 1_000e18, 3_000_000e6);
        assertEq(out, 2_988_020_943);
    }

    function test_computeAmountIn_roundsUp_succeeds() public pure {
        uint256 needed = AmmLib.computeAmountIn(2_988_020_943, 1_000e18, 3_000_000e6);
        uint256 expected =
            uint256(1_000e18 * 2_988_020_943 * 1000) / ((3_000_000e6 - 2_988_020_943) * 997) + 1;
        assertEq(needed, expected);
        assertGe(AmmLib.computeAmountOut(needed, 1_000e18, 3_000_000e6), 2_988_020_943);
        assertLt(AmmLib.computeAmountOut(needed - 1, 1_000e18, 3_000_000e6), 2_988_020_943);
    }

    function test_computeAmountIn_reverts() public {
        vm.expectRevert(abi.encodeWithSignature("Error(string)", "insufficient output amount"));
        this.amountIn(0, 10, 10);
        vm.expectRevert(abi.encodeWithSignature("Error(string)", "insufficient liquidity"));
        this.amountIn(10, 10, 10);
        vm.expectRevert(abi.encodeWithSignature("Error(string)", "insufficient liquidity"));
        this.amountIn(1, 0, 10);
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x11));
        this.amountIn(2, MAX, 10);
    }

    function amountIn(uint256 _out, uint256 _rIn, uint256 _rOut) external pure returns (uint256) {
        return AmmLib.computeAmountIn(_out, _rIn, _rOut);
    }

    function test_quote_reverts() public {
        _expectRevert("insufficient amount");
        this.quote(0, 1, 1);
        _expectRevert("insufficient liquidity");
        this.quote(1, 0, 1);
        _expectRevert("insufficient liquidity");
        this.quote(1, 1, 0);
        assertEq(this.quote(3, 2, 5), 7);
    }

    function quote(uint256 _a, uint256 _ra, uint256 _rb) external pure returns (uint256) {
        return AmmLib.quote(_a, _ra, _rb);
    }

    function test_sortTokens_succeeds() public {
        (address t0, address t1) = AmmLib.sortTokens(TOKEN1, TOKEN0);
        assertEq(t0, TOKEN0);
        assertEq(t1, TOKEN1);
        _expectRevert("identical tokens");
        this.sort(TOKEN0, TOKEN0);
    }

    function sort(address _a, address _b) external pure returns (address, address) {
        return AmmLib.sortTokens(_a, _b);
    }

    // ------------------------------------------------------------------------------------------
    // createPool

    function test_createPool_succeeds() public {
        _token(TOKEN0);
        _token(TOKEN1);
        _pool(0, 0, 0, 0);
        L2State.Db memory d = _run(ALICE, abi.encodeCall(IAMM.createPool, (TOKEN1, TOKEN0)));
        L2State.Pool memory p = _pool(d);
        assertEq(p.created, 1);
        assertEq(p.reserve0 + p.reserve1 + p.totalLiquidity, 0);
    }

    function test_createPool_exists_reverts() public {
        _token(TOKEN0);
        _token(TOKEN1);
        _pool(1, 0, 0, 0);
        _expectRevert("pool exists");
        _run(ALICE, abi.encodeCall(IAMM.createPool, (TOKEN0, TOKEN1)));
    }

    function test_createPool_identical_reverts() public {
        _expectRevert("identical tokens");
        _run(ALICE, abi.encodeCall(IAMM.createPool, (TOKEN0, TOKEN0)));
    }

    function test_createPool_unregisteredToken_reverts() public {
        _token(TOKEN0);
        _leaf(L2State.tokenKey(TOKEN1), new uint256[](6));
        _expectRevert("not a registered token");
        _run(ALICE, abi.encodeCall(IAMM.createPool, (TOKEN0, TOKEN1)));
    }

    function test_createPool_firstTokenUnregistered_readsNothingElse_reverts() public {
        // Python stops at token0's registry leaf: only it is in the witness.
        _leaf(L2State.tokenKey(TOKEN0), new uint256[](6));
        _expectRevert("not a registered token");
        _run(ALICE, abi.encodeCall(IAMM.createPool, (TOKEN1, TOKEN0)));
    }

    // ------------------------------------------------------------------------------------------
    // addLiquidity

    function test_addLiquidity_firstDeposit_locksMinimum_succeeds() public {
        _addLeaves(0, 0, 0);
        _liquidity(address(0), 0);
        L2State.Db memory d = _run(ALICE, _add(TOKEN1, TOKEN0, 4e18, 1e18, 0, 0));
        L2State.Pool memory p = _pool(d);
        assertEq(p.reserve0, 1e18);
        assertEq(p.reserve1, 4e18);
        assertEq(p.totalLiquidity, 2e18);
        assertEq(L2State.getLiquidity(d, TOKEN0, TOKEN1, BOB), 2e18 - 1_000);
        assertEq(L2State.getLiquidity(d, TOKEN0, TOKEN1, address(0)), 1_000);
        assertEq(L2State.getBalance(d, TOKEN0, AMM), 1e18);
        assertEq(L2State.getBalance(d, TOKEN1, AMM), 4e18);
        assertEq(L2State.getBalance(d, TOKEN0, ALICE), 10 ** 30 - 1e18);
        // unlimited allowance stays, limited one decreases
        assertEq(L2State.getAllowance(d, TOKEN0, ALICE, AMM), MAX);
        assertEq(L2State.getAllowance(d, TOKEN1, ALICE, AMM), 10 ** 30 - 4e18);
    }

    function test_addLiquidity_firstDepositTooSmall_reverts() public {
        _addLeaves(0, 0, 0);
        _liquidity(address(0), 0);
        _expectRevert("insufficient liquidity minted");
        _run(ALICE, _add(TOKEN0, TOKEN1, 1_000, 1_001, 0, 0));
    }

    function test_addLiquidity_firstDepositJustEnough_succeeds() public {
        _addLeaves(0, 0, 0);
        _liquidity(address(0), 0);
        L2State.Db memory d = _run(ALICE, _add(TOKEN0, TOKEN1, 1_001, 1_001, 0, 0));
        assertEq(L2State.getLiquidity(d, TOKEN0, TOKEN1, BOB), 1);
    }

    function test_addLiquidity_productOverflow_reverts() public {
        _addLeaves(0, 0, 0);
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x11));
        _run(ALICE, _add(TOKEN0, TOKEN1, 2 ** 128, 2 ** 128, 0, 0));
    }

    function test_addLiquidity_optimalB_succeeds() public {
        _addLeaves(100e18, 200e18, 1_000e18);
        L2State.Db memory d = _run(ALICE, _add(TOKEN0, TOKEN1, 10e18, 50e18, 0, 20e18));
        L2State.Pool memory p = _pool(d);
        assertEq(p.reserve0, 110e18);
        assertEq(p.reserve1, 220e18);
        assertEq(p.totalLiquidity, 1_100e18);
        assertEq(L2State.getLiquidity(d, TOKEN0, TOKEN1, BOB), 100e18);
    }

    function test_addLiquidity_optimalA_reversedOrder_succeeds() public {
        _addLeaves(100e18, 200e18, 1_000e18);
        // tokenA = TOKEN1: desire 20 TOKEN1 and 50 TOKEN0; 20 TOKEN1 needs only 10 TOKEN0.
        L2State.Db memory d = _run(ALICE, _add(TOKEN1, TOKEN0, 20e18, 50e18, 0, 0));
        assertEq(_pool(d).reserve0, 110e18);
        // desire 100 TOKEN1 and 10 TOKEN0: B optimal (50) exceeds desired, so A optimal = 20.
        d = _run(ALICE, _add(TOKEN1, TOKEN0, 100e18, 10e18, 20e18, 0));
        assertEq(_pool(d).reserve0, 110e18);
        assertEq(_pool(d).reserve1, 220e18);
    }

    function test_addLiquidity_minB_reverts() public {
        _addLeaves(100e18, 200e18, 1_000e18);
        _expectRevert("insufficient B amount");
        _run(ALICE, _add(TOKEN0, TOKEN1, 10e18, 50e18, 0, 20e18 + 1));
    }

    function test_addLiquidity_minA_reverts() public {
        _addLeaves(100e18, 200e18, 1_000e18);
        _expectRevert("insufficient A amount");
        _run(ALICE, _add(TOKEN0, TOKEN1, 50e18, 20e18, 10e18 + 1, 0));
    }

    function test_addLiquidity_zeroDesired_reverts() public {
        _addLeaves(100e18, 200e18, 1_000e18);
        _expectRevert("insufficient amount");
        _run(ALICE, _add(TOKEN0, TOKEN1, 0, 20e18, 0, 0));
    }

    function test_addLiquidity_oneSidedReserves_reverts() public {
        _addLeaves(100e18, 0, 1_000e18);
        _expectRevert("insufficient liquidity");
        _run(ALICE, _add(TOKEN0, TOKEN1, 1e18, 1e18, 0, 0));
    }

    function test_addLiquidity_nothingMinted_reverts() public {
        _addLeaves(100e18, 200e18, 10);
        _expectRevert("insufficient liquidity minted");
        _run(ALICE, _add(TOKEN0, TOKEN1, 1e18, 2e18, 0, 0));
    }

    function test_addLiquidity_insufficientAllowance_reverts() public {
        _addLeaves(100e18, 200e18, 1_000e18);
        _expectRevert("insufficient allowance");
        _run(ALICE, _add(TOKEN0, TOKEN1, 1e30, 2e30, 0, 0));
    }

    function test_addLiquidity_insufficientBalance_reverts() public {
        _pool(1, 100e18, 200e18, 1_000e18);
        _allowance(TOKEN0, ALICE, MAX);
        _balance(TOKEN0, ALICE, 1e18 - 1);
        _expectRevert("transfer amount exceeds balance");
        _run(ALICE, _add(TOKEN0, TOKEN1, 1e18, 2e18, 0, 0));
    }

    function test_addLiquidity_noPool_reverts() public {
        _pool(0, 0, 0, 0);
        _expectRevert("pool does not exist");
        _run(ALICE, _add(TOKEN0, TOKEN1, 1e18, 2e18, 0, 0));
    }

    function test_addLiquidity_expired_reverts() public {
        _expectRevert("transaction expired");
        _run(ALICE, abi.encodeCall(IAMM.addLiquidity, (TOKEN0, TOKEN1, 1, 1, 0, 0, BOB, NOW - 1)));
    }

    function test_addLiquidity_calldataTooShort_reverts() public {
        bytes memory data = _add(TOKEN0, TOKEN1, 1, 1, 0, 0);
        assembly {
            mstore(data, sub(mload(data), 1))
        }
        _expectRevert("calldata too short");
        _run(ALICE, data);
    }

    function test_addLiquidity_invalidAddress_reverts() public {
        bytes memory data = _add(TOKEN0, TOKEN1, 1, 1, 0, 0);
        data[4 + 6 * 32] = 0x01; // high byte of `to`
        _expectRevert("invalid address argument");
        _run(ALICE, data);
    }

    // ------------------------------------------------------------------------------------------
    // removeLiquidity

    function _removeLeaves(uint256 _owned) internal {
        _pool(1, 100e18, 200e18, 1_000e18);
        _liquidity(ALICE, _owned);
        _balance(TOKEN0, AMM, 100e18);
        _balance(TOKEN0, BOB, 0);
        _balance(TOKEN1, AMM, 200e18);
        _balance(TOKEN1, BOB, 0);
    }

    function _remove(address _a, address _b, uint256 _l, uint256 _ma, uint256 _mb)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeCall(IAMM.removeLiquidity, (_a, _b, _l, _ma, _mb, BOB, NOW));
    }

    function test_removeLiquidity_succeeds() public {
        _removeLeaves(500e18);
        L2State.Db memory d = _run(ALICE, _remove(TOKEN1, TOKEN0, 100e18, 20e18, 10e18));
        L2State.Pool memory p = _pool(d);
        assertEq(p.reserve0, 90e18);
        assertEq(p.reserve1, 180e18);
        assertEq(p.totalLiquidity, 900e18);
        assertEq(L2State.getLiquidity(d, TOKEN0, TOKEN1, ALICE), 400e18);
        assertEq(L2State.getBalance(d, TOKEN0, BOB), 10e18);
        assertEq(L2State.getBalance(d, TOKEN1, BOB), 20e18);
    }

    function test_removeLiquidity_zero_reverts() public {
        // The owner's shares are read before the amount is checked (as in Python).
        _pool(1, 100e18, 200e18, 1_000e18);
        _liquidity(ALICE, 5);
        _expectRevert("insufficient liquidity burned");
        _run(ALICE, _remove(TOKEN0, TOKEN1, 0, 0, 0));
    }

    function test_removeLiquidity_exceedsOwned_reverts() public {
        _removeLeaves(5);
        _expectRevert("burn amount exceeds liquidity");
        _run(ALICE, _remove(TOKEN0, TOKEN1, 6, 0, 0));
    }

    function test_removeLiquidity_roundsToZero_reverts() public {
        _removeLeaves(5);
        _expectRevert("insufficient liquidity burned");
        _run(ALICE, _remove(TOKEN0, TOKEN1, 5, 0, 0)); // 5 * 100e18 / 1000e18 == 0
    }

    function test_removeLiquidity_minA_reverts() public {
        _removeLeaves(500e18);
        _expectRevert("insufficient A amount");
        _run(ALICE, _remove(TOKEN1, TOKEN0, 100e18, 20e18 + 1, 0));
    }

    function test_removeLiquidity_minB_reverts() public {
        _removeLeaves(500e18);
        _expectRevert("insufficient B amount");
        _run(ALICE, _remove(TOKEN1, TOKEN0, 100e18, 0, 10e18 + 1));
    }

    function test_removeLiquidity_expired_reverts() public {
        _expectRevert("transaction expired");
        _run(ALICE, abi.encodeCall(IAMM.removeLiquidity, (TOKEN0, TOKEN1, 1, 0, 0, BOB, 0)));
    }

    function test_removeLiquidity_noPool_reverts() public {
        _pool(0, 0, 0, 0);
        _expectRevert("pool does not exist");
        _run(ALICE, _remove(TOKEN0, TOKEN1, 1, 0, 0));
    }

    function test_removeLiquidity_ammShort_reverts() public {
        _pool(1, 100e18, 200e18, 1_000e18);
        _liquidity(ALICE, 500e18);
        _balance(TOKEN0, AMM, 1);
        _expectRevert("transfer amount exceeds balance");
        _run(ALICE, _remove(TOKEN0, TOKEN1, 100e18, 0, 0));
    }

    // ------------------------------------------------------------------------------------------
    // swapExactIn

    function _swapLeaves(uint256 _allowed) internal {
        _pool(1, 1_000e18, 3_000_000e6, 1);
        _allowance(TOKEN0, ALICE, _allowed);
        _allowance(TOKEN1, ALICE, _allowed);
        _balance(TOKEN0, ALICE, 10e18);
        _balance(TOKEN0, AMM, 1_000e18);
        _balance(TOKEN1, ALICE, 10e18);
        _balance(TOKEN1, AMM, 3_000_000e6);
        _balance(TOKEN0, BOB, 0);
        _balance(TOKEN1, BOB, 0);
    }

    function _swap(address _in, address _out, uint256 _amount, uint256 _min, address _to)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeCall(IAMM.swapExactIn, (_in, _out, _amount, _min, _to, NOW));
    }

    function test_swapExactIn_zeroForOne_succeeds() public {
        _swapLeaves(5e18);
        L2State.Db memory d = _run(ALICE, _swap(TOKEN0, TOKEN1, 1e18, 2_988_020_943, BOB));
        assertEq(L2State.getBalance(d, TOKEN1, BOB), 2_988_020_943);
        assertEq(L2State.getBalance(d, TOKEN0, ALICE), 9e18);
        assertEq(L2State.getAllowance(d, TOKEN0, ALICE, AMM), 4e18);
        L2State.Pool memory p = _pool(d);
        assertEq(p.reserve0, 1_001e18);
        assertEq(p.reserve1, 3_000_000e6 - 2_988_020_943);
        assertEq(p.totalLiquidity, 1);
    }

    function test_swapExactIn_oneForZero_succeeds() public {
        _swapLeaves(MAX);
        uint256 expected = AmmLib.computeAmountOut(3_000e6, 3_000_000e6, 1_000e18);
        L2State.Db memory d = _run(ALICE, _swap(TOKEN1, TOKEN0, 3_000e6, 0, BOB));
        assertEq(L2State.getBalance(d, TOKEN0, BOB), expected);
        assertEq(L2State.getAllowance(d, TOKEN1, ALICE, AMM), MAX);
        assertEq(_pool(d).reserve0, 1_000e18 - expected);
        assertEq(_pool(d).reserve1, 3_003_000e6);
    }

    function test_swapExactIn_toSelf_succeeds() public {
        _swapLeaves(MAX);
        L2State.Db memory d = _run(ALICE, _swap(TOKEN0, TOKEN1, 1e18, 0, ALICE));
        assertEq(L2State.getBalance(d, TOKEN1, ALICE), 10e18 + 2_988_020_943);
    }

    function test_swapExactIn_minOut_reverts() public {
        _swapLeaves(MAX);
        _expectRevert("insufficient output amount");
        _run(ALICE, _swap(TOKEN0, TOKEN1, 1e18, 2_988_020_944, BOB));
    }

    function test_swapExactIn_zeroInput_reverts() public {
        _swapLeaves(MAX);
        _expectRevert("insufficient input amount");
        _run(ALICE, _swap(TOKEN1, TOKEN0, 0, 0, BOB));
    }

    function test_swapExactIn_dustOutputZero_reverts() public {
        _pool(1, 1_000e18, 10, 1);
        _allowance(TOKEN0, ALICE, MAX);
        _expectRevert("insufficient output amount");
        _run(ALICE, _swap(TOKEN0, TOKEN1, 1, 0, BOB));
    }

    function test_swapExactIn_zeroRecipient_reverts() public {
        _expectRevert("swap to the zero address");
        _run(ALICE, _swap(TOKEN0, TOKEN1, 1e18, 0, address(0)));
    }

    function test_swapExactIn_expired_reverts() public {
        _expectRevert("transaction expired");
        _run(ALICE, abi.encodeCall(IAMM.swapExactIn, (TOKEN0, TOKEN1, 1, 0, BOB, NOW - 1)));
    }

    function test_swapExactIn_insufficientAllowance_reverts() public {
        _swapLeaves(1e18 - 1);
        _expectRevert("insufficient allowance");
        _run(ALICE, _swap(TOKEN0, TOKEN1, 1e18, 0, BOB));
    }

    function test_swapExactIn_identicalTokens_readsAllowanceFirst_reverts() public {
        _allowance(TOKEN0, ALICE, MAX);
        _expectRevert("identical tokens");
        _run(ALICE, _swap(TOKEN0, TOKEN0, 1e18, 0, BOB));
    }

    function test_swapExactIn_noPool_reverts() public {
        _allowance(TOKEN0, ALICE, MAX);
        _pool(0, 0, 0, 0);
        _expectRevert("pool does not exist");
        _run(ALICE, _swap(TOKEN0, TOKEN1, 1e18, 0, BOB));
    }

    function test_swapExactIn_emptyPool_reverts() public {
        _allowance(TOKEN0, ALICE, MAX);
        _pool(1, 0, 0, 0);
        _expectRevert("insufficient liquidity");
        _run(ALICE, _swap(TOKEN0, TOKEN1, 1e18, 0, BOB));
    }

    function test_swapExactIn_insufficientBalance_reverts() public {
        _swapLeaves(MAX);
        _expectRevert("transfer amount exceeds balance");
        _run(ALICE, _swap(TOKEN0, TOKEN1, 10e18 + 1, 0, BOB));
    }

    function test_swapExactIn_overflow_reverts() public {
        _swapLeaves(MAX);
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x11));
        _run(ALICE, _swap(TOKEN0, TOKEN1, MAX / 997 + 1, 0, BOB));
    }

    function test_swapExactIn_missingWitness_reverts() public {
        // Without the pool leaf the proof cannot go on.
        _allowance(TOKEN0, ALICE, MAX);
        vm.expectRevert(
            abi.encodeWithSelector(L2State.MissingWitness.selector, L2State.poolKey(TOKEN0, TOKEN1))
        );
        _run(ALICE, _swap(TOKEN0, TOKEN1, 1e18, 0, BOB));
    }

    // ------------------------------------------------------------------------------------------
    // Views

    function test_getReserves_missingPool_succeeds() public {
        _pool(0, 0, 0, 0);
        L2State.Db memory d = _run(ALICE, abi.encodeCall(IAMM.getReserves, (TOKEN1, TOKEN0)));
        assertEq(_pool(d).created, 0);
        _expectRevert("identical tokens");
        _run(ALICE, abi.encodeCall(IAMM.getReserves, (TOKEN1, TOKEN1)));
    }

    function test_getReservesView_order_succeeds() public {
        _pool(1, 5, 7, 9);
        (uint256 a, uint256 b, uint256 t) = AmmLib.getReservesView(_db(), TOKEN1, TOKEN0);
        assertEq(a, 7);
        assertEq(b, 5);
        assertEq(t, 9);
        (uint256 rIn, uint256 rOut) = AmmLib.getReserves(_db(), TOKEN0, TOKEN1);
        assertEq(rIn, 5);
        assertEq(rOut, 7);
    }

    function test_liquidityOf_succeeds() public {
        _liquidity(BOB, 42);
        assertEq(AmmLib.liquidityOf(_db(), TOKEN1, TOKEN0, BOB), 42);
        _run(ALICE, abi.encodeCall(IAMM.liquidityOf, (TOKEN1, TOKEN0, BOB)));
        _expectRevert("identical tokens");
        _run(ALICE, abi.encodeCall(IAMM.liquidityOf, (TOKEN1, TOKEN1, BOB)));
    }

    function test_getAmountOut_reverts() public {
        _pool(0, 0, 0, 0);
        _expectRevert("pool does not exist");
        _run(ALICE, abi.encodeCall(IAMM.getAmountOut, (TOKEN0, TOKEN1, 1)));
    }

    function test_getAmountOut_zeroAmount_reverts() public {
        _pool(1, 5, 7, 9);
        _run(ALICE, abi.encodeCall(IAMM.getAmountOut, (TOKEN0, TOKEN1, 100)));
        _expectRevert("insufficient input amount");
        _run(ALICE, abi.encodeCall(IAMM.getAmountOut, (TOKEN0, TOKEN1, 0)));
    }

    // ------------------------------------------------------------------------------------------
    // Dispatch, gas, payable

    function test_execute_unknownSelector_reverts() public {
        _expectRevert("unknown function selector");
        _run(ALICE, abi.encodeWithSignature("transfer(address,uint256)", BOB, 1));
        _expectRevert("missing function selector");
        _run(ALICE, hex"aabbcc");
    }

    function test_operationGas_succeeds() public view {
        assertEq(
            module.operationGas(AMM, abi.encodeCall(IAMM.createPool, (TOKEN0, TOKEN1))), 60_000
        );
        assertEq(module.operationGas(AMM, _add(TOKEN0, TOKEN1, 1, 1, 0, 0)), 90_000);
        assertEq(module.operationGas(AMM, _remove(TOKEN0, TOKEN1, 1, 0, 0)), 80_000);
        assertEq(module.operationGas(AMM, _swap(TOKEN0, TOKEN1, 1, 0, BOB)), 70_000);
        assertEq(
            module.operationGas(AMM, abi.encodeCall(IAMM.getReserves, (TOKEN0, TOKEN1))), 2_600
        );
        assertEq(
            module.operationGas(AMM, abi.encodeCall(IAMM.liquidityOf, (TOKEN0, TOKEN1, BOB))), 2_600
        );
        assertEq(
            module.operationGas(AMM, abi.encodeCall(IAMM.getAmountOut, (TOKEN0, TOKEN1, 1))), 2_600
        );
        assertEq(module.operationGas(AMM, hex"12345678"), 2_600);
        assertEq(module.operationGas(AMM, hex"12"), 2_600);
        assertEq(module.operationGas(AMM, ""), 2_600);
        // only the selector matters: short calldata of a known function is still priced
        assertEq(module.operationGas(AMM, abi.encodePacked(IAMM.createPool.selector)), 60_000);
    }

    function test_isPayable_succeeds() public view {
        assertFalse(module.isPayable(AMM, abi.encodeCall(IAMM.createPool, (TOKEN0, TOKEN1))));
        assertFalse(module.isPayable(AMM, _swap(TOKEN0, TOKEN1, 1, 0, BOB)));
        assertFalse(module.isPayable(AMM, ""));
    }
}
