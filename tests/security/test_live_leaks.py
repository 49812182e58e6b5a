"""The leak suite over live delivery: every member's WebSocket, resumed from the start, then
fed fresh acts (readable and not), must carry nothing the member may not read — and must carry
what they may read; a session whose second factor is pending gets no frame at all.

(A module of its own: the socket's consumer reads the database from another thread, so these
tests need committed data — a transactional test — while test_leaks.py shares one rolled-back
transaction per module.)
"""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction

from accord.asgi import application
from accord.core import services as core_services
from accord.core.demo import load_demo
from tests.comms.wsclient import WebsocketCommunicator
from tests.security import canaries, oracle
from tests.security.canaries import TOKEN_RE
from tests.security.test_leaks import EVERYONE as PROBED

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_thread_connections"),
]
ORIGIN = (b"origin", b"http://testserver")
ROUTE = "/ws/p/{slug}/"
QUIET = 0.6  # seconds without a frame: the socket has said all it will


@pytest.fixture
def live_world(transactional_db):
    """Demo and canaries, committed (the consumer's thread must see them)."""
    with transaction.atomic():
        built = canaries.build(load_demo())
    yield built
    built.restore()


def _token(world, username: str) -> str:
    return core_services.create_token(world.member(username).user, name=f"ws-{username}")[1]


async def _drain(comm: WebsocketCommunicator, quiet: float = QUIET) -> tuple[list[str], bool]:
    """Every text frame until the socket is quiet (or closed); (frames, closed)."""
    out: list[str] = []
    while not await comm.receive_nothing(timeout=quiet):
        msg = await comm.receive_output()
        if msg["type"] == "websocket.close":
            return out, True
        if msg["type"] == "websocket.send":
            out.append(msg.get("text") or "")
    return out, False


async def _open(path: str, headers: list) -> tuple[WebsocketCommunicator, bool]:
    comm = WebsocketCommunicator(application, path, headers=headers)
    ok, _ = await comm.connect(timeout=10)
    return comm, ok


def _check(exp: oracle.Expectation, frames: list[str], what: str) -> tuple[list, set[str]]:
    findings, seen = [], set()
    for i, text in enumerate(frames):
        texts = oracle.texts_of(text.encode(), "application/json")
        findings += oracle.find_leaks(exp, texts, route=ROUTE, url=f"{what} frame {i}", status=101)
        for t in texts:
            seen.update(TOKEN_RE.findall(t))
    return findings, seen


def _live_coverage(exp: oracle.Expectation) -> set[str]:
    """Readable canary tokens live delivery carries: message bodies and attachment names."""
    return {
        t
        for t, what in exp.coverage_tokens.items()
        if what.startswith(("comms.message ", "comms.attachment "))
    }


async def _resumed(comm: WebsocketCommunicator) -> list[str]:
    """The catch-up frames of a resume from the start, up to and with "resumed"."""
    await comm.send_json_to({"type": "resume", "after_id": 0})
    out: list[str] = []
    while True:
        msg = await comm.receive_output(10)
        assert msg["type"] == "websocket.send", msg
        out.append(msg["text"])
        if json.loads(msg["text"]).get("type") == "resumed":
            return out


async def _connect_all(world, setup) -> dict[str, WebsocketCommunicator]:
    socks = {}
    for username, (token, _exp) in setup.items():
        comm, ok = await _open(f"/ws/p/{world.process.slug}/?token={token}", [ORIGIN])
        assert ok, f"{username}'s socket was refused"
        socks[username] = comm
        hello = json.loads(await comm.receive_text_from(5))
        assert hello["type"] == "hello"
    return socks


async def _resume_all(socks, setup, seen) -> list[str]:
    """Resume every socket from the start; the findings of their catch-up frames."""
    names = list(socks)
    caught = await asyncio.gather(*(_resumed(socks[u]) for u in names))
    problems = []
    for username, frames in zip(names, caught, strict=True):
        findings, tokens = _check(setup[username][1], frames, f"{username} resume")
        problems += [str(f) for f in findings]
        seen[username] |= tokens
    return problems


def _prepare(world):
    return {u: (_token(world, u), oracle.expect(world, world.member(u))) for u in PROBED}


