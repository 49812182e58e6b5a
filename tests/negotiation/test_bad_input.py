"""Bad input gets a clear 4xx and changes nothing: row counts and ledger entries before/after."""

from __future__ import annotations

import pytest

from accord.negotiation import queries, services
from accord.negotiation.models import Position

pytestmark = pytest.mark.django_db
BASE = "/api/v1/processes/lake-varna/negotiation"


@pytest.fixture
def refused(snapshot):
    """refused(response, status, words) → asserts the error and that nothing was written."""
    before = {}

    def start():
        before.update(snapshot())

    def check(resp, status: int, words: str):
        assert resp.status_code == status, resp.content
        body = resp.json()["error"]
        assert words in body["message"], body
        assert snapshot() == before

    check.start = start
    return check


def _text(api, doc):
    return api.get(f"{BASE}/documents/{doc.pk}").json()


def test_stance_without_authority(doc, api_for, refused, clause_no):
    c = clause_no("1.2").pk
    cases = [
        ("erik.lund", 403, "do not let you record stances on the text"),  # communications officer
        (
            "lena.haas",
            403,
            "do not let you record stances on the text",
        ),  # mediator: holds the pen, no stance
        ("tomas.ruiz", 403, "do not let you record stances on the text"),  # monitor
        ("mei.tanaka", 404, "document not found"),  # cannot even read the RESTRICTED text
    ]
    for user, status, words in cases:
        refused.start()
        r = api_for(user).post(
            f"{BASE}/documents/{doc.pk}/clauses/{c}/stances",
            {"stance": "accept", "version": 1},
            content_type="application/json",
        )
        refused(r, status, words)


def test_stance_from_a_party_not_required(doc, api_for, refused, clause_no, viewer):
    from accord.core import services as core

    # make the VMM chief a negotiator: he may record stances, but VMM is not a required party
    core.assign_role(viewer("amara.okafor"), viewer("tomas.ruiz").member, "negotiator")
    refused.start()
    r = api_for("tomas.ruiz").post(
        f"{BASE}/documents/{doc.pk}/clauses/{clause_no('1.2').pk}/stances",
        {"stance": "accept", "version": 1},
        content_type="application/json",
    )
    refused(r, 403, "VMM is not among the parties this text requires")


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"stance": "maybe", "version": 1}, 422, "stance must be one of"),
        ({"stance": "accept", "version": 7}, 409, "the current version is 1"),
        ({"stance": "accept"}, 422, "version"),
    ],
)
def test_bad_stances(doc, api_for, refused, clause_no, body, status, words):
    refused.start()
    r = api_for("viktor.kess").post(
        f"{BASE}/documents/{doc.pk}/clauses/{clause_no('1.2').pk}/stances",
        body,
        content_type="application/json",
    )
    refused(r, status, words)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Forces withdraw [10 km / 20 km", "never closed"),
        ("Forces withdraw 10 km] now", "closing bracket without an opening"),
        ("Forces withdraw [10 [km] / 20 km]", "cannot be nested"),
        ("Forces withdraw [10 km / ]", "empty alternative"),
        ("Forces withdraw [10 km {ZZZ} / 5 km]", "unknown party"),
    ],
)
def test_malformed_brackets_everywhere(doc, api_for, refused, clause_no, text, words):
    lena, daria = api_for("lena.haas"), api_for("daria.vol")
    c = clause_no("2.1").pk
    art = _text(lena, doc)["articles"][1]["id"]
    attempts = [
        (lena.put, f"clauses/{c}", {"text": text, "base_version": 1}),
        (lena.post, "clauses", {"article_id": art, "text": text, "base_version": 1}),
        (
            daria.post,
            "amendments",
            {"kind": "replace", "clause_id": c, "text": text, "base_version": 1},
        ),
    ]
    for method, path, body in attempts:
        refused.start()
        r = method(f"{BASE}/documents/{doc.pk}/{path}", body, content_type="application/json")
        refused(r, 422, words)
    refused.start()
    r = lena.post(
        f"{BASE}/documents",
        {"title": "Bad", "articles": [{"heading": "A", "clauses": [text]}]},
        content_type="application/json",
    )
    refused(r, 422, words)


