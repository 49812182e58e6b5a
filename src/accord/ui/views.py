"""HTML pages and htmx fragments: parse → core services / queries → render. No logic here.

Every protected read goes through `accord.core.queries` / `accord.ledger.queries` (which use
`core.access`); every write through `accord.core.services`. Errors raised there
(`AccordError`) are shown on the page with their HTTP status, and nothing is written.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pyotp
import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accord.core import access, people, queries, services
from accord.core.auth import MFA_SESSION_KEY
from accord.core.errors import AccordError, Forbidden, Invalid
from accord.core.middleware import TZ_SESSION_KEY
from accord.core.models import Party, Process
from accord.core.roles import Perm, Role
from accord.ledger import queries as ledger_queries
from accord.ledger import words
from accord.ui import forms, sections
from accord.ui.pages import (
    error_page,
    is_htmx,
    label_choices,
    process_viewer,
    render_page,
    with_viewer,
)

TIMELINE_LENGTH = 20
PARTY_KINDS = [  # (kind, heading for one, heading for several), in display order
    (Party.Kind.ALLY, "Ally", "Allies"),
    (Party.Kind.MEDIATOR, "Mediator", "Mediators"),
    (Party.Kind.CONFLICT_PARTY, "Conflict party", "Conflict parties"),
    (Party.Kind.GUARANTOR, "Guarantor", "Guarantors"),
    (Party.Kind.OBSERVER, "Observer", "Observers"),
]


def _safe_next(request: HttpRequest) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return reverse("ui:home")


# --- sign-in ----------------------------------------------------------------------------------
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    nxt = _safe_next(request)
    if request.user.is_authenticated and request.method == "GET":
        return redirect(nxt)
    form = forms.LoginForm(request.POST or None)
    if request.method == "POST":
        user = None
        if form.is_valid():
            user = authenticate(
                request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        if user is None:
            # The same answer for an unknown user and a wrong password (no hint which).
            ctx = {"form": form, "next": nxt, "error": "Unknown username or wrong password."}
            return render_page(request, "ui/login.html", ctx, status=401)
        login(request, user)
        if services.requires_mfa(user) or services.security_profile(user).mfa_enabled:
            return redirect(f"{reverse('ui:mfa')}?{urlencode({'next': nxt})}")
        return redirect(nxt)
    return render_page(request, "ui/login.html", {"form": form, "next": nxt})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("ui:login")


def _enrolment(user, *, fresh: bool) -> dict:
    """The otpauth URI of the pending enrolment (a new secret when `fresh`), as QR and text."""
    prof = services.security_profile(user)
    if fresh or not prof.totp_secret:
        uri = services.begin_totp_enrolment(user)
    else:
        # Re-show the pending secret (after a mistyped code the user keeps the scanned one).
        uri = pyotp.TOTP(prof.totp_secret).provisioning_uri(
            name=user.get_username(), issuer_name="Accord"
        )
    secret = parse_qs(urlsplit(uri).query).get("secret", [""])[0]
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return {
        "qr_svg": segno.make(uri).svg_inline(scale=4),
        "secret": secret,
        "secret_grouped": grouped,
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    nxt = _safe_next(request)
    enabled = services.security_profile(user).mfa_enabled
    if enabled:
        if request.session.get(MFA_SESSION_KEY):
            return redirect(nxt)
        form = forms.CodeForm(request.POST or None)
        if request.method == "POST":
            code = form.cleaned_data["code"] if form.is_valid() else ""
            try:
                ok = services.verify_second_factor(user, code)
            except AccordError as exc:
                ctx = {"form": form, "next": nxt, "error": exc.message}
                return render_page(request, "ui/mfa.html", ctx, status=exc.status)
            if ok:
                request.session[MFA_SESSION_KEY] = True
                request.session.cycle_key()
                return redirect(nxt)
            ctx = {"form": form, "next": nxt, "error": "That code is not valid. Try again."}
            return render_page(request, "ui/mfa.html", ctx, status=400)
        return render_page(request, "ui/mfa.html", {"form": form, "next": nxt})

    # Not enrolled yet: required by a role, or chosen from the account page.
    required = services.requires_mfa(user)
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST":
        try:
            codes = services.confirm_totp(user, form.data.get("code", ""))
        except AccordError as exc:
            ctx = {"form": form, "next": nxt, "error": exc.message, "required": required}
            ctx.update(_enrolment(user, fresh=False))
            return render_page(request, "ui/mfa_enrol.html", ctx, status=400)
        request.session[MFA_SESSION_KEY] = True
        request.session.cycle_key()
        return render_page(request, "ui/mfa_recovery.html", {"codes": codes, "next": nxt})
    ctx = {"form": form, "next": nxt, "required": required}
    ctx.update(_enrolment(user, fresh=True))
    return render_page(request, "ui/mfa_enrol.html", ctx)


# --- processes --------------------------------------------------------------------------------
@login_required
def home(request: HttpRequest) -> HttpResponse:
    rows = [
        {"process": p, "member": queries.viewer_for_slug(request.user, p.slug).member}
        for p in queries.processes_for(request.user)
    ]
    return render_page(request, "ui/home.html", {"rows": rows})


@login_required
@with_viewer
def dashboard(request: HttpRequest, viewer: access.Viewer) -> HttpResponse:
    parties = list(queries.parties(viewer))
    groups = []
    for kind, one, several in PARTY_KINDS:
        group = [p for p in parties if p.kind == kind]
        if group:
            groups.append((one if len(group) == 1 else several, group))
    return render_page(
        request,
        "ui/dashboard.html",
        {
            "process": viewer.process,
            "viewer": viewer,
            "me": viewer.member,
            "party_groups": groups,
            "members": queries.members(viewer),
            "lines": words.lines(viewer, ledger_queries.timeline(viewer)[:TIMELINE_LENGTH]),
            "can_manage": viewer.can(Perm.MANAGE_MEMBERS),
            "can_edit": viewer.can(Perm.MANAGE_PROCESS),
            "panels": [
                {"key": p.key, "title": p.title, "template": p.template, "ctx": ctx}
                for p, ctx in sections.panels_for(viewer)
            ],
        },
    )


# --- member administration (coordinators) ------------------------------------------------------
def _admin_viewer(request: HttpRequest, slug: str):
    viewer = process_viewer(request, slug)
    if not viewer.can(Perm.MANAGE_MEMBERS):
        exc = Forbidden(
            "Member administration is for the coordinators of this process; "
            "your roles here do not include it."
        )
        exc.process = viewer.process  # for the page header, not for any decision
        raise exc
    return viewer


def _for_admin(viewer, members: list) -> list:
    """Members with what their row needs: whether they have a second factor, and an id prefix
    that keeps the ids of their forms apart from every other row's."""
    enrolled = services.second_factors(viewer, members)
    for m in members:
        m.second_factor = enrolled.get(m.pk)
        m.form_id = f"m{m.pk}"
    return members


