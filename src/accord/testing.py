"""pytest plugin (registered as an entry point): test-mode environment before settings load.

pytest-django imports the settings before any conftest runs, so the environment that selects
the fast password hasher, immediate background jobs and a separate data dir is set here.
"""

import os
from pathlib import Path

os.environ.setdefault("ACCORD_TESTS", "1")
os.environ.setdefault("ACCORD_DATA_DIR", str(Path.cwd() / "var" / "test"))
# parallel test workers share one Redis: each gets its own key space, or live events of one
# worker's process 1 would reach the other worker's sockets for its (different) process 1
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("ACCORD_REDIS_PREFIX", f"accord-{os.environ['PYTEST_XDIST_WORKER']}")
