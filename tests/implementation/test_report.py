"""The periodic implementation report (HTML/PDF, page and REST): what each reader may read,
under the label of all it includes; the period the reader picks; refusals change nothing; the
review meeting it schedules through the meetings app's own form."""

from __future__ import annotations

import re
import zlib
from html import unescape

import pytest

from accord.core.demo import member_viewer
from accord.core.labels import LabelValue
from accord.implementation import reports, services

pytestmark = pytest.mark.django_db

SLUG = "lake-varna"
API = f"/api/v1/processes/{SLUG}"
PAGE = f"/p/{SLUG}/implementation/agreements"
PARTIES_ONLY = "RESTRICTED // REL TO KES, MED, NVF, VMM"


def pdf_text(body: bytes) -> str:
    """The text drawn in a PDF written with the core fonts (its streams inflated)."""
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S):
        try:
            out.append(zlib.decompress(m.group(1)).decode("latin-1"))
        except zlib.error:
            out.append(m.group(1).decode("latin-1"))
    return "".join(out)


@pytest.fixture
def core_fonts():
    reports.FONT_DIRS = []  # core fonts: the PDF's text is readable Latin-1
    yield
    from accord.ui import pdf as ui_pdf

    reports.FONT_DIRS = ui_pdf.FONT_DIRS


def test_each_reader_gets_what_they_may_read_under_its_label(varna, viewer):
    lena = reports.implementation_report(viewer("lena.haas"), varna.pk)
    ana = reports.implementation_report(viewer("ana.costa"), varna.pk)
    # default: the latest scored period (year 2), compared with year 1, in whole per cents
    assert lena.period == ana.period == 2
    assert lena.summary[0] == (
        "The implementation rate for year 2 is 70\u00a0% (9 provisions scored), up from 48\u00a0% in year 1."
    )
    # ana (ARD) reads neither the score of 5.1 nor the commitments released to the parties
    assert ana.summary[0] == (
        "The implementation rate for year 2 is 75\u00a0% (8 provisions scored), up from 50\u00a0% in year 1."
    )
    assert lena.summary[1].startswith("Of 12 commitments, 7 are met")
    assert ana.summary[1].startswith("Of 9 commitments, 5 are met")
    assert "3 overdue" in lena.summary[1] and "2 overdue" in ana.summary[1]
    detainees = "Release detainees in phases by category"
    assert detainees in [c["what"] for c in lena.overdue]
    assert detainees not in [c["what"] for c in ana.overdue]
    late = next(c for c in lena.overdue if c["what"] == detainees)
    assert late["who"] == "Government of Kestria, Northern Varna Front"
    assert re.fullmatch(r"\d+ days", late["late"]) and re.fullmatch(
        r"\d+ \w+ 20\d\d", late["deadline"]
    )
    # what moved, old → new in PAM words
    moved = {m["number"]: (m["old"], m["new"]) for m in lena.moved}
    assert moved["6.1"] == ("not initiated", "minimal")
    assert moved["2.1"] == ("intermediate", "full")
    assert "5.1" not in moved and "1.1" not in moved  # unchanged scores did not move
    # both violation reports fall in year 2, with stage and conclusion in words
    shelling = next(v for v in lena.violations if v["title"] == "Shelling near the Dren checkpoint")
    assert shelling["stage"] == "endorsed by the board"
    assert shelling["conclusion"] == "violation by Government of Kestria"
    # the derived label: the parties-only inputs make lena's tighter than ana's
    assert lena.banner == PARTIES_ONLY
    assert ana.banner == "UNCLASSIFIED"


def test_the_reader_picks_the_period(varna, viewer):
    r = reports.implementation_report(viewer("lena.haas"), varna.pk, "1")
    assert r.period == 1 and r.period_name == "Year 1"
    assert r.summary[0].endswith("there is no earlier period to compare with.")
    assert r.moved == []  # nothing to compare with
    assert r.violations == []  # both reports are in year 2
    assert r.periods == [(1, "Year 1"), (2, "Year 2")]


