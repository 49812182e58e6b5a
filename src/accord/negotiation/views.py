"""HTML pages and htmx fragments of the negotiation workspace: parse → services / queries →
render. No logic here; errors from services are shown with their status and nothing is written.

Acts that cannot be undone (resolving a bracket, withdrawing a position or a release, deleting
a clause) ask first: the page's dialog (static/negotiation/negotiation.js) or, without
JavaScript, a confirmation page; the act runs only on a POST carrying ``confirmed``.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accord.consult import queries as consult_queries
from accord.core import access
from accord.core.errors import AccordError, Invalid, NotFound
from accord.core.labels import LabelValue, combine
from accord.core.models import Party
from accord.core.roles import Perm
from accord.negotiation import exports, queries, services
from accord.negotiation.models import Amendment, Issue, PositionRelease, Stance
from accord.ui.forms import parse_label
from accord.ui.middleware import page_label
from accord.ui.pages import (
    error_page,
    is_htmx,
    label_choices,
    process_viewer,
    render_page,
    with_viewer,
)
from accord.ui.pdf import export_response


def _int(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"{name} must be a whole number", {name: "invalid"}) from exc


def _text_url(slug: str, doc_id: int, anchor: str = "", **query) -> str:
    url = reverse("negotiation:text", args=[slug, doc_id])
    q = "&".join(f"{k}={v}" for k, v in query.items() if v is not None)
    return (f"{url}?{q}" if q else url) + (f"#{anchor}" if anchor else "")


def _confirm(request: HttpRequest, question: str, detail: str, button: str) -> HttpResponse | None:
    """None when the POST says it was confirmed; else the confirmation page, which posts the
    same fields again with ``confirmed`` (the path without JavaScript)."""
    if request.POST.get("confirmed"):
        return None
    fields = [
        (k, v) for k in request.POST for v in request.POST.getlist(k) if k != "csrfmiddlewaretoken"
    ]
    return render_page(
        request,
        "negotiation/confirm.html",
        {
            "process": getattr(request.accord_viewer, "process", None),
            "viewer": request.accord_viewer,
            "question": question,
            "detail": detail,
            "button": button,
            "action": request.path,
            "fields": fields,
            "back": request.headers.get("Referer") or "",
        },
    )


# --- workspace: agenda, matrix, texts ----------------------------------------------------------
def _other_parties(viewer: access.Viewer) -> list[Party]:
    own = viewer.party_code
    return [p for p in viewer.process.parties.order_by("code") if p.code != own]


def _workspace(
    request: HttpRequest, viewer: access.Viewer, status: int = 200, **extra
) -> HttpResponse:
    m = queries.matrix(viewer)
    docs = list(queries.documents(viewer))
    latest = {
        d.pk: d.versions.order_by("-number").values_list("number", flat=True).first() for d in docs
    }
    may_pen = viewer.can(Perm.HOLD_PEN)
    return render_page(
        request,
        "negotiation/workspace.html",
        {
            "process": viewer.process,
            "viewer": viewer,
            "matrix": m,
            "documents": [(d, latest[d.pk]) for d in docs],
            "can_state": viewer.can(Perm.STATE_POSITIONS),
            "my_party": viewer.party_code,
            "mediation_path": "MEDIATION" in viewer.caveats,
            "has_hidden": any(c.hidden for r in m.rows for c in r.cells),
            "may_pen": may_pen,
            "issue_kinds": Issue.Kind.choices,
            "all_parties": list(viewer.process.parties.order_by("code")),
            "default_required": services.default_required(viewer.process),
            "doc_level": min(services.DEFAULT_TEXT_LEVEL, viewer.clearance),
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


def _sent_label(post, prefix: str = "label_") -> dict:
    """The label as chosen in a refused form: it comes back as sent, never looser unnoticed."""
    level = post.get(f"{prefix}level", "")
    return {
        "level": int(level) if level.isdigit() else 0,
        "rel_to": post.getlist(f"{prefix}rel_to"),
        "caveats": post.getlist(f"{prefix}caveats"),
    }


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
        sent = _sent_label(post)
        return _workspace(
            request,
            viewer,
            status=exc.status,
            issue_error=exc.message,
            issue_data=post,
            issue_level=sent["level"],
            issue_rel_to=sent["rel_to"],
            issue_caveats=sent["caveats"],
        )
    messages.success(request, f"“{issue.title}” is on the agenda.")
    return redirect(reverse("negotiation:workspace", args=[slug]) + f"#issue-{issue.pk}")


@login_required
@require_POST
def create_document(request: HttpRequest, slug: str) -> HttpResponse:
    """The pen holder opens a new negotiating text (version 1, empty or with one article)."""
    try:
        viewer = process_viewer(request, slug)
    except AccordError as exc:
        return error_page(request, exc)
    post = request.POST
    heading = post.get("heading", "").strip()
    clauses = [c for c in post.get("clauses", "").split("\n\n") if c.strip()]
    try:
        if clauses and not heading:
            raise Invalid("give the first article a heading", {"heading": "required"})
        doc = services.create_document(
            viewer,
            title=post.get("title", ""),
            articles=[(heading, clauses)] if heading else [],
            required_parties=post.getlist("required_parties") or [],
            label=parse_label(viewer.process, post, "label_"),
        )
    except AccordError as exc:
        sent = _sent_label(post)
        return _workspace(
            request,
            viewer,
            status=exc.status,
            doc_error=exc.message,
            doc_data=post,
            doc_required=post.getlist("required_parties"),
            doc_level=sent["level"],
            doc_rel_to=sent["rel_to"],
            doc_caveats=sent["caveats"],
        )
    messages.success(request, f"“{doc.title}” is open: version 1.")
    return redirect(_text_url(slug, doc.pk))


# --- one agenda issue: the positions read on it; the viewer's own position and releases ---------
def _issue_context(viewer: access.Viewer, issue: Issue, **extra) -> dict:
    m = queries.matrix(viewer, issue.pk)
    own = queries.own_position(viewer, issue.pk)
    may_state = viewer.can(Perm.STATE_POSITIONS) and viewer.party_code in {
        p.code for p in m.parties
    }
    own_releases = list(queries.releases(viewer, position_id=own.pk)) if own else []
    return {
        "process": viewer.process,
        "viewer": viewer,
        "issue": issue,
        "matrix": m,
        "row": m.rows[0] if m.rows else None,
        "own": own,
        "own_releases": own_releases,
        "revisions": list(queries.revisions(viewer, own)[:20]) if own else [],
        "may_state": may_state,
        "may_release": may_state and viewer.can(Perm.RELEASE_POSITIONS),
        "may_pen": viewer.can(Perm.HOLD_PEN),
        "my_party": viewer.party_code,
        "other_parties": _other_parties(viewer),
        "statuses": Issue.Status.values,
        "scopes": PositionRelease.Scope.values,
        "options": list(issue.options.all()),
        **label_choices(viewer),
        "pos_level": own.label.level
        if own
        else min(services.DEFAULT_POSITION_LEVEL, viewer.clearance),
        "pos_caveats": list(own.label.caveats) if own else [],
        "form": own.fields() if own else {"salience": 50},
        "numeric_fields": NUMERIC_FIELDS,
        "rel_to_note": f"Releasable to your party ({viewer.party_code}) only; the mediators read "
        "it on the mediation path. Release parts of it to other parties below.",
        **extra,
    }


NUMERIC_FIELDS = [
    ("preferred_value", "Preferred value"),
    ("acceptable_min", "Acceptable from"),
    ("acceptable_max", "Acceptable up to"),
    ("reservation_value", "Reservation value"),
]


def _issue_page(request, viewer, issue, status: int = 200, **extra) -> HttpResponse:
    return render_page(
        request, "negotiation/issue.html", _issue_context(viewer, issue, **extra), status=status
    )


def _issue_url(slug: str, issue_id: int, anchor: str = "") -> str:
    url = reverse("negotiation:issue", args=[slug, issue_id])
    return f"{url}#{anchor}" if anchor else url


@login_required
@with_viewer
def issue(request: HttpRequest, viewer: access.Viewer, issue_id: int) -> HttpResponse:
    return _issue_page(request, viewer, queries.issue(viewer, issue_id))


@login_required
@require_GET
@with_viewer
def issue_row(request: HttpRequest, viewer: access.Viewer, issue_id: int) -> HttpResponse:
    """One row of the matrix, for a live page told that something on this issue changed
    (404 once the viewer may no longer read the issue). The header X-Accord-Banner gives the
    banner the page should now show: the one it sent (level, rel_to, caveats) combined on the
    server with the labels of this row — no label logic in JavaScript."""
    m = queries.matrix(viewer, issue_id)
    if not m.rows:
        raise NotFound("issue not found")
    resp = render(
        request,
        "negotiation/_matrix_row.html",
        {
            "process": viewer.process,
            "viewer": viewer,
            "matrix": m,
            "row": m.rows[0],
            "can_state": viewer.can(Perm.STATE_POSITIONS),
            "my_party": viewer.party_code,
        },
    )
    names, colours = viewer.process.level_names, viewer.process.level_colours
    labels = [page_label(request)]
    sent = request.GET
    rel, caveats = sent.getlist("rel_to"), sent.getlist("caveats")
    if sent.get("level", "").isdigit() and len(rel) + len(caveats) <= 64:
        level = min(int(sent["level"]), len(names) - 1)  # a banner the page shows, no more
        labels.append(
            LabelValue.of(level, [c[:30] for c in rel] or None, [c[:30] for c in caveats])
        )
    value = combine(labels)
    resp["X-Accord-Banner"] = json.dumps(
        {
            "display": value.display(names),
            "level": value.level,
            "rel_to": None if value.rel_to is None else sorted(value.rel_to),
            "caveats": sorted(value.caveats),
            "colour": colours[min(value.level, len(colours) - 1)],
        }
    )
    return resp


def _position_fields(issue: Issue, post) -> dict:
    """The position form's fields as the service takes them (every field: a form shows them
    all, so an emptied field clears)."""
    try:
        salience = int(post.get("salience", "50"))
    except ValueError as exc:
        raise Invalid("salience must be a whole number 0–100", {"salience": "invalid"}) from exc
    data = {
        "salience": salience,
        "interests": post.get("interests", ""),
        "red_line_note": post.get("red_line_note", ""),
        "evidence": post.get("evidence", ""),
    }
    if issue.is_numeric:
        for f in ("preferred_value", "acceptable_min", "acceptable_max", "reservation_value"):
            data[f] = _float(post.get(f), f.replace("_", " "))
    else:
        data["preferred_option"] = post.get("preferred_option", "")
        data["acceptable_options"] = post.getlist("acceptable_options")
        data["red_lines"] = post.getlist("red_lines")
    return data


@login_required
@require_POST
@with_viewer
def state_position(request: HttpRequest, viewer: access.Viewer, issue_id: int) -> HttpResponse:
    """State or revise the viewer's party's position on an issue (its delegates)."""
    issue = queries.issue(viewer, issue_id)
    post = request.POST
    try:
        level = _int(post.get("label_level"), "classification")
        pos = services.state_position(
            viewer,
            issue,
            level=level,
            caveats=post.getlist("label_caveats"),
            **_position_fields(issue, post),
        )
    except AccordError as exc:
        form = {k: post.get(k) for k in post}
        for f in ("acceptable_options", "red_lines"):
            form[f] = post.getlist(f)
        return _issue_page(
            request,
            viewer,
            issue,
            status=exc.status,
            position_error=exc.message,
            form=form,
            pos_level=_sent_label(post)["level"],
            pos_caveats=post.getlist("label_caveats"),
        )
    messages.success(request, f"Your position is recorded (revision {pos.revision}).")
    return redirect(_issue_url(viewer.process.slug, issue.pk, "position"))


@login_required
@require_POST
@with_viewer
def withdraw_position(request: HttpRequest, viewer: access.Viewer, issue_id: int) -> HttpResponse:
    issue = queries.issue(viewer, issue_id)
    own = queries.own_position(viewer, issue.pk)
    if own is None:
        raise NotFound("your party has no position on this issue")
    ask = _confirm(
        request,
        f"Withdraw your position on “{issue.title}”?",
        "It disappears at once for everyone who reads it, with every release of it. "
        "The ledger keeps the record. This cannot be undone.",
        "Withdraw the position",
    )
    if ask is not None:
        return ask
    try:
        services.withdraw_position(viewer, own)
    except AccordError as exc:
        return _issue_page(request, viewer, issue, status=exc.status, position_error=exc.message)
    messages.success(request, "Your position is withdrawn, with its releases.")
    return redirect(_issue_url(viewer.process.slug, issue.pk))


@login_required
@require_POST
@with_viewer
def release_position(request: HttpRequest, viewer: access.Viewer, issue_id: int) -> HttpResponse:
    """Release the party's position, or a part of it, to chosen parties (head of delegation)."""
    issue = queries.issue(viewer, issue_id)
    own = queries.own_position(viewer, issue.pk)
    try:
        if own is None:
            raise Invalid("state a position before releasing it", {"position": "none"})
        rel = services.release_position(
            viewer, own, to=request.POST.getlist("to"), scope=request.POST.get("scope", "")
        )
    except AccordError as exc:
        return _issue_page(
            request,
            viewer,
            issue,
            status=exc.status,
            release_error=exc.message,
            release_to=request.POST.getlist("to"),
            release_scope=request.POST.get("scope", ""),
        )
    to = ", ".join(sorted(set(rel.label.rel_to or []) - {viewer.party_code}))
    messages.success(request, f"Released to {to}.")
    return redirect(_issue_url(viewer.process.slug, issue.pk, "releases"))


