"""The negotiation pages as people use them (issue #15): positions stated, revised, released
from the workspace's issue page; new texts, articles, clauses, amendments and comments from
the pages; words instead of codes and ids; numbers and times for people. Every refused form
answers 4xx with the reason, keeps what was sent, and writes nothing."""

from __future__ import annotations

import re

import pytest

from accord.ledger.models import Entry
from accord.negotiation import queries, services
from accord.negotiation.models import Amendment, AmendmentComment, Document, Position
from accord.negotiation.templatetags import nego

pytestmark = pytest.mark.django_db
WS = "/p/lake-varna/negotiation"


def _issue_url(issue, tail: str = "") -> str:
    return f"{WS}/issues/{issue.pk}/{tail}"


# --- positions from the page ------------------------------------------------------------------
def test_a_delegate_states_and_revises_a_position_from_the_issue_page(client_for, issue):
    monitoring = issue("Monitoring")
    ana = client_for("ana.costa")
    ws = ana.get(f"{WS}/").content.decode()
    # the matrix cell of one's own party opens the form
    assert f'href="{_issue_url(monitoring)}#position">State your position' in ws
    page = ana.get(_issue_url(monitoring)).content.decode()
    assert 'id="position"' in page and "No preference stated" in page
    assert "Releasable to your party (ARD) only" in page  # the label picker, REL TO fixed
    r = ana.post(
        _issue_url(monitoring, "position/"),
        {
            "preferred_option": "vmm-with-joint-commission-2",
            "acceptable_options": ["vmm-alone-1", "vmm-with-joint-commission-2"],
            "red_lines": ["joint-commission-alone-3"],
            "salience": "65",
            "interests": "A credible mission.",
            "label_level": "2",
        },
    )
    assert r.status_code == 302 and r["Location"].endswith("#position")
    pos = Position.objects.get(issue=monitoring, party__code="ARD")
    assert pos.revision == 1 and pos.salience == 65 and pos.label.rel_to == ["ARD"]
    assert Entry.objects.filter(action="position.state", subject_id=str(pos.pk)).exists()
    r = ana.post(
        _issue_url(monitoring, "position/"),
        {
            "preferred_option": "vmm-alone-1",
            "acceptable_options": ["vmm-alone-1"],
            "salience": "65",
            "label_level": "2",
        },
    )
    assert r.status_code == 302
    pos.refresh_from_db()
    assert pos.revision == 2 and pos.red_lines == [] and pos.interests == ""
    # the history names options by name, never by key
    page = ana.get(_issue_url(monitoring)).content.decode()
    assert "preferred option: VMM with joint commission → VMM alone" in page
    assert "vmm-alone-1<" not in page and "phased-by-category" not in page


@pytest.mark.parametrize(
    ("issue_prefix", "fields", "says"),
    [
        ("Monitoring", {"salience": "lots"}, "salience must be a whole number"),
        ("Monitoring", {"salience": "150"}, "salience must be a whole number 0–100"),
        (
            "Monitoring",
            {
                "preferred_option": "vmm-alone-1",
                "acceptable_options": ["vmm-with-joint-commission-2"],
            },
            "must be among the acceptable",
        ),
        ("Time to elections", {"preferred_value": "40"}, "outside the issue"),
        ("Time to elections", {"preferred_value": "7"}, "on a step of 6"),
        ("Time to elections", {"acceptable_min": "12"}, "both ends"),
        ("Time to elections", {"preferred_value": "soon"}, "must be a number"),
        ("Monitoring", {"label_level": "3"}, "clearance"),  # ana is CONFIDENTIAL
    ],
)
def test_a_refused_position_form_comes_back_as_sent_and_writes_nothing(
    client_for, issue, snapshot, issue_prefix, fields, says
):
    target = issue(issue_prefix)
    data = {"salience": "50", "interests": "Kept as sent", "label_level": "2", **fields}
    before = snapshot()
    r = client_for("ana.costa").post(_issue_url(target, "position/"), data)
    assert r.status_code in (403, 409, 422), r.status_code
    html = r.content.decode()
    assert says in html.lower() or says in html
    assert "Kept as sent</textarea>" in html
    assert snapshot() == before


