"""Reading a version's content: numbered clauses, canonical rendering and hash, agreement status.

Shared by services (signing needs the status and the hash) and queries (pages show them);
callers have already checked that the viewer may read the document.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from accord.negotiation import brackets
from accord.negotiation.models import ArticleText, ClauseText, Stance, Version

ACCEPTING = {Stance.Kind.ACCEPT, Stance.Kind.ACCEPT_AD_REF}


@dataclass
class ClauseView:
    clause_id: int
    article_id: int
    number: str
    segments: list
    text: str
    text_hash: str
    stances: dict[str, Stance] = field(default_factory=dict)
    status: str = "open"
    blockers: list[str] = field(default_factory=list)

    @property
    def open_brackets(self) -> list[dict]:
        return brackets.open_brackets(self.segments)


@dataclass
class ArticleView:
    article_id: int
    number: int
    heading: str
    clauses: list[ClauseView]


def structure(version: Version) -> list[ArticleView]:
    """Articles with their clauses, numbered (article n, clause n.m), in order."""
    arts = list(ArticleText.objects.filter(version=version).order_by("order"))
    texts = list(ClauseText.objects.filter(version=version).order_by("order"))
    out = []
    for i, at in enumerate(arts, start=1):
        clauses = [t for t in texts if t.article_id == at.article_id]
        out.append(
            ArticleView(
                at.article_id,
                i,
                at.heading,
                [
                    ClauseView(
                        t.clause_id,
                        t.article_id,
                        f"{i}.{j}",
                        t.segments,
                        brackets.render(t.segments),
                        t.text_hash,
                    )
                    for j, t in enumerate(clauses, start=1)
                ],
            )
        )
    return out


def canonical(title: str, articles: list[ArticleView]) -> bytes:
    """The canonical rendering that signatures bind: title, numbered headings, clause segments."""
    data = {
        "title": title,
        "articles": [
            {
                "number": a.number,
                "heading": a.heading,
                "clauses": [{"number": c.number, "segments": c.segments} for c in a.clauses],
            }
            for a in articles
        ],
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(title: str, articles: list[ArticleView]) -> str:
    return hashlib.sha256(canonical(title, articles)).hexdigest()


@dataclass
class TextStatus:
    status: str  # open | agreed_ad_ref | agreed
    clauses_total: int
    clauses_agreed: int
    clauses_ad_ref: int
    open_brackets: int
    reservations: dict[str, list[str]]  # party → clause numbers reserved / rejected
    missing: dict[str, list[str]]  # party → clause numbers without a current stance
    blocking: list[dict]  # per unagreed clause: number, what blocks it


def annotate(version: Version, articles: list[ArticleView], required: list[str]) -> TextStatus:
    """Attach current stances and status to every clause; summarise the whole text.

    A stance is current while the clause text it was given on (its text hash) is unchanged. A
    clause is agreed when it has no open bracket and every required party accepts; agreed ad ref
    when some accept only ad referendum. Nothing is agreed until everything is agreed.
    """
    clauses = [c for a in articles for c in a.clauses]
    ids = [c.clause_id for c in clauses]
    latest: dict[tuple[int, str], Stance] = {}
    rows = (
        Stance.objects.filter(clause_id__in=ids, version__number__lte=version.number)
        .select_related("party", "by__user")
        .order_by("pk")
    )
    for st in rows:
        latest[(st.clause_id, st.party.code)] = st
    reservations: dict[str, list[str]] = {}
    missing: dict[str, list[str]] = {}
    blocking = []
    n_agreed = n_adref = n_brackets = 0
    for c in clauses:
        for code in required:
            st = latest.get((c.clause_id, code))
            if st is not None and st.text_hash == c.text_hash:
                c.stances[code] = st
        n_brackets += len(c.open_brackets)
        blockers = []
        if c.open_brackets:
            blockers.append(f"{len(c.open_brackets)} open bracket(s)")
        for code in required:
            st = c.stances.get(code)
            if st is None:
                missing.setdefault(code, []).append(c.number)
                blockers.append(f"{code}: no stance")
            elif st.stance not in ACCEPTING:
                reservations.setdefault(code, []).append(c.number)
                blockers.append(f"{code}: {st.stance}")
        c.blockers = blockers
        if blockers:
            c.status = "open"
            blocking.append({"clause": c.number, "clause_id": c.clause_id, "blocked_by": blockers})
        elif all(c.stances[p].stance == Stance.Kind.ACCEPT for p in required):
            c.status = "agreed"
            n_agreed += 1
        else:
            c.status = "agreed_ad_ref"
            n_adref += 1
    if not clauses or blocking:
        overall = "open"
    elif n_adref:
        overall = "agreed_ad_ref"
    else:
        overall = "agreed"
    return TextStatus(
        overall, len(clauses), n_agreed, n_adref, n_brackets, reservations, missing, blocking
    )
