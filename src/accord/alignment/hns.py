"""Humanitarian notifications (after OCHA's Humanitarian Notification System): state changes.

Humanitarian organisations (members of an observer party) or the joint secretariat (holders of
the pen) notify static sites, movements (route, window, vehicles) and critical infrastructure.
Each party to the conflict ACKNOWLEDGES — never approves: notification is not permission and
changes no status under humanitarian law. Every entry expires. A movement notified less than
48 hours ahead (24 hours in an emergency) is flagged late. A notified movement is at once a
humanitarian-corridor constraint for every party (planned actions touching it are conflicts);
an acknowledged site or infrastructure becomes a protected-site constraint binding the parties
that acknowledged it (a new version each time another party acknowledges).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accord.alignment import services
from accord.alignment.models import Constraint, Notification, NotificationAck
from accord.core import access, events
from accord.core.access import Viewer
from accord.core.errors import Conflict, Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.core.models import Party
from accord.core.queries import valid_id
from accord.core.roles import Perm
from accord.ledger.services import record

NOTICE = timedelta(hours=48)
EMERGENCY_NOTICE = timedelta(hours=24)


def may_notify(viewer: Viewer) -> bool:
    """Members of an observer party (humanitarian organisations) and holders of the pen."""
    if viewer.member is None:
        return False
    return viewer.member.party.kind == Party.Kind.OBSERVER or viewer.can(Perm.HOLD_PEN)


def may_acknowledge(viewer: Viewer) -> bool:
    return viewer.member is not None and viewer.member.party.kind == Party.Kind.CONFLICT_PARTY


def notifications(viewer: Viewer):
    """Notifications the viewer may read (the read door: their label)."""
    qs = Notification.objects.filter(process=viewer.process).select_related("label", "constraint")
    return access.readable(qs, viewer)


def notification(viewer: Viewer, notification_id: int) -> Notification:
    if not valid_id(notification_id):
        raise NotFound("notification not found")
    return access.get_readable(notifications(viewer), viewer, "notification", pk=notification_id)


def is_late(kind: str, start: datetime | None, notified_at: datetime, emergency: bool) -> bool:
    """A movement notified less than 48 h (24 h in an emergency) before it starts."""
    if kind != Notification.Kind.MOVEMENT or start is None:
        return False
    return start - notified_at < (EMERGENCY_NOTICE if emergency else NOTICE)


def notify(
    viewer: Viewer,
    *,
    kind: str,
    title: str,
    geometry,
    expires_at: datetime,
    buffer_m: float = 0.0,
    start: datetime | None = None,
    end: datetime | None = None,
    vehicles: str = "",
    description: str = "",
    emergency: bool = False,
    label: LabelValue | None = None,
) -> Notification:
    """Notify a site, movement or infrastructure to the parties."""
    if viewer.member is None:
        raise NotFound("process not found")
    if not may_notify(viewer):
        raise Forbidden(
            "only humanitarian organisations (observer parties) and holders of the pen notify"
        )
    kind = services._choice(kind, Notification.Kind.choices, "kind")
    title = services._title(title)
    geometry = services._geometry(geometry)
    buffer_m = services._buffer(buffer_m)
    if kind == Notification.Kind.MOVEMENT:
        services._window(start, end, required=True)
    else:
        services._window(start, end, required=False)
    services._window(None, expires_at, required=False)
    if expires_at is None:
        raise Invalid("every notification needs an expiry", {"expires_at": "required"})
    now = timezone.now()
    if expires_at <= now:
        raise Invalid("the expiry must be in the future", {"expires_at": "past"})
    if len(vehicles or "") > 300:
        raise Invalid("vehicle markings are at most 300 characters", {"vehicles": "too long"})
    value = services._label(viewer, label, LabelValue.of(0))
    late = is_late(kind, start, now, emergency)
    with transaction.atomic():
        n = Notification.objects.create(
            process=viewer.process, kind=kind, title=title, description=(description or "").strip(),
            vehicles=(vehicles or "").strip(), geometry=geometry, buffer_m=buffer_m, start=start, end=end,
            expires_at=expires_at, emergency=emergency, late=late,
            label=access.label_row(viewer.process, value), created_by=viewer.member, notified_at=now,
        )  # fmt: skip
        record(
            viewer.member, "alignment.hns.notify", n, {"title": title, "kind": kind, "late": late}
        )
        if kind == Notification.Kind.MOVEMENT:
            c = services._write_constraint(
                viewer,
                {
                    "title": f"Humanitarian movement: {title}"[:200],
                    "kind": Constraint.Kind.HUMANITARIAN_CORRIDOR,
                    "restriction": Constraint.Restriction.PROHIBITED,
                    "notice_hours": None,
                    "conditions": "",
                    "binds_parties": [],
                    "binds_kinds": [],
                    "geometry": geometry,
                    "buffer_m": buffer_m,
                    "lower_m": None,
                    "upper_m": None,
                    "valid_from": start,
                    "valid_until": end,
                    "source_ref": f"Humanitarian notification “{title}”"[:300],
                },
                value,
            )
            n.constraint = c
            n.save(update_fields=["constraint"])
            services.recheck_constraint(viewer, c)
    events.notify(viewer.process.pk, "alignment.hns", {"notification": n.pk}, [n.label_id])
    return n


def acknowledge(viewer: Viewer, n: Notification) -> NotificationAck:
    """A conflict party acknowledges a notification; a site becomes a protected site for it."""
    n = notification(viewer, n.pk)
    if not may_acknowledge(viewer):
        raise Forbidden("only parties to the conflict acknowledge humanitarian notifications")
    if n.expires_at <= timezone.now():
        raise Conflict("this notification has expired", {"expires_at": "past"})
    party = viewer.member.party
    if NotificationAck.objects.filter(notification=n, party=party).exists():
        raise Conflict(
            f"{party.code} has already acknowledged this notification", {"party": "done"}
        )
    with transaction.atomic():
        ack = NotificationAck.objects.create(notification=n, party=party, member=viewer.member)
        record(viewer.member, "alignment.hns.acknowledge", n, {"party": party.code})
        if n.kind != Notification.Kind.MOVEMENT:
            parties = sorted({a.party.code.upper() for a in n.acks.select_related("party")})
            if n.constraint_id is None:
                c = services._write_constraint(
                    viewer,
                    {
                        "title": f"Notified site: {n.title}"[:200],
                        "kind": Constraint.Kind.PROTECTED_SITE,
                        "restriction": Constraint.Restriction.PROHIBITED,
                        "notice_hours": None,
                        "conditions": "",
                        "binds_parties": parties,
                        "binds_kinds": [],
                        "geometry": n.geometry,
                        "buffer_m": n.buffer_m,
                        "lower_m": None,
                        "upper_m": None,
                        "valid_from": None,
                        "valid_until": n.expires_at,
                        "source_ref": f"Humanitarian notification “{n.title}”, acknowledged"[:300],
                    },
                    n.label.value,
                )
                n.constraint = c
                n.save(update_fields=["constraint"])
            else:
                c = n.constraint
                c.binds_parties = parties
                c.version += 1
                c.updated_at = timezone.now()
                c.save()
                from accord.alignment.models import ConstraintVersion

                ConstraintVersion.objects.create(
                    constraint=c, number=c.version, snapshot=services._snapshot(c),
                    note=f"acknowledged by {party.code}", label=c.label, created_by=viewer.member,
                )  # fmt: skip
                record(viewer.member, "alignment.constraint.version", c, {"version": c.version})
            services.recheck_constraint(viewer, c)
    events.notify(viewer.process.pk, "alignment.hns", {"notification": n.pk}, [n.label_id])
    return ack
