"""Tests for rollup.fastlz: Solady LibZip's FastLZ format, byte for byte.

The oracle for `compress` is `solady_flz_compress` below, a line-by-line transliteration of
`LibZip.flzCompress` (solady 0.1.26, src/utils/LibZip.sol, and its twin in js/solady.js), kept
deliberately naive. The real Solidity is the final judge: `build_vectors` makes the vectors in
contracts/test/vectors/fastlz.json, on which contracts/test/FastLZ.t.sol checks that
LibZip.flzDecompress gives back the inputs and LibZip.flzCompress gives exactly our bytes.
Regenerate the file after a change with `python -m tests.unit.test_fastlz`.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollup.fastlz import compress, decompress

REPOSITORY = Path(__file__).resolve().parents[2]
VECTORS_PATH = REPOSITORY / "contracts" / "test" / "vectors" / "fastlz.json"
SOLADY_JS = REPOSITORY / "node_modules" / "solady" / "js" / "solady.js"


def solady_flz_compress(ib: bytes) -> bytes:
    """LibZip.flzCompress, transliterated statement by statement (the oracle)."""
    b = len(ib) - 4
    ht = [0] * 8192
    ob = bytearray()

    def u24(i: int) -> int:
        return ib[i] | (ib[i + 1] << 8) | (ib[i + 2] << 16)

    def hash_(x: int) -> int:
        return ((2654435769 * x) >> 19) & 8191

    def literals(r: int, s: int) -> None:
        while r >= 32:
            ob.append(31)
            ob.extend(ib[s : s + 32])
            s += 32
            r -= 32
        if r:
            ob.append(r - 1)
            ob.extend(ib[s : s + r])

    a = 0
    i = 2
    while i < b - 9:
        while True:
            s = u24(i)
            h = hash_(s)
            r = ht[h]
            ht[h] = i
            d = i - r
            c = u24(r) if d < 8192 else 0x1000000
            if not i < b - 9:
                break
            i += 1
            if s == c:
                break
        if i >= b - 9:
            break
        i -= 1
        if i > a:
            literals(i - a, a)
        length = 0
        p = r + 3
        q = i + 3
        e = b - q
        while length < e:
            if ib[p + length] != ib[q + length]:
                e = 0
            length += 1
        i += length
        d -= 1
        while length > 262:
            ob += bytes((224 + (d >> 8), 253, d & 255))
            length -= 262
        if length < 7:
            ob += bytes(((length << 5) + (d >> 8), d & 255))
        else:
            ob += bytes((224 + (d >> 8), length - 7, d & 255))
        ht[hash_(u24(i))] = i
        i += 1
        ht[hash_(u24(i))] = i
        i += 1
        a = i
    literals(b + 4 - a, a)
    return bytes(ob)


def solady_flz_decompress(ib: bytes) -> bytes:
    """LibZip.flzDecompress on well-formed input, byte by byte (copies may overlap)."""
    i = 0
    ob = bytearray()
    while i < len(ib):
        t = ib[i] >> 5
        if t == 0:
            length = 1 + ib[i]
            ob += ib[i + 1 : i + 1 + length]
            i += 1 + length
            continue
        if t == 7:
            distance = 256 * (ib[i] & 31) + ib[i + 2]
            length = 9 + ib[i + 1]
            i += 3
        else:
            distance = 256 * (ib[i] & 31) + ib[i + 1]
            length = 2 + t
            i += 2
        r = len(ob) - distance - 1
        for _ in range(length):
            ob.append(ob[r])
            r += 1
    return bytes(ob)


def _repetitive(seed: int, size: int, alphabet: int) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(alphabet) for _ in range(size))


def _chunks(seed: int, size: int) -> bytes:
    """Random chunks repeated at random distances: matches of every length and distance."""
    rng = random.Random(seed)
    out = bytearray(rng.randbytes(64))
    while len(out) < size:
        if rng.random() < 0.3:
            out += rng.randbytes(rng.randrange(1, 80))
        else:
            length = rng.choice((3, 4, 8, 9, 20, 262, 263, 264, 300, 600))
            start = max(0, len(out) - rng.randrange(1, 9000))
            out += bytes(out[start : start + length])
    return bytes(out[:size])


def build_vectors() -> list[tuple[bytes, bytes]]:
    """Deterministic (input, our compression) pairs covering the format's corners."""
    rng = random.Random(20240601)
    inputs: list[bytes] = [b""]
    inputs += [rng.randbytes(n) for n in (1, 2, 13, 14, 15, 16, 17, 31, 32, 33, 64, 100)]
    inputs += [bytes(n) for n in (15, 16, 17, 18, 20, 100, 262, 263, 264, 265, 266, 1000, 5000)]
    inputs += [b"ab" * 500, b"abc" * 3000, _repetitive(1, 4000, 2), _repetitive(2, 4000, 4)]
    # Matches at the distance limits (8,191 is the longest the compressor uses).
    block = rng.randbytes(40)
    for gap in (8150, 8151, 8152, 8153, 8200):
        inputs.append(block + rng.randbytes(gap - 40) + block + rng.randbytes(20))
    inputs += [_chunks(seed, size) for seed, size in ((3, 3000), (4, 12000), (5, 30000))]
    inputs.append(rng.randbytes(5000))
    inputs.append(
        b"".join(rng.choice((b"\x00" * 40, rng.randbytes(30), b"\xff" * 7)) for _ in range(300))
    )
    return [(data, compress(data)) for data in inputs]


