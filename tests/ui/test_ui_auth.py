"""Sign-in, lockout, two-factor enrolment and check, sign-out, CSRF and security headers."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.test import Client

from accord.core import services
from accord.core.auth import MFA_SESSION_KEY
from accord.core.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

SECRET_RE = re.compile(r'data-secret="([A-Z2-7]+)"')
RECOVERY_RE = re.compile(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>")


def sign_in(client: Client, username: str, password: str = DEMO_PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password, **extra})


# --- password step ----------------------------------------------------------------------------
def test_login_page_renders_form_with_banner(demo):
    r = Client().get("/login/")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'name="username"' in html and 'name="password"' in html
    assert "csrfmiddlewaretoken" in html
    assert html.count('class="banner"') == 2  # top and bottom
    assert "<!--accord-banner-->" not in html


def test_good_password_signs_in_and_lands_home(demo):
    c = Client()
    r = sign_in(c, "ana.costa")
    assert r.status_code == 302 and r["Location"] == "/"
    home = c.get("/")
    assert home.status_code == 200
    assert "Lake Varna Ceasefire Talks" in home.content.decode()


def test_login_follows_safe_next_but_not_foreign_next(demo):
    c = Client()
    r = sign_in(c, "ana.costa", next="/p/lake-varna/")
    assert r["Location"] == "/p/lake-varna/"
    c2 = Client()
    r2 = sign_in(c2, "ana.costa", next="https://evil.example/phish")
    assert r2["Location"] == "/"


@pytest.mark.parametrize("username", ["ana.costa", "no.such.user"])
def test_bad_credentials_same_message_no_session(demo, username):
    c = Client()
    r = sign_in(c, username, "wrong-password-123")
    assert r.status_code == 401
    assert "Unknown username or wrong password" in r.content.decode()
    assert c.get("/").status_code == 302  # still anonymous: sent to the login page


def test_anonymous_is_sent_to_login_with_next(demo):
    r = Client().get("/p/lake-varna/")
    assert r.status_code == 302
    assert r["Location"].startswith("/login/?next=/p/lake-varna/")


def test_lockout_after_five_failures(demo):
    c = Client()
    statuses = [sign_in(c, "ana.costa", f"wrong-{i}-password").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 401, 429]  # the fifth failure locks
    # Once locked, even the right password is refused, with a clear answer.
    r = sign_in(c, "ana.costa")
    assert r.status_code == 429
    html = r.content.decode()
    assert "too many failed sign-in attempts" in html.lower()
    assert "Sign-in locked" in html
    assert "_auth_user_id" not in c.session
    # Another account from the same address is not locked (username + IP).
    assert sign_in(Client(), "ingrid.dahl").status_code == 302


# --- second factor ----------------------------------------------------------------------------
def _enrol(client: Client) -> tuple[str, list[str]]:
    page = client.get("/mfa/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html  # the QR code, inline
    secret = SECRET_RE.search(html).group(1)
    r = client.post("/mfa/", {"code": pyotp.TOTP(secret).now(), "next": "/p/lake-varna/"})
    assert r.status_code == 200
    codes = RECOVERY_RE.findall(r.content.decode())
    return secret, codes


def test_mediator_is_held_at_mfa_until_enrolled(demo, member):
    c = Client()
    r = sign_in(c, "lena.haas")
    assert r.status_code == 302 and r["Location"].startswith("/mfa/")
    # Every page but the MFA step is closed until the second factor is passed.
    held = c.get("/p/lake-varna/")
    assert held.status_code == 302 and held["Location"].startswith("/mfa/")
    assert c.get("/account/")["Location"].startswith("/mfa/")

    _secret, codes = _enrol(c)
    assert len(codes) == 10
    assert services.security_profile(member("lena.haas").user).mfa_enabled
    assert c.session[MFA_SESSION_KEY] is True
    dash = c.get("/p/lake-varna/")
    assert dash.status_code == 200
    assert "Special Envoy" in dash.content.decode()


def test_wrong_enrolment_code_is_refused_and_keeps_secret(demo, member):
    c = Client()
    sign_in(c, "lena.haas")
    secret = SECRET_RE.search(c.get("/mfa/").content.decode()).group(1)
    r = c.post("/mfa/", {"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "not valid" in html
    assert SECRET_RE.search(html).group(1) == secret  # the scanned secret stays valid
    assert not services.security_profile(member("lena.haas").user).mfa_enabled
    assert c.get("/p/lake-varna/").status_code == 302


def test_enrolled_user_must_pass_totp_at_each_sign_in(demo):
    c = Client()
    sign_in(c, "lena.haas")
    secret, _ = _enrol(c)
    c2 = Client()
    r = sign_in(c2, "lena.haas", next="/p/lake-varna/")
    assert r["Location"].startswith("/mfa/")
    page = c2.get(r["Location"])
    assert "authenticator app" in page.content.decode()
    assert c2.post("/mfa/", {"code": "12345x"}).status_code == 400
    assert c2.get("/p/lake-varna/").status_code == 302
    # The code used at enrolment cannot be replayed; the next time step's code is accepted.
    totp = pyotp.TOTP(secret)
    ok = c2.post("/mfa/", {"code": totp.at(time.time() + 30), "next": "/p/lake-varna/"})
    assert ok.status_code == 302 and ok["Location"] == "/p/lake-varna/"
    assert c2.get("/p/lake-varna/").status_code == 200


def test_recovery_code_works_once_and_only_once(demo):
    c = Client()
    sign_in(c, "lena.haas")
    _, codes = _enrol(c)
    code = codes[3]

    first = Client()
    sign_in(first, "lena.haas")
    r = first.post("/mfa/", {"code": code})
    assert r.status_code == 302 and r["Location"] == "/"
    assert first.get("/p/lake-varna/").status_code == 200

    second = Client()
    sign_in(second, "lena.haas")
    r2 = second.post("/mfa/", {"code": code})
    assert r2.status_code == 400
    assert second.get("/p/lake-varna/").status_code == 302
    # another, unused code still works
    third = Client()
    sign_in(third, "lena.haas")
    assert third.post("/mfa/", {"code": codes[4]}).status_code == 302


def test_mfa_session_key_is_cycled(demo):
    c = Client()
    sign_in(c, "lena.haas")
    before = c.session.session_key
    _enrol(c)
    assert c.session.session_key != before


def test_voluntary_enrolment_from_account_page(demo, member):
    c = Client()
    sign_in(c, "ana.costa")  # negotiator: no second factor required
    acct = c.get("/account/").content.decode()
    assert "Enable two-factor" in acct
    _enrol(c)
    assert services.security_profile(member("ana.costa").user).mfa_enabled
    # From now on ana.costa is asked for the second factor too.
    c2 = Client()
    assert sign_in(c2, "ana.costa")["Location"].startswith("/mfa/")


# --- sign-out, CSRF, headers ------------------------------------------------------------------
def test_logout_is_post_only(client_for):
    c = client_for("ana.costa")
    assert c.get("/logout/").status_code == 405
    assert c.get("/").status_code == 200
    r = c.post("/logout/")
    assert r.status_code == 302 and r["Location"] == "/login/"
    assert c.get("/").status_code == 302


def test_csrf_enforced_on_login(demo):
    c = Client(enforce_csrf_checks=True)
    r = sign_in(c, "ana.costa")
    assert r.status_code == 403
    assert "_auth_user_id" not in c.session


def test_csrf_enforced_on_logout_and_token_forms(client_for, member):
    c = client_for("ana.costa", enforce_csrf=True)
    assert c.post("/logout/").status_code == 403
    assert c.post("/account/tokens/", {"name": "sneaky"}).status_code == 403
    assert not member("ana.costa").user.api_tokens.exists()
    assert c.get("/").status_code == 200  # still signed in


def test_security_headers(client_for):
    for r in (Client().get("/login/"), client_for("ana.costa").get("/p/lake-varna/")):
        csp = r["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert r["X-Frame-Options"] == "DENY"
        assert r["X-Content-Type-Options"] == "nosniff"


def test_pages_load_htmx_and_send_csrf_header(client_for):
    html = client_for("ana.costa").get("/").content.decode()
    assert re.search(r'<script src="/static/vendor/htmx/htmx\.min\.js" defer>', html)
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "<script>" not in html  # no inline scripts (CSP)
