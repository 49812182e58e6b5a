"""Browser journey: a monitor files a violation report that goes through every step to the
board, each step taken by whoever may take it on its page; the coordinator then sees the
implementation rate move when an analyst scores a provision. Runs a real `accord run`."""

from __future__ import annotations

import pytest

from tests.scale.servers import accord, free_port, running, server_env

pytestmark = [pytest.mark.e2e]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data = tmp_path_factory.mktemp("implementation-e2e")
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


def test_violation_to_the_board_and_the_rate_moves(site, browser):
    base, env = site
    errors: list[str] = []
    pages = {}

    def as_member(username: str):
        if username not in pages:
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
            ctx.add_cookies(
                [
                    {
                        "name": "sessionid",
                        "value": session_of(env, username),
                        "domain": "127.0.0.1",
                        "path": "/",
                    }
                ]
            )
            pg = ctx.new_page()
            pg.on("pageerror", lambda exc: errors.append(str(exc)))
            pages[username] = pg
        return pages[username]

    # the chief monitor records the allegation
    tomas = as_member("tomas.ruiz")
    tomas.goto(base + "/p/lake-varna/implementation/violations/")
    tomas.fill("#v-title", "Mortar fire at the western ford")
    tomas.fill("#v-allegation", "A patrol heard and saw mortar fire landing near the western ford.")
    tomas.select_option("#v-source", "mission")
    tomas.select_option("#v-party", "NVF")
    with tomas.expect_navigation():
        tomas.click("button:has-text('Record the allegation')")
    url = tomas.url
    assert "Allegation received ✓" in tomas.inner_text("main")
    assert tomas.locator('input[name="step"]').count() == 0  # the chair tasks, not the monitor

    def step(username: str, words: str, fill=None):
        pg = as_member(username)
        pg.goto(url)
        assert f"Next step: {words}" in pg.inner_text("main")
        if fill:
            fill(pg)
        with pg.expect_navigation():
            pg.click(f"button:has-text('Record: {words}')")
        assert f"{words[0].upper()}{words[1:]} ✓" in pg.inner_text("main")

    def report(pg):
        for sel, text in [
            ("#r-background", "Quiet sector since the transfer of authority."),
            ("#r-aim", "Establish the facts."),
            ("#r-method", "Site visit and interviews."),
            ("#r-findings", "Four mortar impacts from the north."),
            ("#r-rec", "The Front to report within 30 days."),
        ]:
            pg.fill(sel, text)
        pg.select_option("#r-conclusion", "violation")
        pg.select_option("#r-party", "NVF")
        pg.fill("#r-article", "Article 1.1")

    step("lena.haas", "preliminary investigation tasked by the chair")
    step("tomas.ruiz", "team site visit and interviews")
    step("tomas.ruiz", "investigation report")
    step("tomas.ruiz", "violation report", report)
    step("lena.haas", "endorsed by the technical committee")
    step("amara.okafor", "endorsed by the board")
    amara = as_member("amara.okafor")
    assert "VERIFIED" in amara.inner_text("main").upper()
    assert "Violation by a named party: NVF, in breach of Article 1.1" in amara.inner_text("main")

    # the coordinator reads the rate; an analyst scores the review provision higher; it moves
    amara.goto(base + "/p/lake-varna/implementation/")
    amara.click("a:has-text('Lake Varna Ceasefire Agreement')")
    amara.click("a:has-text('Implementation scores')")
    scores_url = amara.url
    before = amara.locator("table >> nth=0 >> tbody tr >> nth=1 >> td >> nth=0").inner_text()
    sophie = as_member("sophie.martin")
    sophie.goto(scores_url)
    sophie.select_option(
        "#s-prov", label=sophie.locator("#s-prov option", has_text="7.1").inner_text()
    )
    sophie.fill("#s-period", "2")
    sophie.click("label[for=s-score-3]")
    sophie.fill("#s-evidence", "The Joint Commission held its review.")
    with sophie.expect_navigation():
        sophie.click("button:has-text('Record the score')")
    amara.goto(scores_url)
    after = amara.locator("table >> nth=0 >> tbody tr >> nth=1 >> td >> nth=0").inner_text()
    assert before.startswith("70 %") and after.startswith("78 %"), (before, after)
    assert not errors, errors
