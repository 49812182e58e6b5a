"""Every state change of the implementation app: check policy, write, record, publish after commit.

Validation happens before the first write, and each write shares one transaction with its
ledger entry, so a refused request changes nothing.

Who may do what:
- agreements, anchors, provisions, commitments and confirming deadline proposals: the pen
  holders of the text (coordinator and mediator, `Perm.HOLD_PEN`), who turned it into the
  agreement;
- compliance reports: members of a party responsible for the commitment, members of its
  verification body, and monitors (`Perm.FILE_REPORTS`);
- "verified done" (or "could not be verified"): members of the commitment's verification body
  only — reported is not verified;
- PAM scores: analysts (`Perm.ASSESS_CLAIMS`), monitors (`Perm.FILE_REPORTS`) and pen holders;
- files attached to a compliance report: its author; to a step of a violation report: whoever
  took the step, or whoever may take that step (the roles `STEP_PERMS` names for it).
"""

from __future__ import annotations

import re
from datetime import date

from django.db import transaction
from django.utils import timezone

from accord.core import access, events, files
from accord.core.access import Viewer
from accord.core.errors import Conflict, Forbidden, Invalid
from accord.core.labels import LabelValue, combine
from accord.core.roles import Perm
from accord.implementation import deadlines, queries
from accord.implementation.models import (
    PAM_TYPES,
    STEP_WORDS,
    VIOLATION_STEPS,
    Agreement,
    AnchorEvent,
    Commitment,
    ComplianceReport,
    DeadlineProposal,
    Provision,
    ReportAttachment,
    Score,
    StepAttachment,
    Violation,
    ViolationStep,
)
from accord.ledger.services import record

MANAGE = Perm.HOLD_PEN
SCORERS = (Perm.ASSESS_CLAIMS, Perm.FILE_REPORTS, Perm.HOLD_PEN)
STANDARD_ANCHORS = (
    ("signature", "Signature"),
    ("entry_into_force", "Entry into force"),
)
MAX_TEXT = 5000


def _publish(a: Agreement, kind: str, ids: dict[str, int], labels: list[int]) -> None:
    events.notify(a.process_id, f"implementation.{kind}", ids, labels)


def _text(value: str | None, what: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"{what} is required", {what.replace(" ", "_"): "required"})
    if len(value) > limit:
        raise Invalid(
            f"{what} is at most {limit} characters (this one has {len(value)})",
            {what.replace(" ", "_"): "too long"},
        )
    return value


def _date(value: date | str | None, what: str, *, required: bool = False) -> date | None:
    if value in (None, ""):
        if required:
            raise Invalid(f"{what} is required", {what.replace(" ", "_"): "required"})
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise Invalid(
            f"{what} must be a date like 2026-05-14 (got {value!r})",
            {what.replace(" ", "_"): "not a date"},
        ) from exc


def _parties(viewer: Viewer, codes: list[str] | None, what: str) -> list[str]:
    known = {c.upper() for c in viewer.process.parties.values_list("code", flat=True)}
    out = sorted({(c or "").strip().upper() for c in codes or [] if (c or "").strip()})
    unknown = [c for c in out if c not in known]
    if unknown:
        raise Invalid(
            f"{what} names parties that are not in this process: {', '.join(unknown)}",
            {what.replace(" ", "_"): "unknown party"},
        )
    return out


def _types(types: list[str] | None) -> list[str]:
    out = []
    for t in types or []:
        t = (t or "").strip().lower()
        if not t:
            continue
        if t not in PAM_TYPES:
            raise Invalid(
                f"{t!r} is not one of the 51 PAM provision types", {"types": "unknown type"}
            )
        if t not in out:
            out.append(t)
    return out


def _themes(themes: list[str] | None) -> list[str]:
    out = []
    for t in themes or []:
        t = " ".join((t or "").split())
        if t and len(t) > 60:
            raise Invalid("a theme is at most 60 characters", {"themes": "too long"})
        if t and t.lower() not in (x.lower() for x in out):
            out.append(t)
    return out


def _label(viewer: Viewer, label: LabelValue | None, default: LabelValue) -> LabelValue:
    label = label or default
    access.check_can_apply(viewer, label)
    return label


def _anchor_slug(name: str) -> str:
    key = deadlines.anchor_key(name)
    return re.sub(r"[^a-z0-9_]+", "_", key)[:60].strip("_") or "event"


# --- agreements -------------------------------------------------------------------------------
def _provision_rows(items: list[dict] | None) -> list[dict]:
    rows = []
    numbers = set()
    for i, p in enumerate(items or [], start=1):
        number = _text(str(p.get("number") or i), "provision number", limit=20)
        if number in numbers:
            raise Invalid(f"provision {number} is given twice", {"provisions": "duplicate"})
        numbers.add(number)
        rows.append(
            {
                "number": number,
                "heading": _text(p.get("heading"), "heading", required=False, limit=300),
                "text": _text(p.get("text"), f"the text of provision {number}"),
                "types": _types(p.get("types")),
                "themes": _themes(p.get("themes")),
            }
        )
    return rows


