"""Consultations through the REST API and the pages: open, add, vote (plain and htmx), import,
close — each through the services, each recorded."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.consult.demo import forum_csv
from accord.consult.models import Consultation, Participant, Statement, Vote
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db

API = "/api/v1/processes/lake-varna"


def send(client, method, path, body=None):
    return getattr(client, method)(
        f"{API}{path}", data=json.dumps(body or {}), content_type="application/json"
    )


def test_api_round_trip(demo, api_for):
    lena, ana = api_for("lena.haas"), api_for("ana.costa")
    r = send(
        lena,
        "post",
        "/consultations",
        {
            "title": "Annex A corridors",
            "question": "Which corridors first?",
            "label": {"level": "RESTRICTED", "rel_to": ["MED", "ARD"]},
            "statements": ["The northern corridor first.", "The river corridor first."],
        },
    )
    assert r.status_code == 201, r.content
    c = r.json()
    assert c["label"]["display"] == "RESTRICTED // REL TO ARD, MED"
    assert [s["text"] for s in c["statement_list"]] == [
        "The northern corridor first.",
        "The river corridor first.",
    ]
    sid = c["statement_list"][0]["id"]
    r = send(ana, "post", f"/consultations/{c['id']}/statements", {"text": "Both at once."})
    assert r.status_code == 201 and r.json()["mine"] is True
    r = send(ana, "put", f"/consultations/{c['id']}/statements/{sid}/vote", {"value": -1})
    assert r.status_code == 200
    assert (r.json()["disagree"], r.json()["my_vote"]) == (1, -1)
    ids = [x["id"] for x in c["statement_list"]]
    r = send(ana, "put", f"/consultations/{c['id']}/votes", {"votes": {ids[0]: 1, ids[1]: 0}})
    assert r.status_code == 200, r.content
    assert [(x["my_vote"], x["agree"], x["disagree"]) for x in r.json()] == [(1, 1, 0), (0, 0, 0)]
    r = send(ana, "put", f"/consultations/{c['id']}/votes", {"votes": {ids[0]: -1, 999999: 1}})
    assert r.status_code == 404  # all or none: the first vote is unchanged
    assert ana.get(f"{API}/consultations/{c['id']}").json()["statement_list"][0]["my_vote"] == 1
    assert api_for("viktor.kess").get(f"{API}/consultations/{c['id']}").status_code == 404
    votes, comments, _ = forum_csv()
    r = send(
        lena,
        "post",
        f"/consultations/{c['id']}/import",
        {"votes_csv": votes, "comments_csv": comments, "source": "forum"},
    )
    assert r.status_code == 201, r.content
    assert (r.json()["participants"], r.json()["new_statements"]) == (60, 15)
    listing = ana.get(f"{API}/consultations/{c['id']}/statements?limit=100").json()
    assert listing["count"] == 18
    detail = lena.get(f"{API}/consultations/{c['id']}").json()
    assert detail["participants"] == 61 and detail["statements"] == 18
    r = send(lena, "post", f"/consultations/{c['id']}/close")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    closed = {x["id"] for x in ana.get(f"{API}/consultations?status=closed").json()["items"]}
    forum = Consultation.objects.get(process=demo, title="Varna civil-society forum")
    assert closed == {c["id"], forum.pk}
    actions = list(
        Entry.objects.filter(subject_type="consult.consultation", subject_id=str(c["id"]))
        .exclude(action="consult.vote")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["consult.create", "consult.import", "consult.close"]


def test_reimport_replaces_the_same_participants_votes(priorities, viewer):
    from accord.consult import services

    lena = viewer("lena.haas")
    votes, comments, _ = forum_csv(seed=1)
    services.import_votes(lena, priorities, votes_csv=votes, comments_csv=comments)
    n = (Participant.objects.count(), Statement.objects.count(), Vote.objects.count())
    services.import_votes(lena, priorities, votes_csv=votes, comments_csv=comments)
    assert (Participant.objects.count(), Statement.objects.count(), Vote.objects.count()) == n


def test_pages_list_vote_add_import_close(priorities, client_for):
    base = f"/p/lake-varna/consultations/{priorities.pk}/"
    ana = client_for("ana.costa")
    listing = ana.get("/p/lake-varna/consultations/")
    assert listing.status_code == 200 and priorities.title.encode() in listing.content
    assert b"Open a consultation" not in listing.content  # a negotiator does not open them
    assert b'href="/p/lake-varna/consultations/"' in listing.content  # the process nav link
    st = priorities.statements.order_by("pk").first()
    r = ana.post(f"{base}statements/{st.pk}/vote/", {"value": "1"})
    assert r.status_code == 302
    r = ana.post(f"{base}statements/{st.pk}/vote/", {"value": "0"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b"Your vote was saved" in r.content
    assert r.content.strip().startswith(f'<tr id="statement-{st.pk}"'.encode())
    assert b'value="0" class="usa-button accord-small-button" aria-pressed="true"' in r.content
    assert r.content.count(b'aria-pressed="true"') == 1  # the other two are outlined
    r = ana.post(f"{base}statements/", {"text": "Ardania will fund the demining survey."})
    assert r.status_code == 302
    assert Statement.objects.filter(consultation=priorities, text__startswith="Ardania").exists()

    lena = client_for("lena.haas")
    page = lena.get(base)
    assert b"Import a Pol.is export" in page.content and b"Close the consultation" in page.content
    votes, comments, _ = forum_csv()
    r = lena.post(
        f"{base}import/",
        {
            "votes_csv": SimpleUploadedFile("participants-votes.csv", votes.encode()),
            "comments_csv": SimpleUploadedFile("comments.csv", comments.encode()),
            "source": "forum",
        },
    )
    assert r.status_code == 302
    assert Participant.objects.filter(consultation=priorities, member__isnull=True).count() == 60
    r = lena.post(f"{base}close/")
    assert r.status_code == 302
    priorities.refresh_from_db()
    assert priorities.status == "closed"
    closed = ana.get(base)
    assert b"Add a statement" not in closed.content and b"You passed" in closed.content


def test_manager_opens_one_on_the_page_and_runs_its_groups(demo, client_for, forum):
    lena = client_for("lena.haas")
    page = lena.get("/p/lake-varna/consultations/")
    assert b"Open a consultation" in page.content
    r = lena.post("/p/lake-varna/consultations/", {"title": "  ", "statements": "One\nTwo"})
    assert r.status_code == 422 and b"needs a title" in r.content
    assert not Consultation.objects.filter(process=demo, title="Corridors").exists()
    r = lena.post(
        "/p/lake-varna/consultations/",
        {"title": "Corridors", "question": "Which first?", "statements": "North\n\nRiver\n"},
    )
    assert r.status_code == 302
    c = Consultation.objects.get(process=demo, title="Corridors")
    assert list(c.statements.values_list("text", flat=True)) == ["North", "River"]
    assert c.label.value.display() == "RESTRICTED"
    analysis = lena.get("/p/lake-varna/negotiation/analysis/")
    assert f'<option value="{forum.pk}">'.encode() in analysis.content
    r = lena.post(
        "/p/lake-varna/negotiation/analysis/",
        {"kind": "opinion_groups", "consultation": str(forum.pk), "min_votes": "7", "seed": "1"},
    )
    assert r.status_code == 302, r.content
    run_page = lena.get(r["Location"])
    assert run_page.status_code == 200
    assert b"Opinion groups" in run_page.content and b"<svg" in run_page.content
    assert b"Families must be told where detained relatives are held." in run_page.content
