"""Vega-Lite v5 specifications (plain dicts) for analysis results, ready for ``vegaEmbed``."""

from __future__ import annotations

__all__ = [
    "SOLUTION_NAMES",
    "forecast_chart",
    "frontier_chart",
    "frontier_parallel_chart",
    "opinion_chart",
    "sensitivity_chart",
    "shown_packages",
]

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"

SOLUTION_NAMES = {
    "nash": "Nash",
    "kalai_smorodinsky": "Kalai–Smorodinsky",
    "egalitarian": "Egalitarian",
    "utilitarian": "Utilitarian",
}
"""Bargaining solutions in words, in reading order."""

FRONTIER = "Pareto-optimal package"
# colours with at least 3:1 contrast on white (WCAG 1.4.11), told apart by shape as well
_COLOURS = {FRONTIER: "#71767a", "Nash": "#005ea2", "Kalai–Smorodinsky": "#c05600"}
_COLOURS |= {"Egalitarian": "#008817", "Utilitarian": "#8168b3"}
_SHAPES = {FRONTIER: "circle", "Nash": "diamond", "Kalai–Smorodinsky": "triangle-up"}
_SHAPES |= {"Egalitarian": "square", "Utilitarian": "cross"}


def shown_packages(result: dict) -> tuple[dict, bool]:
    """The part of a packages result to draw and whether it is the *nearest* packages (when
    no package lies inside every acceptable set, the frontier is empty and those are shown)."""
    if not result.get("frontier") and result.get("nearest"):
        return result["nearest"], True
    return result, False


def _solutions(
    shown: dict, axes: tuple[int, ...] | None = None
) -> list[tuple[str, str, list[float]]]:
    """The bargaining points to mark: (label, first solution's name, utilities). Solutions that
    land on the same point of the chart (the utilities on ``axes``, default all) share one
    mark, labelled with all their names, so none hides another."""

    def at(pt: dict) -> tuple:
        u = pt["utilities"]
        return tuple(round(u[a], 9) for a in (axes if axes is not None else range(len(u))))

    groups: dict[tuple, list[str]] = {}
    for key, name in SOLUTION_NAMES.items():
        pt = shown.get(key)
        if pt:
            groups.setdefault(at(pt), []).append(name)
    out = []
    for key, name in SOLUTION_NAMES.items():
        pt = shown.get(key)
        if pt:
            names = groups[at(pt)]
            if names[0] == name:
                out.append((", ".join(names), name, list(pt["utilities"])))
    return out


def _legend(marks: list[tuple[str, str]], symbol: str | None = None) -> tuple[dict, dict]:
    """Colour and shape encodings for (label, solution name) pairs, frontier first."""
    kinds = [k for k, _ in marks]
    legend: dict = {
        "orient": "bottom",
        "columns": 1,
        "title": None,
        "labelLimit": 300,
        "symbolOpacity": 1,
    }
    if symbol:
        legend["symbolType"] = symbol
    scale_c = {"domain": kinds, "range": [_COLOURS[n] for _, n in marks]}
    scale_s = {"domain": kinds, "range": [_SHAPES[n] for _, n in marks]}
    return (
        {"field": "kind", "type": "nominal", "scale": scale_c, "legend": legend},
        {"field": "kind", "type": "nominal", "scale": scale_s, "legend": legend},
    )


def _points_words(marks: list[tuple[str, str]]) -> str:
    names = [k for k, _ in marks[1:]]
    if not names:
        return "no bargaining point"
    return "the bargaining points " + "; ".join(names)


def frontier_chart(result: dict, pair: tuple[int, int] = (0, 1), size: int = 260) -> dict:
    """Frontier scatter of two parties' utilities (``pair``: their indices; default the first
    two) with the bargaining points marked. With more parties, pick the pair to show."""
    shown, nearest = shown_packages(result)
    parties = result["parties"]
    i, j = pair if len(parties) > 1 else (0, 0)
    a, b = parties[i], parties[j]
    rows = [
        {"x": round(e["utilities"][i], 3), "y": round(e["utilities"][j], 3), "kind": FRONTIER}
        for e in shown["frontier"]
    ]
    marks = [(FRONTIER, FRONTIER)]
    for label, name, u in _solutions(shown, (i, j)):
        rows.append({"x": round(u[i], 3), "y": round(u[j], 3), "kind": label})
        marks.append((label, name))
    n = len(shown["frontier"])
    title = "Nearest packages" if nearest else "Pareto frontier"
    colour, shape = _legend(marks)
    what = "nearest" if nearest else "Pareto-optimal"
    return {
        "$schema": SCHEMA,
        "title": f"{title}: {a} and {b}",
        "description": (
            f"Scatter of the utilities of {a} (across) and {b} (up) for the {n} {what} "
            f"package{'s' if n != 1 else ''} (grey), with {_points_words(marks)} marked in "
            "colour (solutions that pick the same package share a mark)."
        ),
        "width": size,
        "height": size,
        "data": {"values": rows},
        "mark": {"type": "point", "filled": True, "opacity": 0.9},
        "encoding": {
            "x": {
                "field": "x",
                "type": "quantitative",
                "title": f"utility of {a}",
                "scale": {"domain": [0, 1]},
            },
            "y": {
                "field": "y",
                "type": "quantitative",
                "title": f"utility of {b}",
                "scale": {"domain": [0, 1]},
            },
            "color": colour,
            "shape": shape,
            "size": {
                "condition": {"test": f"datum.kind !== '{FRONTIER}'", "value": 150},
                "value": 40,
            },
            "tooltip": [
                {"field": "kind", "title": "package"},
                {"field": "x", "title": a, "format": ".2f"},
                {"field": "y", "title": b, "format": ".2f"},
            ],
        },
    }


