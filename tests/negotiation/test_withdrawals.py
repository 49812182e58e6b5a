"""Withdrawing a position or a release: only the owning party (and for releases its head of
delegation) may; readers lose it at once (matrix, API, releases); the ledger records it under
the label of what was withdrawn; notices go out after commit, only to those who read it; a
refused act writes nothing and publishes nothing. The same acts from the API and the pages."""

from __future__ import annotations

import pytest

from accord.core import access, events
from accord.core.errors import Forbidden, NotFound
from accord.ledger.models import Entry
from accord.negotiation import queries, services
from accord.negotiation.models import Position, PositionRelease, PositionRevision

pytestmark = pytest.mark.django_db
API = "/api/v1/processes/lake-varna/negotiation"
WS = "/p/lake-varna/negotiation"


@pytest.fixture
def published(django_capture_on_commit_callbacks):
    """published(fn) → (fn's result, the events it published once its transaction committed)."""

    def run(fn, *args, **kwargs):
        events.capture()
        try:
            with django_capture_on_commit_callbacks(execute=True):
                result = fn(*args, **kwargs)
            return result, [msg for _, msg in events.drain()]
        finally:
            events._captured = None

    return run


def _cell(viewer, issue_id: int, party: str) -> queries.Cell:
    row = queries.matrix(viewer, issue_id).rows[0]
    return next(c for c in row.cells if c.party == party)


def _ard_release(demo) -> PositionRelease:
    """The demo's full release of ARD's withdrawal position to NOR and BEL."""
    return PositionRelease.objects.get(
        position__party__code="ARD", position__issue__title__startswith="Withdrawal"
    )


# --- withdraw a release -----------------------------------------------------------------------
def test_withdrawing_a_release_hides_it_from_its_readers_at_once(demo, viewer, published):
    rel = _ard_release(demo)
    issue_id = rel.position.issue_id
    ingrid = viewer("ingrid.dahl")
    assert _cell(ingrid, issue_id, "ARD").state == "released"
    _, sent = published(services.withdraw_release, viewer("james.whitfield"), rel)
    assert not PositionRelease.objects.filter(pk=rel.pk).exists()
    assert _cell(ingrid, issue_id, "ARD").state == "hidden"
    assert not queries.releases(ingrid).filter(pk=rel.pk).exists()
    # the position itself stays, for its own party
    assert _cell(viewer("ana.costa"), issue_id, "ARD").state == "full"
    # the record carries the release's label: its readers read that it was withdrawn
    entry = Entry.objects.get(action="position.release.withdraw", subject_id=str(rel.pk))
    assert entry.label.value.dominates(rel.label.value)
    assert entry.payload["position"] == rel.position_id and entry.payload["scope"] == "full"
    # one notice, after commit, naming the issue only, for readers of the release AND the issue
    assert sent == [
        {
            "type": "accord.event",
            "kind": "negotiation.release.withdrawn",
            "notice": {"issue": issue_id},
            "labels": [rel.label_id, rel.position.issue.label_id],
        }
    ]


@pytest.mark.parametrize(
    ("who", "error", "says"),
    [
        ("ana.costa", Forbidden, ""),  # ARD, but a negotiator: heads of delegation release
        ("ingrid.dahl", Forbidden, "only the party that made a release"),  # a reader of it
        ("lena.haas", Forbidden, ""),  # the mediator may not release
        ("viktor.kess", NotFound, "not found"),  # KES reads neither release nor position
    ],
)
def test_only_the_owning_head_of_delegation_withdraws_a_release(
    demo, viewer, snapshot, published, who, error, says
):
    rel = _ard_release(demo)
    before = snapshot()
    with pytest.raises(error) as exc:
        published(services.withdraw_release, viewer(who), rel)
    assert says in exc.value.message
    assert snapshot() == before
    events._captured = None


def test_a_release_withdrawn_twice_is_not_found_the_second_time(demo, viewer):
    rel = _ard_release(demo)
    james = viewer("james.whitfield")
    services.withdraw_release(james, rel)
    with pytest.raises(NotFound):
        services.withdraw_release(james, rel)
    assert Entry.objects.filter(action="position.release.withdraw").count() == 1


def test_withdraw_a_release_over_the_api(demo, api_for, snapshot):
    rel = _ard_release(demo)
    james, ingrid = api_for("james.whitfield"), api_for("ingrid.dahl")
    assert any(r["id"] == rel.pk for r in ingrid.get(f"{API}/releases").json()["items"])
    before = snapshot()
    assert ingrid.delete(f"{API}/releases/{rel.pk}").status_code == 403  # reads it, not hers
    assert api_for("viktor.kess").delete(f"{API}/releases/{rel.pk}").status_code == 404
    assert james.delete(f"{API}/releases/abc").status_code == 422
    assert james.delete(f"{API}/releases/999999999").status_code == 404
    assert snapshot() == before
    r = james.delete(f"{API}/releases/{rel.pk}")
    assert r.status_code == 200, r.content
    assert r.json() == {
        "id": rel.pk,
        "position_id": rel.position_id,
        "issue_id": rel.position.issue_id,
    }
    assert all(r["id"] != rel.pk for r in ingrid.get(f"{API}/releases").json()["items"])
    assert james.delete(f"{API}/releases/{rel.pk}").status_code == 404


