"""The lessons register: stages in order (409 otherwise), who may act, labels, links, search."""

from __future__ import annotations

from datetime import date

import pytest

from accord.core import links
from accord.core.errors import Conflict, Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.ledger.models import Entry
from accord.library import queries, services
from accord.library.models import Lesson

API = "/api/v1/processes/lake-varna/library/lessons"
ALLIES = LabelValue.of(2, ["MED", "ARD", "NOR", "BEL"])


@pytest.fixture
def obs(viewer):
    return services.record_observation(
        viewer("erik.lund"), title="Press line went out late", observation="Two hours late."
    )


def test_demo_has_two_lessons_one_labelled(demo, viewer):
    rows = Lesson.objects.filter(process=demo)
    assert rows.count() == 2
    learned = rows.get(stage="learned")
    assert learned.action_owner.user.username == "tomas.ruiz"
    assert {x.title for x in queries.lessons(viewer("ana.costa"))} == set(
        rows.values_list("title", flat=True)
    )
    assert [x.stage for x in queries.lessons(viewer("daria.vol"))] == ["learned"]


def test_stages_in_order_each_ledgered(demo, viewer, member, obs):
    lena, amara = viewer("lena.haas"), viewer("amara.okafor")
    with pytest.raises(Conflict, match="only from “lesson identified”"):
        services.plan_action(
            lena, obs, action="x", owner_id=member("erik.lund").pk, due="2027-01-01"
        )
    with pytest.raises(Conflict, match="at the stage “observation”"):
        services.validate(amara, obs, note="done")
    services.identify(viewer("erik.lund"), obs, text="Clear lines an hour earlier.")
    with pytest.raises(Conflict):
        services.identify(lena, obs, text="again")
    services.plan_action(lena, obs, action="Draft lines the day before.",
                         owner_id=member("erik.lund").pk, due="2027-01-31")  # fmt: skip
    obs.refresh_from_db()
    assert obs.stage == "action" and obs.action_due == date(2027, 1, 31)
    with pytest.raises(Forbidden, match="manage the process"):
        services.validate(lena, obs, note="worked")
    services.validate(amara, obs, note="Worked in the December round.")
    obs.refresh_from_db()
    assert obs.stage == "learned" and obs.validated_by.user.username == "amara.okafor"
    acts = list(
        Entry.objects.filter(subject_type="library.lesson", subject_id=str(obs.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert acts == [
        "library.lesson_observe", "library.lesson_identify", "library.lesson_action",
        "library.lesson_validate",
    ]  # fmt: skip


def test_who_may_step(demo, viewer, obs):
    # daria.vol (NVF delegate) neither wrote it nor runs meetings or analyses
    with pytest.raises(Forbidden, match="run meetings"):
        services.identify(viewer("daria.vol"), obs, text="x")
    obs.refresh_from_db()
    assert obs.stage == "observation" and obs.lesson == ""


def test_bad_input_writes_nothing(demo, viewer, member, obs):
    lena = viewer("lena.haas")
    before = Entry.objects.count()
    with pytest.raises(Invalid, match="title is required"):
        services.record_observation(lena, title=" ", observation="x")
    with pytest.raises(Invalid, match="at most 4000"):
        services.record_observation(lena, title="t", observation="x" * 4001)
    services.identify(lena, obs, text="lesson")
    before = Entry.objects.count()
    with pytest.raises(Invalid, match="not a date"):
        services.plan_action(lena, obs, action="a", owner_id=member("erik.lund").pk, due="soon")
    with pytest.raises(Invalid, match="not a member"):
        services.plan_action(lena, obs, action="a", owner_id=999999, due="2027-01-01")
    obs.refresh_from_db()
    assert obs.stage == "identified" and Entry.objects.count() == before


def test_owner_must_read_the_lesson(demo, viewer, member):
    ana = viewer("ana.costa")
    x = services.record_observation(ana, title="Allies only", observation="o", label=ALLIES)
    services.identify(ana, x, text="l")
    with pytest.raises(Invalid, match="may not read this lesson"):
        services.plan_action(ana, x, action="a", owner_id=member("daria.vol").pk, due="2027-01-01")
    services.plan_action(ana, x, action="a", owner_id=member("lena.haas").pk, due="2027-01-01")


def test_labels_hide_lessons(demo, viewer):
    ana = viewer("ana.costa")
    x = services.record_observation(ana, title="Allies only", observation="o", label=ALLIES)
    with pytest.raises(NotFound):
        queries.lesson(viewer("daria.vol"), x.pk)
    with pytest.raises(NotFound):
        services.identify(viewer("daria.vol"), x, text="x")
    assert x.pk not in {y.pk for y in queries.search_lessons(viewer("viktor.kess"), "allies")}
    assert x.pk in {y.pk for y in queries.search_lessons(viewer("lena.haas"), "allies")}


def test_link_to_what_changed(demo, viewer):
    lena = viewer("lena.haas")
    x = services.record_observation(lena, title="Clause 4 was ambiguous", observation="o")
    kind, oid, _ = links.linkable(lena, ["negotiation.clause"], limit=1)[0]
    services.link_change(lena, x, kind, oid)
    assert [t.id for t in links.targets(lena, x)] == [oid]
    with pytest.raises(NotFound):
        services.link_change(lena, x, "negotiation.clause", 987654)
    with pytest.raises(NotFound):
        services.link_change(lena, x, "no.such", oid)


def test_search_everywhere_only_my_processes(demo, member):
    user = member("daria.vol").user
    rows = queries.lessons_everywhere(user, "time zones")
    assert [x.title for x in rows] == ["Incident times reported in three different time zones"]
    assert queries.lessons_everywhere(user, "circulated") == []
    with pytest.raises(Invalid, match="unknown stage"):
        queries.lessons_everywhere(user, "", "done")


def test_api_flow_and_conflict(api_for, member):
    api = api_for("lena.haas")
    r = api.post(API, {"title": "Venue access", "observation": "Badges late."},
                 content_type="application/json")  # fmt: skip
    assert r.status_code == 201, r.content
    lid = r.json()["id"]
    r = api.post(f"{API}/{lid}/validate", {"validation": "x"}, content_type="application/json")
    assert r.status_code == 409 and "observation" in r.json()["error"]["message"]
    r = api.post(f"{API}/{lid}/identify", {"lesson": "Badges a day early."},
                 content_type="application/json")  # fmt: skip
    assert r.status_code == 200 and r.json()["stage"] == "identified"
    r = api.post(
        f"{API}/{lid}/action",
        {"action": "Ask for badges two days ahead", "owner_id": member("amara.okafor").pk,
         "due": "2027-02-01"},
        content_type="application/json",
    )  # fmt: skip
    assert r.status_code == 200 and r.json()["action_owner"] == "amara.okafor@MED"
    got = api.get(API, {"q": "badges"}).json()
    assert got["count"] == 1 and got["items"][0]["stage_name"] == "Remedial action"
    assert api_for("daria.vol").get(f"{API}/{lid}").status_code == 200
    everywhere = api_for("daria.vol").get("/api/v1/library/lessons", {"q": "badges"}).json()
    assert [x["id"] for x in everywhere["items"]] == [lid]


def test_pages(client_for, demo):
    c = client_for("ana.costa")
    html = c.get("/p/lake-varna/library/lessons/").content.decode()
    assert "Allied draft positions" in html and "Incident times" in html
    d = client_for("daria.vol").get("/p/lake-varna/library/lessons/").content.decode()
    assert "Allied draft positions" not in d and "Incident times" in d
    r = c.post(
        "/p/lake-varna/library/lessons/",
        {"title": "Interpreters booked late", "observation": "Only one booth.", "label_level": "1"},
    )
    assert r.status_code == 302
    x = Lesson.objects.get(title="Interpreters booked late")
    page = c.get(f"/p/lake-varna/library/lessons/{x.pk}/").content.decode()
    assert "Next: identify the lesson" in page and "usa-step-indicator" in page
    bad = c.post(f"/p/lake-varna/library/lessons/{x.pk}/validate/", {"validation": "x"})
    assert bad.status_code == 409 and "only from" in bad.content.decode()
    learned = Lesson.objects.get(stage="learned", process=demo)
    lp = client_for("daria.vol").get(f"/p/lake-varna/library/lessons/{learned.pk}/")
    assert "Tomás Ruiz" in lp.content.decode() and "Lesson learned" in lp.content.decode()
