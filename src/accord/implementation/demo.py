"""Demo content of the implementation app in the Lake Varna process: the ceasefire agreement,
signed and in force (entered by hand: the negotiation demo's text is not signed yet), twelve
commitments with D+n deadlines — some verified, some reported, some overdue or slipping — and
two years of PAM scores. Everything goes through the services, as the members who may act."""

from __future__ import annotations

from datetime import timedelta

from accord.core.demo import member_viewer
from accord.core.labels import LabelValue
from accord.implementation import queries, services
from accord.implementation.models import ComplianceReport, Provision

TITLE = "Lake Varna Ceasefire Agreement"
PUB = LabelValue.of(0)
R_PARTIES = LabelValue.of(1, ["KES", "NVF", "MED", "VMM"])

PROVISIONS = [
    (
        "1.1",
        "Cessation of hostilities",
        "The Parties shall cease all hostilities along the Varna line from 00:01 on the day "
        "after signature.",
        ["cease"],
        ["Security"],
    ),
    (
        "1.2",
        "Cessation of hostilities",
        "Each Party shall issue orders to its forces to give effect to this Article within "
        "seventy-two (72) hours, and shall communicate them to the Mission within seven (7) days "
        "of the entry into force of this Agreement.",
        ["cease", "time"],
        ["Security"],
    ),
    (
        "2.1",
        "Separation of forces",
        "Heavy weapons shall be withdrawn to a distance of 15 km from the Varna line within "
        "thirty (30) days of the transfer of authority to the Mission.",
        ["with", "disarm"],
        ["Security"],
    ),
    (
        "2.2",
        "Separation of forces",
        "The Parties shall provide the Mission with maps of all minefields within forty-five "
        "(45) days of the entry into force of this Agreement and clear them within one year.",
        ["disarm"],
        ["Security"],
    ),
    (
        "3.1",
        "Monitoring",
        "The Varna Monitoring Mission shall monitor and verify the implementation of Articles 1 "
        "and 2 with access as agreed, and report to the Joint Commission every month.",
        ["verify", "regpkf"],
        ["Verification"],
    ),
    (
        "4.1",
        "Humanitarian access",
        "The Parties shall open the three lake crossings to humanitarian convoys within "
        "fourteen (14) days of the entry into force of this Agreement.",
        ["idps", "humrts"],
        ["Humanitarian"],
    ),
    (
        "5.1",
        "Prisoner exchange",
        "The Parties shall exchange lists of detainees within 30 days of signature and release "
        "them in phases by category within six (6) months of the entry into force.",
        ["prisr"],
        ["Humanitarian"],
    ),
    (
        "6.1",
        "Political roadmap",
        "Elections in the northern districts shall be held within eighteen (18) months of "
        "signature, observed by international observers; an electoral law shall be adopted "
        "within nine months of the entry into force.",
        ["elect", "legref"],
        ["Political"],
    ),
    (
        "7.1",
        "Review",
        "The Joint Commission shall review the implementation of this Agreement one year after "
        "its entry into force.",
        ["roa"],
        ["Political"],
    ),
]

# (provision, what, responsible, anchor, days, verifier, label, outcome)
# outcome: verified | reported | overdue | slipping | open
COMMITMENTS = [
    (
        "1.1",
        "Cease all hostilities along the Varna line",
        ["KES", "NVF"],
        "signature",
        1,
        "VMM",
        PUB,
        "verified",
    ),
    (
        "1.2",
        "Communicate ceasefire orders to the Mission",
        ["KES", "NVF"],
        "entry_into_force",
        7,
        "VMM",
        PUB,
        "verified",
    ),
    (
        "2.1",
        "Withdraw heavy weapons 15 km from the Varna line",
        ["KES", "NVF"],
        "transfer_of_authority",
        30,
        "VMM",
        PUB,
        "reported",
    ),
    (
        "2.2",
        "Hand the Mission maps of all minefields",
        ["KES", "NVF"],
        "entry_into_force",
        45,
        "VMM",
        R_PARTIES,
        "verified",
    ),
    (
        "2.2",
        "Clear the mapped minefields",
        ["KES", "NVF"],
        "entry_into_force",
        365,
        "VMM",
        PUB,
        "overdue",
    ),
    (
        "3.1",
        "Deploy monitoring teams to the four sectors",
        [],
        "transfer_of_authority",
        21,
        "MED",
        PUB,
        "verified",
    ),
    (
        "4.1",
        "Open the three lake crossings to convoys",
        ["KES"],
        "entry_into_force",
        14,
        "VMM",
        PUB,
        "reported",
    ),
    (
        "5.1",
        "Exchange lists of detainees",
        ["KES", "NVF"],
        "signature",
        30,
        "VMM",
        R_PARTIES,
        "verified",
    ),
    (
        "5.1",
        "Release detainees in phases by category",
        ["KES", "NVF"],
        "entry_into_force",
        182,
        "VMM",
        R_PARTIES,
        "overdue",
    ),
    (
        "6.1",
        "Adopt the electoral law for the northern districts",
        ["KES"],
        "entry_into_force",
        274,
        "CSU",
        PUB,
        "overdue",
    ),
    (
        "6.1",
        "Hold elections in the northern districts",
        ["KES"],
        "signature",
        548,
        "CSU",
        PUB,
        "open",
    ),
    (
        "7.1",
        "Review the implementation in the Joint Commission",
        [],
        "entry_into_force",
        365 + 60,
        "MED",
        PUB,
        "slipping",
    ),
]

