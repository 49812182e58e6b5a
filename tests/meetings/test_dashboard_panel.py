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
