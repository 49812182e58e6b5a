"""Browser journey of issue #18 in Chromium: an analyst assesses a claim; the communications
officer and heads of delegation of the three allies approve a joint line; it publishes and the
public page (no sign-in) carries its ClaimReview."""

from __future__ import annotations

import hashlib
import json

import pytest

pytestmark = [pytest.mark.e2e]
SLUG = "lake-varna"


def _sign_in(page, base: str, username: str, off_loop) -> None:
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
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": key, "domain": host, "path": "/"}])


def test_assess_approve_publish(demo_live, page, off_loop):
    from accord.verification.models import Claim, PublicLine

    base = demo_live
    echo = off_loop(lambda: Claim.objects.get(text__startswith="Dozens of civilians").pk)

    # the analyst assesses the renewed rumour
    _sign_in(page, base, "sophie.martin", off_loop)
    page.goto(f"{base}/p/{SLUG}/verification/claims/{echo}/")
    page.select_option("#as-status", "false")
    page.select_option("#as-cred", "5")
    page.select_option("#as-word", "very unlikely")
    page.fill("#as-prob", "10")
    page.fill("#as-why", "Same origin as the debunked bridge rumour.")
    page.click("text=Record the assessment")
    assert "The assessment was recorded" in page.content()
    assert page.locator("strong", has_text="F5").count() == 1

    # ... keeps a screenshot as evidence under the mediation-only label, says what the claim
    # concerns, and opens the verification report, whose banner covers the evidence
    frame = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    page.set_input_files(
        "#ev-file", files=[{"name": "frame.png", "mimeType": "image/png", "buffer": frame}]
    )
    page.fill("#ev-note", "Geolocated frame of the bridge")
    page.click("text=Keep the file")
    assert "The evidence was kept" in page.content()
    digest = hashlib.sha256(frame).hexdigest()
    assert page.locator("code", has_text=digest).count() == 1
    page.select_option("#c-concerns", label="Party: Northern Varna Front")
    page.click("text=Add what it concerns")
    assert "Northern Varna Front" in page.locator("dl").inner_text()
    page.click("text=print it")
    assert digest in page.content() and "Verification report" in page.content()
    assert page.locator(".banner").first.inner_text().startswith("RESTRICTED")

    # Norlund's press counsellor drafts a public line on the public rumour
    rumour = off_loop(lambda: Claim.objects.get(text__startswith="Massacre at the Varna").pk)
    _sign_in(page, base, "erik.lund", off_loop)
    page.goto(f"{base}/p/{SLUG}/verification/lines/")
    page.fill("#l-title", "Browser line")
    page.fill("#l-en", "There was no massacre at the Varna bridge.")
    page.click(f"label[for=l-c-{rumour}]")
    page.click("label[for=l-public]")
    page.click("text=Circulate to the allies")
    assert "circulated to every ally" in page.content()
    line_url = page.url

    for who in ("erik.lund", "james.whitfield", "marc.dubois"):
        _sign_in(page, base, who, off_loop)
        page.goto(line_url)
        page.click("text=Send the response")
        assert "Your party's response was recorded" in page.content()
    assert "approved" in page.locator("h1").inner_text().lower()
    page.click("text=Publish the line")
    assert "The line was published" in page.content()
    assert off_loop(lambda: PublicLine.objects.get(title="Browser line").status) == "published"

    # anyone, signed out, reads it with its ClaimReview
    page.context.clear_cookies()
    page.goto(f"{base}/p/{SLUG}/verification/public/")
    assert "Browser line" in page.content()
    blobs = page.locator('script[type="application/ld+json"]').all_text_contents()
    reviews = [json.loads(b) for b in blobs]
    assert any(
        r["@type"] == "ClaimReview" and r["reviewRating"]["alternateName"] == "False"
        for r in reviews
    )
