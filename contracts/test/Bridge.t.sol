// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "./utils/Test.sol";
import {SmtBuilder} from "./utils/SmtBuilder.sol";
import {Bridge} from "../src/L1/Bridge.sol";
import {OutputOracle} from "../src/L1/OutputOracle.sol";
import {StepState} from "../src/libraries/StepStateLib.sol";
import {TestERC20} from "../src/L1/TestERC20.sol";
import {
    Bytes32MetadataToken,
    FalseReturnToken,
    FeeOnTransferToken,
    MalformedMetadataToken,
    NoMetadataToken,
    NoReturnToken
} from "./mocks/MockTokens.sol";
import {RejectingRecipient, ReentrantRecipient} from "./mocks/MockRecipients.sol";

/// @notice Deploys an oracle, a bridge and a token, and builds withdrawal trees and outputs for
///         the withdrawal tests.
abstract contract BridgeFixture is Test {
    address internal constant PROPOSER = address(0xB0B);
    address internal constant CHALLENGER = address(0xC4A1);
    address internal constant ALICE = address(0xA11CE);
    address internal constant CAROL = address(0xCA201);
    address internal constant L2_SENDER = address(0x5E7D);
    uint256 internal constant INTERVAL = 10;
    uint256 internal constant PERIOD = 7 days;
    uint256 internal constant BOND = 1 ether;
    uint256 internal constant START = 1_700_000_000;
    bytes32 internal constant STATE_ROOT = keccak256("state root");
    bytes32 internal constant BLOCK_HASH = keccak256("block hash");

    OutputOracle internal oracle;
    Bridge internal bridge;
    TestERC20 internal token;

    function setUp() public virtual {
        vm.warp(START);
        oracle =
            new OutputOracle(
                PROPOSER, CHALLENGER, INTERVAL, PERIOD, BOND, keccak256("genesis"), 7 days
            );
        bridge = new Bridge(address(oracle));
        token = new TestERC20("Test USD", "TUSD", 6);
        vm.deal(PROPOSER, 1_000 ether);
        vm.deal(ALICE, 1_000 ether);
    }

    function _withdrawal(uint256 _index, address _recipient, address _token, uint256 _amount)
        internal
        pure
        returns (Bridge.Withdrawal memory)
    {
        return Bridge.Withdrawal({
            index: _index,
            sender: L2_SENDER,
            l1Recipient: _recipient,
            l1Token: _token,
            amount: _amount
        });
    }

    function _hash(Bridge.Withdrawal memory _w) internal pure returns (bytes32) {
        return keccak256(abi.encode(_w.index, _w.sender, _w.l1Recipient, _w.l1Token, _w.amount));
    }

    /// @dev The withdrawal tree's keys (withdrawal hashes) and values (all 1).
    function _leaves(Bridge.Withdrawal[] memory _ws)
        internal
        pure
        returns (bytes32[] memory keys_, bytes32[] memory values_)
    {
        keys_ = new bytes32[](_ws.length);
        values_ = new bytes32[](_ws.length);
        for (uint256 i = 0; i < _ws.length; i++) {
            keys_[i] = _hash(_ws[i]);
            values_[i] = bytes32(uint256(1));
        }
    }

    function _outputRootProof(Bridge.Withdrawal[] memory _ws)
        internal
        pure
        returns (Bridge.OutputRootProof memory)
    {
        (bytes32[] memory keys, bytes32[] memory values) = _leaves(_ws);
        return Bridge.OutputRootProof({
            version: bytes32(0),
            stateRoot: STATE_ROOT,
            withdrawalRoot: SmtBuilder.computeRoot(keys, values),
            blockHash: BLOCK_HASH
        });
    }

    function _outputRoot(Bridge.OutputRootProof memory _p) internal pure returns (bytes32) {
        return
            keccak256(abi.encodePacked(_p.version, _p.stateRoot, _p.withdrawalRoot, _p.blockHash));
    }

    function _proof(Bridge.Withdrawal[] memory _ws, Bridge.Withdrawal memory _w)
        internal
        pure
        returns (bytes memory)
    {
        (bytes32[] memory keys, bytes32[] memory values) = _leaves(_ws);
        return SmtBuilder.prove(keys, values, _hash(_w));
    }

    /// @dev Proposes the output `_p` is the preimage of, at L2 block `_l2BlockNumber`.
    function _proposeProof(Bridge.OutputRootProof memory _p, uint256 _l2BlockNumber) internal {
        StepState memory state;
        state.stateRoot = _p.stateRoot;
        state.blockNumber = _l2BlockNumber;
        vm.prank(PROPOSER);
        state.blockHash = _p.blockHash;
        oracle.proposeOutput{value: BOND}(state, _p.withdrawalRoot);
    }

    /// @dev Proposes the next output, committing to the withdrawal tree of `_ws`.
    function _proposeOutput(Bridge.Withdrawal[] memory _ws)
        internal
        returns (uint256 outputIndex_, Bridge.OutputRootProof memory proof_)
    {
        proof_ = _outputRootProof(_ws);
        outputIndex_ = oracle.outputCount();
        uint256 l2BlockNumber = oracle.nextBlockNumber();
        _proposeProof(proof_, l2BlockNumber);
    }

    /// @dev Proposes an output holding `_ws` and proves `_ws[_which]` against it.
    function _proposeAndProve(Bridge.Withdrawal[] memory _ws, uint256 _which)
        internal
        returns (uint256 outputIndex_)
    {
        Bridge.OutputRootProof memory p;
        (outputIndex_, p) = _proposeOutput(_ws);
        bridge.proveWithdrawal(_ws[_which], outputIndex_, p, _proof(_ws, _ws[_which]));
    }

    /// @dev Deposits `_amount` wei so the bridge can pay ETH withdrawals.
    function _fundETH(uint256 _amount) internal {
        vm.prank(ALICE);
        bridge.depositETH{value: _amount}(ALICE);
    }

    /// @dev Deposits `_amount` of `token` so the bridge can pay token withdrawals.
    function _fundToken(uint256 _amount) internal {
        token.mint(ALICE, _amount);
        vm.startPrank(ALICE);
        token.approve(address(bridge), _amount);
        bridge.depositERC20(address(token), ALICE, _amount);
        vm.stopPrank();
    }
}

