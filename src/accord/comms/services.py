"""Every state change of comms: check policy (core.access), write, record to the ledger in the
same transaction, publish an id-only event after commit.

A refused act raises an AccordError before anything is written, so bad input changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accord.comms import markup
from accord.comms import queries as q
from accord.comms.models import (
    ACK_REQUIRED,
    Acknowledgement,
    Attachment,
    Channel,
    EscalationStep,
    HandlingPolicy,
    Message,
    MessageRevision,
    Notification,
    Precedence,
    ReadState,
)
from accord.core import access, events, files, people, prepared
from accord.core.access import Viewer
from accord.core.errors import Conflict, Forbidden, Invalid, NotFound
from accord.core.groupcommit import GroupCommit
from accord.core.labels import PUBLIC, LabelValue
from accord.core.models import Member, Party, Process
from accord.core.roles import Perm, Role
from accord.core.services import time_zone_of
from accord.ledger.services import Act, record, record_many, tighten_naming

log = logging.getLogger("accord.comms")

MAX_BODY = 20_000
SHORT_WORDS = 200  # FLASH and IMMEDIATE texts are expected to be short (REFERENCE.md)
PRECEDENCES = frozenset(Precedence.values)


# --- helpers ----------------------------------------------------------------------------------
def _label_value(viewer: Viewer, label, default: LabelValue) -> LabelValue:
    if label is None:
        return default
    if isinstance(label, LabelValue):
        return label
    if hasattr(label, "dict"):
        label = label.dict()
    return access.parse_label(viewer.process, dict(label), default)


def _require_member(viewer: Viewer) -> Member:
    if viewer.member is None:
        raise NotFound("process not found")
    return viewer.member


def _event(kind: str, msg: Message, **extra) -> dict:
    """Only ids and the label id travel on the layer; consumers re-read through access."""
    return {
        "kind": kind,
        "message_id": msg.pk,
        "channel_id": msg.channel_id,
        "label": msg.label_id,
        **extra,
    }


def _publish(process_id: int, kind: str, msg: Message, **extra) -> None:
    events.publish(process_id, _event(kind, msg, **extra))


# --- channels ---------------------------------------------------------------------------------
def create_channel(
    viewer: Viewer,
    *,
    name: str,
    kind: str,
    label=None,
    parties: list[str] | None = None,
    description: str = "",
) -> Channel:
    """Create a channel (coordinator). The channel label is tightened to fit its kind: a party
    or bilateral channel is REL TO its parties, a caucus carries the MEDIATION caveat."""
    actor = _require_member(viewer)
    access.require(viewer, Perm.MANAGE_PROCESS)
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise Invalid("a channel needs a name of 1–120 characters", {"name": "required"})
    if kind not in Channel.Kind.values:
        raise Invalid(
            f"kind must be one of {', '.join(Channel.Kind.values)}", {"kind": "unknown kind"}
        )
    value = _label_value(viewer, label, PUBLIC)
    codes = sorted({c.strip().upper() for c in (parties or []) if c.strip()})
    known = {p.code: p for p in Party.objects.filter(process=viewer.process)}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Invalid(f"unknown parties: {', '.join(unknown)}", {"parties": "unknown party"})
    if kind == Channel.Kind.PARTY and len(codes) != 1:
        raise Invalid("a party channel names exactly one party", {"parties": "one party"})
    if kind == Channel.Kind.BILATERAL and len(codes) < 2:
        raise Invalid("a bilateral channel names at least two parties", {"parties": "too few"})
    if kind in (Channel.Kind.PARTY, Channel.Kind.BILATERAL):
        rel = frozenset(codes) if value.rel_to is None else value.rel_to & frozenset(codes)
        if not rel:
            raise Invalid(
                "the label's REL TO shares no party with the channel", {"label.rel_to": "disjoint"}
            )
        value = LabelValue(level=value.level, rel_to=rel, caveats=value.caveats)
    elif codes:
        raise Invalid(f"a {kind} channel has no member parties", {"parties": "not allowed"})
    if kind == Channel.Kind.CAUCUS:
        if "MEDIATION" not in {c.upper() for c in viewer.process.caveats}:
            raise Invalid("this process has no MEDIATION caveat", {"kind": "no caveat"})
        value = LabelValue(
            level=value.level, rel_to=value.rel_to, caveats=value.caveats | {"MEDIATION"}
        )
    if value.level >= len(viewer.process.level_names):
        raise Invalid("label level out of range", {"label.level": "out of range"})
    try:
        with transaction.atomic():
            chan = Channel.objects.create(
                process=viewer.process,
                name=name,
                kind=kind,
                description=(description or "")[:500],
                label=access.label_row(viewer.process, value),
                created_by=actor,
            )
            chan.parties.set([known[c] for c in codes])
            record(actor, "channel.create", chan, {"parties": codes})
    except IntegrityError as exc:
        raise Conflict(f"a channel named {name!r} exists") from exc
    events.publish(
        viewer.process.pk, {"kind": "channel.new", "channel_id": chan.pk, "label": chan.label_id}
    )
    return chan


def set_handling_objectives(
    viewer: Viewer, *, flash_minutes: int, immediate_minutes: int
) -> HandlingPolicy:
    """Override the ACP 121 handling objectives for this process (coordinator)."""
    actor = _require_member(viewer)
    access.require(viewer, Perm.MANAGE_PROCESS)
    for key, val in (("flash_minutes", flash_minutes), ("immediate_minutes", immediate_minutes)):
        if not isinstance(val, int) or not 1 <= val <= 24 * 60:
            raise Invalid(f"{key} must be 1..1440 minutes", {key: "out of range"})
    if flash_minutes > immediate_minutes:
        raise Invalid("FLASH must be handled no slower than IMMEDIATE", {"flash_minutes": "order"})
    with transaction.atomic():
        pol, _ = HandlingPolicy.objects.get_or_create(process=viewer.process)
        pol.flash_minutes, pol.immediate_minutes = flash_minutes, immediate_minutes
        pol.save()
        record(actor, "comms.handling", pol, label=PUBLIC)
    return pol


# --- messages ---------------------------------------------------------------------------------
@dataclass
class Posted:
    message: Message
    warnings: list[str] = field(default_factory=list)
    # the mentioned members as (id, membership label id): all visible to the poster
    mentions: list[tuple[int, int]] = field(default_factory=list)
    viewer: Viewer | None = None  # who posted


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise Invalid("a message needs a text", {"body": "required"})
    if len(body) > MAX_BODY:
        raise Invalid(f"a message is at most {MAX_BODY} characters", {"body": "too long"})
    return body


def _check_label(viewer: Viewer, chan: Channel, value: LabelValue) -> None:
    access.check_can_apply(viewer, value)
    if not value.dominates(chan.label.value):
        names = viewer.process.level_names
        raise Invalid(
            f"the label must be at least the channel's label {chan.label.value.display(names)}",
            {"label": "below the channel's label"},
        )


@dataclass
class PendingPost:
    """A post that passed every check and is ready to write (nothing written yet)."""

    viewer: Viewer
    channel: Channel
    body: str
    body_html: str
    value: LabelValue
    precedence: str
    requires_ack: bool
    parent: Message | None
    reply_to: int | None
    now: datetime
    warnings: list[str]


def prepare_post(
    viewer: Viewer,
    channel_id: int,
    *,
    body: str,
    label=None,
    precedence: str = Precedence.ROUTINE,
    requires_ack: bool = False,
    reply_to: int | None = None,
    now: datetime | None = None,
    memo: dict | None = None,
) -> PendingPost:
    """Every check of a post, reading only: a refused post raises before anything is written.
    `memo`: reads the posts of one batch may share (see GroupCommit.memo)."""
    _require_member(viewer)
    chan = q.channel(viewer, channel_id, memo)  # 404 if the channel may not be read
    access.require(viewer, Perm.POST_MESSAGES)
    body = _check_body(body)
    precedence = (precedence or Precedence.ROUTINE).upper()
    if precedence not in PRECEDENCES:
        raise Invalid(
            f"precedence must be one of {', '.join(Precedence.values)}",
            {"precedence": "unknown precedence"},
        )
    value = _label_value(viewer, label, chan.label.value)
    _check_label(viewer, chan, value)
    parent = None
    if reply_to is not None:
        if q.valid_id(reply_to):
            parent = q.all_messages(viewer).filter(pk=reply_to, channel=chan).first()
        if parent is None:
            raise NotFound("the message replied to was not found in this channel")
        if not value.dominates(parent.label.value):
            raise Invalid(
                "a reply must be labelled at least like the message it answers",
                {"label": "below the parent's label"},
            )
    warnings = []
    if precedence in ACK_REQUIRED and markup.word_count(body) > SHORT_WORDS:
        warnings.append(
            f"{precedence} texts are expected to be short (≤ {SHORT_WORDS} words); "
            f"this one has {markup.word_count(body)}"
        )
    return PendingPost(
        viewer=viewer,
        channel=chan,
        body=body,
        body_html=markup.render(body),
        value=value,
        precedence=precedence,
        requires_ack=bool(requires_ack) or precedence in ACK_REQUIRED,
        parent=parent,
        reply_to=reply_to,
        now=now or timezone.now(),
        warnings=warnings,
    )


def write_posts(pending: Sequence[PendingPost]) -> list[Posted]:
    """Write checked posts in one transaction: messages, mentions, notifications and one ledger
    entry each (in order, one log lock per process), events after commit."""
    with transaction.atomic():
        labels: dict[tuple[int, str], object] = {}
        msgs = []
        for p in pending:
            chan = p.channel
            key = (chan.process_id, p.value.key)
            if key not in labels:  # the channel's own label is already loaded
                same = p.value == chan.label.value
                labels[key] = chan.label if same else access.label_row(chan.process, p.value)
            msgs.append(
                Message(
                    channel=chan,
                    sender=p.viewer.member,
                    body=p.body,
                    body_html=p.body_html,
                    label=labels[key],
                    precedence=p.precedence,
                    requires_ack=p.requires_ack,
                    reply_to=p.parent,
                    created_at=p.now,
                )
            )
        prepared.insert(msgs)  # the ids, as bulk_create would give them
        notes: list[Notification] = []
        links = []
        acts: dict[int, tuple[Process, list[Act]]] = {}  # per process: one log lock each
        ids: list[list[int]] = []
        for p, msg in zip(pending, msgs, strict=True):
            names = markup.mentioned_usernames(p.body)
            # the readers are needed only to notify (mentions, FLASH/IMMEDIATE): most skip it
            readers = q.recipients(msg) if names or p.precedence in ACK_REQUIRED else []
            # a mention names only members the poster may see: guessing a hidden member's
            # username must neither notify them nor confirm that they exist
            mentioned = [
                m
                for m in readers
                if m.user.get_username().lower() in names and people.can_see(p.viewer, m)
            ]
            links += [Message.mentions.through(message=msg, member=m) for m in mentioned]
            notes += [
                Notification(
                    member=m, kind=Notification.Kind.MENTION, message=msg, created_at=p.now
                )
                for m in mentioned
            ]
            if p.precedence in ACK_REQUIRED:
                kind = (
                    Notification.Kind.FLASH
                    if p.precedence == Precedence.FLASH
                    else Notification.Kind.IMMEDIATE
                )
                notes += [
                    Notification(member=m, kind=kind, message=msg, created_at=p.now)
                    for m in readers
                ]
            ids.append(sorted((m.pk, m.label_id) for m in mentioned))
            payload = {"mentions": [pk for pk, _ in ids[-1]], "reply_to": p.reply_to}
            # the record names the mentioned members and the message replied to: it carries
            # their labels too (rule 4), so it is shown only to whoever may read all of them
            refs = [x.label for x in mentioned]
            if p.parent is not None:
                refs.append(p.parent.label)
            acts.setdefault(p.channel.process_id, (p.channel.process, []))[1].append(
                Act(p.viewer.member, "message.post", msg, payload, refs=tuple(refs))
            )
        Message.mentions.through.objects.bulk_create(links)
        Notification.objects.bulk_create(notes)
        for process, group in acts.values():
            record_many(group, process=process, sign_now=False)
    per_process: dict[int, list[dict]] = {}
    for p, msg in zip(pending, msgs, strict=True):
        per_process.setdefault(p.channel.process_id, []).append(_event("message.new", msg))
    for process_id, group in per_process.items():
        events.publish_many(process_id, group)  # one layer message per batch and process
    return [
        Posted(msg, p.warnings, mentioned, p.viewer)
        for p, msg, mentioned in zip(pending, msgs, ids, strict=True)
    ]


_posts: GroupCommit[PendingPost, Posted] = GroupCommit(
    write_posts, name="accord-posts", gather=0.003
)


def post_message(viewer: Viewer, channel_id: int, **fields) -> Posted:
    """Post a labelled message (`fields` as for `prepare_post`); FLASH/IMMEDIATE always require
    acknowledgement. Concurrent posts share one transaction (core.groupcommit); each is
    checked on its own first."""
    return _posts.submit(prepare_post(viewer, channel_id, **fields))


def post_preparation(
    resolve: Callable[[], Viewer], channel_id: int, *, poster_key: Hashable = None, **fields
) -> Callable[[], PendingPost]:
    """A post's checks, to be run by the writer just before its batch: `resolve()` names the
    poster. Posts of one batch with the same `poster_key` resolve their poster once, and
    share the channel's row (each is still checked against its label)."""

    def prepare() -> PendingPost:
        memo = _posts.memo
        viewer = memo.get(("poster", poster_key)) if poster_key is not None else None
        if viewer is None:
            viewer = resolve()
            if poster_key is not None:
                memo[("poster", poster_key)] = viewer
        return prepare_post(viewer, channel_id, memo=memo, **fields)

    return prepare


