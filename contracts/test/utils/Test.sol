// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Vm
/// @notice The forge cheatcodes this project's tests use, at the standard cheatcode address.
///         (forge-std is not usable here: npm only has an old unofficial build that needs ds-test.)
///         Declare more cheatcodes here as tests need them; signatures must match forge's exactly.
interface Vm {
    /// @notice Sets block.timestamp.
    /// @param newTimestamp The new block timestamp.
    function warp(uint256 newTimestamp) external;

    /// @notice The runtime bytecode of an artifact ("File.sol:Contract"), immutables unset.
    /// @param artifactPath The artifact's path.
    function getDeployedCode(string calldata artifactPath)
        external
        view
        returns (bytes memory runtimeBytecode);

    /// @notice Sets block.number.
    /// @param newHeight The new block number.
    function roll(uint256 newHeight) external;

    /// @notice Sets what blockhash(blockNumber) returns.
    /// @param blockNumber The block.
    /// @param blockHash   Its hash.
    function setBlockhash(uint256 blockNumber, bytes32 blockHash) external;

    /// @notice Makes the next call's msg.sender `msgSender`.
    /// @param msgSender The sender of the next call.
    function prank(address msgSender) external;

    /// @notice Makes the next call's msg.sender `msgSender` and its tx.origin `txOrigin`.
    /// @param msgSender The sender of the next call.
    /// @param txOrigin  The origin of the next call.
    function prank(address msgSender, address txOrigin) external;

    /// @notice Makes every following call's msg.sender `msgSender` until stopPrank.
    /// @param msgSender The sender of the following calls.
    function startPrank(address msgSender) external;

    /// @notice Ends a startPrank.
    function stopPrank() external;

    /// @notice Sets an account's native balance.
    /// @param account    The account.
    /// @param newBalance The balance, in wei.
    function deal(address account, uint256 newBalance) external;

    /// @notice Expects the next call to revert, with any data.
    function expectRevert() external;

    /// @notice Expects the next call to revert with exactly this 4-byte selector (a custom error
    ///         without arguments).
    /// @param revertData The expected selector.
    function expectRevert(bytes4 revertData) external;

    /// @notice Expects the next call to revert with exactly this data, e.g.
    ///         abi.encodeWithSelector(Err.selector, args) or abi.encodeWithSignature("Panic(uint256)", 0x11).
    /// @param revertData The expected revert data.
    function expectRevert(bytes calldata revertData) external;

    /// @notice Expects the next emitted event to match the one emitted right after this call,
    ///         comparing every topic and the data.
    function expectEmit() external;

    /// @notice Expects the next event emitted by `emitter` to match the one emitted right after this
    ///         call, comparing every topic and the data.
    /// @param emitter The address expected to emit the event.
    function expectEmit(address emitter) external;

