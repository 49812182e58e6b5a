"""Actions, constraints and the key rule through the services (policy → write → ledger)."""

from __future__ import annotations

import pytest

from accord.alignment import queries, services
from accord.alignment.models import Action, Touch
from accord.core.errors import Conflict, Forbidden, Invalid
from accord.core.labels import LabelValue
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db

BRIDGE = {"type": "LineString", "coordinates": [[28.79, 45.15], [28.80, 45.23]]}
FAR = {"type": "Point", "coordinates": [28.3, 44.7]}


def test_demo_patrol_crosses_the_zone_and_is_flash(patrol, zos, viewer):
    marsh = viewer("col.marsh")
    t = queries.conflicts(marsh).get(action=patrol, constraint=zos)
    assert t.how == "enters" and t.flash and t.version == zos.version == 2
    assert t.label.value == LabelValue.of(3, ["ARD"])  # combine(SECRET//REL ARD, PUBLIC)


def test_conflicts_carry_both_labels_and_hide_from_other_parties(patrol, zos, viewer):
    for who in ("daria.vol", "viktor.kess", "ana.costa", "lena.haas"):
        v = viewer(who)
        assert not queries.conflicts(v).filter(action=patrol).exists(), who
        assert not queries.touches(v).filter(constraint=zos, action=patrol).exists(), who
    # ana.costa is ARD but cleared CONFIDENTIAL only: the SECRET patrol stays hidden from her.
    assert queries.conflicts(viewer("col.marsh")).filter(action=patrol).exists()


def test_key_rule_409_lists_exactly_the_missing_versions(patrol, zos, viewer, counts, demo):
    from accord.alignment.models import Notification

    convoy = Notification.objects.get(process=demo, title="WFP convoy Varna–Lakeside").constraint
    marsh = viewer("col.marsh")
    before = counts()
    with pytest.raises(Conflict) as err:
        services.set_state(marsh, patrol, "approved")
    assert err.value.status == 409
    assert err.value.fields["missing_constraints"] == [
        {"constraint": convoy.pk, "version": 1, "title": convoy.title},
        {"constraint": zos.pk, "version": 2, "title": zos.title},
    ]
    assert counts() == before
    # Acknowledging an old version is refused; the current one clears it from the list.
    with pytest.raises(Conflict, match="acknowledge version 2"):
        services.acknowledge(marsh, zos, 1)
    services.acknowledge(marsh, zos, 2)
    with pytest.raises(Conflict) as err:
        services.set_state(marsh, patrol, "approved")
    assert [m["constraint"] for m in err.value.fields["missing_constraints"]] == [convoy.pk]
    services.acknowledge(marsh, convoy, 1)
    a = services.set_state(marsh, patrol, "approved")
    assert a.state == "approved"
    assert Entry.objects.filter(action="alignment.action.state").exists()


def test_new_version_makes_touched_actions_stale(patrol, zos, viewer, soon):
    marsh, amara = viewer("col.marsh"), viewer("amara.okafor")
    services.acknowledge(marsh, zos, zos.version)
    assert zos.pk not in [m.constraint.pk for m in queries.missing_acks(marsh, patrol)]
    zos = services.update_constraint(amara, zos, buffer_m=2500, note="widened")
    assert zos.version == 3
    assert (zos.pk, 3) in [
        (m.constraint.pk, m.version) for m in queries.missing_acks(marsh, patrol)
    ]
    with pytest.raises(Conflict) as err:
        services.set_state(marsh, patrol, "approved")
    assert {"constraint": zos.pk, "version": 3, "title": zos.title} in err.value.fields[
        "missing_constraints"
    ]


def test_recheck_when_a_constraint_moves(viewer, soon):
    marsh, amara = viewer("col.marsh"), viewer("amara.okafor")
    a = services.create_action(
        marsh,
        title="Far patrol",
        kind="patrol",
        geometry=FAR,
        buffer_m=100,
        start=soon(2),
        end=soon(5),
    )
    assert not Touch.objects.filter(action=a).exists()
    z = services.create_constraint(
        amara, title="New exclusion zone", kind="exclusion_zone", restriction="prohibited",
        geometry={"type": "Point", "coordinates": [28.8, 45.0]}, buffer_m=1000, source_ref="Decision 7",
    )  # fmt: skip
    assert not Touch.objects.filter(action=a, constraint=z).exists()
    z = services.update_constraint(
        amara, z, geometry={"type": "Point", "coordinates": [28.301, 44.7]}
    )
    t = Touch.objects.get(action=a, constraint=z)
    assert t.conflict and t.flash and t.version == 2
    notices = Entry.objects.filter(action="alignment.conflict", subject_id=str(a.pk))
    assert notices.count() == 1
    # Moving it away drops the touch.
    services.update_constraint(amara, z, geometry={"type": "Point", "coordinates": [28.8, 45.0]})
    assert not Touch.objects.filter(action=a, constraint=z).exists()


