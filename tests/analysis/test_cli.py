"""CLI: JSON shapes and error reporting (exit 2, file named)."""

from __future__ import annotations

import argparse
import json

import pytest

from accord.analysis.cli import main, register

POINT_KEYS = {"outcome", "utilities", "ties"}
POINTS = ("nash", "kalai_smorodinsky", "egalitarian", "utilitarian")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_packages_on_genius_dir(capsys, genius_dir, tmp_path):
    chart = tmp_path / "chart.json"
    code, out, err = run(capsys, "packages", str(genius_dir / "Laptop"), "--chart", str(chart))
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {
        "parties",
        "constraint",
        "frontier",
        "nash",
        "kalai_smorodinsky",
        "egalitarian",
        "utilitarian",
    }
    assert data["parties"] == ["Laptop-C-prof1", "Laptop-C-prof2"]
    # Genius profiles state no acceptable sets: the constraint is void, nothing is left out
    assert data["constraint"] == {
        "relaxed": False,
        "stated": False,
        "inside": True,
        "empty_issues": [],
    }
    assert len(data["frontier"]) == 4
    for entry in data["frontier"]:
        assert set(entry) == {"outcome", "utilities"}
        assert set(entry["outcome"]) == {"Laptop", "Harddisk", "External Monitor"}
        assert len(entry["utilities"]) == 2
    for key in ("nash", "kalai_smorodinsky", "egalitarian", "utilitarian"):
        assert set(data[key]) == POINT_KEYS
        assert {"outcome": data[key]["outcome"], "utilities": data[key]["utilities"]} in data[
            "frontier"
        ]
    spec = json.loads(chart.read_text())
    assert spec["$schema"].endswith("vega-lite/v5.json")
    # the 4 packages, then one mark per distinct bargaining point, naming every solution on it
    values = spec["data"]["values"]
    marks = [v for v in values if v["kind"] != "Pareto-optimal package"]
    assert len(values) == 4 + len(marks)
    points = {(data[k]["utilities"][0], data[k]["utilities"][1]) for k in POINTS}
    assert len(marks) == len(points)
    labels = ", ".join(m["kind"] for m in marks)
    for name in ("Nash", "Kalai–Smorodinsky", "Egalitarian", "Utilitarian"):
        assert labels.count(name) == 1


def test_packages_on_problem_file_with_table(capsys, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        "issues:\n  - {name: a, options: [x, y]}\nparties:\n"
        "  - {name: N, utilities: {a: {x: 1, y: 0}}}\n"
        "  - {name: S, utilities: {a: {x: 0, y: 1}}}\n"
    )
    code, out, _ = run(capsys, "packages", str(path), "--format", "table")
    assert code == 0
    assert "Pareto frontier" in out and "Nash" in out and "Kalai–Smorodinsky" in out
    code, out, _ = run(capsys, "packages", str(path))
    data = json.loads(out)
    assert len(data["frontier"]) == 2
    # utilitarian ties between both outcomes: first one plus the other in "ties"
    assert len(data["utilitarian"]["ties"]) == 1


