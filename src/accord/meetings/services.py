"""Every state change of the meetings app: check policy, write, record, publish after commit.

Validation happens before the first write, and each write shares one transaction with its
ledger entry, so a refused request changes nothing (rule 6).

Who may do what:
- scheduling a meeting needs `Perm.RUN_MEETINGS` (coordinator, mediator); its chair and
  the holders of that permission edit it and its agenda;
- attendance is taken by the meeting's chair or rapporteur (its officers), in the meeting;
- the officers write and circulate the minutes; while circulated, members of the parties that
  attended comment or propose wording; the rapporteur (the chair when there is none)
  finalises them — final minutes never change, their SHA-256 is in the ledger — and an
  officer locks them; a correction after finalisation is a corrigendum linked to them.
- speaking lists: the officers (and whoever may run meetings) set each delegation's time on an
  item; a member attending or invited asks for the floor (a point of order goes ahead); the
  officers give the floor to the next speaker and end speeches.
Every record of an act carries the meeting's label, so a caucus leaves no trace readable by a
party that may not read the caucus. A decision has its own label (the meeting's combined with the
one chosen): its acts are recorded, notified and mailed under it, to those who may read it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo, available_timezones

from django.db import IntegrityError, transaction
from django.utils import timezone

from accord.core import access, events, links, people
from accord.core import services as core_services
from accord.core.access import Viewer
from accord.core.errors import Conflict, Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue, combine
from accord.core.models import Member, Party
from accord.core.queries import valid_id
from accord.core.roles import Perm
from accord.ledger.services import record
from accord.meetings import queries, rules
from accord.meetings.models import (
    COMMENT_MAX,
    MINUTES_MAX,
    STATEMENT_MAX,
    TITLE_MAX,
    ActionItem,
    ActionReminder,
    AgendaItem,
    Attendance,
    CalendarFeed,
    Concern,
    Decision,
    DecisionNotice,
    DecisionVote,
    Dispute,
    DisputeExtension,
    DisputeStep,
    DisputeSubmission,
    Meeting,
    Minutes,
    MinutesComment,
    MinutesRevision,
    Poll,
    PollVote,
    Procedures,
    SpeakingAllowance,
    Speech,
)

MANAGE = Perm.RUN_MEETINGS
DEFAULT_LEVEL = 1  # RESTRICTED, releasable to every party (capped at the creator's clearance)
MAX_LENGTH = timedelta(days=14)
MAX_DEPTH = 3  # agenda items: item, sub-item, sub-sub-item
ATTENDANCE_EARLY = timedelta(hours=1)  # attendance may be taken from an hour before the start
LINKABLE_KINDS = ("negotiation.clause", "negotiation.issue", "negotiation.document")
AGENDA_RELATION = "on the agenda"


def _notify(m: Meeting, kind: str, **ids: int) -> None:
    events.notify(m.process_id, f"meetings.{kind}", {"meeting": m.pk, **ids}, [m.label_id])


def _decision_notify(m: Meeting, d: Decision) -> None:
    """A decision's live notice reaches only the members who may read the decision itself."""
    events.notify(
        m.process_id,
        "meetings.decision",
        {"meeting": m.pk, "decision": d.pk},
        [m.label_id, d.label_id],
    )


# --- validation helpers ------------------------------------------------------------------------
def _text(
    value: str, what: str, limit: int, *, required: bool = True, owner: str = "meeting"
) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(
            f"a {owner} needs a {what}" if what in ("title", "text") else f"{what} is required",
            {what: "required"},
        )
    if len(value) > limit:
        raise Invalid(f"the {what} is at most {limit} characters", {what: "too long"})
    return value


def _zone(name: str) -> ZoneInfo:
    name = (name or "UTC").strip()
    if name != "UTC" and name not in available_timezones():
        raise Invalid(
            f"unknown time zone {name!r} (use a name like Europe/Sofia)", {"time_zone": "unknown"}
        )
    return ZoneInfo(name)


