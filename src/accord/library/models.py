"""Tables of the library app: PA-X agreements (public reference data) and their imports.

PA-X rows belong to no process and carry no label: the database is published research data
(Bell & Badanjak, Journal of Peace Research 56(3), 2019). Only signed-in members of a process
reach the pages and endpoints that show it. The coded columns are kept as they were published
(`codes`: column → value, zeros left out) and summed up as topics for search and similarity.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class PaxImport(models.Model):
    """One import of a PA-X file (or of the demo's sample rows): what, when, by whom."""

    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    sample = models.BooleanField(default=False)
    by = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"PA-X import of {self.file_name} ({self.rows} agreements)"


class PaxAgreement(models.Model):
    """One PA-X agreement: the descriptive columns as fields, the coding as published."""

    agt_id = models.PositiveIntegerField(unique=True)  # AgtId
    name = models.TextField()  # Agt
    country = models.CharField(max_length=300, blank=True, db_index=True)  # Con
    conflict_type = models.CharField(max_length=100, blank=True)  # Contp
    process_no = models.CharField(max_length=40, blank=True)  # PP
    process_name = models.CharField(max_length=300, blank=True, db_index=True)  # PPName
    region = models.CharField(max_length=200, blank=True)  # Reg
    version = models.CharField(max_length=40, blank=True)  # Ver
    date = models.DateField(db_index=True)  # Dat
    status = models.CharField(max_length=200, blank=True)  # Status
    pages = models.PositiveIntegerField(null=True, blank=True)  # Lgt
    characters = models.PositiveIntegerField(null=True, blank=True)  # N_characters
    agreement_type = models.CharField(max_length=40, blank=True)  # Agtp
    stage = models.CharField(max_length=40, blank=True)  # Stage
    stage_sub = models.CharField(max_length=100, blank=True)  # StageSub
    parties = models.TextField(blank=True)  # Part
    third_parties = models.TextField(blank=True)  # ThrdPart
    other_agreements = models.TextField(blank=True)  # OthAgr
    extra = models.JSONField(default=dict, blank=True)  # the other descriptive columns
    codes = models.JSONField(default=dict, blank=True)  # coded column → value (> 0 only)
    topics = models.TextField(blank=True)  # ",ceasefire,ddr,": topics covered (pax.TOPICS)
    sample = models.BooleanField(default=False)  # generated demo rows, not PA-X data
    source = models.ForeignKey(PaxImport, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-date", "agt_id"]

    def __str__(self) -> str:
        return self.name

    @property
    def topic_list(self):
        from accord.library.pax import topics_of

        return topics_of(self.topics)

    @property
    def stage_name(self) -> str:
        from accord.library.pax import STAGES

        return STAGES.get(self.stage, self.stage)

    @property
    def type_name(self) -> str:
        from accord.library.pax import AGREEMENT_TYPES

        return AGREEMENT_TYPES.get(self.agreement_type, self.agreement_type)


class Lesson(models.Model):
    """One entry of a process's lessons register, moving through NATO's lessons-learned stages:
    observation → lesson identified → remedial action (owner, due) → lesson learned (validated).
    Labelled like every protected object; each stage is a recorded act."""

    class Stage(models.TextChoices):
        OBSERVATION = "observation", "Observation"
        IDENTIFIED = "identified", "Lesson identified"
        ACTION = "action", "Remedial action"
        LEARNED = "learned", "Lesson learned"

    process = models.ForeignKey(
        "core.Process", on_delete=models.CASCADE, related_name="library_lessons"
    )
    label = models.ForeignKey("core.Label", on_delete=models.RESTRICT, related_name="+")
    title = models.CharField(max_length=200)
    observation = models.TextField()
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.OBSERVATION)
    lesson = models.TextField(blank=True)  # the lesson identified: what should change
    remedial_action = models.TextField(blank=True)
    action_owner = models.ForeignKey(
        "core.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action_due = models.DateField(null=True, blank=True)
    validation = models.TextField(blank=True)  # how the change was shown to work
    validated_by = models.ForeignKey(
        "core.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    validated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "core.Member", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("process", "title", "observation", "stage", "lesson", "remedial_action",
                     "action_owner", "action_due", "validation", "label")  # fmt: skip
    ledger_scope = "process"

    class Meta:
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def stage_index(self) -> int:
        return list(self.Stage.values).index(self.stage)
