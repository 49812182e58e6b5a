"""The implementation REST API and pages: round trip, filters, refusals as clear 4xx with
nothing written, charts with their derived label and text alternative."""

import json

import pytest

from accord.implementation.models import Commitment, ComplianceReport, Provision, Score

pytestmark = pytest.mark.django_db

API = "/api/v1/processes/lake-varna"


def send(client, method, path, body=None):
    return getattr(client, method)(
        f"{API}{path}", data=json.dumps(body or {}), content_type="application/json"
    )


def test_api_round_trip(varna, api_for):
    amara = api_for("amara.okafor")
    r = send(
        amara,
        "post",
        "/agreements",
        {
            "title": "Varna fisheries protocol",
            "signed_on": "2026-03-01",
            "signatories": ["KES", "NVF"],
            "provisions": [
                {
                    "number": "1",
                    "text": "Boats return within 60 days of signature.",
                    "types": ["natres"],
                    "themes": ["Economy"],
                }
            ],
        },
    )
    assert r.status_code == 201, r.content
    a = r.json()
    assert a["status_words"] == "signed, not yet in force"
    assert [x["key"] for x in a["anchors"]] == ["signature", "entry_into_force"]
    pid = a["provisions"][0]["id"]
    assert a["provisions"][0]["type_names"] == ["natural resource management"]
    r = send(
        amara,
        "post",
        f"/provisions/{pid}/commitments",
        {
            "what": "Return boats",
            "responsible": ["KES"],
            "anchor": "signature",
            "amount": 60,
            "unit": "days",
            "verification_body": "VMM",
        },
    )
    assert r.status_code == 201, r.content
    c = r.json()
    assert (c["deadline"], c["deadline_rule"]) == ("2026-04-30", "60 days after signature")
    r = send(
        amara, "put", f"/agreements/{a['id']}/anchors/signature", {"occurred_on": "2026-03-11"}
    )
    assert r.status_code == 200
    assert amara.get(f"{API}/commitments/{c['id']}").json()["deadline"] == "2026-05-10"
    r = send(
        api_for("viktor.kess"),
        "post",
        f"/commitments/{c['id']}/reports",
        {"kind": "done", "text": "Returned.", "evidence": "Harbour log."},
    )
    assert r.status_code == 201, r.content
    got = amara.get(f"{API}/commitments/{c['id']}").json()
    assert got["standing"] == "reported" and got["verified_done_at"] is None
    r = send(
        api_for("viktor.kess"),
        "post",
        f"/commitments/{c['id']}/verify",
        {"verified": True, "text": "x", "evidence": "y"},
    )
    assert r.status_code == 403 and "verification body" in r.json()["error"]["message"]
    r = send(
        api_for("tomas.ruiz"),
        "post",
        f"/commitments/{c['id']}/verify",
        {"verified": True, "text": "Seen.", "evidence": "Patrol 7."},
    )
    assert r.status_code == 201
    assert amara.get(f"{API}/commitments/{c['id']}").json()["standing"] == "verified"
    reports = amara.get(f"{API}/commitments/{c['id']}/reports").json()
    assert [x["kind_words"] for x in reports] == ["reported done", "verified done"]


def test_api_filters_and_rates(varna, api_for):
    amara = api_for("amara.okafor")
    over = amara.get(f"{API}/commitments?state=overdue").json()["items"]
    assert len(over) == 3 and all(x["standing"] == "overdue" for x in over)
    nvf = amara.get(f"{API}/commitments?party=NVF").json()["items"]
    assert nvf and all("NVF" in x["responsible"] for x in nvf)
    wide = amara.get(f"{API}/commitments?state=slipping&within=400").json()["items"]
    assert len(wide) >= 2
    rates = amara.get(f"{API}/agreements/{varna.pk}/rates").json()
    assert [x["period_name"] for x in rates["overall"]] == ["Year 1", "Year 2"]
    assert rates["derived_label"]["display"].startswith("RESTRICTED")
    ana = api_for("ana.costa").get(f"{API}/agreements/{varna.pk}/rates").json()
    assert ana["derived_label"]["display"] == "UNCLASSIFIED"
    assert ana["overall"][0]["scored"] == 8


def test_api_bad_input_is_4xx_and_writes_nothing(varna, api_for, counts):
    amara, sophie = api_for("amara.okafor"), api_for("sophie.martin")
    p = Provision.objects.filter(agreement=varna).first()
    before = counts()
    r = send(
        amara,
        "post",
        f"/provisions/{p.pk}/commitments",
        {"what": "x", "responsible": ["KES"], "anchor": "coronation", "amount": 3, "unit": "days"},
    )
    assert r.status_code == 422 and "unknown event" in r.json()["error"]["message"]
    r = send(
        sophie,
        "post",
        f"/agreements/{varna.pk}/scores",
        {"provision_id": p.pk, "period": 1, "score": 5, "evidence": "x"},
    )
    assert r.status_code == 422 and "PAM score" in r.json()["error"]["message"]
    r = send(amara, "post", "/commitments/99999999/reports", {"text": "x"})
    assert r.status_code == 404
    r = send(
        amara, "put", f"/agreements/{varna.pk}/anchors/coronation", {"occurred_on": "2026-01-01"}
    )
    assert r.status_code == 422
    assert counts() == before


