"""Group commit: acts submitted at the same moment are written in one transaction by one writer
thread, each caller still getting its own answer.

Why: a transaction costs the same fixed work whatever it holds — BEGIN/COMMIT, the ledger's
log-row lock, reading and writing the log's frontier, and on SQLite one writer at a time — so
under load most of a single post's time went to that, not to the post. The writer takes every
item queued so far and writes them together; with one caller at a time every batch holds one
item, exactly as a direct write would.

Two kinds of callers:

- a request thread (Django views) checks its act first and hands over the checked item with
  `submit`, waiting for the result;
- the event loop (the API's fast path, accord.fastpath) hands over a *preparation* with
  `submit_async`: the writer runs it (the act's checks and reads) just before the batch, so the
  loop never blocks on the database and a burst of requests costs one thread hand-over per
  batch, not one per request.

If a batch fails, its items are written again one by one, so one bad act fails alone; a
preparation that raises fails its own caller only. A caller already inside a transaction
writes its item itself, inside that transaction (its transaction decides whether it commits).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

from django.db import connection, connections

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger("accord.groupcommit")

BUSY_S = 0.05  # a writer that wrote less than this ago is busy: it may gather (see `gather`)


class _Slot(Generic[T, R]):
    __slots__ = ("item", "loop", "outcome", "prepare")

    def __init__(self, item, prepare, outcome, loop) -> None:
        self.item: T | None = item
        self.prepare: Callable[[], T] | None = prepare
        self.outcome = outcome  # concurrent Future (thread caller) or asyncio Future (loop)
        self.loop: asyncio.AbstractEventLoop | None = loop


def _settle(done: list[tuple[asyncio.Future, object, BaseException | None]]) -> None:
    """On the loop: resolve the futures of one batch (one wake-up of the loop per batch)."""
    for fut, result, error in done:
        if fut.done():  # cancelled: the caller went away
            continue
        if error is not None:
            fut.set_exception(error)
        else:
            fut.set_result(result)


class GroupCommit(Generic[T, R]):
    """Write concurrent callers' items together; `write(items)` returns one result per item."""

    def __init__(
        self,
        write: Callable[[Sequence[T]], list[R]],
        max_batch: int = 200,
        name: str = "group-commit",
        gather: float = 0.0,
    ) -> None:
        self._write = write
        self._max = max_batch
        self._name = name
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()  # held by the writer while it writes a batch
        self._pending: list[_Slot[T, R]] = []
        self._thread: threading.Thread | None = None
        # seconds a busy writer waits for more items before writing (0: never); a few ms
        # under load make batches several times larger for ≈ the same latency
        self.gather = gather
        self._pid = 0
        self.batches = 0  # batches written by this process (read by tests and benchmarks)
        self.items = 0
        # what the preparations of one batch may share (read at the same moment: e.g. who an
        # API token belongs to); emptied before each batch, used on the writer thread only
        self.memo: dict = {}

    # --- callers ------------------------------------------------------------------------------
    def submit(self, item: T) -> R:
        """Write `item` (alone or with others submitted meanwhile) and return its result."""
        if connection.in_atomic_block:
            return self._write([item])[0]
        fut: Future = Future()
        self._enqueue(_Slot(item, None, fut, None))
        return fut.result()

    async def submit_async(self, prepare: Callable[[], T]) -> R:
        """From the event loop: the writer runs `prepare()` (it may read the database and raise
        for this caller alone), then writes its item with the rest of the batch."""
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._enqueue(_Slot(None, prepare, fut, loop))
        return await fut

    def _enqueue(self, slot: _Slot[T, R]) -> None:
        with self._cond:
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
                self._thread.start()
            self._pending.append(slot)
            self._cond.notify()

    # --- the writer thread --------------------------------------------------------------------
    def _serve(self) -> None:
        last = 0.0
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                if self.gather and time.monotonic() - last < BUSY_S:
                    # items are streaming in: let a few more join this batch, so the batch's
                    # fixed work (transaction, log lock, commit, events) is shared wider
                    deadline = time.monotonic() + self.gather
                    while (
                        len(self._pending) < self._max and (wait := deadline - time.monotonic()) > 0
                    ):
                        self._cond.wait(wait)
            last = time.monotonic()
            with self._write_lock:
                with self._cond:
                    batch, self._pending = self._pending[: self._max], self._pending[self._max :]
                try:
                    self._run(batch)
                except BaseException as exc:  # never leave a caller waiting
                    log.exception("group commit batch failed")
                    self._finish([(s, None, exc) for s in batch])
            if not self._pending:
                # like the end of a request: return a pooled connection, drop a broken one
                for conn in connections.all(initialized_only=True):
                    conn.close_if_unusable_or_obsolete()

    def run(
        self, preparations: Sequence[Callable[[], T]]
    ) -> list[tuple[R | None, BaseException | None]]:
        """Prepare and write one batch in the calling thread, each preparation's (result,
        error) in order: for a process that is itself the writer (accord.core.writer)."""
        slots: list[_Slot[T, R]] = [_Slot(None, p, None, None) for p in preparations]
        with self._write_lock:
            found = {id(s): (r, e) for s, r, e in self._outcomes(slots)}
        return [found[id(s)] for s in slots]  # type: ignore[misc]

    def _run(self, batch: list[_Slot[T, R]]) -> None:
        self._finish(self._outcomes(batch))

    def _outcomes(
        self, batch: list[_Slot[T, R]]
    ) -> list[tuple[_Slot, object, BaseException | None]]:
        self.memo.clear()
        done: list[tuple[_Slot, object, BaseException | None]] = []
        ready: list[_Slot[T, R]] = []
        for slot in batch:
            if slot.prepare is not None:
                try:
                    slot.item = slot.prepare()
                except BaseException as exc:
                    done.append((slot, None, exc))
                    continue
            ready.append(slot)
        if ready:
            self.batches += 1
            self.items += len(ready)
            done += self._write_all(ready)
        return done

    def _write_all(
        self, batch: list[_Slot[T, R]]
    ) -> list[tuple[_Slot, object, BaseException | None]]:
        try:
            results = self._write([s.item for s in batch])
        except BaseException as exc:
            if len(batch) == 1:
                return [(batch[0], None, exc)]
            out = []
            for slot in batch:  # one bad act must not fail the others: write each alone
                try:
                    out.append((slot, self._write([slot.item])[0], None))
                except BaseException as one:
                    out.append((slot, None, one))
            return out
        return [(s, r, None) for s, r in zip(batch, results, strict=True)]

    @staticmethod
    def _finish(done: list[tuple[_Slot, object, BaseException | None]]) -> None:
        per_loop: dict[asyncio.AbstractEventLoop, list] = {}
        for slot, result, error in done:
            if slot.outcome.done():
                continue
            if slot.loop is None:
                if error is not None:
                    slot.outcome.set_exception(error)
                else:
                    slot.outcome.set_result(result)
            else:
                per_loop.setdefault(slot.loop, []).append((slot.outcome, result, error))
        for loop, items in per_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, items)
            except RuntimeError:  # the loop closed meanwhile: nobody waits any more
                pass
