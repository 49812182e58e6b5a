"""Deadline extraction from treaty text (pure Python, no Django).

Why: agreements state their deadlines in prose — "within thirty (30) days of the entry into
force", "no later than 14 December 1996", "by the end of June 1998", "two years after the
commencement of the scheme". Accord proposes a commitment for each such phrase so that a person
can confirm it; nothing here writes anything, and every proposal keeps the exact phrase span
and its sentence so the person sees what it was read from.

A proposal is either *relative* (an anchor event + an offset in days, weeks, months or years:
the deadline moves when the anchor's date is set or changes) or *absolute* (a calendar date).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

UNITS = ("days", "weeks", "months", "years")

_ONES = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_WORDS = {**_ONES, **_TENS, "hundred": 100}
_WORD_RE = "|".join(sorted((w for w in _WORDS if w not in ("a", "an")), key=len, reverse=True))
# "one hundred and twenty (120)", "thirty (30)", "45", "forty-five", "a", "six (6)"
NUMBER = (
    rf"(?P<num>(?:\d{{1,4}}|(?:{_WORD_RE})(?:(?:[\s-]+|\s+and\s+)(?:{_WORD_RE}))*|an?)"
    rf"(?:\s*\(\s*(?P<paren>\d{{1,4}})\s*\))?)"
)
UNIT = r"(?P<unit>days?|weeks?|months?|years?)"
MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTH_RE = "|".join(m.capitalize() for m in MONTHS)
DATE = (
    rf"(?P<date>(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MONTH_RE}),?\s+(?P<y1>\d{{4}})"
    rf"|(?P<m2>{_MONTH_RE})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})"
    rf"|(?P<iso>\d{{4}}-\d{{2}}-\d{{2}}))"
)
# the anchor: what follows "of / after / from / following", up to punctuation or a clause break
ANCHOR = (
    r"(?P<rel>of|after|from|following|since)\s+"
    r"(?P<anchor>(?:(?!\b(?:and|or|but|shall|will|would|should|may|must|is|are|was|were|be|to|at|unless|provided|which|whereupon)\b)"
    r"[^.,;:()\n])+)"
)

_PATTERNS: list[tuple[str, re.Pattern]] = [
    # "by the end of June 1998", "by the end of 1998"
    (
        "end_of",
        re.compile(
            rf"\b(?:by|before|no\s+later\s+than|not\s+later\s+than)\s+the\s+end\s+of\s+"
            rf"(?:(?P<month>{_MONTH_RE})\s+)?(?P<year>\d{{4}})\b",
            re.I,
        ),
    ),
    # "no later than 14 December 1996", "by 25 June 1998", "on or before 1 May 2027"
    (
        "absolute",
        re.compile(
            rf"\b(?P<lead>no\s+later\s+than|not\s+later\s+than|on\s+or\s+before|by|before|"
            rf"on|until)\s+(?:the\s+)?{DATE}",
            re.I,
        ),
    ),
    # "D+30", "by D+45"
    ("dplus", re.compile(r"\b(?:by\s+)?D\s*\+\s*(?P<n>\d{1,4})\b")),
    # "within thirty (30) days of the entry into force", "no later than 45 days after …",
    # "two years after the commencement of …", "for 180 days from …", "within 45 days"
    (
        "relative",
        re.compile(
            rf"\b(?P<lead>(?:with)?in|no\s+later\s+than|not\s+later\s+than|no\s+more\s+than|"
            rf"not\s+more\s+than|for(?:\s+a\s+period\s+of)?|at\s+least|up\s+to)?\s*"
            rf"{NUMBER}\s+{UNIT}(?:\s+(?:at\s+the\s+latest|thereafter))?"
            rf"(?:\s+{ANCHOR})?",
            re.I,
        ),
    ),
]

_ANCHOR_KEYS = [
    ("entry_into_force", r"entry\s+into\s+force|(?:comes?|came|entered|enters)\s+into\s+force"),
    ("transfer_of_authority", r"transfer\s+of\s+authority"),
    ("signature", r"\bsignature\b|\bsigning\b|\bsigned\b"),
    ("referendum", r"referend"),
    ("endorsement", r"endorsement"),
    ("ceasefire", r"cease[\s-]?fire"),
]


@dataclass(frozen=True)
class Proposal:
    """One deadline phrase found in a text, for a person to confirm as a commitment."""

    start: int
    end: int
    phrase: str
    kind: str  # "relative" (anchor + offset) | "absolute" (a date)
    sentence: str
    anchor: str = ""  # the anchor event as written ("the entry into force of this Agreement")
    anchor_key: str = ""  # a normalised key: signature, entry_into_force, … or a slug
    amount: int | None = None
    unit: str = ""  # days | weeks | months | years
    date: date | None = None

    @property
    def offset(self) -> str:
        """The offset in words, e.g. "30 days" (empty for absolute dates)."""
        if self.amount is None:
            return ""
        unit = self.unit if self.amount != 1 else self.unit[:-1]
        return f"{self.amount} {unit}"

    def as_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "phrase": self.phrase,
            "kind": self.kind,
            "sentence": self.sentence,
            "anchor": self.anchor,
            "anchor_key": self.anchor_key,
            "amount": self.amount,
            "unit": self.unit,
            "date": self.date.isoformat() if self.date else None,
            "offset": self.offset,
        }


def parse_number(text: str) -> int | None:
    """ "thirty (30)" → 30, "one hundred and twenty" → 120, "45" → 45, "a" → 1."""
    m = re.search(r"\(\s*(\d+)\s*\)", text)
    if m:
        return int(m.group(1))
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for word in re.split(r"[\s-]+", text):
        if word == "and" or not word:
            continue
        if word not in _WORDS:
            return None
        if word == "hundred":
            current = max(current, 1) * 100
        else:
            current += _WORDS[word]
    total += current
    return total or None


def add_offset(start: date, amount: int, unit: str) -> date:
    """A calendar offset: days and weeks exactly; months and years keep the day of the month,
    clamped to the month's last day (31 January + 1 month = 28/29 February)."""
    from datetime import timedelta

    if unit == "days":
        return start + timedelta(days=amount)
    if unit == "weeks":
        return start + timedelta(weeks=amount)
    if unit not in ("months", "years"):
        raise ValueError(f"unknown unit {unit!r}")
    months = amount * (12 if unit == "years" else 1)
    idx = start.month - 1 + months
    year, month = start.year + idx // 12, idx % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def anchor_key(anchor: str) -> str:
    """A normalised key for an anchor event as written (the same event, however phrased)."""
    low = anchor.lower()
    for key, pat in _ANCHOR_KEYS:
        if re.search(pat, low):
            return key
    words = re.findall(r"[a-z0-9]+", low)
    words = [w for w in words if w not in ("the", "this", "of", "a", "an", "its", "present")]
    return "_".join(words[:6])


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around a span (boundaries: . ; ! ? or a blank line; "D+30." is not one)."""
    left = start
    while left > 0:
        ch = text[left - 1]
        if ch in "!?;\n" or (ch == "." and (left >= len(text) or text[left].isspace())):
            break
        left -= 1
    right = end
    while right < len(text):
        ch = text[right]
        if ch in "!?;\n" or (ch == "." and (right + 1 >= len(text) or text[right + 1].isspace())):
            right += 1
            break
        right += 1
    return " ".join(text[left:right].split())


def _date_of(m: re.Match) -> date | None:
    try:
        if m.group("iso"):
            return date.fromisoformat(m.group("iso"))
        if m.group("m1"):
            d, mo, y = m.group("d1"), m.group("m1"), m.group("y1")
        else:
            d, mo, y = m.group("d2"), m.group("m2"), m.group("y2")
        return date(int(y), MONTHS[mo.lower()], int(d))
    except (ValueError, KeyError):
        return None


def _clean_anchor(anchor: str) -> str:
    anchor = " ".join(anchor.split())
    words = anchor.split(" ")
    return " ".join(words[:10])


def extract(text: str) -> list[Proposal]:
    """Every deadline phrase of a text, in text order, without overlaps (the first pattern
    that claims a span wins: an end-of-month or a date beats a bare number)."""
    text = text or ""
    taken: list[tuple[int, int]] = []
    out: list[Proposal] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for kind, pat in _PATTERNS:
        for m in pat.finditer(text):
            a, b = m.start(), m.end()
            # the leading whitespace of an optional group is not part of the phrase
            while a < b and text[a].isspace():
                a += 1
            if a >= b or not free(a, b):
                continue
            p = _proposal(kind, m, text, a, b)
            if p is None:
                continue
            taken.append((p.start, p.end))
            out.append(p)
    return sorted(out, key=lambda p: p.start)


def _proposal(kind: str, m: re.Match, text: str, a: int, b: int) -> Proposal | None:
    if kind == "end_of":
        year = int(m.group("year"))
        month = MONTHS[m.group("month").lower()] if m.group("month") else 12
        when = date(year, month, calendar.monthrange(year, month)[1])
        return Proposal(a, b, text[a:b], "absolute", _sentence(text, a, b), date=when)
    if kind == "absolute":
        when = _date_of(m)
        if when is None:
            return None
        return Proposal(a, b, text[a:b], "absolute", _sentence(text, a, b), date=when)
    if kind == "dplus":
        return Proposal(
            a,
            b,
            text[a:b],
            "relative",
            _sentence(text, a, b),
            anchor="D-Day",
            anchor_key="d_day",
            amount=int(m.group("n")),
            unit="days",
        )
    amount = parse_number(m.group("paren") or m.group("num"))
    if amount is None:
        return None
    lead = (m.group("lead") or "").strip()
    anchor = _clean_anchor(m.group("anchor") or "")
    # a bare "30 days" (no lead-in, no anchor) is a duration, not a deadline
    if not lead and not anchor:
        return None
    if m.group("num").lower() in ("a", "an") and not anchor:
        return None
    unit = m.group("unit").lower()
    unit = unit if unit.endswith("s") else unit + "s"
    if anchor:
        # the phrase ends at the anchor's last kept word (at most ten words)
        raw = m.group("anchor")
        words = list(re.finditer(r"\S+", raw))[:10]
        b = m.start("anchor") + words[-1].end()
    return Proposal(
        a,
        b,
        text[a:b],
        "relative",
        _sentence(text, a, b),
        anchor=anchor,
        anchor_key=anchor_key(anchor) if anchor else "",
        amount=amount,
        unit=unit,
    )
