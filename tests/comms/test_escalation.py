"""Escalation of unacknowledged FLASH / IMMEDIATE traffic with a controllable clock; briefings."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accord.comms import queries, services
from accord.comms.models import EscalationStep, Notification
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) + timedelta(days=1)  # after all demo traffic


def _escalations(msg):
    return sorted(
        (
            n.member.user.username,
            n.about.user.username if n.about else "",
        )
        for n in Notification.objects.filter(message=msg, kind="escalation").select_related(
            "member__user", "about__user"
        )
    )


@pytest.fixture
def flash(viewer, chan):
    """A FLASH in the Ardania channel at T0: recipients james.whitfield, ana.costa."""
    return services.post_message(
        viewer("col.marsh"),
        chan("Ardania delegation").pk,
        body="Contact report",
        precedence="FLASH",
        now=T0,
    ).message


def test_nothing_before_the_objective(flash):
    assert [
        s
        for s in services.escalate_due(T0 + timedelta(minutes=9, seconds=59))
        if s.message_id == flash.pk
    ] == []


def test_renotify_then_head_of_delegation_idempotent(flash, viewer):
    steps = [
        s for s in services.escalate_due(T0 + timedelta(minutes=10)) if s.message_id == flash.pk
    ]
    assert sorted((s.recipient.user.username, s.step) for s in steps) == [
        ("ana.costa", 1),
        ("james.whitfield", 1),
    ]
    assert _escalations(flash) == [("ana.costa", ""), ("james.whitfield", "")]
    entries = Entry.objects.filter(action="message.escalate").count()
    # running again at the same time changes nothing
    again = [
        s for s in services.escalate_due(T0 + timedelta(minutes=10)) if s.message_id == flash.pk
    ]
    assert again == []
    assert Entry.objects.filter(action="message.escalate").count() == entries
    # ana acknowledges; at 20 minutes only james's line escalates — and james is the head
    # of delegation himself, so step 2 for him notifies nobody (recorded, not repeated)
    services.acknowledge(viewer("ana.costa"), flash.pk)
    steps2 = [
        s for s in services.escalate_due(T0 + timedelta(minutes=20)) if s.message_id == flash.pk
    ]
    assert [(s.recipient.user.username, s.step, s.notified_id) for s in steps2] == [
        ("james.whitfield", 2, None)
    ]
    assert Entry.objects.filter(action="message.escalate").count() == entries + 1
    assert all(s.message_id != flash.pk for s in services.escalate_due(T0 + timedelta(minutes=45)))


def test_head_of_delegation_is_notified_about_the_silent_member(viewer, chan):
    msg = services.post_message(
        viewer("james.whitfield"),
        chan("Allies coordination").pk,
        body="Confirm positions",
        precedence="IMMEDIATE",
        now=T0,
    ).message
    assert [
        s for s in services.escalate_due(T0 + timedelta(minutes=29)) if s.message_id == msg.pk
    ] == []
    services.escalate_due(T0 + timedelta(minutes=61))  # both steps are due: taken in order
    heads = {(m, about) for m, about in _escalations(msg) if about}
    # erik.lund → ingrid.dahl (NOR head), sophie.martin → marc.dubois (BEL), ana/col.marsh →
    # james.whitfield is the sender: still their head of delegation
    assert heads == {
        ("ingrid.dahl", "erik.lund"),
        ("marc.dubois", "sophie.martin"),
        ("james.whitfield", "ana.costa"),
        ("james.whitfield", "col.marsh"),
    }
    assert EscalationStep.objects.filter(message=msg, step=2).count() == 6
    entry = Entry.objects.filter(action="message.escalate").order_by("-seq").first()
    assert entry.label_id == msg.label_id  # sealed like the message


def test_head_who_may_not_read_is_not_told(viewer, chan):
    """A SECRET // REL TO ARD // MILOPS FLASH: kate's head (james) lacks MILOPS → no leak."""
    from accord.core import queries as core_queries
    from accord.core import services as core_services

    user = core_services.create_user(username="kate.reed", password="a-long-demo-pass-1")
    core_services.add_member(
        None,
        viewer("amara.okafor").process,
        user=user,
        party=core_queries.party(viewer("amara.okafor"), "ARD"),
        clearance=3,
        caveats=["MILOPS"],
        roles=["negotiator"],
    )
    msg = services.post_message(
        viewer("col.marsh"),
        chan("Ardania delegation").pk,
        body="guns",
        precedence="FLASH",
        label={"level": 3, "rel_to": ["ARD"], "caveats": ["MILOPS"]},
        now=T0,
    ).message
    services.escalate_due(T0 + timedelta(minutes=25))
    assert _escalations(msg) == [("kate.reed", "")]
    step2 = EscalationStep.objects.get(message=msg, step=2)
    assert step2.notified is None


def test_per_process_objectives(viewer, flash):
    services.set_handling_objectives(viewer("amara.okafor"), flash_minutes=3, immediate_minutes=15)
    steps = [
        s for s in services.escalate_due(T0 + timedelta(minutes=3)) if s.message_id == flash.pk
    ]
    assert len(steps) == 2


def test_periodic_task_runs_escalation(flash, monkeypatch):
    from accord.comms import tasks

    seen = []
    monkeypatch.setattr(services, "escalate_due", lambda now=None: seen.append(now) or [1, 2])
    assert tasks.escalate_unacknowledged.call_local() == 2
    assert seen == [None]


def test_briefing_mail_contains_only_readable(viewer, chan, member, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()  # the demo's dispute and concern clocks have mailed the heads already
    services.post_message(
        viewer("james.whitfield"),
        chan("Ardania delegation").pk,
        body="ARD-only Nightjar plan",
        precedence="IMMEDIATE",
        label={"level": 2, "rel_to": ["ARD"]},
    )
    services.post_message(
        viewer("lena.haas"), chan("Plenary").pk, body="@erik.lund Kingfisher note"
    )
    assert services.send_briefing(member("erik.lund")) is True
    assert services.send_briefing(member("ana.costa")) is True
    erik_mail, ana_mail = mail.outbox
    assert "Nightjar" not in erik_mail.body and "Kingfisher" in erik_mail.body
    assert "Nightjar" in ana_mail.body
    assert erik_mail.subject.startswith("[") and "ana.costa" not in erik_mail.to
    assert ana_mail.body.splitlines()[0] == queries.briefing(
        viewer("ana.costa"), queries.default_since(timezone.now())
    ).label.display(member("ana.costa").process.level_names)
