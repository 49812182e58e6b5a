"""Votes are confidential to the voter: tallies, the voter's own vote, anonymised matrices and
groups are all anyone else gets — on the API, the pages, the ledger and the analysis runs."""

import json

import pytest

from accord.consult import queries, services
from accord.consult.models import Participant, Vote
from accord.core.errors import Conflict
from accord.ledger.models import Entry
from accord.negotiation import services as ns

pytestmark = pytest.mark.django_db

API = "/api/v1/processes/lake-varna"
VOTERS = {"viktor.kess": -1, "daria.vol": 1, "ingrid.dahl": 0}


@pytest.fixture
def secret_vote(viewer, priorities):
    """Three members vote differently on a fresh statement; returns the statement."""
    s = services.add_statement(viewer("lena.haas"), priorities, "A statement only three vote on.")
    for who, value in VOTERS.items():
        services.vote(viewer(who), priorities, s.pk, value)
    return s


def test_api_gives_tallies_and_only_my_own_vote(secret_vote, priorities, api_for):
    for who in ("amara.okafor", *VOTERS):  # the coordinator, and each voter
        body = api_for(who).get(f"{API}/consultations/{priorities.pk}").json()
        row = next(s for s in body["statement_list"] if s["id"] == secret_vote.pk)
        assert (row["agree"], row["disagree"], row["passed"]) == (1, 1, 1)
        assert row["my_vote"] == VOTERS.get(who)  # None for the coordinator, who did not vote
        text = json.dumps(body)
        others = [u for u in VOTERS if u != who]
        assert not any(u.split(".")[0] in text for u in others), "no voter named"


def test_pages_show_no_voter(secret_vote, priorities, client_for):
    html = client_for("amara.okafor").get(f"/p/lake-varna/consultations/{priorities.pk}/")
    assert html.status_code == 200
    for name in ("Viktor", "Kessler", "Daria", "Volkova", "Ingrid", "Dahl"):
        assert name.encode() not in html.content
    mine = client_for("viktor.kess").get(f"/p/lake-varna/consultations/{priorities.pk}/")
    row = mine.content.split(f'id="statement-{secret_vote.pk}"'.encode())[1].split(b"</tr>")[0]
    assert b'value="-1" class="usa-button accord-small-button" aria-pressed="true"' in row
    assert row.count(b'aria-pressed="true"') == 1


def test_ledger_records_votes_without_voter_or_value(secret_vote, priorities, demo, api_for):
    entries = [
        e
        for e in Entry.objects.filter(action="consult.vote", subject_id=str(priorities.pk))
        if secret_vote.pk in e.payload["statements"]
    ]
    assert len(entries) == len(VOTERS)  # one act per voter, none naming them
    for e in entries:
        assert e.actor_name == services.ANONYMOUS and e.actor_id is None
        assert e.subject_type == "consult.consultation"
        assert set(e.payload) == {"statements", "ballots"}
        assert not any(u in json.dumps(e.payload) for u in VOTERS)
    # the commitment binds the vote (checkable with the secret on the vote row), hides it without
    votes = Vote.objects.filter(statement=secret_vote)
    ballots = {b for e in entries for b in e.payload["ballots"]}
    assert {services.ballot(v.nonce, v.participant_id, v.value) for v in votes} == ballots
    assert all(
        services.ballot(v.nonce, v.participant_id, -v.value or 1) not in ballots for v in votes
    )
    # the timeline cannot be filtered down to a voter's votes
    for who in VOTERS:
        r = api_for("amara.okafor").get(f"{API}/activity?actor={who}&action=consult.vote")
        assert r.status_code == 200 and r.json()["items"] == []
    r = api_for("amara.okafor").get(f"{API}/activity?action=consult.vote&limit=500")
    assert {x["actor"] for x in r.json()["items"]} == {services.ANONYMOUS}


def test_a_ballot_is_one_act(priorities, viewer):
    ids = list(priorities.statements.order_by("pk").values_list("pk", flat=True)[:3])
    ana = viewer("ana.costa")
    services.cast_votes(ana, priorities, {ids[0]: 1, ids[1]: 1})  # ana's demo votes: + +
    n = Entry.objects.filter(action="consult.vote").count()
    services.cast_votes(ana, priorities, {ids[0]: 1, ids[1]: -1, ids[2]: -1})
    e = Entry.objects.filter(action="consult.vote").latest("seq")
    assert Entry.objects.filter(action="consult.vote").count() == n + 1
    assert e.payload["statements"] == [ids[1], ids[2]]  # the unchanged vote is not recorded
    mine = queries.my_votes(ana, priorities)
    assert [mine[i] for i in ids] == [1, -1, -1]


def test_changing_a_vote_keeps_one_vote_and_unchanged_vote_records_nothing(
    secret_vote, priorities, viewer
):
    viktor = viewer("viktor.kess")
    n = Entry.objects.filter(action="consult.vote").count()
    services.vote(viktor, priorities, secret_vote.pk, -1)  # same value: nothing to record
    assert Entry.objects.filter(action="consult.vote").count() == n
    services.vote(viktor, priorities, secret_vote.pk, 1)
    assert Entry.objects.filter(action="consult.vote").count() == n + 1
    assert Vote.objects.filter(statement=secret_vote).count() == len(VOTERS)
    t = next(t for t in queries.tallies(viktor, priorities) if t.statement.pk == secret_vote.pk)
    assert (t.agree, t.disagree, t.passed, t.mine) == (2, 0, 1, 1)


def test_closed_consultation_refuses_votes_and_keeps_tallies(
    secret_vote, priorities, viewer, counts
):
    services.close_consultation(viewer("lena.haas"), priorities)
    before = counts()
    with pytest.raises(Conflict, match="closed"):
        services.vote(viewer("viktor.kess"), priorities, secret_vote.pk, 1)
    with pytest.raises(Conflict, match="closed"):
        services.add_statement(viewer("viktor.kess"), priorities, "Too late.")
    assert counts() == before
    t = next(
        t
        for t in queries.tallies(viewer("ana.costa"), priorities)
        if t.statement.pk == secret_vote.pk
    )
    assert (t.agree, t.disagree, t.passed, t.mine) == (1, 1, 1, None)


def test_runs_hold_anonymous_rows_in_content_order(secret_vote, priorities, viewer, demo):
    run = ns.run_analysis(viewer("lena.haas"), kind="opinion_groups", consultation_id=priorities.pk)
    rows = run.inputs["votes"]
    n = Participant.objects.filter(consultation=priorities).count()
    assert run.inputs["participants"] == [f"p{i + 1}" for i in range(n)]
    assert rows == sorted(rows, key=lambda r: [2 if v is None else v for v in r])
    text = json.dumps([run.inputs, run.outputs])
    members = demo.members.select_related("user")
    assert not any(m.user.username in text for m in members)
    assert not any(m.user.get_full_name() in text for m in members if m.user.get_full_name())
    assert {p["participant"] for p in run.outputs["participants"]} == set(
        run.inputs["participants"]
    )


def test_ledger_verifies_and_catches_a_statement_edited_behind_its_back(
    secret_vote, priorities, demo
):
    from accord.consult.models import Statement
    from accord.ledger.models import Log
    from accord.ledger.verify import verify_log

    log = Log.objects.get(process=demo)
    report = verify_log(log)
    assert report.ok, report
    Statement.objects.filter(pk=secret_vote.pk).update(text="Edited outside Accord.")
    report = verify_log(log)
    assert not report.ok
    assert any("consult_statement" in p and "column text" in p for p in report.problems)