# provision → (year-1 score, year-2 score)
SCORES = {
    "1.1": (3, 3),
    "1.2": (3, 3),
    "2.1": (2, 3),
    "2.2": (1, 2),
    "3.1": (2, 3),
    "4.1": (1, 2),
    "5.1": (1, 1),
    "6.1": (0, 1),
    "7.1": (0, 1),
}


def load(process) -> None:
    """The Lake Varna ceasefire agreement, signed 420 days ago and in force since 410."""
    amara = member_viewer(process, "amara.okafor")
    today = queries.today()
    signed = today - timedelta(days=420)
    in_force = signed + timedelta(days=10)
    toa = in_force + timedelta(days=15)
    a = services.create_agreement(
        amara,
        title=TITLE,
        summary=(
            "The ceasefire between the Government of Kestria and the Northern Varna Front, "
            "monitored by the Varna Monitoring Mission and guaranteed by the Coastal States Union."
        ),
        signed_on=signed,
        in_force_on=in_force,
        signatories=["KES", "NVF", "MED", "CSU"],
        label=PUB,
        provisions=[
            {"number": n, "heading": h, "text": t, "types": ty, "themes": th}
            for n, h, t, ty, th in PROVISIONS
        ],
    )
    services.add_anchor(amara, a, name="Transfer of authority to the Mission", occurred_on=toa)
    toa_key = services._anchor_slug("Transfer of authority to the Mission")
    provs = {p.number: p for p in Provision.objects.filter(agreement=a)}
    kes, nvf = member_viewer(process, "viktor.kess"), member_viewer(process, "daria.vol")
    tomas = member_viewer(process, "tomas.ruiz")
    verifiers = {
        "VMM": tomas,
        "MED": member_viewer(process, "lena.haas"),
        "CSU": member_viewer(process, "omar.said"),
    }
    # each commitment's anchor date + n days, shifted so the outcome holds today
    for number, what, resp, anchor, days, verifier, label, outcome in COMMITMENTS:
        key = toa_key if anchor == "transfer_of_authority" else anchor
        if outcome == "slipping":
            base = {"signature": signed, "entry_into_force": in_force}.get(key, toa)
            days = (today - base).days + 12
        c = services.add_commitment(
            amara,
            provs[number],
            what=what,
            responsible=resp,
            body=""
            if resp
            else "Joint Commission"
            if verifier == "MED"
            else "Varna Monitoring Mission",
            anchor=key,
            amount=days,
            unit="days",
            verification_body=verifier,
            evidence_expected="Mission patrol reports and photographs with coordinates.",
            label=label,
        )
        if outcome in ("verified", "reported"):
            who = kes if "KES" in resp or not resp else nvf
            if not resp:
                who = tomas
            services.report(
                who,
                c,
                kind="progress",
                text="Work has started; the first sectors are done.",
                evidence="Sector reports 1–2.",
            )
            services.report(
                who,
                c,
                kind="done",
                text="Completed as agreed.",
                evidence="Completion note with the Mission's patrol log references.",
            )
        if outcome == "verified":
            services.verify(
                verifiers[verifier],
                c,
                verified=True,
                text="Verified on site by patrol teams.",
                evidence="Patrol reports VMM-P-114 to VMM-P-131.",
            )
        if outcome == "overdue" and "NVF" in resp:
            services.report(
                nvf,
                c,
                kind="progress",
                text="Partly done; access to two sites is still disputed.",
                evidence="Letter to the Mission.",
            )
    sophie = member_viewer(process, "sophie.martin")
    for number, (y1, y2) in SCORES.items():
        label = R_PARTIES if number == "5.1" else PUB
        who = tomas if label is R_PARTIES else sophie
        services.score(
            who,
            provs[number],
            period=1,
            value=y1,
            evidence="Year 1 review: Mission reports and party submissions.",
            label=label,
        )
        services.score(
            who,
            provs[number],
            period=2,
            value=y2,
            evidence="Year 2 review to date: Mission reports.",
            label=label,
        )
    load_attachment(process, a)
    load_violations(process, a)


