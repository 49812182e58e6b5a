"""Exact Pareto frontiers.

Three exact paths, all vectorised (no Python loop per outcome):

* ``merge`` (linear additive problems): the frontier of a sum of independent issues is contained in
  the sum of the issues' frontiers, so partial packages are merged issue by issue and dominated
  partial utility vectors are pruned after every merge. Problems with 10^20 outcomes and a few
  thousand frontier points are solved exactly without enumerating the space.
* ``enumerate`` (any utility given as a vectorised function of outcome indices): the space is
  enumerated in chunks; each chunk's frontier is merged with the running frontier, so memory is
  bounded by the chunk size, not the space.
* ``cells`` (non-linear hyper-rectangle utilities): options every party treats alike on an issue
  are grouped into *atoms*; outcomes in the same cell (one atom per issue) have identical utility
  vectors, so the cells are enumerated instead of the outcomes.

Dominance is exact floating-point comparison: ``a`` dominates ``b`` when ``a >= b`` everywhere and
``a != b``. Outcomes with equal utility vectors are all kept (as NegMAS does), so the list of
frontier outcomes can be compared one for one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .errors import AnalysisError, ProblemTooLarge
from .problem import Problem

__all__ = [
    "Frontier",
    "ProgressFn",
    "brute_force_frontier",
    "enumerate_frontier",
    "pareto_frontier",
    "pareto_mask",
]

ProgressFn = Callable[[str, int, int], None]
"""Progress callback: (phase, done, total)."""

_BLOCK = 256


# ---------------------------------------------------------------------------- dominance filters
def _sort_keys(u: np.ndarray) -> np.ndarray:
    """Order in which every dominator precedes what it dominates (and duplicates are adjacent)."""
    k = u.shape[1]
    keys = [-u[:, c] for c in reversed(range(k))]
    if k > 2:
        keys.append(-u.sum(axis=1))
    return np.lexsort(keys)


def _nd_sorted_unique(s: np.ndarray) -> np.ndarray:
    """Non-dominated mask of distinct rows already in :func:`_sort_keys` order."""
    n, k = s.shape
    if n == 0:
        return np.zeros(0, dtype=bool)
    if k == 1:
        return s[:, 0] == s[0, 0]
    if k == 2:
        # sorted by u0 desc then u1 desc: keep the first of each u0 group if its u1 beats every
        # u1 seen with a larger u0.
        first = np.ones(n, dtype=bool)
        first[1:] = s[1:, 0] != s[:-1, 0]
        prev = np.empty(n)
        prev[0] = -np.inf
        prev[1:] = np.maximum.accumulate(s[:-1, 1])
        return first & (s[:, 1] > prev)
    keep = np.zeros(n, dtype=bool)
    idx = np.arange(n)
    rest = s
    while rest.shape[0]:
        blk = rest[:_BLOCK]
        ge = np.ones((blk.shape[0], blk.shape[0]), dtype=bool)
        for c in range(k):
            ge &= blk[:, None, c] >= blk[None, :, c]
        np.fill_diagonal(ge, False)  # rows are distinct, so ge off the diagonal is dominance
        nd = ~ge.any(axis=0)
        keep[idx[: blk.shape[0]][nd]] = True
        front = blk[nd]
        rest = rest[blk.shape[0] :]
        idx = idx[blk.shape[0] :]
        if not rest.shape[0]:
            break
        alive = np.ones(rest.shape[0], dtype=bool)
        step = max(1, 4_000_000 // max(1, front.shape[0]))
        for a in range(0, rest.shape[0], step):
            r = rest[a : a + step]
            dom = np.ones((r.shape[0], front.shape[0]), dtype=bool)
            for c in range(k):
                dom &= front[None, :, c] >= r[:, None, c]
            alive[a : a + step] = ~dom.any(axis=1)
        rest = rest[alive]
        idx = idx[alive]
    return keep


def _dominated_by(u: np.ndarray, front: np.ndarray) -> np.ndarray:
    """Rows of ``u`` strictly dominated by some row of ``front`` (exact)."""
    k = u.shape[1]
    if k == 2:
        # staircase: max f1 over f0 >= p0 (must beat p1) or over f0 > p0 (must reach p1)
        order = np.argsort(front[:, 0], kind="stable")
        f0, f1 = front[order, 0], front[order, 1]
        suf = np.append(np.maximum.accumulate(f1[::-1])[::-1], -np.inf)
        m_ge = suf[np.searchsorted(f0, u[:, 0], side="left")]
        m_gt = suf[np.searchsorted(f0, u[:, 0], side="right")]
        return (m_ge > u[:, 1]) | (m_gt >= u[:, 1])
    out = np.zeros(u.shape[0], dtype=bool)
    step = max(1, 4_000_000 // max(1, front.shape[0]))
    for a in range(0, u.shape[0], step):
        r = u[a : a + step]
        ge = np.ones((r.shape[0], front.shape[0]), dtype=bool)
        gt = np.zeros((r.shape[0], front.shape[0]), dtype=bool)
        for c in range(k):
            ge &= front[None, :, c] >= r[:, None, c]
            gt |= front[None, :, c] > r[:, None, c]
        out[a : a + step] = (ge & gt).any(axis=1)
    return out


def _pareto_groups(u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frontier of rows of ``u`` with duplicate vectors grouped.

    Returns ``(keep, group, vectors)``: ``keep`` masks rows on the frontier, ``group`` gives each
    kept row the index of its distinct vector in ``vectors`` (sorted in dominance order).
    Large inputs are first thinned by the frontier of a few high-welfare rows (exact: a row
    dominated by any row is off the frontier).
    """
    n = u.shape[0]
    if n > 50_000:
        m = 256 if u.shape[1] == 2 else 32
        top = np.argpartition(-u.sum(axis=1), m)[:m]
        cand = u[top]
        cand = cand[_pareto_groups(cand)[0]]
        alive = ~_dominated_by(u, cand)
        if not alive.all():
            rows = np.flatnonzero(alive)
            keep_s, group, vectors = _pareto_groups(u[rows])
            keep = np.zeros(n, dtype=bool)
            keep[rows[keep_s]] = True
            return keep, group, vectors
    if n == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64), u[:0]
    order = _sort_keys(u)
    s = u[order]
    new = np.ones(n, dtype=bool)
    new[1:] = np.any(s[1:] != s[:-1], axis=1)
    gid = np.cumsum(new) - 1
    reps = s[new]
    nd = _nd_sorted_unique(reps)
    remap = np.full(reps.shape[0], -1, dtype=np.int64)
    remap[nd] = np.arange(int(nd.sum()))
    keep = np.zeros(n, dtype=bool)
    keep[order] = nd[gid]
    group = np.full(n, -1, dtype=np.int64)
    group[order] = remap[gid]
    return keep, group[keep], reps[nd]


