"""HTML pages and htmx fragments of comms: parse → services / queries → render. No logic here."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accord.comms import queries, services
from accord.comms.models import ACK_REQUIRED, Attachment, Channel, Message, Precedence
from accord.core import access, files
from accord.core.errors import AccordError, Invalid, NotFound
from accord.core.labels import LabelValue, combine
from accord.core.roles import Perm
from accord.pagination import SEARCH_COUNT_CAP
from accord.ui.pages import (
    error_page,
    is_htmx,
    label_choices,
    process_viewer,
    render_page,
    with_viewer,
)

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


def _message_ctx(
    viewer,
    m,
    acked: set[int],
    *,
    attachments: list | None = None,
    parent: Message | None = None,
    replies: list[Message] | None = None,
    can_post: bool = False,
) -> dict:
    """Everything _message.html needs about one readable message, for this viewer."""
    return {
        "m": m,
        "acked": m.pk in acked,
        "mine": viewer.member and m.sender_id == viewer.member.pk,
        "needs_my_ack": m.requires_ack
        and m.deleted_at is None
        and viewer.member
        and m.sender_id != viewer.member.pk
        and m.pk not in acked,
        "attachments": [] if m.deleted_at else (attachments or []),
        "parent": parent,
        "replies": replies or [],
        "can_post": can_post,
        "rel_to_codes": " ".join(sorted(m.label.value.rel_to or [])),
        "rel_to_all": m.label.value.rel_to is None,
        "caveat_codes": " ".join(sorted(m.label.value.caveats)),
    }


def _attachments_by_message(viewer, ids: list[int]) -> dict[int, list[Attachment]]:
    """Readable attachments of the given (readable) messages, in one query through access."""
    out: dict[int, list[Attachment]] = {}
    qs = access.readable(Attachment.objects.filter(message_id__in=ids), viewer).order_by("id")
    for a in qs:
        out.setdefault(a.message_id, []).append(a)
    return out


def _parents(viewer, rows: list[Message]) -> dict[int, Message]:
    """Parents of replies that the viewer may read now (an edit may have tightened one)."""
    ids = {m.reply_to_id for m in rows if m.reply_to_id}
    if not ids:
        return {}
    return {p.pk: p for p in queries.all_messages(viewer).filter(pk__in=ids)}


def _one_message_ctx(viewer, m: Message) -> dict:
    """Context of a single message fragment (live insertion, htmx answers)."""
    ctx = _message_ctx(
        viewer,
        m,
        _acked_ids(viewer),
        attachments=list(queries.attachments(viewer, m)),
        parent=queries.readable_or_none(viewer, m.reply_to_id) if m.reply_to_id else None,
        replies=list(queries.all_messages(viewer).filter(reply_to=m)[:50]),
        can_post=viewer.can(Perm.POST_MESSAGES),
    )
    ctx["process"] = viewer.process
    if ctx["mine"]:
        ctx.update(label_choices(viewer))  # the edit form's label picker
    return ctx


def _acked_ids(viewer) -> set[int]:
    from accord.comms.models import Acknowledgement

    return set(
        Acknowledgement.objects.filter(member=viewer.member).values_list("message_id", flat=True)
    )


def _fragment_error(
    request: HttpRequest, exc: AccordError, target: str = "#composer-errors"
) -> HttpResponse:
    resp = render(request, "comms/_error.html", {"error": exc.message}, status=exc.status)
    resp["HX-Retarget"] = target
    resp["HX-Reswap"] = "innerHTML"
    return resp


# --- pages ------------------------------------------------------------------------------------
def _channels_page(
    request: HttpRequest, viewer: access.Viewer, *, form=None, error: str = "", status: int = 200
) -> HttpResponse:
    """The channel list; `form` and `error` re-show a refused "Open a channel" form as sent."""
    can_create = viewer.can(Perm.MANAGE_PROCESS)
    ctx = {
        "process": viewer.process,
        "channels": list(queries.channels_with_unread(viewer)),
        "notifications": list(queries.notifications(viewer, unread_only=True)[:20]),
        "unacknowledged": list(queries.unacknowledged(viewer)[:20]),
        "can_create": can_create,
        "kinds": Channel.Kind.choices,
        "form": form,
        "error": error,
    }
    if can_create:
        ctx.update(label_choices(viewer))
        ctx["all_parties"] = list(viewer.process.parties.order_by("code"))
        level = (form or {}).get("label_level", "0")
        ctx["sel_level"] = int(level) if level.isdigit() else 0
        ctx["sel_rel_to"] = form.getlist("label_rel_to") if form else []
        ctx["sel_caveats"] = form.getlist("label_caveats") if form else []
        ctx["sel_parties"] = form.getlist("parties") if form else []
    return render_page(request, "comms/channels.html", ctx, status=status)


@require_GET
@with_viewer
def channels(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    return _channels_page(request, viewer)


@require_POST
@with_viewer
def create_channel(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """Open a channel (coordinator); a refused form comes back as sent, with the reason."""
    try:
        chan = services.create_channel(
            viewer,
            name=request.POST.get("name", ""),
            kind=request.POST.get("kind", ""),
            label=_label_from_form(request),
            parties=request.POST.getlist("parties"),
            description=request.POST.get("description", ""),
        )
    except AccordError as exc:
        if exc.status in (403, 404):
            raise
        return _channels_page(
            request, viewer, form=request.POST, error=exc.message, status=exc.status
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
    can_post = viewer.can(Perm.POST_MESSAGES)
    atts = _attachments_by_message(viewer, [m.pk for m in rows])
    parents = _parents(viewer, rows)
    replies: dict[int, list[Message]] = {}
    for m in rows:
        if m.reply_to_id:
            replies.setdefault(m.reply_to_id, []).append(m)
    # ?reply_to=N (the reply button without JavaScript): the composer answers that message,
    # labelled like it by default (a reply is labelled at least like what it answers)
    reply_parent = None
    try:
        reply_id = _int(request.GET.get("reply_to"), "reply_to")
        if reply_id is not None:
            reply_parent = queries.message(viewer, reply_id, chan.pk)
    except AccordError:
        reply_parent = None
    default = reply_parent.label.value if reply_parent else chan.label.value
    return render_page(
        request,
        "comms/channel.html",
        {
            "process": viewer.process,
            "channel": chan,
            # not `messages`: the base template loops over Django's flash messages by that name
            "message_rows": [
                _message_ctx(
                    viewer,
                    m,
                    acked,
                    attachments=atts.get(m.pk),
                    parent=parents.get(m.reply_to_id) if m.reply_to_id else None,
                    replies=replies.get(m.pk),
                    can_post=can_post,
                )
                for m in rows
            ],
            "older": total - len(rows),
            "last_id": last_id,
            "others": list(queries.channels_with_unread(viewer)),
            "can_post": can_post,
            **label_choices(viewer),
            "channel_rel_to": sorted(chan.label.value.rel_to or []),
            "channel_caveats": sorted(chan.label.value.caveats),
            "composer_level": default.level,
            "composer_rel_to": sorted(default.rel_to or []),
            "composer_caveats": sorted(default.caveats),
            "reply_parent": reply_parent,
            "precedences": Precedence.choices,
            "max_mb": files.max_bytes() // (1024 * 1024),
            "max_files": services.MAX_FILES,
        },
    )


def _uploads(request: HttpRequest) -> list[tuple[str, bytes]]:
    """The composer's files, each read up to one byte past the limit (enough to refuse it)."""
    return [files.read_upload(f) for f in request.FILES.getlist("files")]


