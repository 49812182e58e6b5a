"""Acceptable sets are constraints: a packages analysis never proposes a package outside a
stated acceptable set unless the caller relaxes it, and then names each bound it breaks.
Checked against an independent brute force (Python loops over every package)."""

from __future__ import annotations

import itertools
import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.analysis import (
    SOLUTIONS,
    Issue,
    Party,
    Problem,
    analyze_packages,
    empty_issues,
    problem_from_dict,
    violations,
    within_acceptable,
)
from accord.analysis.cli import main


# ------------------------------------------------------------------------ independent reference
def outside(problem: Problem, outcome: dict) -> list[tuple[str, str]]:
    """(party, issue) pairs whose stated acceptable set the outcome leaves, by plain lookup."""
    out = []
    for p in problem.parties:
        for j, issue in enumerate(problem.issues):
            if p.acceptable and j in p.acceptable:
                ok = {issue.options[k] for k in p.acceptable[j]}
                if outcome[issue.name] not in ok:
                    out.append((p.name, issue.name))
    return out


def red_lined(problem: Problem, outcome: dict) -> bool:
    return any(
        outcome[issue.name] in {issue.options[k] for k in p.red_lines.get(j, ())}
        for p in problem.parties
        for j, issue in enumerate(problem.issues)
    )


def every_entry(result: dict) -> list[dict]:
    """Every package a result proposes: frontier rows, points and their ties."""
    out = list(result.get("frontier") or [])
    for key in SOLUTIONS:
        pt = result.get(key)
        if pt:
            out.append(pt)
            out += pt["ties"]
    return out


def naive_front(problem: Problem, keep) -> set[tuple]:
    """Utility vectors of the non-dominated packages among those `keep` accepts (and no red
    line, every reservation met), by enumeration."""
    vecs = []
    for combo in itertools.product(*[range(len(i.options)) for i in problem.issues]):
        outcome = {i.name: i.options[o] for i, o in zip(problem.issues, combo, strict=True)}
        if red_lined(problem, outcome) or not keep(outcome):
            continue
        u = tuple(
            float(sum(p.weights[j] * p.values[j][o] for j, o in enumerate(combo)))
            for p in problem.parties
        )
        vecs.append(u)
    res = [(-np.inf if p.reservation is None else p.reservation) for p in problem.parties]
    vecs = [v for v in vecs if all(a >= r for a, r in zip(v, res, strict=True))]
    return {
        v
        for v in vecs
        if not any(all(a >= b for a, b in zip(w, v, strict=True)) and w != v for w in vecs)
    }


# ------------------------------------------------------------------------ the demo's NVF case
def ceasefire() -> Problem:
    """The Lake Varna shape: NVF accepts elections at 6–18 months and a withdrawal of 5–15 km;
    Kestria wants late elections and a wide withdrawal and weighs them heavily."""
    return problem_from_dict(
        {
            "issues": [
                {"name": "elections", "range": {"min": 6, "max": 36, "step": 6}},
                {"name": "withdrawal", "range": {"min": 0, "max": 30, "step": 1}},
                {"name": "prisoners", "options": ["all-for-all", "phased", "case-by-case"]},
            ],
            "parties": [
                {
                    "name": "NVF",
                    "weights": {"elections": 38, "withdrawal": 28, "prisoners": 34},
                    "utilities": {
                        "elections": {6: 0.8, 12: 1, 36: 0.2},
                        "withdrawal": {0: 0.67, 10: 1, 30: 0.33},
                        "prisoners": {"all-for-all": 1, "phased": 0.5, "case-by-case": 0.2},
                    },
                    "acceptable": {
                        "elections": [6, 12, 18],
                        "withdrawal": list(range(5, 16)),
                        "prisoners": ["all-for-all", "phased"],
                    },
                },
                {
                    "name": "KES",
                    "weights": {"elections": 30, "withdrawal": 45, "prisoners": 25},
                    "utilities": {
                        "elections": {6: 0.4, 24: 1, 36: 0.6},
                        "withdrawal": {0: 0.33, 20: 1, 30: 0.67},
                        "prisoners": {"all-for-all": 0.2, "phased": 1, "case-by-case": 0.8},
                    },
                    "acceptable": {
                        "elections": [18, 24, 30, 36],
                        "withdrawal": list(range(15, 31)),
                    },
                    "red_lines": {"prisoners": ["case-by-case"]},
                },
            ],
        }
    )


