"""Joint public lines: approval by every ally (unanimity, silence procedure and its clock),
freezing by content hash, versions, publication after embargo, ClaimReview JSON-LD."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accord.core.errors import Conflict, Forbidden, Invalid, NotFound
from accord.ledger.models import Entry
from accord.verification import approval, queries, services
from accord.verification.models import LineResponse, PublicLine

SLUG = "lake-varna"
T0 = timezone.now()


def _line(viewer, rumour, **kw):
    args = {
        "title": "On the Varna bridge rumour",
        "texts": {"en": "No massacre took place at the Varna bridge.", "fr": "Aucun massacre."},
        "claims": [rumour.pk],
        "counters": ["C00030"],
        "audience": "International media",
        "guidance": "Do not speculate on who is behind it.",
        "public": True,
        "now": T0,
    }
    args.update(kw)
    return services.draft_line(viewer("erik.lund"), **args)


# --- the rule alone -------------------------------------------------------------------------
ALLIES = ["ARD", "BEL", "NOR"]


def test_unanimity_rule():
    d = T0 + timedelta(hours=2)
    r = [("ARD", "approve", T0), ("NOR", "approve", T0)]
    assert approval.decide("unanimity", ALLIES, r, None, T0).outcome == approval.PENDING
    v = approval.decide("unanimity", ALLIES, [*r, ("BEL", "approve", T0)], None, T0)
    assert v.adopted and v.waiting == ()
    assert (
        approval.decide("unanimity", ALLIES, [*r, ("BEL", "object", T0)], None, T0).outcome
        == approval.NOT_ADOPTED
    )
    assert approval.decide("unanimity", ALLIES, r, d, d).outcome == approval.LAPSED
    # a non-ally's response counts for nothing
    assert approval.decide("unanimity", ALLIES, [*r, ("KES", "approve", T0)], None, T0).open


def test_silence_clock():
    d = T0 + timedelta(hours=2)
    assert approval.decide("silence", ALLIES, [], d, d - timedelta(seconds=1)).open
    v = approval.decide("silence", ALLIES, [], d, d)
    assert v.adopted and v.decided_at == d
    broken = approval.decide("silence", ALLIES, [("BEL", "object", T0)], d, d + timedelta(days=1))
    assert broken.outcome == approval.SILENCE_BROKEN and broken.objected == ("BEL",)
    # an objection after expiry does not break a silence that already expired
    late = approval.decide("silence", ALLIES, [("BEL", "object", d + timedelta(minutes=1))], d, d)
    assert late.adopted


# --- services ---------------------------------------------------------------------------------
def test_three_allies_approve_then_publish_with_claimreview(demo, viewer, rumour, client_for):
    ln = _line(viewer, rumour)
    assert ln.status == "circulating" and ln.content_hash.startswith("sha256:")
    services.respond_line(viewer("erik.lund"), ln, kind="approve", now=T0)
    services.respond_line(viewer("james.whitfield"), ln, kind="approve", now=T0)
    assert PublicLine.objects.get(pk=ln.pk).status == "circulating"
    services.respond_line(viewer("marc.dubois"), ln, kind="approve", now=T0)
    ln.refresh_from_db()
    assert ln.status == "approved"
    acts = list(
        Entry.objects.filter(
            action__startswith="verification.line_", subject_id=str(ln.pk)
        ).values_list("action", flat=True)
    )
    assert acts.count("verification.line_approve") == 3 and "verification.line_decided" in acts
    # before publication the public page shows nothing, and readers without the role see nothing
    anon = client_for("ana.costa")
    anon.logout()
    before = anon.get(f"/p/{SLUG}/verification/public/").content.decode()
    assert "On the Varna bridge rumour" not in before and f"#line-{ln.pk}" not in before
    with pytest.raises(NotFound):  # a conflict party does not read the allies' line
        queries.line(viewer("daria.vol"), ln.pk)
    assert queries.line(viewer("ana.costa"), ln.pk) == ln  # an allied negotiator does
    services.publish_line(viewer("erik.lund"), ln, now=T0)
    ln.refresh_from_db()
    assert ln.status == "published" and ln.label.level == 0 and ln.label.rel_to is None
    assert queries.line(viewer("daria.vol"), ln.pk) == ln
    page = anon.get(f"/p/{SLUG}/verification/public/")
    assert page.status_code == 200
    html = page.content.decode()
    blobs = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    mine = [json.loads(b) for b in blobs if f"#line-{ln.pk}" in b]
    assert len(mine) == 1 and len(blobs) == 2  # the demo's published line, and this one
    cr = mine[0]
    assert cr["@context"] == "https://schema.org" and cr["@type"] == "ClaimReview"
    assert cr["claimReviewed"] == rumour.text
    assert cr["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 1,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "False",
    }
    assert cr["author"]["@type"] == "Organization" and cr["author"]["name"]
    assert cr["datePublished"] == ln.published_at.date().isoformat()
    assert cr["itemReviewed"]["@type"] == "Claim"
    urls = [a["url"] for a in cr["itemReviewed"]["appearance"]]
    assert rumour.url in urls and all(
        a["@type"] == "CreativeWork" for a in cr["itemReviewed"]["appearance"]
    )
    assert cr["url"].endswith(f"#line-{ln.pk}")


def test_silence_objection_needs_amendment_and_tells_everyone(demo, viewer, rumour, counts):
    from accord.core import events

    ln = _line(viewer, rumour, rule="silence", deadline=T0 + timedelta(hours=4))
    before = counts()
    with pytest.raises(Invalid, match="must carry an amendment"):
        services.respond_line(viewer("marc.dubois"), ln, kind="object", now=T0)
    assert counts() == before
    sent = []
    orig = events.notify
    events.notify = lambda *a, **k: sent.append(a)
    try:
        services.respond_line(
            viewer("marc.dubois"), ln, kind="object", amendment="Say 'no evidence of'", now=T0
        )
    finally:
        events.notify = orig
    ln.refresh_from_db()
    assert ln.status == "not_adopted"
    assert (
        sent and sent[-1][1] == "verification.line_silence_broken" and sent[-1][3] == [ln.label_id]
    )
    with pytest.raises(Conflict):
        services.respond_line(viewer("erik.lund"), ln, kind="approve", now=T0)


def test_silence_adopted_at_deadline(demo, viewer, rumour):
    d = T0 + timedelta(hours=1)
    ln = _line(viewer, rumour, rule="silence", deadline=d, public=False)
    assert services.settle_due(d - timedelta(minutes=1)) == 0
    assert services.settle_due(d) == 1
    ln.refresh_from_db()
    assert ln.status == "approved"
    with pytest.raises(Conflict, match=r"deadline|decided|no more"):
        services.respond_line(
            viewer("marc.dubois"), ln, kind="approve", now=d + timedelta(minutes=1)
        )


def test_who_may_approve(demo, viewer, rumour, counts):
    ln = _line(viewer, rumour)
    before = counts()
    with pytest.raises(Forbidden, match="draft public lines"):
        services.respond_line(viewer("ana.costa"), ln, kind="approve", now=T0)  # no authority
    with pytest.raises(Forbidden, match="not an ally"):
        services.respond_line(viewer("daria.vol"), ln, kind="approve", now=T0)  # not an ally
    services.respond_line(viewer("erik.lund"), ln, kind="approve", now=T0)
    with pytest.raises(Conflict, match="already responded"):
        services.respond_line(viewer("ingrid.dahl"), ln, kind="approve", now=T0)  # NOR again
    assert LineResponse.objects.filter(line=ln).count() == 1
    assert counts()["LineResponse"] == before["LineResponse"] + 1


def test_bad_line_input(demo, viewer, rumour, counts):
    before = counts()
    for kw, msg in [
        ({"texts": {}}, "at least one language"),
        ({"texts": {"english": "x"}}, "language code"),
        ({"counters": ["X1"]}, "counter IDs"),
        ({"rule": "silence"}, "needs a deadline"),
        ({"rule": "majority"}, "unanimity or silence"),
        ({"deadline": T0 - timedelta(hours=1)}, "in the future"),
    ]:
        with pytest.raises(Invalid, match=msg):
            _line(viewer, rumour, **kw)
    with pytest.raises(Forbidden):
        services.draft_line(viewer("daria.vol"), title="x", texts={"en": "x"})
    assert counts() == before


def test_approved_line_is_frozen_and_a_change_is_a_new_version(demo, viewer, rumour):
    ln = _line(viewer, rumour, public=False)
    for who in ("erik.lund", "james.whitfield", "marc.dubois"):
        services.respond_line(viewer(who), ln, kind="approve", now=T0)
    ln.refresh_from_db()
    frozen = ln.content_hash
    v2 = services.revise_line(viewer("erik.lund"), ln, texts={"en": "No evidence of any massacre."})
    ln.refresh_from_db()
    assert ln.status == "superseded" and ln.content_hash == frozen
    assert v2.version == 2 and v2.series == ln.series and v2.status == "circulating"
    assert v2.content_hash != frozen and v2.responses.count() == 0
    # tampering with an approved row is caught before it is published
    PublicLine.objects.filter(pk=v2.pk).update(texts={"en": "edited behind the ledger"})
    with pytest.raises(Conflict, match="hash"):
        services.respond_line(viewer("erik.lund"), PublicLine.objects.get(pk=v2.pk), kind="approve")


def test_embargo_and_public_claims(demo, viewer, rumour):
    from accord.core.labels import LabelValue

    ln = _line(viewer, rumour, embargo_until=T0 + timedelta(hours=6))
    for who in ("erik.lund", "james.whitfield", "marc.dubois"):
        services.respond_line(viewer(who), ln, kind="approve", now=T0)
    with pytest.raises(Conflict, match="embargo"):
        services.publish_line(viewer("erik.lund"), ln, now=T0)
    services.publish_line(viewer("erik.lund"), ln, now=T0 + timedelta(hours=7))
    closed = services.create_claim(
        viewer("sophie.martin"),
        text="Allies-only rumour",
        label=LabelValue.of(1, ["ARD", "NOR", "BEL"]),
    )
    ln2 = _line(viewer, rumour, claims=[closed.pk])
    for who in ("erik.lund", "james.whitfield", "marc.dubois"):
        services.respond_line(viewer(who), ln2, kind="approve", now=T0)
    with pytest.raises(Conflict, match="only answer public claims"):
        services.publish_line(viewer("erik.lund"), ln2, now=T0)


def test_line_pages(demo, viewer, rumour, client_for):
    ln = _line(viewer, rumour)
    c = client_for("erik.lund")
    assert c.get(f"/p/{SLUG}/verification/lines/").status_code == 200
    page = c.get(f"/p/{SLUG}/verification/lines/{ln.pk}/").content.decode()
    assert "waiting for" in page.lower() and "Send the response" in page
    r = c.post(f"/p/{SLUG}/verification/lines/{ln.pk}/respond/", {"kind": "approve"})
    assert r.status_code == 302
    r = client_for("daria.vol").get(f"/p/{SLUG}/verification/lines/{ln.pk}/")
    assert r.status_code == 404


def test_lines_api(demo, api_for, rumour):
    api = api_for("erik.lund")
    base = f"/api/v1/processes/{SLUG}/verification/lines"
    body = {
        "title": "API line",
        "texts": {"en": "No massacre."},
        "claims": [rumour.pk],
        "rule": "silence",
        "deadline": (timezone.now() + timedelta(hours=3)).isoformat(),
    }
    r = api.post(base, json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    line = r.json()
    assert line["status"] == "circulating" and line["waiting_for"] == ["ARD", "BEL", "NOR"]
    r = api_for("daria.vol").post(
        f"{base}/{line['id']}/responses",
        json.dumps({"kind": "approve"}),
        content_type="application/json",
    )
    assert r.status_code == 404  # not an ally: the line is not even readable
    r = api_for("marc.dubois").post(
        f"{base}/{line['id']}/responses",
        json.dumps({"kind": "object"}),
        content_type="application/json",
    )
    assert r.status_code == 422 and "amendment" in r.json()["error"]["message"]
    r = api_for("marc.dubois").post(
        f"{base}/{line['id']}/responses",
        json.dumps({"kind": "object", "amendment": "Say: no evidence."}),
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["outcome"] == "silence_broken"
    r = api.post(
        f"{base}/{line['id']}/revise",
        json.dumps({"texts": {"en": "No evidence of a massacre."}, "deadline": body["deadline"]}),
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["version"] == 2


def test_public_page_of_a_process_without_public_lines_does_not_exist(db, client):
    from accord.core import services as core

    core.create_process(None, name="Quiet talks", slug="quiet-talks")
    assert client.get("/p/quiet-talks/verification/public/").status_code == 404
    assert client.get("/p/no-such-talks/verification/public/").status_code == 404
