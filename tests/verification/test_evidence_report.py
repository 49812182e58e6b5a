"""Evidence kept with a claim (hashed, labelled), what a claim concerns, and the claim's
verification report (HTML/PDF) under the label of everything it includes."""

from __future__ import annotations

import hashlib
import json

import pytest

from accord.core.demo import member_viewer
from accord.core.errors import Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.verification import exports, queries, services
from accord.verification.models import Evidence

SLUG = "lake-varna"
API = f"/api/v1/processes/{SLUG}/verification"
PAGE = f"/p/{SLUG}/verification"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MED_ONLY = LabelValue.of(2, ["MED"])


@pytest.fixture
def med_evidence(demo, rumour):
    """A screenshot kept under CONFIDENTIAL // REL TO MED by the mediation's analyst."""
    pavel = member_viewer(demo, "pavel.novak")
    return services.add_evidence(
        pavel, rumour, name="bridge.png", data=PNG, note="Geolocated frame", label=MED_ONLY
    )


def test_evidence_is_stored_by_its_hash_and_labelled_at_least_like_its_claim(
    demo, rumour, med_evidence
):
    assert med_evidence.sha256 == hashlib.sha256(PNG).hexdigest()
    assert med_evidence.content_type == "image/png" and med_evidence.size == len(PNG)
    assert med_evidence.label.value.level == 2 and med_evidence.label.value.rel_to == {"MED"}
    # the demo's patrol log (public claim, default label: the claim's) is read by every member
    for who, sees_med in (("lena.haas", True), ("ana.costa", False), ("daria.vol", False)):
        names = {e.name for e in queries.evidence(member_viewer(demo, who), rumour)}
        assert "VMM patrol report 14-B, extract.txt" in names
        assert ("bridge.png" in names) is sees_med, who


def test_evidence_download_obeys_labels_on_page_and_api(demo, rumour, med_evidence, client_for):
    page = f"{PAGE}/claims/{rumour.pk}/evidence/{med_evidence.pk}/"
    api = f"{API}/claims/{rumour.pk}/evidence/{med_evidence.pk}"
    lena = client_for("lena.haas")
    for url in (page, api):
        r = lena.get(url)
        assert r.status_code == 200, url
        assert b"".join(r.streaming_content) == PNG
        assert r["X-Content-Type-Options"] == "nosniff" and "attachment" in r["Content-Disposition"]
    ana = client_for("ana.costa")
    for url in (page, api):
        r = ana.get(url)
        assert r.status_code == 404, url
        assert b"bridge.png" not in r.content
    claim_page = ana.get(f"{PAGE}/claims/{rumour.pk}/").content.decode()
    assert "bridge.png" not in claim_page and "Geolocated frame" not in claim_page
    assert "VMM patrol report 14-B, extract.txt" in claim_page
    detail = ana.get(f"{API}/claims/{rumour.pk}").json()
    assert [e["name"] for e in detail["evidence"]] == ["VMM patrol report 14-B, extract.txt"]
    # the same evidence id under another claim is not found either
    other = services.create_claim(member_viewer(demo, "lena.haas"), text="Another claim")
    assert lena.get(f"{PAGE}/claims/{other.pk}/evidence/{med_evidence.pk}/").status_code == 404


def test_bad_files_and_unauthorised_members_change_nothing(demo, rumour, counts):
    before = counts()
    sophie = member_viewer(demo, "sophie.martin")
    with pytest.raises(Invalid, match="only PDF, PNG"):
        services.add_evidence(sophie, rumour, name="tool.exe", data=b"MZ\x90\x00")
    with pytest.raises(Invalid, match=r"named \.txt but holds a PNG image"):
        services.add_evidence(sophie, rumour, name="frame.txt", data=PNG)
    with pytest.raises(Invalid, match="empty"):
        services.add_evidence(sophie, rumour, name="empty.txt", data=b"")
    # ana.costa neither reported the claim nor assesses claims nor files reports
    with pytest.raises(Forbidden):
        services.add_evidence(member_viewer(demo, "ana.costa"), rumour, name="a.txt", data=b"a")
    # a label looser than the claim's is tightened, never loosened; a label the member may not
    # apply is refused
    echo = next(c for c in queries.claims(sophie) if c.label.value.rel_to)
    with pytest.raises(Forbidden):
        services.add_evidence(
            sophie, echo, name="a.txt", data=b"a", label=LabelValue.of(3, ["BEL"])
        )
    assert counts() == before


