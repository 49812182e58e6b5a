"""Display helpers for negotiation pages (formatting only; what is shown was read via queries).

Writing for people: option names, not keys; numbers rounded for reading with their unit
("18 months", not "18.0–18.0 months"); words, not enum codes ("agreed ad referendum").
"""

from __future__ import annotations

from django import template

register = template.Library()

STATUS_WORDS = {
    "open": "open",
    "converging": "converging",
    "agreed_ad_ref": "agreed ad referendum",
    "agreed": "agreed",
    "parked": "parked",
    "proposed": "proposed",
    "accepted": "accepted",
    "rejected": "rejected",
}
STANCE_WORDS = {
    "accept": "accepts",
    "accept_ad_ref": "accepts ad referendum",
    "reserve": "reserves its position",
    "reject": "rejects",
}
FIELD_WORDS = {
    "preferred_option": "preferred option",
    "preferred_value": "preferred value",
    "acceptable_options": "acceptable options",
    "acceptable_min": "acceptable from",
    "acceptable_max": "acceptable up to",
    "reservation_value": "reservation value",
    "salience": "salience",
    "red_lines": "red lines",
    "red_line_note": "note on red lines",
    "interests": "interests",
    "evidence": "evidence",
    "label": "label",
}


def number(v) -> str:
    """A number for people: whole numbers without decimals, others to two decimals at most."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return "" if v is None else str(v)
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def _names(issue) -> dict[str, str]:
    return {o.key: o.name for o in issue.options.all()}


def _with_unit(text: str, issue) -> str:
    return f"{text} {issue.unit}".strip() if text else ""


def span(lo, hi, issue) -> str:
    """A range as people say it: "10–20 km", or "18 months" when both ends are the same."""
    if lo is None or hi is None:
        return ""
    if lo == hi:
        return _with_unit(number(lo), issue)
    return _with_unit(f"{number(lo)}–{number(hi)}", issue)


@register.simple_tag
def preferred(cell, issue) -> str:
    """The preferred option or value of a cell, in the issue's terms ('' when not known)."""
    if issue.is_numeric:
        v = cell.get("preferred_value")
        return "" if v is None else _with_unit(number(v), issue)
    key = cell.get("preferred_option")
    return _names(issue).get(key, key or "")


@register.simple_tag
def acceptable(cell, issue) -> str:
    if issue.is_numeric:
        return span(cell.get("acceptable_min"), cell.get("acceptable_max"), issue)
    keys = cell.get("acceptable_options") or []
    names = _names(issue)
    return ", ".join(names.get(k, k) for k in keys)


@register.simple_tag
def red_lines(cell, issue) -> str:
    names = _names(issue)
    return ", ".join(names.get(k, k) for k in cell.get("red_lines") or [])


@register.simple_tag
def value_of(v, issue) -> str:
    """A value of the issue's scale with its unit ("15 km")."""
    return "" if v is None else _with_unit(number(v), issue)


@register.simple_tag
def issue_scale(issue) -> str:
    """What an issue is decided on: its range ("0–30 km, in steps of 1") or its options."""
    if issue.is_numeric:
        out = span(issue.minimum, issue.maximum, issue)
        return f"{out}, in steps of {number(issue.step)}" if issue.step else out
    n = len(issue.options.all())
    return f"{n} option{'s' if n != 1 else ''}"


@register.simple_tag
def zopa(row) -> str:
    z = row.zopa
    if z is None:
        return ""
    if z.get("empty"):
        return "no overlap"
    if "low" in z:
        return span(z["low"], z["high"], row.issue)
    return ", ".join(z["options"])


@register.simple_tag
def scope_words(scope: str, issue) -> str:
    """What a release shows, in words (scopes of one revision merged with "+")."""
    words = {
        "full": "the full position",
        "acceptable": "the acceptable range" if issue.is_numeric else "the acceptable options",
        "preferred": "the preferred value" if issue.is_numeric else "the preferred option",
    }
    parts = [words.get(s, s) for s in (scope or "").split("+") if s]
    return " and ".join(parts)


@register.simple_tag
def change_words(name: str, values, issue) -> str:
    """One changed field of a revision: "salience 30 → 45", options by name."""
    field = FIELD_WORDS.get(name, name.replace("_", " "))
    if name == "label":
        return "label changed"
    old, new = [*values, None, None][:2] if isinstance(values, list) else (None, values)

    def show(v) -> str:
        if v in (None, "", []):
            return "none"
        if name in ("preferred_option", "acceptable_options", "red_lines"):
            keys = v if isinstance(v, list) else [v]
            names = _names(issue)
            return ", ".join(names.get(k, k) for k in keys)
        if name in ("preferred_value", "acceptable_min", "acceptable_max", "reservation_value"):
            return _with_unit(number(v), issue)
        if isinstance(v, int | float):
            return number(v)
        text = str(v)
        return text if len(text) <= 60 else text[:57] + "…"

    before, after = show(old), show(new)
    if before == after:
        return ""  # e.g. an empty field of a first revision
    if before == "none":
        return f"{field}: {after}"
    return f"{field}: {before} → {after}"


@register.filter
def percent(v) -> str:
    return "" if v is None else f"{v * 100:.0f}%"


@register.filter
def words(code: str) -> str:
    """A status code in words ("agreed_ad_ref" → "agreed ad referendum")."""
    return STATUS_WORDS.get(code, (code or "").replace("_", " "))


@register.filter
def stance_words(kind: str) -> str:
    return STANCE_WORDS.get(kind, (kind or "").replace("_", " "))


@register.filter
def get(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def stance_symbol(kind: str) -> str:
    return {"accept": "✓", "accept_ad_ref": "✓ ad ref.", "reserve": "?", "reject": "✗"}.get(
        kind, ""
    )


@register.filter
def num(v) -> str:
    return number(v)
