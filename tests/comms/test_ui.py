"""Web pages: channel list with unread counts, message view with badges and banner, htmx posting
and acknowledgement, live fragments and search behind the access check."""

import re

import pytest

from accord.comms import services
from accord.comms.models import Acknowledgement, Message
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db


def banner(html: str) -> str:
    return re.search(r'<div class="banner"[^>]*>([^<]*)</div>', html).group(1)


def test_channel_list_shows_only_readable_channels_and_counts(client_for, chan):
    html = client_for("ana.costa").get("/p/lake-varna/channels/").content.decode()
    assert "Ardania delegation" in html and "Allies coordination" in html
    assert "Mediation caucus" not in html and "Norlund delegation" not in html
    assert ">10 unread</span>" in html  # the plenary for ana (see demo)
    html_k = client_for("viktor.kess").get("/p/lake-varna/channels/").content.decode()
    assert "Allies coordination" not in html_k and "Plenary" in html_k


def test_channel_page_badges_banner_and_read_marker(client_for, chan, viewer):
    from accord.comms import queries

    ard = chan("Ardania delegation")
    r = client_for("james.whitfield").get(f"/p/lake-varna/channels/{ard.pk}/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "Front artillery has been pulled back" in html  # SECRET // REL TO ARD
    assert banner(html) == "SECRET // REL TO ARD"
    assert 'class="label-badge"' in html
    assert queries.unread_count(viewer("james.whitfield"), ard) == 0  # viewing marks read
    r = client_for("ana.costa").get(f"/p/lake-varna/channels/{ard.pk}/")
    html = r.content.decode()
    assert "Front artillery" not in html  # SECRET: above ana's clearance
    assert banner(html) == "CONFIDENTIAL // REL TO ARD"
    assert 'src="/static/comms/channel.js"' in html and "<script>" not in html
    # the side list names the allies channel too: the banner accounts for its label
    plenary = client_for("ana.costa").get(f"/p/lake-varna/channels/{chan('Plenary').pk}/")
    assert banner(plenary.content.decode()) == "CONFIDENTIAL // REL TO ARD"


@pytest.mark.parametrize("username", ["viktor.kess", "ingrid.dahl", "lena.haas"])
def test_unreadable_channel_and_fragments_are_404(client_for, chan, username):
    ard = chan("Ardania delegation")
    msg = Message.objects.filter(channel=ard).first()
    c = client_for(username)
    assert c.get(f"/p/lake-varna/channels/{ard.pk}/").status_code == 404
    assert c.get(f"/p/lake-varna/channels/{ard.pk}/m/{msg.pk}/").status_code == 404
    assert c.get(f"/p/lake-varna/channels/{ard.pk}/m/{msg.pk}/acks").status_code == 404
    before = Message.objects.count(), Entry.objects.count()
    r = c.post(f"/p/lake-varna/channels/{ard.pk}/post", {"body": "x"})
    assert r.status_code == 404
    assert (Message.objects.count(), Entry.objects.count()) == before


def test_htmx_post_with_label_and_precedence(client_for, chan):
    allies = chan("Allies coordination")
    c = client_for("ana.costa")
    r = c.post(
        f"/p/lake-varna/channels/{allies.pk}/post",
        {
            "body": "Hold *fire*",
            "precedence": "IMMEDIATE",
            "label_level": "2",
            "label_rel_to": ["ARD"],
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 201
    msg = Message.objects.latest("id")
    assert msg.precedence == "IMMEDIATE" and msg.requires_ack
    assert msg.label.value.display() == "CONFIDENTIAL // REL TO ARD"
    html = r.content.decode()
    assert f'id="msg-{msg.pk}"' in html and "<em>fire</em>" in html
    assert "accord-message--immediate" in html and "accord-prec--immediate" in html


def test_htmx_post_errors_go_to_the_composer_and_write_nothing(client_for, chan):
    allies = chan("Allies coordination")
    c = client_for("ana.costa")  # signing in is itself recorded: count after it
    before = Message.objects.count(), Entry.objects.count()
    r = c.post(
        f"/p/lake-varna/channels/{allies.pk}/post",
        {"body": "x", "label_level": "3", "label_rel_to": ["ARD"]},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 403
    assert r["HX-Retarget"] == "#composer-errors"
    assert "above your clearance" in r.content.decode()
    assert (Message.objects.count(), Entry.objects.count()) == before


def test_long_flash_is_sent_with_a_warning(client_for, chan):
    r = client_for("ana.costa").post(
        f"/p/lake-varna/channels/{chan('Plenary').pk}/post",
        {"body": " ".join(["w"] * 250), "precedence": "FLASH", "label_level": "0"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 201
    assert "expected to be short" in r.content.decode()


def test_ack_button_and_status(client_for, chan, viewer, member):
    allies = chan("Allies coordination")
    msg = services.post_message(
        viewer("ingrid.dahl"), allies.pk, body="Confirm", precedence="FLASH"
    ).message
    page = client_for("ana.costa").get(f"/p/lake-varna/channels/{allies.pk}/").content.decode()
    assert f"/m/{msg.pk}/ack" in page and "Acknowledge" in page
    r = client_for("ana.costa").post(
        f"/p/lake-varna/channels/{allies.pk}/m/{msg.pk}/ack", headers={"HX-Request": "true"}
    )
    assert r.status_code == 200 and "Acknowledged" in r.content.decode()
    assert Acknowledgement.objects.filter(message=msg, member=member("ana.costa")).exists()
    status = (
        client_for("ingrid.dahl")
        .get(f"/p/lake-varna/channels/{allies.pk}/m/{msg.pk}/acks")
        .content.decode()
    )
    assert "<strong>1</strong> acknowledged" in status and "Ana Costa" in status
    assert "Viktor" not in status


def test_search_page_hides_unreadable(client_for, viewer, chan):
    services.post_message(
        viewer("james.whitfield"),
        chan("Allies coordination").pk,
        body="Ospreyvalley ARD only",
        label={"level": 1, "rel_to": ["ARD"]},
    )
    services.post_message(
        viewer("james.whitfield"), chan("Allies coordination").pk, body="Ospreyvalley for all"
    )
    ard = (
        client_for("ana.costa")
        .get("/p/lake-varna/channels/search/?q=ospreyvalley")
        .content.decode()
    )
    nor = (
        client_for("ingrid.dahl")
        .get("/p/lake-varna/channels/search/?q=ospreyvalley")
        .content.decode()
    )
    assert "2 messages found" in ard
    assert "1 message found" in nor and "ARD only" not in nor
    assert "<mark>Ospreyvalley</mark>" in nor
    bad = client_for("ingrid.dahl").get("/p/lake-varna/channels/search/?q=%21%21")
    assert bad.status_code == 422


def test_briefing_page(client_for):
    html = client_for("ana.costa").get("/p/lake-varna/channels/briefing/").content.decode()
    assert "Reports of artillery movement" in html  # the demo FLASH awaits ana's ack
    assert "Mediation caucus" not in html
