"""The REST API and the web pages end to end (through services; access as in the other tests)."""

from __future__ import annotations

import io
import re

import pytest

from accord.ledger.models import Entry
from accord.negotiation import queries, services
from accord.negotiation.models import Issue, PositionRevision, Stance

pytestmark = pytest.mark.django_db
BASE = "/api/v1/processes/lake-varna/negotiation"
JSON = "application/json"


def test_agenda_positions_and_history_over_the_api(demo, api_for):
    lena, ingrid = api_for("lena.haas"), api_for("ingrid.dahl")
    r = lena.post(
        f"{BASE}/issues",
        {
            "title": "Ceasefire line maps",
            "kind": "discrete",
            "cluster": "Security",
            "options": ["1:50k maps", "1:100k maps"],
        },
        content_type=JSON,
    )
    assert r.status_code == 201, r.content
    issue = r.json()
    assert issue["cluster"] == "security" and [o["name"] for o in issue["options"]] == [
        "1:50k maps",
        "1:100k maps",
    ]
    assert (
        ingrid.post(
            f"{BASE}/issues", {"title": "x", "kind": "numeric"}, content_type=JSON
        ).status_code
        == 403
    )
    keys = [o["key"] for o in issue["options"]]
    r = ingrid.post(
        f"{BASE}/positions",
        {
            "issue_id": issue["id"],
            "preferred_option": keys[0],
            "acceptable_options": keys,
            "salience": 30,
            "interests": "Precision",
        },
        content_type=JSON,
    )
    assert r.status_code == 200, r.content
    pos = r.json()
    assert pos["label"]["display"] == "CONFIDENTIAL // REL TO NOR" and pos["revision"] == 1
    r = ingrid.post(
        f"{BASE}/positions", {"issue_id": issue["id"], "salience": 45}, content_type=JSON
    )
    assert r.json()["revision"] == 2 and r.json()["preferred_option"] == keys[0]
    hist = ingrid.get(f"{BASE}/positions/{pos['id']}/revisions").json()
    assert hist["count"] == 2
    assert hist["items"][0]["changed"] == {"salience": [30, 45]}
    assert hist["items"][0]["by"] == "ingrid.dahl@NOR"
    assert PositionRevision.objects.filter(position_id=pos["id"]).count() == 2
    # the mediator reads it and sees under which label
    got = lena.get(f"{BASE}/positions/{pos['id']}").json()
    assert got["read_as"]["display"] == "CONFIDENTIAL // MEDIATION"
    # status of an issue
    r = lena.patch(f"{BASE}/issues/{issue['id']}", {"status": "parked"}, content_type=JSON)
    assert r.json()["status"] == "parked"
    assert (
        lena.patch(
            f"{BASE}/issues/{issue['id']}", {"status": "done"}, content_type=JSON
        ).status_code
        == 422
    )
    assert Entry.objects.filter(action="issue.status", subject_id=str(issue["id"])).exists()


def test_numeric_issue_validation(demo, api_for):
    lena = api_for("lena.haas")
    bad = lena.post(
        f"{BASE}/issues",
        {"title": "Days", "kind": "numeric", "minimum": 5, "maximum": 1},
        content_type=JSON,
    )
    assert bad.status_code == 422 and "below maximum" in bad.json()["error"]["message"]
    ok = lena.post(
        f"{BASE}/issues",
        {
            "title": "Days",
            "kind": "numeric",
            "minimum": 0,
            "maximum": 90,
            "step": 15,
            "unit": "days",
        },
        content_type=JSON,
    )
    assert ok.status_code == 201 and Issue.objects.get(pk=ok.json()["id"]).step == 15


def test_matrix_api_marks_hidden_cells(demo, api_for):
    body = api_for("daria.vol").get(f"{BASE}/matrix").json()
    assert body["label"]["display"] == "CONFIDENTIAL // REL TO NVF"
    row = next(r for r in body["rows"] if r["issue"]["title"].startswith("Withdrawal"))
    cells = {c["party"]: c for c in row["cells"]}
    assert cells["NVF"]["state"] == "full"
    assert cells["ARD"]["state"] == "HIDDEN" and cells["ARD"]["values"] == {}
    assert cells["KES"]["state"] == "HIDDEN"  # KES released its range to MED and allies only


