"""Demo content of the meetings app in the Lake Varna process, made through the services as
the members who would do it:

1. "First plenary session" (ten days ago): agenda, attendance, minutes of the whole meeting
   final (hash in the ledger), minutes of item 1 locked.
2. "Second plenary session" (three days ago): minutes circulated for comment, one comment; a
   silence procedure, and a proposal on the detainee lists under its own, narrower label
   (REL TO KES, MED, NVF): the other delegations read the plenary but not that proposal.
3. "Third plenary session" (in six days): a draft agenda, its first item linked to a clause of
   the single negotiating text, with a speaking list (ten minutes each for ARD and KES, two
   delegates waiting).
4. "Envoy's caucus with Kestria" (yesterday): REL TO KES, MED — MED and KES see it, nobody
   else learns that it exists; its minutes are a draft.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from accord.core import links
from accord.core.demo import member_viewer
from accord.core.labels import LabelValue
from accord.core.models import Member, Process
from accord.meetings import services

ZONE = "Europe/Sofia"
EVERYONE = ["MED", "ARD", "NOR", "BEL", "KES", "NVF", "CSU", "VMM"]

MINUTES_1 = """The Special Envoy opened the session and welcomed the delegations.

1. **Adoption of the agenda.** The agenda was adopted without amendment.
2. **Ceasefire monitoring.** The Varna Monitoring Mission presented its first weekly report.
   The Parties took note of it and asked for the next one by Friday.
3. **Next session.** The Parties agreed to meet again in one week.
"""
ITEM_1 = "The agenda was adopted without amendment."
MINUTES_2 = """The Parties discussed the withdrawal of heavy weapons from the Varna line.

- Kestria proposed a 15 km zone; the Front proposed 30 km.
- The Envoy's office will circulate a bridging text before the next session.
- The humanitarian corridors annex was welcomed by all delegations.
"""
CAUCUS = """The Envoy tested a 20 km compromise with the Kestrian delegation.
Kestria would accept 20 km if the withdrawal is verified by the VMM within 30 days.
"""


def _day(days: int, hour: int, minute: int = 0) -> datetime:
    """A time `days` from today at hh:mm in the process's zone (Sofia)."""
    local = timezone.now().astimezone(ZoneInfo(ZONE)) + timedelta(days=days)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _id(process: Process, username: str) -> int:
    return Member.objects.get(process=process, user__username=username).pk


