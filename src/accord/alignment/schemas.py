"""API input and output of the alignment app (GeoJSON geometries in and out, WGS 84)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from accord.core.schemas import LabelIn, LabelOut


class LineIn(Schema):
    name: str = Field(..., max_length=200)
    kind: str = Field(..., description="diplomatic, information, military or economic")
    objectives: str = Field("", max_length=4000)
    shared: bool = Field(False, description="a line shared by all parties (holders of the pen)")
    label: LabelIn | None = None


class LineOut(Schema):
    id: int
    name: str
    kind: str
    party: str | None = Field(None, description="party code; none for a shared line")
    objectives: str
    label: LabelOut


class ActionIn(Schema):
    title: str = Field(..., max_length=200)
    kind: str
    geometry: dict = Field(..., description="GeoJSON Point, LineString, Polygon or Multi*, WGS 84")
    buffer_m: float = Field(0, description="buffer in metres (≤ 500 km)")
    lower_m: float | None = None
    upper_m: float | None = None
    start: datetime | None = Field(None, description="required unless timed on an anchor (D+n)")
    end: datetime | None = None
    anchor: int | None = Field(None, description="an anchor event id (implementation): D+n")
    start_offset_days: int | None = Field(None, description="D+n of the start (with anchor)")
    end_offset_days: int | None = Field(None, description="D+n of the end, exclusive")
    line: int | None = None
    description: str = Field("", max_length=4000)
    label: LabelIn | None = Field(None, description="default SECRET // REL TO your party")


class AnchorOut(Schema):
    id: int
    name: str
    start_offset_days: int
    end_offset_days: int
    words: str


class ActionPatch(Schema):
    title: str | None = Field(None, max_length=200)
    kind: str | None = None
    geometry: dict | None = None
    buffer_m: float | None = None
    start: datetime | None = None
    end: datetime | None = None
    description: str | None = Field(None, max_length=4000)


class StateIn(Schema):
    state: str = Field(..., description="approved, active, done, cancelled or planned")


class TouchOut(Schema):
    action: int
    action_title: str
    constraint: int
    constraint_title: str
    version: int
    conflict: bool
    how: str = Field(..., description="enters (exclusion), leaves (inclusion) or inside")
    start: datetime
    end: datetime
    precedence: str = Field(..., description="FLASH when the action starts within 24 hours")
    label: LabelOut


class MissingOut(Schema):
    constraint: int
    version: int
    title: str


class ActionOut(Schema):
    id: int
    title: str
    description: str
    kind: str
    state: str
    party: str
    line: int | None = Field(None, description="its line of effort, when you may read it")
    geometry: dict
    buffer_m: float
    lower_m: float | None
    upper_m: float | None
    start: datetime
    end: datetime
    anchor: AnchorOut | None = Field(
        None, description="D+n timing, when you may read the anchor's agreement"
    )
    revision: int
    label: LabelOut


class ActionDetailOut(ActionOut):
    touches: list[TouchOut]
    missing_acknowledgements: list[MissingOut]


class WindowIn(Schema):
    start: datetime = Field(..., description="ISO 8601 with its zone")
    end: datetime = Field(..., description="after the start")


class WindowOut(Schema):
    start: datetime
    end: datetime


class ConstraintIn(Schema):
    title: str = Field(..., max_length=200)
    kind: str
    restriction: str = Field(..., description="prohibited, notification or conditional")
    geometry: dict
    buffer_m: float = 0
    notice_hours: int | None = Field(None, ge=1, le=24 * 365)
    conditions: str = Field("", max_length=4000)
    binds_parties: list[str] = Field(default_factory=list, description="party codes; empty = all")
    binds_kinds: list[str] = Field(default_factory=list, description="action kinds; empty = all")
    lower_m: float | None = None
    upper_m: float | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    windows: list[WindowIn] = Field(
        default_factory=list,
        description="several time windows (a corridor's openings); empty = the whole validity",
    )
    repeat_days: int = Field(1, description="repeat each window daily for this many days (1-31)")
    source_ref: str = Field("", max_length=300, description="required unless source_kind/id given")
    source_kind: str | None = Field(None, description="a registered kind, e.g. negotiation.clause")
    source_id: int | None = None
    label: LabelIn | None = None


class ConstraintPatch(Schema):
    note: str = Field("", max_length=300)
    title: str | None = Field(None, max_length=200)
    restriction: str | None = None
    geometry: dict | None = None
    buffer_m: float | None = None
    notice_hours: int | None = Field(None, ge=1, le=24 * 365)
    conditions: str | None = Field(None, max_length=4000)
    binds_parties: list[str] | None = None
    binds_kinds: list[str] | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    windows: list[WindowIn] | None = Field(None, description="replaces the time windows")
    source_ref: str | None = Field(None, max_length=300)


class ConstraintOut(Schema):
    id: int
    title: str
    kind: str
    inclusion: bool
    restriction: str
    notice_hours: int | None
    conditions: str
    binds_parties: list[str]
    binds_kinds: list[str]
    geometry: dict
    buffer_m: float
    lower_m: float | None
    upper_m: float | None
    valid_from: datetime | None
    valid_until: datetime | None
    windows: list[WindowOut] = Field(..., description="empty: the whole validity")
    source_ref: str
    version: int
    acknowledged: bool = Field(..., description="your party acknowledged the current version")
    source_changed: bool = Field(
        ..., description="its source clause was reworded since; review (only if you may read both)"
    )
    label: LabelOut


class VersionOut(Schema):
    number: int
    note: str
    created_at: datetime
    snapshot: dict


class AckIn(Schema):
    version: int = Field(..., ge=1)


class AckOut(Schema):
    constraint: int
    version: int
    party: str
    at: datetime


class NotificationIn(Schema):
    kind: str = Field(..., description="site, movement or infrastructure")
    title: str = Field(..., max_length=200)
    geometry: dict
    buffer_m: float = 0
    start: datetime | None = Field(None, description="required for a movement")
    end: datetime | None = None
    expires_at: datetime
    vehicles: str = Field("", max_length=300, description="vehicle markings of a movement")
    description: str = Field("", max_length=4000)
    emergency: bool = False
    label: LabelIn | None = None


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    description: str
    vehicles: str
    geometry: dict
    buffer_m: float
    start: datetime | None
    end: datetime | None
    expires_at: datetime
    notified_at: datetime
    emergency: bool
    late: bool = Field(
        ..., description="a movement notified less than 48 h (24 h in an emergency) ahead"
    )
    acknowledged_by: list[str] = Field(
        ..., description="conflict parties that acknowledged (not approved)"
    )
    constraint: int | None = Field(
        None, description="the constraint it became, when you may read it"
    )
    label: LabelOut
