"""A message accepted with 201 is never lost, even when the server is killed (SIGKILL) while
other posts are still in flight: after a restart every accepted message is there, as accepted.
Runs against the embedded store (SQLite WAL) and the production one (PostgreSQL + Redis)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time

import httpx
import pytest

from tests.scale.servers import accord_cmd, answers, free_port, make_token, server_env
from tests.scale.test_comms_instances import scale_db  # noqa: F401  (fixture)

POSTS = 80
KILL_AFTER = 30  # responses received before the kill; the rest are in flight


def _start(env: dict[str, str], port: int, log) -> subprocess.Popen:
    proc = subprocess.Popen(
        [*accord_cmd(), "run", "--no-worker", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"accord run exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("accord run did not answer")
        time.sleep(0.3)


def _kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


async def _post_until_killed(base: str, token: str, channel: int, proc) -> dict[int, str]:
    """Post POSTS messages 8 at a time; SIGKILL the server once KILL_AFTER were accepted."""
    accepted: dict[int, str] = {}
    url = f"{base}/api/v1/processes/lake-varna/channels/{channel}/messages"
    queue = iter(range(POSTS))
    killed = asyncio.Event()

    async def sender(client: httpx.AsyncClient) -> None:
        for i in queue:
            if killed.is_set():
                return
            body = f"durable {i} {os.urandom(4).hex()}"
            try:
                r = await client.post(url, json={"body": body})
            except httpx.HTTPError:
                return  # the server is gone: this post was never acknowledged
            if r.status_code == 201:
                accepted[r.json()["message"]["id"]] = body
                if len(accepted) >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    _kill(proc)

    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=10) as client:
        await asyncio.gather(*(sender(client) for _ in range(8)))
    assert killed.is_set(), "the server was never killed"
    return accepted


@pytest.mark.parametrize("store", ["embedded", pytest.param("postgres", marks=pytest.mark.scale)])
def test_accepted_messages_survive_a_kill(store, tmp_path, request):
    extra = {}
    if store == "postgres":
        if not (answers("127.0.0.1", 5432) and answers("127.0.0.1", 6379)):
            pytest.skip("needs PostgreSQL and Redis")
        extra = {
            "ACCORD_DATABASE_URL": request.getfixturevalue("scale_db"),
            "ACCORD_REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    env = server_env(tmp_path / "data", **extra)
    port = free_port()
    with open(tmp_path / "server.log", "w") as log:
        proc = _start(env, port, log)
        try:
            token = make_token(env, "ana.costa")
            base = f"http://127.0.0.1:{port}"
            h = {"Authorization": f"Bearer {token}"}
            chans = httpx.get(f"{base}/api/v1/processes/lake-varna/channels", headers=h).json()
            allies = next(c["id"] for c in chans["items"] if c["name"] == "Allies coordination")
            accepted = asyncio.run(_post_until_killed(base, token, allies, proc))
        finally:
            if proc.poll() is None:
                _kill(proc)
        assert len(accepted) >= KILL_AFTER
        proc = _start(env, port, log)  # restart on the same store
        try:
            r = httpx.get(
                f"{base}/api/v1/processes/lake-varna/channels/{allies}/messages",
                params={"limit": 500},
                headers=h,
            )
            stored = {m["id"]: m["body"] for m in r.json()["items"]}
        finally:
            _kill(proc)
    missing = {i: b for i, b in accepted.items() if stored.get(i) != b}
    assert not missing, f"accepted but lost after the kill: {missing}"
