"""Reads of the alignment app's protected data, always through core.access.

A touch (an action meeting a constraint) is read only when the reader may read its own derived
label AND the action AND the constraint: nobody learns of another party's action through a
conflict, a count, the map or the matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import QuerySet

from accord.alignment.models import (
    Acknowledgement,
    Action,
    Constraint,
    ConstraintVersion,
    LineOfEffort,
    Touch,
)
from accord.core import access
from accord.core.access import Viewer
from accord.core.errors import NotFound
from accord.core.queries import valid_id


def lines(viewer: Viewer) -> QuerySet[LineOfEffort]:
    """Lines of effort the viewer may read."""
    qs = LineOfEffort.objects.filter(process=viewer.process).select_related("party", "label")
    return access.readable(qs, viewer)


def line(viewer: Viewer, line_id: int) -> LineOfEffort:
    if not valid_id(line_id):
        raise NotFound("line of effort not found")
    return access.get_readable(lines(viewer), viewer, "line of effort", pk=line_id)


def actions(viewer: Viewer) -> QuerySet[Action]:
    """Actions the viewer may read (their line, when unreadable, is hidden by the pages)."""
    qs = Action.objects.filter(process=viewer.process).select_related("party", "label", "line")
    return access.readable(qs, viewer)


def action(viewer: Viewer, action_id: int) -> Action:
    if not valid_id(action_id):
        raise NotFound("action not found")
    return access.get_readable(actions(viewer), viewer, "action", pk=action_id)


def constraints(viewer: Viewer) -> QuerySet[Constraint]:
    qs = Constraint.objects.filter(process=viewer.process).select_related("label")
    return access.readable(qs, viewer)


def constraint(viewer: Viewer, constraint_id: int) -> Constraint:
    if not valid_id(constraint_id):
        raise NotFound("constraint not found")
    return access.get_readable(constraints(viewer), viewer, "constraint", pk=constraint_id)


def source_changed(viewer: Viewer, c: Constraint) -> bool:
    """Is the constraint flagged "source changed — review" for this viewer? Only when they may
    read the flag's label (the constraint's combined with its source text's)."""
    return c.source_changed_at is not None and access.can_read_label_id(
        viewer, c.source_changed_label_id
    )


def versions(viewer: Viewer, c: Constraint) -> QuerySet[ConstraintVersion]:
    """Versions of a constraint the viewer may read (each carries the constraint's label)."""
    return access.readable(c.versions.all(), viewer)


def touches(viewer: Viewer) -> QuerySet[Touch]:
    """Every touch the viewer may read: its derived label, its action and its constraint."""
    ids = access.readable_label_ids(viewer)
    return (
        Touch.objects.filter(
            action__process=viewer.process,
            label__in=ids,
            action__label__in=ids,
            constraint__label__in=ids,
        )
        .select_related("action", "action__party", "constraint", "label")
        .order_by("start", "pk")
    )


def conflicts(viewer: Viewer) -> QuerySet[Touch]:
    """The touches that break a constraint (conflicts), as the viewer may read them."""
    return touches(viewer).filter(conflict=True)


def line_of(viewer: Viewer, a: Action) -> LineOfEffort | None:
    """The action's line of effort when the viewer may read it (else nothing, not even its id)."""
    if a.line_id is None:
        return None
    return lines(viewer).filter(pk=a.line_id).first()


@dataclass(frozen=True)
class AnchorView:
    """An action's D+n timing as the viewer may read it (the anchor belongs to an agreement)."""

    id: int
    name: str
    start_offset_days: int
    end_offset_days: int

    @property
    def words(self) -> str:
        """ "D+30 to D+33 (entry into force)"."""

        def d(n: int) -> str:
            return f"D{n:+d}" if n else "D-day"

        return f"{d(self.start_offset_days)} to {d(self.end_offset_days)} ({self.name.lower()})"


