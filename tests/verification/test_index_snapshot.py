"""Snapshots of the similar-claim index: written after a build, read by a fresh worker only
while they hold exactly the claims of the table, ignored when damaged; the label filter holds
after a load; the warm-up (server start, `accord verification warm-index`)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
import zipfile

import numpy as np
import pytest

from accord.core import access
from accord.core.labels import LabelValue
from accord.verification import queries, services
from accord.verification.models import Claim
from accord.verification.similar import ClaimIndex, SnapshotError

TEXTS = [
    "Drone footage shows the northern dam breached overnight, villages flooded downstream",
    "Kestrian troops shelled the grain depot at dawn and killed 12 farmers",
    "Aid convoy looted at the border crossing by unknown gunmen, witnesses say",
    "The water plant at Tarn airfield was poisoned, residents report sickness",
    "Rebel units mined the river ford before the talks, a leaked memo says",
    "Refugees evacuated from Novo Selo school after the power station burned",
]
QUERIES = [
    "northern dam breached overnight, drone footage of flooded villages",
    "grain depot shelled at dawn, twelve farmers killed by Kestrian troops",
    "unknown gunmen looted an aid convoy at the border crossing",
    "Tarn airfield water plant poisoned",
]
SECRET = "Belmark only: the river ford was mined by the ministry's own sappers before the talks"


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path  # snapshots of this test only
    return tmp_path


@pytest.fixture
def claims(demo, viewer, data_dir) -> list[Claim]:
    sophie = viewer("sophie.martin")
    return [services.create_claim(sophie, text=t) for t in TEXTS]


def _answers(v) -> list[list[tuple[int, float]]]:
    return [[(s.claim.pk, s.score) for s in queries.similar(v, q, k=5)] for q in QUERIES]


def _saved(process_id: int) -> ClaimIndex:
    """The index built and its snapshot written (the save runs off the request)."""
    ix = queries.index_for(process_id)
    queries.wait_snapshots()
    assert queries.snapshot_path(process_id).is_file()
    assert ix.saved_n == len(ix)
    return ix


def test_snapshot_after_build_is_loaded_and_answers_like_a_fresh_build(demo, viewer, claims):
    sophie = viewer("sophie.martin")
    built = _saved(demo.pk)
    assert built.origin == "build"
    from_build = _answers(sophie)
    assert from_build[0][0][0] == claims[0].pk  # the queries do find their claims

    queries.reset_indexes()  # a fresh worker: nothing in memory, the file on disk
    assert _answers(sophie) == from_build
    loaded = queries.index_for(demo.pk)
    assert loaded.origin == "snapshot" and loaded is not built
    assert len(loaded) == Claim.objects.filter(process=demo).count()
    assert np.array_equal(loaded.base_ids, built.base_ids)
    assert np.array_equal(loaded.base_labels, built.base_labels)


def test_claim_created_after_the_snapshot_is_found(demo, viewer, claims):
    sophie = viewer("sophie.martin")
    _saved(demo.pk)
    queries.reset_indexes()
    late = services.create_claim(
        sophie, text="Paramilitaries raided Dorsk village after midnight, photos prove it"
    )
    hits = queries.similar(sophie, "Dorsk village raided by paramilitaries after midnight")
    assert hits[0].claim.pk == late.pk
    ix = queries.index_for(demo.pk)
    assert ix.origin == "snapshot" and ix.max_id == late.pk


def test_snapshot_missing_a_deleted_claim_is_discarded_and_rebuilt(demo, viewer, claims):
    sophie = viewer("sophie.martin")
    _saved(demo.pk)
    queries.reset_indexes()
    gone = claims[1]
    Claim.objects.filter(pk=gone.pk).delete()  # e.g. a restore from an older backup
    ix = queries.index_for(demo.pk)
    assert ix.origin == "build"
    assert gone.pk not in ix.base_ids.tolist() + ix.delta_ids
    assert all(s.claim.pk != gone.pk for s in queries.similar(sophie, QUERIES[1]))
    queries.wait_snapshots()  # the stale file was replaced by one of the rebuilt index
    fresh = ClaimIndex()
    assert fresh.load(queries.snapshot_path(demo.pk))
    assert len(fresh) == len(ix) == Claim.objects.filter(process=demo).count()


def test_snapshot_of_other_texts_under_the_same_ids_is_discarded(demo, viewer, claims):
    """Same ids, same count, another text (a restore, or an id reused after a rollback):
    the fingerprint of the rows tells."""
    sophie = viewer("sophie.martin")
    _saved(demo.pk)
    queries.reset_indexes()
    Claim.objects.filter(pk=claims[0].pk).update(text="Ferry landing closed for repairs")
    assert queries.index_for(demo.pk).origin == "build"
    hits = queries.similar(sophie, "ferry landing closed for repairs")
    assert hits[0].claim.pk == claims[0].pk
    assert all(s.claim.pk != claims[0].pk for s in queries.similar(sophie, QUERIES[0]))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_corrupt_snapshot_is_ignored_with_a_warning(demo, viewer, claims, caplog, damage):
    sophie = viewer("sophie.martin")
    _saved(demo.pk)
    from_build = _answers(sophie)
    queries.reset_indexes()
    path = queries.snapshot_path(demo.pk)
    body = path.read_bytes()
    path.write_bytes(
        {"garbage": b"not a snapshot" * 100, "truncated": body[: len(body) // 2], "empty": b""}[
            damage
        ]
    )
    with caplog.at_level(logging.WARNING, logger="accord.verification"):
        assert _answers(sophie) == from_build
    assert queries.index_for(demo.pk).origin == "build"
    assert any("snapshot" in r.getMessage() and "ignored" in r.getMessage() for r in caplog.records)


def test_label_filter_holds_after_loading_a_snapshot(demo, viewer, claims):
    sophie, ana = viewer("sophie.martin"), viewer("ana.costa")
    secret = services.create_claim(sophie, text=SECRET, label=LabelValue.of(1, ["BEL"]))
    _saved(demo.pk)
    queries.reset_indexes()
    ix = queries.index_for(demo.pk)
    assert ix.origin == "snapshot"
    # in the loaded index, ranked for Sophie (Belmark) and never for Ana (Ardania)
    assert ix.query(SECRET, access.readable_label_ids(sophie), k=1)[0].claim_id == secret.pk
    ana_ids = [m.claim_id for m in ix.query(SECRET, access.readable_label_ids(ana), k=50)]
    assert secret.pk not in ana_ids
    assert all(s.claim.pk != secret.pk for s in queries.similar(ana, SECRET, k=50))
    assert queries.similar(sophie, SECRET)[0].claim.pk == secret.pk


def test_round_trip_keeps_delta_rows_and_labels(tmp_path):
    ix = ClaimIndex(background=False)
    ix.bulk([1, 2, 3], [10, 20, 10], TEXTS[:3])
    ix.add(4, 20, TEXTS[3])  # still in the delta when saved
    ix.add(5, 10, TEXTS[4])
    path = tmp_path / "ix.npz"
    ix.save(path)
    got = ClaimIndex()
    assert got.load(path) and got.delta_ids == [4, 5] and got.max_id == 5
    assert got.digest == ix.digest and len(got) == 5
    for q in QUERIES + TEXTS:
        for labels in ([10], [20], [10, 20], []):
            assert got.query(q, labels, min_score=0.0) == ix.query(q, labels, min_score=0.0)
    assert all(m.claim_id != 4 for m in got.query(TEXTS[3], [10], min_score=0.0))
    got.merge()  # the loaded delta merges like any other
    assert got.delta_ids == [] and got.query(TEXTS[3], [20], k=1)[0].claim_id == 4
    assert not ClaimIndex().load(path, lambda meta: meta["n"] == 4)  # the owner says no


def test_snapshot_of_another_format_is_refused(tmp_path):
    ix = ClaimIndex()
    ix.bulk([1, 2], [10, 10], TEXTS[:2])
    path = tmp_path / "ix.npz"
    ix.save(path)
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays["meta"][()]))
    np.savez(path, **{**arrays, "meta": np.array(json.dumps({**meta, "format": 99}))})
    with pytest.raises(SnapshotError, match="format"):
        ClaimIndex().load(path)
    np.savez(path, **{**arrays, "indices": arrays["indices"] + 7})  # rows that do not exist
    with pytest.raises(SnapshotError, match="corrupt"):
        ClaimIndex().load(path)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("meta.npy", b"\x93NUMPY nonsense")
    with pytest.raises(SnapshotError):
        ClaimIndex().load(path)


def test_warm_indexes_loads_every_process_with_claims(demo, claims):
    warmed = queries.warm_indexes(persist=True)
    assert [(w.process_id, w.origin, w.saved) for w in warmed] == [(demo.pk, "build", True)]
    assert warmed[0].claims == Claim.objects.filter(process=demo).count()
    queries.reset_indexes()
    assert [w.origin for w in queries.warm_indexes()] == ["snapshot"]
    assert [w.origin for w in queries.warm_indexes()] == ["memory"]


def test_cli_warm_index(demo, claims, capsys):
    from accord.cli import main

    assert main(["verification", "warm-index"]) == 0
    out = capsys.readouterr().out
    n = Claim.objects.filter(process=demo).count()
    assert f"{demo.pk:>8}  {n:>9,}" in out and "build" in out
    assert str(queries.snapshot_path(demo.pk)) in out
    queries.reset_indexes()
    assert main(["verification", "warm-index"]) == 0
    assert "snapshot" in capsys.readouterr().out.splitlines()[1]
    queries.reset_indexes()
    assert main(["verification", "warm-index", "--rebuild"]) == 0
    assert "build" in capsys.readouterr().out.splitlines()[1]


def test_server_start_does_not_wait_for_the_warm_up(monkeypatch, caplog):
    """The lifespan answers startup at once; the warm-up's failure is logged, not raised."""
    from accord import asgi

    release, started = threading.Event(), threading.Event()

    def slow_then_fail(**kwargs):
        started.set()
        release.wait(10)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(queries, "warm_indexes", slow_then_fail)
    threads: list[threading.Thread] = []
    real_start = asgi.start_warm_up
    monkeypatch.setattr(asgi, "start_warm_up", lambda: threads.append(real_start()) or threads[-1])
    sent: list[str] = []

    async def run() -> None:
        inbox: asyncio.Queue = asyncio.Queue()
        await inbox.put({"type": "lifespan.startup"})

        async def send(message):
            sent.append(message["type"])
            if message["type"] == "lifespan.startup.complete":
                assert started.wait(5) and not release.is_set()  # warming, not waited for
                await inbox.put({"type": "lifespan.shutdown"})

        await asgi.lifespan(inbox.get, send)

    asyncio.run(run())
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    with caplog.at_level(logging.ERROR, logger="accord.verification"):
        release.set()
        threads[0].join(10)
    assert not threads[0].is_alive()
    assert any("warm-up failed" in r.getMessage() for r in caplog.records)


def test_warm_up_sweeps_only_old_partial_saves(demo, claims, data_dir):
    folder = data_dir / "similar"
    folder.mkdir()
    old, fresh = folder / f".{demo.pk}.npz.1.2.tmp", folder / f".{demo.pk}.npz.3.4.tmp"
    old.write_bytes(b"cut short")
    fresh.write_bytes(b"being written")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    queries.warm_indexes()
    assert not old.exists() and fresh.exists()
