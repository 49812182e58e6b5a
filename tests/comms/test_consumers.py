"""Live delivery through the real ASGI stack: access re-checked per event, catch-up on resume,
one WebSocket frame per socket per burst."""

import asyncio
import json
from collections.abc import Callable
from functools import partial

import pytest
from channels.db import database_sync_to_async

from accord.asgi import application
from accord.comms import consumers, fanout, services
from accord.core import access, events
from accord.core import services as core_services
from accord.core.models import Member
from tests.comms.wsclient import WebsocketCommunicator, unwrap

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_thread_connections"),  # the consumer's thread, too
]
ORIGIN = [(b"origin", b"http://testserver")]


def _member(username: str) -> Member:
    return Member.objects.select_related("user", "party", "process").get(user__username=username)


@database_sync_to_async
def token_of(username: str) -> str:
    import secrets

    name = f"ws-{secrets.token_hex(4)}"
    return core_services.create_token(_member(username).user, name=name)[1]


def post_now(username: str, channel: str, body: str, **kw) -> int:
    from accord.comms.models import Channel

    chan = Channel.objects.get(name=channel)
    return services.post_message(
        access.viewer_of(_member(username)), chan.pk, body=body, **kw
    ).message.pk


post = database_sync_to_async(post_now)


@database_sync_to_async
def held(*acts: Callable[[], int]) -> tuple[list[int], list[dict]]:
    """Run acts with their live events held back (not published): (results, events)."""
    kept: list[dict] = []
    real, real_many = events.publish, events.publish_many
    events.publish = lambda process_id, event: kept.append({"type": "accord.event", **event})
    events.publish_many = lambda process_id, evs: kept.extend(
        {"type": "accord.event", **ev} for ev in evs
    )
    try:
        return [act() for act in acts], kept
    finally:
        events.publish, events.publish_many = real, real_many


def release(process_id: int, kept: list[dict]) -> None:
    """Hand held events to this instance's hub all at once, as if the layer had delivered them
    together: the hub takes them in ONE burst, whatever the channel layer's timing."""
    hub = fanout._hubs[(id(asyncio.get_running_loop()), process_id)]
    for ev in kept:
        hub.queue.put_nowait(ev)


async def burst(process_id: int, *acts: Callable[[], int]) -> list[int]:
    """Run acts, then deliver all their events in one burst of the hub."""
    results, kept = await held(*acts)
    release(process_id, kept)
    return results


async def connect(username: str, *, how: str = "query") -> WebsocketCommunicator:
    tok = await token_of(username)
    if how == "query":
        comm = WebsocketCommunicator(application, f"/ws/p/lake-varna/?token={tok}", headers=ORIGIN)
    else:
        headers = [*ORIGIN, (b"authorization", f"Bearer {tok}".encode())]
        comm = WebsocketCommunicator(application, "/ws/p/lake-varna/", headers=headers)
    ok, _ = await comm.connect()
    assert ok
    hello = await comm.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return comm


async def raw_frames(comm: WebsocketCommunicator, wait: float = 0.5) -> list[str]:
    """Every WebSocket frame (as text) the socket received until quiet for `wait` seconds."""
    out = []
    while not await comm.receive_nothing(timeout=wait):
        out.append(await comm.receive_text_from())
    return out


async def frames(comm: WebsocketCommunicator, wait: float = 0.5) -> list[dict]:
    """Every frame the socket received until quiet, batches unwrapped (in order)."""
    return [f for text in await raw_frames(comm, wait) for f in unwrap(json.loads(text))]


def message_ids(got: list[dict]) -> list[int]:
    return [f["message"]["id"] for f in got if f["type"] == "message"]


async def test_rel_to_message_reaches_only_its_readers(demo):
    ana = await connect("ana.costa")  # ARD
    erik = await connect("erik.lund", how="header")  # NOR
    viktor = await connect("viktor.kess")  # KES: cannot read the allies channel

    @database_sync_to_async
    def unread_of(username: str) -> int:
        from accord.comms import queries
        from accord.comms.models import Channel

        return queries.unread_count(
            access.viewer_of(_member(username)), Channel.objects.get(name="Allies coordination")
        )

    erik_before = await unread_of("erik.lund")
    ard_only = await post(
        "james.whitfield",
        "Allies coordination",
        "ARD eyes only",
        label={"level": 1, "rel_to": ["ARD"]},
    )
    shared = await post("james.whitfield", "Allies coordination", "For all allies")
    got_ana = await frames(ana)
    got_erik = await frames(erik)
    got_viktor = await frames(viktor)
    assert [f["message"]["id"] for f in got_ana if f["type"] == "message"] == [ard_only, shared]
    assert [f["message"]["id"] for f in got_erik if f["type"] == "message"] == [shared]
    assert got_viktor == []
    # not even the id or a count of the ARD message travels to NOR
    assert str(ard_only) not in str([f for f in got_erik if f["message"]["id"] != shared])
    assert "ARD eyes only" not in str(got_erik)
    # the unread count on NOR's socket counts only what NOR may read
    assert got_erik[0]["unread"] == erik_before + 1
    for c in (ana, erik, viktor):
        await c.disconnect()


