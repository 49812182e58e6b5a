"""HTML pages of the implementation app: parse → service/query → template, no logic.

A refused act is shown in words with its status, and nothing is written (services run in
their own transaction)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from accord.core import access, files
from accord.core.errors import AccordError, Invalid
from accord.core.roles import Perm
from accord.implementation import charts, queries, recurrence, reports, services
from accord.implementation.models import (
    PAM_SCALE,
    PAM_TYPES,
    STEP_WORDS,
    VIOLATION_STEPS,
    Agreement,
    ComplianceReport,
    Violation,
)
from accord.ui.forms import parse_label
from accord.ui.pages import error_page, label_choices, process_viewer, render_page, with_viewer
from accord.ui.pdf import export_response

STATES = [
    ("overdue", "Overdue"),
    ("slipping", "Slipping (due soon, not reported)"),
    ("reported", "Reported done, not verified"),
    ("verified", "Verified done"),
    ("waiting", "Waiting for an event"),
    ("due", "Due later"),
]
TAG = {
    "overdue": "bg-secondary-darker",
    "slipping": "bg-accent-warm-darker",
    "reported": "bg-primary",
    "verified": "bg-green",
    "waiting": "bg-base-dark",
    "due": "bg-base-dark",
    "open": "bg-base-dark",
}


def _int(value: str, what: str, *, required: bool = True) -> int | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise Invalid(f"{what} is required", {what: "required"})
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise Invalid(
            f"{what} must be a whole number (got {value!r})", {what: "not a number"}
        ) from exc


def _rows(rows):
    return [{"c": c, "st": st, "tag": TAG.get(st.key, "bg-base-dark")} for c, st in rows]


def _parties(viewer: access.Viewer) -> list[tuple[str, str]]:
    return [(p.code, p.name) for p in viewer.process.parties.order_by("code")]


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def agreement_list(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """Agreements the viewer may read; forms to enter one or make one from a signed text."""
    from accord.library import queries as library
    from accord.negotiation import queries as negotiation

    can_manage = viewer.can(services.MANAGE)
    ctx = {
        "process": viewer.process,
        "agreements": queries.agreements(viewer),
        "can_manage": can_manage,
        "documents": list(negotiation.documents(viewer)) if can_manage else [],
        "cases": library.case_templates() if can_manage else [],
        "party_choices": _parties(viewer),
        "here": "Agreements",
    }
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("act") == "from_text":
                a = services.create_from_text(
                    viewer,
                    document_id=_int(post.get("document_id", ""), "document"),
                    version=_int(post.get("version", ""), "version", required=False),
                    title=post.get("title", ""),
                )
            elif post.get("template"):
                a = services.create_from_case(
                    viewer,
                    template=post.get("template", ""),
                    title=post.get("title", ""),
                    summary=post.get("summary", ""),
                    signed_on=post.get("signed_on", ""),
                    in_force_on=post.get("in_force_on", ""),
                    signatories=post.getlist("signatories"),
                )
            else:
                a = services.create_agreement(
                    viewer,
                    title=post.get("title", ""),
                    summary=post.get("summary", ""),
                    signed_on=post.get("signed_on", ""),
                    in_force_on=post.get("in_force_on", ""),
                    signatories=post.getlist("signatories"),
                )
        except AccordError as exc:
            ctx.update(error=exc.message, form=post)
            return render_page(request, "implementation/list.html", ctx, status=exc.status)
        messages.success(request, "The agreement was recorded.")
        return redirect("implementation:agreement", slug=viewer.process.slug, agreement_id=a.pk)
    return render_page(request, "implementation/list.html", ctx)


def _agreement_context(viewer: access.Viewer, a: Agreement, **extra) -> dict:
    provs = list(queries.provisions(viewer, a))
    rows = queries.commitments(viewer, agreement_id=a.pk)
    by_prov: dict[int, list] = {}
    for r in _rows(rows):
        by_prov.setdefault(r["c"].provision_id, []).append(r)
    counts: dict[str, int] = {}
    for _, st in rows:
        counts[st.key] = counts.get(st.key, 0) + 1
    can_manage = viewer.can(services.MANAGE)
    return {
        "process": viewer.process,
        "viewer": viewer,
        "a": a,
        "anchors": queries.anchors(viewer, a),
        "provisions": [{"p": p, "commitments": by_prov.get(p.pk, [])} for p in provs],
        "proposals": list(queries.proposals(viewer, a)) if can_manage else [],
        "counts": [(label, counts.get(key, 0), TAG[key]) for key, label in STATES],
        "total": len(rows),
        "can_manage": can_manage,
        "party_choices": _parties(viewer),
        "pam_types": sorted(PAM_TYPES.items(), key=lambda kv: kv[1]),
        "here": a.title,
        **(label_choices(viewer) if can_manage else {}),
        "sel_level": a.label.level,
        "min_level": a.label.level,
        **extra,
    }


@login_required
@with_viewer
def agreement_detail(
    request: HttpRequest, viewer: access.Viewer, agreement_id: int
) -> HttpResponse:
    """Provisions, commitments with their deadlines and standing, anchors, proposals."""
    a = queries.agreement(viewer, agreement_id)
    return render_page(request, "implementation/agreement.html", _agreement_context(viewer, a))


def _act(request: HttpRequest, slug: str, agreement_id: int, act, note: str) -> HttpResponse:
    try:
        viewer = process_viewer(request, slug)
        a = queries.agreement(viewer, agreement_id)
    except AccordError as exc:
        return error_page(request, exc)
    try:
        act(viewer, a, request.POST)
    except AccordError as exc:
        ctx = _agreement_context(viewer, queries.agreement(viewer, a.pk), page_error=exc.message)
        return render_page(request, "implementation/agreement.html", ctx, status=exc.status)
    messages.success(request, note)
    return redirect("implementation:agreement", slug=slug, agreement_id=a.pk)


@login_required
@require_POST
def set_anchor(request: HttpRequest, slug: str, agreement_id: int) -> HttpResponse:
    def act(v, a, post):
        services.set_anchor_date(v, a, post.get("key", ""), post.get("occurred_on", ""))

    return _act(request, slug, agreement_id, act, "The event date was set; its deadlines moved.")


@login_required
@require_POST
def add_anchor(request: HttpRequest, slug: str, agreement_id: int) -> HttpResponse:
    def act(v, a, post):
        services.add_anchor(
            v, a, name=post.get("name", ""), occurred_on=post.get("occurred_on", "")
        )

    return _act(request, slug, agreement_id, act, "The event was added.")


@login_required
@require_POST
def add_provision(request: HttpRequest, slug: str, agreement_id: int) -> HttpResponse:
    def act(v, a, post):
        services.add_provision(
            v,
            a,
            number=post.get("number", ""),
            heading=post.get("heading", ""),
            text=post.get("text", ""),
            types=post.getlist("types"),
            themes=[t for t in post.get("themes", "").split(",")],
        )

    return _act(request, slug, agreement_id, act, "The provision was added.")


@login_required
@require_POST
def add_commitment(request: HttpRequest, slug: str, agreement_id: int) -> HttpResponse:
    def act(v, a, post):
        p = queries.provision(v, _int(post.get("provision", ""), "provision"))
        if p.agreement_id != a.pk:
            raise Invalid("the provision is not part of this agreement", {"provision": "other"})
        anchor = post.get("anchor", "") or None
        services.add_commitment(
            v,
            p,
            what=post.get("what", ""),
            responsible=post.getlist("responsible"),
            body=post.get("body", ""),
            anchor=anchor,
            amount=_int(post.get("amount", ""), "offset", required=False) if anchor else None,
            unit=post.get("unit", "") if anchor else None,
            due_date=post.get("due_date", "") if not anchor else None,
            verification_body=post.get("verification_body", ""),
            evidence_expected=post.get("evidence_expected", ""),
            label=parse_label(v.process, post, "label_", a.label.value),
        )

    return _act(request, slug, agreement_id, act, "The commitment was added.")


@login_required
@require_POST
def confirm_proposal(
    request: HttpRequest, slug: str, agreement_id: int, deadline_proposal_id: int
) -> HttpResponse:
    def act(v, a, post):
        prop = queries.proposal(v, deadline_proposal_id)
        if post.get("dismiss"):
            services.dismiss_proposal(v, prop)
            return
        services.confirm_proposal(
            v,
            prop,
            what=post.get("what", ""),
            responsible=post.getlist("responsible"),
            body=post.get("body", ""),
            anchor=post.get("anchor", "") or None,
            anchor_name=post.get("anchor_name", ""),
            verification_body=post.get("verification_body", ""),
        )

    return _act(request, slug, agreement_id, act, "The proposal was handled.")


@login_required
@with_viewer
def commitment_list(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """Every readable commitment, filtered by standing, responsible party and agreement."""
    state = request.GET.get("state", "")
    party = request.GET.get("party", "")
    within = _int(request.GET.get("within", ""), "within", required=False)
    within = queries.SLIPPING_DAYS if within is None else max(0, min(within, 3650))
    rows = queries.commitments(
        viewer,
        state=state if state in dict(STATES) else None,
        party=party or None,
        slipping=within,
    )
    ctx = {
        "process": viewer.process,
        "rows": _rows(rows),
        "reminders": queries.my_reminders(viewer),
        "states": STATES,
        "state": state,
        "party": party,
        "within": within,
        "party_choices": _parties(viewer),
        "here": "Commitments",
    }
    return render_page(request, "implementation/commitments.html", ctx)


def _commitment_context(viewer: access.Viewer, c, **extra) -> dict:
    st = queries.standing(c)
    reports = list(queries.reports(viewer, c))
    files_of = queries.attachments_by_report(viewer, c)
    mine = [r for r in reports if viewer.member is not None and r.author_id == viewer.member.pk]
    may_label = services.may_report(viewer, c) or bool(mine)
    return {
        "process": viewer.process,
        "viewer": viewer,
        "c": c,
        "st": st,
        "tag": TAG.get(st.key, "bg-base-dark"),
        "reports": reports,
        "report_rows": [(r, files_of.get(r.pk, [])) for r in reports],
        "my_reports": mine,
        "max_mb": files.max_bytes() // (1024 * 1024),
        "may_report": services.may_report(viewer, c),
        "may_verify": services.may_verify(viewer, c),
        "may_assign": viewer.can(services.MANAGE),
        "recurs": recurrence.rule_of(c.recurrence),
        "party_choices": _parties(viewer),
        "here": c.what[:60],
        **(label_choices(viewer) if may_label else {}),
        "sel_level": c.label.level,
        "min_level": c.label.level,
        "sel_rel_to": sorted(c.label.value.rel_to or []),
        "sel_caveats": sorted(c.label.value.caveats),
        **extra,
    }


@login_required
@with_viewer
def commitment_detail(
    request: HttpRequest, viewer: access.Viewer, commitment_id: int
) -> HttpResponse:
    c = queries.commitment(viewer, commitment_id)
    return render_page(request, "implementation/commitment.html", _commitment_context(viewer, c))


@login_required
@require_POST
def commitment_attach(request: HttpRequest, slug: str, commitment_id: int) -> HttpResponse:
    """A file attached to one of the viewer's own reports on the commitment."""
    try:
        viewer = process_viewer(request, slug)
        c = queries.commitment(viewer, commitment_id)
    except AccordError as exc:
        return error_page(request, exc)
    post = request.POST
    try:
        r = queries.report(viewer, c.pk, _int(post.get("report", ""), "report"))
        name, data = files.required_upload(request.FILES)
        services.attach_to_report(
            viewer,
            r,
            name=name,
            data=data,
            note=post.get("note", ""),
            label=parse_label(viewer.process, post, "label_", r.label.value),
        )
    except AccordError as exc:
        ctx = _commitment_context(
            viewer, queries.commitment(viewer, c.pk), page_error=exc.message, form=post
        )
        return render_page(request, "implementation/commitment.html", ctx, status=exc.status)
    messages.success(request, "The file was attached with its SHA-256.")
    return redirect("implementation:commitment", slug=slug, commitment_id=c.pk)


