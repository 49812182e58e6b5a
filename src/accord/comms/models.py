"""Comms tables: channels, labelled messages with precedence, acknowledgements, read state,
notifications, escalation steps and per-process handling objectives.

A channel's label already encodes who may be in it (REL TO its parties, the MEDIATION caveat
for a caucus), so "who may read" is always decided by labels through core.access.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accord.core.models import Label, Member, Party, Process


class Precedence(models.TextChoices):
    """ACP 121 precedence (speed of service; independent of classification)."""

    FLASH = "FLASH", "FLASH (Z)"
    IMMEDIATE = "IMMEDIATE", "IMMEDIATE (O)"
    PRIORITY = "PRIORITY", "PRIORITY (P)"
    ROUTINE = "ROUTINE", "ROUTINE (R)"


# FLASH first: the order in which traffic is handled.
PRECEDENCE_RANK = {"FLASH": 0, "IMMEDIATE": 1, "PRIORITY": 2, "ROUTINE": 3}
ACK_REQUIRED = frozenset({"FLASH", "IMMEDIATE"})


class Channel(models.Model):
    """A place where members talk; its label is the floor for every message in it."""

    class Kind(models.TextChoices):
        PLENARY = "plenary"
        PARTY = "party", "party (one delegation)"
        BILATERAL = "bilateral", "bilateral / multilateral"
        CAUCUS = "caucus", "mediation caucus"
        TOPIC = "topic"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(max_length=500, blank=True)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    parties = models.ManyToManyField(Party, blank=True, related_name="channels")
    created_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("process", "name", "kind", "description", "label")
    ledger_scope = "process"

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["process", "name"], name="comms_channel_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Message(models.Model):
    """A labelled message; its label dominates the channel's label."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(Member, on_delete=models.RESTRICT, related_name="+")
    body = models.TextField()
    body_html = models.TextField(blank=True)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    precedence = models.CharField(
        max_length=10, choices=Precedence.choices, default=Precedence.ROUTINE
    )
    requires_ack = models.BooleanField(default=False)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="replies"
    )
    mentions = models.ManyToManyField(Member, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    ledger_fields = (
        "channel",
        "sender",
        "body",
        "label",
        "precedence",
        "requires_ack",
        "reply_to",
        "edited_at",
        "deleted_at",
    )
    ledger_scope = "channel__process"

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["channel", "id"], name="comms_msg_channel_id")]

    def __str__(self) -> str:
        return f"message {self.pk} ({self.precedence})"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class MessageRevision(models.Model):
    """The text and label a message had before an edit or a deletion (history is kept)."""

    class Kind(models.TextChoices):
        EDIT = "edit"
        DELETE = "delete"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    body = models.TextField()
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    by = models.ForeignKey(Member, on_delete=models.RESTRICT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("message", "kind", "body", "label", "by", "at")
    ledger_scope = "message__channel__process"

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} of message {self.message_id}"


class Acknowledgement(models.Model):
    """A member confirms receipt of a message that requires it."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="acks")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("message", "member", "at")
    ledger_scope = "message__channel__process"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "member"], name="comms_ack_once")]

    def __str__(self) -> str:
        return f"ack of {self.message_id} by {self.member_id}"


class ReadState(models.Model):
    """Unread state: the last message id a member has read in a channel."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    last_read_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "channel"], name="comms_readstate_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} read {self.channel_id} up to {self.last_read_id}"


class Notification(models.Model):
    """Something a member should look at; readable only while its message is."""

    class Kind(models.TextChoices):
        MENTION = "mention"
        FLASH = "flash"
        IMMEDIATE = "immediate"
        ESCALATION = "escalation"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="notifications")
    # for escalations to a head of delegation: whose acknowledgement is missing
    about = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    read = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["member", "read"], name="comms_notif_member_read")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.member_id} on {self.message_id}"


class EscalationStep(models.Model):
    """One escalation step taken for one recipient of one message (makes escalation idempotent).

    Step 1 re-notifies the recipient; step 2 notifies their head of delegation.
    """

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="escalations")
    recipient = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    step = models.PositiveSmallIntegerField()
    notified = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("message", "recipient", "step", "notified", "at")
    ledger_scope = "message__channel__process"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "recipient", "step"], name="comms_escalation_once"
            )
        ]

    def __str__(self) -> str:
        return f"escalation {self.step} of {self.message_id} for {self.recipient_id}"


class HandlingPolicy(models.Model):
    """Per-process handling objectives in minutes (defaults: REFERENCE.md, ACP 121)."""

    process = models.OneToOneField(Process, on_delete=models.CASCADE, related_name="+")
    flash_minutes = models.PositiveIntegerField(default=10)
    immediate_minutes = models.PositiveIntegerField(default=30)

    ledger_fields = ("process", "flash_minutes", "immediate_minutes")
    ledger_scope = "process"

    def __str__(self) -> str:
        return f"handling objectives of {self.process_id}"

    def minutes_for(self, precedence: str) -> int | None:
        if precedence == Precedence.FLASH:
            return self.flash_minutes
        if precedence == Precedence.IMMEDIATE:
            return self.immediate_minutes
        return None


class Attachment(models.Model):
    """A file attached to a message, labelled like the message, stored by content hash."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("message", "name", "content_type", "size", "sha256", "label")
    ledger_scope = "message__channel__process"

    def __str__(self) -> str:
        return self.name
