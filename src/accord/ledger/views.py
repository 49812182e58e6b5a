"""Ledger pages: the process timeline in words (what the viewer may read), and the verify page
with its signed head, key and "Verify now" (a background job the page polls)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accord.core import access
from accord.core import queries as core_queries
from accord.core.errors import AccordError, NotFound
from accord.core.roles import Perm
from accord.ledger import jobs, queries, signing, words
from accord.ledger.services import signing_key
from accord.ui.pages import is_htmx, pagination, process_viewer, render_page, with_viewer

PAGE = 50


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
    problems = [
        f"{name} must be a date (YYYY-MM-DD)"
        for key, name in (("since", "From"), ("until", "Until"))
        if f[key] and _date(f[key]) is None
    ]
    people = list(core_queries.members(viewer, include_inactive=True))
    member = None
    if f["actor"]:
        member = next((m for m in people if str(m.pk) == f["actor"]), None)
        if member is None:
            problems.append("Who must be chosen from the list")
    qs = words.timeline(
        viewer,
        member=member,
        action=f["action"] or None,
        since=_date(f["since"]),
        until=_date(f["until"]),
    )
    if member is None and f["actor"]:
        qs = qs.none()
    total = qs.count()
    pages = max((total + PAGE - 1) // PAGE, 1)
    try:
        page = min(max(int(request.GET.get("page", "1")), 1), pages)
    except ValueError:
        page = 1
    actions = words.actions_seen(viewer)
    if f["action"] and f["action"] not in dict(actions):
        actions.append((f["action"], words.action_name(f["action"])))
    ctx = {
        "process": viewer.process,
        "viewer": viewer,
        "lines": words.lines(viewer, qs[(page - 1) * PAGE : page * PAGE]),
        "filters": f,
        "filtered": any(f.values()),
        "problems": problems,
        "people": people,
        "actions": actions,
        "total": total,
        "page": page,
        "pages": pagination(page, pages),
        "page_count": pages,
        "filter_query": _query(f),
        "show_seq": True,
        "here": "Timeline",
    }
    return render_page(request, "ledger/timeline.html", ctx, status=400 if problems else 200)


def _query(filters: dict[str, str]) -> str:
    """The filters as a query string prefix for the pagination links ("actor=3&")."""
    from urllib.parse import urlencode

    kept = {k: v for k, v in filters.items() if v}
    return urlencode(kept) + "&" if kept else ""


def _verify_context(viewer: access.Viewer) -> dict:
    may = viewer.can(Perm.VERIFY_LEDGER)
    job = jobs.status(viewer) if may else None
    ctx = {"process": viewer.process, "viewer": viewer, "may_verify": may, "job": job}
    if job:
        ctx["told"] = jobs.tell(viewer, job) if job.get("state") == "done" else []
        ctx["by"] = jobs.by_member(viewer, job)
        ctx["first_time"] = words.parse_time(job.get("first_time") or "")
        ctx["finished"] = words.parse_time(job.get("finished_at") or "")
        ctx["stale"] = job.get("state") in ("queued", "running") and jobs.stale(job)
        total = job.get("total") or 0
        ctx["percent"] = int(100 * (job.get("done") or 0) / total) if total else 0
        ctx["n"] = {k: f"{job.get(k) or 0:,}" for k in ("done", "total", "entries", "rows")}
        ctx["unsigned"] = max((job.get("entries") or 0) - (job.get("signed") or 0), 0)
    return ctx


@login_required
@require_GET
@with_viewer
def verify(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    key = signing_key()
    try:
        head = queries.latest_head(viewer)
    except NotFound:
        head = None
    ctx = {
        **_verify_context(viewer),
        "head": head,
        "head_time": words.parse_time(head.timestamp) if head else None,
        "root_b64": signing.b64encode(bytes(head.root)) if head else "",
        "root_hex": bytes(head.root).hex() if head else "",
        "public_key": signing.public_key_b64(key),
        "key_id": signing.key_id(key),
        "here": "Verify",
    }
    return render_page(request, "ledger/verify.html", ctx)


@login_required
@require_POST
def verify_run(request: HttpRequest, slug: str) -> HttpResponse:
    """Verify now: queue the live check (htmx gets the progress fragment, a form a redirect)."""
    try:
        viewer = process_viewer(request, slug)
        jobs.start(viewer)
    except AccordError as exc:
        if is_htmx(request):
            ctx = {"error": exc.message}
            return render(request, "ledger/_verify_status.html", ctx, status=exc.status)
        from accord.ui.pages import error_page

        return error_page(request, exc)
    if is_htmx(request):
        return render(request, "ledger/_verify_status.html", _verify_context(viewer))
    return redirect("ledger:verify", slug=slug)


@login_required
@require_GET
def verify_status(request: HttpRequest, slug: str) -> HttpResponse:
    """The progress or result of the latest check (polled by the verify page)."""
    try:
        viewer = process_viewer(request, slug)
        jobs.status(viewer)  # refuses members who may not check the record
    except AccordError as exc:
        return render(
            request, "ledger/_verify_status.html", {"error": exc.message}, status=exc.status
        )
    return render(request, "ledger/_verify_status.html", _verify_context(viewer))
