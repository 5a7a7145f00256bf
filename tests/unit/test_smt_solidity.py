"""The Solidity SparseMerkleProof library gives the same verdicts as rollup.smt, bit for bit.

Trees are built with rollup.smt.SparseMerkleTree from a seeded RNG (uniform keys, keys sharing
long prefixes, a leaf pair at the deepest encodable depth, trees whose absent keys end on another
key's leaf). For each tree the file collects proofs with their Python verdict: valid proofs, wrong
value hashes, wrong roots, wrong keys, exclusion proofs presented as inclusion, and tampered or
non-canonical encodings (flipped bits, truncation, trailing bytes, a zero sibling listed
explicitly, a bitmap bit beyond the depth, an unknown terminal kind). The Python verdict of proof
bytes is `decode_proof` succeeding and `verify_inclusion` (or `verify_exclusion`) holding.

The vectors are written to contracts/test/vectors/smt_vectors.json (proofs) and smt_trees.json
(trees for the test SMT builder, and the withdrawal vector), which the forge test
contracts/test/SparseMerkleProofVectors.t.sol reads with vm.readFile/vm.parseJson. The file is
checked in so that `forge test` alone runs them too; this module checks that it is current and
runs that forge test. Regenerate it after changing the generator or rollup.smt:

    python -m tests.unit.test_smt_solidity --write

The same file carries a known withdrawal vector: withdrawal hash, withdrawal tree root, output
root and inclusion proof, computed here with `compute_output_root` and
`compute_withdrawal_hash` below; the forge test checks the Bridge computes the same values and
proves and finalizes that withdrawal with the Python proof.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from rollup.crypto import keccak256
from rollup.smt import (
    EMPTY_HASH,
    SparseMerkleTree,
    decode_proof,
    encode_proof,
    verify_exclusion,
    verify_inclusion,
)
from rollup.system.bridge import compute_withdrawal_hash as protocol_withdrawal_hash

REPOSITORY = Path(__file__).resolve().parents[2]
CONTRACTS = REPOSITORY / "contracts"
VECTORS_PATH = CONTRACTS / "test" / "vectors" / "smt_vectors.json"
# The trees and the withdrawal vector sit in a second, small file: every vm.parseJson call copies
# its whole document into EVM memory, and the builder check makes dozens of calls.
TREES_PATH = CONTRACTS / "test" / "vectors" / "smt_trees.json"
FORGE = CONTRACTS / "tools" / "forge"
FORGE_VECTOR_CONTRACT = "SparseMerkleProofVectorsTest"
FORGE_VECTOR_TESTS = 4

SEED = 20_251_125
OUTPUT_VERSION = bytes(32)
WITHDRAWAL_VALUE_HASH = (1).to_bytes(32, "big")
HEADER_SIZE = 33  # depth (1) + bitmap (32)


# ----------------------------------------------------------------------------------------------
# Output roots and withdrawal hashes (docs/SETTLEMENT.md §1-§2)


def compute_output_root(state_root: bytes, withdrawal_root: bytes, l2_block_hash: bytes) -> bytes:
    """keccak256(bytes32(0) ‖ state_root ‖ withdrawal_root ‖ l2_block_hash)."""
    for part in (state_root, withdrawal_root, l2_block_hash):
        assert len(part) == 32
    return keccak256(OUTPUT_VERSION + state_root + withdrawal_root + l2_block_hash)


def compute_withdrawal_hash(
    index: int, sender: bytes, l1_recipient: bytes, l1_token: bytes, amount: int
) -> bytes:
    """keccak256(abi.encode(index, sender, l1Recipient, l1Token, amount)), written out word by
    word (each field left-padded to 32 bytes) rather than through an ABI encoder."""
    words = [
        index.to_bytes(32, "big"),
        bytes(12) + sender,
        bytes(12) + l1_recipient,
        bytes(12) + l1_token,
        amount.to_bytes(32, "big"),
    ]
    return keccak256(b"".join(words))


# The known withdrawal vector. Its hashes were also computed by the Solidity Bridge
# (hashWithdrawal / hashOutputRootProof); the forge test pins the same literals.
KNOWN_WITHDRAWALS = [
    (0, bytes.fromhex("5e7d" * 10), bytes.fromhex("a11ce" + "0" * 35), bytes(20), 10**18),
    (
        1,
        bytes.fromhex("5e7d" * 10),
        bytes.fromhex("ca201" + "0" * 35),
        bytes.fromhex("70" * 20),
        500,
    ),
    (2, bytes.fromhex("0b0b" * 10), bytes.fromhex("ca201" + "0" * 35), bytes(20), 2 * 10**18),
    (3, bytes.fromhex("0b0b" * 10), bytes.fromhex("a11ce" + "0" * 35), bytes.fromhex("70" * 20), 7),
    (4, bytes.fromhex("5e7d" * 10), bytes.fromhex("d00d" + "0" * 36), bytes(20), 123_456_789),
]
KNOWN_PROVEN = 2  # the withdrawal the forge test proves and finalizes
KNOWN_STATE_ROOT = keccak256(b"known state root")
KNOWN_BLOCK_HASH = keccak256(b"known block hash")
KNOWN_WITHDRAWAL_HASH = "0xa84717d69135db9e4c34959704772d6f5e57a1416c98f742c65d3b0c5d9bd03d"
KNOWN_OUTPUT_ROOT = "0x488ef6296d0fbeedf668d35cb227f6df4c90d873141691e52ae9ef17cbfef074"


# ----------------------------------------------------------------------------------------------
# Python verdicts on proof bytes


def inclusion_verdict(root: bytes, key: bytes, value_hash: bytes, proof: bytes) -> bool:
    """What rollup.smt says about `proof` as an inclusion proof: it must decode canonically and
    verify."""
    try:
        decoded = decode_proof(proof)
    except ValueError:
        return False
    return verify_inclusion(root, key, value_hash, decoded)


def exclusion_verdict(root: bytes, key: bytes, proof: bytes) -> bool:
    """What rollup.smt says about `proof` as an exclusion proof."""
    try:
        decoded = decode_proof(proof)
    except ValueError:
        return False
    return verify_exclusion(root, key, decoded)


# ----------------------------------------------------------------------------------------------
# Trees


def random_bytes32(rng: random.Random) -> bytes:
    return rng.getrandbits(256).to_bytes(32, "big")


def with_prefix(rng: random.Random, prefix_bits: int, prefix: int) -> bytes:
    """A key whose first `prefix_bits` bits are `prefix` and whose other bits are random."""
    tail_bits = 256 - prefix_bits
    tail = rng.getrandbits(tail_bits) if tail_bits else 0
    return ((prefix << tail_bits) | tail).to_bytes(32, "big")


def flip_bit(key: bytes, index: int) -> bytes:
    value = int.from_bytes(key, "big") ^ (1 << (255 - index))
    return value.to_bytes(32, "big")


def build_trees(rng: random.Random) -> list[tuple[str, dict[bytes, bytes], list[bytes]]]:
    """(name, leaves, absent keys to prove) for every tree shape of the vectors."""
    trees: list[tuple[str, dict[bytes, bytes], list[bytes]]] = []

    def add(name: str, leaves: dict[bytes, bytes], absent: list[bytes]) -> None:
        trees.append((name, leaves, [key for key in absent if key not in leaves]))

    single = random_bytes32(rng)
    add("single leaf", {single: random_bytes32(rng)}, [random_bytes32(rng), flip_bit(single, 255)])

    left = with_prefix(rng, 1, 0)
    right = with_prefix(rng, 1, 1)
    add(
        "two leaves split at the root",
        {left: random_bytes32(rng), right: random_bytes32(rng)},
        [with_prefix(rng, 1, 0), with_prefix(rng, 1, 1)],
    )

    base = random_bytes32(rng)
    add(
        "two leaves sharing 200 bits",
        {base: random_bytes32(rng), flip_bit(base, 200): random_bytes32(rng)},
        [flip_bit(base, 199), flip_bit(base, 50), flip_bit(base, 0), flip_bit(base, 230)],
    )

    deepest = random_bytes32(rng)
    add(
        "two leaves at the deepest encodable depth (255)",
        {deepest: random_bytes32(rng), flip_bit(deepest, 254): random_bytes32(rng)},
        [flip_bit(deepest, 100), flip_bit(deepest, 253)],
    )

    for size in (3, 5, 8, 20, 40):
        leaves = {random_bytes32(rng): random_bytes32(rng) for _ in range(size)}
        add(f"{size} uniform leaves", leaves, [random_bytes32(rng) for _ in range(2)])

    prefix = rng.getrandbits(96)
    clustered = {with_prefix(rng, 96, prefix): random_bytes32(rng) for _ in range(12)}
    clustered.update({random_bytes32(rng): random_bytes32(rng) for _ in range(4)})
    add(
        "12 leaves sharing 96 bits and 4 uniform",
        clustered,
        [with_prefix(rng, 96, prefix), with_prefix(rng, 90, prefix >> 6)],
    )

    nested: dict[bytes, bytes] = {}
    key = random_bytes32(rng)
    for depth in (10, 40, 41, 90, 150, 151, 220):
        nested[flip_bit(key, depth)] = random_bytes32(rng)
    nested[key] = random_bytes32(rng)
    add(
        "a comb of leaves along one deep path",
        nested,
        [flip_bit(key, 5), flip_bit(key, 60), flip_bit(key, 221), flip_bit(key, 255)],
    )

    # Exclusion-shaped: every absent key's path ends on another key's leaf (a terminal leaf that
    # is not the key's own), at various depths.
    anchors = [random_bytes32(rng) for _ in range(6)]
    shaped = {anchor: random_bytes32(rng) for anchor in anchors}
    add("exclusion-shaped", shaped, [flip_bit(anchor, 255) for anchor in anchors])

    withdrawals = {random_bytes32(rng): WITHDRAWAL_VALUE_HASH for _ in range(10)}
    add("withdrawal tree", withdrawals, [random_bytes32(rng)])
    return trees


# ----------------------------------------------------------------------------------------------
# Proof mutations


def non_canonical_variants(proof: bytes, rng: random.Random) -> list[tuple[str, bytes]]:
    """Encodings that must not decode (and so must not verify)."""
    depth = proof[0]
    bitmap = int.from_bytes(proof[1:HEADER_SIZE], "big")
    count = bitmap.bit_count()
    variants = [
        ("truncated by one byte", proof[:-1]),
        ("one trailing byte", proof + b"\x00"),
        ("header only", proof[:HEADER_SIZE]),
        ("empty", b""),
        ("unknown terminal kind", _with_kind(proof, count, 2)),
    ]
    zero_levels = [level for level in range(depth) if not (bitmap >> (255 - level)) & 1]
    if zero_levels:
        # List a zero sibling explicitly: the hashes are unchanged, but the encoding is not
        # canonical, so decode_proof rejects it.
        level = rng.choice(zero_levels)
        variants.append(
            ("zero sibling listed explicitly", _insert_sibling(proof, level, EMPTY_HASH))
        )
    if depth < 255:
        # Mark a sibling at the proof's depth (beyond its last level) and list one.
        variants.append(("bitmap bit beyond depth", _insert_sibling(proof, depth, b"\x11" * 32)))
    return variants


def _with_kind(proof: bytes, sibling_count: int, kind: int) -> bytes:
    offset = HEADER_SIZE + 32 * sibling_count
    return proof[:offset] + bytes((kind,)) + proof[offset + 1 :]


def _insert_sibling(proof: bytes, level: int, sibling: bytes) -> bytes:
    """Set bitmap bit `level` and insert `sibling` at its place among the listed siblings."""
    bitmap = int.from_bytes(proof[1:HEADER_SIZE], "big")
    before = (bitmap >> (256 - level)).bit_count() if level else 0
    bitmap |= 1 << (255 - level)
    offset = HEADER_SIZE + 32 * before
    return (
        proof[:1]
        + bitmap.to_bytes(32, "big")
        + proof[HEADER_SIZE:offset]
        + sibling
        + proof[offset:]
    )


def bit_flips(proof: bytes, rng: random.Random, count: int) -> list[tuple[str, bytes]]:
    """Proofs with one bit flipped: in the depth byte, the bitmap, a sibling, the terminal."""
    variants: list[tuple[str, bytes]] = []
    regions = [("depth byte", 0, 1), ("bitmap", 1, HEADER_SIZE)]
    tail = len(proof) - (HEADER_SIZE + 32 * int.from_bytes(proof[1:HEADER_SIZE], "big").bit_count())
    if tail > 1:
        regions.append(("terminal", len(proof) - tail, len(proof)))
    if len(proof) - tail > HEADER_SIZE:
        regions.append(("sibling", HEADER_SIZE, len(proof) - tail))
    for _ in range(count):
        name, start, end = rng.choice(regions)
        position = rng.randrange(start, end)
        mutated = bytearray(proof)
        mutated[position] ^= 1 << rng.randrange(8)
        variants.append((f"bit flipped in {name} byte {position}", bytes(mutated)))
    return variants


# ----------------------------------------------------------------------------------------------
# Vector generation


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


class _Cases:
    def __init__(self, with_value: bool) -> None:
        self.with_value = with_value
        self.columns: dict[str, list[Any]] = {
            "labels": [],
            "roots": [],
            "keys": [],
            "proofs": [],
            "expected": [],
        }
        if with_value:
            self.columns["valueHashes"] = []

    def add(
        self,
        label: str,
        root: bytes,
        key: bytes,
        proof: bytes,
        expected: bool,
        value_hash: bytes | None = None,
    ) -> None:
        self.columns["labels"].append(label)
        self.columns["roots"].append(_hex(root))
        self.columns["keys"].append(_hex(key))
        self.columns["proofs"].append(_hex(proof))
        self.columns["expected"].append(expected)
        if self.with_value:
            assert value_hash is not None
            self.columns["valueHashes"].append(_hex(value_hash))

    def __len__(self) -> int:
        return len(self.columns["labels"])


def generate_vectors(seed: int = SEED) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every vector, with its rollup.smt verdict, as the contents of (VECTORS_PATH, TREES_PATH).
    Asserts that each case's verdict is the one intended (a valid proof verifies, a wrong value
    does not...), so the vectors mean what their labels say."""
    rng = random.Random(seed)
    inclusion = _Cases(with_value=True)
    exclusion = _Cases(with_value=False)
    builder_trees: list[dict[str, Any]] = []

    for name, leaves, absent in build_trees(rng):
        tree = SparseMerkleTree()
        tree.update(leaves)
        root = tree.root
        present = sorted(leaves)
        chosen = present if len(present) <= 2 else rng.sample(present, 2)
        for key in chosen:
            value_hash = leaves[key]
            proof = encode_proof(tree.prove(key))
            label = f"{name}: {key.hex()[:8]}"

            def check(
                what: str,
                r: bytes,
                k: bytes,
                v: bytes,
                p: bytes,
                intended: bool | None,
                lbl: str = label,
            ) -> None:
                verdict = inclusion_verdict(r, k, v, p)
                if intended is not None:
                    assert verdict is intended, f"{lbl}: {what}"
                inclusion.add(f"{lbl}: {what}", r, k, p, verdict, v)

            check("valid", root, key, value_hash, proof, True)
            check("wrong value hash", root, key, flip_bit(value_hash, 255), proof, False)
            check("wrong root", flip_bit(root, 0), key, value_hash, proof, False)
            other = next((k for k in present if k != key), None)
            if other is not None:
                check("another key's proof", root, other, leaves[other], proof, False)
            check("empty tree root", EMPTY_HASH, key, value_hash, proof, False)
            for what, mutated in non_canonical_variants(proof, rng):
                check(what, root, key, value_hash, mutated, False)
            for what, mutated in bit_flips(proof, rng, 2):
                check(what, root, key, value_hash, mutated, None)
            # The same proof as an exclusion proof of the key must fail.
            exclusion.add(
                f"{label}: present key", root, key, proof, exclusion_verdict(root, key, proof)
            )
            assert not exclusion.columns["expected"][-1]

        for key in absent:
            proof = encode_proof(tree.prove(key))
            decoded = decode_proof(proof)
            shape = "leaf" if decoded.terminal_key is not None else "empty"
            label = f"{name}: absent {key.hex()[:8]} ({shape} terminal)"
            verdict = exclusion_verdict(root, key, proof)
            assert verdict, label
            exclusion.add(f"{label}: valid", root, key, proof, True)
            exclusion.add(
                f"{label}: wrong root",
                flip_bit(root, 7),
                key,
                proof,
                exclusion_verdict(flip_bit(root, 7), key, proof),
            )
            assert not exclusion.columns["expected"][-1]
            for what, mutated in bit_flips(proof, rng, 1):
                exclusion.add(
                    f"{label}: {what}", root, key, mutated, exclusion_verdict(root, key, mutated)
                )
            for what, mutated in non_canonical_variants(proof, rng)[:2]:
                exclusion.add(f"{label}: {what}", root, key, mutated, False)
                assert not exclusion_verdict(root, key, mutated)
            # An exclusion proof is never an inclusion proof, whatever value is claimed.
            claimed = decoded.terminal_value_hash or WITHDRAWAL_VALUE_HASH
            assert not inclusion_verdict(root, key, claimed, proof)
            inclusion.add(
                f"{label}: exclusion proof as inclusion", root, key, proof, False, claimed
            )

        if len(leaves) <= 8:
            proof_keys = present[:4] + absent[:2]
            builder_trees.append(
                {
                    "name": name,
                    "keys": [_hex(k) for k in present],
                    "values": [_hex(leaves[k]) for k in present],
                    "root": _hex(root),
                    "proofKeys": [_hex(k) for k in proof_keys],
                    "proofs": [_hex(encode_proof(tree.prove(k))) for k in proof_keys],
                }
            )

    description = (
        "Generated by tests/unit/test_smt_solidity.py (python -m tests.unit.test_smt_solidity"
        " --write); read by contracts/test/SparseMerkleProofVectors.t.sol. Do not edit."
    )
    proofs = {
        "description": description,
        "seed": seed,
        "inclusionCount": len(inclusion),
        "inclusion": inclusion.columns,
        "exclusionCount": len(exclusion),
        "exclusion": exclusion.columns,
    }
    trees = {
        "description": description,
        "seed": seed,
        "treeCount": len(builder_trees),
        "trees": builder_trees,
        "withdrawal": known_withdrawal_vector(),
    }
    return proofs, trees


