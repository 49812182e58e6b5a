"""Member administration: coordinators add, edit, assign and renounce; others cannot; bad input
is refused with a message and writes nothing (neither rows nor ledger entries)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from accord.core import services
from accord.core.models import Member, RoleAssignment
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db

URL = "/p/lake-varna/members/"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def newcomer(demo):
    return services.create_user(
        username="new.delegate", password="a-long-enough-pass", full_name="Nora Delegate"
    )


def add_form(**over):
    data = {
        "username": "new.delegate",
        "party": "NOR",
        "title": "Legal adviser",
        "clearance": "1",
        "caveats": [],
        "roles": ["negotiator"],
        "label_level": "0",
    }
    data.update(over)
    return data


def counts():
    return Member.objects.count(), RoleAssignment.objects.count(), Entry.objects.count()


def test_coordinator_sees_member_admin(client_for):
    r = client_for("amara.okafor").get(URL)
    assert r.status_code == 200
    html = r.content.decode()
    assert "Add a member" in html
    assert 'id="member-' in html
    assert 'hx-post="/p/lake-varna/members/' in html
    assert "marsh" not in html.lower()  # REL TO ARD: not even the coordinator (MED) sees him


def test_coordinator_adds_member(client_for, newcomer):
    c = client_for("amara.okafor")
    r = c.post(URL, add_form(caveats=["MEDIATION"], label_level="1", label_rel_to=["NOR", "MED"]))
    assert r.status_code == 302 and r["Location"] == URL
    m = Member.objects.get(user=newcomer)
    assert m.party.code == "NOR" and m.clearance == 1 and m.caveats == ["MEDIATION"]
    assert m.title == "Legal adviser"
    assert {r.value for r in m.active_roles()} == {"negotiator"}
    assert m.label.level == 1 and sorted(m.label.rel_to) == ["MED", "NOR"]
    assert Entry.objects.filter(action="member.add", subject_id=str(m.pk)).exists()
    page = c.get(URL).content.decode()
    assert "Nora Delegate was added" in page
    assert "Nora Delegate" in page


@pytest.mark.parametrize(
    ("over", "status", "message"),
    [
        ({"caveats": ["NOSUCH"]}, 422, "unknown caveats: NOSUCH"),
        ({"label_caveats": ["NOSUCH"]}, 422, "unknown caveats: NOSUCH"),
        ({"label_rel_to": ["XXX"]}, 422, "REL TO names unknown parties: XXX"),
        ({"label_level": "9"}, 422, "classification level must be"),
        ({"clearance": "7"}, 422, "clearance must be 0..3"),
        ({"clearance": "high"}, 422, "clearance must be chosen from the list"),
        ({"roles": ["emperor"]}, 422, "unknown role"),
        ({"party": "ZZZ"}, 422, "choose the member"),
        ({"username": "nobody.here"}, 422, "no account with username"),
        ({"username": "ana.costa"}, 409, "already a member"),
    ],
)
def test_bad_add_is_refused_and_writes_nothing(client_for, newcomer, over, status, message):
    c = client_for("amara.okafor")
    before = counts()
    r = c.post(URL, add_form(**over))
    assert r.status_code == status
    html = r.content.decode()
    assert message.lower() in html.lower()
    assert 'role="alert"' in html
    assert counts() == before


def test_coordinator_cannot_grant_above_own_clearance(client_for, member, viewer, newcomer):
    # ana.costa (CONFIDENTIAL, no caveats) becomes a coordinator too
    services.assign_role(viewer("amara.okafor"), member("ana.costa"), "coordinator")
    c = client_for("ana.costa")
    before = counts()
    r = c.post(URL, add_form(clearance="3"))
    assert r.status_code == 403
    assert "clearance above your own" in r.content.decode()
    r2 = c.post(URL, add_form(caveats=["MEDIATION"]))
    assert r2.status_code == 403
    assert "caveat you do not hold" in r2.content.decode()
    r3 = c.post(URL, add_form(label_level="3"))
    assert r3.status_code == 403
    assert "above your clearance" in r3.content.decode()
    r4 = c.post(URL, add_form(label_rel_to=["NOR"]))
    assert r4.status_code == 403
    assert "must include your own party" in r4.content.decode()
    assert counts() == before


def test_negotiator_gets_403_and_nothing_changes(client_for, member, newcomer):
    c = client_for("ana.costa")
    r = c.get(URL)
    assert r.status_code == 403
    assert "for the coordinators of this process" in r.content.decode()
    before = counts()
    target = member("erik.lund")
    assert c.post(URL, add_form()).status_code == 403
    assert c.post(f"{URL}{target.pk}/", {"clearance": "0", "active": "yes"}).status_code == 403
    assert c.post(f"{URL}{target.pk}/roles/", {"role": "analyst"}).status_code == 403
    ra = target.role_assignments.first()
    assert c.post(f"{URL}{target.pk}/roles/{ra.pk}/renounce/").status_code == 403
    assert counts() == before
    target.refresh_from_db()
    assert target.clearance == 1 and target.active


def edit_form(m, **over):
    data = {
        "clearance": str(m.clearance),
        "caveats": list(m.caveats),
        "title": m.title,
        "active": "yes" if m.active else "no",
        "label_level": str(m.label.level),
        "label_caveats": list(m.label.caveats),
    }
    if m.label.rel_to is not None:
        data["label_rel_to"] = list(m.label.rel_to)
    data.update(over)
    return data


def test_htmx_edit_returns_updated_row(client_for, member):
    c = client_for("amara.okafor")
    m = member("erik.lund")
    r = c.post(f"{URL}{m.pk}/", edit_form(m, clearance="2", title="Senior press counsellor"), **HX)
    assert r.status_code == 200
    html = r.content.decode()
    assert html.lstrip().startswith(f'<tbody id="member-{m.pk}"')
    assert "<html" not in html  # a fragment, not a page
    assert "Senior press counsellor" in html and "CONFIDENTIAL" in html
    assert 'role="status"' in html and "Changes to Erik Lund saved." in html
    assert 'aria-expanded="false"' in html  # saved: the form folds away
    m.refresh_from_db()
    assert m.clearance == 2 and m.title == "Senior press counsellor"
    assert Entry.objects.filter(action="member.update", subject_id=str(m.pk)).exists()


def test_unchanged_edit_records_nothing(client_for, member):
    c = client_for("amara.okafor")
    m = member("erik.lund")
    before = counts()
    assert c.post(f"{URL}{m.pk}/", edit_form(m), **HX).status_code == 200
    assert counts() == before


def test_full_page_edit_fallback_and_relabel(client_for, member):
    c = client_for("amara.okafor")
    m = member("sophie.martin")
    r = c.post(f"{URL}{m.pk}/", edit_form(m, label_level="2", label_rel_to=["BEL", "MED"]))
    assert r.status_code == 302 and r["Location"] == URL
    m.refresh_from_db()
    assert m.label.level == 2 and sorted(m.label.rel_to) == ["BEL", "MED"]
    assert Entry.objects.filter(action="member.relabel", subject_id=str(m.pk)).exists()
    assert "Sophie Martin" in c.get(URL).content.decode()
    # The new label decides who sees her: not ingrid.dahl (NOR), but marc.dubois (BEL).
    assert "Sophie Martin" not in client_for("ingrid.dahl").get("/p/lake-varna/").content.decode()
    marc = client_for("marc.dubois").get("/p/lake-varna/").content.decode()
    assert "Sophie Martin" in marc and "CONFIDENTIAL // REL TO BEL, MED" in marc


def test_edit_errors_show_on_row_with_status_and_write_nothing(client_for, member):
    c = client_for("amara.okafor")
    m = member("erik.lund")
    before = counts()
    r = c.post(f"{URL}{m.pk}/", edit_form(m, caveats=["BOGUS"]), **HX)
    assert r.status_code == 422
    html = r.content.decode()
    assert f'id="member-{m.pk}"' in html and "unknown caveats: bogus" in html.lower()
    assert 'aria-expanded="true"' in html and 'role="alert"' in html  # open, with the message
    me = member("amara.okafor")
    r2 = c.post(f"{URL}{me.pk}/", edit_form(me, active="no"), **HX)
    assert r2.status_code == 422 and "cannot deactivate yourself" in r2.content.decode().lower()
    # without htmx: the full page, with the message and the status
    r3 = c.post(f"{URL}{m.pk}/", edit_form(m, active="maybe"))
    assert r3.status_code == 422
    assert "<html" in r3.content.decode() and "whether the member is active" in r3.content.decode()
    assert counts() == before
    m.refresh_from_db()
    assert m.caveats == [] and m.active


def test_edit_of_unreadable_member_is_404(client_for, member):
    marsh = member("col.marsh")  # CONFIDENTIAL // REL TO ARD: amara (MED) may not read it
    c = client_for("amara.okafor")
    before = counts()
    r = c.post(f"{URL}{marsh.pk}/", {"clearance": "0", "active": "no"}, **HX)
    assert r.status_code == 404
    assert "marsh" not in r.content.decode().lower()
    assert c.post(f"{URL}{marsh.pk}/", {"clearance": "0", "active": "no"}).status_code == 404
    assert counts() == before


def test_assign_and_renounce_role_with_htmx(client_for, member):
    c = client_for("amara.okafor")
    m = member("sophie.martin")
    r = c.post(f"{URL}{m.pk}/roles/", {"role": "monitor"}, **HX)
    assert r.status_code == 200
    assert "Monitor" in r.content.decode()
    assert "monitor" in {x.value for x in member("sophie.martin").active_roles()}
    dup = c.post(f"{URL}{m.pk}/roles/", {"role": "monitor"}, **HX)
    assert dup.status_code == 409 and "already holds the role" in dup.content.decode()
    bad = c.post(f"{URL}{m.pk}/roles/", {"role": "emperor"}, **HX)
    assert bad.status_code == 422
    ra = m.role_assignments.get(role="monitor", renounced_at__isnull=True)
    r2 = c.post(f"{URL}{m.pk}/roles/{ra.pk}/renounce/", **HX)
    assert r2.status_code == 200
    assert "monitor" not in {x.value for x in member("sophie.martin").active_roles()}
    again = c.post(f"{URL}{m.pk}/roles/{ra.pk}/renounce/", **HX)
    assert again.status_code == 409


def test_last_coordinator_cannot_renounce(client_for, member):
    c = client_for("amara.okafor")
    me = member("amara.okafor")
    ra = me.role_assignments.get(role="coordinator")
    before = counts()
    r = c.post(f"{URL}{me.pk}/roles/{ra.pk}/renounce/")
    assert r.status_code == 409
    assert "at least one coordinator" in r.content.decode()
    assert counts() == before


def test_member_admin_csrf_enforced(client_for, newcomer):
    c = client_for("amara.okafor", enforce_csrf=True)
    before = counts()
    assert c.post(URL, add_form()).status_code == 403
    assert counts() == before
    assert get_user_model().objects.filter(username="new.delegate").exists()