async def post_message_async(preparation: Callable[[], PendingPost]) -> Posted:
    """`post_message` for the event loop (the API's fast path): the post's checks
    (`post_preparation`) run on the writer thread, so the loop never waits on the database."""
    return await _posts.submit_async(preparation)


def post_messages_now(
    preparations: Sequence[Callable[[], PendingPost]],
) -> list[tuple[Posted | None, BaseException | None]]:
    """Check and write a batch of posts in this thread, each one's (posted, error) in order:
    for the writer process (accord.core.writer), which is itself the writer."""
    return _posts.run(preparations)


def _own_message(viewer: Viewer, message_id: int) -> Message:
    msg = q.message(viewer, message_id)
    if msg.sender_id != viewer.member.pk:
        raise Forbidden("only the sender may change a message")
    if msg.deleted_at is not None:
        raise Conflict("the message was deleted")
    return msg


def edit_message(viewer: Viewer, message_id: int, *, body: str, label=None) -> Message:
    """Edit one's own message; the previous text is kept as a revision. The label may only
    tighten (an edit cannot release earlier text to more readers)."""
    actor = _require_member(viewer)
    msg = _own_message(viewer, message_id)
    body = _check_body(body)
    value = _label_value(viewer, label, msg.label.value)
    _check_label(viewer, msg.channel, value)
    if not value.dominates(msg.label.value):
        raise Invalid(
            "an edit may not loosen the label (earlier text would reach new readers)",
            {"label": "looser than before"},
        )
    if body == msg.body and value == msg.label.value:
        return msg
    with transaction.atomic():
        rev = MessageRevision.objects.create(
            message=msg, kind=MessageRevision.Kind.EDIT, body=msg.body, label=msg.label, by=actor
        )
        msg.body = body
        msg.body_html = markup.render(body)
        msg.label = access.label_row(viewer.process, value)
        msg.edited_at = timezone.now()
        msg.save(update_fields=["body", "body_html", "label", "edited_at"])
        Attachment.objects.filter(message=msg).update(label=msg.label)  # labelled like it
        record(actor, "message.edit", msg, {"revision": rev.pk})
        if value != rev.label.value:  # tightened: earlier records naming it follow (rule 4)
            tighten_naming(msg, viewer.process)
    _publish(viewer.process.pk, "message.edit", msg)
    return msg


