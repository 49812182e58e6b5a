"""End-to-end in Chromium, the journey of issue #16: the chair runs a meeting — records
attendance, puts a proposal to the parties and closes it with the verdict computed by Accord,
writes the minutes, circulates and finalises them (hash shown) — and another party's member
does not find the caucus."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.test_negotiation_browser import _sign_in

pytestmark = [pytest.mark.e2e]


def _meeting(off_loop) -> int:
    from django.utils import timezone

    from accord.core.demo import member_viewer
    from accord.core.models import Process
    from accord.meetings import services

    def make():
        p = Process.objects.get(slug="lake-varna")
        lena = member_viewer(p, "lena.haas")
        start = timezone.now() - timedelta(minutes=10)
        m = services.create_meeting(
            lena,
            kind="working_group",
            title="Working group on crossings",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            chair_id=lena.member.pk,
            rapporteur_id=lena.member.pk,
            parties=["ARD", "KES", "MED"],
        )
        return m.pk

    return off_loop(make)


def test_chair_runs_a_meeting(browser, demo_live, off_loop):
    mid = _meeting(off_loop)
    url = f"{demo_live}/p/lake-varna/meetings/{mid}/"
    errors: list[str] = []
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, demo_live, "lena.haas", off_loop)
    page.goto(url)
    # attendance
    page.select_option("#t-member", label="Ana Costa (ARD)")
    page.check("#t-status-present", force=True)
    with page.expect_navigation():
        page.click("button:has-text('Record attendance')")
    row = page.locator("#attendance tbody tr", has_text="Ana Costa")
    assert "Present" in row.inner_text()
    # a decision by consensus, closed: the verdict comes from Accord
    page.click("summary:has-text('Put a proposal to the parties')")
    page.fill("#d-title", "Open the northern crossing")
    page.fill("#d-text", "The northern crossing opens to civilians on Monday.")
    page.select_option("#d-rule", "consensus")
    with page.expect_navigation():
        page.click("button:has-text('Open the decision')")
    assert "pending" in page.locator("h1").inner_text().lower()
    with page.expect_navigation():
        page.click("button:has-text('Close the decision')")
    assert "adopted" in page.locator("h1").inner_text().lower()
    assert "Adopted" in page.locator("#verdict-h + p").inner_text()
    # minutes: write, circulate, finalise
    page.goto(url)
    page.click("summary:has-text('Start minutes')")
    page.fill("#n-body", "The group agreed to **open the northern crossing**.")
    with page.expect_navigation():
        page.click("button:has-text('Save the draft')")
    assert "open the northern crossing" in page.locator(".accord-minutes").inner_text()
    with page.expect_navigation():
        page.click("button:has-text('Circulate for comment')")
    assert "circulated for comment" in page.locator("h1").inner_text().lower()
    with page.expect_navigation():
        page.click("button:has-text('Finalise the minutes')")
    assert "final" in page.locator("h1").inner_text().lower()
    assert "SHA-256 of the text" in page.content()
    assert page.locator("#e-body").count() == 0  # no editing of final minutes
    ctx.close()
    # another party's member: the demo caucus does not exist for them
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = ctx.new_page()
    _sign_in(page, demo_live, "daria.vol", off_loop)
    page.goto(f"{demo_live}/p/lake-varna/meetings/")
    assert "caucus with Kestria" not in page.content()
    assert "Working group on crossings" in page.content()
    ctx.close()
    assert not errors, errors


def test_a_dispute_climbs_the_ladder_and_keeps_its_confidences(browser, demo_live, off_loop):
    """A head of delegation raises a dispute against another party on the page and files a
    confidential submission; the clock moves it up the ladder; the other disputing party reads
    the submission (at 390 px), a third party reads the dispute but not the submission."""
    from django.utils import timezone

    from accord.meetings import services

    errors: list[str] = []
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, demo_live, "viktor.kess", off_loop)
    page.goto(f"{demo_live}/p/lake-varna/disputes/")
    page.fill("#d-title", "Shelling near the eastern crossing")
    page.fill("#d-text", "Positions of the Front shelled the crossing on the 3rd.")
    page.select_option("#d-against", "NVF")
    with page.expect_navigation():
        page.click("button:has-text('Raise the dispute')")
    assert "/disputes/" in page.url and page.url.rstrip("/").split("/")[-1].isdigit()
    dispute_url = page.url
    assert "Shelling near the eastern crossing" in page.locator("h1").inner_text()
    assert page.locator(".usa-step-indicator__current-step").inner_text() == "1"
    page.click("summary:has-text('Make a submission at this step')")
    page.fill("#s-text", "Crater analysis attached: 120 mm mortar, fired from the north.")
    page.click("label[for=s-conf]")
    assert page.is_checked("#s-conf")
    with page.expect_navigation():
        page.click("button:has-text('File the submission')")
    assert "Crater analysis attached" in page.content()
    ctx.close()

    # the step's clock runs out: the dispute moves up to the ministers
    moved = off_loop(lambda: services.run_dispute_clocks(timezone.now() + timedelta(days=16)))
    assert any(d.title == "Shelling near the eastern crossing" for d in moved)

    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, demo_live, "daria.vol", off_loop)
    page.goto(dispute_url)
    assert page.locator(".usa-step-indicator__current-step").inner_text() == "2"
    assert "Crater analysis attached" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ctx.close()

    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, demo_live, "ana.costa", off_loop)
    page.goto(dispute_url)
    assert "Shelling near the eastern crossing" in page.locator("h1").inner_text()
    assert "Crater analysis attached" not in page.content()
    ctx.close()
    assert not errors, errors
