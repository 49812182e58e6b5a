"""Reads of core data, all through core.access."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from accord.core import access
from accord.core.access import Viewer
from accord.core.errors import NotFound
from accord.core.models import Member, Party, Process, RoleAssignment

MAX_ID = 2**63 - 1


def valid_id(value: object) -> bool:
    """Ids beyond a 64-bit integer cannot exist (and SQLite refuses to even compare them)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def processes_for(user) -> QuerySet[Process]:
    """Processes in which the user holds an active membership (nobody else sees them)."""
    if not user.is_authenticated:
        return Process.objects.none()
    return Process.objects.filter(members__user=user, members__active=True).distinct()


def viewer_for_slug(user, slug: str) -> Viewer:
    """Resolve the viewer of a process by slug; non-members get 404, as if it did not exist."""
    member = access.active_member(user, slug=slug)
    if member is None:
        raise NotFound("process not found")
    return access.viewer_of(member)


def parties(viewer: Viewer, kind: str | None = None) -> QuerySet[Party]:
    qs = Party.objects.filter(process=viewer.process)
    return qs.filter(kind=kind) if kind else qs


def party(viewer: Viewer, code: str) -> Party:
    obj = parties(viewer).filter(code=code.upper()).first()
    if obj is None:
        raise NotFound("party not found")
    return obj


def _member_qs(viewer: Viewer) -> QuerySet[Member]:
    base = Member.objects.filter(process=viewer.process).select_related("user", "party", "label")
    base = base.prefetch_related(
        Prefetch("role_assignments", queryset=RoleAssignment.objects.order_by("assumed_at"))
    )
    # Members always see their own membership, whatever its label.
    return base.filter(Q(label__in=access.readable_label_ids(viewer)) | Q(pk=viewer.member.pk))


def members(
    viewer: Viewer,
    *,
    party: str | None = None,
    role: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
) -> QuerySet[Member]:
    """Members of the process whose membership label the viewer may read."""
    if viewer.member is None:
        return Member.objects.none()
    qs = _member_qs(viewer)
    if not include_inactive:
        qs = qs.filter(active=True)
    if party:
        qs = qs.filter(party__code=party.upper())
    if role:
        qs = qs.filter(
            role_assignments__role=role, role_assignments__renounced_at__isnull=True
        ).distinct()
    if q:
        qs = qs.filter(
            Q(user__username__icontains=q)
            | Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
            | Q(title__icontains=q)
        )
    return qs


def member(viewer: Viewer, member_id: int) -> Member:
    if viewer.member is None:
        raise NotFound("member not found")
    obj = _member_qs(viewer).filter(pk=member_id).first()
    if obj is None:
        raise NotFound("member not found")
    return obj


def role_assignment(viewer: Viewer, member_obj: Member, assignment_id: int) -> RoleAssignment:
    obj = member_obj.role_assignments.filter(pk=assignment_id).first()
    if obj is None:
        raise NotFound("role assignment not found")
    return obj
