// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {StepState, StepStateLib} from "../libraries/StepStateLib.sol";

/// @title OutputOracle
/// @notice Holds the L2 outputs proposed under a bond (docs/SETTLEMENT.md §1-§2,
///         docs/FRAUD_PROOFS.md §3). A proposal carries the final StepState of its L2 block
///         (whose blockHash is the block's) and the withdrawal root; the oracle stores the output
///         root keccak256(version ‖ stateRoot ‖ withdrawalRoot ‖ blockHash), the machine hash
///         keccak256(abi.encode(StepState)) the dispute game bisects towards, and the state and
///         withdrawal roots a withdrawal-root disproof checks. The proposer proposes; once no
///         output has been proposed for `proposalTimeout` seconds, anyone may, so that users can
///         exit without the operator.
///         An output is finalized once its challenge window has passed while no dispute over it
///         is open; the Bridge pays withdrawals only against finalized outputs. The challenger
///         (the dispute game) counts the disputes open on each output and deletes a disproven
///         output with every later one, paying their bonds to the winner.
///         Bonds are conserved: the contract's balance always equals `bond` times the number of
///         stored outputs whose bond is still held (a reclaimed bond is released before it is
///         paid).
contract OutputOracle {
    /// @notice A proposed output, as getOutput returns it.
    /// @custom:field outputRoot     keccak256(version ‖ stateRoot ‖ withdrawalRoot ‖ blockHash).
    /// @custom:field timestamp      The L1 timestamp at which it was proposed.
    /// @custom:field l2BlockNumber  The L2 block it commits to.
    /// @custom:field proposer       Who proposed it (and is repaid its bond).
    /// @custom:field bond           The bond still held for it; zero once reclaimed.
    /// @custom:field challenged     Whether at least one dispute over it is open; a challenged
    ///                              output is never finalized.
    /// @custom:field challenges     The number of disputes open over it.
    /// @custom:field machineHash    keccak256(abi.encode(StepState)) of its final step state.
    /// @custom:field stateRoot      The L2 state root.
    /// @custom:field withdrawalRoot The root of the L2 withdrawal tree.
    /// @custom:field proposalId     A number unique to this proposal (never reused after a
    ///                              deletion), so a dispute can tell a replaced output from the
    ///                              one it disputes.
    struct Output {
        bytes32 outputRoot;
        uint128 timestamp;
        uint128 l2BlockNumber;
        address proposer;
        uint256 bond;
        bool challenged;
        uint256 challenges;
        bytes32 machineHash;
        bytes32 stateRoot;
        bytes32 withdrawalRoot;
        uint256 proposalId;
    }

    /// @notice The output version hashed into every output root.
    bytes32 public constant OUTPUT_VERSION = bytes32(0);

    /// @notice The account allowed to propose outputs at any time.
    address public immutable proposer;

    /// @notice Seconds without a new output (since the latest one, or since deployment) after
    ///         which anyone may propose.
    uint256 public immutable proposalTimeout;

    /// @notice The L1 timestamp of the deployment (the start of the first proposal timeout).
    uint256 public immutable deployedAt;

    /// @notice The account that deployed the contract; it may set the challenger and the genesis
    ///         machine hash once each if they were deployed as zero.
    address public immutable deployer;

    /// @notice The L2 block distance between consecutive outputs; output k commits to L2 block
    ///         (k + 1) * submissionInterval while no output was deleted.
    uint256 public immutable submissionInterval;

    /// @notice The challenge window: seconds after proposal before an output can be finalized.
    uint256 public immutable finalizationPeriodSeconds;

    /// @notice The exact ETH amount each proposal must carry.
    uint256 public immutable bond;

    /// @notice The account allowed to count disputes and to delete outputs (the dispute game).
    ///         Zero until set when the contract was deployed without it.
    address public challenger;

    /// @notice keccak256(abi.encode(genesis StepState)): the agreed start of a dispute over
    ///         output 0. Zero until set when the contract was deployed without it (the genesis is
    ///         anchored at the deployment's L1 block, so it can only be known afterwards).
    bytes32 public genesisMachineHash;

    /// @dev An output in six storage slots, all written by the proposal: four hashes, one slot of
    ///      timestamp (40 bits: until the year 36812), L2 block number (48 bits), proposal id,
    ///      open dispute count and whether the bond is still held, and the proposer when it is
    ///      not the immutable `proposer` (zero when it is). The bond is the immutable `bond`.
    struct StoredOutput {
        bytes32 outputRoot;
        bytes32 machineHash;
        bytes32 stateRoot;
        bytes32 withdrawalRoot;
        uint40 timestamp;
        uint48 l2BlockNumber;
        uint64 proposalId;
        uint64 challenges;
        bool bondHeld;
        address otherProposer;
    }

    /// @dev The outputs, by index; entries at `_outputCount` and above are deleted (stale data a
    ///      proposal overwrites completely).
    mapping(uint256 => StoredOutput) internal _outputs;

    /// @dev The number of stored outputs.
    uint128 internal _outputCount;

    /// @dev The number of proposals ever made; the last one's proposal id.
    uint128 internal _proposalCount;

    /// @notice Emitted when an output is proposed.
    /// @param outputRoot    The output root.
    /// @param outputIndex   Its index.
    /// @param l2BlockNumber The L2 block it commits to.
    /// @param timestamp     The L1 timestamp of the proposal.
    event OutputProposed(
        bytes32 indexed outputRoot,
        uint256 indexed outputIndex,
        uint256 indexed l2BlockNumber,
        uint256 timestamp
    );

    /// @notice Emitted when outputs are deleted.
    /// @param prevNextIndex The output count before the deletion.
    /// @param newNextIndex  The output count after it (the index of the first deleted output).
    event OutputsDeleted(uint256 indexed prevNextIndex, uint256 indexed newNextIndex);

    /// @notice Emitted when the challenger opens or closes a dispute over an output.
    /// @param outputIndex The output's index.
    /// @param challenged  Whether a dispute over it is still open.
    /// @param challenges  The number of disputes open over it.
    event OutputChallenged(uint256 indexed outputIndex, bool challenged, uint256 challenges);

    /// @notice Emitted when a proposer reclaims the bond of a finalized output.
    /// @param outputIndex The output's index.
    /// @param proposer    Who was paid.
    /// @param amount      The bond paid.
    event BondReclaimed(uint256 indexed outputIndex, address indexed proposer, uint256 amount);

    /// @notice Emitted when the deployer sets the challenger.
    /// @param challenger The new challenger.
    event ChallengerSet(address indexed challenger);

    /// @notice Emitted when the genesis machine hash is set (by the constructor or the deployer).
    /// @param genesisMachineHash keccak256(abi.encode(genesis StepState)).
    event GenesisMachineHashSet(bytes32 genesisMachineHash);

    /// @notice The caller is not the proposer, and the proposal timeout has not passed.
    error NotProposer();

    /// @notice The caller is not the challenger.
    error NotChallenger();

    /// @notice The caller is not the deployer.
    error NotDeployer();

    /// @notice The challenger was already set.
    error ChallengerAlreadySet();

    /// @notice The genesis machine hash was already set.
    error GenesisMachineHashAlreadySet();

    /// @notice An address that must not be zero is zero.
    error ZeroAddress();

    /// @notice A machine hash that must not be zero is zero.
    error ZeroMachineHash();

    /// @notice The submission interval is zero.
    error ZeroSubmissionInterval();

    /// @notice msg.value differs from the bond.
    error IncorrectBond();

    /// @notice The L2 block number is not nextBlockNumber().
    error UnexpectedBlockNumber();

    /// @notice The proposed step state is not between blocks (phase BLOCK_START).
    error NotBlockStart();

    /// @notice No output has this index.
    error OutputNotFound();

    /// @notice No output was proposed (or all were deleted).
    error NoOutputs();

    /// @notice The output is finalized, so it can no longer be challenged or deleted.
    error OutputAlreadyFinalized();

    /// @notice No dispute over the output is open.
    error OutputNotChallenged();

    /// @notice The output is not finalized, so its bond cannot be reclaimed yet.
    error OutputNotFinalized();

    /// @notice The output's bond was already paid out.
    error BondAlreadyReclaimed();

    /// @notice Sending a bond failed.
    error BondTransferFailed();

    /// @param _proposer                  The only account allowed to propose outputs.
    /// @param _challenger                The dispute game; zero to set it later with setChallenger.
    /// @param _submissionInterval        L2 blocks between outputs; not zero.
    /// @param _finalizationPeriodSeconds The challenge window in seconds.
    /// @param _bond                      The ETH each proposal must carry.
    /// @param _genesisMachineHash        keccak256(abi.encode(genesis StepState)); zero to set it
    ///                                   later with setGenesisMachineHash.
    /// @param _proposalTimeout           Seconds without an output after which anyone may propose.
    constructor(
        address _proposer,
        address _challenger,
        uint256 _submissionInterval,
        uint256 _finalizationPeriodSeconds,
        uint256 _bond,
        bytes32 _genesisMachineHash,
        uint256 _proposalTimeout
    ) {
        if (_submissionInterval == 0) revert ZeroSubmissionInterval();
        proposer = _proposer;
        proposalTimeout = _proposalTimeout;
        deployedAt = block.timestamp;
        challenger = _challenger;
        deployer = msg.sender;
        submissionInterval = _submissionInterval;
        finalizationPeriodSeconds = _finalizationPeriodSeconds;
        bond = _bond;
        if (_genesisMachineHash != bytes32(0)) {
            genesisMachineHash = _genesisMachineHash;
            emit GenesisMachineHashSet(_genesisMachineHash);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Proposer

    /// @notice Proposes the output of L2 block `_state.blockNumber`, which must be
    ///         nextBlockNumber(), with exactly `bond` wei. `_state` is the step machine's final
    ///         state at that block (phase BLOCK_START); the output root is computed from its
    ///         state root, `_withdrawalRoot` and its block hash. The proposer, or anyone once
    ///         canPropose says so; the sender gets the bond back and defends the output.
    /// @param _state          The final StepState of the block (docs/FRAUD_PROOFS.md §1).
    /// @param _withdrawalRoot The root of the L2 withdrawal tree after the block.
    function proposeOutput(StepState calldata _state, bytes32 _withdrawalRoot) external payable {
        if (!canPropose(msg.sender)) revert NotProposer();
        if (msg.value != bond) revert IncorrectBond();
        if (_state.phase != StepStateLib.PHASE_BLOCK_START) revert NotBlockStart();
        uint256 l2BlockNumber = _state.blockNumber;
        uint256 outputIndex = _outputCount;
        uint256 latest = outputIndex == 0 ? 0 : _outputs[outputIndex - 1].l2BlockNumber;
        if (l2BlockNumber != latest + submissionInterval) revert UnexpectedBlockNumber();
        if (l2BlockNumber > type(uint48).max) revert UnexpectedBlockNumber();
        bytes32 stateRoot = _state.stateRoot;
        bytes32 outputRoot = keccak256(
            abi.encodePacked(OUTPUT_VERSION, stateRoot, _withdrawalRoot, _state.blockHash)
        );
        uint256 proposalId = uint256(_proposalCount) + 1;
        // Both counters fit: a proposal costs a bond and gas, far fewer than 2^64 can ever happen.
        // forge-lint: disable-next-line(unsafe-typecast)
        _outputCount = uint128(outputIndex + 1);
        // forge-lint: disable-next-line(unsafe-typecast)
        _proposalCount = uint128(proposalId);
        _outputs[outputIndex] = StoredOutput({
            outputRoot: outputRoot,
            machineHash: StepStateLib.hashCalldata(_state),
            stateRoot: stateRoot,
            withdrawalRoot: _withdrawalRoot,
            // L1 timestamps fit in 40 bits until the year 36812.
            // forge-lint: disable-next-line(unsafe-typecast)
            timestamp: uint40(block.timestamp),
            // Checked above to fit.
            // forge-lint: disable-next-line(unsafe-typecast)
            l2BlockNumber: uint48(l2BlockNumber),
            // Proposal ids stay far below 2^64.
            // forge-lint: disable-next-line(unsafe-typecast)
            proposalId: uint64(proposalId),
            challenges: 0,
            bondHeld: true,
            otherProposer: msg.sender == proposer ? address(0) : msg.sender
        });
        emit OutputProposed(outputRoot, outputIndex, l2BlockNumber, block.timestamp);
    }

    /// @notice Pays the bond of a finalized output back to its proposer, once. Anyone may call it.
    /// @param _outputIndex The output's index.
    function reclaimBond(uint256 _outputIndex) external {
        StoredOutput storage output = _getOutput(_outputIndex);
        if (!_isFinalized(output)) revert OutputNotFinalized();
        if (!output.bondHeld) revert BondAlreadyReclaimed();
        output.bondHeld = false;
        address recipient = _proposerOf(output);
        emit BondReclaimed(_outputIndex, recipient, bond);
        _sendETH(recipient, bond);
    }

    // ------------------------------------------------------------------------------------------
    // Deployer

    /// @notice Sets the challenger, once, if the contract was deployed without one. Only the
    ///         deployer.
    /// @param _challenger The dispute game; not zero.
    function setChallenger(address _challenger) external {
        if (msg.sender != deployer) revert NotDeployer();
        if (challenger != address(0)) revert ChallengerAlreadySet();
        if (_challenger == address(0)) revert ZeroAddress();
        challenger = _challenger;
        emit ChallengerSet(_challenger);
    }

    /// @notice Sets the genesis machine hash, once, if the contract was deployed without it. Only
    ///         the deployer. Until it is set no dispute over output 0 can start.
    /// @param _genesisMachineHash keccak256(abi.encode(genesis StepState)); not zero.
    function setGenesisMachineHash(bytes32 _genesisMachineHash) external {
        if (msg.sender != deployer) revert NotDeployer();
        if (genesisMachineHash != bytes32(0)) revert GenesisMachineHashAlreadySet();
        if (_genesisMachineHash == bytes32(0)) revert ZeroMachineHash();
        genesisMachineHash = _genesisMachineHash;
        emit GenesisMachineHashSet(_genesisMachineHash);
    }

    // ------------------------------------------------------------------------------------------
    // Challenger

    /// @notice Counts a dispute over an output as opened (`_challenged`) or closed. An output
    ///         with an open dispute is never finalized; a finalized output cannot be challenged
    ///         any more; closing needs an open dispute. Only the challenger.
    /// @param _outputIndex The output's index.
    /// @param _challenged  True to open a dispute, false to close one.
    function setChallenged(uint256 _outputIndex, bool _challenged) external {
        if (msg.sender != challenger) revert NotChallenger();
        StoredOutput storage output = _getOutput(_outputIndex);
        uint256 challenges = output.challenges;
        if (_challenged) {
            if (_isFinalized(output)) revert OutputAlreadyFinalized();
            challenges += 1;
        } else {
            if (challenges == 0) revert OutputNotChallenged();
            challenges -= 1;
        }
        // At most one dispute per bonded game: never near 2^64.
        // forge-lint: disable-next-line(unsafe-typecast)
        output.challenges = uint64(challenges);
        emit OutputChallenged(_outputIndex, challenges != 0, challenges);
    }

    /// @notice Deletes output `_outputIndex` and every later output, whether or not they are
    ///         finalized, and pays all their unpaid bonds to `_bondRecipient`. Output
    ///         `_outputIndex` itself must not be finalized. Afterwards the proposer continues
    ///         from the block after the last remaining output. Only the challenger.
    /// @param _outputIndex   The first output to delete.
    /// @param _bondRecipient Who receives the bonds (the dispute's winner); not zero.
    function deleteOutputs(uint256 _outputIndex, address _bondRecipient) external {
        if (msg.sender != challenger) revert NotChallenger();
        if (_bondRecipient == address(0)) revert ZeroAddress();
        StoredOutput storage first = _getOutput(_outputIndex);
        if (_isFinalized(first)) revert OutputAlreadyFinalized();
        uint256 prevNextIndex = _outputCount;
        uint256 held;
        for (uint256 i = _outputIndex; i < prevNextIndex; i++) {
            if (_outputs[i].bondHeld) held++;
        }
        // Lower than before, so it fits.
        // forge-lint: disable-next-line(unsafe-typecast)
        _outputCount = uint128(_outputIndex);
        emit OutputsDeleted(prevNextIndex, _outputIndex);
        if (held != 0) _sendETH(_bondRecipient, held * bond);
    }

    // ------------------------------------------------------------------------------------------
    // Views

    /// @notice Returns an output.
    /// @param _outputIndex The output's index; reverts with OutputNotFound if there is none.
    /// @return The output.
    function getOutput(uint256 _outputIndex) external view returns (Output memory) {
        StoredOutput storage output = _getOutput(_outputIndex);
        return Output({
            outputRoot: output.outputRoot,
            timestamp: output.timestamp,
            l2BlockNumber: output.l2BlockNumber,
            proposer: _proposerOf(output),
            bond: output.bondHeld ? bond : 0,
            challenged: output.challenges != 0,
            challenges: output.challenges,
            machineHash: output.machineHash,
            stateRoot: output.stateRoot,
            withdrawalRoot: output.withdrawalRoot,
            proposalId: output.proposalId
        });
    }

    /// @notice The output root of an output (getOutput(i).outputRoot, reading one slot).
    /// @param _outputIndex The output's index; reverts with OutputNotFound if there is none.
    /// @return The output root.
    function getOutputRoot(uint256 _outputIndex) external view returns (bytes32) {
        return _getOutput(_outputIndex).outputRoot;
    }

    /// @notice The machine hash a dispute over output `_outputIndex` starts from (its position
    ///         0): the previous output's machine hash, or genesisMachineHash for output 0.
    /// @param _outputIndex The output's index; reverts with OutputNotFound if there is none.
    /// @return The start machine hash (zero for output 0 while genesisMachineHash is unset).
    function startMachineHash(uint256 _outputIndex) external view returns (bytes32) {
        _getOutput(_outputIndex);
        return _outputIndex == 0 ? genesisMachineHash : _outputs[_outputIndex - 1].machineHash;
    }

    /// @notice The proposal id of the output stored at `_outputIndex`, or 0 if there is none.
    ///         A dispute compares it with the id it recorded to tell whether its output is still
    ///         stored (not deleted, nor deleted and replaced).
    /// @param _outputIndex The output's index.
    /// @return The proposal id, or 0.
    function proposalIdOf(uint256 _outputIndex) external view returns (uint256) {
        if (_outputIndex >= _outputCount) return 0;
        return _outputs[_outputIndex].proposalId;
    }

    /// @notice The number of stored outputs; the next proposal gets this index.
    /// @return The number of outputs.
    function outputCount() external view returns (uint256) {
        return _outputCount;
    }

    /// @notice The index of the last output; reverts with NoOutputs when there is none.
    /// @return The last output's index.
    function latestOutputIndex() external view returns (uint256) {
        uint256 count = _outputCount;
        if (count == 0) revert NoOutputs();
        return count - 1;
    }

    /// @notice The L2 block of the last output; 0 before any.
    /// @return The L2 block number.
    function latestBlockNumber() public view returns (uint256) {
        uint256 count = _outputCount;
        return count == 0 ? 0 : _outputs[count - 1].l2BlockNumber;
    }

    /// @notice The L2 block the next output must commit to: latestBlockNumber() +
    ///         submissionInterval.
    /// @return The L2 block number.
    function nextBlockNumber() public view returns (uint256) {
        return latestBlockNumber() + submissionInterval;
    }

    /// @notice Whether `_account` may propose now: the proposer always; anyone once
    ///         `proposalTimeout` seconds have passed since the latest output was proposed (or,
    ///         with none, since deployment), so that users can exit when the proposer stops.
    /// @param _account The would-be proposer.
    /// @return Whether it may propose.
    function canPropose(address _account) public view returns (bool) {
        if (_account == proposer) return true;
        uint256 count = _outputCount;
        uint256 last = count == 0 ? deployedAt : _outputs[count - 1].timestamp;
        // Proposal timeouts are hours or days long; seconds of timestamp leeway do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        return block.timestamp >= last + proposalTimeout;
    }

    /// @notice Whether an output is finalized: its challenge window has passed
    ///         (block.timestamp >= timestamp + finalizationPeriodSeconds) and no dispute over it
    ///         is open.
    /// @param _outputIndex The output's index; reverts with OutputNotFound if there is none.
    /// @return Whether it is finalized.
    function isFinalized(uint256 _outputIndex) external view returns (bool) {
        return _isFinalized(_getOutput(_outputIndex));
    }

    // ------------------------------------------------------------------------------------------
    // Internals

    /// @dev Who proposed `_output` (and is repaid its bond).
    function _proposerOf(StoredOutput storage _output) internal view returns (address) {
        address other = _output.otherProposer;
        return other == address(0) ? proposer : other;
    }

    /// @dev The stored output `_outputIndex`, or revert OutputNotFound.
    function _getOutput(uint256 _outputIndex) internal view returns (StoredOutput storage) {
        if (_outputIndex >= _outputCount) revert OutputNotFound();
        return _outputs[_outputIndex];
    }

    /// @dev Whether `_output`'s window has passed and no dispute over it is open.
    function _isFinalized(StoredOutput storage _output) internal view returns (bool) {
        // The challenge window is days long; validators' seconds of timestamp leeway do not matter.
        if (_output.challenges != 0) return false;
        // forge-lint: disable-next-line(block-timestamp)
        return block.timestamp >= uint256(_output.timestamp) + finalizationPeriodSeconds;
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
