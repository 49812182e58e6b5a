"""The outcome of a decision (issue #16): a statement and a review date recorded once it is
closed, by its officers or whoever may run meetings; a reminder on the review date, once; the
decision record exported as HTML and PDF under the meeting's label — a secret vote's choices
never in it, a caucus's decision not found by another party."""

from __future__ import annotations

import re
import zlib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from accord.core.errors import Conflict, Forbidden, Invalid
from accord.core.labels import LabelValue
from accord.ledger.models import Entry
from accord.meetings import exports, services, tasks
from accord.meetings.models import Decision

from .conftest import API, send

pytestmark = pytest.mark.django_db

ALL = ["MED", "ARD", "NOR", "BEL", "KES", "NVF"]
PAGE = "/p/lake-varna/meetings"


def _closed(viewer, m, *, secret=False, eligible=ALL, votes=None, **kw):
    """A majority decision put by the Envoy, voted, closed by the meeting's chair."""
    d = services.propose(
        viewer("lena.haas"),
        m,
        title=kw.pop("title", "Adopt the agenda"),
        text="The agenda is adopted.",
        rule="majority",
        eligible=eligible,
        secret=secret,
        **kw,
    )
    for who, choice in (votes or {}).items():
        services.cast_vote(viewer(who), m, d.pk, choice=choice)
    return services.close_decision(viewer("lena.haas"), m, d.pk)  # the chair


def _pdf_text(body: bytes) -> str:
    """The text drawn by a PDF made with the core fonts (fpdf2: one zlib stream per page)."""
    out = []
    for found in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S):
        try:
            data = zlib.decompress(found.group(1)).decode("latin-1")
        except zlib.error:
            continue
        out += re.findall(r"\((.*?)\) Tj", data.replace("\\(", "\x01").replace("\\)", "\x02"))
    return " ".join(out).replace("\x01", "(").replace("\x02", ")")


def _entries(d: Decision, action: str) -> list[Entry]:
    return list(Entry.objects.filter(subject_id=str(d.pk), action=action).order_by("seq"))


# --- recording the outcome ---------------------------------------------------------------------
def test_outcome_only_once_closed_and_by_whom(make_meeting, viewer, counts):
    m = make_meeting(starts_in=-1)
    d = services.propose(
        viewer("lena.haas"), m, title="Open", text="x", rule="consensus", eligible=ALL
    )
    later = timezone.now().date() + timedelta(days=30)
    before = counts()
    with pytest.raises(Conflict, match="still open"):
        services.record_outcome(viewer("lena.haas"), m, d.pk, statement="Adopted.")
    assert counts() == before
    closed = _closed(viewer, m, votes={"ana.costa": "agree"})
    today = services.meeting_today(m)
    cases = [
        # neither an officer of the meeting nor allowed to run meetings
        (Forbidden, "do not let you", viewer("ana.costa"), {"statement": "Ours."}),
        (Forbidden, "do not let you", viewer("viktor.kess"), {"statement": "Ours."}),
        # the review date must be to come (today is not); the statement is required
        (
            Invalid,
            "after today",
            viewer("pavel.novak"),
            {"statement": "x", "review_on": today - timedelta(days=1)},
        ),
        (Invalid, "after today", viewer("pavel.novak"), {"statement": "x", "review_on": today}),
        (Invalid, "statement", viewer("pavel.novak"), {"statement": "   "}),
    ]
    before = counts()
    for exc, words, who, kw in cases:
        with pytest.raises(exc) as err:
            services.record_outcome(who, m, closed.pk, **kw)
        assert words in err.value.message, (words, err.value.message)
    assert counts() == before
    closed.refresh_from_db()
    assert closed.statement == "" and closed.review_on is None

    # the rapporteur (an officer) records it, a coordinator (runs meetings) amends it
    services.record_outcome(
        viewer("pavel.novak"), m, closed.pk, statement="The agenda is adopted.", review_on=later
    )
    services.record_outcome(
        viewer("amara.okafor"), m, closed.pk, statement="The agenda is adopted as amended."
    )
    closed.refresh_from_db()
    assert closed.statement == "The agenda is adopted as amended." and closed.review_on is None
    recorded = _entries(closed, "meetings.decision.outcome")
    assert len(recorded) == 2 and recorded[0].label.value == m.label.value


