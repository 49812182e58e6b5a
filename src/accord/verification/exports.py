"""The verification report of a claim: print-friendly HTML and PDF (ui.pdf, fpdf2).

Everything in it is read through queries (the same door as the claim's page): sources,
assessments, evidence and public lines the reader may not read are left out, not named. The
report is derived data, so it carries the combined label of the claim and of everything it
includes (ARCHITECTURE rule 4), at the top and the bottom of every page. People are named
through core.people; times are in the reader's own time zone with its name. Exporting
changes nothing and is not recorded, like the other exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import slugify

from accord.core import links, people
from accord.core.access import Viewer
from accord.core.errors import Invalid
from accord.core.labels import LabelValue, combine
from accord.ui import pdf as ui_pdf
from accord.ui.pdf import time_words
from accord.verification import disarm, queries
from accord.verification.models import Claim

FORMATS = ui_pdf.FORMATS
FONT_DIRS = ui_pdf.FONT_DIRS  # tests set it to [] for the core fonts (readable text)


@dataclass
class ClaimReport:
    """A claim as one reader may know it, in words, as its report shows it."""

    c: Claim
    label: LabelValue
    banner: str
    status_words: str
    seen: str
    reported: str
    attribution: str
    concerns: list[str] = field(default_factory=list)
    techniques: list[str] = field(default_factory=list)
    independent: int = 0
    sources: list[dict] = field(default_factory=list)
    assessments: list[dict] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    exported: str = ""
    credit: str = disarm.CREDIT


def _who(viewer: Viewer, member) -> str:
    if member is None:
        return "the system"
    p = people.person(viewer, member)
    return p.name if p.hidden else f"{p.name} ({p.party})"


def claim_report(viewer: Viewer, claim_id: object) -> ClaimReport:
    """The report of a readable claim (404 otherwise) under the label of all it includes."""
    c = queries.claim(viewer, claim_id)  # type: ignore[arg-type]
    zone = timezone.get_current_timezone_name()
    srcs = queries.claim_sources(viewer, c)
    assessed = list(queries.assessments(viewer, c))
    evidence = list(queries.evidence(viewer, c))
    lines = list(queries.lines(viewer).filter(claims=c).order_by("series", "version"))
    techniques = list(queries.techniques(c.techniques))
    label = combine(
        [c.label.value] + [x.label.value for x in [*srcs, *assessed, *evidence, *lines]]
    )
    seen = time_words(c.seen_at, zone)
    if c.platform:
        seen += f" on {c.platform}"
    if c.place:
        seen += f", about {c.place}"
    attribution = ""
    if c.disinformant_category or c.intent or c.disinformant_country:
        bits = [c.get_disinformant_category_display()]
        if c.disinformant_country:
            bits.append(c.disinformant_country)
        if c.attribution:
            bits.append(c.get_attribution_display().lower())
        if c.intent:
            bits.append(f"intent {c.get_intent_display().lower()}")
        attribution = ", ".join(bits)
    latest = assessed[0] if assessed else None
    status_words = (
        f"{latest.get_status_display()} ({latest.rating})" if latest else "Not assessed yet"
    )
    concerns = [f"Party: {p.name}" for p in c.parties.order_by("name")] + [
        t.title for t in links.targets(viewer, c, "concerns")
    ]
    return ClaimReport(
        c=c,
        label=label,
        banner=label.display(c.process.level_names),
        status_words=status_words,
        seen=seen,
        reported=f"by {_who(viewer, c.created_by)} on {time_words(c.created_at, zone)}",
        attribution=attribution,
        concerns=concerns,
        techniques=[f"{t.external_id} {t.name}" for t in techniques],
        independent=queries.independent_sources(viewer, c),
        sources=[
            {
                "name": s.name,
                "kind": s.get_kind_display().lower(),
                "reliability": f"{s.reliability} · {s.reliability_words}",
                "status": s.get_status_display(),
                "lineage": _lineage_words(queries.lineage(viewer, s)),
            }
            for s in srcs
        ],
        assessments=[
            {
                "rating": a.rating,
                "status": a.get_status_display(),
                "credibility": f"{a.credibility} · {a.credibility_words}",
                "likelihood": f"{a.likelihood} ({a.probability} %)" if a.likelihood else "",
                "rationale": a.rationale,
                "by": f"{_who(viewer, a.analyst)}, {time_words(a.created_at, zone)}",
                "independent": a.independent_sources,
                "cited": [e.name for e in queries.assessment_evidence(viewer, a)],
            }
            for a in assessed
        ],
        evidence=[
            {
                "name": e.name,
                "size": filesizeformat(e.size),
                "sha256": e.sha256,
                "note": e.note,
                "by": f"{_who(viewer, e.added_by)}, {time_words(e.added_at, zone)}",
            }
            for e in evidence
        ],
        lines=[f"{ln.title} (version {ln.version}): {ln.get_status_display()}" for ln in lines],
        exported=time_words(timezone.now(), zone),
    )


def _lineage_words(chain: list) -> str:
    if len(chain) > 1:
        return "relays " + " → ".join(x.name for x in chain[1:])
    return "original"


def export(viewer: Viewer, claim_id: object, *, fmt: str) -> tuple[bytes, str, str]:
    """(body, content type, file name) of a claim's verification report."""
    if fmt not in FORMATS:  # before reading anything
        raise Invalid(f"format must be one of {', '.join(FORMATS)}", {"format": "unknown"})
    r = claim_report(viewer, claim_id)
    name = f"claim-{r.c.pk}-{slugify(r.c.text[:50])[:50] or 'report'}.{fmt}"
    context = {"r": r, "process": r.c.process, "viewer": viewer}
    body, ctype = ui_pdf.export_body(
        fmt, "verification/claim_report.html", context, lambda: _pdf(r)
    )
    return body, ctype, name


