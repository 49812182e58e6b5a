"""The position map of packages and forecast runs: per issue, exactly the parties whose
positions the run read, the outcome marked, drawn from the run's saved snapshot only."""

import pytest

from accord.negotiation import queries as nq
from accord.negotiation import services as ns
from accord.negotiation.analysis import chart_specs
from accord.negotiation.models import Issue

pytestmark = pytest.mark.django_db


def position_map(run) -> dict:
    specs = [
        s for s in chart_specs(run.kind, run.outputs, run.inputs) if s["title"] == "Position map"
    ]
    assert len(specs) == 1
    return specs[0]


def parties_by_issue(spec: dict) -> dict[str, set[str]]:
    return {
        panel["title"]: {r["who"] for r in panel["data"]["values"] if r["kind"] == "party"}
        for panel in spec["vconcat"]
    }


def readable_by_issue(v) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for p in nq.positions(v):
        out.setdefault(p.issue.title, set()).add(p.party.code)
    return out


def test_packages_map_shows_exactly_the_readable_parties(demo, viewer):
    # ARD's position on the withdrawal becomes SECRET: the Special Envoy (SECRET clearance)
    # still reads it on the mediation path, her adviser (CONFIDENTIAL) no longer does
    withdrawal = Issue.objects.get(process=demo, title__startswith="Withdrawal")
    ns.state_position(viewer("james.whitfield"), withdrawal, level=3, preferred_value=14)
    lena, pavel = viewer("lena.haas"), viewer("pavel.novak")
    full = ns.run_analysis(lena, kind="packages")
    part = ns.run_analysis(pavel, kind="packages")
    assert parties_by_issue(position_map(full)) == readable_by_issue(lena)
    assert parties_by_issue(position_map(part)) == readable_by_issue(pavel)
    assert "ARD" in parties_by_issue(position_map(full))[withdrawal.title]
    assert "ARD" not in str(position_map(part))
    assert "SECRET" in str(full.label) and "SECRET" not in str(part.label)


def test_packages_map_marks_the_outcome_and_reads_only_the_snapshot(demo, viewer):
    lena = viewer("lena.haas")
    run = ns.run_analysis(lena, kind="packages")
    spec = position_map(run)
    nash = run.outputs["nash"]["outcome"]
    for panel in spec["vconcat"]:
        marks = [r for r in panel["data"]["values"] if r["kind"] == "outcome"]
        assert len(marks) == 1 and marks[0]["who"] == "Nash outcome"
        assert marks[0].get("value", marks[0].get("option")) == nash[panel["title"]]
    withdrawal = Issue.objects.get(process=demo, title__startswith="Withdrawal")
    kes = next(
        r
        for p in spec["vconcat"]
        if p["title"] == withdrawal.title
        for r in p["data"]["values"]
        if r["who"] == "KES"
    )
    assert kes["value"] == 20.0  # Kestria's stated preference when the run was made
    ns.state_position(viewer("viktor.kess"), withdrawal, preferred_value=28)
    run.refresh_from_db()
    assert position_map(run) == spec  # later changes do not leak into an old run's chart


def test_forecast_map_marks_the_forecast(demo, viewer):
    issue = Issue.objects.get(process=demo, title__startswith="Time to elections")
    run = ns.run_analysis(viewer("lena.haas"), kind="forecast", issue_id=issue.pk, samples=20)
    spec = position_map(run)
    (panel,) = spec["vconcat"]
    rows = panel["data"]["values"]
    assert {r["who"] for r in rows if r["kind"] == "party"} == set(run.outputs["actors"])
    assert {r["who"] for r in rows if r["kind"] == "party"} == {
        p.party.code for p in nq.positions(viewer("lena.haas"), issue_id=issue.pk)
    }
    fc = next(r for r in rows if r["who"] == "forecast")
    assert fc["value"] == run.outputs["forecast"]
    assert panel["layer"][0]["encoding"]["x"]["scale"]["domain"] == [issue.minimum, issue.maximum]


def test_run_page_draws_the_position_map(demo, viewer, client_for):
    run = ns.run_analysis(viewer("lena.haas"), kind="packages")
    page = client_for("lena.haas").get(f"/p/lake-varna/negotiation/analysis/{run.pk}/")
    assert page.status_code == 200
    # the frontier twice (every party, and a pair of them: the demo run reads 5) and the map
    assert page.content.count(b"<svg") == 3
    assert b"Position map" in page.content
