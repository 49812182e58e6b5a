"""Reads of the meetings app's protected data, always through core.access.

A meeting and everything it holds (agenda, attendance, minutes, comments, revisions, action
items) are read under the meeting's label: whoever may not read a caucus learns nothing of it,
not that it exists. People are named through core.people by the callers (pages, API).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accord.core import access, links, people
from accord.core.access import Viewer
from accord.core.errors import NotFound
from accord.core.models import Member
from accord.core.queries import valid_id
from accord.meetings.models import (
    AgendaItem,
    Attendance,
    Meeting,
    Minutes,
    MinutesComment,
    MinutesRevision,
)


def meetings(viewer: Viewer) -> QuerySet[Meeting]:
    """Meetings of the viewer's process whose label they may read."""
    if viewer.member is None:
        return Meeting.objects.none()
    qs = Meeting.objects.filter(process=viewer.process).select_related(
        "label",
        "chair__user",
        "chair__party",
        "chair__label",
        "rapporteur__user",
        "rapporteur__party",
        "rapporteur__label",
    )
    return access.readable(qs, viewer)


def upcoming(viewer: Viewer) -> QuerySet[Meeting]:
    """Meetings not yet over, soonest first."""
    return meetings(viewer).filter(ends_at__gte=timezone.now()).order_by("starts_at", "pk")


def past(viewer: Viewer) -> QuerySet[Meeting]:
    """Meetings that are over, most recent first."""
    return meetings(viewer).filter(ends_at__lt=timezone.now()).order_by("-starts_at", "-pk")


def meeting(viewer: Viewer, meeting_id: object) -> Meeting:
    """One readable meeting, or 404 (an unreadable one is not found, like a missing one)."""
    if not valid_id(meeting_id):
        raise NotFound("meeting not found")
    obj = meetings(viewer).filter(pk=meeting_id).first()
    if obj is None:
        raise NotFound("meeting not found")
    return obj


def invited_parties(m: Meeting) -> list:
    """Parties invited to a readable meeting (party names are public within the process)."""
    return list(m.invited_parties.order_by("code"))


def invited_members(viewer: Viewer, m: Meeting) -> tuple[list[Member], int]:
    """Invited members the viewer may see, and how many are not shown."""
    return people.visible(viewer, m.invited_members.select_related("user", "party", "label"))


@dataclass
class Node:
    """An agenda item with its number ("2.1"), depth, readable links and sub-items."""

    item: AgendaItem
    number: str
    depth: int
    links: list = field(default_factory=list)
    children: list[Node] = field(default_factory=list)


def agenda(viewer: Viewer, m: Meeting) -> list[Node]:
    """The agenda as a tree of numbered items, each with the links the viewer may read."""
    meeting(viewer, m.pk)
    rows = list(AgendaItem.objects.filter(meeting=m).order_by("order", "pk"))
    by_parent: dict[int | None, list[AgendaItem]] = {}
    for r in rows:
        by_parent.setdefault(r.parent_id, []).append(r)

    def build(parent_id, prefix: str, depth: int) -> list[Node]:
        out = []
        for i, item in enumerate(by_parent.get(parent_id, []), start=1):
            number = f"{prefix}{i}"
            out.append(
                Node(
                    item,
                    number,
                    depth,
                    links.targets(viewer, item),
                    build(item.pk, number + ".", depth + 1),
                )
            )
        return out

    return build(None, "", 0)


def flat(nodes: list[Node]) -> list[Node]:
    """The tree in reading order."""
    out: list[Node] = []
    for n in nodes:
        out.append(n)
        out += flat(n.children)
    return out


def item_numbers(viewer: Viewer, m: Meeting) -> dict[int, str]:
    return {n.item.pk: n.number for n in flat(agenda(viewer, m))}


@dataclass
class AttendanceRow:
    """A member of the meeting's attendance as the viewer may see them."""

    member: Member
    status: str
    status_words: str
    proxy: Member | None
    recorded_by: Member | None
    recorded_at: object


def attendance(viewer: Viewer, m: Meeting) -> tuple[list[AttendanceRow], int]:
    """Recorded attendance of visible members (core.people), and how many are not shown."""
    meeting(viewer, m.pk)
    rows = list(
        Attendance.objects.filter(meeting=m).select_related(
            "member__user",
            "member__party",
            "member__label",
            "proxy__user",
            "proxy__party",
            "proxy__label",
            "recorded_by__user",
            "recorded_by__party",
            "recorded_by__label",
        )
    )
    shown, hidden = [], 0
    for r in rows:
        if not people.can_see(viewer, r.member):
            hidden += 1
            continue
        shown.append(
            AttendanceRow(
                r.member, r.status, r.get_status_display(), r.proxy, r.recorded_by, r.recorded_at
            )
        )
    shown.sort(key=lambda a: (a.member.party.code, a.member.display_name))
    return shown, hidden


def attendance_candidates(viewer: Viewer, m: Meeting) -> list[Member]:
    """Members the viewer may see who may read the meeting: whom attendance may be taken of."""
    meeting(viewer, m.pk)
    label = m.label.value
    out = []
    qs = (
        Member.objects.filter(process=m.process, active=True)
        .select_related("user", "party", "label")
        .order_by("party__code", "user__username")
    )
    for mem in qs:
        reader = access.reader_of(m.process, mem, mem.party.code, mem.clearance, mem.caveats)
        if access.can_read(reader, label) and people.can_see(viewer, mem):
            out.append(mem)
    return out


