"""Benchmark accord.analysis against NegMAS (bench extra; NegMAS is AGPL and never used by src/).

Run: ``.venv/bin/python bench/bench_analysis.py [--write]``. Heavy cases run in child processes
so each reports its own peak RSS. ``--write`` replaces the "## Analysis" section of
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy as np
from results import replace_section

from accord.analysis import (
    Issue,
    Party,
    Problem,
    all_points,
    brute_force_frontier,
    load_genius_dir,
    pareto_frontier,
)
from accord.analysis.bargaining import nash_indices

ROOT = Path(__file__).resolve().parents[1]
GENIUS = ROOT.parent / "shared" / "data" / "genius"
LINEAR = ["Laptop", "Car-A-domain", "ItexvsCypress", "FiftyFifty", "EnglandZimbabwe"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram": mem,
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def random_problem(n_issues: int, n_options: int, k: int, seed: int) -> Problem:
    rng = np.random.default_rng(seed)
    issues = tuple(
        Issue(f"i{j}", tuple(f"o{o}" for o in range(n_options))) for j in range(n_issues)
    )
    parties = tuple(
        Party(
            f"p{p}",
            weights=rng.random(n_issues),
            values=[rng.random(n_options) for _ in range(n_issues)],
        )
        for p in range(k)
    )
    return Problem(issues, parties)


# ---------------------------------------------------------------------------- NegMAS bridge
def negmas_ufuns(problem: Problem):
    from negmas import make_issue
    from negmas.preferences import LinearAdditiveUtilityFunction as LAUF
    from negmas.preferences.value_fun import TableFun

    issues = [make_issue([str(o) for o in iss.options], name=iss.name) for iss in problem.issues]
    ufuns = []
    for p in problem.parties:
        vals = [
            TableFun({str(o): float(v) for o, v in zip(iss.options, p.values[j], strict=True)})
            for j, iss in enumerate(problem.issues)
        ]
        ufuns.append(
            LAUF(
                values=vals,
                weights=[float(w) for w in p.weights],
                issues=issues,
                reserved_value=float("-inf") if p.reservation is None else float(p.reservation),
            )
        )
    return issues, ufuns


def negmas_disagreement(problem: Problem) -> np.ndarray:
    """NegMAS's Nash uses max(reserved value, minimum utility over the outcome space)."""
    lo = np.array(
        [
            sum(p.weights[j] * p.values[j].min() for j in range(len(problem.issues)))
            for p in problem.parties
        ]
    )
    res = problem.reservations(-np.inf)
    return np.maximum(lo, res)


def run_negmas(problem: Problem, all_solutions: bool = True) -> dict:
    from negmas.preferences import kalai_points, max_welfare_points
    from negmas.preferences import nash_points as n_nash
    from negmas.preferences import pareto_frontier as n_pf

    issues, ufuns = negmas_ufuns(problem)
    t0 = time.perf_counter()
    front, idx = n_pf(ufuns, issues=issues, sort_by_welfare=True)
    t1 = time.perf_counter()
    nash = n_nash(ufuns, front, issues=issues)
    extra = {}
    if all_solutions:
        extra["kalai"] = kalai_points(ufuns, front, issues=issues)
        extra["welfare"] = max_welfare_points(ufuns, front, issues=issues)
    t2 = time.perf_counter()
    return {
        "front": [tuple(map(float, f)) for f in front],
        "idx": list(idx),
        "nash": [tuple(map(float, n[0])) for n in nash],
        "t_frontier": t1 - t0,
        "t_points": t2 - t1,
        "t_total": t2 - t0,
    }


def negmas_outcome_rows(problem: Problem, idx: list[int]) -> set[tuple[int, ...]]:
    sizes = problem.sizes
    return {tuple(int(x) for x in np.unravel_index(i, sizes)) for i in idx}


