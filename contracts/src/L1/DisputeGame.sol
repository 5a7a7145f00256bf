// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {OutputOracle} from "./OutputOracle.sol";
import {IOneStepProver} from "../prover/IOneStepProver.sol";
import {SparseMerkleProof} from "../libraries/SparseMerkleProof.sol";
import {StepState, StepStateLib} from "../libraries/StepStateLib.sol";

/// @title DisputeGame
/// @notice The OutputOracle's challenger (docs/FRAUD_PROOFS.md §3): bisection games over the step
///         machine, many at once, each keyed by an id.
///         A game disputes one output. Positions 0..2^maxDepth hold step-state hashes: position 0
///         is agreed (the previous output's machine hash, or the genesis machine hash), position
///         2^maxDepth is the output's machine hash (every position past the last real step holds
///         the final state). The disputed interval (lo, hi) starts as the whole range. The
///         defender (the output's proposer) posts the claim at its midpoint; the challenger (who
///         opened the game) agrees (lo = mid) or disagrees (hi = mid). Once hi - lo == 1, anyone
///         submits the one-step proof from the state at lo: a post hash equal to the claim at hi
///         means the defender wins, anything else the challenger.
///         Each party has a chess clock of clockDuration seconds; it runs while that party is to
///         move (the challenger's also while the one-step proof is due). A party whose clock runs
///         out while it is to move loses (claimTimeout).
///         A challenger win deletes the output and every later one (their bonds go to the
///         challenger, with its game bond back); a defender win pays the challenger's game bond to
///         the defender. A game whose output was deleted otherwise (another game, a withdrawal
///         root disproof, an earlier output's deletion) can be cancelled by anyone, refunding the
///         challenger. An output stays challenged (never finalized) while any game over it is
///         open.
///         A wrong withdrawal root is disproven directly by disproveWithdrawalRoot.
///         Bonds are conserved: the contract's balance equals `bond` times the number of open
///         games.
contract DisputeGame {
    /// @notice A party of a game; as `turn`, the party to move.
    enum Party {
        Defender,
        Challenger
    }

    /// @notice Where a game stands.
    enum GameStatus {
        None,
        Open,
        ChallengerWon,
        DefenderWon,
        Cancelled
    }

    /// @notice A game, as getGame returns it (and as it is stored: six slots).
    /// @custom:field challenger          Who opened it (and posted the bond).
    /// @custom:field outputIndex         The disputed output.
    /// @custom:field l2BlockNumber       Its L2 block: the one-step proof's target block.
    /// @custom:field defender            The output's proposer.
    /// @custom:field proposalId          The output's proposal id (tells it from a replacement).
    /// @custom:field lo                  The agreed end of the disputed interval.
    /// @custom:field hi                  The disputed end of the disputed interval.
    /// @custom:field defenderClockUsed   Seconds the defender's clock has run, up to lastMoveAt.
    /// @custom:field challengerClockUsed Seconds the challenger's clock has run, up to lastMoveAt.
    /// @custom:field lastMoveAt          The timestamp of creation or of the last move.
    /// @custom:field turn                The party to move: the defender posts the midpoint
    ///                                   claim; the challenger responds to it or, once
    ///                                   hi - lo == 1, the one-step proof is due on its clock.
    /// @custom:field status              Open, or how it ended.
    /// @custom:field claimLo             The claim at lo (agreed).
    /// @custom:field claimHi             The claim at hi (disputed).
    /// @custom:field claimMid            The last midpoint claim the defender posted (the pending
    ///                                   one while the challenger is to respond).
    struct Game {
        address challenger;
        uint48 outputIndex;
        uint48 l2BlockNumber;
        address defender;
        uint64 proposalId;
        uint64 lo;
        uint64 hi;
        uint32 defenderClockUsed;
        uint32 challengerClockUsed;
        uint40 lastMoveAt;
        Party turn;
        GameStatus status;
        bytes32 claimLo;
        bytes32 claimHi;
        bytes32 claimMid;
    }

    /// @notice The state tree's key of the Withdrawals leaf: keccak256(abi.encodePacked(uint8(13))).
    bytes32 public constant WITHDRAWALS_KEY = keccak256(abi.encodePacked(uint8(13)));

    /// @notice The deepest bisection supported (positions must fit 64 bits).
    uint256 public constant MAX_SUPPORTED_DEPTH = 63;

    /// @notice The oracle whose outputs are disputed.
    OutputOracle public immutable oracle;

    /// @notice The one-step prover (zero: no game can be resolved by proof, only by timeout).
    IOneStepProver public immutable prover;

    /// @notice The exact ETH amount opening a game takes.
    uint256 public immutable bond;

    /// @notice Bisection depth: positions run from 0 to 2^maxDepth.
    uint256 public immutable maxDepth;

    /// @notice Each party's chess clock, in seconds.
    uint256 public immutable clockDuration;

    /// @notice The number of games created; the next game gets this id.
    uint256 public gameCount;

    /// @dev The games, by id.
    mapping(uint256 => Game) internal _games;

    /// @notice Emitted when a game is opened.
    /// @param gameId        The game's id.
    /// @param outputIndex   The disputed output.
    /// @param challenger    Who opened it.
    /// @param defender      The output's proposer.
    /// @param l2BlockNumber The output's L2 block (the one-step proof's target block).
    /// @param proposalId    The output's proposal id.
    /// @param startClaim    The agreed claim at position 0.
    /// @param endClaim      The output's machine hash, the claim at position endPosition.
    /// @param endPosition   2^maxDepth.
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

    /// @notice Emitted when the defender posts the claim at the midpoint of the interval.
    /// @param gameId    The game's id.
    /// @param position  The midpoint.
    /// @param claim     The claim at it.
    /// @param clockUsed The defender's clock after the move, in seconds.
    event Defended(uint256 indexed gameId, uint256 position, bytes32 claim, uint256 clockUsed);

    /// @notice Emitted when the challenger agrees or disagrees with the midpoint claim.
    /// @param gameId    The game's id.
    /// @param agree     Whether it agreed (lo moved to the midpoint) or not (hi did).
    /// @param lo        The new lo.
    /// @param hi        The new hi; hi - lo == 1 means the one-step proof is due.
    /// @param clockUsed The challenger's clock after the move, in seconds.
    event Responded(uint256 indexed gameId, bool agree, uint256 lo, uint256 hi, uint256 clockUsed);

    /// @notice Emitted when a one-step proof ends a game.
    /// @param gameId   The game's id.
    /// @param status   ChallengerWon or DefenderWon.
    /// @param postHash The hash of the state after the proven step.
    event Resolved(uint256 indexed gameId, GameStatus status, bytes32 postHash);

    /// @notice Emitted when a party's clock ran out and the game ended.
    /// @param gameId The game's id.
    /// @param loser  The party whose clock ran out.
    /// @param status ChallengerWon or DefenderWon.
    event TimedOut(uint256 indexed gameId, Party loser, GameStatus status);

    /// @notice Emitted when a game whose output was deleted otherwise is cancelled.
    /// @param gameId The game's id.
    event GameCancelled(uint256 indexed gameId);

    /// @notice Emitted when an output's withdrawal root is disproven (the output and every later
    ///         one are deleted).
    /// @param outputIndex    The output.
    /// @param disprover      Who proved it (and received the deleted outputs' bonds).
    /// @param withdrawalRoot The withdrawal root the output's state actually holds.
    event WithdrawalRootDisproven(
        uint256 indexed outputIndex, address indexed disprover, bytes32 withdrawalRoot
    );

    /// @notice An address that must not be zero is zero.
    error ZeroAddress();

    /// @notice maxDepth is zero or above MAX_SUPPORTED_DEPTH.
    error InvalidMaxDepth();

    /// @notice clockDuration is zero or does not fit 32 bits.
    error InvalidClockDuration();

    /// @notice msg.value differs from the bond.
    error IncorrectBond();

    /// @notice The start of the disputed range is unknown (output 0 while the oracle's genesis
    ///         machine hash is unset).
    error UnknownStartState();

    /// @notice No game has this id.
    error GameNotFound();

    /// @notice The game has ended.
    error GameNotOpen();

    /// @notice The caller is not the game's defender.
    error NotDefender();

    /// @notice The caller is not the game's challenger.
    error NotChallenger();

    /// @notice The other party is to move.
    error NotYourTurn();

    /// @notice The interval is one step wide: no more bisection, the one-step proof is due.
    error BisectionComplete();

    /// @notice The interval is wider than one step: no one-step proof yet.
    error BisectionNotComplete();

    /// @notice The clock of the party to move has run out (claimTimeout ends the game).
    error ClockExpired();

    /// @notice The clock of the party to move has not run out.
    error ClockNotExpired();

    /// @notice The game's output is no longer stored (cancelGame ends the game).
    error OutputDeleted();

    /// @notice The game's output is still stored (the game cannot be cancelled).
    error OutputNotDeleted();

    /// @notice The pre-state does not hash to the claim at lo.
    error PreStateMismatch();

    /// @notice The game has no one-step prover.
    error NoProver();

    /// @notice The Withdrawals leaf proof does not verify against the output's state root.
    error InvalidWithdrawalsProof();

    /// @notice The proven withdrawal root equals the output's.
    error WithdrawalRootMatches();

    /// @notice Sending a bond failed.
    error BondTransferFailed();

    /// @param _oracle        The oracle whose outputs are disputed (this contract must be its
    ///                       challenger).
    /// @param _prover        The one-step prover; zero leaves proofs impossible (timeouts only).
    /// @param _bond          The ETH opening a game takes.
    /// @param _maxDepth      Bisection depth, 1 to MAX_SUPPORTED_DEPTH.
    /// @param _clockDuration Each party's clock in seconds, 1 to 2^32 - 1.
    constructor(
        address _oracle,
        address _prover,
        uint256 _bond,
        uint256 _maxDepth,
        uint256 _clockDuration
    ) {
        if (_oracle == address(0)) revert ZeroAddress();
        if (_maxDepth == 0 || _maxDepth > MAX_SUPPORTED_DEPTH) revert InvalidMaxDepth();
        if (_clockDuration == 0 || _clockDuration > type(uint32).max) {
            revert InvalidClockDuration();
        }
        oracle = OutputOracle(_oracle);
        prover = IOneStepProver(_prover);
        bond = _bond;
        maxDepth = _maxDepth;
        clockDuration = _clockDuration;
    }

    // ------------------------------------------------------------------------------------------
    // Moves

    /// @notice Opens a game against output `_outputIndex`, which must exist and not be
    ///         finalized, with exactly `bond` wei. The caller is the challenger, the output's
    ///         proposer the defender, who is to move first. Anyone may call it, any number of
    ///         times per output.
    /// @param _outputIndex The disputed output.
    /// @return gameId_ The new game's id.
    function createGame(uint256 _outputIndex) external payable returns (uint256 gameId_) {
        if (msg.value != bond) revert IncorrectBond();
        // Reverts with OutputNotFound or OutputAlreadyFinalized.
        oracle.setChallenged(_outputIndex, true);
        OutputOracle.Output memory output = oracle.getOutput(_outputIndex);
        bytes32 startClaim = oracle.startMachineHash(_outputIndex);
        if (startClaim == bytes32(0)) revert UnknownStartState();
        gameId_ = gameCount;
        gameCount = gameId_ + 1;
        uint256 endPosition = uint256(1) << maxDepth;
        // The oracle holds far fewer than 2^48 outputs, stores L2 block numbers in 48 bits and
        // proposal ids far below 2^64; maxDepth <= 63; timestamps fit 40 bits.
        _games[gameId_] = Game({
            challenger: msg.sender,
            // forge-lint: disable-next-line(unsafe-typecast)
            outputIndex: uint48(_outputIndex),
            // forge-lint: disable-next-line(unsafe-typecast)
            l2BlockNumber: uint48(output.l2BlockNumber),
            defender: output.proposer,
            // forge-lint: disable-next-line(unsafe-typecast)
            proposalId: uint64(output.proposalId),
            lo: 0,
            // forge-lint: disable-next-line(unsafe-typecast)
            hi: uint64(endPosition),
            defenderClockUsed: 0,
            challengerClockUsed: 0,
            // forge-lint: disable-next-line(unsafe-typecast)
            lastMoveAt: uint40(block.timestamp),
            turn: Party.Defender,
            status: GameStatus.Open,
            claimLo: startClaim,
            claimHi: output.machineHash,
            claimMid: bytes32(0)
        });
        emit GameCreated(
            gameId_,
            _outputIndex,
            msg.sender,
            output.proposer,
            output.l2BlockNumber,
            output.proposalId,
            startClaim,
            output.machineHash,
            endPosition
        );
    }

    /// @notice The defender posts the claim at the midpoint of the disputed interval: the hash
    ///         of the step state after (lo + hi) / 2 steps. Only the defender, on its turn, within
    ///         its clock, while the interval is wider than one step.
    /// @param _gameId The game.
    /// @param _claim  The claim at the midpoint.
    function defend(uint256 _gameId, bytes32 _claim) external {
        Game storage game = _openGame(_gameId);
        if (msg.sender != game.defender) revert NotDefender();
        uint256 lo = game.lo;
        uint256 hi = game.hi;
        if (hi - lo == 1) revert BisectionComplete();
        if (game.turn != Party.Defender) revert NotYourTurn();
        uint256 clockUsed = _spendClock(game, Party.Defender);
        uint256 mid = (lo + hi) >> 1;
        game.claimMid = _claim;
        game.turn = Party.Challenger;
        emit Defended(_gameId, mid, _claim, clockUsed);
    }

    /// @notice The challenger answers the defender's midpoint claim: agreeing moves lo to the
    ///         midpoint (the claim becomes the agreed claim), disagreeing moves hi there (the
    ///         claim becomes the disputed one). Only the challenger, on its turn, within its
    ///         clock. When the interval becomes one step wide the one-step proof is due, on the
    ///         challenger's clock.
    /// @param _gameId The game.
    /// @param _agree  Whether the challenger agrees with the midpoint claim.
    function respond(uint256 _gameId, bool _agree) external {
        Game storage game = _openGame(_gameId);
        if (msg.sender != game.challenger) revert NotChallenger();
        uint256 lo = game.lo;
        uint256 hi = game.hi;
        if (hi - lo == 1) revert BisectionComplete();
        if (game.turn != Party.Challenger) revert NotYourTurn();
        uint256 clockUsed = _spendClock(game, Party.Challenger);
        uint256 mid = (lo + hi) >> 1;
        bytes32 claim = game.claimMid;
        // Positions fit 64 bits: hi <= 2^maxDepth <= 2^63.
        if (_agree) {
            lo = mid;
            // forge-lint: disable-next-line(unsafe-typecast)
            game.lo = uint64(mid);
            game.claimLo = claim;
        } else {
            hi = mid;
            // forge-lint: disable-next-line(unsafe-typecast)
            game.hi = uint64(mid);
            game.claimHi = claim;
        }
        if (hi - lo != 1) game.turn = Party.Defender;
        emit Responded(_gameId, _agree, lo, hi, clockUsed);
    }

    /// @notice Ends a game whose interval is one step wide by proving that step: `_pre` must hash
    ///         to the claim at lo; the prover runs the step and returns the post hash. Equal to
    ///         the claim at hi, the defender wins; otherwise the challenger wins. Anyone may call
    ///         it while the challenger's clock runs (after that, claimTimeout).
    /// @param _gameId  The game.
    /// @param _pre     The step state at lo.
    /// @param _input   The step's input (IOneStepProver.proveStep).
    /// @param _witness The step's witness (IOneStepProver.proveStep).
    function resolveWithProof(
        uint256 _gameId,
        StepState calldata _pre,
        bytes calldata _input,
        bytes calldata _witness
    ) external {
        Game storage game = _openGame(_gameId);
        if (game.hi - game.lo != 1) revert BisectionNotComplete();
        if (_isClockExpired(game)) revert ClockExpired();
        _requireOutputStored(game);
        if (StepStateLib.hashCalldata(_pre) != game.claimLo) revert PreStateMismatch();
        if (address(prover) == address(0)) revert NoProver();
        bytes32 postHash = prover.proveStep(_pre, game.l2BlockNumber, _input, _witness);
        if (postHash == game.claimHi) {
            game.status = GameStatus.DefenderWon;
            emit Resolved(_gameId, GameStatus.DefenderWon, postHash);
            _payDefender(game);
        } else {
            game.status = GameStatus.ChallengerWon;
            emit Resolved(_gameId, GameStatus.ChallengerWon, postHash);
            _payChallenger(game);
        }
    }

    /// @notice Ends a game whose party to move has run out of clock: that party loses. Anyone may
    ///         call it.
    /// @param _gameId The game.
    function claimTimeout(uint256 _gameId) external {
        Game storage game = _openGame(_gameId);
        if (!_isClockExpired(game)) revert ClockNotExpired();
        _requireOutputStored(game);
        Party loser = game.turn;
        if (loser == Party.Defender) {
            game.status = GameStatus.ChallengerWon;
            emit TimedOut(_gameId, loser, GameStatus.ChallengerWon);
            _payChallenger(game);
        } else {
            game.status = GameStatus.DefenderWon;
            emit TimedOut(_gameId, loser, GameStatus.DefenderWon);
            _payDefender(game);
        }
    }

    /// @notice Cancels a game whose output is no longer stored (deleted by another game, a
    ///         withdrawal root disproof or an earlier output's deletion; or deleted and replaced):
    ///         the challenger gets its bond back. Anyone may call it.
    /// @param _gameId The game.
    function cancelGame(uint256 _gameId) external {
        Game storage game = _openGame(_gameId);
        if (_isOutputStored(game)) revert OutputNotDeleted();
        game.status = GameStatus.Cancelled;
        emit GameCancelled(_gameId);
        _sendETH(game.challenger, bond);
    }

    /// @notice Disproves output `_outputIndex`'s withdrawal root: `_proof` shows the Withdrawals
    ///         leaf (tree key WITHDRAWALS_KEY, words (count, root)) under the output's state root,
    ///         an inclusion proof of value hash keccak256(abi.encode(count, root)), or for words
    ///         (0, 0) also an exclusion proof (no withdrawal ever: an empty tree, root 0). If the
    ///         root word differs from the output's withdrawal root, the output and every later one
    ///         are deleted at once and their bonds paid to the caller. The output must not be
    ///         finalized. Anyone may call it.
    /// @param _outputIndex          The output.
    /// @param _withdrawalsLeafWords The Withdrawals leaf's words: (count, root).
    /// @param _proof                The compact-SMT proof (rollup.smt.encode_proof).
    function disproveWithdrawalRoot(
        uint256 _outputIndex,
        uint256[2] calldata _withdrawalsLeafWords,
        bytes calldata _proof
    ) external {
        OutputOracle.Output memory output = oracle.getOutput(_outputIndex);
        uint256 count = _withdrawalsLeafWords[0];
        bytes32 withdrawalRoot = bytes32(_withdrawalsLeafWords[1]);
        if (withdrawalRoot == output.withdrawalRoot) revert WithdrawalRootMatches();
        bool proven = SparseMerkleProof.verifyInclusion(
            output.stateRoot, WITHDRAWALS_KEY, keccak256(abi.encode(count, withdrawalRoot)), _proof
        );
        if (!proven && count == 0 && withdrawalRoot == bytes32(0)) {
            proven = SparseMerkleProof.verifyExclusion(output.stateRoot, WITHDRAWALS_KEY, _proof);
        }
        if (!proven) revert InvalidWithdrawalsProof();
        emit WithdrawalRootDisproven(_outputIndex, msg.sender, withdrawalRoot);
        // Reverts with OutputAlreadyFinalized for a finalized output.
        oracle.deleteOutputs(_outputIndex, msg.sender);
    }

    // ------------------------------------------------------------------------------------------
    // Views

    /// @notice Returns a game.
    /// @param _gameId The game's id; reverts with GameNotFound if there is none.
    /// @return The game.
    function getGame(uint256 _gameId) external view returns (Game memory) {
        if (_gameId >= gameCount) revert GameNotFound();
        return _games[_gameId];
    }

    /// @notice Each party's clock time left now, counting the running clock of the party to
    ///         move (zero once run out; frozen once the game ended).
    /// @param _gameId The game's id; reverts with GameNotFound if there is none.
    /// @return defender_   The defender's seconds left.
    /// @return challenger_ The challenger's seconds left.
    function getClocksLeft(uint256 _gameId)
        external
        view
        returns (uint256 defender_, uint256 challenger_)
    {
        if (_gameId >= gameCount) revert GameNotFound();
        Game storage game = _games[_gameId];
        uint256 defenderUsed = game.defenderClockUsed;
        uint256 challengerUsed = game.challengerClockUsed;
        if (game.status == GameStatus.Open) {
            // forge-lint: disable-next-line(block-timestamp)
            uint256 elapsed = block.timestamp - game.lastMoveAt;
            if (game.turn == Party.Defender) defenderUsed += elapsed;
            else challengerUsed += elapsed;
        }
        defender_ = defenderUsed >= clockDuration ? 0 : clockDuration - defenderUsed;
        challenger_ = challengerUsed >= clockDuration ? 0 : clockDuration - challengerUsed;
    }

    /// @notice Whether a game's output is still stored (not deleted, nor deleted and replaced).
    /// @param _gameId The game's id; reverts with GameNotFound if there is none.
    /// @return Whether the output is stored.
    function isOutputStored(uint256 _gameId) external view returns (bool) {
        if (_gameId >= gameCount) revert GameNotFound();
        return _isOutputStored(_games[_gameId]);
    }

    // ------------------------------------------------------------------------------------------
    // Internals

    /// @dev The open game `_gameId`, or revert GameNotFound / GameNotOpen.
    function _openGame(uint256 _gameId) internal view returns (Game storage game_) {
        if (_gameId >= gameCount) revert GameNotFound();
        game_ = _games[_gameId];
        if (game_.status != GameStatus.Open) revert GameNotOpen();
    }

    /// @dev Charges the time since the last move to `_mover`'s clock and restarts the clock of
    ///      the other party from now; reverts with ClockExpired if `_mover`'s clock ran out.
    ///      Returns `_mover`'s clock used.
    function _spendClock(Game storage _game, Party _mover) internal returns (uint256 used_) {
        // forge-lint: disable-next-line(block-timestamp)
        uint256 elapsed = block.timestamp - _game.lastMoveAt;
        if (_mover == Party.Defender) {
            used_ = _game.defenderClockUsed + elapsed;
            if (used_ > clockDuration) revert ClockExpired();
            // At most clockDuration, which fits 32 bits.
            // forge-lint: disable-next-line(unsafe-typecast)
            _game.defenderClockUsed = uint32(used_);
        } else {
            used_ = _game.challengerClockUsed + elapsed;
            if (used_ > clockDuration) revert ClockExpired();
            // forge-lint: disable-next-line(unsafe-typecast)
            _game.challengerClockUsed = uint32(used_);
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        _game.lastMoveAt = uint40(block.timestamp);
    }

    /// @dev Whether the clock of the party to move has run out (used more than clockDuration).
    function _isClockExpired(Game storage _game) internal view returns (bool) {
        // forge-lint: disable-next-line(block-timestamp)
        uint256 elapsed = block.timestamp - _game.lastMoveAt;
        uint256 used =
            _game.turn == Party.Defender ? _game.defenderClockUsed : _game.challengerClockUsed;
        return used + elapsed > clockDuration;
    }

    /// @dev Whether the oracle still stores the output `_game` disputes.
    function _isOutputStored(Game storage _game) internal view returns (bool) {
        return oracle.proposalIdOf(_game.outputIndex) == _game.proposalId;
    }

    /// @dev Reverts with OutputDeleted unless the oracle still stores `_game`'s output.
    function _requireOutputStored(Game storage _game) internal view {
        if (!_isOutputStored(_game)) revert OutputDeleted();
    }

    /// @dev The challenger won: delete the output and every later one (their bonds to the
    ///      challenger) and return the game bond. The status is already set.
    function _payChallenger(Game storage _game) internal {
        address challenger = _game.challenger;
        oracle.deleteOutputs(_game.outputIndex, challenger);
        _sendETH(challenger, bond);
    }

    /// @dev The defender won: close the dispute on the output and pay it the game bond. The
    ///      status is already set.
    function _payDefender(Game storage _game) internal {
        oracle.setChallenged(_game.outputIndex, false);
        _sendETH(_game.defender, bond);
    }

    /// @dev Sends `_amount` wei to `_to`, forwarding all gas; reverts with BondTransferFailed if
    ///      the call fails. Returned data is never copied.
    function _sendETH(address _to, uint256 _amount) internal {
        bool success;
        assembly ("memory-safe") {
            success := call(gas(), _to, _amount, 0, 0, 0, 0)
        }
        if (!success) revert BondTransferFailed();
    }
}
