"""Frontier and store-backed proofs agree with the in-memory RFC 6962 reference."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.ledger import compact as c
from accord.ledger import merkle as m

MAX = 300
LEAVES = [f"entry-{i}".encode() for i in range(MAX)]
HASHES = [m.leaf_hash(x) for x in LEAVES]


def _build(n: int) -> tuple[c.Frontier, dict[c.NodeKey, bytes]]:
    f = c.Frontier()
    store: dict[c.NodeKey, bytes] = {}
    for h in HASHES[:n]:
        for level, index, node in f.append(h):
            assert (level, index) not in store
            store[(level, index)] = node
    return f, store


FULL_FRONTIER, STORE = _build(MAX)


def test_frontier_root_every_size():
    f = c.Frontier()
    assert f.root() == m.EMPTY_ROOT
    for n in range(1, MAX + 1):
        f.append(HASHES[n - 1])
        assert f.size == n
        assert f.root() == m.root_from_hashes(HASHES[:n]), n
        assert len(f.nodes()) == n.bit_count()


def test_append_returns_exactly_the_complete_nodes():
    """Every stored node is the root of the complete subtree it names."""
    for (level, index), h in STORE.items():
        lo = index << level
        assert lo + (1 << level) <= MAX
        assert h == m.root_from_hashes(HASHES[lo : lo + (1 << level)])
    # and every complete subtree is present
    expected = sum(MAX >> level for level in range(MAX.bit_length()))
    assert len(STORE) == expected


def test_append_reports_leaf_first_then_parents():
    f = c.Frontier()
    for h in HASHES[:7]:
        f.append(h)
    created = f.append(HASHES[7])  # size 7 -> 8 completes levels 1, 2, 3
    assert [(lv, ix) for lv, ix, _ in created] == [(0, 7), (1, 3), (2, 1), (3, 0)]


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 8, 255, 256, 300])
def test_frontier_serialisation_roundtrip(n):
    f, _ = _build(n)
    b = f.to_bytes()
    assert len(b) == 8 + 32 * n.bit_count()
    g = c.Frontier.from_bytes(b)
    assert g == f and g.root() == f.root()
    h = c.Frontier.from_json(f.to_json())
    assert h == f
    # continuing after a round trip gives the same tree
    if n < MAX:
        g.append(HASHES[n])
        f2, _ = _build(n + 1)
        assert g.root() == f2.root()


def test_frontier_from_empty_db_value_and_errors():
    assert c.Frontier.from_bytes(b"").size == 0
    with pytest.raises(ValueError):
        c.Frontier.from_bytes(b"\x00" * 7)
    with pytest.raises(ValueError):
        c.Frontier.from_bytes((3).to_bytes(8, "big") + b"\x00" * 32)  # size 3 needs 2 hashes
    with pytest.raises(ValueError):
        c.Frontier().append(b"short")
    with pytest.raises(ValueError):
        c.Frontier(2, [])


def test_frontier_from_nodes_and_copy():
    for n in (1, 5, 64, 77, 300):
        f = c.Frontier.from_nodes(n, STORE)
        assert f.root() == m.root_from_hashes(HASHES[:n])
        assert c.assemble_root(n, STORE) == f.root()
        g = f.copy()
        g.append(HASHES[0])
        assert f.size == n
    assert c.assemble_root(0, STORE) == m.EMPTY_ROOT
    assert c.Frontier.from_leaf_hashes(HASHES[:77]) == c.Frontier.from_nodes(77, STORE)


def test_range_nodes():
    assert c.range_nodes(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert c.range_nodes(8, 11) == [(1, 4), (0, 10)]
    with pytest.raises(ValueError):
        c.range_nodes(1, 3)  # not aligned
    with pytest.raises(ValueError):
        c.range_nodes(4, 4)


@settings(max_examples=400, deadline=None)
@given(st.integers(1, MAX), st.data())
def test_inclusion_equals_reference(n, data):
    i = data.draw(st.integers(0, n - 1))
    keys = c.inclusion_proof_nodes(i, n)
    assert len(keys) == len(set(keys))
    fetched = {k: STORE[k] for k in keys}  # only the requested keys: one batched query
    proof = c.assemble_inclusion_proof(i, n, fetched)
    assert proof == m.inclusion_proof_from_hashes(HASHES[:n], i)
    assert m.verify_inclusion(LEAVES[i], i, n, proof, m.root_from_hashes(HASHES[:n]))


@settings(max_examples=400, deadline=None)
@given(st.integers(0, MAX), st.data())
def test_consistency_equals_reference(n, data):
    old = data.draw(st.integers(0, n))
    keys = c.consistency_proof_nodes(old, n)
    fetched = {k: STORE[k] for k in keys}
    proof = c.assemble_consistency_proof(old, n, fetched)
    assert proof == m.consistency_proof_from_hashes(HASHES[:n], old)
    assert m.verify_consistency(
        old, n, m.root_from_hashes(HASHES[:old]), m.root_from_hashes(HASHES[:n]), proof
    )


def test_exhaustive_small_sizes():
    for n in range(1, 70):
        for i in range(n):
            assert c.assemble_inclusion_proof(i, n, STORE) == m.inclusion_proof_from_hashes(
                HASHES[:n], i
            )
        for old in range(n + 1):
            assert c.assemble_consistency_proof(old, n, STORE) == m.consistency_proof_from_hashes(
                HASHES[:n], old
            )


def test_proofs_only_use_nodes_that_exist_at_that_size():
    """A proof for size n must never need a node completed after leaf n (not stored yet)."""
    for n in range(1, 130):
        _, store_n = _build(n)
        for i in range(0, n, 3):
            assert set(c.inclusion_proof_nodes(i, n)) <= store_n.keys()
        for old in range(0, n + 1, 2):
            assert set(c.consistency_proof_nodes(old, n)) <= store_n.keys()
        assert set(c.root_nodes(n)) <= store_n.keys()


def test_missing_node_is_reported():
    keys = c.inclusion_proof_nodes(5, 100)
    partial = {k: STORE[k] for k in keys[1:]}
    with pytest.raises(KeyError, match="missing node"):
        c.assemble_inclusion_proof(5, 100, partial)


def test_bad_arguments():
    with pytest.raises(IndexError):
        c.inclusion_proof_nodes(5, 5)
    with pytest.raises(ValueError):
        c.consistency_proof_nodes(6, 5)
    with pytest.raises(ValueError):
        c.inclusion_proof_nodes(0, -1)


def test_large_size_keys_are_logarithmic():
    n = 1_000_003
    assert len(c.inclusion_proof_nodes(n - 1, n)) <= 2 * n.bit_length()
    assert len(c.consistency_proof_nodes(500_001, n)) <= 3 * n.bit_length()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=12))
def test_batched_extend_equals_appends(batches):
    """extend_hashes (level by level) builds the same frontier as one append per leaf."""
    f, g, pos = c.Frontier(), c.Frontier(), 0
    for k in batches:
        chunk = HASHES[pos : pos + k]
        pos += len(chunk)
        g.extend(chunk)
        for h in chunk:
            f.append(h)
        assert g == f
        assert g.root() == m.root_from_hashes(HASHES[:pos])
