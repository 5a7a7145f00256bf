// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {L2State} from "../L2State.sol";
import {Env, Call, ISystemModule, CallData} from "./StfTypes.sol";
import {TokenLib} from "./TokenLib.sol";
import {SystemAddresses} from "../../interfaces/SystemAddresses.sol";

/// @title TokenSelectors
/// @notice Selectors and gas classes of the functions TokenModule runs (rollup.system.registry:
///         ERC20_FUNCTIONS, WETH_FUNCTIONS, ORACLE_FUNCTIONS, BRIDGE_FUNCTIONS; rollup.gas).
library TokenSelectors {
    // IERC20
    bytes4 internal constant NAME = bytes4(keccak256("name()"));
    bytes4 internal constant SYMBOL = bytes4(keccak256("symbol()"));
    bytes4 internal constant DECIMALS = bytes4(keccak256("decimals()"));
    bytes4 internal constant TOTAL_SUPPLY = bytes4(keccak256("totalSupply()"));
    bytes4 internal constant BALANCE_OF = bytes4(keccak256("balanceOf(address)"));
    bytes4 internal constant ALLOWANCE = bytes4(keccak256("allowance(address,address)"));
    bytes4 internal constant TRANSFER = bytes4(keccak256("transfer(address,uint256)"));
    bytes4 internal constant APPROVE = bytes4(keccak256("approve(address,uint256)"));
    bytes4 internal constant TRANSFER_FROM =
        bytes4(keccak256("transferFrom(address,address,uint256)"));
    // IWETH (IERC20 +)
    bytes4 internal constant DEPOSIT = bytes4(keccak256("deposit()"));
    bytes4 internal constant WITHDRAW = bytes4(keccak256("withdraw(uint256)"));
    // IOracle
    bytes4 internal constant SET_PRICE = bytes4(keccak256("setPrice(address,uint256,uint256)"));
    bytes4 internal constant GET_PRICE = bytes4(keccak256("getPrice(address)"));
    // IL2Bridge
    bytes4 internal constant WITHDRAW_ETH = bytes4(keccak256("withdrawETH(address)"));
    bytes4 internal constant WITHDRAW_TOKEN =
        bytes4(keccak256("withdrawToken(address,uint256,address)"));
    bytes4 internal constant WITHDRAWAL_ROOT = bytes4(keccak256("withdrawalRoot()"));
    bytes4 internal constant WITHDRAWAL_COUNT = bytes4(keccak256("withdrawalCount()"));

    // rollup.gas.OPERATION_GAS
    uint256 internal constant GAS_READ = 2_600;
    uint256 internal constant GAS_TOKEN_TRANSFER = 30_000;
    uint256 internal constant GAS_TOKEN_APPROVE = 24_000;
    uint256 internal constant GAS_TOKEN_TRANSFER_FROM = 36_000;
    uint256 internal constant GAS_WETH_DEPOSIT = 28_000;
    uint256 internal constant GAS_WETH_WITHDRAW = 30_000;
    uint256 internal constant GAS_ORACLE_SET_PRICE = 30_000;
    uint256 internal constant GAS_BRIDGE_WITHDRAW = 60_000;

    /// @notice Interfaces (rollup.system.registry.INTERFACES) this module serves.
    uint8 internal constant IERC20 = 0;
    uint8 internal constant IWETH = 1;
    uint8 internal constant IORACLE = 2;
    uint8 internal constant IL2BRIDGE = 3;

    /// @notice The interface of `_to`, given that the runner routed it here (a named system
    ///         contract, or a registered token: rollup.system.registry.get_interface).
    function interfaceOf(address _to) internal pure returns (uint8) {
        if (_to == SystemAddresses.L2_BRIDGE) return IL2BRIDGE;
        if (_to == SystemAddresses.ORACLE) return IORACLE;
        if (_to == SystemAddresses.WETH) return IWETH;
        return IERC20;
    }

    /// @notice The function table lookup: (known, gas, payable) of `_selector` on `_interface`.
    function lookup(uint8 _interface, bytes4 _selector)
        internal
        pure
        returns (bool known_, uint256 gas_, bool payable_)
    {
        if (_interface == IL2BRIDGE) {
            if (_selector == WITHDRAW_ETH) return (true, GAS_BRIDGE_WITHDRAW, true);
            if (_selector == WITHDRAW_TOKEN) return (true, GAS_BRIDGE_WITHDRAW, false);
            if (_selector == WITHDRAWAL_ROOT || _selector == WITHDRAWAL_COUNT) {
                return (true, GAS_READ, false);
            }
            return (false, 0, false);
        }
        if (_interface == IORACLE) {
            if (_selector == SET_PRICE) return (true, GAS_ORACLE_SET_PRICE, false);
            if (_selector == GET_PRICE) return (true, GAS_READ, false);
            return (false, 0, false);
        }
        if (
            _selector == NAME || _selector == SYMBOL || _selector == DECIMALS
                || _selector == TOTAL_SUPPLY || _selector == BALANCE_OF || _selector == ALLOWANCE
        ) return (true, GAS_READ, false);
        if (_selector == TRANSFER) return (true, GAS_TOKEN_TRANSFER, false);
        if (_selector == APPROVE) return (true, GAS_TOKEN_APPROVE, false);
        if (_selector == TRANSFER_FROM) return (true, GAS_TOKEN_TRANSFER_FROM, false);
        if (_interface == IWETH) {
            if (_selector == DEPOSIT) return (true, GAS_WETH_DEPOSIT, true);
            if (_selector == WITHDRAW) return (true, GAS_WETH_WITHDRAW, false);
        }
        return (false, 0, false);
    }
}

