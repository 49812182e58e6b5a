"""Reminders before and after deadlines: to the members of the parties that must act who may
read the commitment, once per deadline, again when the deadline moves."""

from datetime import timedelta

import pytest

from accord.implementation import queries, services
from accord.implementation.models import Reminder
from accord.implementation.tasks import deadline_reminders
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db


def test_reminders_before_and_after(varna, viewer):
    sent = services.send_reminders(before_days=14)
    assert sent > 0
    assert services.send_reminders(before_days=14) == 0  # once per member, kind and deadline
    overdue = [c for c, s in queries.commitments(viewer("amara.okafor"), state="overdue")]
    released = next(c for c in overdue if c.label.value.rel_to)  # detainee release: REL TO
    to = set(
        Reminder.objects.filter(commitment=released).values_list(
            "member__user__username", flat=True
        )
    )
    assert {"viktor.kess", "daria.vol"} <= to
    assert not any(u in to for u in ("ana.costa", "lena.haas", "tomas.ruiz"))
    # due in 12 days: the review by a body reminds the verification body (MED) before it
    slipping = next(c for c, s in queries.commitments(viewer("amara.okafor"), state="slipping"))
    assert set(Reminder.objects.filter(commitment=slipping).values_list("kind", flat=True)) == {
        "before"
    }
    # reported or verified commitments are not reminded
    done = [
        c
        for c, s in queries.commitments(viewer("amara.okafor"))
        if s.key in ("reported", "verified")
    ]
    assert not Reminder.objects.filter(commitment__in=done).exists()
    assert Entry.objects.filter(action="implementation.remind").count() > 0
    # the member sees their own reminders on the commitments page
    mine = queries.my_reminders(viewer("daria.vol"))
    assert mine and all(r.member.user.username == "daria.vol" for r in mine)
    # moving the anchor moves the deadline: a new reminder for the new deadline
    toa = varna.anchors.get(key="entry_into_force")
    services.set_anchor_date(
        viewer("amara.okafor"), varna, toa.key, toa.occurred_on + timedelta(days=3)
    )
    assert services.send_reminders() > 0
    assert deadline_reminders.call_local() == 0
