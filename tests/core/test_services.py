"""Core services: permissions, grants, roles with tenure, records in the ledger, atomicity."""

import pytest
from django.utils import timezone

from accord.core import access, services
from accord.core.errors import Conflict, Forbidden, Invalid
from accord.core.models import Member, Party, RoleAssignment
from accord.core.roles import Perm, Role
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db


def test_demo_covers_every_role_and_party_kind(demo):
    roles = set(RoleAssignment.objects.filter(member__process=demo).values_list("role", flat=True))
    assert roles == {r.value for r in Role}
    kinds = set(Party.objects.filter(process=demo).values_list("kind", flat=True))
    assert kinds == set(Party.Kind.values)
    assert Party.objects.filter(process=demo, kind="ally").count() >= 3


def test_permissions_follow_roles(viewer):
    assert viewer("amara.okafor").can(Perm.MANAGE_MEMBERS)
    assert viewer("lena.haas").can(Perm.HOLD_PEN)
    assert not viewer("ana.costa").can(Perm.MANAGE_MEMBERS)
    assert viewer("james.whitfield").can(Perm.SIGN_TEXT)
    assert not viewer("mei.tanaka").can(Perm.POST_MESSAGES)


def test_negotiator_cannot_manage_members_and_nothing_changes(viewer, member):
    before = Entry.objects.count()
    with pytest.raises(Forbidden):
        services.update_member(viewer("ana.costa"), member("erik.lund"), clearance=0)
    assert member("erik.lund").clearance == 1
    assert Entry.objects.count() == before


def test_coordinator_cannot_grant_more_than_they_hold(viewer, member):
    coord = viewer("pavel.novak")  # not a coordinator
    with pytest.raises(Forbidden):
        services.update_member(coord, member("erik.lund"), clearance=2)
    amara = viewer("amara.okafor")
    services.update_member(amara, member("erik.lund"), clearance=2, caveats=["milops"])
    m = member("erik.lund")
    assert (m.clearance, m.caveats) == (2, ["MILOPS"])
    entry = Entry.objects.filter(action="member.update", subject_id=str(m.pk)).latest("seq")
    assert entry.payload["changed"]["clearance"] == [1, 2]
    assert entry.payload["state"]["clearance"] == 2


def test_bad_grants_are_refused(viewer, member):
    amara = viewer("amara.okafor")
    with pytest.raises(Invalid, match="clearance must be"):
        services.update_member(amara, member("erik.lund"), clearance=7)
    with pytest.raises(Invalid, match="unknown caveats"):
        services.update_member(amara, member("erik.lund"), caveats=["NOFORN"])
    assert member("erik.lund").clearance == 1


def test_role_tenure_and_renunciation(viewer, member):
    amara = viewer("amara.okafor")
    target = member("ana.costa")
    ra = services.assign_role(amara, target, "head_of_delegation")
    assert Role.HEAD_OF_DELEGATION in member("ana.costa").active_roles()
    with pytest.raises(Conflict):
        services.assign_role(amara, target, "head_of_delegation")
    services.renounce_role(amara, ra)
    ra.refresh_from_db()
    assert ra.renounced_at is not None and ra.renounced_at <= timezone.now()
    assert Role.HEAD_OF_DELEGATION not in member("ana.costa").active_roles()
    actions = list(
        Entry.objects.filter(subject_id=str(ra.pk), subject_type="core.roleassignment").values_list(
            "action", flat=True
        )
    )
    assert actions == ["role.assume", "role.renounce"]


def test_last_coordinator_cannot_leave(viewer, member):
    amara = viewer("amara.okafor")
    ra = member("amara.okafor").role_assignments.get(role="coordinator")
    with pytest.raises(Conflict, match="at least one coordinator"):
        services.renounce_role(amara, ra)


def test_unknown_role_is_clear(viewer, member):
    with pytest.raises(Invalid, match="unknown role 'king'"):
        services.assign_role(viewer("amara.okafor"), member("ana.costa"), "king")


def test_relabel_is_recorded(viewer, member):
    from accord.core.labels import LabelValue

    amara = viewer("amara.okafor")
    target = member("tomas.ruiz")
    services.update_member(amara, target, label=LabelValue.of(1, ["VMM", "MED"]))
    e = Entry.objects.filter(subject_type="core.member", subject_id=str(target.pk)).latest("seq")
    assert e.action == "member.relabel"
    assert e.payload["changed"]["label"][1] == {"caveats": [], "level": 1, "rel_to": ["MED", "VMM"]}


