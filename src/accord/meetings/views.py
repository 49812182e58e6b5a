"""HTML pages of the meetings app: parse → service/query → template, no logic.
A refused act comes back as the page with its status and the reason in words; nothing is
written (services run in their own transaction)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from accord.core import access, links, people
from accord.core import queries as core_queries
from accord.core.errors import AccordError, Invalid
from accord.core.labels import LabelValue
from accord.meetings import exports, markup, queries, services
from accord.meetings.models import ActionItem, Attendance, Meeting, Minutes
from accord.ui.pages import label_choices, render_page, with_viewer

ZONES = [
    "UTC",
    "Europe/Sofia",
    "Europe/Istanbul",
    "Europe/Vienna",
    "Europe/Zurich",
    "Europe/Brussels",
    "Europe/London",
    "America/New_York",
    "Africa/Nairobi",
    "Asia/Dubai",
]


def _int(value, what: str) -> int | None:
    value = (value or "").strip() if isinstance(value, str) else value
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"{what} must be a number", {what: "not a number"}) from exc


def _dt(value: str, what: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(f"the {what} time is not a date and time", {what: "not a time"}) from exc


def _label_from_form(viewer, post):
    if "label_level" not in post:
        return None
    rel = [c for c in post.getlist("label_rel_to") if c]
    data = {
        "level": _int(post.get("label_level"), "classification") or 0,
        "rel_to": rel or None,
        "caveats": post.getlist("label_caveats"),
    }
    return access.parse_label(viewer.process, data, LabelValue())


def _form_fields(post) -> dict:
    return {
        "kind": post.get("kind", ""),
        "title": post.get("title", ""),
        "description": post.get("description", ""),
        "starts_at": _dt(post.get("starts_at", ""), "start"),
        "ends_at": _dt(post.get("ends_at", ""), "end"),
        "time_zone": post.get("time_zone", "UTC"),
        "place": post.get("place", ""),
        "link": post.get("link", ""),
        "chair_id": _int(post.get("chair_id"), "chair"),
        "rapporteur_id": _int(post.get("rapporteur_id"), "rapporteur"),
        "parties": post.getlist("parties"),
    }


def _form_ctx(viewer, **extra) -> dict:
    members, _ = people.visible(
        viewer,
        core_queries.members(viewer)
        .select_related("user", "party", "label")
        .order_by("party__code", "user__username"),
    )
    return {
        "process": viewer.process,
        "viewer": viewer,
        "kinds": Meeting.Kind.choices,
        "zones": ZONES,
        "members": members,
        "all_parties": viewer.process.parties.order_by("code"),
        **label_choices(viewer),
        **extra,
    }


@login_required
@with_viewer
def meeting_list(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """Upcoming and past meetings the viewer may read."""
    return render_page(
        request,
        "meetings/list.html",
        {
            "process": viewer.process,
            "viewer": viewer,
            "upcoming": list(queries.upcoming(viewer)),
            "past": list(queries.past(viewer)[:50]),
            "can_manage": viewer.can(services.MANAGE),
            "here": "Meetings",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def meeting_new(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """The form to schedule a meeting (coordinators and mediators)."""
    access.require(viewer, services.MANAGE)
    ctx = _form_ctx(
        viewer,
        here="Schedule a meeting",
        form={},
        sel_level=1,
        sel_rel_to=[],
        sel_caveats=[],
        sel_parties=[],
    )
    if request.method == "POST":
        post = request.POST
        try:
            m = services.create_meeting(
                viewer, label=_label_from_form(viewer, post), **_form_fields(post)
            )
        except AccordError as exc:
            ctx.update(
                error=exc.message,
                form=post,
                sel_level=_int(post.get("label_level"), "classification")
                if post.get("label_level", "").isdigit()
                else 1,
                sel_rel_to=post.getlist("label_rel_to"),
                sel_caveats=post.getlist("label_caveats"),
                sel_parties=post.getlist("parties"),
            )
            return render_page(request, "meetings/form.html", ctx, status=exc.status)
        messages.success(request, f"“{m.title}” is scheduled.")
        return redirect("meetings:detail", slug=viewer.process.slug, meeting_id=m.pk)
    return render_page(request, "meetings/form.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def meeting_edit(request: HttpRequest, viewer: access.Viewer, meeting_id: int) -> HttpResponse:
    """The form to change a meeting (its chair, coordinators and mediators)."""
    m = queries.meeting(viewer, meeting_id)
    if viewer.member.pk != m.chair_id:
        access.require(viewer, services.MANAGE)
    local = m.starts_at.astimezone(services._zone(m.time_zone))
    local_end = m.ends_at.astimezone(services._zone(m.time_zone))
    form = {
        "kind": m.kind,
        "title": m.title,
        "description": m.description,
        "starts_at": local.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": local_end.strftime("%Y-%m-%dT%H:%M"),
        "time_zone": m.time_zone,
        "place": m.place,
        "link": m.link,
        "chair_id": str(m.chair_id),
        "rapporteur_id": str(m.rapporteur_id or ""),
    }
    ctx = _form_ctx(
        viewer,
        here=f"Edit {m.title}",
        m=m,
        form=form,
        sel_parties=[p.code for p in m.invited_parties.all()],
    )
    if request.method == "POST":
        try:
            services.update_meeting(viewer, m, **_form_fields(request.POST))
        except AccordError as exc:
            ctx.update(
                error=exc.message, form=request.POST, sel_parties=request.POST.getlist("parties")
            )
            return render_page(request, "meetings/form.html", ctx, status=exc.status)
        messages.success(request, "The meeting was changed.")
        return redirect("meetings:detail", slug=viewer.process.slug, meeting_id=m.pk)
    return render_page(request, "meetings/form.html", ctx)


def _detail_ctx(viewer: access.Viewer, m: Meeting, **extra) -> dict:
    tree = queries.agenda(viewer, m)
    nodes = queries.flat(tree)
    numbers = {n.item.pk: n.number for n in nodes}
    rows, att_hidden = queries.attendance(viewer, m)
    invited, inv_hidden = queries.invited_members(viewer, m)
    is_officer = viewer.member.pk in m.officers()
    can_edit = viewer.member.pk == m.chair_id or viewer.can(services.MANAGE)
    minutes = [
        {"mn": mn, "number": numbers.get(mn.item_id), "title": _minutes_title(mn, numbers)}
        for mn in queries.minutes_of(viewer, m)
    ]
    with_minutes = {x["mn"].item_id for x in minutes if x["mn"].corrects_id is None}
    ctx = {
        "process": viewer.process,
        "viewer": viewer,
        "m": m,
        "nodes": nodes,
        "parties": queries.invited_parties(m),
        "invited": invited,
        "invited_hidden": people.hidden_note(inv_hidden),
        "attendance": rows,
        "attendance_hidden": people.hidden_note(att_hidden),
        "minutes": minutes,
        "unwritten": [n for n in nodes if n.item.pk not in with_minutes],
        "whole_written": None in with_minutes,
        "is_officer": is_officer,
        "can_edit": can_edit,
        "statuses": Attendance.Status.choices,
        "here": m.title,
    }
    ctx["actions"] = [
        {"a": a, "mine": services.owns(viewer, a), "overdue": _overdue(a)}
        for a in queries.actions_of(viewer, m)
    ]
    ctx["action_statuses"] = ActionItem.Status.choices
    ctx["decisions"] = [
        {"d": d, "v": queries.verdict(viewer, d)} for d in queries.decisions(viewer, m)
    ]
    ctx["can_propose"] = is_officer or viewer.can(services.MANAGE)
    ctx["rule_choices"] = RULE_CHOICES
    ctx["base_choices"] = BASE_CHOICES
    rel = m.label.value.rel_to
    ctx["owner_parties"] = [
        p for p in viewer.process.parties.order_by("code") if rel is None or p.code in rel
    ]
    if is_officer:
        ctx["candidates"] = queries.attendance_candidates(viewer, m)
        rel = m.label.value.rel_to
        ctx["owner_parties"] = [
            p for p in viewer.process.parties.order_by("code") if rel is None or p.code in rel
        ]
        ctx["today"] = timezone.now().date().isoformat()
    if can_edit:
        ctx["linkable"] = links.linkable(viewer, services.LINKABLE_KINDS, limit=100)
    ctx.update(extra)
    return ctx


def _overdue(a) -> bool:
    return a.status == ActionItem.Status.OPEN and a.due_date < timezone.now().date()


def _minutes_title(mn: Minutes, numbers: dict[int, str]) -> str:
    what = (
        f"item {numbers.get(mn.item_id, '')} {mn.item.title}".replace("  ", " ")
        if mn.item_id
        else "the whole meeting"
    )
    return f"Corrigendum to the minutes of {what}" if mn.corrects_id else f"Minutes of {what}"


@login_required
@with_viewer
def meeting_detail(request: HttpRequest, viewer: access.Viewer, meeting_id: int) -> HttpResponse:
    """A meeting: facts, agenda tree with its links, attendance, minutes."""
    m = queries.meeting(viewer, meeting_id)
    return render_page(request, "meetings/detail.html", _detail_ctx(viewer, m))


def _act(request, viewer, m, act, note: str, anchor: str = "") -> HttpResponse:
    try:
        act()
    except AccordError as exc:
        ctx = _detail_ctx(
            viewer, queries.meeting(viewer, m.pk), page_error=exc.message, error_anchor=anchor
        )
        return render_page(request, "meetings/detail.html", ctx, status=exc.status)
    messages.success(request, note)
    url = reverse("meetings:detail", args=[viewer.process.slug, m.pk])
    return redirect(url + (f"#{anchor}" if anchor else ""))


@login_required
@require_POST
@with_viewer
def agenda(request: HttpRequest, viewer: access.Viewer, meeting_id: int) -> HttpResponse:
    """Add, remove or link an agenda item (the form's `action`)."""
    m = queries.meeting(viewer, meeting_id)
    post = request.POST
    action = post.get("action", "add")

    def act():
        if action == "remove":
            services.remove_item(viewer, m, _int(post.get("item_id"), "item"))
        elif action == "link":
            kind, _, target = (post.get("target") or "").rpartition(":")
            services.link_item(
                viewer, m, _int(post.get("item_id"), "item"), kind, _int(target, "target")
            )
        else:
            services.add_item(
                viewer,
                m,
                title=post.get("title", ""),
                description=post.get("description", ""),
                parent_id=_int(post.get("parent_id"), "parent item"),
                duration_minutes=_int(post.get("duration_minutes"), "duration") or 0,
            )

    notes = {"remove": "The item was taken off the agenda.", "link": "The item was linked."}
    return _act(request, viewer, m, act, notes.get(action, "The item is on the agenda."), "agenda")


@login_required
@require_POST
@with_viewer
def attendance(request: HttpRequest, viewer: access.Viewer, meeting_id: int) -> HttpResponse:
    """Record one member's attendance (chair or rapporteur)."""
    m = queries.meeting(viewer, meeting_id)
    post = request.POST

    def act():
        services.record_attendance(
            viewer,
            m,
            member_id=_int(post.get("member_id"), "member"),
            status=post.get("status", ""),
            proxy_id=_int(post.get("proxy_id"), "proxy"),
        )

    return _act(request, viewer, m, act, "Attendance recorded.", "attendance")


@login_required
@require_POST
@with_viewer
def minutes_new(request: HttpRequest, viewer: access.Viewer, meeting_id: int) -> HttpResponse:
    """Start the minutes of the meeting or of one item (officers)."""
    m = queries.meeting(viewer, meeting_id)
    post = request.POST
    try:
        mn = services.save_minutes(
            viewer, m, body=post.get("body", ""), item_id=_int(post.get("item_id"), "item")
        )
    except AccordError as exc:
        ctx = _detail_ctx(viewer, m, page_error=exc.message, error_anchor="minutes")
        return render_page(request, "meetings/detail.html", ctx, status=exc.status)
    messages.success(request, "The minutes were saved (revision 1).")
    return redirect("meetings:minutes", slug=viewer.process.slug, meeting_id=m.pk, minutes_id=mn.pk)


def _minutes_ctx(viewer, m, mn, **extra) -> dict:
    numbers = queries.item_numbers(viewer, m)
    is_officer = viewer.member.pk in m.officers()
    attending = services.attending_party_ids(m)
    corrects = mn.corrects
    return {
        "process": viewer.process,
        "viewer": viewer,
        "m": m,
        "mn": mn,
        "title": _minutes_title(mn, numbers),
        "html": mark_safe(markup.render(mn.body)),  # noqa: S308 — markdown-it, html disabled
        "revisions": list(queries.revisions(viewer, mn)),
        "comments": list(queries.comments(viewer, mn)),
        "corrigenda": list(mn.corrigenda.order_by("pk")),
        "corrects": corrects,
        "is_officer": is_officer,
        "can_finalise": viewer.member.pk == (m.rapporteur_id or m.chair_id),
        "can_comment": mn.status == Minutes.Status.CIRCULATED
        and (is_officer or viewer.member.party_id in attending),
        "here": _minutes_title(mn, numbers),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def minutes_page(
    request: HttpRequest, viewer: access.Viewer, meeting_id: int, minutes_id: int
) -> HttpResponse:
    """Minutes: the text, its status, revisions, comments, and the acts the viewer may do."""
    m = queries.meeting(viewer, meeting_id)
    mn = queries.minutes(viewer, m, minutes_id)
    if request.method == "GET":
        return render_page(request, "meetings/minutes.html", _minutes_ctx(viewer, m, mn))
    post = request.POST
    action = post.get("action", "")
    acts = {
        "save": lambda: services.save_minutes_by_id(
            viewer,
            m,
            mn.pk,
            body=post.get("body", ""),
            base_revision=_int(post.get("base_revision"), "revision"),
        ),
        "circulate": lambda: services.circulate_minutes(viewer, m, mn.pk),
        "finalise": lambda: services.finalise_minutes(viewer, m, mn.pk),
        "lock": lambda: services.lock_minutes(viewer, m, mn.pk),
        "comment": lambda: services.comment_minutes(
            viewer, m, mn.pk, text=post.get("text", ""), wording=post.get("wording", "")
        ),
        "corrigendum": lambda: services.issue_corrigendum(
            viewer, m, mn.pk, body=post.get("body", "")
        ),
    }
    notes = {
        "save": "The minutes were saved as a new revision.",
        "circulate": "The minutes were circulated for comment.",
        "finalise": "The minutes are final; their hash is in the record.",
        "lock": "The minutes are locked.",
        "comment": "Your comment was added.",
        "corrigendum": "The corrigendum was started as a draft.",
    }
    try:
        if action not in acts:
            raise Invalid("unknown act on minutes", {"action": "unknown"})
        out = acts[action]()
    except AccordError as exc:
        ctx = _minutes_ctx(
            viewer, m, queries.minutes(viewer, m, mn.pk), page_error=exc.message, form=post
        )
        return render_page(request, "meetings/minutes.html", ctx, status=exc.status)
    messages.success(request, notes[action])
    target = out.pk if action == "corrigendum" else mn.pk
    return redirect(
        "meetings:minutes", slug=viewer.process.slug, meeting_id=m.pk, minutes_id=target
    )


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def calendar_feed(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """The viewer's secret calendar feed URL: create (shown once), replace, revoke."""
    ctx = {"process": viewer.process, "viewer": viewer, "here": "Calendar feed"}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "create":
                _, secret = services.create_feed(viewer)
                ctx["feed_url"] = request.build_absolute_uri(
                    f"/api/v1/processes/{viewer.process.slug}/calendar/{secret}.ics"
                )
            elif action == "revoke":
                services.revoke_feed(viewer)
                messages.success(
                    request,
                    "Your calendar feed was revoked: its URL answers “not found” from now on.",
                )
                return redirect("meetings:calendar", slug=viewer.process.slug)
            else:
                raise Invalid("unknown act on the calendar feed", {"action": "unknown"})
        except AccordError as exc:
            ctx["page_error"], status = exc.message, exc.status
    ctx["feed"] = queries.live_feed(viewer)
    return render_page(request, "meetings/calendar.html", ctx, status=status)


def _date(value: str, what: str = "due date", field: str = "due_date"):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).date()
    except ValueError as exc:
        raise Invalid(f"the {what} is not a date", {field: "not a date"}) from exc


@login_required
@require_POST
@with_viewer
def actions(request: HttpRequest, viewer: access.Viewer, meeting_id: int) -> HttpResponse:
    """Record an action item (officers) or change one's status (owner or officers)."""
    m = queries.meeting(viewer, meeting_id)
    post = request.POST

    def act():
        if post.get("action") == "status":
            services.set_action_status(
                viewer, m, _int(post.get("action_id"), "action item"), post.get("status", "")
            )
        else:
            owner = post.get("owner", "")
            kind, _, value = owner.partition(":")
            services.add_action(
                viewer,
                m,
                text=post.get("text", ""),
                due_date=_date(post.get("due_date", "")),
                owner_member_id=_int(value, "owner") if kind == "member" else None,
                owner_party=value if kind == "party" else None,
            )

    note = "The status was changed." if post.get("action") == "status" else "Action recorded."
    if post.get("next") == "mine":
        try:
            act()
        except AccordError as exc:
            return _my_actions_page(request, viewer, page_error=exc.message, status=exc.status)
        messages.success(request, note)
        return redirect("meetings:my_actions", slug=viewer.process.slug)
    return _act(request, viewer, m, act, note, "actions")


def _my_actions_page(request, viewer, status: int = 200, **extra) -> HttpResponse:
    rows = [{"a": a, "overdue": _overdue(a)} for a in queries.my_actions(viewer)]
    ctx = {
        "process": viewer.process,
        "viewer": viewer,
        "rows": rows,
        "open": [r for r in rows if r["a"].status == ActionItem.Status.OPEN],
        "closed": [r for r in rows if r["a"].status != ActionItem.Status.OPEN],
        "action_statuses": ActionItem.Status.choices,
        "here": "My action items",
        **extra,
    }
    return render_page(request, "meetings/actions.html", ctx, status=status)


@login_required
@with_viewer
def my_actions(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """Action items the viewer owns, themselves or through their party."""
    return _my_actions_page(request, viewer)


RULE_CHOICES = [
    ("consensus", "Consensus (adopted unless a party objects formally)"),
    ("unanimity", "Unanimity (every eligible party agrees)"),
    ("majority", "Majority (over a base, with a quorum)"),
    ("silence", "Silence procedure (adopted at the expiry unless silence is broken)"),
    ("ad_referendum", "Ad referendum (each capital confirms by the deadline)"),
]
BASE_CHOICES = [
    ("cast", "votes cast"),
    ("valid", "valid votes"),
    ("voting", "votes for and against"),
    ("present", "parties present"),
    ("eligible", "eligible parties"),
]
CHOICE_WORDS = queries.CHOICE_WORDS
RULE_ANSWERS = {
    "consensus": ["agree", "abstain", "disagree", "object"],
    "unanimity": ["agree", "abstain", "disagree", "object"],
    "majority": ["agree", "disagree", "abstain"],
    "silence": ["object", "amend"],
    "ad_referendum": ["confirm", "decline"],
}


@login_required
@require_POST
@with_viewer
def decision_new(request: HttpRequest, viewer: access.Viewer, meeting_id: int) -> HttpResponse:
    """Put a proposal to the parties (officers, coordinators, mediators)."""
    m = queries.meeting(viewer, meeting_id)
    post = request.POST
    try:
        d = services.propose(
            viewer,
            m,
            title=post.get("title", ""),
            text=post.get("text", ""),
            rule=post.get("rule", ""),
            eligible=post.getlist("eligible"),
            threshold=post.get("threshold", "1/2+"),
            base=post.get("base", "cast"),
            quorum=_int(post.get("quorum"), "quorum"),
            closes_at=_dt(post.get("closes_at", ""), "closing"),
            secret=post.get("secret") == "on",
        )
    except AccordError as exc:
        ctx = _detail_ctx(viewer, m, page_error=exc.message, error_anchor="decisions", dform=post)
        return render_page(request, "meetings/detail.html", ctx, status=exc.status)
    messages.success(request, "The proposal is open for decision.")
    return redirect(
        "meetings:decision", slug=viewer.process.slug, meeting_id=m.pk, decision_id=d.pk
    )


def _decision_ctx(viewer, m, d, **extra) -> dict:
    v = queries.verdict(viewer, d)
    roles = {r.value for r in viewer.member.active_roles()}
    can_vote = d.status == "open" and bool(roles & services.AUTHORITY)
    proxies = [
        a.member.party.code
        for a in m.attendance.filter(status="proxy", proxy=viewer.member).select_related(
            "member__party"
        )
        if a.member.party.code in d.eligible and a.member.party_id != viewer.member.party_id
    ]
    is_officer = viewer.member.pk in m.officers()
    return {
        "process": viewer.process,
        "viewer": viewer,
        "m": m,
        "d": d,
        "v": v,
        "r": exports.decision_record(viewer, m, d.pk),
        "can_record_outcome": d.status == "closed" and (is_officer or viewer.can(services.MANAGE)),
        "tomorrow": (services.meeting_today(m) + timedelta(days=1)).isoformat(),
        "answers": [(c, CHOICE_WORDS[c]) for c in RULE_ANSWERS.get(d.rule, [])],
        "choice_words": CHOICE_WORDS,
        "can_vote": can_vote and (viewer.member.party.code in d.eligible or bool(proxies)),
        "own_eligible": viewer.member.party.code in d.eligible,
        "proxies": sorted(set(proxies)),
        "is_officer": is_officer,
        "here": d.title,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def decision_page(
    request: HttpRequest, viewer: access.Viewer, meeting_id: int, decision_id: int
) -> HttpResponse:
    """A decision: the text, the rule in words, the verdict with its arithmetic, the votes,
    and the vote form for a member holding the authority."""
    m = queries.meeting(viewer, meeting_id)
    d = queries.decision(viewer, m, decision_id)
    if request.method == "GET":
        return render_page(request, "meetings/decision.html", _decision_ctx(viewer, m, d))
    post = request.POST
    try:
        if post.get("action") == "close":
            services.close_decision(viewer, m, d.pk)
            note = "The decision is closed; its verdict is in the record."
        elif post.get("action") == "outcome":
            services.record_outcome(
                viewer,
                m,
                d.pk,
                statement=post.get("statement", ""),
                review_on=_date(post.get("review_on", ""), "review date", "review_on"),
            )
            note = "The outcome was recorded."
        else:
            services.cast_vote(
                viewer,
                m,
                d.pk,
                choice=post.get("choice", ""),
                party=post.get("party") or None,
                text=post.get("text", ""),
                amendment=post.get("amendment", ""),
            )
            note = "The vote was cast."
    except AccordError as exc:
        ctx = _decision_ctx(
            viewer, m, queries.decision(viewer, m, d.pk), page_error=exc.message, form=post
        )
        return render_page(request, "meetings/decision.html", ctx, status=exc.status)
    messages.success(request, note)
    return redirect(
        "meetings:decision", slug=viewer.process.slug, meeting_id=m.pk, decision_id=d.pk
    )


@login_required
@with_viewer
def decision_export(
    request: HttpRequest, viewer: access.Viewer, meeting_id: int, decision_id: int, fmt: str
) -> HttpResponse:
    """The decision record to print (HTML, shown in the browser) or to download (PDF), under
    the meeting's label."""
    m = queries.meeting(viewer, meeting_id)
    body, ctype, name = exports.export(viewer, m, decision_id, fmt=fmt)
    resp = HttpResponse(body, content_type=ctype)
    disposition = "inline" if ctype.startswith("text/html") else "attachment"
    resp["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return resp


def dashboard_panel(viewer: access.Viewer) -> dict | None:
    """The dashboard's "Meetings and action items" card: the next meeting the reader may read
    and their open action items, soonest due first (None when there is neither)."""
    items = [
        {"a": a, "overdue": _overdue(a)}
        for a in queries.my_actions(viewer).filter(status=ActionItem.Status.OPEN)[:5]
    ]
    upcoming = queries.upcoming(viewer).select_related("label").first()
    if not items and upcoming is None:
        return None
    return {"items": items, "next": upcoming, "process": viewer.process}