@login_required
@require_POST
@with_viewer
def withdraw_release(request: HttpRequest, viewer: access.Viewer, issue_id: int) -> HttpResponse:
    issue = queries.issue(viewer, issue_id)
    rel = queries.release(viewer, _int(request.POST.get("release"), "release"))
    if rel.position.issue_id != issue.pk:
        raise NotFound("release not found")
    to = ", ".join(sorted(set(rel.label.rel_to or []) - {rel.position.party.code}))
    ask = _confirm(
        request,
        f"Withdraw the release to {to}?",
        f"{to} lose{'s' if ',' not in to else ''} it at once, on every open page. "
        "The ledger keeps the record. This cannot be undone.",
        "Withdraw the release",
    )
    if ask is not None:
        return ask
    try:
        services.withdraw_release(viewer, rel)
    except AccordError as exc:
        return _issue_page(request, viewer, issue, status=exc.status, release_error=exc.message)
    messages.success(request, f"The release to {to} is withdrawn.")
    return redirect(_issue_url(viewer.process.slug, issue.pk, "releases"))


@login_required
@require_POST
@with_viewer
def issue_status(request: HttpRequest, viewer: access.Viewer, issue_id: int) -> HttpResponse:
    """The pen holder moves an issue along (open, converging, agreed ad referendum, …)."""
    issue = queries.issue(viewer, issue_id)
    try:
        services.set_issue_status(viewer, issue, request.POST.get("status", ""))
    except AccordError as exc:
        return _issue_page(request, viewer, issue, status=exc.status, status_error=exc.message)
    messages.success(request, "The issue's status is changed.")
    return redirect(_issue_url(viewer.process.slug, issue.pk))