def pareto_mask(utilities: np.ndarray) -> np.ndarray:
    """Mask of rows not strictly dominated by another row (equal rows are all kept)."""
    u = np.asarray(utilities, dtype=float)
    if u.ndim != 2:
        raise AnalysisError("utilities must be a 2-D array (outcomes x parties)")
    return _pareto_groups(u)[0]


# ---------------------------------------------------------------------------- result
@dataclass
class Frontier:
    """Frontier outcomes (option indices) and their utility vectors, best party-1 first.

    ``multiplicity`` is set by the ``cells`` path: each row then stands for that many outcomes
    that every party values identically (the row shows the first of them).
    """

    problem: Problem
    outcomes: np.ndarray
    utilities: np.ndarray
    method: str
    multiplicity: np.ndarray | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.outcomes.shape[0])

    def entry(self, i: int) -> dict:
        """Row ``i`` as ``{"outcome": {issue: value}, "utilities": [...]}``."""
        out = {
            "outcome": self.problem.outcome_dict(self.outcomes[i]),
            "utilities": [float(x) for x in self.utilities[i]],
        }
        if self.multiplicity is not None:
            out["n_outcomes"] = int(self.multiplicity[i])
        return out

    def entries(self) -> list[dict]:
        """All rows as frontier entries (JSON-ready)."""
        return [self.entry(i) for i in range(len(self))]

    def vectors(self) -> np.ndarray:
        """Distinct utility vectors on the frontier."""
        return np.unique(self.utilities, axis=0) if len(self) else self.utilities


def _finish(
    problem: Problem,
    outcomes: np.ndarray,
    utilities: np.ndarray,
    method: str,
    timings: dict[str, float],
    multiplicity: np.ndarray | None = None,
) -> Frontier:
    """Apply reservation values and sort deterministically."""
    t0 = time.perf_counter()
    res = np.array([-np.inf if p.reservation is None else p.reservation for p in problem.parties])
    ok = np.all(utilities >= res, axis=1)
    outcomes, utilities = outcomes[ok], utilities[ok]
    if multiplicity is not None:
        multiplicity = multiplicity[ok]
    keys = [outcomes[:, j] for j in reversed(range(outcomes.shape[1]))]
    keys += [-utilities[:, c] for c in reversed(range(utilities.shape[1]))]
    order = np.lexsort(keys) if len(outcomes) else np.zeros(0, dtype=np.int64)
    timings["sort"] = time.perf_counter() - t0
    return Frontier(
        problem,
        outcomes[order],
        utilities[order],
        method,
        None if multiplicity is None else multiplicity[order],
        timings,
    )