contract BridgeDepositTest is BridgeFixture {
    event L2TransactionQueued(uint256 indexed queueIndex, uint8 indexed kind, bytes payload);

    // ------------------------------------------------------------------------------------------
    // depositETH

    function test_depositETH_value_succeeds() public {
        vm.expectEmit(address(bridge));
        emit L2TransactionQueued(0, 1, abi.encode(ALICE, CAROL, 2 ether));
        vm.prank(ALICE);
        bridge.depositETH{value: 2 ether}(CAROL);
        assertEq(bridge.queueLength(), 1);
        assertEq(address(bridge).balance, 2 ether);
        assertEq(ALICE.balance, 998 ether);
    }

    function test_depositETH_recordsMessageHashWithItsL1BlockAndTime_succeeds() public {
        vm.roll(1234);
        vm.warp(1_700_000_000);
        vm.prank(ALICE);
        bridge.depositETH{value: 2 ether}(CAROL);
        vm.roll(1240);
        vm.warp(1_700_000_072);
        vm.prank(ALICE);
        bridge.forceTransaction(hex"02c0ffee");
        assertEq(
            bridge.messageHashes(0),
            keccak256(
                abi.encode(
                    uint8(1),
                    uint64(1234),
                    uint64(1_700_000_000),
                    abi.encode(ALICE, CAROL, 2 ether)
                )
            )
        );
        assertEq(
            bridge.messageHashes(1),
            keccak256(abi.encode(uint8(3), uint64(1240), uint64(1_700_000_072), hex"02c0ffee"))
        );
        assertEq(bridge.messageHashes(2), bytes32(0));
    }

    function test_depositETH_zeroValue_reverts() public {
        vm.expectRevert(Bridge.ZeroAmount.selector);
        vm.prank(ALICE);
        bridge.depositETH(CAROL);
    }

    function test_depositETH_zeroRecipient_reverts() public {
        vm.expectRevert(Bridge.ZeroRecipient.selector);
        vm.prank(ALICE);
        bridge.depositETH{value: 1}(address(0));
    }

    function test_depositETH_plainTransfer_reverts() public {
        vm.prank(ALICE);
        (bool success,) = address(bridge).call{value: 1 ether}("");
        assertFalse(success);
        assertEq(address(bridge).balance, 0);
    }

    // ------------------------------------------------------------------------------------------
    // depositERC20

    /// @dev Alice approves the bridge for `_amount` of `_token`.
    function _approve(address _token, uint256 _amount) internal {
        vm.prank(ALICE);
        (bool success,) = _token.call(
            abi.encodeWithSignature("approve(address,uint256)", address(bridge), _amount)
        );
        require(success, "approve");
    }

    /// @dev Alice deposits `_amount` of `_token` to Carol.
    function _deposit(address _token, uint256 _amount) internal {
        vm.prank(ALICE);
        bridge.depositERC20(_token, CAROL, _amount);
    }

    function test_depositERC20_pullsTokens_succeeds() public {
        token.mint(ALICE, 1_000);
        _approve(address(token), 700);
        vm.expectEmit(address(bridge));
        emit L2TransactionQueued(
            0,
            2,
            abi.encode(ALICE, CAROL, address(token), uint256(700), "Test USD", "TUSD", uint8(6))
        );
        _deposit(address(token), 700);
        assertEq(token.balanceOf(address(bridge)), 700);
        assertEq(token.balanceOf(ALICE), 300);
        assertEq(token.allowance(ALICE, address(bridge)), 0);
        assertEq(bridge.queueLength(), 1);
        bytes memory payload =
            abi.encode(ALICE, CAROL, address(token), uint256(700), "Test USD", "TUSD", uint8(6));
        assertEq(
            bridge.messageHashes(0),
            keccak256(
                abi.encode(uint8(2), uint64(block.number), uint64(block.timestamp), payload)
            )
        );
    }

    function test_depositERC20_noReturnToken_succeeds() public {
        NoReturnToken usdt = new NoReturnToken();
        usdt.mint(ALICE, 50);
        _approve(address(usdt), 50);
        vm.expectEmit(address(bridge));
        emit L2TransactionQueued(
            0,
            2,
            abi.encode(ALICE, CAROL, address(usdt), uint256(50), "Tether USD", "USDT", uint8(6))
        );
        _deposit(address(usdt), 50);
        assertEq(usdt.balanceOf(address(bridge)), 50);
    }

    function test_depositERC20_noMetadataToken_succeeds() public {
        NoMetadataToken bare = new NoMetadataToken();
        bare.mint(ALICE, 50);
        _approve(address(bare), 50);
        vm.expectEmit(address(bridge));
        emit L2TransactionQueued(
            0, 2, abi.encode(ALICE, CAROL, address(bare), uint256(50), "", "", uint8(18))
        );
        _deposit(address(bare), 50);
    }

    function test_depositERC20_bytes32MetadataToken_succeeds() public {
        Bytes32MetadataToken mkr = new Bytes32MetadataToken();
        mkr.mint(ALICE, 50);
        _approve(address(mkr), 50);
        vm.expectEmit(address(bridge));
        emit L2TransactionQueued(
            0, 2, abi.encode(ALICE, CAROL, address(mkr), uint256(50), "Maker", "MKR", uint8(18))
        );
        _deposit(address(mkr), 50);
    }

    function test_depositERC20_malformedMetadataToken_succeeds() public {
        MalformedMetadataToken odd = new MalformedMetadataToken();
        odd.mint(ALICE, 50);
        _approve(address(odd), 50);
        vm.expectEmit(address(bridge));
        emit L2TransactionQueued(
            0, 2, abi.encode(ALICE, CAROL, address(odd), uint256(50), "", "", uint8(8))
        );
        _deposit(address(odd), 50);
    }

    function test_depositERC20_falseReturnToken_reverts() public {
        FalseReturnToken liar = new FalseReturnToken();
        liar.mint(ALICE, 50);
        _approve(address(liar), 50);
        vm.expectRevert(Bridge.TokenTransferFailed.selector);
        _deposit(address(liar), 50);
    }

    function test_depositERC20_feeOnTransferToken_reverts() public {
        FeeOnTransferToken taxed = new FeeOnTransferToken();
        taxed.mint(ALICE, 1_000);
        _approve(address(taxed), 1_000);
        vm.expectRevert(Bridge.TransferAmountMismatch.selector);
        _deposit(address(taxed), 1_000);
    }

    function test_depositERC20_insufficientAllowance_reverts() public {
        token.mint(ALICE, 1_000);
        vm.prank(ALICE);
        token.approve(address(bridge), 699);
        vm.expectRevert(Bridge.TokenTransferFailed.selector);
        vm.prank(ALICE);
        bridge.depositERC20(address(token), CAROL, 700);
    }

    function test_depositERC20_tokenWithoutCode_reverts() public {
        vm.expectRevert(Bridge.InvalidToken.selector);
        vm.prank(ALICE);
        bridge.depositERC20(address(0xE0A), CAROL, 1);
    }

    function test_depositERC20_zeroAmount_reverts() public {
        vm.expectRevert(Bridge.ZeroAmount.selector);
        vm.prank(ALICE);
        bridge.depositERC20(address(token), CAROL, 0);
    }

    function test_depositERC20_zeroRecipient_reverts() public {
        vm.expectRevert(Bridge.ZeroRecipient.selector);
        vm.prank(ALICE);
        bridge.depositERC20(address(token), address(0), 1);
    }

    // ------------------------------------------------------------------------------------------
    // forceTransaction

    function test_forceTransaction_signedTransaction_succeeds() public {
        bytes memory raw = hex"02f86c82a4b1808405f5e100843b9aca0082520894";
        vm.expectEmit(address(bridge));
        emit L2TransactionQueued(0, 3, raw);
        vm.prank(ALICE);
        bridge.forceTransaction(raw);
        assertEq(bridge.queueLength(), 1);
    }

    function test_forceTransaction_maximumSize_succeeds() public {
        bytes memory raw = new bytes(32 * 1024);
        raw[0] = 0x02;
        vm.expectEmit(address(bridge));
        emit L2TransactionQueued(0, 3, raw);
        bridge.forceTransaction(raw);
    }

    function test_forceTransaction_oneByteTooLarge_reverts() public {
        vm.expectRevert(Bridge.TransactionTooLarge.selector);
        bridge.forceTransaction(new bytes(32 * 1024 + 1));
    }

    function test_forceTransaction_empty_reverts() public {
        vm.expectRevert(Bridge.EmptyTransaction.selector);
        bridge.forceTransaction("");
    }

    // ------------------------------------------------------------------------------------------
    // One queue

    function test_queueLength_mixedKinds_succeeds() public {
        token.mint(ALICE, 10);
        vm.startPrank(ALICE);
        token.approve(address(bridge), 10);
        vm.expectEmit(address(bridge));
        emit L2TransactionQueued(0, 3, hex"01");
        bridge.forceTransaction(hex"01");
        vm.expectEmit(address(bridge));
        emit L2TransactionQueued(1, 1, abi.encode(ALICE, ALICE, uint256(5)));
        bridge.depositETH{value: 5}(ALICE);
        vm.expectEmit(address(bridge));
        emit L2TransactionQueued(
            2,
            2,
            abi.encode(ALICE, CAROL, address(token), uint256(10), "Test USD", "TUSD", uint8(6))
        );
        bridge.depositERC20(address(token), CAROL, 10);
        vm.stopPrank();
        assertEq(bridge.queueLength(), 3);
    }
}

