"""One writer for bench/RESULTS.md: each benchmark owns one "## " section and replaces only it."""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def replace_section(heading: str, body: str, path: Path = RESULTS) -> None:
    """Replace the section that starts with ``## heading`` (up to the next ``## ``), or append it."""
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    section = f"## {heading}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(old):
        new = pattern.sub(lambda _: section + "\n", old, count=1)
    else:
        new = old.rstrip() + "\n\n" + section
    path.write_text(new.rstrip() + "\n")


def machine() -> str:
    """The machine a figure was measured on, for the table captions."""
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = 0.0
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"nproc {os.cpu_count()}, CPU '{cpu}', RAM {mem:.1f} GiB, "
        f"Python {platform.python_version()} ({platform.machine()}), load {load}"
    )
