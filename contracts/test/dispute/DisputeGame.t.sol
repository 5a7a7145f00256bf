// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "../utils/Test.sol";
import {SmtBuilder} from "../utils/SmtBuilder.sol";
import {RejectingRecipient} from "../mocks/MockRecipients.sol";
import {MockOneStepProver} from "./MockOneStepProver.sol";
import {DisputeGame} from "../../src/L1/DisputeGame.sol";
import {OutputOracle} from "../../src/L1/OutputOracle.sol";
import {StepState} from "../../src/libraries/StepStateLib.sol";

/// @notice An oracle, a dispute game (its challenger) and a mock prover, with a modelled step
///         trace per output: the honest trace, a "bad" one, and players that follow them.
abstract contract DisputeGameFixture is Test {
    address internal constant PROPOSER = address(0xB0B);
    address internal constant ALICE = address(0xA11CE); // a challenger
    address internal constant BOB = address(0xB0B0B); // another challenger
    address internal constant ANYONE = address(0x7777);
    uint256 internal constant INTERVAL = 10;
    uint256 internal constant PERIOD = 7 days;
    uint256 internal constant OUTPUT_BOND = 1 ether;
    uint256 internal constant GAME_BOND = 0.25 ether;
    uint256 internal constant DEPTH = 4;
    uint256 internal constant CLOCK = 3600;
    uint256 internal constant PROPOSAL_TIMEOUT = 7 days;
    uint256 internal constant START = 1_700_000_000;
    /// @dev Real steps per output; positions past it hold the final state.
    uint256 internal constant STEPS = 11;
    /// @dev A divergence past every position: the defender follows the honest trace.
    uint256 internal constant HONEST = type(uint256).max;

    OutputOracle internal oracle;
    DisputeGame internal game;
    MockOneStepProver internal prover;

    function setUp() public virtual {
        vm.warp(START);
        prover = new MockOneStepProver();
        (oracle, game) = _deploy(DEPTH, _hash(_honestState(0, 0)));
        vm.deal(PROPOSER, 1_000 ether);
        vm.deal(ALICE, 1_000 ether);
        vm.deal(BOB, 1_000 ether);
    }

    function _deploy(uint256 _depth, bytes32 _genesis)
        internal
        returns (OutputOracle oracle_, DisputeGame game_)
    {
        oracle_ = new OutputOracle(
            PROPOSER, address(0), INTERVAL, PERIOD, OUTPUT_BOND, _genesis, PROPOSAL_TIMEOUT
        );
        game_ = new DisputeGame(address(oracle_), address(prover), GAME_BOND, _depth, CLOCK);
        oracle_.setChallenger(address(game_));
    }

    // ------------------------------------------------------------------------------------------
    // The modelled traces

    function _hash(StepState memory _s) internal pure returns (bytes32) {
        return keccak256(abi.encode(_s));
    }

    /// @dev The honest state after `_p` steps of output `_output`'s range; position 0 is the
    ///      previous output's final state (the genesis state for output 0).
    function _honestState(uint256 _output, uint256 _p) internal pure returns (StepState memory s_) {
        if (_p == 0 && _output > 0) return _honestState(_output - 1, STEPS);
        uint256 q = _p < STEPS ? _p : STEPS;
        s_.stateRoot = keccak256(abi.encode("honest", _output, q));
        s_.blockNumber = q == STEPS ? (_output + 1) * INTERVAL : _output * INTERVAL;
        s_.offset = q;
        s_.phase = q == STEPS || q == 0 ? 0 : 2;
    }

    /// @dev A wrong state after `_p` steps (p >= 1) of output `_output`'s range.
    function _badState(uint256 _output, uint256 _p) internal pure returns (StepState memory s_) {
        s_ = _honestState(_output, _p);
        s_.stateRoot = keccak256(abi.encode("bad", _output, _p < STEPS ? _p : STEPS));
    }

    function _honestClaim(uint256 _output, uint256 _p) internal pure returns (bytes32) {
        return _hash(_honestState(_output, _p));
    }

    /// @dev The defender's claim at `_p` when its trace leaves the honest one at `_divergence`.
    function _defenderClaim(uint256 _output, uint256 _p, uint256 _divergence)
        internal
        pure
        returns (bytes32)
    {
        return _p < _divergence ? _honestClaim(_output, _p) : _hash(_badState(_output, _p));
    }

    // ------------------------------------------------------------------------------------------
    // Players

    /// @dev Proposes the next output: its honest final state, or a bad one.
    function _propose(OutputOracle _oracle, bool _honest) internal returns (uint256 index_) {
        index_ = _oracle.outputCount();
        StepState memory state = _honest ? _honestState(index_, STEPS) : _badState(index_, STEPS);
        vm.prank(PROPOSER);
        _oracle.proposeOutput{value: OUTPUT_BOND}(state, keccak256(abi.encode("w", index_)));
    }

    function _propose(bool _honest) internal returns (uint256) {
        return _propose(oracle, _honest);
    }

    function _create(address _challenger, uint256 _outputIndex) internal returns (uint256) {
        vm.prank(_challenger);
        return game.createGame{value: GAME_BOND}(_outputIndex);
    }

    /// @dev Bisects game `_gameId` down to one step: the defender's trace diverges at
    ///      `_divergence` (HONEST: never); the challenger agrees exactly with honest claims, or
    ///      (`_challengerHonest` false) always disagrees.
    function _bisect(
        DisputeGame _game,
        uint256 _gameId,
        uint256 _divergence,
        bool _challengerHonest
    ) internal {
        DisputeGame.Game memory g = _game.getGame(_gameId);
        while (g.hi - g.lo > 1) {
            uint256 mid = (uint256(g.lo) + g.hi) / 2;
            bytes32 claim = _defenderClaim(g.outputIndex, mid, _divergence);
            vm.prank(g.defender);
            _game.defend(_gameId, claim);
            bool agree = _challengerHonest && claim == _honestClaim(g.outputIndex, mid);
            vm.prank(g.challenger);
            _game.respond(_gameId, agree);
            g = _game.getGame(_gameId);
        }
    }

    function _bisect(uint256 _gameId, uint256 _divergence, bool _challengerHonest) internal {
        _bisect(game, _gameId, _divergence, _challengerHonest);
    }

    /// @dev Resolves a one-step-wide game with the honest step from its lo.
    function _resolve(DisputeGame _game, uint256 _gameId) internal {
        DisputeGame.Game memory g = _game.getGame(_gameId);
        prover.setPostHash(_honestClaim(g.outputIndex, g.hi));
        _game.resolveWithProof(_gameId, _honestState(g.outputIndex, g.lo), "", "");
    }

    function _resolve(uint256 _gameId) internal {
        _resolve(game, _gameId);
    }
}

