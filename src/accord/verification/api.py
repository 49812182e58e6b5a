"""REST endpoints of the verification app: parse → service/query → schema, no logic."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from accord.core import access, files, links, people
from accord.core.api import json_label as _json_label
from accord.core.api import label_in as _label
from accord.core.api import label_out
from accord.core.api import viewer as _v
from accord.core.roles import Perm
from accord.core.schemas import LinkIn
from accord.pagination import Page
from accord.ui.pdf import export_response
from accord.verification import exports, queries, services
from accord.verification import schemas as s
from accord.verification.models import Assessment, Claim, Evidence, Source

router = Router(tags=["verification"])
BASE = "/processes/{slug}/verification"


def source_out(v: access.Viewer, src: Source) -> dict:
    chain = queries.lineage(v, src)
    relays = queries.relays_shown(v, src)
    return {
        "id": src.pk,
        "name": src.name,
        "kind": src.kind,
        "url": src.url,
        "platform": src.platform,
        "relays": relays.pk if relays else None,
        "lineage_root": chain[-1].pk,
        "reliability": src.reliability,
        "reliability_words": src.reliability_words,
        "status": src.status,
        "label": label_out(v.process, src.label),
    }


def source_detail_out(v: access.Viewer, src: Source) -> dict:
    return {
        **source_out(v, src),
        "ratings": [
            {
                "reliability": r.reliability,
                "reliability_words": Source(reliability=r.reliability).reliability_words,
                "note": r.note,
                "rated_by": people.handle(v, r.rated_by),
                "rated_at": r.rated_at,
            }
            for r in queries.ratings(v, src)
        ],
        "relayed_by": [x.pk for x in queries.relayed_by(v, src)],
    }


def claim_out(v: access.Viewer, c: Claim) -> dict:
    rating = f"{c.seen_reliability}{c.seen_credibility}" if c.seen_credibility is not None else None
    return {
        "id": c.pk,
        "text": c.text,
        "language": c.language,
        "url": c.url,
        "platform": c.platform,
        "place": c.place,
        "seen_at": c.seen_at,
        "techniques": c.techniques,
        "disinformant_category": c.disinformant_category,
        "disinformant_country": c.disinformant_country,
        "attribution": c.attribution,
        "intent": c.intent,
        "status": c.seen_status or "unstarted",
        "rating": rating,
        "label": label_out(v.process, c.label),
        "reported_by": people.handle(v, c.created_by),
        "created_at": c.created_at,
    }


def assessment_out(v: access.Viewer, a: Assessment) -> dict:
    src = queries.assessment_source(v, a)
    return {
        "id": a.pk,
        "status": a.status,
        "rating": a.rating,
        "reliability": a.reliability,
        "credibility": a.credibility,
        "credibility_words": a.credibility_words,
        "likelihood": a.likelihood,
        "probability": a.probability,
        "rationale": a.rationale,
        "independent_sources": a.independent_sources,
        "source": src.pk if src else None,
        "evidence": [e.pk for e in queries.assessment_evidence(v, a)],
        "analyst": people.handle(v, a.analyst),
        "created_at": a.created_at,
        "label": label_out(v.process, a.label),
    }


def similar_out(hits: list[queries.Similar]) -> list[dict]:
    return [
        {
            "id": h.claim.pk,
            "text": h.claim.text,
            "score": h.score,
            "status": h.claim.seen_status,
            "rating": (
                f"{h.claim.seen_reliability}{h.claim.seen_credibility}"
                if h.claim.seen_credibility is not None
                else None
            ),
        }
        for h in hits
    ]


def evidence_out(v: access.Viewer, e: Evidence) -> dict:
    return {
        "id": e.pk,
        "name": e.name,
        "content_type": e.content_type,
        "size": e.size,
        "sha256": e.sha256,
        "note": e.note,
        "added_by": people.handle(v, e.added_by),
        "added_at": e.added_at,
        "label": label_out(v.process, e.label),
    }


def concerns_out(v: access.Viewer, c: Claim) -> list[dict]:
    """Parties first, then the linked objects the reader may read (others are left out)."""
    parties = [
        {"kind": services.PARTY, "id": p.pk, "title": p.name, "relation": "concerns"}
        for p in c.parties.order_by("name")
    ]
    return parties + [
        {"kind": t.kind, "id": t.id, "title": t.title, "relation": t.relation}
        for t in links.targets(v, c, "concerns")
    ]


def claim_detail_out(v: access.Viewer, c: Claim) -> dict:
    return {
        **claim_out(v, c),
        "evidence": [evidence_out(v, e) for e in queries.evidence(v, c)],
        "concerns": concerns_out(v, c),
        "sources": [source_out(v, x) for x in queries.claim_sources(v, c)],
        "independent_sources": queries.independent_sources(v, c),
        "assessments": [assessment_out(v, a) for a in queries.assessments(v, c)],
        "similar": similar_out(queries.similar(v, c.text, exclude=c.pk)),
    }


# --- DISARM ------------------------------------------------------------------------------------
@router.get("/disarm/techniques", response=list[s.TechniqueOut], summary="DISARM techniques")
@paginate(Page)
def list_techniques(request: HttpRequest, tactic: str | None = None):
    qs = queries.techniques()
    rows = [
        {
            "id": t.external_id,
            "name": t.name,
            "tactics": t.tactics,
            "parent": t.parent,
            "url": t.url,
        }
        for t in qs
    ]
    return [r for r in rows if not tactic or tactic in r["tactics"]]


# --- sources -----------------------------------------------------------------------------------
@router.get(f"{BASE}/sources", response=list[s.SourceOut], summary="Sources I may read")
@paginate(Page)
def list_sources(request: HttpRequest, slug: str):
    v = _v(request, slug)
    return [source_out(v, x) for x in queries.sources(v)]


@router.post(f"{BASE}/sources", response={201: s.SourceDetailOut}, summary="Add a source")
def create_source(request: HttpRequest, slug: str, data: s.SourceIn):
    v = _v(request, slug)
    src = services.create_source(
        v,
        name=data.name,
        kind=data.kind,
        url=data.url,
        platform=data.platform,
        relays=data.relays,
        reliability=data.reliability,
        status=data.status,
        notes=data.notes,
        label=_label(v, data.label),
    )
    return Status(201, source_detail_out(v, src))


@router.get(f"{BASE}/sources/{{source_id}}", response=s.SourceDetailOut, summary="A source")
def get_source(request: HttpRequest, slug: str, source_id: int):
    v = _v(request, slug)
    return source_detail_out(v, queries.source(v, source_id))


@router.post(
    f"{BASE}/sources/{{source_id}}/ratings",
    response={201: s.SourceDetailOut},
    summary="Rate a source's reliability (A–F); the history is kept",
)
def rate_source(request: HttpRequest, slug: str, source_id: int, data: s.RatingIn):
    v = _v(request, slug)
    src = queries.source(v, source_id)
    services.rate_source(v, src, reliability=data.reliability, note=data.note, status=data.status)
    return Status(201, source_detail_out(v, queries.source(v, source_id)))


# --- claims ------------------------------------------------------------------------------------
@router.get(f"{BASE}/claims", response=list[s.ClaimOut], summary="Claims I may read")
@paginate(Page)
def list_claims(
    request: HttpRequest,
    slug: str,
    status: str | None = None,
    technique: str | None = None,
    language: str | None = None,
    platform: str | None = None,
    q: str | None = None,
):
    v = _v(request, slug)
    qs = queries.filtered_claims(
        v, status=status, technique=technique, language=language, platform=platform, q=q
    )
    return [claim_out(v, c) for c in qs]


@router.post(
    f"{BASE}/claims",
    response={201: s.ClaimDetailOut},
    summary="Report a claim (answer lists similar claims you may read)",
)
def create_claim(request: HttpRequest, slug: str, data: s.ClaimIn):
    v = _v(request, slug)
    c = services.create_claim(
        v,
        text=data.text,
        language=data.language,
        url=data.url,
        platform=data.platform,
        place=data.place,
        seen_at=data.seen_at,
        sources=data.sources,
        techniques=data.techniques,
        disinformant_category=data.disinformant_category,
        disinformant_country=data.disinformant_country,
        attribution=data.attribution,
        intent=data.intent,
        label=_label(v, data.label),
        concerns=[(x.kind, x.id) for x in data.concerns],
    )
    return Status(201, claim_detail_out(v, queries.claim(v, c.pk)))


@router.get(
    f"{BASE}/claims/{{claim_id}}/report",
    summary="The claim's verification report (format=html or pdf), under its derived label",
)
def claim_report(request: HttpRequest, slug: str, claim_id: int, format: str = "pdf"):
    v = _v(request, slug)
    return export_response(*exports.export(v, claim_id, fmt=format))


@router.post(
    f"{BASE}/claims/{{claim_id}}/concerns",
    response=s.ClaimDetailOut,
    summary="Say what a claim concerns (a party, agenda issue, clause, incident…)",
)
def link_claim(request: HttpRequest, slug: str, claim_id: int, data: LinkIn):
    v = _v(request, slug)
    services.link_claim(v, queries.claim(v, claim_id), data.kind, data.id)
    return claim_detail_out(v, queries.claim(v, claim_id))


@router.post(
    f"{BASE}/claims/{{claim_id}}/evidence",
    response={201: s.EvidenceOut},
    summary="Keep a file as evidence for a claim (type sniffed from content; size limit applies)",
)
def add_evidence(
    request: HttpRequest,
    slug: str,
    claim_id: int,
    file: UploadedFile = File(...),
    note: str = Form(""),
    label: str = Form("", description='optional JSON label, e.g. {"level": 2, "rel_to": ["MED"]}'),
):
    v = _v(request, slug)
    c = queries.claim(v, claim_id)
    name, data = files.read_upload(file)
    ev = services.add_evidence(v, c, name=name, data=data, note=note, label=_json_label(v, label))
    return Status(201, evidence_out(v, ev))


@router.get(
    f"{BASE}/claims/{{claim_id}}/evidence/{{evidence_id}}",
    summary="Download a file of evidence (404 unless you may read it and its claim)",
)
def get_evidence(request: HttpRequest, slug: str, claim_id: int, evidence_id: int):
    v = _v(request, slug)
    ev = queries.one_evidence(v, claim_id, evidence_id)
    return files.download(ev)


@router.post(
    f"{BASE}/similar",
    response=list[s.SimilarOut],
    summary="Claims I may read that resemble a text (checked before reporting)",
)
def similar(request: HttpRequest, slug: str, data: s.SimilarIn):
    v = _v(request, slug)
    return similar_out(queries.similar(v, data.text))


@router.get(f"{BASE}/claims/{{claim_id}}", response=s.ClaimDetailOut, summary="A claim")
def get_claim(request: HttpRequest, slug: str, claim_id: int):
    v = _v(request, slug)
    return claim_detail_out(v, queries.claim(v, claim_id))


@router.post(
    f"{BASE}/claims/{{claim_id}}/sources",
    response={201: s.ClaimDetailOut},
    summary="Record another source carrying the claim",
)
def add_claim_source(request: HttpRequest, slug: str, claim_id: int, data: s.ClaimSourceIn):
    v = _v(request, slug)
    c = services.add_claim_source(v, queries.claim(v, claim_id), data.source)
    return Status(201, claim_detail_out(v, queries.claim(v, c.pk)))


@router.post(
    f"{BASE}/claims/{{claim_id}}/assessments",
    response={201: s.AssessmentOut},
    summary="Assess a claim (Admiralty code, ICD 203 estimative words)",
)
def assess(request: HttpRequest, slug: str, claim_id: int, data: s.AssessmentIn):
    v = _v(request, slug)
    a = services.assess(
        v,
        queries.claim(v, claim_id),
        status=data.status,
        credibility=data.credibility,
        rationale=data.rationale,
        likelihood=data.likelihood,
        probability=data.probability,
        source=data.source,
        label=_label(v, data.label),
        evidence=data.evidence,
    )
    return Status(201, assessment_out(v, a))


# --- joint public lines ------------------------------------------------------------------------
def line_out(v: access.Viewer, ln) -> dict:
    verdict = queries.line_verdict(ln)
    return {
        "id": ln.pk,
        "series": ln.series,
        "version": ln.version,
        "title": ln.title,
        "texts": ln.texts,
        "claims": [c.pk for c in queries.line_claims(v, ln)],
        "verdict": ln.verdict,
        "counters": ln.counters,
        "audience": ln.audience,
        # the allies' own guidance stays with those who speak for them, even on a public line
        "guidance": ln.guidance if v.can(Perm.DRAFT_PUBLIC_LINES) else "",
        "public": ln.public,
        "embargo_until": ln.embargo_until,
        "rule": ln.rule,
        "deadline": ln.deadline,
        "status": ln.status,
        "outcome": verdict.outcome,
        "waiting_for": list(verdict.waiting) if ln.status == "circulating" else [],
        "content_hash": ln.content_hash,
        "published_at": ln.published_at,
        "label": label_out(v.process, ln.label),
        "responses": [
            {
                "party": r.party.code,
                "kind": r.kind,
                "amendment": r.amendment,
                "note": r.note,
                "by": people.handle(v, r.member),
                "at": r.at,
            }
            for r in queries.line_responses(v, ln)
        ],
    }


@router.get(f"{BASE}/lines", response=list[s.LineOut], summary="Public lines I may read")
@paginate(Page)
def list_lines(request: HttpRequest, slug: str, status: str | None = None):
    v = _v(request, slug)
    services.settle_due()
    qs = queries.lines(v)
    return [line_out(v, ln) for ln in (qs.filter(status=status) if status else qs)]


@router.post(
    f"{BASE}/lines",
    response={201: s.LineOut},
    summary="Draft a joint public line and circulate it to every ally",
)
def draft_line(request: HttpRequest, slug: str, data: s.LineIn):
    v = _v(request, slug)
    ln = services.draft_line(
        v,
        title=data.title,
        texts=data.texts,
        claims=data.claims,
        verdict=data.verdict,
        counters=data.counters,
        audience=data.audience,
        guidance=data.guidance,
        public=data.public,
        embargo_until=data.embargo_until,
        rule=data.rule,
        deadline=data.deadline,
        label=_label(v, data.label),
    )
    return Status(201, line_out(v, ln))


@router.get(f"{BASE}/lines/{{publicline_id}}", response=s.LineOut, summary="A public line")
def get_line(request: HttpRequest, slug: str, publicline_id: int):
    v = _v(request, slug)
    services.settle_due()
    return line_out(v, queries.line(v, publicline_id))


@router.post(
    f"{BASE}/lines/{{publicline_id}}/responses",
    response={201: s.LineOut},
    summary="My party approves or objects (an objection under silence carries an amendment)",
)
def respond_line(request: HttpRequest, slug: str, publicline_id: int, data: s.ResponseIn):
    v = _v(request, slug)
    ln = queries.line(v, publicline_id)
    services.respond_line(v, ln, kind=data.kind, amendment=data.amendment, note=data.note)
    return Status(201, line_out(v, queries.line(v, publicline_id)))


@router.post(
    f"{BASE}/lines/{{publicline_id}}/revise",
    response={201: s.LineOut},
    summary="A new version of the line (needs every ally's approval again)",
)
def revise_line(request: HttpRequest, slug: str, publicline_id: int, data: s.LineReviseIn):
    v = _v(request, slug)
    changes = {k: val for k, val in data.dict().items() if val is not None}
    ln = services.revise_line(v, queries.line(v, publicline_id), **changes)
    return Status(201, line_out(v, ln))


@router.post(
    f"{BASE}/lines/{{publicline_id}}/publish",
    response=s.LineOut,
    summary="Publish an approved line after its embargo",
)
def publish_line(request: HttpRequest, slug: str, publicline_id: int):
    v = _v(request, slug)
    ln = services.publish_line(v, queries.line(v, publicline_id))
    return line_out(v, queries.line(v, ln.pk))
