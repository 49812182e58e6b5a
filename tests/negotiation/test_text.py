"""The single negotiating text: brackets, versions, stances, agreement, amendments, signatures."""

from __future__ import annotations

import hashlib

import pytest

from accord.core.errors import Conflict, Forbidden
from accord.ledger.models import Entry
from accord.negotiation import queries, services, textstate
from accord.negotiation.models import ClauseText, Signature, Version

pytestmark = pytest.mark.django_db


def _clause(view, number):
    return next(c for a in view.articles for c in a.clauses if c.number == number)


def test_bracket_lifecycle(doc, viewer, clause_no):
    lena = viewer("lena.haas")
    before = queries.text(lena, doc)
    c21 = _clause(before, "2.1")
    assert c21.text == (
        "Heavy weapons shall be withdrawn to a distance of [10 km / 15 km / 20 km] "
        "from the Varna line."
    )
    assert [a["by"] for a in c21.open_brackets[0]["alts"]] == ["NVF", "MED", "KES"]
    # KES accepts the bracketed clause; the stance is current only while the text is unchanged
    services.record_stance(viewer("viktor.kess"), doc, clause_no("2.1"), stance="accept", version=1)
    assert "KES" in _clause(queries.text(lena, doc), "2.1").stances
    v2 = services.resolve_bracket(
        lena, doc, clause_no("2.1"), bracket=c21.open_brackets[0]["b"], choice=1, base_version=1
    )
    assert v2.number == 2
    after = queries.text(lena, doc)
    c = _clause(after, "2.1")
    assert c.text == "Heavy weapons shall be withdrawn to a distance of 15 km from the Varna line."
    assert c.open_brackets == [] and c.clause_id == c21.clause_id  # identity is stable
    assert "KES" not in c.stances  # the text changed: KES must say again
    assert after.status.open_brackets == before.status.open_brackets - 1
    # version 1 is immutable and still readable; stances of v1 still show there
    old = queries.text(lena, doc, 1)
    assert _clause(old, "2.1").text == c21.text and "KES" in _clause(old, "2.1").stances
    # the diff of 1 → 2 names exactly that clause, word by word
    diff = queries.compare(lena, doc, 1, 2)
    changed = [d for d in diff if d.status != "unchanged"]
    assert [d.clause_id for d in changed] == [c21.clause_id]
    assert [(w.old, w.new) for w in changed[0].words if w.op != "equal"] == [
        ("[10 km / ", ""),
        (" / 20 km]", ""),
    ]
    assert queries.compare(lena, doc, 2, 2) and all(
        d.status == "unchanged" for d in queries.compare(lena, doc, 2, 2)
    )
    entry = Entry.objects.filter(action="text.version").order_by("-seq").first()
    assert entry.subject_id == str(v2.pk) and entry.label_id == doc.label_id


def test_stance_aggregation_and_ad_ref(doc, viewer, clause_no):
    view = queries.text(viewer("lena.haas"), doc)
    c11 = _clause(view, "1.1")
    assert sorted(c11.stances) == sorted(doc.required_parties)
    assert c11.status == "agreed_ad_ref"  # BEL accepted ad referendum
    assert _clause(view, "2.2").status == "open"
    assert "KES: reject" in _clause(view, "2.2").blockers
    assert view.status.reservations == {"KES": ["2.2"], "NVF": ["4.1"]}
    assert view.status.status == "open"
    # BEL's cabinet confirms: the clause becomes agreed; the latest stance of a party wins
    services.record_stance(viewer("marc.dubois"), doc, clause_no("1.1"), stance="accept", version=1)
    assert _clause(queries.text(viewer("lena.haas"), doc), "1.1").status == "agreed"
    services.record_stance(viewer("ilya.brant"), doc, clause_no("1.1"), stance="reserve", version=1)
    c = _clause(queries.text(viewer("lena.haas"), doc), "1.1")
    assert c.status == "open" and c.stances["KES"].stance == "reserve"


@pytest.fixture
def small(demo, viewer):
    """A two-clause text between KES and NVF, one clause bracketed."""
    return services.create_document(
        viewer("lena.haas"),
        title="Side letter",
        required_parties=["KES", "NVF"],
        articles=[
            ("Only", ["Hostilities cease.", "Talks resume in [Varna {KES} / Geneva {NVF}]."])
        ],
    )


