"""Vega-Lite specs of the implementation scores: the implementation-rate curve over the periods
(overall and per theme) and the provisions × periods heat map, with text alternatives.

The specs are built from `queries.Rates` — only the scores the viewer may read — and every
figure names the derived label of what it is computed from (the page shows it above the chart).
"""

from __future__ import annotations

from accord.implementation import queries
from accord.implementation.models import PAM_SCALE
from accord.ui import charts as ui_charts

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
SCORE_COLOURS = ["#d9e8f6", "#73b3e7", "#2378c3", "#162e51"]  # 0 → 3, light → dark


def curve(r: queries.Rates) -> dict:
    """Implementation rate per period: the whole agreement and each theme."""
    a = r.agreement
    values = []
    for series, rates in [("All provisions", r.overall), *r.by_theme.items()]:
        for x in rates:
            if x.percent is not None:
                values.append(
                    {
                        "period": queries.period_name(a, x.period),
                        "n": x.period,
                        "rate": x.percent,
                        "series": series,
                    }
                )
    return {
        "$schema": SCHEMA,
        "title": "Implementation rate over time",
        "description": (
            "Implementation rate (sum of PAM scores divided by three times the provisions scored, "
            "in per cent) for each period after signing, for all provisions and for each theme."
        ),
        "width": 300,
        "height": 200,
        "data": {"values": values},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {
                "field": "period",
                "type": "ordinal",
                "sort": {"field": "n"},
                "title": None,
                "axis": {"labelAngle": 0},
            },
            "y": {
                "field": "rate",
                "type": "quantitative",
                "scale": {"domain": [0, 100]},
                "title": "Rate (%)",
            },
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "legend": {"orient": "bottom", "columns": 2},
            },
            "strokeDash": {
                "condition": {"test": "datum.series === 'All provisions'", "value": [1, 0]},
                "value": [4, 2],
            },
        },
    }


def heatmap(r: queries.Rates) -> dict:
    """Provisions down, periods across, one cell per readable score (0–3)."""
    a = r.agreement
    values = []
    for p in r.provisions:
        for n in r.periods:
            s = r.cell(p.pk, n)
            if s is not None:
                values.append(
                    {
                        "provision": p.number,
                        "order": p.order,
                        "period": queries.period_name(a, n),
                        "n": n,
                        "score": s.score,
                        "words": PAM_SCALE[s.score],
                    }
                )
    return {
        "$schema": SCHEMA,
        "title": "Scores by provision and period",
        "description": "PAM score (0 not initiated, 1 minimal, 2 intermediate, 3 full) of each provision in each period.",
        "width": {"step": 60},
        "height": {"step": 22},
        "data": {"values": values},
        "encoding": {
            "x": {
                "field": "period",
                "type": "ordinal",
                "sort": {"field": "n"},
                "title": None,
                "axis": {"labelAngle": 0, "orient": "top"},
            },
            "y": {
                "field": "provision",
                "type": "ordinal",
                "sort": {"field": "order"},
                "title": "Provision",
            },
        },
        "layer": [
            {
                "mark": {"type": "rect", "stroke": "white"},
                "encoding": {
                    "color": {
                        "field": "score",
                        "type": "ordinal",
                        "scale": {"domain": [0, 1, 2, 3], "range": SCORE_COLOURS},
                        "title": "Score",
                        "legend": {"orient": "bottom"},
                    }
                },
            },
            {
                "mark": {"type": "text"},
                "encoding": {
                    "text": {"field": "score", "type": "quantitative"},
                    "color": {
                        "condition": {"test": "datum.score >= 2", "value": "white"},
                        "value": "black",
                    },
                },
            },
        ],
    }


def table(r: queries.Rates) -> dict:
    """The rates as a table: one row per period; all provisions, then each theme and party."""
    a = r.agreement
    head = ["Period", "All provisions", *r.by_theme.keys(), *(f"Party {p}" for p in r.by_party)]
    rows = []
    for i, n in enumerate(r.periods):
        row = [queries.period_name(a, n), _pct(r.overall[i])]
        row += [_pct(x[i]) for x in r.by_theme.values()]
        row += [_pct(x[i]) for x in r.by_party.values()]
        rows.append(row)
    return {"head": head, "rows": rows}


def _pct(rate: queries.Rate) -> str:
    if rate.percent is None:
        return "—"
    return f"{rate.percent:.0f} % ({rate.scored} scored)"


def figures(r: queries.Rates) -> list[dict]:
    if not r.periods:
        return []
    return [{"id": "rate-curve", "spec": curve(r)}, {"id": "score-heatmap", "spec": heatmap(r)}]


def render(spec: dict) -> str:
    return ui_charts.accessible_svg(spec)
