"""Tests for rollup.transaction, with eth-account as the oracle for the wire format."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
import rlp
from eth_account import Account
from eth_utils.address import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st
from rlp.codec import length_prefix

from rollup.crypto import SECP256K1_N, InvalidSignature
from rollup.transaction import (
    MAX_TRANSACTION_SIZE,
    TX_TYPE_ACCESS_LIST,
    TX_TYPE_DYNAMIC_FEE,
    TX_TYPE_LEGACY,
    InvalidTransaction,
    Transaction,
    compute_signing_hash,
    compute_transaction_hash,
    decode_and_recover,
    decode_transaction,
    encode_transaction,
    recover_sender,
    sign_transaction,
)

PRIVATE_KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
ACCOUNT = Account.from_key(PRIVATE_KEY)
SENDER = bytes.fromhex(ACCOUNT.address[2:])
UINT256_MAX = 2**256 - 1
MAX_LEGACY_CHAIN_ID = (UINT256_MAX - 36) // 2  # largest chain id whose EIP-155 v fits 32 bytes

RECIPIENT = to_checksum_address("0x" + "d3" * 20)
STORAGE_KEY = "0x" + "00" * 31 + "01"
TRANSFER_CALLDATA = bytes.fromhex("a9059cbb") + bytes(12) + bytes.fromhex("ab" * 20) + bytes(32)

ORACLE_TRANSACTIONS: dict[str, dict[str, Any]] = {
    "legacy": {
        "nonce": 0,
        "gasPrice": 20 * 10**9,
        "gas": 21_000,
        "to": RECIPIENT,
        "value": 10**18,
        "data": b"",
        "chainId": 1,
    },
    "legacy_large_values": {
        "nonce": 2**64 - 2,
        "gasPrice": 2**200,
        "gas": 30_000_000,
        "to": RECIPIENT,
        "value": UINT256_MAX,
        "data": bytes(range(256)) * 2,
        "chainId": 2**40 + 7,
    },
    "legacy_contract_creation": {
        "nonce": 3,
        "gasPrice": 1,
        "gas": 100_000,
        "to": b"",
        "value": 0,
        "data": bytes.fromhex("6080604052"),
        "chainId": 42161,
    },
    "access_list": {
        "type": 1,
        "chainId": 42161,
        "nonce": 5,
        "gasPrice": 10**9,
        "gas": 80_000,
        "to": RECIPIENT,
        "value": 0,
        "data": TRANSFER_CALLDATA,
        "accessList": [
            {
                "address": to_checksum_address("0x" + "aa" * 20),
                "storageKeys": [STORAGE_KEY, "0x" + "ff" * 32],
            },
            {"address": to_checksum_address("0x" + "bb" * 20), "storageKeys": []},
        ],
    },
    "access_list_empty": {
        "type": 1,
        "chainId": 1,
        "nonce": 0,
        "gasPrice": 0,
        "gas": 21_000,
        "to": RECIPIENT,
        "value": 1,
        "data": b"",
        "accessList": [],
    },
    "dynamic_fee": {
        "type": 2,
        "chainId": 42161,
        "nonce": 9,
        "maxPriorityFeePerGas": 10**9,
        "maxFeePerGas": 3 * 10**10,
        "gas": 100_000,
        "to": RECIPIENT,
        "value": 0,
        "data": TRANSFER_CALLDATA,
        "accessList": [],
    },
    "dynamic_fee_access_list": {
        "type": 2,
        "chainId": 10,
        "nonce": 127,
        "maxPriorityFeePerGas": 0,
        "maxFeePerGas": 128,
        "gas": 250_000,
        "to": RECIPIENT,
        "value": 255,
        "data": bytes(600),
        "accessList": [{"address": RECIPIENT, "storageKeys": [STORAGE_KEY]}],
    },
    "dynamic_fee_contract_creation": {
        "type": 2,
        "chainId": 1,
        "nonce": 0,
        "maxPriorityFeePerGas": 1,
        "maxFeePerGas": 2,
        "gas": 500_000,
        "value": 0,
        "data": bytes.fromhex("6080604052") * 20,
        "accessList": [],
    },
}
ORACLE_IDS = list(ORACLE_TRANSACTIONS)


def sign_with_eth_account(fields: dict[str, Any]) -> Any:
    """Sign a transaction dict with eth-account; return its SignedTransaction."""
    return ACCOUNT.sign_transaction(fields)


def oracle_raw(name: str) -> bytes:
    return bytes(sign_with_eth_account(ORACLE_TRANSACTIONS[name]).raw_transaction)


def expected_transaction(fields: dict[str, Any], signed: Any) -> Transaction:
    """The Transaction a transaction dict describes, with eth-account's signature."""
    tx_type = fields.get("type", TX_TYPE_LEGACY)
    if tx_type == TX_TYPE_DYNAMIC_FEE:
        priority_fee, max_fee = fields["maxPriorityFeePerGas"], fields["maxFeePerGas"]
    else:
        priority_fee = max_fee = fields["gasPrice"]
    to = fields.get("to") or None
    access_list = tuple(
        (
            bytes.fromhex(entry["address"][2:]),
            tuple(bytes.fromhex(key[2:]) for key in entry["storageKeys"]),
        )
        for entry in fields.get("accessList", [])
    )
    y_parity = (signed.v - 35) % 2 if tx_type == TX_TYPE_LEGACY else signed.v
    return Transaction(
        tx_type=tx_type,
        chain_id=fields["chainId"],
        nonce=fields["nonce"],
        max_priority_fee_per_gas=priority_fee,
        max_fee_per_gas=max_fee,
        gas_limit=fields["gas"],
        to=None if to is None else bytes.fromhex(to[2:]),
        value=fields["value"],
        data=fields["data"],
        access_list=access_list,
        y_parity=y_parity,
        r=signed.r,
        s=signed.s,
    )


