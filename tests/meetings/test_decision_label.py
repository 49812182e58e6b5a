"""A proposal's own label: the meeting's combined with the one chosen. A decision under a label
narrower than its meeting's is not found by a member who reads the meeting but not the decision
(the API, the pages, the exports, the meeting's list, the engagement figures, the dispute
subjects); a proposer may only choose a label they could read, and a refusal writes nothing; the
ledger, the live notices and the clocks' mail about the decision carry its label."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from accord.core import access, links
from accord.core.errors import Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue, combine
from accord.core.models import Label
from accord.ledger.models import Entry
from accord.meetings import queries, services
from accord.meetings.models import Decision

from .conftest import API, send

pytestmark = pytest.mark.django_db

PAGE = "/p/lake-varna/meetings"
NARROW = LabelValue.of(1, ["KES", "MED", "NVF"])  # the mediators and the two conflict parties
TEXT = "Exchange the lists of detainees within ten days."


def _narrow(viewer, m, **kw):
    """A proposal to KES and NVF under NARROW, put by the Envoy (the meeting's chair)."""
    base = {
        "title": "Lists of detainees",
        "text": TEXT,
        "rule": "consensus",
        "eligible": ["KES", "NVF"],
        "label": NARROW,
    }
    return services.propose(viewer("lena.haas"), m, **{**base, **kw})


def _decision_entries(d: Decision) -> list[Entry]:
    return list(
        Entry.objects.filter(subject_type="meetings.decision", subject_id=str(d.pk)).order_by("seq")
    )


def test_label_is_the_meetings_combined_with_the_one_chosen(make_meeting, viewer):
    m = make_meeting(starts_in=-1, label=LabelValue.of(2))  # CONFIDENTIAL, every party
    d = _narrow(viewer, m)
    assert d.label.value == combine([m.label.value, NARROW]) == LabelValue.of(2, NARROW.rel_to)
    # a lower level chosen does not lower the decision below its meeting
    low = _narrow(viewer, m, label=LabelValue.of(0, ["KES", "MED", "NVF"]), title="Low")
    assert low.label.value.level == 2
    # a caveat the proposer holds is added
    cav = _narrow(viewer, m, label=LabelValue.of(1, None, ["MEDIATION"]), eligible=["MED"])
    assert cav.label.value == LabelValue.of(2, None, ["MEDIATION"])
    # by default: the meeting's label
    plain = _narrow(viewer, m, label=None, title="Plain")
    assert plain.label_id == m.label_id


def test_narrower_decision_is_not_found_outside_its_label(
    make_meeting, viewer, api_for, client_for, monkeypatch
):
    from accord.meetings import exports

    monkeypatch.setattr(exports, "FONT_DIRS", [])
    m = make_meeting(starts_in=-1)  # RESTRICTED, every party: ana reads the meeting
    d = _narrow(viewer, m)
    ana, kes = api_for("ana.costa"), api_for("viktor.kess")
    one = f"{API}/meetings/{m.pk}/decisions/{d.pk}"
    none = f"{API}/meetings/{m.pk}/decisions/99999999"
    # the API: 404 exactly as for a decision that does not exist
    r, missing = ana.get(one), ana.get(none)
    assert r.status_code == missing.status_code == 404
    assert r.json() == missing.json() and "decision not found" in r.json()["error"]["message"]
    assert ana.get(f"{API}/meetings/{m.pk}").status_code == 200  # the meeting is readable
    assert d.pk not in [x["id"] for x in ana.get(f"{API}/meetings/{m.pk}/decisions").json()]
    for fmt in ("html", "pdf"):
        r = ana.get(f"{one}/export?format={fmt}")
        assert r.status_code == 404 and TEXT.encode() not in r.content
    r = send(ana, "put", f"/meetings/{m.pk}/decisions/{d.pk}/vote", {"choice": "agree"})
    assert r.status_code == 404 and not d.votes.exists()
    # the pages: the decision, its exports, the meeting (which lists it for KES only)
    ana_page = client_for("ana.costa")
    assert ana_page.get(f"{PAGE}/{m.pk}/decisions/{d.pk}/").status_code == 404
    for fmt in ("html", "pdf"):
        r = ana_page.get(f"{PAGE}/{m.pk}/decisions/{d.pk}/export.{fmt}")
        assert r.status_code == 404 and TEXT.encode() not in r.content
    meeting_page = ana_page.get(f"{PAGE}/{m.pk}/").content.decode()
    assert "Lists of detainees" not in meeting_page and f"/decisions/{d.pk}/" not in meeting_page
    assert "No decision put to the parties" in meeting_page
    # the services: neither read, voted on nor closed by a reader outside the label
    with pytest.raises(NotFound, match="decision not found"):
        queries.decision(viewer("ana.costa"), m, d.pk)
    with pytest.raises(NotFound):
        queries.verdict(viewer("ana.costa"), d)
    assert list(queries.decisions(viewer("ana.costa"), m)) == []
    # a dispute cannot name it as its subject
    assert d.pk not in {
        pk for _, pk, _ in links.linkable(viewer("james.whitfield"), ["meetings.decision"])
    }
    with pytest.raises(NotFound):
        services.raise_dispute(
            viewer("james.whitfield"),
            title="t",
            text="x",
            subject_kind="meetings.decision",
            subject_id=d.pk,
        )

    # a member inside the label reads it all, under its own label
    got = kes.get(one).json()
    assert got["label"]["display"] == "RESTRICTED // REL TO KES, MED, NVF"
    assert got["label"]["rel_to"] == ["KES", "MED", "NVF"]
    assert d.pk in [x["id"] for x in kes.get(f"{API}/meetings/{m.pk}/decisions").json()]
    page = client_for("viktor.kess").get(f"{PAGE}/{m.pk}/decisions/{d.pk}/").content.decode()
    assert "RESTRICTED // REL TO KES, MED, NVF" in page
    listed = client_for("viktor.kess").get(f"{PAGE}/{m.pk}/").content.decode()
    assert "Lists of detainees" in listed and "REL TO KES, MED, NVF" in listed
    html = client_for("viktor.kess").get(f"{PAGE}/{m.pk}/decisions/{d.pk}/export.html")
    html = html.content.decode()
    assert html.count(">RESTRICTED // REL TO KES, MED, NVF</div>") == 2 and TEXT in html
    from .test_decision_outcome import _pdf_text

    pdf = client_for("viktor.kess").get(f"{PAGE}/{m.pk}/decisions/{d.pk}/export.pdf")
    text = _pdf_text(pdf.content)
    assert text.startswith("RESTRICTED // REL TO KES, MED, NVF"), text[:80]


def test_engagement_counts_only_readable_decisions(make_meeting, viewer):
    m = make_meeting(starts_in=-1)
    ana, kes = viewer("ana.costa"), viewer("viktor.kess")
    later = timezone.now() + timedelta(days=5)

    def figures(v):
        rows, label = queries.engagement(v, now=later)
        return {r.party.code: (r.confirmations_due, r.confirmed_on_time) for r in rows}, label

    ana_before, kes_before = figures(ana), figures(kes)
    d = _narrow(
        viewer,
        m,
        rule="ad_referendum",
        closes_at=timezone.now() + timedelta(days=1),
        title="Confirm the lists",
    )
    services.cast_vote(kes, m, d.pk, choice="confirm")
    assert figures(ana) == ana_before  # not counted, and the label of the figures unchanged
    rows, label = figures(kes)
    assert rows["KES"] == (kes_before[0]["KES"][0] + 1, kes_before[0]["KES"][1] + 1)
    assert rows["NVF"][0] == kes_before[0]["NVF"][0] + 1
    # derived from the decision: carries its label
    assert label.dominates(d.label.value) and label.rel_to <= {"KES", "MED", "NVF"}
    page = queries.engagement(ana)[1]
    assert page.rel_to is None or "ARD" in page.rel_to


def test_a_label_the_proposer_could_not_read_is_refused_and_nothing_written(
    make_meeting, viewer, counts, api_for, client_for
):
    m = make_meeting(starts_in=-1)
    pavel = viewer("pavel.novak")  # the rapporteur: MED, CONFIDENTIAL, MEDIATION
    before, labels = counts(), Label.objects.count()
    cases = [
        (Forbidden, "above your clearance", LabelValue.of(3), ["KES"]),
        (Forbidden, "REL TO must include your own party", LabelValue.of(1, ["KES", "NVF"]), []),
        (Forbidden, "caveat", LabelValue.of(1, None, ["MILOPS"]), []),
        (Invalid, "releasable to the eligible parties", NARROW, ["ARD", "KES"]),
    ]
    for exc, words, label, eligible in cases:
        with pytest.raises(exc) as err:
            services.propose(
                pavel,
                m,
                title="Refused",
                text="x",
                rule="consensus",
                eligible=eligible or ["KES"],
                label=label,
            )
        assert words in err.value.message, (words, err.value.message)
    # a label neither officer may read (they hold no MILOPS): nobody could close it
    with pytest.raises(Invalid, match="neither the chair nor the rapporteur"):
        services.propose(
            viewer("amara.okafor"),
            m,
            title="Refused",
            text="x",
            rule="consensus",
            eligible=["MED"],
            label=LabelValue.of(1, None, ["MILOPS"]),
        )
    assert counts() == before and Label.objects.count() == labels
    # the API: a clear 4xx, nothing written
    r = send(
        api_for("pavel.novak"),
        "post",
        f"/meetings/{m.pk}/decisions",
        {
            "title": "Refused",
            "text": "x",
            "rule": "consensus",
            "eligible": ["KES"],
            "label": {"level": 3},
        },
    )
    assert r.status_code == 403 and "clearance" in r.json()["error"]["message"]
    r = send(
        api_for("pavel.novak"),
        "post",
        f"/meetings/{m.pk}/decisions",
        {
            "title": "Refused",
            "text": "x",
            "rule": "consensus",
            "eligible": ["ARD"],
            "label": {"level": 1, "rel_to": ["KES", "MED", "NVF"]},
        },
    )
    assert r.status_code == 422 and "ARD may not read it" in r.json()["error"]["message"]
    # the page's form: the same refusal in words, the form kept
    r = client_for("pavel.novak").post(
        f"{PAGE}/{m.pk}/decisions/",
        {
            "title": "Refused",
            "text": "x",
            "rule": "consensus",
            "eligible": ["KES", "NVF"],
            "label_level": "1",
            "label_rel_to": ["KES", "NVF"],
        },
    )
    assert r.status_code == 403 and "REL TO must include your own party" in r.content.decode()
    assert counts() == before and Label.objects.count() == labels
    assert not Decision.objects.filter(title="Refused").exists()


def test_page_form_and_api_take_a_label(make_meeting, client_for, api_for):
    m = make_meeting(starts_in=-1)
    lena = client_for("lena.haas")
    form = lena.get(f"{PAGE}/{m.pk}/").content.decode()
    assert 'id="d-label-level"' in form and 'name="label_rel_to"' in form
    r = lena.post(
        f"{PAGE}/{m.pk}/decisions/",
        {
            "title": "Page proposal",
            "text": TEXT,
            "rule": "consensus",
            "eligible": ["KES", "NVF"],
            "label_level": "1",
            "label_rel_to": ["KES", "MED", "NVF"],
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    d = Decision.objects.get(meeting=m, title="Page proposal")
    assert d.label.value == NARROW
    r = send(
        api_for("lena.haas"),
        "post",
        f"/meetings/{m.pk}/decisions",
        {
            "title": "API proposal",
            "text": TEXT,
            "rule": "consensus",
            "eligible": ["KES", "NVF"],
            "label": {"level": 2, "rel_to": ["KES", "MED", "NVF"]},
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["label"]["display"] == "CONFIDENTIAL // REL TO KES, MED, NVF"
    r = send(
        api_for("lena.haas"),
        "post",
        f"/meetings/{m.pk}/decisions",
        {"title": "Default", "text": TEXT, "rule": "consensus", "eligible": ["ARD"]},
    )
    assert r.status_code == 201 and r.json()["label"]["display"] == "RESTRICTED"


def test_ledger_notices_and_clocks_carry_the_decisions_label(
    make_meeting, viewer, member, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    m = make_meeting(starts_in=-1)
    ana = viewer("ana.costa")
    now = timezone.now()
    with mock.patch("accord.meetings.services.events.notify") as notify:
        d = _narrow(viewer, m, rule="silence", closes_at=now + timedelta(hours=2))
        sent = [c.args for c in notify.call_args_list if c.args[1] == "meetings.decision"]
    assert sent and all(d.label_id in labels for *_, labels in sent)
    mail.outbox = []
    with mock.patch("accord.meetings.services.events.notify") as notify:
        services.run_decision_clocks(now + timedelta(hours=3))  # silence kept: adopted
        sent = [c.args for c in notify.call_args_list if c.args[2].get("decision") == d.pk]
    d.refresh_from_db()
    assert d.status == "closed" and d.outcome == "adopted"
    assert sent and all(d.label_id in labels for *_, labels in sent)
    told = [e for e in mail.outbox if "Lists of detainees" in e.subject]
    assert told and all(e.subject.startswith("[RESTRICTED // REL TO KES, MED, NVF]") for e in told)
    readers = {
        mem.user.email
        for mem in member("lena.haas").process.members.select_related("user", "party")
        if mem.party.code in ("KES", "MED", "NVF")
    }
    assert {to for e in told for to in e.to} <= readers
    assert member("ana.costa").user.email not in {to for e in told for to in e.to}
    # the outcome and its review reminder
    services.record_outcome(
        viewer("lena.haas"),
        m,
        d.pk,
        statement="The lists are exchanged.",
        review_on=services.meeting_today(m) + timedelta(days=2),
    )
    mail.outbox = []
    services.send_review_reminders(now + timedelta(days=3))
    told = [e for e in mail.outbox if "Lists of detainees" in e.subject]
    assert told and {to for e in told for to in e.to} <= readers
    d.refresh_from_db()
    entries = _decision_entries(d)
    actions = {e.action for e in entries}
    assert {
        "meetings.decision.propose",
        "meetings.decision.outcome",
        "meetings.decision.review_reminder",
    } <= actions and any(a.startswith("meetings.decision.outcome") for a in actions)
    for e in entries:
        assert e.label.value.dominates(d.label.value), (e.action, e.label.value)
        assert not access.can_read(ana, e.label.value), e.action
    assert entries[0].payload["state"]["label"] == d.label_id