def test_document_over_the_api_and_pagination(demo, api_for):
    lena = api_for("lena.haas")
    r = lena.post(
        f"{BASE}/documents",
        {
            "title": "Annex A",
            "required_parties": ["kes", "NVF"],
            "articles": [
                {"heading": "Corridors", "clauses": ["Corridor [1 {KES} / 2 {NVF}] opens."]}
            ],
        },
        content_type=JSON,
    )
    assert r.status_code == 201, r.content
    t = r.json()
    assert t["version"] == 1 and t["label"]["display"] == "RESTRICTED"
    seg = t["articles"][0]["clauses"][0]["segments"][1]
    assert seg["alternatives"] == [{"text": "1", "by": "KES"}, {"text": "2", "by": "NVF"}]
    listing = lena.get(f"{BASE}/documents?limit=1").json()
    assert listing["count"] == 2 and len(listing["items"]) == 1
    assert lena.get(f"{BASE}/documents?limit=501").status_code == 422
    cid = t["articles"][0]["clauses"][0]["id"]
    r = lena.put(
        f"{BASE}/documents/{t['document_id']}/clauses/{cid}",
        {"text": "Corridor 1 opens.", "base_version": 1},
        content_type=JSON,
    )
    assert r.json()["version"] == 2
    cmp = lena.get(f"{BASE}/documents/{t['document_id']}/compare?a=1&b=2").json()
    assert not cmp["identical"] and cmp["clauses"][0]["status"] == "changed"
    assert lena.get(f"{BASE}/documents/{t['document_id']}/compare?a=2&b=2").json()["identical"]
    assert lena.get(f"{BASE}/documents/{t['document_id']}/versions").json()["count"] == 2
    assert lena.get(f"{BASE}/documents/{t['document_id']}?version=9").status_code == 404


