"""HTML pages and htmx fragments of the negotiation workspace: parse → services / queries →
render. No logic here; errors from services are shown with their status and nothing is written."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from accord.consult import queries as consult_queries
from accord.core import access
from accord.core.errors import AccordError, Invalid
from accord.core.roles import Perm
from accord.negotiation import exports, queries, services
from accord.negotiation.models import Amendment, Issue, Stance
from accord.ui.forms import parse_label
from accord.ui.pages import (
    error_page,
    is_htmx,
    label_choices,
    process_viewer,
    render_page,
    with_viewer,
)


def _int(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"{name} must be a whole number", {name: "invalid"}) from exc


def _text_url(slug: str, doc_id: int, **query) -> str:
    url = reverse("negotiation:text", args=[slug, doc_id])
    q = "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
    return f"{url}?{q}" if q else url


# --- workspace: agenda, matrix, texts ----------------------------------------------------------
def _workspace(
    request: HttpRequest, viewer: access.Viewer, status: int = 200, **extra
) -> HttpResponse:
    m = queries.matrix(viewer)
    docs = list(queries.documents(viewer))
    clusters: dict[str, list] = {}
    for row in m.rows:
        clusters.setdefault(row.issue.cluster, []).append(row)
    may_pen = viewer.can(Perm.HOLD_PEN)
    return render_page(
        request,
        "negotiation/workspace.html",
        {
            "process": viewer.process,
            "viewer": viewer,
            "matrix": m,
            "clusters": clusters,
            "documents": docs,
            "can_state": viewer.can(Perm.STATE_POSITIONS),
            "mediation_path": "MEDIATION" in viewer.caveats,
            "may_pen": may_pen,
            "issue_kinds": Issue.Kind.choices,
            **(label_choices(viewer) if may_pen else {}),
            **extra,
        },
        status=status,
    )


@login_required
@with_viewer
def workspace(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    return _workspace(request, viewer)


def _float(value, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"{name} must be a number", {name: "invalid"}) from exc


@login_required
@require_POST
def create_issue(request: HttpRequest, slug: str) -> HttpResponse:
    """The pen holder puts an issue on the agenda from the workspace page."""
    try:
        viewer = process_viewer(request, slug)
    except AccordError as exc:
        return error_page(request, exc)
    post = request.POST
    try:
        issue = services.create_issue(
            viewer,
            title=post.get("title", ""),
            kind=post.get("kind", ""),
            cluster=post.get("cluster", ""),
            description=post.get("description", ""),
            options=post.get("options", "").splitlines(),
            unit=post.get("unit", "").strip(),
            minimum=_float(post.get("minimum"), "minimum"),
            maximum=_float(post.get("maximum"), "maximum"),
            step=_float(post.get("step"), "step"),
            label=parse_label(viewer.process, post, "label_"),
        )
    except AccordError as exc:
        level = post.get("label_level", "")
        return _workspace(
            request,
            viewer,
            status=exc.status,
            issue_error=exc.message,
            issue_data=post,
            # the label as chosen: a form sent back must not fall to a looser one unnoticed
            issue_level=int(level) if level.isdigit() else 0,
            issue_rel_to=post.getlist("label_rel_to"),
            issue_caveats=post.getlist("label_caveats"),
        )
    messages.success(request, f"“{issue.title}” is on the agenda.")
    return redirect(reverse("negotiation:workspace", args=[slug]) + f"#issue-{issue.pk}")


# --- the single text ----------------------------------------------------------------------------
def _text_context(request, viewer, doc, number=None, **extra) -> dict:
    view = queries.text(viewer, doc, number)
    party = viewer.party_code
    readable_issues = {i.pk: i for i in queries.issues(viewer)}
    links = queries.clause_issue_links(viewer, doc, set(readable_issues))
    is_latest = view.version.number == view.latest
    signed = bool(view.signatures)
    return {
        "process": viewer.process,
        "viewer": viewer,
        "view": view,
        "doc": doc,
        "is_latest": is_latest,
        "may_stance": is_latest
        and not signed
        and viewer.can(Perm.RECORD_STANCE)
        and party in doc.required_parties,
        "may_pen": is_latest and not signed and viewer.can(Perm.HOLD_PEN),
        "may_reopen": is_latest and signed and viewer.can(Perm.HOLD_PEN),
        "may_sign": is_latest
        and viewer.can(Perm.SIGN_TEXT)
        and party in doc.required_parties
        and view.status.status == "agreed"
        and party not in {s.party.code for s in view.signatures},
        "stance_kinds": Stance.Kind.choices,
        "versions": list(doc.versions.order_by("-number").values_list("number", flat=True)),
        "my_party": party,
        "issues": list(readable_issues.values()),
        "issue_links": {cid: [readable_issues[i] for i in ids] for cid, ids in links.items()},
        **extra,
    }


@login_required
@with_viewer
def text(request: HttpRequest, viewer: access.Viewer, doc_id: int) -> HttpResponse:
    doc = queries.document(viewer, doc_id)
    ctx = _text_context(request, viewer, doc, _int(request.GET.get("version"), "version"))
    return render_page(request, "negotiation/text.html", ctx)


@login_required
@require_POST
def stance(request: HttpRequest, slug: str, doc_id: int, clause_id: int) -> HttpResponse:
    """Record a stance; htmx gets the clause back (badges updated), plain POST a redirect."""
    try:
        viewer = process_viewer(request, slug)
        doc = queries.document(viewer, doc_id)
    except AccordError as exc:
        return error_page(request, exc)
    error, status = None, 200
    try:
        services.record_stance(
            viewer,
            doc,
            queries.clause(doc, clause_id),
            stance=request.POST.get("stance", ""),
            comment=request.POST.get("comment", ""),
            version=_int(request.POST.get("version"), "version"),
        )
    except AccordError as exc:
        error, status = exc.message, exc.status
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(_text_url(slug, doc_id))
    ctx = _text_context(request, viewer, doc)
    c = next((c for a in ctx["view"].articles for c in a.clauses if c.clause_id == clause_id), None)
    if c is None:
        return error_page(request, AccordError(error or "clause not found"))
    ctx.update(c=c, clause_error=error, clause_saved=None if error else "stance recorded")
    return render(request, "negotiation/_clause.html", ctx, status=status)


def _pen_action(request: HttpRequest, slug: str, doc_id: int, act) -> HttpResponse:
    """Common frame of the pen holder's POST forms: act, then back to the text with a note."""
    try:
        viewer = process_viewer(request, slug)
        doc = queries.document(viewer, doc_id)
    except AccordError as exc:
        return error_page(request, exc)
    try:
        note = act(viewer, doc)
    except AccordError as exc:
        ctx = _text_context(request, viewer, doc, page_error=exc.message)
        return render_page(request, "negotiation/text.html", ctx, status=exc.status)
    messages.success(request, note)
    return redirect(_text_url(slug, doc_id))


