"""Tables of the alignment app: lines of effort, actions, constraints (with every version kept),
acknowledgements of constraint versions, and touches (the detector's findings, labelled).

Why a Touch table: the detector's findings are derived data. Stored with the combined label of
the action and the constraint (core.labels.combine), every read — lists, counts, the map, the
matrix — goes through the one door (core.access.readable) like any labelled row, so nobody
learns of another party's action through a conflict.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accord.core.models import Label, Member, Party, Process


class LineOfEffort(models.Model):
    """A line of effort (DIME) of one party, or shared (party empty), with its objectives."""

    class Kind(models.TextChoices):
        DIPLOMATIC = "diplomatic"
        INFORMATION = "information"
        MILITARY = "military"
        ECONOMIC = "economic"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    objectives = models.TextField(blank=True)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("process", "party", "name", "kind", "objectives", "label")
    ledger_scope = "process"

    class Meta:
        ordering = ["kind", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class Action(models.Model):
    """A planned action of one party in space and time."""

    class Kind(models.TextChoices):
        PATROL = "patrol"
        MOVEMENT = "movement"
        EXERCISE = "exercise"
        WITHDRAWAL = "withdrawal"
        DEPLOYMENT = "deployment"
        DEMINING = "demining"
        CONVOY = "convoy"
        FLIGHT = "flight"
        PUBLIC_STATEMENT = "public_statement", "public statement"
        OTHER = "other"

    class State(models.TextChoices):
        PLANNED = "planned"
        APPROVED = "approved"
        ACTIVE = "active"
        DONE = "done"
        CANCELLED = "cancelled"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.RESTRICT, related_name="+")
    line = models.ForeignKey(
        LineOfEffort, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PLANNED)
    geometry = models.JSONField()
    buffer_m = models.FloatField(default=0)
    lower_m = models.FloatField(null=True, blank=True)
    upper_m = models.FloatField(null=True, blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField()
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revision = models.PositiveIntegerField(default=1)
    # D+n: timed relative to an anchor event of an agreement (implementation's AnchorEvent id,
    # read through implementation.queries); start/end then follow the anchor's date
    anchor_ref = models.BigIntegerField(null=True, blank=True)
    start_offset_days = models.IntegerField(null=True, blank=True)
    end_offset_days = models.IntegerField(null=True, blank=True)

    ledger_fields = (
        "process", "party", "line", "title", "description", "kind", "state", "geometry",
        "buffer_m", "lower_m", "upper_m", "start", "end", "label", "anchor_ref",
        "start_offset_days", "end_offset_days",
    )  # fmt: skip
    ledger_scope = "process"

    LIVE = (State.PLANNED, State.APPROVED, State.ACTIVE)

    class Meta:
        ordering = ["start", "pk"]

    def __str__(self) -> str:
        return self.title


class Constraint(models.Model):
    """A zone or deadline from what is negotiated or agreed; its current version's fields.

    Every change writes a ConstraintVersion (a full snapshot) and bumps `version`.
    """

    class Kind(models.TextChoices):
        CEASEFIRE_LINE = "ceasefire_line", "ceasefire line"
        ZONE_OF_SEPARATION = "zone_of_separation", "zone of separation"
        DEMILITARISED_ZONE = "demilitarised_zone", "demilitarised zone"
        CANTONMENT = "cantonment", "cantonment / assembly area"
        EXCLUSION_ZONE = "exclusion_zone", "exclusion zone"
        PROTECTED_SITE = "protected_site", "protected site"
        HUMANITARIAN_CORRIDOR = "humanitarian_corridor", "humanitarian corridor"
        WITHDRAWAL_DEADLINE = "withdrawal_deadline", "withdrawal deadline"

    class Restriction(models.TextChoices):
        PROHIBITED = "prohibited"
        NOTIFICATION = "notification", "requires notification"
        CONDITIONAL = "conditional"

    INCLUSION_KINDS = (Kind.CANTONMENT,)

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    restriction = models.CharField(max_length=20, choices=Restriction.choices)
    notice_hours = models.PositiveIntegerField(null=True, blank=True)
    conditions = models.TextField(blank=True)
    binds_parties = models.JSONField(default=list, blank=True)  # party codes; empty = all
    binds_kinds = models.JSONField(default=list, blank=True)  # action kinds; empty = all
    geometry = models.JSONField()
    buffer_m = models.FloatField(default=0)
    lower_m = models.FloatField(null=True, blank=True)
    upper_m = models.FloatField(null=True, blank=True)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    # several time windows, [[start ISO 8601, end ISO 8601], …] sorted; empty = the whole
    # validity (a corridor open daily 06:00–10:00 for a week has seven)
    windows = models.JSONField(default=list, blank=True)
    source_ref = models.CharField(max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # "source changed — review": the wording of its source clause changed in a new version of
    # the text; the flag is read under the constraint's label combined with the text's (so that
    # nobody learns a text they may not read changed). Cleared by review or a new version.
    source_changed_at = models.DateTimeField(null=True, blank=True)
    source_changed_label = models.ForeignKey(
        Label, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )

    ledger_fields = (
        "process", "title", "kind", "restriction", "notice_hours", "conditions", "binds_parties",
        "binds_kinds", "geometry", "buffer_m", "lower_m", "upper_m", "valid_from", "valid_until",
        "windows", "source_ref", "version", "label",
    )  # fmt: skip
    ledger_scope = "process"

    class Meta:
        ordering = ["kind", "title", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def inclusion(self) -> bool:
        return self.kind in self.INCLUSION_KINDS

    @property
    def window_times(self) -> list[tuple]:
        """The time windows as (start, end) datetimes, for pages."""
        from datetime import datetime

        return [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in self.windows]


class ConstraintVersion(models.Model):
    """One version of a constraint: a snapshot of its fields when it was made."""

    constraint = models.ForeignKey(Constraint, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    note = models.CharField(max_length=300, blank=True)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("constraint", "number", "snapshot", "note", "label")
    ledger_scope = "constraint__process"

    class Meta:
        ordering = ["constraint", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["constraint", "number"], name="constraint_version_once")
        ]

    def __str__(self) -> str:
        return f"version {self.number}"


class Acknowledgement(models.Model):
    """A party has seen version `number` of a constraint (the key rule asks for the current one).

    Labelled with the constraint's label narrowed to the acknowledging party (REL TO it): other
    parties do not learn which zones a party plans near.
    """

    constraint = models.ForeignKey(Constraint, on_delete=models.CASCADE, related_name="acks")
    number = models.PositiveIntegerField()
    party = models.ForeignKey(Party, on_delete=models.RESTRICT, related_name="+")
    member = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("constraint", "number", "party", "label")
    ledger_scope = "constraint__process"

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["constraint", "number", "party"], name="ack_once")
        ]

    def __str__(self) -> str:
        return f"acknowledgement of version {self.number}"


class Touch(models.Model):
    """The detector's finding: an action touches a constraint (same time, same space, bound by
    it). `conflict` is True when it breaks the constraint (enters an exclusion zone, leaves an
    inclusion zone). Label = combine(action's label, constraint's label)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="touches")
    constraint = models.ForeignKey(Constraint, on_delete=models.CASCADE, related_name="touches")
    version = models.PositiveIntegerField()
    conflict = models.BooleanField(default=True)
    how = models.CharField(max_length=10)  # "enters", "leaves", "inside"
    start = models.DateTimeField()
    end = models.DateTimeField()
    flash = models.BooleanField(default=False)  # the action starts within 24 h of detection
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    detected_at = models.DateTimeField(default=timezone.now)
    # the notice is repeated until the owner acknowledges the constraint's version
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminders = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["start", "pk"]
        constraints = [models.UniqueConstraint(fields=["action", "constraint"], name="touch_once")]

    def __str__(self) -> str:
        return "conflict" if self.conflict else "touch"