def test_who_may_not_state_a_position_gets_no_form_and_a_refusal(client_for, issue, snapshot):
    monitoring = issue("Monitoring")
    lena = client_for("lena.haas")  # the mediator reads positions, states none
    page = lena.get(_issue_url(monitoring)).content.decode()
    assert 'id="position"' not in page
    assert 'data-party="KES"' in page and "VMM alone" in page  # reads KES on mediation path
    before = snapshot()
    r = lena.post(_issue_url(monitoring, "position/"), {"salience": "50"})
    assert r.status_code == 403
    assert client_for("mei.tanaka").get(_issue_url(issue("Withdrawal"))).status_code == 200
    assert snapshot() == before


def test_a_head_of_delegation_releases_part_of_a_position_to_one_party(
    client_for, issue, viewer, snapshot
):
    withdrawal = issue("Withdrawal")
    james = client_for("james.whitfield")
    page = james.get(_issue_url(withdrawal)).content.decode()
    assert 'id="releases"' in page and ">The full position</label>" in page
    before = snapshot()
    # refused: nobody named; a negotiator (no release right); nothing written
    r = james.post(_issue_url(withdrawal, "releases/"), {"scope": "preferred"})
    assert r.status_code == 422 and "at least one party" in r.content.decode()
    r = client_for("ana.costa").post(
        _issue_url(withdrawal, "releases/"), {"scope": "preferred", "to": ["KES"]}
    )
    assert r.status_code == 403
    r = james.post(_issue_url(withdrawal, "releases/"), {"scope": "everything", "to": ["KES"]})
    assert r.status_code == 422
    assert snapshot() == before
    r = james.post(_issue_url(withdrawal, "releases/"), {"scope": "preferred", "to": ["KES"]})
    assert r.status_code == 302
    cell = next(
        c
        for c in queries.matrix(viewer("viktor.kess"), withdrawal.pk).rows[0].cells
        if c.party == "ARD"
    )
    assert cell.state == "released" and cell.values == {
        "preferred_option": "",
        "preferred_value": 15,
    }
    kes = client_for("viktor.kess").get(f"{WS}/").content.decode()
    row = re.search(rf'<tr id="issue-{withdrawal.pk}".*?</tr>', kes, re.S).group(0)
    ard = re.search(r'data-party="ARD".*?</td>', row, re.S).group(0)
    assert "15 km" in ard and "Released to you: the preferred value" in ard
    assert "Acceptable" not in ard and "Salience" not in ard


def test_the_pen_sets_an_issue_status_in_words(client_for, issue, snapshot):
    withdrawal = issue("Withdrawal")
    lena = client_for("lena.haas")
    page = lena.get(_issue_url(withdrawal)).content.decode()
    assert '<option value="agreed_ad_ref">Agreed ad referendum</option>' in page
    before = snapshot()
    assert (
        client_for("viktor.kess")
        .post(_issue_url(withdrawal, "status/"), {"status": "agreed"})
        .status_code
        == 403
    )
    assert lena.post(_issue_url(withdrawal, "status/"), {"status": "done"}).status_code == 422
    assert snapshot() == before
    assert (
        lena.post(_issue_url(withdrawal, "status/"), {"status": "agreed_ad_ref"}).status_code == 302
    )
    ws = client_for("viktor.kess").get(f"{WS}/").content.decode()
    assert ">agreed ad referendum</span>" in ws and "agreed_ad_ref<" not in ws


