"""Plug-ins of the systematic leak suite, one module per app (tests/security/apps/<app>.py).

Why: each domain app teaches the suite its own routes and plants its own canaries without
editing the suite's core files, so apps built side by side never touch the same file. A module
may define:

- `PARAMS: dict[str, walker.Param]` — how to fill its path parameters (`<name>_id` → a kind);
- `QUERY: dict[str, walker.Query]` — how to probe its query parameters;
- `canaries(b)` — plant labelled objects through the app's services; `b` is the canaries
  builder: `b.process`, `b.tok()` (a distinctive token to put in every text), `b.v(username)`
  (a viewer), `b.members` (the canary members by username). Use the labels in canaries.py
  (PUB, C_ARD, R_KESNVF, S_MED, S_MILOPS…) so that every party misses something.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def modules() -> list[ModuleType]:
    out = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        out.append(importlib.import_module(f"{__name__}.{info.name}"))
    return out


def extend(params: dict, query: dict) -> None:
    """Merge every plug-in's PARAMS and QUERY into the walker's tables."""
    for mod in modules():
        params.update(getattr(mod, "PARAMS", {}))
        query.update(getattr(mod, "QUERY", {}))


def plant(builder) -> None:
    """Let every plug-in plant its canaries."""
    for mod in modules():
        fn = getattr(mod, "canaries", None)
        if fn is not None:
            fn(builder)
