"""Links across apps (core.links): a reader sees a link only when they may read both ends, the
record of a link carries the labels of both ends, and the header is built from the registry."""

from __future__ import annotations

import pytest

from accord.comms import services as comms
from accord.comms.models import Channel
from accord.core import links, services
from accord.core.errors import Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.core.models import Link
from accord.ledger.models import Entry
from accord.ui import context, sections

pytestmark = pytest.mark.django_db

ARD_ONLY = LabelValue.of(1, ["ARD"])


@pytest.fixture
def messages(demo, viewer):
    plenary = Channel.objects.get(process=demo, kind="plenary")
    pub = comms.post_message(viewer("ana.costa"), plenary.pk, body="Open note").message
    ard = comms.post_message(
        viewer("ana.costa"), plenary.pk, body="Ardanian note", label=ARD_ONLY
    ).message
    return pub, ard


def test_a_link_is_shown_only_to_readers_of_both_ends(messages, viewer):
    pub, ard = messages
    link = services.add_link(viewer("ana.costa"), pub, ard, "cites")
    seen = links.targets(viewer("ana.costa"), pub)
    assert [(x.kind, x.id, x.relation) for x in seen] == [("comms.message", ard.pk, "cites")]
    # another party reads the source but not the target: no link, not even a count
    assert links.targets(viewer("viktor.kess"), pub) == []
    assert links.sources(viewer("viktor.kess"), ard) == []  # nor the target itself
    assert [x.id for x in links.sources(viewer("ana.costa"), ard)] == [pub.pk]
    # linking again returns the same link
    assert services.add_link(viewer("ana.costa"), pub, ard, "cites").pk == link.pk


def test_the_record_of_a_link_carries_the_labels_of_both_ends(messages, viewer):
    pub, ard = messages
    link = services.add_link(viewer("ana.costa"), pub, ard)
    entry = Entry.objects.filter(action="link.add", subject_id=str(link.pk)).get()
    assert entry.label.value.rel_to == ARD_ONLY.rel_to


def test_bad_links_are_refused_and_write_nothing(messages, viewer):
    pub, ard = messages
    before = Link.objects.count()
    with pytest.raises(NotFound):  # the actor may not read the target: as if it did not exist
        services.add_link(viewer("viktor.kess"), pub, ard)
    with pytest.raises(Invalid):
        services.add_link(viewer("ana.costa"), pub, pub)
    with pytest.raises(Invalid):
        services.add_link(viewer("ana.costa"), pub, ard, "x" * 41)
    assert Link.objects.count() == before


def test_a_link_is_removed_by_its_author_or_a_coordinator(messages, viewer):
    pub, ard = messages
    link = services.add_link(viewer("ana.costa"), pub, ard)
    with pytest.raises(NotFound):  # cannot see the target
        services.remove_link(viewer("viktor.kess"), link.pk)
    other = services.add_link(viewer("ana.costa"), ard, pub)
    with pytest.raises(Forbidden):
        services.remove_link(viewer("col.marsh"), other.pk)
    services.remove_link(viewer("ana.costa"), link.pk)
    assert not Link.objects.filter(pk=link.pk).exists()
    assert Entry.objects.filter(action="link.remove").exists()


def test_the_header_groups_the_registered_sections():
    menu = context.header("lake-varna", "analysis")
    tops = [e.get("group") or e["name"] for e in menu]
    assert tops[:3] == ["Dashboard", "Channels", "Talks"]
    talks = next(e for e in menu if e.get("group") == "Talks")
    assert talks["current"] is True
    assert [i["key"] for i in talks["items"]][:3] == ["negotiation", "analysis", "consultations"]
    assert sections.section_of("negotiation", "analysis_run") == "analysis"
    assert sections.section_of("negotiation", "workspace") == "negotiation"
    assert sections.section_of("ledger", "verify") == "verify"
    assert sections.section_of("ui", "dashboard") == "dashboard"


def test_dashboard_panels_show_only_when_they_have_something_to_say(demo, client_for):
    from django.template import engines

    from accord.ui.sections import Panel, _panels, register_panel

    def ctx(viewer):
        return {"who": viewer.member.display_name} if viewer.member.party.code == "ARD" else None

    register_panel(
        Panel("probe", "Probe panel", engines["django"].from_string("<p>{{ ctx.who }}</p>"), ctx, 1)
    )
    try:
        html = client_for("ana.costa").get("/p/lake-varna/").content.decode()
        assert "Probe panel" in html and "Ana Costa" in html
        assert "Probe panel" not in client_for("daria.vol").get("/p/lake-varna/").content.decode()
    finally:
        _panels.pop("probe")
