"""Decisions under explicit rules, computed exactly (never left to the chair's arithmetic).

A pure module, like :mod:`accord.analysis`: no Django, no other ``accord`` import; plain
dataclasses in, plain dataclasses out. Services and views of the meetings and verification apps
call :func:`decide`, :func:`approve` and the poll functions, then store and show the
:class:`Verdict` (its ``arithmetic`` is the sentence shown to people).

Rules (REFERENCE.md, "Decisions (peer: Loomio)" and "Meetings, minutes and decision procedures"):

- **consensus** = no formal objection: adopted at the close when no eligible party objected
  (``object`` or ``block``); a ``disagree`` without a formal objection does not stop consensus (a
  party may state its disagreement and stand aside). Pending before the close.
- **silence procedure** (OSCE Rules of Procedure; NATO practice): adopted at the expiry unless an
  eligible party broke silence *by* the expiry (a ballot at exactly the expiry still counts) with a
  written objection or an amendment (an ``object`` or ``amend`` ballot without text is refused).
  Breaking silence is final at once: the chair tells everyone the text is not adopted. A
  silence-breaking ballot after the expiry is not counted; it is listed in ``Verdict.late``.
- **unanimity**: every eligible party agrees. An abstention is *not* agreement: REFERENCE.md lists
  agree and abstain as distinct answers of a Loomio proposal, and gives "no formal objection" as the
  definition of *consensus*, the rule that tolerates abstentions; unanimity is the stricter rule.
- **majority / qualified majority**: the share of weight in favour over a stated :class:`Base`
  must pass a :class:`Threshold` (simple majority = *more than* half; two thirds and three quarters
  = *at least*; a custom :class:`~fractions.Fraction` says which). The bases follow OpenSlides'
  "100 % base": votes cast, valid votes, votes for and against ("present and voting"), parties
  present, eligible parties. A quorum (a count, or a fraction of the eligible parties, rounded up)
  is met by the parties present; a party that cast a ballot, directly or by proxy, is present.
- **ad referendum**: agreed at the table subject to each capital confirming by the deadline. Final
  (adopted) when every capital confirms; lapsed as soon as one declines; after the deadline the
  decision is *overdue* and escalates: a reminder, then a notice to the chair. A confirmation after
  the deadline still counts (the decision stays open, overdue) and is listed in ``Verdict.late``.

Quorums apply to consensus, unanimity and majority votes (taken in a meeting), not to the two
written procedures. All times must carry a time zone. A ballot with no time is taken as cast at
``now``. A ballot after the close is refused (:class:`RuleError`), except under the silence
procedure and ad referendum as said above.

Poll types for consultation inside the body (Loomio): :func:`proposal_poll`,
:func:`consent_poll`, :func:`choose_one`, :func:`score_poll`, :func:`ranked_choice`
(instant-runoff or Schulze), :func:`dot_vote`, :func:`time_poll`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

__all__ = [
    "SIMPLE_MAJORITY",
    "THREE_QUARTERS",
    "TWO_THIRDS",
    "UNANIMOUS_SHARE",
    "Ballot",
    "Base",
    "Choice",
    "ChooseOneResult",
    "ConsentResult",
    "DotVoteResult",
    "EscalationStep",
    "IrvRound",
    "Outcome",
    "Procedure",
    "ProposalResult",
    "RankedResult",
    "Rule",
    "RuleError",
    "ScoreResult",
    "SlotResult",
    "Threshold",
    "TimePollResult",
    "Verdict",
    "approve",
    "choose_one",
    "consent_poll",
    "decide",
    "dot_vote",
    "fraction_words",
    "instant_runoff",
    "proposal_poll",
    "ranked_choice",
    "schulze",
    "score_poll",
    "time_poll",
    "validate",
]


# --------------------------------------------------------------------------- errors and enums


class RuleError(ValueError):
    """Bad input to a decision rule or a poll; the message names the fault (shown as a 4xx)."""

    def __init__(self, fault: str) -> None:
        self.fault = fault
        super().__init__(fault)


class Rule(StrEnum):
    """The decision rule of a proposal."""

    CONSENSUS = "consensus"
    SILENCE = "silence"
    UNANIMITY = "unanimity"
    MAJORITY = "majority"
    AD_REFERENDUM = "ad_referendum"


class Base(StrEnum):
    """What the share in favour is counted over (OpenSlides' "100 % base")."""

    CAST = "cast"  # every ballot cast: for, against, abstentions and invalid ballots
    VALID = "valid"  # valid ballots: for, against and abstentions
    VOTING = "voting"  # for and against only ("present and voting"; abstainers do not count)
    PRESENT = "present"  # every party present (directly or by proxy), voting or not
    ELIGIBLE = "eligible"  # every eligible party, present or not


class Choice(StrEnum):
    """A ballot's answer. Which answers a rule accepts is checked (see ``_ALLOWED``)."""

    AGREE = "agree"
    DISAGREE = "disagree"
    ABSTAIN = "abstain"
    INVALID = "invalid"  # a spoilt ballot: counts in the "cast" base only
    OBJECT = "object"  # a formal objection
    BLOCK = "block"  # Loomio's block: a formal objection
    AMEND = "amend"  # an amendment (breaks silence)
    CONFIRM = "confirm"  # a capital confirms (ad referendum)
    DECLINE = "decline"  # a capital declines (ad referendum)


class Outcome(StrEnum):
    """The computed outcome."""

    ADOPTED = "adopted"
    REJECTED = "rejected"
    PENDING = "pending"
    NO_QUORUM = "no_quorum"
    BROKEN = "silence_broken"
    LAPSED = "lapsed"
    OVERDUE = "overdue"


OUTCOME_WORDS = {
    Outcome.ADOPTED: "Adopted",
    Outcome.REJECTED: "Not adopted",
    Outcome.PENDING: "Pending",
    Outcome.NO_QUORUM: "No quorum",
    Outcome.BROKEN: "Silence broken",
    Outcome.LAPSED: "Lapsed",
    Outcome.OVERDUE: "Overdue",
}

_ALLOWED: dict[Rule, frozenset[Choice]] = {
    Rule.CONSENSUS: frozenset(
        {Choice.AGREE, Choice.ABSTAIN, Choice.DISAGREE, Choice.OBJECT, Choice.BLOCK}
    ),
    Rule.SILENCE: frozenset({Choice.AGREE, Choice.ABSTAIN, Choice.OBJECT, Choice.AMEND}),
    Rule.UNANIMITY: frozenset(
        {Choice.AGREE, Choice.ABSTAIN, Choice.DISAGREE, Choice.OBJECT, Choice.BLOCK}
    ),
    Rule.MAJORITY: frozenset({Choice.AGREE, Choice.ABSTAIN, Choice.DISAGREE, Choice.INVALID}),
    Rule.AD_REFERENDUM: frozenset({Choice.CONFIRM, Choice.DECLINE}),
}
_OBJECTIONS = frozenset({Choice.OBJECT, Choice.BLOCK})
_BREAKS_SILENCE = frozenset({Choice.OBJECT, Choice.AMEND})


# --------------------------------------------------------------------------- words for numbers

_NUMBER_WORDS = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
}
_DENOMINATOR_WORDS = {
    2: ("half", "halves"),
    3: ("third", "thirds"),
    4: ("quarter", "quarters"),
    5: ("fifth", "fifths"),
    6: ("sixth", "sixths"),
    7: ("seventh", "sevenths"),
    8: ("eighth", "eighths"),
    9: ("ninth", "ninths"),
    10: ("tenth", "tenths"),
}


