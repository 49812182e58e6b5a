"""Sources, claims and assessments: lineage and corroboration, Admiralty and ICD 203 rules,
bad input changes nothing, labels decide who sees what."""

from __future__ import annotations

import pytest

from accord.core.errors import Conflict, Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.verification import queries, services
from accord.verification.models import Source
from tests.verification.conftest import needs_bundle


def _sources(v, *specs):
    out = []
    for name, relays in specs:
        out.append(
            services.create_source(
                v, name=name, kind="account", relays=None if relays is None else out[relays].pk
            )
        )
    return out


def test_lineage_roots_decide_independence(demo, viewer):
    sophie = viewer("sophie.martin")
    outlet, a, b, other = _sources(sophie, ("Outlet", None), ("A", 0), ("B", 1), ("Other", None))
    assert services.lineage_root(b) == outlet.pk
    assert services.independent_count([a, b, outlet]) == 1
    assert services.independent_count([a, other]) == 2


def test_confirmed_needs_two_independent_sources(demo, viewer, counts):
    sophie = viewer("sophie.martin")
    outlet, a, b, other = _sources(sophie, ("Outlet", None), ("A", 0), ("B", 0), ("Other", None))
    c = services.create_claim(sophie, text="Relayed three times", sources=[outlet.pk, a.pk, b.pk])
    before = counts()
    with pytest.raises(Conflict, match="two independent sources; this claim has 1 independent"):
        services.assess(sophie, c, status="verified", credibility=1, rationale="seen thrice")
    assert counts() == before
    services.add_claim_source(sophie, c, other.pk)
    a1 = services.assess(sophie, c, status="verified", credibility=1, rationale="two origins")
    assert a1.independent_sources == 2 and a1.rating == "F1"


def test_rating_written_with_source_reliability(demo, viewer):
    sophie = viewer("sophie.martin")
    s = services.create_source(sophie, name="Wire", kind="outlet", reliability="b")
    c = services.create_claim(sophie, text="A wire story", sources=[s.pk])
    a = services.assess(sophie, c, status="in_progress", credibility=2, rationale="r", source=s.pk)
    assert a.rating == "B2"
    assert queries.claim(sophie, c.pk).seen_status == "in_progress"


@pytest.mark.parametrize(
    ("word", "prob", "ok"),
    [
        ("likely", 30, False),
        ("likely", 55, True),
        ("likely", 80, True),
        ("very unlikely", 10, True),
        ("roughly even chance", 60, False),
        ("probable", 60, False),
        ("likely", None, False),
        ("", 40, False),
        ("", None, True),
    ],
)
def test_estimative_word_enforced_against_band(word, prob, ok):
    if ok:
        services.check_estimative(word, prob)
    else:
        with pytest.raises(Invalid):
            services.check_estimative(word, prob)


def test_likely_for_thirty_percent_says_why(demo, viewer, rumour, counts):
    sophie = viewer("sophie.martin")
    before = counts()
    with pytest.raises(Invalid, match=r"“likely” means 55–80 %.*30 % is “unlikely”"):
        services.assess(
            sophie,
            rumour,
            status="false",
            credibility=4,
            rationale="x",
            likelihood="likely",
            probability=30,
        )
    assert counts() == before


@pytest.mark.parametrize("cred", [0, 7, "2", True])
def test_credibility_outside_1_6(demo, viewer, rumour, counts, cred):
    before = counts()
    with pytest.raises(Invalid, match="1–6"):
        services.assess(
            viewer("sophie.martin"), rumour, status="false", credibility=cred, rationale="x"
        )
    assert counts() == before


@pytest.mark.parametrize("rel", ["G", "", "AB", "1"])
def test_reliability_outside_a_f(demo, viewer, counts, rel):
    before = counts()
    with pytest.raises(Invalid, match="A–F"):
        services.create_source(viewer("sophie.martin"), name="X", kind="outlet", reliability=rel)
    assert counts() == before


def test_rating_history_keeps_who_and_when(demo, viewer):
    sophie = viewer("sophie.martin")
    s = services.create_source(sophie, name="Blog", kind="outlet", reliability="C")
    services.rate_source(sophie, s, reliability="D", note="two retractions")
    hist = queries.ratings(sophie, s)
    assert [r.reliability for r in hist] == ["D", "C"]
    assert hist[0].rated_by == sophie.member and hist[0].note == "two retractions"
    assert Source.objects.get(pk=s.pk).reliability == "D"


def test_relay_loop_refused(demo, viewer):
    sophie = viewer("sophie.martin")
    a, b = _sources(sophie, ("A", None), ("B", 0))
    with pytest.raises(Invalid, match="cannot relay itself"):
        services.set_relays(sophie, a, b.pk)


def test_who_may_do_what(demo, viewer, rumour, counts):
    before = counts()
    with pytest.raises(Forbidden, match="assess claims"):
        services.assess(viewer("ana.costa"), rumour, status="false", credibility=5, rationale="x")
    with pytest.raises(Forbidden):
        services.create_source(viewer("ana.costa"), name="X", kind="outlet")
    assert counts() == before
    # any member may report a claim; monitors may add sources
    services.create_claim(viewer("daria.vol"), text="Someone said something")
    services.create_source(viewer("tomas.ruiz"), name="Radio Varna", kind="channel")


@needs_bundle
def test_unknown_disarm_id_writes_nothing(demo, viewer, counts):
    before = counts()
    with pytest.raises(Invalid, match="T0000"):
        services.create_claim(viewer("tomas.ruiz"), text="x", techniques=["T0000"])
    assert counts() == before


def test_labels_hide_claims_sources_and_assessments(demo, viewer):
    sophie = viewer("sophie.martin")
    bel = LabelValue.of(1, ["BEL"])
    s = services.create_source(sophie, name="Belmark insider", kind="person", label=bel)
    c = services.create_claim(sophie, text="Only Belmark reads this", sources=[s.pk], label=bel)
    pub = services.create_claim(sophie, text="Everyone reads this", sources=[s.pk])
    a = services.assess(
        sophie, pub, status="false", credibility=5, rationale="secret reason", label=bel
    )
    ana = viewer("ana.costa")
    with pytest.raises(NotFound):
        queries.claim(ana, c.pk)
    with pytest.raises(NotFound):
        queries.source(ana, s.pk)
    seen = queries.claim(ana, pub.pk)
    assert seen.seen_status is None  # the BEL-only assessment does not show through
    assert list(queries.assessments(ana, pub)) == []
    assert queries.claim_sources(ana, pub) == []
    assert a in list(queries.assessments(sophie, pub))


def test_claim_concerns_a_linked_object(demo, viewer):
    from accord.core import links

    sophie = viewer("sophie.martin")
    kind, oid, _ = links.linkable(sophie, ["negotiation.issue"], limit=1)[0]
    c = services.create_claim(sophie, text="About an issue", concerns=[(kind, oid)])
    assert [(x.kind, x.id) for x in links.targets(sophie, c)] == [(kind, oid)]
    with pytest.raises(NotFound):
        services.create_claim(sophie, text="x", concerns=[("negotiation.issue", 99999)])
    s = services.create_source(sophie, name="Linked", kind="outlet")
    with pytest.raises(Invalid, match="may concern one of"):  # a source is not what it concerns
        services.create_claim(sophie, text="x", concerns=[("verification.source", s.pk)])
