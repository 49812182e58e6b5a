"""Reads of the implementation app's protected data, always through core.access.

An agreement, its anchors and provisions are read under the agreement's label. A commitment is
read when both its own label and its agreement's are readable; a report when its label and its
commitment's are; a score when its label and its agreement's are. Figures derived from scores
(rates, curves, heat maps) are computed from the scores the viewer may read only, and carry the
combination of their labels (the derived label).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accord.core import access
from accord.core.access import Viewer
from accord.core.errors import NotFound
from accord.core.labels import LabelValue, combine
from accord.core.queries import valid_id
from accord.implementation import recurrence
from accord.implementation.deadlines import add_offset
from accord.implementation.models import (
    PAM_SCALE,
    Agreement,
    AnchorEvent,
    Commitment,
    ComplianceReport,
    DeadlineProposal,
    Provision,
    ReportAttachment,
    Score,
    StepAttachment,
    ViolationStep,
)

SLIPPING_DAYS = 30  # a deadline within this many days and not reported done is slipping


def today() -> date:
    return timezone.localdate()


# --- agreements -------------------------------------------------------------------------------
def agreements(viewer: Viewer) -> QuerySet[Agreement]:
    """Agreements of the viewer's process whose label they may read."""
    if viewer.member is None:
        return Agreement.objects.none()
    qs = Agreement.objects.filter(process=viewer.process).select_related("label")
    return access.readable(qs, viewer)


def agreement(viewer: Viewer, agreement_id: int) -> Agreement:
    """One readable agreement, or 404 (unreadable ones do not exist for the viewer)."""
    obj = agreements(viewer).filter(pk=agreement_id).first() if valid_id(agreement_id) else None
    if obj is None:
        raise NotFound("agreement not found")
    return obj


def anchors(viewer: Viewer, a: Agreement) -> list[AnchorEvent]:
    agreement(viewer, a.pk)
    return list(a.anchors.all())


def anchor(viewer: Viewer, anchor_id: int) -> AnchorEvent:
    """One anchor event of a readable agreement of the viewer's process, or 404."""
    ev = (
        AnchorEvent.objects.filter(
            pk=anchor_id, agreement__in=agreements(viewer).values("pk")
        ).first()
        if valid_id(anchor_id)
        else None
    )
    if ev is None:
        raise NotFound("anchor event not found")
    return ev


def dated_anchors(viewer: Viewer) -> list[AnchorEvent]:
    """Anchor events that have happened, of the agreements the viewer may read (what other
    domains may count days from: "D+30"), with their agreement for its title and label."""
    return list(
        AnchorEvent.objects.filter(
            agreement__in=agreements(viewer).values("pk"), occurred_on__isnull=False
        )
        .select_related("agreement", "agreement__label")
        .order_by("agreement__title", "occurred_on", "pk")
    )


def anchor_dates(agreement_id: int) -> dict[int, date | None]:
    """Anchor event id → its date, of one agreement. A system read for reactions to an
    `implementation.anchor` event (other domains' times that follow an anchor): ids and dates
    only, nothing shown."""
    return dict(
        AnchorEvent.objects.filter(agreement_id=agreement_id).values_list("pk", "occurred_on")
    )


def provisions(viewer: Viewer, a: Agreement) -> QuerySet[Provision]:
    agreement(viewer, a.pk)
    return a.provisions.all()


def provision(viewer: Viewer, provision_id: int) -> Provision:
    """A provision of a readable agreement of the viewer's process, or 404."""
    obj = None
    if valid_id(provision_id) and viewer.member is not None:
        obj = (
            Provision.objects.filter(
                pk=provision_id,
                agreement__process=viewer.process,
                agreement__label__in=access.readable_label_ids(viewer),
            )
            .select_related("agreement__label")
            .first()
        )
    if obj is None:
        raise NotFound("provision not found")
    return obj


# --- commitments ------------------------------------------------------------------------------
@dataclass
class Standing:
    """Where a commitment stands today, in words and as a key for filters and colours."""

    key: str  # verified | reported | overdue | slipping | due | waiting | open
    words: str
    days: int | None = None  # days left (negative: overdue)
    next_due: date | None = None  # a recurring commitment's next due date


