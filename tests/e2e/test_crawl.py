"""Every page, as an ally negotiator, a mediator and a conflict-party member, at 1366 px and
390 px: no Python repr, no sideways scroll on a phone, no console error, no serious or critical
axe-core violation (tests/e2e/crawl.py). Screenshots go under var/screenshots/<member>/.

Runs one real `accord run` (ASGI: every process page keeps its live WebSocket) on a file
SQLite in a temporary data dir, where the demo loads itself."""

from __future__ import annotations

import json

import pytest

from tests.e2e import crawl
from tests.scale.servers import accord, free_port, running, server_env

pytestmark = [pytest.mark.e2e]

MEMBERS = ["ana.costa", "lena.haas", "daria.vol"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data = tmp_path_factory.mktemp("crawl")
    env = server_env(data)
    with running(env, free_port(), "--no-worker", log=data / "server.log") as base:
        yield base, env


def _in_server(env, code: str) -> str:
    """Run Python in the server's database (its data dir), returning what it printed after
    the OUT marker."""
    wrapped = f"import sys; sys.path.insert(0, {str(crawl.REPO)!r}); {code}"
    out = accord(env, "manage", "shell", "-c", wrapped)
    return next(line[4:] for line in out.splitlines() if line.startswith("OUT "))


def _session(env, username: str) -> str:
    return _in_server(
        env,
        "from django.contrib.auth import get_user_model; from django.test import Client; "
        "from accord.core.auth import MFA_SESSION_KEY; c = Client(); "
        f"c.force_login(get_user_model().objects.get(username={username!r})); "
        "s = c.session; s[MFA_SESSION_KEY] = True; s.save(); print('OUT', s.session_key)",
    )


def _context(browser, session: str | None = None):
    context = browser.new_context(locale="en-GB", bypass_csp=True)  # axe is injected inline
    if session:
        context.add_cookies(
            [{"name": "sessionid", "value": session, "domain": "127.0.0.1", "path": "/"}]
        )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


@pytest.mark.parametrize("username", MEMBERS)
def test_every_page_reads_well_for(username, browser, site):
    base, env = site
    urls = json.loads(
        _in_server(
            env,
            f"import json; from tests.e2e.crawl import page_urls; "
            f"print('OUT', json.dumps(page_urls({username!r})))",
        )
    )
    assert len(urls) >= 15, urls
    context, page, errors = _context(browser, _session(env, username))
    try:
        report = crawl.CrawlReport(member=username, shots=crawl.SHOTS / username)
        for path in urls:
            for width in crawl.WIDTHS:
                crawl.check_page(page, base + path, width, report, errors)
        print(f"\ncrawl {username}: {report.pages} page views, screenshots in {report.shots}")
        assert report.pages >= 2 * 12
        assert not report.problems, "\n".join(str(p) for p in report.problems)
    finally:
        context.close()


def test_sign_in_page_reads_well(browser, site):
    base, _ = site
    context, page, errors = _context(browser)
    try:
        report = crawl.CrawlReport(member="signed-out", shots=crawl.SHOTS / "signed-out")
        for width in crawl.WIDTHS:
            crawl.check_page(page, base + "/login/", width, report, errors)
        assert report.pages == 2
        assert not report.problems, "\n".join(str(p) for p in report.problems)
    finally:
        context.close()