def _create(
    viewer: Viewer,
    *,
    title: str,
    summary: str,
    signed_on: date,
    in_force_on: date | None,
    signatories: list[str],
    label: LabelValue,
    provisions: list[dict],
    period_months: int,
    source: tuple[int, int, str] | None = None,
    propose: bool = False,
) -> Agreement:
    if in_force_on and in_force_on < signed_on:
        raise Invalid("entry into force cannot come before signature", {"in_force_on": "order"})
    if not 1 <= period_months <= 60:
        raise Invalid("a scoring period is 1 to 60 months", {"period_months": "out of range"})
    process = viewer.process
    with transaction.atomic():
        row = access.label_row(process, label)
        a = Agreement.objects.create(
            process=process,
            title=title,
            summary=summary,
            label=row,
            status=Agreement.Status.IN_FORCE if in_force_on else Agreement.Status.SIGNED,
            signed_on=signed_on,
            in_force_on=in_force_on,
            signatories=signatories,
            source_document=source[0] if source else None,
            source_version=source[1] if source else None,
            content_hash=source[2] if source else "",
            period_months=period_months,
            created_by=viewer.member,
        )
        AnchorEvent.objects.create(
            agreement=a, key="signature", name="Signature", occurred_on=signed_on
        )
        AnchorEvent.objects.create(
            agreement=a, key="entry_into_force", name="Entry into force", occurred_on=in_force_on
        )
        found = 0
        for order, p in enumerate(provisions, start=1):
            prov = Provision.objects.create(agreement=a, order=order, **p)
            if propose:
                for d in deadlines.extract(prov.text):
                    DeadlineProposal.objects.create(
                        provision=prov,
                        agreement=a,
                        phrase=d.phrase[:300],
                        start=d.start,
                        end=d.end,
                        sentence=d.sentence,
                        kind=d.kind,
                        anchor=d.anchor[:200],
                        anchor_key=d.anchor_key[:60],
                        amount=d.amount,
                        unit=d.unit,
                        date=d.date,
                    )
                    found += 1
        payload = {
            "title": title,
            "signed_on": signed_on.isoformat(),
            "signatories": signatories,
            "provisions": len(provisions),
        }
        if source:
            payload.update(document=source[0], version=source[1], content_hash=source[2])
            payload["proposals"] = found
        record(viewer.member, "implementation.agreement", a, payload)
    _publish(a, "agreement", {"agreement": a.pk}, [a.label_id])
    return a


def create_agreement(
    viewer: Viewer,
    *,
    title: str,
    signed_on: date | str,
    in_force_on: date | str | None = None,
    signatories: list[str] | None = None,
    summary: str = "",
    label: LabelValue | None = None,
    provisions: list[dict] | None = None,
    period_months: int = 12,
) -> Agreement:
    """Enter an agreement by hand (one not negotiated in Accord): signature, entry into force,
    signatories and its provisions with their PAM types and themes."""
    access.require(viewer, MANAGE)
    return _create(
        viewer,
        title=_text(title, "title", limit=200),
        summary=_text(summary, "summary", required=False),
        signed_on=_date(signed_on, "signing date", required=True),
        in_force_on=_date(in_force_on, "entry into force"),
        signatories=_parties(viewer, signatories, "signatories"),
        label=_label(viewer, label, LabelValue.of(0)),
        provisions=_provision_rows(provisions),
        period_months=period_months,
    )


def create_from_text(
    viewer: Viewer,
    *,
    document_id: int,
    version: int | None = None,
    title: str = "",
    in_force_on: date | str | None = None,
    period_months: int = 12,
) -> Agreement:
    """Make the agreement from a signed version of a negotiating text, read through
    negotiation's public queries only: its clauses become the provisions, the content hash all
    signatures bind becomes the agreement's, and deadline phrases in the clauses are listed as
    proposals for a person to confirm (no commitment is created here)."""
    from accord.negotiation import queries as negotiation

    access.require(viewer, MANAGE)
    doc = negotiation.document(viewer, document_id)
    view = negotiation.text(viewer, doc, version)
    sigs = [s for s in view.signatures if s.content_hash == view.content_hash]
    if not sigs:
        raise Conflict(
            f"version {view.version.number} of “{doc.title}” is not signed; an agreement is made "
            "from a signed version",
            {"version": "not signed"},
        )
    if view.version.content_hash != view.content_hash:
        raise Conflict("the stored text does not match its recorded hash; verify the ledger")
    if Agreement.objects.filter(process=viewer.process, content_hash=view.content_hash).exists():
        raise Conflict("an agreement was already made from this signed text", {"version": "used"})
    rows = []
    for art in view.articles:
        for c in art.clauses:
            rows.append(
                {
                    "number": c.number,
                    "heading": art.heading[:300],
                    "text": c.text,
                    "types": [],
                    "themes": [],
                }
            )
    signed_on = max(s.signed_at for s in sigs)
    return _create(
        viewer,
        title=_text(title or doc.title, "title", limit=200),
        summary="",
        signed_on=timezone.localtime(signed_on).date(),
        in_force_on=_date(in_force_on, "entry into force"),
        signatories=sorted({s.party.code.upper() for s in sigs}),
        label=doc.label.value,
        provisions=rows,
        period_months=period_months,
        source=(doc.pk, view.version.number, view.content_hash),
        propose=True,
    )


def set_status(viewer: Viewer, a: Agreement, status: str) -> Agreement:
    """Suspend, terminate or restore an agreement (entry into force is set by its anchor)."""
    access.require(viewer, MANAGE)
    a = queries.agreement(viewer, a.pk)
    if status not in Agreement.Status.values:
        raise Invalid(f"unknown status {status!r}", {"status": "unknown"})
    if status == Agreement.Status.IN_FORCE and a.in_force_on is None:
        raise Conflict("set the date of entry into force first", {"status": "no entry into force"})
    with transaction.atomic():
        a.status = status
        a.save(update_fields=["status"])
        record(viewer.member, "implementation.status", a, {"status": status})
    _publish(a, "agreement", {"agreement": a.pk}, [a.label_id])
    return a


def add_anchor(
    viewer: Viewer, a: Agreement, *, name: str, occurred_on: date | str | None = None
) -> AnchorEvent:
    """Name a new event deadlines may hang on (e.g. the transfer of authority)."""
    access.require(viewer, MANAGE)
    a = queries.agreement(viewer, a.pk)
    name = _text(name, "event name", limit=120)
    key = _anchor_slug(name)
    when = _date(occurred_on, "event date")
    if a.anchors.filter(key=key).exists():
        raise Conflict(f"the agreement already has the event “{name}”", {"name": "duplicate"})
    with transaction.atomic():
        ev = AnchorEvent.objects.create(agreement=a, key=key, name=name, occurred_on=when)
        record(
            viewer.member,
            "implementation.anchor",
            ("implementation.agreement", str(a.pk)),
            {"key": key, "name": name, "occurred_on": when.isoformat() if when else None},
            a.label,
            process=a.process,
        )
    _publish(a, "anchor", {"agreement": a.pk}, [a.label_id])
    return ev