def standing(c: Commitment, on: date | None = None, slipping: int = SLIPPING_DAYS) -> Standing:
    """Verified beats reported; an unreported commitment past its deadline is overdue, within
    `slipping` days of it is slipping; one whose anchor has not happened is waiting."""
    on = on or today()
    rule = recurrence.rule_of(c.recurrence)
    if rule is not None and c.deadline is not None:
        return _recurring(c, rule, on, slipping)
    if c.verified_done_at:
        return Standing("verified", "verified done")
    if c.reported_done_at:
        return Standing("reported", "reported done, not yet verified")
    due = c.deadline
    if due is None:
        if c.anchor_id is not None:
            return Standing("waiting", f"waiting for {c.anchor.name.lower()}")
        return Standing("open", "no deadline")
    left = (due - on).days
    if left < 0:
        n = -left
        return Standing("overdue", f"overdue by {n} day{'s' if n != 1 else ''}", left)
    if left <= slipping:
        return Standing(
            "slipping", f"due in {left} day{'s' if left != 1 else ''}, not reported", left
        )
    return Standing("due", f"due in {left} days", left)


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _recurring(c: Commitment, rule: recurrence.Rule, on: date, slipping: int) -> Standing:
    """A recurring commitment: overdue while a past occurrence's report is missing, else
    counted towards its next due date (see recurrence)."""
    made = [
        timezone.localtime(r.created_at).date()
        for r in c.reports.all()
        if r.kind != ComplianceReport.Kind.NOT_VERIFIED
    ]
    o = recurrence.stand(c.deadline, rule, on - timedelta(days=1), made)
    if o.current is not None and not o.met:
        n = (on - o.current).days
        return Standing(
            "overdue",
            f"report overdue by {_days(n)}",
            -n,
            o.next_due,
        )
    if o.next_due is None:
        return Standing("reported", f"every report made ({rule.words})")
    left = (o.next_due - on).days
    due = f"{o.next_due.day} {o.next_due:%B %Y}"
    if o.next_met:
        return Standing("reported", f"the report due {due} is made", left, o.next_due)
    if left <= slipping:
        return Standing("slipping", f"next report due in {_days(left)}, not made", left, o.next_due)
    return Standing("due", f"next report due {due}", left, o.next_due)


def _commitment_qs(viewer: Viewer) -> QuerySet[Commitment]:
    if viewer.member is None:
        return Commitment.objects.none()
    ids = access.readable_label_ids(viewer)
    return Commitment.objects.filter(
        agreement__process=viewer.process, label__in=ids, agreement__label__in=ids
    ).select_related("anchor", "provision", "agreement", "label")


def commitments(
    viewer: Viewer,
    *,
    agreement_id: int | None = None,
    party: str | None = None,
    state: str | None = None,
    slipping: int = SLIPPING_DAYS,
    on: date | None = None,
) -> list[tuple[Commitment, Standing]]:
    """Readable commitments with where each stands, filtered by agreement, responsible party
    and standing (overdue, slipping, reported, verified, waiting, due, open)."""
    qs = _commitment_qs(viewer)
    if agreement_id is not None:
        qs = qs.filter(agreement_id=agreement_id) if valid_id(agreement_id) else qs.none()
    rows = [(c, standing(c, on, slipping)) for c in qs]
    if party:
        code = party.upper()
        rows = [(c, s) for c, s in rows if code in c.responsible]
    if state:
        rows = [(c, s) for c, s in rows if s.key == state]
    return rows


def commitment(viewer: Viewer, commitment_id: int) -> Commitment:
    """One readable commitment of the viewer's process, or 404."""
    obj = (
        _commitment_qs(viewer).filter(pk=commitment_id).first() if valid_id(commitment_id) else None
    )
    if obj is None:
        raise NotFound("commitment not found")
    return obj


def reports(viewer: Viewer, c: Commitment) -> QuerySet[ComplianceReport]:
    """Reports on a readable commitment whose own label the viewer may read."""
    commitment(viewer, c.pk)
    return access.readable(c.reports.all(), viewer).select_related("author__user", "label")


def report(viewer: Viewer, commitment_id: int, report_id: int) -> ComplianceReport:
    """One readable report on a readable commitment, or 404 (also when it is another's)."""
    c = commitment(viewer, commitment_id)
    obj = reports(viewer, c).filter(pk=report_id).first() if valid_id(report_id) else None
    if obj is None:
        raise NotFound("report not found")
    return obj


def report_attachments(viewer: Viewer, r: ComplianceReport) -> QuerySet[ReportAttachment]:
    """Files of a readable report that the viewer may read: their own label AND the report's,
    its commitment's and its agreement's (the label paths registered for the kind)."""
    report(viewer, r.commitment_id, r.pk)
    qs = ReportAttachment.objects.filter(report=r).select_related("label", "added_by__user")
    for path in ("label", "report__label", "report__commitment__label"):
        qs = access.readable(qs, viewer, path)
    return access.readable(qs, viewer, "report__commitment__agreement__label")


