"""Minutes: revisions, draft → circulated → final → locked, who may do each step, final minutes
immutable (409, nothing written) with their hash in the ledger, corrigenda."""

from __future__ import annotations

import hashlib

import pytest

from accord.core.errors import Conflict, Forbidden, Invalid
from accord.ledger.models import Entry
from accord.ledger.queries import timeline
from accord.meetings import services
from accord.meetings.models import Minutes, MinutesRevision

from .conftest import API, send

pytestmark = pytest.mark.django_db


def test_demo_minutes_in_each_status(plenary1, plenary2, caucus):
    statuses = sorted(
        Minutes.objects.filter(meeting__in=[plenary1, plenary2, caucus]).values_list(
            "status", flat=True
        )
    )
    assert statuses == ["circulated", "draft", "final", "locked"]
    final = Minutes.objects.get(meeting=plenary1, item__isnull=True)
    assert final.content_hash == "sha256:" + hashlib.sha256(final.body.encode()).hexdigest()
    e = Entry.objects.get(action="meetings.minutes.finalise", subject_id=str(final.pk))
    assert e.payload["sha256"] == final.content_hash


def test_full_cycle_and_who_may_do_what(make_meeting, viewer, member):
    m = make_meeting(starts_in=-3)
    lena, pavel = viewer("lena.haas"), viewer("pavel.novak")
    ana, daria, erik = viewer("ana.costa"), viewer("daria.vol"), viewer("erik.lund")
    services.record_attendance(pavel, m, member_id=ana.member.pk, status="present")
    services.record_attendance(pavel, m, member_id=erik.member.pk, status="absent")
    with pytest.raises(Forbidden, match="chair or the rapporteur"):
        services.save_minutes(ana, m, body="Mine")
    mn = services.save_minutes(pavel, m, body="First draft")
    mn = services.save_minutes(lena, m, body="Second draft", base_revision=1)
    assert mn.revision == 2
    assert [(r.number, r.author.user.username) for r in mn.revisions.all()] == [
        (2, "lena.haas"),
        (1, "pavel.novak"),
    ]
    with pytest.raises(Conflict, match="changed since you opened them"):
        services.save_minutes(pavel, m, body="Stale", base_revision=1)
    with pytest.raises(Conflict, match="circulated for comment"):
        services.finalise_minutes(pavel, m, mn.pk)
    with pytest.raises(Conflict, match="only while circulated"):
        services.comment_minutes(ana, m, mn.pk, text="Too early")
    services.circulate_minutes(lena, m, mn.pk)
    services.comment_minutes(ana, m, mn.pk, text="Please add the date.", wording="On 3 May")
    with pytest.raises(Forbidden, match="parties that attended"):
        services.comment_minutes(daria, m, mn.pk, text="NVF did not attend")
    with pytest.raises(Forbidden, match="parties that attended"):
        # NOR's only attendee was absent: NOR did not attend
        services.comment_minutes(viewer("ingrid.dahl"), m, mn.pk, text="Norlund")
    services.save_minutes(pavel, m, body="Second draft, with the date")  # while circulated
    with pytest.raises(Forbidden, match="rapporteur"):
        services.finalise_minutes(lena, m, mn.pk)  # the chair, but there is a rapporteur
    mn = services.finalise_minutes(pavel, m, mn.pk)
    assert mn.status == "final" and mn.finalised_by == pavel.member
    assert mn.content_hash == services.content_hash("Second draft, with the date")
    with pytest.raises(Conflict, match="only final minutes are locked"):
        services.lock_minutes(
            pavel,
            m,
            services.save_minutes(
                pavel, m, body="x", item_id=services.add_item(lena, m, title="i").pk
            ).pk,
        )
    cg = services.issue_corrigendum(pavel, m, mn.pk, body="Read 4 May for 3 May.")
    assert cg.corrects == mn and cg.status == "draft"
    with pytest.raises(Conflict, match="already open"):
        services.issue_corrigendum(pavel, m, mn.pk, body="Another")
    with pytest.raises(Conflict, match="still open"):
        services.lock_minutes(lena, m, mn.pk)
    services.circulate_minutes(pavel, m, cg.pk)
    services.finalise_minutes(pavel, m, cg.pk)
    mn = services.lock_minutes(lena, m, mn.pk)
    assert mn.status == "locked"
    with pytest.raises(Conflict, match="locked"):
        services.issue_corrigendum(pavel, m, mn.pk, body="Late")
    with pytest.raises(Invalid, match="not another corrigendum"):
        services.issue_corrigendum(pavel, m, cg.pk, body="Chain")


