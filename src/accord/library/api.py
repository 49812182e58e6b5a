"""REST endpoints of the library app: parse → service/query → schema, no logic.

PA-X agreements and case studies are public reference data, answered to members of the
process in the path only (anyone else gets 404 like any process route)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from accord.core import access, links, people
from accord.core.access import Viewer, viewer_for
from accord.core.api import label_out
from accord.core.labels import LabelValue
from accord.core.queries import viewer_for_slug
from accord.core.schemas import LinkIn
from accord.library import cases, pax, queries, services
from accord.library import schemas as s
from accord.library.models import Lesson, PaxAgreement
from accord.pagination import Page

router = Router(tags=["library"])
BASE = "/processes/{slug}/library"


def _v(request: HttpRequest, slug: str) -> Viewer:
    v = viewer_for_slug(request.user, slug)
    queries.require_member(v)
    return v


def agreement_out(a: PaxAgreement) -> dict:
    return {
        "agt_id": a.agt_id,
        "name": a.name,
        "country": a.country,
        "process": a.process_name,
        "region": a.region,
        "date": a.date,
        "status": a.status,
        "agreement_type": a.agreement_type,
        "agreement_type_name": pax.AGREEMENT_TYPES.get(a.agreement_type, a.agreement_type),
        "stage": a.stage,
        "stage_name": pax.STAGES.get(a.stage, a.stage),
        "topics": [t.key for t in a.topic_list],
        "sample": a.sample,
    }


def agreement_detail_out(a: PaxAgreement) -> dict:
    return {
        **agreement_out(a),
        "conflict_type": a.conflict_type,
        "process_no": a.process_no,
        "version": a.version,
        "pages": a.pages,
        "characters": a.characters,
        "stage_sub": a.stage_sub,
        "parties": a.parties,
        "third_parties": a.third_parties,
        "other_agreements": a.other_agreements,
        "extra": {k: str(v) for k, v in a.extra.items()},
        "coding": [
            {"column": c.column, "value": c.value, "topic": t.key}
            for t, coded in queries.coding(a)
            for c in coded
        ],
    }


@router.get(BASE + "/topics", response=list[s.TopicOut], summary="PA-X coded categories")
def topics(request: HttpRequest, slug: str):
    _v(request, slug)
    return [
        {"key": t.key, "name": t.name, "group": t.group, "columns": list(t.columns)}
        for t in pax.TOPICS
    ]


@router.get(BASE + "/agreements", response=list[s.AgreementOut], summary="Search PA-X")
@paginate(Page)
def list_agreements(
    request: HttpRequest,
    slug: str,
    q: str = "",
    country: str = "",
    process: str = "",
    stage: str = "",
    agreement_type: str = "",
    since: str = "",
    until: str = "",
    topic: list[str] = Query(default=[]),
):
    v = _v(request, slug)
    f = queries.agreement_filter(
        q=q,
        country=country,
        process=process,
        stage=stage,
        agreement_type=agreement_type,
        since=since,
        until=until,
        topics=topic,
    )
    return [agreement_out(a) for a in queries.agreements(v, f)]


@router.get(
    BASE + "/agreement", response=s.AgreementDetailOut, summary="One PA-X agreement by AgtId"
)
def get_agreement(request: HttpRequest, slug: str, agt_id: int):
    v = _v(request, slug)
    return agreement_detail_out(queries.agreement(v, agt_id))


@router.get(
    BASE + "/similar",
    response=s.ComparisonOut,
    summary="Past agreements coded most like a draft (Jaccard over PA-X topics)",
)
def similar(
    request: HttpRequest,
    slug: str,
    topic: list[str] = Query(default=[]),
    provision_type: list[str] = Query(default=[]),
    top: int = 10,
):
    v = _v(request, slug)
    c = queries.similar_agreements(v, topics=topic, pam=provision_type, limit=top)
    return {
        "draft": [t.key for t in c.draft],
        "unmapped_provision_types": c.unmapped,
        "method": "Jaccard index of the PA-X topic sets (shared / either)",
        "results": [
            {
                "agreement": agreement_out(r.agreement),
                "score": r.score,
                "shared": [t.key for t in r.shared],
                "lacking": [t.key for t in r.lacking],
            }
            for r in c.results
        ],
        "gaps": [{"topic": t.key, "name": t.name, "agreements": n} for t, n in c.gaps],
    }


@router.get(BASE + "/cases", response=list[s.CaseSummaryOut], summary="Built-in case studies")
def list_cases(request: HttpRequest, slug: str):
    _v(request, slug)
    return [
        {
            "key": c.key,
            "name": c.name,
            "year": c.year,
            "signed": c.signed,
            "summary": c.summary,
            "parts": len(c.parts),
            "bodies": len(c.bodies),
            "deadlines": len(c.deadlines),
        }
        for c in cases.CASES
    ]


@router.get(BASE + "/case-template", response=dict, summary="A case study as a template")
def case_template(request: HttpRequest, slug: str, case: str):
    _v(request, slug)
    return cases.template(cases.case(case))


# --- lessons register ---------------------------------------------------------------------------
LESSONS = BASE + "/lessons"
LESSON = LESSONS + "/{lesson_id}"


def lesson_out(v: Viewer, x: Lesson) -> dict:
    return {
        "id": x.pk,
        "process": x.process.slug,
        "title": x.title,
        "observation": x.observation,
        "stage": x.stage,
        "stage_name": x.get_stage_display(),
        "lesson": x.lesson,
        "remedial_action": x.remedial_action,
        "action_owner": people.handle(v, x.action_owner),
        "action_due": x.action_due,
        "validation": x.validation,
        "validated_by": people.handle(v, x.validated_by),
        "validated_at": x.validated_at,
        "label": label_out(x.process, x.label),
        "created_by": people.handle(v, x.created_by),
        "created_at": x.created_at,
        "updated_at": x.updated_at,
        "changed": [
            {"kind": t.kind, "id": t.id, "title": t.title, "relation": t.relation}
            for t in links.targets(v, x)
        ],
    }


@router.get(LESSONS, response=list[s.LessonOut], summary="Lessons of the process I may read")
@paginate(Page)
def list_lessons(request: HttpRequest, slug: str, q: str = "", stage: str = ""):
    v = _v(request, slug)
    return [lesson_out(v, x) for x in queries.search_lessons(v, q, stage)]


@router.get(
    "/library/lessons",
    response=list[s.LessonOut],
    summary="Lessons of every process I belong to, as I may read them there",
)
@paginate(Page)
def lessons_everywhere(request: HttpRequest, q: str = "", stage: str = ""):
    viewers: dict[int, Viewer] = {}
    out = []
    for x in queries.lessons_everywhere(request.user, q, stage):
        v = viewers.setdefault(x.process_id, viewer_for(request.user, x.process))
        out.append(lesson_out(v, x))
    return out


@router.post(LESSONS, response={201: s.LessonOut}, summary="Record an observation")
def record_observation(request: HttpRequest, slug: str, data: s.LessonIn):
    v = _v(request, slug)
    label = (
        None
        if data.label is None
        else access.parse_label(v.process, data.label.dict(), LabelValue())
    )
    x = services.record_observation(v, title=data.title, observation=data.observation, label=label)
    return Status(201, lesson_out(v, x))


@router.get(LESSON, response=s.LessonOut, summary="A lesson")
def get_lesson(request: HttpRequest, slug: str, lesson_id: int):
    v = _v(request, slug)
    return lesson_out(v, queries.lesson(v, lesson_id))


@router.post(LESSON + "/identify", response=s.LessonOut, summary="Observation → lesson identified")
def identify(request: HttpRequest, slug: str, lesson_id: int, data: s.IdentifyIn):
    v = _v(request, slug)
    x = services.identify(v, queries.lesson(v, lesson_id), text=data.lesson)
    return lesson_out(v, x)


@router.post(LESSON + "/action", response=s.LessonOut, summary="Lesson → remedial action")
def plan_action(request: HttpRequest, slug: str, lesson_id: int, data: s.ActionIn):
    v = _v(request, slug)
    x = services.plan_action(
        v, queries.lesson(v, lesson_id), action=data.action, owner_id=data.owner_id, due=data.due
    )
    return lesson_out(v, x)


@router.post(LESSON + "/validate", response=s.LessonOut, summary="Remedial action → learned")
def validate(request: HttpRequest, slug: str, lesson_id: int, data: s.ValidateIn):
    v = _v(request, slug)
    x = services.validate(v, queries.lesson(v, lesson_id), note=data.validation)
    return lesson_out(v, x)


@router.post(LESSON + "/links", response={201: s.LessonOut}, summary="Link what changed")
def link_change(request: HttpRequest, slug: str, lesson_id: int, data: LinkIn):
    v = _v(request, slug)
    x = queries.lesson(v, lesson_id)
    services.link_change(v, x, data.kind, data.id)
    return Status(201, lesson_out(v, queries.lesson(v, lesson_id)))
