"""Negotiation tables: agenda issues and options, labelled positions and their releases, and the
single negotiating text (documents → immutable versions → articles → clauses), stances,
amendments and signatures.

Identity vs. content: `Article` and `Clause` rows are the stable identities; what they say in a
given version lives in `ArticleText` / `ClauseText` rows of that version. A new version copies
every text row (copy-on-write), so old versions never change and any two can be compared.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accord.core.models import Label, Member, Party, Process


class Issue(models.Model):
    """An agenda item with either discrete options or a numeric range (unit, step)."""

    class Status(models.TextChoices):
        OPEN = "open"
        CONVERGING = "converging"
        AGREED_AD_REF = "agreed_ad_ref", "agreed ad ref"
        AGREED = "agreed"
        PARKED = "parked"

    class Kind(models.TextChoices):
        DISCRETE = "discrete"
        NUMERIC = "numeric"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="issues")
    cluster = models.CharField(max_length=60, default="political")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    unit = models.CharField(max_length=30, blank=True)
    minimum = models.FloatField(null=True, blank=True)
    maximum = models.FloatField(null=True, blank=True)
    step = models.FloatField(null=True, blank=True)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = (
        "process",
        "cluster",
        "title",
        "description",
        "order",
        "status",
        "kind",
        "unit",
        "minimum",
        "maximum",
        "step",
        "label",
    )
    ledger_scope = "process"

    class Meta:
        ordering = ["cluster", "order", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_numeric(self) -> bool:
        return self.kind == self.Kind.NUMERIC


class Option(models.Model):
    """A named alternative of a discrete issue; positions refer to options by `key`."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="options")
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0)

    ledger_fields = ("issue", "key", "name", "order")
    ledger_scope = "issue__process"

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["issue", "key"], name="option_key_unique")]

    def __str__(self) -> str:
        return self.name


POSITION_FIELDS = (
    "preferred_option",
    "preferred_value",
    "acceptable_options",
    "acceptable_min",
    "acceptable_max",
    "reservation_value",
    "salience",
    "red_lines",
    "red_line_note",
    "interests",
    "evidence",
)


class Position(models.Model):
    """One party's stance on one issue, labelled REL TO that party (see docs/negotiation.md:
    mediators read it through the separate MEDIATION path in queries, not through the label)."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="positions")
    party = models.ForeignKey(Party, on_delete=models.RESTRICT, related_name="positions")
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    preferred_option = models.CharField(max_length=40, blank=True)
    preferred_value = models.FloatField(null=True, blank=True)
    acceptable_options = models.JSONField(default=list, blank=True)
    acceptable_min = models.FloatField(null=True, blank=True)
    acceptable_max = models.FloatField(null=True, blank=True)
    reservation_value = models.FloatField(null=True, blank=True)
    salience = models.PositiveSmallIntegerField(default=50)
    red_lines = models.JSONField(default=list, blank=True)
    red_line_note = models.TextField(blank=True)
    interests = models.TextField(blank=True)
    evidence = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("issue", "party", "label", *POSITION_FIELDS, "revision")
    ledger_scope = "issue__process"

    class Meta:
        ordering = ["issue__cluster", "issue__order", "party__code"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "party"], name="position_once_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.party.code} on {self.issue}"

    def fields(self) -> dict:
        return {f: getattr(self, f) for f in POSITION_FIELDS}


class PositionRevision(models.Model):
    """What changed in a position, when and by whom (same label as the position)."""

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    changed = models.JSONField(default=dict)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "number"]
        constraints = [
            models.UniqueConstraint(fields=["position", "number"], name="revision_number_unique")
        ]

    def __str__(self) -> str:
        return f"revision {self.number} of position {self.position_id}"


class PositionRelease(models.Model):
    """A (possibly coarser) copy of a position released to chosen parties, with its own label."""

    class Scope(models.TextChoices):
        FULL = "full"
        ACCEPTABLE = "acceptable"
        PREFERRED = "preferred"

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="releases")
    scope = models.CharField(max_length=12, choices=Scope.choices)
    released = models.JSONField(default=dict)
    position_revision = models.PositiveIntegerField()
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    released_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    released_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("position", "scope", "released", "position_revision", "label")
    # the release is how its readers see the position: its record does not carry the
    # position's own label (core.links / ledger.services.named_labels)
    ledger_refs_exempt = ("position",)
    ledger_scope = "position__issue__process"

    class Meta:
        ordering = ["-released_at", "-pk"]

    def __str__(self) -> str:
        return f"release {self.pk} ({self.scope}) of position {self.position_id}"


# --- the single negotiating text ---------------------------------------------------------------
class Document(models.Model):
    """A negotiating text; `required_parties` (party codes) must all accept for agreement."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    required_parties = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("process", "title", "label", "required_parties")
    ledger_scope = "process"

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class Version(models.Model):
    """An immutable state of a document; `content_hash` binds its canonical rendering."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    note = models.CharField(max_length=300, blank=True)
    content_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("document", "number", "note", "content_hash")
    ledger_scope = "document__process"

    class Meta:
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class Article(models.Model):
    """Stable identity of an article across versions."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="articles")

    def __str__(self) -> str:
        return f"article {self.pk} of document {self.document_id}"


