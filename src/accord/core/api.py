"""REST API of the core app: parse → service/query → schema. No logic here."""

import json
from datetime import date

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from accord.core import access, people, queries, services
from accord.core.errors import Invalid, NotFound
from accord.core.labels import LabelValue
from accord.core.models import Label, Member, Process
from accord.core.roles import MFA_ROLES, ROLE_PERMISSIONS, Role
from accord.core.schemas import (
    ActivityOut,
    LabelIn,
    MemberIn,
    MemberOut,
    MemberPatch,
    MembershipOut,
    MeOut,
    PartyIn,
    PartyOut,
    PartyPatch,
    ProcessIn,
    ProcessOut,
    ProcessPatch,
    RoleIn,
    RoleInfo,
    SecondFactorOut,
    TokenCreated,
    TokenIn,
    TokenOut,
)
from accord.ledger import queries as ledger_queries
from accord.pagination import Page

router = Router(tags=["core"])


def label_out(process: Process, value: LabelValue | Label | None) -> dict | None:
    if value is None:
        return None
    if isinstance(value, Label):
        value = value.value
    return value.describe(process.level_names)


def activity_out(process: Process, e) -> dict:
    """A recorded act as clients see it (the timeline, and the base of a ledger entry)."""
    return {
        "seq": e.seq,
        "time": e.time,
        "actor": e.actor_name,
        "action": e.action,
        "subject_type": e.subject_type,
        "subject_id": e.subject_id,
        "label": label_out(process, e.label),
    }


def member_out(m: Member) -> dict:
    names = m.process.level_names
    return {
        "id": m.pk,
        "username": m.user.get_username(),
        "name": m.display_name,
        "party": m.party.code,
        "title": m.title,
        "clearance": m.clearance,
        "clearance_name": names[m.clearance],
        "caveats": sorted(m.caveats),
        "active": m.active,
        "roles": [
            {
                "id": ra.pk,
                "role": ra.role,
                "assumed_at": ra.assumed_at,
                "renounced_at": ra.renounced_at,
                "active": ra.is_active,
            }
            for ra in m.role_assignments.all()
        ],
        "label": label_out(m.process, m.label),
    }


def label_in(viewer, data: LabelIn | None) -> LabelValue | None:
    """A client-given label validated against the process (None: the service's default).
    Every app's REST layer reads labels through this one function."""
    if data is None:
        return None
    return access.parse_label(viewer.process, data.dict(), LabelValue())


_label = label_in


def json_label(viewer, raw: str) -> LabelValue | None:
    """A label sent as a JSON form field next to a file (multipart has no nested objects):
    every upload endpoint reads it here; bad JSON is a 422 saying what a label looks like."""
    if not (raw or "").strip():
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        raise Invalid(
            'label is JSON, e.g. {"level": 2, "rel_to": ["MED"]}', {"label": "not JSON"}
        ) from None
    if not isinstance(data, dict):
        raise Invalid("label is a JSON object", {"label": "not an object"})
    return access.parse_label(viewer.process, data, LabelValue())


def viewer(request: HttpRequest, slug: str) -> access.Viewer:
    """Who asks, in the process the URL names (404 for a non-member, like a missing process):
    every app's REST layer starts here."""
    return queries.viewer_for_slug(request.user, slug)


# --- me, roles, tokens ------------------------------------------------------------------------
@router.get("/me", response=MeOut, summary="My profile and memberships")
def me(request: HttpRequest):
    user = request.user
    out = []
    for proc in queries.processes_for(user):
        v = access.viewer_for(user, proc)
        out.append(
            MembershipOut(
                process=proc.slug,
                process_name=proc.name,
                party=v.party_code or "",
                clearance=proc.level_names[v.clearance],
                caveats=sorted(v.caveats),
                roles=sorted(r.value for r in v.member.active_roles()),
                permissions=sorted(p.value for p in v.perms),
            )
        )
    return {
        "username": user.get_username(),
        "name": user.get_full_name(),
        "email": user.email,
        "mfa_enabled": services.security_profile(user).mfa_enabled,
        "mfa_required": services.requires_mfa(user),
        "memberships": out,
    }


@router.get("/roles", response=list[RoleInfo], summary="Roles and the permissions they grant")
def roles(request: HttpRequest):
    return [
        {
            "role": r.value,
            "title": r.title,
            "permissions": sorted(p.value for p in ROLE_PERMISSIONS[r]),
            "requires_mfa": r in MFA_ROLES,
        }
        for r in Role
    ]


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
def list_tokens(request: HttpRequest):
    return list(request.user.api_tokens.all())


@router.post("/tokens", response={201: TokenCreated}, summary="Create an API token (shown once)")
def create_token(request: HttpRequest, data: TokenIn):
    tok, secret = services.create_token(request.user, name=data.name, expires_at=data.expires_at)
    return Status(201, {**TokenOut.from_orm(tok).dict(), "token": secret})


@router.delete("/tokens/{token_id}", response=TokenOut, summary="Revoke an API token")
def revoke_token(request: HttpRequest, token_id: int):
    return services.revoke_token(request.user, token_id)


# --- processes --------------------------------------------------------------------------------
@router.get("/processes", response=list[ProcessOut], summary="Processes I am a member of")
@paginate(Page)
def list_processes(request: HttpRequest, status: str | None = None):
    qs = queries.processes_for(request.user)
    return qs.filter(status=status) if status else qs


