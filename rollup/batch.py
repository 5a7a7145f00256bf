"""The batch codec: consecutive L2 blocks as the bytes the batcher posts to L1 (SETTLEMENT.md §4).

A batch on L1 is ``0x01 ‖ FastLZ(payload)`` (Solady's LibZip.flzCompress format, see
rollup/fastlz.py). The payload, integers as unsigned LEB128 varints unless noted:

    first_block_number, parent_hash (32 bytes), block_count,
    address dictionary: count, count × 20-byte addresses
        (every `to` in the batch, in first-use order),
    per block: timestamp - parent timestamp, l1_origin_number - parent l1_origin_number, tx_count,
        per transaction: type (1 byte), nonce, max_priority_fee_per_gas, max_fee_per_gas, gas_limit,
        `to` as a dictionary index, value, data length, data,
        [types 1 and 2: access list count, per entry address (20), key count, keys (32 each)],
        r (32) ‖ s (32) with the y parity in the top bit of s.

A block's parent is the previous block of the batch, or the batch's parent for the first block; the
parent's timestamp and origin are not in the payload, the decoder is given them. The chain id is the
L2's, also given to the decoder. Deposits are not in batches, nor can contract creations be (`to`
is a dictionary index).

Decoding is strict, so that a payload has one meaning and one encoding, and every decoded
transaction re-encodes (rollup.transaction.encode_transaction) to exactly the bytes its sender
signed. (The compressed bytes are not unique: any FastLZ stream of the payload decodes.) A batch
decodes only if every rule below holds; otherwise InvalidBatch names the rule broken, and
derivation skips the batch as a whole:

- at most MAX_BATCH_BYTES bytes, version byte 0x01, FastLZ data that decodes (rollup.fastlz) to at
  most MAX_PAYLOAD_BYTES bytes;
- every varint canonical (no redundant final 0x00 group) and within its field's range: uint256 for
  transaction integers, uint64 for block numbers, timestamps and origins (after adding the deltas);
- 1 to MAX_BATCH_BLOCKS blocks, at most MAX_BATCH_TRANSACTIONS transactions in all;
- the dictionary is exactly the batch's `to` addresses in first-use order: no duplicate, no unused
  entry, and a transaction's index is either an earlier one or the next entry not used yet;
- transaction type 0, 1 or 2; legacy and access-list transactions have a single gas price (equal
  max_priority_fee_per_gas and max_fee_per_gas fields);
- nothing trails the last block.

The fraud-proof step machine reads a batch piece by piece, at byte offsets into the payload:
`decompress_batch`, `read_payload_header`, `read_block_header`, `read_transaction` check every rule
above that one piece can be checked by alone, and contracts/src/prover/BatchReader.sol accepts
exactly what they accept (see "cursor readers" below).

The encoder refuses (InvalidBatch) whatever the decoder would not give back: contract creation,
transactions of different chain ids (the one chain id is implied; the caller makes sure it is the
L2's), s >= 2^255, decreasing timestamps or origins, limits exceeded.
`pack_batch` and `split_into_batches` fit whole blocks into batches of at most MAX_BATCH_BYTES.

Cost on L1, measured on realistic batches of 1,000 EIP-1559 transactions (test_batch.py,
test_documented_bytes_per_transfer): 82.2 bytes per ETH transfer (payload 90.8, signed RLP 119.7)
and 97.4 per ERC-20 transfer (payload 150.3, RLP 181.1). The target of 75 bytes per transfer
(docs/ARCHITECTURE.md, Performance targets) is not met by a batch of distinct senders: the
signature (64 bytes, incompressible) plus FastLZ's literal headers (one per 32 literal bytes) take
about 66, and nonce, value and recipient index are mostly literals too; only the fee fields and
repeated amounts compress.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rollup import fastlz
from rollup.transaction import (
    TX_TYPE_ACCESS_LIST,
    TX_TYPE_DYNAMIC_FEE,
    TX_TYPE_LEGACY,
    AccessList,
    Transaction,
)

BATCH_VERSION = 0x01
MAX_BATCH_BYTES = 120_000
"""Largest batch on L1, version byte included, so a one-step proof over it fits in an L1 block."""
MAX_BATCH_BLOCKS = 3_600
MAX_BATCH_TRANSACTIONS = 2_000
"""Most transactions in one batch: a 192 KiB payload holds at most ~2,700 of the smallest (72 B)."""
MAX_PAYLOAD_BYTES = 192 * 1024
"""Largest decompressed payload: bounds the work and memory of decoding (decompression bombs) and
the gas of a one-step proof, which decompresses the whole batch on L1: Solady's LibZip costs up to
~63 gas per output byte on a crafted stream, so 192 KiB keeps the worst step near 15 M gas (it was
538 M at 4 MiB). Realistic 120 KB batches expand to 127-185 KB."""

HASH_LENGTH = 32
ADDRESS_LENGTH = 20
STORAGE_KEY_LENGTH = 32
SIGNATURE_LENGTH = 64
UINT64_BITS = 64
UINT256_BITS = 256
_UINT64_LIMIT = 1 << UINT64_BITS
_UINT256_LIMIT = 1 << UINT256_BITS
_Y_PARITY_BIT = 1 << 255
"""The y parity rides in the top bit of s: EIP-2 keeps s below n / 2 < 2^255."""

_SUPPORTED_TYPES = (TX_TYPE_LEGACY, TX_TYPE_ACCESS_LIST, TX_TYPE_DYNAMIC_FEE)


class InvalidBatch(ValueError):
    """A batch that breaks a rule of the batch format; the message names the rule."""


@dataclass(frozen=True, slots=True)
class BatchBlock:
    """One L2 block as a batch carries it: what derivation cannot compute from L1."""

    timestamp: int
    l1_origin_number: int
    transactions: tuple[Transaction, ...]


@dataclass(frozen=True, slots=True)
class Batch:
    """Consecutive L2 blocks from `first_block_number`, on top of the block `parent_hash`.

    `parent_timestamp` and `parent_l1_origin_number` are the parent block's; they are not encoded
    (the first block's deltas are relative to them) and the decoder is given them.
    """

    first_block_number: int
    parent_hash: bytes
    parent_timestamp: int
    parent_l1_origin_number: int
    blocks: tuple[BatchBlock, ...]

    @property
    def transaction_count(self) -> int:
        return sum(len(block.transactions) for block in self.blocks)


# --- encoding -------------------------------------------------------------------------------------


# -- what fits in one batch -------------------------------------------------------------------
# A sequencer's block reaches L1 whole, in one batch: at most MAX_BATCH_TRANSACTIONS transactions,
# MAX_PAYLOAD_BYTES before compression and MAX_BATCH_BYTES after. Compressing to find out costs
# ~100 ms per full block in Python; a bound on the payload from each transaction's fields costs a
# few microseconds per transaction and loses little: FastLZ never expands data by more than one
# byte in 32 (plus its version byte).

BATCH_HEADER_BYTES = 128
"""More than a one-block batch's header takes: block number, parent hash, counts, block header."""
ADDRESS_ENTRY_BYTES = 20
"""A `to` address the batch's dictionary holds once."""
FITTING_PAYLOAD_BYTES = min(
    MAX_PAYLOAD_BYTES, (MAX_BATCH_BYTES - 8) * 32 // 33 - BATCH_HEADER_BYTES
)
"""Transaction bytes (dictionary included) a one-block payload may hold and surely fit."""


def measure_varint(value: int) -> int:
    """Bytes of `value` as the batch's LEB128 varint."""
    return max(1, -(-value.bit_length() // 7))


def bound_transaction_bytes(tx: Transaction) -> int:
    """At least the bytes `tx` takes in a batch payload, its `to` dictionary entry excluded."""
    size = 1 + 3 + 64  # type, to index (varint of a dictionary rank < 2**21), r and s (parity)
    for value in (tx.nonce, tx.max_priority_fee_per_gas, tx.max_fee_per_gas, tx.gas_limit):
        size += measure_varint(value)
    size += measure_varint(tx.value) + measure_varint(len(tx.data)) + len(tx.data)
    size += measure_varint(len(tx.access_list))
    for _address, keys in tx.access_list:
        size += 20 + measure_varint(len(keys)) + 32 * len(keys)
    return size


def fits_alone_in_batch(tx: Transaction) -> bool:
    """Whether a block of `tx` alone surely fits in a batch (one that does not can never be
    posted)."""
    return bound_transaction_bytes(tx) + ADDRESS_ENTRY_BYTES <= FITTING_PAYLOAD_BYTES


def count_fitting_transactions(transactions: Sequence[Transaction]) -> int:
    """The length of the longest prefix of `transactions` that surely fits in one batch, as the
    only block of it."""
    total = 0
    addresses: set[bytes | None] = set()
    for count, tx in enumerate(transactions):
        total += bound_transaction_bytes(tx)
        if tx.to not in addresses:
            addresses.add(tx.to)
            total += ADDRESS_ENTRY_BYTES
        if total > FITTING_PAYLOAD_BYTES or count >= MAX_BATCH_TRANSACTIONS:
            return count
    return len(transactions)


def encode_batch(batch: Batch) -> bytes:
    """Return the L1 bytes of `batch`: version ‖ FastLZ(payload).

    Raises InvalidBatch if the batch cannot be encoded or the result exceeds MAX_BATCH_BYTES.
    """
    data = compress_payload(encode_payload(batch))
    if len(data) > MAX_BATCH_BYTES:
        raise InvalidBatch(
            f"batch is {len(data)} bytes, more than MAX_BATCH_BYTES {MAX_BATCH_BYTES}"
        )
    return data


def encode_payload(batch: Batch) -> bytes:
    """Return the payload of `batch` before compression. Raises InvalidBatch (see the module)."""
    if not batch.blocks:
        raise InvalidBatch("a batch holds at least one block")
    if len(batch.blocks) > MAX_BATCH_BLOCKS:
        raise InvalidBatch(f"more than MAX_BATCH_BLOCKS {MAX_BATCH_BLOCKS} blocks")
    if batch.transaction_count > MAX_BATCH_TRANSACTIONS:
        raise InvalidBatch(
            f"more than MAX_BATCH_TRANSACTIONS {MAX_BATCH_TRANSACTIONS} transactions"
        )
    encoder = _BodyEncoder(batch)
    for block in batch.blocks:
        encoder.add_block(block)
    payload = encoder.payload(len(batch.blocks))
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise InvalidBatch(f"payload larger than MAX_PAYLOAD_BYTES {MAX_PAYLOAD_BYTES}")
    return payload


def pack_batch(batch: Batch) -> tuple[Batch, bytes]:
    """Fit as many whole blocks of `batch`, from the first, as one batch can hold.

    Return the batch of the first k blocks and its L1 bytes, where the first k blocks are within
    every limit and the first k + 1 are not (or k is all of them). The compressed size of a prefix
    is only known by compressing it, so a few prefixes are tried: first the one whose payload is
    MAX_BATCH_BYTES, then guesses from the compression ratio seen, then interpolation between the
    longest prefix known to fit and the shortest known not to (bisecting when that gains little);
    usually 2 to 4 compressions. Blocks are encoded only as far as the guesses reach, once: the
    payload of every prefix is cut from the same encoding, since the dictionary's first-use order
    is the same in every prefix. Raises InvalidBatch if even the first block alone does not fit,
    or if a block that would be tried cannot be encoded.
    """
    if not batch.blocks:
        raise InvalidBatch("a batch holds at least one block")
    packer = _Packer(batch)
    packer.extend(MAX_BATCH_BYTES)
    if not packer.usable:
        raise InvalidBatch("the first block alone exceeds MAX_PAYLOAD_BYTES")
    low, high = 0, 0  # longest prefix known to fit (0: none yet), shortest known not to (0: none)
    guess = packer.prefix_for_payload_size(MAX_BATCH_BYTES)
    interpolate = True
    while True:
        width = high - low if high else 0
        if packer.compress(guess) <= MAX_BATCH_BYTES:
            low = guess
        else:
            high = guess
        if not high:  # all tried prefixes fit: extrapolate with the ratio seen
            if low == packer.usable and packer.exhausted:
                break
            size, compressed = packer.points[low]
            target = size * MAX_BATCH_BYTES // compressed
            packer.extend(target)
            guess = min(max(packer.prefix_for_payload_size(target), low + 1), packer.usable)
            if guess == low:
                break
            continue
        if high - low <= 1:
            break
        if interpolate:
            (size_low, compressed_low), (size_high, compressed_high) = (
                packer.points[low],
                packer.points[high],
            )
            slope = (size_high - size_low) / max(compressed_high - compressed_low, 1)
            target = size_low + int((MAX_BATCH_BYTES - compressed_low) * slope)
            guess = packer.prefix_for_payload_size(target)
        else:
            guess = (low + high) // 2
        guess = min(max(guess, low + 1), high - 1)
        interpolate = not width or (high - low) * 2 <= width
    if not low:
        raise InvalidBatch("the first block alone exceeds MAX_BATCH_BYTES")
    sub_batch = Batch(
        batch.first_block_number,
        batch.parent_hash,
        batch.parent_timestamp,
        batch.parent_l1_origin_number,
        batch.blocks[:low],
    )
    return sub_batch, packer.compressed[low]


def split_into_batches(batch: Batch, block_hashes: Sequence[bytes]) -> list[tuple[Batch, bytes]]:
    """Cut `batch`'s blocks into consecutive batches with `pack_batch`, each as full as it can be.

    `block_hashes[i]` is the hash of `batch.blocks[i]`: a batch's parent_hash is the hash of the
    previous batch's last block. Return (batch, L1 bytes) pairs in order.
    """
    if len(block_hashes) != len(batch.blocks):
        raise ValueError("one block hash per block is needed")
    result: list[tuple[Batch, bytes]] = []
    rest = batch
    done = 0
    while rest.blocks:
        sub_batch, data = pack_batch(rest)
        result.append((sub_batch, data))
        done += len(sub_batch.blocks)
        last = sub_batch.blocks[-1]
        rest = Batch(
            sub_batch.first_block_number + len(sub_batch.blocks),
            block_hashes[done - 1],
            last.timestamp,
            last.l1_origin_number,
            rest.blocks[len(sub_batch.blocks) :],
        )
    return result


def compress_payload(payload: bytes) -> bytes:
    """The L1 bytes of a batch payload: version ‖ FastLZ(payload), unchecked."""
    return bytes((BATCH_VERSION,)) + fastlz.compress(payload)


class _Packer:
    """pack_batch's state: the blocks encoded so far and the prefixes compressed."""

    def __init__(self, batch: Batch) -> None:
        self.blocks = batch.blocks
        self.encoder = _BodyEncoder(batch)
        self.transactions = 0
        self.usable = 0
        """How many of the encoded blocks may be in one batch (all but one over the limits)."""
        self.exhausted = False
        """No further block may join: none left, or the next breaks a limit."""
        self.points: dict[int, tuple[int, int]] = {0: (0, 0)}
        """Block count -> (payload size, compressed size) of the prefixes compressed."""
        self.compressed: dict[int, bytes] = {}

    def extend(self, size: int) -> None:
        """Encode blocks until the payload of the encoded ones exceeds `size` bytes, or no block
        more may join a batch."""
        encoder = self.encoder
        while not self.exhausted and (not self.usable or encoder.payload_size(self.usable) <= size):
            count = encoder.block_count
            if count == len(self.blocks) or count == MAX_BATCH_BLOCKS:
                self.exhausted = True
                break
            block = self.blocks[count]
            self.transactions += len(block.transactions)
            if self.transactions > MAX_BATCH_TRANSACTIONS:
                self.exhausted = True
                break
            encoder.add_block(block)
            if encoder.payload_size(count + 1) > MAX_PAYLOAD_BYTES:
                self.exhausted = True
                break
            self.usable = count + 1

    def prefix_for_payload_size(self, size: int) -> int:
        """The largest usable block count whose payload is at most about `size` (at least 1)."""
        return min(self.encoder.prefix_for_payload_size(size), self.usable)

    def compress(self, count: int) -> int:
        """Compress the batch of the first `count` blocks; return its size in bytes."""
        payload = self.encoder.payload(count)
        data = compress_payload(payload)
        self.points[count] = (len(payload), len(data))
        if len(data) <= MAX_BATCH_BYTES:
            self.compressed[count] = data
        return len(data)


class _BodyEncoder:
    """Encodes blocks one by one; any prefix's payload is cut from the result.

    Block bodies refer to `to` addresses by their first-use rank over the blocks added so far,
    which is the same in every prefix, so the payload of the first k blocks is its head, the
    dictionary's first `dictionary_sizes[k - 1]` entries and the bodies' first `block_ends[k - 1]`
    bytes.
    """

    def __init__(self, batch: Batch) -> None:
        if not 0 <= batch.first_block_number < _UINT64_LIMIT:
            raise InvalidBatch("first_block_number out of uint64 range")
        if len(batch.parent_hash) != HASH_LENGTH:
            raise InvalidBatch(f"parent_hash must be {HASH_LENGTH} bytes")
        self.batch = batch
        self.body = bytearray()
        self.dictionary: dict[bytes, int] = {}
        self.block_ends: list[int] = []
        self.dictionary_sizes: list[int] = []
        self.chain_id: int | None = None
        self.parent_timestamp = batch.parent_timestamp
        self.parent_origin = batch.parent_l1_origin_number

    @property
    def block_count(self) -> int:
        return len(self.block_ends)

    def payload_size(self, count: int) -> int:
        """The length of the payload of the first `count` blocks added."""
        return len(self._head(count)) + self._body_size(count)

    def prefix_for_payload_size(self, size: int) -> int:
        """The largest block count whose payload is at most `size` bytes (at least 1)."""
        low, high = 1, self.block_count
        while low < high:
            middle = (low + high + 1) // 2
            if self._body_size(middle) <= size:
                low = middle
            else:
                high = middle - 1
        return low

    def _body_size(self, count: int) -> int:
        return ADDRESS_LENGTH * self.dictionary_sizes[count - 1] + self.block_ends[count - 1]

    def _head(self, count: int) -> bytes:
        head = bytearray()
        _put_uint(head, self.batch.first_block_number)
        head += self.batch.parent_hash
        _put_uint(head, count)
        _put_uint(head, self.dictionary_sizes[count - 1])
        return bytes(head)

    def add_block(self, block: BatchBlock) -> None:
        out = self.body
        if not 0 <= block.timestamp < _UINT64_LIMIT:
            raise InvalidBatch("block timestamp out of uint64 range")
        if not 0 <= block.l1_origin_number < _UINT64_LIMIT:
            raise InvalidBatch("block l1_origin_number out of uint64 range")
        if block.timestamp < self.parent_timestamp:
            raise InvalidBatch("block timestamp before its parent's")
        if block.l1_origin_number < self.parent_origin:
            raise InvalidBatch("block l1_origin_number before its parent's")
        _put_uint(out, block.timestamp - self.parent_timestamp)
        _put_uint(out, block.l1_origin_number - self.parent_origin)
        _put_uint(out, len(block.transactions))
        for tx in block.transactions:
            self._add_transaction(tx)
        self.parent_timestamp = block.timestamp
        self.parent_origin = block.l1_origin_number
        self.block_ends.append(len(out))
        self.dictionary_sizes.append(len(self.dictionary))

    def _add_transaction(self, tx: Transaction) -> None:
        out = self.body
        tx_type = tx.tx_type
        if tx_type not in _SUPPORTED_TYPES:
            raise InvalidBatch(f"transaction type 0x{tx_type:02x} cannot be batched")
        if tx.to is None:
            raise InvalidBatch("contract creation (to = None) cannot be batched")
        if len(tx.to) != ADDRESS_LENGTH:
            raise InvalidBatch(f"address must be {ADDRESS_LENGTH} bytes")
        if self.chain_id is None:
            self.chain_id = tx.chain_id
        elif tx.chain_id != self.chain_id:
            raise InvalidBatch("all transactions of a batch have the chain's id (one chain id)")
        if tx_type != TX_TYPE_DYNAMIC_FEE and tx.max_priority_fee_per_gas != tx.max_fee_per_gas:
            raise InvalidBatch(
                "legacy and access-list transactions have a single gas price: "
                "max_priority_fee_per_gas must equal max_fee_per_gas"
            )
        if tx.y_parity not in (0, 1):
            raise InvalidBatch("y_parity must be 0 or 1")
        if not 0 <= tx.s < _Y_PARITY_BIT:
            raise InvalidBatch("s must be below 2^255 (EIP-2 low s)")
        if not 0 <= tx.r < _UINT256_LIMIT:
            raise InvalidBatch("r out of uint256 range")
        out.append(tx_type)
        _put_uint256(out, tx.nonce)
        _put_uint256(out, tx.max_priority_fee_per_gas)
        _put_uint256(out, tx.max_fee_per_gas)
        _put_uint256(out, tx.gas_limit)
        index = self.dictionary.get(tx.to)
        if index is None:
            index = self.dictionary[tx.to] = len(self.dictionary)
        _put_uint(out, index)
        _put_uint256(out, tx.value)
        _put_uint(out, len(tx.data))
        out += tx.data
        if tx_type == TX_TYPE_LEGACY:
            if tx.access_list:
                raise InvalidBatch("legacy transaction cannot have an access list")
        else:
            _put_access_list(out, tx.access_list)
        out += tx.r.to_bytes(32, "big")
        out += (tx.s | (_Y_PARITY_BIT if tx.y_parity else 0)).to_bytes(32, "big")

    def payload(self, count: int) -> bytes:
        """The payload of the first `count` blocks added."""
        addresses = list(self.dictionary)[: self.dictionary_sizes[count - 1]]
        body = memoryview(self.body)[: self.block_ends[count - 1]]
        return b"".join((self._head(count), *addresses, body))


def _put_uint(out: bytearray, value: int) -> None:
    """Append `value` (>= 0) as an unsigned LEB128 varint."""
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def _put_uint256(out: bytearray, value: int) -> None:
    if not 0 <= value < _UINT256_LIMIT:
        raise InvalidBatch("integer out of uint256 range")
    _put_uint(out, value)


def _put_access_list(out: bytearray, access_list: AccessList) -> None:
    _put_uint(out, len(access_list))
    for address, keys in access_list:
        if len(address) != ADDRESS_LENGTH:
            raise InvalidBatch(f"address must be {ADDRESS_LENGTH} bytes")
        out += address
        _put_uint(out, len(keys))
        for key in keys:
            if len(key) != STORAGE_KEY_LENGTH:
                raise InvalidBatch(f"storage key must be {STORAGE_KEY_LENGTH} bytes")
            out += key


# --- decoding -------------------------------------------------------------------------------------


def decode_batch(
    data: bytes, chain_id: int, parent_timestamp: int, parent_l1_origin_number: int
) -> Batch:
    """Decode the L1 bytes of a batch. Raises InvalidBatch naming the rule broken (see the module).

    `chain_id` is the L2's; `parent_timestamp` and `parent_l1_origin_number` are those of the
    block the batch builds on (its parent_hash), which the first block's deltas are relative to.
    """
    return decode_payload(
        decompress_batch(data), chain_id, parent_timestamp, parent_l1_origin_number
    )


def decompress_batch(data: bytes) -> bytes:
    """Return the payload of the L1 bytes of a batch: check the size and the version byte, undo
    FastLZ. Raises InvalidBatch (empty, over MAX_BATCH_BYTES, unknown version, FastLZ data that
    does not decode or expands past MAX_PAYLOAD_BYTES). BatchReader.decompress mirrors it."""
    if not data:
        raise InvalidBatch("empty batch")
    if len(data) > MAX_BATCH_BYTES:
        raise InvalidBatch(f"batch larger than MAX_BATCH_BYTES {MAX_BATCH_BYTES}")
    if data[0] != BATCH_VERSION:
        raise InvalidBatch(f"unknown batch version 0x{data[0]:02x}")
    try:
        return fastlz.decompress(data[1:], MAX_PAYLOAD_BYTES)
    except ValueError as exc:
        raise InvalidBatch(f"malformed FastLZ data: {exc}") from exc


def decode_payload(
    payload: bytes, chain_id: int, parent_timestamp: int, parent_l1_origin_number: int
) -> Batch:
    """Decode a batch's payload (after decompression); see decode_batch."""
    header = read_payload_header(payload)
    first_block_number = header.first_block_number
    parent_hash = header.parent_hash
    block_count = header.block_count
    dictionary = header.dictionary
    entries = len(dictionary)
    reader = _Reader(bytes(payload), header.body_offset)
    used = 0  # dictionary entries used so far: the next first use must be index `used`
    transactions = 0
    timestamp = parent_timestamp
    origin = parent_l1_origin_number
    blocks: list[BatchBlock] = []
    for _ in range(block_count):
        timestamp += reader.uint(UINT64_BITS, "timestamp delta")
        origin += reader.uint(UINT64_BITS, "l1_origin_number delta")
        if timestamp >= _UINT64_LIMIT or origin >= _UINT64_LIMIT:
            raise InvalidBatch("block timestamp or l1_origin_number out of uint64 range")
        tx_count = reader.uint(UINT64_BITS, "tx_count")
        transactions += tx_count
        if transactions > MAX_BATCH_TRANSACTIONS:
            raise InvalidBatch(
                f"more than MAX_BATCH_TRANSACTIONS {MAX_BATCH_TRANSACTIONS} transactions"
            )
        block_transactions: list[Transaction] = []
        for _ in range(tx_count):
            tx, used = _read_transaction(reader, dictionary, chain_id, used)
            block_transactions.append(tx)
        blocks.append(BatchBlock(timestamp, origin, tuple(block_transactions)))
    if reader.position != len(reader.data):
        raise InvalidBatch("trailing bytes after the last block")
    if used != entries:
        raise InvalidBatch("unused dictionary entry")
    return Batch(
        first_block_number, parent_hash, parent_timestamp, parent_l1_origin_number, tuple(blocks)
    )


# --- cursor readers (what the one-step proof reads) -------------------------------------------------
#
# The fraud-proof step machine (docs/FRAUD_PROOFS.md §1) reads a batch piece by piece: its header
# when it opens the batch, then one block header or one transaction per step, at a byte offset it
# carries in its state. These readers are that cursor view, and contracts/src/prover/BatchReader.sol
# accepts exactly what they accept: every rule a piece can be checked by alone (the version byte,
# FastLZ, canonical varints and their ranges, the header's block count and dictionary, a block's
# transaction count, transaction types, single gas price, the dictionary index's range, the
# lengths of the data and access list) but none that needs the whole batch (first-use order of the
# dictionary, no unused entry, the batch's transaction total, uint64 timestamps and origins after
# the deltas, nothing trailing the last block): decode_payload checks those too.


@dataclass(frozen=True, slots=True)
class PayloadHeader:
    """What precedes a payload's first block; `body_offset` is the offset of that block."""

    first_block_number: int
    parent_hash: bytes
    block_count: int
    dictionary: tuple[bytes, ...]
    body_offset: int


def read_payload_header(payload: bytes) -> PayloadHeader:
    """Read a payload's header: first block number, parent hash, block count (1 to
    MAX_BATCH_BLOCKS), the address dictionary (at most MAX_BATCH_TRANSACTIONS entries, no
    duplicate). The payload is at most MAX_PAYLOAD_BYTES. Raises InvalidBatch."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise InvalidBatch(f"payload larger than MAX_PAYLOAD_BYTES {MAX_PAYLOAD_BYTES}")
    reader = _Reader(bytes(payload))
    first_block_number = reader.uint(UINT64_BITS, "first_block_number")
    parent_hash = reader.take(HASH_LENGTH)
    block_count = reader.uint(UINT64_BITS, "block_count")
    if block_count == 0:
        raise InvalidBatch("a batch holds at least one block")
    if block_count > MAX_BATCH_BLOCKS:
        raise InvalidBatch(f"more than MAX_BATCH_BLOCKS {MAX_BATCH_BLOCKS} blocks")
    entries = reader.uint(UINT64_BITS, "dictionary count")
    if entries > MAX_BATCH_TRANSACTIONS:
        raise InvalidBatch("more dictionary entries than transactions")
    dictionary = tuple(reader.take(ADDRESS_LENGTH) for _ in range(entries))
    if len(set(dictionary)) != entries:
        raise InvalidBatch("duplicate address in the dictionary")
    return PayloadHeader(first_block_number, parent_hash, block_count, dictionary, reader.position)


def read_block_header(payload: bytes, offset: int) -> tuple[int, int, int, int]:
    """Read the block header at `offset`: return (timestamp delta, origin delta, tx count, offset
    after them). The deltas are uint64 varints, the tx count at most MAX_BATCH_TRANSACTIONS.
    Raises InvalidBatch."""
    reader = _Reader(bytes(payload), _check_offset(offset))
    timestamp_delta = reader.uint(UINT64_BITS, "timestamp delta")
    origin_delta = reader.uint(UINT64_BITS, "l1_origin_number delta")
    tx_count = reader.uint(UINT64_BITS, "tx_count")
    if tx_count > MAX_BATCH_TRANSACTIONS:
        raise InvalidBatch(
            f"more than MAX_BATCH_TRANSACTIONS {MAX_BATCH_TRANSACTIONS} transactions"
        )
    return timestamp_delta, origin_delta, tx_count, reader.position


def read_transaction(
    payload: bytes, offset: int, dictionary: Sequence[bytes], chain_id: int
) -> tuple[Transaction, int]:
    """Read the transaction at `offset` with the batch's `dictionary` (read_payload_header);
    return it, with `chain_id`, and the offset after it. Raises InvalidBatch."""
    reader = _Reader(bytes(payload), _check_offset(offset))
    tx, _ = _read_transaction(reader, dictionary, chain_id, _UNCHECKED_FIRST_USE)
    return tx, reader.position


_UNCHECKED_FIRST_USE = -1


@dataclass(frozen=True, slots=True)
class ReadBlock:
    """A block as the step machine reads it out of a batch: its deltas, the transactions that
    read, and the offset after the last of them. `complete` is False when a transaction did not
    read: the block ends before it (`end_offset` is where it starts) and the batch ends too."""

    timestamp_delta: int
    origin_delta: int
    transactions: tuple[Transaction, ...]
    end_offset: int
    complete: bool


@dataclass(frozen=True, slots=True)
class ReadBatch:
    """A batch as the step machine reads it (docs/SETTLEMENT.md §5): its header and its blocks up
    to the first block header that does not read, the last one cut at the first transaction that
    does not read. Bytes after them and unused dictionary entries are ignored."""

    header: PayloadHeader
    blocks: tuple[ReadBlock, ...]


def read_batch(data: bytes, chain_id: int) -> ReadBatch | None:
    """Read a batch's L1 bytes piece by piece, as read_block_header and read_transaction would at
    each offset in turn; None if it does not decompress or its payload header does not read."""
    try:
        payload = decompress_batch(data)
        header = read_payload_header(payload)
    except InvalidBatch:
        return None
    reader = _Reader(bytes(payload), header.body_offset)
    blocks: list[ReadBlock] = []
    for _ in range(header.block_count):
        try:
            timestamp_delta = reader.uint(UINT64_BITS, "timestamp delta")
            origin_delta = reader.uint(UINT64_BITS, "l1_origin_number delta")
            tx_count = reader.uint(UINT64_BITS, "tx_count")
        except InvalidBatch:
            break
        if tx_count > MAX_BATCH_TRANSACTIONS:
            break
        transactions: list[Transaction] = []
        complete = True
        for _ in range(tx_count):
            start = reader.position
            try:
                tx, _ = _read_transaction(reader, header.dictionary, chain_id, _UNCHECKED_FIRST_USE)
            except InvalidBatch:
                reader.position = start
                complete = False
                break
            transactions.append(tx)
        blocks.append(
            ReadBlock(timestamp_delta, origin_delta, tuple(transactions), reader.position, complete)
        )
        if not complete:
            break
    return ReadBatch(header, tuple(blocks))


def _check_offset(offset: int) -> int:
    if offset < 0:
        raise InvalidBatch("negative payload offset")
    return offset


def _read_transaction(
    reader: _Reader, dictionary: Sequence[bytes], chain_id: int, used: int
) -> tuple[Transaction, int]:
    """Read one transaction. `used` is how many dictionary entries the batch used before it: an
    index past the used ones must be the next one (first-use order), and the count after the
    transaction is returned. With `used` _UNCHECKED_FIRST_USE that whole-batch rule is not
    checked."""
    take = reader.take
    uint256 = reader.uint256
    tx_type = reader.byte()
    if tx_type not in _SUPPORTED_TYPES:
        raise InvalidBatch(f"transaction type 0x{tx_type:02x} cannot be in a batch")
    nonce = uint256()
    max_priority_fee_per_gas = uint256()
    max_fee_per_gas = uint256()
    if tx_type != TX_TYPE_DYNAMIC_FEE and max_priority_fee_per_gas != max_fee_per_gas:
        raise InvalidBatch(
            "legacy and access-list transactions have a single gas price: "
            "max_priority_fee_per_gas must equal max_fee_per_gas"
        )
    gas_limit = uint256()
    index = reader.uint(UINT64_BITS, "dictionary index")
    entries = len(dictionary)
    if index >= entries:
        raise InvalidBatch(f"dictionary index {index} out of range ({entries} entries)")
    if index >= used >= 0:
        if index > used:
            raise InvalidBatch("dictionary not in first-use order")
        used += 1
    value = uint256()
    data = take(reader.uint(UINT64_BITS, "data length"))
    access_list = () if tx_type == TX_TYPE_LEGACY else reader.access_list()
    signature = take(SIGNATURE_LENGTH)
    s = int.from_bytes(signature[32:], "big")
    tx = Transaction(
        tx_type=tx_type,
        chain_id=chain_id,
        nonce=nonce,
        max_priority_fee_per_gas=max_priority_fee_per_gas,
        max_fee_per_gas=max_fee_per_gas,
        gas_limit=gas_limit,
        to=dictionary[index],
        value=value,
        data=data,
        access_list=access_list,
        y_parity=s >> 255,
        r=int.from_bytes(signature[:32], "big"),
        s=s & (_Y_PARITY_BIT - 1),
    )
    return tx, used


class _Reader:
    """A cursor over the payload; every read raises InvalidBatch past the end."""

    __slots__ = ("data", "position")

    def __init__(self, data: bytes, position: int = 0) -> None:
        self.data = data
        self.position = position

    def byte(self) -> int:
        position = self.position
        if position >= len(self.data):
            raise InvalidBatch("payload ends inside a field")
        self.position = position + 1
        return self.data[position]

    def take(self, length: int) -> bytes:
        start = self.position
        end = start + length
        if end > len(self.data):
            raise InvalidBatch("payload ends inside a field")
        self.position = end
        return self.data[start:end]

    def uint256(self) -> int:
        return self.uint(UINT256_BITS, "transaction integer")

    def uint(self, bits: int, field: str) -> int:
        """Read a canonical LEB128 varint below 2^bits."""
        data = self.data
        position = self.position
        try:
            byte = data[position]
            if byte < 0x80:  # one byte: the common case
                self.position = position + 1
                return byte
            value = byte & 0x7F
            shift = 7
            while True:
                position += 1
                byte = data[position]
                value |= (byte & 0x7F) << shift
                shift += 7
                if byte < 0x80:
                    break
                if shift >= bits:
                    raise InvalidBatch(f"{field}: varint longer than {bits} bits")
        except IndexError:
            raise InvalidBatch("payload ends inside a varint") from None
        if byte == 0:
            raise InvalidBatch(f"{field}: non-canonical varint (final byte 0x00)")
        if value >> bits:
            raise InvalidBatch(f"{field}: varint larger than {bits} bits")
        self.position = position + 1
        return value

    def access_list(self) -> AccessList:
        count = self.uint(UINT64_BITS, "access list count")
        entries = []
        for _ in range(count):
            address = self.take(ADDRESS_LENGTH)
            keys = self.uint(UINT64_BITS, "storage key count")
            entries.append((address, tuple(self.take(STORAGE_KEY_LENGTH) for _ in range(keys))))
        return tuple(entries)
