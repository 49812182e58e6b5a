"""Fixtures of the meetings tests: the demo meetings, a meeting made on demand, a row counter
for "nothing changed", and a JSON helper for the API."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from accord.core.labels import LabelValue
from accord.ledger.models import Entry
from accord.meetings import services
from accord.meetings.models import Meeting

API = "/api/v1/processes/lake-varna"


@pytest.fixture
def plenary1(demo) -> Meeting:
    return Meeting.objects.get(process=demo, title="First plenary session")


@pytest.fixture
def plenary2(demo) -> Meeting:
    return Meeting.objects.get(process=demo, title="Second plenary session")


@pytest.fixture
def plenary3(demo) -> Meeting:
    return Meeting.objects.get(process=demo, title="Third plenary session")


@pytest.fixture
def caucus(demo) -> Meeting:
    return Meeting.objects.get(process=demo, title="Envoy's caucus with Kestria")


@pytest.fixture
def make_meeting(viewer, member):
    """make_meeting(label=…, starts_in=hours, chair=…, rapporteur=…) → a meeting scheduled by
    the Special Envoy (lena.haas) through the service."""

    def make(
        *,
        label: LabelValue | None = None,
        starts_in: float = -1,
        chair: str = "lena.haas",
        rapporteur: str | None = "pavel.novak",
        kind: str = "plenary",
        title: str = "Test meeting",
        parties=(),
    ) -> Meeting:
        start = timezone.now() + timedelta(hours=starts_in)
        return services.create_meeting(
            viewer("lena.haas"),
            kind=kind,
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            chair_id=member(chair).pk,
            rapporteur_id=member(rapporteur).pk if rapporteur else None,
            parties=list(parties),
            label=label or LabelValue.of(1),
        )

    return make


@pytest.fixture
def counts():
    """counts() → row counts of every meetings table, links, and process ledger entries."""

    def take() -> dict[str, int]:
        from accord.core.models import Link

        out = {m.__name__: m.objects.count() for m in apps.get_app_config("meetings").get_models()}
        out["Link"] = Link.objects.count()
        out["ledger.Entry"] = Entry.objects.filter(log__process__isnull=False).count()
        return out

    return take


def send(client, method: str, path: str, body=None):
    return getattr(client, method)(
        f"{API}{path}", data=json.dumps(body or {}), content_type="application/json"
    )