def reencode(raw: bytes, mutate: Callable[[list[Any]], None]) -> bytes:
    """Decode `raw` as plain RLP, let `mutate` change its field list, and encode it back."""
    type_prefix, payload = (raw[:1], raw[1:]) if raw[0] < 0xC0 else (b"", raw)
    fields = rlp.decode(payload)
    mutate(fields)
    encoded: bytes = rlp.encode(fields)
    return type_prefix + encoded


def unsigned_dynamic_fee_transaction(data: bytes = b"") -> Transaction:
    return Transaction(
        tx_type=TX_TYPE_DYNAMIC_FEE,
        chain_id=42161,
        nonce=1,
        max_priority_fee_per_gas=10**9,
        max_fee_per_gas=2 * 10**9,
        gas_limit=10_000_000,
        to=bytes.fromhex("d3" * 20),
        value=0,
        data=data,
        access_list=(),
    )


def signed_transaction_of_size(size: int) -> bytes:
    """A signed dynamic-fee transaction whose raw encoding is exactly `size` bytes."""
    data_length = size - 200
    for _ in range(5):  # a new signature can be a byte shorter (r or s below 2**248): retry
        tx = sign_transaction(unsigned_dynamic_fee_transaction(bytes(data_length)), PRIVATE_KEY)
        raw = encode_transaction(tx)
        if len(raw) == size:
            return raw
        data_length += size - len(raw)
    raise AssertionError(f"could not build a {size}-byte transaction")


# --- eth-account as the oracle -------------------------------------------------------------------


@pytest.mark.parametrize("name", ORACLE_IDS)
def test_decode_yields_the_fields_eth_account_signed(name: str) -> None:
    signed = sign_with_eth_account(ORACLE_TRANSACTIONS[name])
    decoded = decode_transaction(bytes(signed.raw_transaction))
    assert decoded == expected_transaction(ORACLE_TRANSACTIONS[name], signed)


@pytest.mark.parametrize("name", ORACLE_IDS)
def test_encode_reproduces_eth_account_raw_bytes(name: str) -> None:
    raw = oracle_raw(name)
    assert encode_transaction(decode_transaction(raw)) == raw


@pytest.mark.parametrize("name", ORACLE_IDS)
def test_transaction_hash_equals_eth_account_hash(name: str) -> None:
    signed = sign_with_eth_account(ORACLE_TRANSACTIONS[name])
    assert compute_transaction_hash(bytes(signed.raw_transaction)) == bytes(signed.hash)


@pytest.mark.parametrize("name", ORACLE_IDS)
def test_recover_sender_returns_eth_account_signer(name: str) -> None:
    assert recover_sender(decode_transaction(oracle_raw(name))) == SENDER


@pytest.mark.parametrize("name", ORACLE_IDS)
def test_decode_and_recover_returns_transaction_signer_and_hash(name: str) -> None:
    signed = sign_with_eth_account(ORACLE_TRANSACTIONS[name])
    raw = bytes(signed.raw_transaction)
    assert decode_and_recover(raw) == (decode_transaction(raw), SENDER, bytes(signed.hash))


