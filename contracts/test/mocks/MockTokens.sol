// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @notice Balances and allowances shared by the token mocks; the variants differ in what their
///         transfer functions return and in which metadata they answer.
abstract contract MockTokenBase {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function mint(address _to, uint256 _amount) external {
        balanceOf[_to] += _amount;
    }

    function approve(address _spender, uint256 _amount) external returns (bool) {
        allowance[msg.sender][_spender] = _amount;
        return true;
    }

    function _move(address _from, address _to, uint256 _amount) internal {
        require(balanceOf[_from] >= _amount, "balance");
        balanceOf[_from] -= _amount;
        balanceOf[_to] += _amount;
    }

    function _spend(address _from, uint256 _amount) internal {
        require(allowance[_from][msg.sender] >= _amount, "allowance");
        allowance[_from][msg.sender] -= _amount;
    }
}

/// @notice A USDT-style token: transfer and transferFrom return nothing.
contract NoReturnToken is MockTokenBase {
    string public name = "Tether USD";
    string public symbol = "USDT";
    uint8 public decimals = 6;

    function transfer(address _to, uint256 _amount) external {
        _move(msg.sender, _to, _amount);
    }

    function transferFrom(address _from, address _to, uint256 _amount) external {
        _spend(_from, _amount);
        _move(_from, _to, _amount);
    }
}

/// @notice A token whose transfers return false without reverting (and move nothing).
contract FalseReturnToken is MockTokenBase {
    function transfer(address, uint256) external pure returns (bool) {
        return false;
    }

    function transferFrom(address, address, uint256) external pure returns (bool) {
        return false;
    }
}

/// @notice A token that keeps a 1% fee on every transfer.
contract FeeOnTransferToken is MockTokenBase {
    function transfer(address _to, uint256 _amount) external returns (bool) {
        _move(msg.sender, _to, _amount);
        balanceOf[_to] -= _amount / 100;
        return true;
    }

    function transferFrom(address _from, address _to, uint256 _amount) external returns (bool) {
        _spend(_from, _amount);
        _move(_from, _to, _amount);
        balanceOf[_to] -= _amount / 100;
        return true;
    }
}

/// @notice A token with no name(), symbol() or decimals().
contract NoMetadataToken is MockTokenBase {
    function transfer(address _to, uint256 _amount) external returns (bool) {
        _move(msg.sender, _to, _amount);
        return true;
    }

    function transferFrom(address _from, address _to, uint256 _amount) external returns (bool) {
        _spend(_from, _amount);
        _move(_from, _to, _amount);
        return true;
    }
}

/// @notice An MKR-style token: name() and symbol() return bytes32; decimals() returns a value
///         that does not fit in uint8.
contract Bytes32MetadataToken is MockTokenBase {
    bytes32 public constant name = "Maker";
    bytes32 public constant symbol = "MKR";

    function decimals() external pure returns (uint256) {
        return 256;
    }

    function transfer(address _to, uint256 _amount) external returns (bool) {
        _move(msg.sender, _to, _amount);
        return true;
    }

    function transferFrom(address _from, address _to, uint256 _amount) external returns (bool) {
        _spend(_from, _amount);
        _move(_from, _to, _amount);
        return true;
    }
}

/// @notice A token whose name() answers with a malformed ABI string (offset past the data).
contract MalformedMetadataToken is MockTokenBase {
    function name() external pure returns (uint256, uint256) {
        return (0x40, 5);
    }

    function symbol() external pure {
        revert("no symbol");
    }

    function decimals() external pure returns (uint8) {
        return 8;
    }

    function transfer(address _to, uint256 _amount) external returns (bool) {
        _move(msg.sender, _to, _amount);
        return true;
    }

    function transferFrom(address _from, address _to, uint256 _amount) external returns (bool) {
        _spend(_from, _amount);
        _move(_from, _to, _amount);
        return true;
    }
}
