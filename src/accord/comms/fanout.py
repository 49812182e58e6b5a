"""Live fan-out: one hub per process per server instance, not one database check per socket.

A hub joins the process group on the channel layer once (one Redis push per instance per event
instead of one per socket) and serves every socket of that process on this instance. For each
burst of events it reads, in a fixed number of queries whatever the number of sockets or
messages (prepared reads, core.prepared):

- the current state of every connected member (active, clearance, caveats, party) — so a member
  removed or downgraded a moment ago receives nothing more, exactly as a fresh request would;
- the messages, their senders, channels and labels (labels are kept: they never change), their
  attachments, mentions and the connected members' acknowledgements.

Members with the same reader state (clearance, caveats, party) read exactly the same labels, so
the burst is built once per reader state: `core.access.can_read` decides each message label,
channel label and attachment label once per state, and each message is described by
`comms.queries.message_data` — the same description REST uses — and encoded once per distinct
view. A member who may not read a message gets nothing of it: no frame, no id, no unread count.
Per member only what is theirs is written in: the acknowledged flag of a message they
acknowledged, and their unread count of each channel, on that channel's last frame of the burst.

Each socket gets at most one WebSocket frame per burst: its frames, in order, are handed over
together (`Socket.deliver`), and the consumer sends one frame as it is, or several wrapped in
one ``{"type": "batch", "frames": [...]}`` frame: one send per socket per burst instead of one
per socket per message, for the server and for every client.

Unread counts are kept per (member, channel): read exactly when first needed, for a whole reader
group in one query (`queries.unread_counts`), then moved by new readable messages from others;
an edit, a deletion, a read marker moved (``channel.read``) or a change in the member's access
reads them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from typing import Protocol

from channels.db import database_sync_to_async
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from accord.comms import queries
from accord.comms.models import Acknowledgement, Attachment, Channel, Message
from accord.core import access
from accord.core.events import process_group, unpack
from accord.core.labels import LabelValue
from accord.core.models import Label, Member, Process
from accord.core.prepared import Prepared

log = logging.getLogger("accord.comms.fanout")

GROUP_REFRESH_S = 3600  # channel layers expire group membership after a day; renew hourly
MESSAGE_KINDS = ("message.new", "message.edit", "message.delete", "message.ack")
# Events taken off the queue per burst: bounds the size of one batch frame and of the id lists
# of the burst's queries; the rest waits for the next burst.
MAX_BURST = 500
# A hub that saw an event less than BUSY_S ago waits GATHER_S before reading the next burst:
# under load a burst then holds several messages for the same fixed number of queries.
BUSY_S = 0.2
GATHER_S = 0.01

Item = tuple[str, int, str]  # (event, message id, JSON text) — one member's frame


@dataclass(slots=True)
class Delivery:
    """One member's frames of one burst, in order: sent as one WebSocket frame."""

    texts: list[str]  # the JSON text of each frame
    meta: list[tuple[str, int]]  # (event, message id) of each frame
    new_ids: frozenset[int]  # ids of its "new" message frames (to drop repeats)

    @classmethod
    def of(cls, items: list[Item]) -> Delivery:
        return cls(
            [t for _, _, t in items],
            [(e, i) for e, i, _ in items],
            frozenset(i for e, i, _ in items if e == "new"),
        )

    def items(self) -> list[Item]:
        return [(e, i, t) for (e, i), t in zip(self.meta, self.texts, strict=True)]


class Socket(Protocol):
    """What a hub needs of a connected consumer."""

    member_id: int

    async def deliver(self, delivery: Delivery) -> None:
        """This member's frames of one burst, in order: sent as one WebSocket frame."""
        ...


def _can_read(
    memo: dict[tuple, bool], state: tuple, reader: access.Viewer, label: LabelValue
) -> bool:
    """`access.can_read`, asked once per (reader state, label): the answer depends on nothing
    else, so every member sharing `state` (clearance, caveats, party) gets the same one."""
    key = (state, label)
    hit = memo.get(key)
    if hit is None:
        hit = memo[key] = access.can_read(reader, label)
    return hit


@dataclass(slots=True)
class _Unread:
    count: int
    upto: int  # messages with id ≤ upto are already in count


