"""The access policy: the one door for protected reads and for permission checks.

Labels decide what a member may see: clearance ≥ level, their party in REL TO (or no REL TO),
and every caveat held. Roles decide what a member may do. Every protected read goes through
`readable()` (queryset filter) or `get_readable()` (object check); both use `can_read`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Model, QuerySet

from accord.core.errors import Forbidden, Invalid, NotFound
from accord.core.labels import LabelValue
from accord.core.models import Label, Member, Process, RoleAssignment
from accord.core.prepared import Prepared, prefetched
from accord.core.roles import PERM_WORDS, Perm


@dataclass
class Viewer:
    """Who is looking, resolved once per request: a member of one process, or nobody."""

    process: Process
    member: Member | None
    party_code: str | None = None
    clearance: int = -1
    caveats: frozenset[str] = frozenset()
    perms: frozenset[Perm] = frozenset()
    _label_ids: list[int] | None = field(default=None, repr=False)
    _label_set: frozenset[int] = field(default=frozenset(), repr=False)
    _label_version: int = field(default=-1, repr=False)

    @property
    def is_member(self) -> bool:
        return self.member is not None

    def can(self, perm: Perm) -> bool:
        return perm in self.perms


# The member lookups of every request, compiled once (core.prepared): by process, by slug.
_member_in = Prepared(
    lambda user_id, process_id: (
        Member.objects.select_related("party", "user", "process", "label")
        .filter(user_id=user_id, active=True, process_id=process_id)
        .order_by()[:1]
    )
)
_member_by_slug = Prepared(
    lambda user_id, slug: (
        Member.objects.select_related("party", "user", "process", "label")
        .filter(user_id=user_id, active=True, process__slug=slug)
        .order_by()[:1]
    )
)
_roles_of = Prepared(lambda member_id: RoleAssignment.objects.filter(member_id=member_id))


def active_member(
    user, *, process: Process | None = None, slug: str | None = None
) -> Member | None:
    """The user's active membership of one process (given as `process` or by `slug`), with
    what a Viewer needs (party, user, process, role assignments); None for anonymous users and
    non-members."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if process is not None:
        member = _member_in.first(user.pk, process.pk)
    else:
        member = _member_by_slug.first(user.pk, str(slug or ""))
    if member is not None:
        prefetched(member, "role_assignments", _roles_of.all(member.pk))
    return member


def viewer_for(user, process: Process) -> Viewer:
    """Resolve the viewer for a user in a process (non-members and inactive members see nothing)."""
    return viewer_of(active_member(user, process=process), process)


def viewer_of(member: Member | None, process: Process | None = None) -> Viewer:
    if member is None:
        assert process is not None
        return Viewer(process=process, member=None)
    return Viewer(
        process=member.process,
        member=member,
        party_code=member.party.code.upper(),
        clearance=member.clearance,
        caveats=frozenset(c.upper() for c in member.caveats),
        perms=member.permissions(),
    )


def reader_of(process: Process, member: Member, party_code: str, clearance: int, caveats) -> Viewer:
    """The label part of a viewer (no roles: roles never decide what a member may read), for
    checking many members against one label without resolving each one's roles."""
    return Viewer(
        process=process,
        member=member,
        party_code=party_code.upper(),
        clearance=clearance,
        caveats=frozenset(c.upper() for c in caveats or ()),
    )


def can_read(viewer: Viewer, label: LabelValue) -> bool:
    """The rule of the house: clearance ≥ level, party in REL TO (or none), all caveats held."""
    if viewer.member is None:
        return False
    if viewer.clearance < label.level:
        return False
    if label.rel_to is not None and viewer.party_code not in label.rel_to:
        return False
    return label.caveats <= viewer.caveats


# Bumped whenever this process creates a label, so cached readable sets are recomputed.
_label_versions: dict[int, int] = {}


def readable_label_ids(viewer: Viewer) -> list[int]:
    """Ids of the process's labels the viewer may read (cached until a new label appears)."""
    version = _label_versions.get(viewer.process.pk, 0)
    if viewer._label_ids is None or viewer._label_version != version:
        viewer._label_version = version
        if viewer.member is None:
            viewer._label_ids = []
        else:
            rows = Label.objects.filter(process=viewer.process).values_list(
                "id", "level", "rel_to", "caveats"
            )
            viewer._label_ids = [
                pk for pk, lvl, rel, cav in rows if can_read(viewer, LabelValue.of(lvl, rel, cav))
            ]
        viewer._label_set = frozenset(viewer._label_ids)
    return viewer._label_ids


