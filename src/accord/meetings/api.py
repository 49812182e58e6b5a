"""REST endpoints of the meetings app: parse → service/query → schema, no logic."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Router, Status
from ninja.pagination import paginate

from accord.core import access, people
from accord.core.api import label_out
from accord.core.errors import Invalid
from accord.core.labels import LabelValue
from accord.core.queries import viewer_for_slug
from accord.meetings import exports, ical, queries, services
from accord.meetings import schemas as s
from accord.meetings.models import Meeting, Minutes
from accord.pagination import Page

router = Router(tags=["meetings"])
BASE = "/processes/{slug}/meetings"
ONE = BASE + "/{meeting_id}"
MIN = ONE + "/minutes/{minutes_id}"


def _v(request: HttpRequest, slug: str) -> access.Viewer:
    return viewer_for_slug(request.user, slug)


def person_out(v: access.Viewer, member) -> dict | None:
    p = people.person(v, member)
    return None if p is None else {"handle": p.handle, "name": p.name}


def meeting_out(v: access.Viewer, m: Meeting) -> dict:
    return {
        "id": m.pk,
        "kind": m.kind,
        "kind_words": m.get_kind_display(),
        "title": m.title,
        "description": m.description,
        "starts_at": m.starts_at.astimezone(ZoneInfo(m.time_zone)),  # in the meeting's zone
        "ends_at": m.ends_at.astimezone(ZoneInfo(m.time_zone)),
        "time_zone": m.time_zone,
        "place": m.place,
        "link": m.link,
        "chair": person_out(v, m.chair),
        "rapporteur": person_out(v, m.rapporteur),
        "parties": [p.code for p in queries.invited_parties(m)],
        "label": label_out(v.process, m.label),
    }


def detail_out(v: access.Viewer, m: Meeting) -> dict:
    invited, hidden = queries.invited_members(v, m)
    rows, att_hidden = queries.attendance(v, m)
    return {
        **meeting_out(v, m),
        "invited_members": [person_out(v, x) for x in invited],
        "invited_members_not_shown": hidden,
        "agenda": [
            {
                "id": n.item.pk,
                "number": n.number,
                "title": n.item.title,
                "description": n.item.description,
                "duration_minutes": n.item.duration_minutes,
                "parent_id": n.item.parent_id,
                "links": [
                    {"kind": x.kind, "id": x.id, "title": x.title, "url": x.url} for x in n.links
                ],
            }
            for n in queries.flat(queries.agenda(v, m))
        ],
        "attendance": [
            {
                "member": person_out(v, a.member),
                "status": a.status,
                "status_words": a.status_words,
                "proxy": person_out(v, a.proxy),
                "recorded_at": a.recorded_at,
            }
            for a in rows
        ],
        "attendance_not_shown": att_hidden,
    }


def minutes_out(v: access.Viewer, mn: Minutes, numbers: dict[int, str] | None = None) -> dict:
    numbers = numbers if numbers is not None else queries.item_numbers(v, mn.meeting)
    return {
        "id": mn.pk,
        "meeting_id": mn.meeting_id,
        "item_id": mn.item_id,
        "item_number": numbers.get(mn.item_id) if mn.item_id else None,
        "corrects_id": mn.corrects_id,
        "status": mn.status,
        "status_words": mn.get_status_display(),
        "body": mn.body,
        "revision": mn.revision,
        "content_hash": mn.content_hash,
        "finalised_at": mn.finalised_at,
        "updated_at": mn.updated_at,
    }


def minutes_detail_out(v: access.Viewer, mn: Minutes) -> dict:
    return {
        **minutes_out(v, mn),
        "revisions": [
            {"number": r.number, "author": person_out(v, r.author), "created_at": r.created_at}
            for r in queries.revisions(v, mn)
        ],
        "comments": [
            {
                "id": c.pk,
                "author": person_out(v, c.author),
                "text": c.text,
                "wording": c.wording,
                "revision": c.revision,
                "created_at": c.created_at,
            }
            for c in queries.comments(v, mn)
        ],
    }


def _fields(data) -> dict:
    return data.dict(exclude={"label"})


@router.get(BASE, response=list[s.MeetingOut], summary="Meetings I may read")
@paginate(Page)
def list_meetings(request: HttpRequest, slug: str, when: str | None = None):
    v = _v(request, slug)
    if when not in (None, "", "upcoming", "past"):
        raise Invalid("when is upcoming or past", {"when": "unknown"})
    qs = {"upcoming": queries.upcoming, "past": queries.past}.get(when or "", queries.meetings)(v)
    return [meeting_out(v, m) for m in qs]


@router.post(BASE, response={201: s.MeetingDetailOut}, summary="Schedule a meeting")
def create_meeting(request: HttpRequest, slug: str, data: s.MeetingIn):
    v = _v(request, slug)
    label = (
        None
        if data.label is None
        else access.parse_label(v.process, data.label.dict(), LabelValue())
    )
    m = services.create_meeting(v, label=label, **_fields(data))
    return Status(201, detail_out(v, m))


@router.get(ONE, response=s.MeetingDetailOut, summary="A meeting with its agenda and attendance")
def get_meeting(request: HttpRequest, slug: str, meeting_id: int):
    v = _v(request, slug)
    return detail_out(v, queries.meeting(v, meeting_id))


@router.patch(ONE, response=s.MeetingDetailOut, summary="Change a meeting's details")
def update_meeting(request: HttpRequest, slug: str, meeting_id: int, data: s.MeetingPatch):
    v = _v(request, slug)
    m = services.update_meeting(v, queries.meeting(v, meeting_id), **data.dict(exclude_unset=True))
    return detail_out(v, m)


@router.post(f"{ONE}/agenda", response={201: s.MeetingDetailOut}, summary="Add an agenda item")
def add_item(request: HttpRequest, slug: str, meeting_id: int, data: s.ItemIn):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    services.add_item(v, m, **data.dict())
    return Status(201, detail_out(v, m))


@router.delete(
    f"{ONE}/agenda/{{agenda_item_id}}",
    response=s.MeetingDetailOut,
    summary="Take an item off the agenda",
)
def remove_item(request: HttpRequest, slug: str, meeting_id: int, agenda_item_id: int):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    services.remove_item(v, m, agenda_item_id)
    return detail_out(v, m)


@router.post(
    f"{ONE}/agenda/{{agenda_item_id}}/links",
    response={201: s.MeetingDetailOut},
    summary="Link an agenda item to a clause, agenda issue or text",
)
def link_item(
    request: HttpRequest, slug: str, meeting_id: int, agenda_item_id: int, data: s.LinkIn
):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    services.link_item(v, m, agenda_item_id, data.kind, data.id)
    return Status(201, detail_out(v, m))


@router.put(
    f"{ONE}/attendance",
    response=s.MeetingDetailOut,
    summary="Record a member present, represented by proxy, or absent",
)
def record_attendance(request: HttpRequest, slug: str, meeting_id: int, data: s.AttendanceIn):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    services.record_attendance(v, m, **data.dict())
    return detail_out(v, m)


@router.get(f"{ONE}/minutes", response=list[s.MinutesOut], summary="The minutes of a meeting")
def list_minutes(request: HttpRequest, slug: str, meeting_id: int):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    numbers = queries.item_numbers(v, m)
    return [minutes_out(v, mn, numbers) for mn in queries.minutes_of(v, m)]


@router.post(
    f"{ONE}/minutes",
    response={200: s.MinutesDetailOut},
    summary="Write the minutes of the meeting or of one agenda item (a new revision)",
)
def save_minutes(request: HttpRequest, slug: str, meeting_id: int, data: s.MinutesIn):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    mn = services.save_minutes(v, m, **data.dict())
    return minutes_detail_out(v, mn)


@router.get(MIN, response=s.MinutesDetailOut, summary="Minutes with revisions and comments")
def get_minutes(request: HttpRequest, slug: str, meeting_id: int, minutes_id: int):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    return minutes_detail_out(v, queries.minutes(v, m, minutes_id))


@router.put(
    MIN,
    response=s.MinutesDetailOut,
    summary="Revise minutes (409 once they are final: issue a corrigendum)",
)
def edit_minutes(
    request: HttpRequest, slug: str, meeting_id: int, minutes_id: int, data: s.MinutesEditIn
):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    mn = services.save_minutes_by_id(v, m, minutes_id, **data.dict())
    return minutes_detail_out(v, mn)


def _step(request, slug, meeting_id, minutes_id, act):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    mn = act(v, m, minutes_id)
    return minutes_detail_out(v, mn)


@router.post(f"{MIN}/circulate", response=s.MinutesDetailOut, summary="Circulate for comment")
def circulate(request: HttpRequest, slug: str, meeting_id: int, minutes_id: int):
    return _step(request, slug, meeting_id, minutes_id, services.circulate_minutes)


@router.post(
    f"{MIN}/finalise",
    response=s.MinutesDetailOut,
    summary="Finalise (the rapporteur): frozen, SHA-256 ledgered",
)
def finalise(request: HttpRequest, slug: str, meeting_id: int, minutes_id: int):
    return _step(request, slug, meeting_id, minutes_id, services.finalise_minutes)


@router.post(f"{MIN}/lock", response=s.MinutesDetailOut, summary="Lock final minutes")
def lock(request: HttpRequest, slug: str, meeting_id: int, minutes_id: int):
    return _step(request, slug, meeting_id, minutes_id, services.lock_minutes)


@router.post(
    f"{MIN}/comments",
    response={201: s.CommentOut},
    summary="Comment on circulated minutes (attending parties)",
)
def comment(request: HttpRequest, slug: str, meeting_id: int, minutes_id: int, data: s.CommentIn):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    c = services.comment_minutes(v, m, minutes_id, text=data.text, wording=data.wording)
    return Status(
        201,
        {
            "id": c.pk,
            "author": person_out(v, c.author),
            "text": c.text,
            "wording": c.wording,
            "revision": c.revision,
            "created_at": c.created_at,
        },
    )


@router.post(
    f"{MIN}/corrigenda",
    response={201: s.MinutesDetailOut},
    summary="Issue a corrigendum to final minutes",
)
def corrigendum(
    request: HttpRequest, slug: str, meeting_id: int, minutes_id: int, data: s.CorrigendumIn
):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    cg = services.issue_corrigendum(v, m, minutes_id, body=data.body)
    return Status(201, minutes_detail_out(v, cg))


# --- iCalendar ----------------------------------------------------------------------------------
def _ics(body: bytes, filename: str) -> HttpResponse:
    resp = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp["Cache-Control"] = "private, no-store"
    return resp


def _abs(request: HttpRequest, m: Meeting) -> str:
    return request.build_absolute_uri(reverse("meetings:detail", args=[m.process.slug, m.pk]))


@router.get(f"{ONE}/calendar.ics", summary="One meeting as an iCalendar (.ics) file")
def meeting_ics(request: HttpRequest, slug: str, meeting_id: int):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    body = ical.calendar(v, [m], m.title, urls=lambda x: _abs(request, x))
    return _ics(body, f"meeting-{m.pk}.ics")


@router.get(
    "/processes/{slug}/calendar/{feed_token}.ics",
    auth=None,
    include_in_schema=False,  # a secret URL, not an API to browse (tests/meetings/test_ical.py)
    summary="A member's calendar feed (secret URL; authenticates by its token, not by session)",
)
def feed_ics(request: HttpRequest, slug: str, feed_token: str):
    member = services.feed_member(slug, feed_token)
    v = access.viewer_of(member)
    body = ical.calendar(
        v,
        queries.feed_meetings(member),
        f"Accord: {member.process.name}",
        urls=lambda x: _abs(request, x),
    )
    return _ics(body, "accord-meetings.ics")


# --- action items -------------------------------------------------------------------------------
def action_out(v: access.Viewer, a) -> dict:
    if a.owner_member_id:
        owner = people.person(v, a.owner_member).name
    else:
        owner = a.owner_party.code
    return {
        "id": a.pk,
        "meeting_id": a.meeting_id,
        "meeting_title": a.meeting.title,
        "text": a.text,
        "owner": owner,
        "due_date": a.due_date,
        "status": a.status,
        "status_words": a.get_status_display(),
        "overdue": a.status == "open" and a.due_date < timezone.now().date(),
    }


@router.get(f"{ONE}/actions", response=list[s.ActionOut], summary="Action items of a meeting")
def list_actions(request: HttpRequest, slug: str, meeting_id: int):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    return [action_out(v, a) for a in queries.actions_of(v, m)]


@router.post(
    f"{ONE}/actions",
    response={201: s.ActionOut},
    summary="Record an action item (chair or rapporteur)",
)
def add_action(request: HttpRequest, slug: str, meeting_id: int, data: s.ActionIn):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    return Status(201, action_out(v, services.add_action(v, m, **data.dict())))


@router.put(
    f"{ONE}/actions/{{actionitem_id}}/status",
    response=s.ActionOut,
    summary="Mark an action item done, dropped or open (its owner or the officers)",
)
def set_action_status(
    request: HttpRequest, slug: str, meeting_id: int, actionitem_id: int, data: s.ActionStatusIn
):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    return action_out(v, services.set_action_status(v, m, actionitem_id, data.status))


@router.get(
    "/processes/{slug}/my-action-items",
    response=list[s.ActionOut],
    summary="Action items I own (myself or my party)",
)
def my_actions(request: HttpRequest, slug: str):
    v = _v(request, slug)
    return [action_out(v, a) for a in queries.my_actions(v)]


# --- decisions ----------------------------------------------------------------------------------
def decision_out(v: access.Viewer, d) -> dict:
    verdict = queries.verdict(v, d)
    return {
        "id": d.pk,
        "meeting_id": d.meeting_id,
        "title": d.title,
        "text": d.text,
        "rule": d.rule,
        "rule_words": verdict["rule_words"],
        "eligible": d.eligible,
        "secret": d.secret,
        "status": d.status,
        "closes_at": d.closes_at,
        "outcome": verdict["outcome"],
        "outcome_words": verdict["outcome_words"],
        "arithmetic": verdict["arithmetic"],
        "final": verdict["final"],
        "votes": [
            {"party": x["party"], "choice": x["choice"], "by_proxy": x["by_proxy"]}
            for x in verdict["votes"]
        ],
        "statement": d.statement,
        "review_on": d.review_on,
    }


@router.get(f"{ONE}/decisions", response=list[s.DecisionOut], summary="Decisions of a meeting")
def list_decisions(request: HttpRequest, slug: str, meeting_id: int):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    return [decision_out(v, d) for d in queries.decisions(v, m)]


@router.post(
    f"{ONE}/decisions",
    response={201: s.DecisionOut},
    summary="Put a proposal under a decision rule",
)
def propose(request: HttpRequest, slug: str, meeting_id: int, data: s.DecisionIn):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    return Status(201, decision_out(v, services.propose(v, m, **data.dict())))


@router.get(
    f"{ONE}/decisions/{{decision_id}}",
    response=s.DecisionOut,
    summary="A decision with its computed verdict and the arithmetic in words",
)
def get_decision(request: HttpRequest, slug: str, meeting_id: int, decision_id: int):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    return decision_out(v, queries.decision(v, m, decision_id))


@router.put(
    f"{ONE}/decisions/{{decision_id}}/vote",
    response=s.DecisionOut,
    summary="Cast a party's vote (head of delegation or negotiator, or its proxy holder)",
)
def cast_vote(request: HttpRequest, slug: str, meeting_id: int, decision_id: int, data: s.VoteIn):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    services.cast_vote(v, m, decision_id, **data.dict())
    return decision_out(v, queries.decision(v, m, decision_id))


@router.post(
    f"{ONE}/decisions/{{decision_id}}/close",
    response=s.DecisionOut,
    summary="Close a decision: the verdict is stored and recorded",
)
def close_decision(request: HttpRequest, slug: str, meeting_id: int, decision_id: int):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    return decision_out(v, services.close_decision(v, m, decision_id))


@router.put(
    f"{ONE}/decisions/{{decision_id}}/outcome",
    response=s.DecisionOut,
    summary="Record the outcome of a closed decision: a statement and a review date",
)
def record_outcome(
    request: HttpRequest, slug: str, meeting_id: int, decision_id: int, data: s.OutcomeIn
):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    services.record_outcome(v, m, decision_id, statement=data.statement, review_on=data.review_on)
    return decision_out(v, queries.decision(v, m, decision_id))


@router.get(
    f"{ONE}/decisions/{{decision_id}}/export",
    summary="The decision record to print or keep: format=html or pdf, under the meeting's label",
    response={200: None},
)
def export_decision(
    request: HttpRequest, slug: str, meeting_id: int, decision_id: int, format: str = "html"
):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    body, content_type, filename = exports.export(v, m, decision_id, fmt=format)
    resp = HttpResponse(body, content_type=content_type)
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp
