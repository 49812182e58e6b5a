"""Live delivery: one WebSocket per member and process at ws/p/<slug>/.

Events on the process group carry only ids. For every event this consumer re-resolves the
member (clearance, caveats or membership may have changed) and re-reads the message through
comms.queries; nothing — not even an id or an unread count — is sent for an unreadable one.

Protocol (JSON text frames), documented in docs/comms.md:
  client → {"type": "resume", "after_id": N}   every readable message with id > N, in order
  client → {"type": "ping"}                     → {"type": "pong"}
  server → {"type": "hello", "member_id", "process"}
  server → {"type": "message", "event": "new|edit|delete", "message": {...}, "unread": n}
  server → {"type": "ack", "message_id", "member_id"}     (only to readers of the message)
  server → {"type": "resumed", "last_id": N, "count": k}
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.serializers.json import DjangoJSONEncoder

from accord.comms import queries
from accord.core import access
from accord.core.events import process_group
from accord.core.models import Process

RESUME_LIMIT = 2000
SENT_MEMORY = 5000


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
        if self.member_id is None:
            await self.close(code=4404)  # not a member (or not signed in): as if absent
            return
        self.group = process_group(self.process_id)
        self.sent: dict[int, None] = {}
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "member_id": self.member_id, "process": slug})

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    @database_sync_to_async
    def _resolve(self, slug: str) -> int | None:
        from accord.core.services import authenticate_token

        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
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
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "resume":
            after = content.get("after_id", 0)
            if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 2**63:
                await self.send_json({"type": "error", "message": "after_id must be an int ≥ 0"})
                return
            rows = await self._catch_up(after)
            for row in rows:
                await self._send_message("new", row)
            last = rows[-1]["id"] if rows else after
            await self.send_json({"type": "resumed", "last_id": last, "count": len(rows)})
        elif kind == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "error", "message": "unknown message type"})

    @database_sync_to_async
    def _catch_up(self, after_id: int) -> list[dict]:
        viewer = self._viewer()
        if viewer.member is None:
            return []
        qs = queries.all_messages(viewer).filter(id__gt=after_id).order_by("id")[:RESUME_LIMIT]
        return [queries.message_data(viewer, m) for m in qs]

    async def _send_message(self, event: str, payload: dict, unread: int | None = None) -> None:
        mid = payload["id"]
        if event == "new":
            if mid in self.sent:
                return  # already delivered (live and catch-up may overlap)
            self.sent[mid] = None
            if len(self.sent) > SENT_MEMORY:
                self.sent.pop(next(iter(self.sent)))
        frame = {"type": "message", "event": event, "message": payload}
        if unread is not None:
            frame["unread"] = unread
        await self.send_json(frame)

    # --- layer → server → client -----------------------------------------------------------
    async def accord_event(self, event: dict) -> None:
        kind = event.get("kind", "")
        if not kind.startswith("message.") or "message_id" not in event:
            return
        out = await self._check(event)
        if out is None:
            return
        if kind == "message.ack":
            await self.send_json(
                {"type": "ack", "message_id": event["message_id"], "member_id": out["member_id"]}
            )
        elif kind in ("message.new", "message.edit", "message.delete"):
            await self._send_message(kind.split(".", 1)[1], out["message"], out["unread"])

    @database_sync_to_async
    def _check(self, event: dict) -> dict | None:
        viewer = self._viewer()
        if viewer.member is None:
            return None
        m = queries.readable_or_none(viewer, event["message_id"])
        if m is None:
            return None
        return {
            "message": queries.message_data(viewer, m),
            "unread": queries.unread_count(viewer, m.channel),
            "member_id": event.get("member_id"),
        }
