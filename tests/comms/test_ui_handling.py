"""Web UI: handling objectives per process (coordinator changes them; clear 4xx otherwise) and
the live-banner endpoint (server-side label combination, behind the access check)."""

from __future__ import annotations

import re

import pytest

from accord.comms import services
from accord.comms.models import HandlingPolicy
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db
URL = "/p/lake-varna/channels/handling/"


def rows(html: str) -> dict[str, list[str]]:
    """{precedence: [ack, re-notify, escalate]} from the objectives table."""
    out = {}
    for prec, body in re.findall(r'<tr data-precedence="(\w+)">(.*?)</tr>', html, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", body, re.S)
        ]
        out[prec] = cells[1:]
    return out


def test_every_member_sees_the_objectives_only_the_coordinator_the_form(client_for):
    html = client_for("ana.costa").get(URL).content.decode()
    assert rows(html) == {
        "FLASH": ["always", "10 min", "20 min"],
        "IMMEDIATE": ["always", "30 min", "60 min"],
        "PRIORITY": ["when the sender asks", "no escalation", "no escalation"],
        "ROUTINE": ["when the sender asks", "no escalation", "no escalation"],
    }
    assert 'name="flash_minutes"' not in html
    coord = client_for("amara.okafor").get(URL).content.decode()
    assert 'name="flash_minutes"' in coord and 'value="10"' in coord
    assert (
        "Handling objectives"
        in client_for("ana.costa").get("/p/lake-varna/channels/").content.decode()
    )


def test_coordinator_changes_the_objectives(client_for, demo):
    c = client_for("amara.okafor")
    before = Entry.objects.filter(action="comms.handling").count()
    r = c.post(URL, {"flash_minutes": "5", "immediate_minutes": "15"})
    assert r.status_code == 302 and r["Location"] == URL
    pol = HandlingPolicy.objects.get(process=demo)
    assert (pol.flash_minutes, pol.immediate_minutes) == (5, 15)
    assert Entry.objects.filter(action="comms.handling").count() == before + 1
    html = client_for("ana.costa").get(URL).content.decode()
    assert rows(html)["FLASH"] == ["always", "5 min", "10 min"]
    assert rows(html)["IMMEDIATE"] == ["always", "15 min", "30 min"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"flash_minutes": "abc", "immediate_minutes": "30"}, "must be a number"),
        ({"flash_minutes": "0", "immediate_minutes": "30"}, "1..1440"),
        ({"flash_minutes": "10", "immediate_minutes": "2000"}, "1..1440"),
        ({"flash_minutes": "", "immediate_minutes": "30"}, "1..1440"),
        ({"flash_minutes": "40", "immediate_minutes": "30"}, "no slower than IMMEDIATE"),
    ],
)
def test_bad_objectives_are_refused_and_change_nothing(client_for, data, error):
    c = client_for("amara.okafor")
    before = HandlingPolicy.objects.count(), Entry.objects.count()
    r = c.post(URL, data)
    assert r.status_code == 422
    html = r.content.decode()
    assert error in html and 'role="alert"' in html
    assert f'value="{data["flash_minutes"]}"' in html  # the form keeps what was typed
    assert (HandlingPolicy.objects.count(), Entry.objects.count()) == before
    assert rows(html)["FLASH"] == ["always", "10 min", "20 min"]  # still the defaults


def test_only_the_coordinator_may_change_them(client_for, demo):
    c = client_for("james.whitfield")
    before = HandlingPolicy.objects.count(), Entry.objects.count()
    r = c.post(URL, {"flash_minutes": "5", "immediate_minutes": "15"})
    assert r.status_code == 403
    assert (HandlingPolicy.objects.count(), Entry.objects.count()) == before


def test_non_member_gets_404(client, demo):
    from accord.core.auth import MFA_SESSION_KEY
    from accord.core.services import create_user

    outsider = create_user(username="stranger", password="a-long-demo-pass-1")
    client.force_login(outsider)
    s = client.session
    s[MFA_SESSION_KEY] = True
    s.save()
    assert client.get(URL).status_code == 404
    before = HandlingPolicy.objects.count(), Entry.objects.count()
    assert client.post(URL, {"flash_minutes": "5", "immediate_minutes": "15"}).status_code == 404
    assert (HandlingPolicy.objects.count(), Entry.objects.count()) == before


# --- the live banner --------------------------------------------------------------------------
def banner_attrs(html: str) -> dict[str, str]:
    tag = re.search(r'<div class="banner"[^>]*>', html).group(0)
    return dict(re.findall(r'(data-[\w-]+)="([^"]*)"', tag))


def test_page_banner_carries_its_label_parts(client_for, chan):
    html = client_for("ana.costa").get(f"/p/lake-varna/channels/{chan('Plenary').pk}/").content
    assert banner_attrs(html.decode()) == {
        "data-level": "2",
        "data-rel-to": "ARD",
        "data-caveats": "",
    }
    html = client_for("col.marsh").get(f"/p/lake-varna/channels/{chan('Plenary').pk}/").content
    assert banner_attrs(html.decode())["data-caveats"] == "MILOPS"
    html = client_for("ilya.brant").get(f"/p/lake-varna/channels/{chan('Plenary').pk}/").content
    assert banner_attrs(html.decode())["data-rel-to"] == "*"  # no REL TO on what ilya sees


def test_banner_endpoint_combines_on_the_server(client_for, viewer, chan):
    plenary = chan("Plenary")
    msg = services.post_message(
        viewer("viktor.kess"), plenary.pk, body="KES only", label={"level": 2, "rel_to": ["KES"]}
    ).message
    url = f"/p/lake-varna/channels/{plenary.pk}/m/{msg.pk}/banner"
    r = client_for("viktor.kess").get(url, {"level": "1"})
    assert r.status_code == 200
    body = r.json()
    assert body["display"] == "CONFIDENTIAL // REL TO KES"
    assert body["level"] == 2 and body["rel_to"] == ["KES"] and body["caveats"] == []
    assert body["colour"] == msg.channel.process.level_colours[2]
    # the banner never falls: a higher current banner stays, REL TO intersects
    r = client_for("viktor.kess").get(url, {"level": "3", "rel_to": ["KES", "ARD"]})
    assert r.json()["display"] == "SECRET // REL TO KES"
    # the same message is not there for another party, nor for lower clearance
    for outsider in ("tomas.ruiz", "ilya.brant", "ana.costa"):
        r = client_for(outsider).get(url, {"level": "0"})
        assert r.status_code == 404 and "KES" not in r.content.decode()


@pytest.mark.parametrize(
    "params",
    [{"level": "x"}, {"level": "9"}, {"level": "0", "caveats": "NOPE"}, {"rel_to": "ZZZ"}],
)
def test_banner_endpoint_refuses_bad_labels(client_for, chan, params):
    plenary = chan("Plenary")
    from accord.comms.models import Message

    msg = Message.objects.filter(channel=plenary).first()
    r = client_for("ana.costa").get(
        f"/p/lake-varna/channels/{plenary.pk}/m/{msg.pk}/banner", params
    )
    assert r.status_code == 422 and "error" in r.json()
