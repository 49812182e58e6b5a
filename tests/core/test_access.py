"""The access matrix: other party, lower clearance, missing caveat see nothing — ORM, object, API."""

import pytest

from accord.core import access, queries, services
from accord.core.errors import Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.core.models import Member
from accord.ledger import queries as ledger_queries
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret_member(demo, viewer, django_user_model):
    """A member whose membership is SECRET // REL TO ARD, NOR // MEDIATION."""
    coord = viewer("amara.okafor")
    user = services.create_user(username="ghost.envoy", password="a-long-demo-pass-1")
    party = queries.party(coord, "MED")
    return services.add_member(
        None,
        demo,
        user=user,
        party=party,
        clearance=3,
        caveats=["MEDIATION"],
        label=LabelValue.of(3, ["ARD", "NOR", "MED"], ["MEDIATION"]),
    )


# (viewer, may read?) — ingrid.dahl: NOR SECRET, no MEDIATION; lena.haas: MED SECRET MEDIATION;
# ana.costa: ARD CONFIDENTIAL (lower clearance); pavel.novak: MED CONFIDENTIAL+MEDIATION;
# viktor.kess: KES (other party); amara.okafor: MED SECRET MEDIATION+MILOPS.
MATRIX = [
    ("lena.haas", True),
    ("amara.okafor", True),
    ("ingrid.dahl", False),  # missing caveat
    ("ana.costa", False),  # lower clearance
    ("pavel.novak", False),  # lower clearance despite the caveat
    ("viktor.kess", False),  # other party
    ("james.whitfield", False),  # REL TO includes ARD, but no MEDIATION caveat
]


@pytest.mark.parametrize(("username", "allowed"), MATRIX)
def test_queryset_filter_and_object_check(secret_member, viewer, username, allowed):
    v = viewer(username)
    listed = queries.members(v).filter(pk=secret_member.pk).exists()
    assert listed is allowed
    assert access.can_read(v, secret_member.label.value) is allowed
    if allowed:
        assert queries.member(v, secret_member.pk).pk == secret_member.pk
    else:
        with pytest.raises(NotFound):
            queries.member(v, secret_member.pk)


@pytest.mark.parametrize(("username", "allowed"), MATRIX)
def test_api_answers_404_not_403(secret_member, api_for, username, allowed):
    c = api_for(username)
    r = c.get(f"/api/v1/processes/lake-varna/members/{secret_member.pk}")
    assert r.status_code == (200 if allowed else 404)
    listing = c.get("/api/v1/processes/lake-varna/members?limit=100").json()
    usernames = {m["username"] for m in listing["items"]}
    assert ("ghost.envoy" in usernames) is allowed
    if not allowed:
        assert b"ghost.envoy" not in c.get("/api/v1/processes/lake-varna/members?limit=100").content


@pytest.mark.parametrize(("username", "allowed"), MATRIX)
def test_ledger_timeline_hides_unreadable_entries(
    secret_member, viewer, api_for, username, allowed
):
    entry = Entry.objects.get(action="member.add", subject_id=str(secret_member.pk))
    v = viewer(username)
    assert ledger_queries.timeline(v).filter(pk=entry.pk).exists() is allowed
    body = api_for(username).get("/api/v1/processes/lake-varna/activity?limit=500").json()
    seen = {(a["action"], a["subject_id"]) for a in body["items"]}
    assert (("member.add", str(secret_member.pk)) in seen) is allowed


def test_non_member_sees_no_process(demo, django_user_model, client):
    outsider = services.create_user(username="outsider", password="another-long-pass-9")
    client.force_login(outsider)
    assert client.get("/api/v1/processes").json()["count"] == 0
    for path in ("", "/members", "/parties", "/activity"):
        r = client.get(f"/api/v1/processes/lake-varna{path}")
        assert r.status_code == 404, path
        assert r.json()["error"]["code"] == "not_found"


