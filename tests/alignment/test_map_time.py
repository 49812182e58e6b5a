"""The map's layers carry their time windows (start/end) for the time slider."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.alignment import services

pytestmark = pytest.mark.django_db

PAGES = "/p/lake-varna/alignment"
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[28.0, 44.0], [28.2, 44.0], [28.2, 44.2], [28.0, 44.2], [28.0, 44.0]]],
}


def test_every_layer_has_start_and_end(demo, client_for, zos):
    from accord.core.demo import member_viewer

    t = timezone.now().replace(microsecond=0) + timedelta(days=2)
    services.create_constraint(
        member_viewer(demo, "amara.okafor"),
        title="Market day corridor",
        kind="humanitarian_corridor",
        restriction="prohibited",
        geometry=SQUARE,
        valid_from=t,
        valid_until=t + timedelta(hours=4),
        source_ref="Decision of the third plenary",
    )
    fc = client_for("viktor.kess").get(f"{PAGES}/map/data.json").json()
    for f in fc["features"]:
        assert {"start", "end"} <= f["properties"].keys(), f["properties"]["layer"]
    props = {f["properties"]["title"]: f["properties"] for f in fc["features"]}
    corridor = props["Market day corridor"]
    assert corridor["start"] == t.isoformat()
    assert corridor["end"] == (t + timedelta(hours=4)).isoformat()
    assert props[zos.title]["start"] is None or zos.valid_from is not None


def test_map_page_has_labelled_slider_in_reader_zone(client_for):
    html = client_for("col.marsh").get(f"{PAGES}/map/").content.decode()
    assert '<label class="usa-label" for="map-time">Chosen time</label>' in html
    assert 'class="usa-range" id="map-time" type="range"' in html
    assert 'data-tz="UTC"' in html
