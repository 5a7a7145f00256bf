"""Tests for the cursor readers of rollup.batch (what the one-step proof reads, piece by piece).

decompress_batch, read_payload_header, read_block_header and read_transaction check every rule a
piece of a batch can be checked by alone; decode_payload checks those and the whole-batch rules
(dictionary first-use order and no unused entry, the transaction total, uint64 timestamps and
origins after the deltas, nothing trailing). The properties here: walking a payload with the
cursor readers visits exactly the transactions decode_payload returns, and on any bytes, the
cursor walk plus the whole-batch rules accepts exactly what decode_payload accepts.

contracts/src/prover/BatchReader.sol mirrors the cursor readers; scripts/gen_prover_vectors.py
writes the vectors its forge test (contracts/test/prover/BatchReader.t.sol) checks it on, and the
last tests here check that the vectors are current and run that forge test.
"""

from __future__ import annotations

import contextlib
import importlib.util
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rollup.batch import (
    MAX_BATCH_TRANSACTIONS,
    MAX_PAYLOAD_BYTES,
    Batch,
    BatchBlock,
    InvalidBatch,
    PayloadHeader,
    decode_batch,
    decode_payload,
    decompress_batch,
    encode_batch,
    encode_payload,
    read_block_header,
    read_payload_header,
    read_transaction,
)
from rollup.transaction import Transaction
from tests.unit.test_batch import (
    CHAIN_ID,
    PARENT_HASH,
    PARENT_ORIGIN,
    PARENT_TIMESTAMP,
    SIMPLE,
    _payload,
    _tx,
    _varint,
    _wrap,
    batches,
)

REPOSITORY = Path(__file__).resolve().parents[2]
CONTRACTS = REPOSITORY / "contracts"
FORGE = CONTRACTS / "tools" / "forge"
GENERATOR = REPOSITORY / "scripts" / "gen_prover_vectors.py"
FORGE_TEST_PATH = "test/prover/BatchReader.t.sol"
FORGE_TESTS = 21

_UINT64_LIMIT = 1 << 64


@dataclass(frozen=True)
class Walked:
    """What a cursor walk of a payload saw."""

    header: PayloadHeader
    block_offsets: list[int]
    blocks: list[tuple[int, int, int, int]]
    tx_offsets: list[int]
    transactions: list[Transaction]
    end: int


def walk(payload: bytes, chain_id: int = CHAIN_ID) -> Walked:
    """Walk a payload as the step machine does: header, then per block its header and its
    transactions. Raises InvalidBatch where a cursor reader does."""
    header = read_payload_header(payload)
    offset = header.body_offset
    block_offsets: list[int] = []
    blocks: list[tuple[int, int, int, int]] = []
    tx_offsets: list[int] = []
    transactions: list[Transaction] = []
    for _ in range(header.block_count):
        block_offsets.append(offset)
        values = read_block_header(payload, offset)
        blocks.append(values)
        offset = values[3]
        for _ in range(values[2]):
            tx_offsets.append(offset)
            tx, offset = read_transaction(payload, offset, header.dictionary, chain_id)
            transactions.append(tx)
    return Walked(header, block_offsets, blocks, tx_offsets, transactions, offset)


def decode_by_cursor(
    payload: bytes, chain_id: int, parent_timestamp: int, parent_origin: int
) -> Batch:
    """decode_payload rebuilt from the cursor walk plus the whole-batch rules."""
    walked = walk(payload, chain_id)
    dictionary = walked.header.dictionary
    used = 0
    for tx in walked.transactions:
        assert tx.to is not None
        index = dictionary.index(tx.to)
        if index > used:
            raise InvalidBatch("dictionary not in first-use order")
        used += index == used
    if used != len(dictionary):
        raise InvalidBatch("unused dictionary entry")
    if sum(count for _, _, count, _ in walked.blocks) > MAX_BATCH_TRANSACTIONS:
        raise InvalidBatch("more than MAX_BATCH_TRANSACTIONS transactions")
    if walked.end != len(payload):
        raise InvalidBatch("trailing bytes after the last block")
    timestamp, origin = parent_timestamp, parent_origin
    blocks = []
    transactions = iter(walked.transactions)
    for timestamp_delta, origin_delta, count, _ in walked.blocks:
        timestamp += timestamp_delta
        origin += origin_delta
        if timestamp >= _UINT64_LIMIT or origin >= _UINT64_LIMIT:
            raise InvalidBatch("block timestamp or l1_origin_number out of uint64 range")
        block_transactions = tuple(next(transactions) for _ in range(count))
        blocks.append(BatchBlock(timestamp, origin, block_transactions))
    header = walked.header
    return Batch(
        header.first_block_number,
        header.parent_hash,
        parent_timestamp,
        parent_origin,
        tuple(blocks),
    )


