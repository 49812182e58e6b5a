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


# --- acceptable ranges are constraints (issue #15) ---------------------------------------------
SOLUTION_KEYS = ("nash", "kalai_smorodinsky", "egalitarian", "utilitarian")


def proposed(result: dict) -> list[dict]:
    """Every package a packages result proposes: frontier rows, points and their ties."""
    out = list(result.get("frontier") or [])
    for key in SOLUTION_KEYS:
        if result.get(key):
            out += [result[key], *result[key]["ties"]]
    return out


def stated_bounds(demo) -> list[tuple[str, str, object]]:
    """Every stated acceptable set, read straight from the positions (not through the run):
    (party, issue title, a test of a value)."""
    from accord.negotiation.models import Position

    out = []
    for pos in Position.objects.filter(issue__process=demo).select_related("issue", "party"):
        if pos.issue.is_numeric and pos.acceptable_min is not None:
            lo, hi = pos.acceptable_min, pos.acceptable_max
            out.append((pos.party.code, pos.issue.title, lambda x, lo=lo, hi=hi: lo <= x <= hi))
        elif pos.acceptable_options:
            ok = set(pos.acceptable_options)
            out.append((pos.party.code, pos.issue.title, lambda x, ok=ok: x in ok))
    return out


def test_packages_keep_to_every_acceptable_range_the_nvf_case(demo, viewer, issue):
    """The demo's NVF: elections 6–18 months, withdrawal 5–15 km. Unconstrained, the Nash
    package proposes 24 months and Kalai–Smorodinsky 19 km; by default no package leaves a range."""
    lena = viewer("lena.haas")
    run = services.run_analysis(lena, kind="packages")
    assert run.params["relax"] is False
    out = run.outputs
    assert out["constraint"] == {
        "relaxed": False,
        "stated": True,
        "inside": True,
        "empty_issues": [],
    }
    elections, withdrawal = issue("Time to elections").title, issue("Withdrawal").title
    entries = proposed(out)
    assert entries and out["nash"]
    for e in entries:
        assert 6 <= e["outcome"][elections] <= 18, e
        assert 5 <= e["outcome"][withdrawal] <= 15, e
        for party, title, ok in stated_bounds(demo):
            if party in out["parties"]:
                assert ok(e["outcome"][title]), (party, title, e["outcome"])
    # relaxed on request: the very packages the issue complained about, each break named
    relaxed = services.run_analysis(lena, kind="packages", relax=True)
    assert relaxed.params["relax"] is True
    r = relaxed.outputs
    assert r["nash"]["outcome"][elections] == 24
    assert {"party": "NVF", "issue": elections, "value": 24.0, "bound": "max", "limit": 18.0} in (
        r["nash"]["violations"]
    )
    ks = r["kalai_smorodinsky"]
    assert ks["outcome"][withdrawal] == 19
    assert {"party": "NVF", "issue": withdrawal, "value": 19.0, "bound": "max", "limit": 15.0} in (
        ks["violations"]
    )
    for e in proposed(r):  # every relaxed package names exactly the bounds it breaks
        broken = {
            (party, title)
            for party, title, ok in stated_bounds(demo)
            if party in r["parties"] and not ok(e["outcome"][title])
        }
        assert {(v["party"], v["issue"]) for v in e["violations"]} == broken


