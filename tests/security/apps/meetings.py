"""Leak-suite plug-in of the meetings app: its path parameters, and canary meetings (a public
plenary chaired by a hidden mediator, a caucus REL TO KES, MED, a mediators-only meeting, an
Ardanian delegation meeting) with agenda items, attendance, speaking lists, minutes and comments,
and a closed decision with its outcome statement, so that every party misses something; in the
public plenary, a closed decision under its own label REL TO NVF, MED (read by those two parties
only, in a meeting every member reads). The
decision record's export (`…/export.html`, `…/export.pdf`) needs no parameter of its own: the
format is in the address of two routes, and the API's `format` is taught by the walker."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.security.canaries import C_ARD, PUB, R_KESMED, R_KESNVF, R_NVFMED, S_MED
from tests.security.walker import Param, Query

_M = ("meeting_id", ("meeting_id",))
PARAMS = {
    "meeting_id": Param(kind="meetings.meeting"),
    "minutes_id": Param(kind="meetings.minutes", parent=_M),
    "agenda_item_id": Param(kind="meetings.agendaitem", parent=_M),
    "actionitem_id": Param(kind="meetings.actionitem", parent=_M),
    "decision_id": Param(kind="meetings.decision", parent=_M),
}
QUERY = {
    "when": Query(values=("upcoming", "past")),
    # the new-meeting form filled from a link (the implementation report's "Schedule a review
    # meeting"): a label above the reader's clearance or a caveat they lack is dropped
    "title": Query(values=("Implementation review",)),
    "description": Query(values=("Agenda: the report",)),
    "label_level": Query(values=("3",)),
    "label_rel_to": Query(values=("KES",)),
    "label_caveats": Query(values=("MEDIATION",)),
    "parties": Query(values=("KES",)),
}


def canaries(b) -> None:
    from accord.meetings import services

    start = timezone.now() - timedelta(hours=2)

    def meeting(who, label, kind, chair, rapporteur, parties, attend):
        v = b.v(who)
        m = services.create_meeting(
            v,
            kind=kind,
            title=f"Canary meeting {b.tok()}",
            description=f"Probe meeting {b.tok()}",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            place=f"Room {b.tok()}",
            chair_id=b.v(chair).member.pk,
            rapporteur_id=b.v(rapporteur).member.pk,
            parties=parties,
            label=label,
        )
        item = services.add_item(
            v, m, title=f"Canary item {b.tok()}", description=f"Probe item {b.tok()}"
        )
        sub = services.add_item(v, m, title=f"Canary sub-item {b.tok()}", parent_id=item.pk)
        off = b.v(rapporteur)
        for u in attend:
            services.record_attendance(off, m, member_id=b.v(u).member.pk, status="present")
        mn = services.save_minutes(off, m, body=f"Canary minutes {b.tok()} probe")
        services.circulate_minutes(off, m, mn.pk)
        services.comment_minutes(
            b.v(attend[-1]),
            m,
            mn.pk,
            text=f"Canary comment {b.tok()}",
            wording=f"Canary wording {b.tok()}",
        )
        services.save_minutes(off, m, body=f"Canary item minutes {b.tok()}", item_id=sub.pk)
        due = timezone.now().date() + timedelta(days=3)
        services.add_action(
            off,
            m,
            text=f"Canary action {b.tok()}",
            due_date=due,
            owner_member_id=b.v(attend[-1]).member.pk,
        )
        d = services.propose(
            v if v.can(services.MANAGE) else off,
            m,
            title=f"Canary decision {b.tok()}",
            text=f"Canary text {b.tok()}",
            rule="consensus",
            eligible=parties or ["MED", "ARD", "NOR"],
        )
        if d.eligible.get("KES"):
            services.cast_vote(
                b.v("viktor.kess"), m, d.pk, choice="object", text=f"Canary objection {b.tok()}"
            )
        p = services.create_poll(
            v if v.can(services.MANAGE) else off,
            m,
            title=f"Canary poll {b.tok()}",
            details=f"Canary poll details {b.tok()}",
            kind="choose_one",
            options=["North", "South"],
            closes_at=timezone.now() + timedelta(days=2),
        )
        if services.may_answer(b.v(attend[-1]), m):
            services.answer_poll(b.v(attend[-1]), m, p.pk, "South")
        # closed, with its outcome: shown on the decision's page and in its exports
        services.close_decision(off, m, d.pk)
        services.record_outcome(
            off,
            m,
            d.pk,
            statement=f"Canary outcome {b.tok()}",
            review_on=services.meeting_today(m) + timedelta(days=30),
        )
        if parties:
            services.add_action(
                off, m, text=f"Canary party action {b.tok()}", due_date=due, owner_party=parties[-1]
            )
        return m, mn

    # public plenary: the chair is the hidden mediator, a hidden NOR adviser attends
    pub = meeting(
        "lena.haas", PUB, "plenary", "bruno.cnry", "lena.haas", [], ["bruno.cnry", "ana.costa"]
    )[0]
    # its speaking list: the hidden mediator spoke and asks again, ARD has an allowance
    first = pub.items.order_by("pk").first()
    services.set_allowance(b.v("lena.haas"), pub, first.pk, "ARD", 5)
    services.request_floor(b.v("bruno.cnry"), pub, first.pk)
    services.request_floor(b.v("ana.costa"), pub, first.pk, point_of_order=True)
    services.next_speaker(b.v("lena.haas"), pub, first.pk)
    services.next_speaker(b.v("lena.haas"), pub, first.pk)
    services.request_floor(b.v("bruno.cnry"), pub, first.pk)
    # a proposal in the public plenary under a narrower label of its own (REL TO NVF, MED):
    # every member reads the plenary, only NVF and MED its decision, votes, outcome and record
    narrow = services.propose(
        b.v("lena.haas"),
        pub,
        title=f"Canary narrow decision {b.tok()}",
        text=f"Canary narrow text {b.tok()}",
        rule="consensus",
        eligible=["NVF", "MED"],
        label=R_NVFMED,
    )
    services.cast_vote(
        b.v("daria.vol"), pub, narrow.pk, choice="object", text=f"Canary NVF objection {b.tok()}"
    )
    services.close_decision(b.v("lena.haas"), pub, narrow.pk)
    services.record_outcome(
        b.v("lena.haas"),
        pub,
        narrow.pk,
        statement=f"Canary narrow outcome {b.tok()}",
        review_on=services.meeting_today(pub) + timedelta(days=30),
    )
    # public meeting chaired by NOR; the chair names the hidden NOR adviser rapporteur
    m = meeting(
        "lena.haas", PUB, "working_group", "ingrid.dahl", "ingrid.dahl", ["NOR"], ["ingrid.dahl"]
    )[0]
    services.update_meeting(b.v("ingrid.dahl"), m, rapporteur_id=b.v("hedda.cnry").member.pk)
    hedda = b.v("hedda.cnry")
    services.record_attendance(hedda, m, member_id=hedda.member.pk, status="present")
    services.record_attendance(
        hedda, m, member_id=b.v("erik.lund").member.pk, status="proxy", proxy_id=hedda.member.pk
    )
    extra = services.save_minutes(
        hedda, m, body=f"Adviser minutes {b.tok()}", item_id=m.items.order_by("pk").first().pk
    )
    services.circulate_minutes(hedda, m, extra.pk)
    services.comment_minutes(hedda, m, extra.pk, text=f"Adviser comment {b.tok()}")
    # the caucus of the mediator with Kestria
    m, mn = meeting(
        "lena.haas",
        R_KESMED,
        "caucus",
        "lena.haas",
        "lena.haas",
        ["KES", "MED"],
        ["lena.haas", "viktor.kess"],
    )
    services.finalise_minutes(b.v("lena.haas"), m, mn.pk)
    services.issue_corrigendum(b.v("lena.haas"), m, mn.pk, body=f"Canary corrigendum {b.tok()}")
    # mediators only, and an Ardanian meeting (the coordinator runs it, ARD officers)
    meeting("lena.haas", S_MED, "working_group", "lena.haas", "bruno.cnry", [], ["lena.haas"])
    meeting(
        "amara.okafor",
        C_ARD.__class__.of(2, ["ARD", "MED"]),
        "bilateral",
        "amara.okafor",
        "james.whitfield",
        ["ARD", "MED"],
        ["ana.costa"],
    )
    dispute_canaries(b)


PARAMS["dispute_id"] = Param(kind="meetings.dispute")
PARAMS["poll_id"] = Param(kind="meetings.poll", parent=_M)
PARAMS["concern_id"] = Param(kind="meetings.concern")


def dispute_canaries(b) -> None:
    """Disputes (public ARD v KES with a confidential submission; KES v NVF releasable to them
    only; one raised by the hidden NOR adviser) and concerns (public, hidden raiser, NOR-KES
    only, mediators only, one made a dispute)."""
    from accord.core.labels import LabelValue
    from accord.meetings import services

    d = services.raise_dispute(
        b.v("james.whitfield"),
        title=f"Canary dispute {b.tok()}",
        text=f"Canary grounds {b.tok()}",
        against="KES",
        label=PUB,
    )
    services.submit(b.v("james.whitfield"), d, kind="statement", text=f"Canary stmt {b.tok()}")
    services.submit(
        b.v("viktor.kess"), d, kind="response", text=f"Canary secret {b.tok()}", confidential=True
    )
    services.propose_extension(b.v("james.whitfield"), d, days=5, reason="Canary more time")
    d2 = services.raise_dispute(
        b.v("viktor.kess"),
        title=f"Canary KES dispute {b.tok()}",
        text=f"Canary KES grounds {b.tok()}",
        against="NVF",
        label=R_KESNVF,
    )
    services.submit(b.v("daria.vol"), d2, kind="response", text=f"Canary NVF reply {b.tok()}")
    services.raise_dispute(
        b.v("hedda.cnry"),
        title=f"Canary adviser dispute {b.tok()}",
        text=f"Canary adviser grounds {b.tok()}",
        against="BEL",
        label=PUB,
    )
    c = services.raise_concern(
        b.v("ana.costa"),
        title=f"Canary concern {b.tok()}",
        text=f"Canary worry {b.tok()}",
        about="delay",
        addressed_to="KES",
        severity="high",
        label=PUB,
    )
    services.respond_concern(b.v("ilya.brant"), c, response=f"Canary answer {b.tok()}")
    services.raise_concern(
        b.v("hedda.cnry"),
        title=f"Canary adviser concern {b.tok()}",
        text=f"Canary adviser worry {b.tok()}",
        about="statement",
        addressed_to="ARD",
        severity="low",
        label=PUB,
    )
    services.raise_concern(
        b.v("erik.lund"),
        title=f"Canary NOR concern {b.tok()}",
        text=f"Canary NOR worry {b.tok()}",
        about="incident",
        addressed_to="KES",
        severity="medium",
        label=LabelValue.of(1, ["NOR", "KES"]),
    )
    services.raise_concern(
        b.v("lena.haas"),
        title=f"Canary mediation concern {b.tok()}",
        text=f"Canary mediation worry {b.tok()}",
        about="party",
        addressed_to="ARD",
        severity="high",
        label=S_MED,
    )
    c5 = services.raise_concern(
        b.v("viktor.kess"),
        title=f"Canary KES concern {b.tok()}",
        text=f"Canary KES worry {b.tok()}",
        about="clause",
        addressed_to="NVF",
        severity="high",
        label=R_KESNVF,
    )
    services.concern_to_dispute(b.v("viktor.kess"), c5)