def set_anchor_date(
    viewer: Viewer, a: Agreement, key: str, occurred_on: date | str | None
) -> AnchorEvent:
    """Record when an anchor event happened (or clear it): every deadline hanging on it moves,
    because deadlines are computed from the anchor, never copied."""
    access.require(viewer, MANAGE)
    a = queries.agreement(viewer, a.pk)
    ev = a.anchors.filter(key=key).first()
    if ev is None:
        raise Invalid(f"the agreement has no event {key!r}", {"anchor": "unknown event"})
    when = _date(occurred_on, "event date")
    if key == "signature" and when is None:
        raise Invalid("an agreement keeps its signing date", {"occurred_on": "required"})
    if key == "entry_into_force" and when is not None and when < a.signed_on:
        raise Invalid("entry into force cannot come before signature", {"occurred_on": "order"})
    with transaction.atomic():
        ev.occurred_on = when
        ev.save(update_fields=["occurred_on"])
        fields = []
        if key == "signature":
            a.signed_on, fields = when, ["signed_on"]
        elif key == "entry_into_force":
            a.in_force_on = when
            fields = ["in_force_on"]
            if when and a.status == Agreement.Status.SIGNED:
                a.status = Agreement.Status.IN_FORCE
                fields.append("status")
            if when is None and a.status == Agreement.Status.IN_FORCE:
                a.status = Agreement.Status.SIGNED
                fields.append("status")
        if fields:
            a.save(update_fields=fields)
        record(
            viewer.member,
            "implementation.anchor_date",
            ("implementation.agreement", str(a.pk)),
            {"key": key, "occurred_on": when.isoformat() if when else None},
            a.label,
            process=a.process,
        )
    _publish(a, "anchor", {"agreement": a.pk}, [a.label_id])
    return ev


