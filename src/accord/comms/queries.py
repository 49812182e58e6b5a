"""Reads of comms data, always through core.access: a message is visible only when its label
and its channel's label are readable by the viewer. Lists, counts, search, notifications and
live delivery all start from `messages()` so no side path can see more than the list does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accord.comms.models import (
    Acknowledgement,
    Attachment,
    Channel,
    HandlingPolicy,
    Message,
    MessageRevision,
    Notification,
    ReadState,
)
from accord.core import access, people
from accord.core.access import Viewer
from accord.core.errors import Invalid, NotFound
from accord.core.labels import LabelValue
from accord.core.models import Member
from accord.core.prepared import Prepared
from accord.core.queries import MAX_ID, valid_id
from accord.core.roles import Perm


def _clamp(value: int) -> int:
    return max(-MAX_ID, min(MAX_ID, value))


# --- channels ---------------------------------------------------------------------------------
def channels(viewer: Viewer) -> QuerySet[Channel]:
    """Channels the viewer may read (nobody outside the process sees any)."""
    if viewer.member is None:
        return Channel.objects.none()
    qs = Channel.objects.filter(process=viewer.process)
    return access.readable(qs, viewer).select_related("label").prefetch_related("parties")


_channel_in = Prepared(
    lambda process_id, channel_id: (
        Channel.objects.filter(process_id=process_id, pk=channel_id)
        .select_related("label", "process")
        .order_by()[:1]
    )
)


def channel(viewer: Viewer, channel_id: int, memo: dict | None = None) -> Channel:
    """One readable channel (404 otherwise, as for one that does not exist). `memo` lets the
    posts of one write batch share the row; each viewer is still checked against its label."""
    if viewer.member is None or not valid_id(channel_id):
        raise NotFound("channel not found")
    key = ("channel", viewer.process.pk, channel_id)
    if memo is not None and key in memo:
        chan = memo[key]
    else:
        chan = _channel_in.first(viewer.process.pk, channel_id)
        if memo is not None:
            memo[key] = chan
    # the label was fetched with the row: one query, and the same rule as every list
    if chan is None or not access.can_read(viewer, chan.label.value):
        raise NotFound("channel not found")
    return chan


def channels_with_unread(viewer: Viewer) -> QuerySet[Channel]:
    """Channels annotated with `unread` = readable messages after the member's last read one."""
    qs = channels(viewer)
    if viewer.member is None:
        return qs
    last = ReadState.objects.filter(member=viewer.member, channel=OuterRef("pk")).values(
        "last_read_id"
    )[:1]
    readable = access.readable_label_ids(viewer)
    return qs.annotate(
        last_read=Coalesce(Subquery(last, output_field=IntegerField()), 0),
    ).annotate(
        unread=Count(
            "messages",
            filter=Q(
                messages__label__in=readable,
                messages__deleted_at__isnull=True,
                messages__id__gt=F("last_read"),
            )
            & ~Q(messages__sender=viewer.member),
        )
    )


def unread_count(viewer: Viewer, channel_obj: Channel) -> int:
    """Unread readable messages in one channel (used by live delivery)."""
    state = ReadState.objects.filter(member=viewer.member, channel=channel_obj).first()
    last = state.last_read_id if state else 0
    return (
        messages(viewer, channel_obj)
        .filter(id__gt=last, deleted_at__isnull=True)
        .exclude(sender=viewer.member)
        .count()
    )


def unread_counts(reader: Viewer, channel_obj: Channel, member_ids: list[int]) -> dict[int, int]:
    """`unread_count` for several members who share one reader state (the label part of a
    viewer: party, clearance, caveats), in one query whatever their number: live delivery
    needs every connected member's count of a channel at once."""
    if reader.member is None or not member_ids:
        return {}
    ids = access.readable_label_ids(reader)
    if channel_obj.label_id not in ids:
        return {pk: 0 for pk in member_ids}
    last = ReadState.objects.filter(member=OuterRef("pk"), channel=channel_obj).values(
        "last_read_id"
    )[:1]
    unread = (
        Message.objects.filter(
            channel=channel_obj, label__in=ids, deleted_at__isnull=True, id__gt=OuterRef("last")
        )
        .exclude(sender=OuterRef("pk"))
        .order_by()
        .values("channel")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = (
        Member.objects.filter(pk__in=member_ids)
        .annotate(last=Coalesce(Subquery(last, output_field=IntegerField()), 0))
        .annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0))
        .order_by()
        .values_list("pk", "unread")
    )
    return dict(rows)


