"""Live fan-out: one hub per process per server instance, not one database check per socket.

A hub joins the process group on the channel layer once (one Redis push per instance per event
instead of one per socket) and serves every socket of that process on this instance. For each
batch of events it reads, in a fixed number of queries whatever the number of sockets:

- the current state of every connected member (active, clearance, caveats, party) — so a member
  removed or downgraded a moment ago receives nothing more, exactly as a fresh request would;
- the messages (with labels, channel labels, sender, mentions), their attachments (with labels)
  and the connected members' acknowledgements.

Then, per socket, it applies `core.access.can_read` to the message label, the channel label and
every attachment label, and builds the frame with `comms.queries.message_data` — the same
description REST uses. A socket that may not read a message gets nothing: no frame, no id, no
unread count.

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
from accord.core.models import Member, Process

log = logging.getLogger("accord.comms.fanout")

GROUP_REFRESH_S = 3600  # channel layers expire group membership after a day; renew hourly
MESSAGE_KINDS = ("message.new", "message.edit", "message.delete", "message.ack")


class Socket(Protocol):
    """What a hub needs of a connected consumer."""

    member_id: int

    async def deliver(self, event: str, message_id: int, text: str) -> None: ...


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

    def frames(self, events: list[dict], member_ids: set[int]) -> list[tuple[int, str, int, str]]:
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
            .select_related("sender__party", "label", "channel", "channel__label")
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
        out: list[tuple[int, str, int, str]] = []
        for ev in wanted:
            m = msgs.get(ev["message_id"])
            if m is None:
                continue
            kind = ev["kind"].split(".", 1)[1]
            if kind in ("edit", "delete"):
                self._forget_channel(m.channel_id)
            out.extend(self._frames_for(kind, ev, m, viewers, acked))
        return out

    def _frames_for(self, kind, ev, m, viewers, acked) -> list[tuple[int, str, int, str]]:
        label, chan_label = m.label.value, m.channel.label.value
        rows = list(m.attachments.all())
        encoded: dict[tuple, str] = {}  # one JSON encoding per distinct message view
        ack = json.dumps({"type": "ack", "message_id": m.pk, "member_id": ev.get("member_id")})
        out = []
        for pk, viewer in viewers.items():
            if not (access.can_read(viewer, label) and access.can_read(viewer, chan_label)):
                continue
            if kind == "ack":
                out.append((pk, kind, m.pk, ack))
                continue
            mine = acked.get(pk, set())
            seen = tuple(a.pk for a in rows if access.can_read(viewer, a.label.value))
            key = (m.pk in mine, seen)
            body = encoded.get(key)
            if body is None:
                data = queries.message_data(viewer, m, mine, rows)
                body = encoded[key] = json.dumps(data, cls=DjangoJSONEncoder)
            unread = self._unread(viewer, m, kind == "new")
            text = (
                f'{{"type": "message", "event": "{kind}", "message": {body}, "unread": {unread}}}'
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
        build = database_sync_to_async(self.state.frames)
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty():
                batch.append(self.queue.get_nowait())
            try:
                frames = await build(batch, set(self.sockets))
            except Exception:  # one bad batch must not stop live delivery for everyone
                log.exception("fan-out of %d events failed", len(batch))
                continue
            for member_id, event, message_id, text in frames:
                for sock in list(self.sockets.get(member_id, ())):
                    try:
                        await sock.deliver(event, message_id, text)
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