/// @title BridgeOracleLib
/// @notice rollup/system/bridge.py and rollup/system/oracle.py on a one-step proof's state.
library BridgeOracleLib {
    /// @notice rollup.system.oracle.MAX_VOLATILITY.
    uint256 internal constant MAX_VOLATILITY = 10 * 10 ** 18;

    /// @notice rollup.system.bridge.compute_withdrawal_hash.
    function computeWithdrawalHash(
        uint256 _index,
        address _sender,
        address _l1Recipient,
        address _l1Token,
        uint256 _amount
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(_index, _sender, _l1Recipient, _l1Token, _amount));
    }

    /// @notice rollup.system.bridge.record_withdrawal (the tree insertion happens at commit).
    function recordWithdrawal(
        L2State.Db memory _db,
        address _sender,
        address _l1Recipient,
        address _l1Token,
        uint256 _amount
    ) internal pure {
        L2State.Withdrawals memory summary = L2State.getWithdrawals(_db);
        uint256 index = summary.count;
        L2State.recordWithdrawal(
            _db, computeWithdrawalHash(index, _sender, _l1Recipient, _l1Token, _amount)
        );
        summary.count = index + 1;
        L2State.setWithdrawals(_db, summary);
    }

    /// @notice rollup.system.bridge.withdraw_eth (the runner already moved the value to the
    ///         bridge account).
    function withdrawEth(L2State.Db memory _db, Call memory _call, address _l1Recipient)
        internal
        pure
    {
        require(_call.value > 0, "withdrawal amount is zero");
        require(_l1Recipient != address(0), "withdrawal to the zero address");
        L2State.Account memory bridge = L2State.getAccount(_db, SystemAddresses.L2_BRIDGE);
        bridge.balance = bridge.balance - _call.value;
        L2State.setAccount(_db, SystemAddresses.L2_BRIDGE, bridge);
        recordWithdrawal(_db, _call.sender, _l1Recipient, address(0), _call.value);
    }

    /// @notice rollup.system.bridge.withdraw_token.
    function withdrawToken(
        L2State.Db memory _db,
        address _sender,
        address _token,
        uint256 _amount,
        address _l1Recipient
    ) internal pure {
        L2State.Token memory leaf = TokenLib.getToken(_db, _token);
        require(leaf.l1Token != 0, "token is not bridged from L1");
        require(_amount > 0, "withdrawal amount is zero");
        require(_l1Recipient != address(0), "withdrawal to the zero address");
        TokenLib.burnTokens(_db, _token, _sender, _amount);
        // l1_token.to_bytes(20, "big") raises OverflowError for a word above 160 bits, which
        // execute_call does not catch; registration only ever stores 160-bit values.
        recordWithdrawal(_db, _sender, _l1Recipient, address(uint160(leaf.l1Token)), _amount);
    }

    /// @notice rollup.system.oracle.set_price.
    function setPrice(
        L2State.Db memory _db,
        Env memory _env,
        address _sender,
        address _asset,
        uint256 _price,
        uint256 _volatility
    ) internal pure {
        L2State.SystemParams memory system = L2State.getSystem(_db);
        require(uint256(uint160(_sender)) == system.oracle, "caller is not the oracle");
        TokenLib.getToken(_db, _asset);
        require(_price > 0, "price is zero");
        require(_volatility <= MAX_VOLATILITY, "volatility out of range");
        L2State.setPrice(_db, _asset, L2State.Price(_price, _volatility, _env.timestamp));
    }
}

