"""Tables of the implementation app: agreements, their anchor events, provisions, commitments
with deadlines (anchor + offset, or a date), compliance reports, deadline proposals found in the
text, and PAM scores.

A commitment's deadline is never stored as a date when it hangs on an anchor: it is computed
from the anchor's date each time it is read, so setting or moving the anchor moves every
dependent deadline. "Reported done" and "verified done" are separate columns: a party or monitor
says it is done; only the verification body may say it has verified it (Kroc / SIIPO).
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils import timezone

from accord.core.models import Label, Member, Process
from accord.implementation.deadlines import add_offset

# PAM's 51 provision types (Peace Accords Matrix, Kroc Institute): variable stem → meaning.
PAM_TYPES: dict[str, str] = {
    "amnest": "amnesty",
    "arbdam": "commission on damage/loss",
    "arbland": "land/property commission",
    "bound": "boundary demarcation",
    "cease": "ceasefire",
    "child": "children's rights",
    "citiz": "citizenship reform",
    "civadm": "civil administration reform",
    "const": "constitutional reform",
    "cultr": "cultural protections",
    "decen": "decentralisation/federalism",
    "demob": "demobilisation",
    "develop": "economic and social development",
    "disarm": "disarmament",
    "disput": "dispute resolution committee",
    "donor": "donor support",
    "educat": "education reform",
    "elect": "electoral/party reform",
    "embarg": "arms embargo",
    "ethrel": "inter-ethnic/state relations",
    "exerefm": "executive reform",
    "humrts": "human rights",
    "idps": "internally displaced persons",
    "indmin": "indigenous minority rights",
    "indrefer": "independence referendum",
    "judrfm": "judiciary reform",
    "legref": "legislative reform",
    "media": "media reform",
    "milrfm": "military reform",
    "minrts": "minority rights",
    "natres": "natural resource management",
    "offlan": "official language and symbol",
    "pargrp": "paramilitary groups",
    "polrfm": "police reform",
    "powtran": "transitional power-sharing government",
    "prisr": "prisoner release",
    "ratm": "ratification mechanism",
    "refug": "refugees",
    "regpkf": "regional peacekeeping force",
    "reint": "reintegration",
    "repar": "reparations",
    "roa": "review of agreement",
    "selfd": "self-determination",
    "terpow": "territorial power sharing",
    "time": "detailed implementation timeline",
    "truth": "truth/reconciliation mechanism",
    "unpkf": "UN peacekeeping force",
    "untran": "UN transitional authority",
    "verify": "verification/monitoring mechanism",
    "with": "withdrawal of troops",
    "women": "women's rights",
}
assert len(PAM_TYPES) == 51

# PAM's implementation scale.
PAM_SCALE: dict[int, str] = {
    0: "not initiated",
    1: "minimal",
    2: "intermediate",
    3: "full implementation",
}


class Agreement(models.Model):
    """A signed agreement of a process: from a signed version of a negotiating text (bound to
    its content hash) or entered by hand."""

    class Status(models.TextChoices):
        SIGNED = "signed", "signed, not yet in force"
        IN_FORCE = "in_force", "in force"
        SUSPENDED = "suspended", "suspended"
        TERMINATED = "terminated", "terminated"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="agreements")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SIGNED)
    signed_on = models.DateField()
    in_force_on = models.DateField(null=True, blank=True)
    signatories = models.JSONField(default=list)  # party codes
    # the negotiating text it was made from (negotiation.Document id + version), if any
    source_document = models.PositiveIntegerField(null=True, blank=True)
    source_version = models.PositiveIntegerField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    period_months = models.PositiveSmallIntegerField(default=12)
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("process", "title", "label", "status", "signed_on", "in_force_on")
    ledger_scope = "process"

    class Meta:
        ordering = ["-signed_on", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def from_text(self) -> bool:
        return bool(self.content_hash)


class AnchorEvent(models.Model):
    """An event deadlines hang on (signature, entry into force, transfer of authority …);
    its date is set when it happens, and dependent deadlines follow."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="anchors")
    key = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    occurred_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "key"], name="anchor_key_once"),
        ]

    def __str__(self) -> str:
        return self.name


