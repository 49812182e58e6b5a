"""Readers: Accord problem files (JSON/YAML), CSV inputs, and a single ``load_problem`` entry.

Every fault is raised as :class:`AnalysisError` naming the file, so the CLI can print
``<file>: <fault>`` without a traceback.
"""

from __future__ import annotations

import csv
import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .errors import AnalysisError
from .genius import is_genius_dir, load_genius_dir
from .problem import Issue, Party, Problem

__all__ = [
    "load_problem",
    "problem_from_dict",
    "read_actors_csv",
    "read_points_csv",
    "read_problem_file",
    "read_spatial_csv",
    "read_votes_csv",
]


# ---------------------------------------------------------------------------- problem files
def _discretise(name: str, spec: Any) -> tuple:
    if not isinstance(spec, dict) or not {"min", "max", "step"} <= set(spec):
        raise AnalysisError(f"issue {name!r}: range needs min, max and step")
    try:
        lo, hi, step = (float(spec[k]) for k in ("min", "max", "step"))
    except (TypeError, ValueError):
        raise AnalysisError(f"issue {name!r}: range min/max/step must be numbers") from None
    if not all(math.isfinite(x) for x in (lo, hi, step)) or step <= 0:
        raise AnalysisError(f"issue {name!r}: range step must be a positive number")
    if hi < lo:
        raise AnalysisError(f"empty outcome space: issue {name!r} has max < min")
    n = math.floor((hi - lo) / step + 1e-9) + 1
    if n > 1_000_000:
        raise AnalysisError(f"issue {name!r}: range gives {n:,} options (limit 1,000,000)")
    vals = [lo + i * step for i in range(n)]
    if all(float(v).is_integer() for v in vals):
        return tuple(int(v) for v in vals)
    return tuple(round(v, 12) for v in vals)


def _utility_column(issue: Issue, spec: Any, numeric: bool, where: str) -> np.ndarray:
    opts = issue.options
    if isinstance(spec, list):
        if len(spec) != len(opts):
            raise AnalysisError(
                f"{where}: issue {issue.name!r} has {len(opts)} options, got {len(spec)} utilities"
            )
        return np.array([_num(x, where) for x in spec], dtype=float)
    if not isinstance(spec, dict):
        raise AnalysisError(f"{where}: utilities of issue {issue.name!r} must be a map or list")
    if numeric:
        try:
            pts = sorted((float(k), _num(v, where)) for k, v in spec.items())
        except ValueError:
            raise AnalysisError(
                f"{where}: numeric issue {issue.name!r} needs numeric utility anchors"
            ) from None
        if not pts:
            raise AnalysisError(f"{where}: no utilities for issue {issue.name!r}")
        xs, ys = zip(*pts, strict=True)
        return np.interp(np.array(opts, dtype=float), xs, ys)
    col = np.full(len(opts), np.nan)
    for key, val in spec.items():
        col[issue.index_of(key)] = _num(val, where)
    if np.isnan(col).any():
        missing = opts[int(np.flatnonzero(np.isnan(col))[0])]
        raise AnalysisError(f"{where}: no utility for option {missing!r} of issue {issue.name!r}")
    return col


def _num(x: Any, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float | str):
        raise AnalysisError(f"{where}: {x!r} is not a number")
    try:
        return float(x)
    except ValueError:
        raise AnalysisError(f"{where}: {x!r} is not a number") from None


def problem_from_dict(data: Any, source: str | None = None) -> Problem:
    """Build a :class:`Problem` from the Accord problem-file structure (see docs/analysis.md)."""
    try:
        return _from_dict(data, source)
    except AnalysisError as err:
        raise err.with_source(source) if source else err from None


