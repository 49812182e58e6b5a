"""Web UI of issue #4: edit (author only, history kept and readable only as the message is),
delete (tombstone), reply in thread, attachments from the composer, and the access checks and
clear errors of each (4xx, nothing written)."""

from __future__ import annotations

import re

import pytest

from accord.comms import services
from accord.comms.models import Attachment, Message, MessageRevision
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
HX = {"HX-Request": "true"}


def base(m: Message) -> str:
    return f"/p/lake-varna/channels/{m.channel_id}/m/{m.pk}/"


@pytest.fixture
def allies_msg(viewer, chan):
    """ana's message to all three allies (RESTRICTED // REL TO ARD, BEL, NOR)."""
    return services.post_message(
        viewer("ana.costa"), chan("Allies coordination").pk, body="Meet at Quailbrook at 10"
    ).message


@pytest.fixture
def written():
    """written() → (messages, revisions, attachments, ledger entries), to prove nothing changed."""

    def get() -> tuple[int, int, int, int]:
        return (
            Message.objects.count(),
            MessageRevision.objects.count(),
            Attachment.objects.count(),
            Entry.objects.count(),
        )

    return get


# --- edit -------------------------------------------------------------------------------------
def test_author_edits_in_place_and_history_keeps_the_earlier_text(client_for, allies_msg):
    ana = client_for("ana.costa")
    page = ana.get(f"/p/lake-varna/channels/{allies_msg.channel_id}/").content.decode()
    assert f'{base(allies_msg)}edit"' in page  # the author gets the edit form
    r = ana.post(base(allies_msg) + "edit", {"body": "Meet at **Quailbrook** at 11"}, headers=HX)
    assert r.status_code == 200
    html = r.content.decode()
    assert f'id="msg-{allies_msg.pk}"' in html and "<strong>Quailbrook</strong> at 11" in html
    assert "(edited <time" in html and "Edit history" in html
    allies_msg.refresh_from_db()
    assert allies_msg.body == "Meet at **Quailbrook** at 11" and allies_msg.edited_at
    assert Entry.objects.filter(action="message.edit").count() == 1
    # any reader of the message opens the history: the earlier text is there
    erik = client_for("erik.lund")
    hist = erik.get(base(allies_msg) + "history", headers=HX)
    assert hist.status_code == 200
    text = hist.content.decode()
    assert "Meet at Quailbrook at 10" in text and "Meet at **Quailbrook** at 11" in text
    assert "Before the edit" in text and "Ana Costa" in text
    # without htmx it is a full page with the banner
    full = erik.get(base(allies_msg) + "history")
    assert full.status_code == 200 and b'class="banner"' in full.content
    # erik (not the author) has no edit form on his page, but the history link
    page_e = erik.get(f"/p/lake-varna/channels/{allies_msg.channel_id}/").content.decode()
    assert f"{base(allies_msg)}edit" not in page_e and f"{base(allies_msg)}history" in page_e


def test_non_author_cannot_edit_or_delete(client_for, allies_msg, written):
    erik = client_for("erik.lund")
    before = written()
    r = erik.post(base(allies_msg) + "edit", {"body": "hijacked"}, headers=HX)
    assert r.status_code == 403
    assert r["HX-Retarget"] == f"#edit-errors-{allies_msg.pk}"
    assert "only the sender" in r.content.decode().lower()
    r = erik.post(base(allies_msg) + "delete", headers=HX)
    assert r.status_code == 403
    r = erik.post(base(allies_msg) + "edit", {"body": "hijacked"})  # without htmx: error page
    assert r.status_code == 403 and b"nly the sender" in r.content
    allies_msg.refresh_from_db()
    assert allies_msg.body == "Meet at Quailbrook at 10" and allies_msg.deleted_at is None
    assert written() == before


