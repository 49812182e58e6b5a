"""Demo traffic for the Lake Varna talks: channels of every kind and ~40 messages, posted
through the services as the demo members (so labels, ledger and notifications are real)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accord.comms import services
from accord.core.access import viewer_of
from accord.core.labels import LabelValue
from accord.core.models import Member, Process

U, R, C, S = 0, 1, 2, 3

CHANNELS = [
    # key, name, kind, label, parties, description
    (
        "plenary",
        "Plenary",
        "plenary",
        LabelValue.of(U),
        [],
        "All delegations, mediators, monitors.",
    ),
    (
        "ard",
        "Ardania delegation",
        "party",
        LabelValue.of(C),
        ["ARD"],
        "Internal line of the Ardanian delegation.",
    ),
    (
        "nor",
        "Norlund delegation",
        "party",
        LabelValue.of(R),
        ["NOR"],
        "Internal line of the Norlund delegation.",
    ),
    (
        "bel",
        "Belmark delegation",
        "party",
        LabelValue.of(C),
        ["BEL"],
        "Internal line of the Belmark delegation.",
    ),
    (
        "allies",
        "Allies coordination",
        "bilateral",
        LabelValue.of(R),
        ["ARD", "NOR", "BEL"],
        "Ardania, Norlund and Belmark align before each session.",
    ),
    (
        "caucus",
        "Mediation caucus",
        "caucus",
        LabelValue.of(C),
        [],
        "The Special Envoy's team: confidential positions heard in caucus.",
    ),
    (
        "milops",
        "Ceasefire line (MILOPS)",
        "topic",
        LabelValue.of(S, None, ["MILOPS"]),
        [],
        "Separation of forces along the Varna river.",
    ),
    (
        "corridors",
        "Humanitarian corridors",
        "topic",
        LabelValue.of(R),
        [],
        "Access for relief convoys north of the lake.",
    ),
]

# minutes before now, channel, sender, body, extra (label, precedence, reply index)
TRAFFIC: list[tuple] = [
    (
        600,
        "plenary",
        "amara.okafor",
        "Good morning all. Session 4 opens at **09:30** in the Lakeside hall. Agenda: (1) ceasefire monitoring, (2) separation line, (3) prisoner exchange.",
        {},
    ),
    (
        590,
        "plenary",
        "lena.haas",
        "Thank you, Amara. I will open with a short summary of the bilateral consultations held yesterday.",
        {},
    ),
    (
        585,
        "plenary",
        "viktor.kess",
        "The Government of Kestria confirms its delegation of four. We ask that item 3 be taken before item 2.",
        {},
    ),
    (
        580,
        "plenary",
        "daria.vol",
        "The Front cannot accept re-ordering without consultation. We propose to keep the agenda as circulated.",
        {},
    ),
    (
        575,
        "plenary",
        "amara.okafor",
        "Noted. The agenda stands as circulated; the Envoy will take the ordering question in caucus.",
        {"reply": 2},
    ),
    (
        570,
        "caucus",
        "lena.haas",
        "Kestria wants prisoners first because its domestic audience needs a visible win before any line is drawn. Worth testing a parallel track.",
        {},
    ),
    (
        565,
        "caucus",
        "pavel.novak",
        "Agree. The Front's red line is the 5 km zone, not the ordering. A package (exchange + provisional line) may move both.",
        {},
    ),
    (
        560,
        "caucus",
        "amara.okafor",
        "@lena.haas I can free the small room at 11:00 for separate meetings with each side.",
        {},
    ),
    (
        555,
        "caucus",
        "lena.haas",
        "Yes please. Kestria first, then the Front. Keep this out of the plenary minutes.",
        {"label": LabelValue.of(S, None, ["MEDIATION"])},
    ),
    (
        550,
        "ard",
        "james.whitfield",
        "Ardanian line for today: support the Envoy's package, no public comment on the 5 km zone.",
        {},
    ),
    (
        545,
        "ard",
        "ana.costa",
        "Understood. Shall I prepare fallback text on monitoring access for item 1?",
        {"reply": 9},
    ),
    (
        540,
        "ard",
        "james.whitfield",
        "Yes, one paragraph, by 10:15. @ana.costa copy Col. Marsh.",
        {},
    ),
    (
        535,
        "ard",
        "col.marsh",
        "Our assessment: Front artillery has been pulled back 2 km from the river in sector north.",
        {"label": LabelValue.of(S, ["ARD"])},
    ),
    (
        530,
        "nor",
        "ingrid.dahl",
        "Norlund will offer two additional monitors for the northern sector if both sides agree.",
        {},
    ),
    (
        525,
        "nor",
        "erik.lund",
        "Press line drafted: 'Norlund welcomes constructive atmosphere.' Nothing on numbers.",
        {},
    ),
    (
        520,
        "bel",
        "marc.dubois",
        "Belmark position: condition reconstruction funds on verified compliance reports.",
        {},
    ),
    (
        515,
        "bel",
        "sophie.martin",
        "Verification note: the satellite imagery of 3 November is consistent with the Front's claim of withdrawal.",
        {},
    ),
    (
        510,
        "allies",
        "james.whitfield",
        "Proposal for the allies: we speak with one voice on monitoring; Norlund leads.",
        {},
    ),
    (
        505,
        "allies",
        "ingrid.dahl",
        "Norlund accepts the lead. We need Belmark's verification team in the northern sector.",
        {},
    ),
    (
        500,
        "allies",
        "marc.dubois",
        "Belmark agrees. Sophie Martin will join the monitoring working group.",
        {},
    ),
    (
        495,
        "allies",
        "ana.costa",
        "Draft joint paragraph on monitoring access circulated in the negotiation workspace.",
        {},
    ),
    (
        490,
        "milops",
        "col.marsh",
        "Proposed separation line follows the old rail embankment from km 12 to km 31.",
        {},
    ),
    (
        485,
        "milops",
        "amara.okafor",
        "The embankment crosses two villages. Flag for the humanitarian corridor group.",
        {},
    ),
    (
        480,
        "corridors",
        "tomas.ruiz",
        "Convoy 14 cleared the Dren checkpoint at 07:40 with 22 trucks.",
        {},
    ),
    (
        475,
        "corridors",
        "ilya.brant",
        "Kestria requests the manifest of convoy 15 twelve hours in advance.",
        {},
    ),
    (
        470,
        "corridors",
        "omar.said",
        "The guarantors will hold manifests and share them with both sides at the same time.",
        {},
    ),
    (
        465,
        "plenary",
        "omar.said",
        "The Coastal States Union stands ready to host the technical committee on prisoner exchange.",
        {},
    ),
    (
        460,
        "plenary",
        "tomas.ruiz",
        "Monitoring report 27 is available: two minor incidents, no casualties.",
        {},
    ),
    (
        455,
        "plenary",
        "erik.lund",
        "Norlund press office: no statement to the media until the session closes.",
        {},
    ),
    (
        450,
        "caucus",
        "pavel.novak",
        "Zone of possible agreement on the line: 3 to 4 km, with joint patrols. Kestria's BATNA is weak after the harvest.",
        {},
    ),
    (
        445,
        "caucus",
        "lena.haas",
        "Good. We table 3.5 km as the Envoy's text tomorrow.",
        {"reply": 29},
    ),
    (
        120,
        "plenary",
        "lena.haas",
        "Session resumes at **14:00**. The Envoy will table a single text on item 2.",
        {},
    ),
    (
        110,
        "allies",
        "ingrid.dahl",
        "Allies: please confirm support for the Envoy's single text before 13:45.",
        {"precedence": "PRIORITY"},
    ),
    (100, "allies", "marc.dubois", "Belmark supports.", {"reply": 32}),
    (
        95,
        "ard",
        "james.whitfield",
        "Ardania supports. @ana.costa please inform the allies channel.",
        {},
    ),
    (90, "allies", "ana.costa", "Ardania supports the single text.", {"reply": 32}),
    (
        40,
        "plenary",
        "tomas.ruiz",
        "Monitors report an exchange of small-arms fire near Dren checkpoint. Teams are verifying. Delegations are asked to confirm receipt.",
        {"precedence": "IMMEDIATE"},
    ),
    (
        30,
        "nor",
        "ingrid.dahl",
        "Erik: hold the press line until the Dren report is verified.",
        {"precedence": "PRIORITY"},
    ),
    (25, "bel", "sophie.martin", "No imagery yet for Dren. Requesting a pass at 16:00.", {}),
    (
        5,
        "allies",
        "james.whitfield",
        "Reports of artillery movement toward the Varna bridge, sector north. Allied liaison officers to confirm positions immediately.",
        {"precedence": "FLASH"},
    ),
]


def load(process: Process) -> None:
    """Create the demo channels and traffic (idempotent: skipped when channels exist)."""
    from accord.comms.models import Channel

    if Channel.objects.filter(process=process).exists():
        return
    members = {
        m.user.get_username(): m
        for m in Member.objects.filter(process=process).select_related("user", "party", "process")
    }
    coord = viewer_of(members["amara.okafor"])
    chans = {}
    for key, name, kind, label, parties, description in CHANNELS:
        chans[key] = services.create_channel(
            coord, name=name, kind=kind, label=label, parties=parties, description=description
        )
    now = timezone.now()
    posted = []
    for minutes, key, username, body, extra in TRAFFIC:
        reply = extra.get("reply")
        msg = services.post_message(
            viewer_of(members[username]),
            chans[key].pk,
            body=body,
            label=extra.get("label"),
            precedence=extra.get("precedence", "ROUTINE"),
            reply_to=posted[reply].pk if reply is not None else None,
            now=now - timedelta(minutes=minutes),
        ).message
        posted.append(msg)
    # Some have read and acknowledged, so the demo shows both states.
    immediate = posted[-4]
    for username in ("james.whitfield", "ingrid.dahl", "viktor.kess", "amara.okafor"):
        services.acknowledge(viewer_of(members[username]), immediate.pk)
    flash = posted[-1]
    services.acknowledge(viewer_of(members["ingrid.dahl"]), flash.pk)
    for username in ("amara.okafor", "lena.haas", "james.whitfield"):
        v = viewer_of(members[username])
        for chan in chans.values():
            if chan.label_id in set(_readable(v)):
                services.mark_read(v, chan.pk, posted[30].pk)


def _readable(viewer) -> list[int]:
    from accord.core.access import readable_label_ids

    return readable_label_ids(viewer)
