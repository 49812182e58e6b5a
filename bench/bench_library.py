"""Library: PA-X import and similarity at the size of the real database (PA-X v10 holds about
2,000 agreements; BENCH_N sets the count), on a fresh embedded SQLite (or PostgreSQL with
ACCORD_DATABASE_URL). Prints figures; they go in the report, not in RESULTS.md.

    .venv/bin/python bench/bench_library.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("ACCORD_DATA_DIR", tempfile.mkdtemp(prefix="accord-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from accord.core.access import Viewer  # noqa: E402
from accord.library import pax, queries, services  # noqa: E402

N = int(os.environ.get("BENCH_N", "2000"))


def rows(n: int, seed: int = 7) -> list[dict[str, object]]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        row: dict[str, object] = {c: 0 for c in pax.CODED}
        for c in rnd.sample(pax.CODED, rnd.randint(5, 40)):
            row[c] = rnd.randint(1, 3)
        row.update(
            Con=f"Country {i % 150}", PPName=f"Process {i % 400}", AgtId=i + 1,
            Agt=f"Agreement {i} on matters, \"quoted\"", Dat=f"{1990 + i % 30}-0{1 + i % 9}-1{i % 9}",
            Agtp=rnd.choice(list(pax.AGREEMENT_TYPES)), Stage=rnd.choice(list(pax.STAGES)),
            Part="Party one\nParty two, with a comma\nParty three", Lgt=rnd.randint(1, 90),
        )  # fmt: skip
        out.append(row)
    return out


def main() -> None:
    call_command("migrate", verbosity=0)
    text = pax.to_csv(rows(N))
    t0 = time.perf_counter()
    parsed = pax.parse(text)
    t_parse = time.perf_counter() - t0
    assert parsed.ok, pax.describe(parsed)
    t0 = time.perf_counter()
    services.import_pax(text, file_name="bench.csv")
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    services.import_pax(text, file_name="bench.csv")
    t_reimport = time.perf_counter() - t0
    from accord.core.models import Member

    viewer = Viewer(process=None, member=Member())  # only membership is checked
    times = []
    for k in range(20):
        topics = random.Random(k).sample(pax.TOPIC_KEYS, 6)
        t0 = time.perf_counter()
        queries.similar_agreements(viewer, topics=list(topics), limit=10)
        times.append(time.perf_counter() - t0)
    f = queries.agreement_filter(topics=["ceasefire", "ddr"], since="2000-01-01")
    t0 = time.perf_counter()
    n = queries.agreements(viewer, f).count()
    t_filter = time.perf_counter() - t0
    mb = len(text.encode()) / 1e6
    print(f"PA-X file: {N} agreements × 279 columns, {mb:.1f} MB")
    print(f"check only: {t_parse:.2f} s ({N / t_parse:,.0f} rows/s)")
    print(
        f"import (check + write, one transaction): {t_import:.2f} s; re-import (update): {t_reimport:.2f} s"
    )
    print(
        f"similarity over {N}: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
    )
    print(f"filter ceasefire+DDR since 2000: {n} hits, {t_filter * 1000:.0f} ms")


if __name__ == "__main__":
    main()
