"""4D conflict detection: 10,000 planned actions (points, lines, polygons, with buffers and time
windows) against 1,000 constraints (polygons of 50–2,000 vertices, 1 % inclusion zones), with
the alignment app's pure detector (shapely STRtree + numpy), a naive pairwise loop on a subset
(extrapolated), and PostGIS (ST_Intersects / ST_Covers with GiST indexes) as the peer in the same
run over the very same buffered footprints; the conflict sets must be identical.

    .venv/bin/python bench/bench_alignment.py
    BENCH_PG=postgres://postgres@127.0.0.1:5432/wt_alignment .venv/bin/python bench/bench_alignment.py

PostGIS is optional: without the extension (Debian package postgresql-15-postgis-3) or without a
reachable PostgreSQL the peer is skipped with a message saying why.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from accord.alignment import geometry as g

N_ACTIONS = int(os.environ.get("BENCH_ACTIONS", "10000"))
N_CONSTRAINTS = int(os.environ.get("BENCH_CONSTRAINTS", "1000"))
NAIVE_SUBSET = int(os.environ.get("BENCH_NAIVE", "200"))
PG_URL = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432/wt_alignment")
DAY = 86400.0
T0 = 1_800_000_000.0  # a fixed epoch second in 2027
REGION = (20.0, 40.0, 36.0, 50.0)  # lon/lat box of the synthetic theatre (~1,250 × 1,100 km)


def star_polygon(
    rng: np.random.Generator, lon: float, lat: float, radius_km: float, n: int
) -> dict:
    """A simple (star-shaped) polygon of n vertices around a centre: valid by construction."""
    # Evenly spaced angles with jitter: every gap < π, so the polygon is star-shaped and simple.
    ang = (np.arange(n) + rng.uniform(0.05, 0.95, n)) * (2 * math.pi / n)
    r = radius_km * rng.uniform(0.6, 1.0, n)
    dlat = r / 111.2 * np.sin(ang)
    dlon = r / (111.2 * math.cos(math.radians(lat))) * np.cos(ang)
    ring = np.column_stack([lon + dlon, lat + dlat]).tolist()
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def make_data(seed: int = 17) -> tuple[list[g.Volume], list[g.Volume], float]:
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = REGION
    t = time.perf_counter()
    constraints = []
    for j in range(N_CONSTRAINTS):
        lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
        n = int(rng.integers(50, 2001))
        inclusion = j % 100 == 0
        s = T0 + rng.uniform(0, 30) * DAY
        constraints.append(
            g.volume(
                f"c{j}",
                star_polygon(rng, lon, lat, rng.uniform(5, 30), n),
                buffer=float(rng.choice([0, 0, 500, 2000])),
                start=s,
                end=s + rng.uniform(1, 10) * DAY,
                lower=None if rng.random() < 0.8 else 0.0,
                upper=None if rng.random() < 0.8 else 500.0,
                polarity=g.INCLUSION if inclusion else g.EXCLUSION,
                parties={"KES"} if inclusion else None,
                kinds={"movement"} if inclusion else None,
            )
        )
    actions = []
    for i in range(N_ACTIONS):
        lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
        r = rng.random()
        if r < 0.4:
            geo = {"type": "Point", "coordinates": [lon, lat]}
            buf = float(rng.choice([0, 500, 2000]))
        elif r < 0.7:
            k = int(rng.integers(2, 11))
            steps = rng.normal(0, 0.03, (k, 2)).cumsum(axis=0) + np.array([lon, lat])
            geo = {"type": "LineString", "coordinates": steps.tolist()}
            buf = float(rng.choice([0, 250, 500]))
        else:
            geo = star_polygon(rng, lon, lat, rng.uniform(0.5, 5), int(rng.integers(4, 13)))
            buf = 0.0
        s = T0 + rng.uniform(0, 30) * DAY
        actions.append(
            g.volume(
                f"a{i}",
                geo,
                buffer=buf,
                start=s,
                end=s + rng.uniform(1, 48) * 3600,
                lower=None if rng.random() < 0.7 else float(rng.uniform(0, 1000)),
                upper=None if rng.random() < 0.7 else 3000.0,
                party=str(rng.choice(["ARD", "KES", "NVF"])),
                kind=str(rng.choice(["patrol", "movement", "convoy", "flight"])),
            )
        )
    # Lower bands drawn above fixed upper bands are impossible; keep only valid ones.
    return actions, constraints, time.perf_counter() - t


def timed(fn, repeat: int = 3):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, min(times), statistics.median(times)


# --------------------------------------------------------------------------- PostGIS peer


def postgis(actions: list[g.Volume], constraints: list[g.Volume]):
    """Load the same footprints into PostGIS, index them (GiST), and run the same 4D join."""
    try:
        import psycopg
    except ImportError:
        return None, "psycopg is not installed"
    try:
        conn = psycopg.connect(PG_URL, autocommit=True, connect_timeout=5)
    except Exception as exc:
        return None, f"PostgreSQL not reachable at {PG_URL} ({exc.__class__.__name__})"
    with conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except Exception as exc:
            return None, (
                "PostGIS is not available (apt-get install -y postgresql-15-postgis-3): "
                + str(exc).splitlines()[0]
            )
        version = conn.execute("SELECT postgis_lib_version()").fetchone()[0]
        conn.execute("DROP TABLE IF EXISTS bench_act; DROP TABLE IF EXISTS bench_con")
        conn.execute(
            "CREATE TABLE bench_act (id text, geom geometry(Geometry, 4326), s float8, e float8,"
            " lo float8, hi float8, party text, kind text)"
        )
        conn.execute(
            "CREATE TABLE bench_con (id text, geom geometry(Geometry, 4326), s float8, e float8,"
            " lo float8, hi float8, inclusion bool, party text, kind text)"
        )
        t = time.perf_counter()

        def ewkb(v: g.Volume) -> str:
            return shapely.to_wkb(shapely.set_srid(v.shape, 4326), hex=True, include_srid=True)

        with conn.cursor() as cur:
            with cur.copy("COPY bench_act FROM STDIN") as cp:
                for a in actions:
                    cp.write_row((a.id, ewkb(a), a.start, a.end, a.lower, a.upper, a.party, a.kind))
            with cur.copy("COPY bench_con FROM STDIN") as cp:
                for c in constraints:
                    one = lambda s: None if s is None else next(iter(s))  # noqa: E731
                    cp.write_row(
                        (
                            c.id,
                            ewkb(c),
                            c.start,
                            c.end,
                            c.lower,
                            c.upper,
                            c.polarity == g.INCLUSION,
                            one(c.parties),
                            one(c.kinds),
                        )
                    )
        conn.execute("CREATE INDEX ON bench_act USING gist (geom)")
        conn.execute("CREATE INDEX ON bench_con USING gist (geom)")
        conn.execute("ANALYZE bench_act; ANALYZE bench_con")
        load = time.perf_counter() - t
        sql = """
            SELECT a.id, c.id, 'enters' FROM bench_act a JOIN bench_con c
              ON ST_Intersects(a.geom, c.geom)
             WHERE NOT c.inclusion AND a.s < c.e AND c.s < a.e AND a.lo <= c.hi AND c.lo <= a.hi
            UNION ALL
            SELECT a.id, c.id, 'leaves' FROM bench_act a JOIN bench_con c
              ON c.inclusion AND (c.party IS NULL OR a.party = c.party)
                 AND (c.kind IS NULL OR a.kind = c.kind)
             WHERE a.s < c.e AND c.s < a.e AND a.lo <= c.hi AND c.lo <= a.hi
               AND NOT ST_Covers(c.geom, a.geom)
        """
        rows, best, med = timed(lambda: conn.execute(sql).fetchall(), repeat=3)
        got = {(a, c, how) for a, c, how in rows}
        # Re-check of one moved constraint: update its row, then its join alone.
        c0 = next(c for c in constraints if c.polarity == g.EXCLUSION)
        moved = g.moved(c0, dx=0.05)

        def recheck():
            conn.execute(
                "UPDATE bench_con SET geom = %s::geometry WHERE id = %s", (ewkb(moved), c0.id)
            )
            return conn.execute(
                "SELECT a.id FROM bench_act a JOIN bench_con c ON ST_Intersects(a.geom, c.geom)"
                " WHERE c.id = %s AND a.s < c.e AND c.s < a.e AND a.lo <= c.hi AND c.lo <= a.hi",
                (c0.id,),
            ).fetchall()

        _, re_best, re_med = timed(recheck, repeat=5)
        conn.execute("DROP TABLE bench_act; DROP TABLE bench_con")
    return {
        "version": version,
        "load": load,
        "best": best,
        "median": med,
        "set": got,
        "recheck_best": re_best,
        "recheck_median": re_med,
    }, None


# --------------------------------------------------------------------------- main


def main() -> None:
    print(
        f"alignment bench: {N_ACTIONS:,} actions × {N_CONSTRAINTS:,} constraints; building volumes…"
    )
    actions, constraints, prep = make_data()
    verts = sum(shapely.get_num_coordinates(c.shape) for c in constraints)
    print(
        f"  prepared in {prep:.1f} s (parse, validate, metric buffers); {verts:,} constraint vertices"
    )

    conflicts, best, med = timed(lambda: g.Detector(actions, constraints).conflicts())
    key = {(c.action, c.constraint, c.how) for c in conflicts}
    print(
        f"  detector: {len(conflicts):,} conflicts in {best * 1000:.0f} ms (best of 3; median {med * 1000:.0f} ms)"
    )

    # Re-check after one constraint moves: the detector is built once; each move is timed alone.
    det = g.Detector(actions, constraints)
    det.conflicts()
    moves = []
    for j in range(0, N_CONSTRAINTS, N_CONSTRAINTS // 20):
        c = det.constraints.items[j]
        t = time.perf_counter()
        det.recheck(g.moved(c, dx=0.05, dy=0.02))
        moves.append(time.perf_counter() - t)
    re_best, re_med, re_max = min(moves), statistics.median(moves), max(moves)
    print(
        f"  re-check after one constraint moves: median {re_med * 1000:.1f} ms, max {re_max * 1000:.1f} ms (20 moves)"
    )

    # Naive pairwise loop on a subset of actions, extrapolated linearly to all actions.
    subset = actions[:NAIVE_SUBSET]
    t = time.perf_counter()
    naive = g.brute_force(subset, constraints)
    naive_t = (time.perf_counter() - t) * (N_ACTIONS / len(subset))
    want = {c for c in conflicts if c.action in {a.id for a in subset}}
    assert naive == want, "the naive loop and the detector disagree on the subset"
    print(
        f"  naive loop: {len(subset)} actions × {N_CONSTRAINTS} constraints, extrapolated to {naive_t:.1f} s; same conflicts on the subset"
    )

    pg, why = postgis(actions, constraints)
    if pg is None:
        print(f"  PostGIS peer SKIPPED: {why}")
    else:
        assert pg["set"] == key, (
            f"PostGIS and the detector disagree: {len(pg['set'] - key)} only in PostGIS, "
            f"{len(key - pg['set'])} only in the detector"
        )
        print(
            f"  PostGIS {pg['version']}: loaded + indexed in {pg['load']:.1f} s; identical conflict set ({len(key):,})"
        )

    rows = [("detector (shapely STRtree + numpy)", best, med, 1.0)]
    if pg is not None:
        rows.append(
            (
                f"PostGIS {pg['version']} ST_Intersects + GiST",
                pg["best"],
                pg["median"],
                pg["best"] / best,
            )
        )
    rows.append(
        (
            f"naive pairwise loop (extrapolated from {len(subset)} actions)",
            naive_t,
            naive_t,
            naive_t / best,
        )
    )
    print()
    print(
        f"| all conflicts, {N_ACTIONS:,} × {N_CONSTRAINTS:,} ({len(conflicts):,} found) | best | median | × detector |"
    )
    print("|---|---:|---:|---:|")
    for name, b, m, ratio in rows:
        print(f"| {name} | {b * 1000:,.0f} ms | {m * 1000:,.0f} ms | {ratio:,.1f} |")
    print()
    print("| re-check after one constraint moves | best | median | × detector |")
    print("|---|---:|---:|---:|")
    print(
        f"| detector (action STRtree, one footprint) | {re_best * 1000:.1f} ms | {re_med * 1000:.1f} ms | 1.0 |"
    )
    if pg is not None:
        print(
            f"| PostGIS (UPDATE + one-constraint join) | {pg['recheck_best'] * 1000:.1f} ms | "
            f"{pg['recheck_median'] * 1000:.1f} ms | {pg['recheck_median'] / re_med:.1f} |"
        )
    print()
    print(
        f"targets: all conflicts ≤ 1 s → {'met' if best <= 1 else 'MISSED'}; "
        f"re-check ≤ 50 ms → {'met' if re_max <= 0.05 else 'MISSED'} (max of 20)"
    )


if __name__ == "__main__":
    main()
