"""Compact sparse Merkle tree: the rollup's state commitment.

The rules below are normative; the Solidity one-step prover implements the same rules and must
produce the same hashes bit for bit.

- A key is 32 bytes. Bit i of a key (i = 0..255) is `(key[i // 8] >> (7 - i % 8)) & 1`, most
  significant bit first. Bit 0 chooses the root's child (0 = left, 1 = right), bit 1 the child one
  level below, and so on: the node at depth d on a key's path is chosen by the key's bits 0..d-1.
- A leaf binds a key to a 32-byte value hash chosen by the caller (any 32 bytes are allowed):
  leaf hash = keccak256(0x00 || key || value_hash).
- An internal node's hash is keccak256(0x01 || left || right).
- Compact form: a subtree holding no leaf hashes to 32 zero bytes (so an empty tree's root is 32
  zero bytes); a subtree holding exactly one leaf is that leaf's hash itself, so a leaf sits at the
  shallowest depth at which it is alone in its subtree; a subtree holding two or more leaves is an
  internal node, one of whose children is zero when all its leaves share the next bit.
- Leaves are inserted or updated, never deleted.

A proof for a key lists the sibling hashes along the key's path from the root down to the
"terminal" node, the first node on the path that is not internal: either an empty subtree or a
leaf (the key's own leaf, or another leaf that alone occupies the subtree the key would fall in).
Two leaves whose keys differ only in bit 255 sit at depth 256, so a proof has at most 256 siblings.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass

from rollup.crypto import keccak256

KEY_SIZE = 32
HASH_SIZE = 32
KEY_BITS = 256
MAX_DEPTH = KEY_BITS
EMPTY_HASH = bytes(HASH_SIZE)
LEAF_DOMAIN = b"\x00"
INTERNAL_DOMAIN = b"\x01"

TERMINAL_EMPTY = 0
TERMINAL_LEAF = 1
MAX_ENCODED_DEPTH = 255
BITMAP_SIZE = 32


@dataclass(frozen=True, slots=True)
class SmtProof:
    """The path from the root to the terminal node on a key's path.

    `siblings[d]` is the hash of the sibling of the path node at depth d + 1 (zero for an empty
    sibling), listed from the root downward; `len(siblings)` is the depth of the terminal node.
    `terminal_key` and `terminal_value_hash` describe the leaf found at the terminal position, or
    are both None when the terminal position is an empty subtree.
    """

    siblings: tuple[bytes, ...]
    terminal_key: bytes | None
    terminal_value_hash: bytes | None


# ----------------------------------------------------------------------------------------------
# Hashing rules


def get_key_bit(key: bytes, index: int) -> int:
    """Return bit `index` of `key`, most significant bit first: `(key[i // 8] >> (7 - i % 8)) & 1`.

    The bit at index d selects the child taken at depth d: 0 is left, 1 is right.
    """
    _require_bytes32(key, "key")
    if not 0 <= index < KEY_BITS:
        raise ValueError(f"key bit index {index} out of range 0..{KEY_BITS - 1}")
    return (key[index >> 3] >> (7 - (index & 7))) & 1


def compute_leaf_hash(key: bytes, value_hash: bytes) -> bytes:
    """Return keccak256(0x00 || key || value_hash), the hash of a leaf."""
    _require_bytes32(key, "key")
    _require_bytes32(value_hash, "value hash")
    return keccak256(LEAF_DOMAIN + key + value_hash)


def compute_internal_hash(left: bytes, right: bytes) -> bytes:
    """Return keccak256(0x01 || left || right), the hash of an internal node."""
    _require_bytes32(left, "left child hash")
    _require_bytes32(right, "right child hash")
    return keccak256(INTERNAL_DOMAIN + left + right)


# ----------------------------------------------------------------------------------------------
# Proof verification (what the L1 contract does)


def verify_inclusion(root: bytes, key: bytes, value_hash: bytes, proof: SmtProof) -> bool:
    """Return whether `proof` shows that the tree with `root` maps `key` to `value_hash`.

    The proof's terminal must be the leaf (key, value_hash); hashing that leaf up through the
    siblings, taking the side at depth d from the key's bit d, must give `root`. A malformed proof
    does not verify. Raises ValueError if root, key or value hash is not 32 bytes.
    """
    _require_bytes32(root, "root")
    _require_bytes32(key, "key")
    _require_bytes32(value_hash, "value hash")
    if not _is_well_formed(proof):
        return False
    if proof.terminal_key != key or proof.terminal_value_hash != value_hash:
        return False
    leaf_hash = keccak256(LEAF_DOMAIN + key + value_hash)
    return _compute_path_root(leaf_hash, key, proof.siblings) == root


def verify_exclusion(root: bytes, key: bytes, proof: SmtProof) -> bool:
    """Return whether `proof` shows that `key` is absent from the tree with `root`.

    The terminal on the key's path must be either an empty subtree (hash zero) or a leaf of a
    different key that shares the key's first `len(proof.siblings)` bits (the path bits); hashing it
    up through the siblings must give `root`. A malformed proof does not verify. Raises ValueError
    if root or key is not 32 bytes.
    """
    _require_bytes32(root, "root")
    _require_bytes32(key, "key")
    if not _is_well_formed(proof):
        return False
    depth = len(proof.siblings)
    terminal_key = proof.terminal_key
    terminal_value_hash = proof.terminal_value_hash
    if terminal_key is None or terminal_value_hash is None:
        terminal_hash = EMPTY_HASH
    else:
        if terminal_key == key or _first_differing_bit(terminal_key, key) < depth:
            return False
        terminal_hash = keccak256(LEAF_DOMAIN + terminal_key + terminal_value_hash)
    return _compute_path_root(terminal_hash, key, proof.siblings) == root


def compute_root_after_update(key: bytes, new_value_hash: bytes, proof: SmtProof) -> bytes:
    """Return the root after setting `key` to `new_value_hash`, given a proof of key's position.

    The proof must already have been checked against the current root (with `verify_inclusion` or
    `verify_exclusion`). With `d = len(proof.siblings)`, the new node at depth d is:

    - the terminal is the key's own leaf, or an empty subtree: the new leaf;
    - the terminal is the leaf of another key, whose first differing bit from key is j (j >= d):
      both leaves move down to depth j + 1, under an internal node at depth j ordered by their bit
      j; each depth from j - 1 up to d adds an internal node whose other child is zero, on the
      side given by key's bit at that depth.

    That node is then hashed up through the unchanged siblings. Raises ValueError for a malformed
    proof or one whose terminal leaf does not lie on key's path.
    """
    _require_bytes32(key, "key")
    _require_bytes32(new_value_hash, "value hash")
    if not _is_well_formed(proof):
        raise ValueError("malformed proof")
    depth = len(proof.siblings)
    node_hash = keccak256(LEAF_DOMAIN + key + new_value_hash)
    terminal_key = proof.terminal_key
    terminal_value_hash = proof.terminal_value_hash
    if terminal_key is not None and terminal_value_hash is not None and terminal_key != key:
        split = _first_differing_bit(key, terminal_key)
        if split < depth:
            raise ValueError("the proof's terminal leaf does not lie on the key's path")
        other_hash = keccak256(LEAF_DOMAIN + terminal_key + terminal_value_hash)
        if (key[split >> 3] >> (7 - (split & 7))) & 1:
            node_hash = keccak256(INTERNAL_DOMAIN + other_hash + node_hash)
        else:
            node_hash = keccak256(INTERNAL_DOMAIN + node_hash + other_hash)
        for level in range(split - 1, depth - 1, -1):
            if (key[level >> 3] >> (7 - (level & 7))) & 1:
                node_hash = keccak256(INTERNAL_DOMAIN + EMPTY_HASH + node_hash)
            else:
                node_hash = keccak256(INTERNAL_DOMAIN + node_hash + EMPTY_HASH)
    return _compute_path_root(node_hash, key, proof.siblings)


def _compute_path_root(node_hash: bytes, key: bytes, siblings: tuple[bytes, ...]) -> bytes:
    """Hash `node_hash`, the node at depth len(siblings) on key's path, up to the root."""
    keccak = keccak256
    domain = INTERNAL_DOMAIN
    for level in range(len(siblings) - 1, -1, -1):
        if (key[level >> 3] >> (7 - (level & 7))) & 1:
            node_hash = keccak(domain + siblings[level] + node_hash)
        else:
            node_hash = keccak(domain + node_hash + siblings[level])
    return node_hash