# --- texts, articles, clauses, amendments from the pages ---------------------------------------
def test_the_pen_opens_a_text_from_the_workspace(client_for, demo, snapshot, viewer):
    lena = client_for("lena.haas")
    ws = lena.get(f"{WS}/").content.decode()
    assert "New negotiating text" in ws
    assert "New negotiating text" not in client_for("viktor.kess").get(f"{WS}/").content.decode()
    before = snapshot()
    bad = lena.post(
        f"{WS}/text/new", {"title": "", "required_parties": ["KES"], "label_level": "1"}
    )
    assert bad.status_code == 422 and "needs a title" in bad.content.decode()
    bad = lena.post(
        f"{WS}/text/new",
        {"title": "Annex B", "clauses": "Corridor [1 / 2] opens.", "label_level": "1"},
    )
    assert bad.status_code == 422 and "heading" in bad.content.decode()
    assert 'value="Annex B"' in bad.content.decode()  # kept as sent
    assert (
        client_for("viktor.kess")
        .post(f"{WS}/text/new", {"title": "x", "required_parties": ["KES"]})
        .status_code
        == 403
    )
    assert snapshot() == before
    r = lena.post(
        f"{WS}/text/new",
        {
            "title": "Annex B: corridors",
            "required_parties": ["KES", "NVF"],
            "heading": "Corridors",
            "clauses": "Corridor [1 {KES} / 2 {NVF}] opens.\n\nIt stays open.",
            "label_level": "1",
        },
    )
    assert r.status_code == 302
    doc = Document.objects.get(process=demo, title="Annex B: corridors")
    assert doc.required_parties == ["KES", "NVF"]
    view = queries.text(viewer("lena.haas"), doc)
    assert [c.text for c in view.articles[0].clauses] == [
        "Corridor [1 / 2] opens.",
        "It stays open.",
    ]


def test_the_pen_adds_an_article_and_a_clause_and_deletes_one_after_asking(
    client_for, doc, snapshot, clause_no, viewer
):
    url = f"{WS}/text/{doc.pk}/"
    lena = client_for("lena.haas")
    page = lena.get(url).content.decode()
    assert "New article" in page and "Add a clause to article 1" in page
    before = snapshot()
    assert lena.post(f"{url}articles/new", {"heading": "", "base_version": "1"}).status_code == 422
    r = lena.post(f"{url}articles/new", {"heading": "Final clauses", "base_version": "9"})
    assert r.status_code == 422 and "version 9 does not exist" in r.content.decode()
    assert (
        client_for("viktor.kess")
        .post(f"{url}articles/new", {"heading": "x", "base_version": "1"})
        .status_code
        == 403
    )
    assert snapshot() == before
    assert (
        lena.post(
            f"{url}articles/new", {"heading": "Final clauses", "base_version": "1"}
        ).status_code
        == 302
    )
    view = queries.text(viewer("lena.haas"), doc)
    final = view.articles[-1]
    assert final.heading == "Final clauses" and view.version.number == 2
    r = lena.post(
        f"{url}clauses/new",
        {
            "article_id": final.article_id,
            "text": "This Agreement enters into force.",
            "base_version": "2",
        },
    )
    assert r.status_code == 302
    view = queries.text(viewer("lena.haas"), doc)
    assert view.articles[-1].clauses[0].number == "7.1" and view.version.number == 3
    # stale: built on version 2, the text is at 3 now
    before = snapshot()
    r = lena.post(
        f"{url}clauses/new", {"article_id": final.article_id, "text": "x", "base_version": "2"}
    )
    assert r.status_code == 409
    assert lena.post(f"{url}clauses/new", {"text": "x", "base_version": "3"}).status_code == 422
    assert snapshot() == before
    # deleting asks first
    clause = clause_no("7.1")
    r = lena.post(f"{url}clauses/{clause.pk}/delete/", {"base_version": "3"})
    assert r.status_code == 200 and "Delete clause 7.1?" in r.content.decode()
    assert snapshot() == before
    r = lena.post(f"{url}clauses/{clause.pk}/delete/", {"base_version": "3", "confirmed": "1"})
    assert r.status_code == 302
    assert doc.versions.count() == 4