contract DisputeGameTest is DisputeGameFixture {
    event GameCreated(
        uint256 indexed gameId,
        uint256 indexed outputIndex,
        address indexed challenger,
        address defender,
        uint256 l2BlockNumber,
        uint256 proposalId,
        bytes32 startClaim,
        bytes32 endClaim,
        uint256 endPosition
    );
    event Defended(uint256 indexed gameId, uint256 position, bytes32 claim, uint256 clockUsed);
    event Responded(uint256 indexed gameId, bool agree, uint256 lo, uint256 hi, uint256 clockUsed);
    event Resolved(uint256 indexed gameId, DisputeGame.GameStatus status, bytes32 postHash);
    event TimedOut(uint256 indexed gameId, DisputeGame.Party loser, DisputeGame.GameStatus status);
    event GameCancelled(uint256 indexed gameId);
    event WithdrawalRootDisproven(
        uint256 indexed outputIndex, address indexed disprover, bytes32 withdrawalRoot
    );
    event OutputsDeleted(uint256 indexed prevNextIndex, uint256 indexed newNextIndex);

    // ------------------------------------------------------------------------------------------
    // constructor

    function test_constructor_parameters_succeeds() public view {
        assertEq(address(game.oracle()), address(oracle));
        assertEq(address(game.prover()), address(prover));
        assertEq(game.bond(), GAME_BOND);
        assertEq(game.maxDepth(), DEPTH);
        assertEq(game.clockDuration(), CLOCK);
        assertEq(game.gameCount(), 0);
        assertEq(oracle.challenger(), address(game));
        assertEq(game.WITHDRAWALS_KEY(), keccak256(abi.encodePacked(uint8(13))));
    }

    function test_constructor_invalidMaxDepth_reverts() public {
        vm.expectRevert(DisputeGame.InvalidMaxDepth.selector);
        new DisputeGame(address(oracle), address(prover), GAME_BOND, 0, CLOCK);
        vm.expectRevert(DisputeGame.InvalidMaxDepth.selector);
        new DisputeGame(address(oracle), address(prover), GAME_BOND, 64, CLOCK);
        new DisputeGame(address(oracle), address(prover), GAME_BOND, 63, CLOCK);
    }

    function test_constructor_invalidClockDuration_reverts() public {
        vm.expectRevert(DisputeGame.InvalidClockDuration.selector);
        new DisputeGame(address(oracle), address(prover), GAME_BOND, DEPTH, 0);
        vm.expectRevert(DisputeGame.InvalidClockDuration.selector);
        new DisputeGame(address(oracle), address(prover), GAME_BOND, DEPTH, 2 ** 32);
    }

    function test_constructor_zeroOracle_reverts() public {
        vm.expectRevert(DisputeGame.ZeroAddress.selector);
        new DisputeGame(address(0), address(prover), GAME_BOND, DEPTH, CLOCK);
    }

    // ------------------------------------------------------------------------------------------
    // createGame

    function test_createGame_opensGame_succeeds() public {
        _propose(false);
        bytes32 endClaim = _hash(_badState(0, STEPS));
        vm.expectEmit(address(game));
        emit GameCreated(
            0, 0, ALICE, PROPOSER, INTERVAL, 1, _honestClaim(0, 0), endClaim, 2 ** DEPTH
        );
        uint256 gameId = _create(ALICE, 0);
        assertEq(gameId, 0);
        assertEq(game.gameCount(), 1);

        DisputeGame.Game memory g = game.getGame(0);
        assertEq(g.challenger, ALICE);
        assertEq(g.defender, PROPOSER);
        assertEq(uint256(g.outputIndex), 0);
        assertEq(uint256(g.l2BlockNumber), INTERVAL);
        assertEq(uint256(g.proposalId), 1);
        assertEq(uint256(g.lo), 0);
        assertEq(uint256(g.hi), 2 ** DEPTH);
        assertEq(uint256(g.defenderClockUsed), 0);
        assertEq(uint256(g.challengerClockUsed), 0);
        assertEq(uint256(g.lastMoveAt), START);
        assertTrue(g.turn == DisputeGame.Party.Defender);
        assertTrue(g.status == DisputeGame.GameStatus.Open);
        assertEq(g.claimLo, _honestClaim(0, 0));
        assertEq(g.claimHi, endClaim);
        assertEq(g.claimMid, bytes32(0));

        assertEq(address(game).balance, GAME_BOND);
        assertEq(ALICE.balance, 1_000 ether - GAME_BOND);
        assertTrue(oracle.getOutput(0).challenged);
        assertEq(oracle.getOutput(0).challenges, 1);
        assertTrue(game.isOutputStored(0));
        (uint256 defenderLeft, uint256 challengerLeft) = game.getClocksLeft(0);
        assertEq(defenderLeft, CLOCK);
        assertEq(challengerLeft, CLOCK);
    }

    function test_createGame_laterOutputStartsFromPrevious_succeeds() public {
        _propose(true);
        _propose(false);
        _create(ALICE, 1);
        DisputeGame.Game memory g = game.getGame(0);
        assertEq(g.claimLo, _honestClaim(0, STEPS));
        assertEq(g.claimLo, oracle.getOutput(0).machineHash);
        assertEq(g.claimHi, oracle.getOutput(1).machineHash);
        assertEq(uint256(g.l2BlockNumber), 2 * INTERVAL);
        assertEq(uint256(g.proposalId), 2);
    }

    function test_createGame_wrongBond_reverts() public {
        _propose(false);
        vm.prank(ALICE);
        vm.expectRevert(DisputeGame.IncorrectBond.selector);
        game.createGame{value: GAME_BOND - 1}(0);
        vm.prank(ALICE);
        vm.expectRevert(DisputeGame.IncorrectBond.selector);
        game.createGame{value: GAME_BOND + 1}(0);
    }

    function test_createGame_missingOutput_reverts() public {
        _propose(false);
        vm.prank(ALICE);
        vm.expectRevert(OutputOracle.OutputNotFound.selector);
        game.createGame{value: GAME_BOND}(1);
    }

    function test_createGame_finalizedOutput_reverts() public {
        _propose(false);
        vm.warp(START + PERIOD);
        vm.prank(ALICE);
        vm.expectRevert(OutputOracle.OutputAlreadyFinalized.selector);
        game.createGame{value: GAME_BOND}(0);
    }

    function test_createGame_genesisUnset_reverts() public {
        (OutputOracle unset, DisputeGame unsetGame) = _deploy(DEPTH, bytes32(0));
        _propose(unset, false);
        _propose(unset, false);
        vm.prank(ALICE);
        vm.expectRevert(DisputeGame.UnknownStartState.selector);
        unsetGame.createGame{value: GAME_BOND}(0);
        // Later outputs start from their predecessor, so they can be disputed.
        vm.prank(ALICE);
        unsetGame.createGame{value: GAME_BOND}(1);
        unset.setGenesisMachineHash(_honestClaim(0, 0));
        vm.prank(ALICE);
        unsetGame.createGame{value: GAME_BOND}(0);
    }

    function test_createGame_severalOnOneOutput_succeeds() public {
        _propose(false);
        assertEq(_create(ALICE, 0), 0);
        assertEq(_create(BOB, 0), 1);
        assertEq(_create(ALICE, 0), 2);
        assertEq(oracle.getOutput(0).challenges, 3);
        assertEq(address(game).balance, 3 * GAME_BOND);
        assertEq(game.getGame(1).challenger, BOB);
    }

    // ------------------------------------------------------------------------------------------
    // defend

    function test_defend_postsMidpoint_succeeds() public {
        _propose(false);
        _create(ALICE, 0);
        vm.warp(START + 100);
        bytes32 claim = _honestClaim(0, 8);
        vm.expectEmit(address(game));
        emit Defended(0, 8, claim, 100);
        vm.prank(PROPOSER);
        game.defend(0, claim);
        DisputeGame.Game memory g = game.getGame(0);
        assertEq(g.claimMid, claim);
        assertTrue(g.turn == DisputeGame.Party.Challenger);
        assertEq(uint256(g.defenderClockUsed), 100);
        assertEq(uint256(g.lastMoveAt), START + 100);
        assertEq(uint256(g.lo), 0);
        assertEq(uint256(g.hi), 16);
    }

    function test_defend_notDefender_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        vm.prank(ALICE);
        vm.expectRevert(DisputeGame.NotDefender.selector);
        game.defend(0, bytes32(uint256(1)));
    }

    function test_defend_twiceInARow_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        vm.prank(PROPOSER);
        game.defend(0, bytes32(uint256(1)));
        vm.prank(PROPOSER);
        vm.expectRevert(DisputeGame.NotYourTurn.selector);
        game.defend(0, bytes32(uint256(2)));
    }

    function test_defend_bisectionComplete_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        _bisect(0, 5, true);
        vm.prank(PROPOSER);
        vm.expectRevert(DisputeGame.BisectionComplete.selector);
        game.defend(0, bytes32(uint256(1)));
    }

    function test_defend_clockExpired_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        vm.warp(START + CLOCK + 1);
        vm.prank(PROPOSER);
        vm.expectRevert(DisputeGame.ClockExpired.selector);
        game.defend(0, bytes32(uint256(1)));
    }

    function test_defend_lastSecondOfClock_succeeds() public {
        _propose(false);
        _create(ALICE, 0);
        vm.warp(START + CLOCK);
        vm.prank(PROPOSER);
        game.defend(0, bytes32(uint256(1)));
        (uint256 defenderLeft,) = game.getClocksLeft(0);
        assertEq(defenderLeft, 0);
    }

    function test_defend_gameNotFound_reverts() public {
        vm.prank(PROPOSER);
        vm.expectRevert(DisputeGame.GameNotFound.selector);
        game.defend(0, bytes32(uint256(1)));
    }

    function test_defend_gameEnded_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        vm.warp(START + CLOCK + 1);
        game.claimTimeout(0);
        vm.prank(PROPOSER);
        vm.expectRevert(DisputeGame.GameNotOpen.selector);
        game.defend(0, bytes32(uint256(1)));
    }

    // ------------------------------------------------------------------------------------------
    // respond

    function test_respond_agreeMovesLo_succeeds() public {
        _propose(false);
        _create(ALICE, 0);
        bytes32 claim = _honestClaim(0, 8);
        vm.prank(PROPOSER);
        game.defend(0, claim);
        vm.warp(START + 50);
        vm.expectEmit(address(game));
        emit Responded(0, true, 8, 16, 50);
        vm.prank(ALICE);
        game.respond(0, true);
        DisputeGame.Game memory g = game.getGame(0);
        assertEq(uint256(g.lo), 8);
        assertEq(uint256(g.hi), 16);
        assertEq(g.claimLo, claim);
        assertEq(g.claimHi, _hash(_badState(0, STEPS)));
        assertTrue(g.turn == DisputeGame.Party.Defender);
        assertEq(uint256(g.challengerClockUsed), 50);
    }

    function test_respond_disagreeMovesHi_succeeds() public {
        _propose(false);
        _create(ALICE, 0);
        bytes32 claim = keccak256("wrong");
        vm.prank(PROPOSER);
        game.defend(0, claim);
        vm.expectEmit(address(game));
        emit Responded(0, false, 0, 8, 0);
        vm.prank(ALICE);
        game.respond(0, false);
        DisputeGame.Game memory g = game.getGame(0);
        assertEq(uint256(g.lo), 0);
        assertEq(uint256(g.hi), 8);
        assertEq(g.claimLo, _honestClaim(0, 0));
        assertEq(g.claimHi, claim);
        // The next midpoint is 4.
        vm.expectEmit(address(game));
        emit Defended(0, 4, claim, 0);
        vm.prank(PROPOSER);
        game.defend(0, claim);
    }

    function test_respond_lastStepLeavesProofDue_succeeds() public {
        _propose(false);
        _create(ALICE, 0);
        _bisect(0, 5, true);
        DisputeGame.Game memory g = game.getGame(0);
        assertEq(uint256(g.lo), 4);
        assertEq(uint256(g.hi), 5);
        assertEq(g.claimLo, _honestClaim(0, 4));
        assertEq(g.claimHi, _hash(_badState(0, 5)));
        // The proof is due on the challenger's clock.
        assertTrue(g.turn == DisputeGame.Party.Challenger);
    }

    function test_respond_notChallenger_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        vm.prank(PROPOSER);
        game.defend(0, bytes32(uint256(1)));
        vm.prank(BOB);
        vm.expectRevert(DisputeGame.NotChallenger.selector);
        game.respond(0, true);
    }

    function test_respond_beforeDefend_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        vm.prank(ALICE);
        vm.expectRevert(DisputeGame.NotYourTurn.selector);
        game.respond(0, true);
    }

    function test_respond_bisectionComplete_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        _bisect(0, 5, true);
        vm.prank(ALICE);
        vm.expectRevert(DisputeGame.BisectionComplete.selector);
        game.respond(0, true);
    }

    function test_respond_clockExpired_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        vm.prank(PROPOSER);
        game.defend(0, bytes32(uint256(1)));
        vm.warp(START + CLOCK + 1);
        vm.prank(ALICE);
        vm.expectRevert(DisputeGame.ClockExpired.selector);
        game.respond(0, true);
    }

    // ------------------------------------------------------------------------------------------
    // resolveWithProof

    function test_resolveWithProof_challengerWins_succeeds() public {
        _propose(true);
        _propose(false);
        _propose(true);
        _propose(true);
        uint256 gameId = _create(ALICE, 1);
        _bisect(gameId, 5, true);
        uint256 aliceBefore = ALICE.balance;
        bytes32 post = _honestClaim(1, 5);
        prover.setPostHash(post);
        prover.setExpectedTargetBlock(2 * INTERVAL);
        vm.expectEmit(address(game));
        emit Resolved(gameId, DisputeGame.GameStatus.ChallengerWon, post);
        vm.expectEmit(address(oracle));
        emit OutputsDeleted(4, 1);
        vm.prank(ANYONE);
        game.resolveWithProof(gameId, _honestState(1, 4), "input", "witness");

        assertTrue(game.getGame(gameId).status == DisputeGame.GameStatus.ChallengerWon);
        // Outputs 1..3 deleted; their bonds and the game bond to the challenger.
        assertEq(oracle.outputCount(), 1);
        assertEq(ALICE.balance, aliceBefore + 3 * OUTPUT_BOND + GAME_BOND);
        assertEq(address(oracle).balance, OUTPUT_BOND);
        assertEq(address(game).balance, 0);
        assertEq(oracle.nextBlockNumber(), 2 * INTERVAL);
    }

    function test_resolveWithProof_defenderWins_succeeds() public {
        _propose(true);
        uint256 gameId = _create(ALICE, 0);
        // A dishonest challenger disagrees with everything: the dispute ends at step 0 -> 1.
        _bisect(gameId, HONEST, false);
        DisputeGame.Game memory g = game.getGame(gameId);
        assertEq(uint256(g.lo), 0);
        assertEq(uint256(g.hi), 1);
        uint256 proposerBefore = PROPOSER.balance;
        bytes32 post = _honestClaim(0, 1);
        prover.setPostHash(post);
        vm.expectEmit(address(game));
        emit Resolved(gameId, DisputeGame.GameStatus.DefenderWon, post);
        game.resolveWithProof(gameId, _honestState(0, 0), "", "");

        assertTrue(game.getGame(gameId).status == DisputeGame.GameStatus.DefenderWon);
        assertEq(PROPOSER.balance, proposerBefore + GAME_BOND);
        assertEq(oracle.outputCount(), 1);
        assertFalse(oracle.getOutput(0).challenged);
        assertEq(address(game).balance, 0);
        assertEq(address(oracle).balance, OUTPUT_BOND);
    }

    function test_resolveWithProof_pastTheLastStep_succeeds() public {
        // The honest defender's claims past the last real step repeat the final state; a
        // challenger disputing the tail loses on the halting step (post == pre).
        _propose(true);
        uint256 gameId = _create(ALICE, 0);
        DisputeGame.Game memory g = game.getGame(gameId);
        while (g.hi - g.lo > 1) {
            uint256 mid = (uint256(g.lo) + g.hi) / 2;
            vm.prank(PROPOSER);
            game.defend(gameId, _honestClaim(0, mid));
            vm.prank(ALICE);
            game.respond(gameId, true);
            g = game.getGame(gameId);
        }
        assertEq(uint256(g.lo), 15);
        assertEq(g.claimLo, g.claimHi);
        prover.setPostHash(g.claimLo);
        game.resolveWithProof(gameId, _honestState(0, 15), "", "");
        assertTrue(game.getGame(gameId).status == DisputeGame.GameStatus.DefenderWon);
    }

    function test_resolveWithProof_bisectionNotComplete_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        vm.expectRevert(DisputeGame.BisectionNotComplete.selector);
        game.resolveWithProof(0, _honestState(0, 0), "", "");
    }

    function test_resolveWithProof_wrongPreState_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        _bisect(0, 5, true);
        vm.expectRevert(DisputeGame.PreStateMismatch.selector);
        game.resolveWithProof(0, _honestState(0, 5), "", "");
    }

    function test_resolveWithProof_invalidProof_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        _bisect(0, 5, true);
        prover.setReverts(true);
        vm.expectRevert(MockOneStepProver.InvalidProof.selector);
        game.resolveWithProof(0, _honestState(0, 4), "", "");
        assertTrue(game.getGame(0).status == DisputeGame.GameStatus.Open);
    }

    function test_resolveWithProof_clockExpired_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        _bisect(0, 5, true);
        vm.warp(block.timestamp + CLOCK + 1);
        prover.setPostHash(_honestClaim(0, 5));
        vm.expectRevert(DisputeGame.ClockExpired.selector);
        game.resolveWithProof(0, _honestState(0, 4), "", "");
    }

    function test_resolveWithProof_outputDeleted_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        _create(BOB, 0);
        _bisect(0, 5, true);
        _bisect(1, 5, true);
        _resolve(0);
        prover.setPostHash(_honestClaim(0, 5));
        vm.expectRevert(DisputeGame.OutputDeleted.selector);
        game.resolveWithProof(1, _honestState(0, 4), "", "");
    }

    function test_resolveWithProof_noProver_reverts() public {
        OutputOracle other = new OutputOracle(
            PROPOSER, address(0), INTERVAL, PERIOD, OUTPUT_BOND, _honestClaim(0, 0), PROPOSAL_TIMEOUT
        );
        DisputeGame blind = new DisputeGame(address(other), address(0), GAME_BOND, 1, CLOCK);
        other.setChallenger(address(blind));
        _propose(other, false);
        vm.prank(ALICE);
        blind.createGame{value: GAME_BOND}(0);
        _bisect(blind, 0, 1, true);
        vm.expectRevert(DisputeGame.NoProver.selector);
        blind.resolveWithProof(0, _honestState(0, 0), "", "");
    }

    function test_resolveWithProof_gameEnded_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        _bisect(0, 5, true);
        _resolve(0);
        vm.expectRevert(DisputeGame.GameNotOpen.selector);
        game.resolveWithProof(0, _honestState(0, 4), "", "");
    }

    // ------------------------------------------------------------------------------------------
    // claimTimeout

    function test_claimTimeout_defenderClockOut_succeeds() public {
        _propose(false);
        _propose(false);
        _create(ALICE, 0);
        vm.warp(START + CLOCK + 1);
        uint256 aliceBefore = ALICE.balance;
        vm.expectEmit(address(game));
        emit TimedOut(0, DisputeGame.Party.Defender, DisputeGame.GameStatus.ChallengerWon);
        vm.prank(ANYONE);
        game.claimTimeout(0);
        assertTrue(game.getGame(0).status == DisputeGame.GameStatus.ChallengerWon);
        assertEq(oracle.outputCount(), 0);
        assertEq(ALICE.balance, aliceBefore + 2 * OUTPUT_BOND + GAME_BOND);
    }

    function test_claimTimeout_challengerClockOut_succeeds() public {
        _propose(true);
        _create(ALICE, 0);
        vm.prank(PROPOSER);
        game.defend(0, _honestClaim(0, 8));
        vm.warp(START + CLOCK + 1);
        uint256 proposerBefore = PROPOSER.balance;
        vm.expectEmit(address(game));
        emit TimedOut(0, DisputeGame.Party.Challenger, DisputeGame.GameStatus.DefenderWon);
        game.claimTimeout(0);
        assertEq(PROPOSER.balance, proposerBefore + GAME_BOND);
        assertEq(oracle.getOutput(0).challenges, 0);
        assertEq(oracle.outputCount(), 1);
    }

    function test_claimTimeout_proofNotSubmitted_succeeds() public {
        _propose(true);
        _create(ALICE, 0);
        _bisect(0, HONEST, false);
        vm.warp(block.timestamp + CLOCK + 1);
        game.claimTimeout(0);
        assertTrue(game.getGame(0).status == DisputeGame.GameStatus.DefenderWon);
    }

    function test_claimTimeout_clockRunning_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        vm.warp(START + CLOCK);
        vm.expectRevert(DisputeGame.ClockNotExpired.selector);
        game.claimTimeout(0);
    }

    function test_claimTimeout_clocksAccumulate_succeeds() public {
        // Chess clocks: each party's time adds up over its moves; only the mover's clock runs.
        _propose(false);
        _create(ALICE, 0);
        vm.warp(START + 1000);
        vm.prank(PROPOSER);
        game.defend(0, keccak256("a")); // defender 1000
        vm.warp(START + 3000);
        vm.prank(ALICE);
        game.respond(0, false); // challenger 2000
        vm.warp(START + 4000);
        vm.prank(PROPOSER);
        game.defend(0, keccak256("b")); // defender 2000
        vm.warp(START + 5000);
        vm.prank(ALICE);
        game.respond(0, false); // challenger 3000
        (uint256 defenderLeft, uint256 challengerLeft) = game.getClocksLeft(0);
        assertEq(defenderLeft, CLOCK - 2000);
        assertEq(challengerLeft, CLOCK - 3000);
        // The defender's clock runs out 1600 s after the challenger's move.
        vm.warp(START + 6600);
        vm.expectRevert(DisputeGame.ClockNotExpired.selector);
        game.claimTimeout(0);
        vm.warp(START + 6601);
        (defenderLeft, challengerLeft) = game.getClocksLeft(0);
        assertEq(defenderLeft, 0);
        assertEq(challengerLeft, CLOCK - 3000);
        game.claimTimeout(0);
        assertTrue(game.getGame(0).status == DisputeGame.GameStatus.ChallengerWon);
    }

    function test_claimTimeout_outputDeleted_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        _create(BOB, 0);
        vm.warp(START + CLOCK + 1);
        game.claimTimeout(0);
        vm.expectRevert(DisputeGame.OutputDeleted.selector);
        game.claimTimeout(1);
    }

    function test_claimTimeout_gameNotFound_reverts() public {
        vm.expectRevert(DisputeGame.GameNotFound.selector);
        game.claimTimeout(0);
    }

    // ------------------------------------------------------------------------------------------
    // cancelGame

    function test_cancelGame_outputDeletedByAnotherGame_succeeds() public {
        _propose(false);
        _create(ALICE, 0);
        _create(BOB, 0);
        _bisect(0, 5, true);
        _resolve(0);
        uint256 bobBefore = BOB.balance;
        vm.expectEmit(address(game));
        emit GameCancelled(1);
        vm.prank(ANYONE);
        game.cancelGame(1);
        assertTrue(game.getGame(1).status == DisputeGame.GameStatus.Cancelled);
        assertEq(BOB.balance, bobBefore + GAME_BOND);
        assertEq(address(game).balance, 0);
    }

    function test_cancelGame_outputReplacedIdentically_succeeds() public {
        // Output 1 (honest) is deleted with output 0 and proposed again, identical, at the same
        // index: the game over the old proposal is over.
        _propose(false);
        _propose(true);
        _create(BOB, 1);
        _create(ALICE, 0);
        vm.warp(START + CLOCK + 1);
        game.claimTimeout(1);
        _propose(true);
        vm.prank(PROPOSER);
        oracle.proposeOutput{value: OUTPUT_BOND}(_honestState(1, STEPS), keccak256(abi.encode("w", 1)));
        assertEq(oracle.getOutput(1).machineHash, game.getGame(0).claimHi);
        assertFalse(game.isOutputStored(0));
        game.cancelGame(0);
        assertEq(oracle.getOutput(1).challenges, 0);
    }

    function test_cancelGame_outputStored_reverts() public {
        _propose(false);
        _create(ALICE, 0);
        vm.expectRevert(DisputeGame.OutputNotDeleted.selector);
        game.cancelGame(0);
    }

    function test_cancelGame_challengerRejectsETH_reverts() public {
        _propose(false);
        address rejecting = address(new RejectingRecipient());
        vm.deal(rejecting, GAME_BOND);
        _create(rejecting, 0);
        _create(BOB, 0);
        vm.warp(START + CLOCK + 1);
        game.claimTimeout(1);
        vm.expectRevert(DisputeGame.BondTransferFailed.selector);
        game.cancelGame(0);
    }

    // ------------------------------------------------------------------------------------------
    // Several games, cascades, finalization

    function test_createGame_gamesOnDifferentOutputs_succeeds() public {
        _propose(true);
        _propose(false);
        _propose(true);
        uint256 onFirst = _create(BOB, 0);
        uint256 onSecond = _create(ALICE, 1);
        uint256 onThird = _create(BOB, 2);
        // Alice wins on output 1: outputs 1 and 2 go, the game on output 0 goes on.
        _bisect(onSecond, 7, true);
        _resolve(onSecond);
        assertEq(oracle.outputCount(), 1);
        assertTrue(game.isOutputStored(onFirst));
        assertFalse(game.isOutputStored(onThird));
        game.cancelGame(onThird);
        // Bob (dishonest) loses on output 0, which then finalizes.
        _bisect(onFirst, HONEST, false);
        _resolve(onFirst);
        assertTrue(game.getGame(onFirst).status == DisputeGame.GameStatus.DefenderWon);
        vm.warp(START + PERIOD);
        assertTrue(oracle.isFinalized(0));
        assertEq(address(game).balance, 0);
    }

    function test_isFinalized_blockedWhileAnyGameOpen_succeeds() public {
        _propose(true);
        _create(ALICE, 0);
        _create(BOB, 0);
        _bisect(0, HONEST, false);
        _bisect(1, HONEST, false);
        // The first game ends with the defender winning; the second still blocks finalization.
        _resolve(0);
        assertEq(oracle.getOutput(0).challenges, 1);
        vm.warp(START + PERIOD + 1);
        assertFalse(oracle.isFinalized(0));
        vm.expectRevert(OutputOracle.OutputNotFinalized.selector);
        oracle.reclaimBond(0);
        // The second challenger never submits its proof: its clock runs out, the defender wins.
        game.claimTimeout(1);
        assertTrue(oracle.isFinalized(0));
        oracle.reclaimBond(0);
        // A finalized output cannot be disputed any more.
        vm.prank(ALICE);
        vm.expectRevert(OutputOracle.OutputAlreadyFinalized.selector);
        game.createGame{value: GAME_BOND}(0);
    }

    function test_resolveWithProof_bondsConserved_succeeds() public {
        // Three outputs, five games; every wei ends where the rules say.
        _propose(true);
        _propose(false);
        _propose(true);
        _create(ALICE, 1); // 0: honest challenger of the bad output
        _create(BOB, 1); // 1: dishonest play, cancelled
        _create(BOB, 0); // 2: dishonest challenger of a good output
        _create(ALICE, 2); // 3: cancelled by the cascade
        _create(BOB, 2); // 4: cancelled by the cascade
        uint256 total = ALICE.balance + BOB.balance + PROPOSER.balance + address(game).balance
            + address(oracle).balance;
        assertEq(address(game).balance, 5 * GAME_BOND);
        _bisect(0, 3, true);
        _resolve(0);
        game.cancelGame(1);
        game.cancelGame(3);
        game.cancelGame(4);
        _bisect(2, HONEST, false);
        _resolve(2);
        assertEq(address(game).balance, 0);
        assertEq(address(oracle).balance, OUTPUT_BOND);
        assertEq(ALICE.balance, 1_000 ether + 2 * OUTPUT_BOND);
        assertEq(BOB.balance, 1_000 ether - GAME_BOND);
        assertEq(
            ALICE.balance + BOB.balance + PROPOSER.balance + address(game).balance
                + address(oracle).balance,
            total
        );
    }

    // ------------------------------------------------------------------------------------------
    // disproveWithdrawalRoot

    /// @dev A state tree with the Withdrawals leaf (`_count`, `_root`) (absent if both are zero
    ///      and `_absent`) among two other leaves.
    function _stateTree(uint256 _count, bytes32 _root, bool _absent)
        internal
        view
        returns (bytes32 stateRoot_, bytes memory proof_)
    {
        uint256 size = _absent ? 2 : 3;
        bytes32[] memory keys = new bytes32[](size);
        bytes32[] memory values = new bytes32[](size);
        keys[0] = keccak256("account leaf");
        values[0] = keccak256("account value");
        keys[1] = keccak256("token leaf");
        values[1] = keccak256("token value");
        if (!_absent) {
            keys[2] = game.WITHDRAWALS_KEY();
            values[2] = keccak256(abi.encode(_count, _root));
        }
        stateRoot_ = SmtBuilder.computeRoot(keys, values);
        proof_ = SmtBuilder.prove(keys, values, game.WITHDRAWALS_KEY());
    }

    /// @dev Proposes the next output with state root `_stateRoot` and `_withdrawalRoot`.
    function _proposeRoots(bytes32 _stateRoot, bytes32 _withdrawalRoot) internal {
        StepState memory state;
        state.stateRoot = _stateRoot;
        state.blockNumber = oracle.nextBlockNumber();
        vm.prank(PROPOSER);
        oracle.proposeOutput{value: OUTPUT_BOND}(state, _withdrawalRoot);
    }

    function test_disproveWithdrawalRoot_inclusionProof_succeeds() public {
        bytes32 actual = keccak256("actual withdrawal root");
        (bytes32 stateRoot, bytes memory proof) = _stateTree(3, actual, false);
        _propose(true);
        _proposeRoots(stateRoot, keccak256("claimed withdrawal root"));
        _propose(true);
        _create(ALICE, 1);
        vm.expectEmit(address(game));
        emit WithdrawalRootDisproven(1, ANYONE, actual);
        vm.prank(ANYONE);
        game.disproveWithdrawalRoot(1, [uint256(3), uint256(actual)], proof);
        assertEq(oracle.outputCount(), 1);
        assertEq(ANYONE.balance, 2 * OUTPUT_BOND);
        // The game over the deleted output is cancelled, its bond refunded.
        game.cancelGame(0);
        assertEq(ALICE.balance, 1_000 ether);
    }

    function test_disproveWithdrawalRoot_absentLeaf_succeeds() public {
        (bytes32 stateRoot, bytes memory proof) = _stateTree(0, bytes32(0), true);
        _proposeRoots(stateRoot, keccak256("claimed withdrawal root"));
        vm.prank(ANYONE);
        game.disproveWithdrawalRoot(0, [uint256(0), uint256(0)], proof);
        assertEq(oracle.outputCount(), 0);
        assertEq(ANYONE.balance, OUTPUT_BOND);
    }

    function test_disproveWithdrawalRoot_rootMatches_reverts() public {
        bytes32 actual = keccak256("actual withdrawal root");
        (bytes32 stateRoot, bytes memory proof) = _stateTree(3, actual, false);
        _proposeRoots(stateRoot, actual);
        vm.expectRevert(DisputeGame.WithdrawalRootMatches.selector);
        game.disproveWithdrawalRoot(0, [uint256(3), uint256(actual)], proof);
    }

    function test_disproveWithdrawalRoot_absentLeafZeroRoot_reverts() public {
        (bytes32 stateRoot, bytes memory proof) = _stateTree(0, bytes32(0), true);
        _proposeRoots(stateRoot, bytes32(0));
        vm.expectRevert(DisputeGame.WithdrawalRootMatches.selector);
        game.disproveWithdrawalRoot(0, [uint256(0), uint256(0)], proof);
    }

    function test_disproveWithdrawalRoot_wrongWords_reverts() public {
        bytes32 actual = keccak256("actual withdrawal root");
        (bytes32 stateRoot, bytes memory proof) = _stateTree(3, actual, false);
        _proposeRoots(stateRoot, actual);
        bytes32 forged = keccak256("forged");
        vm.expectRevert(DisputeGame.InvalidWithdrawalsProof.selector);
        game.disproveWithdrawalRoot(0, [uint256(3), uint256(forged)], proof);
        vm.expectRevert(DisputeGame.InvalidWithdrawalsProof.selector);
        game.disproveWithdrawalRoot(0, [uint256(4), uint256(forged)], proof);
    }

    function test_disproveWithdrawalRoot_exclusionOfPresentLeaf_reverts() public {
        bytes32 actual = keccak256("actual withdrawal root");
        (bytes32 stateRoot, bytes memory proof) = _stateTree(3, actual, false);
        _proposeRoots(stateRoot, actual);
        // Words (0, 0) with the inclusion proof of a non-empty leaf prove nothing.
        vm.expectRevert(DisputeGame.InvalidWithdrawalsProof.selector);
        game.disproveWithdrawalRoot(0, [uint256(0), uint256(0)], proof);
    }

    function test_disproveWithdrawalRoot_finalizedOutput_reverts() public {
        bytes32 actual = keccak256("actual withdrawal root");
        (bytes32 stateRoot, bytes memory proof) = _stateTree(3, actual, false);
        _proposeRoots(stateRoot, keccak256("claimed"));
        vm.warp(START + PERIOD);
        vm.expectRevert(OutputOracle.OutputAlreadyFinalized.selector);
        game.disproveWithdrawalRoot(0, [uint256(3), uint256(actual)], proof);
    }

    function test_disproveWithdrawalRoot_missingOutput_reverts() public {
        vm.expectRevert(OutputOracle.OutputNotFound.selector);
        game.disproveWithdrawalRoot(0, [uint256(0), uint256(0)], "");
    }

    // ------------------------------------------------------------------------------------------
    // getGame, getClocksLeft

    function test_getGame_missing_reverts() public {
        vm.expectRevert(DisputeGame.GameNotFound.selector);
        game.getGame(0);
        vm.expectRevert(DisputeGame.GameNotFound.selector);
        game.getClocksLeft(0);
        vm.expectRevert(DisputeGame.GameNotFound.selector);
        game.isOutputStored(0);
    }
}

