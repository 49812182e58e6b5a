"""Demo content: two consultations of the Lake Varna process.

1. "Priorities for the single text": twelve statements put by the Special Envoy's office to the
   members (RESTRICTED, all parties), with votes from the demo members, cast through the
   services as those members.
2. "Varna civil-society forum": an imported Pol.is export of 60 synthetic participants in three
   planted opinion groups (returnees, northern autonomy, security first) who all agree on three
   humanitarian statements (UNCLASSIFIED), then closed. (No run is stored: running the
   opinion groups is one click on the Analysis page, and the demo loads in every test.)
"""

from __future__ import annotations

import csv
import io
import random

from accord.core import access
from accord.core.demo import member_viewer
from accord.core.labels import LabelValue
from accord.core.models import Process

MEMBER_STATEMENTS = [
    "Humanitarian corridors should be listed by name in an annex to the agreement.",
    "The Varna Monitoring Mission needs unrestricted access to both sides of the line.",
    "Prisoners should be exchanged all-for-all in a single operation.",
    "Heavy weapons should be withdrawn at least 20 km from the Varna line.",
    "Elections in the northern districts within 12 months are realistic.",
    "A joint commission should oversee the ceasefire alongside the VMM.",
    "Thirty days is enough to complete the withdrawal of heavy weapons.",
    "The text should name the river crossings that stay open to civilians.",
    "Donors should fund demining before displaced families return.",
    "An amnesty must exclude crimes against civilians.",
    "Ceasefire violations should be reported publicly within 48 hours.",
    "All parties should review the political roadmap six months after signature.",
]
# Votes per member, one character per statement: + agree, - disagree, 0 pass, . not voted.
# (The last two statements are added during the consultation, by NVF and KES.)
MEMBER_VOTES = {
    "amara.okafor": "++0-0+.++++",
    "lena.haas": "+++0-++0++++",
    "pavel.novak": "++0+0+-+++.+",
    "james.whitfield": "+++-00.++++",
    "ana.costa": "++0+-+-+++0+",
    "col.marsh": "+++-+-+++0",
    "ingrid.dahl": "++0-0+0++++",
    "erik.lund": "+.0+-+.++++0",
    "marc.dubois": "+++-0+-++++",
    "sophie.martin": "++0+-+-++.+",
    "viktor.kess": "+--+--+-+--+",
    "ilya.brant": "+--+-0+-+-0+",
    "daria.vol": "++++++--+0++",
    "omar.said": "+++0-++++0+",
    "tomas.ruiz": "+++-0+-+++++",
}
ADDED = [("daria.vol", 10), ("viktor.kess", 11)]  # statement index added by whom

FORUM_CONSENSUS = [
    "Civilians must be able to leave the frontline villages safely.",
    "Landmines near the river crossings must be cleared before people return.",
    "Families must be told where detained relatives are held.",
]
FORUM_GROUPS = {
    "returnees": [
        "Displaced families should return to their homes within a year.",
        "Property lost in the fighting must be restored or compensated.",
        "Return of the displaced should come before any election.",
        "The local councils of before the war should be restored.",
    ],
    "autonomy": [
        "The northern districts need a police force of their own.",
        "Elections should be held as soon as possible.",
        "Fighters who lay down their arms should receive an amnesty.",
        "River trade should be run by the northern districts.",
    ],
    "security": [
        "Heavy weapons must stay far away from Varna city.",
        "Those responsible for attacks on civilians must be tried.",
        "The national army should return to the northern districts.",
        "International monitors should report to the government.",
    ],
}
FORUM_PER_GROUP = 20


def forum_statements() -> list[tuple[str, str, str | None]]:
    """(comment id, text, planted group or None for consensus) of the forum export."""
    out: list[tuple[str, str, str | None]] = [
        (str(i), t, None) for i, t in enumerate(FORUM_CONSENSUS)
    ]
    for group, texts in FORUM_GROUPS.items():
        for t in texts:
            out.append((str(len(out)), t, group))
    return out


def forum_csv(seed: int = 7) -> tuple[str, str, dict[str, str]]:
    """The synthetic Pol.is export: (participants-votes.csv, comments.csv, participant → group).

    Each participant agrees with every statement of their own group and every consensus
    statement they saw; on the other groups' statements they disagree, pass (20 %) or did not
    vote (10 %)."""
    rng = random.Random(seed)
    stmts = forum_statements()
    votes, comments = io.StringIO(), io.StringIO()
    meta = ["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"]
    w = csv.writer(votes, lineterminator="\n")
    w.writerow(meta + [sid for sid, _, _ in stmts])
    planted: dict[str, str] = {}
    n = 0
    for group in FORUM_GROUPS:
        for _ in range(FORUM_PER_GROUP):
            pid = str(100 + n)
            n += 1
            planted[pid] = group
            row = []
            for _, _, g in stmts:
                if g == group:
                    row.append("1")
                elif g is None:
                    row.append("" if rng.random() < 0.1 else "1")
                else:
                    r = rng.random()
                    row.append("" if r < 0.1 else "0" if r < 0.3 else "-1")
            cast = [x for x in row if x]
            agree = sum(1 for x in cast if x == "1")
            disagree = sum(1 for x in cast if x == "-1")
            w.writerow([pid, "", 0, len(cast), agree, disagree, *row])
    c = csv.writer(comments, lineterminator="\n")
    c.writerow(["timestamp", "datetime", "comment-id", "author-id", "comment-body"])
    for sid, text, _ in stmts:
        c.writerow(["", "", sid, "", text])
    return votes.getvalue(), comments.getvalue(), planted


def load(process: Process) -> None:
    """Add the consultations demo to the demo process (called once, inside its transaction)."""
    from accord.consult import services

    def v(username: str) -> access.Viewer:
        return member_viewer(process, username)

    envoy = v("lena.haas")
    added = {i for _, i in ADDED}
    c = services.create_consultation(
        envoy,
        title="Priorities for the single text",
        question="Which provisions should the next version of the draft ceasefire text carry?",
        statements=[t for i, t in enumerate(MEMBER_STATEMENTS) if i not in added],
    )
    for username, i in ADDED:
        services.add_statement(v(username), c, MEMBER_STATEMENTS[i])
    ids = {s.text: s.pk for s in c.statements.all()}
    for username, pattern in MEMBER_VOTES.items():
        ballot = {
            ids[MEMBER_STATEMENTS[i]]: {"+": 1, "-": -1, "0": 0}[ch]
            for i, ch in enumerate(pattern)
            if ch in "+-0"
        }
        services.cast_votes(v(username), c, ballot)

    forum = services.create_consultation(
        envoy,
        title="Varna civil-society forum",
        question="What matters most to the people of the Varna valley after the fighting stops?",
        label=LabelValue.of(0),
    )
    votes_csv, comments_csv, _ = forum_csv()
    services.import_votes(
        envoy,
        forum,
        votes_csv=votes_csv,
        comments_csv=comments_csv,
        source="Varna civil-society forum, Pol.is conversation (synthetic demo data)",
    )
    services.close_consultation(envoy, forum)