def _accept_all(doc, viewer, version):
    for user in ("viktor.kess", "daria.vol"):
        for c in queries.text(viewer("lena.haas"), doc).articles[0].clauses:
            services.record_stance(
                viewer(user),
                doc,
                queries.clause(doc, c.clause_id),
                stance="accept",
                version=version,
            )


def test_nothing_agreed_until_everything_agreed_then_signature_binds_hash(small, viewer):
    lena, kes, nvf = viewer("lena.haas"), viewer("viktor.kess"), viewer("daria.vol")
    _accept_all(small, viewer, 1)
    view = queries.text(lena, small)
    assert [c.status for c in view.articles[0].clauses] == ["agreed", "open"]  # bracket open
    assert view.status.status == "open"
    with pytest.raises(Conflict, match="not fully agreed"):
        services.sign_version(kes, small, version=1)
    bracket = view.articles[0].clauses[1].open_brackets[0]["b"]
    clause2 = queries.clause(small, view.articles[0].clauses[1].clause_id)
    services.resolve_bracket(lena, small, clause2, bracket=bracket, choice=0, base_version=1)
    assert queries.text(lena, small).status.status == "open"  # clause 2 changed: stances stale
    _accept_all(small, viewer, 2)
    view = queries.text(lena, small)
    assert view.status.status == "agreed"
    sig_k = services.sign_version(kes, small, version=2)
    sig_n = services.sign_version(nvf, small, version=2)
    expected = hashlib.sha256(textstate.canonical(small.title, view.articles)).hexdigest()
    assert sig_k.content_hash == sig_n.content_hash == view.version.content_hash == expected
    assert (
        Entry.objects.get(action="text.sign", subject_id=str(sig_k.pk)).payload["content_hash"]
        == expected
    )
    with pytest.raises(Conflict, match="already signed"):
        services.sign_version(kes, small, version=2)
    # amending a signed version is refused; the pen holder must open a new version
    with pytest.raises(Conflict, match="signed"):
        services.edit_clause(lena, small, clause2, text="Talks resume in Oslo.", base_version=2)
    with pytest.raises(Conflict, match="signed"):
        services.propose_amendment(
            nvf, small, kind="replace", clause_id=clause2.pk, text="Oslo.", base_version=2
        )
    v3 = services.reopen(lena, small)
    assert v3.content_hash == expected  # same text, same hash; but no signatures yet
    assert not v3.signatures.exists()
    v4 = services.edit_clause(lena, small, clause2, text="Talks resume in Oslo.", base_version=3)
    assert v4.content_hash != expected  # the hash binds the text
    assert Signature.objects.filter(version__number=2, version__document=small).count() == 2
    assert queries.text(lena, small, 2).content_hash == expected  # v2 never changes
    with pytest.raises(Conflict, match="only the current version"):
        services.sign_version(kes, small, version=2)


def test_concurrent_edit_of_same_clause_gets_409_with_current_version(small, viewer):
    lena, amara = viewer("lena.haas"), viewer("amara.okafor")
    view = queries.text(lena, small)
    c1, c2 = (queries.clause(small, c.clause_id) for c in view.articles[0].clauses)
    services.edit_clause(lena, small, c1, text="All hostilities cease.", base_version=1)
    n_versions = Version.objects.filter(document=small).count()
    with pytest.raises(Conflict) as exc:
        services.edit_clause(amara, small, c1, text="Hostilities end.", base_version=1)
    assert exc.value.status == 409
    assert exc.value.fields["current_version"] == "2"
    assert exc.value.fields["current_text"] == "All hostilities cease."
    assert Version.objects.filter(document=small).count() == n_versions
    assert _clause(queries.text(lena, small), "1.1").text == "All hostilities cease."
    # an edit of another clause, made from the same old version, does not conflict
    v = services.edit_clause(
        amara, small, c2, text="Talks resume in [Varna / Geneva / Oslo {CSU}].", base_version=1
    )
    texts = [c.text for c in queries.text(lena, small).articles[0].clauses]
    assert v.number == 3 and texts[0] == "All hostilities cease."
    segs = ClauseText.objects.get(version=v, clause=c2).segments
    assert [a["by"] for a in segs[1]["alts"]] == ["KES", "NVF", "CSU"]  # unchanged ones kept


