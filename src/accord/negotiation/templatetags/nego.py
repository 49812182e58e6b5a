"""Display helpers for negotiation pages (formatting only; what is shown was read via queries)."""

from __future__ import annotations

from django import template

register = template.Library()


def _num(v) -> str:
    return f"{v:g}" if isinstance(v, int | float) else str(v)


def _names(issue) -> dict[str, str]:
    return {o.key: o.name for o in issue.options.all()}


@register.simple_tag
def preferred(cell, issue) -> str:
    """The preferred option or value of a cell, in the issue's terms ('' when not known)."""
    if issue.is_numeric:
        v = cell.get("preferred_value")
        return "" if v is None else f"{_num(v)} {issue.unit}".strip()
    key = cell.get("preferred_option")
    return _names(issue).get(key, key or "")


@register.simple_tag
def acceptable(cell, issue) -> str:
    if issue.is_numeric:
        lo, hi = cell.get("acceptable_min"), cell.get("acceptable_max")
        return "" if lo is None else f"{_num(lo)}–{_num(hi)} {issue.unit}".strip()
    keys = cell.get("acceptable_options") or []
    names = _names(issue)
    return ", ".join(names.get(k, k) for k in keys)


@register.simple_tag
def zopa(row) -> str:
    z = row.zopa
    if z is None:
        return ""
    if z.get("empty"):
        return "no overlap"
    if "low" in z:
        return f"{_num(z['low'])}–{_num(z['high'])} {z.get('unit', '')}".strip()
    return ", ".join(z["options"])


@register.filter
def percent(v) -> str:
    return "" if v is None else f"{v * 100:.0f}%"


@register.filter
def get(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def stance_symbol(kind: str) -> str:
    return {"accept": "✓", "accept_ad_ref": "✓ad ref", "reserve": "?", "reject": "✗"}.get(kind, "")
