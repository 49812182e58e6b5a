"""API input/output of consultations. No schema carries a voter next to a vote."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from accord.core.schemas import LabelIn, LabelOut


class ConsultationIn(Schema):
    title: str = Field(..., max_length=200)
    question: str = Field("", max_length=2000)
    label: LabelIn | None = None
    statements: list[str] = Field(default_factory=list, max_length=200)


class ConsultationOut(Schema):
    id: int
    title: str
    question: str
    status: str
    label: LabelOut
    created_by: str | None
    created_at: datetime
    closed_at: datetime | None
    statements: int
    participants: int


class StatementIn(Schema):
    text: str = Field(..., max_length=2000)


class StatementOut(Schema):
    id: int
    text: str
    imported: bool
    mine: bool = Field(..., description="added by you")
    agree: int
    disagree: int
    passed: int = Field(..., description="pass votes")
    my_vote: int | None = Field(None, description="your own vote (nobody else sees it)")


class ConsultationDetailOut(ConsultationOut):
    statement_list: list[StatementOut]


class VoteIn(Schema):
    value: int = Field(..., ge=-1, le=1, description="1 agree, -1 disagree, 0 pass")


class BallotIn(Schema):
    votes: dict[int, int] = Field(
        ..., description="statement id → 1 agree, -1 disagree, 0 pass", max_length=1000
    )


class ImportIn(Schema):
    votes_csv: str = Field(..., description='Pol.is "participants-votes.csv" export')
    comments_csv: str | None = Field(None, description='Pol.is "comments.csv" (statement texts)')
    statements: dict[str, str] | None = Field(None, description="statement id → text")
    source: str = Field("", max_length=200, description="where the consultation ran")


class ImportOut(Schema):
    consultation: int
    source: str
    participants: int
    statements: int
    new_statements: int
    votes: int
    sha256: str