def add_provision(
    viewer: Viewer,
    a: Agreement,
    *,
    number: str,
    text: str,
    heading: str = "",
    types: list[str] | None = None,
    themes: list[str] | None = None,
) -> Provision:
    access.require(viewer, MANAGE)
    a = queries.agreement(viewer, a.pk)
    (row,) = _provision_rows(
        [{"number": number, "text": text, "heading": heading, "types": types, "themes": themes}]
    )
    if a.provisions.filter(number=row["number"]).exists():
        raise Conflict(f"provision {row['number']} already exists", {"number": "duplicate"})
    order = (a.provisions.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    with transaction.atomic():
        p = Provision.objects.create(agreement=a, order=order, **row)
        record(
            viewer.member,
            "implementation.provision",
            ("implementation.agreement", str(a.pk)),
            {"provision": p.pk, "number": p.number, "types": p.types, "themes": p.themes},
            a.label,
            process=a.process,
        )
    _publish(a, "provision", {"agreement": a.pk}, [a.label_id])
    return p


def tag_provision(
    viewer: Viewer, p: Provision, *, types: list[str], themes: list[str]
) -> Provision:
    """Set a provision's PAM provision types and themes."""
    access.require(viewer, MANAGE)
    p = queries.provision(viewer, p.pk)
    types, themes = _types(types), _themes(themes)
    a = p.agreement
    with transaction.atomic():
        p.types, p.themes = types, themes
        p.save(update_fields=["types", "themes"])
        record(
            viewer.member,
            "implementation.tag",
            ("implementation.agreement", str(a.pk)),
            {"provision": p.pk, "types": types, "themes": themes},
            a.label,
            process=a.process,
        )
    _publish(a, "provision", {"agreement": a.pk}, [a.label_id])
    return p


# --- commitments ------------------------------------------------------------------------------
def _deadline(a: Agreement, anchor: str | None, amount, unit: str | None, due_date) -> tuple:
    if anchor and due_date:
        raise Invalid(
            "a deadline is an anchor event + an offset, or a date, not both", {"deadline": "both"}
        )
    if anchor:
        ev = a.anchors.filter(key=anchor).first()
        if ev is None:
            known = ", ".join(a.anchors.values_list("key", flat=True))
            raise Invalid(
                f"the deadline is anchored on an unknown event {anchor!r} (this agreement has: {known}); "
                "add the event first",
                {"anchor": "unknown event"},
            )
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= 100_000:
            raise Invalid(
                "the offset is a whole number of days, weeks, months or years",
                {"amount": "invalid"},
            )
        if unit not in Commitment.Unit.values:
            raise Invalid(
                f"the offset unit is days, weeks, months or years (got {unit!r})",
                {"unit": "unknown"},
            )
        return ev, amount, unit, None
    if amount is not None or unit:
        raise Invalid("an offset needs the anchor event it counts from", {"anchor": "required"})
    return None, None, "", _date(due_date, "deadline")


def add_commitment(
    viewer: Viewer,
    p: Provision,
    *,
    what: str,
    responsible: list[str] | None = None,
    body: str = "",
    anchor: str | None = None,
    amount: int | None = None,
    unit: str | None = None,
    due_date: date | str | None = None,
    recurrence: str = "",
    verification_body: str = "",
    evidence_expected: str = "",
    label: LabelValue | None = None,
    source_phrase: str = "",
) -> Commitment:
    """A commitment under a provision: who must do what by when (anchor + offset or a date),
    who verifies it and on what evidence."""
    access.require(viewer, MANAGE)
    p = queries.provision(viewer, p.pk)
    a = p.agreement
    what = _text(what, "what", limit=500)
    responsible = _parties(viewer, responsible, "responsible parties")
    body = _text(body, "body", required=False, limit=200)
    if not responsible and not body:
        raise Invalid(
            "a commitment names the parties or the body that must act", {"responsible": "required"}
        )
    ev, amount, unit, due = _deadline(a, anchor, amount, unit, due_date)
    vb = _parties(viewer, [verification_body] if verification_body else [], "verification body")
    label = _label(viewer, label, a.label.value)
    with transaction.atomic():
        c = Commitment.objects.create(
            provision=p,
            agreement=a,
            what=what,
            responsible=responsible,
            body=body,
            anchor=ev,
            amount=amount,
            unit=unit,
            due_date=due,
            recurrence=_recurrence(recurrence),
            verification_body=vb[0] if vb else "",
            evidence_expected=_text(evidence_expected, "evidence expected", required=False),
            source_phrase=source_phrase[:300],
            label=access.label_row(a.process, label),
            created_by=viewer.member,
        )
        record(
            viewer.member,
            "implementation.commitment",
            c,
            {"provision": p.pk, "anchor": ev.key if ev else None},
            refs=[a],
        )
    _publish(a, "commitment", {"commitment": c.pk}, [c.label_id, a.label_id])
    return c


def confirm_proposal(
    viewer: Viewer,
    prop: DeadlineProposal,
    *,
    what: str,
    responsible: list[str] | None = None,
    body: str = "",
    anchor: str | None = None,
    anchor_name: str = "",
    verification_body: str = "",
    evidence_expected: str = "",
    label: LabelValue | None = None,
) -> Commitment:
    """A person confirms a deadline found in the text as a commitment. A relative deadline
    hangs on `anchor` (an existing event key) or, when the person names it, on a new event
    `anchor_name` (added with the commitment, as they asked); nothing happens unasked."""
    access.require(viewer, MANAGE)
    prop = queries.proposal(viewer, prop.pk)
    if prop.status != DeadlineProposal.Status.PENDING:
        raise Conflict(
            f"this proposal is already {prop.get_status_display()}", {"proposal": prop.status}
        )
    a = prop.agreement
    with transaction.atomic():
        if prop.kind == "relative":
            key = anchor or prop.anchor_key
            if anchor_name.strip():
                key = _anchor_slug(anchor_name)
                if not a.anchors.filter(key=key).exists():
                    add_anchor(viewer, a, name=anchor_name)
            c = add_commitment(
                viewer,
                prop.provision,
                what=what,
                responsible=responsible,
                body=body,
                anchor=key,
                amount=prop.amount,
                unit=prop.unit,
                verification_body=verification_body,
                evidence_expected=evidence_expected,
                label=label,
                source_phrase=prop.phrase,
            )
        else:
            c = add_commitment(
                viewer,
                prop.provision,
                what=what,
                responsible=responsible,
                body=body,
                due_date=prop.date,
                verification_body=verification_body,
                evidence_expected=evidence_expected,
                label=label,
                source_phrase=prop.phrase,
            )
        prop.status, prop.commitment = DeadlineProposal.Status.CONFIRMED, c
        prop.save(update_fields=["status", "commitment"])
        record(
            viewer.member,
            "implementation.confirm",
            ("implementation.agreement", str(a.pk)),
            {"proposal": prop.pk, "phrase": prop.phrase},
            a.label,
            process=a.process,
        )
    return c


def dismiss_proposal(viewer: Viewer, prop: DeadlineProposal) -> DeadlineProposal:
    access.require(viewer, MANAGE)
    prop = queries.proposal(viewer, prop.pk)
    if prop.status != DeadlineProposal.Status.PENDING:
        raise Conflict(
            f"this proposal is already {prop.get_status_display()}", {"proposal": prop.status}
        )
    a = prop.agreement
    with transaction.atomic():
        prop.status = DeadlineProposal.Status.DISMISSED
        prop.save(update_fields=["status"])
        record(
            viewer.member,
            "implementation.dismiss",
            ("implementation.agreement", str(a.pk)),
            {"proposal": prop.pk, "phrase": prop.phrase},
            a.label,
            process=a.process,
        )
    return prop


# --- reports ----------------------------------------------------------------------------------
def may_report(viewer: Viewer, c: Commitment) -> bool:
    """A responsible party, the verification body, or a monitor."""
    if viewer.member is None:
        return False
    code = viewer.party_code
    return code in c.responsible or code == c.verification_body or viewer.can(Perm.FILE_REPORTS)


def may_verify(viewer: Viewer, c: Commitment) -> bool:
    return (
        viewer.member is not None
        and bool(c.verification_body)
        and viewer.party_code == c.verification_body
    )


def report(
    viewer: Viewer,
    c: Commitment,
    *,
    kind: str = "progress",
    text: str,
    evidence: str = "",
    label: LabelValue | None = None,
) -> ComplianceReport:
    """A party or monitor reports progress on a commitment ("progress") or that it is done
    ("done": the commitment becomes *reported* done — not verified)."""
    c = queries.commitment(viewer, c.pk)
    if kind not in (ComplianceReport.Kind.PROGRESS, ComplianceReport.Kind.DONE):
        raise Invalid(
            "a compliance report is progress or done (verification is the verification body's act)",
            {"kind": "invalid"},
        )
    if not may_report(viewer, c):
        raise Forbidden(
            "only a party responsible for this commitment, its verification body or a monitor "
            "may report on it"
        )
    text = _text(text, "report text")
    evidence = _text(evidence, "evidence", required=kind == ComplianceReport.Kind.DONE)
    label = _label(viewer, label, c.label.value)
    if kind == ComplianceReport.Kind.DONE and c.reported_done_at:
        raise Conflict("this commitment is already reported done", {"kind": "already reported"})
    with transaction.atomic():
        r = ComplianceReport.objects.create(
            commitment=c,
            kind=kind,
            text=text,
            evidence=evidence,
            author=viewer.member,
            party=viewer.party_code or "",
            label=access.label_row(c.agreement.process, label),
        )
        if kind == ComplianceReport.Kind.DONE:
            c.reported_done_at, c.reported_done_by = timezone.now(), viewer.member
            c.save(update_fields=["reported_done_at", "reported_done_by"])
        record(viewer.member, "implementation.report", r, {"kind": kind}, refs=[c])
    _publish(
        c.agreement, "report", {"commitment": c.pk}, [r.label_id, c.label_id, c.agreement.label_id]
    )
    return r


def verify(
    viewer: Viewer,
    c: Commitment,
    *,
    verified: bool,
    text: str,
    evidence: str,
) -> ComplianceReport:
    """The verification body's finding: verified done, or could not be verified (which
    leaves "reported done" as it was). Only members of the verification body may act."""
    c = queries.commitment(viewer, c.pk)
    if not may_verify(viewer, c):
        who = c.verification_body or "no verification body"
        raise Forbidden(f"only the verification body ({who}) may verify this commitment")
    if c.verified_done_at:
        raise Conflict("this commitment is already verified done", {"verified": "already"})
    text = _text(text, "finding")
    evidence = _text(evidence, "evidence")
    kind = ComplianceReport.Kind.VERIFIED if verified else ComplianceReport.Kind.NOT_VERIFIED
    with transaction.atomic():
        r = ComplianceReport.objects.create(
            commitment=c,
            kind=kind,
            text=text,
            evidence=evidence,
            author=viewer.member,
            party=viewer.party_code or "",
            label=c.label,
        )
        if verified:
            c.verified_done_at, c.verified_done_by = timezone.now(), viewer.member
            c.save(update_fields=["verified_done_at", "verified_done_by"])
        record(viewer.member, "implementation.verify", r, {"kind": kind}, refs=[c])
    _publish(c.agreement, "report", {"commitment": c.pk}, [c.label_id, c.agreement.label_id])
    return r


# --- scores -----------------------------------------------------------------------------------
def score(
    viewer: Viewer,
    p: Provision,
    *,
    period: int,
    value: int,
    evidence: str,
    label: LabelValue | None = None,
) -> Score:
    """Score a provision 0–3 for a period (PAM), with the evidence; scoring again the same
    period replaces the score (the ledger keeps every one)."""
    if not any(viewer.can(perm) for perm in SCORERS):
        access.require(viewer, Perm.ASSESS_CLAIMS)
    p = queries.provision(viewer, p.pk)
    a = p.agreement
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3:
        raise Invalid(
            f"a PAM score is 0 (not initiated), 1 (minimal), 2 (intermediate) or 3 (full); got {value!r}",
            {"score": "out of range"},
        )
    if isinstance(period, bool) or not isinstance(period, int) or period < 1:
        raise Invalid("the period is 1 (the first after signing) or later", {"period": "invalid"})
    if period > queries.current_period(a):
        raise Invalid(
            f"{queries.period_name(a, period).lower()} has not begun yet", {"period": "future"}
        )
    evidence = _text(evidence, "evidence")
    label = _label(viewer, label, a.label.value)
    with transaction.atomic():
        existing = Score.objects.select_for_update().filter(provision=p, period=period).first()
        if existing is not None and not access.can_read(viewer, existing.label.value):
            # the same cell scored under a label the viewer cannot read: refuse without saying
            raise Conflict(
                "this provision cannot be scored for that period by you", {"period": "taken"}
            )
        row = access.label_row(a.process, label)
        if existing is None:
            s = Score.objects.create(
                provision=p,
                agreement=a,
                period=period,
                score=value,
                evidence=evidence,
                label=row,
                scored_by=viewer.member,
            )
        else:
            s = existing
            s.score, s.evidence, s.label, s.scored_by, s.scored_at = (
                value,
                evidence,
                row,
                viewer.member,
                timezone.now(),
            )
            s.save()
        record(
            viewer.member, "implementation.score", s, {"period": period, "score": value}, refs=[a]
        )
    _publish(a, "score", {"agreement": a.pk}, [s.label_id, a.label_id])
    return s


# --- violation reports (CTSAMVM) --------------------------------------------------------------
# who may take each step: the chair tasks and the technical committee endorses (RUN_MEETINGS:
# coordinator and mediator), the mission's teams visit, investigate and write the violation
# report (FILE_REPORTS: monitors), the board endorses (MANAGE_PROCESS: the coordinator).
STEP_PERMS: dict[str, Perm] = {
    "tasked": Perm.RUN_MEETINGS,
    "visited": Perm.FILE_REPORTS,
    "investigated": Perm.FILE_REPORTS,
    "reported": Perm.FILE_REPORTS,
    "committee": Perm.RUN_MEETINGS,
    "board": Perm.MANAGE_PROCESS,
}
REPORT_SECTIONS = ("background", "aim", "methodology", "findings", "recommendations")
ASSESSMENT = {"happened": ("yes", "no", "unclear"), "ordered": ("yes", "no", "unknown")}


def _place(place: dict | None) -> dict | None:
    """A GeoJSON Point (longitude, latitude) or Polygon, checked for range and shape."""
    if place in (None, {}):
        return None
    if not isinstance(place, dict) or place.get("type") not in ("Point", "Polygon"):
        raise Invalid("the place is a GeoJSON Point or Polygon", {"place": "not GeoJSON"})
    coords = place.get("coordinates")
    points = [coords] if place["type"] == "Point" else [p for ring in coords or [] for p in ring]
    try:
        ok = bool(points) and all(
            len(p) == 2 and -180 <= float(p[0]) <= 180 and -90 <= float(p[1]) <= 90 for p in points
        )
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise Invalid(
            "the place's coordinates must be [longitude, latitude] within range",
            {"place": "out of range"},
        )
    return {"type": place["type"], "coordinates": coords}


def allege(
    viewer: Viewer,
    a: Agreement,
    *,
    title: str,
    allegation: str,
    source: str,
    alleged_party: str = "",
    provision_id: int | None = None,
    place: dict | None = None,
    place_name: str = "",
    occurred_on: date | str | None = None,
    label: LabelValue | None = None,
) -> Violation:
    """Record an allegation of a violation (any member; from the mission, a party, the public
    or an NGO) — the first step of the workflow."""
    if viewer.member is None:
        raise Forbidden("only members may record an allegation")
    a = queries.agreement(viewer, a.pk)
    title = _text(title, "title", limit=200)
    allegation = _text(allegation, "allegation")
    if source not in Violation.Source.values:
        raise Invalid(
            "the source is the mission, a party, the public or an NGO", {"source": "unknown"}
        )
    party = _parties(viewer, [alleged_party] if alleged_party else [], "alleged party")
    prov = None
    if provision_id is not None:
        prov = a.provisions.filter(pk=provision_id).first()
        if prov is None:
            raise Invalid("the provision is not part of this agreement", {"provision": "other"})
    when = _date(occurred_on, "date of the incident")
    geo = _place(place)
    label = _label(viewer, label, a.label.value)
    with transaction.atomic():
        v = Violation.objects.create(
            agreement=a,
            title=title,
            allegation=allegation,
            source=source,
            alleged_party=party[0] if party else "",
            provision=prov,
            place=geo,
            place_name=_text(place_name, "place name", required=False, limit=200),
            occurred_on=when,
            label=access.label_row(a.process, label),
            created_by=viewer.member,
        )
        ViolationStep.objects.create(violation=v, step="allegation", actor=viewer.member)
        record(viewer.member, "implementation.allegation", v, {"source": source}, refs=[a])
    _publish(a, "violation", {"violation": v.pk}, [v.label_id, a.label_id])
    return v


def advance(viewer: Viewer, v, step: str, *, note: str = "", report: dict | None = None):
    """Take the next step of the workflow. A step out of order is refused (409); a step the
    viewer's roles do not allow is refused (403); the violation report needs every section and
    a conclusion naming the party and the quoted article, or "could not be attributed"."""
    v = queries.violation(viewer, v.pk)
    order = [s for s, _ in VIOLATION_STEPS]
    if step not in STEP_PERMS:
        raise Invalid(f"unknown step {step!r}", {"step": "unknown"})
    expected = order[order.index(v.step) + 1] if v.step != order[-1] else None
    if step != expected:
        now = STEP_WORDS[v.step]
        nxt = f"the next step is {STEP_WORDS[expected]}" if expected else "the workflow is complete"
        raise Conflict(f"this report is at “{now}”: {nxt}", {"step": "out of order"})
    access.require(viewer, STEP_PERMS[step])
    note = _text(note, "note", required=False)
    fields: dict = {}
    if step == "reported":
        fields = _violation_report(viewer, v, report or {})
    with transaction.atomic():
        v.step = step
        update = ["step"]
        if fields:
            v.report = fields["report"]
            v.conclusion = fields["conclusion"]
            v.violating_party = fields["violating_party"]
            update += ["report", "conclusion", "violating_party"]
        v.save(update_fields=update)
        ViolationStep.objects.create(violation=v, step=step, note=note, actor=viewer.member)
        record(
            viewer.member,
            f"implementation.violation_{step}",
            v,
            {"step": step, **({"conclusion": v.conclusion} if fields else {})},
        )
    _publish(v.agreement, "violation", {"violation": v.pk}, [v.label_id, v.agreement.label_id])
    return v


def _violation_report(viewer: Viewer, v, data: dict) -> dict:
    report = {k: _text(data.get(k), k) for k in REPORT_SECTIONS}
    for key, allowed in ASSESSMENT.items():
        value = (data.get(key) or "").strip().lower()
        if value not in allowed:
            raise Invalid(
                f"the assessment “{key}” is one of: {', '.join(allowed)}", {key: "invalid"}
            )
        report[key] = value
    conclusion = (data.get("conclusion") or "").strip()
    if conclusion not in Violation.Conclusion.values:
        raise Invalid(
            "the conclusion is a violation by a named party, could not be attributed, or no "
            "violation",
            {"conclusion": "invalid"},
        )
    party = ""
    if conclusion == Violation.Conclusion.VIOLATION:
        named = _parties(viewer, [data.get("violating_party") or ""], "violating party")
        if not named:
            raise Invalid(
                "a violation names the party that committed it", {"violating_party": "required"}
            )
        party = named[0]
        report["article"] = _text(data.get("article"), "article", limit=500)
    return {"report": report, "conclusion": conclusion, "violating_party": party}


def approve_publication(viewer: Viewer, v, approved: bool = True):
    """Approve (or withdraw) a violation report for publication — apart from whether it is
    verified: an unverified report can be published as such, a verified one kept back."""
    access.require(viewer, Perm.MANAGE_PROCESS)
    v = queries.violation(viewer, v.pk)
    with transaction.atomic():
        v.approved_for_publication = bool(approved)
        v.save(update_fields=["approved_for_publication"])
        record(
            viewer.member, "implementation.violation_publication", v, {"approved": bool(approved)}
        )
    _publish(v.agreement, "violation", {"violation": v.pk}, [v.label_id, v.agreement.label_id])
    return v


# --- reminders --------------------------------------------------------------------------------
REMIND_BEFORE_DAYS = 7
REMINDER_ACTOR = "implementation reminders"


def _recipients(c: Commitment) -> list:
    """Active members of the parties that must act (or, for a body, of the verification body)
    who may read the commitment."""
    from accord.core.models import Member

    codes = c.responsible or ([c.verification_body] if c.verification_body else [])
    members = Member.objects.filter(
        process_id=c.agreement.process_id, active=True, party__code__in=codes
    ).select_related("party", "process")
    labels = [c.label.value, c.agreement.label.value]
    out = []
    for m in members:
        reader = access.reader_of(m.process, m, m.party.code, m.clearance, m.caveats)
        if all(access.can_read(reader, lab) for lab in labels):
            out.append(m)
    return out


def send_reminders(on: date | None = None, before_days: int = REMIND_BEFORE_DAYS) -> int:
    """Remind the members who must act of deadlines within `before_days` and of deadlines
    passed, for commitments not reported done (the periodic job calls this daily). Each
    reminder is sent once per member, kind and deadline; returns how many were sent."""
    from accord.implementation.models import Reminder

    on = on or queries.today()
    sent = 0
    rows = Commitment.objects.filter(
        reported_done_at__isnull=True, verified_done_at__isnull=True
    ).select_related("anchor", "agreement__label", "agreement__process", "label")
    for c in rows:
        due = c.deadline
        if due is None:
            continue
        left = (due - on).days
        if left < 0:
            kind = Reminder.Kind.AFTER
        elif left <= before_days:
            kind = Reminder.Kind.BEFORE
        else:
            continue
        new = []
        for m in _recipients(c):
            if not Reminder.objects.filter(
                commitment=c, member=m, kind=kind, deadline=due
            ).exists():
                new.append(Reminder(commitment=c, member=m, kind=kind, deadline=due))
        if not new:
            continue
        with transaction.atomic():
            Reminder.objects.bulk_create(new)
            record(
                REMINDER_ACTOR,
                "implementation.remind",
                ("implementation.commitment", str(c.pk)),
                {"kind": kind, "deadline": due.isoformat(), "members": len(new)},
                combine([c.label.value, c.agreement.label.value]),
                process=c.agreement.process,
            )
        events.notify(
            c.agreement.process_id,
            "implementation.reminder",
            {"commitment": c.pk},
            [c.label_id, c.agreement.label_id],
        )
        sent += len(new)
    return sent


# --- attachments ------------------------------------------------------------------------------
MAX_ATTACHMENTS = 20  # per report or per step


def may_attach_to_step(viewer: Viewer, st: ViolationStep) -> bool:
    """Whoever took the step, or whoever may take it (the allegation: monitors)."""
    if viewer.member is None:
        return False
    if st.actor_id == viewer.member.pk:
        return True
    return viewer.can(STEP_PERMS.get(st.step, Perm.FILE_REPORTS))


def _attach(viewer: Viewer, model, parent_field: str, parent, parent_label: LabelValue, **kw):
    """Check the file and the label, store the bytes by SHA-256, then write the row and its
    ledger entry in one transaction (a refused file writes nothing, not even the bytes)."""
    name = files.clean_name(kw["name"])
    note = _text(kw.get("note"), "note", required=False, limit=500)
    ctype = files.check(name, kw["data"])
    if model.objects.filter(**{parent_field: parent}).count() >= MAX_ATTACHMENTS:
        raise Conflict(f"at most {MAX_ATTACHMENTS} files may be attached", {"file": "too many"})
    value = combine([parent_label, kw.get("label") or parent_label])
    access.check_can_apply(viewer, value)
    digest = files.store(kw["data"])
    with transaction.atomic():
        row = model.objects.create(
            **{parent_field: parent},
            name=name,
            content_type=ctype,
            size=len(kw["data"]),
            sha256=digest,
            note=note,
            label=access.label_row(viewer.process, value),
            added_by=viewer.member,
        )
        record(viewer.member, f"implementation.{model.__name__.lower()}", row, refs=[parent])
    return row


def attach_to_report(
    viewer: Viewer,
    r: ComplianceReport,
    *,
    name: str,
    data: bytes,
    note: str = "",
    label: LabelValue | None = None,
) -> ReportAttachment:
    """Keep a file as evidence of a compliance report (its author only: a report's evidence
    is what its author vouches for). Labelled like the report, or tighter."""
    r = queries.report(viewer, r.commitment_id, r.pk)
    if r.author_id != viewer.member.pk:
        raise Forbidden("only the author of a report may attach files to it")
    att = _attach(
        viewer,
        ReportAttachment,
        "report",
        r,
        r.label.value,
        name=name,
        data=data,
        note=note,
        label=label,
    )
    c = r.commitment
    _publish(c.agreement, "report", {"commitment": c.pk}, [att.label_id, r.label_id, c.label_id])
    return att


def attach_to_step(
    viewer: Viewer,
    st: ViolationStep,
    *,
    name: str,
    data: bytes,
    note: str = "",
    label: LabelValue | None = None,
) -> StepAttachment:
    """Keep a file as evidence of one step of a violation report (whoever took the step or
    may take it). Labelled like the violation report, or tighter."""
    st = queries.violation_step(viewer, st.violation_id, st.pk)
    if not may_attach_to_step(viewer, st):
        raise Forbidden(
            f"only whoever took or may take the step “{st.step_words}” may attach files to it"
        )
    v = st.violation
    att = _attach(
        viewer,
        StepAttachment,
        "step",
        st,
        v.label.value,
        name=name,
        data=data,
        note=note,
        label=label,
    )
    _publish(v.agreement, "violation", {"violation": v.pk}, [att.label_id, v.label_id])
    return att


# --- agreements from a case study -------------------------------------------------------------
def _case(key: str) -> dict:
    """A built-in case study as a template, read through the library's public queries; an
    unknown one is a bad request (422), not a missing page."""
    from accord.core.errors import NotFound
    from accord.library import queries as library

    try:
        return library.case_template(key)
    except NotFound as exc:
        raise Invalid(exc.message, {"template": "unknown"}) from exc


def _case_offset(signed: date, on: date) -> tuple[int, str]:
    """A date the case's text names, as an offset from its signature (whole months when the
    day of the month is the same, days otherwise), so it carries over to a new agreement."""
    months = (on.year - signed.year) * 12 + on.month - signed.month
    if on.day == signed.day and months > 0:
        return (months // 12, "years") if months % 12 == 0 else (months, "months")
    return max((on - signed).days, 0), "days"


def create_from_case(
    viewer: Viewer,
    *,
    template: str,
    title: str = "",
    signed_on: date | str,
    in_force_on: date | str | None = None,
    signatories: list[str] | None = None,
    summary: str = "",
    label: LabelValue | None = None,
    period_months: int = 12,
    provisions: list[dict] | None = None,
) -> Agreement:
    """Start an agreement from a built-in case study (Dayton, Good Friday, Camp David): one
    provision per annex or strand with its PAM provision types, the case's events, and one
    commitment per deadline as anchor + offset (a date the case names becomes an offset from
    signature). Who must act is left for a person to name: the case's parties are not this
    process's parties."""
    access.require(viewer, MANAGE)
    t = _case(template)
    if provisions:
        raise Invalid(
            "a case study gives the provisions; leave provisions empty and add more on the "
            "agreement's page",
            {"provisions": "with template"},
        )
    signed_case = date.fromisoformat(t["signed"])
    rows = [
        {
            "number": p["code"],
            "heading": p["title"][:300],
            "text": f"{p['title']} ({t['name']}, {t['year']}): the text of this part is to be "
            "entered.",
            "types": _types(p["provision_types"]),
            "themes": [],
        }
        for p in t["parts"]
    ]
    standard = {k for k, _ in STANDARD_ANCHORS}
    extra = [x for x in t["anchors"] if x["key"] not in standard]
    names = {k: n for k, n in STANDARD_ANCHORS} | {x["key"]: x["name"] for x in extra}
    plan = []
    for d in t["deadlines"]:
        if d["anchor"] and d["offset"]:
            anchor, amount, unit = d["anchor"], d["offset"]["amount"], d["offset"]["unit"]
        else:
            anchor = "signature"
            amount, unit = _case_offset(signed_case, date.fromisoformat(d["date"]))
        what = d["what"] if d["kind"] == "by" else f"{d['what']} (holds for the period)"
        plan.append((d["part"], what[:500], anchor, amount, unit, d["phrase"]))
    with transaction.atomic():
        a = _create(
            viewer,
            title=_text(title or f"From the case study: {t['name']}", "title", limit=200),
            summary=_text(summary, "summary", required=False)
            or f"Started from the case study {t['name']} ({t['year']}).",
            signed_on=_date(signed_on, "signing date", required=True),
            in_force_on=_date(in_force_on, "entry into force"),
            signatories=_parties(viewer, signatories, "signatories"),
            label=_label(viewer, label, LabelValue.of(0)),
            provisions=rows,
            period_months=period_months,
        )
        anchors = {x.key: x for x in a.anchors.all()}
        for x in extra:
            anchors[x["key"]] = AnchorEvent.objects.create(
                agreement=a, key=x["key"], name=names[x["key"]]
            )
        provs = {p.number: p for p in a.provisions.all()}
        made = []
        for part, what, anchor, amount, unit, phrase in plan:
            c = Commitment.objects.create(
                provision=provs[part],
                agreement=a,
                what=what,
                anchor=anchors[anchor],
                amount=amount,
                unit=unit,
                source_phrase=phrase[:300],
                label=a.label,
                created_by=viewer.member,
            )
            record(
                viewer.member,
                "implementation.commitment",
                c,
                {"provision": c.provision_id, "anchor": anchor, "template": t["case"]},
                refs=[a],
            )
            made.append(c.pk)
        record(
            viewer.member,
            "implementation.from_case",
            ("implementation.agreement", str(a.pk)),
            {
                "template": t["case"],
                "anchors": [x["key"] for x in extra],
                "commitments": made,
            },
            a.label,
            process=a.process,
        )
    _publish(a, "commitment", {"agreement": a.pk}, [a.label_id])
    return a


def assign(
    viewer: Viewer, c: Commitment, *, responsible: list[str] | None = None, body: str = ""
) -> Commitment:
    """Name who must act on a commitment (parties of the process, or a body): what a commitment
    started from a case study leaves for a person to fill."""
    access.require(viewer, MANAGE)
    c = queries.commitment(viewer, c.pk)
    responsible = _parties(viewer, responsible, "responsible parties")
    body = _text(body, "body", required=False, limit=200)
    if not responsible and not body:
        raise Invalid(
            "a commitment names the parties or the body that must act", {"responsible": "required"}
        )
    with transaction.atomic():
        c.responsible, c.body = responsible, body
        c.save(update_fields=["responsible", "body"])
        record(
            viewer.member,
            "implementation.assign",
            c,
            {"responsible": responsible, "body": body},
            refs=[c.agreement],
        )
    _publish(c.agreement, "commitment", {"commitment": c.pk}, [c.label_id, c.agreement.label_id])
    return c


# --- recurring commitments --------------------------------------------------------------------
def _recurrence(text: str | None) -> str:
    """The recurrence in its canonical form ("every 3 months until 2028-06-30"), or ""."""
    from accord.implementation import recurrence

    try:
        rule = recurrence.parse(text)
    except ValueError as exc:
        raise Invalid(str(exc), {"recurrence": "invalid"}) from exc
    return "" if rule is None else str(rule)


def set_recurrence(viewer: Viewer, c: Commitment, recurrence: str) -> Commitment:
    """Make a commitment recur (every N days, weeks, months or years from its first deadline,
    until an end if any) or stop it recurring (blank): e.g. a quarterly report."""
    access.require(viewer, MANAGE)
    c = queries.commitment(viewer, c.pk)
    text = _recurrence(recurrence)
    if text and c.anchor_id is None and c.due_date is None:
        raise Invalid(
            "a recurring commitment needs a first deadline (an event + offset, or a date)",
            {"recurrence": "no first deadline"},
        )
    with transaction.atomic():
        c.recurrence = text
        c.save(update_fields=["recurrence"])
        record(
            viewer.member,
            "implementation.recurrence",
            c,
            {"recurrence": text},
            refs=[c.agreement],
        )
    _publish(c.agreement, "commitment", {"commitment": c.pk}, [c.label_id, c.agreement.label_id])
    return c
