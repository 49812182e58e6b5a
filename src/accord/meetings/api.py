"""REST endpoints of the meetings app: parse → service/query → schema, no logic."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Router, Status
from ninja.pagination import paginate

from accord.core import access, people
from accord.core.api import label_in, label_out
from accord.core.api import viewer as _v
from accord.core.errors import Invalid
from accord.core.schemas import LinkIn
from accord.meetings import exports, ical, queries, services
from accord.meetings import schemas as s
from accord.meetings.models import Concern, Meeting, Minutes
from accord.pagination import Page
from accord.ui.pdf import export_response

router = Router(tags=["meetings"])
BASE = "/processes/{slug}/meetings"
ONE = BASE + "/{meeting_id}"
MIN = ONE + "/minutes/{minutes_id}"


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
    m = services.create_meeting(v, label=label_in(v, data.label), **_fields(data))
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
def link_item(request: HttpRequest, slug: str, meeting_id: int, agenda_item_id: int, data: LinkIn):
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


# --- speaking lists -----------------------------------------------------------------------------
SPK = ONE + "/agenda/{agenda_item_id}/speakers"


def speaker_out(v: access.Viewer, r) -> dict:
    sp = r.speech
    return {
        "id": sp.pk,
        "member": person_out(v, r.member),
        "party": r.member.party.code,
        "kind": sp.kind,
        "kind_words": sp.get_kind_display(),
        "status": sp.status,
        "position": r.position or None,
        "requested_at": sp.requested_at,
        "started_at": sp.started_at,
        "ended_at": sp.ended_at,
        "seconds": r.seconds,
    }


def speaking_out(v: access.Viewer, m: Meeting, item_id: int) -> dict:
    item = queries.agenda_item(v, m, item_id)
    sl = queries.speaking_list(v, m, item)
    refusal = services.floor_refusal(v, m)
    return {
        "item_id": item.pk,
        "item_title": item.title,
        "current": speaker_out(v, sl.current) if sl.current else None,
        "waiting": [speaker_out(v, r) for r in sl.waiting],
        "done": [speaker_out(v, r) for r in sl.done],
        "parties": [
            {
                "party": t.party.code,
                "used_seconds": t.used,
                "allowed_seconds": t.allowed,
                "remaining_seconds": t.remaining,
                "used_words": t.used_words,
                "remaining_words": t.remaining_words,
            }
            for t in sl.parties
        ],
        "speakers_not_shown": sl.hidden,
        "may_request": not refusal,
        "refusal": refusal,
    }


@router.get(SPK, response=s.SpeakingListOut, summary="The speaking list of an agenda item")
def speakers(request: HttpRequest, slug: str, meeting_id: int, agenda_item_id: int):
    v = _v(request, slug)
    return speaking_out(v, queries.meeting(v, meeting_id), agenda_item_id)


@router.post(
    SPK,
    response={201: s.SpeakingListOut},
    summary="Ask for the floor (a point of order goes ahead of speeches)",
)
def request_floor(
    request: HttpRequest, slug: str, meeting_id: int, agenda_item_id: int, data: s.FloorIn
):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    services.request_floor(v, m, agenda_item_id, point_of_order=data.point_of_order)
    return Status(201, speaking_out(v, m, agenda_item_id))


@router.post(
    SPK + "/next",
    response=s.SpeakingListOut,
    summary="End the current speech and give the floor to the next speaker (officers)",
)
def next_speaker(request: HttpRequest, slug: str, meeting_id: int, agenda_item_id: int):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    services.next_speaker(v, m, agenda_item_id)
    return speaking_out(v, m, agenda_item_id)


@router.post(SPK + "/end", response=s.SpeakingListOut, summary="End the current speech (officers)")
def end_speech(request: HttpRequest, slug: str, meeting_id: int, agenda_item_id: int):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    services.end_speech(v, m, agenda_item_id)
    return speaking_out(v, m, agenda_item_id)


@router.delete(
    SPK + "/{speech_id}",
    response=s.SpeakingListOut,
    summary="Withdraw a waiting request (its speaker, or an officer)",
)
def withdraw_speech(
    request: HttpRequest, slug: str, meeting_id: int, agenda_item_id: int, speech_id: int
):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    queries.agenda_item(v, m, agenda_item_id)
    services.withdraw(v, m, speech_id, item_id=agenda_item_id)
    return speaking_out(v, m, agenda_item_id)


@router.put(
    ONE + "/agenda/{agenda_item_id}/allowances",
    response=s.SpeakingListOut,
    summary="Set a delegation's speaking time on an item, 0-240 minutes (officers)",
)
def set_allowance(
    request: HttpRequest, slug: str, meeting_id: int, agenda_item_id: int, data: s.AllowanceIn
):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    services.set_allowance(v, m, agenda_item_id, data.party, data.minutes)
    return speaking_out(v, m, agenda_item_id)


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
        "label": label_out(v.process, d.label),
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
    d = services.propose(v, m, label=label_in(v, data.label), **_fields(data))
    return Status(201, decision_out(v, d))


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


# --- rules of procedure, disputes, concerns, engagement ---------------------------------------
DIS = "/processes/{slug}/disputes"
CON = "/processes/{slug}/concerns"


def procedures_out(p) -> dict:
    return {"ladder": p.ladder, "objectives": p.objectives}


@router.get("/processes/{slug}/procedures", response=s.ProceduresIO, summary="Rules of procedure")
def get_procedures(request: HttpRequest, slug: str):
    v = _v(request, slug)
    return procedures_out(queries.procedures(v.process))


@router.patch(
    "/processes/{slug}/procedures",
    response=s.ProceduresIO,
    summary="Set the dispute ladder and the concerns' response-time objectives",
)
def set_procedures(request: HttpRequest, slug: str, data: s.ProceduresPatch):
    v = _v(request, slug)
    d = data.dict(exclude_none=True)
    return procedures_out(services.set_procedures(v, **d))


def dispute_out(v: access.Viewer, d) -> dict:
    return {
        "id": d.pk,
        "title": d.title,
        "text": d.text,
        "raising_party": d.raising_party.code,
        "against_party": d.against_party.code if d.against_party_id else None,
        "status": d.status,
        "status_words": d.get_status_display(),
        "step": d.step,
        "step_name": d.step_name(),
        "step_deadline": d.step_deadline,
        "ladder": d.ladder,
        "resolution": d.resolution,
        "created_at": d.created_at,
        "closed_at": d.closed_at,
        "label": label_out(v.process, d.label),
    }


def dispute_detail_out(v: access.Viewer, d) -> dict:
    from accord.core import links

    about = links.targets(v, d, "about")
    subject = about[0] if about else None
    return {
        **dispute_out(v, d),
        "steps": [
            {
                "index": st.index,
                "name": st.name,
                "started_at": st.started_at,
                "deadline": st.deadline,
                "extended_days": st.extended_days,
                "ended_at": st.ended_at,
                "ended_how": st.ended_how,
                "ended_words": st.get_ended_how_display() if st.ended_how else "",
            }
            for st in d.steps.all()
        ],
        "submissions": [
            {
                "id": sub.pk,
                "step": sub.step,
                "step_name": d.step_name(sub.step),
                "kind": sub.kind,
                "kind_words": sub.get_kind_display(),
                "text": sub.text,
                "party": sub.party.code,
                "author": person_out(v, sub.author),
                "created_at": sub.created_at,
                "label": label_out(v.process, sub.label),
            }
            for sub in queries.submissions(v, d)
        ],
        "extensions": [
            {
                "id": e.pk,
                "step": e.step,
                "days": e.days,
                "reason": e.reason,
                "agreed": e.agreed,
                "awaiting": [c for c in d.party_codes() if c not in e.agreed],
                "status": e.status,
                "status_words": e.get_status_display(),
                "created_at": e.created_at,
            }
            for e in d.extensions.all()
        ],
        "subject": None
        if subject is None
        else {"kind": subject.kind, "id": subject.id, "title": subject.title, "url": subject.url},
    }


@router.get(DIS, response=list[s.DisputeOut], summary="Disputes I may read")
@paginate(Page)
def list_disputes(request: HttpRequest, slug: str, status: str | None = None):
    v = _v(request, slug)
    qs = queries.disputes(v)
    if status:
        if status not in ("open", "referred", "resolved", "withdrawn"):
            raise Invalid("status is open, referred, resolved or withdrawn", {"status": "unknown"})
        qs = qs.filter(status=status)
    return [dispute_out(v, d) for d in qs]


@router.post(DIS, response={201: s.DisputeDetailOut}, summary="Raise a dispute")
def raise_dispute(request: HttpRequest, slug: str, data: s.DisputeIn):
    v = _v(request, slug)
    d = services.raise_dispute(v, label=label_in(v, data.label), **_fields(data))
    return Status(201, dispute_detail_out(v, queries.dispute(v, d.pk)))


@router.get(
    DIS + "/{dispute_id}",
    response=s.DisputeDetailOut,
    summary="A dispute with its ladder, clocks, submissions and extensions",
)
def get_dispute(request: HttpRequest, slug: str, dispute_id: int):
    v = _v(request, slug)
    return dispute_detail_out(v, queries.dispute(v, dispute_id))


def _dispute_act(request, slug, dispute_id, act) -> dict:
    v = _v(request, slug)
    d = queries.dispute(v, dispute_id)
    act(v, d)
    return dispute_detail_out(v, queries.dispute(v, dispute_id))


@router.post(
    DIS + "/{dispute_id}/submissions",
    response={201: s.DisputeDetailOut},
    summary="Make a written submission at the current step",
)
def submit(request: HttpRequest, slug: str, dispute_id: int, data: s.SubmissionIn):
    def act(v, d):
        services.submit(v, d, label=label_in(v, data.label), **_fields(data))

    return Status(201, _dispute_act(request, slug, dispute_id, act))


@router.post(
    DIS + "/{dispute_id}/extensions",
    response={201: s.DisputeDetailOut},
    summary="Propose extending the current step's clock",
)
def propose_extension(request: HttpRequest, slug: str, dispute_id: int, data: s.ExtensionIn):
    def act(v, d):
        services.propose_extension(v, d, **data.dict())

    return Status(201, _dispute_act(request, slug, dispute_id, act))


@router.post(
    DIS + "/{dispute_id}/extensions/{extension_id}/agree",
    response=s.DisputeDetailOut,
    summary="Agree, for my party, to a proposed extension",
)
def agree_extension(request: HttpRequest, slug: str, dispute_id: int, extension_id: int):
    return _dispute_act(
        request, slug, dispute_id, lambda v, d: services.agree_extension(v, d, extension_id)
    )


@router.post(
    DIS + "/{dispute_id}/refer", response=s.DisputeDetailOut, summary="Refer to the next step"
)
def refer_up(request: HttpRequest, slug: str, dispute_id: int):
    return _dispute_act(request, slug, dispute_id, services.refer_up)


@router.post(DIS + "/{dispute_id}/resolve", response=s.DisputeDetailOut, summary="Resolve")
def resolve(request: HttpRequest, slug: str, dispute_id: int, data: s.ResolutionIn):
    def act(v, d):
        services.resolve_dispute(v, d, resolution=data.resolution)

    return _dispute_act(request, slug, dispute_id, act)


@router.post(DIS + "/{dispute_id}/withdraw", response=s.DisputeDetailOut, summary="Withdraw")
def withdraw(request: HttpRequest, slug: str, dispute_id: int):
    return _dispute_act(request, slug, dispute_id, services.withdraw_dispute)


def concern_out(v: access.Viewer, c, now=None) -> dict:
    dispute_id = None
    if c.dispute_id and queries.disputes(v).filter(pk=c.dispute_id).exists():
        dispute_id = c.dispute_id
    return {
        "id": c.pk,
        "title": c.title,
        "text": c.text,
        "about": c.about,
        "about_words": c.get_about_display(),
        "raising_party": c.raising_party.code,
        "addressed_party": c.addressed_party.code,
        "raised_by": person_out(v, c.raised_by),
        "severity": c.severity,
        "status": c.status,
        "status_words": c.get_status_display(),
        "overdue": c.overdue(now or timezone.now()),
        "acknowledge_by": c.acknowledge_by,
        "respond_by": c.respond_by,
        "acknowledged_at": c.acknowledged_at,
        "responded_at": c.responded_at,
        "response": c.response,
        "escalated_at": c.escalated_at,
        "dispute_id": dispute_id,
        "created_at": c.created_at,
        "label": label_out(v.process, c.label),
    }


@router.get(CON, response=list[s.ConcernOut], summary="The concerns register (what I may read)")
@paginate(Page)
def list_concerns(
    request: HttpRequest, slug: str, status: str | None = None, party: str | None = None
):
    v = _v(request, slug)
    now = timezone.now()
    qs = queries.concerns(v)
    if status not in (None, "", "all", "open", "overdue", "closed"):
        raise Invalid("status is open, overdue, closed or all", {"status": "unknown"})
    if status in ("open", "overdue"):
        qs = queries.open_concerns(v)
    elif status == "closed":
        qs = qs.exclude(status__in=["open", "acknowledged"])
    if status == "overdue":
        qs = qs.filter(Concern.overdue_q(now))
    if party:
        qs = qs.filter(addressed_party__code__iexact=party)
    return [concern_out(v, c, now) for c in qs]


@router.post(CON, response={201: s.ConcernOut}, summary="Raise a concern")
def raise_concern(request: HttpRequest, slug: str, data: s.ConcernIn):
    v = _v(request, slug)
    c = services.raise_concern(v, label=label_in(v, data.label), **_fields(data))
    return Status(201, concern_out(v, c))


@router.get(CON + "/{concern_id}", response=s.ConcernOut, summary="One concern")
def get_concern(request: HttpRequest, slug: str, concern_id: int):
    v = _v(request, slug)
    return concern_out(v, queries.concern(v, concern_id))


def _concern_act(request, slug, concern_id, act) -> dict:
    v = _v(request, slug)
    act(v, queries.concern(v, concern_id))
    return concern_out(v, queries.concern(v, concern_id))


@router.post(CON + "/{concern_id}/acknowledge", response=s.ConcernOut, summary="Acknowledge")
def acknowledge(request: HttpRequest, slug: str, concern_id: int):
    return _concern_act(request, slug, concern_id, services.acknowledge_concern)


@router.post(CON + "/{concern_id}/respond", response=s.ConcernOut, summary="Respond")
def respond(request: HttpRequest, slug: str, concern_id: int, data: s.ResponseIn):
    def act(v, c):
        services.respond_concern(v, c, response=data.response)

    return _concern_act(request, slug, concern_id, act)


@router.post(CON + "/{concern_id}/close", response=s.ConcernOut, summary="Close as addressed")
def close(request: HttpRequest, slug: str, concern_id: int):
    return _concern_act(request, slug, concern_id, services.close_concern)


@router.post(
    CON + "/{concern_id}/dispute",
    response={201: s.DisputeDetailOut},
    summary="Make an unresolved concern a dispute (its history kept)",
)
def to_dispute(request: HttpRequest, slug: str, concern_id: int):
    v = _v(request, slug)
    d = services.concern_to_dispute(v, queries.concern(v, concern_id))
    return Status(201, dispute_detail_out(v, queries.dispute(v, d.pk)))


@router.get(
    "/processes/{slug}/engagement",
    response=s.EngagementOut,
    summary="Engagement per party, from what I may read, with the derived label",
)
def engagement(request: HttpRequest, slug: str):
    v = _v(request, slug)
    rows, label = queries.engagement(v)
    return {
        "label": label_out(v.process, label),
        "parties": [
            {
                "party": r.party.code,
                "party_name": r.party.name,
                "concerns": r.concerns,
                "median_hours_to_acknowledge": _round(r.median_ack_hours),
                "median_hours_to_respond": _round(r.median_response_hours),
                "open": r.open,
                "overdue": r.overdue,
                "meetings_invited": r.invited,
                "meetings_attended": r.attended,
                "confirmations_due": r.confirmations_due,
                "confirmed_on_time": r.confirmed_on_time,
            }
            for r in rows
        ],
    }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


# --- polls ----------------------------------------------------------------------------------------
def poll_out(v: access.Viewer, p) -> dict:
    pv = queries.poll_view(v, p)
    return {
        "id": p.pk,
        "meeting_id": p.meeting_id,
        "title": p.title,
        "details": p.details,
        "kind": p.kind,
        "kind_words": p.get_kind_display(),
        "options": p.options,
        "method": p.method,
        "budget": p.budget,
        "closes_at": p.closes_at,
        "open": pv.open,
        "answers": pv.voters,
        "result": pv.sentence,
        "rows": [{"name": a, "figure": b} for a, b in pv.rows],
        "my_answer": pv.mine,
    }


@router.get(f"{ONE}/polls", response=list[s.PollOut], summary="Polls of a meeting")
def list_polls(request: HttpRequest, slug: str, meeting_id: int):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    return [poll_out(v, p) for p in queries.polls(v, m)]


@router.post(f"{ONE}/polls", response={201: s.PollOut}, summary="Start a poll (officers)")
def create_poll(request: HttpRequest, slug: str, meeting_id: int, data: s.PollIn):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    return Status(201, poll_out(v, services.create_poll(v, m, **data.dict())))


@router.get(f"{ONE}/polls/{{poll_id}}", response=s.PollOut, summary="A poll and its count")
def get_poll(request: HttpRequest, slug: str, meeting_id: int, poll_id: int):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    return poll_out(v, queries.poll(v, m, poll_id))


@router.put(f"{ONE}/polls/{{poll_id}}/answer", response=s.PollOut, summary="Answer a poll")
def answer_poll(request: HttpRequest, slug: str, meeting_id: int, poll_id: int, data: s.AnswerIn):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    services.answer_poll(v, m, poll_id, data.answer)
    return poll_out(v, queries.poll(v, m, poll_id))


@router.post(f"{ONE}/polls/{{poll_id}}/close", response=s.PollOut, summary="Close a poll early")
def close_poll(request: HttpRequest, slug: str, meeting_id: int, poll_id: int):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    return poll_out(v, services.close_poll(v, m, poll_id))


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
    summary="The decision record to print or keep: format=html or pdf, under its own label",
    response={200: None},
)
def export_decision(
    request: HttpRequest, slug: str, meeting_id: int, decision_id: int, format: str = "html"
):
    v = _v(request, slug)
    m = queries.meeting(v, meeting_id)
    return export_response(*exports.export(v, m, decision_id, fmt=format))
