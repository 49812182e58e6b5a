"""Reads of the meetings app's protected data, always through core.access.

A meeting and everything it holds (agenda, attendance, minutes, comments, revisions, action
items) are read under the meeting's label: whoever may not read a caucus learns nothing of it,
not that it exists. A decision is read under its own label too (the meeting's combined with the
one chosen): a proposal confidential to some parties of a plenary is not found by the others.
People are named through core.people by the callers (pages, API).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
    Concern,
    Decision,
    Dispute,
    DisputeSubmission,
    Meeting,
    Minutes,
    MinutesComment,
    MinutesRevision,
    Poll,
    Procedures,
    SpeakingAllowance,
    Speech,
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


def readable_decisions(viewer: Viewer) -> QuerySet[Decision]:
    """Decisions of the viewer's process that they may read: the meeting's label and the
    decision's own (which never reads wider than its meeting's)."""
    if viewer.member is None:
        return Decision.objects.none()
    qs = Decision.objects.filter(meeting__process=viewer.process).select_related(
        "label", "meeting__label"
    )
    return access.readable(access.readable(qs, viewer, "meeting__label"), viewer, "label")


def decisions(viewer: Viewer, m: Meeting) -> QuerySet[Decision]:
    """Decisions of a readable meeting that the viewer may read (a decision under a narrower
    label than its meeting's is neither shown nor counted to a reader outside it)."""
    meeting(viewer, m.pk)
    return readable_decisions(viewer).filter(meeting=m).order_by("pk")


def decision(viewer: Viewer, m: Meeting, decision_id: object) -> Decision:
    """One readable decision of a readable meeting, or 404 (an unreadable one is not found,
    like a missing one)."""
    meeting(viewer, m.pk)
    d = (
        readable_decisions(viewer).filter(meeting=m, pk=decision_id).first()
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
    """What a reader of the decision may know of it: the rule in words, the verdict (stored
    when closed, computed now while open) with its arithmetic, and the votes — for a secret
    vote who voted, not how."""
    from accord.meetings import services

    if not readable_decisions(viewer).filter(pk=d.pk).exists():
        raise NotFound("decision not found")
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


# --- disputes, concerns, engagement -------------------------------------------------------------
def procedures(process) -> Procedures:
    """The process's rules of procedure (the defaults, unsaved, until someone sets them).
    Not protected: how disputes climb and how fast concerns are due is known to every member."""
    return Procedures.objects.filter(process=process).first() or Procedures(process=process)


def disputes(viewer: Viewer) -> QuerySet[Dispute]:
    """Disputes of the viewer's process whose label they may read."""
    if viewer.member is None:
        return Dispute.objects.none()
    qs = Dispute.objects.filter(process=viewer.process).select_related(
        "label", "raising_party", "against_party", "raised_by__user", "raised_by__party"
    )
    return access.readable(qs, viewer)


def dispute(viewer: Viewer, dispute_id: object) -> Dispute:
    """One readable dispute, or 404 (an unreadable one is not found, like a missing one)."""
    obj = disputes(viewer).filter(pk=dispute_id).first() if valid_id(dispute_id) else None
    if obj is None:
        raise NotFound("dispute not found")
    return obj


def submissions(viewer: Viewer, d: Dispute) -> QuerySet[DisputeSubmission]:
    """The submissions of a readable dispute that the viewer may read (a confidential one is
    not shown, nor counted, to a party outside its label)."""
    qs = d.submissions.select_related("label", "party", "author__user", "author__party")
    return access.readable(qs, viewer).order_by("pk")


def concerns(viewer: Viewer) -> QuerySet[Concern]:
    """Concerns of the viewer's process whose label they may read, newest first."""
    if viewer.member is None:
        return Concern.objects.none()
    qs = Concern.objects.filter(process=viewer.process).select_related(
        "label",
        "raising_party",
        "addressed_party",
        "raised_by__user",
        "raised_by__party",
        "dispute__label",
    )
    return access.readable(qs, viewer)


def concern(viewer: Viewer, concern_id: object) -> Concern:
    """One readable concern, or 404."""
    obj = concerns(viewer).filter(pk=concern_id).first() if valid_id(concern_id) else None
    if obj is None:
        raise NotFound("concern not found")
    return obj


def open_concerns(viewer: Viewer) -> QuerySet[Concern]:
    return concerns(viewer).filter(status__in=[Concern.Status.OPEN, Concern.Status.ACKNOWLEDGED])


@dataclass
class Engagement:
    """One party's engagement, from what the viewer may read: how fast it acknowledges and
    answers the concerns addressed to it, how many are open and overdue, how often it attends
    the meetings it is invited to, and how often its capital confirms on time."""

    party: object
    concerns: int = 0
    median_ack_hours: float | None = None
    median_response_hours: float | None = None
    open: int = 0
    overdue: int = 0
    invited: int = 0
    attended: int = 0
    confirmations_due: int = 0
    confirmed_on_time: int = 0

    @property
    def attendance_rate(self) -> float | None:
        return self.attended / self.invited if self.invited else None

    @property
    def on_time_rate(self) -> float | None:
        return self.confirmed_on_time / self.confirmations_due if self.confirmations_due else None


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def engagement(viewer: Viewer, now=None) -> tuple[list[Engagement], object]:
    """Engagement per party of the process, and the derived label of the figures (the
    combination of the labels of every concern, meeting and decision they were computed
    from): computed only from what the viewer may read."""
    from accord.core.labels import combine
    from accord.core.models import Party

    now = now or timezone.now()
    parties = list(Party.objects.filter(process=viewer.process).order_by("code"))
    rows = {p.pk: Engagement(p) for p in parties}
    by_code = {p.code: rows[p.pk] for p in parties}
    used = []
    ack: dict[int, list[float]] = {p.pk: [] for p in parties}
    resp: dict[int, list[float]] = {p.pk: [] for p in parties}
    for c in concerns(viewer):
        r = rows.get(c.addressed_party_id)
        if r is None:
            continue
        used.append(c.label.value)
        r.concerns += 1
        if c.acknowledged_at:
            ack[r.party.pk].append((c.acknowledged_at - c.created_at).total_seconds() / 3600)
        if c.responded_at:
            resp[r.party.pk].append((c.responded_at - c.created_at).total_seconds() / 3600)
        if c.status in (Concern.Status.OPEN, Concern.Status.ACKNOWLEDGED):
            r.open += 1
            if c.overdue(now):
                r.overdue += 1
    for pk, r in rows.items():
        r.median_ack_hours = _median(ack[pk])
        r.median_response_hours = _median(resp[pk])
    held = meetings(viewer).filter(ends_at__lt=now)
    for m in held.prefetch_related("invited_parties", "attendance__member"):
        taken = [(a.member.party_id, a.status) for a in m.attendance.all()]
        if not taken:
            continue  # attendance not taken: counts for nobody
        used.append(m.label.value)
        present = {
            p for p, st in taken if st in (Attendance.Status.PRESENT, Attendance.Status.PROXY)
        }
        for p in m.invited_parties.all():
            r = rows.get(p.pk)
            if r is not None:
                r.invited += 1
                r.attended += p.pk in present
    decided = readable_decisions(viewer).filter(rule="ad_referendum", closes_at__isnull=False)
    for d in decided.prefetch_related("votes__party"):
        votes = {v.party.code: v for v in d.votes.all()}
        due = [code for code in d.eligible if d.closes_at <= now or code in votes]
        if not due:
            continue
        used.append(d.label.value)
        for code in due:
            r = by_code.get(code)
            if r is None:
                continue
            r.confirmations_due += 1
            v = votes.get(code)
            r.confirmed_on_time += bool(
                v is not None and v.choice == "confirm" and v.cast_at <= d.closes_at
            )
    return list(rows.values()), combine(used)


# --- polls ----------------------------------------------------------------------------------------
def polls(viewer: Viewer, m: Meeting) -> QuerySet[Poll]:
    """The polls of a readable meeting (read under its label, like the meeting)."""
    return m.polls.select_related("created_by__user", "created_by__party").order_by("-pk")


def poll(viewer: Viewer, m: Meeting, poll_id: object) -> Poll:
    obj = polls(viewer, m).filter(pk=poll_id).first() if valid_id(poll_id) else None
    if obj is None:
        raise NotFound("poll not found")
    return obj


@dataclass
class PollView:
    """A poll as it stands: open or closed, how many answered, the count in words and one row
    per option (or answer) with its figure in words; the reader's own answer."""

    poll: Poll
    open: bool
    voters: int
    sentence: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    mine: object = None


def _ordinal(i: int) -> str:
    return f"{i}{'th' if 10 <= i % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(i % 10, 'th')}"


def _pct(n: int, total: int) -> str:
    return f"{n} ({round(100 * n / total)} %)" if total else str(n)


def poll_view(viewer: Viewer, p: Poll, now=None) -> PollView:
    from accord.meetings import services

    now = now or timezone.now()
    answers = {str(v.member_id): v.answer for v in p.votes.all()}
    mine = answers.get(str(viewer.member.pk)) if viewer.member is not None else None
    r = services.poll_result(p, answers)
    n = len(answers)
    rows: list[tuple[str, str]] = []
    k = p.kind
    if k == "proposal":
        rows = [
            (w.capitalize(), _pct(r.counts[w], n))
            for w in ("agree", "abstain", "disagree", "block")
        ]
    elif k == "consent":
        rows = [("Consent", _pct(r.consent, n)), ("Objection", _pct(r.objection, n))]
    elif k == "choose_one":
        rows = [(o, _pct(r.counts[o], n)) for o in p.options]
    elif k == "score":
        for o in r.ranking:
            mean = r.means[o]
            rows.append((o, "no score" if mean is None else f"mean {float(mean):.1f} of 5"))
    elif k == "ranked":
        rows = [(o, f"{_ordinal(i)} place") for i, o in enumerate(r.ranking, 1)]
    elif k == "dot":
        rows = [(o, f"{r.totals[o]} dots") for o in p.options]
    else:
        rows = [
            (str(s.slot), f"{s.yes} yes, {s.if_need_be} if need be, {s.no} no") for s in r.slots
        ]
    return PollView(p, p.is_open(now), n, r.sentence, rows, mine)


# --- speaking lists -----------------------------------------------------------------------------
def agenda_item(viewer: Viewer, m: Meeting, item_id: object) -> AgendaItem:
    """One item of a readable meeting, or 404."""
    meeting(viewer, m.pk)
    item = None
    if valid_id(item_id):
        item = AgendaItem.objects.filter(meeting=m, pk=item_id).first()
    if item is None:
        raise NotFound("agenda item not found")
    return item


def duration_words(seconds: int) -> str:
    """45 s, 4 min, 1 min 20 s, 1 h 5 min."""
    seconds = abs(int(seconds))
    h, rest = divmod(seconds, 3600)
    mins, s = divmod(rest, 60)
    parts = []
    if h:
        parts.append(f"{h} h")
    if mins:
        parts.append(f"{mins} min")
    if s and not h:
        parts.append(f"{s} s")
    return " ".join(parts) or "0 s"


@dataclass
class SpeakerRow:
    """A request for the floor as the reader may see it; `seconds` is how long it lasted
    (or has lasted so far)."""

    speech: Speech
    member: Member
    point_of_order: bool
    seconds: int
    position: int = 0

    @property
    def time_words(self) -> str:
        return duration_words(self.seconds)


@dataclass
class PartyTime:
    """A delegation's speaking time on an item: used, allowed (None: no limit), remaining."""

    party: object
    used: int
    allowed: int | None

    @property
    def remaining(self) -> int | None:
        return None if self.allowed is None else self.allowed - self.used

    @property
    def over(self) -> bool:
        return self.allowed is not None and self.used > self.allowed

    @property
    def used_words(self) -> str:
        if self.allowed is None:
            return f"{duration_words(self.used)} used, no limit"
        return f"{duration_words(self.used)} of {duration_words(self.allowed)} used"

    @property
    def remaining_words(self) -> str:
        left = self.remaining
        if left is None:
            return "no limit"
        if left < 0:
            return f"over by {duration_words(-left)}"
        return f"{duration_words(left)} left"


@dataclass
class SpeakingList:
    item: AgendaItem
    current: SpeakerRow | None
    waiting: list[SpeakerRow]
    done: list[SpeakerRow]
    parties: list[PartyTime]
    hidden: int
    now: datetime


def _lasted(sp: Speech, now: datetime) -> int:
    if sp.started_at is None:
        return 0
    end = sp.ended_at or max(now, sp.started_at)
    return max(0, int((end - sp.started_at).total_seconds()))


def speaking_list(
    viewer: Viewer, m: Meeting, item: AgendaItem, now: datetime | None = None
) -> SpeakingList:
    """The speaking list of an item: who has the floor, who waits (in speaking order), who
    spoke, and each delegation's time. Members the reader may not see are left out and counted
    in `hidden` (like attendance), and their speeches count in no delegation's time for that
    reader (a delegation's time would otherwise tell a hidden member's party)."""
    meeting(viewer, m.pk)
    if item.meeting_id != m.pk:
        raise NotFound("agenda item not found")
    now = now or timezone.now()
    rows = list(
        Speech.objects.filter(item=item)
        .exclude(status=Speech.Status.WITHDRAWN)
        .select_related("member__user", "member__party", "member__label", "party")
    )
    hidden = 0
    current, waiting, done = None, [], []
    used: dict[int, int] = {}
    for sp in rows:
        if not people.can_see(viewer, sp.member):
            hidden += 1
            continue
        row = SpeakerRow(sp, sp.member, sp.is_point_of_order, _lasted(sp, now))
        if sp.status == Speech.Status.WAITING:
            waiting.append(row)
            continue
        used[sp.party_id] = used.get(sp.party_id, 0) + row.seconds
        if sp.status == Speech.Status.SPEAKING:
            current = row
        else:
            done.append(row)
    waiting.sort(key=lambda r: (not r.point_of_order, r.speech.order, r.speech.pk))
    for i, r in enumerate(waiting, start=1):
        r.position = i
    done.sort(key=lambda r: (r.speech.started_at, r.speech.pk))
    allowances = {
        a.party_id: a for a in SpeakingAllowance.objects.filter(item=item).select_related("party")
    }
    parties = {a.party_id: a.party for a in allowances.values()}
    for sp in rows:
        if sp.party_id in used:
            parties.setdefault(sp.party_id, sp.party)
    times = [
        PartyTime(
            party,
            used.get(pid, 0),
            allowances[pid].seconds if pid in allowances else None,
        )
        for pid, party in parties.items()
    ]
    times.sort(key=lambda t: t.party.code)
    return SpeakingList(item, current, waiting, done, times, hidden, now)
