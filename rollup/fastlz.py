"""FastLZ (level 1) in the exact format of Solady's LibZip `flzCompress` / `flzDecompress`.

Batches are FastLZ-compressed so that the one-step proof on L1 can decompress them with Solady's
LibZip (docs/SETTLEMENT.md §4). `compress` is a transliteration of `LibZip.flzCompress` (solady
0.1.26, src/utils/LibZip.sol): it makes the same choices and returns the same bytes, which the forge
test contracts/test/FastLZ.t.sol checks on the vectors of tests/unit/test_fastlz.py.

The format is a sequence of tokens; the top 3 bits of a token's first byte are its kind:

- ``000nnnnn``, then n + 1 literal bytes (1 to 32);
- ``LLLddddd dddddddd`` with 1 <= L <= 6: copy L + 2 bytes from distance d + 1 back in the output;
- ``111ddddd llllllll dddddddd``: copy l + 9 bytes from distance d + 1 back.

Distances are 1 to 8,192; a copy may overlap the bytes it writes (a run). `decompress` accepts
exactly the token streams that Solady decodes without reading past the input or before the start
of the output, and decodes them to the same bytes. Solady does not check either (it reads whatever
memory is there); this module raises ValueError instead, and bounds the output, since a 3-byte token
can expand to 264 bytes.

The compressor is greedy: a hash table of 8,192 slots maps the hash of the 3 bytes at a position to
the last position seen with that hash; a match needs those 3 bytes to be equal and a distance of at
most 8,191. Speed in pure Python comes from precomputing, for every position, its 3-byte value and
its hash with a few big-integer and array operations (C loops), so that the scan over positions that
start no match, the hot loop on incompressible data such as signatures, does nothing else.
"""

from __future__ import annotations

import sys
from array import array

HASH_LOG = 13
HASH_SIZE = 1 << HASH_LOG
HASH_MULTIPLIER = 2654435769
"""Solady's hash of the 3 bytes v at a position: ((v * HASH_MULTIPLIER) >> 19) & 0x1fff."""
HASH_SHIFT = 19

MAX_DISTANCE = 8191
"""The compressor's longest match distance (Solady: a match needs ip - ref <= 0x1fff)."""
MAX_LITERAL_RUN = 32
MAX_MATCH_CHUNK = 262
"""Solady cuts a longer match into 262-byte copies (length field 253) and a last one."""

INPUT_TAIL = 13
"""No match starts in the last 13 bytes of the input (Solady's ipLimit = length - 13)."""
MATCH_TAIL = 4
"""Matches never extend into the last 4 bytes of the input."""

_TABLE_CHUNK = 1 << 16
"""Positions per step of the precomputation, to bound its temporary memory."""
_SLOT_MASK = int.from_bytes(b"\xff\x1f" + bytes(6), "little")


def compress(data: bytes) -> bytes:
    """Compress `data` exactly as Solady's `LibZip.flzCompress` does."""
    data = bytes(data)
    n = len(data)
    ip_limit = n - INPUT_TAIL
    out = bytearray()
    anchor = 0
    if ip_limit > 2:
        values, hashes = _position_tables(data)
        table = [0] * HASH_SIZE  # Solady zeroes its table: an empty slot points at position 0
        last = ip_limit - 1  # a match found at ip_limit - 1 is dropped (Solady's loop exits first)
        append = out.append
        ip = 2
        while ip < last:
            # Scan for a position whose 3 bytes equal those at the last position with its hash.
            for ip in range(ip, last):  # noqa: B020 (the loop resumes from where it stopped)
                h = hashes[ip]
                ref = table[h]
                table[h] = ip
                if values[ref] == values[ip] and ip - ref <= MAX_DISTANCE:
                    break
            else:
                break
            run = ip - anchor
            if run:
                if run <= MAX_LITERAL_RUN:
                    append(run - 1)
                    out += data[anchor:ip]
                else:
                    _emit_literals(out, data, anchor, ip)
            length = _match_length(data, ref + 3, ip + 3, n - MATCH_TAIL - 3 - ip)
            distance = ip - ref - 1
            # The token copies length + 2 bytes: the 3 hashed bytes and all the equal bytes after
            # them but the last one (Solady's cmp counts one past the first difference).
            if length < 7:
                append((length << 5) + (distance >> 8))
                append(distance & 255)
            elif length <= MAX_MATCH_CHUNK:
                append(224 + (distance >> 8))
                append(length - 7)
                append(distance & 255)
            else:
                _emit_long_match(out, length, distance)
            ip += length
            table[hashes[ip]] = ip
            ip += 1
            table[hashes[ip]] = ip
            ip += 1
            anchor = ip
    _emit_literals(out, data, anchor, n)
    return bytes(out)


