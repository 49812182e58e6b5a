"""Browser journey of the alignment app: the ARD liaison draws a patrol on the map with the
drawing tools, sees its conflict with the zone of separation, acknowledges the zone's current
version and approves the patrol; the mediator sees the conflict only because the patrol is
released to the mediation (and never the ARD-only demo patrol); NVF sees neither.

With ACCORD_SCREENSHOT=1 it also writes the user guide's pictures docs/img/alignment-*.png."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest

from tests.e2e import crawl
from tests.e2e.test_crawl import _context, _in_server, _session, site  # noqa: F401

pytestmark = [pytest.mark.e2e]

P = "/p/lake-varna/alignment"


def _shot(page, name: str) -> None:
    png = page.screenshot(full_page=False)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("ACCORD_SCREENSHOT") == "1":
        (crawl.REPO / "docs" / "img" / name).write_bytes(png)


def test_liaison_draws_sees_conflict_acknowledges_approves(browser, site):  # noqa: F811
    base, env = site
    ids = json.loads(
        _in_server(
            env,
            "import json; from accord.alignment.models import Action, Constraint; "
            "print('OUT', json.dumps({'zos': Constraint.objects.get(kind='zone_of_separation').pk, "
            "'patrol': Action.objects.get(title__startswith='Confidence patrol Bravo').pk}))",
        )
    )
    context, page, errors = _context(browser, _session(env, "col.marsh"))
    try:
        page.set_viewport_size({"width": 1366, "height": 900})
        page.goto(f"{base}{P}/map/")
        page.wait_for_function(
            "document.getElementById('alignment-map-status').textContent.startsWith('Shown')"
        )
        page.wait_for_timeout(800)  # the map's fit-to-layers animation
        _shot(page, "alignment-map.png")
        # Draw a line across the ceasefire line with Geoman's polyline tool.
        page.evaluate("document.getElementById('alignment-map').scrollIntoView({block: 'start'})")
        page.click(".leaflet-pm-icon-polyline")
        pts = page.evaluate(
            """() => { const m = document.getElementById('alignment-map').accordMap;
                 const r = m.getContainer().getBoundingClientRect();
                 return [[28.83, 45.16], [28.835, 45.24]].map(([x, y]) => {
                   const p = m.latLngToContainerPoint([y, x]); return [r.left + p.x, r.top + p.y]; }); }"""
        )
        page.mouse.click(*pts[0])
        page.wait_for_timeout(200)
        page.mouse.click(*pts[1])
        page.wait_for_timeout(300)
        page.mouse.click(*pts[1])  # clicking the last vertex again finishes the line
        page.wait_for_function(
            "document.getElementById('a-geometry').value.length > 0", timeout=5000
        )
        geometry = json.loads(page.input_value("#a-geometry"))
        assert geometry["type"] == "LineString" and len(geometry["coordinates"]) == 2
        page.fill("#a-title", "Drawn patrol across the line")
        page.select_option("#a-kind", "patrol")
        page.fill("#a-buffer", "150")
        from datetime import datetime

        start = datetime.now() + timedelta(days=1)
        page.fill("#a-start", start.strftime("%Y-%m-%dT%H:00"))
        page.fill("#a-end", (start + timedelta(hours=4)).strftime("%Y-%m-%dT%H:00"))
        page.click("label[for='a-label-rel-MED']")  # released to the mediation too
        page.click("button:has-text('Plan the action')")
        page.wait_for_url("**/actions/*/")
        body = page.inner_text("main")
        assert "conflict" in body.lower() and "zone of separation" in body
        assert "version 2" in body
        page.evaluate("document.getElementById('ack-h').scrollIntoView({block: 'start'})")
        _shot(page, "alignment-action.png")
        page.click("button:has-text('Acknowledge version 2')")
        page.wait_for_load_state()
        assert "Nothing:" in page.inner_text("main")
        page.click("button:has-text('Approve')")
        page.wait_for_load_state()
        assert "approved" in page.inner_text("h1").lower()
        page.goto(f"{base}{P}/matrix/")
        page.evaluate("document.querySelector('h1').scrollIntoView({block: 'start'})")
        assert page.locator("td.accord-cell--conflict").count() >= 1
        _shot(page, "alignment-matrix.png")
        assert not errors, errors
    finally:
        context.close()

    # The mediator: the drawn patrol (REL TO ARD, MED) and its conflict, never the ARD-only one.
    context, page, errors = _context(browser, _session(env, "lena.haas"))
    try:
        page.goto(f"{base}{P}/constraints/{ids['zos']}/")
        body = page.inner_text("main")
        assert "Drawn patrol across the line" in body
        assert "Confidence patrol Bravo" not in body
        assert page.goto(f"{base}{P}/actions/{ids['patrol']}/").status == 404
    finally:
        context.close()

    # NVF: neither patrol, no conflict, anywhere it looks.
    context, page, errors = _context(browser, _session(env, "daria.vol"))
    try:
        for path in (f"constraints/{ids['zos']}/", "matrix/", "actions/", "map/data.json"):
            page.goto(f"{base}{P}/{path}")
            text = page.content()
            assert "Drawn patrol" not in text and "Confidence patrol" not in text, path
    finally:
        context.close()


@pytest.mark.parametrize("username", ["col.marsh", "viktor.kess"])
def test_map_time_slider_filters_by_time_keyboard_and_phone(browser, site, username):  # noqa: F811
    """The slider shows only layers in force or under way at the chosen time — the same counts
    the server's own GeoJSON gives for that time — is worked by keyboard, names the time with
    its zone, and fits a 390 px phone without sideways scrolling."""
    base, env = site
    # The layers this member may read, with their windows, from the server's read door.
    data = json.loads(
        _in_server(
            env,
            "import json; from accord.alignment import queries; from accord.core.demo import "
            "member_viewer; from accord.core.models import Process; "
            f"v = member_viewer(Process.objects.get(slug='lake-varna'), {username!r}); "
            "fc = queries.map_geojson(v); print('OUT', json.dumps([(f['properties']['layer'], "
            "f['properties']['start'], f['properties']['end'], f['properties'].get('windows')) "
            "for f in fc['features']]))",
        )
    )
    from datetime import datetime

    def expected(t: datetime) -> str:
        n = {"zone": 0, "action": 0, "conflict": 0}
        for layer, s, e, windows in data:
            if (
                (s is None or datetime.fromisoformat(s) <= t)
                and (e is None or t < datetime.fromisoformat(e))
                and (
                    not windows
                    or any(
                        datetime.fromisoformat(a) <= t < datetime.fromisoformat(b)
                        for a, b in windows
                    )
                )
            ):
                n[layer] += 1
        return f"{n['zone']} zone(s), {n['action']} action(s) and {n['conflict']} conflict(s)"

    context, page, errors = _context(browser, _session(env, username))
    try:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}{P}/map/")
        page.wait_for_function(
            "document.getElementById('alignment-map-status').textContent.startsWith('Shown')"
        )
        assert page.is_visible("#map-time") and page.is_visible("label[for='map-time']")
        assert not page.is_checked("#map-time-on")
        page.focus("#map-time")
        page.keyboard.press("Home")
        page.keyboard.press("PageUp")  # a day later
        page.keyboard.press("ArrowRight")  # and an hour
        assert page.is_checked("#map-time-on")
        assert page.input_value("#map-time") == "25"
        page.dispatch_event("#map-time", "change")  # USWDS's own callout must not win
        page.wait_for_timeout(50)
        assert page.get_attribute("#map-time", "aria-valuetext") == page.inner_text(
            "#map-time-words"
        )
        words = page.inner_text("#map-time-words")
        assert "UTC" in words and words.split(",")[0] in {
            "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
        }  # fmt: skip
        # Every hour of the range: the map's counts are the server's for that time.
        hours = int(page.get_attribute("#map-time", "max"))
        for value in sorted({0, 25, hours // 3, hours // 2, hours - 1, *range(20, hours, 17)}):
            page.evaluate(
                f"""() => {{ const r = document.getElementById('map-time'); r.value = '{value}';
                     r.dispatchEvent(new Event('input', {{bubbles: true}})); }}"""
            )
            t_ms = page.evaluate(
                "() => Date.parse(document.getElementById('map-time').getAttribute('data-chosen'))"
            )
            t = datetime.fromtimestamp(t_ms / 1000).astimezone()
            status = page.inner_text("#alignment-map-status")
            assert expected(t) in status, (value, status)
        page.click("label[for='map-time-on']")  # the USWDS checkbox: its label is the target
        assert not page.is_checked("#map-time-on")
        n = {k: sum(1 for row in data if row[0] == k) for k in ("zone", "action")}
        assert page.inner_text("#alignment-map-status").startswith(
            f"Shown: {n['zone']} zone(s), {n['action']} action(s)"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert not errors, errors
    finally:
        context.close()
