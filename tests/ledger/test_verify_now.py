""" "Verify now": the live check of a process's record as a background job (huey runs it at
once in tests), its progress polled by the page, its result told in words per reader."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from accord.comms.models import Channel, Message
from accord.core import services
from accord.core.models import Party
from accord.ledger import jobs
from accord.ledger.models import Entry

pytestmark = pytest.mark.django_db

RUN = "/p/lake-varna/verify/run/"
STATUS = "/p/lake-varna/verify/status/"
HX = {"HTTP_HX_REQUEST": "true"}


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _message_entry(channel_name: str) -> tuple[Message, Entry]:
    msg = Message.objects.filter(channel__name=channel_name).order_by("pk").first()
    entry = Entry.objects.filter(
        subject_type="comms.message", subject_id=str(msg.pk), action="message.post"
    ).get()
    return msg, entry


def test_an_intact_record_is_said_to_hold(demo, client_for):
    c = client_for("ana.costa")
    assert "Not checked from this page yet" in text(c.get("/p/lake-varna/verify/"))
    r = c.post(RUN, **HX)
    assert r.status_code == 200
    said = text(r)
    total = Entry.objects.filter(log__process=demo).count()
    assert f"All {total:,} acts since" in said and "are intact" in said
    assert "The record holds" in said and "Checked at the request of Ana Costa" in said
    assert 'hx-trigger="every 1s"' not in r.content.decode()  # finished: no more polling
    # the page shows the same result afterwards, to every member who may check
    assert "The record holds" in text(client_for("daria.vol").get("/p/lake-varna/verify/"))
    # without htmx the form redirects back to the page
    plain = c.post(RUN)
    assert plain.status_code == 302 and plain["Location"] == "/p/lake-varna/verify/"


def test_verify_now_on_a_tampered_database_names_the_act(demo, client_for):
    msg, entry = _message_entry("Plenary")
    Message.objects.filter(pk=msg.pk).update(body="Nothing happened at the bridge.")
    r = client_for("ana.costa").post(RUN, **HX)
    said = text(r)
    assert "The record does not hold" in said
    author = msg.sender.user.get_full_name()
    assert f"Act no. {entry.seq} — {author}" in said
    assert "posted a message in Plenary" in said
    assert "its body was changed in the database outside Accord" in said
    assert "Nothing happened at the bridge" not in said  # names the act, not the new text


def test_a_tampered_act_the_reader_may_not_read_is_not_described(demo, client_for):
    caucus = Channel.objects.get(process=demo, name="Mediation caucus")  # MEDIATION only
    msg, entry = _message_entry(caucus.name)
    Message.objects.filter(pk=msg.pk).update(body="rewritten")
    ingrid = text(client_for("ingrid.dahl").post(RUN, **HX))
    assert "An act you may not read: what it recorded was changed in the database" in ingrid
    assert f"Act no. {entry.seq}" not in ingrid and "body" not in ingrid  # rule 4: no id
    assert "Mediation caucus" not in ingrid and "rewritten" not in ingrid
    assert msg.sender.user.get_full_name() not in ingrid
    lena = text(client_for("lena.haas").get(STATUS))  # the mediator reads the same result
    assert f"Act no. {entry.seq} — " in lena and "Mediation caucus" in lena


def test_other_tampering_is_named_too(demo, client_for, member):
    edited = Entry.objects.filter(log__process=demo, action="channel.create").first()
    Entry.objects.filter(pk=edited.pk).update(actor_name="someone.else@ARD")
    Party.objects.create(process=demo, code="ZZZ", name="Slipped in", kind="observer")
    said = text(client_for("amara.okafor").post(RUN, **HX))
    assert f"Act no. {edited.seq} — Amara Okafor" in said
    assert "the act itself was edited in the record" in said
    assert "A party was added to the database outside Accord, with no act recording it" in said
    assert "ZZZ" not in said and "Slipped in" not in said


def test_parse_reads_every_kind_of_problem():
    cases = {
        "entries 4..9 are missing (deleted from ledger_entry)": ("missing", 4),
        "entry 7 appears twice or out of order": ("duplicate", 7),
        "entry 3 (message.post comms.message:5): ledger_entry row id 9 was edited — x": (
            "edited",
            3,
        ),
        "table comms_message row 5 column body: changed outside Accord (differs from entry "
        "12, message.post)": ("changed", 12),
        "table core_party row 2: deleted outside Accord (last recorded by entry 6)": (
            "deleted",
            6,
        ),
        "table core_party row 9: inserted outside Accord (no entry records it)": ("inserted", None),
        "head at size 40: signature does not verify": ("signature", None),
        "something new": ("other", None),
    }
    for problem, (kind, seq) in cases.items():
        found = jobs.parse(problem)
        assert found["kind"] == kind and found.get("seq") == seq, problem
        assert "row" not in found  # row ids are never kept


def test_progress_is_polled_while_the_check_runs(demo, client_for, viewer):
    c = client_for("ana.costa")
    key = jobs._key(demo)
    job = {
        "id": "x",
        "state": "running",
        "by": viewer("ana.costa").member.pk,
        "queued_at": jobs._now(),
        "touched_at": jobs._now(),
        "done": 10_000,
        "total": 40_000,
    }
    cache.set(key, job)
    r = c.get(STATUS)
    html = r.content.decode()
    assert 'hx-trigger="every 1s"' in html and "usa-step-indicator" in html
    assert "10,000 of 40,000 acts checked" in text(r) and 'value="25"' in html
    # a job nobody moved on for long is said to be stuck, and polling stops
    cache.set(key, {**job, "touched_at": "2000-01-01T00:00:00+00:00"})
    stuck = c.get(STATUS)
    assert "The check has not finished" in text(stuck)
    assert 'hx-trigger="every 1s"' not in stuck.content.decode()


def test_a_member_without_a_role_may_not_start_it(demo, client_for, viewer, member):
    outsider_role = member("mei.tanaka")  # observer: checking is for every role, even this
    assert client_for("mei.tanaka").post(RUN, **HX).status_code == 200
    cache.clear()
    ra = outsider_role.role_assignments.get(renounced_at__isnull=True)
    services.renounce_role(viewer("mei.tanaka"), ra)  # now she holds no role at all
    c = client_for("mei.tanaka")
    r = c.post(RUN, **HX)
    assert r.status_code == 403 and "needs a role" in r.content.decode()
    assert cache.get(jobs._key(demo)) is None  # nothing was started
    assert c.get(STATUS).status_code == 403
    page = c.get("/p/lake-varna/verify/")
    assert page.status_code == 200 and "Verify now" not in page.content.decode()