/// @notice Gas of every move at the devnet's depth (24) and clock (3600 s); run with -vv to see
///         the numbers (execution gas of the call, without the 21,000 base and calldata).
contract DisputeGameGasTest is DisputeGameFixture {
    event log_named_uint(string key, uint256 val);

    uint256 internal constant DEVNET_DEPTH = 24;

    function test_gas_fullGameAtDevnetDepth_succeeds() public {
        (OutputOracle devOracle, DisputeGame devGame) =
            _deploy(DEVNET_DEPTH, _hash(_honestState(0, 0)));
        uint256 before = gasleft();
        vm.prank(PROPOSER);
        devOracle.proposeOutput{value: OUTPUT_BOND}(_badState(0, STEPS), bytes32(0));
        emit log_named_uint("proposeOutput (first)", before - gasleft());
        before = gasleft();
        vm.prank(PROPOSER);
        devOracle.proposeOutput{value: OUTPUT_BOND}(_honestState(1, STEPS), bytes32(0));
        emit log_named_uint("proposeOutput (second)", before - gasleft());

        vm.prank(ALICE);
        before = gasleft();
        uint256 gameId = devGame.createGame{value: GAME_BOND}(0);
        emit log_named_uint("createGame (first game)", before - gasleft());
        vm.prank(BOB);
        before = gasleft();
        uint256 second = devGame.createGame{value: GAME_BOND}(0);
        emit log_named_uint("createGame (second game)", before - gasleft());

        uint256 divergence = 5;
        uint256 maxDefend;
        uint256 maxRespond;
        uint256 moves;
        DisputeGame.Game memory g = devGame.getGame(gameId);
        while (g.hi - g.lo > 1) {
            uint256 mid = (uint256(g.lo) + g.hi) / 2;
            bytes32 claim = _defenderClaim(0, mid, divergence);
            vm.warp(block.timestamp + 60);
            vm.prank(PROPOSER);
            before = gasleft();
            devGame.defend(gameId, claim);
            uint256 used = before - gasleft();
            if (moves == 0) emit log_named_uint("defend (first)", used);
            if (used > maxDefend) maxDefend = used;
            bool agree = claim == _honestClaim(0, mid);
            vm.warp(block.timestamp + 60);
            vm.prank(ALICE);
            before = gasleft();
            devGame.respond(gameId, agree);
            used = before - gasleft();
            if (used > maxRespond) maxRespond = used;
            moves++;
            g = devGame.getGame(gameId);
        }
        assertEq(moves, DEVNET_DEPTH);
        assertEq(uint256(g.lo), 4);
        emit log_named_uint("defend (max, later)", maxDefend);
        emit log_named_uint("respond (max)", maxRespond);

        prover.setPostHash(_honestClaim(0, 5));
        StepState memory pre = _honestState(0, 4);
        before = gasleft();
        devGame.resolveWithProof(gameId, pre, "", "");
        emit log_named_uint(
            "resolveWithProof (challenger wins, 2 outputs deleted; mock prover)", before - gasleft()
        );
        before = gasleft();
        devGame.cancelGame(second);
        emit log_named_uint("cancelGame", before - gasleft());
        assertTrue(devGame.getGame(gameId).status == DisputeGame.GameStatus.ChallengerWon);
    }

    function test_gas_defenderWinsAndTimeout_succeeds() public {
        (OutputOracle devOracle, DisputeGame devGame) =
            _deploy(DEVNET_DEPTH, _hash(_honestState(0, 0)));
        vm.prank(PROPOSER);
        devOracle.proposeOutput{value: OUTPUT_BOND}(_honestState(0, STEPS), bytes32(0));
        vm.prank(ALICE);
        uint256 first = devGame.createGame{value: GAME_BOND}(0);
        vm.prank(BOB);
        uint256 second = devGame.createGame{value: GAME_BOND}(0);
        _bisect(devGame, first, HONEST, false);
        prover.setPostHash(_honestClaim(0, 1));
        StepState memory pre = _honestState(0, 0);
        uint256 before = gasleft();
        devGame.resolveWithProof(first, pre, "", "");
        emit log_named_uint("resolveWithProof (defender wins; mock prover)", before - gasleft());
        vm.warp(block.timestamp + CLOCK + 1);
        before = gasleft();
        devGame.claimTimeout(second);
        emit log_named_uint(
            "claimTimeout (defender clock out, 1 output deleted)", before - gasleft()
        );
    }

    function test_gas_disproveWithdrawalRoot_succeeds() public {
        bytes32[] memory keys = new bytes32[](3);
        bytes32[] memory values = new bytes32[](3);
        for (uint256 i = 0; i < 2; i++) {
            keys[i] = keccak256(abi.encode("leaf", i));
            values[i] = keccak256(abi.encode("value", i));
        }
        keys[2] = game.WITHDRAWALS_KEY();
        values[2] = keccak256(abi.encode(uint256(1), keccak256("actual")));
        StepState memory state;
        state.stateRoot = SmtBuilder.computeRoot(keys, values);
        state.blockNumber = INTERVAL;
        vm.prank(PROPOSER);
        oracle.proposeOutput{value: OUTPUT_BOND}(state, keccak256("claimed"));
        bytes memory proof = SmtBuilder.prove(keys, values, keys[2]);
        vm.prank(ANYONE);
        uint256 before = gasleft();
        game.disproveWithdrawalRoot(0, [uint256(1), uint256(keccak256("actual"))], proof);
        emit log_named_uint("disproveWithdrawalRoot (1 output deleted)", before - gasleft());
    }
}
