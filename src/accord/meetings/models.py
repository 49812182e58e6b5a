"""Tables of the meetings app: meetings, their agenda tree and attendance, minutes with
revisions, comments and corrigenda, per-member calendar feeds, and action items.

Everything a meeting holds is read under the meeting's label: a caucus of the mediator with one
party (label REL TO MED, KES) is invisible to the other parties, minutes, agenda, attendance,
action items and calendar entries included. A decision carries its own label besides: the
meeting's combined with the one chosen when it was proposed, so a proposal put to some parties
of a plenary may be hidden from the others.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accord.core.models import Label, Member, Party, Process

TITLE_MAX = 200
MINUTES_MAX = 100_000
COMMENT_MAX = 4_000
STATEMENT_MAX = 10_000


class Meeting(models.Model):
    """A meeting of the process: a plenary, a caucus, a bilateral… with its officers."""

    class Kind(models.TextChoices):
        PLENARY = "plenary", "Plenary"
        CAUCUS = "caucus", "Caucus"
        BILATERAL = "bilateral", "Bilateral"
        WORKING_GROUP = "working_group", "Working group"
        TECHNICAL_COMMITTEE = "technical_committee", "Technical committee"
        REVIEW = "review", "Review meeting"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64, default="UTC")
    place = models.CharField(max_length=200, blank=True)
    link = models.URLField(max_length=500, blank=True)
    chair = models.ForeignKey(Member, on_delete=models.RESTRICT, related_name="+")
    rapporteur = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    invited_parties = models.ManyToManyField(Party, blank=True, related_name="+")
    invited_members = models.ManyToManyField(Member, blank=True, related_name="+")
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sequence = models.PositiveIntegerField(default=0)  # iCal SEQUENCE: bumped on each edit

    ledger_fields = (
        "process",
        "kind",
        "title",
        "description",
        "starts_at",
        "ends_at",
        "time_zone",
        "place",
        "link",
        "chair",
        "rapporteur",
        "label",
    )
    ledger_scope = "process"

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["process", "starts_at"], name="meetings_proc_start")]

    def __str__(self) -> str:
        return self.title

    def officers(self) -> set[int]:
        """Member ids of the chair and the rapporteur (who take attendance, write minutes)."""
        return {i for i in (self.chair_id, self.rapporteur_id) if i}


class AgendaItem(models.Model):
    """One item of a meeting's agenda; items form a tree (sub-items under a parent)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True)
    duration_minutes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("meeting", "parent", "order", "title", "description", "duration_minutes")
    ledger_scope = "meeting__process"

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """Whether a member was present, represented by a proxy, or absent."""

    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        PROXY = "proxy", "Represented by proxy"
        ABSENT = "absent", "Absent"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    proxy = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("meeting", "member", "status", "proxy")
    ledger_scope = "meeting__process"

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once"),
        ]

    def __str__(self) -> str:
        return f"attendance {self.pk}"


class Minutes(models.Model):
    """The minutes of a whole meeting (item empty) or of one agenda item, or a corrigendum to
    final minutes (`corrects`). Status: draft → circulated for comment → final → locked."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        CIRCULATED = "circulated", "Circulated for comment"
        FINAL = "final", "Final"
        LOCKED = "locked", "Locked"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="minutes")
    item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.CASCADE, related_name="minutes"
    )
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="corrigenda"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    body = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=0)
    content_hash = models.CharField(max_length=71, blank=True)  # "sha256:" + hex, when final
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    circulated_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finalised_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)

    ledger_fields = ("meeting", "item", "corrects", "status", "body", "revision", "content_hash")
    ledger_scope = "meeting__process"

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "item"],
                condition=models.Q(corrects__isnull=True, item__isnull=False),
                name="minutes_item_once",
            ),
            models.UniqueConstraint(
                fields=["meeting"],
                condition=models.Q(corrects__isnull=True, item__isnull=True),
                name="minutes_meeting_once",
            ),
        ]

    def __str__(self) -> str:
        return f"minutes {self.pk}"

    @property
    def is_final(self) -> bool:
        return self.status in (self.Status.FINAL, self.Status.LOCKED)


class MinutesRevision(models.Model):
    """Every save of minutes: who, when, and the text as saved."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField(blank=True)
    author = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["minutes", "number"], name="minutes_revision_once"),
        ]

    def __str__(self) -> str:
        return f"revision {self.number} of minutes {self.minutes_id}"