def load(process: Process) -> None:
    """Add the meetings demo to the demo process."""
    amara = member_viewer(process, "amara.okafor")
    lena = member_viewer(process, "lena.haas")
    pavel = member_viewer(process, "pavel.novak")
    ana = member_viewer(process, "ana.costa")
    restricted = LabelValue.of(1)

    def plenary(title: str, days: int, agenda: list[str]):
        m = services.create_meeting(
            amara,
            kind="plenary",
            title=title,
            description="Plenary of the Lake Varna Ceasefire Talks, all delegations.",
            starts_at=_day(days, 10),
            ends_at=_day(days, 13),
            time_zone=ZONE,
            place="Palace of Culture, Varna, Hall 2",
            chair_id=_id(process, "lena.haas"),
            rapporteur_id=_id(process, "pavel.novak"),
            parties=EVERYONE,
            label=restricted,
        )
        items = [
            services.add_item(amara, m, title=t, duration_minutes=30 if i else 10)
            for i, t in enumerate(agenda)
        ]
        return m, items

    def attend(m, present: list[str], proxies: dict[str, str] = {}, absent: list[str] = ()):  # noqa: B006
        for u in present:
            services.record_attendance(pavel, m, member_id=_id(process, u), status="present")
        for u, holder in proxies.items():
            services.record_attendance(
                pavel, m, member_id=_id(process, u), status="proxy", proxy_id=_id(process, holder)
            )
        for u in absent:
            services.record_attendance(pavel, m, member_id=_id(process, u), status="absent")

    # 1. past plenary, final minutes
    m1, items1 = plenary(
        "First plenary session",
        -10,
        ["Adoption of the agenda", "Ceasefire monitoring", "Date of the next session"],
    )
    attend(
        m1,
        [
            "lena.haas",
            "pavel.novak",
            "james.whitfield",
            "ana.costa",
            "ingrid.dahl",
            "marc.dubois",
            "viktor.kess",
            "daria.vol",
            "omar.said",
            "tomas.ruiz",
        ],
        {"ilya.brant": "viktor.kess"},
        ["erik.lund"],
    )
    mn = services.save_minutes(pavel, m1, body=MINUTES_1)
    services.circulate_minutes(pavel, m1, mn.pk)
    services.comment_minutes(
        ana,
        m1,
        mn.pk,
        text="Ardania asks that item 2 say the report was welcomed.",
        wording="The Parties welcomed the report.",
    )
    services.finalise_minutes(pavel, m1, mn.pk)
    it = services.save_minutes(pavel, m1, body=ITEM_1, item_id=items1[0].pk)
    services.circulate_minutes(pavel, m1, it.pk)
    services.finalise_minutes(pavel, m1, it.pk)
    services.lock_minutes(pavel, m1, it.pk)

    today = timezone.now().date()
    services.add_action(
        pavel,
        m1,
        text="Circulate the VMM's first weekly report to all delegations.",
        due_date=today,
        owner_party="VMM",
        minutes_id=mn.pk,
    )
    services.set_action_status(
        member_viewer(process, "tomas.ruiz"), m1, m1.actions.get().pk, "done"
    )

    # a decision taken at the table by majority, closed
    everyone_voting = ["MED", "ARD", "NOR", "BEL", "KES", "NVF"]
    d1 = services.propose(
        lena,
        m1,
        title="Adoption of the agenda",
        text="The agenda of the first plenary session is adopted.",
        rule="majority",
        threshold="2/3",
        base="cast",
        quorum=4,
        eligible=everyone_voting,
    )
    for who in ("james.whitfield", "ingrid.dahl", "marc.dubois", "viktor.kess", "daria.vol"):
        services.cast_vote(member_viewer(process, who), m1, d1.pk, choice="agree")
    services.cast_vote(member_viewer(process, "viktor.kess"), m1, d1.pk, choice="agree")
    services.close_decision(pavel, m1, d1.pk)
    services.record_outcome(
        pavel,
        m1,
        d1.pk,
        statement="The Parties adopted the agenda of the first plenary session. The Envoy's "
        "office will circulate the agenda of each session a week ahead; the practice is "
        "reviewed after the first month.",
        review_on=services.meeting_today(m1) + timedelta(days=30),
    )

    # 2. past plenary, minutes circulated for comment
    m2, items2 = plenary(
        "Second plenary session",
        -3,
        ["Withdrawal of heavy weapons", "Humanitarian corridors"],
    )
    services.add_item(
        amara, m2, title="Kestrian proposal (15 km)", parent_id=items2[0].pk, duration_minutes=20
    )
    services.add_item(
        amara, m2, title="Front proposal (30 km)", parent_id=items2[0].pk, duration_minutes=20
    )
    attend(
        m2,
        [
            "lena.haas",
            "pavel.novak",
            "james.whitfield",
            "ana.costa",
            "ingrid.dahl",
            "marc.dubois",
            "viktor.kess",
            "ilya.brant",
            "daria.vol",
            "tomas.ruiz",
        ],
        absent=["omar.said"],
    )
    mn2 = services.save_minutes(pavel, m2, body=MINUTES_2)
    services.circulate_minutes(pavel, m2, mn2.pk)
    services.add_action(
        pavel,
        m2,
        text="Send the Front's map of the current line to the Envoy's office.",
        due_date=today + timedelta(days=1),
        owner_party="NVF",
        minutes_id=mn2.pk,
    )
    services.add_action(
        pavel,
        m2,
        text="Draft the bridging text on heavy weapons.",
        due_date=today + timedelta(days=4),
        owner_member_id=_id(process, "pavel.novak"),
    )
    services.add_action(
        pavel,
        m2,
        text="Confirm the list of river crossings open to civilians.",
        due_date=today,
        owner_party="ARD",
    )
    services.comment_minutes(
        member_viewer(process, "daria.vol"),
        m2,
        mn2.pk,
        text="The Front's proposal was 30 km measured from the current line, not from Varna.",
    )

    # a silence procedure running until tomorrow evening
    services.propose(
        lena,
        m2,
        title="Humanitarian corridors annex",
        text="Unless a delegation objects in writing or proposes an amendment by the deadline, "
        "the humanitarian corridors annex is adopted as circulated.",
        rule="silence",
        closes_at=_day(1, 17, 30),
        eligible=everyone_voting,
    )
    # a proposal to the two conflict parties only, under a label narrower than the plenary's
    detainees = services.propose(
        lena,
        m2,
        title="Exchange of the lists of detainees",
        text="Kestria and the Northern Varna Front exchange, through the Envoy's office and "
        "within ten days, complete lists of the persons each holds in connection with the "
        "conflict. The lists are not published.",
        rule="consensus",
        eligible=["KES", "NVF"],
        label=LabelValue.of(1, ["KES", "MED", "NVF"]),
    )
    services.cast_vote(member_viewer(process, "viktor.kess"), m2, detainees.pk, choice="agree")

    # 3. upcoming plenary with a draft agenda linked to a clause
    m3, items3 = plenary(
        "Third plenary session",
        6,
        ["Bridging text on heavy weapons", "Monitoring mission access", "Any other business"],
    )
    clauses = links.linkable(amara, ["negotiation.clause"], limit=500)
    if clauses:
        kind, clause_id, _ = clauses[-1]  # the oldest readable clause: article 1 of the text
        services.link_item(amara, m3, items3[0].pk, kind, clause_id)
    issues = links.linkable(amara, ["negotiation.issue"], limit=500)
    if issues:
        services.link_item(amara, m3, items3[1].pk, *issues[-1][:2])

    # its first item's speaking list: ten minutes each for Ardania and Kestria, two delegates
    # waiting (members of invited parties may ask for the floor before the meeting)
    for code in ("ARD", "KES"):
        services.set_allowance(lena, m3, items3[0].pk, code, 10)
    for u in ("ana.costa", "viktor.kess"):
        services.request_floor(member_viewer(process, u), m3, items3[0].pk)

    # 4. the envoy's caucus with Kestria: only MED and KES may read it
    caucus = services.create_meeting(
        lena,
        kind="caucus",
        title="Envoy's caucus with Kestria",
        description="Confidential consultation on the width of the heavy-weapons zone.",
        starts_at=_day(-1, 16),
        ends_at=_day(-1, 17, 30),
        time_zone=ZONE,
        place="Envoy's office, Varna",
        chair_id=_id(process, "lena.haas"),
        rapporteur_id=_id(process, "lena.haas"),
        parties=["MED", "KES"],
        label=LabelValue.of(1, ["KES", "MED"]),
    )
    services.add_item(lena, caucus, title="Width of the heavy-weapons zone", duration_minutes=60)
    for u in ("lena.haas", "viktor.kess", "ilya.brant"):
        services.record_attendance(lena, caucus, member_id=_id(process, u), status="present")
    services.save_minutes(lena, caucus, body=CAUCUS)

    _disputes_and_concerns(process)
    _polls(process)


