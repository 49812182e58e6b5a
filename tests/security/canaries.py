"""Probe data for the leak suite: canary objects of every registered kind, under a spread of
labels, each carrying a unique token in its text, plus members whose membership is hidden from
most readers and who act where everyone can read.

Everything is created through the services (the one door for writes), as the members who may
do it, so labels, ledger entries, notifications and derived labels are what real use produces.

Distinctive ids: before anything is created, the id sequence of every registered kind's table
is moved to its own block (7_340_000 + 10_000 × the kind's index), so a canary id in a response
is recognisable by a regex and cannot be confused with a count, a version number or a demo id.
Tokens are one lower-case word (`cnry7q3x` + 4 digits), so full-text search finds them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection

from accord.core import links
from accord.core.access import viewer_of
from accord.core.labels import LabelValue
from accord.core.models import Member, Party, Process

TOKEN_PREFIX = "cnry7q3x"
TOKEN_RE = re.compile(TOKEN_PREFIX + r"\d{4}")
ID_BASE = 7_340_000
ID_BLOCK = 10_000
# a canary id: 7 digits, not glued to letters or digits (hashes, base64 and words are not ids)
ID_RE = re.compile(r"(?<![0-9A-Za-z_])(7[3-9]\d{5})(?![0-9A-Za-z_])")
OTHER_SLUG = "cnry-elsewhere"

U, R, C, S = 0, 1, 2, 3
PUB = LabelValue.of(U)
C_ALL = LabelValue.of(C)
C_ARD = LabelValue.of(C, ["ARD"])
R_KESNVF = LabelValue.of(R, ["KES", "NVF"])
R_NOR = LabelValue.of(R, ["NOR"])
R_KESMED = LabelValue.of(R, ["KES", "MED"])
R_NVFMED = LabelValue.of(R, ["NVF", "MED"])
S_MED = LabelValue.of(S, None, ["MEDIATION"])
S_MILOPS = LabelValue.of(S, None, ["MILOPS"])

# members whose membership only some may read, and who act in public places
HIDDEN_MEMBERS = {
    # username: (full name, party, roles, clearance, caveats, label, title prefix)
    "hedda.cnry": (
        "Hedda Vantorpe",
        "NOR",
        ["head_of_delegation"],
        S,
        [],
        LabelValue.of(C, ["NOR"]),
        "Special adviser",
    ),
    "bruno.cnry": (
        "Bruno Haldemark",
        "MED",
        ["mediator"],
        S,
        ["MEDIATION"],
        S_MED,
        "Senior mediator",
    ),
}
VISIBLE_MEMBER = "petra.cnry"  # a canary member everyone may see
PASSWORD = "canary-probe-pass-2026"


@dataclass
class World:
    """The demo process with its canaries (and a second process nobody here belongs to)."""

    process: Process
    other: Process
    probe_users: list[str]
    canary_ids: dict[str, list[int]] = field(default_factory=dict)
    # texts outside the registry that no member of the demo process may read
    foreign_texts: list[str] = field(default_factory=list)
    restore: Callable[[], None] = lambda: None

    def member(self, username: str) -> Member:
        return Member.objects.select_related("user", "party", "process").get(
            process=self.process, user__username=username
        )


# --- distinctive ids ----------------------------------------------------------------------------
def kind_blocks() -> dict[str, int]:
    """Kind name → first id of its block (by the sorted kind names: stable, automatic)."""
    names = sorted({k.model._meta.db_table: k.name for k in links.kinds()}.values())
    return {name: ID_BASE + i * ID_BLOCK for i, name in enumerate(names)}


def bump_sequences() -> Callable[[], None]:
    """Move every registered kind's id sequence to its block; returns how to move them back
    (PostgreSQL sequences ignore rollbacks; SQLite's sqlite_sequence is transactional)."""
    undo: list[tuple] = []
    with connection.cursor() as cur:
        for name, start in kind_blocks().items():
            table = links.kind(name).model._meta.db_table
            if connection.vendor == "postgresql":
                cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                seq = cur.fetchone()[0]
                cur.execute(f"SELECT last_value, is_called FROM {seq}")
                last, called = cur.fetchone()
                undo.append((seq, last, called))
                cur.execute("SELECT setval(%s, %s, false)", [seq, start])
            else:
                cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cur.fetchone()
                if row is None:
                    cur.execute(
                        "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                        [table, start - 1],
                    )
                else:
                    cur.execute(
                        "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [start - 1, table]
                    )
                undo.append((table, None if row is None else row[0], None))

    def restore() -> None:
        with connection.cursor() as cur:
            for key, last, called in undo:
                if connection.vendor == "postgresql":
                    cur.execute("SELECT setval(%s, %s, %s)", [key, last, called])
                elif last is None:
                    cur.execute("DELETE FROM sqlite_sequence WHERE name = %s", [key])
                else:
                    cur.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last, key])

    return restore


