"""API input and output of the meetings app."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from accord.core.schemas import LabelIn, LabelOut


class MeetingIn(Schema):
    kind: str = Field(
        ..., description="plenary, caucus, bilateral, working_group, technical_committee or review"
    )
    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=5000)
    starts_at: datetime = Field(..., description="ISO 8601; without an offset: in time_zone")
    ends_at: datetime
    time_zone: str = Field("UTC", max_length=64, description="IANA name, e.g. Europe/Sofia")
    place: str = Field("", max_length=200)
    link: str = Field("", max_length=500)
    chair_id: int
    rapporteur_id: int | None = None
    parties: list[str] = Field(default_factory=list, max_length=50)
    member_ids: list[int] = Field(default_factory=list, max_length=500)
    label: LabelIn | None = None


class MeetingPatch(Schema):
    kind: str | None = None
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    time_zone: str | None = Field(None, max_length=64)
    place: str | None = Field(None, max_length=200)
    link: str | None = Field(None, max_length=500)
    chair_id: int | None = None
    rapporteur_id: int | None = None
    parties: list[str] | None = Field(None, max_length=50)
    member_ids: list[int] | None = Field(None, max_length=500)


class PersonOut(Schema):
    handle: str | None = Field(None, description="user@PARTY; null for a member not shown")
    name: str


class LinkOut(Schema):
    kind: str
    id: int
    title: str
    url: str | None


class ItemOut(Schema):
    id: int
    number: str
    title: str
    description: str
    duration_minutes: int
    parent_id: int | None
    links: list[LinkOut]


class AttendanceOut(Schema):
    member: PersonOut
    status: str
    status_words: str
    proxy: PersonOut | None
    recorded_at: datetime


class MeetingOut(Schema):
    id: int
    kind: str
    kind_words: str
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    place: str
    link: str
    chair: PersonOut
    rapporteur: PersonOut | None
    parties: list[str]
    label: LabelOut


class MeetingDetailOut(MeetingOut):
    invited_members: list[PersonOut]
    invited_members_not_shown: int
    agenda: list[ItemOut]
    attendance: list[AttendanceOut]
    attendance_not_shown: int


class ItemIn(Schema):
    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=5000)
    parent_id: int | None = None
    duration_minutes: int = Field(0, ge=0, le=1440)


class LinkIn(Schema):
    kind: str = Field(
        ..., description="negotiation.clause, negotiation.issue or negotiation.document"
    )
    id: int


class AttendanceIn(Schema):
    member_id: int
    status: str = Field(..., description="present, proxy or absent")
    proxy_id: int | None = None


class MinutesIn(Schema):
    body: str = Field(..., max_length=100_000, description="Markdown")
    item_id: int | None = Field(None, description="an agenda item; empty for the whole meeting")
    base_revision: int | None = Field(None, description="the revision you edited (optional)")


class MinutesEditIn(Schema):
    body: str = Field(..., max_length=100_000)
    base_revision: int | None = None


class CorrigendumIn(Schema):
    body: str = Field(..., max_length=100_000)


class CommentIn(Schema):
    text: str = Field(..., max_length=4000)
    wording: str = Field("", max_length=4000, description="proposed wording, if any")


class CommentOut(Schema):
    id: int
    author: PersonOut | None
    text: str
    wording: str
    revision: int
    created_at: datetime


class RevisionOut(Schema):
    number: int
    author: PersonOut | None
    created_at: datetime


class MinutesOut(Schema):
    id: int
    meeting_id: int
    item_id: int | None
    item_number: str | None
    corrects_id: int | None
    status: str
    status_words: str
    body: str
    revision: int
    content_hash: str
    finalised_at: datetime | None
    updated_at: datetime


class MinutesDetailOut(MinutesOut):
    revisions: list[RevisionOut]
    comments: list[CommentOut]


class ActionIn(Schema):
    text: str = Field(..., max_length=500)
    due_date: date
    owner_member_id: int | None = None
    owner_party: str | None = Field(None, max_length=12)
    minutes_id: int | None = None


class ActionStatusIn(Schema):
    status: str = Field(..., description="open, done or dropped")


class ActionOut(Schema):
    id: int
    meeting_id: int
    meeting_title: str
    text: str
    owner: str = Field(..., description="a member's name or a party code")
    due_date: date
    status: str
    status_words: str
    overdue: bool


class DecisionIn(Schema):
    title: str = Field(..., max_length=200)
    text: str = Field(..., max_length=20_000)
    rule: str = Field(..., description="consensus, silence, unanimity, majority or ad_referendum")
    eligible: list[str] | dict[str, float] = Field(
        ..., description="party codes, or party code → weight"
    )
    threshold: str = Field("1/2+", description='"1/2+" more than half, "2/3", "3/4", "p/q"')
    base: str = Field("cast", description="cast, valid, voting, present or eligible")
    quorum: int | None = Field(None, ge=1, le=1000)
    closes_at: datetime | None = None
    secret: bool = False
    item_id: int | None = None


class VoteIn(Schema):
    choice: str = Field(
        ...,
        description="agree, disagree, abstain, object, block, amend, "
        "confirm, decline, invalid (as the rule allows)",
    )
    party: str | None = Field(None, description="a party whose proxy you hold; default yours")
    text: str = Field("", max_length=4000, description="written reason (an objection)")
    amendment: str = Field("", max_length=4000)


class DecisionVoteOut(Schema):
    party: str
    choice: str | None = Field(None, description="null for a secret vote")
    by_proxy: bool


class DecisionOut(Schema):
    id: int
    meeting_id: int
    title: str
    text: str
    rule: str
    rule_words: str
    eligible: dict[str, float]
    secret: bool
    status: str
    closes_at: datetime | None
    outcome: str
    outcome_words: str
    arithmetic: str
    final: bool
    votes: list[DecisionVoteOut]
    statement: str = Field("", description="the outcome in words, recorded once closed")
    review_on: date | None = Field(None, description="when the outcome is to be reviewed")


class OutcomeIn(Schema):
    statement: str = Field(..., max_length=10_000, description="the outcome in words")
    review_on: date | None = Field(
        None, description="a date to come (in the meeting's zone); a reminder goes out that day"
    )