async def test_resume_catches_up_without_loss_or_duplicates(demo):
    ana = await connect("ana.costa")
    first = await post("ingrid.dahl", "Allies coordination", "one")
    live = await frames(ana)
    assert [f["message"]["id"] for f in live] == [first]
    await ana.disconnect()
    # while disconnected: two readable, one not
    second = await post("ingrid.dahl", "Allies coordination", "two")
    hidden = await post("ingrid.dahl", "Norlund delegation", "NOR internal")
    third = await post("james.whitfield", "Ardania delegation", "three")
    ana = await connect("ana.costa")
    await ana.send_json_to({"type": "resume", "after_id": first})
    got = await frames(ana)
    ids = [f["message"]["id"] for f in got if f["type"] == "message"]
    assert ids == [second, third]
    assert hidden not in ids
    assert got[-1] == {"type": "resumed", "last_id": third, "count": 2}
    # a second resume from the same point sends nothing already delivered on this socket
    await ana.send_json_to({"type": "resume", "after_id": first})
    again = await frames(ana)
    assert [f for f in again if f["type"] == "message"] == []
    assert again[-1]["count"] == 2
    await ana.send_json_to({"type": "resume", "after_id": "x"})
    assert (await frames(ana))[0]["type"] == "error"
    await ana.disconnect()


async def test_downgraded_member_stops_receiving_at_once(demo):
    ana = await connect("ana.costa")

    @database_sync_to_async
    def downgrade():
        Member.objects.filter(user__username="ana.costa").update(clearance=0)

    await downgrade()
    await post("james.whitfield", "Ardania delegation", "after the downgrade")
    assert await frames(ana) == []
    await ana.disconnect()


async def test_ack_event_only_for_readers(demo):
    ana = await connect("ana.costa")
    viktor = await connect("viktor.kess")
    mid = await post("ingrid.dahl", "Allies coordination", "confirm", precedence="FLASH")
    await frames(ana)

    @database_sync_to_async
    def ack():
        services.acknowledge(access.viewer_of(_member("james.whitfield")), mid)

    await ack()
    got = await frames(ana)
    assert got == [
        {
            "type": "ack",
            "message_id": mid,
            "member_id": (await database_sync_to_async(_member)("james.whitfield")).pk,
        }
    ]
    assert await frames(viktor) == []
    await ana.disconnect()
    await viktor.disconnect()


