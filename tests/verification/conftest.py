"""Fixtures of the verification tests: the demo's rumour, row counts for "nothing changed"."""

from __future__ import annotations

import pytest
from django.apps import apps

from accord.ledger.models import Entry
from accord.verification import disarm, queries
from accord.verification.demo import RUMOUR
from accord.verification.models import Claim

BUNDLE = disarm.default_path()
needs_bundle = pytest.mark.skipif(BUNDLE is None, reason="DISARM bundle not present")


@pytest.fixture(autouse=True)
def _fresh_index():
    """Each test starts from an empty in-process similar-claim index (ids are reused after a
    rolled-back test on SQLite)."""
    queries.reset_indexes()
    yield
    queries.reset_indexes()


@pytest.fixture
def rumour(demo) -> Claim:
    return Claim.objects.get(process=demo, text=RUMOUR)


@pytest.fixture
def counts():
    """counts() → row counts of every verification table and of the ledger."""

    def take() -> dict[str, int]:
        out = {
            m.__name__: m.objects.count() for m in apps.get_app_config("verification").get_models()
        }
        out["ledger.Entry"] = Entry.objects.count()
        return out

    return take