class MinutesComment(models.Model):
    """A comment (or proposed wording) on circulated minutes by an attending party's member."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    wording = models.TextField(blank=True)  # proposed wording, if any
    revision = models.PositiveIntegerField(default=0)  # the revision commented on
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("minutes", "author", "text", "wording", "revision")
    ledger_scope = "minutes__meeting__process"

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"comment {self.pk}"


class CalendarFeed(models.Model):
    """A member's secret calendar feed URL. Only the SHA-256 of the token is kept; a new
    feed revokes the previous one, and a revoked feed answers 404."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)  # the first characters, to recognise it by
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"calendar feed {self.prefix}…"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class ActionItem(models.Model):
    """Something to do, decided in a meeting: an owner (a member or a party), a due date, a
    status; read under the meeting's label."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    minutes = models.ForeignKey(
        Minutes, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    text = models.CharField(max_length=500)
    owner_member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    owner_party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    ledger_fields = ("meeting", "minutes", "text", "owner_member", "due_date", "status")
    ledger_scope = "meeting__process"

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(owner_member__isnull=False, owner_party__isnull=True)
                | models.Q(owner_member__isnull=True, owner_party__isnull=False),
                name="action_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class ActionReminder(models.Model):
    """One reminder sent to one member about one action item (before or after its due date):
    stored once, so re-running the job never repeats it."""

    class Kind(models.TextChoices):
        BEFORE = "before", "Due soon"
        AFTER = "after", "Overdue"

    action = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="reminders")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["action", "member", "kind"], name="meetings_actionreminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder for {self.action_id}"


class Decision(models.Model):
    """A proposal put to the parties of a meeting under one explicit decision rule (computed by
    rules.py, never by the chair's arithmetic). Its label is the meeting's combined with the one
    chosen when it was proposed (never less restricted than its meeting); it is read, recorded,
    notified and exported under that label."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    title = models.CharField(max_length=TITLE_MAX)
    text = models.TextField()
    rule = models.CharField(max_length=20)
    threshold = models.CharField(max_length=12, default="1/2+")  # "1/2+" = more than half
    base = models.CharField(max_length=10, default="cast")
    quorum = models.PositiveSmallIntegerField(null=True, blank=True)
    opens_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField(null=True, blank=True)
    eligible = models.JSONField(default=dict)  # party code → weight (1 when not weighted)
    secret = models.BooleanField(default=False)  # who voted is known, not how
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=20, blank=True)
    arithmetic = models.TextField(blank=True)
    verdict = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # who closed it: empty when the decision clock closed a written procedure
    closed_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the outcome, recorded once closed: a statement in words and the date it is to be reviewed
    statement = models.TextField(blank=True)
    review_on = models.DateField(null=True, blank=True)
    review_reminded_at = models.DateTimeField(null=True, blank=True)

    ledger_fields = (
        "meeting",
        "title",
        "text",
        "rule",
        "threshold",
        "base",
        "quorum",
        "closes_at",
        "eligible",
        "secret",
        "label",
        "status",
        "outcome",
        "arithmetic",
        "closed_by",
        "statement",
        "review_on",
        "review_reminded_at",
    )
    ledger_scope = "meeting__process"

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class DecisionVote(models.Model):
    """A party's ballot, cast by a member holding the authority (head of delegation or
    negotiator), directly or as the holder of the party's proxy."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="votes")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    choice = models.CharField(max_length=10)
    cast_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    proxy_holder = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(blank=True)
    amendment = models.TextField(blank=True)
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "party"], name="decision_vote_once"),
        ]

    def __str__(self) -> str:
        return f"vote {self.pk}"


class DecisionNotice(models.Model):
    """One step of a decision's clock taken once: the silence procedure's or the capitals'
    outcome announced, a reminder to the capitals awaited, a notice to the chair."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="notices")
    step = models.CharField(max_length=20)  # outcome, reminder, chair_notice
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["decision", "step"], name="decision_notice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.step} of decision {self.decision_id}"


# --- disputes and concerns ----------------------------------------------------------------------
def default_ladder() -> list[dict]:
    """The JCPOA pattern (REFERENCE.md): joint commission 15 days → ministers 15 days (an
    advisory board's non-binding opinion in parallel) → commission 5 days on the opinion →
    referral to the guarantors (the last step has no clock)."""
    return [
        {"name": "Joint commission", "days": 15, "advisory": False},
        {"name": "Ministers of foreign affairs", "days": 15, "advisory": True},
        {"name": "Joint commission on the advisory opinion", "days": 5, "advisory": False},
        {"name": "Referral to the guarantors", "days": 0, "advisory": False},
    ]


def default_objectives() -> dict:
    """Response-time objectives for concerns, in hours, per severity."""
    return {
        "high": {"acknowledge": 24, "respond": 48},
        "medium": {"acknowledge": 48, "respond": 168},
        "low": {"acknowledge": 72, "respond": 336},
    }


class Procedures(models.Model):
    """A process's own rules of procedure: its dispute ladder and the response-time objectives
    of its concerns register (the defaults until the coordinator sets them)."""

    process = models.OneToOneField(Process, on_delete=models.CASCADE, related_name="procedures")
    ladder = models.JSONField(default=default_ladder)
    objectives = models.JSONField(default=default_objectives)
    updated_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("process", "ladder", "objectives")
    ledger_scope = "process"

    def __str__(self) -> str:
        return f"procedures of {self.process_id}"


