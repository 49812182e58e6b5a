"""Every state change of the core app: check policy, write, record, publish after commit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from zoneinfo import available_timezones

import pyotp
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from accord.core import access, events
from accord.core.access import Viewer
from accord.core.errors import Conflict, Forbidden, Invalid, NotFound, TooManyAttempts
from accord.core.labels import PUBLIC, LabelValue
from accord.core.models import (
    ApiToken,
    Member,
    Party,
    Preferences,
    Process,
    RoleAssignment,
    SecurityProfile,
)
from accord.core.prepared import Prepared
from accord.core.roles import MFA_ROLES, Perm, Role
from accord.ledger.services import log_for, record, tighten_naming

User = get_user_model()
TOKEN_PREFIX = "acc_"
RECOVERY_CODE_COUNT = 10


# --- processes and parties --------------------------------------------------------------------
def create_process(
    actor,
    *,
    name: str,
    slug: str | None = None,
    description: str = "",
    level_names: list[str] | None = None,
    caveats: list[str] | None = None,
) -> Process:
    """Create a process (operators only: Django staff or the CLI, actor None)."""
    if actor is not None and not getattr(actor, "is_staff", False):
        raise Forbidden("only operators may create processes")
    name = (name or "").strip()
    if not name:
        raise Invalid("a process needs a name", {"name": "required"})
    slug = slugify(slug or name)[:60]
    if not slug:
        raise Invalid("slug must contain letters or digits", {"slug": "invalid"})
    levels = [n.strip().upper() for n in (level_names or []) if n.strip()] or None
    if levels is not None and len(set(levels)) != len(levels):
        raise Invalid("level names must be distinct", {"level_names": "duplicate"})
    cav = sorted({c.strip().upper() for c in (caveats or ["MEDIATION"]) if c.strip()})
    try:
        with transaction.atomic():
            proc = Process(name=name, slug=slug, description=description, caveats=cav)
            if levels:
                proc.level_names = levels
                proc.level_colours = (proc.level_colours * len(levels))[: len(levels)]
            proc.save()
            log_for(proc)
            record(actor, "process.create", proc, {"name": name, "slug": slug}, PUBLIC)
    except IntegrityError as exc:
        raise Conflict(f"a process with slug {slug!r} exists") from exc
    return proc


def update_process(viewer: Viewer, **changes) -> Process:
    access.require(viewer, Perm.MANAGE_PROCESS)
    proc = viewer.process
    allowed = {"name", "description", "status"}
    bad = sorted(set(changes) - allowed)
    if bad:
        raise Invalid(f"cannot change {', '.join(bad)}")
    if "status" in changes and changes["status"] not in Process.Status.values:
        raise Invalid(f"unknown status {changes['status']!r}", {"status": "invalid"})
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
        if not changes["name"]:
            raise Invalid("a process needs a name", {"name": "required"})
        if len(changes["name"]) > 200:
            raise Invalid("a process's name is at most 200 characters", {"name": "too long"})
    changes = {k: v for k, v in changes.items() if getattr(proc, k) != v}
    if not changes:  # nothing changes: nothing to record
        return proc
    with transaction.atomic():
        for k, v in changes.items():
            setattr(proc, k, v)
        proc.save()
        record(viewer.member, "process.update", proc, {"changed": sorted(changes)}, PUBLIC)
    events.publish(proc.pk, {"kind": "process.updated", "id": proc.pk})
    return proc


def add_party(viewer: Viewer | None, process: Process, *, code: str, name: str, kind: str) -> Party:
    """Add a party (coordinator, or the CLI/demo loader with viewer None)."""
    if viewer is not None:
        access.require(viewer, Perm.MANAGE_PROCESS)
    code = (code or "").strip().upper()
    if not code.isalnum() or not 2 <= len(code) <= 12:
        raise Invalid("party code must be 2–12 letters or digits", {"code": "invalid"})
    if kind not in Party.Kind.values:
        raise Invalid(
            f"party kind must be one of {', '.join(Party.Kind.values)}", {"kind": "invalid"}
        )
    if not (name or "").strip():
        raise Invalid("a party needs a name", {"name": "required"})
    try:
        with transaction.atomic():
            party = Party.objects.create(process=process, code=code, name=name.strip(), kind=kind)
            record(
                viewer.member if viewer else None,
                "party.create",
                party,
                {"code": code, "kind": kind},
                PUBLIC,
            )
    except IntegrityError as exc:
        raise Conflict(f"party code {code} is already used in this process") from exc
    events.publish(process.pk, {"kind": "party.created", "id": party.pk})
    return party


def update_party(
    viewer: Viewer, party: Party, *, name: str | None = None, kind: str | None = None
) -> Party:
    """Rename a party or change its kind (coordinators). Its code never changes: labels'
    REL TO lines name parties by code, so a new code would silently change who may read."""
    access.require(viewer, Perm.MANAGE_PROCESS)
    if party.process_id != viewer.process.pk:
        raise NotFound("party not found")
    changes: dict[str, str] = {}
    if name is not None:
        name = name.strip()
        if not name:
            raise Invalid("a party needs a name", {"name": "required"})
        if len(name) > 200:
            raise Invalid("a party's name is at most 200 characters", {"name": "too long"})
        if name != party.name:
            changes["name"] = name
    if kind is not None:
        if kind not in Party.Kind.values:
            raise Invalid(
                f"party kind must be one of {', '.join(Party.Kind.values)}", {"kind": "invalid"}
            )
        if kind != party.kind:
            changes["kind"] = kind
    if not changes:
        return party
    with transaction.atomic():
        for k, v in changes.items():
            setattr(party, k, v)
        party.save(update_fields=sorted(changes))
        record(viewer.member, "party.update", party, {"changed": sorted(changes)}, PUBLIC)
    events.publish(viewer.process.pk, {"kind": "party.updated", "id": party.pk})
    return party


# --- members and roles ------------------------------------------------------------------------
def _check_grant(
    viewer: Viewer | None, process: Process, clearance: int, caveats: list[str]
) -> list[str]:
    if not 0 <= clearance < len(process.level_names):
        raise Invalid(
            f"clearance must be 0..{len(process.level_names) - 1}", {"clearance": "out of range"}
        )
    cav = sorted({c.strip().upper() for c in caveats if c.strip()})
    unknown = sorted(set(cav) - {c.upper() for c in process.caveats})
    if unknown:
        raise Invalid(f"unknown caveats: {', '.join(unknown)}", {"caveats": "unknown caveat"})
    if viewer is not None:
        if clearance > viewer.clearance:
            raise Forbidden("you cannot grant a clearance above your own")
        if set(cav) - viewer.caveats:
            raise Forbidden("you cannot grant a caveat you do not hold")
    return cav


def _check_own_label(process: Process, party: Party, clearance: int, caveats, label) -> None:
    """A membership label must be one its member may read: nobody is a member they could not
    know they are (and readers who share a member's party, clearance and caveats see the same
    people, which live delivery relies on)."""
    reader = access.reader_of(process, Member(process=process), party.code, clearance, caveats)
    if not access.can_read(reader, label):
        names = process.level_names
        raise Invalid(
            f"the membership label {label.display(names)} must be one the member may read "
            "(their party in REL TO, clearance at least its level, every caveat held)",
            {"label": "unreadable by the member"},
        )


def add_member(
    viewer: Viewer | None,
    process: Process,
    *,
    user,
    party: Party,
    clearance: int = 0,
    caveats: list[str] | None = None,
    roles: list[str] | None = None,
    title: str = "",
    label: LabelValue | None = None,
) -> Member:
    """Add a user to a process (coordinator; or the CLI/demo loader with viewer None)."""
    if viewer is not None:
        access.require(viewer, Perm.MANAGE_MEMBERS)
    if party.process_id != process.pk:
        raise Invalid("party belongs to another process", {"party": "invalid"})
    cav = _check_grant(viewer, process, clearance, caveats or [])
    role_values = _parse_roles(roles or [])
    label = label or PUBLIC
    if viewer is not None:
        access.check_can_apply(viewer, label)
    _check_own_label(process, party, clearance, cav, label)
    try:
        with transaction.atomic():
            member = Member.objects.create(
                process=process,
                user=user,
                party=party,
                clearance=clearance,
                caveats=cav,
                title=title,
                label=access.label_row(process, label),
            )
            actor = viewer.member if viewer else None
            record(actor, "member.add", member, {"user": user.get_username()})
            for role in role_values:
                ra = RoleAssignment.objects.create(member=member, role=role, assigned_by=actor)
                record(actor, "role.assume", ra, {"member": member.pk, "role": role}, member.label)
    except IntegrityError as exc:
        raise Conflict(f"{user.get_username()} is already a member of this process") from exc
    events.publish(process.pk, {"kind": "member.added", "id": member.pk, "label": member.label_id})
    return member


def _parse_roles(roles: list[str]) -> list[str]:
    values = []
    for r in roles:
        try:
            values.append(Role(r).value)
        except ValueError as exc:
            raise Invalid(
                f"unknown role {r!r}; roles are {', '.join(x.value for x in Role)}",
                {"roles": "invalid"},
            ) from exc
    return sorted(set(values))


def update_member(
    viewer: Viewer,
    member: Member,
    *,
    clearance: int | None = None,
    caveats: list[str] | None = None,
    title: str | None = None,
    active: bool | None = None,
    label: LabelValue | None = None,
) -> Member:
    """Change a member's clearance, caveats, title, activity or label (all recorded)."""
    access.require(viewer, Perm.MANAGE_MEMBERS)
    _same_process(viewer, member)
    new_clear = member.clearance if clearance is None else clearance
    new_cav = member.caveats if caveats is None else caveats
    cav = _check_grant(viewer, member.process, new_clear, new_cav)
    if active is False and member.pk == viewer.member.pk:
        raise Invalid("you cannot deactivate yourself", {"active": "self"})
    changed: dict[str, object] = {}
    with transaction.atomic():
        if clearance is not None and clearance != member.clearance:
            changed["clearance"] = [member.clearance, clearance]
            member.clearance = clearance
        if caveats is not None and cav != sorted(member.caveats):
            changed["caveats"] = [sorted(member.caveats), cav]
            member.caveats = cav
        if title is not None and title != member.title:
            changed["title"] = True
            member.title = title
        if active is not None and active != member.active:
            changed["active"] = [member.active, active]
            member.active = active
        if label is not None and label.key != member.label.key:
            access.check_can_apply(viewer, label)
            changed["label"] = [member.label.value.as_dict(), label.as_dict()]
            member.label = access.label_row(member.process, label)
        if not changed:
            return member
        _check_own_label(
            member.process, member.party, member.clearance, member.caveats, member.label.value
        )
        member.save()
        action = "member.relabel" if set(changed) == {"label"} else "member.update"
        record(viewer.member, action, member, {"changed": changed})
        if "label" in changed:  # earlier records naming the member follow the new label
            tighten_naming(member, member.process)
    events.publish(
        member.process_id, {"kind": "member.updated", "id": member.pk, "label": member.label_id}
    )
    return member