def known_withdrawal_vector() -> dict[str, Any]:
    """The withdrawal tree of KNOWN_WITHDRAWALS, its output root and the proof of one of them."""
    hashes = [compute_withdrawal_hash(*w) for w in KNOWN_WITHDRAWALS]
    tree = SparseMerkleTree()
    tree.update({h: WITHDRAWAL_VALUE_HASH for h in hashes})
    withdrawal_root = tree.root
    index, sender, recipient, token, amount = KNOWN_WITHDRAWALS[KNOWN_PROVEN]
    return {
        "index": index,
        "sender": "0x" + sender.hex(),
        "l1Recipient": "0x" + recipient.hex(),
        "l1Token": "0x" + token.hex(),
        "amount": str(amount),
        "withdrawalHash": _hex(hashes[KNOWN_PROVEN]),
        "stateRoot": _hex(KNOWN_STATE_ROOT),
        "withdrawalRoot": _hex(withdrawal_root),
        "blockHash": _hex(KNOWN_BLOCK_HASH),
        "outputRoot": _hex(
            compute_output_root(KNOWN_STATE_ROOT, withdrawal_root, KNOWN_BLOCK_HASH)
        ),
        "proof": _hex(encode_proof(tree.prove(hashes[KNOWN_PROVEN]))),
    }


