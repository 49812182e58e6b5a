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
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

NEXT_BATCH = re.compile(r'"next_batch":\s*"([^"]+)"')
SYNC_SEQ = re.compile(r'"seq":\s*(\d+)')  # the seq the poster puts in each message's content
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
        "rc_joins_per_room": unlimited,
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


class SynapsePeer:
    """Matrix Synapse (SQLite) behind the same interface as bench_comms.AccordTarget."""

    name = "Synapse (SQLite)"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    async def start(self, listeners: int) -> None:
        self.proc, self.base, secret = start_synapse(self.workdir)
        limits = httpx.Limits(
            max_connections=listeners + 64, max_keepalive_connections=listeners + 64
        )
        self.client = httpx.AsyncClient(timeout=60, limits=limits)
        sender = await register(self.client, self.base, secret, "sender")
        self.h = {"Authorization": f"Bearer {sender}"}
        r = await self.client.post(
            f"{self.base}/_matrix/client/v3/createRoom",
            headers=self.h,
            json={"preset": "public_chat"},
        )
        self.room = r.json()["room_id"]
        self.tokens = [
            await register(self.client, self.base, secret, f"l{i}") for i in range(listeners)
        ]
        for t in self.tokens:
            r = await self.client.post(
                f"{self.base}/_matrix/client/v3/join/{self.room}",
                headers={"Authorization": f"Bearer {t}"},
            )
            r.raise_for_status()

    def post_spec(self) -> dict:
        """How the poster process posts here: PUT /send with a transaction id per message,
        so that a retry on a connection Synapse dropped under load is idempotent."""
        return {
            "kind": "synapse",
            "base": self.base,
            "path": f"/_matrix/client/v3/rooms/{self.room}/send/m.room.message/{{txn}}",
            "headers": self.h,
            "ok": 200,
        }

    async def listen(self, index: int, ready: asyncio.Event, on_seq) -> None:
        """Long-poll /sync (timeout 5 s) as a Matrix client does; report each message's seq.

        Each listener keeps one keep-alive connection of the lean client (bench/loadgen.py) and
        finds the seqs in the body by pattern, as the Accord listeners do in their frames: an
        httpx client parsing every /sync answer cost ≈ 90 ms of load-generator CPU per message
        with 100 listeners, CPU taken from Synapse on the same two cores."""
        import loadgen

        hh = {"Authorization": f"Bearer {self.tokens[index]}"}
        # a timeline limit above any burst: the default (10 events per sync) would cut the
        # timeline ("limited") and leave the rest to back-pagination, which is not live delivery
        flt = json.dumps({"room": {"timeline": {"limit": 5000}}})
        client = loadgen.Client(self.base, size=1)
        path = "/_matrix/client/v3/sync?" + urlencode({"timeout": 0, "filter": flt})
        status, body = await client.request("GET", path, headers=hh)
        since = NEXT_BATCH.search(body.decode()).group(1)
        ready.set()
        try:
            while True:
                query = urlencode({"since": since, "timeout": 5000, "filter": flt})
                try:
                    status, body = await client.request(
                        "GET", "/_matrix/client/v3/sync?" + query, headers=hh
                    )
                except (ConnectionError, asyncio.IncompleteReadError):
                    continue
                now = time.perf_counter()
                text = body.decode()
                found = NEXT_BATCH.search(text)
                if status != 200 or found is None:
                    continue
                since = found.group(1)
                for m in SYNC_SEQ.finditer(text):
                    on_seq(int(m.group(1)), now)
        finally:
            await client.close()

    async def stop(self) -> None:
        await self.client.aclose()
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def main() -> None:
    """Run the peer alone (bench/bench_comms.py runs it beside Accord in the same run)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_comms import drive, print_rows

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--listeners", type=int, nargs="+", default=[10, 100])
    ap.add_argument("--messages", type=int, default=400)
    ap.add_argument("--rate", type=float, default=200)
    args = ap.parse_args()
    rows = []
    for n in args.listeners:
        work = Path(tempfile.mkdtemp(prefix="synapse-bench-"))
        try:
            rows.append(asyncio.run(drive(SynapsePeer(work), n, args.messages, args.rate)))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print_rows(rows)


if __name__ == "__main__":
    main()