def can_read_label_id(viewer: Viewer, label_id: int | None) -> bool:
    """Whether the viewer may read the stored label with this id (a set lookup once the
    process's readable labels are known): for checking many rows' label columns."""
    readable_label_ids(viewer)
    return label_id is not None and label_id in viewer._label_set


def readable(qs: QuerySet, viewer: Viewer, label_field: str = "label") -> QuerySet:
    """Filter a queryset of labelled rows down to what the viewer may read."""
    return qs.filter(**{f"{label_field}__in": readable_label_ids(viewer)})


def get_readable(qs: QuerySet, viewer: Viewer, what: str = "object", **lookup) -> Model:
    """Fetch one labelled row or raise NotFound (404, never 403: existence must not leak)."""
    obj = readable(qs, viewer).filter(**lookup).first()
    if obj is None:
        raise NotFound(f"{what} not found")
    return obj


def require(viewer: Viewer, perm: Perm) -> None:
    """Raise unless the viewer holds the permission (through an active role)."""
    if viewer.member is None:
        raise NotFound("process not found")
    if perm not in viewer.perms:
        raise Forbidden(
            f"your roles in this process do not let you {PERM_WORDS.get(perm, perm.value)}; "
            "a coordinator can assign the role that does"
        )


def label_row(process: Process, value: LabelValue) -> Label:
    """The stored Label for a value (created on first use; labels are deduplicated)."""
    obj, created = Label.objects.get_or_create(
        process=process,
        key=value.key,
        defaults={
            "level": value.level,
            "rel_to": None if value.rel_to is None else sorted(value.rel_to),
            "caveats": sorted(value.caveats),
        },
    )
    if created:
        _label_versions[process.pk] = _label_versions.get(process.pk, 0) + 1
    return obj


def parse_label(process: Process, data: dict | None, default: LabelValue) -> LabelValue:
    """Validate a label given by a client against the process's levels, parties and caveats."""
    if data is None:
        return default
    names = [n.upper() for n in process.level_names]
    level = data.get("level", default.level)
    if isinstance(level, str):
        if level.upper() not in names:
            raise Invalid(f"unknown classification {level!r}", {"label.level": "unknown level"})
        level = names.index(level.upper())
    if not isinstance(level, int) or not 0 <= level < len(names):
        raise Invalid(
            f"classification level must be 0..{len(names) - 1}", {"label.level": "out of range"}
        )
    rel = data.get("rel_to")
    if rel is not None:
        codes = {p.upper() for p in process.parties.values_list("code", flat=True)}
        unknown = sorted({c.upper() for c in rel} - codes)
        if unknown:
            raise Invalid(
                f"REL TO names unknown parties: {', '.join(unknown)}",
                {"label.rel_to": "unknown party"},
            )
        if not rel:
            raise Invalid(
                "REL TO must name at least one party (omit it to release to all)",
                {"label.rel_to": "empty"},
            )
    cav = data.get("caveats") or []
    unknown_cav = sorted({c.upper() for c in cav} - {c.upper() for c in process.caveats})
    if unknown_cav:
        raise Invalid(
            f"unknown caveats: {', '.join(unknown_cav)}", {"label.caveats": "unknown caveat"}
        )
    return LabelValue.of(level, rel, cav)


def check_can_apply(viewer: Viewer, label: LabelValue) -> None:
    """A member may only apply a label they could read themselves (no writing blind)."""
    names = viewer.process.level_names
    if label.level > viewer.clearance:
        raise Forbidden(
            f"label level {names[label.level]} is above your clearance {names[viewer.clearance]}"
        )
    missing = sorted(label.caveats - viewer.caveats)
    if missing:
        raise Forbidden(f"you do not hold the caveat(s) {', '.join(missing)}")
    if label.rel_to is not None and viewer.party_code not in label.rel_to:
        raise Forbidden(f"REL TO must include your own party {viewer.party_code}")
