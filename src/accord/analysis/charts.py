"""Vega-Lite v5 specifications (plain dicts) for analysis results, ready for ``vegaEmbed``."""

from __future__ import annotations

__all__ = ["forecast_chart", "frontier_chart", "opinion_chart", "sensitivity_chart"]

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def frontier_chart(result: dict) -> dict:
    """Frontier scatter (first two parties) with bargaining points marked."""
    parties = result["parties"]
    a, b = parties[0], parties[1] if len(parties) > 1 else parties[0]
    rows = [
        {"x": e["utilities"][0], "y": e["utilities"][1], "kind": "frontier"}
        for e in result["frontier"]
    ]
    for key in ("nash", "kalai_smorodinsky", "egalitarian", "utilitarian"):
        pt = result.get(key)
        if pt:
            rows.append({"x": pt["utilities"][0], "y": pt["utilities"][1], "kind": key})
    return {
        "$schema": SCHEMA,
        "title": "Pareto frontier and bargaining points",
        "data": {"values": rows},
        "mark": {"type": "point", "filled": True},
        "encoding": {
            "x": {"field": "x", "type": "quantitative", "title": f"utility of {a}"},
            "y": {"field": "y", "type": "quantitative", "title": f"utility of {b}"},
            "color": {"field": "kind", "type": "nominal"},
            "shape": {"field": "kind", "type": "nominal"},
            "size": {"condition": {"test": "datum.kind !== 'frontier'", "value": 160}, "value": 40},
        },
    }


def forecast_chart(result: dict) -> dict:
    """Actor positions by round, with the median."""
    rows = [
        {"round": 0, "actor": a, "position": p}
        for a, p in result["initial"].get("positions", {}).items()
    ]
    rows.append({"round": 0, "actor": "median", "position": result["initial"]["median"]})
    for r in result["rounds"]:
        rows += [
            {"round": r["round"], "actor": a, "position": p} for a, p in r["positions"].items()
        ]
        rows.append({"round": r["round"], "actor": "median", "position": r["median"]})
    return {
        "$schema": SCHEMA,
        "title": "Forecast rounds",
        "data": {"values": rows},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "round", "type": "ordinal"},
            "y": {"field": "position", "type": "quantitative"},
            "color": {"field": "actor", "type": "nominal"},
        },
    }


def sensitivity_chart(result: dict) -> dict:
    """Histogram of Monte Carlo forecasts."""
    hist = result["sensitivity"]["histogram"]
    edges = hist["edges"]
    rows = [
        {"from": edges[i], "to": edges[i + 1], "count": c} for i, c in enumerate(hist["counts"])
    ]
    return {
        "$schema": SCHEMA,
        "title": "Forecast sensitivity",
        "data": {"values": rows},
        "mark": "bar",
        "encoding": {
            "x": {
                "field": "from",
                "type": "quantitative",
                "bin": {"binned": True},
                "title": "forecast",
            },
            "x2": {"field": "to"},
            "y": {"field": "count", "type": "quantitative"},
        },
    }


def opinion_chart(result: dict) -> dict:
    """Participants on the 2-D opinion map, coloured by group."""
    rows = [p for p in result["participants"] if p["x"] is not None]
    return {
        "$schema": SCHEMA,
        "title": "Opinion groups",
        "data": {"values": rows},
        "mark": {"type": "circle", "size": 80},
        "encoding": {
            "x": {"field": "x", "type": "quantitative", "title": "PC1"},
            "y": {"field": "y", "type": "quantitative", "title": "PC2"},
            "color": {"field": "group", "type": "nominal"},
            "tooltip": [{"field": "participant"}, {"field": "group"}],
        },
    }
