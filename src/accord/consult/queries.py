"""Reads of consultations, all through core.access.

A consultation, its statements and every figure derived from its votes are read under the
consultation's label. Votes themselves never leave this module with a name attached: callers get
per-statement tallies, the viewer's *own* votes, or the anonymised vote matrix (rows in a
canonical order by their content, ids p1…pN), from which nobody can tell which member cast which
row beyond what the votes themselves say.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from accord.consult.models import Consultation, Participant, Statement, Vote
from accord.core import access
from accord.core.access import Viewer
from accord.core.errors import NotFound
from accord.core.labels import LabelValue
from accord.core.queries import valid_id


def consultations(viewer: Viewer) -> QuerySet[Consultation]:
    """Consultations of the viewer's process whose label they may read."""
    if viewer.member is None:
        return Consultation.objects.none()
    qs = Consultation.objects.filter(process=viewer.process).select_related(
        "label", "created_by__user"
    )
    return access.readable(qs, viewer)


def consultation(viewer: Viewer, consultation_id: int) -> Consultation:
    """One readable consultation, or 404 (existence of unreadable ones never leaks)."""
    if not valid_id(consultation_id):
        raise NotFound("consultation not found")
    obj = consultations(viewer).filter(pk=consultation_id).first()
    if obj is None:
        raise NotFound("consultation not found")
    return obj


def statements(viewer: Viewer, c: Consultation) -> QuerySet[Statement]:
    """Statements of a readable consultation (each carries the consultation's label)."""
    consultation(viewer, c.pk)
    return access.readable(Statement.objects.filter(consultation=c), viewer).select_related("label")


@dataclass
class Tally:
    """What anyone who may read the consultation may know of the votes on one statement."""

    statement: Statement
    agree: int
    disagree: int
    passed: int
    mine: int | None = None

    @property
    def seen(self) -> int:
        return self.agree + self.disagree + self.passed


def tallies(viewer: Viewer, c: Consultation) -> list[Tally]:
    """Per-statement counts of agree / disagree / pass, and the viewer's own vote."""
    rows = statements(viewer, c).annotate(
        n_agree=Count("votes", filter=Q(votes__value=1)),
        n_disagree=Count("votes", filter=Q(votes__value=-1)),
        n_pass=Count("votes", filter=Q(votes__value=0)),
    )
    own = my_votes(viewer, c)
    return [Tally(s, s.n_agree, s.n_disagree, s.n_pass, own.get(s.pk)) for s in rows.order_by("pk")]


def my_votes(viewer: Viewer, c: Consultation) -> dict[int, int]:
    """statement id → the viewer's own vote (nobody else's votes are ever returned)."""
    if viewer.member is None:
        return {}
    consultation(viewer, c.pk)
    return dict(
        Vote.objects.filter(
            participant__consultation=c, participant__member=viewer.member
        ).values_list("statement_id", "value")
    )


def participant_count(viewer: Viewer, c: Consultation) -> int:
    """How many have voted at least once (members and imported participants together)."""
    consultation(viewer, c.pk)
    return Participant.objects.filter(consultation=c, votes__isnull=False).distinct().count()


@dataclass
class VoteMatrix:
    """The anonymised participants × statements matrix (None = not voted) and its label."""

    statements: list[dict]
    participants: list[str]
    votes: list[list[int | None]]
    label: LabelValue


def vote_matrix(viewer: Viewer, c: Consultation) -> VoteMatrix:
    """Every participant's votes as anonymous rows, sorted by content so that row order says
    nothing about who (or when) anyone voted."""
    stmts = list(statements(viewer, c).order_by("pk"))
    col = {s.pk: j for j, s in enumerate(stmts)}
    rows: dict[int, list[int | None]] = {}
    for pid, sid, value in Vote.objects.filter(
        participant__consultation=c, statement_id__in=col
    ).values_list("participant_id", "statement_id", "value"):
        rows.setdefault(pid, [None] * len(stmts))[col[sid]] = value
    ordered = sorted(rows.values(), key=lambda r: [2 if v is None else v for v in r])
    return VoteMatrix(
        statements=[{"id": s.pk, "text": s.text} for s in stmts],
        participants=[f"p{i + 1}" for i in range(len(ordered))],
        votes=ordered,
        label=c.label.value,
    )
