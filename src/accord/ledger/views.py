"""Ledger pages: the process timeline (what the viewer may read) and the verify page."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from accord.core import access
from accord.core.errors import AccordError
from accord.ledger import queries, signing
from accord.ledger.services import signing_key
from accord.ui.pages import (
    entry_hint,
    parse_when,
    render_page,
    with_viewer,
)

PAGE = 100


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@require_GET
@with_viewer
def timeline(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    f = {k: request.GET.get(k, "").strip() for k in ("actor", "action", "since", "until")}
    bad = [k for k in ("since", "until") if f[k] and _date(f[k]) is None]
    qs = queries.timeline(
        viewer,
        actor=f["actor"] or None,
        action=f["action"] or None,
        since=_date(f["since"]),
        until=_date(f["until"]),
    )
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    total = qs.count()
    rows = [
        {
            "entry": e,
            "when": parse_when(e.time),
            "subject": e.subject_type.rsplit(".", 1)[-1],
            "hint": entry_hint(e.payload),
        }
        for e in qs[(page - 1) * PAGE : page * PAGE]
    ]
    ctx = {
        "process": viewer.process,
        "viewer": viewer,
        "entries": rows,
        "filters": f,
        "bad_dates": bad,
        "total": total,
        "page": page,
        "has_next": page * PAGE < total,
        "show_seq": True,
    }
    return render_page(request, "ledger/timeline.html", ctx, status=400 if bad else 200)


@login_required
@require_GET
@with_viewer
def verify(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    key = signing_key()
    try:
        head = queries.latest_head(viewer)
    except AccordError:
        head = None
    ctx = {
        "process": viewer.process,
        "head": head,
        "root_b64": signing.b64encode(bytes(head.root)) if head else "",
        "root_hex": bytes(head.root).hex() if head else "",
        "public_key": signing.public_key_b64(key),
        "key_id": signing.key_id(key),
    }
    return render_page(request, "ledger/verify.html", ctx)
