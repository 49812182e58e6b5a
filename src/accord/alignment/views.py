"""HTML pages of the alignment app: parse → service/query → template, no logic.

Forms work without JavaScript: geometry is GeoJSON in a textarea (the map's drawing tools only
fill that textarea), times are the reader's local time.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accord.alignment import queries, services
from accord.alignment.models import Action, Constraint, LineOfEffort
from accord.core import access
from accord.core.errors import AccordError, Invalid
from accord.core.roles import Perm
from accord.core.services import time_zone_of
from accord.implementation import queries as implementation_queries
from accord.ui.pages import error_page, label_choices, process_viewer, render_page, with_viewer

MATRIX_DAYS = 14


def _d_words(day, anchor_day) -> str:
    """ "D", "D+30", "D−3": a day counted from an anchor event's day."""
    n = (day - anchor_day).days
    return "D" if n == 0 else f"D+{n}" if n > 0 else f"D−{-n}"


def _note(request: HttpRequest, viewer, rows) -> None:
    """Raise the page's label banner to cover labelled rows shown without a badge (the matrix's
    cells, the map's layers, the touches' derived labels)."""
    from accord.ui.middleware import note_label

    for row in rows:
        note_label(request, row.label.value, viewer.process)


def _tz(request: HttpRequest) -> ZoneInfo:
    return ZoneInfo(time_zone_of(request.user))


def _when(request: HttpRequest, name: str, *, required: bool) -> datetime | None:
    raw = (request.POST.get(name) or "").strip()
    if not raw:
        if required:
            raise Invalid(f"the {name.replace('_', ' ')} is required", {name: "required"})
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise Invalid(
            f"the {name.replace('_', ' ')} is not a date and time", {name: "invalid"}
        ) from None
    return value if timezone.is_aware(value) else value.replace(tzinfo=_tz(request))


