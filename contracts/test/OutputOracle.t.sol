// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "./utils/Test.sol";
import {OutputOracle} from "../src/L1/OutputOracle.sol";
import {StepState} from "../src/libraries/StepStateLib.sol";
import {RejectingRecipient} from "./mocks/MockRecipients.sol";

contract OutputOracleTest is Test {
    event OutputProposed(
        bytes32 indexed outputRoot,
        uint256 indexed outputIndex,
        uint256 indexed l2BlockNumber,
        uint256 timestamp
    );
    event OutputsDeleted(uint256 indexed prevNextIndex, uint256 indexed newNextIndex);
    event OutputChallenged(uint256 indexed outputIndex, bool challenged, uint256 challenges);
    event BondReclaimed(uint256 indexed outputIndex, address indexed proposer, uint256 amount);
    event ChallengerSet(address indexed challenger);
    event GenesisMachineHashSet(bytes32 genesisMachineHash);

    address internal constant PROPOSER = address(0xB0B);
    address internal constant CHALLENGER = address(0xC4A1);
    address internal constant WINNER = address(0x1111);
    uint256 internal constant INTERVAL = 10;
    uint256 internal constant PERIOD = 7 days;
    uint256 internal constant BOND = 1 ether;
    uint256 internal constant START = 1_700_000_000;
    bytes32 internal constant GENESIS = keccak256("genesis step state");
    uint256 internal constant TIMEOUT = 1 days;

    OutputOracle internal oracle;

    function setUp() public {
        vm.warp(START);
        oracle = new OutputOracle(PROPOSER, CHALLENGER, INTERVAL, PERIOD, BOND, GENESIS, TIMEOUT);
        vm.deal(PROPOSER, 100 ether);
    }

    /// @dev The final step state of output `_i` at L2 block `_l2BlockNumber`.
    function _state(uint256 _i, uint256 _l2BlockNumber)
        internal
        pure
        returns (StepState memory s_)
    {
        s_.stateRoot = keccak256(abi.encode("state", _i));
        s_.blockHash = _blockHash(_i);
        s_.blockNumber = _l2BlockNumber;
        s_.timestamp = 1_600_000_000 + _i;
        s_.queueIndex = _i;
    }

    function _withdrawalRoot(uint256 _i) internal pure returns (bytes32) {
        return keccak256(abi.encode("withdrawals", _i));
    }

    function _blockHash(uint256 _i) internal pure returns (bytes32) {
        return keccak256(abi.encode("block", _i));
    }

    /// @dev The output root of output `_i` as _propose proposes it.
    function _root(uint256 _i) internal pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(
                bytes32(0), keccak256(abi.encode("state", _i)), _withdrawalRoot(_i), _blockHash(_i)
            )
        );
    }

    /// @dev Proposes output `_i` at `_l2BlockNumber` on `_oracle` as the proposer.
    function _proposeAt(OutputOracle _oracle, uint256 _i, uint256 _l2BlockNumber) internal {
        vm.prank(PROPOSER);
        _oracle.proposeOutput{value: BOND}(_state(_i, _l2BlockNumber), _withdrawalRoot(_i));
    }

    /// @dev Proposes `_count` outputs, one per second.
    function _propose(uint256 _count) internal {
        for (uint256 i = 0; i < _count; i++) {
            uint256 index = oracle.outputCount();
            uint256 l2BlockNumber = oracle.nextBlockNumber();
            _proposeAt(oracle, index, l2BlockNumber);
            vm.warp(block.timestamp + 1);
        }
    }

    // ------------------------------------------------------------------------------------------
    // constructor, views

    function test_constructor_parameters_succeeds() public view {
        assertEq(oracle.proposer(), PROPOSER);
        assertEq(oracle.challenger(), CHALLENGER);
        assertEq(oracle.deployer(), address(this));
        assertEq(oracle.submissionInterval(), INTERVAL);
        assertEq(oracle.finalizationPeriodSeconds(), PERIOD);
        assertEq(oracle.bond(), BOND);
        assertEq(oracle.outputCount(), 0);
        assertEq(oracle.latestBlockNumber(), 0);
        assertEq(oracle.nextBlockNumber(), INTERVAL);
    }

    function test_constructor_zeroSubmissionInterval_reverts() public {
        vm.expectRevert(OutputOracle.ZeroSubmissionInterval.selector);
        new OutputOracle(PROPOSER, CHALLENGER, 0, PERIOD, BOND, GENESIS, TIMEOUT);
    }

    function test_latestOutputIndex_noOutputs_reverts() public {
        vm.expectRevert(OutputOracle.NoOutputs.selector);
        oracle.latestOutputIndex();
    }

    function test_latestOutputIndex_twoOutputs_succeeds() public {
        _propose(2);
        assertEq(oracle.latestOutputIndex(), 1);
        assertEq(oracle.latestBlockNumber(), 2 * INTERVAL);
        assertEq(oracle.nextBlockNumber(), 3 * INTERVAL);
    }

    function test_getOutput_missing_reverts() public {
        _propose(1);
        vm.expectRevert(OutputOracle.OutputNotFound.selector);
        oracle.getOutput(1);
    }

    // ------------------------------------------------------------------------------------------
    // proposeOutput

    function test_proposeOutput_proposer_succeeds() public {
        StepState memory state = _state(0, INTERVAL);
        bytes32 root = _root(0);
        vm.expectEmit(address(oracle));
        emit OutputProposed(root, 0, INTERVAL, START);
        vm.prank(PROPOSER);
        oracle.proposeOutput{value: BOND}(state, _withdrawalRoot(0));

        OutputOracle.Output memory output = oracle.getOutput(0);
        assertEq(output.outputRoot, root);
        assertEq(uint256(output.timestamp), START);
        assertEq(uint256(output.l2BlockNumber), INTERVAL);
        assertEq(output.proposer, PROPOSER);
        assertEq(output.bond, BOND);
        assertFalse(output.challenged);
        assertEq(output.challenges, 0);
        assertEq(output.machineHash, keccak256(abi.encode(state)));
        assertEq(output.stateRoot, state.stateRoot);
        assertEq(output.withdrawalRoot, _withdrawalRoot(0));
        assertEq(output.proposalId, 1);
        assertEq(oracle.getOutputRoot(0), root);
        assertEq(oracle.outputCount(), 1);
        assertEq(oracle.latestOutputIndex(), 0);
        assertEq(address(oracle).balance, BOND);
        assertEq(PROPOSER.balance, 99 ether);
    }

    function test_proposeOutput_machineHashIsAbiEncodingHash_succeeds() public {
        StepState memory state = StepState({
            stateRoot: bytes32(uint256(1)),
            blockHash: bytes32(uint256(2)),
            blockNumber: INTERVAL,
            timestamp: 4,
            l1OriginNumber: 5,
            baseFee: 6,
            gasUsed: 7,
            txCount: 8,
            transactionsRoot: bytes32(uint256(9)),
            queueIndex: 10,
            batchesOpened: 11,
            offset: 12,
            blocksLeft: 13,
            txsLeft: 14,
            phase: 0
        });
        vm.prank(PROPOSER);
        oracle.proposeOutput{value: BOND}(state, bytes32(0));
        bytes memory words = new bytes(0);
        for (uint256 i = 1; i <= 15; i++) {
            words = abi.encodePacked(words, i == 3 ? INTERVAL : (i == 15 ? 0 : i));
        }
        assertEq(oracle.getOutput(0).machineHash, keccak256(words));
    }

    function test_proposeOutput_secondOutput_succeeds() public {
        _propose(1);
        vm.expectEmit(address(oracle));
        emit OutputProposed(_root(1), 1, 2 * INTERVAL, START + 1);
        _proposeAt(oracle, 1, 2 * INTERVAL);
        assertEq(uint256(oracle.getOutput(1).l2BlockNumber), 20);
        assertEq(oracle.getOutput(1).proposalId, 2);
        assertEq(address(oracle).balance, 2 * BOND);
    }

    function test_proposeOutput_notProposer_reverts() public {
        vm.deal(address(0xBAD), BOND);
        vm.expectRevert(OutputOracle.NotProposer.selector);
        vm.prank(address(0xBAD));
        oracle.proposeOutput{value: BOND}(_state(0, INTERVAL), bytes32(0));
    }

    function test_proposeOutput_anyoneOneSecondBeforeTheTimeoutSinceDeployment_reverts() public {
        address stranger = address(0xE417);
        vm.deal(stranger, BOND);
        vm.warp(START + TIMEOUT - 1);
        assertFalse(oracle.canPropose(stranger));
        vm.expectRevert(OutputOracle.NotProposer.selector);
        vm.prank(stranger);
        oracle.proposeOutput{value: BOND}(_state(0, INTERVAL), bytes32(0));
    }

    function test_proposeOutput_anyoneAtTheTimeoutSinceDeployment_succeeds() public {
        address stranger = address(0xE417);
        vm.deal(stranger, BOND);
        vm.warp(START + TIMEOUT);
        assertTrue(oracle.canPropose(stranger));
        vm.prank(stranger);
        oracle.proposeOutput{value: BOND}(_state(0, INTERVAL), _withdrawalRoot(0));
        OutputOracle.Output memory output = oracle.getOutput(0);
        assertEq(output.proposer, stranger);
        assertEq(output.outputRoot, _root(0));
        assertEq(stranger.balance, 0);
    }

    function test_proposeOutput_anyoneBeforeTheTimeoutSinceTheLatestOutput_reverts() public {
        address stranger = address(0xE417);
        vm.deal(stranger, BOND);
        vm.warp(START + TIMEOUT);
        _propose(1); // by the proposer, at START + TIMEOUT
        vm.warp(START + 2 * TIMEOUT - 1);
        vm.expectRevert(OutputOracle.NotProposer.selector);
        vm.prank(stranger);
        oracle.proposeOutput{value: BOND}(_state(1, 2 * INTERVAL), bytes32(0));
        vm.warp(START + 2 * TIMEOUT);
        vm.prank(stranger);
        oracle.proposeOutput{value: BOND}(_state(1, 2 * INTERVAL), bytes32(0));
        assertEq(oracle.getOutput(1).proposer, stranger);
    }

    function test_canPropose_proposerAnyTime_succeeds() public view {
        assertTrue(oracle.canPropose(PROPOSER));
        assertEq(oracle.proposalTimeout(), TIMEOUT);
        assertEq(oracle.deployedAt(), START);
    }

    function test_reclaimBond_ofAnOutputAnyoneProposed_paysThatProposer_succeeds() public {
        address stranger = address(0xE417);
        vm.deal(stranger, BOND);
        vm.warp(START + TIMEOUT);
        vm.prank(stranger);
        oracle.proposeOutput{value: BOND}(_state(0, INTERVAL), bytes32(0));
        vm.warp(START + TIMEOUT + PERIOD);
        vm.expectEmit(address(oracle));
        emit BondReclaimed(0, stranger, BOND);
        oracle.reclaimBond(0);
        assertEq(stranger.balance, BOND);
        assertEq(PROPOSER.balance, 100 ether);
    }

    function test_proposeOutput_bondTooLow_reverts() public {
        vm.expectRevert(OutputOracle.IncorrectBond.selector);
        vm.prank(PROPOSER);
        oracle.proposeOutput{value: BOND - 1}(_state(0, INTERVAL), bytes32(0));
    }

    function test_proposeOutput_bondTooHigh_reverts() public {
        vm.expectRevert(OutputOracle.IncorrectBond.selector);
        vm.prank(PROPOSER);
        oracle.proposeOutput{value: BOND + 1}(_state(0, INTERVAL), bytes32(0));
    }

    function test_proposeOutput_notBlockStart_reverts() public {
        for (uint256 phase = 1; phase <= 3; phase++) {
            StepState memory state = _state(0, INTERVAL);
            state.phase = phase;
            vm.expectRevert(OutputOracle.NotBlockStart.selector);
            vm.prank(PROPOSER);
            oracle.proposeOutput{value: BOND}(state, bytes32(0));
        }
    }

    function test_proposeOutput_blockNumberBelowNext_reverts() public {
        _propose(1);
        vm.expectRevert(OutputOracle.UnexpectedBlockNumber.selector);
        _proposeAt(oracle, 1, 2 * INTERVAL - 1);
    }

    function test_proposeOutput_blockNumberAboveNext_reverts() public {
        vm.expectRevert(OutputOracle.UnexpectedBlockNumber.selector);
        _proposeAt(oracle, 0, 2 * INTERVAL);
    }

    function test_proposeOutput_blockNumberBeyondStorage_reverts() public {
        // Outputs store L2 block numbers in 48 bits.
        OutputOracle huge = new OutputOracle(PROPOSER, CHALLENGER, 1 << 48, PERIOD, BOND, GENESIS, TIMEOUT);
        vm.expectRevert(OutputOracle.UnexpectedBlockNumber.selector);
        _proposeAt(huge, 0, 1 << 48);
    }

    function test_proposeOutput_largestStorableBlockNumber_succeeds() public {
        OutputOracle huge =
            new OutputOracle(PROPOSER, CHALLENGER, (1 << 48) - 1, PERIOD, BOND, GENESIS, TIMEOUT);
        _proposeAt(huge, 0, (1 << 48) - 1);
        assertEq(uint256(huge.getOutput(0).l2BlockNumber), (1 << 48) - 1);
        assertEq(uint256(huge.getOutput(0).timestamp), START);
    }

    function test_proposeOutput_afterDeletionOverwritesEverything_succeeds() public {
        _propose(2);
        vm.prank(CHALLENGER);
        oracle.setChallenged(1, true);
        vm.prank(CHALLENGER);
        oracle.deleteOutputs(1, WINNER);
        vm.prank(CHALLENGER);
        oracle.deleteOutputs(0, WINNER);
        _proposeAt(oracle, 7, INTERVAL);
        _proposeAt(oracle, 8, 2 * INTERVAL);
        OutputOracle.Output memory output = oracle.getOutput(1);
        assertEq(output.outputRoot, _root(8));
        assertEq(output.machineHash, keccak256(abi.encode(_state(8, 2 * INTERVAL))));
        assertEq(output.withdrawalRoot, _withdrawalRoot(8));
        assertEq(output.challenges, 0);
        assertEq(output.bond, BOND);
        assertEq(output.proposalId, 4);
        assertEq(oracle.proposalIdOf(1), 4);
    }

    // ------------------------------------------------------------------------------------------
    // startMachineHash, proposalIdOf, setGenesisMachineHash

    function test_startMachineHash_firstOutputIsGenesis_succeeds() public {
        _propose(2);
        assertEq(oracle.startMachineHash(0), GENESIS);
        assertEq(oracle.startMachineHash(1), keccak256(abi.encode(_state(0, INTERVAL))));
    }

    function test_startMachineHash_missing_reverts() public {
        _propose(1);
        vm.expectRevert(OutputOracle.OutputNotFound.selector);
        oracle.startMachineHash(1);
    }

    function test_proposalIdOf_missingOrDeleted_succeeds() public {
        assertEq(oracle.proposalIdOf(0), 0);
        _propose(2);
        assertEq(oracle.proposalIdOf(1), 2);
        vm.prank(CHALLENGER);
        oracle.deleteOutputs(1, WINNER);
        assertEq(oracle.proposalIdOf(1), 0);
        assertEq(oracle.proposalIdOf(0), 1);
    }

    function test_setGenesisMachineHash_deployerWhenUnset_succeeds() public {
        OutputOracle unset =
            new OutputOracle(PROPOSER, CHALLENGER, INTERVAL, PERIOD, BOND, bytes32(0), TIMEOUT);
        _proposeAt(unset, 0, INTERVAL);
        assertEq(unset.startMachineHash(0), bytes32(0));
        vm.expectEmit(address(unset));
        emit GenesisMachineHashSet(GENESIS);
        unset.setGenesisMachineHash(GENESIS);
        assertEq(unset.genesisMachineHash(), GENESIS);
        assertEq(unset.startMachineHash(0), GENESIS);
    }

    function test_setGenesisMachineHash_alreadySet_reverts() public {
        vm.expectRevert(OutputOracle.GenesisMachineHashAlreadySet.selector);
        oracle.setGenesisMachineHash(keccak256("other"));
    }

    function test_setGenesisMachineHash_notDeployer_reverts() public {
        OutputOracle unset =
            new OutputOracle(PROPOSER, CHALLENGER, INTERVAL, PERIOD, BOND, bytes32(0), TIMEOUT);
        vm.expectRevert(OutputOracle.NotDeployer.selector);
        vm.prank(PROPOSER);
        unset.setGenesisMachineHash(GENESIS);
    }

    function test_setGenesisMachineHash_zero_reverts() public {
        OutputOracle unset =
            new OutputOracle(PROPOSER, CHALLENGER, INTERVAL, PERIOD, BOND, bytes32(0), TIMEOUT);
        vm.expectRevert(OutputOracle.ZeroMachineHash.selector);
        unset.setGenesisMachineHash(bytes32(0));
    }

    // ------------------------------------------------------------------------------------------
    // isFinalized

    function test_isFinalized_beforeWindow_succeeds() public {
        _propose(1);
        vm.warp(START + PERIOD - 1);
        assertFalse(oracle.isFinalized(0));
    }

    function test_isFinalized_atWindowEnd_succeeds() public {
        _propose(1);
        vm.warp(START + PERIOD);
        assertTrue(oracle.isFinalized(0));
    }

    function test_isFinalized_challenged_succeeds() public {
        _propose(1);
        vm.prank(CHALLENGER);
        oracle.setChallenged(0, true);
        vm.warp(START + 100 * PERIOD);
        assertFalse(oracle.isFinalized(0));
    }

    function test_isFinalized_challengeCleared_succeeds() public {
        _propose(1);
        vm.prank(CHALLENGER);
        oracle.setChallenged(0, true);
        vm.warp(START + PERIOD);
        vm.prank(CHALLENGER);
        oracle.setChallenged(0, false);
        assertTrue(oracle.isFinalized(0));
    }

    function test_isFinalized_missing_reverts() public {
        vm.expectRevert(OutputOracle.OutputNotFound.selector);
        oracle.isFinalized(0);
    }

    // ------------------------------------------------------------------------------------------
    // setChallenger

    function test_setChallenger_deployerWhenUnset_succeeds() public {
        OutputOracle unset = new OutputOracle(PROPOSER, address(0), INTERVAL, PERIOD, BOND, GENESIS, TIMEOUT);
        vm.expectEmit(address(unset));
        emit ChallengerSet(CHALLENGER);
        unset.setChallenger(CHALLENGER);
        assertEq(unset.challenger(), CHALLENGER);
    }

    function test_setChallenger_alreadySet_reverts() public {
        vm.expectRevert(OutputOracle.ChallengerAlreadySet.selector);
        oracle.setChallenger(address(0x2222));
    }

    function test_setChallenger_secondTime_reverts() public {
        OutputOracle unset = new OutputOracle(PROPOSER, address(0), INTERVAL, PERIOD, BOND, GENESIS, TIMEOUT);
        unset.setChallenger(CHALLENGER);
        vm.expectRevert(OutputOracle.ChallengerAlreadySet.selector);
        unset.setChallenger(address(0x2222));
    }

    function test_setChallenger_notDeployer_reverts() public {
        OutputOracle unset = new OutputOracle(PROPOSER, address(0), INTERVAL, PERIOD, BOND, GENESIS, TIMEOUT);
        vm.expectRevert(OutputOracle.NotDeployer.selector);
        vm.prank(CHALLENGER);
        unset.setChallenger(CHALLENGER);
    }

    function test_setChallenger_zeroAddress_reverts() public {
        OutputOracle unset = new OutputOracle(PROPOSER, address(0), INTERVAL, PERIOD, BOND, GENESIS, TIMEOUT);
        vm.expectRevert(OutputOracle.ZeroAddress.selector);
        unset.setChallenger(address(0));
    }

    // ------------------------------------------------------------------------------------------
    // setChallenged

    function test_setChallenged_challenger_succeeds() public {
        _propose(1);
        vm.expectEmit(address(oracle));
        emit OutputChallenged(0, true, 1);
        vm.prank(CHALLENGER);
        oracle.setChallenged(0, true);
        assertTrue(oracle.getOutput(0).challenged);
    }

    function test_setChallenged_countsOpenDisputes_succeeds() public {
        _propose(1);
        vm.startPrank(CHALLENGER);
        oracle.setChallenged(0, true);
        oracle.setChallenged(0, true);
        assertEq(oracle.getOutput(0).challenges, 2);
        vm.expectEmit(address(oracle));
        emit OutputChallenged(0, true, 1);
        oracle.setChallenged(0, false);
        vm.stopPrank();
        vm.warp(START + PERIOD);
        // One dispute is still open: never finalized, whatever the time.
        assertFalse(oracle.isFinalized(0));
        vm.expectEmit(address(oracle));
        emit OutputChallenged(0, false, 0);
        vm.prank(CHALLENGER);
        oracle.setChallenged(0, false);
        assertTrue(oracle.isFinalized(0));
    }

    function test_setChallenged_closeWithoutOpen_reverts() public {
        _propose(1);
        vm.expectRevert(OutputOracle.OutputNotChallenged.selector);
        vm.prank(CHALLENGER);
        oracle.setChallenged(0, false);
    }

    function test_setChallenged_notChallenger_reverts() public {
        _propose(1);
        vm.expectRevert(OutputOracle.NotChallenger.selector);
        vm.prank(PROPOSER);
        oracle.setChallenged(0, true);
    }

    function test_setChallenged_missing_reverts() public {
        vm.expectRevert(OutputOracle.OutputNotFound.selector);
        vm.prank(CHALLENGER);
        oracle.setChallenged(0, true);
    }

    function test_setChallenged_finalizedOutput_reverts() public {
        _propose(1);
        vm.warp(START + PERIOD);
        vm.expectRevert(OutputOracle.OutputAlreadyFinalized.selector);
        vm.prank(CHALLENGER);
        oracle.setChallenged(0, true);
    }

    // ------------------------------------------------------------------------------------------
    // deleteOutputs

    function test_deleteOutputs_paysBondsAndRemovesLater_succeeds() public {
        _propose(4);
        vm.expectEmit(address(oracle));
        emit OutputsDeleted(4, 1);
        vm.prank(CHALLENGER);
        oracle.deleteOutputs(1, WINNER);
        assertEq(oracle.outputCount(), 1);
        assertEq(WINNER.balance, 3 * BOND);
        assertEq(address(oracle).balance, BOND);
        assertEq(oracle.getOutput(0).outputRoot, _root(0));
        vm.expectRevert(OutputOracle.OutputNotFound.selector);
        oracle.getOutput(1);
    }

    function test_deleteOutputs_proposerResumesAfterLastKept_succeeds() public {
        _propose(3);
        vm.prank(CHALLENGER);
        oracle.deleteOutputs(1, WINNER);
        assertEq(oracle.latestBlockNumber(), INTERVAL);
        assertEq(oracle.nextBlockNumber(), 2 * INTERVAL);
        _proposeAt(oracle, 9, 2 * INTERVAL);
        assertEq(oracle.getOutput(1).outputRoot, _root(9));
        assertFalse(oracle.getOutput(1).challenged);
    }

    function test_deleteOutputs_allOutputs_succeeds() public {
        _propose(2);
        vm.prank(CHALLENGER);
        oracle.deleteOutputs(0, WINNER);
        assertEq(oracle.outputCount(), 0);
        assertEq(oracle.nextBlockNumber(), INTERVAL);
        assertEq(WINNER.balance, 2 * BOND);
        assertEq(address(oracle).balance, 0);
    }

    function test_deleteOutputs_laterFinalizedOutputs_succeeds() public {
        // Output 0 stays challenged past its window while output 1 finalizes and its proposer
        // reclaims its bond; deleting output 0 deletes output 1 too and pays only unpaid bonds.
        _propose(1);
        vm.prank(CHALLENGER);
        oracle.setChallenged(0, true);
        _propose(2);
        vm.warp(START + 2 + PERIOD);
        assertTrue(oracle.isFinalized(1));
        oracle.reclaimBond(1);
        vm.prank(CHALLENGER);
        oracle.deleteOutputs(0, WINNER);
        assertEq(oracle.outputCount(), 0);
        assertEq(WINNER.balance, 2 * BOND);
        assertEq(address(oracle).balance, 0);
    }

    function test_deleteOutputs_notChallenger_reverts() public {
        _propose(1);
        vm.expectRevert(OutputOracle.NotChallenger.selector);
        vm.prank(PROPOSER);
        oracle.deleteOutputs(0, WINNER);
    }

    function test_deleteOutputs_missing_reverts() public {
        _propose(1);
        vm.expectRevert(OutputOracle.OutputNotFound.selector);
        vm.prank(CHALLENGER);
        oracle.deleteOutputs(1, WINNER);
    }

    function test_deleteOutputs_finalizedOutput_reverts() public {
        _propose(2);
        vm.warp(START + PERIOD);
        vm.expectRevert(OutputOracle.OutputAlreadyFinalized.selector);
        vm.prank(CHALLENGER);
        oracle.deleteOutputs(0, WINNER);
    }

    function test_deleteOutputs_zeroRecipient_reverts() public {
        _propose(1);
        vm.expectRevert(OutputOracle.ZeroAddress.selector);
        vm.prank(CHALLENGER);
        oracle.deleteOutputs(0, address(0));
    }

    function test_deleteOutputs_recipientRejectsETH_reverts() public {
        _propose(1);
        address rejecting = address(new RejectingRecipient());
        vm.expectRevert(OutputOracle.BondTransferFailed.selector);
        vm.prank(CHALLENGER);
        oracle.deleteOutputs(0, rejecting);
    }

    // ------------------------------------------------------------------------------------------
    // reclaimBond

    function test_reclaimBond_afterFinalization_succeeds() public {
        _propose(1);
        vm.warp(START + PERIOD);
        vm.expectEmit(address(oracle));
        emit BondReclaimed(0, PROPOSER, BOND);
        vm.prank(address(0x7777));
        oracle.reclaimBond(0);
        assertEq(PROPOSER.balance, 100 ether);
        assertEq(address(oracle).balance, 0);
        assertEq(oracle.getOutput(0).bond, 0);
    }

    function test_reclaimBond_twice_reverts() public {
        _propose(1);
        vm.warp(START + PERIOD);
        oracle.reclaimBond(0);
        vm.expectRevert(OutputOracle.BondAlreadyReclaimed.selector);
        oracle.reclaimBond(0);
    }

    function test_reclaimBond_beforeFinalization_reverts() public {
        _propose(1);
        vm.warp(START + PERIOD - 1);
        vm.expectRevert(OutputOracle.OutputNotFinalized.selector);
        oracle.reclaimBond(0);
    }

    function test_reclaimBond_challenged_reverts() public {
        _propose(1);
        vm.prank(CHALLENGER);
        oracle.setChallenged(0, true);
        vm.warp(START + PERIOD);
        vm.expectRevert(OutputOracle.OutputNotFinalized.selector);
        oracle.reclaimBond(0);
    }

    function test_reclaimBond_missing_reverts() public {
        vm.expectRevert(OutputOracle.OutputNotFound.selector);
        oracle.reclaimBond(0);
    }
}
