"""Similar-claim matching over 100,000 synthetic claims: accord's incremental TF-IDF index
(src/accord/verification/similar.py) against PostgreSQL pg_trgm similarity() with a GIN index,
on the same claims and the same label filter; recall@5 on paraphrased duplicates. Also the
index's snapshot (what a server start reads instead of building): save, size, load, the check
of a snapshot against the claims table, and the first query after a load.

    PYTHONPATH=src python bench/bench_verification.py [--n 100000] [--queries 300]
        [--pg postgres://postgres@127.0.0.1:5432/wt_verification] [--no-pg]

Claims get one of 8 label ids; the viewer may read 5 of them (the filter is part of every
query). Each paraphrase is made from a readable claim by synonym swaps, dropped and reordered
words, and a typo; a hit is the original claim in the top 5 (both engines see the same data).
Prints a markdown table.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from accord.verification.similar import MERGE_AT, ClaimIndex, fingerprint

ACTORS = "NVF fighters|Kestrian troops|government militia|border police|armed men|rebel units|army snipers|unknown gunmen|paramilitaries|the monitoring mission|local police|foreign mercenaries".split(
    "|"
)
ACTS = "shelled|attacked|burned|looted|occupied|mined|blockaded|bombed|raided|evacuated|poisoned|abandoned".split(
    "|"
)
PLACES = "the Varna bridge|Kestra market|the northern dam|Lake Varna port|the old hospital|Dorsk village|the refinery|the border crossing|the grain depot|the ferry landing|Novo Selo school|the power station|the river ford|Tarn airfield|the water plant".split(
    "|"
)
WHEN = "at dawn|last night|this morning|on Sunday|during the ceasefire|before the talks|after midnight|at noon|yesterday evening|during the storm".split(
    "|"
)
EXTRA = "witnesses say|according to local accounts|sources claim|a video shows|residents report|a leaked memo says|officials deny it|share before it is deleted|the media is silent|photos prove it".split(
    "|"
)
NUMS = [
    "dozens of",
    "40",
    "hundreds of",
    "12",
    "several",
    "at least 30",
    "many",
    "7",
    "over 100",
    "two",
]
VICTIMS = "civilians|children|refugees|farmers|aid workers|journalists|pensioners|monitors|soldiers|nurses".split(
    "|"
)
SYN = {
    "attacked": "assaulted",
    "shelled": "bombarded",
    "burned": "set fire to",
    "looted": "plundered",
    "civilians": "residents",
    "children": "kids",
    "dawn": "first light",
    "last night": "overnight",
    "witnesses say": "eyewitnesses claim",
    "killed": "murdered",
    "fighters": "militants",
    "troops": "soldiers",
    "village": "hamlet",
    "market": "bazaar",
    "bridge": "crossing",
}


def make_claim(rng: random.Random) -> str:
    return (
        f"{rng.choice(ACTORS).capitalize()} {rng.choice(ACTS)} {rng.choice(PLACES)} "
        f"{rng.choice(WHEN)} and killed {rng.choice(NUMS)} {rng.choice(VICTIMS)}, "
        f"{rng.choice(EXTRA)}. Ref {rng.randrange(10**6):06d}"
    )


def paraphrase(text: str, rng: random.Random) -> str:
    t = text.rsplit(". Ref", 1)[0]
    for a, b in SYN.items():
        if a in t and rng.random() < 0.7:
            t = t.replace(a, b)
    words = t.split()
    if len(words) > 6:
        del words[rng.randrange(1, len(words) - 1)]  # drop a word
    i = rng.randrange(len(words) - 1)
    words[i], words[i + 1] = words[i + 1], words[i]  # swap two words
    j = rng.randrange(len(words))
    w = words[j]
    if len(w) > 4:  # one typo
        k = rng.randrange(1, len(w) - 1)
        words[j] = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
    return " ".join(words)


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--updates", type=int, default=2500)
    ap.add_argument(
        "--pg",
        default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432/bench_verification"),
    )
    ap.add_argument("--trgm-limit", type=float, default=0.3)
    ap.add_argument("--no-pg", action="store_true", help="skip the pg_trgm peer")
    args = ap.parse_args()
    rng = random.Random(18)
    labels_all = list(range(1, 9))
    readable = [1, 2, 3, 5, 8]
    texts = [make_claim(rng) for _ in range(args.n)]
    labels = [rng.choice(labels_all) for _ in range(args.n)]
    ids = list(range(1, args.n + 1))
    sample = [i for i in rng.sample(ids, args.queries * 3) if labels[i - 1] in readable][
        : args.queries
    ]
    queries = [(i, paraphrase(texts[i - 1], rng)) for i in sample]

    rows: list[tuple[str, str]] = []
    # --- accord index --------------------------------------------------------------------------
    ix = ClaimIndex()
    t0 = time.perf_counter()
    ix.bulk(ids, labels, texts)
    build = time.perf_counter() - t0
    for _ in range(5):  # warm the vectorisers
        ix.query(queries[0][1], readable)
    lat, hits = [], 0
    for cid, q in queries:
        t = time.perf_counter()
        res = ix.query(q, readable, k=5, min_score=0.0)
        lat.append((time.perf_counter() - t) * 1000)
        hits += any(m.claim_id == cid for m in res)
        assert all(labels[m.claim_id - 1] in readable for m in res)
    snap = snapshot_rows(ix, ids, labels, texts, queries, readable)
    upd = []
    for j in range(args.updates):
        t = time.perf_counter()
        ix.add(args.n + 1 + j, rng.choice(labels_all), make_claim(rng))
        upd.append((time.perf_counter() - t) * 1000)
    lat2 = []
    for _cid, q in queries[:100]:  # queries with a delta of recent rows
        t = time.perf_counter()
        ix.query(q, readable, k=5, min_score=0.0)
        lat2.append((time.perf_counter() - t) * 1000)
    pending = len(ix.delta)
    if ix._merging is not None:
        ix._merging.join()
    t = time.perf_counter()
    ix.merge()
    merge = time.perf_counter() - t
    rows += [
        ("claims", f"{args.n:,}"),
        ("paraphrased duplicates queried", f"{len(queries)}"),
        ("accord index: build (bulk, one-off)", f"{build:.1f} s"),
        (
            "accord index: query p50 / p95 (label filter incl.)",
            f"{pct(lat, 50):.1f} / {pct(lat, 95):.1f} ms",
        ),
        (
            f"accord index: query p95 after {args.updates} new claims ({pending} not merged yet)",
            f"{pct(lat2, 95):.1f} ms",
        ),
        (
            "accord index: update p50 / p95 per new claim",
            f"{pct(upd, 50):.2f} / {pct(upd, 95):.2f} ms",
        ),
        (
            f"accord index: merge of the delta (background, every {MERGE_AT} new claims)",
            f"{merge * 1000:.0f} ms",
        ),
        ("accord index: recall@5", f"{hits / len(queries):.3f}"),
        *snap,
    ]
    # --- pg_trgm ---------------------------------------------------------------------------------
    if not args.no_pg:
        rows += pg_rows(args, ids, labels, texts, queries, readable, rng)
    print(
        f"\nSimilar claims, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, nproc {os.cpu_count()}, load {os.getloadavg()[0]:.2f}\n"
    )
    print("| measure | result |\n|---|---|")
    for k, v in rows:
        print(f"| {k} | {v} |")


def snapshot_rows(ix: ClaimIndex, ids, labels, texts, queries, readable) -> list[tuple[str, str]]:
    """The snapshot of the built index: what a restarted worker does instead of a build.
    Load = read the file + check it against the table (count and fingerprint of the rows up to
    its last id; here on an SQLite file of the same claims, the embedded store)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "1.npz")
        t = time.perf_counter()
        size = ix.save(path)
        save = time.perf_counter() - t
        db = sqlite3.connect(os.path.join(tmp, "claims.sqlite3"))
        db.execute("CREATE TABLE claim (id integer primary key, label_id int, text text)")
        db.executemany("INSERT INTO claim VALUES (?, ?, ?)", zip(ids, labels, texts, strict=True))
        db.commit()

        def matches(meta: dict) -> bool:
            n = db.execute("SELECT count(*) FROM claim WHERE id <= ?", (meta["max_id"],))
            if n.fetchone()[0] != meta["n"]:
                return False
            rows = db.execute(
                "SELECT id, label_id, text FROM claim WHERE id <= ?", (meta["max_id"],)
            )
            return fingerprint(rows) == int(meta["digest"], 16)

        t = time.perf_counter()
        assert matches({"max_id": ix.max_id, "n": len(ix), "digest": f"{ix.digest:032x}"})
        check = time.perf_counter() - t
        loaded = ClaimIndex()
        t = time.perf_counter()
        assert loaded.load(path)
        load = time.perf_counter() - t
        t = time.perf_counter()
        first = loaded.query(queries[1][1], readable, k=5, min_score=0.0)
        first_ms = (time.perf_counter() - t) * 1000
        assert first == ix.query(queries[1][1], readable, k=5, min_score=0.0)
        lat = []
        for _cid, q in queries[2:52]:
            t = time.perf_counter()
            loaded.query(q, readable, k=5, min_score=0.0)
            lat.append((time.perf_counter() - t) * 1000)
        rng = random.Random(7)
        extra = [make_claim(rng) for _ in range(50)]
        new_ids = list(range(max(ids) + 1, max(ids) + 51))
        t = time.perf_counter()
        loaded.extend(new_ids, [1] * 50, extra)  # claims made since the save: into the delta
        append = time.perf_counter() - t
        again = ClaimIndex()
        again.load(path)
        t = time.perf_counter()
        again.bulk(new_ids, [1] * 50, extra)  # the same through the base (a rebuild of it)
        append_bulk = time.perf_counter() - t
        db.close()
    return [
        ("snapshot: save (whole index, one .npz)", f"{save:.2f} s"),
        ("snapshot: file size", f"{size / 2**20:.0f} MiB"),
        ("snapshot: load (read + rebuild the arrays)", f"{load:.2f} s"),
        ("snapshot: check against the table (SQLite: count + fingerprint)", f"{check:.2f} s"),
        (
            "snapshot: first query after load / p95 of the next 50",
            f"{first_ms:.1f} / {pct(lat, 95):.1f} ms",
        ),
        (
            "snapshot: 50 claims newer than the snapshot appended, delta / base rebuild",
            f"{append * 1000:.0f} ms / {append_bulk:.2f} s",
        ),
    ]