@pytest.mark.parametrize("name", ORACLE_IDS)
def test_sign_transaction_produces_bytes_eth_account_recovers_to_signer(name: str) -> None:
    unsigned = replace(decode_transaction(oracle_raw(name)), y_parity=0, r=0, s=0)
    raw = encode_transaction(sign_transaction(unsigned, PRIVATE_KEY))
    assert Account.recover_transaction(raw) == ACCOUNT.address


@pytest.mark.parametrize("name", ORACLE_IDS)
def test_sign_transaction_reproduces_eth_account_signature(name: str) -> None:
    # Both sign with RFC 6979 deterministic nonces and low s, so the signatures are identical.
    raw = oracle_raw(name)
    unsigned = replace(decode_transaction(raw), y_parity=0, r=0, s=0)
    assert encode_transaction(sign_transaction(unsigned, PRIVATE_KEY)) == raw


def test_gas_price_is_the_single_price_of_a_legacy_transaction() -> None:
    assert decode_transaction(oracle_raw("legacy")).gas_price == 20 * 10**9


def test_gas_price_is_the_max_fee_of_a_dynamic_fee_transaction() -> None:
    assert decode_transaction(oracle_raw("dynamic_fee")).gas_price == 3 * 10**10


def test_decode_and_recover_runs_in_a_spawned_worker_process() -> None:
    raw = oracle_raw("dynamic_fee")
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        assert pool.submit(decode_and_recover, raw).result() == decode_and_recover(raw)


# --- properties ----------------------------------------------------------------------------------

uint256s = st.integers(min_value=0, max_value=UINT256_MAX)
addresses = st.binary(min_size=20, max_size=20)
storage_keys = st.binary(min_size=32, max_size=32)
access_lists = st.lists(
    st.tuples(addresses, st.lists(storage_keys, max_size=3).map(tuple)), max_size=3
).map(tuple)


@st.composite
def transactions(draw: st.DrawFn) -> Transaction:
    """Any transaction that encode_transaction accepts, of any supported type."""
    tx_type = draw(st.sampled_from([TX_TYPE_LEGACY, TX_TYPE_ACCESS_LIST, TX_TYPE_DYNAMIC_FEE]))
    if tx_type == TX_TYPE_LEGACY:
        chain_id = draw(st.integers(min_value=0, max_value=MAX_LEGACY_CHAIN_ID))
    else:
        chain_id = draw(uint256s)
    max_fee = draw(uint256s)
    priority_fee = draw(uint256s) if tx_type == TX_TYPE_DYNAMIC_FEE else max_fee
    return Transaction(
        tx_type=tx_type,
        chain_id=chain_id,
        nonce=draw(uint256s),
        max_priority_fee_per_gas=priority_fee,
        max_fee_per_gas=max_fee,
        gas_limit=draw(uint256s),
        to=draw(st.none() | addresses),
        value=draw(uint256s),
        data=draw(st.binary(max_size=300)),
        access_list=() if tx_type == TX_TYPE_LEGACY else draw(access_lists),
        y_parity=draw(st.integers(min_value=0, max_value=1)),
        r=draw(uint256s),
        s=draw(uint256s),
    )


@given(transactions())
def test_decode_inverts_encode_for_any_valid_transaction(tx: Transaction) -> None:
    assert decode_transaction(encode_transaction(tx)) == tx


@settings(max_examples=50)
@given(transactions())
def test_decode_and_recover_recovers_the_signer_of_any_signed_transaction(tx: Transaction) -> None:
    raw = encode_transaction(sign_transaction(tx, PRIVATE_KEY))
    _, sender, tx_hash = decode_and_recover(raw)
    assert (sender, tx_hash) == (SENDER, compute_transaction_hash(raw))


@given(
    st.sampled_from(ORACLE_IDS),
    st.integers(min_value=0),
    st.sampled_from(["replace", "insert", "delete"]),
    st.integers(min_value=0, max_value=255),
)
def test_decode_accepts_a_corrupted_transaction_only_if_it_reencodes_to_the_same_bytes(
    name: str, position: int, edit: str, byte: int
) -> None:
    raw = bytearray(oracle_raw(name))
    position %= len(raw)
    if edit == "replace":
        raw[position] = byte
    elif edit == "insert":
        raw.insert(position, byte)
    else:
        del raw[position]
    try:
        tx = decode_transaction(bytes(raw))
    except InvalidTransaction:
        return
    assert encode_transaction(tx) == raw


@given(st.sampled_from([b"", b"\x01", b"\x02"]), st.binary(max_size=400))
def test_decode_raises_only_invalid_transaction_on_arbitrary_bytes(
    prefix: bytes, body: bytes
) -> None:
    raw = prefix + body
    try:
        tx = decode_transaction(raw)
    except InvalidTransaction:
        return
    assert encode_transaction(tx) == raw


