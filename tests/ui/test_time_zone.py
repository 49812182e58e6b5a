"""The reader's time zone: chosen on the account page, saved, and followed at once by the
session (core.middleware.TimeZoneMiddleware) on every page."""

from __future__ import annotations

import pytest

from accord.core import services
from accord.core.middleware import TZ_SESSION_KEY
from accord.core.models import Preferences

pytestmark = pytest.mark.django_db


def test_choosing_a_zone_changes_every_time_shown(demo, client_for, member):
    c = client_for("ingrid.dahl")
    page = c.get("/account/").content.decode()
    assert 'class="usa-combo-box"' in page and 'value="Europe/Oslo"' in page
    assert "Oslo (Europe)" in page
    dash = c.get("/p/lake-varna/").content.decode()
    assert " UTC</time>" in dash
    r = c.post("/account/time-zone/", {"time_zone": "Europe/Oslo"})
    assert r.status_code == 302 and r["Location"] == "/account/"
    assert services.time_zone_of(member("ingrid.dahl").user) == "Europe/Oslo"
    assert c.session[TZ_SESSION_KEY] == "Europe/Oslo"
    dash = c.get("/p/lake-varna/").content.decode()
    assert " UTC</time>" not in dash and ("CET</time>" in dash or "CEST</time>" in dash)
    assert "Times are shown in Europe/Oslo" in dash


def test_an_unknown_zone_is_refused_and_nothing_changes(demo, client_for, member):
    c = client_for("ana.costa")
    r = c.post("/account/time-zone/", {"time_zone": "Mars/Olympus_Mons"})
    assert r.status_code == 422
    assert (
        "unknown time zone" in r.content.decode().lower() and 'role="alert"' in r.content.decode()
    )
    assert not Preferences.objects.filter(user=member("ana.costa").user).exists()
    assert c.session.get(TZ_SESSION_KEY, "UTC") == "UTC"


def test_time_zone_form_needs_csrf(demo, client_for, member):
    c = client_for("ana.costa", enforce_csrf=True)
    assert c.post("/account/time-zone/", {"time_zone": "Europe/Oslo"}).status_code == 403
    assert services.time_zone_of(member("ana.costa").user) == "UTC"
