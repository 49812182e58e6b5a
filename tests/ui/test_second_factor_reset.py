"""A coordinator resets a member's lost second factor (page, API), an operator any account
(CLI): recorded; refused for others; the member must set it up again at the next sign-in."""

from __future__ import annotations

import pyotp
import pytest
from django.test import Client

from accord.core import services
from accord.core.demo import DEMO_PASSWORD
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def enrol(user) -> None:
    uri = services.begin_totp_enrolment(user)
    secret = pyotp.parse_uri(uri).secret
    services.confirm_totp(user, pyotp.TOTP(secret).now())
    assert services.security_profile(user).mfa_enabled


def url(m) -> str:
    return f"/p/lake-varna/members/{m.pk}/second-factor/reset/"


def test_coordinator_resets_and_the_member_enrols_again(demo, client_for, member):
    ingrid = member("ingrid.dahl")  # head of delegation: her role requires a second factor
    enrol(ingrid.user)
    c = client_for("amara.okafor")
    admin = c.get("/p/lake-varna/members/").content.decode()
    assert url(ingrid) in admin and "Reset second factor" in admin
    r = c.post(url(ingrid), **HX)
    assert r.status_code == 200
    html = r.content.decode()
    assert html.lstrip().startswith(f'<tbody id="member-{ingrid.pk}"')
    assert "The second factor of Ingrid Dahl was reset" in html
    prof = services.security_profile(ingrid.user)
    assert not prof.mfa_enabled and prof.totp_secret == "" and prof.recovery_codes == []
    e = Entry.objects.get(action="member.mfa_reset", subject_id=str(ingrid.pk))
    assert e.log.process == demo and e.actor == member("amara.okafor").user
    tl = c.get("/p/lake-varna/timeline/?action=member.mfa_reset").content.decode()
    assert "reset the second factor of Ingrid Dahl" in tl
    # at her next sign-in she is held at the enrolment step
    browser = Client()
    r = browser.post("/login/", {"username": "ingrid.dahl", "password": DEMO_PASSWORD})
    assert r.status_code == 302 and r["Location"].startswith("/mfa/")
    assert "Set up two-factor authentication" in browser.get("/mfa/").content.decode()
    assert browser.get("/p/lake-varna/").status_code == 302


def test_refused_for_a_non_coordinator(demo, client_for, member, api_for):
    ingrid = member("ingrid.dahl")
    enrol(ingrid.user)
    before = Entry.objects.filter(log__process=demo).count()
    assert client_for("ana.costa").post(url(ingrid), **HX).status_code == 403
    assert client_for("ana.costa").post(url(ingrid)).status_code == 403
    api = api_for("ana.costa")
    assert (
        api.post(
            f"/api/v1/processes/lake-varna/members/{ingrid.pk}/second-factor/reset"
        ).status_code
        == 403
    )
    assert services.security_profile(ingrid.user).mfa_enabled
    assert Entry.objects.filter(log__process=demo).count() == before


@pytest.mark.parametrize(
    ("who", "status", "message"),
    [
        ("erik.lund", 409, "has no second factor to reset"),
        ("amara.okafor", 422, "cannot reset your own second factor"),
        ("col.marsh", 404, None),  # a membership the coordinator may not see
    ],
)
def test_bad_resets_change_nothing(demo, client_for, member, who, status, message):
    target = member(who)
    if who != "erik.lund":
        enrol(target.user)
    before = Entry.objects.filter(log__process=demo).count()
    r = client_for("amara.okafor").post(url(target), **HX)
    assert r.status_code == status
    if message:
        assert message in r.content.decode()
    else:
        assert "marsh" not in r.content.decode().lower()
    assert Entry.objects.filter(log__process=demo).count() == before
    if who != "erik.lund":
        assert services.security_profile(target.user).mfa_enabled


def test_an_operators_account_is_reset_only_by_an_operator(demo, viewer, member):
    ana = member("ana.costa")
    enrol(ana.user)
    ana.user.is_staff = True
    ana.user.save()
    from accord.core.errors import Forbidden

    with pytest.raises(Forbidden):
        services.reset_second_factor(viewer("amara.okafor"), ana)
    assert services.security_profile(ana.user).mfa_enabled


def test_api_reset(demo, api_for, member):
    ingrid = member("ingrid.dahl")
    enrol(ingrid.user)
    r = api_for("amara.okafor").post(
        f"/api/v1/processes/lake-varna/members/{ingrid.pk}/second-factor/reset"
    )
    assert r.status_code == 200
    assert r.json() == {"member": ingrid.pk, "name": "Ingrid Dahl", "enrolled": False}
    again = api_for("amara.okafor").post(
        f"/api/v1/processes/lake-varna/members/{ingrid.pk}/second-factor/reset"
    )
    assert again.status_code == 409


def test_operator_cli_reset(demo, member, capsys):
    from accord import cli

    lena = member("lena.haas")
    enrol(lena.user)
    assert cli.main(["reset-second-factor", "lena.haas"]) == 0
    assert "set it up again" in capsys.readouterr().out
    assert not services.security_profile(lena.user).mfa_enabled
    assert Entry.objects.filter(
        action="mfa.reset", subject_id=str(lena.user.pk), log__process__isnull=True
    ).exists()
    assert cli.main(["reset-second-factor", "lena.haas"]) == 2  # nothing left to reset
    assert cli.main(["reset-second-factor", "nobody.here"]) == 2
    assert "no account with username" in capsys.readouterr().err


def test_a_reset_ends_the_members_open_sessions(demo, client_for, member):
    ingrid = member("ingrid.dahl")
    enrol(ingrid.user)
    theirs = client_for("ingrid.dahl")  # a browser left signed in beside the lost phone
    assert theirs.get("/p/lake-varna/").status_code == 200
    other = client_for("ana.costa")
    services.reset_second_factor(services.access.viewer_of(member("amara.okafor")), ingrid)
    r = theirs.get("/p/lake-varna/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")
    assert other.get("/p/lake-varna/").status_code == 200  # nobody else is signed out
    e = Entry.objects.get(action="member.mfa_reset", subject_id=str(ingrid.pk))
    assert e.payload["sessions_ended"] == 1


def test_an_operator_reset_ends_sessions_too(demo, client_for, member):
    ingrid = member("ingrid.dahl")
    enrol(ingrid.user)
    theirs = client_for("ingrid.dahl")
    services.reset_operator_second_factor("ingrid.dahl")
    assert theirs.get("/p/lake-varna/").status_code == 302
