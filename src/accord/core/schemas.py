"""API input/output shapes for the core app."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class LabelIn(Schema):
    level: int | str = Field(0, description="index or name of the classification level")
    rel_to: list[str] | None = Field(None, description="party codes; omit to release to all")
    caveats: list[str] = Field(default_factory=list)


class LabelOut(Schema):
    level: int
    level_name: str
    rel_to: list[str] | None
    caveats: list[str]
    display: str


class LinkIn(Schema):
    """An object of a registered kind (core.links) that something is linked to."""

    kind: str = Field(..., max_length=60, description="a linkable kind, e.g. negotiation.clause")
    id: int


class LinkedOut(Schema):
    """One end of a link the reader may read (an unreadable end is left out, not named)."""

    kind: str
    id: int
    title: str
    relation: str


class ProcessIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    slug: str | None = Field(None, max_length=60)
    description: str = ""
    level_names: list[str] | None = None
    caveats: list[str] | None = None


class ProcessPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = None
    status: str | None = None


class ProcessOut(Schema):
    slug: str
    name: str
    description: str
    status: str
    level_names: list[str]
    level_colours: list[str]
    caveats: list[str]
    created_at: datetime


class PartyIn(Schema):
    code: str = Field(..., min_length=2, max_length=12)
    name: str = Field(..., min_length=1, max_length=200)
    kind: str


class PartyOut(Schema):
    code: str
    name: str
    kind: str


class PartyPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: str | None = Field(
        None, description="ally, conflict_party, mediator, guarantor, observer"
    )


class SecondFactorOut(Schema):
    member: int
    name: str
    enrolled: bool = Field(..., description="false after a reset: they enrol at next sign-in")


class RoleOut(Schema):
    id: int
    role: str
    assumed_at: datetime
    renounced_at: datetime | None
    active: bool


class MemberOut(Schema):
    id: int
    username: str
    name: str
    party: str
    title: str
    clearance: int
    clearance_name: str
    caveats: list[str]
    active: bool
    roles: list[RoleOut]
    label: LabelOut


class MemberIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    party: str
    clearance: int = Field(0, ge=0, le=31)
    caveats: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    title: str = Field("", max_length=200)
    label: LabelIn | None = None


class MemberPatch(Schema):
    clearance: int | None = Field(None, ge=0, le=31)
    caveats: list[str] | None = None
    title: str | None = Field(None, max_length=200)
    active: bool | None = None
    label: LabelIn | None = None


class RoleIn(Schema):
    role: str


class RoleInfo(Schema):
    role: str
    title: str
    permissions: list[str]
    requires_mfa: bool


class MembershipOut(Schema):
    process: str
    process_name: str
    party: str
    clearance: str
    caveats: list[str]
    roles: list[str]
    permissions: list[str]


class MeOut(Schema):
    username: str
    name: str
    email: str
    mfa_enabled: bool
    mfa_required: bool
    memberships: list[MembershipOut]


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(..., description="shown once; store it now")


class ActivityOut(Schema):
    seq: int
    time: str
    actor: str
    action: str
    subject_type: str
    subject_id: str
    label: LabelOut | None