def _is_well_formed(proof: SmtProof) -> bool:
    """A proof is well formed if it has at most 256 siblings of 32 bytes each and its terminal is
    either empty (key and value hash both None) or a leaf (both 32 bytes)."""
    siblings = proof.siblings
    if not isinstance(siblings, tuple) or len(siblings) > MAX_DEPTH:
        return False
    for sibling in siblings:
        if not isinstance(sibling, bytes) or len(sibling) != HASH_SIZE:
            return False
    terminal_key = proof.terminal_key
    terminal_value_hash = proof.terminal_value_hash
    if terminal_key is None and terminal_value_hash is None:
        return True
    return (
        isinstance(terminal_key, bytes)
        and len(terminal_key) == KEY_SIZE
        and isinstance(terminal_value_hash, bytes)
        and len(terminal_value_hash) == HASH_SIZE
    )


def _first_differing_bit(a: bytes, b: bytes) -> int:
    """Index of the first bit in which two keys differ; 256 if they are equal."""
    return KEY_BITS - (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_length()


def _require_bytes32(value: bytes, what: str) -> None:
    """Raise TypeError unless `value` is bytes, ValueError unless it is 32 bytes long."""
    if not isinstance(value, bytes):
        raise TypeError(f"{what} must be bytes, not {type(value).__name__}")
    if len(value) != 32:
        raise ValueError(f"{what} must be 32 bytes, got {len(value)}")


# ----------------------------------------------------------------------------------------------
# Calldata encoding of proofs


def encode_proof(proof: SmtProof) -> bytes:
    """Encode a proof for calldata.

    depth (1 byte) || bitmap (32 bytes; bit i, most significant first as for keys, is set iff the
    sibling at depth i is non-zero) || each non-zero sibling in order (32 bytes each) || terminal
    kind (1 byte: 0 = empty, 1 = leaf) || terminal key (32 bytes) || terminal value hash (32 bytes),
    the last two only for a leaf.

    Raises ValueError for a malformed proof, and for a proof of depth 256 (a leaf whose key differs
    from another key only in bit 255), which the one-byte depth field cannot express.
    """
    if not _is_well_formed(proof):
        raise ValueError("malformed proof")
    siblings = proof.siblings
    depth = len(siblings)
    if depth > MAX_ENCODED_DEPTH:
        raise ValueError(f"proof depth {depth} exceeds the encodable maximum {MAX_ENCODED_DEPTH}")
    bitmap = 0
    parts = [b""]
    for level, sibling in enumerate(siblings):
        if sibling != EMPTY_HASH:
            bitmap |= 1 << (KEY_BITS - 1 - level)
            parts.append(sibling)
    parts[0] = bytes((depth,)) + bitmap.to_bytes(BITMAP_SIZE, "big")
    terminal_key = proof.terminal_key
    terminal_value_hash = proof.terminal_value_hash
    if terminal_key is None or terminal_value_hash is None:
        parts.append(bytes((TERMINAL_EMPTY,)))
    else:
        parts.append(bytes((TERMINAL_LEAF,)))
        parts.append(terminal_key)
        parts.append(terminal_value_hash)
    return b"".join(parts)


def decode_proof(data: bytes) -> SmtProof:
    """Decode a proof written by `encode_proof`.

    Only the canonical encoding is accepted: raises ValueError if the data is truncated or has
    trailing bytes, if the bitmap marks a depth at or below the proof's depth, if an explicitly
    listed sibling is zero, or if the terminal kind is neither 0 nor 1.
    """
    data = bytes(data)
    header_size = 1 + BITMAP_SIZE
    if len(data) < header_size:
        raise ValueError("proof too short for its header")
    depth = data[0]
    bitmap = int.from_bytes(data[1:header_size], "big")
    if bitmap & ((1 << (KEY_BITS - depth)) - 1):
        raise ValueError("proof bitmap marks a sibling beyond the proof's depth")
    offset = header_size
    if len(data) < offset + HASH_SIZE * bitmap.bit_count() + 1:
        raise ValueError("proof truncated in its siblings")
    siblings: list[bytes] = []
    for level in range(depth):
        if (bitmap >> (KEY_BITS - 1 - level)) & 1:
            sibling = data[offset : offset + HASH_SIZE]
            if sibling == EMPTY_HASH:
                raise ValueError("proof lists a zero sibling explicitly")
            siblings.append(sibling)
            offset += HASH_SIZE
        else:
            siblings.append(EMPTY_HASH)
    kind = data[offset]
    offset += 1
    terminal_key: bytes | None
    terminal_value_hash: bytes | None
    if kind == TERMINAL_EMPTY:
        terminal_key = None
        terminal_value_hash = None
    elif kind == TERMINAL_LEAF:
        if len(data) < offset + KEY_SIZE + HASH_SIZE:
            raise ValueError("proof truncated in its terminal leaf")
        terminal_key = data[offset : offset + KEY_SIZE]
        terminal_value_hash = data[offset + KEY_SIZE : offset + KEY_SIZE + HASH_SIZE]
        offset += KEY_SIZE + HASH_SIZE
    else:
        raise ValueError(f"unknown proof terminal kind {kind}")
    if offset != len(data):
        raise ValueError("trailing bytes after proof")
    return SmtProof(tuple(siblings), terminal_key, terminal_value_hash)


# ----------------------------------------------------------------------------------------------
# The tree


class _Leaf:
    """A leaf node; its hash does not depend on its depth, so it moves down without rehashing."""

    __slots__ = ("hash", "key", "value_hash")

    def __init__(self, key: bytes, value_hash: bytes, hash_: bytes) -> None:
        self.key = key
        self.value_hash = value_hash
        self.hash = hash_


class _Internal:
    """An internal node; a None child is an empty subtree. Mutated in place on update."""

    __slots__ = ("hash", "left", "right")

    def __init__(
        self, left: _Leaf | _Internal | None, right: _Leaf | _Internal | None, hash_: bytes
    ) -> None:
        self.left = left
        self.right = right
        self.hash = hash_


_Node = _Leaf | _Internal


class SparseMerkleTree:
    """A compact sparse Merkle tree over 32-byte keys and 32-byte value hashes.

    Nodes live in memory; internal nodes are rehashed in place by `update`, which touches only the
    paths of the keys it changes.
    """

    __slots__ = ("_root", "_values")

    def __init__(self) -> None:
        self._root: _Node | None = None
        self._values: dict[bytes, bytes] = {}

    @property
    def root(self) -> bytes:
        """The root hash; 32 zero bytes for an empty tree."""
        root = self._root
        return EMPTY_HASH if root is None else root.hash

    def __len__(self) -> int:
        """The number of leaves (distinct keys ever set)."""
        return len(self._values)

    def get(self, key: bytes) -> bytes | None:
        """Return the value hash stored under `key`, or None if the key has no leaf."""
        _require_bytes32(key, "key")
        return self._values.get(key)

    def update(self, changes: Mapping[bytes, bytes]) -> bytes:
        """Set each key of `changes` to its value hash (inserting absent keys); return the new root.

        The result depends only on the final set of leaves, not on how changes are batched. Keys
        whose value hash is unchanged are skipped; each internal node on the paths of the changed
        keys is rehashed once. Raises TypeError/ValueError, leaving the tree unchanged, if any key
        or value hash is not 32 bytes.
        """
        values = self._values
        changed: list[tuple[bytes, bytes]] = []
        for key, value_hash in changes.items():
            if not (
                isinstance(key, bytes)
                and len(key) == KEY_SIZE
                and isinstance(value_hash, bytes)
                and len(value_hash) == HASH_SIZE
            ):
                _require_bytes32(key, "key")
                _require_bytes32(value_hash, "value hash")
            if values.get(key) != value_hash:
                changed.append((key, value_hash))
        if not changed:
            return self.root
        changed.sort()
        keccak = keccak256
        domain = LEAF_DOMAIN
        leaves = [
            _Leaf(key, value_hash, keccak(domain + key + value_hash)) for key, value_hash in changed
        ]
        if len(leaves) == 1:
            key_int = int.from_bytes(leaves[0].key, "big")
            root = _set_one(self._root, 0, leaves[0], key_int)
        else:
            key_ints = [int.from_bytes(key, "big") for key, _ in changed]
            root = _set_many(self._root, 0, 0, len(leaves), leaves, key_ints)
        self._root = root
        values.update(changed)
        return root.hash

    def prove(self, key: bytes) -> SmtProof:
        """Return the proof of key's path: inclusion proof if present, exclusion proof if absent."""
        _require_bytes32(key, "key")
        siblings: list[bytes] = []
        node = self._root
        level = 0
        while isinstance(node, _Internal):
            if (key[level >> 3] >> (7 - (level & 7))) & 1:
                sibling = node.left
                node = node.right
            else:
                sibling = node.right
                node = node.left
            siblings.append(EMPTY_HASH if sibling is None else sibling.hash)
            level += 1
        if node is None:
            return SmtProof(tuple(siblings), None, None)
        return SmtProof(tuple(siblings), node.key, node.value_hash)


def _set_one(node: _Node | None, depth: int, leaf: _Leaf, key_int: int) -> _Node:
    """Return the subtree `node` at `depth` with `leaf` set in it (`key_int` is its key as an int).

    Walks down to the terminal node on the key's path, replaces it with the leaf (or, if another
    leaf is there, with the chain of internal nodes down to their first differing bit), then
    rehashes the walked path bottom-up.
    """
    keccak = keccak256
    domain = INTERNAL_DOMAIN
    empty = EMPTY_HASH
    path: list[_Internal] = []
    level = depth
    while isinstance(node, _Internal):
        path.append(node)
        node = node.right if (key_int >> (255 - level)) & 1 else node.left
        level += 1
    sub: _Node
    if node is None or node.key == leaf.key:
        sub = leaf
    else:
        split = KEY_BITS - (key_int ^ int.from_bytes(node.key, "big")).bit_length()
        if (key_int >> (255 - split)) & 1:
            sub = _Internal(node, leaf, keccak(domain + node.hash + leaf.hash))
        else:
            sub = _Internal(leaf, node, keccak(domain + leaf.hash + node.hash))
        for chain_level in range(split - 1, level - 1, -1):
            if (key_int >> (255 - chain_level)) & 1:
                sub = _Internal(None, sub, keccak(domain + empty + sub.hash))
            else:
                sub = _Internal(sub, None, keccak(domain + sub.hash + empty))
    for parent in reversed(path):
        level -= 1
        if (key_int >> (255 - level)) & 1:
            parent.right = sub
            other = parent.left
            parent.hash = keccak(domain + (empty if other is None else other.hash) + sub.hash)
        else:
            parent.left = sub
            other = parent.right
            parent.hash = keccak(domain + sub.hash + (empty if other is None else other.hash))
        sub = parent
    return sub


def _set_many(
    node: _Node | None,
    depth: int,
    lo: int,
    hi: int,
    leaves: list[_Leaf],
    key_ints: list[int],
) -> _Node:
    """Return the subtree `node` at `depth` with `leaves[lo:hi]` (sorted, distinct, at least two,
    all sharing the subtree's path bits) set in it.

    The leaves are split at bit `depth` by a binary search over their sorted keys; each side is
    set recursively and the node is hashed once. An existing leaf here moves down to its side.
    """
    shift = 255 - depth
    mid = bisect_left(key_ints, ((key_ints[lo] >> shift) | 1) << shift, lo, hi)
    internal: _Internal | None = None
    left: _Node | None
    right: _Node | None
    if isinstance(node, _Internal):
        internal = node
        left = node.left
        right = node.right
    elif node is None:
        left = right = None
    elif (node.key[depth >> 3] >> (7 - (depth & 7))) & 1:
        left, right = None, node
    else:
        left, right = node, None
    count = mid - lo
    if count > 1:
        left = _set_many(left, depth + 1, lo, mid, leaves, key_ints)
    elif count == 1:
        left = _set_one(left, depth + 1, leaves[lo], key_ints[lo])
    count = hi - mid
    if count > 1:
        right = _set_many(right, depth + 1, mid, hi, leaves, key_ints)
    elif count == 1:
        right = _set_one(right, depth + 1, leaves[mid], key_ints[mid])
    node_hash = keccak256(
        INTERNAL_DOMAIN
        + (EMPTY_HASH if left is None else left.hash)
        + (EMPTY_HASH if right is None else right.hash)
    )
    if internal is None:
        return _Internal(left, right, node_hash)
    internal.left = left
    internal.right = right
    internal.hash = node_hash
    return internal