class Provision(models.Model):
    """A clause of the agreement, tagged with PAM provision types and themes."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="provisions")
    number = models.CharField(max_length=20)
    heading = models.CharField(max_length=300, blank=True)
    text = models.TextField()
    types = models.JSONField(default=list)  # PAM stems
    themes = models.JSONField(default=list)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.text[:60]}"

    @property
    def type_names(self) -> list[str]:
        return [PAM_TYPES.get(t, t) for t in self.types]


class Commitment(models.Model):
    """Who must do what by when: responsible parties (or a body), a deadline as anchor +
    offset or a date, the verification body and the evidence expected."""

    class Unit(models.TextChoices):
        DAYS = "days"
        WEEKS = "weeks"
        MONTHS = "months"
        YEARS = "years"

    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="commitments")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="commitments")
    what = models.CharField(max_length=500)
    responsible = models.JSONField(default=list)  # party codes
    body = models.CharField(max_length=200, blank=True)  # a body that must act, if not a party
    anchor = models.ForeignKey(
        AnchorEvent, null=True, blank=True, on_delete=models.RESTRICT, related_name="commitments"
    )
    amount = models.PositiveIntegerField(null=True, blank=True)
    unit = models.CharField(max_length=6, choices=Unit.choices, blank=True)
    due_date = models.DateField(null=True, blank=True)  # an absolute deadline
    recurrence = models.CharField(max_length=120, blank=True)
    verification_body = models.CharField(max_length=12, blank=True)  # a party code
    evidence_expected = models.TextField(blank=True)
    source_phrase = models.CharField(max_length=300, blank=True)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    reported_done_at = models.DateTimeField(null=True, blank=True)
    reported_done_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_done_at = models.DateTimeField(null=True, blank=True)
    verified_done_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("what", "responsible", "amount", "unit", "due_date", "label")
    ledger_scope = "agreement__process"

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.what[:80]

    @property
    def deadline(self) -> date | None:
        """The deadline now: the anchor's date + the offset (None while the anchor has not
        happened), or the absolute date."""
        if self.anchor_id is not None:
            if self.anchor.occurred_on is None or self.amount is None:
                return None
            return add_offset(self.anchor.occurred_on, self.amount, self.unit)
        return self.due_date

    @property
    def deadline_rule(self) -> str:
        """The deadline as agreed, in words: "30 days after entry into force" or a date."""
        if self.anchor_id is not None:
            n = self.amount or 0
            unit = self.unit[:-1] if n == 1 else self.unit
            return f"{n} {unit} after {self.anchor.name.lower()}"
        return "by a fixed date" if self.due_date else "no deadline"


class ComplianceReport(models.Model):
    """A party's or monitor's report of progress on a commitment, with its evidence."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", "progress"
        DONE = "done", "reported done"
        VERIFIED = "verified", "verified done"
        NOT_VERIFIED = "not_verified", "could not be verified"

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    text = models.TextField()
    evidence = models.TextField(blank=True)
    author = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    party = models.CharField(max_length=12)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("commitment", "kind", "text", "evidence", "label")
    ledger_scope = "commitment__agreement__process"

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"


class DeadlineProposal(models.Model):
    """A deadline phrase found in a provision's text, waiting for a person to confirm it as a
    commitment or dismiss it (never turned into a commitment silently)."""

    class Status(models.TextChoices):
        PENDING = "pending", "waiting for confirmation"
        CONFIRMED = "confirmed", "confirmed"
        DISMISSED = "dismissed", "dismissed"

    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="proposals")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="proposals")
    phrase = models.CharField(max_length=300)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    sentence = models.TextField()
    kind = models.CharField(max_length=10)  # relative | absolute
    anchor = models.CharField(max_length=200, blank=True)
    anchor_key = models.CharField(max_length=60, blank=True)
    amount = models.PositiveIntegerField(null=True, blank=True)
    unit = models.CharField(max_length=6, blank=True)
    date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    commitment = models.ForeignKey(
        Commitment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["provision__order", "start", "pk"]

    def __str__(self) -> str:
        return self.phrase

    @property
    def offset(self) -> str:
        if self.amount is None:
            return ""
        unit = self.unit[:-1] if self.amount == 1 else self.unit
        return f"{self.amount} {unit}"


class Score(models.Model):
    """A PAM score of one provision for one period (0–3), with the evidence behind it."""

    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="scores")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="scores")
    period = models.PositiveSmallIntegerField()  # 1 = the first period after signing
    score = models.PositiveSmallIntegerField()
    evidence = models.TextField()
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    scored_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    scored_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("provision", "period", "score", "evidence", "label")
    ledger_scope = "agreement__process"

    class Meta:
        ordering = ["provision__order", "period"]
        constraints = [
            models.UniqueConstraint(fields=["provision", "period"], name="score_once_per_period"),
            models.CheckConstraint(condition=models.Q(score__lte=3), name="score_within_pam_scale"),
        ]

    def __str__(self) -> str:
        return f"{self.provision.number} period {self.period}: {self.score}"

    @property
    def score_words(self) -> str:
        return PAM_SCALE.get(self.score, "")


