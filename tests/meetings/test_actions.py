"""Action items: recorded by the officers with one owner and a due date; their owner (member
or party) changes the status; reminders before and after the due date, once each, from the
huey job with a controllable clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from accord.core.errors import Forbidden, Invalid
from accord.meetings import services, tasks
from accord.meetings.models import ActionItem, ActionReminder

from .conftest import API, send

pytestmark = pytest.mark.django_db


def _at(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 9, 0, tzinfo=UTC)


def test_add_and_status(make_meeting, viewer, member, counts):
    m = make_meeting(starts_in=-1, parties=["ARD", "NOR"])
    pavel, ana, ingrid = viewer("pavel.novak"), viewer("ana.costa"), viewer("ingrid.dahl")
    today = timezone.now().date()
    a = services.add_action(pavel, m, text="Send the map", due_date=today, owner_party="ARD")
    b = services.add_action(
        pavel, m, text="Check the list", due_date=today, owner_member_id=member("erik.lund").pk
    )
    before = counts()
    for exc, words, call in [
        (
            Invalid,
            "in the past",
            lambda: services.add_action(
                pavel, m, text="x", due_date=today - timedelta(days=1), owner_party="ARD"
            ),
        ),
        (Invalid, "one owner", lambda: services.add_action(pavel, m, text="x", due_date=today)),
        (
            Invalid,
            "one owner",
            lambda: services.add_action(
                pavel, m, text="x", due_date=today, owner_party="ARD", owner_member_id=ana.member.pk
            ),
        ),
        (
            Invalid,
            "needs a text",
            lambda: services.add_action(pavel, m, text=" ", due_date=today, owner_party="ARD"),
        ),
        (
            Invalid,
            "unknown parties",
            lambda: services.add_action(pavel, m, text="x", due_date=today, owner_party="ZZZ"),
        ),
        (
            Forbidden,
            "chair or the rapporteur",
            lambda: services.add_action(ana, m, text="x", due_date=today, owner_party="ARD"),
        ),
        (
            Forbidden,
            "owner of this action",
            lambda: services.set_action_status(ingrid, m, a.pk, "done"),
        ),
        (
            Invalid,
            "open, done or dropped",
            lambda: services.set_action_status(ana, m, a.pk, "finished"),
        ),
    ]:
        with pytest.raises(exc) as err:
            call()
        assert words in err.value.message
    assert counts() == before
    assert services.set_action_status(ana, m, a.pk, "done").status == "done"  # ARD member
    assert services.set_action_status(viewer("erik.lund"), m, b.pk, "dropped").closed_at
    assert services.set_action_status(pavel, m, b.pk, "open").closed_at is None


def test_caucus_party_outside_label_cannot_own(make_meeting, viewer):
    from accord.core.labels import LabelValue

    m = make_meeting(
        label=LabelValue.of(1, ["KES", "MED"]),
        kind="caucus",
        rapporteur="lena.haas",
        parties=["KES", "MED"],
    )
    with pytest.raises(Invalid, match="may not read this meeting"):
        services.add_action(
            viewer("lena.haas"), m, text="x", due_date=timezone.now().date(), owner_party="NVF"
        )


def test_reminders_before_and_after_once(make_meeting, viewer, member, settings, mailoutbox=None):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core import mail

    m = make_meeting(starts_in=-1)
    pavel = viewer("pavel.novak")
    today = timezone.now().date()
    due = today + timedelta(days=5)
    a = services.add_action(
        pavel, m, text="Draft the annex", due_date=due, owner_member_id=member("ana.costa").pk
    )
    p = services.add_action(pavel, m, text="Party task", due_date=due, owner_party="NOR")
    assert [r for r in services.send_reminders(_at(today)) if r.action_id in (a.pk, p.pk)] == []
    sent = services.send_reminders(_at(due - timedelta(days=2)))
    mine = [
        (r.action_id, r.member.user.username, r.kind) for r in sent if r.action_id in (a.pk, p.pk)
    ]
    assert (a.pk, "ana.costa", "before") in mine
    assert {u for i, u, _ in mine if i == p.pk} == {"ingrid.dahl", "erik.lund"}
    assert any("Draft the annex" in e.body and "due soon" in e.subject for e in mail.outbox)
    again = services.send_reminders(_at(due - timedelta(days=1)))
    assert [r for r in again if r.action_id in (a.pk, p.pk)] == []
    late = services.send_reminders(_at(due + timedelta(days=1)))
    assert {(r.action_id, r.kind) for r in late if r.action_id == a.pk} == {(a.pk, "after")}
    services.set_action_status(viewer("ingrid.dahl"), m, p.pk, "done")
    assert ActionReminder.objects.filter(action=p, kind="after").count() == 2  # before: done
    later = services.send_reminders(_at(due + timedelta(days=3)))
    assert [r for r in later if r.action_id in (a.pk, p.pk)] == []


def test_reminders_skip_members_who_may_not_read(make_meeting, viewer, member):
    from accord.core.labels import LabelValue

    m = make_meeting(label=LabelValue.of(2, ["ARD", "MED"]), parties=["ARD"])
    today = timezone.now().date()
    a = services.add_action(
        viewer("pavel.novak"), m, text="ARD task", due_date=today, owner_party="ARD"
    )
    got = {
        r.member.user.username for r in services.send_reminders(_at(today)) if r.action_id == a.pk
    }
    assert "ana.costa" in got and "james.whitfield" in got
    # col.marsh (ARD, clearance 3) may read it too; nobody of another party is reminded
    assert all(member(u).party.code == "ARD" for u in got)


def test_periodic_task_calls_the_service(monkeypatch):
    seen = []
    monkeypatch.setattr(services, "send_reminders", lambda now=None: seen.append(now) or [1, 2])
    assert tasks.remind_action_items.call_local() == 2
    assert seen == [None]


def test_api_and_pages(plenary2, api_for, client_for, member):
    ard = api_for("ana.costa")
    mine = ard.get(f"{API}/my-action-items").json()
    assert [x["text"] for x in mine] == ["Confirm the list of river crossings open to civilians."]
    assert mine[0]["owner"] == "ARD"
    rows = ard.get(f"{API}/meetings/{plenary2.pk}/actions").json()
    assert len(rows) == 3
    a = ActionItem.objects.get(meeting=plenary2, owner_party__code="ARD")
    r = send(ard, "put", f"/meetings/{plenary2.pk}/actions/{a.pk}/status", {"status": "done"})
    assert r.status_code == 200 and r.json()["status_words"] == "Done"
    r = send(
        api_for("daria.vol"),
        "put",
        f"/meetings/{plenary2.pk}/actions/{a.pk}/status",
        {"status": "open"},
    )
    assert r.status_code == 403
    r = send(
        api_for("pavel.novak"),
        "post",
        f"/meetings/{plenary2.pk}/actions",
        {"text": "Late", "due_date": "2001-01-01", "owner_party": "ARD"},
    )
    assert r.status_code == 422 and "in the past" in r.json()["error"]["message"]
    page = client_for("daria.vol").get("/p/lake-varna/meetings/actions/")
    assert page.status_code == 200 and "map of the current line" in page.content.decode()
    page = client_for("daria.vol").get(f"/p/lake-varna/meetings/{plenary2.pk}/")
    assert "Action items" in page.content.decode()
    c = client_for("daria.vol")
    nvf = ActionItem.objects.get(meeting=plenary2, owner_party__code="NVF")
    r = c.post(
        f"/p/lake-varna/meetings/{plenary2.pk}/actions/",
        {"action": "status", "action_id": nvf.pk, "status": "done", "next": "mine"},
    )
    assert r.status_code == 302
    nvf.refresh_from_db()
    assert nvf.status == "done"
    r = client_for("pavel.novak").post(
        f"/p/lake-varna/meetings/{plenary2.pk}/actions/",
        {
            "text": "Book the hall",
            "owner": f"member:{member('pavel.novak').pk}",
            "due_date": "2001-01-01",
        },
    )
    assert r.status_code == 422 and "in the past" in r.content.decode()


def test_my_action_items_banner_covers_the_meetings_shown(make_meeting, viewer, client_for):
    """The page names each item's meeting label, so the page's banner is at least the highest
    of them (a confidential caucus's action item raises it)."""
    from accord.core.labels import LabelValue

    m = make_meeting(
        label=LabelValue.of(2, ["KES", "MED"]),
        kind="caucus",
        rapporteur="lena.haas",
        parties=["KES", "MED"],
    )
    services.add_action(
        viewer("lena.haas"),
        m,
        text="Bring the list",
        due_date=timezone.now().date(),
        owner_party="KES",
    )
    page = client_for("viktor.kess").get("/p/lake-varna/meetings/actions/").content.decode()
    banner = page.split('class="banner"', 1)[1].split("</div>", 1)[0]
    assert "Bring the list" in page
    assert "CONFIDENTIAL // REL TO KES, MED" in banner
