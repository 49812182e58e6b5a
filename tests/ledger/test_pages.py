"""Timeline and verify pages: acts in words, filtered by what the viewer may read, searchable
by who, what and when, paginated; 404 for outsiders."""

import re

import pytest

from accord.core import services
from accord.ledger import signing
from accord.ledger.models import Entry
from accord.ledger.services import sign_head, signing_key

pytestmark = pytest.mark.django_db

TL = "/p/lake-varna/timeline/"


def test_timeline_hides_what_the_viewer_may_not_read(demo, client_for):
    # filtered to member additions, so later demo acts do not push col.marsh off the page
    page = f"{TL}?action=member.add"
    ana = client_for("ana.costa").get(page).content.decode()
    ingrid = client_for("ingrid.dahl").get(page).content.decode()
    assert "Accord added Col. Richard Marsh to the process" in re.sub(r"<[^>]+>", "", ana)
    assert "Marsh" not in ingrid and "marsh" not in ingrid
    assert "CONFIDENTIAL // REL TO ARD" in ana  # the banner takes the highest label shown
    # words, not codes: neither the action code nor the actor's handle appears as text
    assert "member.add</" not in ana and "@ARD" not in ana


def test_timeline_search_by_actor_action_and_date(demo, client_for, viewer, member):
    services.update_member(viewer("amara.okafor"), member("erik.lund"), title="Press attaché")
    c = client_for("amara.okafor")
    page = c.get(f"{TL}?action=member.update").content.decode()
    assert "changed the title of Erik Lund" in page
    assert "added the party" not in page
    amara = member("amara.okafor")
    mine = c.get(f"{TL}?actor={amara.pk}").content.decode()
    assert "opened the channel" in mine  # her own acts
    assert "added the party" not in mine  # the demo loader's (Accord's) acts are not hers
    assert "selected>Amara Okafor (MED)</option>" in mine
    assert (
        "Nothing recorded that you may read matches"
        in c.get(f"{TL}?until=2001-01-01").content.decode()
    )
    r = c.get(f"{TL}?since=not-a-date")
    assert r.status_code == 400 and "From must be a date (YYYY-MM-DD)" in r.content.decode()
    # a member the viewer may not see cannot be chosen (nor guessed by id)
    marsh = member("col.marsh")
    r = c.get(f"{TL}?actor={marsh.pk}")
    assert r.status_code == 400 and "Who must be chosen from the list" in r.content.decode()
    assert "marsh" not in r.content.decode().lower()


def test_timeline_groups_runs_and_links_what_the_reader_may_read(demo, client_for):
    lena = client_for("lena.haas").get(f"{TL}?action=consult.statement").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", lena))
    # the demo's forum import added 15 statements in one run, by Lena Haas
    assert "Lena Haas MED added 15 statements to the consultation Varna civil-society forum" in text
    assert re.search(r'data-acts="15"', lena)
    assert 'href="/p/lake-varna/consultations/' in lena


def test_timeline_paginates(demo, client_for):
    c = client_for("lena.haas")
    first = c.get(TL).content.decode()
    assert 'class="usa-pagination"' in first and 'aria-current="page">1<' in first
    total = int(re.search(r"(\d+) acts", first).group(1))
    pages = -(-total // 50)
    last = c.get(f"{TL}?page={pages}").content.decode()
    assert f'aria-current="page">{pages}<' in last
    assert "created the process" in last  # the oldest act is on the last page
    assert "created the process" not in first
    assert c.get(f"{TL}?page=9999").status_code == 200  # clamped, not an error
    keep = c.get(f"{TL}?action=consult.statement&page=1").content.decode()
    assert "action=consult.statement&amp;page=" in keep or "Older" not in keep


def test_verify_page_shows_head_and_key(demo, client_for):
    from accord.ledger.models import Log

    sign_head(Log.objects.get(process=demo).pk)
    body = client_for("mei.tanaka").get("/p/lake-varna/verify/").content.decode()
    assert signing.public_key_b64(signing_key()) in body
    head = Log.objects.get(process=demo).heads.latest("size")
    assert bytes(head.root).hex() in body and f"{head.size} acts" in body
    assert signing.key_id(signing_key()) in body
    assert "Verify now" in body


def test_outsider_gets_404(demo, client):
    user = services.create_user(username="outsider2", password="outsider-pass-123")
    client.force_login(user)
    assert client.get(TL).status_code == 404
    assert client.get("/p/lake-varna/verify/").status_code == 404
    assert client.post("/p/lake-varna/verify/run/").status_code == 404
    assert client.get("/p/lake-varna/verify/status/").status_code == 404
    assert not Entry.objects.filter(actor=user, log__process=demo).exists()