def test_page_and_rest_formats_for_two_readers(varna, client_for, core_fonts):
    lena, ana = client_for("lena.haas"), client_for("ana.costa")
    r = lena.get(f"{PAGE}/{varna.pk}/report.html")
    html = unescape(r.content.decode())
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    assert html.count(PARTIES_ONLY) >= 3  # top and bottom (and the data attribute)
    assert "Release detainees in phases by category" in html
    assert "Executive summary" in html and "up from 48\u00a0% in year 1" in html
    html = unescape(ana.get(f"{PAGE}/{varna.pk}/report.html?period=2").content.decode())
    assert "Release detainees" not in html and "REL TO" not in html
    assert html.count("UNCLASSIFIED") >= 2
    # the agreement page links to the report
    page = lena.get(f"{PAGE}/{varna.pk}/").content.decode()
    assert f"{PAGE}/{varna.pk}/report.html" in page
    # PDF, page and REST
    for url in (f"{PAGE}/{varna.pk}/report.pdf", f"{API}/agreements/{varna.pk}/report?format=pdf"):
        r = lena.get(url)
        assert r.status_code == 200 and r.content.startswith(b"%PDF-"), url
        assert "attachment" in r["Content-Disposition"] and ".pdf" in r["Content-Disposition"]
        text = pdf_text(r.content)
        assert PARTIES_ONLY in text and "Release detainees" in text, url
    text = pdf_text(ana.get(f"{API}/agreements/{varna.pk}/report?format=pdf&period=2").content)
    assert "UNCLASSIFIED" in text and "Release detainees" not in text
    r = ana.get(f"{API}/agreements/{varna.pk}/report?format=html&period=1")
    assert r.status_code == 200 and "Year 1" in r.content.decode()
    assert "Schedule a review meeting" not in r.content.decode()  # no page tools in REST


def test_bad_format_or_period_is_422_and_writes_nothing(varna, client_for, counts):
    lena = client_for("lena.haas")
    before = counts()  # after signing in (sign-in is recorded in the ledger)
    r = lena.get(f"{API}/agreements/{varna.pk}/report?format=docx")
    assert (
        r.status_code == 422 and "format must be one of html, pdf" in r.json()["error"]["message"]
    )
    for bad, words in (("0", "from 1 to 2"), ("3", "from 1 to 2"), ("two", "whole number")):
        r = lena.get(f"{API}/agreements/{varna.pk}/report?format=html&period={bad}")
        assert r.status_code == 422 and words in r.json()["error"]["message"], bad
        r = lena.get(f"{PAGE}/{varna.pk}/report.html?period={bad}")
        assert r.status_code == 422 and words in r.content.decode(), bad
    assert counts() == before


def test_an_agreement_the_reader_may_not_read_is_not_found(demo, client_for):
    amara = member_viewer(demo, "amara.okafor")
    secret = services.create_agreement(
        amara,
        title="Mediation side letter",
        signed_on="2026-01-10",
        label=LabelValue.of(1, ["MED"]),
    )
    ana = client_for("ana.costa")
    assert ana.get(f"{PAGE}/{secret.pk}/report.html").status_code == 404
    assert ana.get(f"{PAGE}/{secret.pk}/report.pdf").status_code == 404
    r = ana.get(f"{API}/agreements/{secret.pk}/report?format=html")
    assert r.status_code == 404 and b"side letter" not in r.content


def test_schedule_a_review_meeting_prefills_the_meetings_form(varna, client_for):
    lena = client_for("lena.haas")  # a mediator runs meetings
    html = lena.get(f"{PAGE}/{varna.pk}/report.html?period=2").content.decode()
    m = re.search(r'href="([^"]*/meetings/new/\?[^"]*)">Schedule a review meeting', html)
    assert m, "the report links to the meetings form"
    form = unescape(lena.get(unescape(m.group(1))).content.decode())
    title = f"Implementation review — {varna.title} — Year 2"
    assert f'name="title" maxlength="200" required value="{title}"' in form
    assert f"Agenda: review the implementation report “{varna.title}”, Year 2" in form
    assert f"{PAGE}/{varna.pk}/report.html?period=2" in form
    # the meeting starts at the report's label (RESTRICTED to the parties that may read it)
    assert re.search(r'name="label_level">.*?<option value="1" selected>', form, re.S)
    for code in ("KES", "MED", "NVF", "VMM"):
        assert f'name="label_rel_to" value="{code}" checked' in form, code
    # a negotiator who may not run meetings is not offered the link
    ana = client_for("ana.costa").get(f"{PAGE}/{varna.pk}/report.html").content.decode()
    assert "Schedule a review meeting" not in ana
