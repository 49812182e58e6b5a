"""Ledger append rate through `record_many` (the batched path) and `record` (one act per
transaction), on the embedded SQLite and on PostgreSQL; plus inclusion-proof latency from the
stored node table. Prints a table; figures go to bench/RESULTS.md.

    .venv/bin/python bench/bench_ledger_db.py            # SQLite (fresh temp data dir)
    ACCORD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/bench_ledger_db.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("ACCORD_DATA_DIR", tempfile.mkdtemp(prefix="accord-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accord.core import services  # noqa: E402
from accord.ledger import queries  # noqa: E402
from accord.ledger.compact import assemble_inclusion_proof, inclusion_proof_nodes  # noqa: E402
from accord.ledger.models import Log  # noqa: E402
from accord.ledger.services import Act, record, record_many, sign_head  # noqa: E402

N_BATCHED = int(os.environ.get("BENCH_N", "50000"))
BATCH = 500
N_SINGLE = 2000


def main() -> None:
    call_command("migrate", verbosity=0)
    slug = f"bench-{int(time.time())}"
    proc = services.create_process(None, name=slug, slug=slug)
    acts = [
        Act(None, "bench.act", ("bench.item", str(i)), {"i": i, "text": "x" * 120})
        for i in range(N_BATCHED)
    ]
    t0 = time.perf_counter()
    for i in range(0, N_BATCHED, BATCH):
        record_many(acts[i : i + BATCH], process=proc)
    batched = N_BATCHED / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    for i in range(N_SINGLE):
        with transaction.atomic():
            record(None, "bench.single", ("bench.item", str(i)), {"i": i}, process=proc)
    single = N_SINGLE / (time.perf_counter() - t0)

    log = Log.objects.get(process=proc)
    sign_head(log.pk)
    size = Log.objects.get(pk=log.pk).size
    lat = []
    for k in range(200):
        idx = (k * 7919) % size
        t = time.perf_counter()
        keys = inclusion_proof_nodes(idx, size)
        assemble_inclusion_proof(idx, size, queries.nodes(log.pk, keys))
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    vendor = connection.vendor
    print(
        f"| store | batched record_many ({BATCH}/txn) | record() one per txn | proof p50 | proof p99 | log size |"
    )
    print("|---|---|---|---|---|---|")
    print(
        f"| {vendor} | {batched:,.0f} entries/s | {single:,.0f} entries/s | "
        f"{statistics.median(lat):.2f} ms | {lat[int(len(lat) * 0.99) - 1]:.2f} ms | {size:,} |"
    )


if __name__ == "__main__":
    sys.exit(main())