# ---------------------------------------------------------------------------- merge (linear)
def _merge(
    problem: Problem,
    keep_ties: bool,
    max_partial: int,
    max_outcomes: int,
    progress: ProgressFn | None,
) -> Frontier:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    n, k = len(problem.issues), len(problem.parties)
    vecs = np.zeros((1, k))
    stages: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for j in range(n):
        allowed = np.flatnonzero(problem.allowed_options(j))
        if allowed.size == 0:
            timings["merge"] = time.perf_counter() - t0
            empty = np.zeros((0, n), dtype=np.int64)
            return _finish(problem, empty, np.zeros((0, k)), "merge", timings)
        table = problem.option_utilities(j)[allowed]
        n_cand = vecs.shape[0] * allowed.size
        if n_cand > 8 * max_partial:
            raise ProblemTooLarge("candidate partial packages", 8 * max_partial, n_cand)
        cand = (vecs[:, None, :] + table[None, :, :]).reshape(-1, k)
        parent = np.repeat(np.arange(vecs.shape[0]), allowed.size)
        option = np.tile(allowed, vecs.shape[0])
        keep, group, vecs = _pareto_groups(cand)
        if vecs.shape[0] > max_partial:
            raise ProblemTooLarge(
                f"partial frontier after issue {j + 1} of {n}", max_partial, vecs.shape[0]
            )
        parent, option = parent[keep], option[keep]
        order = np.argsort(group, kind="stable")
        offsets = np.zeros(vecs.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(group, minlength=vecs.shape[0]), out=offsets[1:])
        stages.append((parent[order], option[order], offsets))
        if progress:
            progress("merge", j + 1, n)
    timings["merge"] = time.perf_counter() - t0

    # Reservation values are monotone, so filtering the final vectors before expansion is exact.
    t0 = time.perf_counter()
    res = np.array([-np.inf if p.reservation is None else p.reservation for p in problem.parties])
    ids = np.flatnonzero(np.all(vecs >= res, axis=1))
    final_u = vecs[ids]
    rows = np.arange(ids.size)  # row -> final vector
    cur = ids.copy()
    cols: list[np.ndarray] = []
    for parent, option, offsets in reversed(stages):
        counts = offsets[cur + 1] - offsets[cur]
        if not keep_ties:
            counts = np.minimum(counts, 1)
        total = int(counts.sum())
        if total > max_outcomes:
            raise ProblemTooLarge("frontier outcomes (distinct packages)", max_outcomes, total)
        rep = np.repeat(np.arange(cur.size), counts)
        within = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        pos = offsets[cur][rep] + within
        cols = [c[rep] for c in cols]
        cols.append(option[pos])
        rows = rows[rep]
        cur = parent[pos]
    outcomes = np.stack(cols[::-1], axis=1) if cols else np.zeros((rows.size, 0), np.int64)
    timings["expand"] = time.perf_counter() - t0
    return _finish(problem, outcomes.astype(np.int64), final_u[rows], "merge", timings)