def test_amendment_accepted_only_by_the_pen(doc, viewer, clause_no):
    from accord.negotiation.models import Amendment

    am = Amendment.objects.get(document=doc, party__code="NVF")
    services.comment_amendment(viewer("viktor.kess"), am, "Annex A must be agreed first.")
    with pytest.raises(Forbidden):
        services.decide_amendment(viewer("viktor.kess"), am, accept=True)
    am.refresh_from_db()
    assert am.status == "proposed"
    services.decide_amendment(viewer("lena.haas"), am, accept=True)
    am.refresh_from_db()
    assert am.status == "accepted" and am.result_version.number == 2
    assert (
        "corridors listed in Annex A" in _clause(queries.text(viewer("lena.haas"), doc), "4.1").text
    )
    with pytest.raises(Conflict, match="already accepted"):
        services.decide_amendment(viewer("lena.haas"), am, accept=False)
    # insert and delete
    lena = viewer("lena.haas")
    art = queries.text(lena, doc).articles[3].article_id
    ins = services.propose_amendment(
        viewer("daria.vol"),
        doc,
        kind="insert",
        article_id=art,
        base_version=2,
        text="Corridors open within [48 / 72] hours.",
    )
    services.decide_amendment(lena, ins, accept=True)
    view = queries.text(lena, doc)
    assert _clause(view, "4.2").text == "Corridors open within [48 / 72] hours."
    assert _clause(view, "4.2").open_brackets[0]["alts"][0]["by"] == "NVF"
    dele = services.propose_amendment(
        viewer("viktor.kess"), doc, kind="delete", clause_id=clause_no("2.2").pk, base_version=3
    )
    services.decide_amendment(lena, dele, accept=True)
    view = queries.text(lena, doc)
    assert [c.number for c in view.articles[1].clauses] == ["2.1"]
    diff = queries.compare(lena, doc, 3, 4)
    assert [d.status for d in diff if d.status != "unchanged"] == ["removed"]


def test_a_process_with_negotiation_data_can_be_deleted_but_not_its_parties(viewer):
    """RESTRICT, not PROTECT: `accord demo --reset` deletes everything of a process, while a
    party, label or member that a position, stance or signature points at cannot go alone."""
    from django.db.models import RestrictedError

    from accord.core import services as core
    from accord.core.access import viewer_of
    from accord.negotiation.models import Position

    proc = core.create_process(None, name="Small talks")
    med = core.add_party(None, proc, code="MED", name="Envoy", kind="mediator")
    kes = core.add_party(None, proc, code="KES", name="Kestria", kind="conflict_party")
    pen = core.add_member(
        None,
        proc,
        user=core.create_user(username="pen1", password="a-long-demo-pass-1"),
        party=med,
        clearance=2,
        caveats=["MEDIATION"],
        roles=["mediator"],
    )
    hod = core.add_member(
        None,
        proc,
        user=core.create_user(username="hod1", password="a-long-demo-pass-1"),
        party=kes,
        clearance=2,
        roles=["head_of_delegation"],
    )
    lena, kv = viewer_of(pen), viewer_of(hod)
    iss = services.create_issue(lena, title="Distance", kind="numeric", minimum=0, maximum=9)
    services.state_position(kv, iss, preferred_value=3)
    d = services.create_document(lena, title="T", articles=[("A", ["Calm."])])
    cl = queries.clause(d, queries.text(lena, d).articles[0].clauses[0].clause_id)
    services.record_stance(kv, d, cl, stance="accept", version=1)
    services.sign_version(kv, d, version=1)
    with pytest.raises(RestrictedError):
        kes.delete()
    from accord.ledger.models import Entry, Log

    Entry.objects.filter(log__process=proc).delete()  # as core.demo.reset_demo does
    Log.objects.filter(process=proc).delete()
    proc.delete()
    assert not Position.objects.filter(party_id=kes.pk).exists()
    assert not Signature.objects.filter(party_id=kes.pk).exists()
