"""Core tables: processes, parties, members, roles with tenure, labels, accounts security."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accord.core.labels import DEFAULT_COLOURS, DEFAULT_LEVELS, LabelValue
from accord.core.roles import Role, permissions_for


def default_levels() -> list[str]:
    return list(DEFAULT_LEVELS)


def default_colours() -> list[str]:
    return list(DEFAULT_COLOURS)


def default_caveats() -> list[str]:
    return ["MEDIATION"]


class Process(models.Model):
    """A peace process workspace; its own level names, colours and caveats define its labels."""

    class Status(models.TextChoices):
        PREPARATION = "preparation"
        ACTIVE = "active"
        SUSPENDED = "suspended"
        CONCLUDED = "concluded"
        IMPLEMENTATION = "implementation"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    level_names = models.JSONField(default=default_levels)
    level_colours = models.JSONField(default=default_colours)
    caveats = models.JSONField(default=default_caveats)
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("name", "slug", "description", "status", "level_names", "caveats")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Party(models.Model):
    """A party to the process; its code is what REL TO lines name."""

    class Kind(models.TextChoices):
        ALLY = "ally"
        CONFLICT_PARTY = "conflict_party", "conflict party"
        MEDIATOR = "mediator"
        GUARANTOR = "guarantor"
        OBSERVER = "observer"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="parties")
    code = models.CharField(max_length=12)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("process", "code", "name", "kind")
    ledger_scope = "process"

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["process", "code"], name="party_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Label(models.Model):
    """A stored, deduplicated label of one process. Protected rows point at one of these.

    Labels are immutable: relabelling an object points it at another Label row.
    """

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="labels")
    key = models.CharField(max_length=500)
    level = models.PositiveSmallIntegerField()
    rel_to = models.JSONField(null=True, blank=True)
    caveats = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["process", "key"], name="label_key_unique")]

    def __str__(self) -> str:
        return self.value.display(self.process.level_names)

    @property
    def value(self) -> LabelValue:
        return LabelValue.of(self.level, self.rel_to, self.caveats)


class Member(models.Model):
    """A user in a process, in one party, with a clearance and caveats. Itself labelled."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    party = models.ForeignKey(Party, on_delete=models.RESTRICT, related_name="members")
    title = models.CharField(max_length=200, blank=True)
    clearance = models.PositiveSmallIntegerField(default=0)
    caveats = models.JSONField(default=list, blank=True)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    active = models.BooleanField(default=True)
    joined_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("process", "user", "party", "title", "clearance", "caveats", "label", "active")
    ledger_scope = "process"

    class Meta:
        ordering = ["party__code", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["process", "user"], name="member_once_per_process")
        ]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.party.code})"

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def active_roles(self) -> set[Role]:
        now = timezone.now()
        return {
            Role(a.role)
            for a in self.role_assignments.all()
            if a.assumed_at <= now and (a.renounced_at is None or a.renounced_at > now)
        }

    def permissions(self) -> frozenset:
        return permissions_for(self.active_roles()) if self.active else frozenset()


class RoleAssignment(models.Model):
    """A role held by a member, with tenure (assumed at, renounced at)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=40, choices=[(r.value, r.title) for r in Role])
    assumed_at = models.DateTimeField(default=timezone.now)
    renounced_at = models.DateTimeField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    ledger_fields = ("member", "role", "assumed_at", "renounced_at")
    ledger_scope = "member__process"

    class Meta:
        ordering = ["assumed_at"]

    def __str__(self) -> str:
        return f"{self.role} ({self.assumed_at:%Y-%m-%d}–{self.renounced_at or ''})"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.assumed_at <= now and (self.renounced_at is None or self.renounced_at > now)


class Preferences(models.Model):
    """A user's own settings: the time zone every time is shown in (default UTC)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    time_zone = models.CharField(max_length=64, default="UTC")

    def __str__(self) -> str:
        return f"preferences of user {self.user_id}"


class SecurityProfile(models.Model):
    """Second factor of a user: TOTP secret and hashed recovery codes."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security"
    )
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    totp_last_counter = models.BigIntegerField(default=0)
    recovery_codes = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"second factor of user {self.user_id}"

    @property
    def mfa_enabled(self) -> bool:
        return self.totp_confirmed_at is not None


class ApiToken(models.Model):
    """A named, revocable REST API token; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"token {self.name} ({self.prefix})"

    @property
    def is_live(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class Link(models.Model):
    """A reference across apps (an agenda item → a clause, an action → the clause it serves, a
    claim → an incident): kind/id to kind/id, kinds from the registry in core.links. References
    inside one app are ordinary foreign keys; this table keeps the domains from importing each
    other's models. Whether a reader sees a link is decided by reading both ends."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="links")
    from_kind = models.CharField(max_length=60)
    from_id = models.BigIntegerField()
    to_kind = models.CharField(max_length=60)
    to_id = models.BigIntegerField()
    relation = models.CharField(max_length=40, default="concerns")
    created_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("from_kind", "from_id", "to_kind", "to_id", "relation")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_kind", "from_id", "to_kind", "to_id", "relation"],
                name="core_link_unique",
            )
        ]
        indexes = [
            models.Index(fields=["from_kind", "from_id"]),
            models.Index(fields=["to_kind", "to_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.from_kind}#{self.from_id} {self.relation} {self.to_kind}#{self.to_id}"