def load_attachment(process, a) -> None:
    """A completion note attached to the first report of a commitment reported done."""
    r = (
        ComplianceReport.objects.filter(commitment__agreement=a, kind="done")
        .select_related("author__user")
        .order_by("pk")
        .first()
    )
    if r is None or r.author is None:
        return
    services.attach_to_report(
        member_viewer(process, r.author.user.username),
        r,
        name="Completion note.txt",
        data=(
            b"Completion note\n\nAll sectors done as agreed. Patrol log references: "
            b"VMM-P-101 to VMM-P-113.\n"
        ),
        note="The completion note handed to the Mission",
    )


def load_violations(process, a) -> None:
    """One violation report through the whole CTSAMVM workflow, one waiting for the team visit."""
    amara, lena = member_viewer(process, "amara.okafor"), member_viewer(process, "lena.haas")
    tomas, daria = member_viewer(process, "tomas.ruiz"), member_viewer(process, "daria.vol")
    cease = Provision.objects.get(agreement=a, number="1.1")
    v = services.allege(
        daria,
        a,
        title="Shelling near the Dren checkpoint",
        allegation="Government artillery shelled positions north of the Dren checkpoint overnight.",
        source="party",
        alleged_party="KES",
        provision_id=cease.pk,
        # north of the checkpoint, inside the zone of separation along the ceasefire line
        place={"type": "Point", "coordinates": [28.70, 45.205]},
        place_name="Dren checkpoint, sector north",
        occurred_on=queries.today() - timedelta(days=40),
    )
    services.advance(lena, v, "tasked", note="Team North to investigate within 72 hours.")
    services.advance(tomas, v, "visited", note="Site visited; eleven witnesses interviewed.")
    services.attach_to_step(
        tomas,
        v.steps.last(),
        name="Team North site visit notes.txt",
        data=(
            b"Site visit, Dren checkpoint sector north\n\nSix craters, 122 mm, fins found at two. "
            b"Eleven witnesses interviewed; statements W1-W11 filed.\n"
        ),
        note="The team's notes from the site, with the crater count",
    )
    services.advance(tomas, v, "investigated", note="Crater analysis and witness statements filed.")
    services.advance(
        tomas,
        v,
        "reported",
        report={
            "background": "The ceasefire has held in sector north since the transfer of authority.",
            "aim": "To establish whether the ceasefire was violated near the Dren checkpoint.",
            "methodology": "Site visit, crater analysis, eleven interviews, patrol logs.",
            "findings": "Six impacts of 122 mm rounds fired from the south-west on the night alleged.",
            "recommendations": "The Government to investigate the chain of command and report within 30 days.",
            "happened": "yes",
            "ordered": "unknown",
            "conclusion": "violation",
            "violating_party": "KES",
            "article": "Article 1.1: “The Parties shall cease all hostilities along the Varna line”",
        },
    )
    services.advance(lena, v, "committee", note="Endorsed at the 14th technical committee.")
    services.advance(amara, v, "board", note="Endorsed by the board; referred to the guarantors.")
    services.approve_publication(amara, v, True)
    w = services.allege(
        tomas,
        a,
        title="Armed men at the lake crossing",
        allegation="A patrol saw armed men in uniform without insignia at the eastern crossing.",
        source="mission",
        place_name="Eastern lake crossing",
        occurred_on=queries.today() - timedelta(days=3),
    )
    services.advance(lena, w, "tasked", note="Team East to visit.")
