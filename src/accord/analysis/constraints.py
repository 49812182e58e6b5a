"""Acceptable sets as constraints on packages.

A party's *acceptable set* on an issue (the options it states it can accept; for a numeric issue
the grid points inside its acceptable range) is a constraint: a package the analysis proposes
must lie inside every party's acceptable set on every issue, unless the caller asks to relax the
constraint. Red lines are never relaxed.

* :func:`within_acceptable` — the problem restricted to packages inside every acceptable set
  (the options outside are *excluded* by the analysis; parties' red lines stay their own).
* :func:`empty_issues` — issues on which no option is acceptable to every party: then no
  package lies inside, and :func:`nearest_problem` gives the packages that break the fewest
  stated bounds (then by the smallest distance on numeric issues).
* :func:`violations` — for outcome rows, each party's bound that the row breaks, named:
  ``{"party", "issue", "value", "bound": "min" | "max" | "set", "limit" | "acceptable"}``.

Acceptable sets are per issue, so everything here is exact issue by issue: the number of broken
bounds of a package is the sum over its issues, and the packages breaking the fewest are the
product of each issue's least-breaking options.
"""

from __future__ import annotations

import copy

import numpy as np

from .problem import Problem, Value, _py

__all__ = [
    "acceptable_mask",
    "empty_issues",
    "has_acceptable_sets",
    "nearest_problem",
    "violations",
    "within_acceptable",
]

_DIST_RTOL = 1e-9


def _is_number(v: object) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def has_acceptable_sets(problem: Problem) -> bool:
    """True when some party states an acceptable set (otherwise the constraint is void)."""
    return any(p.acceptable for p in problem.parties)


def acceptable_mask(problem: Problem, party: int, j: int) -> np.ndarray:
    """Options of issue ``j`` inside ``party``'s stated acceptable set (all when none stated).

    Red lines are not part of this mask: they are hard in every mode (see allowed_options)."""
    p = problem.parties[party]
    mask = np.ones(len(problem.issues[j].options), dtype=bool)
    if p.acceptable is not None and j in p.acceptable:
        mask[:] = False
        mask[list(p.acceptable[j])] = True
    return mask


def _common_mask(problem: Problem, j: int) -> np.ndarray:
    mask = problem.allowed_options(j)
    for i in range(len(problem.parties)):
        mask &= acceptable_mask(problem, i, j)
    return mask


def empty_issues(problem: Problem) -> list[str]:
    """Issues on which no option (outside red lines) is acceptable to every party."""
    return [iss.name for j, iss in enumerate(problem.issues) if not _common_mask(problem, j).any()]


def _with_excluded(problem: Problem, keep: list[np.ndarray]) -> Problem:
    excluded = dict(problem.excluded or {})
    for j, mask in enumerate(keep):
        out = frozenset(int(o) for o in np.flatnonzero(~mask))
        if out:
            excluded[j] = frozenset(excluded.get(j, frozenset()) | out)
    # a shallow copy, not dataclasses.replace: re-validating would renormalise the shared
    # parties' weights and could move their utilities by an ulp
    out = copy.copy(problem)
    out.excluded = excluded or None
    return out


def within_acceptable(problem: Problem) -> Problem:
    """The same problem with every option outside some party's acceptable set excluded."""
    return _with_excluded(problem, [_common_mask(problem, j) for j in range(len(problem.issues))])


def _breaks(problem: Problem, j: int) -> tuple[np.ndarray, np.ndarray]:
    """Per option of issue ``j``: how many parties' acceptable sets it is outside, and the
    summed distance (numeric options) to those sets, for ranking nearness."""
    opts = problem.issues[j].options
    n = len(opts)
    count = np.zeros(n, dtype=np.int64)
    dist = np.zeros(n)
    numeric = all(_is_number(o) for o in opts)
    values = np.array([float(o) for o in opts]) if numeric else None
    for i in range(len(problem.parties)):
        ok = acceptable_mask(problem, i, j)
        if ok.all():
            continue
        count += ~ok
        if values is not None:
            if ok.any():
                d = np.abs(values[:, None] - values[ok][None, :]).min(axis=1)
            else:
                d = np.full(n, np.inf)
            dist += np.where(ok, 0.0, d)
    return count, dist


def nearest_problem(problem: Problem) -> Problem:
    """The problem restricted to the packages nearest to every acceptable set.

    On each issue the options kept are those outside the fewest parties' acceptable sets (red
    lines excluded), and among them, on numeric issues, those at the smallest summed distance.
    On an issue with a common option this keeps exactly the common options."""
    keep = []
    for j in range(len(problem.issues)):
        allowed = problem.allowed_options(j)
        count, dist = _breaks(problem, j)
        mask = allowed.copy()
        if allowed.any():
            best = count[allowed].min()
            mask &= count == best
            d_best = dist[mask].min()
            if np.isfinite(d_best):
                mask &= dist <= d_best + _DIST_RTOL * max(1.0, abs(d_best))
        keep.append(mask)
    return _with_excluded(problem, keep)


def _violation(problem: Problem, party: int, j: int, option: int) -> dict:
    issue = problem.issues[j]
    p = problem.parties[party]
    acc = sorted((p.acceptable or {}).get(j, ()))
    value: Value = _py(issue.options[option])
    out: dict = {"party": p.name, "issue": issue.name, "value": value}
    accepted = [_py(issue.options[k]) for k in acc]
    if accepted and all(_is_number(o) for o in issue.options):
        lo, hi = min(accepted), max(accepted)  # type: ignore[type-var]
        if value < lo:  # type: ignore[operator]
            out.update(bound="min", limit=lo)
        elif value > hi:  # type: ignore[operator]
            out.update(bound="max", limit=hi)
        else:
            out.update(bound="set", acceptable=accepted)
    else:
        out.update(bound="set", acceptable=accepted)
    return out


def violations(problem: Problem, outcomes: np.ndarray) -> list[list[dict]]:
    """For each outcome row (option indices), the stated bounds it breaks, party by party in
    problem order, then issue order. An empty list means the row is inside every set."""
    outcomes = np.asarray(outcomes, dtype=np.int64).reshape(-1, len(problem.issues))
    out: list[list[dict]] = [[] for _ in range(outcomes.shape[0])]
    for i, p in enumerate(problem.parties):
        for j in sorted(p.acceptable or {}):
            bad = ~acceptable_mask(problem, i, j)[outcomes[:, j]]
            for r in np.flatnonzero(bad):
                out[int(r)].append(_violation(problem, i, j, int(outcomes[r, j])))
    return out
