"""The decision rule of a joint public line, behind ONE function: `verdict(line, now)`.

The arithmetic is the meetings app's (`accord.meetings.rules.approve`: one place for every
decision rule of the process); this module maps a line's responses onto it and its verdict
back onto the words of public lines. The two rules a public line uses:

- unanimity (default): adopted when every ally has approved; one objection and it is not adopted;
  with a deadline, it lapses when the deadline passes before every ally approved.
- silence procedure (OSCE / NATO practice): adopted at the deadline unless an ally objected
  before it; an objection must carry an amendment and breaks silence for everyone at once.

`verdict` reads the line's responses and the process's allies; it writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

UNANIMITY = "unanimity"
SILENCE = "silence"
RULES = {UNANIMITY: "Unanimity", SILENCE: "Silence procedure"}

PENDING = "pending"
ADOPTED = "adopted"
NOT_ADOPTED = "not_adopted"  # an objection under unanimity
SILENCE_BROKEN = "silence_broken"  # an objection under the silence procedure
LAPSED = "lapsed"  # unanimity with a deadline that passed first
OUTCOME_WORDS = {
    PENDING: "awaiting approval",
    ADOPTED: "approved",
    NOT_ADOPTED: "not adopted: an ally objected",
    SILENCE_BROKEN: "not adopted: silence was broken",
    LAPSED: "not adopted: the deadline passed before every ally approved",
}


@dataclass(frozen=True)
class Verdict:
    outcome: str
    approved: tuple[str, ...] = ()  # party codes
    objected: tuple[str, ...] = ()
    waiting: tuple[str, ...] = ()
    decided_at: datetime | None = None
    reasons: tuple[str, ...] = field(default=())

    @property
    def adopted(self) -> bool:
        return self.outcome == ADOPTED

    @property
    def open(self) -> bool:
        return self.outcome == PENDING

    @property
    def words(self) -> str:
        return OUTCOME_WORDS[self.outcome]


def decide(
    rule: str,
    allies: list[str],
    responses: list[tuple[str, str, datetime]] | list[tuple[str, str, datetime, str]],
    deadline: datetime | None,
    now: datetime,
) -> Verdict:
    """The rule applied to plain data: ally codes, (party code, "approve"/"object", when
    [, amendment]). The arithmetic is the meetings app's (`rules.approve`, one place for every
    decision rule of the process); what is a line's own policy stays here: an ally's first
    answer is its answer (a later one is a new version's business), an answer after the
    deadline is not counted, and an objection under unanimity ends the version at once."""
    from accord.meetings import rules

    votes: dict[str, tuple[str, datetime, str]] = {}
    for party, kind, at, *rest in sorted(responses, key=lambda r: r[2]):
        if party in allies and (deadline is None or at <= deadline):
            votes.setdefault(party, (kind, at, rest[0] if rest else ""))
    approved = tuple(p for p in allies if votes.get(p, ("",))[0] == "approve")
    objected = tuple(p for p in allies if votes.get(p, ("",))[0] == "object")
    waiting = tuple(p for p in allies if p not in votes)
    first_obj = min((votes[p][1] for p in objected), default=None)
    ballots = [
        rules.Ballot(
            p,
            rules.Choice.AGREE if kind == "approve" else rules.Choice.OBJECT,
            cast_at=min(at, now),
            text="objection" if kind == "object" else "",
            amendment=(amendment or "(amendment not given)") if kind == "object" else "",
        )
        for p, (kind, at, amendment) in votes.items()
    ]
    if rule == SILENCE and deadline is None:
        return Verdict(PENDING, approved, objected, waiting)  # refused upstream; never adopted
    v = rules.approve(
        rules.Rule.SILENCE if rule == SILENCE else rules.Rule.UNANIMITY,
        allies,
        ballots,
        deadline,  # None: unanimity without a deadline (counted as of now; it waits)
        now,
    )
    why = (v.arithmetic,)
    if rule == SILENCE:
        if v.outcome == rules.Outcome.BROKEN:
            return Verdict(SILENCE_BROKEN, approved, objected, waiting, first_obj, why)
        if v.outcome == rules.Outcome.ADOPTED:
            return Verdict(ADOPTED, approved, objected, waiting, deadline, why)
        return Verdict(PENDING, approved, objected, waiting, None, why)
    if objected:
        return Verdict(NOT_ADOPTED, approved, objected, waiting, first_obj, why)
    if v.outcome == rules.Outcome.ADOPTED:
        last = max(votes[p][1] for p in approved)
        return Verdict(ADOPTED, approved, objected, waiting, last, why)
    if deadline is not None and now >= deadline:  # it passed before every ally approved
        return Verdict(LAPSED, approved, objected, waiting, deadline, why)
    return Verdict(PENDING, approved, objected, waiting, None, why)


def verdict(line, now: datetime) -> Verdict:
    """Where a public line stands under its rule at `now`."""
    from accord.core.models import Party

    allies = sorted(
        Party.objects.filter(process_id=line.process_id, kind="ally").values_list("code", flat=True)
    )
    responses = list(line.responses.values_list("party__code", "kind", "at", "amendment"))
    return decide(line.rule, allies, responses, line.deadline, now)
