"""Speaking lists: a queue per agenda item (points of order first), a time allowance per
delegation, next/end by the officers; through the services, the REST API and the page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accord.core.errors import Conflict, Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.ledger.models import Entry
from accord.meetings import queries, services
from accord.meetings.models import Speech

from .conftest import API, send

pytestmark = pytest.mark.django_db

PARTIES = ("MED", "ARD", "KES")


@pytest.fixture
def plenary(make_meeting):
    """A plenary in progress (started an hour ago) of MED, ARD and KES, with one item."""
    m = make_meeting(parties=PARTIES)
    return m


@pytest.fixture
def item(plenary, viewer):
    return services.add_item(
        viewer("lena.haas"), plenary, title="Heavy weapons", duration_minutes=30
    )


def names(rows):
    return [r.member.user.username for r in rows]


def test_queue_order_point_of_order_jumps_ahead(plenary, item, viewer):
    for u in ("ana.costa", "viktor.kess"):
        services.request_floor(viewer(u), plenary, item.pk)
    services.request_floor(viewer("ilya.brant"), plenary, item.pk, point_of_order=True)
    services.request_floor(viewer("james.whitfield"), plenary, item.pk, point_of_order=True)
    sl = queries.speaking_list(viewer("lena.haas"), plenary, item)
    assert names(sl.waiting) == ["ilya.brant", "james.whitfield", "ana.costa", "viktor.kess"]
    assert [r.position for r in sl.waiting] == [1, 2, 3, 4]
    assert [r.point_of_order for r in sl.waiting] == [True, True, False, False]
    # the chair gives the floor in that order
    lena = viewer("lena.haas")
    assert services.next_speaker(lena, plenary, item.pk).member.user.username == "ilya.brant"
    assert services.next_speaker(lena, plenary, item.pk).member.user.username == "james.whitfield"
    sl = queries.speaking_list(lena, plenary, item)
    assert sl.current.member.user.username == "james.whitfield"
    assert names(sl.done) == ["ilya.brant"]
    assert names(sl.waiting) == ["ana.costa", "viktor.kess"]


def test_one_waiting_request_per_member(plenary, item, viewer, counts):
    ana = viewer("ana.costa")
    sp = services.request_floor(ana, plenary, item.pk)
    before = counts()
    with pytest.raises(Conflict, match="already on the speaking list"):
        services.request_floor(ana, plenary, item.pk, point_of_order=True)
    assert counts() == before
    # once withdrawn (or after speaking) the member may ask again
    services.withdraw(ana, plenary, sp.pk)
    assert Speech.objects.get(pk=sp.pk).status == "withdrawn"
    services.request_floor(ana, plenary, item.pk)
    assert Speech.objects.filter(item=item, status="waiting").count() == 1


def test_next_and_end_by_officers_only(plenary, item, viewer, counts):
    services.request_floor(viewer("ana.costa"), plenary, item.pk)
    before = counts()
    for u in ("ana.costa", "viktor.kess", "amara.okafor"):  # amara runs meetings, not this one
        with pytest.raises(Forbidden, match="chair or the rapporteur"):
            services.next_speaker(viewer(u), plenary, item.pk)
        with pytest.raises(Forbidden):
            services.end_speech(viewer(u), plenary, item.pk)
    assert counts() == before
    pavel = viewer("pavel.novak")  # the rapporteur
    services.next_speaker(pavel, plenary, item.pk)
    services.end_speech(pavel, plenary, item.pk)
    with pytest.raises(Conflict, match="nobody has the floor"):
        services.end_speech(pavel, plenary, item.pk)
    with pytest.raises(Conflict, match="nobody is waiting"):
        services.next_speaker(pavel, plenary, item.pk)
    ids = [str(i) for i in Speech.objects.filter(item=item).values_list("pk", flat=True)]
    actions = list(
        Entry.objects.filter(subject_type="meetings.speech", subject_id__in=ids)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "meetings.speakers.request",
        "meetings.speakers.start",
        "meetings.speakers.end",
    ]


def test_withdraw_own_or_officer(plenary, item, viewer):
    ana_sp = services.request_floor(viewer("ana.costa"), plenary, item.pk)
    kes_sp = services.request_floor(viewer("viktor.kess"), plenary, item.pk)
    with pytest.raises(Forbidden, match="only the speaker"):
        services.withdraw(viewer("viktor.kess"), plenary, ana_sp.pk)
    services.withdraw(viewer("lena.haas"), plenary, kes_sp.pk)
    with pytest.raises(Conflict, match="only a waiting request"):
        services.withdraw(viewer("viktor.kess"), plenary, kes_sp.pk)
    with pytest.raises(NotFound):
        services.withdraw(viewer("ana.costa"), plenary, 999999)


def test_time_used_and_remaining(plenary, item, viewer):
    lena, t0 = viewer("lena.haas"), plenary.starts_at
    services.set_allowance(lena, plenary, item.pk, "ARD", 5)
    services.set_allowance(lena, plenary, item.pk, "kes", 10)  # codes in any case
    services.request_floor(viewer("ana.costa"), plenary, item.pk, now=t0)
    services.request_floor(viewer("james.whitfield"), plenary, item.pk, now=t0)
    services.request_floor(viewer("pavel.novak"), plenary, item.pk, now=t0)  # MED: no limit
    services.next_speaker(lena, plenary, item.pk, now=t0 + timedelta(minutes=1))
    services.next_speaker(lena, plenary, item.pk, now=t0 + timedelta(minutes=5))  # ana: 4 min
    sl = queries.speaking_list(lena, plenary, item, now=t0 + timedelta(minutes=6, seconds=20))
    assert sl.current.member.user.username == "james.whitfield"
    assert sl.current.seconds == 80 and sl.current.time_words == "1 min 20 s"
    times = {t.party.code: t for t in sl.parties}
    assert set(times) == {"ARD", "KES"}  # MED has neither spoken nor an allowance yet
    ard = times["ARD"]
    assert (ard.used, ard.allowed, ard.remaining) == (320, 300, -20)
    assert ard.used_words == "5 min 20 s of 5 min used"
    assert ard.remaining_words == "over by 20 s" and ard.over
    kes = times["KES"]
    assert (kes.used, kes.remaining_words, kes.used_words) == (
        0,
        "10 min left",
        "0 s of 10 min used",
    )
    services.next_speaker(lena, plenary, item.pk, now=t0 + timedelta(minutes=7))  # james: 2 min
    services.end_speech(lena, plenary, item.pk, now=t0 + timedelta(minutes=8, seconds=30))
    sl = queries.speaking_list(lena, plenary, item, now=t0 + timedelta(hours=1))
    times = {t.party.code: t for t in sl.parties}
    assert times["ARD"].used == 6 * 60 and times["ARD"].remaining_words == "over by 1 min"
    assert times["MED"].used == 90 and times["MED"].remaining_words == "no limit"
    assert times["MED"].used_words == "1 min 30 s used, no limit"
    assert sl.current is None and [r.seconds for r in sl.done] == [240, 120, 90]
    assert queries.duration_words(3900) == "1 h 5 min"


def test_bad_input_refused_and_nothing_written(
    plenary, item, viewer, counts, make_meeting, api_for
):
    lena, ana = viewer("lena.haas"), viewer("ana.costa")
    old = make_meeting(starts_in=-30, parties=PARTIES, title="Old meeting")  # ended 28 h ago
    old_item = services.add_item(lena, old, title="Old item")
    before = counts()
    cases = [
        (Invalid, "0 to 240", lambda: services.set_allowance(lena, plenary, item.pk, "ARD", -1)),
        (Invalid, "0 to 240", lambda: services.set_allowance(lena, plenary, item.pk, "ARD", 241)),
        (Invalid, "0 to 240", lambda: services.set_allowance(lena, plenary, item.pk, "ARD", 2.5)),
        (
            Invalid,
            "unknown parties",
            lambda: services.set_allowance(lena, plenary, item.pk, "XX", 5),
        ),
        (
            Invalid,
            "neither invited",
            lambda: services.set_allowance(lena, plenary, item.pk, "NOR", 5),
        ),
        (Forbidden, "roles", lambda: services.set_allowance(ana, plenary, item.pk, "ARD", 5)),
        (NotFound, "agenda item", lambda: services.set_allowance(lena, plenary, 999999, "ARD", 5)),
        (NotFound, "agenda item", lambda: services.request_floor(ana, plenary, "x")),
        (NotFound, "agenda item", lambda: services.request_floor(ana, plenary, old_item.pk)),
        (Conflict, "more than a day ago", lambda: services.request_floor(ana, old, old_item.pk)),
        (
            Forbidden,
            "attending or invited",
            lambda: services.request_floor(viewer("ingrid.dahl"), plenary, item.pk),
        ),
        (
            Forbidden,
            "chair or the rapporteur",
            lambda: services.next_speaker(ana, plenary, item.pk),
        ),
    ]
    for exc, words, act in cases:
        with pytest.raises(exc, match=words):
            act()
    assert counts() == before
    # over REST: words and statuses, nothing written
    api = f"/meetings/{plenary.pk}/agenda/{item.pk}"
    bad = [
        ("lena.haas", "put", f"{api}/allowances", {"party": "ARD", "minutes": -5}, 422),
        ("lena.haas", "put", f"{api}/allowances", {"party": "ARD"}, 422),
        ("ana.costa", "put", f"{api}/allowances", {"party": "ARD", "minutes": 5}, 403),
        ("ana.costa", "post", f"{api}/speakers/next", None, 403),
        ("ana.costa", "post", f"{api}/speakers/end", None, 403),
        ("ingrid.dahl", "post", f"{api}/speakers", {}, 403),
        ("ana.costa", "post", f"/meetings/{plenary.pk}/agenda/999999/speakers", {}, 404),
        ("ana.costa", "delete", f"{api}/speakers/999999", None, 404),
        ("ana.costa", "post", f"/meetings/{old.pk}/agenda/{old_item.pk}/speakers", {}, 409),
    ]
    for who, method, path, body, status in bad:
        r = send(api_for(who), method, path, body)
        assert r.status_code == status, (who, method, path, r.content)
        assert "<" not in r.content.decode() and r.json()
    assert counts() == before


def test_rest_flow(plenary, item, api_for):
    api = f"/meetings/{plenary.pk}/agenda/{item.pk}"
    r = send(api_for("lena.haas"), "put", f"{api}/allowances", {"party": "ARD", "minutes": 10})
    assert r.status_code == 200, r.content
    assert r.json()["parties"][0]["used_words"] == "0 s of 10 min used"
    r = send(api_for("ana.costa"), "post", f"{api}/speakers", {})
    assert r.status_code == 201, r.content
    r = send(api_for("viktor.kess"), "post", f"{api}/speakers", {"point_of_order": True})
    body = r.json()
    assert [w["member"]["handle"] for w in body["waiting"]] == ["viktor.kess@KES", "ana.costa@ARD"]
    assert body["waiting"][0]["kind_words"] == "Point of order"
    assert send(api_for("ana.costa"), "post", f"{api}/speakers", {}).status_code == 409
    r = send(api_for("lena.haas"), "post", f"{api}/speakers/next")
    assert r.status_code == 200 and r.json()["current"]["member"]["handle"] == "viktor.kess@KES"
    ana_id = r.json()["waiting"][0]["id"]
    r = send(api_for("ana.costa"), "delete", f"{api}/speakers/{ana_id}")
    assert r.status_code == 200 and r.json()["waiting"] == []
    r = send(api_for("pavel.novak"), "post", f"{api}/speakers/end")
    assert r.status_code == 200 and r.json()["current"] is None
    assert [d["party"] for d in r.json()["done"]] == ["KES"]
    r = api_for("ingrid.dahl").get(f"{API}{api}/speakers")  # NOR may read, not speak
    assert r.status_code == 200
    assert r.json()["may_request"] is False and "attending or invited" in r.json()["refusal"]


def test_hidden_member_left_out_like_attendance(plenary, item, viewer, api_for):
    """col.marsh's membership is REL TO ARD: KES sees "1 member not shown", no name, and his
    speech counts in no delegation's time for KES."""
    t0 = plenary.starts_at
    services.request_floor(viewer("col.marsh"), plenary, item.pk, now=t0)
    services.request_floor(viewer("ana.costa"), plenary, item.pk, now=t0)
    lena = viewer("lena.haas")
    services.next_speaker(lena, plenary, item.pk, now=t0 + timedelta(minutes=1))
    services.next_speaker(lena, plenary, item.pk, now=t0 + timedelta(minutes=3))
    later = t0 + timedelta(minutes=4)
    kes = queries.speaking_list(viewer("viktor.kess"), plenary, item, now=later)
    assert (
        kes.hidden == 1
        and names(kes.done) == []
        and kes.current.member.user.username == "ana.costa"
    )
    assert {t.party.code: t.used for t in kes.parties} == {"ARD": 60}
    ard = queries.speaking_list(viewer("ana.costa"), plenary, item, now=later)
    assert ard.hidden == 0 and names(ard.done) == ["col.marsh"]
    assert {t.party.code: t.used for t in ard.parties} == {"ARD": 180}
    body = (
        api_for("viktor.kess").get(f"{API}/meetings/{plenary.pk}/agenda/{item.pk}/speakers").json()
    )
    assert body["speakers_not_shown"] == 1 and "marsh" not in str(body).lower()


