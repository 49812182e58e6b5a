"""Agreements from the signed text (through negotiation's queries), proposals confirmed by a
person, anchors that move their deadlines, reported ≠ verified, and refusals that write nothing."""

from datetime import date, timedelta

import pytest

from accord.core.errors import Conflict, Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.implementation import queries, services
from accord.implementation.models import Agreement, AnchorEvent, Commitment, Provision
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db


def test_agreement_from_signed_text_binds_hash_and_only_proposes(signed_text, viewer, counts):
    from accord.negotiation import queries as negotiation

    amara = viewer("amara.okafor")
    before = counts()
    a = services.create_from_text(amara, document_id=signed_text.pk)
    view = negotiation.text(amara, signed_text)
    assert a.content_hash == view.content_hash and a.source_version == 1
    assert a.signatories == ["KES", "NVF"] and a.status == "signed"
    assert [p.number for p in a.provisions.all()] == ["1.1", "1.2", "2.1"]
    props = list(queries.proposals(amara, a))
    assert [(p.kind, p.amount, p.anchor_key, p.date) for p in props] == [
        ("relative", 30, "entry_into_force", None),
        ("absolute", None, "", date(2027, 6, 1)),
        ("relative", 45, "transfer_of_authority", None),
    ]
    after = counts()
    assert after["Commitment"] == before["Commitment"]  # never created silently
    entry = Entry.objects.get(action="implementation.agreement", subject_id=str(a.pk))
    assert entry.payload["content_hash"] == view.content_hash and entry.payload["proposals"] == 3

    # a person confirms: the first counts from entry into force, which has not happened yet
    c1 = services.confirm_proposal(
        amara,
        props[0],
        what="Open the northern crossing",
        responsible=["KES"],
        verification_body="VMM",
    )
    assert c1.deadline is None and queries.standing(c1).key == "waiting"
    services.set_anchor_date(amara, a, "entry_into_force", "2027-01-10")
    c1.refresh_from_db()
    assert c1.deadline == date(2027, 2, 9)
    assert Agreement.objects.get(pk=a.pk).status == "in_force"
    # the absolute date, and the unknown event named by the person (added as asked)
    c2 = services.confirm_proposal(amara, props[1], what="Let convoys pass", responsible=["NVF"])
    assert c2.due_date == date(2027, 6, 1) and c2.source_phrase == "no later than 1 June 2027"
    with pytest.raises(Invalid, match="unknown event"):
        services.confirm_proposal(amara, props[2], what="Clear the roads", responsible=["KES"])
    c3 = services.confirm_proposal(
        amara,
        props[2],
        what="Clear the roads",
        responsible=["KES"],
        anchor_name="Transfer of authority",
    )
    assert c3.anchor.key == "transfer_of_authority" and c3.deadline is None
    with pytest.raises(Conflict, match="already confirmed"):
        services.dismiss_proposal(amara, props[2])
    with pytest.raises(Conflict, match="already made"):
        services.create_from_text(amara, document_id=signed_text.pk)


def test_an_unsigned_text_makes_no_agreement(demo, viewer, counts):
    from accord.negotiation import queries as negotiation

    amara = viewer("amara.okafor")
    doc = negotiation.documents(amara).first()
    before = counts()
    with pytest.raises(Conflict, match="not signed"):
        services.create_from_text(amara, document_id=doc.pk)
    with pytest.raises(Forbidden):
        services.create_from_text(viewer("ana.costa"), document_id=doc.pk)
    assert counts() == before


def test_anchor_date_moves_every_dependent_deadline(varna, viewer):
    amara = viewer("amara.okafor")
    toa = varna.anchors.get(key="transfer_of_authority")
    deps = list(Commitment.objects.filter(anchor=toa))
    assert len(deps) == 2
    before = {c.pk: c.deadline for c in deps}
    services.set_anchor_date(amara, varna, toa.key, toa.occurred_on + timedelta(days=10))
    for c in Commitment.objects.filter(anchor=toa):
        assert c.deadline == before[c.pk] + timedelta(days=10)
    services.set_anchor_date(amara, varna, toa.key, None)
    assert all(c.deadline is None for c in Commitment.objects.filter(anchor=toa))
    assert Entry.objects.filter(action="implementation.anchor_date").count() == 2


