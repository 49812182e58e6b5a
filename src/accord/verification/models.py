"""Tables of the verification app.

Reference data (DISARM tactics, techniques, counters) is public and process-free. Everything a
process writes (sources, claims, assessments, public lines) carries a label and is read through
core.access; an assessment is read through its own label AND its claim's.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accord.core.models import Label, Member, Process

RELIABILITY = {
    "A": "Completely reliable",
    "B": "Usually reliable",
    "C": "Fairly reliable",
    "D": "Not usually reliable",
    "E": "Unreliable",
    "F": "Reliability cannot be judged",
}
CREDIBILITY = {
    1: "Confirmed by other sources",
    2: "Probably true",
    3: "Possibly true",
    4: "Doubtful",
    5: "Improbable",
    6: "Truth cannot be judged",
}
# ICD 203 estimative language: word → (lowest %, highest %) inclusive
ESTIMATIVE = {
    "almost no chance": (1, 5),
    "very unlikely": (5, 20),
    "unlikely": (20, 45),
    "roughly even chance": (45, 55),
    "likely": (55, 80),
    "very likely": (80, 95),
    "almost certain": (95, 99),
}


# --- DISARM reference tables (public) ----------------------------------------------------------
class Tactic(models.Model):
    """A DISARM tactic (TA01…TA18)."""

    external_id = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=200)
    shortname = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["external_id"]

    def __str__(self) -> str:
        return f"{self.external_id} {self.name}"


class Technique(models.Model):
    """A DISARM technique (T0000 or T0000.000): the IDs claims are tagged with."""

    external_id = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    tactics = models.JSONField(default=list)  # tactic shortnames
    parent = models.CharField(max_length=12, blank=True)
    url = models.URLField(max_length=300, blank=True)

    class Meta:
        ordering = ["external_id"]

    def __str__(self) -> str:
        return f"{self.external_id} {self.name}"


class Counter(models.Model):
    """A DISARM counter (C00000), when a bundle carries them (the shipped one does not)."""

    external_id = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["external_id"]

    def __str__(self) -> str:
        return f"{self.external_id} {self.name}"


# --- sources ---------------------------------------------------------------------------------
class Source(models.Model):
    """A person, outlet, account, channel or document that carries claims."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        OUTLET = "outlet", "Outlet"
        ACCOUNT = "account", "Account"
        CHANNEL = "channel", "Channel"
        DOCUMENT = "document", "Document"

    class Status(models.TextChoices):  # Meedan Check source statuses
        UNDETERMINED = "undetermined", "Undetermined"
        CREDIBLE = "credible", "Credible"
        SLIGHTLY = "slightly_credible", "Slightly credible"
        NOT_CREDIBLE = "not_credible", "Not credible"
        SOCKPUPPET = "sockpuppet", "Sockpuppet"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    url = models.URLField(max_length=500, blank=True)
    platform = models.CharField(max_length=60, blank=True)
    relays = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="relayed_by"
    )
    reliability = models.CharField(max_length=1, default="F")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNDETERMINED)
    notes = models.TextField(blank=True)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("process", "name", "kind", "url", "platform", "reliability", "status", "label")
    ledger_scope = "process"

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def reliability_words(self) -> str:
        return RELIABILITY.get(self.reliability, "")


