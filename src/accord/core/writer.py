"""The writer process: a server's hottest writes (posts on the API's fast path) checked and
written by a child process of the server, so that they run on the machine's other core.

Why: one Python process runs Python on one core at a time (the GIL). With the posts' checks,
ledger entries and SQL in the same process as HTTP, WebSockets and the live fan-out, a busy
server queued behind itself (issue 4: ≈ 350 posts/s, one core saturated, the other mostly
idle). The child runs the same code — `comms.services` checks and writes each batch through
core.groupcommit, in one transaction with its ledger entries — and hands back each request's
answer and the batch's live events, which the server sends on its channel layer. Nothing here
decides anything: the child is another caller of the one door for writes.

Protocol (a socket pair; each message a 4-byte length and a pickle):
  server → child: (request id, request)
  child → server: "ready" once set up, then ([(request id, answer), ...], [events]) per batch

Live events: on a channel layer shared between processes (Redis, production) the child sends
its batches' events itself, in commit order, from an event loop of its own — so the server's
loop does not spend its time on Redis round trips for writes it did not make. On the embedded
in-process layer only the server can reach the sockets' queues: the child hands the events back
with the answers and the server sends them.

A request the child cannot answer because it stopped gets `WriterStopped`; a server whose
child is not (yet) running writes in-process (`available` is False). The child exits when the
server goes away (end of its socket).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import pickle
import select
import signal
import socket
import struct
import threading
import time
from typing import Any

log = logging.getLogger("accord.writer")

_HEADER = struct.Struct("!I")
GATHER_S = 0.001  # a busy child waits this long for more requests to join a batch
MAX_BATCH = 200
RESTART_S = 10.0  # a child that stopped is replaced no sooner than this


FAILED = ("failed",)  # the answer to a request whose batch failed unexpectedly


class WriterStopped(Exception):
    """The writer process stopped before answering; the request may or may not be written."""


def _pack(obj: Any) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


# --- the server's side ------------------------------------------------------------------------
class WriterProcess:
    """Runs `batch` (a dotted path: list of requests → list of answers) in a child process."""

    def __init__(self, batch: str) -> None:
        self.batch = batch
        self.proc = None
        self.available = False
        self._writer: asyncio.StreamWriter | None = None
        self._pending: dict[int, asyncio.Future] = {}
        self._next = 0
        self._starting = False
        self._retry_at = 0.0
        self._stopping = False
        self.relayed = 0  # layer messages the server sent for the child (in-process layer only)

    def start(self) -> None:
        """Start the child (from the server's loop); requests go to it once it is ready. After
        a child stopped, a new one is started at most every RESTART_S seconds."""
        if self._starting or self.available or time.monotonic() < self._retry_at:
            return
        self._starting = True
        asyncio.get_running_loop().create_task(self._run())

    async def submit(self, request: Any) -> Any:
        """The child's answer to `request` (raises WriterStopped if it stops first)."""
        if not self.available or self._writer is None:
            raise WriterStopped("the writer process is not running")
        self._next += 1
        fut = asyncio.get_running_loop().create_future()
        self._pending[self._next] = fut
        self._writer.write(_pack((self._next, request)))
        return await fut

    async def _run(self) -> None:
        from django.db import connections

        ours, theirs = socket.socketpair()
        name = connections["default"].settings_dict["NAME"]  # the test database, in tests
        ctx = multiprocessing.get_context("spawn")
        self.proc = ctx.Process(
            target=_child,
            args=(theirs, self.batch, os.environ.get("DJANGO_SETTINGS_MODULE"), str(name)),
            name="accord-writer",
            daemon=True,
        )
        self.proc.start()
        theirs.close()
        reader, self._writer = await asyncio.open_unix_connection(sock=ours)
        sender = None
        outbox: asyncio.Queue = asyncio.Queue()
        try:
            if await _read(reader) != "ready":
                raise WriterStopped("the writer process did not start")
            self.available = True
            log.info("writer process %s ready", self.proc.pid)
            sender = asyncio.get_running_loop().create_task(_send_events(outbox))
            while True:
                answers, evs = await _read(reader)
                self.relayed += len(evs)
                for item in evs:  # committed: sent in order by `sender`, the answers meanwhile
                    outbox.put_nowait(item)
                for rid, answer in answers:
                    fut = self._pending.pop(rid, None)
                    if fut is not None and not fut.done():
                        fut.set_result(answer)
        except (asyncio.IncompleteReadError, ConnectionError, WriterStopped, EOFError):
            if self._stopping:
                log.info("writer process stopped with the server")
            else:
                log.error("writer process stopped; posts are written in-process meanwhile")
        finally:
            if sender is not None:
                outbox.put_nowait(None)  # the events already handed over are still sent
            self.available = False
            self._starting = False
            self._retry_at = time.monotonic() + RESTART_S
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(WriterStopped("the writer process stopped"))
            self._pending.clear()
            with contextlib.suppress(Exception):
                self._writer.close()
            with contextlib.suppress(Exception):
                self.proc.join(timeout=0)

    async def stop(self) -> None:
        """At server shutdown: the child finishes its batch, sees the end of its socket and
        exits (or is terminated after 5 s)."""
        self._stopping = True
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
                await self._writer.wait_closed()
        if self.proc is not None and self.proc.is_alive():
            await asyncio.to_thread(self.proc.join, 5)
            if self.proc.is_alive():
                self.proc.terminate()


async def _send_events(outbox: asyncio.Queue) -> None:
    """The child's live events on the channel layer, in the order committed, until None."""
    from accord.core import events

    while (item := await outbox.get()) is not None:
        process_id, message = item
        try:
            await events.send_now(process_id, message)
        except Exception:  # a lost live event is recoverable (clients catch up)
            log.exception("could not send an event of the writer process")


class _EventSender:
    """In the child, on a shared channel layer: a loop thread of its own sends the batches'
    events one after the other (a group send awaits several Redis round trips, so sends
    started side by side could overtake each other)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.outbox: asyncio.Queue = asyncio.Queue()
        self.thread = threading.Thread(target=self._run, name="accord-writer-events", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.loop.run_until_complete(_send_events(self.outbox))

    def send(self, items: list[tuple[int, dict]]) -> None:
        for item in items:
            self.loop.call_soon_threadsafe(self.outbox.put_nowait, item)

    def close(self, timeout: float = 5.0) -> None:
        """The events handed over so far are sent before the child exits."""
        self.loop.call_soon_threadsafe(self.outbox.put_nowait, None)
        self.thread.join(timeout)


async def _read(reader: asyncio.StreamReader) -> Any:
    (size,) = _HEADER.unpack(await reader.readexactly(_HEADER.size))
    return pickle.loads(await reader.readexactly(size))  # noqa: S301 (our own child)


# --- the child's side -------------------------------------------------------------------------
def _recv_exact(sock: socket.socket, size: int) -> bytes:
    buf = bytearray()
    while len(buf) < size:
        chunk = sock.recv(size - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return bytes(buf)


def _recv(sock: socket.socket) -> Any:
    (size,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size))
    return pickle.loads(_recv_exact(sock, size))  # noqa: S301 (our own server)


def _ready(sock: socket.socket, timeout: float) -> bool:
    return bool(select.select([sock], [], [], timeout)[0])


def _child(sock: socket.socket, batch_path: str, settings_module: str | None, db_name: str) -> None:
    """The child: set up Django, then answer batches of requests until the server goes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module or "accord.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections
    from django.utils.module_loading import import_string

    from accord.core import events

    if db_name and settings.DATABASES["default"]["NAME"] != db_name:
        settings.DATABASES["default"]["NAME"] = db_name
        connections["default"].settings_dict["NAME"] = db_name
    from channels.layers import InMemoryChannelLayer, get_channel_layer

    batch = import_string(batch_path)
    events.capture()  # committed events are kept, then sent after each batch (below)
    layer = get_channel_layer()
    shared = layer is not None and not isinstance(layer, InMemoryChannelLayer)
    sender = _EventSender() if shared else None
    sock.sendall(_pack("ready"))
    try:
        _serve(sock, batch, sender)
    finally:
        if sender is not None:
            sender.close()


def _serve(sock: socket.socket, batch, sender: _EventSender | None) -> None:
    from django.db import connections

    from accord.core import events

    last = 0.0
    while True:
        try:
            work = [_recv(sock)]
            if time.monotonic() - last < 0.05:  # busy: let a few more requests join
                deadline = time.monotonic() + GATHER_S
                while len(work) < MAX_BATCH and _ready(sock, max(0.0, deadline - time.monotonic())):
                    work.append(_recv(sock))
            while len(work) < MAX_BATCH and _ready(sock, 0):
                work.append(_recv(sock))
        except (EOFError, ConnectionError, OSError):
            return  # the server went away
        last = time.monotonic()
        try:
            answers = batch([req for _, req in work])
        except Exception:  # not a refusal: nothing says what was written, so no retry either
            log.exception("writer batch failed")
            answers = [FAILED] * len(work)
        evs = events.drain()
        if sender is not None:  # a shared layer: sent from here, in commit order
            sender.send(evs)
            evs = []
        try:
            sock.sendall(
                _pack(([(rid, a) for (rid, _), a in zip(work, answers, strict=True)], evs))
            )
        except OSError:
            return
        for conn in connections.all(initialized_only=True):
            # the child keeps its connection (it is the writer); one that failed is replaced
            if conn.errors_occurred:
                conn.close_if_unusable_or_obsolete()
