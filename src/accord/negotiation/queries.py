"""Reads of negotiation data, all through core.access.

Positions are stored under ``REL TO <own party>``. Mediators read them through one extra,
explicit path: the *mediation view* of a position's label — the same level and caveats, REL TO
lifted, MEDIATION added. A viewer may read a position when they may read its label OR its
mediation view; nothing else is widened (releases, revisions and ledger entries follow their
own labels). Derived figures (divergence, zone of possible agreement, the matrix) carry the
combination of the labels under which the viewer read their inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import QuerySet

from accord.core import access
from accord.core.access import Viewer
from accord.core.errors import NotFound
from accord.core.labels import LabelValue, combine
from accord.core.models import Label, Party
from accord.core.queries import valid_id
from accord.negotiation import textdiff, textstate
from accord.negotiation.models import (
    Amendment,
    AnalysisRun,
    Clause,
    ClauseText,
    Document,
    Issue,
    Position,
    PositionRelease,
    PositionRevision,
    Signature,
    Version,
)

MEDIATION = "MEDIATION"
MATRIX_KINDS = (Party.Kind.ALLY, Party.Kind.CONFLICT_PARTY, Party.Kind.GUARANTOR)


def mediation_view(label: LabelValue) -> LabelValue:
    """The label a position is read under on the mediation path (REL TO lifted, MEDIATION)."""
    return LabelValue(level=label.level, rel_to=None, caveats=label.caveats | {MEDIATION})


def read_as(viewer: Viewer, label: LabelValue) -> LabelValue | None:
    """The label under which the viewer reads a position, or None if they may not."""
    if access.can_read(viewer, label):
        return label
    med = mediation_view(label)
    return med if access.can_read(viewer, med) else None


def position_label_ids(viewer: Viewer) -> list[int]:
    if viewer.member is None:
        return []
    rows = Label.objects.filter(process=viewer.process).values_list(
        "id", "level", "rel_to", "caveats"
    )
    return [
        pk
        for pk, lvl, rel, cav in rows
        if read_as(viewer, LabelValue.of(lvl, rel, cav)) is not None
    ]


# --- agenda -----------------------------------------------------------------------------------
def issues(viewer: Viewer) -> QuerySet[Issue]:
    if viewer.member is None:
        return Issue.objects.none()
    qs = Issue.objects.filter(process=viewer.process).select_related("label")
    return access.readable(qs, viewer).prefetch_related("options")


def issue(viewer: Viewer, issue_id: int) -> Issue:
    obj = issues(viewer).filter(pk=issue_id).first() if valid_id(issue_id) else None
    if obj is None:
        raise NotFound("issue not found")
    return obj


# --- positions --------------------------------------------------------------------------------
def positions(
    viewer: Viewer, *, issue_id: int | None = None, party: str | None = None
) -> QuerySet[Position]:
    """Positions the viewer may read: their own party's, or any on the mediation path."""
    if viewer.member is None:
        return Position.objects.none()
    qs = Position.objects.filter(
        issue__process=viewer.process, label__in=position_label_ids(viewer)
    ).filter(issue__label__in=access.readable_label_ids(viewer))
    if issue_id is not None:
        qs = qs.filter(issue_id=issue_id) if valid_id(issue_id) else qs.none()
    if party:
        qs = qs.filter(party__code=party.upper())
    return qs.select_related("issue", "party", "label", "updated_by__user")


def position(viewer: Viewer, position_id: int) -> Position:
    obj = positions(viewer).filter(pk=position_id).first() if valid_id(position_id) else None
    if obj is None:
        raise NotFound("position not found")
    return obj


def own_position(viewer: Viewer, issue_id: int) -> Position | None:
    """The viewer's own party's position on an issue, if it stated one (read like any other)."""
    if viewer.member is None:
        return None
    return positions(viewer, issue_id=issue_id).filter(party_id=viewer.member.party_id).first()


def release(viewer: Viewer, release_id: int) -> PositionRelease:
    obj = releases(viewer).filter(pk=release_id).first() if valid_id(release_id) else None
    if obj is None:
        raise NotFound("release not found")
    return obj


