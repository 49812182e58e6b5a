"""The HTML pages of concerns, disputes, procedures and engagement: what each shows a reader
(names and words, never codes or Python reprs), what an unreadable concern or dispute gives
(404, absent from the lists), and the acts through their forms (refusals in words, with their
status, writing nothing)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accord.core.labels import LabelValue
from accord.meetings import services
from accord.meetings.models import Concern, Dispute, DisputeSubmission
from accord.meetings.views import hours_words, time_left

pytestmark = pytest.mark.django_db

P = "/p/lake-varna"
REPRS = ("{'", "None", "<Concern", "<Dispute", "<Party", "<Member", "[{", "object at 0x")


def _main(response) -> str:
    """The page's main content (the header and footer are other pages' business)."""
    text = response.content.decode()
    return text.split('id="main-content"', 1)[1].split("<footer", 1)[0]


def _error(response) -> str:
    """The error alert of a page re-rendered after a refused act, lower case ("" if none)."""
    m = re.search(
        r'usa-alert--error usa-alert--slim" role="alert">.*?<p[^>]*>(.*?)</p>',
        _main(response),
        re.S,
    )
    return m.group(1).lower() if m else ""


def _clean(text: str) -> None:
    for bad in REPRS:
        assert bad not in text, f"{bad!r} on the page: …{text[text.find(bad) - 200 :][:400]}…"


def _concern(viewer, username="ana.costa", **kw):
    base = {
        "title": "Shelling near Varna bridge",
        "text": "Reports of shelling near the bridge on Tuesday night.",
        "about": "incident",
        "addressed_to": "KES",
        "severity": "high",
    }
    return services.raise_concern(viewer(username), **{**base, **kw})


def _dispute(viewer, username="james.whitfield", **kw):
    base = {
        "title": "Withdrawal of heavy weapons",
        "text": "Kestria has not withdrawn its artillery from the 15 km zone.",
        "against": "KES",
    }
    return services.raise_dispute(viewer(username), **{**base, **kw})


# --- words -----------------------------------------------------------------------------------
def test_durations_and_clocks_in_words():
    assert hours_words(None) == "—"
    assert hours_words(0.2) == "under an hour"
    assert hours_words(1) == "1 hour"
    assert hours_words(5.4) == "5 hours"
    assert hours_words(24) == "24 hours"
    assert hours_words(48) == "2 days"
    assert hours_words(60) == "2.5 days"
    now = timezone.now()
    assert time_left(now + timedelta(days=3, hours=2), now) == "3 days left"
    assert time_left(now + timedelta(hours=5, minutes=10), now) == "5 hours left"
    assert time_left(now - timedelta(minutes=1), now) == "overdue"
    assert time_left(None, now) == ""


# --- concerns --------------------------------------------------------------------------------
def test_concerns_register_shows_words_and_hides_unreadable(demo, viewer, client_for):
    c = _concern(viewer)
    secret = _concern(
        viewer,
        title="Bilateral worry",
        addressed_to="NOR",
        label=LabelValue.of(1, ["ARD", "NOR"]),
    )
    late = _concern(viewer, title="Late answer on the corridors", severity="low")
    Concern.objects.filter(pk=late.pk).update(acknowledge_by=timezone.now() - timedelta(hours=1))

    r = client_for("viktor.kess").get(f"{P}/concerns/")
    assert r.status_code == 200
    text = _main(r)
    _clean(text)
    assert "Shelling near Varna bridge" in text and "Government of Kestria" in text
    assert "Ana Costa" in text and "High" in text and "Awaiting acknowledgement" in text
    assert "Overdue: acknowledgement" in text
    assert "Bilateral worry" not in text  # REL TO ARD, NOR
    assert "High:</strong> acknowledge within 24 hours, respond within 2 days" in text
    assert "Raise a concern" in text and 'name="label_level"' in text
    assert "usa-table--stacked" in text  # a card per concern on a phone

    # filters: status and the party addressed
    kes = client_for("viktor.kess")
    text = _main(kes.get(f"{P}/concerns/?status=overdue"))
    assert "Late answer on the corridors" in text and "Shelling near Varna bridge" not in text
    text = _main(kes.get(f"{P}/concerns/?status=closed"))
    assert "Shelling near Varna bridge" not in text and "matches these filters" in text
    text = _main(client_for("ana.costa").get(f"{P}/concerns/?party=NOR"))
    assert "Bilateral worry" in text and "Shelling near Varna bridge" not in text
    assert kes.get(f"{P}/concerns/?status=nonsense").status_code == 422

    # the concern page: 200 for a reader, 404 for a party outside its label
    r = kes.get(f"{P}/concerns/{c.pk}/")
    assert r.status_code == 200
    text = _main(r)
    _clean(text)
    assert "Reports of shelling" in text and "An incident" in text
    assert "Republic of Ardania" in text and "Not yet. Due by" in text
    assert 'value="acknowledge"' in text and 'value="respond"' in text  # KES is addressed
    assert 'value="close"' not in text and 'value="dispute"' not in text
    assert kes.get(f"{P}/concerns/{secret.pk}/").status_code == 404
    assert kes.get(f"{P}/concerns/999999/").status_code == 404


def test_empty_registers_say_what_to_do(demo, client_for):
    Concern.objects.filter(process=demo).delete()  # the demo's own, whatever they are
    Dispute.objects.filter(process=demo).delete()
    text = _main(client_for("ana.costa").get(f"{P}/concerns/"))
    assert "No concern you may read has been raised" in text and "form below" in text
    text = _main(client_for("mei.tanaka").get(f"{P}/disputes/"))
    assert "No dispute you may read" in text and "Raise a dispute" not in text


def test_raise_a_concern_through_the_form(demo, client_for, counts):
    ana = client_for("ana.costa")
    before = counts()
    r = ana.post(
        f"{P}/concerns/",
        {
            "title": "",
            "text": "No answer on the prisoners list.",
            "about": "delay",
            "addressed_to": "KES",
            "severity": "medium",
            "label_level": "1",
        },
    )
    assert r.status_code == 422
    text = _main(r)
    assert "title" in text and "usa-alert--error" in text
    assert "No answer on the prisoners list." in text  # the form keeps what was typed
    assert counts() == before
    r = ana.post(
        f"{P}/concerns/",
        {
            "title": "Prisoners list",
            "text": "No answer on the prisoners list.",
            "about": "delay",
            "addressed_to": "KES",
            "severity": "medium",
            "label_level": "1",
            "label_rel_to": ["ARD"],
        },
    )
    assert r.status_code == 422 and "add kes to rel to" in _error(r)
    assert counts() == before
    r = ana.post(
        f"{P}/concerns/",
        {
            "title": "Prisoners list",
            "text": "No answer on the prisoners list.",
            "about": "delay",
            "addressed_to": "KES",
            "severity": "medium",
            "label_level": "1",
            "label_rel_to": ["ARD", "KES", "MED"],
        },
    )
    assert r.status_code == 302
    c = Concern.objects.get(title="Prisoners list")
    assert r["Location"] == f"{P}/concerns/{c.pk}/"
    assert c.addressed_party.code == "KES" and c.label.value.rel_to == {"ARD", "KES", "MED"}
    page = ana.get(r["Location"])
    assert "addressed to Government of Kestria" in page.content.decode()


def test_acknowledge_respond_close_and_make_a_dispute(demo, viewer, client_for, counts):
    c = _concern(viewer, username="james.whitfield")
    url = f"{P}/concerns/{c.pk}/"
    ana = client_for("ana.costa")
    # ARD may not answer a concern addressed to KES: refused in words, nothing written
    before = counts()
    r = ana.post(url, {"action": "acknowledge"})
    assert r.status_code == 403 and "only members of government of kestria" in _error(r)
    assert counts() == before
    ilya = client_for("ilya.brant")
    assert ilya.post(url, {"action": "acknowledge"}).status_code == 302
    c.refresh_from_db()
    assert c.status == "acknowledged" and c.acknowledged_by.user.username == "ilya.brant"
    r = ilya.post(url, {"action": "respond", "response": "   "})
    assert r.status_code == 422 and "response is required" in _error(r)
    r = ilya.post(url, {"action": "respond", "response": "Our units were not in the area."})
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.status == "responded" and c.response == "Our units were not in the area."
    text = _main(ana.get(url))
    _clean(text)
    assert "Response of Government of Kestria" in text and "on time" in text
    assert "Ilya Brant" in text
    # ARD's negotiator may close it, not make it a dispute; the head of delegation may do both
    assert 'value="close"' in text and 'value="dispute"' not in text
    james = client_for("james.whitfield")
    text = _main(james.get(url))
    assert 'value="close"' in text and "Make it a dispute" in text
    r = james.post(url, {"action": "dispute"})
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.status == "dispute" and r["Location"] == f"{P}/disputes/{c.dispute_id}/"
    text = _main(ana.get(url))
    assert "Became a dispute" in text and f"/disputes/{c.dispute_id}/" in text
    assert 'value="close"' not in text
    r = ana.post(url, {"action": "nonsense"})
    assert r.status_code == 422 and "unknown act" in _error(r)


# --- disputes --------------------------------------------------------------------------------
def test_disputes_list_and_page(demo, viewer, client_for):
    d = _dispute(viewer)
    hidden = _dispute(
        viewer,
        username="james.whitfield",
        title="Quiet dispute with Norlund",
        against="NOR",
        label=LabelValue.of(1, ["ARD", "NOR"]),
    )
    kes = client_for("viktor.kess")
    r = kes.get(f"{P}/disputes/")
    assert r.status_code == 200
    text = _main(r)
    _clean(text)
    assert "Withdrawal of heavy weapons" in text
    assert re.search(r"Republic of Ardania <span[^>]*>v</span> Government of Kestria", text)
    assert "1 of 4: Joint commission" in text and "14 days left" in text and "Open" in text
    assert "Quiet dispute with Norlund" not in text
    assert "Raise a dispute" in text  # viktor is a head of delegation
    assert f"{P}/disputes/procedures/" in text
    assert kes.get(f"{P}/disputes/{hidden.pk}/").status_code == 404

    r = kes.get(f"{P}/disputes/{d.pk}/")
    assert r.status_code == 200
    text = _main(r)
    _clean(text)
    assert "usa-step-indicator__segment--current" in text and "Joint commission" in text
    assert "Referral to the guarantors" in text and "14 days left" in text
    assert "Steps so far" in text and "under way" in text
    # KES: a disputing party's head — submit, propose an extension, refer up; not withdraw,
    # not resolve
    for act in ("submit", "extend", "refer"):
        assert f'name="action" value="{act}"' in text, act
    assert 'value="withdraw"' not in text and 'value="resolve"' not in text
    text = _main(client_for("ana.costa").get(f"{P}/disputes/{d.pk}/"))
    assert 'value="submit"' in text and 'value="refer"' not in text  # a negotiator
    text = _main(client_for("lena.haas").get(f"{P}/disputes/{d.pk}/"))
    assert 'value="resolve"' in text and 'value="refer"' in text
    text = _main(client_for("ingrid.dahl").get(f"{P}/disputes/{d.pk}/"))
    assert 'value="submit"' not in text and 'value="extend"' not in text  # NOR: third party


def test_raise_a_dispute_through_the_form(demo, viewer, client_for, counts):
    before = counts()
    form = {
        "title": "Corridor access",
        "text": "Convoys were stopped at the corridor checkpoints.",
        "against": "KES",
        "label_level": "1",
    }
    r = client_for("ana.costa").post(f"{P}/disputes/", form)
    assert r.status_code == 403 and "disputes.raise" not in _main(r)
    assert "do not let you raise disputes" in _error(r)
    assert counts() == before
    james = client_for("james.whitfield")
    r = james.post(f"{P}/disputes/", {**form, "against": ""})
    assert r.status_code == 422 and "name the party disputed" in _error(r)
    assert counts() == before
    r = james.post(f"{P}/disputes/", {**form, "subject": "meetings.decision:999999"})
    assert r.status_code == 404 and "subject of the dispute was not found" in _error(r)
    assert counts() == before
    r = james.post(f"{P}/disputes/", form)
    assert r.status_code == 302
    d = Dispute.objects.get(title="Corridor access")
    assert r["Location"] == f"{P}/disputes/{d.pk}/"
    assert d.raising_party.code == "ARD" and d.against_party.code == "KES"
    assert "first step: Joint commission" in james.get(r["Location"]).content.decode()


def test_dispute_acts_through_the_page(demo, viewer, client_for):
    d = _dispute(viewer)
    url = f"{P}/disputes/{d.pk}/"
    james, viktor = client_for("james.whitfield"), client_for("viktor.kess")
    r = james.post(url, {"action": "extend", "days": "abc"})
    assert r.status_code == 422 and "days must be a number" in _error(r)
    r = james.post(url, {"action": "extend", "days": "5", "reason": "Capitals consult"})
    assert r.status_code == 302
    text = _main(viktor.get(url))
    assert "Waiting for Government of Kestria" in text and "Agreed by Republic of Ardania" in text
    assert "Agree to the extension of 5 days" in text
    ext = d.extensions.get()
    assert viktor.post(url, {"action": "agree", "extension_id": ext.pk}).status_code == 302
    d.refresh_from_db()
    text = _main(viktor.get(url))
    assert "extended by 5 days" in text and "19 days left" in text
    assert viktor.post(url, {"action": "refer"}).status_code == 302
    d.refresh_from_db()
    assert d.step == 1
    text = _main(viktor.get(url))
    assert "Referred up by a party" in text and "Ministers of foreign affairs" in text
    assert "An advisory opinion is given at this step." in text
    lena = client_for("lena.haas")
    assert 'value="opinion"' in _main(lena.get(url))
    assert 'value="opinion"' not in _main(viktor.get(url))
    r = viktor.post(url, {"action": "withdraw"})
    assert r.status_code == 403 and "party that raised it" in _error(r)
    r = lena.post(url, {"action": "resolve", "resolution": ""})
    assert r.status_code == 422 and "resolution is required" in _error(r)
    r = lena.post(url, {"action": "resolve", "resolution": "Artillery withdrawn by Friday."})
    assert r.status_code == 302
    text = _main(viktor.get(url))
    _clean(text)
    assert "Artillery withdrawn by Friday." in text and "Resolved" in text
    assert 'value="submit"' not in text and 'value="refer"' not in text


def test_confidential_submission_hidden_from_a_third_party(demo, viewer, client_for):
    d = _dispute(viewer, label=LabelValue.of(1))
    url = f"{P}/disputes/{d.pk}/"
    viktor = client_for("viktor.kess")
    r = viktor.post(url, {"action": "submit", "kind": "statement", "text": "Our open statement."})
    assert r.status_code == 302
    r = viktor.post(
        url,
        {
            "action": "submit",
            "kind": "proposal",
            "text": "We could accept 20 km.",
            "confidential": "on",
        },
    )
    assert r.status_code == 302
    secret = DisputeSubmission.objects.get(text="We could accept 20 km.")
    assert r["Location"] == f"{url}#submission-{secret.pk}"
    assert secret.label.value.rel_to == {"ARD", "KES", "MED"}
    text = _main(client_for("ingrid.dahl").get(url))  # NOR: reads the dispute, not the secret
    assert "Our open statement." in text and "We could accept 20 km." not in text
    assert f"submission-{secret.pk}" not in text
    text = _main(client_for("james.whitfield").get(url))
    _clean(text)
    assert "We could accept 20 km." in text and f'id="submission-{secret.pk}"' in text
    assert "Proposal for settlement" in text and "Government of Kestria" in text
    assert "Viktor Kessler" in text and "REL TO ARD, KES, MED" in text
    r = viktor.post(url, {"action": "submit", "kind": "statement", "text": ""})
    assert r.status_code == 422 and "a submission needs a text" in _error(r)


# --- procedures, engagement ------------------------------------------------------------------
def test_procedures_page_and_form(demo, client_for, counts):
    ana = client_for("ana.costa")
    r = ana.get(f"{P}/disputes/procedures/")
    assert r.status_code == 200
    text = _main(r)
    _clean(text)
    assert "Joint commission" in text and "15 days" in text and "none (the last step)" in text
    assert "Yes" in text and "24 hours" in text and "Save the procedures" not in text
    before = counts()
    r = ana.post(f"{P}/disputes/procedures/", {"step_name": ["A", "B"], "step_days": ["3", "0"]})
    assert r.status_code == 403 and counts() == before
    amara = client_for("amara.okafor")
    text = _main(amara.get(f"{P}/disputes/procedures/"))
    assert "Save the procedures" in text and text.count('name="step_name"') == 5
    objectives = {
        "ack_high": "12",
        "respond_high": "30",
        "ack_medium": "48",
        "respond_medium": "168",
        "ack_low": "72",
        "respond_low": "336",
    }
    r = amara.post(
        f"{P}/disputes/procedures/",
        {"step_name": ["Talks", "Envoy"], "step_days": ["10", "5"], **objectives},
    )
    assert r.status_code == 422 and "last step" in _error(r)
    assert 'value="Envoy"' in _main(r)  # what was typed stays
    assert counts() == before
    r = amara.post(
        f"{P}/disputes/procedures/",
        {
            "step_name": ["Talks", "", "Envoy"],
            "step_days": ["10", "", "0"],
            "step_advisory": ["2"],
            **objectives,
        },
    )
    assert r.status_code == 302
    text = _main(amara.get(f"{P}/disputes/procedures/"))
    assert "1. Talks" in text and "2. Envoy" in text and "10 days" in text
    assert "12 hours" in text and "30 hours" in text
    assert "Amara Okafor" in text


def test_engagement_page(demo, viewer, client_for):
    c = _concern(viewer)
    services.respond_concern(viewer("ilya.brant"), c, response="Noted.")
    _concern(
        viewer, title="Bilateral worry", addressed_to="NOR", label=LabelValue.of(1, ["ARD", "NOR"])
    )
    r = client_for("viktor.kess").get(f"{P}/engagement/")
    assert r.status_code == 200
    text = _main(r)
    _clean(text)
    for name in ("Government of Kestria", "Republic of Ardania", "Kingdom of Norlund"):
        assert name in text
    assert "computed only from" in text and "label-badge" in text
    assert re.search(r"\d+ hours?<", text) and "—" in text
    row = text.split("Kingdom of Norlund", 1)[1].split("</tr>", 1)[0]
    assert re.search(r'data-label="Concerns addressed">0<', row)  # KES cannot read the NOR one
    row = _main(client_for("ana.costa").get(f"{P}/engagement/"))
    row = row.split("Kingdom of Norlund", 1)[1].split("</tr>", 1)[0]
    assert re.search(r'data-label="Concerns addressed">1<', row)
    assert re.search(r"\d+ of \d+ \(\d+ %\)", text)  # the demo plenaries' attendance
    assert "<svg" in text  # median response per party