def test_releasing_a_position_one_does_not_own(demo, api_for, refused, viewer):
    kes = Position.objects.get(party__code="KES", issue__title__startswith="Time")
    cases = [
        ("james.whitfield", 404, "position not found"),  # cannot read it at all
        ("daria.vol", 404, "position not found"),
        ("lena.haas", 403, "release positions"),  # reads it (mediation) but no release right
        ("ilya.brant", 404, "position not found"),  # own party, below its level
    ]
    for user, status, words in cases:
        refused.start()
        r = api_for(user).post(
            f"{BASE}/positions/{kes.pk}/releases",
            {"to": ["ARD"], "scope": "full"},
            content_type="application/json",
        )
        refused(r, status, words)
    # even a head of delegation who may read it on another path cannot release it
    from accord.core import services as core

    core.assign_role(viewer("amara.okafor"), viewer("pavel.novak").member, "head_of_delegation")
    refused.start()
    r = api_for("pavel.novak").post(
        f"{BASE}/positions/{kes.pk}/releases", {"to": ["ARD"]}, content_type="application/json"
    )
    refused(r, 403, "only the party that holds a position may release it")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"to": ["XYZ"]}, "unknown parties: XYZ"),
        ({"to": ["KES"]}, "other than your own"),
        ({"to": ["ARD"], "scope": "everything"}, "scope must be one of"),
    ],
)
def test_bad_releases(demo, api_for, refused, body, words):
    kes = Position.objects.get(party__code="KES", issue__title__startswith="Time")
    refused.start()
    r = api_for("viktor.kess").post(
        f"{BASE}/positions/{kes.pk}/releases", body, content_type="application/json"
    )
    refused(r, 422, words)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"preferred_value": 31}, "outside the issue's range 0–30 km"),
        ({"preferred_value": 12.5}, "on a step of 1"),
        ({"acceptable_min": 20, "acceptable_max": 10}, "reversed"),
        ({"preferred_value": 25, "acceptable_min": 5, "acceptable_max": 10}, "must lie in"),
        ({"preferred_option": "vmm-alone-1"}, "discrete issues only"),
        ({"salience": 101}, "salience"),
        ({"level": 3}, "above your clearance"),
        ({"caveats": ["MEDIATION"]}, "do not hold the caveat"),
    ],
)
def test_bad_positions(demo, api_for, refused, issue, body, words):
    refused.start()
    r = api_for("viktor.kess").post(
        f"{BASE}/positions",
        {"issue_id": issue("Withdrawal").pk, **body},
        content_type="application/json",
    )
    assert r.status_code in (403, 422)
    refused(r, r.status_code, words)


def test_half_a_range_is_refused(demo, api_for, refused, issue):
    refused.start()  # NOR has no position on withdrawal yet, so nothing fills the other end
    r = api_for("ingrid.dahl").post(
        f"{BASE}/positions",
        {"issue_id": issue("Withdrawal").pk, "acceptable_min": 5},
        content_type="application/json",
    )
    refused(r, 422, "both ends")


def test_stating_positions_needs_the_right(demo, api_for, refused, issue):
    for user in ("lena.haas", "erik.lund", "mei.tanaka"):
        refused.start()
        r = api_for(user).post(
            f"{BASE}/positions",
            {"issue_id": issue("Withdrawal").pk, "preferred_value": 10},
            content_type="application/json",
        )
        refused(r, 403, "state positions")


def test_amending_a_signed_version_and_signing_an_unagreed_one(
    doc, api_for, refused, viewer, clause_no
):
    refused.start()
    r = api_for("viktor.kess").post(
        f"{BASE}/documents/{doc.pk}/sign", {"version": 1}, content_type="application/json"
    )
    refused(r, 409, "not fully agreed")
    refused.start()
    r = api_for("ana.costa").post(  # negotiator: no signing authority
        f"{BASE}/documents/{doc.pk}/sign", {"version": 1}, content_type="application/json"
    )
    refused(r, 403, "sign the text")
    # a small agreed and signed text
    lena = viewer("lena.haas")
    small = services.create_document(
        lena, title="Letter", required_parties=["KES"], articles=[("A", ["Calm."])]
    )
    cl = queries.clause(small, queries.text(lena, small).articles[0].clauses[0].clause_id)
    services.record_stance(viewer("viktor.kess"), small, cl, stance="accept", version=1)
    services.sign_version(viewer("viktor.kess"), small, version=1)
    for api, method, path, body in [
        (api_for("lena.haas"), "put", f"clauses/{cl.pk}", {"text": "Storm.", "base_version": 1}),
        (
            api_for("viktor.kess"),
            "post",
            "amendments",
            {"kind": "replace", "clause_id": cl.pk, "text": "Storm.", "base_version": 1},
        ),
        (
            api_for("viktor.kess"),
            "post",
            f"clauses/{cl.pk}/stances",
            {"stance": "reject", "version": 1},
        ),
    ]:
        refused.start()
        r = getattr(api, method)(
            f"{BASE}/documents/{small.pk}/{path}", body, content_type="application/json"
        )
        refused(r, 409, "signed")


def test_concurrent_edit_via_api_409_carries_current_version(doc, api_for, refused, clause_no):
    lena, amara = api_for("lena.haas"), api_for("amara.okafor")
    url = f"{BASE}/documents/{doc.pk}/clauses/{clause_no('1.1').pk}"
    ok = lena.put(
        url, {"text": "Hostilities cease.", "base_version": 1}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["version"] == 2
    refused.start()
    r = amara.put(url, {"text": "War ends.", "base_version": 1}, content_type="application/json")
    refused(r, 409, "changed since version 1")
    assert r.json()["error"]["fields"] == {
        "current_version": "2",
        "current_text": "Hostilities cease.",
    }


def test_resolving_needs_the_pen_and_a_real_bracket(doc, api_for, refused, clause_no):
    url = f"{BASE}/documents/{doc.pk}/clauses/{clause_no('2.1').pk}/brackets"
    refused.start()
    r = api_for("viktor.kess").post(
        f"{url}/1/resolve", {"choice": 0, "base_version": 1}, content_type="application/json"
    )
    refused(r, 403, "hold the pen")
    refused.start()
    r = api_for("lena.haas").post(
        f"{url}/1/resolve", {"choice": 5, "base_version": 1}, content_type="application/json"
    )
    refused(r, 422, "choose 0..2")
    refused.start()
    r = api_for("lena.haas").post(
        f"{url}/9/resolve", {"choice": 0, "base_version": 1}, content_type="application/json"
    )
    refused(r, 422, "no open bracket 9")