def assign_role(viewer: Viewer, member: Member, role: str) -> RoleAssignment:
    access.require(viewer, Perm.ASSIGN_ROLES)
    _same_process(viewer, member)
    (value,) = _parse_roles([role])
    if value in {r.value for r in member.active_roles()}:
        raise Conflict(f"{member} already holds the role {value}")
    with transaction.atomic():
        ra = RoleAssignment.objects.create(member=member, role=value, assigned_by=viewer.member)
        record(viewer.member, "role.assume", ra, {"member": member.pk, "role": value}, member.label)
    events.publish(
        member.process_id, {"kind": "member.updated", "id": member.pk, "label": member.label_id}
    )
    return ra


def renounce_role(viewer: Viewer, assignment: RoleAssignment) -> RoleAssignment:
    """End a role's tenure (the coordinator, or the holder renouncing their own role)."""
    member = assignment.member
    _same_process(viewer, member)
    if viewer.member.pk != member.pk:
        access.require(viewer, Perm.ASSIGN_ROLES)
    if not assignment.is_active:
        raise Conflict("this role has already been renounced")
    if (
        assignment.role == Role.COORDINATOR
        and RoleAssignment.objects.filter(
            member__process=member.process, role=Role.COORDINATOR, renounced_at__isnull=True
        ).count()
        <= 1
    ):
        raise Conflict("a process must keep at least one coordinator")
    with transaction.atomic():
        assignment.renounced_at = timezone.now()
        assignment.save(update_fields=["renounced_at"])
        record(
            viewer.member,
            "role.renounce",
            assignment,
            {"member": member.pk, "role": assignment.role},
            member.label,
        )
    events.publish(
        member.process_id, {"kind": "member.updated", "id": member.pk, "label": member.label_id}
    )
    return assignment


