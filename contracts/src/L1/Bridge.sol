// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {OutputOracle} from "./OutputOracle.sol";
import {SparseMerkleProof} from "../libraries/SparseMerkleProof.sol";

/// @title Bridge
/// @notice The L1 side of the rollup's bridge (docs/SETTLEMENT.md §1, §3).
///         L1 -> L2: one ordered queue of messages (ETH deposits, ERC-20 deposits, forced L2
///         transactions), each emitted as an L2TransactionQueued event that derivation turns into
///         L2 transactions. The bridge holds the deposited ETH and tokens.
///         L2 -> L1: a withdrawal burned on the L2 is a leaf of the withdrawal tree, whose root
///         every output root commits to. Anyone proves the withdrawal against a stored output
///         (output root preimage + compact-SMT inclusion proof) and, once that output is finalized
///         and still stored, finalizes it, paying the recipient exactly once.
contract Bridge {
    /// @notice A withdrawal as initiated on the L2 (IL2Bridge.WithdrawalInitiated).
    /// @custom:field index       Its position in the L2 withdrawal tree.
    /// @custom:field sender      The L2 account whose funds were burned.
    /// @custom:field l1Recipient Who is paid on L1.
    /// @custom:field l1Token     The L1 ERC-20 paid, or the zero address for ETH.
    /// @custom:field amount      The amount paid, in base units (wei for ETH).
    struct Withdrawal {
        uint256 index;
        address sender;
        address l1Recipient;
        address l1Token;
        uint256 amount;
    }

    /// @notice The preimage of an output root: keccak256(version ‖ stateRoot ‖ withdrawalRoot ‖
    ///         blockHash) (docs/SETTLEMENT.md §2; version is zero).
    /// @custom:field version        The output version.
    /// @custom:field stateRoot      The L2 state root.
    /// @custom:field withdrawalRoot The root of the L2 withdrawal tree.
    /// @custom:field blockHash      The L2 block hash.
    struct OutputRootProof {
        bytes32 version;
        bytes32 stateRoot;
        bytes32 withdrawalRoot;
        bytes32 blockHash;
    }

    /// @notice Where a withdrawal was proven.
    /// @custom:field outputRoot  The root of the output it was proven against (zero: not proven).
    /// @custom:field outputIndex The index of that output.
    /// @custom:field timestamp   The L1 timestamp of the proof.
    struct ProvenWithdrawal {
        bytes32 outputRoot;
        uint128 outputIndex;
        uint128 timestamp;
    }

    /// @notice Queue message kind of an ETH deposit.
    uint8 public constant KIND_DEPOSIT_ETH = 1;

    /// @notice Queue message kind of an ERC-20 deposit.
    uint8 public constant KIND_DEPOSIT_ERC20 = 2;

    /// @notice Queue message kind of a forced L2 transaction.
    uint8 public constant KIND_FORCED_TRANSACTION = 3;

    /// @notice The largest forced transaction accepted, in bytes (32 KiB).
    uint256 public constant MAX_FORCED_TRANSACTION_SIZE = 32 * 1024;

    /// @notice The value hash of every leaf of the withdrawal tree (a presence marker).
    bytes32 public constant WITHDRAWAL_VALUE_HASH = bytes32(uint256(1));

    /// @notice The decimals reported for a token that does not answer decimals().
    uint8 public constant DEFAULT_DECIMALS = 18;

    /// @notice The oracle holding the output roots withdrawals are proven against.
    OutputOracle public immutable outputOracle;

    /// @notice The number of messages queued so far; the next one gets this queue index.
    uint256 public queueLength;

    /// @notice keccak256(abi.encode(uint8 kind, uint64 l1BlockNumber, uint64 l1Timestamp, bytes
    ///         payload)) of each queued message, by queue index (docs/FRAUD_PROOFS.md §1): what a
    ///         one-step proof of a message step checks its input against. l1BlockNumber and
    ///         l1Timestamp are those of the L1 block that queued it.
    mapping(uint256 => bytes32) public messageHashes;

    /// @notice Where each withdrawal hash was proven.
    mapping(bytes32 => ProvenWithdrawal) public provenWithdrawals;

    /// @notice Whether each withdrawal hash was finalized (paid).
    mapping(bytes32 => bool) public finalizedWithdrawals;

    /// @notice Emitted for every L1 -> L2 message, in queue order.
    /// @param queueIndex The message's position in the queue, counting from 0.
    /// @param kind       1 ETH deposit, 2 ERC-20 deposit, 3 forced transaction.
    /// @param payload    The message (docs/SETTLEMENT.md §1): kind 1 abi.encode(from, to,
    ///                   amount); kind 2 abi.encode(from, to, l1Token, amount, name, symbol,
    ///                   decimals); kind 3 the raw signed L2 transaction.
    event L2TransactionQueued(uint256 indexed queueIndex, uint8 indexed kind, bytes payload);

    /// @notice Emitted when a withdrawal is proven.
    /// @param withdrawalHash The withdrawal's hash.
    /// @param outputIndex    The output it was proven against.
    /// @param l1Recipient    Who will be paid.
    event WithdrawalProven(
        bytes32 indexed withdrawalHash, uint256 indexed outputIndex, address indexed l1Recipient
    );

    /// @notice Emitted when a withdrawal is finalized and paid.
    /// @param withdrawalHash The withdrawal's hash.
    event WithdrawalFinalized(bytes32 indexed withdrawalHash);

    /// @notice A deposit of zero.
    error ZeroAmount();

    /// @notice A deposit to the zero address.
    error ZeroRecipient();

    /// @notice The token has no code or does not report balances.
    error InvalidToken();

    /// @notice The bridge's token balance did not grow by exactly the deposited amount
    ///         (fee-on-transfer and similar tokens are not supported).
    error TransferAmountMismatch();

    /// @notice An ERC-20 transfer or transferFrom failed or returned false.
    error TokenTransferFailed();

    /// @notice Sending ETH to the recipient failed.
    error ETHTransferFailed();

    /// @notice A forced transaction with no bytes.
    error EmptyTransaction();

    /// @notice A forced transaction larger than MAX_FORCED_TRANSACTION_SIZE.
    error TransactionTooLarge();

    /// @notice The output index does not exist.
    error OutputNotFound();

    /// @notice The output root proof does not hash to the output's root.
    error InvalidOutputRootProof();

    /// @notice The withdrawal is not in the withdrawal tree under the proven withdrawal root.
    error InvalidWithdrawalProof();

    /// @notice The withdrawal is already proven against an output that is still stored.
    error AlreadyProven();

    /// @notice The withdrawal was never proven.
    error NotProven();

    /// @notice The withdrawal was already finalized.
    error AlreadyFinalized();

    /// @notice The output the withdrawal was proven against was deleted or replaced: prove again.
    error OutputDeleted();

    /// @notice The output the withdrawal was proven against is not finalized.
    error NotFinalized();

    /// @param _outputOracle The oracle holding the output roots.
    constructor(address _outputOracle) {
        outputOracle = OutputOracle(_outputOracle);
    }

    // ------------------------------------------------------------------------------------------
    // L1 -> L2

    /// @notice Deposits the ETH sent (msg.value > 0) to `_l2Recipient` on the L2. Queues kind 1
    ///         with payload abi.encode(msg.sender, _l2Recipient, msg.value).
    /// @param _l2Recipient The L2 account credited; not zero.
    function depositETH(address _l2Recipient) external payable {
        if (msg.value == 0) revert ZeroAmount();
        if (_l2Recipient == address(0)) revert ZeroRecipient();
        _queue(KIND_DEPOSIT_ETH, abi.encode(msg.sender, _l2Recipient, msg.value));
    }

    /// @notice Deposits `_amount` of the ERC-20 `_l1Token` to `_l2Recipient` on the L2, pulling
    ///         the tokens from the caller with transferFrom (approve the bridge first). Queues kind
    ///         2 with payload abi.encode(msg.sender, _l2Recipient, _l1Token, _amount, name, symbol,
    ///         decimals), read from the token now (empty strings and 18 for a token that does not
    ///         answer; a bytes32 name or symbol is read up to its first zero byte). Tokens that
    ///         return no bool are supported; tokens whose transfers deliver a different amount are
    ///         not.
    /// @param _l1Token     The L1 ERC-20.
    /// @param _l2Recipient The L2 account credited; not zero.
    /// @param _amount      The amount, in base units; not zero.
    function depositERC20(address _l1Token, address _l2Recipient, uint256 _amount) external {
        if (_amount == 0) revert ZeroAmount();
        if (_l2Recipient == address(0)) revert ZeroRecipient();
        if (_l1Token.code.length == 0) revert InvalidToken();
        uint256 balanceBefore = _balanceOfThis(_l1Token);
        _safeTransferFrom(_l1Token, msg.sender, address(this), _amount);
        uint256 balanceAfter = _balanceOfThis(_l1Token);
        if (balanceAfter < balanceBefore || balanceAfter - balanceBefore != _amount) {
            revert TransferAmountMismatch();
        }
        _queue(
            KIND_DEPOSIT_ERC20,
            abi.encode(
                msg.sender,
                _l2Recipient,
                _l1Token,
                _amount,
                _readString(_l1Token, 0x06fdde03), // name()
                _readString(_l1Token, 0x95d89b41), // symbol()
                _readDecimals(_l1Token)
            )
        );
    }

    /// @notice Queues a signed L2 transaction for inclusion by derivation, bypassing the
    ///         sequencer (kind 3, payload = `_signedTransaction`). On the L2 it runs under the same
    ///         rules as any transaction; an invalid one is skipped.
    /// @param _signedTransaction The raw signed transaction, as eth_sendRawTransaction takes it;
    ///                           1 to MAX_FORCED_TRANSACTION_SIZE bytes.
    function forceTransaction(bytes calldata _signedTransaction) external {
        if (_signedTransaction.length == 0) revert EmptyTransaction();
        if (_signedTransaction.length > MAX_FORCED_TRANSACTION_SIZE) revert TransactionTooLarge();
        _queue(KIND_FORCED_TRANSACTION, _signedTransaction);
    }

    // ------------------------------------------------------------------------------------------
    // L2 -> L1

    /// @notice Proves that withdrawal `_w` is in the withdrawal tree committed to by output
    ///         `_outputIndex`: `_p` must hash to the output's root and `_smtProof` must show
    ///         hashWithdrawal(_w) with value hash bytes32(uint256(1)) under `_p.withdrawalRoot`.
    ///         Records the output; a withdrawal may be proven again only once the output it was
    ///         proven against is deleted or replaced. Anyone may call it.
    /// @param _w           The withdrawal.
    /// @param _outputIndex The output to prove against.
    /// @param _p           The preimage of that output's root.
    /// @param _smtProof    The compact-SMT inclusion proof (rollup.smt.encode_proof).
    function proveWithdrawal(
        Withdrawal calldata _w,
        uint256 _outputIndex,
        OutputRootProof calldata _p,
        bytes calldata _smtProof
    ) external {
        bytes32 withdrawalHash = hashWithdrawal(_w);
        if (finalizedWithdrawals[withdrawalHash]) revert AlreadyFinalized();
        ProvenWithdrawal storage proven = provenWithdrawals[withdrawalHash];
        if (
            proven.outputRoot != bytes32(0)
                && _isOutputStored(proven.outputIndex, proven.outputRoot)
        ) {
            revert AlreadyProven();
        }
        if (_outputIndex >= outputOracle.outputCount()) revert OutputNotFound();
        bytes32 outputRoot = outputOracle.getOutputRoot(_outputIndex);
        if (hashOutputRootProof(_p) != outputRoot) revert InvalidOutputRootProof();
        if (!SparseMerkleProof.verifyInclusion(
                _p.withdrawalRoot, withdrawalHash, WITHDRAWAL_VALUE_HASH, _smtProof
            )) revert InvalidWithdrawalProof();
        proven.outputRoot = outputRoot;
        // Output indexes and timestamps fit: the oracle cannot hold 2^128 outputs.
        // forge-lint: disable-next-line(unsafe-typecast)
        proven.outputIndex = uint128(_outputIndex);
        proven.timestamp = uint128(block.timestamp);
        emit WithdrawalProven(withdrawalHash, _outputIndex, _w.l1Recipient);
    }

    /// @notice Finalizes a proven withdrawal and pays it: ETH to `_w.l1Recipient` when
    ///         `_w.l1Token` is zero, otherwise `_w.amount` of that ERC-20. The output it was
    ///         proven against must still be stored with the same root, and finalized. The
    ///         withdrawal is marked finalized before anything is paid, so it is paid at most once.
    ///         Anyone may call it; a failed payment reverts the whole call (retry later).
    /// @param _w The withdrawal.
    function finalizeWithdrawal(Withdrawal calldata _w) external {
        bytes32 withdrawalHash = hashWithdrawal(_w);
        ProvenWithdrawal memory proven = provenWithdrawals[withdrawalHash];
        if (proven.outputRoot == bytes32(0)) revert NotProven();
        if (finalizedWithdrawals[withdrawalHash]) revert AlreadyFinalized();
        if (!_isOutputStored(proven.outputIndex, proven.outputRoot)) revert OutputDeleted();
        if (!outputOracle.isFinalized(proven.outputIndex)) revert NotFinalized();

        finalizedWithdrawals[withdrawalHash] = true;
        emit WithdrawalFinalized(withdrawalHash);

        if (_w.l1Token == address(0)) {
            _sendETH(_w.l1Recipient, _w.amount);
        } else {
            _safeTransfer(_w.l1Token, _w.l1Recipient, _w.amount);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Views

    /// @notice The hash of a withdrawal: keccak256(abi.encode(index, sender, l1Recipient,
    ///         l1Token, amount)), its key in the withdrawal tree.
    /// @param _w The withdrawal.
    /// @return The withdrawal hash.
    function hashWithdrawal(Withdrawal calldata _w) public pure returns (bytes32) {
        return keccak256(abi.encode(_w.index, _w.sender, _w.l1Recipient, _w.l1Token, _w.amount));
    }

    /// @notice The output root of a preimage: keccak256(version ‖ stateRoot ‖ withdrawalRoot ‖
    ///         blockHash).
    /// @param _p The preimage.
    /// @return The output root.
    function hashOutputRootProof(OutputRootProof calldata _p) public pure returns (bytes32) {
        return
            keccak256(abi.encodePacked(_p.version, _p.stateRoot, _p.withdrawalRoot, _p.blockHash));
    }

    // ------------------------------------------------------------------------------------------
    // Internals

    /// @dev Records and emits message `_payload` of `_kind` at the next queue index.
    function _queue(uint8 _kind, bytes memory _payload) internal {
        uint256 queueIndex = queueLength;
        queueLength = queueIndex + 1;
        // L1 block numbers and timestamps fit in 64 bits for the foreseeable future.
        // forge-lint: disable-next-line(unsafe-typecast)
        messageHashes[queueIndex] = keccak256(
            abi.encode(_kind, uint64(block.number), uint64(block.timestamp), _payload)
        );
        emit L2TransactionQueued(queueIndex, _kind, _payload);
    }

    /// @dev Whether the oracle still stores output `_outputIndex` with root `_outputRoot`.
    function _isOutputStored(uint256 _outputIndex, bytes32 _outputRoot)
        internal
        view
        returns (bool)
    {
        if (_outputIndex >= outputOracle.outputCount()) return false;
        return outputOracle.getOutputRoot(_outputIndex) == _outputRoot;
    }

    /// @dev Sends `_amount` wei to `_to` with all gas, without copying returned data; reverts
    ///      with ETHTransferFailed if the call fails.
    function _sendETH(address _to, uint256 _amount) internal {
        bool success;
        assembly ("memory-safe") {
            success := call(gas(), _to, _amount, 0, 0, 0, 0)
        }
        if (!success) revert ETHTransferFailed();
    }

    /// @dev token.transfer(_to, _amount), reverting with TokenTransferFailed unless it succeeds.
    function _safeTransfer(address _token, address _to, uint256 _amount) internal {
        _callToken(_token, abi.encodeWithSelector(0xa9059cbb, _to, _amount));
    }

    /// @dev token.transferFrom(_from, _to, _amount), reverting with TokenTransferFailed unless it
    ///      succeeds.
    function _safeTransferFrom(address _token, address _from, address _to, uint256 _amount)
        internal
    {
        _callToken(_token, abi.encodeWithSelector(0x23b872dd, _from, _to, _amount));
    }

    /// @dev Calls `_token` with `_data` and accepts the call as a successful transfer iff it did
    ///      not revert and returned either nothing from an account with code (tokens that return
    ///      no bool) or a first word equal to 1 (true). As SafeTransferLib does; only the first
    ///      word of returned data is copied.
    function _callToken(address _token, bytes memory _data) internal {
        bool success;
        assembly ("memory-safe") {
            mstore(0x00, 0)
            success := call(gas(), _token, 0, add(_data, 0x20), mload(_data), 0x00, 0x20)
            switch returndatasize()
            case 0 { success := and(success, gt(extcodesize(_token), 0)) }
            default { success := and(success, and(gt(returndatasize(), 31), eq(mload(0x00), 1))) }
        }
        if (!success) revert TokenTransferFailed();
    }

    /// @dev The bridge's balance of `_token`; reverts with InvalidToken if balanceOf does not
    ///      answer with a word.
    function _balanceOfThis(address _token) internal view returns (uint256 balance_) {
        bool success;
        assembly ("memory-safe") {
            mstore(0x00, 0x70a08231) // balanceOf(address)
            mstore(0x20, address())
            success := staticcall(gas(), _token, 0x1c, 0x24, 0x00, 0x20)
            success := and(success, gt(returndatasize(), 31))
            balance_ := mload(0x00)
        }
        if (!success) revert InvalidToken();
    }

    /// @dev Calls the string getter `_selector` (name() or symbol()) of `_token`. Returns the
    ///      ABI-decoded string for a well-formed string answer, the bytes up to the first zero
    ///      for a 32-byte answer (bytes32 tokens such as MKR), and "" otherwise (revert, no
    ///      answer, malformed answer).
    function _readString(address _token, bytes4 _selector) internal view returns (string memory) {
        (bool success, bytes memory data) = _token.staticcall(abi.encodeWithSelector(_selector));
        if (!success) return "";
        uint256 size = data.length;
        if (size == 32) {
            // casting to 'bytes32' is safe because the data is exactly 32 bytes long
            // forge-lint: disable-next-line(unsafe-typecast)
            bytes32 word = bytes32(data);
            uint256 length;
            while (length < 32 && word[length] != 0) length++;
            bytes memory text = new bytes(length);
            for (uint256 i = 0; i < length; i++) {
                text[i] = word[i];
            }
            return string(text);
        }
        if (size < 64) return "";
        uint256 offset;
        assembly ("memory-safe") {
            offset := mload(add(data, 0x20))
        }
        if (offset > size - 32) return "";
        uint256 stringLength;
        assembly ("memory-safe") {
            stringLength := mload(add(add(data, 0x20), offset))
        }
        if (stringLength > size - 32 - offset) return "";
        // The offset and length were checked above, so decoding cannot revert.
        return abi.decode(data, (string));
    }

    /// @dev `_token.decimals()` if it answers with a word below 256, otherwise DEFAULT_DECIMALS.
    function _readDecimals(address _token) internal view returns (uint8) {
        (bool success, bytes memory data) = _token.staticcall(abi.encodeWithSelector(0x313ce567));
        if (!success || data.length < 32) return DEFAULT_DECIMALS;
        uint256 value = abi.decode(data, (uint256));
        // forge-lint: disable-next-line(unsafe-typecast)
        return value > type(uint8).max ? DEFAULT_DECIMALS : uint8(value);
    }
}
