"""Browser: two members of different parties watch the same channel live; a REL TO ARD message
sent from the composer appears for the ARD member and never for the NOR member; an edit (and an
attachment, and a deletion) made in one member's page appears live in the other's; the page
banner rises live when a stricter-labelled message arrives; several messages arriving in one
batch frame appear once each, in order; after a FLASH the composer is back on ROUTINE; a FLASH
sent from the composer raises the alert region of a reader on the same page, over the page's one
socket, and acknowledging it there updates the message in place; long words wrap on a phone.

Runs a real `accord run` (ASGI, WebSockets) on a file SQLite in a temporary data dir: the
demo loads itself into the empty database."""

from __future__ import annotations

import httpx
import pytest

from accord.core.demo import DEMO_PASSWORD
from tests.scale.servers import accord, free_port, make_token, running, server_env

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


def make_session(env: dict[str, str], username: str) -> str:
    """A signed-in session (second factor passed) for members whose role requires TOTP."""
    code = (
        "from django.contrib.auth import get_user_model; from django.test import Client; "
        "from accord.core.auth import MFA_SESSION_KEY; c = Client(); "
        f"c.force_login(get_user_model().objects.get(username={username!r})); "
        "s = c.session; s[MFA_SESSION_KEY] = True; s.save(); print('SESSION', s.session_key)"
    )
    out = accord(env, "manage", "shell", "-c", code)
    return next(line.split()[1] for line in out.splitlines() if line.startswith("SESSION "))


# Records the type of every frame the page receives and lets a test cut the socket and hold
# reconnection (window.__block) — the page's own channel.js is what runs.
WATCH_SOCKETS = """
(() => {
  const Real = window.WebSocket;
  window.__frames = []; window.__sockets = []; window.__block = false;
  window.WebSocket = function (url, protocols) {
    const ws = new Real(window.__block ? "ws://127.0.0.1:9/" : url, protocols);
    ws.addEventListener("message", (e) => window.__frames.push(JSON.parse(e.data).type));
    window.__sockets.push(ws);
    return ws;
  };
})();
"""