def test_empty_edit_is_refused_and_changes_nothing(client_for, allies_msg, written):
    ana = client_for("ana.costa")
    before = written()
    r = ana.post(base(allies_msg) + "edit", {"body": "   "}, headers=HX)
    assert r.status_code == 422 and "needs a text" in r.content.decode()
    allies_msg.refresh_from_db()
    assert allies_msg.body == "Meet at Quailbrook at 10" and allies_msg.edited_at is None
    assert written() == before


def test_edit_through_another_channel_url_is_404(client_for, allies_msg, chan, written):
    ana = client_for("ana.costa")
    before = written()
    plenary = chan("Plenary")
    r = ana.post(
        f"/p/lake-varna/channels/{plenary.pk}/m/{allies_msg.pk}/edit", {"body": "x"}, headers=HX
    )
    assert r.status_code == 404
    assert written() == before


@pytest.mark.parametrize(
    ("sender", "label", "outsider", "why"),
    [
        ("ana.costa", None, "viktor.kess", "member of another party"),
        ("ana.costa", {"level": 2, "rel_to": ["ARD"]}, "erik.lund", "REL TO excludes NOR"),
        ("james.whitfield", {"level": 3, "rel_to": ["ARD"]}, "ana.costa", "lower clearance"),
    ],
)
def test_unreadable_message_is_404_everywhere(
    client_for, viewer, chan, written, sender, label, outsider, why
):
    msg = services.post_message(
        viewer(sender), chan("Allies coordination").pk, body="Sealed text Kestrelford", label=label
    ).message
    services.edit_message(viewer(sender), msg.pk, body="Sealed text Kestrelford, revised")
    c = client_for(outsider)
    before = written()
    for suffix, method in [
        ("", "get"),
        ("history", "get"),
        ("banner?level=0", "get"),
        ("edit", "post"),
        ("delete", "post"),
    ]:
        r = getattr(c, method)(base(msg) + suffix, headers=HX)
        assert r.status_code == 404, (why, suffix)
        assert b"Kestrelford" not in r.content
    assert written() == before


def test_missing_caveat_is_404(client_for, viewer, chan, kate):
    """A MILOPS message in the ceasefire-line channel: james (SECRET, no MILOPS) sees nothing."""
    milops = chan("Ceasefire line (MILOPS)")
    msg = services.post_message(viewer("col.marsh"), milops.pk, body="Grid 4471 Harrowmere").message
    services.edit_message(viewer("col.marsh"), msg.pk, body="Grid 4472 Harrowmere")
    assert client_for("kate.reed").get(base(msg) + "history", headers=HX).status_code == 200
    for suffix in ("", "history", "banner"):
        r = client_for("james.whitfield").get(base(msg) + suffix, headers=HX)
        assert r.status_code == 404 and b"Harrowmere" not in r.content


def test_history_follows_a_tightened_label(client_for, viewer, allies_msg):
    """An edit may tighten the label: the history is then readable only by the new readers."""
    services.edit_message(
        viewer("ana.costa"),
        allies_msg.pk,
        body="Meet at Quailbrook, ARD only",
        label={"level": 2, "rel_to": ["ARD"]},
    )
    assert client_for("erik.lund").get(base(allies_msg) + "history").status_code == 404
    r = client_for("james.whitfield").get(base(allies_msg) + "history", headers=HX)
    assert r.status_code == 200 and b"Meet at Quailbrook at 10" in r.content


