#!/usr/bin/env python3
"""Generate the vectors the one-step prover's forge tests check Solidity against Python with.

contracts/vectors/batch_reader.json (read by contracts/test/prover/BatchReader.t.sol): every
expectation in it is what rollup.batch's cursor readers (decompress_batch, read_payload_header,
read_block_header, read_transaction) and rollup.transaction (decode_transaction,
compute_signing_hash, recover_sender) return on the same bytes, so the forge test checks that
contracts/src/prover/BatchReader.sol accepts and decodes exactly as Python does:

- `batches`: real batches (encode_batch of transactions signed with rollup.transaction, all three
  types, access lists, data of every RLP length class, values up to 2^256 - 1, empty blocks, bad
  signatures), with the payload, the header, and, walked with the cursor readers, every block
  header and every transaction: its offset, the offset after it, its fields, its signing hash and
  its sender (or that recovery fails);
- `decompressCases`, `headerCases`, `blockCases`, `txCases`: crafted and mutated bytes with
  Python's verdict (ok or not) and, when ok, what Python decoded;
- `rawTxCases`: signed transactions as the Bridge's forced transactions carry them (RLP), valid and
  malformed (crafted and mutated), with Python's verdict, decoding, signing hash and sender.

Decoded values are compared as ABI encodings: a transaction as `abi.encode(BatchReader.L2Tx)`,
a header as `abi.encode(BatchReader.PayloadHeader)`, a block header as
`abi.encode(timestampDelta, originDelta, txCount, next)`.

contracts/vectors/batch_reader_large.json: a batch of ETH transfers as close to
MAX_BATCH_BYTES as pack_batch fills it, the transaction count and a digest of the walk
(keccak chain over offset, signing hash, sender of every transaction), for the walk and gas
tests; a decompression bomb that decodes (a batch of one transaction whose data fills the
payload to MAX_PAYLOAD_BYTES); and the `decompressCases` and `rawTxCases` whose input is over
LARGE_CASE_BYTES (batches of MAX_BATCH_BYTES, payloads of MAX_PAYLOAD_BYTES, transactions of
MAX_TRANSACTION_SIZE). It is a separate file because forge copies the whole JSON document into EVM
memory on every parse call.

Everything is deterministic (seeded RNG, RFC 6979 signatures). Usage, from the repository root
with the venv active:
    python scripts/gen_prover_vectors.py            # write the files
    python scripts/gen_prover_vectors.py --check    # exit 1 if the files differ from a fresh build
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from eth_abi.abi import encode as abi_encode

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from rollup import fastlz  # noqa: E402
from rollup.batch import (  # noqa: E402
    BATCH_VERSION,
    MAX_BATCH_BLOCKS,
    MAX_BATCH_BYTES,
    MAX_BATCH_TRANSACTIONS,
    MAX_PAYLOAD_BYTES,
    Batch,
    BatchBlock,
    InvalidBatch,
    PayloadHeader,
    decode_payload,
    decompress_batch,
    encode_batch,
    encode_payload,
    pack_batch,
    read_block_header,
    read_payload_header,
    read_transaction,
)
from rollup.crypto import SECP256K1_HALF_N, SECP256K1_N, keccak256  # noqa: E402
from rollup.transaction import (  # noqa: E402
    TX_TYPE_ACCESS_LIST,
    TX_TYPE_DYNAMIC_FEE,
    TX_TYPE_LEGACY,
    InvalidTransaction,
    Transaction,
    compute_signing_hash,
    decode_transaction,
    encode_transaction,
    recover_sender,
    sign_transaction,
)

VECTORS_DIR = REPO_ROOT / "contracts" / "vectors"
BATCH_READER_PATH = VECTORS_DIR / "batch_reader.json"
BATCH_READER_LARGE_PATH = VECTORS_DIR / "batch_reader_large.json"

SEED = 20_251_126
CHAIN_ID = 901
KEYS = tuple(bytes([i]) * 32 for i in range(1, 9))
PARENT_HASH = bytes(range(32))
PARENT_TIMESTAMP = 1_700_000_000
PARENT_ORIGIN = 5_000
UINT256_MAX = 2**256 - 1
ZERO_ADDRESS = bytes(20)

L2TX_ABI = (
    "(uint8,uint256,uint256,uint256,uint256,uint256,address,uint256,bytes,"
    "(address,bytes32[])[],uint256,bytes32,bytes32,bool)"
)
HEADER_ABI = "(uint256,bytes32,uint256,address[],uint256)"


# --- ABI encodings of what Python decoded ---------------------------------------------------------


def encode_l2tx(tx: Transaction) -> bytes:
    """abi.encode(BatchReader.L2Tx) of `tx` (isCreate for to = None, then `to` is zero)."""
    return abi_encode(
        [L2TX_ABI],
        [
            (
                tx.tx_type,
                tx.chain_id,
                tx.nonce,
                tx.max_priority_fee_per_gas,
                tx.max_fee_per_gas,
                tx.gas_limit,
                ZERO_ADDRESS if tx.to is None else tx.to,
                tx.value,
                tx.data,
                [(address, list(keys)) for address, keys in tx.access_list],
                tx.y_parity,
                tx.r.to_bytes(32, "big"),
                tx.s.to_bytes(32, "big"),
                tx.to is None,
            )
        ],
    )


def encode_header(header: PayloadHeader) -> bytes:
    """abi.encode(BatchReader.PayloadHeader)."""
    return abi_encode(
        [HEADER_ABI],
        [
            (
                header.first_block_number,
                header.parent_hash,
                header.block_count,
                list(header.dictionary),
                header.body_offset,
            )
        ],
    )


def encode_block_header(values: tuple[int, int, int, int]) -> bytes:
    return abi_encode(["uint256", "uint256", "uint256", "uint256"], list(values))


def encode_dictionary(dictionary: Sequence[bytes]) -> bytes:
    return abi_encode(["address[]"], [list(dictionary)])


def sender_of(tx: Transaction) -> tuple[bool, bytes]:
    """Python's recover_sender verdict: (True, sender) or (False, zero address)."""
    try:
        return True, recover_sender(tx)
    except InvalidTransaction:
        return False, ZERO_ADDRESS


def hexed(data: bytes) -> str:
    return "0x" + data.hex()


# --- transactions ---------------------------------------------------------------------------------


