"""HTML pages and htmx fragments of consultations: parse → services / queries → render.
No logic here; a refused act is shown with its status and nothing is written."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accord.consult import queries, services
from accord.core import access
from accord.core.errors import AccordError, Invalid, NotFound
from accord.core.roles import Perm
from accord.ui.pages import error_page, is_htmx, process_viewer, render_page, with_viewer

MAX_UPLOAD = services.MAX_IMPORT_BYTES


def _detail_context(viewer: access.Viewer, c, **extra) -> dict:
    return {
        "process": viewer.process,
        "viewer": viewer,
        "c": c,
        "tallies": queries.tallies(viewer, c),
        "participants": queries.participant_count(viewer, c),
        "can_manage": viewer.can(services.MANAGE),
        "can_run": viewer.can(Perm.RUN_ANALYSIS),
        "here": c.title,
        "max_len": 500,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def consultation_list(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """Consultations the viewer may read; a form to open one for coordinators and mediators."""
    ctx = {
        "process": viewer.process,
        "consultations": queries.consultations(viewer),
        "can_manage": viewer.can(services.MANAGE),
        "here": "Consultations",
    }
    if request.method == "POST":
        try:
            c = services.create_consultation(
                viewer,
                title=request.POST.get("title", ""),
                question=request.POST.get("question", ""),
                statements=request.POST.get("statements", "").splitlines(),
            )
        except AccordError as exc:
            ctx.update(error=exc.message, form=request.POST)
            return render_page(request, "consult/list.html", ctx, status=exc.status)
        return redirect("consult:detail", slug=viewer.process.slug, consultation_id=c.pk)
    return render_page(request, "consult/list.html", ctx)


@login_required
@with_viewer
def consultation_detail(
    request: HttpRequest, viewer: access.Viewer, consultation_id: int
) -> HttpResponse:
    """Statements with tallies; the viewer's own votes; forms to vote and add statements."""
    c = queries.consultation(viewer, consultation_id)
    return render_page(request, "consult/detail.html", _detail_context(viewer, c))


def _act(request: HttpRequest, slug: str, consultation_id: int, act, note: str) -> HttpResponse:
    """Common frame of the POST forms: act, then back to the consultation with a note."""
    try:
        viewer = process_viewer(request, slug)
        c = queries.consultation(viewer, consultation_id)
    except AccordError as exc:
        return error_page(request, exc)
    try:
        act(viewer, c)
    except AccordError as exc:
        ctx = _detail_context(viewer, queries.consultation(viewer, c.pk), page_error=exc.message)
        return render_page(request, "consult/detail.html", ctx, status=exc.status)
    messages.success(request, note)
    return redirect("consult:detail", slug=slug, consultation_id=c.pk)


@login_required
@require_POST
def add_statement(request: HttpRequest, slug: str, consultation_id: int) -> HttpResponse:
    text = request.POST.get("text", "")
    return _act(
        request,
        slug,
        consultation_id,
        lambda v, c: services.add_statement(v, c, text),
        "Your statement was added.",
    )


@login_required
@require_POST
def close(request: HttpRequest, slug: str, consultation_id: int) -> HttpResponse:
    return _act(
        request,
        slug,
        consultation_id,
        lambda v, c: services.close_consultation(v, c),
        "The consultation was closed.",
    )


@login_required
@require_POST
def import_votes(request: HttpRequest, slug: str, consultation_id: int) -> HttpResponse:
    """A Pol.is export, uploaded as files or pasted."""

    def read(name: str) -> str:
        upload = request.FILES.get(name)
        if upload is None:
            return request.POST.get(name, "")
        if upload.size > MAX_UPLOAD:
            raise Invalid(f"{upload.name} is larger than 5 MB", {name: "too large"})
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Invalid(f"{upload.name} is not UTF-8 text", {name: "encoding"}) from exc

    def act(v, c):
        services.import_votes(
            v,
            c,
            votes_csv=read("votes_csv"),
            comments_csv=read("comments_csv"),
            source=request.POST.get("source", ""),
        )

    return _act(request, slug, consultation_id, act, "The votes were imported.")


@login_required
@require_POST
def vote(request: HttpRequest, slug: str, consultation_id: int, statement_id: int) -> HttpResponse:
    """Cast a vote; htmx gets the statement row back, a plain POST a redirect."""
    try:
        viewer = process_viewer(request, slug)
        c = queries.consultation(viewer, consultation_id)
    except AccordError as exc:
        return error_page(request, exc)
    error, status = None, 200
    try:
        raw = request.POST.get("value", "")
        if raw not in ("1", "-1", "0"):
            raise Invalid("a vote is agree (1), disagree (-1) or pass (0)", {"value": "invalid"})
        services.vote(viewer, c, statement_id, int(raw))
    except AccordError as exc:
        error, status = exc.message, exc.status
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect("consult:detail", slug=slug, consultation_id=c.pk)
    c = queries.consultation(viewer, c.pk)
    t = next((t for t in queries.tallies(viewer, c) if t.statement.pk == statement_id), None)
    if t is None:
        return error_page(request, NotFound("statement not found"))
    ctx = _detail_context(
        viewer, c, t=t, row_error=error, row_saved=None if error else "your vote was saved"
    )
    return render(request, "consult/_statement.html", ctx, status=status)
