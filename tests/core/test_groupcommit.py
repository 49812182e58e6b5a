"""core.groupcommit: concurrent callers are written together, each gets its own answer."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import transaction

from accord.core.groupcommit import GroupCommit


def behind_the_writer(gc: GroupCommit, threads: list[threading.Thread]) -> None:
    """Start `threads` (each submitting one item) while the write lock is held, let go once all
    have queued, and wait for them: the first to get the lock writes everything queued."""
    with gc._write_lock:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while len(gc._pending) < len(threads) and time.monotonic() < deadline:
            time.sleep(0.005)
        assert len(gc._pending) == len(threads)
    for t in threads:
        t.join(10)


def run_held(gc: GroupCommit, items: list) -> dict:
    """Each item submitted from its own thread, all queued behind the writer: item → outcome."""
    out: dict = {}

    def call(item) -> None:
        try:
            out[item] = ("ok", gc.submit(item))
        except Exception as exc:
            out[item] = ("error", exc)

    behind_the_writer(gc, [threading.Thread(target=call, args=(i,)) for i in items])
    return out


def test_concurrent_items_share_one_batch_and_keep_their_own_results():
    calls: list[list[int]] = []

    def write(items):
        calls.append(list(items))
        return [i * 10 for i in items]

    gc = GroupCommit(write)
    out = run_held(gc, [1, 2, 3, 4, 5])
    assert out == {i: ("ok", i * 10) for i in (1, 2, 3, 4, 5)}
    assert len(calls) == 1 and sorted(calls[0]) == [1, 2, 3, 4, 5]
    assert (gc.batches, gc.items) == (1, 5)


def test_a_failing_item_fails_alone():
    calls: list[list[int]] = []

    def write(items):
        calls.append(list(items))
        if 3 in items:
            raise ValueError("item 3 is refused")
        return [-i for i in items]

    gc = GroupCommit(write)
    out = run_held(gc, [1, 2, 3, 4])
    assert out[3][0] == "error" and str(out[3][1]) == "item 3 is refused"
    assert {i: out[i] for i in (1, 2, 4)} == {1: ("ok", -1), 2: ("ok", -2), 4: ("ok", -4)}
    # the batch of four failed, then each was written alone
    assert len(calls) == 5 and sorted(calls[0]) == [1, 2, 3, 4]
    assert sorted(c[0] for c in calls[1:]) == [1, 2, 3, 4]


def test_batches_are_bounded():
    sizes: list[int] = []

    def write(items):
        sizes.append(len(items))
        return list(items)

    gc = GroupCommit(write, max_batch=3)
    out = run_held(gc, list(range(7)))
    assert all(v[0] == "ok" for v in out.values()) and len(out) == 7
    assert max(sizes) <= 3 and sum(sizes) == 7


def test_one_caller_alone_is_one_batch_of_one():
    gc = GroupCommit(lambda items: [i + 1 for i in items])
    assert [gc.submit(i) for i in range(3)] == [1, 2, 3]
    assert (gc.batches, gc.items) == (3, 3)


@pytest.mark.django_db
def test_inside_a_transaction_the_caller_writes_its_own_item():
    """The caller's transaction decides: its item is not handed to another thread's."""
    seen: list[bool] = []

    def write(items):
        from django.db import connection

        seen.append(connection.in_atomic_block)
        return list(items)

    gc = GroupCommit(write)
    with transaction.atomic():
        assert gc.submit("x") == "x"
    assert seen == [True] and gc.batches == 0


async def test_loop_callers_prepare_on_the_writer_and_share_a_batch():
    """Preparations from the event loop run on the writer thread, just before their batch;
    a refused preparation fails its own caller only, and the batch's memo is shared."""
    import asyncio

    seen: list[tuple[str, str]] = []
    writes: list[list[str]] = []

    def write(items):
        writes.append(list(items))
        return [f"{i}!" for i in items]

    gc = GroupCommit(write)

    def prep(name: str, refuse: bool = False):
        def run() -> str:
            seen.append((name, threading.current_thread().name))
            gc.memo.setdefault("first", name)
            if refuse:
                raise ValueError(f"{name} refused")
            return f"{name}:{gc.memo['first']}"

        return run

    with gc._write_lock:  # hold the writer until all four are queued
        tasks = [asyncio.create_task(gc.submit_async(prep(n, refuse=n == "c"))) for n in "abcd"]
        while len(gc._pending) < 4:
            await asyncio.sleep(0.005)
    out = await asyncio.gather(*tasks, return_exceptions=True)
    assert out[0] == "a:a!" and out[1] == "b:a!" and out[3] == "d:a!"  # one memo per batch
    assert isinstance(out[2], ValueError) and str(out[2]) == "c refused"
    assert writes == [["a:a", "b:a", "d:a"]]  # one batch, without the refused one
    assert {t for _, t in seen} == {"group-commit"}  # never the loop's thread
    # the next batch starts with an empty memo
    assert await gc.submit_async(prep("e")) == "e:e!"


def test_run_writes_one_batch_in_the_calling_thread_with_results_in_order():
    calls: list[tuple[list[int], str]] = []

    def write(items):
        calls.append((list(items), threading.current_thread().name))
        if 3 in items:
            raise ValueError("3 is refused")
        return [i * 2 for i in items]

    gc = GroupCommit(write)

    def prep(i: int):
        def run() -> int:
            if i == 5:
                raise KeyError("no 5")
            return i

        return run

    out = gc.run([prep(i) for i in (1, 5, 3, 4)])
    assert out[0] == (2, None) and out[3] == (8, None)
    assert out[1][0] is None and isinstance(out[1][1], KeyError)
    assert out[2][0] is None and str(out[2][1]) == "3 is refused"
    assert {t for _, t in calls} == {threading.current_thread().name}  # no writer thread
    assert gc._thread is None


def test_a_busy_writer_gathers_items_into_one_batch(monkeypatch):
    from accord.core import groupcommit

    monkeypatch.setattr(groupcommit, "BUSY_S", 30.0)  # "busy" whatever this machine's speed
    sizes: list[int] = []

    def write(items):
        sizes.append(len(items))
        return list(items)

    gc = GroupCommit(write, gather=0.5)  # generous, so the test does not depend on timing
    assert gc.submit(0) == 0  # the writer is now busy for BUSY_S
    results: list[int] = []
    threads = [threading.Thread(target=lambda i=i: results.append(gc.submit(i))) for i in (1, 2, 3)]
    for t in threads:
        t.start()
        time.sleep(0.02)
    for t in threads:
        t.join(5)
    assert sorted(results) == [1, 2, 3]
    assert sizes == [1, 3]  # the three came within the gather window: one batch