@login_required
@require_POST
def resolve(request: HttpRequest, slug: str, doc_id: int, clause_id: int) -> HttpResponse:
    def act(viewer, doc):
        v = services.resolve_bracket(
            viewer,
            doc,
            queries.clause(doc, clause_id),
            bracket=_int(request.POST.get("bracket"), "bracket"),
            choice=_int(request.POST.get("choice"), "choice"),
            base_version=_int(request.POST.get("base_version"), "base_version"),
        )
        return f"Bracket resolved: version {v.number}."

    return _pen_action(request, slug, doc_id, act)


@login_required
@require_POST
def edit(request: HttpRequest, slug: str, doc_id: int, clause_id: int) -> HttpResponse:
    def act(viewer, doc):
        v = services.edit_clause(
            viewer,
            doc,
            queries.clause(doc, clause_id),
            text=request.POST.get("text", ""),
            base_version=_int(request.POST.get("base_version"), "base_version"),
        )
        return f"Clause saved: version {v.number}."

    return _pen_action(request, slug, doc_id, act)


@login_required
@require_POST
def link(request: HttpRequest, slug: str, doc_id: int, clause_id: int) -> HttpResponse:
    """The pen links a clause to the agenda issues it settles (not part of the text)."""

    def act(viewer, doc):
        ids = [_int(x, "issues") for x in request.POST.getlist("issues") if x]
        services.link_issues(viewer, doc, queries.clause(doc, clause_id), ids)
        return f"Clause linked to {len(ids)} agenda issue{'s' if len(ids) != 1 else ''}."

    return _pen_action(request, slug, doc_id, act)


@login_required
@require_POST
def sign(request: HttpRequest, slug: str, doc_id: int) -> HttpResponse:
    def act(viewer, doc):
        sig = services.sign_version(
            viewer, doc, version=_int(request.POST.get("version"), "version")
        )
        return f"{sig.party.code} signed version {sig.version.number}."

    return _pen_action(request, slug, doc_id, act)


@login_required
@require_POST
def reopen(request: HttpRequest, slug: str, doc_id: int) -> HttpResponse:
    def act(viewer, doc):
        return f"Version {services.reopen(viewer, doc).number} opened."

    return _pen_action(request, slug, doc_id, act)