# ---------------------------------------------------------------------------- cases
def case_genius() -> list[dict]:
    rows = []
    have_negmas = _has_negmas()
    for name in LINEAR:
        problem = load_genius_dir(GENIUS / name)
        t0 = time.perf_counter()
        front = pareto_frontier(problem)
        pts = all_points(front)
        ours = time.perf_counter() - t0
        row = {
            "domain": name,
            "outcomes": problem.n_outcomes,
            "frontier": len(front),
            "ours_s": ours,
            "nash": pts["nash"]["utilities"] if pts["nash"] else None,
        }
        if have_negmas:
            nm = run_negmas(problem)
            our_vecs = {tuple(map(float, u)) for u in front.utilities}
            row["negmas_s"] = nm["t_total"]
            row["same_vectors"] = our_vecs == set(nm["front"])
            ours_out = {tuple(map(int, o)) for o in front.outcomes}
            theirs = negmas_outcome_rows(problem, nm["idx"])
            # NegMAS 0.16 lists one outcome per utility vector; we list every tied outcome
            row["same_outcomes"] = ours_out == theirs
            row["negmas_outcomes_subset"] = theirs <= ours_out
            d = negmas_disagreement(problem)
            ours_nash = {tuple(map(float, front.utilities[i])) for i in nash_indices(front, d)}
            row["same_nash"] = ours_nash == set(nm["nash"])
            row["negmas_frontier"] = len(nm["front"])
        rows.append(row)
    return rows


def case_million(k: int = 3, negmas: bool = True) -> dict:
    problem = random_problem(6, 10, k, seed=42)
    t0 = time.perf_counter()
    front = pareto_frontier(problem)
    t1 = time.perf_counter()
    pts = all_points(front)
    t2 = time.perf_counter()
    t3 = time.perf_counter()
    enum = brute_force_frontier(problem)
    t4 = time.perf_counter()
    enum_pts = all_points(enum)
    t5 = time.perf_counter()
    out = {
        "outcomes": problem.n_outcomes,
        "parties": k,
        "frontier": len(front),
        "merge_s": t1 - t0,
        "points_s": t2 - t1,
        "ours_total_s": t2 - t0,
        "timings": front.timings,
        "enum_total_s": (t4 - t3) + (t5 - t4),
        "enum_equal": bool(
            np.array_equal(enum.utilities, front.utilities)
            and np.array_equal(enum.outcomes, front.outcomes)
            and enum_pts == pts
        ),
    }
    if negmas and _has_negmas():
        nm = run_negmas(problem)
        out["negmas_frontier_s"] = nm["t_frontier"]
        out["negmas_points_s"] = nm["t_points"]
        out["negmas_total_s"] = nm["t_total"]
        out["same_vectors"] = {tuple(map(float, u)) for u in front.utilities} == set(nm["front"])
        d = negmas_disagreement(problem)
        out["same_nash"] = {
            tuple(map(float, front.utilities[i])) for i in nash_indices(front, d)
        } == set(nm["nash"])
        out["speedup_vs_merge"] = nm["t_total"] / out["ours_total_s"]
        out["speedup_vs_enum"] = nm["t_total"] / out["enum_total_s"]
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def case_enum7() -> dict:
    problem = random_problem(7, 10, 2, seed=7)
    t0 = time.perf_counter()
    front = brute_force_frontier(problem, chunk_size=1 << 20)
    t1 = time.perf_counter()
    pts = all_points(front)
    t2 = time.perf_counter()
    check = pareto_frontier(problem)
    return {
        "outcomes": problem.n_outcomes,
        "frontier": len(front),
        "enumerate_s": t1 - t0,
        "points_s": t2 - t1,
        "total_s": t2 - t0,
        "peak_rss_mb": peak_rss_mb(),
        "equals_merge": bool(np.array_equal(check.utilities, front.utilities)),
        "nash": pts["nash"]["utilities"],
    }


