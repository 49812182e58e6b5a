"""Attachments: type sniffed from content, size limit, labelled like the message, 404 otherwise."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.comms import services
from accord.comms.models import Attachment
from accord.core import files
from accord.core.errors import Invalid
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


@pytest.fixture
def ard_msg(viewer, chan):
    return services.post_message(
        viewer("ana.costa"),
        chan("Allies coordination").pk,
        body="see attached",
        label={"level": 2, "rel_to": ["ARD"]},
    ).message


def url(msg, suffix=""):
    return f"/api/v1/processes/lake-varna/channels/{msg.channel_id}/messages/{msg.pk}/attachments{suffix}"


@pytest.mark.parametrize(
    ("data", "ctype"),
    [
        (PDF, "application/pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
        ("Ceasefire notes — draft".encode(), "text/plain"),
        (None, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ],
)
def test_sniffed_types(data, ctype):
    assert files.sniff(data if data is not None else docx_bytes()) == ctype


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03" + b"\x00" * 50,
        b"PK\x03\x04garbage",
        b"\xff\xfe\x00bin\x00",
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",  # markup is not plain text
        b"\n  <html><body onload=alert(1)>",
        b"\xef\xbb\xbf<script>alert(1)</script>",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b'<?xml version="1.0"?><x/>',
    ],
)
def test_refused_types(data):
    assert files.sniff(data) is None


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        # named like a program or a web page: refused whatever the bytes hold
        ("tool.exe", b"just some text", "is a .exe file"),
        ("page.html", b"plain words", "is a .html file"),
        ("page.htm", b"plain words", "is a .htm file"),
        ("script.js", b"plain words", "is a .js file"),
        ("image.svg", b"plain words", "is a .svg file"),
        ("README", b"plain words", "without an extension"),
        # an allowed name over other bytes: the content must be what the name says
        ("report.pdf", b"just some text", "holds plain text"),
        ("notes.txt", PDF, "holds a PDF document"),
        ("photo.png", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "holds a JPEG image"),
        ("notes.txt", b"<html><body>hi</body></html>", "is not what its name says"),
        ("sheet.xlsx", None, "holds a Word document"),
    ],
)
def test_check_refuses_by_extension_and_sniffed_type(name, data, says):
    with pytest.raises(Invalid) as err:
        files.check(name, data if data is not None else docx_bytes())
    assert err.value.status == 422
    assert says in err.value.message


@pytest.mark.parametrize(
    ("name", "data", "ctype"),
    [
        ("map.PDF", PDF, "application/pdf"),
        ("photo.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
        ("notes.md", b"# Notes\n- a <b> in text is fine", "text/plain"),
        ("list.csv", b"a,b\n1,2\n", "text/plain"),
        (
            "draft.docx",
            None,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_check_accepts_what_the_form_promises(name, data, ctype):
    assert files.check(name, data if data is not None else docx_bytes()) == ctype


def test_upload_download_and_access(ard_msg, api_for, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    r = api_for("ana.costa").post(
        url(ard_msg), {"file": SimpleUploadedFile("brief.pdf", PDF, content_type="text/plain")}
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["content_type"] == "application/pdf"  # the bytes decide, not the client's claim
    att = Attachment.objects.get(pk=body["id"])
    assert att.label_id == ard_msg.label_id
    assert (tmp_path / "attachments" / att.sha256).read_bytes() == PDF
    assert Entry.objects.filter(action="attachment.add", subject_id=str(att.pk)).exists()
    got = api_for("james.whitfield").get(url(ard_msg, f"/{att.pk}"))
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == PDF
    assert got["Content-Type"] == "application/pdf" and got["X-Content-Type-Options"] == "nosniff"
    listed = api_for("james.whitfield").get(
        f"/api/v1/processes/lake-varna/channels/{ard_msg.channel_id}/messages/{ard_msg.pk}"
    )
    assert listed.json()["attachments"][0]["id"] == att.pk
    for other in ("ingrid.dahl", "viktor.kess", "lena.haas"):
        assert api_for(other).get(url(ard_msg, f"/{att.pk}")).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "username", "status"),
    [
        ("report.pdf", b"MZ\x90\x00" + b"\x00" * 64, "ana.costa", 422),  # an executable
        ("tool.exe", b"harmless words", "ana.costa", 422),  # named as a program
        ("page.html", b"<p>hello</p>", "ana.costa", 422),  # named as a web page
        ("notes.txt", b"<!doctype html><script>x()</script>", "ana.costa", 422),  # markup
        ("brief.txt", PDF, "ana.costa", 422),  # the name says text, the bytes say PDF
        ("report.pdf", b"", "ana.costa", 422),
        ("report.pdf", b"x" * (1024 * 1024 + 1), "ana.costa", 422),  # over the 1 MB test limit
        ("report.pdf", PDF, "james.whitfield", 403),  # not the sender
        ("report.pdf", PDF, "ingrid.dahl", 404),  # cannot read the message
    ],
)
def test_refused_uploads_write_nothing(
    ard_msg, api_for, settings, tmp_path, monkeypatch, name, content, username, status
):
    settings.DATA_DIR = tmp_path
    monkeypatch.setenv("ACCORD_ATTACHMENT_MAX_MB", "1")
    c = api_for(username)
    before = Attachment.objects.count(), Entry.objects.count()
    r = c.post(url(ard_msg), {"file": SimpleUploadedFile(name, content)})
    assert r.status_code == status
    assert r.json()["error"]["message"]
    assert (Attachment.objects.count(), Entry.objects.count()) == before
    assert not (tmp_path / "attachments").exists() or not any((tmp_path / "attachments").iterdir())


def test_edit_tightens_attachment_label(viewer, chan, api_for, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    james = viewer("james.whitfield")
    msg = services.post_message(
        james, chan("Allies coordination").pk, body="map", label={"level": 2, "rel_to": ["ARD"]}
    ).message
    att = services.attach(james, msg.pk, name="map.txt", data=b"grid 1234")
    assert api_for("ana.costa").get(url(msg, f"/{att.pk}")).status_code == 200
    services.edit_message(
        james, msg.pk, body="map (now SECRET)", label={"level": 3, "rel_to": ["ARD"]}
    )
    att.refresh_from_db()
    msg.refresh_from_db()
    assert att.label_id == msg.label_id
    assert api_for("ana.costa").get(url(msg, f"/{att.pk}")).status_code == 404  # clearance C
    assert api_for("james.whitfield").get(url(msg, f"/{att.pk}")).status_code == 200
