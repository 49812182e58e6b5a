"""Demo content: the Lake Varna draft ceasefire text, agenda and confidential positions.

Everything is created through the services, as the demo members themselves, so the ledger,
labels and permissions are exactly what real use produces.
"""

from __future__ import annotations

from accord.core import access
from accord.core.demo import member_viewer
from accord.core.models import Process

ISSUES = [
    # (cluster, title, kind, description, numeric (unit, min, max, step) or options)
    (
        "security",
        "Withdrawal distance from the Varna line",
        "numeric",
        "How far each side's heavy weapons withdraw from the contact line.",
        ("km", 0, 30, 1),
    ),
    (
        "security",
        "Monitoring of the ceasefire",
        "discrete",
        "Who monitors the cessation of hostilities and the separation of forces.",
        ["VMM alone", "VMM with joint commission", "Joint commission alone"],
    ),
    (
        "humanitarian",
        "Prisoner exchange",
        "discrete",
        "Scope of the first exchange of detainees.",
        ["All for all", "Phased by category", "Lists agreed case by case"],
    ),
    (
        "political",
        "Time to elections",
        "numeric",
        "Months from signature to elections in the northern districts.",
        ("months", 6, 36, 6),
    ),
]

# username → {issue index: fields}, with level and releases
POSITIONS = [
    (
        "viktor.kess",
        0,
        {"preferred_value": 20, "acceptable_min": 15, "acceptable_max": 30, "salience": 90},
        {"interests": "Keep NVF artillery out of range of Varna city.", "reservation_value": 15},
        [("acceptable", ["MED", "ARD", "NOR", "BEL"])],
    ),
    (
        "viktor.kess",
        3,
        {"preferred_value": 24, "acceptable_min": 18, "acceptable_max": 36, "salience": 60},
        {"interests": "Time to restore administration before any vote."},
        [],
    ),
    (
        "viktor.kess",
        1,
        {
            "preferred_option": "vmm-alone-1",
            "acceptable_options": ["vmm-alone-1", "vmm-with-joint-commission-2"],
            "red_lines": ["joint-commission-alone-3"],
            "salience": 50,
        },
        {},
        [],
    ),
    (
        "daria.vol",
        0,
        {"preferred_value": 10, "acceptable_min": 5, "acceptable_max": 15, "salience": 70},
        {"interests": "Hold the river crossings our communities depend on."},
        [("preferred", ["KES"])],
    ),
    (
        "daria.vol",
        3,
        {"preferred_value": 12, "acceptable_min": 6, "acceptable_max": 18, "salience": 95},
        {"interests": "Elections before the government consolidates control.", "evidence": ""},
        [("full", ["MED"])],
    ),
    (
        "daria.vol",
        2,
        {
            "preferred_option": "all-for-all-1",
            "acceptable_options": ["all-for-all-1", "phased-by-category-2"],
            "salience": 85,
        },
        {},
        [],
    ),
    (
        "james.whitfield",
        0,
        {"preferred_value": 15, "acceptable_min": 10, "acceptable_max": 20, "salience": 60},
        {"evidence": "Instruction 14/2026 from the Ardanian Foreign Ministry."},
        [("full", ["NOR", "BEL"])],
    ),
    (
        "ingrid.dahl",
        1,
        {
            "preferred_option": "vmm-with-joint-commission-2",
            "acceptable_options": ["vmm-alone-1", "vmm-with-joint-commission-2"],
            "salience": 70,
        },
        {"interests": "Norlund funds half of the VMM."},
        [],
    ),
    (
        "marc.dubois",
        2,
        {
            "preferred_option": "phased-by-category-2",
            "acceptable_options": ["all-for-all-1", "phased-by-category-2"],
            "salience": 40,
        },
        {},
        [("acceptable", ["ARD", "NOR"])],
    ),
]

