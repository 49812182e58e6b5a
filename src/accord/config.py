"""Configuration from ACCORD_* environment variables, with a zero-config embedded default.

Why one module: settings.py, the CLI and the tests all need the same answers (where the data
dir is, whether Redis is configured), and secrets must be generated exactly once, in one place.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

TRUE = {"1", "true", "yes", "on"}


def env(name: str, default: str = "") -> str:
    """Read ACCORD_<name> (empty string when unset)."""
    return os.environ.get(f"ACCORD_{name}", default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    return default if value == "" else value.lower() in TRUE


def data_dir() -> Path:
    """The data directory (ACCORD_DATA_DIR, default ./var), created on first use."""
    path = Path(env("DATA_DIR") or "var").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_from_file(path: Path, nbytes: int = 48) -> str:
    """Return the secret stored at path, generating it (mode 0600) on first start."""
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


@dataclass(frozen=True)
class Settings:
    """The resolved configuration, documented in docs/operations.md."""

    data_dir: Path
    database_url: str
    redis_url: str
    redis_prefix: str
    secret_key: str
    debug: bool
    allowed_hosts: list[str]
    host: str
    port: int
    workers: int
    http_threads: int
    db_pool: int
    writer_process: bool
    https: bool
    email_backend: str
    tests: bool

    @property
    def embedded(self) -> bool:
        return not self.redis_url


def load() -> Settings:
    ddir = data_dir()
    secret = env("SECRET_KEY") or secret_from_file(ddir / "secret_key")
    hosts = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
    return Settings(
        data_dir=ddir,
        database_url=env("DATABASE_URL"),
        redis_url=env("REDIS_URL"),
        redis_prefix=env("REDIS_PREFIX", "accord"),
        secret_key=secret,
        debug=env_bool("DEBUG"),
        allowed_hosts=hosts,
        host=env("HOST", "127.0.0.1"),
        port=int(env("PORT", "8000")),
        workers=int(env("WORKERS", "1")),
        http_threads=int(env("HTTP_THREADS", "32")),
        db_pool=int(env("DB_POOL", "40")),
        writer_process=env_bool("WRITER_PROCESS"),
        https=env_bool("HTTPS"),
        email_backend=env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"),
        tests=env_bool("TESTS"),
    )
