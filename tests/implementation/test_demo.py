"""The demo agreement: in force, twelve commitments with every standing, two years of scores."""

import pytest

from accord.implementation import queries

pytestmark = pytest.mark.django_db


def test_demo_agreement_in_force_with_twelve_commitments(varna, viewer):
    amara = viewer("amara.okafor")
    assert varna.status == "in_force" and varna.in_force_on is not None
    rows = queries.commitments(amara, agreement_id=varna.pk)
    assert len(rows) == 12
    keys = [s.key for _, s in rows]
    assert keys.count("verified") == 5
    assert keys.count("reported") == 2
    assert keys.count("overdue") == 3
    assert keys.count("slipping") == 1
    assert keys.count("due") == 1
    # ana (ARD) does not read the commitments released to the conflict parties, mediator and mission
    assert len(queries.commitments(viewer("ana.costa"), agreement_id=varna.pk)) == 9
    assert len(queries.commitments(viewer("daria.vol"), agreement_id=varna.pk)) == 12