def case_twenty() -> dict:
    problem = random_problem(20, 10, 2, seed=20)
    t0 = time.perf_counter()
    front = pareto_frontier(problem, keep_ties=True)
    t1 = time.perf_counter()
    pts = all_points(front)
    t2 = time.perf_counter()
    return {
        "outcomes": f"{problem.n_outcomes:.0e}",
        "frontier": len(front),
        "merge_s": front.timings.get("merge"),
        "expand_s": front.timings.get("expand"),
        "points_s": t2 - t1,
        "total_s": t2 - t0,
        "peak_rss_mb": peak_rss_mb(),
        "nash": pts["nash"]["utilities"],
    }


def case_10issues() -> dict:
    problem = load_genius_dir(GENIUS / "10issues")
    t0 = time.perf_counter()
    front = pareto_frontier(problem)
    t1 = time.perf_counter()
    from accord.analysis.genius import read_genius_pareto

    want = read_genius_pareto(GENIUS / "10issues" / "pareto.xml")
    got = np.unique(front.utilities, axis=0)
    ok = got.shape == want.shape and np.allclose(
        got, want[np.lexsort((want[:, 1], want[:, 0]))], atol=1e-6
    )
    return {
        "outcomes": "1e10",
        "cells": int(np.prod([1])),
        "frontier_vectors": len(got),
        "frontier_cells": len(front),
        "total_s": t1 - t0,
        "timings": front.timings,
        "matches_genius": bool(ok),
        "peak_rss_mb": peak_rss_mb(),
    }


CASES = {
    "genius": case_genius,
    "million": case_million,
    "enum7": case_enum7,
    "twenty": case_twenty,
    "10issues": case_10issues,
}


def _has_negmas() -> bool:
    try:
        import negmas  # noqa: F401
    except ImportError:
        return False
    return True


