"""Reads of the ledger, through core.access: the timeline shows only entries the viewer may read."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from accord.core import access
from accord.core.access import Viewer
from accord.ledger.models import Entry


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
