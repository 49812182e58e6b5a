"""REST API of the negotiation app: parse → service/query → schema. No logic here."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from accord.core import access, people
from accord.core.api import label_in as _label
from accord.core.api import label_out
from accord.core.api import viewer as _v
from accord.negotiation import exports, queries, services
from accord.negotiation import schemas as s
from accord.negotiation.analysis import chart_specs
from accord.negotiation.models import (
    Amendment,
    AnalysisRun,
    Issue,
    Position,
    PositionRelease,
    Version,
)
from accord.pagination import Page
from accord.ui.pdf import export_response

router = Router(tags=["negotiation"])
BASE = "/processes/{slug}/negotiation"


def _name(v: access.Viewer, member) -> str | None:
    """`user@PARTY` of a member the viewer may see (core.people); None for nobody or a hidden
    member — never their name, id or party."""
    return people.handle(v, member)


# --- agenda -----------------------------------------------------------------------------------
def issue_out(i: Issue) -> dict:
    return {
        "id": i.pk,
        "cluster": i.cluster,
        "title": i.title,
        "description": i.description,
        "order": i.order,
        "status": i.status,
        "kind": i.kind,
        "unit": i.unit,
        "minimum": i.minimum,
        "maximum": i.maximum,
        "step": i.step,
        "options": [{"key": o.key, "name": o.name} for o in i.options.all()],
        "label": label_out(i.process, i.label),
    }


@router.get(f"{BASE}/issues", response=list[s.IssueOut], summary="Agenda issues")
@paginate(Page)
def list_issues(request: HttpRequest, slug: str, cluster: str | None = None):
    v = _v(request, slug)
    qs = queries.issues(v).order_by("cluster", "order", "pk")
    return [issue_out(i) for i in (qs.filter(cluster=cluster.lower()) if cluster else qs)]


@router.post(f"{BASE}/issues", response={201: s.IssueOut}, summary="Add an agenda issue (pen)")
def create_issue(request: HttpRequest, slug: str, data: s.IssueIn):
    v = _v(request, slug)
    label = _label(v, data.label)
    payload = data.dict(exclude={"label"})
    issue = services.create_issue(v, label=label, **payload)
    return Status(201, issue_out(queries.issue(v, issue.pk)))


@router.get(f"{BASE}/issues/{{issue_id}}", response=s.IssueOut)
def get_issue(request: HttpRequest, slug: str, issue_id: int):
    return issue_out(queries.issue(_v(request, slug), issue_id))


@router.patch(f"{BASE}/issues/{{issue_id}}", response=s.IssueOut, summary="Set an issue's status")
def patch_issue(request: HttpRequest, slug: str, issue_id: int, data: s.IssuePatch):
    v = _v(request, slug)
    services.set_issue_status(v, queries.issue(v, issue_id), data.status)
    return issue_out(queries.issue(v, issue_id))


# --- positions --------------------------------------------------------------------------------
def position_out(v: access.Viewer, p: Position) -> dict:
    return {
        "id": p.pk,
        "issue_id": p.issue_id,
        "party": p.party.code,
        **p.fields(),
        "revision": p.revision,
        "updated_at": p.updated_at,
        "label": label_out(v.process, p.label),
        "read_as": label_out(v.process, queries.read_as(v, p.label.value)),
    }


@router.get(f"{BASE}/positions", response=list[s.PositionOut], summary="Positions I may read")
@paginate(Page)
def list_positions(
    request: HttpRequest, slug: str, issue_id: int | None = None, party: str | None = None
):
    v = _v(request, slug)
    return [position_out(v, p) for p in queries.positions(v, issue_id=issue_id, party=party)]


@router.post(
    f"{BASE}/positions",
    response={200: s.PositionOut},
    summary="State or revise my party's position on an issue",
)
def state_position(request: HttpRequest, slug: str, data: s.PositionIn):
    v = _v(request, slug)
    issue = queries.issue(v, data.issue_id)
    fields = data.dict(exclude={"issue_id", "level", "caveats"}, exclude_none=True)
    pos = services.state_position(v, issue, level=data.level, caveats=data.caveats, **fields)
    return position_out(v, queries.position(v, pos.pk))


@router.get(f"{BASE}/positions/{{position_id}}", response=s.PositionOut)
def get_position(request: HttpRequest, slug: str, position_id: int):
    v = _v(request, slug)
    return position_out(v, queries.position(v, position_id))


@router.get(f"{BASE}/positions/{{position_id}}/revisions", response=list[s.RevisionOut])
@paginate(Page)
def list_revisions(request: HttpRequest, slug: str, position_id: int):
    v = _v(request, slug)
    pos = queries.position(v, position_id)
    return [
        {"number": r.number, "changed": r.changed, "by": _name(v, r.by), "at": r.at}
        for r in queries.revisions(v, pos)
    ]


def release_out(v: access.Viewer, r: PositionRelease) -> dict:
    return {
        "id": r.pk,
        "position_id": r.position_id,
        "issue_id": r.position.issue_id,
        "party": r.position.party.code,
        "scope": r.scope,
        "released": r.released,
        "position_revision": r.position_revision,
        "released_at": r.released_at,
        "label": label_out(v.process, r.label),
    }


@router.post(
    f"{BASE}/positions/{{position_id}}/releases",
    response={201: s.ReleaseOut},
    summary="Release a position (or part of it) to chosen parties",
)
def release_position(request: HttpRequest, slug: str, position_id: int, data: s.ReleaseIn):
    v = _v(request, slug)
    pos = queries.position(v, position_id)
    rel = services.release_position(v, pos, to=data.to, scope=data.scope)
    return Status(201, release_out(v, rel))


@router.delete(
    f"{BASE}/positions/{{position_id}}",
    response=s.PositionWithdrawnOut,
    summary="Withdraw my party's position (its releases go with it)",
)
def withdraw_position(request: HttpRequest, slug: str, position_id: int):
    v = _v(request, slug)
    pos = queries.position(v, position_id)
    gone = services.withdraw_position(v, pos)
    return {
        "id": position_id,
        "issue_id": pos.issue_id,
        "party": pos.party.code,
        "releases_withdrawn": sorted(gone),
    }


@router.delete(
    f"{BASE}/releases/{{release_id}}",
    response=s.ReleaseWithdrawnOut,
    summary="Withdraw a release of my party's position",
)
def withdraw_release(request: HttpRequest, slug: str, release_id: int):
    v = _v(request, slug)
    rel = queries.release(v, release_id)
    services.withdraw_release(v, rel)
    return {"id": release_id, "position_id": rel.position_id, "issue_id": rel.position.issue_id}


@router.get(f"{BASE}/releases", response=list[s.ReleaseOut], summary="Releases I may read")
@paginate(Page)
def list_releases(request: HttpRequest, slug: str):
    v = _v(request, slug)
    return [release_out(v, r) for r in queries.releases(v)]


@router.get(f"{BASE}/matrix", response=s.MatrixOut, summary="Parties × issues, as I may read")
def get_matrix(request: HttpRequest, slug: str):
    v = _v(request, slug)
    m = queries.matrix(v)
    return {
        "parties": [p.code for p in m.parties],
        "rows": [
            {
                "issue": issue_out(r.issue),
                "cells": [
                    {
                        "party": c.party,
                        "state": "HIDDEN" if c.hidden else c.state,
                        "values": c.values,
                        "scope": c.scope,
                        "label": label_out(v.process, c.label),
                    }
                    for c in r.cells
                ],
                "divergence": r.divergence,
                "divergence_parties": r.divergence_parties,
                "zopa": r.zopa,
                "zopa_parties": r.zopa_parties,
                "derived_label": label_out(v.process, r.derived_label),
            }
            for r in m.rows
        ],
        "label": label_out(v.process, m.label),
    }


# --- the negotiating text ---------------------------------------------------------------------
def document_out(d) -> dict:
    latest = d.versions.order_by("-number").values_list("number", flat=True).first()
    return {
        "id": d.pk,
        "title": d.title,
        "required_parties": d.required_parties,
        "latest_version": latest,
        "label": label_out(d.process, d.label),
    }


def segment_out(seg: dict) -> dict:
    if "t" in seg:
        return {"text": seg["t"]}
    return {"bracket": seg["b"], "alternatives": seg["alts"]}


def text_out(view: queries.TextView) -> dict:
    doc = view.document
    links = queries.clause_issue_links(view.viewer, doc)
    return {
        "document_id": doc.pk,
        "title": doc.title,
        "version": view.version.number,
        "latest_version": view.latest,
        "note": view.version.note,
        "content_hash": view.version.content_hash,
        "status": view.status.__dict__,
        "articles": [
            {
                "id": a.article_id,
                "number": a.number,
                "heading": a.heading,
                "clauses": [
                    {
                        "id": c.clause_id,
                        "article_id": c.article_id,
                        "number": c.number,
                        "text": c.text,
                        "segments": [segment_out(x) for x in c.segments],
                        "text_hash": c.text_hash,
                        "status": c.status,
                        "blockers": c.blockers,
                        "stances": [
                            {
                                "party": code,
                                "stance": st.stance,
                                "comment": st.comment,
                                "by": _name(view.viewer, st.by),
                                "at": st.at,
                                "version": st.version.number,
                            }
                            for code, st in sorted(c.stances.items())
                        ],
                        "issues": sorted(links.get(c.clause_id, [])),
                    }
                    for c in a.clauses
                ],
            }
            for a in view.articles
        ],
        "signatures": [
            {
                "party": sg.party.code,
                "member": _name(view.viewer, sg.member),
                "content_hash": sg.content_hash,
                "signed_at": sg.signed_at,
            }
            for sg in view.signatures
        ],
        "label": label_out(doc.process, doc.label),
    }


DOC = f"{BASE}/documents/{{document_id}}"


@router.get(f"{BASE}/documents", response=list[s.DocumentOut], summary="Negotiating texts")
@paginate(Page)
def list_documents(request: HttpRequest, slug: str):
    return [document_out(d) for d in queries.documents(_v(request, slug))]


@router.post(f"{BASE}/documents", response={201: s.TextOut}, summary="Open a text (pen)")
def create_document(request: HttpRequest, slug: str, data: s.DocumentIn):
    v = _v(request, slug)
    label = _label(v, data.label)
    doc = services.create_document(
        v,
        title=data.title,
        articles=[(a.heading, a.clauses) for a in data.articles],
        required_parties=data.required_parties,
        label=label,
    )
    return Status(201, text_out(queries.text(v, queries.document(v, doc.pk))))


@router.get(DOC, response=s.TextOut, summary="A version of a text (latest by default)")
def get_text(request: HttpRequest, slug: str, document_id: int, version: int | None = None):
    v = _v(request, slug)
    return text_out(queries.text(v, queries.document(v, document_id), version))


@router.get(f"{DOC}/versions", response=list[s.VersionOut])
@paginate(Page)
def list_versions(request: HttpRequest, slug: str, document_id: int):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    return [
        {
            "number": x.number,
            "note": x.note,
            "content_hash": x.content_hash,
            "created_by": _name(v, x.created_by),
            "created_at": x.created_at,
        }
        for x in Version.objects.filter(document=doc)
        .select_related("created_by__user", "created_by__party")
        .order_by("-number")
    ]


@router.get(f"{DOC}/compare", response=s.CompareOut, summary="Compare two versions")
def compare(request: HttpRequest, slug: str, document_id: int, a: int, b: int):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    diff = queries.compare(v, doc, a, b)
    from accord.negotiation.textdiff import is_empty

    return {
        "a": a,
        "b": b,
        "identical": is_empty(diff),
        "clauses": [d.__dict__ | {"words": [w.__dict__ for w in d.words]} for d in diff],
        "label": label_out(doc.process, doc.label),
    }


def _latest(v, doc):
    return text_out(queries.text(v, doc))


@router.post(f"{DOC}/articles", response={201: s.TextOut}, summary="Add an article (pen)")
def add_article(request: HttpRequest, slug: str, document_id: int, data: s.ArticleAddIn):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    services.add_article(v, doc, heading=data.heading, base_version=data.base_version)
    return Status(201, _latest(v, doc))


@router.post(f"{DOC}/clauses", response={201: s.TextOut}, summary="Add a clause (pen)")
def add_clause(request: HttpRequest, slug: str, document_id: int, data: s.ClauseAddIn):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    services.add_clause(
        v,
        doc,
        article_id=data.article_id,
        text=data.text,
        base_version=data.base_version,
        after_clause=data.after_clause,
    )
    return Status(201, _latest(v, doc))


@router.put(f"{DOC}/clauses/{{clause_id}}", response=s.TextOut, summary="Edit a clause (pen)")
def edit_clause(
    request: HttpRequest, slug: str, document_id: int, clause_id: int, data: s.ClauseEditIn
):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    clause = queries.clause(doc, clause_id)
    services.edit_clause(v, doc, clause, text=data.text, base_version=data.base_version)
    return _latest(v, doc)


@router.post(f"{DOC}/clauses/{{clause_id}}/delete", response=s.TextOut, summary="Delete (pen)")
def delete_clause(
    request: HttpRequest, slug: str, document_id: int, clause_id: int, data: s.ClauseDeleteIn
):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    services.delete_clause(v, doc, queries.clause(doc, clause_id), base_version=data.base_version)
    return _latest(v, doc)


@router.post(
    f"{DOC}/clauses/{{clause_id}}/brackets/{{bracket}}/resolve",
    response=s.TextOut,
    summary="Resolve a bracket by keeping one alternative (pen)",
)
def resolve_bracket(
    request: HttpRequest,
    slug: str,
    document_id: int,
    clause_id: int,
    bracket: int,
    data: s.ResolveIn,
):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    services.resolve_bracket(
        v,
        doc,
        queries.clause(doc, clause_id),
        bracket=bracket,
        choice=data.choice,
        base_version=data.base_version,
    )
    return _latest(v, doc)


@router.put(f"{DOC}/clauses/{{clause_id}}/issues", response=s.TextOut, summary="Link issues")
def link_issues(request: HttpRequest, slug: str, document_id: int, clause_id: int, data: s.LinkIn):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    services.link_issues(v, doc, queries.clause(doc, clause_id), data.issues)
    return _latest(v, doc)


@router.post(
    f"{DOC}/clauses/{{clause_id}}/stances",
    response={201: s.TextOut},
    summary="Record my party's stance on a clause",
)
def record_stance(
    request: HttpRequest, slug: str, document_id: int, clause_id: int, data: s.StanceIn
):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    services.record_stance(
        v,
        doc,
        queries.clause(doc, clause_id),
        stance=data.stance,
        comment=data.comment,
        version=data.version,
    )
    return Status(201, _latest(v, doc))


@router.post(f"{DOC}/reopen", response={201: s.TextOut}, summary="New version after signing")
def reopen(request: HttpRequest, slug: str, document_id: int):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    services.reopen(v, doc)
    return Status(201, _latest(v, doc))


@router.post(f"{DOC}/sign", response={201: s.TextOut}, summary="Sign a fully agreed version")
def sign(request: HttpRequest, slug: str, document_id: int, data: s.SignIn):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    services.sign_version(v, doc, version=data.version)
    return Status(201, _latest(v, doc))


def amendment_out(v: access.Viewer, a: Amendment) -> dict:
    return {
        "id": a.pk,
        "kind": a.kind,
        "status": a.status,
        "base_version": a.base_version.number,
        "result_version": a.result_version.number if a.result_version else None,
        "clause_id": a.clause_id,
        "article_id": a.article_id,
        "text": a.text,
        "rationale": a.rationale,
        "party": a.party.code,
        "proposed_by": _name(v, a.proposed_by),
        "proposed_at": a.proposed_at,
        "comments": [{"by": _name(v, c.by), "text": c.text, "at": c.at} for c in a.comments.all()],
    }


@router.get(f"{DOC}/amendments", response=list[s.AmendmentOut], summary="Amendment queue")
@paginate(Page)
def list_amendments(request: HttpRequest, slug: str, document_id: int, status: str | None = None):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    return [amendment_out(v, a) for a in queries.amendments(v, doc, status)]


@router.post(f"{DOC}/amendments", response={201: s.AmendmentOut}, summary="Propose an amendment")
def propose_amendment(request: HttpRequest, slug: str, document_id: int, data: s.AmendmentIn):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    am = services.propose_amendment(v, doc, **data.dict())
    return Status(201, amendment_out(v, queries.amendment(v, doc, am.pk)))


@router.post(f"{DOC}/amendments/{{amendment_id}}/comments", response={201: s.AmendmentOut})
def comment_amendment(
    request: HttpRequest, slug: str, document_id: int, amendment_id: int, data: s.CommentIn
):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    am = queries.amendment(v, doc, amendment_id)
    services.comment_amendment(v, am, data.text)
    return Status(201, amendment_out(v, queries.amendment(v, doc, am.pk)))


@router.post(f"{DOC}/amendments/{{amendment_id}}/accept", response=s.AmendmentOut)
def accept_amendment(request: HttpRequest, slug: str, document_id: int, amendment_id: int):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    am = services.decide_amendment(v, queries.amendment(v, doc, amendment_id), accept=True)
    return amendment_out(v, queries.amendment(v, doc, am.pk))


@router.post(f"{DOC}/amendments/{{amendment_id}}/reject", response=s.AmendmentOut)
def reject_amendment(request: HttpRequest, slug: str, document_id: int, amendment_id: int):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    am = services.decide_amendment(v, queries.amendment(v, doc, amendment_id), accept=False)
    return amendment_out(v, queries.amendment(v, doc, am.pk))


@router.get(
    f"{DOC}/export",
    summary="Export a version: format=html, docx or pdf; clean=true for the resolved text",
    response={200: None},
)
def export(
    request: HttpRequest,
    slug: str,
    document_id: int,
    format: str = "html",
    version: int | None = None,
    clean: bool = False,
):
    v = _v(request, slug)
    doc = queries.document(v, document_id)
    return export_response(*exports.export(v, doc, version, fmt=format, clean=clean))


# --- analysis runs ----------------------------------------------------------------------------
def run_out(v: access.Viewer, r: AnalysisRun) -> dict:
    return {
        "id": r.pk,
        "kind": r.kind,
        "params": r.params,
        "inputs": r.inputs,
        "outputs": r.outputs,
        "label": label_out(v.process, r.label),
        "created_by": _name(v, r.created_by),
        "created_at": r.created_at,
        "released_at": r.released_at,
    }


@router.get(
    "/processes/{slug}/negotiation/analysis",
    response=list[s.AnalysisRunOut],
    summary="Analysis runs I may read",
)
@paginate(Page)
def list_runs(request: HttpRequest, slug: str):
    v = _v(request, slug)
    return [run_out(v, r) for r in queries.analysis_runs(v)]


@router.post(
    "/processes/{slug}/negotiation/analysis",
    response={201: s.AnalysisRunOut},
    summary="Run an analysis",
)
def create_run(request: HttpRequest, slug: str, data: s.AnalysisIn):
    v = _v(request, slug)
    run = services.run_analysis(
        v,
        kind=data.kind,
        issue_ids=data.issues,
        issue_id=data.issue,
        capability=data.capability,
        samples=data.samples,
        seed=data.seed,
        consultation_id=data.consultation,
        min_votes=data.min_votes,
        relax=data.relax,
    )
    return Status(201, run_out(v, run))


@router.get("/processes/{slug}/negotiation/analysis/{run_id}", response=s.AnalysisRunOut)
def get_run(request: HttpRequest, slug: str, run_id: int):
    v = _v(request, slug)
    return run_out(v, queries.analysis_run(v, run_id))


@router.get(
    "/processes/{slug}/negotiation/analysis/{run_id}/charts",
    response=list[dict],
    summary="Vega-Lite specs of a run",
)
def run_charts(request: HttpRequest, slug: str, run_id: int):
    v = _v(request, slug)
    run = queries.analysis_run(v, run_id)
    return chart_specs(run.kind, run.outputs, run.inputs)


@router.post("/processes/{slug}/negotiation/analysis/{run_id}/release", response=s.AnalysisRunOut)
def release_run(request: HttpRequest, slug: str, run_id: int, data: s.RunReleaseIn):
    v = _v(request, slug)
    run = services.release_run(v, queries.analysis_run(v, run_id), rel_to=data.rel_to)
    return run_out(v, run)
