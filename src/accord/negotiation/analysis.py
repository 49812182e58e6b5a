"""Adapter from the negotiation workspace to the pure `accord.analysis` library.

The viewer's readable agenda issues and positions (own party's, released, or on the mediation
path — see queries.py) become an `accord.analysis.Problem`; the label under which each input was
read is collected so the run carries their combination (rule 4: derived data inherits labels).

How a position becomes a utility (documented in docs/negotiation.md):
- weights: the party's salience on each issue (normalised; all zero → equal weights);
- discrete issue: preferred option 1.0, other acceptable options 0.5, options the party did not
  call acceptable 0.2 (0.5 when it stated no acceptable set), red lines are hard constraints;
- numeric issue: the range is discretised at its step (coarsened to at most MAX_GRID points),
  utility 1 − |x − preferred| / span (the middle of the acceptable range when no preferred value);
  the acceptable range becomes the party's acceptable set;
- reservation: the utility of the party's stated reservation values, weighted like the issues
  (issues without one count 0, so the figure is a lower bound);
- a party without a readable position on an issue is taken as indifferent there (flat utility,
  weight 0) and named in the run's `missing` (and, worded, `excluded`) notes; a party with no
  readable position at all is left out.

Acceptable sets are constraints (accord.analysis.packages): a packages run proposes only
packages inside every readable party's acceptable set unless the runner relaxes it, and names
each stated bound a package breaks, with the bound as the party stated it.

The second half of this module reads saved runs for people: option names instead of keys,
values with their unit, utilities rounded, solutions and broken bounds in words, and the
figures (Vega-Lite specs with a data table each) of a run page.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field

import numpy as np

from accord import analysis as lib
from accord.core.access import Viewer
from accord.core.errors import Invalid
from accord.core.labels import LabelValue, combine
from accord.negotiation import queries
from accord.negotiation.models import Issue, Position

MAX_GRID = 41


@dataclass
class WorkspaceProblem:
    """A problem built from what one viewer may read, with the labels its inputs were read under."""

    problem: lib.Problem
    issues: list[Issue]
    parties: list[str]
    labels: list[LabelValue] = field(default_factory=list)
    excluded: dict[str, str] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)
    bounds: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    """party → issue title → [min, max] of its stated acceptable range (numeric issues)."""

    @property
    def label(self) -> LabelValue:
        return combine(self.labels)


def grid(issue: Issue) -> list:
    """Option values of an issue: option keys, or the numeric range at its step (bounded)."""
    if not issue.is_numeric:
        return [o.key for o in issue.options.all()]
    lo, hi = float(issue.minimum), float(issue.maximum)
    step = float(issue.step or (hi - lo) / (MAX_GRID - 1) or 1.0)
    n = round((hi - lo) / step) + 1
    if n > MAX_GRID:
        return [float(v) for v in np.linspace(lo, hi, MAX_GRID)]
    return [lo + k * step for k in range(n)]


def _numeric_utility(values: list[float], pos: Position, lo: float, hi: float) -> np.ndarray:
    span = (hi - lo) or 1.0
    pref = pos.preferred_value
    if pref is None and pos.acceptable_min is not None:
        pref = (pos.acceptable_min + pos.acceptable_max) / 2
    if pref is None:
        return np.full(len(values), 0.5)
    return 1.0 - np.abs(np.asarray(values) - pref) / span


def _discrete_utility(keys: list[str], pos: Position) -> np.ndarray:
    acceptable = set(pos.acceptable_options)
    base = 0.2 if acceptable else 0.5
    out = np.array([0.5 if k in acceptable else base for k in keys])
    if pos.preferred_option in keys:
        out[keys.index(pos.preferred_option)] = 1.0
    return out


def build_problem(viewer: Viewer, issue_ids: list[int] | None = None) -> WorkspaceProblem:
    """The problem over the chosen issues (default: all readable), for the parties whose
    position the viewer may read on every one of them; others are listed in `excluded`."""
    issues = list(queries.issues(viewer).prefetch_related("options"))
    if issue_ids:
        wanted = set(issue_ids)
        unknown = sorted(wanted - {i.pk for i in issues})
        if unknown:
            raise Invalid(f"unknown agenda issue(s): {unknown}", {"issues": "unknown"})
        issues = [i for i in issues if i.pk in wanted]
    if not issues:
        raise Invalid("no agenda issues to analyse", {"issues": "empty"})
    by_party: dict[str, dict[int, Position]] = {}
    for pos in queries.positions(viewer).filter(issue__in=issues):
        by_party.setdefault(pos.party.code, {})[pos.issue_id] = pos
    labels: list[LabelValue] = [i.label.value for i in issues]
    excluded: dict[str, str] = {}
    missing_by_party: dict[str, list[str]] = {}
    bounds: dict[str, dict[str, list[float]]] = {}
    parties: list[lib.Party] = []
    grids = [grid(i) for i in issues]
    for code in sorted(by_party):
        held = by_party[code]
        missing = [i.title for i in issues if i.pk not in held]
        if missing:
            missing_by_party[code] = missing
            excluded[code] = (
                "no readable position on " + ", ".join(missing) + " (taken as indifferent)"
            )
        values, weights, red, acceptable, reservation = [], [], {}, {}, 0.0
        for j, issue in enumerate(issues):
            pos = held.get(issue.pk)
            if pos is None:  # no readable position: indifferent, and no weight on this issue
                values.append(np.full(len(grids[j]), 0.5))
                weights.append(0.0)
                continue
            labels.append(queries.read_as(viewer, pos.label.value))
            g = grids[j]
            if issue.is_numeric:
                u = _numeric_utility(g, pos, float(issue.minimum), float(issue.maximum))
                if pos.acceptable_min is not None:
                    acceptable[j] = frozenset(
                        k for k, x in enumerate(g) if pos.acceptable_min <= x <= pos.acceptable_max
                    )
                    bounds.setdefault(code, {})[issue.title] = [
                        float(pos.acceptable_min),
                        float(pos.acceptable_max),
                    ]
                if pos.reservation_value is not None:
                    r = _numeric_utility(
                        [pos.reservation_value], pos, float(issue.minimum), float(issue.maximum)
                    )[0]
                    reservation += pos.salience * r
            else:
                u = _discrete_utility(g, pos)
                red_idx = frozenset(g.index(k) for k in pos.red_lines if k in g)
                if red_idx:
                    red[j] = red_idx
                    u[list(red_idx)] = 0.0
                if pos.acceptable_options:
                    acceptable[j] = frozenset(g.index(k) for k in pos.acceptable_options if k in g)
                if pos.reservation_value is not None:
                    reservation += pos.salience * float(pos.reservation_value)
            values.append(np.clip(u, 0.0, 1.0))
            weights.append(float(pos.salience))
        total = sum(weights)
        if total <= 0 and all(issue.pk not in held for issue in issues):
            continue
        w = np.array(weights) / total if total > 0 else np.full(len(weights), 1 / len(weights))
        parties.append(
            lib.Party(
                name=code,
                weights=w,
                values=values,
                reservation=(reservation / total) if total > 0 and reservation > 0 else None,
                red_lines=red,
                acceptable=acceptable or None,
            )
        )
    if len(parties) < 2:
        raise Invalid(
            "need readable positions of at least two parties on the chosen issues; "
            + ("; ".join(f"{k}: {v}" for k, v in excluded.items()) or "none readable"),
            {"issues": "too few parties"},
        )
    problem = lib.Problem(
        issues=tuple(lib.Issue(i.title, tuple(g)) for i, g in zip(issues, grids, strict=True)),
        parties=tuple(parties),
        name=viewer.process.slug,
    )
    kept = {p.name for p in parties}
    return WorkspaceProblem(
        problem,
        issues,
        [p.name for p in parties],
        labels,
        excluded,
        {k: v for k, v in missing_by_party.items() if k in kept},
        {k: v for k, v in bounds.items() if k in kept},
    )


def compromise(problem: lib.Problem) -> dict[int, int]:
    """Issue-by-issue compromise: on each issue the option whose worst utility across the
    parties is highest (among the options the problem allows: no red line, and inside every
    acceptable set when constrained) — the reference from which trades are sought."""
    ref = {}
    for j, issue in enumerate(problem.issues):
        u = np.array([p.values[j] for p in problem.parties])
        u[:, ~problem.allowed_options(j)] = -1.0
        ref[j] = int(np.argmax(u.min(axis=0))) if len(issue.options) else 0
    return ref


def _stated_bounds(node: object, bounds: dict[str, dict[str, list[float]]]) -> None:
    """Name each broken numeric bound as the party stated it (the grid may not hit it)."""
    if isinstance(node, dict):
        for v in node.get("violations") or []:
            stated = bounds.get(v["party"], {}).get(v["issue"])
            if stated and v["bound"] in ("min", "max"):
                v["limit"] = stated[0] if v["bound"] == "min" else stated[1]
        for child in node.values():
            if isinstance(child, dict | list):
                _stated_bounds(child, bounds)
    elif isinstance(node, list):
        for child in node:
            _stated_bounds(child, bounds)


def run_packages(wp: WorkspaceProblem, *, relax: bool = False) -> dict:
    """Frontier, bargaining points and common ground (JSON-ready), inside every party's
    acceptable set unless `relax` (then every package names the bounds it breaks)."""
    out = lib.analyze_packages(wp.problem, relax=relax)
    _stated_bounds(out, wp.bounds)
    inside = out["constraint"]["inside"]
    # trades move only onto options the run allows: acceptable to all unless relaxed
    space = wp.problem if relax else lib.within_acceptable(wp.problem)
    reference = compromise(space) if relax or inside else None
    out["common_ground"] = {
        "options": lib.common_options(wp.problem),
        "packages": lib.acceptable_packages(wp.problem),
        "reference": None
        if reference is None
        else {
            wp.problem.issues[j].name: wp.problem.issues[j].options[k] for j, k in reference.items()
        },
        "trades": [] if reference is None else lib.logrolls(space, reference=reference),
    }
    out["excluded"] = wp.excluded
    out["missing"] = wp.missing
    return out


def run_forecast(
    viewer: Viewer, issue: Issue, capability: dict[str, float], samples: int, seed: int
) -> tuple[dict, list[LabelValue]]:
    """BdM forecast on one numeric issue from the readable preferred values."""
    if not issue.is_numeric:
        raise Invalid("a forecast needs a numeric issue", {"issue": "not numeric"})
    actors, cap, posv, sal, labels = [], [], [], [], [issue.label.value]
    for pos in queries.positions(viewer, issue_id=issue.pk).order_by("party__code"):
        if pos.preferred_value is None:
            continue
        actors.append(pos.party.code)
        cap.append(float(capability.get(pos.party.code, 1.0)))
        posv.append(float(pos.preferred_value))
        sal.append(float(pos.salience))
        labels.append(queries.read_as(viewer, pos.label.value))
    if len(actors) < 2:
        raise Invalid(
            "need the preferred values of at least two parties", {"issue": "too few parties"}
        )
    result = lib.forecast(
        actors,
        cap,
        posv,
        sal,
        samples=samples,
        seed=seed,
        scale=(float(issue.minimum), float(issue.maximum)),
    )
    out = result.to_dict()
    out["unit"] = issue.unit
    return out, labels


def snapshot(wp: WorkspaceProblem | lib.Problem) -> dict:
    """The inputs of a run as plain JSON (what was analysed, so a run can be re-checked), with
    each issue's unit and option names so the run reads the same later."""
    problem = wp.problem if isinstance(wp, WorkspaceProblem) else wp
    issues = wp.issues if isinstance(wp, WorkspaceProblem) else []
    out_issues = []
    for j, i in enumerate(problem.issues):
        row: dict = {"name": i.name, "options": list(i.options)}
        if j < len(issues):
            model = issues[j]
            row["unit"] = model.unit if model.is_numeric else ""
            if not model.is_numeric:
                names = {o.key: o.name for o in model.options.all()}
                row["option_names"] = [names.get(str(k), str(k)) for k in i.options]
        out_issues.append(row)
    return {
        "issues": out_issues,
        "parties": [
            {
                "name": p.name,
                "weights": [round(float(x), 6) for x in p.weights],
                "values": [[round(float(x), 6) for x in v] for v in p.values],
                "reservation": p.reservation,
                "red_lines": {str(k): sorted(v) for k, v in p.red_lines.items()},
                "acceptable": {str(k): sorted(v) for k, v in (p.acceptable or {}).items()},
            }
            for p in problem.parties
        ],
        **({"bounds": wp.bounds} if isinstance(wp, WorkspaceProblem) else {}),
    }