def revisions(viewer: Viewer, pos: Position) -> QuerySet[PositionRevision]:
    """History of a position the viewer may read (same path as the position itself)."""
    position(viewer, pos.pk)
    return pos.revisions.select_related("by__user").order_by("-number")


def releases(viewer: Viewer, *, position_id: int | None = None) -> QuerySet[PositionRelease]:
    """Releases whose own label the viewer may read (REL TO the chosen parties + owner)."""
    if viewer.member is None:
        return PositionRelease.objects.none()
    qs = PositionRelease.objects.filter(position__issue__process=viewer.process)
    qs = access.readable(qs, viewer)
    if position_id is not None:
        qs = qs.filter(position_id=position_id)
    return qs.select_related("position__party", "position__issue", "label", "released_by__user")


# --- the position matrix ----------------------------------------------------------------------
@dataclass
class Cell:
    """What the viewer may know of one party's position on one issue."""

    party: str
    state: str  # full | released | none | hidden
    values: dict = field(default_factory=dict)
    label: LabelValue | None = None
    scope: str = ""

    @property
    def hidden(self) -> bool:
        return self.state == "hidden"

    def get(self, name: str):
        return self.values.get(name)


@dataclass
class IssueRow:
    issue: Issue
    cells: list[Cell]
    divergence: float | None = None
    divergence_parties: list[str] = field(default_factory=list)
    zopa: dict | None = None
    zopa_parties: list[str] = field(default_factory=list)
    derived_label: LabelValue | None = None


@dataclass
class Matrix:
    parties: list[Party]
    rows: list[IssueRow]
    label: LabelValue


def _merge_releases(rels: list[PositionRelease]) -> tuple[dict, LabelValue, str] | None:
    """The newest release, completed by other releases of the same position revision."""
    if not rels:
        return None
    newest = rels[0]
    same = [r for r in rels if r.position_revision == newest.position_revision]
    values: dict = {}
    for r in reversed(same):  # oldest first, newest wins
        values.update(r.released)
    scopes = sorted({r.scope for r in same})
    return values, combine(r.label.value for r in same), "+".join(scopes)


def matrix(viewer: Viewer, issue_id: int | None = None) -> Matrix:
    """Parties × issues with what the viewer may read; unreadable cells are HIDDEN.

    HIDDEN never says whether a position exists. Only the viewer's own party sees "not stated".
    `issue_id`: that issue's row only (a live page refreshing one row; none if unreadable).
    """
    parties = list(Party.objects.filter(process=viewer.process, kind__in=MATRIX_KINDS))
    issue_qs = issues(viewer).order_by("cluster", "order", "pk")
    pos_qs, rel_qs = positions(viewer), releases(viewer)
    if issue_id is not None:
        issue_qs = issue_qs.filter(pk=issue_id)
        pos_qs = pos_qs.filter(issue_id=issue_id)
        rel_qs = rel_qs.filter(position__issue_id=issue_id)
    issue_list = list(issue_qs)
    readable_pos = {(p.issue_id, p.party_id): p for p in pos_qs}
    rels: dict[tuple[int, int], list[PositionRelease]] = {}
    for r in rel_qs.order_by("-released_at", "-pk"):
        rels.setdefault((r.position.issue_id, r.position.party_id), []).append(r)
    rows, all_labels = [], []
    for iss in issue_list:
        cells = []
        all_labels.append(iss.label.value)
        for party in parties:
            pos = readable_pos.get((iss.pk, party.pk))
            if pos is not None:
                eff = read_as(viewer, pos.label.value)
                cells.append(Cell(party.code, "full", pos.fields(), eff, "full"))
                continue
            merged = _merge_releases(rels.get((iss.pk, party.pk), []))
            if merged is not None:
                values, lab, scope = merged
                cells.append(Cell(party.code, "released", values, lab, scope))
            elif party.code == viewer.party_code:
                cells.append(Cell(party.code, "none"))
            else:
                cells.append(Cell(party.code, "hidden"))
        row = IssueRow(iss, cells)
        _analyse(row)
        rows.append(row)
        all_labels += [c.label for c in cells if c.label is not None]
    return Matrix(parties, rows, combine(all_labels))