def delete_message(viewer: Viewer, message_id: int) -> Message:
    """Delete one's own message: the text leaves the channel, the revision keeps it."""
    actor = _require_member(viewer)
    msg = _own_message(viewer, message_id)
    with transaction.atomic():
        rev = MessageRevision.objects.create(
            message=msg, kind=MessageRevision.Kind.DELETE, body=msg.body, label=msg.label, by=actor
        )
        msg.body = ""
        msg.body_html = ""
        msg.deleted_at = timezone.now()
        msg.save(update_fields=["body", "body_html", "deleted_at"])
        record(actor, "message.delete", msg, {"revision": rev.pk})
    _publish(viewer.process.pk, "message.delete", msg)
    return msg


def acknowledge(viewer: Viewer, message_id: int) -> Acknowledgement:
    """Acknowledge receipt (idempotent: a second call returns the first acknowledgement)."""
    actor = _require_member(viewer)
    msg = q.message(viewer, message_id)
    if not msg.requires_ack:
        raise Invalid("this message does not ask for an acknowledgement", {"message": "no ack"})
    if msg.sender_id == actor.pk:
        raise Invalid("the sender does not acknowledge their own message", {"message": "own"})
    existing = Acknowledgement.objects.filter(message=msg, member=actor).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            ack = Acknowledgement.objects.create(message=msg, member=actor)
            Notification.objects.filter(member=actor, message=msg).update(read=True)
            record(actor, "message.ack", ack, label=msg.label)
    except IntegrityError:
        return Acknowledgement.objects.get(message=msg, member=actor)
    _publish(viewer.process.pk, "message.ack", msg, member_id=actor.pk)
    return ack


