"""Comparing two versions: clause-level diff with an inline word diff (difflib), pure Python.

A version is given as an ordered list of ``(clause_id, number, text)``. The diff lists, in the
new order, every clause that is unchanged, changed, added, or (at its old place) removed; a
changed clause carries word operations. `apply` rebuilds the new list from the old one and the
diff — the property tests check it always does.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

TOKEN = re.compile(r"\s+|[^\s]+")


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


@dataclass(frozen=True)
class WordOp:
    """`equal` / `insert` / `delete` / `replace` with the old and new text of the span."""

    op: str
    old: str
    new: str


def word_diff(old: str, new: str) -> list[WordOp]:
    a, b = tokens(old), tokens(new)
    ops = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        ops.append(WordOp(tag, "".join(a[i1:i2]), "".join(b[j1:j2])))
    return ops


def apply_words(old: str, ops: list[WordOp]) -> str:
    """Rebuild the new text: consume `old` span by span, emit the new side of each op."""
    pos, out = 0, []
    for op in ops:
        if old[pos : pos + len(op.old)] != op.old:
            raise ValueError("diff does not apply to this text")
        pos += len(op.old)
        out.append(op.new)
    if pos != len(old):
        raise ValueError("diff does not cover the whole text")
    return "".join(out)


@dataclass(frozen=True)
class ClauseDiff:
    clause_id: int
    status: str  # unchanged | changed | added | removed
    old_number: str | None
    new_number: str | None
    old_text: str
    new_text: str
    words: list[WordOp] = field(default_factory=list)


Row = tuple[int, str, str]


def diff_versions(old: list[Row], new: list[Row]) -> list[ClauseDiff]:
    """Clause-level diff by stable clause identity; removed clauses appear at their old place."""
    old_by_id = {cid: (num, text) for cid, num, text in old}
    new_ids = {cid for cid, _, _ in new}
    out: list[ClauseDiff] = []
    removed_queue = [(cid, num, text) for cid, num, text in old if cid not in new_ids]
    old_pos = {cid: i for i, (cid, _, _) in enumerate(old)}

    def flush_removed(before: int) -> None:
        while removed_queue and old_pos[removed_queue[0][0]] < before:
            cid, num, text = removed_queue.pop(0)
            out.append(ClauseDiff(cid, "removed", num, None, text, ""))

    # before each new clause, show the removed clauses that stood before the next kept one
    next_kept = [len(old) + 1] * (len(new) + 1)
    for i in range(len(new) - 1, -1, -1):
        cid = new[i][0]
        next_kept[i] = old_pos[cid] if cid in old_pos else next_kept[i + 1]
    for i, (cid, num, text) in enumerate(new):
        flush_removed(next_kept[i])
        if cid in old_by_id:
            onum, otext = old_by_id[cid]
            if otext == text:
                out.append(ClauseDiff(cid, "unchanged", onum, num, otext, text))
            else:
                out.append(
                    ClauseDiff(cid, "changed", onum, num, otext, text, word_diff(otext, text))
                )
        else:
            out.append(ClauseDiff(cid, "added", None, num, "", text))
    flush_removed(len(old) + 1)
    return out


def is_empty(diff: list[ClauseDiff]) -> bool:
    """True when nothing changed (numbering included)."""
    return all(d.status == "unchanged" and d.old_number == d.new_number for d in diff)


def apply(old: list[Row], diff: list[ClauseDiff]) -> list[Row]:
    """The new version's rows from the old rows and the diff (inverse of `diff_versions`)."""
    old_text = {cid: text for cid, _, text in old}
    out: list[Row] = []
    for d in diff:
        if d.status == "removed":
            continue
        if d.status == "added":
            out.append((d.clause_id, d.new_number or "", d.new_text))
        elif d.status == "changed":
            out.append(
                (d.clause_id, d.new_number or "", apply_words(old_text[d.clause_id], d.words))
            )
        else:
            out.append((d.clause_id, d.new_number or "", old_text[d.clause_id]))
    return out
