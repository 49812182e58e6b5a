"""REST API of consultations: parse → service/query → schema. No logic here."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from accord.consult import queries, services
from accord.consult import schemas as s
from accord.consult.models import Consultation
from accord.core import access, people
from accord.core.api import label_out
from accord.core.api import viewer as _v
from accord.core.labels import LabelValue
from accord.pagination import Page

router = Router(tags=["consultations"])
BASE = "/processes/{slug}/consultations"
ONE = BASE + "/{consultation_id}"


def consultation_out(v: access.Viewer, c: Consultation) -> dict:
    return {
        "id": c.pk,
        "title": c.title,
        "question": c.question,
        "status": c.status,
        "label": label_out(v.process, c.label),
        "created_by": people.handle(v, c.created_by),
        "created_at": c.created_at,
        "closed_at": c.closed_at,
        "statements": queries.statements(v, c).count(),
        "participants": queries.participant_count(v, c),
    }


def statement_out(v: access.Viewer, t: queries.Tally) -> dict:
    st = t.statement
    return {
        "id": st.pk,
        "text": st.text,
        "imported": st.imported,
        "mine": v.member is not None and st.author_id == v.member.pk,
        "agree": t.agree,
        "disagree": t.disagree,
        "passed": t.passed,
        "my_vote": t.mine,
    }


def detail_out(v: access.Viewer, c: Consultation) -> dict:
    return {
        **consultation_out(v, c),
        "statement_list": [statement_out(v, t) for t in queries.tallies(v, c)],
    }


@router.get(BASE, response=list[s.ConsultationOut], summary="Consultations I may read")
@paginate(Page)
def list_consultations(request: HttpRequest, slug: str, status: str | None = None):
    v = _v(request, slug)
    qs = queries.consultations(v)
    return [consultation_out(v, c) for c in (qs.filter(status=status) if status else qs)]


@router.post(BASE, response={201: s.ConsultationDetailOut}, summary="Open a consultation")
def create_consultation(request: HttpRequest, slug: str, data: s.ConsultationIn):
    v = _v(request, slug)
    label = (
        None
        if data.label is None
        else access.parse_label(v.process, data.label.dict(), LabelValue())
    )
    c = services.create_consultation(
        v, title=data.title, question=data.question, label=label, statements=data.statements
    )
    return Status(201, detail_out(v, c))


@router.get(ONE, response=s.ConsultationDetailOut, summary="A consultation with vote tallies")
def get_consultation(request: HttpRequest, slug: str, consultation_id: int):
    v = _v(request, slug)
    return detail_out(v, queries.consultation(v, consultation_id))


@router.post(f"{ONE}/close", response=s.ConsultationOut, summary="Close a consultation")
def close_consultation(request: HttpRequest, slug: str, consultation_id: int):
    v = _v(request, slug)
    c = services.close_consultation(v, queries.consultation(v, consultation_id))
    return consultation_out(v, c)


@router.get(f"{ONE}/statements", response=list[s.StatementOut], summary="Statements and tallies")
@paginate(Page)
def list_statements(request: HttpRequest, slug: str, consultation_id: int):
    v = _v(request, slug)
    c = queries.consultation(v, consultation_id)
    return [statement_out(v, t) for t in queries.tallies(v, c)]


@router.post(f"{ONE}/statements", response={201: s.StatementOut}, summary="Add a statement")
def add_statement(request: HttpRequest, slug: str, consultation_id: int, data: s.StatementIn):
    v = _v(request, slug)
    c = queries.consultation(v, consultation_id)
    st = services.add_statement(v, c, data.text)
    return Status(201, _tally_of(v, c, st.pk))


def _tally_of(v: access.Viewer, c: Consultation, statement_id: int) -> dict:
    return next(
        statement_out(v, t) for t in queries.tallies(v, c) if t.statement.pk == statement_id
    )


@router.put(
    f"{ONE}/statements/{{statement_id}}/vote",
    response=s.StatementOut,
    summary="Cast or change my vote (agree 1, disagree -1, pass 0)",
)
def vote(request: HttpRequest, slug: str, consultation_id: int, statement_id: int, data: s.VoteIn):
    v = _v(request, slug)
    c = queries.consultation(v, consultation_id)
    services.vote(v, c, statement_id, data.value)
    return _tally_of(v, c, statement_id)


@router.put(
    f"{ONE}/votes",
    response=list[s.StatementOut],
    summary="Cast or change several of my votes at once (all or none)",
)
def cast_votes(request: HttpRequest, slug: str, consultation_id: int, data: s.BallotIn):
    v = _v(request, slug)
    c = queries.consultation(v, consultation_id)
    services.cast_votes(v, c, data.votes)
    return [statement_out(v, t) for t in queries.tallies(v, c) if t.statement.pk in data.votes]


@router.post(
    f"{ONE}/import",
    response={201: s.ImportOut},
    summary="Import a Pol.is participants-votes export (anonymous participants)",
)
def import_votes(request: HttpRequest, slug: str, consultation_id: int, data: s.ImportIn):
    v = _v(request, slug)
    c = queries.consultation(v, consultation_id)
    out = services.import_votes(
        v,
        c,
        votes_csv=data.votes_csv,
        comments_csv=data.comments_csv,
        statements=data.statements,
        source=data.source,
    )
    return Status(201, out)