@login_required
@with_viewer
def report_attachment(
    request: HttpRequest,
    viewer: access.Viewer,
    commitment_id: int,
    report_id: int,
    report_attachment_id: int,
) -> HttpResponse:
    """Download a report's file (404 unless the reader may read it and its report)."""
    f = queries.one_report_attachment(viewer, commitment_id, report_id, report_attachment_id)
    return files.download(f)


@login_required
@require_POST
def commitment_report(request: HttpRequest, slug: str, commitment_id: int) -> HttpResponse:
    """A compliance report (progress or done) or, from the verification body, its finding."""
    try:
        viewer = process_viewer(request, slug)
        c = queries.commitment(viewer, commitment_id)
    except AccordError as exc:
        return error_page(request, exc)
    post = request.POST
    try:
        if post.get("act") == "verify":
            services.verify(
                viewer,
                c,
                verified=post.get("verified") == "yes",
                text=post.get("text", ""),
                evidence=post.get("evidence", ""),
            )
        else:
            services.report(
                viewer,
                c,
                kind=post.get("kind", ComplianceReport.Kind.PROGRESS),
                text=post.get("text", ""),
                evidence=post.get("evidence", ""),
                label=parse_label(viewer.process, post, "label_", c.label.value),
            )
    except AccordError as exc:
        ctx = _commitment_context(
            viewer, queries.commitment(viewer, c.pk), page_error=exc.message, form=post
        )
        return render_page(request, "implementation/commitment.html", ctx, status=exc.status)
    messages.success(request, "Your report was recorded.")
    return redirect("implementation:commitment", slug=slug, commitment_id=c.pk)


