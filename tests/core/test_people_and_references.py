"""Lists of people and references to objects pass the one door each (rule 4).

Col. Marsh's membership is CONFIDENTIAL // REL TO ARD: other parties must not learn that he is a
member at all — not from an acknowledgement list, a sender line, a mention, a signatory, a
recorded act. A reference (a reply's parent, a clause's agenda issue) to an object the reader
may not read is not shown, not even as an id.
"""

from __future__ import annotations

import pytest

from accord.comms import queries as comms_queries
from accord.comms import services as comms_services
from accord.comms.models import Channel, Notification
from accord.core import people, services
from accord.core.labels import LabelValue
from accord.ledger import queries as ledger_queries
from accord.ledger.models import Entry
from accord.negotiation import services as negotiation_services
from accord.negotiation.models import Document, Issue

pytestmark = pytest.mark.django_db

ARD_ONLY = {"level": 1, "rel_to": ["ARD"]}


@pytest.fixture
def plenary(demo):
    return Channel.objects.get(process=demo, kind="plenary")


def _entries(v, action: str) -> list[Entry]:
    return list(ledger_queries.timeline(v, action=action))


def test_hidden_sender_is_a_member_not_shown_to_other_parties(plenary, viewer, client_for, api_for):
    msg = comms_services.post_message(
        viewer("col.marsh"), plenary.pk, body="Patrol schedule confirmed for Thursday."
    ).message
    ana = comms_queries.message_data(viewer("ana.costa"), msg)
    assert (ana["sender"], ana["sender_party"], ana["sender_id"]) == (
        "Col. Richard Marsh",
        "ARD",
        msg.sender_id,
    )
    for username in ("ingrid.dahl", "viktor.kess"):
        other = comms_queries.message_data(viewer(username), msg)
        assert other["sender"] == people.HIDDEN_NAME
        assert other["sender_id"] is None and other["sender_party"] is None
        assert other["sender_hidden"] is True
    body = api_for("ingrid.dahl").get(
        f"/api/v1/processes/lake-varna/channels/{plenary.pk}/messages/{msg.pk}"
    )
    assert body.status_code == 200 and body.json()["sender_id"] is None
    assert b"Marsh" not in body.content and b"Defence" not in body.content
    page = client_for("ingrid.dahl").get(f"/p/lake-varna/channels/{plenary.pk}/")
    assert b"Patrol schedule confirmed" in page.content
    assert b"Marsh" not in page.content and b"a member not shown" in page.content
    own_party = client_for("james.whitfield").get(f"/p/lake-varna/channels/{plenary.pk}/")
    assert b"Col. Richard Marsh" in own_party.content


def test_acknowledgements_count_a_hidden_member_without_naming_him(
    plenary, viewer, client_for, api_for
):
    msg = comms_services.post_message(
        viewer("ingrid.dahl"), plenary.pk, body="Confirm receipt.", precedence="FLASH"
    ).message
    comms_services.acknowledge(viewer("col.marsh"), msg.pk)
    url = f"/api/v1/processes/lake-varna/channels/{plenary.pk}/messages/{msg.pk}/acks"
    got = api_for("ingrid.dahl").get(url)
    assert got.status_code == 200
    data = got.json()
    assert data["acknowledged"] == [] and data["acknowledged_hidden"] == 1
    assert b"Marsh" not in got.content and b"marsh" not in got.content
    # the coordinator sees every line, but only of members she may see (Marsh is ARD-only)
    coord = api_for("amara.okafor").get(url).json()
    assert coord["acknowledged_hidden"] == 1
    html = client_for("ingrid.dahl").get(
        f"/p/lake-varna/channels/{plenary.pk}/m/{msg.pk}/acks", HTTP_HX_REQUEST="true"
    )
    assert b"1 member not shown" in html.content and b"Marsh" not in html.content


