"""Live delivery: one WebSocket per member and process at ws/p/<slug>/.

Events on the process group carry only ids. One hub per process and instance
(`comms.fanout`) receives them, re-reads the connected members' current access and the
message, and hands each socket the frames it may read; nothing — not even an id or an unread
count — is sent for an unreadable message.

Protocol (JSON text frames), documented in docs/comms.md:
  client → {"type": "resume", "after_id": N}   every readable message with id > N, in order
  client → {"type": "ping"}                     → {"type": "pong"}
  server → {"type": "hello", "member_id", "process"}
  server → {"type": "message", "event": "new|edit|delete", "message": {...}, "unread": n}
            ("unread": the channel's count; in a batch only on each channel's last frame)
  server → {"type": "ack", "message_id", "member_id"}     (only to readers of the message)
  server → {"type": "notice", "kind": "negotiation.…", "ids": {"issue": N}}
            another app's act: its kind and the ids of what changed, no content, only to
            members who may read every label the event names (core.events.notify)
  server → {"type": "batch", "frames": [f1, f2, ...]}     several message/ack frames, in order
  server → {"type": "resumed", "last_id": N, "count": k}

A socket gets at most one WebSocket frame per burst of live events (every event the hub found
waiting): a single frame as it is, several as one "batch" whose elements are exactly the frames
that would have been sent one by one, in the same order. Resume catch-up is sent the same way,
RESUME_BATCH messages per frame, then "resumed". Clients must unwrap batches.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.serializers.json import DjangoJSONEncoder

from accord.comms import fanout, queries
from accord.core import access
from accord.core.models import Process

CLOSE_NOT_MEMBER = 4404  # not signed in, or not a member: as if the process did not exist
CLOSE_POLICY = 1008  # RFC 6455 policy violation: the session's sign-in is not complete
CLOSE_SIGNED_OUT = 4401  # the web session was ended (second factor reset): sign in again

RESUME_LIMIT = 2000
RESUME_BATCH = 200  # catch-up messages per WebSocket frame
SENT_MEMORY = 5000


def batch_text(texts: list[str]) -> str:
    """One frame carrying several already-encoded frames, in order (no re-encoding)."""
    return '{"type": "batch", "frames": [' + ",".join(texts) + "]}"


def _token_from_scope(scope) -> str | None:
    qs = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if qs.get("token"):
        return qs["token"][0]
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            text = value.decode("latin-1")
            if text.lower().startswith("bearer "):
                return text[7:].strip()
    return None


class ProcessConsumer(AsyncJsonWebsocketConsumer):
    """Delivers a process's comms events to one member, each re-checked through core.access."""

    @classmethod
    async def encode_json(cls, content) -> str:
        return json.dumps(content, cls=DjangoJSONEncoder)

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        self.member_id = await self._resolve(slug)
        if self.member_id == CLOSE_POLICY:
            # a password-only session of a member whose second factor is pending: accepted
            # only to be closed with the policy-violation code, before any frame is sent
            self.member_id = None
            await self.accept()
            await self.close(code=CLOSE_POLICY)
            return
        if self.member_id is None:
            await self.close(code=CLOSE_NOT_MEMBER)
            return
        self.sent = _Sent()
        await self.accept()
        await self.send_json({"type": "hello", "member_id": self.member_id, "process": slug})
        await fanout.join(self.channel_layer, self.process_id, self)
        self.joined = True

    async def end_session(self) -> None:
        """The session this socket was opened with was ended: leave and close."""
        await self.disconnect(CLOSE_SIGNED_OUT)
        await self.close(code=CLOSE_SIGNED_OUT)

    async def disconnect(self, code: int) -> None:
        if getattr(self, "joined", False):
            self.joined = False
            await fanout.leave(self.process_id, self)

    @database_sync_to_async
    def _resolve(self, slug: str) -> int | None:
        """The member id of whoever opens the socket; None when nobody (or not a member);
        CLOSE_POLICY when the session's sign-in is incomplete (second factor pending)."""
        from accord.core.auth import session_complete
        from accord.core.services import authenticate_token

        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            if not session_complete(user, self.scope.get("session")):
                return CLOSE_POLICY
            self.session_user_id = user.pk  # closed when that user's sessions are ended
        else:
            raw = _token_from_scope(self.scope)
            user = authenticate_token(raw) if raw else None
        if user is None:
            return None
        proc = Process.objects.filter(slug=slug).first()
        if proc is None:
            return None
        viewer = access.viewer_for(user, proc)
        if viewer.member is None:
            return None
        self.user = user
        self.process_id = proc.pk
        return viewer.member.pk

    def _viewer(self) -> access.Viewer:
        """Fresh for every event: a member removed or downgraded stops receiving at once."""
        proc = Process.objects.get(pk=self.process_id)
        return access.viewer_for(self.user, proc)

    # --- client → server -------------------------------------------------------------------
    async def receive_json(self, content, **kwargs) -> None:
        if not getattr(self, "joined", False):
            return  # a refused socket (closed at connect) answers nothing
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "resume":
            after = content.get("after_id", 0)
            if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 2**63:
                await self.send_json({"type": "error", "message": "after_id must be an int ≥ 0"})
                return
            rows = await self._catch_up(after)
            for start in range(0, len(rows), RESUME_BATCH):
                await self.deliver_many(rows[start : start + RESUME_BATCH])
            last = rows[-1][1] if rows else after
            await self.send_json({"type": "resumed", "last_id": last, "count": len(rows)})
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "error", "message": "unknown message type"})

    @database_sync_to_async
    def _catch_up(self, after_id: int) -> list[fanout.Item]:
        """Readable messages after `after_id`, in id order, as ("new", id, frame text)."""
        viewer = self._viewer()
        if viewer.member is None:
            return []
        qs = queries.all_messages(viewer).filter(id__gt=after_id).order_by("id")[:RESUME_LIMIT]
        out: list[fanout.Item] = []
        for m in qs:
            data = {"type": "message", "event": "new", "message": queries.message_data(viewer, m)}
            out.append(("new", m.pk, json.dumps(data, cls=DjangoJSONEncoder)))
        return out

    async def deliver_many(self, items: list[fanout.Item]) -> None:
        """Send frames built for this member as ONE WebSocket frame (see `deliver`)."""
        await self.deliver(fanout.Delivery.of(items))

    async def deliver(self, delivery: fanout.Delivery) -> None:
        """Send one burst's frames as ONE WebSocket frame (one frame as it is, several as a
        batch): fewer sends for server and client. A "new" message already sent on this
        socket is dropped, inside a batch too (live and catch-up may overlap)."""
        texts = delivery.texts
        if self.sent.overlaps(delivery.new_ids):
            texts = [
                t
                for t, (event, mid) in zip(texts, delivery.meta, strict=True)
                if event != "new" or mid not in self.sent
            ]
        self.sent.add_all(delivery.new_ids)
        if texts:  # straight to the server's send: this runs for every socket in every burst
            text = texts[0] if len(texts) == 1 else batch_text(texts)
            await self.base_send({"type": "websocket.send", "text": text})


class _Sent:
    """Ids of the "new" frames a socket was sent, the last 2 × SENT_MEMORY at most (two
    generations of sets: whole bursts are checked and added with set operations)."""

    def __init__(self) -> None:
        self.now: set[int] = set()
        self.before: set[int] = set()

    def __contains__(self, mid: int) -> bool:
        return mid in self.now or mid in self.before

    def overlaps(self, ids: frozenset[int]) -> bool:
        return bool(ids) and not (self.now.isdisjoint(ids) and self.before.isdisjoint(ids))

    def add_all(self, ids: frozenset[int]) -> None:
        self.now.update(ids)
        if len(self.now) > SENT_MEMORY:
            self.before, self.now = self.now, set()