async def test_live_frames_name_only_members_and_messages_the_reader_may_see(demo):
    """Col. Marsh's membership is ARD-only: his message reaches Norlund live with "a member not
    shown" as its sender, his acknowledgement sends Norlund no frame naming him, and a reply
    whose parent Norlund may not read carries no parent id."""
    ana = await connect("ana.costa")
    ingrid = await connect("ingrid.dahl")
    marsh_id = (await database_sync_to_async(_member)("col.marsh")).pk
    mid = await post("col.marsh", "Plenary", "Convoy at the bridge at noon @ingrid.dahl")
    got = {f["message"]["id"]: f["message"] for f in await frames(ana) if f["type"] == "message"}
    assert got[mid]["sender"] == "Col. Richard Marsh" and got[mid]["sender_id"] == marsh_id
    theirs = [f for f in await frames(ingrid) if f["type"] == "message"]
    assert [f["message"]["id"] for f in theirs] == [mid]
    seen = theirs[0]["message"]
    assert seen["sender"] == "a member not shown" and seen["sender_hidden"] is True
    assert seen["sender_id"] is None and seen["sender_party"] is None
    assert "Marsh" not in json.dumps(theirs) and str(marsh_id) not in json.dumps(seen["mentions"])

    flash = await post("ingrid.dahl", "Plenary", "Confirm the convoy", precedence="FLASH")
    await frames(ana)
    await frames(ingrid)

    @database_sync_to_async
    def marsh_acks():
        services.acknowledge(access.viewer_of(_member("col.marsh")), flash)

    await marsh_acks()
    assert await frames(ingrid) == []  # an ack frame would name him
    acks = [f for f in await frames(ana) if f["type"] == "ack"]
    assert acks == [{"type": "ack", "message_id": flash, "member_id": marsh_id}]

    @database_sync_to_async
    def tighten_then_reply():
        parent = post_now("ana.costa", "Plenary", "Question to all")
        reply = post_now("ingrid.dahl", "Plenary", "Answer to all", reply_to=parent)
        services.edit_message(
            access.viewer_of(_member("ana.costa")),
            parent,
            body="Question to all",
            label={"level": 1, "rel_to": ["ARD"]},
        )
        services.edit_message(
            access.viewer_of(_member("ingrid.dahl")), reply, body="Answer to all (edited)"
        )
        return parent, reply

    parent, reply = await tighten_then_reply()
    edits = [
        f["message"]
        for f in await frames(ingrid)
        if f["type"] == "message" and f["message"]["id"] == reply
    ]
    assert edits and edits[-1]["reply_to"] is None and edits[-1]["reply_to_hidden"] is True
    mine = [
        f["message"]
        for f in await frames(ana)
        if f["type"] == "message" and f["message"]["id"] == reply
    ]
    assert mine[-1]["reply_to"] == parent
    for comm in (ana, ingrid):
        await comm.disconnect()


@pytest.mark.parametrize("path", ["/ws/p/lake-varna/", "/ws/p/lake-varna/?token=acc_bogus_x"])
async def test_anonymous_or_bad_token_refused(demo, path):
    comm = WebsocketCommunicator(application, path, headers=ORIGIN)
    ok, code = await comm.connect()
    assert not ok and code == 4404


async def test_non_member_refused(demo):
    @database_sync_to_async
    def outsider_token():
        u = core_services.create_user(username="outsider", password="a-long-demo-pass-1")
        return core_services.create_token(u, name="t")[1]

    tok = await outsider_token()
    comm = WebsocketCommunicator(application, f"/ws/p/lake-varna/?token={tok}", headers=ORIGIN)
    ok, _ = await comm.connect()
    assert not ok


async def test_unread_count_follows_the_read_marker_live(demo):
    ana = await connect("ana.costa")
    await post("ingrid.dahl", "Allies coordination", "u1")
    before = (await frames(ana))[0]["unread"]
    await post("ingrid.dahl", "Allies coordination", "u2")
    assert (await frames(ana))[0]["unread"] == before + 1

    @database_sync_to_async
    def read_all():
        from accord.comms.models import Channel

        chan = Channel.objects.get(name="Allies coordination")
        services.mark_read(access.viewer_of(_member("ana.costa")), chan.pk)

    await read_all()
    await post("ingrid.dahl", "Allies coordination", "u3")
    assert (await frames(ana))[0]["unread"] == 1  # only u3 since the marker moved
    # her own message does not count as unread for her
    await post("ana.costa", "Allies coordination", "mine")
    assert (await frames(ana))[0]["unread"] == 1
    await ana.disconnect()


async def test_every_socket_of_a_member_gets_its_frames_and_leaving_one_keeps_the_other(demo):
    first = await connect("ana.costa")
    second = await connect("ana.costa", how="header")
    other = await connect("viktor.kess")
    mid = await post("ingrid.dahl", "Allies coordination", "to both sockets")
    assert [f["message"]["id"] for f in await frames(first)] == [mid]
    assert [f["message"]["id"] for f in await frames(second)] == [mid]
    assert await frames(other) == []  # a conflict party does not read the allies' channel
    await first.disconnect()
    mid2 = await post("ingrid.dahl", "Allies coordination", "after one left")
    assert [f["message"]["id"] for f in await frames(second)] == [mid2]
    await second.disconnect()
    await other.disconnect()