def anchor_of(viewer: Viewer, a: Action) -> AnchorView | None:
    """The anchor an action is timed on, when the viewer may read its agreement (else nothing,
    not even its id); read through implementation.queries."""
    if a.anchor_ref is None:
        return None
    from accord.implementation import queries as impl

    try:
        ev = impl.anchor(viewer, a.anchor_ref)
    except NotFound:
        return None
    return AnchorView(ev.pk, ev.name, a.start_offset_days or 0, a.end_offset_days or 0)


def dated_anchors(viewer: Viewer) -> list[tuple]:
    """(anchor event, agreement) pairs with a date, of agreements the viewer may read: what an
    action may be timed on (D+n)."""
    from accord.implementation import queries as impl

    return [
        (ev, ag)
        for ag in impl.agreements(viewer)
        for ev in impl.anchors(viewer, ag)
        if ev.occurred_on is not None
    ]


@dataclass(frozen=True)
class Missing:
    """A constraint version the owner's party has not acknowledged."""

    constraint: Constraint
    version: int


def missing_acks(viewer: Viewer, a: Action) -> list[Missing]:
    """The key rule's list: the current version of each constraint the action touches (and the
    viewer may read) that the action's owner party has not acknowledged."""
    touched = touches(viewer).filter(action=a).select_related("constraint")
    out = []
    for t in touched:
        c = t.constraint
        if not Acknowledgement.objects.filter(
            constraint=c, number=c.version, party_id=a.party_id
        ).exists():
            out.append(Missing(c, c.version))
    return sorted(out, key=lambda m: (m.constraint.title, m.constraint.pk))


def acknowledged(viewer: Viewer, c: Constraint) -> bool:
    """Has the viewer's party acknowledged the current version of this constraint?"""
    if viewer.member is None:
        return False
    return Acknowledgement.objects.filter(
        constraint=c, number=c.version, party_id=viewer.member.party_id
    ).exists()


def my_acks(viewer: Viewer, c: Constraint) -> QuerySet[Acknowledgement]:
    """The viewer's party's acknowledgements of this constraint (readable through their label)."""
    if viewer.member is None:
        return Acknowledgement.objects.none()
    return access.readable(c.acks.filter(party_id=viewer.member.party_id), viewer)


# --------------------------------------------------------------------------- GeoJSON (map, exports)


def _label_props(viewer: Viewer, label) -> dict:
    return {"label": label.value.display(viewer.process.level_names)}


def constraint_feature(viewer: Viewer, c: Constraint) -> dict:
    """A zone as a GeoJSON Feature: its stored geometry plus the buffered footprint."""
    from accord.alignment import geometry as geo
    from accord.alignment.services import constraint_volume

    return {
        "type": "Feature",
        "id": f"constraint-{c.pk}",
        "geometry": c.geometry,
        "properties": {
            "layer": "zone",
            "id": c.pk,
            "title": c.title,
            "kind": c.get_kind_display(),
            "inclusion": c.inclusion,
            "restriction": c.get_restriction_display(),
            "buffer_m": c.buffer_m,
            "version": c.version,
            "valid_from": c.valid_from.isoformat() if c.valid_from else None,
            "valid_until": c.valid_until.isoformat() if c.valid_until else None,
            # the map's time slider reads start/end on every layer (None: open-ended)
            "start": c.valid_from.isoformat() if c.valid_from else None,
            "end": c.valid_until.isoformat() if c.valid_until else None,
            "windows": c.windows,  # [[start, end], …]: in force only during these
            "footprint": geo.to_geojson(constraint_volume(c).shape),
            **_label_props(viewer, c.label),
        },
    }


def action_feature(viewer: Viewer, a: Action) -> dict:
    from accord.alignment import geometry as geo
    from accord.alignment.services import action_volume

    return {
        "type": "Feature",
        "id": f"action-{a.pk}",
        "geometry": a.geometry,
        "properties": {
            "layer": "action",
            "id": a.pk,
            "title": a.title,
            "kind": a.get_kind_display(),
            "state": a.state,
            "party": a.party.code,
            "buffer_m": a.buffer_m,
            "start": a.start.isoformat(),
            "end": a.end.isoformat(),
            "footprint": geo.to_geojson(action_volume(a).shape),
            **_label_props(viewer, a.label),
        },
    }