def test_inactive_member_loses_access(demo, viewer, api_for, member):
    c = api_for("ana.costa")
    assert c.get("/api/v1/processes/lake-varna").status_code == 200
    services.update_member(viewer("amara.okafor"), member("ana.costa"), active=False)
    assert c.get("/api/v1/processes/lake-varna").status_code == 404


def test_own_membership_always_visible(demo, viewer, member):
    # erik.lund (NOR, RESTRICTED) relabelled RESTRICTED // REL TO MED, NOR: Ardania no longer
    # sees him; he still sees himself
    coord = viewer("amara.okafor")
    target = member("erik.lund")
    services.update_member(coord, target, label=LabelValue.of(1, ["MED", "NOR"]))
    assert queries.member(viewer("erik.lund"), target.pk).pk == target.pk
    assert queries.members(viewer("ingrid.dahl")).filter(pk=target.pk).exists()
    assert not queries.members(viewer("ana.costa")).filter(pk=target.pk).exists()


def test_a_membership_label_its_member_could_not_read_is_refused(demo, viewer, member):
    coord = viewer("amara.okafor")
    target = member("erik.lund")  # NOR, RESTRICTED, no caveat
    for label in (
        LabelValue.of(3, ["MED"], ["MEDIATION"]),  # other party, above clearance, caveat
        LabelValue.of(2, ["MED", "NOR"]),  # above his clearance
        LabelValue.of(1, None, ["MEDIATION"]),  # a caveat he does not hold
    ):
        with pytest.raises(Invalid, match="must be one the member may read"):
            services.update_member(coord, target, label=label)
    assert member("erik.lund").label.value == LabelValue()
    # nor can a member be added under one
    user = services.create_user(username="blind.member", password="a-long-demo-pass-1")
    with pytest.raises(Invalid, match="must be one the member may read"):
        services.add_member(
            coord, demo, user=user, party=queries.party(coord, "NOR"), label=LabelValue.of(1)
        )
    assert not Member.objects.filter(user=user).exists()


def test_labels_are_process_scoped(demo, viewer):
    other = services.create_process(None, name="Other talks")
    services.add_party(None, other, code="ARD", name="Ardania", kind="ally")
    lab = access.label_row(other, LabelValue())
    v = viewer("ana.costa")
    assert lab.pk not in access.readable_label_ids(v)


def test_cannot_apply_label_one_could_not_read(demo, viewer):
    v = viewer("ana.costa")  # ARD, CONFIDENTIAL, no caveats
    with pytest.raises(Forbidden, match="above your clearance"):
        access.check_can_apply(v, LabelValue.of(3))
    with pytest.raises(Forbidden, match="caveat"):
        access.check_can_apply(v, LabelValue.of(0, None, ["MEDIATION"]))
    with pytest.raises(Forbidden, match="own party"):
        access.check_can_apply(v, LabelValue.of(0, ["NOR"]))
    access.check_can_apply(v, LabelValue.of(2, ["ARD", "NOR"]))


def test_parse_label_rejects_unknowns(demo):
    with pytest.raises(Invalid, match="unknown parties: XXX"):
        access.parse_label(demo, {"rel_to": ["ARD", "XXX"]}, LabelValue())
    with pytest.raises(Invalid, match="unknown caveats"):
        access.parse_label(demo, {"caveats": ["NOFORN"]}, LabelValue())
    with pytest.raises(Invalid, match="unknown classification"):
        access.parse_label(demo, {"level": "TOP SECRET"}, LabelValue())
    assert access.parse_label(demo, {"level": "secret", "rel_to": ["ard"]}, LabelValue()) == (
        LabelValue.of(3, ["ARD"])
    )


def test_member_count_is_same_through_every_door(demo, viewer, api_for):
    v = viewer("ingrid.dahl")
    n_orm = queries.members(v).count()
    n_api = api_for("ingrid.dahl").get("/api/v1/processes/lake-varna/members").json()["count"]
    assert n_orm == n_api == Member.objects.filter(process=demo, active=True).count() - 1
