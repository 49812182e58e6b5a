"""Reads of the ledger, through core.access: the timeline shows only entries the viewer may read."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.db.models import Q, QuerySet

from accord.core import access
from accord.core.access import Viewer
from accord.core.errors import Invalid, NotFound
from accord.ledger import compact
from accord.ledger.models import Entry, Head, Log, Node


def timeline(
    viewer: Viewer,
    *,
    actor: str | None = None,
    action: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Entry]:
    """The process's recorded acts the viewer may read, newest first."""
    if viewer.member is None:
        return Entry.objects.none()
    qs = access.readable(Entry.objects.filter(log__process=viewer.process), viewer)
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    if action:
        qs = qs.filter(Q(action=action) | Q(action__startswith=f"{action}."))
    if since:
        qs = qs.filter(time__gte=since.isoformat())
    if until:
        qs = qs.filter(time__lt=until.isoformat() + "T99")
    return qs.select_related("label").order_by("-seq")


def latest_head(viewer: Viewer) -> Head:
    """The newest signed head of the process's log (any member may read heads: hashes only)."""
    head = Head.objects.filter(log__process=viewer.process).order_by("-size").first()
    if viewer.member is None or head is None:
        raise NotFound("no signed head yet")
    return head


def head_at(viewer: Viewer, size: int) -> Head:
    head = Head.objects.filter(log__process=viewer.process, size=size).first()
    if viewer.member is None or head is None:
        raise NotFound(f"no signed head at size {size}")
    return head


def entry(viewer: Viewer, seq: int) -> Entry:
    """One entry, only if the viewer may read its label (404 otherwise)."""
    return access.get_readable(
        Entry.objects.filter(log__process=viewer.process).select_related("log", "label"),
        viewer,
        "entry",
        seq=seq,
    )


def nodes(log_id: int, keys: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Fetch stored subtree hashes in one query: a UNION ALL of unique-index seeks (fast on
    SQLite and PostgreSQL alike, unlike an OR chain)."""
    if not keys:
        return {}
    table = connection.ops.quote_name(Node._meta.db_table)
    idx = connection.ops.quote_name("index")
    # identifiers are quoted by the backend; every value is a bound parameter
    one = f"SELECT level, {idx}, hash FROM {table} WHERE log_id = %s AND level = %s AND {idx} = %s"  # noqa: S608
    sql = " UNION ALL ".join([one] * len(keys))
    params: list[int] = []
    for level, index in keys:
        params += [log_id, level, index]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return {(lv, ix): bytes(h) for lv, ix, h in cur.fetchall()}


def inclusion_proof(
    viewer: Viewer, seq: int, size: int | None = None
) -> tuple[Entry, Head, list[bytes]]:
    """Audit path of a readable entry against a signed head (the latest by default)."""
    e = entry(viewer, seq)
    head = latest_head(viewer) if size is None else head_at(viewer, size)
    if seq >= head.size:
        raise Invalid(f"entry {seq} is not covered by the head of size {head.size} yet")
    keys = compact.inclusion_proof_nodes(seq, head.size)
    return e, head, compact.assemble_inclusion_proof(seq, head.size, nodes(e.log_id, keys))


def consistency_proof(viewer: Viewer, old: int, new: int) -> list[bytes]:
    if viewer.member is None:
        raise NotFound("process not found")
    if not 0 < old <= new:
        raise Invalid("need 0 < old ≤ new", {"old": "out of range"})
    log = Log.objects.filter(process=viewer.process).first()
    if log is None or new > log.size:
        raise Invalid(
            f"the log has {0 if log is None else log.size} entries", {"new": "beyond the log"}
        )
    keys = compact.consistency_proof_nodes(old, new)
    return compact.assemble_consistency_proof(old, new, nodes(log.pk, keys))