contract BridgeWithdrawalTest is BridgeFixture {
    event WithdrawalProven(
        bytes32 indexed withdrawalHash, uint256 indexed outputIndex, address indexed l1Recipient
    );
    event WithdrawalFinalized(bytes32 indexed withdrawalHash);

    Bridge.Withdrawal[] internal _stored;

    /// @dev Three withdrawals: 1 ETH to Alice, 500 TUSD to Carol, 2 ETH to Carol.
    function _withdrawals() internal view returns (Bridge.Withdrawal[] memory ws_) {
        ws_ = new Bridge.Withdrawal[](3);
        ws_[0] = _withdrawal(0, ALICE, address(0), 1 ether);
        ws_[1] = _withdrawal(1, CAROL, address(token), 500);
        ws_[2] = _withdrawal(2, CAROL, address(0), 2 ether);
    }

    // ------------------------------------------------------------------------------------------
    // hashes

    function test_hashWithdrawal_abiEncode_succeeds() public view {
        Bridge.Withdrawal memory w = _withdrawal(7, ALICE, address(token), 123);
        assertEq(
            bridge.hashWithdrawal(w),
            keccak256(abi.encode(uint256(7), L2_SENDER, ALICE, address(token), uint256(123)))
        );
    }

    function test_hashOutputRootProof_encodePacked_succeeds() public view {
        Bridge.OutputRootProof memory p =
            Bridge.OutputRootProof(bytes32(0), STATE_ROOT, keccak256("withdrawals"), BLOCK_HASH);
        assertEq(
            bridge.hashOutputRootProof(p),
            keccak256(
                abi.encodePacked(bytes32(0), STATE_ROOT, keccak256("withdrawals"), BLOCK_HASH)
            )
        );
    }

    // ------------------------------------------------------------------------------------------
    // proveWithdrawal

    function test_proveWithdrawal_validProof_succeeds() public {
        Bridge.Withdrawal[] memory ws = _withdrawals();
        (uint256 outputIndex, Bridge.OutputRootProof memory p) = _proposeOutput(ws);
        vm.warp(START + 5);
        vm.expectEmit(address(bridge));
        emit WithdrawalProven(_hash(ws[1]), 0, CAROL);
        bridge.proveWithdrawal(ws[1], outputIndex, p, _proof(ws, ws[1]));
        (bytes32 outputRoot, uint128 provenIndex, uint128 timestamp) =
            bridge.provenWithdrawals(_hash(ws[1]));
        assertEq(outputRoot, _outputRoot(p));
        assertEq(uint256(provenIndex), 0);
        assertEq(uint256(timestamp), START + 5);
    }

    function test_proveWithdrawal_everyLeaf_succeeds() public {
        Bridge.Withdrawal[] memory ws = _withdrawals();
        (uint256 outputIndex, Bridge.OutputRootProof memory p) = _proposeOutput(ws);
        for (uint256 i = 0; i < ws.length; i++) {
            bridge.proveWithdrawal(ws[i], outputIndex, p, _proof(ws, ws[i]));
            (bytes32 outputRoot,,) = bridge.provenWithdrawals(_hash(ws[i]));
            assertEq(outputRoot, _outputRoot(p));
        }
    }

    function test_proveWithdrawal_singleLeafTree_succeeds() public {
        Bridge.Withdrawal[] memory ws = new Bridge.Withdrawal[](1);
        ws[0] = _withdrawal(0, ALICE, address(0), 1 ether);
        (uint256 outputIndex, Bridge.OutputRootProof memory p) = _proposeOutput(ws);
        bytes memory proof = _proof(ws, ws[0]);
        // depth 0, empty bitmap, leaf terminal: 1 + 32 + 1 + 64 bytes.
        assertEq(proof.length, 98);
        bridge.proveWithdrawal(ws[0], outputIndex, p, proof);
    }

    function test_proveWithdrawal_missingOutput_reverts() public {
        Bridge.Withdrawal[] memory ws = _withdrawals();
        (, Bridge.OutputRootProof memory p) = _proposeOutput(ws);
        bytes memory proof = _proof(ws, ws[0]);
        vm.expectRevert(Bridge.OutputNotFound.selector);
        bridge.proveWithdrawal(ws[0], 1, p, proof);
    }

    function test_proveWithdrawal_wrongOutputRootProof_reverts() public {
        Bridge.Withdrawal[] memory ws = _withdrawals();
        (uint256 outputIndex, Bridge.OutputRootProof memory p) = _proposeOutput(ws);
        bytes memory proof = _proof(ws, ws[0]);
        p.stateRoot = keccak256("another state");
        vm.expectRevert(Bridge.InvalidOutputRootProof.selector);
        bridge.proveWithdrawal(ws[0], outputIndex, p, proof);
    }

    function test_proveWithdrawal_nonZeroVersion_reverts() public {
        Bridge.Withdrawal[] memory ws = _withdrawals();
        (uint256 outputIndex, Bridge.OutputRootProof memory p) = _proposeOutput(ws);
        bytes memory proof = _proof(ws, ws[0]);
        p.version = bytes32(uint256(1));
        vm.expectRevert(Bridge.InvalidOutputRootProof.selector);
        bridge.proveWithdrawal(ws[0], outputIndex, p, proof);
    }

    function test_proveWithdrawal_tamperedSibling_reverts() public {
        Bridge.Withdrawal[] memory ws = _withdrawals();
        (uint256 outputIndex, Bridge.OutputRootProof memory p) = _proposeOutput(ws);
        bytes memory proof = _proof(ws, ws[0]);
        assertGt(proof.length, 98); // at least one listed sibling, starting at byte 33
        proof[33] ^= 0x01;
        vm.expectRevert(Bridge.InvalidWithdrawalProof.selector);
        bridge.proveWithdrawal(ws[0], outputIndex, p, proof);
    }

    function test_proveWithdrawal_truncatedProof_reverts() public {
        Bridge.Withdrawal[] memory ws = _withdrawals();
        (uint256 outputIndex, Bridge.OutputRootProof memory p) = _proposeOutput(ws);
        bytes memory proof = _proof(ws, ws[0]);
        assembly {
            mstore(proof, sub(mload(proof), 1))
        }
        vm.expectRevert(Bridge.InvalidWithdrawalProof.selector);
        bridge.proveWithdrawal(ws[0], outputIndex, p, proof);
    }

    function test_proveWithdrawal_withdrawalNotInTree_reverts() public {
        Bridge.Withdrawal[] memory ws = _withdrawals();
        (uint256 outputIndex, Bridge.OutputRootProof memory p) = _proposeOutput(ws);
        Bridge.Withdrawal memory inflated = _withdrawal(0, ALICE, address(0), 100 ether);
        // The tree's proof for the inflated withdrawal's key is an exclusion proof.
        bytes memory exclusion = _proof(ws, inflated);
        vm.expectRevert(Bridge.InvalidWithdrawalProof.selector);
        bridge.proveWithdrawal(inflated, outputIndex, p, exclusion);
    }

    function test_proveWithdrawal_proofOfAnotherWithdrawal_reverts() public {
        Bridge.Withdrawal[] memory ws = _withdrawals();
        (uint256 outputIndex, Bridge.OutputRootProof memory p) = _proposeOutput(ws);
        Bridge.Withdrawal memory inflated = _withdrawal(0, ALICE, address(0), 100 ether);
        bytes memory proof = _proof(ws, ws[0]);
        vm.expectRevert(Bridge.InvalidWithdrawalProof.selector);
        bridge.proveWithdrawal(inflated, outputIndex, p, proof);
    }

    function test_proveWithdrawal_alreadyProven_reverts() public {
        Bridge.Withdrawal[] memory ws = _withdrawals();
        (uint256 outputIndex, Bridge.OutputRootProof memory p) = _proposeOutput(ws);
        bytes memory proof = _proof(ws, ws[0]);
        bridge.proveWithdrawal(ws[0], outputIndex, p, proof);
        vm.expectRevert(Bridge.AlreadyProven.selector);
        bridge.proveWithdrawal(ws[0], outputIndex, p, proof);
    }

    function test_proveWithdrawal_againstLaterOutputWhileProven_reverts() public {
        Bridge.Withdrawal[] memory ws = _withdrawals();
        _proposeAndProve(ws, 0);
        (uint256 later, Bridge.OutputRootProof memory p) = _proposeOutput(ws);
        bytes memory proof = _proof(ws, ws[0]);
        vm.expectRevert(Bridge.AlreadyProven.selector);
        bridge.proveWithdrawal(ws[0], later, p, proof);
    }

    function test_proveWithdrawal_afterOutputDeleted_succeeds() public {
        Bridge.Withdrawal[] memory ws = _withdrawals();
        _proposeAndProve(ws, 0);
        vm.prank(CHALLENGER);
        oracle.deleteOutputs(0, CHALLENGER);
        vm.warp(START + 60);
        // The replacement output commits to a different state, so its root differs.
        Bridge.OutputRootProof memory p = _outputRootProof(ws);
        p.stateRoot = keccak256("replacement state");
        _proposeProof(p, INTERVAL);
        bridge.proveWithdrawal(ws[0], 0, p, _proof(ws, ws[0]));
        (bytes32 outputRoot, uint128 outputIndex, uint128 timestamp) =
            bridge.provenWithdrawals(_hash(ws[0]));
        assertEq(outputRoot, _outputRoot(p));
        assertEq(uint256(outputIndex), 0);
        assertEq(uint256(timestamp), START + 60);
    }

    function test_proveWithdrawal_finalized_reverts() public {
        _fundETH(10 ether);
        Bridge.Withdrawal[] memory ws = _withdrawals();
        _proposeAndProve(ws, 0);
        vm.warp(START + PERIOD);
        bridge.finalizeWithdrawal(ws[0]);
        (uint256 later, Bridge.OutputRootProof memory p) = _proposeOutput(ws);
        bytes memory proof = _proof(ws, ws[0]);
        vm.expectRevert(Bridge.AlreadyFinalized.selector);
        bridge.proveWithdrawal(ws[0], later, p, proof);
    }

    // ------------------------------------------------------------------------------------------
    // finalizeWithdrawal

    function test_finalizeWithdrawal_eth_succeeds() public {
        _fundETH(10 ether);
        Bridge.Withdrawal[] memory ws = _withdrawals();
        _proposeAndProve(ws, 2);
        vm.warp(START + PERIOD);
        vm.expectEmit(address(bridge));
        emit WithdrawalFinalized(_hash(ws[2]));
        vm.prank(address(0x7777));
        bridge.finalizeWithdrawal(ws[2]);
        assertEq(CAROL.balance, 2 ether);
        assertEq(address(bridge).balance, 8 ether);
        assertTrue(bridge.finalizedWithdrawals(_hash(ws[2])));
    }

    function test_finalizeWithdrawal_erc20_succeeds() public {
        _fundToken(800);
        Bridge.Withdrawal[] memory ws = _withdrawals();
        _proposeAndProve(ws, 1);
        vm.warp(START + PERIOD);
        bridge.finalizeWithdrawal(ws[1]);
        assertEq(token.balanceOf(CAROL), 500);
        assertEq(token.balanceOf(address(bridge)), 300);
        assertTrue(bridge.finalizedWithdrawals(_hash(ws[1])));
    }

    function test_finalizeWithdrawal_noReturnToken_succeeds() public {
        NoReturnToken usdt = new NoReturnToken();
        usdt.mint(address(bridge), 900);
        Bridge.Withdrawal[] memory ws = new Bridge.Withdrawal[](2);
        ws[0] = _withdrawal(0, CAROL, address(usdt), 600);
        ws[1] = _withdrawal(1, ALICE, address(0), 1);
        _proposeAndProve(ws, 0);
        vm.warp(START + PERIOD);
        bridge.finalizeWithdrawal(ws[0]);
        assertEq(usdt.balanceOf(CAROL), 600);
        assertEq(usdt.balanceOf(address(bridge)), 300);
    }

    function test_finalizeWithdrawal_falseReturnToken_reverts() public {
        FalseReturnToken liar = new FalseReturnToken();
        Bridge.Withdrawal[] memory ws = new Bridge.Withdrawal[](1);
        ws[0] = _withdrawal(0, CAROL, address(liar), 600);
        _proposeAndProve(ws, 0);
        vm.warp(START + PERIOD);
        vm.expectRevert(Bridge.TokenTransferFailed.selector);
        bridge.finalizeWithdrawal(ws[0]);
    }

    function test_finalizeWithdrawal_notProven_reverts() public {
        _fundETH(10 ether);
        Bridge.Withdrawal[] memory ws = _withdrawals();
        _proposeOutput(ws);
        vm.warp(START + PERIOD);
        vm.expectRevert(Bridge.NotProven.selector);
        bridge.finalizeWithdrawal(ws[0]);
    }

    function test_finalizeWithdrawal_twice_reverts() public {
        _fundETH(10 ether);
        Bridge.Withdrawal[] memory ws = _withdrawals();
        _proposeAndProve(ws, 0);
        vm.warp(START + PERIOD);
        bridge.finalizeWithdrawal(ws[0]);
        vm.expectRevert(Bridge.AlreadyFinalized.selector);
        bridge.finalizeWithdrawal(ws[0]);
        assertEq(ALICE.balance, 1_000 ether - 10 ether + 1 ether);
    }

    function test_finalizeWithdrawal_beforeWindow_reverts() public {
        _fundETH(10 ether);
        Bridge.Withdrawal[] memory ws = _withdrawals();
        _proposeAndProve(ws, 0);
        vm.warp(START + PERIOD - 1);
        vm.expectRevert(Bridge.NotFinalized.selector);
        bridge.finalizeWithdrawal(ws[0]);
    }

    function test_finalizeWithdrawal_challengedOutput_reverts() public {
        _fundETH(10 ether);
        Bridge.Withdrawal[] memory ws = _withdrawals();
        uint256 outputIndex = _proposeAndProve(ws, 0);
        vm.prank(CHALLENGER);
        oracle.setChallenged(outputIndex, true);
        vm.warp(START + 10 * PERIOD);
        vm.expectRevert(Bridge.NotFinalized.selector);
        bridge.finalizeWithdrawal(ws[0]);
    }

    function test_finalizeWithdrawal_outputDeleted_reverts() public {
        _fundETH(10 ether);
        Bridge.Withdrawal[] memory ws = _withdrawals();
        uint256 outputIndex = _proposeAndProve(ws, 0);
        vm.prank(CHALLENGER);
        oracle.deleteOutputs(outputIndex, CHALLENGER);
        vm.warp(START + PERIOD);
        vm.expectRevert(Bridge.OutputDeleted.selector);
        bridge.finalizeWithdrawal(ws[0]);
    }

    function test_finalizeWithdrawal_outputReplaced_reverts() public {
        _fundETH(10 ether);
        Bridge.Withdrawal[] memory ws = _withdrawals();
        uint256 outputIndex = _proposeAndProve(ws, 0);
        vm.prank(CHALLENGER);
        oracle.deleteOutputs(outputIndex, CHALLENGER);
        Bridge.OutputRootProof memory honest = _outputRootProof(ws);
        honest.blockHash = keccak256("honest output");
        _proposeProof(honest, INTERVAL);
        vm.warp(START + PERIOD);
        assertTrue(oracle.isFinalized(outputIndex));
        vm.expectRevert(Bridge.OutputDeleted.selector);
        bridge.finalizeWithdrawal(ws[0]);
    }

    function test_finalizeWithdrawal_recipientRejectsETH_reverts() public {
        _fundETH(10 ether);
        address rejecting = address(new RejectingRecipient());
        Bridge.Withdrawal[] memory ws = new Bridge.Withdrawal[](1);
        ws[0] = _withdrawal(0, rejecting, address(0), 1 ether);
        _proposeAndProve(ws, 0);
        vm.warp(START + PERIOD);
        vm.expectRevert(Bridge.ETHTransferFailed.selector);
        bridge.finalizeWithdrawal(ws[0]);
        assertFalse(bridge.finalizedWithdrawals(_hash(ws[0])));
        assertEq(address(bridge).balance, 10 ether);
    }

    function test_finalizeWithdrawal_reentrantRecipient_succeeds() public {
        _fundETH(10 ether);
        ReentrantRecipient attacker = new ReentrantRecipient();
        Bridge.Withdrawal[] memory ws = new Bridge.Withdrawal[](2);
        ws[0] = _withdrawal(0, address(attacker), address(0), 1 ether);
        ws[1] = _withdrawal(1, ALICE, address(0), 1 ether);
        _proposeAndProve(ws, 0);
        attacker.arm(bridge, ws[0]);
        vm.warp(START + PERIOD);
        bridge.finalizeWithdrawal(ws[0]);
        assertEq(attacker.timesPaid(), 1);
        assertTrue(attacker.reentryReverted());
        assertEq(
            attacker.reentryRevertData(), abi.encodeWithSelector(Bridge.AlreadyFinalized.selector)
        );
        assertEq(address(attacker).balance, 1 ether);
        assertEq(address(bridge).balance, 9 ether);
    }
}