def _tx(
    tx_type: int,
    nonce: int,
    to: bytes | None,
    *,
    key: int = 0,
    tip: int = 1_000_000,
    fee: int = 2_000_000_000,
    gas: int = 21_000,
    value: int = 0,
    data: bytes = b"",
    access_list: tuple[tuple[bytes, tuple[bytes, ...]], ...] = (),
    chain_id: int = CHAIN_ID,
) -> Transaction:
    if tx_type != TX_TYPE_DYNAMIC_FEE:
        tip = fee
    tx = Transaction(tx_type, chain_id, nonce, tip, fee, gas, to, value, data, access_list)
    return sign_transaction(tx, KEYS[key])


def _address(i: int) -> bytes:
    return keccak256(b"address" + bytes([i]))[:20]


def _key(i: int) -> bytes:
    return keccak256(b"key" + i.to_bytes(2, "big"))


def _block(number: int, *transactions: Transaction, origin: int = 0) -> BatchBlock:
    return BatchBlock(PARENT_TIMESTAMP + number, PARENT_ORIGIN + origin, transactions)


def _batch(*blocks: BatchBlock, first: int = 100, chain_parent: bytes = PARENT_HASH) -> Batch:
    return Batch(first, chain_parent, PARENT_TIMESTAMP, PARENT_ORIGIN, tuple(blocks))


