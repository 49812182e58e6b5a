"""Every page, as an ally negotiator, a mediator and a conflict-party member, at 1366 px and
390 px: no Python repr, no sideways scroll on a phone, no console error, no serious or critical
axe-core violation (tests/e2e/crawl.py). Screenshots go under var/screenshots/<member>/.

Runs one real `accord run` (ASGI: every process page keeps its live WebSocket) on a file
SQLite in a temporary data dir, where the demo loads itself."""

from __future__ import annotations

import json
import os

import pytest

from tests.e2e import crawl
from tests.scale.servers import accord, free_port, running, server_env

pytestmark = [pytest.mark.e2e]

# an ally negotiator, the mediator, a conflict-party head of delegation, the coordinator (who
# alone sees the administration pages)
MEMBERS = ["ana.costa", "lena.haas", "daria.vol", "amara.okafor"]


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
    assert len(urls) >= 15 or os.environ.get("ACCORD_CRAWL_ONLY"), urls
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


# The user guide's pictures: (file in docs/img, member, page, width). Written only with
# ACCORD_SCREENSHOT=1; without it the pages are still opened and must answer.
GUIDE_SHOTS = [
    ("dashboard.png", "ana.costa", "/p/lake-varna/", 1366),
    ("channel.png", "ana.costa", "/p/lake-varna/channels/{plenary}/", 1366),
    ("channel-phone.png", "daria.vol", "/p/lake-varna/channels/{plenary}/", 390),
    ("workspace.png", "ingrid.dahl", "/p/lake-varna/negotiation/", 1366),
    ("text.png", "ingrid.dahl", "/p/lake-varna/negotiation/text/{doc}/", 1366),
    ("analysis-run.png", "lena.haas", "/p/lake-varna/negotiation/analysis/{run}/", 1366),
    ("timeline.png", "ingrid.dahl", "/p/lake-varna/timeline/", 1366),
    ("verify.png", "ingrid.dahl", "/p/lake-varna/verify/", 1366),
    ("members.png", "amara.okafor", "/p/lake-varna/members/", 1366),
]


def test_user_guide_pictures(browser, site):
    import os

    base, env = site
    ids = json.loads(
        _in_server(
            env,
            "import json; from accord.comms.models import Channel; "
            "from accord.negotiation.models import AnalysisRun, Document; "
            "print('OUT', json.dumps({'plenary': Channel.objects.get(kind='plenary').pk, "
            "'doc': Document.objects.first().pk, 'run': AnalysisRun.objects.first().pk}))",
        )
    )
    write = os.environ.get("ACCORD_SCREENSHOT") == "1"
    sessions: dict[str, str] = {}
    for name, username, path, width in GUIDE_SHOTS:
        if username not in sessions:
            sessions[username] = _session(env, username)
        context, page, errors = _context(browser, sessions[username])
        try:
            page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
            response = page.goto(base + path.format(**ids))
            assert response is not None and response.status == 200, (name, path)
            page.wait_for_timeout(300)
            png = page.screenshot(full_page=False)
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            assert not errors, (name, errors)
            if write:
                (crawl.REPO / "docs" / "img" / name).write_bytes(png)
        finally:
            context.close()
