"""Loader for Genius / ANAC negotiation domains (XML).

A domain file (``negotiation_template`` → ``utility_space`` → ``objective`` → ``issue`` →
``item value=…``) and one profile per party. Linear additive profiles give each item an
``evaluation`` and each issue a ``weight``. **Normalisation follows Genius**: an item's value is
its evaluation divided by the largest evaluation in its issue (NegMAS's loader does not divide).
Profiles of type ``nonlinear`` (e.g. ANAC ``10issues``) are sums of ``hyperRectangle`` bonuses
divided by ``maxutility``, as Genius computes them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import AnalysisError
from .problem import Issue, Party, Problem, Rectangle

__all__ = ["is_genius_dir", "load_genius", "load_genius_dir"]

_SKIP = {"pareto.xml"}


def _parse(path: Path) -> ET.Element:
    try:
        return ET.parse(path).getroot()  # noqa: S314
    except ET.ParseError as err:
        raise AnalysisError(f"malformed XML: {err}", str(path)) from None
    except OSError as err:
        raise AnalysisError(f"cannot read: {err.strerror}", str(path)) from None


def _objective(root: ET.Element, path: Path) -> ET.Element:
    obj = root.find(".//objective")
    if obj is None:
        raise AnalysisError("no <objective> element", str(path))
    return obj


def _issues_of(obj: ET.Element, path: Path) -> list[tuple[ET.Element, Issue]]:
    out = []
    for el in obj.iter("issue"):
        name = el.get("name")
        if not name:
            raise AnalysisError("an <issue> has no name", str(path))
        kind = (el.get("etype") or el.get("type") or "discrete").lower()
        if kind == "integer":
            try:
                lo, hi = int(el.get("lowerbound", "")), int(el.get("upperbound", ""))
            except ValueError:
                raise AnalysisError(f"integer issue {name!r} needs bounds", str(path)) from None
            options: tuple = tuple(range(lo, hi + 1))
        elif kind == "discrete":
            options = tuple(it.get("value", "") for it in el.findall("item"))
        else:
            raise AnalysisError(f"issue {name!r}: unsupported issue type {kind!r}", str(path))
        if not options:
            raise AnalysisError(f"empty outcome space: issue {name!r} has no options", str(path))
        out.append((el, Issue(name, options)))
    return out


def _float(el: ET.Element, attr: str, path: Path, what: str) -> float:
    try:
        return float(el.get(attr, ""))
    except ValueError:
        raise AnalysisError(f"{what}: {attr}={el.get(attr)!r} is not a number", str(path)) from None


def _linear_profile(obj: ET.Element, issues: Sequence[Issue], path: Path, name: str) -> Party:
    by_name = {iss.name: j for j, iss in enumerate(issues)}
    weights = np.zeros(len(issues))
    values: list[np.ndarray | None] = [None] * len(issues)
    index_to_issue: dict[str, int] = {}
    for el in obj.iter("issue"):
        iname = el.get("name", "")
        if iname not in by_name:
            raise AnalysisError(f"unknown issue {iname!r} (not in the domain)", str(path))
        j = by_name[iname]
        index_to_issue[el.get("index", "")] = j
        evals = np.zeros(len(issues[j].options))
        seen = np.zeros(len(issues[j].options), dtype=bool)
        for it in el.findall("item"):  # direct children only (skips similarity functions)
            try:
                o = issues[j].index_of(it.get("value", ""))
            except AnalysisError as err:
                raise AnalysisError(err.fault, str(path)) from None
            evals[o] = _float(it, "evaluation", path, f"issue {iname!r}")
            seen[o] = True
        if not seen.all():
            missing = issues[j].options[int(np.flatnonzero(~seen)[0])]
            raise AnalysisError(f"issue {iname!r}: option {missing!r} has no evaluation", str(path))
        if np.any(evals < 0) or not np.all(np.isfinite(evals)):
            raise AnalysisError(f"issue {iname!r}: negative or non-finite evaluation", str(path))
        top = evals.max()
        values[j] = evals / top if top > 0 else evals  # Genius: divide by the issue's maximum
    for w in obj.iter("weight"):
        j = index_to_issue.get(w.get("index", ""))
        if j is None:
            raise AnalysisError(f"weight for unknown issue index {w.get('index')!r}", str(path))
        weights[j] = _float(w, "value", path, "weight")
    missing = [issues[j].name for j, v in enumerate(values) if v is None]
    if missing:
        raise AnalysisError(f"no evaluations for issue(s) {missing}", str(path))
    return Party(name, weights=weights, values=list(values))  # type: ignore[arg-type]


def _nonlinear_profile(root: ET.Element, issues: Sequence[Issue], path: Path, name: str) -> Party:
    obj = _objective(root, path)
    by_index: dict[str, int] = {}
    by_name = {iss.name: j for j, iss in enumerate(issues)}
    for el in obj.iter("issue"):
        if el.get("name") not in by_name:
            raise AnalysisError(f"unknown issue {el.get('name')!r} (not in the domain)", str(path))
        by_index[el.get("index", "")] = by_name[el.get("name", "")]
    util = root.find(".//utility")
    if util is None:
        raise AnalysisError("non-linear profile without <utility>", str(path))
    scale = _float(util, "maxutility", path, "utility")
    rects: list[Rectangle] = []
    for uf in util.iter("ufun"):
        if (uf.get("aggregation") or "sum") != "sum":
            raise AnalysisError(
                f"unsupported ufun aggregation {uf.get('aggregation')!r}", str(path)
            )
        weight = float(uf.get("weight", "1"))
        for hr in uf.findall("hyperRectangle"):
            masks: dict[int, np.ndarray] = {}
            for inc in hr:
                tag = inc.tag.upper()
                if tag not in {"INCLUDES", "EXCLUDES"}:
                    continue
                j = by_index.get(inc.get("index", ""))
                if j is None:
                    raise AnalysisError(
                        f"hyperRectangle on unknown issue index {inc.get('index')!r}", str(path)
                    )
                vals = np.array([float(v) for v in issues[j].options])
                lo = _float(inc, "min", path, "hyperRectangle")
                hi = _float(inc, "max", path, "hyperRectangle")
                inside = (vals >= lo) & (vals <= hi)
                mask = inside if tag == "INCLUDES" else ~inside
                masks[j] = masks[j] & mask if j in masks else mask
            rects.append(Rectangle(weight * _float(hr, "utility", path, "hyperRectangle"), masks))
    return Party(name, rectangles=tuple(rects), scale=scale)


def _profile(path: Path, issues: Sequence[Issue]) -> Party:
    root = _parse(path)
    space = root if root.tag == "utility_space" else root.find(".//utility_space")
    if space is None:
        raise AnalysisError("not a Genius profile (no <utility_space>)", str(path))
    name = path.stem
    if (space.get("type") or "").lower() == "nonlinear" or space.find(
        ".//hyperRectangle"
    ) is not None:
        party = _nonlinear_profile(space, issues, path, name)
    else:
        party = _linear_profile(_objective(space, path), issues, path, name)
    res = space.find(".//reservation")
    if res is not None:
        party.reservation = _float(res, "value", path, "reservation")
    disc = space.find(".//discount_factor")
    if disc is not None:
        party.discount_factor = _float(disc, "value", path, "discount_factor")
    return party


def load_genius(
    domain: str | Path, profiles: Sequence[str | Path], name: str | None = None
) -> Problem:
    """Load a Genius domain file and one profile file per party (party = profile file stem)."""
    dpath = Path(domain)
    root = _parse(dpath)
    issues_el = _issues_of(_objective(root, dpath), dpath)
    if not issues_el:
        raise AnalysisError("empty outcome space: the domain has no issues", str(dpath))
    issues = [iss for _, iss in issues_el]
    parties = [_profile(Path(p), issues) for p in profiles]
    return Problem(tuple(issues), tuple(parties), name=name or dpath.stem, source=str(dpath.parent))


def _classify(path: Path) -> str:
    root = _parse(path)
    if root.tag == "negotiation_template":
        return "domain"
    if root.tag == "utility_space":
        if root.find(".//hyperRectangle") is not None or root.find(".//weight") is not None:
            return "profile"
        if any(it.get("evaluation") is not None for it in root.iter("item")):
            return "profile"
        return "domain"
    raise AnalysisError(f"unexpected root element <{root.tag}>", str(path))


def is_genius_dir(path: str | Path) -> bool:
    """True when ``path`` is a directory holding XML files (a Genius domain folder)."""
    p = Path(path)
    return p.is_dir() and any(p.glob("*.xml"))


def load_genius_dir(path: str | Path) -> Problem:
    """Load a folder holding one domain file and one profile per party (profiles by file name)."""
    folder = Path(path)
    if not folder.is_dir():
        raise AnalysisError("not a directory", str(folder))
    files = sorted(f for f in folder.glob("*.xml") if f.name.lower() not in _SKIP)
    domains, profiles = [], []
    for f in files:
        (domains if _classify(f) == "domain" else profiles).append(f)
    if len(domains) != 1:
        raise AnalysisError(f"expected one domain file, found {len(domains)}", str(folder))
    if len(profiles) < 2:
        raise AnalysisError(
            f"need at least 2 parties to negotiate, found {len(profiles)} profile(s)", str(folder)
        )
    return load_genius(domains[0], profiles, name=folder.name)


def read_genius_pareto(path: str | Path) -> np.ndarray:
    """Read a Genius ``pareto.xml`` (lines of comma-separated utilities) into an array."""
    rows = []
    for line in Path(path).read_text().splitlines():
        if line.strip():
            rows.append([float(x) for x in line.split(",")])
    return np.array(rows)
