"""Meetings as iCalendar (RFC 5545) with the `icalendar` package: one meeting as an .ics file,
and a member's feed of every meeting they may read. Built only from what the reader may read:
the chair and rapporteur are named through core.people, and nothing is added for a meeting the
reader may not read (the caller passes readable meetings only)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from django.utils import timezone
from icalendar import Calendar, Event

from accord.core import people
from accord.core.access import Viewer
from accord.meetings.models import Meeting

PRODID = "-//Accord//Meetings//EN"


def _uid(m: Meeting) -> str:
    return f"meeting-{m.pk}@{m.process.slug}.accord"


def event(viewer: Viewer, m: Meeting, url: str = "") -> Event:
    """One meeting as a VEVENT, as this reader may see it."""
    names = m.process.level_names
    e = Event()
    e.add("uid", _uid(m))
    e.add("dtstamp", timezone.now().astimezone(UTC))
    e.add("dtstart", m.starts_at.astimezone(UTC))
    e.add("dtend", m.ends_at.astimezone(UTC))
    e.add("summary", f"{m.title} ({m.get_kind_display().lower()})")
    e.add("sequence", m.sequence)
    if m.place or m.link:
        e.add("location", m.place or m.link)
    chair = people.person(viewer, m.chair)
    lines = [
        f"Label: {m.label.value.display(names)}",
        f"Chair: {chair.name if chair else ''}",
    ]
    if m.rapporteur_id:
        lines.append(f"Rapporteur: {people.person(viewer, m.rapporteur).name}")
    if m.link:
        lines.append(f"Link: {m.link}")
    if m.time_zone != "UTC":
        lines.append(f"Held in the {m.time_zone} time zone.")
    if m.description:
        lines += ["", m.description]
    e.add("description", "\n".join(lines))
    e.add(
        "class",
        "PUBLIC" if m.label.value.level == 0 and m.label.value.rel_to is None else "CONFIDENTIAL",
    )
    if url:
        e.add("url", url)
    return e


def calendar(viewer: Viewer, meetings: Iterable[Meeting], name: str, urls=None) -> bytes:
    """A VCALENDAR of the given (readable) meetings."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for m in meetings:
        cal.add_component(event(viewer, m, urls(m) if urls else ""))
    return cal.to_ical()
