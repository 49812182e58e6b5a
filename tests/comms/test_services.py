"""Posting, label rules, precedence, edits/deletions with history, acknowledgements, read state."""

import pytest

from accord.comms import queries, services
from accord.comms.models import Acknowledgement, Channel, MessageRevision, Notification
from accord.core.errors import Conflict, Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db


def test_post_defaults_to_channel_label_and_records_sealed_entry(viewer, chan):
    allies = chan("Allies coordination")
    posted = services.post_message(viewer("ana.costa"), allies.pk, body="Agreed **text**.")
    msg = posted.message
    assert msg.label_id == allies.label_id
    assert msg.label.value == LabelValue.of(1, ["ARD", "BEL", "NOR"])
    assert msg.body_html == "<p>Agreed <strong>text</strong>.</p>\n"
    assert posted.warnings == []
    entry = Entry.objects.get(action="message.post", subject_id=str(msg.pk))
    assert entry.label_id == msg.label_id
    # the Merkle leaf (what exports and proofs carry) holds commitments, never the text
    from accord.ledger.services import is_sealed, leaf_bytes

    assert is_sealed(entry.label_data)
    assert b"Agreed" not in leaf_bytes(entry, entry.log.name)


def test_channel_kinds_tighten_their_label(viewer):
    coord = viewer("amara.okafor")
    c = services.create_channel(coord, name="ARD–NOR", kind="bilateral", parties=["ard", "NOR"])
    assert c.label.value == LabelValue.of(0, ["ARD", "NOR"])
    assert sorted(p.code for p in c.parties.all()) == ["ARD", "NOR"]
    k = services.create_channel(coord, name="Small caucus", kind="caucus", label={"level": 1})
    assert k.label.value == LabelValue.of(1, None, ["MEDIATION"])
    assert Entry.objects.filter(action="channel.create", subject_id=str(k.pk)).exists()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"name": "", "kind": "plenary"}, Invalid),
        ({"name": "X", "kind": "lobby"}, Invalid),
        ({"name": "X", "kind": "party", "parties": ["ARD", "NOR"]}, Invalid),
        ({"name": "X", "kind": "bilateral", "parties": ["ARD"]}, Invalid),
        ({"name": "X", "kind": "bilateral", "parties": ["ARD", "ZZZ"]}, Invalid),
        ({"name": "X", "kind": "plenary", "parties": ["ARD"]}, Invalid),
        ({"name": "Plenary", "kind": "plenary"}, Conflict),
    ],
)
def test_create_channel_bad_input_writes_nothing(viewer, kwargs, error):
    before = Channel.objects.count(), Entry.objects.count()
    with pytest.raises(error):
        services.create_channel(viewer("amara.okafor"), **kwargs)
    assert (Channel.objects.count(), Entry.objects.count()) == before


def test_only_coordinator_creates_channels(viewer):
    with pytest.raises(Forbidden):
        services.create_channel(viewer("james.whitfield"), name="Mine", kind="topic")


@pytest.mark.parametrize(
    ("username", "channel", "label", "error"),
    [
        ("ana.costa", "Allies coordination", {"level": 3, "rel_to": ["ARD"]}, Forbidden),
        ("ana.costa", "Allies coordination", {"level": 1, "caveats": ["MEDIATION"]}, Forbidden),
        ("ana.costa", "Allies coordination", {"level": 1, "rel_to": ["NOR"]}, Forbidden),
        ("ana.costa", "Ardania delegation", {"level": 0}, Invalid),  # below the channel label
        ("ana.costa", "Ardania delegation", {"level": 2}, Invalid),  # REL TO dropped: looser
        ("ana.costa", "Allies coordination", {"level": "TOP SECRET"}, Invalid),
        ("ana.costa", "Allies coordination", {"level": 1, "rel_to": ["ARD", "XYZ"]}, Invalid),
        ("ana.costa", "Mediation caucus", None, NotFound),  # cannot read the channel
        ("mei.tanaka", "Plenary", None, Forbidden),  # observers do not post
    ],
)
def test_refused_posts_store_nothing(viewer, chan, counts, username, channel, label, error):
    before = counts()
    with pytest.raises(error) as exc:
        services.post_message(viewer(username), chan(channel).pk, body="text", label=label)
    assert exc.value.message
    assert counts() == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"body": "   "}, "body"),
        ({"body": "x" * 20001}, "body"),
        ({"body": "ok", "precedence": "URGENT"}, "precedence"),
    ],
)
def test_bad_body_or_precedence(viewer, chan, counts, kwargs, field):
    before = counts()
    with pytest.raises(Invalid) as exc:
        services.post_message(viewer("ana.costa"), chan("Plenary").pk, **kwargs)
    assert field in exc.value.fields
    assert counts() == before