def test_edit_form_offers_the_label_and_tightens_it(client_for, allies_msg, written):
    """The edit form shows the message's label preset, offers no level below it, and an edit
    that tightens it takes effect at once: a NOR member no longer reads the message."""
    level = allies_msg.label.level
    ana = client_for("ana.costa")
    page = ana.get(f"/p/lake-varna/channels/{allies_msg.channel_id}/").content.decode()
    form = page[page.index(f'action="{base(allies_msg)}edit"') :]
    form = form[: form.index("</form>")]
    assert f'<option value="{level}" selected>' in form
    assert f'<option value="{level - 1}"' not in form  # looser levels are not offered
    for code in ("ARD", "BEL", "NOR"):
        assert f'value="{code}" checked' in form
    before = written()
    r = ana.post(
        base(allies_msg) + "edit",
        {"body": "Meet at Quailbrook at 10", "label_level": str(level + 1), "label_rel_to": "ARD"},
        headers=HX,
    )
    assert r.status_code == 200
    allies_msg.refresh_from_db()
    assert allies_msg.label.level == level + 1 and allies_msg.label.rel_to == ["ARD"]
    assert written()[1] == before[1] + 1  # the earlier version is kept as a revision
    assert Entry.objects.filter(action="message.edit").count() == 1
    erik = client_for("erik.lund")  # NOR: the message is gone for him, text and history
    for suffix in ("", "history"):
        r = erik.get(base(allies_msg) + suffix, headers=HX)
        assert r.status_code == 404 and b"Quailbrook" not in r.content
    page_e = erik.get(f"/p/lake-varna/channels/{allies_msg.channel_id}/").content.decode()
    assert "Quailbrook" not in page_e


@pytest.mark.parametrize(
    ("fields", "status", "says"),
    [
        ({"label_level": "1"}, 422, "may not loosen"),  # back down to RESTRICTED
        ({"label_rel_to": ["ARD", "BEL", "NOR"]}, 422, "may not loosen"),  # NOR added
        ({"label_rel_to": ""}, 422, "at least the channel"),  # no REL TO: every party
        ({"label_level": "high"}, 422, "label_level"),  # not a number
        ({"label_caveats": "MILOPS"}, 403, "caveat"),  # a caveat ana does not hold
        ({"label_caveats": "NUCLEAR"}, 422, "unknown caveat"),  # no such caveat
    ],
)
def test_edit_form_refuses_a_looser_or_bad_label(
    client_for, viewer, chan, written, fields, status, says
):
    """ana's CONFIDENTIAL // REL TO ARD, BEL message (tighter than the channel's RESTRICTED //
    REL TO ARD, BEL, NOR): no edit from the form may loosen it; nothing changes."""
    msg = services.post_message(
        viewer("ana.costa"),
        chan("Allies coordination").pk,
        body="Meet at Quailbrook at 10",
        label={"level": 2, "rel_to": ["ARD", "BEL"]},
    ).message
    data = {"body": "Meet at Quailbrook at 12", "label_level": "2", "label_rel_to": ["ARD", "BEL"]}
    data.update(fields)
    ana = client_for("ana.costa")
    before = written()
    r = ana.post(base(msg) + "edit", data, headers=HX)
    assert r.status_code == status, r.content
    assert r["HX-Retarget"] == f"#edit-errors-{msg.pk}"
    assert says.lower() in r.content.decode().lower()
    msg.refresh_from_db()
    assert msg.body == "Meet at Quailbrook at 10" and msg.label.level == 2
    assert msg.label.rel_to == ["ARD", "BEL"]
    assert written() == before


# --- delete -----------------------------------------------------------------------------------
def test_author_deletes_and_readers_see_a_tombstone(client_for, allies_msg):
    ana = client_for("ana.costa")
    r = ana.post(base(allies_msg) + "delete", headers=HX)
    assert r.status_code == 200
    html = r.content.decode()
    assert "Message deleted by Ana Costa" in html and "Quailbrook" not in html
    assert "Reply" not in html and "/edit" not in html  # no actions on a tombstone
    assert Entry.objects.filter(action="message.delete").count() == 1
    page = client_for("erik.lund").get(f"/p/lake-varna/channels/{allies_msg.channel_id}/")
    text = page.content.decode()
    assert "Message deleted by Ana Costa" in text and "Quailbrook" not in text
    # the deleted text is not reachable through the history either
    hist = client_for("erik.lund").get(base(allies_msg) + "history", headers=HX)
    assert hist.status_code == 404 and b"Quailbrook" not in hist.content
    # deleting twice is a clear conflict, and writes nothing
    before = Entry.objects.count(), MessageRevision.objects.count()
    again = ana.post(base(allies_msg) + "delete", headers=HX)
    assert again.status_code == 409 and "was deleted" in again.content.decode()
    assert (Entry.objects.count(), MessageRevision.objects.count()) == before


