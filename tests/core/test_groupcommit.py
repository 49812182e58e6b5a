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
