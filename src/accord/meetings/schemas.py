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
    label: LabelIn | None = Field(
        None,
        description="combined with the meeting's label (never less restricted than the "
        "meeting); by default the meeting's. You must be able to read it, and so must every "
        "eligible party (REL TO)",
    )


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
    label: LabelOut = Field(..., description="the decision's own label")
    status: str
    closes_at: datetime | None
    outcome: str
    outcome_words: str
    arithmetic: str
    final: bool
    votes: list[DecisionVoteOut]
    statement: str = Field("", description="the outcome in words, recorded once closed")
    review_on: date | None = Field(None, description="when the outcome is to be reviewed")


# --- rules of procedure, disputes, concerns, engagement ---------------------------------------
class LadderStep(Schema):
    name: str = Field(..., max_length=200)
    days: int = Field(..., description="the step's clock in days; 0 for the last step (referral)")
    advisory: bool = Field(False, description="an advisory opinion may be filed at this step")


class Objective(Schema):
    acknowledge: int = Field(..., description="hours to acknowledge")
    respond: int = Field(..., description="hours to respond")


class ProceduresIO(Schema):
    ladder: list[LadderStep]
    objectives: dict[str, Objective] = Field(..., description="per severity: high, medium, low")


class ProceduresPatch(Schema):
    ladder: list[LadderStep] | None = Field(None, max_length=8)
    objectives: dict[str, Objective] | None = None


class DisputeIn(Schema):
    title: str = Field(..., max_length=200)
    text: str = Field(..., max_length=20000)
    against: str | None = Field(None, description="code of the party disputed")
    subject_kind: str | None = Field(
        None, description="negotiation.clause, meetings.decision or implementation.commitment"
    )
    subject_id: int | None = None
    label: LabelIn | None = None


class DisputeStepOut(Schema):
    index: int
    name: str
    started_at: datetime
    deadline: datetime | None
    extended_days: int
    ended_at: datetime | None
    ended_how: str
    ended_words: str


class SubmissionIn(Schema):
    kind: str = Field(..., description="statement, response, evidence, proposal or opinion")
    text: str = Field(..., max_length=20000)
    confidential: bool = Field(
        False, description="only the disputing parties and the mediators may read it"
    )
    label: LabelIn | None = None


class SubmissionOut(Schema):
    id: int
    step: int
    step_name: str
    kind: str
    kind_words: str
    text: str
    party: str
    author: PersonOut | None
    created_at: datetime
    label: LabelOut


class ExtensionIn(Schema):
    days: int
    reason: str = Field("", max_length=2000)


class ExtensionOut(Schema):
    id: int
    step: int
    days: int
    reason: str
    agreed: list[str]
    awaiting: list[str]
    status: str
    status_words: str
    created_at: datetime


class ResolutionIn(Schema):
    resolution: str = Field(..., max_length=20000)


class DisputeOut(Schema):
    id: int
    title: str
    text: str
    raising_party: str
    against_party: str | None
    status: str
    status_words: str
    step: int
    step_name: str
    step_deadline: datetime | None
    ladder: list[LadderStep]
    resolution: str
    created_at: datetime
    closed_at: datetime | None
    label: LabelOut


class DisputeDetailOut(DisputeOut):
    steps: list[DisputeStepOut]
    submissions: list[SubmissionOut]
    extensions: list[ExtensionOut]
    subject: LinkOut | None


class ConcernIn(Schema):
    title: str = Field(..., max_length=200)
    text: str = Field(..., max_length=10000)
    about: str = Field(..., description="party, clause, statement, incident, delay or other")
    addressed_to: str = Field(..., description="code of the party the concern is addressed to")
    severity: str = Field(..., description="high, medium or low")
    label: LabelIn | None = None


class ResponseIn(Schema):
    response: str = Field(..., max_length=10000)


class ConcernOut(Schema):
    id: int
    title: str
    text: str
    about: str
    about_words: str
    raising_party: str
    addressed_party: str
    raised_by: PersonOut | None
    severity: str
    status: str
    status_words: str
    overdue: str = Field(..., description="'' when on time, else acknowledgement or response")
    acknowledge_by: datetime
    respond_by: datetime
    acknowledged_at: datetime | None
    responded_at: datetime | None
    response: str
    escalated_at: datetime | None
    dispute_id: int | None = Field(None, description="the dispute it became, when readable")
    created_at: datetime
    label: LabelOut


class EngagementRow(Schema):
    party: str
    party_name: str
    concerns: int
    median_hours_to_acknowledge: float | None
    median_hours_to_respond: float | None
    open: int
    overdue: int
    meetings_invited: int
    meetings_attended: int
    confirmations_due: int
    confirmed_on_time: int


class EngagementOut(Schema):
    label: LabelOut = Field(..., description="derived label of the figures")
    parties: list[EngagementRow]


class PollIn(Schema):
    title: str = Field(..., max_length=200)
    details: str = Field("", max_length=5000)
    kind: str = Field(..., description="proposal, consent, choose_one, score, ranked, dot or time")
    options: list[str] = Field(default_factory=list, max_length=20)
    method: str = Field("", description="ranked choice: instant-runoff or schulze")
    budget: int = Field(8, description="dot vote: dots per member")
    closes_at: datetime


class AnswerIn(Schema):
    answer: str | list[str] | dict[str, int] = Field(
        ...,
        description="proposal: agree|abstain|disagree|block; consent: consent|objection; "
        "choose_one: an option; ranked: options in order; score (0–5), dot (dots), "
        "time (2 yes, 1 if need be, 0 no): {option: number}",
    )


class PollRow(Schema):
    name: str
    figure: str


class PollOut(Schema):
    id: int
    meeting_id: int
    title: str
    details: str
    kind: str
    kind_words: str
    options: list[str]
    method: str
    budget: int
    closes_at: datetime
    open: bool
    answers: int
    result: str
    rows: list[PollRow]
    my_answer: str | list[str] | dict[str, int] | None = None


class OutcomeIn(Schema):
    statement: str = Field(..., max_length=10_000, description="the outcome in words")
    review_on: date | None = Field(
        None, description="a date to come (in the meeting's zone); a reminder goes out that day"
    )


class FloorIn(Schema):
    point_of_order: bool = Field(False, description="a point of order goes ahead of speeches")


class AllowanceIn(Schema):
    party: str = Field(..., max_length=16, description="party code, e.g. ARD")
    minutes: int = Field(..., description="0 to 240 whole minutes")


class SpeakerOut(Schema):
    id: int
    member: PersonOut
    party: str
    kind: str
    kind_words: str
    status: str
    position: int | None = Field(None, description="place in the queue (waiting only)")
    requested_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    seconds: int = Field(..., description="how long the speech lasted (or has lasted so far)")


class PartyTimeOut(Schema):
    party: str
    used_seconds: int
    allowed_seconds: int | None = Field(None, description="null: no limit")
    remaining_seconds: int | None = Field(None, description="negative when over the allowance")
    used_words: str
    remaining_words: str


class SpeakingListOut(Schema):
    item_id: int
    item_title: str
    current: SpeakerOut | None
    waiting: list[SpeakerOut]
    done: list[SpeakerOut]
    parties: list[PartyTimeOut]
    speakers_not_shown: int
    may_request: bool
    refusal: str = Field("", description="why the reader may not ask for the floor")
