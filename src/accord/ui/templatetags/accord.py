"""Template tags: label badges that also feed the page banner, people as the reader may see
them, times with their zone, precedence tags."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from accord.core.labels import DEFAULT_COLOURS, DEFAULT_LEVELS
from accord.core.models import Label
from accord.ui.middleware import note_label

register = template.Library()


@register.simple_tag(takes_context=True)
def label_badge(context, label, process=None) -> str:
    """Render a label badge and register it so the page banner shows the highest label."""
    request = context.get("request")
    if label is None:
        return ""
    value = label.value if isinstance(label, Label) else label
    proc = process or context.get("process")
    names = proc.level_names if proc else DEFAULT_LEVELS
    colours = proc.level_colours if proc else DEFAULT_COLOURS
    if request is not None:
        note_label(request, value, proc)
    colour = colours[min(value.level, len(colours) - 1)]
    return format_html(
        '<span class="label-badge" style="--label-colour:{}" data-level="{}">{}</span>',
        colour,
        value.level,
        value.display(names),
    )


@register.filter
def level_name(level: int, process) -> str:
    names = process.level_names if process else DEFAULT_LEVELS
    return names[level] if 0 <= level < len(names) else str(level)


@register.simple_tag(takes_context=True)
def person(context, member, party: bool = True, plain: bool = False) -> str:
    """A member's name as the page's viewer may see it (core.people): "a member not shown"
    when their membership is hidden — never their name, party or title. Needs `viewer` in the
    context; without one it shows nobody (fails closed). `plain` gives the bare name (for
    attributes), `party=False` leaves out the party code."""
    from accord.core import people

    if member is None:
        return "" if plain else format_html('<span class="person muted">system</span>')
    viewer = context.get("viewer") or getattr(context.get("request"), "accord_viewer", None)
    p = people.person(viewer, member) if viewer is not None else people.HIDDEN
    if plain:
        return p.name
    if p.hidden:
        return format_html('<span class="person person-hidden muted">{}</span>', p.name)
    if not party:
        return p.name  # escaped by the template, like any string
    return format_html(
        '<span class="person">{}</span> <span class="party-code">{}</span>', p.name, p.party
    )


@register.simple_tag
def when(value, fmt: str = "j M Y, H:i") -> str:
    """A time for people: in the reader's time zone, with the zone's name, inside a <time>
    element carrying the ISO 8601 instant (machines and exports read that)."""
    from datetime import datetime

    from django.utils import timezone
    from django.utils.dateformat import format as date_format

    if not isinstance(value, datetime):
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    zone = local.tzname() or timezone.get_current_timezone_name()
    return format_html(
        '<time datetime="{}">{} {}</time>',
        value.isoformat(),
        date_format(local, fmt),
        zone,
    )


@register.simple_tag
def precedence_tag(value: str) -> str:
    """A message's precedence as a tag (FLASH red, IMMEDIATE amber, PRIORITY blue)."""
    key = (value or "ROUTINE").upper()
    return format_html(
        '<span class="usa-tag accord-prec accord-prec--{}" title="precedence">{}</span>',
        key.lower(),
        key,
    )