@login_required
@with_viewer
def compare(request: HttpRequest, viewer: access.Viewer, doc_id: int) -> HttpResponse:
    doc = queries.document(viewer, doc_id)
    latest = queries.version(doc).number
    b = _int(request.GET.get("b"), "b") or latest
    a = _int(request.GET.get("a"), "a") or max(b - 1, 1)
    diff = queries.compare(viewer, doc, a, b)
    from accord.negotiation.textdiff import is_empty

    return render_page(
        request,
        "negotiation/compare.html",
        {
            "process": viewer.process,
            "doc": doc,
            "a": a,
            "b": b,
            "diff": diff,
            "identical": is_empty(diff),
            "versions": list(doc.versions.order_by("-number").values_list("number", flat=True)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def amendments(request: HttpRequest, viewer: access.Viewer, doc_id: int) -> HttpResponse:
    doc = queries.document(viewer, doc_id)
    error, status = None, 200
    if request.method == "POST":
        try:
            action = request.POST.get("action", "")
            if action == "propose":
                services.propose_amendment(
                    viewer,
                    doc,
                    kind=request.POST.get("kind", ""),
                    base_version=_int(request.POST.get("base_version"), "base_version"),
                    clause_id=_int(request.POST.get("clause_id"), "clause_id"),
                    article_id=_int(request.POST.get("article_id"), "article_id"),
                    text=request.POST.get("text", ""),
                    rationale=request.POST.get("rationale", ""),
                )
                note = "Amendment proposed."
            else:
                am = queries.amendment(
                    viewer, doc, _int(request.POST.get("amendment"), "amendment")
                )
                if action == "comment":
                    services.comment_amendment(viewer, am, request.POST.get("text", ""))
                    note = "Comment added."
                elif action in ("accept", "reject"):
                    services.decide_amendment(viewer, am, accept=action == "accept")
                    note = f"Amendment {action}ed."
                else:
                    raise Invalid("unknown action", {"action": "unknown"})
            messages.success(request, note)
            return redirect(reverse("negotiation:amendments", args=[viewer.process.slug, doc_id]))
        except AccordError as exc:
            error, status = exc.message, exc.status
    view = queries.text(viewer, doc)
    return render_page(
        request,
        "negotiation/amendments.html",
        {
            "process": viewer.process,
            "doc": doc,
            "view": view,
            "items": list(queries.amendments(viewer, doc)),
            "kinds": Amendment.Kind.choices,
            "may_pen": viewer.can(Perm.HOLD_PEN),
            "may_propose": viewer.can(Perm.RECORD_STANCE) or viewer.can(Perm.HOLD_PEN),
            "error": error,
            "data": request.POST if error else {},
        },
        status=status,
    )


@login_required
@with_viewer
def export(request: HttpRequest, viewer: access.Viewer, doc_id: int) -> HttpResponse:
    doc = queries.document(viewer, doc_id)
    body, ctype, name = exports.export(
        viewer,
        doc,
        _int(request.GET.get("version"), "version"),
        fmt=request.GET.get("format", "html"),
        clean=request.GET.get("clean") in ("1", "true", "yes"),
    )
    resp = HttpResponse(body, content_type=ctype)
    disposition = "inline" if ctype.startswith("text/html") else "attachment"
    resp["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return resp


# --- analysis runs ----------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def analysis_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Runs the viewer may read, and (for those allowed) a form to run a new one."""
    try:
        viewer = process_viewer(request, slug)
    except AccordError as exc:
        return error_page(request, exc)
    issues = list(queries.issues(viewer))
    ctx = {
        "process": viewer.process,
        "runs": queries.analysis_runs(viewer),
        "issues": issues,
        "consultations": consult_queries.consultations(viewer),
        "can_run": viewer.can(Perm.RUN_ANALYSIS),
        "here": "Analysis",
    }
    if request.method == "POST":
        try:
            issue_ids = [int(x) for x in request.POST.getlist("issues") if x]
            issue = request.POST.get("issue") or None
            consultation = request.POST.get("consultation") or None
            run = services.run_analysis(
                viewer,
                kind=request.POST.get("kind", ""),
                issue_ids=issue_ids or None,
                issue_id=int(issue) if issue else None,
                samples=int(request.POST.get("samples") or 200),
                consultation_id=int(consultation) if consultation else None,
                min_votes=int(request.POST.get("min_votes") or 7),
                seed=int(request.POST.get("seed") or 0),
            )
        except ValueError:
            return render_page(
                request,
                "negotiation/analysis_list.html",
                {**ctx, "error": "numbers expected"},
                status=422,
            )
        except AccordError as exc:
            return render_page(
                request,
                "negotiation/analysis_list.html",
                {**ctx, "error": exc.message},
                status=exc.status,
            )
        return redirect("negotiation:analysis_run", slug=slug, run_id=run.pk)
    return render_page(request, "negotiation/analysis_list.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def analysis_run(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    """One run: its label, results, charts (server-rendered SVG); release for the pen holder."""
    from accord.negotiation.analysis import chart_specs
    from accord.ui import charts

    try:
        viewer = process_viewer(request, slug)
        run = queries.analysis_run(viewer, run_id)
        if request.method == "POST":
            rel = [c for c in request.POST.getlist("rel_to") if c]
            if not rel:
                raise Invalid(
                    "choose at least one party to release the run to", {"rel_to": "empty"}
                )
            services.release_run(viewer, run, rel_to=rel)
            return redirect("negotiation:analysis_run", slug=slug, run_id=run.pk)
    except AccordError as exc:
        return error_page(request, exc)
    svgs = [mark_safe(charts.svg(spec)) for spec in chart_specs(run.kind, run.outputs, run.inputs)]  # noqa: S308 (our own renderer's SVG)
    ctx = {
        "process": viewer.process,
        "run": run,
        "out": run.outputs,
        "charts": svgs,
        "can_release": viewer.can(Perm.HOLD_PEN),
        "parties": viewer.process.parties.all(),
        "here": f"Analysis {run.pk}",
    }
    return render_page(request, "negotiation/analysis_run.html", ctx)