MIN_OPINION_PARTICIPANTS = 3
MIN_OPINION_STATEMENTS = 2


def run_opinion_groups(
    viewer: Viewer, consultation_id: int, min_votes: int, seed: int
) -> tuple[dict, dict, list[LabelValue]]:
    """Pol.is opinion groups over one readable consultation (open or closed).

    Reads the anonymised vote matrix through `accord.consult.queries` (rows sorted by content,
    ids p1…pN), so neither the inputs snapshot nor the outputs say which member cast which row.
    """
    from accord import analysis as lib
    from accord.analysis.opinion import group_aware_consensus
    from accord.consult import queries as consult_queries

    c = consult_queries.consultation(viewer, consultation_id)
    m = consult_queries.vote_matrix(viewer, c)
    voted = [j for j in range(len(m.statements)) if any(r[j] is not None for r in m.votes)]
    if len(voted) < MIN_OPINION_STATEMENTS:
        raise Invalid(
            f"opinion groups need votes on at least {MIN_OPINION_STATEMENTS} statements; "
            f"this consultation has votes on {len(voted)}",
            {"consultation": "too few statements"},
        )
    need = min(min_votes, len(m.statements))
    active = sum(1 for r in m.votes if sum(v is not None for v in r) >= need)
    if active < MIN_OPINION_PARTICIPANTS:
        raise Invalid(
            f"opinion groups need at least {MIN_OPINION_PARTICIPANTS} participants with {need} "
            f"or more votes each; this consultation has {active}",
            {"consultation": "too few participants"},
        )
    votes = np.array(
        [[np.nan if v is None else float(v) for v in r] for r in m.votes], dtype=float
    ).reshape(len(m.votes), len(m.statements))
    ids = [str(st["id"]) for st in m.statements]
    result = lib.opinion_groups(votes, m.participants, ids, seed=seed, min_votes=min_votes)
    text = {str(st["id"]): st["text"] for st in m.statements}
    out = result.to_dict()
    for row in [r for g in out["groups"] for r in g["representative"]] + out["consensus"]:
        row["id"] = int(row["statement"])
        row["text"] = text[row["statement"]]
        row["statement"] = row["id"]
    out["statements"] = [
        {
            "id": st["id"],
            "text": st["text"],
            "agree": int(np.sum(votes[:, j] == 1)),
            "disagree": int(np.sum(votes[:, j] == -1)),
            "pass": int(np.sum(votes[:, j] == 0)),
            "group_aware_consensus": round(float(gac), 6),
        }
        for j, (st, gac) in enumerate(
            zip(m.statements, group_aware_consensus(votes, result.labels), strict=True)
        )
    ]
    out["counts"] = {
        "participants": len(m.participants),
        "clustered": int(np.sum(result.labels >= 0)),
        "statements": len(m.statements),
    }
    out["consultation"] = {"id": c.pk, "title": c.title}
    inputs = {
        "consultation": {"id": c.pk, "title": c.title, "status": c.status},
        "statements": m.statements,
        "participants": m.participants,
        "votes": m.votes,
    }
    return out, inputs, [m.label]