async def test_attachment_hidden_in_live_frame_when_its_label_is_stricter(demo):
    """The message is readable, one attachment is not: the frame omits that attachment."""
    ana = await connect("ana.costa")
    ingrid = await connect("ingrid.dahl")

    @database_sync_to_async
    def post_with_attachment():
        from accord.comms.models import Attachment, Channel
        from accord.core.labels import LabelValue

        v = access.viewer_of(_member("ingrid.dahl"))
        chan = Channel.objects.get(name="Allies coordination")
        posted = services.post_message(v, chan.pk, body="see attached")
        services.attach(v, posted.message.pk, name="a.txt", data=b"plain text")
        att = Attachment.objects.get(message=posted.message)
        # a stricter label on the attachment only (NOR eyes only)
        att.label = access.label_row(v.process, LabelValue.of(1, ["NOR"], []))
        att.save(update_fields=["label"])
        # (the service keeps attachments labelled like their message; this checks that the
        # fan-out applies each attachment's own label anyway, as REST does)
        from accord.core import events

        events.publish(
            v.process.pk,
            {"kind": "message.edit", "message_id": posted.message.pk, "channel_id": chan.pk},
        )
        return posted.message.pk

    mid = await post_with_attachment()
    got_ana = [f for f in await frames(ana) if f["message"]["id"] == mid]
    got_ingrid = [f for f in await frames(ingrid) if f["message"]["id"] == mid]
    assert got_ana[-1]["event"] == "edit" and got_ana[-1]["message"]["attachments"] == []
    assert [a["name"] for a in got_ingrid[-1]["message"]["attachments"]] == ["a.txt"]
    await ana.disconnect()
    await ingrid.disconnect()


async def test_a_burst_reaches_each_socket_as_one_batch_frame_in_order(demo):
    ana = await connect("ana.costa")
    ids = await burst(
        demo.pk,
        *(partial(post_now, "ingrid.dahl", "Allies coordination", f"b{i}") for i in range(3)),
    )
    raw = await raw_frames(ana)
    assert len(raw) == 1  # one WebSocket frame for the whole burst
    assert raw[0].startswith('{"type": "batch", "frames": [')
    batch = json.loads(raw[0])
    assert batch["type"] == "batch"
    assert [f["type"] for f in batch["frames"]] == ["message"] * 3
    assert [f["event"] for f in batch["frames"]] == ["new"] * 3
    assert [f["message"]["id"] for f in batch["frames"]] == ids
    assert [f["message"]["body"] for f in batch["frames"]] == ["b0", "b1", "b2"]
    # the channel's unread count rides on its last frame of the batch, counting all three
    assert ["unread" in f for f in batch["frames"]] == [False, False, True]
    after = batch["frames"][-1]["unread"]
    assert after == await unread_in_allies("ana.costa")
    # a burst of one is the plain frame, with its count
    [alone] = await burst(demo.pk, partial(post_now, "ingrid.dahl", "Allies coordination", "b3"))
    raw = await raw_frames(ana)
    assert len(raw) == 1
    single = json.loads(raw[0])
    assert single["type"] == "message" and single["message"]["id"] == alone
    assert single["unread"] == after + 1 == await unread_in_allies("ana.costa")
    await ana.disconnect()


@database_sync_to_async
def unread_in_allies(username: str) -> int:
    from accord.comms import queries
    from accord.comms.models import Channel

    return queries.unread_count(
        access.viewer_of(_member(username)), Channel.objects.get(name="Allies coordination")
    )


async def test_a_batch_holds_only_what_its_member_may_read(demo, kate):
    """Access is decided per element: one reader state differing by party, clearance or caveat
    from another gets a different batch; members with the same state get the same one."""
    names = ["ana.costa", "erik.lund", "kate.reed", "james.whitfield", "ingrid.dahl"]
    socks = {n: await connect(n) for n in names}
    socks["marc.dubois"] = await connect("marc.dubois")  # BEL, CONFIDENTIAL
    socks["sophie.martin"] = await connect("sophie.martin")  # BEL, CONFIDENTIAL: same state
    allies = "Allies coordination"
    shared, ard, nor, milops = await burst(
        demo.pk,
        partial(post_now, "kate.reed", allies, "for all allies"),
        partial(
            post_now, "kate.reed", allies, "Ardania-eyes", label={"level": 1, "rel_to": ["ARD"]}
        ),
        partial(
            post_now, "ingrid.dahl", allies, "Norlund-eyes", label={"level": 1, "rel_to": ["NOR"]}
        ),
        partial(
            post_now,
            "kate.reed",
            allies,
            "Kestrel-milops",
            label={"level": 3, "rel_to": ["ARD"], "caveats": ["MILOPS"]},
        ),
    )
    raw = {n: await raw_frames(c) for n, c in socks.items()}
    got = {n: [f for t in texts for f in unwrap(json.loads(t))] for n, texts in raw.items()}
    assert {n: len(texts) for n, texts in raw.items()} == dict.fromkeys(socks, 1)
    assert message_ids(got["ana.costa"]) == [shared, ard]  # CONFIDENTIAL, no MILOPS
    assert message_ids(got["james.whitfield"]) == [shared, ard]  # SECRET, no MILOPS
    assert message_ids(got["kate.reed"]) == [shared, ard, milops]  # SECRET // MILOPS
    assert message_ids(got["erik.lund"]) == [shared, nor]  # the other party
    assert message_ids(got["ingrid.dahl"]) == [shared, nor]  # SECRET, but not ARD
    assert message_ids(got["marc.dubois"]) == message_ids(got["sophie.martin"]) == [shared]
    assert json.loads(raw["marc.dubois"][0])["type"] == "message"  # one frame, not a batch
    for name in ("ana.costa", "james.whitfield", "erik.lund", "ingrid.dahl", "marc.dubois"):
        assert "Kestrel-milops" not in "".join(raw[name])
    for name in ("erik.lund", "ingrid.dahl", "marc.dubois", "sophie.martin"):
        assert "Ardania-eyes" not in "".join(raw[name])
    for name in ("ana.costa", "james.whitfield", "kate.reed", "marc.dubois", "sophie.martin"):
        assert "Norlund-eyes" not in "".join(raw[name])
    for c in socks.values():
        await c.disconnect()


