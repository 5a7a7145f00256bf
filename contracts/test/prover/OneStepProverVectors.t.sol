// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "../utils/Test.sol";
import {BatchInbox} from "../../src/L1/BatchInbox.sol";
import {Bridge} from "../../src/L1/Bridge.sol";
import {StepState} from "../../src/libraries/StepStateLib.sol";
import {OneStepProver, IBatchHashes, IMessageQueue} from "../../src/prover/OneStepProver.sol";
import {TransactionRunner} from "../../src/prover/TransactionRunner.sol";
import {ISystemModule} from "../../src/prover/stf/StfTypes.sol";
import {TokenModule} from "../../src/prover/stf/TokenModule.sol";
import {AmmModule} from "../../src/prover/stf/AmmModule.sol";
import {LendingModule} from "../../src/prover/stf/LendingModule.sol";
import {LeverageModule} from "../../src/prover/stf/LeverageModule.sol";

/// @notice Every step of a chain replayed by rollup/machine.py (scripts/gen_machine_vectors.py)
///         gives the same post-state hash when the OneStepProver re-executes it, with the batches
///         and queue messages recorded by the real BatchInbox and Bridge.
contract OneStepProverVectorsTest is Test {
    struct Message {
        uint8 kind;
        uint64 l1BlockNumber;
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
        (uint256[6] memory params, bytes[] memory batches, Message[] memory messages, Step[] memory loaded) =
            abi.decode(data, (uint256[6], bytes[], Message[], Step[]));
        BatchInbox inbox = new BatchInbox(address(this));
        Bridge bridge = new Bridge(address(0xdead));
        _queue(bridge, messages);
        for (uint256 i = 0; i < batches.length; i++) {
            inbox.appendBatch(batches[i]);
        }
        TransactionRunner runner = new TransactionRunner(
            ISystemModule(address(new TokenModule())),
            ISystemModule(address(new AmmModule())),
            ISystemModule(address(new LendingModule())),
            ISystemModule(address(new LeverageModule()))
        );
        prover = new OneStepProver(
            IBatchHashes(address(inbox)),
            IMessageQueue(address(bridge)),
            runner,
            OneStepProver.ChainParams(params[0], params[1], params[2], params[3], params[4], params[5])
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
        bytes memory batch = abi.decode(s.input, (bytes));
        batch[batch.length - 1] = bytes1(uint8(batch[batch.length - 1]) ^ 1);
        vm.expectRevert(OneStepProver.InputMismatch.selector);
        prover.proveStep(s.pre, s.target, abi.encode(batch), s.witness);
    }

    function _firstStepWithWitness() internal view returns (Step memory) {
        for (uint256 i = 0; i < steps.length; i++) {
            if (steps[i].pre.phase == 2) return steps[i];
        }
        revert("no transaction step");
    }

    function _queue(Bridge _bridge, Message[] memory _messages) internal {
        for (uint256 i = 0; i < _messages.length; i++) {
            Message memory m = _messages[i];
            vm.roll(m.l1BlockNumber);
            if (m.kind == 1) {
                (address sender, address recipient, uint256 amount) =
                    abi.decode(m.payload, (address, address, uint256));
                vm.deal(sender, amount);
                vm.prank(sender);
                _bridge.depositETH{value: amount}(recipient);
            } else {
                _bridge.forceTransaction(m.payload);
            }
        }
        vm.roll(100);
    }
}

/// @notice The same over a DeFi chain: lending, leverage, swaps, oracle, liquidation, withdrawal.
contract OneStepProverDefiVectorsTest is OneStepProverVectorsTest {
    function _vectorFile() internal pure override returns (string memory) {
        return "machine_defi.json";
    }
}
