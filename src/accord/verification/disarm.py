"""The DISARM framework (DISARM Foundation, CC BY-SA 4.0) read from its STIX 2.1 bundle.

Why a parser of our own: the bundle is plain JSON (attack-pattern = technique, x-mitre-tactic =
tactic, relationship subtechnique-of), and reading it needs no STIX library. The parse is pure
(dict in, dataclasses out) so tests and the benchmark can use it without a database; `load`
writes the result into the reference tables (services.import_disarm does that for people).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from accord.core.errors import Invalid

CREDIT = "DISARM Foundation, DISARM Framework (CC BY-SA 4.0)"
TECHNIQUE_RE = re.compile(r"^T\d{4}(\.\d{3})?$")
TACTIC_RE = re.compile(r"^TA\d{2}$")
COUNTER_RE = re.compile(r"^C\d{5}$")
MAX_BYTES = 20_000_000


@dataclass(frozen=True)
class Tactic:
    external_id: str
    name: str
    shortname: str
    description: str = ""


@dataclass(frozen=True)
class Technique:
    external_id: str
    name: str
    description: str = ""
    tactics: tuple[str, ...] = ()  # tactic shortnames (kill_chain_phases[].phase_name)
    parent: str = ""  # external id of the parent technique, for sub-techniques
    url: str = ""


@dataclass(frozen=True)
class Counter:
    external_id: str
    name: str
    description: str = ""


@dataclass
class Framework:
    tactics: list[Tactic] = field(default_factory=list)
    techniques: list[Technique] = field(default_factory=list)
    counters: list[Counter] = field(default_factory=list)


def _ext_id(obj: dict, pattern: re.Pattern) -> tuple[str, str]:
    for ref in obj.get("external_references") or []:
        eid = str(ref.get("external_id") or "")
        if pattern.match(eid):
            return eid, str(ref.get("url") or "")
    return "", ""


def parse(bundle: dict) -> Framework:
    """Tactics, techniques (with their parent) and counters (course-of-action C…) of a bundle."""
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle":
        raise Invalid(
            "not a STIX 2.1 bundle (no top-level type 'bundle')", {"file": "not a bundle"}
        )
    objects = bundle.get("objects")
    if not isinstance(objects, list):
        raise Invalid("the bundle has no list of objects", {"file": "no objects"})
    fw = Framework()
    by_stix: dict[str, str] = {}
    pending: list[dict] = []
    parents: dict[str, str] = {}
    for obj in objects:
        if not isinstance(obj, dict):
            continue
        kind = obj.get("type")
        if kind == "x-mitre-tactic":
            eid, _ = _ext_id(obj, TACTIC_RE)
            if eid:
                fw.tactics.append(
                    Tactic(
                        eid,
                        str(obj.get("name") or eid),
                        str(obj.get("x_mitre_shortname") or ""),
                        str(obj.get("description") or ""),
                    )
                )
        elif kind == "attack-pattern":
            eid, _ = _ext_id(obj, TECHNIQUE_RE)
            if eid:
                by_stix[str(obj.get("id"))] = eid
                pending.append(obj)
        elif kind == "course-of-action":
            eid, _ = _ext_id(obj, COUNTER_RE)
            if eid:
                fw.counters.append(
                    Counter(eid, str(obj.get("name") or eid), str(obj.get("description") or ""))
                )
        elif kind == "relationship" and obj.get("relationship_type") == "subtechnique-of":
            parents[str(obj.get("source_ref"))] = str(obj.get("target_ref"))
    for obj in pending:
        eid, url = _ext_id(obj, TECHNIQUE_RE)
        parent = by_stix.get(parents.get(str(obj.get("id")), ""), "")
        if not parent and "." in eid:
            parent = eid.split(".")[0]
        phases = tuple(
            str(p.get("phase_name"))
            for p in obj.get("kill_chain_phases") or []
            if isinstance(p, dict) and p.get("phase_name")
        )
        fw.techniques.append(
            Technique(
                eid,
                str(obj.get("name") or eid),
                str(obj.get("description") or ""),
                phases,
                parent,
                url,
            )
        )
    if not fw.techniques:
        raise Invalid("the bundle holds no DISARM technique (T0000)", {"file": "no techniques"})
    fw.tactics.sort(key=lambda t: t.external_id)
    fw.techniques.sort(key=lambda t: t.external_id)
    fw.counters.sort(key=lambda t: t.external_id)
    return fw


def read(path: str | Path) -> Framework:
    """Parse a bundle file (clear errors for a missing, oversized or non-JSON file)."""
    p = Path(path)
    if not p.is_file():
        raise Invalid(f"no such file: {p}", {"file": "missing"})
    if p.stat().st_size > MAX_BYTES:
        raise Invalid("the bundle is larger than 20 MB", {"file": "too large"})
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalid(f"the bundle is not JSON: {exc}", {"file": "not JSON"}) from exc
    return parse(data)


def default_path() -> Path | None:
    """The bundle shipped beside the checkout (../shared/data/disarm/DISARM.json), if present."""
    import os

    env = os.environ.get("ACCORD_DISARM_BUNDLE")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    for up in here.parents:
        candidates.append(up / "shared" / "data" / "disarm" / "DISARM.json")
        candidates.append(up.parent / "shared" / "data" / "disarm" / "DISARM.json")
    for c in candidates:
        if c.is_file():
            return c
    return None