# --- reading a saved run for people ---------------------------------------------------------
def number(value: float, digits: int = 2) -> str:
    """A number for reading: whole numbers without decimals, others rounded ("0.63", "24")."""
    v = float(value)
    if abs(v - round(v)) < 10 ** -(digits + 3):
        return str(round(v))
    return f"{v:.{digits}f}".rstrip("0").rstrip(".")


def utility(u: float) -> str:
    """A utility for reading: two decimals, always ("0.63", "1.00")."""
    return f"{float(u):.2f}"


def readable_key(key: object) -> str:
    """An option key made readable when a run predates option names ("phased-by-category-2"
    → "Phased by category")."""
    text = re.sub(r"-\d+$", "", str(key)).replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else str(key)


class Words:
    """How one run names things for people: option names and units come from the run's own
    snapshot (runs saved before names were kept get readable keys)."""

    def __init__(self, inputs: dict, unit: str = "") -> None:
        self.issues = {i["name"]: i for i in inputs.get("issues") or []}
        self.unit = unit  # a forecast's one issue

    def is_numeric(self, issue: str) -> bool:
        opts = (self.issues.get(issue) or {}).get("options") or []
        return bool(opts) and all(isinstance(o, int | float) for o in opts)

    def value(self, issue: str, value: object, digits: int = 2) -> str:
        """An option or a numeric value of an issue, with its unit."""
        info = self.issues.get(issue) or {}
        if isinstance(value, int | float) and not isinstance(value, bool):
            unit = info.get("unit", self.unit) or ""
            return f"{number(value, digits)} {unit}".strip()
        opts, names = info.get("options") or [], info.get("option_names") or []
        if value in opts and len(names) == len(opts):
            return str(names[opts.index(value)])
        return readable_key(value)

    def values(self, issue: str, values: list, joiner: str = ", ") -> str:
        """Several options of an issue; a numeric run of values as a range ("6–18 months")."""
        if not values:
            return "none"
        if self.is_numeric(issue) and len(values) > 1:
            lo, hi = min(values), max(values)
            unit = (self.issues.get(issue) or {}).get("unit") or ""
            return f"{number(lo)}–{number(hi)} {unit}".strip()
        return joiner.join(self.value(issue, v) for v in values)

    def items(self, outcome: dict) -> list[tuple[str, str]]:
        """A package as (issue, value in words) pairs, in the run's issue order."""
        return [(k, self.value(k, v)) for k, v in outcome.items()]

    def violation(self, v: dict) -> str:
        """One broken bound, the party and the bound named."""
        here = self.value(v["issue"], v["value"])
        if v["bound"] == "min":
            bound = f"lower bound on {v['issue']}: {self.value(v['issue'], v['limit'])}"
        elif v["bound"] == "max":
            bound = f"upper bound on {v['issue']}: {self.value(v['issue'], v['limit'])}"
        elif v.get("acceptable"):
            opts = self.values(v["issue"], v["acceptable"], joiner=" or ")
            bound = f"acceptable options on {v['issue']}: {opts}"
        else:
            bound = f"acceptable range on {v['issue']}: no analysed option lies in it"
        return f"{v['party']}’s {bound} (this package: {here})"


