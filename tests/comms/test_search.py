"""Full-text search on both backends (SQLite FTS5 / PostgreSQL tsvector): filters, and the
readable filter applied before counting; plus the demo traffic itself."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.comms import queries, services
from accord.comms.models import Acknowledgement, Channel, Message
from accord.core.errors import Invalid

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(viewer, chan):
    allies, ard, plenary = chan("Allies coordination"), chan("Ardania delegation"), chan("Plenary")
    old = timezone.now() - timedelta(days=10)
    return {
        "a": services.post_message(
            viewer("ana.costa"), allies.pk, body="Pelican convoy route north"
        ).message,
        "b": services.post_message(
            viewer("ingrid.dahl"), allies.pk, body="Pelican convoy delayed", precedence="PRIORITY"
        ).message,
        "c": services.post_message(
            viewer("james.whitfield"),
            ard.pk,
            body="Pelican secret route",
            label={"level": 3, "rel_to": ["ARD"]},
        ).message,
        "d": services.post_message(
            viewer("viktor.kess"), plenary.pk, body="Pelican statement", now=old
        ).message,
    }


def ids(qs):
    return sorted(m.pk for m in qs)


def test_filters(corpus, viewer, chan, member):
    v = viewer("james.whitfield")
    c = corpus
    assert ids(queries.search(v, "pelican")) == ids([c["a"], c["b"], c["c"], c["d"]])
    assert ids(queries.search(v, "pelican route")) == ids([c["a"], c["c"]])  # every word
    f = queries.SearchFilters
    assert ids(queries.search(v, "pelican", f(channel_id=chan("Ardania delegation").pk))) == [
        c["c"].pk
    ]
    assert ids(queries.search(v, "pelican", f(sender_id=member("ingrid.dahl").pk))) == [c["b"].pk]
    assert ids(queries.search(v, "pelican", f(party="kes"))) == [c["d"].pk]
    assert ids(queries.search(v, "pelican", f(precedence="priority"))) == [c["b"].pk]
    assert ids(
        queries.search(v, "pelican", f(until=(timezone.now() - timedelta(days=5)).date()))
    ) == [c["d"].pk]
    assert c["d"].pk not in ids(queries.search(v, "pelican", f(since=timezone.now().date())))
    assert c["c"].pk not in ids(queries.search(v, "pelican", f(max_level=2)))


def test_readable_before_counting(corpus, viewer):
    assert queries.search(viewer("ana.costa"), "pelican").count() == 3  # not the SECRET one
    assert queries.search(viewer("ingrid.dahl"), "pelican").count() == 3  # not ARD's channel
    assert queries.search(viewer("viktor.kess"), "pelican").count() == 1  # plenary only
    assert queries.search(viewer("mei.tanaka"), "pelican").count() == 1


def test_query_syntax_cannot_break_out(corpus, viewer):
    v = viewer("ana.costa")
    assert queries.search(v, 'pelican" OR "secret').count() == 0  # quotes are words, not syntax
    assert queries.search(v, "pelican NEAR secret*").count() == 0
    with pytest.raises(Invalid):
        queries.search(v, "  ***  ")


def test_api_search_filters_and_bad_input(corpus, api_for):
    c = api_for("james.whitfield")
    r = c.get("/api/v1/processes/lake-varna/channels/search?q=pelican&precedence=PRIORITY")
    assert r.json()["count"] == 1
    assert c.get("/api/v1/processes/lake-varna/channels/search?q=%2A%2A").status_code == 422
    assert (
        c.get("/api/v1/processes/lake-varna/channels/search?q=x&since=notadate").status_code == 422
    )


def test_demo_traffic(demo):
    chans = {c.name: c for c in Channel.objects.filter(process=demo)}
    assert set(chans) >= {
        "Plenary",
        "Ardania delegation",
        "Norlund delegation",
        "Belmark delegation",
        "Allies coordination",
        "Mediation caucus",
        "Ceasefire line (MILOPS)",
    }
    assert chans["Mediation caucus"].label.value.caveats == {"MEDIATION"}
    assert "MILOPS" in chans["Ceasefire line (MILOPS)"].label.value.caveats
    assert Message.objects.filter(channel__process=demo).count() >= 40
    flash = Message.objects.get(channel__process=demo, precedence="FLASH")
    assert flash.requires_ack
    assert Acknowledgement.objects.filter(message=flash).count() == 1  # others still pending
    assert len(queries.recipients(flash)) > 1
    assert Message.objects.filter(channel__process=demo, precedence="IMMEDIATE").exists()


def test_pages_and_bounded_count_walk_the_index_newest_first(viewer, chan, monkeypatch, api_for):
    """Hits come newest first across index chunks; unreadable matches are skipped, not counted."""
    allies, ard = chan("Allies coordination"), chan("Ardania delegation")
    monkeypatch.setattr(queries.SearchResults, "CHUNK", 3)  # force several chunks
    posted = []
    for i in range(7):
        posted.append(
            services.post_message(viewer("ana.costa"), allies.pk, body=f"wombat {i}").message.pk
        )
        # interleaved matches NOR may not read (Ardania's own channel)
        services.post_message(viewer("james.whitfield"), ard.pk, body=f"wombat hidden {i}")
    v = viewer("ingrid.dahl")
    hits = queries.search(v, "wombat")
    assert [m.pk for m in hits[0:4]] == posted[::-1][:4]
    assert [m.pk for m in hits[4:10]] == posted[::-1][4:]
    assert hits.bounded_count(5) == 5 and hits.count() == 7 and hits.exists()
    r = api_for("ingrid.dahl").get("/api/v1/processes/lake-varna/channels/search?q=wombat&limit=2")
    body = r.json()
    assert body["count"] == 7 and body["count_exact"] is True
    assert [h["message"]["id"] for h in body["items"]] == posted[::-1][:2]


def test_count_is_capped_and_says_so(viewer, chan, monkeypatch, api_for):
    import accord.pagination

    allies = chan("Allies coordination")
    for i in range(6):
        services.post_message(viewer("ana.costa"), allies.pk, body=f"capybara {i}")
    monkeypatch.setattr(accord.pagination, "SEARCH_COUNT_CAP", 4)
    r = api_for("ingrid.dahl").get(
        "/api/v1/processes/lake-varna/channels/search?q=capybara&limit=2"
    )
    assert r.json()["count"] == 4 and r.json()["count_exact"] is False
