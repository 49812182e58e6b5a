"""Shared fixtures for accord.analysis tests (pure pytest, no Django)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

GENIUS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "genius"


@pytest.fixture
def genius_dir() -> Path:
    if not GENIUS.is_dir():
        pytest.skip(f"Genius sample data not found at {GENIUS}")
    return GENIUS


def _naive_frontier(problem) -> tuple[set, set]:
    """Independent reference: every admissible outcome, O(n^2) dominance, Python loops."""
    sizes = problem.sizes
    rows, vecs = [], []
    for combo in itertools.product(*[range(s) for s in sizes]):
        if any(o in p.red_lines.get(j, ()) for p in problem.parties for j, o in enumerate(combo)):
            continue
        u = []
        for p in problem.parties:
            total = 0.0
            for j, o in enumerate(combo):
                total += p.weights[j] * p.values[j][o]
            u.append(total)
        rows.append(combo)
        vecs.append(tuple(u))
    res = [(-np.inf if p.reservation is None else p.reservation) for p in problem.parties]
    keep = []
    for i, v in enumerate(vecs):
        dominated = any(all(a >= b for a, b in zip(w, v, strict=True)) and w != v for w in vecs)
        if not dominated and all(a >= r for a, r in zip(v, res, strict=True)):
            keep.append(i)
    return {rows[i] for i in keep}, {vecs[i] for i in keep}


@pytest.fixture
def naive_frontier():
    """The brute-force reference frontier as a function of a problem."""
    return _naive_frontier
