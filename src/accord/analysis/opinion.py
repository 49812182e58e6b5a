"""Opinion groups from a participants × statements vote matrix, the Pol.is way.

Votes: agree 1, disagree -1, pass 0, not seen NaN. Participants with fewer than ``min_votes``
votes are left out of the clustering (Pol.is uses 7). Missing votes are imputed with the
statement's mean vote, the matrix is centred and projected on 2 principal components, and each
projection is scaled by sqrt(statements / votes cast) so sparse voters are not pulled to the
centre (as Pol.is does). k-means with k = 2..5 (bounded by participants - 1) is chosen by
silhouette score. Representative statements use Pol.is repness: the (agrees+1)/(seen+2)
probability inside the group, its ratio to the same probability outside, and z-scores of both
(significant at z > 1.2816, 90 % one-sided). Group-aware consensus = Π over groups of
(agrees+1)/(seen+2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from .errors import AnalysisError

__all__ = ["Z_90", "OpinionResult", "opinion_groups"]

Z_90 = 1.2816


def _prop_test(succ: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Pol.is one-proportion z-score (with +1 smoothing)."""
    s, m = succ + 1, n + 1
    return 2 * np.sqrt(m) * (s / m - 0.5)


def _two_prop_test(s1: np.ndarray, s2: np.ndarray, n1: np.ndarray, n2: np.ndarray) -> np.ndarray:
    """Pol.is two-proportion z-score (with +1 smoothing)."""
    s1, s2, n1, n2 = s1 + 1, s2 + 1, n1 + 1, n2 + 1
    p1, p2 = s1 / n1, s2 / n2
    p = (s1 + s2) / (n1 + n2)
    den = np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return np.where(den > 0, (p1 - p2) / np.where(den > 0, den, 1.0), 0.0)


@dataclass
class OpinionResult:
    """Groups, their members and representative statements, consensus and the 2-D map.

    Consensus statements lean the same way (probability > 0.5) in every group and overall
    (significant at z > 1.2816); they are ranked by group-aware consensus.
    """

    participants: list[str]
    statements: list[str]
    labels: np.ndarray  # group per participant, -1 = not clustered (too few votes)
    coords: np.ndarray  # (participants, 2), NaN for not clustered
    k: int
    silhouette: float | None
    groups: list[dict]
    consensus: list[dict]

    def to_dict(self) -> dict:
        """JSON-ready report."""
        return {
            "k": self.k,
            "silhouette": self.silhouette,
            "groups": self.groups,
            "consensus": self.consensus,
            "participants": [
                {
                    "participant": p,
                    "group": int(g) if g >= 0 else None,
                    "x": None if np.isnan(c[0]) else float(c[0]),
                    "y": None if np.isnan(c[1]) else float(c[1]),
                }
                for p, g, c in zip(self.participants, self.labels, self.coords, strict=True)
            ],
        }


def _project(votes: np.ndarray) -> np.ndarray:
    """Pol.is-style 2-D PCA projection with column-mean imputation and sparsity scaling."""
    col_mean = np.nanmean(np.where(np.isnan(votes).all(axis=0), 0.0, votes), axis=0)
    col_mean = np.nan_to_num(col_mean)
    filled = np.where(np.isnan(votes), col_mean, votes)
    centred = filled - filled.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    comps = vt[:2]
    # deterministic sign: largest-magnitude loading positive
    signs = np.sign(comps[np.arange(comps.shape[0]), np.abs(comps).argmax(axis=1)])
    comps = comps * np.where(signs == 0, 1, signs)[:, None]
    proj = centred @ comps.T
    if proj.shape[1] < 2:
        proj = np.hstack([proj, np.zeros((proj.shape[0], 2 - proj.shape[1]))])
    n_votes = (~np.isnan(votes)).sum(axis=1)
    return proj * np.sqrt(votes.shape[1] / np.maximum(n_votes, 1))[:, None]


