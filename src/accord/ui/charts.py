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