@router.post("/processes", response={201: ProcessOut}, summary="Create a process (operators)")
def create_process(request: HttpRequest, data: ProcessIn):
    return Status(201, services.create_process(request.user, **data.dict()))


@router.get("/processes/{slug}", response=ProcessOut)
def get_process(request: HttpRequest, slug: str):
    return queries.viewer_for_slug(request.user, slug).process


@router.patch("/processes/{slug}", response=ProcessOut)
def patch_process(request: HttpRequest, slug: str, data: ProcessPatch):
    viewer = queries.viewer_for_slug(request.user, slug)
    return services.update_process(viewer, **data.dict(exclude_unset=True, exclude_none=True))


@router.get("/processes/{slug}/parties", response=list[PartyOut])
def list_parties(request: HttpRequest, slug: str, kind: str | None = None):
    return list(queries.parties(queries.viewer_for_slug(request.user, slug), kind))


@router.post("/processes/{slug}/parties", response={201: PartyOut})
def create_party(request: HttpRequest, slug: str, data: PartyIn):
    viewer = queries.viewer_for_slug(request.user, slug)
    return Status(201, services.add_party(viewer, viewer.process, **data.dict()))


@router.patch(
    "/processes/{slug}/parties/{code}",
    response=PartyOut,
    summary="Rename a party or change its kind (coordinators; the code stays)",
)
def patch_party(request: HttpRequest, slug: str, code: str, data: PartyPatch):
    viewer = queries.viewer_for_slug(request.user, slug)
    party = queries.party(viewer, code)
    return services.update_party(viewer, party, **data.dict(exclude_unset=True, exclude_none=True))


# --- members ----------------------------------------------------------------------------------
@router.get("/processes/{slug}/members", response=list[MemberOut])
@paginate(Page)
def list_members(
    request: HttpRequest,
    slug: str,
    party: str | None = None,
    role: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
):
    viewer = queries.viewer_for_slug(request.user, slug)
    qs = queries.members(viewer, party=party, role=role, q=q, include_inactive=include_inactive)
    return [member_out(m) for m in qs]


@router.post("/processes/{slug}/members", response={201: MemberOut})
def add_member(request: HttpRequest, slug: str, data: MemberIn):
    viewer = queries.viewer_for_slug(request.user, slug)
    user = get_user_model().objects.filter(username=data.username).first()
    if user is None:
        raise NotFound(f"no account named {data.username!r}")
    party = queries.party(viewer, data.party)
    member = services.add_member(
        viewer,
        viewer.process,
        user=user,
        party=party,
        clearance=data.clearance,
        caveats=data.caveats,
        roles=data.roles,
        title=data.title,
        label=_label(viewer, data.label),
    )
    return Status(201, member_out(queries.member(viewer, member.pk)))


@router.get("/processes/{slug}/members/{member_id}", response=MemberOut)
def get_member(request: HttpRequest, slug: str, member_id: int):
    viewer = queries.viewer_for_slug(request.user, slug)
    return member_out(queries.member(viewer, member_id))


@router.patch("/processes/{slug}/members/{member_id}", response=MemberOut)
def patch_member(request: HttpRequest, slug: str, member_id: int, data: MemberPatch):
    viewer = queries.viewer_for_slug(request.user, slug)
    target = queries.member(viewer, member_id)
    fields = data.dict(exclude_unset=True, exclude_none=True)
    fields.pop("label", None)
    services.update_member(viewer, target, label=_label(viewer, data.label), **fields)
    return member_out(queries.member(viewer, member_id))


@router.post("/processes/{slug}/members/{member_id}/roles", response={201: MemberOut})
def assign_role(request: HttpRequest, slug: str, member_id: int, data: RoleIn):
    viewer = queries.viewer_for_slug(request.user, slug)
    services.assign_role(viewer, queries.member(viewer, member_id), data.role)
    return Status(201, member_out(queries.member(viewer, member_id)))


@router.delete("/processes/{slug}/members/{member_id}/roles/{assignment_id}", response=MemberOut)
def renounce_role(request: HttpRequest, slug: str, member_id: int, assignment_id: int):
    viewer = queries.viewer_for_slug(request.user, slug)
    target = queries.member(viewer, member_id)
    services.renounce_role(viewer, queries.role_assignment(viewer, target, assignment_id))
    return member_out(queries.member(viewer, member_id))


@router.post(
    "/processes/{slug}/members/{member_id}/second-factor/reset",
    response=SecondFactorOut,
    summary="Reset a member's lost second factor (coordinators): they enrol at next sign-in",
)
def reset_second_factor(request: HttpRequest, slug: str, member_id: int):
    viewer = queries.viewer_for_slug(request.user, slug)
    target = queries.member(viewer, member_id)
    services.reset_second_factor(viewer, target)
    return {"member": target.pk, "name": people.person(viewer, target).name, "enrolled": False}


# --- activity ---------------------------------------------------------------------------------
@router.get(
    "/processes/{slug}/activity", response=list[ActivityOut], summary="Recorded acts I may read"
)
@paginate(Page)
def activity(
    request: HttpRequest,
    slug: str,
    actor: str | None = None,
    action: str | None = None,
    since: date | None = None,
):
    viewer = queries.viewer_for_slug(request.user, slug)
    return [
        activity_out(viewer.process, e)
        for e in ledger_queries.timeline(viewer, actor=actor, action=action, since=since)
    ]
