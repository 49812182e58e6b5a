"""Confidentiality labels (after STANAG 4774): the value object, its display and combination.

Kept free of the ORM so that the rule for derived data (highest level, intersection of REL TO,
union of caveats) lives in exactly one place and can be used by analysis, exports and tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

DEFAULT_LEVELS: tuple[str, ...] = ("UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET")
DEFAULT_COLOURS: tuple[str, ...] = ("#007a33", "#1f4e9c", "#0033a0", "#c8102e")
POLICY_ID = "accord:label:v1"


@dataclass(frozen=True)
class LabelValue:
    """A label: classification level (index into the process's level names), REL TO, caveats.

    `rel_to` None means releasable to every party of the process (no REL TO restriction); an
    empty set means releasable to no party (only arises when combining disjoint REL TO lines).
    """

    level: int = 0
    rel_to: frozenset[str] | None = None
    caveats: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.level < 0:
            raise ValueError("label level must be ≥ 0")

    @classmethod
    def of(
        cls, level: int = 0, rel_to: Iterable[str] | None = None, caveats: Iterable[str] = ()
    ) -> LabelValue:
        return cls(
            level=level,
            rel_to=None if rel_to is None else frozenset(c.upper() for c in rel_to),
            caveats=frozenset(c.upper() for c in caveats),
        )

    @property
    def key(self) -> str:
        """Canonical text key, unique per distinct label (used to deduplicate stored labels)."""
        rel = "*" if self.rel_to is None else ",".join(sorted(self.rel_to))
        return f"{self.level}|{rel}|{','.join(sorted(self.caveats))}"

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "rel_to": None if self.rel_to is None else sorted(self.rel_to),
            "caveats": sorted(self.caveats),
        }

    @classmethod
    def from_dict(cls, data: dict) -> LabelValue:
        return cls.of(data.get("level", 0), data.get("rel_to"), data.get("caveats", ()))

    def display(self, level_names: Sequence[str] = DEFAULT_LEVELS) -> str:
        """`CONFIDENTIAL // REL TO ARD, NOR // MEDIATION` (display convention of REFERENCE.md)."""
        name = level_names[self.level] if self.level < len(level_names) else f"LEVEL {self.level}"
        parts = [name]
        if self.rel_to is not None:
            parts.append("REL TO " + (", ".join(sorted(self.rel_to)) or "NONE"))
        if self.caveats:
            parts.append(" / ".join(sorted(self.caveats)))
        return " // ".join(parts)

    def describe(self, level_names: Sequence[str] = DEFAULT_LEVELS) -> dict:
        """The label as clients receive it (API bodies and socket events alike)."""
        return {
            "level": self.level,
            "level_name": level_names[self.level]
            if self.level < len(level_names)
            else str(self.level),
            "rel_to": None if self.rel_to is None else sorted(self.rel_to),
            "caveats": sorted(self.caveats),
            "display": self.display(level_names),
        }

    def dominates(self, other: LabelValue) -> bool:
        """True if this label is at least as strict as `other` (every reader of self reads other)."""
        rel_ok = other.rel_to is None or (self.rel_to is not None and self.rel_to <= other.rel_to)
        return self.level >= other.level and rel_ok and self.caveats >= other.caveats


PUBLIC = LabelValue()


def combine(labels: Iterable[LabelValue]) -> LabelValue:
    """Label of data derived from `labels`: highest level, ∩ REL TO, ∪ caveats.

    Disjoint REL TO lines give an empty release set: no party may read the result until
    someone with authority releases it, which is the safe answer.
    """
    level = 0
    rel: frozenset[str] | None = None
    caveats: set[str] = set()
    for lab in labels:
        level = max(level, lab.level)
        if lab.rel_to is not None:
            rel = lab.rel_to if rel is None else rel & lab.rel_to
        caveats |= lab.caveats
    return LabelValue(level=level, rel_to=rel, caveats=frozenset(caveats))
