"""Group commit: acts submitted at the same moment by concurrent requests are written in one
transaction, by whichever of those requests gets there first.

Why: a transaction costs the same fixed work whatever it holds — BEGIN/COMMIT, the ledger's
log-row lock, reading and writing the log's frontier, and on SQLite one writer at a time — so
under load most of a single post's time went to that, not to the post. With group commit, the
caller that takes the write lock writes every act queued so far (its own and those of callers
waiting behind it); the others find their result ready when they get the lock. No extra
thread, no timer: with one caller at a time every batch holds one act, exactly as before.

Each caller still gets its own answer: if a batch fails, its acts are written again one by
one, so one bad act fails alone. A caller already inside a transaction writes its act itself,
inside that transaction (its transaction decides whether the act commits).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db import connection

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _Slot(Generic[T, R]):
    item: T
    done: bool = False
    result: R | None = None
    error: BaseException | None = None


class GroupCommit(Generic[T, R]):
    """Write concurrent callers' items together; `write(items)` returns one result per item."""

    def __init__(self, write: Callable[[Sequence[T]], list[R]], max_batch: int = 200) -> None:
        self._write = write
        self._max = max_batch
        self._queue_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._pending: list[_Slot[T, R]] = []
        self.batches = 0  # batches written by this process (read by tests and benchmarks)
        self.items = 0

    def submit(self, item: T) -> R:
        """Write `item` (alone or with others submitted meanwhile) and return its result."""
        if connection.in_atomic_block:
            return self._write([item])[0]
        slot: _Slot[T, R] = _Slot(item)
        with self._queue_lock:
            self._pending.append(slot)
        while not slot.done:
            with self._write_lock:
                if slot.done:
                    break
                with self._queue_lock:
                    batch, self._pending = self._pending[: self._max], self._pending[self._max :]
                self._run(batch)
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]

    def _run(self, batch: list[_Slot[T, R]]) -> None:
        if not batch:
            return
        self.batches += 1
        self.items += len(batch)
        try:
            results = self._write([s.item for s in batch])
        except BaseException as exc:
            if len(batch) == 1:
                batch[0].error, batch[0].done = exc, True
                return
            for slot in batch:  # one bad act must not fail the others: write each alone
                try:
                    slot.result = self._write([slot.item])[0]
                except BaseException as one:
                    slot.error = one
                slot.done = True
            return
        for slot, result in zip(batch, results, strict=True):
            slot.result, slot.done = result, True
