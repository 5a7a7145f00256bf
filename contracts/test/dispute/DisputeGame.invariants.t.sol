// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "../utils/Test.sol";
import {MockOneStepProver} from "./MockOneStepProver.sol";
import {DisputeGame} from "../../src/L1/DisputeGame.sol";
import {OutputOracle} from "../../src/L1/OutputOracle.sol";
import {StepState} from "../../src/libraries/StepStateLib.sol";

/// @notice Drives an OutputOracle and its DisputeGame at random: proposals (the handler is the
///         proposer, hence every game's defender), games opened by three challengers, moves,
///         one-step proofs with either outcome, timeouts, cancellations and time. Every claim is
///         the hash of a step state the handler knows, so any game can be resolved. Never
///         reverts: each action is tried only when the rules allow it.
contract DisputeGameHandler is Test {
    uint256 internal constant OUTPUT_BOND = 1 ether;
    uint256 internal constant GAME_BOND = 0.25 ether;

    OutputOracle public immutable oracle;
    DisputeGame public immutable game;
    MockOneStepProver public immutable prover;

    /// @dev The preimage of every claim that can appear in a game.
    mapping(bytes32 => StepState) internal _preimages;
    uint256 internal _nonce;

    uint256 public ghostIn;
    uint256 public ghostOut;
    uint256 public calls;
    uint256 public ghostMoves;
    uint256 public ghostEnded;

    constructor(OutputOracle _oracle, DisputeGame _game, MockOneStepProver _prover) {
        oracle = _oracle;
        game = _game;
        prover = _prover;
    }

    function challenger(uint256 _seed) public pure returns (address) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return address(uint160(0xC000 + _seed % 3));
    }

    /// @dev A fresh step state at `_blockNumber`, remembered by its hash.
    function _newClaim(uint256 _blockNumber) internal returns (bytes32 hash_, StepState memory s_) {
        s_.stateRoot = keccak256(abi.encode("state", _nonce++));
        s_.blockNumber = _blockNumber;
        hash_ = keccak256(abi.encode(s_));
        _preimages[hash_] = s_;
    }

    function registerGenesis() external returns (bytes32 hash_) {
        (hash_,) = _newClaim(0);
    }

    function propose() external {
        calls++;
        (, StepState memory state) = _newClaim(oracle.nextBlockNumber());
        vm.deal(address(this), address(this).balance + OUTPUT_BOND);
        ghostIn += OUTPUT_BOND;
        oracle.proposeOutput{value: OUTPUT_BOND}(state, bytes32(0));
    }

    function createGame(uint256 _output, uint256 _who) external {
        calls++;
        uint256 count = oracle.outputCount();
        if (count == 0) return;
        uint256 index = _output % count;
        if (oracle.isFinalized(index)) return;
        address who = challenger(_who);
        vm.deal(who, who.balance + GAME_BOND);
        ghostIn += GAME_BOND;
        vm.prank(who);
        game.createGame{value: GAME_BOND}(index);
    }

    function move(uint256 _game, bool _agree) external {
        calls++;
        (bool found, uint256 gameId) = _pickOpen(_game);
        if (!found) return;
        DisputeGame.Game memory g = game.getGame(gameId);
        if (g.hi - g.lo == 1 || _expired(g)) return;
        if (g.turn == DisputeGame.Party.Defender) {
            (bytes32 claim,) = _newClaim(g.l2BlockNumber);
            game.defend(gameId, claim);
        } else {
            vm.prank(g.challenger);
            game.respond(gameId, _agree);
        }
        ghostMoves++;
    }

    function resolve(uint256 _game, bool _defenderRight) external {
        calls++;
        (bool found, uint256 gameId) = _pickOpen(_game);
        if (!found) return;
        DisputeGame.Game memory g = game.getGame(gameId);
        if (g.hi - g.lo != 1 || _expired(g) || !game.isOutputStored(gameId)) return;
        prover.setPostHash(_defenderRight ? g.claimHi : keccak256(abi.encode(g.claimHi)));
        uint256 before = _actorBalances();
        game.resolveWithProof(gameId, _preimages[g.claimLo], "", "");
        ghostEnded++;
        ghostOut += _actorBalances() - before;
    }

    function timeout(uint256 _game) external {
        calls++;
        (bool found, uint256 gameId) = _pickOpen(_game);
        if (!found) return;
        DisputeGame.Game memory g = game.getGame(gameId);
        if (!_expired(g) || !game.isOutputStored(gameId)) return;
        uint256 before = _actorBalances();
        game.claimTimeout(gameId);
        ghostEnded++;
        ghostOut += _actorBalances() - before;
    }

    function cancel(uint256 _game) external {
        calls++;
        (bool found, uint256 gameId) = _pickOpen(_game);
        if (!found || game.isOutputStored(gameId)) return;
        uint256 before = _actorBalances();
        game.cancelGame(gameId);
        ghostEnded++;
        ghostOut += _actorBalances() - before;
    }

    function reclaim(uint256 _output) external {
        calls++;
        uint256 count = oracle.outputCount();
        if (count == 0) return;
        uint256 index = _output % count;
        if (!oracle.isFinalized(index) || oracle.getOutput(index).bond == 0) return;
        uint256 before = _actorBalances();
        oracle.reclaimBond(index);
        ghostOut += _actorBalances() - before;
    }

    function warp(uint256 _seconds) external {
        calls++;
        vm.warp(block.timestamp + bound(_seconds, 0, 2 hours));
    }

    /// @dev The first open game at or after a random id.
    function _pickOpen(uint256 _seed) internal view returns (bool, uint256) {
        uint256 count = game.gameCount();
        for (uint256 k = 0; k < count; k++) {
            uint256 id = (_seed % count + k) % count;
            if (game.getGame(id).status == DisputeGame.GameStatus.Open) return (true, id);
        }
        return (false, 0);
    }

    function _expired(DisputeGame.Game memory _g) internal view returns (bool) {
        uint256 used =
            _g.turn == DisputeGame.Party.Defender ? _g.defenderClockUsed : _g.challengerClockUsed;
        // forge-lint: disable-next-line(block-timestamp)
        return used + block.timestamp - _g.lastMoveAt > game.clockDuration();
    }

    function _actorBalances() internal view returns (uint256) {
        return address(this).balance + challenger(0).balance + challenger(1).balance
            + challenger(2).balance;
    }

    receive() external payable {}
}

