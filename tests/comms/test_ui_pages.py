"""The comms pages as people read them (issue #15): no raw Python on the channel page, every time
with its zone in the reader's own zone, words not codes, refused forms re-shown with the reason."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core import mail
from django.http import HttpRequest, HttpResponse

from accord.comms import services
from accord.comms.models import Channel, Message
from accord.core import services as core_services
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db

TIME = re.compile(r'<time datetime="([^"]+)">([^<]+)</time>')


def times(html: str) -> list[tuple[str, str]]:
    """Every <time> of a page as (ISO 8601 instant, text shown)."""
    return TIME.findall(html)


# --- 1. the message rows are not Django's flash messages --------------------------------------
def test_channel_page_shows_messages_not_python_dicts(client_for, chan, viewer):
    """The rows were called `messages`, the name the base template loops over for Django's
    flash messages: every message came out once more as a green box holding a raw dict."""
    allies = chan("Allies coordination")
    services.post_message(viewer("ingrid.dahl"), allies.pk, body="Pelican note for the allies")
    html = client_for("ana.costa").get(f"/p/lake-varna/channels/{allies.pk}/").content.decode()
    assert "&lt;Message:" not in html and "{&#x27;m&#x27;" not in html
    assert "needs_my_ack" not in html and 'class="accord-flash"' not in html
    readable = Message.objects.filter(channel=allies).count()  # ana reads the whole channel
    assert len(re.findall(r'<li class="message accord-message', html)) == readable
    assert "Pelican note for the allies" in html


def test_flash_messages_still_show_on_the_channel_page(client_for, chan):
    """Django's own flash messages keep their place in the frame (nothing else is called so)."""
    c = client_for("ana.costa")
    # a flash message left for the next page, as a view leaves it (the cookie store)
    storage = CookieStorage(HttpRequest())
    storage.add(constants.SUCCESS, "Your reply was sent.")
    response = HttpResponse()
    storage.update(response)
    c.cookies[storage.cookie_name] = response.cookies[storage.cookie_name].value
    html = c.get(f"/p/lake-varna/channels/{chan('Allies coordination').pk}/").content.decode()
    assert html.count('class="accord-flash"') == 1 and "Your reply was sent." in html


# --- 6. every time with its zone, in the member's zone ----------------------------------------
def test_channel_times_carry_the_readers_zone(client_for, chan, viewer, member):
    allies = chan("Allies coordination")
    m = services.post_message(viewer("ingrid.dahl"), allies.pk, body="Timed note").message
    services.edit_message(viewer("ingrid.dahl"), m.pk, body="Timed note, edited")
    core_services.set_time_zone(member("ana.costa").user, "Asia/Tokyo")  # no summer time
    c = client_for("ana.costa")
    html = c.get(f"/p/lake-varna/channels/{allies.pk}/").content.decode()
    shown = times(html)
    assert shown and all(text.endswith(" JST") for _, text in shown), shown
    assert html.count("<time") == len(shown)  # no time element without its zone
    # the ISO instant is exact; the text is the same instant in Tokyo
    created = m.created_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (m.created_at.isoformat(), f"{created:%-d %b %Y, %H:%M} JST") in shown
    # the fragments and the other pages: history, acknowledgements, search, briefing, list
    fragment = c.get(
        f"/p/lake-varna/channels/{allies.pk}/m/{m.pk}/", headers={"HX-Request": "true"}
    )
    history = c.get(f"/p/lake-varna/channels/{allies.pk}/m/{m.pk}/history")
    for page in (
        fragment.content.decode(),
        history.content.decode(),
        c.get("/p/lake-varna/channels/search/?q=timed").content.decode(),
        c.get("/p/lake-varna/channels/briefing/").content.decode(),
        c.get("/p/lake-varna/channels/").content.decode(),
    ):
        found = times(page)
        assert found and all(text.endswith(" JST") for _, text in found)
        assert page.count("<time") == len(found)
    # the API keeps ISO 8601 instants with their offset
    r = client_for("ana.costa").get(f"/api/v1/processes/lake-varna/channels/{allies.pk}/messages")
    stamp = r.json()["items"][-1]["created_at"]
    assert datetime.fromisoformat(stamp.replace("Z", "+00:00")).utcoffset() is not None


