"""Files kept as evidence on compliance reports and on the steps of a violation report
(hashed, labelled at least like their parent, read through access on page and API), and the
alignment zones a violation's place falls in or near (named only when readable)."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.core import files
from accord.core.demo import member_viewer
from accord.core.errors import Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.implementation import queries, services
from accord.implementation.models import (
    ComplianceReport,
    ReportAttachment,
    StepAttachment,
    Violation,
)

SLUG = "lake-varna"
API = f"/api/v1/processes/{SLUG}"
PAGE = f"/p/{SLUG}/implementation"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 80
KES_ONLY = LabelValue.of(1, ["KES"])
VMM_ONLY = LabelValue.of(1, ["VMM"])


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def kes_report(demo) -> ComplianceReport:
    """The demo's public report done by Kestria's head of delegation (it carries the demo's
    completion note)."""
    return ReportAttachment.objects.get(name="Completion note.txt").report


@pytest.fixture
def kes_file(demo, kes_report) -> ReportAttachment:
    """A photograph Kestria attached to its public report, labelled REL TO KES only."""
    return services.attach_to_report(
        member_viewer(demo, "viktor.kess"),
        kes_report,
        name="sector-map.png",
        data=PNG,
        note="Sector map after clearance",
        label=KES_ONLY,
    )


@pytest.fixture
def shelling(demo) -> Violation:
    return Violation.objects.get(title="Shelling near the Dren checkpoint")


@pytest.fixture
def vmm_file(demo, shelling) -> StepAttachment:
    """The chief monitor's crater photograph on the site-visit step, REL TO VMM only."""
    visit = shelling.steps.get(step="visited")
    return services.attach_to_step(
        member_viewer(demo, "tomas.ruiz"),
        visit,
        name="crater-3.png",
        data=PNG,
        note="Crater 3 with fins",
        label=VMM_ONLY,
    )


def test_a_file_is_stored_by_its_hash_and_labelled_at_least_like_its_report(
    demo, kes_report, kes_file
):
    assert kes_file.sha256 == hashlib.sha256(PNG).hexdigest()
    assert files.path_of(kes_file.sha256).read_bytes() == PNG
    assert kes_file.content_type == "image/png" and kes_file.size == len(PNG)
    assert kes_file.label.value.rel_to == {"KES"} and kes_file.label.value.level == 1
    # without a label chosen it is labelled like its report
    plain = services.attach_to_report(
        member_viewer(demo, "viktor.kess"), kes_report, name="log.txt", data=b"patrol log\n"
    )
    assert plain.label_id == kes_report.label_id
    for who, sees in (("viktor.kess", True), ("ana.costa", False), ("tomas.ruiz", False)):
        names = {f.name for f in queries.report_attachments(member_viewer(demo, who), kes_report)}
        assert {"Completion note.txt", "log.txt"} <= names, who
        assert ("sector-map.png" in names) is sees, who


def test_report_files_obey_labels_on_page_and_api(demo, kes_report, kes_file, client_for):
    c = kes_report.commitment_id
    page = f"{PAGE}/commitments/{c}/reports/{kes_report.pk}/attachments/{kes_file.pk}/"
    api = f"{API}/commitments/{c}/reports/{kes_report.pk}/attachments/{kes_file.pk}"
    viktor = client_for("viktor.kess")
    for url in (page, api):
        r = viktor.get(url)
        assert r.status_code == 200, url
        assert b"".join(r.streaming_content) == PNG
        assert "attachment" in r["Content-Disposition"] and r["X-Content-Type-Options"] == "nosniff"
    html = viktor.get(f"{PAGE}/commitments/{c}/").content.decode()
    assert "sector-map.png" in html and kes_file.sha256 in html and "Attach a file" in html
    for who in ("ana.costa", "tomas.ruiz"):
        other = client_for(who)
        for url in (page, api):
            r = other.get(url)
            assert r.status_code == 404, (who, url)
            assert b"sector-map" not in r.content
        html = other.get(f"{PAGE}/commitments/{c}/").content.decode()
        assert "Completion note.txt" in html, who
        assert "sector-map.png" not in html and kes_file.sha256 not in html, who
        listed = other.get(f"{API}/commitments/{c}/reports").json()
        names = [f["name"] for r in listed for f in r["attachments"]]
        assert "Completion note.txt" in names and "sector-map.png" not in names, who
    # the same id under another report is not found either
    other_report = (
        ComplianceReport.objects.exclude(pk=kes_report.pk).filter(commitment_id=c).first()
        or ComplianceReport.objects.exclude(pk=kes_report.pk).first()
    )
    r = viktor.get(
        f"{PAGE}/commitments/{other_report.commitment_id}/reports/{other_report.pk}/"
        f"attachments/{kes_file.pk}/"
    )
    assert r.status_code == 404


