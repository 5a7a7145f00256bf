"""Hashing and signature recovery.

keccak comes from the C implementation behind eth-hash's pysha3 backend; secp256k1 from libsecp256k1
through coincurve. Neither is ever done in pure Python: both sit on the hot path of every transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from coincurve import PublicKey
from eth_hash.backends.pysha3 import keccak256 as _keccak256

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_HALF_N = SECP256K1_N // 2


class InvalidSignature(ValueError):
    """A signature that does not recover to a public key under Ethereum's rules."""


keccak256: Callable[[bytes], bytes] = _keccak256
"""Return the 32-byte Keccak-256 digest of `data` (Ethereum's 'sha3').

eth-hash's pysha3 backend itself, not a function calling it: a block hashes ~13 times per
transaction (tree keys, leaves, tree nodes, receipts), and a wrapper's frame costs a third of
hashing 64 bytes."""


def compute_address(public_key_uncompressed: bytes) -> bytes:
    """Return the 20-byte address of a 65-byte uncompressed secp256k1 public key."""
    return keccak256(public_key_uncompressed[1:])[12:]


def recover_address(message_hash: bytes, y_parity: int, r: int, s: int) -> bytes:
    """Recover the signer's address from a signature over `message_hash`.

    Enforces EIP-2 (s in the lower half of the curve order) as every post-Homestead transaction must.
    """
    if y_parity not in (0, 1):
        raise InvalidSignature("y parity must be 0 or 1")
    if not (0 < r < SECP256K1_N):
        raise InvalidSignature("r out of range")
    if not (0 < s <= SECP256K1_HALF_N):
        raise InvalidSignature("s out of range (EIP-2 requires low s)")
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes((y_parity,))
    try:
        public_key = PublicKey.from_signature_and_message(signature, message_hash, hasher=None)
    except Exception as exc:  # coincurve raises a bare Exception on unrecoverable signatures
        raise InvalidSignature("signature does not recover to a public key") from exc
    return compute_address(public_key.format(compressed=False))


def compute_private_key_address(private_key: bytes) -> bytes:
    """Return the address controlled by a 32-byte private key."""
    from coincurve import PrivateKey

    return compute_address(PrivateKey(private_key).public_key.format(compressed=False))


def sign_message_hash(private_key: bytes, message_hash: bytes) -> tuple[int, int, int]:
    """Sign a 32-byte hash; return (y_parity, r, s) with low s, as wallets produce."""
    from coincurve import PrivateKey

    signature = PrivateKey(private_key).sign_recoverable(message_hash, hasher=None)
    r = int.from_bytes(signature[0:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    return signature[64], r, s
