"""Analysis runs in the workspace: inputs from what the runner may read, combined labels,
mediator-only until released (a ledgered act), clear errors."""

import json

import pytest

from accord.core import access
from accord.core.errors import Forbidden, Invalid, NotFound
from accord.ledger import queries as ledger_queries
from accord.ledger.models import Entry
from accord.negotiation import queries, services
from accord.negotiation.models import AnalysisRun, Issue

pytestmark = pytest.mark.django_db


def numeric_issue(demo):
    return next(i for i in Issue.objects.filter(process=demo) if i.is_numeric)


def test_mediator_run_is_mediator_only(demo, viewer):
    lena = viewer("lena.haas")
    run = services.run_analysis(lena, kind="packages")
    assert run.outputs["frontier"], "a frontier was computed"
    assert "MEDIATION" in run.label.value.caveats
    assert len(run.outputs["parties"]) >= 2
    for who, allowed in [
        ("lena.haas", True),
        ("pavel.novak", run.label.level <= 2),
        ("ingrid.dahl", False),
        ("viktor.kess", False),
        ("ana.costa", False),
    ]:
        v = viewer(who)
        assert queries.analysis_runs(v).filter(pk=run.pk).exists() is allowed, who
        if not allowed:
            with pytest.raises(NotFound):
                queries.analysis_run(v, run.pk)


def test_run_uses_only_what_the_runner_may_read(demo, viewer):
    """A delegation's run sees its own positions (and released ones), never others' secrets."""
    james = viewer("james.whitfield")  # ARD head of delegation (no RUN_ANALYSIS) → forbidden
    with pytest.raises(Forbidden):
        services.run_analysis(james, kind="packages")
    sophie = viewer("sophie.martin")  # BEL analyst: reads BEL positions and releases to BEL
    readable = {p.party.code for p in queries.positions(sophie)}
    try:
        run = services.run_analysis(sophie, kind="packages")
    except Invalid as exc:
        assert "at least two parties" in exc.message
        return
    assert set(run.outputs["parties"]) <= readable


def test_nash_point_lies_on_the_frontier_and_matches_the_library(demo, viewer):
    from accord import analysis as lib
    from accord.negotiation import analysis as adapter

    lena = viewer("lena.haas")
    run = services.run_analysis(lena, kind="packages")
    wp = adapter.build_problem(lena, run.params["issues"])
    direct = lib.analyze_packages(wp.problem)
    assert json.loads(json.dumps(direct["nash"])) == run.outputs["nash"]
    frontier = [tuple(e["utilities"]) for e in run.outputs["frontier"]]
    if run.outputs["nash"]:
        assert tuple(run.outputs["nash"]["utilities"]) in frontier


def test_release_widens_to_named_parties_and_is_recorded(demo, viewer, api_for):
    lena = viewer("lena.haas")
    run = services.run_analysis(lena, kind="packages")
    before = Entry.objects.filter(action="analysis.release").count()
    services.release_run(lena, run, rel_to=["ARD", "NOR"])
    run.refresh_from_db()
    assert run.label.value.rel_to == frozenset({"ARD", "NOR", "MED"})
    assert "MEDIATION" not in run.label.value.caveats
    assert Entry.objects.filter(action="analysis.release").count() == before + 1
    ingrid, viktor = viewer("ingrid.dahl"), viewer("viktor.kess")
    assert queries.analysis_runs(ingrid).filter(pk=run.pk).exists() is (
        run.label.level <= ingrid.clearance
    )
    assert not queries.analysis_runs(viktor).filter(pk=run.pk).exists()
    r = api_for("viktor.kess").get(f"/api/v1/processes/lake-varna/negotiation/analysis/{run.pk}")
    assert r.status_code == 404


def test_only_the_pen_holder_releases(demo, viewer):
    run = services.run_analysis(viewer("pavel.novak"), kind="packages")  # mediator + analyst
    with pytest.raises(Forbidden):
        services.release_run(viewer("sophie.martin"), run, rel_to=None)


def test_forecast_on_a_numeric_issue(demo, viewer):
    lena = viewer("lena.haas")
    issue = numeric_issue(demo)
    run = services.run_analysis(lena, kind="forecast", issue_id=issue.pk, samples=50, seed=3)
    out = run.outputs
    assert issue.minimum <= out["forecast"] <= issue.maximum
    assert out["sensitivity"]["samples"] == 50 if "samples" in out["sensitivity"] else True
    again = services.run_analysis(lena, kind="forecast", issue_id=issue.pk, samples=50, seed=3)
    assert again.outputs["forecast"] == out["forecast"]


def test_bad_requests_change_nothing(demo, viewer, api_for):
    lena = viewer("lena.haas")
    c = api_for("lena.haas")  # (creating its token is itself recorded)
    n_runs, n_entries = AnalysisRun.objects.count(), Entry.objects.count()
    with pytest.raises(Invalid, match="kind must be"):
        services.run_analysis(lena, kind="astrology")
    with pytest.raises(Invalid, match="unknown agenda issue"):
        services.run_analysis(lena, kind="packages", issue_ids=[999999])
    discrete = next(i for i in Issue.objects.filter(process=demo) if not i.is_numeric)
    with pytest.raises(Invalid, match="numeric issue"):
        services.run_analysis(lena, kind="forecast", issue_id=discrete.pk)
    r = c.post(
        "/api/v1/processes/lake-varna/negotiation/analysis",
        data=json.dumps({"kind": "forecast"}),
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["error"]["message"]
    assert (AnalysisRun.objects.count(), Entry.objects.count()) == (n_runs, n_entries)


def test_run_entry_in_timeline_is_sealed_and_hidden(demo, viewer):
    from accord.ledger.models import Log
    from accord.ledger.services import leaf_bytes

    lena = viewer("lena.haas")
    run = services.run_analysis(lena, kind="packages")
    entry = Entry.objects.get(action="analysis.run", subject_id=str(run.pk))
    assert json.loads(leaf_bytes(entry, Log.objects.get(process=demo).name))["payload"]["sealed"]
    assert not ledger_queries.timeline(viewer("ingrid.dahl")).filter(pk=entry.pk).exists()
    assert ledger_queries.timeline(lena).filter(pk=entry.pk).exists()


def test_api_and_pages(demo, api_for, client_for):
    c = api_for("lena.haas")
    r = c.post(
        "/api/v1/processes/lake-varna/negotiation/analysis",
        data=json.dumps({"kind": "packages"}),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    run_id = r.json()["id"]
    assert r.json()["label"]["display"].endswith("MEDIATION")
    charts = c.get(f"/api/v1/processes/lake-varna/negotiation/analysis/{run_id}/charts").json()
    assert charts and charts[0]["$schema"].startswith("https://vega.github.io/schema/vega-lite")
    page = client_for("lena.haas").get(f"/p/lake-varna/negotiation/analysis/{run_id}/")
    assert page.status_code == 200 and b"<svg" in page.content and b"MEDIATION" in page.content
    assert (
        client_for("ingrid.dahl").get(f"/p/lake-varna/negotiation/analysis/{run_id}/").status_code
        == 404
    )
    listing = client_for("ingrid.dahl").get("/p/lake-varna/negotiation/analysis/")
    assert listing.status_code == 200 and f"/analysis/{run_id}/".encode() not in listing.content
    assert access  # the module under test reads only through core.access
