"""Common ground: options everyone can accept, packages built from them, and logrolling trades.

*Acceptable* for a party means: not one of its red lines and, when the party states an
acceptable set for the issue, inside that set. A package is acceptable to all when every issue
takes an option acceptable to every party (acceptable sets are per issue, so the acceptable
packages are a Cartesian product and can be counted exactly without enumeration).

A *trade* (logroll) is a pair of single-issue moves away from a reference package (the status
quo) that together raise every party's utility although neither move alone does: each party
concedes on the issue it weighs less to gain on the one it weighs more. Linear additive problems
only.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .errors import AnalysisError
from .problem import Problem

__all__ = ["acceptable_packages", "common_options", "logrolls"]


def common_options(problem: Problem) -> dict[str, list]:
    """Per issue, the options every party can accept (in option order)."""
    out = {}
    for j, issue in enumerate(problem.issues):
        mask = np.ones(len(issue.options), dtype=bool)
        for p in range(len(problem.parties)):
            mask &= problem.acceptable_options(p, j)
        out[issue.name] = [issue.options[o] for o in np.flatnonzero(mask)]
    return out


def acceptable_packages(problem: Problem, limit: int = 20) -> dict:
    """Count of packages acceptable to every party and the first ``limit`` (option order)."""
    common = common_options(problem)
    count = math.prod(len(v) for v in common.values())
    names = list(common)
    sample = [
        dict(zip(names, combo, strict=True))
        for combo in itertools.islice(itertools.product(*common.values()), max(0, limit))
    ]
    return {"count": count, "packages": sample, "truncated": count > len(sample)}


def logrolls(problem: Problem, reference: dict[int, int] | None = None, limit: int = 20) -> list:
    """Pairs of single-issue moves from ``reference`` that together improve every party.

    Moves never enter a red line. Results are ranked by the smallest gain (best first) and
    bounded by ``limit``.
    """
    if not problem.is_linear:
        raise AnalysisError("trades need linear additive utilities", problem.source)
    ref = reference if reference is not None else problem.status_quo
    if ref is None:
        raise AnalysisError("trades need a reference package (status_quo)", problem.source)
    n = len(problem.issues)
    deltas = []  # per issue: (options, parties) utility change of moving that issue alone
    for j in range(n):
        table = problem.option_utilities(j)
        d = table - table[ref[j]]
        d[~problem.allowed_options(j)] = np.nan
        d[ref[j]] = np.nan  # not a move
        deltas.append(d)
    found = []
    for a, b in itertools.combinations(range(n), 2):
        da, db = deltas[a], deltas[b]
        tot = da[:, None, :] + db[None, :, :]
        all_up = np.all(tot > 1e-12, axis=2)
        alone_a = np.all(da > 1e-12, axis=1)  # a move that alone helps all is no trade
        alone_b = np.all(db > 1e-12, axis=1)
        ok = all_up & ~alone_a[:, None] & ~alone_b[None, :]
        for x, y in zip(*np.nonzero(ok), strict=True):
            gains = tot[x, y]
            found.append(
                {
                    "issues": [problem.issues[a].name, problem.issues[b].name],
                    "moves": {
                        problem.issues[a].name: [
                            problem.issues[a].options[ref[a]],
                            problem.issues[a].options[x],
                        ],
                        problem.issues[b].name: [
                            problem.issues[b].options[ref[b]],
                            problem.issues[b].options[y],
                        ],
                    },
                    "gains": [float(g) for g in gains],
                    "min_gain": float(gains.min()),
                }
            )
    found.sort(key=lambda t: (-t["min_gain"], t["issues"]))
    return found[:limit]