@require_POST
def post(request: HttpRequest, slug: str, channel_id: int) -> HttpResponse:
    try:
        viewer = process_viewer(request, slug)
        fields = {
            "body": request.POST.get("body", ""),
            "label": _label_from_form(request),
            "precedence": request.POST.get("precedence") or Precedence.ROUTINE,
            "requires_ack": request.POST.get("requires_ack") == "on",
            "reply_to": _int(request.POST.get("reply_to"), "reply_to"),
        }
        if request.FILES:
            queries.channel(viewer, channel_id)  # 404 before looking at any file
        uploads = _uploads(request)
        if uploads:
            posted = services.post_with_attachments(viewer, channel_id, uploads=uploads, **fields)
        else:
            posted = services.post_message(viewer, channel_id, **fields)
    except AccordError as exc:
        if is_htmx(request):
            return _fragment_error(request, exc)
        return error_page(request, exc)
    if not is_htmx(request):
        return redirect("comms:channel", slug=slug, channel_id=channel_id)
    ctx = _one_message_ctx(viewer, posted.message)
    ctx.update({"warnings": posted.warnings, "oob_warnings": True})
    return render(request, "comms/_message.html", ctx, status=201)


@require_GET
def message_fragment(request: HttpRequest, slug: str, channel_id: int, message_id: int):
    """One message as HTML, for live insertion (re-read through access: 404 if unreadable)."""
    try:
        viewer = process_viewer(request, slug)
        m = queries.message(viewer, message_id, channel_id)
    except AccordError as exc:
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain")
    return render(request, "comms/_message.html", _one_message_ctx(viewer, m))


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
    return render(request, "comms/_message.html", _one_message_ctx(viewer, m))


