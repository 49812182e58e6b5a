"""Home, dashboard, labels and the banner, 404 for non-members, account and API tokens."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accord.core import services
from accord.core.models import ApiToken

pytestmark = pytest.mark.django_db

BANNER_RE = re.compile(r'<div class="banner"[^>]*>([^<]*)</div>')


def banners(html: str) -> list[str]:
    return BANNER_RE.findall(html)


def test_home_lists_processes_with_party(client_for):
    html = client_for("ana.costa").get("/").content.decode()
    assert "Lake Varna Ceasefire Talks" in html
    assert 'href="/p/lake-varna/"' in html
    assert "Republic of Ardania" in html  # ana.costa's party
    assert "Active" in html  # status


def test_home_of_user_without_process(demo):
    user = services.create_user(username="lonely.clerk", password="a-long-enough-pass")
    c = Client()
    c.force_login(user)
    html = c.get("/").content.decode()
    assert "not a member of any process" in html
    assert "lake-varna" not in html


def test_dashboard_banner_shows_highest_label(client_for):
    r = client_for("ana.costa").get("/p/lake-varna/")
    assert r.status_code == 200
    html = r.content.decode()
    # ana.costa (ARD, CONFIDENTIAL) reads col.marsh's CONFIDENTIAL // REL TO ARD membership.
    assert "Col. Richard Marsh" in html
    assert banners(html) == ["CONFIDENTIAL // REL TO ARD"] * 2
    assert html.index('class="banner"') < html.index("<header")  # at the very top
    assert html.rindex('class="banner"') > html.index("<footer")  # and at the very bottom


def test_other_party_does_not_see_restricted_member_anywhere(client_for):
    html = client_for("ingrid.dahl").get("/p/lake-varna/").content.decode()
    assert "marsh" not in html.lower()  # neither name nor username, nor in the activity
    top, bottom = banners(html)
    # the banner is the combination of what she reads: never a label that excludes Norlund
    assert top == bottom and ("REL TO" not in top or "NOR" in top.split("REL TO", 1)[1])
    assert "Ingrid Dahl" in html


def test_dashboard_contents(client_for):
    html = client_for("ana.costa").get("/p/lake-varna/").content.decode()
    # process header
    assert "Lake Varna Ceasefire Talks" in html and "Fictional scenario" in html
    # parties grouped by kind, in order
    order = [
        html.index(h) for h in ("Allies", "Mediator", "Conflict parties", "Guarantor", "Observer")
    ]
    assert order == sorted(order)
    assert "Northern Varna Front" in html
    # members with roles, clearance, caveats
    assert "Head of delegation" in html and "Military liaison" in html
    assert "MILOPS" in html  # col.marsh's caveat, visible to ana
    # members stack on a phone: every cell names its column
    assert "usa-table--stacked" in html and 'data-label="Clearance"' in html
    # side panel: own party and clearance
    side = html[html.index("You in this process") :]
    assert "Republic of Ardania" in side and "CONFIDENTIAL" in side
    # recent activity from the ledger: the last 20 acts, in words, runs of one act on one line;
    # the full timeline finds older ones
    runs = [int(n) for n in re.findall(r'data-acts="(\d+)"', html)]
    assert sum(runs) == 20 and len(runs) <= 20  # grouping itself: tests/ledger/test_words.py
    # the newest act of the process is on it, in words
    from accord.core.access import viewer_of
    from accord.core.models import Member
    from accord.ledger import queries as ledger_queries
    from accord.ledger import words

    ana = viewer_of(Member.objects.get(user__username="ana.costa"))
    newest = words.lines(ana, ledger_queries.timeline(ana)[:1])[0]
    assert newest.plain.split(" ", 2)[-1][:30] in re.sub(r"<[^>]+>|\s+", " ", html).replace(
        "  ", " "
    )
    timeline = client_for("ana.costa").get("/p/lake-varna/timeline/?action=member.add")
    assert "added Ana Costa" in timeline.content.decode()
    # a negotiator gets no member administration link
    assert "/p/lake-varna/members/" not in html


def test_coordinator_dashboard_links_member_admin(client_for):
    html = client_for("amara.okafor").get("/p/lake-varna/").content.decode()
    assert 'href="/p/lake-varna/members/"' in html
    assert 'href="/p/lake-varna/settings/"' in html
    ana = client_for("ana.costa").get("/p/lake-varna/").content.decode()
    assert 'href="/p/lake-varna/settings/"' not in ana


def test_non_member_gets_404(demo):
    user = services.create_user(username="outsider", password="a-long-enough-pass")
    c = Client()
    c.force_login(user)
    for url in ("/p/lake-varna/", "/p/lake-varna/members/"):
        r = c.get(url)
        assert r.status_code == 404
        assert "Lake Varna" not in r.content.decode()


def test_unknown_process_404(client_for):
    r = client_for("ana.costa").get("/p/no-such-process/")
    assert r.status_code == 404
    assert "Nothing here" in r.content.decode()


def test_inactive_member_gets_404(client_for, member, viewer):
    services.update_member(viewer("amara.okafor"), member("erik.lund"), active=False)
    assert client_for("erik.lund").get("/p/lake-varna/").status_code == 404


def test_process_switcher_sections_and_user_menu(client_for):
    html = client_for("ana.costa").get("/p/lake-varna/channels/").content.decode()
    assert 'id="nav-processes"' in html and "Switch process" in html
    assert 'action="/logout/"' in html and 'method="post"' in html
    assert 'href="/account/"' in html
    assert 'class="usa-skipnav" href="#main-content"' in html and 'id="main-content"' in html
    # the current section is marked for people and for assistive technology
    assert (
        'class="usa-nav-link usa-current" href="/p/lake-varna/channels/" aria-current="page"'
        in html
    )


# --- account and API tokens -------------------------------------------------------------------
def test_account_shows_mfa_status(client_for):
    html = client_for("ana.costa").get("/account/").content.decode()
    assert "Two-factor authentication" in html
    assert "Enable two-factor" in html
    assert "Lake Varna Ceasefire Talks" in html


def test_create_token_shows_plaintext_once(client_for, member):
    c = client_for("ana.costa")
    r = c.post("/account/tokens/", {"name": "analysis script", "lifetime": "30"})
    assert r.status_code == 200
    html = r.content.decode()
    m = re.search(r"(acc_[0-9a-f]{12}_[A-Za-z0-9_\-]+)</code>", html)
    assert m, "the new token is shown"
    secret = m.group(1)
    token = ApiToken.objects.get(user=member("ana.costa").user, name="analysis script")
    assert token.expires_at is not None
    assert services.authenticate_token(secret) == member("ana.costa").user
    # shown once: the account page does not show it again, only its prefix
    again = c.get("/account/").content.decode()
    assert secret not in again
    assert f"acc_{token.prefix}" in again
    # the token works against the API
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get("/api/openapi.json").status_code == 200


def test_create_token_bad_input_writes_nothing(client_for, member):
    c = client_for("ana.costa")
    r = c.post("/account/tokens/", {"name": "   "})
    assert r.status_code == 422
    assert "token name must be 1" in r.content.decode().lower()
    c.post("/account/tokens/", {"name": "ci"})
    dup = c.post("/account/tokens/", {"name": "ci"})
    assert dup.status_code == 409
    assert "already have a live token" in dup.content.decode().lower()
    assert member("ana.costa").user.api_tokens.count() == 1


def test_revoke_token(client_for, member):
    user = member("ana.costa").user
    token, secret = services.create_token(user, name="old")
    c = client_for("ana.costa")
    r = c.post(f"/account/tokens/{token.pk}/revoke/")
    assert r.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert services.authenticate_token(secret) is None
    assert "Revoked" in c.get("/account/").content.decode()


def test_cannot_revoke_someone_elses_token(client_for, member):
    token, _secret = services.create_token(member("ingrid.dahl").user, name="hers")
    r = client_for("ana.costa").post(f"/account/tokens/{token.pk}/revoke/")
    assert r.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
