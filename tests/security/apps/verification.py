"""Leak-suite plug-in of the verification app: sources, claims and assessments under a spread
of labels, with texts that resemble each other so that similar-claim matches cross labels
(a match must never reveal a claim the reader may not read, nor its count)."""

from __future__ import annotations

import dataclasses

from accord.core.roles import Perm
from tests.security.canaries import C_ARD, PUB, R_KESNVF, R_NOR, S_MED, S_MILOPS
from tests.security.walker import Param, Query

PARAMS = {
    "claim_id": Param(kind="verification.claim"),
    "source_id": Param(kind="verification.source"),
    "publicline_id": Param(kind="verification.publicline"),
    "evidence_id": Param(kind="verification.evidence", parent=("claim_id", ("claim_id",))),
}
QUERY = {
    "technique": Query(),
    "language": Query(),
    "platform": Query(),
    "tactic": Query(),
    "new": Query(values=("1",)),
}


def canaries(b) -> None:
    from accord.verification import services

    def analyst(who):
        """The member as an analyst (roles decide acts, never reads: labels still apply)."""
        v = b.v(who)
        return dataclasses.replace(v, perms=v.perms | {Perm.ASSESS_CLAIMS})

    def source(who, label, relays=None):
        return services.create_source(
            analyst(who),
            name=f"Canary source {b.tok()}",
            kind="account",
            notes=f"probe notes {b.tok()}",
            relays=relays,
            reliability="C",
            label=label,
        )

    s_pub = source("sophie.martin", PUB)
    s_ard = source("ana.costa", C_ARD, relays=s_pub.pk)
    s_kes = source("viktor.kess", R_KESNVF)
    s_med = source("lena.haas", S_MED)
    s_mil = source("amara.okafor", S_MILOPS)

    def claim(who, label, sources):
        return services.create_claim(
            b.v(who),
            text=f"Canary rumour of shelling at the Varna bridge {b.tok()} probe",
            platform="Chirp",
            sources=[s.pk for s in sources],
            label=label,
        )

    c_pub = claim("hedda.cnry", PUB, [s_pub])  # reported by a hidden member
    c_ard = claim("ana.costa", C_ARD, [s_ard, s_pub])
    c_kes = claim("viktor.kess", R_KESNVF, [s_kes])
    claim("lena.haas", S_MED, [s_med])
    claim("amara.okafor", S_MILOPS, [s_mil])

    def assess(who, c, label, source=None):
        return services.assess(
            analyst(who),
            c,
            status="false",
            credibility=5,
            likelihood="unlikely",
            probability=30,
            rationale=f"Canary rationale {b.tok()}",
            source=source,
            label=label,
        )

    assess("sophie.martin", c_pub, PUB, source=s_pub.pk)
    assess("lena.haas", c_pub, S_MED)
    assess("ana.costa", c_ard, C_ARD, source=s_ard.pk)
    assess("viktor.kess", c_kes, R_KESNVF, source=s_kes.pk)

    # evidence under a spread of labels on a public claim and on Ardania's; a public claim
    # that concerns an agenda issue not every member may read (the claim page, its API and its
    # report must leave that issue out for them)
    def evidence(who, c, label):
        t = b.tok()
        return services.add_evidence(
            analyst(who),
            c,
            name=f"{t}.txt",
            data=f"evidence {t}\n".encode(),
            note=f"Canary evidence note {t}",
            label=label,
        )

    evidence("sophie.martin", c_pub, PUB)
    evidence("lena.haas", c_pub, S_MED)
    evidence("ana.costa", c_ard, C_ARD)
    evidence("viktor.kess", c_kes, R_KESNVF)
    from accord.core import links

    lena, erik = b.v("lena.haas"), b.v("erik.lund")
    hidden = next(
        (k, i)
        for k, i, _ in links.linkable(lena, ["negotiation.issue", "meetings.decision"])
        if links.resolve(erik, k, i) is None
    )
    services.link_claim(analyst("lena.haas"), c_pub, *hidden)

    # joint public lines: circulating (drafters of the allies only), published to the allies,
    # published to the public (on the public page), under labels some allies cannot read
    def line(who, label, claims, public=False):
        return services.draft_line(
            b.v(who),
            title=f"Canary line {b.tok()}",
            texts={"en": f"Canary public line text {b.tok()}"},
            claims=[c.pk for c in claims],
            guidance=f"Canary guidance {b.tok()}",
            audience=f"Canary audience {b.tok()}",
            counters=["C00030"],
            public=public,
            label=label,
        )

    line("hedda.cnry", None, [c_pub])  # circulating, drafted by a hidden member
    line("james.whitfield", C_ARD, [c_ard])  # circulating, Ardania only
    nor = line("erik.lund", R_NOR, [c_pub])  # circulating, Norlund only, Norlund approved
    services.respond_line(b.v("erik.lund"), nor, kind="approve")
    allies = line("erik.lund", None, [c_pub])  # published to the allies
    pub = line("erik.lund", None, [c_pub], public=True)  # published on the public page
    for ln in (allies, pub):
        for who in ("erik.lund", "james.whitfield", "marc.dubois"):
            services.respond_line(b.v(who), ln, kind="approve")
        services.publish_line(b.v("erik.lund"), ln)
