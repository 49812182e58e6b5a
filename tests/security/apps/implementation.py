"""Leak-suite plug-in of the implementation app: its path and query parameters, and canary
agreements, commitments, compliance reports (with attached files), deadline proposals, PAM
scores and violation reports (with files on their steps) under a spread of labels, so that every party misses something (and the rates and charts derived from the
scores must not betray the scores a reader may not read)."""

from __future__ import annotations

from datetime import timedelta

from accord.core.labels import LabelValue
from tests.security.canaries import PUB, R_KESMED, R_NVFMED, S_MED, S_MILOPS
from tests.security.walker import Param, Query

R_VMM = LabelValue.of(1, ["VMM"])  # the mission only

PARAMS = {
    "agreement_id": Param(kind="implementation.agreement"),
    "commitment_id": Param(kind="implementation.commitment"),
    "provision_id": Param(kind="implementation.provision"),
    "proposal_id": Param(kind="implementation.deadlineproposal"),
    "deadline_proposal_id": Param(kind="implementation.deadlineproposal"),
    "violation_id": Param(kind="implementation.violation"),
    "report_id": Param(
        kind="implementation.compliancereport", parent=("commitment_id", ("commitment_id",))
    ),
    "report_attachment_id": Param(
        kind="implementation.reportattachment", parent=("report_id", ("report_id",))
    ),
    "step_attachment_id": Param(
        kind="implementation.stepattachment", parent=("violation_id", ("violation_id",))
    ),
}
QUERY = {
    "state": Query(values=("overdue", "slipping", "reported", "verified", "due")),
    "within": Query(values=("4000",)),
    "agreement": Query(kind="implementation.agreement"),
    "period": Query(values=("1", "2")),
}


def _signed_text(b, signer: str, party: str, label):
    """A text with deadline phrases, accepted and signed by one party (through negotiation)."""
    from accord.negotiation import queries as nq
    from accord.negotiation import services as neg

    doc = neg.create_document(
        b.v("amara.okafor"),
        title=f"Canary protocol {b.tok()}",
        articles=[
            (
                f"Canary crossings {b.tok()}",
                [
                    f"The Parties shall open crossing {b.tok()} within thirty (30) days of the "
                    "entry into force of this Protocol.",
                    f"Convoys {b.tok()} shall pass no later than 1 June 2027.",
                ],
            )
        ],
        required_parties=[party],
        label=label,
    )
    view = nq.text(b.v("amara.okafor"), doc)
    for a in view.articles:
        for c in a.clauses:
            neg.record_stance(
                b.v(signer), doc, nq.clause(doc, c.clause_id), stance="accept", version=1
            )
    neg.sign_version(b.v(signer), doc, version=1)
    return doc


