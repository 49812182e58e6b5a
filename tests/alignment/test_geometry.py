"""The pure 4D core: parsing and validation, metric buffers, antimeridian, and conflicts against
hand-made cases and (property test) against the brute-force pairwise loop."""

from __future__ import annotations

import math
from datetime import UTC

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.alignment import geometry as g

H = 3600.0


def pt(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


def square(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def zone(id="z", geo=None, **kw):
    return g.volume(id, geo or square(0, 0, 1, 1), **kw)


def act(id="a", geo=None, **kw):
    return g.volume(id, geo or pt(0.5, 0.5), **kw)


def ids(conflicts):
    return {(c.action, c.constraint) for c in conflicts}


# ------------------------------------------------------------------ parsing and validation


@pytest.mark.parametrize(
    "data, words",
    [
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "Self-intersection",
        ),
        ({"type": "Point", "coordinates": [45.2, 128.8]}, "swapped"),
        ({"type": "Point", "coordinates": [190, 10]}, "longitude 190 is outside"),
        ({"type": "Point", "coordinates": ["a", 10]}, "numbers"),
        ({"type": "LineString", "coordinates": [[0, 0]]}, "at least 2"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "at least 3"),
        ({"type": "GeometryCollection", "geometries": []}, "not one of"),
        ({"type": "Polygon", "coordinates": []}, "no coordinates"),
        ("{not json", "not valid JSON"),
        ([1, 2], "GeoJSON object"),
    ],
)
def test_bad_geometry_is_refused_in_words(data, words):
    with pytest.raises(g.GeometryError, match=words):
        g.parse_geojson(data)


def test_valid_types_and_features_parse():
    assert g.parse_geojson(pt(28.8, 45.2)).geom_type == "Point"
    assert g.parse_geojson({"type": "Feature", "geometry": square(0, 0, 1, 1)}).area == 1
    assert (
        g.parse_geojson({"type": "MultiPoint", "coordinates": [[0, 0], [1, 1]]}).geom_type
        == "MultiPoint"
    )
    assert (
        g.parse_geojson({"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]]]}).length > 1
    )
    mp = {"type": "MultiPolygon", "coordinates": [square(0, 0, 1, 1)["coordinates"]]}
    assert g.parse_geojson(mp).area == 1
    # An unclosed ring is closed; a 3D position keeps its plane coordinates.
    assert (
        g.parse_geojson({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]}).area == 0.5
    )
    assert g.parse_geojson({"type": "Point", "coordinates": [1, 2, 300]}).x == 1


@pytest.mark.parametrize("bad", [-1, 500_001, float("nan"), "x"])
def test_bad_buffers(bad):
    with pytest.raises(g.GeometryError, match="buffer"):
        g.check_buffer(bad)


def test_buffer_of_500_km_is_allowed_and_over_is_not():
    assert g.check_buffer(500_000) == 500_000
    with pytest.raises(g.GeometryError, match="500 km"):
        g.volume("a", pt(0, 0), buffer=600_000)


def test_end_before_start_and_bad_band():
    with pytest.raises(g.GeometryError, match="end must be after"):
        g.check_window(10, 5)
    with pytest.raises(g.GeometryError, match="end must be after"):
        g.check_window(5, 5)
    with pytest.raises(g.GeometryError, match="upper limit"):
        g.check_band(300, 100)


# ------------------------------------------------------------------ metric buffers


@pytest.mark.parametrize("lat", [0, 45.2, 70])
def test_buffer_is_metres_at_every_latitude(lat):
    """A 2 km buffer is 2 km (within 0.5 %) east-west and north-south, even at 70° N where a
    degree of longitude is a third of a degree of latitude: never degrees as metres."""
    c = g.parse_geojson(pt(28.8, lat))
    ring = g.buffer_m(c, 2000)
    d = g.distance_m(c, ring.exterior)
    assert 1999.99 <= d <= 2010
    _minx, _miny, maxx, maxy = ring.bounds
    east = g.distance_m(c, shapely.Point(maxx, lat))
    north = g.distance_m(c, shapely.Point(28.8, maxy))
    assert east == pytest.approx(north, rel=0.01)


def test_buffer_of_a_line_and_a_polygon():
    line = g.parse_geojson({"type": "LineString", "coordinates": [[28.7, 45.2], [28.9, 45.2]]})
    band = g.buffer_m(line, 1000)
    assert band.contains(shapely.Point(28.8, 45.2 + 0.008))  # ~890 m north
    assert not band.contains(shapely.Point(28.8, 45.2 + 0.0095))  # ~1,055 m north


# ------------------------------------------------------------------ space


def test_inside_outside_touching():
    z = zone()
    assert ids(g.conflicts([act("in")], [z])) == {("in", "z")}
    assert ids(g.conflicts([act("out", pt(2, 2))], [z])) == set()
    # Touching: a point on the boundary and a square sharing an edge both conflict (cautious).
    edge = act("edge", pt(1, 0.5))
    side = act("side", square(1, 0, 2, 1))
    corner = act("corner", square(1, 1, 2, 2))
    assert ids(g.conflicts([edge, side, corner], [z])) == {
        ("edge", "z"),
        ("side", "z"),
        ("corner", "z"),
    }


def test_buffers_on_either_side_decide():
    """A point 1.11 km east of the zone (0.01° at the equator): clear without buffers, in
    conflict with a 1.2 km buffer on the action or on the zone, clear with 1 km on either."""
    z0 = zone(geo=square(0, 0, 1, 1))
    p = pt(1.01, 0.5)
    assert not g.conflicts([act(geo=p)], [z0])
    assert g.conflicts([act(geo=p, buffer=1200)], [z0])
    assert not g.conflicts([act(geo=p, buffer=1000)], [z0])
    assert g.conflicts([act(geo=p)], [zone(geo=square(0, 0, 1, 1), buffer=1200)])
    assert not g.conflicts([act(geo=p)], [zone(geo=square(0, 0, 1, 1), buffer=1000)])
    # 600 m + 600 m meet across 1.11 km.
    assert g.conflicts([act(geo=p, buffer=600)], [zone(geo=square(0, 0, 1, 1), buffer=600)])


def test_a_line_crossing_a_ceasefire_line_buffer():
    cfl = g.volume(
        "cfl", {"type": "LineString", "coordinates": [[28.6, 45.2], [29.0, 45.2]]}, buffer=2000
    )
    patrol = act("patrol", {"type": "LineString", "coordinates": [[28.8, 45.1], [28.8, 45.15]]})
    # 45.15 is ~5.6 km south of the line: clear; extended to 45.19 (~1.1 km): inside the 2 km band.
    assert not g.conflicts([patrol], [cfl])
    near = act("near", {"type": "LineString", "coordinates": [[28.8, 45.1], [28.8, 45.19]]})
    assert ids(g.conflicts([near], [cfl])) == {("near", "cfl")}


def test_inclusion_zone_conflicts_when_the_action_leaves():
    camp = zone("camp", square(0, 0, 1, 1), polarity=g.INCLUSION)
    inside = act("inside", square(0.2, 0.2, 0.4, 0.4))
    on_edge = act("on_edge", {"type": "LineString", "coordinates": [[0, 0], [0, 1]]})
    across = act("across", square(0.8, 0.8, 1.2, 1.2))
    far = act("far", pt(5, 5))
    got = g.conflicts([inside, on_edge, across, far], [camp])
    assert ids(got) == {("across", "camp"), ("far", "camp")}
    assert {c.how for c in got} == {"leaves"}
    # A buffer that reaches over the boundary leaves the zone.
    assert ids(g.conflicts([act("b", pt(0.995, 0.5), buffer=1000)], [camp])) == {("b", "camp")}


def test_binding_by_party_and_kind():
    z = zone(parties={"KES"}, kinds={"patrol"})
    a1 = act("kes_patrol", party="KES", kind="patrol")
    a2 = act("nvf_patrol", party="NVF", kind="patrol")
    a3 = act("kes_convoy", party="KES", kind="convoy")
    assert ids(g.conflicts([a1, a2, a3], [z])) == {("kes_patrol", "z")}
    camp = zone("camp", polarity=g.INCLUSION, parties={"KES"})
    assert ids(g.conflicts([act("nvf", pt(5, 5), party="NVF")], [camp])) == set()


# ------------------------------------------------------------------ time and altitude


def test_time_edges_are_half_open():
    z = zone(start=10 * H, end=20 * H)
    before = act("before", start=0, end=10 * H)  # ends as the zone starts: no conflict
    after = act("after", start=20 * H, end=30 * H)  # starts as the zone ends: no conflict
    overlap = act("overlap", start=9 * H, end=10 * H + 1)
    last = act("last", start=20 * H - 1, end=21 * H)
    open_ended = act("open", start=15 * H)
    got = g.conflicts([before, after, overlap, last, open_ended], [z])
    assert ids(got) == {("overlap", "z"), ("last", "z"), ("open", "z")}
    c = next(c for c in got if c.action == "overlap")
    assert (c.start, c.end) == (10 * H, 10 * H + 1)


def test_datetimes_need_a_zone():
    from datetime import datetime

    with pytest.raises(g.GeometryError, match="time zone"):
        g.check_window(datetime(2026, 1, 1), None)
    s, e = g.check_window(datetime(2026, 1, 1, tzinfo=UTC), None)
    assert e == math.inf and s > 0


def test_altitude_bands_are_closed():
    z = zone(lower=0, upper=300)
    assert g.conflicts([act(lower=300, upper=500)], [z])
    assert not g.conflicts([act(lower=301, upper=500)], [z])
    assert g.conflicts([act()], [z])  # no band: every altitude


# ------------------------------------------------------------------ antimeridian


def test_antimeridian_polygon_is_split_and_detects_on_both_sides():
    dateline = {
        "type": "Polygon",
        "coordinates": [[[179.5, 0], [-179.5, 0], [-179.5, 1], [179.5, 1], [179.5, 0]]],
    }
    z = zone("z", dateline)
    assert z.shape.geom_type == "MultiPolygon"
    minx, _, maxx, _ = z.shape.bounds
    assert minx >= -180 and maxx <= 180
    assert z.shape.area == pytest.approx(1.0)
    east = act("east", pt(-179.8, 0.5))
    west = act("west", pt(179.8, 0.5))
    far = act("far", pt(0, 0.5))
    assert ids(g.conflicts([east, west, far], [z])) == {("east", "z"), ("west", "z")}


def test_antimeridian_buffer_reaches_across():
    """A point at 179.995° E with a 2 km buffer reaches -179.99° (W) across the line."""
    a = act("a", pt(179.995, 0), buffer=2000)
    z = zone("z", square(-179.999, -0.01, -179.9, 0.01))
    assert ids(g.conflicts([a], [z])) == {("a", "z")}
    minx, _, maxx, _ = a.shape.bounds
    assert minx >= -180 and maxx <= 180


def test_a_line_across_the_antimeridian():
    line = act("l", {"type": "LineString", "coordinates": [[179, 10], [-179, 10]]})
    assert line.shape.length == pytest.approx(2.0)
    z = zone("z", square(-179.5, 9, -179.2, 11))
    assert ids(g.conflicts([line], [z])) == {("l", "z")}


# ------------------------------------------------------------------ re-check


def test_recheck_after_a_constraint_moves():
    actions = [act(f"a{i}", pt(i + 0.5, 0.5)) for i in range(5)]
    z = zone("z", square(0, 0, 1, 1))
    det = g.Detector(actions, [z, zone("y", square(3, 0, 4, 1))])
    assert ids(det.conflicts()) == {("a0", "z"), ("a3", "y")}
    now, gone = det.recheck(g.moved(z, dx=2))
    assert ids(now) == {("a2", "z")}
    assert ids(gone) == {("a0", "z")}
    assert ids(det.conflicts()) == {("a2", "z"), ("a3", "y")}
    # A new constraint is added by recheck.
    now, gone = det.recheck(zone("new", square(4, 0, 5, 1)))
    assert ids(now) == {("a4", "new")} and not gone


# ------------------------------------------------------------------ property: index = brute force


coord = st.floats(min_value=-2, max_value=2, allow_nan=False)
size = st.floats(min_value=0.01, max_value=1.5, allow_nan=False)
hours = st.integers(min_value=0, max_value=48)


@st.composite
def geojson(draw):
    kind = draw(st.sampled_from(["Point", "LineString", "Polygon"]))
    x, y = draw(coord), draw(coord)
    if kind == "Point":
        return pt(x, y)
    if kind == "LineString":
        return {
            "type": "LineString",
            "coordinates": [[x, y], [x + draw(size), y + draw(size) - 0.7]],
        }
    return square(x, y, x + draw(size), y + draw(size))


@st.composite
def window(draw):
    s = draw(hours)
    return {"start": s * H, "end": (s + draw(st.integers(min_value=1, max_value=24))) * H}


@st.composite
def actions_and_constraints(draw):
    acts = [
        g.volume(
            f"a{i}",
            draw(geojson()),
            buffer=draw(st.sampled_from([0, 500, 5000])),
            party=draw(st.sampled_from(["ARD", "KES"])),
            kind=draw(st.sampled_from(["patrol", "convoy"])),
            **draw(window()),
        )
        for i in range(draw(st.integers(min_value=0, max_value=12)))
    ]
    cons = []
    for j in range(draw(st.integers(min_value=0, max_value=6))):
        x, y = draw(coord), draw(coord)
        cons.append(
            g.volume(
                f"c{j}",
                square(x, y, x + draw(size), y + draw(size)),
                buffer=draw(st.sampled_from([0, 2000])),
                polarity=draw(st.sampled_from([g.EXCLUSION, g.EXCLUSION, g.INCLUSION])),
                parties=draw(st.sampled_from([None, {"KES"}])),
                kinds=draw(st.sampled_from([None, {"patrol"}])),
                lower=draw(st.sampled_from([None, 0])),
                upper=draw(st.sampled_from([None, 300])),
                windows=draw(st.one_of(st.none(), st.lists(window_pair(), min_size=1, max_size=3))),
                **draw(window()),
            )
        )
    return acts, cons


@st.composite
def window_pair(draw):
    w = draw(window())
    return (w["start"], w["end"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions_and_constraints())
def test_detector_equals_brute_force(data):
    acts, cons = data
    assert g.conflicts(acts, cons) == g.brute_force(acts, cons)
    if cons:
        det = g.Detector(acts, cons)
        moved = g.moved(cons[0], dx=0.3, dy=-0.2)
        now, _ = det.recheck(moved)
        assert now == {c for c in g.brute_force(acts, [moved])}
        assert det.conflicts() == g.brute_force(acts, [moved, *cons[1:]])


def test_negative_zero_ring_stays_closed_through_buffers():
    """Found by the property test: a ring starting at -0.0 and closing at 0.0 projected to two
    different points and GEOS refused the ring."""
    ring = [[-0.0, 1.0], [1.0, 1.0], [1.0, 2.0], [0.0, 2.0], [0.0, 1.0]]
    v = g.volume("z", {"type": "Polygon", "coordinates": [ring]}, buffer=500)
    assert v.shape.is_valid and v.shape.area > 1.0


# ------------------------------------------------------------------ several time windows


def corridor(**kw):
    """A corridor open 06:00–10:00 on three days (hours from the epoch), bound to all."""
    days = [(d * 24 + 6) * H for d in range(3)]
    return zone("corridor", windows=[(s, s + 4 * H) for s in days], **kw)


def test_inside_one_window_conflicts_and_says_when():
    hit = g.conflicts([act(start=(24 + 8) * H, end=(24 + 12) * H)], [corridor()])
    assert [(c.start, c.end) for c in hit] == [((24 + 8) * H, (24 + 10) * H)]


def test_between_windows_no_conflict():
    assert not g.conflicts([act(start=11 * H, end=(24 + 5) * H)], [corridor()])
    assert not g.brute_force([act(start=11 * H, end=(24 + 5) * H)], [corridor()])


def test_window_edges_touching_do_not_conflict():
    # ends exactly when the second day's window opens; starts exactly when the first closes
    assert not g.conflicts([act("x", start=10 * H, end=(24 + 6) * H)], [corridor()])
    # one second inside the window does
    assert ids(g.conflicts([act("y", start=10 * H, end=(24 + 6) * H + 1)], [corridor()])) == {
        ("y", "corridor")
    }


def test_spanning_several_windows_reports_first_to_last_overlap():
    (c,) = g.conflicts([act(start=7 * H, end=(48 + 7) * H)], [corridor()])
    assert (c.start, c.end) == (7 * H, (48 + 7) * H)


def test_windows_are_clipped_to_the_validity_and_checked():
    v = corridor(start=24 * H, end=48 * H)  # only the second day is valid
    assert v.windows == (((24 + 6) * H, (24 + 10) * H),)
    assert not g.conflicts([act(start=7 * H, end=9 * H)], [v])
    with pytest.raises(g.GeometryError, match="end must be after"):
        zone(windows=[(10 * H, 9 * H)])
    with pytest.raises(g.GeometryError, match="at most 100"):
        zone(windows=[(i * H, i * H + 1) for i in range(101)])
    # overlapping windows merge
    assert zone(windows=[(0, 2 * H), (H, 3 * H)]).windows == ((0, 3 * H),)


def test_recheck_of_a_windowed_constraint():
    a = act("a", start=11 * H, end=12 * H)
    det = g.Detector([a], [zone("corridor")])
    assert ids(det.conflicts()) == {("a", "corridor")}
    now, gone = det.recheck(corridor())
    assert not now and ids(gone) == {("a", "corridor")}
