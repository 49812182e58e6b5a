"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and proof verification.

This is the in-memory *reference* implementation: it follows the recursive definitions of
RFC 6962 §2.1 (MTH, PATH, PROOF/SUBPROOF) literally so that it can serve as the oracle for the
O(log n) store-backed code in :mod:`accord.ledger.compact`.  Verification follows the iterative
algorithms of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) and never raises: any
malformed input simply fails verification.

* leaf hash  = SHA-256(0x00 ‖ data)
* node hash  = SHA-256(0x01 ‖ left ‖ right)
* empty tree = SHA-256("")
* a tree of n > 1 leaves splits at k = the largest power of two strictly less than n.

Functions taking ``leaves`` hash raw entry bytes themselves; the ``*_from_hashes`` variants take
precomputed leaf hashes (32-byte digests) so callers that already store leaf hashes skip rehashing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "consistency_proof",
    "consistency_proof_from_hashes",
    "inclusion_proof",
    "inclusion_proof_from_hashes",
    "leaf_hash",
    "node_hash",
    "root_from_hashes",
    "split_point",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
    "verify_inclusion_hash",
]

_sha256 = hashlib.sha256

HASH_SIZE = 32
EMPTY_ROOT: bytes = _sha256(b"").digest()
"""Root hash of the empty tree (RFC 6962 §2.1: MTH({}) = SHA-256())."""

# A proof can never be longer than the depth of a tree whose size fits in 64 bits.
_MAX_PROOF_LEN = 64
_MAX_SIZE = (1 << 64) - 1


def leaf_hash(data: bytes) -> bytes:
    """Hash one leaf; the 0x00 prefix separates leaves from nodes (second-preimage defence)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash an interior node from its two children (0x01 domain prefix)."""
    return _sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """Largest power of two strictly less than ``n`` (n >= 2): where RFC 6962 splits a tree."""
    if n < 2:
        raise ValueError("split_point needs n >= 2")
    return 1 << ((n - 1).bit_length() - 1)


# --------------------------------------------------------------------------- roots


def root_from_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH over precomputed leaf hashes.

    Built bottom-up (pair neighbours, promote an unpaired last node), which yields exactly the
    RFC 6962 tree shape, in O(n) without recursion.
    """
    n = len(hashes)
    if n == 0:
        return EMPTY_ROOT
    level = list(hashes)
    while len(level) > 1:
        nxt = [
            _sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        if len(level) & 1:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def tree_root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of raw leaf data."""
    return root_from_hashes([leaf_hash(d) for d in leaves])


