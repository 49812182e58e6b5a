"""End-to-end in Chromium.

1. The mediator resolves a bracket — the page asks first (a native dialog) — and a delegation
   records a stance: the select starts empty, only its clause and the status panel change
   (htmx), and "Awaiting stances" no longer lists it for that clause.
2. The journey of issue #15: a head of delegation states a position and releases one part of
   it to one party; that party's open workspace shows exactly that part at once (live, no
   reload), a third party sees nothing of it; the release is withdrawn (after a dialog) and
   the reader loses it at once, live.

The second runs a real `accord run` (ASGI: the page's WebSocket) on a file SQLite in a
temporary data dir, where the demo loads itself."""

from __future__ import annotations

import pytest

from tests.scale.servers import accord, free_port, running, server_env

pytestmark = [pytest.mark.e2e]


def _sign_in(page, base: str, username: str, off_loop) -> None:
    """A browser session for a demo member with the second factor passed (server-side)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from accord.core.auth import MFA_SESSION_KEY

    def make_session():
        c = Client()
        c.force_login(get_user_model().objects.get(username=username))
        s = c.session
        s[MFA_SESSION_KEY] = True
        s.save()
        return s.session_key

    key = off_loop(make_session)
    host = base.split("://", 1)[1].split(":")[0]
    page.context.add_cookies([{"name": "sessionid", "value": key, "domain": host, "path": "/"}])


def _text_url(base: str, off_loop) -> str:
    from accord.negotiation.models import Document

    doc_id = off_loop(lambda: Document.objects.get(process__slug="lake-varna").pk)
    return f"{base}/p/lake-varna/negotiation/text/{doc_id}/"


def _clause(page, number: str):
    return page.locator(
        ".accord-clause", has=page.locator(".accord-clause__number", has_text=number)
    )


def test_mediator_resolves_bracket_after_a_dialog_and_a_stance_updates_in_place(
    browser, demo_live, off_loop
):
    url = _text_url(demo_live, off_loop)
    errors: list[str] = []
    # the Special Envoy keeps "15 km" in the withdrawal clause (2.1)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, demo_live, "lena.haas", off_loop)
    page.goto(url)
    clause = _clause(page, "2.1")
    assert clause.locator(".accord-bracket").count() == 1
    # each alternative names who proposed it
    assert clause.locator('.accord-alt[data-by="MED"]').inner_text().startswith("15 km")
    # first click: a dialog asks; "Cancel" changes nothing
    clause.locator("button", has_text="Keep “15 km”").click()
    dialog = page.locator("dialog.accord-dialog[open]")
    dialog.wait_for()
    assert "Keep “15 km” in clause 2.1?" in dialog.inner_text()
    assert "version 2" in dialog.inner_text()
    dialog.locator("button", has_text="Cancel").click()
    assert page.locator("dialog.accord-dialog[open]").count() == 0
    assert page.locator("[data-version]").first.inner_text() == "1"
    # second click, confirmed: version 2 at once
    clause.locator("button", has_text="Keep “15 km”").click()
    with page.expect_navigation():
        page.locator("dialog.accord-dialog[open] .accord-confirm-yes").click()
    assert "Bracket resolved: version 2." in page.locator(".accord-flash").inner_text()
    clause = _clause(page, "2.1")
    assert clause.locator(".accord-bracket").count() == 0
    assert "a distance of 15 km from the Varna line" in clause.inner_text()
    assert page.locator("[data-version]").first.inner_text() == "2"
    ctx.close()

    # the NVF head of delegation accepts the resolved clause: its badge and the status panel
    # change in place; the select starts empty
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, demo_live, "daria.vol", off_loop)
    page.goto(url)
    page.evaluate("window.__marker = 'same page'")
    awaiting = page.locator('#text-status li[data-party="NVF"]')
    assert "2.1" in awaiting.inner_text()
    clause = _clause(page, "2.1")
    assert clause.locator("select[name=stance]").input_value() == ""
    badge = clause.locator('.stance-badge[data-party="NVF"]')
    assert "stance-none" in badge.get_attribute("class")
    clause.locator("select[name=stance]").select_option("accept")
    clause.locator("button", has_text="Record").click()
    page.locator(".accord-clause .accord-row-note.usa-alert--success").wait_for()
    clause = _clause(page, "2.1")
    badge = clause.locator('.stance-badge[data-party="NVF"]')
    assert "stance-accept" in badge.get_attribute("class")
    assert badge.inner_text().strip().startswith("NVF ✓")
    assert "2.1" not in page.locator('#text-status li[data-party="NVF"]').inner_text()
    assert page.evaluate("window.__marker") == "same page"  # htmx swap, no reload
    # KES's accept of the bracketed text (none in the demo) stays absent: the text changed
    assert "stance-none" in clause.locator('.stance-badge[data-party="KES"]').get_attribute("class")
    ctx.close()
    assert not errors, errors


# --- the journey over a real server (live WebSocket) -------------------------------------------
# Records every WebSocket frame a page receives (window.__frames) before the page's scripts run.
WATCH = """
(() => {
  const Real = window.WebSocket;
  window.__frames = [];
  window.WebSocket = function (url, protocols) {
    const ws = new Real(url, protocols);
    ws.addEventListener("message", (e) => {
      const d = JSON.parse(e.data);
      (d.type === "batch" ? d.frames : [d]).forEach((f) => window.__frames.push(f));
    });
    return ws;
  };
})();
"""


@pytest.fixture(scope="module")
def live_site(tmp_path_factory):
    data = tmp_path_factory.mktemp("nego-e2e")
    env = server_env(data)
    with running(env, free_port(), "--no-worker", log=data / "server.log") as base:
        yield base, env


def _in_server(env, code: str) -> str:
    out = accord(env, "manage", "shell", "-c", code)
    return next(line[4:] for line in out.splitlines() if line.startswith("OUT "))


def _open(browser, base: str, env, username: str, path: str, errors: list[str]):
    session = _in_server(
        env,
        "from django.contrib.auth import get_user_model; from django.test import Client; "
        "from accord.core.auth import MFA_SESSION_KEY; c = Client(); "
        f"c.force_login(get_user_model().objects.get(username={username!r})); "
        "s = c.session; s[MFA_SESSION_KEY] = True; s.save(); print('OUT', s.session_key)",
    )
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    ctx.add_init_script(WATCH)
    ctx.add_cookies([{"name": "sessionid", "value": session, "domain": "127.0.0.1", "path": "/"}])
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(f"{username}: {exc}"))
    page.on(
        "console",
        lambda m: errors.append(f"{username}: {m.text}") if m.type == "error" else None,
    )
    page.goto(base + path)
    page.wait_for_function("() => window.__frames.some((f) => f.type === 'hello')", timeout=15000)
    page.evaluate("window.__marker = 'same page'")
    return ctx, page


def _nvf_cell(page, issue_id: str):
    return page.locator(f'#issue-{issue_id} td[data-party="NVF"]')


def test_state_release_to_one_party_and_withdraw_live(browser, live_site):
    base, env = live_site
    issue_id = _in_server(
        env,
        "from accord.negotiation.models import Issue; "
        "print('OUT', Issue.objects.get(title__startswith='Monitoring').pk)",
    )
    ws, issue_page = "/p/lake-varna/negotiation/", f"/p/lake-varna/negotiation/issues/{issue_id}/"
    errors: list[str] = []
    kes_ctx, kes = _open(browser, base, env, "viktor.kess", ws, errors)  # the one released to
    ard_ctx, ard = _open(browser, base, env, "ana.costa", ws, errors)  # a third party
    nvf_ctx, nvf = _open(browser, base, env, "daria.vol", issue_page, errors)  # the owner
    try:
        for reader in (kes, ard):
            assert "not shared with you" in _nvf_cell(reader, issue_id).inner_text()

        # NVF states its position on the monitoring of the ceasefire
        nvf.select_option("#pos-preferred", "vmm-alone-1")
        nvf.click("label[for=pos-acc-vmm-alone-1]")  # USWDS hides the box, shows the label
        nvf.click("label[for=pos-acc-vmm-with-joint-commission-2]")
        nvf.fill("#pos-salience", "80")
        nvf.fill("#pos-interests", "No foreign commission on our side of the line.")
        nvf.locator("button", has_text="State the position").click()
        nvf.wait_for_load_state("networkidle")
        assert (
            "Your position is recorded (revision 1)." in nvf.locator(".accord-flash").inner_text()
        )

        # … and releases only its preferred option, only to KES
        nvf.click("label[for=rel-scope-preferred]")
        nvf.click("label[for=rel-to-KES]")
        nvf.get_by_role("button", name="Release", exact=True).click()
        nvf.wait_for_load_state("networkidle")
        assert "Released to KES." in nvf.locator(".accord-flash").inner_text()

        # KES's open page shows exactly that part, live (no reload)
        cell = _nvf_cell(kes, issue_id)
        cell.locator("text=Released to you: the preferred option").wait_for(timeout=10000)
        text = cell.inner_text()
        assert "Preferred" in text and "VMM alone" in text
        assert "Acceptable" not in text and "Salience" not in text and "80" not in text
        assert kes.evaluate("window.__marker") == "same page"

        # the third party sees nothing: its cell unchanged, and no notice ever reached it
        ard.wait_for_timeout(1000)
        assert "not shared with you" in _nvf_cell(ard, issue_id).inner_text()
        assert ard.evaluate("window.__frames.filter((f) => f.type === 'notice').length") == 0
        assert ard.evaluate("window.__marker") == "same page"
        # a fresh load agrees
        ard.reload()
        assert "not shared with you" in _nvf_cell(ard, issue_id).inner_text()

        # NVF withdraws the release: a dialog asks first
        nvf.locator("button", has_text="Withdraw the release").click()
        dialog = nvf.locator("dialog.accord-dialog[open]")
        dialog.wait_for()
        assert "Withdraw this release?" in dialog.inner_text()
        with nvf.expect_navigation():
            dialog.locator(".accord-confirm-yes").click()
        assert "is withdrawn" in nvf.locator(".accord-flash").inner_text()
        assert nvf.locator(".accord-release").count() == 0

        # KES loses it at once, on the open page
        _nvf_cell(kes, issue_id).locator("text=not shared with you").wait_for(timeout=10000)
        assert "VMM alone" not in _nvf_cell(kes, issue_id).inner_text()
        assert kes.evaluate("window.__marker") == "same page"
        # the frames said kinds and ids only — never the position's content
        notices = kes.evaluate("window.__frames.filter((f) => f.type === 'notice')")
        assert {n["kind"] for n in notices} >= {
            "negotiation.position.released",
            "negotiation.release.withdrawn",
        }
        assert all(set(n) == {"type", "kind", "ids"} for n in notices)
        assert all(n["ids"] == {"issue": int(issue_id)} for n in notices)
    finally:
        for ctx in (kes_ctx, ard_ctx, nvf_ctx):
            ctx.close()
    assert not errors, errors