def test_failed_service_leaves_neither_row_nor_entry(demo, viewer, monkeypatch):
    """Atomicity: the act and its record commit or fail together."""
    import accord.core.services as svc

    calls = {"n": 0}
    real = svc.record

    def failing_record(*a, **k):
        calls["n"] += 1
        if a[1] == "party.create":
            raise RuntimeError("disk full")
        return real(*a, **k)

    monkeypatch.setattr(svc, "record", failing_record)
    before = (Party.objects.count(), Entry.objects.count())
    with pytest.raises(RuntimeError):
        services.add_party(viewer("amara.okafor"), demo, code="ZZZ", name="Zed", kind="observer")
    assert (Party.objects.count(), Entry.objects.count()) == before
    assert calls["n"] == 1


def test_duplicate_party_code_conflicts(demo, viewer):
    with pytest.raises(Conflict, match="ARD is already used"):
        services.add_party(viewer("amara.okafor"), demo, code="ard", name="Again", kind="ally")


def test_process_creation_needs_an_operator(db, django_user_model):
    user = services.create_user(username="plain", password="plain-user-pass-77")
    with pytest.raises(Forbidden):
        services.create_process(user, name="Mine")
    op = services.create_user(username="op", password="operator-pass-77", is_staff=True)
    proc = services.create_process(op, name="Kivu Dialogue", level_names=["open", "closed"])
    assert proc.slug == "kivu-dialogue" and proc.level_names == ["OPEN", "CLOSED"]
    with pytest.raises(Conflict):
        services.create_process(op, name="Kivu Dialogue")


def test_weak_password_refused(db):
    with pytest.raises(Invalid, match="too short"):
        services.create_user(username="weak", password="short")


def test_production_hasher_is_argon2():
    from django.contrib.auth.hashers import Argon2PasswordHasher

    from accord.core.hashers import FastArgon2PasswordHasher

    assert issubclass(FastArgon2PasswordHasher, Argon2PasswordHasher)
    import accord.settings as s

    assert "Argon2PasswordHasher" in s.PASSWORD_HASHERS[-2] or any(
        h.endswith(".Argon2PasswordHasher") for h in s.PASSWORD_HASHERS
    )


def test_member_listing_filters(viewer):
    from accord.core import queries

    v = viewer("amara.okafor")
    assert {m.party.code for m in queries.members(v, party="ard")} == {"ARD"}
    heads = {m.user.username for m in queries.members(v, role="head_of_delegation")}
    assert "ingrid.dahl" in heads and "ana.costa" not in heads
    assert [m.user.username for m in queries.members(v, q="Dahl")] == ["ingrid.dahl"]
    assert Member.objects.filter(process=v.process).count() == 16
    assert access.viewer_of(None, v.process).is_member is False


def test_second_factor_locks_after_five_wrong_codes(member):
    import pyotp

    from accord.core.errors import TooManyAttempts

    user = member("lena.haas").user
    uri = services.begin_totp_enrolment(user)
    secret = pyotp.parse_uri(uri).secret
    services.confirm_totp(user, pyotp.TOTP(secret).now())
    for _ in range(5):
        assert services.verify_second_factor(user, "000000") is False
    with pytest.raises(TooManyAttempts):
        services.verify_second_factor(user, pyotp.TOTP(secret).now())


def test_viewer_sees_rows_under_a_label_created_after_it_was_resolved(viewer, member):
    from accord.core import queries
    from accord.core.labels import LabelValue

    amara = viewer("amara.okafor")
    assert queries.members(amara).count() == 15
    target = member("col.marsh")
    # relabel col.marsh to a label amara can read (new label row created now)
    ana = viewer("james.whitfield")  # ARD head: can read CONFIDENTIAL // REL TO ARD
    services.update_member(amara, member("erik.lund"), label=LabelValue.of(1, ["MED", "NOR"]))
    assert queries.members(amara).filter(pk=member("erik.lund").pk).exists()
    assert target and ana


def test_admin_shows_processes_but_no_labelled_data(db, client):
    from django.contrib import admin

    from accord.core.models import Label, Member

    op = services.create_user(username="operator1", password="operator-pass-2026", is_staff=True)
    client.force_login(op)
    assert client.get("/admin/core/process/").status_code == 200
    assert Member not in admin.site._registry and Label not in admin.site._registry
    assert Entry not in admin.site._registry
