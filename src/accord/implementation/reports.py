"""The periodic implementation report of an agreement: print-friendly HTML and PDF (ui.pdf).

Review meetings read it: an executive summary (the implementation rate this period against the
previous one, commitments met, overdue and slipping), what moved (provisions whose PAM score
changed), the overdue commitments and the violation reports of the period. Everything in it is
read through implementation's queries (the same door as the agreement's pages), so what the
reader may not read is left out, not named; the report is derived data and carries the combined
label of everything it includes (ARCHITECTURE rule 4), at the top and bottom of every page.
Exporting changes nothing and is not recorded, like the other exports.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone
from django.utils.text import slugify

from accord.core.access import Viewer
from accord.core.errors import Invalid
from accord.core.labels import LabelValue, combine
from accord.implementation import queries
from accord.implementation.models import PAM_SCALE, Agreement, Commitment
from accord.ui import pdf as ui_pdf
from accord.ui.pdf import day_words, time_words

FORMATS = ui_pdf.FORMATS
FONT_DIRS = ui_pdf.FONT_DIRS  # tests set it to [] for the core fonts (readable text)
MET = ("verified", "reported")


@dataclass
class ImplementationReport:
    """An agreement's implementation in one period as one reader may know it, in words."""

    a: Agreement
    period: int
    period_name: str
    period_words: str
    as_of: date
    label: LabelValue
    banner: str
    summary: list[str] = field(default_factory=list)
    moved: list[dict] = field(default_factory=list)
    overdue: list[dict] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)
    periods: list[tuple[int, str]] = field(default_factory=list)
    exported: str = ""

    @property
    def title(self) -> str:
        return f"Implementation report · {self.a.title} · {self.period_name}"


def _percent(p: float | None) -> int | None:
    return None if p is None else round(p)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _scale(score: int) -> str:
    return "full" if score == 3 else PAM_SCALE.get(score, str(score))


def _as_of(c: Commitment, on: date) -> Commitment:
    """The commitment as it stood on `on`: reports made later are not counted yet."""
    c = copy.copy(c)
    if c.verified_done_at and timezone.localtime(c.verified_done_at).date() > on:
        c.verified_done_at = None
    if c.reported_done_at and timezone.localtime(c.reported_done_at).date() > on:
        c.reported_done_at = None
    return c


def choose_period(viewer: Viewer, a: Agreement, period: object = None) -> int:
    """The period asked for (a whole number from 1 to the current period), or by default the
    latest period with a score the reader may read (the current one when none)."""
    current = queries.current_period(a)
    if period in (None, ""):
        scored = [s.period for s in queries.scores(viewer, a)]
        return min(max(scored), current) if scored else current
    try:
        n = int(str(period).strip())
    except ValueError as exc:
        raise Invalid(
            f"period must be a whole number from 1 to {current} (got {str(period)[:20]!r})",
            {"period": "not a number"},
        ) from exc
    if not 1 <= n <= current:
        raise Invalid(
            f"period must be from 1 to {current}: the agreement is in its period {current}",
            {"period": "out of range"},
        )
    return n


