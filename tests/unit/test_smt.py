"""Tests for rollup.smt, with a naive recursive implementation of the rules as the oracle."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import rollup.smt as smt
from rollup.crypto import keccak256
from rollup.smt import (
    EMPTY_HASH,
    MAX_ENCODED_DEPTH,
    SmtProof,
    SparseMerkleTree,
    compute_internal_hash,
    compute_leaf_hash,
    compute_root_after_update,
    decode_proof,
    encode_proof,
    get_key_bit,
    verify_exclusion,
    verify_inclusion,
)

ZERO = bytes(32)
VALUE_1 = bytes([0x11]) * 32
VALUE_2 = bytes([0x22]) * 32
VALUE_3 = bytes([0x33]) * 32
VALUE_4 = bytes([0x44]) * 32


def key_with_first_byte(first: int) -> bytes:
    return bytes([first]) + bytes(31)


def key_from_int(value: int) -> bytes:
    return value.to_bytes(32, "big")


# ----------------------------------------------------------------------------------------------
# Oracle: the rules written as directly as possible, independent of rollup.smt.


def reference_leaf_hash(key: bytes, value_hash: bytes) -> bytes:
    return keccak256(b"\x00" + key + value_hash)


def reference_internal_hash(left: bytes, right: bytes) -> bytes:
    return keccak256(b"\x01" + left + right)


def reference_bit(key: bytes, index: int) -> int:
    return (int.from_bytes(key, "big") >> (255 - index)) & 1


def reference_root(leaves: dict[bytes, bytes]) -> bytes:
    """Root of the compact tree over `leaves`, by recursion over the full sorted leaf set."""

    def subtree(items: list[tuple[bytes, bytes]], depth: int) -> bytes:
        if not items:
            return ZERO
        if len(items) == 1:
            key, value_hash = items[0]
            return reference_leaf_hash(key, value_hash)
        left = [item for item in items if reference_bit(item[0], depth) == 0]
        right = [item for item in items if reference_bit(item[0], depth) == 1]
        return reference_internal_hash(subtree(left, depth + 1), subtree(right, depth + 1))

    return subtree(sorted(leaves.items()), 0)


def build_tree(leaves: dict[bytes, bytes]) -> SparseMerkleTree:
    tree = SparseMerkleTree()
    tree.update(leaves)
    return tree


# ----------------------------------------------------------------------------------------------
# Strategies. Keys mix uniform bytes with keys that share long prefixes (small and large integers,
# bytes from a tiny alphabet), so deep paths, zero siblings and depth-256 leaves all occur.

hashes32 = st.binary(min_size=32, max_size=32)
keys = st.one_of(
    hashes32,
    st.integers(min_value=0, max_value=2**256 - 1).map(key_from_int),
    st.lists(st.sampled_from([0x00, 0x0F, 0x80, 0xFF]), min_size=32, max_size=32).map(bytes),
)
leaf_sets = st.dictionaries(keys, hashes32, max_size=40)
non_empty_leaf_sets = st.dictionaries(keys, hashes32, min_size=1, max_size=40)
proofs = st.builds(
    SmtProof,
    siblings=st.lists(st.one_of(st.just(ZERO), hashes32), max_size=MAX_ENCODED_DEPTH).map(tuple),
    terminal_key=st.none(),
    terminal_value_hash=st.none(),
) | st.builds(
    SmtProof,
    siblings=st.lists(st.one_of(st.just(ZERO), hashes32), max_size=MAX_ENCODED_DEPTH).map(tuple),
    terminal_key=keys,
    terminal_value_hash=hashes32,
)

property_test = settings(deadline=None, max_examples=150)


# ----------------------------------------------------------------------------------------------
# Hashing rules and exact shapes


def test_get_key_bit_reads_most_significant_bit_first() -> None:
    key = bytes([0x80, 0x40]) + bytes(29) + bytes([0x01])
    assert [get_key_bit(key, i) for i in (0, 1, 8, 9, 10, 254, 255)] == [1, 0, 0, 1, 0, 0, 1]


def test_get_key_bit_rejects_index_outside_key() -> None:
    with pytest.raises(ValueError):
        get_key_bit(ZERO, 256)
    with pytest.raises(ValueError):
        get_key_bit(ZERO, -1)


def test_leaf_hash_is_keccak_of_zero_byte_key_and_value_hash() -> None:
    key = key_with_first_byte(0xAB)
    assert compute_leaf_hash(key, VALUE_1) == keccak256(b"\x00" + key + VALUE_1)


def test_internal_hash_is_keccak_of_one_byte_left_and_right() -> None:
    assert compute_internal_hash(VALUE_1, VALUE_2) == keccak256(b"\x01" + VALUE_1 + VALUE_2)


def test_hashes_match_known_answer_vectors() -> None:
    # Computed with pycryptodome's Keccak-256, for cross-checking the Solidity implementation.
    assert compute_leaf_hash(ZERO, ZERO).hex() == (
        "ae61b77b3e4cbac1353bfa4c59274e3ae531285c24e3cf57c11771ecbf72d9bf"
    )
    assert compute_internal_hash(ZERO, ZERO).hex() == (
        "c07a1e8b7e0057673fdc2affe190d8a960c5fe615663f27b7ce84f3d93ef92a6"
    )
    assert compute_leaf_hash(ZERO, VALUE_1).hex() == (
        "fb6a66d6de8cab574609df74afac535939f6f57d848897c36747dffe5af12286"
    )


def test_root_matches_known_answer_vector_with_depth_256_leaves() -> None:
    # 0x00.. and 0x00..01 differ only in bit 255, so both sit at depth 256.
    leaves = {
        ZERO: VALUE_1,
        key_with_first_byte(0x80): VALUE_2,
        key_with_first_byte(0x20): VALUE_3,
        key_from_int(1): VALUE_4,
    }
    assert build_tree(leaves).root.hex() == (
        "b2db40897954187889239c97d6d42e3908a8d7b3cf94e6281dd9ccdac1197178"
    )


def test_empty_tree_root_is_zero() -> None:
    assert SparseMerkleTree().root == ZERO
    assert EMPTY_HASH == ZERO


def test_empty_tree_has_no_leaves() -> None:
    tree = SparseMerkleTree()
    assert len(tree) == 0
    assert tree.get(ZERO) is None


def test_single_leaf_root_is_its_leaf_hash() -> None:
    key = key_with_first_byte(0x5A)
    assert build_tree({key: VALUE_1}).root == keccak256(b"\x00" + key + VALUE_1)


def test_two_leaves_differing_in_bit_0_root_is_internal_of_both_leaves() -> None:
    key_a = key_with_first_byte(0x7F)  # bit 0 = 0
    key_b = key_with_first_byte(0x80)  # bit 0 = 1
    leaf_a = keccak256(b"\x00" + key_a + VALUE_1)
    leaf_b = keccak256(b"\x00" + key_b + VALUE_2)
    assert build_tree({key_b: VALUE_2, key_a: VALUE_1}).root == keccak256(b"\x01" + leaf_a + leaf_b)


def test_two_leaves_sharing_first_three_bits_root_is_chain_with_zero_siblings() -> None:
    key_a = key_with_first_byte(0b1010_0000)  # bits 1, 0, 1, then 0
    key_b = key_with_first_byte(0b1011_0000)  # bits 1, 0, 1, then 1
    leaf_a = keccak256(b"\x00" + key_a + VALUE_1)
    leaf_b = keccak256(b"\x00" + key_b + VALUE_2)
    depth_3 = keccak256(b"\x01" + leaf_a + leaf_b)  # split on bit 3
    depth_2 = keccak256(b"\x01" + ZERO + depth_3)  # bit 2 = 1: right child
    depth_1 = keccak256(b"\x01" + depth_2 + ZERO)  # bit 1 = 0: left child
    root = keccak256(b"\x01" + ZERO + depth_1)  # bit 0 = 1: right child
    assert build_tree({key_a: VALUE_1, key_b: VALUE_2}).root == root


def test_leaves_sharing_first_three_bits_sit_at_depth_4() -> None:
    key_a = key_with_first_byte(0b1010_0000)
    key_b = key_with_first_byte(0b1011_0000)
    tree = build_tree({key_a: VALUE_1, key_b: VALUE_2})
    leaf_b = keccak256(b"\x00" + key_b + VALUE_2)
    assert tree.prove(key_a) == SmtProof((ZERO, ZERO, ZERO, leaf_b), key_a, VALUE_1)


def test_keys_differing_only_in_last_bit_sit_at_depth_256() -> None:
    tree = build_tree({ZERO: VALUE_1, key_from_int(1): VALUE_2})
    proof = tree.prove(ZERO)
    assert proof.siblings == (ZERO,) * 255 + (keccak256(b"\x00" + key_from_int(1) + VALUE_2),)
    assert verify_inclusion(tree.root, ZERO, VALUE_1, proof)


def test_empty_slot_beside_internal_node_gives_proof_with_empty_terminal() -> None:
    key_a = key_with_first_byte(0x00)  # bits 0, 0
    key_b = key_with_first_byte(0x40)  # bits 0, 1
    tree = build_tree({key_a: VALUE_1, key_b: VALUE_2})
    left = keccak256(
        b"\x01" + reference_leaf_hash(key_a, VALUE_1) + reference_leaf_hash(key_b, VALUE_2)
    )
    assert tree.prove(key_with_first_byte(0x80)) == SmtProof((left,), None, None)


# ----------------------------------------------------------------------------------------------
# Tree behaviour


def test_get_returns_latest_value_hash_or_none() -> None:
    tree = build_tree({ZERO: VALUE_1})
    tree.update({ZERO: VALUE_2})
    assert tree.get(ZERO) == VALUE_2
    assert tree.get(key_from_int(7)) is None


def test_len_counts_distinct_keys() -> None:
    tree = build_tree({ZERO: VALUE_1, key_from_int(1): VALUE_1})
    tree.update({ZERO: VALUE_3, key_from_int(2): VALUE_1})
    assert len(tree) == 3


def test_update_returns_new_root() -> None:
    tree = SparseMerkleTree()
    assert tree.update({ZERO: VALUE_1}) == tree.root == reference_leaf_hash(ZERO, VALUE_1)


def test_update_with_no_effective_change_keeps_root() -> None:
    tree = build_tree({ZERO: VALUE_1, key_from_int(9): VALUE_2})
    root = tree.root
    assert tree.update({}) == root
    assert tree.update({ZERO: VALUE_1}) == root


def test_update_accepts_zero_value_hash() -> None:
    assert build_tree({ZERO: ZERO}).root == reference_leaf_hash(ZERO, ZERO)


@pytest.mark.parametrize(
    "changes",
    [
        {bytes(31): VALUE_1},
        {bytes(33): VALUE_1},
        {ZERO: bytes(31)},
    ],
)
def test_update_rejects_wrong_length_and_leaves_tree_unchanged(changes: dict[bytes, bytes]) -> None:
    tree = build_tree({key_from_int(5): VALUE_1})
    root = tree.root
    with pytest.raises(ValueError):
        tree.update({key_from_int(6): VALUE_2, **changes})
    assert tree.root == root
    assert len(tree) == 1


def test_update_rejects_non_bytes_value_hash() -> None:
    tree = SparseMerkleTree()
    with pytest.raises(TypeError):
        tree.update({ZERO: bytearray(32)})  # type: ignore[dict-item]


def test_update_rehashes_only_changed_paths_each_internal_node_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    leaves = {keccak256(i.to_bytes(4, "big")): keccak256(b"v" + bytes([i])) for i in range(200)}
    tree = build_tree(leaves)
    changed = sorted(leaves)[::7]
    internal_positions = {
        (depth, int.from_bytes(key, "big") >> (256 - depth))
        for key in changed
        for depth in range(len(tree.prove(key).siblings))
    }
    unchanged = sorted(leaves)[1::7]
    calls: list[bytes] = []

    def counting_keccak256(data: bytes) -> bytes:
        calls.append(data)
        return keccak256(data)

    monkeypatch.setattr(smt, "keccak256", counting_keccak256)
    tree.update({key: VALUE_1 for key in changed} | {key: leaves[key] for key in unchanged})
    assert sum(1 for data in calls if data[0] == 0) == len(changed)
    assert sum(1 for data in calls if data[0] == 1) == len(internal_positions)


@property_test
@given(leaves=leaf_sets)
def test_root_matches_reference_implementation(leaves: dict[bytes, bytes]) -> None:
    assert build_tree(leaves).root == reference_root(leaves)


@property_test
@given(leaves=leaf_sets, data=st.data())
def test_root_is_independent_of_insertion_order_and_batching(
    leaves: dict[bytes, bytes], data: st.DataObject
) -> None:
    order = data.draw(st.permutations(list(leaves.items())))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(order)), max_size=6)))
    tree = SparseMerkleTree()
    for start, end in zip([0, *cuts], [*cuts, len(order)], strict=True):
        tree.update(dict(order[start:end]))
    assert tree.root == build_tree(leaves).root


@property_test
@given(first=leaf_sets, data=st.data())
def test_later_updates_overwrite_values_and_root_matches_reference(
    first: dict[bytes, bytes], data: st.DataObject
) -> None:
    rewritten = data.draw(st.lists(st.sampled_from(sorted(first)), unique=True)) if first else []
    second = {key: data.draw(hashes32) for key in rewritten} | data.draw(leaf_sets)
    tree = build_tree(first)
    tree.update(second)
    merged = first | second
    assert tree.root == reference_root(merged)
    assert len(tree) == len(merged)
    assert all(tree.get(key) == value_hash for key, value_hash in merged.items())


# ----------------------------------------------------------------------------------------------
# Proofs


@property_test
@given(leaves=leaf_sets)
def test_inclusion_proof_verifies_for_every_present_key(leaves: dict[bytes, bytes]) -> None:
    tree = build_tree(leaves)
    for key, value_hash in leaves.items():
        assert verify_inclusion(tree.root, key, value_hash, tree.prove(key))


@property_test
@given(leaves=leaf_sets, absent=st.lists(keys, min_size=1, max_size=5))
def test_exclusion_proof_verifies_for_absent_keys(
    leaves: dict[bytes, bytes], absent: list[bytes]
) -> None:
    tree = build_tree(leaves)
    for key in absent:
        if key not in leaves:
            assert verify_exclusion(tree.root, key, tree.prove(key))


@property_test
@given(leaves=non_empty_leaf_sets, wrong=hashes32)
def test_inclusion_proof_does_not_verify_wrong_value(
    leaves: dict[bytes, bytes], wrong: bytes
) -> None:
    tree = build_tree(leaves)
    for key, value_hash in leaves.items():
        if wrong != value_hash:
            assert not verify_inclusion(tree.root, key, wrong, tree.prove(key))


@property_test
@given(leaves=non_empty_leaf_sets, wrong_root=hashes32)
def test_inclusion_proof_does_not_verify_against_wrong_root(
    leaves: dict[bytes, bytes], wrong_root: bytes
) -> None:
    tree = build_tree(leaves)
    if wrong_root != tree.root:
        for key, value_hash in leaves.items():
            assert not verify_inclusion(wrong_root, key, value_hash, tree.prove(key))


@property_test
@given(leaves=leaf_sets, key=keys, wrong_root=hashes32)
def test_exclusion_proof_does_not_verify_against_wrong_root(
    leaves: dict[bytes, bytes], key: bytes, wrong_root: bytes
) -> None:
    tree = build_tree(leaves)
    if key not in leaves and wrong_root != tree.root:
        assert not verify_exclusion(wrong_root, key, tree.prove(key))


@property_test
@given(leaves=non_empty_leaf_sets)
def test_exclusion_proof_does_not_verify_for_present_key(leaves: dict[bytes, bytes]) -> None:
    tree = build_tree(leaves)
    for key in leaves:
        assert not verify_exclusion(tree.root, key, tree.prove(key))


def test_exclusion_proof_rejects_terminal_leaf_off_the_key_path() -> None:
    other = key_with_first_byte(0x80)  # bit 0 = 1, yet placed on the left
    root = keccak256(b"\x01" + reference_leaf_hash(other, VALUE_1) + ZERO)
    proof = SmtProof((ZERO,), other, VALUE_1)
    assert not verify_exclusion(root, ZERO, proof)


def test_malformed_proof_does_not_verify() -> None:
    tree = build_tree({ZERO: VALUE_1, key_with_first_byte(0x80): VALUE_2})
    proof = tree.prove(ZERO)
    short_sibling = SmtProof((proof.siblings[0][:31],), ZERO, VALUE_1)
    half_terminal = SmtProof(proof.siblings, ZERO, None)
    assert not verify_inclusion(tree.root, ZERO, VALUE_1, short_sibling)
    assert not verify_exclusion(tree.root, key_from_int(3), half_terminal)


@property_test
@given(leaves=non_empty_leaf_sets, new_value_hash=hashes32)
def test_root_after_update_matches_tree_for_present_keys(
    leaves: dict[bytes, bytes], new_value_hash: bytes
) -> None:
    tree = build_tree(leaves)
    for key in leaves:
        expected = build_tree(leaves | {key: new_value_hash}).root
        assert compute_root_after_update(key, new_value_hash, tree.prove(key)) == expected


@property_test
@given(leaves=leaf_sets, key=keys, new_value_hash=hashes32)
def test_root_after_update_matches_tree_for_absent_key(
    leaves: dict[bytes, bytes], key: bytes, new_value_hash: bytes
) -> None:
    assume(key not in leaves)
    tree = build_tree(leaves)
    proof = tree.prove(key)
    root = tree.update({key: new_value_hash})
    assert compute_root_after_update(key, new_value_hash, proof) == root


def test_root_after_update_pushes_both_leaves_down_to_first_differing_bit() -> None:
    key_a = key_with_first_byte(0b1010_0000)
    key_b = key_with_first_byte(0b1011_0000)
    proof = build_tree({key_a: VALUE_1}).prove(key_b)
    expected = build_tree({key_a: VALUE_1, key_b: VALUE_2}).root
    assert proof == SmtProof((), key_a, VALUE_1)
    assert compute_root_after_update(key_b, VALUE_2, proof) == expected


def test_root_after_update_rejects_terminal_leaf_off_the_key_path() -> None:
    with pytest.raises(ValueError):
        compute_root_after_update(
            ZERO, VALUE_2, SmtProof((ZERO,), key_with_first_byte(0x80), VALUE_1)
        )


# ----------------------------------------------------------------------------------------------
# Proof encoding


def test_encode_proof_writes_depth_bitmap_nonzero_siblings_and_terminal() -> None:
    key = key_with_first_byte(0x42)
    proof = SmtProof((ZERO, VALUE_1, ZERO, VALUE_2), key, VALUE_3)
    bitmap = bytes([0b0101_0000]) + bytes(31)
    assert encode_proof(proof) == b"\x04" + bitmap + VALUE_1 + VALUE_2 + b"\x01" + key + VALUE_3


def test_encode_proof_of_empty_tree_is_zero_depth_zero_bitmap_empty_terminal() -> None:
    assert encode_proof(SparseMerkleTree().prove(ZERO)) == bytes(33) + b"\x00"


def test_encode_proof_rejects_depth_256() -> None:
    proof = build_tree({ZERO: VALUE_1, key_from_int(1): VALUE_2}).prove(ZERO)
    with pytest.raises(ValueError):
        encode_proof(proof)


@property_test
@given(proof=proofs)
def test_proof_round_trips_through_encoding(proof: SmtProof) -> None:
    assert decode_proof(encode_proof(proof)) == proof


@property_test
@given(proof=proofs, data=st.data())
def test_decode_proof_rejects_truncated_bytes(proof: SmtProof, data: st.DataObject) -> None:
    encoded = encode_proof(proof)
    length = data.draw(st.integers(0, len(encoded) - 1))
    with pytest.raises(ValueError):
        decode_proof(encoded[:length])


@property_test
@given(proof=proofs, extra=st.binary(min_size=1, max_size=64))
def test_decode_proof_rejects_trailing_bytes(proof: SmtProof, extra: bytes) -> None:
    with pytest.raises(ValueError):
        decode_proof(encode_proof(proof) + extra)


@property_test
@given(data=st.binary(max_size=300))
def test_decode_proof_accepts_only_canonical_encodings(data: bytes) -> None:
    try:
        proof = decode_proof(data)
    except ValueError:
        return
    assert encode_proof(proof) == data


@pytest.mark.parametrize(
    "data",
    [
        b"",
        bytes(33),  # missing terminal kind
        b"\x00" + bytes(32) + b"\x02",  # unknown terminal kind
        b"\x00" + bytes(32) + b"\x01" + bytes(63),  # terminal leaf cut short
        b"\x00" + bytes([0x80]) + bytes(31) + b"\x01" + ZERO + VALUE_1,  # bitmap bit beyond depth
        b"\x01" + bytes([0x80]) + bytes(31) + ZERO + b"\x00",  # zero sibling listed explicitly
        b"\x02" + bytes([0xC0]) + bytes(31) + VALUE_1 + b"\x00",  # second sibling missing
    ],
)
def test_decode_proof_rejects_malformed_bytes(data: bytes) -> None:
    with pytest.raises(ValueError):
        decode_proof(data)
