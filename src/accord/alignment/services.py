"""Every state change of the alignment app: check policy, write, record, publish after commit.

Who may do what:
- planning actions, and acknowledging constraint versions for one's own party: `PLAN_ACTIONS`
  (military liaisons); an action always belongs to the planner's own party;
- making and changing constraints (they come from what is negotiated or agreed): `PLAN_ACTIONS`
  or `HOLD_PEN` (coordinator, mediator);
- lines of effort: `PLAN_ACTIONS` for one's own party; `HOLD_PEN` may also make shared lines.

The key rule (after InterUSS's DSS): approving or activating an action needs its owner party's
acknowledgement of the current version of every constraint the action touches; otherwise 409
with exactly the (constraint, version) pairs missing. A new version of a constraint re-checks
every live action at once, and touched actions are stale until acknowledged again.

Validation (geometry, times, buffers, sources) happens before the first write, and each write
shares one transaction with its ledger entry, so a refused request changes nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accord.alignment import geometry as geo
from accord.alignment import queries
from accord.alignment.models import (
    Acknowledgement,
    Action,
    Constraint,
    ConstraintVersion,
    LineOfEffort,
    Touch,
)
from accord.core import access, events
from accord.core.access import Viewer
from accord.core.errors import Conflict, Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue, combine
from accord.core.models import Party
from accord.core.roles import Perm
from accord.ledger.services import record

FLASH_WINDOW = timedelta(hours=24)
MAX_TEXT = 200
SECRET = 3

# --------------------------------------------------------------------------- helpers


def _require_any(viewer: Viewer, *perms: Perm) -> None:
    if viewer.member is None:
        raise NotFound("process not found")
    if not any(viewer.can(p) for p in perms):
        access.require(viewer, perms[0])


def _title(text: str, what: str = "title") -> str:
    text = " ".join((text or "").split())
    if not text:
        raise Invalid(f"a {what} is required", {what: "required"})
    if len(text) > MAX_TEXT:
        raise Invalid(f"the {what} is at most {MAX_TEXT} characters", {what: "too long"})
    return text


def _choice(value: str, choices, what: str) -> str:
    allowed = [c for c, _ in choices]
    if value not in allowed:
        raise Invalid(f"unknown {what} {value!r}; one of: {', '.join(allowed)}", {what: "unknown"})
    return value


def _geometry(data) -> dict:
    """Validated GeoJSON (as stored: the client's geometry, checked) or a clear 422."""
    try:
        shape = geo.parse_geojson(data)
    except geo.GeometryError as exc:
        raise Invalid(str(exc), {"geometry": "invalid"}) from None
    del shape
    return data if isinstance(data, dict) and data.get("type") != "Feature" else _plain(data)


def _plain(data) -> dict:
    import json

    if isinstance(data, str):
        data = json.loads(data)
    if data.get("type") == "Feature":
        data = data["geometry"]
    return {"type": data["type"], "coordinates": data["coordinates"]}


def _buffer(value) -> float:
    try:
        return geo.check_buffer(value)
    except geo.GeometryError as exc:
        raise Invalid(str(exc), {"buffer_m": "invalid"}) from None


def _band(lower, upper) -> tuple[float | None, float | None]:
    try:
        geo.check_band(lower, upper)
    except (geo.GeometryError, TypeError, ValueError) as exc:
        raise Invalid(str(exc), {"upper_m": "below lower"}) from None
    return (None if lower is None else float(lower)), (None if upper is None else float(upper))


def _window(start: datetime | None, end: datetime | None, *, required: bool) -> None:
    if required and (start is None or end is None):
        raise Invalid(
            "an action needs a start and an end", {"start" if start is None else "end": "required"}
        )
    for name, t in (("start", start), ("end", end)):
        if t is not None and timezone.is_naive(t):
            raise Invalid(f"the {name} needs a time zone", {name: "no time zone"})
    if start is not None and end is not None and end <= start:
        raise Invalid("the end must be after the start", {"end": "before start"})


MAX_REPEAT_DAYS = 31


def _instant(value, what: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Invalid(f"{what} is not a date and time", {"windows": "invalid"}) from None
    if not isinstance(value, datetime):
        raise Invalid(f"{what} is not a date and time", {"windows": "invalid"})
    if timezone.is_naive(value):
        raise Invalid(f"{what} needs a time zone", {"windows": "no time zone"})
    return value


def _windows(raw, repeat_days=1) -> list[list[str]]:
    """Several time windows of a constraint, as sorted [start, end] ISO pairs (UTC); each given
    window repeated daily for `repeat_days` days. Refuses an end not after its start, more than
    geometry.MAX_WINDOWS windows, and anything that is not a time with a zone."""
    if raw is None or raw == []:
        return []
    if not isinstance(raw, list | tuple):
        raise Invalid("time windows must be a list of {start, end}", {"windows": "invalid"})
    try:
        days = int(repeat_days or 1)
    except (TypeError, ValueError):
        raise Invalid("repeat daily: a number of days", {"repeat_days": "invalid"}) from None
    if not 1 <= days <= MAX_REPEAT_DAYS:
        raise Invalid(
            f"repeat daily for 1 to {MAX_REPEAT_DAYS} days", {"repeat_days": "out of range"}
        )
    pairs = []
    for n, w in enumerate(raw, start=1):
        if isinstance(w, dict):
            start, end = w.get("start"), w.get("end")
        elif isinstance(w, list | tuple) and len(w) == 2:
            start, end = w
        else:
            raise Invalid(f"time window {n} needs a start and an end", {"windows": "invalid"})
        if start is None or end is None:
            raise Invalid(f"time window {n} needs a start and an end", {"windows": "invalid"})
        s0, e0 = (
            _instant(start, f"time window {n}'s start"),
            _instant(end, f"time window {n}'s end"),
        )
        if e0 <= s0:
            raise Invalid(
                f"time window {n} ends before it starts (or when it starts)",
                {"windows": "end before start"},
            )
        pairs += [(s0 + timedelta(days=d), e0 + timedelta(days=d)) for d in range(days)]
    if len(pairs) > geo.MAX_WINDOWS:
        raise Invalid(
            f"at most {geo.MAX_WINDOWS} time windows (this makes {len(pairs)})",
            {"windows": "too many"},
        )
    try:
        merged = geo.check_windows(pairs)
    except geo.GeometryError as exc:
        raise Invalid(str(exc), {"windows": "invalid"}) from None
    return [
        [datetime.fromtimestamp(a, UTC).isoformat(), datetime.fromtimestamp(b, UTC).isoformat()]
        for a, b in merged
    ]


def _label(viewer: Viewer, label: LabelValue | None, default: LabelValue):
    value = label or default
    access.check_can_apply(viewer, value)
    return value


# --------------------------------------------------------------------------- footprints (cached)

_cache: OrderedDict = OrderedDict()
_CACHE_MAX = 20_000


def _cached(key, build):
    hit = _cache.get(key)
    if hit is None:
        hit = build()
        _cache[key] = hit
        if len(_cache) > _CACHE_MAX:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return hit


def _key(*parts) -> str:
    """What a footprint depends on (ids alone are not enough: rows are rewritten, ids reused)."""
    import json

    return json.dumps(parts, sort_keys=True, default=str)


def action_volume(a: Action) -> geo.Volume:
    """The detector's view of an action (cached per revision)."""
    return _cached(
        (
            "a",
            a.pk,
            _key(a.geometry, a.buffer_m, a.start, a.end, a.lower_m, a.upper_m, a.party_id, a.kind),
        ),
        lambda: geo.volume(
            a.pk,
            a.geometry,
            buffer=a.buffer_m,
            start=a.start,
            end=a.end,
            lower=a.lower_m,
            upper=a.upper_m,
            party=a.party.code.upper(),
            kind=a.kind,
        ),
    )


def constraint_volume(c: Constraint) -> geo.Volume:
    """The detector's view of a constraint's current version (cached per version)."""
    return _cached(
        (
            "c",
            c.pk,
            _key(
                c.geometry,
                c.buffer_m,
                c.valid_from,
                c.valid_until,
                c.windows,
                c.lower_m,
                c.upper_m,
                c.kind,
                c.binds_parties,
                c.binds_kinds,
            ),
        ),
        lambda: geo.volume(
            c.pk,
            c.geometry,
            buffer=c.buffer_m,
            start=c.valid_from,
            end=c.valid_until,
            windows=[(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in c.windows]
            if c.windows
            else None,
            lower=c.lower_m,
            upper=c.upper_m,
            polarity=geo.INCLUSION if c.inclusion else geo.EXCLUSION,
            parties={p.upper() for p in c.binds_parties} or None,
            kinds=set(c.binds_kinds) or None,
        ),
    )


# --------------------------------------------------------------------------- detection


def _touches(actions: list[Action], constraints: list[Constraint]) -> dict[tuple[int, int], tuple]:
    """(action id, constraint id) → (conflict?, how, start, end) for every touching pair.

    Conflicts come from the detector; an action inside an inclusion zone that binds it touches
    the zone without breaking it (its owner still acknowledges the zone's version)."""
    if not actions or not constraints:
        return {}
    avs = [action_volume(a) for a in actions]
    cvs = [constraint_volume(c) for c in constraints]
    det = geo.Detector(avs, cvs)
    out = {}
    for hit in det.conflicts():
        out[(hit.action, hit.constraint)] = (True, hit.how, hit.start, hit.end)
    incl = [cv for cv in cvs if cv.polarity == geo.INCLUSION]
    for cv in incl:
        for av in avs:
            if (av.id, cv.id) in out:
                continue
            inside = replace(cv, polarity=geo.EXCLUSION)
            hit = geo.pair_conflict(av, inside)
            if hit is not None:
                out[(av.id, cv.id)] = (False, "inside", hit.start, hit.end)
    return out


@dataclass
class _Found:
    touch: Touch
    new_conflict: bool


def _store(
    process, pairs: dict, actions: dict[int, Action], constraints: dict[int, Constraint], scope
) -> list[_Found]:
    """Write the touches of `scope` (("action", id) or ("constraint", id)): add, update, drop."""
    field = "action_id" if scope[0] == "action" else "constraint_id"
    existing = {
        (t.action_id, t.constraint_id): t for t in Touch.objects.filter(**{field: scope[1]})
    }
    now = timezone.now()
    found = []
    for key, (conflict, how, s, e) in pairs.items():
        a, c = actions[key[0]], constraints[key[1]]
        label = access.label_row(process, combine([a.label.value, c.label.value]))
        start = datetime.fromtimestamp(s, tz=UTC)
        end = datetime.fromtimestamp(e, tz=UTC)
        flash = conflict and a.start - now <= FLASH_WINDOW and a.end > now
        old = existing.pop(key, None)
        if old is None:
            t = Touch.objects.create(
                action=a, constraint=c, version=c.version, conflict=conflict, how=how,
                start=start, end=end, flash=flash, label=label,
            )  # fmt: skip
            found.append(_Found(t, conflict))
        else:
            was = old.conflict and old.version == c.version
            old.version, old.conflict, old.how = c.version, conflict, how
            old.start, old.end, old.flash, old.label = start, end, flash, label
            old.detected_at = now
            old.save()
            found.append(_Found(old, conflict and not was))
    if existing:
        Touch.objects.filter(pk__in=[t.pk for t in existing.values()]).delete()
    return found


def _announce(viewer: Viewer | None, found: list[_Found]) -> None:
    """Record each new conflict (labelled by both sides) and notify its readers after commit:
    FLASH precedence when the action starts within 24 hours."""
    actor = viewer.member if viewer is not None else None
    for f in found:
        if not f.new_conflict:
            continue
        t = f.touch
        precedence = "FLASH" if t.flash else "ROUTINE"
        record(
            actor,
            "alignment.conflict",
            t.action,
            {
                "constraint": t.constraint_id,
                "version": t.version,
                "how": t.how,
                "precedence": precedence,
            },
            label=t.label,
            refs=[t.action, t.constraint],
        )
        kind = "alignment.conflict.flash" if t.flash else "alignment.conflict"
        events.notify(
            t.action.process_id,
            kind,
            {"action": t.action_id, "constraint": t.constraint_id},
            [t.label_id, t.action.label_id, t.constraint.label_id],
        )


REMIND_FLASH = timedelta(minutes=10)
REMIND_ROUTINE = timedelta(hours=1)


def remind_due(now: datetime | None = None) -> list[Touch]:
    """Repeat the conflict notice to an action's owners until their party acknowledges the
    constraint's current version: every 10 minutes when the action starts within 24 hours
    (FLASH), hourly otherwise. Stops once acknowledged, or when the action is cancelled or done
    (no longer live). Each repeat is ledgered under the conflict's derived label and notified to
    its readers only (the periodic task `remind_unacknowledged_conflicts` calls this)."""
    now = now or timezone.now()
    due: list[Touch] = []
    pending = (
        Touch.objects.filter(
            conflict=True,
            action__state__in=Action.LIVE,
            detected_at__lte=now - REMIND_FLASH,
        )
        .select_related("action", "action__process", "constraint", "label")
        .order_by("pk")
    )
    for t in pending:
        a, c = t.action, t.constraint
        if Acknowledgement.objects.filter(
            constraint=c, number=c.version, party_id=a.party_id
        ).exists():
            continue
        flash = a.start - now <= FLASH_WINDOW and a.end > now
        last = max(x for x in (t.detected_at, t.reminded_at) if x is not None)
        if now - last < (REMIND_FLASH if flash else REMIND_ROUTINE):
            continue
        precedence = "FLASH" if flash else "ROUTINE"
        with transaction.atomic():
            n = Touch.objects.filter(pk=t.pk, reminders=t.reminders).update(
                reminded_at=now, reminders=t.reminders + 1, flash=flash
            )
            if not n:  # another worker took this one
                continue
            record(
                None,
                "alignment.conflict.reminder",
                a,
                {
                    "constraint": c.pk,
                    "version": c.version,
                    "precedence": precedence,
                    "reminder": t.reminders + 1,
                },
                label=t.label,
                process=a.process,
                refs=[a, c],
            )
        t.reminded_at, t.reminders, t.flash = now, t.reminders + 1, flash
        kind = "alignment.conflict.flash" if flash else "alignment.conflict"
        events.notify(
            a.process_id,
            kind,
            {"action": a.pk, "constraint": c.pk, "reminder": t.reminders},
            [t.label_id, a.label_id, c.label_id],
        )
        due.append(t)
    return due


def recheck_action(viewer: Viewer | None, a: Action) -> list[_Found]:
    """Re-check one action against every constraint of its process (inside the caller's
    transaction); done and cancelled actions touch nothing."""
    cons = list(Constraint.objects.filter(process=a.process).select_related("label"))
    pairs = _touches([a], cons) if a.state in Action.LIVE else {}
    found = _store(a.process, pairs, {a.pk: a}, {c.pk: c for c in cons}, ("action", a.pk))
    _announce(viewer, found)
    return found


def recheck_constraint(viewer: Viewer | None, c: Constraint) -> list[_Found]:
    """Re-check every live action of the process against one constraint, at once."""
    acts = list(
        Action.objects.filter(process=c.process, state__in=Action.LIVE).select_related(
            "party", "label"
        )
    )
    pairs = _touches(acts, [c])
    found = _store(c.process, pairs, {a.pk: a for a in acts}, {c.pk: c}, ("constraint", c.pk))
    _announce(viewer, found)
    return found


# --------------------------------------------------------------------------- lines of effort


def create_line(
    viewer: Viewer,
    *,
    name: str,
    kind: str,
    objectives: str = "",
    shared: bool = False,
    label: LabelValue | None = None,
) -> LineOfEffort:
    """A line of effort of the viewer's party (PLAN_ACTIONS), or shared (HOLD_PEN)."""
    if shared:
        access.require(viewer, Perm.HOLD_PEN)
    else:
        _require_any(viewer, Perm.PLAN_ACTIONS, Perm.HOLD_PEN)
    name = _title(name, "name")
    kind = _choice(kind, LineOfEffort.Kind.choices, "kind")
    if len(objectives or "") > 4000:
        raise Invalid("objectives are at most 4000 characters", {"objectives": "too long"})
    default = (
        LabelValue.of(min(1, viewer.clearance))
        if shared
        else LabelValue.of(min(2, viewer.clearance), [viewer.party_code])
    )
    value = _label(viewer, label, default)
    with transaction.atomic():
        line = LineOfEffort.objects.create(
            process=viewer.process,
            party=None if shared else viewer.member.party,
            name=name,
            kind=kind,
            objectives=(objectives or "").strip(),
            label=access.label_row(viewer.process, value),
            created_by=viewer.member,
        )
        record(viewer.member, "alignment.line", line, {"name": name, "kind": kind})
    events.notify(viewer.process.pk, "alignment.line", {"line": line.pk}, [line.label_id])
    return line


# --------------------------------------------------------------------------- actions


def _own_action(viewer: Viewer, a: Action) -> Action:
    access.require(viewer, Perm.PLAN_ACTIONS)
    a = queries.action(viewer, a.pk)
    if a.party_id != viewer.member.party_id:
        raise Forbidden("only members of the action's own party may change it")
    return a


def _line_for(viewer: Viewer, line_id: int | None) -> LineOfEffort | None:
    if line_id is None:
        return None
    line = queries.lines(viewer).filter(pk=line_id).first() if isinstance(line_id, int) else None
    if line is None:
        raise Invalid("line of effort not found", {"line": "not found"})
    if line.party_id not in (None, viewer.member.party_id):
        raise Invalid(
            "an action serves a line of effort of its own party or a shared one",
            {"line": "other party"},
        )
    return line


def create_action(
    viewer: Viewer,
    *,
    title: str,
    kind: str,
    geometry,
    start: datetime | None = None,
    end: datetime | None = None,
    buffer_m: float = 0.0,
    lower_m: float | None = None,
    upper_m: float | None = None,
    line: int | None = None,
    description: str = "",
    label: LabelValue | None = None,
    serves=None,
    anchor: int | None = None,
    start_offset_days: int | None = None,
    end_offset_days: int | None = None,
) -> Action:
    """Plan an action of the viewer's party; it is checked against every constraint at once.

    Default label: SECRET // REL TO own party (capped at the planner's clearance). `serves`: an
    object of a registered kind (a clause, a decision) the action serves (core.services.add_link).
    """
    access.require(viewer, Perm.PLAN_ACTIONS)
    title = _title(title)
    kind = _choice(kind, Action.Kind.choices, "kind")
    geometry = _geometry(geometry)
    buffer_m = _buffer(buffer_m)
    lower_m, upper_m = _band(lower_m, upper_m)
    if anchor is not None:
        start, end = _anchored(viewer, anchor, start_offset_days, end_offset_days)
    elif start_offset_days is not None or end_offset_days is not None:
        raise Invalid("day offsets need an anchor event", {"anchor": "required"})
    _window(start, end, required=True)
    if len(description or "") > 4000:
        raise Invalid("the description is at most 4000 characters", {"description": "too long"})
    value = _label(viewer, label, LabelValue.of(min(SECRET, viewer.clearance), [viewer.party_code]))
    the_line = _line_for(viewer, line)
    with transaction.atomic():
        a = Action.objects.create(
            process=viewer.process,
            party=viewer.member.party,
            line=the_line,
            title=title,
            description=(description or "").strip(),
            kind=kind,
            geometry=geometry,
            buffer_m=buffer_m,
            lower_m=lower_m,
            upper_m=upper_m,
            start=start,
            end=end,
            anchor_ref=anchor,
            start_offset_days=start_offset_days if anchor is not None else None,
            end_offset_days=end_offset_days if anchor is not None else None,
            label=access.label_row(viewer.process, value),
            created_by=viewer.member,
        )
        record(viewer.member, "alignment.action", a, {"title": title, "kind": kind})
        if serves is not None:
            from accord.core.services import add_link

            add_link(viewer, a, serves, "serves")
        recheck_action(viewer, a)
    events.notify(viewer.process.pk, "alignment.action", {"action": a.pk}, [a.label_id])
    return a


def update_action(viewer: Viewer, a: Action, **changes) -> Action:
    """Change an action's place, time or words (a new revision); re-checked at once. Moving an
    approved or active action sends it back to planned: the key rule applies again."""
    a = _own_action(viewer, a)
    if a.state not in Action.LIVE:
        raise Conflict(f"a {a.state} action cannot be changed", {"state": a.state})
    allowed = {
        "title",
        "description",
        "kind",
        "geometry",
        "buffer_m",
        "lower_m",
        "upper_m",
        "start",
        "end",
        "line",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(
            f"cannot change {', '.join(sorted(unknown))}", {k: "not changeable" for k in unknown}
        )
    new = {
        "title": _title(changes["title"]) if "title" in changes else a.title,
        "kind": _choice(changes["kind"], Action.Kind.choices, "kind")
        if "kind" in changes
        else a.kind,
        "geometry": _geometry(changes["geometry"]) if "geometry" in changes else a.geometry,
        "buffer_m": _buffer(changes["buffer_m"]) if "buffer_m" in changes else a.buffer_m,
        "start": changes.get("start", a.start),
        "end": changes.get("end", a.end),
        "description": (changes.get("description", a.description) or "").strip(),
    }
    new["lower_m"], new["upper_m"] = _band(
        changes.get("lower_m", a.lower_m), changes.get("upper_m", a.upper_m)
    )
    _window(new["start"], new["end"], required=True)
    the_line = _line_for(viewer, changes["line"]) if "line" in changes else a.line
    moved = any(
        new[k] != getattr(a, k)
        for k in ("geometry", "buffer_m", "start", "end", "lower_m", "upper_m", "kind")
    )
    with transaction.atomic():
        for k, v in new.items():
            setattr(a, k, v)
        a.line = the_line
        if ("start" in changes or "end" in changes) and a.anchor_ref is not None:
            # explicit times: no longer D+n (the anchor's date would overwrite them)
            a.anchor_ref = a.start_offset_days = a.end_offset_days = None
        if moved:
            a.revision += 1
            if a.state in (Action.State.APPROVED, Action.State.ACTIVE):
                a.state = Action.State.PLANNED
        a.save()
        record(viewer.member, "alignment.action.update", a, {"revision": a.revision})
        recheck_action(viewer, a)
    events.notify(viewer.process.pk, "alignment.action", {"action": a.pk}, [a.label_id])
    return a


TRANSITIONS = {
    Action.State.PLANNED: {Action.State.APPROVED, Action.State.CANCELLED},
    Action.State.APPROVED: {Action.State.ACTIVE, Action.State.PLANNED, Action.State.CANCELLED},
    Action.State.ACTIVE: {Action.State.DONE, Action.State.CANCELLED},
    Action.State.DONE: set(),
    Action.State.CANCELLED: set(),
}


def set_state(viewer: Viewer, a: Action, state: str) -> Action:
    """Move an action through planned → approved → active → done (or cancelled).

    The key rule: approving or activating needs the owner party's acknowledgement of the current
    version of every constraint the action touches; else 409 listing exactly what is missing.
    """
    a = _own_action(viewer, a)
    state = _choice(state, Action.State.choices, "state")
    if state not in TRANSITIONS[a.state]:
        raise Conflict(
            f"a {a.state} action cannot become {state}", {"state": f"{a.state} → {state}"}
        )
    with transaction.atomic():
        if state in (Action.State.APPROVED, Action.State.ACTIVE):
            recheck_action(viewer, a)
            missing = queries.missing_acks(viewer, a)
            if missing:
                pairs = ", ".join(f"{m.constraint.title} (version {m.version})" for m in missing)
                raise Conflict(
                    f"acknowledge the current version of every constraint this action touches "
                    f"before it becomes {state}: {pairs}",
                    {
                        "missing_constraints": [
                            {
                                "constraint": m.constraint.pk,
                                "version": m.version,
                                "title": m.constraint.title,
                            }
                            for m in missing
                        ]
                    },
                )
        before = a.state
        a.state = state
        a.save(update_fields=["state"])
        record(viewer.member, "alignment.action.state", a, {"from": before, "to": state})
        if state not in Action.LIVE:
            recheck_action(viewer, a)
    events.notify(viewer.process.pk, "alignment.action", {"action": a.pk}, [a.label_id])
    return a


# --------------------------------------------------------------------------- constraints


def _codes(viewer: Viewer, codes) -> list[str]:
    codes = sorted({str(c).upper() for c in (codes or [])})
    known = {
        p.upper()
        for p in Party.objects.filter(process=viewer.process).values_list("code", flat=True)
    }
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Invalid(
            f"binds unknown parties: {', '.join(unknown)}", {"binds_parties": "unknown party"}
        )
    return codes


def _kinds(kinds) -> list[str]:
    kinds = sorted(set(kinds or []))
    for k in kinds:
        _choice(k, Action.Kind.choices, "binds_kinds")
    return kinds


def _snapshot(c: Constraint) -> dict:
    return {
        "title": c.title, "kind": c.kind, "restriction": c.restriction,
        "notice_hours": c.notice_hours, "conditions": c.conditions,
        "binds_parties": c.binds_parties, "binds_kinds": c.binds_kinds,
        "geometry": c.geometry, "buffer_m": c.buffer_m, "lower_m": c.lower_m, "upper_m": c.upper_m,
        "valid_from": c.valid_from.isoformat() if c.valid_from else None,
        "valid_until": c.valid_until.isoformat() if c.valid_until else None,
        "windows": c.windows,
        "source_ref": c.source_ref,
    }  # fmt: skip


def _check_constraint(fields: dict) -> None:
    if fields["restriction"] == Constraint.Restriction.NOTIFICATION and not fields.get(
        "notice_hours"
    ):
        raise Invalid(
            "a notification restriction needs a notice period in hours",
            {"notice_hours": "required"},
        )
    if (
        fields["restriction"] == Constraint.Restriction.CONDITIONAL
        and not (fields.get("conditions") or "").strip()
    ):
        raise Invalid("a conditional restriction needs its conditions", {"conditions": "required"})
    if len(fields.get("conditions") or "") > 4000:
        raise Invalid("conditions are at most 4000 characters", {"conditions": "too long"})
    if len(fields.get("source_ref") or "") > 300:
        raise Invalid("the source reference is at most 300 characters", {"source_ref": "too long"})


def create_constraint(
    viewer: Viewer,
    *,
    title: str,
    kind: str,
    restriction: str,
    geometry,
    buffer_m: float = 0.0,
    notice_hours: int | None = None,
    conditions: str = "",
    binds_parties=None,
    binds_kinds=None,
    lower_m: float | None = None,
    upper_m: float | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    windows=None,
    repeat_days: int = 1,
    source_ref: str = "",
    source=None,
    label: LabelValue | None = None,
) -> Constraint:
    """A zone or deadline with its source (a linked clause/decision/provision, or a written
    reference); version 1. Every live action it touches is re-checked at once."""
    _require_any(viewer, Perm.PLAN_ACTIONS, Perm.HOLD_PEN)
    fields = {
        "title": _title(title),
        "kind": _choice(kind, Constraint.Kind.choices, "kind"),
        "restriction": _choice(restriction, Constraint.Restriction.choices, "restriction"),
        "geometry": _geometry(geometry),
        "buffer_m": _buffer(buffer_m),
        "notice_hours": notice_hours,
        "conditions": (conditions or "").strip(),
        "binds_parties": _codes(viewer, binds_parties),
        "binds_kinds": _kinds(binds_kinds),
        "valid_from": valid_from,
        "valid_until": valid_until,
        "windows": _windows(windows, repeat_days),
        "source_ref": " ".join((source_ref or "").split()),
    }
    fields["lower_m"], fields["upper_m"] = _band(lower_m, upper_m)
    _window(valid_from, valid_until, required=False)
    _check_constraint(fields)
    if not fields["source_ref"] and source is None:
        raise Invalid(
            "a constraint needs its source: link a clause, decision or provision, or write a source reference",
            {"source_ref": "required"},
        )
    value = _label(viewer, label, LabelValue.of(0))
    with transaction.atomic():
        c = _write_constraint(viewer, fields, value)
        if source is not None:
            from accord.core.services import add_link

            add_link(viewer, c, source, "source")
        recheck_constraint(viewer, c)
    events.notify(viewer.process.pk, "alignment.constraint", {"constraint": c.pk}, [c.label_id])
    return c


def _write_constraint(viewer: Viewer, fields: dict, value: LabelValue) -> Constraint:
    """Version 1 of a validated constraint, ledgered (inside the caller's transaction)."""
    c = Constraint.objects.create(
        process=viewer.process,
        label=access.label_row(viewer.process, value),
        created_by=viewer.member,
        **fields,
    )
    ConstraintVersion.objects.create(
        constraint=c,
        number=1,
        snapshot=_snapshot(c),
        note="created",
        label=c.label,
        created_by=viewer.member,
    )
    record(viewer.member, "alignment.constraint", c, {"title": c.title, "version": 1})
    return c


def update_constraint(viewer: Viewer, c: Constraint, *, note: str = "", **changes) -> Constraint:
    """A new version of a constraint (e.g. the agreed line moved in the text): every live action
    it touches is re-checked at once and its owners must acknowledge the new version."""
    _require_any(viewer, Perm.PLAN_ACTIONS, Perm.HOLD_PEN)
    c = queries.constraint(viewer, c.pk)
    allowed = set(_snapshot(c)) - {"kind"}
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(
            f"cannot change {', '.join(sorted(unknown))}", {k: "not changeable" for k in unknown}
        )
    fields = {k: getattr(c, k) for k in allowed}
    fields.update(changes)
    fields["title"] = _title(fields["title"])
    fields["restriction"] = _choice(
        fields["restriction"], Constraint.Restriction.choices, "restriction"
    )
    if "geometry" in changes:
        fields["geometry"] = _geometry(changes["geometry"])
    if "windows" in changes:
        fields["windows"] = _windows(changes["windows"])
    fields["buffer_m"] = _buffer(fields["buffer_m"])
    fields["lower_m"], fields["upper_m"] = _band(fields["lower_m"], fields["upper_m"])
    fields["binds_parties"] = _codes(viewer, fields["binds_parties"])
    fields["binds_kinds"] = _kinds(fields["binds_kinds"])
    fields["source_ref"] = " ".join((fields["source_ref"] or "").split())
    _window(fields["valid_from"], fields["valid_until"], required=False)
    _check_constraint(fields)
    from accord.core import links

    if not fields["source_ref"] and not links.targets(viewer, c, "source"):
        raise Invalid("a constraint needs its source", {"source_ref": "required"})
    if all(fields[k] == getattr(c, k) for k in fields):
        raise Invalid("nothing changed", {"body": "no change"})
    note = (note or "").strip()[:300]
    with transaction.atomic():
        for k, v in fields.items():
            setattr(c, k, v)
        c.version += 1
        c.updated_at = timezone.now()
        c.source_changed_at, c.source_changed_label = None, None  # a new version is the review
        c.save()
        ConstraintVersion.objects.create(
            constraint=c,
            number=c.version,
            snapshot=_snapshot(c),
            note=note,
            label=c.label,
            created_by=viewer.member,
        )
        record(
            viewer.member, "alignment.constraint.version", c, {"version": c.version, "note": note}
        )
        recheck_constraint(viewer, c)
    events.notify(viewer.process.pk, "alignment.constraint", {"constraint": c.pk}, [c.label_id])
    return c


def acknowledge(viewer: Viewer, c: Constraint, version: int) -> Acknowledgement:
    """The viewer's party has seen this version of the constraint (it must be the current one)."""
    access.require(viewer, Perm.PLAN_ACTIONS)
    c = queries.constraint(viewer, c.pk)
    if version != c.version:
        raise Conflict(
            f"version {version} of “{c.title}” is not the current one; acknowledge version {c.version}",
            {"version": f"current is {c.version}"},
        )
    party = viewer.member.party
    existing = Acknowledgement.objects.filter(constraint=c, number=version, party=party).first()
    if existing is not None:
        return existing
    value = combine([c.label.value, LabelValue.of(0, [party.code])])
    with transaction.atomic():
        ack = Acknowledgement.objects.create(
            constraint=c,
            number=version,
            party=party,
            member=viewer.member,
            label=access.label_row(viewer.process, value),
        )
        record(
            viewer.member,
            "alignment.acknowledge",
            ack,
            {"constraint": c.pk, "version": version},
            refs=[c],
        )
    events.notify(viewer.process.pk, "alignment.ack", {"constraint": c.pk}, [ack.label_id])
    return ack


# --------------------------------------------------------------------------- source changed


def on_text_version(process_id: int, event: dict) -> None:
    """Listener of `negotiation.text.version` (core.events): when a new version of a text
    rewords or removes a clause that is the source of constraints, flag each of them "source
    changed — review", re-check it, ledger the flag and notify the constraint's readers who may
    also read the text. Reads negotiation only through its queries."""
    from accord.core.models import Link
    from accord.negotiation import queries as neg

    version_id = event.get("id")
    if not isinstance(version_id, int):
        return
    changes = neg.changed_clauses(version_id)
    if not changes.clause_ids:
        return
    ids = Link.objects.filter(
        process_id=process_id,
        from_kind="alignment.constraint",
        to_kind="negotiation.clause",
        to_id__in=list(changes.clause_ids),
        relation="source",
    ).values_list("from_id", flat=True)
    now = timezone.now()
    for c in Constraint.objects.filter(pk__in=list(ids), process_id=process_id).select_related(
        "process", "label"
    ):
        value = combine([c.label.value, changes.label or LabelValue.of(0)])
        flag = access.label_row(c.process, value)
        c.source_changed_at, c.source_changed_label = now, flag
        c.save(update_fields=["source_changed_at", "source_changed_label"])
        record(
            None,
            "alignment.constraint.source_changed",
            c,
            {"version": c.version, "text_version": version_id},
            label=flag,
            process=c.process,
        )
        recheck_constraint(None, c)
        events.notify(
            process_id, "alignment.constraint.source_changed", {"constraint": c.pk}, [flag.pk]
        )


def mark_source_reviewed(viewer: Viewer, c: Constraint) -> Constraint:
    """The constraint was reviewed against its changed source and stays as it is."""
    _require_any(viewer, Perm.PLAN_ACTIONS, Perm.HOLD_PEN)
    c = queries.constraint(viewer, c.pk)
    if not queries.source_changed(viewer, c):
        raise Invalid("its source has not changed since the last review", {"body": "no change"})
    with transaction.atomic():
        flag = c.source_changed_label
        c.source_changed_at, c.source_changed_label = None, None
        c.save(update_fields=["source_changed_at", "source_changed_label"])
        record(
            viewer.member,
            "alignment.constraint.source_reviewed",
            c,
            {"version": c.version},
            label=flag,
        )
    events.notify(viewer.process.pk, "alignment.constraint", {"constraint": c.pk}, [c.label_id])
    return c


# --------------------------------------------------------------------------- D+n (anchored actions)

MAX_OFFSET_DAYS = 3650


def _at(day, offset: int) -> datetime:
    """Midnight UTC of the anchor's date + offset days (D+n starts at the start of day n)."""
    return datetime.combine(day + timedelta(days=offset), datetime.min.time(), tzinfo=UTC)


def _anchored(viewer: Viewer, anchor: int, start_off, end_off) -> tuple[datetime, datetime]:
    """The absolute window of an action timed D+start_off … D+end_off (end exclusive) on an
    anchor event the viewer may read (implementation.queries), which must have a date."""
    from accord.implementation import queries as impl

    try:
        s_off, e_off = int(start_off), int(end_off)
    except (TypeError, ValueError):
        raise Invalid(
            "an anchored action needs whole day offsets for its start and end (D+n)",
            {"start_offset_days": "required"},
        ) from None
    if not (abs(s_off) <= MAX_OFFSET_DAYS and abs(e_off) <= MAX_OFFSET_DAYS):
        raise Invalid(
            f"day offsets are at most {MAX_OFFSET_DAYS} days", {"start_offset_days": "too far"}
        )
    if e_off <= s_off:
        raise Invalid(
            "the end offset must be after the start offset", {"end_offset_days": "before start"}
        )
    ev = impl.anchor(viewer, anchor)
    if ev.occurred_on is None:
        raise Invalid(
            f"the anchor event “{ev.name}” has no date yet: set it on the agreement first",
            {"anchor": "no date"},
        )
    return _at(ev.occurred_on, s_off), _at(ev.occurred_on, e_off)


def on_anchor_date(process_id: int, event: dict) -> None:
    """Listener of `implementation.anchor` (core.events): an agreement's anchor date was set or
    changed; every live action timed D+n on one of its anchors moves with it and is re-checked
    at once (its owners then acknowledge what it now touches)."""
    from accord.implementation import queries as impl

    agreement = (event.get("notice") or {}).get("agreement")
    if not isinstance(agreement, int):
        return
    dates = impl.anchor_dates(agreement)
    acts = Action.objects.filter(
        process_id=process_id, anchor_ref__in=list(dates), state__in=Action.LIVE
    ).select_related("party", "label", "process")
    for a in acts:
        day = dates.get(a.anchor_ref)
        if day is None:
            continue
        start, end = _at(day, a.start_offset_days or 0), _at(day, a.end_offset_days or 1)
        if (start, end) == (a.start, a.end):
            continue
        a.start, a.end = start, end
        a.revision += 1
        if a.state in (Action.State.APPROVED, Action.State.ACTIVE):
            a.state = Action.State.PLANNED  # moved: the key rule applies again, as for any move
        a.save()
        record(
            None,
            "alignment.action.anchor_moved",
            a,
            {"start": start.isoformat(), "end": end.isoformat(), "revision": a.revision},
            label=a.label,
            process=a.process,
        )
        recheck_action(None, a)
        events.notify(process_id, "alignment.action", {"action": a.pk}, [a.label_id])
