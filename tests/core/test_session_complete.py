"""Every path that authenticates by session requires the completed sign-in (second factor).

A member whose role requires TOTP and who signed in with the password only (second step not
passed) holds a session that must open nothing: not a page, not an API read, not a download,
an export, a chart — and not the WebSocket. The HTTP half walks every GET route of the URL
resolver and of the OpenAPI, so a route added later is checked without editing this test.
"""

from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accord.api import api
from accord.asgi import application
from accord.comms import services as comms_services
from accord.comms.models import Channel
from accord.core import access
from accord.core.auth import MFA_SESSION_KEY
from accord.core.models import Member
from accord.negotiation import services as negotiation_services
from accord.negotiation.models import Document
from tests.comms.wsclient import WebsocketCommunicator, unwrap

MEDIATOR = "lena.haas"  # mediator: the role requires TOTP; reads SECRET // MEDIATION
# routes a half-signed session may open: signing in, finishing it, leaving, health, API docs
OPEN = re.compile(r"^/(login|mfa|logout|healthz|api/(docs|openapi\.json|v1/ledger/public-key))")


def _half_signed(member: Member) -> Client:
    c = Client()
    c.force_login(member.user)  # password step passed; MFA_SESSION_KEY not set
    return c


def _complete(member: Member) -> Client:
    c = Client()
    c.force_login(member.user)
    s = c.session
    s[MFA_SESSION_KEY] = True
    s.save()
    return c


def _ids(demo) -> dict[str, int]:
    """An existing object for every id a route may take (the mediator may read each)."""
    lena = Member.objects.get(process=demo, user__username=MEDIATOR)
    v = access.viewer_of(lena)
    chan = Channel.objects.filter(process=demo, kind="caucus").first() or Channel.objects.first()
    msg = comms_services.post_message(v, chan.pk, body="for the session test").message
    att = comms_services.attach(v, msg.pk, name="note.txt", data=b"plain text\n")
    doc = Document.objects.filter(process=demo).first()
    run = negotiation_services.run_analysis(v, kind="packages", samples=0)
    return {
        "slug": demo.slug,
        "channel_id": chan.pk,
        "message_id": msg.pk,
        "attachment_id": att.pk,
        "doc_id": doc.pk,
        "clause_id": doc.clauses.first().pk,
        "run_id": run.pk,
        "member_id": lena.pk,
        "seq": 1,
    }


