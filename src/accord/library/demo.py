"""Demo content of the library app: a dozen generated PA-X sample rows (global, loaded once)
and two lessons in the demo process, one of them labelled for the allies and the mediation."""

from __future__ import annotations

from datetime import date

from accord.core.demo import member_viewer
from accord.core.labels import LabelValue
from accord.library.models import PaxAgreement


def load(process) -> None:
    """Load the sample agreements (once: they belong to no process) and the two lessons."""
    from accord.core import links
    from accord.library import sample, services

    if not PaxAgreement.objects.exists():
        services.import_pax(
            sample.sample_csv(), file_name="pax-sample.csv", by="demo loader", sample=True
        )

    monitor = member_viewer(process, "tomas.ruiz")
    mediator = member_viewer(process, "lena.haas")
    coordinator = member_viewer(process, "amara.okafor")
    a = services.record_observation(
        monitor,
        title="Incident times reported in three different time zones",
        observation=(
            "During the first week of the ceasefire, KES, NVF and the monitoring mission each "
            "reported incident times in their own local time. Two reports of the same shelling "
            "near Varna Bridge were first counted as separate incidents."
        ),
    )
    services.identify(
        mediator,
        a,
        text="Every report must give times in UTC with the reporter's zone beside them, so "
        "that reports of one event can be matched.",
    )
    services.plan_action(
        mediator,
        a,
        action="Add a UTC time field to the incident report form and the monitors' checklist.",
        owner_id=monitor.member.pk,
        due=date(2026, 10, 15),
    )
    services.validate(
        coordinator,
        a,
        note="Reports since mid-October all carry UTC times; no double counting in the "
        "monthly review.",
    )
    target = next(iter(links.linkable(mediator, ["negotiation.document"], limit=1)), None)
    if target is not None:
        services.link_change(mediator, a, target[0], target[1])

    ally = member_viewer(process, "ana.costa")
    services.record_observation(
        ally,
        title="Allied draft positions circulated before the plenary",
        observation=(
            "An allied fallback position on the withdrawal line reached a conflict party two "
            "days before the plenary, through an unlabelled e-mail forward."
        ),
        label=LabelValue.of(2, ["MED", "ARD", "NOR", "BEL"]),
    )