# --- messages ---------------------------------------------------------------------------------
def all_messages(viewer: Viewer) -> QuerySet[Message]:
    """Every message of the process the viewer may read (message label and channel label)."""
    if viewer.member is None:
        return Message.objects.none()
    ids = access.readable_label_ids(viewer)
    return (
        Message.objects.filter(
            channel__process=viewer.process, label__in=ids, channel__label__in=ids
        )
        .select_related("sender__user", "sender__party", "label", "channel", "channel__label")
        .order_by("id")
    )


def messages(
    viewer: Viewer, channel_obj: Channel, *, after_id: int | None = None
) -> QuerySet[Message]:
    """The channel's readable messages in order; `after_id` gives the catch-up after a gap."""
    qs = all_messages(viewer).filter(channel=channel_obj)
    if after_id is not None:
        qs = qs.filter(id__gt=_clamp(after_id))
    return qs


def message(viewer: Viewer, message_id: int, channel_id: int | None = None) -> Message:
    """One readable message, or NotFound (404 also when it exists but may not be read)."""
    if not valid_id(message_id) or (channel_id is not None and not valid_id(channel_id)):
        raise NotFound("message not found")
    qs = all_messages(viewer)
    if channel_id is not None:
        qs = qs.filter(channel_id=channel_id)
    obj = qs.filter(pk=message_id).first()
    if obj is None:
        raise NotFound("message not found")
    return obj


def readable_or_none(viewer: Viewer, message_id: int) -> Message | None:
    """For live delivery: the message if THIS viewer may read it now, else None."""
    if not valid_id(message_id):
        return None
    return all_messages(viewer).filter(pk=message_id).first()


def attachments(viewer: Viewer, message_obj: Message) -> QuerySet[Attachment]:
    """A readable message's attachments, each through its own label."""
    return access.readable(Attachment.objects.filter(message=message_obj), viewer).order_by("id")


def attachment(viewer: Viewer, message_id: int, attachment_id: int) -> Attachment:
    """One attachment of a readable message, or NotFound."""
    msg = message(viewer, message_id)
    if not valid_id(attachment_id):
        raise NotFound("attachment not found")
    obj = attachments(viewer, msg).filter(pk=attachment_id).first()
    if obj is None or msg.deleted_at is not None:
        raise NotFound("attachment not found")
    return obj


def revisions(viewer: Viewer, message_obj: Message) -> QuerySet[MessageRevision]:
    """Earlier versions of a readable message, each filtered by its own label."""
    return access.readable(MessageRevision.objects.filter(message=message_obj), viewer).order_by(
        "id"
    )


def recipients(message_obj: Message) -> list[Member]:
    """Active members, other than the sender, who may read the message (and its channel)."""
    label = message_obj.label.value
    chan = message_obj.channel.label.value
    out = []
    for m in (
        Member.objects.filter(process_id=message_obj.channel.process_id, active=True)
        .exclude(pk=message_obj.sender_id)
        .select_related("party", "user", "process")
    ):
        v = access.reader_of(m.process, m, m.party.code, m.clearance, m.caveats)
        if access.can_read(v, label) and access.can_read(v, chan):
            out.append(m)
    return out


@dataclass
class AckStatus:
    acknowledged: list[tuple[Member, datetime]]
    pending: list[Member]
    hidden_acknowledged: int = 0  # recipients whose membership the viewer may not see
    hidden_pending: int = 0

    @property
    def hidden_note(self) -> str:
        return people.hidden_note(self.hidden_acknowledged + self.hidden_pending)


