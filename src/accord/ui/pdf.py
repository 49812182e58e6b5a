"""Printable PDF documents (fpdf2), the one set-up every export uses: A4, a Unicode font when
the server has DejaVu (the core fonts are Latin-1 only: other characters are replaced), and the
label banner at the top and bottom of every page.

fpdf2 is imported when a document is made, so a server without it answers with a clear error
(the caller turns the ImportError into a 4xx) instead of failing to start.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu")]
FORMATS = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def export_response(body: bytes, content_type: str, filename: str, *, page: bool = False):
    """The HTTP answer of an export: a print page opens in the browser when `page` (the site's
    own links), everything else downloads; never cached (it carries labelled data)."""
    from django.http import HttpResponse

    resp = HttpResponse(body, content_type=content_type)
    inline = page and content_type.startswith("text/html")
    resp["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    resp["Cache-Control"] = "private, no-store"
    return resp


def export_body(
    fmt: str, template: str, context: dict, make_pdf: Callable[[], bytes]
) -> tuple[bytes, str]:
    """(body, content type) of an export in `fmt`: the print page rendered from `template`,
    or the PDF `make_pdf` writes. Every export answers an unknown format, or a server without
    fpdf2, with the same clear 422 instead of a 500."""
    from django.template.loader import render_to_string

    from accord.core.errors import Invalid

    if fmt not in FORMATS:
        raise Invalid(f"format must be one of {', '.join(FORMATS)}", {"format": "unknown"})
    if fmt == "html":
        return render_to_string(template, context).encode(), FORMATS[fmt]
    try:
        return make_pdf(), FORMATS[fmt]
    except ImportError as exc:  # optional library missing on this server: say so, no 500
        raise Invalid(
            f"PDF export is not installed on this server ({exc.name}); use format=html",
            {"format": "unavailable"},
        ) from exc


def day_words(d: date) -> str:
    """ "6 January 2027": a day as exports write it."""
    return f"{d.day} {d:%B %Y}"


def time_words(t: datetime, zone: str) -> str:
    """ "26 November 2026, 12:41 EET (Europe/Sofia)": an instant in a zone, with its name."""
    local = t.astimezone(ZoneInfo(zone))
    name = f" ({zone})" if zone != "UTC" else ""
    return f"{day_words(local.date())}, {local:%H:%M} {local.tzname()}{name}"


def document(banner: str, title: str, font_dirs: Sequence[Path] | None = None):
    """An A4 fpdf2 document with the `banner` (the label in words) at the top and bottom of
    every page, and its `title` in the document's properties. Write with `pdf.face` (the font
    family), `pdf.txt(s)` (text the font can draw) or `pdf.para(s, …)`; `pdf.body()` gives the
    bytes. `font_dirs` replaces FONT_DIRS (an empty list: the core fonts)."""
    from fpdf import FPDF

    dirs = FONT_DIRS if font_dirs is None else font_dirs
    font = next((p for p in dirs if (p / "DejaVuSans.ttf").exists()), None)

    class LabelledPdf(FPDF):
        def header(self):
            self.set_font(self.face, "B", 9)
            self.cell(0, 6, self.txt(banner), align="C", new_x="LMARGIN", new_y="NEXT")

        def footer(self):
            self.set_y(-12)
            self.set_font(self.face, "B", 9)
            self.cell(0, 6, self.txt(banner), align="C")

        def txt(self, s: str) -> str:
            if self.unicode:
                return s
            return (
                s.replace("—", "-")
                .replace("–", "-")
                .replace("“", '"')
                .replace("”", '"')
                .replace("’", "'")
                .encode("latin-1", "replace")
                .decode("latin-1")
            )

        def para(self, s: str, *, size: float = 10, style: str = "", height: float = 5.5):
            """A paragraph across the page, at the left margin, the cursor below it."""
            self.set_font(self.face, style, size)
            self.multi_cell(0, height, self.txt(s), new_x="LMARGIN", new_y="NEXT")

        def body(self) -> bytes:
            return bytes(self.output())

    pdf = LabelledPdf(format="A4")
    pdf.unicode = font is not None
    if font is not None:
        pdf.face = "DejaVu"
        pdf.add_font("DejaVu", "", str(font / "DejaVuSans.ttf"))
        pdf.add_font("DejaVu", "B", str(font / "DejaVuSans-Bold.ttf"))
    else:
        pdf.face = "Helvetica"
    pdf.set_title(pdf.txt(title))
    return pdf
