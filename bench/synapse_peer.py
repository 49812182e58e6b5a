"""Matrix Synapse as the peer for the comms benchmark (issue 4), in its own venv.

Synapse is installed with `pip install matrix-synapse` into a separate virtualenv (never a
dependency of Accord), configured for SQLite with rate limits lifted, and driven through its
client-server API: one sender posts into a room, N listeners long-poll `/sync`. The same load
shape is used against Accord (REST post, WebSocket listeners) by bench/bench_comms.py.

    python bench/synapse_peer.py --listeners 10 100 --messages 400 --rate 200
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

VENV = Path(os.environ.get("SYNAPSE_VENV", "/tmp/synapse-venv"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_synapse() -> Path:
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "matrix-synapse"], check=True)
    return py


def start_synapse(workdir: Path) -> tuple[subprocess.Popen, str, str]:
    py = ensure_synapse()
    port = free_port()
    cfg = workdir / "homeserver.yaml"
    subprocess.run(
        [
            str(py),
            "-m",
            "synapse.app.homeserver",
            "--server-name",
            "localhost",
            "--config-path",
            str(cfg),
            "--data-directory",
            str(workdir),
            "--generate-config",
            "--report-stats=no",
        ],
        check=True,
        capture_output=True,
        cwd=workdir,
    )
    text = cfg.read_text().replace("port: 8008", f"port: {port}")
    secret = next(
        line.split(":", 1)[1].strip().strip('"')
        for line in text.splitlines()
        if line.startswith("registration_shared_secret")
    )
    unlimited = {"per_second": 100000, "burst_count": 100000}
    extra = {
        "rc_message": unlimited,
        "rc_registration": unlimited,
        "rc_joins": {"local": unlimited, "remote": unlimited},
        "rc_login": {"address": unlimited, "account": unlimited, "failed_attempts": unlimited},
        "rc_invites": {"per_room": unlimited, "per_user": unlimited, "per_issuer": unlimited},
        "suppress_key_server_warning": True,
        "trusted_key_servers": [],
    }
    cfg.write_text(
        text + "\n" + "\n".join(f"{k}: {json.dumps(v)}" for k, v in extra.items()) + "\n"
    )
    proc = subprocess.Popen(
        [str(py), "-m", "synapse.app.homeserver", "--config-path", str(cfg)],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if httpx.get(f"{base}/_matrix/client/versions", timeout=1).status_code == 200:
                return proc, base, secret
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError("synapse did not start")


async def register(client: httpx.AsyncClient, base: str, secret: str, user: str) -> str:
    nonce = (await client.get(f"{base}/_synapse/admin/v1/register")).json()["nonce"]
    password = "bench-password-1"
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    mac.update(b"\x00".join([nonce.encode(), user.encode(), password.encode(), b"notadmin"]))
    r = await client.post(
        f"{base}/_synapse/admin/v1/register",
        json={
            "nonce": nonce,
            "username": user,
            "password": password,
            "admin": False,
            "mac": mac.hexdigest(),
        },
    )
    r.raise_for_status()
    return r.json()["access_token"]


async def run(listeners: int, messages: int, rate: float, workdir: Path) -> dict:
    proc, base, secret = start_synapse(workdir)
    try:
        limits = httpx.Limits(
            max_connections=listeners + 50, max_keepalive_connections=listeners + 50
        )
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            sender = await register(client, base, secret, "sender")
            h = {"Authorization": f"Bearer {sender}"}
            room = (
                await client.post(
                    f"{base}/_matrix/client/v3/createRoom",
                    headers=h,
                    json={"preset": "public_chat"},
                )
            ).json()["room_id"]
            tokens = [await register(client, base, secret, f"l{i}") for i in range(listeners)]
            for t in tokens:
                (
                    await client.post(
                        f"{base}/_matrix/client/v3/join/{room}",
                        headers={"Authorization": f"Bearer {t}"},
                    )
                ).raise_for_status()
            received: dict[int, list[float]] = {}
            stop = asyncio.Event()

            async def listen(tok: str) -> None:
                hh = {"Authorization": f"Bearer {tok}"}
                r = await client.get(
                    f"{base}/_matrix/client/v3/sync", headers=hh, params={"timeout": 0}
                )
                since = r.json()["next_batch"]
                while not stop.is_set():
                    try:
                        r = await client.get(
                            f"{base}/_matrix/client/v3/sync",
                            headers=hh,
                            params={"since": since, "timeout": 5000},
                        )
                    except httpx.HTTPError:
                        continue
                    now = time.perf_counter()
                    body = r.json()
                    since = body["next_batch"]
                    for ev in (
                        body.get("rooms", {})
                        .get("join", {})
                        .get(room, {})
                        .get("timeline", {})
                        .get("events", [])
                    ):
                        seq = ev.get("content", {}).get("seq")
                        if seq is not None:
                            received.setdefault(seq, []).append(now)

            tasks = [asyncio.create_task(listen(t)) for t in tokens]
            await asyncio.sleep(1.0)
            sent: dict[int, float] = {}
            t0 = time.perf_counter()
            for i in range(messages):
                target = t0 + i / rate
                delay = target - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                sent[i] = time.perf_counter()
                r = await client.put(
                    f"{base}/_matrix/client/v3/rooms/{room}/send/m.room.message/t{i}",
                    headers=h,
                    json={"msgtype": "m.text", "body": f"message {i}", "seq": i},
                )
                r.raise_for_status()
            accepted = messages / (time.perf_counter() - t0)
            deadline = time.perf_counter() + 30
            while (
                time.perf_counter() < deadline
                and sum(len(v) for v in received.values()) < messages * listeners
            ):
                await asyncio.sleep(0.2)
            stop.set()
            for t in tasks:
                t.cancel()
            lat = sorted((r - sent[s]) * 1000 for s, rs in received.items() for r in rs)
            delivered = len(lat) / (messages * listeners)
            return {
                "listeners": listeners,
                "offered_rate": rate,
                "accepted_per_s": accepted,
                "delivered_fraction": delivered,
                "p50_ms": statistics.median(lat) if lat else None,
                "p99_ms": lat[int(len(lat) * 0.99) - 1] if lat else None,
            }
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--listeners", type=int, nargs="+", default=[10, 100])
    ap.add_argument("--messages", type=int, default=400)
    ap.add_argument("--rate", type=float, default=200)
    args = ap.parse_args()
    print("| peer | listeners | offered msg/s | accepted msg/s | delivered | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for n in args.listeners:
        work = Path(tempfile.mkdtemp(prefix="synapse-bench-"))
        try:
            r = asyncio.run(run(n, args.messages, args.rate, work))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        fmt = lambda v: "—" if v is None else f"{v:,.1f}"  # noqa: E731
        print(
            f"| Synapse | {n} | {args.rate:g} | {r['accepted_per_s']:,.0f} | {r['delivered_fraction']:.0%} | "
            f"{fmt(r['p50_ms'])} | {fmt(r['p99_ms'])} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