# --- rejections ----------------------------------------------------------------------------------


def test_decode_rejects_unknown_transaction_type() -> None:
    raw = b"\x05" + oracle_raw("dynamic_fee")[1:]
    with pytest.raises(InvalidTransaction, match=r"^transaction type 0x05 is not supported$"):
        decode_transaction(raw)


def test_decode_rejects_empty_bytes() -> None:
    with pytest.raises(InvalidTransaction, match=r"^empty transaction$"):
        decode_transaction(b"")


def test_decode_rejects_garbage_bytes() -> None:
    with pytest.raises(InvalidTransaction, match=r"^malformed RLP$"):
        decode_transaction(bytes.fromhex("deadbeef"))


def test_decode_rejects_an_rlp_string_where_a_list_belongs() -> None:
    with pytest.raises(InvalidTransaction, match=r"^transaction is not an RLP list$"):
        decode_transaction(rlp.encode(b"not a transaction"))


def test_decode_rejects_truncated_transaction() -> None:
    with pytest.raises(InvalidTransaction, match=r"^malformed RLP$"):
        decode_transaction(oracle_raw("dynamic_fee")[:-1])


@pytest.mark.parametrize("name", ["legacy", "access_list", "dynamic_fee"])
def test_decode_rejects_trailing_bytes(name: str) -> None:
    with pytest.raises(InvalidTransaction, match=r"^trailing bytes$"):
        decode_transaction(oracle_raw(name) + b"\x00")


def test_decode_rejects_deeply_nested_lists_without_recursing() -> None:
    raw = b"\xc0"
    while len(raw) < MAX_TRANSACTION_SIZE - 8:
        raw = length_prefix(len(raw), 0xC0) + raw
    with pytest.raises(InvalidTransaction, match=r"^legacy transaction must have 9 fields$"):
        decode_transaction(raw)


def test_decode_rejects_an_access_list_stuffed_with_non_entries() -> None:
    def stuff_access_list(fields: list[Any]) -> None:
        fields[8] = [b"\x01"] * 100_000

    with pytest.raises(
        InvalidTransaction, match=r"^access list entry must be \[address, storage_keys\]$"
    ):
        decode_transaction(reencode(oracle_raw("dynamic_fee"), stuff_access_list))


def test_decode_rejects_non_canonical_rlp_length() -> None:
    # A single byte below 0x80 is its own encoding: 0x81 0x09 is a second encoding of nonce 9.
    fields = rlp.decode(oracle_raw("dynamic_fee")[1:])
    assert fields[1] == b"\x09"
    encodings = [rlp.encode(field) for field in fields]
    encodings[1] = b"\x81\x09"
    body = b"".join(encodings)
    forged = b"\x02" + length_prefix(len(body), 0xC0) + body
    with pytest.raises(InvalidTransaction, match=r"^malformed RLP$"):
        decode_transaction(forged)


def test_decode_rejects_integer_with_leading_zero() -> None:
    def pad_nonce(fields: list[Any]) -> None:
        fields[1] = b"\x00" + fields[1]

    with pytest.raises(InvalidTransaction, match=r"^non-canonical integer$"):
        decode_transaction(reencode(oracle_raw("dynamic_fee"), pad_nonce))


def test_decode_rejects_zero_encoded_as_a_zero_byte() -> None:
    def zero_value_as_byte(fields: list[Any]) -> None:
        fields[6] = b"\x00"

    with pytest.raises(InvalidTransaction, match=r"^non-canonical integer$"):
        decode_transaction(reencode(oracle_raw("dynamic_fee"), zero_value_as_byte))


def test_decode_rejects_integer_longer_than_32_bytes() -> None:
    def widen_value(fields: list[Any]) -> None:
        fields[6] = b"\x01" + bytes(32)

    with pytest.raises(InvalidTransaction, match=r"^integer longer than 32 bytes$"):
        decode_transaction(reencode(oracle_raw("dynamic_fee"), widen_value))


def test_decode_rejects_19_byte_to() -> None:
    def shorten_to(fields: list[Any]) -> None:
        fields[5] = fields[5][:19]

    with pytest.raises(InvalidTransaction, match=r"^address must be 20 bytes$"):
        decode_transaction(reencode(oracle_raw("dynamic_fee"), shorten_to))


def test_decode_rejects_31_byte_storage_key() -> None:
    def shorten_key(fields: list[Any]) -> None:
        fields[7][0][1][0] = fields[7][0][1][0][1:]

    with pytest.raises(InvalidTransaction, match=r"^storage key must be 32 bytes$"):
        decode_transaction(reencode(oracle_raw("access_list"), shorten_key))