class Dispute(models.Model):
    """A dispute raised by a party (against another party, or about a clause, decision or
    commitment), climbing the ladder copied from the process's procedures when it was raised;
    each step has a clock, and a step whose clock runs out escalates by itself."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        REFERRED = "referred", "Referred to the last step"
        RESOLVED = "resolved", "Resolved"
        WITHDRAWN = "withdrawn", "Withdrawn"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="disputes")
    title = models.CharField(max_length=TITLE_MAX)
    text = models.TextField()
    raised_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    raising_party = models.ForeignKey(Party, on_delete=models.RESTRICT, related_name="+")
    against_party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    ladder = models.JSONField(default=default_ladder)
    step = models.PositiveSmallIntegerField(default=0)
    step_started_at = models.DateTimeField(default=timezone.now)
    step_deadline = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    ledger_fields = (
        "process",
        "title",
        "text",
        "raising_party",
        "against_party",
        "label",
        "ladder",
        "step",
        "step_deadline",
        "status",
        "resolution",
    )
    ledger_scope = "process"

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "step_deadline"], name="dispute_clock")]

    def __str__(self) -> str:
        return self.title

    def party_codes(self) -> list[str]:
        """The parties to the dispute (whose consensus an extension needs)."""
        codes = [self.raising_party.code]
        if self.against_party_id:
            codes.append(self.against_party.code)
        return codes

    def step_name(self, index: int | None = None) -> str:
        i = self.step if index is None else index
        return self.ladder[i]["name"] if 0 <= i < len(self.ladder) else ""


class DisputeStep(models.Model):
    """One rung of a dispute's ladder as it was climbed: when it started, its deadline (moved
    by agreed extensions), and how it ended."""

    class End(models.TextChoices):
        CLOCK = "clock", "Escalated when its clock ran out"
        PARTY = "party", "Referred up by a party"
        RESOLVED = "resolved", "Resolved"
        WITHDRAWN = "withdrawn", "Withdrawn"

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=TITLE_MAX)
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True)
    extended_days = models.PositiveSmallIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_how = models.CharField(max_length=10, choices=End.choices, blank=True)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "index"], name="dispute_step_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.dispute_id})"


class DisputeSubmission(models.Model):
    """A written submission at one step: a statement, a response, evidence, a proposal, or the
    advisory board's opinion. Its label is the dispute's combined with the one chosen, so a
    submission may be confidential to the disputing parties and the mediators."""

    class Kind(models.TextChoices):
        STATEMENT = "statement", "Statement"
        RESPONSE = "response", "Response"
        EVIDENCE = "evidence", "Evidence"
        PROPOSAL = "proposal", "Proposal for settlement"
        OPINION = "opinion", "Advisory opinion"

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="submissions")
    step = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField()
    author = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.RESTRICT, related_name="+")
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("dispute", "step", "kind", "text", "party", "label")
    ledger_scope = "dispute__process"

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on dispute {self.dispute_id}"


class DisputeExtension(models.Model):
    """A proposed extension of the current step's clock; it takes effect when every party to
    the dispute has agreed (consensus of the disputing parties), before the clock runs out."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting agreement"
        AGREED = "agreed", "Agreed"
        LAPSED = "lapsed", "Lapsed"

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="extensions")
    step = models.PositiveSmallIntegerField()
    days = models.PositiveSmallIntegerField()
    reason = models.TextField(blank=True)
    proposed_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    agreed = models.JSONField(default=list)  # party codes that agreed
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"extension of {self.days} days ({self.dispute_id})"