def test_htmx_stance_updates_the_clause_badges(doc, client_for, clause_no):
    c = client_for("daria.vol", enforce_csrf=False)
    clause = clause_no("1.2")
    r = c.post(
        f"/p/lake-varna/negotiation/text/{doc.pk}/clauses/{clause.pk}/stance/",
        {"stance": "reject", "comment": "72 hours is the minimum", "version": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert html.lstrip().startswith(
        f'<div class="accord-clause accord-clause--open" id="clause-{clause.pk}"'
    )
    assert re.search(r'stance-badge stance-reject" data-party="NVF"', html)
    assert "Your stance is recorded." in html
    assert Stance.objects.filter(clause=clause, party__code="NVF", stance="reject").exists()
    # the status panel comes along out of band: NVF no longer awaits a stance on 1.2
    panel = re.search(r'<section id="text-status"[^>]*hx-swap-oob="true".*?</section>', html, re.S)
    assert panel is not None
    nvf = re.search(r'<li data-party="NVF">(.*?)</li>', panel.group(0), re.S).group(1)
    assert "1.2" not in nvf and "2.1" in nvf
    assert 'id="text-facts"' in html  # the facts line (counts) too
    # the stance select starts empty: a choice is needed, not a default "Accept"
    assert '<option value="" selected>Choose a stance</option>' in html
    assert re.search(r'<option value="accept"\s+selected', html) is None
    # an error comes back into the clause, and nothing is written
    n = Stance.objects.count()
    r = c.post(
        f"/p/lake-varna/negotiation/text/{doc.pk}/clauses/{clause.pk}/stance/",
        {"stance": "accept", "version": "9"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 409 and "current version is 1" in r.content.decode()
    assert Stance.objects.count() == n


def test_text_page_shows_brackets_stances_and_forms_by_role(doc, client_for):
    url = f"/p/lake-varna/negotiation/text/{doc.pk}/"
    kes = client_for("viktor.kess").get(url).content.decode()
    assert 'class="accord-bracket" data-bracket="1"' in kes
    # each alternative shows who proposed it, to everyone (not only in a tooltip)
    assert (
        'data-by="NVF">10 km<sup class="accord-by"><span class="usa-sr-only"> proposed by </span>'
        "NVF</sup>" in kes
    )
    assert "accord-stance-form" in kes and "accord-resolve-form" not in kes
    lena = client_for("lena.haas").get(url).content.decode()
    assert "accord-resolve-form" in lena and "accord-stance-form" not in lena
    # the text's status in words, never the code
    assert "AGREEDADREF" not in lena and "agreed_ad_ref<" not in lena
    assert ">agreed ad referendum</span>" in lena
    assert re.search(r'class="banner"[^>]*>RESTRICTED<', lena)
    assert client_for("mei.tanaka").get(url).status_code == 404


def test_pen_resolves_bracket_and_accepts_amendment_in_the_ui(doc, client_for, clause_no):
    c = client_for("lena.haas")
    clause = clause_no("6.1")
    url = f"/p/lake-varna/negotiation/text/{doc.pk}/clauses/{clause.pk}/resolve/"
    # unconfirmed: a confirmation page naming the clause and the kept words; nothing written
    before = doc.versions.count()
    r = c.post(url, {"bracket": "1", "choice": "1", "base_version": "1"})
    assert r.status_code == 200 and doc.versions.count() == before
    page = r.content.decode()
    assert "Keep “18” in clause 6.1?" in page and 'name="confirmed" value="1"' in page
    r = c.post(url, {"bracket": "1", "choice": "1", "base_version": "1", "confirmed": "1"})
    assert r.status_code == 302
    page = c.get(f"/p/lake-varna/negotiation/text/{doc.pk}/").content.decode()
    assert "held within 18 months of signature" in page
    # stale form (base version 1) on the same clause: 409 on the page, nothing changed
    r = c.post(
        f"/p/lake-varna/negotiation/text/{doc.pk}/clauses/{clause.pk}/edit/",
        {"text": "Elections soon.", "base_version": "1"},
    )
    assert r.status_code == 409 and "changed since version 1" in r.content.decode()
    am = doc.amendments.get()
    r = c.post(
        f"/p/lake-varna/negotiation/text/{doc.pk}/amendments/",
        {"action": "accept", "amendment": str(am.pk)},
    )
    assert r.status_code == 302
    am.refresh_from_db()
    assert am.status == "accepted" and am.result_version.number == 3
    cmp = c.get(f"/p/lake-varna/negotiation/text/{doc.pk}/compare/?a=2&b=3").content.decode()
    assert "<ins>" in cmp and "Annex" in cmp
    # a delegate's accept button does nothing but say why
    r = client_for("viktor.kess").post(
        f"/p/lake-varna/negotiation/text/{doc.pk}/amendments/",
        {"action": "reject", "amendment": str(am.pk)},
    )
    assert r.status_code in (403, 409)


def test_exports_carry_the_label_and_clean_text_needs_agreement(doc, api_for, viewer):
    api = api_for("viktor.kess")
    html = api.get(f"{BASE}/documents/{doc.pk}/export?format=html")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    body = html.content.decode()
    assert body.count('<div class="banner"') == 2 and ">RESTRICTED<" in body
    assert '[10 km <span class="by">(NVF)</span> / 15 km' in body
    assert "accept ad referendum" in body  # stances table
    clean = api.get(f"{BASE}/documents/{doc.pk}/export?format=html&clean=true")
    assert (
        clean.status_code == 409
        and "only when everything is agreed" in clean.json()["error"]["message"]
    )
    assert api.get(f"{BASE}/documents/{doc.pk}/export?format=odt").status_code == 422
    # an agreed text exports clean, without the stances table
    lena = viewer("lena.haas")
    small = services.create_document(
        lena, title="Note", required_parties=["KES"], articles=[("A", ["Calm."])]
    )
    cl = queries.clause(small, queries.text(lena, small).articles[0].clauses[0].clause_id)
    services.record_stance(viewer("viktor.kess"), small, cl, stance="accept", version=1)
    ok = api.get(f"{BASE}/documents/{small.pk}/export?format=html&clean=1")
    assert (
        ok.status_code == 200
        and "Calm." in ok.content.decode()
        and "Stances" not in ok.content.decode()
    )
    # and nobody who cannot read the text can export it
    assert api_for("mei.tanaka").get(f"{BASE}/documents/{doc.pk}/export").status_code == 404


def _pdf_text(body: bytes) -> str:
    """The text drawn by a PDF made with the core fonts (fpdf2: one zlib stream per page)."""
    import zlib

    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S):
        try:
            data = zlib.decompress(m.group(1)).decode("latin-1")
        except zlib.error:
            continue  # fonts, images
        out += re.findall(r"\((.*?)\) Tj", data.replace("\\(", "\x01").replace("\\)", "\x02"))
    return " ".join(out).replace("\x01", "(").replace("\x02", ")")


def test_pdf_and_docx_exports(doc, api_for, monkeypatch):
    from accord.negotiation import exports

    monkeypatch.setattr(exports, "FONT_DIRS", [])  # core fonts: the PDF's text is readable here
    pytest.importorskip("fpdf", reason="fpdf2 is an optional dependency of the PDF export")
    docx_mod = pytest.importorskip("docx", reason="python-docx: optional, for the DOCX export")
    api = api_for("viktor.kess")
    pdf = api.get(f"{BASE}/documents/{doc.pk}/export?format=pdf")
    assert pdf.content[:5] == b"%PDF-"
    docx = api.get(f"{BASE}/documents/{doc.pk}/export?format=docx")
    d = docx_mod.Document(io.BytesIO(docx.content))
    assert d.sections[0].header.paragraphs[0].text == "RESTRICTED"
    # every format names who proposed each bracketed alternative (as the HTML export does)
    assert any("[10 km (NVF) / 15 km (MED) / 20 km (KES)]" in p.text for p in d.paragraphs)
    assert "[10 km (NVF) / 15 km (MED) / 20 km (KES)]" in _pdf_text(pdf.content)
    assert docx["Content-Disposition"].endswith('-v1.docx"')


def test_workspace_requires_membership(demo, client):
    from accord.core import services as core

    outsider = core.create_user(username="outsider", password="another-long-pass-9")
    client.force_login(outsider)
    assert client.get("/p/lake-varna/negotiation/").status_code == 404
    assert client.get(f"{BASE}/matrix").status_code == 404


# --- clause ↔ agenda issue links on the text page -------------------------------------------
def _mediators_issue(viewer):
    """An agenda issue only the mediators read (SECRET // REL TO MED, MEDIATION)."""
    from accord.core.labels import LabelValue

    return services.create_issue(
        viewer("lena.haas"),
        title="Sequencing of the Kestrel amnesty",
        kind="discrete",
        cluster="political",
        options=["At signature", "After verification"],
        label=LabelValue.of(3, ["MED"], ["MEDIATION"]),
    )


def test_pen_links_a_clause_to_issues_and_readers_see_only_readable_ones(
    doc, client_for, clause_no, issue, viewer
):
    secret = _mediators_issue(viewer)
    withdrawal = issue("Withdrawal")
    clause = clause_no("2.1")
    url = f"/p/lake-varna/negotiation/text/{doc.pk}/"
    lena = client_for("lena.haas")
    page = lena.get(url).content.decode()
    assert f'{url}clauses/{clause.pk}/issues/"' in page  # the pen gets the link form
    r = lena.post(f"{url}clauses/{clause.pk}/issues/", {"issues": [withdrawal.pk, secret.pk]})
    assert r.status_code == 302
    assert set(clause.issues.values_list("pk", flat=True)) == {withdrawal.pk, secret.pk}
    entry = Entry.objects.filter(action="clause.issues").latest("seq")
    assert entry.payload["issues"] == sorted([withdrawal.pk, secret.pk])
    page = lena.get(url).content.decode()
    assert f'data-issue="{withdrawal.pk}"' in page and "Kestrel amnesty" in page
    # a party delegate reads the withdrawal link, not the mediators' issue, and has no form
    kes = client_for("viktor.kess").get(url).content.decode()
    assert f'data-issue="{withdrawal.pk}"' in kes and withdrawal.title in kes
    assert "Kestrel amnesty" not in kes and f'data-issue="{secret.pk}"' not in kes
    assert f"{url}clauses/{clause.pk}/issues/" not in kes
    # unlinking: an empty selection clears the links
    lena.post(f"{url}clauses/{clause.pk}/issues/", {})
    assert not clause.issues.exists()


@pytest.mark.parametrize(
    ("who", "ids", "status", "says"),
    [
        ("viktor.kess", "own", 403, ""),  # not the pen holder
        ("lena.haas", "999999", 422, "unknown issue"),  # no such issue
        ("lena.haas", "x", 422, "issues"),  # not a number
        ("mei.tanaka", "own", 404, ""),  # may not read the document
    ],
)
def test_bad_clause_links_change_nothing(
    doc, client_for, clause_no, issue, snapshot, who, ids, status, says
):
    clause = clause_no("2.1")
    value = str(issue("Withdrawal").pk) if ids == "own" else ids
    c = client_for(who)
    linked = set(clause.issues.values_list("pk", flat=True))  # the demo links 2.1 already
    before = snapshot()
    r = c.post(
        f"/p/lake-varna/negotiation/text/{doc.pk}/clauses/{clause.pk}/issues/", {"issues": value}
    )
    assert r.status_code == status
    assert says in r.content.decode().lower()
    assert snapshot() == before
    assert set(clause.issues.values_list("pk", flat=True)) == linked


# --- new agenda issue from the workspace page ---------------------------------------------------
WS = "/p/lake-varna/negotiation/"


def test_pen_puts_an_issue_on_the_agenda_from_the_workspace(client_for, demo):
    lena = client_for("lena.haas")
    assert "New agenda issue" in lena.get(WS).content.decode()
    assert "New agenda issue" not in client_for("viktor.kess").get(WS).content.decode()
    r = lena.post(
        f"{WS}issues/new",
        {
            "title": "Return of displaced persons",
            "cluster": "Humanitarian",
            "kind": "discrete",
            "options": "Immediate\nPhased over 12 months\n\n",
            "label_level": "0",
        },
    )
    assert r.status_code == 302
    issue = Issue.objects.get(process=demo, title="Return of displaced persons")
    assert r["Location"].endswith(f"#issue-{issue.pk}")
    assert issue.cluster == "humanitarian"
    assert [o.name for o in issue.options.order_by("order")] == [
        "Immediate",
        "Phased over 12 months",
    ]
    assert Entry.objects.filter(subject_id=str(issue.pk), action__startswith="issue").exists()
    page = client_for("viktor.kess").get(WS).content.decode()
    assert f'id="issue-{issue.pk}"' in page and "Return of displaced persons" in page


def test_a_labelled_issue_from_the_form_reaches_only_its_readers(client_for, demo):
    r = client_for("lena.haas").post(
        f"{WS}issues/new",
        {
            "title": "Kestrel amnesty sequencing",
            "kind": "numeric",
            "minimum": "0",
            "maximum": "24",
            "unit": "months",
            "label_level": "3",
            "label_rel_to": "MED",
            "label_caveats": "MEDIATION",
        },
    )
    assert r.status_code == 302
    issue = Issue.objects.get(process=demo, title="Kestrel amnesty sequencing")
    assert issue.label.level == 3 and issue.label.rel_to == ["MED"]
    assert issue.label.caveats == ["MEDIATION"]
    assert "Kestrel amnesty" in client_for("lena.haas").get(WS).content.decode()
    for outsider in ("viktor.kess", "ana.costa"):  # another party / no MEDIATION caveat
        assert "Kestrel amnesty" not in client_for(outsider).get(WS).content.decode()


@pytest.mark.parametrize(
    ("who", "fields", "status", "says"),
    [
        ("lena.haas", {"title": "", "options": "a\nb"}, 422, "needs a title"),
        ("lena.haas", {"options": "only one"}, 422, "at least two options"),
        ("lena.haas", {"kind": "numeric", "minimum": "5", "maximum": "1"}, 422, "below maximum"),
        ("lena.haas", {"kind": "numeric", "minimum": "abc", "maximum": "1"}, 422, "a number"),
        ("lena.haas", {"options": "a\nb", "label_level": "9"}, 422, ""),  # no such level
        ("lena.haas", {"options": "a\nb", "label_caveats": "MILOPS"}, 403, "caveat"),
        ("viktor.kess", {"options": "a\nb"}, 403, ""),  # not a pen holder
    ],
)
def test_bad_new_issue_changes_nothing_and_keeps_the_form(
    client_for, snapshot, who, fields, status, says
):
    data = {"title": "Border crossings", "kind": "discrete", "label_level": "2"}
    data.update(fields)
    c = client_for(who)
    before = snapshot()
    r = c.post(f"{WS}issues/new", data)
    assert r.status_code == status, r.content.decode()[:300]
    text = r.content.decode()
    assert says in text.lower()
    assert snapshot() == before
    if who == "lena.haas" and data["title"]:
        assert 'value="Border crossings"' in text  # the form comes back as sent
    if who == "lena.haas" and data["label_level"] == "2":
        assert '<option value="2" selected>' in text  # ... label included