# --- the single text ----------------------------------------------------------------------------
def _text_context(request, viewer, doc, number=None, **extra) -> dict:
    view = queries.text(viewer, doc, number)
    party = viewer.party_code
    readable_issues = {i.pk: i for i in queries.issues(viewer)}
    links = queries.clause_issue_links(viewer, doc, set(readable_issues))
    is_latest = view.version.number == view.latest
    signed = bool(view.signatures)
    may_propose = (
        is_latest and not signed and (viewer.can(Perm.RECORD_STANCE) or viewer.can(Perm.HOLD_PEN))
    )
    open_amendments: dict[int, list[Amendment]] = {}
    if is_latest:
        for am in queries.amendments(viewer, doc, Amendment.Status.PROPOSED):
            open_amendments.setdefault(am.clause_id or 0, []).append(am)
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
        "may_propose": may_propose,
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
        "open_amendments": open_amendments,
        "next_version": view.latest + 1,
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
    """Record a stance; htmx gets the clause back (badges updated) with the text's status and
    the "Awaiting stances" panel swapped out of band; a plain POST gets a redirect."""
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
        else:
            messages.success(request, "Your stance is recorded.")
        return redirect(_text_url(slug, doc_id, f"clause-{clause_id}"))
    ctx = _text_context(request, viewer, doc)
    c = next((c for a in ctx["view"].articles for c in a.clauses if c.clause_id == clause_id), None)
    if c is None:
        return error_page(request, AccordError(error or "clause not found"))
    ctx.update(c=c, clause_error=error, clause_saved=None if error else "Your stance is recorded.")
    return render(request, "negotiation/_stance_response.html", ctx, status=status)


