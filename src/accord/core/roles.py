"""Roles and what they allow. Roles decide what a member may *do*; labels decide what they see."""

from __future__ import annotations

from enum import StrEnum


class Perm(StrEnum):
    """Permissions, scoped to one process."""

    MANAGE_PROCESS = "process.manage"
    MANAGE_MEMBERS = "members.manage"
    ASSIGN_ROLES = "roles.assign"
    VIEW_MEMBERS = "members.view"
    POST_MESSAGES = "messages.post"
    STATE_POSITIONS = "positions.state"
    RELEASE_POSITIONS = "positions.release"
    RECORD_STANCE = "text.stance"
    HOLD_PEN = "text.pen"
    SIGN_TEXT = "text.sign"
    RUN_ANALYSIS = "analysis.run"
    PLAN_ACTIONS = "actions.plan"
    DRAFT_PUBLIC_LINES = "publiclines.draft"
    ASSESS_CLAIMS = "claims.assess"
    FILE_REPORTS = "reports.file"
    RUN_MEETINGS = "meetings.run"
    RAISE_DISPUTES = "disputes.raise"
    VERIFY_LEDGER = "ledger.verify"


# What each permission lets a member do, in words (refusals name the act, not its code).
PERM_WORDS: dict[Perm, str] = {
    Perm.MANAGE_PROCESS: "manage the process",
    Perm.MANAGE_MEMBERS: "manage members",
    Perm.ASSIGN_ROLES: "assign roles",
    Perm.VIEW_MEMBERS: "see the members",
    Perm.POST_MESSAGES: "post messages",
    Perm.STATE_POSITIONS: "state positions",
    Perm.RELEASE_POSITIONS: "release positions",
    Perm.RECORD_STANCE: "record stances on the text",
    Perm.HOLD_PEN: "hold the pen of the negotiating text",
    Perm.SIGN_TEXT: "sign the text",
    Perm.RUN_ANALYSIS: "run analyses",
    Perm.PLAN_ACTIONS: "plan actions",
    Perm.DRAFT_PUBLIC_LINES: "draft public lines",
    Perm.ASSESS_CLAIMS: "assess claims",
    Perm.FILE_REPORTS: "file reports",
    Perm.RUN_MEETINGS: "run meetings",
    Perm.RAISE_DISPUTES: "raise disputes and agree extensions for their party",
    Perm.VERIFY_LEDGER: "verify the record",
}


class Role(StrEnum):
    COORDINATOR = "coordinator"
    HEAD_OF_DELEGATION = "head_of_delegation"
    NEGOTIATOR = "negotiator"
    MEDIATOR = "mediator"
    MILITARY_LIAISON = "military_liaison"
    COMMUNICATIONS_OFFICER = "communications_officer"
    ANALYST = "analyst"
    MONITOR = "monitor"
    OBSERVER = "observer"

    @property
    def title(self) -> str:
        return self.value.replace("_", " ").capitalize()


_BASE = {Perm.VIEW_MEMBERS, Perm.VERIFY_LEDGER}
_DELEGATE = _BASE | {Perm.POST_MESSAGES, Perm.STATE_POSITIONS, Perm.RECORD_STANCE}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.COORDINATOR: frozenset(
        _BASE
        | {
            Perm.MANAGE_PROCESS,
            Perm.MANAGE_MEMBERS,
            Perm.ASSIGN_ROLES,
            Perm.POST_MESSAGES,
            Perm.HOLD_PEN,
            Perm.RUN_MEETINGS,
            Perm.RUN_ANALYSIS,
        }
    ),
    Role.HEAD_OF_DELEGATION: frozenset(
        _DELEGATE
        | {
            Perm.RELEASE_POSITIONS,
            Perm.SIGN_TEXT,
            Perm.DRAFT_PUBLIC_LINES,
            Perm.RAISE_DISPUTES,
        }
    ),
    Role.NEGOTIATOR: frozenset(_DELEGATE),
    Role.MEDIATOR: frozenset(
        _BASE | {Perm.POST_MESSAGES, Perm.HOLD_PEN, Perm.RUN_ANALYSIS, Perm.RUN_MEETINGS}
    ),
    Role.MILITARY_LIAISON: frozenset(_BASE | {Perm.POST_MESSAGES, Perm.PLAN_ACTIONS}),
    Role.COMMUNICATIONS_OFFICER: frozenset(_BASE | {Perm.POST_MESSAGES, Perm.DRAFT_PUBLIC_LINES}),
    Role.ANALYST: frozenset(_BASE | {Perm.POST_MESSAGES, Perm.ASSESS_CLAIMS, Perm.RUN_ANALYSIS}),
    Role.MONITOR: frozenset(_BASE | {Perm.POST_MESSAGES, Perm.FILE_REPORTS}),
    Role.OBSERVER: frozenset(_BASE),
}

# Roles whose holders must sign in with a second factor (TOTP).
MFA_ROLES: frozenset[Role] = frozenset({Role.COORDINATOR, Role.MEDIATOR, Role.HEAD_OF_DELEGATION})


def permissions_for(roles: set[Role] | frozenset[Role]) -> frozenset[Perm]:
    """Union of the permissions of the given roles."""
    out: set[Perm] = set()
    for role in roles:
        out |= ROLE_PERMISSIONS[role]
    return frozenset(out)
