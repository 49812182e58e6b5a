"""The packages analysis: frontier and bargaining points, with acceptable sets as constraints.

By default (``relax=False``) the frontier and the bargaining points are computed over the
packages inside every party's acceptable set only, so no proposed package breaks a bound a
party stated. When no package lies inside (some issue has no option every party accepts), the
frontier is empty, the points are ``None``, and ``nearest`` holds the frontier and points of the
packages that break the fewest bounds, each entry naming the bounds it breaks
(``violations``). With ``relax=True`` the whole space is analysed and every entry names the
bounds it breaks (an empty list when it breaks none). Red lines are hard in both modes.
"""

from __future__ import annotations

from .bargaining import (
    egalitarian_indices,
    kalai_smorodinsky_indices,
    nash_indices,
    point_summary,
    utilitarian_indices,
)
from .constraints import (
    empty_issues,
    has_acceptable_sets,
    nearest_problem,
    violations,
    within_acceptable,
)
from .frontier import Frontier, pareto_frontier
from .problem import Problem

__all__ = ["SOLUTIONS", "analyze_packages"]

SOLUTIONS = ("nash", "kalai_smorodinsky", "egalitarian", "utilitarian")
"""Keys of the bargaining solutions in a packages result, in reading order."""


def _report(front: Frontier, annotate: bool) -> dict:
    """Frontier entries and the four bargaining points; with ``annotate`` every entry carries
    its ``violations`` (computed against the problem's acceptable sets)."""
    entries = front.entries()
    if annotate:
        for entry, broken in zip(entries, violations(front.problem, front.outcomes), strict=True):
            entry["violations"] = broken
    picks = {
        "nash": nash_indices(front),
        "kalai_smorodinsky": kalai_smorodinsky_indices(front),
        "egalitarian": egalitarian_indices(front),
        "utilitarian": utilitarian_indices(front),
    }
    out: dict = {"frontier": entries}
    for key in SOLUTIONS:
        out[key] = point_summary([dict(entries[int(i)]) for i in picks[key]])
    return out


def analyze_packages(problem: Problem, *, relax: bool = False, **frontier_options: object) -> dict:
    """Frontier plus all bargaining points (the CLI's JSON shape), constrained to every party's
    acceptable set unless ``relax``. ``frontier_options`` go to :func:`pareto_frontier`.

    ``constraint`` says what was done: ``relaxed``, ``stated`` (some party states an acceptable
    set), ``inside`` (some package lies inside every set) and ``empty_issues`` (issues with no
    option every party accepts). ``nearest`` is set only when constrained and nothing is inside.
    """
    empty = empty_issues(problem)
    out: dict = {
        "parties": problem.party_names,
        "constraint": {
            "relaxed": bool(relax),
            "stated": has_acceptable_sets(problem),
            "inside": not empty,
            "empty_issues": empty,
        },
    }
    if relax:
        out.update(_report(pareto_frontier(problem, **frontier_options), annotate=True))  # type: ignore[arg-type]
        return out
    if empty:
        out.update({"frontier": [], **dict.fromkeys(SOLUTIONS)})
        near = pareto_frontier(nearest_problem(problem), **frontier_options)  # type: ignore[arg-type]
        out["nearest"] = _report(near, annotate=True)
        return out
    front = pareto_frontier(within_acceptable(problem), **frontier_options)  # type: ignore[arg-type]
    out.update(_report(front, annotate=False))
    return out