class Concern(models.Model):
    """A concern raised by a member and addressed to a party, with response-time objectives set
    by the process per severity: mistrust addressed promptly, or escalated to the heads of
    delegation, and — in one step, keeping its history — made a dispute."""

    class About(models.TextChoices):
        PARTY = "party", "A party's conduct"
        CLAUSE = "clause", "A clause"
        STATEMENT = "statement", "A statement"
        INCIDENT = "incident", "An incident"
        DELAY = "delay", "A delay"
        OTHER = "other", "Something else"

    class Severity(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    class Status(models.TextChoices):
        OPEN = "open", "Awaiting acknowledgement"
        ACKNOWLEDGED = "acknowledged", "Acknowledged, awaiting response"
        RESPONDED = "responded", "Responded"
        CLOSED = "closed", "Closed"
        DISPUTE = "dispute", "Became a dispute"

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="concerns")
    title = models.CharField(max_length=TITLE_MAX)
    text = models.TextField()
    about = models.CharField(max_length=10, choices=About.choices)
    raised_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    raising_party = models.ForeignKey(Party, on_delete=models.RESTRICT, related_name="+")
    addressed_party = models.ForeignKey(Party, on_delete=models.RESTRICT, related_name="+")
    severity = models.CharField(max_length=8, choices=Severity.choices)
    label = models.ForeignKey(Label, on_delete=models.RESTRICT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    acknowledge_by = models.DateTimeField()
    respond_by = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    response = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    dispute = models.ForeignKey(
        Dispute, null=True, blank=True, on_delete=models.SET_NULL, related_name="concerns"
    )
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = (
        "process",
        "title",
        "text",
        "about",
        "raising_party",
        "addressed_party",
        "severity",
        "label",
        "status",
        "acknowledge_by",
        "respond_by",
        "response",
    )
    ledger_scope = "process"

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "respond_by"], name="concern_clock")]

    def __str__(self) -> str:
        return self.title

    def overdue(self, now) -> str:
        """'' when on time, else what is late: 'acknowledgement' or 'response'."""
        if self.status in (self.Status.OPEN, self.Status.ACKNOWLEDGED) and now > self.respond_by:
            return "response"
        if self.status == self.Status.OPEN and now > self.acknowledge_by:
            return "acknowledgement"
        return ""

    @classmethod
    def overdue_q(cls, now) -> models.Q:
        """The rule of `overdue`, as a query: the concerns for which it is not ''."""
        return models.Q(status=cls.Status.OPEN, acknowledge_by__lt=now) | models.Q(
            status__in=(cls.Status.OPEN, cls.Status.ACKNOWLEDGED), respond_by__lt=now
        )


# --- polls (consultation of opinion inside the body, after Loomio) ------------------------------
class Poll(models.Model):
    """A poll put to the members of a meeting to sound opinion (not a decision: decisions are
    taken by parties under a rule). Counted by rules.py; read under the meeting's label."""

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", "Proposal (agree, abstain, disagree, block)"
        CONSENT = "consent", "Consent (consent or objection)"
        CHOOSE_ONE = "choose_one", "Choose one"
        SCORE = "score", "Score (0 to 5)"
        RANKED = "ranked", "Ranked choice"
        DOT = "dot", "Dot vote"
        TIME = "time", "Time poll"

    class Method(models.TextChoices):
        IRV = "instant-runoff", "Instant runoff"
        SCHULZE = "schulze", "Schulze"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="polls")
    title = models.CharField(max_length=TITLE_MAX)
    details = models.TextField(blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    options = models.JSONField(default=list)
    method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    budget = models.PositiveSmallIntegerField(default=8)  # dots per voter
    closes_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)  # closed early by an officer
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("meeting", "title", "details", "kind", "options", "method", "closes_at")
    ledger_scope = "meeting__process"

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def is_open(self, now) -> bool:
        return self.closed_at is None and now < self.closes_at


class PollVote(models.Model):
    """One member's answer to a poll (changeable until it closes)."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    answer = models.JSONField()
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "member"], name="poll_vote_once"),
        ]

    def __str__(self) -> str:
        return f"answer to poll {self.poll_id}"


# --- speaking lists -----------------------------------------------------------------------------
class SpeakingAllowance(models.Model):
    """The speaking time one delegation has on one agenda item (OpenSlides' structure level);
    a party without an allowance has no limit. Read under the meeting's label."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="allowances")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    seconds = models.PositiveIntegerField()
    set_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    ledger_fields = ("item", "party", "seconds")
    ledger_scope = "item__meeting__process"

    class Meta:
        ordering = ["party__code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "party"], name="speaking_allowance_once"),
        ]

    def __str__(self) -> str:
        return f"allowance {self.pk}"


class Speech(models.Model):
    """A request for the floor on an agenda item, and the speech it becomes: waiting →
    speaking → done, or withdrawn while waiting. A point of order goes ahead of every waiting
    speech (after earlier points of order); `order` is the order of the requests."""

    class Kind(models.TextChoices):
        SPEECH = "speech", "Speech"
        POINT_OF_ORDER = "point_of_order", "Point of order"

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        SPEAKING = "speaking", "Speaking"
        DONE = "done", "Done"
        WITHDRAWN = "withdrawn", "Withdrawn"

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="speeches")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SPEECH)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    order = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    ledger_fields = ("item", "member", "party", "kind", "status", "started_at", "ended_at")
    ledger_scope = "item__meeting__process"

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "member"],
                condition=models.Q(status="waiting"),
                name="speech_waiting_once",
            ),
            models.UniqueConstraint(
                fields=["item"], condition=models.Q(status="speaking"), name="speech_one_speaker"
            ),
        ]

    def __str__(self) -> str:
        return f"speech {self.pk}"

    @property
    def is_point_of_order(self) -> bool:
        return self.kind == self.Kind.POINT_OF_ORDER
