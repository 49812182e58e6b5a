"""BdM forecast invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.analysis import AnalysisError, forecast, pairwise_median, weighted_mean
from accord.analysis.forecast import vote_margins

ACTORS = ["US", "EU", "RU", "CN", "UA", "TR"]
CAP = [100, 80, 90, 85, 30, 40]
POS = [80, 70, 10, 30, 100, 50]
SAL = [0.6, 0.5, 0.9, 0.4, 1.0, 0.7]


@st.composite
def actor_sets(draw):
    n = draw(st.integers(2, 9))
    cap = draw(st.lists(st.floats(0.1, 100), min_size=n, max_size=n))
    pos = draw(st.lists(st.floats(0, 100), min_size=n, max_size=n))
    sal = draw(st.lists(st.floats(0.05, 1), min_size=n, max_size=n))
    return np.array(cap), np.array(pos), np.array(sal)


@settings(max_examples=200, deadline=None)
@given(actor_sets())
def test_median_beats_every_position_and_mean_in_range(data):
    c, x, s = data
    med = pairwise_median(c[None], s[None], x[None])[0]
    i = int(np.flatnonzero(x == med)[0])
    margins = vote_margins(c[None], s[None], x[None])[0]
    assert (margins[i] >= -1e-9 * max(1.0, np.abs(margins).max())).all()
    # brute force: the vote sum as defined in the reference
    for j in range(len(x)):
        votes = c * s * (np.abs(x - x[j]) - np.abs(x - x[i]))
        assert votes.sum() >= -1e-9 * max(1.0, np.abs(votes).sum())
    mean = weighted_mean(c, s, x)
    assert x.min() - 1e-9 <= mean <= x.max() + 1e-9


@settings(max_examples=40, deadline=None)
@given(actor_sets())
def test_forecast_within_range(data):
    c, x, s = data
    r = forecast([f"a{i}" for i in range(len(x))], c, x, s, rounds=5)
    lo, hi = x.min() - 1e-9, x.max() + 1e-9
    assert lo <= r.forecast <= hi
    for rnd in r.rounds:
        assert all(lo <= p <= hi for p in rnd["positions"].values())


def test_rounds_move_actors_and_are_deterministic_with_seed():
    a = forecast(ACTORS, CAP, POS, SAL, rounds=10, samples=200, seed=7)
    b = forecast(ACTORS, CAP, POS, SAL, rounds=10, samples=200, seed=7)
    c = forecast(ACTORS, CAP, POS, SAL, rounds=10, samples=200, seed=8)
    assert a.to_dict() == b.to_dict()
    assert a.sensitivity["forecasts"] != c.sensitivity["forecasts"]
    assert a.initial_mean == pytest.approx(
        sum(ci * si * xi for ci, si, xi in zip(CAP, SAL, POS, strict=True))
        / sum(ci * si for ci, si in zip(CAP, SAL, strict=True))
    )
    assert a.rounds and a.rounds[0]["offers"]  # someone received an offer in round 1
    kinds = {k for r in a.rounds for k in r["offers"].values()}
    assert kinds <= {"confrontation", "compromise", "capitulation"}
    s = a.sensitivity
    assert sum(s["histogram"]["counts"]) == 200
    assert s["percentiles"]["5"] <= s["percentiles"]["50"] <= s["percentiles"]["95"]
    assert min(POS) <= s["mean"] <= max(POS)


def test_bad_inputs():
    with pytest.raises(AnalysisError, match="at least 2 actors"):
        forecast(["a"], [1], [1], [1])
    with pytest.raises(AnalysisError, match="capability"):
        forecast(["a", "b"], [-1, 1], [0, 1], [1, 1])
