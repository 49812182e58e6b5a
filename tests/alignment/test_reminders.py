"""Conflict notices repeated until the owner acknowledges (10 min FLASH, hourly otherwise),
stopped by the acknowledgement or by cancelling the action; on a controlled clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accord.alignment import services
from accord.alignment.models import Touch
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db

BRIDGE = {"type": "LineString", "coordinates": [[28.79, 45.15], [28.80, 45.23]]}
M = timedelta(minutes=1)


def _plan(viewer, soon, hours, title):
    return services.create_action(
        viewer("col.marsh"), title=title, kind="patrol", geometry=BRIDGE, buffer_m=100,
        start=soon(hours), end=soon(hours + 3),
    )  # fmt: skip


def _reminders(a) -> list[Entry]:
    return list(
        Entry.objects.filter(action="alignment.conflict.reminder", subject_id=str(a.pk)).order_by(
            "seq"
        )
    )


def test_flash_every_ten_minutes_until_acknowledged(viewer, soon, zos):
    a = _plan(viewer, soon, 6, "Soon patrol")
    t = Touch.objects.get(action=a, constraint=zos)
    t0 = t.detected_at
    assert t.conflict and t.flash
    assert not [x for x in services.remind_due(t0 + 9 * M) if x.action_id == a.pk]
    assert [x.constraint_id for x in services.remind_due(t0 + 10 * M) if x.action_id == a.pk] == [
        zos.pk
    ]
    # not again before ten more minutes
    assert not [x for x in services.remind_due(t0 + 19 * M) if x.action_id == a.pk]
    services.remind_due(t0 + 20 * M)
    entries = [e for e in _reminders(a) if e.payload["constraint"] == zos.pk]
    assert [e.payload["reminder"] for e in entries] == [1, 2]
    assert {e.payload["precedence"] for e in entries} == {"FLASH"}
    # labelled as the conflict: the action's SECRET // REL TO ARD with the public zone's
    assert {e.label_id for e in entries} == {t.label_id}
    # acknowledged: no more reminders of that zone
    services.acknowledge(viewer("col.marsh"), zos, zos.version)
    services.remind_due(t0 + 40 * M)
    services.remind_due(t0 + 120 * M)
    assert len([e for e in _reminders(a) if e.payload["constraint"] == zos.pk]) == 2


def test_routine_hourly_and_cancel_stops(viewer, soon, zos):
    a = _plan(viewer, soon, 72, "Later patrol")
    t = Touch.objects.get(action=a, constraint=zos)
    t0 = t.detected_at
    assert not t.flash
    assert not [x for x in services.remind_due(t0 + 30 * M) if x.action_id == a.pk]
    assert [x for x in services.remind_due(t0 + 60 * M) if x.action_id == a.pk]
    assert not [x for x in services.remind_due(t0 + 100 * M) if x.action_id == a.pk]
    assert [x for x in services.remind_due(t0 + 121 * M) if x.action_id == a.pk]
    assert {e.payload["precedence"] for e in _reminders(a)} == {"ROUTINE"}
    n = len(_reminders(a))
    services.set_state(viewer("col.marsh"), a, "cancelled")
    assert not [x for x in services.remind_due(t0 + 600 * M) if x.action_id == a.pk]
    assert len(_reminders(a)) == n


def test_a_routine_reminder_turns_flash_when_the_start_comes_within_24_hours(viewer, soon, zos):
    a = _plan(viewer, soon, 30, "Tomorrow patrol")
    t0 = Touch.objects.get(action=a, constraint=zos).detected_at
    services.remind_due(t0 + 60 * M)  # 29 h ahead: routine
    services.remind_due(t0 + 7 * 60 * M)  # 23 h ahead: FLASH
    services.remind_due(t0 + 7 * 60 * M + 10 * M)  # and again ten minutes later
    got = [e.payload["precedence"] for e in _reminders(a) if e.payload["constraint"] == zos.pk]
    assert got == ["ROUTINE", "FLASH", "FLASH"]


def test_the_periodic_task_is_registered():
    from accord.alignment import tasks

    assert callable(tasks.remind_unacknowledged_conflicts)
