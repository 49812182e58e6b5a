"""Live notices of negotiation acts over the page's one WebSocket (comms.fanout): a frame with
the act's kind and the issue id — nothing of the content — reaches exactly the connected
members who may read every label the event names; the page then fetches the matrix row from
the server (issue_row), which checks access again and tells the page its new banner."""

from __future__ import annotations

import json

import pytest

from accord.comms import services as comms
from accord.comms.fanout import FanoutState
from accord.core import events
from accord.core.labels import LabelValue
from accord.negotiation import services
from accord.negotiation.models import PositionRelease

pytestmark = pytest.mark.django_db


@pytest.fixture
def captured(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        events.capture()
        try:
            with django_capture_on_commit_callbacks(execute=True):
                fn(*args, **kwargs)
            return [msg for _, msg in events.drain()]
        finally:
            events._captured = None

    return run


def _frames(delivery) -> list[dict]:
    return [json.loads(t) for t in delivery.texts] if delivery else []


def test_a_withdrawn_release_is_noticed_by_its_readers_only(demo, viewer, captured):
    rel = PositionRelease.objects.get(
        position__party__code="ARD", position__issue__title__startswith="Withdrawal"
    )
    issue_id = rel.position.issue_id
    sent = captured(services.withdraw_release, viewer("james.whitfield"), rel)
    who = {
        u: viewer(u).member.pk
        for u in ("ingrid.dahl", "marc.dubois", "ana.costa", "viktor.kess", "erik.lund")
    }
    out = FanoutState(demo.pk).frames(sent, set(who.values()))
    notice = {"type": "notice", "kind": "negotiation.release.withdrawn", "ids": {"issue": issue_id}}
    # NOR and BEL read the release (CONFIDENTIAL // REL TO ARD, BEL, NOR) and the issue
    assert _frames(out.get(who["ingrid.dahl"])) == [notice]
    assert _frames(out.get(who["marc.dubois"])) == [notice]
    assert _frames(out.get(who["ana.costa"])) == [notice]  # its own party
    assert who["viktor.kess"] not in out  # KES: never named
    assert who["erik.lund"] not in out  # NOR, but only RESTRICTED: not cleared for it


def test_notices_need_every_label_and_join_message_frames(demo, viewer):
    ana, ingrid = viewer("ana.costa"), viewer("ingrid.dahl")
    rel = PositionRelease.objects.get(position__party__code="ARD")
    secret_issue = services.create_issue(
        viewer("lena.haas"),
        title="Sequencing",
        kind="discrete",
        options=["a", "b"],
        label=LabelValue.of(3, ["MED"], ["MEDIATION"]),
    )
    post = comms.post_message(ingrid, _allies(demo).pk, body="hello").message
    evs = [
        {"type": "accord.event", "kind": "message.new", "message_id": post.pk},
        # a readable release label with an unreadable issue label: neither of them
        {
            "type": "accord.event",
            "kind": "negotiation.x",
            "notice": {"issue": secret_issue.pk},
            "labels": [rel.label_id, secret_issue.label_id],
        },
        # a label id of no label of this process: nobody
        {"type": "accord.event", "kind": "negotiation.y", "notice": {"issue": 1}, "labels": [0]},
        {"type": "accord.event", "kind": "negotiation.z", "notice": {"issue": 1}, "labels": []},
        {
            "type": "accord.event",
            "kind": "negotiation.ok",
            "notice": {"issue": rel.position.issue_id, "junk": "text"},
            "labels": [rel.label_id],
        },
    ]
    out = FanoutState(demo.pk).frames(evs, {ana.member.pk, ingrid.member.pk})
    got = _frames(out[ana.member.pk])
    assert [f["type"] for f in got] == ["message", "notice"]  # messages first, one delivery
    assert got[1] == {
        "type": "notice",
        "kind": "negotiation.ok",
        "ids": {"issue": rel.position.issue_id},  # ids only: the non-id value is dropped
    }
    assert [f["kind"] for f in _frames(out[ingrid.member.pk]) if f["type"] == "notice"] == [
        "negotiation.ok"
    ]


def _allies(demo):
    from accord.comms.models import Channel

    return Channel.objects.get(process=demo, name="Allies coordination")


def test_the_row_fragment_rechecks_access_and_gives_the_banner(demo, client_for, issue, viewer):
    withdrawal = issue("Withdrawal")
    url = f"/p/lake-varna/negotiation/issues/{withdrawal.pk}/row/"
    ingrid = client_for("ingrid.dahl")
    r = ingrid.get(url, {"level": "0", "rel_to": ["NOR"]})
    assert r.status_code == 200
    html = r.content.decode()
    assert html.lstrip().startswith(f'<tr id="issue-{withdrawal.pk}"')
    assert 'data-party="ARD" class="accord-cell--released"' in html
    assert 'data-party="NVF" class="accord-cell--hidden"' in html
    banner = json.loads(r["X-Accord-Banner"])
    # the page showed UNCLASSIFIED // REL TO NOR; the row shows CONFIDENTIAL data REL TO
    # ARD, BEL, NOR (ARD's release) and … KES's release: the combination is stricter
    assert banner["level"] == 2 and banner["rel_to"] == ["NOR"]
    assert banner["display"] == "CONFIDENTIAL // REL TO NOR"
    # without a banner sent: the row's own labels
    assert json.loads(ingrid.get(url)["X-Accord-Banner"])["level"] == 2
    # a junk banner changes nothing and breaks nothing
    for junk in (
        {"level": "99"},
        {"level": "-1"},
        {"level": "x"},
        {"level": "1", "rel_to": ["A"] * 99},
    ):
        r = ingrid.get(url, junk)
        assert r.status_code == 200
        assert json.loads(r["X-Accord-Banner"])["level"] in (2, 3)
    # an issue the reader may not read: 404, as if it did not exist
    secret = services.create_issue(
        viewer("lena.haas"),
        title="Sequencing",
        kind="discrete",
        options=["a", "b"],
        label=LabelValue.of(3, ["MED"], ["MEDIATION"]),
    )
    assert ingrid.get(f"/p/lake-varna/negotiation/issues/{secret.pk}/row/").status_code == 404
    assert (
        client_for("lena.haas")
        .get(f"/p/lake-varna/negotiation/issues/{secret.pk}/row/")
        .status_code
        == 200
    )
