"""API input and output of the implementation app."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from accord.core.schemas import LabelIn, LabelOut


class ProvisionIn(Schema):
    number: str = Field(..., max_length=20)
    heading: str = Field("", max_length=300)
    text: str = Field(..., max_length=5000)
    types: list[str] = Field(default_factory=list, max_length=51)
    themes: list[str] = Field(default_factory=list, max_length=20)


class AgreementIn(Schema):
    title: str = Field("", max_length=200)  # required, unless a template gives it
    summary: str = Field("", max_length=5000)
    signed_on: date
    in_force_on: date | None = None
    signatories: list[str] = Field(default_factory=list, max_length=50)
    label: LabelIn | None = None
    provisions: list[ProvisionIn] = Field(default_factory=list, max_length=500)
    period_months: int = 12
    template: str = Field("", max_length=40)  # a case study: dayton, good-friday, camp-david


class FromTextIn(Schema):
    document_id: int
    version: int | None = None
    title: str = Field("", max_length=200)
    in_force_on: date | None = None


class AnchorOut(Schema):
    key: str
    name: str
    occurred_on: date | None


class AnchorIn(Schema):
    name: str = Field(..., max_length=120)
    occurred_on: date | None = None


class AnchorDateIn(Schema):
    occurred_on: date | None = None


class StatusIn(Schema):
    status: str


class ProvisionOut(Schema):
    id: int
    number: str
    heading: str
    text: str
    types: list[str]
    type_names: list[str]
    themes: list[str]


class TagIn(Schema):
    types: list[str] = Field(default_factory=list, max_length=51)
    themes: list[str] = Field(default_factory=list, max_length=20)


class AgreementOut(Schema):
    id: int
    title: str
    summary: str
    status: str
    status_words: str
    signed_on: date
    in_force_on: date | None
    signatories: list[str]
    from_text: bool
    source_document: int | None
    source_version: int | None
    content_hash: str
    period_months: int
    label: LabelOut


class AgreementDetailOut(AgreementOut):
    anchors: list[AnchorOut]
    provisions: list[ProvisionOut]


class CommitmentIn(Schema):
    what: str = Field(..., max_length=500)
    responsible: list[str] = Field(default_factory=list, max_length=50)
    body: str = Field("", max_length=200)
    anchor: str | None = Field(None, max_length=60)
    amount: int | None = None
    unit: str | None = None
    due_date: date | None = None
    recurrence: str = Field("", max_length=120)
    verification_body: str = Field("", max_length=12)
    evidence_expected: str = Field("", max_length=5000)
    label: LabelIn | None = None


class CommitmentOut(Schema):
    id: int
    agreement: int
    provision: int
    provision_number: str
    what: str
    responsible: list[str]
    body: str
    anchor: str | None
    amount: int | None
    unit: str
    deadline_rule: str
    deadline: date | None
    standing: str
    standing_words: str
    verification_body: str
    evidence_expected: str
    reported_done_at: datetime | None
    verified_done_at: datetime | None
    label: LabelOut
    recurrence: str = ""  # "every 3 months until 2028-06-30", or ""
    next_due: date | None = None  # a recurring commitment's next due date


class ReportIn(Schema):
    kind: str = "progress"
    text: str = Field(..., max_length=5000)
    evidence: str = Field("", max_length=5000)
    label: LabelIn | None = None


class VerifyIn(Schema):
    verified: bool
    text: str = Field(..., max_length=5000)
    evidence: str = Field(..., max_length=5000)


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str = Field(description="SHA-256 of the file: a copy with the same digest is the same")
    note: str
    added_by: str | None
    added_at: datetime
    label: LabelOut
    url: str = Field(description="where to download it (404 unless you may read it)")


class ReportOut(Schema):
    id: int
    kind: str
    kind_words: str
    text: str
    evidence: str
    author: str | None
    party: str
    created_at: datetime
    label: LabelOut
    attachments: list[AttachmentOut] = Field(default_factory=list)


class ProposalOut(Schema):
    id: int
    provision: int
    provision_number: str
    phrase: str
    sentence: str
    kind: str
    anchor: str
    anchor_key: str
    amount: int | None
    unit: str
    date: date | None
    status: str


class ConfirmIn(Schema):
    what: str = Field(..., max_length=500)
    responsible: list[str] = Field(default_factory=list, max_length=50)
    body: str = Field("", max_length=200)
    anchor: str | None = Field(None, max_length=60)
    anchor_name: str = Field("", max_length=120)
    verification_body: str = Field("", max_length=12)
    evidence_expected: str = Field("", max_length=5000)
    label: LabelIn | None = None


class ScoreIn(Schema):
    provision_id: int
    period: int
    score: int
    evidence: str = Field(..., max_length=5000)
    label: LabelIn | None = None


class ScoreOut(Schema):
    id: int
    provision: int
    provision_number: str
    period: int
    score: int
    score_words: str
    evidence: str
    label: LabelOut


class RateOut(Schema):
    period: int
    period_name: str
    percent: float | None
    scored: int
    total: int


class RatesOut(Schema):
    agreement: int
    provisions: int
    overall: list[RateOut]
    by_theme: dict[str, list[RateOut]]
    by_party: dict[str, list[RateOut]]
    derived_label: LabelOut = Field(..., description="the labels of every score the figures use")


class ViolationIn(Schema):
    agreement_id: int
    title: str = Field(..., max_length=200)
    allegation: str = Field(..., max_length=5000)
    source: str
    alleged_party: str = Field("", max_length=12)
    provision_id: int | None = None
    place: dict | None = Field(None, description="a GeoJSON Point or Polygon")
    place_name: str = Field("", max_length=200)
    occurred_on: date | None = None
    label: LabelIn | None = None


class StepIn(Schema):
    step: str = Field(..., description="tasked, visited, investigated, reported, committee, board")
    note: str = Field("", max_length=5000)
    report: dict | None = Field(
        None,
        description="for the violation report: background, aim, methodology, findings, "
        "recommendations, happened, ordered, conclusion, violating_party, article",
    )


class PublishIn(Schema):
    approved: bool = True


class StepOut(Schema):
    id: int
    step: str
    step_words: str
    note: str
    actor: str | None
    at: datetime
    attachments: list[AttachmentOut]


class ZoneOut(Schema):
    id: int
    name: str
    kind: str
    kind_words: str
    version: int
    how: str = Field(description="inside, or near (within distance_m of the zone's edge)")
    distance_m: float


class ViolationOut(Schema):
    id: int
    agreement: int
    title: str
    allegation: str
    source: str
    alleged_party: str
    provision_number: str | None
    place: dict | None
    place_name: str
    occurred_on: date | None
    step: str
    step_words: str
    verified: bool
    approved_for_publication: bool
    conclusion: str
    violating_party: str
    report: dict
    steps: list[StepOut]
    zones: list[ZoneOut] = Field(
        description="alignment zones you may read that the place falls in or near, in force "
        "on the day"
    )
    label: LabelOut


class AssignIn(Schema):
    responsible: list[str] = Field(default_factory=list, max_length=50)
    body: str = Field("", max_length=200)


class RecurrenceIn(Schema):
    recurrence: str = Field("", max_length=120)
