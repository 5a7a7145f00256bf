"""The DeFi state machine: native system contracts at fixed addresses, each with a Solidity ABI."""
