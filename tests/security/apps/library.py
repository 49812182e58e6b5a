"""Leak-suite plug-in of the library app: its query parameters and its labelled canaries.

PA-X agreements and case studies are public reference data (no label, no process): their
routes take query parameters only, answered to every member alike."""

from __future__ import annotations

from tests.security.canaries import C_ARD, PUB, R_KESNVF, R_NOR, S_MED, S_MILOPS
from tests.security.walker import Param, Query

PARAMS: dict = {}

QUERY = {
    "country": Query(),
    "process": Query(),
    "stage": Query(values=("Cea",)),
    "agreement_type": Query(values=("Intra",)),
    "topic": Query(values=("ceasefire",)),
    "agt_id": Query(values=("90001",)),
    "provision_type": Query(values=("cease",)),
    "top": Query(),
    "case": Query(values=("dayton", "good-friday", "camp-david")),
    # pages
    "agt": Query(values=("90001",)),
    "provision_types": Query(values=("cease, disarm",)),
    "scope": Query(values=("all", "here")),
}

PARAMS["lesson_id"] = Param(kind="library.lesson")


def canaries(b) -> None:
    """Lessons under a spread of labels, at every stage, some with hidden owners and links."""
    from accord.core import services as core_services
    from accord.library import services

    def lesson(username: str, label, stages: int = 1, owner: str | None = None):
        v = b.v(username)
        x = services.record_observation(
            v, title=f"Lesson {b.tok()}", observation=f"Observed {b.tok()}", label=label
        )
        if stages >= 2:
            services.identify(v, x, text=f"Identified {b.tok()}")
        if stages >= 3:
            who = b.v(owner or username).member
            services.plan_action(v, x, action=f"Act {b.tok()}", owner_id=who.pk, due="2027-03-01")
        if stages >= 4:
            services.validate(b.v("amara.okafor"), x, note=f"Validated {b.tok()}")
        return x

    public = lesson("amara.okafor", PUB, 4)
    allies = lesson("ana.costa", C_ARD, 3, owner="col.marsh")  # a hidden member owns it
    lesson("hedda.cnry", R_NOR, 3)  # hidden author and owner, visible to NOR only
    lesson("hedda.cnry", PUB, 3)  # hidden author and owner, everyone reads the lesson
    lesson("viktor.kess", R_KESNVF, 2)
    lesson("bruno.cnry", S_MED, 1)
    lesson("lena.haas", S_MILOPS if "MILOPS" in b.v("lena.haas").caveats else S_MED, 2)
    # a link from a public lesson to an ARD-only one: only ARD readers may see it
    core_services.add_link(b.v("ana.costa"), public, allies, "changed")