def test_reported_is_not_verified(varna, viewer):
    rows = queries.commitments(viewer("amara.okafor"), agreement_id=varna.pk, state="overdue")
    c = next(c for c, _ in rows if "KES" in c.responsible and c.verification_body == "CSU")
    kes = viewer("viktor.kess")
    services.report(kes, c, kind="done", text="Law adopted.", evidence="Official gazette no. 41.")
    c.refresh_from_db()
    assert queries.standing(c).key == "reported" and c.verified_done_at is None
    with pytest.raises(Forbidden, match="verification body"):
        services.verify(kes, c, verified=True, text="We verified it.", evidence="Ourselves.")
    with pytest.raises(Forbidden, match="verification body"):
        services.verify(viewer("tomas.ruiz"), c, verified=True, text="Seen.", evidence="Patrol.")
    services.verify(
        viewer("omar.said"), c, verified=True, text="Checked the gazette.", evidence="Gazette 41."
    )
    c.refresh_from_db()
    assert queries.standing(c).key == "verified"
    # a party that must not act may not report; reports need evidence when done
    with pytest.raises(Forbidden):
        services.report(viewer("ana.costa"), c, kind="progress", text="We hear it is done.")
    with pytest.raises(Conflict):
        services.report(kes, c, kind="done", text="Again.", evidence="x")


def test_bad_input_names_the_fault_and_writes_nothing(varna, viewer, counts):
    amara = viewer("amara.okafor")
    p = Provision.objects.filter(agreement=varna).first()
    before = counts()
    cases = [
        (dict(anchor="ratification", amount=30, unit="days"), "unknown event"),
        (dict(anchor="signature", amount=30, unit="fortnights"), "unit"),
        (dict(anchor="signature", amount=-3, unit="days"), "whole number"),
        (dict(anchor="signature", amount=3, unit="days", due_date="2027-01-01"), "not both"),
        (dict(amount=3, unit="days"), "anchor event"),
        (dict(due_date="2027-02-30"), "date"),
        (dict(due_date="2027-02-01", responsible=["XYZ"]), "not in this process"),
    ]
    for kwargs, match in cases:
        kwargs.setdefault("responsible", ["KES"])
        with pytest.raises(Invalid, match=match):
            services.add_commitment(amara, p, what="Something", **kwargs)
    for bad in (4, -1, True, "2"):
        with pytest.raises(Invalid, match="PAM score"):
            services.score(viewer("sophie.martin"), p, period=1, value=bad, evidence="x")
    with pytest.raises(Invalid, match="not begun"):
        services.score(viewer("sophie.martin"), p, period=9, value=1, evidence="x")
    with pytest.raises(Invalid, match="not one of the 51"):
        services.tag_provision(amara, p, types=["cease", "peace"], themes=[])
    with pytest.raises(Invalid, match="before signature"):
        services.set_anchor_date(
            amara, varna, "entry_into_force", varna.signed_on - timedelta(days=1)
        )
    with pytest.raises(Forbidden):
        services.add_commitment(
            viewer("ana.costa"), p, what="x", responsible=["KES"], due_date="2027-01-01"
        )
    with pytest.raises(Forbidden):
        services.score(viewer("ana.costa"), p, period=1, value=1, evidence="x")
    assert counts() == before


def test_score_aggregation_from_readable_scores_only(varna, viewer):
    amara, ana = viewer("amara.okafor"), viewer("ana.costa")
    r = queries.rates(amara, varna)
    assert r.periods == [1, 2]
    y1 = [3, 3, 2, 1, 2, 1, 1, 0, 0]
    y2 = [3, 3, 3, 2, 3, 2, 1, 1, 1]
    assert (r.overall[0].total, r.overall[0].scored) == (sum(y1), 9)
    assert r.overall[0].percent == round(sum(y1) / 27 * 100, 1)
    assert r.overall[1].percent == round(sum(y2) / 27 * 100, 1)
    # per theme: Humanitarian = 4.1 and 5.1
    assert r.by_theme["Humanitarian"][0].percent == round((1 + 1) / 6 * 100, 1)
    # per party: NVF must act under 1.1, 1.2, 2.1, 2.2 and 5.1
    assert r.by_party["NVF"][1].scored == 5
    assert r.label.rel_to is None or "ARD" not in r.label.rel_to  # derived from a REL TO score
    # ana (ARD) does not read 5.1's scores: fewer scored, a different derived label
    ra = queries.rates(ana, varna)
    assert ra.overall[0].scored == 8 and ra.overall[0].total == sum(y1) - 1
    assert ra.label == LabelValue.of(0)
    assert "KES" not in ra.by_party or ra.by_party["KES"][0].scored <= 8


def test_only_readable_commitments_and_other_process_is_404(varna, viewer, demo):
    from accord.core.models import Label, Process

    other = Process.objects.create(name="Elsewhere", slug="elsewhere")
    lab = Label.objects.create(process=other, key="U", level=0, rel_to=None, caveats=[])
    a = Agreement.objects.create(
        process=other, title="Other", label=lab, signed_on=date(2026, 1, 1)
    )
    p = Provision.objects.create(agreement=a, number="1", text="x")
    c = Commitment.objects.create(provision=p, agreement=a, what="x", label=lab)
    AnchorEvent.objects.create(agreement=a, key="signature", name="Signature")
    with pytest.raises(NotFound):
        services.report(viewer("tomas.ruiz"), c, kind="progress", text="x")
    with pytest.raises(NotFound):
        queries.commitment(viewer("amara.okafor"), c.pk)