def _vectors_json(vectors: list[tuple[bytes, bytes]]) -> str:
    document = {
        "inputs": ["0x" + data.hex() for data, _ in vectors],
        "compressed": ["0x" + packed.hex() for _, packed in vectors],
    }
    return json.dumps(document, indent=1) + "\n"


def write_vectors() -> None:
    VECTORS_PATH.parent.mkdir(parents=True, exist_ok=True)
    VECTORS_PATH.write_text(_vectors_json(build_vectors()))


# --- compression: same bytes as Solady -----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", b""),
        (b"a", b"\x00a"),
        (b"x" * 15, b"\x0e" + b"x" * 15),  # too short for any match
        # 2 literals, one match at distance 2 cut into a 262-byte copy (0xe0 0xfd 0x01) and an
        # 8-byte one (0xc0 0x01), then the last 5 bytes as literals.
        (bytes(277), bytes.fromhex("010000e0fd01c001") + b"\x04" + bytes(5)),
    ],
)
def test_known_compressions(data: bytes, expected: bytes) -> None:
    assert solady_flz_compress(data) == expected
    assert compress(data) == expected


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_compress_matches_solady_on_arbitrary_bytes(data: bytes) -> None:
    assert compress(data) == solady_flz_compress(data)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.binary(min_size=1, max_size=40),
            st.sampled_from([b"\x00" * 300, b"\xff" * 9, b"ab", b"abcabcabc", b"\x00"]),
        ),
        max_size=60,
    ),
    st.integers(1, 6),
)
def test_compress_matches_solady_on_repetitive_bytes(parts: list[bytes], repeat: int) -> None:
    data = b"".join(parts) * repeat
    assert compress(data) == solady_flz_compress(data)


@pytest.mark.parametrize("seed", range(4))
def test_compress_matches_solady_on_long_inputs(seed: int) -> None:
    for data in (_chunks(seed, 40_000), _repetitive(seed, 20_000, 3), bytes(70_000)):
        assert compress(data) == solady_flz_compress(data)


# --- round trips ---------------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=5000))
def test_round_trip_arbitrary(data: bytes) -> None:
    packed = compress(data)
    assert decompress(packed, len(data)) == data
    assert solady_flz_decompress(packed) == data


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.binary(min_size=1, max_size=12), st.integers(1, 400)), min_size=1, max_size=30
    )
)
def test_round_trip_highly_repetitive(runs: list[tuple[bytes, int]]) -> None:
    data = b"".join(chunk * count for chunk, count in runs)
    packed = compress(data)
    assert decompress(packed, len(data)) == data
    assert solady_flz_decompress(packed) == data


