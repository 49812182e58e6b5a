"""Message search over a large store (issue 4): p50/p95/p99 of the search API over 10^6 messages.

The store is filled directly (bulk SQL, not through `post_message`: the ledger and live delivery
are measured elsewhere; the search index is maintained exactly as in production — SQLite FTS5 by
its triggers, PostgreSQL by its GIN expression index). Bodies are 8–30 words drawn from a
Zipf-distributed vocabulary, so terms range from very common to rare. Messages are spread over
four channels with different labels; the searcher (an NOR delegate, clearance 2, no MEDIATION
caveat) may read about 60 % of them, so every query is filtered by access before counting.

Each query goes through the whole API path (`GET /api/v1/processes/…/channels/search?q=…`, token
auth, access filter, page of 20 + total count, snippets), in-process with Django's test client.

    .venv/bin/python bench/bench_search.py [--messages 1000000] [--queries 300]
    ACCORD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_search .venv/bin/python bench/bench_search.py

Writes its line of the "## Comms — search" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

VOCAB = 20_000
BATCH = 20_000


def words(rng: np.random.Generator) -> list[str]:
    """A vocabulary of pronounceable made-up words plus domain words at the top ranks."""
    domain = (
        "ceasefire line patrol withdrawal monitors crossing prisoners exchange corridor "
        "humanitarian convoy artillery buffer zone verification mission guarantor talks "
        "delegation mediator article clause bracket draft annex map river bridge village"
    ).split()
    cons, vows = "bcdfghklmnprstvz", "aeiou"
    out, seen = list(domain), set(domain)
    while len(out) < VOCAB:
        n = int(rng.integers(2, 5))
        w = "".join(cons[rng.integers(16)] + vows[rng.integers(5)] for _ in range(n))
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out


def fill(total: int, seed: int = 7) -> dict:
    """Create the process, members and channels, then `total` messages in bulk."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from accord.comms import services as comms
    from accord.comms.models import Message
    from accord.core import access
    from accord.core import services as core
    from accord.core.labels import LabelValue

    user_model = get_user_model()
    proc = core.create_process(
        None, name="Search bench", slug="search-bench", caveats=["MEDIATION"]
    )
    parties = {
        code: core.add_party(None, proc, code=code, name=code, kind=kind)
        for code, kind in (("ARD", "ally"), ("NOR", "ally"), ("VAL", "ally"), ("UNM", "mediator"))
    }

    def member(name, party, caveats=(), roles=("negotiator",)):
        u = user_model.objects.create(username=name, password="!")
        return core.add_member(
            None,
            proc,
            user=u,
            party=parties[party],
            clearance=2,
            caveats=list(caveats),
            roles=list(roles),
        )

    coord = member("coord", "UNM", ["MEDIATION"], ["coordinator", "mediator"])
    senders = [member(f"s{p}", p) for p in ("ARD", "NOR", "VAL")] + [coord]
    searcher = member("searcher", "NOR")
    cv = access.viewer_of(coord)
    chans = [
        comms.create_channel(cv, name="Plenary", kind="plenary"),
        comms.create_channel(cv, name="Allies", kind="bilateral", parties=["ARD", "NOR", "VAL"]),
        comms.create_channel(cv, name="Ardania", kind="party", parties=["ARD"]),
        comms.create_channel(cv, name="Caucus", kind="caucus"),
    ]
    weights = np.array([0.35, 0.25, 0.25, 0.15])
    secret = access.label_row(proc, LabelValue.of(3, None, []))  # above the searcher's clearance
    rng = np.random.default_rng(seed)
    vocab = words(rng)
    ranks = np.arange(1, VOCAB + 1)
    p = 1 / ranks**1.07
    p /= p.sum()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    table = Message._meta.db_table
    cols = "channel_id, sender_id, body, body_html, label_id, precedence, requires_ack, created_at"
    ph = ", ".join(["%s"] * 8)
    sql = f"INSERT INTO {table} ({cols}) VALUES ({ph})"
    done = 0
    t0 = time.perf_counter()
    while done < total:
        n = min(BATCH, total - done)
        lens = rng.integers(8, 31, n)
        toks = rng.choice(VOCAB, size=int(lens.sum()), p=p)
        ch = rng.choice(4, size=n, p=weights)
        strict = rng.random(n) < 0.05
        rows, k = [], 0
        for i in range(n):
            body = " ".join(vocab[t] for t in toks[k : k + lens[i]])
            k += lens[i]
            chan = chans[ch[i]]
            label_id = secret.pk if strict[i] and ch[i] < 2 else chan.label_id
            sender = senders[3] if ch[i] == 3 else senders[0 if ch[i] == 2 else i % 3]
            when = start + timedelta(seconds=done + i)
            rows.append(
                (chan.pk, sender.pk, body, f"<p>{body}</p>", label_id, "ROUTINE", False, when)
            )
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(sql, rows)
        done += n
        rate = done / (time.perf_counter() - t0)
        print(f"\r  filled {done:,}/{total:,} ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {table}")
    readable = (
        access.readable(Message.objects.filter(channel__process=proc), access.viewer_of(searcher))
        .filter(channel__label__in=access.readable_label_ids(access.viewer_of(searcher)))
        .count()
    )
    return {
        "searcher": core.create_token(searcher.user, name="bench")[1],
        "vocab": vocab,
        "readable": readable,
        "fill_s": time.perf_counter() - t0,
    }


