"""Pages and REST: lists, claim page, the new-claim flow that flags an assessed rumour."""

from __future__ import annotations

import json

from accord.core.labels import LabelValue
from accord.verification import services
from tests.verification.conftest import BUNDLE

SLUG = "lake-varna"
API = f"/api/v1/processes/{SLUG}/verification"


def test_pages_render_for_a_reader(demo, client_for, rumour):
    c = client_for("ana.costa")
    for url in (
        f"/p/{SLUG}/verification/claims/",
        f"/p/{SLUG}/verification/claims/?status=false&q=bridge",
        f"/p/{SLUG}/verification/claims/new/",
        f"/p/{SLUG}/verification/claims/{rumour.pk}/",
        f"/p/{SLUG}/verification/sources/",
        f"/p/{SLUG}/verification/techniques/",
    ):
        r = c.get(url)
        assert r.status_code == 200, url
        assert "object at 0x" not in r.content.decode()
    page = c.get(f"/p/{SLUG}/verification/claims/{rumour.pk}/").content.decode()
    assert "E5" in page and "1 independent source" in page and "Varna Truth" in page


def test_new_claim_form_flags_the_assessed_rumour(demo, client_for, rumour):
    c = client_for("erik.lund")
    r = c.post(
        f"/p/{SLUG}/verification/claims/new/",
        {"text": "NVF fighters massacred civilians at the Varna bridge at dawn", "language": "en"},
    )
    assert r.status_code == 302 and r.url.endswith("?new=1")
    page = c.get(r.url).content.decode()
    assert "Similar claims were seen before" in page
    assert "already assessed as false (E5) by" in page and "Sophie Martin" in page


def test_new_claim_form_refusal_in_words(demo, client_for):
    r = client_for("erik.lund").post(
        f"/p/{SLUG}/verification/claims/new/", {"text": "x", "techniques": "T9999"}
    )
    assert r.status_code == 422
    assert "unknown disarm technique" in r.content.decode().lower()


def test_assess_form_refuses_confirmed_in_words(demo, client_for, rumour, counts):
    client = client_for("sophie.martin")
    before = counts()
    r = client.post(
        f"/p/{SLUG}/verification/claims/{rumour.pk}/assess/",
        {"status": "verified", "credibility": "1", "rationale": "x"},
    )
    assert r.status_code == 409
    assert "two independent sources" in r.content.decode()
    assert counts() == before


def test_api_claim_flow(demo, api_for, rumour):
    api = api_for("sophie.martin")
    r = api.post(
        f"{API}/sources",
        json.dumps({"name": "Mirror", "kind": "account", "reliability": "Z"}),
        content_type="application/json",
    )
    assert r.status_code == 422 and "A–F" in r.json()["error"]["message"]
    r = api.post(
        f"{API}/claims",
        json.dumps({"text": "Civilians massacred at Varna bridge by NVF at dawn"}),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    hit = next(h for h in body["similar"] if h["id"] == rumour.pk)
    assert hit["status"] == "false" and hit["rating"] == "E5"
    r = api.post(
        f"{API}/claims/{body['id']}/assessments",
        json.dumps(
            {
                "status": "false",
                "credibility": 5,
                "rationale": "dup",
                "likelihood": "likely",
                "probability": 30,
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 422 and "55–80" in r.json()["error"]["message"]
    r = api.get(f"{API}/claims?status=false")
    assert [x["id"] for x in r.json()["items"]] == [rumour.pk]


def test_similar_never_reveals_unreadable_claims(demo, viewer, api_for):
    sophie = viewer("sophie.martin")
    services.create_claim(
        sophie,
        text="Secret Belmark note: the Varna bridge massacre story is planted by a ministry",
        label=LabelValue.of(1, ["BEL"]),
    )
    hits = (
        api_for("ana.costa")
        .post(
            f"{API}/similar",
            json.dumps({"text": "Secret Belmark note: the Varna bridge massacre story is planted"}),
            content_type="application/json",
        )
        .json()
    )
    assert all("Secret Belmark" not in h["text"] for h in hits)
    mine = (
        api_for("sophie.martin")
        .post(
            f"{API}/similar",
            json.dumps({"text": "Secret Belmark note: the Varna bridge massacre story is planted"}),
            content_type="application/json",
        )
        .json()
    )
    assert "Secret Belmark" in mine[0]["text"]


def test_tracker_counts_only_readable_claims(demo, viewer, client_for):
    from accord.verification import queries

    sophie = viewer("sophie.martin")
    before = sum(queries.tracker(viewer("ana.costa"))["status"].values())
    services.create_claim(sophie, text="Belmark-only rumour", label=LabelValue.of(1, ["BEL"]))
    assert sum(queries.tracker(viewer("ana.costa"))["status"].values()) == before
    assert sum(queries.tracker(sophie)["status"].values()) == before + 1
    page = client_for("ana.costa").get(f"/p/{SLUG}/verification/tracker/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Claims seen per day, by status" in html and "<svg" in html
    if BUNDLE is not None:  # the demo tags its claims with DISARM techniques when it has them
        assert "T0023" in html


def test_claims_filter_by_technique(demo, api_for, rumour):
    """The technique filter keeps the claims tagged with it (any case), and a word that names
    no technique finds nothing — never a server error."""
    from accord.verification.models import Claim

    Claim.objects.filter(pk=rumour.pk).update(techniques=["T0118"])
    c = api_for("ana.costa")
    url = "/api/v1/processes/lake-varna/verification/claims"
    r = c.get(url, {"technique": "t0118"})
    assert r.status_code == 200
    found = r.json()["items"]
    assert rumour.pk in [x["id"] for x in found]
    assert all("T0118" in x["techniques"] for x in found)
    assert len(found) < Claim.objects.filter(process=demo).count()
    r = c.get(url, {"technique": "null"})
    assert r.status_code == 200 and r.json()["items"] == []