@pytest.mark.parametrize("size", [0, 1, 16, 17, 263, 264, 265, 1_000_000])
def test_round_trip_single_byte_runs(size: int) -> None:
    data = b"\x07" * size
    packed = compress(data)
    assert len(packed) <= 3 * (size // 262) + 40
    assert decompress(packed, size) == data


def test_round_trip_incompressible_overhead() -> None:
    data = random.Random(9).randbytes(100_000)
    packed = compress(data)
    assert decompress(packed, len(data)) == data
    assert len(packed) <= len(data) + -(-len(data) // 32)  # at worst one header per 32 literals


# --- decompression of hostile input --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"\x00", "literal run at offset 0 is cut short"),
        (b"\x1fabc", "literal run at offset 0 is cut short"),
        (b"\x02ab", "literal run at offset 0 is cut short"),
        (b"\x00a\x20", "match at offset 2 is cut short"),
        (b"\x00a\xe0\x00", "match at offset 2 is cut short"),
        (b"\x20\x00", "reaches before the output's start"),  # nothing to copy from yet
        (b"\x00a\x20\x01", "reaches before the output's start"),  # distance 2, output 1
        (b"\x00a\x3f\xff", "reaches before the output's start"),  # distance 8192
    ],
)
def test_decompress_rejects_malformed(data: bytes, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        decompress(data, 1 << 20)


def test_decompress_accepts_what_solady_accepts() -> None:
    # A run (distance 1 after one literal) and the longest copy, 264 bytes (never produced).
    stream = b"\x00a" + b"\x20\x00" + b"\xe0\xff\x00"
    assert decompress(stream, 10_000) == b"a" * (1 + 3 + 264)
    # Distance 8,192, one more than the compressor uses.
    stream = (bytes((31,)) + bytes(range(32))) * 256 + b"\x5f\xff"
    assert decompress(stream, 8196) == bytes(range(32)) * 256 + bytes(range(4))
    assert solady_flz_decompress(stream) == decompress(stream, 8196)


def test_decompress_bounds_the_output() -> None:
    data = b"a" * 1000
    packed = compress(data)
    assert decompress(packed, 1000) == data
    with pytest.raises(ValueError, match="exceeds 999 bytes"):
        decompress(packed, 999)
    with pytest.raises(ValueError, match="exceeds 0 bytes"):
        decompress(b"\x00a", 0)


def test_decompress_bomb_is_cut_short() -> None:
    # 120 kB of 3-byte tokens each copying 264 bytes would make 10.5 MB.
    bomb = b"\x00\x00" + b"\xe0\xff\x00" * 40_000
    with pytest.raises(ValueError, match="exceeds 4194304 bytes"):
        decompress(bomb, 4 * 1024 * 1024)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400))
def test_decompress_garbage_raises_or_agrees_with_solady(data: bytes) -> None:
    try:
        out = decompress(data, 50_000)
    except ValueError:
        return
    assert out == solady_flz_decompress(data)


# --- vectors for the forge test, and the JavaScript twin -----------------------------------------


def test_vectors_file_is_current() -> None:
    """contracts/test/vectors/fastlz.json is what build_vectors makes (regenerate: see module)."""
    assert VECTORS_PATH.read_text() == _vectors_json(build_vectors()), (
        "stale vectors: run `python -m tests.unit.test_fastlz`"
    )


def test_vectors_match_the_oracle() -> None:
    for data, packed in build_vectors():
        assert packed == solady_flz_compress(data)
        assert decompress(packed, len(data)) == data


@pytest.mark.skipif(
    shutil.which("node") is None or not SOLADY_JS.exists(), reason="needs node and solady"
)
def test_compress_matches_solady_js() -> None:
    inputs = [data for data, _ in build_vectors()]
    script = (
        "const {LibZip} = require(process.argv[1]);"
        "let s = ''; process.stdin.on('data', c => s += c);"
        "process.stdin.on('end', () => console.log("
        "JSON.stringify(JSON.parse(s).map(x => LibZip.flzCompress(x)))));"
    )
    result = subprocess.run(
        ["node", "-e", script, str(SOLADY_JS)],
        input=json.dumps(["0x" + data.hex() for data in inputs]),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(result.stdout) == ["0x" + compress(data).hex() for data in inputs]


if __name__ == "__main__":
    write_vectors()
    print(f"wrote {VECTORS_PATH}")