def child(case: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--case", case],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


NOTES = """
Notes: NegMAS 0.16 lists one outcome per utility vector, accord.analysis lists every tied
outcome (Car-A: 73 outcomes for 53 vectors); the vectors are identical. Nash is compared with
NegMAS's disagreement convention (max(reserved value, minimum utility)); on FiftyFifty the only
rational outcome gives every party exactly its reservation value 0.5, which NegMAS accepts
(product 0) and accord.analysis does not (it requires u_i > r_i, so Nash is null). Timings vary
with machine load (other jobs shared the 2 cores); tiny domains are dominated by fixed overhead.
"""


def render(results: dict) -> str:
    m = results["machine"]
    lines = [
        "## Analysis",
        "",
        f"Machine: {m['nproc']} CPUs (`nproc`), {m['cpu']}, {m['ram']} RAM; Python "
        f"{m['python']}, numpy {m['numpy']}. NegMAS: {results['negmas']}.",
        "",
        "| case | outcomes | accord.analysis | NegMAS | ratio | identical | peak RSS |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results["genius"]:
        note = (
            ""
            if r.get("same_outcomes")
            else (
                f" (NegMAS lists {r.get('negmas_frontier')}, all among ours: "
                f"{r.get('negmas_outcomes_subset')})"
            )
        )
        same = (
            (
                f"vectors {r.get('same_vectors')}; outcomes {r.get('same_outcomes')}{note}; "
                f"nash {r.get('same_nash')}"
            )
            if "negmas_s" in r
            else "n/a"
        )
        neg = f"{r['negmas_s']:.3f} s" if "negmas_s" in r else "n/a"
        ratio = f"{r['negmas_s'] / r['ours_s']:.0f}x" if "negmas_s" in r else "n/a"
        lines.append(
            f"| Genius {r['domain']} (frontier {r['frontier']}) | {r['outcomes']:,} | "
            f"{r['ours_s']:.4f} s | {neg} | {ratio} | {same} | - |"
        )
    mi = results["million"]
    if "error" not in mi:
        neg = f"{mi['negmas_total_s']:.1f} s" if "negmas_total_s" in mi else "n/a"
        lines.append(
            f"| 10^6 outcomes x {mi['parties']} parties, frontier + Nash/KS/egalitarian/"
            f"utilitarian (merge path; frontier {mi['frontier']}) | {mi['outcomes']:,} | "
            f"{mi['ours_total_s']:.3f} s | {neg} | "
            f"{mi.get('speedup_vs_merge', 0):.0f}x | vectors {mi.get('same_vectors')}, "
            f"nash {mi.get('same_nash')} | {mi['peak_rss_mb']:.0f} MB |"
        )
        lines.append(
            f"| same, enumeration path (every outcome evaluated) | {mi['outcomes']:,} | "
            f"{mi['enum_total_s']:.3f} s | {neg} | {mi.get('speedup_vs_enum', 0):.0f}x | "
            f"equals merge: {mi['enum_equal']} | - |"
        )
    e7 = results["enum7"]
    if "error" not in e7:
        lines.append(
            f"| 10^7 outcomes enumerated (chunked), 2 parties | {e7['outcomes']:,} | "
            f"{e7['total_s']:.2f} s | - | - | equals merge: {e7['equals_merge']} | "
            f"{e7['peak_rss_mb']:.0f} MB |"
        )
    tw = results["twenty"]
    if "error" not in tw:
        lines.append(
            f"| linear 20 issues x 10 options x 2 parties (frontier {tw['frontier']})"
            f" | 10^20 | {tw['total_s']:.2f} s | - | - | - | {tw['peak_rss_mb']:.0f} MB |"
        )
    ti = results["10issues"]
    if "error" not in ti:
        lines.append(
            f"| Genius 10issues, non-linear (cells path) | 10^10 | {ti['total_s']:.1f} s"
            f" | - | - | matches Genius pareto.xml: {ti['matches_genius']} | "
            f"{ti['peak_rss_mb']:.0f} MB |"
        )
    lines += ["", "Where time goes:", ""]
    if "error" not in mi:
        lines.append(
            f"- 10^6 x 3: merge {mi['timings'].get('merge', 0):.3f} s, expand "
            f"{mi['timings'].get('expand', 0):.3f} s, bargaining points "
            f"{mi['points_s']:.4f} s; NegMAS frontier "
            f"{mi.get('negmas_frontier_s', float('nan')):.1f} s (Python loop over "
            f"outcomes x ufuns), NegMAS points "
            f"{mi.get('negmas_points_s', float('nan')):.2f} s."
        )
    if "error" not in e7:
        lines.append(
            f"- 10^7 enumeration: {e7['enumerate_s']:.2f} s evaluating and filtering "
            f"1M-outcome chunks (sort-based 2-D filter), points {e7['points_s']:.4f} s."
        )
    if "error" not in tw:
        lines.append(
            f"- 20 x 10 x 2: merge {tw['merge_s']:.2f} s (20 merges of partial "
            f"frontiers), expand {tw['expand_s']:.3f} s."
        )
    if "error" not in ti:
        lines.append(
            f"- 10issues: {ti['timings']} — enumerating 25.4M cells (atoms per issue "
            "from both profiles' hyper-rectangle boundaries) dominates."
        )
    for key in ("million", "enum7", "twenty", "10issues"):
        if "error" in results[key]:
            lines.append(f"- {key}: FAILED: {results[key]['error']}")
    return "\n".join(lines) + "\n" + NOTES


def write_results(section: str) -> None:
    heading, _, body = section.partition("\n")
    replace_section(heading.removeprefix("## ").strip(), body)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", choices=sorted(CASES))
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    if args.case:
        print(json.dumps(CASES[args.case](), default=str))
        return
    results = {"machine": machine()}
    try:
        import negmas

        results["negmas"] = f"negmas {negmas.__version__} (installed into the venv)"
    except ImportError:
        results["negmas"] = "not installed (comparison skipped)"
    for case in CASES:
        print(f"running {case} ...", file=sys.stderr)
        results[case] = child(case)
        print(json.dumps(results[case], default=str)[:2000], file=sys.stderr)
    section = render(results)
    print(section)
    if args.write:
        write_results(section)


if __name__ == "__main__":
    main()
