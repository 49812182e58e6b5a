"""API input and output of the verification app."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from accord.core.schemas import LabelIn, LabelOut, LinkedOut, LinkIn


class TechniqueOut(Schema):
    id: str
    name: str
    tactics: list[str]
    parent: str
    url: str


class SourceIn(Schema):
    name: str = Field(..., max_length=200)
    kind: str = Field(..., description="person, outlet, account, channel or document")
    url: str = Field("", max_length=500)
    platform: str = Field("", max_length=60)
    relays: int | None = Field(None, description="id of the source this one relays (lineage)")
    reliability: str = Field("F", description="Admiralty source reliability A–F")
    status: str = Field("undetermined", description="Meedan-style source status")
    notes: str = Field("", max_length=2000)
    label: LabelIn | None = None


class RatingIn(Schema):
    reliability: str = Field(..., description="A–F")
    note: str = Field("", max_length=500)
    status: str | None = None


class RatingOut(Schema):
    reliability: str
    reliability_words: str
    note: str
    rated_by: str | None
    rated_at: datetime


class SourceOut(Schema):
    id: int
    name: str
    kind: str
    url: str
    platform: str
    relays: int | None = Field(None, description="the source it relays, when you may read it")
    lineage_root: int | None = Field(None, description="origin of its readable lineage")
    reliability: str
    reliability_words: str
    status: str
    label: LabelOut


class SourceDetailOut(SourceOut):
    ratings: list[RatingOut]
    relayed_by: list[int]


class ClaimIn(Schema):
    text: str = Field(..., max_length=5000)
    language: str = Field("en", max_length=12)
    url: str = Field("", max_length=500)
    platform: str = Field("", max_length=60)
    place: str = Field("", max_length=200)
    seen_at: datetime | None = None
    sources: list[int] = Field(default_factory=list, max_length=50)
    techniques: list[str] = Field(default_factory=list, max_length=20)
    disinformant_category: str = ""
    disinformant_country: str = Field("", max_length=60)
    attribution: str = ""
    intent: str = ""
    label: LabelIn | None = None
    concerns: list[LinkIn] = Field(
        default_factory=list,
        max_length=20,
        description="what the claim concerns: agenda issues, clauses, incidents, parties",
    )


class ClaimSourceIn(Schema):
    source: int


class SimilarOut(Schema):
    id: int
    text: str
    score: float
    status: str | None = Field(None, description="latest status you may read")
    rating: str | None = None


class ClaimOut(Schema):
    id: int
    text: str
    language: str
    url: str
    platform: str
    place: str
    seen_at: datetime
    techniques: list[str]
    disinformant_category: str
    disinformant_country: str
    attribution: str
    intent: str
    status: str
    rating: str | None
    label: LabelOut
    reported_by: str | None
    created_at: datetime


class AssessmentIn(Schema):
    status: str
    credibility: int
    rationale: str = Field(..., max_length=5000)
    likelihood: str = ""
    probability: int | None = None
    source: int | None = None
    label: LabelIn | None = None
    evidence: list[int] = Field(
        default_factory=list, max_length=50, description="ids of the claim's files it cites"
    )


class AssessmentOut(Schema):
    id: int
    status: str
    rating: str = Field(..., description='reliability and credibility together, e.g. "B2"')
    reliability: str
    credibility: int
    credibility_words: str
    likelihood: str
    probability: int | None
    rationale: str
    independent_sources: int
    source: int | None
    evidence: list[int] = Field(description="the cited files you may read (others are not named)")
    analyst: str | None
    created_at: datetime
    label: LabelOut


class EvidenceOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str = Field(description="SHA-256 of the file: a copy with the same digest is the same")
    note: str
    added_by: str | None
    added_at: datetime
    label: LabelOut


class ClaimDetailOut(ClaimOut):
    sources: list[SourceOut]
    independent_sources: int
    assessments: list[AssessmentOut]
    similar: list[SimilarOut]
    evidence: list[EvidenceOut]
    concerns: list[LinkedOut]


class SimilarIn(Schema):
    text: str = Field(..., max_length=5000)


class LineIn(Schema):
    title: str = Field(..., max_length=200)
    texts: dict[str, str] = Field(..., description="language code → text")
    claims: list[int] = Field(default_factory=list, max_length=50)
    verdict: str = Field("false", description="false, misleading, unproven or true")
    counters: list[str] = Field(default_factory=list, max_length=20)
    audience: str = Field("", max_length=200)
    guidance: str = Field("", max_length=4000)
    public: bool = False
    embargo_until: datetime | None = None
    rule: str = Field("unanimity", description="unanimity or silence")
    deadline: datetime | None = None
    label: LabelIn | None = None


class LineReviseIn(Schema):
    texts: dict[str, str] | None = None
    title: str | None = None
    guidance: str | None = None
    deadline: datetime | None = None


class ResponseIn(Schema):
    kind: str = Field(..., description="approve or object")
    amendment: str = Field("", max_length=4000)
    note: str = Field("", max_length=500)


class ResponseOut(Schema):
    party: str
    kind: str
    amendment: str
    note: str
    by: str | None
    at: datetime


class LineOut(Schema):
    id: int
    series: int
    version: int
    title: str
    texts: dict[str, str]
    claims: list[int] = Field(..., description="claims it answers that you may read")
    verdict: str
    counters: list[str]
    audience: str
    guidance: str
    public: bool
    embargo_until: datetime | None
    rule: str
    deadline: datetime | None
    status: str
    outcome: str
    waiting_for: list[str]
    content_hash: str
    published_at: datetime | None
    label: LabelOut
    responses: list[ResponseOut]