def opinion_groups(
    votes: np.ndarray,
    participants: Sequence[str] | None = None,
    statements: Sequence[str] | None = None,
    *,
    seed: int = 0,
    min_votes: int = 7,
    k_range: tuple[int, int] = (2, 5),
    top: int = 5,
    source: str | None = None,
) -> OpinionResult:
    """Cluster participants into opinion groups; deterministic for a given ``seed``."""
    v = np.asarray(votes, dtype=float)
    if v.ndim != 2 or v.shape[0] == 0 or v.shape[1] == 0:
        raise AnalysisError("vote matrix must be participants x statements, non-empty", source)
    ok = np.isnan(v) | np.isin(v, (-1.0, 0.0, 1.0))
    if not ok.all():
        raise AnalysisError("votes must be 1 (agree), -1 (disagree), 0 (pass) or missing", source)
    n_p, n_s = v.shape
    parts = (
        [str(p) for p in participants] if participants is not None else [str(i) for i in range(n_p)]
    )
    stmts = [str(s) for s in statements] if statements is not None else [str(j) for j in range(n_s)]
    if len(parts) != n_p or len(stmts) != n_s:
        raise AnalysisError("labels do not match the vote matrix shape", source)
    seen_count = (~np.isnan(v)).sum(axis=1)
    active = seen_count >= min(min_votes, n_s)
    if active.sum() < 2:
        raise AnalysisError(
            f"need at least 2 participants with {min(min_votes, n_s)}+ votes", source
        )
    coords = np.full((n_p, 2), np.nan)
    coords[active] = _project(v[active])
    x = coords[active]
    labels = np.full(n_p, -1)
    best_k, best_sil, best_lab = 1, None, np.zeros(int(active.sum()), dtype=int)
    lo, hi = k_range
    hi = min(hi, int(active.sum()) - 1)
    distinct = np.unique(np.round(x, 12), axis=0).shape[0]
    for k in range(max(2, lo), hi + 1):
        if k > distinct:
            break
        lab = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(x)
        if len(set(lab)) < 2:
            continue
        sil = float(silhouette_score(x, lab))
        if best_sil is None or sil > best_sil + 1e-12:
            best_k, best_sil, best_lab = k, sil, lab
    # relabel groups by first appearance so ids are stable
    order = {g: i for i, g in enumerate(dict.fromkeys(best_lab.tolist()))}
    best_lab = np.array([order[g] for g in best_lab])
    labels[active] = best_lab
    groups = _repness(v, labels, best_k, parts, stmts, top)
    consensus = _consensus(v, labels, best_k, stmts, top)
    return OpinionResult(parts, stmts, labels, coords, best_k, best_sil, groups, consensus)


def _counts(v: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sub = v[rows]
    return (sub == 1).sum(axis=0), (sub == -1).sum(axis=0), (~np.isnan(sub)).sum(axis=0)


def _repness(
    v: np.ndarray, labels: np.ndarray, k: int, parts: list[str], stmts: list[str], top: int
) -> list[dict]:
    groups = []
    clustered = labels >= 0
    for g in range(k):
        inside = labels == g
        outside = clustered & ~inside
        na, nd, ns = _counts(v, inside)
        oa, od, os_ = _counts(v, outside)
        rows = []
        for kind, s_in, s_out in (("agree", na, oa), ("disagree", nd, od)):
            p_in = (s_in + 1) / (ns + 2)
            p_out = (s_out + 1) / (os_ + 2)
            ratio = p_in / p_out
            z_p = _prop_test(s_in, ns)
            z_r = _two_prop_test(s_in, s_out, ns, os_)
            for j in np.flatnonzero((z_p > Z_90) & (z_r > Z_90) & (ns > 0)):
                rows.append(
                    {
                        "statement": stmts[j],
                        "direction": kind,
                        "probability": float(p_in[j]),
                        "ratio": float(ratio[j]),
                        "z_probability": float(z_p[j]),
                        "z_ratio": float(z_r[j]),
                        "score": float(ratio[j] * z_r[j] * p_in[j] * z_p[j]),
                    }
                )
        rows.sort(key=lambda r: (-r["score"], r["statement"]))
        groups.append(
            {
                "group": g,
                "size": int(inside.sum()),
                "members": [p for p, m in zip(parts, inside, strict=True) if m],
                "representative": rows[:top],
            }
        )
    return groups


def _consensus(v: np.ndarray, labels: np.ndarray, k: int, stmts: list[str], top: int) -> list[dict]:
    gac_a = np.ones(v.shape[1])
    gac_d = np.ones(v.shape[1])
    all_a = np.ones(v.shape[1], dtype=bool)  # every group leans agree
    all_d = np.ones(v.shape[1], dtype=bool)
    for g in range(k):
        na, nd, ns = _counts(v, labels == g)
        pa, pd = (na + 1) / (ns + 2), (nd + 1) / (ns + 2)
        gac_a *= pa
        gac_d *= pd
        all_a &= pa > 0.5
        all_d &= pd > 0.5
    clustered = labels >= 0
    ta, td, ts = _counts(v, clustered)
    out = []
    for kind, gac, succ, every in (("agree", gac_a, ta, all_a), ("disagree", gac_d, td, all_d)):
        p = (succ + 1) / (ts + 2)
        z = _prop_test(succ, ts)
        for j in np.flatnonzero((z > Z_90) & every):
            out.append(
                {
                    "statement": stmts[j],
                    "direction": kind,
                    "group_aware_consensus": float(gac[j]),
                    "probability": float(p[j]),
                    "z": float(z[j]),
                }
            )
    out.sort(key=lambda r: (-r["group_aware_consensus"], r["statement"]))
    return out[: 2 * top]


def group_aware_consensus(votes: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Π over groups of (agrees+1)/(seen+2), per statement (for checks and custom reports)."""
    v = np.asarray(votes, dtype=float)
    out = np.ones(v.shape[1])
    for g in sorted(set(int(x) for x in labels if x >= 0)):
        na, _, ns = _counts(v, np.asarray(labels) == g)
        out *= (na + 1) / (ns + 2)
    return out