def _from_dict(data: Any, source: str | None) -> Problem:
    if not isinstance(data, dict):
        raise AnalysisError("a problem file must hold a mapping with 'issues' and 'parties'")
    raw_issues = data.get("issues")
    if not raw_issues:
        raise AnalysisError("empty outcome space: no issues")
    if not isinstance(raw_issues, list):
        raise AnalysisError("'issues' must be a list")
    issues: list[Issue] = []
    numeric: list[bool] = []
    for spec in raw_issues:
        if not isinstance(spec, dict) or "name" not in spec:
            raise AnalysisError("every issue needs a name")
        name = str(spec["name"])
        if "range" in spec:
            opts = _discretise(name, spec["range"])
            numeric.append(True)
        else:
            raw = spec.get("options")
            if not isinstance(raw, list):
                raise AnalysisError(f"issue {name!r} needs 'options' (a list) or 'range'")
            opts = tuple(raw)
            numeric.append(
                bool(opts)
                and all(isinstance(o, int | float) and not isinstance(o, bool) for o in opts)
            )
        issues.append(Issue(name, opts))
    tmp_names = {iss.name: j for j, iss in enumerate(issues)}
    for iss in issues:
        if not iss.options:
            raise AnalysisError(f"empty outcome space: issue {iss.name!r} has no options")

    def idx(name: Any, where: str) -> int:
        if str(name) not in tmp_names:
            raise AnalysisError(f"{where}: unknown issue {name!r}")
        return tmp_names[str(name)]

    raw_parties = data.get("parties")
    if not isinstance(raw_parties, list):
        raise AnalysisError("'parties' must be a list")
    parties: list[Party] = []
    for n_p, spec in enumerate(raw_parties):
        if not isinstance(spec, dict):
            raise AnalysisError(f"party #{n_p + 1} must be a mapping")
        pname = str(spec.get("name", f"party{n_p + 1}"))
        where = f"party {pname!r}"
        utils = spec.get("utilities")
        if not isinstance(utils, dict):
            raise AnalysisError(f"{where}: 'utilities' must map issue names to utilities")
        values: list[np.ndarray | None] = [None] * len(issues)
        for iname, col in utils.items():
            j = idx(iname, where)
            try:
                values[j] = _utility_column(issues[j], col, numeric[j], where)
            except AnalysisError as err:
                if err.fault.startswith("issue "):
                    raise AnalysisError(f"{where}: {err.fault}") from None
                raise
        raw_w = spec.get("weights")
        if raw_w is None:
            weights = np.array([1.0 if v is not None else 0.0 for v in values])
        elif isinstance(raw_w, dict):
            weights = np.zeros(len(issues))
            for iname, w in raw_w.items():
                weights[idx(iname, where)] = _num(w, where)
        else:
            raise AnalysisError(f"{where}: 'weights' must map issue names to numbers")
        for j, v in enumerate(values):
            if v is None:
                if weights[j] > 0:
                    raise AnalysisError(
                        f"{where}: weight on issue {issues[j].name!r} but no utilities"
                    )
                values[j] = np.zeros(len(issues[j].options))

        def option_sets(table: Any, label: str, where: str = where) -> dict[int, frozenset[int]]:
            if table is None:
                return {}
            if not isinstance(table, dict):
                raise AnalysisError(f"{where}: '{label}' must map issue names to option lists")
            out: dict[int, frozenset[int]] = {}
            for iname, opts in table.items():
                j = idx(iname, where)
                if not isinstance(opts, list):
                    opts = [opts]
                try:
                    out[j] = frozenset(issues[j].index_of(o) for o in opts)
                except AnalysisError as err:
                    raise AnalysisError(f"{where}: {label}: {err.fault}") from None
            return out

        res = spec.get("reservation")
        parties.append(
            Party(
                pname,
                weights=weights,
                values=values,  # type: ignore[arg-type]
                reservation=None if res is None else _num(res, where),
                red_lines=option_sets(spec.get("red_lines"), "red_lines"),
                acceptable=option_sets(spec.get("acceptable"), "acceptable")
                if spec.get("acceptable") is not None
                else None,
            )
        )
    sq = None
    if data.get("status_quo") is not None:
        raw_sq = data["status_quo"]
        if not isinstance(raw_sq, dict):
            raise AnalysisError("'status_quo' must map issue names to options")
        sq = {}
        for iname, val in raw_sq.items():
            j = idx(iname, "status_quo")
            sq[j] = issues[j].index_of(val)
    return Problem(
        tuple(issues), tuple(parties), name=str(data.get("name", "problem")), status_quo=sq
    )


