// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {L2State} from "../L2State.sol";

/// @notice The block a transaction executes in (rollup.system.context.BlockEnvironment).
struct Env {
    uint256 number;
    uint256 timestamp;
    uint256 baseFee;
    uint256 chainId;
}

/// @notice One call into a system contract (rollup.system.context.CallContext without state).
struct Call {
    address sender;
    address to;
    uint256 value;
    bytes data;
}

/// @title ISystemModule
/// @notice A contract running the calls of some system contracts on a one-step proof's state.
///         `execute` reverts exactly when the Python handler raises Revert, ArithmeticOverflow or
///         ZeroDivisionError; the caller then drops the call's writes (its own frame).
interface ISystemModule {
    /// @notice Runs `_call` (already past the ETH transfer and the payable check) on `_db`.
    /// @return The Db after the call.
    function execute(L2State.Db memory _db, Env memory _env, Call memory _call)
        external
        pure
        returns (L2State.Db memory);

    /// @notice The fixed operation gas of `_data` sent to `_to` (rollup.gas.OPERATION_GAS keys
    ///         via the function table; 2_600 `read` for an unknown or missing selector).
    function operationGas(address _to, bytes memory _data) external pure returns (uint256);

    /// @notice Whether the function `_data` selects on `_to` is payable (false if unknown).
    function isPayable(address _to, bytes memory _data) external pure returns (bool);
}

/// @title CallData
/// @notice Decoding of static ABI arguments with rollup.abi.decode_static_arguments' rules:
///         calldata shorter than 4 + 32 × arguments reverts "calldata too short"; an address
///         word with a non-zero high 12 bytes reverts "invalid address argument"; trailing bytes
///         are ignored.
library CallData {
    /// @notice Reverts unless `_data` holds a selector and `_count` argument words.
    function requireArguments(bytes memory _data, uint256 _count) internal pure {
        require(_data.length >= 4 + 32 * _count, "calldata too short");
    }

    /// @notice The selector of `_data` (which must be at least 4 bytes).
    function selector(bytes memory _data) internal pure returns (bytes4 s_) {
        assembly ("memory-safe") {
            s_ := mload(add(_data, 0x20))
        }
    }

    /// @notice Argument word `_index` (0-based) as uint256.
    function uintAt(bytes memory _data, uint256 _index) internal pure returns (uint256 v_) {
        assembly ("memory-safe") {
            v_ := mload(add(add(_data, 0x24), mul(_index, 0x20)))
        }
    }

    /// @notice Argument word `_index` as int256: its two's complement word, as Python's
    ///         decode_static_arguments (any word is a valid int256).
    function intAt(bytes memory _data, uint256 _index) internal pure returns (int256) {
        return int256(uintAt(_data, _index));
    }

    /// @notice Argument word `_index` as an address; reverts if its high bytes are not zero.
    function addressAt(bytes memory _data, uint256 _index) internal pure returns (address) {
        uint256 word = uintAt(_data, _index);
        require(word >> 160 == 0, "invalid address argument");
        return address(uint160(word));
    }
}