def _decimal(x: Fraction, places: int) -> str:
    """``x`` rounded half-up to ``places`` decimals, trailing zeros dropped (no float noise)."""
    q = Decimal(x.numerator) / Decimal(x.denominator)
    text = f"{q.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fraction_words(f: Fraction) -> str:
    """A share in words: "two thirds", "one half", "all", "none", else a rounded percentage.

    Denominators up to ten are spelled out; anything else becomes "55%" (exact) or "about 55.6%".
    """
    f = Fraction(f)
    if f == 0:
        return "none"
    if f == 1:
        return "all"
    if 0 < f < 1 and f.denominator in _DENOMINATOR_WORDS:
        one, many = _DENOMINATOR_WORDS[f.denominator]
        return f"{_NUMBER_WORDS[f.numerator]} {one if f.numerator == 1 else many}"
    pct = f * 100
    if pct.denominator == 1:
        return f"{pct.numerator}%"
    return f"about {_decimal(pct, 1)}%"


def _num(x: Fraction | int) -> str:
    """A count or weight for people: "5", "2.5", "about 2.33" (never a float repr)."""
    x = Fraction(x)
    if x.denominator == 1:
        return str(x.numerator)
    d = x.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:  # a terminating decimal: exact
        return _decimal(x, 12)
    return f"about {_decimal(x, 2)}"


def _when(t: datetime) -> str:
    """A time for people, with its zone: "8 Sep 2011 17:30 UTC"."""
    return f"{t.day} {t:%b %Y %H:%M} {t.tzname() or 'UTC'}"


def _plural(n: int | Fraction, one: str, many: str) -> str:
    return one if n == 1 else many


# --------------------------------------------------------------------------- thresholds


@dataclass(frozen=True)
class Threshold:
    """A share that must be passed: ``strict`` means *more than* ``fraction``, else *at least*.

    A simple majority needs more than half (:data:`SIMPLE_MAJORITY`); a two-thirds majority needs
    at least two thirds (:data:`TWO_THIRDS`). The fraction must lie in (0, 1]; "more than all" is
    impossible and refused.
    """

    fraction: Fraction
    strict: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.fraction, float):
            raise RuleError(
                f"threshold {self.fraction!r} must be exact: give a Fraction such as Fraction(2, 3)"
            )
        try:
            frac = Fraction(self.fraction)
        except (TypeError, ValueError) as exc:
            raise RuleError(f"threshold {self.fraction!r} is not a fraction") from exc
        if not 0 < frac <= 1:
            raise RuleError(f"threshold {frac} is outside (0, 1]")
        if self.strict and frac == 1:
            raise RuleError("threshold 'more than all' can never be met; use at least 1")
        object.__setattr__(self, "fraction", frac)

    def passed(self, share: Fraction) -> bool:
        """Whether ``share`` passes this threshold."""
        return share > self.fraction if self.strict else share >= self.fraction

    @property
    def words(self) -> str:
        """ "more than one half", "at least two thirds", "all"."""
        if self.fraction == 1:
            return "all"
        if self.fraction == Fraction(1, 2):
            return f"{'more than' if self.strict else 'at least'} half"
        return f"{'more than' if self.strict else 'at least'} {fraction_words(self.fraction)}"


SIMPLE_MAJORITY = Threshold(Fraction(1, 2), strict=True)
TWO_THIRDS = Threshold(Fraction(2, 3))
THREE_QUARTERS = Threshold(Fraction(3, 4))
UNANIMOUS_SHARE = Threshold(Fraction(1))


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Ballot:
    """One party's answer: cast directly, or by proxy (``by`` names the proxy holder).

    ``text`` is the written reason (a written objection); ``amendment`` the proposed wording.
    ``cast_at`` None means "at now".
    """

    party: str
    choice: Choice | str
    cast_at: datetime | None = None
    by: str | None = None
    text: str = ""
    amendment: str = ""

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "choice", Choice(self.choice))
        except ValueError as exc:
            words = ", ".join(c.value for c in Choice)
            raise RuleError(
                f"ballot of {self.party}: unknown answer {self.choice!r} (one of {words})"
            ) from exc

    @property
    def proxy(self) -> bool:
        """Cast by a proxy holder for the represented party."""
        return self.by is not None

    @property
    def written(self) -> bool:
        """Carries a written objection or an amendment."""
        return bool(self.text.strip() or self.amendment.strip())


@dataclass(frozen=True)
class Procedure:
    """A decision rule and its parameters, as the process or the chair set them.

    ``opens_at``: opening (vote opened, text circulated, agreed at the table for ad referendum).
    ``closes_at``: the close of the vote, the expiry of silence, the capitals' deadline; None for a
    vote taken at the table (counted as closed at ``now``). ``quorum``: a count of parties, or a
    Fraction of the eligible parties (rounded up); it counts parties, not weights. ``max_proxies``: most proxies one holder may
    carry. ``confirming``: parties whose capital must confirm (ad referendum; default all eligible).
    Escalation after the capitals' deadline: a reminder at ``deadline + reminder_after``, then a
    notice to the chair at ``deadline + chair_notice_after``.
    """

    rule: Rule | str
    threshold: Threshold = SIMPLE_MAJORITY
    base: Base | str = Base.CAST
    quorum: int | Fraction | None = None
    max_proxies: int | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    confirming: tuple[str, ...] | None = None
    reminder_after: timedelta = timedelta(0)
    chair_notice_after: timedelta = timedelta(days=2)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "rule", Rule(self.rule))
        except ValueError as exc:
            words = ", ".join(r.value for r in Rule)
            raise RuleError(f"unknown decision rule {self.rule!r} (one of {words})") from exc
        try:
            object.__setattr__(self, "base", Base(self.base))
        except ValueError as exc:
            words = ", ".join(b.value for b in Base)
            raise RuleError(f"unknown base {self.base!r} (one of {words})") from exc
        if not isinstance(self.threshold, Threshold):
            raise RuleError("threshold must be a Threshold (e.g. TWO_THIRDS)")
        for name in ("opens_at", "closes_at"):
            _aware(getattr(self, name), name.replace("_at", "ing time"))
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise RuleError(
                f"the deadline ({_when(self.closes_at)}) is not after the opening "
                f"({_when(self.opens_at)})"
            )
        q = self.quorum
        if q is not None:
            if isinstance(q, bool) or isinstance(q, float):
                raise RuleError(f"quorum {q!r} must be a whole count or an exact Fraction")
            if isinstance(q, int):
                if q < 1:
                    raise RuleError(f"quorum {q} must be at least 1")
            elif isinstance(q, Fraction):
                if not 0 < q <= 1:
                    raise RuleError(f"quorum fraction {q} is outside (0, 1]")
            else:
                raise RuleError(f"quorum {q!r} must be a whole count or a Fraction")
            if self.rule in (Rule.SILENCE, Rule.AD_REFERENDUM):
                raise RuleError(f"a quorum does not apply to the {_RULE_WORDS[self.rule]}")
        if self.max_proxies is not None and (
            isinstance(self.max_proxies, bool)
            or not isinstance(self.max_proxies, int)
            or self.max_proxies < 0
        ):
            raise RuleError(f"proxy limit {self.max_proxies!r} must be a count of 0 or more")
        if self.rule in (Rule.SILENCE, Rule.AD_REFERENDUM) and self.closes_at is None:
            raise RuleError(f"the {_RULE_WORDS[self.rule]} needs a deadline")
        if self.reminder_after < timedelta(0) or self.chair_notice_after < self.reminder_after:
            raise RuleError("escalation: the chair's notice must come after the reminder")
        if self.confirming is not None:
            object.__setattr__(self, "confirming", tuple(self.confirming))

    @property
    def words(self) -> str:
        """The rule in a sentence for people, e.g. "Majority of at least two thirds of votes
        cast; quorum 4 parties; at most 2 proxies per holder; closes 8 Dec 2026 17:30 UTC." """
        rule = Rule(self.rule)
        if rule == Rule.MAJORITY:
            head = f"Majority of {self.threshold.words} of the {_BASE_WORDS[Base(self.base)]}"
            if self.threshold == SIMPLE_MAJORITY:
                head = f"Simple majority (more than half of the {_BASE_WORDS[Base(self.base)]})"
        elif rule == Rule.CONSENSUS:
            head = "Consensus: adopted unless an eligible party objects formally"
        elif rule == Rule.UNANIMITY:
            head = "Unanimity: every eligible party must agree (an abstention is not agreement)"
        elif rule == Rule.SILENCE:
            head = (
                "Silence procedure: adopted at the expiry unless an eligible party objects in "
                "writing or proposes an amendment"
            )
        else:
            head = "Ad referendum: final when every capital confirms; lapses if one declines"
        parts = [head]
        if isinstance(self.quorum, Fraction):
            parts.append(f"quorum {fraction_words(self.quorum)} of the eligible parties")
        elif self.quorum is not None:
            parts.append(f"quorum {self.quorum} {_plural(self.quorum, 'party', 'parties')}")
        if self.max_proxies is not None:
            parts.append(
                f"at most {self.max_proxies} {_plural(self.max_proxies, 'proxy', 'proxies')} "
                "per holder"
            )
        if self.closes_at is not None:
            verb = {Rule.SILENCE: "expires", Rule.AD_REFERENDUM: "capitals confirm by"}
            parts.append(f"{verb.get(rule, 'closes')} {_when(self.closes_at)}")
        return "; ".join(parts) + "."


