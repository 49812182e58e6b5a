"""Decision rules and polls (accord.meetings.rules): hand-worked cases and properties. Pure, no DB."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.meetings.rules import (
    SIMPLE_MAJORITY,
    THREE_QUARTERS,
    TWO_THIRDS,
    UNANIMOUS_SHARE,
    Ballot,
    Base,
    Choice,
    Outcome,
    Procedure,
    Rule,
    RuleError,
    Threshold,
    approve,
    choose_one,
    consent_poll,
    decide,
    dot_vote,
    fraction_words,
    instant_runoff,
    proposal_poll,
    ranked_choice,
    schulze,
    score_poll,
    time_poll,
    validate,
)

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)
SIX = ["ARD", "NOR", "BEL", "KES", "NVF", "CSU"]
FLOAT_NOISE = re.compile(r"\d\.\d{3,}")


def ballots(**choices: str) -> list[Ballot]:
    return [Ballot(p, c) for p, c in choices.items()]


def majority(**kw) -> Procedure:
    return Procedure(Rule.MAJORITY, **kw)


# --------------------------------------------------------------------------- majority


def test_brief_example_five_of_six_with_quorum():
    v = decide(
        majority(quorum=4),
        SIX,
        ballots(ARD="agree", NOR="agree", BEL="agree", KES="agree", NVF="agree", CSU="abstain"),
        now=NOW,
    )
    assert v.outcome == Outcome.ADOPTED and v.final and v.adopted
    assert (v.in_favour, v.against, v.abstained, v.not_voted) == (5, 0, 1, 0)
    assert v.base == Base.CAST and v.base_weight == 6 and v.share == Fraction(5, 6)
    assert (v.quorum_required, v.quorum_present, v.quorum_met) == (4, 6, True)
    assert v.arithmetic.startswith("Adopted: 5 of 6 eligible parties agreed, 1 abstained;")
    assert "five sixths" in v.arithmetic and "more than half needed" in v.arithmetic
    assert v.arithmetic.endswith("quorum 4 met (6 present).")


def test_simple_majority_tie_is_rejected():
    v = decide(
        majority(),
        SIX,
        ballots(
            ARD="agree", NOR="agree", BEL="agree", KES="disagree", NVF="disagree", CSU="disagree"
        ),
        now=NOW,
    )
    assert v.outcome == Outcome.REJECTED
    assert v.share == Fraction(1, 2)
    assert "3 in favour out of 6 votes cast (one half), more than half needed" in v.arithmetic


def test_two_thirds_is_at_least_and_strict_variant_is_more_than():
    b = ballots(ARD="agree", NOR="agree", BEL="agree", KES="agree", NVF="disagree", CSU="disagree")
    v = decide(majority(threshold=TWO_THIRDS), SIX, b, now=NOW)
    assert v.adopted and v.share == Fraction(2, 3)
    assert "(two thirds), at least two thirds needed" in v.arithmetic
    strict = decide(majority(threshold=Threshold(Fraction(2, 3), strict=True)), SIX, b, now=NOW)
    assert strict.outcome == Outcome.REJECTED
    assert "more than two thirds needed" in strict.arithmetic
    assert decide(majority(threshold=THREE_QUARTERS), SIX, b, now=NOW).outcome == Outcome.REJECTED


def test_custom_fraction_four_fifths():
    parties = ["A", "B", "C", "D", "E"]
    b = ballots(A="agree", B="agree", C="agree", D="agree", E="disagree")
    v = decide(majority(threshold=Threshold(Fraction(4, 5))), parties, b, now=NOW)
    assert v.adopted and "at least four fifths needed" in v.arithmetic
    b2 = ballots(A="agree", B="agree", C="agree", D="disagree", E="disagree")
    assert not decide(majority(threshold=Threshold(Fraction(4, 5))), parties, b2, now=NOW).adopted


def test_same_ballots_adopted_over_cast_rejected_over_eligible():
    b = ballots(ARD="agree", NOR="agree", BEL="agree", KES="disagree")
    cast = decide(majority(base=Base.CAST), SIX, b, now=NOW)
    eligible = decide(majority(base=Base.ELIGIBLE), SIX, b, now=NOW)
    assert cast.adopted and cast.share == Fraction(3, 4)
    assert eligible.outcome == Outcome.REJECTED and eligible.share == Fraction(1, 2)
    assert "2 did not vote" in eligible.arithmetic
    assert "3 in favour out of 6 eligible parties" in eligible.arithmetic


def test_bases_valid_voting_present_differ_as_defined():
    seven = [*SIX, "VMM"]
    b = ballots(ARD="agree", NOR="agree", BEL="agree", KES="disagree", NVF="disagree")
    b += ballots(CSU="abstain", VMM="abstain")
    # present and voting: 3 of 5 -> adopted; valid (abstentions count): 3 of 7 -> rejected
    assert decide(majority(base=Base.VOTING), seven, b, now=NOW).share == Fraction(3, 5)
    assert decide(majority(base=Base.VOTING), seven, b, now=NOW).adopted
    assert not decide(majority(base=Base.VALID), seven, b, now=NOW).adopted
    # an invalid ballot counts in "cast" only
    b2 = ballots(
        ARD="agree", NOR="agree", BEL="agree", KES="disagree", NVF="disagree", CSU="invalid"
    )
    valid = decide(majority(base=Base.VALID), SIX, b2, now=NOW)
    cast = decide(majority(base=Base.CAST), SIX, b2, now=NOW)
    assert valid.adopted and valid.share == Fraction(3, 5)
    assert not cast.adopted and cast.share == Fraction(1, 2)
    assert "1 cast an invalid ballot" in cast.arithmetic
    # present: the non-voters in the room count in the base
    ten = [f"P{i}" for i in range(10)]
    b3 = ballots(P0="agree", P1="agree", P2="agree", P3="agree", P4="disagree")
    room = ["P5", "P6", "P7", "OBSERVER"]  # a non-eligible observer is ignored
    present = decide(majority(base=Base.PRESENT), ten, b3, present=room, now=NOW)
    assert present.base_weight == 8 and present.share == Fraction(1, 2) and not present.adopted
    assert decide(majority(base=Base.CAST), ten, b3, present=room, now=NOW).adopted


def test_all_abstain_over_voting_base_has_nothing_to_count():
    v = decide(majority(base=Base.VOTING), ["A", "B"], ballots(A="abstain", B="abstain"), now=NOW)
    assert v.outcome == Outcome.REJECTED and v.share is None
    assert "no votes for and against to count" in v.arithmetic


def test_quorum_failure_and_fraction_quorum_rounds_up():
    b = ballots(ARD="agree", NOR="agree", BEL="agree")
    v = decide(majority(quorum=4), SIX, b, now=NOW)
    assert v.outcome == Outcome.NO_QUORUM and v.final and v.quorum_met is False
    assert v.arithmetic.startswith("No quorum: 3 of 6 eligible parties present, 4 required")
    # present but not voting makes the quorum
    v2 = decide(majority(quorum=4), SIX, b, present=["CSU"], now=NOW)
    assert v2.adopted and v2.quorum_present == 4 and v2.not_voted == 3
    # two thirds of 6 = 4; one half of 5 = 2.5 -> 3
    assert decide(majority(quorum=Fraction(2, 3)), SIX, b, now=NOW).quorum_required == 4
    five = ["A", "B", "C", "D", "E"]
    v3 = decide(majority(quorum=Fraction(1, 2)), five, ballots(A="agree", B="agree"), now=NOW)
    assert v3.quorum_required == 3 and v3.outcome == Outcome.NO_QUORUM


def test_weighted_votes():
    w = {"ARD": 50, "NOR": 30, "BEL": 20}
    v = decide(majority(), w, ballots(ARD="agree", NOR="disagree", BEL="disagree"), now=NOW)
    assert v.weighted and v.weight_in_favour == 50 and v.base_weight == 100
    assert v.outcome == Outcome.REJECTED  # 50 of 100 is not more than half
    assert "50 in favour out of 100 weighted votes cast (one half)" in v.arithmetic
    v2 = decide(majority(), w, ballots(ARD="agree", NOR="disagree"), now=NOW)
    assert v2.adopted and v2.share == Fraction(5, 8)
    assert (v2.in_favour, v2.against, v2.not_voted) == (1, 1, 1)
    # fractional weights stay exact
    v3 = decide(
        majority(base=Base.ELIGIBLE),
        {"A": Fraction(1, 3), "B": Fraction(1, 3), "C": Fraction(1, 3)},
        ballots(A="agree", B="agree"),
        now=NOW,
    )
    assert v3.share == Fraction(2, 3) and v3.adopted
    assert not FLOAT_NOISE.search(v3.arithmetic)
    assert "about 0.67 in favour out of 1 weighted votes of the eligible parties" in v3.arithmetic


def test_proxy_counts_for_represented_party_and_limit():
    b = [
        Ballot("ARD", "agree"),
        Ballot("NOR", "agree", by="ARD"),
        Ballot("BEL", "agree", by="ARD"),
        Ballot("KES", "disagree"),
    ]
    v = decide(majority(quorum=4, max_proxies=2), SIX, b, now=NOW)
    assert v.adopted and v.by_proxy == 2 and v.in_favour == 3
    assert v.quorum_present == 4  # represented parties are present through their proxy
    assert "(2 by proxy)" in v.arithmetic
    with pytest.raises(RuleError, match="ARD holds 2 proxies; the limit is 1"):
        decide(majority(max_proxies=1), SIX, b, now=NOW)
    with pytest.raises(RuleError, match="cannot hold its own proxy"):
        decide(majority(), SIX, [Ballot("ARD", "agree", by="ARD")], now=NOW)


def test_pending_before_close_then_counted():
    proc = majority(opens_at=NOW - D, closes_at=NOW + H)
    b = [Ballot("ARD", "agree", cast_at=NOW - H), Ballot("NOR", "agree", cast_at=NOW - H)]
    v = decide(proc, SIX, b, now=NOW)
    assert v.outcome == Outcome.PENDING and not v.final and v.next_check_at == NOW + H
    assert v.arithmetic.startswith("Pending until 6 Dec 2026 13:00 UTC: so far 2 of 6")
    after = decide(proc, SIX, b, now=NOW + 2 * H)
    assert after.adopted and after.final and after.next_check_at is None


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("make", "fault"),
    [
        (lambda: decide(majority(quorum=7), SIX, [], now=NOW), "quorum 7 is above the 6 eligible"),
        (lambda: Threshold(Fraction(0)), r"threshold 0 is outside \(0, 1\]"),
        (lambda: Threshold(Fraction(3, 2)), r"threshold 3/2 is outside \(0, 1\]"),
        (lambda: Threshold(Fraction(1), strict=True), "can never be met"),
        (lambda: Threshold(0.5), "must be exact"),
        (
            lambda: decide(majority(), SIX, [Ballot("VMM", "agree")], now=NOW),
            "ballot from VMM, which is not an eligible party",
        ),
        (
            lambda: decide(
                majority(), SIX, ballots(ARD="agree") + ballots(ARD="disagree"), now=NOW
            ),
            "two ballots for ARD",
        ),
        (
            lambda: decide(majority(), {"A": 1, "B": 0}, [], now=NOW),
            "weight of B must be above zero",
        ),
        (lambda: decide(majority(), {"A": -2}, [], now=NOW), "weight of A must be above zero"),
        (
            lambda: decide(
                majority(closes_at=NOW - H), SIX, [Ballot("ARD", "agree", cast_at=NOW)], now=NOW
            ),
            "vote of ARD at 6 Dec 2026 12:00 UTC is after the close",
        ),
        (
            lambda: Procedure(Rule.MAJORITY, opens_at=NOW, closes_at=NOW - H),
            "the deadline .* is not after the opening",
        ),
        (
            lambda: decide(
                majority(opens_at=NOW - H), SIX, [Ballot("ARD", "agree", cast_at=NOW - D)], now=NOW
            ),
            "before the opening",
        ),
        (
            lambda: decide(majority(), SIX, [Ballot("ARD", "agree", cast_at=NOW + H)], now=NOW),
            "after now",
        ),
        (lambda: Ballot("ARD", "maybe"), "unknown answer 'maybe'"),
        (
            lambda: decide(majority(), SIX, [Ballot("ARD", "object")], now=NOW),
            "'object' is not an answer under the majority rule",
        ),
        (lambda: decide(majority(), [], [], now=NOW), "no eligible parties"),
        (lambda: decide(majority(), ["A", "A"], [], now=NOW), "listed twice"),
        (lambda: majority(quorum=Fraction(3, 2)), r"quorum fraction 3/2 is outside"),
        (lambda: majority(quorum=0), "quorum 0 must be at least 1"),
        (lambda: Procedure(Rule.SILENCE), "silence procedure needs a deadline"),
        (
            lambda: Procedure(Rule.SILENCE, closes_at=NOW, quorum=3),
            "a quorum does not apply to the silence procedure",
        ),
        (lambda: Procedure("plurality"), "unknown decision rule 'plurality'"),
        (lambda: majority(base="counted"), "unknown base 'counted'"),
        (
            lambda: decide(majority(), SIX, [], now=datetime(2026, 12, 6, 12)),
            "has no time zone",
        ),
    ],
)
def test_bad_input_names_the_fault(make, fault):
    with pytest.raises(RuleError, match=fault):
        make()


def test_validate_at_setup():
    validate(majority(quorum=4, closes_at=NOW + D), SIX, now=NOW)
    with pytest.raises(RuleError, match="quorum 7 is above the 6 eligible parties"):
        validate(majority(quorum=7), SIX)
    with pytest.raises(RuleError, match="the deadline 5 Dec 2026 12:00 UTC is already past"):
        validate(Procedure(Rule.SILENCE, closes_at=NOW - D), SIX, now=NOW)
    with pytest.raises(RuleError, match="weight of NOR must be above zero"):
        validate(majority(), {"ARD": 1, "NOR": 0})


def test_procedure_in_words():
    assert majority(quorum=4, max_proxies=2, closes_at=NOW).words == (
        "Simple majority (more than half of the votes cast); quorum 4 parties; "
        "at most 2 proxies per holder; closes 6 Dec 2026 12:00 UTC."
    )
    assert majority(threshold=TWO_THIRDS, base="eligible", quorum=Fraction(1, 2)).words == (
        "Majority of at least two thirds of the eligible parties; quorum one half of the "
        "eligible parties."
    )
    assert Procedure(Rule.SILENCE, closes_at=NOW).words.endswith("; expires 6 Dec 2026 12:00 UTC.")
    assert "capitals confirm by" in Procedure(Rule.AD_REFERENDUM, closes_at=NOW).words


def test_redacted_verdict_hides_how_parties_voted():
    v = decide(Procedure(Rule.CONSENSUS), SIX, ballots(KES="object"), now=NOW)
    assert v.objecting == ("KES",) and v.redacted().objecting == ()
    assert v.redacted().arithmetic == v.arithmetic and "KES" not in v.arithmetic


def test_rule_error_is_a_value_error():
    assert issubclass(RuleError, ValueError)


# --------------------------------------------------------------------------- consensus, unanimity


def test_consensus_adopted_without_objection_despite_disagreement_and_abstention():
    proc = Procedure(Rule.CONSENSUS, closes_at=NOW - H)
    b = [Ballot("ARD", "agree", cast_at=NOW - D), Ballot("KES", "disagree", cast_at=NOW - D)]
    b.append(Ballot("NVF", "abstain", cast_at=NOW - D))
    v = decide(proc, SIX, b, now=NOW)
    assert v.adopted and v.final and v.objections == 0
    assert v.arithmetic.startswith("Adopted by consensus: no formal objection from the 6")


def test_consensus_pending_then_blocked_by_objection():
    proc = Procedure(Rule.CONSENSUS, closes_at=NOW + H)
    v = decide(proc, SIX, ballots(ARD="agree"), now=NOW)
    assert v.outcome == Outcome.PENDING and not v.final
    o = decide(proc, SIX, [Ballot("KES", "object", text="Clause 4 unacceptable")], now=NOW)
    assert o.outcome == Outcome.REJECTED and not o.final and o.objecting == ("KES",)
    assert "so far" in o.arithmetic
    blk = decide(Procedure(Rule.CONSENSUS), SIX, ballots(NVF="block"), now=NOW)
    assert blk.outcome == Outcome.REJECTED and blk.final and blk.objections == 1
    assert "1 of 6 eligible parties objected formally" in blk.arithmetic


def test_unanimity_all_agree_and_abstention_is_not_agreement():
    all_agree = ballots(**dict.fromkeys(SIX, "agree"))
    v = decide(Procedure(Rule.UNANIMITY), SIX, all_agree, now=NOW)
    assert v.adopted and v.arithmetic == "Adopted unanimously: all 6 eligible parties agreed."
    b = ballots(**dict.fromkeys(SIX[:5], "agree"), CSU="abstain")
    r = decide(Procedure(Rule.UNANIMITY, quorum=4), SIX, b, now=NOW)
    assert r.outcome == Outcome.REJECTED
    assert r.arithmetic == (
        "Not adopted: 5 of 6 eligible parties agreed, 1 abstained; unanimity needs all 6 to agree "
        "(an abstention is not agreement); quorum 4 met (6 present)."
    )


def test_unanimity_pending_then_rejected_for_silence_of_one():
    proc = Procedure(Rule.UNANIMITY, closes_at=NOW + H)
    b = ballots(**dict.fromkeys(SIX[:5], "agree"))
    assert decide(proc, SIX, b, now=NOW).outcome == Outcome.PENDING
    late = [Ballot(x.party, x.choice, cast_at=NOW) for x in b]
    v = decide(proc, SIX, late, now=NOW + 2 * H)
    assert v.outcome == Outcome.REJECTED and v.final and v.awaiting == ("CSU",)
    assert "1 did not answer" in v.arithmetic


# --------------------------------------------------------------------------- silence procedure

EXPIRY = datetime(2011, 9, 8, 17, 30, tzinfo=UTC)
CIRCULATED = EXPIRY - 3 * D


def silence() -> Procedure:
    return Procedure(Rule.SILENCE, opens_at=CIRCULATED, closes_at=EXPIRY)


def test_silence_not_broken_is_adopted_at_expiry():
    pending = decide(silence(), SIX, [], now=EXPIRY - H)
    assert pending.outcome == Outcome.PENDING and pending.next_check_at == EXPIRY
    assert "adopted at 8 Sep 2011 17:30 UTC unless" in pending.arithmetic
    v = decide(silence(), SIX, [], now=EXPIRY)
    assert v.adopted and v.final
    assert "none of the 6 eligible parties broke silence" in v.arithmetic


def test_silence_broken_by_written_objection_or_amendment():
    obj = Ballot("KES", "object", cast_at=EXPIRY - D, text="We cannot accept para 3.")
    v = decide(silence(), SIX, [obj], now=EXPIRY - H)
    assert v.outcome == Outcome.BROKEN and v.final and v.objecting == ("KES",)
    assert v.arithmetic.startswith("Silence broken: 1 written objection from 1 of 6")
    amend = Ballot("NVF", "amend", cast_at=EXPIRY, amendment="Replace 'shall' with 'may'.")
    v2 = decide(silence(), SIX, [amend], now=EXPIRY + D)  # at exactly the expiry still counts
    assert v2.outcome == Outcome.BROKEN and "1 amendment" in v2.arithmetic


def test_silence_broken_after_expiry_is_not_counted():
    late = Ballot("KES", "object", cast_at=EXPIRY + timedelta(minutes=1), text="Too late?")
    v = decide(silence(), SIX, [late], now=EXPIRY + H)
    assert v.adopted and v.late == ("KES",) and v.objections == 0
    assert "1 objection after the expiry not counted" in v.arithmetic


def test_silence_objection_must_be_written():
    with pytest.raises(RuleError, match="requires a written objection or an amendment"):
        decide(silence(), SIX, [Ballot("KES", "object", cast_at=EXPIRY - H)], now=EXPIRY)
    with pytest.raises(RuleError, match="not an answer under the silence procedure"):
        decide(silence(), SIX, [Ballot("KES", "disagree", cast_at=EXPIRY - H)], now=EXPIRY)


def test_time_zone_shown_for_non_utc_expiry():
    cet = timezone(timedelta(hours=1), "CET")
    proc = Procedure(Rule.SILENCE, closes_at=datetime(2026, 12, 8, 17, 30, tzinfo=cet))
    assert "8 Dec 2026 17:30 CET" in decide(proc, SIX, [], now=NOW).arithmetic


# --------------------------------------------------------------------------- ad referendum

TABLE = NOW - 10 * D
CAPITALS = NOW - 3 * D


def adref(**kw) -> Procedure:
    return Procedure(Rule.AD_REFERENDUM, opens_at=TABLE, closes_at=CAPITALS, **kw)


def test_ad_referendum_final_when_all_confirm():
    b = [Ballot(p, "confirm", cast_at=CAPITALS - D) for p in SIX]
    v = decide(adref(), SIX, b, now=NOW)
    assert v.adopted and v.final and v.in_favour == 6 and v.escalation == ()
    assert v.arithmetic == "Adopted, final: all 6 capitals confirmed the text agreed ad referendum."


def test_ad_referendum_lapses_when_one_declines():
    b = [Ballot(p, "confirm", cast_at=CAPITALS - D) for p in SIX[:4]]
    b.append(Ballot("NVF", "decline", cast_at=CAPITALS - 2 * D))
    v = decide(adref(), SIX, b, now=CAPITALS - H)
    assert v.outcome == Outcome.LAPSED and v.final and v.objecting == ("NVF",)
    assert v.arithmetic.startswith("Lapsed: 1 of 6 capitals declined")


def test_ad_referendum_pending_then_overdue_with_escalation():
    b = [Ballot(p, "confirm", cast_at=CAPITALS - D) for p in SIX[:5]]
    pending = decide(adref(), SIX, b, now=CAPITALS - H)
    assert pending.outcome == Outcome.PENDING and pending.awaiting == ("CSU",)
    assert [s.due for s in pending.escalation] == [False, False]
    one_day = decide(adref(), SIX, b, now=CAPITALS + D)
    assert one_day.outcome == Outcome.OVERDUE and not one_day.final
    reminder, chair = one_day.escalation
    assert (reminder.step, reminder.due, reminder.parties) == ("reminder", True, ("CSU",))
    assert (chair.step, chair.due, chair.due_at) == ("chair_notice", False, CAPITALS + 2 * D)
    assert one_day.next_check_at == CAPITALS + 2 * D
    assert "5 of 6 capitals confirmed, 1 awaited; a reminder due since" in one_day.arithmetic
    three_days = decide(adref(), SIX, b, now=CAPITALS + 3 * D)
    assert all(s.due for s in three_days.escalation) and three_days.next_check_at is None
    assert "a notice to the chair due since" in three_days.arithmetic
    # a late confirmation still makes it final, and is noted
    late = [*b, Ballot("CSU", "confirm", cast_at=CAPITALS + 2 * D)]
    v = decide(adref(), SIX, late, now=NOW)
    assert v.adopted and v.late == ("CSU",) and "(1 after the deadline)" in v.arithmetic


def test_ad_referendum_only_the_confirming_capitals_count():
    b = [Ballot("ARD", "confirm", cast_at=CAPITALS - D)]
    v = decide(adref(confirming=("ARD",)), SIX, b, now=NOW)
    assert v.adopted and "all 1 capital confirmed" in v.arithmetic
    with pytest.raises(RuleError, match="must confirm but is not an eligible party"):
        decide(adref(confirming=("VMM",)), SIX, [], now=NOW)
    with pytest.raises(RuleError, match="not an answer under the ad referendum procedure"):
        decide(adref(), SIX, [Ballot("ARD", "agree", cast_at=CAPITALS - D)], now=NOW)


# --------------------------------------------------------------------------- approve()


def test_approve_unanimity_and_silence():
    allies = ["ARD", "NOR", "BEL"]
    ok = approve(
        "unanimity", allies, {"ARD": "agree", "NOR": "agree", "BEL": "agree"}, NOW + H, NOW
    )
    assert ok.adopted and ok.rule == Rule.UNANIMITY
    wait = approve("unanimity", allies, {"ARD": "agree"}, NOW + H, NOW)
    assert wait.outcome == Outcome.PENDING and set(wait.awaiting) == {"NOR", "BEL"}
    quiet = approve(Rule.SILENCE, allies, [], NOW - H, NOW)
    assert quiet.adopted
    with pytest.raises(RuleError, match="must carry an amendment text"):
        approve("silence", allies, [Ballot("NOR", "object", text="No.")], NOW + H, NOW)
    broken = approve(
        "silence",
        allies,
        {"NOR": Ballot("NOR", Choice.OBJECT, amendment="Say 'ceasefire', not 'truce'.")},
        NOW + H,
        NOW,
    )
    assert broken.outcome == Outcome.BROKEN and broken.final
    with pytest.raises(RuleError, match="unanimity or silence, not majority"):
        approve("majority", allies, [], NOW + H, NOW)
    with pytest.raises(RuleError, match="filed under NOR is BEL's ballot"):
        approve("unanimity", allies, {"NOR": Ballot("BEL", "agree")}, NOW + H, NOW)


def test_verdict_to_dict_is_json_ready():
    import json

    v = decide(majority(threshold=TWO_THIRDS, quorum=2), SIX, ballots(ARD="agree"), now=NOW)
    d = json.loads(json.dumps(v.to_dict()))
    assert d["outcome"] == "no_quorum" and d["outcome_words"] == "No quorum"
    assert d["threshold"] == {"fraction": "2/3", "strict": False, "words": "at least two thirds"}


# --------------------------------------------------------------------------- words


@pytest.mark.parametrize(
    ("f", "words"),
    [
        (Fraction(2, 3), "two thirds"),
        (Fraction(1, 2), "one half"),
        (Fraction(3, 4), "three quarters"),
        (Fraction(1), "all"),
        (Fraction(0), "none"),
        (Fraction(55, 100), "55%"),
        (Fraction(5, 9), "five ninths"),
        (Fraction(7, 13), "about 53.8%"),
    ],
)
def test_fraction_words(f, words):
    assert fraction_words(f) == words


def test_threshold_words():
    assert SIMPLE_MAJORITY.words == "more than half"
    assert TWO_THIRDS.words == "at least two thirds"
    assert UNANIMOUS_SHARE.words == "all"


# --------------------------------------------------------------------------- polls


def test_proposal_and_consent_polls():
    p = proposal_poll({"a": "agree", "b": "agree", "c": "abstain", "d": "block"})
    assert p.counts == {"agree": 2, "abstain": 1, "disagree": 0, "block": 1} and p.blocked
    assert p.agree_share == Fraction(1, 2)
    assert p.sentence == (
        "2 of 4 agreed, 1 abstained; 1 block: the proposal should not go ahead as it stands."
    )
    with pytest.raises(RuleError, match="not a proposal answer"):
        proposal_poll({"a": "confirm"})
    c = consent_poll({"a": "consent", "b": "consent"})
    assert c.consented and c.sentence == "Consented: no objection from 2 participants."
    c2 = consent_poll({"a": "consent", "b": "objection"})
    assert not c2.consented and c2.objection == 1


def test_choose_one_with_tie():
    r = choose_one(["X", "Y", "Z"], {"a": "X", "b": "Y", "c": "X", "d": "Y"})
    assert r.winners == ("X", "Y") and r.sentence == "Tie: X, Y have 2 of 4 votes each."
    r2 = choose_one(["X", "Y"], {"a": "X", "b": "X", "c": "Y"})
    assert r2.winners == ("X",) and "X leads with 2 of 3 votes (two thirds)" in r2.sentence
    with pytest.raises(RuleError, match="not an option"):
        choose_one(["X"], {"a": "Q"})


def test_score_poll_mean_and_distribution():
    r = score_poll(
        ["plan A", "plan B"],
        {"a": {"plan A": 3, "plan B": 5}, "b": {"plan A": 4, "plan B": 1}, "c": {"plan A": 4}},
    )
    assert r.means == {"plan A": Fraction(11, 3), "plan B": Fraction(3)}
    assert r.distribution["plan A"] == (0, 0, 0, 1, 2, 0)
    assert r.ranking == ("plan A", "plan B")
    assert r.sentence == "plan A scores highest: mean 3.7 of 5 from 3 voters (scores 3: 1, 4: 2)."
    with pytest.raises(RuleError, match="scores are whole numbers from 0 to 5"):
        score_poll(["x"], {"a": {"x": 6}})


def test_dot_vote_budget_enforced():
    r = dot_vote(["x", "y", "z"], {"a": {"x": 5, "y": 3}, "b": {"y": 8}})
    assert r.totals == {"x": 5, "y": 11, "z": 0} and r.winners == ("y",) and r.dots_used == 16
    assert r.sentence == "y has most dots: 11 of 16 placed by 2 voters (8 dots each)."
    with pytest.raises(RuleError, match="a spent 9 dots; the budget is 8"):
        dot_vote(["x", "y"], {"a": {"x": 5, "y": 4}})
    with pytest.raises(RuleError, match="dots are 0 or more"):
        dot_vote(["x"], {"a": {"x": -1}})
    assert dot_vote(["x"], {"a": {"x": 3}}, budget=3).totals == {"x": 3}


def test_time_poll_best_slot_by_available_then_yes():
    s1, s2, s3 = NOW, NOW + D, NOW + 2 * D
    votes = {
        "a": {s1: 2, s2: 1, s3: 2},
        "b": {s1: 0, s2: 1, s3: 2},
        "c": {s1: 2, s2: 2, s3: 1},
    }
    r = time_poll([s1, s2, s3], votes)
    # s2 and s3 both have 3 available; s3 has more plain yes
    assert r.best == s3
    assert r.slots[1].available == 3 and r.slots[2].yes == 2
    assert r.sentence == "Best slot: 8 Dec 2026 12:00 UTC: 3 of 3 can attend (2 yes, 1 if need be)."
    with pytest.raises(RuleError, match="use 2 yes, 1 if need be, 0 no"):
        time_poll([s1], {"a": {s1: 3}})


# --------------------------------------------------------------------------- ranked choice


def expand(groups: list[tuple[int, str]]) -> list[list[str]]:
    return [list(order) for n, order in groups for _ in range(n)]


WIKI_SCHULZE = expand(
    [
        (5, "ACBED"),
        (5, "ADECB"),
        (8, "BEDAC"),
        (3, "CABED"),
        (7, "CAEBD"),
        (2, "CBADE"),
        (7, "DCEBA"),
        (8, "EBADC"),
    ]
)


def test_schulze_wikipedia_example_45_voters():
    r = schulze("ABCDE", WIKI_SCHULZE)
    assert r.ballots == 45 and r.winner == "E" and r.winners == ("E",)
    assert r.ranking == ("E", "A", "C", "B", "D")
    assert r.pairwise[("A", "B")] == 20 and r.pairwise[("B", "A")] == 25
    assert r.pairwise[("E", "D")] == 31 and r.pairwise[("C", "B")] == 29
    expected = {
        "A": {"B": 28, "C": 28, "D": 30, "E": 24},
        "B": {"A": 25, "C": 28, "D": 33, "E": 24},
        "C": {"A": 25, "B": 29, "D": 29, "E": 24},
        "D": {"A": 25, "B": 28, "C": 28, "E": 24},
        "E": {"A": 25, "B": 28, "C": 28, "D": 31},
    }
    for x, row in expected.items():
        for y, strength in row.items():
            assert r.strongest[(x, y)] == strength, (x, y)
    assert r.sentence.startswith("E wins by the Schulze method")


TENNESSEE = expand(
    [
        (42, ["Memphis", "Nashville", "Chattanooga", "Knoxville"]),
        (26, ["Nashville", "Chattanooga", "Knoxville", "Memphis"]),
        (15, ["Chattanooga", "Knoxville", "Nashville", "Memphis"]),
        (17, ["Knoxville", "Chattanooga", "Nashville", "Memphis"]),
    ]
)
CITIES = ["Memphis", "Nashville", "Chattanooga", "Knoxville"]


def test_irv_tennessee_example_knoxville_while_schulze_picks_nashville():
    r = instant_runoff(CITIES, TENNESSEE)
    assert r.winner == "Knoxville" and len(r.rounds) == 3
    assert [rd.eliminated for rd in r.rounds] == ["Chattanooga", "Nashville", None]
    assert dict(r.rounds[1].counts) == {"Memphis": 42, "Nashville": 26, "Knoxville": 32}
    assert dict(r.rounds[2].counts) == {"Memphis": 42, "Knoxville": 58}
    assert r.ranking == ("Knoxville", "Memphis", "Nashville", "Chattanooga")
    assert r.sentence == (
        "Knoxville wins by instant-runoff in round 3 with 58 of 100 continuing votes (58%); "
        "eliminated in turn: Chattanooga, Nashville; 100 ballots."
    )
    assert ranked_choice(CITIES, TENNESSEE, "schulze").winner == "Nashville"  # Condorcet winner
    assert ranked_choice(CITIES, TENNESSEE, "IRV").winner == "Knoxville"
    with pytest.raises(RuleError, match="unknown counting method 'borda'"):
        ranked_choice(CITIES, TENNESSEE, "borda")


def test_irv_backwards_tie_break_decides_the_winner():
    b = [["A"]] * 5 + [["B", "C"]] * 2 + [["C", "B"]] * 3 + [["D", "B", "C"]]
    r = instant_runoff("ABCD", b)
    # round 2: A5 B3 C3; B had fewer in round 1 (2 < 3) so B goes, and C wins 6 of 11
    assert [rd.eliminated for rd in r.rounds] == ["D", "B", None]
    assert r.winner == "C" and "broken by an earlier round" in r.tie_breaks[0]


def test_irv_listed_order_tie_break_and_exhausted_ballots():
    b = [["A"], ["A"], ["B", "A"], ["C"]]
    r = instant_runoff(["A", "B", "C"], b)
    assert r.rounds[0].eliminated == "C" and "listed last" in r.rounds[0].tie_break
    assert r.rounds[1].exhausted == 1 and r.winner == "A"


def test_unbroken_ties_are_reported_not_picked():
    irv = instant_runoff(["A", "B"], [["A"], ["B"]])
    assert irv.winner is None and irv.winners == ("A", "B") and "by lot" in irv.sentence
    sch = schulze(["A", "B"], [["A", "B"], ["B", "A"]])
    assert sch.winner is None and sch.winners == ("A", "B")


def test_ranked_ballot_validation():
    with pytest.raises(RuleError, match="ballot 1 ranks 'Z', which is not an option"):
        schulze("AB", [["Z"]])
    with pytest.raises(RuleError, match="ballot 2 ranks an option twice"):
        instant_runoff("AB", [["A"], ["A", "A"]])


# --------------------------------------------------------------------------- properties

CHOICES = st.sampled_from(["agree", "disagree", "abstain", "invalid", None])
THRESHOLDS = st.one_of(
    st.sampled_from([SIMPLE_MAJORITY, TWO_THIRDS, THREE_QUARTERS, UNANIMOUS_SHARE]),
    st.builds(
        lambda n, d, s: Threshold(Fraction(min(n, d), d), strict=s and n < d),
        st.integers(1, 12),
        st.integers(1, 12),
        st.booleans(),
    ),
)


MOSTLY_AGREE = st.sampled_from(["agree"] * 6 + ["disagree", "abstain", "invalid", None])


@st.composite
def elections(draw, choice=CHOICES):
    n = draw(st.integers(1, 7))
    parties = [f"P{i}" for i in range(n)]
    weights = {p: draw(st.integers(1, 5)) for p in parties}
    choices = {p: draw(choice) for p in parties}
    present = [p for p in parties if draw(st.booleans())]
    base = draw(st.sampled_from(list(Base)))
    quorum = draw(st.one_of(st.none(), st.integers(1, n)))
    return weights, choices, present, base, quorum


def _ballots(choices):
    return [Ballot(p, c) for p, c in choices.items() if c is not None]


@settings(max_examples=300, deadline=None)
@given(elections(), THRESHOLDS, st.data())
def test_an_added_agree_never_turns_adopted_into_rejected(election, threshold, data):
    weights, choices, present, base, quorum = election
    proc = majority(threshold=threshold, base=base, quorum=quorum)
    before = decide(proc, weights, _ballots(choices), present=present, now=NOW)
    others = [p for p, c in choices.items() if c != "agree"]
    if not others:
        return
    p = data.draw(st.sampled_from(others))
    after = decide(proc, weights, _ballots({**choices, p: "agree"}), present=present, now=NOW)
    if before.adopted:
        assert after.adopted
    if before.quorum_met:
        assert after.quorum_met
    assert not FLOAT_NOISE.search(before.arithmetic)


@settings(max_examples=300, deadline=None)
@given(elections(MOSTLY_AGREE), THRESHOLDS)
def test_unanimity_adopted_implies_every_majority_rule_adopted(election, threshold):
    weights, choices, present, _base, quorum = election
    b = _ballots(choices)
    # unanimity and consensus have no spoilt ballot: read one as a disagreement there
    u = _ballots({p: "disagree" if c == "invalid" else c for p, c in choices.items()})
    unan = decide(Procedure(Rule.UNANIMITY, quorum=quorum), weights, u, present=present, now=NOW)
    cons = decide(Procedure(Rule.CONSENSUS, quorum=quorum), weights, u, present=present, now=NOW)
    if unan.adopted:
        assert cons.adopted
        for any_base in Base:
            m = majority(threshold=threshold, base=any_base, quorum=quorum)
            assert decide(m, weights, b, present=present, now=NOW).adopted


@settings(max_examples=200, deadline=None)
@given(elections())
def test_weights_scaled_together_do_not_change_the_outcome(election):
    weights, choices, present, base, quorum = election
    proc = majority(threshold=TWO_THIRDS, base=base, quorum=quorum)
    a = decide(proc, weights, _ballots(choices), present=present, now=NOW)
    scaled = {p: w * Fraction(7, 3) for p, w in weights.items()}
    b = decide(proc, scaled, _ballots(choices), present=present, now=NOW)
    assert a.outcome == b.outcome and a.share == b.share


RANKINGS = st.lists(st.permutations("ABCD").map(lambda p: list(p)[:3]), min_size=1, max_size=25)


@settings(max_examples=200, deadline=None)
@given(RANKINGS)
def test_schulze_elects_the_condorcet_winner_and_irv_a_majority_winner(b):
    r = schulze("ABCD", b)
    for x in "ABCD":
        if all(r.pairwise[(x, y)] > r.pairwise[(y, x)] for y in "ABCD" if y != x):
            assert r.winner == x
    assert set(r.ranking) == set("ABCD") and set(r.winners) <= set("ABCD")
    irv = instant_runoff("ABCD", b)
    first = [x[0] for x in b]
    for x in "ABCD":
        if 2 * first.count(x) > len(b):
            assert irv.winner == x and len(irv.rounds) == 1
    assert irv.winners and set(irv.winners) <= set("ABCD")


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.text("abc", min_size=1, max_size=2),
        st.dictionaries(st.sampled_from("xyz"), st.integers(0, 4), max_size=2),
        max_size=6,
    )
)
def test_dot_vote_totals_add_up(votes):
    r = dot_vote("xyz", votes)
    assert r.dots_used == sum(sum(row.values()) for row in votes.values())
    assert sum(r.totals.values()) == r.dots_used
