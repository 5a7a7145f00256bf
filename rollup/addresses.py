"""Fixed addresses of the system contracts (mirrored in contracts/src/interfaces/SystemAddresses.sol)."""

from __future__ import annotations


def _address(hex_string: str) -> bytes:
    return bytes.fromhex(hex_string.removeprefix("0x"))


ZERO_ADDRESS = bytes(20)
WETH = _address("0x4200000000000000000000000000000000000006")
FEE_VAULT = _address("0x4200000000000000000000000000000000000011")
L2_BRIDGE = _address("0x4200000000000000000000000000000000000016")
AMM = _address("0x4200000000000000000000000000000000000100")
LENDING = _address("0x4200000000000000000000000000000000000200")
LEVERAGE = _address("0x4200000000000000000000000000000000000300")
ORACLE = _address("0x4200000000000000000000000000000000000400")
PERPS = _address("0x4200000000000000000000000000000000000500")

# Contracts with behaviour of their own; every registered token is a system contract too.
NAMED_SYSTEM_CONTRACTS: dict[bytes, str] = {
    FEE_VAULT: "FeeVault",
    L2_BRIDGE: "L2Bridge",
    AMM: "AMM",
    LENDING: "Lending",
    LEVERAGE: "Leverage",
    ORACLE: "Oracle",
    PERPS: "Perps",
}

# eth_getCode answers this for every system contract: the single byte 0xFE (INVALID), so tools
# see "a contract lives here" while any attempt to run it as EVM code would fail loudly.
SYSTEM_CODE_MARKER = b"\xfe"
