"""REST (GeoJSON in and out, the 409 of the key rule) and the pages, across parties."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accord.alignment.models import Action

pytestmark = pytest.mark.django_db

API = "/api/v1/processes/lake-varna/alignment"
PAGES = "/p/lake-varna/alignment"


def later(h):
    return (timezone.now() + timedelta(hours=h)).isoformat()


def test_api_plan_conflict_ack_approve(api_for, zos):
    c = api_for("col.marsh")
    body = {
        "title": "Bridge recce",
        "kind": "patrol",
        "geometry": {"type": "LineString", "coordinates": [[28.79, 45.15], [28.80, 45.23]]},
        "buffer_m": 100,
        "start": later(30),
        "end": later(33),
    }
    r = c.post(f"{API}/actions", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    a = r.json()
    assert a["label"]["display"] == "SECRET // REL TO ARD"
    assert [t["constraint"] for t in a["touches"] if t["conflict"]] == [zos.pk]
    assert a["missing_acknowledgements"] == [
        {"constraint": zos.pk, "version": 2, "title": zos.title}
    ]
    r = c.post(
        f"{API}/actions/{a['id']}/state",
        json.dumps({"state": "approved"}),
        content_type="application/json",
    )
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["fields"]["missing_constraints"] == [
        {"constraint": zos.pk, "version": 2, "title": zos.title}
    ]
    r = c.post(
        f"{API}/constraints/{zos.pk}/acknowledge",
        json.dumps({"version": 2}),
        content_type="application/json",
    )
    assert r.status_code == 201
    r = c.post(
        f"{API}/actions/{a['id']}/state",
        json.dumps({"state": "approved"}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "approved"


@pytest.mark.parametrize(
    "geometry, words",
    [
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "Self-intersection",
        ),
        ({"type": "Point", "coordinates": [45.2, 128.8]}, "swapped"),
        ({"type": "Circle", "coordinates": [1, 2]}, "not one of"),
    ],
)
def test_api_bad_geometry_is_422(api_for, geometry, words):
    c = api_for("col.marsh")
    n = Action.objects.count()
    body = {
        "title": "x",
        "kind": "patrol",
        "geometry": geometry,
        "start": later(1),
        "end": later(2),
    }
    r = c.post(f"{API}/actions", json.dumps(body), content_type="application/json")
    assert r.status_code == 422 and words in r.json()["error"]["message"]
    assert Action.objects.count() == n


def test_api_constraint_without_source_is_422(api_for):
    body = {
        "title": "Z",
        "kind": "exclusion_zone",
        "restriction": "prohibited",
        "geometry": {"type": "Point", "coordinates": [28, 45]},
    }
    r = api_for("amara.okafor").post(
        f"{API}/constraints", json.dumps(body), content_type="application/json"
    )
    assert r.status_code == 422 and "source" in r.json()["error"]["message"]


def test_geojson_exports_are_per_reader(api_for, patrol):
    marsh = api_for("col.marsh").get(f"{API}/geojson/actions").json()
    assert marsh["type"] == "FeatureCollection"
    assert patrol.pk in {f["properties"]["id"] for f in marsh["features"]}
    daria = api_for("daria.vol")
    assert daria.get(f"{API}/geojson/actions").json()["features"] == []
    zones = daria.get(f"{API}/geojson/zones").json()["features"]
    assert {f["properties"]["kind"] for f in zones} >= {"zone of separation", "protected site"}
    assert "cantonment / assembly area" not in {
        f["properties"]["kind"] for f in zones
    }  # KES/MED only
    layers = daria.get(f"{API}/geojson/map").json()["features"]
    assert not [f for f in layers if f["properties"]["layer"] in ("action", "conflict")]
    mine = api_for("col.marsh").get(f"{API}/geojson/map").json()["features"]
    assert any(
        f["properties"]["layer"] == "conflict" and f["properties"]["action"] == patrol.pk
        for f in mine
    )


def test_api_conflicts_and_touches_per_reader(api_for, zos, patrol):
    assert api_for("daria.vol").get(f"{API}/conflicts").json()["count"] == 0
    assert api_for("daria.vol").get(f"{API}/constraints/{zos.pk}/touches").json()["count"] == 0
    assert api_for("col.marsh").get(f"{API}/constraints/{zos.pk}/touches").json()["count"] >= 1
    assert api_for("daria.vol").get(f"{API}/actions/{patrol.pk}").status_code == 404


def test_pages_for_each_reader(client_for, zos, patrol):
    marsh = client_for("col.marsh")
    page = marsh.get(f"{PAGES}/actions/{patrol.pk}/").content.decode()
    assert zos.title in page and "Acknowledge version 2" in page and "FLASH" in page
    daria = client_for("daria.vol")
    for url in (
        "actions/",
        "constraints/",
        f"constraints/{zos.pk}/",
        "matrix/",
        "map/",
        "map/data.json",
    ):
        r = daria.get(f"{PAGES}/{url}")
        assert r.status_code == 200, url
        assert patrol.title not in r.content.decode(), url
    assert daria.get(f"{PAGES}/actions/{patrol.pk}/").status_code == 404
    matrix = marsh.get(f"{PAGES}/matrix/").content.decode()
    assert patrol.title in matrix and "accord-cell--conflict" in matrix
    # The banner covers what the cells and the map show without badges.
    assert (
        'aria-label="classification of this page" style="--label-colour:#c8102e" data-level="3"'
        in matrix
    )
    assert 'data-level="3"' in marsh.get(f"{PAGES}/map/").content.decode()
    assert "accord-cell--conflict" not in daria.get(f"{PAGES}/matrix/").content.decode()


def test_page_forms_without_javascript(client_for, zos, patrol):
    marsh = client_for("col.marsh")
    r = marsh.post(
        f"{PAGES}/actions/",
        {"title": "Pasted patrol", "kind": "patrol", "geometry": '{"type": "Point", "coordinates": [28.8, 45.195]}',
         "buffer_m": "50", "start": "2030-01-01T08:00", "end": "2030-01-01T12:00", "line": "",
         "label_level": "3", "label_rel_to": ["ARD"]},
    )  # fmt: skip
    assert r.status_code == 302
    a = Action.objects.get(title="Pasted patrol")
    r = marsh.post(f"{PAGES}/actions/{a.pk}/state/", {"state": "approved"})
    assert r.status_code == 409 and "version 2" in r.content.decode()
    r = marsh.post(
        f"{PAGES}/constraints/{zos.pk}/acknowledge/",
        {"version": "2", "next": f"{PAGES}/actions/{a.pk}/"},
    )
    assert r.status_code == 302 and r["Location"].endswith(f"/actions/{a.pk}/")
    assert marsh.post(f"{PAGES}/actions/{a.pk}/state/", {"state": "approved"}).status_code == 302
    bad = marsh.post(
        f"{PAGES}/actions/",
        {
            "title": "x",
            "kind": "patrol",
            "geometry": "{oops",
            "start": "2030-01-01T08:00",
            "end": "2030-01-01T07:00",
        },
    )
    assert bad.status_code == 422 and "not valid JSON" in bad.content.decode()