def run(total: int, queries: int) -> dict:
    from django.db import connection
    from django.test import Client

    info = fill(total)
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {info['searcher']}")
    url = "/api/v1/processes/search-bench/channels/search"
    vocab = info["vocab"]
    # query classes by term rank: common (top 20), middle (rank 200–2,000), rare (rank > 10,000),
    # and two-word queries mixing a common and a middle term
    rng = np.random.default_rng(11)
    classes = {
        "common term": lambda: vocab[int(rng.integers(0, 20))],
        "middle term": lambda: vocab[int(rng.integers(200, 2000))],
        "rare term": lambda: vocab[int(rng.integers(10_000, VOCAB))],
        "two terms": lambda: (
            f"{vocab[int(rng.integers(0, 50))]} {vocab[int(rng.integers(200, 2000))]}"
        ),
    }
    out = {
        "vendor": connection.vendor,
        "total": total,
        "readable": info["readable"],
        "fill_s": info["fill_s"],
    }
    for _ in range(10):  # warm caches
        client.get(url, {"q": vocab[0], "limit": 20})
    for name, make in classes.items():
        times, hits = [], []
        for _ in range(queries):
            q = make()
            t = time.perf_counter()
            r = client.get(url, {"q": q, "limit": 20})
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.content[:300]
            hits.append(r.json()["count"])
        times.sort()
        out[name] = {
            "p50": statistics.median(times),
            "p95": times[int(len(times) * 0.95) - 1],
            "p99": times[int(len(times) * 0.99) - 1],
            "median_hits": int(statistics.median(hits)),
        }
    everything = sorted(t for k in classes for t in [out[k]["p95"]])
    out["worst_p95"] = everything[-1]
    return out


def render(r: dict) -> str:
    store = "SQLite FTS5" if r["vendor"] == "sqlite" else "PostgreSQL full-text (GIN)"
    lines = [
        f"{store}: {r['total']:,} messages ({r['readable']:,} readable by the searcher), "
        f"filled in {r['fill_s']:.0f} s.",
        "",
        "| query | median hits (readable) | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for k in ("common term", "middle term", "rare term", "two terms"):
        v = r[k]
        lines.append(
            f"| {k} | {v['median_hits']:,} | {v['p50']:.1f} | {v['p95']:.1f} | {v['p99']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=300, help="queries per class")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-search-"))
    os.environ["ACCORD_DATA_DIR"] = str(work)
    os.environ.pop("ACCORD_TESTS", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "accord.settings"
    url = os.environ.get("ACCORD_DATABASE_URL", "")
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
            subprocess.run(
                ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", sql],
                check=True,
            )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    r = run(args.messages, args.queries)
    text = render(r)
    print(text)
    if not args.no_write:
        from results import machine, replace_section

        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        heading = f"Comms — search ({'SQLite' if r['vendor'] == 'sqlite' else 'PostgreSQL'})"
        replace_section(
            heading,
            f"`bench/bench_search.py`, {when}. Machine: {machine()}. {args.queries} queries per "
            "class through the API (page of 20 + total count + snippets); target p95 ≤ 100 ms.\n\n"
            + text,
        )


if __name__ == "__main__":
    main()
