"""The writer process (accord.core.writer): a child of the server checks and writes the fast
path's posts, with their ledger entries, and hands back answers and live events; a refusal
writes nothing, and a stopped child fails its callers instead of leaving them waiting."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from accord.comms.models import Channel, Message
from accord.core import services as core_services
from accord.core.events import process_group
from accord.core.models import Member
from accord.core.writer import WriterProcess, WriterStopped
from accord.ledger.models import Entry, Log
from accord.ledger.verify import verify_log

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the child has its own connection
    pytest.mark.usefixtures("close_thread_connections"),
]


def _setup() -> tuple[str, int, int]:
    user = Member.objects.get(user__username="ana.costa").user
    token = core_services.create_token(user, name="writer-test")[1]
    return token, Channel.objects.get(name="Allies coordination").pk, Entry.objects.count()


def _fields(body: str, **kw) -> dict:
    return {
        "body": body,
        "label": None,
        "precedence": "ROUTINE",
        "requires_ack": False,
        "reply_to": None,
        **kw,
    }


async def _started(writer: WriterProcess) -> None:
    writer.start()
    deadline = time.monotonic() + 120  # a child sets Django up from scratch
    while not writer.available:
        assert time.monotonic() < deadline, "the writer process did not start"
        assert writer.proc is None or writer.proc.exitcode is None, "the writer process died"
        await asyncio.sleep(0.05)


async def test_the_child_writes_posts_and_hands_back_their_events(demo):
    token, allies, entries_before = await sync_to_async(_setup)()
    layer = get_channel_layer()
    inbox = await layer.new_channel()
    await layer.group_add(process_group(demo.pk), inbox)
    writer = WriterProcess("accord.comms.api.write_fast_posts")
    try:
        await _started(writer)
        assert writer.proc.pid is not None
        answers = await asyncio.gather(
            *(
                writer.submit((token, demo.slug, allies, _fields(f"from the child {i}")))
                for i in range(5)
            )
        )
        assert [a[0] for a in answers] == [201] * 5
        ids = [a[1]["message"]["id"] for a in answers]
        assert [a[1]["message"]["body"] for a in answers] == [
            f"from the child {i}" for i in range(5)
        ]

        def stored():
            msgs = {m.pk: m.body for m in Message.objects.filter(pk__in=ids)}
            posts = Entry.objects.filter(
                action="message.post", subject_id__in=[str(i) for i in ids]
            )
            ok = verify_log(Log.objects.get(process=demo)).ok
            return msgs, posts.count(), Entry.objects.count(), ok

        msgs, posts, entries, ok = await sync_to_async(stored)()
        assert msgs == {i: f"from the child {n}" for n, i in enumerate(ids)}
        assert posts == 5 and entries == entries_before + 5 and ok  # one act each, log intact
        # the child's events were sent on this server's layer: ids only, in order
        got: list[int] = []
        while len(got) < 5:
            event = await asyncio.wait_for(layer.receive(inbox), 10)
            got += [e["message_id"] for e in event.get("events", [event])]
        assert got == ids
        # on a shared layer (Redis) the child sent them itself; on the in-process layer only
        # the server can reach the sockets' queues, so it relayed them
        shared = type(layer).__name__ != "InMemoryChannelLayer"
        assert (writer.relayed == 0) if shared else (writer.relayed >= 1)

        # a refusal (a label above ana's clearance) writes nothing; the server lets Django answer
        before = await sync_to_async(Message.objects.count)()
        high = _fields("too high", label={"level": 3})
        assert await writer.submit((token, demo.slug, allies, high)) is None
        assert await writer.submit(("acc_bad_token", demo.slug, allies, _fields("x"))) is None
        assert await sync_to_async(Message.objects.count)() == before
    finally:
        await writer.stop()
        await layer.group_discard(process_group(demo.pk), inbox)
    # once stopped, callers are told so (they write in-process meanwhile)
    deadline = time.monotonic() + 30
    while writer.available and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not writer.available
    with pytest.raises(WriterStopped):
        await writer.submit((token, demo.slug, allies, _fields("after the stop")))


async def test_a_child_that_dies_fails_its_waiting_callers(demo):
    token, allies, _ = await sync_to_async(_setup)()
    writer = WriterProcess("accord.comms.api.write_fast_posts")
    await _started(writer)
    writer.proc.kill()  # as if the child crashed: whatever it had not answered is unknown
    with pytest.raises(WriterStopped):
        await asyncio.wait_for(
            writer.submit((token, demo.slug, allies, _fields("lost in flight"))), 30
        )
    assert not writer.available
