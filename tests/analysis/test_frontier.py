"""Frontier and bargaining points against brute-force enumeration."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.analysis import (
    AnalysisError,
    Issue,
    Party,
    Problem,
    ProblemTooLarge,
    brute_force_frontier,
    egalitarian_points,
    enumerate_frontier,
    kalai_smorodinsky_points,
    nash_points,
    pareto_frontier,
    pareto_mask,
    utilitarian_points,
)


@st.composite
def problems(draw, max_parties: int = 4):
    """Small linear problems with dyadic utilities (exact float sums) and many ties."""
    n_issues = draw(st.integers(1, 4))
    sizes = [draw(st.integers(1, 4)) for _ in range(n_issues)]
    issues = tuple(Issue(f"i{j}", tuple(f"o{o}" for o in range(s))) for j, s in enumerate(sizes))
    k = draw(st.integers(2, max_parties))
    parties = []
    for p in range(k):
        weights = np.array([draw(st.integers(1, 4)) for _ in sizes], dtype=float)
        weights = weights / weights.sum()
        # weights sum to a power of two so normalisation stays exact
        weights = np.array([draw(st.sampled_from([0.25, 0.5, 1.0])) for _ in sizes])
        values = [np.array([draw(st.integers(0, 4)) / 4 for _ in range(s)]) for s in sizes]
        red = {}
        if draw(st.booleans()):
            j = draw(st.integers(0, n_issues - 1))
            red[j] = frozenset({draw(st.integers(0, sizes[j] - 1))})
        res = draw(st.sampled_from([None, None, 0.0, 0.25]))
        parties.append(
            Party(f"p{p}", weights=weights, values=values, reservation=res, red_lines=red)
        )
    return Problem(issues, tuple(parties))


def _vecs(front):
    return {tuple(u) for u in front.utilities.tolist()}


def _outs(front):
    return {tuple(o) for o in front.outcomes.tolist()}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(problem=problems())
def test_merge_frontier_equals_brute_force(problem, naive_frontier):
    ref_outcomes, ref_vectors = naive_frontier(problem)
    front = pareto_frontier(problem)
    assert _outs(front) == ref_outcomes
    assert _vecs(front) == ref_vectors
    assert len(front) == len(ref_outcomes)  # no outcome listed twice
    enum = brute_force_frontier(problem, chunk_size=7)  # tiny chunks exercise the merge of chunks
    assert _outs(enum) == ref_outcomes
    np.testing.assert_array_equal(front.outcomes, enum.outcomes)
    np.testing.assert_array_equal(front.utilities, enum.utilities)


def _naive_points(vectors, res, kind):
    vs = [np.array(v) for v in vectors]
    r = np.array(res)
    if not vs:
        return set()
    if kind == "nash":
        cands = [v for v in vs if np.all(v - r > 0)]
        score = {tuple(v): float(np.prod(v - r)) for v in cands}
    elif kind == "ks":
        ideal = np.max(vs, axis=0)
        live = ideal - r > 0
        score = {
            tuple(v): float(np.min((v - r)[live] / (ideal - r)[live])) if live.any() else 0.0
            for v in vs
        }
    elif kind == "egal":
        score = {tuple(v): float(np.min(v - r)) for v in vs}
    else:
        score = {tuple(v): float(np.sum(v)) for v in vs}
    if not score:
        return set()
    best = max(score.values())
    return {v for v, s in score.items() if s >= best - 1e-12 * max(1, abs(best))}


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(problem=problems())
def test_bargaining_points_equal_brute_force(problem, naive_frontier):
    _, ref_vectors = naive_frontier(problem)
    front = pareto_frontier(problem)
    res = problem.reservations(0.0)
    for kind, fn in (
        ("nash", nash_points),
        ("ks", kalai_smorodinsky_points),
        ("egal", egalitarian_points),
        ("util", utilitarian_points),
    ):
        got = {tuple(p["utilities"]) for p in fn(front)}
        assert got == _naive_points(ref_vectors, res, kind), kind
        # every outcome achieving a tied vector is reported
        n_expected = sum(1 for u in front.utilities.tolist() if tuple(u) in got)
        assert len(fn(front)) == n_expected


def test_ties_are_all_reported():
    issues = (Issue("split", ("a", "b", "c")),)
    parties = (
        Party("x", weights=np.ones(1), values=[np.array([1.0, 0.0, 0.5])]),
        Party("y", weights=np.ones(1), values=[np.array([0.0, 1.0, 0.5])]),
    )
    front = pareto_frontier(Problem(issues, parties))
    assert len(front) == 3
    util = utilitarian_points(front)  # all three sum to 1
    assert sorted(p["outcome"]["split"] for p in util) == ["a", "b", "c"]
    assert [p["outcome"]["split"] for p in nash_points(front)] == ["c"]


def test_duplicate_vectors_keep_every_outcome_unless_asked():
    issues = (Issue("a", ("x", "y")), Issue("b", ("p", "q")))
    same = [np.array([1.0, 1.0]), np.array([0.5, 0.5])]
    parties = (
        Party("u", weights=np.ones(2), values=same),
        Party("v", weights=np.ones(2), values=[np.array([0.0, 0.0]), np.array([0.5, 0.5])]),
    )
    problem = Problem(issues, parties)
    assert len(pareto_frontier(problem)) == 4
    assert len(pareto_frontier(problem, keep_ties=False)) == 1


def test_pareto_mask_matches_quadratic_check():
    rng = np.random.default_rng(3)
    for k in (2, 3, 5):
        u = rng.integers(0, 6, size=(700, k)).astype(float)  # > one block, many duplicates
        ge = (u[:, None, :] >= u[None, :, :]).all(2)
        gt = (u[:, None, :] > u[None, :, :]).any(2)
        expected = ~(ge & gt).any(0)
        np.testing.assert_array_equal(pareto_mask(u), expected)


def test_large_linear_problem_is_exact_without_enumeration():
    rng = np.random.default_rng(0)
    n, m = 20, 10
    issues = tuple(Issue(f"i{j}", tuple(range(m))) for j in range(n))
    parties = tuple(
        Party(f"p{p}", weights=rng.random(n), values=[rng.random(m) for _ in range(n)])
        for p in range(2)
    )
    problem = Problem(issues, parties)
    assert problem.n_outcomes == 10**20
    front = pareto_frontier(problem, keep_ties=False)
    assert len(front) > 10
    # the extremes are the single-party optima, which are computable issue by issue
    best0 = sum(p.weights[j] * p.values[j].max() for j, p in [(j, parties[0]) for j in range(n)])
    assert front.utilities[:, 0].max() == pytest.approx(best0)
    assert pareto_mask(front.utilities).all()
    # every frontier outcome's utilities recompute exactly
    np.testing.assert_array_equal(problem.utilities(front.outcomes), front.utilities)


def test_problem_too_large_names_the_bound():
    rng = np.random.default_rng(1)
    issues = tuple(Issue(f"i{j}", tuple(range(10))) for j in range(8))
    parties = tuple(
        Party(f"p{p}", weights=rng.random(8), values=[rng.random(10) for _ in range(8)])
        for p in range(4)
    )
    with pytest.raises(ProblemTooLarge) as info:
        pareto_frontier(Problem(issues, parties), max_partial=50)
    assert "partial frontier" in str(info.value) and "limit 50" in str(info.value)
    assert isinstance(info.value, AnalysisError) and isinstance(info.value, ValueError)
    with pytest.raises(ProblemTooLarge, match="outcomes to enumerate"):
        enumerate_frontier([10] * 12, lambda idx: idx[:, :2].astype(float), max_outcomes=10**6)


def test_red_line_on_every_option_gives_empty_frontier():
    issues = (Issue("a", ("x",)), Issue("b", ("p", "q")))
    parties = (
        Party(
            "u",
            weights=np.ones(2),
            values=[np.ones(1), np.array([1.0, 0.0])],
            red_lines={0: frozenset({0})},
        ),
        Party("v", weights=np.ones(2), values=[np.ones(1), np.array([0.0, 1.0])]),
    )
    front = pareto_frontier(Problem(issues, parties))
    assert len(front) == 0
    assert nash_points(front) == []


def test_enumerate_general_utility():
    # non-additive utility: product of indices; the frontier is the known staircase
    def util(idx):
        a, b = idx[:, 0].astype(float), idx[:, 1].astype(float)
        return np.stack([a * b, (9 - a) * (9 - b)], axis=1)

    outs, u = enumerate_frontier([10, 10], util, chunk_size=13)
    ref = pareto_mask(util(np.array([[a, b] for a in range(10) for b in range(10)])))
    assert len(outs) == ref.sum()
    assert pareto_mask(u).all()