def attachments_by_report(viewer: Viewer, c: Commitment) -> dict[int, list[ReportAttachment]]:
    """The readable files of every readable report on a commitment, by report id."""
    out: dict[int, list[ReportAttachment]] = {}
    for r in reports(viewer, c):
        out[r.pk] = list(report_attachments(viewer, r))
    return out


def one_report_attachment(
    viewer: Viewer, commitment_id: int, report_id: int, attachment_id: int
) -> ReportAttachment:
    """One file of a report, or 404 whether it is missing, unreadable or of another report."""
    r = report(viewer, commitment_id, report_id)
    qs = report_attachments(viewer, r)
    obj = qs.filter(pk=attachment_id).first() if valid_id(attachment_id) else None
    if obj is None:
        raise NotFound("attachment not found")
    return obj


# --- proposals --------------------------------------------------------------------------------
def proposals(viewer: Viewer, a: Agreement, *, pending: bool = True) -> QuerySet[DeadlineProposal]:
    """Deadline phrases found in the agreement's text (pending ones: for a person to confirm)."""
    agreement(viewer, a.pk)
    qs = a.proposals.select_related("provision")
    return qs.filter(status=DeadlineProposal.Status.PENDING) if pending else qs


def proposal(viewer: Viewer, proposal_id: int) -> DeadlineProposal:
    obj = None
    if valid_id(proposal_id) and viewer.member is not None:
        obj = (
            DeadlineProposal.objects.filter(
                pk=proposal_id,
                agreement__process=viewer.process,
                agreement__label__in=access.readable_label_ids(viewer),
            )
            .select_related("agreement", "provision")
            .first()
        )
    if obj is None:
        raise NotFound("proposal not found")
    return obj


# --- scores and rates -------------------------------------------------------------------------
def scores(viewer: Viewer, a: Agreement) -> QuerySet[Score]:
    """Scores of a readable agreement whose own label the viewer may read."""
    agreement(viewer, a.pk)
    return access.readable(a.scores.all(), viewer).select_related("provision", "label")


def period_bounds(a: Agreement, period: int) -> tuple[date, date]:
    """Period n (1-based) runs from signature + (n-1)·length to the day before signature + n·length."""
    start = add_offset(a.signed_on, (period - 1) * a.period_months, "months")
    end = add_offset(a.signed_on, period * a.period_months, "months")
    return start, end


def period_name(a: Agreement, period: int) -> str:
    if a.period_months == 12:
        return f"Year {period}"
    return f"Period {period}"


def current_period(a: Agreement, on: date | None = None) -> int:
    """The period that contains `on` (at least 1)."""
    on = on or today()
    n = 1
    while period_bounds(a, n)[1] <= on and n < 1000:
        n += 1
    return n


@dataclass
class Rate:
    """An implementation rate: Σ scores / (3 × provisions scored) × 100 %."""

    key: str
    period: int
    total: int
    scored: int

    @property
    def percent(self) -> float | None:
        return round(self.total / (3 * self.scored) * 100, 1) if self.scored else None


@dataclass
class Rates:
    """Rates of one agreement from the scores the viewer may read, with their derived label."""

    agreement: Agreement
    periods: list[int]
    provisions: list[Provision]
    overall: list[Rate]
    by_theme: dict[str, list[Rate]]
    by_party: dict[str, list[Rate]]
    cells: dict[tuple[int, int], Score] = field(default_factory=dict)  # (provision, period)
    label: LabelValue | None = None
    total_provisions: int = 0

    def cell(self, provision_id: int, period: int) -> Score | None:
        return self.cells.get((provision_id, period))


def _rates(key: str, periods: list[int], rows: list[Score]) -> list[Rate]:
    out = []
    for p in periods:
        got = [s.score for s in rows if s.period == p]
        out.append(Rate(key, p, sum(got), len(got)))
    return out