class Notification(models.Model):
    """A humanitarian notification (after OCHA's HNS): a static site, a movement or critical
    infrastructure, told to the parties. Notification is not permission: each conflict party
    acknowledges (never approves); every entry expires."""

    class Kind(models.TextChoices):
        SITE = "site", "static site"
        MOVEMENT = "movement"
        INFRASTRUCTURE = "infrastructure", "critical infrastructure"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    vehicles = models.CharField(max_length=300, blank=True)
    geometry = models.JSONField()
    buffer_m = models.FloatField(default=0)
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    emergency = models.BooleanField(default=False)
    late = models.BooleanField(default=False)
    constraint = models.ForeignKey(
        Constraint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    notified_at = models.DateTimeField(default=timezone.now)

    ledger_fields = (
        "process", "kind", "title", "description", "vehicles", "geometry", "buffer_m", "start",
        "end", "expires_at", "emergency", "late", "label",
    )  # fmt: skip
    ledger_scope = "process"

    class Meta:
        ordering = ["-notified_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class NotificationAck(models.Model):
    """A conflict party acknowledges (does not approve) a humanitarian notification."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="acks")
    party = models.ForeignKey(Party, on_delete=models.RESTRICT, related_name="+")
    member = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "party"], name="hns_ack_once")
        ]

    def __str__(self) -> str:
        return f"acknowledged by {self.party.code}"
