"""Template context shared by every page: version, the process sections of the header, the
section the page belongs to, and the reader's time zone."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from accord import __version__

# (key, name, URL name) of the process sections, in header order
SECTIONS = [
    ("dashboard", "Dashboard", "ui:dashboard"),
    ("channels", "Channels", "comms:channels"),
    ("negotiation", "Negotiation", "negotiation:workspace"),
    ("analysis", "Analysis", "negotiation:analysis"),
    ("consultations", "Consultations", "consult:list"),
    ("timeline", "Timeline", "ledger:timeline"),
    ("verify", "Verify", "ledger:verify"),
]


def section_of(request) -> str:
    """The header section a page belongs to, from the URL it was resolved by."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    app, name = match.app_name, match.url_name or ""
    if app == "comms":
        return "channels"
    if app == "negotiation":
        return "analysis" if name.startswith("analysis") else "negotiation"
    if app == "consult":
        return "consultations"
    if app == "ledger":
        return "verify" if name.startswith("verify") else "timeline"
    if app == "ui" and name in ("dashboard", "members", "process_edit"):
        return "dashboard"
    return ""


def accord(request) -> dict:
    ctx = {
        "accord_version": __version__,
        "time_zone_name": timezone.get_current_timezone_name(),
        "section": section_of(request),
    }
    viewer = getattr(request, "accord_viewer", None)
    if viewer is not None and viewer.member is not None:
        slug = viewer.process.slug
        ctx["process_sections"] = [(k, n, reverse(u, args=[slug])) for k, n, u in SECTIONS]
        ctx["my_member_id"] = viewer.member.pk
    return ctx
