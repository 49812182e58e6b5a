"""Consultation tables: a consultation of a process, its statements, participants and votes.

Votes are confidential to the voter: no read path names the participant behind a vote (see
queries.py), and the ledger records each vote as a salted commitment under an anonymous actor.
That is why `Participant` and `Vote` declare no `ledger_fields`: a recorded state would name the
member beside their vote in the ledger's stored payload.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accord.core.models import Label, Member, Process

STATEMENT_MAX = 500


class Consultation(models.Model):
    """A question put to the members who may read its label (and, by import, to outsiders)."""

    class Status(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="consultations")
    title = models.CharField(max_length=200)
    question = models.TextField(blank=True)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    ledger_fields = ("process", "title", "question", "label", "status")
    ledger_scope = "process"

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Statement(models.Model):
    """A short statement participants vote on; carries the consultation's label."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="statements"
    )
    text = models.CharField(max_length=STATEMENT_MAX)
    author = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    imported = models.BooleanField(default=False)
    external_id = models.CharField(max_length=60, blank=True)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("consultation", "text", "imported", "external_id", "label")
    ledger_scope = "consultation__process"

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:60]


class Participant(models.Model):
    """Who votes: a member of the process, or an anonymous id from an imported export."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="participants"
    )
    member = models.ForeignKey(Member, null=True, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=60, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "member"],
                condition=models.Q(member__isnull=False),
                name="participant_member_once",
            ),
            models.UniqueConstraint(
                fields=["consultation", "external_id"],
                condition=models.Q(member__isnull=True),
                name="participant_external_once",
            ),
        ]

    def __str__(self) -> str:
        return f"participant {self.pk} of consultation {self.consultation_id}"


class Vote(models.Model):
    """agree 1, disagree -1, pass 0; one per participant and statement, changeable while open.

    `nonce` is the secret of the ledger's commitment to this vote (sha256 over nonce, the
    participant and the value): the voter's act is provable without being readable."""

    class Value(models.IntegerChoices):
        AGREE = 1
        PASS = 0
        DISAGREE = -1

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(choices=Value.choices)
    nonce = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "statement"], name="vote_once"),
        ]

    def __str__(self) -> str:
        return f"vote {self.pk}"