def _legacy_violations(inputs: dict, entries: list[dict]) -> None:
    """Runs saved before acceptable sets were constraints: name what their packages break,
    from the run's own snapshot (what was analysed then)."""
    try:
        issues = [lib.Issue(i["name"], tuple(i["options"])) for i in inputs["issues"]]
        parties = [
            lib.Party(
                name=p["name"],
                weights=np.asarray(p["weights"], dtype=float),
                values=[np.asarray(v, dtype=float) for v in p["values"]],
                acceptable={int(k): frozenset(v) for k, v in p.get("acceptable", {}).items()}
                or None,
            )
            for p in inputs["parties"]
        ]
        problem = lib.Problem(issues=tuple(issues), parties=tuple(parties))
        rows = np.array(
            [
                [problem.issues[j].index_of(e["outcome"][i.name]) for j, i in enumerate(issues)]
                for e in entries
            ],
            dtype=np.int64,
        ).reshape(len(entries), len(issues))
    except (KeyError, TypeError, ValueError, lib.AnalysisError):
        return
    for e, broken in zip(entries, lib.violations(problem, rows), strict=True):
        e.setdefault("violations", broken)


SOLUTION_NAMES = {
    "nash": "Nash",
    "kalai_smorodinsky": "Kalai–Smorodinsky",
    "egalitarian": "Egalitarian",
    "utilitarian": "Utilitarian",
}
SOLUTION_HINTS = {
    "nash": "largest product of the parties’ gains",
    "kalai_smorodinsky": "gains in proportion to what each party could best hope for",
    "egalitarian": "largest smallest gain",
    "utilitarian": "largest sum of utilities",
}