def test_delete_without_htmx_redirects_to_the_message(client_for, allies_msg):
    r = client_for("ana.costa").post(base(allies_msg) + "delete")
    assert r.status_code == 302 and r["Location"].endswith(f"#msg-{allies_msg.pk}")
    allies_msg.refresh_from_db()
    assert allies_msg.deleted_at is not None and allies_msg.body == ""


# --- reply ------------------------------------------------------------------------------------
def test_reply_button_prefills_the_composer_and_thread_links(client_for, viewer, chan):
    allies = chan("Allies coordination")
    parent = services.post_message(
        viewer("james.whitfield"),
        allies.pk,
        body="ARD line on Quailbrook",
        label={"level": 2, "rel_to": ["ARD"]},
    ).message
    ana = client_for("ana.costa")
    page = ana.get(f"/p/lake-varna/channels/{allies.pk}/").content.decode()
    assert (
        f'data-reply-to="{parent.pk}"' in page and f'href="?reply_to={parent.pk}#composer"' in page
    )
    # without JavaScript the reply link pre-fills reply_to and the parent's label
    page = ana.get(f"/p/lake-varna/channels/{allies.pk}/?reply_to={parent.pk}").content.decode()
    assert f'name="reply_to" value="{parent.pk}"' in page
    assert re.search(r'<option value="2" selected>', page)
    assert re.search(r'name="label_rel_to" value="NOR"(?! checked)', page)
    assert "Replying to" in page and "James Whitfield" in page
    r = ana.post(
        f"/p/lake-varna/channels/{allies.pk}/post",
        {"body": "Agreed", "reply_to": str(parent.pk), "label_level": "2", "label_rel_to": "ARD"},
        headers=HX,
    )
    assert r.status_code == 201
    reply = Message.objects.latest("id")
    assert reply.reply_to_id == parent.pk
    assert f'href="#msg-{parent.pk}"' in r.content.decode()
    assert "In reply to" in r.content.decode()
    page = ana.get(f"/p/lake-varna/channels/{allies.pk}/").content.decode()
    # the parent lists its reply by who wrote it and when, not by an id
    assert re.search(rf'href="#msg-{reply.pk}">from Ana Costa, <time datetime="[^"]+">', page)
    assert f">#{reply.pk}<" not in page


def test_reply_errors_store_nothing(client_for, viewer, chan, written):
    allies = chan("Allies coordination")
    secret = services.post_message(
        viewer("james.whitfield"), allies.pk, body="x", label={"level": 3, "rel_to": ["ARD"]}
    ).message
    open_parent = services.post_message(
        viewer("james.whitfield"), allies.pk, body="y", label={"level": 2, "rel_to": ["ARD"]}
    ).message
    ana = client_for("ana.costa")
    before = written()
    # replying to a message ana may not read: 404, as if it did not exist
    r = ana.post(
        f"/p/lake-varna/channels/{allies.pk}/post",
        {"body": "re", "reply_to": str(secret.pk)},
        headers=HX,
    )
    assert r.status_code == 404 and r["HX-Retarget"] == "#composer-errors"
    # a reply labelled below its parent: 422 with the reason
    r = ana.post(
        f"/p/lake-varna/channels/{allies.pk}/post",
        {"body": "re", "reply_to": str(open_parent.pk), "label_level": "1", "label_rel_to": "ARD"},
        headers=HX,
    )
    assert r.status_code == 422 and "at least like the message it answers" in r.content.decode()
    r = ana.post(
        f"/p/lake-varna/channels/{allies.pk}/post", {"body": "re", "reply_to": "x"}, headers=HX
    )
    assert r.status_code == 422
    assert written() == before


