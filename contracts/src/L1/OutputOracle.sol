// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title OutputOracle
/// @notice Holds the L2 output roots the proposer posts under a bond (docs/SETTLEMENT.md §1-§2).
///         An output is finalized once its challenge window has passed while it is not challenged;
///         the Bridge pays withdrawals only against finalized outputs. The challenger (the dispute
///         game) marks outputs challenged while a dispute runs and deletes a disproven output with
///         every later one, paying their bonds to the winner.
///         Bonds are conserved: the contract's balance always equals the sum of the `bond` fields
///         of the stored outputs (a reclaimed bond is zeroed before it is paid).
contract OutputOracle {
    /// @notice A proposed output.
    /// @custom:field outputRoot    keccak256(version ‖ stateRoot ‖ withdrawalRoot ‖ l2BlockHash).
    /// @custom:field timestamp     The L1 timestamp at which it was proposed.
    /// @custom:field l2BlockNumber The L2 block it commits to.
    /// @custom:field proposer      Who proposed it (and is repaid its bond).
    /// @custom:field bond          The bond still held for it; zero once reclaimed.
    /// @custom:field challenged    Whether a dispute over it is running; a challenged output is
    ///                             never finalized.
    struct Output {
        bytes32 outputRoot;
        uint128 timestamp;
        uint128 l2BlockNumber;
        address proposer;
        uint256 bond;
        bool challenged;
    }

    /// @notice The only account allowed to propose outputs.
    address public immutable proposer;

    /// @notice The account that deployed the contract; it may set the challenger once if it was
    ///         deployed as zero.
    address public immutable deployer;

    /// @notice The L2 block distance between consecutive outputs; output k commits to L2 block
    ///         (k + 1) * submissionInterval while no output was deleted.
    uint256 public immutable submissionInterval;

    /// @notice The challenge window: seconds after proposal before an output can be finalized.
    uint256 public immutable finalizationPeriodSeconds;

    /// @notice The exact ETH amount each proposal must carry.
    uint256 public immutable bond;

    /// @notice The account allowed to mark outputs challenged and to delete them (the dispute
    ///         game). Zero until set when the contract was deployed without it.
    address public challenger;

    /// @dev An Output packed into three storage slots (a proposal writes three, not five):
    ///      timestamp (40 bits: until the year 36812), L2 block number (48 bits: nine million
    ///      years of 1-second blocks), proposer and challenged flag share one slot.
    struct StoredOutput {
        bytes32 outputRoot;
        uint40 timestamp;
        uint48 l2BlockNumber;
        address proposer;
        bool challenged;
        uint256 bond;
    }

    /// @dev The outputs, by index.
    StoredOutput[] internal _outputs;

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

    /// @notice Emitted when the challenger marks or unmarks an output as challenged.
    /// @param outputIndex The output's index.
    /// @param challenged  Its new challenged flag.
    event OutputChallenged(uint256 indexed outputIndex, bool challenged);

    /// @notice Emitted when a proposer reclaims the bond of a finalized output.
    /// @param outputIndex The output's index.
    /// @param proposer    Who was paid.
    /// @param amount      The bond paid.
    event BondReclaimed(uint256 indexed outputIndex, address indexed proposer, uint256 amount);

    /// @notice Emitted when the deployer sets the challenger.
    /// @param challenger The new challenger.
    event ChallengerSet(address indexed challenger);

    /// @notice The caller is not the proposer.
    error NotProposer();

    /// @notice The caller is not the challenger.
    error NotChallenger();

    /// @notice The caller is not the deployer.
    error NotDeployer();

    /// @notice The challenger was already set.
    error ChallengerAlreadySet();

    /// @notice An address that must not be zero is zero.
    error ZeroAddress();

    /// @notice The submission interval is zero.
    error ZeroSubmissionInterval();

    /// @notice msg.value differs from the bond.
    error IncorrectBond();

    /// @notice The L2 block number is not nextBlockNumber().
    error UnexpectedBlockNumber();

    /// @notice The output root is zero.
    error ZeroOutputRoot();

    /// @notice No output has this index.
    error OutputNotFound();

    /// @notice No output was proposed (or all were deleted).
    error NoOutputs();

    /// @notice The output is finalized, so it can no longer be challenged or deleted.
    error OutputAlreadyFinalized();

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
    constructor(
        address _proposer,
        address _challenger,
        uint256 _submissionInterval,
        uint256 _finalizationPeriodSeconds,
        uint256 _bond
    ) {
        if (_submissionInterval == 0) revert ZeroSubmissionInterval();
        proposer = _proposer;
        challenger = _challenger;
        deployer = msg.sender;
        submissionInterval = _submissionInterval;
        finalizationPeriodSeconds = _finalizationPeriodSeconds;
        bond = _bond;
    }

    // ------------------------------------------------------------------------------------------
    // Proposer

    /// @notice Proposes the output root of L2 block `_l2BlockNumber`, which must be
    ///         nextBlockNumber(), with exactly `bond` wei. Only the proposer.
    /// @param _outputRoot    keccak256(bytes32(0) ‖ stateRoot ‖ withdrawalRoot ‖ l2BlockHash).
    /// @param _l2BlockNumber The L2 block it commits to.
    function proposeOutput(bytes32 _outputRoot, uint256 _l2BlockNumber) external payable {
        if (msg.sender != proposer) revert NotProposer();
        if (msg.value != bond) revert IncorrectBond();
        if (_l2BlockNumber != nextBlockNumber()) revert UnexpectedBlockNumber();
        if (_outputRoot == bytes32(0)) revert ZeroOutputRoot();
        if (_l2BlockNumber > type(uint48).max) revert UnexpectedBlockNumber();
        uint256 outputIndex = _outputs.length;
        _outputs.push(
            StoredOutput({
                outputRoot: _outputRoot,
                // L1 timestamps fit in 40 bits until the year 36812.
                // forge-lint: disable-next-line(unsafe-typecast)
                timestamp: uint40(block.timestamp),
                // Checked above to fit.
                // forge-lint: disable-next-line(unsafe-typecast)
                l2BlockNumber: uint48(_l2BlockNumber),
                proposer: msg.sender,
                challenged: false,
                bond: msg.value
            })
        );
        emit OutputProposed(_outputRoot, outputIndex, _l2BlockNumber, block.timestamp);
    }

    /// @notice Pays the bond of a finalized output back to its proposer, once. Anyone may call it.
    /// @param _outputIndex The output's index.
    function reclaimBond(uint256 _outputIndex) external {
        StoredOutput storage output = _getOutput(_outputIndex);
        if (!_isFinalized(output)) revert OutputNotFinalized();
        uint256 amount = output.bond;
        if (amount == 0) revert BondAlreadyReclaimed();
        address recipient = output.proposer;
        output.bond = 0;
        emit BondReclaimed(_outputIndex, recipient, amount);
        _sendETH(recipient, amount);
    }

    // ------------------------------------------------------------------------------------------
    // Challenger

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

    /// @notice Marks an output challenged (a dispute over it started) or not (the dispute ended
    ///         with the output upheld). A challenged output is never finalized; a finalized output
    ///         cannot be challenged any more. Only the challenger.
    /// @param _outputIndex The output's index.
    /// @param _challenged  The new flag.
    function setChallenged(uint256 _outputIndex, bool _challenged) external {
        if (msg.sender != challenger) revert NotChallenger();
        StoredOutput storage output = _getOutput(_outputIndex);
        if (_challenged && _isFinalized(output)) revert OutputAlreadyFinalized();
        output.challenged = _challenged;
        emit OutputChallenged(_outputIndex, _challenged);
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
        uint256 prevNextIndex = _outputs.length;
        uint256 paid;
        for (uint256 i = prevNextIndex; i > _outputIndex; i--) {
            paid += _outputs[i - 1].bond;
            _outputs.pop();
        }
        emit OutputsDeleted(prevNextIndex, _outputIndex);
        if (paid != 0) _sendETH(_bondRecipient, paid);
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
            proposer: output.proposer,
            bond: output.bond,
            challenged: output.challenged
        });
    }

    /// @notice The number of stored outputs; the next proposal gets this index.
    /// @return The number of outputs.
    function outputCount() external view returns (uint256) {
        return _outputs.length;
    }

    /// @notice The index of the last output; reverts with NoOutputs when there is none.
    /// @return The last output's index.
    function latestOutputIndex() external view returns (uint256) {
        uint256 count = _outputs.length;
        if (count == 0) revert NoOutputs();
        return count - 1;
    }

    /// @notice The L2 block of the last output; 0 before any.
    /// @return The L2 block number.
    function latestBlockNumber() public view returns (uint256) {
        uint256 count = _outputs.length;
        return count == 0 ? 0 : _outputs[count - 1].l2BlockNumber;
    }

    /// @notice The L2 block the next output must commit to: latestBlockNumber() +
    ///         submissionInterval.
    /// @return The L2 block number.
    function nextBlockNumber() public view returns (uint256) {
        return latestBlockNumber() + submissionInterval;
    }

    /// @notice Whether an output is finalized: its challenge window has passed
    ///         (block.timestamp >= timestamp + finalizationPeriodSeconds) and it is not challenged.
    /// @param _outputIndex The output's index; reverts with OutputNotFound if there is none.
    /// @return Whether it is finalized.
    function isFinalized(uint256 _outputIndex) external view returns (bool) {
        return _isFinalized(_getOutput(_outputIndex));
    }

    // ------------------------------------------------------------------------------------------
    // Internals

    /// @dev The stored output `_outputIndex`, or revert OutputNotFound.
    function _getOutput(uint256 _outputIndex) internal view returns (StoredOutput storage) {
        if (_outputIndex >= _outputs.length) revert OutputNotFound();
        return _outputs[_outputIndex];
    }

    /// @dev Whether `_output`'s window has passed and it is not challenged.
    function _isFinalized(StoredOutput storage _output) internal view returns (bool) {
        // The challenge window is days long; validators' seconds of timestamp leeway do not matter.
        if (_output.challenged) return false;
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