async def test_sockets_carry_only_what_each_member_may_read(live_world):
    world = live_world
    setup = await database_sync_to_async(_prepare)(world)
    seen: dict[str, set[str]] = {u: set() for u in PROBED}
    socks = await _connect_all(world, setup)
    problems = await _resume_all(socks, setup, seen)
    # a member of another process is refused, as if the process did not exist
    token = setup["ana.costa"][0]
    _, ok = await _open(f"/ws/p/{canaries.OTHER_SLUG}/?token={token}", [ORIGIN])
    assert not ok, "a socket opened on a process the member does not belong to"

    @database_sync_to_async
    def act():
        """Fresh acts while everyone listens: readable by all, by few, by a hidden member."""
        from accord.comms import services as comms
        from accord.comms.models import Channel
        from accord.core.access import viewer_of

        def v(u):
            return viewer_of(world.member(u))

        pub = Channel.objects.get(process=world.process, name__startswith="Canary square")
        tok = iter(f"{canaries.TOKEN_PREFIX}{n:04d}" for n in range(8000, 8100))

        def post(who, text, **kw):
            body = f"{text} {next(tok)}"
            return comms.post_message(v(who), pub.pk, body=body, **kw).message

        flash = post("amara.okafor", "Live flash", precedence="FLASH")
        post("lena.haas", "Live envoy", label=canaries.S_MED)
        post("ana.costa", "Live aside", label=canaries.C_ARD)
        post("col.marsh", "Live attaché remark")
        mine = post("ana.costa", "Live draft")
        for who in ("col.marsh", "hedda.cnry", "viktor.kess"):
            comms.acknowledge(v(who), flash.pk)
        comms.edit_message(
            v("ana.costa"), mine.pk, body=f"Live tightened {next(tok)}", label=canaries.C_ARD
        )
        return {u: oracle.expect(world, world.member(u)) for u in PROBED}

    after = await act()
    names = list(socks)
    live = await asyncio.gather(*(_drain(socks[u], quiet=1.5) for u in names))
    for username, (frames, _closed) in zip(names, live, strict=True):
        findings, tokens = _check(after[username], frames, f"{username} live")
        problems += [str(f) for f in findings]
        seen[username] |= tokens
        missing = sorted(_live_coverage(after[username]) - seen[username])
        if missing:
            problems.append(f"{username}: readable messages never delivered: {missing}")
    for comm in socks.values():
        await comm.disconnect()
    assert not problems, "\n".join(problems[:80])


async def test_the_socket_probe_catches_an_open_door(live_world, monkeypatch):
    """With every label readable, catch-up frames carry what members may not read: the
    same check reports it (a probe that cannot fail is worthless)."""
    from accord.core import access
    from accord.core.models import Label

    world = live_world
    setup = await database_sync_to_async(_prepare)(world)
    real = access.readable_label_ids

    def every_label(viewer):
        real(viewer)
        ids = list(Label.objects.filter(process=viewer.process).values_list("pk", flat=True))
        viewer._label_ids, viewer._label_set = ids, frozenset(ids)
        return ids

    monkeypatch.setattr(access, "readable_label_ids", every_label)
    few = {u: setup[u] for u in ("viktor.kess", "mei.tanaka")}
    socks = await _connect_all(world, few)
    problems = await _resume_all(socks, few, {u: set() for u in few})
    for comm in socks.values():
        await comm.disconnect()
    assert any("token" in p for p in problems) and any(ROUTE in p for p in problems), problems


async def test_half_signed_in_session_gets_no_frame(live_world):
    """Password passed, second factor pending: the socket sends nothing (no hello, no
    message) and answers nothing; the same session with the second factor is served."""
    world = live_world

    @database_sync_to_async
    def sessions():
        from django.test import Client

        from accord.core.auth import MFA_SESSION_KEY

        out = {}
        for complete in (False, True):
            c = Client()
            c.force_login(world.member("lena.haas").user)
            if complete:
                s = c.session
                s[MFA_SESSION_KEY] = True
                s.save()
            out[complete] = c.cookies[settings.SESSION_COOKIE_NAME].value
        return out

    keys = await sessions()
    path = f"/ws/p/{world.process.slug}/"

    def headers(key):
        return [ORIGIN, (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode())]

    comm, ok = await _open(path, headers(keys[False]))
    frames, closed = await _drain(comm)
    if ok and not closed:
        await comm.send_json_to({"type": "resume", "after_id": 0})
        more, closed = await _drain(comm)
        frames += more
    assert frames == [], f"a half-signed-in socket was sent {frames[:3]}"
    if not closed:
        await comm.disconnect()
    # the control: the complete session is served (so the refusal above is not an accident)
    comm, ok = await _open(path, headers(keys[True]))
    assert ok
    frames, _ = await _drain(comm)
    assert frames and json.loads(frames[0])["type"] == "hello"
    await comm.disconnect()