ARTICLES = [
    (
        "Cessation of hostilities",
        [
            "The Parties shall cease all hostilities along the Varna line from 00:01 on the day "
            "after signature.",
            "Each Party shall issue orders to its forces to give effect to this Article within "
            "[24 hours {KES} / 72 hours {NVF}].",
        ],
    ),
    (
        "Separation of forces",
        [
            "Heavy weapons shall be withdrawn to a distance of [10 km {NVF} / 15 km {MED} / "
            "20 km {KES}] from the Varna line.",
            "The withdrawal shall be completed within 30 days of signature.",
        ],
    ),
    (
        "Monitoring",
        [
            "The Varna Monitoring Mission (VMM) shall monitor and verify the implementation of "
            "Articles 1 and 2 [with unrestricted access {NVF} / with access as agreed with the "
            "Government {KES}].",
        ],
    ),
    (
        "Humanitarian access",
        [
            "The Parties shall allow and facilitate rapid and unimpeded humanitarian access to "
            "civilians in need.",
        ],
    ),
    (
        "Prisoner exchange",
        [
            "The Parties shall release and exchange detainees held in connection with the "
            "conflict [on an all-for-all basis {NVF} / in phases by category {KES}].",
        ],
    ),
    (
        "Political roadmap",
        [
            "Elections in the northern districts shall be held within [12 {NVF} / 18 {MED} / "
            "24 {KES}] months of signature, observed by international observers.",
        ],
    ),
]

# (username, article index, clause index in article, stance, comment)
STANCES = [
    ("viktor.kess", 0, 0, "accept", ""),
    ("daria.vol", 0, 0, "accept", ""),
    ("james.whitfield", 0, 0, "accept", ""),
    ("ingrid.dahl", 0, 0, "accept", ""),
    ("marc.dubois", 0, 0, "accept_ad_ref", "Subject to confirmation by Belmark's cabinet."),
    ("omar.said", 0, 0, "accept", ""),
    ("viktor.kess", 3, 0, "accept", ""),
    ("daria.vol", 3, 0, "reserve", "Needs a named corridor list in an annex."),
    ("james.whitfield", 3, 0, "accept", ""),
    ("viktor.kess", 1, 1, "reject", "Thirty days is not feasible for the Army's logistics."),
    ("daria.vol", 1, 1, "accept", ""),
]


def load(process: Process) -> None:
    """Add the negotiation demo to the demo process (called once, inside its transaction)."""
    from accord.negotiation import services
    from accord.negotiation.models import Option

    def v(username: str) -> access.Viewer:
        return member_viewer(process, username)

    envoy = v("lena.haas")
    issues = []
    for cluster, title, kind, desc, spec in ISSUES:
        if kind == "numeric":
            unit, lo, hi, step = spec
            issues.append(
                services.create_issue(
                    envoy,
                    title=title,
                    kind=kind,
                    cluster=cluster,
                    description=desc,
                    unit=unit,
                    minimum=lo,
                    maximum=hi,
                    step=step,
                )
            )
        else:
            issues.append(
                services.create_issue(
                    envoy, title=title, kind=kind, cluster=cluster, description=desc, options=spec
                )
            )
    assert Option.objects.filter(issue=issues[1], key="vmm-alone-1").exists()
    for username, idx, fields, extra, rels in POSITIONS:
        who = v(username)
        pos = services.state_position(who, issues[idx], **fields, **extra)
        for scope, to in rels:
            services.release_position(who, pos, to=to, scope=scope)
    services.set_issue_status(envoy, issues[2], "converging")

    doc = services.create_document(
        envoy, title="Lake Varna Ceasefire Agreement — draft single text", articles=ARTICLES
    )
    from accord.negotiation import queries

    view = queries.text(envoy, doc)
    clause_ids = [[c.clause_id for c in a.clauses] for a in view.articles]
    links = {1: [0], 2: [1], 4: [2], 5: [3]}
    for art, idxs in links.items():
        services.link_issues(
            envoy, doc, queries.clause(doc, clause_ids[art][0]), [issues[i].pk for i in idxs]
        )
    for username, a, c, stance, comment in STANCES:
        services.record_stance(
            v(username),
            doc,
            queries.clause(doc, clause_ids[a][c]),
            stance=stance,
            comment=comment,
            version=view.version.number,
        )
    services.propose_amendment(
        v("daria.vol"),
        doc,
        kind="replace",
        clause_id=clause_ids[3][0],
        base_version=view.version.number,
        text="The Parties shall allow and facilitate rapid and unimpeded humanitarian access to "
        "civilians in need through the corridors listed in Annex A.",
        rationale="Without named corridors the commitment cannot be monitored.",
    )
    # the Envoy's first look for common ground: a packages run over the positions she may
    # read (mediator-only, like its inputs, until she releases it)
    services.run_analysis(envoy, kind="packages", samples=200, seed=7)