# The CTSAMVM violation-report workflow, in order: each step is an act by someone allowed to
# take it, and a step can only follow the one before it.
VIOLATION_STEPS: list[tuple[str, str]] = [
    ("allegation", "allegation received"),
    ("tasked", "preliminary investigation tasked by the chair"),
    ("visited", "team site visit and interviews"),
    ("investigated", "investigation report"),
    ("reported", "violation report"),
    ("committee", "endorsed by the technical committee"),
    ("board", "endorsed by the board"),
]
STEP_WORDS = dict(VIOLATION_STEPS)


class Violation(models.Model):
    """An alleged violation of an agreement, from allegation to the board (CTSAMVM).

    "Verified" (the board endorsed the violation report) is kept apart from "approved for
    publication" (Ushahidi): one does not imply the other."""

    class Source(models.TextChoices):
        MISSION = "mission", "the monitoring mission"
        PARTY = "party", "a party"
        PUBLIC = "public", "the public"
        NGO = "ngo", "a non-governmental organisation"

    class Conclusion(models.TextChoices):
        VIOLATION = "violation", "violation by a named party"
        NOT_ATTRIBUTED = "not_attributed", "could not be attributed"
        NO_VIOLATION = "no_violation", "no violation found"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="violations")
    title = models.CharField(max_length=200)
    allegation = models.TextField()
    source = models.CharField(max_length=10, choices=Source.choices)
    alleged_party = models.CharField(max_length=12, blank=True)
    provision = models.ForeignKey(
        Provision, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    place = models.JSONField(null=True, blank=True)  # GeoJSON geometry
    place_name = models.CharField(max_length=200, blank=True)
    occurred_on = models.DateField(null=True, blank=True)
    step = models.CharField(max_length=14, default="allegation")
    report = models.JSONField(default=dict)  # the violation report's sections
    conclusion = models.CharField(max_length=16, choices=Conclusion.choices, blank=True)
    violating_party = models.CharField(max_length=12, blank=True)
    approved_for_publication = models.BooleanField(default=False)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("title", "allegation", "step", "conclusion", "label")
    ledger_scope = "agreement__process"

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def step_words(self) -> str:
        return STEP_WORDS.get(self.step, self.step)

    @property
    def verified(self) -> bool:
        return self.step == "board"


class ViolationStep(models.Model):
    """One act of the workflow: who took which step, when, with what note."""

    violation = models.ForeignKey(Violation, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=14)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.step} of {self.violation_id}"

    @property
    def step_words(self) -> str:
        return STEP_WORDS.get(self.step, self.step)


class Reminder(models.Model):
    """A reminder to a member of a party that must act: a deadline is near ("before") or
    passed ("after") without the commitment reported done. One per member, kind and deadline:
    a moved deadline reminds again."""

    class Kind(models.TextChoices):
        BEFORE = "before", "deadline near"
        AFTER = "after", "deadline passed"

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="reminders")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    deadline = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "member", "kind", "deadline"],
                name="implementation_reminder_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder of {self.commitment_id} for {self.member_id}"


# --- attachments ------------------------------------------------------------------------------
# Two small tables rather than one with two nullable keys: each has one parent, so its label
# path to that parent is a plain join the access door and the link registry can follow (a row
# with a null parent would drop out of a `parent__label__in` filter, and one kind = one path).
class Attachment(models.Model):
    """A file kept as evidence: stored once by SHA-256 (core.files), so anyone holding a copy
    can check it is the same file; labelled at least like what it is attached to."""

    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    note = models.CharField(max_length=500, blank=True)  # what it shows
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    added_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return self.name


class ReportAttachment(Attachment):
    """A file attached to a compliance report by its author."""

    report = models.ForeignKey(
        ComplianceReport, on_delete=models.CASCADE, related_name="attachments"
    )

    ledger_fields = ("report", "name", "content_type", "size", "sha256", "note", "label")
    ledger_scope = "report__commitment__agreement__process"

    class Meta(Attachment.Meta):
        pass

    @property
    def commitment_id(self) -> int:
        return self.report.commitment_id


class StepAttachment(Attachment):
    """A file attached to one step of a violation report (the team's photographs at the site
    visit, the investigation report, the committee's minutes…)."""

    step = models.ForeignKey(ViolationStep, on_delete=models.CASCADE, related_name="attachments")

    ledger_fields = ("step", "name", "content_type", "size", "sha256", "note", "label")
    ledger_scope = "step__violation__agreement__process"

    class Meta(Attachment.Meta):
        pass

    @property
    def violation_id(self) -> int:
        return self.step.violation_id
