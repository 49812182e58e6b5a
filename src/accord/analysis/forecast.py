"""Bueno de Mesquita expected-utility forecast (Scholz, Calbert & Smith 2011 reconstruction).

Actors hold a position on one issue, a capability and a salience. Each round every actor i
weighs challenging every other actor j; the offers that result (confrontation, compromise or
capitulation) move positions, and the forecast is the pairwise-vote median after the last round.
Everything is vectorised over actors and over Monte Carlo samples (a leading batch axis).

Conventions (documented choices where the literature varies):

* positions are rescaled to [0, 1] over ``scale`` (default: the range of the initial positions);
* salience given on 0..100 (any value > 1) is divided by 100;
* vote of k between i and j: ``c_k s_k (|x_k - x_j| - |x_k - x_i|)``; the median is the position
  minimising ``sum_k c_k s_k |x_k - x|`` over actor positions, which wins every pairwise vote;
* P_i(j) = positive votes / all absolute votes; utilities of success, failure, better, worse and
  status quo as in SCS 2011 with risk exponent r_i from the security levels (``risk=True``) or 1;
* EU_i(ij) = s_j(P U_s + (1-P) U_f) + (1-s_j) U_s - Q U_sq - (1-Q)(T U_b + (1-T) U_w),
  Q = 0.5, T = 1 by default;
* with e_i = EU_i(ij), e_j = EU_j(ji): both > 0 and e_i > e_j → confrontation, j moves to x_i;
  e_i > 0 > e_j and e_i > |e_j| → compromise, j moves |e_j|/e_i of the way to x_i;
  e_i > 0 > e_j and e_i <= |e_j| → capitulation, j moves to x_i. Each actor takes the offer that
  moves it least (ties: lowest challenger index).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import AnalysisError

__all__ = ["ForecastResult", "forecast", "pairwise_median", "sensitivity", "weighted_mean"]


def weighted_mean(capability: np.ndarray, salience: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Σ c·s·x / Σ c·s over the last axis (the BdM 'mean' forecast)."""
    w = capability * salience
    tot = w.sum(axis=-1)
    safe = np.where(tot > 0, tot, 1.0)
    return np.where(tot > 0, (w * position).sum(axis=-1) / safe, position.mean(axis=-1))


