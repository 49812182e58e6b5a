"""core.events: events published from plain threads (the HTTP pool, the job worker) reach the
server's event loop, where the in-process channel layer's queues live."""

from __future__ import annotations

import asyncio
import threading

import pytest
from channels.layers import get_channel_layer
from django.db import connections

from accord.core import events

pytestmark = pytest.mark.django_db(transaction=True)  # events go out after commit


@pytest.fixture
def bound_loop():
    yield
    events._loop = None  # later tests must not send to this test's (closed) loop


async def test_publish_from_a_plain_thread_reaches_the_bound_loop(bound_loop, monkeypatch):
    layer = get_channel_layer()
    loop = asyncio.get_running_loop()
    events.bind_loop(loop)
    ran_on: list[asyncio.AbstractEventLoop] = []
    original = layer.group_send

    async def group_send(group, message):
        ran_on.append(asyncio.get_running_loop())
        await original(group, message)

    monkeypatch.setattr(layer, "group_send", group_send)
    channel = await layer.new_channel()
    await layer.group_add(events.process_group(9001), channel)
    sent_on: list[object] = []

    def from_pool_thread() -> None:
        # not an asgiref thread: before, async_to_sync here ran group_send on a loop of its own
        try:
            events.publish(9001, {"kind": "message.new", "message_id": 7, "label": 1})
            sent_on.append(threading.current_thread().name)
        finally:
            connections.close_all()  # on_commit opened this thread's connection

    t = threading.Thread(target=from_pool_thread, name="http-pool-1")
    t.start()
    await asyncio.to_thread(t.join, 5)
    got = await asyncio.wait_for(layer.receive(channel), 2)
    assert got == {"type": "accord.event", "kind": "message.new", "message_id": 7, "label": 1}
    assert sent_on == ["http-pool-1"]
    # sent on the server's loop, not on a loop the thread made for itself: asyncio queues
    # (the in-process layer) and Redis connections (channels-redis) belong to one loop
    assert ran_on == [loop]
    await layer.group_discard(events.process_group(9001), channel)


def test_without_a_bound_loop_publish_still_sends(bound_loop):
    """CLI commands and tests have no server loop: the event is sent from the calling thread."""
    events._loop = None
    layer = get_channel_layer()
    from asgiref.sync import async_to_sync

    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(events.process_group(9002), channel)
    events.publish(9002, {"kind": "channel.new", "channel_id": 3, "label": 1})
    got = async_to_sync(layer.receive)(channel)
    assert got["kind"] == "channel.new" and got["channel_id"] == 3


def test_a_captured_event_is_kept_for_the_server_only_once_committed(bound_loop):
    """The writer process captures its events and hands them to the server (core.writer):
    only events of committed transactions, in order; a rolled-back act leaves none."""
    from django.db import transaction

    events.capture()
    try:
        with transaction.atomic():
            events.publish(9003, {"kind": "message.new", "message_id": 1})
            events.publish_many(9003, [{"kind": "message.new", "message_id": i} for i in (2, 3)])
        try:
            with transaction.atomic():
                events.publish(9003, {"kind": "message.new", "message_id": 4})
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        got = events.drain()
        assert [pid for pid, _ in got] == [9003, 9003]
        assert got[0][1] == {"type": "accord.event", "kind": "message.new", "message_id": 1}
        assert events.unpack(got[1][1]) == [
            {"type": "accord.event", "kind": "message.new", "message_id": i} for i in (2, 3)
        ]
        assert events.drain() == []
    finally:
        events._captured = None
