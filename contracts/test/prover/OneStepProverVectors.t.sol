// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "../utils/Test.sol";
import {BatchInbox} from "../../src/L1/BatchInbox.sol";
import {Bridge} from "../../src/L1/Bridge.sol";
import {StepState} from "../../src/libraries/StepStateLib.sol";
import {OneStepProver, IBatchRecords, IMessageQueue} from "../../src/prover/OneStepProver.sol";
import {TransactionRunner} from "../../src/prover/TransactionRunner.sol";
import {ISystemModule} from "../../src/prover/stf/StfTypes.sol";
import {TokenModule} from "../../src/prover/stf/TokenModule.sol";
import {AmmModule} from "../../src/prover/stf/AmmModule.sol";
import {LendingModule} from "../../src/prover/stf/LendingModule.sol";
import {LeverageModule} from "../../src/prover/stf/LeverageModule.sol";
import {PerpsModule} from "../../src/prover/stf/PerpsModule.sol";

/// @notice Every step of a chain replayed by rollup/machine.py (scripts/gen_machine_vectors.py)
///         gives the same post-state hash when the OneStepProver re-executes it, with the batches
///         and queue messages recorded by the real BatchInbox and Bridge in the L1 blocks (number
///         and timestamp) the vectors give, and the L1 clock they were computed with.
contract OneStepProverVectorsTest is Test {
    struct Batch {
        bytes data;
        uint64 l1BlockNumber;
        uint64 l1Timestamp;
    }

    struct Message {
        uint8 kind;
        uint64 l1BlockNumber;
        uint64 l1Timestamp;
        bytes payload;
        address sender;
    }

    struct Step {
        StepState pre;
        uint256 target;
        bytes input;
        bytes witness;
        bytes32 post;
    }

    OneStepProver internal prover;
    Step[] internal steps;

    function setUp() public {
        string memory json =
            vm.readFile(string.concat(vm.projectRoot(), "/test/vectors/", _vectorFile()));
        bytes memory data = vm.parseJsonBytes(json, ".data");
        (
            uint256[10] memory params,
            Batch[] memory batches,
            Message[] memory messages,
            Step[] memory loaded
        ) = abi.decode(data, (uint256[10], Batch[], Message[], Step[]));
        BatchInbox inbox = new BatchInbox(address(this));
        Bridge bridge = new Bridge(address(0xdead));
        _record(inbox, bridge, batches, messages);
        // The clock the vectors were computed with: every L1 block up to it is complete.
        vm.roll(params[9] + 1);
        TransactionRunner runner = new TransactionRunner(
            ISystemModule(address(new TokenModule())),
            ISystemModule(address(new AmmModule())),
            ISystemModule(address(new LendingModule())),
            ISystemModule(address(new LeverageModule())),
            ISystemModule(address(new PerpsModule()))
        );
        prover = new OneStepProver(
            IBatchRecords(address(inbox)),
            IMessageQueue(address(bridge)),
            runner,
            OneStepProver.ChainParams(
                params[0],
                params[1],
                params[2],
                params[3],
                params[4],
                params[5],
                params[6],
                params[7],
                params[8]
            )
        );
        for (uint256 i = 0; i < loaded.length; i++) {
            steps.push(loaded[i]);
        }
    }

    function _vectorFile() internal pure virtual returns (string memory) {
        return "machine.json";
    }

    function test_proveStep_everyStepOfTheVectors_matchesPython() public view {
        assertGt(steps.length, 10);
        for (uint256 i = 0; i < steps.length; i++) {
            Step memory s = steps[i];
            bytes32 post = prover.proveStep(s.pre, s.target, s.input, s.witness);
            assertEq(post, s.post, string.concat("step ", _toString(i)));
        }
    }

    function test_proveStep_aWrongWitnessRoot_reverts() public {
        Step memory s = _firstStepWithWitness();
        s.pre.stateRoot = bytes32(uint256(s.pre.stateRoot) ^ 1);
        vm.expectRevert();
        prover.proveStep(s.pre, s.target, s.input, s.witness);
    }

    function test_proveStep_aBatchThatIsNotTheRecordedOne_reverts() public {
        Step memory s = _firstStepWithWitness();
        (bytes memory batch, uint64 number, uint64 timestamp) =
            abi.decode(s.input, (bytes, uint64, uint64));
        batch[batch.length - 1] = bytes1(uint8(batch[batch.length - 1]) ^ 1);
        vm.expectRevert(OneStepProver.InputMismatch.selector);
        prover.proveStep(s.pre, s.target, abi.encode(batch, number, timestamp), s.witness);
    }

    function test_proveStep_aBatchWithAnotherL1BlockThanRecorded_reverts() public {
        Step memory s = _firstStepWithWitness();
        (bytes memory batch, uint64 number, uint64 timestamp) =
            abi.decode(s.input, (bytes, uint64, uint64));
        vm.expectRevert(OneStepProver.InputMismatch.selector);
        prover.proveStep(s.pre, s.target, abi.encode(batch, number + 1, timestamp), s.witness);
    }

    function test_proveStep_aBatchWithAnotherL1TimestampThanRecorded_reverts() public {
        Step memory s = _firstStepWithWitness();
        (bytes memory batch, uint64 number, uint64 timestamp) =
            abi.decode(s.input, (bytes, uint64, uint64));
        vm.expectRevert(OneStepProver.InputMismatch.selector);
        prover.proveStep(s.pre, s.target, abi.encode(batch, number, timestamp - 1), s.witness);
    }

    function _firstStepWithWitness() internal view returns (Step memory) {
        for (uint256 i = 0; i < steps.length; i++) {
            if (steps[i].pre.phase == 2) return steps[i];
        }
        revert("no transaction step");
    }

    /// @dev Records the batches and messages in their L1 blocks, in L1 order.
    function _record(
        BatchInbox _inbox,
        Bridge _bridge,
        Batch[] memory _batches,
        Message[] memory _messages
    ) internal {
        uint256 b;
        uint256 m;
        while (b < _batches.length || m < _messages.length) {
            bool batchFirst = m == _messages.length
                || (b < _batches.length && _batches[b].l1BlockNumber <= _messages[m].l1BlockNumber);
            if (batchFirst) {
                vm.roll(_batches[b].l1BlockNumber);
                vm.warp(_batches[b].l1Timestamp);
                _inbox.appendBatch(_batches[b].data, block.number - 1, blockhash(block.number - 1));
                b++;
            } else {
                _queue(_bridge, _messages[m]);
                m++;
            }
        }
    }

    function _queue(Bridge _bridge, Message memory _message) internal {
        vm.roll(_message.l1BlockNumber);
        vm.warp(_message.l1Timestamp);
        if (_message.kind == 1) {
            (address sender, address recipient, uint256 amount) =
                abi.decode(_message.payload, (address, address, uint256));
            vm.deal(sender, amount);
            vm.prank(sender);
            _bridge.depositETH{value: amount}(recipient);
        } else {
            _bridge.forceTransaction(_message.payload);
        }
    }
}

/// @notice The same over a DeFi chain: lending, leverage, swaps, oracle, liquidation, withdrawal.
contract OneStepProverDefiVectorsTest is OneStepProverVectorsTest {
    function _vectorFile() internal pure override returns (string memory) {
        return "machine_defi.json";
    }
}

/// @notice The same over a chain that breaks every derivation rule of docs/SETTLEMENT.md §5 once:
///         timestamps clamped both ways, an origin after the carrying L1 block, a batch on another
///         parent, an unreadable transaction, deposit-only blocks before a batch and by the clock.
contract OneStepProverRulesVectorsTest is OneStepProverVectorsTest {
    function _vectorFile() internal pure override returns (string memory) {
        return "machine_rules.json";
    }
}
