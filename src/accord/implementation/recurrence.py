"""Recurring commitments ("report every quarter"): the rule, its occurrences, where it stands.

A recurring commitment keeps its rule in the commitment's `recurrence` text, in one canonical
form — "every 3 months" or "every 30 days until 2028-06-30" — so it needs no table of its own.
Its first deadline is the commitment's deadline (anchor + offset, or a date); the next ones
follow every N days, weeks, months or years until the end, if any. The occurrence due last is
met by a compliance report made after the one before it (a late report makes up for it); while
it has none, the commitment is overdue. A further report counts for the next one. Pure: dates
in, dates out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from accord.implementation.deadlines import add_offset

UNITS = ("days", "weeks", "months", "years")
SHORT = {
    "weekly": (1, "weeks"),
    "monthly": (1, "months"),
    "quarterly": (3, "months"),
    "yearly": (1, "years"),
    "annually": (1, "years"),
}
RULE = re.compile(
    r"^every\s+(?P<n>\d{1,4})\s+(?P<unit>day|week|month|year)s?"
    r"(?:\s+until\s+(?P<until>\d{4}-\d{2}-\d{2}))?$"
)
LIMIT = 5000  # occurrences looked at, at most (every day for over thirteen years)


@dataclass(frozen=True)
class Rule:
    every: int
    unit: str
    until: date | None = None

    def __str__(self) -> str:
        """The canonical text stored in the commitment."""
        out = f"every {self.every} {self.unit}"
        return out + (f" until {self.until.isoformat()}" if self.until else "")

    @property
    def words(self) -> str:
        """For people: "every 3 months, until 30 June 2028"."""
        unit = self.unit[:-1] if self.every == 1 else self.unit
        out = f"every {unit}" if self.every == 1 else f"every {self.every} {unit}"
        return out + (f", until {self.until.day} {self.until:%B %Y}" if self.until else "")


def parse(text: str | None) -> Rule | None:
    """The rule in `text` (None when blank); ValueError saying what is accepted otherwise."""
    t = " ".join((text or "").lower().split())
    if not t:
        return None
    if t in SHORT:
        return Rule(*SHORT[t])
    m = RULE.match(t)
    if m is None:
        raise ValueError(
            "a recurrence is “every N days|weeks|months|years”, optionally “until YYYY-MM-DD”, "
            f"or weekly, monthly, quarterly, yearly (got {text[:40]!r})"
        )
    n = int(m["n"])
    if n < 1:
        raise ValueError("a recurrence is every 1 or more days, weeks, months or years")
    try:
        until = date.fromisoformat(m["until"]) if m["until"] else None
    except ValueError as exc:
        raise ValueError(f"the end of the recurrence is not a date ({m['until']!r})") from exc
    return Rule(n, m["unit"] + "s", until)


def rule_of(text: str | None) -> Rule | None:
    """The rule of a stored recurrence, or None (blank, or free text from before rules)."""
    try:
        return parse(text)
    except ValueError:
        return None


def occurrences(first: date, rule: Rule, upto: date) -> list[date]:
    """Due dates from `first` up to and including `upto` (and the end of the rule)."""
    out: list[date] = []
    k = 0
    while k < LIMIT:
        d = add_offset(first, k * rule.every, rule.unit)
        if d > upto or (rule.until and d > rule.until):
            break
        out.append(d)
        k += 1
    return out


def next_after(first: date, rule: Rule, on: date) -> date | None:
    """The first due date after `on`, or None when the rule has ended."""
    k = 0
    while k < LIMIT:
        d = add_offset(first, k * rule.every, rule.unit)
        if rule.until and d > rule.until:
            return None
        if d > on:
            return d
        k += 1
    return None


@dataclass
class Occurrence:
    """Where a recurring commitment stands on a day."""

    current: date | None  # the latest due date on or before the day
    met: bool  # the current occurrence has its report
    next_due: date | None  # the next due date after the day
    next_met: bool  # a report already made for the next occurrence


def stand(first: date, rule: Rule, on: date, reported: list[date]) -> Occurrence:
    """Where it stands on `on`, given the days of the commitment's compliance reports: the
    current occurrence is met by a report made after the one before it (a late report makes
    up for it); a further report made after the current due date counts for the next one."""
    past = occurrences(first, rule, on)
    current = past[-1] if past else None
    previous = past[-2] if len(past) > 1 else None
    nxt = next_after(first, rule, on)
    if current is None:
        return Occurrence(None, True, nxt, bool(reported))
    in_window = sum((previous is None or d > previous) and d <= current for d in reported)
    after = sum(d > current for d in reported)
    met = bool(in_window or after)
    spare = after - (0 if in_window else 1)
    return Occurrence(current, met, nxt, nxt is not None and spare >= 1)
