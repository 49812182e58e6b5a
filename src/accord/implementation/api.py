"""REST endpoints of the implementation app: parse → service/query → schema, no logic."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from accord.core import access, files, people
from accord.core.api import json_label as _json_label
from accord.core.api import label_in as _label
from accord.core.api import label_out
from accord.core.api import viewer as _v
from accord.implementation import queries, services
from accord.implementation import schemas as s
from accord.implementation.models import Agreement, Commitment, ComplianceReport, DeadlineProposal
from accord.pagination import Page
from accord.ui.pdf import export_response

router = Router(tags=["implementation"])
BASE = "/processes/{slug}/agreements"
ONE = BASE + "/{agreement_id}"
COMMITMENTS = "/processes/{slug}/commitments"
CONE = COMMITMENTS + "/{commitment_id}"


def attachment_out(v: access.Viewer, f, url: str) -> dict:
    return {
        "id": f.pk,
        "name": f.name,
        "content_type": f.content_type,
        "size": f.size,
        "sha256": f.sha256,
        "note": f.note,
        "added_by": people.handle(v, f.added_by),
        "added_at": f.added_at,
        "label": label_out(v.process, f.label),
        "url": url,
    }


def report_attachment_out(v: access.Viewer, f) -> dict:
    r = f.report
    url = f"/api/v1/processes/{v.process.slug}/commitments/{r.commitment_id}/reports/{r.pk}"
    return attachment_out(v, f, f"{url}/attachments/{f.pk}")


def step_attachment_out(v: access.Viewer, f) -> dict:
    url = f"/api/v1/processes/{v.process.slug}/violations/{f.step.violation_id}/attachments"
    return attachment_out(v, f, f"{url}/{f.pk}")


def agreement_out(v: access.Viewer, a: Agreement) -> dict:
    return {
        "id": a.pk,
        "title": a.title,
        "summary": a.summary,
        "status": a.status,
        "status_words": a.get_status_display(),
        "signed_on": a.signed_on,
        "in_force_on": a.in_force_on,
        "signatories": a.signatories,
        "from_text": a.from_text,
        "source_document": a.source_document,
        "source_version": a.source_version,
        "content_hash": a.content_hash,
        "period_months": a.period_months,
        "label": label_out(v.process, a.label),
    }


def provision_out(p) -> dict:
    return {
        "id": p.pk,
        "number": p.number,
        "heading": p.heading,
        "text": p.text,
        "types": p.types,
        "type_names": p.type_names,
        "themes": p.themes,
    }


def detail_out(v: access.Viewer, a: Agreement) -> dict:
    return {
        **agreement_out(v, a),
        "anchors": [
            {"key": e.key, "name": e.name, "occurred_on": e.occurred_on}
            for e in queries.anchors(v, a)
        ],
        "provisions": [provision_out(p) for p in queries.provisions(v, a)],
    }


def commitment_out(v: access.Viewer, c: Commitment, st: queries.Standing | None = None) -> dict:
    st = st or queries.standing(c)
    return {
        "id": c.pk,
        "agreement": c.agreement_id,
        "provision": c.provision_id,
        "provision_number": c.provision.number,
        "what": c.what,
        "responsible": c.responsible,
        "body": c.body,
        "anchor": c.anchor.key if c.anchor_id else None,
        "amount": c.amount,
        "unit": c.unit,
        "deadline_rule": c.deadline_rule,
        "deadline": c.deadline,
        "standing": st.key,
        "standing_words": st.words,
        "verification_body": c.verification_body,
        "evidence_expected": c.evidence_expected,
        "reported_done_at": c.reported_done_at,
        "verified_done_at": c.verified_done_at,
        "label": label_out(v.process, c.label),
        "recurrence": c.recurrence,
        "next_due": st.next_due,
    }


def report_out(v: access.Viewer, r: ComplianceReport) -> dict:
    return {
        "id": r.pk,
        "kind": r.kind,
        "kind_words": r.get_kind_display(),
        "text": r.text,
        "evidence": r.evidence,
        "author": people.handle(v, r.author),
        "party": r.party,
        "created_at": r.created_at,
        "label": label_out(v.process, r.label),
        "attachments": [report_attachment_out(v, f) for f in queries.report_attachments(v, r)],
    }


def proposal_out(p: DeadlineProposal) -> dict:
    return {
        "id": p.pk,
        "provision": p.provision_id,
        "provision_number": p.provision.number,
        "phrase": p.phrase,
        "sentence": p.sentence,
        "kind": p.kind,
        "anchor": p.anchor,
        "anchor_key": p.anchor_key,
        "amount": p.amount,
        "unit": p.unit,
        "date": p.date,
        "status": p.status,
    }


def score_out(v: access.Viewer, sc) -> dict:
    return {
        "id": sc.pk,
        "provision": sc.provision_id,
        "provision_number": sc.provision.number,
        "period": sc.period,
        "score": sc.score,
        "score_words": sc.score_words,
        "evidence": sc.evidence,
        "label": label_out(v.process, sc.label),
    }


def rates_out(v: access.Viewer, r: queries.Rates) -> dict:
    a = r.agreement

    def rows(rates):
        return [
            {
                "period": x.period,
                "period_name": queries.period_name(a, x.period),
                "percent": x.percent,
                "scored": x.scored,
                "total": x.total,
            }
            for x in rates
        ]

    return {
        "agreement": a.pk,
        "provisions": r.total_provisions,
        "overall": rows(r.overall),
        "by_theme": {k: rows(x) for k, x in r.by_theme.items()},
        "by_party": {k: rows(x) for k, x in r.by_party.items()},
        "derived_label": label_out(v.process, r.label),
    }


# --- agreements -------------------------------------------------------------------------------
@router.get(BASE, response=list[s.AgreementOut], summary="Agreements I may read")
@paginate(Page)
def list_agreements(request: HttpRequest, slug: str):
    v = _v(request, slug)
    return [agreement_out(v, a) for a in queries.agreements(v)]


@router.post(BASE, response={201: s.AgreementDetailOut}, summary="Enter an agreement by hand")
def create_agreement(request: HttpRequest, slug: str, data: s.AgreementIn):
    v = _v(request, slug)
    if data.template:
        a = services.create_from_case(
            v,
            template=data.template,
            title=data.title,
            summary=data.summary,
            signed_on=data.signed_on,
            in_force_on=data.in_force_on,
            signatories=data.signatories,
            label=_label(v, data.label),
            provisions=[p.dict() for p in data.provisions],
            period_months=data.period_months,
        )
        return Status(201, detail_out(v, a))
    a = services.create_agreement(
        v,
        title=data.title,
        summary=data.summary,
        signed_on=data.signed_on,
        in_force_on=data.in_force_on,
        signatories=data.signatories,
        label=_label(v, data.label),
        provisions=[p.dict() for p in data.provisions],
        period_months=data.period_months,
    )
    return Status(201, detail_out(v, a))


@router.post(
    f"{BASE}/from-text",
    response={201: s.AgreementDetailOut},
    summary="Make the agreement from a signed version of a negotiating text",
)
def create_from_text(request: HttpRequest, slug: str, data: s.FromTextIn):
    v = _v(request, slug)
    a = services.create_from_text(
        v,
        document_id=data.document_id,
        version=data.version,
        title=data.title,
        in_force_on=data.in_force_on,
    )
    return Status(201, detail_out(v, a))


@router.get(ONE, response=s.AgreementDetailOut, summary="An agreement with anchors and provisions")
def get_agreement(request: HttpRequest, slug: str, agreement_id: int):
    v = _v(request, slug)
    return detail_out(v, queries.agreement(v, agreement_id))


@router.post(f"{ONE}/status", response=s.AgreementOut, summary="Suspend, terminate or restore")
def set_status(request: HttpRequest, slug: str, agreement_id: int, data: s.StatusIn):
    v = _v(request, slug)
    a = services.set_status(v, queries.agreement(v, agreement_id), data.status)
    return agreement_out(v, a)


@router.post(f"{ONE}/anchors", response={201: s.AnchorOut}, summary="Add an anchor event")
def add_anchor(request: HttpRequest, slug: str, agreement_id: int, data: s.AnchorIn):
    v = _v(request, slug)
    ev = services.add_anchor(
        v, queries.agreement(v, agreement_id), name=data.name, occurred_on=data.occurred_on
    )
    return Status(201, {"key": ev.key, "name": ev.name, "occurred_on": ev.occurred_on})


@router.put(
    f"{ONE}/anchors/{{key}}",
    response=s.AnchorOut,
    summary="Set when an anchor event happened (dependent deadlines move)",
)
def set_anchor(request: HttpRequest, slug: str, agreement_id: int, key: str, data: s.AnchorDateIn):
    v = _v(request, slug)
    ev = services.set_anchor_date(v, queries.agreement(v, agreement_id), key, data.occurred_on)
    return {"key": ev.key, "name": ev.name, "occurred_on": ev.occurred_on}


@router.post(f"{ONE}/provisions", response={201: s.ProvisionOut}, summary="Add a provision")
def add_provision(request: HttpRequest, slug: str, agreement_id: int, data: s.ProvisionIn):
    v = _v(request, slug)
    p = services.add_provision(v, queries.agreement(v, agreement_id), **data.dict())
    return Status(201, provision_out(p))


@router.put(
    "/processes/{slug}/provisions/{provision_id}/tags",
    response=s.ProvisionOut,
    summary="Set a provision's PAM provision types and themes",
)
def tag_provision(request: HttpRequest, slug: str, provision_id: int, data: s.TagIn):
    v = _v(request, slug)
    p = services.tag_provision(
        v, queries.provision(v, provision_id), types=data.types, themes=data.themes
    )
    return provision_out(p)


@router.post(
    "/processes/{slug}/provisions/{provision_id}/commitments",
    response={201: s.CommitmentOut},
    summary="Add a commitment under a provision",
)
def add_commitment(request: HttpRequest, slug: str, provision_id: int, data: s.CommitmentIn):
    v = _v(request, slug)
    body = data.dict()
    body["label"] = _label(v, data.label)
    c = services.add_commitment(v, queries.provision(v, provision_id), **body)
    return Status(201, commitment_out(v, c))


@router.get(
    f"{ONE}/proposals",
    response=list[s.ProposalOut],
    summary="Deadlines found in the text, waiting for a person to confirm them",
)
def list_proposals(request: HttpRequest, slug: str, agreement_id: int, status: str | None = None):
    v = _v(request, slug)
    qs = queries.proposals(v, queries.agreement(v, agreement_id), pending=status != "all")
    return [proposal_out(p) for p in qs]


@router.post(
    "/processes/{slug}/proposals/{proposal_id}/confirm",
    response={201: s.CommitmentOut},
    summary="Confirm a proposed deadline as a commitment",
)
def confirm_proposal(request: HttpRequest, slug: str, proposal_id: int, data: s.ConfirmIn):
    v = _v(request, slug)
    body = data.dict()
    body["label"] = _label(v, data.label)
    c = services.confirm_proposal(v, queries.proposal(v, proposal_id), **body)
    return Status(201, commitment_out(v, c))


@router.post(
    "/processes/{slug}/proposals/{proposal_id}/dismiss",
    response=s.ProposalOut,
    summary="Dismiss a proposed deadline",
)
def dismiss_proposal(request: HttpRequest, slug: str, proposal_id: int):
    v = _v(request, slug)
    return proposal_out(services.dismiss_proposal(v, queries.proposal(v, proposal_id)))


# --- commitments ------------------------------------------------------------------------------
@router.get(COMMITMENTS, response=list[s.CommitmentOut], summary="Commitments I may read")
@paginate(Page)
def list_commitments(
    request: HttpRequest,
    slug: str,
    agreement: int | None = None,
    party: str | None = None,
    state: str | None = None,
    within: int = queries.SLIPPING_DAYS,
):
    v = _v(request, slug)
    rows = queries.commitments(
        v, agreement_id=agreement, party=party, state=state, slipping=max(0, min(within, 3650))
    )
    return [commitment_out(v, c, st) for c, st in rows]


@router.get(CONE, response=s.CommitmentOut, summary="A commitment and where it stands")
def get_commitment(request: HttpRequest, slug: str, commitment_id: int):
    v = _v(request, slug)
    return commitment_out(v, queries.commitment(v, commitment_id))


@router.get(f"{CONE}/reports", response=list[s.ReportOut], summary="Reports on a commitment")
def list_reports(request: HttpRequest, slug: str, commitment_id: int):
    v = _v(request, slug)
    c = queries.commitment(v, commitment_id)
    return [report_out(v, r) for r in queries.reports(v, c)]


@router.post(
    f"{CONE}/reports",
    response={201: s.ReportOut},
    summary="Report progress, or report the commitment done (not verified)",
)
def add_report(request: HttpRequest, slug: str, commitment_id: int, data: s.ReportIn):
    v = _v(request, slug)
    r = services.report(
        v,
        queries.commitment(v, commitment_id),
        kind=data.kind,
        text=data.text,
        evidence=data.evidence,
        label=_label(v, data.label),
    )
    return Status(201, report_out(v, r))


@router.post(
    f"{CONE}/verify",
    response={201: s.ReportOut},
    summary="The verification body's finding: verified done or could not be verified",
)
def verify(request: HttpRequest, slug: str, commitment_id: int, data: s.VerifyIn):
    v = _v(request, slug)
    r = services.verify(
        v,
        queries.commitment(v, commitment_id),
        verified=data.verified,
        text=data.text,
        evidence=data.evidence,
    )
    return Status(201, report_out(v, r))


@router.post(
    f"{CONE}/reports/{{report_id}}/attachments",
    response={201: s.AttachmentOut},
    summary="Attach a file to your compliance report (type sniffed from content; size limit)",
)
def attach_to_report(
    request: HttpRequest,
    slug: str,
    commitment_id: int,
    report_id: int,
    file: UploadedFile = File(...),
    note: str = Form(""),
    label: str = Form("", description='optional JSON label, e.g. {"level": 2, "rel_to": ["MED"]}'),
):
    v = _v(request, slug)
    r = queries.report(v, commitment_id, report_id)
    name, data = files.read_upload(file)
    f = services.attach_to_report(
        v, r, name=name, data=data, note=note, label=_json_label(v, label)
    )
    return Status(201, report_attachment_out(v, f))


@router.get(
    f"{CONE}/reports/{{report_id}}/attachments/{{report_attachment_id}}",
    summary="Download a report's file (404 unless you may read it and its report)",
)
def get_report_attachment(
    request: HttpRequest, slug: str, commitment_id: int, report_id: int, report_attachment_id: int
):
    v = _v(request, slug)
    f = queries.one_report_attachment(v, commitment_id, report_id, report_attachment_id)
    return files.download(f)


# --- scores -----------------------------------------------------------------------------------
@router.get(f"{ONE}/scores", response=list[s.ScoreOut], summary="PAM scores I may read")
def list_scores(request: HttpRequest, slug: str, agreement_id: int):
    v = _v(request, slug)
    return [score_out(v, x) for x in queries.scores(v, queries.agreement(v, agreement_id))]


@router.post(f"{ONE}/scores", response={201: s.ScoreOut}, summary="Score a provision 0–3")
def add_score(request: HttpRequest, slug: str, agreement_id: int, data: s.ScoreIn):
    v = _v(request, slug)
    a = queries.agreement(v, agreement_id)
    p = queries.provision(v, data.provision_id)
    if p.agreement_id != a.pk:
        from accord.core.errors import NotFound

        raise NotFound("provision not found")
    sc = services.score(
        v,
        p,
        period=data.period,
        value=data.score,
        evidence=data.evidence,
        label=_label(v, data.label),
    )
    return Status(201, score_out(v, sc))


@router.get(
    f"{ONE}/rates",
    response=s.RatesOut,
    summary="Implementation rate Σ scores / (3 × provisions scored) per period, theme and party",
)
def get_rates(request: HttpRequest, slug: str, agreement_id: int):
    v = _v(request, slug)
    return rates_out(v, queries.rates(v, queries.agreement(v, agreement_id)))


# --- violation reports ------------------------------------------------------------------------
VIOLATIONS = "/processes/{slug}/violations"
VONE = VIOLATIONS + "/{violation_id}"


def violation_out(v: access.Viewer, x) -> dict:
    files_of: dict[int, list] = {}
    for f in queries.step_attachments(v, x):
        files_of.setdefault(f.step_id, []).append(f)
    return {
        "id": x.pk,
        "agreement": x.agreement_id,
        "title": x.title,
        "allegation": x.allegation,
        "source": x.source,
        "alleged_party": x.alleged_party,
        "provision_number": x.provision.number if x.provision_id else None,
        "place": x.place,
        "place_name": x.place_name,
        "occurred_on": x.occurred_on,
        "step": x.step,
        "step_words": x.step_words,
        "verified": x.verified,
        "approved_for_publication": x.approved_for_publication,
        "conclusion": x.conclusion,
        "violating_party": x.violating_party,
        "report": x.report,
        "steps": [
            {
                "id": st.pk,
                "step": st.step,
                "step_words": st.step_words,
                "note": st.note,
                "actor": people.handle(v, st.actor),
                "at": st.at,
                "attachments": [step_attachment_out(v, f) for f in files_of.get(st.pk, [])],
            }
            for st in queries.violation_steps(v, x)
        ],
        "zones": [
            {
                "id": z.constraint.pk,
                "name": z.constraint.title,
                "kind": z.constraint.kind,
                "kind_words": z.constraint.get_kind_display(),
                "version": z.constraint.version,
                "how": z.how,
                "distance_m": round(z.distance_m, 1),
            }
            for z in queries.zones(v, x)
        ],
        "label": label_out(v.process, x.label),
    }


@router.get(VIOLATIONS, response=list[s.ViolationOut], summary="Violation reports I may read")
@paginate(Page)
def list_violations(request: HttpRequest, slug: str, agreement: int | None = None):
    v = _v(request, slug)
    return [violation_out(v, x) for x in queries.violations(v, agreement_id=agreement)]


@router.post(VIOLATIONS, response={201: s.ViolationOut}, summary="Record an allegation")
def allege(request: HttpRequest, slug: str, data: s.ViolationIn):
    v = _v(request, slug)
    x = services.allege(
        v,
        queries.agreement(v, data.agreement_id),
        title=data.title,
        allegation=data.allegation,
        source=data.source,
        alleged_party=data.alleged_party,
        provision_id=data.provision_id,
        place=data.place,
        place_name=data.place_name,
        occurred_on=data.occurred_on,
        label=_label(v, data.label),
    )
    return Status(201, violation_out(v, x))


@router.get(VONE, response=s.ViolationOut, summary="A violation report with its steps")
def get_violation(request: HttpRequest, slug: str, violation_id: int):
    v = _v(request, slug)
    return violation_out(v, queries.violation(v, violation_id))


@router.post(
    f"{VONE}/steps",
    response={201: s.ViolationOut},
    summary="Take the next step of the workflow (out of order: 409)",
)
def advance(request: HttpRequest, slug: str, violation_id: int, data: s.StepIn):
    v = _v(request, slug)
    x = services.advance(
        v, queries.violation(v, violation_id), data.step, note=data.note, report=data.report
    )
    return Status(201, violation_out(v, x))


@router.post(f"{VONE}/publication", response=s.ViolationOut, summary="Approve for publication")
def publish(request: HttpRequest, slug: str, violation_id: int, data: s.PublishIn):
    v = _v(request, slug)
    x = services.approve_publication(v, queries.violation(v, violation_id), data.approved)
    return violation_out(v, x)


@router.post(
    f"{VONE}/attachments",
    response={201: s.AttachmentOut},
    summary="Attach a file to a step of a violation report (the latest step unless `step` says)",
)
def attach_to_step(
    request: HttpRequest,
    slug: str,
    violation_id: int,
    file: UploadedFile = File(...),
    step: int | None = Form(None, description="the step's id (default: the latest step)"),
    note: str = Form(""),
    label: str = Form("", description='optional JSON label, e.g. {"level": 2, "rel_to": ["MED"]}'),
):
    v = _v(request, slug)
    x = queries.violation(v, violation_id)
    st = queries.violation_step(v, x.pk, step)
    name, data = files.read_upload(file)
    f = services.attach_to_step(v, st, name=name, data=data, note=note, label=_json_label(v, label))
    return Status(201, step_attachment_out(v, f))


@router.get(
    f"{VONE}/attachments/{{step_attachment_id}}",
    summary="Download a violation report's file (404 unless you may read it and the report)",
)
def get_step_attachment(
    request: HttpRequest, slug: str, violation_id: int, step_attachment_id: int
):
    v = _v(request, slug)
    f = queries.one_step_attachment(v, violation_id, step_attachment_id)
    return files.download(f)


@router.get(
    f"{ONE}/report",
    summary="The periodic implementation report (format=html or pdf, period=n; default the "
    "latest scored period), under the label of all it includes",
)
def agreement_report(
    request: HttpRequest, slug: str, agreement_id: int, format: str = "pdf", period: str = ""
):
    from accord.implementation import reports

    v = _v(request, slug)
    return export_response(*reports.export(v, agreement_id, fmt=format, period=period or None))


@router.put(
    f"{CONE}/responsible",
    response=s.CommitmentOut,
    summary="Name who must act on a commitment (parties or a body)",
)
def assign(request: HttpRequest, slug: str, commitment_id: int, data: s.AssignIn):
    v = _v(request, slug)
    c = services.assign(
        v, queries.commitment(v, commitment_id), responsible=data.responsible, body=data.body
    )
    return commitment_out(v, queries.commitment(v, c.pk))


@router.put(
    f"{CONE}/recurrence",
    response=s.CommitmentOut,
    summary="Make a commitment recur (every N days|weeks|months|years [until a date]) or stop",
)
def set_recurrence(request: HttpRequest, slug: str, commitment_id: int, data: s.RecurrenceIn):
    v = _v(request, slug)
    c = services.set_recurrence(v, queries.commitment(v, commitment_id), data.recurrence)
    return commitment_out(v, queries.commitment(v, c.pk))
