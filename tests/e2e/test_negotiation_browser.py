"""End-to-end: the mediator resolves a bracket; a delegation's stance badge updates (htmx)."""

from __future__ import annotations

import pytest

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


def test_mediator_resolves_bracket_and_delegation_stance_badge_updates(
    browser, demo_live, off_loop
):
    url = _text_url(demo_live, off_loop)
    # the Special Envoy keeps "15 km" in the withdrawal clause (2.1)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, demo_live, "lena.haas", off_loop)
    page.goto(url)
    clause = page.locator(".clause", has=page.locator(".clause-number", has_text="2.1"))
    assert clause.locator(".bracket").count() == 1
    clause.locator("button", has_text="Keep “15 km”").click()
    page.wait_for_load_state("networkidle")
    assert "Bracket resolved: version 2." in page.locator(".flash").inner_text()
    clause = page.locator(".clause", has=page.locator(".clause-number", has_text="2.1"))
    assert clause.locator(".bracket").count() == 0
    assert "a distance of 15 km from the Varna line" in clause.inner_text()
    assert page.locator("[data-version]").inner_text() == "2"
    ctx.close()

    # the NVF head of delegation accepts the resolved clause: only its badge changes, in place
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, demo_live, "daria.vol", off_loop)
    page.goto(url)
    page.evaluate("window.__marker = 'same page'")
    clause = page.locator(".clause", has=page.locator(".clause-number", has_text="2.1"))
    badge = clause.locator('.stance-badge[data-party="NVF"]')
    assert "stance-none" in badge.get_attribute("class")
    clause.locator("select[name=stance]").select_option("accept")
    clause.locator("button", has_text="Record").click()
    page.locator(".clause .row-note.ok").wait_for()
    clause = page.locator(".clause", has=page.locator(".clause-number", has_text="2.1"))
    badge = clause.locator('.stance-badge[data-party="NVF"]')
    assert "stance-accept" in badge.get_attribute("class")
    assert badge.inner_text().strip() == "NVF ✓"
    assert page.evaluate("window.__marker") == "same page"  # htmx swap, no reload
    # KES's accept of the bracketed text (none in the demo) stays absent: the text changed
    assert "stance-none" in clause.locator('.stance-badge[data-party="KES"]').get_attribute("class")
    ctx.close()
    assert not errors, errors
