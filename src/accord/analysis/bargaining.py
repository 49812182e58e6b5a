"""Bargaining solutions picked from a Pareto frontier.

Every function returns *all* tied points (never hides a tie) as frontier entries
``{"outcome": {issue: value}, "utilities": [...]}``. Values are compared with a relative tolerance
of 1e-12 so that products summed in a different order still tie. The disagreement point is each
party's reservation value (0 when not stated).
"""

from __future__ import annotations

import numpy as np

from .frontier import Frontier

__all__ = [
    "TIE_RTOL",
    "all_points",
    "egalitarian_points",
    "kalai_smorodinsky_points",
    "nash_points",
    "point_summary",
    "utilitarian_points",
]

TIE_RTOL = 1e-12


def _argmax_all(score: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """Indices of every row whose score ties the best (within :data:`TIE_RTOL`)."""
    if valid is None:
        valid = np.ones(score.shape[0], dtype=bool)
    if not valid.any():
        return np.zeros(0, dtype=np.int64)
    best = score[valid].max()
    tol = TIE_RTOL * max(1.0, abs(float(best)))
    return np.flatnonzero(valid & (score >= best - tol))


def _disagreement(front: Frontier, d: np.ndarray | None = None) -> np.ndarray:
    """The given disagreement point, else the reservation values (0 when not stated)."""
    return front.problem.reservations(0.0) if d is None else np.asarray(d, dtype=float)


def nash_indices(front: Frontier, disagreement: np.ndarray | None = None) -> np.ndarray:
    """Rows maximising the Nash product prod(u_i - r_i) among rows with every u_i > r_i."""
    u = front.utilities
    gain = u - _disagreement(front, disagreement)
    valid = np.all(gain > 0, axis=1)
    return _argmax_all(np.prod(np.where(valid[:, None], gain, 1.0), axis=1), valid)


def kalai_smorodinsky_indices(
    front: Frontier, disagreement: np.ndarray | None = None
) -> np.ndarray:
    """Rows maximising min_i (u_i - r_i) / (ideal_i - r_i); ideal = best u_i on the frontier.

    Parties whose ideal equals their reservation cannot gain and are left out of the minimum.
    """
    u = front.utilities
    if not len(front):
        return np.zeros(0, dtype=np.int64)
    r = _disagreement(front, disagreement)
    span = u.max(axis=0) - r
    live = span > 0
    if not live.any():
        return np.arange(len(front))
    ratio = (u[:, live] - r[live]) / span[live]
    return _argmax_all(ratio.min(axis=1), np.all(u >= r, axis=1))


def egalitarian_indices(front: Frontier, disagreement: np.ndarray | None = None) -> np.ndarray:
    """Rows maximising the minimum gain min_i (u_i - r_i) (Smartsettle's maximin)."""
    if not len(front):
        return np.zeros(0, dtype=np.int64)
    gain = front.utilities - _disagreement(front, disagreement)
    return _argmax_all(gain.min(axis=1))


def utilitarian_indices(front: Frontier) -> np.ndarray:
    """Rows maximising the sum of utilities."""
    if not len(front):
        return np.zeros(0, dtype=np.int64)
    return _argmax_all(front.utilities.sum(axis=1))


def _entries(front: Frontier, idx: np.ndarray) -> list[dict]:
    return [front.entry(int(i)) for i in idx]


def nash_points(front: Frontier, disagreement: np.ndarray | None = None) -> list[dict]:
    """Nash bargaining solution(s) on the frontier, all ties."""
    return _entries(front, nash_indices(front, disagreement))


def kalai_smorodinsky_points(front: Frontier, disagreement: np.ndarray | None = None) -> list[dict]:
    """Kalai–Smorodinsky solution(s) on the frontier, all ties."""
    return _entries(front, kalai_smorodinsky_indices(front, disagreement))


def egalitarian_points(front: Frontier, disagreement: np.ndarray | None = None) -> list[dict]:
    """Maximise-the-minimum-gain solution(s), all ties."""
    return _entries(front, egalitarian_indices(front, disagreement))


def utilitarian_points(front: Frontier) -> list[dict]:
    """Maximum-welfare solution(s), all ties."""
    return _entries(front, utilitarian_indices(front))


def point_summary(points: list[dict]) -> dict | None:
    """One bargaining point for reports: the first tied point plus ``ties`` (the others).

    None when no frontier point qualifies (e.g. Nash when nothing beats every reservation).
    """
    if not points:
        return None
    head = dict(points[0])
    head["ties"] = points[1:]
    return head


def all_points(front: Frontier) -> dict[str, dict | None]:
    """Nash, Kalai–Smorodinsky, egalitarian and utilitarian points in report shape."""
    return {
        "nash": point_summary(nash_points(front)),
        "kalai_smorodinsky": point_summary(kalai_smorodinsky_points(front)),
        "egalitarian": point_summary(egalitarian_points(front)),
        "utilitarian": point_summary(utilitarian_points(front)),
    }
