"""Fixtures of the alignment tests: the demo's zones and actions, and a row counter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.alignment.models import Acknowledgement, Action, Constraint, ConstraintVersion, Touch
from accord.ledger.models import Entry


@pytest.fixture
def zos(demo) -> Constraint:
    return Constraint.objects.get(process=demo, kind="zone_of_separation")


@pytest.fixture
def patrol(demo) -> Action:
    return Action.objects.get(process=demo, title__startswith="Confidence patrol Bravo")


@pytest.fixture
def soon():
    """soon(hours) → an aware time that many hours from now."""
    return lambda hours: timezone.now() + timedelta(hours=hours)


@pytest.fixture
def counts():
    """counts() → row counts of every alignment table and the ledger (for "nothing written")."""

    def get() -> tuple[int, ...]:
        return tuple(
            m.objects.count()
            for m in (Action, Constraint, ConstraintVersion, Acknowledgement, Touch, Entry)
        )

    return get