def test_step_files_obey_labels_on_page_and_api(demo, shelling, vmm_file, client_for):
    page = f"{PAGE}/violations/{shelling.pk}/attachments/{vmm_file.pk}/"
    api = f"{API}/violations/{shelling.pk}/attachments/{vmm_file.pk}"
    tomas, ana = client_for("tomas.ruiz"), client_for("ana.costa")
    for url in (page, api):
        r = tomas.get(url)
        assert r.status_code == 200 and b"".join(r.streaming_content) == PNG
        r = ana.get(url)
        assert r.status_code == 404 and b"crater" not in r.content
    out = tomas.get(f"{API}/violations/{shelling.pk}").json()
    visit = next(s for s in out["steps"] if s["step"] == "visited")
    assert {f["name"] for f in visit["attachments"]} == {
        "Team North site visit notes.txt",
        "crater-3.png",
    }
    assert any(f["sha256"] == hashlib.sha256(PNG).hexdigest() for f in visit["attachments"])
    out = ana.get(f"{API}/violations/{shelling.pk}").json()
    names = [f["name"] for s in out["steps"] for f in s["attachments"]]
    assert names == ["Team North site visit notes.txt"]
    html = ana.get(f"{PAGE}/violations/{shelling.pk}/").content.decode()
    assert "Team North site visit notes.txt" in html
    assert "crater-3.png" not in html and "Crater 3 with fins" not in html
    assert "Attach a file" not in html  # ana.costa took no step and may take none
    html = tomas.get(f"{PAGE}/violations/{shelling.pk}/").content.decode()
    assert "crater-3.png" in html and vmm_file.sha256 in html and "Attach a file" in html


def test_refusals_say_why_and_change_nothing(demo, kes_report, shelling, counts, monkeypatch):
    viktor, ana = member_viewer(demo, "viktor.kess"), member_viewer(demo, "ana.costa")
    tomas = member_viewer(demo, "tomas.ruiz")
    visit = shelling.steps.get(step="visited")
    before = counts()
    with pytest.raises(Invalid, match="only PDF, PNG"):
        services.attach_to_report(viktor, kes_report, name="tool.exe", data=b"MZ\x90\x00")
    with pytest.raises(Invalid, match=r"named \.txt but holds a PNG image"):
        services.attach_to_step(tomas, visit, name="frame.txt", data=PNG)
    with pytest.raises(Invalid, match="empty"):
        services.attach_to_report(viktor, kes_report, name="empty.txt", data=b"")
    monkeypatch.setenv("ACCORD_ATTACHMENT_MAX_MB", "0.00001")  # about 10 bytes
    with pytest.raises(Invalid, match="larger than"):
        services.attach_to_step(tomas, visit, name="big.png", data=PNG)
    monkeypatch.delenv("ACCORD_ATTACHMENT_MAX_MB")
    # ana.costa reads the public report but did not write it; she took no step and may take none
    with pytest.raises(Forbidden, match="author"):
        services.attach_to_report(ana, kes_report, name="a.txt", data=b"a")
    with pytest.raises(Forbidden, match="may attach"):
        services.attach_to_step(ana, visit, name="a.txt", data=b"a")
    # a label the member may not apply is refused
    with pytest.raises(Forbidden):
        services.attach_to_report(
            viktor, kes_report, name="a.txt", data=b"a", label=LabelValue.of(1, ["ARD"])
        )
    assert counts() == before
    # a report the member may not read does not exist for them
    hidden = services.report(
        viktor, kes_report.commitment, text="Kestrian internal progress", label=KES_ONLY
    )
    before = counts()
    with pytest.raises(NotFound):
        services.attach_to_report(ana, hidden, name="a.txt", data=b"a")
    assert counts() == before