def _number(request: HttpRequest, name: str, default=None):
    raw = (request.POST.get(name) or "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise Invalid(f"the {name.replace('_', ' ')} must be a number", {name: "invalid"}) from None


def _geojson(request: HttpRequest):
    raw = (request.POST.get("geometry") or "").strip()
    if not raw:
        raise Invalid("draw the geometry on the map or paste GeoJSON", {"geometry": "required"})
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise Invalid(
            f"the geometry is not valid JSON ({exc.msg})", {"geometry": "invalid"}
        ) from None


def _label(request: HttpRequest, viewer):
    if "label_level" not in request.POST:
        return None
    try:
        level = int(request.POST.get("label_level") or 0)
    except ValueError:
        raise Invalid("unknown classification", {"label_level": "invalid"}) from None
    rel = [c for c in request.POST.getlist("label_rel_to") if c] or None
    data = {"level": level, "rel_to": rel, "caveats": request.POST.getlist("label_caveats")}
    from accord.core.labels import LabelValue

    return access.parse_label(viewer.process, data, LabelValue())


def _plan_ctx(viewer) -> dict:
    return {
        "can_plan": viewer.can(Perm.PLAN_ACTIONS),
        "action_kinds": Action.Kind.choices,
        "anchors": queries.dated_anchors(viewer),
        "my_lines": [
            line
            for line in queries.lines(viewer)
            if viewer.member and line.party_id in (None, viewer.member.party_id)
        ],
        **label_choices(viewer),
        "sel_level": min(3, viewer.clearance),
        "sel_rel_to": [viewer.party_code],
        "sel_caveats": [],
        "min_level": 0,
    }


def _int(request: HttpRequest, name: str) -> int | None:
    raw = (request.POST.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise Invalid(
            f"the {name.replace('_', ' ')} must be a whole number", {name: "invalid"}
        ) from None


def _create_action(request: HttpRequest, viewer):
    line = (request.POST.get("line") or "").strip()
    anchor = _int(request, "anchor")
    if anchor is not None:
        return services.create_action(
            viewer,
            title=request.POST.get("title", ""),
            kind=request.POST.get("kind", ""),
            geometry=_geojson(request),
            buffer_m=_number(request, "buffer_m", 0.0),
            lower_m=_number(request, "lower_m"),
            upper_m=_number(request, "upper_m"),
            anchor=anchor,
            start_offset_days=_int(request, "start_offset_days"),
            end_offset_days=_int(request, "end_offset_days"),
            line=int(line) if line.isdigit() else None,
            description=request.POST.get("description", ""),
            label=_label(request, viewer),
        )
    return services.create_action(
        viewer,
        title=request.POST.get("title", ""),
        kind=request.POST.get("kind", ""),
        geometry=_geojson(request),
        buffer_m=_number(request, "buffer_m", 0.0),
        lower_m=_number(request, "lower_m"),
        upper_m=_number(request, "upper_m"),
        start=_when(request, "start", required=True),
        end=_when(request, "end", required=True),
        line=int(line) if line.isdigit() else None,
        description=request.POST.get("description", ""),
        label=_label(request, viewer),
    )


# --------------------------------------------------------------------------- actions


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def actions(request: HttpRequest, viewer) -> HttpResponse:
    """Actions the viewer may read, their conflicts counted among what they may read; a form to
    plan one (military liaisons)."""
    rows = list(queries.actions(viewer))
    conflicts = {}
    for t in queries.conflicts(viewer):
        conflicts[t.action_id] = conflicts.get(t.action_id, 0) + 1
    ctx = {
        "process": viewer.process,
        "rows": [(a, conflicts.get(a.pk, 0)) for a in rows],
        "here": "Actions",
        **_plan_ctx(viewer),
    }
    _note(request, viewer, [ag for _ev, ag in ctx["anchors"]])  # the form names them
    if request.method == "POST":
        try:
            a = _create_action(request, viewer)
        except AccordError as exc:
            ctx.update(error=exc.message, form=request.POST)
            return render_page(request, "alignment/actions.html", ctx, status=exc.status)
        return redirect("alignment:action", slug=viewer.process.slug, action_id=a.pk)
    return render_page(request, "alignment/actions.html", ctx)


def _action_ctx(viewer, a, **extra) -> dict:
    touches = list(queries.touches(viewer).filter(action=a))
    return {
        "process": viewer.process,
        "a": a,
        "line": queries.line_of(viewer, a),
        "anchor": queries.anchor_of(viewer, a),
        "touches": touches,
        "missing": queries.missing_acks(viewer, a),
        "mine": viewer.member is not None
        and a.party_id == viewer.member.party_id
        and viewer.can(Perm.PLAN_ACTIONS),
        "next_states": sorted(services.TRANSITIONS[a.state]),
        "geometry_text": json.dumps(a.geometry),
        "here": a.title,
        **extra,
    }


@login_required
@with_viewer
def action(request: HttpRequest, viewer, action_id: int) -> HttpResponse:
    """An action: where and when, its conflicts, and what its party must acknowledge."""
    a = queries.action(viewer, action_id)
    ctx = _action_ctx(viewer, a)
    _note(request, viewer, [a, *ctx["touches"]])
    return render_page(request, "alignment/action.html", ctx)


@login_required
@require_POST
def action_state(request: HttpRequest, slug: str, action_id: int) -> HttpResponse:
    """Approve, activate, finish or cancel; a 409 page lists the versions to acknowledge."""
    try:
        viewer = process_viewer(request, slug)
        a = queries.action(viewer, action_id)
    except AccordError as exc:
        return error_page(request, exc)
    try:
        services.set_state(viewer, a, request.POST.get("state", ""))
    except AccordError as exc:
        ctx = _action_ctx(viewer, queries.action(viewer, action_id), page_error=exc.message)
        return render_page(request, "alignment/action.html", ctx, status=exc.status)
    return redirect("alignment:action", slug=slug, action_id=action_id)


# --------------------------------------------------------------------------- constraints


def _windows_text(request: HttpRequest) -> list[tuple[datetime, datetime]]:
    """The form's time windows: one a line, "start / end" in the reader's time zone."""
    out = []
    lines = [x.strip() for x in (request.POST.get("windows") or "").splitlines() if x.strip()]
    for n, text in enumerate(lines, start=1):
        parts = [p.strip() for p in text.split("/")]
        if len(parts) != 2:
            raise Invalid(
                f"time window {n}: write the start and the end separated by “/”",
                {"windows": "invalid"},
            )
        pair = []
        for part in parts:
            try:
                t = datetime.fromisoformat(part.replace(" ", "T", 1))
            except ValueError:
                raise Invalid(
                    f"time window {n}: “{part}” is not a date and time (e.g. 2026-12-08 06:00)",
                    {"windows": "invalid"},
                ) from None
            pair.append(t if timezone.is_aware(t) else t.replace(tzinfo=_tz(request)))
        out.append((pair[0], pair[1]))
    return out


def _constraint_form_ctx(viewer) -> dict:
    from accord.alignment.geometry import MAX_WINDOWS

    return {
        "max_windows": MAX_WINDOWS,
        "can_constrain": viewer.can(Perm.PLAN_ACTIONS) or viewer.can(Perm.HOLD_PEN),
        "constraint_kinds": Constraint.Kind.choices,
        "restrictions": Constraint.Restriction.choices,
        "action_kinds": Action.Kind.choices,
        "party_codes": sorted(p.code for p in viewer.process.parties.all()),
        **label_choices(viewer),
        "sel_level": 0,
        "sel_rel_to": [],
        "sel_caveats": [],
        "min_level": 0,
    }


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def constraints(request: HttpRequest, viewer) -> HttpResponse:
    """Zones and deadlines the viewer may read; a form to add one (with its source)."""
    ctx = {
        "process": viewer.process,
        "rows": list(queries.constraints(viewer)),
        "here": "Zones and constraints",
        "tz_name": str(_tz(request)),
        **_constraint_form_ctx(viewer),
    }
    if request.method == "POST":
        try:
            hours = _number(request, "notice_hours")
            c = services.create_constraint(
                viewer,
                title=request.POST.get("title", ""),
                kind=request.POST.get("kind", ""),
                restriction=request.POST.get("restriction", ""),
                geometry=_geojson(request),
                buffer_m=_number(request, "buffer_m", 0.0),
                notice_hours=None if hours is None else int(hours),
                conditions=request.POST.get("conditions", ""),
                binds_parties=request.POST.getlist("binds_parties"),
                binds_kinds=request.POST.getlist("binds_kinds"),
                valid_from=_when(request, "valid_from", required=False),
                valid_until=_when(request, "valid_until", required=False),
                windows=_windows_text(request),
                repeat_days=_number(request, "repeat_days", 1),
                source_ref=request.POST.get("source_ref", ""),
                label=_label(request, viewer),
            )
        except AccordError as exc:
            ctx.update(error=exc.message, form=request.POST)
            return render_page(request, "alignment/constraints.html", ctx, status=exc.status)
        return redirect("alignment:constraint", slug=viewer.process.slug, constraint_id=c.pk)
    return render_page(request, "alignment/constraints.html", ctx)


def _constraint_ctx(viewer, c, **extra) -> dict:
    from accord.core import links

    return {
        "process": viewer.process,
        "c": c,
        "touches": list(queries.touches(viewer).filter(constraint=c)),
        "versions": list(queries.versions(viewer, c)),
        "acknowledged": queries.acknowledged(viewer, c),
        "source_changed": queries.source_changed(viewer, c),
        "can_ack": viewer.can(Perm.PLAN_ACTIONS),
        "can_constrain": viewer.can(Perm.PLAN_ACTIONS) or viewer.can(Perm.HOLD_PEN),
        "sources": links.targets(viewer, c, "source"),
        "geometry_text": json.dumps(c.geometry),
        "here": c.title,
        **extra,
    }


@login_required
@with_viewer
def constraint(request: HttpRequest, viewer, constraint_id: int) -> HttpResponse:
    """A constraint: its versions, what it touches (only actions the reader may read)."""
    c = queries.constraint(viewer, constraint_id)
    ctx = _constraint_ctx(viewer, c)
    _note(request, viewer, [c, *ctx["touches"], *[t.action for t in ctx["touches"]]])
    if ctx["source_changed"]:  # the flag is read under the constraint's and the text's labels
        from accord.ui.middleware import note_label

        note_label(request, c.source_changed_label.value, viewer.process)
    return render_page(request, "alignment/constraint.html", ctx)


def _constraint_post(request: HttpRequest, slug: str, constraint_id: int, act) -> HttpResponse:
    try:
        viewer = process_viewer(request, slug)
        c = queries.constraint(viewer, constraint_id)
    except AccordError as exc:
        return error_page(request, exc)
    try:
        act(viewer, c)
    except AccordError as exc:
        ctx = _constraint_ctx(
            viewer, queries.constraint(viewer, constraint_id), page_error=exc.message
        )
        return render_page(request, "alignment/constraint.html", ctx, status=exc.status)
    back = request.POST.get("next", "")
    if back.startswith(f"/p/{slug}/alignment/"):
        return redirect(back)
    return redirect("alignment:constraint", slug=slug, constraint_id=constraint_id)


@login_required
@require_POST
def acknowledge(request: HttpRequest, slug: str, constraint_id: int) -> HttpResponse:
    """Acknowledge a version of a constraint for the viewer's party."""

    def act(viewer, c):
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            raise Invalid("which version?", {"version": "required"}) from None
        services.acknowledge(viewer, c, version)

    return _constraint_post(request, slug, constraint_id, act)


@login_required
@require_POST
def source_reviewed(request: HttpRequest, slug: str, constraint_id: int) -> HttpResponse:
    """The constraint was reviewed against its changed source clause and stays as it is."""
    return _constraint_post(request, slug, constraint_id, services.mark_source_reviewed)


@login_required
@require_POST
def new_version(request: HttpRequest, slug: str, constraint_id: int) -> HttpResponse:
    """A new version of a constraint's geometry and buffer (re-checks at once)."""

    def act(viewer, c):
        services.update_constraint(
            viewer,
            c,
            note=request.POST.get("note", ""),
            geometry=_geojson(request),
            buffer_m=_number(request, "buffer_m", c.buffer_m),
        )

    return _constraint_post(request, slug, constraint_id, act)


# --------------------------------------------------------------------------- map and matrix


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def map_page(request: HttpRequest, viewer) -> HttpResponse:
    """The map: zones, actions and conflicts the reader may read; draw a new action."""
    ctx = {
        "process": viewer.process,
        "here": "Map",
        "tz_name": str(_tz(request)),
        **_plan_ctx(viewer),
    }
    # The layers arrive by script, but the banner must cover what the map will show.
    _note(request, viewer, [ag for _ev, ag in ctx["anchors"]])  # the form names them
    _note(request, viewer, queries.constraints(viewer))
    _note(request, viewer, queries.actions(viewer).filter(state__in=Action.LIVE))
    _note(request, viewer, queries.conflicts(viewer))
    if request.method == "POST":
        try:
            a = _create_action(request, viewer)
        except AccordError as exc:
            ctx.update(error=exc.message, form=request.POST)
            return render_page(request, "alignment/map.html", ctx, status=exc.status)
        return redirect("alignment:action", slug=viewer.process.slug, action_id=a.pk)
    return render_page(request, "alignment/map.html", ctx)


@login_required
def map_data(request: HttpRequest, slug: str) -> HttpResponse:
    """The map's layers as GeoJSON (the same read door as the API's /geojson/map)."""
    try:
        viewer = process_viewer(request, slug)
    except AccordError as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    return JsonResponse(queries.map_geojson(viewer))


def _on_day(item, d, d0: datetime, d1: datetime, tz) -> bool:
    """Is a track item (a dated deadline, or a meeting/decision in time) on day d?"""
    if isinstance(item.start, datetime):
        if item.start == item.end:  # a moment (a decision)
            return d0 <= item.start < d1
        return item.start < d1 and item.end > d0
    return item.start == d


@login_required
@with_viewer
def matrix(request: HttpRequest, viewer) -> HttpResponse:
    """The synchronization matrix: lines of effort × days; a red cell is a conflict that day."""
    tz = _tz(request)
    today = timezone.now().astimezone(tz).date()
    try:
        offset = int(request.GET.get("from", "0"))
    except ValueError:
        offset = 0
    offset = max(-365, min(365, offset))
    first = today + timedelta(days=offset - 1)
    days = [first + timedelta(days=i) for i in range(MATRIX_DAYS)]
    start = datetime.combine(days[0], datetime.min.time(), tzinfo=tz)
    end = start + timedelta(days=MATRIX_DAYS)
    acts = list(
        queries.actions(viewer)
        .filter(start__lt=end, end__gt=start)
        .exclude(state=Action.State.CANCELLED)
    )
    lines = list(queries.lines(viewer))
    readable_lines = {line.pk for line in lines}
    conflicts = list(queries.conflicts(viewer).filter(start__lt=end, end__gt=start))
    rows = []
    groups: list[tuple[LineOfEffort | None, list[Action]]] = [
        (line, [a for a in acts if a.line_id == line.pk]) for line in lines
    ]
    loose = [a for a in acts if a.line_id not in readable_lines]
    if loose:
        groups.append((None, loose))
    for line, members in groups:
        cells = []
        for d in days:
            d0 = datetime.combine(d, datetime.min.time(), tzinfo=tz)
            d1 = d0 + timedelta(days=1)
            here = [a for a in members if a.start < d1 and a.end > d0]
            hot = {
                t.action_id
                for t in conflicts
                if t.start < d1 and t.end > d0 and t.action_id in {a.pk for a in here}
            }
            cells.append(
                {"day": d, "actions": [(a, a.pk in hot) for a in here], "conflict": bool(hot)}
            )
        rows.append({"line": line, "cells": cells})
    items = queries.track(viewer, start, end)
    track_rows = []
    for key, name in queries.TRACK_ROWS:
        mine = [i for i in items if i.row == key]
        cells = []
        for d in days:
            d0 = datetime.combine(d, datetime.min.time(), tzinfo=tz)
            d1 = d0 + timedelta(days=1)
            cells.append({"day": d, "items": [i for i in mine if _on_day(i, d, d0, d1, tz)]})
        track_rows.append({"name": name, "cells": cells, "count": len(mine)})
    # columns counted from an anchor event (D+n) when the reader picks one they may read
    anchors = implementation_queries.dated_anchors(viewer)
    chosen = next((a for a in anchors if str(a.pk) == request.GET.get("anchor", "")), None)
    shown = [*lines, *acts, *conflicts, *(r for i in items for r in i.labels)]
    if chosen is not None:
        shown.append(chosen.agreement)
    _note(request, viewer, shown)
    ctx = {
        "process": viewer.process,
        "days": days,
        "columns": [(d, _d_words(d, chosen.occurred_on) if chosen else "") for d in days],
        "anchors": anchors,
        "anchor": chosen,
        "rows": rows,
        "track_rows": track_rows,
        "tz_name": str(tz),
        "today": today,
        "prev": offset - 7,
        "next": offset + 7,
        "here": "Synchronization matrix",
    }
    return render_page(request, "alignment/matrix.html", ctx)


# --------------------------------------------------------------------------- humanitarian notifications


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def notifications(request: HttpRequest, viewer) -> HttpResponse:
    """Humanitarian notifications: notify (observers, the secretariat), acknowledge (parties to
    the conflict). Late movements are flagged."""
    from accord.alignment import hns

    rows = list(hns.notifications(viewer))
    _note(request, viewer, rows)
    ctx = {
        "process": viewer.process,
        "rows": [(n, [a.party.code for a in n.acks.select_related("party")]) for n in rows],
        "can_notify": hns.may_notify(viewer),
        "can_ack": hns.may_acknowledge(viewer),
        "my_party": viewer.party_code,
        "kinds": hns.Notification.Kind.choices,
        "now": timezone.now(),
        "here": "Humanitarian notifications",
    }
    if request.method == "POST":
        try:
            n = hns.notify(
                viewer,
                kind=request.POST.get("kind", ""),
                title=request.POST.get("title", ""),
                geometry=_geojson(request),
                buffer_m=_number(request, "buffer_m", 0.0),
                start=_when(request, "start", required=False),
                end=_when(request, "end", required=False),
                expires_at=_when(request, "expires_at", required=True),
                vehicles=request.POST.get("vehicles", ""),
                description=request.POST.get("description", ""),
                emergency=request.POST.get("emergency") == "1",
            )
        except AccordError as exc:
            ctx.update(error=exc.message, form=request.POST)
            return render_page(request, "alignment/notifications.html", ctx, status=exc.status)
        return redirect(f"{request.path}#n-{n.pk}")
    return render_page(request, "alignment/notifications.html", ctx)


@login_required
@require_POST
def notification_ack(request: HttpRequest, slug: str, notification_id: int) -> HttpResponse:
    """Acknowledge (not approve) a notification for the viewer's party."""
    from accord.alignment import hns

    try:
        viewer = process_viewer(request, slug)
        n = hns.notification(viewer, notification_id)
        hns.acknowledge(viewer, n)
    except AccordError as exc:
        return error_page(request, exc)
    return redirect("alignment:notifications", slug=slug)