    /// @notice Expects the next emitted event to match the one emitted right after this call,
    ///         comparing only the selected parts.
    /// @param checkTopic1 Compare topic 1.
    /// @param checkTopic2 Compare topic 2.
    /// @param checkTopic3 Compare topic 3.
    /// @param checkData   Compare the data.
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData)
        external;

    /// @notice As expectEmit(bool,bool,bool,bool), and the event must come from `emitter`.
    /// @param checkTopic1 Compare topic 1.
    /// @param checkTopic2 Compare topic 2.
    /// @param checkTopic3 Compare topic 3.
    /// @param checkData   Compare the data.
    /// @param emitter     The address expected to emit the event.
    function expectEmit(
        bool checkTopic1,
        bool checkTopic2,
        bool checkTopic3,
        bool checkData,
        address emitter
    ) external;

    /// @notice Names an address in traces.
    /// @param account  The address.
    /// @param newLabel Its name.
    function label(address account, string calldata newLabel) external;

    /// @notice Discards the current fuzz input when `condition` is false.
    /// @param condition The condition the input must satisfy.
    function assume(bool condition) external;

    /// @notice Records every log emitted from now on, for getRecordedLogs.
    function recordLogs() external;

    /// @notice A log recorded after recordLogs.
    /// @custom:field topics  The log's topics.
    /// @custom:field data    The log's data.
    /// @custom:field emitter The emitting contract.
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    /// @notice Returns the logs recorded since recordLogs (or the last getRecordedLogs) and clears
    ///         them.
    /// @return logs The recorded logs, in order.
    function getRecordedLogs() external returns (Log[] memory logs);

    /// @notice The project root (the directory of foundry.toml), without a trailing slash.
    /// @return path The absolute path.
    function projectRoot() external view returns (string memory path);

    /// @notice Reads a whole file as text; the path must be readable under fs_permissions.
    /// @param path Absolute or relative to the project root.
    /// @return data The file's contents.
    function readFile(string calldata path) external view returns (string memory data);

    /// @notice Reads an environment variable, or returns `defaultValue` when it is unset.
    /// @param name         The variable.
    /// @param defaultValue The value when it is unset.
    /// @return value The value.
    function envOr(string calldata name, string calldata defaultValue)
        external
        view
        returns (string memory value);

    /// @notice Whether a JSON path exists in a JSON document.
    /// @param json The document.
    /// @param key  The path, e.g. ".cases[0].root".
    /// @return Whether it exists.
    function keyExistsJson(string calldata json, string calldata key) external view returns (bool);

    /// @notice Decodes the JSON value at `key` as a uint256 (a number or a numeric string).
    /// @param json The document.
    /// @param key  The path.
    /// @return The value.
    function parseJsonUint(string calldata json, string calldata key)
        external
        pure
        returns (uint256);

    /// @notice Decodes the JSON value at `key` as an address (a 0x-prefixed hex string).
    /// @param json The document.
    /// @param key  The path.
    /// @return The value.
    function parseJsonAddress(string calldata json, string calldata key)
        external
        pure
        returns (address);

    /// @notice Decodes the JSON value at `key` as a bytes32 (a 0x-prefixed hex string).
    /// @param json The document.
    /// @param key  The path.
    /// @return The value.
    function parseJsonBytes32(string calldata json, string calldata key)
        external
        pure
        returns (bytes32);

    /// @notice Decodes the JSON value at `key` as bytes (a 0x-prefixed hex string).
    /// @param json The document.
    /// @param key  The path.
    /// @return The value.
    function parseJsonBytes(string calldata json, string calldata key)
        external
        pure
        returns (bytes memory);

    /// @notice Decodes the JSON value at `key` as a string.
    /// @param json The document.
    /// @param key  The path.
    /// @return The value.
    function parseJsonString(string calldata json, string calldata key)
        external
        pure
        returns (string memory);

    /// @notice Decodes the JSON array at `key` as bool[].
    /// @param json The document.
    /// @param key  The path.
    /// @return The values.
    function parseJsonBoolArray(string calldata json, string calldata key)
        external
        pure
        returns (bool[] memory);

    /// @notice Decodes the JSON array at `key` as bytes32[].
    /// @param json The document.
    /// @param key  The path.
    /// @return The values.
    function parseJsonBytes32Array(string calldata json, string calldata key)
        external
        pure
        returns (bytes32[] memory);

    /// @notice Decodes the JSON array at `key` as bytes[].
    /// @param json The document.
    /// @param key  The path.
    /// @return The values.
    function parseJsonBytesArray(string calldata json, string calldata key)
        external
        pure
        returns (bytes[] memory);

    /// @notice Decodes the JSON array at `key` as string[].
    /// @param json The document.
    /// @param key  The path.
    /// @return The values.
    function parseJsonStringArray(string calldata json, string calldata key)
        external
        pure
        returns (string[] memory);
}

