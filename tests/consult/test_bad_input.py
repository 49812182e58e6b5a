"""Bad input gets a clear 4xx and changes nothing: no row, no ledger entry."""

import json

import pytest

from accord.consult import services
from accord.core.errors import Conflict, Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.negotiation import services as ns

pytestmark = pytest.mark.django_db

API = "/api/v1/processes/lake-varna"


def post(client, path, body, method="post"):
    return getattr(client, method)(
        f"{API}{path}", data=json.dumps(body), content_type="application/json"
    )


def test_service_refusals_change_nothing(priorities, forum, viewer, counts):
    lena, ana = viewer("lena.haas"), viewer("ana.costa")
    other = forum.statements.first()
    own = priorities.statements.first()
    before = counts()
    cases = [
        (Invalid, "needs a title", lambda: services.create_consultation(lena, title="  ")),
        (Forbidden, "do not let you", lambda: services.create_consultation(ana, title="Mine")),
        (
            Forbidden,
            "above your clearance",
            lambda: services.create_consultation(
                viewer("pavel.novak"), title="Secret", label=LabelValue.of(3)
            ),
        ),
        (
            Invalid,
            "distinct",
            lambda: services.create_consultation(lena, title="Dup", statements=["a b", "A  b"]),
        ),
        (Invalid, "at most 500", lambda: services.add_statement(ana, priorities, "x" * 501)),
        (Invalid, "needs a text", lambda: services.add_statement(ana, priorities, " \n ")),
        (Conflict, "already", lambda: services.add_statement(ana, priorities, own.text.upper())),
        (Invalid, "a vote is", lambda: services.vote(ana, priorities, own.pk, 2)),
        (NotFound, "statement", lambda: services.vote(ana, priorities, other.pk, 1)),
        (NotFound, "statement", lambda: services.vote(ana, priorities, 999999, 1)),
        (Conflict, "closed", lambda: services.vote(ana, forum, other.pk, 1)),
        (Conflict, "closed", lambda: services.close_consultation(lena, forum)),
        (Forbidden, "do not let you", lambda: services.close_consultation(ana, priorities)),
        (
            Invalid,
            "cannot be read",
            lambda: services.import_votes(lena, priorities, votes_csv="who,1,2\na,1,yes\n"),
        ),
        (
            Invalid,
            "distinct",
            lambda: services.import_votes(lena, priorities, votes_csv="participant,1\na,1\na,-1\n"),
        ),
        (
            Invalid,
            "comment-id",
            lambda: services.import_votes(
                lena, priorities, votes_csv="participant,1\na,1\n", comments_csv="id,text\n1,x\n"
            ),
        ),
        (
            Forbidden,
            "do not let you",
            lambda: services.import_votes(ana, priorities, votes_csv="participant,1\na,1\n"),
        ),
        (
            Conflict,
            "closed",
            lambda: services.import_votes(lena, forum, votes_csv="participant,1\na,1\n"),
        ),
    ]
    for exc, words, act in cases:
        with pytest.raises(exc, match=words):
            act()
        assert counts() == before, words


def test_opinion_run_refusals_say_what_is_needed(priorities, viewer, counts, labelled):
    lena = viewer("lena.haas")
    tiny = services.create_consultation(lena, title="Tiny", statements=["One", "Two"])
    for who in ("ana.costa", "viktor.kess"):
        services.vote(viewer(who), tiny, tiny.statements.first().pk, 1)
        services.vote(viewer(who), tiny, tiny.statements.last().pk, -1)
    single = services.create_consultation(lena, title="Single", statements=["Only one"])
    for who in ("ana.costa", "viktor.kess", "daria.vol"):
        services.vote(viewer(who), single, single.statements.first().pk, 1)
    before = counts()
    with pytest.raises(Invalid, match=r"at least 3 participants with 2 or more votes.*has 2"):
        ns.run_analysis(lena, kind="opinion_groups", consultation_id=tiny.pk)
    with pytest.raises(Invalid, match=r"votes on at least 2 statements.*has votes on 1"):
        ns.run_analysis(lena, kind="opinion_groups", consultation_id=single.pk)
    with pytest.raises(NotFound):
        ns.run_analysis(lena, kind="opinion_groups", consultation_id=999999)
    with pytest.raises(Invalid, match="need a consultation"):
        ns.run_analysis(lena, kind="opinion_groups")
    with pytest.raises(Invalid, match="min_votes"):
        ns.run_analysis(lena, kind="opinion_groups", consultation_id=priorities.pk, min_votes=0)
    with pytest.raises(Forbidden):
        ns.run_analysis(viewer("ana.costa"), kind="opinion_groups", consultation_id=priorities.pk)
    assert counts() == before


def test_api_errors_have_the_house_shape_and_change_nothing(priorities, forum, api_for, counts):
    lena, ana = api_for("lena.haas"), api_for("ana.costa")
    st = priorities.statements.first()
    before = counts()
    checks = [
        (post(lena, "/consultations", {"title": ""}), 422),
        (post(lena, "/consultations", {"title": "x", "label": {"level": "TOP"}}), 422),
        (post(ana, "/consultations", {"title": "x"}), 403),
        (post(ana, f"/consultations/{priorities.pk}/statements", {"text": "y" * 600}), 422),
        (
            post(
                ana, f"/consultations/{priorities.pk}/statements/{st.pk}/vote", {"value": 5}, "put"
            ),
            422,
        ),
        (post(ana, f"/consultations/{priorities.pk}/statements/{st.pk}/vote", {}, "put"), 422),
        (post(ana, f"/consultations/999999/statements/{st.pk}/vote", {"value": 1}, "put"), 404),
        (post(ana, f"/consultations/{forum.pk}/statements/{st.pk}/vote", {"value": 1}, "put"), 409),
        (post(lena, f"/consultations/{priorities.pk}/import", {"votes_csv": ""}), 422),
        (post(lena, f"/consultations/{forum.pk}/close", {}), 409),
        (post(lena, "/negotiation/analysis", {"kind": "opinion_groups"}), 422),
        (
            post(lena, "/negotiation/analysis", {"kind": "opinion_groups", "consultation": 999999}),
            404,
        ),
    ]
    for r, status in checks:
        assert r.status_code == status, r.content
        err = r.json()["error"]
        assert err["code"] and err["message"]
    assert counts() == before


def test_page_errors_show_the_message_and_change_nothing(priorities, client_for, counts):
    c = client_for("ana.costa")
    st = priorities.statements.first()
    before = counts()
    r = c.post(f"/p/lake-varna/consultations/{priorities.pk}/statements/", {"text": "z" * 501})
    assert r.status_code == 422 and b"at most 500 characters" in r.content
    r = c.post(
        f"/p/lake-varna/consultations/{priorities.pk}/statements/{st.pk}/vote/",
        {"value": "7"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 422 and b"A vote is agree" in r.content
    r = c.post("/p/lake-varna/consultations/", {"title": "Mine"})
    assert r.status_code == 403
    assert counts() == before
