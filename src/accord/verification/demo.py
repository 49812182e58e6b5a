"""Demo content of the verification app in the Lake Varna process.

A rumour of a massacre at the Varna bridge is carried by three accounts that all relay one
outlet (one origin: not independent), reported by the monitoring mission (tomás.ruiz) and
debunked by the Belmark analyst (sophie.martin) against a VMM patrol report. The DISARM
bundle is imported from ../shared/data/disarm when present (skipped with a log line when not).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from accord.core.demo import member_viewer
from accord.core.labels import LabelValue
from accord.verification import disarm, services
from accord.verification.models import PublicLine, Technique

log = logging.getLogger("accord.verification")

RUMOUR = (
    "Massacre at the Varna bridge: NVF fighters shot dozens of civilians at dawn while the "
    "monitors looked away. Share before they delete it!"
)
PATROL_LOG = """VARNA MONITORING MISSION - PATROL REPORT 14/B (extract)
Checkpoint: Varna bridge, east bank
04:30 Patrol on station (4 monitors, 2 vehicles)
05:10 Traffic normal, 12 civilian vehicles crossed westbound
06:45 No gunfire heard; no armed personnel on the bridge
08:20 Contact with Varna district hospital: no casualties admitted overnight
09:00 Patrol relieved; nothing to report
"""
ECHO = "Dozens of civilians were massacred on the Varna bridge at dawn, local accounts say."


def load_disarm() -> bool:
    """Import the DISARM bundle if it is there and not imported yet."""
    if Technique.objects.exists():
        return True
    path = disarm.default_path()
    if path is None:
        log.info("DISARM bundle not found (../shared/data/disarm/DISARM.json): not imported")
        return False
    services.import_disarm(path, actor="accord demo")
    return True


def load(process) -> None:
    """Add the verification demo to the demo process."""
    have_disarm = load_disarm()
    tomas = member_viewer(process, "tomas.ruiz")
    sophie = member_viewer(process, "sophie.martin")
    now = timezone.now()
    outlet = services.create_source(
        tomas,
        name="Varna Truth",
        kind="outlet",
        url="https://varna-truth.example/",
        platform="Web",
        reliability="E",
        status="not_credible",
        notes="Anonymous site registered three weeks ago; no named editors.",
    )
    accounts = [
        services.create_source(
            tomas,
            name=name,
            kind="account",
            url=f"https://social.example/{name.lstrip('@')}",
            platform="Chirp",
            relays=outlet.pk,
            reliability="F",
            status="sockpuppet" if i else "undetermined",
        )
        for i, name in enumerate(("@varna_eyes", "@bridge_watch_24", "@nordvarna_news"))
    ]
    patrol = services.create_source(
        tomas,
        name="VMM patrol report 14/B",
        kind="document",
        reliability="B",
        status="credible",
        notes="Monitoring mission patrol log for the Varna bridge checkpoint.",
    )
    techniques = ["T0023", "T0049.003", "T0098.001"] if have_disarm else []
    rumour = services.create_claim(
        tomas,
        text=RUMOUR,
        language="en",
        url="https://social.example/varna_eyes/status/1",
        platform="Chirp",
        place="Varna bridge",
        seen_at=now - timedelta(hours=30),
        sources=[outlet.pk] + [a.pk for a in accounts],
        techniques=techniques,
        disinformant_category="unattributed",
        intent="military",
        label=LabelValue.of(0),  # seen in public: anyone may know of it
    )
    services.assess(
        sophie,
        rumour,
        status="in_progress",
        credibility=6,
        rationale="Checking against the monitoring mission's patrol logs for the bridge.",
    )
    services.rate_source(
        sophie,
        outlet,
        reliability="E",
        note="Three earlier stories traced to fabricated images.",
        status="not_credible",
    )
    # the patrol log extract kept as evidence (its SHA-256 is in the report), cited by the
    # verdict
    log_file = services.add_evidence(
        sophie,
        rumour,
        name="VMM patrol report 14-B, extract.txt",
        data=PATROL_LOG.encode(),
        note="Patrol log of the bridge checkpoint: no shooting recorded from 04:30 to 09:00.",
    )
    services.assess(
        sophie,
        rumour,
        status="false",
        credibility=5,
        source=outlet.pk,
        likelihood="very unlikely",
        probability=10,
        rationale=(
            "The VMM patrol (report 14/B) held the bridge checkpoint from 04:30 to 09:00 and "
            "recorded no shooting; hospitals in Varna report no casualties. The three accounts "
            "all relay Varna Truth: one origin, not independent corroboration."
        ),
        evidence=[log_file.pk],
    )
    # what the rumour concerns: the party it accuses and, when readable, the ceasefire issue
    nvf = process.parties.filter(code="NVF").first()
    if nvf is not None:
        services.link_claim(tomas, rumour, services.PARTY, nvf.pk)
    from accord.core import links

    issue = next(
        (
            (k, i)
            for k, i, title in links.linkable(tomas, ["negotiation.issue"])
            if "ceasefire" in title.lower()
        ),
        None,
    )
    if issue is not None:
        services.link_claim(tomas, rumour, *issue)
    services.create_claim(
        tomas,
        text="The VMM patrol held the Varna bridge checkpoint from 04:30 to 09:00 without incident.",
        place="Varna bridge",
        platform="VMM",
        seen_at=now - timedelta(hours=26),
        sources=[patrol.pk],
    )
    echo = services.create_claim(
        sophie,
        text=ECHO,
        language="en",
        platform="Chirp",
        place="Varna bridge",
        seen_at=now - timedelta(hours=3),
        sources=[accounts[1].pk],
        techniques=["T0118"] if have_disarm else [],
        label=LabelValue.of(1, ["ARD", "NOR", "BEL"]),
    )
    # joint public lines: one published on the public page, one awaiting Belmark under silence
    erik = member_viewer(process, "erik.lund")
    james = member_viewer(process, "james.whitfield")
    marc = member_viewer(process, "marc.dubois")
    published = services.draft_line(
        erik,
        title="No massacre at the Varna bridge",
        texts={
            "en": (
                "The Varna Monitoring Mission held the bridge checkpoint throughout the morning "
                "and recorded no shooting. The story of a massacre is false; please check the "
                "mission's reports before sharing."
            ),
            "fr": (
                "La mission de surveillance tenait le poste du pont toute la matinée et n'a "
                "enregistré aucun tir. Le récit d'un massacre est faux."
            ),
        },
        claims=[rumour.pk],
        verdict="false",
        counters=["C00030", "C00174"],
        audience="International and regional media",
        guidance="Do not name a suspected author; do not repeat the casualty figure.",
        public=True,
    )
    for v in (erik, james, marc):
        services.respond_line(v, published, kind="approve")
    services.publish_line(erik, published)
    services.draft_line(
        erik,
        title="Allies' line on the renewed bridge rumour",
        texts={
            "en": "We have seen no evidence of violence at the Varna bridge; the monitors were present."
        },
        claims=[echo.pk],
        verdict="false",
        counters=["C00030"],
        audience="Spokespersons of the allied delegations",
        guidance="Refer to the monitoring mission; no comment on the conflict parties.",
        rule="silence",
        deadline=now + timedelta(hours=20),
    )
    pending = PublicLine.objects.filter(process=process, status="circulating").first()
    services.respond_line(erik, pending, kind="approve")
    services.respond_line(james, pending, kind="approve")
