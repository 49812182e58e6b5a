"""Who reads a position: its own party, MEDIATION holders with the clearance, and — through a
release — exactly the named parties, exactly the released fields. Checked through the ORM
queries, the API, the matrix, the HTML page, exports and the ledger timeline."""

from __future__ import annotations

import re

import pytest

from accord.core.demo import MEMBERS
from accord.core.errors import NotFound
from accord.ledger import queries as ledger_queries
from accord.ledger.models import Entry
from accord.negotiation import queries, services
from accord.negotiation.models import Position

pytestmark = pytest.mark.django_db
MARK = "ZEBRA-7731"
ALL = [m.username for m in MEMBERS]
# KES CONFIDENTIAL position: Viktor (KES, CONFIDENTIAL) and the three MEDIATION holders with
# CONFIDENTIAL or more. Ilya is KES but only RESTRICTED; nobody of another party reads it.
KES_READERS = {"viktor.kess", "lena.haas", "amara.okafor", "pavel.novak"}


@pytest.fixture
def kes_position(demo, viewer, issue):
    """A fresh KES position on prisoner exchange (KES had none), marked for leak hunting."""
    return services.state_position(
        viewer("viktor.kess"),
        issue("Prisoner exchange"),
        preferred_option="lists-agreed-case-by-case-3",
        acceptable_options=["lists-agreed-case-by-case-3", "phased-by-category-2"],
        red_lines=["all-for-all-1"],
        salience=77,
        interests=f"{MARK} interests",
        evidence=f"{MARK} cable",
    )


def _cell(m: queries.Matrix, issue_id: int, party: str) -> queries.Cell:
    row = next(r for r in m.rows if r.issue.pk == issue_id)
    return next(c for c in row.cells if c.party == party)


def test_unreleased_position_reaches_only_own_party_and_mediators(
    kes_position, viewer, api_for, client_for, doc
):
    """Every demo member in turn (one database for all: the demo loads once)."""
    for username in ALL:
        _check_unreleased(kes_position, viewer, api_for, client_for, doc, username)


def _check_unreleased(kes_position, viewer, api_for, client_for, doc, username):
    allowed = username in KES_READERS
    v = viewer(username)
    assert queries.positions(v).filter(pk=kes_position.pk).exists() is allowed
    if not allowed:
        with pytest.raises(NotFound):
            queries.position(v, kes_position.pk)
    # matrix: the KES cell is readable, or HIDDEN (never "not stated" for another party)
    cell = _cell(queries.matrix(v), kes_position.issue_id, "KES")
    if allowed:
        assert cell.state == "full" and cell.get("salience") == 77
    else:
        assert cell.state == ("none" if v.party_code == "KES" else "hidden")
        assert cell.values == {}
    # API: list, object, revisions, matrix
    api = api_for(username)
    base = "/api/v1/processes/lake-varna/negotiation"
    listing = api.get(f"{base}/positions?limit=500")
    assert (MARK.encode() in listing.content) is allowed
    assert api.get(f"{base}/positions/{kes_position.pk}").status_code == (200 if allowed else 404)
    rev = api.get(f"{base}/positions/{kes_position.pk}/revisions")
    assert rev.status_code == (200 if allowed else 404)
    mat = api.get(f"{base}/matrix").json()
    row = next(r for r in mat["rows"] if r["issue"]["id"] == kes_position.issue_id)
    kes = next(c for c in row["cells"] if c["party"] == "KES")
    assert (kes["values"].get("salience") == 77) is allowed
    if not allowed and v.party_code != "KES":
        assert kes["state"] == "HIDDEN"
    # the HTML page shows the same cell
    html = client_for(username).get("/p/lake-varna/negotiation/").content.decode()
    row_html = re.search(
        rf'<tr [^>]*data-issue="{kes_position.issue_id}">(.*?)</tr>', html, re.S
    ).group(1)
    kes_cell = re.search(r'<td [^>]*data-party="KES" class="accord-cell--(\w+)">', row_html).group(
        1
    )
    assert kes_cell == ("full" if allowed else ("none" if v.party_code == "KES" else "hidden"))
    # exports of the text never carry positions
    for fmt in ("html", "docx", "pdf"):
        body = api.get(f"{base}/documents/{doc.pk}/export?format={fmt}").content
        assert MARK.encode() not in body
    # the ledger: the position's entry is readable by its own party only (sealed for the rest)
    entry = Entry.objects.get(action="position.state", subject_id=str(kes_position.pk))
    own_party_cleared = username == "viktor.kess"
    assert ledger_queries.timeline(v).filter(pk=entry.pk).exists() is own_party_cleared
    activity = api.get("/api/v1/processes/lake-varna/activity?limit=500")
    assert MARK.encode() not in activity.content