# The reads of one burst, compiled once (core.prepared): each is one query whatever the number
# of messages or sockets (id lists are padded to a few sizes).
_process = Prepared(lambda pk: Process.objects.filter(pk=pk).order_by()[:1])
_member_states = Prepared(
    lambda process_id, ids: (
        Member.objects.filter(process_id=process_id, active=True, pk__in=ids)
        .order_by()
        .values_list("pk", "clearance", "caveats", "party__code")
    )
)
# a burst's messages without joins: their senders, channels and labels are few and shared, so
# they are read (labels: kept, they never change) once each, not once per message
_messages = Prepared(
    lambda process_id, ids: Message.objects.filter(
        pk__in=ids, channel__process_id=process_id
    ).order_by()
)
_senders = Prepared(
    lambda ids: Member.objects.filter(pk__in=ids).select_related("user", "party").order_by()
)
_channels = Prepared(lambda ids: Channel.objects.filter(pk__in=ids).order_by())
_labels = Prepared(
    lambda process_id, ids: Label.objects.filter(process_id=process_id, pk__in=ids).order_by()
)
_attachments = Prepared(lambda ids: Attachment.objects.filter(message_id__in=ids).order_by("id"))
_mentions = Prepared(
    lambda ids: (
        Message.mentions.through.objects.filter(message_id__in=ids)
        .order_by()
        .values_list("message_id", "member_id", "member__label_id")
    )
)
# the labels of the messages replied to, and of the members who acknowledged: a frame names
# them only to readers who may read them (core.people, rule 4)
_reply_labels = Prepared(
    lambda ids: Message.objects.filter(pk__in=ids).order_by().values_list("pk", "label_id")
)
_member_labels = Prepared(
    lambda ids: Member.objects.filter(pk__in=ids).order_by().values_list("pk", "label_id")
)
_acks = Prepared(
    lambda ids: (
        Acknowledgement.objects.filter(message_id__in=ids)
        .order_by()
        .values_list("message_id", "member_id")
    )
)
_CAVEATS = Member._meta.get_field("caveats")
_SENDER = Message._meta.get_field("sender")
_CHANNEL = Message._meta.get_field("channel")
_LABEL = Message._meta.get_field("label")
_CHANNEL_LABEL = Channel._meta.get_field("label")
_ATTACHMENT_LABEL = Attachment._meta.get_field("label")


@dataclass
class _Loaded:
    """One burst's messages with what their frames need."""

    msgs: dict[int, Message]
    attachments: dict[int, list[Attachment]]
    mentions: dict[int, list[tuple[int, int]]]  # message → (member id, membership label id)
    acked: dict[int, set[int]]  # member id → ids of this burst's messages they acknowledged
    reply_labels: dict[int, int]  # message replied to → its label id
    member_labels: dict[int, int]  # acknowledging member → membership label id