def test_no_package_inside_says_so_and_names_the_nearest_bounds(demo, viewer, issue, client_for):
    """NVF narrows elections to 6–12 months while Kestria accepts 18–36: nothing is inside."""
    elections = issue("Time to elections")
    services.state_position(
        viewer("daria.vol"), elections, preferred_value=6, acceptable_min=6, acceptable_max=12
    )
    run = services.run_analysis(viewer("lena.haas"), kind="packages")
    out = run.outputs
    assert out["constraint"]["inside"] is False
    assert out["constraint"]["empty_issues"] == [elections.title]
    assert out["frontier"] == [] and all(out[k] is None for k in SOLUTION_KEYS)
    nearest = proposed(out["nearest"])
    assert nearest
    for e in nearest:
        (v,) = [v for v in e["violations"] if v["issue"] == elections.title]
        assert (v["party"], v["bound"], v["limit"]) in {("NVF", "max", 12.0), ("KES", "min", 18.0)}
    page = client_for("lena.haas").get(f"/p/lake-varna/negotiation/analysis/{run.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "No package lies within every party’s acceptable range" in text
    assert "upper bound on Time to elections: 12 months" in text or (
        "lower bound on Time to elections: 18 months" in text
    )
    assert out["common_ground"]["trades"] == []  # no trade may lead outside the ranges


def test_relax_through_the_api_is_explicit_and_off_by_default(demo, api_for, snapshot):
    c = api_for("lena.haas")
    url = "/api/v1/processes/lake-varna/negotiation/analysis"
    body = c.post(url, data=json.dumps({"kind": "packages"}), content_type="application/json")
    assert body.status_code == 201, body.content
    data = body.json()
    assert data["params"]["relax"] is False and data["outputs"]["constraint"]["relaxed"] is False
    assert all("violations" not in e for e in proposed(data["outputs"]))
    body = c.post(
        url, data=json.dumps({"kind": "packages", "relax": True}), content_type="application/json"
    )
    assert body.status_code == 201
    relaxed = body.json()["outputs"]
    assert relaxed["constraint"]["relaxed"] is True
    assert any(e["violations"] for e in proposed(relaxed))
    before = snapshot()
    for bad in ({"kind": "forecast", "relax": True}, {"kind": "packages", "relax": "maybe"}):
        r = c.post(url, data=json.dumps(bad), content_type="application/json")
        assert r.status_code == 422, (bad, r.content)
        assert r.json()["error"]["message"]
    assert snapshot() == before


def test_run_form_relax_and_per_kind_fields(demo, client_for, snapshot):
    c = client_for("lena.haas")
    page = c.get("/p/lake-varna/negotiation/analysis/")
    text = page.content.decode()
    for kind in ("packages", "forecast", "opinion_groups"):  # one fieldset per kind
        assert f'data-kind="{kind}"' in text
    assert 'name="relax"' in text and 'id="relax"' in text and "negotiation/analysis.js" in text
    r = c.post("/p/lake-varna/negotiation/analysis/", {"kind": "packages"})
    assert r.status_code == 302
    assert AnalysisRun.objects.latest("pk").params["relax"] is False
    r = c.post("/p/lake-varna/negotiation/analysis/", {"kind": "packages", "relax": "1"})
    assert r.status_code == 302
    assert AnalysisRun.objects.latest("pk").params["relax"] is True
    # without JavaScript every fieldset is sent: another kind's fields do not get in the way
    elections = Issue.objects.get(process=demo, title__startswith="Time to elections")
    r = c.post(
        "/p/lake-varna/negotiation/analysis/",
        {"kind": "forecast", "issue": elections.pk, "relax": "1", "samples": "10"},
    )
    assert r.status_code == 302, r.content
    assert AnalysisRun.objects.latest("pk").params == {
        "issue": elections.pk,
        "samples": 10,
        "seed": 0,
    }
    before = snapshot()
    r = c.post("/p/lake-varna/negotiation/analysis/", {"kind": "forecast", "samples": "many"})
    assert r.status_code == 422
    assert "Samples must be a whole number" in r.content.decode()
    assert 'value="many"' in r.content.decode()  # the refused form comes back as sent
    assert snapshot() == before


def test_run_page_reads_for_people(demo, viewer, client_for):
    """Answer first, in words: option names, units, rounded utilities, solutions by name;
    missing positions warned about at the top; every chart with a text alternative."""
    import re

    run = services.run_analysis(viewer("lena.haas"), kind="packages")
    text = client_for("lena.haas").get(f"/p/lake-varna/negotiation/analysis/{run.pk}/")
    text = text.content.decode()
    warning, answer = text.index("Positions missing from this run"), text.index("The answer")
    assert warning < answer < text.index("<svg")
    assert "Within every party’s acceptable range, the Nash package is:" in text
    assert "Phased by category" in text and "18 months" in text and "15 km" in text
    assert "Kalai–Smorodinsky" in text
    for code in ("phased-by-category-2", "kalai_smorodinsky", "vmm-with-joint-commission-2"):
        assert code not in text
    visible = re.sub(r"<svg.*?</svg>|<[^>]+>", " ", text, flags=re.S)
    assert not re.search(r"\d\.\d{3,}", visible), re.findall(r"\S*\d\.\d{3,}\S*", visible)[:3]
    assert text.count("<svg") == 3  # every party (5 of them), a pair, the position map
    assert text.count("<desc>") == 3 and len(re.findall(r"<svg[^>]*role=\"img\"", text)) == 3
    assert text.count("Data table:") == 2  # the two frontier charts share one table


def test_pair_picker_and_parallel_view(demo, viewer, client_for, api_for):
    run = services.run_analysis(viewer("lena.haas"), kind="packages")
    assert len(run.outputs["parties"]) > 2
    c = client_for("lena.haas")
    url = f"/p/lake-varna/negotiation/analysis/{run.pk}/"
    page = c.get(url, {"x": "KES", "y": "NVF"}).content.decode()
    assert "Pareto frontier: KES and NVF" in page
    bad = c.get(url, {"x": "KES", "y": "KES"})
    assert bad.status_code == 400 and "Choose two different parties." in bad.content.decode()
    assert c.get(url, {"x": "XXX", "y": "NVF"}).status_code == 400
    specs = api_for("lena.haas").get(
        f"/api/v1/processes/lake-varna/negotiation/analysis/{run.pk}/charts"
    )
    parallel = next(s for s in specs.json() if s["title"] == "Pareto frontier, every party")
    rows = parallel["layer"][0]["transform"], parallel["data"]["values"]
    assert {r["party"] for r in rows[1]} == set(run.outputs["parties"])  # one axis per party
    marked = {r["kind"] for r in rows[1] if r["kind"] != "Pareto-optimal package"}
    assert "Nash" in ", ".join(marked)  # the bargaining points are highlighted


def test_a_released_run_reads_the_same_for_a_party(demo, viewer, client_for):
    lena = viewer("lena.haas")
    run = services.run_analysis(lena, kind="packages")
    assert (
        client_for("daria.vol").get(f"/p/lake-varna/negotiation/analysis/{run.pk}/").status_code
        == 404
    )
    services.release_run(lena, run, rel_to=["NVF"])
    page = client_for("daria.vol").get(f"/p/lake-varna/negotiation/analysis/{run.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Within every party’s acceptable range, the Nash package is:" in text
    assert "Release this run" not in text  # only the holder of the pen releases
    listing = client_for("daria.vol").get("/p/lake-varna/negotiation/analysis/").content.decode()
    assert f"/analysis/{run.pk}/" in listing and "within every acceptable range" in listing


def test_relaxed_run_page_names_every_broken_bound(demo, viewer, client_for):
    run = services.run_analysis(viewer("lena.haas"), kind="packages", relax=True)
    text = client_for("lena.haas").get(f"/p/lake-varna/negotiation/analysis/{run.pk}/")
    text = text.content.decode()
    assert "With the acceptable ranges relaxed, as the runner asked, the Nash package is:" in text
    bound = "NVF’s upper bound on Time to elections: 18 months (this package: 24 months)"
    answer = text[text.index("The answer") : text.index("Bargaining solutions")]
    assert bound in answer
    assert '<th scope="col">Breaks</th>' in text  # the frontier's data table too
    broken = sum(1 for e in run.outputs["frontier"] if e["violations"])
    table = text[text.index('id="frontier-scatter-data"') : text.index('id="position-map"')]
    assert broken and table.count('<td data-label="Breaks">nothing</td>') == (
        len(run.outputs["frontier"]) - broken
    )