def test_mediation_path_needs_clearance(demo, viewer, issue):
    """A SECRET ARD position: Lena (SECRET, MEDIATION) reads it, Pavel (CONFIDENTIAL) does not."""
    pos = services.state_position(
        viewer("james.whitfield"),
        issue("Time to elections"),
        preferred_value=18,
        acceptable_min=12,
        acceptable_max=24,
        level=3,
    )
    assert pos.label.value.display() == "SECRET // REL TO ARD"
    assert queries.positions(viewer("lena.haas")).filter(pk=pos.pk).exists()
    assert queries.read_as(viewer("lena.haas"), pos.label.value).display() == (
        "SECRET // MEDIATION"
    )
    assert not queries.positions(viewer("pavel.novak")).filter(pk=pos.pk).exists()
    assert not queries.positions(viewer("ana.costa")).filter(pk=pos.pk).exists()  # own party,
    assert queries.positions(viewer("col.marsh")).filter(pk=pos.pk).exists()  # by clearance
    # caveat without MEDIATION is not enough: Ingrid is SECRET but NOR without MEDIATION
    assert not queries.positions(viewer("ingrid.dahl")).filter(pk=pos.pk).exists()


def test_mediation_path_requires_the_caveat_not_the_party(demo, viewer, member):
    """Amara loses the MEDIATION caveat: she no longer reads KES positions, though still MED."""
    from accord.core import services as core

    kes = Position.objects.filter(party__code="KES")
    assert queries.positions(viewer("amara.okafor")).filter(pk__in=kes).count() == kes.count()
    core.update_member(viewer("amara.okafor"), member("lena.haas"), caveats=[])
    assert not queries.positions(viewer("lena.haas")).filter(pk__in=kes).exists()


def test_release_shows_exactly_the_part_to_exactly_the_parties(kes_position, viewer, api_for):
    rel = services.release_position(
        viewer("viktor.kess"), kes_position, to=["NVF", "ARD"], scope="preferred"
    )
    for username in ALL:
        _check_release(kes_position, rel, viewer, api_for, username)


def _check_release(kes_position, rel, viewer, api_for, username):
    assert rel.label.value.display() == "CONFIDENTIAL // REL TO ARD, KES, NVF"
    assert rel.released == {
        "preferred_option": "lists-agreed-case-by-case-3",
        "preferred_value": None,
    }
    v = viewer(username)
    party_cleared = v.party_code in {"ARD", "NVF", "KES"} and v.clearance >= 2
    sees_release = queries.releases(v).filter(pk=rel.pk).exists()
    assert sees_release is party_cleared
    cell = _cell(queries.matrix(v), kes_position.issue_id, "KES")
    if username in KES_READERS:
        assert cell.state == "full"
    elif party_cleared:
        assert cell.state == "released"
        assert set(cell.values) == {"preferred_option", "preferred_value"}
        assert cell.get("acceptable_options") is None and cell.get("salience") is None
        assert cell.label == rel.label.value
    else:
        assert cell.state in {"hidden", "none"}
    # the released part is visible; the rest of the position (and its marker) is not
    body = api_for(username).get("/api/v1/processes/lake-varna/negotiation/releases?limit=500")
    assert (b"lists-agreed-case-by-case-3" in body.content) is party_cleared
    assert MARK.encode() not in body.content
    # the release is recorded, under the release's label
    entry = Entry.objects.get(action="position.release", subject_id=str(rel.pk))
    assert entry.label_id == rel.label_id
    assert ledger_queries.timeline(v).filter(pk=entry.pk).exists() is party_cleared


def test_derived_figures_inherit_the_combined_label(demo, viewer, issue):
    """ZOPA from ARD's own position and KES's release to ARD: REL TO ARD only."""
    v = viewer("james.whitfield")
    row = next(r for r in queries.matrix(v).rows if r.issue.title.startswith("Withdrawal"))
    assert row.zopa == {"low": 15.0, "high": 20.0, "empty": False, "unit": "km"}
    assert sorted(row.zopa_parties) == ["ARD", "KES"]
    assert row.derived_label.display() == "CONFIDENTIAL // REL TO ARD"
    # the mediator reads three positions (ARD, KES, NVF) on the mediation path
    med = next(
        r for r in queries.matrix(viewer("lena.haas")).rows if r.issue.title.startswith("With")
    )
    assert sorted(med.zopa_parties) == ["ARD", "KES", "NVF"]
    assert med.zopa == {"low": 15.0, "high": 15.0, "empty": False, "unit": "km"}
    assert med.derived_label.display() == "CONFIDENTIAL // MEDIATION"
    # divergence: salience-weighted spread of 15 (60), 20 (90), 10 (70) over a 0–30 km range
    xs, ws = [15, 20, 10], [60, 90, 70]
    mean = sum(w * x for w, x in zip(ws, xs)) / sum(ws)
    sd = (sum(w * (x - mean) ** 2 for w, x in zip(ws, xs)) / sum(ws)) ** 0.5
    assert med.divergence == pytest.approx(sd / 30, abs=1e-4)
    # a delegation with nothing readable from others gets no figures at all
    ana_row = next(
        r for r in queries.matrix(viewer("viktor.kess")).rows if r.issue.title.startswith("Time")
    )
    assert ana_row.zopa is None and ana_row.divergence is None


def test_page_banner_carries_the_matrix_label(demo, client_for):
    html = client_for("lena.haas").get("/p/lake-varna/negotiation/").content.decode()
    assert re.search(r'class="banner"[^>]*>CONFIDENTIAL // MEDIATION<', html)
    html = client_for("viktor.kess").get("/p/lake-varna/negotiation/").content.decode()
    assert re.search(r'class="banner"[^>]*>CONFIDENTIAL // REL TO KES<', html)
