"""The fan-out's bookkeeping, without sockets: unread counts read for a whole reader group at
once equal each member's own count, and a burst's frames carry each member's own count (on
each channel's last frame) and own acknowledgement, while sharing everything else."""

from __future__ import annotations

import json

import pytest

from accord.comms import queries, services
from accord.comms.fanout import FanoutState
from accord.core import access
from accord.core import services as core_services
from accord.core.models import Member

pytestmark = pytest.mark.django_db


def test_group_unread_counts_equal_each_members_own(demo, viewer, member, chan):
    allies = chan("Allies coordination")
    ana, ingrid, erik = viewer("ana.costa"), viewer("ingrid.dahl"), viewer("erik.lund")
    # a second ARD negotiator reading exactly what ana reads: a group of two
    twin = core_services.add_member(
        None,
        demo,
        user=core_services.create_user(username="ana.twin", password="a-long-demo-pass-1"),
        party=ana.member.party,
        clearance=ana.clearance,
        caveats=list(ana.member.caveats),
        roles=["negotiator"],
    )
    services.post_message(access.viewer_of(twin), allies.pk, body="twin's own")
    services.post_message(ingrid, allies.pk, body="one")
    services.post_message(ana, allies.pk, body="ana's own: not unread for ana")
    gone = services.post_message(ingrid, allies.pk, body="deleted later").message
    services.delete_message(ingrid, gone.pk)
    services.post_message(erik, allies.pk, body="NOR only", label={"level": 1, "rel_to": ["NOR"]})
    services.mark_read(erik, allies.pk)  # erik has read everything so far
    services.post_message(ingrid, allies.pk, body="after erik's marker")
    members = list(Member.objects.filter(process=demo, active=True).select_related("party"))

    def state(m) -> tuple:
        return m.clearance, sorted(c.upper() for c in m.caveats), m.party.code

    sizes = []
    for reader in (ana, erik, viewer("james.whitfield")):
        group = [m.pk for m in members if state(m) == state(reader.member)]
        sizes.append(len(group))
        counts = queries.unread_counts(reader, allies, group)
        assert set(counts) == set(group) and reader.member.pk in counts
        for m in members:
            if m.pk in group:
                assert counts[m.pk] == queries.unread_count(access.viewer_of(m), allies), m
    assert max(sizes) > 1, sizes  # at least one group of several members was counted at once


def _texts(delivery) -> list[dict]:
    return [json.loads(t) for t in delivery.texts]


def test_a_burst_gives_each_member_their_own_counts_and_acknowledgements(demo, viewer, chan):
    allies, plenary = chan("Allies coordination"), chan("Plenary")
    ana, ingrid, erik = viewer("ana.costa"), viewer("ingrid.dahl"), viewer("erik.lund")
    state = FanoutState(demo.pk)
    listeners = {ana.member.pk, erik.member.pk}
    first = services.post_message(ingrid, allies.pk, body="warm-up").message
    state.frames([{"kind": "message.new", "message_id": first.pk}], listeners)  # counts known
    flash = services.post_message(ingrid, allies.pk, body="ack me", precedence="FLASH").message
    services.acknowledge(ana, flash.pk)
    a2 = services.post_message(erik, allies.pk, body="erik's own").message
    p1 = services.post_message(ingrid, plenary.pk, body="plenary").message
    events = [
        {"kind": "message.new", "message_id": flash.pk},
        {"kind": "message.new", "message_id": a2.pk},
        {"kind": "message.new", "message_id": p1.pk},
    ]
    out = state.frames(events, listeners)
    got_ana, got_erik = _texts(out[ana.member.pk]), _texts(out[erik.member.pk])
    assert [f["message"]["id"] for f in got_ana] == [flash.pk, a2.pk, p1.pk]
    # the count rides on the last frame of each channel, and is the member's exact count
    assert ["unread" in f for f in got_ana] == [False, True, True]
    assert got_ana[1]["unread"] == queries.unread_count(ana, allies)
    assert got_ana[2]["unread"] == queries.unread_count(ana, plenary)
    assert got_erik[1]["unread"] == queries.unread_count(erik, allies)  # his own not counted
    # the acknowledgement is ana's alone
    assert got_ana[0]["message"]["acknowledged"] is True
    assert got_erik[0]["message"]["acknowledged"] is False
    # everything else is the same view of the same message
    for a, e in zip(got_ana, got_erik, strict=True):
        a["message"].pop("acknowledged"), e["message"].pop("acknowledged")
        assert a["message"] == e["message"]
    assert out[ana.member.pk].new_ids == {flash.pk, a2.pk, p1.pk}


def test_a_burst_holds_nothing_a_member_may_not_read(demo, viewer, chan):
    allies = chan("Allies coordination")
    ingrid, erik, viktor = viewer("ingrid.dahl"), viewer("erik.lund"), viewer("viktor.kess")
    state = FanoutState(demo.pk)
    ard_only = services.post_message(
        viewer("ana.costa"), allies.pk, body="ARD only", label={"level": 1, "rel_to": ["ARD"]}
    ).message
    public = services.post_message(ingrid, allies.pk, body="all allies").message
    events = [{"kind": "message.new", "message_id": m.pk} for m in (ard_only, public)]
    out = state.frames(events, {erik.member.pk, viktor.member.pk})
    assert viktor.member.pk not in out  # cannot read the channel: no frame, no id, no count
    [only] = _texts(out[erik.member.pk])
    assert only["message"]["id"] == public.pk and "ARD only" not in out[erik.member.pk].texts[0]
    assert out[erik.member.pk].new_ids == {public.pk}
