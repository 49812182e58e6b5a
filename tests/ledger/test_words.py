"""Recorded acts in words (ledger.words): who did what to which object, as this reader may
see it; runs grouped; unreadable objects and hidden members never named."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.comms.models import Channel, Message
from accord.core import services
from accord.core.labels import LabelValue
from accord.ledger import queries, words
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db


def said(viewer, entries) -> list[str]:
    return [line.plain for line in words.lines(viewer, entries)]


def test_every_recorded_action_has_words():
    for action, w in words.ACTIONS.items():
        assert w.one and w.many and "{n}" in w.many, action
        assert action in words.ACTION_NAMES, action
    assert words.fallback("brand.new_act").one.startswith("recorded an act (brand new act)")
    assert words.action_name("brand.new_act") == "Brand new act"


def test_sentences_name_actor_and_object(demo, viewer):
    ana = viewer("ana.costa")
    lines = words.lines(ana, queries.timeline(ana, action="channel.create"))
    line = next(x for x in lines if "Plenary" in x.plain)
    assert line.plain == "Amara Okafor opened the channel Plenary"
    assert line.actor is not None and line.actor.user.username == "amara.okafor"
    plenary = Channel.objects.get(process=demo, name="Plenary")
    assert f'href="/p/lake-varna/channels/{plenary.pk}/"' in line.sentence
    roles = said(ana, queries.timeline(ana, action="role.assume"))
    assert "Accord gave Ana Costa the role negotiator" in roles


def test_runs_of_one_act_on_one_object_are_one_line(demo, viewer):
    lena = viewer("lena.haas")
    lines = words.lines(lena, queries.timeline(lena, action="consult.statement"))
    run = next(x for x in lines if x.count == 15)
    assert run.plain == (
        "Lena Haas added 15 statements to the consultation Varna civil-society forum"
    )
    assert run.seqs.count("–") == 1
    # different objects are not one run: each stance on its own clause
    stances = words.lines(lena, queries.timeline(lena, action="text.stance"))
    assert all(x.count == 1 for x in stances)
    assert any("recorded a stance on clause" in x.plain for x in stances)


def test_an_object_the_reader_may_not_read_is_not_named(demo, viewer):
    caucus = Channel.objects.get(process=demo, name="Mediation caucus")
    msg = Message.objects.filter(channel=caucus).first()
    entry = Entry.objects.get(subject_type="comms.message", subject_id=str(msg.pk))
    ana = viewer("ana.costa")  # no MEDIATION caveat: may read neither channel nor message
    (line,) = words.lines(ana, [entry])
    assert line.plain.endswith("posted a message")
    assert "caucus" not in line.plain.lower() and "href" not in line.sentence
    assert str(caucus.pk) not in line.sentence
    (mediator,) = words.lines(viewer("lena.haas"), [entry])
    assert mediator.plain.endswith("posted a message in Mediation caucus")


def test_a_hidden_actor_is_a_member_not_shown(demo, viewer, member):
    erik = member("erik.lund")
    post = Entry.objects.filter(action="message.post", actor=erik.user).first()
    ana = viewer("ana.costa")
    assert said(ana, [post])[0].startswith("Erik Lund posted a message")
    # his membership is relabelled so that Ardania may no longer see it
    services.update_member(viewer("amara.okafor"), erik, label=LabelValue.of(0, ["NOR", "MED"], []))
    (line,) = words.lines(viewer("ana.costa"), [post])
    assert line.actor is None and line.actor_text == "A member not shown"
    assert "Erik" not in line.plain and "Lund" not in line.plain


def test_member_changes_say_which_fields(demo, viewer, member):
    amara = viewer("amara.okafor")
    services.update_member(amara, member("erik.lund"), clearance=2, title="Press attaché")
    (line,) = words.lines(amara, queries.timeline(amara, action="member.update")[:1])
    assert line.plain == "Amara Okafor changed the clearance and title of Erik Lund"


def test_a_page_of_acts_costs_a_few_queries(demo, viewer):
    lena = viewer("lena.haas")
    entries = list(queries.timeline(lena)[:200])
    with CaptureQueriesContext(connection) as ctx:
        lines = words.lines(lena, entries)
    assert sum(x.count for x in lines) == len(entries)
    assert len(ctx.captured_queries) <= 40, len(ctx.captured_queries)
