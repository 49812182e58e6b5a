"""Who sees a consultation: the label decides, through core.access, on every path — list,
detail, statements, tallies, votes, opinion-group runs and their charts. Unreadable is 404,
answered exactly like a consultation that does not exist."""

import json

import pytest

from accord.consult import queries, services
from accord.core.errors import NotFound
from accord.core.labels import LabelValue
from accord.negotiation import queries as nq
from accord.negotiation import services as ns

pytestmark = pytest.mark.django_db

API = "/api/v1/processes/lake-varna"

CASES = [
    # (why the outsider may not read, label, outsider, a reader)
    ("member of another party", LabelValue.of(1, ["MED"]), "sophie.martin", "pavel.novak"),
    ("lower clearance", LabelValue.of(3), "pavel.novak", "james.whitfield"),
    ("missing caveat", LabelValue.of(1, None, ["MEDIATION"]), "sophie.martin", "pavel.novak"),
]


@pytest.mark.parametrize(("why", "label", "outsider", "reader"), CASES, ids=[c[0] for c in CASES])
def test_outsider_sees_nothing_reader_sees_all(
    why, label, outsider, reader, labelled, viewer, api_for, client_for, counts
):
    c = labelled(label)
    statement = c.statements.first()
    run = ns.run_analysis(viewer("amara.okafor"), kind="opinion_groups", consultation_id=c.pk)
    assert run.label.value == label  # derived from the consultation's label only

    # the reader: every path answers (so the outsider's empty answers mean something)
    rv = viewer(reader)
    assert queries.consultations(rv).filter(pk=c.pk).exists()
    assert len(queries.tallies(rv, c)) == c.statements.count()
    assert nq.analysis_runs(rv).filter(pk=run.pk).exists()
    ra = api_for(reader)
    assert ra.get(f"{API}/consultations/{c.pk}").status_code == 200
    assert ra.get(f"{API}/negotiation/analysis/{run.pk}/charts").status_code == 200
    assert client_for(reader).get(f"/p/lake-varna/consultations/{c.pk}/").status_code == 200

    # the outsider: nothing, and 404 exactly as for an id that does not exist
    ov = viewer(outsider)
    assert not queries.consultations(ov).filter(pk=c.pk).exists()
    with pytest.raises(NotFound):
        queries.consultation(ov, c.pk)
    with pytest.raises(NotFound):
        queries.tallies(ov, c)
    with pytest.raises(NotFound):
        queries.my_votes(ov, c)
    with pytest.raises(NotFound):
        queries.vote_matrix(ov, c)
    oa = api_for(outsider)
    listing = oa.get(f"{API}/consultations").json()
    assert c.pk not in [x["id"] for x in listing["items"]]
    missing = oa.get(f"{API}/consultations/999999")
    for path in ("", "/statements"):
        r = oa.get(f"{API}/consultations/{c.pk}{path}")
        assert r.status_code == 404
        assert r.json() == missing.json()
    before = counts()
    r = oa.put(
        f"{API}/consultations/{c.pk}/statements/{statement.pk}/vote",
        data=json.dumps({"value": 1}),
        content_type="application/json",
    )
    assert r.status_code == 404
    r = oa.post(
        f"{API}/consultations/{c.pk}/statements",
        data=json.dumps({"text": "Let me in."}),
        content_type="application/json",
    )
    assert r.status_code == 404
    with pytest.raises(NotFound):
        services.vote(ov, c, statement.pk, 1)
    with pytest.raises(NotFound):
        ns.run_analysis(ov, kind="opinion_groups", consultation_id=c.pk)
    assert counts() == before
    assert not nq.analysis_runs(ov).filter(pk=run.pk).exists()
    assert oa.get(f"{API}/negotiation/analysis/{run.pk}").status_code == 404
    assert oa.get(f"{API}/negotiation/analysis/{run.pk}/charts").status_code == 404
    oc = client_for(outsider)
    assert oc.get(f"/p/lake-varna/consultations/{c.pk}/").status_code == 404
    assert oc.get(f"/p/lake-varna/negotiation/analysis/{run.pk}/").status_code == 404
    page = oc.get("/p/lake-varna/consultations/")
    assert page.status_code == 200 and c.title.encode() not in page.content


def test_observer_below_restricted_sees_no_member_consultation(priorities, forum, viewer, api_for):
    mei = viewer("mei.tanaka")  # UNCLASSIFIED clearance
    visible = set(queries.consultations(mei).values_list("pk", flat=True))
    assert priorities.pk not in visible
    assert forum.pk in visible  # the UNCLASSIFIED forum is hers to read
    r = api_for("mei.tanaka").get(f"{API}/consultations")
    assert [x["id"] for x in r.json()["items"]] == [forum.pk]


def test_non_member_gets_404(priorities, client):
    from django.contrib.auth import get_user_model

    outsider = get_user_model().objects.create_user("outsider", password="x-long-password-1")
    client.force_login(outsider)
    r = client.get(f"{API}/consultations/{priorities.pk}")
    assert r.status_code in (401, 404)
    assert client.get(f"/p/lake-varna/consultations/{priorities.pk}/").status_code in (302, 404)