def test_relaxed_nash_breaks_nvf_bounds_and_names_them():
    """The case of the issue: unconstrained, the bargaining points leave NVF's ranges."""
    problem = ceasefire()
    relaxed = analyze_packages(problem, relax=True)
    assert relaxed["constraint"]["relaxed"] is True
    nvf = {("NVF", "elections"), ("NVF", "withdrawal")}
    outside_nvf = [e for e in every_entry(relaxed) if nvf & set(outside(problem, e["outcome"]))]
    assert outside_nvf, "the example must have relaxed packages outside NVF's ranges"
    for e in every_entry(relaxed):
        named = {(v["party"], v["issue"]) for v in e["violations"]}
        assert named == set(outside(problem, e["outcome"])), e
        for v in e["violations"]:
            if v["party"] == "NVF" and v["issue"] == "elections":
                assert (v["bound"], v["limit"]) == ("max", 18.0)
                assert v["value"] == e["outcome"]["elections"] > 18
            if v["party"] == "NVF" and v["issue"] == "withdrawal":
                assert v["bound"] in ("min", "max")
                assert v["limit"] == (5.0 if v["bound"] == "min" else 15.0)


def test_by_default_every_proposed_package_is_inside_every_acceptable_set():
    problem = ceasefire()
    out = analyze_packages(problem)
    assert out["constraint"] == {
        "relaxed": False,
        "stated": True,
        "inside": True,
        "empty_issues": [],
    }
    entries = every_entry(out)
    assert entries and out["nash"] is not None
    for e in entries:
        assert outside(problem, e["outcome"]) == [], e
        assert 6 <= e["outcome"]["elections"] <= 18 and 5 <= e["outcome"]["withdrawal"] <= 15
        assert "violations" not in e  # nothing to name: the mode says all are inside
    # exactly the frontier of the acceptable packages, no more, no fewer
    ref = naive_front(problem, lambda o: not outside(problem, o))
    assert {tuple(e["utilities"]) for e in out["frontier"]} == ref
    assert "nearest" not in out


def test_nothing_inside_says_so_and_shows_the_nearest_with_the_broken_bounds():
    data = _ceasefire_dict()
    data["parties"][0]["acceptable"]["elections"] = [6, 12]  # NVF: 6–12; KES: 18–36
    problem = problem_from_dict(data)
    out = analyze_packages(problem)
    assert out["constraint"]["inside"] is False
    assert out["constraint"]["empty_issues"] == ["elections"]
    assert out["frontier"] == [] and all(out[k] is None for k in SOLUTIONS)
    near = out["nearest"]
    entries = every_entry(near)
    assert entries
    for e in entries:
        broken = outside(problem, e["outcome"])
        assert len(broken) == 1 and broken[0][1] == "elections", e  # the fewest possible
        assert e["outcome"]["elections"] in (12.0, 18.0)  # the nearest options, 6 apart each
        (v,) = e["violations"]
        assert (v["party"], v["bound"], v["limit"]) in {("NVF", "max", 12.0), ("KES", "min", 18.0)}
        assert not red_lined(problem, e["outcome"])


def _ceasefire_dict() -> dict:
    """ceasefire() as its file structure (so tests can vary a party's sets)."""
    p = ceasefire()
    out: dict = {"issues": [], "parties": []}
    for i in p.issues:
        out["issues"].append({"name": i.name, "options": list(i.options)})
    for party in p.parties:
        out["parties"].append(
            {
                "name": party.name,
                "weights": {i.name: float(w) for i, w in zip(p.issues, party.weights, strict=True)},
                "utilities": {
                    i.name: [float(x) for x in v]
                    for i, v in zip(p.issues, party.values, strict=True)
                },
                "acceptable": {
                    p.issues[j].name: [p.issues[j].options[k] for k in sorted(s)]
                    for j, s in (party.acceptable or {}).items()
                },
                "red_lines": {
                    p.issues[j].name: [p.issues[j].options[k] for k in sorted(s)]
                    for j, s in party.red_lines.items()
                },
            }
        )
    return out


def test_red_lines_hold_in_every_mode():
    problem = ceasefire()
    for result in (analyze_packages(problem), analyze_packages(problem, relax=True)):
        for e in every_entry(result):
            assert e["outcome"]["prisoners"] != "case-by-case"


def test_an_issue_red_lined_away_leaves_no_package_even_nearest():
    problem = problem_from_dict(
        {
            "issues": [{"name": "a", "options": ["x", "y"]}],
            "parties": [
                {"name": "N", "utilities": {"a": [1, 0]}, "red_lines": {"a": ["x"]}},
                {"name": "S", "utilities": {"a": [0, 1]}, "red_lines": {"a": ["y"]}},
            ],
        }
    )
    assert empty_issues(problem) == ["a"]
    out = analyze_packages(problem)
    assert out["frontier"] == [] and out["nearest"]["frontier"] == []
    assert analyze_packages(problem, relax=True)["frontier"] == []