def test_mentions_show_and_reach_only_members_the_reader_may_see(plenary, viewer, api_for):
    ana = viewer("ana.costa")
    posted = comms_services.post_message(ana, plenary.pk, body="@col.marsh please confirm")
    marsh = viewer("col.marsh").member
    assert [pk for pk, _ in posted.mentions] == [marsh.pk]
    assert comms_queries.message_data(ana, posted.message)["mentions"] == [marsh.pk]
    assert comms_queries.message_data(viewer("ingrid.dahl"), posted.message)["mentions"] == []
    # someone who may not see him cannot mention him: no notification, no confirmation
    guess = comms_services.post_message(viewer("ingrid.dahl"), plenary.pk, body="@col.marsh ?")
    assert guess.mentions == []
    assert not Notification.objects.filter(message=guess.message, member=marsh).exists()
    r = api_for("ingrid.dahl").post(
        f"/api/v1/processes/lake-varna/channels/{plenary.pk}/messages",
        {"body": "@col.marsh are you there?"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["message"]["mentions"] == []


def test_a_reply_to_an_unreadable_message_hides_the_reference(plenary, viewer, api_for, client_for):
    ana, ingrid = viewer("ana.costa"), viewer("ingrid.dahl")
    parent = comms_services.post_message(ana, plenary.pk, body="Open question.").message
    reply = comms_services.post_message(
        ingrid, plenary.pk, body="Open answer.", reply_to=parent.pk
    ).message
    # Ardania tightens its question to ARD only: Norlund's reply now answers a message
    # Norlund may not read (labels only tighten, so this is how such a reply comes about)
    comms_services.edit_message(ana, parent.pk, body="Open question.", label=ARD_ONLY)
    data = comms_queries.message_data(ingrid, reply)
    assert data["reply_to"] is None and data["reply_to_hidden"] is True
    assert comms_queries.message_data(ana, reply)["reply_to"] == parent.pk
    got = api_for("ingrid.dahl").get(
        f"/api/v1/processes/lake-varna/channels/{plenary.pk}/messages/{reply.pk}"
    )
    assert got.json()["reply_to"] is None and got.json()["reply_to_hidden"] is True
    page = client_for("ingrid.dahl").get(f"/p/lake-varna/channels/{plenary.pk}/")
    assert b"In reply to a message you may not read" in page.content
    assert f"msg-{parent.pk}".encode() not in page.content
    assert b"Open question." not in page.content


def test_the_record_of_an_act_carries_the_labels_of_what_it_names(demo, viewer, plenary):
    ana, ingrid = viewer("ana.costa"), viewer("ingrid.dahl")
    # a reply naming an ARD-only message: the entry is ARD-only too
    parent = comms_services.post_message(ana, plenary.pk, body="ARD note", label=ARD_ONLY).message
    reply = comms_services.post_message(
        ana, plenary.pk, body="ARD reply", label=ARD_ONLY, reply_to=parent.pk
    ).message
    entry = Entry.objects.get(action="message.post", subject_id=str(reply.pk))
    assert entry.label.value.rel_to == frozenset({"ARD"})
    # Marsh acting on a public message: the record names him, so it is ARD-only
    msg = comms_services.post_message(
        ingrid, plenary.pk, body="Ack please", precedence="FLASH"
    ).message
    comms_services.acknowledge(viewer("col.marsh"), msg.pk)
    ack = Entry.objects.get(action="message.ack", actor__username="col.marsh")
    assert ack.label.value.rel_to == frozenset({"ARD"})
    assert ack not in _entries(ingrid, "message.ack")
    assert ack in _entries(viewer("james.whitfield"), "message.ack")
    # a clause linked to a SECRET agenda issue: the link's record is SECRET
    lena = viewer("lena.haas")
    secret = negotiation_services.create_issue(
        lena,
        title="Amnesty scope (caucus only)",
        kind="discrete",
        options=["none", "partial"],
        label=LabelValue.of(3, None, ["MEDIATION"]),
    )
    doc = Document.objects.get(process=demo)
    clause = doc.clauses.first()
    negotiation_services.link_issues(lena, doc, clause, [secret.pk])
    link = Entry.objects.filter(action="clause.issues").latest("seq")
    assert link.label.value.level == 3 and "MEDIATION" in link.label.value.caveats
    assert link not in _entries(ingrid, "clause.issues")
    assert link in _entries(lena, "clause.issues")
    assert Issue.objects.filter(pk=secret.pk).exists()


def test_tightening_a_message_tightens_the_records_that_name_it(demo, viewer, plenary):
    """A public message, a public reply to it, then the author tightens the message to ARD:
    the post's record and the reply's record (whose payload names the message) leave
    Norlund's timeline; the reply itself stays readable, its reference hidden."""
    ana, ingrid = viewer("ana.costa"), viewer("ingrid.dahl")
    parent = comms_services.post_message(ana, plenary.pk, body="Open question").message
    reply = comms_services.post_message(
        ingrid, plenary.pk, body="Open answer", reply_to=parent.pk
    ).message
    post = Entry.objects.get(action="message.post", subject_id=str(parent.pk))
    answer = Entry.objects.get(action="message.post", subject_id=str(reply.pk))
    assert post in _entries(ingrid, "message.post") and answer in _entries(ingrid, "message")
    leaf = bytes(post.leaf_hash)
    comms_services.edit_message(ana, parent.pk, body="Open question", label=ARD_ONLY)
    assert post not in _entries(ingrid, "message.post")
    assert answer not in _entries(ingrid, "message.post")
    assert post in _entries(viewer("james.whitfield"), "message.post")
    post.refresh_from_db()
    assert bytes(post.leaf_hash) == leaf and post.label_data == LabelValue().as_dict()
    assert comms_queries.message_data(ingrid, reply)["reply_to_hidden"] is True


def test_old_entries_are_relabelled_by_what_they_name_and_still_verify(demo, viewer, plenary):
    """The migration's function, run over entries recorded the old way (label = the act's
    own label only): reads follow the combined label, the leaf and its proof do not change."""
    import importlib

    from django.apps import apps

    from accord.ledger import services as ledger_services
    from accord.ledger.models import Log
    from accord.ledger.verify import verify_log

    migration = importlib.import_module(
        "accord.ledger.migrations.0003_entry_labels_name_what_they_name"
    )
    ana, ingrid = viewer("ana.costa"), viewer("ingrid.dahl")
    parent = comms_services.post_message(ana, plenary.pk, body="ARD memo", label=ARD_ONLY).message
    # an old-style record: a public entry whose payload names the ARD-only message
    with ledger_services.transaction.atomic():
        old = ledger_services.record(
            ingrid.member,
            "message.post",
            ("comms.message", "999999"),
            {"reply_to": parent.pk, "mentions": [viewer("col.marsh").member.pk]},
            LabelValue(),
            process=demo,
        )
    entry = Entry.objects.get(log__process=demo, seq=old.seq)
    assert entry.label.value == LabelValue()
    assert entry in list(ledger_queries.timeline(ingrid))
    leaf_before = bytes(entry.leaf_hash)
    migration.forwards(apps, None)
    entry.refresh_from_db()
    assert entry.label.value.rel_to == frozenset({"ARD"})
    assert entry not in list(ledger_queries.timeline(ingrid))
    assert entry in list(ledger_queries.timeline(viewer("james.whitfield")))
    assert bytes(entry.leaf_hash) == leaf_before and entry.label_data == LabelValue().as_dict()
    ledger_services.sign_pending_heads()
    report = verify_log(Log.objects.get(process=demo))
    assert report.ok, report.problems


def test_a_membership_hidden_from_the_reader_is_hidden_everywhere_in_the_people_door(
    demo, viewer, member
):
    marsh = member("col.marsh")
    assert people.person(viewer("ingrid.dahl"), marsh) == people.HIDDEN
    assert people.person(viewer("ana.costa"), marsh).name == "Col. Richard Marsh"
    assert people.person(viewer("col.marsh"), marsh).name == "Col. Richard Marsh"
    shown, hidden = people.visible(viewer("viktor.kess"), [marsh, member("ana.costa")])
    assert [m.user.username for m in shown] == ["ana.costa"] and hidden == 1
    assert people.hidden_note(1) == "1 member not shown"
    assert people.hidden_note(3) == "3 members not shown"
    # relabelling Marsh for everyone makes him visible again
    services.update_member(viewer("amara.okafor"), marsh, label=LabelValue())
    assert people.person(viewer("ingrid.dahl"), member("col.marsh")).name == "Col. Richard Marsh"
