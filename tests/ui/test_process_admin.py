"""Process and party editing by coordinators (page and API): recorded, refused for others,
bad input refused with a message and nothing written."""

from __future__ import annotations

import json

import pytest

from accord.core.models import Party, Process
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db

URL = "/p/lake-varna/settings/"
API = "/api/v1/processes/lake-varna"


def counts():
    return Entry.objects.filter(log__process__isnull=False).count(), Party.objects.count()


def form(process: Process, **over) -> dict:
    data = {"name": process.name, "description": process.description, "status": process.status}
    data.update(over)
    return data


def test_coordinator_edits_the_process(demo, client_for):
    c = client_for("amara.okafor")
    page = c.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Process and parties" in html and 'name="status"' in html
    assert "Implementation" in html  # stages in words
    r = c.post(URL, form(demo, name="Lake Varna Talks", status="suspended"))
    assert r.status_code == 302 and r["Location"] == URL
    demo.refresh_from_db()
    assert (demo.name, demo.status) == ("Lake Varna Talks", "suspended")
    e = Entry.objects.filter(action="process.update", log__process=demo).latest("seq")
    assert e.payload["changed"] == ["name", "status"]
    tl = c.get("/p/lake-varna/timeline/?action=process.update").content.decode()
    assert "Amara Okafor" in tl and "changed the name and stage of the process" in tl
    before = counts()
    assert c.post(URL, form(demo)).status_code == 302  # nothing changed: nothing recorded
    assert counts() == before


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"name": "   "}, "a process needs a name"),
        ({"name": "x" * 201}, "at most 200 characters"),
        ({"status": "bogus"}, "unknown status"),
    ],
)
def test_bad_process_input_changes_nothing(demo, client_for, over, message):
    c = client_for("amara.okafor")
    before = counts()
    r = c.post(URL, form(demo, **over))
    assert r.status_code == 422
    html = r.content.decode()
    assert message.lower() in html.lower() and 'role="alert"' in html
    assert counts() == before
    demo.refresh_from_db()
    assert demo.name == "Lake Varna Ceasefire Talks" and demo.status == "active"


def test_coordinator_edits_and_adds_parties(demo, client_for):
    c = client_for("amara.okafor")
    r = c.post(f"{URL}parties/save/", {"code": "csu", "name": "Coastal States", "kind": "observer"})
    assert r.status_code == 302
    csu = Party.objects.get(process=demo, code="CSU")
    assert (csu.name, csu.kind) == ("Coastal States", "observer")
    e = Entry.objects.filter(action="party.update", subject_id=str(csu.pk)).get()
    assert e.payload["changed"] == ["kind", "name"]
    assert (
        "changed the kind and name of the party Coastal States"
        in c.get("/p/lake-varna/timeline/?action=party.update").content.decode()
    )
    r = c.post(f"{URL}parties/add/", {"code": "tst", "name": "Testland", "kind": "guarantor"})
    assert r.status_code == 302
    assert Party.objects.filter(process=demo, code="TST", kind="guarantor").exists()
    # the dashboard groups it with the guarantors
    assert "Testland" in c.get("/p/lake-varna/").content.decode()


@pytest.mark.parametrize(
    ("path", "data", "status", "message"),
    [
        ("save/", {"code": "ARD", "name": " ", "kind": "ally"}, 422, "a party needs a name"),
        ("save/", {"code": "ARD", "name": "Ardania", "kind": "emperor"}, 422, "party kind must"),
        ("save/", {"code": "ZZZ", "name": "Nobody", "kind": "ally"}, 404, "Nothing here"),
        ("add/", {"code": "ARD", "name": "Again", "kind": "ally"}, 409, "already used"),
        ("add/", {"code": "x", "name": "Short", "kind": "ally"}, 422, "2–12 letters"),
        ("add/", {"code": "NEW", "name": "New", "kind": "king"}, 422, "party kind must"),
    ],
)
def test_bad_party_input_changes_nothing(demo, client_for, path, data, status, message):
    c = client_for("amara.okafor")
    before = counts()
    r = c.post(f"{URL}parties/{path}", data)
    assert r.status_code == status
    assert message.lower() in r.content.decode().lower()
    assert counts() == before
    ard = Party.objects.get(process=demo, code="ARD")
    assert (ard.name, ard.kind) == ("Republic of Ardania", "ally")


def test_a_negotiator_may_not_edit(demo, client_for, api_for):
    c = client_for("ana.costa")
    before = counts()
    r = c.get(URL)
    assert r.status_code == 403 and "for the coordinators of this process" in r.content.decode()
    assert c.post(URL, form(demo, name="Mine")).status_code == 403
    assert (
        c.post(f"{URL}parties/save/", {"code": "ARD", "name": "X", "kind": "ally"}).status_code
        == 403
    )
    assert (
        c.post(f"{URL}parties/add/", {"code": "NEW", "name": "X", "kind": "ally"}).status_code
        == 403
    )
    api = api_for("ana.costa")
    r = api.patch(f"{API}/parties/ARD", json.dumps({"name": "X"}), content_type="application/json")
    assert r.status_code == 403
    assert counts()[1] == before[1]
    assert not Entry.objects.filter(action__in=["party.update", "process.update"]).exists()
    demo.refresh_from_db()
    assert demo.name == "Lake Varna Ceasefire Talks"


def test_party_api(demo, api_for):
    api = api_for("amara.okafor")
    r = api.patch(
        f"{API}/parties/nvf", json.dumps({"kind": "observer"}), content_type="application/json"
    )
    assert r.status_code == 200 and r.json() == {
        "code": "NVF",
        "name": "Northern Varna Front",
        "kind": "observer",
    }
    bad = api.patch(
        f"{API}/parties/NVF", json.dumps({"kind": "rebels"}), content_type="application/json"
    )
    assert bad.status_code == 422 and "party kind must" in bad.json()["error"]["message"]
    missing = api.patch(f"{API}/parties/QQQ", json.dumps({}), content_type="application/json")
    assert missing.status_code == 404
    assert Entry.objects.filter(action="party.update").count() == 1