def test_inclusion_zone_conflicts_when_leaving(demo, viewer, soon):
    viktor = viewer("viktor.kess")
    out = services.create_action(
        viktor, title="Exercise outside Dolna", kind="exercise",
        geometry={"type": "Point", "coordinates": [28.9, 45.0]}, start=soon(24 * 6), end=soon(24 * 7),
        label=LabelValue.of(1, ["KES"]),
    )  # fmt: skip
    t = Touch.objects.get(action=out, constraint__kind="cantonment")
    assert t.conflict and t.how == "leaves"
    inside = Action.objects.get(process=demo, title="Brigade exercise in Dolna")
    t2 = Touch.objects.get(action=inside, constraint__kind="cantonment")
    assert not t2.conflict and t2.how == "inside"
    # Inside still needs the zone acknowledged (the key rule covers every touched constraint).
    assert [m.constraint.kind for m in queries.missing_acks(viktor, inside)] == ["cantonment"]


@pytest.mark.parametrize(
    "change, words",
    [
        (
            {
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
                }
            },
            "Self-intersection",
        ),
        ({"geometry": {"type": "Point", "coordinates": [45.2, 128.8]}}, "swapped"),
        ({"buffer_m": 600_000}, "500 km"),
        ({"kind": "invasion"}, "unknown kind"),
        ({"title": "  "}, "title is required"),
    ],
)
def test_bad_action_input_writes_nothing(viewer, soon, counts, change, words):
    marsh = viewer("col.marsh")
    args = {
        "title": "Patrol",
        "kind": "patrol",
        "geometry": FAR,
        "start": soon(1),
        "end": soon(2),
    } | change
    before = counts()
    with pytest.raises(Invalid, match=words):
        services.create_action(marsh, **args)
    assert counts() == before


def test_end_before_start_and_naive_times(viewer, soon, counts):
    from datetime import datetime

    marsh = viewer("col.marsh")
    before = counts()
    with pytest.raises(Invalid, match="end must be after"):
        services.create_action(
            marsh, title="P", kind="patrol", geometry=FAR, start=soon(3), end=soon(2)
        )
    with pytest.raises(Invalid, match="time zone"):
        services.create_action(
            marsh,
            title="P",
            kind="patrol",
            geometry=FAR,
            start=datetime(2027, 1, 1),
            end=datetime(2027, 1, 2),
        )
    assert counts() == before


def test_constraint_needs_a_source_and_valid_restriction(viewer, counts):
    amara = viewer("amara.okafor")
    base = {"title": "Zone", "kind": "exclusion_zone", "restriction": "prohibited", "geometry": FAR}
    before = counts()
    with pytest.raises(Invalid, match="needs its source"):
        services.create_constraint(amara, **base)
    with pytest.raises(Invalid, match="notice period"):
        services.create_constraint(
            amara, **(base | {"restriction": "notification", "source_ref": "Art. 1"})
        )
    with pytest.raises(Invalid, match="unknown parties"):
        services.create_constraint(
            amara, **(base | {"binds_parties": ["XXX"], "source_ref": "Art. 1"})
        )
    with pytest.raises(Invalid, match="end must be after"):
        services.create_constraint(
            amara, **(base | {"source_ref": "Art. 1", "valid_from": _t(5), "valid_until": _t(1)})
        )
    assert counts() == before


def _t(h):
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() + timedelta(hours=h)


def test_who_may_do_what(viewer, patrol, soon):
    with pytest.raises(Forbidden):
        services.create_action(
            viewer("ana.costa"), title="P", kind="patrol", geometry=FAR, start=soon(1), end=soon(2)
        )
    with pytest.raises(Forbidden):
        services.create_constraint(
            viewer("daria.vol"),
            title="Z",
            kind="exclusion_zone",
            restriction="prohibited",
            geometry=FAR,
            source_ref="x",
        )
    # Another party's planner cannot even find the ARD patrol.
    from accord.core.errors import NotFound

    with pytest.raises(NotFound):
        services.set_state(viewer("viktor.kess"), patrol, "cancelled")


def test_default_label_is_secret_rel_to_own_party(viewer, soon):
    a = services.create_action(
        viewer("col.marsh"), title="P", kind="patrol", geometry=FAR, start=soon(1), end=soon(2)
    )
    assert a.label.value == LabelValue.of(3, ["ARD"])


def test_moving_an_approved_action_sends_it_back_to_planned(viewer, soon):
    marsh = viewer("col.marsh")
    a = services.create_action(
        marsh, title="P", kind="patrol", geometry=FAR, start=soon(30), end=soon(32)
    )
    services.set_state(marsh, a, "approved")
    a = services.update_action(marsh, a, geometry={"type": "Point", "coordinates": [28.31, 44.7]})
    assert a.state == "planned" and a.revision == 2
    with pytest.raises(Conflict, match="cannot become"):
        services.set_state(marsh, a, "done")