def test_reply_to_a_parent_tightened_away_shows_no_link(client_for, viewer, chan, allies_msg):
    reply = services.post_message(
        viewer("erik.lund"), allies_msg.channel_id, body="ok", reply_to=allies_msg.pk
    ).message
    services.edit_message(
        viewer("ana.costa"), allies_msg.pk, body="now ARD", label={"level": 2, "rel_to": ["ARD"]}
    )
    html = client_for("erik.lund").get(base(reply), headers=HX).content.decode()
    assert "In reply to a message you may not read" in html and f"#msg-{allies_msg.pk}" not in html


# --- attachments ------------------------------------------------------------------------------
@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def _upload(name: str, data: bytes, ctype: str = "application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=ctype)


def test_composer_uploads_attachments_with_chips(client_for, chan, data_dir):
    allies = chan("Allies coordination")
    r = client_for("ana.costa").post(
        f"/p/lake-varna/channels/{allies.pk}/post",
        {
            "body": "Map attached",
            "files": [_upload("map.pdf", PDF), _upload("notes.txt", b"Ceasefire notes")],
        },
        headers=HX,
    )
    assert r.status_code == 201, r.content
    msg = Message.objects.latest("id")
    atts = list(Attachment.objects.filter(message=msg).order_by("id"))
    assert [(a.name, a.content_type) for a in atts] == [
        ("map.pdf", "application/pdf"),
        ("notes.txt", "text/plain"),
    ]
    assert all(a.label_id == msg.label_id for a in atts)
    html = r.content.decode()
    link = (
        f"/api/v1/processes/lake-varna/channels/{allies.pk}/messages/{msg.pk}/attachments/"
        f"{atts[0].pk}"
    )
    assert f'href="{link}"' in html and "map.pdf" in html
    # the chip's link is access-checked: erik (NOR) may read it, viktor (KES) may not
    got = client_for("erik.lund").get(link)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert client_for("viktor.kess").get(link).status_code == 404
    page = client_for("erik.lund").get(f"/p/lake-varna/channels/{allies.pk}/").content.decode()
    assert f'href="{link}"' in page


@pytest.mark.parametrize(
    ("files", "max_mb", "error"),
    [
        ([("big.pdf", PDF + b"x" * 4000)], "0.001", "larger than"),
        ([("tool.exe", b"MZ\x90\x00\x03" + b"\x00" * 50)], None, "only PDF, PNG"),
        ([("empty.txt", b"")], None, "is empty"),
        ([("ok.pdf", PDF), ("tool.exe", b"MZ\x90\x00" + b"\x00" * 20)], None, "only PDF"),
        # the form promises PDF, PNG, JPEG, text, Office: a page or a program is refused by
        # its name even when its bytes would pass as text, and text named .pdf by its bytes
        ([("page.html", b"<p>Hello</p>")], None, "is a .html file"),
        ([("tool.exe", b"plain words")], None, "is a .exe file"),
        ([("notes.txt", b"<!DOCTYPE html><script>x()</script>")], None, "not what its name says"),
        ([("report.pdf", b"plain words")], None, "holds plain text"),
    ],
)
def test_refused_attachment_stores_nothing(
    client_for, chan, data_dir, written, monkeypatch, files, max_mb, error
):
    if max_mb:
        monkeypatch.setenv("ACCORD_ATTACHMENT_MAX_MB", max_mb)
    allies = chan("Allies coordination")
    c = client_for("ana.costa")
    before = written()
    r = c.post(
        f"/p/lake-varna/channels/{allies.pk}/post",
        {"body": "with a file", "files": [_upload(n, d) for n, d in files]},
        headers=HX,
    )
    assert r.status_code == 422
    assert r["HX-Retarget"] == "#composer-errors" and error in r.content.decode()
    assert written() == before
    stored = data_dir / "attachments"
    assert not stored.exists() or not any(stored.iterdir())


def test_attachment_to_unreadable_channel_is_404(client_for, chan, data_dir, written):
    ard = chan("Ardania delegation")
    erik = client_for("erik.lund")
    before = written()
    r = erik.post(
        f"/p/lake-varna/channels/{ard.pk}/post",
        {"body": "x", "files": [_upload("a.pdf", PDF)]},
        headers=HX,
    )
    assert r.status_code == 404
    assert written() == before


def test_deleted_message_hides_its_attachments(client_for, chan, data_dir):
    allies = chan("Allies coordination")
    ana = client_for("ana.costa")
    ana.post(
        f"/p/lake-varna/channels/{allies.pk}/post",
        {"body": "Map", "files": [_upload("map.pdf", PDF)]},
        headers=HX,
    )
    msg = Message.objects.latest("id")
    att = Attachment.objects.get(message=msg)
    ana.post(base(msg) + "delete", headers=HX)
    html = client_for("erik.lund").get(base(msg), headers=HX).content.decode()
    assert "map.pdf" not in html and "Message deleted" in html
    link = (
        f"/api/v1/processes/lake-varna/channels/{allies.pk}/messages/{msg.pk}/attachments/{att.pk}"
    )
    assert client_for("erik.lund").get(link).status_code == 404


# --- attach to a message already posted -------------------------------------------------------
def test_author_attaches_files_later_labelled_like_the_message(client_for, allies_msg, data_dir):
    ana = client_for("ana.costa")
    page = ana.get(f"/p/lake-varna/channels/{allies_msg.channel_id}/").content.decode()
    assert f'action="{base(allies_msg)}attach"' in page  # the author gets the attach form
    r = ana.post(
        base(allies_msg) + "attach",
        {"files": [_upload("map.pdf", PDF), _upload("notes.txt", b"Route notes")]},
        headers=HX,
    )
    assert r.status_code == 200, r.content
    atts = list(Attachment.objects.filter(message=allies_msg).order_by("id"))
    assert [a.name for a in atts] == ["map.pdf", "notes.txt"]
    assert all(a.label_id == allies_msg.label_id for a in atts)
    assert Entry.objects.filter(action="attachment.add").count() == 2
    html = r.content.decode()
    assert f'id="msg-{allies_msg.pk}"' in html and "map.pdf" in html and "notes.txt" in html
    erik = client_for("erik.lund")  # a reader of the message sees the files, others do not
    assert (
        f'action="{base(allies_msg)}attach"'
        not in erik.get(f"/p/lake-varna/channels/{allies_msg.channel_id}/").content.decode()
    )
    assert "map.pdf" in erik.get(base(allies_msg), headers=HX).content.decode()
    r = client_for("viktor.kess").get(base(allies_msg), headers=HX)
    assert r.status_code == 404 and b"map.pdf" not in r.content


@pytest.mark.parametrize(
    ("who", "files", "status", "says"),
    [
        ("ana.costa", [("tool.exe", b"MZ\x90\x00" + b"\x00" * 20)], 422, "only pdf"),
        ("ana.costa", [("ok.pdf", PDF), ("page.html", b"<p>hi</p>")], 422, "is a .html file"),
        ("ana.costa", [("ok.pdf", PDF), ("empty.txt", b"")], 422, "is empty"),
        ("ana.costa", [], 422, "at least one file"),
        ("erik.lund", [("ok.pdf", PDF)], 403, "only the sender"),  # a reader, not the sender
        ("viktor.kess", [("ok.pdf", PDF)], 404, "not found"),  # another party: unreadable
    ],
)
def test_refused_later_attachment_stores_nothing(
    client_for, allies_msg, data_dir, written, who, files, status, says
):
    c = client_for(who)
    before = written()
    r = c.post(
        base(allies_msg) + "attach", {"files": [_upload(n, d) for n, d in files]}, headers=HX
    )
    assert r.status_code == status, r.content
    assert says in r.content.decode().lower()
    if status != 404:
        assert r["HX-Retarget"] == f"#attach-errors-{allies_msg.pk}"
    assert written() == before
    stored = data_dir / "attachments"
    assert not stored.exists() or not any(stored.iterdir())
