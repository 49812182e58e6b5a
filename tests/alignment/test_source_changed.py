"""A constraint sourced from a clause is flagged "source changed — review" when a new version
of the text rewords that clause (alignment listens to negotiation through core.events and reads
it through negotiation.queries); the flag is read under the constraint's and the text's labels."""

from __future__ import annotations

import pytest

from accord.alignment import queries, services
from accord.alignment.models import Constraint
from accord.core import access
from accord.core.errors import Invalid
from accord.core.labels import LabelValue
from accord.ledger.models import Entry
from accord.negotiation import services as neg
from accord.negotiation.models import Clause, Document

pytestmark = pytest.mark.django_db

PAGES = "/p/lake-varna/alignment"
API = "/api/v1/processes/lake-varna/alignment"
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[28.0, 44.0], [28.2, 44.0], [28.2, 44.2], [28.0, 44.2], [28.0, 44.0]]],
}


@pytest.fixture
def sourced(demo, viewer):
    doc = Document.objects.get(process=demo)
    first, other = list(Clause.objects.filter(document=doc).order_by("pk")[:2])
    c = services.create_constraint(
        viewer("amara.okafor"),
        title="Zone from the clause",
        kind="exclusion_zone",
        restriction="prohibited",
        geometry=SQUARE,
        source=first,
        label=LabelValue.of(0),
    )
    return doc, first, other, c


def _edit(viewer, doc, clause, text):
    from accord.negotiation.queries import version

    return neg.edit_clause(
        viewer("amara.okafor"), doc, clause, text=text, base_version=version(doc).number
    )


def test_rewording_the_source_clause_flags_the_constraint(
    sourced, viewer, client_for, django_capture_on_commit_callbacks
):
    doc, first, other, c = sourced
    # another clause changes: nothing
    with django_capture_on_commit_callbacks(execute=True):
        _edit(viewer, doc, other, "The Parties shall meet monthly in Varna.")
    c.refresh_from_db()
    assert c.source_changed_at is None
    # the source clause changes: flagged, ledgered, shown
    with django_capture_on_commit_callbacks(execute=True):
        _edit(viewer, doc, first, "The ceasefire line runs two kilometres further east.")
    c.refresh_from_db()
    assert c.source_changed_at is not None
    assert queries.source_changed(viewer("col.marsh"), c)
    assert Entry.objects.filter(
        action="alignment.constraint.source_changed", subject_id=str(c.pk)
    ).exists()
    page = client_for("col.marsh").get(f"{PAGES}/constraints/{c.pk}/").content.decode()
    assert "Source changed — review" in page
    api = client_for("amara.okafor").get(f"{API}/constraints/{c.pk}")
    assert api.json()["source_changed"] is True
    # reviewed: cleared; reviewing again is refused
    r = client_for("amara.okafor").post(f"{PAGES}/constraints/{c.pk}/source-reviewed/")
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.source_changed_at is None
    with pytest.raises(Invalid, match="has not changed"):
        services.mark_source_reviewed(viewer("amara.okafor"), c)


def test_a_new_version_of_the_constraint_clears_the_flag(
    sourced, viewer, django_capture_on_commit_callbacks
):
    doc, first, _other, c = sourced
    with django_capture_on_commit_callbacks(execute=True):
        _edit(viewer, doc, first, "The line moves.")
    c = services.update_constraint(viewer("amara.okafor"), Constraint.objects.get(pk=c.pk),
                                   buffer_m=100, note="follows the new wording")  # fmt: skip
    assert c.source_changed_at is None


def test_the_flag_is_hidden_from_who_may_not_read_the_text(
    sourced, demo, viewer, client_for, django_capture_on_commit_callbacks
):
    doc, first, _other, c = sourced
    doc.label = access.label_row(demo, LabelValue.of(1, ["KES", "MED"]))
    doc.save()
    with django_capture_on_commit_callbacks(execute=True):
        _edit(viewer, doc, first, "Reworded where ARD may not read.")
    c.refresh_from_db()
    assert c.source_changed_at is not None
    assert queries.source_changed(viewer("viktor.kess"), c)
    # ARD reads the public constraint, not the text: no flag, no button, no hint
    assert not queries.source_changed(viewer("col.marsh"), c)
    page = client_for("col.marsh").get(f"{PAGES}/constraints/{c.pk}/").content.decode()
    assert "Source changed" not in page
    assert (
        client_for("col.marsh").get(f"{API}/constraints/{c.pk}").json()["source_changed"] is False
    )
    r = client_for("col.marsh").post(f"{PAGES}/constraints/{c.pk}/source-reviewed/")
    assert r.status_code == 422
    c.refresh_from_db()
    assert c.source_changed_at is not None
