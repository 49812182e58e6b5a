"""The API's fast path (accord.fastpath): a post with an API token is answered on the event
loop exactly as Django/ninja would answer it — same body, same security headers — and every
refusal is Django's own answer, with nothing written."""

from __future__ import annotations

import json

import httpx
import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from ninja.responses import NinjaJSONEncoder

from accord.asgi import application
from accord.comms import services
from accord.comms.models import Channel
from accord.comms.schemas import PostedOut
from accord.core import services as core_services
from accord.core.models import Member

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the writer has its own connection
    pytest.mark.usefixtures("close_thread_connections"),
]

PATH = "/api/v1/processes/lake-varna/channels/{}/messages"


def _token(username: str) -> str:
    user = Member.objects.get(user__username=username).user
    return core_services.create_token(user, name=f"fast-{username}")[1]


def _channel(name: str) -> int:
    return Channel.objects.get(name=name).pk


async def asgi_post(path: str, body, headers: dict, host: str = "127.0.0.1") -> httpx.Response:
    """Through the server's ASGI application (the fast path first)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
        return await client.post(
            path, content=data, headers={"content-type": "application/json", **headers}
        )


def django_post(path: str, body, headers: dict) -> tuple[int, dict, dict]:
    """Through Django alone (ninja's view of the same route)."""
    data = body if isinstance(body, bytes) else json.dumps(body)
    client = Client(enforce_csrf_checks=True, headers=headers)  # as the real server does
    r = client.post(path, data=data, content_type="application/json")
    return r.status_code, json.loads(r.content), dict(r.headers)


def _normal(body: dict) -> dict:
    msg = dict(body["message"])
    msg.pop("id"), msg.pop("created_at")
    return {**body, "message": msg}


class Calls:
    """Counts how each path wrote: the fast path calls post_message_async."""

    def __init__(self, monkeypatch) -> None:
        self.fast = 0
        real = services.post_message_async

        async def spy(*args, **kwargs):
            self.fast += 1
            return await real(*args, **kwargs)

        monkeypatch.setattr(services, "post_message_async", spy)


def _counts() -> tuple[int, int, int]:
    from accord.comms.models import Message, Notification
    from accord.ledger.models import Entry

    return Message.objects.count(), Notification.objects.count(), Entry.objects.count()


counts = sync_to_async(_counts)


async def test_a_post_is_answered_as_django_answers_it(demo, monkeypatch):
    calls = Calls(monkeypatch)
    token = await sync_to_async(_token)("ana.costa")
    allies = await sync_to_async(_channel)("Allies coordination")
    h = {"Authorization": f"Bearer {token}"}
    body = {"body": "**ARD** note for @erik.lund", "precedence": "PRIORITY"}
    fast = await asgi_post(PATH.format(allies), body, h)
    assert fast.status_code == 201 and calls.fast == 1
    status, slow, slow_headers = await sync_to_async(django_post)(PATH.format(allies), body, h)
    assert status == 201 and calls.fast == 1  # Django's view wrote this one
    assert _normal(fast.json()) == _normal(slow)
    # the body is exactly the schema's rendering (fast handlers skip re-validating it)
    again = json.dumps(PostedOut.model_validate(fast.json()).model_dump(), cls=NinjaJSONEncoder)
    assert fast.content.decode() == again
    # the security headers Django's middleware adds, the same
    wanted = {
        k.lower(): v for k, v in slow_headers.items() if k.lower() not in ("content-length", "vary")
    }
    got = {k.lower(): v for k, v in fast.headers.items() if k.lower() != "content-length"}
    assert got == wanted
    assert {"x-frame-options", "content-security-policy", "x-content-type-options"} <= set(got)


async def test_a_labelled_post_with_warnings_matches_the_schema(demo):
    token = await sync_to_async(_token)("ana.costa")
    allies = await sync_to_async(_channel)("Allies coordination")
    long = " ".join(["word"] * 210)
    body = {"body": long, "precedence": "FLASH", "label": {"level": 1, "rel_to": ["ARD"]}}
    r = await asgi_post(PATH.format(allies), body, {"Authorization": f"Bearer {token}"})
    assert r.status_code == 201
    data = r.json()
    assert data["warnings"] and data["message"]["requires_ack"] is True
    assert data["message"]["label"]["rel_to"] == ["ARD"]
    again = json.dumps(PostedOut.model_validate(data).model_dump(), cls=NinjaJSONEncoder)
    assert r.content.decode() == again


REFUSALS = [
    # (who, channel, body, extra headers) → answered by Django, exactly as without the fast path
    ("bad-token", "Allies coordination", {"body": "x"}, {}),
    ("viktor.kess", "Allies coordination", {"body": "KES reads no allies' channel"}, {}),
    ("ana.costa", "Allies coordination", {"body": "above", "label": {"level": 3}}, {}),
    ("ana.costa", "Allies coordination", {"body": "cav", "label": {"caveats": ["MEDIATION"]}}, {}),
    ("ana.costa", "Allies coordination", {"body": "rel", "label": {"rel_to": ["KES"]}}, {}),
    ("ana.costa", "Allies coordination", {"body": "", "precedence": "ROUTINE"}, {}),
    ("ana.costa", "Allies coordination", {"precedence": "FLASH"}, {}),
    ("ana.costa", "Allies coordination", {"body": "x", "precedence": "SOON"}, {}),
    ("ana.costa", "Allies coordination", b"{not json", {}),
    ("ana.costa", "Allies coordination", b'{"body": "nul \\u0000 here"}', {}),
    ("ana.costa", "Allies coordination", {"body": "x", "reply_to": 10**12}, {}),
]


@pytest.mark.parametrize(("who", "channel", "body", "extra"), REFUSALS)
async def test_refusals_are_djangos_answers_and_change_nothing(demo, who, channel, body, extra):
    token = "acc_nope_nope" if who == "bad-token" else await sync_to_async(_token)(who)
    chan = await sync_to_async(_channel)(channel)
    h = {"Authorization": f"Bearer {token}", **extra}
    before = await counts()
    fast = await asgi_post(PATH.format(chan), body, h)
    status, slow, _ = await sync_to_async(django_post)(PATH.format(chan), body, h)
    assert fast.status_code == status and 400 <= status < 500
    assert fast.json() == slow and "error" in slow
    assert await counts() == before
    if who == "bad-token":  # a bad token is told so (not "CSRF check Failed")
        assert status == 401 and slow["error"]["code"] == "unauthenticated"


async def test_a_host_django_refuses_is_refused(demo):
    token = await sync_to_async(_token)("ana.costa")
    allies = await sync_to_async(_channel)("Allies coordination")
    before = await counts()
    r = await asgi_post(
        PATH.format(allies), {"body": "x"}, {"Authorization": f"Bearer {token}"}, host="evil.test"
    )
    assert r.status_code == 400
    assert await counts() == before


async def test_only_the_exact_route_is_fast(demo, monkeypatch):
    calls = Calls(monkeypatch)
    token = await sync_to_async(_token)("ana.costa")
    allies = await sync_to_async(_channel)("Allies coordination")
    h = {"Authorization": f"Bearer {token}"}
    r = await asgi_post(PATH.format(allies) + "/", {"body": "x"}, h)
    assert r.status_code == 404 and calls.fast == 0
    r = await asgi_post(PATH.format(allies).replace("lake-varna", "lake-varna/x"), {"body": "x"}, h)
    assert r.status_code == 404 and calls.fast == 0


async def test_a_query_string_is_djangos_to_check(demo, monkeypatch):
    """The route takes no query; one given goes to Django, whose NUL check refuses this one."""
    calls = Calls(monkeypatch)
    token = await sync_to_async(_token)("ana.costa")
    allies = await sync_to_async(_channel)("Allies coordination")
    before = await counts()
    h = {"Authorization": f"Bearer {token}"}
    r = await asgi_post(PATH.format(allies) + "?note=%00", {"body": "x"}, h)
    assert r.status_code == 400 and calls.fast == 0
    assert await counts() == before


async def test_without_a_token_the_request_is_djangos(demo, monkeypatch):
    """A browser session posts through Django (CSRF and the session are checked there)."""
    calls = Calls(monkeypatch)
    allies = await sync_to_async(_channel)("Allies coordination")
    r = await asgi_post(PATH.format(allies), {"body": "x"}, {})
    assert r.status_code == 401 and calls.fast == 0
