"""iCalendar: one meeting's .ics, and the per-member feed at a secret URL (only its hash is
stored; revocable; token, not session; lists only what the member may read)."""

from __future__ import annotations

import pytest
from django.test import Client
from icalendar import Calendar

from accord.meetings import services
from accord.meetings.models import CalendarFeed

from .conftest import API

pytestmark = pytest.mark.django_db


def _events(body: bytes) -> dict[str, object]:
    cal = Calendar.from_ical(body)
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


def test_one_meeting_ics(plenary3, caucus, api_for, client_for):
    r = api_for("ana.costa").get(f"{API}/meetings/{plenary3.pk}/calendar.ics")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
    assert "attachment" in r["Content-Disposition"]
    ev = _events(r.content)["Third plenary session (plenary)"]
    assert ev.decoded("dtstart") == plenary3.starts_at
    assert ev.decoded("dtend") == plenary3.ends_at
    assert "Chair: Lena Haas" in str(ev["description"])
    assert "Label: RESTRICTED" in str(ev["description"])
    assert str(ev["location"]).startswith("Palace of Culture")
    assert str(ev["uid"]) == f"meeting-{plenary3.pk}@lake-varna.accord"
    # the caucus: 404 for other parties, by API token and by session alike
    assert api_for("ana.costa").get(f"{API}/meetings/{caucus.pk}/calendar.ics").status_code == 404
    web = client_for("daria.vol")
    assert web.get(f"{API}/meetings/{caucus.pk}/calendar.ics").status_code == 404
    assert api_for("viktor.kess").get(f"{API}/meetings/{caucus.pk}/calendar.ics").status_code == 200


def test_feed_lists_only_readable_meetings(demo, viewer, caucus):
    feeds = {}
    for who in ("ana.costa", "viktor.kess", "lena.haas"):
        _, secret = services.create_feed(viewer(who))
        feeds[who] = secret
    anon = Client()
    got = {}
    for who, secret in feeds.items():
        r = anon.get(f"{API}/calendar/{secret}.ics")
        assert r.status_code == 200, r.content
        got[who] = set(_events(r.content))
    caucus_title = "Envoy's caucus with Kestria (caucus)"
    assert caucus_title not in got["ana.costa"]
    assert caucus_title in got["viktor.kess"] and caucus_title in got["lena.haas"]
    assert {"First plenary session (plenary)", "Third plenary session (plenary)"} <= got[
        "ana.costa"
    ]
    assert b"Kestria" not in anon.get(f"{API}/calendar/{feeds['ana.costa']}.ics").content


def test_feed_token_stored_as_hash_revocable_and_not_a_session(demo, viewer, member, client_for):
    ana = viewer("ana.costa")
    feed, secret = services.create_feed(ana)
    assert secret not in feed.digest and feed.digest == services.feed_digest(secret)
    assert not CalendarFeed.objects.filter(digest=secret).exists()
    url = f"{API}/calendar/{secret}.ics"
    assert Client().get(url).status_code == 200
    # another process's slug, a truncated token, a made-up token: 404
    assert Client().get(f"/api/v1/processes/elsewhere/calendar/{secret}.ics").status_code == 404
    assert Client().get(f"{API}/calendar/{secret[:-2]}.ics").status_code == 404
    assert Client().get(f"{API}/calendar/{'x' * 43}.ics").status_code == 404
    # a new feed replaces the old one
    _, secret2 = services.create_feed(ana)
    assert Client().get(url).status_code == 404
    assert Client().get(f"{API}/calendar/{secret2}.ics").status_code == 200
    services.revoke_feed(ana)
    assert Client().get(f"{API}/calendar/{secret2}.ics").status_code == 404
    with pytest.raises(Exception, match="no calendar feed"):
        services.revoke_feed(ana)
    # a half-signed session (password, no second factor) gets nothing extra: the session is
    # ignored by the feed, and refused by the session-authenticated .ics download
    lena = member("lena.haas")
    half = Client()
    half.force_login(lena.user)
    _, lsecret = services.create_feed(viewer("lena.haas"))
    assert half.get(f"{API}/calendar/{feeds_bad()}.ics").status_code == 404
    full = half.get(f"{API}/calendar/{lsecret}.ics")
    assert full.content.count(b"BEGIN:VEVENT") == Client().get(
        f"{API}/calendar/{lsecret}.ics"
    ).content.count(b"BEGIN:VEVENT")
    m = demo.meetings.order_by("pk").first()
    assert half.get(f"{API}/meetings/{m.pk}/calendar.ics").status_code == 401
    assert half.get("/p/lake-varna/meetings/calendar/").status_code in (302, 403)


def feeds_bad() -> str:
    return "A" * 43


def test_calendar_page_create_copy_revoke(demo, client_for):
    c = client_for("daria.vol")
    r = c.get("/p/lake-varna/meetings/calendar/")
    assert r.status_code == 200 and "Create my feed address" in r.content.decode()
    r = c.post("/p/lake-varna/meetings/calendar/", {"action": "create"})
    text = r.content.decode()
    assert r.status_code == 200 and "Copy the address" in text
    url = text.split('id="feed-url" readonly value="', 1)[1].split('"', 1)[0]
    path = url.split("testserver", 1)[1]
    body = Client().get(path).content
    assert b"BEGIN:VCALENDAR" in body and b"Kestria" not in body
    r = c.get("/p/lake-varna/meetings/calendar/")
    assert "Revoke the feed" in r.content.decode() and url not in r.content.decode()
    r = c.post("/p/lake-varna/meetings/calendar/", {"action": "revoke"})
    assert r.status_code == 302
    assert Client().get(path).status_code == 404
    r = c.post("/p/lake-varna/meetings/calendar/", {"action": "revoke"})
    assert r.status_code == 409 and "no calendar feed" in r.content.decode()
