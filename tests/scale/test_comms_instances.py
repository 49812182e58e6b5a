"""Two real instances behind one PostgreSQL and one Redis: a message posted over REST to
instance 1 arrives on a WebSocket held by instance 2 — and a REL TO message for another party
never does."""

from __future__ import annotations

import asyncio
import json
import secrets

import httpx
import pytest

from tests.comms.wsclient import unwrap
from tests.scale.servers import accord, answers, free_port, make_token, running, server_env

pytestmark = [pytest.mark.scale]
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture
def scale_db():
    if not (answers("127.0.0.1", 5432) and answers("127.0.0.1", 6379)):
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379")
    import psycopg

    name = f"accord_scale_{secrets.token_hex(4)}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG}/{name}"
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _listen(url: str, origin: str, seconds: float, ready: asyncio.Event) -> list[dict]:
    import websockets

    frames: list[dict] = []
    async with websockets.connect(url, origin=origin) as ws:
        frames.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))  # hello
        ready.set()
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while (left := end - loop.time()) > 0:
            try:
                frames.extend(unwrap(json.loads(await asyncio.wait_for(ws.recv(), left))))
            except TimeoutError:
                break
    return frames


def test_post_on_one_instance_arrives_on_the_other(scale_db, tmp_path):
    env = server_env(tmp_path, ACCORD_DATABASE_URL=scale_db, ACCORD_REDIS_URL=REDIS)
    accord(env, "demo")
    tokens = {u: make_token(env, u) for u in ("james.whitfield", "ana.costa", "erik.lund")}
    p1, p2 = free_port(), free_port()
    with (
        running(env, p1, "--no-demo", "--no-worker", log=tmp_path / "one.log") as one,
        running(env, p2, "--no-demo", "--no-worker", log=tmp_path / "two.log") as two,
    ):
        api = httpx.Client(base_url=f"{one}/api/v1/processes/lake-varna", timeout=30)
        auth = {"Authorization": f"Bearer {tokens['james.whitfield']}"}
        items = api.get("/channels?limit=100", headers=auth).json()["items"]
        allies = next(c["id"] for c in items if c["name"] == "Allies coordination")

        async def scenario():
            ws2 = f"ws://127.0.0.1:{p2}/ws/p/lake-varna/?token="
            ready_a, ready_e = asyncio.Event(), asyncio.Event()
            ana = asyncio.create_task(_listen(ws2 + tokens["ana.costa"], two, 8, ready_a))
            erik = asyncio.create_task(_listen(ws2 + tokens["erik.lund"], two, 8, ready_e))
            await ready_a.wait()
            await ready_e.wait()

            def post(body: str, label: dict | None = None) -> int:
                r = api.post(
                    f"/channels/{allies}/messages",
                    json={"body": body, **({"label": label} if label else {})},
                    headers=auth,
                )
                assert r.status_code == 201, r.text
                return r.json()["message"]["id"]

            secret_id = await asyncio.to_thread(
                post, "ARD eyes only: Kestrelpass", {"level": 1, "rel_to": ["ARD"]}
            )
            shared_id = await asyncio.to_thread(post, "All allies: session at 14:00")
            return secret_id, shared_id, await ana, await erik

        secret_id, shared_id, ana_frames, erik_frames = asyncio.run(scenario())
    got_ana = [f["message"]["id"] for f in ana_frames if f["type"] == "message"]
    got_erik = [f["message"]["id"] for f in erik_frames if f["type"] == "message"]
    assert got_ana == [secret_id, shared_id]  # crossed instances through Redis
    assert got_erik == [shared_id]  # the later message arrived, the REL TO ARD one never did
    assert "Kestrelpass" not in json.dumps(erik_frames)
