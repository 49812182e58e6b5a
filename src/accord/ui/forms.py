"""Form parsing for the HTML pages: turn POST data into the arguments services expect.

Only the shape of the input is checked here (a number is a number, a field is present); every
rule about what may be granted, labelled or changed stays in `accord.core.services` and
`accord.core.access`, which raise `AccordError`s the views show on the form.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from accord.core import access
from accord.core.errors import Invalid
from accord.core.labels import PUBLIC, LabelValue
from accord.core.models import Process

TOKEN_LIFETIMES = [
    ("", "No expiry"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "1 year"),
]


class LoginForm(forms.Form):
    username = forms.CharField(max_length=150)
    password = forms.CharField(max_length=1024, strip=False, widget=forms.PasswordInput)


class CodeForm(forms.Form):
    code = forms.CharField(max_length=40)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, required=False)
    lifetime = forms.ChoiceField(choices=TOKEN_LIFETIMES, required=False)

    def expires_at(self):
        days = self.cleaned_data.get("lifetime") or ""
        return timezone.now() + timedelta(days=int(days)) if days else None


def _int(data, name: str, what: str) -> int:
    raw = (data.get(name) or "").strip()
    try:
        return int(raw)
    except ValueError as exc:
        raise Invalid(f"{what} must be chosen from the list", {name: "invalid"}) from exc


def parse_label(process: Process, data, prefix: str, default: LabelValue = PUBLIC) -> LabelValue:
    """Read `<prefix>level`, `<prefix>rel_to` (checkboxes; none = all) and `<prefix>caveats`."""
    if f"{prefix}level" not in data:
        return default
    rel = data.getlist(f"{prefix}rel_to")
    return access.parse_label(
        process,
        {
            "level": _int(data, f"{prefix}level", "classification"),
            "rel_to": rel or None,
            "caveats": data.getlist(f"{prefix}caveats"),
        },
        default,
    )


def user_by_username(username: str):
    """The account to add to a process (accounts are not labelled; usernames are not secret
    to coordinators, who add them)."""
    username = (username or "").strip()
    if not username:
        raise Invalid("enter the username of an existing account", {"username": "required"})
    user = get_user_model().objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise Invalid(f"no account with username {username!r}", {"username": "unknown"})
    return user


def parse_new_member(process: Process, data, parties) -> dict:
    """Arguments for services.add_member from the add-member form."""
    code = (data.get("party") or "").strip().upper()
    party = next((p for p in parties if p.code == code), None)
    if party is None:
        raise Invalid("choose the member's party", {"party": "required"})
    return {
        "user": user_by_username(data.get("username", "")),
        "party": party,
        "clearance": _int(data, "clearance", "clearance"),
        "caveats": data.getlist("caveats"),
        "roles": data.getlist("roles"),
        "title": (data.get("title") or "").strip()[:200],
        "label": parse_label(process, data, "label_"),
    }


def parse_member_update(process: Process, data, current: LabelValue) -> dict:
    """Arguments for services.update_member from a member row's edit form."""
    active = data.get("active")
    if active not in ("yes", "no"):
        raise Invalid("say whether the member is active", {"active": "required"})
    return {
        "clearance": _int(data, "clearance", "clearance"),
        "caveats": data.getlist("caveats"),
        "title": (data.get("title") or "").strip()[:200],
        "active": active == "yes",
        "label": parse_label(process, data, "label_", current),
    }


MULTI_FIELDS = ("caveats", "roles", "label_rel_to", "label_caveats")


def lists_of(data) -> dict[str, list[str]]:
    """The ticked checkboxes of a submitted form, to show them ticked again after an error."""
    return {name: data.getlist(name) for name in MULTI_FIELDS}


# --- process, parties, time zone --------------------------------------------------------------
REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


def parse_process_update(data) -> dict:
    """Arguments for services.update_process from the process form (it keeps only changes)."""
    return {
        "name": (data.get("name") or "").strip(),
        "description": (data.get("description") or "").strip(),
        "status": (data.get("status") or "").strip(),
    }


def parse_party(data) -> dict:
    """Code, name and kind from a party form (the service checks each)."""
    return {
        "code": (data.get("code") or "").strip().upper(),
        "name": (data.get("name") or "").strip(),
        "kind": (data.get("kind") or "").strip(),
    }


def time_zone_choices() -> list[tuple[str, str]]:
    """(IANA name, "Oslo (Europe) · UTC+01:00") for every city zone, and UTC first: what the
    account page offers (the service accepts any IANA name)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo, available_timezones

    now = datetime.now(tz=ZoneInfo("UTC"))
    out = [("UTC", "UTC · Coordinated Universal Time")]
    for name in sorted(available_timezones()):
        region, _, city = name.partition("/")
        if region not in REGIONS or not city:
            continue
        offset = now.astimezone(ZoneInfo(name)).strftime("%z")
        where = city.replace("_", " ").replace("/", " / ")
        out.append((name, f"{where} ({region}) · UTC{offset[:3]}:{offset[3:]}"))
    return out