def test_rest_and_page_refusals_have_their_status_and_change_nothing(
    demo, kes_report, shelling, client_for, counts
):
    c = kes_report.commitment_id
    viktor, ana = client_for("viktor.kess"), client_for("ana.costa")
    tomas = client_for("tomas.ruiz")
    hidden = services.report(
        member_viewer(demo, "viktor.kess"),
        kes_report.commitment,
        text="Kestrian internal progress",
        label=KES_ONLY,
    )
    before = counts()
    url = f"{API}/commitments/{c}/reports/{kes_report.pk}/attachments"
    r = viktor.post(url, {"file": _upload("page.html", b"<html><script>x</script></html>")})
    assert r.status_code == 422 and "may be attached" in r.json()["error"]["message"]
    r = viktor.post(url, {"file": _upload("f.png", PNG), "label": "{"})
    assert r.status_code == 422 and "label is JSON" in r.json()["error"]["message"]
    r = ana.post(url, {"file": _upload("a.txt", b"a")})
    assert r.status_code == 403
    r = ana.post(
        f"{API}/commitments/{c}/reports/{hidden.pk}/attachments", {"file": _upload("a.txt", b"a")}
    )
    assert r.status_code == 404 and "Kestrian" not in r.content.decode()
    r = ana.post(f"{API}/violations/{shelling.pk}/attachments", {"file": _upload("a.txt", b"a")})
    assert r.status_code == 403
    r = tomas.post(
        f"{PAGE}/violations/{shelling.pk}/attachments/",
        {"step_id": shelling.steps.get(step="visited").pk, "file": _upload("empty.txt", b"")},
    )
    assert r.status_code == 422 and "is empty" in r.content.decode()
    r = ana.post(
        f"{PAGE}/commitments/{c}/attachments/",
        {"report": hidden.pk, "file": _upload("a.txt", b"a")},
    )
    assert r.status_code == 404
    assert counts() == before
    # and the same requests done right are written, with the hash of the bytes
    r = viktor.post(
        url,
        {"file": _upload("f.png", PNG), "label": json.dumps({"level": 1, "rel_to": ["KES"]})},
    )
    assert r.status_code == 201, r.content
    assert r.json()["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert r.json()["label"]["rel_to"] == ["KES"]
    r = tomas.post(
        f"{PAGE}/violations/{shelling.pk}/attachments/",
        {"step_id": shelling.steps.get(step="visited").pk, "file": _upload("notes.txt", b"n\n")},
    )
    assert r.status_code == 302
    assert StepAttachment.objects.filter(name="notes.txt", added_by__user__username="tomas.ruiz")


def test_zones_are_named_for_readers_and_left_out_for_others(demo, shelling, client_for):
    from accord.alignment import services as alignment
    from accord.alignment.demo import amara_pen

    amara = amara_pen(demo)
    # a protected site 1 km east of the place, readable by the coordinator's party and VMM only
    lon, lat = shelling.place["coordinates"]
    secret = alignment.create_constraint(
        amara,
        title="Mass grave site Kappa",
        kind="protected_site",
        restriction="prohibited",
        geometry={"type": "Point", "coordinates": [lon + 0.0165, lat]},
        buffer_m=200,
        source_ref="Joint Commission decision 12, annex (protected sites)",
        label=LabelValue.of(1, sorted({amara.party_code, "VMM"})),
    )
    tomas, ana = member_viewer(demo, "tomas.ruiz"), member_viewer(demo, "ana.costa")
    seen = {z.constraint.title: z for z in queries.zones(tomas, shelling)}
    zos = "Varna ceasefire line: zone of separation (2 km each side)"
    assert seen[zos].how == "inside" and seen[zos].constraint.version == 2
    assert seen["Mass grave site Kappa"].how == "near"
    assert 900 < seen["Mass grave site Kappa"].distance_m < 1300
    assert [z.constraint.title for z in queries.zones(ana, shelling)] == [zos]

    out = client_for("tomas.ruiz").get(f"{API}/violations/{shelling.pk}").json()
    assert {(z["name"], z["how"], z["version"]) for z in out["zones"]} == {
        (zos, "inside", 2),
        ("Mass grave site Kappa", "near", 1),
    }
    out = client_for("ana.costa").get(f"{API}/violations/{shelling.pk}").json()
    assert [z["name"] for z in out["zones"]] == [zos]
    assert str(secret.pk) not in json.dumps(out["zones"])
    html = client_for("ana.costa").get(f"{PAGE}/violations/{shelling.pk}/").content.decode()
    assert zos in html and "Kappa" not in html
    html = client_for("tomas.ruiz").get(f"{PAGE}/violations/{shelling.pk}/").content.decode()
    assert "Mass grave site Kappa" in html and "version 2" in html


def test_a_place_far_from_every_zone_names_none(demo, varna):
    v = services.allege(
        member_viewer(demo, "tomas.ruiz"),
        varna,
        title="Far away",
        allegation="Shots far from the line",
        source="mission",
        place={"type": "Point", "coordinates": [20.0, 40.0]},
    )
    assert queries.zones(member_viewer(demo, "tomas.ruiz"), v) == []
