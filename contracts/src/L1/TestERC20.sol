// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title TestERC20
/// @notice An open-mint ERC-20 for the devnet and tests: anyone may mint any amount to anyone.
///         Never deploy it where its tokens should have value.
contract TestERC20 {
    /// @notice The token's name.
    string public name;

    /// @notice The token's symbol.
    string public symbol;

    /// @notice The number of decimals wallets display.
    uint8 public immutable decimals;

    /// @notice The total amount minted.
    uint256 public totalSupply;

    /// @notice The balance of each account.
    mapping(address => uint256) public balanceOf;

    /// @notice How much a spender may still move out of an owner's balance.
    mapping(address => mapping(address => uint256)) public allowance;

    /// @notice Emitted when tokens move, including mints (`from` is zero).
    /// @param from  The account the tokens left.
    /// @param to    The account the tokens reached.
    /// @param value The amount moved.
    event Transfer(address indexed from, address indexed to, uint256 value);

    /// @notice Emitted when an allowance is set.
    /// @param owner   The account whose tokens may be spent.
    /// @param spender The account allowed to spend them.
    /// @param value   The new allowance.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice The sender's balance is below the amount moved.
    error InsufficientBalance();

    /// @notice The caller's allowance is below the amount moved.
    error InsufficientAllowance();

    /// @param _name     The token's name.
    /// @param _symbol   The token's symbol.
    /// @param _decimals The number of decimals.
    constructor(string memory _name, string memory _symbol, uint8 _decimals) {
        name = _name;
        symbol = _symbol;
        decimals = _decimals;
    }

    /// @notice Mints `_amount` new tokens to `_to`. Open to anyone.
    /// @param _to     The recipient.
    /// @param _amount The amount to mint.
    function mint(address _to, uint256 _amount) external {
        totalSupply += _amount;
        unchecked {
            // Cannot overflow: no balance exceeds totalSupply, which was checked above.
            balanceOf[_to] += _amount;
        }
        emit Transfer(address(0), _to, _amount);
    }

    /// @notice Moves `_amount` from the caller to `_to`.
    /// @param _to     The recipient.
    /// @param _amount The amount.
    /// @return Always true; failures revert.
    function transfer(address _to, uint256 _amount) external returns (bool) {
        _transfer(msg.sender, _to, _amount);
        return true;
    }

    /// @notice Sets the caller's allowance for `_spender` to `_amount`.
    /// @param _spender The account allowed to spend.
    /// @param _amount  The new allowance; type(uint256).max never decreases.
    /// @return Always true.
    function approve(address _spender, uint256 _amount) external returns (bool) {
        allowance[msg.sender][_spender] = _amount;
        emit Approval(msg.sender, _spender, _amount);
        return true;
    }

    /// @notice Moves `_amount` from `_from` to `_to` using the caller's allowance, which decreases
    ///         unless it is type(uint256).max.
    /// @param _from   The account the tokens leave.
    /// @param _to     The recipient.
    /// @param _amount The amount.
    /// @return Always true; failures revert.
    function transferFrom(address _from, address _to, uint256 _amount) external returns (bool) {
        uint256 allowed = allowance[_from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < _amount) revert InsufficientAllowance();
            unchecked {
                allowance[_from][msg.sender] = allowed - _amount;
            }
        }
        _transfer(_from, _to, _amount);
        return true;
    }

    /// @dev Moves `_amount` from `_from` to `_to` and emits Transfer.
    function _transfer(address _from, address _to, uint256 _amount) private {
        uint256 balance = balanceOf[_from];
        if (balance < _amount) revert InsufficientBalance();
        unchecked {
            balanceOf[_from] = balance - _amount;
            balanceOf[_to] += _amount;
        }
        emit Transfer(_from, _to, _amount);
    }
}