@dataclass
class FanoutState:
    """The synchronous half of a hub: database reads and per-member frames (runs in a thread)."""

    process_id: int
    member_state: dict[int, tuple] = field(default_factory=dict)
    unread: dict[tuple[int, int], _Unread] = field(default_factory=dict)
    # one reader per reader state (the label part of a viewer), kept while the process's
    # level names stay the same
    _readers: dict[tuple, access.Viewer] = field(default_factory=dict)
    _levels: list | None = None
    _states: dict[tuple, tuple] = field(default_factory=dict)  # stored row → reader state
    _labels: dict[int, Label] = field(default_factory=dict)  # labels never change
    _values: dict[int, LabelValue] = field(default_factory=dict)  # … nor their values

    def _load(self, ids: list[int]) -> _Loaded:
        msgs = {m.pk: m for m in _messages.all(self.process_id, ids)}
        found = sorted(msgs)
        rows = _attachments.all(found)
        senders = {m.pk: m for m in _senders.all(sorted({m.sender_id for m in msgs.values()}))}
        channels = {c.pk: c for c in _channels.all(sorted({m.channel_id for m in msgs.values()}))}
        wanted = {m.label_id for m in msgs.values()} | {c.label_id for c in channels.values()}
        wanted |= {a.label_id for a in rows}
        for label in _labels.all(self.process_id, sorted(wanted - set(self._labels))):
            self._labels[label.pk] = label
            self._values[label.pk] = label.value
        labels = self._labels
        for c in channels.values():
            _CHANNEL_LABEL.set_cached_value(c, labels[c.label_id])
        for m in msgs.values():
            _SENDER.set_cached_value(m, senders[m.sender_id])
            _CHANNEL.set_cached_value(m, channels[m.channel_id])
            _LABEL.set_cached_value(m, labels[m.label_id])
        attachments: dict[int, list[Attachment]] = {}
        for a in rows:
            _ATTACHMENT_LABEL.set_cached_value(a, labels[a.label_id])
            attachments.setdefault(a.message_id, []).append(a)
        mentions: dict[int, list[tuple[int, int]]] = {}
        for mid, member, label in _mentions.all(found):
            mentions.setdefault(mid, []).append((member, label))
        parents = sorted({m.reply_to_id for m in msgs.values() if m.reply_to_id})
        reply_labels = dict(_reply_labels.all(parents)) if parents else {}
        acked: dict[int, set[int]] = {}
        connected = self.member_state
        for mid, member in _acks.all(found):
            if member in connected:
                acked.setdefault(member, set()).add(mid)
        return _Loaded(
            msgs, attachments, {k: sorted(v) for k, v in mentions.items()}, acked, reply_labels, {}
        )

    def _ackers(self, loaded: _Loaded, events: list[dict]) -> None:
        """The membership labels of the members whose acknowledgements this burst carries."""
        ids = sorted({ev.get("member_id") for ev in events if ev.get("kind") == "message.ack"})
        ids = [i for i in ids if queries.valid_id(i)]
        if ids:
            loaded.member_labels.update(_member_labels.all(ids))

    def _state_of(self, row: tuple) -> tuple:
        """(clearance, caveats, party) of a stored member row (as read: caveats as JSON text)."""
        state = self._states.get(row)
        if state is None:
            clearance, caveats, party = row
            caveats = _CAVEATS.from_db_value(caveats, None, connection) or ()
            state = (clearance, tuple(sorted(c.upper() for c in caveats)), party.upper())
            self._states[row] = state
        return state

    def _groups(self, member_ids: set[int]) -> tuple[Process | None, dict[tuple, list[int]]]:
        """The connected members' current reader states, grouped: state → member ids."""
        process = _process.first(self.process_id)
        if process is None:
            return None, {}
        if process.level_names != self._levels:
            self._levels, self._readers = process.level_names, {}
        fresh: dict[int, tuple] = {}
        groups: dict[tuple, list[int]] = {}
        for pk, *row in _member_states.rows(self.process_id, sorted(member_ids), convert=False):
            state = self._state_of(tuple(row))
            fresh[pk] = state
            groups.setdefault(state, []).append(pk)
            if state not in self._readers:
                clearance, caveats, party = state
                member = Member(pk=pk, process_id=self.process_id, clearance=clearance)
                self._readers[state] = access.reader_of(process, member, party, clearance, caveats)
        for pk in set(self.member_state) | set(fresh):
            if self.member_state.get(pk) != fresh.get(pk):
                self._forget_member(pk)
        self.member_state = fresh
        return process, groups

    def _forget_member(self, member_id: int) -> None:
        for key in [k for k in self.unread if k[0] == member_id]:
            del self.unread[key]

    def _forget_channel(self, channel_id: int, member_id: int | None = None) -> None:
        for key in [k for k in self.unread if k[1] == channel_id]:
            if member_id is None or key[0] == member_id:
                del self.unread[key]

    def frames(self, events: list[dict], member_ids: set[int]) -> dict[int, Delivery]:
        """Each connected member's frames of this burst, in order: member id → delivery."""
        for ev in events:
            if ev.get("kind") == "channel.read":
                self._forget_channel(ev.get("channel_id"), ev.get("member_id"))
        wanted = [ev for ev in events if ev.get("kind") in MESSAGE_KINDS and "message_id" in ev]
        notices = [ev for ev in events if isinstance(ev.get("notice"), dict)]
        if not (wanted or notices) or not member_ids:
            return {}
        process, groups = self._groups(member_ids)
        if process is None or not groups:
            return {}
        readable: dict[tuple, bool] = {}  # (reader state, label) → can_read, for this burst
        out: dict[int, Delivery] = {}
        if wanted:
            self._message_frames(process, groups, wanted, readable, out)
        if notices:
            self._notice_frames(groups, notices, readable, out)
        return out

    def _message_frames(
        self,
        process: Process,
        groups: dict[tuple, list[int]],
        wanted: list[dict],
        readable: dict[tuple, bool],
        out: dict[int, Delivery],
    ) -> None:
        """The message and acknowledgement frames of a burst, per reader state."""
        ids = sorted({ev["message_id"] for ev in wanted if queries.valid_id(ev["message_id"])})
        loaded = self._load(ids)
        self._ackers(loaded, wanted)
        order: list[tuple[str, dict, Message]] = []
        for ev in wanted:
            m = loaded.msgs.get(ev["message_id"])
            if m is None:
                continue
            kind = ev["kind"].split(".", 1)[1]
            if kind in ("edit", "delete"):
                self._forget_channel(m.channel_id)  # the channel's counts are read again
            order.append((kind, ev, m))
        bodies: dict[tuple, str] = {}  # one JSON encoding per distinct view of a message
        for state, members in groups.items():
            self._group_frames(process, state, members, order, loaded, readable, bodies, out)

    def _notice_frames(
        self,
        groups: dict[tuple, list[int]],
        notices: list[dict],
        readable: dict[tuple, bool],
        out: dict[int, Delivery],
    ) -> None:
        """Notices of other apps' acts: ``{"type": "notice", "kind", "ids"}`` — a kind and the
        ids of what changed, nothing of its content — only to the reader states that may read
        EVERY label the event names (``labels``: label ids; none or an unknown one: nobody).
        The page then fetches what it shows from the server, which checks access again."""
        wanted = {i for ev in notices for i in ev.get("labels") or () if queries.valid_id(i)}
        for label in _labels.all(self.process_id, sorted(wanted - set(self._labels))):
            self._labels[label.pk] = label
            self._values[label.pk] = label.value
        encoded = []
        for ev in notices:
            labels = [i for i in ev.get("labels") or () if i in self._values]
            if not labels or len(labels) != len(ev.get("labels")):
                continue
            ids = {k: v for k, v in ev["notice"].items() if queries.valid_id(v)}
            text = json.dumps({"type": "notice", "kind": str(ev.get("kind")), "ids": ids})
            encoded.append((labels, text))
        for state, members in groups.items():
            reader = self._readers[state]
            texts = [
                text
                for labels, text in encoded
                if all(_can_read(readable, state, reader, self._values[i]) for i in labels)
            ]
            if not texts:
                continue
            meta = [("notice", 0)] * len(texts)
            for pk in members:
                had = out.get(pk)
                if had is None:
                    out[pk] = Delivery(list(texts), list(meta), frozenset())
                else:
                    out[pk] = Delivery(had.texts + texts, had.meta + meta, had.new_ids)

    def _body(
        self,
        bodies: dict,
        reader: access.Viewer,
        m: Message,
        loaded: _Loaded,
        seen,
        mine: bool,
        view: queries.PeopleView,
    ) -> str:
        """The JSON of a message as one view sees it: the attachments its reader state may see
        (`seen`), the people and references it may see (`view`), and whether the member
        acknowledged it (`mine`)."""
        key = (m.pk, seen, mine, view)
        body = bodies.get(key)
        if body is None:
            data = queries.message_data(
                reader,
                m,
                {m.pk} if mine else set(),
                loaded.attachments.get(m.pk, []),
                view=view,
            )
            body = bodies[key] = json.dumps(data, cls=DjangoJSONEncoder)
        return body

    def _group_frames(
        self,
        process: Process,
        state: tuple,
        members: list[int],
        order: list[tuple[str, dict, Message]],
        loaded: _Loaded,
        readable: dict[tuple, bool],
        bodies: dict[tuple, str],
        out: dict[int, Delivery],
    ) -> None:
        """The frames of one reader state, built once and shared by its members; per member
        only what is theirs is written in: the unread count (on the last frame of each
        channel) and, for a message they acknowledged, its acknowledged flag."""
        reader = self._readers[state]  # answers for every member of the group
        texts: list[str] = []
        meta: list[tuple[str, int]] = []
        # (index, kind, message, attachments seen, people view)
        views: list[tuple[int, str, Message, tuple, queries.PeopleView]] = []
        last: dict[int, tuple[int, Channel]] = {}  # channel id → (index of its last frame, channel)
        news: dict[int, list[tuple[int, int, bool]]] = {}  # channel → (id, sender, live) of "new"
        values = self._values
        for kind, ev, m in order:
            if not (
                _can_read(readable, state, reader, values[m.label_id])
                and _can_read(readable, state, reader, values[m.channel.label_id])
            ):
                continue  # nothing of it — no frame, no id, no count
            if kind == "ack":
                member = ev.get("member_id")
                # an acknowledgement names its member: only to readers who may see them
                if not access.can_read_label_id(reader, loaded.member_labels.get(member)):
                    continue
                texts.append(json.dumps({"type": "ack", "message_id": m.pk, "member_id": member}))
                meta.append(("ack", m.pk))
                continue
            seen = tuple(
                a.pk
                for a in loaded.attachments.get(m.pk, ())
                if _can_read(readable, state, reader, values[a.label_id])
            )
            view = queries.people_view(
                reader,
                m,
                loaded.mentions.get(m.pk, []),
                loaded.reply_labels.get(m.reply_to_id),
            )
            body = self._body(bodies, reader, m, loaded, seen, False, view)
            views.append((len(texts), kind, m, seen, view))
            last[m.channel_id] = (len(texts), m.channel)
            texts.append(f'{{"type": "message", "event": "{kind}", "message": {body}}}')
            meta.append((kind, m.pk))
            if kind == "new":
                news.setdefault(m.channel_id, []).append((m.pk, m.sender_id, m.deleted_at is None))
        if not texts:
            return
        new_ids = frozenset(m.pk for _, kind, m, _, _ in views if kind == "new")
        # per channel: its last frame, as a head the member's count closes
        ends = [
            (idx, channel, _Tail(news.get(chan, ())), texts[idx][:-1])
            for chan, (idx, channel) in last.items()
        ]
        for _, channel, tail, _ in ends:  # counts not known yet: one query for the group
            missing = [pk for pk in members if (pk, channel.pk) not in self.unread]
            if missing:
                counts = queries.unread_counts(reader, channel, missing)
                for pk in missing:
                    self.unread[(pk, channel.pk)] = _Unread(counts.get(pk, 0), tail.top)
        acked = loaded.acked
        for pk in members:
            mine = list(texts)
            own = acked.get(pk)
            heads = None
            if own:  # rare: this member acknowledged a message of the burst
                heads = {}
                for idx, kind, m, seen, view in views:
                    if m.pk in own:
                        body = self._body(bodies, reader, m, loaded, seen, True, view)
                        mine[idx] = f'{{"type": "message", "event": "{kind}", "message": {body}}}'
                        heads[idx] = mine[idx][:-1]
            for idx, channel, tail, head in ends:
                count = self._count(pk, channel, tail)
                if heads and idx in heads:
                    head = heads[idx]
                mine[idx] = f'{head}, "unread": {count}}}'
            out[pk] = Delivery(mine, meta, new_ids)

    def _count(self, pk: int, channel: Channel, tail: _Tail) -> int:
        """The member's unread count of a channel after this burst (read exactly when first
        needed, for the whole group at once; later bursts move it)."""
        entry = self.unread[(pk, channel.pk)]
        if tail.news and tail.top > entry.upto:
            entry.count += tail.added(pk, entry.upto)
            entry.upto = tail.top
        return entry.count