def _mth(hashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    """Literal recursive RFC 6962 MTH over hashes[lo:hi] (reference definition)."""
    n = hi - lo
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return hashes[lo]
    k = split_point(n)
    return node_hash(_mth(hashes, lo, lo + k), _mth(hashes, lo + k, hi))


# --------------------------------------------------------------------------- proofs


def inclusion_proof_from_hashes(hashes: Sequence[bytes], index: int) -> list[bytes]:
    """RFC 6962 PATH(m, D[n]) over leaf hashes; ordered from the leaf upwards."""
    n = len(hashes)
    if not 0 <= index < n:
        raise IndexError(f"leaf index {index} out of range for tree size {n}")
    proof: list[bytes] = []

    def path(m: int, lo: int, hi: int) -> None:
        size = hi - lo
        if size <= 1:
            return
        k = split_point(size)
        if m < k:
            path(m, lo, lo + k)
            proof.append(_mth(hashes, lo + k, hi))
        else:
            path(m - k, lo + k, hi)
            proof.append(_mth(hashes, lo, lo + k))

    path(index, 0, n)
    return proof


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Audit path for ``leaves[index]`` in the tree of all ``leaves``."""
    return inclusion_proof_from_hashes([leaf_hash(d) for d in leaves], index)


def consistency_proof_from_hashes(hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """RFC 6962 PROOF(m, D[n]) over leaf hashes.

    Empty when ``old_size`` is 0 or equals the tree size (nothing to prove).
    """
    n = len(hashes)
    if not 0 <= old_size <= n:
        raise ValueError(f"old size {old_size} out of range for tree size {n}")
    if old_size in (0, n):
        return []
    proof: list[bytes] = []

    def subproof(m: int, lo: int, hi: int, complete: bool) -> None:
        size = hi - lo
        if m == size:
            if not complete:
                proof.append(_mth(hashes, lo, hi))
            return
        k = split_point(size)
        if m <= k:
            subproof(m, lo, lo + k, complete)
            proof.append(_mth(hashes, lo + k, hi))
        else:
            subproof(m - k, lo + k, hi, False)
            proof.append(_mth(hashes, lo, lo + k))

    subproof(old_size, 0, n, True)
    return proof


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """Proof that the first ``old_size`` leaves' tree is a prefix of the tree of all leaves."""
    return consistency_proof_from_hashes([leaf_hash(d) for d in leaves], old_size)


# --------------------------------------------------------------------------- verification


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_size(value: object) -> bool:
    return type(value) is int and 0 <= value <= _MAX_SIZE


def _valid_proof(proof: object) -> bool:
    return (
        isinstance(proof, list | tuple)
        and len(proof) <= _MAX_PROOF_LEN
        and all(_is_hash(p) for p in proof)
    )


def verify_inclusion_hash(
    leaf_digest: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2 with an already-computed leaf hash. Never raises."""
    try:
        if not (_is_hash(leaf_digest) and _is_hash(root) and _valid_proof(proof)):
            return False
        if not (_is_size(index) and _is_size(size)) or index >= size:
            return False
        fn, sn, r = index, size - 1, leaf_digest
        for p in proof:
            if sn == 0:
                return False
            if fn & 1 or fn == sn:
                r = _sha256(b"\x01" + p + r).digest()
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
            else:
                r = _sha256(b"\x01" + r + p).digest()
            fn >>= 1
            sn >>= 1
        return sn == 0 and r == root
    except Exception:  # garbage in, False out: a verifier must not crash on hostile input
        return False


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """Check that raw ``leaf`` data sits at ``index`` in the tree of ``size`` with ``root``."""
    if not isinstance(leaf, bytes | bytearray | memoryview):
        return False
    return verify_inclusion_hash(leaf_hash(bytes(leaf)), index, size, proof, root)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: list[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree (old_size, old_root) a prefix of (new_size, new_root)?

    Edge cases (not covered by the RFC algorithm): equal sizes need an empty proof and equal
    roots; an empty old tree needs an empty proof and ``old_root == EMPTY_ROOT``.
    Never raises.
    """
    try:
        if not (_is_hash(old_root) and _is_hash(new_root) and _valid_proof(proof)):
            return False
        if not (_is_size(old_size) and _is_size(new_size)) or old_size > new_size:
            return False
        if old_size == new_size:
            return len(proof) == 0 and old_root == new_root
        if old_size == 0:
            return len(proof) == 0 and old_root == EMPTY_ROOT
        if len(proof) == 0:
            return False
        path = list(proof)
        if old_size & (old_size - 1) == 0:  # exact power of two: old root is itself a node
            path.insert(0, old_root)
        fn, sn = old_size - 1, new_size - 1
        while fn & 1:
            fn >>= 1
            sn >>= 1
        fr = sr = path[0]
        for c in path[1:]:
            if sn == 0:
                return False
            if fn & 1 or fn == sn:
                fr = _sha256(b"\x01" + c + fr).digest()
                sr = _sha256(b"\x01" + c + sr).digest()
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
            else:
                sr = _sha256(b"\x01" + sr + c).digest()
            fn >>= 1
            sn >>= 1
        return fr == old_root and sr == new_root and sn == 0
    except Exception:  # garbage in, False out
        return False
