"""Charts on pages: Vega-Lite specs rendered to SVG on the server (vl-convert).

Why server-side: the page needs no script (the CSP allows none inline and Vega's runtime would
need 'unsafe-eval'), charts print and export as they look, and the same spec is served as JSON
by the API for clients that draw their own.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache

import vl_convert

log = logging.getLogger("accord.ui")


@lru_cache(maxsize=256)
def _svg(spec_json: str) -> str:
    return vl_convert.vegalite_to_svg(json.loads(spec_json))


def svg(spec: dict) -> str:
    """The chart as an SVG document (empty string if the spec cannot be rendered)."""
    try:
        return _svg(json.dumps(spec, sort_keys=True))
    except Exception:  # a chart that fails must not take the page down with it
        log.exception("could not render a chart")
        return ""


def accessible_svg(spec: dict) -> str:
    """The chart as inline SVG that assistive technology reads as one image: its title as the
    accessible name and the spec's `description` as a `<desc>` (the data table under the chart
    carries the numbers). The title is not drawn: the page puts it in a heading above the
    chart. Empty string if the chart cannot be rendered."""
    import re

    from django.utils.html import escape

    out = svg({k: v for k, v in spec.items() if k != "title"})  # the page heads it instead
    if not out:
        return ""
    title = spec.get("title")
    title = title.get("text", "") if isinstance(title, dict) else str(title or "Chart")
    desc = str(spec.get("description") or "")
    head = f"<title>{escape(title)}</title>" + (f"<desc>{escape(desc)}</desc>" if desc else "")
    return re.sub(
        r"<svg\b([^>]*)>",
        lambda m: f'<svg{m.group(1)} role="img" aria-label="{escape(title)}">{head}',
        out,
        count=1,
    )