class _Tail:
    """The "new" messages of one channel in one burst, as one reader state sees them, arranged
    so that a member's count moves in constant time: new messages from others."""

    __slots__ = ("first", "live", "news", "own", "top")

    def __init__(self, news) -> None:
        self.news = news
        self.first = min((mid for mid, _, _ in news), default=0)
        self.top = max((mid for mid, _, _ in news), default=0)
        self.live = sum(1 for _, _, live in news if live)
        self.own: dict[int, int] = {}
        for _, sender, live in news:
            if live:
                self.own[sender] = self.own.get(sender, 0) + 1

    def added(self, pk: int, upto: int) -> int:
        """How many of these messages count as unread for member `pk` counted up to `upto`."""
        if upto < self.first:  # the usual case: every message of the burst is newer
            return self.live - self.own.get(pk, 0)
        return sum(1 for mid, sender, live in self.news if mid > upto and live and sender != pk)


class Hub:
    """Receives a process's events once per instance and hands each socket its own frames."""

    def __init__(self, layer, process_id: int) -> None:
        self.layer = layer
        self.process_id = process_id
        self.sockets: dict[int, set[Socket]] = {}
        self.state = FanoutState(process_id)
        self.channel: str | None = None
        self.tasks: list[asyncio.Task] = []
        self.queue: asyncio.Queue = asyncio.Queue()

    @property
    def empty(self) -> bool:
        return not self.sockets

    async def add(self, sock: Socket) -> None:
        self.sockets.setdefault(sock.member_id, set()).add(sock)
        if self.channel is None:
            self.channel = await self.layer.new_channel()
            await self.layer.group_add(process_group(self.process_id), self.channel)
            self.tasks = [
                asyncio.create_task(self._receive()),
                asyncio.create_task(self._dispatch()),
                asyncio.create_task(self._refresh()),
            ]

    async def remove(self, sock: Socket) -> None:
        group = self.sockets.get(sock.member_id)
        if group is not None:
            group.discard(sock)
            if not group:
                del self.sockets[sock.member_id]
        if self.empty and self.channel is not None:
            for t in self.tasks:
                t.cancel()
            channel, self.channel = self.channel, None
            with contextlib.suppress(Exception):
                await self.layer.group_discard(process_group(self.process_id), channel)

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(GROUP_REFRESH_S)
            await self.layer.group_add(process_group(self.process_id), self.channel)

    async def _receive(self) -> None:
        """Drain the layer at once so its bounded channel never fills (the queue is local)."""
        while True:
            for event in unpack(await self.layer.receive(self.channel)):
                self.queue.put_nowait(event)

    async def _dispatch(self) -> None:
        """One burst at a time: every event waiting, one read, one frame per socket."""
        build = database_sync_to_async(self.state.frames)
        last = 0.0
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self.queue.get()]
            if loop.time() - last < BUSY_S:
                # events are streaming in: gather a few more, so the burst's fixed reads are
                # shared by several messages (a lone event on a quiet hub goes out at once)
                await asyncio.sleep(GATHER_S)
            last = loop.time()
            while not self.queue.empty() and len(batch) < MAX_BURST:
                batch.append(self.queue.get_nowait())
            await self._end_sessions(batch)
            try:
                per_member = await build(batch, set(self.sockets))
            except Exception:  # one bad batch must not stop live delivery for everyone
                log.exception("fan-out of %d events failed", len(batch))
                continue
            for member_id, delivery in per_member.items():
                for sock in list(self.sockets.get(member_id, ())):
                    try:
                        await sock.deliver(delivery)
                    except Exception:  # a socket closing mid-send; the others go on
                        log.debug("delivery to member %s failed", member_id, exc_info=True)

    async def _end_sessions(self, batch: list[dict]) -> None:
        """Close the sockets opened by a web session that has just been ended (a second-factor
        reset ends every session of the user): they stop receiving at once, like the page."""
        users = {ev.get("user_id") for ev in batch if ev.get("kind") == "sessions.ended"}
        if not users:
            return
        for group in list(self.sockets.values()):
            for sock in list(group):
                if getattr(sock, "session_user_id", None) in users:
                    with contextlib.suppress(Exception):
                        await sock.end_session()


_hubs: dict[tuple[int, int], Hub] = {}


async def join(layer, process_id: int, sock: Socket) -> None:
    """Attach a socket to its process's hub on this instance (creating the hub if needed)."""
    key = (id(asyncio.get_running_loop()), process_id)
    hub = _hubs.get(key)
    if hub is None or hub.layer is not layer:
        hub = _hubs[key] = Hub(layer, process_id)
    await hub.add(sock)


async def leave(process_id: int, sock: Socket) -> None:
    key = (id(asyncio.get_running_loop()), process_id)
    hub = _hubs.get(key)
    if hub is None:
        return
    await hub.remove(sock)
    if hub.empty and _hubs.get(key) is hub:
        del _hubs[key]