def canaries(b) -> None:
    from accord.implementation import queries, services

    amara = b.v("amara.okafor")
    signed = queries.today() - timedelta(days=400)

    def agreement(label, with_commitments=True):
        a = services.create_agreement(
            amara,
            title=f"Canary agreement {b.tok()}",
            summary=f"Canary summary {b.tok()}",
            signed_on=signed,
            in_force_on=signed + timedelta(days=5),
            signatories=["KES", "NVF"],
            label=label,
            provisions=[
                {
                    "number": "1",
                    "text": f"Canary provision {b.tok()}",
                    "types": ["cease"],
                    "themes": [f"Canarytheme{b.tok()}"],
                },
                {
                    "number": "2",
                    "text": f"Canary provision {b.tok()}",
                    "types": ["prisr"],
                    "themes": ["Humanitarian"],
                },
            ],
        )
        return a, list(a.provisions.all())

    def commitment(p, label, resp, vb="VMM"):
        return services.add_commitment(
            amara,
            p,
            what=f"Canary commitment {b.tok()}",
            responsible=resp,
            body="" if resp else f"Canary body {b.tok()}",
            anchor="entry_into_force",
            amount=30,
            unit="days",
            verification_body=vb,
            evidence_expected=f"Canary evidence {b.tok()}",
            label=label,
        )

    # a public agreement whose commitments, reports and scores carry a spread of labels
    a_pub, (p1, p2) = agreement(PUB)
    c_pub = commitment(p1, PUB, ["KES", "NVF"])
    c_kes = commitment(p1, R_KESMED, ["KES"])
    c_nvf = commitment(p2, R_NVFMED, ["NVF"])
    c_med = commitment(p2, S_MED, [], vb="MED")
    commitment(p2, S_MILOPS, [], vb="MED")
    r_kes = services.report(
        b.v("viktor.kess"),
        c_pub,
        kind="progress",
        text=f"Kestria report {b.tok()}",
        evidence=f"Kes evidence {b.tok()}",
        label=R_KESMED,
    )
    r_nvf = services.report(
        b.v("daria.vol"),
        c_pub,
        kind="done",
        text=f"Front report {b.tok()}",
        evidence=f"Nvf evidence {b.tok()}",
        label=R_NVFMED,
    )
    r_pub = services.report(
        b.v("tomas.ruiz"),
        c_pub,
        kind="progress",
        text=f"Mission report {b.tok()}",
        evidence=f"Mission evidence {b.tok()}",
    )

    # files on reports: public, tighter than their public report, and under a party's report
    def attach(who, r, label=None):
        t = b.tok()
        return services.attach_to_report(
            b.v(who),
            r,
            name=f"{t}.txt",
            data=f"report file {t}\n".encode(),
            note=f"Canary file note {t}",
            label=label,
        )

    attach("tomas.ruiz", r_pub)
    attach("tomas.ruiz", r_pub, R_VMM)
    attach("viktor.kess", r_kes)
    attach("daria.vol", r_nvf)
    services.report(
        b.v("viktor.kess"),
        c_kes,
        kind="done",
        text=f"Kestria done {b.tok()}",
        evidence=f"Kes proof {b.tok()}",
    )
    services.report(
        b.v("daria.vol"),
        c_nvf,
        kind="progress",
        text=f"Front progress {b.tok()}",
        evidence=f"Nvf proof {b.tok()}",
    )
    services.verify(
        b.v("lena.haas"),
        c_med,
        verified=True,
        text=f"Mediator finding {b.tok()}",
        evidence=f"Med evidence {b.tok()}",
    )
    services.score(amara, p1, period=1, value=2, evidence=f"Canary score {b.tok()}", label=S_MED)
    services.score(amara, p2, period=1, value=1, evidence=f"Canary score {b.tok()}", label=R_KESMED)
    services.score(amara, p1, period=2, value=3, evidence=f"Canary score {b.tok()}", label=S_MILOPS)
    services.score(amara, p2, period=2, value=0, evidence=f"Canary score {b.tok()}")

    # a whole agreement only the mediation reads, with commitments and scores
    _a_med, (m1, _) = agreement(S_MED)
    commitment(m1, S_MED, ["KES"], vb="MED")
    services.score(amara, m1, period=1, value=3, evidence=f"Canary score {b.tok()}", label=S_MED)

    # agreements made from signed texts: their proposals carry the text's label
    doc_kes = _signed_text(b, "viktor.kess", "KES", R_KESMED)
    a_kes = services.create_from_text(
        amara, document_id=doc_kes.pk, title=f"Canary from text {b.tok()}"
    )
    prop = queries.proposals(amara, a_kes).first()
    services.confirm_proposal(
        amara,
        prop,
        what=f"Canary confirmed {b.tok()}",
        responsible=["KES"],
        verification_body="VMM",
    )
    doc_pub = _signed_text(b, "ingrid.dahl", "NOR", PUB)
    services.create_from_text(amara, document_id=doc_pub.pk, title=f"Canary public text {b.tok()}")

    # violation reports under a spread of labels, some moved along the workflow
    def allege(who, label, party=""):
        return services.allege(
            b.v(who),
            a_pub,
            title=f"Canary allegation {b.tok()}",
            allegation=f"Canary allegation text {b.tok()}",
            source="party",
            alleged_party=party,
            place_name=f"Canary place {b.tok()}",
            label=label,
        )

    v_kes = allege("viktor.kess", R_KESMED, "NVF")
    services.advance(b.v("lena.haas"), v_kes, "tasked", note=f"Canary tasking {b.tok()}")
    v_med = allege("lena.haas", S_MED, "KES")
    services.advance(b.v("lena.haas"), v_med, "tasked", note=f"Canary tasking {b.tok()}")
    v_pub = allege("daria.vol", PUB, "KES")
    services.advance(b.v("lena.haas"), v_pub, "tasked", note=f"Canary tasking {b.tok()}")
    services.advance(b.v("tomas.ruiz"), v_pub, "visited", note=f"Canary visit {b.tok()}")
    allege("amara.okafor", S_MILOPS)

    # files on steps: public on a public report, tighter on it, and on a party's report
    def step_file(who, v, label=None):
        t = b.tok()
        return services.attach_to_step(
            b.v(who),
            v.steps.last(),
            name=f"{t}.txt",
            data=f"step file {t}\n".encode(),
            note=f"Canary step note {t}",
            label=label,
        )

    step_file("tomas.ruiz", v_pub)
    step_file("tomas.ruiz", v_pub, R_VMM)
    step_file("lena.haas", v_kes)
    step_file("lena.haas", v_med)