def _same_process(viewer: Viewer, member: Member) -> None:
    if member.process_id != viewer.process.pk:
        raise NotFound("member not found")


# --- accounts ---------------------------------------------------------------------------------
def create_user(
    *, username: str, password: str, email: str = "", full_name: str = "", is_staff: bool = False
):
    """Create an account (CLI, demo, operators)."""
    username = (username or "").strip()
    if not username:
        raise Invalid("username is required", {"username": "required"})
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(f"user {username!r} exists")
    try:
        validate_password(password)
    except ValidationError as exc:
        raise Invalid("; ".join(exc.messages), {"password": "weak"}) from exc
    first, _, last = full_name.strip().partition(" ")
    with transaction.atomic():
        user = User(
            username=username,
            email=email,
            first_name=first,
            last_name=last,
            is_staff=is_staff,
            is_superuser=is_staff,
        )
        user.set_password(password)
        user.save()
        SecurityProfile.objects.create(user=user)
        record(
            None, "user.create", ("auth.user", str(user.pk)), {"username": username}, process=None
        )
    return user


def requires_mfa(user) -> bool:
    """True if any active role of the user, in any process, demands a second factor."""
    mfa = {r.value for r in MFA_ROLES}
    now = timezone.now()
    return (
        RoleAssignment.objects.filter(
            member__user=user, member__active=True, role__in=mfa, assumed_at__lte=now
        )
        .exclude(renounced_at__lte=now)
        .exists()
    )


