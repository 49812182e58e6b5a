"""The demo process: the Lake Varna ceasefire talks (entirely fictional).

Three allied nations back a process mediated by a Special Envoy between a government and an
armed movement, watched by a monitoring mission. Members hold every role, with mixed
clearances and caveats, so every feature has something realistic to show.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction

from accord.core import services
from accord.core.labels import LabelValue
from accord.core.models import Process

DEMO_SLUG = "lake-varna"
DEMO_PASSWORD = "varna-talks-2026"

PARTIES = [
    ("MED", "Office of the Special Envoy for Lake Varna", "mediator"),
    ("ARD", "Republic of Ardania", "ally"),
    ("NOR", "Kingdom of Norlund", "ally"),
    ("BEL", "Federation of Belmark", "ally"),
    ("KES", "Government of Kestria", "conflict_party"),
    ("NVF", "Northern Varna Front", "conflict_party"),
    ("CSU", "Coastal States Union", "guarantor"),
    ("VMM", "Varna Monitoring Mission", "observer"),
]


@dataclass(frozen=True)
class DemoMember:
    username: str
    full_name: str
    party: str
    title: str
    roles: tuple[str, ...]
    clearance: int
    caveats: tuple[str, ...] = ()
    label: LabelValue | None = None


MEMBERS = [
    DemoMember(
        "amara.okafor",
        "Amara Okafor",
        "MED",
        "Chief of the Joint Secretariat",
        ("coordinator",),
        3,
        ("MEDIATION", "MILOPS"),
    ),
    DemoMember("lena.haas", "Lena Haas", "MED", "Special Envoy", ("mediator",), 3, ("MEDIATION",)),
    DemoMember(
        "pavel.novak",
        "Pavel Novak",
        "MED",
        "Mediation adviser",
        ("mediator", "analyst"),
        2,
        ("MEDIATION",),
    ),
    DemoMember(
        "james.whitfield",
        "James Whitfield",
        "ARD",
        "Ambassador, head of delegation",
        ("head_of_delegation",),
        3,
    ),
    DemoMember("ana.costa", "Ana Costa", "ARD", "Deputy negotiator", ("negotiator",), 2),
    DemoMember(
        "col.marsh",
        "Col. Richard Marsh",
        "ARD",
        "Defence attaché",
        ("military_liaison",),
        3,
        ("MILOPS",),
        LabelValue.of(2, ["ARD"]),
    ),
    DemoMember(
        "ingrid.dahl",
        "Ingrid Dahl",
        "NOR",
        "Special representative, head of delegation",
        ("head_of_delegation",),
        3,
    ),
    DemoMember("erik.lund", "Erik Lund", "NOR", "Press counsellor", ("communications_officer",), 1),
    DemoMember(
        "marc.dubois", "Marc Dubois", "BEL", "Head of delegation", ("head_of_delegation",), 2
    ),
    DemoMember("sophie.martin", "Sophie Martin", "BEL", "Verification analyst", ("analyst",), 2),
    DemoMember(
        "viktor.kess",
        "Viktor Kessler",
        "KES",
        "Minister of State, head of delegation",
        ("head_of_delegation",),
        2,
    ),
    DemoMember("ilya.brant", "Ilya Brant", "KES", "Legal negotiator", ("negotiator",), 1),
    DemoMember(
        "daria.vol",
        "Daria Volkova",
        "NVF",
        "Political commissioner, head of delegation",
        ("head_of_delegation",),
        2,
    ),
    DemoMember("omar.said", "Omar Said", "CSU", "Guarantor's envoy", ("head_of_delegation",), 2),
    DemoMember("tomas.ruiz", "Tomás Ruiz", "VMM", "Chief monitor", ("monitor",), 1),
    DemoMember("mei.tanaka", "Mei Tanaka", "VMM", "Observer", ("observer",), 0),
]


def member_viewer(process: Process, username: str):
    """The viewer of a demo member, for the app demos that act as that member."""
    from accord.core.access import viewer_of
    from accord.core.models import Member

    m = Member.objects.select_related("party", "user", "process").get(
        process=process, user__username=username
    )
    return viewer_of(m)


def demo_exists() -> bool:
    return Process.objects.filter(slug=DEMO_SLUG).exists()


def reset_demo() -> None:
    """Remove the demo process and its users (the ledger of the demo goes with it)."""
    from accord.ledger.models import Entry, Log

    with transaction.atomic():
        proc = Process.objects.filter(slug=DEMO_SLUG).first()
        if proc is not None:
            log = Log.objects.filter(process=proc).first()
            if log is not None:
                Entry.objects.filter(log=log).delete()
                log.delete()
            proc.delete()
        get_user_model().objects.filter(username__in=[m.username for m in MEMBERS]).delete()


def load_demo() -> Process:
    """Create the demo process (idempotent: an existing demo is returned unchanged)."""
    existing = Process.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return existing
    User = get_user_model()
    with transaction.atomic():
        proc = services.create_process(
            None,
            name="Lake Varna Ceasefire Talks",
            slug=DEMO_SLUG,
            description=(
                "Talks between the Government of Kestria and the Northern Varna Front on a "
                "ceasefire, separation of forces along the Varna river and a political roadmap, "
                "mediated by the Special Envoy and backed by Ardania, Norlund and Belmark. "
                "Fictional scenario."
            ),
            caveats=["MEDIATION", "MILOPS"],
        )
        parties = {
            code: services.add_party(None, proc, code=code, name=name, kind=kind)
            for code, name, kind in PARTIES
        }
        for m in MEMBERS:
            user = User.objects.filter(username=m.username).first() or services.create_user(
                username=m.username,
                password=DEMO_PASSWORD,
                full_name=m.full_name,
                email=f"{m.username}@demo.accord.invalid",
            )
            services.add_member(
                None,
                proc,
                user=user,
                party=parties[m.party],
                clearance=m.clearance,
                caveats=list(m.caveats),
                roles=list(m.roles),
                title=m.title,
                label=m.label,
            )
        for app in apps.get_app_configs():
            if hasattr(app, "load_demo"):
                app.load_demo(proc)
    return proc


def demo_logins() -> list[tuple[str, str, str, str]]:
    """(username, party, roles, note) rows for printing."""
    from accord.core.roles import MFA_ROLES

    mfa = {r.value for r in MFA_ROLES}
    return [
        (
            m.username,
            m.party,
            ", ".join(m.roles),
            "TOTP enrolment at first sign-in" if mfa & set(m.roles) else "",
        )
        for m in MEMBERS
    ]
