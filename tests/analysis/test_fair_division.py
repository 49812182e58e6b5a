"""Adjusted Winner invariants."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.analysis import AnalysisError, adjusted_winner


def test_textbook_example():
    # Brams & Taylor style: A values X most, B values Y most.
    items = ["X", "Y", "Z"]
    pts = [[50, 20], [30, 60], [20, 20]]
    r = adjusted_winner(items, pts, ("A", "B"))
    assert r.points[0] == r.points[1]
    assert r.split_item == "Z"  # tie item starts with A (ratio 1) and is split
    assert r.shares[0] == (1, 0) and r.shares[1] == (0, 1)
    # A: 50 + 20(1-f) = 60 + 20f  ->  f = 1/4
    assert r.shares[2] == (Fraction(3, 4), Fraction(1, 4))
    assert r.points == (Fraction(65), Fraction(65))
    assert r.envy_free and r.efficient and r.equitable


def test_points_must_total_100():
    with pytest.raises(AnalysisError, match="not 100"):
        adjusted_winner(["a", "b"], [[50, 50], [40, 50]])


@st.composite
def valuations(draw):
    n = draw(st.integers(1, 8))

    def spread():
        cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=n - 1, max_size=n - 1)))
        edges = [0, *cuts, 100]
        return [edges[i + 1] - edges[i] for i in range(n)]

    a, b = spread(), spread()
    return [f"item{i}" for i in range(n)], [[x, y] for x, y in zip(a, b, strict=True)]


@settings(max_examples=300, deadline=None)
@given(valuations())
def test_invariants(data):
    items, pts = data
    r = adjusted_winner(items, pts)
    assert r.points[0] == r.points[1]  # exactly equal (Fractions)
    n_split = sum(1 for s in r.shares if 0 < s[0] < 1)
    assert n_split <= 1
    assert (n_split == 1) == (r.split_item is not None)
    assert all(s[0] + s[1] == 1 and s[0] >= 0 and s[1] >= 0 for s in r.shares)
    # recompute totals independently
    ta = sum(s[0] * Fraction(p[0]) for s, p in zip(r.shares, pts, strict=True))
    tb = sum(s[1] * Fraction(p[1]) for s, p in zip(r.shares, pts, strict=True))
    assert (ta, tb) == r.points
    assert ta >= 50 and tb >= 50  # envy-free for two parties
    assert r.envy_free and r.efficient and r.equitable
