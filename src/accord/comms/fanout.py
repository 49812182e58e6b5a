"""Live fan-out: one hub per process per server instance, not one database check per socket.

A hub joins the process group on the channel layer once (one Redis push per instance per event
instead of one per socket) and serves every socket of that process on this instance. For each
batch of events it reads, in a fixed number of queries whatever the number of sockets:

- the current state of every connected member (active, clearance, caveats, party) — so a member
  removed or downgraded a moment ago receives nothing more, exactly as a fresh request would;
- the messages (with labels, channel labels, sender, mentions), their attachments (with labels)
  and the connected members' acknowledgements.

Then, per member, it applies `core.access.can_read` to the message label, the channel label and
every attachment label, and builds the frame with `comms.queries.message_data` — the same
description REST uses. A socket that may not read a message gets nothing: no frame, no id, no
unread count. Members with the same reader state (clearance, caveats, party) get the same
answers, so `can_read` runs once per (reader state, label) in a burst, not once per socket.

Each socket gets at most one WebSocket frame per burst: its frames of the burst, in order, are
handed over together (`Socket.deliver_many`), and the consumer sends one frame as it is, or
several wrapped in one ``{"type": "batch", "frames": [...]}`` frame: one send per socket per
burst instead of one per socket per message, for the server and for every client.

Unread counts are kept per (member, channel): computed exactly by `queries.unread_count` when
first needed, then moved by new readable messages from others; an edit, a deletion, a read
marker moved (``channel.read``) or a change in the member's access recomputes them.
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
from django.db.models import Prefetch

from accord.comms import queries
from accord.comms.models import Acknowledgement, Attachment, Message
from accord.core import access
from accord.core.events import process_group
from accord.core.labels import LabelValue
from accord.core.models import Member, Process

log = logging.getLogger("accord.comms.fanout")

GROUP_REFRESH_S = 3600  # channel layers expire group membership after a day; renew hourly
MESSAGE_KINDS = ("message.new", "message.edit", "message.delete", "message.ack")
# Events taken off the queue per burst: bounds the size of one batch frame and of the id lists
# of the burst's queries; the rest waits for the next burst.
MAX_BURST = 500
# A hub that saw an event less than BUSY_S ago waits GATHER_S before reading the next burst:
# under load a burst then holds several messages for the same fixed number of queries.
BUSY_S = 0.2
GATHER_S = 0.02

Frame = tuple[int, str, int, str]  # (member id, event, message id, JSON text)
Item = tuple[str, int, str]  # (event, message id, JSON text) — one member's frame


class Socket(Protocol):
    """What a hub needs of a connected consumer."""

    member_id: int

    async def deliver_many(self, items: list[Item]) -> None:
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


@dataclass
class _Unread:
    count: int
    upto: int  # messages with id ≤ upto are already in count


@dataclass
class FanoutState:
    """The synchronous half of a hub: database reads and per-member frames (runs in a thread)."""

    process_id: int
    member_state: dict[int, tuple] = field(default_factory=dict)
    unread: dict[tuple[int, int], _Unread] = field(default_factory=dict)

    def _viewers(self, member_ids: set[int]) -> tuple[Process | None, dict[int, access.Viewer]]:
        process = Process.objects.filter(pk=self.process_id).first()
        if process is None:
            return None, {}
        rows = Member.objects.filter(
            pk__in=member_ids, process_id=self.process_id, active=True
        ).values_list("pk", "clearance", "caveats", "party__code")
        viewers: dict[int, access.Viewer] = {}
        fresh: dict[int, tuple] = {}
        for pk, clearance, caveats, party in rows:
            state = (clearance, tuple(sorted(c.upper() for c in caveats or ())), party.upper())
            fresh[pk] = state
            member = Member(pk=pk, process_id=self.process_id, clearance=clearance)
            viewers[pk] = access.reader_of(process, member, party, clearance, caveats)
        for pk in set(self.member_state) | set(fresh):
            if self.member_state.get(pk) != fresh.get(pk):
                self._forget_member(pk)
        self.member_state = fresh
        return process, viewers

    def _forget_member(self, member_id: int) -> None:
        for key in [k for k in self.unread if k[0] == member_id]:
            del self.unread[key]

    def _forget_channel(self, channel_id: int, member_id: int | None = None) -> None:
        for key in [k for k in self.unread if k[1] == channel_id]:
            if member_id is None or key[0] == member_id:
                del self.unread[key]

    def _unread(self, viewer: access.Viewer, m: Message, new: bool) -> int:
        key = (viewer.member.pk, m.channel_id)
        entry = self.unread.get(key)
        if entry is None:
            entry = _Unread(queries.unread_count(viewer, m.channel), m.pk)
            self.unread[key] = entry
        elif new and m.pk > entry.upto:
            entry.upto = m.pk
            if m.sender_id != viewer.member.pk and m.deleted_at is None:
                entry.count += 1
        return entry.count

    def frames(self, events: list[dict], member_ids: set[int]) -> list[Frame]:
        """(member id, event, message id, JSON text) for every frame of this batch, in order."""
        for ev in events:
            if ev.get("kind") == "channel.read":
                self._forget_channel(ev.get("channel_id"), ev.get("member_id"))
        wanted = [ev for ev in events if ev.get("kind") in MESSAGE_KINDS and "message_id" in ev]
        if not wanted or not member_ids:
            return []
        process, viewers = self._viewers(member_ids)
        if process is None or not viewers:
            return []
        ids = {ev["message_id"] for ev in wanted if queries.valid_id(ev["message_id"])}
        msgs = {
            m.pk: m
            for m in Message.objects.filter(pk__in=ids, channel__process_id=self.process_id)
            .select_related("sender__user", "sender__party", "label", "channel", "channel__label")
            .prefetch_related(
                Prefetch(
                    "attachments",
                    queryset=Attachment.objects.select_related("label").order_by("id"),
                ),
                "mentions",
            )
        }
        acked: dict[int, set[int]] = {}
        for mid, member in Acknowledgement.objects.filter(
            message_id__in=list(msgs), member_id__in=list(viewers)
        ).values_list("message_id", "member_id"):
            acked.setdefault(member, set()).add(mid)
        # members with the same reader state read the same labels: decide once per group
        groups: dict[tuple, list[tuple[int, access.Viewer]]] = {}
        for pk, viewer in viewers.items():
            groups.setdefault(self.member_state[pk], []).append((pk, viewer))
        readable: dict[tuple, bool] = {}  # (reader state, label) → can_read, for this burst
        out: list[Frame] = []
        for ev in wanted:
            m = msgs.get(ev["message_id"])
            if m is None:
                continue
            kind = ev["kind"].split(".", 1)[1]
            if kind in ("edit", "delete"):
                self._forget_channel(m.channel_id)
            out.extend(self._frames_for(kind, ev, m, groups, acked, readable))
        return out

    def _frames_for(
        self,
        kind: str,
        ev: dict,
        m: Message,
        groups: dict[tuple, list[tuple[int, access.Viewer]]],
        acked: dict[int, set[int]],
        readable: dict[tuple, bool],
    ) -> list[Frame]:
        label, chan_label = m.label.value, m.channel.label.value
        rows = list(m.attachments.all())
        att_labels = [(a.pk, a.label.value) for a in rows]
        encoded: dict[tuple, str] = {}  # one JSON encoding per distinct message view
        ack = json.dumps({"type": "ack", "message_id": m.pk, "member_id": ev.get("member_id")})
        out: list[Frame] = []
        for state, members in groups.items():
            reader = members[0][1]  # any member of the group answers for all of it
            if not (
                _can_read(readable, state, reader, label)
                and _can_read(readable, state, reader, chan_label)
            ):
                continue
            if kind == "ack":
                out.extend((pk, kind, m.pk, ack) for pk, _ in members)
                continue
            seen = tuple(
                aid for aid, value in att_labels if _can_read(readable, state, reader, value)
            )
            for pk, viewer in members:
                mine = acked.get(pk, set())
                key = (m.pk in mine, seen)
                body = encoded.get(key)
                if body is None:
                    data = queries.message_data(viewer, m, mine, rows)
                    body = encoded[key] = json.dumps(data, cls=DjangoJSONEncoder)
                unread = self._unread(viewer, m, kind == "new")
                text = (
                    f'{{"type": "message", "event": "{kind}", "message": {body}, '
                    f'"unread": {unread}}}'
                )
                out.append((pk, kind, m.pk, text))
        return out


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
            self.queue.put_nowait(await self.layer.receive(self.channel))

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
            try:
                frames = await build(batch, set(self.sockets))
            except Exception:  # one bad batch must not stop live delivery for everyone
                log.exception("fan-out of %d events failed", len(batch))
                continue
            per_member: dict[int, list[Item]] = {}
            for member_id, event, message_id, text in frames:
                per_member.setdefault(member_id, []).append((event, message_id, text))
            for member_id, items in per_member.items():
                for sock in list(self.sockets.get(member_id, ())):
                    try:
                        await sock.deliver_many(items)
                    except Exception:  # a socket closing mid-send; the others go on
                        log.debug("delivery to member %s failed", member_id, exc_info=True)


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
