"""Fixtures of the negotiation tests: the demo text and issues, a row counter for "nothing changed"."""

from __future__ import annotations

import pytest
from django.apps import apps

from accord.ledger.models import Entry
from accord.negotiation import queries
from accord.negotiation.models import Document, Issue


@pytest.fixture
def doc(demo) -> Document:
    """The demo's draft ceasefire text."""
    return Document.objects.get(process=demo)


@pytest.fixture
def issue(demo):
    """issue("Withdrawal") → the demo agenda issue whose title starts so."""

    def get(prefix: str) -> Issue:
        return Issue.objects.get(process=demo, title__startswith=prefix)

    return get


@pytest.fixture
def clause_no(doc, viewer):
    """clause_no("2.1") → the Clause numbered so in the current version."""

    def get(number: str):
        view = queries.text(viewer("lena.haas"), doc)
        for a in view.articles:
            for c in a.clauses:
                if c.number == number:
                    return queries.clause(doc, c.clause_id)
        raise KeyError(number)

    return get


@pytest.fixture
def snapshot():
    """snapshot() → row counts of every negotiation table plus the ledger entry count."""

    def take() -> dict[str, int]:
        counts = {
            m.__name__: m.objects.count() for m in apps.get_app_config("negotiation").get_models()
        }
        # process logs only: API tokens made by api_for are recorded in the system log
        counts["ledger.Entry"] = Entry.objects.filter(log__process__isnull=False).count()
        return counts

    return take