def test_evidence_form_refusal_is_in_words_and_writes_nothing(demo, rumour, client_for, counts):
    sophie = client_for("sophie.martin")  # signing in is recorded: before counting
    before = counts()
    r = sophie.post(
        f"{PAGE}/claims/{rumour.pk}/evidence/",
        {"note": "x", "file": _upload("page.html", b"<html><script>x</script></html>")},
    )
    assert r.status_code == 422
    assert "may be attached" in r.content.decode()
    assert counts() == before
    r = sophie.post(
        f"{PAGE}/claims/{rumour.pk}/evidence/",
        {
            "note": "Hospital statement",
            "file": _upload("statement.txt", b"No casualties admitted.\n"),
        },
    )
    assert r.status_code == 302
    ev = Evidence.objects.get(claim=rumour, name="statement.txt")
    assert ev.note == "Hospital statement" and ev.label_id == rumour.label_id


def test_evidence_by_rest_with_a_json_label(demo, rumour, client_for, counts):
    c = client_for("pavel.novak")
    r = c.post(
        f"{API}/claims/{rumour.pk}/evidence",
        {"file": _upload("frame.png", PNG), "label": json.dumps({"level": 2, "rel_to": ["MED"]})},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert body["label"]["rel_to"] == ["MED"]
    before = counts()
    r = c.post(f"{API}/claims/{rumour.pk}/evidence", {"file": _upload("f.png", PNG), "label": "{"})
    assert r.status_code == 422 and "label is JSON" in r.json()["error"]["message"]
    assert counts() == before


def test_what_a_claim_concerns_by_rest_and_page(demo, rumour, client_for):
    detail = client_for("ana.costa").get(f"{API}/claims/{rumour.pk}").json()
    kinds = {(x["kind"], x["title"]) for x in detail["concerns"]}
    assert ("core.party", "Northern Varna Front") in kinds
    assert ("negotiation.issue", "Monitoring of the ceasefire") in kinds
    kes = demo.parties.get(code="KES")
    tomas = client_for("tomas.ruiz")
    r = tomas.post(
        f"{API}/claims",
        {"text": "KES shelled the ferry", "concerns": [{"kind": "core.party", "id": kes.pk}]},
        content_type="application/json",
    )
    assert r.status_code == 201
    assert r.json()["concerns"][0]["title"] == kes.name
    cid = r.json()["id"]
    # the page's form adds another; an unknown kind and an unreadable object are refused
    r = tomas.post(
        f"{PAGE}/claims/{cid}/concerns/", {"concerns": f"core.party:{rumour.pk + 10**6}"}
    )
    assert r.status_code == 404
    r = tomas.post(
        f"{API}/claims/{cid}/concerns",
        {"kind": "core.member", "id": 1},
        content_type="application/json",
    )
    assert r.status_code == 422 and "may concern one of" in r.json()["error"]["message"]
    page = tomas.get(f"{PAGE}/claims/{cid}/").content.decode()
    assert kes.name in page and "It concerns" in page


def test_a_concern_the_reporter_may_not_read_is_not_found(demo, client_for):
    from accord.core import links

    lena = member_viewer(demo, "lena.haas")
    hidden = [
        (k, i)
        for k, i, _ in links.linkable(lena, ["meetings.decision", "negotiation.issue"])
        if links.resolve(member_viewer(demo, "erik.lund"), k, i) is None
    ]
    assert hidden, "the demo has something lena.haas reads and erik.lund does not"
    kind, oid = hidden[0]
    with pytest.raises(NotFound):
        services.create_claim(
            member_viewer(demo, "erik.lund"), text="A rumour", concerns=[(kind, oid)]
        )


def test_report_carries_the_label_of_everything_it_includes(demo, rumour, med_evidence):
    lena, ana = member_viewer(demo, "lena.haas"), member_viewer(demo, "ana.costa")
    full = exports.claim_report(lena, rumour.pk)
    assert full.label.level == 2 and full.label.rel_to == {"MED"}
    assert "CONFIDENTIAL // REL TO MED" in full.banner
    assert any(e["sha256"] == med_evidence.sha256 for e in full.evidence)
    part = exports.claim_report(ana, rumour.pk)
    assert all(e["name"] != "bridge.png" for e in part.evidence)
    assert part.label.rel_to is None or "ARD" in part.label.rel_to
    assert part.status_words == "False (E5)" and part.independent == 1
    assert "Party: Northern Varna Front" in part.concerns


def test_report_formats_and_refusals(demo, rumour, med_evidence, client_for):
    lena = client_for("lena.haas")
    r = lena.get(f"{PAGE}/claims/{rumour.pk}/report.html")
    html = r.content.decode()
    assert r.status_code == 200 and r["Content-Type"].startswith("text/html")
    assert "Verification report" in html and med_evidence.sha256 in html
    assert html.count("CONFIDENTIAL // REL TO MED") >= 2  # top and bottom
    exports.FONT_DIRS = []  # core fonts: the PDF's text is readable Latin-1
    try:
        r = lena.get(f"{API}/claims/{rumour.pk}/report?format=pdf")
    finally:
        from accord.ui import pdf as ui_pdf

        exports.FONT_DIRS = ui_pdf.FONT_DIRS
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    assert "attachment" in r["Content-Disposition"]
    r = lena.get(f"{API}/claims/{rumour.pk}/report?format=docx")
    assert r.status_code == 422 and "format must be one of" in r.json()["error"]["message"]
    ana = client_for("ana.costa")
    html = ana.get(f"{PAGE}/claims/{rumour.pk}/report.html").content.decode()
    assert med_evidence.sha256 not in html and "Geolocated frame" not in html
    # a claim the reader may not read: not found, in every format
    secret = services.create_claim(member_viewer(demo, "lena.haas"), text="x", label=MED_ONLY)
    assert ana.get(f"{PAGE}/claims/{secret.pk}/report.pdf").status_code == 404
    assert ana.get(f"{API}/claims/{secret.pk}/report?format=html").status_code == 404


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_an_assessment_cites_evidence_and_names_only_what_the_reader_may_read(
    demo, rumour, med_evidence, client_for, counts
):
    sophie_v = member_viewer(demo, "sophie.martin")
    demo_log = Evidence.objects.get(claim=rumour, name="VMM patrol report 14-B, extract.txt")
    verdict = queries.assessments(sophie_v, rumour).first()
    assert [e.pk for e in queries.assessment_evidence(sophie_v, verdict)] == [demo_log.pk]
    pavel = member_viewer(demo, "pavel.novak")  # an analyst of the mediation: reads bridge.png
    a = services.assess(
        pavel,
        rumour,
        status="false",
        credibility=5,
        rationale="The frame shows an empty bridge.",
        evidence=[med_evidence.pk, demo_log.pk],
    )
    assert a.label_id == rumour.label_id  # a cited file is a reference, not content
    lena, ana = client_for("lena.haas"), client_for("ana.costa")
    out = {x["id"]: x for x in lena.get(f"{API}/claims/{rumour.pk}").json()["assessments"]}
    assert sorted(out[a.pk]["evidence"]) == sorted([med_evidence.pk, demo_log.pk])
    out = {x["id"]: x for x in ana.get(f"{API}/claims/{rumour.pk}").json()["assessments"]}
    assert out[a.pk]["evidence"] == [demo_log.pk]
    page = ana.get(f"{PAGE}/claims/{rumour.pk}/").content.decode()
    assert "Evidence cited" in page and "bridge.png" not in page
    # a file of another claim, or one the analyst may not read, is not found; nothing written
    other = services.add_evidence(
        member_viewer(demo, "tomas.ruiz"),
        services.create_claim(member_viewer(demo, "tomas.ruiz"), text="Other"),
        name="o.txt",
        data=b"o",
    )
    before = counts()
    for cited in ([other.pk], [med_evidence.pk]):
        with pytest.raises(NotFound, match="evidence not found"):
            services.assess(
                sophie_v, rumour, status="false", credibility=5, rationale="r", evidence=cited
            )
    assert counts() == before