def test_caucus_speaking_list_invisible_to_other_parties(
    make_meeting, viewer, api_for, client_for, counts
):
    caucus = make_meeting(
        kind="caucus",
        title="Caucus",
        parties=("MED", "KES"),
        label=LabelValue.of(1, ["KES", "MED"]),
    )
    it = services.add_item(viewer("lena.haas"), caucus, title="Zone width")
    services.request_floor(viewer("viktor.kess"), caucus, it.pk)
    services.set_allowance(viewer("lena.haas"), caucus, it.pk, "KES", 10)
    with pytest.raises(NotFound):
        queries.speaking_list(viewer("ana.costa"), caucus, it)
    before = counts()
    api = f"{API}/meetings/{caucus.pk}/agenda/{it.pk}"
    ana = api_for("ana.costa")
    assert ana.get(f"{api}/speakers").status_code == 404
    for method, path, body in [
        ("post", "/speakers", {}),
        ("post", "/speakers/next", None),
        ("put", "/allowances", {"party": "ARD", "minutes": 5}),
        ("delete", "/speakers/1", None),
    ]:
        r = send(ana, method, f"/meetings/{caucus.pk}/agenda/{it.pk}{path}", body)
        assert r.status_code == 404, (method, path)
    page = f"/p/lake-varna/meetings/{caucus.pk}/items/{it.pk}/speakers/"
    c = client_for("ana.costa")
    assert c.get(page).status_code == 404
    assert c.post(page, {"action": "request"}).status_code == 404
    assert "Zone width" not in c.get(page).content.decode()
    assert counts() == before
    assert client_for("ilya.brant").get(page).status_code == 200
    assert api_for("ilya.brant").get(f"{api}/speakers").json()["waiting"][0]["party"] == "KES"