# --- the builder --------------------------------------------------------------------------------
class _Builder:
    def __init__(self, process: Process) -> None:
        self.process = process
        self.counter = itertools.count(1)
        self.members: dict[str, Member] = {}

    def tok(self) -> str:
        return f"{TOKEN_PREFIX}{next(self.counter):04d}"

    def v(self, username: str):
        m = Member.objects.select_related("user", "party", "process").get(
            process=self.process, user__username=username
        )
        return viewer_of(m)

    # members ------------------------------------------------------------------------------
    def add_members(self) -> None:
        from accord.core import services

        parties = {p.code: p for p in Party.objects.filter(process=self.process)}
        specs = dict(HIDDEN_MEMBERS)
        specs[VISIBLE_MEMBER] = ("Petra Quillane", "BEL", ["analyst"], C, [], PUB, "Liaison")
        for username, (full, party, roles, clearance, caveats, label, title) in specs.items():
            user = services.create_user(username=username, password=PASSWORD, full_name=full)
            self.members[username] = services.add_member(
                None,
                self.process,
                user=user,
                party=parties[party],
                clearance=clearance,
                caveats=caveats,
                roles=roles,
                title=f"{title} {self.tok()}",
                label=label,
            )

    # comms ----------------------------------------------------------------------------------
    def comms(self) -> None:
        from accord.comms import services as comms

        amara = self.v("amara.okafor")

        def channel(name, kind, label, parties=()):
            t = self.tok()
            return comms.create_channel(
                amara,
                name=f"{name} {t}",
                kind=kind,
                label=label,
                parties=list(parties),
                description=f"probe channel {self.tok()}",
            )

        pub = channel("Canary square", "topic", PUB)
        ard = channel("Canary Ardania", "party", LabelValue.of(C), ["ARD"])
        kesnvf = channel("Canary parties", "bilateral", LabelValue.of(R), ["KES", "NVF"])
        caucus = channel("Canary caucus", "caucus", LabelValue.of(S))
        milops = channel("Canary MILOPS", "topic", S_MILOPS)
        nor = channel("Canary Norlund", "party", LabelValue.of(R), ["NOR"])

        def post(who, chan, label, text="", **kw):
            return comms.post_message(
                self.v(who), chan.pk, body=f"{text} {self.tok()} probe".strip(), label=label, **kw
            ).message

        def attach(who, msg):
            t = self.tok()
            comms.attach(self.v(who), msg.pk, name=f"{t}.txt", data=f"file {t}\n".encode())

        m_pub = post("amara.okafor", pub, PUB, "Opening")
        attach("amara.okafor", m_pub)
        m_ard = post("ana.costa", pub, C_ARD, "Ardanian aside")
        attach("ana.costa", m_ard)
        m_med = post("lena.haas", pub, S_MED, "Envoy aside")
        attach("lena.haas", m_med)
        post("viktor.kess", pub, R_KESNVF, "Parties aside")
        post("marc.dubois", pub, C_ALL, "Confidential note")
        post("col.marsh", pub, PUB, "Attaché remark")  # hidden sender, public message
        post("hedda.cnry", pub, PUB, "Adviser reply", reply_to=m_pub.pk)  # hidden replier
        flash = post("amara.okafor", pub, PUB, "Flash, acknowledge", precedence="FLASH")
        for who in ("col.marsh", "hedda.cnry", "viktor.kess", "ana.costa"):
            comms.acknowledge(self.v(who), flash.pk)
        post("amara.okafor", pub, PUB, "Noted for @hedda.cnry and @bruno.cnry")  # mentions
        # a public reply to a message that is later tightened to ARD only (edits may tighten)
        parent = post("ana.costa", pub, PUB, "Draft remark")
        post("amara.okafor", pub, PUB, "Answering the draft", reply_to=parent.pk)
        comms.edit_message(
            self.v("ana.costa"), parent.pk, body=f"Tightened {self.tok()} probe", label=C_ARD
        )
        post("ana.costa", ard, C_ARD, "Delegation line")
        post("daria.vol", kesnvf, R_KESNVF, "Parties line")
        post("lena.haas", caucus, S_MED, "Caucus line")
        post("col.marsh", milops, S_MILOPS, "Battery line")
        post("hedda.cnry", nor, R_NOR, "Norlund line")
        nflash = post("ingrid.dahl", nor, R_NOR, "Norlund flash", precedence="FLASH")
        comms.acknowledge(self.v("hedda.cnry"), nflash.pk)

    # consultations --------------------------------------------------------------------------
    def consult(self) -> None:
        from accord.consult import services as consult

        def open_(who, label):
            return consult.create_consultation(
                self.v(who),
                title=f"Canary consultation {self.tok()}",
                question=f"Probe question {self.tok()}",
                label=label,
                statements=[f"Opening statement {self.tok()} probe"],
            )

        c_pub = open_("bruno.cnry", PUB)  # opened by a hidden member
        c_all = open_("amara.okafor", C_ALL)
        open_("lena.haas", S_MED)
        c_kes = open_("amara.okafor", R_KESMED)
        consult.add_statement(self.v("hedda.cnry"), c_pub, f"Adviser statement {self.tok()}")
        consult.add_statement(self.v("ana.costa"), c_all, f"Deputy statement {self.tok()}")
        consult.add_statement(self.v("viktor.kess"), c_kes, f"Kestria statement {self.tok()}")
        first = c_pub.statements.order_by("pk").first()
        consult.cast_votes(self.v("hedda.cnry"), c_pub, {first.pk: 1})

    # negotiation ----------------------------------------------------------------------------
    def negotiation(self) -> None:
        from accord.negotiation import queries
        from accord.negotiation import services as neg

        def issue(who, label):
            return neg.create_issue(
                self.v(who),
                title=f"Canary issue {self.tok()}",
                kind="numeric",
                cluster="probe",
                description=f"Probe issue {self.tok()}",
                unit="km",
                minimum=0,
                maximum=100,
                step=1,
                label=label,
            )

        i_pub = issue("lena.haas", PUB)
        i_med = issue("lena.haas", S_MED)
        i_all = issue("amara.okafor", C_ALL)
        i_nvf = issue("amara.okafor", R_NVFMED)

        def state(who, iss, value, level=None, **text):
            return neg.state_position(
                self.v(who),
                iss,
                level=level,
                preferred_value=value,
                acceptable_min=value - 10,
                acceptable_max=value + 10,
                salience=60,
                **text,
            )

        p_kes = state("viktor.kess", i_pub, 40, interests=f"Kestria wants {self.tok()}")
        p_nvf = state("daria.vol", i_pub, 20, interests=f"Front wants {self.tok()}")
        state("hedda.cnry", i_pub, 30, interests=f"Norlund adviser wants {self.tok()}")
        state("ana.costa", i_all, 50, interests=f"Ardania wants {self.tok()}")
        state("daria.vol", i_nvf, 60, level=1, interests=f"Front roadmap {self.tok()}")
        p_nor = state("ingrid.dahl", i_pub, 35, level=1, evidence=f"Norlund note {self.tok()}")
        neg.release_position(self.v("viktor.kess"), p_kes, to=["ARD", "MED"], scope="full")
        neg.release_position(self.v("daria.vol"), p_nvf, to=["KES"], scope="preferred")
        neg.release_position(self.v("ingrid.dahl"), p_nor, to=["BEL"], scope="acceptable")

        def document(who, label, required):
            return neg.create_document(
                self.v(who),
                title=f"Canary text {self.tok()}",
                articles=[
                    (
                        f"Canary article {self.tok()}",
                        ["The Parties shall meet weekly.", "The Parties shall report monthly."],
                    )
                ],
                required_parties=required,
                label=label,
            )

        def clauses(doc):
            view = queries.text(self.v("amara.okafor"), doc)
            return view.version.number, [c.clause_id for a in view.articles for c in a.clauses]

        def amend(who, doc, clause_id, version):
            return neg.propose_amendment(
                self.v(who),
                doc,
                kind="replace",
                clause_id=clause_id,
                base_version=version,
                text=f"The Parties shall meet {self.tok()} daily.",
                rationale=f"Because {self.tok()}",
            )

        def comment(who, am):
            neg.comment_amendment(self.v(who), am, f"Comment {self.tok()} probe")

        def accept_all_and_sign(who, doc, ids, version):
            for cid in ids:
                neg.record_stance(
                    self.v(who),
                    doc,
                    queries.clause(doc, cid),
                    stance="accept",
                    comment=f"Accepted {self.tok()}",
                    version=version,
                )
            neg.sign_version(self.v(who), doc, version=version)

        # public text, required NOR only: the hidden NOR adviser works it and signs it
        d_pub = document("lena.haas", PUB, ["NOR"])
        ver, ids = clauses(d_pub)
        neg.link_issues(self.v("lena.haas"), d_pub, queries.clause(d_pub, ids[0]), [i_med.pk])
        neg.link_issues(self.v("lena.haas"), d_pub, queries.clause(d_pub, ids[1]), [i_pub.pk])
        am_h = amend("hedda.cnry", d_pub, ids[0], ver)
        am_k = amend("viktor.kess", d_pub, ids[1], ver)
        comment("hedda.cnry", am_k)
        comment("ana.costa", am_h)
        accept_all_and_sign("hedda.cnry", d_pub, ids, ver)

        d_all = document("amara.okafor", C_ALL, None)
        ver, ids = clauses(d_all)
        neg.record_stance(
            self.v("viktor.kess"),
            d_all,
            queries.clause(d_all, ids[0]),
            stance="reserve",
            comment=f"Reserved {self.tok()}",
            version=ver,
        )
        comment("marc.dubois", amend("daria.vol", d_all, ids[1], ver))

        d_med = document("lena.haas", S_MED, ["MED"])
        ver, ids = clauses(d_med)
        comment("bruno.cnry", amend("lena.haas", d_med, ids[0], ver))

        d_kes = document("amara.okafor", R_KESMED, ["KES"])
        ver, ids = clauses(d_kes)
        comment("ilya.brant", amend("viktor.kess", d_kes, ids[0], ver))
        accept_all_and_sign("viktor.kess", d_kes, ids, ver)

        # analysis runs: one by the hidden mediator (mediator-only), one released to ARD, NOR
        from accord.negotiation.models import Issue

        demo_issues = list(
            Issue.objects.filter(process=self.process)
            .exclude(cluster="probe")
            .values_list("pk", flat=True)
        )
        neg.run_analysis(self.v("bruno.cnry"), kind="packages", issue_ids=demo_issues)
        run = neg.run_analysis(self.v("lena.haas"), kind="packages", issue_ids=demo_issues)
        neg.release_run(self.v("lena.haas"), run, rel_to=["ARD", "NOR"])

    # a process none of the probe members belongs to ------------------------------------------
    def elsewhere(self) -> tuple[Process, list[str]]:
        from accord.comms import services as comms
        from accord.core import services

        t = self.tok()
        other = services.create_process(
            None,
            name=f"Elsewhere talks {t}",
            slug=OTHER_SLUG,
            description=f"Another process {self.tok()}",
        )
        party = services.add_party(None, other, code="ZED", name="Zed Republic", kind="ally")
        user = services.create_user(
            username="olaf.cnry", password=PASSWORD, full_name="Olaf Brennicke"
        )
        m = services.add_member(
            None,
            other,
            user=user,
            party=party,
            clearance=S,
            roles=["coordinator"],
            title=f"Coordinator {self.tok()}",
        )
        v = viewer_of(m)
        chan = comms.create_channel(v, name=f"Elsewhere {self.tok()}", kind="topic", label=PUB)
        comms.post_message(v, chan.pk, body=f"Elsewhere message {self.tok()}")
        return other, [other.name, other.description, "Olaf Brennicke", "olaf.cnry"]


def build(process: Process) -> World:
    """Add the canaries to the demo process (inside the caller's transaction)."""
    restore = bump_sequences()
    b = _Builder(process)
    b.add_members()
    b.comms()
    b.consult()
    b.negotiation()
    from tests.security import apps

    apps.plant(b)  # the apps' own canaries (tests/security/apps/<app>.py)
    other, foreign = b.elsewhere()
    from accord.ledger.services import sign_pending_heads

    sign_pending_heads()  # what the periodic job does: heads (and proofs) for every log
    ids: dict[str, list[int]] = {}
    for name, start in kind_blocks().items():
        model = links.kind(name).model
        ids[name] = sorted(
            model.objects.filter(pk__gte=start, pk__lt=start + ID_BLOCK).values_list(
                "pk", flat=True
            )
        )
    from accord.core.demo import MEMBERS

    probe_users = [m.username for m in MEMBERS] + sorted(b.members)
    return World(
        process=process,
        other=other,
        probe_users=probe_users,
        canary_ids=ids,
        foreign_texts=foreign,
        restore=restore,
    )