def _analyse(row: IssueRow) -> None:
    """Divergence and zone of possible agreement from the readable cells only."""
    iss = row.issue
    used: list[Cell] = []
    if iss.is_numeric:
        pts = [
            (c, c.get("preferred_value")) for c in row.cells if c.get("preferred_value") is not None
        ]
        if len(pts) >= 2:
            ws = [(c.get("salience") if c.get("salience") is not None else 50) for c, _ in pts]
            ws = [max(w, 0) or 1 for w in ws]
            xs = [x for _, x in pts]
            mean = sum(w * x for w, x in zip(ws, xs, strict=True)) / sum(ws)
            var = sum(w * (x - mean) ** 2 for w, x in zip(ws, xs, strict=True)) / sum(ws)
            span = (iss.maximum - iss.minimum) or 1.0
            row.divergence = round(math.sqrt(var) / span, 4)
            row.divergence_parties = [c.party for c, _ in pts]
            used += [c for c, _ in pts]
        rng = [c for c in row.cells if c.get("acceptable_min") is not None]
        if len(rng) >= 2:
            lo = max(c.get("acceptable_min") for c in rng)
            hi = min(c.get("acceptable_max") for c in rng)
            row.zopa = {"low": lo, "high": hi, "empty": lo > hi, "unit": iss.unit}
            row.zopa_parties = [c.party for c in rng]
            used += rng
    else:
        prefs = [c for c in row.cells if c.get("preferred_option")]
        if len(prefs) >= 2:
            weight: dict[str, float] = {}
            for c in prefs:
                w = c.get("salience") if c.get("salience") is not None else 50
                weight[c.get("preferred_option")] = weight.get(c.get("preferred_option"), 0) + (
                    max(w, 0) or 1
                )
            row.divergence = round(1 - max(weight.values()) / sum(weight.values()), 4)
            row.divergence_parties = [c.party for c in prefs]
            used += prefs
        acc = [c for c in row.cells if c.get("acceptable_options")]
        if len(acc) >= 2:
            common = set(acc[0].get("acceptable_options"))
            for c in acc[1:]:
                common &= set(c.get("acceptable_options"))
            names = {o.key: o.name for o in iss.options.all()}
            keys = [o.key for o in iss.options.all() if o.key in common]
            row.zopa = {"options": [names[k] for k in keys], "keys": keys, "empty": not keys}
            row.zopa_parties = [c.party for c in acc]
            used += acc
    if used:
        row.derived_label = combine([iss.label.value, *(c.label for c in used)])


# --- the negotiating text ---------------------------------------------------------------------
def documents(viewer: Viewer) -> QuerySet[Document]:
    if viewer.member is None:
        return Document.objects.none()
    return access.readable(
        Document.objects.filter(process=viewer.process).select_related("label"), viewer
    )


def document(viewer: Viewer, document_id: int) -> Document:
    obj = documents(viewer).filter(pk=document_id).first() if valid_id(document_id) else None
    if obj is None:
        raise NotFound("document not found")
    return obj


def version(doc: Document, number: int | None = None) -> Version:
    """A version of a readable document (the latest when `number` is None)."""
    qs = doc.versions.all()
    obj = qs.order_by("-number").first() if number is None else qs.filter(number=number).first()
    if obj is None:
        raise NotFound(f"version {number} not found")
    return obj


@dataclass(frozen=True)
class ClauseChanges:
    """Which clauses a new version of a text reworded or removed, and the text's label (for
    other domains' reactions, e.g. alignment flags constraints sourced from those clauses)."""

    clause_ids: frozenset[int]
    label: LabelValue | None