def packages_mode(outputs: dict) -> str:
    """inside | nearest | relaxed | open (no party states an acceptable set) | legacy."""
    cons = outputs.get("constraint")
    if cons is None:
        return "legacy"
    if cons.get("relaxed"):
        return "relaxed"
    if not cons.get("inside"):
        return "nearest"
    return "inside" if cons.get("stated") else "open"


def shown(outputs: dict) -> dict:
    """The part of a packages run to present: its answer, or its nearest packages."""
    return outputs["nearest"] if packages_mode(outputs) == "nearest" else outputs


def packages_view(inputs: dict, outputs: dict, params: dict | None = None) -> dict:
    """Everything a packages run page says, in words and rounded numbers."""
    words = Words(inputs)
    mode = packages_mode(outputs)
    part = shown(outputs)
    parties = outputs.get("parties") or []
    if mode == "legacy":
        entries = list(part.get("frontier") or [])
        for key in SOLUTION_NAMES:
            if part.get(key):
                entries.append(part[key])
        _legacy_violations(inputs, entries)

    def point(key: str) -> dict | None:
        pt = part.get(key)
        if not pt:
            return None
        return {
            "key": key,
            "name": SOLUTION_NAMES[key],
            "hint": SOLUTION_HINTS[key],
            "items": words.items(pt["outcome"]),
            "utilities": [(p, utility(u)) for p, u in zip(parties, pt["utilities"], strict=False)],
            "breaks": [words.violation(v) for v in pt.get("violations") or []],
            "ties": len(pt.get("ties") or []),
        }

    points = [point(k) for k in SOLUTION_NAMES]
    headline = next((p for p in points if p), None)
    issue_names = [i["name"] for i in inputs.get("issues") or []]
    frontier = part.get("frontier") or []
    cg = outputs.get("common_ground") or {}
    trades = []
    for t in cg.get("trades") or []:
        moves = [
            f"{issue}: {words.value(issue, a)} → {words.value(issue, b)}"
            for issue, (a, b) in t["moves"].items()
        ]
        trades.append(
            {
                "moves": moves,
                "gains": [(p, utility(g)) for p, g in zip(parties, t["gains"], strict=False)],
            }
        )
    missing = [
        (code, issues) for code, issues in sorted((outputs.get("missing") or {}).items())
    ] or [(code, [why]) for code, why in sorted((outputs.get("excluded") or {}).items())]
    return {
        "mode": mode,
        "relaxed": mode in ("relaxed", "legacy"),
        "parties": parties,
        "issues": issue_names,
        "empty_issues": (outputs.get("constraint") or {}).get("empty_issues") or [],
        "headline": headline,
        "points": [p for p in points if p],
        "missing_points": [
            SOLUTION_NAMES[k] for k, p in zip(SOLUTION_NAMES, points, strict=True) if not p
        ],
        "count": len(frontier),
        "broken_count": sum(1 for e in frontier if e.get("violations")),
        "missing": missing,
        "common": [
            (issue, [words.value(issue, o) for o in opts])
            for issue, opts in (cg.get("options") or {}).items()
        ],
        "acceptable_count": (cg.get("packages") or {}).get("count"),
        "trades": trades,
        "inputs": input_rows(inputs, words),
        "params": params or {},
    }


def input_rows(inputs: dict, words: Words) -> list[dict]:
    """Per party, what the run read: issue weights, acceptable sets, red lines, reservation."""
    issues = inputs.get("issues") or []
    rows = []
    for p in inputs.get("parties") or []:
        stated = (inputs.get("bounds") or {}).get(p["name"], {})

        def named(table: dict, p=p, stated=stated) -> list[tuple[str, str]]:
            out = []
            for k, idx in sorted(table.items(), key=lambda kv: int(kv[0])):
                issue = issues[int(k)]
                vals = [issue["options"][i] for i in idx]
                if issue["name"] in stated and table is p.get("acceptable"):
                    vals = stated[issue["name"]]
                out.append((issue["name"], words.values(issue["name"], vals)))
            return out

        weights = [
            (issue["name"], f"{round(100 * w)} %")
            for issue, w in zip(issues, p.get("weights") or [], strict=False)
            if w > 0
        ]
        rows.append(
            {
                "party": p["name"],
                "weights": weights,
                "acceptable": named(p.get("acceptable") or {}),
                "red_lines": named(p.get("red_lines") or {}),
                "reservation": None if p.get("reservation") is None else utility(p["reservation"]),
            }
        )
    return rows


