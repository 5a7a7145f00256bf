// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "./utils/Test.sol";
import {OutputOracle} from "../src/L1/OutputOracle.sol";
import {RejectingRecipient} from "./mocks/MockRecipients.sol";

contract OutputOracleTest is Test {
    event OutputProposed(
        bytes32 indexed outputRoot,
        uint256 indexed outputIndex,
        uint256 indexed l2BlockNumber,
        uint256 timestamp
    );
    event OutputsDeleted(uint256 indexed prevNextIndex, uint256 indexed newNextIndex);
    event OutputChallenged(uint256 indexed outputIndex, bool challenged);
    event BondReclaimed(uint256 indexed outputIndex, address indexed proposer, uint256 amount);
    event ChallengerSet(address indexed challenger);

    address internal constant PROPOSER = address(0xB0B);
    address internal constant CHALLENGER = address(0xC4A1);
    address internal constant WINNER = address(0x1111);
    uint256 internal constant INTERVAL = 10;
    uint256 internal constant PERIOD = 7 days;
    uint256 internal constant BOND = 1 ether;
    uint256 internal constant START = 1_700_000_000;

    OutputOracle internal oracle;

    function setUp() public {
        vm.warp(START);
        oracle = new OutputOracle(PROPOSER, CHALLENGER, INTERVAL, PERIOD, BOND);
        vm.deal(PROPOSER, 100 ether);
    }

    function _root(uint256 _i) internal pure returns (bytes32) {
        return keccak256(abi.encode("output", _i));
    }

    /// @dev Proposes `_count` outputs, one per second.
    function _propose(uint256 _count) internal {
        for (uint256 i = 0; i < _count; i++) {
            uint256 index = oracle.outputCount();
            uint256 l2BlockNumber = oracle.nextBlockNumber();
            vm.prank(PROPOSER);
            oracle.proposeOutput{value: BOND}(_root(index), l2BlockNumber);
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
        new OutputOracle(PROPOSER, CHALLENGER, 0, PERIOD, BOND);
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
        bytes32 root = keccak256("root");
        vm.expectEmit(address(oracle));
        emit OutputProposed(root, 0, INTERVAL, START);
        vm.prank(PROPOSER);
        oracle.proposeOutput{value: BOND}(root, INTERVAL);

        OutputOracle.Output memory output = oracle.getOutput(0);
        assertEq(output.outputRoot, root);
        assertEq(uint256(output.timestamp), START);
        assertEq(uint256(output.l2BlockNumber), INTERVAL);
        assertEq(output.proposer, PROPOSER);
        assertEq(output.bond, BOND);
        assertFalse(output.challenged);
        assertEq(oracle.outputCount(), 1);
        assertEq(oracle.latestOutputIndex(), 0);
        assertEq(address(oracle).balance, BOND);
        assertEq(PROPOSER.balance, 99 ether);
    }

    function test_proposeOutput_secondOutput_succeeds() public {
        _propose(1);
        vm.expectEmit(address(oracle));
        emit OutputProposed(_root(1), 1, 2 * INTERVAL, START + 1);
        vm.prank(PROPOSER);
        oracle.proposeOutput{value: BOND}(_root(1), 2 * INTERVAL);
        assertEq(uint256(oracle.getOutput(1).l2BlockNumber), 20);
        assertEq(address(oracle).balance, 2 * BOND);
    }

    function test_proposeOutput_notProposer_reverts() public {
        vm.deal(address(0xBAD), BOND);
        vm.expectRevert(OutputOracle.NotProposer.selector);
        vm.prank(address(0xBAD));
        oracle.proposeOutput{value: BOND}(_root(0), INTERVAL);
    }

    function test_proposeOutput_bondTooLow_reverts() public {
        vm.expectRevert(OutputOracle.IncorrectBond.selector);
        vm.prank(PROPOSER);
        oracle.proposeOutput{value: BOND - 1}(_root(0), INTERVAL);
    }

    function test_proposeOutput_bondTooHigh_reverts() public {
        vm.expectRevert(OutputOracle.IncorrectBond.selector);
        vm.prank(PROPOSER);
        oracle.proposeOutput{value: BOND + 1}(_root(0), INTERVAL);
    }

    function test_proposeOutput_blockNumberBelowNext_reverts() public {
        _propose(1);
        vm.expectRevert(OutputOracle.UnexpectedBlockNumber.selector);
        vm.prank(PROPOSER);
        oracle.proposeOutput{value: BOND}(_root(1), 2 * INTERVAL - 1);
    }

    function test_proposeOutput_blockNumberAboveNext_reverts() public {
        vm.expectRevert(OutputOracle.UnexpectedBlockNumber.selector);
        vm.prank(PROPOSER);
        oracle.proposeOutput{value: BOND}(_root(0), 2 * INTERVAL);
    }

    function test_proposeOutput_blockNumberBeyondStorage_reverts() public {
        // Outputs store L2 block numbers in 48 bits.
        OutputOracle huge = new OutputOracle(PROPOSER, CHALLENGER, 1 << 48, PERIOD, BOND);
        vm.expectRevert(OutputOracle.UnexpectedBlockNumber.selector);
        vm.prank(PROPOSER);
        huge.proposeOutput{value: BOND}(_root(0), 1 << 48);
    }

    function test_proposeOutput_largestStorableBlockNumber_succeeds() public {
        OutputOracle huge = new OutputOracle(PROPOSER, CHALLENGER, (1 << 48) - 1, PERIOD, BOND);
        vm.prank(PROPOSER);
        huge.proposeOutput{value: BOND}(_root(0), (1 << 48) - 1);
        assertEq(uint256(huge.getOutput(0).l2BlockNumber), (1 << 48) - 1);
        assertEq(uint256(huge.getOutput(0).timestamp), START);
    }

    function test_proposeOutput_zeroRoot_reverts() public {
        vm.expectRevert(OutputOracle.ZeroOutputRoot.selector);
        vm.prank(PROPOSER);
        oracle.proposeOutput{value: BOND}(bytes32(0), INTERVAL);
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
        OutputOracle unset = new OutputOracle(PROPOSER, address(0), INTERVAL, PERIOD, BOND);
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
        OutputOracle unset = new OutputOracle(PROPOSER, address(0), INTERVAL, PERIOD, BOND);
        unset.setChallenger(CHALLENGER);
        vm.expectRevert(OutputOracle.ChallengerAlreadySet.selector);
        unset.setChallenger(address(0x2222));
    }

    function test_setChallenger_notDeployer_reverts() public {
        OutputOracle unset = new OutputOracle(PROPOSER, address(0), INTERVAL, PERIOD, BOND);
        vm.expectRevert(OutputOracle.NotDeployer.selector);
        vm.prank(CHALLENGER);
        unset.setChallenger(CHALLENGER);
    }

    function test_setChallenger_zeroAddress_reverts() public {
        OutputOracle unset = new OutputOracle(PROPOSER, address(0), INTERVAL, PERIOD, BOND);
        vm.expectRevert(OutputOracle.ZeroAddress.selector);
        unset.setChallenger(address(0));
    }

    // ------------------------------------------------------------------------------------------
    // setChallenged

    function test_setChallenged_challenger_succeeds() public {
        _propose(1);
        vm.expectEmit(address(oracle));
        emit OutputChallenged(0, true);
        vm.prank(CHALLENGER);
        oracle.setChallenged(0, true);
        assertTrue(oracle.getOutput(0).challenged);
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
        vm.prank(PROPOSER);
        oracle.proposeOutput{value: BOND}(keccak256("replacement"), 2 * INTERVAL);
        assertEq(oracle.getOutput(1).outputRoot, keccak256("replacement"));
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