def validate(
    procedure: Procedure,
    eligible: Iterable[str] | Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> None:
    """Check a procedure when it is set up, before any ballot: eligible parties and weights, a
    quorum not above the eligible count, capitals that are eligible, and (given ``now``) a close
    or deadline not in the past. Raises :class:`RuleError` naming the fault."""
    _check(procedure, eligible, (), None, now or datetime.now().astimezone())
    if now is not None and procedure.closes_at is not None and procedure.closes_at <= now:
        raise RuleError(f"the deadline {_when(procedure.closes_at)} is already past")


_RULE_WORDS = {
    Rule.CONSENSUS: "consensus rule",
    Rule.SILENCE: "silence procedure",
    Rule.UNANIMITY: "unanimity rule",
    Rule.MAJORITY: "majority rule",
    Rule.AD_REFERENDUM: "ad referendum procedure",
}


def _aware(t: datetime | None, what: str) -> None:
    if t is not None and (t.tzinfo is None or t.utcoffset() is None):
        raise RuleError(f"the {what} {t.isoformat()} has no time zone")


# --------------------------------------------------------------------------- output


@dataclass(frozen=True)
class EscalationStep:
    """A step of the ad-referendum escalation: ``reminder`` (to the capitals awaited) or
    ``chair_notice``; ``due`` once ``now`` has reached ``due_at``."""

    step: str
    due_at: datetime
    due: bool
    parties: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    """The computed decision, its numbers and the arithmetic in words.

    Counts (``in_favour`` … ``not_voted``) are numbers of eligible parties; ``weight_*`` the same in
    weighted votes (equal to the counts when the vote is not weighted). Under ad referendum,
    ``in_favour`` counts confirmations and ``against`` declines; under consensus and silence,
    ``objections`` counts formal objections / silence-breaking ballots. ``final`` is False while the
    outcome may still change (before the close, or while capitals are awaited). ``objecting`` and
    ``awaiting`` name parties: do not show them for a secret vote.
    """

    rule: Rule
    outcome: Outcome
    final: bool
    arithmetic: str
    eligible: int
    in_favour: int = 0
    against: int = 0
    abstained: int = 0
    invalid: int = 0
    objections: int = 0
    not_voted: int = 0
    by_proxy: int = 0
    weighted: bool = False
    weight_eligible: Fraction = Fraction(0)
    weight_in_favour: Fraction = Fraction(0)
    weight_against: Fraction = Fraction(0)
    weight_abstained: Fraction = Fraction(0)
    weight_invalid: Fraction = Fraction(0)
    weight_not_voted: Fraction = Fraction(0)
    base: Base | None = None
    base_weight: Fraction | None = None
    share: Fraction | None = None
    threshold: Threshold | None = None
    quorum_required: int | None = None
    quorum_present: int | None = None
    quorum_met: bool | None = None
    objecting: tuple[str, ...] = ()
    awaiting: tuple[str, ...] = ()
    late: tuple[str, ...] = ()
    closes_at: datetime | None = None
    next_check_at: datetime | None = None
    escalation: tuple[EscalationStep, ...] = ()

    def redacted(self) -> Verdict:
        """The verdict for a secret vote: who voted is known, not how (``objecting`` emptied)."""
        return replace(self, objecting=())

    @property
    def adopted(self) -> bool:
        """Shorthand for ``outcome == Outcome.ADOPTED``."""
        return self.outcome == Outcome.ADOPTED

    @property
    def outcome_words(self) -> str:
        """The outcome in words ("Adopted", "No quorum", …)."""
        return OUTCOME_WORDS[self.outcome]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: enums as values, Fractions as exact strings, times in ISO 8601."""

        def conv(v: Any) -> Any:
            if isinstance(v, StrEnum):
                return v.value
            if isinstance(v, Fraction):
                return str(v)
            if isinstance(v, datetime):
                return v.isoformat()
            if isinstance(v, Threshold):
                return {"fraction": str(v.fraction), "strict": v.strict, "words": v.words}
            if isinstance(v, EscalationStep):
                return {k: conv(x) for k, x in v.__dict__.items()}
            if isinstance(v, tuple):
                return [conv(x) for x in v]
            return v

        out = {k: conv(v) for k, v in self.__dict__.items()}
        out["outcome_words"] = self.outcome_words
        return out


# --------------------------------------------------------------------------- checking input


@dataclass
class _Count:
    weights: dict[str, Fraction]
    ballots: dict[str, Ballot]
    present: set[str]
    late: list[str] = field(default_factory=list)

    def w(self, parties: Iterable[str]) -> Fraction:
        return sum((self.weights[p] for p in parties), Fraction(0))

    def with_choice(self, *choices: Choice) -> list[str]:
        return [p for p in self.weights if p in self.ballots and self.ballots[p].choice in choices]


def _weights(eligible: Iterable[str] | Mapping[str, Any]) -> dict[str, Fraction]:
    out: dict[str, Fraction] = {}
    if isinstance(eligible, Mapping):
        items = list(eligible.items())
    else:
        if isinstance(eligible, str):
            raise RuleError("eligible parties must be a list of codes, not one string")
        items = [(p, 1) for p in eligible]
    for party, raw in items:
        if party in out:
            raise RuleError(f"party {party} is listed twice among the eligible parties")
        if isinstance(raw, bool):
            raise RuleError(f"weight of {party} must be a number, not {raw!r}")
        try:
            wt = Fraction(str(raw)) if isinstance(raw, float) else Fraction(raw)
        except (TypeError, ValueError) as exc:
            raise RuleError(f"weight of {party} must be a number, not {raw!r}") from exc
        if wt <= 0:
            raise RuleError(f"weight of {party} must be above zero (got {_num(wt)})")
        out[party] = wt
    if not out:
        raise RuleError("there are no eligible parties")
    return out


def _ballots(ballots: Iterable[Ballot]) -> list[Ballot]:
    out = []
    for b in ballots:
        if not isinstance(b, Ballot):
            raise RuleError(f"expected a Ballot, got {type(b).__name__}")
        out.append(b)
    return out


def _check(
    proc: Procedure,
    eligible: Iterable[str] | Mapping[str, Any],
    ballots: Iterable[Ballot],
    present: Iterable[str] | None,
    now: datetime,
) -> _Count:
    _aware(now, "current time")
    weights = _weights(eligible)
    rule = Rule(proc.rule)
    if isinstance(proc.quorum, int) and proc.quorum > len(weights):
        raise RuleError(
            f"quorum {proc.quorum} is above the {len(weights)} eligible "
            f"{_plural(len(weights), 'party', 'parties')}"
        )
    if proc.confirming is not None:
        for p in proc.confirming:
            if p not in weights:
                raise RuleError(f"party {p} must confirm but is not an eligible party")
    by_party: dict[str, Ballot] = {}
    held: dict[str, int] = {}
    late: list[str] = []
    for b in _ballots(ballots):
        if b.party not in weights:
            raise RuleError(f"ballot from {b.party}, which is not an eligible party")
        if b.party in by_party:
            raise RuleError(f"two ballots for {b.party}")
        if b.choice not in _ALLOWED[rule]:
            words = ", ".join(sorted(c.value for c in _ALLOWED[rule]))
            raise RuleError(
                f"ballot of {b.party}: '{b.choice.value}' is not an answer under the "
                f"{_RULE_WORDS[rule]} ({words})"
            )
        if b.by is not None:
            if b.by == b.party:
                raise RuleError(f"{b.party} cannot hold its own proxy")
            held[b.by] = held.get(b.by, 0) + 1
            if proc.max_proxies is not None and held[b.by] > proc.max_proxies:
                raise RuleError(
                    f"{b.by} holds {held[b.by]} proxies; the limit is {proc.max_proxies}"
                )
        at = b.cast_at or now
        _aware(at, f"time of {b.party}'s ballot")
        if at > now:
            raise RuleError(f"ballot of {b.party} is dated {_when(at)}, after now ({_when(now)})")
        if proc.opens_at and at < proc.opens_at:
            raise RuleError(
                f"ballot of {b.party} at {_when(at)} is before the opening ({_when(proc.opens_at)})"
            )
        if rule == Rule.SILENCE and b.choice in _BREAKS_SILENCE and not b.written:
            raise RuleError(
                f"breaking silence requires a written objection or an amendment: "
                f"{b.party}'s {'objection' if b.choice == Choice.OBJECT else 'amendment'} "
                "has no text"
            )
        if proc.closes_at and at > proc.closes_at:
            if rule == Rule.SILENCE:
                if b.choice in _BREAKS_SILENCE:
                    late.append(b.party)
                continue  # not counted: silence expired before it arrived
            if rule == Rule.AD_REFERENDUM:
                late.append(b.party)
            else:
                raise RuleError(
                    f"vote of {b.party} at {_when(at)} is after the close ({_when(proc.closes_at)})"
                )
        by_party[b.party] = b
    here = {p for p in (present or ()) if p in weights} | set(by_party)
    return _Count(weights, by_party, here, late)


def _quorum_required(proc: Procedure, n: int) -> int | None:
    q = proc.quorum
    if q is None:
        return None
    if isinstance(q, Fraction):
        return math.ceil(q * n)
    return int(q)


# --------------------------------------------------------------------------- deciding


def decide(
    procedure: Procedure,
    eligible: Iterable[str] | Mapping[str, Any],
    ballots: Iterable[Ballot],
    *,
    now: datetime,
    present: Iterable[str] | None = None,
) -> Verdict:
    """Compute the verdict of ``procedure`` on ``ballots`` at ``now``.

    ``eligible`` is a list of party codes (one vote each) or a mapping code → weight. ``present``
    lists the parties present (others are ignored); parties with a ballot are always present.
    Raises :class:`RuleError` naming the fault for bad input (see the module docstring).
    """
    proc = procedure
    c = _check(proc, eligible, ballots, present, now)
    rule = Rule(proc.rule)
    if rule == Rule.SILENCE:
        return _silence(proc, c, now)
    if rule == Rule.AD_REFERENDUM:
        return _ad_referendum(proc, c, now)
    return _vote(proc, c, now)


def _common(c: _Count) -> dict[str, Any]:
    agree = c.with_choice(Choice.AGREE, Choice.CONFIRM)
    against = c.with_choice(Choice.DISAGREE, Choice.DECLINE)
    abstain = c.with_choice(Choice.ABSTAIN)
    invalid = c.with_choice(Choice.INVALID)
    objecting = c.with_choice(*_OBJECTIONS, Choice.AMEND)
    missing = [p for p in c.weights if p not in c.ballots]
    return {
        "eligible": len(c.weights),
        "in_favour": len(agree),
        "against": len(against),
        "abstained": len(abstain),
        "invalid": len(invalid),
        "objections": len(objecting),
        "not_voted": len(missing),
        "by_proxy": sum(1 for b in c.ballots.values() if b.proxy),
        "weighted": any(wt != 1 for wt in c.weights.values()),
        "weight_eligible": c.w(c.weights),
        "weight_in_favour": c.w(agree),
        "weight_against": c.w(against),
        "weight_abstained": c.w(abstain),
        "weight_invalid": c.w(invalid),
        "weight_not_voted": c.w(missing),
        "objecting": tuple(objecting),
        "awaiting": tuple(missing),
        "late": tuple(c.late),
    }


def _counts_words(n: dict[str, Any], *, unanimity: bool = False) -> str:
    """ "5 of 6 eligible parties agreed, 1 disagreed, 1 abstained, 1 did not vote (2 by proxy)"."""
    e = n["eligible"]
    parts = [f"{n['in_favour']} of {e} eligible {_plural(e, 'party', 'parties')} agreed"]
    if n["against"]:
        parts.append(f"{n['against']} disagreed")
    if n["objections"]:
        parts.append(f"{n['objections']} objected formally")
    if n["abstained"]:
        parts.append(f"{n['abstained']} abstained")
    if n["invalid"]:
        parts.append(
            f"{n['invalid']} cast {_plural(n['invalid'], 'an invalid ballot', 'invalid ballots')}"
        )
    if n["not_voted"]:
        verb = "did not answer" if unanimity else "did not vote"
        parts.append(f"{n['not_voted']} {verb}")
    text = ", ".join(parts)
    if n["by_proxy"]:
        text += f" ({n['by_proxy']} by proxy)"
    return text


_BASE_WORDS = {
    Base.CAST: "votes cast",
    Base.VALID: "valid votes",
    Base.VOTING: "votes for and against",
    Base.PRESENT: "parties present",
    Base.ELIGIBLE: "eligible parties",
}


def _quorum(proc: Procedure, c: _Count) -> tuple[int | None, int, bool | None, str]:
    required = _quorum_required(proc, len(c.weights))
    here = len(c.present)
    if required is None:
        return None, here, None, ""
    met = here >= required
    words = f"quorum {required} {'met' if met else 'not met'} ({here} present)"
    return required, here, met, words


def _vote(proc: Procedure, c: _Count, now: datetime) -> Verdict:
    """Consensus, unanimity and majority votes."""
    rule = Rule(proc.rule)
    n = _common(c)
    closed = proc.closes_at is None or now >= proc.closes_at
    required, here, met, qwords = _quorum(proc, c)
    q = {"quorum_required": required, "quorum_present": here, "quorum_met": met}
    until = f" until {_when(proc.closes_at)}" if proc.closes_at and not closed else ""
    next_check = None if closed else proc.closes_at

    def verdict(outcome: Outcome, final: bool, text: str, **extra: Any) -> Verdict:
        if qwords and outcome != Outcome.NO_QUORUM:
            text = f"{text}; {qwords}"
        return Verdict(
            rule=rule,
            outcome=outcome,
            final=final,
            arithmetic=text + ".",
            closes_at=proc.closes_at,
            next_check_at=next_check,
            **n,
            **q,
            **extra,
        )

    if closed and met is False:
        e = len(c.weights)
        extra = _majority_numbers(proc, c, n)[0] if rule == Rule.MAJORITY else {}
        return verdict(
            Outcome.NO_QUORUM,
            True,
            f"No quorum: {here} of {e} eligible {_plural(e, 'party', 'parties')} present, "
            f"{required} required; the vote does not count ({_counts_words(n)})",
            **extra,
        )

    if rule == Rule.CONSENSUS:
        objections = n["objections"]
        if objections:
            so_far = "" if closed else f" (so far; the vote closes {_when(proc.closes_at)})"
            return verdict(
                Outcome.REJECTED,
                closed,
                f"Not adopted{so_far}: {objections} of {n['eligible']} eligible "
                f"{_plural(n['eligible'], 'party', 'parties')} objected formally; "
                f"consensus means no formal objection ({_counts_words(n)})",
            )
        if not closed:
            return verdict(
                Outcome.PENDING,
                False,
                f"Pending{until}: no formal objection so far ({_counts_words(n)})",
            )
        return verdict(
            Outcome.ADOPTED,
            True,
            f"Adopted by consensus: no formal objection from the {n['eligible']} eligible "
            f"{_plural(n['eligible'], 'party', 'parties')} ({_counts_words(n)})",
        )

    if rule == Rule.UNANIMITY:
        e = n["eligible"]
        everyone = f"unanimity needs all {e} to agree"
        if n["in_favour"] == e:
            return verdict(
                Outcome.ADOPTED,
                closed,
                f"Adopted unanimously: all {e} eligible {_plural(e, 'party', 'parties')} agreed"
                + (f" (so far; the vote closes {_when(proc.closes_at)})" if not closed else ""),
            )
        refused = n["against"] + n["objections"] + n["abstained"]
        note = " (an abstention is not agreement)" if n["abstained"] else ""
        if refused:
            so_far = "" if closed else f" (so far; the vote closes {_when(proc.closes_at)})"
            return verdict(
                Outcome.REJECTED,
                closed,
                f"Not adopted{so_far}: {_counts_words(n, unanimity=True)}; {everyone}{note}",
            )
        if not closed:
            return verdict(
                Outcome.PENDING,
                False,
                f"Pending{until}: {_counts_words(n, unanimity=True)}; {everyone}",
            )
        return verdict(
            Outcome.REJECTED, True, f"Not adopted: {_counts_words(n, unanimity=True)}; {everyone}"
        )

    # majority / qualified majority
    extra, tally, passed = _majority_numbers(proc, c, n)
    body = f"{_counts_words(n)}; {tally}"
    if not closed:
        return verdict(Outcome.PENDING, False, f"Pending{until}: so far {body}", **extra)
    if passed:
        return verdict(Outcome.ADOPTED, True, f"Adopted: {body}", **extra)
    return verdict(Outcome.REJECTED, True, f"Not adopted: {body}", **extra)


def _majority_numbers(
    proc: Procedure, c: _Count, n: dict[str, Any]
) -> tuple[dict[str, Any], str, bool]:
    """Base weight, share and threshold of a majority vote, the tally in words, and whether it passed."""
    base = Base(proc.base)
    base_weight = {
        Base.CAST: n["weight_in_favour"]
        + n["weight_against"]
        + n["weight_abstained"]
        + n["weight_invalid"],
        Base.VALID: n["weight_in_favour"] + n["weight_against"] + n["weight_abstained"],
        Base.VOTING: n["weight_in_favour"] + n["weight_against"],
        Base.PRESENT: c.w(c.present),
        Base.ELIGIBLE: n["weight_eligible"],
    }[base]
    share = n["weight_in_favour"] / base_weight if base_weight else None
    passed = share is not None and proc.threshold.passed(share)
    extra = {
        "base": base,
        "base_weight": base_weight,
        "share": share,
        "threshold": proc.threshold,
    }
    unit = _BASE_WORDS[base]
    if n["weighted"] and base in (Base.PRESENT, Base.ELIGIBLE):
        unit = f"weighted votes of the {unit}"
    elif n["weighted"]:
        unit = f"weighted {unit}"
    if base_weight:
        tally = (
            f"{_num(n['weight_in_favour'])} in favour out of {_num(base_weight)} {unit} "
            f"({fraction_words(share)}), {proc.threshold.words} needed"
        )
    else:
        tally = f"no {unit} to count, {proc.threshold.words} needed"
    return extra, tally, passed


def _silence(proc: Procedure, c: _Count, now: datetime) -> Verdict:
    assert proc.closes_at is not None
    n = _common(c)
    expiry = _when(proc.closes_at)
    e = n["eligible"]
    late = ""
    if c.late:
        late = (
            f"; {len(c.late)} {_plural(len(c.late), 'objection', 'objections')} after the "
            "expiry not counted"
        )
    common = {"rule": Rule.SILENCE, "closes_at": proc.closes_at, **n}
    if n["objections"]:
        amend = len(c.with_choice(Choice.AMEND))
        objs = n["objections"] - amend
        what = []
        if objs:
            what.append(f"{objs} written {_plural(objs, 'objection', 'objections')}")
        if amend:
            what.append(f"{amend} {_plural(amend, 'amendment', 'amendments')}")
        return Verdict(
            outcome=Outcome.BROKEN,
            final=True,
            arithmetic=(
                f"Silence broken: {' and '.join(what)} from {n['objections']} of {e} eligible "
                f"{_plural(e, 'party', 'parties')} before the expiry ({expiry}); the text is not "
                f"adopted{late}."
            ),
            **common,
        )
    if now < proc.closes_at:
        return Verdict(
            outcome=Outcome.PENDING,
            final=False,
            arithmetic=f"Pending: silence holds so far; adopted at {expiry} unless an eligible "
            "party objects in writing or proposes an amendment.",
            next_check_at=proc.closes_at,
            **common,
        )
    return Verdict(
        outcome=Outcome.ADOPTED,
        final=True,
        arithmetic=(
            f"Adopted under the silence procedure: none of the {e} eligible "
            f"{_plural(e, 'party', 'parties')} broke silence before the expiry ({expiry}){late}."
        ),
        **common,
    )


def _ad_referendum(proc: Procedure, c: _Count, now: datetime) -> Verdict:
    assert proc.closes_at is not None
    deadline = proc.closes_at
    must = list(proc.confirming) if proc.confirming is not None else list(c.weights)
    n = _common(c)
    confirmed = [p for p in must if p in c.ballots and c.ballots[p].choice == Choice.CONFIRM]
    declined = [p for p in must if p in c.ballots and c.ballots[p].choice == Choice.DECLINE]
    awaited = [p for p in must if p not in c.ballots]
    n["in_favour"], n["against"], n["not_voted"] = len(confirmed), len(declined), len(awaited)
    n["weight_in_favour"], n["weight_against"] = c.w(confirmed), c.w(declined)
    n["weight_not_voted"] = c.w(awaited)
    n["awaiting"], n["objecting"] = tuple(awaited), tuple(declined)
    m = len(must)
    caps = _plural(m, "capital", "capitals")
    late = f" ({len(c.late)} after the deadline)" if c.late else ""
    common = {"rule": Rule.AD_REFERENDUM, "closes_at": deadline, **n}
    if declined:
        return Verdict(
            outcome=Outcome.LAPSED,
            final=True,
            arithmetic=(
                f"Lapsed: {len(declined)} of {m} {caps} declined to confirm the text agreed ad "
                f"referendum ({len(confirmed)} confirmed{late}, {len(awaited)} awaited)."
            ),
            **common,
        )
    if not awaited:
        return Verdict(
            outcome=Outcome.ADOPTED,
            final=True,
            arithmetic=f"Adopted, final: all {m} {caps} confirmed the text agreed ad "
            f"referendum{late}.",
            **common,
        )
    steps = (
        EscalationStep(
            "reminder",
            deadline + proc.reminder_after,
            now >= deadline + proc.reminder_after and now > deadline,
            tuple(awaited),
        ),
        EscalationStep(
            "chair_notice",
            deadline + proc.chair_notice_after,
            now >= deadline + proc.chair_notice_after and now > deadline,
            tuple(awaited),
        ),
    )
    upcoming = [s.due_at for s in steps if not s.due]
    next_check = min([deadline, *upcoming]) if now <= deadline else min(upcoming, default=None)
    tally = f"{len(confirmed)} of {m} {caps} confirmed{late}, {len(awaited)} awaited"
    if now <= deadline:
        return Verdict(
            outcome=Outcome.PENDING,
            final=False,
            arithmetic=f"Pending: {tally}; confirmations are due by {_when(deadline)}.",
            escalation=steps,
            next_check_at=next_check,
            **common,
        )
    rem, chair = steps
    if chair.due:
        esc = (
            f"a reminder due since {_when(rem.due_at)} and a notice to the chair due since "
            f"{_when(chair.due_at)}"
        )
    elif rem.due:
        esc = (
            f"a reminder due since {_when(rem.due_at)}; notice to the chair from "
            f"{_when(chair.due_at)}"
        )
    else:
        esc = f"a reminder from {_when(rem.due_at)}, notice to the chair from {_when(chair.due_at)}"
    return Verdict(
        outcome=Outcome.OVERDUE,
        final=False,
        arithmetic=f"Overdue since {_when(deadline)}: {tally}; {esc}.",
        escalation=steps,
        next_check_at=next_check,
        **common,
    )


def approve(
    rule: Rule | str,
    allies: Iterable[str],
    responses: Iterable[Ballot] | Mapping[str, Any],
    deadline: datetime | None,
    now: datetime,
    *,
    opened_at: datetime | None = None,
) -> Verdict:
    """Approval of a joint public line by the allies, under unanimity or the silence procedure.

    ``responses`` is a list of :class:`Ballot` or a mapping party → answer (a :class:`Choice`, its
    value, or a Ballot). Under silence, an objection must carry an amendment text (the wording the
    objecting ally proposes instead), so the line can be revised; an objection without one is
    refused with :class:`RuleError`.
    """
    try:
        kind = Rule(rule)
    except ValueError as exc:
        raise RuleError(f"unknown approval rule {rule!r} (unanimity or silence)") from exc
    if kind not in (Rule.UNANIMITY, Rule.SILENCE):
        raise RuleError(f"a joint line is approved by unanimity or silence, not {kind.value}")
    if isinstance(responses, Mapping):
        ballots = []
        for party, answer in responses.items():
            if isinstance(answer, Ballot):
                if answer.party != party:
                    raise RuleError(f"response filed under {party} is {answer.party}'s ballot")
                ballots.append(answer)
            else:
                ballots.append(Ballot(party, answer))
    else:
        ballots = _ballots(responses)
    if kind == Rule.SILENCE:
        for b in ballots:
            if b.choice in _BREAKS_SILENCE and not b.amendment.strip():
                raise RuleError(
                    f"{b.party}'s objection under the silence procedure must carry an "
                    "amendment text"
                )
    proc = Procedure(kind, opens_at=opened_at, closes_at=deadline)
    return decide(proc, list(allies), ballots, now=now)


# =========================================================================== polls (Loomio)


def _voter_key(v: Hashable) -> str:
    return str(v)


def _check_options(options: Sequence[Hashable], what: str = "option") -> tuple[Hashable, ...]:
    opts = tuple(options)
    if not opts:
        raise RuleError(f"a poll needs at least one {what}")
    if len(set(opts)) != len(opts):
        raise RuleError(f"an {what} is listed twice")
    return opts


@dataclass(frozen=True)
class ProposalResult:
    """A Loomio proposal: counts per answer; a block means the proposal should not go ahead."""

    counts: Mapping[str, int]
    voters: int
    blocked: bool
    agree_share: Fraction | None
    sentence: str


def proposal_poll(votes: Mapping[Hashable, str | Choice]) -> ProposalResult:
    """Count a proposal poll (agree / abstain / disagree / block), one answer per voter."""
    order = (Choice.AGREE, Choice.ABSTAIN, Choice.DISAGREE, Choice.BLOCK)
    counts = dict.fromkeys((c.value for c in order), 0)
    for voter, raw in votes.items():
        try:
            ch = Choice(raw)
        except ValueError:
            ch = None
        if ch not in order:
            raise RuleError(
                f"{_voter_key(voter)}: {raw!r} is not a proposal answer (agree, abstain, "
                "disagree, block)"
            )
        counts[ch.value] += 1
    total = len(votes)
    share = Fraction(counts["agree"], total) if total else None
    if not total:
        sentence = "No votes yet."
    else:
        words = {"agree": "agreed", "abstain": "abstained", "disagree": "disagreed"}
        parts = [f"{counts['agree']} of {total} agreed"] + [
            f"{counts[k]} {words[k]}" for k in ("abstain", "disagree") if counts[k]
        ]
        b = counts["block"]
        block = (
            f"{b} {_plural(b, 'block', 'blocks')}: the proposal should not go ahead as it stands"
            if b
            else "no block"
        )
        sentence = f"{', '.join(parts)}; {block}."
    return ProposalResult(counts, total, counts["block"] > 0, share, sentence)


@dataclass(frozen=True)
class ConsentResult:
    """A consent poll: consented when nobody objects."""

    consent: int
    objection: int
    consented: bool
    sentence: str


def consent_poll(votes: Mapping[Hashable, str]) -> ConsentResult:
    """Count a consent poll (consent / objection)."""
    yes = no = 0
    for voter, raw in votes.items():
        if raw == "consent":
            yes += 1
        elif raw == "objection":
            no += 1
        else:
            raise RuleError(f"{_voter_key(voter)}: {raw!r} is not 'consent' or 'objection'")
    if no:
        sentence = f"Not consented: {no} {_plural(no, 'objection', 'objections')}, {yes} consent."
    elif yes:
        sentence = (
            f"Consented: no objection from {yes} {_plural(yes, 'participant', 'participants')}."
        )
    else:
        sentence = "No answers yet."
    return ConsentResult(yes, no, yes > 0 and no == 0, sentence)


@dataclass(frozen=True)
class ChooseOneResult:
    """Choose one: votes per option (in the options' order) and the leading option(s)."""

    counts: Mapping[Hashable, int]
    voters: int
    winners: tuple[Hashable, ...]
    sentence: str


def choose_one(options: Sequence[Hashable], votes: Mapping[Hashable, Hashable]) -> ChooseOneResult:
    """Count a choose-one poll; a tie for first place is reported as a tie."""
    opts = _check_options(options)
    counts = dict.fromkeys(opts, 0)
    for voter, choice in votes.items():
        if choice not in counts:
            raise RuleError(f"{_voter_key(voter)} chose {choice!r}, which is not an option")
        counts[choice] += 1
    total = len(votes)
    top = max(counts.values())
    winners = tuple(o for o in opts if counts[o] == top) if total else ()
    if not total:
        sentence = "No votes yet."
    elif len(winners) == 1:
        sentence = f"{winners[0]} leads with {top} of {total} votes ({fraction_words(Fraction(top, total))})."
    else:
        names = ", ".join(str(w) for w in winners)
        sentence = f"Tie: {names} have {top} of {total} votes each."
    return ChooseOneResult(counts, total, winners, sentence)


@dataclass(frozen=True)
class ScoreResult:
    """Score poll (0–5): per option the exact mean and the distribution (count of each score)."""

    means: Mapping[Hashable, Fraction | None]
    distribution: Mapping[Hashable, tuple[int, ...]]
    voters: int
    ranking: tuple[Hashable, ...]
    sentence: str


def score_poll(
    options: Sequence[Hashable],
    scores: Mapping[Hashable, Mapping[Hashable, int]],
    *,
    top: int = 5,
) -> ScoreResult:
    """Score poll: each voter scores options from 0 to ``top`` (whole numbers); options a voter
    left unscored do not count for that option's mean. Ranking: mean, then more scores, then
    the options' order."""
    opts = _check_options(options)
    dist = {o: [0] * (top + 1) for o in opts}
    for voter, row in scores.items():
        for opt, s in row.items():
            if opt not in dist:
                raise RuleError(f"{_voter_key(voter)} scored {opt!r}, which is not an option")
            if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= top:
                raise RuleError(
                    f"{_voter_key(voter)} gave {opt} the score {s!r}; scores are whole numbers "
                    f"from 0 to {top}"
                )
            dist[opt][s] += 1
    means: dict[Hashable, Fraction | None] = {}
    for o in opts:
        k = sum(dist[o])
        means[o] = Fraction(sum(i * c for i, c in enumerate(dist[o])), k) if k else None
    ranking = tuple(
        sorted(
            opts,
            key=lambda o: (
                -(means[o] if means[o] is not None else Fraction(-1)),
                -sum(dist[o]),
                opts.index(o),
            ),
        )
    )
    if not scores or all(m is None for m in means.values()):
        sentence = "No scores yet."
    else:
        best = ranking[0]
        k = sum(dist[best])
        spread = ", ".join(f"{i}: {c}" for i, c in enumerate(dist[best]) if c)
        sentence = (
            f"{best} scores highest: mean {_decimal(means[best], 1)} of {top} from {k} "
            f"{_plural(k, 'voter', 'voters')} (scores {spread})."
        )
    return ScoreResult(
        means, {o: tuple(d) for o, d in dist.items()}, len(scores), ranking, sentence
    )


# --------------------------------------------------------------------------- ranked choice


@dataclass(frozen=True)
class IrvRound:
    """One instant-runoff round: first preferences among continuing options, exhausted ballots,
    the option eliminated (None in the last round) and how a tie for last place was broken."""

    counts: Mapping[Hashable, int]
    exhausted: int
    eliminated: Hashable | None
    tie_break: str | None


@dataclass(frozen=True)
class RankedResult:
    """Ranked-choice result. ``winner`` is None on an unbroken tie (then ``winners`` holds all)."""

    method: str
    options: tuple[Hashable, ...]
    ballots: int
    winner: Hashable | None
    winners: tuple[Hashable, ...]
    ranking: tuple[Hashable, ...]
    rounds: tuple[IrvRound, ...] = ()
    pairwise: Mapping[tuple[Hashable, Hashable], int] = field(default_factory=dict)
    strongest: Mapping[tuple[Hashable, Hashable], int] = field(default_factory=dict)
    tie_breaks: tuple[str, ...] = ()
    sentence: str = ""


def _rankings(
    options: Sequence[Hashable], ballots: Iterable[Sequence[Hashable]]
) -> tuple[tuple[Hashable, ...], list[tuple[Hashable, ...]]]:
    opts = _check_options(options)
    known = set(opts)
    out = []
    for i, b in enumerate(ballots, 1):
        r = tuple(b)
        for o in r:
            if o not in known:
                raise RuleError(f"ballot {i} ranks {o!r}, which is not an option")
        if len(set(r)) != len(r):
            raise RuleError(f"ballot {i} ranks an option twice")
        out.append(r)
    return opts, out


def instant_runoff(
    options: Sequence[Hashable], ballots: Iterable[Sequence[Hashable]]
) -> RankedResult:
    """Instant-runoff voting on ranked ballots (best first; unranked options are not preferred).

    Each round counts every ballot for its highest-ranked continuing option; an option with more
    than half of the ballots not yet exhausted wins; otherwise the option with fewest votes is
    eliminated. **Tie-break for last place**: the tied option with fewer votes in the most recent
    earlier round where they differed is eliminated ("backwards" tie-breaking); if they never
    differed, the one listed last among ``options`` is eliminated, and the round says so. When
    every continuing option is tied and no earlier round separates them, the result is a tie
    (``winner`` None) left to the body (e.g. to draw lots).
    """
    opts, ranks = _rankings(options, ballots)
    continuing = list(opts)
    rounds: list[IrvRound] = []
    history: list[dict[Hashable, int]] = []
    eliminated: list[Hashable] = []
    notes: list[str] = []
    total = len(ranks)
    while True:
        counts = dict.fromkeys(continuing, 0)
        exhausted = 0
        for r in ranks:
            top = next((o for o in r if o in counts), None)
            if top is None:
                exhausted += 1
            else:
                counts[top] += 1
        active = total - exhausted
        lead = max(counts.values())
        leader = next(o for o in continuing if counts[o] == lead)
        if len(continuing) == 1 or (active and 2 * lead > active):
            rounds.append(IrvRound(counts, exhausted, None, None))
            ranking = (leader, *[o for o in continuing if o != leader], *reversed(eliminated))
            sentence = (
                f"{leader} wins by instant-runoff in round {len(rounds)} with {lead} of {active} "
                f"continuing votes ({fraction_words(Fraction(lead, active or 1))})"
            )
            if eliminated:
                sentence += f"; eliminated in turn: {', '.join(str(o) for o in eliminated)}"
            sentence += f"; {total} {_plural(total, 'ballot', 'ballots')}."
            return RankedResult(
                "instant-runoff",
                opts,
                total,
                leader,
                (leader,),
                ranking,
                rounds=tuple(rounds),
                tie_breaks=tuple(notes),
                sentence=sentence,
            )
        low = min(counts.values())
        tied = [o for o in continuing if counts[o] == low]
        note = None
        if len(tied) > 1:
            for prev in reversed(history):
                least = min(prev[o] for o in tied)
                narrowed = [o for o in tied if prev[o] == least]
                if len(narrowed) < len(tied):
                    tied = narrowed
                    if len(tied) == 1:
                        break
            if len(tied) > 1 and len(tied) == len(continuing):
                rounds.append(IrvRound(counts, exhausted, None, None))
                ranking = (*tied, *reversed(eliminated))
                names = ", ".join(str(o) for o in tied)
                sentence = (
                    f"Tie by instant-runoff between {names} in round {len(rounds)} "
                    f"({low} votes each); the body breaks it (e.g. by lot)."
                )
                return RankedResult(
                    "instant-runoff",
                    opts,
                    total,
                    None,
                    tuple(tied),
                    ranking,
                    rounds=tuple(rounds),
                    tie_breaks=tuple(notes),
                    sentence=sentence,
                )
            if len(tied) > 1:
                out = tied[-1]
                note = (
                    f"round {len(rounds) + 1}: {', '.join(str(o) for o in tied)} tied for last "
                    f"in every round; {out} eliminated as the one listed last"
                )
            else:
                out = tied[0]
                note = (
                    f"round {len(rounds) + 1}: tie for last place broken by an earlier round; "
                    f"{out} eliminated"
                )
            notes.append(note)
        else:
            out = tied[0]
        rounds.append(IrvRound(counts, exhausted, out, note))
        history.append(counts)
        eliminated.append(out)
        continuing.remove(out)


def schulze(options: Sequence[Hashable], ballots: Iterable[Sequence[Hashable]]) -> RankedResult:
    """The Schulze method (beatpath) on ranked ballots (best first; unranked options tie last).

    ``pairwise[(x, y)]`` is the number of voters preferring x to y; the strongest path strength
    ``strongest[(x, y)]`` is the widest path over links where d[x, y] > d[y, x] (winning votes),
    computed Floyd–Warshall style. x is a winner when strongest[x, y] >= strongest[y, x] for all
    y. The ranking orders options by how many they beat on strongest paths (a transitive
    relation), options tied in that order keep the options' order. **Tie-break**: when several
    options are winners, ``winner`` is None and ``winners`` lists them: the body breaks the tie
    (e.g. by lot); no arbitrary pick is made.
    """
    opts, ranks = _rankings(options, ballots)
    d = {(x, y): 0 for x in opts for y in opts if x != y}
    for r in ranks:
        pos = {o: i for i, o in enumerate(r)}
        last = len(r)
        for x in opts:
            px = pos.get(x, last)
            for y in opts:
                if x != y and px < pos.get(y, last):
                    d[(x, y)] += 1
    p = {k: (v if v > d[(k[1], k[0])] else 0) for k, v in d.items()}
    for i in opts:
        for j in opts:
            if j == i:
                continue
            for k in opts:
                if k in (i, j):
                    continue
                p[(j, k)] = max(p[(j, k)], min(p[(j, i)], p[(i, k)]))
    winners = tuple(x for x in opts if all(p[(x, y)] >= p[(y, x)] for y in opts if y != x))
    beats = {x: sum(1 for y in opts if y != x and p[(x, y)] > p[(y, x)]) for x in opts}
    ranking = tuple(sorted(opts, key=lambda x: (-beats[x], opts.index(x))))
    total = len(ranks)
    order = ", ".join(str(o) for o in ranking)
    if len(winners) == 1:
        w = winners[0]
        sentence = (
            f"{w} wins by the Schulze method: its strongest paths beat every other option's "
            f"(ranking {order}); {total} {_plural(total, 'ballot', 'ballots')}."
        )
    else:
        names = ", ".join(str(o) for o in winners)
        sentence = (
            f"Tie by the Schulze method between {names}; the body breaks it (e.g. by lot); "
            f"{total} {_plural(total, 'ballot', 'ballots')}."
        )
    return RankedResult(
        "schulze",
        opts,
        total,
        winners[0] if len(winners) == 1 else None,
        winners,
        ranking,
        pairwise=d,
        strongest=p,
        sentence=sentence,
    )


def ranked_choice(
    options: Sequence[Hashable],
    ballots: Iterable[Sequence[Hashable]],
    method: str = "instant-runoff",
) -> RankedResult:
    """Ranked-choice poll counted by a named method: "instant-runoff" (or "irv") or "schulze"."""
    m = method.lower().replace("_", "-")
    if m in ("instant-runoff", "irv"):
        return instant_runoff(options, ballots)
    if m == "schulze":
        return schulze(options, ballots)
    raise RuleError(f"unknown counting method {method!r} (instant-runoff or schulze)")


# --------------------------------------------------------------------------- dot vote, time poll


@dataclass(frozen=True)
class DotVoteResult:
    """Dot vote: dots per option, the budget per voter, and the option(s) with most dots."""

    totals: Mapping[Hashable, int]
    budget: int
    voters: int
    dots_used: int
    winners: tuple[Hashable, ...]
    sentence: str


def dot_vote(
    options: Sequence[Hashable],
    votes: Mapping[Hashable, Mapping[Hashable, int]],
    *,
    budget: int = 8,
) -> DotVoteResult:
    """Dot vote (Loomio default: 8 dots each): a voter spreads at most ``budget`` dots."""
    opts = _check_options(options)
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise RuleError(f"dot budget {budget!r} must be a whole number of at least 1")
    totals = dict.fromkeys(opts, 0)
    for voter, row in votes.items():
        spent = 0
        for opt, dots in row.items():
            if opt not in totals:
                raise RuleError(f"{_voter_key(voter)} put dots on {opt!r}, which is not an option")
            if isinstance(dots, bool) or not isinstance(dots, int) or dots < 0:
                raise RuleError(
                    f"{_voter_key(voter)} put {dots!r} dots on {opt}; dots are 0 or more"
                )
            spent += dots
        if spent > budget:
            raise RuleError(f"{_voter_key(voter)} spent {spent} dots; the budget is {budget}")
        for opt, dots in row.items():
            totals[opt] += dots
    used = sum(totals.values())
    top = max(totals.values())
    winners = tuple(o for o in opts if totals[o] == top) if used else ()
    if not used:
        sentence = "No dots placed yet."
    elif len(winners) == 1:
        sentence = (
            f"{winners[0]} has most dots: {top} of {used} placed by {len(votes)} "
            f"{_plural(len(votes), 'voter', 'voters')} ({budget} dots each)."
        )
    else:
        sentence = f"Tie: {', '.join(str(w) for w in winners)} have {top} dots each of {used}."
    return DotVoteResult(totals, budget, len(votes), used, winners, sentence)


@dataclass(frozen=True)
class SlotResult:
    """One slot of a time poll: yes (2), if need be (1), no (0), no answer."""

    slot: Hashable
    yes: int
    if_need_be: int
    no: int
    no_answer: int

    @property
    def available(self) -> int:
        """Can attend: yes plus if need be."""
        return self.yes + self.if_need_be


@dataclass(frozen=True)
class TimePollResult:
    """Time poll: per-slot answers and the best slot."""

    slots: tuple[SlotResult, ...]
    best: Hashable | None
    sentence: str


def time_poll(
    slots: Sequence[Hashable], votes: Mapping[Hashable, Mapping[Hashable, int]]
) -> TimePollResult:
    """Time poll (Loomio 0–2 per slot: 2 yes, 1 if need be, 0 no). The best slot is the one most
    voters can attend (yes + if need be), then the one with most plain yes, then the earliest listed."""
    opts = _check_options(slots, "slot")
    tally = {s: [0, 0, 0] for s in opts}  # no, if need be, yes
    for voter, row in votes.items():
        for s, v in row.items():
            if s not in tally:
                raise RuleError(f"{_voter_key(voter)} answered for {s!r}, which is not a slot")
            if isinstance(v, bool) or v not in (0, 1, 2):
                raise RuleError(
                    f"{_voter_key(voter)} answered {v!r} for {s}; use 2 yes, 1 if need be, 0 no"
                )
            tally[s][v] += 1
    n = len(votes)
    results = tuple(
        SlotResult(s, t[2], t[1], t[0], n - sum(t)) for s, t in ((s, tally[s]) for s in opts)
    )
    if not n:
        return TimePollResult(results, None, "No answers yet.")
    best = min(results, key=lambda r: (-r.available, -r.yes, opts.index(r.slot)))
    label = _when(best.slot) if isinstance(best.slot, datetime) else str(best.slot)
    sentence = (
        f"Best slot: {label}: {best.available} of {n} can attend ({best.yes} yes, "
        f"{best.if_need_be} if need be)."
    )
    return TimePollResult(results, best.slot, sentence)