def render_vectors(vectors: dict[str, Any]) -> str:
    return json.dumps(vectors, indent=1) + "\n"


# ----------------------------------------------------------------------------------------------
# Tests


def test_vectors_cover_every_verdict() -> None:
    vectors, trees = generate_vectors()
    assert trees["treeCount"] >= 5
    inclusion = vectors["inclusion"]["expected"]
    exclusion = vectors["exclusion"]["expected"]
    assert sum(inclusion) >= 20 and inclusion.count(False) >= 250
    assert sum(exclusion) >= 25 and exclusion.count(False) >= 100
    labels = " ".join(vectors["inclusion"]["labels"])
    for kind in (
        "zero sibling listed explicitly",
        "bitmap bit beyond depth",
        "exclusion proof as inclusion",
        "deepest encodable depth",
        "exclusion-shaped",
    ):
        assert kind in labels
    exclusion_labels = " ".join(vectors["exclusion"]["labels"])
    assert "(leaf terminal): valid" in exclusion_labels
    assert "(empty terminal): valid" in exclusion_labels


def test_deepest_tree_proof_has_depth_255() -> None:
    rng = random.Random(SEED)
    trees = {name: leaves for name, leaves, _ in build_trees(rng)}
    leaves = trees["two leaves at the deepest encodable depth (255)"]
    tree = SparseMerkleTree()
    tree.update(leaves)
    for key in leaves:
        assert len(tree.prove(key).siblings) == 255


