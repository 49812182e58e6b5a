"""Several time windows per humanitarian corridor: the service, REST and the form; conflict
detection counts only the windows (inside one, between two, touching an edge)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accord.alignment import services
from accord.alignment.models import Constraint, Touch
from accord.core.errors import Invalid

pytestmark = pytest.mark.django_db

API = "/api/v1/processes/lake-varna/alignment"
PAGES = "/p/lake-varna/alignment"
ROAD = {"type": "LineString", "coordinates": [[28.30, 44.60], [28.30, 44.80]]}
CROSSING = {"type": "LineString", "coordinates": [[28.25, 44.70], [28.35, 44.70]]}


@pytest.fixture
def day0():
    """06:00 UTC three days from now: the corridor's first opening."""
    d = (timezone.now() + timedelta(days=3)).replace(hour=6, minute=0, second=0, microsecond=0)
    return d


def _corridor(viewer, day0, **kw):
    return services.create_constraint(
        viewer("amara.okafor"),
        title="Lakeside corridor",
        kind="humanitarian_corridor",
        restriction="prohibited",
        geometry=ROAD,
        buffer_m=500,
        windows=kw.pop("windows", [(day0, day0 + timedelta(hours=4))]),
        repeat_days=kw.pop("repeat_days", 7),
        source_ref="Humanitarian corridors annex, paragraph 2",
        **kw,
    )


def _patrol(viewer, start, end, title="Crossing patrol"):
    return services.create_action(
        viewer("col.marsh"), title=title, kind="patrol", geometry=CROSSING, start=start, end=end
    )


def test_daily_windows_for_a_week(viewer, day0):
    c = _corridor(viewer, day0)
    assert len(c.windows) == 7
    assert c.window_times[0] == (day0, day0 + timedelta(hours=4))
    assert c.window_times[6][0] == day0 + timedelta(days=6)
    assert c.versions.get(number=1).snapshot["windows"] == c.windows


def test_conflict_inside_one_window_not_between_not_at_the_edge(viewer, day0):
    c = _corridor(viewer, day0)
    inside = _patrol(viewer, day0 + timedelta(days=2, hours=3), day0 + timedelta(days=2, hours=5))
    between = _patrol(viewer, day0 + timedelta(hours=4), day0 + timedelta(hours=24), "Between")
    edge = _patrol(viewer, day0 - timedelta(hours=2), day0, "Edge")
    t = Touch.objects.get(action=inside, constraint=c)
    assert t.conflict
    assert (t.start, t.end) == (
        day0 + timedelta(days=2, hours=3),
        day0 + timedelta(days=2, hours=4),
    )
    assert not Touch.objects.filter(action__in=[between, edge], constraint=c).exists()
    # A new version with one window only at the between-time: the touches follow.
    services.update_constraint(
        viewer("amara.okafor"),
        c,
        windows=[(day0 + timedelta(hours=10), day0 + timedelta(hours=12))],
    )
    assert Touch.objects.filter(action=between, constraint=c, conflict=True).exists()
    assert not Touch.objects.filter(action=inside, constraint=c).exists()


@pytest.mark.parametrize(
    ("windows", "repeat", "words"),
    [
        ("backwards", 1, "time window 1 ends before it starts"),
        ("naive", 1, "needs a time zone"),
        ("many", 1, "at most 100 time windows"),
        ("ok", 32, "repeat daily for 1 to 31 days"),
        ("ok", 15, "at most 100 time windows (this makes 105)"),
        ("half", 1, "time window 1 needs a start and an end"),
    ],
)
def test_bad_windows_are_refused_and_nothing_written(viewer, day0, counts, windows, repeat, words):
    h = timedelta(hours=1)
    given = {
        "backwards": [(day0 + h, day0)],
        "naive": [(datetime(2030, 1, 1, 6), datetime(2030, 1, 1, 8))],
        "many": [(day0 + i * 2 * h, day0 + (i * 2 + 1) * h) for i in range(101)],
        "ok": [(day0 + i * 2 * h, day0 + (i * 2 + 1) * h) for i in range(7)],
        "half": [{"start": day0.isoformat()}],
    }[windows]
    before = counts()
    with pytest.raises(Invalid, match=words.replace("(", r"\(").replace(")", r"\)")):
        _corridor(viewer, day0, windows=given, repeat_days=repeat)
    assert counts() == before


def test_rest_windows_in_and_out_and_422(api_for, client_for, day0, counts):
    c = api_for("amara.okafor")
    client_for("amara.okafor")
    body = {
        "title": "REST corridor",
        "kind": "humanitarian_corridor",
        "restriction": "prohibited",
        "geometry": ROAD,
        "windows": [{"start": day0.isoformat(), "end": (day0 + timedelta(hours=4)).isoformat()}],
        "repeat_days": 3,
        "source_ref": "Annex 2",
    }
    r = c.post(f"{API}/constraints", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    out = r.json()
    assert len(out["windows"]) == 3
    assert datetime.fromisoformat(out["windows"][2]["start"]) == day0 + timedelta(days=2)
    before = counts()
    bad = dict(body, windows=[{"start": day0.isoformat(), "end": day0.isoformat()}])
    r = c.post(f"{API}/constraints", json.dumps(bad), content_type="application/json")
    assert r.status_code == 422
    assert "time window 1 ends before it starts" in r.json()["error"]["message"]
    assert counts() == before
    # PATCH replaces the windows with a new version.
    r = c.patch(
        f"{API}/constraints/{out['id']}",
        json.dumps({"windows": [], "note": "open all day"}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["windows"] == [] and r.json()["version"] == 2


def test_form_windows_in_the_readers_zone(client_for, day0, counts):
    amara = client_for("amara.okafor")
    first = day0.strftime("%Y-%m-%d %H:%M")
    last = (day0 + timedelta(hours=4)).strftime("%Y-%m-%d %H:%M")
    form = {
        "title": "Form corridor", "kind": "humanitarian_corridor", "restriction": "prohibited",
        "geometry": json.dumps(ROAD), "buffer_m": "0", "source_ref": "Annex 2",
        "windows": f"{first} / {last}\n", "repeat_days": "2", "label_level": "0",
    }  # fmt: skip
    r = amara.post(f"{PAGES}/constraints/", form)
    assert r.status_code == 302, r.content.decode()[:2000]
    c = Constraint.objects.get(title="Form corridor")
    assert c.window_times[1] == (day0 + timedelta(days=1), day0 + timedelta(days=1, hours=4))
    page = amara.get(r["Location"]).content.decode()
    assert "Time windows" in page and "UTC" in page
    before = counts()
    r = amara.post(f"{PAGES}/constraints/", dict(form, title="Bad", windows=f"{first} {last}"))
    assert r.status_code == 422
    assert "Time window 1: write the start and the end separated by “/”" in r.content.decode()
    r = amara.post(f"{PAGES}/constraints/", dict(form, title="Bad", windows=f"{last} / {first}"))
    assert r.status_code == 422 and "ends before it starts" in r.content.decode()
    assert counts() == before
