"""What every HTML view shares: render a page, show an error, resolve the viewer of a process.

The process views of every app (core, comms, negotiation, ledger) use these, so an error page,
the header's process switcher and the viewer lookup mean the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accord.core import access, queries
from accord.core.auth import mfa_satisfied
from accord.core.errors import AccordError

ERROR_TEMPLATES = {403: "ui/403.html", 404: "ui/404.html"}


def render_page(
    request: HttpRequest, template: str, context: dict | None = None, status: int = 200
) -> HttpResponse:
    """Render a full page with the header's process switcher (once the sign-in is complete)."""
    ctx = dict(context or {})
    if request.user.is_authenticated and mfa_satisfied(request):
        ctx.setdefault("my_processes", queries.processes_for(request.user))
    return render(request, template, ctx, status=status)


def error_page(request: HttpRequest, exc: AccordError, context: dict | None = None) -> HttpResponse:
    """The error as a page with its HTTP status (403/404 have their own wording)."""
    template = ERROR_TEMPLATES.get(exc.status, "ui/error.html")
    ctx = {"error": exc.message, "process": getattr(exc, "process", None), **(context or {})}
    return render_page(request, template, ctx, status=exc.status)


def is_htmx(request: HttpRequest) -> bool:
    """True for an htmx request, which gets a fragment instead of a page."""
    return request.headers.get("HX-Request") == "true"


def process_viewer(request: HttpRequest, slug: str) -> access.Viewer:
    """The signed-in member as a viewer of the process in the URL (404 when not a member).
    Kept on the request: templates name people as this viewer may see them ({% person %})."""
    viewer = queries.viewer_for_slug(request.user, slug)
    request.accord_viewer = viewer
    return viewer


def with_viewer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Call ``view(request, viewer, …)`` for the URL's process; an AccordError becomes its page.

    Nothing is written when the view raises: services run in their own transaction.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, process_viewer(request, slug), *args, **kwargs)
        except AccordError as exc:
            return error_page(request, exc)

    return wrapper


def label_choices(viewer: access.Viewer) -> dict:
    """What a label picker (ui/_label_fields.html) may offer this viewer: the levels up to
    their clearance, the process's parties, their own caveats (the service checks the rest)."""
    names = viewer.process.level_names
    return {
        "levels": [(i, n) for i, n in enumerate(names) if i <= viewer.clearance],
        "parties": sorted(p.code for p in viewer.process.parties.all()),
        "my_caveats": sorted(viewer.caveats),
    }


def kind_word(kind: str) -> str:
    """ "negotiation.clause" → "Clause" (what people call the thing)."""
    return kind.split(".", 1)[1].replace("_", " ").capitalize()


def link_choices(viewer: access.Viewer, kinds: list[str], limit: int = 30) -> list[tuple[str, str]]:
    """Options of a "link to…" select: ("kind:id", "Clause: its title") for objects of these
    kinds the viewer may read (core.links reads them through access)."""
    from accord.core import links

    return [
        (f"{kind}:{oid}", f"{kind_word(kind)}: {title[:80]}")
        for kind, oid, title in links.linkable(viewer, kinds, limit=limit)
    ]


def entry_hint(payload: object) -> str:
    """A few words naming what a ledger entry is about (from its own payload, readable like it)."""
    if not isinstance(payload, dict):
        return ""
    words = [str(payload[k]) for k in ("user", "name", "code", "role") if payload.get(k)]
    return " ".join(words[:2])


def parse_when(iso: str) -> datetime | str:
    """An ISO timestamp as a datetime for the template's date filter (the text if it is not one)."""
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso


def pagination(page: int, pages: int, around: int = 1) -> list[int | None]:
    """The page numbers a `usa-pagination` shows: the first, the last, the current one and
    `around` on each side; None where a run is left out (an ellipsis)."""
    shown = sorted({1, pages, *range(max(page - around, 1), min(page + around, pages) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out