def read_problem_file(path: str | Path) -> Problem:
    """Read an Accord problem file (``.json``, ``.yaml`` or ``.yml``)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise AnalysisError(f"cannot read: {err.strerror}", str(p)) from None
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as err:
        kind = p.suffix.lstrip(".").upper() or "YAML"
        raise AnalysisError(f"malformed {kind}: {err}", str(p)) from None
    problem = problem_from_dict(data, str(p))
    problem.source = str(p)
    return problem


def load_problem(path: str | Path) -> Problem:
    """Load a Genius/ANAC folder or an Accord problem file, whichever ``path`` is."""
    p = Path(path)
    if p.is_dir():
        if not is_genius_dir(p):
            raise AnalysisError("directory holds no Genius XML files", str(p))
        return load_genius_dir(p)
    if not p.exists():
        raise AnalysisError("no such file or directory", str(p))
    if p.suffix.lower() in {".json", ".yaml", ".yml"}:
        return read_problem_file(p)
    raise AnalysisError(
        "expected a Genius folder or an Accord problem file (.json, .yaml, .yml)", str(p)
    )


# ---------------------------------------------------------------------------- CSV inputs
def _rows(path: str | Path) -> tuple[list[str], list[list[str]]]:
    p = Path(path)
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            rows = [r for r in csv.reader(fh) if any(c.strip() for c in r)]
    except OSError as err:
        raise AnalysisError(f"cannot read: {err.strerror}", str(p)) from None
    except csv.Error as err:
        raise AnalysisError(f"malformed CSV: {err}", str(p)) from None
    if not rows:
        raise AnalysisError("empty CSV file", str(p))
    header = [h.strip() for h in rows[0]]
    for n, r in enumerate(rows[1:], start=2):
        if len(r) != len(header):
            raise AnalysisError(f"line {n}: expected {len(header)} columns, got {len(r)}", str(p))
    return header, [[c.strip() for c in r] for r in rows[1:]]


def read_points_csv(path: str | Path) -> tuple[list[str], list[str], list[list[Fraction]]]:
    """Adjusted Winner input ``item,<A>,<B>``: returns (items, [A, B], [[a, b] per item])."""
    header, rows = _rows(path)
    if len(header) != 3 or header[0].lower() != "item":
        raise AnalysisError("header must be item,<party A>,<party B>", str(path))
    items, pts = [], []
    for n, r in enumerate(rows, start=2):
        try:
            pts.append([Fraction(r[1]), Fraction(r[2])])
        except (ValueError, ZeroDivisionError):
            raise AnalysisError(f"line {n}: points must be numbers", str(path)) from None
        items.append(r[0])
    return items, header[1:], pts


def read_actors_csv(path: str | Path) -> dict[str, Any]:
    """Forecast input ``actor,capability,position,salience`` → names and float arrays."""
    header, rows = _rows(path)
    need = ["actor", "capability", "position", "salience"]
    low = [h.lower() for h in header]
    if any(c not in low for c in need):
        raise AnalysisError(f"header must contain {','.join(need)}", str(path))
    cols = {c: low.index(c) for c in need}
    out: dict[str, Any] = {"actors": [r[cols["actor"]] for r in rows]}
    for c in need[1:]:
        try:
            out[c] = np.array([float(r[cols[c]]) for r in rows])
        except ValueError:
            raise AnalysisError(f"column {c!r} must hold numbers", str(path)) from None
    return out


def read_spatial_csv(path: str | Path) -> tuple[list[Any], list[str]]:
    """Spatial forecast input → (actors as :class:`~accord.analysis.spatial.SpatialActor`, dims).

    Header ``actor,capability,<dim1>,<dim1>_salience,<dim2>,<dim2>_salience,...``: every column
    other than ``actor`` and ``capability`` is a dimension, and each dimension ``D`` needs a
    ``D_salience`` column (column order is free; dimensions keep their header order).
    """
    from .spatial import SpatialActor

    src = str(path)
    header, rows = _rows(path)
    low = [h.lower() for h in header]
    for need in ("actor", "capability"):
        if need not in low:
            raise AnalysisError(
                f"header must be actor,capability,<dim>,<dim>_salience,... (no {need!r} column)",
                src,
            )
    if len(set(low)) != len(low):
        dup = sorted({h for h in low if low.count(h) > 1})
        raise AnalysisError(f"duplicate columns: {', '.join(dup)}", src)
    ia, ic = low.index("actor"), low.index("capability")
    rest = [k for k in range(len(header)) if k not in (ia, ic)]
    sal_cols = {low[k][: -len("_salience")]: k for k in rest if low[k].endswith("_salience")}
    dim_cols = [k for k in rest if not low[k].endswith("_salience")]
    if not dim_cols:
        raise AnalysisError("no dimension columns (need <dim>,<dim>_salience pairs)", src)
    for k in dim_cols:
        if low[k] not in sal_cols:
            raise AnalysisError(f"dimension {header[k]!r} has no {header[k]}_salience column", src)
    dims_low = {low[k] for k in dim_cols}
    for name, k in sal_cols.items():
        if name not in dims_low:
            raise AnalysisError(f"salience column {header[k]!r} has no dimension column", src)
    if not rows:
        raise AnalysisError("no actors", src)

    def num(r: list[str], k: int, line: int) -> float:
        try:
            return float(r[k])
        except ValueError:
            raise AnalysisError(
                f"line {line}: column {header[k]!r} must be a number, got {r[k]!r}", src
            ) from None

    actors = []
    for line, r in enumerate(rows, start=2):
        if not r[ia]:
            raise AnalysisError(f"line {line}: empty actor name", src)
        actors.append(
            SpatialActor(
                r[ia],
                num(r, ic, line),
                tuple(num(r, k, line) for k in dim_cols),
                tuple(num(r, sal_cols[low[k]], line) for k in dim_cols),
            )
        )
    return actors, [header[k] for k in dim_cols]


def read_votes_csv(path: str | Path) -> tuple[list[str], list[str], np.ndarray]:
    """Pol.is participants-votes export → (participants, statement ids, votes with NaN gaps)."""
    header, rows = _rows(path)
    meta = ["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"]
    low = [h.lower() for h in header]
    if not low or low[0] != "participant":
        raise AnalysisError("first column must be 'participant'", str(path))
    start = 1
    while start < len(low) and low[start] in meta:
        start += 1
    statements = header[start:]
    if not statements:
        raise AnalysisError("no statement columns", str(path))
    votes = np.full((len(rows), len(statements)), np.nan)
    for n, r in enumerate(rows):
        for c, cell in enumerate(r[start:]):
            if cell == "":
                continue
            try:
                v = float(cell)
            except ValueError:
                raise AnalysisError(
                    f"line {n + 2}: vote {cell!r} is not 1, -1, 0 or empty", str(path)
                ) from None
            if v not in (1.0, -1.0, 0.0):
                raise AnalysisError(
                    f"line {n + 2}: vote {cell!r} is not 1, -1, 0 or empty", str(path)
                )
            votes[n, c] = v
    return [r[0] for r in rows], statements, votes