def conflict_feature(viewer: Viewer, t: Touch) -> dict | None:
    """Where an action breaks a zone: the overlap (exclusion) or the part outside (inclusion)."""
    import shapely

    from accord.alignment import geometry as geo
    from accord.alignment.services import action_volume, constraint_volume

    a, c = action_volume(t.action), constraint_volume(t.constraint)
    shape = (
        shapely.difference(a.shape, c.shape)
        if t.how == "leaves"
        else shapely.intersection(a.shape, c.shape)
    )
    if shape.is_empty:
        shape = a.shape
    return {
        "type": "Feature",
        "id": f"conflict-{t.pk}",
        "geometry": geo.to_geojson(shape),
        "properties": {
            "layer": "conflict",
            "action": t.action_id,
            "constraint": t.constraint_id,
            "title": f"{t.action.title} — {t.constraint.title}",
            "how": t.how,
            "start": t.start.isoformat(),
            "end": t.end.isoformat(),
            "precedence": "FLASH" if t.flash else "ROUTINE",
            **_label_props(viewer, t.label),
        },
    }


def collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def zones_geojson(viewer: Viewer) -> dict:
    """Every zone the viewer may read, as a FeatureCollection."""
    return collection([constraint_feature(viewer, c) for c in constraints(viewer)])


def own_actions_geojson(viewer: Viewer) -> dict:
    """The viewer's own party's actions (that they may read), as a FeatureCollection."""
    if viewer.member is None:
        return collection([])
    qs = actions(viewer).filter(party_id=viewer.member.party_id)
    return collection([action_feature(viewer, a) for a in qs])


def map_geojson(viewer: Viewer) -> dict:
    """The map's layers: readable zones, readable actions, readable conflicts."""
    feats = [constraint_feature(viewer, c) for c in constraints(viewer)]
    feats += [action_feature(viewer, a) for a in actions(viewer).filter(state__in=Action.LIVE)]
    feats += [f for t in conflicts(viewer) if (f := conflict_feature(viewer, t)) is not None]
    return collection(feats)


# --- zones at a place (the public read door other domains use) ---------------------------------
NEAR_M = 2000.0  # a place this close to a zone's edge is "near" it


@dataclass
class ZoneHit:
    """A readable zone a place falls in ("inside") or lies within `near_m` of ("near")."""

    constraint: Constraint
    how: str  # "inside" | "near"
    distance_m: float  # 0 when inside; else metres to the zone's buffered edge

    @property
    def distance_words(self) -> str:
        """ "350 m" or "1.2 km" (to the zone's buffered edge)."""
        return _metres(self.distance_m)

    @property
    def buffer_words(self) -> str:
        """The zone's buffer around its drawn geometry, e.g. "2 km" ("" without one)."""
        return _metres(self.constraint.buffer_m) if self.constraint.buffer_m else ""


def _metres(d: float) -> str:
    return f"{d / 1000:.1f} km".replace(".0 km", " km") if d >= 1000 else f"{round(d, -1):.0f} m"


