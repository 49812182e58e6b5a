"""Polls (Loomio's types) to sound the room: counted by rules.py, answers checked by counting
them, one answer per member (changeable until the close), officers start and close them, bad
input refused with nothing written, and a caucus's polls invisible to other parties."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.core.errors import Conflict, Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.meetings import queries, services
from accord.meetings.models import PollVote

from .conftest import API, send

pytestmark = pytest.mark.django_db


def _poll(viewer, m, **kw):
    base = {
        "title": "Where should the next round be held?",
        "kind": "choose_one",
        "options": ["Varna", "Geneva", "Vienna"],
        "closes_at": timezone.now() + timedelta(days=1),
    }
    return services.create_poll(viewer("lena.haas"), m, **{**base, **kw})


def test_choose_one_counted_and_an_answer_can_change(make_meeting, viewer):
    m = make_meeting()
    p = _poll(viewer, m)
    services.answer_poll(viewer("ana.costa"), m, p.pk, "Geneva")
    services.answer_poll(viewer("ilya.brant"), m, p.pk, "Varna")
    services.answer_poll(viewer("ana.costa"), m, p.pk, "Varna")  # changed her mind
    assert PollVote.objects.filter(poll=p).count() == 2
    pv = queries.poll_view(viewer("lena.haas"), p)
    assert pv.voters == 2 and ("Varna", "2 (100 %)") in pv.rows
    assert "Varna" in pv.sentence


def test_ranked_choice_by_schulze_and_a_bad_ballot_refused(make_meeting, viewer, counts):
    m = make_meeting()
    p = _poll(viewer, m, kind="ranked", method="schulze")
    services.answer_poll(viewer("ana.costa"), m, p.pk, ["Vienna", "Varna"])
    services.answer_poll(viewer("ilya.brant"), m, p.pk, ["Vienna", "Geneva", "Varna"])
    before = counts()
    with pytest.raises(Invalid, match="not an option"):
        services.answer_poll(viewer("erik.lund"), m, p.pk, ["Paris"])
    assert counts() == before
    pv = queries.poll_view(viewer("ana.costa"), p)
    assert pv.rows[0] == ("Vienna", "1st place") and pv.mine == ["Vienna", "Varna"]


def test_proposal_score_dot_and_time_polls(make_meeting, viewer):
    m = make_meeting()
    prop = _poll(viewer, m, kind="proposal", options=[])
    services.answer_poll(viewer("ana.costa"), m, prop.pk, "agree")
    services.answer_poll(viewer("ilya.brant"), m, prop.pk, "block")
    pv = queries.poll_view(viewer("ana.costa"), prop)
    assert ("Agree", "1 (50 %)") in pv.rows and ("Block", "1 (50 %)") in pv.rows
    score = _poll(viewer, m, kind="score")
    services.answer_poll(viewer("ana.costa"), m, score.pk, {"Varna": 5, "Geneva": 2})
    services.answer_poll(viewer("ilya.brant"), m, score.pk, {"Varna": 4})
    assert queries.poll_view(viewer("ana.costa"), score).rows[0] == ("Varna", "mean 4.5 of 5")
    with pytest.raises(Invalid):
        services.answer_poll(viewer("erik.lund"), m, score.pk, {"Varna": 9})
    dots = _poll(viewer, m, kind="dot", budget=3)
    with pytest.raises(Invalid, match=r"^your answer spent 4 dots; the budget is 3$"):
        services.answer_poll(viewer("ana.costa"), m, dots.pk, {"Varna": 2, "Vienna": 2})
    with pytest.raises(Invalid, match=r"^your answer: 'maybe' is not a proposal answer"):
        services.answer_poll(viewer("erik.lund"), m, prop.pk, "maybe")
    services.answer_poll(viewer("ana.costa"), m, dots.pk, {"Varna": 2, "Vienna": 1})
    assert ("Varna", "2 dots") in queries.poll_view(viewer("ana.costa"), dots).rows
    when = _poll(viewer, m, kind="time", options=["Tue 10:00", "Wed 15:00"])
    services.answer_poll(viewer("ana.costa"), m, when.pk, {"Tue 10:00": 2, "Wed 15:00": 1})
    assert queries.poll_view(viewer("ana.costa"), when).rows[0] == (
        "Tue 10:00",
        "1 yes, 0 if need be, 0 no",
    )


def test_who_starts_answers_and_closes(make_meeting, viewer):
    m = make_meeting(parties=["ARD", "KES", "MED"])
    with pytest.raises(Forbidden):
        _poll(viewer, m) if False else services.create_poll(
            viewer("ana.costa"),
            m,
            title="x",
            kind="consent",
            closes_at=timezone.now() + timedelta(days=1),
        )
    p = _poll(viewer, m, kind="consent", options=[])
    with pytest.raises(Forbidden):  # NOR is not invited
        services.answer_poll(viewer("erik.lund"), m, p.pk, "consent")
    services.answer_poll(viewer("ilya.brant"), m, p.pk, "objection")
    with pytest.raises(Forbidden):
        services.close_poll(viewer("ana.costa"), m, p.pk)
    services.close_poll(viewer("pavel.novak"), m, p.pk)  # the rapporteur
    with pytest.raises(Conflict, match="closed"):
        services.answer_poll(viewer("ana.costa"), m, p.pk, "consent")
    assert "Not consented" in queries.poll_view(viewer("ana.costa"), p).sentence


def test_bad_polls_are_refused_and_nothing_is_written(make_meeting, viewer, counts):
    m = make_meeting()
    before = counts()
    soon = timezone.now() + timedelta(days=1)
    for kw, words in (
        ({"kind": "lottery"}, "a poll is one of"),
        ({"options": ["One"]}, "2 to 20 options"),
        ({"options": ["A", "A"]}, "listed twice"),
        ({"kind": "proposal"}, "has no options"),
        ({"closes_at": timezone.now() - timedelta(hours=1)}, "in the past"),
        ({"closes_at": timezone.now() + timedelta(days=90)}, "at most 60 days"),
        ({"kind": "ranked", "method": "borda"}, "instant-runoff or schulze"),
        ({"title": ""}, "a poll needs a title"),
        ({"closes_at": None}, "closing time"),
    ):
        with pytest.raises(Invalid, match=words):
            _poll(viewer, m, **{"closes_at": soon, **kw})
    assert counts() == before


def test_a_caucus_poll_is_invisible_to_other_parties(make_meeting, viewer, api_for, client_for):
    caucus = make_meeting(
        kind="caucus", label=LabelValue.of(1, ["KES", "MED"]), parties=["KES", "MED"]
    )
    p = _poll(viewer, caucus, title="Width of the zone: 20 or 30 km?", options=["20", "30"])
    url = f"/p/lake-varna/meetings/{caucus.pk}/polls/{p.pk}/"
    r = client_for("viktor.kess").get(url)
    assert r.status_code == 200 and "Width of the zone" in r.content.decode()
    assert client_for("ana.costa").get(url).status_code == 404
    assert (
        client_for("ana.costa").get(f"/p/lake-varna/meetings/{caucus.pk}/polls/").status_code == 404
    )
    r = api_for("ana.costa").get(f"{API}/meetings/{caucus.pk}/polls/{p.pk}")
    assert r.status_code == 404 and "Width" not in r.content.decode()
    with pytest.raises(NotFound):
        services.answer_poll(viewer("ana.costa"), caucus, p.pk, "20")


def test_poll_pages_and_rest(make_meeting, viewer, client_for, api_for):
    m = make_meeting()
    lena = client_for("lena.haas")
    r = lena.post(
        f"/p/lake-varna/meetings/{m.pk}/polls/",
        {
            "title": "Next venue?",
            "kind": "ranked",
            "options": "Varna\nGeneva\nVienna",
            "method": "instant-runoff",
            "closes_at": (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    page = r["Location"]
    ana = client_for("ana.costa")
    r = ana.post(page, {"action": "answer", "o0": "2", "o1": "", "o2": "1"})
    assert r.status_code == 302
    html = ana.get(page).content.decode()
    assert "Ranked choice" in html and "Change your answer" in html and 'value="2"' in html
    assert "{'" not in html and "None" not in html
    r = ana.post(page, {"action": "answer", "o0": "x"})
    assert r.status_code == 422 and "must be a number" in r.content.decode()
    r = lena.post(f"/p/lake-varna/meetings/{m.pk}/polls/", {"title": "", "kind": "consent"})
    assert r.status_code == 422, r.status_code
    assert "A poll needs a title." in r.content.decode()
    kes = api_for("ilya.brant")
    pid = int(page.rstrip("/").rsplit("/", 1)[1])
    r = send(kes, "put", f"/meetings/{m.pk}/polls/{pid}/answer", {"answer": ["Vienna"]})
    assert r.status_code == 200 and r.json()["answers"] == 2 and r.json()["my_answer"] == ["Vienna"]
    r = send(kes, "put", f"/meetings/{m.pk}/polls/{pid}/answer", {"answer": "Vienna"})
    assert r.status_code in (400, 422)