/// @title Test
/// @notice A minimal test base for forge: the cheatcodes (`vm`) and assertions that revert with the
///         values compared, so a failing test's revert reason shows what went wrong, e.g.
///         "assertEq(uint256): 3 != 4".
abstract contract Test {
    /// @notice The standard forge cheatcode address: address(uint160(uint256(keccak256("hevm cheat code")))).
    address internal constant VM_ADDRESS = 0x7109709ECfa91a80626fF3989D68f67F5b1DD12D;

    /// @notice The cheatcodes.
    Vm internal constant vm = Vm(VM_ADDRESS);

    // ------------------------------------------------------------------------------------------
    // Equality

    /// @notice Reverts unless `_left == _right`.
    /// @param _left  The actual value.
    /// @param _right The expected value.
    function assertEq(uint256 _left, uint256 _right) internal pure {
        if (_left != _right) _fail("assertEq(uint256)", _toString(_left), "!=", _toString(_right));
    }

    /// @notice Reverts unless `_left == _right`, prefixing the reason with `_message`.
    /// @param _left    The actual value.
    /// @param _right   The expected value.
    /// @param _message What was compared.
    function assertEq(uint256 _left, uint256 _right, string memory _message) internal pure {
        if (_left != _right) _fail(_message, _toString(_left), "!=", _toString(_right));
    }

    /// @notice Reverts unless `_left == _right`.
    /// @param _left  The actual value.
    /// @param _right The expected value.
    function assertEq(int256 _left, int256 _right) internal pure {
        if (_left != _right) _fail("assertEq(int256)", _toString(_left), "!=", _toString(_right));
    }

    /// @notice Reverts unless `_left == _right`.
    /// @param _left  The actual value.
    /// @param _right The expected value.
    function assertEq(address _left, address _right) internal pure {
        if (_left != _right) _fail("assertEq(address)", _toHex(_left), "!=", _toHex(_right));
    }

    /// @notice Reverts unless `_left == _right`.
    /// @param _left  The actual value.
    /// @param _right The expected value.
    function assertEq(bytes32 _left, bytes32 _right) internal pure {
        if (_left != _right) _fail("assertEq(bytes32)", _toHex(_left), "!=", _toHex(_right));
    }

    /// @notice Reverts unless `_left == _right`.
    /// @param _left  The actual value.
    /// @param _right The expected value.
    function assertEq(bool _left, bool _right) internal pure {
        if (_left != _right) _fail("assertEq(bool)", _toString(_left), "!=", _toString(_right));
    }

    /// @notice Reverts unless `_left` and `_right` are the same bytes.
    /// @param _left  The actual value.
    /// @param _right The expected value.
    function assertEq(bytes memory _left, bytes memory _right) internal pure {
        if (keccak256(_left) != keccak256(_right)) {
            _fail("assertEq(bytes)", _toHex(_left), "!=", _toHex(_right));
        }
    }

    /// @notice Reverts unless `_left` and `_right` are the same string.
    /// @param _left  The actual value.
    /// @param _right The expected value.
    function assertEq(string memory _left, string memory _right) internal pure {
        if (keccak256(bytes(_left)) != keccak256(bytes(_right))) {
            _fail("assertEq(string)", _quote(_left), "!=", _quote(_right));
        }
    }

    /// @notice Reverts unless `_left == _right`, prefixing the reason with `_message`.
    /// @param _left    The actual value.
    /// @param _right   The expected value.
    /// @param _message What was compared.
    function assertEq(bytes32 _left, bytes32 _right, string memory _message) internal pure {
        if (_left != _right) _fail(_message, _toHex(_left), "!=", _toHex(_right));
    }

    /// @notice Reverts unless `_left == _right`, prefixing the reason with `_message`.
    /// @param _left    The actual value.
    /// @param _right   The expected value.
    /// @param _message What was compared.
    function assertEq(bool _left, bool _right, string memory _message) internal pure {
        if (_left != _right) _fail(_message, _toString(_left), "!=", _toString(_right));
    }

    /// @notice Reverts unless `_left == _right`, prefixing the reason with `_message`.
    /// @param _left    The actual value.
    /// @param _right   The expected value.
    /// @param _message What was compared.
    function assertEq(address _left, address _right, string memory _message) internal pure {
        if (_left != _right) _fail(_message, _toHex(_left), "!=", _toHex(_right));
    }

    /// @notice Reverts if `_left == _right`.
    /// @param _left  The actual value.
    /// @param _right The value it must differ from.
    function assertNotEq(uint256 _left, uint256 _right) internal pure {
        if (_left == _right) {
            _fail("assertNotEq(uint256)", _toString(_left), "==", _toString(_right));
        }
    }

    /// @notice Reverts if `_left == _right`.
    /// @param _left  The actual value.
    /// @param _right The value it must differ from.
    function assertNotEq(address _left, address _right) internal pure {
        if (_left == _right) _fail("assertNotEq(address)", _toHex(_left), "==", _toHex(_right));
    }

    /// @notice Reverts if `_left == _right`.
    /// @param _left  The actual value.
    /// @param _right The value it must differ from.
    function assertNotEq(bytes32 _left, bytes32 _right) internal pure {
        if (_left == _right) _fail("assertNotEq(bytes32)", _toHex(_left), "==", _toHex(_right));
    }

    // ------------------------------------------------------------------------------------------
    // Conditions and order

    /// @notice Reverts unless `_condition` holds.
    /// @param _condition The condition.
    function assertTrue(bool _condition) internal pure {
        if (!_condition) revert("assertTrue: false");
    }

    /// @notice Reverts unless `_condition` holds, with `_message` as the reason.
    /// @param _condition The condition.
    /// @param _message   What was checked.
    function assertTrue(bool _condition, string memory _message) internal pure {
        if (!_condition) revert(string.concat("assertTrue: ", _message));
    }

    /// @notice Reverts if `_condition` holds.
    /// @param _condition The condition.
    function assertFalse(bool _condition) internal pure {
        if (_condition) revert("assertFalse: true");
    }

    /// @notice Reverts if `_condition` holds, with `_message` as the reason.
    /// @param _condition The condition.
    /// @param _message   What was checked.
    function assertFalse(bool _condition, string memory _message) internal pure {
        if (_condition) revert(string.concat("assertFalse: ", _message));
    }

    /// @notice Reverts unless `_left > _right`.
    /// @param _left  The actual value.
    /// @param _right The bound.
    function assertGt(uint256 _left, uint256 _right) internal pure {
        if (!(_left > _right)) {
            _fail("assertGt(uint256)", _toString(_left), "<=", _toString(_right));
        }
    }

    /// @notice Reverts unless `_left >= _right`.
    /// @param _left  The actual value.
    /// @param _right The bound.
    function assertGe(uint256 _left, uint256 _right) internal pure {
        if (!(_left >= _right)) {
            _fail("assertGe(uint256)", _toString(_left), "<", _toString(_right));
        }
    }

    /// @notice Reverts unless `_left < _right`.
    /// @param _left  The actual value.
    /// @param _right The bound.
    function assertLt(uint256 _left, uint256 _right) internal pure {
        if (!(_left < _right)) {
            _fail("assertLt(uint256)", _toString(_left), ">=", _toString(_right));
        }
    }

    /// @notice Reverts unless `_left <= _right`.
    /// @param _left  The actual value.
    /// @param _right The bound.
    function assertLe(uint256 _left, uint256 _right) internal pure {
        if (!(_left <= _right)) {
            _fail("assertLe(uint256)", _toString(_left), ">", _toString(_right));
        }
    }

    /// @notice Reverts unless `_left` and `_right` differ by at most `_maxDelta`.
    /// @param _left     The actual value.
    /// @param _right    The expected value.
    /// @param _maxDelta The largest difference accepted.
    function assertApproxEqAbs(uint256 _left, uint256 _right, uint256 _maxDelta) internal pure {
        uint256 delta = _left > _right ? _left - _right : _right - _left;
        if (delta > _maxDelta) {
            _fail(
                string.concat("assertApproxEqAbs(uint256) max delta ", _toString(_maxDelta)),
                _toString(_left),
                "!~",
                _toString(_right)
            );
        }
    }

    // ------------------------------------------------------------------------------------------
    // Fuzzing

    /// @notice Maps any `_value` into [_min, _max] (inclusive) without discarding fuzz inputs:
    ///         values already in range are kept, the others wrap around the range.
    /// @param _value The fuzz input.
    /// @param _min   The lower bound.
    /// @param _max   The upper bound; must not be below `_min`.
    /// @return The bounded value.
    function bound(uint256 _value, uint256 _min, uint256 _max) internal pure returns (uint256) {
        require(_min <= _max, "bound: min > max");
        if (_value >= _min && _value <= _max) return _value;
        uint256 size = _max - _min;
        if (size == type(uint256).max) return _value;
        return _min + _value % (size + 1);
    }

    // ------------------------------------------------------------------------------------------
    // Invariant testing: forge reads these lists through the public getters below (the names and
    // return types forge-std's StdInvariant uses), after setUp.

    /// @notice A contract and the functions of it the invariant fuzzer may call.
    /// @custom:field addr      The contract.
    /// @custom:field selectors Its functions.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private _targetedContracts;
    address[] private _excludedContracts;
    address[] private _targetedSenders;
    address[] private _excludedSenders;
    FuzzSelector[] private _targetedSelectors;

    /// @notice Lets the invariant fuzzer call `_target` (by default it calls every contract
    ///         deployed in setUp).
    /// @param _target The contract.
    function targetContract(address _target) internal {
        _targetedContracts.push(_target);
    }

    /// @notice Keeps the invariant fuzzer from calling `_target`.
    /// @param _target The contract.
    function excludeContract(address _target) internal {
        _excludedContracts.push(_target);
    }

    /// @notice Restricts the invariant fuzzer's calls to `_selector.addr` to the listed functions.
    /// @param _selector The contract and its functions.
    function targetSelector(FuzzSelector memory _selector) internal {
        _targetedSelectors.push(_selector);
    }

    /// @notice Makes the invariant fuzzer send its calls from `_sender` (and the other targeted
    ///         senders) only.
    /// @param _sender The sender.
    function targetSender(address _sender) internal {
        _targetedSenders.push(_sender);
    }

    /// @notice Keeps the invariant fuzzer from sending calls from `_sender`.
    /// @param _sender The sender.
    function excludeSender(address _sender) internal {
        _excludedSenders.push(_sender);
    }

    /// @notice The contracts the invariant fuzzer calls (empty: every contract from setUp).
    /// @return The contracts.
    function targetContracts() public view returns (address[] memory) {
        return _targetedContracts;
    }

    /// @notice The contracts the invariant fuzzer never calls.
    /// @return The contracts.
    function excludeContracts() public view returns (address[] memory) {
        return _excludedContracts;
    }

    /// @notice The functions the invariant fuzzer calls, per contract.
    /// @return The selectors.
    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetedSelectors;
    }

    /// @notice The senders the invariant fuzzer uses (empty: random senders).
    /// @return The senders.
    function targetSenders() public view returns (address[] memory) {
        return _targetedSenders;
    }

    /// @notice The senders the invariant fuzzer never uses.
    /// @return The senders.
    function excludeSenders() public view returns (address[] memory) {
        return _excludedSenders;
    }

    // ------------------------------------------------------------------------------------------
    // Formatting

    /// @dev Reverts with "<what>: <left> <relation> <right>".
    function _fail(
        string memory _what,
        string memory _left,
        string memory _relation,
        string memory _right
    ) private pure {
        revert(string.concat(_what, ": ", _left, " ", _relation, " ", _right));
    }

    /// @dev Decimal digits of `_value`.
    function _toString(uint256 _value) internal pure returns (string memory) {
        if (_value == 0) return "0";
        uint256 digits = 0;
        for (uint256 rest = _value; rest != 0; rest /= 10) {
            digits++;
        }
        bytes memory buffer = new bytes(digits);
        for (uint256 rest = _value; rest != 0; rest /= 10) {
            // casting to 'uint8' is safe because 48 + a decimal digit is at most 57
            // forge-lint: disable-next-line(unsafe-typecast)
            buffer[--digits] = bytes1(uint8(48 + rest % 10));
        }
        return string(buffer);
    }

    /// @dev Decimal digits of `_value`, with a leading minus sign when negative.
    function _toString(int256 _value) internal pure returns (string memory) {
        // casting to 'uint256' is safe because the value is not negative
        // forge-lint: disable-next-line(unsafe-typecast)
        if (_value >= 0) return _toString(uint256(_value));
        // -type(int256).min does not fit in int256, so negate in unsigned arithmetic: for a
        // negative value, ~_value = -_value - 1 is not negative, so the cast is safe.
        // forge-lint: disable-next-line(unsafe-typecast)
        return string.concat("-", _toString(uint256(~_value) + 1));
    }

    /// @dev "true" or "false".
    function _toString(bool _value) internal pure returns (string memory) {
        return _value ? "true" : "false";
    }

    /// @dev 0x-prefixed lowercase hex of `_data`.
    function _toHex(bytes memory _data) internal pure returns (string memory) {
        bytes memory alphabet = "0123456789abcdef";
        bytes memory buffer = new bytes(2 + 2 * _data.length);
        buffer[0] = "0";
        buffer[1] = "x";
        for (uint256 i = 0; i < _data.length; i++) {
            buffer[2 + 2 * i] = alphabet[uint8(_data[i]) >> 4];
            buffer[3 + 2 * i] = alphabet[uint8(_data[i]) & 0x0f];
        }
        return string(buffer);
    }

    /// @dev 0x-prefixed lowercase hex of an address.
    function _toHex(address _value) internal pure returns (string memory) {
        return _toHex(abi.encodePacked(_value));
    }

    /// @dev 0x-prefixed lowercase hex of a bytes32.
    function _toHex(bytes32 _value) internal pure returns (string memory) {
        return _toHex(abi.encodePacked(_value));
    }

    /// @dev `_value` in double quotes.
    function _quote(string memory _value) private pure returns (string memory) {
        return string.concat("\"", _value, "\"");
    }
}