def test_committed_vectors_are_current() -> None:
    for path, vectors in zip((VECTORS_PATH, TREES_PATH), generate_vectors(), strict=True):
        assert path.exists(), "run: python -m tests.unit.test_smt_solidity --write"
        assert path.read_text() == render_vectors(vectors), (
            f"{path.relative_to(REPOSITORY)} is stale; run: "
            "python -m tests.unit.test_smt_solidity --write"
        )


def test_withdrawal_hash_helper_matches_protocol() -> None:
    for withdrawal in KNOWN_WITHDRAWALS:
        assert compute_withdrawal_hash(*withdrawal) == protocol_withdrawal_hash(*withdrawal)


def test_known_vector_matches_solidity_values() -> None:
    # Literals computed by the Solidity Bridge (hashWithdrawal, hashOutputRootProof) for the known
    # vector; SparseMerkleProofVectors.t.sol pins the same ones.
    vector = known_withdrawal_vector()
    assert vector["withdrawalHash"] == KNOWN_WITHDRAWAL_HASH
    assert vector["outputRoot"] == KNOWN_OUTPUT_ROOT


def test_solidity_verdicts_match_python() -> None:
    # Runs the forge test that reads the committed vectors (checked current above) and asserts
    # that SparseMerkleProof gives every case's Python verdict, that the test SMT builder builds
    # the Python trees, and that the Bridge proves and finalizes the known withdrawal.
    result = subprocess.run(
        [str(FORGE), "test", "--match-contract", FORGE_VECTOR_CONTRACT, "--color", "never"],
        cwd=CONTRACTS,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"{FORGE_VECTOR_TESTS} passed; 0 failed" in output, output


def main(argv: list[str]) -> int:
    if argv[1:] == ["--write"]:
        for path, vectors in zip((VECTORS_PATH, TREES_PATH), generate_vectors(), strict=True):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_vectors(vectors))
            print(f"wrote {path.relative_to(REPOSITORY)}")
        return 0
    print("usage: python -m tests.unit.test_smt_solidity --write", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
