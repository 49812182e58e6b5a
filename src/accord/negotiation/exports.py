"""Exports of a version: print-friendly HTML, PDF (fpdf2) and DOCX (python-docx).

Reads go through queries (the same access checks as the pages); every export carries the
combined label of what it shows, at the top and bottom of each format. The clean text (brackets
resolved, no stances) exists only once everything is agreed.
"""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils.text import slugify

from accord.core.access import Viewer
from accord.core.errors import Conflict, Invalid
from accord.core.labels import LabelValue, combine
from accord.negotiation import queries
from accord.negotiation.models import Document
from accord.ui import pdf as ui_pdf

FORMATS = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
FONT_DIRS = ui_pdf.FONT_DIRS  # tests set it to [] for the core fonts (readable text)


def export_label(view: queries.TextView) -> LabelValue:
    """The document's label combined with every stance and signature shown (same label today,
    combined anyway so a per-stance label added later cannot leak through an export)."""
    labels = [view.document.label.value]
    for a in view.articles:
        for c in a.clauses:
            labels += [st.label.value for st in c.stances.values()]
    labels += [sg.label.value for sg in view.signatures]
    return combine(labels)


def export(
    viewer: Viewer, doc: Document, number: int | None, *, fmt: str, clean: bool = False
) -> tuple[bytes, str, str]:
    """(body, content type, file name) of a version in the requested format."""
    if fmt not in FORMATS:
        raise Invalid(f"format must be one of {', '.join(FORMATS)}", {"format": "unknown"})
    view = queries.text(viewer, doc, number)
    if clean and view.status.status != "agreed":
        raise Conflict(
            "the clean text exists only when everything is agreed "
            f"(version {view.version.number} is {view.status.status})",
            {"status": view.status.status},
        )
    label = export_label(view)
    banner = label.display(doc.process.level_names)
    name = f"{slugify(doc.title)[:60]}-v{view.version.number}{'-clean' if clean else ''}.{fmt}"
    if fmt == "html":
        body = render_to_string(
            "negotiation/export.html",
            {
                "view": view,
                "banner": banner,
                "label": label,
                "clean": clean,
                "doc": doc,
                "viewer": viewer,  # signatories named as the viewer may see them
            },
        ).encode()
    else:
        try:
            made = _docx if fmt == "docx" else _pdf
            body = made(view, banner, clean, _signature_lines(view, viewer))
        except ImportError as exc:  # optional library missing on this server: say so, no 500
            raise Invalid(
                f"{fmt.upper()} export is not installed on this server ({exc.name}); "
                "use format=html",
                {"format": "unavailable"},
            ) from exc
    return body, FORMATS[fmt], name


STATUS_WORDS = {"open": "open", "agreed_ad_ref": "agreed ad referendum", "agreed": "agreed"}
PROPOSER_NOTE = "Bracketed alternatives name the party that proposed each, in parentheses."


def _clause_text(c, clean: bool) -> str:
    """A clause as every format prints it: each bracketed alternative followed by the party
    that proposed it, "(NVF)" — as the HTML export does. The clean text exists only without
    brackets, so it is the plain text."""
    if clean:
        return c.text
    out = []
    for seg in c.segments:
        if "t" in seg:
            out.append(seg["t"])
        else:
            alts = [f"{a['text']} ({a['by']})" if a.get("by") else a["text"] for a in seg["alts"]]
            out.append("[" + " / ".join(alts) + "]")
    return "".join(out)


def _status(code: str) -> str:
    return STATUS_WORDS.get(code, code.replace("_", " "))


def _stance_rows(view) -> list[tuple[str, str, str]]:
    rows = []
    for a in view.articles:
        for c in a.clauses:
            parts = [f"{p}: {st.get_stance_display()}" for p, st in sorted(c.stances.items())]
            rows.append((c.number, _status(c.status), "; ".join(parts) or "—"))
    return rows


def _signature_lines(view, viewer: Viewer) -> list[str]:
    """Who signed, as the reader may see them (core.people), with the ISO 8601 instant."""
    from accord.core import people

    return [
        f"{s.party.code} — {people.person(viewer, s.member).name}, {s.signed_at.isoformat()}, "
        f"sha256 {s.content_hash}"
        for s in view.signatures
    ]


def _docx(view, banner: str, clean: bool, signatures: list[str]) -> bytes:
    from docx import Document as Docx

    d = Docx()
    section = d.sections[0]
    section.header.paragraphs[0].text = banner
    section.footer.paragraphs[0].text = banner
    d.add_heading(view.document.title, level=0)
    d.add_paragraph(
        f"Version {view.version.number} · sha256 {view.version.content_hash} · "
        f"status: {_status(view.status.status)}"
    )
    if not clean:
        d.add_paragraph(PROPOSER_NOTE)
    for a in view.articles:
        d.add_heading(f"Article {a.number}. {a.heading}", level=1)
        for c in a.clauses:
            d.add_paragraph(f"{c.number}  {_clause_text(c, clean)}")
    if not clean:
        d.add_heading("Stances", level=1)
        table = d.add_table(rows=1, cols=3)
        for cell, text in zip(table.rows[0].cells, ("Clause", "Status", "Stances"), strict=True):
            cell.text = text
        for row in _stance_rows(view):
            cells = table.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = text
    if signatures:
        d.add_heading("Signatures", level=1)
        for line in signatures:
            d.add_paragraph(line)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _pdf(view, banner: str, clean: bool, signatures: list[str]) -> bytes:
    pdf = ui_pdf.document(banner, view.document.title, FONT_DIRS)
    pdf.add_page()
    pdf.para(view.document.title, size=15, style="B", height=8)
    pdf.para(
        f"Version {view.version.number} - sha256 {view.version.content_hash} - "
        f"status: {_status(view.status.status)}",
        size=8,
        height=5,
    )
    if not clean:
        pdf.para(PROPOSER_NOTE, size=8, height=5)
    for a in view.articles:
        pdf.para(f"Article {a.number}. {a.heading}", size=11, style="B", height=7)
        for c in a.clauses:
            pdf.para(f"{c.number}  {_clause_text(c, clean)}")
    if not clean:
        pdf.para("Stances", size=11, style="B", height=8)
        for number, status, stances in _stance_rows(view):
            pdf.para(f"{number} ({status}): {stances}", size=9, height=5)
    if signatures:
        pdf.para("Signatures", size=11, style="B", height=8)
        for line in signatures:
            pdf.para(line, size=9, height=5)
    return pdf.body()
