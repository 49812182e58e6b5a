"""The urgent-message region of every process page: FLASH and IMMEDIATE messages awaiting this
member's acknowledgement, through the channel's own door (labels), acknowledged in place."""

from __future__ import annotations

import pytest

from accord.comms import queries, services
from accord.comms.models import Acknowledgement, Channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def allies(demo):
    return Channel.objects.get(process=demo, name="Allies coordination")


def test_the_region_lists_only_urgent_readable_unacknowledged_messages(allies, viewer, client_for):
    james = viewer("james.whitfield")
    flash = services.post_message(james, allies.pk, body="Armour at the ford", precedence="FLASH")
    services.post_message(james, allies.pk, body="Routine note")  # not urgent
    mine = services.post_message(
        viewer("ana.costa"), allies.pk, body="My own flash", precedence="FLASH"
    )
    ids = [m.pk for m in queries.urgent_alerts(viewer("ana.costa"))]
    assert flash.message.pk in ids and mine.message.pk not in ids  # never one's own
    assert flash.message.pk not in [m.pk for m in queries.urgent_alerts(viewer("daria.vol"))]
    page = client_for("ana.costa").get("/p/lake-varna/negotiation/")
    assert f'data-alert-id="{flash.message.pk}"'.encode() in page.content
    assert b"Armour at the ford" in page.content
    other = client_for("daria.vol").get("/p/lake-varna/negotiation/")
    assert b"Armour at the ford" not in other.content
    fragment = client_for("daria.vol").get("/p/lake-varna/channels/alerts/")
    assert fragment.status_code == 200 and b"Armour" not in fragment.content


def test_acknowledge_in_place_returns_the_region_without_it(allies, viewer, client_for, member):
    flash = services.post_message(
        viewer("james.whitfield"), allies.pk, body="Confirm positions", precedence="FLASH"
    ).message
    c = client_for("ana.costa")
    r = c.post(f"/p/lake-varna/channels/alerts/{flash.pk}/ack", HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    assert f'data-alert-id="{flash.pk}"'.encode() not in r.content
    assert Acknowledgement.objects.filter(message=flash, member=member("ana.costa")).exists()
    # without JavaScript: back to the page it came from (inside this process only)
    again = services.post_message(
        viewer("james.whitfield"), allies.pk, body="Second", precedence="IMMEDIATE"
    ).message
    r = c.post(
        f"/p/lake-varna/channels/alerts/{again.pk}/ack", {"next": "/p/lake-varna/negotiation/"}
    )
    assert r.status_code == 302 and r["Location"] == "/p/lake-varna/negotiation/"
    third = services.post_message(
        viewer("james.whitfield"), allies.pk, body="Third", precedence="FLASH"
    ).message
    r = c.post(f"/p/lake-varna/channels/alerts/{third.pk}/ack", {"next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == "/p/lake-varna/"


def test_a_reader_who_may_not_read_it_cannot_acknowledge_it(allies, viewer, client_for):
    flash = services.post_message(
        viewer("james.whitfield"), allies.pk, body="Allies only", precedence="FLASH"
    ).message
    r = client_for("daria.vol").post(
        f"/p/lake-varna/channels/alerts/{flash.pk}/ack", HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 404
    assert not Acknowledgement.objects.filter(message=flash).exists()
