"""Events published after commit on the channel layer, for live delivery.

Events carry only ids and the label key: each consumer re-reads the object through
core.access before sending anything to a socket.
"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger("accord.events")
_loop: asyncio.AbstractEventLoop | None = None


def bind_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Name the server's event loop: the in-process channel layer's queues live on it, so
    events from request and job threads must be sent there, not from a loop of their own."""
    global _loop
    _loop = loop


def _sent(fut) -> None:
    if not fut.cancelled() and fut.exception() is not None:
        log.error("could not publish an event", exc_info=fut.exception())


def process_group(process_id: int) -> str:
    return f"process.{process_id}"


def publish(process_id: int, event: dict) -> None:
    """Send `event` to the process group once the surrounding transaction has committed."""
    _send_after_commit(process_id, {"type": "accord.event", **event}, event.get("kind"))
    _dispatch_after_commit(process_id, event)


# In-process listeners: how one domain reacts to another's acts without importing its services
# (alignment re-checks constraints when a text's clause changes). A listener gets the event
# (kind, ids, label ids — no content) after commit, in its own transaction; it reads what it
# needs through the other domain's queries. A failing listener is logged, never raised: the
# act it reacts to is already committed.
_listeners: dict[str, list] = {}


def listen(kind: str, handler) -> None:
    """Call handler(process_id, event) after commit of every event of this kind (once per
    handler: registering the same one twice, e.g. from a re-run ready(), is a no-op)."""
    handlers = _listeners.setdefault(kind, [])
    if handler not in handlers:
        handlers.append(handler)


def _dispatch_after_commit(process_id: int, event: dict) -> None:
    handlers = list(_listeners.get(event.get("kind") or "", ()))
    if not handlers:
        return

    def run() -> None:
        for handler in handlers:
            try:
                with transaction.atomic():
                    handler(process_id, event)
            except Exception:
                log.exception("listener %r failed on %s", handler, event.get("kind"))

    transaction.on_commit(run)


def notify(process_id: int, kind: str, ids: dict[str, int], labels: list[int]) -> None:
    """After commit, tell the live pages of the members who may read EVERY label in `labels`
    (label ids) that `kind` happened to the objects `ids` names. The WebSocket frame carries
    the kind and the ids only (comms.fanout); pages fetch what changed through the server.
    `labels` must cover everything the ids name (rule 4: no id of an unreadable object)."""
    publish(process_id, {"kind": kind, "notice": dict(ids), "labels": list(labels)})


def publish_many(process_id: int, events: list[dict]) -> None:
    """Send several events of one act batch (e.g. group-committed posts) as ONE layer message
    ``{"type": "accord.events", "events": [...]}``, in order, after commit: one send and one
    Redis push instead of one per event. Receivers read it as the events one by one."""
    if events:
        _send_after_commit(
            process_id, {"type": "accord.events", "events": events}, events[0].get("kind")
        )


def unpack(message: dict) -> list[dict]:
    """The events a layer message holds (one, or several from `publish_many`)."""
    if message.get("type") == "accord.events":
        return [{"type": "accord.event", **ev} for ev in message.get("events", ())]
    return [message]


_captured: list[tuple[int, dict]] | None = None


def capture() -> None:
    """From now on keep committed events in this process instead of sending them, for
    `drain()` to hand over: a process without the server's channel layer (the writer process,
    accord.core.writer) returns its events to the server, which sends them."""
    global _captured
    _captured = []


def drain() -> list[tuple[int, dict]]:
    """The (process id, layer message) pairs captured since the last drain, in order."""
    global _captured
    out, _captured = _captured or [], ([] if _captured is not None else None)
    return out


async def send_now(process_id: int, message: dict) -> None:
    """Send a layer message to the process group now (on a loop): after commit, or for the
    events a writer process captured."""
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(process_group(process_id), message)


def _send_after_commit(process_id: int, message: dict, kind) -> None:
    def send() -> None:
        if _captured is not None:
            _captured.append((process_id, message))
            return
        if get_channel_layer() is None:
            return
        loop = _loop
        try:
            if loop is not None and loop.is_running() and not _on(loop):
                # ordered with the thread's other events: the loop runs them first come first
                fut = asyncio.run_coroutine_threadsafe(send_now(process_id, message), loop)
                fut.add_done_callback(_sent)
            else:
                async_to_sync(send_now)(process_id, message)
        except Exception:  # a lost live event is recoverable (clients catch up); a 500 is not
            log.exception("could not publish event %s", kind)

    transaction.on_commit(send)


def _on(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