def test_pages_show_standing_charts_and_refuse_in_words(varna, client_for):
    from accord.implementation import queries

    amara = client_for("amara.okafor")
    page = amara.get(f"/p/lake-varna/implementation/agreements/{varna.pk}/").content.decode()
    assert (
        "overdue by" in page
        and "verified done" in page
        and "Transfer of authority to the Mission" in page
    )
    scores = amara.get(
        f"/p/lake-varna/implementation/agreements/{varna.pk}/scores/"
    ).content.decode()
    assert scores.count("<svg") == 2 and "Implementation rate per period" in scores
    assert "RESTRICTED" in scores  # the derived label of the figures
    lst = amara.get("/p/lake-varna/implementation/commitments/?state=overdue").content.decode()
    assert "3 commitments" in lst
    c = next(c for c, s in queries.commitments(queries_viewer(varna), state="slipping"))
    # daria (NVF) is not responsible for the review: no form, and a post is refused in words
    daria = client_for("daria.vol")
    page = daria.get(f"/p/lake-varna/implementation/commitments/{c.pk}/").content.decode()
    assert "Report on this commitment" not in page
    n = ComplianceReport.objects.count()
    r = daria.post(
        f"/p/lake-varna/implementation/commitments/{c.pk}/reports/",
        {"kind": "progress", "text": "x"},
    )
    assert r.status_code == 403 and "may report on it" in r.content.decode()
    assert ComplianceReport.objects.count() == n
    # a score outside 0–3 through the page: refused in words, nothing written
    sophie = client_for("sophie.martin")
    p = Provision.objects.filter(agreement=varna).first()
    n = Score.objects.count()
    r = sophie.post(
        f"/p/lake-varna/implementation/agreements/{varna.pk}/scores/",
        {"provision": p.pk, "period": "1", "score": "7", "evidence": "x"},
    )
    assert r.status_code == 422 and "PAM score" in r.content.decode()
    assert Score.objects.count() == n
    # a monitor's report through the page
    tomas = client_for("tomas.ruiz")
    r = tomas.post(
        f"/p/lake-varna/implementation/commitments/{c.pk}/reports/",
        {"kind": "progress", "text": "Agenda drafted.", "evidence": ""},
    )
    assert r.status_code == 302
    assert Commitment.objects.get(pk=c.pk).reports.count() == 1


def queries_viewer(varna):
    from accord.core.access import viewer_of
    from accord.core.models import Member

    return viewer_of(Member.objects.get(process=varna.process, user__username="amara.okafor"))


def test_pages_make_from_text_and_confirm_proposals(signed_text, client_for):
    from accord.implementation.models import Agreement, DeadlineProposal

    amara = client_for("amara.okafor")
    r = amara.post(
        "/p/lake-varna/implementation/", {"act": "from_text", "document_id": signed_text.pk}
    )
    assert r.status_code == 302, r.content[:2000]
    a = Agreement.objects.get(source_document=signed_text.pk)
    page = amara.get(r["Location"]).content.decode()
    assert "Deadlines found in the text" in page and "No commitment you may read yet" in page
    assert "within thirty (30) days of the entry into force of this Protocol" in page
    first, second, _ = DeadlineProposal.objects.filter(agreement=a).order_by("start", "pk")
    base = f"/p/lake-varna/implementation/agreements/{a.pk}/proposals/"
    r = amara.post(
        f"{base}{first.pk}/",
        {
            "what": "Open the crossing",
            "responsible": ["KES"],
            "anchor": "entry_into_force",
            "verification_body": "VMM",
        },
    )
    assert r.status_code == 302
    assert Commitment.objects.get(agreement=a).what == "Open the crossing"
    r = amara.post(f"{base}{second.pk}/", {"dismiss": "1"})
    assert r.status_code == 302 and DeadlineProposal.objects.get(pk=second.pk).status == "dismissed"
    # refused in words: no party named; nothing written
    n = Commitment.objects.count()
    third = DeadlineProposal.objects.filter(agreement=a, status="pending").get()
    r = amara.post(f"{base}{third.pk}/", {"what": "Clear", "anchor_name": "Transfer of authority"})
    assert r.status_code == 422 and "names the parties or the body" in r.content.decode()
    assert (
        Commitment.objects.count() == n
        and not a.anchors.filter(key="transfer_of_authority").exists()
    )