# ---------------------------------------------------------------------------- enumeration
def enumerate_frontier(
    sizes: Sequence[int],
    utility: Callable[[np.ndarray], np.ndarray],
    *,
    chunk_size: int = 1 << 20,
    max_outcomes: int = 200_000_000,
    progress: ProgressFn | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Frontier of a general utility by chunked enumeration of every outcome.

    ``utility`` maps option indices (m, issues) to utility vectors (m, parties). Memory is bounded
    by ``chunk_size`` rows plus the running frontier. Returns (outcomes, utilities).
    """
    total = math.prod(int(s) for s in sizes)
    if total > max_outcomes:
        raise ProblemTooLarge("outcomes to enumerate", max_outcomes, total)
    best_o: np.ndarray | None = None
    best_u: np.ndarray | None = None
    for start in range(0, total, chunk_size):
        flat = np.arange(start, min(total, start + chunk_size), dtype=np.int64)
        idx = np.stack(np.unravel_index(flat, tuple(sizes)), axis=1) if sizes else flat[:, None]
        u = np.asarray(utility(idx), dtype=float)
        if best_u is not None and best_u.shape[0]:
            alive = ~_dominated_by(u, best_u)
            idx, u = idx[alive], u[alive]
        keep = _pareto_groups(u)[0]
        o, u = idx[keep], u[keep]
        if best_u is not None:
            o, u = np.concatenate([best_o, o]), np.concatenate([best_u, u])
            keep = _pareto_groups(u)[0]
            o, u = o[keep], u[keep]
        best_o, best_u = o, u
        if progress:
            progress("enumerate", min(total, start + chunk_size), total)
    assert best_o is not None and best_u is not None
    return best_o, best_u


def brute_force_frontier(
    problem: Problem,
    *,
    chunk_size: int = 1 << 20,
    max_outcomes: int = 200_000_000,
    progress: ProgressFn | None = None,
) -> Frontier:
    """Frontier by enumerating every admissible outcome (any utility kind); the reference path."""
    t0 = time.perf_counter()
    allowed = [np.flatnonzero(problem.allowed_options(j)) for j in range(len(problem.issues))]
    n, k = len(problem.issues), len(problem.parties)
    if any(a.size == 0 for a in allowed):
        return _finish(problem, np.zeros((0, n), np.int64), np.zeros((0, k)), "enumerate", {})

    def to_options(idx: np.ndarray) -> np.ndarray:
        return np.stack([allowed[j][idx[:, j]] for j in range(n)], axis=1)

    o, u = enumerate_frontier(
        [a.size for a in allowed],
        lambda idx: problem.utilities(to_options(idx)),
        chunk_size=chunk_size,
        max_outcomes=max_outcomes,
        progress=progress,
    )
    timings = {"enumerate": time.perf_counter() - t0}
    return _finish(problem, to_options(o), u, "enumerate", timings)


# ---------------------------------------------------------------------------- cells (non-linear)
def _atoms(problem: Problem) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per issue: (representative option per atom, atom sizes) over admissible options."""
    out = []
    for j in range(len(problem.issues)):
        allowed = np.flatnonzero(problem.allowed_options(j))
        cols = []
        for p in problem.parties:
            if p.is_linear:
                cols.append(p.weights[j] * p.values[j][allowed])
            else:
                for r in p.rectangles or ():
                    if j in r.masks:
                        cols.append(np.asarray(r.masks[j], dtype=float)[allowed])
        if not cols or allowed.size == 0:
            sig = np.zeros((allowed.size, 1))
        else:
            sig = np.stack(cols, axis=1)
        _, first, inverse, counts = np.unique(
            sig, axis=0, return_index=True, return_inverse=True, return_counts=True
        )
        order = np.argsort(first)  # atoms in order of their first option
        out.append((allowed[first[order]], counts[order]))
        del inverse
    return out


def _cells(
    problem: Problem, *, max_cells: int, chunk_size: int, progress: ProgressFn | None
) -> Frontier:
    t0 = time.perf_counter()
    atoms = _atoms(problem)
    n, k = len(problem.issues), len(problem.parties)
    if any(a[0].size == 0 for a in atoms):
        return _finish(problem, np.zeros((0, n), np.int64), np.zeros((0, k)), "cells", {})
    sizes = [a[0].size for a in atoms]
    n_cells = math.prod(sizes)
    if n_cells > max_cells:
        raise ProblemTooLarge("cells to enumerate (non-linear utility)", max_cells, n_cells)
    timings = {"atoms": time.perf_counter() - t0}
    t0 = time.perf_counter()

    def to_options(idx: np.ndarray) -> np.ndarray:
        return np.stack([atoms[j][0][idx[:, j]] for j in range(n)], axis=1)

    o, u = enumerate_frontier(
        sizes,
        lambda idx: problem.utilities(to_options(idx)),
        chunk_size=chunk_size,
        max_outcomes=max_cells,
        progress=progress,
    )
    mult = np.ones(o.shape[0], dtype=np.int64)
    for j in range(n):
        mult *= atoms[j][1][o[:, j]]
    timings["enumerate"] = time.perf_counter() - t0
    return _finish(problem, to_options(o), u, "cells", timings, mult)


# ---------------------------------------------------------------------------- entry point
def pareto_frontier(
    problem: Problem,
    *,
    keep_ties: bool = True,
    max_partial: int = 2_000_000,
    max_outcomes: int = 5_000_000,
    max_cells: int = 200_000_000,
    chunk_size: int = 1 << 20,
    progress: ProgressFn | None = None,
) -> Frontier:
    """Exact Pareto frontier of ``problem`` after red lines and reservation values.

    Linear additive problems use the issue-by-issue merge (bounded by ``max_partial`` distinct
    partial vectors); non-linear ones the cell enumeration (bounded by ``max_cells``). With
    ``keep_ties`` every outcome reaching a frontier vector is listed (bounded by
    ``max_outcomes``); otherwise only the first in option order. Exceeding a bound raises
    :class:`ProblemTooLarge` naming it.
    """
    try:
        if problem.is_linear:
            return _merge(problem, keep_ties, max_partial, max_outcomes, progress)
        front = _cells(problem, max_cells=max_cells, chunk_size=chunk_size, progress=progress)
    except AnalysisError as err:
        raise err.with_source(problem.source) if problem.source else err from None
    if not keep_ties and len(front):
        _, first = np.unique(front.utilities, axis=0, return_index=True)
        first.sort()
        front = Frontier(
            problem,
            front.outcomes[first],
            front.utilities[first],
            front.method,
            None if front.multiplicity is None else front.multiplicity[first],
            front.timings,
        )
    return front