def implementation_report(
    viewer: Viewer, agreement_id: object, period: object = None
) -> ImplementationReport:
    """The report of a readable agreement (404 otherwise) for a period, under the label of all
    it includes."""
    a = queries.agreement(viewer, agreement_id)  # type: ignore[arg-type]
    n = choose_period(viewer, a, period)
    start, end = queries.period_bounds(a, n)
    as_of = min(queries.today(), end - timedelta(days=1))
    zone = timezone.get_current_timezone_name()
    parties = dict(a.process.parties.values_list("code", "name"))
    labels = [a.label.value]

    # rates and what moved, from readable scores only
    r = queries.rates(viewer, a)
    by_period = {x.period: x for x in r.overall}
    now, before = by_period.get(n), by_period.get(n - 1)
    moved = []
    for p in r.provisions:
        new, old = r.cell(p.pk, n), r.cell(p.pk, n - 1)
        if new is not None:
            labels.append(new.label.value)
        if new is not None and old is not None and new.score != old.score:
            labels.append(old.label.value)
            moved.append(
                {
                    "number": p.number,
                    "heading": p.heading or p.text[:80],
                    "old": _scale(old.score),
                    "new": _scale(new.score),
                    "up": new.score > old.score,
                    "evidence": new.evidence,
                }
            )

    # commitments as they stood at the end of the period (or today)
    rows = [
        (c, queries.standing(_as_of(c, as_of), as_of))
        for c, _ in queries.commitments(viewer, agreement_id=a.pk)
    ]
    labels += [c.label.value for c, _ in rows]
    keys = [st.key for _, st in rows]
    overdue = [
        {
            "who": ", ".join(parties.get(x, x) for x in c.responsible) or c.body or "not named",
            "what": c.what,
            "provision": c.provision.number,
            "deadline": day_words(c.deadline) if c.deadline else "",
            "late": _plural(-(st.days or 0), "day"),
            "days": -(st.days or 0),
        }
        for c, st in rows
        if st.key == "overdue"
    ]
    overdue.sort(key=lambda x: -x["days"])

    # violation reports of the period (when it happened, or when it was alleged)
    violations = []
    for v in queries.violations(viewer, agreement_id=a.pk).order_by("created_at", "pk"):
        when = v.occurred_on or timezone.localtime(v.created_at).date()
        if not start <= when < end:
            continue
        labels.append(v.label.value)
        conclusion = v.get_conclusion_display() if v.conclusion else "no conclusion yet"
        if v.conclusion == "violation" and v.violating_party:
            conclusion = f"violation by {parties.get(v.violating_party, v.violating_party)}"
        violations.append(
            {
                "title": v.title,
                "when": day_words(when),
                "place": v.place_name,
                "stage": v.step_words,
                "conclusion": conclusion,
                "verified": v.verified,
            }
        )

    pn = queries.period_name(a, n)
    summary = []
    pct, prev = _percent(now.percent if now else None), _percent(before.percent if before else None)
    if pct is None:
        summary.append(f"No provision you may read was scored for {pn.lower()} yet.")
    else:
        line = (
            f"The implementation rate for {pn.lower()} is {pct}\u00a0% "
            f"({_plural(now.scored, 'provision')} scored)"
        )
        if prev is None:
            line += "; there is no earlier period to compare with."
        elif pct == prev:
            line += f", the same as in {queries.period_name(a, n - 1).lower()}."
        else:
            way = "up" if pct > prev else "down"
            line += f", {way} from {prev}\u00a0% in {queries.period_name(a, n - 1).lower()}."
        summary.append(line)
    met = sum(k in MET for k in keys)
    summary.append(
        f"Of {_plural(len(rows), 'commitment')}, {met} "
        f"{'is' if met == 1 else 'are'} met (reported or verified done), "
        f"{keys.count('overdue')} overdue and {keys.count('slipping')} slipping "
        f"(due within {queries.SLIPPING_DAYS} days, not reported) on {day_words(as_of)}."
    )
    if moved:
        up = sum(m["up"] for m in moved)
        summary.append(
            f"{_plural(len(moved), 'provision')} moved on the PAM scale: {up} up, "
            f"{len(moved) - up} down."
        )
    else:
        summary.append("No provision moved on the PAM scale since the previous period.")
    verified = sum(v["verified"] for v in violations)
    summary.append(
        f"{_plural(len(violations), 'violation report')} in the period, "
        f"{verified} endorsed by the board."
    )
    label = combine(labels)
    return ImplementationReport(
        a=a,
        period=n,
        period_name=pn,
        period_words=f"{day_words(start)} to {day_words(end - timedelta(days=1))}",
        as_of=as_of,
        label=label,
        banner=label.display(a.process.level_names),
        summary=summary,
        moved=moved,
        overdue=overdue,
        violations=violations,
        periods=[(p, queries.period_name(a, p)) for p in range(1, queries.current_period(a) + 1)],
        exported=time_words(timezone.now(), zone),
    )


def export(
    viewer: Viewer,
    agreement_id: object,
    *,
    fmt: str,
    period: object = None,
    tools: Callable[[ImplementationReport], dict] | None = None,
) -> tuple[bytes, str, str]:
    """(body, content type, file name) of an agreement's implementation report; `tools(r)`
    gives the page's links (PDF, back, schedule a review meeting) shown above an HTML one."""
    if fmt not in FORMATS:
        raise Invalid(f"format must be one of {', '.join(FORMATS)}", {"format": "unknown"})
    r = implementation_report(viewer, agreement_id, period)
    name = f"implementation-{r.a.pk}-{slugify(r.a.title)[:50] or 'agreement'}-p{r.period}.{fmt}"
    context = {"r": r, "process": r.a.process, "viewer": viewer}
    if fmt == "html":
        context["tools"] = tools and tools(r)
    body, ctype = ui_pdf.export_body(fmt, "implementation/report.html", context, lambda: _pdf(r))
    return body, ctype, name


def _pdf(r: ImplementationReport) -> bytes:
    pdf = ui_pdf.document(r.banner, r.title, FONT_DIRS)
    pdf.add_page()
    pdf.para(f"Implementation report · {r.a.process.name}", size=9, height=5)
    pdf.para(r.a.title, size=13, style="B", height=7)
    pdf.para(f"{r.period_name}: {r.period_words}", size=10)

    def heading(s: str) -> None:
        pdf.ln(2)
        pdf.para(s, size=11, style="B", height=7)

    heading("Executive summary")
    for s in r.summary:
        pdf.para(s)
    heading("What moved")
    for m in r.moved:
        pdf.para(f"{m['number']} {m['heading']}: from {m['old']} to {m['new']}")
    if not r.moved:
        pdf.para("No provision's score changed since the previous period.")
    heading("Overdue commitments")
    for c in r.overdue:
        pdf.para(
            f"{c['who']}: {c['what']} (provision {c['provision']}), due {c['deadline']}, "
            f"{c['late']} late"
        )
    if not r.overdue:
        pdf.para("No commitment is overdue.")
    heading("Violation reports in the period")
    for v in r.violations:
        place = f", {v['place']}" if v["place"] else ""
        pdf.para(f"{v['title']} ({v['when']}{place})", style="B")
        pdf.para(f"Stage: {v['stage']}. Conclusion: {v['conclusion']}.")
    if not r.violations:
        pdf.para("No violation report in the period.")
    pdf.ln(2)
    pdf.para(
        f"Exported from Accord on {r.exported}. Everything above is what its reader may read; "
        "the label above covers all of it.",
        size=8,
        height=5,
    )
    return pdf.body()