def test_flash_requires_ack_notifies_readers_and_warns_when_long(viewer, chan, member):
    allies = chan("Allies coordination")
    long_text = " ".join(["word"] * 201)
    posted = services.post_message(
        viewer("ingrid.dahl"), allies.pk, body=long_text, precedence="flash"
    )
    msg = posted.message
    assert msg.requires_ack is True and msg.precedence == "FLASH"
    assert len(posted.warnings) == 1 and "201" in posted.warnings[0]
    notified = set(
        Notification.objects.filter(message=msg, kind="flash").values_list(
            "member__user__username", flat=True
        )
    )
    # the allies' members, not the sender, not the mediators or conflict parties
    assert notified == {
        "james.whitfield",
        "ana.costa",
        "col.marsh",
        "erik.lund",
        "marc.dubois",
        "sophie.martin",
    }
    short = services.post_message(
        viewer("ingrid.dahl"), allies.pk, body="short", precedence="IMMEDIATE"
    )
    assert short.warnings == [] and short.message.requires_ack


def test_mentions_only_notify_members_who_may_read(viewer, chan):
    body = "@ana.costa and @viktor.kess and @nobody please look"
    msg = services.post_message(
        viewer("james.whitfield"), chan("Ardania delegation").pk, body=body
    ).message
    assert [m.user.username for m in msg.mentions.all()] == ["ana.costa"]
    assert list(
        Notification.objects.filter(message=msg).values_list("kind", "member__user__username")
    ) == [("mention", "ana.costa")]


def test_markdown_is_safe(viewer, chan):
    body = "<script>alert(1)</script> [x](javascript:alert(1)) [site](https://example.org) <b>b</b>"
    html = services.post_message(
        viewer("ana.costa"), chan("Plenary").pk, body=body
    ).message.body_html
    assert "<script" not in html and "<b>" not in html
    assert 'href="javascript' not in html
    assert (
        '<a href="https://example.org" rel="noopener noreferrer nofollow" class="external">' in html
    )


def test_reply_rules(viewer, chan):
    plenary, ard = chan("Plenary"), chan("Ardania delegation")
    parent = services.post_message(viewer("james.whitfield"), ard.pk, body="parent").message
    with pytest.raises(NotFound):  # not in this channel
        services.post_message(viewer("james.whitfield"), plenary.pk, body="r", reply_to=parent.pk)
    secret = services.post_message(
        viewer("james.whitfield"), ard.pk, body="s", label={"level": 3, "rel_to": ["ARD"]}
    ).message
    with pytest.raises(NotFound):  # ana may not read the parent: same answer as a missing one
        services.post_message(viewer("ana.costa"), ard.pk, body="r", reply_to=secret.pk)
    with pytest.raises(Invalid):  # a reply is labelled at least like its parent
        services.post_message(
            viewer("col.marsh"),
            ard.pk,
            body="r",
            reply_to=secret.pk,
            label={"level": 2, "rel_to": ["ARD"]},
        )
    reply = services.post_message(viewer("ana.costa"), ard.pk, body="r", reply_to=parent.pk).message
    assert reply.reply_to_id == parent.pk


