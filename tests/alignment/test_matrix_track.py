"""The synchronization matrix's negotiation track: meetings, decisions, commitment deadlines and
anchor events (D+n), each read through its own domain's queries — nothing unreadable shown or
counted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from accord.alignment import queries
from accord.core import access
from accord.core.demo import member_viewer
from accord.core.labels import LabelValue
from accord.implementation.models import AnchorEvent, Commitment
from accord.meetings.models import Decision, Meeting

pytestmark = pytest.mark.django_db

PAGES = "/p/lake-varna/alignment"
KES_ONLY = LabelValue(level=1, rel_to=frozenset({"KES"}))


def _window():
    start = timezone.now() - timedelta(days=1)
    return start, start + timedelta(days=14)


@pytest.fixture
def kes_secrets(demo):
    """A KES-only decision closing tomorrow and a KES-only commitment due in three days, beside
    the demo's KES/MED caucus meeting (today)."""
    label = access.label_row(demo, KES_ONLY)
    d = Decision.objects.get(meeting__process=demo, title__startswith="Humanitarian corridors")
    d.label = label
    d.closes_at = timezone.now() + timedelta(days=1)
    d.save()
    c = Commitment.objects.filter(agreement__process=demo).first()
    c.what = "Kestrian-only deadline"
    c.anchor, c.amount, c.unit = None, None, ""
    c.due_date = timezone.localdate() + timedelta(days=3)
    c.label = label
    c.save()
    caucus = Meeting.objects.get(process=demo, title__startswith="Envoy's caucus")
    caucus.starts_at = timezone.now() + timedelta(hours=2)
    caucus.ends_at = caucus.starts_at + timedelta(hours=2)
    caucus.save()
    return d, c, caucus


def test_track_lists_each_kind_with_its_page(demo, kes_secrets):
    d, c, caucus = kes_secrets
    ag = c.agreement
    anchor = AnchorEvent.objects.filter(agreement=ag).first()
    anchor.occurred_on = timezone.localdate() + timedelta(days=2)
    anchor.save()
    items = queries.track(member_viewer(demo, "viktor.kess"), *_window())
    got = {(i.row, i.title): i for i in items}
    assert ("meetings", caucus.title) in got
    assert got[("meetings", caucus.title)].url == f"/p/lake-varna/meetings/{caucus.pk}/"
    assert got[("decisions", d.title)].url.endswith(f"/decisions/{d.pk}/")
    assert got[("decisions", d.title)].what == "decision closes"
    assert got[("deadlines", c.what)].url.endswith(f"/commitments/{c.pk}/")
    assert got[("deadlines", f"D-day: {anchor.name}")].start == anchor.occurred_on
    # A commitment hanging on the anchor (D+n) follows its date when it falls in the window.
    dn = [i for i in items if i.what.startswith("deadline: ")]
    assert all("after" in i.what for i in dn)


def test_track_hides_what_another_party_may_not_read(demo, kes_secrets):
    d, c, caucus = kes_secrets
    items = queries.track(member_viewer(demo, "col.marsh"), *_window())
    titles = {i.title for i in items}
    assert not {d.title, c.what, caucus.title} & titles
    assert {i.row for i in items} <= {"meetings", "decisions", "deadlines"}


def test_matrix_page_track_rows_and_leak(demo, kes_secrets, client_for):
    d, c, caucus = kes_secrets
    viktor = client_for("viktor.kess").get(f"{PAGES}/matrix/").content.decode()
    assert "Negotiation track" in viktor
    for text in (caucus.title, d.title, c.what):
        assert escape(text) in viktor
    assert f'href="/p/lake-varna/meetings/{caucus.pk}/"' in viktor
    marsh = client_for("col.marsh").get(f"{PAGES}/matrix/").content.decode()
    assert "Negotiation track" in marsh
    for text in (caucus.title, d.title, c.what, f"/meetings/{caucus.pk}/", f"/commitments/{c.pk}/"):
        assert escape(text) not in marsh
    # A public meeting in the window is shown to both.
    third = Meeting.objects.get(process=demo, title="Third plenary session")
    assert third.title in marsh and third.title in viktor
    # The other weeks: out of the window, not shown.
    far = client_for("viktor.kess").get(f"{PAGES}/matrix/?from=35").content.decode()
    assert escape(caucus.title) not in far and d.title not in far


def test_matrix_columns_count_days_from_a_readable_anchor(demo, client_for):
    """With an anchor event chosen, each column reads D+n from its day; an anchor of an
    agreement the reader may not read is neither offered nor used."""
    from accord.implementation.models import Agreement

    ev = AnchorEvent.objects.filter(agreement__process=demo, occurred_on__isnull=False).first()
    today = timezone.localdate()
    n = (today - ev.occurred_on).days
    page = client_for("viktor.kess").get(f"{PAGES}/matrix/?anchor={ev.pk}").content.decode()
    assert "Count days from" in page and f"D+{n}<br>" in page and f"D+{n - 1}<br>" in page
    # the same agreement made KES-only: col.marsh (ARD) is not offered it, and ?anchor= is ignored
    a = Agreement.objects.get(pk=ev.agreement_id)
    a.label = access.label_row(demo, KES_ONLY)
    a.save()
    marsh = client_for("col.marsh").get(f"{PAGES}/matrix/?anchor={ev.pk}").content.decode()
    assert f"D+{n}<br>" not in marsh and escape(ev.name) + "," not in marsh