def test_adjusted_winner(capsys, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("item,Alice,Bob\nX,50,20\nY,30,60\nZ,20,20\n")
    code, out, err = run(capsys, "adjusted-winner", str(path))
    assert code == 0, err
    data = json.loads(out)
    assert {"allocation", "points", "split_item", "envy_free", "efficient", "equitable"} <= set(
        data
    )
    assert data["points"] == {"Alice": 65.0, "Bob": 65.0}
    assert data["split_item"] == "Z"
    assert data["allocation"]["Z"] == {"Alice": 0.75, "Bob": 0.25}
    assert data["envy_free"] and data["efficient"] and data["equitable"]


def test_forecast(capsys, tmp_path):
    path = tmp_path / "actors.csv"
    path.write_text(
        "actor,capability,position,salience\nA,100,80,0.6\nB,80,70,0.5\nC,90,10,0.9\nD,85,30,0.4\n"
    )
    chart = tmp_path / "f.json"
    code, out, err = run(
        capsys,
        "forecast",
        str(path),
        "--rounds",
        "4",
        "--samples",
        "50",
        "--seed",
        "3",
        "--chart",
        str(chart),
    )
    assert code == 0, err
    data = json.loads(out)
    assert {"initial", "rounds", "forecast", "sensitivity"} <= set(data)
    assert {"mean", "median"} <= set(data["initial"])
    assert 1 <= len(data["rounds"]) <= 4
    assert 10 <= data["forecast"] <= 80
    assert sum(data["sensitivity"]["histogram"]["counts"]) == 50
    assert "vconcat" in json.loads(chart.read_text())
    _, out2, _ = run(
        capsys, "forecast", str(path), "--rounds", "4", "--samples", "50", "--seed", "3"
    )
    assert json.loads(out2) == data


def test_opinion_groups(capsys, tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    stance = np.array([1] * 5 + [-1] * 5)
    lines = [
        "participant,group-id,n-comments,n-votes,n-agree,n-disagree,"
        + ",".join(str(i) for i in range(10))
    ]
    for p in range(30):
        s = stance if p < 15 else -stance
        votes = np.where(rng.random(10) < 0.9, s, -s)
        cells = ["" if rng.random() < 0.05 else str(int(v)) for v in votes]
        lines.append(f"{p},,10,10,0,0," + ",".join(cells))
    path = tmp_path / "participants-votes.csv"
    path.write_text("\n".join(lines) + "\n")
    code, out, err = run(capsys, "opinion-groups", str(path))
    assert code == 0, err
    data = json.loads(out)
    assert data["k"] == 2
    sizes = sorted(g["size"] for g in data["groups"])
    assert sizes == [15, 15]
    members = [set(g["members"]) for g in data["groups"]]
    assert {str(p) for p in range(15)} in members


@pytest.mark.parametrize(
    ("content", "suffix", "fault"),
    [
        ("{", ".json", "malformed JSON"),
        (
            '{"issues": [{"name": "a", "options": ["x"]}], "parties": [{"name": "N", '
            '"utilities": {"b": {"x": 1}}}, {"name": "S", "utilities": {"a": {"x": 1}}}]}',
            ".json",
            "unknown issue 'b'",
        ),
        (
            '{"issues": [{"name": "a", "options": ["x"]}], "parties": [{"name": "N", '
            '"utilities": {"a": {"x": 1}}}]}',
            ".json",
            "at least 2 parties",
        ),
        (
            '{"issues": [{"name": "a", "options": ["x"]}], "parties": [{"name": "N", '
            '"utilities": {"a": {"x": 2}}}, {"name": "S", "utilities": {"a": {"x": 1}}}]}',
            ".json",
            "out of range",
        ),
        (
            '{"issues": [{"name": "a", "options": []}], "parties": []}',
            ".json",
            "empty outcome space",
        ),
    ],
)
def test_packages_errors(capsys, tmp_path, content, suffix, fault):
    path = tmp_path / f"bad{suffix}"
    path.write_text(content)
    code, out, err = run(capsys, "packages", str(path))
    assert code == 2
    assert out == ""
    assert err.startswith(f"accord analyze: error: {path}: ")
    assert fault in err


def test_malformed_genius_xml(capsys, tmp_path):
    (tmp_path / "dom.xml").write_text("<negotiation_template")
    code, _, err = run(capsys, "packages", str(tmp_path))
    assert code == 2
    assert f"accord analyze: error: {tmp_path / 'dom.xml'}: malformed XML" in err


def test_csv_errors(capsys, tmp_path):
    path = tmp_path / "pts.csv"
    path.write_text("item,A,B\nX,60,50\nY,30,50\n")
    code, _, err = run(capsys, "adjusted-winner", str(path))
    assert code == 2 and f"error: {path}: " in err and "not 100" in err
    path2 = tmp_path / "actors.csv"
    path2.write_text("actor,capability,position\nA,1,2\n")
    code, _, err = run(capsys, "forecast", str(path2))
    assert code == 2 and f"error: {path2}: header" in err
    code, _, err = run(capsys, "packages", str(tmp_path / "missing.json"))
    assert code == 2 and "no such file" in err


def test_register_adds_analyze():
    parser = argparse.ArgumentParser(prog="accord")
    sub = parser.add_subparsers(dest="command")
    register(sub)
    args = parser.parse_args(["analyze", "forecast", "x.csv", "--samples", "5"])
    assert args.analyze_command == "forecast" and args.samples == 5 and callable(args.func)
