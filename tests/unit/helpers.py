"""A user's-eye driver of the state machine for the unit tests.

`Chain` builds a genesis (the devnet document or a small custom one), signs transactions with the
anvil dev keys exactly as a wallet does (sign -> encode -> decode_and_recover), executes them in
blocks with rollup.block.execute_block, and reads results the way a dapp does: view functions
through rollup.execution.execute_call, ABI-decoded with eth_abi, plus receipts and logs.

Receipts carry no return data (as on Ethereum), so `Chain.send` also runs the very same transaction
through rollup.execution.process_transaction on a throwaway overlay of the same pre-state and block
environment, checks that it agrees with the receipt (status, gas, logs) and hands back its output,
which is how a test reads a revert reason or a function's return values.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

from eth_abi import decode

from rollup.abi import ERROR_SELECTOR, encode_call
from rollup.addresses import WETH
from rollup.block import (
    BlockExecution,
    Header,
    Receipt,
    SignedTransaction,
    compute_next_base_fee,
    execute_block,
)
from rollup.config import ChainConfig
from rollup.crypto import compute_private_key_address
from rollup.execution import CallResult, execute_call, process_transaction
from rollup.genesis import build_genesis, load_default_genesis_document
from rollup.state import (
    Account,
    Overlay,
    State,
    account_key,
    balance_key,
)
from rollup.system.context import BlockEnvironment, Log
from rollup.transaction import (
    TX_TYPE_DYNAMIC_FEE,
    Transaction,
    decode_and_recover,
    encode_transaction,
    sign_transaction,
)

# anvil's standard dev keys; key 9 is the devnet oracle.
ANVIL_KEYS: tuple[bytes, ...] = tuple(
    bytes.fromhex(key)
    for key in (
        "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
        "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
        "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
        "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
        "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
        "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
        "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
        "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
    )
)
ADDRESSES: tuple[bytes, ...] = tuple(compute_private_key_address(key) for key in ANVIL_KEYS)
ORACLE_KEY = ANVIL_KEYS[9]
ORACLE_ADDRESS = ADDRESSES[9]

# devnet tokens (rollup/genesis/devnet.json)
USDC = bytes.fromhex("4200000000000000000000000000000000001001")
WBTC = bytes.fromhex("4200000000000000000000000000000000001002")
DAI = bytes.fromhex("4200000000000000000000000000000000001003")
DEVNET_WHALE = bytes.fromhex("23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f")

UINT256_MAX = 2**256 - 1
DEFAULT_GAS_LIMIT = 1_000_000
DEFAULT_MAX_FEE = 10**9  # 1 gwei, well above the devnet base fee (0.001 gwei)
FAR_DEADLINE = 2**64


def hex_address(address: bytes) -> str:
    return "0x" + address.hex()


def decode_revert_reason(output: bytes) -> str:
    """The reason string of Error(string) revert data."""
    assert output[:4] == ERROR_SELECTOR, f"not an Error(string) revert: {output.hex()}"
    (reason,) = decode(["string"], output[4:])
    return str(reason)


def base_document(**overrides: Any) -> dict[str, Any]:
    """A minimal valid genesis: chain 901, the anvil oracle, 1000 ETH to keys 0-3 and 9, WETH."""
    document: dict[str, Any] = {
        "chainId": 901,
        "timestamp": 1_000,
        "oracle": hex_address(ORACLE_ADDRESS),
        "priceMaxAge": 3_600,
        "alloc": {
            hex_address(ADDRESSES[i]): {"balance": str(1_000 * 10**18)} for i in (0, 1, 2, 3, 9)
        },
        "tokens": [
            {
                "address": hex_address(WETH),
                "name": "Wrapped Ether",
                "symbol": "WETH",
                "decimals": 18,
                "balances": {},
            }
        ],
    }
    document.update(overrides)
    return document


@dataclass(frozen=True, slots=True)
class Sent:
    """A transaction included in its own block: its receipt, return/revert data and the block."""

    receipt: Receipt
    output: bytes
    block: BlockExecution

    @property
    def status(self) -> int:
        return self.receipt.status

    @property
    def logs(self) -> tuple[Log, ...]:
        return self.receipt.logs

    @property
    def revert_reason(self) -> str:
        assert self.receipt.status == 0, "the transaction succeeded"
        return decode_revert_reason(self.output)

    @property
    def fee(self) -> int:
        return self.receipt.gas_used * self.receipt.effective_gas_price

    def returned(self, *types: str) -> tuple[Any, ...]:
        assert self.receipt.status == 1, f"reverted: {decode_revert_reason(self.output)}"
        return tuple(decode(list(types), self.output))


class Chain:
    """A chain from genesis, driven by signed transactions in blocks."""

    def __init__(self, document: dict[str, Any] | None = None) -> None:
        self.document = copy.deepcopy(
            document if document is not None else load_default_genesis_document()
        )
        genesis = build_genesis(self.document)
        self.config: ChainConfig = genesis.config
        self.state: State = genesis.state
        self.genesis_header: Header = genesis.header
        self.head: Header = genesis.header
        self.blocks: list[BlockExecution] = []
        self.inputs: list[tuple[tuple[SignedTransaction, ...], int]] = []
        self._pending: dict[bytes, int] = {}

    # -- reading ------------------------------------------------------------------------------

    @property
    def time(self) -> int:
        return self.head.timestamp

    def leaf(self, key: tuple[Any, ...]) -> Any:
        return self.state.get(key)

    def eth(self, address: bytes) -> int:
        account: Account = self.state.get(account_key(address))
        return account.balance

    def nonce(self, address: bytes) -> int:
        account: Account = self.state.get(account_key(address))
        return account.nonce

    def balance(self, token: bytes, owner: bytes) -> int:
        return int(self.state.get(balance_key(token, owner)).amount)

    def environment(self, timestamp: int | None = None) -> BlockEnvironment:
        """The environment of the next block (at `timestamp`, default: the head's time)."""
        return BlockEnvironment(
            number=self.head.number + 1,
            timestamp=self.head.timestamp if timestamp is None else timestamp,
            base_fee=compute_next_base_fee(self.config, self.head),
            chain_id=self.config.chain_id,
        )

    def call_raw(
        self,
        to: bytes,
        data: bytes,
        *,
        sender: bytes = bytes(20),
        value: int = 0,
        timestamp: int | None = None,
    ) -> CallResult:
        """eth_call: run a call on the head state without keeping anything."""
        return execute_call(
            Overlay(self.state), self.environment(timestamp), sender, to, value, data
        )

    def call(
        self, to: bytes, signature: str, *args: Any, timestamp: int | None = None
    ) -> tuple[Any, ...]:
        """Call a view and decode its outputs (types taken from the registry's table)."""
        from rollup.system.registry import find_function, get_interface

        data = encode_call(signature, *args)
        interface = get_interface(Overlay(self.state), to)
        assert interface is not None, f"no system contract at {to.hex()}"
        outputs = find_function(interface, data).outputs
        result = self.call_raw(to, data, timestamp=timestamp)
        assert result.success, decode_revert_reason(result.output)
        return tuple(decode(list(outputs), result.output))

    def call_one(self, to: bytes, signature: str, *args: Any, timestamp: int | None = None) -> Any:
        (value,) = self.call(to, signature, *args, timestamp=timestamp)
        return value

    def call_reverts(
        self, to: bytes, signature: str, *args: Any, timestamp: int | None = None
    ) -> str:
        result = self.call_raw(to, encode_call(signature, *args), timestamp=timestamp)
        assert not result.success
        return decode_revert_reason(result.output)

    # -- writing ------------------------------------------------------------------------------

    def sign(
        self,
        key: bytes,
        to: bytes | None,
        data: bytes = b"",
        value: int = 0,
        *,
        nonce: int | None = None,
        gas_limit: int = DEFAULT_GAS_LIMIT,
        max_fee: int = DEFAULT_MAX_FEE,
        tip: int = 0,
        tx_type: int = TX_TYPE_DYNAMIC_FEE,
        chain_id: int | None = None,
    ) -> SignedTransaction:
        """Sign a transaction as a wallet would; the nonce defaults to the sender's next one."""
        sender = compute_private_key_address(key)
        if nonce is None:
            nonce = self.nonce(sender) + self._pending.get(sender, 0)
            self._pending[sender] = self._pending.get(sender, 0) + 1
        if tx_type == TX_TYPE_DYNAMIC_FEE:
            priority, fee = tip, max_fee
        else:
            priority = fee = max_fee
        tx = Transaction(
            tx_type=tx_type,
            chain_id=self.config.chain_id if chain_id is None else chain_id,
            nonce=nonce,
            max_priority_fee_per_gas=priority,
            max_fee_per_gas=fee,
            gas_limit=gas_limit,
            to=to,
            value=value,
            data=data,
            access_list=(),
        )
        raw = encode_transaction(sign_transaction(tx, key))
        decoded, recovered, tx_hash = decode_and_recover(raw)
        assert recovered == sender
        return SignedTransaction(decoded, recovered, tx_hash, raw)

    def execute(
        self,
        transactions: list[SignedTransaction] | tuple[SignedTransaction, ...],
        *,
        dt: int = 1,
        timestamp: int | None = None,
    ) -> BlockExecution:
        """Build and execute the next block from `transactions`, `dt` seconds after the head."""
        when = self.head.timestamp + dt if timestamp is None else timestamp
        block = execute_block(self.state, self.config, self.head, list(transactions), when)
        self.head = block.header
        self.blocks.append(block)
        self.inputs.append((tuple(transactions), when))
        self._pending.clear()
        return block

    def send(
        self,
        key: bytes,
        to: bytes,
        data: bytes = b"",
        value: int = 0,
        *,
        dt: int = 1,
        timestamp: int | None = None,
        **options: Any,
    ) -> Sent:
        """One transaction in its own block; it must be included (status 0 or 1)."""
        self._pending.clear()
        signed = self.sign(key, to, data, value, **options)
        when = self.head.timestamp + dt if timestamp is None else timestamp
        environment = replace(self.environment(), timestamp=when)
        preview = Overlay(self.state)
        outcome = process_transaction(
            preview, environment, self.config, signed.tx, signed.sender, self.config.block_gas_limit
        )
        block = self.execute([signed], timestamp=when)
        assert not block.skipped, block.skipped
        (receipt,) = block.receipts
        assert (receipt.status, receipt.gas_used, receipt.logs) == (
            outcome.status,
            outcome.gas_used,
            outcome.logs,
        )
        return Sent(receipt, outcome.output, block)

    def transact(
        self, key: bytes, to: bytes, signature: str, *args: Any, value: int = 0, **options: Any
    ) -> Sent:
        """Send a call to `signature` with `args`; the caller checks the status."""
        return self.send(key, to, encode_call(signature, *args), value, **options)

    def ok(
        self, key: bytes, to: bytes, signature: str, *args: Any, value: int = 0, **options: Any
    ) -> Sent:
        """Send a call that must succeed."""
        sent = self.transact(key, to, signature, *args, value=value, **options)
        assert sent.status == 1, f"{signature} reverted: {decode_revert_reason(sent.output)}"
        return sent

    def fails(
        self, key: bytes, to: bytes, signature: str, *args: Any, value: int = 0, **options: Any
    ) -> str:
        """Send a call that must revert; return its reason."""
        sent = self.transact(key, to, signature, *args, value=value, **options)
        assert sent.status == 0, f"{signature} unexpectedly succeeded"
        return sent.revert_reason

    def approve(self, key: bytes, token: bytes, spender: bytes, amount: int = UINT256_MAX) -> Sent:
        return self.ok(key, token, "approve(address,uint256)", spender, amount)

    def set_price(self, asset: bytes, price: int, volatility: int, **options: Any) -> Sent:
        return self.ok(
            ORACLE_KEY,
            self.oracle_address(),
            "setPrice(address,uint256,uint256)",
            asset,
            price,
            volatility,
            **options,
        )

    @staticmethod
    def oracle_address() -> bytes:
        from rollup.addresses import ORACLE

        return ORACLE

    def replay(self) -> Chain:
        """A fresh chain from the same genesis with the same blocks executed again."""
        other = Chain(self.document)
        for transactions, timestamp in self.inputs:
            other.execute(transactions, timestamp=timestamp)
        return other


def state_leaves(state: State) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """A snapshot of every leaf, empty leaves dropped (absent and empty read the same)."""
    from rollup.state import EMPTY_LEAVES

    return {key: leaf for key, leaf in state.items() if leaf != EMPTY_LEAVES[key[0]]}


# -- a small lending world --------------------------------------------------------------------

LENDING_USDC = bytes.fromhex("4200000000000000000000000000000000002001")
LENDING_DAI = bytes.fromhex("4200000000000000000000000000000000002003")  # listed, no market

USDC_MARKET: dict[str, str] = {
    "baseRate": "0.02",
    "slope1": "0.1",
    "slope2": "1.0",
    "optimalUtilization": "0.8",
    "reserveFactor": "0.1",
    "collateralFactor": "0.8",
    "liquidationThreshold": "0.85",
    "liquidationBonus": "0.04",
    "closeFactor": "0.5",
    "volatilitySensitivity": "0.5",
    "collateralFactorFloor": "0.5",
    "liquidationThresholdFloor": "0.6",
}
WETH_MARKET: dict[str, str] = {
    "baseRate": "0.01",
    "slope1": "0.05",
    "slope2": "0.8",
    "optimalUtilization": "0.8",
    "reserveFactor": "0.2",
    "collateralFactor": "0.75",
    "liquidationThreshold": "0.8",
    "liquidationBonus": "0.05",
    "closeFactor": "0.5",
    "volatilitySensitivity": "0.25",
    "collateralFactorFloor": "0.4",
    "liquidationThresholdFloor": "0.5",
}


def lending_document(**overrides: Any) -> dict[str, Any]:
    """Two markets with round numbers: WETH at $2,000 and USDC (6 decimals) at $1, no volatility.

    Key 3 supplies 100,000 USDC and 100 WETH at genesis; keys 0-2 each hold 100 WETH and
    100,000 USDC; key 8 provides a WETH/USDC pool of 1,000 WETH and 2,000,000 USDC (for leverage).
    Genesis time 1,000; prices go stale after 3,600 s.
    """
    holders = {hex_address(ADDRESSES[i]): None for i in (0, 1, 2, 3)}
    document = base_document()
    document["alloc"][hex_address(ADDRESSES[8])] = {"balance": str(1_000 * 10**18)}
    document["tokens"][0]["balances"] = {address: "100.0" for address in holders}
    document["tokens"] += [
        {
            "address": hex_address(LENDING_USDC),
            "name": "USD Coin",
            "symbol": "USDC",
            "decimals": 6,
            "balances": {address: "100000.0" for address in holders},
        },
        {
            "address": hex_address(LENDING_DAI),
            "name": "Dai Stablecoin",
            "symbol": "DAI",
            "decimals": 18,
            "balances": {address: "1000.0" for address in holders},
        },
    ]
    document["prices"] = [
        {"asset": hex_address(WETH), "price": "2000.0", "volatility": "0.0"},
        {"asset": hex_address(LENDING_USDC), "price": "1.0", "volatility": "0.0"},
        {"asset": hex_address(LENDING_DAI), "price": "1.0", "volatility": "0.0"},
    ]
    document["markets"] = [
        {"asset": hex_address(LENDING_USDC), **USDC_MARKET},
        {"asset": hex_address(WETH), **WETH_MARKET},
    ]
    document["pools"] = [
        {
            "tokenA": hex_address(WETH),
            "tokenB": hex_address(LENDING_USDC),
            "amountA": "1000.0",
            "amountB": "2000000.0",
            "provider": hex_address(ADDRESSES[8]),
        }
    ]
    document["supplies"] = [
        {
            "account": hex_address(ADDRESSES[3]),
            "asset": hex_address(LENDING_USDC),
            "amount": "100000.0",
        },
        {"account": hex_address(ADDRESSES[3]), "asset": hex_address(WETH), "amount": "100.0"},
    ]
    document.update(overrides)
    return document
