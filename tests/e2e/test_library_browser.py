"""End-to-end in Chromium: the library as a delegate uses it.

Ana Costa (ARD) searches PA-X for ceasefire agreements with DDR, opens one, compares the Dayton
case study with past agreements, and records an observation in the lessons register that the
NVF delegate (Daria Vol) cannot see. Screenshots of the pages go to docs/img/library-*.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_negotiation_browser import _sign_in

pytestmark = [pytest.mark.e2e]
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def test_search_compare_and_record_a_lesson(browser, demo_live, off_loop):
    errors: list[str] = []
    ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, demo_live, "ana.costa", off_loop)
    lib = f"{demo_live}/p/lake-varna/library"

    page.goto(f"{lib}/agreements/")
    assert "generated sample rows" in page.inner_text(".usa-alert--info")
    page.locator("summary", has_text="Security").click()
    page.click("label[for=f-topic-ceasefire]")
    page.click("label[for=f-topic-ddr]")
    page.fill("#f-since", "2000-01-01")
    page.click("button:has-text('Search')")
    assert page.inner_text("#results-h") == "5 agreements found"
    page.screenshot(path=str(IMG / "library-agreements.png"), full_page=True)
    page.click("a:has-text('Comprehensive Peace Agreement (Sudan)')")
    assert "Sudan People's Liberation Movement" in page.inner_text("main")
    assert "Military power sharing" in page.inner_text("#coding-h + p + div")

    page.goto(f"{lib}/cases/dayton/")
    page.click("a:has-text('Compare with past agreements')")
    assert "Agreements coded most like Dayton" in page.inner_text("#res-h")
    first = page.locator("table.library-results tbody tr").first.inner_text()
    assert "General Framework Agreement" in first  # the sample Dayton row ranks first
    page.screenshot(path=str(IMG / "library-compare.png"), full_page=True)

    page.goto(f"{lib}/lessons/")
    page.fill("#o-title", "Maps exchanged in three projections")
    page.fill("#o-text", "Each delegation brought its own projection; the line moved 300 m.")
    page.click("label[for=o-label-rel-ARD]")
    page.select_option("#o-label-level", "2")
    page.click("button:has-text('Record the observation')")
    page.wait_for_url("**/lessons/*/")
    assert "Next: identify the lesson" in page.inner_text("main")
    lesson_url = page.url
    page.screenshot(path=str(IMG / "library-lesson.png"), full_page=True)
    assert not errors
    ctx.close()

    other = browser.new_context(viewport={"width": 390, "height": 800})
    p2 = other.new_page()
    _sign_in(p2, demo_live, "daria.vol", off_loop)
    p2.goto(f"{lib}/lessons/")
    assert "Maps exchanged" not in p2.inner_text("main")
    assert p2.goto(lesson_url).status == 404
    other.close()