def _pen_action(
    request: HttpRequest, slug: str, doc_id: int, act, anchor: str = ""
) -> HttpResponse:
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
    if isinstance(note, HttpResponse):
        return note  # the confirmation page
    messages.success(request, note)
    return redirect(_text_url(slug, doc_id, anchor))


def _clause_number(viewer, doc, clause_id: int) -> str:
    view = queries.text(viewer, doc)
    return next(
        (c.number for a in view.articles for c in a.clauses if c.clause_id == clause_id), ""
    )


@login_required
@require_POST
def resolve(request: HttpRequest, slug: str, doc_id: int, clause_id: int) -> HttpResponse:
    def act(viewer, doc):
        clause = queries.clause(doc, clause_id)
        bracket = _int(request.POST.get("bracket"), "bracket")
        choice = _int(request.POST.get("choice"), "choice")
        base = _int(request.POST.get("base_version"), "base_version")
        if not request.POST.get("confirmed"):
            number = _clause_number(viewer, doc, clause_id)
            kept = _alternative(viewer, doc, clause_id, bracket, choice)
            return _confirm(
                request,
                f"Keep “{kept}” in clause {number}?",
                "The other alternatives of this bracket leave the text, and a new version is "
                "made at once. This cannot be undone (a later edit can only bring them back "
                "as new text).",
                "Keep it and make a new version",
            )
        v = services.resolve_bracket(
            viewer, doc, clause, bracket=bracket, choice=choice, base_version=base
        )
        return f"Bracket resolved: version {v.number}."

    return _pen_action(request, slug, doc_id, act, f"clause-{clause_id}")