def test_decode_rejects_a_list_where_an_integer_belongs() -> None:
    def nest_nonce(fields: list[Any]) -> None:
        fields[1] = [fields[1]]

    with pytest.raises(InvalidTransaction, match=r"^expected a byte string, got a list$"):
        decode_transaction(reencode(oracle_raw("dynamic_fee"), nest_nonce))


def test_decode_rejects_missing_field() -> None:
    def drop_access_list(fields: list[Any]) -> None:
        del fields[8]

    with pytest.raises(InvalidTransaction, match=r"^dynamic fee transaction must have 12 fields$"):
        decode_transaction(reencode(oracle_raw("dynamic_fee"), drop_access_list))


def test_decode_rejects_y_parity_above_one() -> None:
    def set_parity_two(fields: list[Any]) -> None:
        fields[-3] = b"\x02"

    with pytest.raises(InvalidTransaction, match=r"^y_parity must be 0 or 1$"):
        decode_transaction(reencode(oracle_raw("dynamic_fee"), set_parity_two))


def test_decode_rejects_pre_eip155_legacy_transaction() -> None:
    fields = {
        key: value for key, value in ORACLE_TRANSACTIONS["legacy"].items() if key != "chainId"
    }
    signed = sign_with_eth_account(fields)
    assert signed.v in (27, 28)
    with pytest.raises(
        InvalidTransaction, match=r"^legacy transaction without EIP-155 replay protection$"
    ):
        decode_transaction(bytes(signed.raw_transaction))


def test_decode_rejects_legacy_v_that_is_neither_eip155_nor_pre_eip155() -> None:
    def set_v_30(fields: list[Any]) -> None:
        fields[6] = b"\x1e"

    with pytest.raises(InvalidTransaction, match=r"^invalid legacy v value$"):
        decode_transaction(reencode(oracle_raw("legacy"), set_v_30))


def test_decode_and_recover_rejects_high_s_signature() -> None:
    # (r, n - s) with the other parity is the same signature in its high-s form, banned by EIP-2.
    def make_s_high(fields: list[Any]) -> None:
        s = int.from_bytes(fields[-1], "big")
        fields[-1] = (SECP256K1_N - s).to_bytes(32, "big")
        fields[-3] = b"" if fields[-3] == b"\x01" else b"\x01"

    with pytest.raises(InvalidTransaction, match=r"^invalid signature$") as excinfo:
        decode_and_recover(reencode(oracle_raw("dynamic_fee"), make_s_high))
    assert isinstance(excinfo.value.__cause__, InvalidSignature)


def test_decode_and_recover_rejects_zero_r() -> None:
    def zero_r(fields: list[Any]) -> None:
        fields[-2] = b""

    with pytest.raises(InvalidTransaction, match=r"^invalid signature$"):
        decode_and_recover(reencode(oracle_raw("dynamic_fee"), zero_r))


def test_recover_sender_rejects_unsigned_transaction() -> None:
    with pytest.raises(InvalidTransaction, match=r"^invalid signature$"):
        recover_sender(unsigned_dynamic_fee_transaction())


def test_decode_rejects_input_larger_than_max_transaction_size() -> None:
    raw = signed_transaction_of_size(MAX_TRANSACTION_SIZE + 1)
    with pytest.raises(InvalidTransaction, match=r"^transaction larger than 131072 bytes$"):
        decode_transaction(raw)


def test_decode_and_recover_accepts_transaction_of_exactly_max_size() -> None:
    raw = signed_transaction_of_size(MAX_TRANSACTION_SIZE)
    assert decode_and_recover(raw)[1] == SENDER


def test_encode_rejects_legacy_transaction_with_distinct_fee_caps() -> None:
    tx = replace(decode_transaction(oracle_raw("legacy")), max_priority_fee_per_gas=1)
    with pytest.raises(InvalidTransaction, match=r"^legacy and access list transactions have"):
        encode_transaction(tx)


def test_encode_rejects_integer_above_uint256() -> None:
    tx = replace(unsigned_dynamic_fee_transaction(), value=2**256)
    with pytest.raises(InvalidTransaction, match=r"^integer out of uint256 range$"):
        encode_transaction(tx)


def test_compute_signing_hash_differs_between_chains() -> None:
    tx = unsigned_dynamic_fee_transaction()
    assert compute_signing_hash(tx) != compute_signing_hash(replace(tx, chain_id=1))
