"""L1 -> L2 messages: ETH and ERC-20 deposits and forced transactions (docs/SETTLEMENT.md §3).

The L1 Bridge queues every message with an index and a kind. An L2 block that advances its L1
origin starts with the messages of the L1 blocks it advances over, in queue order: deposits mint
what was locked on L1, forced transactions run like any other transaction. Deposits are transactions
of type 0x7e without signature or fee; they always succeed.
"""

from __future__ import annotations

from dataclasses import dataclass

import rlp
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.exceptions import DecodingError

from rollup.abi import compute_event_topic, encode_address_topic, encode_arguments, encode_word
from rollup.addresses import L2_BRIDGE
from rollup.crypto import keccak256
from rollup.fixedpoint import add
from rollup.state import Account, Overlay, Token, account_key, token_key
from rollup.system.context import BlockEnvironment, CallContext, Log
from rollup.system.tokens import encode_short_string, mint_tokens

DEPOSIT_TX_TYPE = 0x7E
KIND_ETH_DEPOSIT = 1
KIND_ERC20_DEPOSIT = 2
KIND_FORCED_TRANSACTION = 3
MAX_FORCED_TRANSACTION_SIZE = 32 * 1024

DEPOSIT_FINALIZED_TOPIC = compute_event_topic(
    "DepositFinalized(uint256,address,address,address,uint256)"
)


class InvalidMessage(ValueError):
    """A queued message whose payload does not decode; derivation skips it."""


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """One L2TransactionQueued event of the L1 Bridge, with the L1 block that queued it."""

    queue_index: int
    kind: int
    payload: bytes
    l1_block_number: int
    l1_timestamp: int

    @property
    def hash(self) -> bytes:
        """What the Bridge records for it (Bridge.messageHashes)."""
        return compute_message_hash(
            self.kind, self.l1_block_number, self.l1_timestamp, self.payload
        )

    def encode(self) -> bytes:
        """abi.encode(uint8 kind, uint64 l1BlockNumber, uint64 l1Timestamp, bytes payload): the
        preimage of its hash, as the one-step prover reads it."""
        return abi_encode(
            ["uint8", "uint64", "uint64", "bytes"],
            [self.kind, self.l1_block_number, self.l1_timestamp, self.payload],
        )


@dataclass(frozen=True, slots=True)
class EthDeposit:
    sender: bytes
    recipient: bytes
    amount: int


@dataclass(frozen=True, slots=True)
class TokenDeposit:
    sender: bytes
    recipient: bytes
    l1_token: bytes
    amount: int
    name: str
    symbol: str
    decimals: int


@dataclass(frozen=True, slots=True)
class DepositTransaction:
    """A deposit as it sits in an L2 block: its message, hash, sender and raw encoding."""

    message: QueuedMessage
    sender: bytes
    hash: bytes
    raw: bytes


def compute_message_hash(
    kind: int, l1_block_number: int, l1_timestamp: int, payload: bytes
) -> bytes:
    """Bridge.messageHashes(i): keccak256(abi.encode(uint8 kind, uint64 l1BlockNumber, uint64
    l1Timestamp, bytes payload))."""
    return keccak256(
        abi_encode(
            ["uint8", "uint64", "uint64", "bytes"], [kind, l1_block_number, l1_timestamp, payload]
        )
    )


def compute_deposit_hash(queue_index: int, message_hash: bytes) -> bytes:
    """A deposit transaction's hash: keccak256(0x7e ‖ uint256 queueIndex ‖ messageHash)."""
    return keccak256(bytes((DEPOSIT_TX_TYPE,)) + encode_word(queue_index) + message_hash)


def compute_bridged_token_address(l1_token: bytes) -> bytes:
    """The L2 address of the token bridged from `l1_token`."""
    return keccak256(b"bridged-token" + l1_token)[12:]


def encode_deposit(message: QueuedMessage) -> bytes:
    """0x7e ‖ rlp([l1 block number, l1 timestamp, queue index, kind, payload])."""
    encoded: bytes = rlp.encode(
        [
            message.l1_block_number,
            message.l1_timestamp,
            message.queue_index,
            message.kind,
            message.payload,
        ]
    )
    return bytes((DEPOSIT_TX_TYPE,)) + encoded


