"""API input/output of the negotiation app."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from accord.core.schemas import LabelIn, LabelOut


class OptionOut(Schema):
    key: str
    name: str


class IssueIn(Schema):
    title: str = Field(..., max_length=200)
    kind: str = Field(..., description="discrete or numeric")
    cluster: str = Field("political", max_length=60)
    description: str = ""
    order: int | None = Field(None, ge=0, le=100000)
    unit: str = Field("", max_length=30)
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    options: list[str] = Field(default_factory=list, max_length=50)
    label: LabelIn | None = None


class IssuePatch(Schema):
    status: str


class IssueOut(Schema):
    id: int
    cluster: str
    title: str
    description: str
    order: int
    status: str
    kind: str
    unit: str
    minimum: float | None
    maximum: float | None
    step: float | None
    options: list[OptionOut]
    label: LabelOut


class PositionIn(Schema):
    issue_id: int
    preferred_option: str | None = None
    preferred_value: float | None = None
    acceptable_options: list[str] | None = None
    acceptable_min: float | None = None
    acceptable_max: float | None = None
    reservation_value: float | None = None
    salience: int | None = Field(None, ge=0, le=100)
    red_lines: list[str] | None = None
    red_line_note: str | None = None
    interests: str | None = None
    evidence: str | None = None
    level: int | str | None = Field(None, description="classification; REL TO is your party")
    caveats: list[str] = Field(default_factory=list)


class PositionOut(Schema):
    id: int
    issue_id: int
    party: str
    preferred_option: str
    preferred_value: float | None
    acceptable_options: list[str]
    acceptable_min: float | None
    acceptable_max: float | None
    reservation_value: float | None
    salience: int
    red_lines: list[str]
    red_line_note: str
    interests: str
    evidence: str
    revision: int
    updated_at: datetime
    label: LabelOut
    read_as: LabelOut


class RevisionOut(Schema):
    number: int
    changed: dict
    by: str | None
    at: datetime


class ReleaseIn(Schema):
    to: list[str] = Field(..., min_length=1, max_length=20)
    scope: str = Field("full", description="full, acceptable or preferred")


class ReleaseOut(Schema):
    id: int
    position_id: int
    issue_id: int
    party: str
    scope: str
    released: dict
    position_revision: int
    released_at: datetime
    label: LabelOut


class PositionWithdrawnOut(Schema):
    id: int = Field(..., description="the withdrawn position")
    issue_id: int
    party: str
    releases_withdrawn: list[int] = Field(..., description="its releases, withdrawn with it")


class ReleaseWithdrawnOut(Schema):
    id: int = Field(..., description="the withdrawn release")
    position_id: int
    issue_id: int


class CellOut(Schema):
    party: str
    state: str = Field(..., description="full, released, none (own party) or HIDDEN")
    values: dict
    scope: str
    label: LabelOut | None


class MatrixRowOut(Schema):
    issue: IssueOut
    cells: list[CellOut]
    divergence: float | None
    divergence_parties: list[str]
    zopa: dict | None
    zopa_parties: list[str]
    derived_label: LabelOut | None


class MatrixOut(Schema):
    parties: list[str]
    rows: list[MatrixRowOut]
    label: LabelOut


class ArticleIn(Schema):
    heading: str = Field(..., max_length=300)
    clauses: list[str] = Field(default_factory=list, max_length=200)


class DocumentIn(Schema):
    title: str = Field(..., max_length=200)
    required_parties: list[str] | None = None
    label: LabelIn | None = None
    articles: list[ArticleIn] = Field(default_factory=list, max_length=200)


class DocumentOut(Schema):
    id: int
    title: str
    required_parties: list[str]
    latest_version: int
    label: LabelOut


class AlternativeOut(Schema):
    text: str
    by: str


class SegmentOut(Schema):
    text: str | None = None
    bracket: int | None = None
    alternatives: list[AlternativeOut] | None = None


class StanceOut(Schema):
    party: str
    stance: str
    comment: str
    by: str | None
    at: datetime
    version: int


class ClauseOut(Schema):
    id: int
    article_id: int
    number: str
    text: str
    segments: list[SegmentOut]
    text_hash: str
    status: str
    blockers: list[str]
    stances: list[StanceOut]
    issues: list[int]


class ArticleOut(Schema):
    id: int
    number: int
    heading: str
    clauses: list[ClauseOut]


class StatusOut(Schema):
    status: str
    clauses_total: int
    clauses_agreed: int
    clauses_ad_ref: int
    open_brackets: int
    reservations: dict[str, list[str]]
    missing: dict[str, list[str]]
    blocking: list[dict]


class SignatureOut(Schema):
    party: str
    member: str | None  # null when the signatory's membership is hidden from you
    content_hash: str
    signed_at: datetime


class TextOut(Schema):
    document_id: int
    title: str
    version: int
    latest_version: int
    note: str
    content_hash: str
    status: StatusOut
    articles: list[ArticleOut]
    signatures: list[SignatureOut]
    label: LabelOut


class VersionOut(Schema):
    number: int
    note: str
    content_hash: str
    created_by: str | None
    created_at: datetime


class ArticleAddIn(Schema):
    heading: str = Field(..., max_length=300)
    base_version: int


class ClauseAddIn(Schema):
    article_id: int
    text: str = Field(..., max_length=20000)
    base_version: int
    after_clause: int | None = None


class ClauseEditIn(Schema):
    text: str = Field(..., max_length=20000)
    base_version: int = Field(..., description="the version you edited (optimistic concurrency)")


class ClauseDeleteIn(Schema):
    base_version: int


class ResolveIn(Schema):
    choice: int = Field(..., ge=0, le=1000, description="0-based index of the kept alternative")
    base_version: int


class LinkIn(Schema):
    issues: list[int] = Field(default_factory=list, max_length=100)


class StanceIn(Schema):
    stance: str = Field(..., description="accept, accept_ad_ref, reserve or reject")
    comment: str = Field("", max_length=5000)
    version: int = Field(..., description="the version you read")


class AmendmentIn(Schema):
    kind: str = Field(..., description="insert, delete or replace")
    base_version: int
    clause_id: int | None = None
    article_id: int | None = None
    text: str = Field("", max_length=20000)
    rationale: str = Field("", max_length=5000)


class CommentIn(Schema):
    text: str = Field(..., max_length=5000)


class CommentOut(Schema):
    by: str | None
    text: str
    at: datetime


class AmendmentOut(Schema):
    id: int
    kind: str
    status: str
    base_version: int
    result_version: int | None
    clause_id: int | None
    article_id: int | None
    text: str
    rationale: str
    party: str
    proposed_by: str | None
    proposed_at: datetime
    comments: list[CommentOut]


class SignIn(Schema):
    version: int


class WordOpOut(Schema):
    op: str
    old: str
    new: str


class ClauseDiffOut(Schema):
    clause_id: int
    status: str
    old_number: str | None
    new_number: str | None
    old_text: str
    new_text: str
    words: list[WordOpOut]


class CompareOut(Schema):
    a: int
    b: int
    identical: bool
    clauses: list[ClauseDiffOut]
    label: LabelOut


class AnalysisIn(Schema):
    kind: str = Field(..., description="packages | forecast | opinion_groups")
    issues: list[int] | None = Field(None, description="agenda issue ids (packages; default all)")
    issue: int | None = Field(None, description="the numeric issue (forecast)")
    capability: dict[str, float] | None = Field(
        None, description="party code → capability (forecast)"
    )
    samples: int = Field(200, ge=0, le=5000)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    consultation: int | None = Field(None, description="the consultation (opinion_groups)")
    min_votes: int = Field(
        7, ge=1, le=1000, description="votes a participant needs to be clustered (opinion_groups)"
    )
    relax: bool = Field(
        False,
        description="packages: analyse every package, not only those inside every party's "
        "acceptable set (red lines stay hard); each package then names the bounds it breaks",
    )


class RunReleaseIn(Schema):
    rel_to: list[str] | None = Field(None, description="party codes; null releases to every party")


class AnalysisRunOut(Schema):
    id: int
    kind: str
    params: dict
    inputs: dict
    outputs: dict
    label: dict
    created_by: str | None
    created_at: datetime
    released_at: datetime | None