def _admin_context(viewer, **extra) -> dict:
    process = viewer.process
    if "m" in extra:  # one row (htmx): the others are not shown
        members = _for_admin(viewer, [extra["m"]])
    else:
        members = _for_admin(viewer, list(queries.members(viewer, include_inactive=True)))
    return {
        "process": process,
        "viewer": viewer,
        "me": viewer.member,
        "members": members,
        "party_list": list(queries.parties(viewer)),
        "clearances": list(enumerate(process.level_names)),
        "roles": [(r.value, r.title) for r in Role],
        "can_assign": viewer.can(Perm.ASSIGN_ROLES),
        "here": "Members",
        **label_choices(viewer),  # the label picker: levels, parties (codes), my_caveats
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def members_admin(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        viewer = _admin_viewer(request, slug)
    except AccordError as exc:
        return error_page(request, exc)
    if request.method == "POST":
        try:
            args = forms.parse_new_member(
                viewer.process, request.POST, list(queries.parties(viewer))
            )
            member = services.add_member(viewer, viewer.process, **args)
        except AccordError as exc:
            ctx = _admin_context(
                viewer,
                add_error=exc.message,
                add_data=request.POST,
                add_lists=forms.lists_of(request.POST),
                add_open=True,
            )
            return render_page(request, "ui/members.html", ctx, status=exc.status)
        messages.success(request, f"{member.display_name} was added to the process.")
        return redirect("ui:members", slug=slug)
    return render_page(request, "ui/members.html", _admin_context(viewer))


def _row_answer(request, slug, viewer, member, *, error=None, status=200, saved=None):
    """htmx: the member's rows (<tbody>); plain POST: back to the page (or the page with the
    error)."""
    if is_htmx(request):
        ctx = _admin_context(viewer, m=member, row_error=error, row_saved=saved)
        return render(request, "ui/_member_row.html", ctx, status=status)
    if error is None:
        messages.success(request, saved or "Saved.")
        return redirect("ui:members", slug=slug)
    ctx = _admin_context(viewer, page_error=error)
    return render_page(request, "ui/members.html", ctx, status=status)


def _member_action(request, slug, member_id, act):
    """Common frame of the row actions: resolve viewer and member, act, answer."""
    try:
        viewer = _admin_viewer(request, slug)
        member = queries.member(viewer, member_id)
    except AccordError as exc:
        if is_htmx(request):
            return render(request, "ui/_row_error.html", {"error": exc.message}, status=exc.status)
        return error_page(request, exc)
    try:
        saved = act(viewer, member)
    except AccordError as exc:
        member = queries.member(viewer, member_id)  # fresh copy: nothing was written
        return _row_answer(request, slug, viewer, member, error=exc.message, status=exc.status)
    # Resolve again: the act may have created a label (or changed what the viewer may read).
    viewer = process_viewer(request, slug)
    try:
        member = queries.member(viewer, member_id)
    except AccordError:
        if is_htmx(request):
            return HttpResponse("")  # the row is no longer readable: it leaves the table
        messages.success(request, saved)
        return redirect("ui:members", slug=slug)
    return _row_answer(request, slug, viewer, member, saved=saved)


@login_required
@require_POST
def member_update(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    def act(viewer, member):
        args = forms.parse_member_update(viewer.process, request.POST, member.label.value)
        services.update_member(viewer, member, **args)
        return f"Changes to {member.display_name} saved."

    return _member_action(request, slug, member_id, act)


@login_required
@require_POST
def role_assign(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    def act(viewer, member):
        services.assign_role(viewer, member, request.POST.get("role", ""))
        return f"Role assigned to {member.display_name}."

    return _member_action(request, slug, member_id, act)


@login_required
@require_POST
def role_renounce(request: HttpRequest, slug: str, member_id: int, assignment_id: int):
    def act(viewer, member):
        assignment = queries.role_assignment(viewer, member, assignment_id)
        services.renounce_role(viewer, assignment)
        return f"Role {Role(assignment.role).title.lower()} of {member.display_name} ended."

    return _member_action(request, slug, member_id, act)


@login_required
@require_POST
def second_factor_reset(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    def act(viewer, member):
        services.reset_second_factor(viewer, member)
        name = people.person(viewer, member).name
        return f"The second factor of {name} was reset: they set it up again at their next sign-in."

    return _member_action(request, slug, member_id, act)


# --- process and parties (coordinators) -------------------------------------------------------
def _process_viewer(request: HttpRequest, slug: str) -> access.Viewer:
    viewer = process_viewer(request, slug)
    if not viewer.can(Perm.MANAGE_PROCESS):
        exc = Forbidden(
            "Changing the process and its parties is for the coordinators of this process; "
            "your roles here do not include it."
        )
        exc.process = viewer.process  # for the page header, not for any decision
        raise exc
    return viewer


def _process_context(viewer, *, party_errors: dict | None = None, party_data=None, **extra):
    parties = list(queries.parties(viewer))
    for p in parties:  # a refused party form comes back as it was sent, with its message
        p.error = (party_errors or {}).get(p.code)
        p.form = party_data if p.error else {"name": p.name, "kind": p.kind}
    return {
        "process": viewer.process,
        "viewer": viewer,
        "parties": parties,
        "statuses": list(Process.Status.choices),
        "kinds": [(k, n) for k, n, _ in PARTY_KINDS],
        "here": "Process and parties",
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def process_edit(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        viewer = _process_viewer(request, slug)
    except AccordError as exc:
        return error_page(request, exc)
    if request.method == "POST":
        try:
            services.update_process(viewer, **forms.parse_process_update(request.POST))
        except AccordError as exc:
            ctx = _process_context(viewer, process_error=exc.message, process_data=request.POST)
            return render_page(request, "ui/process_edit.html", ctx, status=exc.status)
        messages.success(request, "The process was saved.")
        return redirect("ui:process_edit", slug=slug)
    return render_page(request, "ui/process_edit.html", _process_context(viewer))


@login_required
@require_POST
def party_add(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        viewer = _process_viewer(request, slug)
    except AccordError as exc:
        return error_page(request, exc)
    try:
        party = services.add_party(viewer, viewer.process, **forms.parse_party(request.POST))
    except AccordError as exc:
        ctx = _process_context(viewer, add_error=exc.message, add_data=request.POST)
        return render_page(request, "ui/process_edit.html", ctx, status=exc.status)
    messages.success(request, f"{party.name} was added to the parties.")
    return redirect("ui:process_edit", slug=slug)


@login_required
@require_POST
def party_update(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        viewer = _process_viewer(request, slug)
        data = forms.parse_party(request.POST)
        party = queries.party(viewer, data["code"])
    except AccordError as exc:
        return error_page(request, exc)
    try:
        services.update_party(viewer, party, name=data["name"], kind=data["kind"])
    except AccordError as exc:
        ctx = _process_context(
            viewer, party_errors={party.code: exc.message}, party_data=request.POST
        )
        return render_page(request, "ui/process_edit.html", ctx, status=exc.status)
    messages.success(request, f"{party.name} ({party.code}) was saved.")
    return redirect("ui:process_edit", slug=slug)


# --- account ----------------------------------------------------------------------------------
def _account_context(request: HttpRequest, **extra) -> dict:
    user = request.user
    return {
        "profile": services.security_profile(user),
        "mfa_required": services.requires_mfa(user),
        "tokens": user.api_tokens.all(),
        "memberships": [
            queries.viewer_for_slug(user, p.slug).member for p in queries.processes_for(user)
        ],
        "token_form": forms.TokenForm(),
        "time_zone": services.time_zone_of(user),
        "time_zones": forms.time_zone_choices(),
        **extra,
    }


@never_cache
@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render_page(request, "ui/account.html", _account_context(request))


@never_cache
@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = forms.TokenForm(request.POST)
    try:
        if not form.is_valid():
            raise Invalid("choose a name and a lifetime from the list", {"name": "invalid"})
        token, secret = services.create_token(
            request.user, name=form.cleaned_data["name"], expires_at=form.expires_at()
        )
    except AccordError as exc:
        ctx = _account_context(request, token_error=exc.message, token_form=form)
        return render_page(request, "ui/account.html", ctx, status=exc.status)
    ctx = _account_context(request, new_token=token, new_secret=secret)
    return render_page(request, "ui/account.html", ctx)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = services.revoke_token(request.user, token_id)
    except AccordError as exc:
        ctx = _account_context(request, token_error=exc.message)
        return render_page(request, "ui/account.html", ctx, status=exc.status)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("ui:account")


@never_cache
@login_required
@require_POST
def time_zone(request: HttpRequest) -> HttpResponse:
    """Choose the zone every time is shown in; the session follows at once."""
    try:
        name = services.set_time_zone(request.user, request.POST.get("time_zone", ""))
    except AccordError as exc:
        ctx = _account_context(request, tz_error=exc.message)
        return render_page(request, "ui/account.html", ctx, status=exc.status)
    request.session[TZ_SESSION_KEY] = name
    messages.success(request, f"Times are now shown in {name}.")
    return redirect("ui:account")