def _distance_cost(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """D_i = Σ_k w_k |x_k - x_i|; vote(i over j) = D_j - D_i."""
    return np.einsum("...k,...ki->...i", w, np.abs(x[..., :, None] - x[..., None, :]))


def pairwise_median(
    capability: np.ndarray, salience: np.ndarray, position: np.ndarray
) -> np.ndarray:
    """The actor position that beats (or ties) every other position in pairwise votes."""
    d = _distance_cost(capability * salience, position)
    i = np.argmin(d, axis=-1)
    return np.take_along_axis(position, i[..., None], axis=-1)[..., 0]


def vote_margins(capability: np.ndarray, salience: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Matrix of Σ_k votes for i over j (positive: i wins); for checks and reports."""
    d = _distance_cost(capability * salience, position)
    return d[..., None, :] - d[..., :, None]


def _expected_utility(
    c: np.ndarray, s: np.ndarray, x: np.ndarray, r: np.ndarray, q: float, t: float
) -> np.ndarray:
    """EU[b, i, j]: actor i's expected utility of challenging j (x in [0, 1])."""
    w = c * s
    a = np.abs(x[:, :, None] - x[:, None, :])  # a[b, k, j] = |x_k - x_j|
    v = w[:, :, None, None] * (a[:, :, None, :] - a[:, :, :, None])  # v[b, k, i, j]
    pos = np.clip(v, 0, None).sum(axis=1)
    tot = np.abs(v).sum(axis=1)
    p = np.where(tot > 0, pos / np.where(tot > 0, tot, 1.0), 0.5)
    d = a  # symmetric: d[b, i, j] = |x_i - x_j|
    mu = pairwise_median(c, s, x)
    dm = np.abs(x - mu[:, None])[:, :, None]
    ri = r[:, :, None]
    us = 2 - 4 * (0.5 - 0.5 * d) ** ri
    uf = 2 - 4 * (0.5 + 0.5 * d) ** ri
    ub = 2 - 4 * np.clip(0.5 - 0.25 * (dm + d), 0, None) ** ri
    uw = 2 - 4 * (0.5 + 0.25 * (dm + d)) ** ri
    usq = 2 - 4 * 0.5**ri
    sj = s[:, None, :]
    eu = sj * (p * us + (1 - p) * uf) + (1 - sj) * us - q * usq - (1 - q) * (t * ub + (1 - t) * uw)
    n = x.shape[1]
    eu[:, np.arange(n), np.arange(n)] = 0.0
    return eu


def _risk(c: np.ndarray, s: np.ndarray, x: np.ndarray, q: float, t: float) -> np.ndarray:
    """Risk exponents r_i from security levels (Σ_j EU_j(j, i) with r = 1)."""
    eu = _expected_utility(c, s, x, np.ones_like(x), q, t)
    sec = eu.sum(axis=1)  # Σ_j EU[j, i]
    hi, lo = sec.max(axis=1, keepdims=True), sec.min(axis=1, keepdims=True)
    span = hi - lo
    big_r = np.where(span > 0, (2 * sec - hi - lo) / np.where(span > 0, span, 1.0), 0.0)
    return (1 - big_r / 3) / (1 + big_r / 3)


def _round(
    c: np.ndarray, s: np.ndarray, x: np.ndarray, risk: bool, q: float, t: float
) -> tuple[np.ndarray, np.ndarray]:
    """One round of challenges; returns new positions and offer kinds (B, n) (0 = none)."""
    r = _risk(c, s, x, q, t) if risk else np.ones_like(x)
    eu = _expected_utility(c, s, x, r, q, t)
    ei, ej = eu, np.swapaxes(eu, 1, 2)  # ei[b,i,j] = EU_i(ij); ej[b,i,j] = EU_j(ji)
    xi, xj = x[:, :, None], x[:, None, :]
    confront = (ei > 0) & (ej > 0) & (ei > ej)
    compromise = (ei > 0) & (ej < 0) & (ei > -ej)
    capitulate = (ei > 0) & (ej < 0) & (ei <= -ej)
    frac = np.where(compromise, -ej / np.where(ei > 0, ei, 1.0), 1.0)
    new = np.where(compromise, xj + (xi - xj) * frac, xi)
    valid = confront | compromise | capitulate
    n = x.shape[1]
    valid[:, np.arange(n), np.arange(n)] = False
    move = np.where(valid, np.abs(new - xj), np.inf)
    best = np.argmin(move, axis=1)  # per (b, j): challenger index
    got = np.isfinite(np.take_along_axis(move, best[:, None, :], axis=1)[:, 0, :])
    chosen = np.take_along_axis(new, best[:, None, :], axis=1)[:, 0, :]
    kind = np.select([confront, compromise, capitulate], [1, 2, 3], 0)
    kinds = np.where(got, np.take_along_axis(kind, best[:, None, :], axis=1)[:, 0, :], 0)
    return np.where(got, chosen, x), kinds


def _run(
    c: np.ndarray,
    s: np.ndarray,
    x: np.ndarray,
    rounds: int,
    risk: bool,
    q: float,
    t: float,
    record: bool = False,
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    history = []
    for _ in range(rounds):
        nx, kinds = _round(c, s, x, risk, q, t)
        if record:
            history.append((nx, kinds))
        done = np.max(np.abs(nx - x)) < 1e-12
        x = nx
        if done:
            break
    return x, history


_KINDS = {0: None, 1: "confrontation", 2: "compromise", 3: "capitulation"}


@dataclass
class ForecastResult:
    """Initial mean/median, the rounds, the forecast and (optionally) the sensitivity."""

    actors: list[str]
    initial_mean: float
    initial_median: float
    initial_positions: dict[str, float]
    rounds: list[dict]
    forecast: float
    final_mean: float
    sensitivity: dict | None

    def to_dict(self) -> dict:
        """JSON-ready report."""
        return {
            "actors": self.actors,
            "initial": {
                "mean": self.initial_mean,
                "median": self.initial_median,
                "positions": self.initial_positions,
            },
            "rounds": self.rounds,
            "forecast": self.forecast,
            "final_mean": self.final_mean,
            "sensitivity": self.sensitivity,
        }


def _validate(
    actors: Sequence[str], c: np.ndarray, x: np.ndarray, s: np.ndarray, source: str | None
) -> np.ndarray:
    n = len(actors)
    if n < 2:
        raise AnalysisError(f"need at least 2 actors, got {n}", source)
    for name, arr in (("capability", c), ("position", x), ("salience", s)):
        if arr.shape != (n,) or not np.all(np.isfinite(arr)):
            raise AnalysisError(f"{name} must be {n} finite numbers", source)
    if np.any(c < 0):
        raise AnalysisError("capability must be >= 0", source)
    if np.any(s < 0) or np.any(s > 100):
        raise AnalysisError("salience must be in [0, 1] or [0, 100]", source)
    if c.sum() == 0:
        raise AnalysisError("every capability is 0", source)
    return s / 100.0 if s.max() > 1 else s


def forecast(
    actors: Sequence[str],
    capability: Sequence[float],
    position: Sequence[float],
    salience: Sequence[float],
    *,
    rounds: int = 10,
    samples: int = 0,
    seed: int = 0,
    risk: bool = True,
    q: float = 0.5,
    t: float = 1.0,
    scale: tuple[float, float] | None = None,
    noise: tuple[float, float, float] = (0.1, 0.1, 0.05),
    source: str | None = None,
) -> ForecastResult:
    """Run the BdM model for ``rounds`` rounds; with ``samples`` > 0 add Monte Carlo sensitivity."""
    c = np.asarray(capability, dtype=float)
    x0 = np.asarray(position, dtype=float)
    s = _validate(actors, c, x0, np.asarray(salience, dtype=float), source)
    if rounds < 0 or samples < 0:
        raise AnalysisError("rounds and samples must be >= 0", source)
    lo, hi = scale if scale is not None else (float(x0.min()), float(x0.max()))
    if not hi >= lo:
        raise AnalysisError("scale must be (low, high) with high >= low", source)
    span = hi - lo if hi > lo else 1.0
    xn = ((x0 - lo) / span)[None, :]
    cn = (c / c.max())[None, :]
    sn = s[None, :]
    back = lambda v: float(v * span + lo)  # noqa: E731
    mean0 = back(weighted_mean(cn, sn, xn)[0])
    med0 = back(pairwise_median(cn, sn, xn)[0])
    final, hist = _run(cn, sn, xn, rounds, risk, q, t, record=True)
    out_rounds = []
    for k, (pos, kinds) in enumerate(hist, start=1):
        out_rounds.append(
            {
                "round": k,
                "positions": {a: back(v) for a, v in zip(actors, pos[0], strict=True)},
                "offers": {
                    a: _KINDS[int(kd)] for a, kd in zip(actors, kinds[0], strict=True) if kd
                },
                "mean": back(weighted_mean(cn, sn, pos)[0]),
                "median": back(pairwise_median(cn, sn, pos)[0]),
            }
        )
    result = ForecastResult(
        list(actors),
        mean0,
        med0,
        {a: float(v) for a, v in zip(actors, x0, strict=True)},
        out_rounds,
        back(pairwise_median(cn, sn, final)[0]),
        back(weighted_mean(cn, sn, final)[0]),
        None,
    )
    if samples:
        result.sensitivity = sensitivity(
            cn[0],
            sn[0],
            xn[0],
            rounds=rounds,
            samples=samples,
            seed=seed,
            risk=risk,
            q=q,
            t=t,
            noise=noise,
            to_units=(lo, span),
        )
    return result


def sensitivity(
    capability: np.ndarray,
    salience: np.ndarray,
    position: np.ndarray,
    *,
    rounds: int,
    samples: int,
    seed: int = 0,
    risk: bool = True,
    q: float = 0.5,
    t: float = 1.0,
    noise: tuple[float, float, float] = (0.1, 0.1, 0.05),
    to_units: tuple[float, float] = (0.0, 1.0),
    bins: int = 20,
) -> dict:
    """Distribution of forecasts when inputs are perturbed (seeded, so reproducible).

    Capability is scaled by exp(N(0, σ_c)), salience shifted by N(0, σ_s) and clipped to [0, 1],
    positions shifted by N(0, σ_x) on the [0, 1] scale and clipped. Inputs are normalised.
    """
    rng = np.random.default_rng(seed)
    n = position.shape[0]
    sc, ss, sx = noise
    c = capability[None, :] * np.exp(rng.normal(0, sc, (samples, n)))
    s = np.clip(salience[None, :] + rng.normal(0, ss, (samples, n)), 0, 1)
    x = np.clip(position[None, :] + rng.normal(0, sx, (samples, n)), 0, 1)
    batch = max(1, int(2e7 // max(1, n**3)))
    out = np.empty(samples)
    for a in range(0, samples, batch):
        sl = slice(a, a + batch)
        fin, _ = _run(c[sl], s[sl], x[sl], rounds, risk, q, t)
        out[sl] = pairwise_median(c[sl], s[sl], fin)
    lo, span = to_units
    vals = out * span + lo
    counts, edges = np.histogram(vals, bins=bins, range=(lo, lo + span))
    pct = [5, 25, 50, 75, 95]
    return {
        "samples": samples,
        "seed": seed,
        "noise": {"capability": sc, "salience": ss, "position": sx},
        "mean": float(vals.mean()),
        "std": float(vals.std()),
        "percentiles": {
            str(p): float(v) for p, v in zip(pct, np.percentile(vals, pct), strict=True)
        },
        "histogram": {"counts": counts.tolist(), "edges": edges.tolist()},
        "forecasts": vals.tolist(),
    }
