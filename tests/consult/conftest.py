"""Fixtures of the consultation tests: the demo consultations, labelled ones made on demand,
a synthetic Pol.is export, and a row counter for "nothing changed"."""

from __future__ import annotations

import pytest
from django.apps import apps

from accord.consult import services
from accord.consult.demo import forum_csv
from accord.consult.models import Consultation
from accord.core.labels import LabelValue
from accord.ledger.models import Entry


@pytest.fixture
def priorities(demo) -> Consultation:
    """The demo's member consultation (RESTRICTED, all parties, open)."""
    return Consultation.objects.get(process=demo, title="Priorities for the single text")


@pytest.fixture
def forum(demo) -> Consultation:
    """The demo's imported civil-society consultation (UNCLASSIFIED, closed)."""
    return Consultation.objects.get(process=demo, title="Varna civil-society forum")


@pytest.fixture
def labelled(viewer):
    """labelled(LabelValue) → a consultation under that label, opened by the coordinator
    (who reads every label of the demo), with the synthetic forum votes imported."""

    def make(label: LabelValue, *, imported: bool = True) -> Consultation:
        amara = viewer("amara.okafor")
        c = services.create_consultation(
            amara,
            title=f"Restricted {label.key}",
            label=label,
            statements=["A statement members may vote on."],
        )
        if imported:
            votes, comments, _ = forum_csv(seed=11)
            services.import_votes(amara, c, votes_csv=votes, comments_csv=comments)
        return c

    return make


@pytest.fixture
def counts():
    """counts() → row counts of every consult and negotiation table plus process ledger entries."""

    def take() -> dict[str, int]:
        out = {}
        for app in ("consult", "negotiation"):
            for m in apps.get_app_config(app).get_models():
                out[m.__name__] = m.objects.count()
        out["ledger.Entry"] = Entry.objects.filter(log__process__isnull=False).count()
        return out

    return take