@require_GET
@with_viewer
def alerts(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """The alert region of a process page (urgent messages awaiting this member's
    acknowledgement), re-read through access on every refresh."""
    ctx = {"process": viewer.process, "alerts": queries.urgent_alerts(viewer)}
    return render(request, "comms/_alerts.html", ctx)


@require_POST
@with_viewer
def alert_ack(request: HttpRequest, viewer: access.Viewer, message_id: int) -> HttpResponse:
    """Acknowledge from the alert region, on any page: the region comes back without it (and
    every other open tab of this member drops it when the live acknowledgement arrives)."""
    services.acknowledge(viewer, message_id)
    if not is_htmx(request):
        back = request.POST.get("next", "")
        if back.startswith(f"/p/{viewer.process.slug}/") and url_has_allowed_host_and_scheme(
            back, allowed_hosts=None
        ):
            return redirect(back)
        return redirect("ui:dashboard", slug=viewer.process.slug)
    ctx = {"process": viewer.process, "alerts": queries.urgent_alerts(viewer)}
    return render(request, "comms/_alerts.html", ctx)


def _message_action(
    request: HttpRequest, slug: str, channel_id: int, message_id: int, act, errors: str = "edit"
):
    """Edit, delete or attach from the channel page: the message fragment (htmx) or a redirect
    back; an error goes to the form's `#{errors}-errors-{id}` box."""
    try:
        viewer = process_viewer(request, slug)
        queries.message(viewer, message_id, channel_id)  # 404 for another channel or unreadable
        m = act(viewer)
    except AccordError as exc:
        if is_htmx(request):
            return _fragment_error(request, exc, f"#{errors}-errors-{message_id}")
        return error_page(request, exc)
    if not is_htmx(request):
        return redirect(channel_url(slug, channel_id) + f"#msg-{message_id}")
    return render(request, "comms/_message.html", _one_message_ctx(viewer, m))


@require_POST
def edit(request: HttpRequest, slug: str, channel_id: int, message_id: int) -> HttpResponse:
    """The sender edits the text and may tighten the label (never loosen it: earlier text
    would reach new readers); the earlier text stays readable in the edit history."""
    body = request.POST.get("body", "")
    return _message_action(
        request,
        slug,
        channel_id,
        message_id,
        lambda v: services.edit_message(v, message_id, body=body, label=_label_from_form(request)),
    )


@require_POST
def attach(request: HttpRequest, slug: str, channel_id: int, message_id: int) -> HttpResponse:
    """The sender attaches files to a message already posted (labelled like the message)."""

    def act(viewer):
        services.attach_files(viewer, message_id, _uploads(request))
        return queries.message(viewer, message_id, channel_id)

    return _message_action(request, slug, channel_id, message_id, act, errors="attach")


@require_POST
def delete(request: HttpRequest, slug: str, channel_id: int, message_id: int) -> HttpResponse:
    """The sender deletes a message: readers see a tombstone (who, when), not the text."""
    return _message_action(
        request, slug, channel_id, message_id, lambda v: services.delete_message(v, message_id)
    )


@require_GET
def history(request: HttpRequest, slug: str, channel_id: int, message_id: int) -> HttpResponse:
    """Earlier versions of an edited message, readable exactly when the message is (and each
    version through its own label). A deleted message has no history to show: the point of
    deleting is that its text leaves the channel (the ledger keeps the commitment)."""
    try:
        viewer = process_viewer(request, slug)
        m = queries.message(viewer, message_id, channel_id)
        if m.deleted_at is not None:
            raise NotFound("the message was deleted")
    except AccordError as exc:
        if is_htmx(request):
            return HttpResponse(exc.message, status=exc.status, content_type="text/plain")
        return error_page(request, exc)
    ctx = {
        "process": viewer.process,
        "m": m,
        "channel": m.channel,
        "revisions": list(queries.revisions(viewer, m).filter(kind="edit").select_related("by")),
    }
    if is_htmx(request):
        return render(request, "comms/_history.html", ctx)
    return render_page(request, "comms/history.html", ctx)


@require_GET
def banner(request: HttpRequest, slug: str, channel_id: int, message_id: int) -> JsonResponse:
    """The page banner once this message is on the page: combine(current banner, its label).

    The page sends the banner it shows (level, REL TO, caveats); the message is read through
    access (404 if unreadable), so the answer can only rise to what the member may read. The
    label arithmetic stays here, on the server, not in the page's JavaScript.
    """
    try:
        viewer = process_viewer(request, slug)
        m = queries.message(viewer, message_id, channel_id)
        rel = request.GET.getlist("rel_to")
        current = access.parse_label(
            viewer.process,
            {
                "level": _int(request.GET.get("level"), "level") or 0,
                "rel_to": rel if rel else None,
                "caveats": request.GET.getlist("caveats"),
            },
            LabelValue(),
        )
    except AccordError as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    value = combine([current, m.label.value])
    colours = viewer.process.level_colours
    return JsonResponse(
        {
            "display": value.display(viewer.process.level_names),
            "level": value.level,
            "colour": colours[min(value.level, len(colours) - 1)],
            "rel_to": None if value.rel_to is None else sorted(value.rel_to),
            "caveats": sorted(value.caveats),
        }
    )


@require_http_methods(["GET", "POST"])
@with_viewer
def handling(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """Handling objectives per precedence: every member may see them (they say how fast to
    acknowledge); the coordinator changes them. A refused change re-shows the form, unchanged."""
    error = ""
    status = 200
    form = request.POST if request.method == "POST" else None
    if form is not None:
        try:
            services.set_handling_objectives(
                viewer,
                flash_minutes=_int(form.get("flash_minutes"), "flash_minutes"),
                immediate_minutes=_int(form.get("immediate_minutes"), "immediate_minutes"),
            )
        except AccordError as exc:
            if exc.status in (403, 404):
                raise
            error, status = exc.message, exc.status
        else:
            return redirect("comms:handling", slug=viewer.process.slug)
    pol = queries.handling_policy(viewer.process)
    rows = []
    for value, title in Precedence.choices:
        minutes = pol.minutes_for(value)
        rows.append(
            {
                "precedence": value,
                "title": title,
                "ack": "always" if value in ACK_REQUIRED else "when the sender asks",
                "renotify": minutes,
                "escalate": minutes * 2 if minutes else None,
            }
        )
    return render_page(
        request,
        "comms/handling.html",
        {
            "process": viewer.process,
            "rows": rows,
            "policy": pol,
            "can_manage": viewer.can(Perm.MANAGE_PROCESS),
            "error": error,
            "form": form,
        },
        status=status,
    )


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
    ctx["parties"] = list(viewer.process.parties.order_by("code"))
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
            seen = qs.bounded_count(SEARCH_COUNT_CAP + 1)
            ctx["count"], ctx["count_exact"] = min(seen, SEARCH_COUNT_CAP), seen <= SEARCH_COUNT_CAP
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
