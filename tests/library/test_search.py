"""PA-X search, similarity, case studies: queries, REST and pages (the demo's sample rows)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accord.core.errors import Invalid, NotFound
from accord.library import cases, queries
from accord.library.models import PaxAgreement

API = "/api/v1/processes/lake-varna/library"
PAGES = "/p/lake-varna/library"


def names(qs) -> list[str]:
    return [a.name.split(" (")[0] for a in qs]


def test_demo_loads_twelve_sample_rows(demo):
    assert PaxAgreement.objects.filter(sample=True).count() == 12


def test_filters(demo, viewer):
    v = viewer("ana.costa")
    f = queries.agreement_filter(country="sudan")
    assert {a.country for a in queries.agreements(v, f)} == {"Sudan", "South Sudan"}
    f = queries.agreement_filter(stage="Cea")
    assert len(queries.agreements(v, f)) == 2
    f = queries.agreement_filter(agreement_type="Inter")
    assert names(queries.agreements(v, f)) == [
        "Camp David Accords: A Framework for Peace in the Middle East"
    ]
    f = queries.agreement_filter(since="1995-01-01", until="1999-12-31")
    assert {a.date.year for a in queries.agreements(v, f)} == {1995, 1998, 1999}
    f = queries.agreement_filter(topics=["ceasefire", "amnesty"])
    got = {a.country for a in queries.agreements(v, f)}
    assert got == {"Sierra Leone", "Colombia", "Ukraine/Russia", "Indonesia"}
    f = queries.agreement_filter(process="northern ireland", q="belfast")
    assert len(queries.agreements(v, f)) == 1


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"since": "1995-13-01"}, "since '1995-13-01' is not a date"),
        ({"since": "2000-01-01", "until": "1990-01-01"}, "ends before it starts"),
        ({"topics": ["ceasefire", "peace"]}, "unknown topic 'peace'"),
        ({"stage": "Final"}, "unknown stage 'Final'"),
        ({"agreement_type": "Bilateral"}, "unknown agreement type"),
        ({"q": "x" * 201}, "at most 200"),
    ],
)
def test_bad_filters_are_named(kwargs, words):
    with pytest.raises(Invalid, match=words):
        queries.agreement_filter(**kwargs)


def test_similarity_ranks_by_jaccard_and_names_what_the_draft_lacks(demo, viewer):
    v = viewer("ana.costa")
    c = queries.similar_agreements(v, topics=["ceasefire", "ddr", "amnesty", "truth"])
    first = c.results[0]
    # Sierra Leone (Lomé): ceasefire, DDR, amnesty, truth + 6 others
    assert first.agreement.country == "Sierra Leone"
    assert {t.key for t in first.shared} == {"ceasefire", "ddr", "amnesty", "truth"}
    have = set(first.agreement.topics.strip(",").split(","))
    assert first.score == round(4 / len(have | {"ceasefire", "ddr", "amnesty", "truth"}), 3)
    assert {t.key for t in first.lacking} == have - {"ceasefire", "ddr", "amnesty", "truth"}
    scores = [r.score for r in c.results]
    assert scores == sorted(scores, reverse=True)
    assert all(r.shared for r in c.results)
    gap_keys = [t.key for t, _ in c.gaps]
    assert "international_mission" in gap_keys  # Lomé, Aceh, Sudan…: a UN or other force


def test_similarity_from_pam_provision_types(demo, viewer):
    v = viewer("ana.costa")
    c = queries.similar_agreements(v, pam=["cease", "disarm", "time", "roa"])
    assert [t.key for t in c.draft] == ["ceasefire", "ddr"]
    assert c.unmapped == ["time", "roa"]
    with pytest.raises(Invalid, match="unknown PAM provision type 'truce'"):
        queries.similar_agreements(v, pam=["truce"])
    with pytest.raises(Invalid, match="at least one"):
        queries.similar_agreements(v, pam=["time"])


def test_outsiders_see_nothing(demo, viewer):
    from accord.core import access

    nobody = access.Viewer(process=demo, member=None)
    with pytest.raises(NotFound):
        queries.agreements(nobody)
    with pytest.raises(NotFound):
        queries.similar_agreements(nobody, topics=["ceasefire"])


def test_case_studies_hold_the_reference_facts():
    d = cases.case("dayton")
    assert [p.code for p in d.parts] == ["1-A", "1-B", *[str(i) for i in range(2, 12)]]
    by_what = {x.what: x for x in d.deadlines}
    zos = by_what["Forces behind the 2 km zone of separation"]
    assert (zos.anchor, zos.offset.amount, zos.offset.unit) == ("transfer_of_authority", 30, "days")
    assert by_what["Heavy weapons moved to cantonment"].offset.amount == 120
    assert by_what["No imports of heavy weapons"].kind == "for"
    assert str(by_what["Arbitral award on the Brčko area"].on) == "1996-12-14"
    g = cases.case("good-friday")
    assert any("North/South Ministerial Council" == b.name for b in g.bodies)
    dec = next(x for x in g.deadlines if x.part == "DC")
    assert (dec.anchor, dec.offset.amount, dec.offset.unit) == ("referendum", 2, "years")
    cd = cases.case("camp-david")
    treaty = next(x for x in cd.deadlines if x.part == "F2")
    assert (treaty.anchor, treaty.offset.amount, treaty.offset.unit) == ("signature", 3, "months")
    t = cases.template(d)
    assert t["deadlines"][1]["offset"] == {"amount": 30, "unit": "days"}
    assert "cease" in t["provision_types"] and "ceasefire" in t["topics"]
    with pytest.raises(NotFound, match="no case study 'oslo'"):
        cases.case("oslo")


# --- REST ---------------------------------------------------------------------------------
def test_api_search_and_detail(api_for):
    api = api_for("daria.vol")
    r = api.get(f"{API}/agreements", {"topic": ["ceasefire", "ddr"], "since": "2000-01-01"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["count"] == 5 and all(i["sample"] for i in body["items"])
    assert all({"ceasefire", "ddr"} <= set(i["topics"]) for i in body["items"])
    agt = body["items"][0]["agt_id"]
    one = api.get(f"{API}/agreement", {"agt_id": agt}).json()
    assert one["agt_id"] == agt and any(c["column"] == "Ce" for c in one["coding"])
    assert api.get(f"{API}/agreement", {"agt_id": 1}).status_code == 404
    bad = api.get(f"{API}/agreements", {"until": "tomorrow"})
    assert bad.status_code == 422 and "not a date" in bad.json()["error"]["message"]


def test_api_similar_cases_and_template(api_for):
    api = api_for("ana.costa")
    r = api.get(f"{API}/similar", {"provision_type": ["cease", "prisr"], "top": 3})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["draft"] == ["ceasefire", "prisoner_release"] and len(body["results"]) == 3
    assert body["results"][0]["score"] >= body["results"][-1]["score"]
    assert api.get(f"{API}/similar").status_code == 422
    assert [c["key"] for c in api.get(f"{API}/cases").json()] == [
        "dayton", "good-friday", "camp-david"
    ]  # fmt: skip
    t = api.get(f"{API}/case-template", {"case": "good-friday"}).json()
    assert t["case"] == "good-friday" and len(t["bodies"]) >= 4
    assert api.get(f"{API}/case-template", {"case": "oslo"}).status_code == 404


def test_non_members_get_404(demo):
    outsider = get_user_model().objects.create_user("outsider", password="x" * 16)
    c = Client()
    c.force_login(outsider)
    from accord.core.auth import MFA_SESSION_KEY

    s = c.session
    s[MFA_SESSION_KEY] = True
    s.save()
    assert c.get(f"{PAGES}/agreements/").status_code == 404
    assert c.get(f"{PAGES}/cases/dayton/").status_code == 404
    anon = Client()
    assert anon.get(f"{PAGES}/agreements/").status_code == 302  # to sign in
    assert anon.get(f"{API}/agreements").status_code in (401, 404)


# --- pages --------------------------------------------------------------------------------
def test_pages_read_in_words(client_for):
    c = client_for("ana.costa")
    r = c.get(f"{PAGES}/agreements/", {"topic": "ceasefire", "stage": "Cea"})
    html = r.content.decode()
    assert r.status_code == 200
    assert "generated sample rows" in html and "library_import_pax" in html
    assert "2 agreements found" in html and "Ceasefire" in html
    bad = c.get(f"{PAGES}/agreements/", {"since": "soon"})
    assert bad.status_code == 422 and "is not a date" in bad.content.decode()
    agt = PaxAgreement.objects.get(name__startswith="The Belfast").agt_id
    page = c.get(f"{PAGES}/agreements/view/", {"agt": agt}).content.decode()
    assert "Political power sharing" in page and "Government of Ireland" in page
    assert c.get(f"{PAGES}/agreements/view/").status_code == 404
    cmp_ = c.get(f"{PAGES}/compare/", {"case": "dayton"}).content.decode()
    assert "Agreements coded most like Dayton" in cmp_ and "General Framework" in cmp_
    case = c.get(f"{PAGES}/cases/dayton/").content.decode()
    assert "Transfer of authority (D) + 30 days" in case
    assert (
        "International police task force" in case and "&quot;case&quot;: &quot;dayton&quot;" in case
    )
    assert c.get(f"{PAGES}/cases/").status_code == 200
