"""Browser: two members of different parties watch the same channel live; a REL TO ARD message
sent from the composer appears for the ARD member and never for the NOR member.

Runs a real `accord run` (ASGI, WebSockets) on a file SQLite in a temporary data dir: the
demo loads itself into the empty database."""

from __future__ import annotations

import httpx
import pytest

from accord.core.demo import DEMO_PASSWORD
from tests.scale.servers import free_port, make_token, running, server_env

pytestmark = [pytest.mark.e2e]


@pytest.fixture(scope="module")
def live_accord(tmp_path_factory):
    data = tmp_path_factory.mktemp("comms-e2e")
    env = server_env(data)
    with running(env, free_port(), "--no-worker", log=data / "server.log") as base:
        yield base, env


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_rel_to_message_live_for_one_party_only(browser, live_accord):
    base, env = live_accord
    token = make_token(env, "james.whitfield")
    api = httpx.Client(
        base_url=f"{base}/api/v1/processes/lake-varna",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    allies = next(
        c["id"]
        for c in api.get("/channels?limit=100").json()["items"]
        if c["name"] == "Allies coordination"
    )
    contexts, pages = [], {}
    errors: list[str] = []
    for username in ("ana.costa", "erik.lund"):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        pg = ctx.new_page()
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(pg, base, username)
        pg.goto(f"{base}/p/lake-varna/channels/{allies}/")
        pg.wait_for_selector("#live-status:has-text('Live.')", timeout=15000)
        contexts.append(ctx)
        pages[username] = pg
    try:
        ana, erik = pages["ana.costa"], pages["erik.lund"]
        # ana writes CONFIDENTIAL // REL TO ARD from the composer (untick BEL and NOR)
        ana.fill("textarea[name=body]", "Ardanian fallback: Heronfield clause")
        ana.select_option("select[name=label_level]", "2")
        for code in ("BEL", "NOR"):
            ana.uncheck(f"input[name=label_rel_to][value={code}]")
        ana.click("#composer button[type=submit]")
        ana.wait_for_selector("li.message:has-text('Heronfield')", timeout=10000)
        badge = ana.locator("li.message:has-text('Heronfield') .label-badge").inner_text()
        assert badge == "CONFIDENTIAL // REL TO ARD"
        assert ana.locator("li.message:has-text('Heronfield')").count() == 1  # no duplicate
        # then james posts to all allies over REST: both see it live
        r = api.post(f"/channels/{allies}/messages", json={"body": "Allies: Plovermarsh at 14:00"})
        assert r.status_code == 201
        for pg in (ana, erik):
            pg.wait_for_selector("li.message:has-text('Plovermarsh')", timeout=10000)
        # the later message arrived on erik's page; the REL TO ARD one never did
        assert erik.locator("li.message:has-text('Heronfield')").count() == 0
        assert "Heronfield" not in erik.content()
        erik.reload()
        assert "Heronfield" not in erik.content()
        assert erik.locator("li.message:has-text('Plovermarsh')").count() == 1
    finally:
        for ctx in contexts:
            ctx.close()
    assert not errors, errors