/// @title TokenModule
/// @notice The system contracts of rollup/system/tokens.py (every registered token, IERC20; WETH,
///         IWETH), rollup/system/bridge.py (IL2Bridge) and rollup/system/oracle.py (IOracle) for the
///         one-step prover: the same checks in the same order, the same leaves read and written.
///         Views change no state; they only revert where Python's would.
contract TokenModule is ISystemModule {
    /// @inheritdoc ISystemModule
    function execute(L2State.Db memory _db, Env memory _env, Call memory _call)
        external
        pure
        returns (L2State.Db memory)
    {
        uint8 iface = TokenSelectors.interfaceOf(_call.to);
        bytes memory data = _call.data;
        // rollup.execution.execute_call: empty calldata to WETH wraps the value sent.
        if (data.length == 0 && iface == TokenSelectors.IWETH) {
            TokenLib.mintTokens(_db, _call.to, _call.sender, _call.value);
            return _db;
        }
        // rollup.system.registry.find_function, then the payable check.
        require(data.length >= 4, "missing function selector");
        bytes4 selector = CallData.selector(data);
        (bool known,, bool payable_) = TokenSelectors.lookup(iface, selector);
        require(known, "unknown function selector");
        require(_call.value == 0 || payable_, "function is not payable");
        if (iface == TokenSelectors.IL2BRIDGE) {
            _executeBridge(_db, _call, selector);
        } else if (iface == TokenSelectors.IORACLE) {
            _executeOracle(_db, _env, _call, selector);
        } else {
            _executeToken(_db, _call, selector);
        }
        return _db;
    }

    /// @inheritdoc ISystemModule
    function operationGas(address _to, bytes memory _data) external pure returns (uint256) {
        uint8 iface = TokenSelectors.interfaceOf(_to);
        if (_data.length == 0 && iface == TokenSelectors.IWETH) {
            return TokenSelectors.GAS_WETH_DEPOSIT;
        }
        if (_data.length < 4) return TokenSelectors.GAS_READ;
        (bool known, uint256 gas,) = TokenSelectors.lookup(iface, CallData.selector(_data));
        return known ? gas : TokenSelectors.GAS_READ;
    }

    /// @inheritdoc ISystemModule
    /// @dev Empty calldata to WETH accepts value (execute_call wraps it without a payable check).
    function isPayable(address _to, bytes memory _data) external pure returns (bool) {
        uint8 iface = TokenSelectors.interfaceOf(_to);
        if (_data.length == 0) return iface == TokenSelectors.IWETH;
        if (_data.length < 4) return false;
        (,, bool payable_) = TokenSelectors.lookup(iface, CallData.selector(_data));
        return payable_;
    }

    // ------------------------------------------------------------------------------------------
    // IERC20 / IWETH (rollup/system/tokens.py; registry ERC20_FUNCTIONS, WETH_FUNCTIONS)

    function _executeToken(L2State.Db memory _db, Call memory _call, bytes4 _selector)
        private
        pure
    {
        bytes memory data = _call.data;
        address token = _call.to;
        if (
            _selector == TokenSelectors.NAME || _selector == TokenSelectors.SYMBOL
                || _selector == TokenSelectors.DECIMALS || _selector == TokenSelectors.TOTAL_SUPPLY
        ) {
            TokenLib.getToken(_db, token); // view: only its revert matters
        } else if (_selector == TokenSelectors.BALANCE_OF) {
            CallData.requireArguments(data, 1);
            CallData.addressAt(data, 0); // view
        } else if (_selector == TokenSelectors.ALLOWANCE) {
            CallData.requireArguments(data, 2);
            CallData.addressAt(data, 0);
            CallData.addressAt(data, 1); // view
        } else if (_selector == TokenSelectors.TRANSFER) {
            CallData.requireArguments(data, 2);
            address destination = CallData.addressAt(data, 0);
            uint256 amount = CallData.uintAt(data, 1);
            TokenLib.getToken(_db, token);
            require(destination != address(0), "transfer to the zero address");
            TokenLib.moveTokens(_db, token, _call.sender, destination, amount);
        } else if (_selector == TokenSelectors.APPROVE) {
            CallData.requireArguments(data, 2);
            address spender = CallData.addressAt(data, 0);
            uint256 amount = CallData.uintAt(data, 1);
            TokenLib.getToken(_db, token);
            require(spender != address(0), "approve to the zero address");
            L2State.setAllowance(_db, token, _call.sender, spender, amount);
        } else if (_selector == TokenSelectors.TRANSFER_FROM) {
            _transferFrom(_db, _call);
        } else if (_selector == TokenSelectors.DEPOSIT) {
            TokenLib.mintTokens(_db, token, _call.sender, _call.value);
        } else {
            // TokenSelectors.WITHDRAW (lookup admitted nothing else)
            CallData.requireArguments(data, 1);
            _withdrawWeth(_db, token, _call.sender, CallData.uintAt(data, 0));
        }
    }

    /// @dev rollup.system.tokens.transfer_from.
    function _transferFrom(L2State.Db memory _db, Call memory _call) private pure {
        bytes memory data = _call.data;
        CallData.requireArguments(data, 3);
        address source = CallData.addressAt(data, 0);
        address destination = CallData.addressAt(data, 1);
        uint256 amount = CallData.uintAt(data, 2);
        TokenLib.getToken(_db, _call.to);
        require(destination != address(0), "transfer to the zero address");
        TokenLib.spendAllowance(_db, _call.to, source, _call.sender, amount);
        TokenLib.moveTokens(_db, _call.to, source, destination, amount);
    }

    /// @dev rollup.system.tokens.withdraw_weth.
    function _withdrawWeth(L2State.Db memory _db, address _weth, address _sender, uint256 _amount)
        private
        pure
    {
        TokenLib.burnTokens(_db, _weth, _sender, _amount);
        L2State.Account memory wethAccount = L2State.getAccount(_db, _weth);
        wethAccount.balance = wethAccount.balance - _amount;
        L2State.setAccount(_db, _weth, wethAccount);
        L2State.Account memory caller = L2State.getAccount(_db, _sender);
        caller.balance = caller.balance + _amount;
        L2State.setAccount(_db, _sender, caller);
    }

    // ------------------------------------------------------------------------------------------
    // IL2Bridge, IOracle

    function _executeBridge(L2State.Db memory _db, Call memory _call, bytes4 _selector)
        private
        pure
    {
        bytes memory data = _call.data;
        if (_selector == TokenSelectors.WITHDRAW_ETH) {
            CallData.requireArguments(data, 1);
            BridgeOracleLib.withdrawEth(_db, _call, CallData.addressAt(data, 0));
        } else if (_selector == TokenSelectors.WITHDRAW_TOKEN) {
            CallData.requireArguments(data, 3);
            address token = CallData.addressAt(data, 0);
            uint256 amount = CallData.uintAt(data, 1);
            address l1Recipient = CallData.addressAt(data, 2);
            BridgeOracleLib.withdrawToken(_db, _call.sender, token, amount, l1Recipient);
        }
        // withdrawalRoot(), withdrawalCount(): views without arguments, never revert.
    }

    function _executeOracle(
        L2State.Db memory _db,
        Env memory _env,
        Call memory _call,
        bytes4 _selector
    ) private pure {
        bytes memory data = _call.data;
        if (_selector == TokenSelectors.SET_PRICE) {
            CallData.requireArguments(data, 3);
            address asset = CallData.addressAt(data, 0);
            uint256 price = CallData.uintAt(data, 1);
            uint256 volatility = CallData.uintAt(data, 2);
            BridgeOracleLib.setPrice(_db, _env, _call.sender, asset, price, volatility);
        } else {
            // getPrice(address): a view; only the argument check can revert.
            CallData.requireArguments(data, 1);
            CallData.addressAt(data, 0);
        }
    }
}