def mark_read(viewer: Viewer, channel_id: int, last_read_id: int | None = None) -> ReadState:
    """Move the member's read marker forward (never back). Personal bookkeeping, like a
    token's last use: not an act of the process, so not written to the ledger."""
    actor = _require_member(viewer)
    chan = q.channel(viewer, channel_id)
    newest = q.messages(viewer, chan).order_by("-id").values_list("id", flat=True).first() or 0
    target = newest if last_read_id is None else min(int(last_read_id), newest)
    if target < 0:
        raise Invalid("last_read_id must be ≥ 0", {"last_read_id": "negative"})
    with transaction.atomic():
        state, _ = ReadState.objects.select_for_update().get_or_create(member=actor, channel=chan)
        if target > state.last_read_id:
            state.last_read_id = target
            state.save(update_fields=["last_read_id"])
            # live unread counts of this member's sockets are recomputed (ids only)
            events.publish(
                viewer.process.pk,
                {"kind": "channel.read", "member_id": actor.pk, "channel_id": chan.pk},
            )
    return state


def mark_notifications_read(viewer: Viewer, ids: list[int] | None = None) -> int:
    """Mark the member's notifications read (all, or the given ids). Personal bookkeeping."""
    _require_member(viewer)
    qs = q.notifications(viewer, unread_only=True)
    if ids is not None:
        qs = qs.filter(pk__in=[i for i in ids if q.valid_id(i)])
    return Notification.objects.filter(pk__in=list(qs.values_list("pk", flat=True))).update(
        read=True
    )