def _html_routes(patterns=None, prefix: str = "") -> list[str]:
    """Every URL pattern of the site as a route string with <converter:name> parts."""
    out: list[str] = []
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            if route.startswith(("admin/", "api/")):
                continue
            out += _html_routes(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            out.append("/" + route.lstrip("^").rstrip("$"))
    return out


def _fill(route: str, ids: dict[str, int], *, api_style: bool) -> str:
    """The route with every parameter replaced by an existing object's id (any other id: 1)."""
    pattern = r"\{(\w+)\}" if api_style else r"<(?:\w+:)?(\w+)>"
    return re.sub(pattern, lambda m: str(ids.get(m.group(1), 1)), route)


def _api_get_paths() -> list[str]:
    schema = api.get_openapi_schema()
    return [path for path, ops in schema["paths"].items() if "get" in ops]


@pytest.mark.django_db
def test_every_get_route_refuses_a_half_signed_session(demo, member):
    ids = _ids(demo)
    half = _half_signed(member(MEDIATOR))
    checked = 0
    for route in _html_routes():
        path = _fill(route, ids, api_style=False)
        if OPEN.match(path):
            continue
        r = half.get(path)
        checked += 1
        # pages hold the session at the second step (or refuse the method): never content
        assert r.status_code in (302, 405), (path, r.status_code)
        if r.status_code == 302:
            assert r["Location"].startswith("/mfa/"), (path, r["Location"])
    for route in _api_get_paths():
        path = _fill(route, ids, api_style=True)
        if OPEN.match(path):
            continue
        r = half.get(path)
        checked += 1
        assert r.status_code == 401, (path, r.status_code, r.content[:200])
    assert checked > 40  # the walk really covered the site


@pytest.mark.django_db
@pytest.mark.parametrize(
    "what",
    ["attachment", "export_html", "export_pdf", "charts", "timeline", "acks", "search"],
)
def test_downloads_exports_charts_and_feeds_refused_then_served(demo, member, what):
    ids = _ids(demo)
    base = f"/p/{demo.slug}"
    api_base = f"/api/v1/processes/{demo.slug}"
    path = {
        "attachment": f"{api_base}/channels/{ids['channel_id']}/messages/{ids['message_id']}"
        f"/attachments/{ids['attachment_id']}",
        "export_html": f"{base}/negotiation/text/{ids['doc_id']}/export/",
        "export_pdf": f"{base}/negotiation/text/{ids['doc_id']}/export/?format=pdf",
        "charts": f"{api_base}/negotiation/analysis/{ids['run_id']}/charts",
        "timeline": f"{base}/timeline/",
        "acks": f"{api_base}/channels/{ids['channel_id']}/messages/{ids['message_id']}/acks",
        "search": f"{api_base}/channels/search?q=session",
    }[what]
    lena = member(MEDIATOR)
    refused = _half_signed(lena).get(path)
    assert refused.status_code in (302, 401)
    body = b"".join(refused.streaming_content) if refused.streaming else refused.content
    assert b"plain text" not in body and b"session test" not in body
    served = _complete(lena).get(path)
    assert served.status_code == 200, (path, served.status_code)
    if what == "attachment":
        assert b"".join(served.streaming_content) == b"plain text\n"


def _session_cookie(client: Client) -> list[tuple[bytes, bytes]]:
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    return [(b"origin", b"http://testserver"), (b"cookie", cookie)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("close_thread_connections")
async def test_websocket_refuses_a_half_signed_session_before_any_frame(demo):
    @database_sync_to_async
    def clients():
        lena = Member.objects.select_related("user").get(user__username=MEDIATOR)
        v = access.viewer_of(Member.objects.get(pk=lena.pk))
        chan = Channel.objects.get(process=demo, kind="caucus", name__icontains="mediation")
        secret = comms_services.post_message(
            v, chan.pk, body="caucus only", label={"level": 3, "caveats": ["MEDIATION"]}
        ).message
        return _session_cookie(_half_signed(lena)), _session_cookie(_complete(lena)), secret.pk

    half, complete, secret_id = await clients()
    comm = WebsocketCommunicator(application, f"/ws/p/{demo.slug}/", headers=half)
    ok, _ = await comm.connect()
    assert ok  # accepted only to carry the close code
    closing = await comm.receive_output(timeout=5)
    assert closing == {"type": "websocket.close", "code": 1008}
    await comm.send_json_to({"type": "resume", "after_id": 0})
    assert await comm.receive_nothing(timeout=0.3)  # nothing delivered, no hello
    await comm.wait(timeout=1)

    comm = WebsocketCommunicator(application, f"/ws/p/{demo.slug}/", headers=complete)
    ok, _ = await comm.connect()
    assert ok
    hello = await comm.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    await comm.send_json_to({"type": "resume", "after_id": 0})
    got: list[dict] = []
    while True:
        frame = await comm.receive_json_from(timeout=5)
        got += unwrap(frame)
        if frame["type"] == "resumed":
            break
    assert secret_id in [f["message"]["id"] for f in got if f["type"] == "message"]
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("close_thread_connections")
async def test_a_second_factor_reset_closes_the_members_open_websockets(demo):
    """The reset ends every web session of the member; a live page opened with one of them
    is closed too (4401: the page reloads into the sign-in), while a colleague's stays open."""
    from accord.core import services as core_services

    @database_sync_to_async
    def setup():
        from tests.ui.test_second_factor_reset import enrol

        lena = Member.objects.select_related("user").get(process=demo, user__username=MEDIATOR)
        enrol(lena.user)
        ana = Member.objects.select_related("user").get(process=demo, user__username="ana.costa")
        return _session_cookie(_complete(lena)), _session_cookie(_complete(ana)), lena.pk

    lena_cookie, ana_cookie, lena_id = await setup()
    lena_ws = WebsocketCommunicator(application, f"/ws/p/{demo.slug}/", headers=lena_cookie)
    ana_ws = WebsocketCommunicator(application, f"/ws/p/{demo.slug}/", headers=ana_cookie)
    for comm in (lena_ws, ana_ws):
        ok, _ = await comm.connect()
        assert ok and (await comm.receive_json_from(timeout=5))["type"] == "hello"

    @database_sync_to_async
    def reset():
        coordinator = next(
            m
            for m in Member.objects.filter(process=demo).select_related("user")
            if access.viewer_of(m).can(access.Perm.MANAGE_MEMBERS) and m.pk != lena_id
        )
        core_services.reset_second_factor(
            access.viewer_of(coordinator), Member.objects.get(pk=lena_id)
        )

    await reset()
    closing = await lena_ws.receive_output(timeout=5)
    while closing.get("type") == "websocket.send":  # a live notice may come first
        closing = await lena_ws.receive_output(timeout=5)
    assert closing == {"type": "websocket.close", "code": 4401}
    # the colleague's page stays live: it still answers
    await ana_ws.send_json_to({"type": "resume", "after_id": 0})
    frames: list[dict] = []
    while not frames or frames[-1]["type"] != "resumed":
        frames.append(await ana_ws.receive_json_from(timeout=5))
    await ana_ws.disconnect()