def test_withdraw_a_release_from_the_page_asks_first(demo, client_for, snapshot):
    rel = _ard_release(demo)
    url = f"{WS}/issues/{rel.position.issue_id}/releases/withdraw/"
    james = client_for("james.whitfield")
    page = james.get(f"{WS}/issues/{rel.position.issue_id}/").content.decode()
    assert f'name="release" value="{rel.pk}"' in page and "data-confirm=" in page
    before = snapshot()
    r = james.post(url, {"release": rel.pk})
    assert r.status_code == 200 and snapshot() == before  # the confirmation page, no act
    assert "Withdraw the release to BEL, NOR?" in r.content.decode()
    r = james.post(url, {"release": rel.pk, "confirmed": "1"})
    assert r.status_code == 302 and r["Location"].endswith("#releases")
    assert not PositionRelease.objects.filter(pk=rel.pk).exists()
    # refused: someone else's release (readable: 403 with the reason), junk ids, nothing written
    other = PositionRelease.objects.get(position__party__code="BEL")  # BEL → ARD, NOR
    before = snapshot()
    r = client_for("ingrid.dahl").post(
        f"{WS}/issues/{other.position.issue_id}/releases/withdraw/",
        {"release": other.pk, "confirmed": "1"},
    )
    assert r.status_code == 403 and "only the party that made a release" in r.content.decode()
    r = james.post(url, {"release": "x", "confirmed": "1"})
    assert r.status_code == 422
    assert snapshot() == before


# --- withdraw a position ----------------------------------------------------------------------
def test_withdrawing_a_position_takes_its_releases_along(demo, viewer, published):
    rel = _ard_release(demo)
    pos = rel.position
    issue_id, label_id = pos.issue_id, pos.label_id
    revisions = PositionRevision.objects.filter(position=pos).count()
    assert revisions >= 1
    gone, sent = published(services.withdraw_position, viewer("ana.costa"), pos)
    assert gone == [rel.pk]
    assert not Position.objects.filter(pk=pos.pk).exists()
    assert not PositionRelease.objects.filter(pk=rel.pk).exists()
    assert not PositionRevision.objects.filter(position_id=pos.pk).exists()
    assert _cell(viewer("ana.costa"), issue_id, "ARD").state == "none"  # own party: not stated
    for reader in ("ingrid.dahl", "marc.dubois"):  # its release's readers
        assert _cell(viewer(reader), issue_id, "ARD").state == "hidden"
    assert _cell(viewer("lena.haas"), issue_id, "ARD").state == "hidden"  # mediation path too
    entry = Entry.objects.get(action="position.withdraw", subject_id=str(pos.pk))
    assert entry.label.value.dominates(pos.label.value)
    assert entry.payload["party"] == "ARD" and entry.payload["issue"] == issue_id
    assert Entry.objects.filter(action="position.release.withdraw", subject_id=str(rel.pk)).exists()
    # notices: own party (the position's label), the mediators (its mediation view), and the
    # release's readers — each with the issue's label, naming the issue only
    med = access.label_row(demo, queries.mediation_view(pos.label.value))
    issue_label = pos.issue.label_id
    assert [e["labels"] for e in sent] == [
        [label_id, issue_label],
        [med.pk, issue_label],
        [rel.label_id, issue_label],
    ]
    assert {e["kind"] for e in sent} == {"negotiation.position.withdrawn"}
    assert all(e["notice"] == {"issue": issue_id} for e in sent)


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("lena.haas", Forbidden),  # reads it (mediation path), may not act on it
        ("ingrid.dahl", NotFound),  # reads only a release of it: the position is not hers
        ("viktor.kess", NotFound),  # reads nothing of it
        ("col.marsh", Forbidden),  # ARD, but a military liaison states no positions
    ],
)
def test_only_the_owning_party_withdraws_its_position(
    demo, viewer, snapshot, published, who, error
):
    pos = _ard_release(demo).position
    before = snapshot()
    with pytest.raises(error):
        published(services.withdraw_position, viewer(who), pos)
    assert snapshot() == before
    assert Position.objects.filter(pk=pos.pk).exists()


def test_withdraw_a_position_over_the_api_and_state_it_again(demo, api_for, issue, snapshot):
    pos = _ard_release(demo).position
    ana = api_for("ana.costa")
    before = snapshot()
    assert api_for("lena.haas").delete(f"{API}/positions/{pos.pk}").status_code == 403
    assert api_for("ingrid.dahl").delete(f"{API}/positions/{pos.pk}").status_code == 404
    assert ana.delete(f"{API}/positions/0").status_code == 404
    assert snapshot() == before
    r = ana.delete(f"{API}/positions/{pos.pk}")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["party"] == "ARD" and body["issue_id"] == pos.issue_id
    assert len(body["releases_withdrawn"]) == 1
    assert ana.get(f"{API}/positions/{pos.pk}").status_code == 404
    # the party may state a new position afterwards: revision 1 again
    r = ana.post(
        f"{API}/positions",
        {"issue_id": pos.issue_id, "preferred_value": 12, "salience": 40},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["revision"] == 1


def test_withdraw_a_position_from_the_page_asks_first(demo, client_for, snapshot):
    pos = _ard_release(demo).position
    url = f"{WS}/issues/{pos.issue_id}/position/withdraw/"
    ana = client_for("ana.costa")
    before = snapshot()
    r = ana.post(url)
    assert r.status_code == 200 and snapshot() == before
    assert "Withdraw your position on “Withdrawal distance from the Varna line”?" in (
        r.content.decode()
    )
    assert ana.post(url, {"confirmed": "1"}).status_code == 302
    assert not Position.objects.filter(pk=pos.pk).exists()
    # nothing left to withdraw: 404, not a 500
    assert ana.post(url, {"confirmed": "1"}).status_code == 404