def _verdict(payload: bytes, decode: Callable[[bytes, int, int, int], Batch]) -> Batch | None:
    try:
        return decode(payload, CHAIN_ID, PARENT_TIMESTAMP, PARENT_ORIGIN)
    except InvalidBatch:
        return None


# --- the walk -------------------------------------------------------------------------------------


def test_simple_walk() -> None:
    payload = encode_payload(SIMPLE)
    walked = walk(payload)
    header = walked.header
    assert header == PayloadHeader(
        42, PARENT_HASH, 2, (b"\xaa" * 20, b"\xbb" * 20), 1 + 32 + 1 + 1 + 40
    )
    assert walked.block_offsets[0] == header.body_offset
    assert walked.blocks[0][:3] == (1, 0, 2)
    assert walked.blocks[1][:3] == (2, 1, 1)
    assert walked.end == len(payload)
    assert walked.transactions == [tx for block in SIMPLE.blocks for tx in block.transactions]
    # each transaction read again at its offset gives the same, and ends where the next starts
    for offset, tx in zip(walked.tx_offsets, walked.transactions, strict=True):
        again, after = read_transaction(payload, offset, header.dictionary, CHAIN_ID)
        assert again == tx
        assert after in (*walked.tx_offsets, *walked.block_offsets, len(payload))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_walk_visits_exactly_the_decoded_transactions(batch: Batch) -> None:
    payload = encode_payload(batch)
    walked = walk(payload)
    decoded = decode_payload(
        payload, CHAIN_ID, batch.parent_timestamp, batch.parent_l1_origin_number
    )
    assert walked.transactions == [tx for block in decoded.blocks for tx in block.transactions]
    assert walked.end == len(payload)
    assert [count for _, _, count, _ in walked.blocks] == [
        len(b.transactions) for b in batch.blocks
    ]
    assert (
        decode_by_cursor(payload, CHAIN_ID, batch.parent_timestamp, batch.parent_l1_origin_number)
        == decoded
    )


@st.composite
def edited_payloads(draw: st.DrawFn) -> bytes:
    """A real payload with a few bytes changed, inserted, deleted, or cut off."""
    payload = bytearray(encode_payload(draw(batches())))
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["set", "insert", "delete", "truncate"]))
        position = draw(st.integers(0, max(len(payload) - 1, 0)))
        if action == "set" and payload:
            payload[position] = (
                draw(st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0xFF]))
                if draw(st.booleans())
                else draw(st.integers(0, 255))
            )
        elif action == "insert":
            payload[position:position] = draw(st.binary(min_size=1, max_size=3))
        elif action == "delete" and payload:
            del payload[position]
        else:
            del payload[position:]
    return bytes(payload)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(edited_payloads())
def test_cursor_rules_and_batch_rules_are_decode_payload(payload: bytes) -> None:
    """On any bytes: the cursor walk plus the whole-batch rules accept exactly what
    decode_payload accepts, and decode the same."""
    assert _verdict(payload, decode_by_cursor) == _verdict(payload, decode_payload)


@settings(max_examples=300)
@given(st.binary(max_size=200), st.integers(0, 210))
def test_cursor_readers_raise_only_invalid_batch(data: bytes, offset: int) -> None:
    for read in (
        lambda: read_payload_header(data),
        lambda: read_block_header(data, offset),
        lambda: read_transaction(data, offset, (b"\x01" * 20, b"\x02" * 20), CHAIN_ID),
    ):
        with contextlib.suppress(InvalidBatch):
            read()


# --- what the cursor readers check, and what they leave to decode_payload -------------------------


def test_decompress_batch_is_decode_batch_before_the_payload() -> None:
    data = encode_batch(SIMPLE)
    assert decompress_batch(data) == encode_payload(SIMPLE)
    assert decode_batch(data, CHAIN_ID, PARENT_TIMESTAMP, PARENT_ORIGIN) == decode_payload(
        decompress_batch(data), CHAIN_ID, PARENT_TIMESTAMP, PARENT_ORIGIN
    )
    assert decompress_batch(b"\x01") == b""
    for bad, rule in [
        (b"", "empty batch"),
        (b"\x02" + data[1:], "unknown batch version 0x02"),
        (b"\x01\x00", "malformed FastLZ"),
        (b"\x01\x20\x00", "before the output's start"),
        (b"\x01" + bytes(120_000), "larger than MAX_BATCH_BYTES"),
        (_wrap(bytes(MAX_PAYLOAD_BYTES + 1)), "exceeds 196608 bytes"),
    ]:
        with pytest.raises(InvalidBatch, match=rule):
            decompress_batch(bad)
    assert len(decompress_batch(_wrap(bytes(MAX_PAYLOAD_BYTES)))) == MAX_PAYLOAD_BYTES