def attach(viewer: Viewer, message_id: int, *, name: str, data: bytes) -> Attachment:
    """Attach a file to one's own message; it is labelled like the message. The type is
    sniffed from the content and must match the name's extension (files.check); the size
    limit is ACCORD_ATTACHMENT_MAX_MB (default 10)."""
    actor = _require_member(viewer)
    msg = _own_message(viewer, message_id)
    name = files.clean_name(name)
    ctype = files.check(name, data)
    digest = files.store(data)
    with transaction.atomic():
        att = Attachment.objects.create(
            message=msg,
            name=name,
            content_type=ctype,
            size=len(data),
            sha256=digest,
            label=msg.label,
        )
        record(actor, "attachment.add", att)
    _publish(viewer.process.pk, "message.edit", msg)
    return att


MAX_FILES = 10


def check_attachment(name: str, data: bytes) -> str:
    """The checks `attach` makes, without writing: lets a composer refuse a bad file before the
    message is posted (so a refused upload stores nothing). Returns the sniffed type."""
    return files.check(name, data)


def _check_uploads(uploads: list[tuple[str, bytes]]) -> None:
    if not uploads:
        raise Invalid("choose at least one file", {"file": "missing"})
    if len(uploads) > MAX_FILES:
        raise Invalid(f"at most {MAX_FILES} files per message", {"file": "too many"})
    for name, data in uploads:
        check_attachment(name, data)


def attach_files(
    viewer: Viewer, message_id: int, uploads: list[tuple[str, bytes]]
) -> list[Attachment]:
    """Attach several files to one's own message, all or none: every file is checked before
    any is stored, and the attachments are one transaction."""
    _own_message(viewer, message_id)  # 404/403/409 before looking at the files
    _check_uploads(uploads)
    with transaction.atomic():  # events of the inner services are sent after this commits
        return [attach(viewer, message_id, name=name, data=data) for name, data in uploads]


def post_with_attachments(
    viewer: Viewer,
    channel_id: int,
    *,
    uploads: list[tuple[str, bytes]],
    **kwargs,
) -> Posted:
    """Post a message and attach files to it as one act: every file is checked first and the
    whole post is one transaction, so a refused file leaves neither message nor attachment."""
    _check_uploads(uploads)
    with transaction.atomic():  # events of the inner services are sent after this commits
        posted = post_message(viewer, channel_id, **kwargs)
        for name, data in uploads:
            attach(viewer, posted.message.pk, name=name, data=data)
    return posted


# --- escalation -------------------------------------------------------------------------------
def _head_of_delegation(recipient: Member) -> Member | None:
    now = timezone.now()
    heads = (
        Member.objects.filter(
            process_id=recipient.process_id,
            party_id=recipient.party_id,
            active=True,
            role_assignments__role=Role.HEAD_OF_DELEGATION.value,
            role_assignments__assumed_at__lte=now,
        )
        .exclude(role_assignments__renounced_at__lte=now)
        .exclude(pk=recipient.pk)
        .select_related("party", "user", "process")
        .distinct()
    )
    return heads.first()


