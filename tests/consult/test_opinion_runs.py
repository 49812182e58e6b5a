"""Opinion groups as workspace runs: the planted groups of the synthetic forum are recovered,
consensus is what everyone agrees with, the run carries the consultation's label, and it shows
as a map."""

import json

import pytest

from accord.consult import services
from accord.consult.demo import FORUM_CONSENSUS, FORUM_GROUPS, forum_csv, forum_statements
from accord.core.labels import LabelValue
from accord.ledger.models import Entry
from accord.negotiation import queries as nq
from accord.negotiation import services as ns

pytestmark = pytest.mark.django_db


def planted_group(row: list, columns: list[str], stmt_group: dict[str, str]) -> str:
    """The planted group of an anonymous row: the group whose every statement it agrees with."""
    own = {
        g
        for g in FORUM_GROUPS
        if all(row[j] == 1 for j, sid in enumerate(columns) if stmt_group.get(sid) == g)
    }
    assert len(own) == 1
    return own.pop()


@pytest.mark.parametrize("seed", [7, 23])
def test_three_planted_groups_are_recovered(seed, viewer):
    lena = viewer("lena.haas")
    c = services.create_consultation(lena, title=f"Forum {seed}")
    votes, comments, planted = forum_csv(seed=seed)
    services.import_votes(lena, c, votes_csv=votes, comments_csv=comments)
    run = ns.run_analysis(lena, kind="opinion_groups", consultation_id=c.pk, seed=seed)
    out, inputs = run.outputs, run.inputs
    assert out["k"] == 3
    text_group = {t: g for _, t, g in forum_statements()}
    columns = [s["text"] for s in inputs["statements"]]
    row_of = dict(zip(inputs["participants"], inputs["votes"], strict=True))
    # each recovered group is exactly one planted group, and all of it
    recovered = []
    for g in out["groups"]:
        kinds = {planted_group(row_of[p], columns, text_group) for p in g["members"]}
        assert len(kinds) == 1, kinds
        recovered.append(kinds.pop())
        assert (
            g["size"] == len(g["members"]) == sum(1 for x in planted.values() if x == recovered[-1])
        )
        # what sets the group apart is what it agrees with
        agreed = {r["text"] for r in g["representative"] if r["direction"] == "agree"}
        assert agreed == set(FORUM_GROUPS[recovered[-1]])
    assert sorted(recovered) == sorted(FORUM_GROUPS)
    # consensus: the statements everyone agrees with, and nothing else
    assert {r["text"] for r in out["consensus"]} == set(FORUM_CONSENSUS)
    assert {r["direction"] for r in out["consensus"]} == {"agree"}
    by_gac = sorted(out["statements"], key=lambda s: -s["group_aware_consensus"])
    assert {s["text"] for s in by_gac[:3]} == set(FORUM_CONSENSUS)
    # deterministic for a seed
    again = ns.run_analysis(lena, kind="opinion_groups", consultation_id=c.pk, seed=seed)
    assert again.outputs == out


def test_the_demo_forum_gives_three_groups_of_twenty(forum, viewer):
    run = ns.run_analysis(viewer("pavel.novak"), kind="opinion_groups", consultation_id=forum.pk)
    assert run.label.value == LabelValue.of(0) == forum.label.value
    assert [g["size"] for g in run.outputs["groups"]] == [20, 20, 20]
    assert run.outputs["counts"] == {"participants": 60, "clustered": 60, "statements": 15}


def test_run_label_is_derived_from_the_consultation(labelled, viewer):
    label = LabelValue.of(2, ["MED", "ARD"], ["MEDIATION"])
    c = labelled(label)
    run = ns.run_analysis(viewer("amara.okafor"), kind="opinion_groups", consultation_id=c.pk)
    assert run.label.value == label
    assert nq.analysis_runs(viewer("lena.haas")).filter(pk=run.pk).exists()
    assert not nq.analysis_runs(viewer("james.whitfield")).filter(pk=run.pk).exists()
    entry = Entry.objects.get(action="analysis.run", subject_id=str(run.pk))
    assert entry.label_data == label.as_dict()
    # released by the pen holder (a ledgered act): MEDIATION lifted, level and REL TO kept/chosen
    ns.release_run(viewer("lena.haas"), run, rel_to=["ARD"])
    run.refresh_from_db()
    assert run.label.value == LabelValue.of(2, ["MED", "ARD"])
    assert nq.analysis_runs(viewer("james.whitfield")).filter(pk=run.pk).exists()
    assert not nq.analysis_runs(viewer("ingrid.dahl")).filter(pk=run.pk).exists()


def test_api_chart_and_page(priorities, api_for, client_for):
    c = api_for("pavel.novak")
    r = c.post(
        "/api/v1/processes/lake-varna/negotiation/analysis",
        data=json.dumps({"kind": "opinion_groups", "consultation": priorities.pk, "min_votes": 5}),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["params"] == {"consultation": priorities.pk, "min_votes": 5, "seed": 0}
    assert body["label"]["display"] == "RESTRICTED"
    charts = c.get(f"/api/v1/processes/lake-varna/negotiation/analysis/{body['id']}/charts").json()
    assert [s["title"] for s in charts] == ["Opinion groups"]
    placed = [p for p in body["outputs"]["participants"] if p["x"] is not None]
    assert len(charts[0]["data"]["values"]) == len(placed) == body["outputs"]["counts"]["clustered"]
    page = client_for("pavel.novak").get(f"/p/lake-varna/negotiation/analysis/{body['id']}/")
    assert page.status_code == 200 and b"<svg" in page.content
    assert b"Group-aware consensus" in page.content
