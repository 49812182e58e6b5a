"""Browser: FLASH and IMMEDIATE reach people wherever they are in a process.

A FLASH posted in a channel raises the alert region on another member's dashboard within a
second, only for members who may read it; the tab title carries the count; acknowledging it in
one tab removes it from every open tab of that member. Runs a real `accord run` (WebSockets)."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.scale.servers import accord, free_port, make_token, running, server_env

pytestmark = [pytest.mark.e2e]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data = tmp_path_factory.mktemp("alerts-e2e")
    env = server_env(data)
    with running(env, free_port(), "--no-worker", log=data / "server.log") as base:
        yield base, env


def session_of(env: dict[str, str], username: str) -> str:
    code = (
        "from django.contrib.auth import get_user_model; from django.test import Client; "
        "from accord.core.auth import MFA_SESSION_KEY; c = Client(); "
        f"c.force_login(get_user_model().objects.get(username={username!r})); "
        "s = c.session; s[MFA_SESSION_KEY] = True; s.save(); print('SESSION', s.session_key)"
    )
    out = accord(env, "manage", "shell", "-c", code)
    return next(line.split()[1] for line in out.splitlines() if line.startswith("SESSION "))


def open_page(browser, base: str, session: str, path: str, errors: list):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    ctx.add_cookies([{"name": "sessionid", "value": session, "domain": "127.0.0.1", "path": "/"}])
    pg = ctx.new_page()
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    opened: list[str] = []
    pg.on("websocket", lambda ws: opened.append(ws.url))
    pg.goto(base + path)
    pg.wait_for_function("() => document.body.dataset.process === 'lake-varna'")
    deadline = time.monotonic() + 10
    while not opened and time.monotonic() < deadline:
        pg.wait_for_timeout(50)
    assert opened, "the page opened its live connection"
    pg.wait_for_timeout(300)  # the socket says hello
    return ctx, pg, opened


def channel_id(api: httpx.Client, name: str) -> int:
    return next(
        c["id"] for c in api.get("/channels?limit=100").json()["items"] if c["name"] == name
    )


def test_flash_raises_the_alert_on_other_pages_for_readers_only(browser, site):
    base, env = site
    api = httpx.Client(
        base_url=f"{base}/api/v1/processes/lake-varna",
        headers={"Authorization": f"Bearer {make_token(env, 'james.whitfield')}"},
        timeout=30,
    )
    allies = channel_id(api, "Allies coordination")  # ARD, NOR, BEL only
    errors: list[str] = []
    ana_session = session_of(env, "ana.costa")
    ana_ctx, ana, sockets = open_page(browser, base, ana_session, "/p/lake-varna/", errors)
    ana2_ctx, ana2, _ = open_page(browser, base, ana_session, "/p/lake-varna/negotiation/", errors)
    daria_ctx, daria, _ = open_page(
        browser, base, session_of(env, "daria.vol"), "/p/lake-varna/", errors
    )
    try:
        assert len(sockets) == 1  # one live connection per page
        before = ana.locator("[data-alert-id]").count()
        daria_before = daria.locator("[data-alert-id]").count()
        posted = time.monotonic()
        r = api.post(
            f"/channels/{allies}/messages",
            json={
                "body": "FLASH: Kestrian armour crossing at the north ford",
                "precedence": "FLASH",
            },
        )
        assert r.status_code == 201
        mid = r.json()["message"]["id"]
        ana.wait_for_selector(f"[data-alert-id='{mid}']", timeout=5000)
        took = time.monotonic() - posted
        assert took < 1.5, f"the alert took {took:.2f} s"  # "within a second" (+ request time)
        assert ana.locator("[data-alert-id]").count() == before + 1
        assert "north ford" in ana.locator("#urgent-alerts").inner_text()
        assert ana.title().startswith(f"({before + 1}) ")
        ana2.wait_for_selector(f"[data-alert-id='{mid}']", timeout=5000)
        # a conflict party may not read the allies' channel: nothing, not even a count
        daria.wait_for_timeout(1000)
        assert daria.locator("[data-alert-id]").count() == daria_before
        assert "north ford" not in daria.content()
        # acknowledge in place on one tab: gone there at once, and from the other tab live
        ana.locator(f"[data-alert-id='{mid}'] button:has-text('Acknowledge')").click()
        ana.wait_for_selector(f"[data-alert-id='{mid}']", state="detached", timeout=5000)
        ana2.wait_for_selector(f"[data-alert-id='{mid}']", state="detached", timeout=5000)
        assert not ana.title().startswith(f"({before + 1}) ")
        acks = api.get(f"/channels/{allies}/messages/{mid}/acks").json()
        assert "Ana Costa" in [line["name"] for line in acks["acknowledged"]]
        assert not errors, errors
    finally:
        for ctx in (ana_ctx, ana2_ctx, daria_ctx):
            ctx.close()
