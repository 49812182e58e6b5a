"""The approval of a public line is the meetings app's rule arithmetic (one place for every
decision rule) with the line's own policy on top: an ally's first answer counts, an answer after
the deadline does not, an objection under unanimity ends the version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from accord.verification import approval

T = datetime(2026, 12, 1, 12, tzinfo=UTC)
ALLIES = ["BEL", "NOR", "ARD"]


def test_unanimity_adopted_when_every_ally_approved_with_the_rules_arithmetic():
    r = [(p, "approve", T + timedelta(minutes=i)) for i, p in enumerate(ALLIES)]
    v = approval.decide(approval.UNANIMITY, ALLIES, r, None, T + timedelta(hours=1))
    assert v.outcome == approval.ADOPTED and v.decided_at == T + timedelta(minutes=2)
    assert v.reasons[0].startswith("Adopted unanimously: all 3 eligible parties agreed")


def test_a_repeated_or_late_answer_is_not_counted():
    deadline = T + timedelta(hours=2)
    r = [
        ("BEL", "approve", T),
        ("BEL", "object", T + timedelta(minutes=5), "Other words"),  # second answer: ignored
        ("NOR", "approve", T + timedelta(minutes=10)),
        ("ARD", "approve", T + timedelta(hours=3)),  # after the deadline
    ]
    v = approval.decide(approval.UNANIMITY, ALLIES, r, deadline, T + timedelta(hours=4))
    assert v.outcome == approval.LAPSED and v.waiting == ("ARD",)
    assert "Not adopted" in v.reasons[0]


def test_unanimity_without_a_deadline_waits_and_an_objection_ends_it():
    r = [("BEL", "approve", T)]
    assert approval.decide(approval.UNANIMITY, ALLIES, r, None, T).outcome == approval.PENDING
    r.append(("NOR", "object", T + timedelta(minutes=1)))
    v = approval.decide(approval.UNANIMITY, ALLIES, r, None, T + timedelta(minutes=2))
    assert v.outcome == approval.NOT_ADOPTED and v.decided_at == T + timedelta(minutes=1)


def test_silence_broken_by_an_amendment_or_adopted_at_the_deadline():
    deadline = T + timedelta(hours=24)
    r = [("ARD", "object", T + timedelta(hours=1), "Say 'ceasefire' not 'truce'")]
    v = approval.decide(approval.SILENCE, ALLIES, r, deadline, T + timedelta(hours=2))
    assert v.outcome == approval.SILENCE_BROKEN and v.objected == ("ARD",)
    assert (
        v.reasons[0].startswith("Silence broken: 1 amendment") or "Silence broken" in v.reasons[0]
    )
    quiet = approval.decide(approval.SILENCE, ALLIES, [], deadline, T + timedelta(hours=1))
    assert quiet.outcome == approval.PENDING
    done = approval.decide(approval.SILENCE, ALLIES, [], deadline, deadline)
    assert done.outcome == approval.ADOPTED and done.decided_at == deadline
