"""API input/output of comms."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from accord.core.schemas import LabelIn, LabelOut


class ChannelIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    kind: str = Field(..., description="plenary | party | bilateral | caucus | topic")
    label: LabelIn | None = None
    parties: list[str] = Field(default_factory=list, description="party codes (party/bilateral)")
    description: str = Field("", max_length=500)


class ChannelOut(Schema):
    id: int
    name: str
    kind: str
    description: str
    parties: list[str]
    label: LabelOut
    unread: int | None = None


class MessageIn(Schema):
    body: str = Field(..., min_length=1, max_length=20000)
    label: LabelIn | None = Field(None, description="omit for the channel's label")
    precedence: str = Field("ROUTINE", description="FLASH | IMMEDIATE | PRIORITY | ROUTINE")
    requires_ack: bool = False
    reply_to: int | None = None


class MessagePatch(Schema):
    body: str = Field(..., min_length=1, max_length=20000)
    label: LabelIn | None = None


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    channel_id: int
    sender_id: int | None = Field(description="null when the sender's membership is hidden")
    sender: str = Field(description='the sender\'s name, or "a member not shown"')
    sender_party: str | None
    sender_hidden: bool = False
    body: str
    body_html: str
    label: LabelOut
    precedence: str
    requires_ack: bool
    acknowledged: bool
    reply_to: int | None = Field(description="null also when the message replied to is unreadable")
    reply_to_hidden: bool = Field(
        False, description="a reply to a message you may not read (its id is not shown)"
    )
    mentions: list[int] = Field(description="mentioned members whose membership you may see")
    attachments: list[AttachmentOut] = []
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None


class PostedOut(Schema):
    message: MessageOut
    warnings: list[str]


class ReadIn(Schema):
    last_read_id: int | None = Field(None, ge=0, le=2**62)


class ReadOut(Schema):
    channel_id: int
    last_read_id: int
    unread: int


class AckOut(Schema):
    message_id: int
    member_id: int
    at: datetime


class AckLine(Schema):
    member_id: int
    name: str
    party: str
    at: datetime | None


class AckStatusOut(Schema):
    message_id: int
    acknowledged: list[AckLine]
    pending: list[AckLine]
    acknowledged_hidden: int = Field(
        0, description="acknowledgements by members whose membership you may not see"
    )
    pending_hidden: int = Field(0, description="pending members you may not see")


class NotificationOut(Schema):
    id: int
    kind: str
    message_id: int
    channel_id: int
    about: str | None
    read: bool
    created_at: datetime


class NotificationsReadIn(Schema):
    ids: list[int] | None = None


class SearchHit(Schema):
    message: MessageOut
    snippet: str


class HandlingIn(Schema):
    flash_minutes: int = Field(..., ge=1, le=1440)
    immediate_minutes: int = Field(..., ge=1, le=1440)


class HandlingOut(Schema):
    flash_minutes: int
    immediate_minutes: int