def test_editing_final_minutes_is_409_and_writes_nothing(
    plenary1, viewer, api_for, counts, client_for
):
    final = Minutes.objects.get(meeting=plenary1, item__isnull=True)
    body = final.body
    pavel = viewer("pavel.novak")
    before = counts()
    for call in (
        lambda: services.save_minutes(pavel, plenary1, body="Rewritten"),
        lambda: services.save_minutes_by_id(pavel, plenary1, final.pk, body="Rewritten"),
    ):
        with pytest.raises(Conflict) as err:
            call()
        assert "final and cannot be changed; issue a corrigendum" in err.value.message
    r = send(
        api_for("pavel.novak"),
        "put",
        f"/meetings/{plenary1.pk}/minutes/{final.pk}",
        {"body": "Rewritten"},
    )
    assert r.status_code == 409
    assert "final and cannot be changed" in r.json()["error"]["message"]
    r = send(
        api_for("pavel.novak"), "post", f"/meetings/{plenary1.pk}/minutes", {"body": "Rewritten"}
    )
    assert r.status_code == 409
    page = client_for("pavel.novak").post(
        f"/p/lake-varna/meetings/{plenary1.pk}/minutes/{final.pk}/",
        {"action": "save", "body": "Rewritten"},
    )
    assert page.status_code == 409 and "issue a corrigendum" in page.content.decode()
    assert counts() == before
    final.refresh_from_db()
    assert final.body == body and final.status == "final"
    assert MinutesRevision.objects.filter(minutes=final).count() == final.revision


def test_minutes_api_and_pages(plenary2, api_for, client_for):
    mn = Minutes.objects.get(meeting=plenary2, item__isnull=True)
    ana = api_for("ana.costa")
    rows = ana.get(f"{API}/meetings/{plenary2.pk}/minutes").json()
    assert [(r["status_words"], r["item_number"]) for r in rows] == [
        ("Circulated for comment", None)
    ]
    r = send(
        ana,
        "post",
        f"/meetings/{plenary2.pk}/minutes/{mn.pk}/comments",
        {"text": "Ardania supports the annex.", "wording": ""},
    )
    assert r.status_code == 201 and r.json()["author"]["handle"] == "ana.costa@ARD"
    d = ana.get(f"{API}/meetings/{plenary2.pk}/minutes/{mn.pk}").json()
    assert len(d["comments"]) == 2 and d["revisions"][0]["author"]["name"] == "Pavel Novak"
    r = send(ana, "post", f"/meetings/{plenary2.pk}/minutes/{mn.pk}/finalise")
    assert r.status_code == 403
    r = send(api_for("pavel.novak"), "post", f"/meetings/{plenary2.pk}/minutes/{mn.pk}/finalise")
    assert r.status_code == 200 and r.json()["status"] == "final"
    page = client_for("ana.costa").get(f"/p/lake-varna/meetings/{plenary2.pk}/minutes/{mn.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "<li>Kestria proposed a 15 km zone" in text  # Markdown rendered
    assert "SHA-256 of the text" in text and "Revise" not in text
    # a script in minutes is shown as text, never run
    m = plenary2
    pavel = client_for("pavel.novak")
    r = pavel.post(
        f"/p/lake-varna/meetings/{m.pk}/minutes/",
        {
            "body": "<script>alert(1)</script> [x](javascript:alert(1))",
            "item_id": m.items.first().pk,
        },
    )
    assert r.status_code == 302
    page = pavel.get(r["Location"]).content.decode()
    rendered = page.split('class="accord-minutes">', 1)[1].split("</div>", 1)[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert "<script>" not in rendered and 'href="javascript' not in rendered


def test_caucus_minutes_and_record_hidden_from_other_parties(caucus, viewer, api_for, client_for):
    mn = Minutes.objects.get(meeting=caucus)
    for who in ("ana.costa", "daria.vol", "erik.lund", "tomas.ruiz"):
        api = api_for(who)
        assert api.get(f"{API}/meetings/{caucus.pk}/minutes").status_code == 404
        assert api.get(f"{API}/meetings/{caucus.pk}/minutes/{mn.pk}").status_code == 404
        page = client_for(who).get(f"/p/lake-varna/meetings/{caucus.pk}/minutes/{mn.pk}/")
        assert page.status_code == 404
        listing = client_for(who).get("/p/lake-varna/meetings/").content.decode()
        assert "Kestria" not in listing and f"/meetings/{caucus.pk}/" not in listing
        entries = timeline(viewer(who))
        assert (
            not entries.filter(
                subject_type__startswith="meetings.", subject_id__in=[str(caucus.pk), str(mn.pk)]
            )
            .filter(action__in=["meetings.create", "meetings.minutes.save"])
            .exists()
        )
        assert "Kestrian delegation" not in str(list(entries.values_list("payload", flat=True)))
    kes = api_for("ilya.brant")
    assert kes.get(f"{API}/meetings/{caucus.pk}/minutes/{mn.pk}").status_code == 200
    assert (
        timeline(viewer("ilya.brant"))
        .filter(action="meetings.create", subject_id=str(caucus.pk))
        .exists()
    )