async def test_a_message_sent_by_resume_is_not_repeated_in_a_later_batch(demo):
    before = await post("ingrid.dahl", "Allies coordination", "before")
    ana = await connect("ana.costa")
    [caught], first_events = await held(
        partial(post_now, "ingrid.dahl", "Allies coordination", "caught up")
    )
    await ana.send_json_to({"type": "resume", "after_id": before})
    got = await frames(ana)
    assert message_ids(got) == [caught]
    assert got[-1] == {"type": "resumed", "last_id": caught, "count": 1}
    # the live event of the resumed message lands in one burst with two new ones
    (second, third), more_events = await held(
        partial(post_now, "ingrid.dahl", "Allies coordination", "two"),
        partial(post_now, "ingrid.dahl", "Allies coordination", "three"),
    )
    release(demo.pk, first_events + more_events)
    raw = await raw_frames(ana)
    assert len(raw) == 1
    assert message_ids(unwrap(json.loads(raw[0]))) == [second, third]
    # a burst of nothing but already-sent messages sends no frame at all
    release(demo.pk, first_events + more_events)
    assert await raw_frames(ana) == []
    await ana.disconnect()


async def test_resume_sends_its_catch_up_in_batches(demo, monkeypatch):
    monkeypatch.setattr(consumers, "RESUME_BATCH", 2)
    first = await post("ingrid.dahl", "Allies coordination", "r0")
    ids, _ = await held(
        *(partial(post_now, "ingrid.dahl", "Allies coordination", f"r{i}") for i in (1, 2, 3))
    )
    ana = await connect("ana.costa")
    await ana.send_json_to({"type": "resume", "after_id": first})
    raw = [json.loads(t) for t in await raw_frames(ana)]
    assert [f["type"] for f in raw] == ["batch", "message", "resumed"]
    assert message_ids(raw[0]["frames"]) == ids[:2]
    assert raw[1]["message"]["id"] == ids[2]
    assert raw[2] == {"type": "resumed", "last_id": ids[2], "count": 3}
    await ana.disconnect()


def test_a_burst_costs_the_same_queries_however_many_messages_it_holds(demo):
    """The hub's reads are per burst, not per message or per socket (an N+1 here — the
    sender's name read per message — cost a third of the live bench)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accord.comms.fanout import FanoutState

    listeners = {_member(u).pk for u in ("ana.costa", "erik.lund", "james.whitfield")}
    state = FanoutState(demo.pk)

    def burst_queries(count: int) -> int:
        ids = [
            post_now("erik.lund", "Allies coordination", f"burst {count}/{i}") for i in range(count)
        ]
        events = [{"kind": "message.new", "message_id": i} for i in ids]
        with CaptureQueriesContext(connection) as ctx:
            frames = state.frames(events, listeners)
        framed = {mid for d in frames.values() for _, mid in d.meta}
        assert framed == set(ids)  # every message was framed
        return len(ctx.captured_queries)

    burst_queries(1)  # the first burst computes unread counts; later ones only move them
    assert burst_queries(1) == burst_queries(6)