def _alternative(viewer, doc, clause_id: int, bracket: int | None, choice: int | None) -> str:
    """The text of the alternative a resolution keeps (validated like the service does)."""
    view = queries.text(viewer, doc)
    c = next((c for a in view.articles for c in a.clauses if c.clause_id == clause_id), None)
    seg = next((s for s in (c.open_brackets if c else []) if s["b"] == bracket), None)
    if seg is None:
        raise Invalid(f"no open bracket {bracket} in this clause", {"bracket": "unknown"})
    if choice is None or not 0 <= choice < len(seg["alts"]):
        raise Invalid("choose one of the bracket's alternatives", {"choice": "out of range"})
    return seg["alts"][choice]["text"]


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

    return _pen_action(request, slug, doc_id, act, f"clause-{clause_id}")


@login_required
@require_POST
def delete_clause(request: HttpRequest, slug: str, doc_id: int, clause_id: int) -> HttpResponse:
    def act(viewer, doc):
        clause = queries.clause(doc, clause_id)
        if not request.POST.get("confirmed"):
            return _confirm(
                request,
                f"Delete clause {_clause_number(viewer, doc, clause_id)}?",
                "The clause leaves the text in a new version, made at once; the clauses "
                "after it are renumbered. Earlier versions keep it.",
                "Delete the clause",
            )
        v = services.delete_clause(
            viewer,
            doc,
            clause,
            base_version=_int(request.POST.get("base_version"), "base_version"),
        )
        return f"Clause deleted: version {v.number}."

    return _pen_action(request, slug, doc_id, act)


@login_required
@require_POST
def add_article(request: HttpRequest, slug: str, doc_id: int) -> HttpResponse:
    def act(viewer, doc):
        v = services.add_article(
            viewer,
            doc,
            heading=request.POST.get("heading", ""),
            base_version=_int(request.POST.get("base_version"), "base_version"),
        )
        return f"Article added: version {v.number}."

    return _pen_action(request, slug, doc_id, act)


@login_required
@require_POST
def add_clause(request: HttpRequest, slug: str, doc_id: int) -> HttpResponse:
    def act(viewer, doc):
        article = _int(request.POST.get("article_id"), "article")
        if article is None:
            raise Invalid("name the article the clause goes in", {"article_id": "required"})
        v, _clause = services.add_clause(
            viewer,
            doc,
            article_id=article,
            text=request.POST.get("text", ""),
            base_version=_int(request.POST.get("base_version"), "base_version"),
        )
        return f"Clause added: version {v.number}."

    return _pen_action(request, slug, doc_id, act)


@login_required
@require_POST
def link(request: HttpRequest, slug: str, doc_id: int, clause_id: int) -> HttpResponse:
    """The pen links a clause to the agenda issues it settles (not part of the text)."""

    def act(viewer, doc):
        ids = [_int(x, "issues") for x in request.POST.getlist("issues") if x]
        services.link_issues(viewer, doc, queries.clause(doc, clause_id), ids)
        return f"Clause linked to {len(ids)} agenda issue{'s' if len(ids) != 1 else ''}."

    return _pen_action(request, slug, doc_id, act, f"clause-{clause_id}")


