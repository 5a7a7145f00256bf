// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "../utils/Test.sol";
import {SmtBuilder} from "../utils/SmtBuilder.sol";
import {Bridge} from "../../src/L1/Bridge.sol";
import {OutputOracle} from "../../src/L1/OutputOracle.sol";
import {StepState} from "../../src/libraries/StepStateLib.sol";
import {TestERC20} from "../../src/L1/TestERC20.sol";

/// @notice Drives a Bridge and its OutputOracle (the handler is proposer and challenger) through
///         a modelled L2: deposits back withdrawals, every output commits to all withdrawals
///         initiated so far (a real withdrawal tree), and withdrawals are proven and finalized,
///         or attempted, at random against outputs that may be challenged, deleted or replaced.
///         Never reverts: expected failures are caught, and ghost counters record every
///         finalization that should have failed but succeeded.
contract BridgeHandler is Test {
    uint256 internal constant MAX_WITHDRAWALS = 24;
    address internal constant DEPOSITOR = address(0xDE9);
    address internal constant BOND_RECIPIENT = address(0xB0D5);
    bytes32 internal constant VALUE = bytes32(uint256(1));

    OutputOracle public immutable oracle;
    Bridge public immutable bridge;
    TestERC20 public immutable token;

    /// @dev Every withdrawal initiated on the modelled L2, by index.
    Bridge.Withdrawal[] internal _withdrawals;
    /// @dev For each stored output: how many withdrawals its tree holds, its state root (a salt,
    ///      so replacements differ) and its withdrawal root.
    uint256[] internal _included;
    bytes32[] internal _stateRoots;
    bytes32[] internal _withdrawalRoots;
    /// @dev Successful finalizations per withdrawal hash.
    mapping(bytes32 => uint256) public finalizations;

    uint256 public ghostETHDeposited;
    uint256 public ghostETHFinalized;
    uint256 public ghostTokenDeposited;
    uint256 public ghostTokenFinalized;
    uint256 public ghostETHBacking; // deposited ETH not yet promised to a withdrawal
    uint256 public ghostTokenBacking;
    uint256 public ghostDoubleFinalizations;
    uint256 public ghostEarlyFinalizations;
    uint256 public ghostChallengedFinalizations;
    uint256 public ghostStaleFinalizations;
    uint256 public ghostFinalizedCount;
    uint256 internal _nonce;

    constructor(OutputOracle _oracle, Bridge _bridge, TestERC20 _token) {
        oracle = _oracle;
        bridge = _bridge;
        token = _token;
    }

    // ------------------------------------------------------------------------------------------
    // L1 -> L2

    function depositETH(uint256 _amount) external {
        uint256 amount = bound(_amount, 1, 100 ether);
        vm.deal(DEPOSITOR, amount);
        vm.prank(DEPOSITOR);
        bridge.depositETH{value: amount}(DEPOSITOR);
        ghostETHDeposited += amount;
        ghostETHBacking += amount;
    }

    function depositToken(uint256 _amount) external {
        uint256 amount = bound(_amount, 1, 1e24);
        token.mint(DEPOSITOR, amount);
        vm.startPrank(DEPOSITOR);
        token.approve(address(bridge), amount);
        bridge.depositERC20(address(token), DEPOSITOR, amount);
        vm.stopPrank();
        ghostTokenDeposited += amount;
        ghostTokenBacking += amount;
    }

    // ------------------------------------------------------------------------------------------
    // The modelled L2 and the proposer

    /// @dev Initiates a withdrawal on the L2, backed by deposits not yet withdrawn.
    function initiateWithdrawal(uint256 _amount, bool _isToken, uint8 _recipient) external {
        if (_withdrawals.length >= MAX_WITHDRAWALS) return;
        uint256 backing = _isToken ? ghostTokenBacking : ghostETHBacking;
        if (backing == 0) return;
        uint256 amount = bound(_amount, 1, backing);
        if (_isToken) ghostTokenBacking -= amount;
        else ghostETHBacking -= amount;
        _withdrawals.push(
            Bridge.Withdrawal({
                index: _withdrawals.length,
                sender: DEPOSITOR,
                // forge-lint: disable-next-line(unsafe-typecast)
                l1Recipient: address(uint160(0x1000 + uint256(_recipient % 4))),
                l1Token: _isToken ? address(token) : address(0),
                amount: amount
            })
        );
    }

    /// @dev Proposes the next output over every withdrawal initiated so far.
    function propose() external {
        uint256 count = _withdrawals.length;
        bytes32 stateRoot = keccak256(abi.encode("state", _nonce++));
        (bytes32[] memory keys, bytes32[] memory values) = _leaves(count);
        bytes32 withdrawalRoot = SmtBuilder.computeRoot(keys, values);
        StepState memory state;
        state.stateRoot = stateRoot;
        state.blockNumber = oracle.nextBlockNumber();
        uint256 bond = oracle.bond();
        vm.deal(address(this), address(this).balance + bond);
        state.blockHash = bytes32(_included.length);
        oracle.proposeOutput{value: bond}(state, withdrawalRoot);
        _included.push(count);
        _stateRoots.push(stateRoot);
        _withdrawalRoots.push(withdrawalRoot);
    }

    function warp(uint256 _seconds) external {
        vm.warp(block.timestamp + bound(_seconds, 0, 3 days));
    }

    /// @dev Challenges a random output (one call in three), or clears the challenge of the first
    ///      challenged output at or after a random index.
    function setChallenged(uint256 _output, bool _challenged) external {
        uint256 count = oracle.outputCount();
        if (count == 0) return;
        _output = uint256(keccak256(abi.encode(_output)));
        uint256 start = _output % count;
        if (_challenged) {
            if (_output % 3 != 0 || oracle.isFinalized(start)) return;
            oracle.setChallenged(start, true);
            return;
        }
        for (uint256 k = 0; k < count; k++) {
            uint256 index = (start + k) % count;
            if (oracle.getOutput(index).challenged) {
                oracle.setChallenged(index, false);
                return;
            }
        }
    }

    function deleteOutputs(uint256 _output) external {
        uint256 count = oracle.outputCount();
        // Disputes are rarer than proposals: act on one call in four (hashed, since the fuzzer
        // favours small seeds such as 0, and deleting output 0 wipes everything).
        _output = uint256(keccak256(abi.encode(_output)));
        if (count == 0 || _output % 4 != 0) return;
        _output /= 4;
        uint256 index = _output % count;
        if (oracle.isFinalized(index)) return;
        oracle.deleteOutputs(index, BOND_RECIPIENT);
        while (_included.length > index) {
            _included.pop();
            _stateRoots.pop();
            _withdrawalRoots.pop();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Withdrawals on L1

    function prove(uint256 _withdrawal, uint256 _output) external {
        uint256 outputs = _included.length;
        if (outputs == 0) return;
        // Half the time the latest output, which holds the most withdrawals.
        uint256 outputIndex = _output % 2 == 0 ? outputs - 1 : (_output / 2) % outputs;
        uint256 included = _included[outputIndex];
        if (included == 0) return;
        Bridge.Withdrawal memory w = _withdrawals[_withdrawal % included];
        (bytes32[] memory keys, bytes32[] memory values) = _leaves(included);
        Bridge.OutputRootProof memory p = Bridge.OutputRootProof({
            version: bytes32(0),
            stateRoot: _stateRoots[outputIndex],
            withdrawalRoot: _withdrawalRoots[outputIndex],
            blockHash: bytes32(outputIndex)
        });
        bytes memory proof = SmtBuilder.prove(keys, values, _hash(w));
        // AlreadyProven / AlreadyFinalized are expected; anything else is a bug.
        try bridge.proveWithdrawal(w, outputIndex, p, proof) {}
        catch (bytes memory reason) {
            // A revert reason shorter than 4 bytes is zero-padded, which matches no selector.
            // forge-lint: disable-next-line(unsafe-typecast)
            bytes4 selector = bytes4(reason);
            require(
                selector == Bridge.AlreadyProven.selector
                    || selector == Bridge.AlreadyFinalized.selector,
                "unexpected proveWithdrawal failure"
            );
        }
    }

    function finalize(uint256 _withdrawal) external {
        if (_withdrawals.length == 0) return;
        Bridge.Withdrawal memory w = _withdrawals[_pickForFinalization(_withdrawal)];
        bytes32 hash = _hash(w);
        (bytes32 provenRoot, uint128 provenIndex,) = bridge.provenWithdrawals(hash);

        // What the rules allow, judged before the call.
        bool stored = provenRoot != bytes32(0) && provenIndex < oracle.outputCount()
            && oracle.getOutput(provenIndex).outputRoot == provenRoot;
        OutputOracle.Output memory output;
        if (stored) output = oracle.getOutput(provenIndex);
        uint256 windowEnd = uint256(output.timestamp) + oracle.finalizationPeriodSeconds();
        // forge-lint: disable-next-line(block-timestamp)
        bool windowPassed = stored && block.timestamp >= windowEnd;

        uint256 recipientBalance =
            w.l1Token == address(0) ? w.l1Recipient.balance : token.balanceOf(w.l1Recipient);
        try bridge.finalizeWithdrawal(w) {
            if (finalizations[hash]++ > 0) ghostDoubleFinalizations++;
            if (!stored) ghostStaleFinalizations++;
            if (stored && !windowPassed) ghostEarlyFinalizations++;
            if (stored && output.challenged) ghostChallengedFinalizations++;
            ghostFinalizedCount++;
            if (w.l1Token == address(0)) {
                ghostETHFinalized += w.amount;
                require(w.l1Recipient.balance == recipientBalance + w.amount, "ETH not paid");
            } else {
                ghostTokenFinalized += w.amount;
                require(
                    token.balanceOf(w.l1Recipient) == recipientBalance + w.amount, "token not paid"
                );
            }
        } catch {}
    }

    /// @dev Half the time the first proven, unfinalized withdrawal at or after the seed's index
    ///      (if any), otherwise any withdrawal, finalized or not.
    function _pickForFinalization(uint256 _seed) internal view returns (uint256) {
        uint256 count = _withdrawals.length;
        uint256 start = (_seed / 2) % count;
        if (_seed % 2 == 1) return start;
        for (uint256 k = 0; k < count; k++) {
            uint256 i = (start + k) % count;
            bytes32 hash = _hash(_withdrawals[i]);
            (bytes32 provenRoot,,) = bridge.provenWithdrawals(hash);
            if (provenRoot != bytes32(0) && !bridge.finalizedWithdrawals(hash)) return i;
        }
        return start;
    }

    // ------------------------------------------------------------------------------------------
    // Views for the invariants

    function withdrawalCount() external view returns (uint256) {
        return _withdrawals.length;
    }

    function withdrawalHash(uint256 _index) external view returns (bytes32) {
        return _hash(_withdrawals[_index]);
    }

    // ------------------------------------------------------------------------------------------
    // Internals

    function _hash(Bridge.Withdrawal memory _w) internal pure returns (bytes32) {
        return keccak256(abi.encode(_w.index, _w.sender, _w.l1Recipient, _w.l1Token, _w.amount));
    }

    function _leaves(uint256 _count)
        internal
        view
        returns (bytes32[] memory keys_, bytes32[] memory values_)
    {
        keys_ = new bytes32[](_count);
        values_ = new bytes32[](_count);
        for (uint256 i = 0; i < _count; i++) {
            keys_[i] = _hash(_withdrawals[i]);
            values_[i] = VALUE;
        }
    }

    receive() external payable {}
}

/// @notice Invariants of the Bridge: no withdrawal is paid twice, none before its output is
///         finalized, none against a challenged or deleted output, and the bridge's ETH and token
///         balances are exactly deposits minus finalized withdrawals.
contract BridgeInvariantTest is Test {
    OutputOracle internal oracle;
    Bridge internal bridge;
    TestERC20 internal token;
    BridgeHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        // The handler (deployed fourth, nonce 4) is proposer and challenger.
        address predicted = _predictAddress(address(this), 4);
        oracle = new OutputOracle(predicted, predicted, 10, 1 days, 1 ether, bytes32(0), 7 days);
        bridge = new Bridge(address(oracle));
        token = new TestERC20("Test USD", "TUSD", 6);
        handler = new BridgeHandler(oracle, bridge, token);
        require(address(handler) == predicted, "handler address");

        bytes4[] memory selectors = new bytes4[](11);
        selectors[0] = BridgeHandler.depositETH.selector;
        selectors[1] = BridgeHandler.depositToken.selector;
        selectors[2] = BridgeHandler.initiateWithdrawal.selector;
        selectors[3] = BridgeHandler.propose.selector;
        selectors[4] = BridgeHandler.warp.selector;
        selectors[5] = BridgeHandler.setChallenged.selector;
        selectors[6] = BridgeHandler.deleteOutputs.selector;
        selectors[7] = BridgeHandler.prove.selector;
        selectors[8] = BridgeHandler.finalize.selector;
        // Proving and finalizing are tried twice as often as the rest.
        selectors[9] = BridgeHandler.prove.selector;
        selectors[10] = BridgeHandler.finalize.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 80
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_ethBalanceIsDepositsMinusFinalized() public view {
        assertEq(address(bridge).balance, handler.ghostETHDeposited() - handler.ghostETHFinalized());
        assertEq(
            token.balanceOf(address(bridge)),
            handler.ghostTokenDeposited() - handler.ghostTokenFinalized()
        );
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 80
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_noWithdrawalFinalizedTwice() public view {
        assertEq(handler.ghostDoubleFinalizations(), 0);
        uint256 finalized;
        uint256 count = handler.withdrawalCount();
        for (uint256 i = 0; i < count; i++) {
            bytes32 withdrawalHash = handler.withdrawalHash(i);
            uint256 times = handler.finalizations(withdrawalHash);
            assertLe(times, 1);
            assertEq(bridge.finalizedWithdrawals(withdrawalHash), times == 1);
            finalized += times;
        }
        assertEq(finalized, handler.ghostFinalizedCount());
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 80
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_noFinalizationBeforeWindow() public view {
        assertEq(handler.ghostEarlyFinalizations(), 0);
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 80
    /// forge-config: default.invariant.fail-on-revert = true
    function invariant_noFinalizationAgainstChallengedOrDeletedOutput() public view {
        assertEq(handler.ghostChallengedFinalizations(), 0);
        assertEq(handler.ghostStaleFinalizations(), 0);
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
