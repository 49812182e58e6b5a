"""HTML pages of the library app: parse → service/query → template, no logic."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from accord.core import access, people
from accord.core.errors import AccordError, Invalid
from accord.core.labels import LabelValue
from accord.core.roles import Perm
from accord.library import cases, pax, queries, services
from accord.library.models import Lesson
from accord.ui.pages import (
    error_page,
    label_choices,
    link_choices,
    pagination,
    process_viewer,
    render_page,
    with_viewer,
)

PAGE = 25
IMPORT_HINT = "accord manage library_import_pax PA-X-v10.csv"


def _page(request: HttpRequest, total: int) -> tuple[int, int]:
    pages = max((total + PAGE - 1) // PAGE, 1)
    try:
        page = min(max(int(request.GET.get("page", "1")), 1), pages)
    except ValueError:
        page = 1
    return page, pages


@login_required
@with_viewer
def agreements(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """Search and filter PA-X agreements, paged."""
    g = request.GET
    form = {
        "q": g.get("q", ""),
        "country": g.get("country", ""),
        "process": g.get("process", ""),
        "stage": g.get("stage", ""),
        "agreement_type": g.get("agreement_type", ""),
        "since": g.get("since", ""),
        "until": g.get("until", ""),
    }
    chosen = [t for t in g.getlist("topic") if t]
    ctx = {
        "process": viewer.process,
        "viewer": viewer,
        "form": form,
        "chosen": chosen,
        "facets": queries.facets(viewer),
        "stages": pax.STAGES.items(),
        "types": pax.AGREEMENT_TYPES.items(),
        "topic_groups": queries.topic_groups(),
        "import_hint": IMPORT_HINT,
        "here": "Agreements (PA-X)",
    }
    status = 200
    try:
        f = queries.agreement_filter(**form, topics=chosen)
        qs = queries.agreements(viewer, f)
        total = qs.count()
        page, pages = _page(request, total)
        kept = {k: v for k, v in form.items() if v}
        query = urlencode(kept) + ("&" if kept else "")
        query += "".join(f"topic={t}&" for t in chosen)
        ctx.update(
            filtered=f.active,
            results=list(qs[(page - 1) * PAGE : page * PAGE]),
            total=total,
            page=page,
            pages=pagination(page, pages),
            page_count=pages,
            filter_query=query,
        )
    except AccordError as exc:
        ctx.update(error=exc.message, results=[], total=0, filtered=True)
        status = exc.status
    return render_page(request, "library/agreements.html", ctx, status=status)


@login_required
@with_viewer
def agreement(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """One PA-X agreement (?agt=AgtId): what it is, who signed, its coding by topic."""
    a = queries.agreement(viewer, request.GET.get("agt", ""))
    return render_page(
        request,
        "library/agreement.html",
        {
            "process": viewer.process,
            "a": a,
            "coding": queries.coding(a),
            "stage_name": pax.STAGES.get(a.stage, a.stage),
            "type_name": pax.AGREEMENT_TYPES.get(a.agreement_type, a.agreement_type),
            "import_hint": IMPORT_HINT,
            "here": a.name if len(a.name) <= 60 else a.name[:57] + "…",
        },
    )


@login_required
@with_viewer
def compare(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """Compare a draft's provision types / coded categories with past agreements."""
    g = request.GET
    chosen = [t for t in g.getlist("topic") if t]
    pam_text = g.get("provision_types", "")
    case_key = g.get("case", "")
    ctx = {
        "process": viewer.process,
        "topic_groups": queries.topic_groups(),
        "cases": cases.CASES,
        "pam_stems": sorted(pax.PAM_NAMES.items()),
        "facets": queries.facets(viewer),
        "import_hint": IMPORT_HINT,
        "provision_types": pam_text,
        "here": "Compare a draft",
    }
    status = 200
    try:
        if case_key:  # start from a case study's provision types
            c = cases.case(case_key)
            pam_text = ", ".join(c.provision_types)
            ctx.update(provision_types=pam_text, from_case=c)
        stems = [s for s in pam_text.replace(",", " ").split() if s]
        if chosen or stems:
            result = queries.similar_agreements(viewer, topics=chosen, pam=stems, limit=10)
            ctx["result"] = result
            chosen = [t.key for t in result.draft] if case_key else chosen
    except AccordError as exc:
        ctx["error"] = exc.message
        status = exc.status
    ctx["chosen"] = chosen
    return render_page(request, "library/compare.html", ctx, status=status)