def open_channel(
    browser,
    base: str,
    channel_id: int,
    errors: list,
    *,
    username=None,
    session=None,
    init=None,
    sockets: list | None = None,
):
    """A member's channel page, live; `sockets` collects the URL of every WebSocket it opens."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    if init:
        ctx.add_init_script(init)
    pg = ctx.new_page()
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    if sockets is not None:
        pg.on("websocket", lambda ws: sockets.append(ws.url))
    if session:
        ctx.add_cookies(
            [{"name": "sessionid", "value": session, "domain": "127.0.0.1", "path": "/"}]
        )
    else:
        sign_in(pg, base, username)
    pg.goto(f"{base}/p/lake-varna/channels/{channel_id}/")
    pg.wait_for_selector("#live-status:has-text('Live.')", timeout=15000)
    return ctx, pg


def api_as(env: dict[str, str], base: str, username: str) -> httpx.Client:
    """An API client of the demo process with a fresh token of `username`."""
    return httpx.Client(
        base_url=f"{base}/api/v1/processes/lake-varna",
        headers={"Authorization": f"Bearer {make_token(env, username)}"},
        timeout=30,
    )


def channel_ids(api: httpx.Client) -> dict[str, int]:
    return {c["name"]: c["id"] for c in api.get("/channels?limit=100").json()["items"]}


def test_rel_to_message_live_for_one_party_only(browser, live_accord):
    base, env = live_accord
    api = api_as(env, base, "james.whitfield")
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
        ana.fill("#composer textarea[name=body]", "Ardanian fallback: Heronfield clause")
        ana.select_option("#composer select[name=label_level]", "2")
        for code in ("BEL", "NOR"):  # USWDS checkboxes: the label is what a person clicks
            ana.click(f"#composer label[for=composer-rel-{code}]")
            assert not ana.locator(f"#composer-rel-{code}").is_checked()
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


def test_edit_attachment_and_delete_appear_live(browser, live_accord, tmp_path):
    base, env = live_accord
    api = api_as(env, base, "ana.costa")
    allies = channel_ids(api)["Allies coordination"]
    errors: list[str] = []
    ctx_a, ana = open_channel(browser, base, allies, errors, username="ana.costa")
    ctx_e, erik = open_channel(browser, base, allies, errors, username="erik.lund")
    try:
        # ana posts with a file from the composer: erik sees the message and its chip live
        notes = tmp_path / "notes.txt"
        notes.write_text("Ceasefire notes, sector north")
        ana.fill("#composer textarea[name=body]", "Meeting point Quailbrook at 10")
        ana.set_input_files("#composer input[type=file]", str(notes))
        ana.click("#composer button[type=submit]")
        mine = ana.locator("li.message:has-text('Quailbrook')")
        mine.wait_for(timeout=10000)
        theirs = erik.locator("li.message:has-text('Quailbrook')")
        theirs.wait_for(timeout=10000)
        erik.wait_for_selector("li.message:has-text('Quailbrook') a.attachment-chip", timeout=10000)
        assert theirs.locator("a.attachment-chip").inner_text().strip() == "notes.txt"
        assert ana.locator("#composer input[type=file]").input_value() == ""
        # ana edits it in place: erik's page shows the new text, "(edited)", no reload
        erik.evaluate("window.__marker = 'same page'")
        mine.locator("button.msg-edit-toggle").click()
        mine.locator(".msg-edit textarea").fill("Meeting point Quailbrook at 11, not 10")
        mine.locator("text=Save edit").click()
        erik.wait_for_selector("li.message:has-text('at 11, not 10')", timeout=10000)
        theirs = erik.locator("li.message:has-text('at 11, not 10')")
        assert "(edited " in theirs.inner_text()
        assert erik.locator("li.message:has-text('Quailbrook')").count() == 1  # replaced
        assert erik.evaluate("window.__marker") == "same page"
        # erik opens the edit history: the earlier text is there
        theirs.locator("button.history-toggle").click()
        erik.wait_for_selector("li.message .history-list:has-text('Quailbrook at 10')")
        # erik has no edit or delete on ana's message
        assert theirs.locator(".msg-edit-toggle, .msg-edit").count() == 0
        # erik replies in thread from the reply button: the composer answers ana's message
        theirs.locator("a.reply-button").click()
        assert erik.locator("#reply-note").is_visible()
        assert "Ana Costa" in erik.locator("#reply-note").inner_text()
        mid = theirs.get_attribute("data-id")
        assert erik.locator("#composer input[name=reply_to]").input_value() == mid
        erik.fill("#composer textarea[name=body]", "Noted, Norlund at Quailbrook")
        erik.click("#composer button[type=submit]")
        reply = ana.locator("li.message:has-text('Noted, Norlund')")
        reply.wait_for(timeout=10000)
        assert reply.locator(f'.reply-note a[href="#msg-{mid}"]').count() == 1
        erik.wait_for_selector("li.message:has-text('Noted, Norlund')", timeout=10000)
        erik.locator("#reply-note").wait_for(state="hidden", timeout=5000)
        assert erik.locator("#composer input[name=reply_to]").input_value() == ""
        # ana deletes it: erik sees the tombstone, not the text
        ana.locator(f"#msg-{mid} button.msg-delete-toggle").click()
        ana.locator(f"#msg-{mid}").locator("text=Delete message").click()
        erik.wait_for_selector(
            f"#msg-{mid}:has-text('Message deleted by Ana Costa')", timeout=10000
        )
        assert "Quailbrook" not in erik.locator(f"#msg-{mid}").inner_text()
    finally:
        ctx_a.close()
        ctx_e.close()
    assert not errors, errors


def test_banner_rises_live_with_a_stricter_message(browser, live_accord):
    base, env = live_accord
    api = api_as(env, base, "viktor.kess")
    plenary = channel_ids(api)["Plenary"]
    errors: list[str] = []
    # viktor (KES head of delegation, CONFIDENTIAL) and tomas (VMM monitor) watch the plenary
    ctx_v, viktor = open_channel(
        browser, base, plenary, errors, session=make_session(env, "viktor.kess")
    )
    ctx_t, tomas = open_channel(browser, base, plenary, errors, username="tomas.ruiz")
    try:
        banners = viktor.locator("div.banner")
        assert [b.strip() for b in banners.all_inner_texts()] == ["RESTRICTED", "RESTRICTED"]
        colour_before = banners.first.evaluate(
            "el => getComputedStyle(el).getPropertyValue('--label-colour').trim()"
        )
        r = api.post(
            f"/channels/{plenary}/messages",
            json={"body": "Kestrian fallback Larkspur", "label": {"level": 2, "rel_to": ["KES"]}},
        )
        assert r.status_code == 201, r.text
        viktor.wait_for_selector("li.message:has-text('Larkspur')", timeout=10000)
        viktor.wait_for_function(
            "() => document.querySelector('div.banner').textContent.trim() !== 'RESTRICTED'",
            timeout=10000,
        )
        assert [b.strip() for b in banners.all_inner_texts()] == [
            "CONFIDENTIAL // REL TO KES",
            "CONFIDENTIAL // REL TO KES",
        ]
        colour_after = banners.first.evaluate(
            "el => getComputedStyle(el).getPropertyValue('--label-colour').trim()"
        )
        assert colour_after != colour_before
        assert banners.first.get_attribute("data-level") == "2"
        # a later, lower message does not lower it
        r = api.post(f"/channels/{plenary}/messages", json={"body": "Open note Wrenbury"})
        assert r.status_code == 201
        viktor.wait_for_selector("li.message:has-text('Wrenbury')", timeout=10000)
        tomas.wait_for_selector("li.message:has-text('Wrenbury')", timeout=10000)
        viktor.wait_for_timeout(500)
        assert banners.first.inner_text().strip() == "CONFIDENTIAL // REL TO KES"
        # tomas (VMM) never received the KES message: his banner did not move
        assert "Larkspur" not in tomas.content()
        assert tomas.locator("div.banner").first.inner_text().strip() == "RESTRICTED"
    finally:
        ctx_v.close()
        ctx_t.close()
    assert not errors, errors


def test_a_batch_of_messages_appears_in_order(browser, live_accord):
    """Catch-up after a reconnect arrives as one batch frame: each message appears once, in id
    order, even though their fragments are fetched at the same time."""
    base, env = live_accord
    api = api_as(env, base, "ingrid.dahl")
    allies = channel_ids(api)["Allies coordination"]
    errors: list[str] = []
    ctx, ana = open_channel(browser, base, allies, errors, username="ana.costa", init=WATCH_SOCKETS)
    try:
        ana.evaluate("window.__block = true; window.__sockets.at(-1).close()")
        ana.wait_for_selector("#live-status:has-text('Reconnecting')", timeout=10000)
        bodies = ["Batch Alderwick one", "Batch Birchholm two", "Batch Cedarmoor three"]
        ids = []
        for body in bodies:
            r = api.post(f"/channels/{allies}/messages", json={"body": body})
            assert r.status_code == 201, r.text
            ids.append(r.json()["message"]["id"])
        ana.evaluate("window.__block = false")
        for body in bodies:
            ana.wait_for_selector(f"li.message:has-text('{body}')", timeout=30000)
        assert "batch" in ana.evaluate("window.__frames")
        order = ana.eval_on_selector_all("li.message", "els => els.map(e => e.id)")
        assert [order.count(f"msg-{i}") for i in ids] == [1, 1, 1]
        positions = [order.index(f"msg-{i}") for i in ids]
        assert positions == sorted(positions)
    finally:
        ctx.close()
    assert not errors, errors


def test_composer_returns_to_routine_after_a_flash(browser, live_accord):
    """After a FLASH the composer is ROUTINE again with an empty text: the next message is not
    sent as FLASH by mistake."""
    base, env = live_accord
    api = api_as(env, base, "ana.costa")
    plenary = channel_ids(api)["Plenary"]
    errors: list[str] = []
    ctx, ana = open_channel(browser, base, plenary, errors, username="ana.costa")
    try:
        assert ana.locator("#composer-prec-routine").is_checked()
        ana.fill("#composer textarea[name=body]", "Shots at the Grebemoor ford")
        ana.click("label[for=composer-prec-flash]")
        assert ana.locator("#composer-prec-flash").is_checked()
        ana.click("#composer button[type=submit]")
        sent = ana.locator("li.message:has-text('Grebemoor')")
        sent.wait_for(timeout=10000)
        assert sent.locator(".accord-prec--flash").count() == 1
        ana.wait_for_function(
            "() => document.getElementById('composer-prec-routine').checked", timeout=5000
        )
        assert not ana.locator("#composer-prec-flash").is_checked()
        assert ana.locator("#composer textarea[name=body]").input_value() == ""
        assert not ana.locator("#composer-ack").is_checked()
        # the next message goes out as ROUTINE, without asking for acknowledgement
        ana.fill("#composer textarea[name=body]", "Sandpiper agenda note")
        ana.click("#composer button[type=submit]")
        nxt = ana.locator("li.message:has-text('Sandpiper')")
        nxt.wait_for(timeout=10000)
        assert nxt.locator(".accord-prec--routine").count() == 1
        items = api.get(f"/channels/{plenary}/messages?limit=200").json()["items"]
        last = next(m for m in items if "Sandpiper" in m["body"])
        assert last["precedence"] == "ROUTINE" and last["requires_ack"] is False
    finally:
        ctx.close()
    assert not errors, errors


def test_flash_from_the_composer_alerts_a_reader_and_is_acknowledged_in_place(browser, live_accord):
    """ana sends a FLASH from the composer; erik, on the same channel page, sees it arrive in
    the list and in the alert region (tab title counted) over his page's one socket; he
    acknowledges it in the alert region and the message in the list drops its button."""
    base, env = live_accord
    api = api_as(env, base, "ana.costa")
    allies = channel_ids(api)["Allies coordination"]
    errors: list[str] = []
    ana_sockets: list[str] = []
    erik_sockets: list[str] = []
    ctx_a, ana = open_channel(
        browser, base, allies, errors, username="ana.costa", sockets=ana_sockets
    )
    ctx_e, erik = open_channel(
        browser, base, allies, errors, username="erik.lund", sockets=erik_sockets
    )
    try:
        ana.fill("#composer textarea[name=body]", "Armour moving at Kingfisher bridge")
        ana.click("label[for=composer-prec-flash]")
        ana.click("#composer button[type=submit]")
        ana.locator("li.message:has-text('Kingfisher')").wait_for(timeout=10000)
        mine = erik.locator("li.message:has-text('Kingfisher')")
        mine.wait_for(timeout=10000)
        mid = mine.get_attribute("data-id")
        alert = erik.locator(f"#urgent-alerts [data-alert-id='{mid}']")
        alert.wait_for(timeout=10000)
        assert "Kingfisher" in alert.inner_text()
        count = erik.locator("#urgent-alerts [data-alert-id]").count()
        erik.wait_for_function(f"() => document.title.startsWith('({count}) ')", timeout=5000)
        assert mine.locator("button.ack-button").count() == 1
        # the sender is not alerted by her own FLASH
        assert ana.locator(f"#urgent-alerts [data-alert-id='{mid}']").count() == 0
        alert.locator("button:has-text('Acknowledge')").click()
        erik.locator(f"#urgent-alerts [data-alert-id='{mid}']").wait_for(
            state="detached", timeout=10000
        )
        erik.wait_for_selector(f"#msg-{mid} .accord-acked", timeout=10000)
        assert erik.locator(f"#msg-{mid} button.ack-button").count() == 0
        assert not erik.title().startswith(f"({count}) ")
        # one live connection per page, all along
        assert len(ana_sockets) == 1 and len(erik_sockets) == 1
    finally:
        ctx_a.close()
        ctx_e.close()
    assert not errors, errors


def test_long_words_wrap_on_a_phone(browser, live_accord):
    """A channel whose name is one 120-letter word (the longest a name may be), whose
    description and messages hold 180-letter words: no page of the channels scrolls sideways
    at 390 px."""
    base, env = live_accord
    coordinator = api_as(env, base, "amara.okafor")
    name = "Q" * 120
    word = "Heronsgate" * 18  # 180 letters, no break
    r = coordinator.post(
        "/channels",
        json={"name": name, "kind": "topic", "description": f"About {word} and more"},
    )
    assert r.status_code == 201, r.text
    chan = r.json()["id"]
    r = coordinator.post(f"/channels/{chan}/messages", json={"body": f"Wrenfield {word} end"})
    assert r.status_code == 201, r.text
    ctx = browser.new_context(viewport={"width": 390, "height": 900}, locale="en-GB")
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        sign_in(pg, base, "ana.costa")
        for path, shown in (
            ("/p/lake-varna/channels/", word),  # the description
            (f"/p/lake-varna/channels/{chan}/", word),  # the message
            ("/p/lake-varna/channels/search/?q=wrenfield", word[:140]),  # the snippet
            ("/p/lake-varna/channels/briefing/", name),  # new messages per channel
        ):
            pg.goto(base + path)
            pg.wait_for_load_state("load")
            assert shown in pg.content() and name in pg.content(), path
            sideways = pg.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert sideways <= 1, (path, sideways)
    finally:
        ctx.close()
    assert not errors, errors