def test_a_discrete_bound_names_the_acceptable_options():
    problem = ceasefire()
    row = np.array([[0, 20, 2]])  # elections 6, withdrawal 20, case-by-case
    (found,) = violations(problem, row)
    assert {(v["party"], v["issue"], v["bound"]) for v in found} == {
        ("NVF", "withdrawal", "max"),
        ("NVF", "prisoners", "set"),
        ("KES", "elections", "min"),
    }
    prisoners = next(v for v in found if v["issue"] == "prisoners")
    assert prisoners["acceptable"] == ["all-for-all", "phased"]
    assert prisoners["value"] == "case-by-case"


def test_constraining_leaves_the_problem_as_stated():
    problem = ceasefire()
    before = [(dict(p.red_lines), p.weights.copy()) for p in problem.parties]
    inner = within_acceptable(problem)
    assert inner.excluded and problem.excluded is None
    for (red, w), p in zip(before, problem.parties, strict=True):
        assert p.red_lines == red and np.array_equal(p.weights, w)
    # the utilities of a package are bit-identical in both (no re-normalisation)
    rows = np.array([[2, 15, 1]])
    assert np.array_equal(problem.utilities(rows), inner.utilities(rows))


# ------------------------------------------------------------------------ property: any problem
@st.composite
def constrained_problems(draw):
    n_issues = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 4)) for _ in range(n_issues)]
    issues = tuple(Issue(f"i{j}", tuple(f"o{o}" for o in range(s))) for j, s in enumerate(sizes))
    parties = []
    for p in range(draw(st.integers(2, 3))):
        weights = np.array([draw(st.sampled_from([0.25, 0.5, 1.0])) for _ in sizes])
        values = [np.array([draw(st.integers(0, 4)) / 4 for _ in range(s)]) for s in sizes]
        acceptable, red = {}, {}
        for j, s in enumerate(sizes):
            if draw(st.booleans()):
                acceptable[j] = frozenset(
                    draw(st.lists(st.integers(0, s - 1), min_size=1, max_size=s, unique=True))
                )
            if s > 1 and draw(st.integers(0, 4)) == 0:
                red[j] = frozenset({draw(st.integers(0, s - 1))})
        parties.append(
            Party(f"P{p}", weights, values, red_lines=red, acceptable=acceptable or None)
        )
    return Problem(issues, tuple(parties))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(constrained_problems())
def test_property_constrained_relaxed_and_nearest(problem):
    out = analyze_packages(problem)
    relaxed = analyze_packages(problem, relax=True)
    for e in every_entry(out):  # constrained: never outside, never a red line
        assert outside(problem, e["outcome"]) == [] and not red_lined(problem, e["outcome"])
    for e in every_entry(relaxed):  # relaxed: every break named, nothing else
        named = sorted((v["party"], v["issue"]) for v in e["violations"])
        assert named == sorted(outside(problem, e["outcome"]))
        assert not red_lined(problem, e["outcome"])
    if out["constraint"]["inside"]:
        assert {tuple(e["utilities"]) for e in out["frontier"]} == naive_front(
            problem, lambda o: not outside(problem, o)
        )
    else:
        # the nearest packages break the fewest bounds any package (outside red lines) can
        fewest = min(
            (
                len(outside(problem, o))
                for combo in itertools.product(*[range(len(i.options)) for i in problem.issues])
                if not red_lined(
                    problem,
                    o := {i.name: i.options[c] for i, c in zip(problem.issues, combo, strict=True)},
                )
            ),
            default=None,
        )
        for e in every_entry(out["nearest"]):
            assert len(e["violations"]) == len(outside(problem, e["outcome"])) == fewest > 0


# ------------------------------------------------------------------------ the CLI
def test_cli_is_constrained_by_default_and_relaxes_on_request(capsys, tmp_path):
    path = tmp_path / "ceasefire.json"
    path.write_text(json.dumps(_ceasefire_dict()))
    assert main(["packages", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["constraint"]["relaxed"] is False
    problem = ceasefire()
    assert all(outside(problem, e["outcome"]) == [] for e in every_entry(data))
    assert main(["packages", str(path), "--relax"]) == 0
    relaxed = json.loads(capsys.readouterr().out)
    assert relaxed["constraint"]["relaxed"] is True
    assert any(e["violations"] for e in every_entry(relaxed))
    assert main(["packages", str(path), "--relax", "--format", "table"]) == 0
    table = capsys.readouterr().out
    assert "relaxed" in table and "breaks" in table and "NVF: elections at most 18" in table


def test_cli_table_says_when_nothing_is_inside(capsys, tmp_path):
    data = _ceasefire_dict()
    data["parties"][0]["acceptable"]["elections"] = [6, 12]
    path = tmp_path / "apart.json"
    path.write_text(json.dumps(data))
    assert main(["packages", str(path), "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert "No package lies inside every party's acceptable set" in out
    assert "Nearest packages" in out and "elections" in out
    assert main(["packages", str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["nash"] is None and result["nearest"]["nash"]["violations"]
