// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title SystemAddresses
/// @notice The fixed L2 addresses of the native system contracts. They are implemented by the node
///         (rollup/), not by EVM bytecode; eth_getCode returns a non-empty marker for them so
///         wallets treat them as contracts. The same addresses are used by the Python state
///         machine, the one-step prover and the genesis.
library SystemAddresses {
    /// @notice Wrapped native ETH (IWETH).
    address internal constant WETH = 0x4200000000000000000000000000000000000006;

    /// @notice The vault that collects transaction fees (base fee and priority fee).
    address internal constant FEE_VAULT = 0x4200000000000000000000000000000000000011;

    /// @notice The L2 side of the bridge: withdrawals to L1 (IL2Bridge).
    address internal constant L2_BRIDGE = 0x4200000000000000000000000000000000000016;

    /// @notice The constant-product AMM (IAMM).
    address internal constant AMM = 0x4200000000000000000000000000000000000100;

    /// @notice The lending markets (ILending).
    address internal constant LENDING = 0x4200000000000000000000000000000000000200;

    /// @notice One-transaction leverage on top of the AMM and the lending markets (ILeverage).
    address internal constant LEVERAGE = 0x4200000000000000000000000000000000000300;

    /// @notice The price and volatility oracle (IOracle).
    address internal constant ORACLE = 0x4200000000000000000000000000000000000400;

    /// @notice The perpetual futures markets, margined and settled in USDC (IPerps).
    address internal constant PERPS = 0x4200000000000000000000000000000000000500;
}
