"""End-to-end: sign-in, the classification banner, TOTP enrolment, htmx row edits, screenshot."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest

from accord.core.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e]
REPO = Path(__file__).resolve().parents[2]


def sign_in(page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_ana_costa_sees_dashboard_with_banner(page, demo_live):
    sign_in(page, demo_live, "ana.costa")
    assert page.url == f"{demo_live}/"
    assert page.get_by_role("heading", name="Your processes").is_visible()
    page.click("text=Open dashboard")
    page.wait_for_url(f"{demo_live}/p/lake-varna/")
    banners = page.locator("div.banner")
    assert banners.count() == 2
    assert banners.first.inner_text().strip() == "CONFIDENTIAL // REL TO ARD"
    assert banners.first.is_visible()
    # the top banner stays in view when the page scrolls
    page.mouse.wheel(0, 2000)
    page.wait_for_timeout(100)
    assert banners.first.bounding_box()["y"] <= 1
    assert page.locator("table.usa-table >> text=Col. Richard Marsh").is_visible()
    # recent activity in words, the object linked
    activity = page.locator("table.accord-activity")
    assert activity.locator("tbody tr").count() >= 5
    assert activity.locator("tbody a.usa-link, tbody a").first.is_visible()
    # htmx loaded from our own static files (CSP: script-src 'self')
    assert page.evaluate("typeof window.htmx") == "object"
    # sign out from the header (a POST form)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/login/$"))


def test_wrong_password_in_browser(page, demo_live):
    sign_in(page, demo_live, "ana.costa", "not-the-password")
    assert "/login/" in page.url
    assert page.get_by_role("alert").inner_text().startswith("Unknown username or wrong password")


def test_lena_haas_enrols_totp_in_browser(page, demo_live):
    sign_in(page, demo_live, "lena.haas")
    assert "/mfa/" in page.url
    assert page.get_by_role("heading", name="Set up two-factor authentication").is_visible()
    assert page.locator("figure.qr svg").is_visible()
    secret = page.locator("code.secret").get_attribute("data-secret")
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret)
    # a wrong code first: clear message, same secret
    page.fill("input[name=code]", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.click("text=Confirm and enable")
    assert "not valid" in page.get_by_role("alert").inner_text()
    assert page.locator("code.secret").get_attribute("data-secret") == secret
    # the right code
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("text=Confirm and enable")
    assert page.get_by_role("heading", name="Two-factor authentication is on").is_visible()
    assert page.locator("ul.recovery-codes li").count() == 10
    page.click("text=Continue")
    page.wait_for_url(f"{demo_live}/")
    page.click("text=Open dashboard")
    page.wait_for_url(f"{demo_live}/p/lake-varna/")
    assert page.locator(".accord-you dd", has_text=re.compile(r"^Special Envoy$")).is_visible()


def _force_session(page, base: str, username: str, off_loop) -> None:
    """Sign a browser in directly (second factor passed) via a server-side session."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from accord.core.auth import MFA_SESSION_KEY

    def make_session():
        c = Client()
        c.force_login(get_user_model().objects.get(username=username))
        s = c.session
        s[MFA_SESSION_KEY] = True
        s.save()
        return s

    s = off_loop(make_session)
    host = base.split("://", 1)[1].split(":")[0]
    page.context.add_cookies(
        [{"name": "sessionid", "value": s.session_key, "domain": host, "path": "/"}]
    )


def test_coordinator_edits_row_with_htmx(page, demo_live, off_loop):
    _force_session(page, demo_live, "amara.okafor", off_loop)
    page.goto(f"{demo_live}/p/lake-varna/members/")
    assert page.get_by_role("heading", name="Members of Lake Varna Ceasefire Talks").is_visible()
    row = page.locator("tbody", has=page.locator("text=erik.lund"))
    page.evaluate("window.__marker = 'same page'")  # survives only if there is no full reload
    row.get_by_role("button", name="Change Erik Lund").click()
    row.get_by_label("Title").fill("Senior press counsellor")
    row.get_by_label("Clearance").select_option(label="CONFIDENTIAL")
    row.get_by_role("button", name="Save changes").click()
    saved = page.locator("tbody", has=page.locator("text=erik.lund")).locator(".usa-alert--success")
    saved.wait_for()
    assert "saved" in saved.inner_text()
    assert page.evaluate("window.__marker") == "same page"
    row = page.locator("tbody", has=page.locator("text=erik.lund"))
    assert "Senior press counsellor" in row.inner_text()
    assert "CONFIDENTIAL" in row.inner_text()
    # an error comes back into the row, with the message, the form open, nothing written
    me = page.locator("tbody", has=page.get_by_text("amara.okafor", exact=True))
    me.get_by_role("button", name="Change Amara Okafor").click()
    me.get_by_label("Status").select_option("no")
    me.get_by_role("button", name="Save changes").click()
    alert = page.locator("tbody", has=page.get_by_text("amara.okafor", exact=True)).locator(
        ".usa-alert--error"
    )
    alert.wait_for()
    assert "cannot deactivate yourself" in alert.inner_text().lower()
    assert (
        page.get_by_role("button", name="Change Amara Okafor").get_attribute("aria-expanded")
        == "true"
    )


def test_verify_now_on_a_tampered_database_names_the_act(page, demo_live, off_loop):
    """Tamper a row behind the application's back; Verify now names the act it breaks."""

    def tamper():
        from accord.comms.models import Message
        from accord.ledger.models import Entry

        msg = Message.objects.filter(channel__name="Plenary").order_by("pk").first()
        Message.objects.filter(pk=msg.pk).update(body="No shots were fired.")  # not via Accord
        entry = Entry.objects.get(
            subject_type="comms.message", subject_id=str(msg.pk), action="message.post"
        )
        return entry.seq, msg.sender.user.get_full_name()

    seq, author = off_loop(tamper)
    _force_session(page, demo_live, "ana.costa", off_loop)
    page.goto(f"{demo_live}/p/lake-varna/verify/")
    page.get_by_role("button", name="Verify now").click()
    result = page.locator("#verify-status .usa-alert--error")
    result.wait_for(timeout=30_000)
    said = result.inner_text()
    assert "The record does not hold" in said
    assert f"Act no. {seq}" in said and author in said and "posted a message in Plenary" in said
    assert "changed in the database outside Accord" in said
    assert "No shots were fired" not in said
