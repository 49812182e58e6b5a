"""Timeline and verify pages: filtered by what the viewer may read, searchable, 404 for outsiders."""

import pytest

from accord.core import services
from accord.ledger import signing
from accord.ledger.services import sign_head, signing_key

pytestmark = pytest.mark.django_db


def test_timeline_hides_what_the_viewer_may_not_read(demo, client_for):
    # filtered to member additions, so later demo acts do not push col.marsh off the page
    page = "/p/lake-varna/timeline/?action=member.add"
    ana = client_for("ana.costa").get(page).content.decode()
    ingrid = client_for("ingrid.dahl").get(page).content.decode()
    assert "col.marsh" in ana
    assert "col.marsh" not in ingrid and "Marsh" not in ingrid
    assert "CONFIDENTIAL // REL TO ARD" in ana  # the banner takes the highest label shown


def test_timeline_search_by_actor_action_and_date(demo, client_for, viewer, member):
    services.update_member(viewer("amara.okafor"), member("erik.lund"), title="Press attaché")
    c = client_for("amara.okafor")
    page = c.get("/p/lake-varna/timeline/?action=member.update").content.decode()
    assert "member.update" in page and "party.create" not in page
    assert "amara.okafor@MED" in c.get("/p/lake-varna/timeline/?actor=amara").content.decode()
    assert "Nothing recorded" in c.get("/p/lake-varna/timeline/?until=2001-01-01").content.decode()
    r = c.get("/p/lake-varna/timeline/?since=not-a-date")
    assert r.status_code == 400 and "YYYY-MM-DD" in r.content.decode()


def test_verify_page_shows_head_and_key(demo, client_for):
    from accord.ledger.models import Log

    sign_head(Log.objects.get(process=demo).pk)
    body = client_for("mei.tanaka").get("/p/lake-varna/verify/").content.decode()
    assert signing.public_key_b64(signing_key()) in body
    head = Log.objects.get(process=demo).heads.latest("size")
    assert bytes(head.root).hex() in body and f"{head.size} entries" in body


def test_outsider_gets_404(demo, client):
    user = services.create_user(username="outsider2", password="outsider-pass-123")
    client.force_login(user)
    assert client.get("/p/lake-varna/timeline/").status_code == 404
    assert client.get("/p/lake-varna/verify/").status_code == 404
