"""Signed transactions: the codec for what wallets send with `eth_sendRawTransaction`.

Three encodings are accepted, exactly as on Ethereum:

- legacy, with EIP-155 replay protection:
  ``rlp([nonce, gas_price, gas_limit, to, value, data, v, r, s])`` where
  ``v = chain_id * 2 + 35 + y_parity``; the sender signed
  ``rlp([nonce, gas_price, gas_limit, to, value, data, chain_id, 0, 0])``;
- access list (EIP-2930): ``0x01 || rlp([chain_id, nonce, gas_price, gas_limit, to, value, data,
  access_list, y_parity, r, s])``;
- dynamic fee (EIP-1559): ``0x02 || rlp([chain_id, nonce, max_priority_fee_per_gas,
  max_fee_per_gas, gas_limit, to, value, data, access_list, y_parity, r, s])``.

A typed transaction's sender signed ``type || rlp(fields without y_parity, r, s)`` (EIP-2718).

Decoding is strict: every accepted byte string decodes to one transaction, and encoding that
transaction gives back the same bytes, so a transaction hash names exactly one transaction. Legacy
transactions without EIP-155 (v = 27 or 28) are refused: they are valid on every chain, so anyone
could replay them here from Ethereum or from another rollup.

Decoding checks the form of a transaction, not whether it may run: the chain id, the nonce, fees
and contract creation (``to is None``) are the state machine's to judge.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

import rlp
from rlp.codec import consume_length_prefix, length_prefix
from rlp.exceptions import DecodingError

from rollup.crypto import InvalidSignature, keccak256, recover_address, sign_message_hash

TX_TYPE_LEGACY = 0
TX_TYPE_ACCESS_LIST = 1
TX_TYPE_DYNAMIC_FEE = 2

MAX_TRANSACTION_SIZE = 128 * 1024
"""Largest accepted raw transaction, type byte included, in bytes (geth's txpool limit)."""

ADDRESS_LENGTH = 20
STORAGE_KEY_LENGTH = 32
MAX_INTEGER_LENGTH = 32
"""Every integer field is a uint256: at most 32 big-endian bytes."""

EIP155_V_OFFSET = 35
"""v = chain_id * 2 + EIP155_V_OFFSET + y_parity for legacy transactions (EIP-155)."""

PRE_EIP155_V = (27, 28)

LEGACY_FIELD_COUNT = 9
ACCESS_LIST_FIELD_COUNT = 11
DYNAMIC_FEE_FIELD_COUNT = 12

LIST_PREFIX_OFFSET = 0xC0
"""RLP: a first byte at or above this starts a list (EIP-2718: a legacy transaction)."""

STRING_PREFIX_OFFSET = 0x80
"""RLP: a byte string's prefix starts here (a single byte below it is its own encoding)."""

MAX_TX_TYPE = 0x7F
"""EIP-2718: a first byte at or below this is a transaction type."""

AccessList = tuple[tuple[bytes, tuple[bytes, ...]], ...]
"""EIP-2930 access list: (address, storage keys) pairs."""

_RLP_EMPTY_STRING = rlp.encode(b"")


class InvalidTransaction(ValueError):
    """A transaction that breaks an encoding or signature rule; the message names the rule."""


@dataclass(frozen=True, slots=True)
class Transaction:
    """A signed transaction of any supported type.

    Legacy and access-list transactions have a single gas price, held in both
    `max_priority_fee_per_gas` and `max_fee_per_gas` so that fee rules see one shape. A legacy
    transaction's `chain_id` and `y_parity` come from its EIP-155 v. `to` is None for contract
    creation. y_parity, r and s are 0 on a transaction not yet signed.
    """

    tx_type: int
    chain_id: int
    nonce: int
    max_priority_fee_per_gas: int
    max_fee_per_gas: int
    gas_limit: int
    to: bytes | None
    value: int
    data: bytes
    access_list: AccessList
    y_parity: int = 0
    r: int = 0
    s: int = 0

    @property
    def gas_price(self) -> int:
        """The gas price of a legacy or access-list transaction; a dynamic-fee one's max fee."""
        return self.max_fee_per_gas


get_transaction_fields: Callable[[Transaction], tuple[Any, ...]] = operator.attrgetter(
    *(field.name for field in fields(Transaction))
)
"""A transaction's fields in order: Transaction(*fields) is the same transaction. Worker processes
are sent these tuples, which pickle several times faster than the dataclass."""


def decode_transaction(raw: bytes) -> Transaction:
    """Decode the raw bytes of a signed transaction, typed (EIP-2718) or legacy.

    Raises InvalidTransaction unless `raw` is exactly one canonical encoding of a supported type.
    The signature is not checked here; `recover_sender` checks it.
    """
    return _decode(raw)[0]


def decode_and_recover(raw: bytes) -> tuple[Transaction, bytes, bytes]:
    """Decode a raw transaction and recover its sender: return (transaction, sender, hash).

    The stateless hot path of `eth_sendRawTransaction`. Nothing is re-encoded: the message the
    sender signed is cut out of `raw`. Module-level and free of state, so that a process pool can
    run it; its arguments and results pickle.
    """
    tx, signing_message = _decode(raw)
    sender = _recover(tx, keccak256(signing_message))
    return tx, sender, keccak256(raw)


def encode_transaction(tx: Transaction) -> bytes:
    """Return the raw signed bytes of `tx`, as `eth_sendRawTransaction` carries them."""
    fields = _encode_unsigned_fields(tx)
    if tx.y_parity not in (0, 1):
        raise InvalidTransaction("y_parity must be 0 or 1")
    r = _encode_uint(tx.r)
    s = _encode_uint(tx.s)
    if tx.tx_type == TX_TYPE_LEGACY:
        _encode_uint(tx.chain_id)  # a negative chain id could still give a positive v
        v = _encode_uint(tx.chain_id * 2 + EIP155_V_OFFSET + tx.y_parity)
        return _encode_rlp([*fields, v, r, s])
    return bytes((tx.tx_type,)) + _encode_rlp([*fields, _encode_uint(tx.y_parity), r, s])


def compute_signing_hash(tx: Transaction) -> bytes:
    """Return the hash the sender signs: EIP-155 for legacy, `type || rlp(unsigned)` otherwise."""
    fields = _encode_unsigned_fields(tx)
    if tx.tx_type == TX_TYPE_LEGACY:
        fields += [_encode_uint(tx.chain_id), b"", b""]
        return keccak256(_encode_rlp(fields))
    return keccak256(bytes((tx.tx_type,)) + _encode_rlp(fields))


def encode_with_signing_hash(tx: Transaction) -> tuple[bytes, bytes]:
    """Return ``(encode_transaction(tx), compute_signing_hash(tx))`` from one encoding of `tx`.

    The raw transaction and the message its sender signed both hold the RLP of every field before
    the signature: it is encoded once here and framed twice, legacy as
    ``rlp([fields, v, r, s])`` and ``rlp([fields, chain_id, 0, 0])``, typed as
    ``type || rlp([fields, y_parity, r, s])`` and ``type || rlp([fields])``. A list's RLP is its
    length prefix followed by its items' RLP, so the frames are exactly what encoding each list
    whole gives. Raises what encode_transaction raises, in the same order.
    """
    fields = _encode_unsigned_fields(tx)
    if tx.y_parity not in (0, 1):
        raise InvalidTransaction("y_parity must be 0 or 1")
    signature = _encode_rlp_string(_encode_uint(tx.r)) + _encode_rlp_string(_encode_uint(tx.s))
    if tx.tx_type == TX_TYPE_LEGACY:
        chain_id = _encode_uint(tx.chain_id)  # a negative chain id could still give a positive v
        v = _encode_uint(tx.chain_id * 2 + EIP155_V_OFFSET + tx.y_parity)
        body = b"".join([_encode_rlp_string(field) for field in fields])
        signed_tail = _encode_rlp_string(v) + signature
        unsigned_tail = _encode_rlp_string(chain_id) + _RLP_EMPTY_STRING + _RLP_EMPTY_STRING
        raw = b"".join(
            (length_prefix(len(body) + len(signed_tail), LIST_PREFIX_OFFSET), body, signed_tail)
        )
        message = b"".join(
            (length_prefix(len(body) + len(unsigned_tail), LIST_PREFIX_OFFSET), body, unsigned_tail)
        )
        return raw, keccak256(message)
    *items, access_list = fields
    body = b"".join([*[_encode_rlp_string(item) for item in items], _encode_rlp(access_list)])
    signed_tail = _encode_rlp_string(_encode_uint(tx.y_parity)) + signature
    type_byte = bytes((tx.tx_type,))
    raw = b"".join(
        (
            type_byte,
            length_prefix(len(body) + len(signed_tail), LIST_PREFIX_OFFSET),
            body,
            signed_tail,
        )
    )
    message = b"".join((type_byte, length_prefix(len(body), LIST_PREFIX_OFFSET), body))
    return raw, keccak256(message)


def recover_signer(tx: Transaction, signing_hash: bytes) -> bytes:
    """Return the address whose signature `tx` carries over `signing_hash` (recover_sender with
    the signing hash already computed, e.g. by encode_with_signing_hash).

    Raises InvalidTransaction("invalid signature") exactly as recover_sender does.
    """
    return _recover(tx, signing_hash)


def compute_transaction_hash(raw: bytes) -> bytes:
    """Return the transaction hash: keccak256 of the raw signed bytes."""
    return keccak256(raw)


def recover_sender(tx: Transaction) -> bytes:
    """Return the 20-byte address that signed `tx`.

    Raises InvalidTransaction("invalid signature") if the signature does not recover, including
    r or s out of range and a high s (EIP-2); the cause names the exact reason.
    """
    return _recover(tx, compute_signing_hash(tx))


def sign_transaction(tx: Transaction, private_key: bytes) -> Transaction:
    """Return a copy of `tx` signed with `private_key` (low s, as wallets sign)."""
    y_parity, r, s = sign_message_hash(private_key, compute_signing_hash(tx))
    return replace(tx, y_parity=y_parity, r=r, s=s)


def _recover(tx: Transaction, signing_hash: bytes) -> bytes:
    """Recover the signer of `signing_hash` from the signature of `tx`."""
    try:
        return recover_address(signing_hash, tx.y_parity, tx.r, tx.s)
    except InvalidSignature as exc:
        raise InvalidTransaction("invalid signature") from exc


def _decode(raw: bytes) -> tuple[Transaction, bytes]:
    """Decode `raw`; return the transaction and the exact message its sender signed."""
    if len(raw) > MAX_TRANSACTION_SIZE:
        raise InvalidTransaction(f"transaction larger than {MAX_TRANSACTION_SIZE} bytes")
    if not raw:
        raise InvalidTransaction("empty transaction")
    first = raw[0]
    if first >= LIST_PREFIX_OFFSET:
        return _decode_legacy(raw)
    if first in (TX_TYPE_DYNAMIC_FEE, TX_TYPE_ACCESS_LIST):
        return _decode_typed(raw, first)
    if first <= MAX_TX_TYPE:
        raise InvalidTransaction(f"transaction type 0x{first:02x} is not supported")
    raise InvalidTransaction("transaction is not an RLP list")


def _decode_legacy(raw: bytes) -> tuple[Transaction, bytes]:
    """Decode an EIP-155 legacy transaction and rebuild the message its sender signed."""
    body_start, fields = _read_fields(
        raw, 0, LEGACY_FIELD_COUNT, f"legacy transaction must have {LEGACY_FIELD_COUNT} fields"
    )
    nonce, gas_price, gas_limit, to, value, data, v_field, r, s = fields
    v = _decode_uint(raw, v_field)
    if v < EIP155_V_OFFSET:
        if v in PRE_EIP155_V:
            raise InvalidTransaction("legacy transaction without EIP-155 replay protection")
        raise InvalidTransaction("invalid legacy v value")
    chain_id, y_parity = divmod(v - EIP155_V_OFFSET, 2)
    price = _decode_uint(raw, gas_price)
    tx = Transaction(
        tx_type=TX_TYPE_LEGACY,
        chain_id=chain_id,
        nonce=_decode_uint(raw, nonce),
        max_priority_fee_per_gas=price,
        max_fee_per_gas=price,
        gas_limit=_decode_uint(raw, gas_limit),
        to=_decode_to(raw, to),
        value=_decode_uint(raw, value),
        data=_decode_bytes(raw, data),
        access_list=(),
        y_parity=y_parity,
        r=_decode_uint(raw, r),
        s=_decode_uint(raw, s),
    )
    # EIP-155: the sender signed the six fields before v, then chain_id, 0, 0. Decoding was
    # canonical, so the bytes of those six fields in `raw` are their canonical encoding.
    unsigned_end = data[2]
    replay_protection = _encode_rlp(_encode_uint(chain_id)) + _RLP_EMPTY_STRING + _RLP_EMPTY_STRING
    prefix = length_prefix(unsigned_end - body_start + len(replay_protection), LIST_PREFIX_OFFSET)
    message = b"".join((prefix, memoryview(raw)[body_start:unsigned_end], replay_protection))
    return tx, message


def _decode_typed(raw: bytes, tx_type: int) -> tuple[Transaction, bytes]:
    """Decode an EIP-2930 or EIP-1559 transaction and cut out the message its sender signed."""
    if tx_type == TX_TYPE_DYNAMIC_FEE:
        body_start, fields = _read_fields(
            raw,
            1,
            DYNAMIC_FEE_FIELD_COUNT,
            f"dynamic fee transaction must have {DYNAMIC_FEE_FIELD_COUNT} fields",
        )
        max_priority_fee_per_gas = _decode_uint(raw, fields[2])
        max_fee_per_gas = _decode_uint(raw, fields[3])
    else:
        body_start, fields = _read_fields(
            raw,
            1,
            ACCESS_LIST_FIELD_COUNT,
            f"access list transaction must have {ACCESS_LIST_FIELD_COUNT} fields",
        )
        max_priority_fee_per_gas = max_fee_per_gas = _decode_uint(raw, fields[2])
    gas_limit, to, value, data, access_list, y_parity, r, s = fields[-8:]
    tx = Transaction(
        tx_type=tx_type,
        chain_id=_decode_uint(raw, fields[0]),
        nonce=_decode_uint(raw, fields[1]),
        max_priority_fee_per_gas=max_priority_fee_per_gas,
        max_fee_per_gas=max_fee_per_gas,
        gas_limit=_decode_uint(raw, gas_limit),
        to=_decode_to(raw, to),
        value=_decode_uint(raw, value),
        data=_decode_bytes(raw, data),
        access_list=_decode_access_list(raw, access_list),
        y_parity=_decode_y_parity(raw, y_parity),
        r=_decode_uint(raw, r),
        s=_decode_uint(raw, s),
    )
    # EIP-2718: the sender signed the type byte and the list of every field before y_parity.
    # Decoding was canonical, so those fields' bytes in `raw` are their canonical encoding.
    unsigned_end = access_list[2]
    prefix = length_prefix(unsigned_end - body_start, LIST_PREFIX_OFFSET)
    return tx, b"".join((raw[:1], prefix, memoryview(raw)[body_start:unsigned_end]))


# Decoding walks the RLP one item at a time with pyrlp's `consume_length_prefix`, which rejects
# every non-canonical length prefix, instead of decoding the whole tree with `rlp.decode`: each
# item's shape is checked as soon as it is read, so hostile input is rejected at its first wrong
# item. `rlp.decode` would first build the whole tree: 128 KiB of one-byte list items cost it
# about 0.4 s, and deep nesting raises RecursionError. The offsets also locate the signed fields
# without re-encoding them.

_Item = tuple[bool, int, int]
"""An RLP item found in the raw bytes: (is_list, payload_start, end)."""


def _read_item(raw: bytes, start: int, limit: int) -> _Item:
    """Read the length prefix of the RLP item at raw[start]; the item must end by `limit`."""
    try:
        _, kind, length, payload_start = consume_length_prefix(raw, start)
    except (DecodingError, IndexError) as exc:
        raise InvalidTransaction("malformed RLP") from exc
    end: int = payload_start + length
    if end > limit:
        raise InvalidTransaction("malformed RLP")
    return kind is list, payload_start, end


def _read_list(raw: bytes, start: int, end: int, count: int, error: str) -> list[_Item]:
    """Read the `count` items that exactly fill raw[start:end], else raise `error`."""
    items: list[_Item] = []
    while start < end:
        if len(items) == count:
            raise InvalidTransaction(error)
        item = _read_item(raw, start, end)
        items.append(item)
        start = item[2]
    if len(items) != count:
        raise InvalidTransaction(error)
    return items


def _read_fields(raw: bytes, start: int, count: int, error: str) -> tuple[int, list[_Item]]:
    """Read the list of `count` fields that spans raw[start:] exactly.

    Return where the list's payload starts and the fields.
    """
    is_list, body_start, end = _read_item(raw, start, len(raw))
    if end < len(raw):
        raise InvalidTransaction("trailing bytes")
    if not is_list:
        raise InvalidTransaction("transaction is not an RLP list")
    return body_start, _read_list(raw, body_start, end, count, error)


def _decode_bytes(raw: bytes, item: _Item) -> bytes:
    """Decode a byte string."""
    is_list, start, end = item
    if is_list:
        raise InvalidTransaction("expected a byte string, got a list")
    return raw[start:end]


def _decode_uint(raw: bytes, item: _Item) -> int:
    """Decode a uint256: at most 32 bytes, big-endian, no leading zero bytes, 0 as empty."""
    is_list, start, end = item
    if is_list:
        raise InvalidTransaction("expected a byte string, got a list")
    if end - start > MAX_INTEGER_LENGTH:
        raise InvalidTransaction(f"integer longer than {MAX_INTEGER_LENGTH} bytes")
    if end > start and raw[start] == 0:
        raise InvalidTransaction("non-canonical integer")
    return int.from_bytes(raw[start:end], "big")


def _decode_y_parity(raw: bytes, item: _Item) -> int:
    """Decode the y parity of a typed transaction's signature: 0 or 1."""
    y_parity = _decode_uint(raw, item)
    if y_parity > 1:
        raise InvalidTransaction("y_parity must be 0 or 1")
    return y_parity


def _decode_address(raw: bytes, item: _Item) -> bytes:
    """Decode a 20-byte address."""
    address = _decode_bytes(raw, item)
    if len(address) != ADDRESS_LENGTH:
        raise InvalidTransaction(f"address must be {ADDRESS_LENGTH} bytes")
    return address


def _decode_to(raw: bytes, item: _Item) -> bytes | None:
    """Decode the recipient: a 20-byte address, or empty for contract creation (None)."""
    is_list, start, end = item
    if not is_list and start == end:
        return None
    return _decode_address(raw, item)


def _decode_access_list(raw: bytes, item: _Item) -> AccessList:
    """Decode an EIP-2930 access list: a list of [address, [storage_key, ...]]."""
    is_list, position, end = item
    if not is_list:
        raise InvalidTransaction("access list must be a list")
    entry_error = "access list entry must be [address, storage_keys]"
    entries = []
    while position < end:
        entry_is_list, entry_start, position = _read_item(raw, position, end)
        if not entry_is_list:
            raise InvalidTransaction(entry_error)
        address, keys = _read_list(raw, entry_start, position, 2, entry_error)
        keys_are_list, key_position, keys_end = keys
        if not keys_are_list:
            raise InvalidTransaction("storage keys must be a list")
        storage_keys = []
        while key_position < keys_end:
            key_is_list, key_start, key_position = _read_item(raw, key_position, keys_end)
            if key_is_list or key_position - key_start != STORAGE_KEY_LENGTH:
                raise InvalidTransaction(f"storage key must be {STORAGE_KEY_LENGTH} bytes")
            storage_keys.append(raw[key_start:key_position])
        entries.append((_decode_address(raw, address), tuple(storage_keys)))
    return tuple(entries)


def _encode_rlp(item: bytes | list[Any]) -> bytes:
    """RLP-encode a byte string or a nested list of byte strings (tuples count as lists)."""
    encoded: bytes = rlp.encode(item, infer_serializer=False)
    return encoded


def _encode_rlp_string(item: bytes) -> bytes:
    """RLP-encode a byte string: what _encode_rlp gives for one, without pyrlp's dispatch."""
    if len(item) == 1 and item[0] < STRING_PREFIX_OFFSET:
        return item
    prefix: bytes = length_prefix(len(item), STRING_PREFIX_OFFSET)
    return prefix + item


def _encode_unsigned_fields(tx: Transaction) -> list[Any]:
    """Return the fields of `tx` before its signature, as RLP items, in the order of its type."""
    if tx.tx_type == TX_TYPE_DYNAMIC_FEE:
        head = [
            _encode_uint(tx.chain_id),
            _encode_uint(tx.nonce),
            _encode_uint(tx.max_priority_fee_per_gas),
            _encode_uint(tx.max_fee_per_gas),
        ]
    elif tx.tx_type in (TX_TYPE_LEGACY, TX_TYPE_ACCESS_LIST):
        if tx.max_priority_fee_per_gas != tx.max_fee_per_gas:
            raise InvalidTransaction(
                "legacy and access list transactions have a single gas price: "
                "max_priority_fee_per_gas must equal max_fee_per_gas"
            )
        head = [_encode_uint(tx.nonce), _encode_uint(tx.gas_price)]
        if tx.tx_type == TX_TYPE_ACCESS_LIST:
            head.insert(0, _encode_uint(tx.chain_id))
    else:
        raise InvalidTransaction(f"transaction type 0x{tx.tx_type:02x} is not supported")
    if tx.to is not None and len(tx.to) != ADDRESS_LENGTH:
        raise InvalidTransaction(f"address must be {ADDRESS_LENGTH} bytes")
    fields: list[Any] = [
        *head,
        _encode_uint(tx.gas_limit),
        b"" if tx.to is None else tx.to,
        _encode_uint(tx.value),
        tx.data,
    ]
    if tx.tx_type != TX_TYPE_LEGACY:
        _check_access_list(tx.access_list)
        fields.append(tx.access_list)
    elif tx.access_list:
        raise InvalidTransaction("legacy transaction cannot have an access list")
    return fields


def _check_access_list(access_list: AccessList) -> None:
    """Raise unless every address is 20 bytes and every storage key 32 bytes."""
    for address, keys in access_list:
        if len(address) != ADDRESS_LENGTH:
            raise InvalidTransaction(f"address must be {ADDRESS_LENGTH} bytes")
        for key in keys:
            if len(key) != STORAGE_KEY_LENGTH:
                raise InvalidTransaction(f"storage key must be {STORAGE_KEY_LENGTH} bytes")


def _encode_uint(value: int) -> bytes:
    """Encode a uint256 as the shortest big-endian bytes (0 as empty)."""
    if value < 0 or value.bit_length() > 8 * MAX_INTEGER_LENGTH:
        raise InvalidTransaction("integer out of uint256 range")
    return value.to_bytes((value.bit_length() + 7) // 8, "big")