def test_unchanged_review_date_may_stay_once_past(make_meeting, viewer):
    m = make_meeting(starts_in=-1)
    d = _closed(viewer, m)
    soon = services.meeting_today(m) + timedelta(days=2)
    services.record_outcome(viewer("lena.haas"), m, d.pk, statement="A.", review_on=soon)
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(days=5)):
        services.record_outcome(viewer("lena.haas"), m, d.pk, statement="B.", review_on=soon)
        with pytest.raises(Invalid, match="after today"):
            services.record_outcome(
                viewer("lena.haas"), m, d.pk, statement="C.", review_on=soon + timedelta(days=1)
            )
    d.refresh_from_db()
    assert d.statement == "B." and d.review_on == soon


# --- the review reminder -----------------------------------------------------------------------
def test_review_reminder_once_on_the_day(make_meeting, viewer, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    m = make_meeting(starts_in=-1, title="Review plenary")
    d = _closed(viewer, m, title="Corridor review", votes={"ana.costa": "agree"})
    day = services.meeting_today(m) + timedelta(days=10)
    services.record_outcome(
        viewer("lena.haas"), m, d.pk, statement="Corridors open.", review_on=day
    )

    def ours(done):
        return [x.pk for x in done if x.pk == d.pk]

    mail.outbox.clear()
    assert ours(services.send_review_reminders(timezone.now() + timedelta(days=8))) == []
    assert mail.outbox == []
    on_the_day = timezone.now() + timedelta(days=10)
    assert ours(services.send_review_reminders(on_the_day)) == [d.pk]
    sent = [e for e in mail.outbox if "Corridor review" in e.subject]
    to = sorted(e.to[0].split("@")[0] for e in sent)
    # the chair and the heads of delegation of the eligible parties (not CSU's: not eligible)
    assert to == sorted(
        ["lena.haas", "james.whitfield", "ingrid.dahl", "marc.dubois", "viktor.kess", "daria.vol"]
    ), to
    assert all("review due" in e.subject and "Corridors open." in e.body for e in sent)
    assert all(e.subject.startswith("[RESTRICTED]") for e in sent)
    d.refresh_from_db()
    assert d.review_reminded_at is not None
    entries = _entries(d, "meetings.decision.review_reminder")
    assert len(entries) == 1 and entries[0].actor_name == services.CLOCK_ACTOR
    # once: running again (or later) sends nothing
    mail.outbox.clear()
    assert ours(services.send_review_reminders(on_the_day + timedelta(days=1))) == []
    assert mail.outbox == []
    # a new review date: a new reminder on that day
    with mock.patch("django.utils.timezone.now", return_value=on_the_day):
        services.record_outcome(
            viewer("lena.haas"), m, d.pk, statement="Corridors open.", review_on=day + timedelta(7)
        )
    assert ours(services.send_review_reminders(on_the_day + timedelta(days=7))) == [d.pk]
    assert isinstance(tasks.remind_decision_reviews.call_local(), int)


def test_review_reminder_only_to_readers(make_meeting, viewer, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    m = make_meeting(starts_in=-1, label=LabelValue.of(3), rapporteur=None)
    d = _closed(viewer, m, title="Secret annex review")
    day = services.meeting_today(m) + timedelta(days=1)
    services.record_outcome(viewer("lena.haas"), m, d.pk, statement="Kept.", review_on=day)
    mail.outbox.clear()
    services.send_review_reminders(timezone.now() + timedelta(days=2))
    to = sorted(e.to[0].split("@")[0] for e in mail.outbox if "Secret annex" in e.subject)
    assert to == ["ingrid.dahl", "james.whitfield", "lena.haas"], to  # cleared for level 3


# --- the export --------------------------------------------------------------------------------
def test_export_html_and_pdf(make_meeting, viewer, client_for, api_for, monkeypatch):
    m = make_meeting(starts_in=-1, title="Export plenary")
    d = _closed(
        viewer,
        m,
        title="Adoption of the annex",
        threshold="2/3",
        quorum=None,
        votes={"ana.costa": "agree", "ingrid.dahl": "agree", "viktor.kess": "disagree"},
    )
    day = services.meeting_today(m) + timedelta(days=30)
    services.record_outcome(
        viewer("lena.haas"),
        m,
        d.pk,
        statement="The annex is adopted by the Parties.",
        review_on=day,
    )
    d.refresh_from_db()
    r = client_for("ana.costa").get(f"{PAGE}/{m.pk}/decisions/{d.pk}/export.html")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    html = r.content.decode()
    assert d.arithmetic and d.arithmetic in html  # the verdict with its arithmetic
    assert "The annex is adopted by the Parties." in html
    assert html.count('class="banner"') == 2 and ">RESTRICTED</div>" in html
    assert "ARD (Ardania" in html or "ARD (" in html
    assert "Agree" in html and "Disagree" in html  # an open vote: each party's choice
    assert f"{day.day} {day:%B %Y}" in html
    assert "Lena Haas" in html  # who closed it (the chair)

    # the PDF (DejaVu when the server has it): a PDF, to download
    pdf = client_for("ana.costa").get(f"{PAGE}/{m.pk}/decisions/{d.pk}/export.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content[:5] == b"%PDF-" and len(pdf.content) > 2000
    assert pdf["Content-Disposition"].startswith("attachment;")
    # its text, drawn with the core fonts so that it can be read here
    monkeypatch.setattr(exports, "FONT_DIRS", [])
    body = (
        api_for("ana.costa")
        .get(f"{API}/meetings/{m.pk}/decisions/{d.pk}/export?format=pdf")
        .content
    )
    text = _pdf_text(body)
    assert text.startswith("RESTRICTED") and text.rstrip().endswith("RESTRICTED"), text[:80]
    assert "Adoption of the annex" in text and "The annex is adopted by the Parties." in text
    assert "Disagree" in text and "at least two thirds" in " ".join(text.split())
    rest = api_for("ana.costa").get(f"{API}/meetings/{m.pk}/decisions/{d.pk}/export?format=html")
    assert rest.status_code == 200 and d.arithmetic in rest.content.decode()
    bad = api_for("ana.costa").get(f"{API}/meetings/{m.pk}/decisions/{d.pk}/export?format=doc")
    assert bad.status_code == 422 and "format" in bad.json()["error"]["message"]


def test_secret_vote_export_shows_who_not_how(make_meeting, viewer, client_for, monkeypatch):
    m = make_meeting(starts_in=-1)
    d = _closed(
        viewer,
        m,
        secret=True,
        title="Secret ballot",
        votes={"ana.costa": "agree", "viktor.kess": "disagree"},
    )
    services.record_outcome(viewer("lena.haas"), m, d.pk, statement="Decided by secret ballot.")
    html = client_for("ingrid.dahl").get(f"{PAGE}/{m.pk}/decisions/{d.pk}/export.html")
    html = html.content.decode()
    assert "who voted is known, not how" in html
    assert "voted" in html and "Disagree" not in html and ">Agree" not in html
    monkeypatch.setattr(exports, "FONT_DIRS", [])
    pdf = client_for("ingrid.dahl").get(f"{PAGE}/{m.pk}/decisions/{d.pk}/export.pdf")
    text = _pdf_text(pdf.content)
    assert "KES (" in text and "voted" in text
    assert "Agree" not in text and "Disagree" not in text


def test_caucus_decision_export_not_found_for_another_party(
    make_meeting, viewer, client_for, api_for
):
    m = make_meeting(
        label=LabelValue.of(1, ["KES", "MED"]),
        kind="caucus",
        rapporteur="lena.haas",
        parties=["KES", "MED"],
    )
    d = _closed(viewer, m, eligible=["KES", "MED"], title="Zone of 20 km")
    services.record_outcome(viewer("lena.haas"), m, d.pk, statement="20 km, verified.")
    for who, status in (("daria.vol", 404), ("ana.costa", 404), ("viktor.kess", 200)):
        for fmt in ("html", "pdf"):
            page = client_for(who).get(f"{PAGE}/{m.pk}/decisions/{d.pk}/export.{fmt}")
            rest = api_for(who).get(f"{API}/meetings/{m.pk}/decisions/{d.pk}/export?format={fmt}")
            assert (page.status_code, rest.status_code) == (status, status), (who, fmt)
            if status == 404:
                assert b"20 km" not in page.content + rest.content
    # and an id that names nothing answers the same
    assert (
        client_for("daria.vol").get(f"{PAGE}/{m.pk}/decisions/999999/export.html").status_code
        == 404
    )


# --- pages and REST ----------------------------------------------------------------------------
def test_page_form_and_rest_round_trip(make_meeting, viewer, client_for, api_for, counts):
    m = make_meeting(starts_in=-1)
    d = _closed(viewer, m, votes={"ana.costa": "agree"})
    url = f"{PAGE}/{m.pk}/decisions/{d.pk}/"
    page = client_for("lena.haas").get(url).content.decode()
    assert "Record the outcome" in page and "Download (PDF)" in page and "Print view (HTML)" in page
    assert "export.pdf" in page and "export.html" in page
    ana = client_for("ana.costa").get(url).content.decode()
    assert "Record the outcome" not in ana and "Download (PDF)" in ana
    before = counts()
    r = client_for("ana.costa").post(url, {"action": "outcome", "statement": "Ours."})
    assert r.status_code == 403
    past = (timezone.now().date() - timedelta(days=3)).isoformat()
    r = client_for("lena.haas").post(
        url, {"action": "outcome", "statement": "Kept text.", "review_on": past}
    )
    assert r.status_code == 422 and "after today" in r.content.decode()
    assert "Kept text." in r.content.decode()  # the form keeps what was sent
    r = client_for("lena.haas").post(
        url, {"action": "outcome", "statement": "x", "review_on": "soon"}
    )
    assert r.status_code == 422 and "review date is not a date" in r.content.decode()
    assert counts() == before
    day = services.meeting_today(m) + timedelta(days=14)
    r = client_for("lena.haas").post(
        url, {"action": "outcome", "statement": "Adopted at the table.", "review_on": day}
    )
    assert r.status_code == 302
    page = client_for("ana.costa").get(url).content.decode()
    assert "Adopted at the table." in page and f"{day.day} {day:%B %Y}" in page
    assert "Review due" not in page

    # REST: PUT the outcome, GET it back
    api = api_for("pavel.novak")
    later = (day + timedelta(days=7)).isoformat()
    r = send(
        api,
        "put",
        f"/meetings/{m.pk}/decisions/{d.pk}/outcome",
        {"statement": "Adopted; review in three weeks.", "review_on": later},
    )
    assert r.status_code == 200, r.content
    assert r.json()["statement"] == "Adopted; review in three weeks."
    assert r.json()["review_on"] == later
    got = api_for("ana.costa").get(f"{API}/meetings/{m.pk}/decisions/{d.pk}").json()
    assert (got["statement"], got["review_on"]) == ("Adopted; review in three weeks.", later)
    before = counts()
    r = send(
        api_for("ana.costa"),
        "put",
        f"/meetings/{m.pk}/decisions/{d.pk}/outcome",
        {"statement": "Ours."},
    )
    assert r.status_code == 403
    r = send(
        api,
        "put",
        f"/meetings/{m.pk}/decisions/{d.pk}/outcome",
        {"statement": "x", "review_on": past},
    )
    assert r.status_code == 422 and "after today" in r.json()["error"]["message"]
    opened = services.propose(
        viewer("lena.haas"), m, title="Still open", text="x", rule="consensus", eligible=ALL
    )
    before = counts()
    r = send(api, "put", f"/meetings/{m.pk}/decisions/{opened.pk}/outcome", {"statement": "x"})
    assert r.status_code == 409 and "still open" in r.json()["error"]["message"]
    assert counts() == before


def test_review_due_shown_on_the_page(make_meeting, viewer, client_for):
    m = make_meeting(starts_in=-1)
    d = _closed(viewer, m)
    day = services.meeting_today(m) + timedelta(days=1)
    services.record_outcome(viewer("lena.haas"), m, d.pk, statement="Due soon.", review_on=day)
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(days=2)):
        page = client_for("ana.costa").get(f"{PAGE}/{m.pk}/decisions/{d.pk}/").content.decode()
    assert "Review due" in page


def test_demo_adoption_of_the_agenda_has_its_outcome(plenary1, client_for):
    d = Decision.objects.get(meeting=plenary1, title="Adoption of the agenda")
    assert d.statement and d.review_on == services.meeting_today(plenary1) + timedelta(days=30)
    html = (
        client_for("ana.costa")
        .get(f"{PAGE}/{plenary1.pk}/decisions/{d.pk}/export.html")
        .content.decode()
    )
    assert d.statement.split(".")[0] in html and "Pavel Novak" in html


def test_closed_by_the_clock_says_so(make_meeting, viewer, client_for):
    m = make_meeting(starts_in=-1)
    d = services.propose(
        viewer("lena.haas"),
        m,
        title="Silent annex",
        text="Adopted unless broken.",
        rule="silence",
        eligible=ALL,
        closes_at=timezone.now() + timedelta(hours=1),
    )
    services.run_decision_clocks(timezone.now() + timedelta(hours=2))
    d.refresh_from_db()
    assert d.status == "closed" and d.closed_by is None
    url = f"{PAGE}/{m.pk}/decisions/{d.pk}/"
    assert "by the decision clock" in client_for("ana.costa").get(url).content.decode()
    html = client_for("ana.costa").get(url + "export.html").content.decode()
    assert "by the decision clock" in html and "Did not vote" in html
