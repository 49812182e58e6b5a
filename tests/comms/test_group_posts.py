"""Concurrent posts are written in one transaction (group commit), each exactly as if alone:
its own label, mentions, notifications, ledger entry and answer."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from accord.comms import services
from accord.comms.models import Message, Notification
from accord.core.labels import LabelValue
from accord.ledger.models import Entry, Log
from accord.ledger.verify import verify_log
from tests.core.test_groupcommit import behind_the_writer

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_posts_share_a_transaction_and_keep_their_own_acts(demo, viewer, chan):
    allies = chan("Allies coordination")
    plenary = chan("Plenary")
    posts = [
        ("ana.costa", allies.pk, {"body": "ARD view on item 2"}),
        ("erik.lund", allies.pk, {"body": "NOR agrees, @ana.costa please confirm"}),
        (
            "ana.costa",
            allies.pk,
            {"body": "ARD only: fallback line", "label": {"level": 1, "rel_to": ["ARD"]}},
        ),
        ("erik.lund", plenary.pk, {"body": "Plenary resumes at 14:00", "precedence": "FLASH"}),
    ]
    viewers = {name: viewer(name) for name in ("ana.costa", "erik.lund")}
    gc = services._posts
    batches, items = gc.batches, gc.items
    entries_before = Entry.objects.filter(action="message.post").count()
    results: dict[int, object] = {}

    def post(i: int) -> None:
        name, channel_id, kwargs = posts[i]
        try:
            results[i] = services.post_message(viewers[name], channel_id, **kwargs)
        except Exception as exc:  # reported by the assertion below
            results[i] = exc
        finally:
            connections.close_all()

    behind_the_writer(gc, [threading.Thread(target=post, args=(i,)) for i in range(len(posts))])

    assert (gc.batches - batches, gc.items - items) == (1, 4)  # one transaction for all four
    for i, (name, channel_id, kwargs) in enumerate(posts):
        posted = results[i]
        assert isinstance(posted, services.Posted), posted
        msg = Message.objects.select_related("label", "sender__user").get(pk=posted.message.pk)
        assert msg.body == kwargs["body"] and msg.channel_id == channel_id
        assert msg.sender.user.username == name
        entry = Entry.objects.get(action="message.post", subject_id=str(msg.pk))
        assert entry.label_id == msg.label_id
    ard_only = results[2].message
    assert Message.objects.get(pk=ard_only.pk).label.value == LabelValue.of(1, ["ARD"])
    mention = results[1]
    assert [pk for pk, _ in mention.mentions] == [viewers["ana.costa"].member.pk]
    assert Notification.objects.filter(
        message=mention.message, kind="mention", member=viewers["ana.costa"].member
    ).exists()
    flash = results[3].message
    assert flash.requires_ack
    assert Notification.objects.filter(message=flash, kind="flash").count() >= 2
    # the ledger holds one entry per post, contiguous, and the log still verifies
    assert Entry.objects.filter(action="message.post").count() == entries_before + 4
    assert verify_log(Log.objects.get(process=demo)).ok


def test_a_post_refused_by_its_checks_never_reaches_the_batch(demo, viewer, chan, counts):
    before = counts()
    batches = services._posts.batches
    with pytest.raises(services.Invalid):
        services.post_message(viewer("ana.costa"), chan("Plenary").pk, body="   ")
    assert counts() == before and services._posts.batches == batches
