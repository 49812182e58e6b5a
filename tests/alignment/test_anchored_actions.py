"""Actions timed relative to an anchor event (D+n): their times come from the anchor's date
(read through implementation.queries) and follow it when it changes (core.events)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from accord.alignment import queries, services
from accord.alignment.models import Action, Touch
from accord.core import access
from accord.core.errors import Invalid, NotFound
from accord.core.labels import LabelValue
from accord.implementation import services as impl
from accord.implementation.models import Agreement, AnchorEvent

pytestmark = pytest.mark.django_db

API = "/api/v1/processes/lake-varna/alignment"
BRIDGE = {"type": "LineString", "coordinates": [[28.79, 45.15], [28.80, 45.23]]}
FAR = {"type": "Point", "coordinates": [28.3, 44.7]}


@pytest.fixture
def anchor(demo):
    ev = AnchorEvent.objects.filter(agreement__process=demo, occurred_on__isnull=False).first()
    return ev


def _midnight(day, n):
    return datetime.combine(day + timedelta(days=n), datetime.min.time(), tzinfo=UTC)


def test_d_plus_n_from_the_anchor_date(viewer, anchor):
    a = services.create_action(
        viewer("col.marsh"), title="Withdrawal D+30", kind="withdrawal", geometry=FAR,
        anchor=anchor.pk, start_offset_days=30, end_offset_days=33,
    )  # fmt: skip
    assert (a.start, a.end) == (
        _midnight(anchor.occurred_on, 30),
        _midnight(anchor.occurred_on, 33),
    )
    view = queries.anchor_of(viewer("col.marsh"), a)
    assert view.words == f"D+30 to D+33 ({anchor.name.lower()})"


def test_the_action_follows_the_anchor_and_is_rechecked(
    viewer, anchor, demo, django_capture_on_commit_callbacks
):
    today = datetime.now(UTC).date()
    ag = anchor.agreement
    AnchorEvent.objects.filter(pk=anchor.pk).update(occurred_on=today - timedelta(days=400))
    a = services.create_action(
        viewer("col.marsh"), title="Bridge patrol D+1", kind="patrol", geometry=BRIDGE,
        buffer_m=100, anchor=anchor.pk, start_offset_days=1, end_offset_days=2,
    )  # fmt: skip
    old = Touch.objects.get(action=a, constraint__kind="zone_of_separation")
    assert old.start == _midnight(today - timedelta(days=400), 1)
    new_day = today + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        # implementation's own service: it publishes `implementation.anchor` after commit
        impl.set_anchor_date(viewer("amara.okafor"), ag, anchor.key, new_day)
    a = Action.objects.get(pk=a.pk)
    assert (a.start, a.end) == (_midnight(new_day, 1), _midnight(new_day, 2))
    assert a.revision == 2
    # re-checked at once: the conflict is now at the new time
    t = Touch.objects.get(action=a, constraint__kind="zone_of_separation")
    assert t.conflict and t.start == _midnight(new_day, 1)


def test_bad_anchored_input_writes_nothing(viewer, anchor, counts, demo):
    marsh = viewer("col.marsh")
    before = counts()
    kw = dict(title="x", kind="patrol", geometry=FAR)
    with pytest.raises(Invalid, match="end offset must be after"):
        services.create_action(
            marsh, anchor=anchor.pk, start_offset_days=3, end_offset_days=3, **kw
        )
    with pytest.raises(Invalid, match="whole day offsets"):
        services.create_action(marsh, anchor=anchor.pk, start_offset_days=None, **kw)
    with pytest.raises(Invalid, match="need an anchor"):
        services.create_action(marsh, start_offset_days=1, end_offset_days=2, **kw)
    undated = AnchorEvent.objects.filter(agreement__process=demo, occurred_on__isnull=True).first()
    if undated is not None:
        with pytest.raises(Invalid, match="has no date yet"):
            services.create_action(
                marsh, anchor=undated.pk, start_offset_days=1, end_offset_days=2, **kw
            )
    with pytest.raises(NotFound):
        services.create_action(marsh, anchor=999999, start_offset_days=1, end_offset_days=2, **kw)
    assert counts() == before


def test_anchor_hidden_from_who_may_not_read_the_agreement(viewer, anchor, demo, api_for):
    ag = anchor.agreement
    a = services.create_action(
        viewer("viktor.kess"), title="KES D+5", kind="withdrawal", geometry=FAR,
        anchor=anchor.pk, start_offset_days=5, end_offset_days=6,
        label=LabelValue.of(1, ["KES", "ARD"]),
    )  # fmt: skip
    Agreement.objects.filter(pk=ag.pk).update(
        label=access.label_row(demo, LabelValue.of(1, ["KES"]))
    )
    assert queries.anchor_of(viewer("viktor.kess"), a) is not None
    assert queries.anchor_of(viewer("col.marsh"), a) is None
    body = api_for("col.marsh").get(f"{API}/actions/{a.pk}").json()
    assert body["anchor"] is None and body["start"]
    assert api_for("viktor.kess").get(f"{API}/actions/{a.pk}").json()["anchor"]["id"] == anchor.pk
    # ARD cannot time its own action on an anchor it may not read
    with pytest.raises(NotFound):
        services.create_action(
            viewer("col.marsh"), title="y", kind="patrol", geometry=FAR,
            anchor=anchor.pk, start_offset_days=1, end_offset_days=2,
        )  # fmt: skip


def test_rest_plans_an_anchored_action(api_for, anchor):
    body = {"title": "REST D+2", "kind": "patrol", "geometry": FAR, "anchor": anchor.pk,
            "start_offset_days": 2, "end_offset_days": 4}  # fmt: skip
    r = api_for("col.marsh").post(
        f"{API}/actions", json.dumps(body), content_type="application/json"
    )
    assert r.status_code == 201, r.content
    assert r.json()["anchor"]["words"].startswith("D+2 to D+4")
    bad = dict(body, end_offset_days=1)
    r = api_for("col.marsh").post(
        f"{API}/actions", json.dumps(bad), content_type="application/json"
    )
    assert r.status_code == 422 and "end offset" in r.json()["error"]["message"]


def test_page_form_plans_d_plus_n(client_for, anchor, counts):
    marsh = client_for("col.marsh")
    page = marsh.get("/p/lake-varna/alignment/actions/").content.decode()
    assert 'id="a-anchor"' in page and f'<option value="{anchor.pk}"' in page
    form = {"title": "Form D+3", "kind": "patrol", "geometry": json.dumps(FAR), "buffer_m": "0",
            "start": "", "end": "", "anchor": str(anchor.pk), "start_offset_days": "3",
            "end_offset_days": "5", "label_level": "3", "label_rel_to": ["ARD"]}  # fmt: skip
    r = marsh.post("/p/lake-varna/alignment/actions/", form)
    assert r.status_code == 302, r.content.decode()[:1500]
    a = Action.objects.get(title="Form D+3")
    assert a.start == _midnight(anchor.occurred_on, 3)
    shown = marsh.get(r["Location"]).content.decode()
    assert "D+3 to D+5" in shown and "follows the anchor" in shown
    before = counts()
    r = marsh.post("/p/lake-varna/alignment/actions/", dict(form, end_offset_days="two"))
    assert r.status_code == 422 and "end offset days must be a whole number" in r.content.decode()
    assert counts() == before


def test_explicit_times_detach_the_anchor(viewer, anchor):
    marsh = viewer("col.marsh")
    a = services.create_action(
        marsh, title="D+1 then fixed", kind="patrol", geometry=FAR,
        anchor=anchor.pk, start_offset_days=1, end_offset_days=2,
    )  # fmt: skip
    start = datetime(2031, 1, 1, 8, tzinfo=UTC)
    a = services.update_action(marsh, a, start=start, end=start + timedelta(hours=2))
    assert a.anchor_ref is None and queries.anchor_of(marsh, a) is None
