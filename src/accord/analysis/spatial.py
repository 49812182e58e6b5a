"""Multi-dimension spatial forecast in the spirit of KTAB's Spatial Model of Politics (SMP).

A reconstruction of the SMP of KTAB (B. Wise, L. Lester, B. Efird, "KTAB: The KAPSARC Toolkit for
Behavioral Analysis", KAPSARC, and the SMP technical description shipped with KTAB,
``examples/smp`` — SMPTutorial / "An Introduction to the KAPSARC Spatial Model of Politics"),
vectorised with numpy over actor pairs and over Monte Carlo samples (a leading batch axis).

Inputs: actor i has a capability c_i >= 0, an ideal point x_i in the declared ``scale`` on each of
d dimensions, and a salience s_id in [0, 1] per dimension. Positions are rescaled to [0, 1]^d
and capabilities divided by their maximum; the model is otherwise scale-free.

Equations (one round; every actor acts simultaneously on the previous round's positions):

1. Salience-weighted distance (KTAB ``bvDiff``) and risk-neutral utility (KTAB ``bsUtil``, R = 0):
   ``δ_k(y) = sqrt(Σ_d s_kd² (y_d - x_kd)² / Σ_d s_kd²)``,  ``u_k(y) = 1 - δ_k(y)``.
2. Vote of actor k for position y over z (KTAB proportional voting rule, weighted by capability
   and by the actor's overall salience σ_k = sqrt(mean_d s_kd²)):
   ``v_k(y:z) = c_k σ_k (u_k(y) - u_k(z)) = c_k (‖s_k⊙(z - x_k)‖ - ‖s_k⊙(y - x_k)‖) / √d``.
3. Coalition strength of i's position against j's: ``S_ij = Σ_k max(0, v_k(x_i:x_j))``.
4. Probability that i prevails over j (KTAB ``VPModel::Linear``):
   ``P_ij = S_ij / (S_ij + S_ji)`` (1/2 when both are 0).
5. Bargain of the challenge between i and j (KTAB ``interpolateBrgn``, ``InterVecBrgn::S2P2``), per
   dimension ``b_ij,d = (s_id² P_ij² x_id + s_jd² P_ji² x_jd) / (s_id² P_ij² + s_jd² P_ji²)``
   (``x_jd`` when the denominator is 0: nobody who cares pulls j on that dimension).
6. Pressure of challenger i on j: i's vote for the bargain over j's current position,
   ``w_ij = max(0, v_i(b_ij : x_j))`` (i's capability- and salience-weighted expected gain;
   KTAB's ``bestChallenge`` ranks targets by this gain); ``w_jj = 0``.
7. Each actor moves to the expected outcome of the challenges it faces, each challenger pressing
   on each dimension in proportion to its relative salience there, ``ρ_id = s_id² / σ_i²``:
   ``x_jd' = Σ_i w_ij ρ_id b_ij,d / Σ_i w_ij ρ_id`` (no move on d when the denominator is 0). An
   actor with zero salience on d therefore neither pulls nor anchors anyone on d.

Rounds repeat until ``max_i,d |x_id' - x_id| < tolerance`` (in [0, 1] units) or ``max_rounds``.
Forecast per dimension: the capability×salience-weighted mean of the final positions,
``F_d = Σ_i c_i s_id x_id / Σ_i c_i s_id`` (plain mean if every weight is 0). The ``winner`` is the
final position with the largest expected Copeland score ``Σ_j P_ij`` (the Condorcet-style winner).

Documented departures from KTAB: utilities are risk-neutral (KTAB infers risk attitudes from
the probabilities of a Condorcet election); every actor presses every other (KTAB's actors pick one
best target each turn); an actor adopts the pressure-weighted expectation of its bargains instead
of the winner of a probabilistic Condorcet election among them, so a run is deterministic; the
vote carries σ_k because per-dimension saliences are independent values in [0, 1] here (the BdM
convention), not shares summing to 1. With d = 1, steps 2-4 are exactly the Bueno de Mesquita
vote and probability of :mod:`accord.analysis.forecast` (``c_k s_k (|x_k - x_j| - |x_k - x_i|)``).

All positions stay convex combinations of earlier positions, so every round and the forecast lie
within the bounding box of the initial positions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .errors import AnalysisError

__all__ = ["SpatialActor", "SpatialResult", "spatial_forecast", "spatial_sensitivity"]

Progress = Callable[[str, int, int], None]

#: Monte Carlo samples are processed in batches of about this many (n·n·max(n, d)) elements.
BATCH_ELEMENTS = 4_000_000


@dataclass(frozen=True)
class SpatialActor:
    """One actor: name, capability (>= 0), position and salience (in [0, 1]) per dimension."""

    name: str
    capability: float
    position: Sequence[float]
    salience: Sequence[float]


@dataclass
class SpatialResult:
    """Initial and final weighted means, the rounds, and (optionally) the sensitivity."""

    actors: list[str]
    dimensions: list[str]
    initial: dict[str, float]
    initial_positions: dict[str, dict[str, float]]
    rounds: list[dict]
    forecast: dict[str, float]
    winner: dict
    converged: bool
    rounds_used: int
    sensitivity: dict | None = field(default=None)

    def to_dict(self) -> dict:
        """JSON-ready report."""
        return {
            "dimensions": self.dimensions,
            "actors": self.actors,
            "initial": self.initial,
            "initial_positions": self.initial_positions,
            "rounds": self.rounds,
            "forecast": self.forecast,
            "winner": self.winner,
            "converged": self.converged,
            "rounds_used": self.rounds_used,
            "sensitivity": self.sensitivity,
        }


# ---------------------------------------------------------------------------- the model
def _cost(c: np.ndarray, s: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """a[b, k, ...] = c_k ‖s_k⊙(y[..] - x_k)‖ / √d, with y of shape (B, m, d) or (B, n, m, d).

    The vote of k for y over z is a_k(z) - a_k(y) (equation 2).
    """
    yy = y[:, None] if y.ndim == 3 else y  # (B, 1 or n, m, d)
    diff = yy - x[:, :, None, :]
    dist = np.sqrt(np.sum((s[:, :, None, :] * diff) ** 2, axis=-1))
    return c[..., None] * dist / math.sqrt(x.shape[-1])


def _probabilities(c: np.ndarray, s: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P[b, i, j]: probability that i's position prevails over j's (equations 2-4)."""
    a = _cost(c, s, x, x)  # a[b, k, j]
    v = a[:, :, None, :] - a[:, :, :, None]  # v[b, k, i, j]: k's vote for x_i over x_j
    strength = np.clip(v, 0, None).sum(axis=1)  # S[b, i, j]
    tot = strength + np.swapaxes(strength, 1, 2)
    return np.where(tot > 0, strength / np.where(tot > 0, tot, 1.0), 0.5)