def _scores_context(viewer: access.Viewer, a: Agreement, **extra) -> dict:
    r = queries.rates(viewer, a)
    figs = charts.figures(r)
    for f in figs:
        f["svg"] = mark_safe(charts.render(f["spec"]))  # noqa: S308 (our own renderer's SVG, text escaped)
    may_score = any(viewer.can(p) for p in services.SCORERS)
    return {
        "process": viewer.process,
        "a": a,
        "r": r,
        "figures": figs,
        "table": charts.table(r),
        "grid": [
            {"p": p, "cells": [(queries.period_name(a, n), r.cell(p.pk, n)) for n in r.periods]}
            for p in r.provisions
        ],
        "periods": [
            (n, queries.period_name(a, n), *queries.period_bounds(a, n)) for n in r.periods
        ],
        "current": queries.current_period(a),
        "may_score": may_score,
        "scale": sorted(PAM_SCALE.items()),
        "here": f"Scores · {a.title}",
        **(label_choices(viewer) if may_score else {}),
        "sel_level": a.label.level,
        "min_level": a.label.level,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def agreement_scores(
    request: HttpRequest, viewer: access.Viewer, agreement_id: int
) -> HttpResponse:
    """PAM scores: the rate curve, the provisions × periods heat map, tables, a score form."""
    a = queries.agreement(viewer, agreement_id)
    if request.method == "POST":
        post = request.POST
        try:
            p = queries.provision(viewer, _int(post.get("provision", ""), "provision"))
            if p.agreement_id != a.pk:
                raise Invalid("the provision is not part of this agreement", {"provision": "other"})
            services.score(
                viewer,
                p,
                period=_int(post.get("period", ""), "period"),
                value=_int(post.get("score", ""), "score"),
                evidence=post.get("evidence", ""),
                label=parse_label(viewer.process, post, "label_", a.label.value),
            )
        except AccordError as exc:
            ctx = _scores_context(viewer, a, page_error=exc.message, form=post)
            return render_page(request, "implementation/scores.html", ctx, status=exc.status)
        messages.success(request, "The score was recorded.")
        return redirect(
            "implementation:agreement_scores", slug=viewer.process.slug, agreement_id=a.pk
        )
    return render_page(request, "implementation/scores.html", _scores_context(viewer, a))


# --- violation reports ------------------------------------------------------------------------
def _place_from(post) -> dict | None:
    lon, lat = (post.get("lon") or "").strip(), (post.get("lat") or "").strip()
    if not lon and not lat:
        return None
    try:
        return {"type": "Point", "coordinates": [float(lon), float(lat)]}
    except ValueError as exc:
        raise Invalid(
            "longitude and latitude are numbers, such as 27.41 and 44.02", {"place": "not a number"}
        ) from exc


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def violation_list(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """Violation reports the viewer may read, with where each is in the workflow; a form to
    record an allegation."""
    agreements = list(queries.agreements(viewer))
    ctx = {
        "process": viewer.process,
        "violations": queries.violations(viewer),
        "agreements": agreements,
        "sources": Violation.Source.choices,
        "party_choices": _parties(viewer),
        "here": "Violation reports",
        **label_choices(viewer),
        "sel_level": 0,
        "min_level": 0,
    }
    if request.method == "POST":
        post = request.POST
        try:
            a = queries.agreement(viewer, _int(post.get("agreement", ""), "agreement"))
            x = services.allege(
                viewer,
                a,
                title=post.get("title", ""),
                allegation=post.get("allegation", ""),
                source=post.get("source", ""),
                alleged_party=post.get("alleged_party", ""),
                place=_place_from(post),
                place_name=post.get("place_name", ""),
                occurred_on=post.get("occurred_on", ""),
                label=parse_label(viewer.process, post, "label_", a.label.value),
            )
        except AccordError as exc:
            ctx.update(error=exc.message, form=post)
            return render_page(request, "implementation/violations.html", ctx, status=exc.status)
        messages.success(request, "The allegation was recorded.")
        return redirect("implementation:violation", slug=viewer.process.slug, violation_id=x.pk)
    return render_page(request, "implementation/violations.html", ctx)


def _violation_context(viewer: access.Viewer, x, **extra) -> dict:
    order = [s for s, _ in VIOLATION_STEPS]
    nxt = order[order.index(x.step) + 1] if x.step != order[-1] else None
    perm = services.STEP_PERMS.get(nxt) if nxt else None
    steps = list(queries.violation_steps(viewer, x))
    files_of: dict[int, list] = {}
    for f in queries.step_attachments(viewer, x):
        files_of.setdefault(f.step_id, []).append(f)
    against = (
        viewer.process.parties.filter(code=x.alleged_party).first() if x.alleged_party else None
    )
    return {
        "process": viewer.process,
        "x": x,
        "alleged": f"{against.name} ({against.code})" if against else x.alleged_party,
        "steps": steps,
        "step_rows": [(st, files_of.get(st.pk, [])) for st in steps],
        "attachable": [st for st in steps if services.may_attach_to_step(viewer, st)],
        "zones": queries.zones(viewer, x),
        "max_mb": files.max_bytes() // (1024 * 1024),
        "workflow": [(s, w, order.index(s) <= order.index(x.step)) for s, w in VIOLATION_STEPS],
        "next": nxt,
        "next_words": STEP_WORDS.get(nxt or "", ""),
        "may_act": perm is not None and viewer.can(perm),
        "may_publish": viewer.can(Perm.MANAGE_PROCESS),
        "conclusions": Violation.Conclusion.choices,
        "party_choices": _parties(viewer),
        "report_rows": [
            (k.capitalize(), x.report.get(k))
            for k in ("background", "aim", "methodology", "findings")
            if x.report.get(k)
        ],
        "here": x.title,
        **label_choices(viewer),
        "sel_level": x.label.level,
        "min_level": x.label.level,
        "sel_rel_to": sorted(x.label.value.rel_to or []),
        "sel_caveats": sorted(x.label.value.caveats),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def violation_detail(
    request: HttpRequest, viewer: access.Viewer, violation_id: int
) -> HttpResponse:
    """The report, its steps so far, and the next step for whoever may take it."""
    x = queries.violation(viewer, violation_id)
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("act") == "publish":
                services.approve_publication(viewer, x, post.get("approved") == "yes")
            else:
                report = {
                    k: post.get(k, "")
                    for k in (
                        *services.REPORT_SECTIONS,
                        "happened",
                        "ordered",
                        "conclusion",
                        "violating_party",
                        "article",
                    )
                }
                services.advance(
                    viewer, x, post.get("step", ""), note=post.get("note", ""), report=report
                )
        except AccordError as exc:
            ctx = _violation_context(
                viewer, queries.violation(viewer, x.pk), page_error=exc.message, form=post
            )
            return render_page(request, "implementation/violation.html", ctx, status=exc.status)
        messages.success(request, "Recorded.")
        return redirect("implementation:violation", slug=viewer.process.slug, violation_id=x.pk)
    return render_page(request, "implementation/violation.html", _violation_context(viewer, x))


@login_required
@require_POST
def violation_attach(request: HttpRequest, slug: str, violation_id: int) -> HttpResponse:
    """A file attached to one step of a violation report (whoever took or may take it)."""
    try:
        viewer = process_viewer(request, slug)
        x = queries.violation(viewer, violation_id)
    except AccordError as exc:
        return error_page(request, exc)
    post = request.POST
    try:
        st = queries.violation_step(viewer, x.pk, _int(post.get("step_id", ""), "step"))
        name, data = files.required_upload(request.FILES)
        services.attach_to_step(
            viewer,
            st,
            name=name,
            data=data,
            note=post.get("note", ""),
            label=parse_label(viewer.process, post, "label_", x.label.value),
        )
    except AccordError as exc:
        ctx = _violation_context(
            viewer, queries.violation(viewer, x.pk), page_error=exc.message, form=post
        )
        return render_page(request, "implementation/violation.html", ctx, status=exc.status)
    messages.success(request, "The file was attached with its SHA-256.")
    return redirect("implementation:violation", slug=slug, violation_id=x.pk)


# --- the periodic implementation report -------------------------------------------------------
def _review_meeting_link(viewer: access.Viewer, r) -> str:
    """The meetings app's own form, filled from the report: implementation does not schedule
    meetings itself (the meeting is the meetings app's act, by someone who may run meetings)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    if not viewer.can(Perm.RUN_MEETINGS):
        return ""
    page = reverse(
        "implementation:agreement_report",
        kwargs={"slug": viewer.process.slug, "agreement_id": r.a.pk},
    )
    query = [
        ("kind", "plenary"),
        ("title", f"Implementation review — {r.a.title} — {r.period_name}"[:200]),
        (
            "description",
            f"Agenda: review the implementation report “{r.a.title}”, {r.period_name} "
            f"({r.period_words}): {page}?period={r.period}",
        ),
        ("label_level", str(r.label.level)),
        *(("label_rel_to", c) for c in sorted(r.label.rel_to or ())),
        *(("label_caveats", c) for c in sorted(r.label.caveats)),
    ]
    base = reverse("meetings:new", kwargs={"slug": viewer.process.slug})
    return f"{base}?{urlencode(query)}"


@login_required
@with_viewer
def step_attachment(
    request: HttpRequest, viewer: access.Viewer, violation_id: int, step_attachment_id: int
) -> HttpResponse:
    """Download a violation report's file (404 unless the reader may read it and the report)."""
    f = queries.one_step_attachment(viewer, violation_id, step_attachment_id)
    return files.download(f)


@login_required
@with_viewer
def agreement_report(
    request: HttpRequest, viewer: access.Viewer, agreement_id: int, fmt: str
) -> HttpResponse:
    """The periodic implementation report to print (HTML) or download (PDF) for a review
    meeting, for the period the reader picks (default: the latest scored one)."""
    from django.urls import reverse

    def tools(r) -> dict:
        args = {"slug": viewer.process.slug, "agreement_id": r.a.pk}
        pdf = reverse("implementation:agreement_report_pdf", kwargs=args)
        return {
            "pdf": f"{pdf}?period={r.period}",
            "back": reverse("implementation:agreement", kwargs=args),
            "meeting": _review_meeting_link(viewer, r),
        }

    body, ctype, name = reports.export(
        viewer, agreement_id, fmt=fmt, period=request.GET.get("period"), tools=tools
    )
    return export_response(body, ctype, name, page=True)


@login_required
@require_POST
def commitment_assign(request: HttpRequest, slug: str, commitment_id: int) -> HttpResponse:
    """Name who must act on a commitment (e.g. one started from a case study)."""
    try:
        viewer = process_viewer(request, slug)
        c = queries.commitment(viewer, commitment_id)
    except AccordError as exc:
        return error_page(request, exc)
    post = request.POST
    try:
        services.assign(
            viewer, c, responsible=post.getlist("responsible"), body=post.get("body", "")
        )
    except AccordError as exc:
        ctx = _commitment_context(
            viewer, queries.commitment(viewer, c.pk), page_error=exc.message, form=post
        )
        return render_page(request, "implementation/commitment.html", ctx, status=exc.status)
    messages.success(request, "Who must act was recorded.")
    return redirect("implementation:commitment", slug=slug, commitment_id=c.pk)


@login_required
@require_POST
def commitment_recurrence(request: HttpRequest, slug: str, commitment_id: int) -> HttpResponse:
    """Make a commitment recur, or stop it recurring."""
    try:
        viewer = process_viewer(request, slug)
        c = queries.commitment(viewer, commitment_id)
    except AccordError as exc:
        return error_page(request, exc)
    post = request.POST
    text = post.get("recurrence", "")
    if post.get("every"):
        text = f"every {post.get('every', '')} {post.get('unit', '')}"
        if post.get("until"):
            text += f" until {post.get('until')}"
    try:
        services.set_recurrence(viewer, c, text)
    except AccordError as exc:
        ctx = _commitment_context(
            viewer, queries.commitment(viewer, c.pk), page_error=exc.message, form=post
        )
        return render_page(request, "implementation/commitment.html", ctx, status=exc.status)
    messages.success(request, "The recurrence was recorded.")
    return redirect("implementation:commitment", slug=slug, commitment_id=c.pk)
