"""Demo content of the alignment app in the Lake Varna process, made through the services.

Geography (invented, around 45.2° N 28.8° E): the Varna ceasefire line runs west–east north of
the lake; its zone of separation is 2 km each side (after Dayton's). Two protected sites (the
district hospital, a camp for displaced people), a humanitarian corridor open on one day, the
Dolna assembly area for Kestrian forces (an inclusion zone), an Ardanian patrol (SECRET // REL TO
ARD) that crosses the zone within 24 hours, and a Kestrian withdrawal into the assembly area.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accord.core.labels import LabelValue

CEASEFIRE_LINE = [[28.55, 45.16], [28.68, 45.21], [28.80, 45.19], [28.93, 45.24], [29.05, 45.22]]
# Version 2: the line near the Varna bridge moved 1 km north in the redraft of Article 3.
CEASEFIRE_LINE_V2 = [[28.55, 45.16], [28.68, 45.21], [28.80, 45.20], [28.93, 45.24], [29.05, 45.22]]
HOSPITAL = [28.745, 45.232]
CAMP = [[28.86, 45.13], [28.90, 45.13], [28.90, 45.155], [28.86, 45.155], [28.86, 45.13]]
CORRIDOR = [[28.70, 45.08], [28.74, 45.16], [28.76, 45.26], [28.78, 45.32]]
DOLNA = [[28.60, 45.02], [28.68, 45.02], [28.68, 45.07], [28.60, 45.07], [28.60, 45.02]]
PATROL = [[28.785, 45.14], [28.795, 45.18], [28.805, 45.215]]
WITHDRAWAL = [[28.70, 45.15], [28.66, 45.10], [28.64, 45.05]]

SOURCE = "Draft ceasefire agreement, Article 3 (zone of separation), single negotiating text"


def point(xy):
    return {"type": "Point", "coordinates": list(xy)}


def line(coords):
    return {"type": "LineString", "coordinates": coords}


def polygon(ring):
    return {"type": "Polygon", "coordinates": [ring]}


def load(process) -> None:
    """Add the alignment demo to the demo process."""
    from accord.alignment import services
    from accord.core import services as core
    from accord.core.demo import member_viewer
    from accord.core.models import Member

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    amara = member_viewer(process, "amara.okafor")
    # Kestria names its head of delegation its military liaison for the ceasefire talks.
    viktor_m = Member.objects.get(process=process, user__username="viktor.kess")
    core.assign_role(amara, viktor_m, "military_liaison")
    marsh = member_viewer(process, "col.marsh")
    viktor = member_viewer(process, "viktor.kess")

    services.create_line(
        amara,
        name="Ceasefire implementation track",
        kind="diplomatic",
        objectives="Signature of the ceasefire agreement; zone of separation in force by D+30.",
        shared=True,
        label=LabelValue.of(0),
    )
    ard_line = services.create_line(
        marsh,
        name="Ardanian military support to the ceasefire",
        kind="military",
        objectives="Confidence patrols along the line; escort of humanitarian convoys.",
        label=LabelValue.of(2, ["ARD"]),
    )
    kes_line = services.create_line(
        viktor,
        name="Kestrian disengagement",
        kind="military",
        objectives="Withdraw the 4th Brigade behind the zone of separation into Dolna.",
        label=LabelValue.of(1, ["KES", "MED"]),
    )
    zos = services.create_constraint(
        amara_pen(process),
        title="Varna ceasefire line: zone of separation (2 km each side)",
        kind="zone_of_separation",
        restriction="prohibited",
        geometry=line(CEASEFIRE_LINE),
        buffer_m=2000,
        binds_kinds=["patrol", "movement", "deployment", "exercise", "withdrawal"],
        source_ref=SOURCE,
        label=LabelValue.of(0),
    )
    services.create_constraint(
        amara_pen(process),
        title="Varna District Hospital",
        kind="protected_site",
        restriction="prohibited",
        geometry=point(HOSPITAL),
        buffer_m=500,
        source_ref="Draft ceasefire agreement, Article 5 (protected sites), list item 1",
        label=LabelValue.of(0),
    )
    services.create_constraint(
        amara_pen(process),
        title="Lakeside camp for displaced people",
        kind="protected_site",
        restriction="notification",
        notice_hours=48,
        geometry=polygon(CAMP),
        buffer_m=300,
        source_ref="Draft ceasefire agreement, Article 5 (protected sites), list item 4",
        label=LabelValue.of(0),
    )
    day = now + timedelta(days=2)
    services.create_constraint(
        amara_pen(process),
        title="Humanitarian corridor Varna–Lakeside (one day)",
        kind="humanitarian_corridor",
        restriction="prohibited",
        geometry=line(CORRIDOR),
        buffer_m=1000,
        valid_from=day.replace(hour=6),
        valid_until=day.replace(hour=18),
        source_ref="Joint secretariat decision on humanitarian access, point 2",
        label=LabelValue.of(0),
    )
    services.create_constraint(
        amara_pen(process),
        title="Dolna assembly area (Kestrian forces)",
        kind="cantonment",
        restriction="prohibited",
        geometry=polygon(DOLNA),
        binds_parties=["KES"],
        binds_kinds=["deployment", "exercise"],
        valid_from=now + timedelta(days=5),
        source_ref="Draft ceasefire agreement, Article 4 (cantonment)",
        label=LabelValue.of(1, ["KES", "MED"]),
    )
    services.create_action(
        marsh,
        title="Confidence patrol Bravo across the Varna bridge",
        kind="patrol",
        geometry=line(PATROL),
        buffer_m=200,
        start=now + timedelta(hours=12),
        end=now + timedelta(hours=18),
        line=ard_line.pk,
        description="Two vehicles; liaison officer on board; radio check every 30 minutes.",
        label=LabelValue.of(3, ["ARD"]),
    )
    services.create_action(
        marsh,
        title="Convoy escort to Lakeside camp",
        kind="convoy",
        geometry=line([[28.80, 45.05], [28.87, 45.12], [28.875, 45.14]]),
        buffer_m=100,
        start=now + timedelta(days=3),
        end=now + timedelta(days=3, hours=8),
        line=ard_line.pk,
        label=LabelValue.of(2, ["ARD"]),
    )
    services.create_action(
        viktor,
        title="4th Brigade withdrawal to Dolna",
        kind="withdrawal",
        geometry=line(WITHDRAWAL),
        buffer_m=500,
        start=now + timedelta(days=4),
        end=now + timedelta(days=6),
        line=kes_line.pk,
        label=LabelValue.of(1, ["KES", "MED"]),
    )
    services.create_action(
        viktor,
        title="Brigade exercise in Dolna",
        kind="exercise",
        geometry=polygon(
            [[28.62, 45.03], [28.66, 45.03], [28.66, 45.06], [28.62, 45.06], [28.62, 45.03]]
        ),
        start=now + timedelta(days=8),
        end=now + timedelta(days=9),
        line=kes_line.pk,
        label=LabelValue.of(1, ["KES", "MED"]),
    )
    # Humanitarian notifications, relayed by the joint secretariat: a convoy notified late (it
    # crosses the patrol's route while the patrol is out), and a transit centre KES acknowledged.
    from accord.alignment import hns

    hns.notify(
        amara,
        kind="movement",
        title="WFP convoy Varna–Lakeside",
        geometry=line([[28.70, 45.17], [28.80, 45.18], [28.90, 45.16]]),
        buffer_m=300,
        start=now + timedelta(hours=16),
        end=now + timedelta(hours=22),
        expires_at=now + timedelta(days=2),
        vehicles="6 white trucks, WFP markings, blue flags",
        label=LabelValue.of(0),
    )
    centre = hns.notify(
        amara,
        kind="site",
        title="UNHCR transit centre, Dren",
        geometry=point([28.66, 45.12]),
        buffer_m=400,
        expires_at=now + timedelta(days=60),
        label=LabelValue.of(0),
    )
    hns.acknowledge(viktor, centre)
    # The redraft of Article 3 moves the line near the bridge: version 2.
    services.update_constraint(
        amara_pen(process),
        zos,
        geometry=line(CEASEFIRE_LINE_V2),
        note="Article 3 redraft: line near the Varna bridge moved about 1 km north",
    )


def amara_pen(process):
    """The coordinator (holds the pen of the text, so may enter constraints)."""
    from accord.core.demo import member_viewer

    return member_viewer(process, "amara.okafor")