def _round(c: np.ndarray, s: np.ndarray, x: np.ndarray) -> np.ndarray:
    """One simultaneous round (equations 1-7); shapes c (B, n), s and x (B, n, d)."""
    n = x.shape[1]
    p = _probabilities(c, s, x)
    pi = p[..., None] ** 2  # (B, i, j, 1)
    wi = s[:, :, None, :] ** 2 * pi  # weight of x_i in b_ij
    wj = s[:, None, :, :] ** 2 * np.swapaxes(pi, 1, 2)  # weight of x_j in b_ij
    den = wi + wj
    xi, xj = x[:, :, None, :], x[:, None, :, :]
    bargain = np.where(den > 0, (wi * xi + wj * xj) / np.where(den > 0, den, 1.0), xj)
    # a convex combination; clipping only removes round-off with subnormal weights
    bargain = np.clip(bargain, np.minimum(xi, xj), np.maximum(xi, xj))
    a_sq = _cost(c, s, x, x)  # a[b, i, j] = i's cost of x_j
    a_b = _cost(c, s, x, bargain)  # a[b, i, j] = i's cost of b_ij
    w = np.clip(a_sq - a_b, 0, None)  # w[b, i, j] = v_i(b_ij : x_j)
    w[:, np.arange(n), np.arange(n)] = 0.0
    s2 = s**2
    ms2 = s2.mean(axis=-1, keepdims=True)
    rho = np.where(ms2 > 0, s2 / np.where(ms2 > 0, ms2, 1.0), 0.0)  # ρ[b, i, d] = s_id² / σ_i²
    wd = w[..., None] * rho[:, :, None, :]  # (B, i, j, d)
    tot = wd.sum(axis=1)  # (B, j, d)
    moved = (wd * bargain).sum(axis=1) / np.where(tot > 0, tot, 1.0)
    moved = np.clip(moved, bargain.min(axis=1), bargain.max(axis=1))
    return np.where(tot > 0, moved, x)


