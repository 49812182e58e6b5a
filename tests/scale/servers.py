"""Real `accord run` subprocesses for multi-instance and browser tests (ASGI with WebSockets;
pytest-django's live server is WSGI and Channels' live server needs daphne)."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def accord_cmd() -> list[str]:
    script = Path(sys.executable).parent / "accord"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from accord.cli import main; sys.exit(main())"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def server_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    env.update(
        {
            "ACCORD_DATA_DIR": str(data_dir),
            "ACCORD_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "ACCORD_TESTS": "1",  # fast password hasher for the demo accounts
            # servers of one test share a Redis key space; tests running side by side do not
            "ACCORD_REDIS_PREFIX": "accord-"
            + hashlib.sha256(str(data_dir).encode()).hexdigest()[:12],
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def accord(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """Run one `accord …` command to completion; returns its stdout."""
    out = subprocess.run(
        [*accord_cmd(), *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    if out.returncode != 0:
        raise RuntimeError(f"accord {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def make_token(env: dict[str, str], username: str) -> str:
    code = (
        "from accord.core import services; from django.contrib.auth import get_user_model; "
        f"u = get_user_model().objects.get(username={username!r}); "
        "import secrets; print('TOKEN', services.create_token(u, name='t-'+secrets.token_hex(4))[1])"
    )
    out = accord(env, "manage", "shell", "-c", code)
    return next(line.split()[1] for line in out.splitlines() if line.startswith("TOKEN "))


@contextmanager
def running(env: dict[str, str], port: int, *extra: str, log: Path | None = None) -> Iterator[str]:
    """`accord run` on a port until the block ends; yields the base URL."""
    log_fh = open(log or os.devnull, "w")
    proc = subprocess.Popen(
        [*accord_cmd(), "run", "--port", str(port), *extra],
        env=env,
        stdout=log_fh,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"accord run exited with {proc.returncode} (log: {log})")
            try:
                if httpx.get(f"{base}/login/", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"accord run did not answer on {port} (log: {log})")
            time.sleep(0.3)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log_fh.close()
