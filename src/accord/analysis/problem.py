"""The negotiation problem model: issues, parties, utilities, reservation values and red lines.

A problem is a finite outcome space (the Cartesian product of the issues' options) and, for each
of k >= 2 parties, a utility function on it. Most problems are *linear additive*: a party's
utility is ``sum_j weight_j * value_j(option_j)`` with values in [0, 1] and weights normalised to
sum to 1. Genius "non-linear" profiles are also representable as a weighted sum of
*hyper-rectangle* bonuses (a bonus is earned when every constrained issue takes one of its listed
options), divided by a scale.

Everything is stored as option *indices*; option values are only used for display.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .errors import AnalysisError

__all__ = ["Issue", "Party", "Problem", "Rectangle", "Value"]

Value = str | int | float


@dataclass(frozen=True)
class Issue:
    """One negotiable issue and its discrete options (numeric ranges are discretised by io)."""

    name: str
    options: tuple[Value, ...]

    def index_of(self, value: object) -> int:
        """Index of an option given as its value or its string form (files store strings)."""
        for i, opt in enumerate(self.options):
            if opt == value or str(opt) == str(value):
                return i
        if isinstance(value, str):
            try:
                num = float(value)
            except ValueError:
                num = None
            if num is not None:
                for i, opt in enumerate(self.options):
                    if isinstance(opt, int | float) and float(opt) == num:
                        return i
        raise AnalysisError(f"issue {self.name!r} has no option {value!r}")


@dataclass(frozen=True)
class Rectangle:
    """A non-linear bonus: ``utility`` is earned when every constrained issue is in its mask."""

    utility: float
    masks: Mapping[int, np.ndarray]


@dataclass
class Party:
    """A party's preferences.

    ``weights``/``values`` describe a linear additive utility; ``rectangles`` (with ``scale``) a
    hyper-rectangle one. ``reservation`` is the utility of no agreement (None: not stated).
    ``red_lines`` maps issue index to option indices the party can never accept;
    ``acceptable`` (optional) maps issue index to the option indices it states it can accept.
    """

    name: str
    weights: np.ndarray | None = None
    values: list[np.ndarray] | None = None
    reservation: float | None = None
    red_lines: dict[int, frozenset[int]] = field(default_factory=dict)
    acceptable: dict[int, frozenset[int]] | None = None
    rectangles: tuple[Rectangle, ...] | None = None
    scale: float = 1.0
    discount_factor: float | None = None

    @property
    def is_linear(self) -> bool:
        """True for a linear additive utility (the fast exact frontier applies)."""
        return self.rectangles is None


@dataclass
class Problem:
    """A validated negotiation problem (raises :class:`AnalysisError` on construction faults)."""

    issues: tuple[Issue, ...]
    parties: tuple[Party, ...]
    name: str = "problem"
    source: str | None = None
    status_quo: dict[int, int] | None = None
    excluded: dict[int, frozenset[int]] | None = None
    """Options the analysis leaves out (issue index -> option indices), e.g. those outside some
    party's acceptable set when acceptable sets are constraints; no party's statement."""

    def __post_init__(self) -> None:
        self.issues = tuple(self.issues)
        self.parties = tuple(self.parties)
        try:
            self._validate()
        except AnalysisError as err:
            raise err.with_source(self.source) if self.source else err from None

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        if not self.issues:
            raise AnalysisError("empty outcome space: the problem has no issues")
        names = [i.name for i in self.issues]
        if len(set(names)) != len(names):
            raise AnalysisError(f"duplicate issue names in {names}")
        for issue in self.issues:
            if len(issue.options) == 0:
                raise AnalysisError(f"empty outcome space: issue {issue.name!r} has no options")
            if len({str(o) for o in issue.options}) != len(issue.options):
                raise AnalysisError(f"issue {issue.name!r} has duplicate options")
        if len(self.parties) < 2:
            raise AnalysisError(
                f"need at least 2 parties to negotiate, got {len(self.parties)}"
                + (f" ({self.parties[0].name!r})" if self.parties else "")
            )
        pnames = [p.name for p in self.parties]
        if len(set(pnames)) != len(pnames):
            raise AnalysisError(f"duplicate party names in {pnames}")
        n = len(self.issues)
        sizes = self.sizes
        for p in self.parties:
            where = f"party {p.name!r}"
            if p.is_linear:
                if p.weights is None or p.values is None:
                    raise AnalysisError(f"{where}: no utilities given")
                w = np.asarray(p.weights, dtype=float)
                if w.shape != (n,):
                    raise AnalysisError(f"{where}: expected {n} issue weights, got {w.size}")
                if not np.all(np.isfinite(w)) or np.any(w < 0):
                    raise AnalysisError(f"{where}: issue weights must be finite and >= 0")
                if w.sum() <= 0:
                    raise AnalysisError(f"{where}: issue weights sum to 0")
                p.weights = w / w.sum()
                if len(p.values) != n:
                    raise AnalysisError(f"{where}: expected utilities for {n} issues")
                vals = []
                for j, v in enumerate(p.values):
                    arr = np.asarray(v, dtype=float)
                    if arr.shape != (sizes[j],):
                        raise AnalysisError(
                            f"{where}: issue {self.issues[j].name!r} needs {sizes[j]} "
                            f"utilities, got {arr.size}"
                        )
                    bad = ~np.isfinite(arr) | (arr < 0) | (arr > 1)
                    if bad.any():
                        k = int(np.flatnonzero(bad)[0])
                        raise AnalysisError(
                            f"{where}: utility {arr[k]!r} of option "
                            f"{self.issues[j].options[k]!r} on issue {self.issues[j].name!r} "
                            "is out of range [0, 1]"
                        )
                    vals.append(arr)
                p.values = vals
            else:
                if not (p.scale > 0 and math.isfinite(p.scale)):
                    raise AnalysisError(f"{where}: utility scale must be positive")
                for r in p.rectangles or ():
                    if not math.isfinite(r.utility):
                        raise AnalysisError(f"{where}: non-finite hyper-rectangle utility")
                    for j, m in r.masks.items():
                        if not 0 <= j < n or np.asarray(m).shape != (sizes[j],):
                            raise AnalysisError(f"{where}: hyper-rectangle on unknown issue {j}")
            if p.reservation is not None and not math.isfinite(p.reservation):
                raise AnalysisError(f"{where}: reservation value must be finite")
            for label, table in (("red line", p.red_lines), ("acceptable set", p.acceptable)):
                for j, opts in (table or {}).items():
                    if not 0 <= j < n:
                        raise AnalysisError(f"{where}: {label} on unknown issue {j}")
                    if any(not 0 <= o < sizes[j] for o in opts):
                        raise AnalysisError(f"{where}: {label} names an unknown option")
        for j, opts in (self.excluded or {}).items():
            if not 0 <= j < n or any(not 0 <= o < sizes[j] for o in opts):
                raise AnalysisError(f"excluded options on unknown issue or option ({j})")
        if self.status_quo is not None:
            if set(self.status_quo) != set(range(n)):
                raise AnalysisError("status quo must give one option for every issue")

    # ------------------------------------------------------------------ shape
    @property
    def sizes(self) -> tuple[int, ...]:
        """Number of options per issue."""
        return tuple(len(i.options) for i in self.issues)

    @property
    def n_outcomes(self) -> int:
        """Size of the whole outcome space (an exact Python int; may exceed 2**63)."""
        return math.prod(self.sizes)

    @property
    def party_names(self) -> list[str]:
        """Party names in problem order (utility vectors use this order)."""
        return [p.name for p in self.parties]

    @property
    def is_linear(self) -> bool:
        """True when every party's utility is linear additive."""
        return all(p.is_linear for p in self.parties)

    def issue_index(self, name: str) -> int:
        """Index of an issue by name; raises :class:`AnalysisError` naming unknown issues."""
        for j, issue in enumerate(self.issues):
            if issue.name == name:
                return j
        raise AnalysisError(f"unknown issue {name!r}")

    def reservations(self, default: float = 0.0) -> np.ndarray:
        """Reservation vector; parties that state none get ``default``."""
        return np.array([default if p.reservation is None else p.reservation for p in self.parties])

    # ------------------------------------------------------------------ utilities
    def option_utilities(self, j: int) -> np.ndarray:
        """Per-option weighted utility contributions of issue ``j``: shape (options, parties).

        Only for linear additive parties; the frontier merge adds these issue by issue.
        """
        cols = []
        for p in self.parties:
            if not p.is_linear:
                raise AnalysisError(f"party {p.name!r} is not linear additive")
            cols.append(p.weights[j] * p.values[j])
        return np.stack(cols, axis=1)

    def allowed_options(self, j: int) -> np.ndarray:
        """Mask of issue ``j``'s options that no party has ruled out with a red line and the
        analysis has not excluded (see :attr:`excluded`)."""
        mask = np.ones(len(self.issues[j].options), dtype=bool)
        for p in self.parties:
            for o in p.red_lines.get(j, ()):
                mask[o] = False
        for o in (self.excluded or {}).get(j, ()):
            mask[o] = False
        return mask

    def acceptable_options(self, party: int, j: int) -> np.ndarray:
        """Mask of issue ``j``'s options ``party`` can accept (not a red line, in its set)."""
        p = self.parties[party]
        mask = np.ones(len(self.issues[j].options), dtype=bool)
        if p.acceptable is not None and j in p.acceptable:
            mask[:] = False
            mask[list(p.acceptable[j])] = True
        mask[list(p.red_lines.get(j, ()))] = False
        return mask

    def utilities(self, outcomes: np.ndarray) -> np.ndarray:
        """Utility vectors (m, parties) of outcomes given as option indices (m, issues).

        Linear sums are accumulated issue by issue in issue order, exactly as the frontier merge
        does, so equal outcomes give bit-identical floats on both paths.
        """
        outcomes = np.asarray(outcomes, dtype=np.int64)
        m = outcomes.shape[0]
        out = np.zeros((m, len(self.parties)))
        lin = [i for i, p in enumerate(self.parties) if p.is_linear]
        if lin:
            acc = np.zeros((m, len(lin)))
            for j in range(len(self.issues)):
                table = np.stack(
                    [self.parties[i].weights[j] * self.parties[i].values[j] for i in lin], axis=1
                )
                acc += table[outcomes[:, j]]
            out[:, lin] = acc
        for i, p in enumerate(self.parties):
            if p.is_linear:
                continue
            acc = np.zeros(m)
            for r in p.rectangles or ():
                hit = np.ones(m, dtype=bool)
                for j, mask in r.masks.items():
                    hit &= np.asarray(mask)[outcomes[:, j]]
                acc += r.utility * hit
            out[:, i] = acc / p.scale
        return out

    def outcome_dict(self, row: Sequence[int]) -> dict[str, Value]:
        """An outcome as ``{issue name: option value}``."""
        return {iss.name: _py(iss.options[int(o)]) for iss, o in zip(self.issues, row, strict=True)}


def _py(value: object) -> Value:
    """Plain Python scalar for JSON output."""
    if isinstance(value, np.generic):
        return value.item()
    return value  # type: ignore[return-value]
