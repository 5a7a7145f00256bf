// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "../utils/Test.sol";
import {OutputOracle} from "../../src/L1/OutputOracle.sol";
import {StepState} from "../../src/libraries/StepStateLib.sol";

/// @notice Drives an OutputOracle as its proposer and challenger: proposals, time passing,
///         challenges, deletions, bond reclaims, and attempts that must fail. Never reverts; ghost
///         counters record every attempt that should have failed but succeeded.
contract OutputOracleHandler is Test {
    address internal constant BOND_RECIPIENT = address(0xB0D5);

    OutputOracle public immutable oracle;
    uint256 public immutable bond;

    uint256 public ghostBondsIn;
    uint256 public ghostBondsOut;
    uint256 public ghostEarlyReclaims;
    uint256 public ghostDoubleReclaims;
    uint256 public ghostFinalizedChallenges;
    uint256 public ghostFinalizedDeletions;
    uint256 public ghostUnderflows;
    uint256 public calls;

    constructor(OutputOracle _oracle) {
        oracle = _oracle;
        bond = _oracle.bond();
    }

    function propose(bytes32 _root) external {
        calls++;
        StepState memory state;
        state.stateRoot = _root;
        state.blockNumber = oracle.nextBlockNumber();
        vm.deal(address(this), bond);
        state.blockHash = _root;
        oracle.proposeOutput{value: bond}(state, _root);
        ghostBondsIn += bond;
    }

    function warp(uint256 _seconds) external {
        calls++;
        vm.warp(block.timestamp + bound(_seconds, 0, 3 days));
    }

    function setChallenged(uint256 _seed, bool _challenged) external {
        calls++;
        uint256 count = oracle.outputCount();
        if (count == 0) return;
        uint256 index = _seed % count;
        if (_challenged && oracle.isFinalized(index)) {
            try oracle.setChallenged(index, true) {
                ghostFinalizedChallenges++;
            } catch {}
            return;
        }
        if (!_challenged && oracle.getOutput(index).challenges == 0) {
            try oracle.setChallenged(index, false) {
                ghostUnderflows++;
            } catch {}
            return;
        }
        oracle.setChallenged(index, _challenged);
    }

    function deleteOutputs(uint256 _seed) external {
        calls++;
        uint256 count = oracle.outputCount();
        if (count == 0) return;
        uint256 index = _seed % count;
        uint256 before = BOND_RECIPIENT.balance;
        if (oracle.isFinalized(index)) {
            try oracle.deleteOutputs(index, BOND_RECIPIENT) {
                ghostFinalizedDeletions++;
            } catch {}
        } else {
            oracle.deleteOutputs(index, BOND_RECIPIENT);
        }
        ghostBondsOut += BOND_RECIPIENT.balance - before;
    }

    function reclaimBond(uint256 _seed) external {
        calls++;
        uint256 count = oracle.outputCount();
        if (count == 0) return;
        uint256 index = _seed % count;
        OutputOracle.Output memory output = oracle.getOutput(index);
        uint256 before = address(this).balance;
        if (!oracle.isFinalized(index)) {
            try oracle.reclaimBond(index) {
                ghostEarlyReclaims++;
            } catch {}
        } else if (output.bond == 0) {
            try oracle.reclaimBond(index) {
                ghostDoubleReclaims++;
            } catch {}
        } else {
            oracle.reclaimBond(index);
        }
        ghostBondsOut += address(this).balance - before;
    }

    receive() external payable {}
}

/// @notice Invariants of the OutputOracle under random proposals, challenges, deletions, reclaims
///         and time.
contract OutputOracleInvariantTest is Test {
    uint256 internal constant INTERVAL = 10;
    uint256 internal constant PERIOD = 1 days;

    OutputOracle internal oracle;
    OutputOracleHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        // The handler is both proposer and challenger; its address is known before deployment.
        address predicted = _predictAddress(address(this), 2);
        oracle = new OutputOracle(predicted, predicted, INTERVAL, PERIOD, 1 ether, bytes32(0), 7 days);
        handler = new OutputOracleHandler(oracle);
        require(address(handler) == predicted, "handler address");

        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = OutputOracleHandler.propose.selector;
        selectors[1] = OutputOracleHandler.warp.selector;
        selectors[2] = OutputOracleHandler.setChallenged.selector;
        selectors[3] = OutputOracleHandler.deleteOutputs.selector;
        selectors[4] = OutputOracleHandler.reclaimBond.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 64
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_bondsConserved() public view {
        uint256 unpaid;
        uint256 count = oracle.outputCount();
        for (uint256 i = 0; i < count; i++) {
            unpaid += oracle.getOutput(i).bond;
        }
        assertEq(address(oracle).balance, unpaid, "balance != unpaid bonds");
        assertEq(address(oracle).balance, handler.ghostBondsIn() - handler.ghostBondsOut());
    }

    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 64
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_noOutputFinalizedWhileChallenged() public view {
        uint256 count = oracle.outputCount();
        for (uint256 i = 0; i < count; i++) {
            if (oracle.getOutput(i).challenged) assertFalse(oracle.isFinalized(i));
        }
        assertEq(handler.ghostFinalizedChallenges(), 0);
        assertEq(handler.ghostUnderflows(), 0);
    }

    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 64
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_noFinalizationBeforeWindow() public view {
        uint256 count = oracle.outputCount();
        for (uint256 i = 0; i < count; i++) {
            if (oracle.isFinalized(i)) {
                assertGe(block.timestamp, uint256(oracle.getOutput(i).timestamp) + PERIOD);
            }
        }
        assertEq(handler.ghostEarlyReclaims(), 0);
    }

    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 64
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_bondsReclaimedOnceAndFinalizedOutputsKept() public view {
        assertEq(handler.ghostDoubleReclaims(), 0);
        assertEq(handler.ghostFinalizedDeletions(), 0);
    }

    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 64
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_outputsFollowSubmissionInterval() public view {
        uint256 count = oracle.outputCount();
        for (uint256 i = 0; i < count; i++) {
            assertEq(uint256(oracle.getOutput(i).l2BlockNumber), (i + 1) * INTERVAL);
        }
    }

    /// @dev The address of the contract `_deployer` creates with nonce `_nonce` (< 0x80).
    function _predictAddress(address _deployer, uint8 _nonce) internal pure returns (address) {
        return address(
            uint160(
                uint256(keccak256(abi.encodePacked(bytes1(0xd6), bytes1(0x94), _deployer, _nonce)))
            )
        );
    }
}