def minutes_of(viewer: Viewer, m: Meeting) -> list[Minutes]:
    """Every minutes record of a readable meeting (whole meeting, items, corrigenda)."""
    meeting(viewer, m.pk)
    return list(
        Minutes.objects.filter(meeting=m)
        .select_related("item", "finalised_by__user")
        .order_by("item__order", "item_id", "corrects_id", "pk")
    )


def minutes(viewer: Viewer, m: Meeting, minutes_id: object) -> Minutes:
    """One minutes record of a readable meeting, or 404."""
    meeting(viewer, m.pk)
    obj = None
    if valid_id(minutes_id):
        obj = Minutes.objects.filter(meeting=m, pk=minutes_id).select_related("item").first()
    if obj is None:
        raise NotFound("minutes not found")
    return obj


def revisions(viewer: Viewer, mn: Minutes) -> QuerySet[MinutesRevision]:
    meeting(viewer, mn.meeting_id)
    return MinutesRevision.objects.filter(minutes=mn).select_related(
        "author__user", "author__party", "author__label"
    )


def comments(viewer: Viewer, mn: Minutes) -> QuerySet[MinutesComment]:
    meeting(viewer, mn.meeting_id)
    return MinutesComment.objects.filter(minutes=mn).select_related(
        "author__user", "author__party", "author__label"
    )


def live_feed(viewer: Viewer):
    """The viewer's live calendar feed (its prefix and dates; the token is never stored)."""
    from accord.meetings.models import CalendarFeed

    if viewer.member is None:
        return None
    return CalendarFeed.objects.filter(member=viewer.member, revoked_at__isnull=True).first()


def feed_meetings(member: Member) -> QuerySet[Meeting]:
    """What a member's feed lists: the meetings they may read, from 90 days ago on."""
    since = timezone.now() - timedelta(days=90)
    return meetings(access.viewer_of(member)).filter(ends_at__gte=since).order_by("starts_at")


def actions_of(viewer: Viewer, m: Meeting) -> QuerySet:
    """Action items of a readable meeting."""
    from accord.meetings.models import ActionItem

    meeting(viewer, m.pk)
    return ActionItem.objects.filter(meeting=m).select_related(
        "owner_member__user", "owner_member__party", "owner_member__label", "owner_party"
    )


def my_actions(viewer: Viewer) -> QuerySet:
    """Action items the viewer owns (themselves, or their party) in meetings they may read."""
    from django.db.models import Q

    from accord.meetings.models import ActionItem

    if viewer.member is None:
        return ActionItem.objects.none()
    qs = ActionItem.objects.filter(
        Q(owner_member=viewer.member) | Q(owner_party_id=viewer.member.party_id),
        meeting__process=viewer.process,
    ).select_related("meeting", "meeting__label", "owner_member__user", "owner_party")
    return access.readable(qs, viewer, "meeting__label").order_by("status", "due_date", "pk")


def decisions(viewer: Viewer, m: Meeting) -> QuerySet:
    """Decisions of a readable meeting."""
    from accord.meetings.models import Decision

    meeting(viewer, m.pk)
    return Decision.objects.filter(meeting=m).order_by("pk")


def decision(viewer: Viewer, m: Meeting, decision_id: object):
    from accord.meetings.models import Decision

    meeting(viewer, m.pk)
    d = (
        Decision.objects.filter(meeting=m, pk=decision_id).first()
        if valid_id(decision_id)
        else None
    )
    if d is None:
        raise NotFound("decision not found")
    return d


CHOICE_WORDS = {
    "agree": "Agree",
    "disagree": "Disagree",
    "abstain": "Abstain",
    "object": "Object formally",
    "block": "Block",
    "amend": "Propose an amendment",
    "confirm": "Confirm (capital)",
    "decline": "Decline (capital)",
    "invalid": "Spoilt ballot",
}


def verdict(viewer: Viewer, d) -> dict:
    """What a reader of the meeting may know of a decision: the rule in words, the verdict
    (stored when closed, computed now while open) with its arithmetic, and the votes — for a
    secret vote who voted, not how."""
    from accord.meetings import services

    meeting(viewer, d.meeting_id)
    proc = services.procedure_of(d)
    if d.status == "closed" and d.verdict:
        outcome, words = d.verdict["outcome"], d.verdict["outcome_words"]
        arithmetic, final = d.arithmetic, True
    else:
        v = services.compute(d)
        if d.secret:
            v = v.redacted()
        outcome, words, arithmetic, final = v.outcome.value, v.outcome_words, v.arithmetic, v.final
        if d.closes_at is None:  # a vote at the table: open until the chair closes it
            outcome, words, final = "pending", "Pending", False
            arithmetic = f"If the vote were closed now: {arithmetic}"
    votes = [
        {
            "party": x.party.code,
            "choice": None if d.secret else x.choice,
            "words": "voted" if d.secret else CHOICE_WORDS.get(x.choice, x.choice),
            "by_proxy": x.proxy_holder_id is not None,
            "text": "" if d.secret else x.text,
            "amendment": "" if d.secret else x.amendment,
        }
        for x in d.votes.select_related("party").order_by("party__code")
    ]
    return {
        "rule_words": proc.words,
        "outcome": outcome,
        "outcome_words": words,
        "arithmetic": arithmetic,
        "final": final,
        "votes": votes,
    }