def _disputes_and_concerns(process: Process) -> None:
    """A dispute at its second step (the ministers, an advisory opinion awaited), with a
    confidential submission; concerns answered on time, overdue and escalated, and one
    confidential to two parties."""
    v = {
        u: member_viewer(process, u)
        for u in (
            "james.whitfield",
            "viktor.kess",
            "ilya.brant",
            "lena.haas",
            "ana.costa",
            "erik.lund",
            "ingrid.dahl",
            "daria.vol",
            "tomas.ruiz",
        )
    }
    now = timezone.now()
    d = services.raise_dispute(
        v["james.whitfield"],
        title="Heavy weapons kept in sector 4",
        text=(
            "Ardania holds that Kestria kept two artillery batteries inside the 30-kilometre "
            "heavy-weapons zone after the withdrawal date agreed in article 4."
        ),
        against="KES",
        now=now - timedelta(days=18),
    )
    services.submit(
        v["james.whitfield"],
        d,
        kind="evidence",
        text="Monitor patrol report of 2 March: two batteries sighted north of the river.",
    )
    services.submit(
        v["viktor.kess"],
        d,
        kind="response",
        text="The batteries were under repair and could not be moved; they left on 9 March.",
        confidential=True,
    )
    services.run_dispute_clocks(now - timedelta(days=3) + timedelta(seconds=1))
    services.submit(
        v["ilya.brant"],
        d,
        kind="proposal",
        text="Kestria proposes a joint verification visit by the monitors within seven days.",
    )
    services.propose_extension(
        v["viktor.kess"], d, days=7, reason="Time for the joint verification visit."
    )

    answered = services.raise_concern(
        v["ana.costa"],
        title="Checkpoint closures on the northern road",
        text="Three checkpoints on the northern road were closed without the agreed notice.",
        about="incident",
        addressed_to="KES",
        severity="high",
        now=now - timedelta(days=4),
    )
    services.acknowledge_concern(v["ilya.brant"], answered, now=now - timedelta(days=4, hours=-3))
    services.respond_concern(
        v["viktor.kess"],
        answered,
        response="The closures followed a landslide; notice will be given by FLASH from now on.",
        now=now - timedelta(days=3, hours=2),
    )
    services.raise_concern(
        v["erik.lund"],
        title="Statements on detainees contradict the agreed line",
        text="A spokesperson of Novaya Front said no detainees are held, against the agreed list.",
        about="statement",
        addressed_to="NVF",
        severity="medium",
        now=now - timedelta(days=9),
    )
    services.run_concern_clocks(now - timedelta(days=6))
    services.raise_concern(
        v["tomas.ruiz"],
        title="Delayed access for monitors to the dam",
        text="Monitors were held for five hours at the dam access road on two days this week.",
        about="delay",
        addressed_to="ARD",
        severity="high",
        label=LabelValue.of(1, ["ARD", "VMM", "MED"]),
        now=now - timedelta(hours=30),
    )