class Clause(models.Model):
    """Stable identity of a clause across versions (stances and amendments point here)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="clauses")
    issues = models.ManyToManyField(Issue, blank=True, related_name="clauses")

    def __str__(self) -> str:
        return f"clause {self.pk} of document {self.document_id}"


class ArticleText(models.Model):
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="article_texts")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="texts")
    order = models.PositiveIntegerField()
    heading = models.CharField(max_length=300)

    class Meta:
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return f"{self.heading} (v{self.version_id})"


class ClauseText(models.Model):
    """What a clause says in one version: ordered segments, text or brackets (see brackets.py)."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="clause_texts")
    clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="texts")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveIntegerField()
    segments = models.JSONField(default=list)
    text_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return f"clause {self.clause_id} in version {self.version_id}"


class Stance(models.Model):
    """A party's stance on a clause's text (`text_hash`): it stays current while the text does."""

    class Kind(models.TextChoices):
        ACCEPT = "accept"
        ACCEPT_AD_REF = "accept_ad_ref", "accept ad referendum"
        RESERVE = "reserve"
        REJECT = "reject"

    clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="stances")
    party = models.ForeignKey(Party, on_delete=models.RESTRICT, related_name="+")
    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="+")
    text_hash = models.CharField(max_length=64)
    stance = models.CharField(max_length=16, choices=Kind.choices)
    comment = models.TextField(blank=True)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("clause", "party", "version", "text_hash", "stance", "comment", "label")
    ledger_scope = "clause__document__process"

    class Meta:
        ordering = ["clause", "party", "-pk"]

    def __str__(self) -> str:
        return f"{self.party_id}: {self.stance} on clause {self.clause_id}"


class Amendment(models.Model):
    """A proposal to insert, delete or replace a clause; only the pen holder accepts it."""

    class Kind(models.TextChoices):
        INSERT = "insert"
        DELETE = "delete"
        REPLACE = "replace"

    class Status(models.TextChoices):
        PROPOSED = "proposed"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="amendments")
    base_version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    clause = models.ForeignKey(
        Clause, null=True, blank=True, on_delete=models.CASCADE, related_name="amendments"
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.TextField(blank=True)
    rationale = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.RESTRICT, related_name="+")
    proposed_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result_version = models.ForeignKey(
        Version, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    ledger_fields = ("document", "base_version", "kind", "clause", "article", "text", "status")
    ledger_scope = "document__process"

    class Meta:
        ordering = ["-proposed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} amendment {self.pk} ({self.status})"


class AmendmentComment(models.Model):
    amendment = models.ForeignKey(Amendment, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField()
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("amendment", "text", "label")
    ledger_scope = "amendment__document__process"

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"comment {self.pk} on amendment {self.amendment_id}"


class Signature(models.Model):
    """A head of delegation's signature binding one version's content hash."""

    version = models.ForeignKey(Version, on_delete=models.CASCADE, related_name="signatures")
    party = models.ForeignKey(Party, on_delete=models.RESTRICT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.RESTRICT, related_name="+")
    content_hash = models.CharField(max_length=64)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("version", "party", "member", "content_hash", "label")
    ledger_scope = "version__document__process"

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "party"], name="signature_once_per_party")
        ]

    def __str__(self) -> str:
        return f"signature of party {self.party_id} on version {self.version_id}"


class AnalysisRun(models.Model):
    """A saved analysis over the workspace: inputs snapshot, parameters, outputs, and the label
    combined from every input it read (mediator-only when it read positions on the mediation
    path, until someone holding the pen releases it)."""

    class Kind(models.TextChoices):
        PACKAGES = "packages"
        FORECAST = "forecast"
        OPINION_GROUPS = "opinion_groups", "opinion groups"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="analysis_runs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    params = models.JSONField(default=dict)
    inputs = models.JSONField(default=dict)
    outputs = models.JSONField(default=dict)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    ledger_fields = ("process", "kind", "params", "label", "released_at")
    ledger_scope = "process"

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} analysis {self.pk}"
