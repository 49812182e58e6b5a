"""RFC 6962 / 9162 Merkle hashing, proofs and verification (pure, no Django).

The vectors are those of the certificate-transparency reference tests (C++ `merkle_tree_test.cc`,
Go `merkle/testonly`): eight leaves, roots for sizes 1..8, and their inclusion/consistency
proofs.  Each root is also re-derived below from the hash definitions alone (`test_vectors_by_hand`)
so the vectors do not rest on memory.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.ledger import merkle as m

LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]

ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

# (leaf index (0-based), tree size, proof) — the reference file lists leaf numbers 1-based.
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]

CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def _h(x: str) -> bytes:
    return bytes.fromhex(x)


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# --------------------------------------------------------------------------- known vectors


def test_empty_tree():
    assert m.tree_root([]).hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert m.EMPTY_ROOT == sha(b"")


def test_leaf_and_node_hash_prefixes():
    assert m.leaf_hash(b"") == sha(b"\x00")
    assert m.leaf_hash(b"") == _h(ROOTS[0])
    assert m.node_hash(b"a" * 32, b"b" * 32) == sha(b"\x01" + b"a" * 32 + b"b" * 32)


@pytest.mark.parametrize("size", range(1, 9))
def test_reference_roots(size):
    assert m.tree_root(LEAVES[:size]).hex() == ROOTS[size - 1]
    hashes = [m.leaf_hash(x) for x in LEAVES[:size]]
    assert m.root_from_hashes(hashes).hex() == ROOTS[size - 1]


def test_vectors_by_hand():
    """Independent derivation: write the RFC 6962 trees out explicitly with raw SHA-256."""
    lh = [sha(b"\x00" + x) for x in LEAVES]

    def n(a, b):
        return sha(b"\x01" + a + b)

    n01, n23, n45, n67 = n(lh[0], lh[1]), n(lh[2], lh[3]), n(lh[4], lh[5]), n(lh[6], lh[7])
    n0_3, n4_7 = n(n01, n23), n(n45, n67)
    by_hand = [
        lh[0],
        n01,
        n(n01, lh[2]),
        n0_3,
        n(n0_3, lh[4]),
        n(n0_3, n45),
        n(n0_3, n(n45, lh[6])),
        n(n0_3, n4_7),
    ]
    assert [x.hex() for x in by_hand] == ROOTS
    # the proof vectors name these interior nodes
    assert lh[1].hex() == INCLUSION[1][2][0]
    assert n23.hex() == INCLUSION[1][2][1]
    assert n4_7.hex() == INCLUSION[1][2][2]
    assert n45.hex() == CONSISTENCY[2][2][0]
    assert n67.hex() == INCLUSION[2][2][1]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_reference_inclusion_proofs(index, size, proof):
    got = m.inclusion_proof(LEAVES[:size], index)
    assert [p.hex() for p in got] == proof
    assert m.verify_inclusion(LEAVES[index], index, size, got, _h(ROOTS[size - 1]))


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_reference_consistency_proofs(old, new, proof):
    got = m.consistency_proof(LEAVES[:new], old)
    assert [p.hex() for p in got] == proof
    assert m.verify_consistency(old, new, _h(ROOTS[old - 1]), _h(ROOTS[new - 1]), got)


def test_all_small_proofs_verify():
    for n in range(1, 9):
        root = m.tree_root(LEAVES[:n])
        for i in range(n):
            proof = m.inclusion_proof(LEAVES[:n], i)
            assert m.verify_inclusion(LEAVES[i], i, n, proof, root)
        for old in range(0, n + 1):
            proof = m.consistency_proof(LEAVES[:n], old)
            old_root = m.tree_root(LEAVES[:old])
            assert m.verify_consistency(old, n, old_root, root, proof)


def test_out_of_range_arguments_raise_for_builders():
    with pytest.raises(IndexError):
        m.inclusion_proof(LEAVES, 8)
    with pytest.raises(ValueError):
        m.consistency_proof(LEAVES[:3], 4)


def test_split_point():
    assert [m.split_point(n) for n in range(2, 10)] == [1, 2, 2, 4, 4, 4, 4, 8]
    with pytest.raises(ValueError):
        m.split_point(1)


# --------------------------------------------------------------------------- garbage in


GARBAGE = [None, 1, "x", b"", b"\x00" * 31, b"\x00" * 33, [b"\x00" * 32], object()]


def test_verify_never_raises_on_garbage():
    root = m.tree_root(LEAVES)
    proof = m.inclusion_proof(LEAVES, 3)
    good = (LEAVES[3], 3, 8, proof, root)
    for pos in range(5):
        for bad in [*GARBAGE, -1, 2**70, True, [None], [b"x"] * 100]:
            args = list(good)
            args[pos] = bad
            assert m.verify_inclusion(*args) is False
    cproof = m.consistency_proof(LEAVES, 3)
    good_c = (3, 8, m.tree_root(LEAVES[:3]), root, cproof)
    for pos in range(5):
        for bad in [*GARBAGE, -1, 2**70, True, [None], [b"x"] * 100]:
            args = list(good_c)
            args[pos] = bad
            assert m.verify_consistency(*args) is False


def test_consistency_edge_cases():
    root = m.tree_root(LEAVES)
    assert m.verify_consistency(8, 8, root, root, [])
    assert not m.verify_consistency(8, 8, root, root, [root])
    assert not m.verify_consistency(8, 8, m.EMPTY_ROOT, root, [])
    assert m.verify_consistency(0, 8, m.EMPTY_ROOT, root, [])
    assert not m.verify_consistency(0, 8, root, root, [])
    assert not m.verify_consistency(5, 3, root, root, [root])
    assert not m.verify_consistency(3, 8, m.tree_root(LEAVES[:3]), root, [])


# --------------------------------------------------------------------------- properties


def _path_shape(index: int, size: int) -> list[bool]:
    """Sibling sides (True = sibling on the left) of PATH(index, D[size]), from the RFC recursion.

    Derived independently of the RFC 9162 bit-twiddling verifier, to say exactly when a proof
    for one (index, size) must also pass for another: only when the hashing is identical.
    """
    sides: list[bool] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = m.split_point(hi - lo)
        if index - lo < k:
            sides.append(False)
            hi = lo + k
        else:
            sides.append(True)
            lo += k
    return sides[::-1]


def _cons_shape(old: int, new: int) -> list[tuple]:
    """Structure of PROOF(old, D[new]): which side each element joins on and what it feeds."""
    out: list[tuple] = []
    lo, hi, mm, complete = 0, new, old, True
    if old in (0, new):
        return out
    while True:
        n = hi - lo
        if mm == n:
            out.append(("seed", complete))
            break
        k = m.split_point(n)
        if mm <= k:
            out.append(("right",))
            hi = lo + k
        else:
            out.append(("left",))
            lo += k
            mm -= k
            complete = False
    return out[::-1]


def _flip(b: bytes, bit: int) -> bytes:
    bit %= len(b) * 8
    arr = bytearray(b)
    arr[bit // 8] ^= 1 << (bit % 8)
    return bytes(arr)


tree_data = st.lists(st.binary(max_size=12), min_size=1, max_size=70, unique=True)


@settings(max_examples=150, deadline=None)
@given(tree_data, st.data())
def test_inclusion_property(leaves, data):
    n = len(leaves)
    root = m.tree_root(leaves)
    i = data.draw(st.integers(0, n - 1))
    proof = m.inclusion_proof(leaves, i)
    assert m.verify_inclusion(leaves[i], i, n, proof, root)
    bit = data.draw(st.integers(0, 10**6))
    # flipped bit in the leaf data (or an extra byte when the leaf is empty), root, proof
    bad_leaf = _flip(leaves[i], bit) if leaves[i] else b"\x00"
    assert not m.verify_inclusion(bad_leaf, i, n, proof, root)
    assert not m.verify_inclusion(leaves[i], i, n, proof, _flip(root, bit))
    if proof:
        j = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[j] = _flip(bad[j], bit)
        assert not m.verify_inclusion(leaves[i], i, n, bad, root)
        assert not m.verify_inclusion(leaves[i], i, n, proof[:-1], root)
    assert not m.verify_inclusion(leaves[i], i, n, [*proof, root], root)
    # another index in the same tree: a different path, so it must fail
    j = data.draw(st.integers(0, n - 1))
    if j != i:
        assert not m.verify_inclusion(leaves[i], j, n, proof, root)
    # another size: passes only if the hashing would be literally identical (size is bound
    # by the signed head, not by the audit path — a property of RFC 9162, not a bug)
    n2 = data.draw(st.integers(1, 140))
    if n2 != n:
        same = i < n2 and _path_shape(i, n2) == _path_shape(i, n)
        assert m.verify_inclusion(leaves[i], i, n2, proof, root) == same


@settings(max_examples=150, deadline=None)
@given(tree_data, st.data())
def test_consistency_property(leaves, data):
    n = len(leaves)
    new_root = m.tree_root(leaves)
    old = data.draw(st.integers(0, n))
    old_root = m.tree_root(leaves[:old])
    proof = m.consistency_proof(leaves, old)
    assert m.verify_consistency(old, n, old_root, new_root, proof)
    bit = data.draw(st.integers(0, 10**6))
    assert not m.verify_consistency(old, n, _flip(old_root, bit), new_root, proof)
    if old:  # every tree extends the empty tree, whatever its root
        assert not m.verify_consistency(old, n, old_root, _flip(new_root, bit), proof)
    if proof:
        j = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[j] = _flip(bad[j], bit)
        assert not m.verify_consistency(old, n, old_root, new_root, bad)
        assert not m.verify_consistency(old, n, old_root, new_root, proof[:-1])
    # a tampered old tree (one leaf changed) must not be provably consistent
    if 0 < old:
        k = data.draw(st.integers(0, old - 1))
        forged = list(leaves)
        forged[k] = forged[k] + b"!"
        assert not m.verify_consistency(old, n, m.tree_root(forged[:old]), new_root, proof)
    # other sizes: pass only when the proof structure is identical
    old2 = data.draw(st.integers(0, n))
    if old2 != old and 0 < old < n and 0 < old2 < n:
        same = _cons_shape(old2, n) == _cons_shape(old, n) and (old2 & (old2 - 1) == 0) == (
            old & (old - 1) == 0
        )
        assert m.verify_consistency(old2, n, old_root, new_root, proof) == same


def test_root_matches_recursive_definition():
    leaves = [i.to_bytes(2, "big") * (i % 5) for i in range(300)]
    hashes = [m.leaf_hash(x) for x in leaves]
    for n in range(0, 300, 7):
        assert m.root_from_hashes(hashes[:n]) == m._mth(hashes, 0, n)