@pytest.mark.parametrize(
    ("payload", "rule"),
    [
        (b"", "payload ends"),
        (b"\x2a" + PARENT_HASH + b"\x00\x00", "at least one block"),
        (b"\x2a" + PARENT_HASH + _varint(3601) + b"\x00", "MAX_BATCH_BLOCKS"),
        (b"\x2a" + PARENT_HASH + b"\x01" + _varint(20_001), "more dictionary entries"),
        (b"\x2a" + PARENT_HASH + b"\x01\x02" + b"\xaa" * 40, "duplicate address"),
        (b"\x2a" + PARENT_HASH + b"\x01\x02" + b"\xaa" * 39, "payload ends"),
        (b"\x80\x00" + PARENT_HASH + b"\x01\x00", "non-canonical"),
        (bytes(MAX_PAYLOAD_BYTES + 1), "larger than MAX_PAYLOAD_BYTES"),
    ],
)
def test_read_payload_header_rules(payload: bytes, rule: str) -> None:
    with pytest.raises(InvalidBatch, match=rule):
        read_payload_header(payload)


def test_read_block_header_rules() -> None:
    head = b"\x2a" + PARENT_HASH + b"\x01\x00"
    at = len(head)
    assert read_block_header(head + b"\x05\x01\x00", at) == (5, 1, 0, at + 3)
    limit = _varint(MAX_BATCH_TRANSACTIONS)
    assert read_block_header(head + b"\x00\x00" + limit, at)[2] == MAX_BATCH_TRANSACTIONS
    with pytest.raises(InvalidBatch, match="MAX_BATCH_TRANSACTIONS"):
        read_block_header(head + b"\x00\x00" + _varint(MAX_BATCH_TRANSACTIONS + 1), at)
    with pytest.raises(InvalidBatch, match="larger than 64 bits"):
        read_block_header(head + _varint(1 << 64) + b"\x00\x00", at)
    # a delta that overflows the parent's timestamp is the walker's to check, not the reader's
    assert read_block_header(head + _varint((1 << 64) - 1) + b"\x00\x00", at)[0] == (1 << 64) - 1
    for offset in (at + 3, at + 100):
        with pytest.raises(InvalidBatch, match="payload ends"):
            read_block_header(head + b"\x00\x00\x00", offset)
    with pytest.raises(InvalidBatch, match="negative"):
        read_block_header(head + b"\x00\x00\x00", -1)


def test_read_transaction_rules() -> None:
    dictionary = (b"\xaa" * 20, b"\xbb" * 20)
    payload = _payload(blocks=b"\x00\x00\x02" + _tx(index=b"\x01") + _tx(), dictionary=dictionary)
    at = len(payload) - 2 * len(_tx())
    # first-use order is a whole-batch rule: decode_payload refuses, the cursor reader reads
    with pytest.raises(InvalidBatch, match="first-use order"):
        decode_payload(payload, CHAIN_ID, 0, 0)
    tx, after = read_transaction(payload, at, dictionary, CHAIN_ID)
    assert tx.to == b"\xbb" * 20
    assert after == at + len(_tx())
    assert read_transaction(payload, after, dictionary, CHAIN_ID)[1] == len(payload)
    with pytest.raises(InvalidBatch, match="out of range"):
        read_transaction(payload, at, dictionary[:1], CHAIN_ID)
    with pytest.raises(InvalidBatch, match="negative"):
        read_transaction(payload, -len(_tx()), dictionary, CHAIN_ID)
    with pytest.raises(InvalidBatch, match="payload ends"):
        read_transaction(payload, len(payload), dictionary, CHAIN_ID)
    with pytest.raises(InvalidBatch, match="type 0x03"):
        read_transaction(b"\x03" + _tx()[1:], 0, dictionary, CHAIN_ID)
    with pytest.raises(InvalidBatch, match="single gas price"):
        read_transaction(_tx(tx_type=1), 0, dictionary, CHAIN_ID)
    # trailing bytes after a transaction are the next piece's business
    assert read_transaction(_tx() + b"\xff", 0, dictionary, CHAIN_ID)[1] == len(_tx())


# --- the Solidity mirror --------------------------------------------------------------------------


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_prover_vectors", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_prover_vectors_are_current() -> None:
    """contracts/vectors/batch_reader*.json are what scripts/gen_prover_vectors.py makes."""
    generator = _generator()
    for path, build in generator.OUTPUTS.items():
        assert path.read_text() == generator.render(build()), (
            f"stale {path.name}: run `python scripts/gen_prover_vectors.py`"
        )


def test_solidity_batch_reader_matches_python() -> None:
    """Runs the forge test that checks BatchReader.sol on the (current) vectors."""
    result = subprocess.run(
        [str(FORGE), "test", "--match-path", FORGE_TEST_PATH, "--color", "never"],
        cwd=CONTRACTS,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"{FORGE_TESTS} passed; 0 failed" in output, output