def escalate_due(now: datetime | None = None) -> list[EscalationStep]:
    """Escalate unacknowledged FLASH / IMMEDIATE traffic whose handling objective has passed.

    After one objective (10 min FLASH, 30 min IMMEDIATE unless the process overrides them) the
    recipient is notified again; after two, their head of delegation — only if that head may
    read the message. Each step is stored once (unique), so re-running never repeats a step.
    """
    now = now or timezone.now()
    done: list[EscalationStep] = []
    policies = {p.process_id: p for p in HandlingPolicy.objects.all()}
    shortest = min([10, *(p.flash_minutes for p in policies.values())])
    pending = (
        Message.objects.filter(
            requires_ack=True,
            deleted_at__isnull=True,
            precedence__in=list(ACK_REQUIRED),
            created_at__lte=now - timedelta(minutes=shortest),
            created_at__gte=now - timedelta(days=3),
        )
        .select_related("channel__process", "channel__label", "label", "sender__party")
        .order_by("id")
    )
    for msg in pending:
        process = msg.channel.process
        pol = policies.get(process.pk) or HandlingPolicy(process=process)
        minutes = pol.minutes_for(msg.precedence)
        if minutes is None:
            continue
        age = now - msg.created_at
        due_step = min(2, int(age / timedelta(minutes=minutes)))
        if due_step < 1:
            continue
        acked = set(Acknowledgement.objects.filter(message=msg).values_list("member_id", flat=True))
        taken = set(EscalationStep.objects.filter(message=msg).values_list("recipient_id", "step"))
        for recipient in q.recipients(msg):
            if recipient.pk in acked:
                continue
            for step in range(1, due_step + 1):
                if (recipient.pk, step) in taken:
                    continue
                done.extend(_escalate_one(msg, recipient, step, now))
    return done


def _escalate_one(msg: Message, recipient: Member, step: int, now: datetime) -> list:
    target: Member | None = recipient
    if step == 2:
        head = _head_of_delegation(recipient)
        target = None
        if head is not None and access.can_read(access.viewer_of(head), msg.label.value):
            target = head
    try:
        with transaction.atomic():
            esc = EscalationStep.objects.create(
                message=msg, recipient=recipient, step=step, notified=target, at=now
            )
            if target is not None:
                Notification.objects.create(
                    member=target,
                    kind=Notification.Kind.ESCALATION,
                    message=msg,
                    about=recipient if target.pk != recipient.pk else None,
                    created_at=now,
                )
            record(
                None,
                "message.escalate",
                esc,
                {"step": step, "recipient": recipient.pk},
                label=msg.label,
                process=msg.channel.process,
            )
    except IntegrityError:  # another worker took this step first
        return []
    _publish(msg.channel.process_id, "message.escalate", msg, step=step)
    return [esc]


# --- briefings --------------------------------------------------------------------------------
def send_briefing(member: Member, now: datetime | None = None) -> bool:
    """E-mail one member the digest of what they may read (nothing is sent when it is empty).

    The digest carries the combined label of its contents in its subject and first line."""
    now = now or timezone.now()
    viewer = access.viewer_of(member)
    brief = q.briefing(viewer, q.default_since(now))
    if not (brief.urgent or brief.unacknowledged or brief.mentions or brief.per_channel):
        return False
    if not member.user.email:
        return False
    names = member.process.level_names
    ctx = {
        "brief": brief,
        "process": member.process,
        "label": brief.label.display(names),
        "viewer": viewer,  # senders named as this member may see them
    }
    # times in the member's own zone (their profile setting), as on their pages
    with timezone.override(ZoneInfo(time_zone_of(member.user))):
        text = render_to_string("comms/briefing_email.txt", ctx)
    send_mail(
        f"[{brief.label.display(names)}] Accord briefing — {member.process.name}",
        text,
        settings.DEFAULT_FROM_EMAIL,
        [member.user.email],
    )
    return True


def send_all_briefings(now: datetime | None = None) -> int:
    """The daily digest for every active member of every active process."""
    sent = 0
    for member in Member.objects.filter(
        active=True, process__status=Process.Status.ACTIVE
    ).select_related("process", "party", "user"):
        try:
            sent += send_briefing(member, now)
        except Exception:  # one bad address must not stop the others
            log.exception("briefing for member %s failed", member.pk)
    return sent