def test_page_for_two_parties(plenary, item, viewer, client_for):
    lena = viewer("lena.haas")
    services.set_allowance(lena, plenary, item.pk, "ARD", 10)
    services.set_allowance(lena, plenary, item.pk, "KES", 10)
    services.request_floor(viewer("james.whitfield"), plenary, item.pk)
    services.next_speaker(lena, plenary, item.pk)
    services.request_floor(viewer("viktor.kess"), plenary, item.pk)
    services.request_floor(viewer("ilya.brant"), plenary, item.pk, point_of_order=True)
    page = f"/p/lake-varna/meetings/{plenary.pk}/items/{item.pk}/speakers/"
    detail = client_for("ana.costa").get(f"/p/lake-varna/meetings/{plenary.pk}/")
    assert page in detail.content.decode()
    for who in ("lena.haas", "ana.costa", "viktor.kess"):
        r = client_for(who).get(page)
        assert r.status_code == 200
        html = r.content.decode()
        for bad in (
            "object at 0x",
            "SpeakerRow(",
            "PartyTime(",
            "<Speech",
            "None",
            "point_of_order",
        ):
            assert bad not in html.replace('value="point_of_order"', ""), (who, bad)
        assert "Speaking list: 1 Heavy weapons" in html
        assert "James Whitfield" in html and "Point of order" in html
        assert "0 s of 10 min used" in html  # KES
        assert ("Next speaker" in html) == (who == "lena.haas")
        assert ("Set a delegation" in html) == (who == "lena.haas")
    ana = client_for("ana.costa")
    assert "Ask for the floor" in ana.get(page).content.decode()
    r = ana.post(page, {"action": "request"})
    assert r.status_code == 302
    html = ana.get(page).content.decode()
    assert "You are number 3 on the list" in html and ">Withdraw<" in html
    r = ana.post(page, {"action": "request"})
    assert r.status_code == 409 and "already on the speaking list" in r.content.decode()
    r = ana.post(page, {"action": "next"})
    assert r.status_code == 403 and "nly the chair or the rapporteur" in r.content.decode()
    r = client_for("lena.haas").post(page, {"action": "allowance", "party": "ARD", "minutes": "-3"})
    assert r.status_code == 422 and "0 to 240" in r.content.decode()
    r = client_for("lena.haas").post(page, {"action": "next"})
    assert r.status_code == 302
    assert "You have the floor" in client_for("ilya.brant").get(page).content.decode()
    html = ana.get(page, headers={"HX-Request": "true"}).content.decode()
    assert html.lstrip().startswith('<div id="speaking-list"') and "<html" not in html
    assert "Ilya Brant" in html.split("Waiting for the floor")[0]  # the point of order speaks


def test_demo_speaking_list(plenary3, viewer):
    item = plenary3.items.order_by("order", "pk").first()
    sl = queries.speaking_list(viewer("ana.costa"), plenary3, item)
    assert {t.party.code: t.allowed for t in sl.parties} == {"ARD": 600, "KES": 600}
    assert len(sl.waiting) == 2