def rates(viewer: Viewer, a: Agreement) -> Rates:
    """The aggregate rate per period, per theme and per responsible party (the parties that
    must act under a provision's readable commitments), from readable scores only."""
    provs = list(provisions(viewer, a))
    rows = list(scores(viewer, a))
    periods = sorted({s.period for s in rows})
    by_theme: dict[str, list[Score]] = {}
    for s in rows:
        for t in s.provision.themes:
            by_theme.setdefault(t, []).append(s)
    parties_of: dict[int, set[str]] = {}
    for c in _commitment_qs(viewer).filter(agreement=a):
        parties_of.setdefault(c.provision_id, set()).update(c.responsible)
    by_party: dict[str, list[Score]] = {}
    for s in rows:
        for code in parties_of.get(s.provision_id, ()):
            by_party.setdefault(code, []).append(s)
    labels = [a.label.value, *(s.label.value for s in rows)]
    return Rates(
        agreement=a,
        periods=periods,
        provisions=provs,
        overall=_rates("all", periods, rows),
        by_theme={t: _rates(t, periods, r) for t, r in sorted(by_theme.items())},
        by_party={p: _rates(p, periods, r) for p, r in sorted(by_party.items())},
        cells={(s.provision_id, s.period): s for s in rows},
        label=combine(labels),
        total_provisions=len(provs),
    )


def scale_words(score: int) -> str:
    return PAM_SCALE.get(score, "")


# --- violations -------------------------------------------------------------------------------
def violations(viewer: Viewer, *, agreement_id: int | None = None) -> QuerySet:
    """Violation reports whose label, and whose agreement's label, the viewer may read."""
    from accord.implementation.models import Violation

    if viewer.member is None:
        return Violation.objects.none()
    ids = access.readable_label_ids(viewer)
    qs = Violation.objects.filter(
        agreement__process=viewer.process, label__in=ids, agreement__label__in=ids
    ).select_related("agreement", "label", "provision", "created_by__user")
    if agreement_id is not None:
        qs = qs.filter(agreement_id=agreement_id) if valid_id(agreement_id) else qs.none()
    return qs


def violation(viewer: Viewer, violation_id: int):
    obj = violations(viewer).filter(pk=violation_id).first() if valid_id(violation_id) else None
    if obj is None:
        raise NotFound("violation report not found")
    return obj


def violation_steps(viewer: Viewer, v) -> QuerySet:
    """The acts of a readable violation report (they carry its label)."""
    violation(viewer, v.pk)
    return v.steps.select_related("actor__user")


def violation_step(viewer: Viewer, violation_id: int, step_id: int | None) -> ViolationStep:
    """One step of a readable violation report (None: its latest), or 404 (also when it is
    another report's)."""
    v = violation(viewer, violation_id)
    if step_id is None:
        obj = v.steps.last()
    else:
        obj = v.steps.filter(pk=step_id).first() if valid_id(step_id) else None
    if obj is None:
        raise NotFound("step not found")
    obj.violation = v
    return obj


def step_attachments(viewer: Viewer, v) -> QuerySet[StepAttachment]:
    """Files of the steps of a readable violation report that the viewer may read: their own
    label AND the report's and its agreement's."""
    violation(viewer, v.pk)
    qs = StepAttachment.objects.filter(step__violation=v).select_related(
        "label", "added_by__user", "step"
    )
    qs = access.readable(access.readable(qs, viewer), viewer, "step__violation__label")
    return access.readable(qs, viewer, "step__violation__agreement__label")


def one_step_attachment(viewer: Viewer, violation_id: int, attachment_id: int) -> StepAttachment:
    """One file of a violation report's step, or 404 (missing, unreadable or another's)."""
    v = violation(viewer, violation_id)
    qs = step_attachments(viewer, v)
    obj = qs.filter(pk=attachment_id).first() if valid_id(attachment_id) else None
    if obj is None:
        raise NotFound("attachment not found")
    return obj


def zones(viewer: Viewer, v) -> list:
    """The alignment zones the violation's place falls in or near, among those the viewer may
    read and in force on the day (alignment's public read door; none without a place)."""
    from accord.alignment import queries as alignment

    violation(viewer, v.pk)
    return alignment.zones_at(viewer, v.place, on=v.occurred_on)


def my_reminders(viewer: Viewer) -> list:
    """The viewer's own reminders about commitments they may still read and that are still
    not reported done."""
    from accord.implementation.models import Reminder

    if viewer.member is None:
        return []
    readable = set(_commitment_qs(viewer).values_list("pk", flat=True))
    rows = Reminder.objects.filter(member=viewer.member).select_related(
        "commitment__anchor", "commitment__agreement"
    )
    return [
        r
        for r in rows
        if r.commitment_id in readable
        and r.commitment.reported_done_at is None
        and r.commitment.deadline == r.deadline
    ]
