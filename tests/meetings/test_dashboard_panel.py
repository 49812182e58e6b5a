"""The dashboard's meetings card: each reader's own open action items and the next meeting
they may read — never another party's items, never a meeting they may not read."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_each_reader_sees_their_own_action_items_on_the_dashboard(demo, client_for):
    ana = client_for("ana.costa").get("/p/lake-varna/").content.decode()
    assert "Meetings and action items" in ana
    assert "Confirm the list of river crossings open to civilians." in ana  # owned by ARD
    assert "Send the Front" not in ana  # NVF's item
    daria = client_for("daria.vol").get("/p/lake-varna/").content.decode()
    assert "Send the Front&#x27;s map of the current line" in daria
    assert "river crossings" not in daria
    assert "caucus" not in daria.lower()  # the envoy's caucus with Kestria is not hers to see


def test_concerns_awaiting_the_readers_party_are_on_the_dashboard(demo, client_for):
    ana = client_for("ana.costa").get("/p/lake-varna/").content.decode()
    assert "1 concern awaits an answer from Republic of Ardania" in ana
    assert "1 overdue" in ana and "?status=open&amp;party=ARD" in ana
    # NOR may not read the concern addressed to ARD (REL TO ARD, VMM, MED): nothing to answer
    ingrid = client_for("ingrid.dahl").get("/p/lake-varna/").content.decode()
    assert "awaits an answer" not in ingrid and "await an answer" not in ingrid
    # KES answered the concern addressed to it
    viktor = client_for("viktor.kess").get("/p/lake-varna/").content.decode()
    assert "an answer from Government of Kestria" not in viktor