def ack_status(viewer: Viewer, message_obj: Message) -> AckStatus:
    """Who has / has not acknowledged, among the recipients (the sender and coordinators see
    all; any other reader sees only their own line, so nobody learns more than the message).
    Every line passes the member-visibility door: a recipient whose membership the viewer may
    not see is only counted ("1 member not shown"), never named."""
    if viewer.member is None:
        return AckStatus([], [])
    acks = {a.member_id: a.at for a in Acknowledgement.objects.filter(message=message_obj)}
    people_ = recipients(message_obj)
    sees_all = viewer.member.pk == message_obj.sender_id or viewer.can(Perm.MANAGE_PROCESS)
    if not sees_all:
        people_ = [m for m in people_ if m.pk == viewer.member.pk]
    shown, _ = people.visible(viewer, people_)
    seen = {m.pk for m in shown}
    hidden = [m for m in people_ if m.pk not in seen]
    return AckStatus(
        acknowledged=[(m, acks[m.pk]) for m in shown if m.pk in acks],
        pending=[m for m in shown if m.pk not in acks],
        hidden_acknowledged=sum(1 for m in hidden if m.pk in acks),
        hidden_pending=sum(1 for m in hidden if m.pk not in acks),
    )


def has_acked(viewer: Viewer, message_obj: Message) -> bool:
    if viewer.member is None:
        return False
    return Acknowledgement.objects.filter(message=message_obj, member=viewer.member).exists()


def unacknowledged(viewer: Viewer) -> QuerySet[Message]:
    """Readable messages that ask this member for an acknowledgement not yet given."""
    if viewer.member is None:
        return Message.objects.none()
    mine = Acknowledgement.objects.filter(message=OuterRef("pk"), member=viewer.member)
    return (
        all_messages(viewer)
        .filter(requires_ack=True, deleted_at__isnull=True)
        .exclude(sender=viewer.member)
        .exclude(Exists(mine))
    )


def urgent_alerts(viewer: Viewer, limit: int = 10) -> list[Message]:
    """FLASH and IMMEDIATE messages awaiting this member's acknowledgement, newest first: what
    the alert region of every process page shows (the same door as the channel page)."""
    return list(
        unacknowledged(viewer).filter(precedence__in=["FLASH", "IMMEDIATE"]).order_by("-id")[:limit]
    )