def decompress(data: bytes, max_output: int) -> bytes:
    """Decompress a FastLZ token stream as Solady's `LibZip.flzDecompress` does.

    Raises ValueError if a token is cut short by the end of the input, if a copy reaches before the
    start of the output, or if the output would be longer than `max_output` bytes.
    """
    data = bytes(data)
    n = len(data)
    out = bytearray()
    size = 0
    i = 0
    while i < n:
        c = data[i]
        kind = c >> 5
        if kind == 0:
            end = i + c + 2
            if end > n:
                raise ValueError(f"FastLZ literal run at offset {i} is cut short")
            size += c + 1
            if size > max_output:
                raise ValueError(f"FastLZ output exceeds {max_output} bytes")
            out += data[i + 1 : end]
            i = end
            continue
        if kind == 7:
            if i + 2 >= n:
                raise ValueError(f"FastLZ match at offset {i} is cut short")
            length = data[i + 1] + 9
            distance = ((c & 31) << 8 | data[i + 2]) + 1
            i += 3
        else:
            if i + 1 >= n:
                raise ValueError(f"FastLZ match at offset {i} is cut short")
            length = kind + 2
            distance = ((c & 31) << 8 | data[i + 1]) + 1
            i += 2
        if distance > size:
            raise ValueError(f"FastLZ match before offset {i} reaches before the output's start")
        start = size - distance
        size += length
        if size > max_output:
            raise ValueError(f"FastLZ output exceeds {max_output} bytes")
        if distance >= length:
            out += out[start : start + length]
        else:  # the copy overlaps its own output: the last `distance` bytes repeat
            repeats, rest = divmod(length, distance)
            pattern = out[start:]
            out += pattern * repeats
            out += pattern[:rest]
    return bytes(out)


def _position_tables(data: bytes) -> tuple[array[int], array[int]]:
    """Return, for each position p < len(data) - 2, its 3 bytes as a little-endian integer v
    and Solady's hash of v.

    Each value is laid out in an 8-byte slot of one big integer, which is then multiplied, shifted
    and masked as a whole: the products (below 2^56) do not spill into the next slot.
    """
    count = len(data) - 2
    values: array[int] = array("Q")
    hashes: array[int] = array("Q")
    for start in range(0, count, _TABLE_CHUNK):
        stop = min(start + _TABLE_CHUNK, count)
        slots = bytearray(8 * (stop - start))
        slots[0::8] = data[start:stop]
        slots[1::8] = data[start + 1 : stop + 1]
        slots[2::8] = data[start + 2 : stop + 2]
        values.frombytes(slots)
        packed = int.from_bytes(slots, "little")
        mask = int.from_bytes(_SLOT_MASK.to_bytes(8, "little") * (stop - start), "little")
        product = ((packed * HASH_MULTIPLIER) >> HASH_SHIFT) & mask
        hashes.frombytes(product.to_bytes(len(slots), "little"))
    if sys.byteorder == "big":
        values.byteswap()
        hashes.byteswap()
    return values, hashes


def _match_length(data: bytes, p: int, q: int, bound: int) -> int:
    """Solady's cmp: 1 + the number of equal bytes data[p + k] == data[q + k], or `bound` if all of
    the first `bound` bytes are equal. `bound` is at least 7."""
    matched = 0
    step = 16
    while True:
        if step > bound - matched:
            step = bound - matched
        x = int.from_bytes(data[p + matched : p + matched + step], "little") ^ int.from_bytes(
            data[q + matched : q + matched + step], "little"
        )
        if x:  # the lowest set bit is in the first differing byte
            return matched + (((x & -x).bit_length() - 1) >> 3) + 1
        matched += step
        if matched >= bound:
            return bound
        step <<= 2


def _emit_literals(out: bytearray, data: bytes, start: int, end: int) -> None:
    """Append data[start:end] as literal runs of at most 32 bytes."""
    while end - start >= MAX_LITERAL_RUN:
        out.append(MAX_LITERAL_RUN - 1)
        out += data[start : start + MAX_LITERAL_RUN]
        start += MAX_LITERAL_RUN
    if end > start:
        out.append(end - start - 1)
        out += data[start:end]


def _emit_long_match(out: bytearray, length: int, distance: int) -> None:
    """Append the tokens of a match of Solady's length `length` > 262: 262-byte copies first."""
    high = distance >> 8
    low = distance & 255
    while length > MAX_MATCH_CHUNK:
        out += bytes((224 + high, 253, low))
        length -= MAX_MATCH_CHUNK
    if length < 7:
        out += bytes(((length << 5) + high, low))
    else:
        out += bytes((224 + high, length - 7, low))
