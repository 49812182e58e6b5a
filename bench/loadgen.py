"""A lean HTTP/1.1 load generator for the comms benchmark: keep-alive connections on asyncio
streams, requests written as bytes, responses read by Content-Length.

Why not httpx: on this 2-core machine the load generator shares the cores with the server.
httpx spends ≈ 1 ms of CPU per request (measured: bench_comms.py, 600 posts), so at 500
posts/s it would take half a core from the server it measures. This client spends tens of
microseconds per request, and is used the same way against Accord and against Synapse.
"""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlsplit


class HTTPError(Exception):
    """A response the caller did not expect, with its status and body."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}: {body[:300]!r}")
        self.status, self.body = status, body


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer


class Client:
    """A pool of keep-alive connections to one server; `request` borrows one per call."""

    def __init__(self, base: str, size: int = 32) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.hostline = f"{self.host}:{self.port}"
        self._idle: list[_Conn] = []
        self._sem = asyncio.Semaphore(size)

    async def _conn(self) -> _Conn:
        if self._idle:
            return self._idle.pop()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return _Conn(reader, writer)

    async def request(
        self, method: str, path: str, body: object = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        """Send one request and return (status, body). A connection the server closed is
        retried once on a new one (nothing was accepted on the dead connection)."""
        data = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.hostline}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body is not None:
            head.append("Content-Type: application/json")
        head.append(f"Content-Length: {len(data)}")
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + data
        async with self._sem:
            for attempt in (0, 1):
                conn = await self._conn()
                try:
                    conn.writer.write(raw)
                    status, payload, keep = await self._read(conn.reader)
                except (ConnectionError, asyncio.IncompleteReadError):
                    # the server closed idle keep-alive connections (uvicorn: after 5 s):
                    # drop every idle one and send again on a new connection
                    conn.writer.close()
                    for idle in self._idle:
                        idle.writer.close()
                    self._idle.clear()
                    if attempt:
                        raise
                    continue
                if keep:
                    self._idle.append(conn)
                else:
                    conn.writer.close()
                return status, payload
        raise AssertionError("unreachable")

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, keep, chunked = 0, True, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                keep = False
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if not chunked:
            return status, await reader.readexactly(length), keep
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return status, b"".join(parts), keep
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)

    async def close(self) -> None:
        for conn in self._idle:
            conn.writer.close()
        self._idle.clear()


# --- the posting side of the comms benchmark, in a process of its own ---------------------------
# The listeners (100–500 WebSocket or /sync clients) keep one event loop busy; posting from that
# same loop delayed every post behind the listeners' frames, for Accord and Synapse alike. The
# posts therefore run in a process of their own (spawned by `Poster`), on the same machine.


def request_for(spec: dict, seq: int, text: str) -> tuple[str, str, dict]:
    """(method, path, JSON body) of post number `seq` for a target described by `spec`."""
    if spec["kind"] == "synapse":  # PUT with a transaction id (a retry is idempotent)
        path = spec["path"].format(txn=f"t{seq}")
        return "PUT", path, {"msgtype": "m.text", "body": text, "seq": seq}
    return "POST", spec["path"], {"body": text}


async def _one(client: Client, spec: dict, seq: int, text: str) -> None:
    method, path, body = request_for(spec, seq, text)
    status, answer = await client.request(method, path, body, spec["headers"])
    if status != spec["ok"]:
        raise HTTPError(status, answer)


async def closed_loop(spec: dict, seqs: list[int], concurrency: int, text) -> dict:
    """Post `seqs` with `concurrency` senders, each sending its next post when answered."""
    client = Client(spec["base"], size=concurrency + 8)
    sent: dict[int, float] = {}
    it = iter(seqs)

    async def sender() -> None:
        for seq in it:
            sent[seq] = time.perf_counter()
            await _one(client, spec, seq, text(seq))

    t0 = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    await client.close()
    return {"sent": sent, "elapsed": elapsed}


async def open_loop(spec: dict, seqs: list[int], rate: float, text) -> dict:
    """Offer `seqs` at `rate` posts/s whatever the answers; each post's answer time (ms)."""
    client = Client(spec["base"], size=256)
    sent: dict[int, float] = {}
    answers: list[float] = []

    async def timed(seq: int) -> None:
        await _one(client, spec, seq, text(seq))
        answers.append((time.perf_counter() - sent[seq]) * 1000)

    tasks = []
    t0 = time.perf_counter()
    for i, seq in enumerate(seqs):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sent[seq] = time.perf_counter()
        tasks.append(asyncio.create_task(timed(seq)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t0
    await client.close()
    return {"sent": sent, "elapsed": elapsed, "answers": answers}


def _poster_main(conn, filler: str) -> None:
    """The poster process: run each phase it is sent, send back its result."""
    import contextlib

    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()

    def text(seq: int) -> str:
        return f"#{seq} {filler}"

    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        kind, spec, seqs, arg = job
        t_cpu = time.process_time()
        try:
            if kind == "closed":
                out = asyncio.run(closed_loop(spec, seqs, arg, text))
            else:
                out = asyncio.run(open_loop(spec, seqs, arg, text))
            out["cpu"] = time.process_time() - t_cpu
            conn.send(("ok", out))
        except Exception as exc:
            conn.send(("error", repr(exc)))


class Poster:
    """A process that posts for the benchmark (see above); one per benchmark run."""

    def __init__(self, filler: str) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.conn, theirs = ctx.Pipe()
        self.proc = ctx.Process(target=_poster_main, args=(theirs, filler), daemon=True)
        self.proc.start()

    async def run(self, kind: str, spec: dict, seqs: list[int], arg) -> dict:
        """Run one phase ("closed" with a concurrency, "open" with a rate); its result."""
        self.conn.send((kind, spec, seqs, arg))
        status, out = await asyncio.to_thread(self.conn.recv)
        if status != "ok":
            raise RuntimeError(f"poster: {out}")
        return out

    def close(self) -> None:
        self.conn.close()
        self.proc.join(timeout=10)
        if self.proc.is_alive():
            self.proc.terminate()
