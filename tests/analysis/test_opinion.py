"""Opinion groups on planted structure."""

from __future__ import annotations

import numpy as np
import pytest

from accord.analysis import AnalysisError, opinion_groups
from accord.analysis.opinion import group_aware_consensus


def planted(seed: int = 0, n: int = 25, m: int = 16, noise: float = 0.1):
    rng = np.random.default_rng(seed)
    stance = np.array([1] * (m // 2) + [-1] * (m - m // 2))
    g1 = np.where(rng.random((n, m)) < 1 - noise, stance, -stance)
    g2 = np.where(rng.random((n, m)) < 1 - noise, -stance, stance)
    v = np.vstack([g1, g2]).astype(float)
    v[:, -1] = 1.0  # everyone agrees with the last statement
    v[rng.random(v.shape) < 0.1] = np.nan
    v[:, -1] = 1.0
    return v


def test_planted_two_groups_are_recovered():
    v = planted()
    r = opinion_groups(v, seed=0)
    assert r.k == 2
    truth = np.array([0] * 25 + [1] * 25)
    agree = (r.labels == truth).mean()
    assert max(agree, 1 - agree) == 1.0
    for g in r.groups:
        assert g["size"] == 25
        assert g["representative"], "each planted group has representative statements"
        # group 0 (first 25 rows) agrees with the first half of statements
        first_half = g["group"] == r.labels[0]
        for rep in g["representative"]:
            j = int(rep["statement"])
            if rep["direction"] == "agree":
                assert (j < 8) == first_half
    cons = [c["statement"] for c in r.consensus if c["direction"] == "agree"]
    assert cons[0] == "15"
    gac = group_aware_consensus(v, r.labels)
    assert int(np.argmax(gac)) == 15


def test_deterministic_with_seed():
    v = planted(seed=3)
    a = opinion_groups(v, seed=5).to_dict()
    b = opinion_groups(v, seed=5).to_dict()
    assert a == b


def test_bad_votes():
    with pytest.raises(AnalysisError, match="votes must be"):
        opinion_groups(np.array([[2.0, 1.0], [1.0, 1.0]]))
