"""Comms fixtures: demo channels by name, a second ARD member with MILOPS, counters."""

from __future__ import annotations

import pytest

from accord.comms.models import Channel, Message, Notification
from accord.core import queries, services
from accord.ledger.models import Entry


@pytest.fixture
def chan(demo):
    """chan("Allies coordination") → that demo channel."""

    def get(name: str) -> Channel:
        return Channel.objects.select_related("label").get(process=demo, name=name)

    return get


@pytest.fixture
def kate(demo, viewer):
    """kate.reed: ARD negotiator, SECRET with MILOPS — the reader of ARD MILOPS traffic."""
    user = services.create_user(username="kate.reed", password="a-long-demo-pass-1")
    return services.add_member(
        None,
        demo,
        user=user,
        party=queries.party(viewer("amara.okafor"), "ARD"),
        clearance=3,
        caveats=["MILOPS"],
        roles=["negotiator"],
    )


@pytest.fixture
def counts():
    """counts() → (messages, notifications, ledger entries): to prove nothing was written."""

    def get() -> tuple[int, int, int]:
        return Message.objects.count(), Notification.objects.count(), Entry.objects.count()

    return get