@login_required
@require_POST
def amend(request: HttpRequest, slug: str, doc_id: int, clause_id: int) -> HttpResponse:
    """Propose an amendment from the clause itself: replace or delete it, or insert after it."""

    def act(viewer, doc):
        clause = queries.clause(doc, clause_id)
        kind = request.POST.get("kind", "")
        article = None
        if kind == Amendment.Kind.INSERT:
            view = queries.text(viewer, doc)
            article = next(
                (
                    c.article_id
                    for a in view.articles
                    for c in a.clauses
                    if c.clause_id == clause.pk
                ),
                None,
            )
        services.propose_amendment(
            viewer,
            doc,
            kind=kind,
            base_version=_int(request.POST.get("base_version"), "base_version"),
            clause_id=clause.pk,
            article_id=article,
            text=request.POST.get("text", ""),
            rationale=request.POST.get("rationale", ""),
        )
        return "Amendment proposed: it is in the amendment queue and under the clause."

    return _pen_action(request, slug, doc_id, act, f"clause-{clause_id}")


@login_required
@require_POST
def comment(request: HttpRequest, slug: str, doc_id: int, clause_id: int) -> HttpResponse:
    """Comment on an amendment from the clause it concerns."""

    def act(viewer, doc):
        am = queries.amendment(viewer, doc, _int(request.POST.get("amendment"), "amendment"))
        services.comment_amendment(viewer, am, request.POST.get("text", ""))
        return "Comment added."

    return _pen_action(request, slug, doc_id, act, f"clause-{clause_id}")


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
            "viewer": viewer,
            "doc": doc,
            "a": a,
            "b": b,
            "diff": diff,
            "identical": is_empty(diff),
            "versions": list(doc.versions.order_by("-number").values_list("number", flat=True)),
        },
    )


