"""Humanitarian notifications: acknowledgement (not approval), late movements, sites becoming
protected sites for the parties that acknowledged them, movements conflicting at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.alignment import hns, queries
from accord.alignment.models import Notification, Touch
from accord.core.errors import Conflict, Forbidden, Invalid

pytestmark = pytest.mark.django_db

SITE = {"type": "Point", "coordinates": [28.4, 44.9]}


def _in(h):
    return timezone.now() + timedelta(hours=h)


def test_demo_convoy_is_late_and_conflicts_with_the_patrol(demo, patrol, viewer):
    convoy = Notification.objects.get(process=demo, title="WFP convoy Varna–Lakeside")
    assert convoy.late and convoy.constraint is not None
    t = Touch.objects.get(action=patrol, constraint=convoy.constraint)
    assert t.conflict
    # Only readers of the patrol learn of it.
    assert not queries.conflicts(viewer("daria.vol")).filter(constraint=convoy.constraint).exists()


def test_late_rule_48h_and_24h_in_emergency(viewer):
    amara = viewer("amara.okafor")
    args = {"kind": "movement", "geometry": SITE, "expires_at": _in(100)}
    on_time = hns.notify(amara, title="On time", start=_in(49), end=_in(50), **args)
    late = hns.notify(amara, title="Late", start=_in(47), end=_in(50), **args)
    emergency = hns.notify(
        amara, title="Emergency", start=_in(25), end=_in(26), emergency=True, **args
    )
    assert (on_time.late, late.late, emergency.late) == (False, True, False)


def test_acknowledged_site_binds_the_parties_that_acknowledged(viewer):
    amara, viktor, daria = viewer("amara.okafor"), viewer("viktor.kess"), viewer("daria.vol")
    n = hns.notify(
        amara, kind="site", title="Clinic", geometry=SITE, buffer_m=200, expires_at=_in(500)
    )
    assert n.constraint is None
    hns.acknowledge(viktor, n)
    n.refresh_from_db()
    assert n.constraint.binds_parties == ["KES"] and n.constraint.kind == "protected_site"
    hns.acknowledge(daria, n)
    n.constraint.refresh_from_db()
    assert n.constraint.binds_parties == ["KES", "NVF"] and n.constraint.version == 2
    with pytest.raises(Conflict, match="already acknowledged"):
        hns.acknowledge(daria, n)


def test_who_may_notify_and_acknowledge(viewer):
    with pytest.raises(Forbidden):
        hns.notify(viewer("ana.costa"), kind="site", title="x", geometry=SITE, expires_at=_in(5))
    n = hns.notify(
        viewer("amara.okafor"), kind="site", title="Clinic", geometry=SITE, expires_at=_in(5)
    )
    with pytest.raises(Forbidden, match="parties to the conflict"):
        hns.acknowledge(viewer("ana.costa"), n)


def test_bad_notifications_write_nothing(viewer):
    amara = viewer("amara.okafor")
    n = Notification.objects.count()
    with pytest.raises(Invalid, match="start and an end"):
        hns.notify(amara, kind="movement", title="x", geometry=SITE, expires_at=_in(5))
    with pytest.raises(Invalid, match="future"):
        hns.notify(amara, kind="site", title="x", geometry=SITE, expires_at=_in(-1))
    with pytest.raises(Invalid, match="swapped"):
        hns.notify(
            amara,
            kind="site",
            title="x",
            geometry={"type": "Point", "coordinates": [44, 128]},
            expires_at=_in(5),
        )
    assert Notification.objects.count() == n


def test_notifications_page_and_api(client_for, api_for):
    page = client_for("viktor.kess").get("/p/lake-varna/alignment/notifications/").content.decode()
    assert "Notified late" in page and "Acknowledge for KES" in page
    r = api_for("daria.vol").get("/api/v1/processes/lake-varna/alignment/notifications").json()
    centre = next(x for x in r["items"] if x["title"] == "UNHCR transit centre, Dren")
    assert centre["acknowledged_by"] == ["KES"]
