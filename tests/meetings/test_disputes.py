"""Disputes with clocks and the concerns register: the ladder climbed by the clock (once per
expired step, never twice), extensions only by consensus of the disputing parties, who may do
what, confidential submissions, bad input refused with nothing written, concerns escalated past
their objective and made disputes with their history, engagement computed from what the reader
may read, and the REST interface."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accord.core.errors import Conflict, Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.ledger.models import Entry
from accord.meetings import queries, services
from accord.meetings.models import Concern, Dispute, DisputeStep

from .conftest import API, send

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0)


def _moved(now) -> set[int]:
    """Ids of the disputes the clock job escalated (the demo has its own dispute)."""
    return {x.pk for x in services.run_dispute_clocks(now)}


def _dispute(viewer, **kw) -> Dispute:
    base = {
        "title": "Withdrawal timetable breached",
        "text": "Kestria has not withdrawn from sector 4 by the agreed date.",
        "against": "KES",
        "now": T0,
    }
    return services.raise_dispute(viewer("james.whitfield"), **{**base, **kw})


def test_the_clock_climbs_the_jcpoa_ladder_one_step_per_expired_clock(viewer):
    d = _dispute(viewer)
    assert d.step == 0 and d.step_name() == "Joint commission"
    assert d.step_deadline == T0 + timedelta(days=15)
    assert d.pk not in _moved(T0 + timedelta(days=14, hours=23))
    assert d.pk in _moved(T0 + timedelta(days=15, seconds=1))
    d.refresh_from_db()
    assert d.step == 1 and d.step_name() == "Ministers of foreign affairs"
    # the next step's clock starts when the previous one ran out, not when the job ran
    assert d.step_deadline == T0 + timedelta(days=30)
    assert d.pk not in _moved(T0 + timedelta(days=15, seconds=2))  # once only
    # a job that was down for 25 days climbs every expired step, each from its own deadline
    services.run_dispute_clocks(T0 + timedelta(days=55))
    d.refresh_from_db()
    assert d.step == 3 and d.status == Dispute.Status.REFERRED and d.step_deadline is None
    steps = list(d.steps.values_list("index", "ended_how", "deadline"))
    assert steps == [
        (0, "clock", T0 + timedelta(days=15)),
        (1, "clock", T0 + timedelta(days=30)),
        (2, "clock", T0 + timedelta(days=35)),
        (3, "", None),
    ]
    actions = list(
        Entry.objects.filter(action="meetings.dispute.escalate", subject_id=str(d.pk)).values_list(
            "actor_name", flat=True
        )
    )
    assert actions == ["dispute clock"] * 3
    assert d.pk not in _moved(T0 + timedelta(days=400))  # the last step waits


def test_an_extension_needs_every_disputing_party(viewer):
    d = _dispute(viewer)
    ext = services.propose_extension(
        viewer("james.whitfield"), d, days=10, reason="Site visit", now=T0 + timedelta(days=1)
    )
    d.refresh_from_db()
    assert ext.agreed == ["ARD"] and d.step_deadline == T0 + timedelta(days=15)  # not yet
    with pytest.raises(Forbidden):  # a negotiator does not speak for the party here
        services.agree_extension(viewer("ilya.brant"), d, ext.pk, now=T0 + timedelta(days=2))
    with pytest.raises(Conflict):  # ARD has agreed already
        services.agree_extension(viewer("james.whitfield"), d, ext.pk, now=T0 + timedelta(days=2))
    services.agree_extension(viewer("viktor.kess"), d, ext.pk, now=T0 + timedelta(days=2))
    d.refresh_from_db()
    assert d.step_deadline == T0 + timedelta(days=25)
    assert d.steps.get(index=0).extended_days == 10
    assert d.pk not in _moved(T0 + timedelta(days=20))
    assert d.pk in _moved(T0 + timedelta(days=25, seconds=1))


def test_an_extension_after_the_clock_ran_out_is_refused(viewer):
    d = _dispute(viewer)
    with pytest.raises(Conflict, match="run out"):
        services.propose_extension(
            viewer("james.whitfield"), d, days=5, now=T0 + timedelta(days=16)
        )
    with pytest.raises(Invalid, match="1 to 90 days"):
        services.propose_extension(viewer("james.whitfield"), d, days=0, now=T0)


def test_who_may_raise_refer_resolve_and_withdraw(viewer):
    with pytest.raises(Forbidden):
        _dispute(viewer, now=None) if False else services.raise_dispute(
            viewer("ana.costa"), title="x", text="y", against="KES"
        )
    d = _dispute(viewer)
    with pytest.raises(Forbidden):  # a third party's head of delegation
        services.refer_up(viewer("ingrid.dahl"), d)
    services.refer_up(viewer("viktor.kess"), d, now=T0 + timedelta(days=3))
    d.refresh_from_db()
    assert d.step == 1 and d.steps.get(index=0).ended_how == DisputeStep.End.PARTY
    with pytest.raises(Forbidden):
        services.resolve_dispute(viewer("james.whitfield"), d, resolution="Settled")
    with pytest.raises(Forbidden):
        services.withdraw_dispute(viewer("viktor.kess"), d)
    services.resolve_dispute(viewer("lena.haas"), d, resolution="Withdrawal completed by 1 May")
    d.refresh_from_db()
    assert d.status == Dispute.Status.RESOLVED and d.step_deadline is None
    with pytest.raises(Conflict):
        services.submit(viewer("james.whitfield"), d, kind="statement", text="More")
    assert d.pk not in _moved(T0 + timedelta(days=400))


def test_bad_disputes_are_refused_and_nothing_is_written(viewer, counts):
    before = counts()
    v = viewer("james.whitfield")
    cases = [
        ({"against": "ARD"}, Invalid, "against itself"),
        ({"against": "ZZZ"}, Invalid, "party of this process"),
        ({"against": None}, Invalid, "name the party disputed"),
        ({"title": "  "}, Invalid, "title"),
        ({"label": LabelValue.of(1, ["ARD", "NOR"])}, Invalid, "add KES to REL TO"),
        ({"subject_kind": "comms.message", "subject_id": 1}, Invalid, "clause, a decision"),
        ({"subject_kind": "negotiation.clause", "subject_id": 999999}, NotFound, "not found"),
    ]
    for extra, exc, words in cases:
        with pytest.raises(exc, match=words):
            services.raise_dispute(
                v, **{"title": "t", "text": "x", "against": "KES", "now": T0, **extra}
            )
    assert counts() == before


def test_a_confidential_submission_stays_with_the_disputing_parties_and_mediators(viewer):
    d = _dispute(viewer)
    services.submit(viewer("james.whitfield"), d, kind="statement", text="Our statement")
    services.submit(
        viewer("viktor.kess"), d, kind="response", text="Only for you", confidential=True
    )
    for who, n in (("ana.costa", 2), ("lena.haas", 2), ("viktor.kess", 2), ("ingrid.dahl", 1)):
        texts = [
            s.text for s in queries.submissions(viewer(who), queries.dispute(viewer(who), d.pk))
        ]
        assert len(texts) == n, who
    with pytest.raises(Conflict, match="advisory"):
        services.submit(viewer("lena.haas"), d, kind="opinion", text="Opinion")
    with pytest.raises(Forbidden):
        services.submit(viewer("ingrid.dahl"), d, kind="statement", text="Not a party")


def test_an_advisory_opinion_at_the_ministerial_step(viewer):
    d = _dispute(viewer)
    services.run_dispute_clocks(T0 + timedelta(days=16))
    d.refresh_from_db()
    with pytest.raises(Forbidden):
        services.submit(viewer("viktor.kess"), d, kind="opinion", text="Ours")
    sub = services.submit(viewer("lena.haas"), d, kind="opinion", text="Non-binding opinion")
    assert sub.step == 1


def test_a_dispute_releasable_to_its_parties_is_invisible_to_others(viewer):
    d = _dispute(viewer, label=LabelValue.of(1, ["ARD", "KES", "MED"]))
    assert queries.dispute(viewer("viktor.kess"), d.pk) == d
    for who in ("ingrid.dahl", "mei.tanaka"):
        with pytest.raises(NotFound):
            queries.dispute(viewer(who), d.pk)
        assert d.pk not in set(queries.disputes(viewer(who)).values_list("pk", flat=True))


def test_the_ladder_is_set_per_process_and_running_disputes_keep_theirs(viewer, counts):
    running = _dispute(viewer)
    before = counts()
    for bad, words in (
        ([{"name": "Only", "days": 0}], "2 to 8 steps"),
        ([{"name": "A", "days": 5}, {"name": "B", "days": 5}], "no clock"),
        ([{"name": "A", "days": 0}, {"name": "B", "days": 0}], "1 to 365 days"),
    ):
        with pytest.raises(Invalid, match=words):
            services.set_procedures(viewer("amara.okafor"), ladder=bad)
    with pytest.raises(Forbidden):
        services.set_procedures(viewer("lena.haas"), ladder=[])
    assert counts() == before
    services.set_procedures(
        viewer("amara.okafor"),
        ladder=[{"name": "Ceasefire commission", "days": 7}, {"name": "Guarantors", "days": 0}],
    )
    d = _dispute(viewer)
    assert d.step_deadline == T0 + timedelta(days=7)
    running.refresh_from_db()
    assert len(running.ladder) == 4


# --- concerns --------------------------------------------------------------------------------
def _concern(viewer, who="ana.costa", **kw) -> Concern:
    base = {
        "title": "Checkpoint closures",
        "text": "Checkpoints on the northern road were closed without notice.",
        "about": "incident",
        "addressed_to": "KES",
        "severity": "high",
        "now": T0,
    }
    return services.raise_concern(viewer(who), **{**base, **kw})


def test_a_concern_gets_its_deadlines_from_the_objectives_and_is_answered(viewer):
    c = _concern(viewer)
    assert c.acknowledge_by == T0 + timedelta(hours=24)
    assert c.respond_by == T0 + timedelta(hours=48)
    with pytest.raises(Forbidden):  # not the party addressed
        services.acknowledge_concern(viewer("ingrid.dahl"), c)
    services.acknowledge_concern(viewer("ilya.brant"), c, now=T0 + timedelta(hours=2))
    services.respond_concern(
        viewer("viktor.kess"), c, response="Reopened at 06:00.", now=T0 + timedelta(hours=30)
    )
    c.refresh_from_db()
    assert c.status == Concern.Status.RESPONDED and c.overdue(T0 + timedelta(days=9)) == ""
    with pytest.raises(Forbidden):
        services.close_concern(viewer("viktor.kess"), c)
    services.close_concern(viewer("james.whitfield"), c)
    c.refresh_from_db()
    assert c.status == Concern.Status.CLOSED


def test_an_overdue_concern_escalates_to_the_heads_once(viewer):
    c = _concern(viewer, severity="medium")
    late = T0 + timedelta(hours=49)  # past the 48 h acknowledgement objective
    assert c.overdue(late) == "acknowledgement"
    assert c.pk not in {x.pk for x in services.run_concern_clocks(T0 + timedelta(hours=47))}
    mail.outbox.clear()
    assert c.pk in {x.pk for x in services.run_concern_clocks(late)}
    to = sorted(addr for m in mail.outbox for addr in m.to)
    heads = sorted(
        mem.user.email
        for mem in (viewer("viktor.kess").member, viewer("james.whitfield").member)
        if mem.user.email
    )
    assert to and set(heads) <= set(to)
    assert all("Concern overdue" in m.subject for m in mail.outbox)
    assert c.pk not in {x.pk for x in services.run_concern_clocks(late + timedelta(days=3))}
    c.refresh_from_db()
    assert c.escalated_at == late


def test_the_overdue_query_and_the_overdue_rule_agree(viewer):
    """The register's filter (a query) and each row's tag (a method) are one rule: over concerns
    in every status, at times before and after each objective, they select the same concerns."""
    open_ = _concern(viewer, title="Open")
    acked = _concern(viewer, title="Acknowledged")
    services.acknowledge_concern(viewer("ilya.brant"), acked, now=T0 + timedelta(hours=1))
    answered = _concern(viewer, title="Answered")
    services.respond_concern(viewer("ilya.brant"), answered, response="Done.", now=T0)
    mine = Concern.objects.filter(pk__in=[open_.pk, acked.pk, answered.pk])
    for hours in (1, 25, 49, 24 * 9):
        now = T0 + timedelta(hours=hours)
        by_rule = {c.pk for c in mine if c.overdue(now)}
        assert set(mine.filter(Concern.overdue_q(now)).values_list("pk", flat=True)) == by_rule
    assert {c.pk for c in mine if c.overdue(T0 + timedelta(hours=49))} == {open_.pk, acked.pk}


def test_a_concern_becomes_a_dispute_with_its_history(viewer):
    c = _concern(viewer)
    services.respond_concern(viewer("ilya.brant"), c, response="We disagree.")
    with pytest.raises(Forbidden):  # a negotiator does not raise disputes
        services.concern_to_dispute(viewer("ana.costa"), c)
    d = services.concern_to_dispute(viewer("james.whitfield"), c)
    c.refresh_from_db()
    assert c.status == Concern.Status.DISPUTE and c.dispute_id == d.pk
    assert d.raising_party.code == "ARD" and d.against_party.code == "KES"
    assert d.label_id == c.label_id and "We disagree." in d.text
    with pytest.raises(Conflict):
        services.concern_to_dispute(viewer("james.whitfield"), c)


def test_bad_concerns_are_refused_and_nothing_is_written(viewer, counts):
    before = counts()
    for extra, words in (
        ({"severity": "urgent"}, "high, medium or low"),
        ({"about": "weather"}, "a concern is about"),
        ({"addressed_to": "XX"}, "party of this process"),
        ({"text": ""}, "text"),
        ({"label": LabelValue.of(1, ["ARD"])}, "add KES to REL TO"),
    ):
        with pytest.raises(Invalid, match=words):
            _concern(viewer, **extra)
    with pytest.raises(Forbidden):  # an observer may not post
        _concern(viewer, who="mei.tanaka")
    assert counts() == before


def test_engagement_counts_only_what_the_reader_may_read(viewer):
    Concern.objects.all().delete()  # the demo's concerns aside: these two only
    c1 = _concern(viewer)
    services.acknowledge_concern(viewer("ilya.brant"), c1, now=T0 + timedelta(hours=4))
    services.respond_concern(
        viewer("ilya.brant"), c1, response="Done", now=T0 + timedelta(hours=10)
    )
    secret = LabelValue.of(1, ["KES", "NOR"])
    _concern(viewer, who="erik.lund", label=secret)
    rows, label = queries.engagement(viewer("ana.costa"), now=T0 + timedelta(days=30))
    kes = next(r for r in rows if r.party.code == "KES")
    assert kes.concerns == 1 and kes.median_ack_hours == 4 and kes.median_response_hours == 10
    assert label.rel_to is None
    rows, label = queries.engagement(viewer("viktor.kess"), now=T0 + timedelta(days=30))
    kes = next(r for r in rows if r.party.code == "KES")
    assert kes.concerns == 2 and kes.open == 1 and kes.overdue == 1
    # derived from everything it was computed from: no party outside KES and NOR may read it
    assert "KES" in label.rel_to and label.rel_to <= {"KES", "NOR"}


def test_rest_disputes_and_concerns(api_for, viewer):
    kes = api_for("viktor.kess")
    ard = api_for("james.whitfield")
    r = send(ard, "post", "/disputes", {"title": "Sector 4", "text": "Breach", "against": "KES"})
    assert r.status_code == 201, r.content
    did = r.json()["id"]
    assert r.json()["step_name"] == "Joint commission"
    r = send(kes, "post", f"/disputes/{did}/submissions", {"kind": "response", "text": "No"})
    assert r.status_code == 201 and r.json()["submissions"][0]["party"] == "KES"
    r = send(kes, "post", f"/disputes/{did}/extensions", {"days": 3})
    ext = r.json()["extensions"][0]
    assert ext["awaiting"] == ["ARD"] and ext["status"] == "pending"
    r = send(ard, "post", f"/disputes/{did}/extensions/{ext['id']}/agree")
    assert r.json()["extensions"][0]["status"] == "agreed"
    r = send(
        api_for("ana.costa"), "post", "/disputes", {"title": "t", "text": "x", "against": "KES"}
    )
    assert r.status_code == 403 and "raise disputes" in r.json()["error"]["message"]
    r = send(
        api_for("ana.costa"),
        "post",
        "/concerns",
        {
            "title": "Late list",
            "text": "The prisoner list is late.",
            "about": "delay",
            "addressed_to": "KES",
            "severity": "low",
        },
    )
    assert r.status_code == 201 and r.json()["status_words"] == "Awaiting acknowledgement"
    cid = r.json()["id"]
    r = send(kes, "post", f"/concerns/{cid}/respond", {"response": "Sent today."})
    assert r.json()["status"] == "responded"
    r = kes.get(f"{API}/concerns?status=closed")
    assert cid in [x["id"] for x in r.json()["items"]]
    r = kes.get(f"{API}/engagement")
    assert {p["party"] for p in r.json()["parties"]} >= {"ARD", "KES"}
    r = send(
        api_for("ana.costa"),
        "post",
        "/concerns",
        {
            "title": "x",
            "text": "y",
            "about": "delay",
            "addressed_to": "KES",
            "severity": "dire",
        },
    )
    assert r.status_code in (400, 422) and "high, medium or low" in r.content.decode()
