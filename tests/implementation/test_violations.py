"""The CTSAMVM violation-report workflow: each step by someone allowed to take it, in order
(out of order: 409), the report's structure, places as GeoJSON, verified ≠ published."""

import json

import pytest

from accord.core.errors import Conflict, Forbidden, Invalid
from accord.implementation import queries, services
from accord.implementation.models import Violation, ViolationStep
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db

API = "/api/v1/processes/lake-varna"
REPORT = {
    "background": "b",
    "aim": "a",
    "methodology": "m",
    "findings": "f",
    "recommendations": "r",
    "happened": "yes",
    "ordered": "no",
    "conclusion": "violation",
    "violating_party": "NVF",
    "article": "Article 2.1",
}


def test_demo_report_went_through_every_step(varna, viewer):
    v = Violation.objects.get(agreement=varna, title="Shelling near the Dren checkpoint")
    assert v.step == "board" and v.verified and v.approved_for_publication
    assert [s.step for s in v.steps.all()] == [
        "allegation",
        "tasked",
        "visited",
        "investigated",
        "reported",
        "committee",
        "board",
    ]
    assert (v.conclusion, v.violating_party) == ("violation", "KES")
    actions = set(
        Entry.objects.filter(
            subject_id=str(v.pk), action__startswith="implementation.violation"
        ).values_list("action", flat=True)
    )
    assert (
        "implementation.violation_board" in actions
        and "implementation.violation_publication" in actions
    )


def test_steps_in_order_by_those_allowed(varna, viewer, counts):
    daria, lena, tomas, amara = (
        viewer(u) for u in ("daria.vol", "lena.haas", "tomas.ruiz", "amara.okafor")
    )
    v = services.allege(
        tomas,
        varna,
        title="Fire at the bridge",
        allegation="Shots heard.",
        source="mission",
        alleged_party="NVF",
        place={"type": "Point", "coordinates": [27.4, 44.0]},
    )
    before = counts()
    with pytest.raises(Conflict, match="next step is preliminary investigation"):
        services.advance(tomas, v, "visited")
    with pytest.raises(Forbidden, match="run meetings"):
        services.advance(tomas, v, "tasked")  # only the chair tasks
    with pytest.raises(Forbidden):
        services.advance(daria, v, "tasked")
    assert counts() == before
    services.advance(lena, v, "tasked")
    with pytest.raises(Forbidden, match="file reports"):
        services.advance(lena, v, "visited")  # the mission's teams visit
    services.advance(tomas, v, "visited")
    services.advance(tomas, v, "investigated")
    with pytest.raises(Invalid, match="names the party"):
        services.advance(tomas, v, "reported", report={**REPORT, "violating_party": ""})
    with pytest.raises(Invalid, match="assessment"):
        services.advance(tomas, v, "reported", report={**REPORT, "happened": "perhaps"})
    with pytest.raises(Invalid, match="findings"):
        services.advance(tomas, v, "reported", report={**REPORT, "findings": ""})
    services.advance(
        tomas,
        v,
        "reported",
        report={**REPORT, "conclusion": "not_attributed", "violating_party": ""},
    )
    assert Violation.objects.get(pk=v.pk).conclusion == "not_attributed"
    services.advance(lena, v, "committee")
    with pytest.raises(Forbidden, match="manage the process"):
        services.advance(lena, v, "board")
    services.advance(amara, v, "board")
    with pytest.raises(Conflict, match="complete"):
        services.advance(amara, v, "board")
    v.refresh_from_db()
    assert v.verified and not v.approved_for_publication  # verified is not published


def test_bad_allegations_write_nothing(varna, viewer, counts):
    tomas = viewer("tomas.ruiz")
    before = counts()
    bad = [
        (dict(source="rumour"), "source"),
        (dict(source="party", alleged_party="XYZ"), "not in this process"),
        (dict(source="party", place={"type": "Point", "coordinates": [200, 44]}), "within range"),
        (dict(source="party", place={"type": "Line", "coordinates": []}), "GeoJSON"),
        (dict(source="party", occurred_on="yesterday"), "date"),
    ]
    for kwargs, match in bad:
        with pytest.raises(Invalid, match=match):
            services.allege(tomas, varna, title="x", allegation="y", **kwargs)
    assert counts() == before


def test_api_and_pages(varna, api_for, client_for):
    daria = api_for("daria.vol")
    r = daria.post(
        f"{API}/violations",
        data=json.dumps(
            {
                "agreement_id": varna.pk,
                "title": "Drone over Varna",
                "allegation": "A drone crossed the line.",
                "source": "party",
                "alleged_party": "KES",
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    vid = r.json()["id"]
    r = daria.post(
        f"{API}/violations/{vid}/steps",
        data=json.dumps({"step": "board"}),
        content_type="application/json",
    )
    assert r.status_code == 409 and "next step" in r.json()["error"]["message"]
    assert ViolationStep.objects.filter(violation_id=vid).count() == 1
    lena = api_for("lena.haas")
    r = lena.post(
        f"{API}/violations/{vid}/steps",
        data=json.dumps({"step": "tasked", "note": "Team West"}),
        content_type="application/json",
    )
    assert (
        r.status_code == 201
        and r.json()["step_words"] == "preliminary investigation tasked by the chair"
    )
    assert [x["title"] for x in api_for("ana.costa").get(f"{API}/violations").json()["items"]][
        :1
    ] == ["Drone over Varna"]
    # pages: the monitor sees the form for the next step; daria does not
    page = (
        client_for("tomas.ruiz")
        .get(f"/p/lake-varna/implementation/violations/{vid}/")
        .content.decode()
    )
    assert (
        "Next step: team site visit and interviews" in page
        and 'name="step" value="visited"' in page
    )
    page = (
        client_for("daria.vol")
        .get(f"/p/lake-varna/implementation/violations/{vid}/")
        .content.decode()
    )
    assert 'name="step"' not in page
    r = client_for("daria.vol").post(
        f"/p/lake-varna/implementation/violations/{vid}/", {"step": "visited"}
    )
    assert r.status_code == 403 and "file reports" in r.content.decode()
    assert queries.violation(viewer_of_amara(varna), vid).step == "tasked"


def viewer_of_amara(varna):
    from accord.core.access import viewer_of
    from accord.core.models import Member

    return viewer_of(Member.objects.get(process=varna.process, user__username="amara.okafor"))