def test_amendments_are_proposed_and_commented_from_the_clause(
    client_for, doc, clause_no, snapshot
):
    url = f"{WS}/text/{doc.pk}/"
    clause = clause_no("2.1")
    kes = client_for("viktor.kess")
    page = kes.get(url).content.decode()
    assert f'action="{url}clauses/{clause.pk}/amend/"' in page
    before = snapshot()
    r = kes.post(
        f"{url}clauses/{clause.pk}/amend/",
        {"kind": "replace", "text": "Heavy weapons [withdraw", "base_version": "1"},
    )
    assert r.status_code == 422 and "never closed" in r.content.decode()
    assert (
        client_for("mei.tanaka")
        .post(f"{url}clauses/{clause.pk}/amend/", {"kind": "delete", "base_version": "1"})
        .status_code
        == 404
    )
    assert snapshot() == before
    r = kes.post(
        f"{url}clauses/{clause.pk}/amend/",
        {
            "kind": "insert",
            "text": "Artillery shall be withdrawn [25 km / 30 km].",
            "rationale": "Artillery outranges the 20 km line.",
            "base_version": "1",
        },
    )
    assert r.status_code == 302 and r["Location"].endswith(f"#clause-{clause.pk}")
    am = Amendment.objects.get(document=doc, kind="insert", party__code="KES")
    assert am.clause_id == clause.pk and am.article_id is not None
    page = client_for("daria.vol").get(url).content.decode()
    block = re.search(
        rf'<div class="accord-clause[^"]*" id="clause-{clause.pk}".*?Propose an amendment',
        page,
        re.S,
    ).group(0)
    assert "Insert after 2.1" in block and "Artillery outranges" in block
    before = snapshot()
    r = client_for("daria.vol").post(
        f"{url}clauses/{clause.pk}/comment/", {"amendment": am.pk, "text": " "}
    )
    assert r.status_code == 422 and snapshot() == before
    r = client_for("daria.vol").post(
        f"{url}clauses/{clause.pk}/comment/", {"amendment": am.pk, "text": "Too far for us."}
    )
    assert r.status_code == 302
    assert AmendmentComment.objects.get(amendment=am).text == "Too far for us."


def test_the_amendment_queue_names_clauses_by_number_and_status_in_words(client_for, doc):
    html = client_for("viktor.kess").get(f"{WS}/text/{doc.pk}/amendments/").content.decode()
    am = doc.amendments.get()  # the demo's NVF replacement of 4.1
    assert "Replace clause 4.1" in html
    assert f"#{am.clause_id}" not in html and "clause #" not in html
    assert '<span class="usa-tag accord-status accord-status--proposed">proposed</span>' in html


# --- reading for people -----------------------------------------------------------------------
def test_the_matrix_explains_hidden_cells_once_and_has_a_legend(client_for):
    html = client_for("daria.vol").get(f"{WS}/").content.decode()
    assert "HIDDEN" not in html
    assert html.count("It does not say whether the party stated one.") == 1
    for term in ("<dt>Preferred</dt>", "<dt>Acceptable</dt>", "<dt>Salience</dt>"):
        assert term in html
    assert html.count("not shared with you</span>") >= 3  # each hidden cell, for screen readers
    # one column grid: one table, clusters as rows of it
    assert (
        html.count(
            '<table class="usa-table usa-table--borderless usa-table--stacked accord-matrix"'
        )
        == 1
    )
    assert html.count('class="accord-cluster-row"') == 3


def test_ranges_and_numbers_read_as_people_say_them(client_for, viewer, issue):
    elections = issue("Time to elections")
    services.state_position(
        viewer("ana.costa"),
        elections,
        preferred_value=18,
        acceptable_min=18,
        acceptable_max=18,
        salience=55,
    )
    html = client_for("ana.costa").get(f"{WS}/").content.decode()
    row = re.search(rf'<tr id="issue-{elections.pk}".*?</tr>', html, re.S).group(0)
    assert "<dd>18 months</dd>" in row and "18–18" not in row and "18.0" not in row
    assert nego.number(0.6313333333333334) == "0.63"
    assert nego.number(18.0) == "18" and nego.number(1500) == "1,500"
    assert nego.span(10, 20.5, elections) == "10–20.5 months"


def test_signatures_carry_their_time_zone_and_exports_iso_8601(viewer, client_for, api_for):
    lena = viewer("lena.haas")
    small = services.create_document(
        lena, title="Note", required_parties=["KES"], articles=[("A", ["Calm."])]
    )
    cl = queries.clause(small, queries.text(lena, small).articles[0].clauses[0].clause_id)
    kes = viewer("viktor.kess")
    services.record_stance(kes, small, cl, stance="accept", version=1)
    sig = services.sign_version(kes, small, version=1)
    html = client_for("viktor.kess").get(f"{WS}/text/{small.pk}/").content.decode()
    assert f'<time datetime="{sig.signed_at.isoformat()}">' in html
    assert re.search(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC</time>", html)
    export = (
        api_for("viktor.kess")
        .get(f"/api/v1/processes/lake-varna/negotiation/documents/{small.pk}/export?format=html")
        .content.decode()
    )
    assert f">{sig.signed_at.isoformat()}</time>" in export
