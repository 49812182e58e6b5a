"""API input and output of the library app."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from accord.core.schemas import LabelIn, LabelOut, LinkedOut


class TopicOut(Schema):
    key: str
    name: str
    group: str
    columns: list[str]


class CodedOut(Schema):
    column: str
    value: int
    topic: str | None


class AgreementOut(Schema):
    agt_id: int
    name: str
    country: str
    process: str
    region: str
    date: date
    status: str
    agreement_type: str
    agreement_type_name: str
    stage: str
    stage_name: str
    topics: list[str]
    sample: bool


class AgreementDetailOut(AgreementOut):
    conflict_type: str
    process_no: str
    version: str
    pages: int | None
    characters: int | None
    stage_sub: str
    parties: str
    third_parties: str
    other_agreements: str
    extra: dict[str, str]
    coding: list[CodedOut]


class SimilarOut(Schema):
    agreement: AgreementOut
    score: float
    shared: list[str]
    lacking: list[str]


class GapOut(Schema):
    topic: str
    name: str
    agreements: int


class ComparisonOut(Schema):
    draft: list[str]
    unmapped_provision_types: list[str]
    method: str
    results: list[SimilarOut]
    gaps: list[GapOut]


class CaseSummaryOut(Schema):
    key: str
    name: str
    year: int
    signed: date
    summary: str
    parts: int
    bodies: int
    deadlines: int


class LessonIn(Schema):
    title: str = Field(..., max_length=200)
    observation: str = Field(..., max_length=4000)
    label: LabelIn | None = None


class IdentifyIn(Schema):
    lesson: str = Field(..., max_length=4000)


class ActionIn(Schema):
    action: str = Field(..., max_length=4000)
    owner_id: int
    due: date


class ValidateIn(Schema):
    validation: str = Field(..., max_length=4000)


class LessonOut(Schema):
    id: int
    process: str
    title: str
    observation: str
    stage: str
    stage_name: str
    lesson: str
    remedial_action: str
    action_owner: str | None
    action_due: date | None
    validation: str
    validated_by: str | None
    validated_at: datetime | None
    label: LabelOut
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    changed: list[LinkedOut]