/// @notice Invariants of the dispute game and the oracle together: bonds are conserved and
///         accounted per open game and held output; an output's dispute count is exactly the
///         number of open games over it; no output with an open game is finalized.
contract DisputeGameInvariantTest is Test {
    OutputOracle internal oracle;
    DisputeGame internal game;
    MockOneStepProver internal prover;
    DisputeGameHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        prover = new MockOneStepProver();
        // The handler (deployed third, nonce 4) is the proposer.
        address predicted = _predictAddress(address(this), 4);
        oracle = new OutputOracle(predicted, address(0), 10, 1 days, 1 ether, bytes32(0), 7 days);
        game = new DisputeGame(address(oracle), address(prover), 0.25 ether, 3, 3600);
        handler = new DisputeGameHandler(oracle, game, prover);
        require(address(handler) == predicted, "handler address");
        oracle.setChallenger(address(game));
        oracle.setGenesisMachineHash(handler.registerGenesis());

        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = DisputeGameHandler.propose.selector;
        selectors[1] = DisputeGameHandler.createGame.selector;
        selectors[2] = DisputeGameHandler.move.selector;
        selectors[3] = DisputeGameHandler.move.selector;
        selectors[4] = DisputeGameHandler.resolve.selector;
        selectors[5] = DisputeGameHandler.timeout.selector;
        selectors[6] = DisputeGameHandler.cancel.selector;
        selectors[7] = DisputeGameHandler.reclaim.selector;
        selectors[8] = DisputeGameHandler.warp.selector;
        selectors[9] = DisputeGameHandler.move.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 80
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_bondsConserved() public view {
        uint256 open;
        uint256 count = game.gameCount();
        for (uint256 i = 0; i < count; i++) {
            if (game.getGame(i).status == DisputeGame.GameStatus.Open) open++;
        }
        assertEq(address(game).balance, open * game.bond(), "game balance != open game bonds");
        uint256 held;
        uint256 outputs = oracle.outputCount();
        for (uint256 i = 0; i < outputs; i++) {
            held += oracle.getOutput(i).bond;
        }
        assertEq(address(oracle).balance, held, "oracle balance != held bonds");
        assertEq(
            address(game).balance + address(oracle).balance,
            handler.ghostIn() - handler.ghostOut(),
            "bonds in - bonds out"
        );
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 80
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_challengesCountOpenGames() public view {
        uint256 outputs = oracle.outputCount();
        uint256 count = game.gameCount();
        for (uint256 i = 0; i < outputs; i++) {
            OutputOracle.Output memory output = oracle.getOutput(i);
            uint256 open;
            for (uint256 j = 0; j < count; j++) {
                DisputeGame.Game memory g = game.getGame(j);
                if (
                    g.status == DisputeGame.GameStatus.Open && g.outputIndex == i
                        && g.proposalId == output.proposalId
                ) open++;
            }
            assertEq(output.challenges, open, "challenges != open games");
            if (open != 0) assertFalse(oracle.isFinalized(i), "finalized while disputed");
        }
    }

    event log_named_uint(string key, uint256 val);

    /// @notice After each run: how much of the game the run exercised (-vv shows it).
    function afterInvariant() external {
        emit log_named_uint("games", game.gameCount());
        emit log_named_uint("moves", handler.ghostMoves());
        emit log_named_uint("games ended", handler.ghostEnded());
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
