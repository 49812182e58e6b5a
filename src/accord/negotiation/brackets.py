"""Bracketed alternatives in clause text, stored structurally.

Input syntax: ``withdraw [10 km {KES} / 15 km / 20 km {NVF}] from the line``. Square brackets
open and close a set of alternatives separated by ``/``; an optional ``{CODE}`` at the end of an
alternative names the party that proposed it (otherwise the author's party). Brackets do not nest
and no alternative may be empty: such text is refused with a message saying where.

Stored form: a list of segments, ``{"t": text}`` or ``{"b": id, "alts": [{"text", "by"}]}``.
Bracket ids are stable within a clause across versions, so a resolution can name them.
"""

from __future__ import annotations

import hashlib
import json
import re

from accord.core.errors import Invalid

PROPOSER = re.compile(r"\s*\{([A-Za-z0-9]{2,12})\}\s*$")
Segments = list[dict]


def _where(text: str, i: int) -> str:
    start = max(0, i - 12)
    return f"at character {i + 1} (…{text[start : i + 12]}…)"


def parse(
    text: str, author_party: str | None, known_parties: set[str] | None = None, first_id: int = 1
) -> Segments:
    """Parse clause text into segments; raise Invalid for unbalanced, nested or empty brackets.

    Alternatives without ``{CODE}`` are attributed to `author_party` (None: left open, for
    `inherit` to fill from the clause's previous text)."""
    if not isinstance(text, str) or not text.strip():
        raise Invalid("clause text must not be empty", {"text": "required"})
    segments: Segments = []
    buf: list[str] = []
    i, next_id = 0, first_id
    while i < len(text):
        ch = text[i]
        if ch == "]":
            raise Invalid(f"closing bracket without an opening one {_where(text, i)}", _F)
        if ch != "[":
            buf.append(ch)
            i += 1
            continue
        close = text.find("]", i + 1)
        nested = text.find("[", i + 1)
        if close == -1:
            raise Invalid(f"unbalanced bracket: '[' is never closed {_where(text, i)}", _F)
        if nested != -1 and nested < close:
            raise Invalid(f"brackets cannot be nested {_where(text, nested)}", _F)
        if buf:
            segments.append({"t": "".join(buf)})
            buf = []
        alts = []
        for raw in text[i + 1 : close].split("/"):
            by = author_party
            m = PROPOSER.search(raw)
            if m:
                by = m.group(1).upper()
                raw = raw[: m.start()]
                if known_parties is not None and by not in known_parties:
                    raise Invalid(f"unknown party {{{by}}} in bracket {_where(text, i)}", _F)
            alt = raw.strip()
            if not alt:
                raise Invalid(f"empty alternative in bracket {_where(text, i)}", _F)
            alts.append({"text": alt, "by": by})
        segments.append({"b": next_id, "alts": alts})
        next_id += 1
        i = close + 1
    if buf:
        segments.append({"t": "".join(buf)})
    return segments


_F = {"text": "malformed brackets"}


def render(segments: Segments, *, proposers: bool = False) -> str:
    """Text with brackets as ``[a / b]`` (with ``{CODE}`` after each alternative if asked)."""
    out = []
    for seg in segments:
        if "t" in seg:
            out.append(seg["t"])
        else:
            alts = [a["text"] + (f" {{{a['by']}}}" if proposers else "") for a in seg["alts"]]
            out.append("[" + " / ".join(alts) + "]")
    return "".join(out)


def open_brackets(segments: Segments) -> list[dict]:
    return [s for s in segments if "b" in s]


def max_bracket_id(segments: Segments) -> int:
    return max((s["b"] for s in segments if "b" in s), default=0)


def resolve(segments: Segments, bracket_id: int, choice: int) -> Segments:
    """Replace bracket `bracket_id` by its alternative number `choice` (0-based)."""
    out: Segments = []
    found = False
    for seg in segments:
        if seg.get("b") == bracket_id:
            found = True
            if not 0 <= choice < len(seg["alts"]):
                raise Invalid(
                    f"bracket {bracket_id} has {len(seg['alts'])} alternatives; "
                    f"choose 0..{len(seg['alts']) - 1}",
                    {"choice": "out of range"},
                )
            out.append({"t": seg["alts"][choice]["text"]})
        else:
            out.append(dict(seg))
    if not found:
        raise Invalid(f"no open bracket {bracket_id} in this clause", {"bracket": "unknown"})
    return merge_text(out)


def merge_text(segments: Segments) -> Segments:
    """Join adjacent text segments (so equal texts have equal segment lists)."""
    out: Segments = []
    for seg in segments:
        if "t" in seg and out and "t" in out[-1]:
            out[-1] = {"t": out[-1]["t"] + seg["t"]}
        else:
            out.append(seg)
    return out


def inherit(old: Segments, new: Segments, author_party: str) -> Segments:
    """After an edit: a bracket sharing an alternative with an old bracket keeps that bracket's
    id; an alternative without an explicit proposer keeps its old proposer (else the author)."""
    old_br = [s for s in old if "b" in s]
    by_text = {a["text"]: a["by"] for s in old_br for a in s["alts"]}
    used: set[int] = set()
    out: Segments = []
    top = max([s["b"] for s in old_br] + [s["b"] for s in new if "b" in s] + [0])
    for seg in new:
        if "b" not in seg:
            out.append(seg)
            continue
        texts = {a["text"] for a in seg["alts"]}
        match = next(
            (
                s["b"]
                for s in old_br
                if s["b"] not in used and texts & {a["text"] for a in s["alts"]}
            ),
            None,
        )
        if match is None:
            top += 1
            match = top
        used.add(match)
        alts = [
            {"text": a["text"], "by": a["by"] or by_text.get(a["text"]) or author_party}
            for a in seg["alts"]
        ]
        out.append({"b": match, "alts": alts})
    return out


def text_hash(segments: Segments) -> str:
    """sha256 of the canonical JSON of the segments (proposers included: they are content)."""
    data = json.dumps(segments, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()