def time_zone_of(user) -> str:
    """The time zone a user reads times in (UTC until they choose another)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "UTC"
    tz = Preferences.objects.filter(user=user).values_list("time_zone", flat=True).first()
    return tz or "UTC"


def set_time_zone(user, name: str) -> str:
    """Choose the time zone every page shows times in (an IANA name such as Europe/Oslo)."""
    name = (name or "").strip()
    if name not in available_timezones():
        raise Invalid(
            f"unknown time zone {name!r}: use an IANA name such as UTC or Europe/Oslo",
            {"time_zone": "unknown"},
        )
    with transaction.atomic():
        Preferences.objects.update_or_create(user=user, defaults={"time_zone": name})
        record(user, "profile.time_zone", ("auth.user", str(user.pk)), {"to": name}, process=None)
    return name


def security_profile(user) -> SecurityProfile:
    prof, _ = SecurityProfile.objects.get_or_create(user=user)
    return prof


def begin_totp_enrolment(user) -> str:
    """Start (or restart) TOTP enrolment; returns the otpauth:// URI for the QR code."""
    prof = security_profile(user)
    if prof.mfa_enabled:
        raise Conflict("two-factor authentication is already enabled")
    prof.totp_secret = pyotp.random_base32()
    prof.save(update_fields=["totp_secret"])
    return pyotp.TOTP(prof.totp_secret).provisioning_uri(
        name=user.get_username(), issuer_name="Accord"
    )


