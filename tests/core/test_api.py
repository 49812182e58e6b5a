"""REST API: auth, tokens, error bodies, bad input on every endpoint changes nothing."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accord.core import services
from accord.core.models import ApiToken, Member, Party, Process, RoleAssignment
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db
BASE = "/api/v1/processes/lake-varna"


def snapshot():
    return (
        Process.objects.count(),
        Party.objects.count(),
        Member.objects.count(),
        list(
            Member.objects.order_by("pk").values_list(
                "clearance", "caveats", "title", "active", "label"
            )
        ),
        RoleAssignment.objects.count(),
        ApiToken.objects.count(),
        Entry.objects.count(),
    )


def post(c, path, body, method="post"):
    return getattr(c, method)(path, data=json.dumps(body), content_type="application/json")


def test_anonymous_gets_401_with_error_body(demo):
    r = Client().get("/api/v1/me")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


def test_token_lifecycle(demo, member):
    user = member("ana.costa").user
    tok, secret = services.create_token(user, name="laptop")
    c = Client(headers={"Authorization": f"Bearer {secret}"})
    assert c.get("/api/v1/me").json()["username"] == "ana.costa"
    assert ApiToken.objects.get(pk=tok.pk).digest != secret and secret not in str(
        ApiToken.objects.filter(pk=tok.pk).values().first()
    )
    r = c.delete(f"/api/v1/tokens/{tok.pk}")
    assert r.status_code == 200 and r.json()["revoked_at"]
    assert c.get("/api/v1/me").status_code == 401


def test_expired_and_forged_tokens_refused(demo, member):
    user = member("ana.costa").user
    tok, secret = services.create_token(
        user, name="short", expires_at=timezone.now() + timedelta(seconds=30)
    )
    ApiToken.objects.filter(pk=tok.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert (
        Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me").status_code == 401
    )
    forged = secret[:-4] + "AAAA"
    assert (
        Client(headers={"Authorization": f"Bearer {forged}"}).get("/api/v1/me").status_code == 401
    )


def test_tokens_are_per_user(demo, member, api_for):
    tok, _ = services.create_token(member("lena.haas").user, name="envoy")
    r = api_for("ana.costa").delete(f"/api/v1/tokens/{tok.pk}")
    assert r.status_code == 404
    assert ApiToken.objects.get(pk=tok.pk).revoked_at is None


def test_token_create_via_api_shows_secret_once(demo, api_for):
    c = api_for("ana.costa")
    r = post(c, "/api/v1/tokens", {"name": "ci"})
    assert r.status_code == 201 and r.json()["token"].startswith("acc_")
    listing = c.get("/api/v1/tokens").json()
    assert all("token" not in t for t in listing)


def test_session_without_second_factor_is_refused(demo, member):
    """A mediator signed in with a password only (MFA pending) cannot use the API."""
    c = Client()
    c.force_login(member("lena.haas").user)
    assert c.get("/api/v1/me").status_code == 401
    c2 = Client()
    c2.force_login(member("ana.costa").user)  # negotiator: no second factor required
    assert c2.get("/api/v1/me").status_code == 200


def test_session_auth_enforces_csrf(demo, client_for):
    c = client_for("amara.okafor", enforce_csrf=True)
    before = snapshot()
    r = post(c, f"{BASE}/parties", {"code": "NEW", "name": "New", "kind": "observer"})
    assert r.status_code in (401, 403)
    assert snapshot() == before


def test_pagination_and_filtering(demo, api_for):
    c = api_for("amara.okafor")
    page = c.get(f"{BASE}/members?limit=5&offset=0").json()
    # 16 members; col.marsh (CONFIDENTIAL // REL TO ARD) is hidden from the MED coordinator
    assert page["count"] == 15 and len(page["items"]) == 5
    page2 = c.get(f"{BASE}/members?limit=5&offset=5").json()
    assert {m["id"] for m in page["items"]}.isdisjoint({m["id"] for m in page2["items"]})
    assert {m["party"] for m in c.get(f"{BASE}/members?party=NOR").json()["items"]} == {"NOR"}
    allies = c.get(f"{BASE}/parties?kind=ally").json()
    assert {p["code"] for p in allies} == {"ARD", "NOR", "BEL"}


def test_coordinator_flow_over_api(demo, api_for, member):
    c = api_for("amara.okafor")
    r = post(c, f"{BASE}/parties", {"code": "UNX", "name": "UN Expert Group", "kind": "observer"})
    assert r.status_code == 201
    services.create_user(username="new.expert", password="expert-pass-2026")
    r = post(
        c,
        f"{BASE}/members",
        {
            "username": "new.expert",
            "party": "UNX",
            "clearance": 1,
            "roles": ["observer"],
            "label": {"level": "RESTRICTED", "rel_to": ["UNX", "MED"]},
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["label"]["display"] == "RESTRICTED // REL TO MED, UNX"
    assert [x["role"] for x in body["roles"]] == ["observer"]
    r = post(c, f"{BASE}/members/{body['id']}/roles", {"role": "analyst"})
    assert r.status_code == 201
    ra = next(x for x in r.json()["roles"] if x["role"] == "analyst")
    r = c.delete(f"{BASE}/members/{body['id']}/roles/{ra['id']}")
    assert [x["active"] for x in r.json()["roles"] if x["role"] == "analyst"] == [False]
    r = post(c, f"{BASE}/members/{body['id']}", {"clearance": 2, "title": "Expert"}, "patch")
    assert r.status_code == 200 and r.json()["clearance_name"] == "CONFIDENTIAL"


BAD = [
    ("post", "/api/v1/processes", {"name": ""}, "amara.okafor", 422),
    ("post", "/api/v1/processes", {"name": "X"}, "amara.okafor", 403),  # not an operator
    ("patch", BASE, {"status": "won"}, "amara.okafor", 422),
    ("patch", BASE, {"name": "Renamed"}, "ana.costa", 403),
    ("post", f"{BASE}/parties", {"code": "A", "name": "x", "kind": "ally"}, "amara.okafor", 422),
    ("post", f"{BASE}/parties", {"code": "ARD", "name": "x", "kind": "ally"}, "amara.okafor", 409),
    ("post", f"{BASE}/parties", {"code": "QQQ", "name": "x", "kind": "enemy"}, "amara.okafor", 422),
    ("post", f"{BASE}/parties", {"code": "QQQ", "name": "x", "kind": "ally"}, "ana.costa", 403),
    ("post", f"{BASE}/parties", {"code": "QQQ"}, "amara.okafor", 422),
    ("post", f"{BASE}/members", {"username": "nobody", "party": "ARD"}, "amara.okafor", 404),
    ("post", f"{BASE}/members", {"username": "ana.costa", "party": "ARD"}, "amara.okafor", 409),
    ("post", f"{BASE}/members", {"username": "x", "party": "ZZZ"}, "amara.okafor", 404),
    ("patch", f"{BASE}/members/MID", {"clearance": 9}, "amara.okafor", 422),
    ("patch", f"{BASE}/members/MID", {"clearance": "high"}, "amara.okafor", 422),
    ("patch", f"{BASE}/members/MID", {"caveats": ["NOFORN"]}, "amara.okafor", 422),
    ("patch", f"{BASE}/members/MID", {"label": {"rel_to": ["XXX"]}}, "amara.okafor", 422),
    ("patch", f"{BASE}/members/MID", {"label": {"rel_to": []}}, "amara.okafor", 422),
    (
        "patch",
        f"{BASE}/members/MID",
        {"label": {"level": 2, "rel_to": ["NOR"]}},
        "amara.okafor",
        403,
    ),
    ("patch", f"{BASE}/members/MID", {"clearance": 0}, "ana.costa", 403),
    ("patch", f"{BASE}/members/999999", {"clearance": 0}, "amara.okafor", 404),
    ("post", f"{BASE}/members/MID/roles", {"role": "emperor"}, "amara.okafor", 422),
    ("post", f"{BASE}/members/MID/roles", {"role": "observer"}, "ana.costa", 403),
    ("delete", f"{BASE}/members/MID/roles/999999", None, "amara.okafor", 404),
    ("post", "/api/v1/tokens", {"name": ""}, "ana.costa", 422),
    (
        "post",
        "/api/v1/tokens",
        {"name": "x", "expires_at": "2001-01-01T00:00:00Z"},
        "ana.costa",
        422,
    ),
    ("post", "/api/v1/tokens", {"name": "x", "expires_at": "tomorrow"}, "ana.costa", 422),
    ("delete", "/api/v1/tokens/999999", None, "ana.costa", 404),
    ("get", "/api/v1/processes/lake-varna/activity?since=yesterday", None, "ana.costa", 422),
    ("get", "/api/v1/processes/nowhere", None, "ana.costa", 404),
]


@pytest.mark.parametrize(("method", "path", "body", "who", "status"), BAD)
def test_bad_input_is_a_clear_4xx_and_changes_nothing(
    demo, api_for, member, method, path, body, who, status
):
    c = api_for(who)
    path = path.replace("MID", str(member("erik.lund").pk))
    before = snapshot()
    if body is None:
        r = getattr(c, method)(path)
    else:
        r = post(c, path, body, method)
    assert r.status_code == status, r.content
    err = r.json()["error"]
    assert err["code"] and err["message"] and isinstance(err["fields"], dict)
    assert snapshot() == before


def test_malformed_json_is_422(demo, api_for):
    r = api_for("amara.okafor").post(
        f"{BASE}/parties", data="{not json", content_type="application/json"
    )
    assert r.status_code in (400, 422)
    assert "error" in r.json()


def test_roles_catalogue(demo, api_for):
    roles = {r["role"]: r for r in api_for("ana.costa").get("/api/v1/roles").json()}
    assert roles["mediator"]["requires_mfa"] and not roles["negotiator"]["requires_mfa"]
    assert "text.pen" in roles["mediator"]["permissions"]


def test_openapi_served(demo):
    spec = Client().get("/api/openapi.json").json()
    assert spec["info"]["title"] == "Accord API"
    assert "/api/v1/processes/{slug}/members" in spec["paths"]
    assert Client().get("/api/docs").status_code == 200


def test_nul_characters_are_refused_clearly(demo, api_for):
    c = api_for("ana.costa")
    r = c.get("/api/v1/processes/lake-varna/activity?action=%00")
    assert r.status_code == 400 and "NUL" in r.json()["error"]["message"]
    before = snapshot()
    r = post(c, "/api/v1/tokens", {"name": "bad\u0000name"})
    assert r.status_code in (400, 422)
    assert snapshot() == before
