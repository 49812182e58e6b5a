"""REST endpoints of the alignment app: parse → service/query → schema, no logic.

GeoJSON in (any geometry field) and out (`geometry`, and FeatureCollections under /geojson).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from accord.alignment import queries, services
from accord.alignment import schemas as s
from accord.alignment.models import Action, Constraint, Touch
from accord.core import links
from accord.core.api import label_in as _label
from accord.core.api import label_out
from accord.core.api import viewer as _v
from accord.core.errors import Invalid
from accord.pagination import Page

router = Router(tags=["alignment"])
BASE = "/processes/{slug}/alignment"


def line_out(v, line) -> dict:
    return {
        "id": line.pk,
        "name": line.name,
        "kind": line.kind,
        "party": line.party.code if line.party_id else None,
        "objectives": line.objectives,
        "label": label_out(v.process, line.label),
    }


def action_out(v, a: Action) -> dict:
    line = queries.line_of(v, a)
    anchor = queries.anchor_of(v, a)
    return {
        "anchor": None
        if anchor is None
        else {
            "id": anchor.id,
            "name": anchor.name,
            "start_offset_days": anchor.start_offset_days,
            "end_offset_days": anchor.end_offset_days,
            "words": anchor.words,
        },
        "id": a.pk,
        "title": a.title,
        "description": a.description,
        "kind": a.kind,
        "state": a.state,
        "party": a.party.code,
        "line": line.pk if line else None,
        "geometry": a.geometry,
        "buffer_m": a.buffer_m,
        "lower_m": a.lower_m,
        "upper_m": a.upper_m,
        "start": a.start,
        "end": a.end,
        "revision": a.revision,
        "label": label_out(v.process, a.label),
    }


def touch_out(v, t: Touch) -> dict:
    return {
        "action": t.action_id,
        "action_title": t.action.title,
        "constraint": t.constraint_id,
        "constraint_title": t.constraint.title,
        "version": t.version,
        "conflict": t.conflict,
        "how": t.how,
        "start": t.start,
        "end": t.end,
        "precedence": "FLASH" if t.flash else "ROUTINE",
        "label": label_out(v.process, t.label),
    }


def action_detail(v, a: Action) -> dict:
    return {
        **action_out(v, a),
        "touches": [touch_out(v, t) for t in queries.touches(v).filter(action=a)],
        "missing_acknowledgements": [
            {"constraint": m.constraint.pk, "version": m.version, "title": m.constraint.title}
            for m in queries.missing_acks(v, a)
        ],
    }


def constraint_out(v, c: Constraint) -> dict:
    return {
        "id": c.pk,
        "title": c.title,
        "kind": c.kind,
        "inclusion": c.inclusion,
        "restriction": c.restriction,
        "notice_hours": c.notice_hours,
        "conditions": c.conditions,
        "binds_parties": c.binds_parties,
        "binds_kinds": c.binds_kinds,
        "geometry": c.geometry,
        "buffer_m": c.buffer_m,
        "lower_m": c.lower_m,
        "upper_m": c.upper_m,
        "valid_from": c.valid_from,
        "valid_until": c.valid_until,
        "windows": [{"start": a, "end": b} for a, b in c.windows],
        "source_ref": c.source_ref,
        "version": c.version,
        "acknowledged": queries.acknowledged(v, c),
        "source_changed": queries.source_changed(v, c),
        "label": label_out(v.process, c.label),
    }


# --------------------------------------------------------------------------- lines


@router.get(BASE + "/lines", response=list[s.LineOut], summary="Lines of effort I may read")
@paginate(Page)
def list_lines(request: HttpRequest, slug: str):
    v = _v(request, slug)
    return [line_out(v, x) for x in queries.lines(v)]


@router.post(BASE + "/lines", response={201: s.LineOut}, summary="Add a line of effort")
def create_line(request: HttpRequest, slug: str, data: s.LineIn):
    v = _v(request, slug)
    line = services.create_line(
        v,
        name=data.name,
        kind=data.kind,
        objectives=data.objectives,
        shared=data.shared,
        label=_label(v, data.label),
    )
    return Status(201, line_out(v, line))


# --------------------------------------------------------------------------- actions


@router.get(BASE + "/actions", response=list[s.ActionOut], summary="Actions I may read")
@paginate(Page)
def list_actions(request: HttpRequest, slug: str, state: str | None = None):
    v = _v(request, slug)
    qs = queries.actions(v)
    return [action_out(v, a) for a in (qs.filter(state=state) if state else qs)]


@router.post(
    BASE + "/actions", response={201: s.ActionDetailOut}, summary="Plan an action (checked at once)"
)
def create_action(request: HttpRequest, slug: str, data: s.ActionIn):
    v = _v(request, slug)
    a = services.create_action(
        v,
        title=data.title,
        kind=data.kind,
        geometry=data.geometry,
        buffer_m=data.buffer_m,
        lower_m=data.lower_m,
        upper_m=data.upper_m,
        start=data.start,
        end=data.end,
        anchor=data.anchor,
        start_offset_days=data.start_offset_days,
        end_offset_days=data.end_offset_days,
        line=data.line,
        description=data.description,
        label=_label(v, data.label),
    )
    return Status(201, action_detail(v, a))


@router.get(
    BASE + "/actions/{action_id}",
    response=s.ActionDetailOut,
    summary="An action, its conflicts and what to acknowledge",
)
def get_action(request: HttpRequest, slug: str, action_id: int):
    v = _v(request, slug)
    return action_detail(v, queries.action(v, action_id))


@router.patch(
    BASE + "/actions/{action_id}",
    response=s.ActionDetailOut,
    summary="Change an action (re-checked)",
)
def update_action(request: HttpRequest, slug: str, action_id: int, data: s.ActionPatch):
    v = _v(request, slug)
    a = services.update_action(v, queries.action(v, action_id), **data.dict(exclude_unset=True))
    return action_detail(v, a)


@router.post(
    BASE + "/actions/{action_id}/state",
    response=s.ActionDetailOut,
    summary="Approve, activate, finish or cancel (409 lists unacknowledged constraint versions)",
)
def set_state(request: HttpRequest, slug: str, action_id: int, data: s.StateIn):
    v = _v(request, slug)
    a = services.set_state(v, queries.action(v, action_id), data.state)
    return action_detail(v, a)


# --------------------------------------------------------------------------- constraints


@router.get(
    BASE + "/constraints",
    response=list[s.ConstraintOut],
    summary="Zones and constraints I may read",
)
@paginate(Page)
def list_constraints(request: HttpRequest, slug: str):
    v = _v(request, slug)
    return [constraint_out(v, c) for c in queries.constraints(v)]


@router.post(
    BASE + "/constraints", response={201: s.ConstraintOut}, summary="Add a constraint (version 1)"
)
def create_constraint(request: HttpRequest, slug: str, data: s.ConstraintIn):
    v = _v(request, slug)
    source = None
    if data.source_kind or data.source_id is not None:
        source = links.resolve(v, data.source_kind or "", data.source_id or 0)
        if source is None:
            raise Invalid("the source was not found", {"source_id": "not found"})
    c = services.create_constraint(
        v,
        title=data.title,
        kind=data.kind,
        restriction=data.restriction,
        geometry=data.geometry,
        buffer_m=data.buffer_m,
        notice_hours=data.notice_hours,
        conditions=data.conditions,
        binds_parties=data.binds_parties,
        binds_kinds=data.binds_kinds,
        lower_m=data.lower_m,
        upper_m=data.upper_m,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        windows=[w.dict() for w in data.windows],
        repeat_days=data.repeat_days,
        source_ref=data.source_ref,
        source=source,
        label=_label(v, data.label),
    )
    return Status(201, constraint_out(v, c))


@router.get(BASE + "/constraints/{constraint_id}", response=s.ConstraintOut, summary="A constraint")
def get_constraint(request: HttpRequest, slug: str, constraint_id: int):
    v = _v(request, slug)
    return constraint_out(v, queries.constraint(v, constraint_id))


@router.patch(
    BASE + "/constraints/{constraint_id}",
    response=s.ConstraintOut,
    summary="A new version of a constraint",
)
def update_constraint(request: HttpRequest, slug: str, constraint_id: int, data: s.ConstraintPatch):
    v = _v(request, slug)
    changes = data.dict(exclude_unset=True)
    note = changes.pop("note", "")
    c = services.update_constraint(v, queries.constraint(v, constraint_id), note=note, **changes)
    return constraint_out(v, c)


@router.get(
    BASE + "/constraints/{constraint_id}/versions",
    response=list[s.VersionOut],
    summary="Every version",
)
@paginate(Page)
def list_versions(request: HttpRequest, slug: str, constraint_id: int):
    v = _v(request, slug)
    c = queries.constraint(v, constraint_id)
    return [
        {"number": x.number, "note": x.note, "created_at": x.created_at, "snapshot": x.snapshot}
        for x in queries.versions(v, c)
    ]


@router.get(
    BASE + "/constraints/{constraint_id}/touches",
    response=list[s.TouchOut],
    summary="Actions this constraint touches (only those you may read)",
)
@paginate(Page)
def constraint_touches(request: HttpRequest, slug: str, constraint_id: int):
    v = _v(request, slug)
    c = queries.constraint(v, constraint_id)
    return [touch_out(v, t) for t in queries.touches(v).filter(constraint=c)]


@router.post(
    BASE + "/constraints/{constraint_id}/acknowledge",
    response={201: s.AckOut},
    summary="Acknowledge a version for my party",
)
def acknowledge(request: HttpRequest, slug: str, constraint_id: int, data: s.AckIn):
    v = _v(request, slug)
    ack = services.acknowledge(v, queries.constraint(v, constraint_id), data.version)
    return Status(
        201,
        {
            "constraint": ack.constraint_id,
            "version": ack.number,
            "party": ack.party.code,
            "at": ack.at,
        },
    )


@router.post(
    BASE + "/constraints/{constraint_id}/source-reviewed",
    response=s.ConstraintOut,
    summary="Clear 'source changed — review': reviewed, the constraint stays as it is",
)
def source_reviewed(request: HttpRequest, slug: str, constraint_id: int):
    v = _v(request, slug)
    c = services.mark_source_reviewed(v, queries.constraint(v, constraint_id))
    return constraint_out(v, c)


# --------------------------------------------------------------------------- conflicts, GeoJSON


@router.get(
    BASE + "/conflicts", response=list[s.TouchOut], summary="Conflicts I may read (both sides)"
)
@paginate(Page)
def list_conflicts(request: HttpRequest, slug: str):
    v = _v(request, slug)
    return [touch_out(v, t) for t in queries.conflicts(v)]


@router.get(BASE + "/geojson/zones", response=dict, summary="Zones I may read (FeatureCollection)")
def zones_geojson(request: HttpRequest, slug: str):
    return queries.zones_geojson(_v(request, slug))


@router.get(
    BASE + "/geojson/actions", response=dict, summary="My party's actions (FeatureCollection)"
)
def actions_geojson(request: HttpRequest, slug: str):
    return queries.own_actions_geojson(_v(request, slug))


@router.get(
    BASE + "/geojson/map", response=dict, summary="The map's layers I may read (FeatureCollection)"
)
def map_geojson(request: HttpRequest, slug: str):
    return queries.map_geojson(_v(request, slug))


# --------------------------------------------------------------------------- humanitarian notifications


def notification_out(v, n) -> dict:
    readable_constraint = (
        n.constraint_id and queries.constraints(v).filter(pk=n.constraint_id).exists()
    )
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": n.title,
        "description": n.description,
        "vehicles": n.vehicles,
        "geometry": n.geometry,
        "buffer_m": n.buffer_m,
        "start": n.start,
        "end": n.end,
        "expires_at": n.expires_at,
        "notified_at": n.notified_at,
        "emergency": n.emergency,
        "late": n.late,
        "acknowledged_by": [a.party.code for a in n.acks.select_related("party")],
        "constraint": n.constraint_id if readable_constraint else None,
        "label": label_out(v.process, n.label),
    }


@router.get(
    BASE + "/notifications", response=list[s.NotificationOut], summary="Humanitarian notifications"
)
@paginate(Page)
def list_notifications(request: HttpRequest, slug: str):
    from accord.alignment import hns

    v = _v(request, slug)
    return [notification_out(v, n) for n in hns.notifications(v)]


@router.post(
    BASE + "/notifications", response={201: s.NotificationOut}, summary="Notify a site or movement"
)
def create_notification(request: HttpRequest, slug: str, data: s.NotificationIn):
    from accord.alignment import hns

    v = _v(request, slug)
    n = hns.notify(
        v,
        kind=data.kind,
        title=data.title,
        geometry=data.geometry,
        buffer_m=data.buffer_m,
        start=data.start,
        end=data.end,
        expires_at=data.expires_at,
        vehicles=data.vehicles,
        description=data.description,
        emergency=data.emergency,
        label=_label(v, data.label),
    )
    return Status(201, notification_out(v, n))


@router.post(
    BASE + "/notifications/{notification_id}/acknowledge",
    response={201: s.NotificationOut},
    summary="Acknowledge (not approve) a notification for my party",
)
def acknowledge_notification(request: HttpRequest, slug: str, notification_id: int):
    from accord.alignment import hns

    v = _v(request, slug)
    n = hns.notification(v, notification_id)
    hns.acknowledge(v, n)
    return Status(201, notification_out(v, hns.notification(v, notification_id)))