@login_required
@with_viewer
def case_list(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """The built-in case studies."""
    return render_page(
        request,
        "library/cases.html",
        {"process": viewer.process, "cases": cases.CASES, "here": "Case studies"},
    )


@login_required
@with_viewer
def case_detail(request: HttpRequest, viewer: access.Viewer, key: str) -> HttpResponse:
    """A case study's structure, bodies and deadlines, and its template."""
    c = cases.case(key)
    template = cases.template(c)
    parts = [
        (
            p,
            [b for b in c.bodies if b.part == p.code],
            [(t, pax.PAM_NAMES.get(t, t)) for t in p.provision_types],
        )
        for p in c.parts
    ]
    return render_page(
        request,
        "library/case.html",
        {
            "process": viewer.process,
            "c": c,
            "parts": parts,
            "deadlines": [(d, {a.key: a for a in c.anchors}.get(d.anchor)) for d in c.deadlines],
            "template_json": json.dumps(template, indent=2, ensure_ascii=False),
            "topics": pax.topics_of(template["topics"]),
            "here": c.short,
        },
    )


# --- lessons register ---------------------------------------------------------------------------
def _label_from_post(post) -> dict | None:
    if "label_level" not in post:
        return None
    try:
        level = int(post.get("label_level", "0"))
    except ValueError:
        raise Invalid(
            "the classification must be a number", {"label_level": "not a number"}
        ) from None
    rel = [c for c in post.getlist("label_rel_to") if c]
    return {"level": level, "rel_to": rel or None, "caveats": post.getlist("label_caveats")}


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def lessons(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """The lessons register: search (this process or all of mine), record an observation."""
    g = request.GET
    q, stage, everywhere = g.get("q", ""), g.get("stage", ""), g.get("scope") == "all"
    ctx = {
        "process": viewer.process,
        "viewer": viewer,
        "q": q,
        "stage": stage,
        "everywhere": everywhere,
        "stages": Lesson.Stage.choices,
        "sel_level": min(services.DEFAULT_LEVEL, viewer.clearance),
        "min_level": 0,
        "here": "Lessons",
        **label_choices(viewer),
    }
    status = 200
    if request.method == "POST":
        post = request.POST
        try:
            label_data = _label_from_post(post)
            label = (
                None
                if label_data is None
                else access.parse_label(viewer.process, label_data, LabelValue())
            )
            x = services.record_observation(
                viewer,
                title=post.get("title", ""),
                observation=post.get("observation", ""),
                label=label,
            )
        except AccordError as exc:
            ctx.update(form_error=exc.message, form=post)
            status = exc.status
        else:
            messages.success(request, "Your observation was recorded.")
            return redirect("library:lesson", slug=viewer.process.slug, lesson_id=x.pk)
    try:
        if everywhere:
            rows = queries.lessons_everywhere(request.user, q, stage)
        else:
            rows = list(queries.search_lessons(viewer, q, stage)[:200])
        ctx["rows"] = rows
    except AccordError as exc:
        ctx.update(error=exc.message, rows=[])
        status = exc.status
    return render_page(request, "library/lessons.html", ctx, status=status)


def _lesson_ctx(request: HttpRequest, viewer: access.Viewer, x: Lesson, **extra) -> dict:
    from accord.core import links
    from accord.core import queries as core_queries

    mine = x.created_by_id == viewer.member.pk
    may_step = mine or any(viewer.can(p) for p in services.STEP_PERMS)
    kinds = [k.name for k in links.kinds() if k.name not in ("library.lesson", "core.member")]
    choices = link_choices(viewer, kinds)
    owners = [m for m in core_queries.members(viewer) if people.can_see(viewer, m)]
    return {
        "process": viewer.process,
        "viewer": viewer,
        "x": x,
        "steps": [
            (label, "complete" if i < x.stage_index else "current" if i == x.stage_index else "")
            for i, (_, label) in enumerate(Lesson.Stage.choices)
        ],
        "changed": links.targets(viewer, x),
        "may_step": may_step,
        "may_validate": viewer.can(Perm.MANAGE_PROCESS),
        "link_choices": choices,
        "owners": owners,
        "here": x.title if len(x.title) <= 60 else x.title[:57] + "…",
        **extra,
    }


@login_required
@with_viewer
def lesson(request: HttpRequest, viewer: access.Viewer, lesson_id: int) -> HttpResponse:
    """A lesson through its stages, what changed because of it, and the next step's form."""
    x = queries.lesson(viewer, lesson_id)
    return render_page(request, "library/lesson.html", _lesson_ctx(request, viewer, x))


def _act(request: HttpRequest, slug: str, lesson_id: int, act, note: str) -> HttpResponse:
    try:
        viewer = process_viewer(request, slug)
        x = queries.lesson(viewer, lesson_id)
    except AccordError as exc:
        return error_page(request, exc)
    try:
        act(viewer, x)
    except AccordError as exc:
        x = queries.lesson(viewer, lesson_id)
        ctx = _lesson_ctx(request, viewer, x, page_error=exc.message, form=request.POST)
        return render_page(request, "library/lesson.html", ctx, status=exc.status)
    messages.success(request, note)
    return redirect("library:lesson", slug=slug, lesson_id=lesson_id)


@login_required
@require_POST
def lesson_identify(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    text = request.POST.get("lesson", "")
    return _act(
        request, slug, lesson_id, lambda v, x: services.identify(v, x, text=text),
        "The lesson was identified.",
    )  # fmt: skip


@login_required
@require_POST
def lesson_action(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    p = request.POST
    return _act(
        request,
        slug,
        lesson_id,
        lambda v, x: services.plan_action(
            v, x, action=p.get("action", ""), owner_id=p.get("owner", ""), due=p.get("due", "")
        ),
        "The remedial action was assigned.",
    )


@login_required
@require_POST
def lesson_validate(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    note = request.POST.get("validation", "")
    return _act(
        request, slug, lesson_id, lambda v, x: services.validate(v, x, note=note),
        "The lesson was validated as learned.",
    )  # fmt: skip


@login_required
@require_POST
def lesson_link(request: HttpRequest, slug: str, lesson_id: int) -> HttpResponse:
    kind, _, oid = request.POST.get("target", "").partition(":")
    return _act(
        request, slug, lesson_id, lambda v, x: services.link_change(v, x, kind, oid),
        "The link was added.",
    )  # fmt: skip