def _aware(value: datetime | None, zone: ZoneInfo, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise Invalid(f"the {what} time is required", {what: "required"})
    if timezone.is_naive(value):
        value = value.replace(tzinfo=zone)
    # stored and recorded in UTC: the record of the act must match the row as the database
    # gives it back (the live verifier compares them); the meeting keeps its own time zone
    return value.astimezone(UTC)


def _reader(member: Member) -> Viewer:
    return access.reader_of(
        member.process, member, member.party.code, member.clearance, member.caveats
    )


def _member(viewer: Viewer, member_id: object, what: str) -> Member:
    """A member of this process that the viewer may see, or a clear refusal naming the role."""
    m = None
    if valid_id(member_id):
        m = (
            Member.objects.select_related("party", "user", "process", "label")
            .filter(process=viewer.process, active=True, pk=member_id)
            .first()
        )
    if m is None or not people.can_see(viewer, m):
        raise Invalid(f"the {what} must be a member of this process", {what: "not a member"})
    return m


def _must_read(member: Member, label: LabelValue, what: str) -> None:
    if not access.can_read(_reader(member), label):
        raise Invalid(
            f"the {what} {member.display_name} may not read this meeting's label",
            {what: "cannot read the label"},
        )


def _parties(viewer: Viewer, codes) -> list[Party]:
    wanted = sorted({(c or "").strip().upper() for c in codes or () if (c or "").strip()})
    found = {p.code.upper(): p for p in Party.objects.filter(process=viewer.process)}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise Invalid(f"unknown parties: {', '.join(unknown)}", {"parties": "unknown"})
    return [found[c] for c in wanted]


def _is_officer(viewer: Viewer, m: Meeting) -> bool:
    return viewer.member is not None and viewer.member.pk in m.officers()


def _require_editor(viewer: Viewer, m: Meeting) -> None:
    """Editing a meeting and its agenda: its chair, or whoever may run meetings."""
    if viewer.member is not None and viewer.member.pk == m.chair_id:
        return
    access.require(viewer, MANAGE)


def _require_officer(viewer: Viewer, m: Meeting, act: str) -> None:
    if not _is_officer(viewer, m):
        raise Forbidden(f"only the chair or the rapporteur of this meeting {act}")


def _fresh(viewer: Viewer, m: Meeting) -> Meeting:
    """The meeting re-read through access (404 when unreadable)."""
    return queries.meeting(viewer, m.pk)


# --- meetings -----------------------------------------------------------------------------------
def _meeting_fields(viewer: Viewer, data: dict, label: LabelValue) -> dict:
    kind = (data.get("kind") or "").strip()
    if kind not in Meeting.Kind.values:
        words = ", ".join(str(label_) for label_ in Meeting.Kind.labels).lower()
        raise Invalid(f"the kind of meeting must be one of: {words}", {"kind": "unknown"})
    title = _text(data.get("title"), "title", TITLE_MAX)
    zone = _zone(data.get("time_zone") or "UTC")
    starts = _aware(data.get("starts_at"), zone, "start")
    ends = _aware(data.get("ends_at"), zone, "end")
    if ends <= starts:
        raise Invalid("the meeting must end after it starts", {"ends_at": "before the start"})
    if ends - starts > MAX_LENGTH:
        raise Invalid("a meeting lasts at most 14 days", {"ends_at": "too long"})
    place = _text(data.get("place"), "place", 200, required=False)
    link = _text(data.get("link"), "link", 500, required=False)
    if link and not link.lower().startswith(("https://", "http://")):
        raise Invalid("the link must start with https:// or http://", {"link": "not a web address"})
    if kind == Meeting.Kind.CAUCUS and label.rel_to is None and not label.caveats:
        raise Invalid(
            "a caucus must be releasable only to its parties: set REL TO (or a caveat)",
            {"label.rel_to": "required for a caucus"},
        )
    chair = _member(viewer, data.get("chair_id"), "chair")
    _must_read(chair, label, "chair")
    rapporteur = None
    if data.get("rapporteur_id") not in (None, "", 0):
        rapporteur = _member(viewer, data.get("rapporteur_id"), "rapporteur")
        _must_read(rapporteur, label, "rapporteur")
    parties = _parties(viewer, data.get("parties"))
    if label.rel_to is not None:
        outside = [p.code for p in parties if p.code.upper() not in label.rel_to]
        if outside:
            raise Invalid(
                f"invited parties must be in the label's REL TO: {', '.join(outside)} is not",
                {"parties": "outside the label"},
            )
    invited = []
    for mid in data.get("member_ids") or ():
        mem = _member(viewer, mid, "invited member")
        _must_read(mem, label, "invited member")
        invited.append(mem)
    description = _text(data.get("description"), "description", 5000, required=False)
    return {
        "kind": kind,
        "title": title,
        "description": description,
        "starts_at": starts,
        "ends_at": ends,
        "time_zone": zone.key,
        "place": place,
        "link": link,
        "chair": chair,
        "rapporteur": rapporteur,
        "_parties": parties,
        "_members": invited,
    }


def create_meeting(viewer: Viewer, *, label: LabelValue | None = None, **data) -> Meeting:
    """Schedule a meeting (coordinator or mediator): kind, title, start and end with their time
    zone, place or link, chair, rapporteur, invited parties and members, label."""
    access.require(viewer, MANAGE)
    label = label or LabelValue.of(min(DEFAULT_LEVEL, viewer.clearance))
    access.check_can_apply(viewer, label)
    fields = _meeting_fields(viewer, data, label)
    parties, invited = fields.pop("_parties"), fields.pop("_members")
    with transaction.atomic():
        row = access.label_row(viewer.process, label)
        m = Meeting.objects.create(
            process=viewer.process, label=row, created_by=viewer.member, **fields
        )
        m.invited_parties.set(parties)
        m.invited_members.set(invited)
        record(viewer.member, "meetings.create", m, {"kind": m.kind, "title": m.title}, m.label)
    _notify(m, "created")
    return m


def update_meeting(viewer: Viewer, m: Meeting, **data) -> Meeting:
    """Change a meeting's details (its chair, or whoever may run meetings); its label stays.
    Fields left out keep their value."""
    m = _fresh(viewer, m)
    _require_editor(viewer, m)
    current = {
        "kind": m.kind,
        "title": m.title,
        "description": m.description,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "time_zone": m.time_zone,
        "place": m.place,
        "link": m.link,
        "chair_id": m.chair_id,
        "rapporteur_id": m.rapporteur_id,
        "parties": [p.code for p in m.invited_parties.all()],
        "member_ids": list(m.invited_members.values_list("pk", flat=True)),
    }
    current.update({k: v for k, v in data.items() if v is not None})
    fields = _meeting_fields(viewer, current, m.label.value)
    parties, invited = fields.pop("_parties"), fields.pop("_members")
    with transaction.atomic():
        for k, v in fields.items():
            setattr(m, k, v)
        m.updated_at = timezone.now()
        m.sequence += 1
        m.save()
        m.invited_parties.set(parties)
        m.invited_members.set(invited)
        record(viewer.member, "meetings.update", m, {"title": m.title}, m.label)
    _notify(m, "updated")
    return m


# --- agenda -------------------------------------------------------------------------------------
def _item(m: Meeting, item_id: object, what: str = "agenda item") -> AgendaItem:
    item = None
    if valid_id(item_id):
        item = AgendaItem.objects.filter(meeting=m, pk=item_id).first()
    if item is None:
        raise NotFound(f"{what} not found")
    return item


def _depth(item: AgendaItem | None) -> int:
    d = 0
    while item is not None:
        d += 1
        item = item.parent
    return d


def add_item(
    viewer: Viewer,
    m: Meeting,
    *,
    title: str,
    parent_id: int | None = None,
    duration_minutes: int = 0,
    description: str = "",
) -> AgendaItem:
    """Put an item on the agenda (at the end of its parent's items)."""
    m = _fresh(viewer, m)
    _require_editor(viewer, m)
    title = _text(title, "title", TITLE_MAX)
    description = _text(description, "description", 5000, required=False)
    parent = None
    if parent_id not in (None, "", 0):
        parent = _item(m, parent_id, "parent item")
        if _depth(parent) >= MAX_DEPTH:
            raise Invalid(f"the agenda is at most {MAX_DEPTH} levels deep", {"parent": "too deep"})
    if (
        isinstance(duration_minutes, bool)
        or not isinstance(duration_minutes, int)
        or not 0 <= duration_minutes <= 24 * 60
    ):
        raise Invalid("a duration is 0 to 1440 minutes", {"duration_minutes": "out of range"})
    order = AgendaItem.objects.filter(meeting=m, parent=parent).count() + 1
    with transaction.atomic():
        item = AgendaItem.objects.create(
            meeting=m,
            parent=parent,
            order=order,
            title=title,
            description=description,
            duration_minutes=duration_minutes,
        )
        record(viewer.member, "meetings.item.add", item, {"title": title}, m.label)
    _notify(m, "agenda", item=item.pk)
    return item


def remove_item(viewer: Viewer, m: Meeting, item_id: int) -> None:
    """Take an item (and its sub-items) off the agenda, unless minutes were written on it."""
    m = _fresh(viewer, m)
    _require_editor(viewer, m)
    item = _item(m, item_id)
    ids = [item.pk]
    frontier = [item.pk]
    while frontier:
        frontier = list(
            AgendaItem.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        ids += frontier
    if Minutes.objects.filter(item_id__in=ids).exists():
        raise Conflict(
            "minutes were written on this item (or a sub-item): it stays on the agenda",
            {"item": "has minutes"},
        )
    with transaction.atomic():
        record(viewer.member, "meetings.item.remove", item, {"title": item.title}, m.label)
        item.delete()
    _notify(m, "agenda")


def link_item(viewer: Viewer, m: Meeting, item_id: int, kind: str, target_id: int):
    """Link an agenda item to a clause, agenda issue or text of the negotiation (core.links:
    shown only to readers of both ends)."""
    m = _fresh(viewer, m)
    _require_editor(viewer, m)
    item = _item(m, item_id)
    if kind not in LINKABLE_KINDS:
        raise Invalid(
            "an agenda item links to a clause, an agenda issue or a text", {"kind": "unknown"}
        )
    target = links.resolve(viewer, kind, target_id) if valid_id(target_id) else None
    if target is None:
        raise NotFound("the linked object was not found")
    link = core_services.add_link(viewer, item, target, AGENDA_RELATION)
    _notify(m, "agenda", item=item.pk)
    return link


# --- attendance ---------------------------------------------------------------------------------
def record_attendance(
    viewer: Viewer, m: Meeting, *, member_id: int, status: str, proxy_id: int | None = None
) -> Attendance:
    """Record one member as present, represented by a proxy, or absent (chair or rapporteur,
    from an hour before the start)."""
    m = _fresh(viewer, m)
    _require_officer(viewer, m, "take its attendance")
    if status not in Attendance.Status.values:
        raise Invalid(
            "attendance is present, proxy (represented by proxy) or absent", {"status": "unknown"}
        )
    if timezone.now() < m.starts_at - ATTENDANCE_EARLY:
        raise Conflict(
            "attendance is taken in the meeting: it has not started yet", {"meeting": "not started"}
        )
    member = _member(viewer, member_id, "attendee")
    _must_read(member, m.label.value, "attendee")
    proxy = None
    if status == Attendance.Status.PROXY:
        if proxy_id in (None, "", 0):
            raise Invalid("name the member who holds the proxy", {"proxy": "required"})
        proxy = _member(viewer, proxy_id, "proxy")
        if proxy.pk == member.pk:
            raise Invalid("a member cannot hold their own proxy", {"proxy": "same member"})
        _must_read(proxy, m.label.value, "proxy")
    elif proxy_id not in (None, "", 0):
        raise Invalid(
            "a proxy is named only for a member represented by proxy", {"proxy": "unexpected"}
        )
    with transaction.atomic():
        row, _ = Attendance.objects.update_or_create(
            meeting=m,
            member=member,
            defaults={
                "status": status,
                "proxy": proxy,
                "recorded_by": viewer.member,
                "recorded_at": timezone.now(),
            },
        )
        record(
            viewer.member,
            "meetings.attendance",
            row,
            {"status": status},
            m.label,
            refs=[member] + ([proxy] if proxy else []),
        )
    _notify(m, "attendance")
    return row


def attending_party_ids(m: Meeting) -> set[int]:
    """Parties with a member present or represented (they comment on circulated minutes)."""
    return set(
        Attendance.objects.filter(
            meeting=m, status__in=[Attendance.Status.PRESENT, Attendance.Status.PROXY]
        ).values_list("member__party_id", flat=True)
    )


# --- minutes ------------------------------------------------------------------------------------
def content_hash(body: str) -> str:
    """The SHA-256 of minutes as finalised (UTF-8 of the Markdown text)."""
    return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()


def _final_refusal(mn: Minutes) -> Conflict:
    return Conflict(
        f"these minutes are {mn.get_status_display().lower()} and cannot be changed; "
        "issue a corrigendum to correct them",
        {"minutes": mn.status},
    )


def _minutes(viewer: Viewer, m: Meeting, minutes_id: object) -> Minutes:
    mn = None
    if valid_id(minutes_id):
        mn = Minutes.objects.filter(meeting=m, pk=minutes_id).first()
    if mn is None:
        raise NotFound("minutes not found")
    return mn


def _body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if len(body) > MINUTES_MAX:
        raise Invalid(f"minutes are at most {MINUTES_MAX} characters", {"body": "too long"})
    return body


def _revise(viewer: Viewer, mn: Minutes, body: str) -> Minutes:
    mn.revision += 1
    mn.body = body
    mn.updated_at = timezone.now()
    mn.save()
    MinutesRevision.objects.create(minutes=mn, number=mn.revision, body=body, author=viewer.member)
    return mn


def save_minutes(
    viewer: Viewer,
    m: Meeting,
    *,
    body: str,
    item_id: int | None = None,
    base_revision: int | None = None,
) -> Minutes:
    """Write the minutes of the meeting (item empty) or of one agenda item: every save is a
    revision (who, when). Final minutes are refused with 409 and nothing is written.
    `base_revision`, when given, must be the current revision (two editors never overwrite
    each other unseen)."""
    m = _fresh(viewer, m)
    _require_officer(viewer, m, "write its minutes")
    item = _item(m, item_id) if item_id not in (None, "", 0) else None
    mn = Minutes.objects.filter(meeting=m, item=item, corrects__isnull=True).first()
    return _save(viewer, m, mn, body, base_revision, item=item)


def save_minutes_by_id(
    viewer: Viewer, m: Meeting, minutes_id: int, *, body: str, base_revision: int | None = None
) -> Minutes:
    """Save existing minutes (or a corrigendum) by their id."""
    m = _fresh(viewer, m)
    mn = _minutes(viewer, m, minutes_id)
    _require_officer(viewer, m, "write its minutes")
    return _save(viewer, m, mn, body, base_revision, item=mn.item)


def _save(viewer, m, mn, body, base_revision, *, item) -> Minutes:
    if mn is not None and mn.is_final:
        raise _final_refusal(mn)
    body = _body(body)
    if not body:
        raise Invalid("the minutes are empty", {"body": "required"})
    current = mn.revision if mn is not None else 0
    if base_revision is not None and base_revision != current:
        raise Conflict(
            f"the minutes changed since you opened them (now revision {current}); "
            "reload and apply your change again",
            {"base_revision": "stale"},
        )
    with transaction.atomic():
        if mn is None:
            mn = Minutes.objects.create(meeting=m, item=item, created_by=viewer.member)
        else:
            mn = Minutes.objects.select_for_update().get(pk=mn.pk)
            if mn.is_final:
                raise _final_refusal(mn)
        _revise(viewer, mn, body)
        record(viewer.member, "meetings.minutes.save", mn, {"revision": mn.revision}, m.label)
    _notify(m, "minutes", minutes=mn.pk)
    return mn


def circulate_minutes(viewer: Viewer, m: Meeting, minutes_id: int) -> Minutes:
    """Draft → circulated for comment (an officer)."""
    m = _fresh(viewer, m)
    mn = _minutes(viewer, m, minutes_id)
    _require_officer(viewer, m, "circulate its minutes")
    if mn.status != Minutes.Status.DRAFT:
        raise Conflict(
            f"only draft minutes are circulated; these are {mn.get_status_display().lower()}",
            {"minutes": mn.status},
        )
    if not mn.body:
        raise Invalid("the minutes are empty: write them first", {"body": "required"})
    with transaction.atomic():
        mn.status = Minutes.Status.CIRCULATED
        mn.circulated_at = timezone.now()
        mn.save(update_fields=["status", "circulated_at"])
        record(viewer.member, "meetings.minutes.circulate", mn, {"revision": mn.revision}, m.label)
    _notify(m, "minutes", minutes=mn.pk)
    return mn


def comment_minutes(
    viewer: Viewer, m: Meeting, minutes_id: int, *, text: str, wording: str = ""
) -> MinutesComment:
    """Comment on circulated minutes, or propose wording (members of the attending parties,
    and the officers)."""
    m = _fresh(viewer, m)
    mn = _minutes(viewer, m, minutes_id)
    if mn.status != Minutes.Status.CIRCULATED:
        raise Conflict(
            "minutes take comments only while circulated for comment", {"minutes": mn.status}
        )
    if not _is_officer(viewer, m) and viewer.member.party_id not in attending_party_ids(m):
        raise Forbidden("only members of the parties that attended comment on these minutes")
    text = (text or "").strip()
    if not text:
        raise Invalid("a comment needs a text", {"text": "required"})
    if len(text) > COMMENT_MAX or len(wording or "") > COMMENT_MAX:
        raise Invalid(f"a comment is at most {COMMENT_MAX} characters", {"text": "too long"})
    with transaction.atomic():
        c = MinutesComment.objects.create(
            minutes=mn,
            author=viewer.member,
            text=text,
            wording=(wording or "").strip(),
            revision=mn.revision,
        )
        record(viewer.member, "meetings.minutes.comment", c, {"minutes": mn.pk}, m.label)
    _notify(m, "minutes", minutes=mn.pk)
    return c


def finalise_minutes(viewer: Viewer, m: Meeting, minutes_id: int) -> Minutes:
    """Circulated → final (the rapporteur; the chair when the meeting has none). The text is
    frozen and its SHA-256 is recorded in the ledger."""
    m = _fresh(viewer, m)
    mn = _minutes(viewer, m, minutes_id)
    finaliser = m.rapporteur_id or m.chair_id
    if viewer.member is None or viewer.member.pk != finaliser:
        raise Forbidden("only the rapporteur of this meeting finalises its minutes")
    if mn.status != Minutes.Status.CIRCULATED:
        raise Conflict(
            "minutes are finalised after they were circulated for comment; these are "
            f"{mn.get_status_display().lower()}",
            {"minutes": mn.status},
        )
    with transaction.atomic():
        mn.status = Minutes.Status.FINAL
        mn.content_hash = content_hash(mn.body)
        mn.finalised_by = viewer.member
        mn.finalised_at = timezone.now()
        mn.save(update_fields=["status", "content_hash", "finalised_by", "finalised_at"])
        record(
            viewer.member,
            "meetings.minutes.finalise",
            mn,
            {"revision": mn.revision, "sha256": mn.content_hash},
            m.label,
        )
    _notify(m, "minutes", minutes=mn.pk)
    return mn


def lock_minutes(viewer: Viewer, m: Meeting, minutes_id: int) -> Minutes:
    """Final → locked (an officer): the record of the meeting is closed, no more corrigenda."""
    m = _fresh(viewer, m)
    mn = _minutes(viewer, m, minutes_id)
    _require_officer(viewer, m, "lock its minutes")
    if mn.status != Minutes.Status.FINAL:
        raise Conflict(
            f"only final minutes are locked; these are {mn.get_status_display().lower()}",
            {"minutes": mn.status},
        )
    if mn.corrigenda.exclude(status__in=[Minutes.Status.FINAL, Minutes.Status.LOCKED]).exists():
        raise Conflict(
            "a corrigendum to these minutes is still open: finalise it first",
            {"minutes": "open corrigendum"},
        )
    with transaction.atomic():
        mn.status = Minutes.Status.LOCKED
        mn.locked_at = timezone.now()
        mn.save(update_fields=["status", "locked_at"])
        record(viewer.member, "meetings.minutes.lock", mn, {"sha256": mn.content_hash}, m.label)
    _notify(m, "minutes", minutes=mn.pk)
    return mn


def issue_corrigendum(viewer: Viewer, m: Meeting, minutes_id: int, *, body: str) -> Minutes:
    """A correction of final minutes: new minutes (draft) linked to them, through the same
    circulate → final cycle. The final minutes themselves never change."""
    m = _fresh(viewer, m)
    mn = _minutes(viewer, m, minutes_id)
    _require_officer(viewer, m, "issue corrigenda")
    if mn.corrects_id is not None:
        raise Invalid(
            "a corrigendum corrects final minutes, not another corrigendum",
            {"minutes": "corrigendum"},
        )
    if mn.status == Minutes.Status.LOCKED:
        raise Conflict(
            "these minutes are locked: the record of the meeting is closed", {"minutes": "locked"}
        )
    if mn.status != Minutes.Status.FINAL:
        raise Conflict(
            "only final minutes take a corrigendum; edit these instead", {"minutes": mn.status}
        )
    if mn.corrigenda.exclude(status=Minutes.Status.FINAL).exists():
        raise Conflict(
            "a corrigendum to these minutes is already open", {"minutes": "open corrigendum"}
        )
    body = _body(body)
    if not body:
        raise Invalid("the corrigendum is empty", {"body": "required"})
    with transaction.atomic():
        cg = Minutes.objects.create(meeting=m, item=mn.item, corrects=mn, created_by=viewer.member)
        _revise(viewer, cg, body)
        record(
            viewer.member,
            "meetings.minutes.corrigendum",
            cg,
            {"corrects": mn.pk, "sha256_corrected": mn.content_hash},
            m.label,
        )
    _notify(m, "minutes", minutes=cg.pk)
    return cg


# --- calendar feeds -----------------------------------------------------------------------------
def feed_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_feed(viewer: Viewer) -> tuple[CalendarFeed, str]:
    """A new secret feed URL for the viewer (any member); the previous one stops working.
    Returns the feed and its token, which is shown once and never stored."""
    if viewer.member is None:
        raise NotFound("process not found")
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        CalendarFeed.objects.filter(member=viewer.member, revoked_at__isnull=True).update(
            revoked_at=now
        )
        feed = CalendarFeed.objects.create(
            member=viewer.member, digest=feed_digest(secret), prefix=secret[:6]
        )
        record(
            viewer.member,
            "meetings.feed.create",
            feed,
            {"prefix": feed.prefix},
            viewer.member.label,
        )
    return feed, secret


def revoke_feed(viewer: Viewer) -> int:
    """Revoke the viewer's feed URL (it answers 404 from now on). Returns how many."""
    if viewer.member is None:
        raise NotFound("process not found")
    live = list(CalendarFeed.objects.filter(member=viewer.member, revoked_at__isnull=True))
    if not live:
        raise Conflict("you have no calendar feed to revoke", {"feed": "none"})
    with transaction.atomic():
        for feed in live:
            feed.revoked_at = timezone.now()
            feed.save(update_fields=["revoked_at"])
            record(
                viewer.member,
                "meetings.feed.revoke",
                feed,
                {"prefix": feed.prefix},
                viewer.member.label,
            )
    return len(live)


def feed_member(slug: str, secret: str) -> Member:
    """The member a live feed token stands for in the process `slug`, or 404 (unknown,
    revoked, another process's or an inactive member's token all look the same)."""
    secret = secret or ""
    if not 20 <= len(secret) <= 100:
        raise NotFound("calendar feed not found")
    feed = (
        CalendarFeed.objects.select_related("member__process", "member__party", "member__user")
        .filter(digest=feed_digest(secret), revoked_at__isnull=True)
        .first()
    )
    m = feed.member if feed else None
    if (
        m is None
        or not m.active
        or not m.user.is_active
        or m.process.slug != slug
        or not secrets.compare_digest(feed.digest, feed_digest(secret))
    ):
        raise NotFound("calendar feed not found")
    now = timezone.now()
    if feed.last_used_at is None or (now - feed.last_used_at).total_seconds() > 300:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
    return m


# --- action items -------------------------------------------------------------------------------
REMIND_BEFORE = timedelta(days=2)  # "due soon" from two days before the due date
ACTION_MAX = 500
REMINDER_ACTOR = "reminder service"


def _action(m: Meeting, action_id: object) -> ActionItem:
    a = None
    if valid_id(action_id):
        a = ActionItem.objects.filter(meeting=m, pk=action_id).first()
    if a is None:
        raise NotFound("action item not found")
    return a


def add_action(
    viewer: Viewer,
    m: Meeting,
    *,
    text: str,
    due_date: date | None,
    owner_member_id: int | None = None,
    owner_party: str | None = None,
    minutes_id: int | None = None,
) -> ActionItem:
    """Record an action item from the meeting (chair or rapporteur): one owner — a member
    who may read the meeting, or a party inside its REL TO — and a due date not in the past."""
    m = _fresh(viewer, m)
    _require_officer(viewer, m, "record its action items")
    text = " ".join((text or "").split())
    if not text:
        raise Invalid("an action item needs a text", {"text": "required"})
    if len(text) > ACTION_MAX:
        raise Invalid(f"an action item is at most {ACTION_MAX} characters", {"text": "too long"})
    if not isinstance(due_date, date):
        raise Invalid("an action item needs a due date", {"due_date": "required"})
    if due_date < timezone.now().date():
        raise Invalid("the due date is in the past", {"due_date": "in the past"})
    has_member = owner_member_id not in (None, "", 0)
    has_party = bool((owner_party or "").strip())
    if has_member == has_party:
        raise Invalid("an action item has one owner: a member or a party", {"owner": "one"})
    member = party = None
    if has_member:
        member = _member(viewer, owner_member_id, "owner")
        _must_read(member, m.label.value, "owner")
    else:
        party = _parties(viewer, [owner_party])[0]
        rel = m.label.value.rel_to
        if rel is not None and party.code.upper() not in rel:
            raise Invalid(
                f"{party.code} may not read this meeting: it cannot own its actions",
                {"owner": "outside the label"},
            )
    mn = _minutes(viewer, m, minutes_id) if minutes_id not in (None, "", 0) else None
    with transaction.atomic():
        a = ActionItem.objects.create(
            meeting=m,
            minutes=mn,
            text=text,
            owner_member=member,
            owner_party=party,
            due_date=due_date,
            created_by=viewer.member,
        )
        record(
            viewer.member,
            "meetings.action.add",
            a,
            {"due": due_date.isoformat(), "party": party.code if party else None},
            m.label,
        )
    _notify(m, "action", action=a.pk)
    return a


def owns(viewer: Viewer, a: ActionItem) -> bool:
    """The owner of an action item: its member, or any member of its party."""
    if viewer.member is None:
        return False
    if a.owner_member_id is not None:
        return a.owner_member_id == viewer.member.pk
    return a.owner_party_id == viewer.member.party_id


def set_action_status(viewer: Viewer, m: Meeting, action_id: int, status: str) -> ActionItem:
    """Mark an action item done, dropped, or open again (its owner, or the meeting's officers)."""
    m = _fresh(viewer, m)
    a = _action(m, action_id)
    if not owns(viewer, a) and not _is_officer(viewer, m):
        raise Forbidden(
            "only the owner of this action item or the meeting's chair or "
            "rapporteur change its status"
        )
    if status not in ActionItem.Status.values:
        raise Invalid("the status is open, done or dropped", {"status": "unknown"})
    if status == a.status:
        return a
    with transaction.atomic():
        a.status = status
        a.closed_at = None if status == ActionItem.Status.OPEN else timezone.now()
        a.save(update_fields=["status", "closed_at"])
        record(viewer.member, "meetings.action.status", a, {"status": status}, m.label)
    _notify(m, "action", action=a.pk)
    return a


def _recipients(a: ActionItem) -> list[Member]:
    """Who is reminded: the owning member, or the members of the owning party — each only
    if they may still read the meeting."""
    if a.owner_member_id is not None:
        candidates = [a.owner_member] if a.owner_member.active else []
    else:
        candidates = list(
            Member.objects.filter(party_id=a.owner_party_id, active=True).select_related(
                "party", "user", "process"
            )
        )
    label = a.meeting.label.value
    return [mem for mem in candidates if access.can_read(_reader(mem), label)]


def send_reminders(now: datetime | None = None) -> list[ActionReminder]:
    """Remind the owners of open action items: once from two days before the due date
    ("due soon"), once after it ("overdue"). Each reminder is stored once, so running the job
    again sends nothing twice. Mail names only the action and its meeting, which the
    recipient may read."""
    from django.conf import settings
    from django.core.mail import send_mail

    now = now or timezone.now()
    today = now.date()
    sent: list[ActionReminder] = []
    due = (
        ActionItem.objects.filter(
            status=ActionItem.Status.OPEN, due_date__lte=today + REMIND_BEFORE
        )
        .select_related(
            "meeting__label",
            "meeting__process",
            "owner_member__party",
            "owner_member__user",
            "owner_member__process",
        )
        .order_by("pk")
    )
    for a in due:
        kind = ActionReminder.Kind.AFTER if a.due_date < today else ActionReminder.Kind.BEFORE
        done = set(
            ActionReminder.objects.filter(action=a, kind=kind).values_list("member_id", flat=True)
        )
        todo = [mem for mem in _recipients(a) if mem.pk not in done]
        if not todo:
            continue
        m = a.meeting
        names = m.process.level_names
        with transaction.atomic():
            rows = [
                ActionReminder.objects.create(action=a, member=mem, kind=kind, sent_at=now)
                for mem in todo
            ]
            record(
                REMINDER_ACTOR,
                f"meetings.action.{'overdue' if kind == 'after' else 'due'}",
                a,
                {"due": a.due_date.isoformat(), "reminded": len(rows)},
                m.label,
                process=m.process,
            )
        _notify(m, "reminder", action=a.pk)
        words = "is overdue" if kind == ActionReminder.Kind.AFTER else "is due soon"
        for mem in todo:
            if mem.user.email:
                send_mail(
                    f"[{m.label.value.display(names)}] Action item {words} — {m.process.name}",
                    f"{a.text}\n\nDue {a.due_date.isoformat()}, from the meeting “{m.title}”.\n",
                    settings.DEFAULT_FROM_EMAIL,
                    [mem.user.email],
                    fail_silently=True,
                )
        sent += rows
    return sent


# --- decisions under an explicit rule -----------------------------------------------------------
AUTHORITY = {"head_of_delegation", "negotiator"}
THRESHOLDS = {
    "1/2+": "more than half",
    "2/3": "at least two thirds",
    "3/4": "at least three quarters",
}


def threshold_of(code: str) -> rules.Threshold:
    """ "1/2+" → more than half; "2/3" → at least two thirds; "p/q" → at least p/q."""
    code = (code or "1/2+").strip()
    strict = code.endswith("+")
    num, _, den = code.rstrip("+").partition("/")
    try:
        frac = Fraction(int(num), int(den))
    except (ValueError, ZeroDivisionError) as exc:
        raise Invalid(
            f"threshold {code!r} is not a fraction like 2/3", {"threshold": "bad"}
        ) from exc
    try:
        return rules.Threshold(frac, strict=strict)
    except rules.RuleError as exc:
        raise Invalid(exc.fault, {"threshold": "bad"}) from exc


def procedure_of(d: Decision) -> rules.Procedure:
    return rules.Procedure(
        rule=d.rule,
        threshold=threshold_of(d.threshold),
        base=d.base,
        quorum=d.quorum,
        opens_at=d.opens_at,
        closes_at=d.closes_at,
    )


def _eligible(d: Decision) -> dict[str, Fraction] | list[str]:
    weights = {k: Fraction(str(v)) for k, v in d.eligible.items()}
    return weights if any(w != 1 for w in weights.values()) else sorted(weights)


def present_parties(m: Meeting) -> set[str]:
    return set(
        Attendance.objects.filter(
            meeting=m, status__in=[Attendance.Status.PRESENT, Attendance.Status.PROXY]
        ).values_list("member__party__code", flat=True)
    )


def ballots_of(d: Decision) -> list[rules.Ballot]:
    return [
        rules.Ballot(
            party=v.party.code,
            choice=v.choice,
            cast_at=v.cast_at,
            by=v.proxy_holder.code if v.proxy_holder_id else None,
            text=v.text,
            amendment=v.amendment,
        )
        for v in d.votes.select_related("party", "proxy_holder").order_by("pk")
    ]


def compute(d: Decision, now: datetime | None = None, extra: list | None = None) -> rules.Verdict:
    """The verdict of a decision at `now` (rules.decide), with the meeting's parties present."""
    try:
        return rules.decide(
            procedure_of(d),
            _eligible(d),
            ballots_of(d) + list(extra or []),
            now=now or timezone.now(),
            present=present_parties(d.meeting)
            if d.rule in ("consensus", "unanimity", "majority")
            else None,
        )
    except rules.RuleError as exc:
        raise Invalid(exc.fault, {"decision": "rule"}) from exc


def propose(
    viewer: Viewer,
    m: Meeting,
    *,
    title: str,
    text: str,
    rule: str,
    eligible: list[str] | dict[str, float],
    threshold: str = "1/2+",
    base: str = "cast",
    quorum: int | None = None,
    closes_at: datetime | None = None,
    secret: bool = False,
    item_id: int | None = None,
    label: LabelValue | None = None,
) -> Decision:
    """Put a proposal to the eligible parties under one decision rule (the meeting's chair or
    rapporteur, or whoever may run meetings). The rule is checked by rules.validate: a quorum
    above the eligible count or a deadline in the past is refused. Its label is the meeting's
    combined with the one chosen (by default the meeting's): never less restricted than the
    meeting, readable by the proposer and by an officer (who closes it), and releasable to
    every eligible party."""
    m = _fresh(viewer, m)
    if not _is_officer(viewer, m):
        access.require(viewer, MANAGE)
    title = _text(title, "title", TITLE_MAX)
    text = (text or "").strip()
    if not text:
        raise Invalid("a proposal needs a text", {"text": "required"})
    if len(text) > 20_000:
        raise Invalid("a proposal is at most 20000 characters", {"text": "too long"})
    if isinstance(eligible, dict):
        codes = list(eligible)
        weights = {}
        for c, w in eligible.items():
            if isinstance(w, bool) or not isinstance(w, int | float) or w <= 0 or w > 1000:
                raise Invalid(f"the weight of {c} must be a number above 0", {"eligible": "weight"})
            weights[c.upper()] = w
    else:
        codes = list(eligible or [])
        weights = {c.upper(): 1 for c in codes}
    parties = _parties(viewer, codes)
    if not parties:
        raise Invalid("name the eligible parties", {"eligible": "required"})
    rel = m.label.value.rel_to
    outside = [p.code for p in parties if rel is not None and p.code.upper() not in rel]
    if outside:
        raise Invalid(
            f"{', '.join(outside)} may not read this meeting: not eligible",
            {"eligible": "outside the label"},
        )
    chosen = label or m.label.value
    access.check_can_apply(viewer, chosen)
    final = combine([m.label.value, chosen])
    rel = final.rel_to
    outside = [p.code for p in parties if rel is not None and p.code.upper() not in rel]
    if outside:
        raise Invalid(
            f"the label must be releasable to the eligible parties: {', '.join(outside)} "
            "may not read it",
            {"label.rel_to": "excludes an eligible party"},
        )
    officers = [mem for mem in (m.chair, m.rapporteur) if mem is not None]
    if not any(access.can_read(_reader(mem), final) for mem in officers):
        raise Invalid(
            "neither the chair nor the rapporteur of this meeting may read this label: "
            "nobody could close the decision",
            {"label": "unreadable by the officers"},
        )
    if closes_at is not None and timezone.is_naive(closes_at):
        closes_at = closes_at.replace(tzinfo=ZoneInfo(m.time_zone))
    if closes_at is not None:
        closes_at = closes_at.astimezone(UTC)  # as stored (see _aware)
    item = _item(m, item_id) if item_id not in (None, "", 0) else None
    now = timezone.now()
    if closes_at is not None and closes_at <= now:
        raise Invalid("the deadline is already past: give a time to come", {"closes_at": "past"})
    d = Decision(
        meeting=m,
        item=item,
        title=title,
        text=text,
        rule=rule,
        threshold=threshold or "1/2+",
        base=base or "cast",
        quorum=quorum,
        opens_at=now,
        closes_at=closes_at,
        eligible={p.code: weights[p.code.upper()] for p in parties},
        secret=bool(secret),
        created_by=viewer.member,
    )
    try:
        rules.validate(procedure_of(d), _eligible(d), now=now)
    except rules.RuleError as exc:
        raise Invalid(exc.fault, {"decision": "rule"}) from exc
    with transaction.atomic():
        d.label = access.label_row(m.process, final)
        d.save()
        record(viewer.member, "meetings.decision.propose", d, {"rule": d.rule}, d.label)
    _decision_notify(m, d)
    return d


def _decision(viewer: Viewer, m: Meeting, decision_id: object) -> Decision:
    """A decision of the meeting that the viewer may read (its own label), or 404."""
    return queries.decision(viewer, m, decision_id)


def cast_vote(
    viewer: Viewer,
    m: Meeting,
    decision_id: int,
    *,
    choice: str,
    party: str | None = None,
    text: str = "",
    amendment: str = "",
) -> DecisionVote:
    """Cast (or change) a party's ballot: by a member of that party holding the authority
    (head of delegation or negotiator), or by the member holding its proxy in this meeting."""
    m = _fresh(viewer, m)
    d = _decision(viewer, m, decision_id)
    if d.status != Decision.Status.OPEN:
        raise Conflict("the decision is closed: no more votes", {"decision": "closed"})
    roles = {r.value for r in viewer.member.active_roles()}
    if not roles & AUTHORITY:
        raise Forbidden("only a head of delegation or a negotiator casts a party's vote")
    own = viewer.member.party
    target = _parties(viewer, [party])[0] if (party or "").strip() else own
    holder = None
    if target.pk != own.pk:
        held = Attendance.objects.filter(
            meeting=m, member__party=target, status=Attendance.Status.PROXY, proxy=viewer.member
        ).exists()
        if not held:
            raise Forbidden(f"you do not hold {target.code}'s proxy in this meeting")
        holder = own
    if target.code not in d.eligible:
        raise Forbidden(f"{target.code} is not eligible in this decision")
    if len(text or "") > COMMENT_MAX or len(amendment or "") > COMMENT_MAX:
        raise Invalid(
            f"a reason or amendment is at most {COMMENT_MAX} characters", {"text": "too long"}
        )
    now = timezone.now()
    if not choice:
        raise Invalid("choose an answer", {"choice": "required"})
    try:
        ballot = rules.Ballot(
            party=target.code,
            choice=choice,
            cast_at=now,
            by=holder.code if holder else None,
            text=text or "",
            amendment=amendment or "",
        )
    except rules.RuleError as exc:
        raise Invalid(exc.fault, {"choice": "unknown"}) from exc
    if d.closes_at is not None and now > d.closes_at and d.rule not in ("silence", "ad_referendum"):
        raise Conflict("the vote is closed: its deadline has passed", {"decision": "closed"})
    others = [b for b in ballots_of(d) if b.party != target.code]
    try:
        rules.decide(procedure_of(d), _eligible(d), [*others, ballot], now=now)
    except rules.RuleError as exc:
        raise Invalid(exc.fault, {"choice": "refused"}) from exc
    payload = {"party": target.code} if d.secret else {"party": target.code, "choice": choice}
    with transaction.atomic():
        vote, _ = DecisionVote.objects.update_or_create(
            decision=d,
            party=target,
            defaults={
                "choice": ballot.choice.value,
                "cast_by": viewer.member,
                "proxy_holder": holder,
                "text": ballot.text,
                "amendment": ballot.amendment,
                "cast_at": now,
            },
        )
        record(viewer.member, "meetings.decision.vote", d, payload, d.label)
    _decision_notify(m, d)
    return vote


def close_decision(viewer: Viewer, m: Meeting, decision_id: int) -> Decision:
    """Close a decision (the chair or rapporteur): the verdict computed at this moment is
    stored with its arithmetic and recorded. A written procedure (silence, ad referendum) is
    closed only once its verdict is final."""
    m = _fresh(viewer, m)
    d = _decision(viewer, m, decision_id)
    _require_officer(viewer, m, "close its decisions")
    if d.status != Decision.Status.OPEN:
        raise Conflict("the decision is already closed", {"decision": "closed"})
    now = timezone.now()
    if d.closes_at is not None and now < d.closes_at and d.rule in ("silence", "ad_referendum"):
        v = compute(d, now)
        if not v.final:
            raise Conflict("the procedure runs until its deadline", {"decision": "running"})
    v = compute(
        d,
        min(now, d.closes_at)
        if d.closes_at and d.rule not in ("silence", "ad_referendum")
        else now,
    )
    if d.secret:
        v = v.redacted()
    with transaction.atomic():
        d.status = Decision.Status.CLOSED
        d.closed_at = now
        d.closed_by = viewer.member
        d.outcome = v.outcome.value
        d.arithmetic = v.arithmetic
        d.verdict = v.to_dict()
        d.save()
        record(
            viewer.member,
            "meetings.decision.close",
            d,
            {"outcome": d.outcome, "arithmetic": d.arithmetic},
            d.label,
        )
    _decision_notify(m, d)
    return d


CLOCK_ACTOR = "decision clock"


def _mail_members(members: list[Member], subject: str, body: str) -> None:
    from django.conf import settings
    from django.core.mail import send_mail

    for mem in members:
        if mem.user.email:
            send_mail(
                subject, body, settings.DEFAULT_FROM_EMAIL, [mem.user.email], fail_silently=True
            )


def run_decision_clocks(now: datetime | None = None) -> list[DecisionNotice]:
    """The clocks of written procedures. A silence procedure whose verdict is final (broken,
    or adopted at the expiry) and an ad-referendum decision that is final (all confirmed, or
    one declined) are closed and everyone who may read the meeting is told at once; past the
    capitals' deadline the heads of the delegations awaited get a reminder, then the chair a
    notice. Everything is said under the decision's own label, to those who may read it. Each
    step is stored once: running again repeats nothing."""
    now = now or timezone.now()
    done: list[DecisionNotice] = []
    open_ = Decision.objects.filter(
        status=Decision.Status.OPEN, rule__in=["silence", "ad_referendum"]
    ).select_related(
        "label",
        "meeting__label",
        "meeting__process",
        "meeting__chair__user",
        "meeting__chair__party",
    )
    for d in open_.order_by("pk"):
        m = d.meeting
        v = compute(d, now)
        if d.secret:
            v = v.redacted()
        taken = set(d.notices.values_list("step", flat=True))
        names = m.process.level_names
        subject = f"[{d.label.value.display(names)}] {d.title}: "
        steps: list[tuple[str, list[Member], str]] = []
        if v.final:
            steps.append(("outcome", _readers(m.process, d.label), v.outcome_words))
        else:
            for s in v.escalation:
                if not s.due or s.step in taken:
                    continue
                if s.step == "reminder":
                    heads = _heads(m.process, d.label, s.parties)
                    steps.append(("reminder", heads, "confirmation awaited"))
                else:
                    chair = [m.chair] if _may_read(m.chair, d.label) else []
                    steps.append(("chair_notice", chair, "capitals overdue"))
        for step, members, words in steps:
            if step in taken:
                continue
            with transaction.atomic():
                n = DecisionNotice.objects.create(decision=d, step=step, sent_at=now)
                if step == "outcome":
                    d.status = Decision.Status.CLOSED
                    d.closed_at = now
                    d.outcome = v.outcome.value
                    d.arithmetic = v.arithmetic
                    d.verdict = v.to_dict()
                    d.save()
                record(
                    CLOCK_ACTOR,
                    f"meetings.decision.{step}",
                    d,
                    {"outcome": v.outcome.value, "arithmetic": v.arithmetic},
                    d.label,
                    process=m.process,
                )
            _decision_notify(m, d)
            _mail_members(members, subject + words, f"{v.arithmetic}\n\n{d.text}\n")
            done.append(n)
    return done


# --- rules of procedure -------------------------------------------------------------------------
LADDER_MAX = 8
STEP_DAYS_MAX = 365
OBJECTIVE_HOURS_MAX = 24 * 90
DISPUTE_TEXT_MAX = 20_000
EXTENSION_DAYS_MAX = 90
DISPUTE_CLOCK = "dispute clock"
CONCERN_CLOCK = "concern clock"
DISPUTE_SUBJECTS = ("negotiation.clause", "meetings.decision", "implementation.commitment")


def set_procedures(viewer: Viewer, *, ladder=None, objectives=None) -> Procedures:
    """Set the process's dispute ladder and concern response-time objectives (whoever manages
    the process). Running disputes keep the ladder they were raised under."""
    access.require(viewer, Perm.MANAGE_PROCESS)
    current = queries.procedures(viewer.process)
    new_ladder = _ladder(ladder) if ladder is not None else current.ladder
    new_objectives = _objectives(objectives) if objectives is not None else current.objectives
    with transaction.atomic():
        row, _ = Procedures.objects.get_or_create(process=viewer.process)
        row.ladder, row.objectives = new_ladder, new_objectives
        row.updated_by, row.updated_at = viewer.member, timezone.now()
        row.save()
        record(viewer.member, "meetings.procedures", row, {"ladder": new_ladder}, None)
    return row


def _ladder(steps) -> list[dict]:
    if not isinstance(steps, list) or not 2 <= len(steps) <= LADDER_MAX:
        raise Invalid(
            f"a dispute ladder has 2 to {LADDER_MAX} steps", {"ladder": "wrong number of steps"}
        )
    out = []
    for i, step in enumerate(steps, 1):
        step = step if isinstance(step, dict) else {}
        name = _text(step.get("name"), f"name of step {i}", TITLE_MAX)
        days = step.get("days", 0)
        if not isinstance(days, int) or isinstance(days, bool):
            raise Invalid(f"the days of step {i} must be a whole number", {"ladder": "days"})
        last = i == len(steps)
        if last and days != 0:
            raise Invalid(
                "the last step of a ladder (the referral) has no clock: give it 0 days",
                {"ladder": "last step with a clock"},
            )
        if not last and not 1 <= days <= STEP_DAYS_MAX:
            raise Invalid(
                f"step {i} ({name}) needs a clock of 1 to {STEP_DAYS_MAX} days",
                {"ladder": "days out of range"},
            )
        out.append({"name": name, "days": days, "advisory": bool(step.get("advisory"))})
    return out


def _objectives(data) -> dict:
    out = {}
    data = data if isinstance(data, dict) else {}
    for sev in Concern.Severity.values:
        o = data.get(sev) if isinstance(data.get(sev), dict) else {}
        ack, resp = o.get("acknowledge"), o.get("respond")
        for what, h in (("acknowledge", ack), ("respond", resp)):
            if not isinstance(h, int) or isinstance(h, bool) or not 1 <= h <= OBJECTIVE_HOURS_MAX:
                raise Invalid(
                    f"the time to {what} a {sev}-severity concern must be 1 to "
                    f"{OBJECTIVE_HOURS_MAX} hours",
                    {f"objectives.{sev}.{what}": "out of range"},
                )
        if ack > resp:
            raise Invalid(
                f"a {sev}-severity concern cannot be due for acknowledgement after its response",
                {f"objectives.{sev}": "acknowledge after respond"},
            )
        out[sev] = {"acknowledge": ack, "respond": resp}
    return out


# --- disputes -----------------------------------------------------------------------------------
def _party(viewer: Viewer, code: object, what: str) -> Party:
    code = (code or "").strip().upper() if isinstance(code, str) else ""
    p = Party.objects.filter(process=viewer.process, code__iexact=code).first() if code else None
    if p is None:
        raise Invalid(f"the {what} must be a party of this process", {what: "unknown party"})
    return p


def _label_for_parties(
    viewer: Viewer, label: LabelValue | None, parties: list[Party], what: str
) -> LabelValue:
    """The label chosen (default: releasable to every party), which every party named must be
    able to read: a dispute or concern its counterpart cannot see would answer nothing."""
    label = label or LabelValue.of(min(DEFAULT_LEVEL, viewer.clearance))
    access.check_can_apply(viewer, label)
    if label.rel_to is not None:
        outside = [p.code for p in parties if p.code.upper() not in label.rel_to]
        if outside:
            raise Invalid(
                f"the label must be releasable to the {what}: add {', '.join(outside)} to REL TO",
                {"label.rel_to": "excludes a party"},
            )
    return label


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.astimezone(UTC).isoformat()


def _deadline(start: datetime, ladder: list[dict], index: int) -> datetime | None:
    days = ladder[index]["days"]
    return start + timedelta(days=days) if days else None


def _dispute_notify(d: Dispute) -> None:
    events.notify(d.process_id, "meetings.dispute", {"dispute": d.pk}, [d.label_id])


def _readers(process, label, codes=None) -> list[Member]:
    """Active members (of the parties `codes`, when given) who may read `label`: whom a clock's
    notice may reach."""
    qs = Member.objects.filter(process=process, active=True)
    if codes is not None:
        qs = qs.filter(party__code__in=list(codes))
    return [
        mem
        for mem in qs.select_related("party", "user", "process").order_by("party__code", "pk")
        if access.can_read(_reader(mem), label.value)
    ]


def _may_read(mem: Member, label) -> bool:
    """May this (active) member read `label` (a Label row)? Whom a single notice may reach."""
    return mem.active and access.can_read(_reader(mem), label.value)


def _heads(process, label, codes) -> list[Member]:
    """The heads of delegation of the parties `codes` who may read `label`."""
    return [
        mem
        for mem in _readers(process, label, codes)
        if "head_of_delegation" in {r.value for r in mem.active_roles()}
    ]


def raise_dispute(
    viewer: Viewer,
    *,
    title: str,
    text: str,
    against: str | None = None,
    subject_kind: str | None = None,
    subject_id: int | None = None,
    label: LabelValue | None = None,
    now: datetime | None = None,
) -> Dispute:
    """A head of delegation raises a dispute for their party, against another party and/or
    about a clause, decision or commitment; it starts at the first step of the process's
    ladder with that step's clock."""
    access.require(viewer, Perm.RAISE_DISPUTES)
    title = _text(title, "title", TITLE_MAX, owner="dispute")
    text = _text(text, "text", DISPUTE_TEXT_MAX, owner="dispute")
    mine = viewer.member.party
    other = _party(viewer, against, "party disputed") if against else None
    if other is not None and other.pk == mine.pk:
        raise Invalid("a party cannot raise a dispute against itself", {"against": "own party"})
    subject = None
    if subject_kind:
        if subject_kind not in DISPUTE_SUBJECTS:
            raise Invalid(
                "a dispute is about a clause, a decision or a commitment", {"subject": "unknown"}
            )
        subject = links.resolve(viewer, subject_kind, subject_id) if valid_id(subject_id) else None
        if subject is None:
            raise NotFound("the subject of the dispute was not found")
    if other is None and subject is None:
        raise Invalid(
            "name the party disputed, or the clause, decision or commitment the dispute is about",
            {"against": "required"},
        )
    label = _label_for_parties(
        viewer, label, [mine] + ([other] if other else []), "disputing parties"
    )
    return _open_dispute(viewer, title, text, mine, other, label, subject, now)


def _open_dispute(viewer, title, text, mine, other, label, subject, now) -> Dispute:
    now = now or timezone.now()
    ladder = queries.procedures(viewer.process).ladder
    with transaction.atomic():
        row = access.label_row(viewer.process, label)
        d = Dispute.objects.create(
            process=viewer.process,
            title=title,
            text=text,
            raised_by=viewer.member,
            raising_party=mine,
            against_party=other,
            label=row,
            ladder=ladder,
            step=0,
            step_started_at=now,
            step_deadline=_deadline(now, ladder, 0),
            created_at=now,
        )
        DisputeStep.objects.create(
            dispute=d, index=0, name=ladder[0]["name"], started_at=now, deadline=d.step_deadline
        )
        record(
            viewer.member,
            "meetings.dispute.raise",
            d,
            {"title": title, "against": other.code if other else None, "step": ladder[0]["name"]},
            d.label,
        )
        if subject is not None:
            core_services.add_link(viewer, d, subject, "about")
    _dispute_notify(d)
    return d


def _open(d: Dispute) -> None:
    if d.status != Dispute.Status.OPEN and d.status != Dispute.Status.REFERRED:
        raise Conflict(f"this dispute is {d.get_status_display().lower()}: nothing more is done")


def _disputant(viewer: Viewer, d: Dispute) -> bool:
    return viewer.member is not None and viewer.member.party.code in d.party_codes()


def submit(
    viewer: Viewer,
    d: Dispute,
    *,
    kind: str,
    text: str,
    confidential: bool = False,
    label: LabelValue | None = None,
) -> DisputeSubmission:
    """A written submission at the current step, by a member of a disputing party or whoever
    runs meetings (the mediators); 'confidential' keeps it to the disputing parties and the
    mediators. An advisory opinion is filed by the mediators at a step that takes one."""
    d = queries.dispute(viewer, d.pk)
    _open(d)
    if not (_disputant(viewer, d) or viewer.can(MANAGE)):
        raise Forbidden("only the parties to the dispute and the mediators make submissions")
    access.require(viewer, Perm.POST_MESSAGES)
    if kind not in DisputeSubmission.Kind.values:
        words = ", ".join(str(x) for x in DisputeSubmission.Kind.labels).lower()
        raise Invalid(f"a submission is one of: {words}", {"kind": "unknown"})
    if kind == DisputeSubmission.Kind.OPINION:
        if not d.ladder[d.step].get("advisory"):
            raise Conflict(f"the step “{d.step_name()}” takes no advisory opinion")
        if not viewer.can(MANAGE):
            raise Forbidden("the advisory opinion is filed by the mediators")
    text = _text(text, "text", DISPUTE_TEXT_MAX, owner="submission")
    chosen = label or d.label.value
    if confidential:
        mediators = Party.objects.filter(process=d.process, kind=Party.Kind.MEDIATOR)
        codes = set(d.party_codes()) | {p.code for p in mediators}
        chosen = combine([chosen, LabelValue.of(chosen.level, sorted(codes))])
    access.check_can_apply(viewer, chosen)
    final = combine([d.label.value, chosen])
    with transaction.atomic():
        row = access.label_row(d.process, final)
        sub = DisputeSubmission.objects.create(
            dispute=d,
            step=d.step,
            kind=kind,
            text=text,
            author=viewer.member,
            party=viewer.member.party,
            label=row,
        )
        record(viewer.member, "meetings.dispute.submit", sub, {"kind": kind}, row)
    _dispute_notify(d)
    return sub


def _advance(d: Dispute, actor, how: str, now: datetime, payload: dict) -> Dispute:
    """Close the current step and start the next (the last one has no clock: referred)."""
    step = d.steps.filter(index=d.step).first()
    if step is not None:
        step.ended_at, step.ended_how = now, how
        step.save(update_fields=["ended_at", "ended_how"])
    d.extensions.filter(status=DisputeExtension.Status.PENDING).update(
        status=DisputeExtension.Status.LAPSED, decided_at=now
    )
    d.step += 1
    d.step_started_at = now
    d.step_deadline = _deadline(now, d.ladder, d.step)
    last = d.step == len(d.ladder) - 1
    if last:
        d.status = Dispute.Status.REFERRED
    d.save()
    DisputeStep.objects.create(
        dispute=d,
        index=d.step,
        name=d.step_name(),
        started_at=now,
        deadline=d.step_deadline,
    )
    record(
        actor,
        "meetings.dispute.escalate",
        d,
        {**payload, "to": d.step_name(), "deadline": _iso(d.step_deadline)},
        d.label,
        process=d.process,
    )
    return d


def refer_up(viewer: Viewer, d: Dispute, now: datetime | None = None) -> Dispute:
    """A party to the dispute (its head of delegation) or the mediators refer it to the next
    step before the clock runs out."""
    d = queries.dispute(viewer, d.pk)
    _open(d)
    if d.status == Dispute.Status.REFERRED:
        raise Conflict("the dispute is at the last step: there is no step above it")
    if not ((_disputant(viewer, d) and viewer.can(Perm.RAISE_DISPUTES)) or viewer.can(MANAGE)):
        raise Forbidden(
            "only a head of delegation of a disputing party or the mediators refer a dispute up"
        )
    with transaction.atomic():
        _advance(d, viewer.member, DisputeStep.End.PARTY, now or timezone.now(), {"by": "party"})
    _dispute_notify(d)
    return d


def propose_extension(
    viewer: Viewer, d: Dispute, *, days: int, reason: str = "", now: datetime | None = None
) -> DisputeExtension:
    """Propose to extend the current step's clock; the proposer's party agrees by proposing
    (when it is a disputing party). Takes effect when every disputing party agrees."""
    now = now or timezone.now()
    d = queries.dispute(viewer, d.pk)
    _open(d)
    if d.step_deadline is None:
        raise Conflict("the current step has no clock to extend")
    if not ((_disputant(viewer, d) and viewer.can(Perm.RAISE_DISPUTES)) or viewer.can(MANAGE)):
        raise Forbidden(
            "only a head of delegation of a disputing party or the mediators propose an extension"
        )
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= EXTENSION_DAYS_MAX:
        raise Invalid(f"an extension is 1 to {EXTENSION_DAYS_MAX} days", {"days": "out of range"})
    if now >= d.step_deadline:
        raise Conflict("the step's clock has run out: it can no longer be extended")
    if d.extensions.filter(status=DisputeExtension.Status.PENDING).exists():
        raise Conflict("an extension is already awaiting agreement: agree to it or let it lapse")
    reason = _text(reason, "reason", 2000, required=False)
    agreed = [viewer.member.party.code] if _disputant(viewer, d) else []
    with transaction.atomic():
        ext = DisputeExtension.objects.create(
            dispute=d,
            step=d.step,
            days=days,
            reason=reason,
            proposed_by=viewer.member,
            agreed=agreed,
            created_at=now,
        )
        record(
            viewer.member,
            "meetings.dispute.extension",
            d,
            {"days": days, "agreed": agreed},
            d.label,
        )
        _maybe_extend(d, ext, viewer.member, now)
    _dispute_notify(d)
    return ext


def agree_extension(
    viewer: Viewer, d: Dispute, extension_id: int, now: datetime | None = None
) -> DisputeExtension:
    """A head of delegation of a disputing party agrees to a proposed extension."""
    now = now or timezone.now()
    d = queries.dispute(viewer, d.pk)
    _open(d)
    ext = d.extensions.filter(pk=extension_id).first() if valid_id(extension_id) else None
    if ext is None:
        raise NotFound("extension not found")
    if ext.status != DisputeExtension.Status.PENDING:
        raise Conflict(f"this extension is {ext.get_status_display().lower()}")
    if not (_disputant(viewer, d) and viewer.can(Perm.RAISE_DISPUTES)):
        raise Forbidden("only a head of delegation of a disputing party agrees to an extension")
    code = viewer.member.party.code
    if code in ext.agreed:
        raise Conflict(f"{code} has already agreed to this extension")
    if d.step_deadline is not None and now >= d.step_deadline:
        raise Conflict("the step's clock has run out: it can no longer be extended")
    with transaction.atomic():
        ext.agreed = [*ext.agreed, code]
        ext.save(update_fields=["agreed"])
        record(viewer.member, "meetings.dispute.agree_extension", d, {"party": code}, d.label)
        _maybe_extend(d, ext, viewer.member, now)
    _dispute_notify(d)
    return ext


def _maybe_extend(d: Dispute, ext: DisputeExtension, actor, now: datetime) -> None:
    if set(d.party_codes()) - set(ext.agreed):
        return
    ext.status, ext.decided_at = DisputeExtension.Status.AGREED, now
    ext.save(update_fields=["status", "decided_at"])
    d.step_deadline = d.step_deadline + timedelta(days=ext.days)
    d.save(update_fields=["step_deadline"])
    step = d.steps.get(index=d.step)
    step.deadline, step.extended_days = d.step_deadline, step.extended_days + ext.days
    step.save(update_fields=["deadline", "extended_days"])
    record(
        actor,
        "meetings.dispute.extended",
        d,
        {"days": ext.days, "deadline": _iso(d.step_deadline)},
        d.label,
    )


def _finish(viewer, d: Dispute, status: str, how: str, resolution: str, now) -> Dispute:
    with transaction.atomic():
        step = d.steps.filter(index=d.step).first()
        if step is not None and step.ended_at is None:
            step.ended_at, step.ended_how = now, how
            step.save(update_fields=["ended_at", "ended_how"])
        d.extensions.filter(status=DisputeExtension.Status.PENDING).update(
            status=DisputeExtension.Status.LAPSED, decided_at=now
        )
        d.status, d.resolution, d.closed_at, d.step_deadline = status, resolution, now, None
        d.save()
        record(
            viewer.member,
            f"meetings.dispute.{status}",
            d,
            {"resolution": resolution, "step": d.step_name()},
            d.label,
        )
    _dispute_notify(d)
    return d


def resolve_dispute(
    viewer: Viewer, d: Dispute, *, resolution: str, now: datetime | None = None
) -> Dispute:
    """The mediators record how the dispute was settled; its clock stops."""
    d = queries.dispute(viewer, d.pk)
    _open(d)
    access.require(viewer, MANAGE)
    resolution = _text(resolution, "resolution", DISPUTE_TEXT_MAX)
    return _finish(viewer, d, "resolved", "resolved", resolution, now or timezone.now())


def withdraw_dispute(viewer: Viewer, d: Dispute, now: datetime | None = None) -> Dispute:
    """The raising party's head of delegation withdraws the dispute."""
    d = queries.dispute(viewer, d.pk)
    _open(d)
    if not (
        viewer.member is not None
        and viewer.member.party_id == d.raising_party_id
        and viewer.can(Perm.RAISE_DISPUTES)
    ):
        raise Forbidden("only a head of delegation of the party that raised it withdraws it")
    return _finish(viewer, d, "withdrawn", "withdrawn", "", now or timezone.now())


def run_dispute_clocks(now: datetime | None = None) -> list[Dispute]:
    """Escalate every open dispute whose step clock has run out to the next step (the heads
    of the disputing parties and the mediators who may read it are told). Idempotent: a step
    escalates once; a run after a long pause climbs one step per expired clock."""
    now = now or timezone.now()
    moved: list[Dispute] = []
    due = Dispute.objects.filter(
        status=Dispute.Status.OPEN, step_deadline__isnull=False, step_deadline__lte=now
    ).select_related("process", "label", "raising_party", "against_party")
    for d in due.order_by("step_deadline", "pk"):
        while d.status == Dispute.Status.OPEN and d.step_deadline and d.step_deadline <= now:
            at = d.step_deadline
            with transaction.atomic():
                _advance(d, DISPUTE_CLOCK, DisputeStep.End.CLOCK, at, {"by": "clock"})
        _dispute_notify(d)
        names = d.process.level_names
        heads = _heads(d.process, d.label, d.party_codes())
        managers = [m for m in _readers(d.process, d.label) if MANAGE in m.permissions()]
        _mail_members(
            list({m.pk: m for m in heads + managers}.values()),
            f"[{d.label.value.display(names)}] {d.title}: now at {d.step_name()}",
            f"The clock of the previous step ran out. Deadline of this step: "
            f"{d.step_deadline or 'none (final step)'}.\n",
        )
        moved.append(d)
    return moved


# --- concerns -----------------------------------------------------------------------------------
CONCERN_TEXT_MAX = 10_000


def raise_concern(
    viewer: Viewer,
    *,
    title: str,
    text: str,
    about: str,
    addressed_to: str,
    severity: str,
    label: LabelValue | None = None,
    now: datetime | None = None,
) -> Concern:
    """Any member who may post raises a concern addressed to a party; its deadlines to be
    acknowledged and answered follow the process's objectives for its severity."""
    access.require(viewer, Perm.POST_MESSAGES)
    now = now or timezone.now()
    title = _text(title, "title", TITLE_MAX, owner="concern")
    text = _text(text, "text", CONCERN_TEXT_MAX, owner="concern")
    if about not in Concern.About.values:
        words = ", ".join(str(x) for x in Concern.About.labels).lower()
        raise Invalid(f"a concern is about one of: {words}", {"about": "unknown"})
    if severity not in Concern.Severity.values:
        raise Invalid("the severity is high, medium or low", {"severity": "unknown"})
    party = _party(viewer, addressed_to, "party addressed")
    mine = viewer.member.party
    label = _label_for_parties(
        viewer, label, [mine, party] if party.pk != mine.pk else [mine], "parties concerned"
    )
    o = queries.procedures(viewer.process).objectives[severity]
    with transaction.atomic():
        row = access.label_row(viewer.process, label)
        c = Concern.objects.create(
            process=viewer.process,
            title=title,
            text=text,
            about=about,
            raised_by=viewer.member,
            raising_party=mine,
            addressed_party=party,
            severity=severity,
            label=row,
            acknowledge_by=now + timedelta(hours=o["acknowledge"]),
            respond_by=now + timedelta(hours=o["respond"]),
            created_at=now,
        )
        record(
            viewer.member,
            "meetings.concern.raise",
            c,
            {"title": title, "to": party.code, "severity": severity},
            c.label,
        )
    _concern_notify(c)
    return c


def _concern_notify(c: Concern) -> None:
    events.notify(c.process_id, "meetings.concern", {"concern": c.pk}, [c.label_id])


def _addressee(viewer: Viewer, c: Concern, act: str) -> None:
    if viewer.member is None or viewer.member.party_id != c.addressed_party_id:
        raise Forbidden(f"only members of {c.addressed_party.name} {act} this concern")
    access.require(viewer, Perm.POST_MESSAGES)


def acknowledge_concern(viewer: Viewer, c: Concern, now: datetime | None = None) -> Concern:
    """A member of the party addressed acknowledges the concern (it has been seen)."""
    c = queries.concern(viewer, c.pk)
    _addressee(viewer, c, "acknowledge")
    if c.status != Concern.Status.OPEN:
        raise Conflict(f"this concern is already {c.get_status_display().lower()}")
    now = now or timezone.now()
    with transaction.atomic():
        c.status, c.acknowledged_at, c.acknowledged_by = (
            Concern.Status.ACKNOWLEDGED,
            now,
            viewer.member,
        )
        c.save()
        record(
            viewer.member,
            "meetings.concern.acknowledge",
            c,
            {"late": now > c.acknowledge_by},
            c.label,
        )
    _concern_notify(c)
    return c


def respond_concern(
    viewer: Viewer, c: Concern, *, response: str, now: datetime | None = None
) -> Concern:
    """A member of the party addressed answers the concern (acknowledging it if not yet)."""
    c = queries.concern(viewer, c.pk)
    _addressee(viewer, c, "respond to")
    if c.status not in (Concern.Status.OPEN, Concern.Status.ACKNOWLEDGED):
        raise Conflict(f"this concern is already {c.get_status_display().lower()}")
    response = _text(response, "response", CONCERN_TEXT_MAX)
    now = now or timezone.now()
    with transaction.atomic():
        if c.acknowledged_at is None:
            c.acknowledged_at, c.acknowledged_by = now, viewer.member
        c.status, c.responded_at, c.responded_by = Concern.Status.RESPONDED, now, viewer.member
        c.response = response
        c.save()
        record(
            viewer.member,
            "meetings.concern.respond",
            c,
            {"response": response, "late": now > c.respond_by},
            c.label,
        )
    _concern_notify(c)
    return c


def _raiser_side(viewer: Viewer, c: Concern) -> bool:
    return viewer.member is not None and (
        viewer.member.party_id == c.raising_party_id or viewer.can(MANAGE)
    )


def close_concern(viewer: Viewer, c: Concern, now: datetime | None = None) -> Concern:
    """The raising party (or the mediators) closes the concern as addressed."""
    c = queries.concern(viewer, c.pk)
    if not _raiser_side(viewer, c):
        raise Forbidden("only the party that raised the concern, or the mediators, close it")
    if c.status in (Concern.Status.CLOSED, Concern.Status.DISPUTE):
        raise Conflict(f"this concern is already {c.get_status_display().lower()}")
    now = now or timezone.now()
    with transaction.atomic():
        c.status, c.closed_at = Concern.Status.CLOSED, now
        c.save()
        record(viewer.member, "meetings.concern.close", c, {}, c.label)
    _concern_notify(c)
    return c


def concern_to_dispute(viewer: Viewer, c: Concern, now: datetime | None = None) -> Dispute:
    """Make an unresolved concern a dispute in one step (a head of delegation of the raising
    party): same parties, text and label; the concern stays, linked to the dispute."""
    c = queries.concern(viewer, c.pk)
    access.require(viewer, Perm.RAISE_DISPUTES)
    if viewer.member.party_id != c.raising_party_id:
        raise Forbidden("only the party that raised the concern makes it a dispute")
    if c.status in (Concern.Status.CLOSED, Concern.Status.DISPUTE):
        raise Conflict(f"this concern is already {c.get_status_display().lower()}")
    if c.addressed_party_id == c.raising_party_id:
        raise Conflict("a concern addressed to one's own party cannot become a dispute")
    now = now or timezone.now()
    with transaction.atomic():
        d = _open_dispute(
            viewer,
            c.title,
            c.text
            + (f"\n\nResponse of {c.addressed_party.name}:\n{c.response}" if c.response else ""),
            c.raising_party,
            c.addressed_party,
            c.label.value,
            None,
            now,
        )
        c.status, c.dispute, c.closed_at = Concern.Status.DISPUTE, d, now
        c.save()
        record(viewer.member, "meetings.concern.dispute", c, {"dispute": d.pk}, c.label)
    _concern_notify(c)
    return d


def run_concern_clocks(now: datetime | None = None) -> list[Concern]:
    """Escalate each concern that has missed its acknowledgement or response objective to the
    heads of delegation of the party addressed and of the raising party (once per concern)."""
    now = now or timezone.now()
    late = (
        Concern.objects.filter(
            status__in=[Concern.Status.OPEN, Concern.Status.ACKNOWLEDGED], escalated_at__isnull=True
        )
        .filter(Concern.overdue_q(now))
        .select_related("process", "label", "addressed_party", "raising_party")
    )
    done = []
    for c in late.order_by("pk"):
        what = c.overdue(now)
        if not what:
            continue
        with transaction.atomic():
            c.escalated_at = now
            c.save(update_fields=["escalated_at"])
            record(
                CONCERN_CLOCK,
                "meetings.concern.escalate",
                c,
                {"overdue": what},
                c.label,
                process=c.process,
            )
        _concern_notify(c)
        heads = _heads(c.process, c.label, {c.addressed_party.code, c.raising_party.code})
        _mail_members(
            heads,
            f"[{c.label.value.display(c.process.level_names)}] Concern overdue: {c.title}",
            f"{c.addressed_party.name} has not given its {what} in time.\n\n{c.text}\n",
        )
        done.append(c)
    return done


# --- polls ----------------------------------------------------------------------------------------
POLL_OPTIONS_MAX = 20
POLL_LENGTH_MAX = timedelta(days=60)
WITH_OPTIONS = ("choose_one", "score", "ranked", "dot", "time")


def poll_result(p: Poll, votes: dict[str, object]):
    """The poll counted by rules.py over {voter: answer} (RuleError on a bad answer)."""
    k = p.kind
    if k == "proposal":
        return rules.proposal_poll(votes)
    if k == "consent":
        return rules.consent_poll(votes)
    if k == "choose_one":
        return rules.choose_one(p.options, votes)
    if k == "score":
        return rules.score_poll(p.options, votes)
    if k == "ranked":
        return rules.ranked_choice(p.options, list(votes.values()), p.method or "instant-runoff")
    if k == "dot":
        return rules.dot_vote(p.options, votes, budget=p.budget)
    return rules.time_poll(p.options, votes)


def create_poll(
    viewer: Viewer,
    m: Meeting,
    *,
    title: str,
    kind: str,
    closes_at: datetime | None,
    options: list[str] | None = None,
    details: str = "",
    method: str = "",
    budget: int = 8,
    now: datetime | None = None,
) -> Poll:
    """An officer of the meeting (or whoever runs meetings) sounds the room: one of the Loomio
    poll types, open until `closes_at`."""
    m = _fresh(viewer, m)
    if not _is_officer(viewer, m):
        _require_editor(viewer, m)
    now = now or timezone.now()
    title = _text(title, "title", TITLE_MAX, owner="poll")
    details = _text(details, "details", 5000, required=False)
    if kind not in Poll.Kind.values:
        words = ", ".join(str(x).split(" (")[0] for x in Poll.Kind.labels).lower()
        raise Invalid(f"a poll is one of: {words}", {"kind": "unknown"})
    opts = [str(o).strip() for o in (options or ()) if str(o).strip()]
    if kind in WITH_OPTIONS:
        if not 2 <= len(opts) <= POLL_OPTIONS_MAX:
            raise Invalid(
                f"this poll needs 2 to {POLL_OPTIONS_MAX} options", {"options": "wrong number"}
            )
        if len(set(opts)) != len(opts):
            raise Invalid("an option is listed twice", {"options": "duplicate"})
        if any(len(o) > 200 for o in opts):
            raise Invalid("an option is at most 200 characters", {"options": "too long"})
    elif opts:
        raise Invalid("a proposal or consent poll has no options", {"options": "not allowed"})
    if kind == "ranked":
        method = method or "instant-runoff"
        if method not in Poll.Method.values:
            raise Invalid("the counting method is instant-runoff or schulze", {"method": "unknown"})
    else:
        method = ""
    if kind == "dot" and (
        isinstance(budget, bool) or not isinstance(budget, int) or not 1 <= budget <= 100
    ):
        raise Invalid("each member has 1 to 100 dots", {"budget": "out of range"})
    if not isinstance(closes_at, datetime):
        raise Invalid("a poll needs a closing time", {"closes_at": "required"})
    if timezone.is_naive(closes_at):
        closes_at = closes_at.replace(tzinfo=ZoneInfo(m.time_zone))
    closes_at = closes_at.astimezone(UTC)
    if closes_at <= now:
        raise Invalid("the closing time is in the past", {"closes_at": "in the past"})
    if closes_at - now > POLL_LENGTH_MAX:
        raise Invalid("a poll stays open at most 60 days", {"closes_at": "too far"})
    with transaction.atomic():
        p = Poll.objects.create(
            meeting=m,
            title=title,
            details=details,
            kind=kind,
            options=opts,
            method=method,
            budget=budget if kind == "dot" else 8,
            closes_at=closes_at,
            created_by=viewer.member,
            created_at=now,
        )
        record(viewer.member, "meetings.poll.create", p, {"title": title, "kind": kind}, m.label)
    _notify(m, "poll", poll=p.pk)
    return p


def _poll(m: Meeting, poll_id: object) -> Poll:
    p = m.polls.filter(pk=poll_id).first() if valid_id(poll_id) else None
    if p is None:
        raise NotFound("poll not found")
    return p


def may_answer(viewer: Viewer, m: Meeting) -> bool:
    """Members who may post, of a party invited to the meeting (any party when none is named)."""
    if viewer.member is None or not viewer.can(Perm.POST_MESSAGES):
        return False
    invited = set(m.invited_parties.values_list("pk", flat=True))
    return not invited or viewer.member.party_id in invited


def answer_poll(
    viewer: Viewer, m: Meeting, poll_id: int, answer: object, now: datetime | None = None
) -> PollVote:
    """Answer (or change one's answer to) an open poll; the answer is checked by counting the
    poll with it, so a bad answer is refused in the rule's words."""
    m = _fresh(viewer, m)
    p = _poll(m, poll_id)
    now = now or timezone.now()
    if not p.is_open(now):
        raise Conflict("this poll is closed")
    if not may_answer(viewer, m):
        raise Forbidden("only members of the parties invited to this meeting who may post answer")
    votes = {str(v.member_id): v.answer for v in p.votes.exclude(member=viewer.member)}
    votes[str(viewer.member.pk)] = answer
    try:
        # the answer alone first, keyed "your answer", so that the rule's words name it as the
        # member reads it; then the whole poll with it
        poll_result(p, {"your answer": answer})
        poll_result(p, votes)
    except rules.RuleError as exc:
        raise Invalid(str(exc), {"answer": "not valid"}) from exc
    except (TypeError, AttributeError) as exc:
        raise Invalid("the answer does not fit this kind of poll", {"answer": "not valid"}) from exc
    with transaction.atomic():
        vote, _ = PollVote.objects.update_or_create(
            poll=p, member=viewer.member, defaults={"answer": answer, "cast_at": now}
        )
        record(viewer.member, "meetings.poll.answer", p, {"answer": answer}, m.label)
    _notify(m, "poll", poll=p.pk)
    return vote


def close_poll(viewer: Viewer, m: Meeting, poll_id: int, now: datetime | None = None) -> Poll:
    """Close a poll early (an officer of the meeting)."""
    m = _fresh(viewer, m)
    _require_officer(viewer, m, "closes a poll")
    p = _poll(m, poll_id)
    now = now or timezone.now()
    if not p.is_open(now):
        raise Conflict("this poll is already closed")
    with transaction.atomic():
        p.closed_at = now
        p.save(update_fields=["closed_at"])
        record(viewer.member, "meetings.poll.close", p, {}, m.label)
    _notify(m, "poll", poll=p.pk)
    return p


# --- the outcome: a statement, a review date, a reminder ----------------------------------------
REVIEW_STEP = "review_reminder"


def meeting_today(m: Meeting, now: datetime | None = None) -> date:
    """Today's date where the meeting is held (review dates are dates of the meeting's zone)."""
    return (now or timezone.now()).astimezone(ZoneInfo(m.time_zone)).date()


def record_outcome(
    viewer: Viewer,
    m: Meeting,
    decision_id: int,
    *,
    statement: str,
    review_on: date | None = None,
) -> Decision:
    """Record the outcome of a closed decision: the statement in words and, if any, the date it
    is to be reviewed (a reminder goes out on that day). The meeting's chair or rapporteur, or
    whoever may run meetings; again later to amend it. A new review date must be to come; the
    one already recorded may stay as it is."""
    m = _fresh(viewer, m)
    d = _decision(viewer, m, decision_id)
    if not _is_officer(viewer, m):
        access.require(viewer, MANAGE)
    if d.status != Decision.Status.CLOSED:
        raise Conflict(
            "the decision is still open: its outcome is recorded once it is closed",
            {"decision": "open"},
        )
    statement = (statement or "").strip()
    if not statement:
        raise Invalid("write the outcome statement", {"statement": "required"})
    if len(statement) > STATEMENT_MAX:
        raise Invalid(
            f"the outcome statement is at most {STATEMENT_MAX} characters",
            {"statement": "too long"},
        )
    if isinstance(review_on, datetime):
        review_on = review_on.date()
    if review_on is not None and not isinstance(review_on, date):
        raise Invalid("the review date is not a date", {"review_on": "not a date"})
    today = meeting_today(m)
    if review_on is not None and review_on != d.review_on and review_on <= today:
        raise Invalid(
            f"the review date must be after today ({today.isoformat()} in {m.time_zone})",
            {"review_on": "not in the future"},
        )
    with transaction.atomic():
        if review_on != d.review_on:
            d.review_reminded_at = None  # a new date: a new reminder
        d.statement = statement
        d.review_on = review_on
        d.save(update_fields=["statement", "review_on", "review_reminded_at"])
        record(
            viewer.member,
            "meetings.decision.outcome",
            d,
            {"review_on": review_on.isoformat() if review_on else None},
            d.label,
        )
    _decision_notify(m, d)
    return d


def review_recipients(d: Decision) -> list[Member]:
    """Whom a review reminder goes to: the chair and the heads of delegation of the eligible
    parties, each only if they may read the decision (its own label)."""
    m = d.meeting
    out: dict[int, Member] = {}
    if _may_read(m.chair, d.label):
        out[m.chair.pk] = m.chair
    for mem in _heads(m.process, d.label, d.eligible):
        out.setdefault(mem.pk, mem)
    return list(out.values())


def send_review_reminders(now: datetime | None = None) -> list[Decision]:
    """Remind the chair and the heads of the eligible delegations of each decision whose review
    date has come (in the meeting's zone): once, stored on the decision and recorded by the
    decision clock. Running again sends nothing twice."""
    now = (now or timezone.now()).astimezone(UTC)  # stored and recorded in UTC
    due = (
        Decision.objects.filter(
            status=Decision.Status.CLOSED,
            review_on__isnull=False,
            review_reminded_at__isnull=True,
            review_on__lte=(now + timedelta(days=1)).date(),  # the zones ahead of UTC
        )
        .select_related(
            "label",
            "meeting__label",
            "meeting__process",
            "meeting__chair__user",
            "meeting__chair__party",
        )
        .order_by("review_on", "pk")
    )
    done: list[Decision] = []
    for d in due:
        m = d.meeting
        if d.review_on > meeting_today(m, now):
            continue
        members = review_recipients(d)
        with transaction.atomic():
            # taken once even when two workers run the job at the same time
            if not Decision.objects.filter(pk=d.pk, review_reminded_at__isnull=True).update(
                review_reminded_at=now
            ):
                continue
            d.review_reminded_at = now
            record(
                CLOCK_ACTOR,
                f"meetings.decision.{REVIEW_STEP}",
                d,
                {"review_on": d.review_on.isoformat(), "reminded": len(members)},
                d.label,
                process=m.process,
            )
        _decision_notify(m, d)
        banner = d.label.value.display(m.process.level_names)
        _mail_members(
            members,
            f"[{banner}] {d.title}: review due — {m.process.name}",
            f"The outcome of “{d.title}”, decided in the meeting “{m.title}”, is due for "
            f"review on {d.review_on.day} {d.review_on:%B %Y}.\n\n"
            f"Verdict: {d.arithmetic}\n\nOutcome: {d.statement}\n",
        )
        done.append(d)
    return done


# --- speaking lists -----------------------------------------------------------------------------
ALLOWANCE_MAX_MINUTES = 240
FLOOR_CLOSES = timedelta(days=1)  # requests and new speakers until a day after the meeting ends


def speaking_parties(m: Meeting) -> set[int] | None:
    """Parties that may speak in a meeting: those invited (as a party or through an invited
    member) or present; None when the meeting invites no party (any party that may read it)."""
    invited = set(m.invited_parties.values_list("pk", flat=True))
    if not invited:
        return None
    invited |= set(m.invited_members.values_list("party_id", flat=True))
    return invited | attending_party_ids(m)


def _party_may_speak(m: Meeting, party: Party) -> bool:
    allowed = speaking_parties(m)
    if allowed is not None:
        return party.pk in allowed
    rel = m.label.value.rel_to
    return rel is None or party.code.upper() in rel


def _floor_open(m: Meeting, now: datetime) -> None:
    if now > m.ends_at + FLOOR_CLOSES:
        raise Conflict(
            "the meeting ended more than a day ago: its speaking lists are closed",
            {"meeting": "over"},
        )


def floor_refusal(viewer: Viewer, m: Meeting, now: datetime | None = None) -> str:
    """Why the viewer may not ask for the floor in this meeting ("" when they may): a member
    attending (present or by proxy) or invited, whose delegation may speak, until a day after
    the meeting ends."""
    now = now or timezone.now()
    me = viewer.member
    if me is None:
        return "only members of the process ask for the floor"
    if now > m.ends_at + FLOOR_CLOSES:
        return "the meeting ended more than a day ago: its speaking lists are closed"
    status = Attendance.objects.filter(meeting=m, member=me).values_list("status", flat=True)
    status = status.first()
    if status == Attendance.Status.ABSENT:
        return "you are recorded absent from this meeting"
    attending = status in (Attendance.Status.PRESENT, Attendance.Status.PROXY)
    invited = (
        me.pk in m.officers()
        or m.invited_members.filter(pk=me.pk).exists()
        or m.invited_parties.filter(pk=me.party_id).exists()
    )
    if not (attending or invited):
        return "only members attending or invited to this meeting ask for the floor"
    if not _party_may_speak(m, me.party):
        return f"{me.party.code} is not invited to this meeting: its members do not speak here"
    return ""


def _speech(m: Meeting, speech_id: object, item_id: object = None) -> Speech:
    sp = None
    if valid_id(speech_id):
        qs = Speech.objects.select_related("item", "member__label", "party")
        if item_id is not None:
            qs = qs.filter(item_id=item_id if valid_id(item_id) else 0)
        sp = qs.filter(item__meeting=m, pk=speech_id).first()
    if sp is None:
        raise NotFound("request for the floor not found")
    return sp


def _speakers_notify(m: Meeting, item: AgendaItem) -> None:
    _notify(m, "speakers", item=item.pk)


def set_allowance(
    viewer: Viewer, m: Meeting, item_id: int, party_code: str, minutes: int
) -> SpeakingAllowance:
    """Set one delegation's speaking time on an item, 0 to 240 minutes (the officers, or
    whoever may run meetings); the party must be invited or present."""
    m = _fresh(viewer, m)
    if not _is_officer(viewer, m):
        access.require(viewer, MANAGE)
    item = _item(m, item_id)
    if (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not 0 <= minutes <= ALLOWANCE_MAX_MINUTES
    ):
        raise Invalid(
            f"a speaking time is 0 to {ALLOWANCE_MAX_MINUTES} whole minutes",
            {"minutes": "out of range"},
        )
    if not (party_code or "").strip():
        raise Invalid("name the delegation", {"party": "required"})
    party = _parties(viewer, [party_code])[0]
    if not _party_may_speak(m, party):
        raise Invalid(
            f"{party.code} is neither invited to nor present in this meeting",
            {"party": "not in the meeting"},
        )
    with transaction.atomic():
        row, _ = SpeakingAllowance.objects.update_or_create(
            item=item,
            party=party,
            defaults={"seconds": minutes * 60, "set_by": viewer.member, "set_at": timezone.now()},
        )
        record(
            viewer.member,
            "meetings.speakers.allowance",
            row,
            {"party": party.code, "minutes": minutes},
            m.label,
        )
    _speakers_notify(m, item)
    return row


def request_floor(
    viewer: Viewer,
    m: Meeting,
    item_id: int,
    *,
    point_of_order: bool = False,
    now: datetime | None = None,
) -> Speech:
    """Ask for the floor on an item (once at a time); a point of order goes ahead of every
    waiting speech, after the points of order made before it."""
    m = _fresh(viewer, m)
    item = _item(m, item_id)
    now = now or timezone.now()
    _floor_open(m, now)
    refusal = floor_refusal(viewer, m, now)
    if refusal:
        raise Forbidden(refusal)
    me = viewer.member
    if Speech.objects.filter(item=item, member=me, status=Speech.Status.WAITING).exists():
        raise Conflict(
            "you are already on the speaking list of this item: withdraw first to ask again",
            {"speech": "already waiting"},
        )
    kind = Speech.Kind.POINT_OF_ORDER if point_of_order else Speech.Kind.SPEECH
    last = Speech.objects.filter(item=item).order_by("-order").values_list("order", flat=True)
    try:
        with transaction.atomic():
            sp = Speech.objects.create(
                item=item,
                member=me,
                party=me.party,
                kind=kind,
                order=(last.first() or 0) + 1,
                requested_at=now,
            )
            record(me, "meetings.speakers.request", sp, {"kind": kind}, m.label, refs=[me])
    except IntegrityError as exc:  # a second request racing the first
        raise Conflict(
            "you are already on the speaking list of this item", {"speech": "already waiting"}
        ) from exc
    _speakers_notify(m, item)
    return sp


def withdraw(viewer: Viewer, m: Meeting, speech_id: int, *, item_id: int | None = None) -> Speech:
    """Take a waiting request off the list (its speaker, or an officer)."""
    m = _fresh(viewer, m)
    sp = _speech(m, speech_id, item_id)
    own = viewer.member is not None and sp.member_id == viewer.member.pk
    if not own and not _is_officer(viewer, m):
        raise Forbidden("only the speaker or the chair or rapporteur withdraws a request")
    if sp.status != Speech.Status.WAITING:
        raise Conflict(
            f"only a waiting request is withdrawn; this one is {sp.get_status_display().lower()}",
            {"speech": sp.status},
        )
    with transaction.atomic():
        sp.status = Speech.Status.WITHDRAWN
        sp.save(update_fields=["status"])
        record(viewer.member, "meetings.speakers.withdraw", sp, {}, m.label, refs=[sp.member])
    _speakers_notify(m, sp.item)
    return sp


def queue(item: AgendaItem) -> list[Speech]:
    """The waiting requests of an item in speaking order (points of order first)."""
    rows = Speech.objects.filter(item=item, status=Speech.Status.WAITING).select_related(
        "member__user", "member__party", "member__label", "party"
    )
    return sorted(rows, key=lambda s: (not s.is_point_of_order, s.order, s.pk))


def _end(viewer: Viewer, m: Meeting, sp: Speech, now: datetime) -> None:
    sp.status = Speech.Status.DONE
    sp.ended_at = max(now, sp.started_at or now)
    sp.save(update_fields=["status", "ended_at"])
    seconds = int((sp.ended_at - sp.started_at).total_seconds()) if sp.started_at else 0
    record(
        viewer.member, "meetings.speakers.end", sp, {"seconds": seconds}, m.label, refs=[sp.member]
    )


def next_speaker(
    viewer: Viewer, m: Meeting, item_id: int, now: datetime | None = None
) -> Speech | None:
    """End the current speech and give the floor to the first waiting request (the chair or
    the rapporteur). Returns the new speech (None when nobody was waiting)."""
    m = _fresh(viewer, m)
    item = _item(m, item_id)
    _require_officer(viewer, m, "gives the floor")
    now = now or timezone.now()
    _floor_open(m, now)
    current = Speech.objects.filter(item=item, status=Speech.Status.SPEAKING).first()
    waiting = queue(item)
    if current is None and not waiting:
        raise Conflict("nobody is waiting for the floor on this item", {"speech": "none waiting"})
    nxt = waiting[0] if waiting else None
    try:
        with transaction.atomic():
            if current is not None:
                _end(viewer, m, current, now)
            if nxt is not None:
                nxt.status = Speech.Status.SPEAKING
                nxt.started_at = now
                nxt.save(update_fields=["status", "started_at"])
                record(
                    viewer.member,
                    "meetings.speakers.start",
                    nxt,
                    {"kind": nxt.kind},
                    m.label,
                    refs=[nxt.member],
                )
    except IntegrityError as exc:  # another officer gave the floor at the same moment
        raise Conflict("the floor was just given: reload the list", {"speech": "changed"}) from exc
    _speakers_notify(m, item)
    return nxt


def end_speech(viewer: Viewer, m: Meeting, item_id: int, now: datetime | None = None) -> Speech:
    """End the current speech on an item (the chair or the rapporteur)."""
    m = _fresh(viewer, m)
    item = _item(m, item_id)
    _require_officer(viewer, m, "ends a speech")
    current = Speech.objects.filter(item=item, status=Speech.Status.SPEAKING).first()
    if current is None:
        raise Conflict("nobody has the floor on this item", {"speech": "none speaking"})
    with transaction.atomic():
        _end(viewer, m, current, now or timezone.now())
    _speakers_notify(m, item)
    return current