def notifications(viewer: Viewer, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The member's notifications whose message they may still read (labels can tighten)."""
    if viewer.member is None:
        return Notification.objects.none()
    qs = Notification.objects.filter(
        member=viewer.member, message__in=all_messages(viewer).values("pk")
    ).select_related("message", "message__channel", "message__label", "about__user")
    if unread_only:
        qs = qs.filter(read=False)
    return qs.order_by("-id")


def handling_policy(process) -> HandlingPolicy:
    return HandlingPolicy.objects.filter(process=process).first() or HandlingPolicy(process=process)


# --- search -----------------------------------------------------------------------------------
_TOKEN = re.compile(r"\w+", re.UNICODE)


def _terms(q: str) -> list[str]:
    return [t for t in _TOKEN.findall(q or "")][:12]


class SearchResults:
    """Search hits, newest first, read from the full-text index in chunks.

    The index gives matching ids newest first, 1,000 at a time; each chunk passes through the
    access-filtered queryset (and the search filters), so a page and a bounded count cost a few
    chunks whatever the store holds, instead of collecting and sorting every match of a common
    word — and every id shown or counted has passed the same readable filter as the list.

    SQLite: the FTS5 table (``ORDER BY rowid DESC``). PostgreSQL: the stored ``search_vector``;
    a probe of the newest 4,000 messages (`_dense`) tells a frequent word, read by a backward
    primary-key scan that stops after the chunk (bitmap and sequential scans and parallel workers
    are switched off for that one statement — single-word row estimates are not reliable enough
    for the planner to choose it alone), from a rarer one, read through the GIN index.
    """

    CHUNK = 1000
    PROBE_ROWS = 4000
    SPARSE_FETCH = 100_000

    def __init__(self, qs: QuerySet[Message], words: str) -> None:
        self.qs = qs
        self.words = words
        self._dense_word: bool | None = None
        self._found: list[int] = []  # readable ids found so far, newest first
        self._before: int | None = None  # where the index walk goes on
        self._buffer: list[int] = []  # ids read from the index, not yet filtered
        self._done = False

    def prefetch_related(self, *lookups) -> SearchResults:
        self.qs = self.qs.prefetch_related(*lookups)
        return self

    def _dense(self, cur) -> bool:
        """Is the word frequent enough among the newest messages that reading newest-first finds
        a chunk sooner than sorting every match? Break-even density ≈ √(chunk / rows)."""
        cur.execute(
            "SELECT count(*) FILTER (WHERE search_vector @@ plainto_tsquery('english', %s)), "
            "count(*) FROM (SELECT search_vector FROM comms_message ORDER BY id DESC LIMIT %s) s",
            [self.words, self.PROBE_ROWS],
        )
        hits, rows = cur.fetchone()
        cur.execute("SELECT reltuples FROM pg_class WHERE relname = 'comms_message'")
        total = max(float(cur.fetchone()[0]), rows, 1.0)
        return rows > 0 and hits / rows >= (self.CHUNK / total) ** 0.5

    def _chunk(self) -> list[int]:
        """The next CHUNK matching ids (any label, any process) from the index, newest first."""
        if not self._buffer:
            self._buffer = self._index_ids()
        out, self._buffer = self._buffer[: self.CHUNK], self._buffer[self.CHUNK :]
        return out

    def _index_ids(self) -> list[int]:
        after = [] if self._before is None else [self._before]
        if connection.vendor == "sqlite":
            expr = " AND ".join('"' + t.replace('"', "") + '"' for t in self.words.split())
            sql = "SELECT rowid FROM comms_message_fts WHERE comms_message_fts MATCH %s"
            sql += " AND rowid < %s" if after else ""
            with connection.cursor() as cur:
                cur.execute(sql + " ORDER BY rowid DESC LIMIT %s", [expr, *after, self.CHUNK])
                return [r[0] for r in cur.fetchall()]
        sql = "SELECT id FROM comms_message WHERE search_vector @@ plainto_tsquery('english', %s)"
        sql += " AND id < %s" if after else ""
        with transaction.atomic(), connection.cursor() as cur:
            if self._dense_word is None:
                self._dense_word = self._dense(cur)
            if self._dense_word:
                for setting in ("enable_bitmapscan", "enable_seqscan"):
                    cur.execute(f"SET LOCAL {setting} = off")
                cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            # a rarer word: every match at once (one index scan, no repeated bitmap per chunk)
            limit = self.CHUNK if self._dense_word else self.SPARSE_FETCH
            cur.execute(sql + " ORDER BY id DESC LIMIT %s", [self.words, *after, limit])
            return [r[0] for r in cur.fetchall()]

    def _ids(self, n: int | None) -> list[int]:
        """The first `n` (all when None) readable matching ids, newest first."""
        while not self._done and (n is None or len(self._found) < n):
            chunk = self._chunk()
            if not chunk:
                self._done = True
                break
            self._before = chunk[-1]
            keep = set(self.qs.filter(pk__in=chunk).values_list("pk", flat=True))
            self._found.extend(i for i in chunk if i in keep)
        return self._found if n is None else self._found[:n]

    def bounded_count(self, cap: int) -> int:
        """How many hits, counting no further than `cap`."""
        return len(self._ids(cap))

    def count(self) -> int:
        return len(self._ids(None))

    def exists(self) -> bool:
        return bool(self._ids(1))

    def __getitem__(self, s: slice) -> list[Message]:
        start = s.start or 0
        ids = self._ids(s.stop)[start:]
        rows = {m.pk: m for m in self.qs.filter(pk__in=ids)}
        return [rows[i] for i in ids if i in rows]

    def __iter__(self):
        return iter(self[0:None])


@dataclass
class SearchFilters:
    channel_id: int | None = None
    sender_id: int | None = None
    party: str | None = None
    precedence: str | None = None
    since: date | None = None
    until: date | None = None
    max_level: int | None = None


def search(viewer: Viewer, q: str, filters: SearchFilters | None = None) -> SearchResults:
    """Full-text search over the messages the viewer may read, newest first.

    The readable filter is applied to the same queryset that is counted and snippeted, so a
    count or a snippet can never come from a message the viewer may not read.
    """
    terms = _terms(q)
    if not terms:
        raise Invalid("search needs at least one word", {"q": "empty"})
    f = filters or SearchFilters()
    qs = all_messages(viewer).filter(deleted_at__isnull=True)
    if f.channel_id:
        qs = qs.filter(channel_id=f.channel_id) if valid_id(f.channel_id) else qs.none()
    if f.sender_id:
        qs = qs.filter(sender_id=f.sender_id) if valid_id(f.sender_id) else qs.none()
    if f.party:
        qs = qs.filter(sender__party__code=f.party.upper())
    if f.precedence:
        qs = qs.filter(precedence=f.precedence.upper())
    if f.since:
        qs = qs.filter(created_at__date__gte=f.since)
    if f.until:
        qs = qs.filter(created_at__date__lte=f.until)
    if f.max_level is not None:
        qs = qs.filter(label__level__lte=max(-1, min(f.max_level, 32767)))
    return SearchResults(qs.order_by("-id"), " ".join(terms))


# endings the stemming index folds together ("convoys" → "convoy"), longest first; used only to
# mark the words of a hit in its snippet — the index itself decided that it is a hit
_ENDINGS = sorted(
    {
        "s",
        "es",
        "e",
        "ed",
        "d",
        "ing",
        "ings",
        "er",
        "ers",
        "ion",
        "ions",
        "ation",
        "ations",
        "ment",
        "ments",
        "ly",
        "y",
        "ies",
        "ied",
        "ness",
        "al",
        "ity",
        "ive",
    },
    key=len,
    reverse=True,
)


def _stem(word: str) -> str:
    w = word.lower()
    for end in _ENDINGS:
        if w.endswith(end) and len(w) - len(end) >= 3:
            return w[: -len(end)]
    return w


def _same_word(word: str, term: str) -> bool:
    """Is `word` a form of the searched `term` (as a stemming index matches them)?"""
    a, b = _stem(word), _stem(term)
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 3 and long_.startswith(short) and len(long_) - len(short) <= 2


def snippet(body: str, q: str, width: int = 160) -> SafeString:
    """An escaped excerpt of a (readable) body around the first word that matched, the
    matching words — any form of a searched word, as the stemmed index finds them — in <mark>."""
    terms = _terms(q)
    words = list(_TOKEN.finditer(body))
    hit = next((w for w in words if any(_same_word(w.group(), t) for t in terms)), None)
    pos = hit.start() if hit else 0
    start = max(0, pos - width // 3)
    if start > 0 and not body[start - 1].isspace():  # begin and end between words
        space = body.find(" ", start, pos)
        start = space + 1 if space >= 0 else pos
    stop = start + width
    if stop < len(body) and not body[stop].isspace():
        space = body.rfind(" ", pos, stop)
        stop = space if space > pos and space - start >= width // 2 else stop
    out, at = [], start
    for w in words:
        if w.end() <= start or w.start() >= stop:
            continue
        a, b = max(w.start(), start), min(w.end(), stop)
        if any(_same_word(w.group(), t) for t in terms):
            out += [escape(body[at:a]), "<mark>", escape(body[a:b]), "</mark>"]
            at = b
    out.append(escape(body[at:stop]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if stop < len(body) else ""
    return mark_safe(prefix + "".join(out) + suffix)  # noqa: S308 - built from escaped text only


# --- briefing ---------------------------------------------------------------------------------
@dataclass
class Briefing:
    member: Member
    since: datetime
    urgent: list[Message]
    unacknowledged: list[Message]
    mentions: list[Message]
    per_channel: list[tuple[Channel, int]]
    label: LabelValue


def briefing(viewer: Viewer, since: datetime) -> Briefing:
    """A digest of what the member may read since `since`; its label combines its inputs."""
    from accord.core.labels import PUBLIC, combine

    recent = all_messages(viewer).filter(created_at__gte=since, deleted_at__isnull=True)
    urgent = list(recent.filter(precedence__in=["FLASH", "IMMEDIATE"]).order_by("id")[:50])
    unacked = list(unacknowledged(viewer).order_by("id")[:50])
    mentions = list(recent.filter(mentions=viewer.member).order_by("id")[:50])
    counts = dict(
        recent.values("channel_id").annotate(n=Count("id")).values_list("channel_id", "n")
    )
    per_channel = [(c, counts[c.pk]) for c in channels(viewer) if c.pk in counts]
    shown = {m.pk: m for m in [*urgent, *unacked, *mentions]}
    labels = [m.label.value for m in shown.values()] + [c.label.value for c, _ in per_channel]
    return Briefing(
        member=viewer.member,
        since=since,
        urgent=urgent,
        unacknowledged=unacked,
        mentions=mentions,
        per_channel=per_channel,
        label=combine(labels) if labels else PUBLIC,
    )


def default_since(now: datetime) -> datetime:
    return now - timedelta(days=1)


@dataclass(frozen=True)
class PeopleView:
    """What one reader may see of the people and references a message names: whether its
    sender's membership is visible, whether the message it replies to is readable, and which
    mentioned members are visible. Live fan-out uses it to share encodings between readers."""

    sender: bool
    reply: bool
    mentions: tuple[int, ...]


_UNKNOWN = object()


def people_view(
    viewer: Viewer,
    m: Message,
    mentions: list[tuple[int, int]] | None = None,
    reply_label: int | object | None = _UNKNOWN,
) -> PeopleView:
    """`mentions` as (member id, membership label id) pairs and `reply_label` (the label id of
    the message replied to) when the caller loaded them; read here otherwise."""
    if mentions is None:
        mentions = [(x.pk, x.label_id) for x in m.mentions.all()]
    reply_ok = False
    if m.reply_to_id is not None:
        if reply_label is _UNKNOWN:
            reply_label = (
                Message.objects.filter(pk=m.reply_to_id).values_list("label_id", flat=True).first()
            )
        # a reply is in its parent's channel, which the reader may read: the parent's own label
        reply_ok = access.can_read_label_id(viewer, reply_label)
    own = viewer.member.pk if viewer.member is not None else None
    return PeopleView(
        sender=people.can_see(viewer, m.sender),
        reply=reply_ok,
        mentions=tuple(
            sorted(
                pk for pk, label in mentions if pk == own or access.can_read_label_id(viewer, label)
            )
        ),
    )


def message_data(
    viewer: Viewer,
    m: Message,
    acked: set[int] | None = None,
    attachment_rows: list[Attachment] | None = None,
    mentions: list[tuple[int, int]] | None = None,
    view: PeopleView | None = None,
) -> dict:
    """What a client receives about a readable message — REST bodies and socket events alike.

    Live fan-out passes the message's attachments (with labels) loaded once for all sockets;
    each is still shown only if this viewer may read its label. People and references pass the
    member-visibility door (core.people): a hidden sender is "a member not shown" with no id or
    party, a reply to an unreadable message says only `reply_to_hidden`, and hidden mentioned
    members are left out.
    """
    if acked is None:
        acked = {m.pk} if has_acked(viewer, m) else set()
    if attachment_rows is None:
        atts = list(attachments(viewer, m))
    else:
        atts = [a for a in attachment_rows if access.can_read(viewer, a.label.value)]
    if view is None:
        view = people_view(viewer, m, mentions)
    sender = people.person(viewer, m.sender) if view.sender else people.HIDDEN
    return {
        "id": m.pk,
        "channel_id": m.channel_id,
        "sender_id": sender.id,
        "sender": sender.name,
        "sender_party": sender.party,
        "sender_hidden": sender.hidden,
        "body": m.body,
        "body_html": m.body_html,
        "label": m.label.value.describe(viewer.process.level_names),
        "precedence": m.precedence,
        "requires_ack": m.requires_ack,
        "acknowledged": m.pk in acked,
        "reply_to": m.reply_to_id if view.reply else None,
        "reply_to_hidden": m.reply_to_id is not None and not view.reply,
        "mentions": list(view.mentions),
        "attachments": [attachment_data(a) for a in atts],
        "created_at": m.created_at,
        "edited_at": m.edited_at,
        "deleted_at": m.deleted_at,
    }


def attachment_data(a: Attachment) -> dict:
    return {"id": a.pk, "name": a.name, "content_type": a.content_type, "size": a.size}