def frontier_parallel_chart(result: dict, per_party: int = 64) -> dict:
    """Parallel coordinates of the frontier: one axis per party (utility 0–1), one line per
    package, the bargaining points drawn over it in colour. Shows every party at once."""
    shown, nearest = shown_packages(result)
    parties = result["parties"]
    rows = []
    for n, e in enumerate(shown["frontier"]):
        rows += [
            {"package": n, "party": p, "utility": round(u, 3), "kind": FRONTIER}
            for p, u in zip(parties, e["utilities"], strict=True)
        ]
    marks = [(FRONTIER, FRONTIER)]
    for label, name, u in _solutions(shown):
        marks.append((label, name))
        rows += [
            {"package": label, "party": p, "utility": round(x, 3), "kind": label}
            for p, x in zip(parties, u, strict=True)
        ]
    x = {
        "field": "party",
        "type": "nominal",
        "sort": parties,
        "title": None,
        "axis": {"labelAngle": 0, "grid": True, "gridColor": "#a9aeb1", "ticks": False},
    }
    y = {
        "field": "utility",
        "type": "quantitative",
        "scale": {"domain": [0, 1]},
        "title": "utility",
    }
    colour, _ = _legend(marks, symbol="stroke")
    n = len(shown["frontier"])
    what = "nearest" if nearest else "Pareto-optimal"
    return {
        "$schema": SCHEMA,
        "title": "Nearest packages, every party" if nearest else "Pareto frontier, every party",
        "description": (
            f"Parallel coordinates: one vertical axis per party ({', '.join(parties)}), one grey "
            f"line per {what} package ({n}) joining its utilities; {_points_words(marks)} "
            "drawn in colour (solutions that pick the same package share a line)."
        ),
        "width": max(200, per_party * len(parties)),
        "height": 240,
        "data": {"values": rows},
        "layer": [
            {
                "transform": [{"filter": f"datum.kind === '{FRONTIER}'"}],
                "mark": {"type": "line", "strokeWidth": 1, "opacity": 0.5},
                "encoding": {"x": x, "y": y, "detail": {"field": "package"}, "color": colour},
            },
            {
                "transform": [{"filter": f"datum.kind !== '{FRONTIER}'"}],
                "mark": {"type": "line", "strokeWidth": 2.5, "point": {"size": 50}},
                "encoding": {
                    "x": x,
                    "y": y,
                    "detail": {"field": "package"},
                    "color": colour,
                    "tooltip": [
                        {"field": "kind", "title": "package"},
                        {"field": "party"},
                        {"field": "utility", "format": ".2f"},
                    ],
                },
            },
        ],
    }


def forecast_chart(result: dict) -> dict:
    """Actor positions by round, with the median."""
    rows = [
        {"round": 0, "actor": a, "position": round(p, 3)}
        for a, p in result["initial"].get("positions", {}).items()
    ]
    rows.append({"round": 0, "actor": "median", "position": round(result["initial"]["median"], 3)})
    for r in result["rounds"]:
        rows += [
            {"round": r["round"], "actor": a, "position": round(p, 3)}
            for a, p in r["positions"].items()
        ]
        rows.append({"round": r["round"], "actor": "median", "position": round(r["median"], 3)})
    actors = list(result["initial"].get("positions", {}))
    return {
        "$schema": SCHEMA,
        "title": "Forecast rounds",
        "description": (
            f"Lines: the position of each actor ({', '.join(actors)}) and of the median after "
            f"each of {len(result['rounds'])} rounds, starting from the stated positions."
        ),
        "width": 280,
        "height": 220,
        "data": {"values": rows},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "round", "type": "ordinal", "axis": {"labelAngle": 0}},
            "y": {"field": "position", "type": "quantitative"},
            "color": {
                "field": "actor",
                "type": "nominal",
                "legend": {"orient": "bottom", "columns": 3, "title": None},
            },
            "tooltip": [{"field": "actor"}, {"field": "round"}, {"field": "position"}],
        },
    }


def sensitivity_chart(result: dict) -> dict:
    """Histogram of Monte Carlo forecasts."""
    hist = result["sensitivity"]["histogram"]
    edges = hist["edges"]
    rows = [
        {"from": round(edges[i], 3), "to": round(edges[i + 1], 3), "count": c}
        for i, c in enumerate(hist["counts"])
    ]
    return {
        "$schema": SCHEMA,
        "title": "Forecast sensitivity",
        "description": (
            f"Histogram of the forecast over {sum(hist['counts'])} runs with perturbed "
            f"capabilities, saliences and positions, in {len(rows)} bins."
        ),
        "width": 280,
        "height": 180,
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
            "y": {"field": "count", "type": "quantitative", "title": "runs"},
        },
    }


def opinion_chart(result: dict) -> dict:
    """Participants on the 2-D opinion map, coloured by group."""
    rows = [
        {**p, "x": round(p["x"], 3), "y": round(p["y"], 3)}
        for p in result["participants"]
        if p["x"] is not None
    ]
    groups = sorted({r["group"] for r in rows}, key=str)
    return {
        "$schema": SCHEMA,
        "title": "Opinion groups",
        "description": (
            f"Map of {len(rows)} participants placed by their votes (two principal components), "
            f"coloured by opinion group ({len(groups)} group{'s' if len(groups) != 1 else ''})."
        ),
        "width": 280,
        "height": 240,
        "data": {"values": rows},
        "mark": {"type": "circle", "size": 80},
        "encoding": {
            "x": {"field": "x", "type": "quantitative", "title": "first component"},
            "y": {"field": "y", "type": "quantitative", "title": "second component"},
            "color": {
                "field": "group",
                "type": "nominal",
                "legend": {"orient": "bottom", "title": "group"},
            },
            "tooltip": [{"field": "participant"}, {"field": "group"}],
        },
    }
