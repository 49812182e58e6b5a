"""Recurring commitments: the rule in words, its occurrences, the next due date, overdue while
the report of the occurrence due last is missing; bad rules are refused and change nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from accord.implementation import queries, recurrence, services
from accord.implementation.models import Provision
from accord.implementation.recurrence import Rule

API = "/api/v1/processes/lake-varna"


def test_rules_parse_to_one_canonical_form():
    assert recurrence.parse("Quarterly") == Rule(3, "months")
    assert recurrence.parse(" every 2   weeks until 2027-03-01 ") == Rule(
        2, "weeks", date(2027, 3, 1)
    )
    assert str(recurrence.parse("every 1 month")) == "every 1 months"
    assert recurrence.parse("every 3 months until 2028-06-30").words == (
        "every 3 months, until 30 June 2028"
    )
    assert recurrence.parse("monthly").words == "every month"
    assert recurrence.parse("") is None
    for bad in ("sometimes", "every 0 days", "every 3 fortnights", "every 2 days until 2027-02-30"):
        with pytest.raises(ValueError):
            recurrence.parse(bad)
    assert recurrence.rule_of("as agreed by the parties") is None  # old free text: no rule


def test_occurrences_and_standing_are_pure_dates():
    rule = Rule(1, "months", date(2027, 4, 30))
    first = date(2027, 1, 31)
    assert recurrence.occurrences(first, rule, date(2027, 12, 31)) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]
    assert recurrence.next_after(first, rule, date(2027, 3, 1)) == date(2027, 3, 31)
    assert recurrence.next_after(first, rule, date(2027, 4, 30)) is None  # ended
    o = recurrence.stand(first, rule, date(2027, 3, 10), [date(2027, 2, 1)])
    assert (o.current, o.met, o.next_due) == (date(2027, 2, 28), True, date(2027, 3, 31))
    o = recurrence.stand(first, rule, date(2027, 4, 10), [date(2027, 2, 1)])
    assert (o.current, o.met) == (date(2027, 3, 31), False)  # March's report is missing
    # a late report makes up for it; a second one counts for the next
    o = recurrence.stand(first, rule, date(2027, 4, 10), [date(2027, 4, 5)])
    assert o.met and not o.next_met
    o = recurrence.stand(first, rule, date(2027, 4, 10), [date(2027, 4, 5), date(2027, 4, 8)])
    assert o.met and o.next_met


@pytest.mark.django_db
def test_a_quarterly_report_is_overdue_until_made(varna, viewer, api_for, counts):
    amara = viewer("amara.okafor")
    p = Provision.objects.get(agreement=varna, number="3.1")
    today = queries.today()
    c = services.add_commitment(
        amara,
        p,
        what="Quarterly report on the monitoring mission",
        body="Varna Monitoring Mission",
        due_date=today - timedelta(days=200),
        recurrence="quarterly",
    )
    assert c.recurrence == "every 3 months"
    st = queries.standing(c)
    assert st.key == "overdue" and st.words.startswith("report overdue by ")
    assert st.next_due is not None and today < st.next_due <= today + timedelta(days=92)
    services.report(
        viewer("tomas.ruiz"), c, kind="progress", text="Quarter report filed.", evidence="R-3"
    )
    st = queries.standing(queries.commitment(amara, c.pk))
    assert st.key in ("due", "slipping") and st.next_due is not None
    assert st.words.startswith("next report due")
    # REST: the next due date; refusals change nothing
    api = api_for("amara.okafor")
    out = api.get(f"{API}/commitments/{c.pk}").json()
    assert out["recurrence"] == "every 3 months" and out["next_due"] == st.next_due.isoformat()
    before = counts()
    url = f"{API}/commitments/{c.pk}/recurrence"
    r = api.put(
        url, data=json.dumps({"recurrence": "now and then"}), content_type="application/json"
    )
    assert r.status_code == 422 and "every N days" in r.json()["error"]["message"]
    r = api_for("ana.costa").put(
        url, data=json.dumps({"recurrence": "monthly"}), content_type="application/json"
    )
    assert r.status_code in (403, 404)
    assert counts() == before
    r = api.put(
        url,
        data=json.dumps({"recurrence": "every 1 month until 2099-01-01"}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["recurrence"] == "every 1 months until 2099-01-01"
    r = api.put(url, data=json.dumps({"recurrence": ""}), content_type="application/json")
    assert r.status_code == 200 and r.json()["next_due"] is None


@pytest.mark.django_db
def test_recurrence_on_the_commitment_page(varna, viewer, client_for):
    c = services.add_commitment(
        viewer("amara.okafor"),
        Provision.objects.get(agreement=varna, number="3.1"),
        what="Monthly incident summary",
        body="Varna Monitoring Mission",
        due_date=queries.today() + timedelta(days=10),
    )
    lena = client_for("lena.haas")
    page = f"/p/lake-varna/implementation/commitments/{c.pk}/"
    r = lena.post(f"{page}recurrence/", {"every": "1", "unit": "months"})
    assert r.status_code == 302
    html = lena.get(page).content.decode()
    assert "From the first deadline, every month; next due" in html and "next due" in html
    r = lena.post(f"{page}recurrence/", {"every": "x", "unit": "months"})
    assert r.status_code == 422
    c.refresh_from_db()
    assert c.recurrence == "every 1 months"