def forecast_view(inputs: dict, outputs: dict) -> dict:
    """A forecast run in words: the forecast, the start, the spread under perturbation."""
    words = Words({}, outputs.get("unit") or "")
    issue = inputs.get("issue") or "the issue"

    def val(x: float | None) -> str:
        return "—" if x is None else words.value(issue, float(x), digits=1)

    sens = outputs.get("sensitivity") or {}
    pct = sens.get("percentiles") or {}
    return {
        "issue": issue,
        "forecast": val(outputs.get("forecast")),
        "median": val((outputs.get("initial") or {}).get("median")),
        "mean": val((outputs.get("initial") or {}).get("mean")),
        "rounds": len(outputs.get("rounds") or []),
        "samples": sens.get("samples"),
        "middle": (val(pct["25"]), val(pct["75"])) if "25" in pct and "75" in pct else None,
        "wide": (val(pct["5"]), val(pct["95"])) if "5" in pct and "95" in pct else None,
        "actors": [
            (
                a,
                val(x),
                val(
                    (outputs["rounds"][-1]["positions"] if outputs.get("rounds") else {}).get(a, x)
                ),
            )
            for a, x in ((outputs.get("initial") or {}).get("positions") or {}).items()
        ],
        "capability": [(k, number(v)) for k, v in (inputs.get("capability") or {}).items()],
    }


# --- the position map -------------------------------------------------------------------------
_MARKED = tuple(SOLUTION_NAMES.items())


def position_rows(kind: str, inputs: dict, outputs: dict) -> list[dict]:
    """Per issue: each party's position on the issue's scale and the run's outcome, read from
    the run's own saved snapshot only (so the map never shows more than the run's label allows).

    Packages: a party's position is the option of highest utility in the snapshot; a party
    whose utility is flat on an issue stated no readable position there and is left out. The
    outcome is the run's answer (its nearest package when nothing lies inside every acceptable
    set). Forecast: the actors' stated positions and the forecast (and median)."""
    rows: list[dict] = []
    if kind == "packages":
        words = Words(inputs)
        part = shown(outputs) if outputs.get("parties") else outputs
        issues = inputs.get("issues") or []
        marked = next(((k, name) for k, name in _MARKED if part.get(k)), None)
        for j, issue in enumerate(issues):
            opts = issue.get("options") or []
            numeric = words.is_numeric(issue["name"])
            for party in inputs.get("parties") or []:
                values = party["values"][j] if j < len(party.get("values", [])) else []
                if not values or max(values) - min(values) < 1e-9:
                    continue
                best = opts[int(np.argmax(values))]
                row = {"issue": issue["name"], "who": party["name"], "kind": "party"}
                if numeric:
                    row["value"] = best
                else:
                    row["option"] = best
                    row["option_name"] = words.value(issue["name"], best)
                acc = sorted(int(k) for k in party.get("acceptable", {}).get(str(j), []))
                if numeric and acc:
                    row["low"], row["high"] = opts[acc[0]], opts[acc[-1]]
                rows.append(row)
            if marked is not None:
                at = part[marked[0]]["outcome"].get(issue["name"])
                if at is not None:
                    row = {"issue": issue["name"], "who": f"{marked[1]} outcome", "kind": "outcome"}
                    if numeric:
                        row["value"] = at
                    else:
                        row["option"] = at
                        row["option_name"] = words.value(issue["name"], at)
                    rows.append(row)
    elif kind == "forecast":
        name = inputs.get("issue") or "issue"
        for actor, value in (outputs.get("initial", {}).get("positions") or {}).items():
            rows.append({"issue": name, "who": actor, "kind": "party", "value": value})
        if outputs.get("forecast") is not None:
            rows.append(
                {"issue": name, "who": "forecast", "kind": "outcome", "value": outputs["forecast"]}
            )
        median = outputs.get("initial", {}).get("median")
        if median is not None:
            rows.append({"issue": name, "who": "median", "kind": "outcome", "value": median})
    return rows


def _wrapped_labels(names: list[str], width: int = 14) -> str:
    """A Vega label expression that breaks long option names onto several lines (the names
    of three options do not fit side by side in a phone-wide panel)."""
    table = {n: textwrap.wrap(n, width) or [n] for n in names}
    return f"({json.dumps(table, ensure_ascii=False)})[datum.label] || datum.label"