def real_batches(rng: random.Random) -> list[tuple[str, int, Batch]]:
    """(label, chain id, batch): signed transactions of all three types and every shape."""
    a = [_address(i) for i in range(12)]
    access_list = ((a[8], (_key(1), _key(2))), (a[9], ()), (ZERO_ADDRESS, (_key(3),)))
    mixed = _batch(
        _block(
            2,
            _tx(TX_TYPE_DYNAMIC_FEE, 0, a[0], value=10**18),
            _tx(
                TX_TYPE_ACCESS_LIST,
                7,
                a[1],
                key=1,
                fee=3 * 10**9,
                data=bytes(range(60)),
                access_list=access_list,
                gas=90_000,
            ),
            _tx(TX_TYPE_LEGACY, 1, a[0], fee=10**9, data=b"\x7f", value=5),
            _tx(TX_TYPE_DYNAMIC_FEE, 2, a[2], data=b"\x80", value=0x80, gas=0x7F),
        ),
        _block(5, origin=1),
        _block(
            6,
            _tx(
                TX_TYPE_DYNAMIC_FEE,
                2**64,
                a[1],
                key=2,
                tip=UINT256_MAX,
                fee=UINT256_MAX,
                gas=UINT256_MAX,
                value=UINT256_MAX,
                data=rng.randbytes(1000),
            ),
            _tx(TX_TYPE_ACCESS_LIST, 0, a[3], key=3, fee=0, gas=0, access_list=()),
            _tx(TX_TYPE_LEGACY, UINT256_MAX, ZERO_ADDRESS, key=4, fee=UINT256_MAX, value=1),
            origin=3,
        ),
    )
    transfers = []
    nonces = [0] * len(KEYS)
    for _ in range(24):
        key = rng.randrange(len(KEYS))
        tx_type = rng.choice((TX_TYPE_LEGACY, TX_TYPE_ACCESS_LIST, TX_TYPE_DYNAMIC_FEE))
        transfers.append(
            _tx(
                tx_type,
                nonces[key],
                a[rng.randrange(5)],
                key=key,
                value=rng.randrange(10**19),
                fee=rng.randrange(10**8, 10**11),
                tip=rng.randrange(10**9),
            )
        )
        nonces[key] += 1
    many_blocks = _batch(
        *(
            _block(1 + 2 * n, *transfers[4 * n : 4 * n + rng.randrange(5)], origin=n // 2)
            for n in range(6)
        ),
        _block(20, origin=9),
        _block(20, origin=9),  # same timestamp and origin: zero deltas
        first=2**64 - 9,
    )
    big = _batch(
        _block(
            1,
            _tx(
                TX_TYPE_ACCESS_LIST,
                3,
                a[4],
                key=5,
                data=rng.randbytes(5000),
                gas=10**6,
                access_list=tuple(
                    (a[i], tuple(_key(10 * i + k) for k in range(3))) for i in range(10)
                ),
            ),
            _tx(TX_TYPE_DYNAMIC_FEE, 4, a[5], key=5, data=rng.randbytes(55)),
            _tx(TX_TYPE_DYNAMIC_FEE, 5, a[5], key=5, data=rng.randbytes(56)),
            _tx(TX_TYPE_LEGACY, 6, a[6], key=5, data=rng.randbytes(300), fee=7),
        ),
        first=0,
        chain_parent=bytes(32),
    )
    big_chain = 2**64 + 5  # EIP-155 v of 9 bytes
    other_chain = _batch(
        _block(
            1,
            _tx(TX_TYPE_LEGACY, 0, a[7], chain_id=big_chain, fee=1, value=2),
            _tx(TX_TYPE_DYNAMIC_FEE, 1, a[7], chain_id=big_chain, tip=0, fee=0),
        ),
    )
    good = _tx(TX_TYPE_DYNAMIC_FEE, 9, a[10], key=6, value=3)
    bad_signatures = _batch(
        _block(
            1,
            replace(good, r=0),
            replace(good, s=0),
            replace(good, s=SECP256K1_HALF_N),  # in range: recovers some address
            replace(good, s=SECP256K1_HALF_N + 1),  # EIP-2 high s
            replace(good, s=(1 << 255) - 1),
            replace(good, r=SECP256K1_N),
            replace(good, r=SECP256K1_N - 1),
            replace(good, r=UINT256_MAX),
            replace(good, r=5),  # 5 is no curve point's x: does not recover
            replace(good, y_parity=1 - good.y_parity),  # the other point: another signer
            replace(good, value=4),  # the signature of another message
            good,
        )
    )
    return [
        ("mixed types, data classes, extreme values", CHAIN_ID, mixed),
        ("transfers over 8 blocks, empty blocks, uint64 block numbers", CHAIN_ID, many_blocks),
        ("large data and access lists", CHAIN_ID, big),
        ("chain id above 2^64", big_chain, other_chain),
        ("signatures that do not recover", CHAIN_ID, bad_signatures),
    ]


# --- the walk ---------------------------------------------------------------------------------


def walk(payload: bytes, chain_id: int) -> tuple[PayloadHeader, list[Any], list[Any]]:
    """Walk `payload` with the cursor readers: the header, every block header (offset, values)
    and every transaction (offset, transaction, next). Checks that it visits exactly the
    transactions decode_payload returns."""
    header = read_payload_header(payload)
    offset = header.body_offset
    blocks: list[Any] = []
    transactions: list[Any] = []
    for _ in range(header.block_count):
        values = read_block_header(payload, offset)
        blocks.append((offset, values))
        offset = values[3]
        for _ in range(values[2]):
            tx, after = read_transaction(payload, offset, header.dictionary, chain_id)
            transactions.append((offset, tx, after))
            offset = after
    assert offset == len(payload)
    decoded = decode_payload(payload, chain_id, 0, 0)
    assert [tx for _, tx, _ in transactions] == [
        tx for block in decoded.blocks for tx in block.transactions
    ]
    return header, blocks, transactions


def batches_section(rng: random.Random) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    batches: dict[str, list[Any]] = {
        k: []
        for k in ("labels", "data", "payloads", "chainIds", "headers", "blockCounts", "txCounts")
    }
    blocks: dict[str, list[Any]] = {k: [] for k in ("offsets", "encoded")}
    txs: dict[str, list[Any]] = {
        k: []
        for k in (
            "offsets",
            "nexts",
            "encoded",
            "signingHashes",
            "txHashes",
            "recoverOk",
            "senders",
        )
    }
    for label, chain_id, batch in real_batches(rng):
        data = encode_batch(batch)
        payload = decompress_batch(data)
        assert payload == encode_payload(batch)
        header, block_list, tx_list = walk(payload, chain_id)
        assert [tx for _, tx, _ in tx_list] == [
            tx for block in batch.blocks for tx in block.transactions
        ]
        batches["labels"].append(label)
        batches["data"].append(hexed(data))
        batches["payloads"].append(hexed(payload))
        batches["chainIds"].append(chain_id)
        batches["headers"].append(hexed(encode_header(header)))
        batches["blockCounts"].append(len(block_list))
        batches["txCounts"].append(len(tx_list))
        for offset, values in block_list:
            blocks["offsets"].append(offset)
            blocks["encoded"].append(hexed(encode_block_header(values)))
        for offset, tx, after in tx_list:
            ok, sender = sender_of(tx)
            txs["offsets"].append(offset)
            txs["nexts"].append(after)
            txs["encoded"].append(hexed(encode_l2tx(tx)))
            txs["signingHashes"].append(hexed(compute_signing_hash(tx)))
            txs["txHashes"].append(hexed(keccak256(encode_transaction(tx))))
            txs["recoverOk"].append(ok)
            txs["senders"].append(hexed(sender))
    # the chain id is in JSON as a string when above 2^53 (JSON numbers are doubles)
    batches["chainIds"] = [hexed(c.to_bytes(32, "big")) for c in batches["chainIds"]]
    return batches, blocks, txs


# --- crafted and mutated cases --------------------------------------------------------------------


def varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _head(
    *, first: bytes = b"\x2a", block_count: bytes = b"\x01", dictionary: Sequence[bytes] = ()
) -> bytes:
    return first + PARENT_HASH + block_count + varint(len(dictionary)) + b"".join(dictionary)


def _raw_tx(
    *,
    tx_type: int = 2,
    nonce: bytes = b"\x00",
    fees: bytes = b"\x01\x02",
    gas: bytes = b"\x10",
    index: bytes = b"\x00",
    value: bytes = b"\x05",
    data: bytes = b"\x00",
    access_list: bytes = b"\x00",
    signature: bytes = b"\x01" * 32 + b"\x02" * 32,
) -> bytes:
    body = bytes((tx_type,)) + nonce + fees + gas + index + value + data
    if tx_type != TX_TYPE_LEGACY:
        body += access_list
    return body + signature


def decompress_cases(valid: bytes) -> list[tuple[str, bytes]]:
    payload = decompress_batch(valid)
    bomb_tokens = (
        b"\x00\x00" + b"\xe0\xff\x00" * 16_000
    )  # 1 + 16,000 × 264 bytes > MAX_PAYLOAD_BYTES
    return [
        ("valid", valid),
        ("version byte only: empty payload", b"\x01"),
        ("empty", b""),
        ("version 0x00", b"\x00" + valid[1:]),
        ("version 0x02", b"\x02" + valid[1:]),
        ("literal run cut short", b"\x01\x05abc"),
        ("literal run exactly to the end", b"\x01\x02abc"),
        ("match before the output's start", b"\x01\x20\x00"),
        ("match of distance 1 after 1 byte", b"\x01\x00a\x20\x00"),
        ("match of distance 2 after 1 byte", b"\x01\x00a\x20\x01"),
        ("short match token cut short", b"\x01\x00a\x20"),
        ("long match token cut short", b"\x01\x00a\xe0\x05"),
        ("long match, overlapping run", b"\x01\x00a\xe0\x05\x00"),
        ("long match distance 8192", b"\x01\x1fabcdefghijklmnopqrstuvwxyz012345\xff\x05\xff"),
        ("output of exactly MAX_PAYLOAD_BYTES", _exact_payload_batch(MAX_PAYLOAD_BYTES)),
        ("output of MAX_PAYLOAD_BYTES + 1", _exact_payload_batch(MAX_PAYLOAD_BYTES + 1)),
        ("bomb past MAX_PAYLOAD_BYTES", b"\x01" + bomb_tokens),
        ("MAX_BATCH_BYTES + 1 bytes", b"\x01" + bytes(MAX_BATCH_BYTES)),
        ("MAX_BATCH_BYTES bytes", b"\x01" + b"\x00\x00" * ((MAX_BATCH_BYTES - 1) // 2)),
        ("truncated valid batch", valid[: len(valid) // 2]),
        ("valid payload, trailing literal", valid + b"\x00\x07"),
        ("compressor output of the payload", bytes((BATCH_VERSION,)) + fastlz.compress(payload)),
    ]


def _exact_payload_batch(size: int) -> bytes:
    """A batch of one zero literal then runs of zeros (copies at distance 1), decompressing to
    exactly `size` bytes."""
    out = bytearray(b"\x01\x00\x00")
    left = size - 1
    while left >= 264 + 9:
        out += b"\xe0\xff\x00"  # 264 bytes
        left -= 264
    if left > 264:
        out += bytes((0xE0, left - 18, 0))  # left - 9 bytes
        left = 9
    if left >= 9:
        out += bytes((0xE0, left - 9, 0))
    elif left >= 3:
        out += bytes(((left - 2) << 5, 0))
    else:
        out += b"\x00\x00" * left
    return bytes(out)


def header_cases(rng: random.Random) -> list[tuple[str, bytes]]:
    many = [rng.randbytes(20) for _ in range(300)]
    one = [_address(1)]
    return [
        ("minimal", _head()),
        ("empty payload", b""),
        ("parent hash cut short", b"\x2a" + PARENT_HASH[:31]),
        ("no block count", b"\x2a" + PARENT_HASH),
        ("no dictionary count", b"\x2a" + PARENT_HASH + b"\x01"),
        ("block count 0", _head(block_count=b"\x00")),
        ("block count MAX_BATCH_BLOCKS", _head(block_count=varint(MAX_BATCH_BLOCKS))),
        ("block count MAX_BATCH_BLOCKS + 1", _head(block_count=varint(MAX_BATCH_BLOCKS + 1))),
        ("block count 2^64", _head(block_count=varint(2**64))),
        ("first block 2^64 - 1", _head(first=varint(2**64 - 1))),
        ("first block 2^64", _head(first=varint(2**64))),
        ("first block: 10 bytes, 2^64 + 2^63", _head(first=varint(2**64 + 2**63))),
        ("first block: 11-byte varint", _head(first=b"\xff" * 10 + b"\x01")),
        ("first block: redundant 0x00 group", _head(first=b"\xaa\x00")),
        ("first block: 0x80 0x00", _head(first=b"\x80\x00")),
        ("first block 0 as 0x00", _head(first=b"\x00")),
        ("one entry", _head(dictionary=one)),
        ("the zero address", _head(dictionary=[ZERO_ADDRESS])),
        ("two zero addresses", _head(dictionary=[ZERO_ADDRESS, ZERO_ADDRESS])),
        ("300 distinct entries", _head(dictionary=many)),
        ("300 entries, last repeats the first", _head(dictionary=[*many[:299], many[0]])),
        (
            "300 entries, two adjacent equal",
            _head(dictionary=[*many[:150], many[149], *many[151:]]),
        ),
        ("dictionary cut short", _head(dictionary=many[:3])[:-1]),
        (
            "dictionary count MAX_BATCH_TRANSACTIONS + 1",
            b"\x2a" + PARENT_HASH + b"\x01" + varint(MAX_BATCH_TRANSACTIONS + 1),
        ),
        (
            "dictionary count MAX_BATCH_TRANSACTIONS, not there",
            b"\x2a" + PARENT_HASH + b"\x01" + varint(MAX_BATCH_TRANSACTIONS),
        ),
        ("dictionary count 2^64 - 1", b"\x2a" + PARENT_HASH + b"\x01" + varint(2**64 - 1)),
        ("trailing bytes are the body", _head(dictionary=one) + b"\x01\x02\x03"),
    ]


def block_cases() -> list[tuple[str, bytes, int]]:
    head = _head()
    at = len(head)
    return [
        ("empty block", head + b"\x00\x00\x00", at),
        ("deltas and count", head + b"\x0c\x02\x05", at),
        ("at the end", head, at),
        ("past the end", head, at + 1),
        ("offset 2^256 - 1", head + b"\x00\x00\x00", UINT256_MAX),
        ("count cut short", head + b"\x00\x00", at),
        ("uint64 max delta", head + varint(2**64 - 1) + b"\x00\x00", at),
        ("delta 2^64", head + varint(2**64) + b"\x00\x00", at),
        ("origin delta 2^64 - 1", head + b"\x00" + varint(2**64 - 1) + b"\x00", at),
        ("non-canonical origin", head + b"\x00\x80\x00\x00", at),
        (
            "tx count MAX_BATCH_TRANSACTIONS",
            head + b"\x00\x00" + varint(MAX_BATCH_TRANSACTIONS),
            at,
        ),
        (
            "tx count MAX_BATCH_TRANSACTIONS + 1",
            head + b"\x00\x00" + varint(MAX_BATCH_TRANSACTIONS + 1),
            at,
        ),
        ("unterminated varint", head + b"\x00\x00\x81", at),
        ("mid-payload offset", head + b"\x01\x01\x01" + b"\x02\x02\x02", at + 3),
    ]


def tx_cases(rng: random.Random) -> list[tuple[str, bytes, int, tuple[bytes, ...], int]]:
    """(label, payload, offset, dictionary, chain id)."""
    dictionary = (_address(1), _address(2))
    head = _head(dictionary=dictionary) + b"\x00\x00\x01"
    at = len(head)

    def case(
        label: str, body: bytes, offset: int = at
    ) -> tuple[str, bytes, int, tuple[bytes, ...], int]:
        return label, head + body, offset, dictionary, CHAIN_ID

    cases = [
        case("baseline type 2", _raw_tx()),
        case("baseline type 1", _raw_tx(tx_type=1, fees=b"\x02\x02")),
        case("baseline type 0", _raw_tx(tx_type=0, fees=b"\x02\x02")),
        case("type 0, two prices", _raw_tx(tx_type=0)),
        case("type 1, two prices", _raw_tx(tx_type=1)),
        case("type 2, tip above max fee", _raw_tx(fees=b"\x09\x02")),
        case("type 3", _raw_tx(tx_type=3)),
        case("type 0x7e", _raw_tx(tx_type=0x7E)),
        case("type 0xc0", _raw_tx(tx_type=0xC0)),
        case("nonce 2^256 - 1", _raw_tx(nonce=b"\xff" * 36 + b"\x0f")),
        case("nonce 2^256", _raw_tx(nonce=b"\x80" * 36 + b"\x10")),
        case("nonce 37 bytes, 0x7f last", _raw_tx(nonce=b"\xff" * 36 + b"\x7f")),
        case("nonce 38 bytes", _raw_tx(nonce=b"\xff" * 37 + b"\x01")),
        case("nonce redundant 0x00", _raw_tx(nonce=b"\x80\x00")),
        case("nonce 0x81 0x00", _raw_tx(nonce=b"\x81\x00")),
        case("nonce 2^64 (10 bytes)", _raw_tx(nonce=varint(2**64))),
        case("value 2^255 + 1", _raw_tx(value=varint(2**255 + 1))),
        case("gas 36 continuation bytes then 0x0f", _raw_tx(gas=b"\x80" * 36 + b"\x0f")),
        case("index 1", _raw_tx(index=b"\x01")),
        case("index 2: out of range", _raw_tx(index=b"\x02")),
        case("index 0x80 0x01", _raw_tx(index=b"\x80\x01")),
        case("index 2^64", _raw_tx(index=varint(2**64))),
        case("index 2^63, 10 bytes", _raw_tx(index=varint(2**63))),
        case("data 3 bytes", _raw_tx(data=b"\x03abc")),
        case("data length past the end", _raw_tx(data=varint(10**6))),
        case("data length 2^64 - 1", _raw_tx(data=varint(2**64 - 1))),
        case("data length 2^64", _raw_tx(data=varint(2**64))),
        case(
            "access list of 2",
            _raw_tx(access_list=b"\x02" + _address(7) + b"\x01" + _key(1) + _address(8) + b"\x00"),
        ),
        case(
            "access list count past the end", _raw_tx(access_list=b"\x05" + _address(7) + b"\x00")
        ),
        case("access list count 2^64 - 1", _raw_tx(access_list=varint(2**64 - 1))),
        case("access list count 2^64", _raw_tx(access_list=varint(2**64))),
        case(
            "access list count 3, 3 × 21 bytes before the signature",
            _raw_tx(access_list=b"\x03" + (_address(7) + b"\x00") * 3),
        ),
        case(
            "key count past the end", _raw_tx(access_list=b"\x01" + _address(7) + b"\x03" + _key(1))
        ),
        case("key count 2^64 - 1", _raw_tx(access_list=b"\x01" + _address(7) + varint(2**64 - 1))),
        case("legacy never has an access list", _raw_tx(tx_type=0, fees=b"\x02\x02") + b"\x00"),
        case("y parity bit set", _raw_tx(signature=b"\x01" * 32 + b"\x82" + b"\x02" * 31)),
        case("s all ones", _raw_tx(signature=b"\x01" * 32 + b"\xff" * 32)),
        case("signature cut short", _raw_tx()[:-1]),
        case("nothing", b""),
        ("offset past the end", head + _raw_tx(), len(head) + 200, dictionary, CHAIN_ID),
        ("offset 2^256 - 1", head + _raw_tx(), UINT256_MAX, dictionary, CHAIN_ID),
        ("empty dictionary", head + _raw_tx(), at, (), CHAIN_ID),
        ("chain id 2^256 - 1", head + _raw_tx(), at, dictionary, UINT256_MAX),
    ]
    # Mutations of a real transaction: every truncation of one, and random byte changes.
    tx = _tx(
        TX_TYPE_ACCESS_LIST,
        300,
        dictionary[1],
        key=2,
        fee=10**9,
        value=10**18,
        data=rng.randbytes(40),
        access_list=((_address(9), (_key(5),)),),
    )
    payload = encode_payload(_batch(_block(1, _tx(2, 1, dictionary[0]), tx)))
    real = read_payload_header(payload)
    first_tx = real.body_offset + 3
    _, second = read_transaction(payload, first_tx, real.dictionary, CHAIN_ID)
    for end in range(second, len(payload), 7):
        cases.append((f"truncated at {end}", payload[:end], second, real.dictionary, CHAIN_ID))
    for n in range(160):
        edited = bytearray(payload)
        for _ in range(rng.randrange(1, 3)):
            position = rng.randrange(second, len(payload))
            edited[position] = rng.choice((0x00, 0x7F, 0x80, 0xFF, rng.randrange(256)))
        if n % 4 == 0:
            position = rng.randrange(second, len(payload))
            edited[position:position] = bytes([rng.randrange(256)])
        cases.append((f"mutation {n}", bytes(edited), second, real.dictionary, CHAIN_ID))
    return cases


def raw_tx_cases(rng: random.Random) -> list[tuple[str, bytes]]:
    from rlp import encode as rlp_encode

    a = _address(3)
    typed = [
        _tx(TX_TYPE_DYNAMIC_FEE, 5, a, value=7, data=b"\x01\x02"),
        _tx(
            TX_TYPE_ACCESS_LIST,
            6,
            a,
            key=1,
            fee=10**9,
            access_list=((a, (_key(1), _key(2))), (ZERO_ADDRESS, ())),
        ),
        _tx(TX_TYPE_LEGACY, 7, a, key=2, fee=10**9, value=10**18),
        _tx(TX_TYPE_LEGACY, 8, None, key=2, fee=10**9, data=rng.randbytes(200)),
        _tx(TX_TYPE_DYNAMIC_FEE, 9, None, key=3, data=b"\x60\x00"),
        _tx(TX_TYPE_ACCESS_LIST, 10, None, key=3, fee=1),
        _tx(TX_TYPE_LEGACY, 0, a, key=4, fee=1, chain_id=2**200),
        _tx(TX_TYPE_LEGACY, 0, a, key=4, fee=1, chain_id=0),
        _tx(
            TX_TYPE_DYNAMIC_FEE,
            UINT256_MAX,
            a,
            key=5,
            tip=UINT256_MAX,
            fee=0,
            gas=UINT256_MAX,
            value=UINT256_MAX,
            data=b"\x7f",
            chain_id=UINT256_MAX,
        ),
        _tx(
            TX_TYPE_DYNAMIC_FEE,
            0,
            a,
            key=6,
            data=b"\x80" * 56,
            access_list=tuple(
                (_address(i), tuple(_key(i * 5 + k) for k in range(i % 3))) for i in range(8)
            ),
        ),
        _tx(TX_TYPE_DYNAMIC_FEE, 1, a, key=6, data=rng.randbytes(70_000)),
    ]
    cases: list[tuple[str, bytes]] = [
        (
            f"valid {i} (type {tx.tx_type}{', create' if tx.to is None else ''})",
            encode_transaction(tx),
        )
        for i, tx in enumerate(typed)
    ]
    legacy = encode_transaction(typed[2])
    dynamic = encode_transaction(typed[0])
    high_s = replace(typed[0], s=SECP256K1_N - typed[0].s, y_parity=1 - typed[0].y_parity)
    cases += [
        ("valid, high s", encode_transaction(high_s)),
        ("valid, r = 0", encode_transaction(replace(typed[0], r=0))),
        ("valid, s = n", encode_transaction(replace(typed[0], s=SECP256K1_N))),
    ]

    def legacy_fields(**changes: Any) -> list[Any]:
        v = (CHAIN_ID * 2 + 35).to_bytes(2, "big")
        fields: list[Any] = [
            b"\x07",
            b"\x3b\x9a\xca\x00",
            b"\x52\x08",
            a,
            b"",
            b"",
            v,
            b"\x01" * 32,
            b"\x02" * 32,
        ]
        for index, value in changes.items():
            fields[int(index[1:])] = value
        return fields

    def dynamic_fields(**changes: Any) -> list[Any]:
        fields: list[Any] = [
            (CHAIN_ID).to_bytes(2, "big"),
            b"\x05",
            b"\x01",
            b"\x02",
            b"\x52\x08",
            a,
            b"\x07",
            b"",
            [],
            b"",
            b"\x01" * 32,
            b"\x02" * 32,
        ]
        for index, value in changes.items():
            fields[int(index[1:])] = value
        return fields

    def typed_raw(fields: list[Any], tx_type: int = 2) -> bytes:
        body: bytes = rlp_encode(fields)
        return bytes((tx_type,)) + body

    cases += [
        ("crafted legacy", rlp_encode(legacy_fields())),
        ("crafted dynamic", typed_raw(dynamic_fields())),
        ("empty", b""),
        ("type 3", b"\x03" + dynamic[1:]),
        ("type 0x7f", b"\x7f" + dynamic[1:]),
        ("type 0x00", b"\x00" + dynamic[1:]),
        ("first byte 0x80: a string", b"\x80"),
        ("first byte 0xb8: a long string", b"\xb8\x38" + bytes(56)),
        ("type byte only", b"\x02"),
        ("legacy, trailing byte", legacy + b"\x00"),
        ("dynamic, trailing byte", dynamic + b"\x00"),
        ("legacy, cut short", legacy[:-1]),
        ("legacy v = 27", rlp_encode(legacy_fields(f6=b"\x1b"))),
        ("legacy v = 28", rlp_encode(legacy_fields(f6=b"\x1c"))),
        ("legacy v = 34", rlp_encode(legacy_fields(f6=b"\x22"))),
        ("legacy v = 35", rlp_encode(legacy_fields(f6=b"\x23"))),
        ("legacy v = 36", rlp_encode(legacy_fields(f6=b"\x24"))),
        ("legacy v = 0", rlp_encode(legacy_fields(f6=b""))),
        ("legacy v = 2^256 - 1", rlp_encode(legacy_fields(f6=b"\xff" * 32))),
        ("legacy v 33 bytes", rlp_encode(legacy_fields(f6=b"\x01" + bytes(32)))),
        ("legacy, 8 fields", rlp_encode(legacy_fields()[:8])),
        ("legacy, 10 fields", rlp_encode([*legacy_fields(), b""])),
        ("legacy, nonce with leading zero", rlp_encode(legacy_fields(f0=b"\x00\x07"))),
        ("legacy, nonce 0 as 0x00", rlp_encode(legacy_fields(f0=b"\x00"))),
        ("legacy, nonce as a list", rlp_encode(legacy_fields(f0=[]))),
        ("legacy, to 19 bytes", rlp_encode(legacy_fields(f3=a[:19]))),
        ("legacy, to 21 bytes", rlp_encode(legacy_fields(f3=a + b"\x00"))),
        ("legacy, to as a list", rlp_encode(legacy_fields(f3=[]))),
        ("legacy, data as a list", rlp_encode(legacy_fields(f5=[b"\x01"]))),
        ("legacy, r 33 bytes", rlp_encode(legacy_fields(f7=b"\x01" * 33))),
        ("legacy, r 32 bytes leading zero", rlp_encode(legacy_fields(f7=b"\x00" + b"\x01" * 31))),
        ("legacy, r 0", rlp_encode(legacy_fields(f7=b""))),
        (
            "legacy, single byte 0x05 as 0x81 0x05",
            _replace_once(rlp_encode(legacy_fields(f1=b"\x05")), b"\x05", b"\x81\x05"),
        ),
        ("dynamic, y parity 2", typed_raw(dynamic_fields(f9=b"\x02"))),
        ("dynamic, y parity 1", typed_raw(dynamic_fields(f9=b"\x01"))),
        ("dynamic, y parity 0 as 0x00", typed_raw(dynamic_fields(f9=b"\x00"))),
        ("dynamic, y parity as a list", typed_raw(dynamic_fields(f9=[]))),
        ("dynamic, 11 fields", typed_raw(dynamic_fields()[:11])),
        ("dynamic, 13 fields", typed_raw([*dynamic_fields(), b""])),
        ("access list type with 12 fields", typed_raw(dynamic_fields(), 1)),
        (
            "access list type with 11 fields",
            typed_raw(dynamic_fields()[:2] + dynamic_fields()[3:], 1),
        ),
        ("dynamic, access list as a string", typed_raw(dynamic_fields(f8=b""))),
        ("dynamic, entry as a string", typed_raw(dynamic_fields(f8=[a]))),
        ("dynamic, entry of 1 item", typed_raw(dynamic_fields(f8=[[a]]))),
        ("dynamic, entry of 3 items", typed_raw(dynamic_fields(f8=[[a, [], b""]]))),
        ("dynamic, entry address 19 bytes", typed_raw(dynamic_fields(f8=[[a[:19], []]]))),
        ("dynamic, entry address as a list", typed_raw(dynamic_fields(f8=[[[], []]]))),
        ("dynamic, keys as a string", typed_raw(dynamic_fields(f8=[[a, b""]]))),
        ("dynamic, key 31 bytes", typed_raw(dynamic_fields(f8=[[a, [bytes(31)]]]))),
        ("dynamic, key 33 bytes", typed_raw(dynamic_fields(f8=[[a, [bytes(33)]]]))),
        ("dynamic, key as a list", typed_raw(dynamic_fields(f8=[[a, [[]]]]))),
        ("dynamic, key zero", typed_raw(dynamic_fields(f8=[[a, [bytes(32)]]]))),
        (
            "dynamic, two keys and a short one",
            typed_raw(dynamic_fields(f8=[[a, [bytes(32), b"\x01" * 32, b"\x05"]]])),
        ),
        ("dynamic, two entries", typed_raw(dynamic_fields(f8=[[a, [bytes(32)]], [a, []]]))),
        ("dynamic, empty to (create)", typed_raw(dynamic_fields(f5=b""))),
        (
            "dynamic, long list form for a short list",
            b"\x02\xf8"
            + bytes([len(rlp_encode(dynamic_fields())) - 1])
            + rlp_encode(dynamic_fields())[1:],
        ),
        (
            "dynamic, long length with a leading zero",
            b"\x02\xf9\x00" + rlp_encode(dynamic_fields())[1:],
        ),
        ("dynamic, data 56 bytes", typed_raw(dynamic_fields(f7=bytes(56)))),
        (
            "dynamic, data 55 bytes in long form",
            _replace_once(
                typed_raw(dynamic_fields(f7=b"\x11" * 55)),
                b"\xb7" + b"\x11" * 55,
                b"\xb8\x37" + b"\x11" * 55,
            ),
        ),
        (
            "dynamic, data 1 byte 0x7f in short form",
            _replace_once(typed_raw(dynamic_fields(f7=b"\x7f")), b"\x7f", b"\x81\x7f"),
        ),
        ("dynamic, data 1 byte 0x80", typed_raw(dynamic_fields(f7=b"\x80"))),
        ("long string length 2^64 - 1", b"\x02\xbf" + b"\xff" * 8),
        ("long list length cut short", b"\x02\xfa\x01"),
        ("MAX_TRANSACTION_SIZE exactly", _sized_raw(128 * 1024)),
        ("MAX_TRANSACTION_SIZE + 1", _sized_raw(128 * 1024 + 1)),
    ]
    # Random mutations of valid transactions: changed bytes, inserted and deleted bytes.
    sources = [encode_transaction(tx) for tx in typed[:10]]
    for n in range(150):
        raw = bytearray(rng.choice(sources))
        action = n % 3
        position = rng.randrange(len(raw))
        if action == 0:
            raw[position] = rng.choice(
                (0x00, 0x7F, 0x80, 0x81, 0xB7, 0xB8, 0xC0, 0xF7, 0xF8, 0xFF, rng.randrange(256))
            )
        elif action == 1:
            raw[position:position] = bytes([rng.randrange(256)])
        else:
            del raw[position]
        cases.append((f"mutation {n}", bytes(raw)))
    return cases


def _replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) >= 1
    return data.replace(old, new, 1)


def _sized_raw(size: int) -> bytes:
    """A valid dynamic-fee transaction of exactly `size` bytes (data fills it)."""
    base = _tx(TX_TYPE_DYNAMIC_FEE, 0, _address(4), key=7, data=bytes(size))
    overshoot = len(encode_transaction(base)) - size
    tx = _tx(TX_TYPE_DYNAMIC_FEE, 0, _address(4), key=7, data=b"\x01" * (size - overshoot))
    raw = encode_transaction(tx)
    assert len(raw) == size, (len(raw), size)
    return raw


# --- sections -------------------------------------------------------------------------------------


def _verdict(function: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
    """(True, function(*args)), or (False, None) if it raises InvalidBatch/InvalidTransaction."""
    try:
        return True, function(*args)
    except (InvalidBatch, InvalidTransaction):
        return False, None


LARGE_CASE_BYTES = 16_384
"""Cases with more input bytes go to the large file (forge copies a JSON document into EVM memory
on every parse call: the small file stays small)."""


def _sections(keys: Sequence[str]) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    return {k: [] for k in keys}, {k: [] for k in keys}


def _add(small: dict[str, list[Any]], large: dict[str, list[Any]], size: int, **row: Any) -> None:
    section = large if size > LARGE_CASE_BYTES else small
    for key, value in row.items():
        section[key].append(value)


def _word(value: int) -> str:
    return hexed(value.to_bytes(32, "big"))


def decompress_section(valid: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    small, large = _sections(("labels", "data", "ok", "payloadHashes"))
    for label, data in decompress_cases(valid):
        ok, payload = _verdict(decompress_batch, data)
        _add(
            small,
            large,
            len(data),
            labels=label,
            data=hexed(data),
            ok=ok,
            payloadHashes=hexed(keccak256(payload) if ok else bytes(32)),
        )
    return small, large


def header_section(rng: random.Random) -> dict[str, Any]:
    section, _ = _sections(("labels", "payloads", "ok", "encoded"))
    for label, payload in header_cases(rng):
        ok, header = _verdict(read_payload_header, payload)
        _add(
            section,
            section,
            0,
            labels=label,
            payloads=hexed(payload),
            ok=ok,
            encoded=hexed(encode_header(header) if ok else b""),
        )
    return section


def block_section() -> dict[str, Any]:
    section, _ = _sections(("labels", "payloads", "offsets", "ok", "encoded"))
    for label, payload, offset in block_cases():
        ok, values = _verdict(read_block_header, payload, offset)
        _add(
            section,
            section,
            0,
            labels=label,
            payloads=hexed(payload),
            offsets=_word(offset),
            ok=ok,
            encoded=hexed(encode_block_header(values) if ok else b""),
        )
    return section


def tx_section(rng: random.Random) -> dict[str, Any]:
    """readTransaction cases; the decoded transaction as keccak256(abi.encode(L2Tx))."""
    section, _ = _sections(
        (
            "labels",
            "payloads",
            "offsets",
            "dictionaryIds",
            "chainIds",
            "ok",
            "encodedHashes",
            "nexts",
        )
    )
    dictionaries: list[tuple[bytes, ...]] = []
    for label, payload, offset, dictionary, chain_id in tx_cases(rng):
        ok, result = _verdict(read_transaction, payload, offset, dictionary, chain_id)
        if dictionary not in dictionaries:
            dictionaries.append(dictionary)
        _add(
            section,
            section,
            0,
            labels=label,
            payloads=hexed(payload),
            offsets=_word(offset),
            dictionaryIds=dictionaries.index(dictionary),
            chainIds=_word(chain_id),
            ok=ok,
            encodedHashes=hexed(keccak256(encode_l2tx(result[0])) if ok else bytes(32)),
            nexts=result[1] if ok else 0,
        )
    return {**section, "dictionaries": [hexed(encode_dictionary(d)) for d in dictionaries]}


def raw_tx_section(rng: random.Random) -> tuple[dict[str, Any], dict[str, Any]]:
    """decodeSignedTransaction cases, with signingHash and recoverSender of what decodes."""
    small, large = _sections(
        (
            "labels",
            "raws",
            "ok",
            "encodedHashes",
            "signingHashes",
            "txHashes",
            "recoverOk",
            "senders",
        )
    )
    for label, data in raw_tx_cases(rng):
        ok, tx = _verdict(decode_transaction, data)
        recovered, sender = sender_of(tx) if ok else (False, ZERO_ADDRESS)
        _add(
            small,
            large,
            len(data),
            labels=label,
            raws=hexed(data),
            ok=ok,
            encodedHashes=hexed(keccak256(encode_l2tx(tx)) if ok else bytes(32)),
            signingHashes=hexed(compute_signing_hash(tx) if ok else bytes(32)),
            txHashes=hexed(keccak256(encode_transaction(tx)) if ok else bytes(32)),
            recoverOk=recovered,
            senders=hexed(sender),
        )
    return small, large


def build_batch_reader() -> dict[str, Any]:
    return build_both()[0]


def build_batch_reader_large() -> dict[str, Any]:
    return build_both()[1]


_BUILT: list[tuple[dict[str, Any], dict[str, Any]]] = []


def build_both() -> tuple[dict[str, Any], dict[str, Any]]:
    """Both documents (built once: the RNG draws run through both)."""
    if not _BUILT:
        rng = random.Random(SEED)
        batches, blocks, txs = batches_section(rng)
        valid = bytes.fromhex(batches["data"][0][2:])
        decompress_small, decompress_large = decompress_section(valid)
        headers = header_section(rng)
        block_headers = block_section()
        transactions = tx_section(rng)
        raw_small, raw_large = raw_tx_section(rng)
        small = {
            "batches": batches,
            "blocks": blocks,
            "txs": txs,
            "decompressCases": decompress_small,
            "headerCases": headers,
            "blockCases": block_headers,
            "txCases": transactions,
            "rawTxCases": raw_small,
        }
        large = {
            **build_full_size(),
            "decompressCases": decompress_large,
            "rawTxCases": raw_large,
        }
        _BUILT.append((small, large))
    return _BUILT[0]


# --- the full-size batch --------------------------------------------------------------------------


def full_size_batch() -> tuple[Batch, bytes]:
    """ETH transfers (EIP-1559, realistic fees and amounts, 300 senders, 60 recipients) in
    100-transaction blocks, packed into one batch as close to MAX_BATCH_BYTES as it gets."""
    rng = random.Random(SEED + 1)
    senders = [rng.randbytes(32) for _ in range(300)]
    nonces = [rng.randrange(3000) for _ in range(300)]
    recipients = [rng.randbytes(20) for _ in range(60)]
    blocks: list[BatchBlock] = []
    for number in range(20):
        transactions = []
        base_fee = 10**9 * rng.randint(95, 105) // 100
        for _ in range(100):
            sender = rng.randrange(300)
            tip = rng.choice([10**6, 10**6, 1_500_000, 10**8])
            if rng.random() < 0.5:
                value = rng.choice([1, 2, 5, 10, 25, 50, 100, 250, 500, 1000]) * 10**15
            else:
                value = rng.randrange(1, 100_000) * 10 ** rng.choice([12, 13, 14])
            tx = Transaction(
                TX_TYPE_DYNAMIC_FEE,
                CHAIN_ID,
                nonces[sender],
                tip,
                2 * base_fee + tip,
                21_000,
                rng.choice(recipients),
                value,
                b"",
                (),
            )
            nonces[sender] += 1
            transactions.append(sign_transaction(tx, senders[sender]))
        blocks.append(_block(number + 1, *transactions, origin=number // 12))
    return pack_batch(_batch(*blocks, first=1_000_000))


def walk_digest(payload: bytes, chain_id: int) -> tuple[int, bytes, int]:
    """(transaction count, keccak chain over offset ‖ signing hash ‖ sender, last offset)."""
    _, _, transactions = walk(payload, chain_id)
    digest = bytes(32)
    for offset, tx, _ in transactions:
        ok, sender = sender_of(tx)
        assert ok
        digest = keccak256(digest + offset.to_bytes(32, "big") + compute_signing_hash(tx) + sender)
    return len(transactions), digest, transactions[-1][0]


def bomb_batch() -> tuple[Batch, bytes]:
    """One block of one signed transaction whose data brings the payload to MAX_PAYLOAD_BYTES:
    a batch derivation accepts that expands to exactly MAX_PAYLOAD_BYTES."""

    def make(size: int) -> Batch:
        tx = _tx(TX_TYPE_DYNAMIC_FEE, 0, _address(1), gas=30_000_000, data=bytes(size))
        return _batch(_block(1, tx))

    base = len(encode_payload(make(0)))
    size = MAX_PAYLOAD_BYTES - base
    size -= (size.bit_length() + 6) // 7 - 1  # the data length's varint grows past one byte
    batch = make(size)
    return batch, encode_batch(batch)


def build_full_size() -> dict[str, Any]:
    batch, data = full_size_batch()
    payload = decompress_batch(data)
    count, digest, last_offset = walk_digest(payload, CHAIN_ID)
    header = read_payload_header(payload)
    last_tx, _ = read_transaction(payload, last_offset, header.dictionary, CHAIN_ID)
    _, bomb_data = bomb_batch()
    bomb_payload = decompress_batch(bomb_data)
    bomb_header = read_payload_header(bomb_payload)
    bomb_offset = bomb_header.body_offset + 3
    bomb_tx, _ = read_transaction(bomb_payload, bomb_offset, bomb_header.dictionary, CHAIN_ID)
    assert len(bomb_payload) == MAX_PAYLOAD_BYTES
    return {
        "chainId": CHAIN_ID,
        "batch": hexed(data),
        "payloadLength": len(payload),
        "blockCount": len(batch.blocks),
        "txCount": count,
        "dictionarySize": len(header.dictionary),
        "digest": hexed(digest),
        "lastOffset": last_offset,
        "lastSender": hexed(recover_sender(last_tx)),
        "bomb": hexed(bomb_data),
        "bombPayloadLength": len(bomb_payload),
        "bombOffset": bomb_offset,
        "bombSender": hexed(recover_sender(bomb_tx)),
    }


# --- files ----------------------------------------------------------------------------------------


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1) + "\n"


OUTPUTS: dict[Path, Callable[[], dict[str, Any]]] = {
    BATCH_READER_PATH: build_batch_reader,
    BATCH_READER_LARGE_PATH: build_batch_reader_large,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if a file is not current")
    args = parser.parse_args(argv)
    stale = []
    for path, build in OUTPUTS.items():
        text = render(build())
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(path)
        else:
            path.write_text(text)
            print(f"wrote {path.relative_to(REPO_ROOT)} ({len(text):,} bytes)")
    if stale:
        for path in stale:
            print(f"stale: {path.relative_to(REPO_ROOT)} (run scripts/gen_prover_vectors.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