def changed_clauses(version_id: int) -> ClauseChanges:
    """The clauses whose wording changed (or that were removed) in this version against the one
    before. A system read for reactions to `negotiation.text.version` events: ids only, and the
    document's label, which whoever shows a consequence must combine into its own."""
    v = Version.objects.filter(pk=version_id).select_related("document__label").first()
    if v is None or v.number <= 1:
        return ClauseChanges(frozenset(), None)
    prev = Version.objects.filter(document_id=v.document_id, number=v.number - 1).first()
    if prev is None:
        return ClauseChanges(frozenset(), v.document.label.value)
    old = dict(ClauseText.objects.filter(version=prev).values_list("clause_id", "text_hash"))
    new = dict(ClauseText.objects.filter(version=v).values_list("clause_id", "text_hash"))
    changed = {cid for cid, h in old.items() if new.get(cid) != h}
    return ClauseChanges(frozenset(changed), v.document.label.value)


def clause(doc: Document, clause_id: int) -> Clause:
    obj = Clause.objects.filter(document=doc, pk=clause_id).first()
    if obj is None:
        raise NotFound("clause not found")
    return obj


def clause_issue_links(
    viewer: Viewer, doc: Document, readable: set[int] | None = None
) -> dict[int, list[int]]:
    """clause id → ids of the linked agenda issues the viewer may read (`readable`: the ids of
    `issues(viewer)`, when the caller has read them already)."""
    ok = readable if readable is not None else set(issues(viewer).values_list("pk", flat=True))
    links: dict[int, list[int]] = {}
    rows = Clause.issues.through.objects.filter(clause__document=doc)
    for cid, iid in rows.values_list("clause_id", "issue_id"):
        if iid in ok:
            links.setdefault(cid, []).append(iid)
    return links


@dataclass
class TextView:
    viewer: Viewer
    document: Document
    version: Version
    latest: int
    articles: list[textstate.ArticleView]
    status: textstate.TextStatus
    signatures: list[Signature]
    content_hash: str

    @property
    def label(self) -> LabelValue:
        return self.document.label.value


def text(viewer: Viewer, doc: Document, number: int | None = None) -> TextView:
    """A version with numbered clauses, current stances, status and signatures."""
    v = version(doc, number)
    arts = textstate.structure(v)
    status = textstate.annotate(v, arts, doc.required_parties)
    sigs = list(v.signatures.select_related("party", "member__user"))
    latest = doc.versions.order_by("-number").values_list("number", flat=True).first()
    return TextView(
        viewer, doc, v, latest, arts, status, sigs, textstate.content_hash(doc.title, arts)
    )


def rows_of(view: TextView) -> list[textdiff.Row]:
    return [(c.clause_id, c.number, c.text) for a in view.articles for c in a.clauses]


def compare(viewer: Viewer, doc: Document, a: int, b: int) -> list[textdiff.ClauseDiff]:
    """Clause-level diff (with word diff) between versions a and b of a readable document."""
    old = text(viewer, doc, a)
    new = text(viewer, doc, b)
    return textdiff.diff_versions(rows_of(old), rows_of(new))


def amendments(viewer: Viewer, doc: Document, status: str | None = None) -> QuerySet[Amendment]:
    qs = access.readable(Amendment.objects.filter(document=doc), viewer)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related(
        "party", "proposed_by__user", "base_version", "result_version", "label"
    ).prefetch_related("comments__by__user")


def amendment(viewer: Viewer, doc: Document, amendment_id: int) -> Amendment:
    obj = (
        amendments(viewer, doc).filter(pk=amendment_id).first() if valid_id(amendment_id) else None
    )
    if obj is None:
        raise NotFound("amendment not found")
    return obj


# --- analysis runs ----------------------------------------------------------------------------
def analysis_runs(viewer: Viewer) -> QuerySet[AnalysisRun]:
    """Runs whose (combined or released) label the viewer may read."""
    if viewer.member is None:
        return AnalysisRun.objects.none()
    qs = AnalysisRun.objects.filter(process=viewer.process).select_related(
        "label", "created_by__user"
    )
    return access.readable(qs, viewer)


def analysis_run(viewer: Viewer, run_id: int) -> AnalysisRun:
    obj = analysis_runs(viewer).filter(pk=run_id).first() if valid_id(run_id) else None
    if obj is None:
        raise NotFound("analysis run not found")
    return obj
