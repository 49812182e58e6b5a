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
from accord.core.roles import Perm
from accord.meetings import exports, markup, queries, services
from accord.meetings.models import (
    ActionItem,
    Attendance,
    Concern,
    Dispute,
    DisputeExtension,
    DisputeSubmission,
    Meeting,
    Minutes,
    Poll,
)
from accord.ui import charts
from accord.ui.pages import is_htmx, label_choices, render_page, with_viewer
from accord.ui.pdf import export_response

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


def _prefill(viewer, get) -> dict:
    """The new-meeting form filled from a link (another page's "Schedule a meeting": title,
    description, kind, parties and label in the query string). Only a starting point: what
    is not a known choice, or a label above the viewer's clearance, is left at its default,
    and the form is checked as usual when it is sent."""
    form = {k: get.get(k, "")[:limit] for k, limit in (("title", 200), ("description", 5000))}
    if get.get("kind") in Meeting.Kind.values:
        form["kind"] = get["kind"]
    level = get.get("label_level", "")
    codes = set(viewer.process.parties.values_list("code", flat=True))
    return {
        "form": form,
        "sel_level": int(level) if level.isdigit() and int(level) <= viewer.clearance else 1,
        "sel_rel_to": [c for c in get.getlist("label_rel_to") if c in codes],
        "sel_caveats": [c for c in get.getlist("label_caveats") if c in viewer.caveats],
        "sel_parties": [c for c in get.getlist("parties") if c in codes],
    }


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def meeting_new(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """The form to schedule a meeting (coordinators and mediators)."""
    access.require(viewer, services.MANAGE)
    ctx = _form_ctx(viewer, here="Schedule a meeting", **_prefill(viewer, request.GET))
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
    if ctx["can_propose"]:  # the proposal's label picker: from the meeting's label up
        choices = label_choices(viewer)
        ctx.update(
            levels=choices["levels"],
            my_caveats=choices["my_caveats"],
            label_parties=[p.code for p in ctx["owner_parties"]],
            label_min=m.label.value.level,
            **_label_sel(viewer, extra.get("dform"), default=m.label.value),
        )
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
            label=_label_from_form(viewer, post),
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
    the decision's own label."""
    m = queries.meeting(viewer, meeting_id)
    return export_response(*exports.export(viewer, m, decision_id, fmt=fmt), page=True)


def dashboard_panel(viewer: access.Viewer) -> dict | None:
    """The dashboard's "Meetings and action items" card: the next meeting the reader may read,
    their open action items, soonest due first, and the concerns awaiting their party's answer
    (None when there is none of these)."""
    items = [
        {"a": a, "overdue": _overdue(a)}
        for a in queries.my_actions(viewer).filter(status=ActionItem.Status.OPEN)[:5]
    ]
    upcoming = queries.upcoming(viewer).select_related("label").first()
    now = timezone.now()
    awaiting = []
    if viewer.member is not None:
        awaiting = list(
            queries.open_concerns(viewer).filter(addressed_party=viewer.member.party_id)[:50]
        )
    late = sum(1 for c in awaiting if c.overdue(now))
    if not items and upcoming is None and not awaiting:
        return None
    return {
        "items": items,
        "next": upcoming,
        "process": viewer.process,
        "concerns": len(awaiting),
        "concerns_late": late,
        "party": viewer.member.party if viewer.member is not None else None,
    }


# --- concerns, disputes, engagement -------------------------------------------------------------
CONCERN_FILTERS = {
    "all": "All",
    "open": "Awaiting acknowledgement or response",
    "overdue": "Overdue",
    "responded": "Responded, not yet closed",
    "closed": "Closed or made a dispute",
}
SUBJECT_GROUPS = {
    "negotiation.clause": "Clauses of the negotiating text",
    "meetings.decision": "Decisions",
    "implementation.commitment": "Commitments",
}


def _number(x: float) -> str:
    """A number for people: one decimal at most, none when whole ("2.5", "2")."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def hours_words(hours: float | None) -> str:
    """A duration in words: "24 hours", "2 days", "2.5 days"; "—" when there is none."""
    if hours is None:
        return "—"
    if hours < 1:
        return "under an hour"
    if hours < 36:
        n = round(hours)
        return "1 hour" if n == 1 else f"{n} hours"
    days = _number(hours / 24)
    return "1 day" if days == "1" else f"{days} days"


def time_left(deadline: datetime | None, now: datetime) -> str:
    """What is left of a clock in words: "3 days left", "5 hours left", "overdue"."""
    if deadline is None:
        return ""
    seconds = (deadline - now).total_seconds()
    if seconds <= 0:
        return "overdue"
    hours = seconds / 3600
    if hours < 1:
        return "less than an hour left"
    if hours < 48:
        n = int(hours)
        return "1 hour left" if n == 1 else f"{n} hours left"
    return f"{int(hours // 24)} days left"


def _out_of(part: int, whole: int, percent: bool = False) -> str:
    if not whole:
        return "—"
    out = f"{part} of {whole}"
    return f"{out} ({round(100 * part / whole)} %)" if percent else out


def _label_sel(viewer, post=None, default: LabelValue | None = None) -> dict:
    """What the label picker shows: what was posted, else `default` (a proposal starts at its
    meeting's label), else RESTRICTED to every party."""
    if post is None or "label_level" not in post:
        if default is not None:
            return {
                "sel_level": default.level,
                "sel_rel_to": sorted(default.rel_to or ()),
                "sel_caveats": sorted(default.caveats),
            }
        return {
            "sel_level": min(services.DEFAULT_LEVEL, viewer.clearance),
            "sel_rel_to": [],
            "sel_caveats": [],
        }
    level = post.get("label_level", "")
    return {
        "sel_level": int(level) if level.isdigit() else 1,
        "sel_rel_to": post.getlist("label_rel_to"),
        "sel_caveats": post.getlist("label_caveats"),
    }


def _objective_rows(proc) -> list[dict]:
    rows = []
    for value, words in Concern.Severity.choices:
        o = proc.objectives.get(value) or {}
        rows.append(
            {
                "value": value,
                "severity": words,
                "acknowledge": o.get("acknowledge"),
                "respond": o.get("respond"),
                "acknowledge_words": hours_words(o.get("acknowledge")),
                "respond_words": hours_words(o.get("respond")),
            }
        )
    return rows


def _concerns_ctx(viewer: access.Viewer, get, **extra) -> dict:
    now = timezone.now()
    status = get.get("status") or "all"
    if status not in CONCERN_FILTERS:
        raise Invalid(
            "the status filter is one of: " + ", ".join(CONCERN_FILTERS), {"status": "unknown"}
        )
    parties = list(viewer.process.parties.order_by("name"))
    party = (get.get("party") or "").strip().upper()
    qs = queries.concerns(viewer)
    if party:
        if party not in {p.code for p in parties}:
            raise Invalid("the party filter names no party of this process", {"party": "unknown"})
        qs = qs.filter(addressed_party__code=party)
    waiting = [Concern.Status.OPEN, Concern.Status.ACKNOWLEDGED]
    if status in ("open", "overdue"):
        qs = qs.filter(status__in=waiting)
    elif status == "responded":
        qs = qs.filter(status=Concern.Status.RESPONDED)
    elif status == "closed":
        qs = qs.filter(status__in=[Concern.Status.CLOSED, Concern.Status.DISPUTE])
    if status == "overdue":
        qs = qs.filter(Concern.overdue_q(now))
    rows = [{"c": c, "overdue": c.overdue(now)} for c in qs]
    return {
        "process": viewer.process,
        "viewer": viewer,
        "rows": rows,
        "filters": list(CONCERN_FILTERS.items()),
        "sel_status": status,
        "sel_party": party,
        "filtered": status != "all" or bool(party),
        "all_parties": parties,
        "objectives": _objective_rows(queries.procedures(viewer.process)),
        "can_raise": viewer.can(Perm.POST_MESSAGES),
        "abouts": Concern.About.choices,
        "severities": Concern.Severity.choices,
        "form": {},
        "here": "Concerns",
        **label_choices(viewer),
        **_label_sel(viewer),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def concern_list(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """The concerns register: the concerns the viewer may read, filtered by status and by the
    party addressed; the response-time objectives; the form to raise a concern."""
    if request.method == "GET":
        return render_page(request, "meetings/concerns.html", _concerns_ctx(viewer, request.GET))
    post = request.POST
    try:
        c = services.raise_concern(
            viewer,
            title=post.get("title", ""),
            text=post.get("text", ""),
            about=post.get("about", ""),
            addressed_to=post.get("addressed_to", ""),
            severity=post.get("severity", ""),
            label=_label_from_form(viewer, post),
        )
    except AccordError as exc:
        ctx = _concerns_ctx(
            viewer, request.GET, page_error=exc.message, form=post, **_label_sel(viewer, post)
        )
        return render_page(request, "meetings/concerns.html", ctx, status=exc.status)
    messages.success(request, f"The concern was raised and addressed to {c.addressed_party.name}.")
    return redirect("meetings:concern", slug=viewer.process.slug, concern_id=c.pk)


def _concern_ctx(viewer: access.Viewer, c: Concern, **extra) -> dict:
    now = timezone.now()
    party_id = viewer.member.party_id if viewer.member else None
    addressee = party_id == c.addressed_party_id and viewer.can(Perm.POST_MESSAGES)
    raiser = party_id == c.raising_party_id
    finished = c.status in (Concern.Status.CLOSED, Concern.Status.DISPUTE)
    dispute = queries.disputes(viewer).filter(pk=c.dispute_id).first() if c.dispute_id else None
    return {
        "process": viewer.process,
        "viewer": viewer,
        "c": c,
        "overdue": c.overdue(now),
        "ack_late": bool(c.acknowledged_at and c.acknowledged_at > c.acknowledge_by),
        "resp_late": bool(c.responded_at and c.responded_at > c.respond_by),
        "ack_left": time_left(c.acknowledge_by, now),
        "resp_left": time_left(c.respond_by, now),
        "dispute": dispute,
        "can_acknowledge": addressee and c.status == Concern.Status.OPEN,
        "can_respond": addressee and c.status in (Concern.Status.OPEN, Concern.Status.ACKNOWLEDGED),
        "can_close": not finished and (raiser or viewer.can(Perm.RUN_MEETINGS)),
        "can_dispute": not finished
        and raiser
        and viewer.can(Perm.RAISE_DISPUTES)
        and c.addressed_party_id != c.raising_party_id,
        "form": {},
        "here": c.title,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def concern_page(request: HttpRequest, viewer: access.Viewer, concern_id: int) -> HttpResponse:
    """A concern: its text, label and timeline against its objectives, the response, and the
    acts the viewer may do (acknowledge, respond, close, make it a dispute)."""
    c = queries.concern(viewer, concern_id)
    if request.method == "GET":
        return render_page(request, "meetings/concern.html", _concern_ctx(viewer, c))
    post = request.POST
    action = post.get("action", "")
    acts = {
        "acknowledge": lambda: services.acknowledge_concern(viewer, c),
        "respond": lambda: services.respond_concern(viewer, c, response=post.get("response", "")),
        "close": lambda: services.close_concern(viewer, c),
        "dispute": lambda: services.concern_to_dispute(viewer, c),
    }
    notes = {
        "acknowledge": "The concern is acknowledged.",
        "respond": "Your party's response was recorded.",
        "close": "The concern is closed.",
    }
    try:
        if action not in acts:
            raise Invalid("unknown act on a concern", {"action": "unknown"})
        out = acts[action]()
    except AccordError as exc:
        ctx = _concern_ctx(viewer, queries.concern(viewer, c.pk), page_error=exc.message, form=post)
        return render_page(request, "meetings/concern.html", ctx, status=exc.status)
    if action == "dispute":
        messages.success(
            request, f"The concern is now a dispute, at its first step: {out.step_name()}."
        )
        return redirect("meetings:dispute", slug=viewer.process.slug, dispute_id=out.pk)
    messages.success(request, notes[action])
    return redirect("meetings:concern", slug=viewer.process.slug, concern_id=c.pk)


def _dispute_rows(viewer: access.Viewer, now: datetime) -> list[dict]:
    return [
        {
            "d": d,
            "left": time_left(d.step_deadline, now) if d.status == Dispute.Status.OPEN else "",
            "steps": len(d.ladder),
        }
        for d in queries.disputes(viewer)
    ]


def _disputes_ctx(viewer: access.Viewer, **extra) -> dict:
    can_raise = viewer.can(Perm.RAISE_DISPUTES)
    ctx = {
        "process": viewer.process,
        "viewer": viewer,
        "rows": _dispute_rows(viewer, timezone.now()),
        "can_raise": can_raise,
        "form": {},
        "here": "Disputes",
        **extra,
    }
    if can_raise:
        own = viewer.member.party_id
        groups: dict[str, list] = {}
        for kind, pk, title in links.linkable(viewer, services.DISPUTE_SUBJECTS, limit=100):
            groups.setdefault(kind, []).append((f"{kind}:{pk}", title))
        ctx.update(
            other_parties=[p for p in viewer.process.parties.order_by("name") if p.pk != own],
            subjects=[(SUBJECT_GROUPS.get(k, k), v) for k, v in groups.items()],
            **label_choices(viewer),
        )
        for k, v in _label_sel(viewer).items():
            ctx.setdefault(k, v)
    return ctx


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def dispute_list(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """The disputes the viewer may read, where each stands on its ladder and how long its step
    has left; the form to raise one (heads of delegation)."""
    if request.method == "GET":
        return render_page(request, "meetings/disputes.html", _disputes_ctx(viewer))
    post = request.POST
    kind, _, target = (post.get("subject") or "").rpartition(":")
    try:
        d = services.raise_dispute(
            viewer,
            title=post.get("title", ""),
            text=post.get("text", ""),
            against=post.get("against") or None,
            subject_kind=kind or None,
            subject_id=_int(target, "subject") if kind else None,
            label=_label_from_form(viewer, post),
        )
    except AccordError as exc:
        ctx = _disputes_ctx(viewer, page_error=exc.message, form=post, **_label_sel(viewer, post))
        return render_page(request, "meetings/disputes.html", ctx, status=exc.status)
    messages.success(request, f"The dispute was raised; it is at its first step: {d.step_name()}.")
    return redirect("meetings:dispute", slug=viewer.process.slug, dispute_id=d.pk)


def _dispute_ctx(viewer: access.Viewer, d: Dispute, **extra) -> dict:
    now = timezone.now()
    member = viewer.member
    live = d.status in (Dispute.Status.OPEN, Dispute.Status.REFERRED)
    disputant = member is not None and member.party.code in d.party_codes()
    hod = viewer.can(Perm.RAISE_DISPUTES)
    runs = viewer.can(Perm.RUN_MEETINGS)
    names = {p.code: p.name for p in viewer.process.parties.all()}
    subs = list(queries.submissions(viewer, d))
    groups = [
        {"index": i, "name": step["name"], "subs": [s for s in subs if s.step == i]}
        for i, step in enumerate(d.ladder)
    ]
    segments = []
    for i, step in enumerate(d.ladder):
        if i < d.step or (i == d.step and not live):
            state = "complete"
        elif i == d.step:
            state = "current"
        else:
            state = ""
        segments.append({**step, "state": state, "number": i + 1})
    extensions = []
    for e in d.extensions.select_related("proposed_by__user", "proposed_by__party"):
        extensions.append(
            {
                "e": e,
                "step_name": d.step_name(e.step),
                "agreed": [names.get(code, code) for code in e.agreed],
                "waiting": [
                    names.get(code, code) for code in d.party_codes() if code not in e.agreed
                ],
            }
        )
    pending = next(
        (x["e"] for x in extensions if x["e"].status == DisputeExtension.Status.PENDING), None
    )
    advisory = bool(live and d.ladder[d.step].get("advisory"))
    kinds = [
        (value, words)
        for value, words in DisputeSubmission.Kind.choices
        if value != DisputeSubmission.Kind.OPINION or (advisory and runs)
    ]
    steering = (disputant and hod) or runs
    return {
        "process": viewer.process,
        "viewer": viewer,
        "d": d,
        "live": live,
        "segments": segments,
        "current": d.ladder[d.step] if 0 <= d.step < len(d.ladder) else {},
        "next_step_name": d.step_name(d.step + 1),
        "left": time_left(d.step_deadline, now) if d.status == Dispute.Status.OPEN else "",
        "history": list(d.steps.all()),
        "extensions": extensions,
        "pending": pending,
        "groups": [g for g in groups if g["subs"]],
        "subjects": links.targets(viewer, d, "about"),
        "concerns": list(queries.concerns(viewer).filter(dispute=d)),
        "kinds": kinds,
        "advisory": advisory,
        "can_submit": live
        and (disputant or runs)
        and viewer.can(Perm.POST_MESSAGES)
        and bool(kinds),
        "can_extend": live and d.step_deadline is not None and pending is None and steering,
        "can_agree": pending is not None
        and disputant
        and hod
        and member.party.code not in pending.agreed,
        "can_refer": d.status == Dispute.Status.OPEN and steering,
        "can_resolve": live and runs,
        "can_withdraw": live
        and hod
        and member is not None
        and member.party_id == d.raising_party_id,
        "form": {},
        "here": d.title,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def dispute_page(request: HttpRequest, viewer: access.Viewer, dispute_id: int) -> HttpResponse:
    """A dispute: its ladder with the current step and its clock, the history of the steps,
    the submissions the viewer may read by step, extensions, and the acts the viewer may do."""
    d = queries.dispute(viewer, dispute_id)
    if request.method == "GET":
        return render_page(request, "meetings/dispute.html", _dispute_ctx(viewer, d))
    post = request.POST
    action = post.get("action", "")
    acts = {
        "submit": lambda: services.submit(
            viewer,
            d,
            kind=post.get("kind", ""),
            text=post.get("text", ""),
            confidential=post.get("confidential") == "on",
        ),
        "extend": lambda: services.propose_extension(
            viewer, d, days=_int(post.get("days"), "days"), reason=post.get("reason", "")
        ),
        "agree": lambda: services.agree_extension(
            viewer, d, _int(post.get("extension_id"), "extension")
        ),
        "refer": lambda: services.refer_up(viewer, d),
        "resolve": lambda: services.resolve_dispute(
            viewer, d, resolution=post.get("resolution", "")
        ),
        "withdraw": lambda: services.withdraw_dispute(viewer, d),
    }
    notes = {
        "submit": "Your submission was filed.",
        "extend": "The extension was proposed; it takes effect when every disputing party agrees.",
        "agree": "Your party's agreement to the extension was recorded.",
        "refer": "The dispute was referred to the next step.",
        "resolve": "The dispute is resolved; its clock has stopped.",
        "withdraw": "The dispute was withdrawn.",
    }
    try:
        if action not in acts:
            raise Invalid("unknown act on a dispute", {"action": "unknown"})
        out = acts[action]()
    except AccordError as exc:
        ctx = _dispute_ctx(
            viewer,
            queries.dispute(viewer, d.pk),
            page_error=exc.message,
            error_anchor=action,
            form=post,
        )
        return render_page(request, "meetings/dispute.html", ctx, status=exc.status)
    messages.success(request, notes[action])
    url = reverse("meetings:dispute", args=[viewer.process.slug, d.pk])
    return redirect(url + (f"#submission-{out.pk}" if action == "submit" else ""))


def _posted_steps(post) -> list[dict]:
    """The ladder rows of the procedures form as posted (name, days, advisory), blank included."""
    names, days = post.getlist("step_name"), post.getlist("step_days")
    days += [""] * (len(names) - len(days))
    advisory = set(post.getlist("step_advisory"))
    return [
        {"name": n, "days": days[i], "advisory": str(i) in advisory} for i, n in enumerate(names)
    ]


def _procedures_ctx(viewer: access.Viewer, post=None, **extra) -> dict:
    proc = queries.procedures(viewer.process)
    objectives = _objective_rows(proc)
    if post is not None:
        rows = _posted_steps(post)
        for o in objectives:
            o["acknowledge"] = post.get(f"ack_{o['value']}", "")
            o["respond"] = post.get(f"respond_{o['value']}", "")
    else:
        rows = [dict(step) for step in proc.ladder]
        if len(rows) < services.LADDER_MAX:
            rows.append({"name": "", "days": "", "advisory": False})
    return {
        "process": viewer.process,
        "viewer": viewer,
        "proc": proc,
        "ladder": proc.ladder,
        "objectives": _objective_rows(proc),
        "form_rows": rows,
        "form_objectives": objectives,
        "can_edit": viewer.can(Perm.MANAGE_PROCESS),
        "ladder_max": services.LADDER_MAX,
        "here": "Dispute procedures",
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def procedures_page(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """The process's dispute ladder and the concerns' response-time objectives; whoever
    manages the process edits them here."""
    if request.method == "GET":
        return render_page(request, "meetings/procedures.html", _procedures_ctx(viewer))
    post = request.POST
    try:
        access.require(viewer, Perm.MANAGE_PROCESS)
        ladder = []
        for row in _posted_steps(post):
            if not row["name"].strip() and not row["days"].strip():
                continue  # a blank row adds nothing
            n = len(ladder) + 1
            days = _int(row["days"], f"days of step {n}") or 0
            ladder.append({"name": row["name"], "days": days, "advisory": row["advisory"]})
        objectives = {
            sev: {
                "acknowledge": _int(post.get(f"ack_{sev}"), f"hours to acknowledge ({sev})"),
                "respond": _int(post.get(f"respond_{sev}"), f"hours to respond ({sev})"),
            }
            for sev in Concern.Severity.values
        }
        services.set_procedures(viewer, ladder=ladder, objectives=objectives)
    except AccordError as exc:
        ctx = _procedures_ctx(viewer, post, page_error=exc.message)
        return render_page(request, "meetings/procedures.html", ctx, status=exc.status)
    messages.success(
        request, "The procedures were saved. Running disputes keep the ladder they started with."
    )
    return redirect("meetings:procedures", slug=viewer.process.slug)


def _engagement_chart(rows: list[dict]) -> dict | None:
    data = [
        {"party": r["party"].name, "hours": round(r["e"].median_response_hours, 1)}
        for r in rows
        if r["e"].median_response_hours is not None
    ]
    if not data:
        return None
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": "Median time to respond to a concern, by party",
        "description": "Bars: for each party with a response, the median hours between a "
        "concern addressed to it and its response, from the concerns you may read.",
        "width": 160,
        "height": {"step": 22},
        "data": {"values": data},
        "mark": "bar",
        "encoding": {
            "y": {
                "field": "party",
                "type": "nominal",
                "sort": "-x",
                "title": None,
                "axis": {"labelLimit": 140},
            },
            "x": {"field": "hours", "type": "quantitative", "title": "Median hours to respond"},
        },
    }
    return {
        "title": spec["title"],
        "svg": mark_safe(charts.accessible_svg(spec)),  # noqa: S308 (our renderer's SVG, text escaped)
    }


@login_required
@with_viewer
def engagement_page(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    """Engagement per party — concerns answered, meetings attended, capital confirmations on
    time — computed only from what the viewer may read, under the label of those inputs."""
    found, derived = queries.engagement(viewer)
    rows = [
        {
            "e": e,
            "party": e.party,
            "ack": hours_words(e.median_ack_hours),
            "respond": hours_words(e.median_response_hours),
            "attended": _out_of(e.attended, e.invited, percent=True),
            "confirmed": _out_of(e.confirmed_on_time, e.confirmations_due),
        }
        for e in found
    ]
    ctx = {
        "process": viewer.process,
        "viewer": viewer,
        "rows": rows,
        "derived": derived,
        "chart": _engagement_chart(rows),
        "here": "Engagement",
    }
    return render_page(request, "meetings/engagement.html", ctx)


# --- polls ----------------------------------------------------------------------------------------
POLL_HELP = {
    "proposal": "Each member answers agree, abstain, disagree or block.",
    "consent": "Consented when nobody objects.",
    "choose_one": "Each member picks one option.",
    "score": "Each member scores each option from 0 to 5.",
    "ranked": "Each member ranks the options; counted by the method named.",
    "dot": "Each member spreads their dots over the options.",
    "time": "Each member says for each time whether they can come.",
}


FIXED_ANSWERS = {
    "proposal": [
        ("agree", "Agree"),
        ("abstain", "Abstain"),
        ("disagree", "Disagree"),
        ("block", "Block (it should not go ahead)"),
    ],
    "consent": [("consent", "I consent"), ("objection", "I object")],
}


def _poll_answer(p, post):
    """The answer of a poll form as the poll kind expects it (rules.py checks the rest)."""
    k = p.kind
    if k in ("proposal", "consent", "choose_one"):
        return post.get("answer", "")
    if k == "ranked":
        ranks = []
        for i, o in enumerate(p.options):
            r = _int(post.get(f"o{i}"), f"rank of {o}")
            if r is not None:
                ranks.append((r, o))
        return [o for _, o in sorted(ranks)]
    out = {}
    for i, o in enumerate(p.options):
        v = _int(post.get(f"o{i}"), o)
        if v is not None:
            out[o] = v
    return out


def _poll_ctx(viewer, m, **extra) -> dict:
    return {
        "process": viewer.process,
        "viewer": viewer,
        "m": m,
        "kinds": [(k, str(w)) for k, w in Poll.Kind.choices],
        "may_create": services._is_officer(viewer, m) or viewer.can(services.MANAGE),
        "here": "Polls",
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def poll_list(request: HttpRequest, viewer: access.Viewer, meeting_id: int) -> HttpResponse:
    """The polls of a meeting, and a form to sound the room (officers)."""
    m = queries.meeting(viewer, meeting_id)
    now = timezone.now()
    if request.method == "POST":
        post = request.POST
        try:
            p = services.create_poll(
                viewer,
                m,
                title=post.get("title", ""),
                details=post.get("details", ""),
                kind=post.get("kind", ""),
                options=[line for line in post.get("options", "").splitlines()],
                method=post.get("method", ""),
                budget=_int(post.get("budget"), "dots") or 8,
                closes_at=_dt(post.get("closes_at", ""), "closing"),
            )
        except AccordError as exc:
            rows = [queries.poll_view(viewer, x, now) for x in queries.polls(viewer, m)]
            ctx = _poll_ctx(viewer, m, rows=rows, page_error=exc.message, form=post)
            return render_page(request, "meetings/polls.html", ctx, status=exc.status)
        messages.success(request, "The poll is open.")
        return redirect("meetings:poll", slug=viewer.process.slug, meeting_id=m.pk, poll_id=p.pk)
    rows = [queries.poll_view(viewer, x, now) for x in queries.polls(viewer, m)]
    return render_page(request, "meetings/polls.html", _poll_ctx(viewer, m, rows=rows))


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def poll_page(
    request: HttpRequest, viewer: access.Viewer, meeting_id: int, poll_id: int
) -> HttpResponse:
    """One poll: the count so far in words, the reader's answer form while it is open."""
    m = queries.meeting(viewer, meeting_id)
    p = queries.poll(viewer, m, poll_id)
    error, status = "", 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "close":
                services.close_poll(viewer, m, p.pk)
                note = "The poll is closed."
            else:
                services.answer_poll(viewer, m, p.pk, _poll_answer(p, request.POST))
                note = "Your answer is recorded; you may change it until the poll closes."
        except AccordError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(request, note)
            return redirect(
                "meetings:poll", slug=viewer.process.slug, meeting_id=m.pk, poll_id=p.pk
            )
        p = queries.poll(viewer, m, poll_id)
    pv = queries.poll_view(viewer, p)
    mine = pv.mine
    options = []
    for i, o in enumerate(p.options):
        current = None
        if isinstance(mine, dict):
            current = mine.get(o)
        elif isinstance(mine, list) and o in mine:
            current = mine.index(o) + 1
        options.append({"i": i, "name": o, "current": current})
    ctx = _poll_ctx(
        viewer,
        m,
        pv=pv,
        p=p,
        options=options,
        help=POLL_HELP[p.kind],
        may_answer=pv.open and services.may_answer(viewer, m),
        may_close=pv.open and services._is_officer(viewer, m),
        page_error=error,
        time_answers=[(2, "Yes"), (1, "If need be"), (0, "No")],
        fixed_answers=FIXED_ANSWERS.get(p.kind, []),
        scores=range(6),
    )
    ctx["here"] = p.title
    return render_page(request, "meetings/poll.html", ctx, status=status)


# --- speaking lists -----------------------------------------------------------------------------
def _speakers_ctx(viewer: access.Viewer, m: Meeting, item, **extra) -> dict:
    sl = queries.speaking_list(viewer, m, item)
    numbers = queries.item_numbers(viewer, m)
    is_officer = viewer.member.pk in m.officers()
    mine = next((r for r in sl.waiting if r.member.pk == viewer.member.pk), None)
    allowed = services.speaking_parties(m)
    rel = m.label.value.rel_to
    parties = [
        p
        for p in viewer.process.parties.order_by("code")
        if (p.pk in allowed if allowed is not None else rel is None or p.code in rel)
    ]
    return {
        "process": viewer.process,
        "viewer": viewer,
        "m": m,
        "item": item,
        "number": numbers.get(item.pk, ""),
        "sl": sl,
        "hidden_note": people.hidden_note(sl.hidden),
        "mine": mine,
        "speaking": sl.current is not None and sl.current.member.pk == viewer.member.pk,
        "refusal": services.floor_refusal(viewer, m),
        "is_officer": is_officer,
        "can_allow": is_officer or viewer.can(services.MANAGE),
        "allow_parties": parties,
        "here": f"Speaking list: {item.title}",
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
@with_viewer
def speakers(
    request: HttpRequest, viewer: access.Viewer, meeting_id: int, agenda_item_id: int
) -> HttpResponse:
    """The speaking list of one agenda item: who has the floor and for how long, the queue
    (points of order first), each delegation's time; the members' and officers' buttons."""
    m = queries.meeting(viewer, meeting_id)
    item = queries.agenda_item(viewer, m, agenda_item_id)
    if request.method == "GET":
        if is_htmx(request):
            return render_page(request, "meetings/_speakers.html", _speakers_ctx(viewer, m, item))
        return render_page(request, "meetings/speakers.html", _speakers_ctx(viewer, m, item))
    post = request.POST
    action = post.get("action", "")
    try:
        if action in ("request", "point_of_order"):
            services.request_floor(viewer, m, item.pk, point_of_order=action == "point_of_order")
            note = "You are on the speaking list."
        elif action == "withdraw":
            services.withdraw(viewer, m, _int(post.get("speech_id"), "request"), item_id=item.pk)
            note = "The request was withdrawn."
        elif action == "next":
            started = services.next_speaker(viewer, m, item.pk)
            note = "The floor was given." if started else "The speech ended; nobody is waiting."
        elif action == "end":
            services.end_speech(viewer, m, item.pk)
            note = "The speech ended."
        elif action == "allowance":
            minutes = _int(post.get("minutes"), "minutes")
            if minutes is None:
                raise Invalid("give the speaking time in minutes", {"minutes": "required"})
            services.set_allowance(viewer, m, item.pk, post.get("party", ""), minutes)
            note = "The speaking time was set."
        else:
            raise Invalid("unknown action", {"action": "unknown"})
    except AccordError as exc:
        ctx = _speakers_ctx(viewer, m, item, page_error=exc.message)
        return render_page(request, "meetings/speakers.html", ctx, status=exc.status)
    messages.success(request, note)
    return redirect(
        "meetings:speakers", slug=viewer.process.slug, meeting_id=m.pk, agenda_item_id=item.pk
    )
