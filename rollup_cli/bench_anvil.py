"""anvil as the benchmark's peer: the same signed transactions against a standard EVM node.

anvil (from npm, docs/ARCHITECTURE.md §7) runs with the L2's chain id, so the bytes signed for our
node are valid there too, in interval mining with our block time (never automine: with thousands
of pending transactions it can eat tens of GB) and our 2e9 block gas limit, so that neither node is
capped by its block size. The senders get their ETH with anvil_setBalance. For the token workload USDC's
address gets the runtime code of contracts/src/L1/TestERC20.sol and every sender a balance
written straight into its storage, so the very same USDC transfers run as EVM code.

The swaps, DeFi and perps workloads call the rollup's native system contracts (AMM, lending,
leverage, perps, oracle); anvil would need EVM ports of all of them, so those rows say n/a.
"""

from __future__ import annotations

from collections.abc import Sequence

from l1.anvil import Anvil
from l1.artifacts import ArtifactError, load_artifact
from l1.rpc import encode_hex, encode_quantity
from rollup.crypto import compute_private_key_address, keccak256
from rollup_cli.bench_workloads import USDC

ANVIL_GAS_LIMIT = 2_000_000_000
TEST_ERC20_BALANCES_SLOT = 3  # name, symbol, totalSupply, then balanceOf (decimals is immutable)
SENDER_BALANCE = 10**24
TOKEN_BALANCE = 10**18

UNSUPPORTED = {
    "swaps": "the AMM is a native system contract of the rollup; anvil has no EVM port of it",
    "defi": "AMM, lending, leverage, perps and oracle are native system contracts of the rollup; "
    "anvil has no EVM ports of them",
    "perps": "perps is a native system contract of the rollup; anvil has no EVM port of it",
}


class PeerUnavailable(Exception):
    """anvil cannot run this workload; the message says why (shown as n/a in the table)."""


def start_peer(chain_id: int, block_time: float) -> Anvil:
    anvil = Anvil(
        block_time=block_time,
        chain_id=chain_id,
        extra_args=("--gas-limit", str(ANVIL_GAS_LIMIT), "--disable-min-priority-fee"),
    )
    return anvil.start()


def fund_senders(anvil: Anvil, keys: Sequence[bytes], workload: str) -> None:
    """Give every sender ETH, and USDC as an EVM ERC-20 for the token workload."""
    if workload in UNSUPPORTED:
        raise PeerUnavailable(UNSUPPORTED[workload])
    addresses = [compute_private_key_address(key) for key in keys]
    client = anvil.client
    client.request_batch(
        [
            ("anvil_setBalance", [encode_hex(address), encode_quantity(SENDER_BALANCE)])
            for address in addresses
        ]
    )
    if workload != "tokens":
        return
    try:
        code = load_artifact("TestERC20").deployed_bytecode
    except ArtifactError as exc:
        raise PeerUnavailable(f"no TestERC20 artifact for the EVM token ({exc})") from None
    client.request("anvil_setCode", [encode_hex(USDC), encode_hex(code)])
    client.request_batch(
        [
            (
                "anvil_setStorageAt",
                [
                    encode_hex(USDC),
                    encode_hex(compute_mapping_slot(address, TEST_ERC20_BALANCES_SLOT)),
                    encode_hex(TOKEN_BALANCE.to_bytes(32, "big")),
                ],
            )
            for address in addresses
        ]
    )
    # balanceOf(first sender) must read what was written, or the slot layout is not what we think
    answer = client.call(USDC, bytes.fromhex("70a08231") + bytes(12) + addresses[0])
    if int.from_bytes(answer, "big") != TOKEN_BALANCE:
        raise PeerUnavailable("TestERC20 balances are not where the storage layout says")


def compute_mapping_slot(key: bytes, slot: int) -> bytes:
    """Solidity's storage slot of mapping[key] for a mapping at `slot` (address keys)."""
    return keccak256(bytes(12) + key + slot.to_bytes(32, "big"))