def _totp_ok(prof: SecurityProfile, code: str) -> int | None:
    """Return the accepted time-step counter, refusing replays of a used code."""
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6) or not prof.totp_secret:
        return None
    totp = pyotp.TOTP(prof.totp_secret)
    now = timezone.now()
    for drift in (0, -1, 1):
        t = now.timestamp() + drift * totp.interval
        counter = int(t // totp.interval)
        if counter > prof.totp_last_counter and secrets.compare_digest(
            totp.at(counter * totp.interval), code
        ):
            return counter
    return None


def confirm_totp(user, code: str) -> list[str]:
    """Finish enrolment with a first valid code; returns the recovery codes (shown once)."""
    prof = security_profile(user)
    if prof.mfa_enabled:
        raise Conflict("two-factor authentication is already enabled")
    counter = _totp_ok(prof, code)
    if counter is None:
        raise Invalid(
            "that code is not valid; check the time on your device and try again",
            {"code": "invalid"},
        )
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        prof.totp_last_counter = counter
        prof.totp_confirmed_at = timezone.now()
        prof.recovery_codes = [make_password(c) for c in codes]
        prof.save()
        record(user, "mfa.enrol", ("auth.user", str(user.pk)), {}, process=None)
    return codes


MFA_FAILURE_LIMIT = 5
MFA_LOCKOUT = timedelta(minutes=15)


def mfa_locked(user) -> bool:
    """True after MFA_FAILURE_LIMIT failed second-factor attempts within MFA_LOCKOUT."""
    from accord.ledger.models import Entry

    since = (timezone.now() - MFA_LOCKOUT).isoformat().replace("+00:00", "Z")
    return (
        Entry.objects.filter(
            log__process__isnull=True,
            action="auth.mfa.failure",
            subject_type="auth.user",
            subject_id=str(user.pk),
            time__gte=since,
        ).count()
        >= MFA_FAILURE_LIMIT
    )


def verify_second_factor(user, code: str) -> bool:
    """Check a TOTP code or consume a recovery code; every outcome is recorded.

    After five failures in fifteen minutes every code is refused (TooManyAttempts, 429).
    """
    prof = security_profile(user)
    if not prof.mfa_enabled:
        return False
    if mfa_locked(user):
        raise TooManyAttempts("too many wrong codes; try again in 15 minutes")
    with transaction.atomic():
        counter = _totp_ok(prof, code)
        if counter is not None:
            prof.totp_last_counter = counter
            prof.save(update_fields=["totp_last_counter"])
            record(
                user,
                "auth.mfa.success",
                ("auth.user", str(user.pk)),
                {"method": "totp"},
                process=None,
            )
            return True
        cleaned = (code or "").strip().lower()
        for i, hashed in enumerate(prof.recovery_codes):
            if check_password(cleaned, hashed):
                prof.recovery_codes = prof.recovery_codes[:i] + prof.recovery_codes[i + 1 :]
                prof.save(update_fields=["recovery_codes"])
                record(
                    user,
                    "auth.mfa.success",
                    ("auth.user", str(user.pk)),
                    {"method": "recovery", "remaining": len(prof.recovery_codes)},
                    process=None,
                )
                return True
        record(user, "auth.mfa.failure", ("auth.user", str(user.pk)), {}, process=None)
    return False


def end_sessions(user) -> int:
    """End every web session of a user (returns how many). Used when their second factor is
    reset: a lost or stolen phone may sit beside a signed-in browser, and the reset must not
    leave that session alive — the member signs in again and enrols a new factor."""
    from django.contrib.sessions.models import Session

    ended = []
    for s in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(s.get_decoded().get("_auth_user_id")) == str(user.pk):
            ended.append(s.pk)
    Session.objects.filter(pk__in=ended).delete()
    # live pages signed in with those sessions close too (comms.fanout closes the sockets)
    for process_id in set(Member.objects.filter(user=user).values_list("process_id", flat=True)):
        events.publish(process_id, {"kind": "sessions.ended", "user_id": user.pk})
    return len(ended)


def reset_mfa(actor, user) -> None:
    """Operator reset of a lost second factor (CLI); the user must enrol again and every
    session they have open ends."""
    prof = security_profile(user)
    with transaction.atomic():
        prof.totp_secret = ""
        prof.totp_confirmed_at = None
        prof.recovery_codes = []
        prof.save()
        ended = end_sessions(user)
        record(
            actor, "mfa.reset", ("auth.user", str(user.pk)), {"sessions_ended": ended}, process=None
        )


def reset_second_factor(viewer: Viewer, member: Member) -> Member:
    """A coordinator resets the lost second factor of a member of their process: the TOTP
    secret and recovery codes are dropped, and the member enrols again at their next sign-in
    (at once when a role requires a second factor). Every session they have open ends (the
    lost phone may sit beside a signed-in browser). Recorded in the process's ledger.

    Refused for oneself (another coordinator or an operator does it, so nobody lowers their
    own protection) and for operators' accounts (only operators reset those, from the CLI).
    """
    access.require(viewer, Perm.MANAGE_MEMBERS)
    _same_process(viewer, member)
    if member.pk == viewer.member.pk:
        raise Invalid(
            "you cannot reset your own second factor; another coordinator or an operator can",
            {"member": "self"},
        )
    user = member.user
    if user.is_staff:
        raise Forbidden("an operator's second factor is reset by another operator (accord CLI)")
    prof = security_profile(user)
    if not prof.mfa_enabled and not prof.totp_secret:
        raise Conflict(f"{member.display_name} has no second factor to reset")
    with transaction.atomic():
        prof.totp_secret = ""
        prof.totp_confirmed_at = None
        prof.recovery_codes = []
        prof.save(update_fields=["totp_secret", "totp_confirmed_at", "recovery_codes"])
        ended = end_sessions(user)
        record(viewer.member, "member.mfa_reset", member, {"sessions_ended": ended})
    events.publish(
        member.process_id, {"kind": "member.updated", "id": member.pk, "label": member.label_id}
    )
    return member


def second_factors(viewer: Viewer, members) -> dict[int, bool]:
    """Which of these members have a second factor (member id → enrolled), for coordinators
    deciding on a reset; members the viewer may not manage are left out."""
    if not viewer.can(Perm.MANAGE_MEMBERS):
        return {}
    by_user = {m.user_id: m.pk for m in members if m.process_id == viewer.process.pk}
    enrolled = set(
        SecurityProfile.objects.filter(
            user_id__in=by_user, totp_confirmed_at__isnull=False
        ).values_list("user_id", flat=True)
    )
    return {pk: uid in enrolled for uid, pk in by_user.items()}


def reset_operator_second_factor(username: str) -> None:
    """The operators' reset (the `accord reset-second-factor` command): any account, the
    user enrols again at the next sign-in; recorded in the system log."""
    user = User.objects.filter(username__iexact=(username or "").strip()).first()
    if user is None:
        raise NotFound(f"no account with username {username!r}")
    prof = security_profile(user)
    if not prof.mfa_enabled and not prof.totp_secret:
        raise Conflict(f"{user.get_username()} has no second factor to reset")
    reset_mfa(None, user)


# --- API tokens -------------------------------------------------------------------------------
def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user, *, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token; the plaintext is returned once and only its SHA-256 is stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid("token name must be 1–100 characters", {"name": "invalid"})
    if expires_at is not None and expires_at <= timezone.now():
        raise Invalid("expiry must be in the future", {"expires_at": "in the past"})
    if ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists():
        raise Conflict(f"you already have a live token named {name!r}")
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        tok = ApiToken.objects.create(
            user=user, name=name, prefix=prefix, digest=token_digest(secret), expires_at=expires_at
        )
        record(user, "token.create", tok, {"name": name, "prefix": prefix}, process=None)
    return tok, secret


def revoke_token(user, token_id: int) -> ApiToken:
    tok = ApiToken.objects.filter(user=user, pk=token_id).first()
    if tok is None:
        raise NotFound("token not found")
    if tok.revoked_at is not None:
        raise Conflict("token already revoked")
    with transaction.atomic():
        tok.revoked_at = timezone.now()
        tok.save(update_fields=["revoked_at"])
        record(user, "token.revoke", tok, {"prefix": tok.prefix}, process=None)
    return tok


_token_by_prefix = Prepared(
    lambda prefix: ApiToken.objects.select_related("user").filter(prefix=prefix).order_by()[:1]
)


def authenticate_token(raw: str):
    """Return the user of a live token, or None (constant-time digest comparison)."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    try:
        prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
    except IndexError:
        return None
    tok = _token_by_prefix.first(prefix)
    if tok is None or not tok.is_live or not tok.user.is_active:
        return None
    if not secrets.compare_digest(tok.digest, token_digest(raw)):
        return None
    now = timezone.now()
    if tok.last_used_at is None or (now - tok.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=tok.pk).update(last_used_at=now)
    return tok.user


# --- links across apps ------------------------------------------------------------------------
def add_link(viewer: Viewer, source, target, relation: str = "concerns"):
    """Link two objects of registered kinds (both readable by the actor); ledgered, and the
    record carries the labels of both ends. Linking twice returns the existing link."""
    from accord.core import links
    from accord.core.models import Link

    if viewer.member is None:
        raise Forbidden("only members of the process may link objects")
    relation = (relation or "").strip() or "concerns"
    if len(relation) > 40:
        raise Invalid("a relation is at most 40 characters", {"relation": "too long"})
    ends = []
    for end, obj in (("source", source), ("target", target)):
        k = links.kind_of(obj) if obj is not None else None
        if k is None or links.resolve(viewer, k.name, obj.pk) is None:
            raise NotFound(f"the {end} of the link was not found")
        ends.append(k)
    if ends[0].name == ends[1].name and source.pk == target.pk:
        raise Invalid("an object cannot be linked to itself")
    existing = Link.objects.filter(
        from_kind=ends[0].name,
        from_id=source.pk,
        to_kind=ends[1].name,
        to_id=target.pk,
        relation=relation,
    ).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        link = Link.objects.create(
            process=viewer.process,
            from_kind=ends[0].name,
            from_id=source.pk,
            to_kind=ends[1].name,
            to_id=target.pk,
            relation=relation,
            created_by=viewer.member,
        )
        record(
            viewer.member,
            "link.add",
            link,
            {
                "from": [ends[0].name, source.pk],
                "to": [ends[1].name, target.pk],
                "relation": relation,
            },
            refs=[source, target],
        )
    return link


def remove_link(viewer: Viewer, link_id: int) -> None:
    """Remove a link the actor can see both ends of (its author or a coordinator)."""
    from accord.core import links
    from accord.core.models import Link

    link = Link.objects.filter(pk=link_id, process=viewer.process).first()
    if (
        link is None
        or viewer.member is None
        or links.resolve(viewer, link.from_kind, link.from_id) is None
        or links.resolve(viewer, link.to_kind, link.to_id) is None
    ):
        raise NotFound("link not found")
    if link.created_by_id != viewer.member.pk:
        access.require(viewer, Perm.MANAGE_PROCESS)
    src = links.resolve(viewer, link.from_kind, link.from_id)
    dst = links.resolve(viewer, link.to_kind, link.to_id)
    with transaction.atomic():
        record(
            viewer.member,
            "link.remove",
            link,
            {"from": [link.from_kind, link.from_id], "to": [link.to_kind, link.to_id]},
            refs=[src, dst],
        )
        link.delete()