def _pdf(r: ClaimReport) -> bytes:
    c = r.c
    pdf = ui_pdf.document(r.banner, "Verification report", FONT_DIRS)
    pdf.add_page()
    pdf.para(f"Verification report · {c.process.name}", size=9, height=5)
    pdf.para(f"“{c.text}”", size=13, style="B", height=7)
    pdf.para(f"Verdict: {r.status_words}", size=10)
    pdf.para(f"Seen: {r.seen}", size=10)
    if c.url:
        pdf.para(f"Where: {c.url}", size=10)
    pdf.para(f"Language: {c.language}", size=10)
    pdf.para(f"Reported: {r.reported}", size=10)
    if r.attribution:
        pdf.para(f"Attribution (DFRLab): {r.attribution}", size=10)
    if r.concerns:
        pdf.para("Concerns: " + "; ".join(r.concerns), size=10)

    def heading(s: str) -> None:
        pdf.ln(2)
        pdf.para(s, size=11, style="B", height=7)

    if r.techniques:
        heading("DISARM techniques")
        for t in r.techniques:
            pdf.para(t)
        pdf.para(f"Names from {r.credit}.", size=8, height=4)
    heading(f"Sources carrying it: {r.independent} independent")
    for s in r.sources:
        pdf.para(
            f"{s['name']} ({s['kind']}): reliability {s['reliability']}; {s['status']}; "
            f"{s['lineage']}"
        )
    if not r.sources:
        pdf.para("No source recorded.")
    heading("Assessments")
    for a in r.assessments:
        pdf.para(f"{a['rating']} · {a['status']}", style="B")
        line = f"Credibility {a['credibility']}"
        if a["likelihood"]:
            line += f"; {a['likelihood']}"
        pdf.para(f"{line}; {a['independent']} independent source(s) then. By {a['by']}.")
        pdf.para(a["rationale"])
        if a["cited"]:
            pdf.para("Evidence cited: " + ", ".join(a["cited"]), size=9)
    if not r.assessments:
        pdf.para("Not assessed yet.")
    heading("Evidence (SHA-256 of each file)")
    for e in r.evidence:
        pdf.para(
            f"{e['name']} ({e['size']}), kept by {e['by']}"
            + (f": {e['note']}" if e["note"] else "")
        )
        pdf.para(e["sha256"], size=8, height=4)
    if not r.evidence:
        pdf.para("No evidence kept.")
    if r.lines:
        heading("Public lines answering it")
        for ln in r.lines:
            pdf.para(ln)
    pdf.ln(2)
    pdf.para(f"Exported from Accord on {r.exported}.", size=8, height=5)
    return pdf.body()