def test_edit_and_delete_keep_history_and_ledger(viewer, chan):
    v = viewer("ana.costa")
    msg = services.post_message(v, chan("Ardania delegation").pk, body="first quokkadraft").message
    services.edit_message(
        v, msg.pk, body="second quokkadraft", label={"level": 2, "rel_to": ["ARD"]}
    )
    msg.refresh_from_db()
    assert msg.body == "second quokkadraft" and msg.edited_at is not None
    assert list(queries.search(v, "second quokkadraft")) == [msg]  # the index follows edits
    with pytest.raises(Invalid):  # cannot loosen
        services.edit_message(v, msg.pk, body="third", label={"level": 2, "rel_to": ["ARD", "NOR"]})
    with pytest.raises(Forbidden):
        services.edit_message(viewer("james.whitfield"), msg.pk, body="not mine")
    services.delete_message(v, msg.pk)
    msg.refresh_from_db()
    assert msg.body == "" and msg.deleted_at is not None
    revs = list(MessageRevision.objects.filter(message=msg).values_list("kind", "body"))
    assert revs == [("edit", "first quokkadraft"), ("delete", "second quokkadraft")]
    actions = list(
        Entry.objects.filter(subject_id=str(msg.pk), subject_type="comms.message")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["message.post", "message.edit", "message.delete"]
    with pytest.raises(Conflict):
        services.edit_message(v, msg.pk, body="again")
    assert not queries.search(v, "quokkadraft").exists()


def test_acknowledge_once_and_status(viewer, chan, member):
    allies = chan("Allies coordination")
    msg = services.post_message(
        viewer("ingrid.dahl"), allies.pk, body="Confirm", precedence="IMMEDIATE"
    ).message
    a1 = services.acknowledge(viewer("ana.costa"), msg.pk)
    a2 = services.acknowledge(viewer("ana.costa"), msg.pk)
    assert a1.pk == a2.pk
    assert Acknowledgement.objects.filter(message=msg).count() == 1
    assert Entry.objects.filter(action="message.ack").count() >= 1
    assert not Notification.objects.filter(
        message=msg, member=member("ana.costa"), read=False
    ).exists()
    with pytest.raises(Invalid):
        services.acknowledge(viewer("ingrid.dahl"), msg.pk)  # own message
    with pytest.raises(NotFound):
        services.acknowledge(viewer("viktor.kess"), msg.pk)  # cannot read it
    st = queries.ack_status(viewer("ingrid.dahl"), msg)
    assert [m.user.username for m, _ in st.acknowledged] == ["ana.costa"]
    assert "viktor.kess" not in {m.user.username for m in st.pending}
    # col.marsh (ARD) may read the message, but his membership is hidden from Norlund: the
    # sender sees his pending acknowledgement counted, never named
    assert {m.user.username for m in st.pending} == {
        "james.whitfield",
        "erik.lund",
        "marc.dubois",
        "sophie.martin",
    }
    assert st.hidden_pending == 1 and st.hidden_note == "1 member not shown"
    # a reader who is not the sender sees only their own line
    own = queries.ack_status(viewer("erik.lund"), msg)
    assert [m.user.username for m in own.pending] == ["erik.lund"] and own.acknowledged == []
    routine = services.post_message(viewer("ingrid.dahl"), allies.pk, body="fyi").message
    with pytest.raises(Invalid):
        services.acknowledge(viewer("ana.costa"), routine.pk)


def test_mark_read_moves_forward_only(viewer, chan):
    v = viewer("viktor.kess")
    plenary = chan("Plenary")
    before = queries.unread_count(v, plenary)
    assert before > 0
    services.mark_read(v, plenary.pk)
    assert queries.unread_count(v, plenary) == 0
    newest = services.mark_read(v, plenary.pk).last_read_id
    assert services.mark_read(v, plenary.pk, 1).last_read_id == newest
    services.post_message(viewer("ana.costa"), plenary.pk, body="new")
    assert queries.unread_count(v, plenary) == 1


def test_handling_objectives(viewer):
    with pytest.raises(Forbidden):
        services.set_handling_objectives(viewer("ana.costa"), flash_minutes=5, immediate_minutes=20)
    with pytest.raises(Invalid):
        services.set_handling_objectives(
            viewer("amara.okafor"), flash_minutes=40, immediate_minutes=20
        )
    pol = services.set_handling_objectives(
        viewer("amara.okafor"), flash_minutes=5, immediate_minutes=20
    )
    assert queries.handling_policy(pol.process).flash_minutes == 5