def position_map_chart(kind: str, inputs: dict, outputs: dict) -> dict | None:
    """Vega-Lite: one row per issue, the parties' positions and the run's outcome marked."""
    from accord.analysis.charts import SCHEMA

    rows = position_rows(kind, inputs, outputs)
    if not rows:
        return None
    words = Words(inputs)
    scales = {i["name"]: i.get("options") or [] for i in inputs.get("issues") or []}
    panels = []
    for name in dict.fromkeys(r["issue"] for r in rows):
        data = [r for r in rows if r["issue"] == name]
        numeric = any("value" in r for r in data)
        field = "value" if numeric else "option_name"
        x: dict = {
            "field": field,
            "type": "quantitative" if numeric else "nominal",
            "axis": {"title": None, "labelAngle": 0, "labelLimit": 110},
        }
        if numeric and scales.get(name):
            x["scale"] = {"domain": [min(scales[name]), max(scales[name])]}
        elif numeric and kind == "forecast" and inputs.get("scale"):
            x["scale"] = {"domain": list(inputs["scale"])}
        elif not numeric:
            domain = [words.value(name, o) for o in scales.get(name) or []]
            x["scale"] = {"domain": domain or sorted({r[field] for r in data})}
            x["axis"]["labelExpr"] = _wrapped_labels(x["scale"]["domain"])
        y = {"field": "who", "type": "nominal", "title": None}
        layers = []
        if any("low" in r for r in data):
            layers.append(
                {
                    "transform": [{"filter": "datum.low != null"}],
                    "mark": {"type": "rule", "strokeWidth": 3, "opacity": 0.4},
                    "encoding": {
                        "x": {**x, "field": "low"},
                        "x2": {"field": "high"},
                        "y": y,
                        "color": {"field": "who", "type": "nominal", "legend": None},
                    },
                }
            )
        layers.append(
            {
                "transform": [{"filter": "datum.kind === 'party'"}],
                "mark": {"type": "point", "filled": True, "size": 120},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": {"field": "who", "type": "nominal", "legend": None},
                    "tooltip": [{"field": "who"}, {"field": field}],
                },
            }
        )
        layers.append(
            {
                "transform": [{"filter": "datum.kind === 'outcome'"}],
                "mark": {"type": "point", "shape": "diamond", "filled": True, "size": 220},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": {"value": "#c8102e"},
                    "tooltip": [{"field": "who"}, {"field": field}],
                },
            }
        )
        panels.append({"title": name, "data": {"values": data}, "width": 250, "layer": layers})
    outcome = next((r["who"] for r in rows if r["kind"] == "outcome"), "the outcome")
    return {
        "$schema": SCHEMA,
        "title": "Position map",
        "description": (
            "For each issue, each party's preferred position (dots; a faint bar is its "
            f"acceptable range) and the {outcome} (red diamond)."
        ),
        "vconcat": panels,
    }


def _position_table(kind: str, inputs: dict, outputs: dict) -> dict:
    words = Words(inputs, outputs.get("unit") or "")
    head = ["Issue", "Who", "Position", "Acceptable range"]
    rows = []
    for r in position_rows(kind, inputs, outputs):
        at = r.get("value", r.get("option"))
        rng = ""
        if "low" in r:
            rng = words.values(r["issue"], [r["low"], r["high"]])
        rows.append(
            [
                r["issue"],
                r["who"],
                words.value(r["issue"], at, digits=1 if kind == "forecast" else 2),
                rng,
            ]
        )
    return _table("The positions in the map", head, rows)


def _table(caption: str, head: list[str], rows: list[list]) -> dict:
    """A data table for a template: every cell paired with its column's header (stacked
    tables on phones label each cell with it)."""
    return {
        "caption": caption,
        "head": head,
        "rows": [list(zip(head, (str(c) for c in row), strict=True)) for row in rows],
    }


# --- the figures of a run page ----------------------------------------------------------------
def default_pair(outputs: dict) -> tuple[int, int]:
    """The two parties whose utilities on the frontier pull hardest apart (most negative
    correlation): the scatter that shows the trade-off best. (0, 1) when nothing stands out."""
    part = shown(outputs)
    u = np.array([e["utilities"] for e in part.get("frontier") or []], dtype=float)
    k = len(outputs.get("parties") or [])
    if k <= 2 or u.shape[0] < 3:
        return (0, 1)
    best, pair = 0.0, (0, 1)
    sd = u.std(axis=0)
    for a in range(k):
        for b in range(a + 1, k):
            if sd[a] > 0 and sd[b] > 0:
                r = float(np.corrcoef(u[:, a], u[:, b])[0, 1])
                if r < best - 1e-9:
                    best, pair = r, (a, b)
    return pair