def _weighted_mean(c: np.ndarray, s: np.ndarray, x: np.ndarray) -> np.ndarray:
    """F[b, d] = Σ_i c_i s_id x_id / Σ_i c_i s_id (plain mean where every weight is 0)."""
    w = c[..., None] * s
    top = w.max(axis=1, keepdims=True)
    w = w / np.where(top > 0, top, 1.0)  # rescaled so that tiny weights do not underflow
    tot = w.sum(axis=1)
    wm = (w * x).sum(axis=1) / np.where(tot > 0, tot, 1.0)
    wm = np.clip(wm, x.min(axis=1), x.max(axis=1))
    return np.where(tot > 0, wm, x.mean(axis=1))


def _winner(c: np.ndarray, s: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Index of the position with the largest expected Copeland score Σ_j P_ij (ties: first)."""
    p = _probabilities(c, s, x)
    n = x.shape[1]
    p[:, np.arange(n), np.arange(n)] = 0.0
    return np.argmax(p.sum(axis=2), axis=1)


def _run(
    c: np.ndarray,
    s: np.ndarray,
    x: np.ndarray,
    max_rounds: int,
    tolerance: float,
    record: list[np.ndarray] | None = None,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Iterate rounds; a sample stops once its largest move is below ``tolerance``.

    Returns final positions, converged flags and rounds used per sample (a sample's result does
    not depend on what else is in the batch).
    """
    b = x.shape[0]
    active = np.ones(b, dtype=bool)
    used = np.zeros(b, dtype=int)
    for k in range(max_rounds):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        nx = _round(c[idx], s[idx], x[idx])
        change = np.abs(nx - x[idx]).max(axis=(1, 2))
        x = x.copy()
        x[idx] = nx
        used[idx] = k + 1
        active[idx[change < tolerance]] = False
        if record is not None:
            record.append(x[0].copy())
        if progress is not None:
            progress("rounds", k + 1, max_rounds)
    return x, ~active, used


# ---------------------------------------------------------------------------- validation
def _validate(
    actors: Sequence[SpatialActor],
    dimensions: Sequence[str],
    scale: tuple[float, float],
    source: str | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, d = len(actors), len(dimensions)
    if n < 2:
        raise AnalysisError(f"need at least 2 actors, got {n}", source)
    if d < 1:
        raise AnalysisError("need at least 1 dimension", source)
    if len(set(dimensions)) != d:
        raise AnalysisError("dimension names must be unique", source)
    names = [a.name for a in actors]
    if len(set(names)) != n:
        dup = sorted({m for m in names if names.count(m) > 1})
        raise AnalysisError(f"duplicate actor names: {', '.join(dup)}", source)
    lo, hi = (float(v) for v in scale)
    if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
        raise AnalysisError(f"scale must be (low, high) with high > low, got {scale}", source)
    c = np.empty(n)
    x = np.empty((n, d))
    s = np.empty((n, d))
    for i, a in enumerate(actors):
        if len(a.position) != d or len(a.salience) != d:
            raise AnalysisError(
                f"actor {a.name!r}: dimension count mismatch: {d} dimensions, "
                f"{len(a.position)} positions, {len(a.salience)} saliences",
                source,
            )
        try:
            c[i] = float(a.capability)
            x[i] = [float(v) for v in a.position]
            s[i] = [float(v) for v in a.salience]
        except (TypeError, ValueError):
            raise AnalysisError(f"actor {a.name!r}: values must be numbers", source) from None
        for what, arr in (("capability", c[i : i + 1]), ("position", x[i]), ("salience", s[i])):
            if not np.all(np.isfinite(arr)):
                raise AnalysisError(f"actor {a.name!r}: {what} is NaN or infinite", source)
        if c[i] < 0:
            raise AnalysisError(f"actor {a.name!r}: negative capability {c[i]:g}", source)
        for dim, v, sv in zip(dimensions, x[i], s[i], strict=True):
            if not lo <= v <= hi:
                raise AnalysisError(
                    f"actor {a.name!r}: position {v:g} on {dim!r} is outside the scale "
                    f"[{lo:g}, {hi:g}]",
                    source,
                )
            if not 0 <= sv <= 1:
                raise AnalysisError(
                    f"actor {a.name!r}: salience {sv:g} on {dim!r} is outside [0, 1]", source
                )
    if c.max() == 0:
        raise AnalysisError("every capability is 0", source)
    return c, x, s


# ---------------------------------------------------------------------------- public API
def spatial_forecast(
    actors: Sequence[SpatialActor],
    dimensions: Sequence[str],
    *,
    max_rounds: int = 100,
    tolerance: float = 1e-4,
    scale: tuple[float, float] = (0.0, 100.0),
    runs: int = 0,
    seed: int | None = None,
    noise: tuple[float, float, float] = (0.1, 0.1, 0.05),
    source: str | None = None,
    progress: Progress | None = None,
) -> SpatialResult:
    """Run the spatial model until positions settle; with ``runs`` > 0 add Monte Carlo sensitivity.

    ``tolerance`` is in units of the scale's width (positions are rescaled to [0, 1]).
    """
    if max_rounds < 1:
        raise AnalysisError(f"max_rounds must be >= 1, got {max_rounds}", source)
    if not (tolerance > 0 and math.isfinite(tolerance)):
        raise AnalysisError(f"tolerance must be > 0, got {tolerance}", source)
    if runs < 0:
        raise AnalysisError(f"runs must be >= 0, got {runs}", source)
    c, x0, s = _validate(actors, dimensions, scale, source)
    lo, hi = float(scale[0]), float(scale[1])
    span = hi - lo
    names = [a.name for a in actors]
    dims = list(dimensions)
    cn = (c / c.max())[None]
    sn = s[None]
    xn = ((x0 - lo) / span)[None]

    def back(v: np.ndarray) -> dict[str, float]:
        return {dm: float(val * span + lo) for dm, val in zip(dims, v, strict=True)}

    def positions(p: np.ndarray) -> dict[str, dict[str, float]]:
        return {a: back(row) for a, row in zip(names, p, strict=True)}

    history: list[np.ndarray] = []
    final, conv, used = _run(cn, sn, xn, max_rounds, tolerance, record=history, progress=progress)
    rounds = []
    prev = xn[0]
    for k, pos in enumerate(history, start=1):
        rounds.append(
            {
                "round": k,
                "positions": positions(pos),
                "mean": back(_weighted_mean(cn, sn, pos[None])[0]),
                "change": float(np.abs(pos - prev).max() * span),
            }
        )
        prev = pos
    w = int(_winner(cn, sn, final)[0])
    result = SpatialResult(
        actors=names,
        dimensions=dims,
        initial=back(_weighted_mean(cn, sn, xn)[0]),
        initial_positions={
            a: {dm: float(v) for dm, v in zip(dims, row, strict=True)}
            for a, row in zip(names, x0, strict=True)
        },
        rounds=rounds,
        forecast=back(_weighted_mean(cn, sn, final)[0]),
        winner={"actor": names[w], "position": back(final[0, w])},
        converged=bool(conv[0]),
        rounds_used=int(used[0]),
    )
    if runs:
        result.sensitivity = spatial_sensitivity(
            actors,
            dimensions,
            runs=runs,
            seed=seed,
            max_rounds=max_rounds,
            tolerance=tolerance,
            scale=scale,
            noise=noise,
            source=source,
            progress=progress,
        )
    return result


def spatial_sensitivity(
    actors: Sequence[SpatialActor],
    dimensions: Sequence[str],
    *,
    runs: int = 500,
    seed: int | None = None,
    max_rounds: int = 100,
    tolerance: float = 1e-4,
    scale: tuple[float, float] = (0.0, 100.0),
    noise: tuple[float, float, float] = (0.1, 0.1, 0.05),
    source: str | None = None,
    progress: Progress | None = None,
    keep_forecasts: bool = False,
) -> dict:
    """Distribution of the forecast per dimension when the inputs are perturbed.

    Each run scales capability by exp(N(0, σ_c)), shifts salience by N(0, σ_s) clipped to [0, 1]
    and positions by N(0, σ_x) (in scale widths) clipped to the scale; ``noise`` = (σ_c, σ_s, σ_x).
    The same ``seed`` gives the same report. Returns mean, std and the 5/50/95 % quantiles per
    dimension, and the share of runs that converged.
    """
    if runs < 1:
        raise AnalysisError(f"runs must be >= 1, got {runs}", source)
    if max_rounds < 1:
        raise AnalysisError(f"max_rounds must be >= 1, got {max_rounds}", source)
    if not (tolerance > 0 and math.isfinite(tolerance)):
        raise AnalysisError(f"tolerance must be > 0, got {tolerance}", source)
    if any(not (math.isfinite(v) and v >= 0) for v in noise) or len(noise) != 3:
        raise AnalysisError("noise must be three finite numbers >= 0", source)
    c, x0, s = _validate(actors, dimensions, scale, source)
    lo, hi = float(scale[0]), float(scale[1])
    span = hi - lo
    n, d = x0.shape
    rng = np.random.default_rng(seed)
    sc, ss, sx = noise
    cs = (c / c.max())[None, :] * np.exp(rng.normal(0, sc, (runs, n)))
    sal = np.clip(s[None] + rng.normal(0, ss, (runs, n, d)), 0, 1)
    xs = np.clip(((x0 - lo) / span)[None] + rng.normal(0, sx, (runs, n, d)), 0, 1)
    batch = max(1, min(runs, BATCH_ELEMENTS // max(1, n * n * max(n, d))))
    out = np.empty((runs, d))
    conv = np.empty(runs, dtype=bool)
    for a in range(0, runs, batch):
        sl = slice(a, min(runs, a + batch))
        fin, ok, _ = _run(cs[sl], sal[sl], xs[sl], max_rounds, tolerance)
        out[sl] = _weighted_mean(cs[sl], sal[sl], fin)
        conv[sl] = ok
        if progress is not None:
            progress("sensitivity", sl.stop, runs)
    vals = out * span + lo
    q = np.percentile(vals, [5, 50, 95], axis=0)
    report: dict = {
        "runs": runs,
        "seed": seed,
        "noise": {"capability": sc, "salience": ss, "position": sx},
        "converged_share": float(conv.mean()),
        "dimensions": {
            dm: {
                "mean": float(vals[:, k].mean()),
                "std": float(vals[:, k].std()),
                "quantiles": {"5": float(q[0, k]), "50": float(q[1, k]), "95": float(q[2, k])},
            }
            for k, dm in enumerate(dimensions)
        },
    }
    if keep_forecasts:
        report["forecasts"] = vals.tolist()
    return report
