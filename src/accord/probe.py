"""`python -m accord.probe postgres redis`: exit 0 when the production services answer.

Used by `make test` to decide whether to run the PostgreSQL + Redis pass locally.
"""

from __future__ import annotations

import socket
import sys

TARGETS = {"postgres": ("127.0.0.1", 5432), "redis": ("127.0.0.1", 6379)}


def reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def main(names: list[str]) -> int:
    missing = [n for n in names if not reachable(*TARGETS[n])]
    for n in missing:
        print(f"{n} is not reachable at {TARGETS[n][0]}:{TARGETS[n][1]}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(TARGETS)))