def test_acknowledgement_times_carry_the_zone(client_for, chan, viewer, member):
    allies = chan("Allies coordination")
    m = services.post_message(viewer("ingrid.dahl"), allies.pk, body="Ack me", precedence="FLASH")
    services.acknowledge(viewer("ana.costa"), m.message.pk)
    core_services.set_time_zone(member("ingrid.dahl").user, "Asia/Tokyo")
    html = (
        client_for("ingrid.dahl")
        .get(f"/p/lake-varna/channels/{allies.pk}/m/{m.message.pk}/acks")
        .content.decode()
    )
    assert "Ana Costa" in html and times(html) and all(t.endswith(" JST") for _, t in times(html))


def test_briefing_mail_names_the_zone_of_the_member(viewer, chan, member, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.post_message(
        viewer("ingrid.dahl"), chan("Allies coordination").pk, body="Urgent", precedence="FLASH"
    )
    core_services.set_time_zone(member("ana.costa").user, "Asia/Tokyo")
    assert services.send_briefing(member("ana.costa")) is True
    body = mail.outbox[-1].body
    since = next(line for line in body.splitlines() if line.startswith("Since "))
    assert " JST (" in since and "+09:00)" in since and "UTC" not in since


# --- 7. words, not codes ----------------------------------------------------------------------
def test_channel_list_names_kinds_and_notifications_in_words(client_for, viewer, chan):
    services.post_message(viewer("pavel.novak"), chan("Mediation caucus").pk, body="@lena.haas ok")
    html = client_for("lena.haas").get("/p/lake-varna/channels/").content.decode()
    assert ">Mediation caucus<" in html and ">caucus<" not in html
    assert "You were mentioned" in html and ">mention<" not in html
    page = client_for("lena.haas").get(f"/p/lake-varna/channels/{chan('Mediation caucus').pk}/")
    text = page.content.decode()
    assert ">Mediation caucus<" in text
    assert 'class="usa-tag accord-prec accord-prec--routine"' in text  # the precedence as a tag


def test_composer_offers_precedence_as_radios_routine_first(client_for, chan):
    html = client_for("ana.costa").get(f"/p/lake-varna/channels/{chan('Plenary').pk}/")
    radios = re.findall(
        r'<input class="usa-radio__input"[^>]*name="precedence"[^>]*>', html.content.decode()
    )
    values = [re.search(r'value="(\w+)"', r).group(1) for r in radios]
    assert values == ["ROUTINE", "PRIORITY", "IMMEDIATE", "FLASH"]
    assert "checked" in radios[0] and not any("checked" in r for r in radios[1:])


# --- the "Open a channel" form ----------------------------------------------------------------
def test_refused_channel_form_comes_back_as_sent(client_for, demo):
    c = client_for("amara.okafor")
    ana = client_for("ana.costa")  # signing in is recorded too: count after it
    before = Channel.objects.count(), Entry.objects.count()
    r = c.post(
        "/p/lake-varna/channels/new",
        {
            "name": "Ceasefire monitors",
            "kind": "party",
            "description": "Monitors' own line",
            "parties": ["ARD", "NOR"],
            "label_level": "1",
        },
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert "a party channel names exactly one party" in html.lower() and 'role="alert"' in html
    assert 'value="Ceasefire monitors"' in html and "Monitors&#x27; own line" in html
    assert re.search(r'value="ARD" checked', html) and re.search(r'value="NOR" checked', html)
    assert '<option value="party" selected>' in html
    assert (Channel.objects.count(), Entry.objects.count()) == before
    # a member who may not open channels gets 403, not the form
    r = ana.post("/p/lake-varna/channels/new", {"name": "x", "kind": "topic", "label_level": "0"})
    assert r.status_code == 403
    assert (Channel.objects.count(), Entry.objects.count()) == before


def test_channel_opened_from_the_form(client_for, demo):
    r = client_for("amara.okafor").post(
        "/p/lake-varna/channels/new",
        {"name": "Water sharing", "kind": "topic", "label_level": "1"},
    )
    assert r.status_code == 302
    chan = Channel.objects.get(process=demo, name="Water sharing")
    assert r["Location"].endswith(f"/channels/{chan.pk}/") and chan.label.level == 1