class SourceRating(models.Model):
    """One rating of a source's reliability: who rated it, when, and why (the history)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="ratings")
    reliability = models.CharField(max_length=1)
    note = models.CharField(max_length=500, blank=True)
    rated_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-rated_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.reliability} rating of source {self.source_id}"


# --- claims ----------------------------------------------------------------------------------
class Claim(models.Model):
    """A statement as seen somewhere, carried by sources, tagged with DISARM techniques."""

    class Status(models.TextChoices):  # Meedan Check item statuses
        UNSTARTED = "unstarted", "Unstarted"
        IN_PROGRESS = "in_progress", "In progress"
        INCONCLUSIVE = "inconclusive", "Inconclusive"
        FALSE = "false", "False"
        VERIFIED = "verified", "Verified"

    class Category(models.TextChoices):  # DFRLab disinformant category
        UNKNOWN = "", "Not attributed"
        GOVERNMENT = "government", "Government"
        MILITARY = "military", "Military"
        POLITICAL_PARTY = "political_party", "Political party"
        MEDIA = "media", "Media"
        NON_STATE = "non_state_actor", "Non-state actor"
        INDIVIDUAL = "individual", "Individual"
        UNATTRIBUTED = "unattributed", "Unknown actor"

    class Intent(models.TextChoices):  # DFRLab intent
        UNKNOWN = "", "Not stated"
        CIVIL = "civil", "Civil"
        SOCIAL = "social", "Social"
        ECONOMIC = "economic", "Economic"
        MILITARY = "military", "Military"

    class Attribution(models.TextChoices):
        NONE = "", "Not stated"
        DIRECT = "direct", "Direct attribution"
        INFERRED = "inferred", "Inferred attribution"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    language = models.CharField(max_length=12, default="en")
    url = models.URLField(max_length=500, blank=True)
    platform = models.CharField(max_length=60, blank=True)
    place = models.CharField(max_length=200, blank=True)
    seen_at = models.DateTimeField(default=timezone.now)
    sources = models.ManyToManyField(Source, blank=True, related_name="claims")
    techniques = models.JSONField(default=list)
    parties = models.ManyToManyField("core.Party", blank=True, related_name="+")  # it concerns
    disinformant_category = models.CharField(max_length=20, blank=True, choices=Category.choices)
    disinformant_country = models.CharField(max_length=60, blank=True)
    attribution = models.CharField(max_length=10, blank=True, choices=Attribution.choices)
    intent = models.CharField(max_length=10, blank=True, choices=Intent.choices)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("process", "text", "language", "url", "platform", "place", "label")
    ledger_scope = "process"

    class Meta:
        ordering = ["-seen_at", "-pk"]
        indexes = [models.Index(fields=["process", "label"])]

    def __str__(self) -> str:
        return self.text[:80]


class Evidence(models.Model):
    """A file kept as evidence for a claim (a screenshot, a document, a recording's transcript):
    stored once by SHA-256 (core.files), so anyone holding a copy can check it is the same
    file; labelled at least like its claim (the claim's label combined with the one chosen)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    note = models.CharField(max_length=500, blank=True)  # what it shows
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    added_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("claim", "name", "content_type", "size", "sha256", "note", "label")
    ledger_scope = "claim__process"

    class Meta:
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return self.name


class Assessment(models.Model):
    """An analyst's assessment of a claim on the Admiralty code (e.g. "B2") with ICD 203 words."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="assessments")
    status = models.CharField(max_length=15, choices=Claim.Status.choices)
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.SET_NULL)
    reliability = models.CharField(max_length=1, default="F")
    credibility = models.PositiveSmallIntegerField()
    likelihood = models.CharField(max_length=30, blank=True)
    probability = models.PositiveSmallIntegerField(null=True, blank=True)
    rationale = models.TextField()
    independent_sources = models.PositiveSmallIntegerField(default=0)
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="cited_by")
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    analyst = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("claim", "status", "reliability", "credibility", "likelihood", "label")
    ledger_scope = "claim__process"

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.rating} {self.get_status_display()}"

    @property
    def rating(self) -> str:
        """Reliability and credibility written together, as the Admiralty code does: "B2"."""
        return f"{self.reliability}{self.credibility}"

    @property
    def credibility_words(self) -> str:
        return CREDIBILITY.get(self.credibility, "")


# --- joint public lines ----------------------------------------------------------------------
class PublicLine(models.Model):
    """What the allies will say about claims: text per language, approved by every ally.

    Each version is its own row (same `series`, growing `version`); an approved version is
    frozen by `content_hash` and a change makes a new version that needs approval again."""

    class Verdict(models.TextChoices):  # what the line says of the claims it answers
        FALSE = "false", "False"
        MISLEADING = "misleading", "Misleading"
        UNPROVEN = "unproven", "Unproven"
        TRUE = "true", "True"

    class Status(models.TextChoices):
        CIRCULATING = "circulating", "Circulating for approval"
        APPROVED = "approved", "Approved"
        NOT_ADOPTED = "not_adopted", "Not adopted"
        SUPERSEDED = "superseded", "Superseded by a new version"
        PUBLISHED = "published", "Published"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="+")
    series = models.PositiveIntegerField(default=0)  # pk of the first version
    version = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=200)
    texts = models.JSONField(default=dict)  # language code → text
    claims = models.ManyToManyField(Claim, blank=True, related_name="public_lines")
    verdict = models.CharField(max_length=12, choices=Verdict.choices, default=Verdict.FALSE)
    counters = models.JSONField(default=list)  # DISARM counter IDs C00000
    audience = models.CharField(max_length=200, blank=True)
    guidance = models.TextField(blank=True)  # for spokespersons: what not to say
    public = models.BooleanField(default=False)
    embargo_until = models.DateTimeField(null=True, blank=True)
    rule = models.CharField(max_length=12, default="unanimity")
    deadline = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CIRCULATING)
    content_hash = models.CharField(max_length=71)
    decided_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("process", "series", "version", "title", "status", "content_hash", "label")
    ledger_scope = "process"

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"

    @property
    def rule_words(self) -> str:
        return {"unanimity": "Unanimity", "silence": "Silence procedure"}.get(self.rule, self.rule)


class LineResponse(models.Model):
    """One ally's approval or objection (with its amendment) to one version of a line."""

    class Kind(models.TextChoices):
        APPROVE = "approve", "Approved"
        OBJECT = "object", "Objected"

    line = models.ForeignKey(PublicLine, on_delete=models.CASCADE, related_name="responses")
    party = models.ForeignKey("core.Party", on_delete=models.RESTRICT, related_name="+")
    member = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    amendment = models.TextField(blank=True)
    note = models.CharField(max_length=500, blank=True)
    content_hash = models.CharField(max_length=71)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [models.UniqueConstraint(fields=["line", "party"], name="line_response_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.party_id}"
