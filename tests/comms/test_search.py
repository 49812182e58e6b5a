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


# --- stemming (issue #15): every form of a word, on both stores ------------------------------
def test_a_plural_finds_the_singular_and_back(corpus, viewer, chan):
    """ "convoys" finds the "convoy" messages (the demo's own convoy traffic too); a stemmed
    match is still filtered by what the reader may read (the SECRET ARD convoy never reaches
    ana, NOR or KES)."""
    c = corpus
    hidden = services.post_message(
        viewer("james.whitfield"),
        chan("Ardania delegation").pk,
        body="Pelicans: convoys of the Front seen at the bridge",
        label={"level": 3, "rel_to": ["ARD"]},
    ).message
    james = viewer("james.whitfield")
    assert ids(queries.search(james, "pelican convoys")) == ids([c["a"], c["b"], hidden])
    assert ids(queries.search(james, "pelicans convoy")) == ids([c["a"], c["b"], hidden])
    for reader in ("ana.costa", "ingrid.dahl"):
        v = viewer(reader)
        assert ids(queries.search(v, "pelican convoys")) == ids([c["a"], c["b"]])
        singular = {m.pk for m in queries.search(v, "convoy")}
        assert singular and {m.pk for m in queries.search(v, "convoys")} == singular
        assert hidden.pk not in singular
    assert queries.search(viewer("viktor.kess"), "pelican convoys").count() == 0
    # other forms: -ed / -ing, and every word of the query still has to match
    assert ids(queries.search(viewer("ana.costa"), "pelican delaying")) == [c["b"].pk]
    assert ids(queries.search(viewer("ana.costa"), "pelican routes north")) == [c["a"].pk]
    assert queries.search(viewer("ana.costa"), "pelican convoys statements").count() == 0


def test_search_page_marks_the_forms_it_found(corpus, client_for):
    c = client_for("ingrid.dahl")
    html = c.get("/p/lake-varna/channels/search/?q=pelicans+convoys").content.decode()
    assert "2 messages found" in html
    assert "<mark>Pelican</mark> <mark>convoy</mark> route north" in html
    assert "<mark>Pelican</mark> <mark>convoy</mark> delayed" in html
    body = c.get("/api/v1/processes/lake-varna/channels/search?q=pelicans+convoys").json()
    assert body["count"] == 2
    assert all("<mark>convoy</mark>" in h["snippet"] for h in body["items"])


def test_snippet_marks_forms_escapes_and_never_leaves_markup_open():
    text = queries.snippet("Convoys <b>of</b> the convoy; a conveyor belt", "convoy")
    assert str(text) == (
        "<mark>Convoys</mark> &lt;b&gt;of&lt;/b&gt; the <mark>convoy</mark>; a conveyor belt"
    )
    long = "x " * 200 + "negotiations resume"
    cut = str(queries.snippet(long, "negotiation", width=40))
    assert cut.startswith("…") and "<mark>negotiations</mark>" in cut
    assert cut.count("<mark>") == cut.count("</mark>")


def test_the_sqlite_index_stems(db):
    """The migration rebuilt the FTS5 table with the Porter stemmer (PostgreSQL's stored
    vector is to_tsvector('english', …), which stems already)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's FTS5 table")
    with connection.cursor() as cur:
        cur.execute("SELECT sql FROM sqlite_master WHERE name = 'comms_message_fts'")
        assert "porter unicode61" in cur.fetchone()[0]
