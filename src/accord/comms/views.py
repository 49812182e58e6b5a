"""HTML pages and htmx fragments of comms: parse → services / queries → render. No logic here."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accord.comms import queries, services
from accord.comms.models import Channel, Precedence
from accord.core import access
from accord.core.errors import AccordError, Invalid
from accord.core.roles import Perm
from accord.ui.pages import error_page, is_htmx, process_viewer, render_page, with_viewer

PAGE_SIZE = 100


def _int(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise Invalid(f"{name} must be a number", {name: "not a number"}) from exc


def _label_from_form(request: HttpRequest) -> dict | None:
    if "label_level" not in request.POST:
        return None
    rel = [c for c in request.POST.getlist("label_rel_to") if c]
    return {
        "level": _int(request.POST.get("label_level"), "label_level") or 0,
        "rel_to": rel or None,
        "caveats": request.POST.getlist("label_caveats"),
    }


def _message_ctx(viewer, m, acked: set[int]) -> dict:
    return {
        "m": m,
        "acked": m.pk in acked,
        "mine": viewer.member and m.sender_id == viewer.member.pk,
        "needs_my_ack": m.requires_ack
        and m.deleted_at is None
        and viewer.member
        and m.sender_id != viewer.member.pk
        and m.pk not in acked,
    }


def _acked_ids(viewer) -> set[int]:
    from accord.comms.models import Acknowledgement

    return set(
        Acknowledgement.objects.filter(member=viewer.member).values_list("message_id", flat=True)
    )


def _fragment_error(request: HttpRequest, exc: AccordError) -> HttpResponse:
    resp = render(request, "comms/_error.html", {"error": exc.message}, status=exc.status)
    resp["HX-Retarget"] = "#composer-errors"
    resp["HX-Reswap"] = "innerHTML"
    return resp


# --- pages ------------------------------------------------------------------------------------
@require_GET
@with_viewer
def channels(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    return render_page(
        request,
        "comms/channels.html",
        {
            "process": viewer.process,
            "channels": list(queries.channels_with_unread(viewer)),
            "notifications": list(queries.notifications(viewer, unread_only=True)[:20]),
            "unacknowledged": list(queries.unacknowledged(viewer)[:20]),
            "can_create": viewer.can(Perm.MANAGE_PROCESS),
            "kinds": Channel.Kind.choices,
        },
    )


@require_POST
@with_viewer
def create_channel(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    chan = services.create_channel(
        viewer,
        name=request.POST.get("name", ""),
        kind=request.POST.get("kind", ""),
        label=_label_from_form(request),
        parties=request.POST.getlist("parties"),
        description=request.POST.get("description", ""),
    )
    return redirect("comms:channel", slug=viewer.process.slug, channel_id=chan.pk)


@require_GET
@with_viewer
def channel(request: HttpRequest, viewer: access.Viewer, channel_id: int) -> HttpResponse:
    chan = queries.channel(viewer, channel_id)
    qs = queries.messages(viewer, chan).select_related("reply_to")
    total = qs.count()
    rows = list(qs[max(0, total - PAGE_SIZE) :])
    acked = _acked_ids(viewer)
    last_id = rows[-1].pk if rows else 0
    if rows:
        services.mark_read(viewer, chan.pk, last_id)
    names = viewer.process.level_names
    return render_page(
        request,
        "comms/channel.html",
        {
            "process": viewer.process,
            "channel": chan,
            "messages": [_message_ctx(viewer, m, acked) for m in rows],
            "older": total - len(rows),
            "last_id": last_id,
            "others": list(queries.channels_with_unread(viewer)),
            "can_post": viewer.can(Perm.POST_MESSAGES),
            "levels": [(i, n) for i, n in enumerate(names) if i <= viewer.clearance],
            "parties": sorted(p.code for p in viewer.process.parties.all()),
            "channel_rel_to": sorted(chan.label.value.rel_to or []),
            "my_caveats": sorted(viewer.caveats),
            "channel_caveats": sorted(chan.label.value.caveats),
            "precedences": Precedence.choices,
        },
    )


@require_POST
def post(request: HttpRequest, slug: str, channel_id: int) -> HttpResponse:
    try:
        viewer = process_viewer(request, slug)
        posted = services.post_message(
            viewer,
            channel_id,
            body=request.POST.get("body", ""),
            label=_label_from_form(request),
            precedence=request.POST.get("precedence") or Precedence.ROUTINE,
            requires_ack=request.POST.get("requires_ack") == "on",
            reply_to=_int(request.POST.get("reply_to"), "reply_to"),
        )
    except AccordError as exc:
        if is_htmx(request):
            return _fragment_error(request, exc)
        return error_page(request, exc)
    if not is_htmx(request):
        return redirect("comms:channel", slug=slug, channel_id=channel_id)
    ctx = _message_ctx(viewer, posted.message, set())
    ctx.update({"process": viewer.process, "warnings": posted.warnings, "oob_warnings": True})
    return render(request, "comms/_message.html", ctx, status=201)


@require_GET
def message_fragment(request: HttpRequest, slug: str, channel_id: int, message_id: int):
    """One message as HTML, for live insertion (re-read through access: 404 if unreadable)."""
    try:
        viewer = process_viewer(request, slug)
        m = queries.message(viewer, message_id, channel_id)
    except AccordError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain")
    ctx = _message_ctx(viewer, m, _acked_ids(viewer))
    ctx["process"] = viewer.process
    return render(request, "comms/_message.html", ctx)


@require_POST
@with_viewer
def ack(
    request: HttpRequest, viewer: access.Viewer, channel_id: int, message_id: int
) -> HttpResponse:
    queries.message(viewer, message_id, channel_id)
    services.acknowledge(viewer, message_id)
    m = queries.message(viewer, message_id, channel_id)
    if not is_htmx(request):
        return redirect("comms:channel", slug=viewer.process.slug, channel_id=channel_id)
    ctx = _message_ctx(viewer, m, {m.pk})
    ctx["process"] = viewer.process
    return render(request, "comms/_message.html", ctx)


@require_GET
def acks(request: HttpRequest, slug: str, channel_id: int, message_id: int) -> HttpResponse:
    try:
        viewer = process_viewer(request, slug)
        m = queries.message(viewer, message_id, channel_id)
    except AccordError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain")
    return render(
        request,
        "comms/_acks.html",
        {"status": queries.ack_status(viewer, m), "m": m, "process": viewer.process},
    )


@require_GET
@with_viewer
def search(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    ctx: dict = {"process": viewer.process, "q": q, "hits": [], "count": 0, "error": ""}
    ctx["channels"] = list(queries.channels(viewer))
    ctx["precedences"] = Precedence.choices
    if q:
        try:
            filters = queries.SearchFilters(
                channel_id=_int(request.GET.get("channel"), "channel"),
                precedence=request.GET.get("precedence") or None,
                party=request.GET.get("party") or None,
                since=_date(request.GET.get("since")),
                until=_date(request.GET.get("until")),
            )
            qs = queries.search(viewer, q, filters)
            ctx["count"] = qs.count()
            ctx["hits"] = [(m, queries.snippet(m.body, q)) for m in qs[:50]]
        except AccordError as exc:
            ctx["error"] = exc.message
    ctx["filters"] = request.GET
    return render_page(request, "comms/search.html", ctx, status=422 if ctx["error"] else 200)


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid("dates are YYYY-MM-DD", {"date": "invalid"}) from exc


@require_GET
@with_viewer
def briefing(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    brief = queries.briefing(viewer, queries.default_since(timezone.now()))
    return render_page(request, "comms/briefing.html", {"process": viewer.process, "brief": brief})


def channel_url(slug: str, channel_id: int) -> str:
    return reverse("comms:channel", kwargs={"slug": slug, "channel_id": channel_id})
