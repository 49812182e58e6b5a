"""``accord analyze``: negotiation analysis from the command line.

JSON goes to stdout (``--format table`` prints rich tables instead); progress goes to stderr when
it is a terminal or ``--progress`` is given; faults print ``accord analyze: error: <file>:
<fault>`` and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import AnalysisError

__all__ = ["main", "register"]

PROG = "accord analyze"


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage faults with our prefix and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{PROG}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["json", "table"], default="json", help="output format")
    p.add_argument("--chart", metavar="OUT.json", help="also write a Vega-Lite spec here")
    p.add_argument("--progress", action="store_true", help="show progress on stderr")


_SPATIAL_HELP = """\
Multi-dimension spatial forecast in the spirit of KTAB's Spatial Model of Politics.

Input CSV, one row per actor (at least 2):

  actor,capability,<dim1>,<dim1>_salience,<dim2>,<dim2>_salience,...
  US,100,80,0.6,20,0.9
  EU,80,70,0.5,40,0.3

capability >= 0; each position lies in the --scale (default 0..100); each
salience is in [0, 1]. Every dimension column D needs a D_salience column.

Actors vote on each other's positions (capability x salience x utility
difference), bargain pairwise and move towards the expected outcome of the
challenges they face, until no position moves more than --tolerance (as a
share of the scale) or --max-rounds. Output: the initial and forecast
capability x salience weighted mean per dimension, positions per round,
whether the run converged, and with --runs > 0 the per-dimension forecast
distribution (mean, std, 5/50/95 % quantiles) under perturbed inputs.
"""


def _add_commands(sub: Any) -> None:
    p = sub.add_parser("packages", help="Pareto frontier and bargaining points")
    p.add_argument("path", help="Genius/ANAC folder or Accord problem file (.json/.yaml)")
    p.add_argument(
        "--max-partial",
        type=int,
        default=2_000_000,
        help="bound on distinct partial packages kept while merging issues",
    )
    p.add_argument(
        "--max-outcomes", type=int, default=5_000_000, help="bound on listed frontier outcomes"
    )
    p.add_argument(
        "--one-per-vector",
        action="store_true",
        help="list one outcome per utility vector instead of all ties",
    )
    p.add_argument(
        "--common-ground",
        action="store_true",
        help="add common options, acceptable packages and trades",
    )
    p.add_argument(
        "--relax",
        action="store_true",
        help="analyse every package, not only those inside every party's acceptable set "
        "(red lines stay hard); each entry then names the bounds it breaks",
    )
    _common(p)
    p.set_defaults(func=_cmd_packages)

    p = sub.add_parser("adjusted-winner", help="Adjusted Winner division of items (2 parties)")
    p.add_argument("path", help="CSV with header item,<party A>,<party B>")
    _common(p)
    p.set_defaults(func=_cmd_adjusted_winner)

    p = sub.add_parser("forecast", help="Bueno de Mesquita expected-utility forecast")
    p.add_argument("path", help="CSV with header actor,capability,position,salience")
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--samples", type=int, default=1000, help="Monte Carlo samples (0: none)")
    p.add_argument("--seed", type=int, default=0)
    _common(p)
    p.set_defaults(func=_cmd_forecast)

    p = sub.add_parser(
        "spatial",
        help="multi-dimension spatial forecast (KTAB SMP style)",
        description=_SPATIAL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "path",
        help="CSV with header actor,capability,<dim1>,<dim1>_salience,<dim2>,<dim2>_salience,...",
    )
    p.add_argument("--max-rounds", type=int, default=100, help="round limit (default 100)")
    p.add_argument(
        "--tolerance",
        type=float,
        default=1e-4,
        help="stop when no position moves more than this share of the scale (default 1e-4)",
    )
    p.add_argument(
        "--scale",
        type=float,
        nargs=2,
        metavar=("LOW", "HIGH"),
        default=(0.0, 100.0),
        help="declared position scale (default 0 100)",
    )
    p.add_argument("--runs", type=int, default=500, help="Monte Carlo sensitivity runs (0: none)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--format", choices=["json", "table"], default="json", help="output format")
    p.add_argument("--progress", action="store_true", help="show progress on stderr")
    p.set_defaults(func=_cmd_spatial, chart=None)

    p = sub.add_parser("opinion-groups", help="Pol.is-style opinion groups")
    p.add_argument("path", help="Pol.is participants-votes CSV export")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--min-votes", type=int, default=7)
    _common(p)
    p.set_defaults(func=_cmd_opinion)


def register(subparsers: Any) -> None:
    """Add the ``analyze`` sub-command (with its own sub-commands) to a top-level CLI."""
    parser = subparsers.add_parser("analyze", help="negotiation analysis", description=__doc__)
    sub = parser.add_subparsers(dest="analyze_command", metavar="COMMAND", required=True)
    _add_commands(sub)
    parser.set_defaults(func=_dispatch_registered)
    for child in sub.choices.values():  # sub-parser defaults would otherwise shadow the dispatcher
        child.set_defaults(func=_dispatch_registered)


def _dispatch_registered(args: argparse.Namespace) -> int:
    return _run(args)


# ---------------------------------------------------------------------------- progress
class _Progress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import Progress

            self._bar = Progress(console=Console(stderr=True), transient=True)
            self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def callback(self) -> Callable[[str, int, int], None] | None:
        if self._bar is None:
            return None

        def update(phase: str, done: int, total: int) -> None:
            if phase not in self._tasks:
                self._tasks[phase] = self._bar.add_task(phase, total=total)
            self._bar.update(self._tasks[phase], completed=done, total=total)

        return update


# ---------------------------------------------------------------------------- commands
def _cmd_packages(args: argparse.Namespace, progress: Any) -> tuple[dict, dict | None]:
    from .charts import frontier_chart
    from .common_ground import acceptable_packages, common_options, logrolls
    from .constraints import within_acceptable
    from .io import load_problem
    from .packages import analyze_packages

    problem = load_problem(args.path)
    result = analyze_packages(
        problem,
        relax=args.relax,
        keep_ties=not args.one_per_vector,
        max_partial=args.max_partial,
        max_outcomes=args.max_outcomes,
        progress=progress,
    )
    if args.common_ground:
        cg: dict = {
            "common_options": common_options(problem),
            "acceptable_packages": acceptable_packages(problem),
        }
        inside = args.relax or result["constraint"]["inside"]
        if problem.is_linear and problem.status_quo is not None and inside:
            # constrained: moves land only on options every party accepts
            cg["trades"] = logrolls(problem if args.relax else within_acceptable(problem))
        result["common_ground"] = cg
    return result, frontier_chart(result)


def _cmd_adjusted_winner(args: argparse.Namespace, progress: Any) -> tuple[dict, dict | None]:
    from .fair_division import adjusted_winner
    from .io import read_points_csv

    items, parties, pts = read_points_csv(args.path)
    res = adjusted_winner(items, pts, parties, source=args.path).to_dict()
    return res, None


def _cmd_forecast(args: argparse.Namespace, progress: Any) -> tuple[dict, dict | None]:
    from .charts import forecast_chart, sensitivity_chart
    from .forecast import forecast
    from .io import read_actors_csv

    data = read_actors_csv(args.path)
    res = forecast(
        data["actors"],
        data["capability"],
        data["position"],
        data["salience"],
        rounds=args.rounds,
        samples=args.samples,
        seed=args.seed,
        source=args.path,
    ).to_dict()
    if res["sensitivity"] is not None:
        res["sensitivity"].pop("forecasts", None)
        chart = {
            "vconcat": [forecast_chart(res), sensitivity_chart(res)],
            "$schema": forecast_chart(res)["$schema"],
        }
        for part in chart["vconcat"]:
            part.pop("$schema", None)
    else:
        chart = forecast_chart(res)
    return res, chart


def _cmd_spatial(args: argparse.Namespace, progress: Any) -> tuple[dict, dict | None]:
    from .io import read_spatial_csv
    from .spatial import spatial_forecast

    actors, dims = read_spatial_csv(args.path)
    res = spatial_forecast(
        actors,
        dims,
        max_rounds=args.max_rounds,
        tolerance=args.tolerance,
        scale=tuple(args.scale),
        runs=args.runs,
        seed=args.seed,
        source=args.path,
        progress=progress,
    ).to_dict()
    return res, None


def _cmd_opinion(args: argparse.Namespace, progress: Any) -> tuple[dict, dict | None]:
    from .charts import opinion_chart
    from .io import read_votes_csv
    from .opinion import opinion_groups

    parts, stmts, votes = read_votes_csv(args.path)
    res = opinion_groups(
        votes, parts, stmts, seed=args.seed, min_votes=args.min_votes, source=args.path
    ).to_dict()
    return res, opinion_chart(res)


# ---------------------------------------------------------------------------- output
def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return str(int(x)) if x.is_integer() else f"{x:.4f}"
    if isinstance(x, list):
        return ", ".join(_fmt(v) for v in x)
    if isinstance(x, dict):
        return ", ".join(f"{k}={_fmt(v)}" for k, v in x.items())
    return str(x)


def _breaks(entry: dict) -> str:
    """The stated bounds an entry breaks, for the table ("-" when none)."""
    parts = []
    for v in entry.get("violations") or []:
        if v["bound"] == "min":
            parts.append(f"{v['party']}: {v['issue']} at least {_fmt(v['limit'])}")
        elif v["bound"] == "max":
            parts.append(f"{v['party']}: {v['issue']} at most {_fmt(v['limit'])}")
        else:
            parts.append(f"{v['party']}: {v['issue']} one of {_fmt(v['acceptable'])}")
        parts[-1] += f" (is {_fmt(v['value'])})"
    return "; ".join(parts) or "-"


def _print_table(command: str, result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console(soft_wrap=True)
    if command == "packages":
        from .charts import SOLUTION_NAMES

        cons = result["constraint"]
        if cons["relaxed"]:
            con.print("Acceptable sets relaxed: every package analysed (red lines stay hard).")
        elif not cons["inside"]:
            con.print(
                "No package lies inside every party's acceptable set (no common option on "
                + ", ".join(cons["empty_issues"])
                + "); the nearest packages follow, with the bounds they break."
            )
        elif cons["stated"]:
            con.print("Only packages inside every party's acceptable set.")
        shown = result if cons["relaxed"] or cons["inside"] else result["nearest"]
        broken = cons["relaxed"] or not cons["inside"]
        t = Table(title="Pareto frontier" if shown is result else "Nearest packages")
        t.add_column("outcome")
        for p in result["parties"]:
            t.add_column(p, justify="right")
        if broken:
            t.add_column("breaks")
        for e in shown["frontier"]:
            row = [_fmt(e["outcome"]), *[f"{u:.2f}" for u in e["utilities"]]]
            if broken:
                row.append(_breaks(e))
            t.add_row(*row)
        con.print(t)
        b = Table(title="Bargaining points")
        for col in ("solution", "outcome", "utilities", "ties", *(["breaks"] if broken else [])):
            b.add_column(col)
        for key, name in SOLUTION_NAMES.items():
            pt = shown[key]
            if pt is None:
                b.add_row(name, "-", "-", "-", *(["-"] if broken else []))
            else:
                utilities = ", ".join(f"{u:.2f}" for u in pt["utilities"])
                row = [name, _fmt(pt["outcome"]), utilities, str(len(pt["ties"]))]
                b.add_row(*row, *([_breaks(pt)] if broken else []))
        con.print(b)
    elif command == "adjusted-winner":
        parties = list(result["points"])
        t = Table(title="Adjusted Winner")
        t.add_column("item")
        for p in parties:
            t.add_column(p, justify="right")
        for item, share in result["allocation"].items():
            t.add_row(item, *[f"{share[p]:.4f}" for p in parties])
        t.add_row("points", *[f"{result['points'][p]:.4f}" for p in parties])
        con.print(t)
        con.print(
            f"split item: {result['split_item']}; envy-free: {result['envy_free']}; "
            f"efficient: {result['efficient']}; equitable: {result['equitable']}"
        )
    elif command == "forecast":
        t = Table(title="Forecast rounds")
        t.add_column("round")
        t.add_column("mean", justify="right")
        t.add_column("median", justify="right")
        t.add_row("0", _fmt(result["initial"]["mean"]), _fmt(result["initial"]["median"]))
        for r in result["rounds"]:
            t.add_row(str(r["round"]), _fmt(r["mean"]), _fmt(r["median"]))
        con.print(t)
        con.print(f"forecast: {result['forecast']:.4f}")
        if result["sensitivity"]:
            s = result["sensitivity"]
            con.print(
                f"sensitivity: mean {s['mean']:.4f}, std {s['std']:.4f}, "
                f"percentiles {_fmt(s['percentiles'])}"
            )
    elif command == "spatial":
        dims = result["dimensions"]
        t = Table(title="Spatial forecast")
        for col in ("", *dims):
            t.add_column(col, justify="right")
        t.add_row("initial mean", *[_fmt(result["initial"][d]) for d in dims])
        for a, pos in (result["rounds"][-1]["positions"] if result["rounds"] else {}).items():
            t.add_row(f"final {a}", *[_fmt(pos[d]) for d in dims])
        t.add_row("forecast", *[_fmt(result["forecast"][d]) for d in dims])
        sens = result["sensitivity"]
        if sens:
            for key in ("mean", "std"):
                t.add_row(f"sensitivity {key}", *[_fmt(sens["dimensions"][d][key]) for d in dims])
            for q in ("5", "50", "95"):
                t.add_row(
                    f"sensitivity {q} %",
                    *[_fmt(sens["dimensions"][d]["quantiles"][q]) for d in dims],
                )
        con.print(t)
        state = "converged" if result["converged"] else "did not converge"
        con.print(
            f"{state} after {result['rounds_used']} rounds; "
            f"Condorcet-style winner: {result['winner']['actor']}"
        )
    else:
        for g in result["groups"]:
            t = Table(title=f"Group {g['group']} ({g['size']} participants)")
            for col in ("statement", "direction", "probability", "ratio"):
                t.add_column(col)
            for r in g["representative"]:
                t.add_row(r["statement"], r["direction"], _fmt(r["probability"]), _fmt(r["ratio"]))
            con.print(t)
        c = Table(title="Consensus")
        for col in ("statement", "direction", "group-aware consensus"):
            c.add_column(col)
        for r in result["consensus"]:
            c.add_row(r["statement"], r["direction"], _fmt(r["group_aware_consensus"]))
        con.print(c)


def _run(args: argparse.Namespace) -> int:
    command = args.analyze_command
    func = {
        "packages": _cmd_packages,
        "adjusted-winner": _cmd_adjusted_winner,
        "forecast": _cmd_forecast,
        "spatial": _cmd_spatial,
        "opinion-groups": _cmd_opinion,
    }[command]
    try:
        with _Progress(args.progress or sys.stderr.isatty()) as prog:
            result, chart = func(args, prog.callback())
        if args.chart:
            if chart is None:
                raise AnalysisError("no chart for this command", args.chart)
            try:
                Path(args.chart).write_text(json.dumps(chart, indent=2), encoding="utf-8")
            except OSError as err:
                raise AnalysisError(f"cannot write chart: {err.strerror}", args.chart) from None
    except AnalysisError as err:
        where = err.source or args.path
        print(f"{PROG}: error: {where}: {err.fault}", file=sys.stderr)
        return 2
    if args.format == "table":
        _print_table(command, result)
    else:
        json.dump(result, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point: ``python -m accord.analysis.cli COMMAND ...``."""
    parser = _Parser(prog=PROG, description=__doc__)
    sub = parser.add_subparsers(
        dest="analyze_command", metavar="COMMAND", required=True, parser_class=_Parser
    )
    _add_commands(sub)
    args = parser.parse_args(argv)
    return _run(args)


if __name__ == "__main__":
    raise SystemExit(main())
