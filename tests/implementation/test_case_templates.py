"""An agreement started from a built-in case study: provisions with their PAM types, the case's
events and its deadlines as commitments (event + offset), who must act left for a person to
name; unknown templates and members who may not create agreements change nothing."""

from __future__ import annotations

import json
from datetime import date
from html import unescape

import pytest

from accord.implementation import services
from accord.implementation.deadlines import add_offset
from accord.implementation.models import Agreement, Commitment

pytestmark = pytest.mark.django_db

API = "/api/v1/processes/lake-varna"
PAGE = "/p/lake-varna/implementation/"


def post(client, path, body):
    return client.post(f"{API}{path}", data=json.dumps(body), content_type="application/json")


def test_dayton_skeleton_and_deadline_pattern_over_rest(demo, api_for):
    r = post(
        api_for("amara.okafor"),
        "/agreements",
        {"template": "dayton", "signed_on": "2027-01-10", "signatories": ["KES", "NVF"]},
    )
    assert r.status_code == 201, r.content
    a = r.json()
    assert a["title"].startswith("From the case study: General Framework Agreement for Peace")
    numbers = [p["number"] for p in a["provisions"]]
    assert numbers == ["1-A", "1-B", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]
    first = a["provisions"][0]
    assert first["heading"] == "Military aspects"
    assert first["types"] == ["cease", "with", "demob", "regpkf"]
    assert [x["key"] for x in a["anchors"]] == [
        "signature",
        "entry_into_force",
        "transfer_of_authority",
    ]
    # the case's dates are not this agreement's: only signature is dated
    assert [x["occurred_on"] for x in a["anchors"]][1:] == [None, None]
    rows = {c.what: c for c in Commitment.objects.filter(agreement_id=a["id"])}
    assert len(rows) == 8
    withdrawn = rows["Foreign forces withdrawn"]
    assert (withdrawn.anchor.key, withdrawn.amount, withdrawn.unit) == (
        "entry_into_force",
        30,
        "days",
    )
    assert withdrawn.provision.number == "1-A" and withdrawn.source_phrase == "within 30 days"
    assert withdrawn.deadline is None  # waits for entry into force
    zos = rows["Forces behind the 2 km zone of separation"]
    assert (zos.anchor.key, zos.amount, zos.unit) == ("transfer_of_authority", 30, "days")
    assert rows["Heavy weapons moved to cantonment"].amount == 120
    # "no later than 14 December 1996" (a year after signature) becomes signature + 1 year
    brcko = rows["Arbitral award on the Brčko area"]
    assert (brcko.anchor.key, brcko.amount, brcko.unit) == ("signature", 1, "years")
    assert brcko.deadline == date(2028, 1, 10) and brcko.provision.number == "2"
    # who must act is left for a person to name
    assert all(c.responsible == [] and c.body == "" for c in rows.values())
    assert "No imports of heavy weapons (holds for the period)" in rows


def test_good_friday_and_camp_david_patterns(demo, viewer):
    amara = viewer("amara.okafor")
    gfa = services.create_from_case(amara, template="good-friday", signed_on="2027-03-01")
    keys = [x.key for x in gfa.anchors.all()]
    assert keys == ["signature", "entry_into_force", "referendum", "scheme_start"]
    rows = {c.what: c for c in gfa.commitments.all()}
    dec = rows["Decommissioning of paramilitary arms"]
    assert (dec.anchor.key, dec.amount, dec.unit, dec.provision.number) == (
        "referendum",
        2,
        "years",
        "DC",
    )
    # the Assembly election, 25 June 1998, was 76 days after the agreement of 10 April 1998
    election = rows["Assembly election"]
    assert (election.anchor.key, election.amount, election.unit) == ("signature", 76, "days")
    assert election.deadline == date(2027, 5, 16)
    cd = services.create_from_case(
        amara, template="Camp-David", title="Lake Varna framework", signed_on="2027-03-01"
    )
    assert cd.title == "Lake Varna framework"
    assert [p.number for p in cd.provisions.all()] == ["F1", "F2"]
    treaty = cd.commitments.get(what="Peace treaty between Egypt and Israel concluded")
    assert treaty.deadline == add_offset(date(2027, 3, 1), 3, "months") == date(2027, 6, 1)