def _polls(process: Process) -> None:
    """A time poll for the technical committee on detainees in the third plenary, a proposal
    poll on the humanitarian corridors annex in the second (three answers), and the first
    plenary's ranked-choice poll on the venue of the second round (closed)."""
    from accord.meetings.models import Meeting

    lena = member_viewer(process, "lena.haas")
    third = Meeting.objects.get(process=process, title="Third plenary session")
    services.create_poll(
        lena,
        third,
        title="When should the technical committee on detainees first meet?",
        kind="time",
        options=["Tue, 10:00 Sofia time", "Wed, 15:00 Sofia time", "Thu, 10:00 Sofia time"],
        closes_at=timezone.now() + timedelta(days=5),
    )
    second = Meeting.objects.get(process=process, title="Second plenary session")
    p = services.create_poll(
        lena,
        second,
        title="Is the corridors annex ready to go to the capitals?",
        details="A sounding of the room; the annex itself is under the silence procedure.",
        kind="proposal",
        closes_at=timezone.now() + timedelta(days=2),
    )
    for who, answer in (("ana.costa", "agree"), ("erik.lund", "agree"), ("ilya.brant", "abstain")):
        v = member_viewer(process, who)
        if services.may_answer(v, second):
            services.answer_poll(v, second, p.pk, answer)
    first = Meeting.objects.get(process=process, title="First plenary session")
    venue = services.create_poll(
        lena,
        first,
        title="Where should the second round be held?",
        kind="ranked",
        method="instant-runoff",
        options=["Varna", "Geneva", "Vienna"],
        closes_at=timezone.now() + timedelta(days=1),
    )
    for who, ranking in (
        ("ana.costa", ["Varna", "Vienna"]),
        ("ilya.brant", ["Geneva", "Varna"]),
        ("erik.lund", ["Vienna", "Varna", "Geneva"]),
        ("daria.vol", ["Varna", "Geneva"]),
    ):
        v = member_viewer(process, who)
        if services.may_answer(v, first):
            services.answer_poll(v, first, venue.pk, ranking)
    services.close_poll(member_viewer(process, first.chair.user.username), first, venue.pk)
