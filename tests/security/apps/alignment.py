"""Leak-suite plug-in of the alignment app: its path/query parameters and canaries.

The canaries: a PUBLIC zone crossed by an ARD-only action (CONFIDENTIAL // REL TO ARD) and by a
KES/MED action; a SECRET // MILOPS action; a KES/NVF zone; a mediation-only zone; an ARD-only
line of effort. The conflicts carry the combined labels, so a conflict, a count, a map layer, a
GeoJSON export or a matrix cell that shows one to a member who may not read both sides is a leak.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.security.canaries import C_ARD, PUB, R_KESMED, R_KESNVF, S_MED, S_MILOPS
from tests.security.walker import Param, Query

PARAMS = {
    "action_id": Param(kind="alignment.action"),
    "constraint_id": Param(kind="alignment.constraint"),
    "notification_id": Param(kind="alignment.notification"),
}
QUERY = {
    "state": Query(values=("planned",)),
    "from": Query(values=("0", "7")),
    # an anchor event's id (not a linkable kind): the matrix ignores one of an agreement the
    # reader may not read; the demo's first ones are tried
    "anchor": Query(values=("1", "2", "3")),
}

ZONE = {
    "type": "Polygon",
    "coordinates": [[[28.0, 44.0], [28.2, 44.0], [28.2, 44.2], [28.0, 44.2], [28.0, 44.0]]],
}
CROSSING = {"type": "LineString", "coordinates": [[27.9, 44.1], [28.1, 44.1]]}


def canaries(b) -> None:
    from accord.alignment import services

    now = timezone.now()
    marsh, viktor = b.v("col.marsh"), b.v("viktor.kess")
    amara, lena = b.v("amara.okafor"), b.v("lena.haas")

    services.create_constraint(
        amara,
        title=f"Canary public zone {b.tok()}",
        kind="exclusion_zone",
        restriction="prohibited",
        geometry=ZONE,
        source_ref=f"Canary decision {b.tok()}",
        label=PUB,
    )
    services.create_constraint(
        viktor,
        title=f"Canary KES-NVF zone {b.tok()}",
        kind="demilitarised_zone",
        restriction="conditional",
        conditions=f"Canary conditions {b.tok()}",
        geometry=ZONE,
        source_ref=f"Canary protocol {b.tok()}",
        label=R_KESNVF,
    )
    services.create_constraint(
        viktor,
        title=f"Canary KES-NVF corridor {b.tok()}",
        kind="humanitarian_corridor",
        restriction="prohibited",
        geometry=ZONE,
        windows=[(now + timedelta(hours=2), now + timedelta(hours=5))],
        repeat_days=3,
        source_ref=f"Canary corridor annex {b.tok()}",
        label=R_KESNVF,
    )
    services.create_constraint(
        lena,
        title=f"Canary mediation zone {b.tok()}",
        kind="exclusion_zone",
        restriction="prohibited",
        geometry=ZONE,
        source_ref=f"Canary mediator note {b.tok()}",
        label=S_MED,
    )
    line = services.create_line(
        marsh,
        name=f"Canary ARD line {b.tok()}",
        kind="military",
        objectives=f"Canary aim {b.tok()}",
        label=C_ARD,
    )
    services.create_action(
        marsh,
        title=f"Canary ARD patrol {b.tok()}",
        description=f"Canary route {b.tok()}",
        kind="patrol",
        geometry=CROSSING,
        start=now + timedelta(hours=6),
        end=now + timedelta(hours=30),
        line=line.pk,
        label=C_ARD,
    )
    services.create_action(
        marsh,
        title=f"Canary MILOPS flight {b.tok()}",
        kind="flight",
        geometry=CROSSING,
        buffer_m=500,
        start=now + timedelta(days=2),
        end=now + timedelta(days=3),
        label=S_MILOPS,
    )
    from accord.alignment import hns

    for label in (R_KESMED, S_MED):
        hns.notify(
            amara,
            kind="movement",
            title=f"Canary notified movement {b.tok()}",
            vehicles=f"Canary trucks {b.tok()}",
            geometry=CROSSING,
            start=now + timedelta(hours=20),
            end=now + timedelta(hours=40),
            expires_at=now + timedelta(days=3),
            label=label,
        )
    services.create_action(
        viktor,
        title=f"Canary KES movement {b.tok()}",
        kind="movement",
        geometry=CROSSING,
        start=now + timedelta(days=1),
        end=now + timedelta(days=2),
        label=R_KESMED,
    )
