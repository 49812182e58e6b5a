"""Decisions under an explicit rule: who may vote (authority, proxies), bad input (4xx, nothing
written), the verdict computed by rules.py with its arithmetic, secret votes, and a caucus's
decisions invisible to other parties."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.core.errors import Conflict, Forbidden, Invalid
from accord.core.labels import LabelValue
from accord.meetings import queries, services
from accord.meetings.models import Decision, DecisionVote

from .conftest import API, send

pytestmark = pytest.mark.django_db

ALL = ["MED", "ARD", "NOR", "BEL", "KES", "NVF"]


def _propose(viewer, m, **kw):
    base = {
        "title": "Adopt the agenda",
        "text": "The agenda is adopted.",
        "rule": "majority",
        "eligible": ALL,
    }
    return services.propose(viewer("lena.haas"), m, **{**base, **kw})


def test_majority_with_quorum_and_proxy(make_meeting, viewer, member):
    m = make_meeting(starts_in=-1)
    pavel = viewer("pavel.novak")
    for u in ("lena.haas", "james.whitfield", "ingrid.dahl", "viktor.kess"):
        services.record_attendance(pavel, m, member_id=member(u).pk, status="present")
    services.record_attendance(
        pavel,
        m,
        member_id=member("marc.dubois").pk,
        status="proxy",
        proxy_id=member("ingrid.dahl").pk,
    )
    d = _propose(viewer, m, threshold="2/3", quorum=4)
    services.cast_vote(viewer("james.whitfield"), m, d.pk, choice="agree")
    services.cast_vote(viewer("ingrid.dahl"), m, d.pk, choice="agree")
    services.cast_vote(viewer("ingrid.dahl"), m, d.pk, choice="agree", party="BEL")  # proxy
    services.cast_vote(viewer("viktor.kess"), m, d.pk, choice="disagree")
    v = queries.verdict(viewer("ana.costa"), d)
    assert v["outcome"] == "pending" and "closed now: Adopted" in v["arithmetic"], v["arithmetic"]
    assert "3" in v["arithmetic"] and "quorum" in v["arithmetic"].lower()
    assert {x["party"]: x["choice"] for x in v["votes"]} == {
        "ARD": "agree",
        "NOR": "agree",
        "BEL": "agree",
        "KES": "disagree",
    }
    assert [x["by_proxy"] for x in v["votes"] if x["party"] == "BEL"] == [True]
    d = services.close_decision(pavel, m, d.pk)
    assert (
        d.status == "closed" and d.outcome == "adopted" and v["arithmetic"].endswith(d.arithmetic)
    )
    with pytest.raises(Conflict, match="closed"):
        services.cast_vote(viewer("daria.vol"), m, d.pk, choice="agree")


def test_bad_input_changes_nothing(make_meeting, viewer, member, counts):
    m = make_meeting(starts_in=-1)
    d = _propose(viewer, m)
    now = timezone.now()
    before = counts()
    cases = [
        (
            Forbidden,
            "head of delegation or a negotiator",
            lambda: services.cast_vote(viewer("erik.lund"), m, d.pk, choice="agree"),
        ),
        (
            Forbidden,
            "proxy",
            lambda: services.cast_vote(viewer("ana.costa"), m, d.pk, choice="agree", party="NOR"),
        ),
        (
            Forbidden,
            "not eligible",
            lambda: services.cast_vote(viewer("omar.said"), m, d.pk, choice="agree"),
        ),
        (
            Invalid,
            "answer",
            lambda: services.cast_vote(viewer("ana.costa"), m, d.pk, choice="maybe"),
        ),
        (
            Invalid,
            "already past",
            lambda: _propose(viewer, m, rule="silence", closes_at=now - timedelta(hours=1)),
        ),
        (Invalid, "quorum", lambda: _propose(viewer, m, quorum=7)),
        (Invalid, "needs a deadline", lambda: _propose(viewer, m, rule="silence")),
        (Invalid, "unknown decision rule", lambda: _propose(viewer, m, rule="lottery")),
        (Invalid, "threshold", lambda: _propose(viewer, m, threshold="3/2")),
        (Invalid, "eligible", lambda: _propose(viewer, m, eligible=[])),
        (
            Forbidden,
            "do not let you",
            lambda: services.propose(
                viewer("ana.costa"), m, title="x", text="y", rule="consensus", eligible=ALL
            ),
        ),
        (
            Forbidden,
            "chair or the rapporteur",
            lambda: services.close_decision(viewer("ana.costa"), m, d.pk),
        ),
    ]
    for exc, words, call in cases:
        with pytest.raises(exc) as err:
            call()
        assert words in err.value.message, (words, err.value.message)
    assert counts() == before


def test_vote_after_the_close_is_refused(make_meeting, viewer):
    m = make_meeting(starts_in=-1)
    d = _propose(viewer, m, closes_at=timezone.now() + timedelta(minutes=5))
    Decision.objects.filter(pk=d.pk)  # the clock moves instead of the row:
    later = timezone.now() + timedelta(minutes=6)
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=later):
        with pytest.raises(Conflict, match="deadline has passed"):
            services.cast_vote(viewer("ana.costa"), m, d.pk, choice="agree")
    assert not DecisionVote.objects.filter(decision=d).exists()


def test_silence_broken_and_secret_vote(make_meeting, viewer, api_for):
    m = make_meeting(starts_in=-1)
    d = _propose(
        viewer, m, rule="silence", closes_at=timezone.now() + timedelta(days=1), secret=True
    )
    with pytest.raises(Invalid):
        services.cast_vote(viewer("viktor.kess"), m, d.pk, choice="object")  # no written text
    services.cast_vote(
        viewer("viktor.kess"), m, d.pk, choice="object", text="Kestria cannot accept paragraph 2."
    )
    r = api_for("ana.costa").get(f"{API}/meetings/{m.pk}/decisions/{d.pk}")
    body = r.json()
    assert body["outcome"] == "silence_broken" and body["outcome_words"] == "Silence broken"
    assert body["votes"] == [{"party": "KES", "choice": None, "by_proxy": False}]
    assert "paragraph 2" not in r.content.decode()


def test_caucus_decision_invisible(make_meeting, viewer, api_for, client_for):
    m = make_meeting(
        label=LabelValue.of(1, ["KES", "MED"]),
        kind="caucus",
        rapporteur="lena.haas",
        parties=["KES", "MED"],
    )
    with pytest.raises(Invalid, match="may not read this meeting"):
        _propose(viewer, m, eligible=["KES", "NVF"])
    d = _propose(viewer, m, eligible=["KES", "MED"], rule="consensus", title="Zone of 20 km")
    assert api_for("daria.vol").get(f"{API}/meetings/{m.pk}/decisions/{d.pk}").status_code == 404
    assert api_for("daria.vol").get(f"{API}/meetings/{m.pk}/decisions").status_code == 404
    page = client_for("daria.vol").get(f"/p/lake-varna/meetings/{m.pk}/decisions/{d.pk}/")
    assert page.status_code == 404
    assert api_for("viktor.kess").get(f"{API}/meetings/{m.pk}/decisions/{d.pk}").status_code == 200


def test_pages_and_api(make_meeting, viewer, client_for, api_for, member):
    m = make_meeting(starts_in=-1)
    lena = client_for("lena.haas")
    r = lena.post(
        f"/p/lake-varna/meetings/{m.pk}/decisions/",
        {
            "title": "Corridors",
            "text": "Open the corridors.",
            "rule": "consensus",
            "eligible": ["ARD", "KES"],
        },
    )
    assert r.status_code == 302
    d = Decision.objects.get(meeting=m, title="Corridors")
    ana = client_for("ana.costa")
    page = ana.get(r["Location"])
    assert page.status_code == 200 and "Cast your party" in page.content.decode()
    r = ana.post(r["Location"], {"action": "vote", "choice": "agree"})
    assert r.status_code == 302
    r = client_for("erik.lund").post(
        f"/p/lake-varna/meetings/{m.pk}/decisions/{d.pk}/", {"action": "vote", "choice": "agree"}
    )
    assert r.status_code == 403 and "head of delegation or a negotiator" in r.content.decode()
    r = lena.post(
        f"/p/lake-varna/meetings/{m.pk}/decisions/",
        {"title": "Bad", "text": "x", "rule": "majority", "eligible": ["ARD"], "quorum": "5"},
    )
    assert r.status_code == 422 and "quorum" in r.content.decode()
    r = send(
        api_for("lena.haas"),
        "post",
        f"/meetings/{m.pk}/decisions",
        {"title": "W", "text": "Weighted", "rule": "majority", "eligible": {"ARD": 2, "KES": 1}},
    )
    assert r.status_code == 201, r.content
    did = r.json()["id"]
    r = send(
        api_for("viktor.kess"), "put", f"/meetings/{m.pk}/decisions/{did}/vote", {"choice": "agree"}
    )
    assert r.status_code == 200 and r.json()["outcome"] in ("pending", "adopted")
    page = client_for("viktor.kess").get(f"/p/lake-varna/meetings/{m.pk}/")
    assert "Corridors" in page.content.decode()


def test_clocks_silence_and_ad_referendum(make_meeting, viewer, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core import mail

    from accord.meetings import tasks
    from accord.meetings.models import DecisionNotice

    m = make_meeting(starts_in=-1)
    now = timezone.now()
    sil = _propose(
        viewer, m, rule="silence", closes_at=now + timedelta(hours=2), title="Silence text"
    )
    adr = _propose(
        viewer,
        m,
        rule="ad_referendum",
        closes_at=now + timedelta(days=1),
        eligible=["ARD", "KES"],
        title="Referendum text",
    )
    mine = {sil.pk, adr.pk}

    def ours(steps):
        return [(n.decision_id, n.step) for n in steps if n.decision_id in mine]

    assert ours(services.run_decision_clocks(now)) == []
    services.cast_vote(viewer("ana.costa"), m, adr.pk, choice="confirm")
    # after the capitals' deadline: reminder to KES's head, then (2 days) a notice to the chair
    late = now + timedelta(days=1, minutes=1)
    steps = services.run_decision_clocks(late)
    got = set(ours(steps))
    assert (sil.pk, "outcome") in got and (adr.pk, "reminder") in got
    sil.refresh_from_db()
    assert sil.status == "closed" and sil.outcome == "adopted"
    assert any("Referendum text" in e.subject and "viktor" in e.to[0] for e in mail.outbox)
    assert ours(services.run_decision_clocks(late)) == []  # each step once
    steps = services.run_decision_clocks(now + timedelta(days=3, minutes=2))
    assert ours(steps) == [(adr.pk, "chair_notice")]
    services.cast_vote(viewer("viktor.kess"), m, adr.pk, choice="decline")
    steps = services.run_decision_clocks(now + timedelta(days=3, minutes=3))
    assert ours(steps) == [(adr.pk, "outcome")]
    adr.refresh_from_db()
    assert adr.outcome == "lapsed" and "Lapsed" in adr.arithmetic
    assert DecisionNotice.objects.filter(decision__meeting=m).count() == 4
    assert isinstance(tasks.run_decision_clocks.call_local(), int)
