"""Accord problem files and validation faults."""

from __future__ import annotations

import json

import numpy as np
import pytest

from accord.analysis import (
    AnalysisError,
    acceptable_packages,
    common_options,
    load_problem,
    logrolls,
    pareto_frontier,
    problem_from_dict,
)

BASE = {
    "name": "ceasefire",
    "issues": [
        {"name": "line", "options": ["A", "B", "C"]},
        {"name": "troops", "range": {"min": 0, "max": 10000, "step": 2500}},
    ],
    "parties": [
        {
            "name": "North",
            "weights": {"line": 3, "troops": 1},
            "utilities": {"line": {"A": 1, "B": 0.5, "C": 0}, "troops": {"0": 1, "10000": 0}},
            "reservation": 0.2,
            "red_lines": {"line": ["C"]},
            "acceptable": {"line": ["A", "B"]},
        },
        {
            "name": "South",
            "weights": {"line": 1, "troops": 3},
            "utilities": {"line": [0, 0.5, 1], "troops": {"0": 0, "10000": 1}},
        },
    ],
    "status_quo": {"line": "B", "troops": 5000},
}


def _copy():
    return json.loads(json.dumps(BASE))


def test_problem_file_round_trip(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(BASE))
    problem = load_problem(path)
    assert problem.issues[1].options == (0, 2500, 5000, 7500, 10000)
    np.testing.assert_allclose(problem.parties[0].values[1], [1, 0.75, 0.5, 0.25, 0])
    np.testing.assert_allclose(problem.parties[0].weights, [0.75, 0.25])
    front = pareto_frontier(problem)
    assert all(e["outcome"]["line"] != "C" for e in front.entries())  # red line honoured
    assert (front.utilities[:, 0] >= 0.2).all()  # reservation honoured


def test_yaml_is_accepted(tmp_path):
    import yaml

    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(BASE))
    assert load_problem(path).party_names == ["North", "South"]


@pytest.mark.parametrize(
    ("mutate", "fault"),
    [
        (lambda d: d["parties"].pop(), "at least 2 parties"),
        (
            lambda d: d["parties"][0]["utilities"].update({"speed": {"x": 1}}),
            "unknown issue 'speed'",
        ),
        (lambda d: d["parties"][0]["utilities"]["line"].update({"A": 1.5}), "out of range"),
        (lambda d: d["issues"][0].update({"options": []}), "empty outcome space"),
        (lambda d: d.update({"issues": []}), "empty outcome space"),
        (
            lambda d: d["issues"][1].update({"range": {"min": 5, "max": 1, "step": 1}}),
            "empty outcome space",
        ),
        (lambda d: d["parties"][1]["utilities"].update({"line": [0, 1]}), "3 options"),
        (lambda d: d["parties"][0]["red_lines"].update({"line": ["Z"]}), "no option 'Z'"),
    ],
)
def test_validation_faults_name_the_file(tmp_path, mutate, fault):
    data = _copy()
    mutate(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(AnalysisError) as info:
        load_problem(path)
    assert str(info.value).startswith(str(path) + ": ")
    assert fault in str(info.value)


def test_malformed_json_names_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{")
    with pytest.raises(AnalysisError, match=r"broken\.json: malformed JSON"):
        load_problem(path)


def test_common_ground_and_trades():
    problem = problem_from_dict(_copy())
    common = common_options(problem)
    assert common["line"] == ["A", "B"]  # C is North's red line
    assert common["troops"] == [0, 2500, 5000, 7500, 10000]
    pk = acceptable_packages(problem, limit=3)
    assert pk["count"] == 10 and len(pk["packages"]) == 3 and pk["truncated"]
    trades = logrolls(problem)
    assert trades, "North cares about the line, South about troops: a logroll exists"
    sq = problem.utilities(np.array([[1, 2]]))[0]
    for t in trades:
        assert all(g > 0 for g in t["gains"])
        moved = np.array(
            [
                [
                    problem.issues[0].index_of(t["moves"]["line"][1]),
                    problem.issues[1].index_of(t["moves"]["troops"][1]),
                ]
            ]
        )
        np.testing.assert_allclose(problem.utilities(moved)[0] - sq, t["gains"])
        assert t["moves"]["line"][1] != "C"
    best = trades[0]
    assert best["moves"]["line"][1] == "A" and best["moves"]["troops"][1] > 5000


def test_ten_parties_supported():
    data = _copy()
    data["parties"] = [
        {
            "name": f"p{i}",
            "utilities": {
                "line": [i % 2, 0.5, 1 - i % 2],
                "troops": {"0": i / 10, "10000": 1 - i / 10},
            },
        }
        for i in range(10)
    ]
    front = pareto_frontier(problem_from_dict(data))
    assert front.utilities.shape[1] == 10 and len(front) > 0