def figures(
    kind: str, outputs: dict, inputs: dict | None = None, pair: tuple[int, int] | None = None
) -> list[dict]:
    """The figures of a run: each a Vega-Lite spec with an id, and the data table under it
    (the two frontier charts share one table, under the second)."""
    from accord.analysis import charts

    inputs = inputs or {}
    out: list[dict] = []
    if kind == "opinion_groups":
        if outputs.get("participants"):
            sizes = {}
            for p in outputs["participants"]:
                if p["x"] is not None:
                    sizes[p["group"]] = sizes.get(p["group"], 0) + 1
            rows = [[f"Group {g}", n] for g, n in sorted(sizes.items(), key=lambda kv: str(kv[0]))]
            out.append(
                {
                    "id": "opinion-map",
                    "spec": charts.opinion_chart(outputs),
                    "table": _table(
                        "Participants placed on the map, by group", ["Group", "Participants"], rows
                    ),
                }
            )
        return out
    if kind == "packages":
        part = shown(outputs)
        parties = outputs.get("parties") or []
        words = Words(inputs)
        if part.get("frontier"):
            if len(parties) > 2:
                out.append(
                    {
                        "id": "frontier-parallel",
                        "spec": charts.frontier_parallel_chart(outputs),
                        "table": None,
                    }
                )
            i, j = pair if pair is not None else default_pair(outputs)
            issues = [i_["name"] for i_ in inputs.get("issues") or []] or list(
                part["frontier"][0]["outcome"]
            )
            broken = any("violations" in e for e in part["frontier"])  # relaxed or nearest
            head = ["Package", *issues, *[f"Utility of {p}" for p in parties]]
            head += ["Breaks"] if broken else []
            names = {}
            for key, name in SOLUTION_NAMES.items():
                if part.get(key):
                    names.setdefault(tuple(part[key]["utilities"]), []).append(name)
            rows = []
            for n, e in enumerate(part["frontier"], 1):
                tag = ", ".join(names.get(tuple(e["utilities"]), []))
                rows.append(
                    [
                        f"{n}" + (f" ({tag})" if tag else ""),
                        *[words.value(k, e["outcome"].get(k)) for k in issues],
                        *[utility(u) for u in e["utilities"]],
                        *(
                            ["; ".join(words.violation(v) for v in e["violations"]) or "nothing"]
                            if broken
                            else []
                        ),
                    ]
                )
            out.append(
                {
                    "id": "frontier-scatter",
                    "spec": charts.frontier_chart(outputs, pair=(i, j)),
                    "table": _table(
                        "The packages in the frontier charts, with each party’s utility",
                        head,
                        rows,
                    ),
                    "pair": (parties[i], parties[j]) if len(parties) > 1 else None,
                }
            )
    else:
        words = Words({}, outputs.get("unit") or "")
        issue = inputs.get("issue") or ""
        actors = list((outputs.get("initial") or {}).get("positions") or {})
        steps = [
            (0, (outputs.get("initial") or {}).get("positions") or {}, outputs["initial"]["median"])
        ]
        steps += [(r["round"], r["positions"], r["median"]) for r in outputs.get("rounds") or []]
        rows = [
            [
                str(n),
                *[words.value(issue, pos.get(a), digits=1) for a in actors],
                words.value(issue, med, digits=1),
            ]
            for n, pos, med in steps
        ]
        out.append(
            {
                "id": "forecast-rounds",
                "spec": charts.forecast_chart(outputs),
                "table": _table("Positions after each round", ["Round", *actors, "Median"], rows),
            }
        )
        hist = (outputs.get("sensitivity") or {}).get("histogram")
        if hist:
            edges = hist["edges"]
            rows = [
                [
                    words.value(issue, edges[b], digits=1),
                    words.value(issue, edges[b + 1], digits=1),
                    c,
                ]
                for b, c in enumerate(hist["counts"])
                if c
            ]
            out.append(
                {
                    "id": "forecast-sensitivity",
                    "spec": charts.sensitivity_chart(outputs),
                    "table": _table(
                        "Runs by forecast (empty bins left out)", ["From", "To", "Runs"], rows
                    ),
                }
            )
    pmap = position_map_chart(kind, inputs, outputs)
    if pmap is not None:
        out.append(
            {"id": "position-map", "spec": pmap, "table": _position_table(kind, inputs, outputs)}
        )
    return out


def chart_specs(kind: str, outputs: dict, inputs: dict | None = None) -> list[dict]:
    """Vega-Lite specs for a run: the frontier (parallel coordinates with more than two
    parties, and a two-party scatter) with the bargaining points, forecast rounds and the
    sensitivity histogram, the position map per issue (from the run's snapshot), or the
    opinion-group map."""
    return [f["spec"] for f in figures(kind, outputs, inputs)]


# --- the list of runs -------------------------------------------------------------------------
KIND_NAMES = {"packages": "Packages", "forecast": "Forecast", "opinion_groups": "Opinion groups"}
_MODE_WORDS = {
    "inside": "within every acceptable range",
    "nearest": "no package within every acceptable range",
    "relaxed": "acceptable ranges relaxed",
    "open": "no acceptable ranges stated",
    "legacy": "made before acceptable ranges were constraints",
}


def run_about(kind: str, inputs: dict, outputs: dict) -> str:
    """One line on what a run was about, for the list of runs."""
    if kind == "packages":
        n = len(inputs.get("issues") or [])
        return f"{n} issue{'s' if n != 1 else ''}, {_MODE_WORDS[packages_mode(outputs)]}"
    if kind == "forecast":
        return str(inputs.get("issue") or "")
    return str((outputs.get("consultation") or {}).get("title") or "")