def zones_at(
    viewer: Viewer, geometry: dict | None, *, near_m: float = NEAR_M, on=None
) -> list[ZoneHit]:
    """The constraints the viewer may read whose current footprint (geometry + buffer) holds
    the place or lies within `near_m` of it; on a date, only those in force that day. A zone
    the viewer may not read is neither named nor counted (it is filtered before any geometry)."""
    from datetime import datetime, time

    from django.utils import timezone

    from accord.alignment import geometry as geo
    from accord.alignment.services import constraint_volume

    if not geometry or viewer.member is None:
        return []
    try:
        place = geo.parse_geojson(geometry)
    except geo.GeometryError:
        return []
    qs = constraints(viewer)
    if on is not None:
        tz = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.combine(on, time.min), tz)
        end = timezone.make_aware(datetime.combine(on, time.max), tz)
        qs = qs.exclude(valid_from__gt=end).exclude(valid_until__lte=start)
    hits = []
    for c in qs:
        zone = constraint_volume(c).shape
        if zone.intersects(place):
            hits.append(ZoneHit(c, "inside", 0.0))
            continue
        d = geo.distance_m(place, zone)
        if d <= near_m:
            hits.append(ZoneHit(c, "near", d))
    return sorted(hits, key=lambda h: (h.distance_m, h.constraint.title))


# --------------------------------------------------------------------------- negotiation track


@dataclass(frozen=True)
class TrackItem:
    """One entry of the negotiation track in the matrix: a meeting, a decision, a commitment
    deadline or an anchor event (D-day), read through its own domain's queries."""

    row: str  # "meetings", "decisions", "deadlines"
    title: str
    what: str  # in words: "meeting", "decision closed", "deadline: 30 days after signature"
    start: datetime | date
    end: datetime | date
    url: str
    labels: tuple = ()  # the labelled rows it was read from (for the page's banner)

    @property
    def timed(self) -> bool:
        """A meeting or decision has a time of day; a deadline or anchor only a date."""
        return isinstance(self.start, datetime)


TRACK_ROWS = (
    ("meetings", "Meetings"),
    ("decisions", "Decisions"),
    ("deadlines", "Deadlines and D+n milestones"),
)


def track(viewer: Viewer, start: datetime, end: datetime) -> list[TrackItem]:
    """The negotiation track between start and end, as the viewer may read it: meetings,
    decisions (closed, or open with a closing time), commitment deadlines and dated anchor
    events. Other domains are read only through their `queries` (their read door), so nothing
    the viewer may not read is shown or counted."""
    from django.urls import reverse

    from accord.implementation import queries as impl
    from accord.meetings import queries as meet

    slug = viewer.process.slug
    out: list[TrackItem] = []
    for m in meet.meetings(viewer).filter(starts_at__lt=end, ends_at__gt=start):
        out.append(
            TrackItem(
                "meetings",
                m.title,
                m.get_kind_display(),
                m.starts_at,
                m.ends_at,
                reverse("meetings:detail", args=[slug, m.pk]),
                (m,),
            )
        )
    for d in meet.readable_decisions(viewer).select_related("meeting"):
        when = d.closed_at if d.status == d.Status.CLOSED else d.closes_at
        if when is None or not (start <= when < end):
            continue
        closed = d.status == d.Status.CLOSED
        out.append(
            TrackItem(
                "decisions",
                d.title,
                f"decision {'taken' if closed else 'closes'}",
                when,
                when,
                reverse("meetings:decision", args=[slug, d.meeting_id, d.pk]),
                (d, d.meeting),
            )
        )
    first, last = start.date(), end.date()
    for c, _standing in impl.commitments(viewer):
        due = c.deadline
        if due is None or not (first <= due < last):
            continue
        out.append(
            TrackItem(
                "deadlines",
                c.what,
                f"deadline: {c.deadline_rule}" if c.anchor_id else "deadline",
                due,
                due,
                reverse("implementation:commitment", args=[slug, c.pk]),
                (c, c.agreement),
            )
        )
    for ag in impl.agreements(viewer):
        for ev in impl.anchors(viewer, ag):
            if ev.occurred_on is None or not (first <= ev.occurred_on < last):
                continue
            out.append(
                TrackItem(
                    "deadlines",
                    f"D-day: {ev.name}",
                    f"anchor event of {ag.title}",
                    ev.occurred_on,
                    ev.occurred_on,
                    reverse("implementation:agreement", args=[slug, ag.pk]),
                    (ag,),
                )
            )
    return out