def decode_deposit(raw: bytes) -> QueuedMessage:
    """Inverse of encode_deposit (storage and RPC)."""
    if not raw or raw[0] != DEPOSIT_TX_TYPE:
        raise InvalidMessage("not a deposit transaction")
    try:
        fields = rlp.decode(raw[1:])
    except rlp.exceptions.DecodingError as exc:
        raise InvalidMessage("malformed deposit encoding") from exc
    if not isinstance(fields, list) or len(fields) != 5:
        raise InvalidMessage("a deposit is an RLP list of 5 fields")
    return QueuedMessage(
        l1_block_number=int.from_bytes(fields[0], "big"),
        l1_timestamp=int.from_bytes(fields[1], "big"),
        queue_index=int.from_bytes(fields[2], "big"),
        kind=int.from_bytes(fields[3], "big"),
        payload=bytes(fields[4]),
    )


def decode_message(message: QueuedMessage) -> EthDeposit | TokenDeposit | bytes:
    """The deposit a message carries, or the raw transaction it forces."""
    try:
        if message.kind == KIND_ETH_DEPOSIT:
            sender, recipient, amount = abi_decode(
                ["address", "address", "uint256"], message.payload
            )
            return EthDeposit(_address(sender), _address(recipient), amount)
        if message.kind == KIND_ERC20_DEPOSIT:
            sender, recipient, l1_token, amount, name, symbol, decimals = abi_decode(
                ["address", "address", "address", "uint256", "string", "string", "uint8"],
                message.payload,
            )
            return TokenDeposit(
                _address(sender),
                _address(recipient),
                _address(l1_token),
                amount,
                name,
                symbol,
                decimals,
            )
    except (DecodingError, UnicodeDecodeError, OverflowError) as exc:
        raise InvalidMessage(f"undecodable payload of kind {message.kind}") from exc
    if message.kind == KIND_FORCED_TRANSACTION:
        if not message.payload or len(message.payload) > MAX_FORCED_TRANSACTION_SIZE:
            raise InvalidMessage("forced transaction empty or too large")
        return message.payload
    raise InvalidMessage(f"unknown message kind {message.kind}")


def _address(value: str) -> bytes:
    return bytes.fromhex(value[2:])


def truncate_utf8(text: str, limit: int = 32) -> str:
    data = text.encode("utf-8")[:limit]
    return data.decode("utf-8", errors="ignore")


def apply_deposit(
    block_state: Overlay,
    block: BlockEnvironment,
    deposit: EthDeposit | TokenDeposit,
    queue_index: int,
) -> tuple[Log, ...]:
    """Mint a deposit on L2 and return its logs. Never reverts: L1 already locked the funds.

    An amount that would overflow a balance is impossible in practice (L1 supply is bounded by
    uint256 too) but would be clamped by the checked arithmetic raising; the caller treats that as a
    skipped message.
    """
    state = Overlay(block_state)
    context = CallContext(state=state, block=block, sender=L2_BRIDGE, value=0)
    if isinstance(deposit, EthDeposit):
        key = account_key(deposit.recipient)
        account: Account = state.get(key)
        state.set(key, account._replace(balance=add(account.balance, deposit.amount)))
        l2_token = bytes(20)
    else:
        l2_token = compute_bridged_token_address(deposit.l1_token)
        leaf: Token = state.get(token_key(l2_token))
        if leaf.registered == 0:
            state.set(
                token_key(l2_token),
                Token(
                    registered=1,
                    total_supply=0,
                    decimals=deposit.decimals,
                    l1_token=int.from_bytes(deposit.l1_token, "big"),
                    name=encode_short_string(truncate_utf8(deposit.name)),
                    symbol=encode_short_string(truncate_utf8(deposit.symbol)),
                ),
            )
        mint_tokens(context, l2_token, deposit.recipient, deposit.amount)
    context.emit(
        L2_BRIDGE,
        (
            DEPOSIT_FINALIZED_TOPIC,
            encode_word(queue_index),
            encode_address_topic(deposit.sender),
            encode_address_topic(deposit.recipient),
        ),
        encode_arguments(["address", "uint256"], [l2_token, deposit.amount]),
    )
    state.commit()
    return tuple(context.logs)
