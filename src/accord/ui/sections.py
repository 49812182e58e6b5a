"""The header's process sections, declared by the apps that own them.

Why a registry: each domain app adds its pages to the header from its own AppConfig.ready(),
so no app edits another's templates and the header stays one list in one place. Sections that
share a `group` become one drop-down menu ("Talks", "Operations"…), which keeps the header
readable at 1366 px as the apps grow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    """One header entry: key, name for people, URL name taking the process slug."""

    key: str
    name: str
    url_name: str
    order: int = 100
    group: str = ""  # the name of the drop-down it belongs to ("" = a top-level entry)
    # which pages belong here: (app namespace, url-name prefix) pairs; ("", "") never matches
    pages: tuple[tuple[str, str], ...] = ()
    # optional test on the resolver match for special cases
    match: Callable[[str, str], bool] | None = field(default=None, compare=False)

    def owns(self, app: str, name: str) -> bool:
        if self.match is not None and self.match(app, name):
            return True
        return any(app == a and name.startswith(p) for a, p in self.pages)


# group name → order of the group in the header
GROUPS: dict[str, int] = {}
_sections: dict[str, Section] = {}


def register(section: Section, group_order: int | None = None) -> None:
    """Declare a header section (from the owning app's ready())."""
    _sections[section.key] = section
    if section.group and section.group not in GROUPS:
        GROUPS[section.group] = section.order if group_order is None else group_order
    elif section.group and group_order is not None:
        GROUPS[section.group] = group_order


def sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def section_of(app: str, name: str) -> str:
    """The key of the section a page (resolver namespace, URL name) belongs to, or ""."""
    # the longest matching prefix wins: "analysis…" pages of negotiation go to Analysis
    best, best_len = "", -1
    for s in _sections.values():
        if s.match is not None and s.match(app, name):
            return s.key
        for a, p in s.pages:
            if app == a and name.startswith(p) and len(p) > best_len:
                best, best_len = s.key, len(p)
    return best


# --- dashboard panels ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Panel:
    """A card on the process dashboard, owned by an app: "your action items", "commitments due",
    "conflicts to acknowledge". `context(viewer)` returns the template's context, or None when
    the panel has nothing to say to this reader (then it is not shown at all). It reads through
    the app's own queries, so the panel shows only what the reader may read."""

    key: str
    title: str
    template: str
    context: Callable
    order: int = 100


_panels: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    """Declare a dashboard panel (from the owning app's ready())."""
    _panels[panel.key] = panel


def panels_for(viewer) -> list[tuple[Panel, dict]]:
    """The panels with something to show this reader, in order, with their context."""
    out = []
    for p in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        ctx = p.context(viewer)
        if ctx is not None:
            out.append((p, ctx))
    return out
