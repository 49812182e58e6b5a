"""Fixtures of the implementation tests: the demo agreement, a row counter for "nothing
changed", and a signed negotiating text to make an agreement from."""

from __future__ import annotations

import pytest
from django.apps import apps

from accord.implementation.demo import TITLE
from accord.implementation.models import Agreement
from accord.ledger.models import Entry


@pytest.fixture
def varna(demo) -> Agreement:
    """The demo's ceasefire agreement (UNCLASSIFIED, in force)."""
    return Agreement.objects.get(process=demo, title=TITLE)


@pytest.fixture
def counts():
    """counts() → row counts of every implementation table plus process ledger entries."""

    def take() -> dict[str, int]:
        out = {
            m.__name__: m.objects.count()
            for m in apps.get_app_config("implementation").get_models()
        }
        out["ledger.Entry"] = Entry.objects.filter(log__process__isnull=False).count()
        return out

    return take


@pytest.fixture
def signed_text(viewer):
    """A two-article text between KES and NVF, accepted by both and signed by both."""
    from accord.negotiation import queries, services

    lena = viewer("lena.haas")
    doc = services.create_document(
        lena,
        title="Varna crossings protocol",
        required_parties=["KES", "NVF"],
        articles=[
            (
                "Crossings",
                [
                    "The Parties shall open the northern crossing within thirty (30) days of the "
                    "entry into force of this Protocol.",
                    "Convoys shall pass no later than 1 June 2027.",
                ],
            ),
            (
                "Mines",
                [
                    "Roads to the crossings shall be cleared within 45 days of the transfer of authority."
                ],
            ),
        ],
    )
    for user in ("viktor.kess", "daria.vol"):
        for art in queries.text(lena, doc).articles:
            for c in art.clauses:
                services.record_stance(
                    viewer(user), doc, queries.clause(doc, c.clause_id), stance="accept", version=1
                )
    services.sign_version(viewer("viktor.kess"), doc, version=1)
    services.sign_version(viewer("daria.vol"), doc, version=1)
    return doc