def _numbering(viewer, doc, amendments: list[Amendment]) -> dict[int, dict[int, str]]:
    """version number → {clause id: its number there}, for the versions the amendments name
    (an amendment names its clause as numbered in the version it was proposed on)."""
    out: dict[int, dict[int, str]] = {}
    for n in {a.base_version.number for a in amendments}:
        view = queries.text(viewer, doc, n)
        out[n] = {c.clause_id: c.number for a in view.articles for c in a.clauses}
        out[n].update({-a.article_id: str(a.number) for a in view.articles})
    return out


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
    items = list(queries.amendments(viewer, doc))
    numbering = _numbering(viewer, doc, items)
    rows = [
        (
            am,
            numbering[am.base_version.number].get(am.clause_id, "") if am.clause_id else "",
            numbering[am.base_version.number].get(-am.article_id, "") if am.article_id else "",
        )
        for am in items
    ]
    return render_page(
        request,
        "negotiation/amendments.html",
        {
            "process": viewer.process,
            "viewer": viewer,
            "doc": doc,
            "view": view,
            "rows": rows,
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
    return export_response(body, ctype, name, page=True)


# --- analysis runs ----------------------------------------------------------------------------
_ANALYSIS_FIELDS = ("kind", "issue", "samples", "forecast_seed", "consultation", "min_votes")


def _analysis_list_context(viewer: access.Viewer, data=None, **extra) -> dict:
    """The analysis page: runs the viewer may read (in words) and the run form, kept as sent
    when it is refused."""
    from accord.negotiation import analysis as words

    runs = [
        {
            "run": r,
            "kind": words.KIND_NAMES.get(r.kind, r.kind),
            "about": words.run_about(r.kind, r.inputs, r.outputs),
        }
        for r in queries.analysis_runs(viewer)
    ]
    data = data if data is not None else {}
    return {
        "process": viewer.process,
        "viewer": viewer,
        "runs": runs,
        "issues": list(queries.issues(viewer)),
        "consultations": consult_queries.consultations(viewer),
        "can_run": viewer.can(Perm.RUN_ANALYSIS),
        "here": "Analysis",
        "form": {k: data.get(k, "") for k in _ANALYSIS_FIELDS}
        | {
            "kind": data.get("kind") or "packages",
            "issues": data.getlist("issues") if hasattr(data, "getlist") else [],
            "relax": bool(data.get("relax")),
            "opinion_seed": data.get("opinion_seed", data.get("seed", "")),
            "forecast_seed": data.get("forecast_seed", data.get("seed", "")),
        },
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def analysis_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Runs the viewer may read, and (for those allowed) the form to run a new one: only the
    chosen kind's fields count (with JavaScript only its fieldset shows)."""
    try:
        viewer = process_viewer(request, slug)
    except AccordError as exc:
        return error_page(request, exc)
    if request.method == "GET":
        return render_page(
            request, "negotiation/analysis_list.html", _analysis_list_context(viewer)
        )
    post = request.POST
    kind = post.get("kind", "")
    try:
        if kind == "forecast":
            seed = _int(post.get("forecast_seed") or post.get("seed"), "seed")
        else:
            seed = _int(post.get("opinion_seed") or post.get("seed"), "seed")
        args: dict = {"kind": kind, "seed": seed or 0}
        if kind == "packages":
            args["issue_ids"] = [_int(x, "issues") for x in post.getlist("issues") if x] or None
            args["relax"] = post.get("relax") in ("1", "on", "true")
        elif kind == "forecast":
            args["issue_id"] = _int(post.get("issue"), "issue")
            samples = _int(post.get("samples"), "samples")
            args["samples"] = 200 if samples is None else samples
        elif kind == "opinion_groups":
            args["consultation_id"] = _int(post.get("consultation"), "consultation")
            min_votes = _int(post.get("min_votes"), "min_votes")
            args["min_votes"] = 7 if min_votes is None else min_votes
        run = services.run_analysis(viewer, **args)
    except AccordError as exc:
        ctx = _analysis_list_context(viewer, post, error=exc.message)
        return render_page(request, "negotiation/analysis_list.html", ctx, status=exc.status)
    return redirect("negotiation:analysis_run", slug=slug, run_id=run.pk)


def _pair(request: HttpRequest, parties: list[str]) -> tuple[tuple[int, int] | None, str | None]:
    """The two parties the frontier scatter shows, from ?x=&y= (party codes); None: default."""
    x, y = request.GET.get("x"), request.GET.get("y")
    if not x and not y:
        return None, None
    if x not in parties or y not in parties:
        return None, "Choose two parties of this run."
    if x == y:
        return None, "Choose two different parties."
    return (parties.index(x), parties.index(y)), None


@login_required
@require_http_methods(["GET", "POST"])
def analysis_run(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    """One run: the answer in words first, then its charts (server-rendered SVG, a data table
    under each), then its inputs; the holder of the pen releases it to chosen parties."""
    from accord.negotiation import analysis as words
    from accord.ui import charts

    try:
        viewer = process_viewer(request, slug)
        run = queries.analysis_run(viewer, run_id)
    except AccordError as exc:
        return error_page(request, exc)
    status, release_error = 200, None
    if request.method == "POST":
        try:
            rel = [c for c in request.POST.getlist("rel_to") if c]
            if not rel:
                raise Invalid(
                    "choose at least one party to release the run to", {"rel_to": "empty"}
                )
            services.release_run(viewer, run, rel_to=rel)
            messages.success(request, "Run released to " + ", ".join(sorted(rel)) + ".")
            return redirect("negotiation:analysis_run", slug=slug, run_id=run.pk)
        except AccordError as exc:
            status, release_error = exc.status, exc.message
    parties = list(run.outputs.get("parties") or [])
    pair, pair_error = _pair(request, parties) if run.kind == "packages" else (None, None)
    if pair_error:
        status = 400
    # the run's words first: for runs older than the constraint they name what packages break
    view = (
        words.packages_view(run.inputs, run.outputs, run.params) if run.kind == "packages" else None
    )
    figs = words.figures(run.kind, run.outputs, run.inputs, pair)
    for f in figs:
        f["svg"] = mark_safe(charts.accessible_svg(f["spec"]))  # noqa: S308 (our own renderer's SVG, text escaped)
        f["title"] = f["spec"].get("title")
    ctx = {
        "process": viewer.process,
        "viewer": viewer,
        "run": run,
        "out": run.outputs,
        "kind_name": words.KIND_NAMES.get(run.kind, run.kind),
        "figures": figs,
        "pair_error": pair_error,
        "can_release": viewer.can(Perm.HOLD_PEN),
        "release_error": release_error,
        "parties": viewer.process.parties.all(),
        "here": "Analysis",
    }
    if run.kind == "packages":
        ctx["pk"] = view
        ctx["pair"] = next((f.get("pair") for f in figs if f.get("pair")), None)
    elif run.kind == "forecast":
        ctx["fc"] = words.forecast_view(run.inputs, run.outputs)
    return render_page(request, "negotiation/analysis_run.html", ctx, status=status)