def test_unknown_template_and_unauthorised_members_change_nothing(demo, api_for, counts):
    amara, ana = api_for("amara.okafor"), api_for("ana.costa")
    before = counts()
    r = post(amara, "/agreements", {"template": "versailles", "signed_on": "2027-01-10"})
    assert r.status_code == 422
    msg = r.json()["error"]["message"]
    assert "versailles" in msg and "dayton, good-friday, camp-david" in msg
    r = post(
        amara,
        "/agreements",
        {
            "template": "dayton",
            "signed_on": "2027-01-10",
            "provisions": [{"number": "1", "text": "x"}],
        },
    )
    assert r.status_code == 422 and "leave provisions empty" in r.json()["error"]["message"]
    r = post(
        amara,
        "/agreements",
        {"template": "dayton", "signed_on": "2027-01-10", "in_force_on": "2026-01-01"},
    )
    assert r.status_code == 422  # entry into force before signature: nothing half-written
    r = post(ana, "/agreements", {"template": "dayton", "signed_on": "2027-01-10"})
    assert r.status_code == 403  # a negotiator may not create agreements
    assert counts() == before


def test_page_offers_the_case_studies_and_starts_one(demo, client_for, counts):
    lena = client_for("lena.haas")
    page = lena.get(PAGE).content.decode()
    assert "Start from a case study" in page and 'value="camp-david"' in page
    assert "Start from a case study" not in client_for("ana.costa").get(PAGE).content.decode()
    before = counts()
    r = lena.post(PAGE, {"act": "enter", "template": "nowhere", "signed_on": "2027-01-10"})
    assert r.status_code == 422 and "No case study 'nowhere'" in unescape(r.content.decode())
    assert counts() == before
    r = lena.post(PAGE, {"act": "enter", "template": "camp-david", "signed_on": "2027-01-10"})
    assert r.status_code == 302
    a = Agreement.objects.get(pk=int(r["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert a.title == "From the case study: Camp David Accords"
    assert a.commitments.count() == 2


def test_a_person_names_who_must_act(demo, viewer, client_for, api_for, counts):
    a = services.create_from_case(
        viewer("amara.okafor"), template="camp-david", signed_on="2027-01-10"
    )
    c = a.commitments.get(what__startswith="Peace treaty")
    page = client_for("lena.haas").get(f"/p/lake-varna/implementation/commitments/{c.pk}/")
    assert "not named yet" in page.content.decode() and "Save who must act" in page.content.decode()
    amara, ana = api_for("amara.okafor"), api_for("ana.costa")
    before = counts()
    url = f"{API}/commitments/{c.pk}/responsible"
    r = amara.put(url, data=json.dumps({"responsible": []}), content_type="application/json")
    assert r.status_code == 422 and "names the parties or the body" in r.json()["error"]["message"]
    r = amara.put(url, data=json.dumps({"responsible": ["XX"]}), content_type="application/json")
    assert r.status_code == 422 and "XX" in r.json()["error"]["message"]
    r = ana.put(url, data=json.dumps({"responsible": ["KES"]}), content_type="application/json")
    assert r.status_code == 403
    assert counts() == before
    r = amara.put(
        url, data=json.dumps({"responsible": ["kes", "NVF"]}), content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["responsible"] == ["KES", "NVF"]
    r = client_for("lena.haas").post(
        f"/p/lake-varna/implementation/commitments/{c.pk}/responsible/",
        {"body": "Joint Commission"},
    )
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.responsible == [] and c.body == "Joint Commission"
