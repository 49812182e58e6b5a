"""Ledger tables: one append-only log per process (plus the deployment's system log).

Entries hold the canonical leaf bytes' ingredients; nodes hold every complete subtree hash so
appends and proofs cost O(log n); heads are signed tree heads.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accord.core.models import Label, Process


class Log(models.Model):
    """An append-only Merkle log. `process` is null for the deployment-wide system log."""

    process = models.OneToOneField(
        Process, null=True, blank=True, on_delete=models.CASCADE, related_name="ledger_log"
    )
    name = models.SlugField(max_length=60, unique=True)
    size = models.BigIntegerField(default=0)
    frontier = models.BinaryField(default=b"")
    head_size = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"log {self.name} ({self.size} entries)"


class Entry(models.Model):
    """One recorded act. The leaf bytes are recomputed from these columns (see entry.py)."""

    log = models.ForeignKey(Log, on_delete=models.RESTRICT, related_name="entries")
    seq = models.BigIntegerField()
    time = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    subject_type = models.CharField(max_length=80)
    subject_id = models.CharField(max_length=80)
    payload = models.JSONField(default=dict)
    label = models.ForeignKey(
        Label, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    label_data = models.JSONField(null=True, blank=True)
    salt = models.BinaryField(default=b"")
    leaf_hash = models.BinaryField()

    class Meta:
        ordering = ["log", "seq"]
        constraints = [models.UniqueConstraint(fields=["log", "seq"], name="entry_seq_unique")]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.subject_type}:{self.subject_id}"


class Node(models.Model):
    """Hash of the complete subtree (level, index): leaves [index·2^level, (index+1)·2^level)."""

    log = models.ForeignKey(Log, on_delete=models.CASCADE, related_name="nodes")
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["log", "level", "index"], name="node_unique")
        ]

    def __str__(self) -> str:
        return f"node ({self.level}, {self.index})"


class Head(models.Model):
    """A signed tree head: (process, size, root, time) signed with the deployment's Ed25519 key."""

    log = models.ForeignKey(Log, on_delete=models.CASCADE, related_name="heads")
    size = models.BigIntegerField()
    root = models.BinaryField()
    timestamp = models.CharField(max_length=40)
    key_id = models.CharField(max_length=32)
    signature = models.BinaryField()

    class Meta:
        ordering = ["log", "size"]
        constraints = [models.UniqueConstraint(fields=["log", "size"], name="head_size_unique")]

    def __str__(self) -> str:
        return f"head at size {self.size}"