def pg_rows(args, ids, labels, texts, queries, readable, rng) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    try:
        import psycopg

        with psycopg.connect(args.pg, autocommit=True) as conn:
            cur = conn.cursor()
            cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cur.execute("DROP TABLE IF EXISTS bench_claims")
            cur.execute("CREATE TABLE bench_claims (id int primary key, label_id int, text text)")
            t = time.perf_counter()
            with cur.copy("COPY bench_claims (id, label_id, text) FROM STDIN") as cp:
                for i, lab, tx in zip(ids, labels, texts, strict=True):
                    cp.write_row((i, lab, tx))
            cur.execute(
                "CREATE INDEX bench_claims_trgm ON bench_claims USING gin (text gin_trgm_ops)"
            )
            cur.execute("ANALYZE bench_claims")
            pg_build = time.perf_counter() - t
            t = time.perf_counter()  # the snapshot's check, as a worker does it on PostgreSQL
            cur.execute("SELECT count(*) FROM bench_claims WHERE id <= %s", (max(ids),))
            assert cur.fetchone()[0] == len(ids)
            cur.execute("SELECT id, label_id, text FROM bench_claims WHERE id <= %s", (max(ids),))
            digest = fingerprint(cur)
            pg_check = time.perf_counter() - t
            assert digest == fingerprint(zip(ids, labels, texts, strict=True))
            cur.execute(f"SET pg_trgm.similarity_threshold = {args.trgm_limit}")
            sql = (
                "SELECT id FROM bench_claims WHERE label_id = ANY(%s) AND text %% %s "
                "ORDER BY similarity(text, %s) DESC LIMIT 5"
            )
            plat, phits = [], 0
            for cid, q in queries:
                t = time.perf_counter()
                cur.execute(sql, (readable, q, q))
                got = [r[0] for r in cur.fetchall()]
                plat.append((time.perf_counter() - t) * 1000)
                phits += cid in got
            pupd = []
            for j in range(min(args.updates, 100)):
                t = time.perf_counter()
                cur.execute(
                    "INSERT INTO bench_claims VALUES (%s, %s, %s)",
                    (args.n + 1 + j, 1, make_claim(rng)),
                )
                pupd.append((time.perf_counter() - t) * 1000)
            cur.execute("DROP TABLE bench_claims")
        rows += [
            (
                "snapshot: check against the table (PostgreSQL: count + fingerprint)",
                f"{pg_check:.2f} s",
            ),
            ("pg_trgm: load + GIN index build", f"{pg_build:.1f} s"),
            (
                f"pg_trgm: query p50 / p95 (`%` at {args.trgm_limit}, label filter incl.)",
                f"{pct(plat, 50):.1f} / {pct(plat, 95):.1f} ms",
            ),
            ("pg_trgm: insert p95 (index maintained)", f"{pct(pupd, 95):.2f} ms"),
            ("pg_trgm: recall@5", f"{phits / len(queries):.3f}"),
        ]
    except Exception as exc:  # the peer is optional: say why it did not run
        rows.append(("pg_trgm", f"not run: {exc.__class__.__name__}: {exc}"[:200]))
    return rows


if __name__ == "__main__":
    main()
