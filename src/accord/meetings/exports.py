"""Export of a decision record: print-friendly HTML and PDF (ui.pdf, fpdf2).

The record is read through queries (the same door as the decision's page: a decision the reader
may not read, or of a meeting they may not read, is not found), people are named through
core.people, a secret vote shows who voted and not how, and each format carries the decision's
own label (the meeting's combined with the one chosen) at the top and the bottom (of every page,
in the PDF). Exporting changes nothing and is not recorded, like the
export of a negotiating text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.text import slugify

from accord.core import people
from accord.core.access import Viewer
from accord.core.errors import Invalid
from accord.core.labels import LabelValue
from accord.meetings import queries
from accord.meetings.models import Decision, DecisionNotice, Meeting
from accord.ui import pdf as ui_pdf
from accord.ui.pdf import day_words, time_words

FORMATS = ui_pdf.FORMATS
FONT_DIRS = ui_pdf.FONT_DIRS  # tests set it to [] for the core fonts (readable text)


def meeting_when(m: Meeting) -> str:
    """When a meeting was held, in its own zone: "Thursday 26 November 2026, 10:00–13:00 EET
    (Europe/Sofia)"."""
    zone = ZoneInfo(m.time_zone)
    start, end = m.starts_at.astimezone(zone), m.ends_at.astimezone(zone)
    name = f" ({m.time_zone})" if m.time_zone != "UTC" else ""
    head = f"{start:%A} {day_words(start.date())}, {start:%H:%M}"
    if end.date() == start.date():
        return f"{head}–{end:%H:%M} {end.tzname()}{name}"
    return f"{head} to {end:%A} {day_words(end.date())}, {end:%H:%M} {end.tzname()}{name}"


def weight_words(w) -> str:
    """A party's weight as people write it: 2, 1.5."""
    f = Fraction(str(w))
    return str(f.numerator) if f.denominator == 1 else f"{float(f):g}"


@dataclass
class Vote:
    party: str
    party_name: str
    words: str  # "Agree", or "voted" for a secret vote
    by_proxy: bool
    text: str = ""
    amendment: str = ""


@dataclass
class DecisionRecord:
    """A decision as one reader may know it, in words, as its page and its exports show it."""

    m: Meeting
    d: Decision
    label: LabelValue
    banner: str
    meeting_when: str
    rule_words: str
    outcome: str
    outcome_words: str
    arithmetic: str
    final: bool
    eligible: list[tuple[str, str, str]]  # (code, name, weight in words or "")
    votes: list[Vote] = field(default_factory=list)
    closed: str = ""  # "26 November 2026, 12:41 EET (Europe/Sofia) by Pavel Novák (MED)"
    review_on: str = ""
    review_due: bool = False
    reminded: str = ""
    exported: str = ""
    by_clock: bool = False

    @property
    def weighted(self) -> bool:
        return any(w for _, _, w in self.eligible)

    @property
    def status_words(self) -> str:
        return f"Closed on {self.closed}" if self.closed else "Open: not closed yet"


def closed_words(viewer: Viewer, m: Meeting, d: Decision) -> str:
    """When and by whom a closed decision was closed ("" while open); the closer as the reader
    may see them."""
    if d.status != Decision.Status.CLOSED or d.closed_at is None:
        return ""
    when = time_words(d.closed_at, m.time_zone)
    if d.closed_by_id:
        p = people.person(viewer, d.closed_by)
        who = p.name if p.hidden else f"{p.name} ({p.party})"
        return f"{when} by {who}"
    if closed_by_clock(d):
        return f"{when} by the decision clock (the written procedure's outcome was final)"
    return when


def closed_by_clock(d: Decision) -> bool:
    """Was the decision closed by the clock of its written procedure (silence, ad referendum)?"""
    return (
        d.status == Decision.Status.CLOSED
        and not d.closed_by_id
        and DecisionNotice.objects.filter(decision=d, step="outcome").exists()
    )


