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
  weight 0) and named in the run's `excluded` notes; a party with no readable position at all
  is left out.
"""

from __future__ import annotations

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
    parties: list[lib.Party] = []
    grids = [grid(i) for i in issues]
    for code in sorted(by_party):
        held = by_party[code]
        missing = [i.title for i in issues if i.pk not in held]
        if missing:
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
    return WorkspaceProblem(problem, issues, [p.name for p in parties], labels, excluded)


def compromise(problem: lib.Problem) -> dict[int, int]:
    """Issue-by-issue compromise: on each issue the option whose worst utility across the
    parties is highest (red lines excluded) — the reference from which trades are sought."""
    ref = {}
    for j, issue in enumerate(problem.issues):
        u = np.array([p.values[j] for p in problem.parties])
        for p_i, p in enumerate(problem.parties):
            for k in p.red_lines.get(j, ()):
                u[p_i, k] = -1.0
        ref[j] = int(np.argmax(u.min(axis=0))) if len(issue.options) else 0
    return ref


def run_packages(wp: WorkspaceProblem) -> dict:
    """Frontier, bargaining points and common ground (JSON-ready)."""
    out = lib.analyze_packages(wp.problem)
    reference = compromise(wp.problem)
    out["common_ground"] = {
        "options": lib.common_options(wp.problem),
        "packages": lib.acceptable_packages(wp.problem),
        "reference": {
            wp.problem.issues[j].name: wp.problem.issues[j].options[k] for j, k in reference.items()
        },
        "trades": lib.logrolls(wp.problem, reference=reference),
    }
    out["excluded"] = wp.excluded
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
    return result.to_dict(), labels


def snapshot(problem: lib.Problem) -> dict:
    """The inputs of a run as plain JSON (what was analysed, so a run can be re-checked)."""
    return {
        "issues": [{"name": i.name, "options": list(i.options)} for i in problem.issues],
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


# --- the position map -------------------------------------------------------------------------
_MARKED = (
    ("nash", "Nash"),
    ("kalai_smorodinsky", "Kalai–Smorodinsky"),
    ("egalitarian", "egalitarian"),
    ("utilitarian", "utilitarian"),
)


def position_rows(kind: str, inputs: dict, outputs: dict) -> list[dict]:
    """Per issue: each party's position on the issue's scale and the run's outcome, read from
    the run's own saved snapshot only (so the map never shows more than the run's label allows).

    Packages: a party's position is the option of highest utility in the snapshot; a party
    whose utility is flat on an issue stated no readable position there and is left out.
    Forecast: the actors' stated positions and the forecast (and median)."""
    rows: list[dict] = []
    if kind == "packages":
        issues = inputs.get("issues") or []
        marked = next(((k, name) for k, name in _MARKED if outputs.get(k)), None)
        for j, issue in enumerate(issues):
            opts = issue.get("options") or []
            numeric = bool(opts) and all(isinstance(o, int | float) for o in opts)
            for party in inputs.get("parties") or []:
                values = party["values"][j] if j < len(party.get("values", [])) else []
                if not values or max(values) - min(values) < 1e-9:
                    continue
                best = opts[int(np.argmax(values))]
                row = {"issue": issue["name"], "who": party["name"], "kind": "party"}
                row["value" if numeric else "option"] = best
                acc = sorted(int(k) for k in party.get("acceptable", {}).get(str(j), []))
                if numeric and acc:
                    row["low"], row["high"] = opts[acc[0]], opts[acc[-1]]
                rows.append(row)
            if marked is not None:
                at = outputs[marked[0]]["outcome"].get(issue["name"])
                if at is not None:
                    rows.append(
                        {
                            "issue": issue["name"],
                            "who": f"{marked[1]} outcome",
                            "kind": "outcome",
                            ("value" if numeric else "option"): at,
                        }
                    )
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


def position_map_chart(kind: str, inputs: dict, outputs: dict) -> dict | None:
    """Vega-Lite: one row per issue, the parties' positions and the run's outcome marked."""
    from accord.analysis.charts import SCHEMA

    rows = position_rows(kind, inputs, outputs)
    if not rows:
        return None
    scales = {}
    for issue in inputs.get("issues") or []:
        scales[issue["name"]] = issue.get("options") or []
    panels = []
    for name in dict.fromkeys(r["issue"] for r in rows):
        data = [r for r in rows if r["issue"] == name]
        numeric = any("value" in r for r in data)
        field = "value" if numeric else "option"
        x: dict = {
            "field": field,
            "type": "quantitative" if numeric else "nominal",
            "axis": {"title": None, "labelAngle": 0, "labelLimit": 160},
        }
        if numeric and scales.get(name):
            x["scale"] = {"domain": [min(scales[name]), max(scales[name])]}
        elif numeric and kind == "forecast" and inputs.get("scale"):
            x["scale"] = {"domain": list(inputs["scale"])}
        elif not numeric:
            x["scale"] = {"domain": scales.get(name) or sorted({r[field] for r in data})}
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
        panels.append({"title": name, "data": {"values": data}, "width": 420, "layer": layers})
    return {"$schema": SCHEMA, "title": "Position map", "vconcat": panels}


def chart_specs(kind: str, outputs: dict, inputs: dict | None = None) -> list[dict]:
    """Vega-Lite specs for a run: frontier with bargaining points, forecast rounds and the
    sensitivity histogram, the position map per issue (from the run's snapshot), or the
    opinion-group map."""
    from accord.analysis import charts

    if kind == "opinion_groups":
        return [charts.opinion_chart(outputs)] if outputs.get("participants") else []
    specs = []
    if kind == "packages":
        if outputs.get("frontier"):
            specs.append(charts.frontier_chart(outputs))
    else:
        specs.append(charts.forecast_chart(outputs))
        if (outputs.get("sensitivity") or {}).get("histogram"):
            specs.append(charts.sensitivity_chart(outputs))
    pmap = position_map_chart(kind, inputs or {}, outputs)
    if pmap is not None:
        specs.append(pmap)
    return specs
