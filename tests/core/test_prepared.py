"""core.prepared: a read compiled once answers exactly as its queryset does, for any values."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.core.labels import LabelValue
from accord.core.models import Label, Member, Process, RoleAssignment
from accord.core.prepared import Prepared, insert, prefetched

pytestmark = pytest.mark.django_db

by_slug = Prepared(
    lambda user_id, slug: (
        Member.objects.select_related("party", "user", "process")
        .filter(user_id=user_id, process__slug=slug)
        .order_by()[:1]
    )
)
in_ids = Prepared(lambda ids: Member.objects.filter(pk__in=ids).order_by("pk"))
states = Prepared(
    lambda process_id: (
        Member.objects.filter(process_id=process_id)
        .order_by("pk")
        .values_list("pk", "clearance", "caveats", "party__code")
    )
)


def test_a_prepared_read_answers_as_its_queryset_for_every_member(demo):
    for m in Member.objects.select_related("party", "user", "process").order_by("pk"):
        got = by_slug.first(m.user_id, demo.slug)
        assert got is not None and got.pk == m.pk
        # select_related objects are there, built from the same row (no further query)
        with CaptureQueriesContext(connection) as ctx:
            assert (got.user.username, got.party.code, got.process.slug) == (
                m.user.username,
                m.party.code,
                demo.slug,
            )
        assert ctx.captured_queries == []
        # converted like the ORM does: JSON fields decoded, datetimes aware
        assert got.caveats == m.caveats and got.process.level_names == demo.level_names
        assert got.joined_at == m.joined_at and got.joined_at.tzinfo is not None
    assert by_slug.first(10**9, demo.slug) is None
    assert by_slug.first(Member.objects.first().user_id, "no-such-process") is None


def test_list_arguments_match_the_orm_for_any_length(demo):
    pks = list(Member.objects.order_by("pk").values_list("pk", flat=True))
    for n in (1, 2, 3, 5, 8, 13, len(pks)):
        chosen = pks[:n]
        got = [m.pk for m in in_ids.all(chosen)]
        assert got == chosen  # padding to the compiled size adds no row twice
    assert in_ids.all([]) == []
    assert [m.pk for m in in_ids.all([pks[0], 10**12])] == [pks[0]]


def test_value_rows_and_raw_rows(demo):
    rows = states.rows(demo.pk)
    expected = list(
        Member.objects.filter(process=demo)
        .order_by("pk")
        .values_list("pk", "clearance", "caveats", "party__code")
    )
    assert [tuple(r) for r in rows] == expected
    assert states.all(demo.pk) == expected
    raw = states.rows(demo.pk, convert=False)
    assert [r[0] for r in raw] == [r[0] for r in expected]
    assert all(isinstance(r[2], str) for r in raw)  # JSON as the database holds it


def test_the_query_goes_through_djangos_cursor(demo):
    """So query logging, query-count assertions and error wrapping see it like any other."""
    with CaptureQueriesContext(connection) as ctx:
        states.rows(demo.pk)
    assert len(ctx.captured_queries) == 1


def test_arguments_it_cannot_place_are_refused_not_answered_wrongly(demo):
    with pytest.raises(TypeError):
        in_ids.all([True])
    with pytest.raises(TypeError):
        by_slug.first(None, demo.slug)
    # icontains wraps the value (%…%): the stand-in does not reach the SQL as itself
    fuzzy = Prepared(lambda name: Process.objects.filter(name__icontains=name))
    with pytest.raises(ValueError, match="plain parameter"):
        fuzzy.all("varna")


def test_prefetched_rows_answer_without_a_query(demo):
    m = Member.objects.filter(process=demo).first()
    rows = list(RoleAssignment.objects.filter(member=m))
    prefetched(m, "role_assignments", rows)
    with CaptureQueriesContext(connection) as ctx:
        assert list(m.role_assignments.all()) == rows
        m.permissions()
    assert ctx.captured_queries == []


def test_insert_sets_primary_keys_in_order_and_stores_what_bulk_create_would(demo):
    values = [LabelValue.of(1, ["ARD"], []), LabelValue.of(2, None, ["MEDIATION"])]
    rows = [
        Label(
            process=demo,
            key=f"prep-test-{i}",
            level=v.level,
            rel_to=None if v.rel_to is None else sorted(v.rel_to),
            caveats=sorted(v.caveats),
        )
        for i, v in enumerate(values)
    ]
    insert(rows)
    assert rows[0].pk and rows[1].pk > rows[0].pk
    for row, value in zip(rows, values, strict=True):
        stored = Label.objects.get(pk=row.pk)
        assert stored.key == row.key and stored.value == value
        assert not row._state.adding
    insert([])  # nothing to do
