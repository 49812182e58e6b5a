"""Template context shared by every page: version, the process sections of the header (from
the registry in ui.sections), the section the page belongs to, and the reader's time zone."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from accord import __version__
from accord.ui import sections as registry


def section_of(request) -> str:
    """The header section a page belongs to, from the URL it was resolved by."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    return registry.section_of(match.app_name, match.url_name or "")


def header(slug: str, current: str) -> list[dict]:
    """The header's entries in order: a plain section, or a group with its sections."""
    entries: list[dict] = []
    groups: dict[str, dict] = {}
    for s in registry.sections():
        item = {"key": s.key, "name": s.name, "url": reverse(s.url_name, args=[slug])}
        if not s.group:
            entries.append({**item, "order": s.order, "current": s.key == current})
            continue
        g = groups.get(s.group)
        if g is None:
            g = groups[s.group] = {
                "group": s.group,
                "key": "grp-" + s.group.lower().replace(" ", "-"),
                "order": registry.GROUPS.get(s.group, s.order),
                "items": [],
                "current": False,
            }
            entries.append(g)
        g["items"].append(item)
        g["current"] = g["current"] or s.key == current
    return sorted(entries, key=lambda e: e["order"])


def accord(request) -> dict:
    ctx = {
        "accord_version": __version__,
        "time_zone_name": timezone.get_current_timezone_name(),
        "section": section_of(request),
    }
    viewer = getattr(request, "accord_viewer", None)
    if viewer is not None and viewer.member is not None:
        ctx["process_menu"] = header(viewer.process.slug, ctx["section"])
        ctx["my_member_id"] = viewer.member.pk
    return ctx
