"""The decision rule of a joint public line, behind ONE function: `verdict(line, now)`.

Why one function: the meetings app is writing the decision rules of the process
(`accord.meetings.rules.approve(rule, allies, responses, deadline, now) -> Verdict`); when it
lands, the body of `verdict` becomes a call to it and nothing else here changes. Until then the
two rules a public line needs are implemented here:

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
    responses: list[tuple[str, str, datetime]],
    deadline: datetime | None,
    now: datetime,
) -> Verdict:
    """The rule applied to plain data: ally codes, (party code, "approve"/"object", when)."""
    votes: dict[str, tuple[str, datetime]] = {}
    for party, kind, at in sorted(responses, key=lambda r: r[2]):
        if party in allies and (deadline is None or at <= deadline):
            votes.setdefault(party, (kind, at))
    approved = tuple(p for p in allies if votes.get(p, ("",))[0] == "approve")
    objected = tuple(p for p in allies if votes.get(p, ("",))[0] == "object")
    waiting = tuple(p for p in allies if p not in votes)
    first_obj = min((votes[p][1] for p in objected), default=None)
    if rule == SILENCE:
        if objected:
            return Verdict(SILENCE_BROKEN, approved, objected, waiting, first_obj)
        if deadline is not None and now >= deadline:
            return Verdict(ADOPTED, approved, objected, waiting, deadline)
        return Verdict(PENDING, approved, objected, waiting)
    if objected:
        return Verdict(NOT_ADOPTED, approved, objected, waiting, first_obj)
    if allies and not waiting:
        last = max(votes[p][1] for p in approved)
        return Verdict(ADOPTED, approved, objected, waiting, last)
    if deadline is not None and now >= deadline:
        return Verdict(LAPSED, approved, objected, waiting, deadline)
    return Verdict(PENDING, approved, objected, waiting)


def verdict(line, now: datetime) -> Verdict:
    """Where a public line stands under its rule at `now` (the one door the lead can switch
    to accord.meetings.rules.approve)."""
    from accord.core.models import Party

    allies = sorted(
        Party.objects.filter(process_id=line.process_id, kind="ally").values_list("code", flat=True)
    )
    responses = [
        (code, kind, at)
        for code, kind, at in line.responses.values_list("party__code", "kind", "at")
    ]
    return decide(line.rule, allies, responses, line.deadline, now)