def decision_record(viewer: Viewer, m: Meeting, decision_id: object) -> DecisionRecord:
    """The record of a readable decision of a readable meeting (404 otherwise), under the
    decision's own label."""
    d = queries.decision(viewer, m, decision_id)
    v = queries.verdict(viewer, d)
    label = d.label.value
    names = dict(m.process.parties.values_list("code", "name"))
    weights = {c: Fraction(str(w)) for c, w in d.eligible.items()}
    weighted = any(w != 1 for w in weights.values())
    now = timezone.now()
    today = now.astimezone(ZoneInfo(m.time_zone)).date()
    closed = d.status == Decision.Status.CLOSED
    return DecisionRecord(
        m=m,
        d=d,
        label=label,
        banner=label.display(m.process.level_names),
        meeting_when=meeting_when(m),
        rule_words=v["rule_words"],
        outcome=v["outcome"],
        outcome_words=v["outcome_words"],
        arithmetic=v["arithmetic"],
        final=v["final"],
        eligible=[
            (c, names.get(c, c), weight_words(d.eligible[c]) if weighted else "")
            for c in sorted(d.eligible)
        ],
        votes=[
            Vote(
                x["party"],
                names.get(x["party"], x["party"]),
                x["words"],
                x["by_proxy"],
                x["text"],
                x["amendment"],
            )
            for x in v["votes"]
        ]
        + [  # who voted is known, even in a secret vote: so is who did not
            Vote(c, names.get(c, c), "Did not vote" if closed else "Not voted yet", False)
            for c in sorted(set(d.eligible) - {x["party"] for x in v["votes"]})
        ],
        closed=closed_words(viewer, m, d),
        review_on=day_words(d.review_on) if d.review_on else "",
        review_due=bool(d.review_on and d.review_on <= today),
        reminded=time_words(d.review_reminded_at, m.time_zone) if d.review_reminded_at else "",
        exported=time_words(now, m.time_zone),
        by_clock=closed_by_clock(d),
    )


def export(viewer: Viewer, m: Meeting, decision_id: object, *, fmt: str) -> tuple[bytes, str, str]:
    """(body, content type, file name) of a decision record in the requested format."""
    if fmt not in FORMATS:  # before reading anything
        raise Invalid(f"format must be one of {', '.join(FORMATS)}", {"format": "unknown"})
    rec = decision_record(viewer, m, decision_id)
    name = f"decision-{rec.d.pk}-{slugify(rec.d.title)[:60] or 'record'}.{fmt}"
    context = {"r": rec, "process": m.process, "viewer": viewer}
    body, ctype = ui_pdf.export_body(
        fmt, "meetings/decision_export.html", context, lambda: _pdf(rec)
    )
    return body, ctype, name


def vote_line(x: Vote) -> str:
    """ "ARD (Ardania): Agree (by proxy): “reason” — amendment: “wording”"."""
    out = f"{x.party} ({x.party_name}): {x.words}"
    if x.by_proxy:
        out += " (by proxy)"
    if x.text:
        out += f": “{x.text}”"
    if x.amendment:
        out += f" — amendment: “{x.amendment}”"
    return out


def _pdf(rec: DecisionRecord) -> bytes:
    d = rec.d
    pdf = ui_pdf.document(rec.banner, d.title, FONT_DIRS)
    pdf.add_page()
    pdf.para("Decision record", size=9, height=5)
    pdf.para(d.title, size=15, style="B", height=8)
    pdf.para(f"Meeting: {rec.m.title}", size=10)
    pdf.para(f"Held: {rec.meeting_when}", size=10)
    pdf.para(f"Status: {rec.status_words}", size=10)
    pdf.ln(2)

    def heading(s: str) -> None:
        pdf.ln(1)
        pdf.para(s, size=11, style="B", height=7)

    heading("Proposal")
    pdf.para(d.text)
    heading("Rule")
    pdf.para(rec.rule_words)
    heading("Eligible parties" + (" and their weights" if rec.weighted else ""))
    for code, name, w in rec.eligible:
        pdf.para(f"{code} ({name})" + (f": weight {w}" if w else ""))
    heading("Votes" + (" (secret: who voted is known, not how)" if d.secret else ""))
    for x in rec.votes:
        pdf.para(vote_line(x))
    heading("Verdict" if rec.final else "Verdict so far")
    pdf.para(rec.arithmetic)
    heading("Outcome")
    pdf.para(d.statement or "No outcome statement recorded.")
    heading("Review")
    if rec.review_on:
        line = f"Review on {rec.review_on}"
        if rec.reminded:
            line += f"; the reminder went out on {rec.reminded}"
        pdf.para(line + ".")
    else:
        pdf.para("No review date.")
    pdf.ln(2)
    pdf.para(f"Exported from Accord on {rec.exported}.", size=8, height=5)
    return pdf.body()
